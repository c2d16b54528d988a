use crate::AppState;
use axum::routing::get;
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/static/app.css", get(pages::css))
        .route("/static/app.js", get(pages::js))
        .route("/", get(pages::home))
        .route("/lang", get(pages::set_lang))
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new().route("/openapi.json", get(api::openapi))
}
