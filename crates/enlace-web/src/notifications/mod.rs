use crate::AppState;
use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(pages::notifications_page))
        .route("/notifications/read", post(pages::notifications_read))
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::notifications_list))
        .routes(routes!(api::notifications_read))
}
