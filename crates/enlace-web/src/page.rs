#[allow(unused_imports)]
use crate::api::*;
use crate::error::PageError;
use crate::i18n::Tr;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use enlace_app::auth::Authenticated;
use enlace_domain::{FieldError, Role};
use serde::Deserialize;

pub(crate) type PageResult = Result<Response, PageError>;

pub const PER_PAGE: i64 = 50;

/// The logged-in user as the page header shows them.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub country: Option<String>,
    pub csrf: String,
    pub is_admin: bool,
    pub is_secretariat: bool,
    pub works_intelligence: bool,
    pub unread: i64,
    pub last_event: i64,
}

impl PageUser {
    pub fn of(a: &Authenticated) -> PageUser {
        PageUser {
            username: a.user.username.clone(),
            display_name: a.user.display_name.clone(),
            role: a.user.role.as_str().to_string(),
            country: a.user.country.map(|c| c.code().to_string()),
            csrf: a.session.csrf.clone(),
            is_admin: a.user.role == Role::Admin,
            is_secretariat: a.user.role == Role::Secretariat,
            works_intelligence: a.user.role.works_intelligence(),
            unread: 0,
            last_event: 0,
        }
    }
}

pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub(crate) fn with_status(status: StatusCode, r: Response) -> Response {
    (status, r).into_response()
}

/// Field errors translated for a form.
#[derive(Debug, Clone)]
pub struct ShownError {
    pub field: String,
    pub message: String,
}

pub(crate) fn shown(t: Tr, errs: &[FieldError]) -> Vec<ShownError> {
    errs.iter()
        .map(|e| ShownError {
            field: e.field.to_string(),
            message: format!(
                "{}: {}",
                t.field_name(e.field),
                crate::error::message(t, e.code)
            ),
        })
        .collect()
}

/// Pagination links of a list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The total is a lower bound ("more than 1,000"): broad searches stop counting.
    pub more: bool,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub(crate) fn new(page: i64, total: i64, base: &str) -> Pager {
        let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
        let sep = if base.contains('?') { '&' } else { '?' };
        Pager {
            page,
            pages,
            total,
            more: false,
            prev: (page > 1).then(|| format!("{base}{sep}page={}", page - 1)),
            next: (page < pages).then(|| format!("{base}{sep}page={}", page + 1)),
        }
    }
    /// Marks the total as a lower bound; there is always a next page to ask for.
    pub(crate) fn at_least(&mut self, next: &str) {
        self.more = true;
        self.next = Some(next.to_string());
    }
}

pub(crate) fn page_no(p: Option<i64>) -> i64 {
    p.unwrap_or(1).clamp(1, 1_000_000)
}

pub(crate) fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|e| e.trim_start_matches("v=").to_string())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: Tr,
    pub user: Option<PageUser>,
    pub path: String,
    pub title: String,
    pub code: String,
    pub message: String,
    pub request_id: String,
}

#[derive(Deserialize)]
pub struct Empty {}

#[derive(Deserialize)]
pub struct PageQuery {
    pub(crate) page: Option<i64>,
}

/// A stored file offered as a download. The name was made plain ASCII when it was stored
/// (`enlace_app::files::download_name`); the global headers add `nosniff`.
pub fn download(mime: &'static str, name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, mime.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    name.replace(['"', '\\'], "_")
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}
