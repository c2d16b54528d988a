//! The regional statistics dashboard, the quarterly report and the portal's public figures:
//! the data behind them. Submitted figures come from the statistics read after disclosure
//! control (the caller's own country in full, every other country protected; the public sees
//! every country protected); indicators derived from intelligence count only the records the
//! caller's country owns or was given (the visibility predicate), never everyone's.
//! Presentation (charts, tables, the PDF) is the web layer's.
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::{Country, Invalid};
use enlace_store::entities::{Entity, EntityFilter};
use enlace_store::Viewer;
use serde::Serialize;
use std::collections::BTreeMap;

/// How often an indicator is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    Month,
    Quarter,
}

/// A reporting period: `2026-Q1` or `2026-03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    /// Quarter 1–4 or month 1–12 by `kind`.
    pub sub: u32,
    pub kind: PeriodKind,
}

/// The oldest year a period may name (older figures are not kept).
pub const FIRST_YEAR: i32 = 2000;

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        let (y, rest) = s.split_once('-')?;
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        if !(FIRST_YEAR..=2100).contains(&year) {
            return None;
        }
        if let Some(q) = rest.strip_prefix('Q') {
            let sub = match q {
                "1" => 1,
                "2" => 2,
                "3" => 3,
                "4" => 4,
                _ => return None,
            };
            return Some(Period {
                year,
                sub,
                kind: PeriodKind::Quarter,
            });
        }
        if rest.len() != 2 || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let sub: u32 = rest.parse().ok()?;
        (1..=12).contains(&sub).then_some(Period {
            year,
            sub,
            kind: PeriodKind::Month,
        })
    }

    /// The period of this kind that holds a day (`YYYY-MM-DD…`).
    pub fn of_date(date: &str, kind: PeriodKind) -> Option<Period> {
        let y: i32 = date.get(0..4)?.parse().ok()?;
        let m: u32 = date.get(5..7)?.parse().ok()?;
        if !(1..=12).contains(&m) || !(FIRST_YEAR..=2100).contains(&y) {
            return None;
        }
        Some(match kind {
            PeriodKind::Month => Period {
                year: y,
                sub: m,
                kind,
            },
            PeriodKind::Quarter => Period {
                year: y,
                sub: (m - 1) / 3 + 1,
                kind,
            },
        })
    }

    /// The period holding the instant `ms` (UTC).
    pub fn at_ms(ms: i64, kind: PeriodKind) -> Period {
        let days = ms.div_euclid(86_400_000);
        let (y, m, _) = civil_from_days(days);
        Period::of_date(&format!("{y:04}-{m:02}-01"), kind).unwrap_or(Period {
            year: FIRST_YEAR,
            sub: 1,
            kind,
        })
    }

    fn per_year(self) -> u32 {
        match self.kind {
            PeriodKind::Month => 12,
            PeriodKind::Quarter => 4,
        }
    }

    fn index(self) -> i64 {
        i64::from(self.year) * i64::from(self.per_year()) + i64::from(self.sub) - 1
    }

    fn from_index(i: i64, kind: PeriodKind) -> Period {
        let n = match kind {
            PeriodKind::Month => 12,
            PeriodKind::Quarter => 4,
        };
        Period {
            year: i.div_euclid(n) as i32,
            sub: (i.rem_euclid(n) + 1) as u32,
            kind,
        }
    }

    pub fn prev(self, n: i64) -> Period {
        Period::from_index(self.index() - n, self.kind)
    }

    /// The periods from `self` to `to` inclusive (empty when `to` is earlier).
    pub fn range(self, to: Period) -> Vec<Period> {
        (self.index()..=to.index())
            .map(|i| Period::from_index(i, self.kind))
            .collect()
    }

    /// The first and last day of the period, `YYYY-MM-DD`.
    pub fn days(self) -> (String, String) {
        let (m0, m1) = match self.kind {
            PeriodKind::Month => (self.sub, self.sub),
            PeriodKind::Quarter => (self.sub * 3 - 2, self.sub * 3),
        };
        let leap = (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0;
        let last = match m1 {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (
            format!("{:04}-{m0:02}-01", self.year),
            format!("{:04}-{m1:02}-{last:02}", self.year),
        )
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            PeriodKind::Quarter => write!(f, "{:04}-Q{}", self.year, self.sub),
            PeriodKind::Month => write!(f, "{:04}-{:02}", self.year, self.sub),
        }
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// An indicator as the dashboard needs it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DashboardIndicator)]
pub struct IndicatorInfo {
    pub code: String,
    pub name_es: String,
    pub name_en: String,
    pub period: PeriodKind,
    pub dimensions: Vec<String>,
    /// Shown on the public portal.
    pub public: bool,
}

impl IndicatorInfo {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.name_en
        } else {
            &self.name_es
        }
    }
}

