//! Statistics and regional indicators (PRODUCT.md §5): an indicator catalogue (shipped as
//! data, kept by the secretariat), each country's figures per indicator and period as a
//! total and the cells of the indicator's breakdown, with validation, revisions and
//! closing; and the one read of figures for everyone else.
//!
//! Distribution: a country's figures are shared with all member countries and the
//! secretariat, always after disclosure control (`enlace_domain::sdc`); the owner country
//! reads its own in full. Every read of another country's figures reaches that country's
//! audit (one row per owner country and indicator, with the periods read).
//!
//! Revisions are owner-only: beyond the owner country only the latest revision of a table is
//! ever shown, so no one can difference two revisions to recover a suppressed cell.
//! The disclosure-control pattern is computed when figures are written (outside the write
//! lock) and stored with the threshold it was computed for; a read recomputes it only when
//! the secretariat has changed the indicator's threshold since.
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::nations;
use enlace_domain::policy::{may_edit_indicators, may_submit_statistics};
use enlace_domain::sdc::{self, Protection, Table};
use enlace_domain::validate::{self, Invalid};
use enlace_domain::Country;
use enlace_store::statistics::{FigureRow, IndicatorRow, RevisionRow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

mod export;
pub use export::{statistics_csv, statistics_sdmx_csv, statistics_xlsx};
pub mod import;

const SHIPPED: &str = include_str!("../data/indicators.json");
/// Cells per table at most (memory stays bounded whatever is sent).
pub const MAX_CELLS: usize = 5000;
/// Periods and countries per read at most.
pub const MAX_PERIODS: usize = 240;
/// Revisions per page.
pub const REVISIONS_PAGE: i64 = 50;
/// The largest count accepted in a cell or total.
pub const MAX_COUNT: i64 = 1_000_000_000;

/// A text in both languages.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Bilingual {
    pub es: String,
    pub en: String,
}

impl Bilingual {
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.en
        } else {
            &self.es
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
struct ShippedValue {
    code: String,
    es: String,
    en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum ShippedValues {
    List(Vec<ShippedValue>),
    /// `"iso3166"`: every country of the world, and `unknown`.
    Named(String),
}

#[derive(Debug, Clone, Deserialize)]
struct ShippedDimension {
    name: Bilingual,
    values: ShippedValues,
}

/// One indicator as the catalogue holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Indicator {
    pub code: String,
    pub name: Bilingual,
    pub definition: Bilingual,
    pub unit: Bilingual,
    /// `month` or `quarter`.
    pub period: String,
    pub dimensions: Vec<String>,
    pub k: u32,
    /// `submitted` or `derived`.
    pub kind: String,
    /// Shown on the public portal (after disclosure control).
    #[serde(default)]
    pub public: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct Shipped {
    dimensions: BTreeMap<String, ShippedDimension>,
    indicators: Vec<Indicator>,
}

/// A breakdown dimension and its allowed values (code, Spanish, English).
#[derive(Debug, Clone)]
pub struct Dimension {
    pub code: String,
    pub name: Bilingual,
    pub values: Vec<(String, String, String)>,
}

impl Dimension {
    pub fn label(&self, code: &str, lang: &str) -> String {
        self.values
            .iter()
            .find(|(c, _, _)| c == code)
            .map(|(_, es, en)| if lang == "en" { en.clone() } else { es.clone() })
            .unwrap_or_else(|| code.to_string())
    }
    pub fn knows(&self, code: &str) -> bool {
        self.values.iter().any(|(c, _, _)| c == code)
    }
}

fn shipped() -> Option<&'static Shipped> {
    static S: OnceLock<Option<Shipped>> = OnceLock::new();
    S.get_or_init(|| serde_json::from_str(SHIPPED).ok())
        .as_ref()
}

/// The breakdown dimensions (shipped with the program), by code.
pub fn dimensions() -> &'static BTreeMap<String, Dimension> {
    static D: OnceLock<BTreeMap<String, Dimension>> = OnceLock::new();
    D.get_or_init(|| {
        let mut out = BTreeMap::new();
        let Some(s) = shipped() else { return out };
        for (code, d) in &s.dimensions {
            let values = match &d.values {
                ShippedValues::List(l) => l
                    .iter()
                    .map(|v| (v.code.clone(), v.es.clone(), v.en.clone()))
                    .collect(),
                ShippedValues::Named(n) if n == "iso3166" => nations::all()
                    .iter()
                    .map(|(c, es, en)| (c.to_string(), es.to_string(), en.to_string()))
                    .chain([("unknown".into(), "No consta".into(), "Unknown".into())])
                    .collect(),
                ShippedValues::Named(_) => vec![],
            };
            out.insert(
                code.clone(),
                Dimension {
                    code: code.clone(),
                    name: d.name.clone(),
                    values,
                },
            );
        }
        out
    })
}

