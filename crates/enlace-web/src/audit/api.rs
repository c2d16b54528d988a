use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::audit::AuditScope;
use serde_json::{json, Value};

pub(crate) async fn audit_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let (page, per, offset) = q.paging();
    let scope = match q.scope.as_deref() {
        Some("country") => AuditScope::Country,
        _ => AuditScope::Mine,
    };
    let (entries, total) = s
        .app
        .audit_entries(&a.ctx, scope, per, offset)
        .await
        .map_err(|e| a.err(e))?;
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
            v["at"] = json!(ts(e.at));
            v
        })
        .collect();
    Ok(Json(page_json(items, total, page, per)).into_response())
}

/// Signed checkpoints of the audit chain, for a country admin to keep elsewhere. Also served
/// at /audit/checkpoints.json for download from the audit page.
pub async fn audit_checkpoints(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let cps = s
        .app
        .audit_checkpoints(&a.ctx)
        .await
        .map_err(|e| a.err(e))?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"enlace-audit-checkpoints.json\"",
        )],
        Json(json!({"checkpoints": cps})),
    )
        .into_response())
}
