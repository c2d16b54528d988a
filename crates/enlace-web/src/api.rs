//! The JSON API under /api/v1. Every handler goes through the same use cases as the pages.
use crate::error::ApiError;
use crate::extract::ApiCtx;
use crate::i18n::Lang;
use crate::security::RequestId;
use crate::AppState;
use axum::extract::{FromRef, FromRequest, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use enlace_app::audit::AuditScope;
use enlace_app::AppError;
use enlace_domain::case::CaseInput;
use enlace_domain::clock::format_utc;
use enlace_domain::{CaseStatus, Country, Invalid};
use enlace_store::cases::{Case, CaseFilter};
use enlace_store::users::User;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

type ApiResult = Result<Response, ApiError>;

/// Largest FollowTheMoney file one import request may carry.
/// The largest import file (streamed: memory holds a few batches of lines, not the file).
pub const IMPORT_LIMIT: u64 = 4 * 1024 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route("/countries", get(countries))
        .route("/countries/{code}", axum::routing::patch(country_update))
        .route("/cases", get(cases_list).post(case_create))
        .route("/cases/{id}", get(case_get).patch(case_update))
        .route("/cases/{id}/close", post(case_close))
        .route("/cases/{id}/reopen", post(case_reopen))
        .route("/cases/{id}/entities", get(case_entities))
        .route("/cases/{id}/export", get(case_export))
        .route("/entities", post(entity_create))
        .route("/entities/{id}", get(entity_get).patch(entity_update))
        .route("/entities/{id}/graph", get(entity_graph))
        .route("/entities/{id}/matches", get(entity_matches))
        .route(
            "/entities/{id}/matches/{candidate}",
            post(entity_match_decide),
        )
        .route("/search", get(search))
        .route("/checks", post(check_run))
        .route("/routes", get(routes_list))
        .route("/modus-operandi", get(mo_list).post(mo_add))
        .route("/events", get(events))
        .route("/directory", get(directory_list).post(directory_create))
        .route("/directory/export.csv", get(directory_csv))
        .route("/directory/export.vcf", get(directory_vcf))
        .route(
            "/directory/{id}",
            get(directory_get).patch(directory_update),
        )
        .route("/directory/{id}/approve", post(directory_approve))
        .route("/directory/{id}/confirm", post(directory_confirm))
        .route("/alerts", get(alerts_list).post(alert_send))
        .route("/alerts/{id}", get(alert_get))
        .route("/alerts/{id}/acknowledge", post(alert_ack))
        .route("/alerts/{id}/replies", post(alert_reply))
        .route("/notifications", get(notifications_list))
        .route("/notifications/read", post(notifications_read))
        .route("/requests", get(requests_list).post(request_create))
        .route("/requests/{id}", get(request_get))
        .route("/requests/{id}/acknowledge", post(request_ack))
        .route("/requests/{id}/answer", post(request_answer))
        .route("/requests/{id}/decline", post(request_decline))
        .route("/requests/{id}/withdraw", post(request_withdraw))
        .route("/requests/{id}/messages", post(request_message))
        .route("/requests/{id}/mla", post(request_mla))
        .route(
            "/import",
            // The body is streamed and counted by the handler itself.
            post(import).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/users", get(users_list).post(user_create))
        .route("/users/{id}", get(user_get))
        .route("/users/{id}/disable", post(user_disable))
        .route("/users/{id}/enable", post(user_enable))
        .route("/users/{id}/reset", post(user_reset))
        .route("/tokens", get(tokens_list).post(token_create))
        .route("/tokens/{id}", axum::routing::delete(token_revoke))
        .route("/audit", get(audit_list))
        .route("/audit/checkpoints", get(audit_checkpoints))
}

/// A JSON body whose parse errors answer in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let rid = req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let lang = Lang::from_headers(req.headers());
        let limit = AppState::from_ref(state).web.body_limit;
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| {
                ApiError::new(
                    AppError::Invalid(Invalid::one("body", "too_large")),
                    rid.clone(),
                    lang,
                )
            })?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|_| {
            ApiError::new(
                AppError::Invalid(Invalid::one("body", "bad_json")),
                rid,
                lang,
            )
        })
    }
}

