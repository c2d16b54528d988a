//! Form bodies never crash the server: arbitrary urlencoded bodies (known field names with
//! messy values, unknown fields, broken encodings) posted with a valid session and CSRF
//! token to every kind of form answer a page, a redirect or a 4xx, never a 5xx.
//! `PROPTEST_CASES` sets the number of bodies (64 by default: each is one request per form).
use crate::testkit::*;
use enlace_app::AppConfig;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn body() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("title"),
        Just("summary"),
        Just("level"),
        Just("countries"),
        Just("handling"),
        Just("evaluation"),
        Just("sensitive"),
        Just("schema"),
        Just("name"),
        Just("birthDate"),
        Just("phone"),
        Just("reason"),
        Just("confirm"),
        Just("kind"),
        Just("urgency"),
        Just("recipients"),
        Just("body"),
        Just("to"),
        Just("purpose"),
        Just("case_reference"),
        Just("legal_basis"),
        Just("references"),
        Just("date"),
        Just("status"),
        Just("regime"),
        Just("nationality"),
        Just("destination"),
        Just("csv"),
        Just("file"),
        Just("answer"),
        Just("citation"),
        Just("password"),
        Just("decision"),
        Just("version"),
        Just("page"),
        Just("x"),
        Just(""),
    ];
    let value = prop_oneof![
        ".{0,40}",
        "[0-9-]{0,12}",
        Just("members".to_string()),
        Just("gt".to_string()),
        Just("on".to_string()),
        Just("Person".to_string()),
        Just("\u{0}\u{7f}\u{200f}".to_string()),
        "[a-z]{0,5000}",
    ];
    prop_oneof![
        proptest::collection::vec((key, value), 0..8)
            .prop_map(|pairs| { serde_urlencoded::to_string(pairs).unwrap_or_default() }),
        // Not urlencoded at all: stray percent signs, bare keys, binary.
        "[%=&a-z0-9\\x00-\\x1f]{0,80}",
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_form_bodies_never_get_a_server_error() {
    let s = sqlite_server(AppConfig::default()).await;
    let mx = s.token("officer.mx").await;
    let (_, c) = s
        .api(
            Some(&mx),
            Method::POST,
            "/api/v1/cases",
            Some(json!({"title": "Caso para formularios", "distribution": {"level": "members"}})),
        )
        .await;
    let case = c["id"].as_str().unwrap().to_string();
    let (_, cookie, _) = s.browser_login("officer.mx", "enlace-demo").await;
    let cookie = cookie.unwrap();
    let html = s.page(&cookie, "/").await.text().await.unwrap();
    let csrf = csrf_of(&html);
    let forms: Vec<String> = [
        "/cases",
        "/alerts",
        "/checks",
        "/requests",
        "/directory",
        "/documents",
        "/meetings",
        "/agreements",
        "/portal-admin",
        "/workplans",
        "/visas/import",
        "/visas/mx",
        "/visas/mx/ht",
        "/legislation/mx/q1",
        "/admin/modus-operandi",
        "/account/password",
        "/account/tokens",
    ]
    .iter()
    .map(|p| p.to_string())
    .chain([
        format!("/cases/{case}"),
        format!("/cases/{case}/status"),
        format!("/cases/{case}/entities"),
        format!("/cases/{case}/import"),
        format!("/reviews/{case}/confirm"),
        format!("/reviews/{case}/delete"),
    ])
    .collect();
    let config = Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let rt = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        runner.run(&body(), |b| {
            for path in &forms {
                let full = format!("csrf={csrf}&{b}");
                let res = rt.block_on(
                    s.http
                        .post(format!("{}{path}", s.base))
                        .header("cookie", format!("__Host-enlace={cookie}"))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(full)
                        .send(),
                );
                let st = res
                    .map(|r| r.status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                prop_assert!(st.as_u16() < 500, "{path} answered {st} to {b:?}");
            }
            Ok(())
        })
    });
    result.unwrap();
}
