//! Information requests: from a hit to an answer that shares the record; only the two
//! countries involved see a request; statuses, deadlines, decline reasons, MLA reference.
use crate::testkit::each_engine;
use enlace_domain::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn a_hit_leads_to_a_request_whose_answer_shares_the_record() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("prosecutor.mx").await;
        let pa = s.token("officer.pa").await;
        let (_, c) = s.api(Some(&gt), Method::POST, "/api/v1/cases", Some(json!({"title": "Red ficticia del Suchiate", "distribution": {"level": "country"}}))).await;
        let case = c["id"].as_str().unwrap();
        let (_, p) = s
            .api(Some(&gt), Method::POST, "/api/v1/entities", Some(json!({"case_id": case, "schema": "Person", "properties": {"name": ["Eduardo Xicará Coy"], "birthDate": ["1975-02-14"]}})))
            .await;
        let person = p["id"].as_str().unwrap().to_string();
        let (_, v) = s
            .api(Some(&mx), Method::POST, "/api/v1/checks", Some(json!({"purpose": "AJM previa", "case_reference": "FGR-77", "subject": {"schema": "Person", "properties": {"name": ["Eduardo Xicara"], "birthDate": ["1975-02-14"]}}})))
            .await;
        let hit = v["results"].as_array().unwrap().iter().find(|r| r["country"] == "gt").unwrap();
        assert_eq!(hit["hit"], true, "{v}");
        let reference = hit["reference"].as_str().unwrap().to_string();

        // The reference is useless to another country and towards another owner.
        let (st, _) = s.api(Some(&pa), Method::POST, "/api/v1/requests", Some(json!({"to": "gt", "references": [reference], "purpose": "x", "legal_basis": "y"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _) = s.api(Some(&mx), Method::POST, "/api/v1/requests", Some(json!({"to": "hn", "references": [reference], "purpose": "x", "legal_basis": "y"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _) = s.api(Some(&mx), Method::POST, "/api/v1/requests", Some(json!({"to": "gt", "references": [reference], "legal_basis": "y"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "purpose required");

        let (st, r) = s
            .api(Some(&mx), Method::POST, "/api/v1/requests", Some(json!({"to": "gt", "references": [reference], "purpose": "Confirmar identidad antes de AJM", "legal_basis": "Convención de Palermo, art. 18", "urgency": "urgent", "message": "Solicitamos confirmar."})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{r}");
        let rid = r["id"].as_str().unwrap().to_string();
        assert_eq!(r["status"], "sent");
        let created: i64 = s.clock.now_ms() / 1000;
        let deadline = r["deadline"].as_str().unwrap();
        assert_eq!(deadline, enlace_domain::clock::format_utc((created + 8 * 3600) * 1000).as_str(), "urgent: 8 hours");

        // Only the two countries see it; Panama gets 404 like a missing id.
        assert_eq!(s.api(Some(&pa), Method::GET, &format!("/api/v1/requests/{rid}"), None).await.0, StatusCode::NOT_FOUND);
        let (_, inbox) = s.api(Some(&pa), Method::GET, "/api/v1/requests", None).await;
        assert_eq!(inbox["total"], 0);
        let (_, inbox) = s.api(Some(&gt), Method::GET, "/api/v1/requests", None).await;
        assert_eq!(inbox["items"][0]["id"], rid.as_str());
        let (_, outbox) = s.api(Some(&mx), Method::GET, "/api/v1/requests?box=out", None).await;
        assert_eq!(outbox["items"][0]["id"], rid.as_str());
        // The receiver sees which of its records the reference points to; the sender does not.
        let (_, gv) = s.api(Some(&gt), Method::GET, &format!("/api/v1/requests/{rid}"), None).await;
        assert_eq!(gv["referenced"][0]["id"], person.as_str());
        let (_, mv) = s.api(Some(&mx), Method::GET, &format!("/api/v1/requests/{rid}"), None).await;
        assert_eq!(mv["referenced"], json!([]));
        assert!(!mv.to_string().contains("Xicar"));

        // Only the receiver acknowledges and answers; the sender cannot answer itself.
        assert_eq!(s.api(Some(&mx), Method::POST, &format!("/api/v1/requests/{rid}/acknowledge"), None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&gt), Method::POST, &format!("/api/v1/requests/{rid}/acknowledge"), None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(s.api(Some(&mx), Method::GET, &format!("/api/v1/entities/{person}"), None).await.0, StatusCode::NOT_FOUND);
        let (st, _) = s.api(Some(&mx), Method::POST, &format!("/api/v1/requests/{rid}/messages"), Some(json!({"body": "Gracias por el acuse."}))).await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (st, _) = s
            .api(Some(&gt), Method::POST, &format!("/api/v1/requests/{rid}/answer"), Some(json!({"message": "Compartimos el registro.", "share": [person]})))
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        // Now Mexico sees the record; Panama still does not.
        let (st, e) = s.api(Some(&mx), Method::GET, &format!("/api/v1/entities/{person}"), None).await;
        assert_eq!(st, StatusCode::OK, "{e}");
        assert_eq!(s.api(Some(&pa), Method::GET, &format!("/api/v1/entities/{person}"), None).await.0, StatusCode::NOT_FOUND);
        let (_, mv) = s.api(Some(&mx), Method::GET, &format!("/api/v1/requests/{rid}"), None).await;
        assert_eq!(mv["status"], "answered");
        assert_eq!(mv["shared"][0]["id"], person.as_str());
        assert_eq!(mv["messages"].as_array().unwrap().len(), 2);
        // An answered request cannot be answered, declined or withdrawn again.
        assert_eq!(s.api(Some(&gt), Method::POST, &format!("/api/v1/requests/{rid}/decline"), Some(json!({"reason": "not_held"}))).await.0, StatusCode::CONFLICT);
        // The sharing is audited for Guatemala's admin.
        let gt_admin = s.token("admin.gt").await;
        let (_, a) = s.api(Some(&gt_admin), Method::GET, "/api/v1/audit?scope=country&per_page=200", None).await;
        assert!(a["items"].as_array().unwrap().iter().any(|e| e["action"] == "entity.share" && e["object_id"] == person.as_str()));
        // The MLA reference is attached by the sender once formalised.
        assert_eq!(s.api(Some(&mx), Method::POST, &format!("/api/v1/requests/{rid}/mla"), Some(json!({"mla_reference": "AJM-MX-GT-2026-004"}))).await.0, StatusCode::NO_CONTENT);
        let (_, mv) = s.api(Some(&mx), Method::GET, &format!("/api/v1/requests/{rid}"), None).await;
        assert_eq!(mv["mla_reference"], "AJM-MX-GT-2026-004");
    })
    .await;
}

#[tokio::test]
async fn requests_decline_with_a_listed_reason_withdraw_and_go_overdue() {
    each_engine(|s| async move {
        let cr = s.token("officer.cr").await;
        let ni = s.token("analyst.ni").await;
        let new = |urgency: &str| json!({"to": "ni", "purpose": "Consulta directa", "legal_basis": "Memorando regional", "urgency": urgency});
        let (_, r1) = s.api(Some(&cr), Method::POST, "/api/v1/requests", Some(new("normal"))).await;
        let r1 = r1["id"].as_str().unwrap().to_string();
        let (st, v) = s.api(Some(&ni), Method::POST, &format!("/api/v1/requests/{r1}/decline"), Some(json!({"reason": "because"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (st, _) = s.api(Some(&ni), Method::POST, &format!("/api/v1/requests/{r1}/decline"), Some(json!({"reason": "other"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "other needs a text");
        let (st, _) = s.api(Some(&ni), Method::POST, &format!("/api/v1/requests/{r1}/decline"), Some(json!({"reason": "ongoing_operation"}))).await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (_, v) = s.api(Some(&cr), Method::GET, &format!("/api/v1/requests/{r1}"), None).await;
        assert_eq!((v["status"].clone(), v["decline_reason"].clone()), (json!("declined"), json!("ongoing_operation")));

        let (_, r2) = s.api(Some(&cr), Method::POST, "/api/v1/requests", Some(new("normal"))).await;
        let r2 = r2["id"].as_str().unwrap().to_string();
        assert_eq!(s.api(Some(&ni), Method::POST, &format!("/api/v1/requests/{r2}/withdraw"), None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&cr), Method::POST, &format!("/api/v1/requests/{r2}/withdraw"), None).await.0, StatusCode::NO_CONTENT);

        let (_, r3) = s.api(Some(&cr), Method::POST, "/api/v1/requests", Some(new("normal"))).await;
        let r3 = r3["id"].as_str().unwrap().to_string();
        s.clock.advance_secs(6 * 24 * 3600);
        let (_, v) = s.api(Some(&ni), Method::GET, &format!("/api/v1/requests/{r3}"), None).await;
        assert_eq!(v["status"], "sent");
        s.clock.advance_secs(2 * 24 * 3600);
        let (_, v) = s.api(Some(&ni), Method::GET, &format!("/api/v1/requests/{r3}"), None).await;
        assert_eq!(v["status"], "overdue", "7 days by default");
        let (_, list) = s.api(Some(&cr), Method::GET, "/api/v1/requests?box=out", None).await;
        let st: Vec<Value> = list["items"].as_array().unwrap().iter().map(|r| r["status"].clone()).collect();
        assert!(st.contains(&json!("overdue")) && st.contains(&json!("withdrawn")) && st.contains(&json!("declined")));
        // Roles without intelligence work see no requests at all.
        let admin = s.token("admin.ni").await;
        assert_eq!(s.api(Some(&admin), Method::GET, &format!("/api/v1/requests/{r3}"), None).await.0, StatusCode::NOT_FOUND);
    })
    .await;
}
