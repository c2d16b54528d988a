//! The trust issue's attacks, each through HTTP: what a hidden record reveals through checks
//! and the audit, limits under concurrency, and PATCH that keeps what it omits.
use crate::testkit::{each_engine, sqlite_server};
use enlace_app::AppConfig;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PW: &str = "enlace-demo";

async fn case(s: &crate::testkit::Server, tok: &str, body: Value) -> String {
    let (st, c) = s
        .api(Some(tok), Method::POST, "/api/v1/cases", Some(body))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn person(s: &crate::testkit::Server, tok: &str, case_id: &str, props: Value) -> String {
    let (st, p) = s
        .api(
            Some(tok),
            Method::POST,
            "/api/v1/entities",
            Some(json!({"case_id": case_id, "schema": "Person", "properties": props})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    p["id"].as_str().unwrap().to_string()
}

async fn check(s: &crate::testkit::Server, tok: &str, props: Value) -> Value {
    let body = json!({"purpose": "Verificación previa", "case_reference": "EXP-77",
        "subject": {"schema": "Person", "properties": props}});
    let (st, v) = s
        .api(Some(tok), Method::POST, "/api/v1/checks", Some(body))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

fn answer(v: &Value, cc: &str) -> Value {
    let mut a = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["country"] == cc)
        .unwrap()
        .clone();
    // The reference is random by design: compare everything else.
    a.as_object_mut().unwrap().remove("reference");
    a
}

/// Point 1: for a hidden record, the answer carries only hit, reference, band and focal
/// point; asking with several birth dates that keep the hit and the band gets the same
/// answer, so the hidden date cannot be read from it.
#[tokio::test]
async fn a_hidden_record_answers_the_same_whatever_is_asked_of_it() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("prosecutor.mx").await;
        let c = case(&s, &gt, json!({"title": "Red ficticia del altiplano"})).await;
        let id = person(&s, &gt, &c, json!({"firstName": ["Evaristo"], "lastName": ["Quintanilla"], "secondName": ["Borja"], "birthDate": ["1979-06-14"], "nationality": ["gt"], "gender": ["male"]})).await;
        let name = json!(["Evaristo Quintanilla Borja"]);
        let mut seen: Vec<Value> = vec![];
        for dob in ["1979-06-14", "1979-06-15", "1979-07-14", "1980-06-14", "1979-01-01"] {
            for extra in [json!({}), json!({"nationality": ["hn"]}), json!({"gender": ["female"]})] {
                let mut props = json!({"name": name, "birthDate": [dob]});
                for (k, v) in extra.as_object().unwrap() {
                    props[k] = v.clone();
                }
                let v = check(&s, &mx, props).await;
                let a = answer(&v, "gt");
                let text = v.to_string();
                assert!(!text.contains(&id), "no internal id: {text}");
                assert!(!text.contains("1979"), "no hidden content: {text}");
                if a["hit"] == true {
                    assert!(a["band"] == "strong" || a["band"] == "possible", "{a}");
                    assert!(a["score"] == 0.9 || a["score"] == 0.6, "a band's fixed score: {a}");
                    assert!(a.get("explanation").is_none_or(|e| e.as_array().unwrap().is_empty()), "{a}");
                    assert!(a["record"].is_null());
                } else {
                    assert!(a.get("band").is_none() && a.get("score").is_none(), "{a}");
                }
                seen.push(a);
            }
        }
        // Same hit and band, same answer: at most one answer per band and one for no hit.
        let mut distinct: Vec<&Value> = vec![];
        for a in &seen {
            if !distinct.contains(&a) {
                distinct.push(a);
            }
        }
        assert!(distinct.len() <= 3, "answers vary with hidden values: {distinct:?}");
        assert!(seen.iter().any(|a| a["hit"] == true), "the record is found at all");
    })
    .await;
}

