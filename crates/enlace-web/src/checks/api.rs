use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::checks::{CheckAnswer, CheckInput};

/// A hit/no-hit check: does any member country hold a record on this subject? One answer
/// per member country. Limited to 60 checks per user per hour.
#[utoipa::path(post, path = "/checks", tag = "checks", request_body = CheckInput,
    responses((status = 200, body = CheckAnswer),
        (status = 429, description = "Too many checks this hour (see Retry-After)", body = ErrorBody),
        (status = 503, description = "`index_warming`: the server has just started and its hit/no-hit index is not ready yet; nothing was checked (see Retry-After)", body = ErrorBody)))]
pub(crate) async fn check_run(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(input): ApiJson<CheckInput>,
) -> ApiResult {
    let answer = s
        .app
        .run_check(&a.ctx, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(answer).into_response())
}