/// One published figure after disclosure control: a country's total (no dimensions) or one
/// cell of its breakdown. A suppressed figure has no value and says so.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = DashboardFigure)]
pub struct Figure {
    pub country: Country,
    pub period: String,
    /// Dimension → value code (`nationality` → `hn`); empty for the total.
    pub dims: BTreeMap<String, String>,
    pub value: Option<u64>,
    pub suppressed: bool,
    /// A margin (the sum over the other dimensions for one value of `dims`), not a cell.
    pub margin: bool,
}

/// What the dashboard is asked for; every field optional (defaults: the first indicator,
/// the last eight periods up to the current one, all countries).
#[derive(Debug, Clone, Default)]
pub struct DashboardQuery {
    pub indicator: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub country: Option<String>,
}

/// At most this many periods in one view (ten years of months).
pub const MAX_PERIODS: usize = 120;

/// The dashboard's data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DashboardData {
    pub indicators: Vec<IndicatorInfo>,
    pub indicator: IndicatorInfo,
    pub periods: Vec<String>,
    /// The country the view is narrowed to, if any.
    pub country: Option<Country>,
    /// The caller's own country (its figures are in full).
    pub own: Option<Country>,
    pub figures: Vec<Figure>,
    /// Each indicator's published totals in the last period of the range.
    pub overview: Vec<OverviewRow>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverviewRow {
    pub indicator: String,
    /// Countries with a published (not suppressed) total.
    pub reporting: usize,
    /// Countries whose total is suppressed.
    pub suppressed: usize,
    /// The sum of the published totals.
    pub published_total: u64,
}

