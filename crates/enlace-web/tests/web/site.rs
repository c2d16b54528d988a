//! Site-wide pages: the language switch.
use crate::testkit::sqlite_server;
use enlace_app::AppConfig;
use reqwest::StatusCode;

/// `/lang?next=…` sends the browser back only to a path of this site: a `next` that a browser
/// would read as another host (`//evil`, `/\evil`, a tab or newline after the slash, which
/// browsers drop) or a full URL falls back to `/`, and a header injection goes nowhere.
#[tokio::test]
async fn the_language_switch_never_redirects_off_site() {
    let s = sqlite_server(AppConfig::default()).await;
    let location = |next: &'static str| {
        let s = &s;
        async move {
            let res = s
                .http
                .get(format!("{}/lang?set=en&next={next}", s.base))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "next={next}");
            assert!(
                res.headers().get_all("location").iter().count() == 1,
                "one Location header for next={next}"
            );
            res.headers()["location"].to_str().unwrap().to_string()
        }
    };
    for attack in [
        "//evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%0D/evil.example",
        "/%20/evil.example",
        "%2F%2Fevil.example",
        "/%2F%5Cevil.example",
        "https://evil.example",
        "https:%2F%2Fevil.example",
        "evil.example",
        "/%0d%0aLocation:x",
        "/cases%0d%0aSet-Cookie:x=1",
    ] {
        assert_eq!(location(attack).await, "/", "next={attack}");
    }
    assert_eq!(location("/cases?page=2").await, "/cases?page=2");
    assert_eq!(location("%2Fcases%3Fpage%3D2").await, "/cases?page=2");
    assert_eq!(
        location("/search?q=Jos%C3%A9").await,
        "/search?q=Jos%C3%A9",
        "a path with accents stays and is a valid header"
    );
}
