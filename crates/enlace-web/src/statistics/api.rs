use crate::api::*;
use crate::extract::ApiCtx;
use crate::i18n::Tr;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use enlace_app::statistics::{
    self as st, import::Format, import::ImportReport, Bilingual, CellInput, FiguresInput,
    Indicator, IndicatorInput, StatisticsView, TableView,
};
use enlace_app::AppError;
use enlace_domain::{Country, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = StatsBilingual)]
pub struct StatsBilingual {
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub es: String,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub en: String,
}

fn bi(b: &Bilingual) -> StatsBilingual {
    StatsBilingual {
        es: b.es.clone(),
        en: b.en.clone(),
    }
}

/// An indicator of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsIndicatorView {
    pub code: String,
    pub name: StatsBilingual,
    pub definition: StatsBilingual,
    pub unit: StatsBilingual,
    /// `month` or `quarter`.
    pub period: String,
    /// The dimensions a figure is broken down by (`nationality`, `sex`, `age_group`,
    /// `route`, `transport`, `crime_type`).
    pub dimensions: Vec<String>,
    /// Disclosure threshold: counts from 1 to k−1 are suppressed beyond the owner country.
    pub k: u32,
    /// `submitted` or `derived`.
    pub kind: String,
    /// Shown on the public portal.
    pub public: bool,
}

pub(crate) fn indicator_json(i: &Indicator) -> StatsIndicatorView {
    StatsIndicatorView {
        code: i.code.clone(),
        name: bi(&i.name),
        definition: bi(&i.definition),
        unit: bi(&i.unit),
        period: i.period.clone(),
        dimensions: i.dimensions.clone(),
        k: i.k,
        kind: i.kind.clone(),
        public: i.public,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsIndicatorList {
    pub items: Vec<StatsIndicatorView>,
    /// Always null: the catalogue fits one page.
    pub next: Option<String>,
}

/// The indicator catalogue.
#[utoipa::path(get, path = "/indicators", tag = "statistics",
    responses((status = 200, body = StatsIndicatorList)))]
pub(crate) async fn indicators(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let items = s.app.indicators().await.map_err(|e| a.err(e))?;
    Ok(Json(StatsIndicatorList {
        items: items.iter().map(indicator_json).collect(),
        next: None,
    })
    .into_response())
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum StatsIndicatorKind {
    Submitted,
    Derived,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct StatsIndicatorBody {
    name: StatsBilingual,
    definition: StatsBilingual,
    unit: StatsBilingual,
    #[schema(minimum = 1, maximum = 1000)]
    k: i64,
    #[schema(value_type = StatsIndicatorKind)]
    kind: String,
    #[serde(default)]
    public: bool,
}

/// The secretariat edits an indicator (names, definition, unit, threshold, kind, public);
/// its code, period and dimensions stay.
#[utoipa::path(put, path = "/indicators/{code}", tag = "statistics",
    params(("code" = String, Path, example = "smuggled_migrants_detected", description = "Indicator code")),
    request_body = StatsIndicatorBody,
    responses((status = 200, body = StatsIndicatorView)))]
pub(crate) async fn indicator_edit(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<StatsIndicatorBody>,
) -> ApiResult {
    let input = IndicatorInput {
        name: Bilingual {
            es: b.name.es,
            en: b.name.en,
        },
        definition: Bilingual {
            es: b.definition.es,
            en: b.definition.en,
        },
        unit: Bilingual {
            es: b.unit.es,
            en: b.unit.en,
        },
        k: b.k,
        kind: b.kind,
        public: b.public,
    };
    let i = s
        .app
        .edit_indicator(&a.ctx, &code, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(indicator_json(&i)).into_response())
}

/// One cell: one value per dimension of the indicator (by dimension code) and the count.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatsCellBody {
    /// The count (no negatives).
    pub value: i64,
    /// `nationality`: ISO 3166-1 alpha-2 lower case or `unknown`; `sex`: `female`, `male`,
    /// `other`, `unknown`; `age_group`: `0_11`, `12_17`, `18_59`, `60_plus`, `unknown`.
    #[serde(flatten)]
    pub dimensions: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct StatsFiguresBody {
    total: i64,
    #[serde(default)]
    #[schema(max_items = 5000)]
    cells: Vec<StatsCellBody>,
    /// Why the figures change (required once the period is closed).
    #[serde(default)]
    #[schema(
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    reason: Option<String>,
}

