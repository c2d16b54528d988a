//! Member countries as the secretariat maintains them.
use crate::db::{Store, Tx, Q};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CountryRow {
    pub code: String,
    pub name_es: String,
    pub name_en: String,
    pub active: bool,
    pub users: i64,
}

impl Store {
    pub async fn countries(&self) -> crate::Result<Vec<CountryRow>> {
        self.fetch_all(&Q::new(
            "SELECT c.code, c.name_es, c.name_en, c.active, (SELECT COUNT(*) FROM users u WHERE u.country = c.code) AS users FROM countries c ORDER BY c.code",
        ))
        .await?
        .iter()
        .map(|r| {
            Ok(CountryRow {
                code: r.try_get("code")?,
                name_es: r.try_get("name_es")?,
                name_en: r.try_get("name_en")?,
                active: r.try_get::<i64, _>("active")? != 0,
                users: r.try_get("users")?,
            })
        })
        .collect()
    }
}

impl Tx {
    /// Changes what is given and keeps the rest, in one statement (a concurrent change of
    /// another field is never overwritten with a stale value).
    pub async fn update_country(
        &mut self,
        code: &str,
        name_es: Option<&str>,
        name_en: Option<&str>,
        active: Option<bool>,
    ) -> crate::Result<bool> {
        let n = self
            .execute(
                &Q::new(
                    "UPDATE countries SET name_es = COALESCE($1, name_es), name_en = COALESCE($2, name_en), active = COALESCE($3, active) WHERE code = $4",
                )
                .arg(name_es)
                .arg(name_en)
                .arg(active.map(i64::from))
                .arg(code),
            )
            .await?;
        Ok(n == 1)
    }
}

/// A modus operandi term of the controlled vocabulary.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct MoTerm {
    pub code: String,
    pub label_es: String,
    pub label_en: String,
}

impl Store {
    pub async fn mo_vocabulary(&self) -> crate::Result<Vec<MoTerm>> {
        self.fetch_all(&Q::new(
            "SELECT code, label_es, label_en FROM mo_vocabulary ORDER BY code",
        ))
        .await?
        .iter()
        .map(|r| {
            Ok(MoTerm {
                code: r.try_get("code")?,
                label_es: r.try_get("label_es")?,
                label_en: r.try_get("label_en")?,
            })
        })
        .collect()
    }
}

impl Tx {
    /// Adds a term; false when the code exists already.
    pub async fn add_mo_term(
        &mut self,
        code: &str,
        es: &str,
        en: &str,
        now_ms: i64,
    ) -> crate::Result<bool> {
        let exists = self
            .fetch_optional(&Q::new("SELECT code FROM mo_vocabulary WHERE code = $1").arg(code))
            .await?
            .is_some();
        if exists {
            return Ok(false);
        }
        self.execute(
            &Q::new("INSERT INTO mo_vocabulary (code, label_es, label_en, created_at) VALUES ($1, $2, $3, $4)")
                .arg(code)
                .arg(es)
                .arg(en)
                .arg(now_ms),
        )
        .await?;
        Ok(true)
    }

    pub async fn mo_code_exists(&mut self, code: &str) -> crate::Result<bool> {
        Ok(self
            .fetch_optional(&Q::new("SELECT code FROM mo_vocabulary WHERE code = $1").arg(code))
            .await?
            .is_some())
    }
}
