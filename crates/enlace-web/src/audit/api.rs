use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::audit::AuditScope;
use enlace_store::audit::{Checkpoint, Entry};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One entry of the audit log (a hash chain: each entry's hash covers the previous one).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_username: Option<String>,
    pub actor_country: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub object_country: Option<String>,
    pub purpose: Option<String>,
    pub case_reference: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<&Entry> for AuditView {
    fn from(e: &Entry) -> AuditView {
        let e = e.clone();
        AuditView {
            seq: e.seq,
            at: ts(e.at),
            actor_id: e.actor_id,
            actor_username: e.actor_username,
            actor_country: e.actor_country,
            actor_role: e.actor_role,
            action: e.action,
            object_kind: e.object_kind,
            object_id: e.object_id,
            object_country: e.object_country,
            purpose: e.purpose,
            case_reference: e.case_reference,
            outcome: e.outcome,
            detail: e.detail,
            request_id: e.request_id,
            client_addr: e.client_addr,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Scope {
    /// The caller's own actions.
    Own,
    /// A country admin: every action by, or on records of, the country.
    Country,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// `own` (default) or, for a country admin, `country`.
    #[param(inline)]
    scope: Option<Scope>,
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<i64>,
}

/// The audit log as the caller may read it, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditView>)))]
pub(crate) async fn audit_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult {
    check_paging(q.page, q.per_page).map_err(|e| a.err(e))?;
    let paging = paging(q.page, q.per_page);
    let scope = match q.scope {
        Some(Scope::Country) => AuditScope::Country,
        _ => AuditScope::Mine,
    };
    let (entries, total) = s
        .app
        .audit_entries(&a.ctx, scope, paging.1, paging.2)
        .await
        .map_err(|e| a.err(e))?;
    let items = entries.iter().map(AuditView::from).collect();
    Ok(Json(Page::new(items, total, paging)).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Checkpoints {
    pub checkpoints: Vec<Checkpoint>,
}

/// Signed checkpoints of the audit chain, for a country admin to keep elsewhere. Also served
/// at /audit/checkpoints.json for download from the audit page.
#[utoipa::path(get, path = "/audit/checkpoints", tag = "audit",
    responses((status = 200, body = Checkpoints)))]
pub async fn audit_checkpoints(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let checkpoints = s
        .app
        .audit_checkpoints(&a.ctx)
        .await
        .map_err(|e| a.err(e))?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"enlace-audit-checkpoints.json\"",
        )],
        Json(Checkpoints { checkpoints }),
    )
        .into_response())
}
