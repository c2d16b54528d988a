//! The shell every page shares: compressed pages and cacheable static files (the event
//! stream left alone), navigation grouped by task, the user's time zone, the home work
//! queue, the spreadsheet CSV of the directory, help and glossary.
use crate::testkit::{csrf_of, each_engine, Server};
use enlace_domain::Clock;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

const PW: &str = "enlace-demo";

async fn login(s: &Server, user: &str) -> String {
    let (st, cookie, _) = s.browser_login(user, PW).await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{user} logs in");
    cookie.unwrap()
}

async fn page_with(s: &Server, cookie: &str, path: &str, encoding: &str) -> reqwest::Response {
    s.http
        .get(format!("{}{path}", s.base))
        .header("cookie", format!("__Host-enlace={cookie}"))
        .header("accept-encoding", encoding)
        .send()
        .await
        .unwrap()
}

async fn html(s: &Server, cookie: &str, path: &str) -> String {
    let res = s.page(cookie, path).await;
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn pages_come_compressed_and_static_files_are_cached() {
    each_engine(|s| async move {
        let cookie = login(&s, "officer.mx").await;
        let plain = page_with(&s, &cookie, "/directory", "identity").await;
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get("content-encoding").is_none());
        let plain_len = plain.bytes().await.unwrap().len();
        for enc in ["br", "gzip"] {
            let res = page_with(&s, &cookie, "/directory", enc).await;
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(
                res.headers()["content-encoding"],
                enc,
                "the page comes as {enc}"
            );
            assert!(res.headers()["vary"]
                .to_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("accept-encoding"));
            let len = res.bytes().await.unwrap().len();
            assert!(
                len * 2 < plain_len,
                "{enc}: {len} bytes against {plain_len}"
            );
        }
        // The API answers compressed too.
        let tok = s.token("officer.mx").await;
        let res = s
            .http
            .get(format!("{}/api/v1/openapi.json", s.base))
            .bearer_auth(&tok)
            .header("accept-encoding", "br")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], "br");

        // Static files: the page links a fingerprinted URL, kept a year; the bare URL an
        // hour, revalidated with its ETag.
        let home = html(&s, &cookie, "/").await;
        let start = home
            .find("/static/app.css?v=")
            .expect("the page links the fingerprinted stylesheet");
        let href: String = home[start..].chars().take_while(|c| *c != '"').collect();
        let res = s
            .http
            .get(format!("{}{href}", s.base))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(res.headers()["content-encoding"], "gzip");
        let etag = res.headers()["etag"].to_str().unwrap().to_string();
        let res = s
            .http
            .get(format!("{}/static/app.js", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["cache-control"], "public, max-age=3600");
        let res = s
            .http
            .get(format!("{}/static/app.css", s.base))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    })
    .await;
}

