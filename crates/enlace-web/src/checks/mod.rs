use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new().route(
        "/checks",
        get(pages::checks_form).post(pages::checks_submit),
    )
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new().route("/checks", post(api::check_run))
}
