//! The public portal (`/portal/es/…`, `/portal/en/…`: no login, no cookie, nothing loaded from
//! elsewhere) and the pages and API with which countries propose and the secretariat
//! publishes its content.
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod api;
pub mod pages;
pub mod public;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/portal", get(public::portal_root))
        .route("/portal/{lang}", get(public::portal_home))
        .route("/portal/{lang}/", get(public::portal_home))
        .route("/portal/{lang}/feed.atom", get(public::portal_feed))
        .route("/portal/{lang}/directory", get(public::portal_directory))
        .route("/portal/{lang}/agreements", get(public::portal_agreements))
        .route(
            "/portal/{lang}/statistics",
            get(crate::dashboard::portal::portal_statistics),
        )
        .route("/portal/{lang}/items/{id}", get(public::portal_item))
        .route("/portal/{lang}/{kind}", get(public::portal_kind))
        .route("/portal/files/{id}", get(public::portal_file))
        .route(
            "/portal-admin",
            get(pages::admin_page).post(pages::admin_create),
        )
        .route(
            "/portal-admin/{id}",
            get(pages::admin_item).post(pages::admin_action),
        )
        .route("/portal-admin/{id}/file", get(pages::admin_file))
        .route("/portal-admin/{id}/move", post(pages::admin_move))
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::portal_list, api::portal_create))
        .routes(routes!(api::portal_get, api::portal_update))
        .routes(routes!(api::portal_publish))
        .routes(routes!(api::portal_unpublish))
        .routes(routes!(api::portal_move))
        .routes(routes!(api::portal_put_file))
}
