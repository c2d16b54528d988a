//! The statistics pages: the figures of an indicator and period (the caller's own country
//! in full, the others after disclosure control), the submission form, closing a period,
//! the revisions of a figure, the catalogue and the spreadsheet import. Every read and write
//! goes through the same use cases as the API (authorized and audited there).
use super::api::sum_message;
use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use enlace_app::statistics::{
    self as st, import::Format, Bilingual, CellInput, FiguresInput, Indicator, IndicatorInput,
    TableView,
};
use enlace_app::AppError;
use enlace_domain::policy::{may_edit_indicators, may_submit_statistics};
use enlace_domain::{nations, Country, FieldError, Invalid};
use serde::Deserialize;

/// Rows of the submission grid read back from a form at most (the API's cell limit).
const GRID_MAX: usize = st::MAX_CELLS;
/// Empty rows offered below the figures already entered.
const GRID_SPARE: usize = 4;
/// A breakdown with at most this many combinations (none by nationality) is offered whole.
const GRID_FULL: usize = 40;
/// Empty rows the "more rows" button adds.
const GRID_MORE: usize = 20;

fn get(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn enc(s: &str) -> String {
    url_encode(s)
}

/// An indicator's name in the reader's language.
fn name_of(t: Tr, i: &Indicator) -> String {
    i.name.get(t.code()).to_string()
}

/// The period a figure would be entered for today: this quarter or this month (UTC).
fn current_period(kind: &str, now: i64) -> String {
    let today = enlace_domain::clock::format_utc(now);
    let y = today.get(..4).unwrap_or("2026");
    let m = today
        .get(5..7)
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(1);
    if kind == "quarter" {
        format!("{y}-Q{}", m.div_ceil(3))
    } else {
        format!("{y}-{m:02}")
    }
}

/// Field errors in words ("Celdas del desglose: las celdas suman 39 y el total es 40").
fn messages(t: Tr, errs: &[FieldError], sum: Option<(i64, i64)>) -> Vec<ShownError> {
    errs.iter()
        .map(|e| {
            let what = match (e.code, sum) {
                ("stats_cells_sum", Some((s, total))) => sum_message(t, s, total),
                _ => crate::error::message(t, e.code),
            };
            let key = format!("statistics_field_{}", e.field);
            let field = if t.has(&key) {
                t.t(&key)
            } else {
                t.field_name(e.field)
            };
            ShownError {
                field: e.field.to_string(),
                message: format!("{field}: {what}"),
            }
        })
        .collect()
}

fn status_of(errors: &[ShownError]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// An indicator chosen by code, else the first that countries submit.
async fn chosen(
    s: &AppState,
    req: &Req,
    code: &str,
) -> Result<(Indicator, Vec<Indicator>), crate::error::PageError> {
    let all = s.app.indicators().await.map_err(|e| req.err(e))?;
    let ind = all
        .iter()
        .find(|i| i.code == code)
        .or_else(|| all.iter().find(|i| i.kind == "submitted"))
        .or_else(|| all.first())
        .cloned()
        .ok_or_else(|| req.err(AppError::NotFound))?;
    if !code.is_empty() && ind.code != code {
        return Err(req.err(AppError::NotFound));
    }
    Ok((ind, all))
}

/// The names of the indicator's dimensions, in order.
fn dim_names(t: Tr, ind: &Indicator) -> Vec<String> {
    ind.dimensions
        .iter()
        .map(|d| st::dimension_label(d, t.code()))
        .collect()
}

/// One cell as the page shows it.
pub(crate) struct CellLine {
    pub labels: Vec<String>,
    pub value: String,
    pub suppressed: bool,
    /// The owner's cell that others see as suppressed.
    pub hidden_from_others: bool,
}

/// One country's figures for the period.
pub(crate) struct CountryTable {
    pub code: String,
    pub name: String,
    pub own: bool,
    pub revision: i64,
    pub total: String,
    pub total_suppressed: bool,
    pub closed: bool,
    pub updated_at: i64,
    pub cells: Vec<CellLine>,
    /// Some of the owner's cells are suppressed for the others.
    pub any_hidden: bool,
}

fn country_table(t: Tr, ind: &Indicator, v: &TableView) -> CountryTable {
    let suppressed = t.t("statistics_suppressed");
    CountryTable {
        code: v.country.code().to_string(),
        name: v.country.name(t.code()).to_string(),
        own: v.own,
        revision: v.revision,
        total: v
            .total
            .map(|x| x.to_string())
            .unwrap_or_else(|| suppressed.clone()),
        total_suppressed: v.total_suppressed,
        closed: v.closed,
        updated_at: v.updated_at,
        any_hidden: v.cells.iter().any(|c| c.hidden_from_others),
        cells: v
            .cells
            .iter()
            .map(|c| CellLine {
                labels: ind
                    .dimensions
                    .iter()
                    .zip(c.key.iter())
                    .map(|(d, k)| st::value_label(d, k, t.code()))
                    .collect(),
                value: c
                    .value
                    .map(|x| x.to_string())
                    .unwrap_or_else(|| suppressed.clone()),
                suppressed: c.suppressed,
                hidden_from_others: c.hidden_from_others,
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "statistics.html")]
pub(crate) struct FiguresPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    indicators: Vec<(String, String)>,
    indicator: String,
    name: String,
    definition: String,
    unit: String,
    k: u32,
    derived: bool,
    periods: Vec<(String, String)>,
    period: String,
    period_words: String,
    dims: Vec<String>,
    tables: Vec<CountryTable>,
    /// The reader's own country (code) when it may submit figures.
    own: Option<String>,
    own_name: String,
}

#[derive(Deserialize, Default)]
pub struct FiguresQuery {
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    period: String,
}

pub async fn figures_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<FiguresQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let (ind, all) = chosen(&s, &req, q.indicator.trim()).await?;
    let known = s
        .app
        .statistics_periods(&ind.code)
        .await
        .map_err(|e| req.err(e))?;
    let period = match q.period.trim() {
        "" => known
            .first()
            .cloned()
            .unwrap_or_else(|| current_period(&ind.period, s.app.now_ms())),
        p if st::valid_period(&ind.period, p) => p.to_string(),
        _ => {
            return Err(req.err(AppError::Invalid(Invalid::one(
                "period",
                "stats_bad_period",
            ))))
        }
    };
    let v = s
        .app
        .statistics_view(&ctx, &ind.code, std::slice::from_ref(&period), &[])
        .await
        .map_err(|e| req.err(e))?;
    let mut tables: Vec<CountryTable> =
        v.tables.iter().map(|x| country_table(t, &ind, x)).collect();
    // The reader's own country first, then the others in the order of their names.
    tables.sort_by(|a, b| b.own.cmp(&a.own).then_with(|| a.name.cmp(&b.name)));
    let own = ctx
        .actor
        .country
        .filter(|c| may_submit_statistics(&ctx.actor, *c) && ind.kind == "submitted");
    let mut periods: Vec<(String, String)> = known
        .iter()
        .map(|p| (p.clone(), st::period_label(p, t.code())))
        .collect();
    if !periods.iter().any(|(p, _)| *p == period) {
        periods.insert(0, (period.clone(), st::period_label(&period, t.code())));
    }
    Ok(render(&FiguresPage {
        indicators: all
            .iter()
            .map(|i| (i.code.clone(), name_of(t, i)))
            .collect(),
        indicator: ind.code.clone(),
        name: name_of(t, &ind),
        definition: ind.definition.get(t.code()).to_string(),
        unit: ind.unit.get(t.code()).to_string(),
        k: ind.k,
        derived: ind.kind == "derived",
        period_words: st::period_label(&period, t.code()),
        periods,
        period,
        dims: dim_names(t, &ind),
        own: own.map(|c| c.code().to_string()),
        own_name: own
            .map(|c| c.name(t.code()).to_string())
            .unwrap_or_default(),
        tables,
        t,
        user: req.page_user(),
        path: req.path.clone(),
    }))
}

/// One row of the submission grid as typed: a value per dimension and the count.
#[derive(Debug, Clone, Default)]
pub(crate) struct GridRow {
    pub values: Vec<String>,
    pub value: String,
}

impl GridRow {
    /// The value typed or chosen for dimension `j`.
    pub fn at(&self, j: &usize) -> &str {
        self.values.get(*j).map(String::as_str).unwrap_or("")
    }
    /// Whether dimension `j` holds `code` (the option to select).
    pub fn is(&self, j: &usize, code: &str) -> bool {
        self.at(j) == code
    }
}

/// A dimension of the grid: a list to choose from, or (nationality) a text with suggestions.
pub(crate) struct GridDim {
    pub name: String,
    /// Empty for nationality (typed, with the names as suggestions).
    pub options: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "statistics_submit.html")]
pub(crate) struct SubmitPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    indicator: String,
    name: String,
    unit: String,
    country: String,
    country_name: String,
    period: String,
    period_words: String,
    period_kind: String,
    dims: Vec<GridDim>,
    has_nationality: bool,
    nations: Vec<String>,
    total: String,
    rows: Vec<GridRow>,
    reason: String,
    closed: bool,
    revision: i64,
    errors: Vec<ShownError>,
}