/// Point 2: the asker's own audit trail, and its country admin's, never name the hidden
/// record; the owner's admin still sees which record was hit.
#[tokio::test]
async fn the_askers_audit_never_names_the_hidden_record() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("prosecutor.mx").await;
        let c = case(&s, &gt, json!({"title": "Caso reservado"})).await;
        let id = person(&s, &gt, &c, json!({"firstName": ["Anselmo"], "lastName": ["Villatoro"], "birthDate": ["1970-03-03"]})).await;
        let v = check(&s, &mx, json!({"name": ["Anselmo Villatoro"], "birthDate": ["1970-03-03"]})).await;
        assert_eq!(answer(&v, "gt")["hit"], true, "{v}");
        for (tok, scope) in [(mx.clone(), "own"), (s.token("admin.mx").await, "country")] {
            let (st, a) = s.api(Some(&tok), Method::GET, &format!("/api/v1/audit?scope={scope}&per_page=200"), None).await;
            assert_eq!(st, StatusCode::OK, "{a}");
            let text = a.to_string();
            assert!(text.contains("check.hit"), "{scope}: {text}");
            assert!(!text.contains(&id), "{scope} audit names the hidden record: {text}");
            assert!(!text.contains("score="), "no score in the audit: {text}");
        }
        let (_, own) = s.api(Some(&mx), Method::GET, "/api/v1/audit?per_page=200", None).await;
        assert!(own["items"].as_array().unwrap().iter().any(|e| e["action"] == "check.hit" && e["case_reference"] == "EXP-77"), "the asker keeps its case reference");
        let (_, owner) = s.api(Some(&s.token("admin.gt").await), Method::GET, "/api/v1/audit?scope=country&per_page=200", None).await;
        assert!(owner["items"].as_array().unwrap().iter().any(|e| e["action"] == "check.hit" && e["object_id"] == id.as_str()), "the owner sees its record was hit");
    })
    .await;
}

/// Sensitive records answer hits only to the countries their distribution names.
#[tokio::test]
async fn a_sensitive_record_exists_only_for_the_countries_it_names() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let c = case(&s, &gt, json!({"title": "Víctimas (ficticio)", "sensitive": true, "distribution": {"level": "countries", "countries": ["sv"]}})).await;
        person(&s, &gt, &c, json!({"firstName": ["Marisol"], "lastName": ["Etchegaray"], "birthDate": ["2009-11-02"]})).await;
        let props = json!({"name": ["Marisol Etchegaray"], "birthDate": ["2009-11-02"]});
        let named = check(&s, &s.token("officer.sv").await, props.clone()).await;
        assert_eq!(answer(&named, "gt")["hit"], true, "{named}");
        let other = check(&s, &s.token("officer.hn").await, props).await;
        assert_eq!(answer(&other, "gt")["hit"], false, "{other}");
    })
    .await;
}

