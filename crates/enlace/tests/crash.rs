//! Crash safety: the real server on a SQLite data folder, several clients writing through
//! the API (case files, entities, imports, checks, alerts, requests), SIGKILL at random
//! moments, restart. Afterwards every write that got a 2xx is there, `PRAGMA
//! integrity_check` is ok, `enlace audit verify` passes and no record lacks its audit row.
//!
//! `ENLACE_CRASH_KILLS` sets the number of kills (10 by default, in the test command);
//! `ENLACE_CRASH_SEED` replays a run. By hand, 100 kills:
//! `ENLACE_CRASH_KILLS=100 cargo test -p enlace --test crash -- --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_enlace"))
        .args(args)
        .output()
        .unwrap()
}

/// Starts `enlace serve` on a free port and waits until it answers.
async fn serve(data: &Path, demo: bool) -> (Child, String) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_enlace"));
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if demo {
        cmd.arg("--demo");
    }
    let mut child = cmd.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..1200 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                return (child, base);
            }
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("the server exited while starting: {st}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

/// A small deterministic generator: the seed is printed so that a failing run replays.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the clients were told was written: (table, id).
type Acked = Arc<Mutex<Vec<(&'static str, String)>>>;

struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
    acked: Acked,
}

impl Client {
    async fn post(&self, path: &str, body: Value) -> Option<(StatusCode, Value)> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .ok()?;
        let st = r.status();
        let v = r.json().await.ok()?;
        Some((st, v))
    }
    fn ack(&self, table: &'static str, id: &Value) {
        if let Some(id) = id.as_str() {
            self.acked.lock().unwrap().push((table, id.to_string()));
        }
    }
    /// One round of mixed writes; stops at the first failure (the server was killed).
    async fn round(&self, n: u64, country: &str, reference: Option<&str>) -> Option<()> {
        let (st, c) = self
            .post(
                "/api/v1/cases",
                json!({"title": format!("Caso de choque {country} {n}"), "distribution": {"level": "members"}}),
            )
            .await?;
        if st != StatusCode::CREATED {
            return None;
        }
        self.ack("cases", &c["id"]);
        let case = c["id"].as_str()?.to_string();
        let (st, e) = self
            .post(
                "/api/v1/entities",
                json!({"case_id": case, "schema": "Person", "properties": {"name": [format!("Persona Ficticia {country} {n}")], "birthDate": ["1980-01-02"]}}),
            )
            .await?;
        if st != StatusCode::CREATED {
            return None;
        }
        self.ack("entities", &e["id"]);
        // An import of three lines, one linking the other two.
        let lines = [
            json!({"id": "p", "schema": "Person", "properties": {"name": [format!("Importada Ficticia {n}")]}}),
            json!({"id": "o", "schema": "Organization", "properties": {"name": [format!("Red ficticia {n}")]}}),
            json!({"id": "m", "schema": "Membership", "properties": {"member": ["p"], "organization": ["o"]}}),
        ]
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
        let r = self
            .http
            .post(format!("{}/api/v1/import?case_id={case}", self.base))
            .bearer_auth(&self.token)
            .body(lines)
            .send()
            .await
            .ok()?;
        if r.status() != StatusCode::OK {
            return None;
        }
        let rep: Value = r.json().await.ok()?;
        for id in rep["ids"].as_array()? {
            self.ack("entities", id);
        }
        let (st, ch) = self
            .post(
                "/api/v1/checks",
                json!({"purpose": "Prueba de choque", "case_reference": format!("CR-{n}"), "subject": {"schema": "Person", "properties": {"name": ["Eduardo Xicara Coy"], "birthDate": ["1975-02-14"]}}}),
            )
            .await?;
        if !st.is_success() {
            return None;
        }
        self.ack("checks", &ch["id"]);
        let (st, al) = self
            .post(
                "/api/v1/alerts",
                json!({"kind": "other", "title": format!("Alerta de choque {n}"), "recipients": "members"}),
            )
            .await?;
        if st != StatusCode::CREATED {
            return None;
        }
        self.ack("alerts", &al["id"]);
        if let Some(reference) = reference {
            let (st, rq) = self
                .post(
                    "/api/v1/requests",
                    json!({"to": "gt", "references": [reference], "purpose": "Prueba de choque", "legal_basis": "Convención de Palermo"}),
                )
                .await?;
            if st != StatusCode::CREATED {
                return None;
            }
            self.ack("requests", &rq["id"]);
        }
        Some(())
    }
}

