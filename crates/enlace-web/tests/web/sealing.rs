//! Encryption at rest (issue 13): a sensitive person is stored sealed (nothing of them in
//! plain text in any file of the data folder, nor in any text column on PostgreSQL), and is
//! still read, found by search and hit by a check from a named country; the same after a key
//! rotation; the audit chain still verifies.
use crate::testkit::{each_engine, Server};
use enlace_store::audit::Verdict;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// What must never be found at rest: the name as typed, its folded forms, each part, the
/// birth date in its stored and usual forms, the passport number.
const NEEDLES: &[&str] = &[
    "Yolanda Quiñónez Ábrego",
    "Quiñónez",
    "Ábrego",
    "Yolanda",
    "yolanda",
    "YOLANDA",
    "quinonez",
    "QUINONEZ",
    "Quinonez",
    "abrego",
    "ABREGO",
    "1987-03-14",
    "19870314",
    "14/03/1987",
    "QZ7788123",
    "qz7788123",
];

fn assert_absent(haystack: &[u8], where_: &str) {
    for n in NEEDLES {
        assert!(
            !haystack.windows(n.len()).any(|w| w == n.as_bytes()),
            "{n:?} found in {where_}"
        );
    }
}

/// The raw bytes of every file in the data folder (database, WAL, shm, keys, reserve…).
fn assert_absent_from_files(s: &Server) {
    let mut seen = 0;
    for f in std::fs::read_dir(s.data_dir()).unwrap() {
        let path = f.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert_absent(&bytes, &path.display().to_string());
            seen += 1;
        }
    }
    assert!(seen >= 1);
}

/// What the database holds, whatever the engine: every text column of every table.
async fn assert_absent_from_columns(s: &Server) -> String {
    let all = enlace_store::testing::all_stored_text(&s.app.store)
        .await
        .unwrap();
    assert_absent(all.as_bytes(), &format!("the {} columns", s.engine));
    all
}

