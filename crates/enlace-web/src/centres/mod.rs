//! Migration centres: the API (centres, occupancy snapshots, crisis levels, the neighbour
//! table) and the pages (the regional view, a centre, its forms, the neighbour table).
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
            "/centres",
            get(pages::centres_page).post(pages::centre_create),
        )
        .route("/centres/new", get(pages::centre_new))
        .route(
            "/centres/neighbours",
            get(pages::neighbours_page).post(pages::neighbours_action),
        )
        .route(
            "/centres/{id}",
            get(pages::centre_view).post(pages::centre_action),
        )
        .route("/centres/{id}/occupancy", get(pages::occupancy_form))
        .route("/centres/{id}/crisis", get(pages::crisis_form))
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::centres_list, api::centre_create))
        .routes(routes!(api::centre_get, api::centre_update))
        .routes(routes!(api::occupancy_list, api::occupancy_create))
        .routes(routes!(api::crisis_set))
        .routes(routes!(api::neighbours_list))
        .routes(routes!(api::neighbour_put, api::neighbour_delete))
}
