//! The dashboard's data turned into charts and tables in the reader's language. The page, the
//! printable report, its PDF and the portal all draw from here, so they show the same figures
//! and the same suppressions.
use crate::i18n::Tr;
use enlace_app::charts::{self, fmt_count, Chart};
use enlace_app::dashboard::{DashboardData, Derived, Figure, IndicatorInfo};
use enlace_app::pdf::Block;
use enlace_domain::Country;
use std::collections::BTreeMap;

/// A table with its caption, ready for HTML or PDF.
#[derive(Debug, Clone)]
pub struct Table {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn block(&self) -> Block {
        Block::Table {
            headers: self.headers.clone(),
            rows: self.rows.clone(),
        }
    }
}

/// Everything the dashboard shows for one indicator.
pub struct Presented {
    pub trend: Chart,
    pub nationality: Option<Chart>,
    pub map: Chart,
    pub totals: Table,
    pub breakdown: Table,
    pub overview: Table,
    pub last_period: String,
}

/// How a published figure reads: the number, "suppressed", or a dash when not reported.
pub fn value_words(t: &Tr, f: Option<&Figure>) -> String {
    match f {
        Some(Figure {
            value: Some(v),
            suppressed: false,
            ..
        }) => fmt_count(*v as f64),
        Some(Figure {
            suppressed: true, ..
        }) => t.t("dashboard_suppressed"),
        _ => "—".into(),
    }
}

/// A dimension's name in the reader's language.
pub fn dim_name(t: &Tr, dim: &str) -> String {
    let key = format!("dashboard_dim_{dim}");
    if t.has(&key) {
        t.t(&key)
    } else {
        dim.to_string()
    }
}

/// A dimension value's words: nationalities by name, the other vocabularies as the
/// statistics catalogue names them.
pub fn dim_value(t: &Tr, dim: &str, code: &str) -> String {
    if code == "_T" {
        return t.t("dashboard_total");
    }
    if dim == "nationality" {
        if let Some(n) = enlace_domain::nations::name(code, t.code()) {
            return n.to_string();
        }
    }
    enlace_app::statistics::value_label(dim, code, t.code())
}

/// The name of an indicator in the reader's language.
pub fn indicator_name(t: &Tr, i: &IndicatorInfo) -> String {
    i.name(t.code()).to_string()
}

/// Each country's total per period, looked up once (the figures hold every cell too).
type Totals<'a> = std::collections::HashMap<(Country, &'a str), &'a Figure>;

fn totals_of(figs: &[Figure]) -> Totals<'_> {
    figs.iter()
        .filter(|f| f.dims.is_empty())
        .map(|f| ((f.country, f.period.as_str()), f))
        .collect()
}

fn total<'a>(t: &Totals<'a>, c: Country, p: &str) -> Option<&'a Figure> {
    t.get(&(c, p)).copied()
}

fn value_of(f: Option<&Figure>) -> Option<f64> {
    f.and_then(|f| if f.suppressed { None } else { f.value })
        .map(|v| v as f64)
}

/// The countries that appear in the figures, in the catalogue's order.
fn countries_of(d: &DashboardData) -> Vec<Country> {
    Country::all()
        .filter(|c| d.country.is_none_or(|x| x == *c))
        .filter(|c| d.figures.iter().any(|f| f.country == *c))
        .collect()
}

