use crate::api::*;
use crate::entities::api::EntityView;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use enlace_domain::Country;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An information request between two countries.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub id: String,
    pub number: String,
    pub from: Country,
    pub to: Country,
    pub purpose: String,
    pub legal_basis: String,
    /// `urgent` or `normal`.
    pub urgency: String,
    pub deadline: String,
    pub message: String,
    /// `sent`, `acknowledged`, `answered`, `declined`, `withdrawn` or `overdue`.
    pub status: String,
    pub decline_reason: Option<String>,
    pub decline_text: Option<String>,
    pub mla_reference: Option<String>,
    /// The hit references the request is about.
    pub references: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub fn request_json(r: &enlace_store::requests::Request, status: &str) -> RequestView {
    RequestView {
        id: r.id.clone(),
        number: r.number.clone(),
        from: r.from_country,
        to: r.to_country,
        purpose: r.purpose.clone(),
        legal_basis: r.legal_basis.clone(),
        urgency: r.urgency.clone(),
        deadline: ts(r.deadline),
        message: r.message.clone(),
        status: status.to_string(),
        decline_reason: r.decline_reason.clone(),
        decline_text: r.decline_text.clone(),
        mla_reference: r.mla_reference.clone(),
        references: r.references.clone(),
        created_at: ts(r.created_at),
        updated_at: ts(r.updated_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestMessageView {
    pub author: String,
    pub country: String,
    pub body: String,
    pub at: String,
}

/// A request with its thread and the records it shares.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestDetail {
    #[serde(flatten)]
    pub request: RequestView,
    pub messages: Vec<RequestMessageView>,
    /// Records the receiver shared in its answer.
    pub shared: Vec<EntityView>,
    /// The asker's own records the request refers to, when the caller may see them.
    pub referenced: Vec<EntityView>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Mailbox {
    In,
    Out,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct BoxQuery {
    /// `in` (default): requests to the caller's country; `out`: requests it sent.
    #[param(inline)]
    r#box: Option<Mailbox>,
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<i64>,
}

/// The requests to (or, with `box=out`, from) the caller's country.
#[utoipa::path(get, path = "/requests", tag = "requests", params(BoxQuery),
    responses((status = 200, body = Page<RequestView>)))]
pub(crate) async fn requests_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<BoxQuery>,
) -> ApiResult {
    check_paging(q.page, q.per_page).map_err(|e| a.err(e))?;
    let paging = paging(q.page, q.per_page);
    let (list, total) = s
        .app
        .list_requests(&a.ctx, q.r#box == Some(Mailbox::Out), paging.1, paging.2)
        .await
        .map_err(|e| a.err(e))?;
    let items = list.iter().map(|(r, st)| request_json(r, st)).collect();
    Ok(Json(Page::new(items, total, paging)).into_response())
}

/// Sends an information request to another member country.
#[utoipa::path(post, path = "/requests", tag = "requests", request_body = enlace_app::requests::RequestInput,
    responses((status = 201, body = RequestView)))]
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

/// One request (only the two countries involved see it).
#[utoipa::path(get, path = "/requests/{id}", tag = "requests", params(("id" = String, Path)),
    responses((status = 200, body = RequestDetail)))]
pub(crate) async fn request_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let v = s.app.get_request(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let body = RequestDetail {
        request: request_json(&v.request, &v.effective_status),
        messages: v
            .messages
            .iter()
            .map(|m| RequestMessageView {
                author: m.author_username.clone(),
                country: m.author_country.clone(),
                body: m.body.clone(),
                at: ts(m.created_at),
            })
            .collect(),
        shared: v.shared.iter().map(EntityView::from).collect(),
        referenced: v.referenced.iter().map(EntityView::from).collect(),
    };
    Ok(Json(body).into_response())
}

/// The receiver acknowledges the request.
#[utoipa::path(post, path = "/requests/{id}/acknowledge", tag = "requests", params(("id" = String, Path)),
    responses((status = 204, description = "Acknowledged"), (status = 409, description = "Not in a state that allows it", body = ErrorBody)))]
pub(crate) async fn request_ack(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    a.done(s.app.acknowledge_request(&a.ctx, &id).await)
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct AnswerBody {
    #[serde(default)]
    #[schema(
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    message: String,
    /// Ids of the receiver's records to share with the asking country.
    #[serde(default)]
    share: Vec<String>,
}

/// The receiver answers, sharing chosen records with the asking country.
#[utoipa::path(post, path = "/requests/{id}/answer", tag = "requests", params(("id" = String, Path)), request_body = AnswerBody,
    responses((status = 204, description = "Answered"), (status = 409, description = "Not in a state that allows it", body = ErrorBody)))]
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

#[derive(Deserialize, ToSchema)]
pub(crate) struct DeclineBody {
    #[serde(default)]
    #[schema(
        required = true,
        pattern = "^(insufficient_grounds|legal_impediment|ongoing_operation|not_held)$"
    )]
    reason: String,
    /// Required with the reason `other`.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    text: String,
}

/// The receiver declines, with a reason from the fixed list.
#[utoipa::path(post, path = "/requests/{id}/decline", tag = "requests", params(("id" = String, Path)), request_body = DeclineBody,
    responses((status = 204, description = "Declined"), (status = 409, description = "Not in a state that allows it", body = ErrorBody)))]
pub(crate) async fn request_decline(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DeclineBody>,
) -> ApiResult {
    a.done(s.app.decline_request(&a.ctx, &id, &b.reason, &b.text).await)
}

/// The asker withdraws the request.
#[utoipa::path(post, path = "/requests/{id}/withdraw", tag = "requests", params(("id" = String, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 409, description = "Not in a state that allows it", body = ErrorBody)))]
pub(crate) async fn request_withdraw(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    a.done(s.app.withdraw_request(&a.ctx, &id).await)
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct MessageBody {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub(crate) body: String,
}

/// Adds a message to the request's thread.
#[utoipa::path(post, path = "/requests/{id}/messages", tag = "requests", params(("id" = String, Path)), request_body = MessageBody,
    responses((status = 204, description = "Posted"), (status = 409, description = "The request is closed to messages", body = ErrorBody)))]
pub(crate) async fn request_message(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MessageBody>,
) -> ApiResult {
    a.done(s.app.post_request_message(&a.ctx, &id, &b.body).await)
}

/// A reply in an alert's thread.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ReplyBody {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 20000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub(crate) body: String,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct MlaBody {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    mla_reference: String,
}

/// Attaches the mutual legal assistance (MLA) reference once the request is formalised.
#[utoipa::path(post, path = "/requests/{id}/mla", tag = "requests", params(("id" = String, Path)), request_body = MlaBody,
    responses((status = 204, description = "Attached")))]
pub(crate) async fn request_mla(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MlaBody>,
) -> ApiResult {
    a.done(s.app.set_request_mla(&a.ctx, &id, &b.mla_reference).await)
}
