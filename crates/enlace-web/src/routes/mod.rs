use crate::AppState;
use axum::routing::get;
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/modus-operandi",
            get(pages::modus_list).post(pages::modus_add),
        )
        .route("/routes", get(pages::routes_page))
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/routes", get(api::routes_list))
        .route("/modus-operandi", get(api::mo_list).post(api::mo_add))
}
