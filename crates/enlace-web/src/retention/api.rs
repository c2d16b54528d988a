use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::AppError;
use enlace_domain::Invalid;
use enlace_store::retention::CaseReview;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A case file's review (retention) state.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RetentionReview)]
pub struct ReviewView {
    pub case_id: String,
    pub reference: String,
    pub title: String,
    /// Victims or minors: reviewed every year instead of every three.
    pub sensitive: bool,
    /// `open` or `closed`.
    pub status: String,
    /// The last change of the case file or of any of its entities.
    pub last_change: String,
    /// When it must be reviewed (due when in the past).
    pub review_due: String,
    pub reviewed_at: Option<String>,
    pub review_reason: Option<String>,
}

pub(crate) fn review_json(r: &CaseReview) -> ReviewView {
    ReviewView {
        case_id: r.case_id.clone(),
        reference: r.reference.clone(),
        title: r.title.clone(),
        sensitive: r.sensitive,
        status: r.status.clone(),
        last_change: ts(r.last_change),
        review_due: ts(r.due_at),
        reviewed_at: r.reviewed_at.map(ts),
        review_reason: r.review_reason.clone(),
    }
}

/// A list page: `next` is the cursor of the next page (pass it back as `?cursor=`), or null.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RetentionReviewList)]
pub struct ReviewList {
    pub items: Vec<ReviewView>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReviewQuery {
    /// The `next` of the previous page (empty: the first page).
    #[param(pattern = "^([0-9]{1,15}_[0-9a-f]{32})?$")]
    cursor: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The caller's country's case files due for review, earliest due first.
#[utoipa::path(get, path = "/reviews", tag = "retention", params(ReviewQuery),
    responses((status = 200, body = ReviewList)))]
pub(crate) async fn reviews_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<ReviewQuery>,
) -> ApiResult {
    if q.limit.is_some_and(|l| !(1..=200).contains(&l)) {
        return Err(a.err(AppError::Invalid(Invalid::one("limit", "out_of_range"))));
    }
    let (items, next) = s
        .app
        .review_due(&a.ctx, q.cursor.as_deref(), q.limit.unwrap_or(50))
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(ReviewList {
        items: items.iter().map(review_json).collect(),
        next,
    })
    .into_response())
}

/// A case file's review state (its owner country only).
#[utoipa::path(get, path = "/reviews/{case_id}", tag = "retention",
    params(("case_id" = String, Path)),
    responses((status = 200, body = ReviewView)))]
pub(crate) async fn review_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let r = s.app.case_review(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(Json(review_json(&r)).into_response())
}

/// Why the case file is kept.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = RetentionConfirm)]
pub(crate) struct ConfirmBody {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    reason: String,
}

/// Keeps a due case file for another period (one year if sensitive, else three); the
/// reason is kept with it and in the audit log. 409 `review_not_due` if it is not due.
#[utoipa::path(post, path = "/reviews/{case_id}/confirm", tag = "retention",
    params(("case_id" = String, Path)), request_body = ConfirmBody,
    responses((status = 200, body = ReviewView), (status = 409, body = ErrorBody)))]
pub(crate) async fn review_confirm(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConfirmBody>,
) -> ApiResult {
    let r = s
        .app
        .confirm_review(&a.ctx, &id, &b.reason)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(review_json(&r)).into_response())
}

/// Why the case file is deleted, and the explicit confirmation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = RetentionDelete)]
pub(crate) struct DeleteBody {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    reason: String,
    /// Must be `true`: the deletion cannot be undone.
    #[serde(default)]
    #[schema(required = true)]
    confirm: bool,
}

/// Deletes a due case file with its entities, their search terms, links and their place
/// in the match index. The audit log keeps its history and records the deletion.
#[utoipa::path(post, path = "/reviews/{case_id}/delete", tag = "retention",
    params(("case_id" = String, Path)), request_body = DeleteBody,
    responses((status = 204, description = "Deleted"), (status = 409, body = ErrorBody)))]
pub(crate) async fn review_delete(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DeleteBody>,
) -> ApiResult {
    a.done(
        s.app
            .delete_reviewed_case(&a.ctx, &id, &b.reason, b.confirm)
            .await,
    )
}
