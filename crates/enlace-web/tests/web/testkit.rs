//! Starts the whole application on port 0 with a fresh database (SQLite, and PostgreSQL when
//! ENLACE_TEST_DATABASE_URL is set), with a clock the tests move.
use enlace_app::{App, AppConfig, Ctx, Origin};
use enlace_domain::{Clock, TestClock};
use enlace_store::Store;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::Value;
use std::sync::Arc;

pub struct Server {
    pub engine: &'static str,
    pub base: String,
    pub app: App,
    pub clock: Arc<TestClock>,
    pub http: Client,
    _dir: Arc<tempfile::TempDir>,
}

/// Runs `f` once per engine under test, each with a fresh server seeded with demo data.
pub async fn each_engine<F, Fut>(f: F)
where
    F: Fn(Server) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let urls = enlace_store::testing::test_database_urls(dir.path())
        .await
        .unwrap();
    for (engine, url) in urls {
        eprintln!("--- engine: {engine}");
        let server = start(engine, &url, dir.clone(), AppConfig::default()).await;
        f(server).await;
    }
}

pub async fn sqlite_server(config: AppConfig) -> Server {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let url = format!("sqlite://{}", dir.path().join("enlace.db").display());
    start("sqlite", &url, dir, config).await
}

pub async fn start(
    engine: &'static str,
    url: &str,
    dir: Arc<tempfile::TempDir>,
    config: AppConfig,
) -> Server {
    start_with(engine, url, dir, config, None).await
}

/// Runs `f` once per engine with a server whose check index warms in the background and is
/// held before its swap until the test releases `hold` (the demo data is seeded meanwhile).
pub async fn each_engine_warming<F, Fut>(f: F)
where
    F: Fn(Server, Arc<enlace_app::checks::WarmHold>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let urls = enlace_store::testing::test_database_urls(dir.path())
        .await
        .unwrap();
    for (engine, url) in urls {
        eprintln!("--- engine: {engine}");
        let hold = Arc::new(enlace_app::checks::WarmHold::default());
        let server = start_with(
            engine,
            &url,
            dir.clone(),
            AppConfig::default(),
            Some(hold.clone()),
        )
        .await;
        f(server, hold).await;
    }
}

async fn start_with(
    engine: &'static str,
    url: &str,
    dir: Arc<tempfile::TempDir>,
    config: AppConfig,
    warming: Option<Arc<enlace_app::checks::WarmHold>>,
) -> Server {
    let store = Store::open(url, Some(dir.path())).await.unwrap();
    let clock = Arc::new(TestClock::default());
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let app = match warming {
        None => App::new(store, dyn_clock, config).await.unwrap(),
        Some(hold) => {
            let app = App::start(store, dyn_clock, config).await.unwrap();
            app.warm_check_index(Some(hold));
            app
        }
    };
    app.seed_demo().await.unwrap();
    let state = enlace_web::AppState {
        app: app.clone(),
        web: enlace_web::WebConfig::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(enlace_web::serve(state, listener, std::future::pending()));
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Server {
        engine,
        base: format!("http://{addr}"),
        app,
        clock,
        http,
        _dir: dir,
    }
}

impl Server {
    /// The data folder (database files on SQLite, and the key files on both engines).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub async fn ctx(&self, username: &str) -> Ctx {
        let u = self
            .app
            .store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        Ctx {
            actor: u.actor(),
            origin: Origin {
                request_id: "test".into(),
                client_addr: "127.0.0.1".into(),
                purpose: None,
            },
        }
    }

    /// An API token for a (demo) user.
    pub async fn token(&self, username: &str) -> String {
        let ctx = self.ctx(username).await;
        self.app.create_token(&ctx, "tests").await.unwrap().1
    }

    pub async fn api(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let res = rb.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    /// Logs a demo user in through the login form; returns the session cookie.
    pub async fn browser_login(
        &self,
        username: &str,
        password: &str,
    ) -> (StatusCode, Option<String>, String) {
        let res = self
            .http
            .post(format!("{}/login", self.base))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap();
        let status = res.status();
        let cookie = session_cookie(&res);
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, cookie, location)
    }

    pub async fn page(&self, cookie: &str, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("cookie", format!("__Host-enlace={cookie}"))
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form(&self, cookie: &str, path: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("cookie", format!("__Host-enlace={cookie}"))
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

pub fn session_cookie(res: &Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("__Host-enlace="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .filter(|v| !v.is_empty())
}

/// The CSRF token embedded in a page's forms.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let i = html.find(marker).expect("page has a csrf field") + marker.len();
    html[i..i + 64].to_string()
}
