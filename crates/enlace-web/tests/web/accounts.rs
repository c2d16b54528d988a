//! Accounts, sessions, second factor, CSRF, user administration, tokens and audit over HTTP.
use crate::testkit::{csrf_of, each_engine, session_cookie, sqlite_server, Server};
use enlace_app::crypto;
use enlace_app::AppConfig;
use enlace_domain::Clock;
use proptest::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

const PW: &str = "enlace-demo";

#[tokio::test]
async fn sessions_expire_when_idle_and_after_the_absolute_limit() {
    let s = sqlite_server(AppConfig::default()).await;
    let (st, cookie, loc) = s.browser_login("officer.cr", PW).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(loc, "/", "demo accounts skip the second factor");
    let cookie = cookie.unwrap();
    let res = s.page(&cookie, "/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    // Idle for 29 minutes: still alive; then 31 more: gone.
    s.clock.advance_secs(29 * 60);
    assert_eq!(s.page(&cookie, "/").await.status(), StatusCode::OK);
    s.clock.advance_secs(31 * 60);
    let res = s.page(&cookie, "/").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login");

    // Active every 20 minutes, the session still ends 12 hours after login.
    let (_, cookie, _) = s.browser_login("officer.cr", PW).await;
    let cookie = cookie.unwrap();
    for _ in 0..35 {
        s.clock.advance_secs(20 * 60);
        assert_eq!(s.page(&cookie, "/").await.status(), StatusCode::OK);
    }
    s.clock.advance_secs(21 * 60);
    assert_eq!(s.page(&cookie, "/").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn unknown_user_and_wrong_password_answer_alike_and_are_rate_limited() {
    let s = sqlite_server(AppConfig::default()).await;
    let a = s
        .http
        .post(format!("{}/api/v1/me", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), StatusCode::METHOD_NOT_ALLOWED);
    let wrong = s
        .http
        .post(format!("{}/login", s.base))
        .form(&[("username", "officer.mx"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    let unknown = s
        .http
        .post(format!("{}/login", s.base))
        .form(&[("username", "nadie.mx"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let strip = |h: String, user: &str| h.replace(user, "USER");
    assert_eq!(
        strip(wrong.text().await.unwrap(), "officer.mx"),
        strip(unknown.text().await.unwrap(), "nadie.mx"),
        "same page for an unknown user and a wrong password"
    );
    // 10 failures per account within 15 minutes, then 429 even with the right password.
    for _ in 0..9 {
        let (st, _, _) = s.browser_login("officer.mx", "nope").await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let (st, cookie, _) = s.browser_login("officer.mx", PW).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    assert!(cookie.is_none());
    // Other accounts are unaffected; and there is no permanent lockout.
    assert_eq!(
        s.browser_login("officer.gt", PW).await.0,
        StatusCode::SEE_OTHER
    );
    s.clock.advance_secs(16 * 60);
    assert_eq!(
        s.browser_login("officer.mx", PW).await.0,
        StatusCode::SEE_OTHER
    );
    // The failures are in the audit log.
    let ctx = s.ctx("officer.mx").await;
    let (mine, _) = s
        .app
        .audit_entries(
            &ctx,
            enlace_app::audit::AuditScope::Mine,
            &Default::default(),
            100,
            0,
        )
        .await
        .unwrap();
    assert!(mine
        .iter()
        .any(|e| e.action == "login" && e.outcome == "failed"));
    assert!(mine
        .iter()
        .any(|e| e.action == "login" && e.outcome == "ok"));
}

#[tokio::test]
async fn new_user_must_enrol_totp_and_codes_cannot_be_replayed() {
    let s = sqlite_server(AppConfig::default()).await;
    let admin = s.token("admin.hn").await;
    let (st, body) = s
        .api(
            Some(&admin),
            Method::POST,
            "/api/v1/users",
            Some(
                json!({"username": "ana.hn", "display_name": "Ana (ficticia)", "role": "analyst"}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let pw = body["temporary_password"].as_str().unwrap().to_string();
    assert_eq!(body["country"], "hn");

    let (_, cookie, loc) = s.browser_login("ana.hn", &pw).await;
    assert_eq!(loc, "/enrol", "non-demo accounts must enrol");
    let cookie = cookie.unwrap();
    // Nothing else is reachable before enrolment.
    let res = s.page(&cookie, "/cases").await;
    assert_eq!(res.headers()["location"], "/enrol");
    let html = s.page(&cookie, "/enrol").await.text().await.unwrap();
    assert!(html.contains("<svg"), "QR code as inline SVG");
    let csrf = csrf_of(&html);
    let secret_text = html
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    let secret = crypto::base32_decode(&secret_text).unwrap();
    let now = s.clock.now_secs();
    let code = crypto::totp_code(&secret, now / 30);
    let res = s
        .post_form(
            &cookie,
            "/recovery-codes",
            &[("csrf", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let full = session_cookie(&res).expect("session rotated after enrolment");
    assert_ne!(full, cookie);
    let html = res.text().await.unwrap();
    assert_eq!(html.matches("<li><code>").count(), 10, "ten recovery codes");
    let recovery = html
        .split("<li><code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(s.page(&full, "/").await.status(), StatusCode::OK);
    assert_eq!(
        s.page(&cookie, "/").await.status(),
        StatusCode::SEE_OTHER,
        "the old session is gone"
    );

    // Log in again: the same code (same step) is a replay and is refused.
    let (_, c2, loc) = s.browser_login("ana.hn", &pw).await;
    assert_eq!(loc, "/login/totp");
    let c2 = c2.unwrap();
    let csrf2 = csrf_of(&s.page(&c2, "/login/totp").await.text().await.unwrap());
    let res = s
        .post_form(&c2, "/login/totp", &[("csrf", &csrf2), ("code", &code)])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "replayed code refused"
    );
    // A wrong CSRF token is refused before anything else.
    let res = s
        .post_form(&c2, "/login/totp", &[("csrf", "x"), ("code", &code)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The next step's code works.
    s.clock.advance_secs(30);
    let next = crypto::totp_code(&secret, s.clock.now_secs() / 30);
    let res = s
        .post_form(&c2, "/login/totp", &[("csrf", &csrf2), ("code", &next)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/");
    // A recovery code works once.
    for (i, expected) in [(0, StatusCode::SEE_OTHER), (1, StatusCode::UNAUTHORIZED)] {
        let (_, c3, _) = s.browser_login("ana.hn", &pw).await;
        let c3 = c3.unwrap();
        let csrf3 = csrf_of(&s.page(&c3, "/login/totp").await.text().await.unwrap());
        let res = s
            .post_form(
                &c3,
                "/login/totp",
                &[("csrf", &csrf3), ("code", &recovery.to_uppercase())],
            )
            .await;
        assert_eq!(res.status(), expected, "recovery code use {i}");
    }
}

#[tokio::test]
async fn state_changes_need_the_csrf_token_and_our_origin() {
    let s = sqlite_server(AppConfig::default()).await;
    let (_, cookie, _) = s.browser_login("officer.sv", PW).await;
    let cookie = cookie.unwrap();
    let html = s.page(&cookie, "/cases/new").await.text().await.unwrap();
    let csrf = csrf_of(&html);
    let form = [
        ("csrf", csrf.as_str()),
        ("title", "Caso CSRF"),
        ("distribution_level", "country"),
        ("handling", "intelligence_only"),
        ("evaluation", "B2"),
    ];
    let bad = [
        ("csrf", "0000"),
        ("title", "Caso CSRF"),
        ("distribution_level", "country"),
    ];
    assert_eq!(
        s.post_form(&cookie, "/cases", &bad).await.status(),
        StatusCode::FORBIDDEN
    );
    let res = s
        .http
        .post(format!("{}/cases", s.base))
        .header("cookie", format!("__Host-enlace={cookie}"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = s.post_form(&cookie, "/cases", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/cases/"));
    // The API with a session cookie wants the X-CSRF-Token header on changes.
    let res = s
        .http
        .post(format!("{}/api/v1/cases", s.base))
        .header("cookie", format!("__Host-enlace={cookie}"))
        .json(&json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = s
        .http
        .post(format!("{}/api/v1/cases", s.base))
        .header("cookie", format!("__Host-enlace={cookie}"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"title": "Por API con sesión"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn pages_carry_security_headers_and_errors_are_bilingual_json() {
    let s = sqlite_server(AppConfig::default()).await;
    let res = s
        .http
        .get(format!("{}/login", s.base))
        .send()
        .await
        .unwrap();
    let h = res.headers();
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(!h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let tok = s.token("officer.mx").await;
    let (_, before) = s
        .api(Some(&tok), Method::GET, "/api/v1/cases?per_page=200", None)
        .await;
    let (st, body) = s
        .api(
            Some(&tok),
            Method::POST,
            "/api/v1/cases",
            Some(json!({"title": "", "distribution": {"level": "everyone"}})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_input");
    assert!(body["error"]["request_id"].as_str().unwrap().len() >= 8);
    let fields: Vec<_> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert!(fields.contains(&"title".to_string()) && fields.contains(&"distribution".to_string()));
    // Messages follow the language: Spanish by default, English when asked.
    let res = s
        .http
        .get(format!("{}/api/v1/cases/zz", s.base))
        .bearer_auth(&tok)
        .header("accept-language", "en-US")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        v["error"]["message"],
        "The resource does not exist or you have no access to it."
    );
    let (_, v) = s
        .api(Some(&tok), Method::GET, "/api/v1/cases/zz", None)
        .await;
    assert_eq!(
        v["error"]["message"],
        "El recurso no existe o no tiene acceso a él."
    );
    // Malformed JSON and oversized bodies get the same error shape, and nothing is written.
    let res = s
        .http
        .post(format!("{}/api/v1/cases", s.base))
        .bearer_auth(&tok)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let big = "x".repeat(2 * 1024 * 1024);
    let res = s
        .http
        .post(format!("{}/api/v1/cases", s.base))
        .bearer_auth(&tok)
        .body(big)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let (_, list) = s
        .api(Some(&tok), Method::GET, "/api/v1/cases?per_page=200", None)
        .await;
    assert_eq!(
        list["total"], before["total"],
        "rejected requests wrote nothing"
    );
    // Unknown API paths answer in JSON too.
    let (st, v) = s
        .api(Some(&tok), Method::GET, "/api/v1/nothing-here", None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "not_found");
    let (st, _) = s.api(None, Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn admins_manage_only_their_own_country_and_the_secretariat_only_admins() {
    each_engine(|s| async move {
        let mx = s.token("admin.mx").await;
        let gt = s.token("admin.gt").await;
        let st_ = s.token("secretariat").await;
        let off = s.token("officer.mx").await;
        let (st, body) = s.api(Some(&mx), Method::POST, "/api/v1/users", Some(json!({"username": "luis.mx", "display_name": "Luis (ficticio)", "role": "prosecutor"}))).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        let id = body["id"].as_str().unwrap().to_string();
        // Another country's admin, an officer and the secretariat: the user does not exist.
        for t in [&gt, &off, &st_] {
            let (st, _) = s.api(Some(t), Method::GET, &format!("/api/v1/users/{id}"), None).await;
            assert_eq!(st, StatusCode::NOT_FOUND);
            let (st, _) = s.api(Some(t), Method::POST, &format!("/api/v1/users/{id}/disable"), None).await;
            assert_eq!(st, StatusCode::NOT_FOUND);
        }
        let (st, body) = s.api(Some(&mx), Method::POST, "/api/v1/users", Some(json!({"username": "otro.admin", "display_name": "X", "role": "admin"}))).await;
        assert_eq!((st, body["status"].clone()), (StatusCode::ACCEPTED, json!("pending")), "another admin waits for the country's approval: {body}");
        assert!(body.get("temporary_password").is_none());
        let (st, _) = s.api(Some(&mx), Method::POST, "/api/v1/users", Some(json!({"username": "otro.gt", "display_name": "X", "role": "officer", "country": "gt"}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "country admins create only in their own country");
        let (st, _) = s.api(Some(&mx), Method::POST, "/api/v1/users", Some(json!({"username": "otro.xx", "display_name": "X", "role": "officer", "country": "xx"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "an unknown country is refused, not ignored");
        let (st, body) = s.api(Some(&mx), Method::POST, "/api/v1/users", Some(json!({"username": "luis.mx", "display_name": "Dup", "role": "officer"}))).await;
        assert_eq!((st, body["error"]["code"].clone()), (StatusCode::CONFLICT, json!("username_taken")), "duplicate username");
        // Disable: the user's tokens stop working at once; enable brings them back.
        let luis_tok = s.token("luis.mx").await;
        assert_eq!(s.api(Some(&luis_tok), Method::GET, "/api/v1/me", None).await.0, StatusCode::OK);
        assert_eq!(s.api(Some(&mx), Method::POST, &format!("/api/v1/users/{id}/disable"), None).await.0, StatusCode::OK);
        assert_eq!(s.api(Some(&luis_tok), Method::GET, "/api/v1/me", None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(s.api(Some(&mx), Method::POST, &format!("/api/v1/users/{id}/enable"), None).await.0, StatusCode::OK);
        let (st, body) = s.api(Some(&mx), Method::POST, &format!("/api/v1/users/{id}/reset"), None).await;
        assert_eq!(st, StatusCode::OK);
        assert!(body["temporary_password"].as_str().unwrap().len() >= 16);
        assert_eq!(s.api(Some(&luis_tok), Method::GET, "/api/v1/me", None).await.0, StatusCode::UNAUTHORIZED, "reset revokes tokens");
        // Lists are scoped: Mexico's admin sees only Mexican users.
        let (_, list) = s.api(Some(&mx), Method::GET, "/api/v1/users?per_page=200", None).await;
        assert!(list["items"].as_array().unwrap().iter().all(|u| u["country"] == "mx"));
        // The secretariat may not create an admin of a country that has one, lists admins
        // only, and reads no case.
        let (st, body) = s.api(Some(&st_), Method::POST, "/api/v1/users", Some(json!({"username": "admin2.pa", "display_name": "Admin PA", "role": "admin", "country": "pa"}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
        let (st, _) = s.api(Some(&st_), Method::POST, "/api/v1/users", Some(json!({"username": "of.pa", "display_name": "X", "role": "officer", "country": "pa"}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "the secretariat creates admins only");
        let (_, list) = s.api(Some(&st_), Method::GET, "/api/v1/users?per_page=200", None).await;
        assert!(list["items"].as_array().unwrap().iter().all(|u| u["role"] == "admin"));
        let (_, cases) = s.api(Some(&st_), Method::GET, "/api/v1/cases", None).await;
        assert_eq!(cases["total"], 0);
        // Only the secretariat edits countries.
        assert_eq!(s.api(Some(&mx), Method::PATCH, "/api/v1/countries/mx", Some(json!({"name_es": "X", "name_en": "X"}))).await.0, StatusCode::NOT_FOUND);
        assert_eq!(s.api(Some(&st_), Method::PATCH, "/api/v1/countries/mx", Some(json!({"name_es": "México", "name_en": "Mexico"}))).await.0, StatusCode::NO_CONTENT);
    })
    .await;
}

#[tokio::test]
async fn tokens_are_created_listed_and_revoked_and_audit_is_scoped() {
    each_engine(|s| async move {
        let off = s.token("officer.gt").await;
        let (st, body) = s
            .api(
                Some(&off),
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": "SINAM GT"})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
        let new_tok = body["token"].as_str().unwrap().to_string();
        let tid = body["id"].as_str().unwrap().to_string();
        let (_, me) = s.api(Some(&new_tok), Method::GET, "/api/v1/me", None).await;
        assert_eq!(me["username"], "officer.gt");
        let (_, list) = s.api(Some(&off), Method::GET, "/api/v1/tokens", None).await;
        assert!(list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "SINAM GT"));
        assert!(
            !list.to_string().contains(&new_tok),
            "tokens are never shown again"
        );
        // Another user cannot revoke it.
        let other = s.token("officer.mx").await;
        assert_eq!(
            s.api(
                Some(&other),
                Method::DELETE,
                &format!("/api/v1/tokens/{tid}"),
                None
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            s.api(
                Some(&off),
                Method::DELETE,
                &format!("/api/v1/tokens/{tid}"),
                None
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            s.api(Some(&new_tok), Method::GET, "/api/v1/me", None)
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );

        // A Guatemalan officer reads a Mexican case shared with all members: Mexico's admin
        // sees that read in its country's audit; Guatemala's admin does not.
        let mx_off = s.token("officer.mx").await;
        let (_, c) = s
            .api(
                Some(&mx_off),
                Method::POST,
                "/api/v1/cases",
                Some(json!({"title": "Auditada", "distribution": {"level": "members"}})),
            )
            .await;
        let id = c["id"].as_str().unwrap();
        assert_eq!(
            s.api(
                Some(&off),
                Method::GET,
                &format!("/api/v1/cases/{id}"),
                None
            )
            .await
            .0,
            StatusCode::OK
        );
        let mx_admin = s.token("admin.mx").await;
        let (st, a) = s
            .api(
                Some(&mx_admin),
                Method::GET,
                "/api/v1/audit?scope=country&per_page=200",
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        assert!(a["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "case.read"
                && e["actor_username"] == "officer.gt"
                && e["object_id"] == id));
        // Guatemala's admin sees what its own officer did (actions by its country)…
        let gt_admin = s.token("admin.gt").await;
        let (_, a) = s
            .api(
                Some(&gt_admin),
                Method::GET,
                "/api/v1/audit?scope=country&per_page=200",
                None,
            )
            .await;
        assert!(a["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["object_id"] != id || e["actor_country"] == "gt"));
        // …and a third country's admin nothing of it.
        let hn_admin = s.token("admin.hn").await;
        let (_, a) = s
            .api(
                Some(&hn_admin),
                Method::GET,
                "/api/v1/audit?scope=country&per_page=200",
                None,
            )
            .await;
        assert!(!a["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["object_id"] == id));
        // An officer reads their own actions, not their country's.
        let (_, mine) = s
            .api(Some(&off), Method::GET, "/api/v1/audit?per_page=200", None)
            .await;
        assert!(mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_username"] == "officer.gt"));
        assert_eq!(
            s.api(Some(&off), Method::GET, "/api/v1/audit?scope=country", None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        // Checkpoints for the admin to hold elsewhere, each with a valid signature.
        let (st, cps) = s
            .api(
                Some(&mx_admin),
                Method::GET,
                "/api/v1/audit/checkpoints",
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let cps: Vec<enlace_store::audit::Checkpoint> =
            serde_json::from_value(cps["checkpoints"].clone()).unwrap();
        assert!(!cps.is_empty() && cps.iter().all(|c| c.signature_valid()));
        match s.app.verify_audit(&cps).await.unwrap() {
            enlace_store::audit::Verdict::Intact { entries, .. } => assert!(entries > 30),
            v => panic!("{v:?}"),
        }
    })
    .await;
}

/// What list returns is always a subset of what get-by-id allows (and here, equal to it),
/// for random actors and records.
#[test]
fn list_is_a_subset_of_get_by_id() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let s = rt.block_on(sqlite_server(AppConfig::default()));
    let countries = [
        "bz", "ca", "cr", "do", "sv", "gt", "hn", "mx", "ni", "pa", "us",
    ];
    let roles = ["officer", "prosecutor", "analyst", "approver", "admin"];
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 24,
        ..Default::default()
    });
    let strategy = (
        proptest::collection::vec(
            (
                0usize..11,
                0usize..3,
                proptest::collection::vec(0usize..11, 1..3),
                0usize..3,
            ),
            1..4,
        ),
        0usize..11,
        0usize..6,
    );
    runner
        .run(&strategy, |(records, viewer_c, viewer_r)| {
            rt.block_on(async {
                for (owner, level, named, role) in &records {
                    let ctx = s
                        .ctx(&format!(
                            "{}.{}",
                            ["officer", "prosecutor", "analyst"][*role],
                            countries[*owner]
                        ))
                        .await;
                    let level = ["country", "countries", "members"][*level];
                    let named: Vec<String> =
                        named.iter().map(|i| countries[*i].to_string()).collect();
                    let input = enlace_domain::case::CaseInput {
                        title: "Prop".into(),
                        distribution: Some(enlace_domain::case::DistributionInput {
                            level: level.into(),
                            countries: named,
                        }),
                        ..Default::default()
                    };
                    // Named lists containing only the owner are invalid: that is fine here.
                    let _ = s.app.create_case(&ctx, &input).await;
                }
                let viewer = if viewer_r == 5 {
                    "secretariat".to_string()
                } else {
                    format!("{}.{}", roles[viewer_r], countries[viewer_c])
                };
                let ctx = s.ctx(&viewer).await;
                let (listed, total) = s
                    .app
                    .list_cases(&ctx, &Default::default(), 200, 0)
                    .await
                    .unwrap();
                prop_assert_eq!(total as usize, listed.len());
                for c in &listed {
                    prop_assert!(
                        s.app.get_case(&ctx, &c.id).await.is_ok(),
                        "listed but not gettable"
                    );
                }
                // And nothing gettable is missing from the list: check every case in the store
                // as seen by its owner.
                let owner_ctx_all = {
                    let mut all = vec![];
                    for cc in countries {
                        let o = s.ctx(&format!("officer.{cc}")).await;
                        let (mine, _) = s
                            .app
                            .list_cases(
                                &o,
                                &enlace_store::cases::CaseFilter {
                                    owner: enlace_domain::Country::parse(cc),
                                    ..Default::default()
                                },
                                200,
                                0,
                            )
                            .await
                            .unwrap();
                        all.extend(mine);
                    }
                    all
                };
                for c in owner_ctx_all {
                    let gettable = s.app.get_case(&ctx, &c.id).await.is_ok();
                    let in_list = listed.iter().any(|l| l.id == c.id);
                    prop_assert_eq!(
                        gettable,
                        in_list,
                        "get-by-id and list disagree on {}",
                        c.reference
                    );
                }
                Ok(())
            })
        })
        .unwrap();
}

#[tokio::test]
async fn a_user_changes_their_password_and_other_sessions_end() {
    let s = sqlite_server(AppConfig::default()).await;
    let (_, a, _) = s.browser_login("analyst.ni", PW).await;
    let (_, b, _) = s.browser_login("analyst.ni", PW).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    let csrf = csrf_of(&s.page(&a, "/account").await.text().await.unwrap());
    let new_pw = "una-clave-nueva-larga";
    // Mismatched confirmation and a short password are refused with a message.
    let res = s
        .post_form(
            &a,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PW),
                ("new_password", new_pw),
                ("confirm_password", "otra"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = s
        .post_form(
            &a,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PW),
                ("new_password", "corta"),
                ("confirm_password", "corta"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = s
        .post_form(
            &a,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", "mal"),
                ("new_password", new_pw),
                ("confirm_password", new_pw),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = s
        .post_form(
            &a,
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
        s.page(&a, "/").await.status(),
        StatusCode::OK,
        "this session goes on"
    );
    assert_eq!(
        s.page(&b, "/").await.status(),
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert_eq!(
        s.browser_login("analyst.ni", PW).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.browser_login("analyst.ni", new_pw).await.0,
        StatusCode::SEE_OTHER
    );
    // Logging out ends the session.
    let csrf = csrf_of(&s.page(&a, "/").await.text().await.unwrap());
    let res = s.post_form(&a, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(res.headers()["location"], "/login");
    assert_eq!(s.page(&a, "/").await.status(), StatusCode::SEE_OTHER);
}

/// The TOTP key shown on the enrolment page.
fn enrol_secret_of(html: &str) -> Vec<u8> {
    let text = html
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    crypto::base32_decode(&text).unwrap()
}

/// The recovery codes on the page shown after an enrolment.
fn recovery_codes_of(html: &str) -> Vec<String> {
    html.split("<li><code>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_string())
        .collect()
}

/// A new Honduran analyst who logged in and enrolled a second factor: their password, TOTP
/// key, full session and recovery codes.
async fn enrolled_user(s: &Server, username: &str) -> (String, Vec<u8>, String, Vec<String>) {
    let admin = s.token("admin.hn").await;
    let (st, body) = s
        .api(
            Some(&admin),
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": username, "display_name": "Ficticia", "role": "analyst"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let pw = body["temporary_password"].as_str().unwrap().to_string();
    let (_, cookie, loc) = s.browser_login(username, &pw).await;
    assert_eq!(loc, "/enrol");
    let cookie = cookie.unwrap();
    let html = s.page(&cookie, "/enrol").await.text().await.unwrap();
    assert!(
        !html.contains("name=\"current_password\""),
        "first enrolment asks only for the new code"
    );
    let secret = enrol_secret_of(&html);
    let code = crypto::totp_code(&secret, s.clock.now_secs() / 30);
    let res = s
        .post_form(
            &cookie,
            "/recovery-codes",
            &[("csrf", &csrf_of(&html)), ("code", &code)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let full = session_cookie(&res).unwrap();
    let codes = recovery_codes_of(&res.text().await.unwrap());
    assert_eq!(codes.len(), 10);
    (pw, secret, full, codes)
}

/// A full session alone cannot replace the second factor: the current password and a current
/// code (TOTP or recovery) are needed too, or the old key stays and the new one is dropped.
#[tokio::test]
async fn replacing_the_second_factor_needs_the_password_and_a_current_code() {
    let s = sqlite_server(AppConfig::default()).await;
    let (pw, old, full, recovery) = enrolled_user(&s, "rosa.hn").await;
    let stored = || async {
        let u = s.app.store.user_by_username("rosa.hn").await.unwrap();
        crypto::base32_decode(&u.unwrap().totp_secret.unwrap()).unwrap()
    };
    assert_eq!(stored().await, old);
    // Logs in with password and a code; true when the code was accepted.
    let login = |secret: Vec<u8>| {
        let (s, pw) = (&s, pw.clone());
        async move {
            let (_, c, loc) = s.browser_login("rosa.hn", &pw).await;
            assert_eq!(loc, "/login/totp");
            let c = c.unwrap();
            let csrf = csrf_of(&s.page(&c, "/login/totp").await.text().await.unwrap());
            let code = crypto::totp_code(&secret, s.clock.now_secs() / 30);
            let res = s
                .post_form(&c, "/login/totp", &[("csrf", &csrf), ("code", &code)])
                .await;
            (res.status() == StatusCode::SEE_OTHER).then(|| session_cookie(&res).unwrap())
        }
    };

    s.clock.advance_secs(30);
    let html = s.page(&full, "/enrol").await.text().await.unwrap();
    assert!(
        html.contains("name=\"current_password\"") && html.contains("name=\"current_code\""),
        "replacing asks for the password and a current code"
    );
    let csrf = csrf_of(&html);
    let new = enrol_secret_of(&html);
    let step = s.clock.now_secs() / 30;
    let (new_code, old_code) = (crypto::totp_code(&new, step), crypto::totp_code(&old, step));
    let attempts: [(&str, Vec<(&str, &str)>); 5] = [
        ("the session alone", vec![]),
        ("the password alone", vec![("current_password", &pw)]),
        ("a current code alone", vec![("current_code", &old_code)]),
        (
            "a wrong password",
            vec![
                ("current_password", "no-es-la-clave"),
                ("current_code", &old_code),
            ],
        ),
        (
            "the new key's code as the current one",
            vec![("current_password", &pw), ("current_code", &new_code)],
        ),
    ];
    for (what, extra) in attempts {
        let mut form = vec![("csrf", csrf.as_str()), ("code", new_code.as_str())];
        form.extend(extra);
        let res = s.post_form(&full, "/recovery-codes", &form).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert!(session_cookie(&res).is_none(), "{what}: no new session");
        assert!(
            recovery_codes_of(&res.text().await.unwrap()).is_empty(),
            "{what}: no recovery codes"
        );
        assert_eq!(stored().await, old, "{what}: the new key is not stored");
    }
    assert_eq!(s.page(&full, "/").await.status(), StatusCode::OK);
    // The old key still logs in; the new one does not.
    s.clock.advance_secs(30);
    assert!(
        login(new.clone()).await.is_none(),
        "the new key was not stored"
    );
    let other = login(old.clone()).await.expect("the old key still works");

    // With the password and a current code, the key is replaced and other sessions end.
    s.clock.advance_secs(30);
    let step = s.clock.now_secs() / 30;
    let res = s
        .post_form(
            &full,
            "/recovery-codes",
            &[
                ("csrf", &csrf),
                ("code", &crypto::totp_code(&new, step)),
                ("current_password", &pw),
                ("current_code", &crypto::totp_code(&old, step)),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut full = session_cookie(&res).expect("session rotated");
    let recovery2 = recovery_codes_of(&res.text().await.unwrap());
    assert_eq!(recovery2.len(), 10);
    assert_eq!(stored().await, new);
    assert_eq!(s.page(&full, "/").await.status(), StatusCode::OK);
    assert_eq!(
        s.page(&other, "/").await.status(),
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    s.clock.advance_secs(30);
    assert!(login(old.clone()).await.is_none(), "the old key is gone");
    assert!(login(new.clone()).await.is_some());

    // A recovery code stands for a current code; the old recovery codes went with the old key.
    s.clock.advance_secs(30);
    let html = s.page(&full, "/enrol").await.text().await.unwrap();
    let (csrf, newer) = (csrf_of(&html), enrol_secret_of(&html));
    let code = crypto::totp_code(&newer, s.clock.now_secs() / 30);
    for (rc, expected) in [
        (&recovery[0], StatusCode::UNAUTHORIZED),
        (&recovery2[0], StatusCode::OK),
    ] {
        let res = s
            .post_form(
                &full,
                "/recovery-codes",
                &[
                    ("csrf", &csrf),
                    ("code", &code),
                    ("current_password", &pw),
                    ("current_code", rc),
                ],
            )
            .await;
        assert_eq!(res.status(), expected);
        if expected == StatusCode::OK {
            full = session_cookie(&res).unwrap();
        }
    }
    assert_eq!(stored().await, newer);

    // Guessing is limited (10 failures per 15 minutes), apart from logging in.
    let html = s.page(&full, "/enrol").await.text().await.unwrap();
    let csrf = csrf_of(&html);
    let wrong = [
        ("csrf", csrf.as_str()),
        ("code", "000000"),
        ("current_password", "no-es-la-clave"),
        ("current_code", "000000"),
    ];
    for _ in 0..10 {
        let res = s.post_form(&full, "/recovery-codes", &wrong).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = s.post_form(&full, "/recovery-codes", &wrong).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    s.clock.advance_secs(30);
    assert!(
        login(newer.clone()).await.is_some(),
        "logging in is not blocked"
    );
}

/// A password change revokes every API token of the user and ends their other sessions, in
/// the same step and audited; the session that changed it goes on.
#[tokio::test]
async fn changing_the_password_revokes_api_tokens_and_other_sessions() {
    each_engine(|s| async move {
        let first = s.token("prosecutor.bz").await;
        let (st, body) = s
            .api(
                Some(&first),
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": "Sistema nacional BZ"})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
        let second = body["token"].as_str().unwrap().to_string();
        let (_, a, _) = s.browser_login("prosecutor.bz", PW).await;
        let (_, b, _) = s.browser_login("prosecutor.bz", PW).await;
        let (a, b) = (a.unwrap(), b.unwrap());
        for t in [&first, &second] {
            let (st, _) = s.api(Some(t), Method::GET, "/api/v1/me", None).await;
            assert_eq!(st, StatusCode::OK, "the token works before");
        }
        let csrf = csrf_of(&s.page(&a, "/account").await.text().await.unwrap());
        let new_pw = "otra-clave-bien-larga";
        let res = s
            .post_form(
                &a,
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
        for t in [&first, &second] {
            let (st, body) = s.api(Some(t), Method::GET, "/api/v1/me", None).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "the token is revoked: {body}");
            let (st, _) = s.api(Some(t), Method::GET, "/api/v1/cases", None).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(
            s.page(&a, "/").await.status(),
            StatusCode::OK,
            "this session goes on"
        );
        assert_eq!(
            s.page(&b, "/").await.status(),
            StatusCode::SEE_OTHER,
            "the other ended"
        );
        // The change is audited with what it ended; a token made afterwards works.
        let ctx = s.ctx("prosecutor.bz").await;
        let (mine, _) = s
            .app
            .audit_entries(
                &ctx,
                enlace_app::audit::AuditScope::Mine,
                &Default::default(),
                100,
                0,
            )
            .await
            .unwrap();
        let e = mine
            .iter()
            .find(|e| e.action == "password.change" && e.outcome == "ok")
            .expect("audited");
        let detail = e.detail.as_deref().unwrap_or("");
        assert!(
            detail.contains("other sessions ended=1") && detail.contains("api tokens revoked=2"),
            "{detail}"
        );
        let fresh = s.token("prosecutor.bz").await;
        assert_eq!(
            s.api(Some(&fresh), Method::GET, "/api/v1/me", None).await.0,
            StatusCode::OK
        );
    })
    .await;
}
