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

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

pub async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    recent: Vec<Case>,
}

pub async fn home(State(s): State<AppState>, req: Req) -> PageResult {
    let ctx = req.ctx()?;
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