pub async fn healthz(State(s): State<AppState>) -> Response {
    if s.app.store.ping().await {
        (StatusCode::OK, Json(json!({"status": "ok"}))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable"})),
        )
            .into_response()
    }
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
        .into_response()
}

fn ts(ms: i64) -> String {
    format_utc(ms)
}

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

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "country": u.country,
        "role": u.role,
        "second_factor": u.has_totp(),
        "disabled": u.disabled,
        "language": u.language,
        "created_at": ts(u.created_at),
    })
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    owner: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
    scope: Option<String>,
}

impl ListQuery {
    fn paging(&self) -> (i64, i64, i64) {
        let per = self.per_page.unwrap_or(50).clamp(1, 200);
        let page = self.page.unwrap_or(1).clamp(1, 1_000_000);
        (page, per, (page - 1) * per)
    }
}

fn page_json(items: Vec<Value>, total: i64, page: i64, per: i64) -> Value {
    json!({"items": items, "total": total, "page": page, "per_page": per})
}

async fn me(a: ApiCtx) -> ApiResult {
    Ok(Json(json!({
        "id": a.ctx.actor.user_id,
        "username": a.ctx.actor.username,
        "role": a.ctx.actor.role,
        "country": a.ctx.actor.country,
        "language": a.lang.code(),
    }))
    .into_response())
}

async fn countries(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let list = s.app.countries().await.map_err(|e| a.err(e))?;
    Ok(Json(json!({"items": list})).into_response())
}

#[derive(Deserialize)]
struct CountryBody {
    name_es: String,
    name_en: String,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

async fn country_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<CountryBody>,
) -> ApiResult {
    a.done(
        s.app
            .update_country(&a.ctx, &code, &b.name_es, &b.name_en, b.active)
            .await,
    )
}

async fn cases_list(State(s): State<AppState>, a: ApiCtx, Query(q): Query<ListQuery>) -> ApiResult {
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

async fn case_create(
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

async fn case_get(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let case = s.app.get_case(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(Json(case_json(&case)).into_response())
}

#[derive(Deserialize)]
struct CaseUpdate {
    #[serde(flatten)]
    input: CaseInput,
    version: Option<i64>,
}

async fn case_update(
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

async fn case_close(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let case = s
        .app
        .set_case_status(&a.ctx, &id, CaseStatus::Closed)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(case_json(&case)).into_response())
}

async fn case_reopen(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let case = s
        .app
        .set_case_status(&a.ctx, &id, CaseStatus::Open)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(case_json(&case)).into_response())
}

async fn users_list(State(s): State<AppState>, a: ApiCtx, Query(q): Query<ListQuery>) -> ApiResult {
    let (page, per, offset) = q.paging();
    let (users, total) = s
        .app
        .list_users(&a.ctx, per, offset)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(page_json(
        users.iter().map(user_json).collect(),
        total,
        page,
        per,
    ))
    .into_response())
}

async fn user_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(input): ApiJson<enlace_app::users::UserInput>,
) -> ApiResult {
    let issued = s
        .app
        .create_user(&a.ctx, &input)
        .await
        .map_err(|e| a.err(e))?;
    let mut body = user_json(&issued.user);
    body["temporary_password"] = json!(issued.temporary_password);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn user_get(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let u = s
        .app
        .managed_user(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(user_json(&u)).into_response())
}

async fn user_disable(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let u = s
        .app
        .set_user_disabled(&a.ctx, &id, true)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(user_json(&u)).into_response())
}

async fn user_enable(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let u = s
        .app
        .set_user_disabled(&a.ctx, &id, false)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(user_json(&u)).into_response())
}

async fn user_reset(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let issued = s.app.reset_user(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let mut body = user_json(&issued.user);
    body["temporary_password"] = json!(issued.temporary_password);
    Ok(Json(body).into_response())
}

async fn tokens_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let tokens = s.app.tokens(&a.ctx).await.map_err(|e| a.err(e))?;
    let items: Vec<Value> = tokens
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "name": t.name,
                "created_at": ts(t.created_at),
                "last_used_at": t.last_used_at.map(ts),
                "revoked_at": t.revoked_at.map(ts),
            })
        })
        .collect();
    Ok(Json(json!({"items": items})).into_response())
}

