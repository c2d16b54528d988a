//! Dashboard benchmark on a fixed generated data set: 10 years × 11 countries × 40
//! indicators with full breakdowns (every combination of each indicator's dimensions),
//! submitted through the statistics use case (validation and disclosure control included),
//! then the dashboard page rendered over the whole ten years, all countries, as Mexico's
//! officer (its own country in full, ten others protected), timed over HTTP.
//! Run with `bench/dashboard.sh` (release build).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use enlace_app::statistics::{CellInput, FiguresInput};
use enlace_app::{App, AppConfig};
use enlace_domain::{Clock, Country, SystemClock};
use enlace_store::statistics::IndicatorRow;
use enlace_store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common/mod.rs"]
mod common;
use common::ctx;

const YEARS: std::ops::RangeInclusive<i32> = 2017..=2026;

/// Every combination of the dimensions' values.
fn combos(dims: &[String]) -> Vec<BTreeMap<String, String>> {
    let mut out = vec![BTreeMap::new()];
    for d in dims {
        let values: Vec<String> = enlace_app::statistics::dimensions()
            .get(d)
            .map(|x| x.values.iter().map(|(c, _, _)| c.clone()).collect())
            .unwrap_or_default();
        out = out
            .into_iter()
            .flat_map(|m| {
                values.iter().map(move |v| {
                    let mut m = m.clone();
                    m.insert(d.clone(), v.clone());
                    m
                })
            })
            .collect();
    }
    out
}

fn periods(kind: &str) -> Vec<String> {
    let mut out = vec![];
    for y in YEARS {
        if kind == "month" {
            out.extend((1..=12).map(|m| format!("{y}-{m:02}")));
        } else {
            out.extend((1..=4).map(|q| format!("{y}-Q{q}")));
        }
    }
    out
}

#[tokio::main]
async fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = Store::open(
        &format!("sqlite://{}", dir.join("enlace.db").display()),
        Some(dir),
    )
    .await
    .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = App::new(store, clock, AppConfig::default()).await.unwrap();
    app.seed_demo().await.unwrap();

    // The catalogue up to 40 indicators: the shipped ones plus bench copies of their shapes.
    let shipped = app.indicators().await.unwrap();
    {
        let mut tx = app.store.begin().await.unwrap();
        let mut n = shipped.len();
        let mut i = 0;
        while n < 40 {
            let base = &shipped[i % shipped.len()];
            tx.insert_stat_indicator(&IndicatorRow {
                code: format!("bench_{n:02}"),
                position: n as i64,
                name_es: format!("Indicador de prueba {n}"),
                name_en: format!("Bench indicator {n}"),
                definition_es: "Generado".into(),
                definition_en: "Generated".into(),
                unit_es: "personas".into(),
                unit_en: "persons".into(),
                period: base.period.clone(),
                dimensions: base.dimensions.join(","),
                k: 11,
                kind: "submitted".into(),
                public: true,
                updated_at: app.now_ms(),
            })
            .await
            .unwrap();
            n += 1;
            i += 1;
        }
        tx.commit().await.unwrap();
    }
    let indicators = app.indicators().await.unwrap();
    assert_eq!(indicators.len(), 40);

    // Submissions: a fixed sequence (no randomness), a quarter of the cells small.
    let t0 = Instant::now();
    let mut tables = 0usize;
    let mut cells_total = 0usize;
    let mut x: u64 = 42;
    for c in Country::all() {
        let officer = ctx(&app, &format!("officer.{}", c.code())).await;
        for ind in &indicators {
            let combos = combos(&ind.dimensions);
            for p in periods(&ind.period) {
                let cells: Vec<CellInput> = combos
                    .iter()
                    .filter(|m| !m.is_empty())
                    .map(|m| {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        let v = if (x >> 33) % 4 == 0 {
                            (x >> 40) % 10
                        } else {
                            11 + (x >> 40) % 90
                        } as i64;
                        CellInput {
                            values: m.clone(),
                            value: v,
                        }
                    })
                    .collect();
                let total = if cells.is_empty() {
                    (x >> 20) as i64 % 500
                } else {
                    cells.iter().map(|c| c.value).sum()
                };
                cells_total += cells.len();
                app.submit_statistics(
                    &officer,
                    c,
                    &ind.code,
                    &p,
                    &FiguresInput {
                        total,
                        cells,
                        reason: None,
                    },
                )
                .await
                .unwrap();
                tables += 1;
            }
        }
    }
    let load_secs = t0.elapsed().as_secs_f64();
    println!(
        "data set: {} indicators × 11 countries × 10 years: {tables} tables, {cells_total} cells, submitted in {load_secs:.1} s",
        indicators.len()
    );

    let state = enlace_web::AppState {
        app: app.clone(),
        web: enlace_web::WebConfig::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(enlace_web::serve(state, listener, std::future::pending()));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("http://{addr}");
    let res = http
        .post(format!("{base}/login"))
        .form(&[("username", "officer.mx"), ("password", "enlace-demo")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "login: {}", res.status());

    // The page over the whole ten years for each indicator, and the report of a quarter.
    let mut samples: Vec<f64> = vec![];
    let mut bytes = 0usize;
    for round in 0..3 {
        for ind in &indicators {
            let (from, to) = if ind.period == "month" {
                ("2017-01", "2026-12")
            } else {
                ("2017-Q1", "2026-Q4")
            };
            let t = Instant::now();
            let res = http
                .get(format!(
                    "{base}/dashboard?indicator={}&period_from={from}&period_to={to}",
                    ind.code
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{}", ind.code);
            let body = res.text().await.unwrap();
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if round > 0 {
                samples.push(ms);
                bytes = bytes.max(body.len());
            }
        }
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "dashboard page, 10 years, all countries, one indicator ({} renders): p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms; largest page {} KiB",
        samples.len(),
        pct(0.5),
        pct(0.95),
        pct(1.0),
        bytes / 1024
    );
    let t = Instant::now();
    let res = http
        .get(format!("{base}/api/v1/reports/quarterly/2026-Q1.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let pdf = res.bytes().await.unwrap();
    println!(
        "quarterly report PDF (40 indicators): {:.0} ms, {} KiB",
        t.elapsed().as_secs_f64() * 1000.0,
        pdf.len() / 1024
    );
    println!(
        "target: the dashboard renders in under 300 ms — {}",
        if pct(0.95) < 300.0 { "met (p95)" } else { "NOT met" }
    );
}
