use crate::AppState;
use axum::routing::get;
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/audit", get(pages::audit_page))
        .route("/audit/checkpoints.json", get(api::audit_checkpoints))
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/audit", get(api::audit_list))
        .route("/audit/checkpoints", get(api::audit_checkpoints))
}
