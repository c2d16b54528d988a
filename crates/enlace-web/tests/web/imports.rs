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

fn birth(i: usize) -> String {
    format!("19{:02}-0{}-1{}", i % 100, 1 + i % 9, i % 10)
}

/// `n` fictitious persons as import lines, with dates, nationality, a passport and a phone:
/// the shape of the million-person bench, small.
fn persons(n: usize, from: usize) -> Vec<String> {
    (from..from + n)
        .map(|i| {
            json!({"id": format!("p{i}"), "schema": "Person", "properties": {
                "name": [format!("Ubaldina Persona{i} Quetzaltepeque")],
                "birthDate": [birth(i)],
                "nationality": ["gt"],
                "passportNumber": [format!("QT{i:07}")],
                "phone": [format!("+502 5{i:07}")]}})
            .to_string()
        })
        .collect()
}

/// A large import goes in batches that share their commits: every accepted line is written
/// whole and found at once by search and by a check, a refused line in the middle writes
/// nothing of itself, each batch has its audit row and the chain verifies.
#[tokio::test]
async fn a_large_import_is_written_whole_found_at_once_and_audited() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let (st, c) = s
            .api(Some(&gt), Method::POST, "/api/v1/cases", Some(json!({"title": "Importación grande ficticia", "distribution": {"level": "members"}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{c}");
        let c = c["id"].as_str().unwrap().to_string();
        let mut lines = persons(9_000, 0);
        // In the middle: a line that is not JSON, and a person whose birth date is impossible
        // (its name appears nowhere else).
        lines[4_500] = "{\"schema\": \"Person\", \"properties\": {\"name\": [\"Rechazada".into();
        lines[4_501] = json!({"schema": "Person", "properties": {"name": ["Eleuteria Rechazada Ixcamey"], "birthDate": ["1990-02-31"]}}).to_string();
        let (st, _, rep) = import(&s, &gt, &c, lines.join("\n").into_bytes()).await;
        assert_eq!(st, StatusCode::OK, "{rep}");
        assert_eq!(rep["accepted"], 8_998, "{}", rep["rejected"]);
        let rejected: Vec<(i64, String)> = rep["rejected"].as_array().unwrap().iter().map(|r| (r["line"].as_i64().unwrap(), r["code"].as_str().unwrap().to_string())).collect();
        assert_eq!(rejected, vec![(4_501, "bad_json".into()), (4_502, "invalid_input".into())]);
        // Found at once (the answer came once the writes were durable), with every value.
        let (st, r) = s.api(Some(&gt), Method::GET, "/api/v1/search?q=persona8765", None).await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(r["total"], 1, "{r}");
        assert_eq!(r["results"][0]["properties"]["passportNumber"][0], "QT0008765", "{r}");
        let (_, r) = s.api(Some(&gt), Method::GET, "/api/v1/search?q=QT0000012", None).await;
        assert_eq!(r["total"], 1, "by document: {r}");
        let (_, r) = s.api(Some(&gt), Method::GET, "/api/v1/search?q=quetzaltepeque", None).await;
        assert_eq!(r["total"], 1000, "counted up to the cap: {r}");
        let (_, r) = s.api(Some(&gt), Method::GET, "/api/v1/search?q=ixcamey", None).await;
        assert_eq!(r["total"], 0, "the refused line wrote nothing: {r}");
        // Another member's check hits the imported person (the check index was updated).
        let pa = s.token("prosecutor.pa").await;
        let (st, v) = s
            .api(Some(&pa), Method::POST, "/api/v1/checks", Some(json!({"purpose": "Verificación previa", "case_reference": "EXP-16",
                "subject": {"schema": "Person", "properties": {"name": ["Ubaldina Persona8766 Quetzaltepeque"], "birthDate": [birth(8766)]}}})))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let gt_answer = v["results"].as_array().unwrap().iter().find(|a| a["country"] == "gt").unwrap();
        assert_eq!(gt_answer["hit"], true, "{v}");
        // One audit row per batch of 4,000 lines, their counts adding up to the total.
        let (st, a) = s.api(Some(&gt), Method::GET, "/api/v1/audit?scope=own&action=entity.import&per_page=200", None).await;
        assert_eq!(st, StatusCode::OK, "{a}");
        let counts: Vec<i64> = a["items"].as_array().unwrap().iter().filter(|e| e["object_id"] == c.as_str()).map(|e| e["detail"].as_str().unwrap().trim_start_matches("accepted=").parse().unwrap()).collect();
        assert_eq!(counts.len(), 3, "{a}");
        assert_eq!(counts.iter().sum::<i64>(), 8_998);
        assert!(matches!(s.app.store.unrestricted_verify_audit(&[]).await.unwrap(), enlace_store::audit::Verdict::Intact { .. }));
        // The whole case exports every accepted line.
        let res = s.http.get(format!("{}/api/v1/cases/{c}/export", s.base)).bearer_auth(&gt).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.text().await.unwrap().lines().count(), 8_998);
    })
    .await;
}

