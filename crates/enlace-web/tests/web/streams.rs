//! An open event stream lasts only as long as the credential that opened it: revoking the
//! token, disabling or resetting the user, logging out or the session timing out ends it
//! within a second, and it delivers nothing after — not even what was already on its way.
use crate::testkit::{csrf_of, each_engine, sqlite_server, Server};
use enlace_app::AppConfig;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const PW: &str = "enlace-demo";

/// Opens `GET /api/v1/events` with a bearer token or a session cookie.
async fn open(s: &Server, token: Option<&str>, cookie: Option<&str>) -> reqwest::Response {
    let mut rb = s.http.get(format!("{}/api/v1/events", s.base));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(c) = cookie {
        rb = rb.header("cookie", format!("__Host-enlace={c}"));
    }
    let res = rb.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res
}

/// Reads a stream until it ends or `wait` passes: what it delivered, and whether it ended.
async fn read_to_end(res: &mut reqwest::Response, wait: Duration) -> (String, bool) {
    let mut got = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return (got, false);
        }
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(b))) => got.push_str(&String::from_utf8_lossy(&b)),
            Ok(Ok(None)) | Ok(Err(_)) => return (got, true),
            Err(_) => return (got, false),
        }
    }
}

/// Reads a stream until `want` appears in it or `wait` passes.
async fn read_until(res: &mut reqwest::Response, want: &str, wait: Duration) -> String {
    let mut got = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while !got.contains(want) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(b))) => got.push_str(&String::from_utf8_lossy(&b)),
            _ => break,
        }
    }
    got
}