/// Point 9: a visible record's explanation carries no count of namesakes (taken over every
/// record, hidden ones included).
#[tokio::test]
async fn explanations_carry_no_count_over_hidden_records() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let c = case(&s, &gt, json!({"title": "Compartido", "distribution": {"level": "members"}})).await;
        person(&s, &gt, &c, json!({"firstName": ["José"], "lastName": ["García"], "birthDate": ["1990-01-01"]})).await;
        let hidden = case(&s, &gt, json!({"title": "Reservado"})).await;
        for i in 0..5 {
            person(&s, &gt, &hidden, json!({"firstName": ["José"], "lastName": ["García"], "birthDate": [format!("19{}-02-02", 60 + i)]})).await;
        }
        let v = check(&s, &s.token("officer.mx").await, json!({"name": ["José García"], "birthDate": ["1990-01-01"]})).await;
        let a = answer(&v, "gt");
        assert_eq!(a["hit"], true, "{v}");
        assert!(a["record"].is_object(), "the shared record is shown: {a}");
        assert!(a["explanation"].as_array().unwrap().iter().all(|f| f["feature"] != "namesakes"), "{a}");
        // Nor a name part's frequency: hidden records sharing the surname (and the index
        // growing) leave the visible record's score and every contribution unchanged.
        for i in 0..30 {
            person(&s, &gt, &hidden, json!({"firstName": [format!("Nombre{i}")], "lastName": ["García"], "birthDate": ["1981-05-05"]})).await;
        }
        let again = check(&s, &s.token("officer.mx").await, json!({"name": ["José García"], "birthDate": ["1990-01-01"]})).await;
        let b = answer(&again, "gt");
        assert_eq!(a["score"], b["score"], "{a} vs {b}");
        assert_eq!(a["explanation"], b["explanation"], "{a} vs {b}");
        assert!(!a["explanation"].as_array().unwrap().is_empty(), "{a}");
        // Cross-references: the score of a visible look-alike does not move when hidden
        // records with the same name appear.
        let mx = s.token("officer.mx").await;
        let mine_case = case(&s, &mx, json!({"title": "Caso propio"})).await;
        let mine = person(&s, &mx, &mine_case, json!({"firstName": ["José"], "lastName": ["García"], "birthDate": ["1990-01-01"]})).await;
        let score_of = |v: &Value| v["items"].as_array().unwrap().iter().map(|c| c["score"].as_f64().unwrap()).fold(0.0, f64::max);
        let (_, before) = s.api(Some(&mx), Method::GET, &format!("/api/v1/entities/{mine}/matches"), None).await;
        for i in 0..5 {
            person(&s, &gt, &hidden, json!({"firstName": ["José"], "lastName": ["García"], "birthDate": [format!("19{}-03-03", 70 + i)]})).await;
        }
        let (_, after) = s.api(Some(&mx), Method::GET, &format!("/api/v1/entities/{mine}/matches"), None).await;
        assert!(score_of(&before) > 0.0, "{before}");
        assert_eq!(score_of(&before), score_of(&after), "{before} vs {after}");
        assert!(!after.to_string().contains("namesakes"), "{after}");
    })
    .await;
}

/// Point 3: 120 concurrent checks by one user: exactly the limit is answered.
#[tokio::test]
async fn the_check_limit_holds_under_concurrency() {
    let s = std::sync::Arc::new(sqlite_server(AppConfig::default()).await);
    let tok = s.token("analyst.cr").await;
    let mut tasks = vec![];
    for i in 0..120 {
        let s = s.clone();
        let tok = tok.clone();
        tasks.push(tokio::spawn(async move {
            s.api(Some(&tok), Method::POST, "/api/v1/checks", Some(json!({"purpose": "p", "case_reference": "r",
                "subject": {"schema": "Person", "properties": {"name": [format!("Nadie Ficticio {i}")]}}})))
                .await
                .0
        }));
    }
    let mut ok = 0;
    let mut limited = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((ok, limited), (60, 60));
}

