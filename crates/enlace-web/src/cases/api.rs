use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::AppError;
use enlace_domain::case::CaseInput;
use enlace_domain::{CaseStatus, Country, Invalid};
use enlace_store::cases::{Case, CaseFilter};
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest FollowTheMoney file one import request may carry.
/// The largest import file (streamed: memory holds a few batches of lines, not the file).
pub const IMPORT_LIMIT: u64 = 4 * 1024 * 1024 * 1024;

pub fn case_json(c: &Case) -> Value {
    json!({
        "id": c.id,
        "reference": c.reference,
        "owner_country": c.owner_country,
        "title": c.title,
        "summary": c.summary,
        "distribution": {"level": c.distribution.level, "countries": c.distribution.countries},
        "handling": c.handling,
        "evaluation": c.evaluation,
        "sensitive": c.sensitive,
        "status": c.status,
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
        "closed_at": c.closed_at.map(ts),
        "version": c.version,
    })
}

pub(crate) async fn cases_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let (page, per, offset) = q.paging();
    let filter = CaseFilter {
        text: q.q.clone(),
        status: q.status.as_deref().and_then(CaseStatus::parse),
        owner: q.owner.as_deref().and_then(Country::parse),
    };
    let (cases, total) = s
        .app
        .list_cases(&a.ctx, &filter, per, offset)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(page_json(
        cases.iter().map(case_json).collect(),
        total,
        page,
        per,
    ))
    .into_response())
}

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
    let mut body = case_json(&case);
    body["id"] = json!(case.id);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub(crate) async fn case_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let case = s.app.get_case(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(Json(case_json(&case)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct CaseUpdate {
    #[serde(flatten)]
    input: CaseInput,
    version: Option<i64>,
}

pub(crate) async fn case_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CaseUpdate>,
) -> ApiResult {
    let case = s
        .app
        .update_case(&a.ctx, &id, &b.input, b.version)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(case_json(&case)).into_response())
}

pub(crate) async fn case_close(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let case = s
        .app
        .set_case_status(&a.ctx, &id, CaseStatus::Closed)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(case_json(&case)).into_response())
}

pub(crate) async fn case_reopen(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let case = s
        .app
        .set_case_status(&a.ctx, &id, CaseStatus::Open)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(case_json(&case)).into_response())
}

pub(crate) async fn case_entities(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let (page, per, offset) = q.paging();
    let (list, total) = s
        .app
        .case_entities(&a.ctx, &id, per, offset)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(page_json(
        list.iter().map(enlace_app::entities::ftm_json).collect(),
        total,
        page,
        per,
    ))
    .into_response())
}

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

#[derive(Deserialize)]
pub(crate) struct ImportQuery {
    case_id: String,
}

pub(crate) async fn import(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(q): Query<ImportQuery>,
    body: axum::body::Body,
) -> ApiResult {
    // Lines are read from the body as it arrives and handed over through a bounded channel,
    // so a file of a million entities never sits in memory whole.
    let (tx, rx) = tokio::sync::mpsc::channel(8192);
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
    let rejected: Vec<Value> = report
        .rejected
        .iter()
        .map(|r| {
            json!({"line": r.line, "code": r.code, "fields": r.fields,
                "message": t.rejection(&r.code, &r.fields)})
        })
        .collect();
    Ok(
        Json(json!({"accepted": report.accepted, "rejected": rejected, "ids": report.ids}))
            .into_response(),
    )
}

pub(crate) enum ReadError {
    TooLarge,
    Broken,
}

/// Splits a request body into lines for an import, as it arrives.
pub(crate) async fn read_lines(
    body: axum::body::Body,
    tx: tokio::sync::mpsc::Sender<enlace_app::entities::ImportLine>,
) -> Result<(), ReadError> {
    use enlace_app::entities::{ImportLine, MAX_IMPORT_LINE};
    use futures_util::StreamExt;
    let send = |line: &[u8]| {
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
                send(head)
            } else {
                carry.extend_from_slice(head);
                let l = send(&carry);
                carry.clear();
                l
            };
            if tx.send(line).await.is_err() {
                return Ok(()); // the import stopped (refused case, say): nothing more to read
            }
        }
        if !skipping {
            carry.extend_from_slice(rest);
            if carry.len() > MAX_IMPORT_LINE {
                carry.clear();
                skipping = true;
                if tx.send(ImportLine::TooLong).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
    if !skipping && !carry.is_empty() {
        let _ = tx.send(send(&carry)).await;
    }
    Ok(())
}
