//! Intelligence benchmark on a fixed generated data set (the matching benchmark's corpus of
//! the region's names): FollowTheMoney import throughput
//! into SQLite, search latency with the visibility predicate on, and the network graph of a
//! 500-entity network. Run with `bench/intel.sh [ENTITIES]` (default 1,000,000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use enlace_app::{App, AppConfig, Ctx};
use enlace_domain::case::{CaseInput, DistributionInput};
use enlace_domain::{Clock, SystemClock};
use enlace_store::Store;
use std::sync::Arc;
use std::time::Instant;

// The server's allocator (see src/main.rs), so the bench measures what the server does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use enlace_app::demo::{GIVEN, SURNAMES};

#[path = "common/mod.rs"]
mod common;
use common::ctx;

fn rss_kib() -> u64 {
    common::status_kib("VmHWM:")
}

fn person(i: usize) -> String {
    // A fixed, reproducible sequence (no randomness): mixed radices spread the names.
    let g = GIVEN[i % GIVEN.len()];
    let s1 = SURNAMES[(i / GIVEN.len()) % SURNAMES.len()];
    let s2 = SURNAMES[(i / 7 + 3) % SURNAMES.len()];
    serde_json::json!({"id": format!("p{i}"), "schema": "Person", "properties": {
        "firstName": [g], "lastName": [s1], "secondName": [s2],
        "birthDate": [format!("{:04}-{:02}-{:02}", 1950 + i % 50, 1 + i % 12, 1 + i % 28)],
        "phone": [format!("+502 5{:07}", i % 10_000_000)], "nationality": ["gt"]}})
    .to_string()
}

async fn new_case(app: &App, c: &Ctx, title: &str, level: &str) -> String {
    let input = CaseInput {
        title: title.into(),
        distribution: Some(DistributionInput {
            level: level.into(),
            countries: vec![],
        }),
        ..Default::default()
    };
    app.create_case(c, &input).await.unwrap().id
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    // ENLACE_BENCH_KEEP=DIR keeps the database there, to study query plans afterwards.
    let tmp = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("ENLACE_BENCH_KEEP").map(std::path::PathBuf::from);
    let dir = keep.as_deref().unwrap_or(tmp.path());
    let store = Store::open(
        &format!("sqlite://{}", dir.join("enlace.db").display()),
        Some(dir),
    )
    .await
    .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = App::new(store, clock, AppConfig::default()).await.unwrap();
    app.seed_demo().await.unwrap();
    let gt = ctx(&app, "officer.gt").await;
    // Half shared with all members, half kept to Guatemala, so the predicate has work to do.
    let shared = new_case(&app, &gt, "Bench compartido", "members").await;
    let own = new_case(&app, &gt, "Bench propio", "country").await;

    // The region's names as the matching benchmark generates them (fixed seed): mostly
    // Hispanic, also English, French/Haitian, Indian, Chinese and African, with duplicates.
    let corpus = enlace_match::synth::generate(&enlace_match::synth::Config {
        seed: 7,
        persons: n,
        queries: 0,
    });
    let records: Vec<String> = corpus
        .records
        .iter()
        .take(n)
        .map(|r| serde_json::json!({"schema": "Person", "properties": r["properties"]}).to_string())
        .collect();
    let n = records.len();
    let names: Vec<String> = corpus
        .records
        .iter()
        .filter_map(|r| r["properties"]["name"][0].as_str().map(str::to_string))
        .take(10_000)
        .collect();
    drop(corpus);
    let t = Instant::now();
    let chunk = 20_000;
    let mut done = 0;
    while done < n {
        let k = chunk.min(n - done);
        let lines: Vec<String> = records[done..done + k].to_vec();
        let case = if (done / chunk) % 2 == 0 {
            &shared
        } else {
            &own
        };
        let r = app.import_lines(&gt, case, lines).await.unwrap();
        assert_eq!(r.accepted, k);
        done += k;
        if done % 200_000 == 0 {
            eprintln!("  imported {done} in {:.1} s", t.elapsed().as_secs_f64());
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "import: {n} entities in {secs:.1} s = {:.0} entities/s; peak RSS {} MiB",
        n as f64 / secs,
        rss_kib() / 1024
    );

    // Search as another country's analyst: the visibility predicate filters every query.
    let mx = ctx(&app, "analyst.mx").await;
    let mut lat = vec![];
    for i in 0..300 {
        // A given name and a surname of a stored person, as an officer would type them.
        let words: Vec<&str> = names[(i * 31) % names.len()].split_whitespace().collect();
        let q = format!("{} {}", words[0], words[words.len() - 1]);
        let t = Instant::now();
        let (_, _total, _) = app
            .search_entities(&mx, &q, Default::default(), None, 50, 0)
            .await
            .unwrap();
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "search (name, visibility on, 300 queries): p50 {:.1} ms, p99 {:.1} ms",
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100]
    );

    // One word alone: a stored person's surname, the broadest common name query.
    let mut lat = vec![];
    for i in 0..100 {
        let words: Vec<&str> = names[(i * 37) % names.len()].split_whitespace().collect();
        let t = Instant::now();
        let (_, _total, _) = app
            .search_entities(&mx, words[words.len() - 1], Default::default(), None, 50, 0)
            .await
            .unwrap();
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "search (one surname alone, visibility on, 100 queries): p50 {:.1} ms, p99 {:.1} ms",
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100]
    );

    // A network of 500 entities: an organisation and 499 members.
    let case = new_case(&app, &gt, "Bench red", "members").await;
    let mut lines = vec![serde_json::json!({"id": "org", "schema": "Organization", "properties": {"name": ["Red de prueba"]}}).to_string()];
    for i in 0..499 {
        lines.push(person(10_000_000 + i));
        lines.push(serde_json::json!({"id": format!("m{i}"), "schema": "Membership", "properties": {"member": [format!("p{}", 10_000_000 + i)], "organization": ["org"]}}).to_string());
    }
    let r = app.import_lines(&gt, &case, lines).await.unwrap();
    let org = r.ids[0].clone();
    let mut times = vec![];
    for _ in 0..10 {
        let t = Instant::now();
        let g = app.network(&mx, &org, 1).await.unwrap();
        let svg = enlace_app::graph::to_svg(&g, &enlace_app::words::InternalNames, "graph");
        assert_eq!(g.nodes.len(), 500);
        assert!(svg.len() > 10_000);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "graph of 500 entities (query + layout + SVG), 10 runs: median {:.1} ms, max {:.1} ms",
        times[5], times[9]
    );
}
