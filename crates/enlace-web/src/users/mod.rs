use crate::AppState;
use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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
        .route("/admin/users/{id}/approve", post(pages::user_approve))
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::users_list, api::user_create))
        .routes(routes!(api::user_get))
        .routes(routes!(api::user_disable))
        .routes(routes!(api::user_enable))
        .routes(routes!(api::user_reset))
        .routes(routes!(api::user_approve))
}