/// A cell as a reader sees it: its dimension values, the count (null when suppressed).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsCellView {
    #[serde(flatten)]
    pub dimensions: BTreeMap<String, String>,
    pub value: Option<u64>,
    pub suppressed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsMarginView {
    pub value: Option<u64>,
    pub suppressed: bool,
}

/// One country's figures for one period: its own in full, another's after disclosure
/// control (a suppressed figure is null with `suppressed: true`).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsTableView {
    pub country: Country,
    pub indicator: String,
    pub period: String,
    pub revision: i64,
    pub total: Option<u64>,
    pub total_suppressed: bool,
    pub cells: Vec<StatsCellView>,
    /// Dimension → value → the sum of the cells with that value (tables of 2 or more
    /// dimensions).
    pub margins: BTreeMap<String, BTreeMap<String, StatsMarginView>>,
    pub closed: bool,
    pub updated_at: String,
}

pub(crate) fn table_json(ind: &Indicator, t: &TableView) -> StatsTableView {
    let mut margins: BTreeMap<String, BTreeMap<String, StatsMarginView>> = BTreeMap::new();
    for m in &t.margins {
        margins.entry(m.dimension.clone()).or_default().insert(
            m.value.clone(),
            StatsMarginView {
                value: m.sum,
                suppressed: m.suppressed,
            },
        );
    }
    StatsTableView {
        country: t.country,
        indicator: ind.code.clone(),
        period: t.period.clone(),
        revision: t.revision,
        total: t.total,
        total_suppressed: t.total_suppressed,
        cells: t
            .cells
            .iter()
            .map(|c| StatsCellView {
                dimensions: ind
                    .dimensions
                    .iter()
                    .cloned()
                    .zip(c.key.iter().cloned())
                    .collect(),
                value: c.value,
                suppressed: c.suppressed,
            })
            .collect(),
        margins,
        closed: t.closed,
        updated_at: ts(t.updated_at),
    }
}

/// A member country from the path; anything else does not exist.
pub(crate) fn path_country(c: &str) -> Result<Country, AppError> {
    Country::parse(c)
        .filter(|x| x.code() == c)
        .ok_or(AppError::NotFound)
}

/// A 422 whose cell-sum problem names the gap ("the cells add up to 39, the total is 40").
pub(crate) fn figures_error(a: &ApiCtx, e: AppError, sum: i64, total: i64) -> Response {
    let AppError::Invalid(inv) = &e else {
        return a.err(e).into_response();
    };
    let tr = Tr::new(a.lang);
    let fields: Vec<serde_json::Value> = inv
        .0
        .iter()
        .map(|f| {
            let message = if f.code == "stats_cells_sum" {
                sum_message(tr, sum, total)
            } else {
                crate::error::message(tr, f.code)
            };
            serde_json::json!({"field": f.field, "code": f.code, "message": message})
        })
        .collect();
    let message = fields
        .iter()
        .find(|f| f["code"] == "stats_cells_sum")
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .unwrap_or_else(|| crate::error::message(tr, "invalid_input"));
    let body = serde_json::json!({"error": {
        "code": "invalid_input",
        "message": message,
        "request_id": a.ctx.origin.request_id,
        "fields": fields,
    }});
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

pub(crate) fn sum_message(tr: Tr, sum: i64, total: i64) -> String {
    tr.t2(
        "stats_cells_sum",
        ("cells", &sum.to_string()),
        ("total", &total.to_string()),
    )
}

/// Submits (or revises) a country's figures for one indicator and period, by that
/// country's users: each accepted submission is a new revision. 422 for negative counts,
/// unknown codes or cells not adding up to the total (the message names the gap); 409 when
/// the period is closed and no `reason` is given; 403 for another country's figures.
#[utoipa::path(put, path = "/statistics/{country}/{indicator}/{period}", tag = "statistics",
    params(
        ("country" = String, Path, pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)$", example = "mx", description = "Member country code"),
        ("indicator" = String, Path, example = "smuggled_migrants_detected", description = "Indicator code"),
        ("period" = String, Path, pattern = "^[0-9]{4}-(Q[1-4]|0[1-9]|1[0-2])$", example = "2026-Q1", description = "2026-Q1 for quarterly indicators, 2026-03 for monthly ones")),
    request_body = StatsFiguresBody,
    responses((status = 200, body = StatsTableView), (status = 409, description = "The period is closed: a change needs a reason", body = ErrorBody)))]
