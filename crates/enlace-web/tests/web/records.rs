//! Records in the user's words: checks read phones and dates as people type them (one
//! normalisation with the matcher), errors name the field, imports reject impossible dates,
//! the request made from a hit carries the check, and the entity form speaks the reader's
//! language.
use crate::testkit::{csrf_of, each_engine, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn case_of(s: &Server, tok: &str, level: &str) -> String {
    let (st, c) = s
        .api(Some(tok), Method::POST, "/api/v1/cases", Some(json!({"title": "Expediente ficticio de registros", "distribution": {"level": level}})))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn entity(s: &Server, tok: &str, case: &str, schema: &str, props: Value) -> String {
    let (st, v) = s
        .api(
            Some(tok),
            Method::POST,
            "/api/v1/entities",
            Some(json!({"case_id": case, "schema": schema, "properties": props})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{schema}: {v}");
    v["id"].as_str().unwrap().to_string()
}

async fn check(s: &Server, tok: &str, subject: Value) -> (StatusCode, Value) {
    s.api(
        Some(tok),
        Method::POST,
        "/api/v1/checks",
        Some(json!({"purpose": "Verificar un número antes de pedir información", "case_reference": "GT-MP-2026-77", "subject": subject})),
    )
    .await
}

fn hit(v: &Value, cc: &str) -> bool {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["country"] == cc && r["hit"] == true)
}

#[tokio::test]
async fn a_phone_typed_without_its_country_code_hits_the_stored_number() {
    each_engine(|s| async move {
        let mx = s.token("officer.mx").await;
        let us = s.token("officer.us").await;
        let gt = s.token("officer.gt").await;
        // Kept to their own countries: the check still finds them (it answers hit or no hit).
        let mx_case = case_of(&s, &mx, "country").await;
        entity(&s, &mx, &mx_case, "UserAccount", json!({"phone": ["+52 55 0141 6704"], "service": ["Telegram"]})).await;
        let us_case = case_of(&s, &us, "country").await;
        entity(&s, &us, &us_case, "Person", json!({"name": ["Persona Ficticia Norte"], "phone": ["+1 202 555 0143"]})).await;

        // Guatemalan numbers have 8 digits: a 10-digit number is tried as Mexican (+52) and
        // North American (+1), however it is written.
        for typed in ["5501416704", "(55) 0141-6704", "55-0141-6704", "+52 55 0141 6704"] {
            let (st, v) = check(&s, &gt, json!({"schema": "UserAccount", "properties": {"phone": [typed]}})).await;
            assert_eq!(st, StatusCode::OK, "{typed}: {v}");
            assert!(hit(&v, "mx"), "{typed} hits the Mexican record: {v}");
            assert!(!hit(&v, "us") && !hit(&v, "gt"), "{typed}: {v}");
        }
        let (st, v) = check(&s, &gt, json!({"schema": "UserAccount", "properties": {"phone": ["(202) 555-0143"]}})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert!(hit(&v, "us"), "a 10-digit number is tried with +1: {v}");
        assert!(!hit(&v, "mx"), "{v}");

        // The subject's nationality is a reading too: an 8-digit number of a Honduran.
        let hn = s.token("officer.hn").await;
        let hn_case = case_of(&s, &hn, "country").await;
        entity(&s, &hn, &hn_case, "Person", json!({"name": ["Otra Persona Ficticia"], "phone": ["+504 9988 7766"]})).await;
        let (_, v) = check(&s, &gt, json!({"schema": "Person", "properties": {"nationality": ["hn"], "phone": ["9988-7766"]}})).await;
        assert!(hit(&v, "hn"), "{v}");

        // The search finds the same number typed the same way.
        let (st, v) = s.api(Some(&mx), Method::GET, "/api/v1/search?q=(55)%200141-6704", None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert!(v["results"].as_array().unwrap().iter().any(|r| r["properties"]["phone"] == json!(["+52 55 0141 6704"])), "{v}");
    })
    .await;
}

#[tokio::test]
async fn dates_are_read_as_typed_and_errors_name_the_field() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let case = case_of(&s, &gt, "country").await;
        // A date typed day first is stored as ISO.
        let id = entity(&s, &gt, &case, "Person", json!({"name": ["Ana Ficticia Ruiz"], "birthDate": ["14/12/1978"]})).await;
        let (_, e) = s.api(Some(&gt), Method::GET, &format!("/api/v1/entities/{id}"), None).await;
        assert_eq!(e["properties"]["birthDate"], json!(["1978-12-14"]), "{e}");
        // …and a check with it finds the person.
        let (st, v) = check(&s, &gt, json!({"schema": "Person", "properties": {"name": ["Ana Ficticia Ruiz"], "birthDate": ["14/12/1978"]}})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert!(hit(&v, "gt"), "{v}");

        // An impossible date is refused, naming the property.
        let (st, v) = s
            .api(Some(&gt), Method::POST, "/api/v1/entities", Some(json!({"case_id": case, "schema": "Person", "properties": {"name": ["X"], "birthDate": ["1980-13-45"]}})))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "birthDate", "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "records_bad_date", "{v}");
        let (st, v) = check(&s, &gt, json!({"schema": "Person", "properties": {"name": ["Ana"], "birthDate": ["31/02/1980"]}})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "birthDate", "{v}");

        // The check page says which field and what to write, in the reader's language.
        let (_, cookie, _) = s.browser_login("officer.gt", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let html = s.page(&cookie, "/checks").await.text().await.unwrap();
        let csrf = csrf_of(&html);
        let res = s
            .post_form(&cookie, "/checks", &[("csrf", &csrf), ("purpose", "Verificar"), ("case_reference", "GT-1"), ("kind", "person"), ("name", "Ana Ficticia Ruiz"), ("birth_date", "1980-13-45")])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("Fecha de nacimiento: escriba la fecha como 14/12/1978 o 1978-12-14"), "{html}");
        assert!(!html.contains("deben ser un objeto"), "{html}");
        let res = s
            .post_form(&cookie, "/checks", &[("csrf", &csrf), ("purpose", "Verificar"), ("case_reference", "GT-1"), ("kind", "person"), ("name", "Ana Ficticia Ruiz"), ("birth_date", "14/12/1978")])
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("class=\"hit records-hit\""), "the hit is highlighted");
        assert!(html.contains("mismo nombre") && html.contains("misma fecha de nacimiento"), "the hit in plain words");
        // Hits come first.
        let first_row = html.find("<tr data-country=").unwrap();
        assert!(html[first_row..].starts_with("<tr data-country=\"gt\""), "{}", &html[first_row..first_row + 80]);

        // The entity form: a bad date comes back with the field named next to it.
        let html = s.page(&cookie, &format!("/cases/{case}/entities/new?schema=Person")).await.text().await.unwrap();
        let csrf = csrf_of(&html);
        let res = s
            .post_form(&cookie, &format!("/cases/{case}/entities"), &[("csrf", &csrf), ("schema", "Person"), ("case_id", &case), ("version", "0"), ("p.name", "Bruno Ficticio"), ("p.birthDate", "1980-13-45"), ("p.nationality", "gt")])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("id=\"e-birthDate\""), "the message sits by its field");
        assert!(html.contains("Fecha de nacimiento: escriba la fecha"), "{html}");
        assert!(html.contains("value=\"Bruno Ficticio\""), "what was typed stays");
    })
    .await;
}

#[tokio::test]
async fn an_import_rejects_an_impossible_birth_date_naming_the_field() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let case = case_of(&s, &gt, "country").await;
        let body = "{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"Ana\"],\"birthDate\":[\"1980-13-45\"]}}\n{\"id\":\"b\",\"schema\":\"Person\",\"properties\":{\"name\":[\"Bruno\"],\"birthDate\":[\"14/12/1978\"]}}\n";
        let res = s
            .http
            .post(format!("{}/api/v1/import?case_id={case}", s.base))
            .bearer_auth(&gt)
            .header("accept-language", "es")
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let rep: Value = res.json().await.unwrap();
        assert_eq!(rep["accepted"], 1, "{rep}");
        assert_eq!(rep["rejected"][0]["line"], 1, "{rep}");
        assert_eq!(rep["rejected"][0]["fields"], json!(["birthDate:records_bad_date"]), "{rep}");
        assert!(rep["rejected"][0]["message"].as_str().unwrap().contains("Fecha de nacimiento"), "{rep}");

        // The paste form says the same, and keeps the pasted text to fix it.
        let (_, cookie, _) = s.browser_login("officer.gt", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let html = s.page(&cookie, &format!("/cases/{case}/import")).await.text().await.unwrap();
        let csrf = csrf_of(&html);
        let pasted = "{\"schema\":\"Person\",\"properties\":{\"name\":[\"Carla\"],\"birthDate\":[\"1980-13-45\"]}}";
        let res = s.post_form(&cookie, &format!("/cases/{case}/import"), &[("csrf", &csrf), ("lines", pasted)]).await;
        let html = res.text().await.unwrap();
        assert!(html.contains("Fecha de nacimiento: escriba la fecha como"), "{html}");
        assert!(html.contains("data-code=\"invalid_input\""), "{html}");
        assert!(html.contains("&quot;Carla&quot;") || html.contains("&#34;Carla&#34;"), "the pasted text is kept: {html}");
    })
    .await;
}

