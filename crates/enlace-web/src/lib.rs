//! The web layer: JSON API under /api/v1 (with its OpenAPI document), server-rendered HTML
//! pages, sessions, CSRF, security headers.

pub mod api;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod pages;
pub mod security;
pub mod tls;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
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
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/static/app.css", get(pages::css))
        .route("/static/app.js", get(pages::js))
        .route("/", get(pages::home))
        .route("/lang", get(pages::set_lang))
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
        .route("/account", get(pages::account))
        .route("/account/password", post(pages::change_password))
        .route("/account/tokens", post(pages::create_token))
        .route("/account/tokens/{id}/revoke", post(pages::revoke_token))
        .route("/cases", get(pages::cases_list).post(pages::case_create))
        .route("/cases/new", get(pages::case_new))
        .route(
            "/cases/{id}",
            get(pages::case_view).post(pages::case_update),
        )
        .route("/cases/{id}/edit", get(pages::case_edit))
        .route("/cases/{id}/status", post(pages::case_status))
        .route("/cases/{id}/entities", post(pages::entity_create))
        .route("/cases/{id}/entities/new", get(pages::entity_new))
        .route("/cases/{id}/timeline", get(pages::case_timeline))
        .route(
            "/cases/{id}/import",
            get(pages::import_form).post(pages::import_submit),
        )
        .route(
            "/entities/{id}",
            get(pages::entity_view).post(pages::entity_update),
        )
        .route("/entities/{id}/edit", get(pages::entity_edit))
        .route("/entities/{id}/graph", get(pages::graph_page))
        .route("/entities/{id}/matches", post(pages::xref_decide))
        .route("/search", get(pages::search_page))
        .route(
            "/checks",
            get(pages::checks_form).post(pages::checks_submit),
        )
        .route(
            "/requests",
            get(pages::requests_list).post(pages::request_create),
        )
        .route("/requests/new", get(pages::request_new))
        .route(
            "/requests/{id}",
            get(pages::request_view).post(pages::request_action),
        )
        .route("/alerts", get(pages::alerts_list).post(pages::alert_send))
        .route("/alerts/new", get(pages::alert_new))
        .route(
            "/alerts/{id}",
            get(pages::alert_view).post(pages::alert_action),
        )
        .route(
            "/directory",
            get(pages::directory_page).post(pages::directory_create),
        )
        .route("/directory/new", get(pages::directory_new))
        .route("/directory/export.csv", get(api::directory_csv))
        .route("/directory/export.vcf", get(api::directory_vcf))
        .route(
            "/directory/{id}",
            get(pages::directory_view).post(pages::directory_action),
        )
        .route("/notifications", get(pages::notifications_page))
        .route("/notifications/read", post(pages::notifications_read))
        .route(
            "/admin/users",
            get(pages::users_list).post(pages::user_create),
        )
        .route("/admin/users/new", get(pages::user_new))
        .route("/admin/users/{id}", get(pages::user_view))
        .route("/admin/users/{id}/disable", post(pages::user_disable))
        .route("/admin/users/{id}/enable", post(pages::user_enable))
        .route("/admin/users/{id}/reset", post(pages::user_reset))
        .route("/admin/countries", get(pages::countries_list))
        .route(
            "/admin/modus-operandi",
            get(pages::modus_list).post(pages::modus_add),
        )
        .route("/routes", get(pages::routes_page))
        .route("/admin/countries/{code}", post(pages::country_update))
        .route("/audit", get(pages::audit_page))
        .route("/audit/checkpoints.json", get(api::audit_checkpoints))
        .nest("/api/v1", api::routes())
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
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
