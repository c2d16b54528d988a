use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use enlace_app::workplans::{
    quarter_of, Evidence, EvidenceInput, PlanDoc, PlanSummary, ProgressInput, Tally,
};
use enlace_app::AppError;
use enlace_domain::{Country, Invalid};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "workplans.html")]
pub(crate) struct WorkplansPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    plans: Vec<PlanSummary>,
    can_import: bool,
}

/// An action as the plan page shows it, with the caller's country's report.
pub(crate) struct ActionRow {
    code: String,
    anchor: String,
    text: String,
    notes: String,
    /// (label, text) of the 2003 matrix's columns, where the plan has them.
    extra: Vec<(String, String)>,
    status: String,
    evidence: Evidence,
    /// Files attached to the caller's country's report.
    files: Vec<enlace_app::workplans::EvidenceFile>,
    /// Whether the caller's country has reported (files attach to a report).
    reported: bool,
    updated_at: String,
    updated_by: String,
    /// The region on this action: the share done in words.
    region: String,
    /// (status in words, the countries that reported it), for statuses someone reported.
    by_status: Vec<(String, String)>,
    /// The form as typed, when it came back with errors (shown open).
    form_status: String,
    form_evidence: String,
    form_link: String,
    form_date: String,
    open: bool,
    errors: Vec<ShownError>,
}

pub(crate) struct AxisRow {
    number: u32,
    title: String,
    objective: String,
    objectives: Vec<(u32, String)>,
    commitment: String,
    notes: String,
    actions: Vec<ActionRow>,
}

/// One cell of the roll-up table: the share done in words, and its colour class.
pub(crate) struct Cell {
    /// A country code, or `region`.
    country: String,
    class: &'static str,
    words: String,
    share: String,
}

pub(crate) struct RollupRow {
    /// The axis number, or `all`.
    key: String,
    label: String,
    cells: Vec<Cell>,
    total: Cell,
}

#[derive(Template)]
#[template(path = "workplan.html")]
pub(crate) struct WorkplanPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    id: String,
    title: String,
    objective: String,
    period: String,
    periods: Vec<String>,
    axes: Vec<AxisRow>,
    /// The caller's country, when it reports on this plan.
    my_country: Option<String>,
    countries: Vec<String>,
    rollup: Vec<RollupRow>,
    overall: RollupRow,
    statuses: Vec<String>,
}

pub async fn workplans_page(State(s): State<AppState>, req: Req) -> PageResult {
    let ctx = req.ctx()?;
    let plans = s.app.workplans(&ctx).await.map_err(|e| req.err(e))?;
    Ok(render(&WorkplansPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        plans,
        can_import: enlace_domain::policy::may_load_workplan(&ctx.actor),
    }))
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    document: String,
}

pub async fn workplans_import(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<ImportForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    if !enlace_domain::policy::may_load_workplan(&ctx.actor) {
        return Err(req.err(AppError::Forbidden));
    }
    let doc = PlanDoc::parse(&f.document).map_err(|e| req.err(AppError::Invalid(e)))?;
    let p = s
        .app
        .import_workplan(Some(&ctx), &ctx.origin, &doc)
        .await
        .map_err(|e| req.err(e))?;
    Ok(Redirect::to(&format!("/workplans/{}", p.id)).into_response())
}

#[derive(Deserialize, Default)]
pub struct PeriodParam {
    #[serde(default)]
    period: String,
}

fn cell(t: &Tr, country: &str, tally: &Tally) -> Cell {
    let country = country.to_string();
    match tally.share_done {
        None => Cell {
            country,
            class: "wp-na",
            words: t.t("workplans_rollup_na"),
            share: "—".into(),
        },
        Some(share) => {
            let (class, key) = if tally.done == tally.applicable {
                ("wp-s3", "workplans_rollup_complete")
            } else if share >= 0.5 {
                ("wp-s2", "workplans_rollup_advanced")
            } else if tally.done > 0 || tally.in_progress > 0 {
                ("wp-s1", "workplans_rollup_started")
            } else {
                ("wp-s0", "workplans_rollup_none")
            };
            Cell {
                country,
                class,
                words: format!("{} · {}/{}", t.t(key), tally.done, tally.applicable),
                share: format!("{:.0} %", share * 100.0),
            }
        }
    }
}

/// Periods offered: the quarters of this year and the last, and both years.
fn periods(now_ms: i64) -> Vec<String> {
    let q = quarter_of(now_ms);
    let year: i64 = q.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
    let mut out = vec![];
    for y in [year, year - 1] {
        for n in (1..=4).rev() {
            out.push(format!("{y}-Q{n}"));
        }
        out.push(y.to_string());
    }
    out
}

pub async fn workplan_page(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<PeriodParam>,
) -> PageResult {
    let period = Some(q.period.trim()).filter(|p| !p.is_empty());
    plan_page(&s, &req, &id, period, None).await
}

/// A progress form that did not go through: its action, what was typed, and why.
pub(crate) struct Draft {
    pub(crate) form: ProgressForm,
    pub(crate) errors: Vec<ShownError>,
}

