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

/// Every value of every text column of every table, one per line (`table.column: value`): for tests that prove
/// something is stored nowhere in plain text (whatever the engine keeps it in).
pub async fn all_stored_text(store: &crate::Store) -> crate::Result<String> {
    use crate::db::Q;
    use sqlx::Row;
    let cols_sql = match store.engine() {
        crate::Engine::Sqlite => "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND upper(p.type) = 'TEXT'",
        crate::Engine::Postgres => "SELECT table_name::text AS t, column_name::text AS c, data_type = 'ARRAY' AS list FROM information_schema.columns WHERE table_schema = current_schema() AND (data_type = 'text' OR (data_type = 'ARRAY' AND udt_name = '_text'))",
    };
    let mut out = String::new();
    for r in store.fetch_all(&Q::new(cols_sql)).await? {
        let (t, c): (String, String) = (r.try_get("t")?, r.try_get("c")?);
        // A list of texts (PostgreSQL), one line per element.
        let col = match r.try_get::<bool, _>("list") {
            Ok(true) => format!("unnest(\"{c}\")"),
            _ => format!("\"{c}\""),
        };
        // Names come from the catalogue, quoted all the same.
        let q = Q::new(&format!("SELECT {col} AS v FROM \"{t}\""));
        for row in store.fetch_all(&q).await? {
            if let Ok(Some(v)) = row.try_get::<Option<String>, _>("v") {
                out.push_str(&format!("{t}.{c}: "));
                out.push_str(&v);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// The entities whose stored terms disagree: a term left in the term index for an entity
/// that is gone, or, on PostgreSQL, a row whose `search_terms` (V25) are not exactly its
/// terms in the term index. Empty when everything agrees.
pub async fn term_index_disagreements(store: &crate::Store) -> crate::Result<Vec<String>> {
    use crate::db::Q;
    use sqlx::Row;
    let q = match store.engine() {
        crate::Engine::Sqlite => "SELECT DISTINCT t.entity_id AS id FROM entity_terms t LEFT JOIN entities e ON e.id = t.entity_id WHERE e.id IS NULL",
        crate::Engine::Postgres => "SELECT COALESCE(e.id, t.entity_id) AS id FROM entities e FULL JOIN (SELECT entity_id, array_agg(term ORDER BY term) AS a FROM entity_terms GROUP BY entity_id) t ON t.entity_id = e.id WHERE e.id IS NULL OR COALESCE(ARRAY(SELECT x FROM unnest(e.search_terms) AS x ORDER BY x), '{}') IS DISTINCT FROM COALESCE(t.a, '{}')",
    };
    store
        .fetch_all(&Q::new(q))
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<String, _>("id")?))
        .collect()
}

/// Puts a PostgreSQL database back to the schema of V24 (before each entity's row carried
/// its terms, V25, and statement triggers replaced the entities' foreign keys, V26),
/// keeping its data, so that a test can open it again and watch those migrations upgrade
/// it. Nothing on SQLite.
pub async fn postgres_back_to_v24(store: &crate::Store) -> crate::Result<()> {
    if store.engine() != crate::Engine::Postgres {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    for stmt in [
        "DROP TRIGGER entities_named_insert ON entities",
        "DROP TRIGGER entities_named_update ON entities",
        "DROP TRIGGER cases_named_delete ON cases",
        "DROP TRIGGER cases_named_update ON cases",
        "DROP TRIGGER countries_named_delete ON countries",
        "DROP TRIGGER countries_named_update ON countries",
        "ALTER TABLE entities ADD CONSTRAINT entities_case_id_fkey FOREIGN KEY (case_id) REFERENCES cases(id)",
        "ALTER TABLE entities ADD CONSTRAINT entities_owner_country_fkey FOREIGN KEY (owner_country) REFERENCES countries(code)",
        "ALTER TABLE entities DROP COLUMN search_terms",
        "CREATE INDEX entity_terms_by_entity ON entity_terms(entity_id, term)",
        "DELETE FROM schema_migrations WHERE version >= 25",
    ] {
        tx.execute(&crate::db::Q::new(stmt)).await?;
    }
    tx.commit().await
}

/// Deletes the row of a case file and nothing else (what the platform never does while the
/// case holds entities: the database must refuse it).
pub async fn delete_case_row(store: &crate::Store, id: &str) -> crate::Result<()> {
    let mut tx = store.begin().await?;
    tx.execute(&crate::db::Q::new("DELETE FROM cases WHERE id = $1").arg(id))
        .await?;
    tx.commit().await
}

/// A PostgreSQL session setting as the store's connections see it (`SHOW name`), on the
/// pool and on the writer; nothing on SQLite.
pub async fn postgres_settings(store: &crate::Store, name: &str) -> crate::Result<Vec<String>> {
    use crate::db::Q;
    use sqlx::Row;
    if store.engine() != crate::Engine::Postgres {
        return Ok(vec![]);
    }
    let q = Q::new(&format!("SHOW {name}"));
    let mut out = vec![];
    let mut tx = store.read().await?;
    out.push(tx.fetch_one(&q).await?.try_get::<String, _>(0)?);
    tx.commit().await?;
    let mut tx = store.begin().await?;
    out.push(tx.fetch_one(&q).await?.try_get::<String, _>(0)?);
    tx.commit().await?;
    Ok(out)
}

/// For each word: the size of its range in the search sizes' table (None when the table
/// leaves the word out or is missing or out of date), and the same counted in the term index.
pub async fn term_table_sizes(
    store: &crate::Store,
    words: &[&str],
) -> crate::Result<Vec<(Option<i64>, i64)>> {
    let mut tx = store.read().await?;
    let mut out = vec![];
    for w in words {
        out.push((
            store.sizes.table_size(w),
            tx.term_range_size(w, i64::MAX).await?,
        ));
    }
    tx.commit().await?;
    Ok(out)
}
