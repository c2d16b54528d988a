//! The promised command-line interface, run as a real process against a real data folder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use enlace_store::audit::NewEntry;
use enlace_store::Store;
use std::path::Path;
use std::process::{Command, Output};

fn enlace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_enlace"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn store(dir: &Path) -> Store {
    Store::open(
        &format!("sqlite://{}", dir.join("enlace.db").display()),
        Some(dir),
    )
    .await
    .unwrap()
}

/// Creates a platform with one account and `n` audit entries; returns the data folder.
async fn platform(n: i64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = enlace(&[
        "users",
        "add",
        "--data",
        d,
        "--username",
        "st.admin",
        "--role",
        "secretariat",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("temporary password"));
    let s = store(dir.path()).await;
    for i in 0..n {
        let mut tx = s.begin().await.unwrap();
        tx.audit(
            1_000 + i,
            NewEntry {
                action: format!("test.{i}"),
                outcome: "ok".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let mut tx = s.begin().await.unwrap();
    tx.checkpoint_head(99_999).await.unwrap();
    tx.commit().await.unwrap();
    s.close().await;
    dir
}

async fn tamper(dir: &Path, sql: &[&str]) {
    let s = store(dir).await;
    let mut tx = s.begin().await.unwrap();
    // An attacker with the file: remove the append-only guard first.
    tx.unrestricted_execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        .await
        .unwrap();
    tx.unrestricted_execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        .await
        .unwrap();
    for q in sql {
        tx.unrestricted_execute(q).await.unwrap();
    }
    tx.commit().await.unwrap();
    s.close().await;
}

#[tokio::test]
async fn audit_verify_passes_on_an_intact_chain_and_token_create_prints_a_working_token() {
    let dir = platform(10).await;
    let d = dir.path().to_str().unwrap();
    let o = enlace(&["audit", "verify", "--data", d]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("11 entries"), "{}", stdout(&o));
    let o = enlace(&["token", "create", "--data", d, "--user", "st.admin"]);
    assert!(o.status.success());
    let token = stdout(&o).trim().to_string();
    assert!(token.starts_with("enl_") && token.len() > 60);
    let s = store(dir.path()).await;
    let hash = enlace_app::crypto::sha256_hex(&token);
    assert!(
        s.token_by_hash(&hash).await.unwrap().is_some(),
        "stored hashed, usable"
    );
    let o = enlace(&["token", "create", "--data", d, "--user", "nobody"]);
    assert!(!o.status.success());
    let o = enlace(&["audit", "verify", "--database", "mysql://x"]);
    assert!(!o.status.success(), "unknown URL schemes are refused");
}

#[tokio::test]
async fn a_flipped_byte_is_named() {
    let dir = platform(10).await;
    tamper(
        dir.path(),
        &["UPDATE audit_log SET action = 'tesT.4' WHERE seq = 6"],
    )
    .await;
    let o = enlace(&["audit", "verify", "--data", dir.path().to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stdout(&o).contains("entry 6"), "{}", stdout(&o));
}

#[tokio::test]
async fn a_deleted_middle_entry_is_named() {
    let dir = platform(10).await;
    tamper(dir.path(), &["DELETE FROM audit_log WHERE seq = 4"]).await;
    let o = enlace(&["audit", "verify", "--data", dir.path().to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stdout(&o).contains("entry 4"), "{}", stdout(&o));
}

#[tokio::test]
async fn a_truncated_tail_is_caught_against_the_last_checkpoint() {
    let dir = platform(10).await;
    let d = dir.path().to_str().unwrap().to_string();
    // The admin downloads the checkpoints and keeps them elsewhere.
    let s = store(dir.path()).await;
    let cps = s.checkpoints().await.unwrap();
    s.close().await;
    let held = dir.path().join("held.json");
    std::fs::write(&held, serde_json::json!({"checkpoints": cps}).to_string()).unwrap();
    tamper(dir.path(), &["DELETE FROM audit_log WHERE seq > 8"]).await;
    let o = enlace(&["audit", "verify", "--data", &d]);
    assert!(!o.status.success());
    assert!(
        stdout(&o).contains("entry 9") && stdout(&o).contains("truncated"),
        "{}",
        stdout(&o)
    );
    // Even if the attacker also removes the stored checkpoints, the held copy catches it.
    tamper(
        dir.path(),
        &[
            "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete",
            "DELETE FROM audit_checkpoints",
        ],
    )
    .await;
    let o = enlace(&["audit", "verify", "--data", &d]);
    assert!(
        o.status.success(),
        "without any checkpoint the shortened chain looks whole"
    );
    let o = enlace(&[
        "audit",
        "verify",
        "--data",
        &d,
        "--checkpoints",
        held.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stdout(&o).contains("truncated"), "{}", stdout(&o));
}

/// `serve --tls-cert/--tls-key` speaks HTTPS and sends HSTS (certificate made by openssl).
#[tokio::test]
async fn serve_speaks_tls_with_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cert = d.join("cert.pem");
    let key = d.join("key.pem");
    let o = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_enlace"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(d.join("data"))
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = String::new();
    for _ in 0..100 {
        let o = Command::new("curl")
            .args(["-s", "-i", "--cacert"])
            .arg(&cert)
            .arg(format!("https://127.0.0.1:{port}/healthz"))
            .output()
            .unwrap();
        out = String::from_utf8_lossy(&o.stdout).into_owned();
        if o.status.success() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(
        out.to_lowercase()
            .contains("strict-transport-security: max-age="),
        "{out}"
    );
}

#[test]
fn match_writes_one_line_per_query_best_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let records = [
        serde_json::json!({"id": "r1", "schema": "Person", "properties": {"name": ["María Guadalupe Hernández Solís"], "birthDate": ["1979-11-02"], "nationality": ["sv"]}}),
        serde_json::json!({"id": "r2", "schema": "Person", "properties": {"name": ["Wilner Jean-Baptiste"], "birthDate": ["1988-06-15"]}}),
        serde_json::json!({"id": "r3", "schema": "Person", "properties": {"name": ["María Guadalupe Hernández Solís"], "birthDate": ["1961-01-30"]}}),
    ];
    let queries = [
        serde_json::json!({"id": "q1", "schema": "Person", "properties": {"name": ["Maria Lupe Hernandez"], "birthDate": ["1979-02-11"]}}),
        serde_json::json!({"id": "q2", "schema": "Person", "properties": {"name": ["Ignacio Torres"], "birthDate": ["1990-01-01"]}}),
    ];
    let write = |name: &str, rows: &[serde_json::Value]| {
        let p = d.join(name);
        std::fs::write(
            &p,
            rows.iter()
                .map(|r| r.to_string() + "\n")
                .collect::<String>(),
        )
        .unwrap();
        p
    };
    let (r, q, out) = (
        write("records.ftm", &records),
        write("queries.ftm", &queries),
        d.join("out.jsonl"),
    );
    let o = enlace(&[
        "match",
        "--records",
        r.to_str().unwrap(),
        "--queries",
        q.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["query_id"], "q1");
    assert_eq!(lines[0]["matches"][0]["id"], "r1", "{}", lines[0]);
    assert!(
        lines[0]["matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"] != "r3"),
        "same name, other birth date: no hit"
    );
    assert_eq!(
        lines[1]["matches"],
        serde_json::json!([]),
        "an empty list means no hit"
    );
}

/// `enlace workplans`: the shipped plans are listed, one exports to a file, a changed copy
/// loads and exports back byte for byte, and the audit chain stays intact.
#[test]
fn workplans_export_import_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = enlace(&["workplans", "list", "--data", d]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = stdout(&o);
    let line = list
        .lines()
        .find(|l| l.contains("\t2018\t38\t"))
        .expect(&list);
    let id = line.split('\t').next().unwrap();
    assert!(list.lines().any(|l| l.contains("\t2003\t")));
    let file = dir.path().join("plan.json");
    let o = enlace(&[
        "workplans",
        "export",
        "--data",
        d,
        id,
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&file).unwrap();
    let copy = text.replacen("(2018)", "(2018, copia)", 1);
    assert_ne!(copy, text);
    std::fs::write(&file, &copy).unwrap();
    let o = enlace(&["workplans", "import", "--data", d, file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let new_id = stdout(&o).trim().to_string();
    let o = enlace(&["workplans", "export", "--data", d, &new_id]);
    assert_eq!(stdout(&o).trim_end(), copy);
    // Twice is refused; junk is refused with a message.
    let o = enlace(&["workplans", "import", "--data", d, file.to_str().unwrap()]);
    assert!(!o.status.success());
    std::fs::write(&file, "{\"year\": 2020}").unwrap();
    let o = enlace(&["workplans", "import", "--data", d, file.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a work plan"));
    let o = enlace(&["audit", "verify", "--data", d]);
    assert!(o.status.success(), "{}", stdout(&o));
}

/// `enlace keys rotate`, run as the operator runs it: a new key version in the ring (the
/// old one kept), every sensitive entity resealed and re-hashed under it, the record still
/// read and found, and the rotation audited.
#[tokio::test]
async fn keys_rotate_reseals_every_sensitive_record_under_a_new_version() {
    use enlace_domain::case::CaseInput;
    use enlace_domain::{Actor, Country, Role};
    use enlace_store::Viewer;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let s = store(dir.path()).await;
    let v0 = s.record_keys().unwrap().current();
    let gt = Country::parse("gt").unwrap();
    let input = CaseInput {
        title: "Caso sensible ficticio".into(),
        sensitive: true,
        ..Default::default()
    };
    let mut tx = s.begin().await.unwrap();
    let case = tx
        .insert_case(gt, &input.validate(gt).unwrap(), "u1", 1_000)
        .await
        .unwrap();
    let mut props = enlace_domain::ftm::Properties::new();
    props.insert("name".into(), vec!["Zoila Ficticia Tzunún".into()]);
    let terms = vec!["zoila".to_string(), "tzunun".to_string()];
    let id = tx
        .insert_entity(
            &enlace_store::entities::NewEntity {
                case: &case,
                schema: "Person",
                caption: "Zoila Ficticia Tzunún",
                properties: &props,
                refs: &[],
                terms: &terms,
            },
            "u1",
            2_000,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let before = enlace_store::testing::all_stored_text(&s).await.unwrap();
    assert!(
        before.contains(&format!("entities.caption: enc1:{v0}:")),
        "sealed at first"
    );
    assert!(!before.contains("Tzunún") && !before.contains("tzunun"));
    s.close().await;

    let o = enlace(&["keys", "rotate", "--data", d]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = v0 + 1;
    assert!(
        stdout(&o).contains(&format!(
            "record key version {v} is current: 1 sensitive entities"
        )),
        "{}",
        stdout(&o)
    );

    let s = store(dir.path()).await;
    assert_eq!(s.record_keys().unwrap().current(), v);
    let after = enlace_store::testing::all_stored_text(&s).await.unwrap();
    assert!(
        after.contains(&format!("entities.caption: enc1:{v}:")),
        "resealed"
    );
    assert!(
        !after.contains(&format!("enc1:{v0}:")),
        "nothing left under the old version"
    );
    assert!(!after
        .lines()
        .any(|l| l.starts_with(&format!("entity_terms.term: #{v0}:"))));
    assert!(after
        .lines()
        .any(|l| l.starts_with(&format!("entity_terms.term: #{v}:"))));
    assert!(!after.contains("Tzunún") && !after.contains("tzunun"));
    // Read in plain and found by its words by a user of its country.
    let viewer = Viewer::of(&Actor {
        user_id: "u1".into(),
        username: "officer.gt".into(),
        country: Some(gt),
        role: Role::Officer,
    });
    let mut tx = s.read().await.unwrap();
    let e = tx.entity_visible(&viewer, &id).await.unwrap().unwrap();
    assert_eq!(e.caption, "Zoila Ficticia Tzunún");
    let f = enlace_store::entities::EntityFilter {
        terms: vec!["tzunun".into(), "zoila".into()],
        ..Default::default()
    };
    let (found, total, _) = tx.search_visible(&viewer, &f, 10, 0).await.unwrap();
    assert_eq!((found.len(), total), (1, 1));
    tx.commit().await.unwrap();
    s.close().await;
    // The ring keeps both versions; the rotation is in the audit log.
    let ring = std::fs::read_to_string(dir.path().join("records.keys")).unwrap();
    assert!(ring.contains(&format!("\nv{v0} ")) && ring.contains(&format!("\nv{v} ")));
    let o = enlace(&["audit", "verify", "--data", d]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = store(dir.path()).await;
    let all = enlace_store::testing::all_stored_text(&s).await.unwrap();
    assert!(all.contains("audit_log.action: keys.rotate"), "audited");
    s.close().await;
}