#[derive(Deserialize, Default)]
pub struct SubmitQuery {
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    period: String,
}

fn grid_dims(t: Tr, ind: &Indicator) -> Vec<GridDim> {
    let all = st::dimensions();
    ind.dimensions
        .iter()
        .map(|d| GridDim {
            name: st::dimension_label(d, t.code()),
            options: if d == "nationality" {
                vec![]
            } else {
                all.get(d)
                    .map(|x| {
                        x.values
                            .iter()
                            .map(|(c, _, _)| (c.clone(), x.label(c, t.code())))
                            .collect()
                    })
                    .unwrap_or_default()
            },
        })
        .collect()
}

/// The nationality as shown in the grid: the country's name in the reader's language.
fn nationality_words(t: Tr, code: &str) -> String {
    st::value_label("nationality", code, t.code())
}

/// The nationality a user typed: a code, a name in either language, or "unknown".
fn nationality_code(s: &str) -> String {
    let v = s.trim();
    if v.len() == 2 {
        if let Some(c) = nations::parse(v) {
            return c.to_string();
        }
    }
    let f = enlace_domain::text::fold(v);
    if let Some(d) = st::dimensions().get("nationality") {
        if let Some((c, _, _)) = d.values.iter().find(|(c, es, en)| {
            *c == f || enlace_domain::text::fold(es) == f || enlace_domain::text::fold(en) == f
        }) {
            return c.clone();
        }
    }
    v.to_string()
}