async fn search(s: &Server, tok: &str, q: &str) -> Vec<String> {
    let (st, r) = s
        .api(
            Some(tok),
            Method::GET,
            &format!("/api/v1/search?q={q}&purpose=Protecci%C3%B3n"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

async fn check_hits_gt(s: &Server, who: &str) -> bool {
    let body = json!({"purpose": "Verificación previa", "case_reference": "EXP-13",
        "subject": {"schema": "Person", "properties": {"name": ["Yolanda Quiñónez Ábrego"], "birthDate": ["1987-03-14"]}}});
    let (st, v) = s
        .api(
            Some(&s.token(who).await),
            Method::POST,
            "/api/v1/checks",
            Some(body),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["country"] == "gt")
        .map(|a| a["hit"] == true)
        .unwrap()
}

async fn reads_in_plain(s: &Server, tok: &str, id: &str) {
    let (st, e) = s
        .api(
            Some(tok),
            Method::GET,
            &format!("/api/v1/entities/{id}?purpose=Protecci%C3%B3n"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    let text = e.to_string();
    assert!(text.contains("Yolanda Quiñónez Ábrego"), "{e}");
    assert!(
        text.contains("1987-03-14") && text.contains("QZ7788123"),
        "{e}"
    );
    assert!(!text.contains("enc1:"), "{e}");
}

/// Every sealed caption and check subject under this key version.
fn sealed_under(all: &str, version: u32) {
    let prefix = format!("enc1:{version}:");
    let mut n = 0;
    for line in all.lines() {
        for col in ["entities.caption: ", "checks.subject: "] {
            if let Some(v) = line.strip_prefix(col) {
                if v.starts_with("enc1:") {
                    assert!(v.starts_with(&prefix), "{line}");
                    n += 1;
                }
            }
        }
    }
    assert!(n >= 2, "sealed rows expected");
}

#[tokio::test]
async fn a_sensitive_person_is_unreadable_at_rest_yet_found_and_survives_a_key_rotation() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let (st, c) = s
            .api(Some(&gt), Method::POST, "/api/v1/cases", Some(json!({"title": "Víctimas (ficticio)", "sensitive": true, "distribution": {"level": "countries", "countries": ["sv"]}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{c}");
        let case_id = c["id"].as_str().unwrap().to_string();
        let (st, p) = s
            .api(Some(&gt), Method::POST, "/api/v1/entities", Some(json!({"case_id": case_id, "schema": "Person", "properties": {
                "name": ["Yolanda Quiñónez Ábrego"], "birthDate": ["14/03/1987"], "passportNumber": ["QZ7788123"], "nationality": ["gt"]}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{p}");
        let id = p["id"].as_str().unwrap().to_string();
        // The answer to the write is the record in plain text.
        assert_eq!(p["properties"]["name"][0], "Yolanda Quiñónez Ábrego", "{p}");

        reads_in_plain(&s, &gt, &id).await;
        // Search by the owner country's officer: folded, accented, two words, the passport
        // in another format, a misspelling that sounds the same.
        for q in ["quinonez", "Qui%C3%B1%C3%B3nez", "yolanda%20abrego", "QZ7788123", "qz-778-8123", "kinones"] {
            assert!(search(&s, &gt, q).await.contains(&id), "search {q}");
        }
        // Not by a country that may not see it, sealed or not.
        let hn = search(&s, &s.token("officer.hn").await, "quinonez").await;
        assert!(!hn.contains(&id), "{hn:?}");
        // A check from the named country hits; from another one it does not.
        assert!(check_hits_gt(&s, "officer.sv").await, "check from a named country");
        assert!(!check_hits_gt(&s, "officer.hn").await, "check from an unnamed country");
        // The audit page shows the search query to its author.
        let (st, a) = s.api(Some(&gt), Method::GET, "/api/v1/audit?scope=own&action=entity.search", None).await;
        assert_eq!(st, StatusCode::OK, "{a}");
        assert!(a["items"].as_array().unwrap().iter().any(|e| e["detail"].as_str().unwrap_or("").starts_with("q=quinonez")), "{a}");

        // Nothing of her in plain text: not in any column, not in any file.
        // Both engines share the data folder (and its key ring): the SQLite run rotated it.
        let v0 = s.app.store.record_keys().unwrap().current();
        let all = assert_absent_from_columns(&s).await;
        assert!(all.contains(&format!("entities.caption: enc1:{v0}:")), "the caption is sealed");
        assert!(all.lines().any(|l| l.starts_with(&format!("entity_terms.term: #{v0}:"))), "blind terms");
        assert!(all.lines().any(|l| l.starts_with(&format!("checks.subject: enc1:{v0}:"))), "check subjects sealed");
        if s.engine == "sqlite" {
            assert_absent_from_files(&s);
        }
        assert!(matches!(s.app.store.unrestricted_verify_audit(&[]).await.unwrap(), Verdict::Intact { .. }));

        // Rotation, as `enlace keys rotate` does it, while this server keeps serving.
        let v = enlace_store::records::RecordKeys::rotate_file(s.data_dir()).unwrap();
        assert_eq!(v, v0 + 1);
        let report = enlace_app::sealing::seal_records(&s.app.store, true).await.unwrap();
        assert_eq!(report.version, v);
        assert!(report.entities >= 1 && report.checks >= 2, "{report:?}");
        let all = assert_absent_from_columns(&s).await;
        sealed_under(&all, v);
        assert!(!all.lines().any(|l| l.starts_with(&format!("entity_terms.term: #{v0}:"))), "re-hashed");
        reads_in_plain(&s, &gt, &id).await;
        for q in ["quinonez", "qz7788123", "kinones"] {
            assert!(search(&s, &gt, q).await.contains(&id), "search {q} after rotation");
        }
        assert_eq!(enlace_store::testing::term_index_disagreements(&s.app.store).await.unwrap(), Vec::<String>::new());
        assert!(check_hits_gt(&s, "officer.sv").await, "check after rotation");
        // New rows go under the new version only.
        let (st, p2) = s
            .api(Some(&gt), Method::POST, "/api/v1/entities", Some(json!({"case_id": case_id, "schema": "Person", "properties": {"name": ["Otra Persona Ficticia"]}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{p2}");
        let all = assert_absent_from_columns(&s).await;
        sealed_under(&all, v);
        assert!(!all.contains("Otra Persona"));
        if s.engine == "sqlite" {
            assert_absent_from_files(&s);
        }
        // The key file keeps both versions.
        let ring = std::fs::read_to_string(s.data_dir().join("records.keys")).unwrap();
        assert!(ring.contains(&format!("\nv{v0} ")) && ring.contains(&format!("\nv{v} ")), "{ring}");
        assert!(matches!(s.app.store.unrestricted_verify_audit(&[]).await.unwrap(), Verdict::Intact { .. }));
    })
    .await;
}

/// A case file that becomes sensitive has its entities sealed at once (and opened again
/// when it stops being sensitive); search works throughout.
#[tokio::test]
async fn a_case_file_made_sensitive_seals_its_entities() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let (_, c) = s
            .api(Some(&gt), Method::POST, "/api/v1/cases", Some(json!({"title": "Caso ficticio", "distribution": {"level": "country"}})))
            .await;
        let case_id = c["id"].as_str().unwrap().to_string();
        let (st, p) = s
            .api(Some(&gt), Method::POST, "/api/v1/entities", Some(json!({"case_id": case_id, "schema": "Person", "properties": {"name": ["Yolanda Quiñónez Ábrego"]}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{p}");
        let id = p["id"].as_str().unwrap().to_string();
        let all = enlace_store::testing::all_stored_text(&s.app.store).await.unwrap();
        assert!(all.contains("Yolanda Quiñónez Ábrego"), "not sensitive: stored plain");
        let (st, v) = s
            .api(Some(&gt), Method::PATCH, &format!("/api/v1/cases/{case_id}"), Some(json!({"sensitive": true})))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_absent_from_columns(&s).await;
        assert!(search(&s, &gt, "quinonez").await.contains(&id));
        let (st, _) = s
            .api(Some(&gt), Method::PATCH, &format!("/api/v1/cases/{case_id}"), Some(json!({"sensitive": false})))
            .await;
        assert_eq!(st, StatusCode::OK);
        let all = enlace_store::testing::all_stored_text(&s.app.store).await.unwrap();
        assert!(all.contains("entities.caption: Yolanda Quiñónez Ábrego"));
        assert!(!all.lines().any(|l| l.starts_with("entities.caption: enc1:") && l.contains(&id)));
        assert!(search(&s, &gt, "quinonez").await.contains(&id));
        assert_eq!(enlace_store::testing::term_index_disagreements(&s.app.store).await.unwrap(), Vec::<String>::new());
    })
    .await;
}

/// Sensitive records stored before encryption at rest existed (a store opened without the
/// key ring) are sealed when the platform next starts, and still found.
#[tokio::test]
async fn plain_sensitive_records_are_sealed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("enlace.db").display());
    let clock: std::sync::Arc<dyn enlace_domain::Clock> =
        std::sync::Arc::new(enlace_domain::TestClock::default());
    let ctx = |u: enlace_store::users::User| enlace_app::Ctx {
        actor: u.actor(),
        origin: enlace_app::Origin {
            request_id: "test".into(),
            client_addr: "127.0.0.1".into(),
            purpose: Some("Protección".into()),
        },
    };
    let id = {
        let store = enlace_store::Store::open(&url, None).await.unwrap();
        let app = enlace_app::App::new(store.clone(), clock.clone(), Default::default())
            .await
            .unwrap();
        app.seed_demo().await.unwrap();
        let gt = ctx(store.user_by_username("officer.gt").await.unwrap().unwrap());
        let input = serde_json::from_value(json!({"title": "Víctimas (ficticio)", "sensitive": true, "distribution": {"level": "countries", "countries": ["sv"]}})).unwrap();
        let case = app.create_case(&gt, &input).await.unwrap();
        let person = enlace_app::entities::EntityInput {
            schema: "Person".into(),
            properties: json!({"name": ["Yolanda Quiñónez Ábrego"], "birthDate": ["1987-03-14"], "passportNumber": ["QZ7788123"]}),
        };
        let e = app.create_entity(&gt, &case.id, &person).await.unwrap();
        store.close().await;
        e.id
    };
    let store = enlace_store::Store::open(&url, Some(dir.path()))
        .await
        .unwrap();
    let before = enlace_store::testing::all_stored_text(&store)
        .await
        .unwrap();
    assert!(before.contains("Yolanda Quiñónez Ábrego") && !before.contains("enc1:"));
    let app = enlace_app::App::new(store.clone(), clock, Default::default())
        .await
        .unwrap();
    let after = enlace_store::testing::all_stored_text(&store)
        .await
        .unwrap();
    assert!(
        after.contains("entities.caption: enc1:1:"),
        "sealed at start"
    );
    for n in [
        "Yolanda",
        "Quiñónez",
        "1987-03-14",
        "QZ7788123",
        "qz7788123",
        "quinonez",
    ] {
        assert!(!after.contains(n), "{n} left in plain text");
    }
    // Still found, and read back in plain text.
    let gt = ctx(store.user_by_username("officer.gt").await.unwrap().unwrap());
    let (found, _, _) = app
        .search_entities(
            &gt,
            "Quiñónez",
            Default::default(),
            Some("Protección"),
            20,
            0,
        )
        .await
        .unwrap();
    let hit = found.iter().find(|e| e.id == id).expect("found by search");
    assert_eq!(hit.caption, "Yolanda Quiñónez Ábrego");
    // A second start finds nothing to do.
    let again = enlace_app::sealing::seal_records(&app.store, false)
        .await
        .unwrap();
    assert_eq!((again.entities, again.checks), (0, 0));
    assert!(matches!(
        store.unrestricted_verify_audit(&[]).await.unwrap(),
        Verdict::Intact { .. }
    ));
}
