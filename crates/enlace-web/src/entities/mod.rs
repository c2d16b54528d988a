use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub mod api;
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

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/entities", post(api::entity_create))
        .route(
            "/entities/{id}",
            get(api::entity_get).patch(api::entity_update),
        )
        .route("/entities/{id}/graph", get(api::entity_graph))
        .route("/entities/{id}/matches", get(api::entity_matches))
        .route(
            "/entities/{id}/matches/{candidate}",
            post(api::entity_match_decide),
        )
        .route("/search", get(api::search))
}
