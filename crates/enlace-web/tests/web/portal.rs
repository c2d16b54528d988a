//! The public portal: countries propose, the secretariat publishes, withdraws and orders;
//! the portal shows only what is published (or approved and public), in both languages,
//! without a cookie, and nothing else ever reaches it.
use crate::testkit::{each_engine, Server};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::{BTreeSet, VecDeque};

async fn get(s: &Server, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let res = s
        .http
        .get(format!("{}{path}", s.base))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, res.text().await.unwrap(), headers)
}

/// Every page and file the portal links to, from both languages' home pages: (path, body).
async fn crawl(s: &Server) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = ["/portal", "/portal/es/", "/portal/en/"]
        .iter()
        .map(|p| p.to_string())
        .collect();
    let mut out = vec![];
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) || seen.len() > 500 {
            continue;
        }
        let res = s
            .http
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert!(
            res.headers().get("set-cookie").is_none(),
            "{path} sets a cookie"
        );
        let body = res.text().await.unwrap();
        for part in body.split("href=\"").skip(1) {
            let link = part.split('"').next().unwrap_or("").replace("&amp;", "&");
            if link.starts_with("/portal") && !seen.contains(&link) {
                queue.push_back(link);
            }
        }
        // Nothing is loaded from another site.
        assert!(!body.contains("src=\"http"), "{path} loads from elsewhere");
        out.push((path, body));
    }
    out
}