/// A dimension value in the user's words.
pub fn value_label(dimension: &str, code: &str, lang: &str) -> String {
    dimensions()
        .get(dimension)
        .map(|d| d.label(code, lang))
        .unwrap_or_else(|| code.to_string())
}

/// A dimension's name in the user's words.
pub fn dimension_label(dimension: &str, lang: &str) -> String {
    dimensions()
        .get(dimension)
        .map(|d| d.name.get(lang).to_string())
        .unwrap_or_else(|| dimension.to_string())
}

fn indicator_of(r: IndicatorRow) -> Indicator {
    Indicator {
        code: r.code,
        name: Bilingual {
            es: r.name_es,
            en: r.name_en,
        },
        definition: Bilingual {
            es: r.definition_es,
            en: r.definition_en,
        },
        unit: Bilingual {
            es: r.unit_es,
            en: r.unit_en,
        },
        period: r.period,
        dimensions: r
            .dimensions
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        k: u32::try_from(r.k).unwrap_or(sdc::DEFAULT_K),
        kind: r.kind,
        public: r.public,
    }
}

fn row_of(i: &Indicator, position: i64, now: i64) -> IndicatorRow {
    IndicatorRow {
        code: i.code.clone(),
        position,
        name_es: i.name.es.clone(),
        name_en: i.name.en.clone(),
        definition_es: i.definition.es.clone(),
        definition_en: i.definition.en.clone(),
        unit_es: i.unit.es.clone(),
        unit_en: i.unit.en.clone(),
        period: i.period.clone(),
        dimensions: i.dimensions.join(","),
        k: i64::from(i.k),
        kind: i.kind.clone(),
        public: i.public,
        updated_at: now,
    }
}

/// `2026-Q1` for quarterly indicators, `2026-03` for monthly ones (years 2000–2100).
pub fn valid_period(kind: &str, p: &str) -> bool {
    let b = p.as_bytes();
    let year_ok = b.len() >= 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && p[..4]
            .parse::<u32>()
            .is_ok_and(|y| (2000..=2100).contains(&y));
    if !year_ok {
        return false;
    }
    match kind {
        "quarter" => b.len() == 7 && b[5] == b'Q' && (b'1'..=b'4').contains(&b[6]),
        "month" => {
            b.len() == 7
                && p[5..]
                    .parse::<u32>()
                    .is_ok_and(|m| (1..=12).contains(&m) && b[5].is_ascii_digit())
        }
        _ => false,
    }
}

/// A period in words: `1.er trimestre de 2026`, `Q1 2026`, `marzo de 2026`, `March 2026`.
pub fn period_label(p: &str, lang: &str) -> String {
    const MES: [&str; 12] = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ];
    const MONTH: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let year = p.get(..4).unwrap_or(p);
    match p.get(5..) {
        Some(q) if q.starts_with('Q') => {
            if lang == "en" {
                format!("{q} {year}")
            } else {
                format!("Trimestre {} de {year}", &q[1..])
            }
        }
        Some(m) => match m.parse::<usize>().ok().filter(|m| (1..=12).contains(m)) {
            Some(m) if lang == "en" => format!("{} {year}", MONTH[m - 1]),
            Some(m) => format!("{} de {year}", MES[m - 1]),
            None => p.to_string(),
        },
        None => p.to_string(),
    }
}

