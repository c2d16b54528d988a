use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use enlace_domain::Country;
use enlace_store::countries::CountryRow;
use serde::Deserialize;
use utoipa::ToSchema;

/// The member countries, with their names and how many accounts each has.
#[utoipa::path(get, path = "/countries", tag = "countries",
    responses((status = 200, body = Items<CountryRow>)))]
pub(crate) async fn countries(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let list = s.app.countries().await.map_err(|e| a.err(e))?;
    Ok(Json(Items { items: list }).into_response())
}

/// A partial change: omitted (or null) fields keep their value.
#[derive(Deserialize, ToSchema)]
pub(crate) struct CountryBody {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    name_es: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    name_en: Option<String>,
    /// Whether the country takes part (an inactive country's users cannot log in).
    active: Option<bool>,
}

/// Renames a member country or marks it inactive (the secretariat).
#[utoipa::path(patch, path = "/countries/{code}", tag = "countries",
    params(("code" = Country, Path)), request_body = CountryBody,
    responses((status = 204, description = "Changed")))]
pub(crate) async fn country_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<CountryBody>,
) -> ApiResult {
    // Only what the body names changes, in one statement.
    a.done(
        s.app
            .update_country(
                &a.ctx,
                &code,
                b.name_es.as_deref(),
                b.name_en.as_deref(),
                b.active,
            )
            .await,
    )
}
