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
