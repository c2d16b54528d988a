use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(pages::notifications_page))
        .route("/notifications/read", post(pages::notifications_read))
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(api::notifications_list))
        .route("/notifications/read", post(api::notifications_read))
}