/// The plan page; with a draft, that action's form is open with what was typed and the
/// fields at fault (422).
pub(crate) async fn plan_page(
    s: &AppState,
    req: &Req,
    id: &str,
    period: Option<&str>,
    draft: Option<Draft>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (plan, report) = s
        .app
        .progress(&ctx, id, period)
        .await
        .map_err(|e| req.err(e))?;
    let t = req.tr();
    let l = t.code();
    let my_country = ctx.actor.country;
    let label = |key: &str| t.t(key);
    let axes = plan
        .doc
        .axes
        .iter()
        .map(|a| AxisRow {
            number: a.number,
            title: a.title.get(l).to_string(),
            objective: a
                .objective
                .as_ref()
                .map(|x| x.get(l).to_string())
                .unwrap_or_default(),
            objectives: a
                .objectives
                .iter()
                .map(|o| (o.number, o.text.get(l).to_string()))
                .collect(),
            commitment: a
                .commitment
                .as_ref()
                .map(|x| x.get(l).to_string())
                .unwrap_or_default(),
            notes: a
                .notes
                .as_ref()
                .map(|x| x.get(l).to_string())
                .unwrap_or_default(),
            actions: a
                .actions
                .iter()
                .map(|x| {
                    let code = format!("{}.{}", a.number, x.number);
                    let mine = report
                        .items
                        .iter()
                        .find(|p| Some(p.country) == my_country && p.action == code);
                    let mut extra = vec![];
                    if let Some(c) = &x.code {
                        extra.push((label("workplans_code"), c.clone()));
                    }
                    if let Some(o) = x.objective {
                        extra.push((label("workplans_objective"), o.to_string()));
                    }
                    for (key, v) in [
                        ("workplans_result", &x.result),
                        ("workplans_indicators", &x.indicators),
                        ("workplans_schedule", &x.schedule),
                        ("workplans_responsible", &x.responsible),
                        ("workplans_resources", &x.resources),
                    ] {
                        if let Some(v) = v {
                            extra.push((label(key), v.get(l).to_string()));
                        }
                    }
                    let tally = report
                        .rollup
                        .actions
                        .iter()
                        .find(|r| r.action == code)
                        .map(|r| r.total.clone())
                        .unwrap_or_default();
                    let by_status = ["done", "in_progress", "not_applicable"]
                        .iter()
                        .filter_map(|st| {
                            let names: Vec<String> = report
                                .items
                                .iter()
                                .filter(|p| p.action == code && p.status == *st)
                                .map(|p| p.country.name(l).to_string())
                                .collect();
                            (!names.is_empty())
                                .then(|| (t.t(&format!("workplans_status_{st}")), names.join(", ")))
                        })
                        .collect();
                    let (form_status, form_evidence, form_link, form_date, open, errors) =
                        match draft.as_ref().filter(|d| d.form.action == code) {
                            // An upload that failed: the report's form as stored, its errors.
                            Some(d) if d.form.status.is_empty() => (
                                mine.map(|p| p.status.clone())
                                    .unwrap_or_else(|| "not_started".into()),
                                mine.map(|p| p.evidence.text.clone()).unwrap_or_default(),
                                mine.and_then(|p| p.evidence.link.clone())
                                    .unwrap_or_default(),
                                mine.and_then(|p| p.evidence.date.clone())
                                    .unwrap_or_default(),
                                true,
                                d.errors.clone(),
                            ),
                            Some(d) => (
                                d.form.status.clone(),
                                d.form.evidence.clone(),
                                d.form.link.clone(),
                                d.form.date.clone(),
                                true,
                                d.errors.clone(),
                            ),
                            None => (
                                mine.map(|p| p.status.clone())
                                    .unwrap_or_else(|| "not_started".into()),
                                mine.map(|p| p.evidence.text.clone()).unwrap_or_default(),
                                mine.and_then(|p| p.evidence.link.clone())
                                    .unwrap_or_default(),
                                mine.and_then(|p| p.evidence.date.clone())
                                    .unwrap_or_default(),
                                false,
                                vec![],
                            ),
                        };
                    ActionRow {
                        form_status,
                        form_evidence,
                        form_link,
                        form_date,
                        open,
                        errors,
                        region: t.t1(
                            "workplans_region_done",
                            "n",
                            &format!("{}/{}", tally.done, tally.applicable),
                        ),
                        by_status,
                        anchor: format!("action-{}-{}", a.number, x.number),
                        text: x.text.get(l).to_string(),
                        notes: x
                            .notes
                            .as_ref()
                            .map(|n| n.get(l).to_string())
                            .unwrap_or_default(),
                        extra,
                        status: mine
                            .map(|p| p.status.clone())
                            .unwrap_or_else(|| "not_started".into()),
                        evidence: mine.map(|p| p.evidence.clone()).unwrap_or_default(),
                        files: mine.map(|p| p.files.clone()).unwrap_or_default(),
                        reported: mine.is_some(),
                        updated_at: mine.map(|p| p.updated_at.clone()).unwrap_or_default(),
                        updated_by: mine.map(|p| p.updated_by.clone()).unwrap_or_default(),
                        code,
                    }
                })
                .collect(),
        })
        .collect();
    let countries: Vec<Country> = Country::all().collect();
    let rollup = report
        .rollup
        .axes
        .iter()
        .map(|a| RollupRow {
            key: a.axis.to_string(),
            label: format!("{} {} · {}", t.t("workplans_axis"), a.axis, a.title.get(l)),
            cells: countries
                .iter()
                .map(|c| {
                    cell(
                        &t,
                        c.code(),
                        a.countries.get(c.code()).unwrap_or(&Tally::default()),
                    )
                })
                .collect(),
            total: cell(&t, "region", &a.total),
        })
        .collect();
    let overall = RollupRow {
        key: "all".into(),
        label: t.t("workplans_rollup_all"),
        cells: countries
            .iter()
            .map(|c| {
                cell(
                    &t,
                    c.code(),
                    report
                        .rollup
                        .countries
                        .get(c.code())
                        .unwrap_or(&Tally::default()),
                )
            })
            .collect(),
        total: cell(&t, "region", &report.rollup.total),
    };
    let mut ps = periods(s.app.now_ms());
    if !ps.contains(&report.period) {
        ps.insert(0, report.period.clone());
    }
    let status = if draft.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok(with_status(
        status,
        render(&WorkplanPage {
            user: req.page_user(),
            path: req.path.clone(),
            id: plan.id.clone(),
            title: plan.doc.title.get(l).to_string(),
            objective: plan
                .doc
                .objective
                .as_ref()
                .map(|x| x.get(l).to_string())
                .unwrap_or_default(),
            period: report.period.clone(),
            periods: ps,
            axes,
            my_country: my_country
                .filter(|c| enlace_domain::policy::may_report_progress(&ctx.actor, *c))
                .map(|c| c.code().to_string()),
            countries: countries.iter().map(|c| c.code().to_string()).collect(),
            rollup,
            overall,
            statuses: enlace_app::workplans::STATUSES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            t,
        }),
    ))
}

