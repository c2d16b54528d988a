use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/users",
            get(pages::users_list).post(pages::user_create),
        )
        .route("/admin/users/new", get(pages::user_new))
        .route("/admin/users/{id}", get(pages::user_view))
        .route("/admin/users/{id}/disable", post(pages::user_disable))
        .route("/admin/users/{id}/enable", post(pages::user_enable))
        .route("/admin/users/{id}/reset", post(pages::user_reset))
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/users", get(api::users_list).post(api::user_create))
        .route("/users/{id}", get(api::user_get))
        .route("/users/{id}/disable", post(api::user_disable))
        .route("/users/{id}/enable", post(api::user_enable))
        .route("/users/{id}/reset", post(api::user_reset))
}
