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
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route(
            "/login/totp",
            get(pages::totp_form).post(pages::totp_submit),
        )
        .route("/enrol", get(pages::enrol_form))
        .route(
            "/recovery-codes",
            get(pages::recovery_get).post(pages::enrol_submit),
        )
        .route("/logout", post(pages::logout))
}

/// The API routes of this feature, under /api/v1, each with its operation in the document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api::me))
}