#[derive(Deserialize, Clone)]
pub struct ProgressForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    date: String,
}

impl ProgressForm {
    /// The draft an upload's errors come back in: no status typed, the stored one is shown.
    pub(crate) fn for_upload(action: &str, period: &str) -> ProgressForm {
        ProgressForm {
            action: action.to_string(),
            period: period.to_string(),
            status: String::new(),
            evidence: String::new(),
            link: String::new(),
            date: String::new(),
        }
    }
}

pub async fn progress_form(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, f): CsrfForm<ProgressForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let country = ctx
        .actor
        .country
        .ok_or_else(|| req.err(AppError::Forbidden))?;
    let input = ProgressInput {
        status: f.status.clone(),
        evidence: Some(EvidenceInput::Detail(Evidence {
            text: f.evidence.clone(),
            link: Some(f.link.clone()).filter(|l| !l.trim().is_empty()),
            date: Some(f.date.clone()).filter(|d| !d.trim().is_empty()),
        })),
    };
    if f.action.is_empty() {
        return Err(req.err(AppError::Invalid(Invalid::one("action", "required"))));
    }
    let p = match s
        .app
        .put_progress(&ctx, &id, country.code(), &f.action, &f.period, &input)
        .await
    {
        Ok(p) => p,
        // The form comes back open, as typed, with the fields at fault.
        Err(AppError::Invalid(inv)) if enlace_app::workplans::valid_period(&f.period) => {
            let errors = shown(req.tr(), &inv.0);
            let period = f.period.clone();
            return plan_page(
                &s,
                &req,
                &id,
                Some(&period),
                Some(Draft { form: f, errors }),
            )
            .await;
        }
        Err(e) => return Err(req.err(e)),
    };
    Ok(Redirect::to(&format!(
        "/workplans/{id}?period={}#action-{}-{}",
        url_encode(&p.period),
        p.axis,
        p.number
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "workplan_history.html")]
pub(crate) struct HistoryPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    id: String,
    title: String,
    country: String,
    code: String,
    action: String,
    period: String,
    revisions: Vec<enlace_app::workplans::ProgressRevision>,
}

#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    period: String,
}

/// Every change of one country's report on one action in one period.
pub async fn history_page(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let revisions = s
        .app
        .progress_history(&ctx, &id, &q.country, &q.action, &q.period)
        .await
        .map_err(|e| req.err(e))?;
    let plan = s.app.workplan(&ctx, &id).await.map_err(|e| req.err(e))?;
    let t = req.tr();
    let l = t.code();
    let action = plan
        .doc
        .action(&q.action)
        .map(|(_, x)| x.text.get(l).to_string())
        .unwrap_or_default();
    Ok(render(&HistoryPage {
        user: req.page_user(),
        path: req.path.clone(),
        id: plan.id.clone(),
        title: plan.doc.title.get(l).to_string(),
        country: Country::parse(&q.country)
            .map(|c| c.code().to_string())
            .unwrap_or_default(),
        code: q.action.clone(),
        action,
        period: q.period.clone(),
        revisions,
        t,
    }))
}
