use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod api;
pub mod evidence;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/workplans",
            get(pages::workplans_page).post(pages::workplans_import),
        )
        .route("/workplans/{id}", get(pages::workplan_page))
        .route(
            "/workplans/{id}/progress",
            axum::routing::post(pages::progress_form),
        )
        .route("/workplans/{id}/history", get(pages::history_page))
        .route(
            "/workplans/{id}/evidence",
            axum::routing::post(evidence::upload_form).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/workplans/{id}/evidence/{country}/{action}/{period}/{file}",
            get(evidence::download_page),
        )
        .route(
            "/workplans/{id}/evidence/{country}/{action}/{period}/{file}/remove",
            axum::routing::post(evidence::remove_page),
        )
        .route("/workplans/{id}/export.json", get(api::workplan_export))
        .route(
            "/workplans/{id}/progress/export.csv",
            get(api::progress_csv),
        )
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::workplan_list, api::workplan_import))
        .routes(routes!(api::workplan_get))
        .routes(routes!(api::workplan_export))
        .routes(routes!(api::progress_list))
        .routes(routes!(api::progress_csv))
        .routes(routes!(api::progress_put))
        .routes(routes!(api::progress_history))
        .routes({
            // The file is read by the handler itself, up to 10 MiB.
            let (schemas, paths, method) = routes!(evidence::evidence_upload);
            (schemas, paths, method.layer(DefaultBodyLimit::disable()))
        })
        .routes(routes!(
            evidence::evidence_download,
            evidence::evidence_delete
        ))
}
