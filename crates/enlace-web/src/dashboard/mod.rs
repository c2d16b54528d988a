//! The regional statistics dashboard, the quarterly report (printable page and PDF) and the
//! portal's public statistics. Figures come after disclosure control from the app; this
//! feature only presents them (see `view`).
use crate::AppState;
use axum::routing::get;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod api;
pub mod pages;
pub mod portal;
pub mod report;
pub mod view;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new().route("/dashboard", get(pages::dashboard_page))
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::dashboard_get))
        .routes(routes!(api::quarterly_report))
}
