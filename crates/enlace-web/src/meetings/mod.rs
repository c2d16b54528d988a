use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/meetings",
            get(pages::meetings_list).post(pages::meeting_create),
        )
        .route(
            "/meetings/{id}",
            get(pages::meeting_view).post(pages::meeting_update),
        )
        .route(
            "/meetings/{id}/documents",
            // The handler reads the upload itself, up to the document limit.
            post(pages::document_upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/meetings/{id}/documents/{doc}",
            get(pages::document_download),
        )
        .route(
            "/agreements",
            get(pages::agreements_list).post(pages::agreement_create),
        )
        .route(
            "/agreements/{id}",
            get(pages::agreement_view).post(pages::agreement_action),
        )
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::meetings_list, api::meeting_create))
        .routes(routes!(api::meeting_get, api::meeting_update))
        .routes({
            // The PDF is read by the handler itself, up to the document limit (10 MiB).
            let (schemas, paths, method) = routes!(api::document_upload);
            (schemas, paths, method.layer(DefaultBodyLimit::disable()))
        })
        .routes(routes!(api::document_download))
        .routes(routes!(api::agreements_list, api::agreement_create))
        .routes(routes!(api::agreement_get, api::agreement_update))
        .routes(routes!(api::followup_create))
}
