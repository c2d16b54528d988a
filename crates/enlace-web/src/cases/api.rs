use crate::api::*;
use crate::entities::api::EntityView;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::AppError;
use enlace_domain::case::{CaseInput, CasePatch, Distribution, Evaluation, Handling};
use enlace_domain::{CaseStatus, Country, Invalid};
use enlace_store::cases::{Case, CaseFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
/// Largest FollowTheMoney file one import request may carry.
/// The largest import file (streamed: memory holds a few batches of lines, not the file).
pub const IMPORT_LIMIT: u64 = 4 * 1024 * 1024 * 1024;

/// A case file (*expediente*) as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: String,
    /// The owner country's reference, e.g. `MX-2026-0001`.
    pub reference: String,
    pub owner_country: Country,
    pub title: String,
    pub summary: String,
    pub distribution: Distribution,
    pub handling: Handling,
    pub evaluation: Evaluation,
    pub sensitive: bool,
    pub status: CaseStatus,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    /// Increases with every change; send it back on PATCH to refuse a stale edit (409).
    pub version: i64,
}

impl From<&Case> for CaseView {
    fn from(c: &Case) -> CaseView {
        CaseView {
            id: c.id.clone(),
            reference: c.reference.clone(),
            owner_country: c.owner_country,
            title: c.title.clone(),
            summary: c.summary.clone(),
            distribution: c.distribution.clone(),
            handling: c.handling,
            evaluation: c.evaluation,
            sensitive: c.sensitive,
            status: c.status,
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
            closed_at: c.closed_at.map(ts),
            version: c.version,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CasesQuery {
    /// Words of the title or the reference.
    q: Option<String>,
    #[param(inline)]
    status: Option<CaseStatus>,
    /// Owner country.
    #[param(value_type = Option<Country>)]
    owner: Option<String>,
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<i64>,
}

/// The case files the caller may see, newest first.
#[utoipa::path(get, path = "/cases", tag = "cases", params(CasesQuery),
    responses((status = 200, body = Page<CaseView>)))]
pub(crate) async fn cases_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<CasesQuery>,
) -> ApiResult {
    check_paging(q.page, q.per_page).map_err(|e| a.err(e))?;
    let paging = paging(q.page, q.per_page);
    let filter = CaseFilter {
        text: q.q.clone(),
        status: q.status,
        owner: country_filter("owner", q.owner.as_deref()).map_err(|e| a.err(e))?,
    };
    let (cases, total) = s
        .app
        .list_cases(&a.ctx, &filter, paging.1, paging.2)
        .await
        .map_err(|e| a.err(e))?;
    let items = cases.iter().map(CaseView::from).collect();
    Ok(Json(Page::new(items, total, paging)).into_response())
}

/// Opens a case file owned by the caller's country.
#[utoipa::path(post, path = "/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = CaseView)))]
pub(crate) async fn case_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(input): ApiJson<CaseInput>,
) -> ApiResult {
    let case = s
        .app
        .create_case(&a.ctx, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(CaseView::from(&case))).into_response())
}

/// One case file.
#[utoipa::path(get, path = "/cases/{id}", tag = "cases", params(("id" = String, Path),
        ("purpose" = Option<String>, Query, description = "Why the record is read: required (422 `purpose_required`) for a sensitive record, kept in the owner's audit")),
    responses((status = 200, body = CaseView)))]
pub(crate) async fn case_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let case = s.app.get_case(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(Json(CaseView::from(&case)).into_response())
}

/// A partial change: omitted (or null) fields keep their value.
#[derive(Deserialize, ToSchema)]
pub(crate) struct CaseUpdate {
    #[serde(flatten)]
    patch: CasePatch,
    /// The version the change was made on; a stale one answers 409.
    version: Option<i64>,
}

/// Changes what the body names of a case file, keeping the rest (its owner country's
/// officers, prosecutors and analysts).
#[utoipa::path(patch, path = "/cases/{id}", tag = "cases", params(("id" = String, Path)),
    request_body = CaseUpdate,
    responses((status = 200, body = CaseView),
        (status = 409, description = "The case changed since `version`", body = ErrorBody)))]
pub(crate) async fn case_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CaseUpdate>,
) -> ApiResult {
    let case = s
        .app
        .update_case(&a.ctx, &id, &b.patch, b.version)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(CaseView::from(&case)).into_response())
}