#[tokio::test]
async fn a_request_from_a_hit_carries_the_check_and_names_its_subject() {
    each_engine(|s| async move {
        let mx = s.token("officer.mx").await;
        let mx_case = case_of(&s, &mx, "country").await;
        entity(
            &s,
            &mx,
            &mx_case,
            "UserAccount",
            json!({"phone": ["+52 55 0141 6704"]}),
        )
        .await;
        let (_, cookie, _) = s.browser_login("officer.gt", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let html = s.page(&cookie, "/checks").await.text().await.unwrap();
        let csrf = csrf_of(&html);
        let res = s
            .post_form(
                &cookie,
                "/checks",
                &[
                    ("csrf", &csrf),
                    ("purpose", "Ubicar a quien coordina los viajes"),
                    ("case_reference", "GT-MP-2026-77"),
                    ("kind", "phone"),
                    ("value", "(55) 0141-6704"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        let i = html
            .find("/requests/new?to=mx&amp;reference=")
            .expect("the Mexican hit offers a request");
        let link = html[i..].split('"').next().unwrap().replace("&amp;", "&");
        let reference = link.split("reference=").nth(1).unwrap().to_string();

        let form = s.page(&cookie, &link).await.text().await.unwrap();
        assert!(
            form.contains("value=\"Ubicar a quien coordina los viajes\""),
            "the purpose comes along"
        );
        assert!(
            form.contains("Teléfono: (55) 0141-6704"),
            "the subject is named: {form}"
        );
        assert!(form.contains("GT-MP-2026-77"));

        let res = s
            .post_form(
                &cookie,
                "/requests",
                &[
                    ("csrf", &csrf),
                    ("to", "mx"),
                    ("reference", &reference),
                    ("purpose", "Ubicar a quien coordina los viajes"),
                    ("legal_basis", "Convenio bilateral ficticio"),
                    ("urgency", "normal"),
                    ("message", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = res.headers()["location"].to_str().unwrap().to_string();
        assert!(to.ends_with("?sent=1"), "{to}");
        let page = s.page(&cookie, &to).await.text().await.unwrap();
        assert!(page.contains("id=\"request-sent\""), "a confirmation");
        assert!(page.contains("Solicitud enviada a México"), "{page}");
        assert!(
            page.contains("Teléfono: (55) 0141-6704"),
            "the request names its subject"
        );

        // The receiver reads the subject too, with its answers set apart.
        let (_, mx_cookie, _) = s.browser_login("officer.mx", "enlace-demo").await;
        let id = to
            .trim_start_matches("/requests/")
            .trim_end_matches("?sent=1");
        let page = s
            .page(&mx_cookie.unwrap(), &format!("/requests/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Teléfono: (55) 0141-6704"), "{page}");
        assert!(!page.contains("id=\"request-sent\""));
        for section in ["ack-section", "answer-section", "decline-section"] {
            assert!(page.contains(&format!("id=\"{section}\"")), "{section}");
        }

        // Another country cannot read the check behind a reference it did not make.
        let (_, sv_cookie, _) = s.browser_login("officer.sv", "enlace-demo").await;
        let form = s
            .page(&sv_cookie.unwrap(), &link)
            .await
            .text()
            .await
            .unwrap();
        assert!(
            !form.contains("Ubicar a quien") && !form.contains("0141"),
            "{form}"
        );
    })
    .await;
}
