//! Dashboard benchmark through the whole request: 10 years × 11 countries × 40 indicators,
//! each with its full breakdown (12 nationalities × 4 sexes × 5 age groups = 240 cells a
//! table), stored in a real SQLite database with their disclosure-control patterns as a
//! submission stores them; then the dashboard page requested over HTTP as Mexico's officer
//! (session cookie) for each indicator over the whole ten years — the store read, the
//! disclosure control applied per reader, the audit rows, the charts and the tables — and
//! the quarterly report's PDF through its API.
//!
//! Two steps, so the timing can hold the build lock without the load:
//!   dashboard_bench load <dir>   # writes <dir>/enlace.db (about a minute)
//!   dashboard_bench time <dir>   # times the requests
//! Run with `bench/dashboard.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod common;

use enlace_app::dashboard::Period;
use enlace_app::{App, AppConfig};
use enlace_domain::sdc::{self, Cell, Table};
use enlace_domain::{Clock, Country, SystemClock};
use enlace_store::statistics::{FigureRow, IndicatorRow};
use enlace_store::Store;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NATS: [&str; 12] = [
    "hn", "gt", "sv", "ni", "ve", "ht", "cu", "ec", "co", "mx", "in", "cn",
];
const SEXES: [&str; 4] = ["female", "male", "other", "unknown"];
const AGES: [&str; 5] = ["0_11", "12_17", "18_59", "60_plus", "unknown"];
const INDICATORS: usize = 40;
const K: u32 = 11;

fn periods() -> Vec<String> {
    Period::parse("2017-Q1")
        .unwrap()
        .range(Period::parse("2026-Q4").unwrap())
        .iter()
        .map(|p| p.to_string())
        .collect()
}

/// One table: a fixed sequence (no randomness), about a fifth of the cells small.
fn table(x: &mut u64) -> Table {
    let mut cells = Vec::with_capacity(240);
    for n in NATS {
        for s in SEXES {
            for a in AGES {
                *x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let v = if (*x >> 33).is_multiple_of(5) {
                    (*x >> 40) % 10
                } else {
                    11 + (*x >> 40) % 90
                };
                cells.push(Cell {
                    key: vec![n.into(), s.into(), a.into()],
                    value: v,
                });
            }
        }
    }
    let total = cells.iter().map(|c| c.value).sum();
    Table {
        dimensions: vec!["nationality".into(), "sex".into(), "age_group".into()],
        cells,
        total,
    }
}

async fn open(dir: &Path) -> App {
    let store = Store::open(
        &format!("sqlite://{}", dir.join("enlace.db").display()),
        Some(dir),
    )
    .await
    .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    App::new(store, clock, AppConfig::default()).await.unwrap()
}

async fn load(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let app = open(dir).await;
    app.seed_demo().await.unwrap();
    let now = app.now_ms();
    let ps = periods();
    let t0 = Instant::now();
    for i in 0..INDICATORS {
        let code = format!("bench_{i:02}");
        // The tables of one indicator, their patterns computed on every core.
        let mut x = 42 + i as u64;
        let mut jobs = vec![];
        for c in Country::all() {
            for p in &ps {
                jobs.push((c, p.clone(), table(&mut x)));
            }
        }
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let chunk = jobs.len().div_ceil(threads);
        let rows: Vec<FigureRow> = std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    let code = code.clone();
                    s.spawn(move || {
                        part.iter()
                            .map(|(c, p, t)| FigureRow {
                                country: *c,
                                indicator: code.clone(),
                                period: p.clone(),
                                revision: 1,
                                total: t.total as i64,
                                cells: serde_json::to_string(&t.cells).unwrap(),
                                protection: serde_json::to_string(&sdc::protect(t, K)).unwrap(),
                                protection_k: i64::from(K),
                                closed_at: Some(now),
                                updated_at: now,
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let mut tx = app.store.begin().await.unwrap();
        tx.insert_stat_indicator(&IndicatorRow {
            code: code.clone(),
            position: 100 + i as i64,
            name_es: format!("Indicador de prueba {i}"),
            name_en: format!("Bench indicator {i}"),
            definition_es: "Indicador generado para la prueba de rendimiento.".into(),
            definition_en: "Indicator generated for the benchmark.".into(),
            unit_es: "personas".into(),
            unit_en: "people".into(),
            period: "quarter".into(),
            dimensions: "nationality,sex,age_group".into(),
            k: i64::from(K),
            kind: "submitted".into(),
            public: true,
            updated_at: now,
        })
        .await
        .unwrap();
        for r in &rows {
            tx.put_stat_figure(r, None, ("bench", "bench"))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let size = std::fs::metadata(dir.join("enlace.db")).map_or(0, |m| m.len());
    println!(
        "loaded {INDICATORS} indicators × 11 countries × {} quarters × 240 cells in {:.0} s; database {} MiB",
        ps.len(),
        t0.elapsed().as_secs_f64(),
        size / (1024 * 1024)
    );
}

fn pct(samples: &[f64], q: f64) -> f64 {
    samples[((samples.len() as f64 - 1.0) * q).round() as usize]
}

async fn time(dir: &Path) {
    let app = open(dir).await;
    let state = enlace_web::AppState {
        app: app.clone(),
        web: enlace_web::WebConfig::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(enlace_web::serve(state, listener, std::future::pending()));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("http://{addr}");
    // Signed in as a browser would be: the session cookie of the login form.
    let res = http
        .post(format!("{base}/login"))
        .form(&[("username", "officer.mx"), ("password", "enlace-demo")])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("__Host-enlace="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .expect("a session cookie");
    let cookie = format!("__Host-enlace={cookie}");
    let mut samples = vec![];
    let mut largest = 0;
    for round in 0..3 {
        for i in 0..INDICATORS {
            let url = format!(
                "{base}/dashboard?indicator=bench_{i:02}&period_from=2017-Q1&period_to=2026-Q4"
            );
            let start = Instant::now();
            let res = http
                .get(&url)
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{url}");
            let body = res.text().await.unwrap();
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            assert!(body.contains("<svg"), "the page has its charts");
            // The first round warms the caches (as a server that has been running would be).
            if round > 0 {
                samples.push(ms);
                largest = largest.max(body.len());
            }
        }
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "dashboard page over HTTP, one indicator × 10 years × 11 countries from SQLite ({} requests): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; page body up to {} KiB",
        samples.len(),
        pct(&samples, 0.5),
        pct(&samples, 0.95),
        pct(&samples, 1.0),
        largest / 1024
    );
    let start = Instant::now();
    let res = http
        .get(format!(
            "{base}/api/v1/reports/quarterly/2026-Q4.pdf?lang=es"
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let pdf = res.bytes().await.unwrap();
    println!(
        "quarterly report PDF over HTTP (every indicator of the catalogue, full breakdowns): {:.0} ms, {} KiB",
        start.elapsed().as_secs_f64() * 1000.0,
        pdf.len() / 1024
    );
    println!(
        "target (dashboard under 300 ms): {}",
        if pct(&samples, 0.95) < 300.0 {
            "met at p95"
        } else {
            "NOT met"
        }
    );
    let _ = common::status_kib("VmHWM");
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let step = args.next().unwrap_or_default();
    let dir = args
        .next()
        .unwrap_or_else(|| "/tmp/enlace-dashboard-bench".into());
    match step.as_str() {
        "load" => load(Path::new(&dir)).await,
        "time" => time(Path::new(&dir)).await,
        _ => eprintln!("usage: dashboard_bench load|time <dir>"),
    }
}
