//! One mapping from use-case errors to HTTP: JSON for the API, an HTML page for browsers.
//! 5xx bodies never carry internal text; the cause goes to the log with the request id.
use crate::i18n::{Lang, Tr};
use crate::page::{render, ErrorPage, PageUser};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use enlace_app::AppError;

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::Unauthenticated | AppError::BadCredentials | AppError::BadCode => {
            StatusCode::UNAUTHORIZED
        }
        AppError::Invalid(_) | AppError::PurposeRequired => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
        AppError::Unavailable | AppError::Warming { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The translated message of an error code (codes are catalogue keys).
pub fn message(tr: Tr, code: &str) -> String {
    if tr.has(code) {
        tr.t(code)
    } else {
        tr.t("internal")
    }
}

fn log_internal(e: &AppError, request_id: &str) {
    if let AppError::Internal(cause) = e {
        tracing::error!(request_id, cause = %cause, "internal error");
    }
}

fn retry_after(e: &AppError, res: &mut Response) {
    if let AppError::RateLimited { retry_after_secs } | AppError::Warming { retry_after_secs } = e {
        if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
}

/// A JSON error: `{"error":{"code","message","request_id"[,"fields"]}}`.
#[derive(Debug)]
pub struct ApiError {
    pub error: AppError,
    pub request_id: String,
    pub lang: Lang,
    code: Option<&'static str>,
}

impl ApiError {
    pub fn new(error: AppError, request_id: String, lang: Lang) -> ApiError {
        ApiError {
            error,
            request_id,
            lang,
            code: None,
        }
    }
    /// Overrides the stable code (e.g. `bad_csrf` for a forbidden request).
    pub fn with_code(mut self, code: &'static str) -> ApiError {
        self.code = Some(code);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log_internal(&self.error, &self.request_id);
        let tr = Tr::new(self.lang);
        let code = self.code.unwrap_or_else(|| self.error.code());
        let mut body = serde_json::json!({
            "error": {
                "code": code,
                "message": message(tr, code),
                "request_id": self.request_id,
            }
        });
        if let AppError::Invalid(inv) = &self.error {
            body["error"]["fields"] = inv
                .0
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "field": f.field,
                        "code": f.code,
                        "message": message(tr, f.code),
                    })
                })
                .collect();
        }
        let mut res = (status_of(&self.error), Json(body)).into_response();
        retry_after(&self.error, &mut res);
        res
    }
}

/// A page-handler failure: a redirect (to log in, mostly) or an HTML error page.
pub enum PageError {
    Redirect(String),
    Page(Box<Failure>),
}

pub struct Failure {
    pub error: AppError,
    pub lang: Lang,
    pub request_id: String,
    pub user: Option<PageUser>,
    /// Overrides the stable code (e.g. `bad_csrf`).
    pub code: Option<&'static str>,
}

impl PageError {
    pub fn page(
        error: AppError,
        lang: Lang,
        request_id: String,
        user: Option<PageUser>,
    ) -> PageError {
        PageError::Page(Box::new(Failure {
            error,
            lang,
            request_id,
            user,
            code: None,
        }))
    }
    pub fn with_code(self, code: &'static str) -> PageError {
        match self {
            PageError::Page(mut f) => {
                f.code = Some(code);
                PageError::Page(f)
            }
            other => other,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let f = match self {
            PageError::Redirect(to) => return Redirect::to(&to).into_response(),
            PageError::Page(f) => *f,
        };
        let code = f.code.unwrap_or_else(|| f.error.code());
        log_internal(&f.error, &f.request_id);
        let t = Tr::new(f.lang);
        let title_key = match status_of(&f.error) {
            StatusCode::NOT_FOUND => "page_not_found",
            StatusCode::FORBIDDEN => "page_forbidden",
            StatusCode::TOO_MANY_REQUESTS => "page_rate_limited",
            StatusCode::INTERNAL_SERVER_ERROR => "page_internal",
            _ => "page_error",
        };
        let page = ErrorPage {
            t,
            user: f.user,
            path: String::new(),
            title: t.t(title_key),
            code: code.to_string(),
            message: message(t, code),
            request_id: f.request_id,
        };
        let mut res = (status_of(&f.error), render(&page)).into_response();
        retry_after(&f.error, &mut res);
        res
    }
}
