//! Hit/no-hit checks as recorded: who asked, why, and opaque references to what was hit.
use crate::db::{Store, Tx, Q};
use sqlx::Row;

pub struct NewCheck<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub country: Option<&'a str>,
    pub purpose: &'a str,
    pub case_reference: &'a str,
    pub subject: &'a str,
    pub hits: i64,
}

impl Tx {
    /// How many checks a user ran since `since_ms`, read inside the write transaction that
    /// records the next one: concurrent checks queue on the write lock, so the count holds.
    pub async fn checks_since(&mut self, user_id: &str, since_ms: i64) -> crate::Result<i64> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT COUNT(*) AS n FROM checks WHERE user_id = $1 AND created_at > $2")
                    .arg(user_id)
                    .arg(since_ms),
            )
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64, _>("n"))
            .transpose()?
            .unwrap_or(0))
    }

    pub async fn insert_check(&mut self, c: &NewCheck<'_>, now_ms: i64) -> crate::Result<()> {
        // The subject is personal data: sealed at rest (opened by `check_of_reference`).
        let subject = self.seal_note(crate::records::NOTE_CHECK_SUBJECT, c.subject)?;
        self.execute(
            &Q::new("INSERT INTO checks (id, user_id, country, purpose, case_reference, subject, hits, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .arg(c.id)
                .arg(c.user_id)
                .arg(c.country)
                .arg(c.purpose)
                .arg(c.case_reference)
                .arg(subject)
                .arg(c.hits)
                .arg(now_ms),
        )
        .await?;
        Ok(())
    }

    pub async fn insert_check_hit(
        &mut self,
        reference: &str,
        check_id: &str,
        entity_id: &str,
        owner: &str,
        score_milli: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("INSERT INTO check_hits (reference, check_id, entity_id, owner_country, score_milli) VALUES ($1, $2, $3, $4, $5)")
                .arg(reference)
                .arg(check_id)
                .arg(entity_id)
                .arg(owner)
                .arg(score_milli),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// How many checks a user ran since `since_ms` (for the hourly limit; survives restarts).
    pub async fn checks_since(&self, user_id: &str, since_ms: i64) -> crate::Result<i64> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT COUNT(*) AS n FROM checks WHERE user_id = $1 AND created_at > $2")
                    .arg(user_id)
                    .arg(since_ms),
            )
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64, _>("n"))
            .transpose()?
            .unwrap_or(0))
    }
}