async fn sql_one(pool: &sqlx::AnyPool, sql: &str, id: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_and_the_audit_stays_whole() {
    let kills: u64 = std::env::var("ENLACE_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let seed: u64 = std::env::var("ENLACE_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash harness: {kills} kills, ENLACE_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap().to_string();

    // The first start seeds the demo users; tokens live in the database and survive kills.
    let (mut server, mut base) = serve(&data, true).await;
    let users = ["officer.mx", "officer.gt", "officer.pa", "officer.cr"];
    let tokens: Vec<String> = users
        .iter()
        .map(|u| {
            let o = cli(&["token", "create", "--data", &d, "--user", u]);
            assert!(o.status.success());
            String::from_utf8_lossy(&o.stdout).trim().to_string()
        })
        .collect();
    let acked: Acked = Arc::default();
    // Guatemala holds a person that Mexico's checks hit; the hit's reference backs requests.
    let http = reqwest::Client::new();
    let setup = Client {
        base: base.clone(),
        token: tokens[1].clone(),
        http: http.clone(),
        acked: acked.clone(),
    };
    let (_, c) = setup
        .post(
            "/api/v1/cases",
            json!({"title": "Red ficticia del Suchiate", "distribution": {"level": "members"}}),
        )
        .await
        .unwrap();
    setup.ack("cases", &c["id"]);
    let (st, p) = setup
        .post(
            "/api/v1/entities",
            json!({"case_id": c["id"], "schema": "Person", "properties": {"name": ["Eduardo Xicará Coy"], "birthDate": ["1975-02-14"]}}),
        )
        .await
        .unwrap();
    assert_eq!(st, StatusCode::CREATED);
    setup.ack("entities", &p["id"]);
    let mx = Client {
        token: tokens[0].clone(),
        ..setup
    };
    let (_, v) = mx
        .post(
            "/api/v1/checks",
            json!({"purpose": "AJM previa", "case_reference": "FGR-77", "subject": {"schema": "Person", "properties": {"name": ["Eduardo Xicara"], "birthDate": ["1975-02-14"]}}}),
        )
        .await
        .unwrap();
    let reference = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["country"] == "gt" && r["hit"] == true)
        .and_then(|r| r["reference"].as_str())
        .expect("Mexico's check hits Guatemala's person")
        .to_string();

    let rounds = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    for kill in 0..kills {
        let running = Arc::new(AtomicBool::new(true));
        let mut clients = vec![];
        for (i, token) in tokens.iter().enumerate() {
            let c = Client {
                base: base.clone(),
                token: token.clone(),
                http: reqwest::Client::new(),
                acked: acked.clone(),
            };
            let (running, rounds) = (running.clone(), rounds.clone());
            let country = users[i].trim_start_matches("officer.").to_string();
            // Only Mexico holds a reference to Guatemala's person.
            let reference = (i == 0).then(|| reference.clone());
            clients.push(tokio::spawn(async move {
                let mut n = 0u64;
                while running.load(Ordering::SeqCst) {
                    n += 1;
                    if c.round(n, &country, reference.as_deref()).await.is_none() {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                    rounds.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        // Kill at a random moment, in the middle of whatever the clients are doing.
        tokio::time::sleep(Duration::from_millis(300 + rng.below(1200))).await;
        server.kill().unwrap(); // SIGKILL on Unix
        server.wait().unwrap();
        running.store(false, Ordering::SeqCst);
        for c in clients {
            c.await.unwrap();
        }
        eprintln!(
            "kill {}/{kills}: {} acknowledged writes so far",
            kill + 1,
            acked.lock().unwrap().len()
        );
        (server, base) = serve(&data, false).await;
    }
    // The server that came back serves every acknowledged case file.
    let all = acked.lock().unwrap().clone();
    for (table, id) in all.iter().filter(|(t, _)| *t == "cases").take(50) {
        let r = http
            .get(format!("{base}/api/v1/cases/{id}"))
            .bearer_auth(&tokens[0])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{table} {id} after restart");
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let elapsed = started.elapsed();

    // The audit chain is intact.
    let o = cli(&["audit", "verify", "--data", &d]);
    assert!(
        o.status.success(),
        "audit verify: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );

    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{}", data.join("enlace.db").display()))
        .await
        .unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    // Every acknowledged write is there.
    let mut per_table: std::collections::BTreeMap<&str, usize> = Default::default();
    for (table, id) in &all {
        let n = sql_one(
            &pool,
            &format!("SELECT COUNT(*) FROM {table} WHERE id = $1"),
            id,
        )
        .await;
        assert_eq!(n, 1, "acknowledged {table} {id} lost");
        *per_table.entry(table).or_default() += 1;
    }
    // No record without its audit row: its own, or for imported entities the import's row
    // on their case file.
    for table in ["cases", "checks", "alerts", "requests"] {
        let orphans: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.object_id = t.id)"
        ))
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(orphans, 0, "{table} without an audit row");
    }
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM entities e WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.object_id = e.id) \
         AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.object_id = e.case_id AND a.action = 'entity.import')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "entities without an audit row");
    let audit_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    eprintln!(
        "crash harness done: {kills} kills in {:.1} s, {} client rounds, {} acknowledged writes {:?} all present, {audit_rows} audit rows, integrity ok, audit chain ok",
        elapsed.as_secs_f64(),
        rounds.load(Ordering::Relaxed),
        all.len(),
        per_table
    );
}