/// Every combination of the dimensions when there are few (no nationality), else none.
fn full_grid(dims: &[GridDim]) -> Vec<GridRow> {
    if dims.is_empty() || dims.iter().any(|d| d.options.is_empty()) {
        return vec![];
    }
    let n: usize = dims.iter().map(|d| d.options.len()).product();
    if n > GRID_FULL {
        return vec![];
    }
    let mut rows = vec![GridRow::default()];
    for d in dims {
        rows = rows
            .into_iter()
            .flat_map(|r| {
                d.options.iter().map(move |(c, _)| {
                    let mut r = r.clone();
                    r.values.push(c.clone());
                    r
                })
            })
            .collect();
    }
    rows
}

/// What the submit form shows beyond its indicator, country and period: the figures as
/// typed (or stored), the period's state, the errors and how many extra empty rows to add.
#[derive(Default)]
struct SubmitForm {
    total: String,
    rows: Vec<GridRow>,
    reason: String,
    closed: bool,
    revision: i64,
    errors: Vec<ShownError>,
    status: StatusCode,
    extra: usize,
}

fn submit_page(
    req: &Req,
    ind: &Indicator,
    country: Country,
    period: &str,
    form: SubmitForm,
) -> Response {
    let SubmitForm {
        total,
        mut rows,
        reason,
        closed,
        revision,
        errors,
        status,
        extra,
    } = form;
    let t = req.tr();
    let dims = grid_dims(t, ind);
    if !dims.is_empty() {
        if rows.is_empty() {
            rows = full_grid(&dims);
        }
        let have: Vec<Vec<String>> = rows.iter().map(|r| r.values.clone()).collect();
        // The whole breakdown stays on offer next to what was typed.
        for r in full_grid(&dims) {
            if !have.contains(&r.values) {
                rows.push(r);
            }
        }
        let spare = GridRow {
            values: dims
                .iter()
                .map(|d| d.options.first().map(|o| o.0.clone()).unwrap_or_default())
                .collect(),
            value: String::new(),
        };
        // A few empty rows always; more while the grid is short (nationalities are typed).
        let spare_rows = GRID_SPARE.max(16usize.saturating_sub(rows.len())) + extra;
        for _ in 0..spare_rows {
            rows.push(spare.clone());
        }
        rows.truncate(GRID_MAX);
    }
    let has_nationality = ind.dimensions.iter().any(|d| d == "nationality");
    with_status(
        status,
        render(&SubmitPage {
            indicator: ind.code.clone(),
            name: name_of(t, ind),
            unit: ind.unit.get(t.code()).to_string(),
            country: country.code().to_string(),
            country_name: country.name(t.code()).to_string(),
            period: period.to_string(),
            period_words: st::period_label(period, t.code()),
            period_kind: ind.period.clone(),
            dims,
            has_nationality,
            nations: if has_nationality {
                nations::all()
                    .iter()
                    .map(|(_, es, en)| if t.code() == "en" { en } else { es }.to_string())
                    .collect()
            } else {
                vec![]
            },
            total,
            rows,
            reason,
            closed,
            revision,
            errors,
            t,
            user: req.page_user(),
            path: req.path.clone(),
        }),
    )
}

