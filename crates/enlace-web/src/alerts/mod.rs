use crate::AppState;
use axum::routing::get;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::events))
        .routes(routes!(api::alerts_list, api::alert_send))
        .routes(routes!(api::alert_get))
        .routes(routes!(api::alert_ack))
        .routes(routes!(api::alert_reply))
}
