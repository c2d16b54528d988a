//! An import's answer and the server's memory do not grow with the file: the report lists
//! the first 1,000 rejected lines and the first 1,000 ids, and counts them all.
use crate::testkit::{csrf_of, each_engine, sqlite_server, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn case(s: &Server, tok: &str) -> String {
    let (st, v) = s
        .api(Some(tok), Method::POST, "/api/v1/cases", Some(json!({"title": "Importación masiva ficticia", "distribution": {"level": "country", "countries": []}})))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// Posts a body to the import; returns the status, the answer's size and the answer.
async fn import(s: &Server, tok: &str, case_id: &str, body: Vec<u8>) -> (StatusCode, usize, Value) {
    let res = s
        .http
        .post(format!("{}/api/v1/import?case_id={case_id}", s.base))
        .bearer_auth(tok)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.bytes().await.unwrap();
    (status, bytes.len(), serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn a_junk_import_answers_with_the_first_thousand_rejections_and_the_total() {
    each_engine(|s| async move {
        let tok = s.token("officer.mx").await;
        let c = case(&s, &tok).await;
        let body = "x\n".repeat(5000).into_bytes();
        let (st, size, rep) = import(&s, &tok, &c, body).await;
        assert_eq!(st, StatusCode::OK, "{rep}");
        assert_eq!(rep["accepted"], 0);
        assert_eq!(rep["rejected_total"], 5000);
        let listed = rep["rejected"].as_array().unwrap();
        assert_eq!(listed.len(), 1000, "exactly the first 1,000 are listed");
        assert_eq!(listed[0]["line"], 1);
        assert_eq!(listed[999]["line"], 1000);
        assert_eq!(listed[999]["code"], "bad_json");
        assert!(size < 150_000, "the answer stays small: {size} bytes");
        // Ten times the lines: the same answer size.
        let (st, size10, rep) = import(&s, &tok, &c, "x\n".repeat(50_000).into_bytes()).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(rep["rejected_total"], 50_000);
        assert_eq!(rep["rejected"].as_array().unwrap().len(), 1000);
        assert!(
            size10 <= size + 64,
            "{size10} bytes for 50,000 lines, {size} for 5,000"
        );
    })
    .await;
}

#[tokio::test]
async fn accepted_ids_are_bounded_too_and_file_ids_still_link_lines() {
    let s = sqlite_server(enlace_app::AppConfig::default()).await;
    let tok = s.token("officer.gt").await;
    let c = case(&s, &tok).await;
    let mut body = String::new();
    // A long id links lines (the import remembers a digest of it, not the id itself).
    let long_id = "o".repeat(2000);
    body.push_str(&json!({"id": long_id, "schema": "Organization", "properties": {"name": ["Red ficticia de Quetzaltenango"]}}).to_string());
    body.push('\n');
    for i in 0..1500 {
        body.push_str(&json!({"id": format!("p{i}"), "schema": "Person", "properties": {"name": [format!("Persona Ficticia Xelajú {i}")]}}).to_string());
        body.push('\n');
        body.push_str("junk\n");
    }
    // The last lines link to the first ones, across batches.
    body.push_str(&json!({"id": "m1", "schema": "Membership", "properties": {"member": ["p0"], "organization": [long_id]}}).to_string());
    body.push('\n');
    let (st, _, rep) = import(&s, &tok, &c, body.into_bytes()).await;
    assert_eq!(st, StatusCode::OK, "{rep}");
    assert_eq!(rep["accepted"], 1502, "{}", rep["rejected"][0]);
    assert_eq!(
        rep["ids"].as_array().unwrap().len(),
        1000,
        "ids of the first 1,000 accepted"
    );
    assert_eq!(rep["rejected_total"], 1500);
    assert_eq!(rep["rejected"].as_array().unwrap().len(), 1000);
    assert_eq!(rep["rejected"][0]["line"], 3);
    // The membership points at the organisation and the first person.
    let org = rep["ids"][0].as_str().unwrap();
    let (st, g) = s
        .api(
            Some(&tok),
            Method::GET,
            &format!("/api/v1/entities/{org}/graph"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{g}");
    assert!(
        g.to_string().contains("Persona Ficticia Xelajú 0\""),
        "linked across the file: {g}"
    );
}

#[tokio::test]
async fn the_import_page_counts_every_rejected_line_and_lists_the_first_thousand() {
    let s = sqlite_server(enlace_app::AppConfig::default()).await;
    let tok = s.token("officer.do").await;
    let c = case(&s, &tok).await;
    let (_, cookie, _) = s.browser_login("officer.do", "enlace-demo").await;
    let cookie = cookie.unwrap();
    let page = s.page(&cookie, &format!("/cases/{c}/import")).await;
    let csrf = csrf_of(&page.text().await.unwrap());
    let lines = "?\n".repeat(1200);
    let res = s
        .post_form(
            &cookie,
            &format!("/cases/{c}/import"),
            &[("csrf", &csrf), ("lines", &lines)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"rejected-count\">1200<"),
        "every rejected line counted"
    );
    assert!(
        html.contains("id=\"rejected-shown\""),
        "the page says only the first are listed"
    );
    let rows = html
        .split("id=\"rejected\"")
        .nth(1)
        .unwrap()
        .matches("<li data-code=")
        .count();
    assert_eq!(rows, 1000);
}
