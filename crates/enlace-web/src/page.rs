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
    /// The catalogue key of a success message to show (after an action went through).
    pub done: Option<String>,
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
            done: None,
        }
    }
}

/// One link of the main navigation: its address, its label's key, and whether the page
/// shown belongs to it.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub key: &'static str,
    pub current: bool,
}

/// A group of the main navigation, named for the task (intelligence, cooperation, network,
/// administration); `current` when the page shown is one of its links.
#[derive(Debug, Clone)]
pub struct NavGroup {
    pub key: &'static str,
    pub links: Vec<NavLink>,
    pub current: bool,
}

/// Whether `path` is the page of `href` or below it (`/cases/…` for `/cases`); a few pages
/// live under another address than their section's (a record under its case files).
fn under(path: &str, href: &str) -> bool {
    let also: &[&str] = match href {
        "/cases" => &["/entities"],
        "/portal-admin" => &[],
        "/meetings" => &["/agreements"],
        _ => &[],
    };
    std::iter::once(&href)
        .chain(also.iter())
        .any(|h| path == *h || path.strip_prefix(*h).is_some_and(|r| r.starts_with('/')))
}

/// A link of the menu as declared: address, label key, whether this user sees it.
type NavSpec = (&'static str, &'static str, bool);

impl PageUser {
    /// The main navigation for this user, grouped by task; pages a role does not use are
    /// left out (the administration pages only for admins and the secretariat).
    pub fn nav(&self, path: &str) -> Vec<NavGroup> {
        let intel = self.works_intelligence;
        let admin = self.is_admin || self.is_secretariat;
        let groups: [(&'static str, Vec<NavSpec>); 4] = [
            (
                "shell_nav_intelligence",
                vec![
                    ("/cases", "nav_cases", intel),
                    ("/search", "nav_search", intel),
                    ("/routes", "nav_routes", intel),
                    ("/admin/modus-operandi", "nav_modus", intel),
                ],
            ),
            (
                "shell_nav_cooperation",
                vec![
                    ("/checks", "nav_checks", intel),
                    ("/requests", "nav_requests", intel),
                    ("/alerts", "nav_alerts", intel),
                    ("/reviews", "retention_nav", intel),
                    ("/directory", "nav_directory", true),
                ],
            ),
            (
                "shell_nav_network",
                vec![
                    ("/dashboard", "dashboard_nav", true),
                    ("/statistics", "statistics_nav", true),
                    ("/meetings", "nav_meetings", true),
                    ("/workplans", "nav_workplans", true),
                    ("/legislation", "legislation_nav", true),
                    ("/visas", "nav_visas", true),
                    ("/centres", "centres_nav", true),
                    ("/documents", "nav_documents", !self.is_secretariat),
                    ("/portal-admin", "nav_portal", true),
                ],
            ),
            (
                "shell_nav_administration",
                vec![
                    ("/admin/users", "nav_users", admin),
                    ("/admin/countries", "nav_countries", admin),
                    ("/admin/modus-operandi", "nav_modus", self.is_secretariat),
                    ("/audit", "nav_audit", true),
                ],
            ),
        ];
        groups
            .into_iter()
            .map(|(key, links)| {
                let links: Vec<NavLink> = links
                    .into_iter()
                    .filter(|(_, _, shown)| *shown)
                    .map(|(href, key, _)| NavLink {
                        href,
                        key,
                        current: under(path, href),
                    })
                    .collect();
                NavGroup {
                    key,
                    current: links.iter().any(|l| l.current),
                    links,
                }
            })
            .filter(|g| !g.links.is_empty())
            .collect()
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

/// Every time a page shows goes through here: the moment in the reader's zone, to the
/// minute, with the zone's abbreviation (`2026-12-01 00:52 CST`) or, where the zone has
/// none, its offset (`2026-12-01 00:52 UTC−06`). The API keeps RFC 3339 UTC.
pub fn local_time(ms: i64, tz: chrono_tz::Tz) -> String {
    use chrono::TimeZone;
    let Some(utc) = chrono::Utc.timestamp_millis_opt(ms).single() else {
        return enlace_domain::clock::format_utc(ms);
    };
    let local = utc.with_timezone(&tz);
    let abbr = local.format("%Z").to_string();
    if !abbr.is_empty() && abbr.chars().all(|c| c.is_ascii_alphabetic()) {
        format!("{} {abbr}", local.format("%Y-%m-%d %H:%M"))
    } else {
        let off = local.format("%:z").to_string();
        let off = off.strip_suffix(":00").unwrap_or(&off).replace('-', "−");
        format!("{} UTC{off}", local.format("%Y-%m-%d %H:%M"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zone_offered_is_known_and_times_name_their_zone() {
        for z in enlace_domain::country::TIME_ZONES {
            assert!(z.parse::<chrono_tz::Tz>().is_ok(), "{z} is an IANA zone");
        }
        for c in enlace_domain::Country::all() {
            assert!(c.time_zone().parse::<chrono_tz::Tz>().is_ok());
        }
        // 2026-12-01T06:52:54Z
        let ms = 1_796_107_974_000;
        assert_eq!(local_time(ms, chrono_tz::Tz::UTC), "2026-12-01 06:52 UTC");
        assert_eq!(
            local_time(ms, chrono_tz::America::Mexico_City),
            "2026-12-01 00:52 CST"
        );
        assert_eq!(
            local_time(ms, chrono_tz::America::Santo_Domingo),
            "2026-12-01 02:52 AST"
        );
        // A zone whose abbreviation is a number shows its offset.
        assert_eq!(
            local_time(
                ms,
                "America/Sao_Paulo".parse().unwrap_or(chrono_tz::Tz::UTC)
            ),
            "2026-12-01 03:52 UTC−03"
        );
    }
}