/// One cell as submitted: a value per dimension (by dimension code) and the count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellInput {
    pub values: BTreeMap<String, String>,
    pub value: i64,
}

/// Figures as a country submits them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FiguresInput {
    pub total: i64,
    pub cells: Vec<CellInput>,
    /// Why the figures change after the period was closed (required then).
    pub reason: Option<String>,
}

impl FiguresInput {
    /// The sum of the cells (for the message naming the gap).
    pub fn cells_sum(&self) -> i64 {
        self.cells
            .iter()
            .fold(0i64, |s, c| s.saturating_add(c.value))
    }
}

/// Checks figures against the indicator: no negative counts, known dimensions and codes,
/// each combination once, cells adding up to the total. An empty breakdown (total only) is
/// accepted. The cell sum error has the code `stats_cells_sum` (field `cells`); the web layer
/// names the gap with [`FiguresInput::cells_sum`].
pub fn validate_figures(ind: &Indicator, input: &FiguresInput) -> Result<Table, Invalid> {
    let mut errs = Invalid::default();
    if input.total < 0 {
        errs.push("total", "stats_negative");
    } else if input.total > MAX_COUNT {
        errs.push("total", "out_of_range");
    }
    if input.cells.len() > MAX_CELLS {
        errs.push("cells", "stats_too_many_cells");
        return Err(errs);
    }
    if ind.dimensions.is_empty() && !input.cells.is_empty() {
        errs.push("cells", "stats_no_breakdown");
    }
    let dims = dimensions();
    let mut seen = BTreeSet::new();
    let mut cells = Vec::with_capacity(input.cells.len());
    for c in &input.cells {
        if c.value < 0 {
            errs.push("cells", "stats_negative");
        } else if c.value > MAX_COUNT {
            errs.push("cells", "out_of_range");
        }
        if c.values.keys().any(|k| !ind.dimensions.contains(k)) {
            errs.push("cells", "stats_unknown_dimension");
        }
        let mut key = Vec::with_capacity(ind.dimensions.len());
        for d in &ind.dimensions {
            match c.values.get(d) {
                None => errs.push("cells", "stats_missing_dimension"),
                Some(v) if !dims.get(d).is_some_and(|dim| dim.knows(v)) => {
                    errs.push("cells", "stats_unknown_code")
                }
                Some(v) => key.push(v.clone()),
            }
        }
        if key.len() == ind.dimensions.len() && !seen.insert(key.clone()) {
            errs.push("cells", "stats_duplicate_cell");
        }
        cells.push(sdc::Cell {
            key,
            value: u64::try_from(c.value).unwrap_or(0),
        });
    }
    if errs.0.is_empty() && !input.cells.is_empty() && input.cells_sum() != input.total {
        errs.push("cells", "stats_cells_sum");
    }
    if let Some(r) = &input.reason {
        validate::text(&mut errs, "reason", r, false, 1000);
    }
    // One message per problem is enough.
    errs.0.dedup();
    errs.into_result()?;
    Ok(Table {
        dimensions: ind.dimensions.clone(),
        cells,
        total: u64::try_from(input.total).unwrap_or(0),
    })
}

/// One cell as a reader sees it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CellView {
    /// One value per dimension, in the indicator's order.
    pub key: Vec<String>,
    pub value: Option<u64>,
    pub suppressed: bool,
    /// For the owner: this cell is suppressed in what other countries see.
    pub hidden_from_others: bool,
}

/// One margin (sum over one dimension value) as a reader sees it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MarginView {
    pub dimension: String,
    pub value: String,
    pub sum: Option<u64>,
    pub suppressed: bool,
}