#[tokio::test]
async fn a_proposal_reaches_the_portal_only_once_the_secretariat_publishes_it() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("officer.mx").await;
        let sec = s.token("secretariat").await;
        let (st, p) = s.api(Some(&gt), Method::POST, "/api/v1/portal/items", Some(json!({"kind": "event", "title_es": "Foro de prevención en Quetzaltenango", "body_es": "Foro ficticio.", "event_date": "2031-05-04", "place": "Quetzaltenango"}))).await;
        assert_eq!(st, StatusCode::CREATED, "{p}");
        assert_eq!(p["status"], "proposed");
        assert_eq!(p["proposed_by_country"], "gt");
        let id = p["id"].as_str().unwrap().to_string();
        // Not on the portal yet; another country does not see the proposal; only the
        // secretariat publishes; no login, nothing.
        let (_, home, _) = get(&s, "/portal/es/").await;
        assert!(!home.contains("Quetzaltenango"));
        assert_eq!(s.api(Some(&mx), Method::GET, &format!("/api/v1/portal/items/{id}"), None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(s.api(Some(&gt), Method::POST, &format!("/api/v1/portal/items/{id}/publish"), None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(None, Method::GET, "/api/v1/portal/items", None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(s.api(Some(&gt), Method::POST, "/api/v1/portal/items", Some(json!({"kind": "event", "title_es": "x", "event_date": "2031-01-01", "publish": true}))).await.0, StatusCode::FORBIDDEN, "a country cannot publish itself");
        let (_, n) = s.api(Some(&sec), Method::GET, "/api/v1/notifications", None).await;
        assert!(n["items"].as_array().unwrap().iter().any(|x| x["kind"] == "portal_proposal"), "{n}");
        // The proposer may still change it; the secretariat publishes.
        let (st, p) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/portal/items/{id}"), Some(json!({"place": "Quetzaltenango, Guatemala"}))).await;
        assert_eq!((st, p["title"]["es"].clone()), (StatusCode::OK, json!("Foro de prevención en Quetzaltenango")), "{p}");
        let (st, p) = s.api(Some(&sec), Method::POST, &format!("/api/v1/portal/items/{id}/publish"), None).await;
        assert_eq!((st, p["status"].clone()), (StatusCode::OK, json!("published")), "{p}");
        assert_eq!(s.api(Some(&gt), Method::PATCH, &format!("/api/v1/portal/items/{id}"), Some(json!({"place": "Otro"}))).await.0, StatusCode::FORBIDDEN, "published: the secretariat's now");
        // In Spanish as written; in English with the missing translation marked.
        let (st, es, headers) = get(&s, &format!("/portal/es/items/{id}")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(headers.get("set-cookie").is_none());
        assert!(es.contains("Foro de prevención en Quetzaltenango") && es.contains("Quetzaltenango, Guatemala"), "{es}");
        let (_, en, _) = get(&s, &format!("/portal/en/items/{id}")).await;
        assert!(en.contains("Foro de prevención en Quetzaltenango") && en.contains("(only in Spanish)"), "{en}");
        let (_, events, _) = get(&s, "/portal/en/events").await;
        assert!(events.contains("Quetzaltenango"));
        // The Atom feed carries it.
        let (st, feed, headers) = get(&s, "/portal/es/feed.atom").await;
        assert_eq!(st, StatusCode::OK);
        assert!(headers["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
        assert!(feed.contains("<feed") && feed.contains(&format!("urn:enlace:portal:{id}")), "{feed}");
        // Withdrawn: gone from the portal, still in the secretariat's list.
        let (st, _) = s.api(Some(&sec), Method::POST, &format!("/api/v1/portal/items/{id}/unpublish"), None).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(get(&s, &format!("/portal/es/items/{id}")).await.0, StatusCode::NOT_FOUND);
        let (_, list) = s.api(Some(&sec), Method::GET, "/api/v1/portal/items?status=unpublished", None).await;
        assert!(list["items"].as_array().unwrap().iter().any(|i| i["id"] == id.as_str()), "{list}");
        assert!(list["next"].is_null());
        // The audit of the proposing country holds what happened to its proposal.
        let (_, a) = s.api(Some(&s.token("admin.gt").await), Method::GET, &format!("/api/v1/audit?scope=country&object={id}"), None).await;
        let actions: Vec<&str> = a["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        for want in ["portal.propose", "portal.publish", "portal.unpublish"] {
            assert!(actions.contains(&want), "{want} in {actions:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn bad_input_names_the_field_and_files_must_be_pdfs() {
    each_engine(|s| async move {
        let sec = s.token("secretariat").await;
        for (body, field) in [
            (json!({"kind": "event", "title_es": "Sin fecha"}), "event_date"),
            (json!({"kind": "event", "title_es": "Fecha imposible", "event_date": "2031-02-30"}), "event_date"),
            (json!({"kind": "campaign"}), "title_es"),
            (json!({"kind": "boletín", "title_es": "x"}), "kind"),
            (json!({"kind": "campaign", "title_es": "x", "link": "javascript:alert(1)"}), "link"),
        ] {
            let (st, v) = s.api(Some(&sec), Method::POST, "/api/v1/portal/items", Some(body.clone())).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
            assert!(v["error"]["fields"].as_array().unwrap().iter().any(|f| f["field"] == field), "{body}: {v}");
        }
        let (_, p) = s.api(Some(&sec), Method::POST, "/api/v1/portal/items", Some(json!({"kind": "publication", "title_es": "Informe ficticio", "title_en": "Fictional report", "publish": true}))).await;
        let id = p["id"].as_str().unwrap().to_string();
        let put = |body: Vec<u8>| {
            s.http
                .put(format!("{}/api/v1/portal/items/{id}/file?name=informe%20reuni%C3%B3n%22.pdf", s.base))
                .bearer_auth(&sec)
                .header("content-type", "application/pdf")
                .body(body)
                .send()
        };
        let res = put(b"<html>no</html>".to_vec()).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("not_pdf"));
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(10 * 1024 * 1024 + 10, b' ');
        assert_eq!(put(big).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        assert_eq!(put(pdf.clone()).await.unwrap().status(), StatusCode::OK);
        let res = s.http.get(format!("{}/portal/files/{id}", s.base)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        // A name with an accent and a quote is offered back as plain ASCII.
        assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"informe reuni_n_.pdf\"");
        assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
        // A proposal's file is not public.
        let gt = s.token("officer.gt").await;
        let (_, q) = s.api(Some(&gt), Method::POST, "/api/v1/portal/items", Some(json!({"kind": "publication", "title_es": "Borrador"}))).await;
        let qid = q["id"].as_str().unwrap().to_string();
        let res = s.http.put(format!("{}/api/v1/portal/items/{qid}/file", s.base)).bearer_auth(&gt).body(pdf.clone()).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(get(&s, &format!("/portal/files/{qid}")).await.0, StatusCode::NOT_FOUND);
        // Order: the secretariat moves an item up; others cannot.
        let (st, moved) = s.api(Some(&sec), Method::POST, &format!("/api/v1/portal/items/{id}/move"), Some(json!({"direction": "up"}))).await;
        assert_eq!(st, StatusCode::OK, "{moved}");
        assert!(moved["position"].as_i64().unwrap() < p["position"].as_i64().unwrap(), "{moved} vs {p}");
        assert_eq!(s.api(Some(&gt), Method::POST, &format!("/api/v1/portal/items/{id}/move"), Some(json!({"direction": "up"}))).await.0, StatusCode::FORBIDDEN);
    })
    .await;
}

/// Private records of every kind, each carrying a marker, never reach any portal page.
#[tokio::test]
async fn nothing_private_ever_reaches_the_portal() {
    each_engine(|s| async move {
        const MARK: &str = "ZZPRIVADO";
        let mx = s.token("officer.mx").await;
        let sec = s.token("secretariat").await;
        let (st, c) = s.api(Some(&mx), Method::POST, "/api/v1/cases", Some(json!({"title": format!("{MARK} caso"), "summary": format!("{MARK} resumen"), "distribution": {"level": "members"}}))).await;
        assert_eq!(st, StatusCode::CREATED, "{c}");
        let case_id = c["id"].as_str().unwrap().to_string();
        let (st, _) = s.api(Some(&mx), Method::POST, "/api/v1/entities", Some(json!({"case_id": case_id, "schema": "Person", "properties": {"firstName": [format!("{MARK}nombre")], "lastName": ["Ficticio"]}}))).await;
        assert_eq!(st, StatusCode::CREATED);
        let (st, _) = s.api(Some(&mx), Method::POST, "/api/v1/alerts", Some(json!({"kind": "new_route", "title": format!("{MARK} alerta"), "body": format!("{MARK} texto"), "recipients": "members"}))).await;
        assert_eq!(st, StatusCode::CREATED, "alert");
        // Directory: an entry never approved, one approved but not public, and one whose
        // pending change would make it public (not yet approved).
        let dir = |name: String, public: bool| json!({"name": name, "position": "Enlace", "institution": "police", "axes": [1], "phone": "+52 55 0000 0000", "public": public});
        let (st, d) = s.api(Some(&mx), Method::POST, "/api/v1/directory", Some(dir(format!("{MARK} pendiente"), true))).await;
        assert_eq!(st, StatusCode::CREATED, "{d}");
        let appr = s.token("approver.mx").await;
        let (st, d) = s.api(Some(&mx), Method::POST, "/api/v1/directory", Some(dir(format!("{MARK} privado"), false))).await;
        assert_eq!(st, StatusCode::CREATED, "{d}");
        let did = d["id"].as_str().unwrap().to_string();
        assert_eq!(s.api(Some(&appr), Method::POST, &format!("/api/v1/directory/{did}/approve"), None).await.0, StatusCode::OK);
        let (st, _) = s.api(Some(&mx), Method::PATCH, &format!("/api/v1/directory/{did}"), Some(json!({"public": true}))).await;
        assert_eq!(st, StatusCode::OK);
        // Portal items: a proposal, an unpublished item, a withdrawn one.
        s.api(Some(&mx), Method::POST, "/api/v1/portal/items", Some(json!({"kind": "campaign", "title_es": format!("{MARK} propuesta")}))).await;
        s.api(Some(&sec), Method::POST, "/api/v1/portal/items", Some(json!({"kind": "campaign", "title_es": format!("{MARK} borrador")}))).await;
        let (_, w) = s.api(Some(&sec), Method::POST, "/api/v1/portal/items", Some(json!({"kind": "publication", "title_es": format!("{MARK} retirado"), "publish": true}))).await;
        let wid = w["id"].as_str().unwrap().to_string();
        s.api(Some(&sec), Method::POST, &format!("/api/v1/portal/items/{wid}/unpublish"), None).await;
        // Agreements: one left private, one made public.
        let (st, m) = s.api(Some(&sec), Method::POST, "/api/v1/meetings", Some(json!({"title": "Reunión ficticia de la Red", "date": "2026-11-20", "kind": "network"}))).await;
        assert_eq!(st, StatusCode::CREATED, "{m}");
        let mid = m["id"].as_str().unwrap().to_string();
        let (st, a) = s.api(Some(&sec), Method::POST, "/api/v1/agreements", Some(json!({"meeting_id": mid, "text": format!("{MARK} acuerdo interno"), "responsible": ["gt"], "due": "2027-01-31"}))).await;
        assert_eq!(st, StatusCode::CREATED, "{a}");
        let (_, b) = s.api(Some(&sec), Method::POST, "/api/v1/agreements", Some(json!({"meeting_id": mid, "text": "Acuerdo público ficticio sobre campañas", "responsible": ["gt", "secretariat"], "due": "2027-02-28"}))).await;
        let bid = b["id"].as_str().unwrap().to_string();
        let (st, b) = s.api(Some(&sec), Method::PATCH, &format!("/api/v1/agreements/{bid}"), Some(json!({"public": true}))).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let number = b["number"].as_str().unwrap().to_string();
        let pages = crawl(&s).await;
        assert!(pages.len() >= 8, "crawled {}", pages.len());
        for (path, body) in &pages {
            assert!(!body.contains(MARK), "{path} shows a private record");
        }
        // The demo's published content and public directory are there, in both languages.
        let all: String = pages.iter().map(|(_, b)| b.as_str()).collect();
        assert!(all.contains("Guía regional de indicadores") && all.contains("Regional indicators guide"));
        assert!(all.contains("(only in Spanish)"), "the event without an English title is marked");
        assert!(all.contains(&number) && all.contains("Acuerdo público ficticio"), "the public agreement is there");
        let (_, feed, _) = get(&s, "/portal/en/feed.atom").await;
        assert!(feed.contains(&number) && !feed.contains(MARK), "{feed}");
        let (_, dirpage, _) = get(&s, "/portal/en/directory").await;
        assert!(dirpage.contains("Mexico"), "{dirpage}");
    })
    .await;
}
