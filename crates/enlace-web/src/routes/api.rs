use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::routes::Route;
use enlace_store::countries::MoTerm;
use serde::Deserialize;
use utoipa::ToSchema;

/// The smuggling routes the caller may see: legs grouped into routes, with origin, transit
/// and destination countries.
#[utoipa::path(get, path = "/routes", tag = "routes", responses((status = 200, body = Items<Route>)))]
pub(crate) async fn routes_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let items = s.app.routes(&a.ctx).await.map_err(|e| a.err(e))?;
    Ok(Json(Items { items }).into_response())
}

/// The modus operandi vocabulary (bilingual).
#[utoipa::path(get, path = "/modus-operandi", tag = "routes",
    responses((status = 200, body = Items<MoTerm>)))]
pub(crate) async fn mo_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let items = s.app.mo_vocabulary().await.map_err(|e| a.err(e))?;
    Ok(Json(Items { items }).into_response())
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct MoBody {
    /// Lower-case letters, digits and underscores, e.g. `stash_house`.
    #[serde(default)]
    #[schema(required = true, pattern = "^[a-z][a-z0-9_]{1,49}$")]
    code: String,
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 120,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    label_es: String,
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 120,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    label_en: String,
}

/// Adds a term to the modus operandi vocabulary (the secretariat).
#[utoipa::path(post, path = "/modus-operandi", tag = "routes", request_body = MoBody,
    responses((status = 201, description = "Added"),
        (status = 409, description = "The code exists", body = ErrorBody)))]
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
