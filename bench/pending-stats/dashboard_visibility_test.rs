
/// Mexico's figures for 2026-Q3 with one small cell: 3 Belizean women.
async fn plant_small_cell(s: &Server) {
    let mx = s.token("officer.mx").await;
    let body = json!({"total": 263, "cells": [
        {"nationality": "bz", "sex": "female", "value": 3},
        {"nationality": "hn", "sex": "female", "value": 120},
        {"nationality": "hn", "sex": "male", "value": 140}]});
    let (st, v) = s.api(Some(&mx), Method::PUT, "/api/v1/statistics/mx/smuggled_migrants_detected/2026-Q3", Some(body)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

/// The breakdown row of Mexico's Belizean women in a table as HTML, with its value.
fn belize_row(html: &str, lang: &str) -> Option<String> {
    let (mexico, belize, women) = if lang == "en" { ("Mexico", "Belize", "Women") } else { ("México", "Belice", "Mujeres") };
    let start = format!("<th scope=\"row\">{mexico}</th><td>{belize}</td><td>{women}</td><td>");
    let i = html.find(&start)? + start.len();
    Some(html[i..].split('<').next().unwrap_or("").to_string())
}

#[tokio::test]
async fn another_countrys_small_cells_never_appear() {
    each_engine(|s| async move {
        plant_small_cell(&s).await;
        let q = "indicator=smuggled_migrants_detected&period_from=2026-Q2&period_to=2026-Q3";
        // Mexico sees its own figure in full.
        let (_, mx) = s.api(Some(&s.token("analyst.mx").await), Method::GET, &format!("/api/v1/dashboard?{q}&country=mx"), None).await;
        let figs = mx["dashboard"]["figures"].as_array().unwrap();
        assert!(figs.iter().any(|f| f["dims"]["nationality"] == "bz" && f["dims"]["sex"] == "female" && f["value"] == 3), "{figs:?}");
        // Guatemala: suppressed in the JSON, the page's table and SVG, the report page and PDF.
        let gt = s.token("officer.gt").await;
        let (_, v) = s.api(Some(&gt), Method::GET, &format!("/api/v1/dashboard?{q}&country=mx"), None).await;
        let cell = v["dashboard"]["figures"].as_array().unwrap().iter().find(|f| f["dims"]["nationality"] == "bz" && f["dims"]["sex"] == "female" && f["period"] == "2026-Q3").cloned().unwrap();
        assert_eq!((cell["value"].clone(), cell["suppressed"].clone()), (Value::Null, json!(true)));
        let (_, cookie, _) = s.browser_login("officer.gt", "enlace-demo").await;
        let html = s.page(&cookie.unwrap(), &format!("/dashboard?{q}")).await.text().await.unwrap();
        assert_eq!(belize_row(&html, "es").as_deref(), Some("reservado"), "the table says suppressed");
        assert!(!html.contains("Belice: 3") && !html.contains("bz, 3"), "no SVG tooltip gives it away");
        let (_, _, report) = crate::dashboard::get_bytes(&s, Some(&gt), "/api/v1/reports/quarterly/2026-Q3.html?lang=en").await;
        let report = String::from_utf8(report).unwrap();
        assert_eq!(belize_row(&report, "en").as_deref(), Some("suppressed"));
        let (_, _, pdf) = crate::dashboard::get_bytes(&s, Some(&gt), "/api/v1/reports/quarterly/2026-Q3.pdf?lang=en").await;
        let text = crate::dashboard::pdf_text(&pdf);
        let line = text.lines().find(|l| l.contains("Mexico") && l.contains("Belize") && l.contains("Women")).unwrap_or_else(|| panic!("{text}"));
        assert!(line.contains("suppressed") && !line.trim_end().ends_with(" 3"), "{line}");
        // The public portal too.
        let html = s.http.get(format!("{}/portal/en/statistics?{q}", s.base)).send().await.unwrap().text().await.unwrap();
        assert_eq!(belize_row(&html, "en").as_deref(), Some("suppressed"));
    })
    .await;
}