/// One country's table for one period, as the caller may see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TableView {
    pub country: Country,
    pub period: String,
    pub revision: i64,
    pub total: Option<u64>,
    pub total_suppressed: bool,
    pub cells: Vec<CellView>,
    pub margins: Vec<MarginView>,
    pub closed: bool,
    pub updated_at: i64,
    /// The caller's own country: shown in full.
    pub own: bool,
}

/// An indicator's figures over periods and countries, as the caller may see them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatisticsView {
    pub indicator: Indicator,
    /// Ordered by period, then country.
    pub tables: Vec<TableView>,
}

/// One revision of a table (owner only).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Revision {
    pub revision: i64,
    pub total: u64,
    pub cells: Vec<sdc::Cell>,
    pub reason: Option<String>,
    pub by: String,
    pub at: i64,
}

/// What a caller gets to see of a country's tables.
#[derive(Clone, Copy, PartialEq)]
enum Sight {
    Full,
    Protected,
}

fn parse_cells(json: &str) -> Vec<sdc::Cell> {
    serde_json::from_str(json).unwrap_or_default()
}

pub(crate) fn export_err(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

fn to_json<T: Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

/// The stored pattern when it was computed for `k`, else a fresh one.
fn protection_for(row: &FigureRow, table: &Table, k: u32) -> Protection {
    if row.protection_k == i64::from(k) {
        if let Ok(p) = serde_json::from_str::<Protection>(&row.protection) {
            if p.cells.len() == table.cells.len() {
                return p;
            }
        }
    }
    sdc::protect(table, k)
}

fn table_view(ind: &Indicator, row: &FigureRow, sight: Sight) -> TableView {
    let cells = parse_cells(&row.cells);
    let table = Table {
        dimensions: ind.dimensions.clone(),
        total: u64::try_from(row.total).unwrap_or(0),
        cells,
    };
    let p = protection_for(row, &table, ind.k);
    let full = sight == Sight::Full;
    let name = |d: usize| ind.dimensions.get(d).cloned().unwrap_or_default();
    TableView {
        country: row.country,
        period: row.period.clone(),
        revision: row.revision,
        total: (full || !p.total_suppressed).then_some(table.total),
        total_suppressed: !full && p.total_suppressed,
        cells: table
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let hidden = p.cell_suppressed(i);
                CellView {
                    key: c.key.clone(),
                    value: (full || !hidden).then_some(c.value),
                    suppressed: !full && hidden,
                    hidden_from_others: full && hidden,
                }
            })
            .collect(),
        margins: p
            .margins
            .iter()
            .map(|m| MarginView {
                dimension: name(m.dimension),
                value: m.value.clone(),
                sum: (full || !m.suppressed).then_some(m.sum),
                suppressed: !full && m.suppressed,
            })
            .collect(),
        closed: row.closed_at.is_some(),
        updated_at: row.updated_at,
        own: full,
    }
}

fn stat_entry(
    ctx: &Ctx,
    action: &str,
    id: String,
    country: Country,
) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("statistics".into());
    e.object_id = Some(id);
    e.object_country = Some(country.code().to_string());
    e
}

/// Checks an indicator's editable fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndicatorInput {
    pub name: Bilingual,
    pub definition: Bilingual,
    pub unit: Bilingual,
    pub k: i64,
    pub kind: String,
    pub public: bool,
}

