use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    /// What happened: `alert`, `request`, `hit`, `deadline`, `directory`…
    pub kind: String,
    /// In the caller's language.
    pub text: String,
    /// The page it is about.
    pub link: String,
    pub created_at: String,
    pub read: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    #[serde(flatten)]
    pub page: Page<NotificationView>,
    pub unread: i64,
}

/// The caller's notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/notifications", tag = "notifications", params(Paging),
    responses((status = 200, body = NotificationPage)))]
pub(crate) async fn notifications_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<Paging>,
) -> ApiResult {
    check_paging(q.page, q.per_page).map_err(|e| a.err(e))?;
    let paging = q.get();
    let (list, total, unread) = s
        .app
        .notifications(&a.ctx, paging.1, paging.2)
        .await
        .map_err(|e| a.err(e))?;
    let lang = a.lang.code();
    let items = list
        .iter()
        .map(|n| NotificationView {
            id: n.id.clone(),
            kind: n.kind.clone(),
            text: enlace_app::live::text_in(&n.text, lang),
            link: n.link.clone(),
            created_at: ts(n.created_at),
            read: n.read_at.is_some(),
        })
        .collect();
    Ok(Json(NotificationPage {
        page: Page::new(items, total, paging),
        unread,
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct ReadBody {
    /// One notification; without it, all of them.
    id: Option<String>,
}

/// Marks one notification, or all, as read.
#[utoipa::path(post, path = "/notifications/read", tag = "notifications", request_body = ReadBody,
    responses((status = 204, description = "Marked")))]
pub(crate) async fn notifications_read(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<ReadBody>,
) -> ApiResult {
    a.done(s.app.mark_read(&a.ctx, b.id.as_deref()).await)
}
