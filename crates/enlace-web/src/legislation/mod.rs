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
        .route("/legislation", get(pages::compare))
        .route("/legislation/print", get(pages::print))
        .route("/legislation/export.csv", get(api::export_csv))
        .route("/legislation/questions", get(pages::questions_page))
        .route("/legislation/questions/{code}", post(pages::question_save))
        .route("/legislation/{country}", get(pages::country_page))
        .route(
            "/legislation/{country}/{question}",
            post(pages::answer_save),
        )
        .route(
            "/legislation/{country}/{question}/versions",
            get(pages::versions_page),
        )
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::matrix))
        .routes(routes!(api::questions))
        .routes(routes!(api::question_edit))
        .routes(routes!(api::export_csv))
        .routes(routes!(api::answer_put))
        .routes(routes!(api::versions))
}
