use super::api::DashboardParams;
use super::view::{self, Presented};
use crate::extract::Req;
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use enlace_app::dashboard::{DashboardData, DashboardQuery, Derived, Period, PeriodKind};
use enlace_app::{AppError, AppResult, Ctx};

/// The dashboard's data and the derived indicators for a signed-in caller.
pub(crate) async fn load(
    s: &AppState,
    ctx: &Ctx,
    q: &DashboardQuery,
) -> AppResult<(DashboardData, Derived)> {
    let d = s.app.dashboard(ctx, q).await?;
    let periods: Vec<Period> = d.periods.iter().filter_map(|p| Period::parse(p)).collect();
    let derived = s.app.derived_indicators(ctx, &periods).await?;
    Ok((d, derived))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub(crate) struct DashboardPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    f: DashboardParams,
    indicators: Vec<(String, String)>,
    countries: Vec<(String, String)>,
    errors: Vec<ShownError>,
    indicator_name: String,
    trend_svg: String,
    nationality_svg: Option<String>,
    map_svg: String,
    totals: String,
    breakdown: String,
    overview: String,
    derived: Vec<String>,
    has_figures: bool,
    /// The quarter of the report links (the range's last quarter).
    report_quarter: String,
}

fn page(
    req: &Req,
    f: DashboardParams,
    d: &DashboardData,
    derived: &Derived,
    errors: Vec<ShownError>,
) -> DashboardPage {
    let t = req.tr();
    let p: Presented = view::present(d, &t);
    let report_quarter = d
        .periods
        .last()
        .and_then(|p| Period::parse(p))
        .and_then(|p| Period::of_date(&p.days().0, PeriodKind::Quarter))
        .map(|p| p.to_string())
        .unwrap_or_default();
    DashboardPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        indicators: d
            .indicators
            .iter()
            .map(|i| (i.code.clone(), view::indicator_name(&t, i)))
            .collect(),
        countries: enlace_domain::Country::all()
            .map(|c| (c.code().to_string(), t.country(c.code())))
            .collect(),
        errors,
        indicator_name: view::indicator_name(&t, &d.indicator),
        trend_svg: p.trend.to_svg("trend"),
        nationality_svg: p.nationality.as_ref().map(|c| c.to_svg("nationality")),
        map_svg: p.map.to_svg("map"),
        totals: view::table_html(&p.totals, "totals"),
        breakdown: view::table_html(&p.breakdown, "breakdown"),
        overview: view::table_html(&p.overview, "overview"),
        derived: view::present_derived(derived, &t)
            .iter()
            .enumerate()
            .map(|(i, tb)| view::table_html(tb, &format!("derived-{i}")))
            .collect(),
        has_figures: !d.figures.is_empty(),
        report_quarter,
        f,
    }
}

pub async fn dashboard_page(
    State(s): State<AppState>,
    req: Req,
    Query(f): Query<DashboardParams>,
) -> PageResult {
    let ctx = req.ctx()?;
    match load(&s, &ctx, &f.query()).await {
        Ok((d, derived)) => Ok(render(&page(&req, f, &d, &derived, vec![]))),
        // Bad filters: the default view, with the errors beside the form.
        Err(AppError::Invalid(inv)) => {
            let (d, derived) = load(&s, &ctx, &DashboardQuery::default())
                .await
                .map_err(|e| req.err(e))?;
            let errors = shown(req.tr(), &inv.0);
            Ok(with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&page(&req, f, &d, &derived, errors)),
            ))
        }
        Err(e) => Err(req.err(e)),
    }
}
