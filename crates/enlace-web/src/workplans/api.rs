use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::workplans::{
    PlanDoc, PlanSummary, PlanView, ProgressInput, ProgressReport, ProgressRevision, ProgressView,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The plans, shipped and loaded.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkplanList {
    pub items: Vec<PlanSummary>,
    /// Always null: the list is whole.
    pub next: Option<String>,
}

/// The revisions of a progress report, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    pub items: Vec<ProgressRevision>,
    /// Always null: the list is whole.
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// `2026` or `2026-Q1`; default the current quarter.
    #[param(pattern = "^(20[0-9]{2}|2100)(-Q[1-4])?$")]
    pub period: Option<String>,
}

/// The work plans: the 2018 work plan on migrant smuggling, the 2003 action plan, and any
/// plan the secretariat loaded.
#[utoipa::path(get, path = "/workplans", tag = "workplans",
    responses((status = 200, body = WorkplanList)))]
pub(crate) async fn workplan_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let items = s.app.workplans(&a.ctx).await.map_err(|e| a.err(e))?;
    Ok(Json(WorkplanList { items, next: None }).into_response())
}

/// Loads another plan from its JSON document (the secretariat).
#[utoipa::path(post, path = "/workplans", tag = "workplans", request_body = PlanDoc,
    responses((status = 201, body = PlanSummary),
        (status = 409, description = "A plan with this year and title is already loaded", body = ErrorBody)))]
pub(crate) async fn workplan_import(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(doc): ApiJson<PlanDoc>,
) -> ApiResult {
    let p = s
        .app
        .import_workplan(Some(&a.ctx), &a.ctx.origin, &doc)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

/// A plan with its axes and actions.
#[utoipa::path(get, path = "/workplans/{id}", tag = "workplans", params(("id" = String, Path)),
    responses((status = 200, body = PlanView)))]
pub(crate) async fn workplan_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let p = s.app.workplan(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(Json(PlanView::from(p)).into_response())
}

/// The plan's JSON document, as `POST /workplans` takes it (an import of it gives the same
/// document back).
#[utoipa::path(get, path = "/workplans/{id}/export", tag = "workplans", params(("id" = String, Path)),
    responses((status = 200, body = PlanDoc)))]
pub(crate) async fn workplan_export(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let doc = s
        .app
        .export_workplan(Some(&a.ctx), &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"enlace-plan.json\"",
            ),
        ],
        doc,
    )
        .into_response())
}

/// Every member country's progress on the plan in a period, with the roll-up by axis,
/// action and country.
#[utoipa::path(get, path = "/workplans/{id}/progress", tag = "workplans",
    params(("id" = String, Path), PeriodQuery),
    responses((status = 200, body = ProgressReport)))]
pub(crate) async fn progress_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult {
    let (_, r) = s
        .app
        .progress(&a.ctx, &id, q.period.as_deref())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(r).into_response())
}

/// The progress of a period as CSV (UTF-8 with BOM; `;` and Spanish headers for Spanish
/// users, `,` and English headers otherwise), one row per country and action.
#[utoipa::path(get, path = "/workplans/{id}/progress/export.csv", tag = "workplans",
    params(("id" = String, Path), PeriodQuery),
    responses((status = 200, description = "CSV, one row per country and action; a cell starting with =, +, -, @, tab, CR or LF gets a leading '", content_type = "text/csv", body = String)))]
pub(crate) async fn progress_csv(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult {
    let (plan, r) = s
        .app
        .progress(&a.ctx, &id, q.period.as_deref())
        .await
        .map_err(|e| a.err(e))?;
    let csv =
        enlace_app::workplans::progress_csv(&plan.doc, &r, a.lang.code()).map_err(|e| a.err(e))?;
    let name = format!(
        "attachment; filename=\"enlace-{}-{}.csv\"",
        if a.lang.code() == "en" {
            "progress"
        } else {
            "avance"
        },
        r.period
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        csv,
    )
        .into_response())
}

/// Records the caller's country's progress on one action (`{action}` is `axis.action`, e.g.
/// `2.3`) in one period (`2026` or `2026-Q1`). Each change is a new revision; only that
/// country's users.
#[utoipa::path(put, path = "/workplans/{id}/progress/{country}/{action}/{period}", tag = "workplans",
    params(("id" = String, Path), ("country" = enlace_domain::Country, Path),
        ("action" = String, Path, pattern = "^[0-9]+\\.[0-9]+$"),
        ("period" = String, Path, pattern = "^(20[0-9]{2}|2100)(-Q[1-4])?$")),
    request_body = ProgressInput,
    responses((status = 200, body = ProgressView)))]
pub(crate) async fn progress_put(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((id, country, action, period)): Path<(String, String, String, String)>,
    ApiJson(b): ApiJson<ProgressInput>,
) -> ApiResult {
    let p = s
        .app
        .put_progress(&a.ctx, &id, &country, &action, &period, &b)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(p).into_response())
}

/// Every revision of a country's report on one action in one period, newest first.
#[utoipa::path(get, path = "/workplans/{id}/progress/{country}/{action}/{period}/history", tag = "workplans",
    params(("id" = String, Path), ("country" = enlace_domain::Country, Path),
        ("action" = String, Path, pattern = "^[0-9]+\\.[0-9]+$"),
        ("period" = String, Path, pattern = "^(20[0-9]{2}|2100)(-Q[1-4])?$")),
    responses((status = 200, body = RevisionList)))]
pub(crate) async fn progress_history(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((id, country, action, period)): Path<(String, String, String, String)>,
) -> ApiResult {
    let items = s
        .app
        .progress_history(&a.ctx, &id, &country, &action, &period)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(RevisionList { items, next: None }).into_response())
}
