//! Import of a country's figures from its own spreadsheet (CSV or XLSX), all or nothing.
//!
//! The file has a header row `period,<dimension codes…>,value` (the downloadable template's)
//! and one row per cell; a row whose dimensions are all `_T` gives the period's total (else
//! the total is the sum of the cells). Every rejected row is reported with its line and the
//! reason's code (the pages put it in the user's words); if any row is rejected nothing is
//! written, else every period is written as a new revision in one transaction.
use super::{
    dimensions, to_json, valid_period, validate_figures, CellInput, FiguresInput, Indicator,
};
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::policy::may_submit_statistics;
use enlace_domain::sdc;
use enlace_domain::Country;
use enlace_store::statistics::FigureRow;
use std::collections::BTreeMap;

/// Files larger than this are refused before parsing (memory stays bounded).
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;
/// Rows per file at most.
pub const MAX_IMPORT_ROWS: usize = 50_000;
/// Rejections reported at most (the rest are counted).
pub const MAX_REPORTED: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// One rejected row: its line in the file (1 = header) and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    pub line: usize,
    /// The column at fault (`period`, a dimension code, `value`, `file`…).
    pub column: String,
    /// The reason's code (an i18n key).
    pub code: &'static str,
    /// For `stats_cells_sum`: the cells' sum and the total.
    pub sum: Option<(i64, i64)>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ImportReport {
    pub rows: usize,
    /// Periods written (empty when anything was rejected).
    pub periods: Vec<(String, i64)>,
    pub rejected: Vec<Rejection>,
    /// Rejections beyond those reported.
    pub more_rejected: usize,
}

fn reject(r: &mut ImportReport, line: usize, column: &str, code: &'static str) {
    if r.rejected.len() < MAX_REPORTED {
        r.rejected.push(Rejection {
            line,
            column: column.to_string(),
            code,
            sum: None,
        });
    } else {
        r.more_rejected += 1;
    }
}

