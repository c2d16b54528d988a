//! Meetings and numbered agreements: the secretariat records them; every member country
//! reads them; numbers are `RFE-<year>-<meeting>/<n>`, assigned in the write transaction,
//! never changed or reused; the responsible countries follow up; overdue agreements remind
//! once; documents are PDFs for members only.
use crate::testkit::{csrf_of, each_engine, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn meeting(s: &Server, tok: &str, date: &str) -> (String, i64) {
    let (st, m) = s
        .api(
            Some(tok),
            Method::POST,
            "/api/v1/meetings",
            Some(json!({"title": "Reunión de prueba", "date": date, "kind": "network"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    (
        m["id"].as_str().unwrap().to_string(),
        m["number"].as_i64().unwrap(),
    )
}

async fn agreement(
    s: &Server,
    tok: &str,
    meeting_id: &str,
    responsible: Value,
    due: &str,
) -> Value {
    let (st, a) = s
        .api(
            Some(tok),
            Method::POST,
            "/api/v1/agreements",
            Some(json!({"meeting_id": meeting_id, "text": "Enviar el informe trimestral", "responsible": responsible, "due": due})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    a
}

fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn numbers_are_assigned_once_and_kept() {
    each_engine(|s| async move {
        let st = s.token("secretariat").await;
        // Meeting numbers run per year, from 1.
        let (m1, n1) = meeting(&s, &st, "2031-01-13").await;
        let (_, n2) = meeting(&s, &st, "2031-02-03").await;
        let (m3, n3) = meeting(&s, &st, "2031-03-03").await;
        let (_, other_year) = meeting(&s, &st, "2032-01-05").await;
        assert_eq!((n1, n2, n3, other_year), (1, 2, 3, 1));
        let a1 = agreement(&s, &st, &m3, json!(["gt", "secretariat"]), "2031-04-30").await;
        assert_eq!(a1["number"], "RFE-2031-03/1");
        assert!(a1["id"].is_string());
        let a2 = agreement(&s, &st, &m3, json!(["MX"]), "2031-04-30").await;
        assert_eq!(a2["number"], "RFE-2031-03/2");
        assert_eq!(a2["responsible"], json!(["mx"]));
        assert_eq!(a2["status"], "open");
        assert_eq!(a2["public"], false);
        let other = agreement(&s, &st, &m1, json!(["hn"]), "2031-02-28").await;
        assert_eq!(other["number"], "RFE-2031-01/1");
        // A PATCH keeps the number; a withdrawal keeps it and the record.
        let id1 = a1["id"].as_str().unwrap();
        let (code, v) = s
            .api(
                Some(&st),
                Method::PATCH,
                &format!("/api/v1/agreements/{id1}"),
                Some(json!({"status": "in_progress"})),
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{v}");
        assert_eq!(v["number"], "RFE-2031-03/1");
        assert_eq!(v["status"], "in_progress");
        let id2 = a2["id"].as_str().unwrap();
        let (code, v) = s
            .api(
                Some(&st),
                Method::PATCH,
                &format!("/api/v1/agreements/{id2}"),
                Some(json!({"status": "withdrawn", "note": "duplicado"})),
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{v}");
        assert_eq!(
            (v["number"].as_str(), v["status"].as_str()),
            (Some("RFE-2031-03/2"), Some("withdrawn"))
        );
        // The next one takes the next number, never the withdrawn one's.
        let a3 = agreement(&s, &st, &m3, json!(["cr"]), "2031-05-31").await;
        assert_eq!(a3["number"], "RFE-2031-03/3");
        // The meeting shows its agreements in number order, the withdrawn one included.
        let (code, m) = s
            .api(
                Some(&st),
                Method::GET,
                &format!("/api/v1/meetings/{m3}"),
                None,
            )
            .await;
        assert_eq!(code, StatusCode::OK);
        let numbers: Vec<&str> = m["agreements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers, ["RFE-2031-03/1", "RFE-2031-03/2", "RFE-2031-03/3"]);
        assert_eq!(m["number"], 3);
        assert_eq!(m["date"], "2031-03-03");
        // The thread holds the status changes.
        let (_, v) = s
            .api(
                Some(&st),
                Method::GET,
                &format!("/api/v1/agreements/{id2}"),
                None,
            )
            .await;
        let thread = v["followups"].as_array().unwrap();
        assert_eq!(thread.len(), 1);
        assert_eq!(thread[0]["status"], "withdrawn");
        assert_eq!(thread[0]["text"], "duplicado");
        assert_eq!(v["meeting"]["id"], m3.as_str());
        // Lists: {"items","next"} with a cursor.
        let (code, l) = s
            .api(Some(&st), Method::GET, "/api/v1/agreements?limit=2", None)
            .await;
        assert_eq!(code, StatusCode::OK, "{l}");
        assert_eq!(l["items"].as_array().unwrap().len(), 2);
        let next = l["next"].as_str().unwrap().to_string();
        let (_, l2) = s
            .api(
                Some(&st),
                Method::GET,
                &format!("/api/v1/agreements?limit=2&cursor={next}"),
                None,
            )
            .await;
        assert!(l2["items"].as_array().unwrap().iter().all(|x| l["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|y| y["id"] != x["id"])));
        let (_, l) = s
            .api(
                Some(&st),
                Method::GET,
                "/api/v1/agreements?status=withdrawn",
                None,
            )
            .await;
        assert!(l["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "withdrawn"));
        assert!(l["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id2));
        let (_, l) = s
            .api(
                Some(&st),
                Method::GET,
                "/api/v1/agreements?country=gt",
                None,
            )
            .await;
        let items = l["items"].as_array().unwrap();
        assert!(
            items.iter().any(|x| x["id"] == id1)
                && items
                    .iter()
                    .all(|x| x["responsible"].as_array().unwrap().contains(&json!("gt")))
        );
        let (_, l) = s
            .api(
                Some(&st),
                Method::GET,
                "/api/v1/agreements?country=secretariat",
                None,
            )
            .await;
        assert!(l["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id1));
        let (code, ml) = s
            .api(Some(&st), Method::GET, "/api/v1/meetings?limit=2", None)
            .await;
        assert_eq!(code, StatusCode::OK);
        assert_eq!(ml["items"][0]["date"], "2032-01-05", "newest first");
        let c = ml["next"].as_str().unwrap().to_string();
        let (code, ml2) = s
            .api(
                Some(&st),
                Method::GET,
                &format!("/api/v1/meetings?cursor={c}"),
                None,
            )
            .await;
        assert_eq!(code, StatusCode::OK);
        assert_eq!(ml2["items"][0]["date"], "2031-02-03");
        // It is in the database.
        let mut tx = s.app.store.read().await.unwrap();
        let stored = tx.agreement(id2).await.unwrap().unwrap();
        assert_eq!(
            (stored.number.as_str(), stored.status.as_str()),
            ("RFE-2031-03/2", "withdrawn")
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_creations_get_distinct_numbers() {
    each_engine(|s| async move {
        let st = s.token("secretariat").await;
        let (m, _) = meeting(&s, &st, "2033-06-07").await;
        let calls = (0..100).map(|i| {
            let (s, st, m) = (&s, &st, &m);
            async move {
                let (code, a) = s
                    .api(Some(st), Method::POST, "/api/v1/agreements", Some(json!({"meeting_id": m, "text": format!("Acuerdo {i}"), "responsible": ["pa"], "due": "2033-12-31"})))
                    .await;
                assert_eq!(code, StatusCode::CREATED, "{a}");
                a["number"].as_str().unwrap().to_string()
            }
        });
        let mut numbers = futures_util::future::join_all(calls).await;
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 100, "distinct numbers");
        let mut expected: Vec<String> = (1..=100).map(|n| format!("RFE-2033-01/{n}")).collect();
        expected.sort();
        assert_eq!(numbers, expected, "no gaps, none reused");
        // Meetings too.
        let calls = (0..20).map(|_| meeting(&s, &st, "2034-02-02"));
        let mut nums: Vec<i64> = futures_util::future::join_all(calls).await.into_iter().map(|x| x.1).collect();
        nums.sort();
        assert_eq!(nums, (1..=20).collect::<Vec<_>>());
    })
    .await;
}

#[tokio::test]
async fn only_the_secretariat_records_and_everyone_reads() {
    each_engine(|s| async move {
        let st = s.token("secretariat").await;
        let gt = s.token("officer.gt").await;
        let admin = s.token("admin.mx").await;
        let body = json!({"title": "Reunión", "date": "2031-01-13", "kind": "virtual"});
        assert_eq!(s.api(Some(&gt), Method::POST, "/api/v1/meetings", Some(body.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&admin), Method::POST, "/api/v1/meetings", Some(body.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(None, Method::POST, "/api/v1/meetings", Some(body)).await.0, StatusCode::UNAUTHORIZED);
        let (m, _) = meeting(&s, &st, "2031-01-13").await;
        let ag = json!({"meeting_id": m, "text": "Texto", "responsible": ["gt"], "due": "2031-02-01"});
        assert_eq!(s.api(Some(&gt), Method::POST, "/api/v1/agreements", Some(ag.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(None, Method::POST, "/api/v1/agreements", Some(ag)).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(s.api(Some(&gt), Method::PATCH, &format!("/api/v1/meetings/{m}"), Some(json!({"agenda": "x"}))).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(None, Method::GET, "/api/v1/meetings", None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(s.api(None, Method::GET, "/api/v1/agreements", None).await.0, StatusCode::UNAUTHORIZED);
        // PATCH sets agenda, attendance and minutes, each alone keeping the others.
        let (code, v) = s.api(Some(&st), Method::PATCH, &format!("/api/v1/meetings/{m}"), Some(json!({"agenda": "1. Informes", "attendance": ["gt", "mx", "GT"], "minutes": {"es": "Acta", "en": "Minutes"}}))).await;
        assert_eq!(code, StatusCode::OK, "{v}");
        assert_eq!(v["attendance"], json!(["gt", "mx"]));
        let (_, v) = s.api(Some(&st), Method::PATCH, &format!("/api/v1/meetings/{m}"), Some(json!({"minutes": {"en": "Minutes, revised"}}))).await;
        assert_eq!(v["minutes"], json!({"es": "Acta", "en": "Minutes, revised"}));
        assert_eq!(v["agenda"], "1. Informes");
        assert_eq!(v["attendance"], json!(["gt", "mx"]));
        assert_eq!(v["title"], "Reunión de prueba");
        let version = v["version"].as_i64().unwrap();
        let (code, v) = s.api(Some(&st), Method::PATCH, &format!("/api/v1/meetings/{m}"), Some(json!({"agenda": "y", "version": version - 1}))).await;
        assert_eq!(code, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"]["code"], "version_conflict");
        // Every member country's users read meetings and agreements; reads are audited.
        for who in ["officer.gt", "approver.bz", "admin.us", "analyst.ca"] {
            let t = s.token(who).await;
            let (code, v) = s.api(Some(&t), Method::GET, &format!("/api/v1/meetings/{m}"), None).await;
            assert_eq!(code, StatusCode::OK, "{who}: {v}");
            assert_eq!(v["minutes"]["es"], "Acta");
            assert_eq!(s.api(Some(&t), Method::GET, "/api/v1/agreements", None).await.0, StatusCode::OK);
        }
        let (_, audit) = s.api(Some(&gt), Method::GET, "/api/v1/audit?scope=own&action=meeting.read", None).await;
        assert!(audit.to_string().contains(&m), "{audit}");
        assert_eq!(s.api(Some(&gt), Method::GET, "/api/v1/meetings/0123456789abcdef0123456789abcdef", None).await.0, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn responsible_countries_follow_up_and_others_may_not() {
    each_engine(|s| async move {
        let st = s.token("secretariat").await;
        let gt = s.token("officer.gt").await;
        let gt_admin = s.token("admin.gt").await;
        let mx = s.token("officer.mx").await;
        let (m, _) = meeting(&s, &st, "2031-01-13").await;
        let a = agreement(&s, &st, &m, json!(["gt", "secretariat"]), "2031-02-01").await;
        let id = a["id"].as_str().unwrap();
        let path = format!("/api/v1/agreements/{id}");
        // The responsible country changes the status; the number stays.
        let (code, v) = s
            .api(
                Some(&gt),
                Method::PATCH,
                &path,
                Some(json!({"status": "done", "note": "Informe enviado"})),
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{v}");
        assert_eq!(
            (v["status"].as_str(), v["number"].as_str()),
            (Some("done"), a["number"].as_str())
        );
        assert_eq!(v["followups"][0]["country"], "gt");
        assert_eq!(
            s.api(
                Some(&gt_admin),
                Method::PATCH,
                &path,
                Some(json!({"status": "in_progress"}))
            )
            .await
            .0,
            StatusCode::OK
        );
        // The secretariat hears of it.
        let (_, n) = s
            .api(Some(&st), Method::GET, "/api/v1/notifications", None)
            .await;
        assert!(
            n["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["kind"] == "agreement_status"),
            "{n}"
        );
        // Another country reads but may not change or post.
        assert_eq!(
            s.api(Some(&mx), Method::GET, &path, None).await.0,
            StatusCode::OK
        );
        assert_eq!(
            s.api(
                Some(&mx),
                Method::PATCH,
                &path,
                Some(json!({"status": "done"}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            s.api(
                Some(&mx),
                Method::POST,
                &format!("{path}/followups"),
                Some(json!({"text": "x"}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        // The responsible country neither withdraws, nor publishes, nor rewrites.
        assert_eq!(
            s.api(
                Some(&gt),
                Method::PATCH,
                &path,
                Some(json!({"status": "withdrawn"}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            s.api(
                Some(&gt),
                Method::PATCH,
                &path,
                Some(json!({"public": true}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            s.api(
                Some(&gt),
                Method::PATCH,
                &path,
                Some(json!({"text": "otro"}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        // The thread: the responsible country and the secretariat post.
        let (code, f) = s
            .api(
                Some(&gt),
                Method::POST,
                &format!("{path}/followups"),
                Some(json!({"text": "Se envió por valija"})),
            )
            .await;
        assert_eq!(code, StatusCode::CREATED, "{f}");
        assert_eq!(
            (f["author"].as_str(), f["country"].as_str()),
            (Some("officer.gt"), Some("gt"))
        );
        let (code, _) = s
            .api(
                Some(&st),
                Method::POST,
                &format!("{path}/followups"),
                Some(json!({"text": "Recibido"})),
            )
            .await;
        assert_eq!(code, StatusCode::CREATED);
        let (code, v) = s
            .api(
                Some(&gt),
                Method::POST,
                &format!("{path}/followups"),
                Some(json!({"text": "  "})),
            )
            .await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), ["text"]);
        let (_, v) = s.api(Some(&mx), Method::GET, &path, None).await;
        let texts: Vec<&str> = v["followups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            texts,
            ["Informe enviado", "", "Se envió por valija", "Recibido"]
        );
        // The gt users heard of the secretariat's post and of the assignment.
        let (_, n) = s
            .api(Some(&gt), Method::GET, "/api/v1/notifications", None)
            .await;
        let kinds: Vec<&str> = n["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["kind"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains(&"agreement_assigned") && kinds.contains(&"agreement_followup"),
            "{n}"
        );
        // Publication, for the public portal.
        assert!(s
            .app
            .published_agreements()
            .await
            .unwrap()
            .iter()
            .all(|(x, _)| x.id != id));
        let (code, v) = s
            .api(
                Some(&st),
                Method::PATCH,
                &path,
                Some(json!({"public": true})),
            )
            .await;
        assert_eq!(code, StatusCode::OK);
        assert_eq!(v["public"], true);
        assert_eq!(
            v["status"], "in_progress",
            "PATCH changes only what it names"
        );
        let published = s.app.published_agreements().await.unwrap();
        let (p, pm) = published.iter().find(|(x, _)| x.id == id).unwrap();
        assert_eq!(p.number, a["number"].as_str().unwrap());
        assert_eq!(pm.id, m);
        // Withdrawn, it leaves the portal; only the secretariat touches it then.
        s.api(
            Some(&st),
            Method::PATCH,
            &path,
            Some(json!({"status": "withdrawn"})),
        )
        .await;
        assert!(s
            .app
            .published_agreements()
            .await
            .unwrap()
            .iter()
            .all(|(x, _)| x.id != id));
        assert_eq!(
            s.api(
                Some(&gt),
                Method::PATCH,
                &path,
                Some(json!({"status": "open"}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        let version = v["version"].as_i64().unwrap();
        let (code, v) = s
            .api(
                Some(&st),
                Method::PATCH,
                &path,
                Some(json!({"status": "open", "version": version})),
            )
            .await;
        assert_eq!(code, StatusCode::CONFLICT, "{v}");
        assert_eq!(
            s.api(
                Some(&gt),
                Method::GET,
                "/api/v1/agreements/0123456789abcdef0123456789abcdef",
                None
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn bad_input_names_the_field() {
    each_engine(|s| async move {
        let st = s.token("secretariat").await;
        for (body, field) in [
            (json!({"title": "R", "date": "2026-02-30", "kind": "virtual"}), "date"),
            (json!({"title": "R", "date": "30/01/2026", "kind": "virtual"}), "date"),
            (json!({"title": "R", "date": "2026-01-30", "kind": "party"}), "kind"),
            (json!({"title": "", "date": "2026-01-30", "kind": "virtual"}), "title"),
            (json!({"title": "R", "date": "2026-01-30", "kind": "virtual", "attendance": ["gt", "xx"]}), "attendance"),
        ] {
            let (code, v) = s.api(Some(&st), Method::POST, "/api/v1/meetings", Some(body)).await;
            assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(fields(&v), [field], "{v}");
        }
        let (m, _) = meeting(&s, &st, "2031-01-13").await;
        for (body, field) in [
            (json!({"meeting_id": m, "text": "t", "responsible": ["gt", "xx"], "due": "2031-02-01"}), "responsible"),
            (json!({"meeting_id": m, "text": "t", "responsible": [], "due": "2031-02-01"}), "responsible"),
            (json!({"meeting_id": m, "text": "t", "responsible": ["gt"], "due": "mañana"}), "due"),
            (json!({"meeting_id": m, "text": "", "responsible": ["gt"], "due": "2031-02-01"}), "text"),
            (json!({"meeting_id": "0123456789abcdef0123456789abcdef", "text": "t", "responsible": ["gt"], "due": "2031-02-01"}), "meeting_id"),
            (json!({"meeting_id": "nope", "text": "t", "responsible": ["gt"], "due": "2031-02-01"}), "meeting_id"),
        ] {
            let (code, v) = s.api(Some(&st), Method::POST, "/api/v1/agreements", Some(body)).await;
            assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(fields(&v), [field], "{v}");
        }
        // Nothing half-written: no agreement exists.
        let (_, l) = s.api(Some(&st), Method::GET, &format!("/api/v1/agreements?meeting_id={m}"), None).await;
        assert_eq!(l["items"], json!([]));
        let a = agreement(&s, &st, &m, json!(["gt"]), "2031-02-01").await;
        let path = format!("/api/v1/agreements/{}", a["id"].as_str().unwrap());
        for (body, field) in [
            (json!({"status": "finished"}), "status"),
            (json!({"due": "2031-13-01"}), "due"),
            (json!({"responsible": ["zz"]}), "responsible"),
        ] {
            let (code, v) = s.api(Some(&st), Method::PATCH, &path, Some(body)).await;
            assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(fields(&v), [field], "{v}");
        }
        let (code, v) = s.api(Some(&st), Method::PATCH, &format!("/api/v1/meetings/{m}"), Some(json!({"date": "2030-12-31"}))).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), ["date"], "a meeting keeps its year");
        for (q, field) in [("status=bogus", "status"), ("country=zz", "country"), ("cursor=x", "cursor"), ("limit=0", "limit")] {
            let (code, v) = s.api(Some(&st), Method::GET, &format!("/api/v1/agreements?{q}"), None).await;
            assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {v}");
            assert_eq!(fields(&v), [field]);
        }
        let (code, v) = s.api(Some(&st), Method::GET, "/api/v1/meetings?cursor=junk", None).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), ["cursor"]);
        let (code, v) = s.api(Some(&st), Method::POST, "/api/v1/agreements", Some(json!([1, 2]))).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    })
    .await;
}

#[tokio::test]
async fn overdue_agreements_notify_once() {
    each_engine(|s| async move {
        let st = s.token("secretariat").await;
        let (m, _) = meeting(&s, &st, "2026-01-13").await;
        let today = enlace_domain::clock::format_utc(s.app.now_ms())[..10].to_string();
        let a = agreement(&s, &st, &m, json!(["ni", "secretariat"]), &today).await;
        let id = a["id"].as_str().unwrap().to_string();
        assert_eq!(a["overdue"], false, "due today is not overdue yet");
        // Clear what the demo data and the assignment already brought.
        s.app.run_agreement_reminders().await.unwrap();
        let ni = s.token("prosecutor.ni").await;
        let mx = s.token("officer.mx").await;
        let count = |v: &Value| {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| {
                    x["kind"] == "agreement_overdue" && x["link"] == format!("/agreements/{id}")
                })
                .count()
        };
        s.clock.advance_secs(2 * 24 * 3600);
        let (_, l) = s
            .api(
                Some(&ni),
                Method::GET,
                "/api/v1/agreements?overdue=true&country=ni",
                None,
            )
            .await;
        assert!(
            l["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == id.as_str() && x["overdue"] == true),
            "{l}"
        );
        let sent = s.app.run_agreement_reminders().await.unwrap();
        assert!(sent >= 2, "{sent}");
        for t in [&ni, &st] {
            let (_, n) = s
                .api(Some(t), Method::GET, "/api/v1/notifications", None)
                .await;
            assert_eq!(count(&n), 1, "{n}");
        }
        let (_, n) = s
            .api(Some(&mx), Method::GET, "/api/v1/notifications", None)
            .await;
        assert_eq!(count(&n), 0);
        assert_eq!(s.app.run_agreement_reminders().await.unwrap(), 0, "once");
        // Done: no longer overdue.
        s.api(
            Some(&ni),
            Method::PATCH,
            &format!("/api/v1/agreements/{id}"),
            Some(json!({"status": "done"})),
        )
        .await;
        let (_, l) = s
            .api(
                Some(&ni),
                Method::GET,
                "/api/v1/agreements?overdue=true",
                None,
            )
            .await;
        assert!(l["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != id.as_str()));
    })
    .await;
}

fn pdf(n: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n".to_vec();
    b.resize(n, b'x');
    b
}

#[tokio::test]
async fn documents_are_pdfs_for_members() {
    each_engine(|s| async move {
        let st = s.token("secretariat").await;
        let (m, _) = meeting(&s, &st, "2031-01-13").await;
        let upload = |tok: Option<String>, body: Vec<u8>| {
            let mut rb = s
                .http
                .post(format!("{}/api/v1/meetings/{m}/documents?title=Protocolo%20regional&filename=protocolo.pdf", s.base))
                .header("content-type", "application/pdf")
                .body(body);
            if let Some(t) = tok {
                rb = rb.bearer_auth(t);
            }
            async move {
                let res = rb.send().await.unwrap();
                let code = res.status();
                (code, res.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        let (code, d) = upload(Some(st.clone()), pdf(3000)).await;
        assert_eq!(code, StatusCode::CREATED, "{d}");
        assert_eq!((d["title"].as_str(), d["size"].as_i64()), (Some("Protocolo regional"), Some(3000)));
        let (code, v) = upload(Some(st.clone()), b"<html>".to_vec()).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), ["file"]);
        let (code, v) = upload(Some(st.clone()), pdf(10 * 1024 * 1024 + 1)).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "too_large");
        assert_eq!(upload(Some(s.token("officer.gt").await), pdf(100)).await.0, StatusCode::FORBIDDEN);
        assert_eq!(upload(None, pdf(100)).await.0, StatusCode::UNAUTHORIZED);
        // Members download it; nobody without a login.
        let url = format!("{}{}", s.base, d["url"].as_str().unwrap());
        let mx = s.token("analyst.mx").await;
        let res = s.http.get(&url).bearer_auth(&mx).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert_eq!(res.bytes().await.unwrap().to_vec(), pdf(3000));
        assert_eq!(s.http.get(&url).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
        let (_, v) = s.api(Some(&mx), Method::GET, &format!("/api/v1/meetings/{m}"), None).await;
        assert_eq!(v["documents"][0]["id"], d["id"]);

        // The page's upload form (multipart, with its CSRF field).
        let (_, cookie, _) = s.browser_login("secretariat", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let html = s.page(&cookie, &format!("/meetings/{m}")).await.text().await.unwrap();
        let csrf = csrf_of(&html);
        let mut body = Vec::new();
        body.extend_from_slice(format!("--BND\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--BND\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nActa firmada\r\n--BND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"acta firmada reunión.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
        body.extend_from_slice(&pdf(500));
        body.extend_from_slice(b"\r\n--BND--\r\n");
        let post = |body: Vec<u8>| {
            s.http
                .post(format!("{}/meetings/{m}/documents", s.base))
                .header("cookie", format!("__Host-enlace={cookie}"))
                .header("content-type", "multipart/form-data; boundary=BND")
                .body(body)
                .send()
        };
        let res = post(body.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
        let html = s.page(&cookie, &format!("/meetings/{m}")).await.text().await.unwrap();
        assert!(html.contains("Acta firmada"));
        let (_, v) = s.api(Some(&mx), Method::GET, &format!("/api/v1/meetings/{m}"), None).await;
        let signed = &v["documents"][1];
        assert_eq!(signed["filename"], "acta firmada reuni_n.pdf", "ASCII names for the download header");
        let res = s.http.get(format!("{}{}", s.base, signed["url"].as_str().unwrap())).bearer_auth(&mx).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"acta firmada reuni_n.pdf\"");
        let forged = String::from_utf8_lossy(&body).replace(&csrf, &"0".repeat(64)).into_bytes();
        assert_eq!(post(forged).await.unwrap().status(), StatusCode::FORBIDDEN);
        // A broken body, or a file over 10 MiB, is a form error, never a server error.
        let res = post(b"junk".to_vec()).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let mut big = body[..body.len() - 9].to_vec();
        big.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024 + 1));
        big.extend_from_slice(b"\r\n--BND--\r\n");
        let res = post(big).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(s.api(Some(&mx), Method::GET, &format!("/api/v1/meetings/{m}"), None).await.1["documents"].as_array().unwrap().len(), 2, "nothing stored");
    })
    .await;
}

#[tokio::test]
async fn pages_record_and_follow_up() {
    let s = crate::testkit::sqlite_server(enlace_app::AppConfig::default()).await;
    let (_, cookie, _) = s.browser_login("secretariat", "enlace-demo").await;
    let cookie = cookie.unwrap();
    let html = s.page(&cookie, "/meetings").await.text().await.unwrap();
    assert!(
        html.contains("Reunión virtual mensual (demostración)"),
        "demo meetings"
    );
    let csrf = csrf_of(&html);
    let res = s
        .post_form(
            &cookie,
            "/meetings",
            &[
                ("csrf", &csrf),
                ("title", "Reunión de enero"),
                ("date", "2031-01-13"),
                ("kind", "virtual"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let loc = res.headers()["location"].to_str().unwrap().to_string();
    let m = loc.trim_start_matches("/meetings/").to_string();
    let res = s
        .post_form(
            &cookie,
            "/meetings",
            &[
                ("csrf", &csrf),
                ("title", "X"),
                ("date", "2031-02-30"),
                ("kind", "virtual"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = s
        .post_form(
            &cookie,
            &loc,
            &[
                ("csrf", &csrf),
                ("title", "Reunión de enero"),
                ("date", "2031-01-13"),
                ("kind", "virtual"),
                ("agenda", "1. Informes"),
                ("attendance", "gt"),
                ("attendance", "hn"),
                ("minutes_es", "Acta en español"),
                ("minutes_en", "English minutes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = s
        .post_form(
            &cookie,
            "/agreements",
            &[
                ("csrf", &csrf),
                ("meeting_id", &m),
                ("text", "Actualizar el directorio"),
                ("responsible", "hn"),
                ("responsible", "secretariat"),
                ("due", "2031-03-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let a = res.headers()["location"].to_str().unwrap().to_string();
    let html = s.page(&cookie, &a).await.text().await.unwrap();
    assert!(
        html.contains("RFE-2031-01/1")
            && html.contains("Honduras")
            && html.contains("Secretaría Técnica"),
        "{html}"
    );
    let html = s.page(&cookie, &loc).await.text().await.unwrap();
    assert!(
        html.contains("Acta en español")
            && html.contains("English minutes")
            && html.contains("RFE-2031-01/1")
    );
    // The secretariat edits it from its page; the number stays.
    let html = s.page(&cookie, &a).await.text().await.unwrap();
    assert!(html.contains("agreement-edit"));
    let res = s
        .post_form(
            &cookie,
            &a,
            &[
                ("csrf", &csrf),
                ("action", "edit"),
                ("text", "Actualizar y confirmar el directorio"),
                ("responsible", "hn"),
                ("responsible", "gt"),
                ("due", "2031-03-15"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = s.page(&cookie, &a).await.text().await.unwrap();
    assert!(
        html.contains("Actualizar y confirmar el directorio")
            && html.contains("2031-03-15")
            && html.contains("Guatemala, Honduras")
            && html.contains("RFE-2031-01/1"),
        "{html}"
    );
    let res = s
        .post_form(
            &cookie,
            &a,
            &[
                ("csrf", &csrf),
                ("action", "edit"),
                ("text", "x"),
                ("due", "2031-03-15"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "responsible required"
    );
    // Withdrawal asks first.
    let html = s
        .page(&cookie, &format!("{a}?withdraw=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("withdraw-confirm"));
    let res = s
        .post_form(&cookie, &a, &[("csrf", &csrf), ("action", "withdraw")])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not without the confirmation"
    );
    let res = s
        .post_form(
            &cookie,
            &a,
            &[("csrf", &csrf), ("action", "withdraw"), ("confirm", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = s
        .page(&cookie, "/agreements?status=withdrawn&country=hn")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("RFE-2031-01/1"));
    let html = s
        .page(&cookie, "/agreements?overdue=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("RFE-2031-01/1"));
    // A Honduran officer posts a follow-up on another agreement.
    let st = s.token("secretariat").await;
    let ag = agreement(&s, &st, &m, json!(["hn"]), "2031-03-01").await;
    let (_, hc, _) = s.browser_login("officer.hn", "enlace-demo").await;
    let hc = hc.unwrap();
    let path = format!("/agreements/{}", ag["id"].as_str().unwrap());
    let html = s.page(&hc, &path).await.text().await.unwrap();
    assert!(!html.contains("withdraw-link"));
    let hcsrf = csrf_of(&html);
    let res = s
        .post_form(
            &hc,
            &path,
            &[
                ("csrf", &hcsrf),
                ("action", "followup"),
                ("text", "Directorio actualizado"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = s
        .post_form(
            &hc,
            &path,
            &[
                ("csrf", &hcsrf),
                ("action", "status"),
                ("status", "done"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = s.page(&hc, &path).await.text().await.unwrap();
    assert!(html.contains("Directorio actualizado") && html.contains("Cumplido"));
    // Another country's officer sees no follow-up form.
    let (_, gc, _) = s.browser_login("officer.gt", "enlace-demo").await;
    let html = s.page(&gc.unwrap(), &path).await.text().await.unwrap();
    assert!(!html.contains("followup-form") && html.contains("Directorio actualizado"));
}