/// An import into a sensitive case file seals every person (nothing of them in plain text
/// in any column), yet the owner finds them and a named country's check hits.
#[tokio::test]
async fn an_import_into_a_sensitive_case_is_sealed() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let (st, c) = s
            .api(Some(&gt), Method::POST, "/api/v1/cases", Some(json!({"title": "Víctimas importadas (ficticio)", "sensitive": true, "distribution": {"level": "countries", "countries": ["sv"]}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{c}");
        let c = c["id"].as_str().unwrap().to_string();
        let mut lines = persons(4_500, 0);
        lines.push(json!({"id": "v1", "schema": "Person", "properties": {"name": ["Zoraida Ixquiac Tzunún"], "birthDate": ["1991-05-23"], "passportNumber": ["ZX4455667"], "nationality": ["gt"]}}).to_string());
        let (st, _, rep) = import(&s, &gt, &c, lines.join("\n").into_bytes()).await;
        assert_eq!(st, StatusCode::OK, "{rep}");
        assert_eq!(rep["accepted"], 4_501, "{}", rep["rejected"]);
        let all = enlace_store::testing::all_stored_text(&s.app.store).await.unwrap();
        for needle in ["Zoraida", "zoraida", "Ixquiac", "ixquiac", "ZX4455667", "zx4455667", "1991-05-23", "Quetzaltepeque", "quetzaltepeque", "QT0000042", "qt0000042"] {
            assert!(!all.contains(needle), "{needle:?} stored in plain text ({})", s.engine);
        }
        assert!(all.lines().any(|l| l.starts_with("entity_terms.term: #")), "blind terms");
        let (st, r) = s.api(Some(&gt), Method::GET, "/api/v1/search?q=ixquiac&purpose=Protecci%C3%B3n", None).await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(r["total"], 1, "{r}");
        assert_eq!(r["results"][0]["properties"]["passportNumber"][0], "ZX4455667", "read in plain: {r}");
        let check = |who: &'static str| {
            let s = &s;
            async move {
                let (st, v) = s
                    .api(Some(&s.token(who).await), Method::POST, "/api/v1/checks", Some(json!({"purpose": "Verificación previa", "case_reference": "EXP-16",
                        "subject": {"schema": "Person", "properties": {"name": ["Zoraida Ixquiac Tzunún"], "birthDate": ["1991-05-23"]}}})))
                    .await;
                assert_eq!(st, StatusCode::OK, "{v}");
                v["results"].as_array().unwrap().iter().find(|a| a["country"] == "gt").unwrap()["hit"] == true
            }
        };
        assert!(check("officer.sv").await, "a named country's check hits");
        assert!(!check("officer.hn").await, "another country's does not");
    })
    .await;
}