/// The reader's own country, when it submits figures (403 otherwise).
fn own_country(req: &Req, ctx: &enlace_app::Ctx) -> Result<Country, crate::error::PageError> {
    ctx.actor
        .country
        .filter(|c| may_submit_statistics(&ctx.actor, *c))
        .ok_or_else(|| req.err(AppError::Forbidden))
}

/// Whether the own country's figures of a period are closed, and their revision (a form
/// sent back shows the period's state as it is now).
async fn period_state(
    s: &AppState,
    ctx: &enlace_app::Ctx,
    ind: &Indicator,
    country: Country,
    period: &str,
) -> Result<(bool, i64), AppError> {
    if !st::valid_period(&ind.period, period) {
        return Ok((false, 0));
    }
    Ok(own_figures(s, ctx, &ind.code, country, period)
        .await?
        .map(|v| (v.closed, v.revision))
        .unwrap_or((false, 0)))
}

/// The own country's current figures for one period (read through the audited view).
async fn own_figures(
    s: &AppState,
    ctx: &enlace_app::Ctx,
    ind: &str,
    country: Country,
    period: &str,
) -> Result<Option<TableView>, AppError> {
    let v = s
        .app
        .statistics_view(ctx, ind, &[period.to_string()], &[country])
        .await?;
    Ok(v.tables.into_iter().find(|x| x.country == country))
}

pub async fn submit_form(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<SubmitQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let country = own_country(&req, &ctx)?;
    let (ind, _) = chosen(&s, &req, q.indicator.trim()).await?;
    if ind.kind != "submitted" {
        return Err(req.err(AppError::Invalid(Invalid::one(
            "indicator",
            "stats_derived",
        ))));
    }
    let period = match q.period.trim() {
        "" => current_period(&ind.period, s.app.now_ms()),
        p if st::valid_period(&ind.period, p) => p.to_string(),
        _ => {
            return Err(req.err(AppError::Invalid(Invalid::one(
                "period",
                "stats_bad_period",
            ))))
        }
    };
    let cur = own_figures(&s, &ctx, &ind.code, country, &period)
        .await
        .map_err(|e| req.err(e))?;
    let form = match &cur {
        Some(v) => SubmitForm {
            total: v.total.map(|x| x.to_string()).unwrap_or_default(),
            rows: v
                .cells
                .iter()
                .map(|c| GridRow {
                    values: ind
                        .dimensions
                        .iter()
                        .zip(c.key.iter())
                        .map(|(d, k)| {
                            if d == "nationality" {
                                nationality_words(t, k)
                            } else {
                                k.clone()
                            }
                        })
                        .collect(),
                    value: c.value.map(|x| x.to_string()).unwrap_or_default(),
                })
                .collect(),
            closed: v.closed,
            revision: v.revision,
            ..SubmitForm::default()
        },
        None => SubmitForm::default(),
    };
    Ok(submit_page(&req, &ind, country, &period, form))
}

