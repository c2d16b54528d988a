use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::visas::{ImportRow, NationalityCode, VisaFilter, VisaInput};
use enlace_app::AppError;
use enlace_domain::{Country, Invalid};
use enlace_store::visas::VisaRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A visa requirement: what a nationality needs to enter a member country, from a date.
#[derive(Debug, Serialize, ToSchema)]
pub struct Visa {
    /// The member country entered.
    pub destination: Country,
    /// The traveller's nationality (ISO 3166-1 alpha-2, lower case).
    pub nationality: String,
    /// `visa_free`, `visa_on_arrival`, `electronic_authorisation`, `visa_required` or `not_admitted`.
    pub regime: String,
    /// Longest stay allowed, in days.
    pub max_stay_days: Option<i64>,
    /// The legal source (law, decree, agreement and article).
    pub source: String,
    pub source_url: Option<String>,
    /// In force from this date (`YYYY-MM-DD`).
    #[schema(format = Date)]
    pub effective: String,
    /// Set or confirmed by the destination country; `false`: proposed by someone else.
    pub verified: bool,
    /// Conditions and exemptions, in words.
    pub notes: String,
    /// Number of this version of the pair (1, 2, …).
    pub version: i64,
    /// `set`, `proposed`, `confirmed` or `withdrawn`.
    pub change: String,
    /// Who recorded this version: a member country's code, or `secretariat`.
    pub recorded_by: String,
    pub recorded_at: String,
    /// When a later version replaced this one (history only).
    pub superseded_at: Option<String>,
}

pub(crate) fn visa_json(r: &VisaRow) -> Visa {
    Visa {
        destination: r.destination,
        nationality: r.nationality.clone(),
        regime: r.regime.clone(),
        max_stay_days: r.max_stay_days,
        source: r.source_text.clone(),
        source_url: r.source_url.clone(),
        effective: r.effective.clone(),
        verified: r.verified,
        notes: r.notes.clone(),
        version: r.version,
        change: r.change.clone(),
        recorded_by: r
            .recorded_by_country
            .clone()
            .unwrap_or_else(|| "secretariat".into()),
        recorded_at: ts(r.recorded_at),
        superseded_at: r.superseded_at.map(ts),
    }
}

/// A page of rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisaPage {
    pub items: Vec<Visa>,
    /// Pass it back as `?cursor=` for the next page; `null` on the last.
    pub next: Option<String>,
}

/// One row (both `destination` and `nationality` given) or a page of rows.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum VisaAnswer {
    One(Box<Visa>),
    Page(VisaPage),
}

/// Visa requirements. With `destination` and `nationality`: the row in force on `date`
/// (today when absent) — the destination's own row first, a proposal (`verified: false`)
/// only when it has none — or 404 when there is no row. Otherwise a page of rows: every
/// current version (each effective date), or with `date` the row in force per pair.
#[utoipa::path(get, path = "/visas", tag = "visas", params(VisaFilter),
    responses((status = 200, body = VisaAnswer)))]
pub(crate) async fn visas_get(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(f): ApiQuery<VisaFilter>,
) -> ApiResult {
    let d = f.destination.as_deref().filter(|x| !x.is_empty());
    let n = f.nationality.as_deref().filter(|x| !x.is_empty());
    if let (Some(d), Some(n)) = (d, n) {
        let r = s
            .app
            .visa_lookup(&a.ctx, d, n, f.date.as_deref())
            .await
            .map_err(|e| a.err(e))?;
        return Ok(Json(visa_json(&r)).into_response());
    }
    let (rows, next) = s.app.visa_list(&a.ctx, &f).await.map_err(|e| a.err(e))?;
    Ok(Json(VisaPage {
        items: rows.iter().map(visa_json).collect(),
        next,
    })
    .into_response())
}

/// Sets the row of a pair from its date, by the destination country's users (any role of
/// that country; others 403). It is `verified`; a row of the same date is replaced (kept in
/// the history), rows of other dates stay.
#[utoipa::path(put, path = "/visas/{destination}/{nationality}", tag = "visas",
    params(("destination" = Country, Path, description = "A member country"),
        ("nationality" = NationalityCode, Path, description = "A country of the world")),
    request_body = VisaInput,
    responses((status = 200, body = Visa)))]
pub(crate) async fn visa_put(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((d, n)): Path<(String, String)>,
    ApiJson(b): ApiJson<VisaInput>,
) -> ApiResult {
    let r = s
        .app
        .set_visa(&a.ctx, &d, &n, &b)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(visa_json(&r)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EffectiveQuery {
    /// The row of this date (`YYYY-MM-DD`).
    #[param(format = Date)]
    effective: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WithdrawQuery {
    /// The date the withdrawn row is in force from (`YYYY-MM-DD`).
    #[param(format = Date)]
    effective: String,
}

/// Withdraws the row of a pair in force from `effective` (destination country only). The
/// version stays in the history.
#[utoipa::path(delete, path = "/visas/{destination}/{nationality}", tag = "visas",
    params(("destination" = Country, Path), ("nationality" = NationalityCode, Path), WithdrawQuery),
    responses((status = 204, description = "Withdrawn")))]
pub(crate) async fn visa_delete(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((d, n)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<WithdrawQuery>,
) -> ApiResult {
    let r = s.app.withdraw_visa(&a.ctx, &d, &n, &q.effective).await;
    a.done(r)
}

/// Confirms the proposed rows of a pair (`effective`: only that date's), by the destination
/// country: they become `verified`.
#[utoipa::path(post, path = "/visas/{destination}/{nationality}/confirm", tag = "visas",
    params(("destination" = Country, Path), ("nationality" = NationalityCode, Path), EffectiveQuery),
    responses((status = 200, body = Visa),
        (status = 409, description = "Nothing proposed awaits confirmation", body = ErrorBody)))]
