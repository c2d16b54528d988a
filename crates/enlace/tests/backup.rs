//! `enlace backup` and `enlace restore` against a real server that keeps writing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

fn enlace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_enlace"))
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
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
    for _ in 0..600 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                return (child, base);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_the_server_writes_restores_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (server, base) = serve(&data, true).await;
    let d = data.to_str().unwrap().to_string();
    let o = enlace(&["token", "create", "--data", &d, "--user", "officer.mx"]);
    assert!(o.status.success(), "{}", text(&o));
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();

    // A writer keeps creating case files; each id is recorded once the server acknowledged it.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let (acked, running, base, token) =
            (acked.clone(), running.clone(), base.clone(), token.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut i = 0;
            while running.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                let r = http
                    .post(format!("{base}/api/v1/cases"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"title": format!("Caso de respaldo {i}"), "distribution": {"level": "country"}}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), reqwest::StatusCode::CREATED);
                let v: serde_json::Value = r.json().await.unwrap();
                acked
                    .lock()
                    .unwrap()
                    .push(v["id"].as_str().unwrap().to_string());
            }
        })
    };
    while acked.lock().unwrap().len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Everything acknowledged before the backup starts must be in it.
    let before: Vec<String> = acked.lock().unwrap().clone();
    let file = dir.path().join("enlace-backup.db");
    let f = file.to_str().unwrap().to_string();
    let (d2, f2) = (d.clone(), f.clone());
    let o = tokio::task::spawn_blocking(move || enlace(&["backup", "--data", &d2, "--out", &f2]))
        .await
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("audit-signing.key") && text(&o).contains("secrets.key"));
    let during = acked.lock().unwrap().len();
    // The server keeps writing after the backup.
    while acked.lock().unwrap().len() < during + 5 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    running.store(false, std::sync::atomic::Ordering::SeqCst);
    writer.await.unwrap();
    stop(server);

    // The keys are not in the backup file; no half-written file is left next to it.
    let bytes = std::fs::read(&file).unwrap();
    for k in ["audit-signing.key", "secrets.key"] {
        let key = std::fs::read_to_string(data.join(k)).unwrap();
        let key = key.trim().as_bytes();
        assert!(!bytes.windows(key.len()).any(|w| w == key), "{k} leaked");
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("partial")), "{names:?}");

    // A backup never overwrites a file.
    let o = enlace(&["backup", "--data", &d, "--out", &f]);
    assert!(!o.status.success());
    assert!(text(&o).contains("exists"), "{}", text(&o));
    assert_eq!(std::fs::read(&file).unwrap(), bytes);

    // Restore into a fresh folder, with the keys copied from the original one.
    let restored = dir.path().join("restored");
    let r = restored.to_str().unwrap().to_string();
    let o = enlace(&["restore", "--from", &f, "--data", &r, "--keys-from", &d]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("integrity: ok"), "{out}");
    assert!(out.contains("audit chain intact"), "{out}");
    let cases_line = out
        .lines()
        .find(|l| l.trim_start().starts_with("cases\t"))
        .expect(&out);
    let n: usize = cases_line
        .trim()
        .split('\t')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(n >= before.len(), "{out}");
    let o = enlace(&["audit", "verify", "--data", &r]);
    assert!(o.status.success(), "{}", text(&o));

    // The restored platform serves every acknowledged write, with the same token.
    let (server, base) = serve(&restored, false).await;
    let http = reqwest::Client::new();
    for id in &before {
        let res = http
            .get(format!("{base}/api/v1/cases/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK, "case {id} lost");
    }
    stop(server);

    // A folder that holds a platform is refused.
    let o = enlace(&["restore", "--from", &f, "--data", &r]);
    assert!(!o.status.success());
    assert!(text(&o).contains("already holds"), "{}", text(&o));
    // A folder that holds only keys is refused too.
    let keys_only = dir.path().join("keys-only");
    std::fs::create_dir_all(&keys_only).unwrap();
    std::fs::copy(data.join("secrets.key"), keys_only.join("secrets.key")).unwrap();
    let o = enlace(&[
        "restore",
        "--from",
        &f,
        "--data",
        keys_only.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(!keys_only.join("enlace.db").exists());
}

#[test]
fn a_corrupt_backup_is_refused_and_the_folder_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    std::fs::create_dir_all(&target).unwrap();
    let t = target.to_str().unwrap();
    // Garbage.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![0x5a_u8; 64 * 1024]).unwrap();
    let o = enlace(&["restore", "--from", junk.to_str().unwrap(), "--data", t]);
    assert!(!o.status.success());
    assert!(text(&o).contains("not a sound backup"), "{}", text(&o));
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);

    // A real backup with its pages scrambled: the header is right, the integrity check is not.
    let src = dir.path().join("src");
    let o = enlace(&[
        "users",
        "add",
        "--data",
        src.to_str().unwrap(),
        "--username",
        "st.admin",
        "--role",
        "secretariat",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let good = dir.path().join("good.db");
    let o = enlace(&[
        "backup",
        "--data",
        src.to_str().unwrap(),
        "--out",
        good.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let mut b = std::fs::read(&good).unwrap();
    let half = b.len() / 2;
    for (i, x) in b.iter_mut().enumerate().take(half).skip(4096) {
        *x = (i * 7) as u8;
    }
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, &b).unwrap();
    let o = enlace(&["restore", "--from", bad.to_str().unwrap(), "--data", t]);
    assert!(!o.status.success());
    assert!(text(&o).contains("not a sound backup"), "{}", text(&o));
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
    // A folder that does not exist is not created for a refused file either.
    let none = dir.path().join("none");
    let o = enlace(&[
        "restore",
        "--from",
        bad.to_str().unwrap(),
        "--data",
        none.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(!none.exists());
    // The good one restores; without --keys-from it says the keys are still to be copied.
    let o = enlace(&["restore", "--from", good.to_str().unwrap(), "--data", t]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("keys NOT restored"), "{}", text(&o));
    assert!(!target.join("secrets.key").exists());
}

/// PostgreSQL (when `ENLACE_TEST_DATABASE_URL` names a server): `pg_dump` out, `pg_restore`
/// into an empty database, verified; a database that holds the platform is refused.
#[tokio::test]
async fn postgres_backup_restores_into_an_empty_database_only() {
    let Some(admin) = std::env::var("ENLACE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        return;
    };
    let src = enlace_store::testing::fresh_postgres_database(&admin)
        .await
        .unwrap();
    let dst = enlace_store::testing::fresh_postgres_database(&admin)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let k = keys.to_str().unwrap();
    let o = enlace(&[
        "users",
        "add",
        "--data",
        k,
        "--database",
        &src,
        "--username",
        "st.admin",
        "--role",
        "secretariat",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let file = dir.path().join("enlace.dump");
    let f = file.to_str().unwrap();
    let o = enlace(&["backup", "--data", k, "--database", &src, "--out", f]);
    assert!(o.status.success(), "{}", text(&o));
    let restored = dir.path().join("restored");
    let r = restored.to_str().unwrap();
    let o = enlace(&[
        "restore",
        "--from",
        f,
        "--data",
        r,
        "--database",
        &dst,
        "--keys-from",
        k,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("audit chain intact"), "{out}");
    assert!(out.lines().any(|l| l.trim() == "users\t1"), "{out}");
    assert!(restored.join("secrets.key").exists());
    let o = enlace(&["audit", "verify", "--data", r, "--database", &dst]);
    assert!(o.status.success(), "{}", text(&o));
    // The source still holds the platform: refused, nothing written to the new folder.
    let other = dir.path().join("other");
    let o = enlace(&[
        "restore",
        "--from",
        f,
        "--data",
        other.to_str().unwrap(),
        "--database",
        &src,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("empty database"), "{}", text(&o));
    assert!(!other.exists());
}