pub async fn submit_post(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let indicator = get(&pairs, "indicator");
    let ind = s.app.indicator(&indicator).await.map_err(|e| req.err(e))?;
    // The country is the form's: another country's user is refused by the use case (403).
    let country = st_country(&get(&pairs, "country")).map_err(|e| req.err(e))?;
    let period = get(&pairs, "period").trim().to_string();
    let total_typed = get(&pairs, "total");
    let reason = get(&pairs, "reason");
    // The grid's rows, by the index in their names (`value_3`, `d0_3`, `d1_3`).
    let mut idx: Vec<usize> = pairs
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("value_")?.parse::<usize>().ok())
        .filter(|i| *i < GRID_MAX)
        .collect();
    idx.sort_unstable();
    idx.dedup();
    let rows: Vec<GridRow> = idx
        .iter()
        .map(|i| GridRow {
            values: (0..ind.dimensions.len())
                .map(|j| get(&pairs, &format!("d{j}_{i}")))
                .collect(),
            value: get(&pairs, &format!("value_{i}")),
        })
        .collect();
    let mut errs = Invalid::default();
    let total = match total_typed.trim() {
        "" => {
            errs.push("total", "required");
            0
        }
        v => v.parse::<i64>().unwrap_or_else(|_| {
            errs.push("total", "stats_import_not_a_count");
            0
        }),
    };
    let mut cells = vec![];
    for r in &rows {
        let v = r.value.trim();
        // A row without a count is not a cell (the grid offers spare rows).
        if v.is_empty() {
            continue;
        }
        let value = v.parse::<i64>().unwrap_or_else(|_| {
            errs.push("cells", "stats_import_not_a_count");
            0
        });
        let values = ind
            .dimensions
            .iter()
            .zip(r.values.iter())
            .map(|(d, x)| {
                let code = if d == "nationality" {
                    nationality_code(x)
                } else {
                    x.trim().to_string()
                };
                (d.clone(), code)
            })
            .collect();
        cells.push(CellInput { values, value });
    }
    errs.0.dedup();
    // "More rows": the form back as typed with empty rows added; nothing is sent.
    if get(&pairs, "action") == "more" {
        let (closed, revision) = period_state(&s, &ctx, &ind, country, &period)
            .await
            .map_err(|e| req.err(e))?;
        let kept: Vec<GridRow> = rows
            .into_iter()
            .filter(|r| !r.value.trim().is_empty())
            .collect();
        let form = SubmitForm {
            total: total_typed,
            rows: kept,
            reason,
            closed,
            revision,
            extra: GRID_MORE,
            ..SubmitForm::default()
        };
        return Ok(submit_page(&req, &ind, country, &period, form));
    }
    let input = FiguresInput {
        total,
        cells,
        reason: Some(reason.clone()).filter(|r| !r.trim().is_empty()),
    };
    let result = if errs.0.is_empty() {
        s.app
            .submit_statistics(&ctx, country, &ind.code, &period, &input)
            .await
    } else {
        Err(AppError::Invalid(errs))
    };
    let (errors, status) = match result {
        Ok(_) => {
            return Ok(Redirect::to(&format!(
                "/statistics?indicator={}&period={}&done=statistics_saved",
                enc(&ind.code),
                enc(&period)
            ))
            .into_response())
        }
        Err(AppError::Invalid(inv)) => (
            messages(t, &inv.0, Some((input.cells_sum(), input.total))),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(AppError::Conflict("stats_closed")) => (
            vec![ShownError {
                field: "reason".into(),
                message: t.t("stats_closed"),
            }],
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(req.err(e)),
    };
    // The form comes back as typed; the period's state is read again for the notice.
    let (closed, revision) = period_state(&s, &ctx, &ind, country, &period)
        .await
        .map_err(|e| req.err(e))?;
    let form = SubmitForm {
        total: total_typed,
        rows,
        reason,
        closed,
        revision,
        errors,
        status,
        extra: 0,
    };
    Ok(submit_page(&req, &ind, country, &period, form))
}

/// A member country from a form or link; anything else does not exist.
fn st_country(c: &str) -> Result<Country, AppError> {
    super::api::path_country(c.trim())
}

#[derive(Deserialize, Default)]
pub struct TableQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    cursor: Option<i64>,
}

#[derive(Template)]
#[template(path = "statistics_close.html")]
pub(crate) struct ClosePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    indicator: String,
    name: String,
    country: String,
    country_name: String,
    period: String,
    period_words: String,
    total: String,
    closed: bool,
    errors: Vec<ShownError>,
}

async fn close_render(
    s: &AppState,
    req: &Req,
    q: &TableQuery,
    errors: Vec<ShownError>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let country = st_country(&q.country).map_err(|e| req.err(e))?;
    if !may_submit_statistics(&ctx.actor, country) {
        return Err(req.err(AppError::Forbidden));
    }
    let ind = s
        .app
        .indicator(&q.indicator)
        .await
        .map_err(|e| req.err(e))?;
    let cur = own_figures(s, &ctx, &ind.code, country, &q.period)
        .await
        .map_err(|e| req.err(e))?
        .ok_or_else(|| req.err(AppError::NotFound))?;
    let status = status_of(&errors);
    Ok(with_status(
        status,
        render(&ClosePage {
            indicator: ind.code.clone(),
            name: name_of(t, &ind),
            country: country.code().to_string(),
            country_name: country.name(t.code()).to_string(),
            period: q.period.clone(),
            period_words: st::period_label(&q.period, t.code()),
            total: cur.total.map(|x| x.to_string()).unwrap_or_default(),
            closed: cur.closed,
            errors,
            t,
            user: req.page_user(),
            path: req.path.clone(),
        }),
    ))
}

