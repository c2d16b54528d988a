//! A full disk, through HTTP: SQLite's page limit lowered on the running store stands for
//! a disk that cannot grow.
use crate::testkit::*;
use enlace_app::AppConfig;
use enlace_store::audit::Verdict;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn entities_of(s: &Server, tok: &str, case: &str) -> usize {
    let (st, v) = s
        .api(
            Some(tok),
            Method::GET,
            &format!("/api/v1/cases/{case}/entities?per_page=200"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().len()
}

async fn audit_rows(s: &Server) -> i64 {
    match s.app.verify_audit(&[]).await.unwrap() {
        Verdict::Intact { entries, .. } => entries,
        other => panic!("audit chain broken: {other:?}"),
    }
}

#[tokio::test]
async fn a_full_database_refuses_writes_with_507_keeps_reads_audited_and_recovers() {
    let s = sqlite_server(AppConfig::default()).await;
    let mx = s.token("officer.mx").await;
    let (st, c) = s
        .api(
            Some(&mx),
            Method::POST,
            "/api/v1/cases",
            Some(json!({"title": "Caso de disco lleno", "distribution": {"level": "country"}})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let case = c["id"].as_str().unwrap().to_string();

    // Room for a few dozen pages of writes beyond the reserve kept for audit rows.
    s.app.store.limit_pages(Some(64 + 24)).await.unwrap();
    let mut created = 0usize;
    let mut refusal: Option<Value> = None;
    for i in 0..3000 {
        let (st, v) = s
            .api(Some(&mx), Method::POST, "/api/v1/entities", Some(json!({"case_id": case, "schema": "Person", "properties": {"name": [format!("Persona Ficticia Número {i}")], "notes": ["x".repeat(1500)]}})))
            .await;
        match st {
            StatusCode::CREATED => created += 1,
            StatusCode::INSUFFICIENT_STORAGE => {
                refusal = Some(v);
                break;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    let refusal = refusal.expect("the database filled up");
    assert!(created > 0);
    assert_eq!(refusal["error"]["code"], "insufficient_storage");
    assert!(
        refusal["error"]["message"]
            .as_str()
            .unwrap()
            .contains("No queda espacio"),
        "{refusal}"
    );
    // In the user's language.
    let res = s
        .http
        .post(format!("{}/api/v1/cases", s.base))
        .bearer_auth(&mx)
        .header("accept-language", "en")
        .json(&json!({"title": "Otro caso", "distribution": {"level": "country"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INSUFFICIENT_STORAGE);
    let v: Value = res.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no room left"),
        "{v}"
    );
    let (_, h) = s.api(None, Method::GET, "/healthz", None).await;
    assert_eq!(h["storage"], "full");

    // Nothing half-written: exactly the acknowledged entities, and reads still work, each
    // leaving its audit row in the reserve.
    let before = audit_rows(&s).await;
    assert_eq!(entities_of(&s, &mx, &case).await, created);
    let (st, _) = s
        .api(
            Some(&mx),
            Method::GET,
            &format!("/api/v1/cases/{case}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(audit_rows(&s).await >= before + 2, "the reads were audited");

    // Reads until the reserve is gone too: from then on a read answers 503, never
    // unaudited data.
    let mut unavailable = false;
    for _ in 0..5000 {
        let (st, v) = s
            .api(
                Some(&mx),
                Method::GET,
                &format!("/api/v1/cases/{case}"),
                None,
            )
            .await;
        match st {
            StatusCode::OK => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(v["error"]["code"], "service_unavailable");
                unavailable = true;
                break;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert!(unavailable, "the reserve ran out");
    let rows = audit_rows(&s).await;
    let (st, _) = s
        .api(
            Some(&mx),
            Method::GET,
            &format!("/api/v1/cases/{case}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(audit_rows(&s).await, rows, "a refused read left nothing");
    let (st, _) = s
        .api(Some(&mx), Method::POST, "/api/v1/entities", Some(json!({"case_id": case, "schema": "Person", "properties": {"name": ["Persona Ficticia Tardía"]}})))
        .await;
    assert_eq!(st, StatusCode::INSUFFICIENT_STORAGE);

    // Room again: writes and reads work, the chain is whole.
    s.app.store.limit_pages(None).await.unwrap();
    let (st, v) = s
        .api(Some(&mx), Method::POST, "/api/v1/entities", Some(json!({"case_id": case, "schema": "Person", "properties": {"name": ["Persona Ficticia Tardía"]}})))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(entities_of(&s, &mx, &case).await, created + 1);
    let (_, h) = s.api(None, Method::GET, "/healthz", None).await;
    assert_eq!(h["storage"], "ok");
    audit_rows(&s).await;
}
