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
        .route("/documents", get(pages::list_page).post(pages::create_post))
        .route("/documents/new", get(pages::new_page))
        .route(
            "/documents/{id}",
            get(pages::specimen_page).post(pages::specimen_post),
        )
        .route(
            "/documents/{id}/features",
            axum::routing::post(pages::feature_post),
        )
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::documents_list, api::documents_create))
        .routes(routes!(api::document_get, api::document_patch))
        .routes(routes!(api::feature_create))
        .routes(routes!(api::feature_image))
        .routes(routes!(api::forgery_create))
}