async fn set_status(s: &AppState, a: &ApiCtx, id: &str, status: CaseStatus) -> ApiResult {
    let case = s
        .app
        .set_case_status(&a.ctx, id, status)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(CaseView::from(&case)).into_response())
}

/// Closes a case file.
#[utoipa::path(post, path = "/cases/{id}/close", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = CaseView)))]
pub(crate) async fn case_close(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    set_status(&s, &a, &id, CaseStatus::Closed).await
}

/// Reopens a closed case file.
#[utoipa::path(post, path = "/cases/{id}/reopen", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = CaseView)))]
pub(crate) async fn case_reopen(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    set_status(&s, &a, &id, CaseStatus::Open).await
}

/// The entities of a case file.
#[utoipa::path(get, path = "/cases/{id}/entities", tag = "cases",
    params(("id" = String, Path), Paging),
    responses((status = 200, body = Page<EntityView>)))]
pub(crate) async fn case_entities(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<Paging>,
) -> ApiResult {
    check_paging(q.page, q.per_page).map_err(|e| a.err(e))?;
    let paging = q.get();
    let (list, total) = s
        .app
        .case_entities(&a.ctx, &id, paging.1, paging.2)
        .await
        .map_err(|e| a.err(e))?;
    let items = list.iter().map(EntityView::from).collect();
    Ok(Json(Page::new(items, total, paging)).into_response())
}

/// The case's entities as FollowTheMoney JSON Lines.
#[utoipa::path(get, path = "/cases/{id}/export", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, description = "One FollowTheMoney entity per line",
        content_type = "application/x-ndjson", body = String)))]
pub(crate) async fn case_export(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let body = s.app.export_case(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"enlace-case.ftm.jsonl\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportQuery {
    /// The case file the entities go into.
    case_id: String,
}

/// A refused line of an import.
#[derive(Serialize, ToSchema)]
pub(crate) struct Rejection {
    /// From 1.
    line: usize,
    /// Stable snake_case reason (also the translation key).
    code: String,
    /// The properties or fields at fault.
    fields: Vec<String>,
    /// The reason in the caller's language.
    message: String,
}

/// What an import took in and what it refused. Its size does not grow with the file: it
/// lists the first 1,000 refused lines and the ids of the first 1,000 accepted entities,
/// and counts them all.
#[derive(Serialize, ToSchema)]
pub(crate) struct ImportOutcome {
    /// How many lines were accepted (entities written).
    accepted: usize,
    /// How many lines were refused (each line writes all or nothing).
    rejected_total: usize,
    /// The first 1,000 refused lines, in file order, each with its reason.
    #[schema(max_items = 1000)]
    rejected: Vec<Rejection>,
    /// The ids given to the first 1,000 accepted entities, in file order (`accepted` counts
    /// them all; the case's export lists every entity).
    #[schema(max_items = 1000)]
    ids: Vec<String>,
}

/// Imports FollowTheMoney JSON Lines into a case file, read line by line as the body
/// arrives (up to 4 GiB; lines up to 1 MiB). The answer lists at most 1,000 refused lines
/// and 1,000 ids, with the totals; memory stays bounded whatever the file holds.
#[utoipa::path(post, path = "/import", tag = "cases", params(ImportQuery),
    request_body(content = String, content_type = "application/x-ndjson",
        description = "One FollowTheMoney entity per line"),
    responses((status = 200, body = ImportOutcome),
        (status = 409, description = "The case file is closed", body = ErrorBody)))]
pub(crate) async fn import(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Body,
) -> ApiResult {
    // Lines are read from the body as it arrives and handed over through a bounded channel,
    // so a file of a million entities never sits in memory whole.
    let (tx, rx) = tokio::sync::mpsc::channel(PACKETS_IN_FLIGHT);
    let reader = tokio::spawn(read_lines(body, tx));
    let imported = s.app.import_stream(&a.ctx, &q.case_id, rx).await;
    let read = reader
        .await
        .unwrap_or(Err(ReadError::Broken))
        .map_err(|e| match e {
            ReadError::TooLarge => AppError::Invalid(Invalid::one("body", "too_large")),
            ReadError::Broken => AppError::Invalid(Invalid::one("body", "incomplete")),
        });
    let report = imported.map_err(|e| a.err(e))?;
    // A body that broke off or grew too large: the lines before the break are in (each one
    // whole and audited), and the answer says the file was not read to its end.
    read.map_err(|e| a.err(e))?;
    // Each rejection keeps its stable code and fields and, like error answers, says why in
    // the caller's language (the import page shows that message).
    let t = crate::i18n::Tr::new(a.lang);
    let rejected = report
        .rejected
        .iter()
        .map(|r| Rejection {
            message: t.rejection(&r.code, &r.fields),
            line: r.line,
            code: r.code.clone(),
            fields: r.fields.clone(),
        })
        .collect();
    Ok(Json(ImportOutcome {
        accepted: report.accepted,
        rejected_total: report.rejected_total,
        rejected,
        ids: report.ids,
    })
    .into_response())
}

