use crate::api::*;
use crate::extract::ApiCtx;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

pub(crate) async fn me(a: ApiCtx) -> ApiResult {
    Ok(Json(json!({
        "id": a.ctx.actor.user_id,
        "username": a.ctx.actor.username,
        "role": a.ctx.actor.role,
        "country": a.ctx.actor.country,
        "language": a.lang.code(),
    }))
    .into_response())
}