impl App {
    /// Loads the shipped indicators that are not in the catalogue yet (at start): the
    /// secretariat's edits of existing ones stay.
    pub async fn load_builtin_indicators(&self) -> AppResult<()> {
        let Some(s) = shipped() else {
            return Err(AppError::Internal("indicators.json does not parse".into()));
        };
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        for (pos, ind) in s.indicators.iter().enumerate() {
            if tx.stat_indicator(&ind.code).await?.is_none() {
                // Reference data shipped with the program: no one's action, so no audit row.
                tx.insert_stat_indicator(&row_of(ind, pos as i64, now))
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The catalogue (reference data: every signed-in user and the portal read it).
    pub async fn indicators(&self) -> AppResult<Vec<Indicator>> {
        Ok(self
            .store
            .stat_indicator_list()
            .await?
            .into_iter()
            .map(indicator_of)
            .collect())
    }

    pub async fn indicator(&self, code: &str) -> AppResult<Indicator> {
        self.indicators()
            .await?
            .into_iter()
            .find(|i| i.code == code)
            .ok_or(AppError::NotFound)
    }

    /// The periods that have figures for an indicator, newest first.
    pub async fn statistics_periods(&self, indicator: &str) -> AppResult<Vec<String>> {
        Ok(self.store.stat_periods(indicator).await?)
    }

    /// The secretariat edits an indicator: names, definition, unit, threshold k (1–1000),
    /// kind and whether the portal shows it. Code, period and dimensions stay (figures are
    /// keyed by them).
    pub async fn edit_indicator(
        &self,
        ctx: &Ctx,
        code: &str,
        input: &IndicatorInput,
    ) -> AppResult<Indicator> {
        if !may_edit_indicators(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let mut errs = Invalid::default();
        let mut t =
            |f: &'static str, v: &str, max: usize| validate::text(&mut errs, f, v, true, max);
        let name = Bilingual {
            es: t("name_es", &input.name.es, 200),
            en: t("name_en", &input.name.en, 200),
        };
        let definition = Bilingual {
            es: t("definition_es", &input.definition.es, 2000),
            en: t("definition_en", &input.definition.en, 2000),
        };
        let unit = Bilingual {
            es: t("unit_es", &input.unit.es, 60),
            en: t("unit_en", &input.unit.en, 60),
        };
        if !(1..=1000).contains(&input.k) {
            errs.push("k", "out_of_range");
        }
        if !matches!(input.kind.as_str(), "submitted" | "derived") {
            errs.push("kind", "bad_value");
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let row = tx.stat_indicator(code).await?.ok_or(AppError::NotFound)?;
        errs.into_result()?;
        let mut ind = indicator_of(row.clone());
        ind.name = name;
        ind.definition = definition;
        ind.unit = unit;
        ind.k = u32::try_from(input.k).unwrap_or(sdc::DEFAULT_K);
        ind.kind = input.kind.clone();
        ind.public = input.public;
        tx.update_stat_indicator(&row_of(&ind, row.position, now))
            .await?;
        let mut e = ctx.entry("statistics.indicator_edit", "ok");
        e.object_kind = Some("indicator".into());
        e.object_id = Some(code.to_string());
        e.detail = Some(format!(
            "k={} kind={} public={}",
            ind.k, ind.kind, ind.public
        ));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(ind)
    }

    /// A country submits (or revises) its figures for one indicator and period: each
    /// accepted submission is a new revision. After the period was closed, a change needs a
    /// reason (409 without one).
    pub async fn submit_statistics(
        &self,
        ctx: &Ctx,
        country: Country,
        indicator: &str,
        period: &str,
        input: &FiguresInput,
    ) -> AppResult<TableView> {
        let ind = self.indicator(indicator).await?;
        if !may_submit_statistics(&ctx.actor, country) {
            return Err(AppError::Forbidden);
        }
        let mut errs = Invalid::default();
        if !valid_period(&ind.period, period) {
            errs.push("period", "stats_bad_period");
        }
        if ind.kind == "derived" {
            errs.push("indicator", "stats_derived");
        }
        errs.into_result()?;
        let table = validate_figures(&ind, input)?;
        // The pattern is computed before taking the write lock: it can take a moment.
        let protection = to_json(&sdc::protect(&table, ind.k))?;
        let reason = input
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let old = tx.stat_figure(country, indicator, period).await?;
        if old.as_ref().is_some_and(|o| o.closed_at.is_some()) && reason.is_none() {
            return Err(AppError::Conflict("stats_closed"));
        }
        let row = FigureRow {
            country,
            indicator: indicator.to_string(),
            period: period.to_string(),
            revision: old.as_ref().map_or(1, |o| o.revision + 1),
            total: i64::try_from(table.total).unwrap_or(0),
            cells: to_json(&table.cells)?,
            protection,
            protection_k: i64::from(ind.k),
            closed_at: old.as_ref().and_then(|o| o.closed_at),
            updated_at: now,
        };
        tx.put_stat_figure(&row, reason, (&ctx.actor.user_id, &ctx.actor.username))
            .await?;
        let mut e = stat_entry(
            ctx,
            "statistics.submit",
            format!("{}/{indicator}/{period}", country.code()),
            country,
        );
        e.detail = Some(format!("revision={} total={}", row.revision, row.total));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(table_view(&ind, &row, Sight::Full))
    }

    /// A country closes one of its periods (closing again changes nothing).
    pub async fn close_statistics(
        &self,
        ctx: &Ctx,
        country: Country,
        indicator: &str,
        period: &str,
    ) -> AppResult<TableView> {
        let ind = self.indicator(indicator).await?;
        if !may_submit_statistics(&ctx.actor, country) {
            return Err(AppError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mut row = tx
            .stat_figure(country, indicator, period)
            .await?
            .ok_or(AppError::NotFound)?;
        if row.closed_at.is_none() {
            tx.close_stat_figure(country, indicator, period, &ctx.actor.user_id, now)
                .await?;
            row.closed_at = Some(now);
        }
        tx.audit(
            now,
            stat_entry(
                ctx,
                "statistics.close",
                format!("{}/{indicator}/{period}", country.code()),
                country,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(table_view(&ind, &row, Sight::Full))
    }

    /// Every revision of one table, newest first (the owner country only: for anyone else
    /// the revisions do not exist, 404).
    pub async fn statistics_revisions(
        &self,
        ctx: &Ctx,
        country: Country,
        indicator: &str,
        period: &str,
        cursor: Option<i64>,
    ) -> AppResult<(Vec<Revision>, Option<i64>)> {
        self.indicator(indicator).await?;
        if ctx.actor.country != Some(country) {
            return Err(AppError::NotFound);
        }
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut rows: Vec<RevisionRow> = tx
            .stat_revisions(country, indicator, period, cursor, REVISIONS_PAGE + 1)
            .await?;
        if rows.is_empty() && cursor.is_none() {
            return Err(AppError::NotFound);
        }
        let more = rows.len() as i64 > REVISIONS_PAGE;
        rows.truncate(REVISIONS_PAGE as usize);
        let next = if more {
            rows.last().map(|r| r.revision)
        } else {
            None
        };
        tx.audit(
            now,
            stat_entry(
                ctx,
                "statistics.revisions",
                format!("{}/{indicator}/{period}", country.code()),
                country,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok((
            rows.into_iter()
                .map(|r| Revision {
                    revision: r.revision,
                    total: u64::try_from(r.total).unwrap_or(0),
                    cells: parse_cells(&r.cells),
                    reason: r.reason,
                    by: r.by_username,
                    at: r.at,
                })
                .collect(),
            next,
        ))
    }

    /// An indicator's figures over `periods` and `countries` (all when a list is empty), as
    /// `ctx`'s caller may see them: the caller's own country in full, every other country
    /// after disclosure control. This is the one read for pages, dashboards, reports and
    /// exports; each other country read leaves an audit row with that country as owner.
    pub async fn statistics_view(
        &self,
        ctx: &Ctx,
        indicator: &str,
        periods: &[String],
        countries: &[Country],
    ) -> AppResult<StatisticsView> {
        let ind = self.indicator(indicator).await?;
        if periods.len() > MAX_PERIODS {
            return Err(Invalid::one("period", "out_of_range").into());
        }
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let rows = tx.stat_figures(indicator, periods, countries).await?;
        let mine = ctx.actor.country;
        let tables: Vec<TableView> = rows
            .iter()
            .map(|r| {
                let sight = if Some(r.country) == mine {
                    Sight::Full
                } else {
                    Sight::Protected
                };
                table_view(&ind, r, sight)
            })
            .collect();
        let mut e = ctx.entry("statistics.read", "ok");
        e.object_kind = Some("statistics".into());
        e.object_id = Some(indicator.to_string());
        e.detail = Some(format!("tables={}", tables.len()));
        tx.audit(now, e).await?;
        // One row per other owner country: the periods of it that were read.
        let mut by_owner: BTreeMap<&'static str, (Country, Vec<&str>)> = BTreeMap::new();
        for r in rows.iter().filter(|r| Some(r.country) != mine) {
            by_owner
                .entry(r.country.code())
                .or_insert((r.country, vec![]))
                .1
                .push(&r.period);
        }
        for (code, (owner, ps)) in by_owner {
            let mut e = stat_entry(ctx, "statistics.read", format!("{code}/{indicator}"), owner);
            let mut detail = format!("returned protected periods={}", ps.join(","));
            detail.truncate(900);
            e.detail = Some(detail);
            tx.audit(now, e).await?;
        }
        tx.commit().await?;
        Ok(StatisticsView {
            indicator: ind,
            tables,
        })
    }

    /// The public portal's read: only indicators marked public (404 otherwise), every
    /// country after disclosure control, no actor and no audit (nothing beyond what anyone
    /// may see).
    pub async fn statistics_public_view(
        &self,
        indicator: &str,
        periods: &[String],
        countries: &[Country],
    ) -> AppResult<StatisticsView> {
        let ind = self.indicator(indicator).await?;
        if !ind.public {
            return Err(AppError::NotFound);
        }
        if periods.len() > MAX_PERIODS {
            return Err(Invalid::one("period", "out_of_range").into());
        }
        let mut tx = self.store.read().await?;
        let rows = tx.stat_figures(indicator, periods, countries).await?;
        tx.commit().await?;
        Ok(StatisticsView {
            tables: rows
                .iter()
                .map(|r| table_view(&ind, r, Sight::Protected))
                .collect(),
            indicator: ind,
        })
    }

    /// A few quarters of fictional figures for several countries.
    pub(crate) async fn seed_demo_statistics(&self) -> AppResult<()> {
        let ind = self.indicator("smuggled_migrants_detected").await?;
        let countries = ["mx", "gt", "sv", "cr", "pa", "do"];
        let nationalities = ["hn", "gt", "sv", "ni", "ve", "ht", "cu", "ec"];
        let sexes = ["female", "male"];
        let periods = ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"];
        let mut tx = self.store.begin().await?;
        let now = self.now_ms();
        let mut x: u64 = 20260401;
        for (ci, code) in countries.iter().enumerate() {
            let Some(country) = Country::parse(code) else {
                continue;
            };
            for (pi, period) in periods.iter().enumerate() {
                let mut cells = Vec::new();
                for n in nationalities {
                    for s in sexes {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        // Mostly tens to hundreds, some small (suppressed beyond the owner).
                        let v = match (x >> 33) % 5 {
                            0 => (x >> 40) % 9,
                            _ => 12 + (x >> 40) % (40 + 30 * (ci as u64 + pi as u64)),
                        };
                        cells.push(sdc::Cell {
                            key: vec![n.to_string(), s.to_string()],
                            value: v,
                        });
                    }
                }
                let total: u64 = cells.iter().map(|c| c.value).sum();
                let table = Table {
                    dimensions: ind.dimensions.clone(),
                    cells,
                    total,
                };
                let row = FigureRow {
                    country,
                    indicator: ind.code.clone(),
                    period: period.to_string(),
                    revision: 1,
                    total: i64::try_from(total).unwrap_or(0),
                    cells: to_json(&table.cells)?,
                    protection: to_json(&sdc::protect(&table, ind.k))?,
                    protection_k: i64::from(ind.k),
                    closed_at: (pi + 1 < periods.len()).then_some(now),
                    updated_at: now,
                };
                tx.put_stat_figure(&row, None, ("demo", "demo")).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind() -> Indicator {
        Indicator {
            code: "x".into(),
            name: Bilingual::default(),
            definition: Bilingual::default(),
            unit: Bilingual::default(),
            period: "quarter".into(),
            dimensions: vec!["nationality".into(), "sex".into()],
            k: 11,
            kind: "submitted".into(),
            public: true,
        }
    }

    fn cell(n: &str, s: &str, v: i64) -> CellInput {
        CellInput {
            values: [("nationality".into(), n.into()), ("sex".into(), s.into())].into(),
            value: v,
        }
    }

    #[test]
    fn the_shipped_catalogue_parses_and_uses_known_dimensions() {
        let s = shipped().expect("indicators.json parses");
        assert!(s.indicators.len() >= 14);
        let smug = s
            .indicators
            .iter()
            .find(|i| i.code == "smuggled_migrants_detected")
            .unwrap();
        assert_eq!(smug.period, "quarter");
        assert_eq!(smug.dimensions, ["nationality", "sex"]);
        assert_eq!(smug.k, 11);
        for i in &s.indicators {
            for d in &i.dimensions {
                assert!(dimensions().contains_key(d), "{} uses {d}", i.code);
            }
        }
        assert!(dimensions()["nationality"].knows("hn"));
        assert!(dimensions()["nationality"].knows("unknown"));
        assert!(dimensions()["age_group"].knows("60_plus"));
    }

    #[test]
    fn periods_match_the_indicator() {
        assert!(valid_period("quarter", "2026-Q1"));
        assert!(!valid_period("quarter", "2026-Q5"));
        assert!(!valid_period("quarter", "2026-03"));
        assert!(valid_period("month", "2026-03"));
        assert!(!valid_period("month", "2026-13"));
        assert!(!valid_period("month", "2026-+3"));
        assert!(!valid_period("month", "1999-03"));
        assert_eq!(period_label("2026-03", "en"), "March 2026");
        assert_eq!(period_label("2026-Q1", "es"), "Trimestre 1 de 2026");
    }

    #[test]
    fn figures_are_validated() {
        let i = ind();
        let ok = FiguresInput {
            total: 40,
            cells: vec![cell("hn", "female", 3), cell("hn", "male", 37)],
            reason: None,
        };
        assert!(validate_figures(&i, &ok).is_ok());
        let gap = FiguresInput {
            total: 40,
            cells: vec![cell("hn", "female", 2), cell("hn", "male", 37)],
            reason: None,
        };
        assert_eq!(
            validate_figures(&i, &gap).unwrap_err(),
            Invalid::one("cells", "stats_cells_sum")
        );
        assert_eq!(gap.cells_sum(), 39);
        let neg = FiguresInput {
            total: 40,
            cells: vec![cell("hn", "female", -3), cell("hn", "male", 43)],
            reason: None,
        };
        assert_eq!(
            validate_figures(&i, &neg).unwrap_err(),
            Invalid::one("cells", "stats_negative")
        );
        let unknown = FiguresInput {
            total: 3,
            cells: vec![cell("zz", "female", 3)],
            reason: None,
        };
        assert_eq!(
            validate_figures(&i, &unknown).unwrap_err(),
            Invalid::one("cells", "stats_unknown_code")
        );
        let dup = FiguresInput {
            total: 6,
            cells: vec![cell("hn", "female", 3), cell("hn", "female", 3)],
            reason: None,
        };
        assert_eq!(
            validate_figures(&i, &dup).unwrap_err(),
            Invalid::one("cells", "stats_duplicate_cell")
        );
    }
}