#[derive(Deserialize)]
struct TokenBody {
    #[serde(default)]
    name: String,
}

async fn token_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<TokenBody>,
) -> ApiResult {
    let (id, token) = s
        .app
        .create_token(&a.ctx, &b.name)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "token": token}))).into_response())
}

async fn token_revoke(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    a.done(s.app.revoke_token(&a.ctx, &id).await)
}

async fn audit_list(State(s): State<AppState>, a: ApiCtx, Query(q): Query<ListQuery>) -> ApiResult {
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

// ---------------------------------------------------------------- entities

fn entity_input(v: &Value) -> Result<enlace_app::entities::EntityInput, AppError> {
    enlace_app::entities::EntityInput::from_json(v).map_err(AppError::Invalid)
}

async fn entity_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(v): ApiJson<Value>,
) -> ApiResult {
    let case_id = v
        .get("case_id")
        .and_then(Value::as_str)
        .ok_or_else(|| a.err(AppError::Invalid(Invalid::one("case_id", "required"))))?
        .to_string();
    let input = entity_input(&v).map_err(|e| a.err(e))?;
    let e = s
        .app
        .create_entity(&a.ctx, &case_id, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok((
        StatusCode::CREATED,
        Json(enlace_app::entities::ftm_json(&e)),
    )
        .into_response())
}

async fn entity_get(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let (e, referring) = s.app.get_entity(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let mut body = enlace_app::entities::ftm_json(&e);
    body["referenced_by"] = referring
        .iter()
        .map(|(prop, r)| json!({"property": prop, "id": r.id, "schema": r.schema, "caption": r.caption}))
        .collect();
    Ok(Json(body).into_response())
}

async fn entity_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<Value>,
) -> ApiResult {
    let input = entity_input(&v).map_err(|e| a.err(e))?;
    let version = v.get("version").and_then(Value::as_i64);
    let e = s
        .app
        .update_entity(&a.ctx, &id, &input, version)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(enlace_app::entities::ftm_json(&e)).into_response())
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    schema: Option<String>,
    country: Option<String>,
    purpose: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

async fn search(State(s): State<AppState>, a: ApiCtx, Query(q): Query<SearchQuery>) -> ApiResult {
    let per = q.per_page.unwrap_or(50).clamp(1, 200);
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let filter = enlace_store::entities::EntityFilter {
        schema: q.schema.clone().filter(|s| !s.is_empty()),
        owner: q.country.as_deref().and_then(Country::parse),
        ..Default::default()
    };
    let (list, total, exact) = s
        .app
        .search_entities(
            &a.ctx,
            &q.q,
            filter,
            q.purpose.as_deref(),
            per,
            (page - 1) * per,
        )
        .await
        .map_err(|e| a.err(e))?;
    let results: Vec<Value> = list
        .iter()
        .map(|e| json!({"id": e.id, "schema": e.schema, "properties": e.properties, "caption": e.caption, "owner_country": e.owner_country, "case_id": e.case_id}))
        .collect();
    Ok(
        Json(json!({"results": results, "total": total, "total_exact": exact, "page": page, "per_page": per}))
            .into_response(),
    )
}

async fn case_entities(
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

async fn case_export(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
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
struct ImportQuery {
    case_id: String,
}

async fn import(
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
    Ok(
        Json(json!({"accepted": report.accepted, "rejected": report.rejected, "ids": report.ids}))
            .into_response(),
    )
}

enum ReadError {
    TooLarge,
    Broken,
}

/// Splits a request body into lines for an import, as it arrives.
async fn read_lines(
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
        if total > crate::api::IMPORT_LIMIT {
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

// ---------------------------------------------------------------- hit/no-hit checks

async fn check_run(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(input): ApiJson<enlace_app::checks::CheckInput>,
) -> ApiResult {
    let answer = s
        .app
        .run_check(&a.ctx, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(json!({"id": answer.id, "results": answer.results})).into_response())
}

// ---------------------------------------------------------------- information requests

pub fn request_json(r: &enlace_store::requests::Request, status: &str) -> Value {
    json!({
        "id": r.id,
        "number": r.number,
        "from": r.from_country,
        "to": r.to_country,
        "purpose": r.purpose,
        "legal_basis": r.legal_basis,
        "urgency": r.urgency,
        "deadline": ts(r.deadline),
        "message": r.message,
        "status": status,
        "decline_reason": r.decline_reason,
        "decline_text": r.decline_text,
        "mla_reference": r.mla_reference,
        "references": r.references,
        "created_at": ts(r.created_at),
        "updated_at": ts(r.updated_at),
    })
}

#[derive(Deserialize)]
struct BoxQuery {
    #[serde(default)]
    r#box: String,
    page: Option<i64>,
    per_page: Option<i64>,
}

async fn requests_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(q): Query<BoxQuery>,
) -> ApiResult {
    let per = q.per_page.unwrap_or(50).clamp(1, 200);
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (list, total) = s
        .app
        .list_requests(&a.ctx, q.r#box == "out", per, (page - 1) * per)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(page_json(
        list.iter().map(|(r, st)| request_json(r, st)).collect(),
        total,
        page,
        per,
    ))
    .into_response())
}

async fn request_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(input): ApiJson<enlace_app::requests::RequestInput>,
) -> ApiResult {
    let r = s
        .app
        .create_request(&a.ctx, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(request_json(&r, &r.status))).into_response())
}