/// Indicators derived from intelligence records, per quarter.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct DerivedPeriod {
    pub period: String,
    pub interdictions: u64,
    pub rescues: u64,
    pub deaths_in_transit: u64,
    /// Migrants named in those events (`enlaceMigrants`).
    pub migrants: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NationalityCount {
    pub nationality: String,
    pub migrants: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DerivedRoute {
    pub name: String,
    pub owner: Country,
    pub legs: usize,
    /// The sum of the legs' fees, per currency (`USD` → 1800).
    pub fees: BTreeMap<String, f64>,
    pub last_seen: String,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Derived {
    pub periods: Vec<DerivedPeriod>,
    /// Migrants involved in events in the range, by nationality code, largest first.
    pub nationalities: Vec<NationalityCount>,
    /// Routes seen during the range.
    pub routes: Vec<DerivedRoute>,
    /// Networks and organisations recorded.
    pub networks: u64,
    /// Whether the caller reads intelligence at all (otherwise nothing is derived).
    pub available: bool,
}

/// Caps the records one derivation reads (a bound on memory, whatever the data).
const DERIVE_CAP: i64 = 20_000;

fn first(e: &Entity, p: &str) -> Option<String> {
    e.properties.get(p).and_then(|v| v.first()).cloned()
}

impl App {
    /// The indicator catalogue as the dashboard shows it.
    pub async fn dashboard_indicators(&self) -> AppResult<Vec<IndicatorInfo>> {
        Ok(self
            .indicators()
            .await?
            .into_iter()
            .map(|i| IndicatorInfo {
                period: if i.period == "month" {
                    PeriodKind::Month
                } else {
                    PeriodKind::Quarter
                },
                code: i.code,
                name_es: i.name.es,
                name_en: i.name.en,
                dimensions: i.dimensions,
                public: i.public,
            })
            .collect())
    }

    /// Published figures of one indicator for the periods, through the statistics read:
    /// `viewer`'s own country in full, every other country after disclosure control
    /// (`None`: the public, only indicators marked public, all protected).
    pub async fn protected_figures(
        &self,
        viewer: Option<&Ctx>,
        indicator: &IndicatorInfo,
        periods: &[Period],
    ) -> AppResult<Vec<Figure>> {
        let ps: Vec<String> = periods.iter().map(|p| p.to_string()).collect();
        let v = match viewer {
            Some(ctx) => self.statistics_view(ctx, &indicator.code, &ps, &[]).await?,
            None => match self.statistics_public_view(&indicator.code, &ps, &[]).await {
                Ok(v) => v,
                Err(AppError::NotFound) => return Ok(vec![]),
                Err(e) => return Err(e),
            },
        };
        let dims = &v.indicator.dimensions;
        let mut out = vec![];
        for t in v.tables {
            out.push(Figure {
                country: t.country,
                period: t.period.clone(),
                dims: BTreeMap::new(),
                value: if t.total_suppressed { None } else { t.total },
                suppressed: t.total_suppressed,
                margin: false,
            });
            for c in t.cells {
                out.push(Figure {
                    country: t.country,
                    period: t.period.clone(),
                    dims: dims.iter().cloned().zip(c.key).collect(),
                    value: if c.suppressed { None } else { c.value },
                    suppressed: c.suppressed,
                    margin: false,
                });
            }
            for m in t.margins {
                out.push(Figure {
                    country: t.country,
                    period: t.period.clone(),
                    dims: BTreeMap::from([(m.dimension, m.value)]),
                    value: if m.suppressed { None } else { m.sum },
                    suppressed: m.suppressed,
                    margin: true,
                });
            }
        }
        Ok(out)
    }

    /// Resolves a dashboard query against the catalogue; bad values name their field.
    pub fn resolve_query(
        &self,
        indicators: &[IndicatorInfo],
        q: &DashboardQuery,
    ) -> AppResult<(IndicatorInfo, Vec<Period>, Option<Country>)> {
        let mut errors = Invalid(vec![]);
        let indicator = match q.indicator.as_deref().filter(|s| !s.is_empty()) {
            None => indicators.first().cloned(),
            Some(code) => {
                let found = indicators.iter().find(|i| i.code == code).cloned();
                if found.is_none() {
                    errors
                        .0
                        .extend(Invalid::one("indicator", "dashboard_unknown_indicator").0);
                }
                found
            }
        };
        let kind = indicator
            .as_ref()
            .map(|i| i.period)
            .unwrap_or(PeriodKind::Quarter);
        let parse = |field: &'static str, v: &Option<String>, errors: &mut Invalid| match v
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => match Period::parse(s) {
                Some(p) if p.kind == kind => Some(p),
                _ => {
                    errors
                        .0
                        .extend(Invalid::one(field, "dashboard_bad_period").0);
                    None
                }
            },
        };
        let current = Period::at_ms(self.now_ms(), kind);
        let to = parse("period_to", &q.to, &mut errors).unwrap_or(current);
        let from = parse("period_from", &q.from, &mut errors).unwrap_or(to.prev(7));
        let periods = from.range(to);
        if periods.is_empty() {
            errors
                .0
                .extend(Invalid::one("period_from", "dashboard_from_after_to").0);
        } else if periods.len() > MAX_PERIODS {
            errors
                .0
                .extend(Invalid::one("period_from", "dashboard_too_long").0);
        }
        let country = match q.country.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => match Country::parse(c) {
                Some(c) => Some(c),
                None => {
                    errors
                        .0
                        .extend(Invalid::one("country", "dashboard_unknown_country").0);
                    None
                }
            },
        };
        match indicator {
            Some(i) if errors.0.is_empty() => Ok((i, periods, country)),
            None if errors.0.is_empty() => Err(AppError::NotFound),
            _ => Err(AppError::Invalid(errors)),
        }
    }

    /// The dashboard for a signed-in user.
    pub async fn dashboard(&self, ctx: &Ctx, q: &DashboardQuery) -> AppResult<DashboardData> {
        let indicators = self.dashboard_indicators().await?;
        let (indicator, periods, country) = self.resolve_query(&indicators, q)?;
        self.dashboard_for(Some(ctx), indicators, indicator, periods, country, true)
            .await
    }

    /// The dashboard's data as `viewer` may see it (`None`: the public).
    pub async fn dashboard_for(
        &self,
        viewer: Option<&Ctx>,
        indicators: Vec<IndicatorInfo>,
        indicator: IndicatorInfo,
        periods: Vec<Period>,
        country: Option<Country>,
        with_overview: bool,
    ) -> AppResult<DashboardData> {
        let own = viewer.and_then(|c| c.actor.country);
        let mut figures = self.protected_figures(viewer, &indicator, &periods).await?;
        if let Some(c) = country {
            figures.retain(|f| f.country == c);
        }
        let last = periods.last().copied();
        let mut overview = vec![];
        if let Some(last) = last.filter(|_| with_overview) {
            for i in &indicators {
                let p = if i.period == last.kind {
                    last
                } else {
                    // A monthly indicator beside a quarterly view: the quarter's last month.
                    let (_, end) = last.days();
                    Period::of_date(&end, i.period).unwrap_or(last)
                };
                let totals: Vec<Figure> = if i.code == indicator.code && i.period == last.kind {
                    figures
                        .iter()
                        .filter(|f| f.dims.is_empty() && f.period == p.to_string())
                        .cloned()
                        .collect()
                } else {
                    let mut t = self.protected_figures(viewer, i, &[p]).await?;
                    t.retain(|f| f.dims.is_empty() && country.is_none_or(|c| f.country == c));
                    t
                };
                overview.push(OverviewRow {
                    indicator: i.code.clone(),
                    reporting: totals.iter().filter(|f| f.value.is_some()).count(),
                    suppressed: totals.iter().filter(|f| f.suppressed).count(),
                    published_total: totals.iter().filter_map(|f| f.value).sum(),
                });
            }
        }
        Ok(DashboardData {
            indicators,
            indicator,
            periods: periods.iter().map(|p| p.to_string()).collect(),
            country,
            own,
            figures,
            overview,
        })
    }

    /// Indicators derived from the intelligence records the caller's country owns or was
    /// given (never anyone else's), per quarter of `periods`' span. Reads through the
    /// visibility predicate and leaves the usual audit rows for other countries' records.
    pub async fn derived_indicators(&self, ctx: &Ctx, periods: &[Period]) -> AppResult<Derived> {
        let viewer = Viewer::of(&ctx.actor);
        if viewer.country().is_none() {
            return Ok(Derived::default());
        }
        let (Some(first_p), Some(last_p)) = (periods.first(), periods.last()) else {
            return Ok(Derived::default());
        };
        let (start, _) = first_p.days();
        let (_, end) = last_p.days();
        let mut tx = self.store.read().await?;
        let read = |schema: &'static str| EntityFilter {
            schema: Some(schema.into()),
            ..Default::default()
        };
        let mut records: Vec<Entity> = vec![];
        for schema in ["Event", "Trip", "Organization"] {
            let f = read(schema);
            let mut offset = 0;
            loop {
                let (page, _) = tx.entities_visible(&viewer, &f, 2000, offset).await?;
                let n = page.len() as i64;
                records.extend(page);
                offset += n;
                if n < 2000 || offset >= DERIVE_CAP {
                    break;
                }
            }
        }
        let mut out = Derived {
            available: true,
            ..Default::default()
        };
        let quarters: Vec<Period> = Period::of_date(&start, PeriodKind::Quarter)
            .zip(Period::of_date(&end, PeriodKind::Quarter))
            .map(|(a, b)| a.range(b))
            .unwrap_or_default();
        let mut per: BTreeMap<Period, DerivedPeriod> = quarters
            .iter()
            .map(|p| {
                (
                    *p,
                    DerivedPeriod {
                        period: p.to_string(),
                        ..Default::default()
                    },
                )
            })
            .collect();
        let mut nat: BTreeMap<String, u64> = BTreeMap::new();
        let mut routes: BTreeMap<(Country, String), DerivedRoute> = BTreeMap::new();
        let mut used: Vec<(String, Country, bool)> = vec![];
        for e in &records {
            match e.schema.as_str() {
                "Event" => {
                    let Some(date) = first(e, "date") else {
                        continue;
                    };
                    let Some(q) = Period::of_date(&date, PeriodKind::Quarter) else {
                        continue;
                    };
                    let Some(row) = per.get_mut(&q) else {
                        continue;
                    };
                    used.push((e.id.clone(), e.owner_country, e.sensitive));
                    let kind = first(e, "enlaceEventType").unwrap_or_default();
                    match kind.as_str() {
                        "interdiction" => row.interdictions += 1,
                        "rescue" => row.rescues += 1,
                        "death_in_transit" => row.deaths_in_transit += 1,
                        _ => {}
                    }
                    for m in e.properties.get("enlaceMigrants").into_iter().flatten() {
                        if let Some((c, n)) = m.split_once(':') {
                            let n: u64 = n.parse().unwrap_or(0);
                            row.migrants += n;
                            *nat.entry(c.to_ascii_lowercase()).or_default() += n;
                        }
                    }
                }
                "Trip" => {
                    let seen_from = first(e, "startDate").unwrap_or_default();
                    let seen_to = first(e, "endDate").unwrap_or_else(|| seen_from.clone());
                    // A leg is active in the range when its dates overlap it (undated: always).
                    let active = (seen_from.is_empty() || seen_from.as_str() <= end.as_str())
                        && (seen_to.is_empty() || seen_to.as_str() >= start.as_str());
                    if !active {
                        continue;
                    }
                    used.push((e.id.clone(), e.owner_country, e.sensitive));
                    let name = first(e, "enlaceRoute").unwrap_or_else(|| e.caption.clone());
                    let r = routes
                        .entry((e.owner_country, name.clone()))
                        .or_insert_with(|| DerivedRoute {
                            name,
                            owner: e.owner_country,
                            legs: 0,
                            fees: BTreeMap::new(),
                            last_seen: String::new(),
                        });
                    r.legs += 1;
                    if let Some(fee) = first(e, "enlaceFee").and_then(|f| f.parse::<f64>().ok()) {
                        let cur = first(e, "enlaceCurrency").unwrap_or_default();
                        *r.fees.entry(cur).or_default() += fee;
                    }
                    if seen_to > r.last_seen {
                        r.last_seen = seen_to;
                    }
                }
                "Organization" => {
                    used.push((e.id.clone(), e.owner_country, e.sensitive));
                    out.networks += 1;
                }
                _ => {}
            }
        }
        let now = self.now_ms();
        let mut a = ctx.entry("statistics.derive", "ok");
        a.object_kind = Some("entity".into());
        a.detail = Some(format!("records={}", used.len()));
        tx.audit(now, a).await?;
        crate::audit_returned(&mut tx, ctx, now, "statistics.derive", "entity", used, None).await?;
        tx.commit().await?;
        out.periods = per.into_values().collect();
        let mut nat: Vec<(String, u64)> = nat.into_iter().collect();
        nat.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.nationalities = nat
            .into_iter()
            .map(|(nationality, migrants)| NationalityCount {
                nationality,
                migrants,
            })
            .collect();
        out.routes = routes.into_values().collect();
        Ok(out)
    }

    /// The report of a quarter for a signed-in user: the quarter must have begun.
    pub fn report_period(&self, file_period: &str) -> AppResult<Period> {
        let p = Period::parse(file_period)
            .filter(|p| p.kind == PeriodKind::Quarter)
            .ok_or(AppError::NotFound)?;
        if p > Period::at_ms(self.now_ms(), PeriodKind::Quarter) {
            return Err(AppError::NotFound);
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_print_and_range() {
        let q = Period::parse("2026-Q1").unwrap_or_else(|| unreachable!());
        assert_eq!(q.to_string(), "2026-Q1");
        assert_eq!(q.prev(1).to_string(), "2025-Q4");
        let m = Period::parse("2026-03").unwrap_or_else(|| unreachable!());
        assert_eq!(m.prev(3).to_string(), "2025-12");
        for bad in [
            "2026-Q5", "2026-13", "2026-3", "26-Q1", "1999-Q1", "2026Q1", "", "2026-Q",
        ] {
            assert!(Period::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(q.prev(2).range(q).len(), 3);
        assert!(q.range(q.prev(1)).is_empty());
        assert_eq!(q.days(), ("2026-01-01".into(), "2026-03-31".into()));
        assert_eq!(
            Period::parse("2024-02").map(|p| p.days().1),
            Some("2024-02-29".into())
        );
        assert_eq!(
            Period::of_date("2026-09-14", PeriodKind::Quarter).map(|p| p.to_string()),
            Some("2026-Q3".into())
        );
        // 2026-12-01T00:00:00Z
        assert_eq!(
            Period::at_ms(1_796_083_200_000, PeriodKind::Quarter).to_string(),
            "2026-Q4"
        );
    }
}
