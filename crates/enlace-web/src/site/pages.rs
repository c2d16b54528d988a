use crate::extract::{self, Req};
use crate::i18n::{Lang, Tr};
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use enlace_app::AppError;
use enlace_store::cases::{Case, CaseFilter};
use serde::Deserialize;

const APP_CSS: &str = include_str!("../../static/app.css");
const APP_JS: &str = include_str!("../../static/app.js");

/// A short fingerprint of the stylesheet and script: pages link `/static/app.css?v=…`, so a
/// browser keeps them for a year and fetches anew only when a release changes them.
pub fn static_version() -> &'static str {
    use sha2::{Digest, Sha256};
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let mut h = Sha256::new();
        h.update(APP_CSS.as_bytes());
        h.update(APP_JS.as_bytes());
        hex::encode(&h.finalize()[..6])
    })
}

#[derive(Deserialize)]
pub struct StaticQuery {
    v: Option<String>,
}

/// A static file with its validator: the fingerprinted URL is immutable for a year; the
/// bare URL is kept an hour and then revalidated (304 when unchanged).
fn static_file(
    headers: &axum::http::HeaderMap,
    q: &StaticQuery,
    content_type: &'static str,
    body: &'static str,
) -> Response {
    let etag = format!("\"{}\"", static_version());
    let cache = if q.v.as_deref() == Some(static_version()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if fresh {
        return (
            axum::http::StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, cache.to_string()),
            ],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

pub async fn css(headers: axum::http::HeaderMap, Query(q): Query<StaticQuery>) -> Response {
    static_file(&headers, &q, "text/css; charset=utf-8", APP_CSS)
}

pub async fn js(headers: axum::http::HeaderMap, Query(q): Query<StaticQuery>) -> Response {
    static_file(&headers, &q, "text/javascript; charset=utf-8", APP_JS)
}

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    recent: Vec<Case>,
    queue: enlace_app::queue::WorkQueue,
    /// The hits' texts in the page's language (notifications are stored bilingual).
    hits: Vec<(String, i64)>,
}

pub async fn home(State(s): State<AppState>, req: Req) -> PageResult {
    let ctx = req.ctx()?;
    let queue = s.app.work_queue(&ctx).await.map_err(|e| req.err(e))?;
    let t = req.tr();
    let hits = queue
        .hits
        .iter()
        .map(|n| (enlace_app::live::text_in(&n.text, t.code()), n.created_at))
        .collect();
    let recent = if ctx.actor.role.works_intelligence() {
        s.app
            .list_cases(&ctx, &CaseFilter::default(), 5, 0)
            .await
            .map_err(|e| req.err(e))?
            .0
    } else {
        vec![]
    };
    Ok(render(&HomePage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        recent,
        queue,
        hits,
    }))
}

#[derive(Template)]
#[template(path = "help.html")]
pub(crate) struct HelpPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
}

/// A short guide to the platform, in the reader's language. Open without login: it holds
/// nothing but how the platform works.
pub async fn help(req: Req) -> PageResult {
    Ok(render(&HelpPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
    }))
}

#[derive(Template)]
#[template(path = "glossary.html")]
pub(crate) struct GlossaryPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    /// The 2018 work plan's axes: number and title in the reader's language.
    axes: Vec<(u32, String)>,
    handling: Vec<&'static str>,
    levels: Vec<&'static str>,
}

/// The words of the platform: handling codes, the 4×4 evaluation, distribution levels and
/// the work plan's axes (from the plan that ships with the product).
pub async fn glossary(req: Req) -> PageResult {
    let t = req.tr();
    Ok(render(&GlossaryPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        axes: enlace_app::workplans::builtin_axes("2018")
            .into_iter()
            .map(|(n, title)| (n, title.get(t.code()).to_string()))
            .collect(),
        handling: enlace_domain::Handling::ALL
            .iter()
            .map(|h| h.as_str())
            .collect(),
        levels: vec!["country", "countries", "members"],
    }))
}

#[derive(Deserialize)]
pub struct LangQuery {
    set: String,
    next: Option<String>,
}

/// Only same-site paths, so the link cannot send anyone elsewhere: exactly one leading `/`,
/// and no backslash, control character or whitespace anywhere (browsers drop tabs and
/// newlines and read `\` as `/`, so `/\thost` or `/\host` would be `//host`, another site).
/// Anything else falls back to `/`. Characters beyond ASCII are percent-encoded, so the
/// `Location` header is always valid.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".to_string();
    };
    let Some(rest) = n.strip_prefix('/') else {
        return "/".to_string();
    };
    let bad = |c: char| c == '\\' || c.is_control() || c.is_whitespace();
    if rest.starts_with('/') || n.chars().any(bad) {
        return "/".to_string();
    }
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

pub async fn set_lang(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<LangQuery>,
) -> PageResult {
    let lang = Lang::parse(&q.set).unwrap_or(req.lang);
    if let Some(a) = &req.auth {
        s.app
            .set_language(&a.user.id, lang.code())
            .await
            .map_err(|e| req.err(e))?;
    }
    let next = safe_next(q.next.as_deref());
    Ok((
        [(header::SET_COOKIE, extract::lang_cookie(lang))],
        Redirect::to(&next),
    )
        .into_response())
}

pub async fn not_found(req: Req) -> Response {
    if req.path.starts_with("/api/") {
        return crate::error::ApiError::new(
            AppError::NotFound,
            req.origin.request_id.clone(),
            req.lang,
        )
        .into_response();
    }
    req.err(AppError::NotFound).into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_keeps_same_site_paths_only() {
        for bad in [
            "//evil",
            "/\\evil",
            "/\t/evil",
            "/\n/evil",
            "/ /evil",
            "/\u{a0}/evil",
            "/\r\nLocation:x",
            "https://evil",
            "evil",
            "",
            "/ok\\..\\x",
            "/\u{7f}",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/cases?page=2")), "/cases?page=2");
        assert_eq!(safe_next(Some("/search?q=José")), "/search?q=Jos%C3%A9");
    }
}
