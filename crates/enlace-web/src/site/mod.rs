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
        .route("/static/app.css", get(pages::css))
        .route("/static/app.js", get(pages::js))
        .route("/", get(pages::home))
        .route("/lang", get(pages::set_lang))
        .route("/help", get(pages::help))
        .route("/help/glossary", get(pages::glossary))
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api::openapi))
}
