use crate::AppState;
use axum::routing::{get, patch, post};
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/admin/countries", get(pages::countries_list))
        .route("/admin/countries/{code}", post(pages::country_update))
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/countries", get(api::countries))
        .route("/countries/{code}", patch(api::country_update))
}
