//! Statistics: the API (catalogue, figures, revisions, closing, import and export) and the
//! pages (figures, submission, closing, revisions, catalogue, import).
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
        .route("/statistics", get(pages::figures_page))
        .route(
            "/statistics/submit",
            get(pages::submit_form).post(pages::submit_post),
        )
        .route(
            "/statistics/close",
            get(pages::close_form).post(pages::close_post),
        )
        .route("/statistics/revisions", get(pages::revisions_page))
        .route("/statistics/indicators", get(pages::indicators_page))
        .route(
            "/statistics/indicators/{code}",
            get(pages::indicator_form).post(pages::indicator_post),
        )
        .route(
            "/statistics/import",
            get(pages::import_form).post(pages::import_post),
        )
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::indicators))
        .routes(routes!(api::indicator_edit))
        .routes(routes!(api::template))
        .routes(routes!(api::figures))
        .routes(routes!(api::export))
        .routes(routes!(api::figures_put))
        .routes(routes!(api::figures_close))
        .routes(routes!(api::revisions))
        .routes(routes!(api::import))
}
