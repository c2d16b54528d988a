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
            "/directory",
            get(pages::directory_page).post(pages::directory_create),
        )
        .route("/directory/new", get(pages::directory_new))
        .route("/directory/export.csv", get(pages::directory_spreadsheet))
        .route("/directory/export.vcf", get(api::directory_vcf))
        .route(
            "/directory/{id}",
            get(pages::directory_view).post(pages::directory_action),
        )
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::directory_list, api::directory_create))
        .routes(routes!(api::directory_csv))
        .routes(routes!(api::directory_vcf))
        .routes(routes!(api::directory_get, api::directory_update))
        .routes(routes!(api::directory_approve))
        .routes(routes!(api::directory_reject))
        .routes(routes!(api::directory_confirm))
}
