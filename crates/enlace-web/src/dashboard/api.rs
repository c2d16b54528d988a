use crate::api::*;
use crate::extract::ApiCtx;
use crate::i18n::{Lang, Tr};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::dashboard::{DashboardData, DashboardQuery, Derived};
use enlace_app::AppError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The dashboard's filters. Periods are `2026-Q1` or `2026-03`, of the indicator's kind.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardParams {
    /// An indicator code of the catalogue (default: the first).
    #[param(max_length = 64)]
    pub indicator: Option<String>,
    /// The first period (default: seven before the last).
    #[param(max_length = 7)]
    pub period_from: Option<String>,
    /// The last period (default: the current one).
    #[param(max_length = 7)]
    pub period_to: Option<String>,
    /// Narrow to one member country (`gt`).
    #[param(max_length = 2)]
    pub country: Option<String>,
}

impl DashboardParams {
    pub fn query(&self) -> DashboardQuery {
        DashboardQuery {
            indicator: self.indicator.clone(),
            from: self.period_from.clone(),
            to: self.period_to.clone(),
            country: self.country.clone(),
        }
    }
}

/// The dashboard as data: the caller's own country in full, the others after disclosure
/// control, and the indicators derived from the caller's own and shared intelligence.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardView {
    pub dashboard: DashboardData,
    pub derived: Derived,
}

/// The regional statistics dashboard of one indicator over a range of periods.
#[utoipa::path(get, path = "/dashboard", tag = "statistics", params(DashboardParams),
    responses((status = 200, body = DashboardView)))]
pub(crate) async fn dashboard_get(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(p): ApiQuery<DashboardParams>,
) -> ApiResult {
    let q = p.query();
    let (d, derived) = super::pages::load(&s, &a.ctx, &q)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(DashboardView {
        dashboard: d,
        derived,
    })
    .into_response())
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct ReportParams {
    /// The report's language (default: the caller's).
    #[param(pattern = "^(es|en)$")]
    pub lang: Option<String>,
}

/// The quarterly regional report: `{file}` is `2026-Q1.pdf` (a PDF) or `2026-Q1.html` (the
/// printable page). Other countries' figures after disclosure control; 404 for a quarter that
/// has not begun or a name that is not a quarter.
#[utoipa::path(get, path = "/reports/quarterly/{file}", tag = "statistics",
    params(("file" = String, Path, description = "`2026-Q1.pdf` or `2026-Q1.html`", pattern = "^[0-9]{4}-Q[1-4]\\.(pdf|html)$"), ReportParams),
    responses((status = 200, description = "The report: a PDF for `.pdf`, the printable page for `.html`",
        content((Vec<u8> = "application/pdf"), (String = "text/html"))))
)]
pub(crate) async fn quarterly_report(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(file): Path<String>,
    ApiQuery(p): ApiQuery<ReportParams>,
) -> ApiResult {
    let (period, pdf) = if let Some(p) = file.strip_suffix(".pdf") {
        (p, true)
    } else if let Some(p) = file.strip_suffix(".html") {
        (p, false)
    } else {
        return Err(a.err(AppError::NotFound));
    };
    let period = s.app.report_period(period).map_err(|e| a.err(e))?;
    let lang = p.lang.as_deref().and_then(Lang::parse).unwrap_or(a.lang);
    let t = Tr::new(lang);
    let r = super::report::build(&s, &a.ctx, period, &t)
        .await
        .map_err(|e| a.err(e))?;
    if pdf {
        let bytes = enlace_app::pdf::render(&r.title, t.code(), &r.footer, &r.blocks);
        Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"enlace-{period}-{}.pdf\"", t.code()),
                ),
            ],
            bytes,
        )
            .into_response())
    } else {
        Ok((
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            super::report::html(&r, &t),
        )
            .into_response())
    }
}
