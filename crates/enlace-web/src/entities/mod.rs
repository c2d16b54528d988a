use crate::AppState;
use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod api;
mod form;
pub(crate) use form::country_options;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/entities", post(pages::entity_create))
        .route("/cases/{id}/entities/new", get(pages::entity_new))
        .route(
            "/entities/{id}",
            get(pages::entity_view).post(pages::entity_update),
        )
        .route("/entities/{id}/edit", get(pages::entity_edit))
        .route("/entities/{id}/graph", get(pages::graph_page))
        .route("/entities/{id}/matches", post(pages::xref_decide))
        .route("/search", get(pages::search_page))
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::entity_create))
        .routes(routes!(api::entity_get, api::entity_update))
        .routes(routes!(api::entity_graph))
        .routes(routes!(api::entity_matches))
        .routes(routes!(api::entity_match_decide))
        .routes(routes!(api::search))
}
