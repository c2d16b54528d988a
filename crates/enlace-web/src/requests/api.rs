use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

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
pub(crate) struct BoxQuery {
    #[serde(default)]
    r#box: String,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub(crate) async fn requests_list(
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

pub(crate) async fn request_create(
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

pub(crate) async fn request_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
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

pub(crate) async fn request_ack(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    a.done(s.app.acknowledge_request(&a.ctx, &id).await)
}

#[derive(Deserialize)]
pub(crate) struct AnswerBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    share: Vec<String>,
}

pub(crate) async fn request_answer(
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
pub(crate) struct DeclineBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    text: String,
}

pub(crate) async fn request_decline(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DeclineBody>,
) -> ApiResult {
    a.done(s.app.decline_request(&a.ctx, &id, &b.reason, &b.text).await)
}

pub(crate) async fn request_withdraw(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    a.done(s.app.withdraw_request(&a.ctx, &id).await)
}

#[derive(Deserialize)]
pub(crate) struct MessageBody {
    #[serde(default)]
    pub(crate) body: String,
}

pub(crate) async fn request_message(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MessageBody>,
) -> ApiResult {
    a.done(s.app.post_request_message(&a.ctx, &id, &b.body).await)
}

#[derive(Deserialize)]
pub(crate) struct MlaBody {
    #[serde(default)]
    mla_reference: String,
}

pub(crate) async fn request_mla(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MlaBody>,
) -> ApiResult {
    a.done(s.app.set_request_mla(&a.ctx, &id, &b.mla_reference).await)
}
