use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::audit::AuditScope;
use enlace_domain::{Country, Invalid};
use enlace_store::audit::{AuditFilter, Checkpoint, Entry};
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
    /// Only entries about this record (its id).
    #[param(min_length = 1, max_length = 100, pattern = r"\S")]
    object: Option<String>,
    /// Only entries by users of this country.
    #[param(value_type = Option<Country>)]
    actor_country: Option<String>,
    /// Only this action, e.g. `entity.read`, `check.hit`.
    #[param(pattern = "^[a-z_.]{1,60}$")]
    action: Option<String>,
    /// From this day or time (UTC): `2026-12-01` or `2026-12-01T08:00:00Z`.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z)?$"
    )]
    from: Option<String>,
    /// Up to this day or time (UTC), exclusive.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z)?$"
    )]
    to: Option<String>,
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<i64>,
}

/// The audit log as the caller may read it, newest first: its own actions, or (a country
/// admin, `scope=country`) every action by its country's users or on its records, from any
/// country — who read a record, from where, when and why.
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
    // The page's form sends empty fields for "any"; an API caller that sends one is refused.
    let mut empty = Invalid::default();
    for (field, v) in [
        ("object", &q.object),
        ("actor_country", &q.actor_country),
        ("action", &q.action),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
            empty.push(field, "required");
        }
    }
    empty
        .into_result()
        .map_err(|e| a.err(enlace_app::AppError::Invalid(e)))?;
    let filter = audit_filter(
        q.object.as_deref(),
        q.actor_country.as_deref(),
        q.action.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
    )
    .map_err(|e| a.err(e))?;
    let (entries, total) = s
        .app
        .audit_entries(&a.ctx, scope, &filter, paging.1, paging.2)
        .await
        .map_err(|e| a.err(e))?;
    let items = entries.iter().map(AuditView::from).collect();
    Ok(Json(Page::new(items, total, paging)).into_response())
}

/// A query value that says something: trimmed, not empty.
fn some(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// The audit filter from a query string: every part optional, none ignored when wrong.
pub(crate) fn audit_filter(
    object: Option<&str>,
    actor_country: Option<&str>,
    action: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<AuditFilter, enlace_app::AppError> {
    let mut errs = Invalid::default();
    let mut time = |field: &'static str, v: Option<&str>| {
        some(v).and_then(|t| {
            let ms = enlace_domain::clock::parse_utc(t);
            if ms.is_none() {
                errs.push(field, "bad_date");
            }
            ms
        })
    };
    let from_ms = time("from", from);
    let to_ms = time("to", to);
    let actor_country = match some(actor_country) {
        None => None,
        Some(c) => match Country::parse(c) {
            Some(c) => Some(c.code().to_string()),
            None => {
                errs.push("actor_country", "unknown_country");
                None
            }
        },
    };
    let action = some(action).map(str::to_string);
    if action.as_deref().is_some_and(|a| {
        a.len() > 60
            || !a
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
    }) {
        errs.push("action", "bad_action");
    }
    let object = some(object).map(str::to_string);
    if object.as_deref().is_some_and(|o| o.len() > 100) {
        errs.push("object", "too_long");
    }
    errs.into_result().map_err(enlace_app::AppError::Invalid)?;
    Ok(AuditFilter {
        object_id: object,
        actor_country,
        action,
        from_ms,
        to_ms,
        actor_username: None,
    })
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