pub(crate) async fn figures_put(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((country, indicator, period)): Path<(String, String, String)>,
    ApiJson(b): ApiJson<StatsFiguresBody>,
) -> ApiResult {
    let country = path_country(&country).map_err(|e| a.err(e))?;
    let input = FiguresInput {
        total: b.total,
        cells: b
            .cells
            .into_iter()
            .map(|c| CellInput {
                values: c.dimensions,
                value: c.value,
            })
            .collect(),
        reason: b.reason,
    };
    match s
        .app
        .submit_statistics(&a.ctx, country, &indicator, &period, &input)
        .await
    {
        Ok(t) => {
            let ind = s.app.indicator(&indicator).await.map_err(|e| a.err(e))?;
            Ok(Json(table_json(&ind, &t)).into_response())
        }
        Err(e @ AppError::Invalid(_)) => Ok(figures_error(&a, e, input.cells_sum(), input.total)),
        Err(e) => Err(a.err(e)),
    }
}

/// Closes a period (by the country's users); a change after that needs a reason.
#[utoipa::path(post, path = "/statistics/{country}/{indicator}/{period}/close", tag = "statistics",
    params(
        ("country" = String, Path, pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)$", example = "mx", description = "Member country code"),
        ("indicator" = String, Path, example = "smuggled_migrants_detected", description = "Indicator code"),
        ("period" = String, Path, example = "2026-Q1", description = "The period")),
    responses((status = 200, body = StatsTableView)))]
pub(crate) async fn figures_close(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((country, indicator, period)): Path<(String, String, String)>,
) -> ApiResult {
    let country = path_country(&country).map_err(|e| a.err(e))?;
    let t = s
        .app
        .close_statistics(&a.ctx, country, &indicator, &period)
        .await
        .map_err(|e| a.err(e))?;
    let ind = s.app.indicator(&indicator).await.map_err(|e| a.err(e))?;
    Ok(Json(table_json(&ind, &t)).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsRevisionView {
    pub revision: i64,
    pub total: u64,
    pub cells: Vec<StatsCellView>,
    pub reason: Option<String>,
    /// Who submitted it.
    pub by: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsRevisionList {
    pub items: Vec<StatsRevisionView>,
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsCursorQuery {
    /// From the `next` of the previous page.
    #[param(pattern = "^([1-9][0-9]{0,17})?$")]
    cursor: Option<String>,
}

/// Every revision of one table, newest first — for the owner country only (for anyone
/// else they do not exist: beyond the owner only the latest revision is ever shown).
#[utoipa::path(get, path = "/statistics/{country}/{indicator}/{period}/revisions", tag = "statistics",
    params(
        ("country" = String, Path, pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)$", example = "mx", description = "Member country code"),
        ("indicator" = String, Path, example = "smuggled_migrants_detected", description = "Indicator code"),
        ("period" = String, Path, example = "2026-Q1", description = "The period"),
        StatsCursorQuery),
    responses((status = 200, body = StatsRevisionList)))]
pub(crate) async fn revisions(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((country, indicator, period)): Path<(String, String, String)>,
    ApiQuery(q): ApiQuery<StatsCursorQuery>,
) -> ApiResult {
    let country = path_country(&country).map_err(|e| a.err(e))?;
    let cursor =
        crate::legislation::api::parse_cursor(q.cursor.as_deref()).map_err(|e| a.err(e))?;
    let ind = s.app.indicator(&indicator).await.map_err(|e| a.err(e))?;
    let (items, next) = s
        .app
        .statistics_revisions(&a.ctx, country, &indicator, &period, cursor)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(StatsRevisionList {
        items: items
            .into_iter()
            .map(|r| StatsRevisionView {
                revision: r.revision,
                total: r.total,
                cells: r
                    .cells
                    .into_iter()
                    .map(|c| StatsCellView {
                        dimensions: ind.dimensions.iter().cloned().zip(c.key).collect(),
                        value: Some(c.value),
                        suppressed: false,
                    })
                    .collect(),
                reason: r.reason,
                by: r.by,
                at: ts(r.at),
            })
            .collect(),
        next: next.map(|n| n.to_string()),
    })
    .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsQuery {
    /// Indicator code.
    #[param(min_length = 1, max_length = 64, pattern = "^[a-z0-9_]+$")]
    indicator: String,
    /// Periods separated by commas (`2026-Q1,2026-Q2`); all periods when absent.
    #[param(pattern = "^([0-9]{4}-(Q[1-4]|0[1-9]|1[0-2])(,[0-9]{4}-(Q[1-4]|0[1-9]|1[0-2]))*)?$")]
    period: Option<String>,
    /// Member country codes separated by commas; all when absent.
    #[param(
        pattern = "^((bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)(,(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us))*)?$"
    )]
    countries: Option<String>,
}

pub(crate) fn parse_periods(s: Option<&str>) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = vec![];
    for p in s.unwrap_or("").split(',').filter(|p| !p.is_empty()) {
        if !(st::valid_period("quarter", p) || st::valid_period("month", p)) {
            return Err(Invalid::one("period", "stats_bad_period").into());
        }
        if !out.iter().any(|x| x == p) {
            out.push(p.to_string());
        }
    }
    if out.len() > st::MAX_PERIODS {
        return Err(Invalid::one("period", "out_of_range").into());
    }
    Ok(out)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsTableList {
    pub items: Vec<StatsTableView>,
    /// Always null: one indicator's figures fit one page (at most 240 periods).
    pub next: Option<String>,
}

async fn view(s: &AppState, a: &ApiCtx, q: &StatsQuery) -> Result<StatisticsView, AppError> {
    let periods = parse_periods(q.period.as_deref())?;
    let countries = enlace_app::legislation::parse_countries(q.countries.as_deref().unwrap_or(""))
        .map_err(AppError::Invalid)?;
    s.app
        .statistics_view(&a.ctx, &q.indicator, &periods, &countries)
        .await
}

/// An indicator's figures: the caller's own country in full, the others after disclosure
/// control (a suppressed value is null with `suppressed: true`). Figures are shared with
/// all member countries and the secretariat; each read reaches the owners' audit.
#[utoipa::path(get, path = "/statistics", tag = "statistics", params(StatsQuery),
    responses((status = 200, body = StatsTableList)))]
