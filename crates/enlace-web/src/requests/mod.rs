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

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::requests_list, api::request_create))
        .routes(routes!(api::request_get))
        .routes(routes!(api::request_ack))
        .routes(routes!(api::request_answer))
        .routes(routes!(api::request_decline))
        .routes(routes!(api::request_withdraw))
        .routes(routes!(api::request_message))
        .routes(routes!(api::request_mla))
}
