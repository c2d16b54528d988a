//! Public regional statistics on the portal: every country's figures after disclosure
//! control (nobody's in full), no session read, no cookie, nothing loaded from outside.
use super::api::DashboardParams;
use super::view;
use crate::page::{render, shown, ShownError};
use crate::portal::public::{failed, lang_of, missing, public, Frame};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use enlace_app::dashboard::DashboardQuery;
use enlace_app::AppError;

#[derive(Template)]
#[template(path = "portal_statistics.html")]
struct StatisticsPage {
    f: Frame,
    q: DashboardParams,
    indicators: Vec<(String, String)>,
    errors: Vec<ShownError>,
    indicator_name: String,
    trend_svg: String,
    nationality_svg: Option<String>,
    map_svg: String,
    totals: String,
    breakdown: String,
    has_figures: bool,
}

pub async fn portal_statistics(
    State(s): State<AppState>,
    Path(lang): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(lang) = lang_of(&lang) else {
        return missing(crate::i18n::Lang::Es);
    };
    // A malformed query string is treated as no filter at all.
    let q: DashboardParams = raw
        .as_deref()
        .and_then(|r| serde_urlencoded::from_str(r).ok())
        .unwrap_or_default();
    let f = Frame::new(lang, "/statistics");
    let indicators = match s.app.dashboard_indicators().await {
        Ok(mut i) => {
            i.retain(|x| x.public);
            i
        }
        Err(_) => return failed(lang),
    };
    let (resolved, errors) = match s.app.resolve_query(&indicators, &q.query()) {
        Ok(r) => (r, vec![]),
        Err(AppError::Invalid(inv)) => {
            match s.app.resolve_query(&indicators, &DashboardQuery::default()) {
                Ok(r) => (r, shown(f.t, &inv.0)),
                Err(_) => return failed(lang),
            }
        }
        Err(AppError::NotFound) => return missing(lang),
        Err(_) => return failed(lang),
    };
    let (indicator, periods, country) = resolved;
    let d = match s
        .app
        .dashboard_for(None, indicators, indicator, periods, country, false)
        .await
    {
        Ok(d) => d,
        Err(_) => return failed(lang),
    };
    let p = view::present(&d, &f.t);
    public(render(&StatisticsPage {
        indicators: d
            .indicators
            .iter()
            .map(|i| (i.code.clone(), view::indicator_name(&f.t, i)))
            .collect(),
        errors,
        indicator_name: view::indicator_name(&f.t, &d.indicator),
        trend_svg: p.trend.to_svg("trend"),
        nationality_svg: p.nationality.as_ref().map(|c| c.to_svg("nationality")),
        map_svg: p.map.to_svg("map"),
        totals: view::table_html(&p.totals, "totals"),
        breakdown: view::table_html(&p.breakdown, "breakdown"),
        has_figures: !d.figures.is_empty(),
        q,
        f,
    }))
}