/// The rows of the file as text cells.
fn read_rows(bytes: &[u8], format: Format) -> Result<Vec<Vec<String>>, &'static str> {
    match format {
        Format::Csv => {
            let text = std::str::from_utf8(bytes).map_err(|_| "stats_import_encoding")?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            // Spanish spreadsheets often save with `;`.
            let first = text.lines().next().unwrap_or("");
            let delim = if first.contains(';') && !first.contains(',') {
                b';'
            } else {
                b','
            };
            let mut rd = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delim)
                .from_reader(text.as_bytes());
            let mut out = Vec::new();
            for rec in rd.records() {
                let rec = rec.map_err(|_| "stats_import_unreadable")?;
                out.push(rec.iter().map(|s| s.trim().to_string()).collect());
                if out.len() > MAX_IMPORT_ROWS + 1 {
                    return Err("stats_import_too_many_rows");
                }
            }
            Ok(out)
        }
        Format::Xlsx => {
            use calamine::{Data, Reader};
            let mut wb: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
                    .map_err(|_| "stats_import_unreadable")?;
            let range = wb
                .worksheet_range_at(0)
                .ok_or("stats_import_unreadable")?
                .map_err(|_| "stats_import_unreadable")?;
            if range.height() > MAX_IMPORT_ROWS + 1 {
                return Err("stats_import_too_many_rows");
            }
            Ok(range
                .rows()
                .map(|row| {
                    row.iter()
                        .map(|c| match c {
                            Data::Int(i) => i.to_string(),
                            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                                format!("{}", *f as i64)
                            }
                            Data::Float(f) => f.to_string(),
                            Data::String(s) => s.trim().to_string(),
                            Data::Bool(b) => b.to_string(),
                            Data::Empty => String::new(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect())
        }
    }
}

/// Parses and checks a file for `ind`; the figures per period when nothing is rejected.
pub fn parse(
    ind: &Indicator,
    bytes: &[u8],
    format: Format,
) -> (ImportReport, BTreeMap<String, FiguresInput>) {
    let mut report = ImportReport::default();
    let mut periods: BTreeMap<String, FiguresInput> = BTreeMap::new();
    if bytes.len() > MAX_IMPORT_BYTES {
        reject(&mut report, 0, "file", "stats_import_too_large");
        return (report, periods);
    }
    let rows = match read_rows(bytes, format) {
        Ok(r) => r,
        Err(code) => {
            reject(&mut report, 0, "file", code);
            return (report, periods);
        }
    };
    let Some(header) = rows.first() else {
        reject(&mut report, 1, "file", "stats_import_empty");
        return (report, periods);
    };
    let header: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(pcol), Some(vcol)) = (col("period"), col("value")) else {
        reject(&mut report, 1, "file", "stats_import_header");
        return (report, periods);
    };
    let mut dcols = Vec::new();
    for d in &ind.dimensions {
        match col(d) {
            Some(c) => dcols.push((d.clone(), c)),
            None => reject(&mut report, 1, d, "stats_import_header"),
        }
    }
    if !report.rejected.is_empty() {
        return (report, periods);
    }
    // Where each period's total was given (line), to report a gap there.
    let mut total_line: BTreeMap<String, usize> = BTreeMap::new();
    let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
    let mut explicit_total: BTreeMap<String, i64> = BTreeMap::new();
    let dims = dimensions();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if row.iter().all(String::is_empty) {
            continue;
        }
        report.rows += 1;
        let get = |c: usize| row.get(c).map(String::as_str).unwrap_or("");
        let period = get(pcol).to_string();
        let mut ok = true;
        if !valid_period(&ind.period, &period) {
            reject(&mut report, line, "period", "stats_bad_period");
            ok = false;
        }
        let value = match get(vcol).parse::<i64>() {
            Ok(v) if v < 0 => {
                reject(&mut report, line, "value", "stats_negative");
                ok = false;
                0
            }
            Ok(v) if v > super::MAX_COUNT => {
                reject(&mut report, line, "value", "out_of_range");
                ok = false;
                0
            }
            Ok(v) => v,
            Err(_) => {
                reject(&mut report, line, "value", "stats_import_not_a_count");
                ok = false;
                0
            }
        };
        let all_total = !dcols.is_empty() && dcols.iter().all(|(_, c)| get(*c) == "_T");
        let mut values = BTreeMap::new();
        if !all_total {
            for (d, c) in &dcols {
                let v = get(*c).to_ascii_lowercase();
                if !dims.get(d).is_some_and(|dim| dim.knows(&v)) {
                    reject(&mut report, line, d, "stats_unknown_code");
                    ok = false;
                }
                values.insert(d.clone(), v);
            }
        }
        if !ok {
            continue;
        }
        first_line.entry(period.clone()).or_insert(line);
        if all_total || dcols.is_empty() {
            if explicit_total.insert(period.clone(), value).is_some() {
                reject(&mut report, line, "value", "stats_duplicate_cell");
            }
            total_line.insert(period.clone(), line);
            periods.entry(period).or_default();
            continue;
        }
        let f = periods.entry(period).or_default();
        if f.cells.iter().any(|c| c.values == values) {
            reject(&mut report, line, "value", "stats_duplicate_cell");
            continue;
        }
        if f.cells.len() >= super::MAX_CELLS {
            reject(&mut report, line, "value", "stats_too_many_cells");
            continue;
        }
        f.cells.push(CellInput { values, value });
    }
    for (period, f) in periods.iter_mut() {
        f.total = explicit_total
            .get(period)
            .copied()
            .unwrap_or_else(|| f.cells_sum());
        if let Err(e) = validate_figures(ind, f) {
            let line = total_line
                .get(period)
                .or(first_line.get(period))
                .copied()
                .unwrap_or(0);
            for fe in e.0 {
                if report.rejected.len() < MAX_REPORTED {
                    report.rejected.push(Rejection {
                        line,
                        column: fe.field.to_string(),
                        code: fe.code,
                        sum: (fe.code == "stats_cells_sum").then(|| (f.cells_sum(), f.total)),
                    });
                }
            }
        }
    }
    if report.rows == 0 && report.rejected.is_empty() {
        reject(&mut report, 1, "file", "stats_import_empty");
    }
    (report, periods)
}

