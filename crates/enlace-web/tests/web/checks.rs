//! Hit/no-hit checks over the API: one answer per member country, no content of hidden
//! records, purpose and case reference required, rate-limited and audited for the owner.
use crate::testkit::{each_engine, sqlite_server};
use enlace_app::AppConfig;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn seed_person(s: &crate::testkit::Server, tok: &str, level: &str) -> (String, String) {
    let (_, c) = s
        .api(
            Some(tok),
            Method::POST,
            "/api/v1/cases",
            Some(json!({"title": "Estructura ficticia", "distribution": {"level": level}})),
        )
        .await;
    let case = c["id"].as_str().unwrap().to_string();
    let (st, p) = s
        .api(
            Some(tok),
            Method::POST,
            "/api/v1/entities",
            Some(json!({"case_id": case, "schema": "Person", "properties": {"firstName": ["José Luis"], "lastName": ["Barrientos"], "secondName": ["Quiñónez"], "birthDate": ["1981-04-09"], "nationality": ["gt"], "phone": ["5555 1234"]}})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    (case, p["id"].as_str().unwrap().to_string())
}

fn answer_for<'a>(v: &'a Value, cc: &str) -> &'a Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["country"] == cc)
        .unwrap()
}

#[tokio::test]
async fn a_hidden_hit_shows_owner_and_reference_never_content() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("prosecutor.mx").await;
        let (_, person) = seed_person(&s, &gt, "country").await;
        // Misspelt, accent-less, second surname dropped, day and month swapped.
        let body = json!({"purpose": "Verificar antes de solicitud AJM", "case_reference": "MX-FGR-2026-118",
            "subject": {"schema": "Person", "properties": {"name": ["Jose Luis Barientos"], "birthDate": ["1981-09-04"]}}});
        let (st, v) = s.api(Some(&mx), Method::POST, "/api/v1/checks", Some(body.clone())).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["results"].as_array().unwrap().len(), 11, "one line per member country");
        let g = answer_for(&v, "gt");
        assert_eq!(g["hit"], true, "{v}");
        assert!(g["reference"].as_str().unwrap().starts_with("HIT-"));
        assert!(!g["reference"].as_str().unwrap().contains(&person[..8].to_uppercase()));
        assert!(g["record"].is_null(), "hidden content never shown");
        assert!(g["explanation"].as_array().unwrap().iter().all(|f| f.get("detail").is_none()));
        let text = v.to_string().to_lowercase();
        assert!(!text.contains("barrientos") && !text.contains("quin") && !text.contains(&person), "{text}");
        for cc in ["mx", "pa", "us", "cr"] {
            assert_eq!(answer_for(&v, cc)["hit"], false);
        }
        // A different person with the same name but another date of birth is no hit.
        let (_, v2) = s
            .api(Some(&mx), Method::POST, "/api/v1/checks", Some(json!({"purpose": "p", "case_reference": "r", "subject": {"schema": "Person", "properties": {"name": ["José Luis Barrientos Quiñónez"], "birthDate": ["1955-01-20"]}}})))
            .await;
        assert_eq!(answer_for(&v2, "gt")["hit"], false, "{v2}");
        // A phone in local format with the owner's prefix is found exactly.
        let (_, v3) = s
            .api(Some(&mx), Method::POST, "/api/v1/checks", Some(json!({"purpose": "p", "case_reference": "r", "subject": {"schema": "UserAccount", "properties": {"phone": ["+502 5555-1234"]}}})))
            .await;
        assert_eq!(answer_for(&v3, "gt")["hit"], true, "{v3}");
        // Guatemala's admin sees that Mexico checked and hit its record, and why.
        let gt_admin = s.token("admin.gt").await;
        let (_, a) = s.api(Some(&gt_admin), Method::GET, "/api/v1/audit?scope=country&per_page=200", None).await;
        let hit = a["items"].as_array().unwrap().iter().find(|e| e["action"] == "check.hit" && e["object_id"] == person.as_str() && e["case_reference"] == "MX-FGR-2026-118").expect("hit audited for the owner");
        assert_eq!(hit["actor_country"], "mx");
        assert_eq!(hit["purpose"], "Verificar antes de solicitud AJM");
        assert_eq!(hit["case_reference"], "MX-FGR-2026-118");
        // When the record is shared with the asker, the hit shows it.
        let (_, _shared) = seed_person(&s, &gt, "members").await;
        let (_, v4) = s.api(Some(&mx), Method::POST, "/api/v1/checks", Some(body)).await;
        let g = answer_for(&v4, "gt");
        assert!(g["record"]["id"].is_string(), "{v4}");
    })
    .await;
}