pub(crate) async fn visa_confirm(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((d, n)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<EffectiveQuery>,
) -> ApiResult {
    let r = s
        .app
        .confirm_visa(&a.ctx, &d, &n, q.effective.as_deref())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(visa_json(&r)).into_response())
}

/// Every version of a pair, newest first (withdrawn and replaced ones included).
#[utoipa::path(get, path = "/visas/{destination}/{nationality}/history", tag = "visas",
    params(("destination" = Country, Path), ("nationality" = NationalityCode, Path)),
    responses((status = 200, body = VisaPage)))]
pub(crate) async fn visa_history(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((d, n)): Path<(String, String)>,
) -> ApiResult {
    let rows = s
        .app
        .visa_history(&a.ctx, &d, &n)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(VisaPage {
        items: rows.iter().map(visa_json).collect(),
        next: None,
    })
    .into_response())
}

/// An import in JSON: the rows, or `{"rows":[…]}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ImportBody {
    /// The rows (at most 5,000).
    Rows(Vec<ImportRow>),
    Wrapped {
        #[schema(max_items = 5000)]
        rows: Vec<ImportRow>,
    },
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportLine {
    pub line: usize,
    pub destination: String,
    pub nationality: String,
    /// `destination_row_wins`, `unchanged` or `invalid_input`.
    pub reason: String,
    pub fields: Vec<FieldProblem>,
    /// Why, in the caller's language.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Rows written.
    pub accepted: usize,
    pub skipped: Vec<ImportLine>,
    pub rejected: Vec<ImportLine>,
}

pub(crate) fn report_json(t: crate::i18n::Tr, r: &enlace_app::visas::ImportReport) -> ImportReport {
    let line = |p: &enlace_app::visas::ImportProblem| ImportLine {
        line: p.line,
        destination: p.destination.clone(),
        nationality: p.nationality.clone(),
        reason: p.reason.clone(),
        fields: p
            .fields
            .iter()
            .map(|(f, c)| FieldProblem {
                field: f.clone(),
                code: c.clone(),
                message: crate::error::message(t, c),
            })
            .collect(),
        message: {
            let mut m = t.t(&format!("visas_{}", p.reason));
            for (f, c) in &p.fields {
                m.push_str(&format!(
                    "; {}",
                    crate::visas::pages::field_message(t, f, c)
                ));
            }
            m
        },
    };
    ImportReport {
        accepted: r.accepted,
        skipped: r.skipped.iter().map(line).collect(),
        rejected: r.rejected.iter().map(line).collect(),
    }
}

/// Parses an import body: CSV (`text/csv`) or JSON.
pub(crate) fn parse_import(csv: bool, bytes: &[u8]) -> Result<enlace_app::visas::Parsed, AppError> {
    if csv {
        let text = std::str::from_utf8(bytes).map_err(|_| Invalid::one("body", "bad_csv"))?;
        return enlace_app::visas::parse_csv(text);
    }
    let body: ImportBody =
        serde_json::from_slice(bytes).map_err(|_| Invalid::one("body", "bad_json"))?;
    let rows = match body {
        ImportBody::Rows(r) | ImportBody::Wrapped { rows: r } => r,
    };
    if rows.len() > enlace_app::visas::MAX_IMPORT_ROWS {
        return Err(Invalid::one("body", "too_many_rows").into());
    }
    Ok((
        rows.into_iter()
            .enumerate()
            .map(|(i, r)| (i + 1, r))
            .collect(),
        vec![],
    ))
}

/// Imports rows from a third-party list (the secretariat or any member; up to 5,000 rows,
/// CSV with a header `destination,nationality,regime,max_stay_days,source,source_url,
/// effective,notes` or JSON). Rows for another country are proposals (`verified: false`)
/// until it confirms them, and never replace a row it set itself; rows for the caller's own
/// country count as set by it. The report names every skipped and rejected line.
#[utoipa::path(post, path = "/visas/import", tag = "visas",
    request_body(content(
        (ImportBody = "application/json"),
        (String = "text/csv")),
        description = "The rows, as JSON or CSV"),
    responses((status = 200, body = ImportReport)))]
pub(crate) async fn visas_import(
    State(s): State<AppState>,
    a: ApiCtx,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult {
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"));
    let bytes = axum::body::to_bytes(body, s.web.body_limit)
        .await
        .map_err(|_| a.err(Invalid::one("body", "too_large").into()))?;
    let (rows, bad) = parse_import(csv, &bytes).map_err(|e| a.err(e))?;
    let report = s
        .app
        .import_visas(&a.ctx, rows, bad)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(report_json(crate::i18n::Tr::new(a.lang), &report)).into_response())
}