async fn request_get(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let v = s.app.get_request(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let mut body = request_json(&v.request, &v.effective_status);
    body["messages"] = v
        .messages
        .iter()
        .map(|m| json!({"author": m.author_username, "country": m.author_country, "body": m.body, "at": ts(m.created_at)}))
        .collect();
    body["shared"] = v
        .shared
        .iter()
        .map(enlace_app::entities::ftm_json)
        .collect();
    body["referenced"] = v
        .referenced
        .iter()
        .map(enlace_app::entities::ftm_json)
        .collect();
    Ok(Json(body).into_response())
}

async fn request_ack(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    a.done(s.app.acknowledge_request(&a.ctx, &id).await)
}

#[derive(Deserialize)]
struct AnswerBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    share: Vec<String>,
}

async fn request_answer(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AnswerBody>,
) -> ApiResult {
    a.done(
        s.app
            .answer_request(&a.ctx, &id, &b.message, &b.share)
            .await,
    )
}

#[derive(Deserialize)]
struct DeclineBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    text: String,
}

async fn request_decline(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DeclineBody>,
) -> ApiResult {
    a.done(s.app.decline_request(&a.ctx, &id, &b.reason, &b.text).await)
}

async fn request_withdraw(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    a.done(s.app.withdraw_request(&a.ctx, &id).await)
}

#[derive(Deserialize)]
struct MessageBody {
    #[serde(default)]
    body: String,
}

async fn request_message(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MessageBody>,
) -> ApiResult {
    a.done(s.app.post_request_message(&a.ctx, &id, &b.body).await)
}

#[derive(Deserialize)]
struct MlaBody {
    #[serde(default)]
    mla_reference: String,
}

async fn request_mla(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MlaBody>,
) -> ApiResult {
    a.done(s.app.set_request_mla(&a.ctx, &id, &b.mla_reference).await)
}

// ---------------------------------------------------------------- live events, alerts, notifications

#[derive(Deserialize)]
struct EventsQuery {
    since: Option<i64>,
}