/// Point 3: concurrent wrong passwords on one account are counted before any is checked.
#[tokio::test]
async fn the_login_limit_holds_under_concurrency() {
    let s = std::sync::Arc::new(sqlite_server(AppConfig::default()).await);
    let mut tasks = vec![];
    for _ in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.browser_login("officer.mx", "nope").await.0
        }));
    }
    let mut failed = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => failed += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        failed, 10,
        "exactly the per-account limit of password checks"
    );
    assert_eq!(
        s.browser_login("officer.mx", PW).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Point 4: PATCH keeps what it omits, on every PATCH endpoint; a stale version is a 409.
#[tokio::test]
async fn patch_changes_only_what_it_names() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        // Case files: a new title leaves the sensitive flag and the distribution alone.
        let c = case(&s, &gt, json!({"title": "Víctimas", "summary": "Resumen", "sensitive": true, "handling": "no_onward_sharing", "evaluation": "B2", "distribution": {"level": "countries", "countries": ["sv"]}})).await;
        let (st, v) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/cases/{c}"), Some(json!({"title": "Víctimas (rev.)"}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["title"], "Víctimas (rev.)");
        assert_eq!(v["sensitive"], true);
        assert_eq!(v["summary"], "Resumen");
        assert_eq!(v["handling"], "no_onward_sharing");
        assert_eq!(v["evaluation"], "B2");
        assert_eq!(v["distribution"], json!({"level": "countries", "countries": ["sv"]}));
        let (st, _) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/cases/{c}"), Some(json!({"summary": "x", "version": 1}))).await;
        assert_eq!(st, StatusCode::CONFLICT, "a stale version");
        let (st, _) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/cases/{c}"), Some(json!({"distribution": {"level": "members"}}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "a sensitive case is never widened to all members");
        // Entities: one property changed, the others kept; an empty list removes one.
        let p = person(&s, &gt, &c, json!({"firstName": ["Rosa"], "lastName": ["Iturbide"], "birthDate": ["1988-08-08"]})).await;
        let (st, v) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/entities/{p}"), Some(json!({"properties": {"lastName": ["Iturbide Sosa"], "birthDate": []}}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["properties"]["firstName"], json!(["Rosa"]));
        assert_eq!(v["properties"]["lastName"], json!(["Iturbide Sosa"]));
        assert!(v["properties"].get("birthDate").is_none(), "{v}");
        // Directory entries: a new phone keeps the name, position and axes.
        let (st, d) = s.api(Some(&gt), Method::POST, "/api/v1/directory", Some(json!({"name": "Punto focal ficticio", "position": "Jefa de unidad", "institution": "police", "axes": [1], "phone": "+502 2222 1111"}))).await;
        assert_eq!(st, StatusCode::CREATED, "{d}");
        let did = d["id"].as_str().unwrap();
        let (st, d) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/directory/{did}"), Some(json!({"phone": "+502 2222 0000"}))).await;
        assert_eq!(st, StatusCode::OK, "{d}");
        assert_eq!(d["entry"]["name"], "Punto focal ficticio");
        assert_eq!(d["entry"]["position"], "Jefa de unidad");
        assert_eq!(d["entry"]["axes"], json!([1]));
        // Partial changes at once, each naming another field: none undoes another.
        let path = format!("/api/v1/directory/{did}");
        let (a, b, c, d) = tokio::join!(
            s.api(Some(&gt), Method::PATCH, &path, Some(json!({"position": "Subjefa"}))),
            s.api(Some(&gt), Method::PATCH, &path, Some(json!({"topics": "Rutas marítimas"}))),
            s.api(Some(&gt), Method::PATCH, &path, Some(json!({"hours": "24 h"}))),
            s.api(Some(&gt), Method::PATCH, &path, Some(json!({"email": "punto.focal@example.org"}))),
        );
        assert!([a.0, b.0, c.0, d.0].iter().all(|s| *s == StatusCode::OK));
        let (_, d) = s.api(Some(&gt), Method::GET, &path, None).await;
        let e = &d["entry"];
        assert_eq!((e["position"].clone(), e["topics"].clone(), e["hours"].clone(), e["email"].clone(), e["phone"].clone()),
            (json!("Subjefa"), json!("Rutas marítimas"), json!("24 h"), json!("punto.focal@example.org"), json!("+502 2222 0000")), "{d}");
        // Countries: a new name keeps the country inactive.
        let st_ = s.token("secretariat").await;
        let (st, _) = s.api(Some(&st_), Method::PATCH, "/api/v1/countries/bz", Some(json!({"active": false}))).await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (x, y) = tokio::join!(
            s.api(Some(&st_), Method::PATCH, "/api/v1/countries/bz", Some(json!({"name_es": "Belice (ficticio)"}))),
            s.api(Some(&st_), Method::PATCH, "/api/v1/countries/bz", Some(json!({"name_en": "Belize (fictional)"}))),
        );
        assert_eq!((x.0, y.0), (StatusCode::NO_CONTENT, StatusCode::NO_CONTENT));
        let (_, list) = s.api(Some(&st_), Method::GET, "/api/v1/countries", None).await;
        let bz = list["items"].as_array().unwrap().iter().find(|c| c["code"] == "bz").unwrap().clone();
        assert_eq!((bz["name_es"].clone(), bz["name_en"].clone(), bz["active"].clone()), (json!("Belice (ficticio)"), json!("Belize (fictional)"), json!(false)));
    })
    .await;
}