pub async fn close_form(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<TableQuery>,
) -> PageResult {
    close_render(&s, &req, &q, vec![]).await
}

pub async fn close_post(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let q = TableQuery {
        country: get(&pairs, "country"),
        indicator: get(&pairs, "indicator"),
        period: get(&pairs, "period"),
        cursor: None,
    };
    let country = st_country(&q.country).map_err(|e| req.err(e))?;
    if get(&pairs, "confirm").is_empty() {
        let errors = messages(
            req.tr(),
            &Invalid::one("confirm", "statistics_confirm_required").0,
            None,
        );
        return close_render(&s, &req, &q, errors).await;
    }
    s.app
        .close_statistics(&ctx, country, &q.indicator, &q.period)
        .await
        .map_err(|e| req.err(e))?;
    Ok(Redirect::to(&format!(
        "/statistics?indicator={}&period={}&done=statistics_closed",
        enc(&q.indicator),
        enc(&q.period)
    ))
    .into_response())
}

pub(crate) struct RevisionLine {
    pub revision: i64,
    pub at: i64,
    pub by: String,
    pub total: String,
    pub reason: String,
    pub cells: Vec<CellLine>,
}

#[derive(Template)]
#[template(path = "statistics_revisions.html")]
pub(crate) struct RevisionsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    indicator: String,
    name: String,
    country_name: String,
    period: String,
    period_words: String,
    dims: Vec<String>,
    revisions: Vec<RevisionLine>,
    next: Option<String>,
}

pub async fn revisions_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<TableQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let country = st_country(&q.country).map_err(|e| req.err(e))?;
    let ind = s
        .app
        .indicator(&q.indicator)
        .await
        .map_err(|e| req.err(e))?;
    let (items, next) = s
        .app
        .statistics_revisions(&ctx, country, &ind.code, &q.period, q.cursor)
        .await
        .map_err(|e| req.err(e))?;
    let revisions = items
        .into_iter()
        .map(|r| RevisionLine {
            revision: r.revision,
            at: r.at,
            by: r.by,
            total: r.total.to_string(),
            reason: r.reason.unwrap_or_default(),
            cells: r
                .cells
                .iter()
                .map(|c| CellLine {
                    labels: ind
                        .dimensions
                        .iter()
                        .zip(c.key.iter())
                        .map(|(d, k)| st::value_label(d, k, t.code()))
                        .collect(),
                    value: c.value.to_string(),
                    suppressed: false,
                    hidden_from_others: false,
                })
                .collect(),
        })
        .collect();
    Ok(render(&RevisionsPage {
        indicator: ind.code.clone(),
        name: name_of(t, &ind),
        country_name: country.name(t.code()).to_string(),
        period_words: st::period_label(&q.period, t.code()),
        next: next.map(|n| {
            format!(
                "/statistics/revisions?country={}&indicator={}&period={}&cursor={n}",
                country.code(),
                enc(&ind.code),
                enc(&q.period)
            )
        }),
        period: q.period.clone(),
        dims: dim_names(t, &ind),
        revisions,
        t,
        user: req.page_user(),
        path: req.path.clone(),
    }))
}

pub(crate) struct IndicatorLine {
    pub code: String,
    pub name: String,
    pub definition: String,
    pub unit: String,
    pub period: String,
    pub dims: String,
    pub k: u32,
    pub kind: String,
    pub public: bool,
}

#[derive(Template)]
#[template(path = "statistics_indicators.html")]
pub(crate) struct IndicatorsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    items: Vec<IndicatorLine>,
    can_edit: bool,
}

pub async fn indicators_page(State(s): State<AppState>, req: Req) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let all = s.app.indicators().await.map_err(|e| req.err(e))?;
    let items = all
        .iter()
        .map(|i| IndicatorLine {
            code: i.code.clone(),
            name: name_of(t, i),
            definition: i.definition.get(t.code()).to_string(),
            unit: i.unit.get(t.code()).to_string(),
            period: t.t(&format!("statistics_period_{}", i.period)),
            dims: if i.dimensions.is_empty() {
                t.t("statistics_no_breakdown")
            } else {
                dim_names(t, i).join(" × ")
            },
            k: i.k,
            kind: t.t(&format!("statistics_kind_{}", i.kind)),
            public: i.public,
        })
        .collect();
    Ok(render(&IndicatorsPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        items,
        can_edit: may_edit_indicators(&ctx.actor),
    }))
}

