//! Benchmark of the live event stream: N concurrent `GET /api/v1/events` connections held
//! open, one alert to all members, delivery latency to each connection and memory per
//! connection. Run with `bench/events.sh` (raises the open-file limit first).
//!
//! cargo run --release -p enlace --example events_bench -- [CONNECTIONS]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use enlace_app::{App, AppConfig};
use enlace_domain::{Clock, SystemClock};
use enlace_store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "common/mod.rs"]
mod common;
use common::ctx;

fn rss_kib() -> u64 {
    common::status_kib("VmRSS:")
}

/// CPU time of this process so far (user + system), in seconds.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime and stime are the 12th
    // and 13th, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        &format!("sqlite://{}", dir.path().join("enlace.db").display()),
        Some(dir.path()),
    )
    .await
    .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = App::new(store, clock, AppConfig::default()).await.unwrap();
    app.seed_demo().await.unwrap();
    let state = enlace_web::AppState {
        app: app.clone(),
        web: enlace_web::WebConfig::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(enlace_web::serve(state, listener, std::future::pending()));

    // Recipients: the intelligence users of every member but Panama, the sender.
    let mut tokens = vec![];
    for cc in ["bz", "ca", "cr", "do", "sv", "gt", "hn", "mx", "ni", "us"] {
        for role in ["officer", "prosecutor", "analyst"] {
            let c = ctx(&app, &format!("{role}.{cc}")).await;
            tokens.push(app.create_token(&c, "bench").await.unwrap().1);
        }
    }
    let rss0 = rss_kib();
    let t_connect = Instant::now();
    let mut conns = Vec::with_capacity(n);
    for i in 0..n {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nAccept: text/event-stream\r\n\r\n",
            tokens[i % tokens.len()]
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let k = s.read(&mut buf).await.unwrap();
            assert!(k > 0, "connection {i} closed during headers");
            head.extend_from_slice(&buf[..k]);
        }
        assert!(
            head.starts_with(b"HTTP/1.1 200"),
            "connection {i}: {}",
            String::from_utf8_lossy(&head)
        );
        conns.push(s);
    }
    let connect_secs = t_connect.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss1 = rss_kib();
    println!(
        "connections open: {n} in {connect_secs:.2} s; server-side stream receivers: {}",
        app.hub().receivers()
    );

    // Idle cost: every stream re-checks its credential once a second.
    let (cpu0, idle0) = (cpu_secs(), Instant::now());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_cpu = (cpu_secs() - cpu0) / idle0.elapsed().as_secs_f64();
    println!(
        "idle with {n} streams open (each re-checks its credential every second): {:.1}% of one core",
        idle_cpu * 100.0
    );

    let start = Arc::new(tokio::sync::OnceCell::<Instant>::new());
    let mut tasks = Vec::with_capacity(n);
    for mut s in conns {
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let k = match tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf)).await
                {
                    Ok(Ok(k)) if k > 0 => k,
                    _ => return None,
                };
                got.extend_from_slice(&buf[..k]);
                if got.windows(12).any(|w| w == b"event: alert") {
                    let t0 = *start.get()?;
                    return Some(t0.elapsed());
                }
            }
        }));
    }
    let sender = ctx(&app, "officer.pa").await;
    let input = enlace_app::alerts::AlertInput {
        kind: "vessel_at_sea".into(),
        title: "Benchmark: embarcación ficticia".into(),
        body: "Alerta de prueba de carga.".into(),
        recipients: serde_json::json!("members"),
        ..Default::default()
    };
    start.set(Instant::now()).unwrap();
    app.send_alert(&sender, &input).await.unwrap();
    let committed_ms = start.get().map(|t| t.elapsed().as_secs_f64() * 1000.0);
    let mut lat: Vec<f64> = vec![];
    let mut missed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Some(d) => lat.push(d.as_secs_f64() * 1000.0),
            None => missed += 1,
        }
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| {
        lat[((lat.len() as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(lat.len() - 1)]
    };
    println!(
        "delivered: {} of {n} (missed {missed}); the alert's use case returned (committed) after {:.1} ms",
        lat.len(),
        committed_ms.unwrap_or(0.0)
    );
    println!(
        "delivery latency ms: p50 {:.1}  p99 {:.1}  max {:.1}",
        pct(0.50),
        pct(0.99),
        lat[lat.len() - 1]
    );
    println!(
        "memory: RSS {} KiB before, {} KiB with {n} streams open: {:.1} KiB per connection (client and server side together)",
        rss0,
        rss1,
        (rss1.saturating_sub(rss0)) as f64 / n as f64
    );
}
