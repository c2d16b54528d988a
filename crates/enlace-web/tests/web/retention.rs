//! Review dates and retention of case files, through HTTP.
use crate::testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const DAY: i64 = 86_400;

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["case_id"].as_str().unwrap().to_string())
        .collect()
}

async fn check_hits_mx(s: &Server, gt: &str) -> bool {
    let (st, v) = s
        .api(Some(gt), Method::POST, "/api/v1/checks", Some(json!({"purpose": "Verificación previa", "case_reference": "GT-77", "subject": {"schema": "Person", "properties": {"name": ["Rosalba Quintanilla Ferrufino"], "birthDate": ["1984-03-05"]}}})))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["country"] == "mx" && r["hit"] == true)
}

#[tokio::test]
async fn due_case_files_are_confirmed_with_a_reason_or_deleted_with_everything_in_them() {
    each_engine(|s| async move {
        let mx = s.token("officer.mx").await;
        let mx_admin = s.token("admin.mx").await;
        let (st, c) = s
            .api(Some(&mx), Method::POST, "/api/v1/cases", Some(json!({"title": "Red ficticia de retención", "distribution": {"level": "members"}})))
            .await;
        assert_eq!(st, StatusCode::CREATED);
        let case = c["id"].as_str().unwrap().to_string();
        let (st, e) = s
            .api(Some(&mx), Method::POST, "/api/v1/entities", Some(json!({"case_id": case, "schema": "Person", "properties": {"name": ["Rosalba Quintanilla Ferrufino"], "birthDate": ["1984-03-05"]}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{e}");
        let person = e["id"].as_str().unwrap().to_string();
        let (st, sc) = s
            .api(Some(&mx), Method::POST, "/api/v1/cases", Some(json!({"title": "Caso sensible ficticio", "sensitive": true, "distribution": {"level": "country"}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{sc}");
        let sensitive = sc["id"].as_str().unwrap().to_string();

        // Due now: only the demo's old case file; nothing new.
        let (st, v) = s.api(Some(&mx), Method::GET, "/api/v1/reviews", None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
        assert!(v["next"].is_null());
        // The home work queue sees the same.
        let actor = s.ctx("officer.mx").await.actor;
        assert_eq!(s.app.cases_due_for_review(&actor).await.unwrap().len(), 1);
        let (st, v) = s.api(Some(&mx), Method::GET, &format!("/api/v1/reviews/{case}"), None).await;
        assert_eq!(st, StatusCode::OK);
        let due = v["review_due"].as_str().unwrap();
        assert!(due.starts_with(&enlace_domain::clock::format_utc(s.app.clock.now_ms() + 3 * 365 * DAY * 1000)[..10]), "{v}");
        let (st, v) = s.api(Some(&mx), Method::POST, &format!("/api/v1/reviews/{case}/confirm"), Some(json!({"reason": "Investigación abierta"}))).await;
        assert_eq!((st, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("review_not_due")));

        // A year and a day later the sensitive case file is due, the other not yet.
        s.clock.advance_secs(366 * DAY);
        let (_, v) = s.api(Some(&mx), Method::GET, "/api/v1/reviews", None).await;
        assert!(ids(&v).contains(&sensitive) && !ids(&v).contains(&case), "{v}");
        // Confirm with a reason: the next review is a year away.
        let (st, v) = s.api(Some(&mx), Method::POST, &format!("/api/v1/reviews/{sensitive}/confirm"), Some(json!({"reason": ""}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["field"], "reason");
        let (st, v) = s.api(Some(&mx), Method::POST, &format!("/api/v1/reviews/{sensitive}/confirm"), Some(json!({"reason": "Víctimas aún en protección"}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["review_reason"], "Víctimas aún en protección");
        assert!(v["review_due"].as_str().unwrap().starts_with(&enlace_domain::clock::format_utc(s.app.clock.now_ms() + 365 * DAY * 1000)[..10]));
        let (_, v) = s.api(Some(&mx), Method::GET, "/api/v1/reviews", None).await;
        assert!(!ids(&v).contains(&sensitive));

        // Three years after its last change the other is due too.
        s.clock.advance_secs((3 * 365 - 365) * DAY);
        let mx = s.token("officer.mx").await;
        let gt = s.token("officer.gt").await;
        let (_, v) = s.api(Some(&mx), Method::GET, "/api/v1/reviews?limit=200", None).await;
        assert!(ids(&v).contains(&case), "{v}");
        // Another country does not see it, cannot decide on it (404); nor a wrong role or no login.
        let (_, v) = s.api(Some(&gt), Method::GET, "/api/v1/reviews?limit=200", None).await;
        assert!(!ids(&v).contains(&case));
        for (m, path, body) in [
            (Method::GET, format!("/api/v1/reviews/{case}"), None),
            (Method::POST, format!("/api/v1/reviews/{case}/confirm"), Some(json!({"reason": "x"}))),
            (Method::POST, format!("/api/v1/reviews/{case}/delete"), Some(json!({"reason": "x", "confirm": true}))),
        ] {
            assert_eq!(s.api(Some(&gt), m.clone(), &path, body.clone()).await.0, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(s.api(Some(&mx_admin), m.clone(), &path, body.clone()).await.0, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(s.api(None, m, &path, body).await.0, StatusCode::UNAUTHORIZED, "{path}");
        }
        assert_eq!(s.api(Some(&mx), Method::GET, "/api/v1/reviews?cursor=nope", None).await.0, StatusCode::UNPROCESSABLE_ENTITY);

        // Before the deletion the person is found by search and by a check.
        let (_, found) = s.api(Some(&gt), Method::GET, "/api/v1/search?q=Quintanilla", None).await;
        assert!(found.to_string().contains(&person), "{found}");
        assert!(check_hits_mx(&s, &gt).await);
        // Deleting asks for an explicit confirmation.
        let (st, v) = s.api(Some(&mx), Method::POST, &format!("/api/v1/reviews/{case}/delete"), Some(json!({"reason": "Plazo cumplido"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["field"], "confirm");
        let (st, v) = s.api(Some(&mx), Method::POST, &format!("/api/v1/reviews/{case}/delete"), Some(json!({"reason": "Plazo cumplido", "confirm": true}))).await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
        // Gone: the case file, its person, the search terms and the match index.
        assert_eq!(s.api(Some(&mx), Method::GET, &format!("/api/v1/cases/{case}"), None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(s.api(Some(&mx), Method::GET, &format!("/api/v1/entities/{person}"), None).await.0, StatusCode::NOT_FOUND);
        let (_, found) = s.api(Some(&mx), Method::GET, "/api/v1/search?q=Quintanilla", None).await;
        assert!(!found.to_string().contains(&person), "{found}");
        assert!(!check_hits_mx(&s, &gt).await, "the match index forgot the person");
        assert_eq!(enlace_store::testing::term_index_disagreements(&s.app.store).await.unwrap(), Vec::<String>::new(), "no term left of them");
        let (_, v) = s.api(Some(&mx), Method::GET, "/api/v1/reviews?limit=200", None).await;
        assert!(!ids(&v).contains(&case));

        // The audit keeps the case file's history and records the deletion with its reason.
        let (st, v) = s.api(Some(&mx_admin), Method::GET, &format!("/api/v1/audit?scope=country&object={case}"), None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let actions: Vec<&str> = v["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"case.create") && actions.contains(&"retention.delete"), "{actions:?}");
        let (_, v) = s.api(Some(&mx_admin), Method::GET, &format!("/api/v1/audit?scope=country&object={sensitive}"), None).await;
        assert!(v.to_string().contains("retention.confirm"), "{v}");
        match s.app.verify_audit(&[]).await.unwrap() {
            enlace_store::audit::Verdict::Intact { .. } => {}
            other => panic!("{other:?}"),
        }

        // The page lists the due case files with both decisions; deleting asks first.
        let (_, cookie, _) = s.browser_login("officer.mx", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let res = s.page(&cookie, "/reviews").await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("Expediente ficticio antiguo"), "{html}");
        let old = s.app.cases_due_for_review(&actor).await.unwrap();
        let old = old.iter().find(|r| r.title.contains("antiguo")).unwrap().case_id.clone();
        let csrf = csrf_of(&html);
        let res = s.post_form(&cookie, &format!("/reviews/{old}/confirm"), &[("csrf", &csrf), ("reason", "Sigue vigente")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = s.page(&cookie, &format!("/reviews/{sensitive}/delete")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains("delete-confirm"));
        let (_, v) = s.api(Some(&mx), Method::GET, &format!("/api/v1/reviews/{old}"), None).await;
        assert_eq!(v["review_reason"], "Sigue vigente");
    })
    .await;
}