/// The catalogue form as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct IndicatorForm {
    pub name_es: String,
    pub name_en: String,
    pub definition_es: String,
    pub definition_en: String,
    pub unit_es: String,
    pub unit_en: String,
    pub k: String,
    pub kind: String,
    pub public: bool,
}

#[derive(Template)]
#[template(path = "statistics_indicator.html")]
pub(crate) struct IndicatorPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    code: String,
    name: String,
    period: String,
    dims: String,
    f: IndicatorForm,
    errors: Vec<ShownError>,
}

fn indicator_page(
    req: &Req,
    ind: &Indicator,
    f: IndicatorForm,
    errors: Vec<ShownError>,
) -> Response {
    let t = req.tr();
    with_status(
        status_of(&errors),
        render(&IndicatorPage {
            code: ind.code.clone(),
            name: name_of(t, ind),
            period: t.t(&format!("statistics_period_{}", ind.period)),
            dims: if ind.dimensions.is_empty() {
                t.t("statistics_no_breakdown")
            } else {
                dim_names(t, ind).join(" × ")
            },
            f,
            errors,
            t,
            user: req.page_user(),
            path: req.path.clone(),
        }),
    )
}

pub async fn indicator_form(
    State(s): State<AppState>,
    req: Req,
    Path(code): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    if !may_edit_indicators(&ctx.actor) {
        return Err(req.err(AppError::Forbidden));
    }
    let ind = s.app.indicator(&code).await.map_err(|e| req.err(e))?;
    let f = IndicatorForm {
        name_es: ind.name.es.clone(),
        name_en: ind.name.en.clone(),
        definition_es: ind.definition.es.clone(),
        definition_en: ind.definition.en.clone(),
        unit_es: ind.unit.es.clone(),
        unit_en: ind.unit.en.clone(),
        k: ind.k.to_string(),
        kind: ind.kind.clone(),
        public: ind.public,
    };
    Ok(indicator_page(&req, &ind, f, vec![]))
}

pub async fn indicator_post(
    State(s): State<AppState>,
    Path(code): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let ind = s.app.indicator(&code).await.map_err(|e| req.err(e))?;
    let f = IndicatorForm {
        name_es: get(&pairs, "name_es"),
        name_en: get(&pairs, "name_en"),
        definition_es: get(&pairs, "definition_es"),
        definition_en: get(&pairs, "definition_en"),
        unit_es: get(&pairs, "unit_es"),
        unit_en: get(&pairs, "unit_en"),
        k: get(&pairs, "k"),
        kind: get(&pairs, "kind"),
        public: !get(&pairs, "public").is_empty(),
    };
    let k = match f.k.trim().parse::<i64>() {
        Ok(k) => k,
        Err(_) => {
            let errors = messages(req.tr(), &Invalid::one("k", "out_of_range").0, None);
            return Ok(indicator_page(&req, &ind, f, errors));
        }
    };
    let input = IndicatorInput {
        name: Bilingual {
            es: f.name_es.clone(),
            en: f.name_en.clone(),
        },
        definition: Bilingual {
            es: f.definition_es.clone(),
            en: f.definition_en.clone(),
        },
        unit: Bilingual {
            es: f.unit_es.clone(),
            en: f.unit_en.clone(),
        },
        k,
        kind: f.kind.clone(),
        public: f.public,
    };
    match s.app.edit_indicator(&ctx, &code, &input).await {
        Ok(_) => Ok(
            Redirect::to("/statistics/indicators?done=statistics_indicator_saved").into_response(),
        ),
        Err(AppError::Invalid(inv)) => {
            let errors = messages(req.tr(), &inv.0, None);
            Ok(indicator_page(&req, &ind, f, errors))
        }
        Err(e) => Err(req.err(e)),
    }
}

/// One rejected row of an import, in words.
pub(crate) struct RejectedLine {
    pub line: usize,
    pub column: String,
    pub message: String,
}

pub(crate) struct ImportShown {
    pub rows: usize,
    pub periods: Vec<(String, i64)>,
    pub rejected: Vec<RejectedLine>,
    pub more_rejected: usize,
}

#[derive(Template)]
#[template(path = "statistics_import.html")]
pub(crate) struct ImportPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    indicators: Vec<(String, String)>,
    indicator: String,
    name: String,
    country: String,
    country_name: String,
    /// Column code → its name in words (for the report the page's script draws).
    columns_json: String,
    csv: String,
    reason: String,
    report: Option<ImportShown>,
    errors: Vec<ShownError>,
}

