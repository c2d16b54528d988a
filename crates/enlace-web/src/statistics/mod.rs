use crate::AppState;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod api;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::indicators))
        .routes(routes!(api::indicator_edit))
        .routes(routes!(api::template))
        .routes(routes!(api::figures))
        .routes(routes!(api::export))
        .routes(routes!(api::figures_put))
        .routes(routes!(api::figures_close))
        .routes(routes!(api::revisions))
        .routes(routes!(api::import))
}
