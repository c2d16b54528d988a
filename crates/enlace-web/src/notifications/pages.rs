use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};

#[derive(Template)]
#[template(path = "notifications.html")]
pub(crate) struct NotificationsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    list: Vec<(enlace_store::live::Notification, String)>,
    pager: Pager,
}

pub async fn notifications_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let page = page_no(q.page);
    let (list, total, _) = s
        .app
        .notifications(&ctx, PER_PAGE, (page - 1) * PER_PAGE)
        .await
        .map_err(|e| req.err(e))?;
    let lang = req.lang.code();
    Ok(render(&NotificationsPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        list: list
            .into_iter()
            .map(|n| {
                let text = enlace_app::live::text_in(&n.text, lang);
                (n, text)
            })
            .collect(),
        pager: Pager::new(page, total, "/notifications"),
    }))
}

pub async fn notifications_read(
    State(s): State<AppState>,
    CsrfForm(req, _f): CsrfForm<Empty>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(s.app.mark_read(&ctx, None).await, "/notifications")
}
