use crate::AppState;
use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::cases_list, api::case_create))
        .routes(routes!(api::case_get, api::case_update))
        .routes(routes!(api::case_close))
        .routes(routes!(api::case_reopen))
        .routes(routes!(api::case_entities))
        .routes(routes!(api::case_export))
        .routes({
            // The body is streamed and counted by the handler itself.
            let (schemas, paths, method) = routes!(api::import);
            (
                schemas,
                paths,
                method.layer(axum::extract::DefaultBodyLimit::disable()),
            )
        })
}