pub(crate) enum ReadError {
    TooLarge,
    Broken,
}

/// Lines are handed to the import in packets of up to this many lines...
const PACKET_LINES: usize = 1024;
/// ...or this much text, whichever comes first; and at most this many packets wait in the
/// channel. With lines of up to 1 MiB, what waits stays around ten megabytes.
const PACKET_BYTES: usize = 256 * 1024;
const PACKETS_IN_FLIGHT: usize = 8;

/// The packet of lines being filled.
#[derive(Default)]
struct Packet {
    lines: Vec<enlace_app::entities::ImportLine>,
    bytes: usize,
}

impl Packet {
    /// Adds a line; sends the packet once full. False when the import stopped reading.
    async fn push(
        &mut self,
        line: enlace_app::entities::ImportLine,
        tx: &tokio::sync::mpsc::Sender<Vec<enlace_app::entities::ImportLine>>,
    ) -> bool {
        self.bytes += line.len();
        self.lines.push(line);
        if self.lines.len() < PACKET_LINES && self.bytes < PACKET_BYTES {
            return true;
        }
        self.bytes = 0;
        tx.send(std::mem::take(&mut self.lines)).await.is_ok()
    }
}

/// Splits a request body into lines for an import, as it arrives. Lines read before the
/// body broke off or outgrew the limit are handed over all the same.
pub(crate) async fn read_lines(
    body: axum::body::Body,
    tx: tokio::sync::mpsc::Sender<Vec<enlace_app::entities::ImportLine>>,
) -> Result<(), ReadError> {
    let mut packet = Packet::default();
    let read = split_lines(body, &tx, &mut packet).await;
    if !packet.lines.is_empty() {
        // An error here means the import stopped (a refused case, say): nothing to do.
        let _ = tx.send(packet.lines).await;
    }
    read
}

async fn split_lines(
    body: axum::body::Body,
    tx: &tokio::sync::mpsc::Sender<Vec<enlace_app::entities::ImportLine>>,
    packet: &mut Packet,
) -> Result<(), ReadError> {
    use enlace_app::entities::{ImportLine, MAX_IMPORT_LINE};
    use futures_util::StreamExt;
    let line_of = |line: &[u8]| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match std::str::from_utf8(line) {
            Ok(t) => ImportLine::Text(t.to_string()),
            Err(_) => ImportLine::BadUtf8,
        }
    };
    let mut stream = body.into_data_stream();
    let mut carry: Vec<u8> = Vec::new();
    // Inside a line already reported as too long: skip to its end.
    let mut skipping = false;
    let mut total: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ReadError::Broken)?;
        total += chunk.len() as u64;
        if total > IMPORT_LIMIT {
            return Err(ReadError::TooLarge);
        }
        let mut rest: &[u8] = &chunk;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(pos);
            rest = &tail[1..];
            let line = if skipping {
                skipping = false;
                carry.clear();
                continue;
            } else if carry.is_empty() {
                line_of(head)
            } else {
                carry.extend_from_slice(head);
                let l = line_of(&carry);
                carry.clear();
                l
            };
            if !packet.push(line, tx).await {
                return Ok(()); // the import stopped (refused case, say): nothing more to read
            }
        }
        if !skipping {
            carry.extend_from_slice(rest);
            if carry.len() > MAX_IMPORT_LINE {
                carry.clear();
                skipping = true;
                if !packet.push(ImportLine::TooLong, tx).await {
                    return Ok(());
                }
            }
        }
    }
    if !skipping && !carry.is_empty() {
        let _ = packet.push(line_of(&carry), tx).await;
    }
    Ok(())
}