/// Panama alerts Costa Rica (its intelligence users get the alert and a notification).
async fn alert_costa_rica(s: &Server, title: &str) {
    let pa = s.token("officer.pa").await;
    let (st, v) = s
        .api(
            Some(&pa),
            Method::POST,
            "/api/v1/alerts",
            Some(json!({"kind": "vessel_at_sea", "title": title, "recipients": ["cr"]})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
}

/// The stream ends within two seconds and delivered neither the alert nor its notification.
async fn assert_ended_silent(res: &mut reqwest::Response, title: &str, what: &str) {
    let (got, ended) = read_to_end(res, Duration::from_secs(2)).await;
    assert!(ended, "{what}: the stream ends; it delivered {got:?}");
    assert!(
        !got.contains(title)
            && !got.contains("event: alert")
            && !got.contains("event: notification"),
        "{what}: nothing is delivered after the credential ended: {got:?}"
    );
}

fn user_id(v: &Value, username: &str) -> String {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .unwrap_or_else(|| panic!("{username} listed: {v}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn revoking_a_token_ends_its_streams() {
    each_engine(|s| async move {
        let keep = s.token("officer.cr").await;
        // A second token of the same user, made and revoked through the API.
        let (st, t) = s
            .api(
                Some(&keep),
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": "system"})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{t}");
        let (id, secret) = (t["id"].as_str().unwrap(), t["token"].as_str().unwrap());
        let mut doomed = open(&s, Some(secret), None).await;
        let mut doomed2 = open(&s, Some(secret), None).await;
        let mut kept = open(&s, Some(&keep), None).await;
        let (st, _) = s
            .api(
                Some(&keep),
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        alert_costa_rica(&s, "Lancha tras la revocación").await;
        assert_ended_silent(&mut doomed, "Lancha tras la revocación", "revoked token").await;
        assert_ended_silent(
            &mut doomed2,
            "Lancha tras la revocación",
            "revoked token, second stream",
        )
        .await;
        // The same user's other token still streams: the alert was there to deliver.
        let got = read_until(
            &mut kept,
            "Lancha tras la revocación",
            Duration::from_secs(2),
        )
        .await;
        assert!(got.contains("Lancha tras la revocación"), "{got}");
        // And the revoked token opens nothing new.
        let res = s
            .http
            .get(format!("{}/api/v1/events", s.base))
            .bearer_auth(secret)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[tokio::test]
async fn disabling_or_resetting_a_user_ends_their_streams() {
    each_engine(|s| async move {
        let admin = s.token("admin.cr").await;
        let officer = s.token("officer.cr").await;
        let analyst = s.token("analyst.cr").await;
        let prosecutor = s.token("prosecutor.cr").await;
        let (st, users) = s
            .api(
                Some(&admin),
                Method::GET,
                "/api/v1/users?per_page=200",
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{users}");
        let (officer_id, analyst_id) =
            (user_id(&users, "officer.cr"), user_id(&users, "analyst.cr"));
        let (_, officer_cookie, _) = s.browser_login("officer.cr", PW).await;
        let mut by_token = open(&s, Some(&officer), None).await;
        let mut by_session = open(&s, None, officer_cookie.as_deref()).await;
        let mut analyst_stream = open(&s, Some(&analyst), None).await;
        let mut control = open(&s, Some(&prosecutor), None).await;

        // The country admin disables the officer: token and session streams end.
        let (st, v) = s
            .api(
                Some(&admin),
                Method::POST,
                &format!("/api/v1/users/{officer_id}/disable"),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        // ...and resets the analyst (new temporary password, tokens revoked).
        let (st, v) = s
            .api(
                Some(&admin),
                Method::POST,
                &format!("/api/v1/users/{analyst_id}/reset"),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        alert_costa_rica(&s, "Lancha tras la baja").await;
        assert_ended_silent(&mut by_token, "Lancha tras la baja", "disabled user, token").await;
        assert_ended_silent(
            &mut by_session,
            "Lancha tras la baja",
            "disabled user, session",
        )
        .await;
        assert_ended_silent(
            &mut analyst_stream,
            "Lancha tras la baja",
            "reset user, token",
        )
        .await;
        let got = read_until(&mut control, "Lancha tras la baja", Duration::from_secs(2)).await;
        assert!(
            got.contains("Lancha tras la baja"),
            "another user of the country still receives it: {got}"
        );
    })
    .await;
}

#[tokio::test]
async fn logging_out_ends_the_sessions_streams() {
    each_engine(|s| async move {
        let (_, cookie, _) = s.browser_login("officer.cr", PW).await;
        let cookie = cookie.unwrap();
        let (_, other, _) = s.browser_login("officer.cr", PW).await;
        let other = other.unwrap();
        let mut doomed = open(&s, None, Some(&cookie)).await;
        let mut kept = open(&s, None, Some(&other)).await;
        let csrf = csrf_of(&s.page(&cookie, "/").await.text().await.unwrap());
        let res = s.post_form(&cookie, "/logout", &[("csrf", &csrf)]).await;
        assert_eq!(res.headers()["location"], "/login");
        alert_costa_rica(&s, "Lancha tras la salida").await;
        assert_ended_silent(&mut doomed, "Lancha tras la salida", "logged-out session").await;
        // The user's other session is not the one that logged out.
        let got = read_until(&mut kept, "Lancha tras la salida", Duration::from_secs(2)).await;
        assert!(got.contains("Lancha tras la salida"), "{got}");
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_streams() {
    let s = sqlite_server(AppConfig::default()).await;
    let (_, here, _) = s.browser_login("officer.cr", PW).await;
    let here = here.unwrap();
    let (_, elsewhere, _) = s.browser_login("officer.cr", PW).await;
    let mut doomed = open(&s, None, elsewhere.as_deref()).await;
    let mut kept = open(&s, None, Some(&here)).await;
    let csrf = csrf_of(&s.page(&here, "/account").await.text().await.unwrap());
    let new_pw = "otra-clave-muy-larga-2026";
    let res = s
        .post_form(
            &here,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PW),
                ("new_password", new_pw),
                ("confirm_password", new_pw),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        s.page(&here, "/").await.status(),
        StatusCode::OK,
        "the session that changed it stays"
    );
    alert_costa_rica(&s, "Lancha tras el cambio").await;
    assert_ended_silent(&mut doomed, "Lancha tras el cambio", "the other session").await;
    let got = read_until(&mut kept, "Lancha tras el cambio", Duration::from_secs(2)).await;
    assert!(got.contains("Lancha tras el cambio"), "{got}");
}

#[tokio::test]
async fn a_session_timing_out_ends_its_streams() {
    each_engine(|s| async move {
        // Idle: nothing happens for 31 minutes; the stream ends by itself within a second.
        let (_, cookie, _) = s.browser_login("officer.cr", PW).await;
        let mut idle = open(&s, None, cookie.as_deref()).await;
        s.clock.advance_secs(31 * 60);
        let (got, ended) = read_to_end(&mut idle, Duration::from_secs(2)).await;
        assert!(ended, "an idle session's stream ends: {got:?}");
        alert_costa_rica(&s, "Lancha tras la inactividad").await;
        assert!(!got.contains("Lancha tras la inactividad"));

        // An alert arriving after the timeout is not delivered, even before the next check.
        let (_, cookie, _) = s.browser_login("officer.cr", PW).await;
        let mut late = open(&s, None, cookie.as_deref()).await;
        s.clock.advance_secs(31 * 60);
        alert_costa_rica(&s, "Lancha sin sesión").await;
        assert_ended_silent(&mut late, "Lancha sin sesión", "timed-out session").await;
    })
    .await;
}

#[tokio::test]
async fn a_session_reaching_its_absolute_limit_ends_its_streams() {
    let s = sqlite_server(AppConfig::default()).await;
    let (_, cookie, _) = s.browser_login("officer.cr", PW).await;
    let cookie = cookie.unwrap();
    let mut stream = open(&s, None, Some(&cookie)).await;
    // Active every 20 minutes: the session and its stream live on...
    for _ in 0..35 {
        s.clock.advance_secs(20 * 60);
        assert_eq!(s.page(&cookie, "/").await.status(), StatusCode::OK);
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    alert_costa_rica(&s, "Lancha a las once horas").await;
    // (The alert, then its notification.)
    let got = read_until(&mut stream, "event: notification", Duration::from_secs(2)).await;
    assert!(
        got.contains("Lancha a las once horas"),
        "still open after 11h40 of activity: {got}"
    );
    // ...until 12 hours after login, whatever the activity.
    s.clock.advance_secs(21 * 60);
    alert_costa_rica(&s, "Lancha a las doce horas").await;
    assert_ended_silent(
        &mut stream,
        "Lancha a las doce horas",
        "12 hours after login",
    )
    .await;
}