/// A column of the import file in words: a dimension, the period, the count, the file.
fn column_words(t: Tr, c: &str) -> String {
    match c {
        "period" | "value" | "file" | "total" => t.t(&format!("statistics_column_{c}")),
        d if st::dimensions().contains_key(d) => st::dimension_label(d, t.code()),
        // A closed period is reported by the period itself.
        p => st::period_label(p, t.code()),
    }
}

fn columns_json(t: Tr, ind: &Indicator) -> String {
    let mut m = serde_json::Map::new();
    for c in ["period", "value", "file", "total"]
        .iter()
        .map(|c| c.to_string())
        .chain(ind.dimensions.iter().cloned())
    {
        m.insert(c.clone(), serde_json::Value::String(column_words(t, &c)));
    }
    serde_json::Value::Object(m).to_string()
}

#[derive(Deserialize, Default)]
pub struct ImportQuery {
    #[serde(default)]
    indicator: String,
}

/// What the import form shows beyond its indicator and country: the CSV and reason as
/// pasted, the last import's report, the errors.
#[derive(Default)]
struct ImportForm {
    csv: String,
    reason: String,
    report: Option<ImportShown>,
    errors: Vec<ShownError>,
    status: StatusCode,
}

fn import_page(
    req: &Req,
    all: &[Indicator],
    ind: &Indicator,
    country: Country,
    form: ImportForm,
) -> Response {
    let ImportForm {
        csv,
        reason,
        report,
        errors,
        status,
    } = form;
    let t = req.tr();
    with_status(
        status,
        render(&ImportPage {
            indicators: all
                .iter()
                .filter(|i| i.kind == "submitted")
                .map(|i| (i.code.clone(), name_of(t, i)))
                .collect(),
            indicator: ind.code.clone(),
            name: name_of(t, ind),
            country: country.code().to_string(),
            country_name: country.name(t.code()).to_string(),
            columns_json: columns_json(t, ind),
            csv,
            reason,
            report,
            errors,
            t,
            user: req.page_user(),
            path: req.path.clone(),
        }),
    )
}

pub async fn import_form(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<ImportQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let country = own_country(&req, &ctx)?;
    let (ind, all) = chosen(&s, &req, q.indicator.trim()).await?;
    Ok(import_page(
        &req,
        &all,
        &ind,
        country,
        ImportForm::default(),
    ))
}

/// The page's import without the script: the CSV pasted in the form (the file upload with
/// progress goes to the API from the page's script).
pub async fn import_post(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let country = st_country(&get(&pairs, "country")).map_err(|e| req.err(e))?;
    let (ind, all) = chosen(&s, &req, get(&pairs, "indicator").trim()).await?;
    let csv = get(&pairs, "csv");
    let reason = get(&pairs, "reason");
    let r = s
        .app
        .import_statistics(
            &ctx,
            country,
            &ind.code,
            csv.as_bytes(),
            Format::Csv,
            Some(reason.as_str()),
        )
        .await;
    match r {
        Ok(r) => {
            let status = if r.rejected.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let shown = ImportShown {
                rows: r.rows,
                periods: r
                    .periods
                    .iter()
                    .map(|(p, n)| (st::period_label(p, t.code()), *n))
                    .collect(),
                rejected: r
                    .rejected
                    .iter()
                    .map(|x| RejectedLine {
                        line: x.line,
                        column: column_words(t, &x.column),
                        message: match x.sum {
                            Some((sum, total)) => sum_message(t, sum, total),
                            None => crate::error::message(t, x.code),
                        },
                    })
                    .collect(),
                more_rejected: r.more_rejected,
            };
            // A refused file comes back as pasted, to correct it; an accepted one is done.
            let keep = if shown.rejected.is_empty() {
                String::new()
            } else {
                csv
            };
            let form = ImportForm {
                csv: keep,
                reason,
                report: Some(shown),
                status,
                ..ImportForm::default()
            };
            Ok(import_page(&req, &all, &ind, country, form))
        }
        Err(AppError::Invalid(inv)) => {
            let form = ImportForm {
                csv,
                reason,
                errors: messages(t, &inv.0, None),
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..ImportForm::default()
            };
            Ok(import_page(&req, &all, &ind, country, form))
        }
        Err(e) => Err(req.err(e)),
    }
}