/// Builds the charts and tables of the dashboard.
pub fn present(d: &DashboardData, t: &Tr) -> Presented {
    let name = indicator_name(t, &d.indicator);
    let last = d.periods.last().cloned().unwrap_or_default();
    let countries = countries_of(d);
    let tot = totals_of(&d.figures);
    // Trend: one line per country, its published totals.
    let series: Vec<(String, Vec<Option<f64>>)> = countries
        .iter()
        .map(|c| {
            (
                t.country(c.code()),
                d.periods
                    .iter()
                    .map(|p| value_of(total(&tot, *c, p)))
                    .collect(),
            )
        })
        .collect();
    let trend = charts::line_chart(
        &t.t1("dashboard_trend_title", "indicator", &name),
        &t.t("dashboard_trend_desc"),
        &d.periods,
        &series,
    );
    // Nationality: the last period's cells summed over the other dimensions; a sum with a
    // suppressed cell in it is itself unknown.
    let nationality = d
        .indicator
        .dimensions
        .iter()
        .any(|x| x == "nationality")
        .then(|| {
            let mut by: BTreeMap<String, Vec<Option<u64>>> = BTreeMap::new();
            let index: std::collections::HashMap<Country, usize> =
                countries.iter().enumerate().map(|(i, c)| (*c, i)).collect();
            for f in d
                .figures
                .iter()
                .filter(|f| f.period == last && f.dims.contains_key("nationality"))
                // With several dimensions the nationality margins hold the sums (protected
                // as published); with one, the cells are the nationalities.
                .filter(|f| (d.indicator.dimensions.len() > 1) == f.margin)
            {
                if let Some(&ci) = index.get(&f.country) {
                    let nat = f.dims.get("nationality").cloned().unwrap_or_default();
                    let row = by
                        .entry(nat)
                        .or_insert_with(|| vec![Some(0); countries.len()]);
                    row[ci] = match (row[ci], f.value, f.suppressed) {
                        (Some(a), Some(v), false) => Some(a + v),
                        _ => None,
                    };
                }
            }
            // The eight largest nationalities by published figures; the rest together.
            let mut order: Vec<(String, u64)> = by
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().flatten().sum()))
                .collect();
            order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut stacks: Vec<(String, Vec<Option<f64>>)> = vec![];
            let mut rest: Option<Vec<Option<u64>>> = None;
            for (i, (nat, _)) in order.iter().enumerate() {
                let vals = by.get(nat).cloned().unwrap_or_default();
                if i < 8 {
                    stacks.push((
                        dim_value(t, "nationality", nat),
                        vals.iter().map(|v| v.map(|v| v as f64)).collect(),
                    ));
                } else {
                    let r = rest.get_or_insert_with(|| vec![Some(0); countries.len()]);
                    for (a, b) in r.iter_mut().zip(vals) {
                        *a = match (*a, b) {
                            (Some(a), Some(b)) => Some(a + b),
                            _ => None,
                        };
                    }
                }
            }
            if let Some(r) = rest {
                stacks.push((
                    t.t("dashboard_other_nationalities"),
                    r.iter().map(|v| v.map(|v| v as f64)).collect(),
                ));
            }
            charts::stacked_bars(
                &t.t1("dashboard_nationality_title", "period", &last),
                &t.t("dashboard_nationality_desc"),
                &countries
                    .iter()
                    .map(|c| c.code().to_uppercase())
                    .collect::<Vec<_>>(),
                &stacks,
            )
        });
    let map_values: Vec<(Country, Option<f64>)> = Country::all()
        .filter(|c| d.country.is_none_or(|x| x == *c))
        .map(|c| (c, value_of(total(&tot, c, &last))))
        .collect();
    let map = charts::choropleth(
        &t.t1("dashboard_map_title", "period", &last),
        &t.t("dashboard_map_desc"),
        &map_values,
        &|c| t.country(c.code()),
        &t.t("dashboard_no_data"),
    );
    // Totals: a row per country, a column per period.
    let mut headers = vec![t.t("dashboard_country")];
    headers.extend(d.periods.iter().cloned());
    let rows = countries
        .iter()
        .map(|c| {
            let mut row = vec![t.country(c.code())];
            row.extend(d.periods.iter().map(|p| value_words(t, total(&tot, *c, p))));
            row
        })
        .collect();
    let totals = Table {
        caption: t.t1("dashboard_totals_caption", "indicator", &name),
        headers,
        rows,
    };
    // The breakdown of the last period, one row per cell.
    let dims = &d.indicator.dimensions;
    let mut headers = vec![t.t("dashboard_country")];
    headers.extend(dims.iter().map(|x| dim_name(t, x)));
    headers.push(t.t("dashboard_value"));
    let mut rows = vec![];
    let cells: Vec<&Figure> = d
        .figures
        .iter()
        .filter(|f| f.period == last && !f.dims.is_empty() && !f.margin)
        .collect();
    for c in &countries {
        for f in cells.iter().filter(|f| f.country == *c) {
            let mut row = vec![t.country(c.code())];
            row.extend(dims.iter().map(|x| {
                f.dims
                    .get(x)
                    .map(|v| dim_value(t, x, v))
                    .unwrap_or_else(|| t.t("dashboard_total"))
            }));
            row.push(value_words(t, Some(f)));
            rows.push(row);
        }
    }
    let breakdown = Table {
        caption: t.t1("dashboard_breakdown_caption", "period", &last),
        headers,
        rows,
    };
    let overview = Table {
        caption: t.t1("dashboard_overview_caption", "period", &last),
        headers: vec![
            t.t("dashboard_indicator"),
            t.t("dashboard_reporting"),
            t.t("dashboard_suppressed_count"),
            t.t("dashboard_published_total"),
        ],
        rows: d
            .overview
            .iter()
            .map(|o| {
                let name = d
                    .indicators
                    .iter()
                    .find(|i| i.code == o.indicator)
                    .map(|i| indicator_name(t, i))
                    .unwrap_or_else(|| o.indicator.clone());
                vec![
                    name,
                    o.reporting.to_string(),
                    o.suppressed.to_string(),
                    fmt_count(o.published_total as f64),
                ]
            })
            .collect(),
    };
    Presented {
        trend,
        nationality,
        map,
        totals,
        breakdown,
        overview,
        last_period: last,
    }
}

