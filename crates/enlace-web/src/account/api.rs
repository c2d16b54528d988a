use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) async fn tokens_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
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
pub(crate) struct TokenBody {
    #[serde(default)]
    name: String,
}

pub(crate) async fn token_create(
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

pub(crate) async fn token_revoke(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    a.done(s.app.revoke_token(&a.ctx, &id).await)
}
