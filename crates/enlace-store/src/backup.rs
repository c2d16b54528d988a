//! Backup and restore: an online copy of the SQLite database, the integrity check of a copy
//! before it is restored, and the row counts a restore prints. These read every table
//! without the visibility predicate (`unrestricted_…`), which only backup/restore may do.
use crate::{Engine, Store, StoreError};
use sqlx::{Connection, Row};
use std::path::Path;

/// The key files the data folder holds; a backup never carries them.
pub const KEY_FILES: [&str; 3] = ["audit-signing.key", "secrets.key", "records.keys"];

/// The SQLite file header: the first 16 bytes of every database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// A SQLite path as a string literal (`VACUUM INTO` takes no bound parameters).
fn sql_literal(path: &Path) -> crate::Result<String> {
    let s = path
        .to_str()
        .ok_or_else(|| StoreError::Corrupt("backup path is not UTF-8".into()))?;
    Ok(format!("'{}'", s.replace('\'', "''")))
}

impl Store {
    /// Writes a consistent copy of the SQLite database to `path` (which must not exist) while
    /// the server keeps writing: `VACUUM INTO` runs in one read transaction on a pooled
    /// connection, so the copy holds everything committed before it started and the writer
    /// is not blocked. The copy is synced to disk before this returns.
    pub async fn unrestricted_backup_sqlite(&self, path: &Path) -> crate::Result<()> {
        if self.engine() != Engine::Sqlite {
            return Err(StoreError::UnsupportedScheme);
        }
        let sql = format!("VACUUM INTO {}", sql_literal(path)?);
        sqlx::query(&sql).execute(&self.pool).await?;
        let f = std::fs::File::open(path).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        f.sync_all()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(())
    }

    /// Every table of the platform with its number of rows, by name.
    pub async fn unrestricted_table_counts(&self) -> crate::Result<Vec<(String, i64)>> {
        let list = match self.engine() {
            Engine::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Engine::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 ORDER BY table_name"
            }
        };
        let names: Vec<String> = sqlx::query(list)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("name"))
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let q = format!(
                "SELECT COUNT(*) AS n FROM \"{}\"",
                name.replace('"', "\"\"")
            );
            let n: i64 = sqlx::query(&q).fetch_one(&self.pool).await?.try_get("n")?;
            out.push((name, n));
        }
        Ok(out)
    }
}

/// Checks that `path` is a SQLite database whose `PRAGMA integrity_check` answers `ok`,
/// opening it read-only (the file is not changed). Returns the problems found, if any.
pub async fn unrestricted_check_sqlite_file(path: &Path) -> crate::Result<Vec<String>> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut f = std::fs::File::open(path).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if f.read_exact(&mut header).is_err() || &header != SQLITE_HEADER {
        return Ok(vec!["not a SQLite database".into()]);
    }
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true);
    let mut conn = match sqlx::sqlite::SqliteConnection::connect_with(&opts).await {
        Ok(c) => c,
        Err(e) => return Ok(vec![format!("cannot open: {e}")]),
    };
    let rows = match sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
    {
        Ok(r) => r,
        Err(e) => return Ok(vec![format!("integrity check failed: {e}")]),
    };
    let _ = conn.close().await;
    let msgs: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .collect();
    if msgs.len() == 1 && msgs[0] == "ok" {
        Ok(vec![])
    } else if msgs.is_empty() {
        Ok(vec!["integrity check gave no answer".into()])
    } else {
        Ok(msgs)
    }
}

/// Whether the PostgreSQL database at `url` already holds tables in its current schema
/// (a restore needs an empty database). Connects without running migrations.
pub async fn unrestricted_postgres_has_tables(url: &str) -> crate::Result<bool> {
    let mut conn = sqlx::postgres::PgConnection::connect(url).await?;
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_one(&mut conn)
    .await?
    .try_get(0)?;
    let _ = conn.close().await;
    Ok(n > 0)
}
