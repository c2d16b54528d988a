//! The regional dashboard, the quarterly report (page and PDF) and the public statistics:
//! login, filters, 404 for periods that are not quarters that began, indicators derived only
//! from the caller's own and shared intelligence, and the PDF's text as `pdftotext` reads it.
use crate::testkit::{each_engine, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A case of `user`'s country with the given distribution, and events in it.
async fn case_with_events(s: &Server, user: &str, level: &str, events: &[Value]) {
    let tok = s.token(user).await;
    let (st, c) = s
        .api(
            Some(&tok),
            Method::POST,
            "/api/v1/cases",
            Some(
                json!({"title": "Caso ficticio de estadística", "distribution": {"level": level}}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let case = c["id"].as_str().unwrap().to_string();
    for props in events {
        let (st, v) = s
            .api(
                Some(&tok),
                Method::POST,
                "/api/v1/entities",
                Some(json!({"case_id": case, "schema": "Event", "properties": props})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
    }
}

/// The text of a PDF as poppler's `pdftotext` reads it.
pub fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub async fn get_bytes(s: &Server, tok: Option<&str>, path: &str) -> (StatusCode, String, Vec<u8>) {
    let mut rb = s.http.get(format!("{}{path}", s.base));
    if let Some(t) = tok {
        rb = rb.bearer_auth(t);
    }
    let res = rb.send().await.unwrap();
    let st = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (st, ct, res.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_dashboard_and_report_need_a_login() {
    each_engine(|s| async move {
        assert_eq!(s.api(None, Method::GET, "/api/v1/dashboard", None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(get_bytes(&s, None, "/api/v1/reports/quarterly/2026-Q1.pdf").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(get_bytes(&s, None, "/api/v1/reports/quarterly/2026-Q1.html").await.0, StatusCode::UNAUTHORIZED);
        let res = s.http.get(format!("{}/dashboard", s.base)).send().await.unwrap();
        assert!(res.status().is_redirection(), "{}", res.status());
        assert_eq!(res.headers()["location"], "/login");
        // Signed in, the page shows the filters, the charts with their text alternative,
        // and the report links.
        let (_, cookie, _) = s.browser_login("analyst.gt", "enlace-demo").await;
        let res = s.page(&cookie.unwrap(), "/dashboard?indicator=smuggled_migrants_detected&period_from=2026-Q1&period_to=2026-Q3&country=").await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        for needle in ["id=\"dashboard-filters\"", "<title id=\"map-t\">", "<desc id=\"trend-d\">", "id=\"totals\"", "/api/v1/reports/quarterly/2026-Q3.pdf", "data-key=\"gt\""] {
            assert!(html.contains(needle), "{needle}");
        }
    })
    .await;
}

#[tokio::test]
async fn bad_filters_name_the_field() {
    each_engine(|s| async move {
        let tok = s.token("officer.mx").await;
        for (q, field) in [
            ("period_from=2026-13", "period_from"),
            ("period_to=2026-03", "period_to"),
            ("period_from=2026-Q4&period_to=2026-Q1", "period_from"),
            ("period_from=2000-Q1&period_to=2030-Q4", "period_from"),
            ("indicator=no_such_thing", "indicator"),
            ("country=zz", "country"),
        ] {
            let (st, v) = s
                .api(
                    Some(&tok),
                    Method::GET,
                    &format!("/api/v1/dashboard?{q}"),
                    None,
                )
                .await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {v}");
            assert!(v.to_string().contains(field), "{q}: {v}");
        }
        let (st, v) = s
            .api(
                Some(&tok),
                Method::GET,
                "/api/v1/dashboard?period_from=2026-Q1&period_to=2026-Q2&country=gt",
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["dashboard"]["periods"], json!(["2026-Q1", "2026-Q2"]));
        assert_eq!(v["dashboard"]["country"], "gt");
        // The page answers 422 with the error beside the form.
        let (_, cookie, _) = s.browser_login("officer.mx", "enlace-demo").await;
        let res = s
            .page(&cookie.unwrap(), "/dashboard?period_from=2026-Q9")
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("data-field=\"period_from\""));
    })
    .await;
}

#[tokio::test]
async fn reports_exist_only_for_quarters_that_began() {
    each_engine(|s| async move {
        let tok = s.token("officer.cr").await;
        for file in [
            "2026-Q5.pdf",
            "2099-Q1.pdf",
            "2026-Q1.txt",
            "1999-Q1.pdf",
            "2026-03.pdf",
            "2026-Q1",
            "%00.pdf",
        ] {
            let (st, _, _) =
                get_bytes(&s, Some(&tok), &format!("/api/v1/reports/quarterly/{file}")).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{file}");
        }
        let (st, ct, body) =
            get_bytes(&s, Some(&tok), "/api/v1/reports/quarterly/2026-Q1.pdf").await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(ct, "application/pdf");
        assert!(body.starts_with(b"%PDF-"));
    })
    .await;
}

#[tokio::test]
async fn derived_indicators_count_only_own_and_shared_records() {
    each_engine(|s| async move {
        // Guatemala's own case: a rescue of 12 Hondurans and a death in transit.
        case_with_events(&s, "officer.gt", "country", &[
            json!({"name": ["Rescate ficticio"], "date": ["2025-05-02"], "enlaceEventType": ["rescue"], "enlaceMigrants": ["hn:12"], "country": ["gt"]}),
            json!({"name": ["Muerte ficticia en tránsito"], "date": ["2025-06-20"], "enlaceEventType": ["death_in_transit"], "enlaceMigrants": ["ht:1"]}),
        ]).await;
        // Mexico shares an interdiction with all members, and keeps another to itself.
        case_with_events(&s, "officer.mx", "members", &[
            json!({"name": ["Interdicción ficticia compartida"], "date": ["2025-04-10"], "enlaceEventType": ["interdiction"], "enlaceMigrants": ["cu:5", "hn:2"]}),
        ]).await;
        case_with_events(&s, "officer.mx", "country", &[
            json!({"name": ["Interdicción ficticia reservada"], "date": ["2025-04-11"], "enlaceEventType": ["interdiction"], "enlaceMigrants": ["ve:40"]}),
        ]).await;
        let q = "/api/v1/dashboard?period_from=2025-Q2&period_to=2025-Q2";
        let (st, gt) = s.api(Some(&s.token("analyst.gt").await), Method::GET, q, None).await;
        assert_eq!(st, StatusCode::OK, "{gt}");
        let p = &gt["derived"]["periods"][0];
        assert_eq!(p["period"], "2025-Q2");
        assert_eq!((p["rescues"].as_u64(), p["deaths_in_transit"].as_u64(), p["interdictions"].as_u64()), (Some(1), Some(1), Some(1)), "{p}");
        assert_eq!(p["migrants"], 12 + 1 + 5 + 2, "Mexico's reserved interdiction is not counted: {p}");
        let nats = gt["derived"]["nationalities"].as_array().unwrap();
        assert_eq!(nats[0], json!({"nationality": "hn", "migrants": 14}));
        assert!(!nats.iter().any(|n| n["nationality"] == "ve"), "{nats:?}");
        // Mexico sees its own two interdictions and nothing of Guatemala's case.
        let (_, mx) = s.api(Some(&s.token("officer.mx").await), Method::GET, q, None).await;
        let p = &mx["derived"]["periods"][0];
        assert_eq!((p["rescues"].as_u64(), p["interdictions"].as_u64(), p["migrants"].as_u64()), (Some(0), Some(2), Some(47)), "{p}");
        // Costa Rica sees only what Mexico shared.
        let (_, cr) = s.api(Some(&s.token("officer.cr").await), Method::GET, q, None).await;
        assert_eq!(cr["derived"]["periods"][0]["migrants"], 7);
        // The secretariat reads no intelligence: nothing is derived for it.
        let (st, sec) = s.api(Some(&s.token("secretariat").await), Method::GET, q, None).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(sec["derived"]["available"], false);
        assert!(sec["derived"]["periods"].as_array().unwrap().is_empty());
        // Reading Mexico's shared event left a row in Mexico's audit.
        let (_, audit) = s.api(Some(&s.token("admin.mx").await), Method::GET, "/api/v1/audit?scope=country&action=statistics.derive", None).await;
        assert!(audit.to_string().contains("statistics.derive"), "{audit}");
    })
    .await;
}

#[tokio::test]
async fn the_report_reads_in_both_languages_as_page_and_pdf() {
    each_engine(|s| async move {
        case_with_events(&s, "officer.hn", "country", &[
            json!({"name": ["Rescate ficticio en el Golfo"], "date": ["2026-02-11"], "enlaceEventType": ["rescue"], "enlaceMigrants": ["ni:9"]}),
        ]).await;
        let tok = s.token("officer.hn").await;
        let (st, _, pdf) = get_bytes(&s, Some(&tok), "/api/v1/reports/quarterly/2026-Q1.pdf?lang=es").await;
        assert_eq!(st, StatusCode::OK);
        let text = pdf_text(&pdf);
        for needle in ["Informe regional trimestral 2026-Q1", "Migrantes objeto de tráfico ilícito detectados", "Indicadores derivados de la inteligencia", "Rescates", "Nicaragua"] {
            assert!(text.contains(needle), "{needle} in:\n{text}");
        }
        let (_, _, pdf) = get_bytes(&s, Some(&tok), "/api/v1/reports/quarterly/2026-Q1.pdf?lang=en").await;
        let text = pdf_text(&pdf);
        for needle in ["Quarterly regional report 2026-Q1", "Smuggled migrants detected", "Rescues"] {
            assert!(text.contains(needle), "{needle} in:\n{text}");
        }
        let (st, ct, html) = get_bytes(&s, Some(&tok), "/api/v1/reports/quarterly/2026-Q1.html?lang=es").await;
        assert_eq!(st, StatusCode::OK);
        assert!(ct.starts_with("text/html"));
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("<html lang=\"es\">") && html.contains("Informe regional trimestral 2026-Q1") && html.contains("Rescates"));
    })
    .await;
}

#[tokio::test]
async fn public_statistics_need_no_login_and_set_no_cookie() {
    each_engine(|s| async move {
        for lang in ["es", "en"] {
            let res = s.http.get(format!("{}/portal/{lang}/statistics?indicator=smuggled_migrants_detected&period_from=2026-Q1&period_to=2026-Q2", s.base)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert!(res.headers().get("set-cookie").is_none());
            let html = res.text().await.unwrap();
            assert!(html.contains("<svg") && html.contains("id=\"totals\""));
            assert!(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url(http"), "nothing loaded from outside");
        }
        // Bad filters fall back to the default view with the error named.
        let res = s.http.get(format!("{}/portal/en/statistics?period_from=bad", s.base)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains("data-field=\"period_from\""));
    })
    .await;
}

/// Mexico's figures for 2026-Q3 with one small cell: 3 Belizean women.
async fn plant_small_cell(s: &Server) {
    let mx = s.token("officer.mx").await;
    let body = json!({"total": 263, "cells": [
        {"nationality": "bz", "sex": "female", "value": 3},
        {"nationality": "hn", "sex": "female", "value": 120},
        {"nationality": "hn", "sex": "male", "value": 140}]});
    let (st, v) = s
        .api(
            Some(&mx),
            Method::PUT,
            "/api/v1/statistics/mx/smuggled_migrants_detected/2026-Q3",
            Some(body),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

/// The breakdown row of Mexico's Belizean women in a table as HTML, with its value.
fn belize_row(html: &str, lang: &str) -> Option<String> {
    let (mexico, belize, women) = if lang == "en" {
        ("Mexico", "Belize", "Women")
    } else {
        ("México", "Belice", "Mujeres")
    };
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
        let (_, mx) = s
            .api(
                Some(&s.token("analyst.mx").await),
                Method::GET,
                &format!("/api/v1/dashboard?{q}&country=mx"),
                None,
            )
            .await;
        let figs = mx["dashboard"]["figures"].as_array().unwrap();
        assert!(
            figs.iter().any(|f| f["dims"]["nationality"] == "bz"
                && f["dims"]["sex"] == "female"
                && f["value"] == 3),
            "{figs:?}"
        );
        // Guatemala: suppressed in the JSON, the page's table and SVG, the report page and PDF.
        let gt = s.token("officer.gt").await;
        let (_, v) = s
            .api(
                Some(&gt),
                Method::GET,
                &format!("/api/v1/dashboard?{q}&country=mx"),
                None,
            )
            .await;
        let cell = v["dashboard"]["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["dims"]["nationality"] == "bz"
                    && f["dims"]["sex"] == "female"
                    && f["period"] == "2026-Q3"
            })
            .cloned()
            .unwrap();
        assert_eq!(
            (cell["value"].clone(), cell["suppressed"].clone()),
            (Value::Null, json!(true))
        );
        let (_, cookie, _) = s.browser_login("officer.gt", "enlace-demo").await;
        let html = s
            .page(&cookie.unwrap(), &format!("/dashboard?{q}"))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            belize_row(&html, "es").as_deref(),
            Some("reservado"),
            "the table says suppressed"
        );
        assert!(
            !html.contains("Belice: 3") && !html.contains("bz, 3"),
            "no SVG tooltip gives it away"
        );
        let (_, _, report) = crate::dashboard::get_bytes(
            &s,
            Some(&gt),
            "/api/v1/reports/quarterly/2026-Q3.html?lang=en",
        )
        .await;
        let report = String::from_utf8(report).unwrap();
        assert_eq!(belize_row(&report, "en").as_deref(), Some("suppressed"));
        let (_, _, pdf) = crate::dashboard::get_bytes(
            &s,
            Some(&gt),
            "/api/v1/reports/quarterly/2026-Q3.pdf?lang=en",
        )
        .await;
        let text = crate::dashboard::pdf_text(&pdf);
        let line = text
            .lines()
            .find(|l| l.contains("Mexico") && l.contains("Belize") && l.contains("Women"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            line.contains("suppressed") && !line.trim_end().ends_with(" 3"),
            "{line}"
        );
        // The public portal too.
        let html = s
            .http
            .get(format!("{}/portal/en/statistics?{q}", s.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(belize_row(&html, "en").as_deref(), Some("suppressed"));
    })
    .await;
}