/// Server-sent events: the caller's alerts and notifications. A reconnecting client sends
/// `Last-Event-ID` (browsers do it by themselves) and first receives what it missed.
async fn events(
    State(s): State<AppState>,
    a: ApiCtx,
    headers: axum::http::HeaderMap,
    Query(q): Query<EventsQuery>,
) -> ApiResult {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    // Subscribe before reading the log, so nothing falls between catch-up and live.
    let rx = s.app.hub().subscribe();
    let since = match last_id.or(q.since) {
        Some(n) => n.max(0),
        None => s.app.last_event_seq().await.map_err(|e| a.err(e))?,
    };
    let backlog = s
        .app
        .events_since(&a.ctx, since)
        .await
        .map_err(|e| a.err(e))?;
    let cursor = backlog.last().map(|e| e.seq).unwrap_or(since);
    let user_id = a.ctx.actor.user_id.clone();
    let country = a.ctx.actor.intelligence_country();
    let to_event = |e: &enlace_store::live::LiveEvent| {
        Event::default()
            .id(e.seq.to_string())
            .event(e.kind.clone())
            .data(e.payload.clone())
    };
    let first: Vec<Result<Event, std::convert::Infallible>> =
        backlog.iter().map(|e| Ok(to_event(e))).collect();
    let live = futures_util::stream::unfold((rx, cursor), move |(mut rx, mut cursor)| {
        let user_id = user_id.clone();
        async move {
            loop {
                match rx.recv().await {
                    Ok(e) => {
                        if e.seq <= cursor || !e.reaches(&user_id, country) {
                            continue;
                        }
                        cursor = e.seq;
                        let ev = Event::default()
                            .id(e.seq.to_string())
                            .event(e.kind.clone())
                            .data(e.payload.clone());
                        return Some((Ok(ev), (rx, cursor)));
                    }
                    // Fell behind or the server is stopping: end the stream; the client
                    // reconnects with its last id and catches up from the log.
                    Err(_) => return None,
                }
            }
        }
    });
    let stream = futures_util::StreamExt::chain(futures_util::stream::iter(first), live);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
        .into_response())
}

pub fn alert_json(al: &enlace_store::live::Alert) -> Value {
    json!({
        "id": al.id,
        "country": al.country,
        "sender": al.sender_username,
        "kind": al.kind,
        "title": al.title,
        "body": al.body,
        "urgency": al.urgency,
        "handling": al.handling,
        "recipients": if al.recipients_level == "members" { json!("members") } else { json!(al.recipients) },
        "created_at": ts(al.created_at),
    })
}

#[derive(Deserialize)]
struct AlertsQuery {
    kind: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

async fn alerts_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(q): Query<AlertsQuery>,
) -> ApiResult {
    let per = q.per_page.unwrap_or(50).clamp(1, 200);
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (list, total) = s
        .app
        .list_alerts(&a.ctx, q.kind.as_deref(), per, (page - 1) * per)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(page_json(
        list.iter().map(alert_json).collect(),
        total,
        page,
        per,
    ))
    .into_response())
}

async fn alert_send(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(input): ApiJson<enlace_app::alerts::AlertInput>,
) -> ApiResult {
    let al = s
        .app
        .send_alert(&a.ctx, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(alert_json(&al))).into_response())
}

async fn alert_get(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let v = s.app.get_alert(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let mut body = alert_json(&v.alert);
    body["acknowledgements"] = v
        .acks
        .iter()
        .map(|k| json!({"country": k.country, "username": k.username, "at": ts(k.at)}))
        .collect();
    body["replies"] = v.replies.iter().map(|r| json!({"username": r.username, "country": r.country, "body": r.body, "at": ts(r.at)})).collect();
    body["related"] = v
        .related
        .iter()
        .map(|e| json!({"id": e.id, "schema": e.schema, "caption": e.caption}))
        .chain(
            v.related_cases
                .iter()
                .map(|c| json!({"id": c.id, "schema": "Case", "caption": c.title})),
        )
        .collect();
    Ok(Json(body).into_response())
}

async fn alert_ack(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    a.done(s.app.ack_alert(&a.ctx, &id).await)
}

async fn alert_reply(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MessageBody>,
) -> ApiResult {
    a.done(s.app.reply_alert(&a.ctx, &id, &b.body).await)
}

async fn notifications_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let (page, per, offset) = q.paging();
    let (list, total, unread) = s
        .app
        .notifications(&a.ctx, per, offset)
        .await
        .map_err(|e| a.err(e))?;
    let lang = a.lang.code();
    let items: Vec<Value> = list
        .iter()
        .map(|n| json!({"id": n.id, "kind": n.kind, "text": enlace_app::live::text_in(&n.text, lang), "link": n.link, "created_at": ts(n.created_at), "read": n.read_at.is_some()}))
        .collect();
    let mut body = page_json(items, total, page, per);
    body["unread"] = json!(unread);
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
struct ReadBody {
    id: Option<String>,
}

async fn notifications_read(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<ReadBody>,
) -> ApiResult {
    a.done(s.app.mark_read(&a.ctx, b.id.as_deref()).await)
}

// ---------------------------------------------------------------- directory of focal points

fn directory_json(e: &enlace_app::directory::DirectoryEntry) -> Value {
    json!({
        "id": e.id,
        "country": e.country,
        "status": e.status,
        "entry": e.shown,
        "approved": e.approved,
        "pending_change": e.draft,
        "public": e.public,
        "stale": e.stale,
        "confirmed_at": e.confirmed_at.map(ts),
    })
}

async fn directory_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(f): Query<enlace_app::directory::DirectoryFilter>,
) -> ApiResult {
    let list = s.app.directory(&a.ctx, &f).await.map_err(|e| a.err(e))?;
    Ok(Json(
        json!({"items": list.iter().map(directory_json).collect::<Vec<_>>(), "total": list.len()}),
    )
    .into_response())
}

