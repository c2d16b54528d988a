use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

pub(crate) async fn check_run(
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
