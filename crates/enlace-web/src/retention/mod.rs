//! Retention: the case files due for review, confirmed with a reason or deleted.
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
        .route("/reviews", get(pages::reviews_page))
        .route("/reviews/{id}/confirm", post(pages::review_confirm))
        .route(
            "/reviews/{id}/delete",
            get(pages::review_delete_page).post(pages::review_delete),
        )
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::reviews_list))
        .routes(routes!(api::review_get))
        .routes(routes!(api::review_confirm))
        .routes(routes!(api::review_delete))
}
