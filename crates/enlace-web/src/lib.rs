//! The web layer: JSON API under /api/v1 (with its OpenAPI document), server-rendered HTML
//! pages, sessions, CSRF, security headers.

pub mod api;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod page;
pub mod security;
pub mod tls;
pub mod upload;

pub mod account;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod centres;
pub mod checks;
pub mod countries;
pub mod dashboard;
pub mod directory;
pub mod documents;
pub mod entities;
pub mod legislation;
pub mod meetings;
pub mod notifications;
pub mod portal;
pub mod requests;
pub mod retention;
pub mod routes;
pub mod site;
pub mod statistics;
pub mod users;
pub mod visas;
pub mod workplans;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use enlace_app::App;
use std::net::SocketAddr;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Whether the server speaks TLS itself (adds HSTS).
    pub tls: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            tls: false,
            body_limit: 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub web: WebConfig,
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.web.body_limit;
    let (api, _) = api::api_router().split_for_parts();
    Router::new()
        .merge(site::pages())
        .merge(auth::pages())
        .merge(account::pages())
        .merge(cases::pages())
        .merge(entities::pages())
        .merge(checks::pages())
        .merge(requests::pages())
        .merge(alerts::pages())
        .merge(centres::pages())
        .merge(directory::pages())
        .merge(legislation::pages())
        .merge(meetings::pages())
        .merge(notifications::pages())
        .merge(retention::pages())
        .merge(users::pages())
        .merge(countries::pages())
        .merge(routes::pages())
        .merge(audit::pages())
        .merge(portal::pages())
        .merge(workplans::pages())
        .merge(visas::pages())
        .merge(documents::pages())
        .merge(dashboard::pages())
        .merge(statistics::pages())
        .merge(api)
        .fallback(site::pages::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        // gzip or brotli as the browser asks; the default predicate leaves server-sent
        // events (text/event-stream), images and tiny bodies alone, so live alerts are
        // never held back in a compressor's buffer.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::layer,
        ))
        .with_state(state)
}

/// The client's address, for the audit log and the rate limits.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl
    axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
    for ClientAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

/// Serves plain HTTP until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<ClientAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves HTTPS (and sends HSTS) until `shutdown` resolves.
pub async fn serve_tls(
    mut state: AppState,
    listener: tls::TlsListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state.web.tls = true;
    let app = router(state).into_make_service_with_connect_info::<ClientAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
