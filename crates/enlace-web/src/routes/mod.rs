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
            "/admin/modus-operandi",
            get(pages::modus_list).post(pages::modus_add),
        )
        .route("/routes", get(pages::routes_page))
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::routes_list))
        .routes(routes!(api::mo_list, api::mo_add))
}
