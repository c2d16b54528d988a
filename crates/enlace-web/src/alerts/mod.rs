use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(pages::alerts_list).post(pages::alert_send))
        .route("/alerts/new", get(pages::alert_new))
        .route(
            "/alerts/{id}",
            get(pages::alert_view).post(pages::alert_action),
        )
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/events", get(api::events))
        .route("/alerts", get(api::alerts_list).post(api::alert_send))
        .route("/alerts/{id}", get(api::alert_get))
        .route("/alerts/{id}/acknowledge", post(api::alert_ack))
        .route("/alerts/{id}/replies", post(api::alert_reply))
}
