//! Helpers for test suites: fresh databases on each engine under test.
use sqlx::Executor;
use std::path::Path;

/// The engines to run a test suite on: always a fresh SQLite file in `dir`, and a fresh
/// PostgreSQL database when `ENLACE_TEST_DATABASE_URL` names a server (the test script starts
/// one).
pub async fn test_database_urls(dir: &Path) -> crate::Result<Vec<(&'static str, String)>> {
    let mut out = vec![(
        "sqlite",
        format!("sqlite://{}", dir.join("enlace.db").display()),
    )];
    if let Some(url) = std::env::var("ENLACE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        out.push(("postgres", fresh_postgres_database(&url).await?));
    }
    Ok(out)
}

/// Creates an empty database on the server of `admin_url` and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> crate::Result<String> {
    sqlx::any::install_default_drivers();
    let name = format!("enlace_test_{}", crate::new_id());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    Ok(format!("{base}/{name}{query}"))
}
