use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

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
        .route("/directory/export.csv", get(api::directory_csv))
        .route("/directory/export.vcf", get(api::directory_vcf))
        .route(
            "/directory/{id}",
            get(pages::directory_view).post(pages::directory_action),
        )
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route(
            "/directory",
            get(api::directory_list).post(api::directory_create),
        )
        .route("/directory/export.csv", get(api::directory_csv))
        .route("/directory/export.vcf", get(api::directory_vcf))
        .route(
            "/directory/{id}",
            get(api::directory_get).patch(api::directory_update),
        )
        .route("/directory/{id}/approve", post(api::directory_approve))
        .route("/directory/{id}/confirm", post(api::directory_confirm))
}