/// The tables of the indicators derived from intelligence.
pub fn present_derived(d: &Derived, t: &Tr) -> Vec<Table> {
    if !d.available {
        return vec![];
    }
    let mut out = vec![Table {
        caption: t.t("dashboard_derived_events_caption"),
        headers: vec![
            t.t("dashboard_period"),
            t.t("dashboard_derived_interdictions"),
            t.t("dashboard_derived_rescues"),
            t.t("dashboard_derived_deaths"),
            t.t("dashboard_derived_migrants"),
        ],
        rows: d
            .periods
            .iter()
            .map(|p| {
                vec![
                    p.period.clone(),
                    p.interdictions.to_string(),
                    p.rescues.to_string(),
                    p.deaths_in_transit.to_string(),
                    p.migrants.to_string(),
                ]
            })
            .collect(),
    }];
    out.push(Table {
        caption: t.t("dashboard_derived_nationality_caption"),
        headers: vec![t.t("dashboard_dim_nationality"), t.t("dashboard_value")],
        rows: d
            .nationalities
            .iter()
            .map(|n| {
                vec![
                    dim_value(t, "nationality", &n.nationality),
                    fmt_count(n.migrants as f64),
                ]
            })
            .collect(),
    });
    out.push(Table {
        caption: t.t1(
            "dashboard_derived_routes_caption",
            "networks",
            &d.networks.to_string(),
        ),
        headers: vec![
            t.t("dashboard_route"),
            t.t("dashboard_country"),
            t.t("dashboard_legs"),
            t.t("dashboard_fees"),
            t.t("dashboard_last_seen"),
        ],
        rows: d
            .routes
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    t.country(r.owner.code()),
                    r.legs.to_string(),
                    r.fees
                        .iter()
                        .map(|(cur, v)| format!("{} {cur}", fmt_count(*v)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    r.last_seen.clone(),
                ]
            })
            .collect(),
    });
    out
}

/// Escapes text for HTML.
pub fn html(s: &str) -> String {
    charts::xml(s)
}

/// A table as HTML inside the scrolling box (a phone never scrolls the page sideways).
pub fn table_html(tb: &Table, id: &str) -> String {
    let mut s = format!(
        "<div class=\"table-scroll\"><table id=\"{}\"><caption>{}</caption><thead><tr>",
        html(id),
        html(&tb.caption)
    );
    for h in &tb.headers {
        s.push_str(&format!("<th scope=\"col\">{}</th>", html(h)));
    }
    s.push_str("</tr></thead><tbody>");
    for r in &tb.rows {
        s.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            if i == 0 {
                s.push_str(&format!("<th scope=\"row\">{}</th>", html(c)));
            } else {
                s.push_str(&format!("<td>{}</td>", html(c)));
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    s
}
