//! Alerts and the live event stream: recipients get them at once, others never; the stream
//! catches up after a reconnect; bad input sends nothing.
use crate::testkit::each_engine;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

/// Reads the event stream until `want` appears in it or `wait` passes; returns what was read.
async fn read_stream(res: &mut reqwest::Response, want: &str, wait: Duration) -> String {
    let mut got = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while !got.contains(want) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            break;
        }
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(b))) => got.push_str(&String::from_utf8_lossy(&b)),
            _ => break,
        }
    }
    got
}

async fn stream(s: &crate::testkit::Server, tok: &str, last_id: Option<&str>) -> reqwest::Response {
    let mut rb = s
        .http
        .get(format!("{}/api/v1/events", s.base))
        .bearer_auth(tok);
    if let Some(id) = last_id {
        rb = rb.header("last-event-id", id);
    }
    let res = rb.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    res
}

#[tokio::test]
async fn alerts_reach_recipients_live_and_nobody_else() {
    each_engine(|s| async move {
        let pa = s.token("officer.pa").await;
        let cr = s.token("officer.cr").await;
        let ni = s.token("analyst.ni").await;
        let mx = s.token("officer.mx").await;
        let mut cr_stream = stream(&s, &cr, None).await;
        let mut mx_stream = stream(&s, &mx, None).await;
        let (st, a) = s
            .api(Some(&pa), Method::POST, "/api/v1/alerts", Some(json!({"kind": "vessel_at_sea", "title": "Lancha ficticia rumbo a Punta Burica", "body": "Salió anoche con 30 personas.", "urgency": "urgent", "recipients": ["cr", "ni"]})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{a}");
        let id = a["id"].as_str().unwrap().to_string();
        let got = read_stream(&mut cr_stream, "event: notification", Duration::from_secs(2)).await;
        assert!(got.contains("event: alert") && got.contains(&id), "Costa Rica receives it at once: {got}");
        assert!(got.contains("event: notification"), "and a notification: {got}");
        let other = read_stream(&mut mx_stream, "Punta Burica", Duration::from_millis(700)).await;
        assert!(!other.contains("Punta Burica") && !other.contains(&id), "Mexico receives nothing: {other}");
        // Only the sender's country and the recipients see it, by id and in lists.
        assert_eq!(s.api(Some(&mx), Method::GET, &format!("/api/v1/alerts/{id}"), None).await.0, StatusCode::NOT_FOUND);
        let (_, list) = s.api(Some(&mx), Method::GET, "/api/v1/alerts", None).await;
        assert_eq!(list["total"], 0);
        let (_, list) = s.api(Some(&ni), Method::GET, "/api/v1/alerts", None).await;
        assert_eq!(list["total"], 1);
        // Costa Rica acknowledges; the sender's stream sees it; a second ack is refused.
        let mut pa_stream = stream(&s, &pa, None).await;
        assert_eq!(s.api(Some(&cr), Method::POST, &format!("/api/v1/alerts/{id}/acknowledge"), None).await.0, StatusCode::NO_CONTENT);
        let got = read_stream(&mut pa_stream, "alert_ack", Duration::from_secs(2)).await;
        assert!(got.contains("event: alert_ack") && got.contains("\"cr\""), "{got}");
        assert_eq!(s.api(Some(&cr), Method::POST, &format!("/api/v1/alerts/{id}/acknowledge"), None).await.0, StatusCode::CONFLICT);
        assert_eq!(s.api(Some(&pa), Method::POST, &format!("/api/v1/alerts/{id}/acknowledge"), None).await.0, StatusCode::FORBIDDEN, "the sender does not acknowledge");
        assert_eq!(s.api(Some(&mx), Method::POST, &format!("/api/v1/alerts/{id}/acknowledge"), None).await.0, StatusCode::NOT_FOUND);
        // A reply is visible to sender and recipients.
        assert_eq!(s.api(Some(&ni), Method::POST, &format!("/api/v1/alerts/{id}/replies"), Some(json!({"body": "Patrulla en camino."}))).await.0, StatusCode::NO_CONTENT);
        let (_, v) = s.api(Some(&pa), Method::GET, &format!("/api/v1/alerts/{id}"), None).await;
        assert_eq!(v["acknowledgements"][0]["country"], "cr");
        assert_eq!(v["replies"][0]["body"], "Patrulla en camino.");
        // Catch-up: a client reconnecting with an old id gets what it missed, filtered.
        let mut again = stream(&s, &cr, Some("0")).await;
        let got = read_stream(&mut again, "Patrulla", Duration::from_secs(2)).await;
        assert!(got.contains("Punta Burica") && got.contains("Patrulla"), "{got}");
        let mut mx_again = stream(&s, &mx, Some("0")).await;
        let got = read_stream(&mut mx_again, "Punta Burica", Duration::from_millis(500)).await;
        assert!(!got.contains("Punta Burica") && !got.contains("Patrulla"), "{got}");
        // Notifications: Costa Rica's users have one, with an unread count.
        let (_, n) = s.api(Some(&cr), Method::GET, "/api/v1/notifications", None).await;
        assert!(n["unread"].as_i64().unwrap() >= 1, "{n}");
        let (_, n) = s.api(Some(&mx), Method::GET, "/api/v1/notifications", None).await;
        assert_eq!(n["total"], 0);
    })
    .await;
}

#[tokio::test]
async fn bad_alerts_send_nothing() {
    each_engine(|s| async move {
        let pa = s.token("officer.pa").await;
        let admin = s.token("admin.pa").await;
        let cr = s.token("officer.cr").await;
        for (body, field) in [
            (json!({"kind": "vessel_at_sea", "title": "", "recipients": ["cr"]}), "title"),
            (json!({"kind": "vessel_at_sea", "title": "X", "recipients": ["zz"]}), "recipients"),
            (json!({"kind": "vessel_at_sea", "title": "X", "recipients": []}), "recipients"),
            (json!({"kind": "picnic", "title": "X", "recipients": "members"}), "kind"),
            (json!({"kind": "other", "title": "X", "body": "x".repeat(20_001), "recipients": "members"}), "body"),
            (json!({"kind": "other", "title": "X", "recipients": "members", "related": ["not-mine"]}), "related"),
        ] {
            let (st, v) = s.api(Some(&pa), Method::POST, "/api/v1/alerts", Some(body)).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(v["error"]["fields"][0]["field"], field, "{v}");
        }
        assert_eq!(s.api(Some(&admin), Method::POST, "/api/v1/alerts", Some(json!({"kind": "other", "title": "X", "recipients": "members"}))).await.0, StatusCode::FORBIDDEN);
        let (_, list) = s.api(Some(&cr), Method::GET, "/api/v1/alerts", None).await;
        assert_eq!(list["total"], 0, "nothing was sent");
        let (_, n) = s.api(Some(&cr), Method::GET, "/api/v1/notifications", None).await;
        assert_eq!(n["total"], 0);
        assert_eq!(s.http.get(format!("{}/api/v1/events", s.base)).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    })
    .await;
}

/// The authorization matrix for alerts and the directory, from one table each: role ×
/// the actor's country (relative to the sender / owner) → status of a read by id and
/// whether it is listed.
#[tokio::test]
async fn alert_and_directory_matrix() {
    each_engine(|s| async move {
        let pa = s.token("officer.pa").await;
        let (_, a) = s
            .api(Some(&pa), Method::POST, "/api/v1/alerts", Some(json!({"kind": "wanted_person", "title": "Matriz", "recipients": ["cr"]})))
            .await;
        let alert = a["id"].as_str().unwrap().to_string();
        // sender = Panama, recipient = Costa Rica, other = Mexico.
        const ALERTS: &str = "
            officer.pa 200 prosecutor.pa 200 analyst.pa 200 approver.pa 404 admin.pa 404
            officer.cr 200 prosecutor.cr 200 analyst.cr 200 approver.cr 404 admin.cr 404
            officer.mx 404 prosecutor.mx 404 analyst.mx 404 approver.mx 404 admin.mx 404
            secretariat 404";
        let cells: Vec<&str> = ALERTS.split_whitespace().collect();
        for pair in cells.chunks(2) {
            let tok = s.token(pair[0]).await;
            let (st, _) = s.api(Some(&tok), Method::GET, &format!("/api/v1/alerts/{alert}"), None).await;
            assert_eq!(st.as_u16().to_string(), pair[1], "alert read by {} [{}]", pair[0], s.engine);
            let (_, list) = s.api(Some(&tok), Method::GET, "/api/v1/alerts", None).await;
            let listed = list["items"].as_array().map(|l| l.iter().any(|x| x["id"] == alert.as_str())).unwrap_or(false);
            assert_eq!(listed, pair[1] == "200", "alert listed for {}", pair[0]);
        }
        assert_eq!(s.api(None, Method::GET, &format!("/api/v1/alerts/{alert}"), None).await.0, StatusCode::UNAUTHORIZED);

        // A directory entry of Costa Rica before and after approval.
        let off = s.token("officer.cr").await;
        let (_, e) = s
            .api(Some(&off), Method::POST, "/api/v1/directory", Some(json!({"name": "Matriz Ficticia", "institution": "police", "phone": "+506 1111 1111"})))
            .await;
        let entry = e["id"].as_str().unwrap().to_string();
        const PENDING: &str = "officer.cr 200 approver.cr 200 admin.cr 200 analyst.cr 200 officer.gt 404 admin.gt 404 approver.gt 404 secretariat 404";
        const APPROVED: &str = "officer.cr 200 approver.cr 200 admin.cr 200 analyst.cr 200 officer.gt 200 admin.gt 200 approver.gt 200 secretariat 200";
        for (table, approve) in [(PENDING, false), (APPROVED, true)] {
            if approve {
                let appr = s.token("approver.cr").await;
                assert_eq!(s.api(Some(&appr), Method::POST, &format!("/api/v1/directory/{entry}/approve"), None).await.0, StatusCode::OK);
            }
            let cells: Vec<&str> = table.split_whitespace().collect();
            for pair in cells.chunks(2) {
                let tok = s.token(pair[0]).await;
                let (st, _) = s.api(Some(&tok), Method::GET, &format!("/api/v1/directory/{entry}"), None).await;
                assert_eq!(st.as_u16().to_string(), pair[1], "directory read by {} (approved: {approve}) [{}]", pair[0], s.engine);
                let (_, list) = s.api(Some(&tok), Method::GET, "/api/v1/directory", None).await;
                let listed = list["items"].as_array().unwrap().iter().any(|x| x["id"] == entry.as_str());
                assert_eq!(listed, pair[1] == "200", "directory listed for {}", pair[0]);
            }
        }
        // Notifications belong to their user alone.
        let cr = s.token("officer.cr").await;
        let (_, n) = s.api(Some(&cr), Method::GET, "/api/v1/notifications", None).await;
        assert!(n["total"].as_i64().unwrap() >= 1);
        let mx = s.token("officer.mx").await;
        let (_, n) = s.api(Some(&mx), Method::GET, "/api/v1/notifications", None).await;
        assert_eq!(n["total"], 0);
    })
    .await;
}
