use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/cases", get(pages::cases_list).post(pages::case_create))
        .route("/cases/new", get(pages::case_new))
        .route(
            "/cases/{id}",
            get(pages::case_view).post(pages::case_update),
        )
        .route("/cases/{id}/edit", get(pages::case_edit))
        .route("/cases/{id}/status", post(pages::case_status))
        .route("/cases/{id}/timeline", get(pages::case_timeline))
        .route(
            "/cases/{id}/import",
            get(pages::import_form).post(pages::import_submit),
        )
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/cases", get(api::cases_list).post(api::case_create))
        .route("/cases/{id}", get(api::case_get).patch(api::case_update))
        .route("/cases/{id}/close", post(api::case_close))
        .route("/cases/{id}/reopen", post(api::case_reopen))
        .route("/cases/{id}/entities", get(api::case_entities))
        .route("/cases/{id}/export", get(api::case_export))
        .route(
            "/import",
            // The body is streamed and counted by the handler itself.
            post(api::import).layer(axum::extract::DefaultBodyLimit::disable()),
        )
}
