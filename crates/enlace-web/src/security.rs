//! Cross-cutting protections applied to every response: request ids, security headers,
//! `no-store` on authenticated responses, and the Origin check on state-changing requests.
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use enlace_app::AppError;

/// The id of one request, shown in errors and written to the audit log.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let rid = hex::encode(enlace_app::crypto::random_bytes::<8>());
    req.extensions_mut().insert(RequestId(rid.clone()));
    let authenticated = req.headers().contains_key(header::AUTHORIZATION)
        || req
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains(crate::extract::SESSION_COOKIE));
    let state_changing = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if state_changing && !origin_allowed(&req) {
        let lang = crate::i18n::Lang::from_headers(req.headers());
        return ApiError::new(AppError::Forbidden, rid, lang)
            .with_code("bad_origin")
            .into_response();
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if let Ok(v) = HeaderValue::from_str(&rid) {
        h.insert(HeaderName::from_static("x-request-id"), v);
    }
    if state.web.tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if authenticated || !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A state-changing request from a browser must come from our own origin. Requests without
/// an Origin header (national systems, old browsers) rely on the CSRF token instead; a browser
/// that says the request is cross-site is refused outright.
fn origin_allowed(req: &Request) -> bool {
    let h = req.headers();
    if h.get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|s| s == "cross-site")
    {
        return false;
    }
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = h.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    origin_host == Some(host)
}