#[tokio::test]
async fn the_event_stream_is_never_compressed_and_stays_prompt() {
    each_engine(|s| async move {
        let cr = s.token("officer.cr").await;
        let mut stream = s
            .http
            .get(format!("{}/api/v1/events", s.base))
            .bearer_auth(&cr)
            .header("accept-encoding", "br, gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        assert!(stream.headers().get("content-encoding").is_none(), "server-sent events go uncompressed");
        let pa = s.token("officer.pa").await;
        let sent = std::time::Instant::now();
        let (st, v) = s.api(Some(&pa), Method::POST, "/api/v1/alerts", Some(json!({"kind": "vessel_at_sea", "title": "Lancha ficticia al sur de Punta Burica", "recipients": ["cr"]}))).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let mut got = String::new();
        while !got.contains("Punta Burica") {
            match tokio::time::timeout(Duration::from_secs(3), stream.chunk()).await {
                Ok(Ok(Some(b))) => got.push_str(&String::from_utf8_lossy(&b)),
                other => panic!("the alert did not arrive: {other:?} after {got}"),
            }
        }
        assert!(sent.elapsed() < Duration::from_millis(1500), "arrived in {:?}", sent.elapsed());
    })
    .await;
}

#[tokio::test]
async fn navigation_is_grouped_by_task_and_marks_the_current_section() {
    each_engine(|s| async move {
        let officer = login(&s, "officer.mx").await;
        let page = html(&s, &officer, "/cases").await;
        for group in ["Inteligencia", "Cooperación", "Red"] {
            assert!(page.contains(group), "the officer's menu has {group}");
        }
        assert!(
            page.contains(r#"<a href="/cases" aria-current="page">"#),
            "the current section is marked"
        );
        assert!(
            !page.contains(r#"href="/admin/users""#),
            "no user administration for an officer"
        );
        assert!(!page.contains(r#"href="/admin/countries""#));
        let admin = login(&s, "admin.mx").await;
        let page = html(&s, &admin, "/admin/users").await;
        assert!(
            page.contains("Administración")
                && page.contains(r#"<a href="/admin/users" aria-current="page">"#)
        );
        assert!(
            !page.contains(r#"href="/cases""#),
            "an admin works no intelligence"
        );
        let sec = login(&s, "secretariat").await;
        let page = html(&s, &sec, "/").await;
        assert!(
            page.contains(r#"href="/admin/countries""#) && !page.contains(r#"href="/documents""#)
        );
    })
    .await;
}

#[tokio::test]
async fn times_show_in_the_users_zone_and_the_setting_survives() {
    each_engine(|s| async move {
        let tok = s.token("officer.mx").await;
        // The API: the country's zone by default; set, read back, reset; bad input named.
        let (st, v) = s
            .api(Some(&tok), Method::GET, "/api/v1/account/time-zone", None)
            .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(
            v,
            json!({"time_zone": null, "effective": "America/Mexico_City"})
        );
        let (st, v) = s
            .api(
                Some(&tok),
                Method::PUT,
                "/api/v1/account/time-zone",
                Some(json!({"time_zone": "Mars/Olympus"})),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(
            v.to_string().contains("time_zone"),
            "the error names the field: {v}"
        );
        assert_eq!(
            s.api(None, Method::GET, "/api/v1/account/time-zone", None)
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        let (st, v) = s
            .api(
                Some(&tok),
                Method::PUT,
                "/api/v1/account/time-zone",
                Some(json!({"time_zone": "UTC"})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["effective"], "UTC");
        let (_, v) = s
            .api(
                Some(&s.token("officer.gt").await),
                Method::GET,
                "/api/v1/account/time-zone",
                None,
            )
            .await;
        assert_eq!(
            v["effective"], "America/Guatemala",
            "another user keeps their country's zone"
        );

        // Pages: the account page lists the token's creation time in the zone in use.
        let cookie = login(&s, "officer.mx").await;
        let page = html(&s, &cookie, "/account").await;
        let created = enlace_domain::clock::format_utc(s.clock.now_ms());
        let utc_shown = format!("{} {} UTC", &created[..10], &created[11..16]);
        assert!(
            page.contains(&utc_shown),
            "UTC chosen: {utc_shown} in the page"
        );
        let csrf = csrf_of(&page);
        let res = s
            .post_form(
                &cookie,
                "/account/time-zone",
                &[("csrf", &csrf), ("time_zone", "")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = html(&s, &cookie, "/account?done=time_zone").await;
        assert!(page.contains("Zona horaria guardada"));
        assert!(
            page.contains(" CST") && !page.contains(&utc_shown),
            "back to Mexico City time (CST)"
        );
        let (_, v) = s
            .api(Some(&tok), Method::GET, "/api/v1/account/time-zone", None)
            .await;
        assert_eq!(v["time_zone"], serde_json::Value::Null);
        // The API keeps RFC 3339 UTC whatever the zone.
        let (_, v) = s.api(Some(&tok), Method::GET, "/api/v1/tokens", None).await;
        assert!(
            v["items"][0]["created_at"].as_str().unwrap().ends_with('Z'),
            "{v}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_home_page_is_a_work_queue_with_the_urgent_request_first() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("prosecutor.mx").await;
        let (_, c) = s.api(Some(&gt), Method::POST, "/api/v1/cases", Some(json!({"title": "Red ficticia de la cola", "distribution": {"level": "country"}}))).await;
        let case = c["id"].as_str().unwrap();
        s.api(Some(&gt), Method::POST, "/api/v1/entities", Some(json!({"case_id": case, "schema": "Person", "properties": {"name": ["Aurelio Ficticio Tzul"], "birthDate": ["1971-03-09"]}}))).await;
        let (_, v) = s.api(Some(&mx), Method::POST, "/api/v1/checks", Some(json!({"purpose": "AJM previa", "case_reference": "FGR-Q1", "subject": {"schema": "Person", "properties": {"name": ["Aurelio Ficticio Tzul"], "birthDate": ["1971-03-09"]}}}))).await;
        let hit = v["results"].as_array().unwrap().iter().find(|r| r["country"] == "gt").unwrap().clone();
        assert_eq!(hit["hit"], true, "{v}");
        let (st, r) = s.api(Some(&mx), Method::POST, "/api/v1/requests", Some(json!({"to": "gt", "references": [hit["reference"]], "purpose": "Confirmar identidad de la cola", "legal_basis": "Convención de Palermo", "urgency": "urgent"}))).await;
        assert_eq!(st, StatusCode::CREATED, "{r}");
        let rid = r["id"].as_str().unwrap().to_string();

        // Guatemala's officer: the request first, urgent, due within 8 hours; the hit too.
        let cookie = login(&s, "officer.gt").await;
        let page = html(&s, &cookie, "/").await;
        let list = page.find("id=\"queue-requests-list\"").expect("a queue of requests");
        let first = page[list..].find("data-request-id=\"").map(|i| &page[list + i + 17..list + i + 17 + rid.len()]);
        assert_eq!(first, Some(rid.as_str()), "the urgent request comes first");
        assert!(page.contains("Vence en 8 h") && page.contains("Urgente") && page.contains("le toca responder"), "urgency and deadline in words");
        assert!(page.contains("id=\"queue-hits-list\""), "the new hit on Guatemala's record is listed");
        // Mexico sees it waiting on the other side; nine hours later it is overdue.
        s.clock.advance_secs(9 * 3600);
        let mx_cookie = login(&s, "prosecutor.mx").await;
        let page = html(&s, &mx_cookie, "/").await;
        assert!(page.contains("Confirmar identidad de la cola") && page.contains("espera su respuesta"));
        assert!(page.contains("due-overdue") && page.contains("Vencida hace 1 h"), "overdue in colour and words");
        // A country outside the request sees an empty state.
        let pa = login(&s, "officer.pa").await;
        let page = html(&s, &pa, "/").await;
        assert!(!page.contains("Confirmar identidad de la cola"));
        // The approver's queue: the directory entries awaiting approval.
        let off = s.token("officer.cr").await;
        let (st, _) = s.api(Some(&off), Method::POST, "/api/v1/directory", Some(json!({"name": "Entrada Ficticia Pendiente", "position": "Enlace", "institution": "police", "axes": [1], "topics": "rutas", "phone": "+506 2222 1111", "email": "p@example.cr", "languages": ["es"], "hours": "8-17", "available_24_7": false, "public": false}))).await;
        assert_eq!(st, StatusCode::CREATED);
        let appr = login(&s, "approver.cr").await;
        let _ = &cookie;
        let page = html(&s, &appr, "/").await;
        assert!(page.contains("id=\"queue-directory-list\"") && page.contains("Entrada Ficticia Pendiente"));
        let page = html(&s, &appr, "/directory?status=pending").await;
        assert!(page.contains("Entrada Ficticia Pendiente"));
    })
    .await;
}

#[tokio::test]
async fn the_directory_spreadsheet_speaks_the_users_language() {
    each_engine(|s| async move {
        let cookie = login(&s, "officer.gt").await;
        let res = s.page(&cookie, "/directory/export.csv").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let body = res.bytes().await.unwrap();
        assert!(
            body.starts_with(&[0xEF, 0xBB, 0xBF]),
            "a UTF-8 byte-order mark for Excel"
        );
        let text = String::from_utf8(body[3..].to_vec()).unwrap();
        assert!(
            text.starts_with("País;"),
            "Spanish headers, `;` between cells: {}",
            &text[..80.min(text.len())]
        );
        assert!(
            !text.contains("prosecution") && !text.contains(";true;"),
            "codes in words"
        );
        // English: commas and English words.
        let res = s
            .http
            .get(format!("{}/lang?set=en&next=/", s.base))
            .header("cookie", format!("__Host-enlace={cookie}"))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection());
        let text = s
            .page(&cookie, "/directory/export.csv")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            text.trim_start_matches('\u{feff}').starts_with("Country,"),
            "{}",
            &text[..60.min(text.len())]
        );
    })
    .await;
}

#[tokio::test]
async fn help_and_glossary_explain_the_terms_in_both_languages() {
    each_engine(|s| async move {
        let res = s
            .http
            .get(format!("{}/help/glossary", s.base))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "the glossary is open without login"
        );
        let page = res.text().await.unwrap();
        for term in [
            "Intelligence use only",
            "Not for court without the owner",
            "Mostly reliable",
            "All member countries",
            "Cross-border judicial cooperation",
            "id=\"evaluation\"",
        ] {
            assert!(page.contains(term), "the glossary explains {term}");
        }
        let cookie = login(&s, "officer.hn").await;
        let page = html(&s, &cookie, "/help").await;
        assert!(page.contains("Guía de uso") && page.contains("/help/glossary#handling"));
    })
    .await;
}

#[tokio::test]
async fn the_approver_sends_a_proposal_back_with_a_reason() {
    each_engine(|s| async move {
        let off = s.token("officer.cr").await;
        let appr = s.token("approver.cr").await;
        let entry = json!({"name": "Entrada Ficticia Devuelta", "position": "Enlace", "institution": "police", "axes": [1], "topics": "rutas", "phone": "+506 2222 3333", "email": "d@example.cr", "languages": ["es"], "hours": "8-17", "available_24_7": false, "public": false});
        let (_, e) = s.api(Some(&off), Method::POST, "/api/v1/directory", Some(entry.clone())).await;
        let id = e["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/directory/{id}/reject");
        // Only the country's approver; a reason is required; no login 401.
        assert_eq!(s.api(Some(&off), Method::POST, &path, Some(json!({"reason": "x"}))).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&s.token("approver.gt").await), Method::POST, &path, Some(json!({"reason": "x"}))).await.0, StatusCode::NOT_FOUND);
        assert_eq!(s.api(None, Method::POST, &path, Some(json!({"reason": "x"}))).await.0, StatusCode::UNAUTHORIZED);
        let (st, v) = s.api(Some(&appr), Method::POST, &path, Some(json!({"reason": "  "}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("reason"), "{v}");
        let (st, v) = s.api(Some(&appr), Method::POST, &path, Some(json!({"reason": "Falta el correo institucional"}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "rejected");
        // Nothing left to reject; the proposers are told why; the page says it.
        assert_eq!(s.api(Some(&appr), Method::POST, &path, Some(json!({"reason": "otra vez"}))).await.0, StatusCode::CONFLICT);
        let (_, n) = s.api(Some(&off), Method::GET, "/api/v1/notifications", None).await;
        assert!(n.to_string().contains("Falta el correo institucional"), "{n}");
        let cookie = login(&s, "officer.cr").await;
        let page = html(&s, &cookie, &format!("/directory/{id}")).await;
        assert!(page.contains("Devuelta por Cancillería") && page.contains("Falta el correo institucional"));
        // A new proposal clears the reason and waits again.
        let (st, v) = s.api(Some(&off), Method::PATCH, &format!("/api/v1/directory/{id}"), Some(entry)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "pending");
        // Through the page: the approver's form, with a success message after.
        let ac = login(&s, "approver.cr").await;
        let page = html(&s, &ac, &format!("/directory/{id}")).await;
        assert!(page.contains("id=\"reject-form\""));
        let csrf = csrf_of(&page);
        let res = s.post_form(&ac, &format!("/directory/{id}"), &[("csrf", &csrf), ("action", "reject"), ("reason", "Cargo incompleto")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let loc = res.headers()["location"].to_str().unwrap().to_string();
        let page = html(&s, &ac, &loc).await;
        assert!(page.contains("id=\"done-message\"") && page.contains("Propuesta devuelta"), "a success message");
        // The audit keeps the reason.
        let (_, a) = s.api(Some(&appr), Method::GET, "/api/v1/audit?scope=own&action=directory.reject", None).await;
        assert!(a.to_string().contains("Cargo incompleto"), "{a}");
    })
    .await;
}

#[tokio::test]
async fn destructive_actions_ask_first_and_say_when_done() {
    each_engine(|s| async move {
        let admin = login(&s, "admin.mx").await;
        let users = html(&s, &admin, "/admin/users").await;
        let at = users.find("href=\"/admin/users/").unwrap() + "href=\"".len();
        let link: String = users[at..].chars().take_while(|c| *c != '"').collect();
        let page = html(&s, &admin, &link).await;
        if page.contains("id=\"disable-user\"") {
            assert!(
                page.contains("data-confirm=\"¿Desactivar esta cuenta?"),
                "disable asks first"
            );
            assert!(
                page.contains("data-confirm=\"¿Restablecer esta cuenta?"),
                "reset asks first"
            );
            let csrf = csrf_of(&page);
            let res = s
                .post_form(&admin, &format!("{link}/disable"), &[("csrf", &csrf)])
                .await;
            let loc = res.headers()["location"].to_str().unwrap().to_string();
            let page = html(&s, &admin, &loc).await;
            assert!(page.contains("Cuenta desactivada."), "says it is done");
        }
        // A made-up message key shows nothing.
        let page = html(&s, &admin, "/admin/users?done=nonsense").await;
        assert!(!page.contains("id=\"done-message\""));
    })
    .await;
}

#[tokio::test]
async fn the_audit_page_reads_in_words_with_filters() {
    each_engine(|s| async move {
        let mx = s.token("prosecutor.mx").await;
        let (st, _) = s.api(Some(&mx), Method::POST, "/api/v1/checks", Some(json!({"purpose": "Verificar antes de AJM", "case_reference": "FGR-AUD-1", "subject": {"schema": "Person", "properties": {"name": ["Nadie Ficticio Registrado"]}}}))).await;
        assert_eq!(st, StatusCode::OK);
        let cookie = login(&s, "prosecutor.mx").await;
        let page = html(&s, &cookie, "/audit").await;
        assert!(page.contains("Hizo una consulta de coincidencia"), "the action in words");
        assert!(page.contains("Verificar antes de AJM") && page.contains("FGR-AUD-1"), "the check's purpose and case reference");
        assert!(!page.contains("<code>check.run</code>") && !page.contains(">check.run<"), "no raw action code");
        let table = &page[page.find("id=\"audit\"").unwrap()..];
        let hex = table.split(|c: char| !c.is_ascii_hexdigit()).any(|w| w.len() == 32);
        assert!(!hex, "no 32-hex id in the table's text");
        // Filters: by action (a select of words) and by who.
        let page = html(&s, &cookie, "/audit?action=check.run").await;
        assert!(page.contains("Hizo una consulta de coincidencia") && !page.contains("Inició sesión</td>"));
        let page = html(&s, &cookie, "/audit?who=nobody.else").await;
        assert!(page.contains("class=\"empty\""));
        let page = html(&s, &cookie, "/audit?from=2000-01-01&to=2099-12-31").await;
        assert!(page.contains("Hizo una consulta de coincidencia"), "dates are days in the user's zone");
    })
    .await;
}

#[tokio::test]
async fn the_route_map_frames_its_routes_and_zooms_to_one() {
    each_engine(|s| async move {
        let cookie = login(&s, "analyst.mx").await;
        let view = |page: &str| -> String {
            let svg = &page[page
                .find("class=\"map\"")
                .map(|i| page[..i].rfind("<svg").unwrap())
                .expect("a map")..];
            let at = svg.find("viewBox=\"").unwrap() + 9;
            svg[at..].chars().take_while(|c| *c != '"').collect()
        };
        let page = html(&s, &cookie, "/routes").await;
        assert!(
            page.contains("id=\"map-legend\"") && page.contains("Marítimo"),
            "a legend in words"
        );
        let all = view(&page);
        assert_ne!(
            all, "0 0 900 640",
            "framed on the routes, not the whole continent"
        );
        assert!(
            page.contains("href=\"/routes?route=0#route-map\""),
            "each route zooms"
        );
        let one = view(&html(&s, &cookie, "/routes?route=0").await);
        let width = |v: &str| v.split(' ').nth(2).unwrap().parse::<f64>().unwrap();
        assert!(
            width(&one) <= width(&all),
            "one route is framed at least as close: {one} vs {all}"
        );
        // A case file with no routes: the whole region and an empty state; bad input ignored.
        let page = html(&s, &cookie, "/routes?case=nothing-here").await;
        assert_eq!(view(&page), "0 0 900 640");
        assert_eq!(
            s.page(&cookie, "/routes?route=999").await.status(),
            StatusCode::OK
        );
        assert_eq!(
            s.page(&cookie, "/routes?route=x").await.status().as_u16() / 100,
            4
        );
    })
    .await;
}
