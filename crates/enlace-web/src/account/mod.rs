use crate::AppState;
use axum::routing::{delete, get, post};
use axum::Router;

pub mod api;
pub mod pages;

/// The pages of this feature.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/account", get(pages::account))
        .route("/account/password", post(pages::change_password))
        .route("/account/tokens", post(pages::create_token))
        .route("/account/tokens/{id}/revoke", post(pages::revoke_token))
}

/// The API routes of this feature, under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(api::tokens_list).post(api::token_create))
        .route("/tokens/{id}", delete(api::token_revoke))
}