/// Point 8: the owner's admin lists every read of one of its records by another country,
/// filtered by record, actor country, action and dates; no one else can.
#[tokio::test]
async fn the_owner_lists_who_read_its_record() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let c = case(&s, &gt, json!({"title": "Compartido con la región", "distribution": {"level": "members"}})).await;
        let id = person(&s, &gt, &c, json!({"firstName": ["Teodoro"], "lastName": ["Ficticio"]})).await;
        let mx = s.token("analyst.mx").await;
        let (st, _) = s.api(Some(&mx), Method::GET, &format!("/api/v1/entities/{id}"), None).await;
        assert_eq!(st, StatusCode::OK);
        let admin = s.token("admin.gt").await;
        let (st, a) = s
            .api(Some(&admin), Method::GET, &format!("/api/v1/audit?scope=country&object={id}&actor_country=mx&action=entity.read&from=2000-01-01"), None)
            .await;
        assert_eq!(st, StatusCode::OK, "{a}");
        let items = a["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{a}");
        assert!(items.iter().all(|e| e["object_id"] == id.as_str() && e["actor_country"] == "mx" && e["action"] == "entity.read"), "{a}");
        assert_eq!(items[0]["actor_username"], "analyst.mx");
        // Lists too: a search, the case's entity list and its export each leave a row per
        // record of another country, with its id and owner.
        let (st, found) = s.api(Some(&mx), Method::GET, "/api/v1/search?q=Teodoro&purpose=An%C3%A1lisis%20regional", None).await;
        assert_eq!(st, StatusCode::OK);
        assert!(found["results"].as_array().unwrap().iter().any(|r| r["id"] == id.as_str()), "{found}");
        assert_eq!(s.api(Some(&mx), Method::GET, &format!("/api/v1/cases/{c}/entities"), None).await.0, StatusCode::OK);
        assert_eq!(s.api(Some(&mx), Method::GET, &format!("/api/v1/cases/{c}/export"), None).await.0, StatusCode::OK);
        let (_, all) = s.api(Some(&admin), Method::GET, &format!("/api/v1/audit?scope=country&object={id}&actor_country=mx&per_page=100"), None).await;
        let actions: Vec<&str> = all["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        for want in ["entity.read", "entity.search", "case.entities", "case.export"] {
            assert!(actions.contains(&want), "{want} in {actions:?}");
        }
        let search_row = all["items"].as_array().unwrap().iter().find(|e| e["action"] == "entity.search").unwrap();
        assert_eq!(search_row["purpose"], "Análisis regional", "the owner sees why");
        assert_eq!(search_row["object_country"], "gt");
        // Dates narrow it; bad filters are refused, not ignored.
        let (_, none) = s.api(Some(&admin), Method::GET, &format!("/api/v1/audit?scope=country&object={id}&to=2000-01-01"), None).await;
        assert_eq!(none["total"], 0, "{none}");
        for bad in ["from=yesterday", "actor_country=zz", "action=DROP%20TABLE"] {
            let (st, _) = s.api(Some(&admin), Method::GET, &format!("/api/v1/audit?scope=country&{bad}"), None).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        }
        // Another country's admin sees nothing of it.
        let (_, other) = s.api(Some(&s.token("admin.hn").await), Method::GET, &format!("/api/v1/audit?scope=country&object={id}"), None).await;
        assert_eq!(other["total"], 0, "{other}");
        // The secretariat's user list reaches each listed account's country; a user's
        // reading of their notifications reaches their own country's audit.
        let (st, users) = s.api(Some(&s.token("secretariat").await), Method::GET, "/api/v1/users?per_page=200", None).await;
        assert_eq!(st, StatusCode::OK);
        let gt_user = users["items"].as_array().unwrap().iter().find(|u| u["country"] == "gt").unwrap()["id"].as_str().unwrap().to_string();
        let (_, rows) = s.api(Some(&admin), Method::GET, &format!("/api/v1/audit?scope=country&object={gt_user}&action=user.list"), None).await;
        assert!(rows["items"].as_array().unwrap().iter().any(|e| e["actor_username"] == "secretariat" && e["object_country"] == "gt"), "{rows}");
        assert_eq!(s.api(Some(&gt), Method::GET, "/api/v1/notifications", None).await.0, StatusCode::OK);
        let (_, rows) = s.api(Some(&admin), Method::GET, "/api/v1/audit?scope=country&action=notification.list", None).await;
        assert!(rows["items"].as_array().unwrap().iter().any(|e| e["actor_username"] == "officer.gt" && e["object_country"] == "gt"), "{rows}");
    })
    .await;
}