pub(crate) async fn figures(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult {
    let v = view(&s, &a, &q).await.map_err(|e| a.err(e))?;
    Ok(Json(StatsTableList {
        items: v
            .tables
            .iter()
            .map(|t| table_json(&v.indicator, t))
            .collect(),
        next: None,
    })
    .into_response())
}

#[derive(ToSchema)]
#[schema(rename_all = "kebab-case")]
#[allow(dead_code)]
pub enum StatsExportFormat {
    SdmxCsv,
    Csv,
    Xlsx,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsExportQuery {
    /// Indicator code.
    #[param(min_length = 1, max_length = 64, pattern = "^[a-z0-9_]+$")]
    indicator: String,
    #[param(value_type = StatsExportFormat)]
    format: String,
    /// Periods separated by commas; all when absent.
    #[param(pattern = "^([0-9]{4}-(Q[1-4]|0[1-9]|1[0-2])(,[0-9]{4}-(Q[1-4]|0[1-9]|1[0-2]))*)?$")]
    period: Option<String>,
    /// Member country codes separated by commas; all when absent.
    #[param(
        pattern = "^((bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)(,(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us))*)?$"
    )]
    countries: Option<String>,
}

/// An indicator's figures as SDMX-CSV 2.0 (`STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,
/// TIME_PERIOD,<dimensions>,OBS_VALUE,CONF_STATUS`; totals `_T`; suppressed: empty value,
/// `CONF_STATUS` `C`), CSV or XLSX — after disclosure control, the caller's own country in
/// full.
#[utoipa::path(get, path = "/statistics/export", tag = "statistics", params(StatsExportQuery),
    responses((status = 200, description = "The file", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
pub(crate) async fn export(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<StatsExportQuery>,
) -> ApiResult {
    if !matches!(q.format.as_str(), "sdmx-csv" | "csv" | "xlsx") {
        return Err(a.err(Invalid::one("format", "bad_value").into()));
    }
    let v = view(
        &s,
        &a,
        &StatsQuery {
            indicator: q.indicator.clone(),
            period: q.period.clone(),
            countries: q.countries.clone(),
        },
    )
    .await
    .map_err(|e| a.err(e))?;
    export_response(&v, &q.format).map_err(|e| a.err(e))
}

pub(crate) fn export_response(v: &StatisticsView, format: &str) -> Result<Response, AppError> {
    let code = &v.indicator.code;
    let (body, ctype, ext) = match format {
        "xlsx" => (
            st::statistics_xlsx(v)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => (st::statistics_csv(v)?, "text/csv; charset=utf-8", "csv"),
        _ => (
            st::statistics_sdmx_csv(v)?,
            "text/csv; charset=utf-8",
            "sdmx.csv",
        ),
    };
    let disposition = format!("attachment; filename=\"enlace-{code}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsTemplateQuery {
    #[param(value_type = StatsTemplateFormat)]
    format: String,
}

/// What a refused import answers: the report of its refused rows, or the usual error.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum StatsImportRefusal {
    Report(StatsImportReport),
    Error(ErrorBody),
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum StatsTemplateFormat {
    Csv,
    Xlsx,
}

/// The import template of an indicator (CSV or XLSX): a header `period,<dimensions>,value`
/// and example rows.
#[utoipa::path(get, path = "/indicators/{code}/template", tag = "statistics",
    params(("code" = String, Path, example = "smuggled_migrants_detected", description = "Indicator code"), StatsTemplateQuery),
    responses((status = 200, description = "The template", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
pub(crate) async fn template(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<StatsTemplateQuery>,
) -> ApiResult {
    let ind = s.app.indicator(&code).await.map_err(|e| a.err(e))?;
    template_response(&ind, &q.format, s.app.now_ms()).map_err(|e| a.err(e))
}

pub(crate) fn template_response(
    ind: &Indicator,
    format: &str,
    now: i64,
) -> Result<Response, AppError> {
    let today = enlace_domain::clock::format_utc(now);
    let (y, m) = (
        today.get(..4).unwrap_or("2026"),
        today
            .get(5..7)
            .and_then(|m| m.parse::<u32>().ok())
            .unwrap_or(1),
    );
    let period = if ind.period == "quarter" {
        format!("{y}-Q{}", m.div_ceil(3))
    } else {
        format!("{y}-{m:02}")
    };
    let (body, ctype, ext) = match format {
        "csv" => (
            st::import::template_csv(ind, &period)?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        "xlsx" => (
            st::import::template_xlsx(ind, &period)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => return Err(Invalid::one("format", "bad_value").into()),
    };
    let disposition = format!(
        "attachment; filename=\"enlace-{}-template.{ext}\"",
        ind.code
    );
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsImportRejection {
    /// The line in the file (1 = the header; 0 = the file as a whole).
    pub line: usize,
    pub column: String,
    pub code: String,
    /// The reason in the caller's language.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsImportReport {
    pub rows: usize,
    /// The periods written and their new revisions (none when anything was rejected).
    pub periods: BTreeMap<String, i64>,
    pub rejected: Vec<StatsImportRejection>,
    pub more_rejected: usize,
}

pub(crate) fn import_json(tr: Tr, r: &ImportReport) -> StatsImportReport {
    StatsImportReport {
        rows: r.rows,
        periods: r.periods.iter().cloned().collect(),
        rejected: r
            .rejected
            .iter()
            .map(|x| StatsImportRejection {
                line: x.line,
                column: x.column.clone(),
                code: x.code.to_string(),
                message: match x.sum {
                    Some((sum, total)) => sum_message(tr, sum, total),
                    None => crate::error::message(tr, x.code),
                },
            })
            .collect(),
        more_rejected: r.more_rejected,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsImportQuery {
    #[param(value_type = StatsTemplateFormat)]
    format: String,
    /// Why closed periods change (required when the file touches one).
    #[param(max_length = 1000)]
    reason: Option<String>,
}

/// Imports a country's figures for one indicator from a CSV or XLSX file (the template's
/// columns; the body is the file): all or nothing. 200 with the periods written, or 422
/// with every rejected row and its reason and nothing written.
#[utoipa::path(post, path = "/statistics/{country}/{indicator}/import", tag = "statistics",
    params(
        ("country" = String, Path, pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)$", example = "mx", description = "Member country code"),
        ("indicator" = String, Path, example = "smuggled_migrants_detected", description = "Indicator code"),
        StatsImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
        description = "The file"),
    responses((status = 200, body = StatsImportReport),
        (status = 422, description = "Rows refused (the report, nothing written), or a request that is not an import (the error shape)", body = StatsImportRefusal)))]
pub(crate) async fn import(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((country, indicator)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<StatsImportQuery>,
    body: axum::body::Body,
) -> ApiResult {
    let country = path_country(&country).map_err(|e| a.err(e))?;
    let format = match q.format.as_str() {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        _ => return Err(a.err(Invalid::one("format", "bad_value").into())),
    };
    let bytes = axum::body::to_bytes(body, s.web.body_limit)
        .await
        .map_err(|_| a.err(Invalid::one("body", "too_large").into()))?;
    let report = s
        .app
        .import_statistics(
            &a.ctx,
            country,
            &indicator,
            &bytes,
            format,
            q.reason.as_deref(),
        )
        .await
        .map_err(|e| a.err(e))?;
    let status = if report.rejected.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(import_json(Tr::new(a.lang), &report))).into_response())
}