#[derive(Deserialize)]
struct DirectoryBody {
    #[serde(flatten)]
    data: enlace_app::directory::DirectoryData,
    #[serde(default)]
    public: bool,
}

async fn directory_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<DirectoryBody>,
) -> ApiResult {
    let e = s
        .app
        .propose_directory(&a.ctx, &b.data, b.public)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(directory_json(&e))).into_response())
}

async fn directory_get(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let e = s
        .app
        .directory_entry(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

async fn directory_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DirectoryBody>,
) -> ApiResult {
    let e = s
        .app
        .edit_directory(&a.ctx, &id, &b.data, b.public)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

async fn directory_approve(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let e = s
        .app
        .approve_directory(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

async fn directory_confirm(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let e = s
        .app
        .confirm_directory(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

pub async fn directory_csv(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(f): Query<enlace_app::directory::DirectoryFilter>,
) -> ApiResult {
    let list = s.app.directory(&a.ctx, &f).await.map_err(|e| a.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"enlace-directorio.csv\"",
            ),
        ],
        enlace_app::directory::to_csv(&list),
    )
        .into_response())
}

pub async fn directory_vcf(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(f): Query<enlace_app::directory::DirectoryFilter>,
) -> ApiResult {
    let list = s.app.directory(&a.ctx, &f).await.map_err(|e| a.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/vcard; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"enlace-directorio.vcf\"",
            ),
        ],
        enlace_app::directory::to_vcard(&list),
    )
        .into_response())
}

#[derive(Deserialize)]
struct DepthQuery {
    depth: Option<usize>,
}

async fn entity_graph(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    Query(q): Query<DepthQuery>,
) -> ApiResult {
    let g = s
        .app
        .network(&a.ctx, &id, q.depth.unwrap_or(1))
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(g).into_response())
}

async fn entity_matches(State(s): State<AppState>, a: ApiCtx, Path(id): Path<String>) -> ApiResult {
    let list = s
        .app
        .cross_references(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    let items: Vec<Value> = list
        .iter()
        .map(|c| json!({"id": c.entity.id, "schema": c.entity.schema, "caption": c.entity.caption, "owner_country": c.entity.owner_country, "score": c.score, "explanation": c.explanation, "decision": c.decision}))
        .collect();
    Ok(Json(json!({"items": items})).into_response())
}

#[derive(Deserialize)]
struct DecisionBody {
    #[serde(default)]
    decision: String,
}

async fn entity_match_decide(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((id, candidate)): Path<(String, String)>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> ApiResult {
    a.done(
        s.app
            .decide_cross_reference(&a.ctx, &id, &candidate, &b.decision)
            .await,
    )
}

async fn routes_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let routes = s.app.routes(&a.ctx).await.map_err(|e| a.err(e))?;
    Ok(Json(json!({"items": routes})).into_response())
}

async fn mo_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let terms = s.app.mo_vocabulary().await.map_err(|e| a.err(e))?;
    Ok(Json(json!({"items": terms})).into_response())
}

#[derive(Deserialize)]
struct MoBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label_es: String,
    #[serde(default)]
    label_en: String,
}

async fn mo_add(State(s): State<AppState>, a: ApiCtx, ApiJson(b): ApiJson<MoBody>) -> ApiResult {
    s.app
        .add_mo_term(&a.ctx, &b.code, &b.label_es, &b.label_en)
        .await
        .map_err(|e| a.err(e))?;
    Ok(StatusCode::CREATED.into_response())
}
