//! Dashboard rendering benchmark on a fixed generated data set: 10 years × 11 countries ×
//! 40 indicators, each with its full breakdown (12 nationalities × 4 sexes × 5 age groups =
//! 240 cells a table, about 20 % of them suppressed as disclosure control would), as
//! Mexico's officer sees them. Times what the dashboard page does with the figures once
//! read — charts (trend, stacked bars, choropleth) as SVG, the tables as HTML — for each
//! indicator over the whole ten years, and the quarterly report's PDF of all 40 indicators.
//! Run with `bench/dashboard.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use enlace_app::dashboard::{DashboardData, Figure, IndicatorInfo, Period, PeriodKind};
use enlace_app::pdf::Block;
use enlace_domain::Country;
use enlace_web::dashboard::view;
use enlace_web::i18n::{Lang, Tr};
use std::collections::BTreeMap;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NATS: [&str; 12] = [
    "hn", "gt", "sv", "ni", "ve", "ht", "cu", "ec", "co", "mx", "in", "cn",
];
const SEXES: [&str; 4] = ["female", "male", "other", "unknown"];
const AGES: [&str; 5] = ["0_11", "12_17", "18_59", "60_plus", "unknown"];

fn indicator(i: usize) -> IndicatorInfo {
    IndicatorInfo {
        code: format!("bench_{i:02}"),
        name_es: format!("Indicador de prueba {i}"),
        name_en: format!("Bench indicator {i}"),
        period: PeriodKind::Quarter,
        dimensions: vec!["nationality".into(), "sex".into(), "age_group".into()],
        public: true,
    }
}

/// The figures of one indicator: a fixed sequence (no randomness).
fn figures(periods: &[Period], seed: u64) -> Vec<Figure> {
    let mut x = seed;
    let mut out = vec![];
    let own = Country::parse("mx").unwrap();
    for c in Country::all() {
        for p in periods {
            let mut total = 0;
            for n in NATS {
                for s in SEXES {
                    for a in AGES {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        let v = if (x >> 33).is_multiple_of(5) {
                            (x >> 40) % 10
                        } else {
                            11 + (x >> 40) % 90
                        };
                        total += v;
                        let suppressed = c != own && v > 0 && v < 11;
                        out.push(Figure {
                            country: c,
                            period: p.to_string(),
                            dims: BTreeMap::from([
                                ("nationality".to_string(), n.to_string()),
                                ("sex".to_string(), s.to_string()),
                                ("age_group".to_string(), a.to_string()),
                            ]),
                            value: (!suppressed).then_some(v),
                            suppressed,
                            margin: false,
                        });
                    }
                }
            }
            out.push(Figure {
                country: c,
                period: p.to_string(),
                dims: BTreeMap::new(),
                value: Some(total),
                suppressed: false,
                margin: false,
            });
        }
    }
    out
}

fn main() {
    let periods = Period::parse("2017-Q1")
        .unwrap()
        .range(Period::parse("2026-Q4").unwrap());
    let indicators: Vec<IndicatorInfo> = (0..40).map(indicator).collect();
    let t0 = Instant::now();
    let data: Vec<DashboardData> = indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| DashboardData {
            indicators: indicators.clone(),
            indicator: ind.clone(),
            periods: periods.iter().map(|p| p.to_string()).collect(),
            country: None,
            own: Country::parse("mx"),
            figures: figures(&periods, 42 + i as u64),
            overview: vec![],
        })
        .collect();
    let n_figs: usize = data.iter().map(|d| d.figures.len()).sum();
    println!(
        "data set: 40 indicators × 11 countries × {} quarters, {n_figs} figures (generated in {:.1} s)",
        periods.len(),
        t0.elapsed().as_secs_f64()
    );
    let t = Tr::new(Lang::Es);
    let mut samples = vec![];
    let mut largest = 0;
    for round in 0..3 {
        for d in &data {
            let start = Instant::now();
            let p = view::present(d, &t);
            let mut html = String::new();
            html.push_str(&p.map.to_svg("map"));
            html.push_str(&p.trend.to_svg("trend"));
            if let Some(c) = &p.nationality {
                html.push_str(&c.to_svg("nationality"));
            }
            html.push_str(&view::table_html(&p.totals, "totals"));
            html.push_str(&view::table_html(&p.breakdown, "breakdown"));
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            if round > 0 {
                samples.push(ms);
                largest = largest.max(html.len());
            }
        }
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "dashboard render, one indicator over 10 years, all countries ({} renders): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; largest page body {} KiB",
        samples.len(),
        pct(0.5),
        pct(0.95),
        pct(1.0),
        largest / 1024
    );
    // The report: the last four quarters of every indicator, charts and tables, as a PDF.
    let start = Instant::now();
    let last4: Vec<String> = periods[periods.len() - 4..]
        .iter()
        .map(|p| p.to_string())
        .collect();
    let mut blocks = vec![Block::Title("Informe regional trimestral 2026-Q4".into())];
    for (i, d) in data.iter().enumerate() {
        let mut d = d.clone();
        d.periods = last4.clone();
        d.figures.retain(|f| last4.contains(&f.period));
        let p = view::present(&d, &t);
        blocks.push(Block::Heading(d.indicator.name_es.clone()));
        if i == 0 {
            blocks.push(Block::Chart(p.map));
        }
        blocks.push(Block::Chart(p.trend));
        blocks.push(p.totals.block());
        if let Some(c) = p.nationality {
            blocks.push(Block::Chart(c));
        }
        blocks.push(p.breakdown.block());
    }
    let pdf = enlace_app::pdf::render("Informe", "es", "Enlace", &blocks);
    println!(
        "quarterly report PDF, 40 indicators with full breakdowns: {:.0} ms, {} KiB",
        start.elapsed().as_secs_f64() * 1000.0,
        pdf.len() / 1024
    );
    println!(
        "target (render under 300 ms): {}",
        if pct(0.95) < 300.0 {
            "met at p95"
        } else {
            "NOT met"
        }
    );
}
