use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/requests",
            get(pages::requests_list).post(pages::request_create),
        )
        .route("/requests/new", get(pages::request_new))
        .route(
            "/requests/{id}",
            get(pages::request_view).post(pages::request_action),
        )
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route(
            "/requests",
            get(api::requests_list).post(api::request_create),
        )
        .route("/requests/{id}", get(api::request_get))
        .route("/requests/{id}/acknowledge", post(api::request_ack))
        .route("/requests/{id}/answer", post(api::request_answer))
        .route("/requests/{id}/decline", post(api::request_decline))
        .route("/requests/{id}/withdraw", post(api::request_withdraw))
        .route("/requests/{id}/messages", post(api::request_message))
        .route("/requests/{id}/mla", post(api::request_mla))
}