/// Point 5: each country rules its own accounts. The secretariat creates only a country's
/// first admin; afterwards a new admin or an admin reset takes effect only when the country
/// approves it, and no temporary password leaves the country.
#[tokio::test]
async fn each_country_rules_its_own_admins() {
    each_engine(|s| async move {
        let sec = s.token("secretariat").await;
        let admin = s.token("admin.pa").await;
        let approver = s.token("approver.pa").await;
        let (_, list) = s.api(Some(&admin), Method::GET, "/api/v1/users?per_page=200", None).await;
        let admin_pa = list["items"].as_array().unwrap().iter().find(|u| u["username"] == "admin.pa").unwrap()["id"].as_str().unwrap().to_string();
        // The secretariat: nothing of an account of a country that has an active admin.
        let (st, v) = s.api(Some(&sec), Method::POST, "/api/v1/users", Some(json!({"username": "intruso.pa", "display_name": "X", "role": "admin", "country": "pa"}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        assert!(v.get("temporary_password").is_none());
        for action in ["reset", "disable"] {
            let (st, v) = s.api(Some(&sec), Method::POST, &format!("/api/v1/users/{admin_pa}/{action}"), None).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{action}: {v}");
        }
        // A country admin proposes another admin: pending, disabled, no password anywhere.
        let (st, p) = s.api(Some(&admin), Method::POST, "/api/v1/users", Some(json!({"username": "admin2.pa", "display_name": "Segunda admin (ficticia)", "role": "admin"}))).await;
        assert_eq!(st, StatusCode::ACCEPTED, "{p}");
        assert_eq!(p["status"], "pending");
        let new_id = p["id"].as_str().unwrap().to_string();
        assert_eq!(s.browser_login("admin2.pa", PW).await.0, StatusCode::UNAUTHORIZED);
        let (_, got) = s.api(Some(&admin), Method::GET, &format!("/api/v1/users/{new_id}"), None).await;
        assert_eq!((got["pending"].clone(), got["disabled"].clone()), (json!("create"), json!(true)), "{got}");
        // The approver was told; the proposer alone cannot approve; another country cannot.
        let (_, n) = s.api(Some(&approver), Method::GET, "/api/v1/notifications", None).await;
        assert!(n["items"].as_array().unwrap().iter().any(|x| x["kind"] == "account_approval"), "{n}");
        assert_eq!(s.api(Some(&admin), Method::POST, &format!("/api/v1/users/{new_id}/approve"), None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&s.token("approver.cr").await), Method::POST, &format!("/api/v1/users/{new_id}/approve"), None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(s.api(Some(&sec), Method::POST, &format!("/api/v1/users/{new_id}/approve"), None).await.0, StatusCode::NOT_FOUND);
        let (st, ok) = s.api(Some(&approver), Method::POST, &format!("/api/v1/users/{new_id}/approve"), None).await;
        assert_eq!(st, StatusCode::OK, "{ok}");
        assert!(ok["temporary_password"].as_str().unwrap().len() >= 16);
        assert_eq!(ok["disabled"], false);
        assert_eq!(s.api(Some(&approver), Method::POST, &format!("/api/v1/users/{new_id}/approve"), None).await.0, StatusCode::CONFLICT, "approved once");
        // An admin reset of a fellow admin also waits; the target cannot approve its own.
        let (st, r) = s.api(Some(&admin), Method::POST, &format!("/api/v1/users/{new_id}/reset"), None).await;
        assert_eq!((st, r.get("temporary_password").is_none()), (StatusCode::ACCEPTED, true), "{r}");
        let (st, _) = s.api(Some(&admin), Method::POST, &format!("/api/v1/users/{new_id}/disable"), None).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "one admin never locks out another");
        // The country's audit holds the proposals and the approval.
        let (_, a) = s.api(Some(&admin), Method::GET, &format!("/api/v1/audit?scope=country&object={new_id}&per_page=50"), None).await;
        let actions: Vec<&str> = a["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        for want in ["user.propose_admin", "user.approve", "user.propose_reset"] {
            assert!(actions.contains(&want), "{want} in {actions:?}");
        }
        // A country with no active admin: the secretariat creates its first one.
        let ctx = s.ctx("admin.bz").await;
        let mut tx = s.app.store.begin().await.unwrap();
        tx.set_user_disabled(&ctx.actor.user_id, true, 0).await.unwrap();
        tx.commit().await.unwrap();
        let (st, first) = s.api(Some(&sec), Method::POST, "/api/v1/users", Some(json!({"username": "nueva.bz", "display_name": "Primera admin (ficticia)", "role": "admin", "country": "bz"}))).await;
        assert_eq!(st, StatusCode::CREATED, "{first}");
        assert!(first["temporary_password"].is_string());
        let (st, _) = s.api(Some(&sec), Method::POST, "/api/v1/users", Some(json!({"username": "otra.bz", "display_name": "X", "role": "admin", "country": "bz"}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "only the first");
    })
    .await;
}

/// Sensitive records: every read states its purpose, which the owner's audit shows flagged;
/// a hidden one still answers 404, not 422.
#[tokio::test]
async fn a_sensitive_read_needs_a_purpose_and_is_flagged() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let c = case(&s, &gt, json!({"title": "Menores (ficticio)", "sensitive": true, "distribution": {"level": "countries", "countries": ["sv"]}})).await;
        let p = person(&s, &gt, &c, json!({"firstName": ["Lucía"], "lastName": ["Ficticia"]})).await;
        let sv = s.token("analyst.sv").await;
        for path in [format!("/api/v1/cases/{c}"), format!("/api/v1/entities/{p}")] {
            let (st, v) = s.api(Some(&sv), Method::GET, &path, None).await;
            assert_eq!((st, v["error"]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("purpose_required")), "{path}: {v}");
            let (st, _) = s.api(Some(&sv), Method::GET, &format!("{path}?purpose=Protecci%C3%B3n%20de%20la%20v%C3%ADctima"), None).await;
            assert_eq!(st, StatusCode::OK, "{path}");
            // Not named: it does not exist, purpose or not.
            let (st, _) = s.api(Some(&s.token("analyst.hn").await), Method::GET, &format!("{path}?purpose=x"), None).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
        }
        let (_, a) = s.api(Some(&s.token("admin.gt").await), Method::GET, &format!("/api/v1/audit?scope=country&object={p}&actor_country=sv"), None).await;
        let read = a["items"].as_array().unwrap().iter().find(|e| e["action"] == "entity.read").expect("the read is audited");
        assert_eq!(read["purpose"], "Protección de la víctima");
        assert_eq!(read["detail"], "sensitive");
        // The page asks for the purpose instead of showing the record.
        let cookie = s.browser_login("analyst.sv", PW).await.1.unwrap();
        let res = s.page(&cookie, &format!("/cases/{c}")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("id=\"purpose-form\"") && !html.contains("Menores (ficticio)"), "{html}");
        let res = s.page(&cookie, &format!("/cases/{c}?purpose=Seguimiento")).await;
        assert_eq!(res.status(), StatusCode::OK);
    })
    .await;
}
