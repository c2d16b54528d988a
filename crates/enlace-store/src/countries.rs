//! Member countries as the secretariat maintains them.
use crate::db::{Store, Tx, Q};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
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
    pub async fn update_country(
        &mut self,
        code: &str,
        name_es: &str,
        name_en: &str,
        active: bool,
    ) -> crate::Result<bool> {
        let n = self
            .execute(
                &Q::new(
                    "UPDATE countries SET name_es = $1, name_en = $2, active = $3 WHERE code = $4",
                )
                .arg(name_es)
                .arg(name_en)
                .arg(active)
                .arg(code),
            )
            .await?;
        Ok(n == 1)
    }
}
