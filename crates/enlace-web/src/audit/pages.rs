use crate::extract::Req;
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use enlace_app::audit::AuditScope;
use enlace_domain::policy::{self};
use enlace_store::audit::Entry;

#[derive(Template)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    entries: Vec<Entry>,
    scope: String,
    can_country: bool,
    pager: Pager,
    q: AuditPageQuery,
}

/// The audit page's filters, as the form sends them.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditPageQuery {
    page: Option<i64>,
    scope: Option<String>,
    #[serde(default)]
    object: String,
    #[serde(default)]
    actor_country: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub async fn audit_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<AuditPageQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let page = page_no(q.page);
    let filter = crate::audit::api::audit_filter(
        Some(&q.object),
        Some(&q.actor_country),
        Some(&q.action),
        Some(&q.from),
        Some(&q.to),
    )
    .map_err(|e| req.err(e))?;
    let scope = match q.scope.as_deref() {
        Some("country") => AuditScope::Country,
        _ => AuditScope::Mine,
    };
    let (entries, total) = s
        .app
        .audit_entries(&ctx, scope, &filter, PER_PAGE, (page - 1) * PER_PAGE)
        .await
        .map_err(|e| req.err(e))?;
    let scope_s = if scope == AuditScope::Country {
        "country"
    } else {
        "mine"
    };
    Ok(render(&AuditPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        entries,
        scope: scope_s.into(),
        can_country: policy::may_read_country_audit(&ctx.actor).is_some(),
        pager: Pager::new(
            page,
            total,
            &format!(
                "/audit?scope={scope_s}&object={}&actor_country={}&action={}&from={}&to={}",
                url_encode(&q.object),
                url_encode(&q.actor_country),
                url_encode(&q.action),
                url_encode(&q.from),
                url_encode(&q.to)
            ),
        ),
        q,
    }))
}
