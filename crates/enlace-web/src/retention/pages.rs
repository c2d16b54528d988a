use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use enlace_store::retention::CaseReview;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "retention.html")]
pub(crate) struct ReviewsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    items: Vec<CaseReview>,
    /// The link to the next page, if any.
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct CursorPageQuery {
    cursor: Option<String>,
}

/// The case files of the user's country due for review, each with its two decisions.
pub async fn reviews_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<CursorPageQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (items, next) = s
        .app
        .review_due(&ctx, q.cursor.as_deref(), 50)
        .await
        .map_err(|e| req.err(e))?;
    Ok(render(&ReviewsPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        items,
        next: next.map(|c| format!("/reviews?cursor={}", url_encode(&c))),
    }))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn review_confirm(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, f): CsrfForm<ReasonForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(s.app.confirm_review(&ctx, &id, &f.reason).await, "/reviews")
}

#[derive(Template)]
#[template(path = "retention_delete.html")]
pub(crate) struct DeletePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    r: CaseReview,
}

/// Asks for the reason and the confirmation before a case file is deleted.
pub async fn review_delete_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    req: Req,
) -> PageResult {
    let ctx = req.ctx()?;
    let r = s.app.case_review(&ctx, &id).await.map_err(|e| req.err(e))?;
    Ok(render(&DeletePage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        r,
    }))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    reason: String,
    /// The checkbox: present only when ticked.
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn review_delete(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, f): CsrfForm<DeleteForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(
        s.app
            .delete_reviewed_case(&ctx, &id, &f.reason, f.confirm.is_some())
            .await,
        "/reviews",
    )
}