/// The template for an indicator: the header and one example row per combination of the
/// non-nationality dimensions (nationality left for the user to fill), value empty.
pub fn template_rows(ind: &Indicator, period: &str) -> Vec<Vec<String>> {
    let mut header = vec!["period".to_string()];
    header.extend(ind.dimensions.iter().cloned());
    header.push("value".into());
    let mut combos: Vec<Vec<String>> = vec![vec![]];
    for d in &ind.dimensions {
        let values: Vec<String> = if d == "nationality" {
            vec!["hn".into(), "gt".into(), "unknown".into()]
        } else {
            dimensions()
                .get(d)
                .map(|dim| dim.values.iter().map(|(c, _, _)| c.clone()).collect())
                .unwrap_or_default()
        };
        combos = combos
            .into_iter()
            .flat_map(|k| {
                values.iter().map(move |v| {
                    let mut k = k.clone();
                    k.push(v.clone());
                    k
                })
            })
            .take(2000)
            .collect();
    }
    let mut out = vec![header];
    for k in combos {
        let mut row = vec![period.to_string()];
        row.extend(k);
        row.push(String::new());
        out.push(row);
    }
    out
}

pub fn template_csv(ind: &Indicator, period: &str) -> AppResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in template_rows(ind, period) {
        w.write_record(&r).map_err(super::export_err)?;
    }
    w.into_inner().map_err(super::export_err)
}

pub fn template_xlsx(ind: &Indicator, period: &str) -> AppResult<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in template_rows(ind, period).into_iter().enumerate() {
        for (c, v) in row.into_iter().enumerate() {
            ws.write_string(r as u32, c as u16, v)
                .map_err(super::export_err)?;
        }
    }
    wb.save_to_buffer().map_err(super::export_err)
}

impl App {
    /// Imports a file of figures for `country` and `indicator`: all or nothing. A rejected
    /// file answers `Ok` with its rejections and nothing written; closed periods need
    /// `reason` (else every row of them is rejected as closed).
    pub async fn import_statistics(
        &self,
        ctx: &Ctx,
        country: Country,
        indicator: &str,
        bytes: &[u8],
        format: Format,
        reason: Option<&str>,
    ) -> AppResult<ImportReport> {
        let ind = self.indicator(indicator).await?;
        if !may_submit_statistics(&ctx.actor, country) {
            return Err(AppError::Forbidden);
        }
        if ind.kind == "derived" {
            return Err(enlace_domain::Invalid::one("indicator", "stats_derived").into());
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let (mut report, periods) = parse(&ind, bytes, format);
        if !report.rejected.is_empty() {
            return Ok(report);
        }
        let mut prepared = Vec::new();
        for (period, f) in &periods {
            let table = validate_figures(&ind, f)?;
            let protection = to_json(&sdc::protect(&table, ind.k))?;
            prepared.push((period.clone(), table, protection));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        for (period, table, protection) in prepared {
            let old = tx.stat_figure(country, indicator, &period).await?;
            if old.as_ref().is_some_and(|o| o.closed_at.is_some()) && reason.is_none() {
                reject(&mut report, 0, &period, "stats_closed");
                continue;
            }
            let row = FigureRow {
                country,
                indicator: indicator.to_string(),
                period: period.clone(),
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
            let mut e = super::stat_entry(
                ctx,
                "statistics.import",
                format!("{}/{indicator}/{period}", country.code()),
                country,
            );
            e.detail = Some(format!("revision={} total={}", row.revision, row.total));
            tx.audit(now, e).await?;
            report.periods.push((period, row.revision));
        }
        if !report.rejected.is_empty() {
            // Dropping the transaction rolls every period of this file back.
            report.periods.clear();
            return Ok(report);
        }
        tx.commit().await?;
        Ok(report)
    }
}