/// An import that runs out of room answers 507 once what it wrote is settled: the batch that
/// could not be written leaves nothing — no stored person, no check hit, no search hit.
#[tokio::test]
async fn an_import_that_runs_out_of_room_answers_507_and_leaves_no_trace_of_the_lost_batch() {
    let s = sqlite_server(enlace_app::AppConfig::default()).await;
    let gt = s.token("officer.gt").await;
    let c = case(&s, &gt).await;
    // Room for a few dozen pages: less than one batch of 4,000 persons.
    s.app.store.limit_pages(Some(64 + 24)).await.unwrap();
    let (st, _, rep) = import(&s, &gt, &c, persons(9_000, 0).join("\n").into_bytes()).await;
    assert_eq!(st, StatusCode::INSUFFICIENT_STORAGE, "{rep}");
    s.app.store.limit_pages(None).await.unwrap();
    let (st, r) = s
        .api(Some(&gt), Method::GET, "/api/v1/search?q=persona12", None)
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["total"], 0, "{r}");
    let (st, v) = s
        .api(Some(&s.token("prosecutor.pa").await), Method::POST, "/api/v1/checks", Some(json!({"purpose": "Verificación previa", "case_reference": "EXP-16",
            "subject": {"schema": "Person", "properties": {"name": ["Ubaldina Persona12 Quetzaltepeque"], "birthDate": [birth(12)]}}})))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let gt_answer = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["country"] == "gt")
        .unwrap();
    assert_eq!(gt_answer["hit"], false, "{v}");
    // Once there is room again, the same file goes in whole.
    let (st, _, rep) = import(&s, &gt, &c, persons(9_000, 0).join("\n").into_bytes()).await;
    assert_eq!(st, StatusCode::OK, "{rep}");
    assert_eq!(rep["accepted"], 9_000);
    assert!(matches!(
        s.app.store.unrestricted_verify_audit(&[]).await.unwrap(),
        enlace_store::audit::Verdict::Intact { .. }
    ));
}

/// The bulk write sends a batch's rows to the database as lists of text (PostgreSQL) or
/// JSON (SQLite): every value comes back exactly as sent — quotes, backslashes, a newline,
/// letters beyond the basic plane — for a full batch and for a last batch of one line, and
/// each is found by its words.
#[tokio::test]
async fn a_large_import_stores_awkward_values_exactly() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let c = case(&s, &gt).await;
        let sent: Vec<Value> = (0..4_001)
            .map(|i| {
                json!({"id": format!("p{i}"), "schema": "Person", "properties": {
                    "name": [format!("Ofelia \"la Güera\" O'Ryan\\Persona{i} 𝔘ixcoy")],
                    "birthDate": [birth(i)],
                    "nationality": ["gt"],
                    "address": [format!("Calle {i}\nZona 1, Cobán")],
                    "passportNumber": [format!("QZ{i:07}")]}})
            })
            .collect();
        let body = sent
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        let (st, _, rep) = import(&s, &gt, &c, body.into_bytes()).await;
        assert_eq!(st, StatusCode::OK, "{rep}");
        assert_eq!(rep["accepted"], 4_001, "{}", rep["rejected"]);
        let res = s
            .http
            .get(format!("{}/api/v1/cases/{c}/export", s.base))
            .bearer_auth(&gt)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        let mut got: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["properties"].clone())
            .collect();
        let mut want: Vec<Value> = sent.iter().map(|v| v["properties"].clone()).collect();
        let key = |v: &Value| v["passportNumber"][0].as_str().unwrap().to_string();
        got.sort_by_key(key);
        want.sort_by_key(key);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{} ({})", key(w), s.engine);
        }
        // The last line was a batch of its own; found by a word of it and by its document.
        let (_, r) = s
            .api(Some(&gt), Method::GET, "/api/v1/search?q=persona4000", None)
            .await;
        assert_eq!(r["total"], 1, "{r}");
        assert_eq!(
            r["results"][0]["properties"]["name"][0],
            "Ofelia \"la Güera\" O'Ryan\\Persona4000 𝔘ixcoy",
            "{r}"
        );
        let (_, r) = s
            .api(Some(&gt), Method::GET, "/api/v1/search?q=QZ0000007", None)
            .await;
        assert_eq!(r["total"], 1, "{r}");
    })
    .await;
}
