use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

pub(crate) async fn routes_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let routes = s.app.routes(&a.ctx).await.map_err(|e| a.err(e))?;
    Ok(Json(json!({"items": routes})).into_response())
}

pub(crate) async fn mo_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let terms = s.app.mo_vocabulary().await.map_err(|e| a.err(e))?;
    Ok(Json(json!({"items": terms})).into_response())
}

#[derive(Deserialize)]
pub(crate) struct MoBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label_es: String,
    #[serde(default)]
    label_en: String,
}

pub(crate) async fn mo_add(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<MoBody>,
) -> ApiResult {
    s.app
        .add_mo_term(&a.ctx, &b.code, &b.label_es, &b.label_en)
        .await
        .map_err(|e| a.err(e))?;
    Ok(StatusCode::CREATED.into_response())
}
