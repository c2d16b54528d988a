//! The server at start: it serves at once while the hit/no-hit index warms in the
//! background; checks answer 503 `index_warming` with Retry-After meanwhile (never "no
//! hit"), and every write made while it warms is in the index once it is ready.
use crate::testkit::{csrf_of, each_engine_warming, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn person(s: &Server, tok: &str, first: &str, last: &str, born: &str) -> String {
    let (_, c) = s
        .api(
            Some(tok),
            Method::POST,
            "/api/v1/cases",
            Some(json!({"title": "Arranque ficticio", "distribution": {"level": "members"}})),
        )
        .await;
    let case = c["id"].as_str().unwrap().to_string();
    let (st, p) = s
        .api(Some(tok), Method::POST, "/api/v1/entities", Some(json!({"case_id": case, "schema": "Person", "properties": {"firstName": [first], "lastName": [last], "birthDate": [born], "nationality": ["hn"]}})))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    p["id"].as_str().unwrap().to_string()
}

/// A check as a raw response (its headers are part of the answer).
async fn check(s: &Server, tok: &str, first: &str, last: &str, born: &str) -> reqwest::Response {
    s.http
        .post(format!("{}/api/v1/checks", s.base))
        .bearer_auth(tok)
        .header("accept-language", "en")
        .json(&json!({"purpose": "Verificar identidad", "case_reference": "PA-7", "subject": {"schema": "Person", "properties": {"firstName": [first], "lastName": [last], "birthDate": [born]}}}))
        .send()
        .await
        .unwrap()
}

fn hit_in(v: &Value, cc: &str) -> bool {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["country"] == cc && r["hit"] == true)
}

async fn health(s: &Server) -> Value {
    let (st, v) = s.api(None, Method::GET, "/healthz", None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn checks_answer_503_while_the_index_warms_and_writes_made_meanwhile_are_found() {
    each_engine_warming(|s, hold| async move {
        let hn = s.token("officer.hn").await;
        let pa = s.token("prosecutor.pa").await;
        // Written before the warm-up finished reading: it may be in a page and in the
        // writes kept aside; either way it must be indexed once.
        let early = person(&s, &hn, "Anselmo", "Turcios Mejía", "1971-05-14").await;
        hold.read.notified().await;
        // Every page is read: these writes land between the read and the swap.
        let late = person(&s, &hn, "Rigoberta", "Almendárez Zelaya", "1979-03-21").await;
        let renamed = person(&s, &hn, "Casimiro", "Bardales Funes", "1985-09-30").await;
        let (st, v) = s
            .api(Some(&hn), Method::PATCH, &format!("/api/v1/entities/{renamed}"), Some(json!({"schema": "Person", "properties": {"firstName": ["Eustaquio"], "lastName": ["Landaverde Orellana"], "birthDate": ["1962-11-02"], "nationality": ["hn"]}})))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_ne!(early, late);

        // The server serves and says the index warms.
        assert_eq!(health(&s).await["checks"], "warming");
        let res = check(&s, &pa, "Rigoberta", "Almendárez Zelaya", "1979-03-21").await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let retry: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry > 0);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"]["code"], "index_warming", "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("Try again"), "{v}");
        // The match list of a record is not answered from half an index either.
        let (st, v) = s
            .api(Some(&hn), Method::GET, &format!("/api/v1/entities/{late}/matches"), None)
            .await;
        assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{v}");
        assert_eq!(v["error"]["code"], "index_warming", "{v}");
        // The record's page still shows, without its look-alikes.
        let (_, cookie, _) = s.browser_login("prosecutor.pa", "enlace-demo").await;
        let cookie = cookie.unwrap();
        // The check page keeps the form and says it in words.
        let html = s.page(&cookie, "/checks").await.text().await.unwrap();
        let csrf = csrf_of(&html);
        let res = s
            .post_form(&cookie, "/checks", &[("csrf", &csrf), ("purpose", "Verificar"), ("case_reference", "PA-7"), ("kind", "person"), ("name", "Rigoberta Almendárez Zelaya"), ("birth_date", "21/03/1979")])
            .await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.headers().contains_key("retry-after"));
        let html = res.text().await.unwrap();
        assert!(html.contains("todavía está preparando el índice"), "{html}");
        assert!(html.contains("Rigoberta Almendárez Zelaya"), "the form keeps what was typed");
        // Nothing was recorded as a check while refused.
        let (_, mine) = s.api(Some(&pa), Method::GET, "/api/v1/audit?scope=own&action=check.run", None).await;
        assert_eq!(mine["items"].as_array().map(Vec::len).unwrap_or(0), 0, "{mine}");

        // Released: the index is swapped in with every write made meanwhile.
        hold.release.notify_one();
        let mut ready = false;
        for _ in 0..200 {
            if health(&s).await["checks"] == "ready" {
                ready = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert!(ready, "the index never became ready");
        for (first, last, born) in [("Anselmo", "Turcios Mejía", "1971-05-14"), ("Rigoberta", "Almendárez Zelaya", "1979-03-21"), ("Eustaquio", "Landaverde Orellana", "1962-11-02")] {
            let res = check(&s, &pa, first, last, born).await;
            assert_eq!(res.status(), StatusCode::OK);
            let v: Value = res.json().await.unwrap();
            assert!(hit_in(&v, "hn"), "{first} {last}: {v}");
        }
        // The renamed record answers under its new name only.
        let v: Value = check(&s, &pa, "Casimiro", "Bardales Funes", "1985-09-30").await.json().await.unwrap();
        let hn_answer = v["results"].as_array().unwrap().iter().find(|r| r["country"] == "hn").unwrap().clone();
        assert_eq!(hn_answer["hit"], false, "{v}");
        // The demo data seeded while warming is indexed too.
        let (st, v) = s
            .api(Some(&hn), Method::GET, &format!("/api/v1/entities/{late}/matches"), None)
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    })
    .await;
}