#[tokio::test]
async fn checks_need_purpose_and_reference_the_right_role_and_are_rate_limited() {
    let s = sqlite_server(AppConfig {
        checks_per_hour: 3,
        ..AppConfig::default()
    })
    .await;
    let tok = s.token("analyst.cr").await;
    let subject = json!({"schema": "Person", "properties": {"name": ["Nadie Ficticio"]}});
    for body in [
        json!({"case_reference": "r", "subject": subject}),
        json!({"purpose": "p", "subject": subject}),
        json!({"purpose": "p", "case_reference": "r", "subject": {"schema": "Starship", "properties": {}}}),
    ] {
        let (st, v) = s
            .api(Some(&tok), Method::POST, "/api/v1/checks", Some(body))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    }
    for role in ["admin.cr", "approver.cr", "secretariat"] {
        let t = s.token(role).await;
        let (st, _) = s
            .api(
                Some(&t),
                Method::POST,
                "/api/v1/checks",
                Some(json!({"purpose": "p", "case_reference": "r", "subject": subject})),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(
        s.api(None, Method::POST, "/api/v1/checks", Some(json!({})))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    for i in 0..4 {
        let (st, _) = s
            .api(
                Some(&tok),
                Method::POST,
                "/api/v1/checks",
                Some(json!({"purpose": "p", "case_reference": "r", "subject": subject})),
            )
            .await;
        assert_eq!(
            st,
            if i < 3 {
                StatusCode::OK
            } else {
                StatusCode::TOO_MANY_REQUESTS
            },
            "check {i}"
        );
    }
    // An hour later the user may check again.
    s.clock.advance_secs(3601);
    assert_eq!(
        s.api(
            Some(&tok),
            Method::POST,
            "/api/v1/checks",
            Some(json!({"purpose": "p", "case_reference": "r", "subject": subject}))
        )
        .await
        .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_index_is_rebuilt_from_the_store_at_start() {
    let s = sqlite_server(AppConfig::default()).await;
    let hn = s.token("officer.hn").await;
    seed_person(&s, &hn, "country").await;
    // A second application on the same database starts with the record indexed.
    let fresh = enlace_app::App::new(
        s.app.store.clone(),
        s.app.clock.clone(),
        AppConfig::default(),
    )
    .await
    .unwrap();
    let ctx = s.ctx("prosecutor.pa").await;
    let input = enlace_app::checks::CheckInput {
        purpose: "p".into(),
        case_reference: "r".into(),
        subject: json!({"schema": "Person", "properties": {"firstName": ["José Luis"], "lastName": ["Barrientos"], "birthDate": ["1981-04-09"]}}),
    };
    let a = fresh.run_check(&ctx, &input).await.unwrap();
    assert!(a.results.iter().any(|r| r.country.code() == "hn" && r.hit));
}

/// The index read back in pages (of 2 here, 20,000 in the server), on both engines, with a
/// sensitive (sealed) person among plain ones: every person of every page is found again,
/// nothing else is indexed, and the sealed one is opened for the index.
#[tokio::test]
async fn the_index_rebuilt_page_by_page_finds_every_record_sealed_or_not() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let (_, c) = s
            .api(Some(&gt), Method::POST, "/api/v1/cases", Some(json!({"title": "Víctimas (ficticio)", "sensitive": true, "distribution": {"level": "countries", "countries": ["sv"]}})))
            .await;
        let sealed_case = c["id"].as_str().unwrap().to_string();
        let (_, c) = s
            .api(Some(&gt), Method::POST, "/api/v1/cases", Some(json!({"title": "Red ficticia", "distribution": {"level": "members"}})))
            .await;
        let plain_case = c["id"].as_str().unwrap().to_string();
        let people = [
            ("Yolanda Quiñónez Ábrego", "1987-03-14", &sealed_case),
            ("Aurelio Zanabria Pocasangre", "1979-11-02", &plain_case),
            ("Mirtala Echegoyén Urquilla", "1990-06-21", &plain_case),
            ("Teodulo Ixcamparic Sotz", "1968-01-30", &plain_case),
            ("Herculano Bustillos Maradiaga", "1984-08-08", &plain_case),
        ];
        for (name, dob, case) in people {
            let (st, v) = s
                .api(Some(&gt), Method::POST, "/api/v1/entities", Some(json!({"case_id": case, "schema": "Person", "properties": {"name": [name], "birthDate": [dob]}})))
                .await;
            assert_eq!(st, StatusCode::CREATED, "{v}");
        }
        let before = s.app.rebuild_check_index().await.unwrap();
        let n = s.app.rebuild_check_index_in_pages(2).await.unwrap();
        assert_eq!(n, before, "the same records whatever the page size");
        let ctx = s.ctx("officer.sv").await;
        for (name, dob, _) in people {
            let input = enlace_app::checks::CheckInput {
                purpose: "Verificación previa".into(),
                case_reference: "EXP-16".into(),
                subject: json!({"schema": "Person", "properties": {"name": [name], "birthDate": [dob]}}),
            };
            let a = s.app.run_check(&ctx, &input).await.unwrap();
            assert!(a.results.iter().any(|r| r.country.code() == "gt" && r.hit), "{name} not found after a paged rebuild");
        }
    })
    .await;
}

#[tokio::test]
async fn cross_references_show_only_visible_look_alikes_and_keep_decisions() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("officer.mx").await;
        let pa = s.token("officer.pa").await;
        let (_, shared) = seed_person(&s, &gt, "members").await;
        let (_, c) = s.api(Some(&mx), Method::POST, "/api/v1/cases", Some(json!({"title": "Caso MX", "distribution": {"level": "country"}}))).await;
        let (_, mine) = s
            .api(Some(&mx), Method::POST, "/api/v1/entities", Some(json!({"case_id": c["id"], "schema": "Person", "properties": {"name": ["Jose Luis Barientos Quinonez"], "birthDate": ["1981-04-09"]}})))
            .await;
        let mine = mine["id"].as_str().unwrap().to_string();
        // Mexico sees Guatemala's shared record as a likely match of its own.
        let (st, m) = s.api(Some(&mx), Method::GET, &format!("/api/v1/entities/{mine}/matches"), None).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(m["items"][0]["id"], shared.as_str(), "{m}");
        // Panama sees the shared record but Mexico's own one is hidden from it: no candidate.
        let (_, m) = s.api(Some(&pa), Method::GET, &format!("/api/v1/entities/{shared}/matches"), None).await;
        assert!(m["items"].as_array().unwrap().iter().all(|x| x["id"] != mine.as_str()), "{m}");
        assert_eq!(s.api(Some(&pa), Method::GET, &format!("/api/v1/entities/{mine}/matches"), None).await.0, StatusCode::NOT_FOUND);
        // Decisions are kept per country.
        let (st, _) = s.api(Some(&mx), Method::POST, &format!("/api/v1/entities/{mine}/matches/{shared}"), Some(json!({"decision": "same"}))).await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (st, _) = s.api(Some(&mx), Method::POST, &format!("/api/v1/entities/{mine}/matches/{shared}"), Some(json!({"decision": "maybe"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, m) = s.api(Some(&mx), Method::GET, &format!("/api/v1/entities/{mine}/matches"), None).await;
        assert_eq!(m["items"][0]["decision"], "same");
        let (st, _) = s.api(Some(&pa), Method::POST, &format!("/api/v1/entities/{mine}/matches/{shared}"), Some(json!({"decision": "same"}))).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    })
    .await;
}
