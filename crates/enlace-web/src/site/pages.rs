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

/// Only same-site relative paths, so the link cannot send anyone elsewhere.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
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
