use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the database does not answer.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// `ok`, or `full` while writes are refused for want of room (507; reads still work).
    #[schema(example = "ok")]
    pub storage: &'static str,
    /// `ready`, or `warming` while the hit/no-hit index is built after start (checks answer
    /// 503 `index_warming` meanwhile; everything else serves).
    #[schema(example = "ready")]
    pub checks: &'static str,
}

/// Whether the server can serve (its database answers).
#[utoipa::path(get, path = "/healthz", tag = "platform",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(s): State<AppState>) -> Response {
    let storage = if s.app.store.is_full() { "full" } else { "ok" };
    let checks = if s.app.check_index_warming() {
        "warming"
    } else {
        "ready"
    };
    if s.app.store.ping().await {
        (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                storage,
                checks,
            }),
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "unavailable",
                storage,
                checks,
            }),
        )
            .into_response()
    }
}

/// This document: every operation of the API, generated from the code.
#[utoipa::path(get, path = "/openapi.json", tag = "platform",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)))]
pub(crate) async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::api::document(),
    )
        .into_response()
}
