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
        .route("/visas", get(pages::lookup_page))
        .route(
            "/visas/import",
            get(pages::import_page).post(pages::import_post),
        )
        .route(
            "/visas/{destination}",
            get(pages::table_page).post(pages::table_post),
        )
        .route(
            "/visas/{destination}/{nationality}",
            get(pages::pair_page).post(pages::pair_post),
        )
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::visas_get))
        .routes(routes!(api::visas_import))
        .routes(routes!(api::visa_put, api::visa_delete))
        .routes(routes!(api::visa_confirm))
        .routes(routes!(api::visa_history))
}
