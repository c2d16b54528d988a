use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An API token of the caller (the secret itself is shown only once, at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/tokens", tag = "account",
    responses((status = 200, body = Items<TokenView>)))]
pub(crate) async fn tokens_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let tokens = s.app.tokens(&a.ctx).await.map_err(|e| a.err(e))?;
    let items = tokens
        .iter()
        .map(|t| TokenView {
            id: t.id.clone(),
            name: t.name.clone(),
            created_at: ts(t.created_at),
            last_used_at: t.last_used_at.map(ts),
            revoked_at: t.revoked_at.map(ts),
        })
        .collect();
    Ok(Json(Items { items }).into_response())
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct TokenBody {
    /// What the token is for, e.g. the national system that uses it.
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewToken {
    pub id: String,
    /// The secret: send it as `Authorization: Bearer …`. Shown only now.
    pub token: String,
}

/// Creates an API token for the caller.
#[utoipa::path(post, path = "/tokens", tag = "account", request_body = TokenBody,
    responses((status = 201, body = NewToken)))]
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
    Ok((StatusCode::CREATED, Json(NewToken { id, token })).into_response())
}

/// Revokes one of the caller's API tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "account", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked")))]
pub(crate) async fn token_revoke(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    a.done(s.app.revoke_token(&a.ctx, &id).await)
}

/// The caller's time zone for the pages (times in the API stay RFC 3339 UTC).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AccountTimeZone)]
pub struct TimeZoneView {
    /// The zone chosen, or null for the country's.
    pub time_zone: Option<String>,
    /// The zone pages use: the choice, else the country's (the secretariat: Costa Rica).
    pub effective: String,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = AccountTimeZoneBody)]
pub(crate) struct TimeZoneBody {
    /// An IANA zone of the region (`America/Guatemala`), `UTC`, or empty (or absent) for
    /// the country's.
    #[serde(default)]
    #[schema(required = false, schema_with = time_zone_schema)]
    time_zone: String,
}

/// Exactly the zones the server accepts, and "" for the country's.
fn time_zone_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(
            std::iter::once("").chain(enlace_domain::country::TIME_ZONES.iter().copied()),
        ))
        .description(Some(
            "An IANA zone of the region, UTC, or empty for the country's",
        ))
        .build()
}

/// The caller's time zone for the pages.
#[utoipa::path(get, path = "/account/time-zone", tag = "account",
    responses((status = 200, body = TimeZoneView)))]
pub(crate) async fn time_zone_get(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let (time_zone, effective) = s
        .app
        .time_zone_setting(&a.ctx)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(TimeZoneView {
        time_zone,
        effective: effective.to_string(),
    })
    .into_response())
}

/// Sets the caller's time zone for the pages: one of the region's zones or `UTC`; empty
/// goes back to the country's.
#[utoipa::path(put, path = "/account/time-zone", tag = "account", request_body = TimeZoneBody,
    responses((status = 200, body = TimeZoneView)))]
pub(crate) async fn time_zone_put(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<TimeZoneBody>,
) -> ApiResult {
    s.app
        .set_time_zone(&a.ctx, &b.time_zone)
        .await
        .map_err(|e| a.err(e))?;
    time_zone_get(State(s), a).await
}
