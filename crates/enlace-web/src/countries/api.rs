use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

pub(crate) async fn countries(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let list = s.app.countries().await.map_err(|e| a.err(e))?;
    Ok(Json(json!({"items": list})).into_response())
}

#[derive(Deserialize)]
pub(crate) struct CountryBody {
    name_es: String,
    name_en: String,
    #[serde(default = "yes")]
    active: bool,
}

pub(crate) fn yes() -> bool {
    true
}

pub(crate) async fn country_update(
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
