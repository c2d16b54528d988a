//! Review dates of case files (retention): which case files are due, confirming one for
//! another period, and deleting one with everything that hangs from it (its entities,
//! their search terms, links, shares and check hits). The audit log is never touched.
use crate::db::{Engine, Tx, Q};
use crate::StoreError;
use enlace_domain::Country;
use serde::Serialize;
use sqlx::Row;

/// A day in milliseconds.
const DAY_MS: i64 = 86_400_000;
/// A case file is reviewed three years (1,095 days) after its last change by default.
pub const REVIEW_PERIOD_MS: i64 = 3 * 365 * DAY_MS;
/// A sensitive case file (victims, minors): one year.
pub const SENSITIVE_REVIEW_PERIOD_MS: i64 = 365 * DAY_MS;

/// The review period of a case file.
pub fn review_period_ms(sensitive: bool) -> i64 {
    if sensitive {
        SENSITIVE_REVIEW_PERIOD_MS
    } else {
        REVIEW_PERIOD_MS
    }
}

/// A case file's review state.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseReview {
    pub case_id: String,
    pub reference: String,
    pub title: String,
    pub sensitive: bool,
    pub status: String,
    /// The last change of the case file or of any of its entities.
    pub last_change: i64,
    /// When it is due: the period after its last change, or the date its last review set.
    pub due_at: i64,
    pub reviewed_at: Option<i64>,
    pub review_reason: Option<String>,
}

/// The SQL of a case file's due date (alias `c`): the later of the period after its last
/// change (its own or an entity's) and the date a confirmation set.
fn due_sql(engine: Engine) -> String {
    let greatest = match engine {
        Engine::Sqlite => "MAX",
        Engine::Postgres => "GREATEST",
    };
    let period = format!(
        "(CASE WHEN c.sensitive <> 0 THEN {SENSITIVE_REVIEW_PERIOD_MS} ELSE {REVIEW_PERIOD_MS} END)"
    );
    format!(
        "{greatest}(COALESCE(c.review_at, 0), {last} + {period})",
        last = last_change_sql(engine)
    )
}

fn last_change_sql(engine: Engine) -> String {
    let greatest = match engine {
        Engine::Sqlite => "MAX",
        Engine::Postgres => "GREATEST",
    };
    format!(
        "{greatest}(c.updated_at, COALESCE((SELECT MAX(e.updated_at) FROM entities e WHERE e.case_id = c.id), 0))"
    )
}

fn review_from_row(r: &sqlx::any::AnyRow) -> crate::Result<CaseReview> {
    Ok(CaseReview {
        case_id: r.try_get("id")?,
        reference: r.try_get("reference")?,
        title: r.try_get("title")?,
        sensitive: r.try_get::<i64, _>("sensitive")? != 0,
        status: r.try_get("status")?,
        last_change: r.try_get("last_change")?,
        due_at: r.try_get("due_at")?,
        reviewed_at: r.try_get("reviewed_at")?,
        review_reason: r.try_get("review_reason")?,
    })
}

impl Tx {
    fn review_select(&self) -> String {
        format!(
            "SELECT * FROM (SELECT c.id, c.reference, c.title, c.sensitive, c.status, c.reviewed_at, c.review_reason, {} AS last_change, {} AS due_at FROM cases c WHERE c.owner_country = ",
            last_change_sql(self.engine),
            due_sql(self.engine)
        )
    }

    /// The owner's case files due for review at `now_ms`, earliest first, after the cursor
    /// `(due_at, id)`; one more than `limit` tells the caller there is a next page.
    pub async fn cases_due_for_review(
        &mut self,
        owner: Country,
        now_ms: i64,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> crate::Result<Vec<CaseReview>> {
        let mut q = Q::new(&self.review_select());
        q.bind(owner).push(") r WHERE r.due_at <= ").bind(now_ms);
        if let Some((due, id)) = after {
            q.push(" AND (r.due_at > ")
                .bind(due)
                .push(" OR (r.due_at = ")
                .bind(due)
                .push(" AND r.id > ")
                .bind(id)
                .push("))");
        }
        q.push(" ORDER BY r.due_at, r.id LIMIT ").bind(limit);
        self.fetch_all(&q)
            .await?
            .iter()
            .map(review_from_row)
            .collect()
    }

    /// One of the owner's case files' review state; None when it is not the owner's.
    pub async fn case_review(
        &mut self,
        owner: Country,
        id: &str,
    ) -> crate::Result<Option<CaseReview>> {
        let mut q = Q::new(&self.review_select());
        q.bind(owner).push(" AND c.id = ").bind(id).push(") r");
        self.fetch_optional(&q)
            .await?
            .as_ref()
            .map(review_from_row)
            .transpose()
    }

    /// Confirms a case file for another period: the next review is at `next_ms`.
    pub async fn confirm_review(
        &mut self,
        id: &str,
        reason: &str,
        next_ms: i64,
        now_ms: i64,
    ) -> crate::Result<()> {
        let n = self
            .execute(
                &Q::new("UPDATE cases SET review_at = $1, reviewed_at = $2, review_reason = $3 WHERE id = $4")
                    .arg(next_ms)
                    .arg(now_ms)
                    .arg(reason)
                    .arg(id),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Corrupt("case vanished".into()));
        }
        Ok(())
    }

    /// Deletes a case file and everything that hangs from it; returns its entities' ids
    /// (for the in-memory match index). The audit log keeps every row about them.
    pub async fn delete_case_for_retention(&mut self, id: &str) -> crate::Result<Vec<String>> {
        let rows = self
            .fetch_all(&Q::new("SELECT id FROM entities WHERE case_id = $1").arg(id))
            .await?;
        let entities = crate::db::row_ids(&rows)?;
        let mut records = entities.clone();
        records.push(id.to_string());
        for chunk in entities.chunks(500) {
            // On SQLite by the term index by entity (V22). On PostgreSQL, which has none
            // (V25), by primary key: each entity's terms are on its row.
            let mut q = Q::new(match self.engine {
                Engine::Sqlite => "DELETE FROM entity_terms WHERE entity_id IN (",
                Engine::Postgres => "DELETE FROM entity_terms t USING (SELECT x.id, unnest(x.search_terms) AS term FROM entities x WHERE x.id IN (",
            });
            in_list(&mut q, chunk);
            if self.engine == Engine::Postgres {
                q.push(") d WHERE t.term = d.term AND t.entity_id = d.id");
            }
            self.execute(&q).await?;
            for (table, cols) in [
                ("entity_refs", &["entity_id", "target_id"][..]),
                ("xref_decisions", &["entity_id", "candidate_id"][..]),
                ("request_shares", &["entity_id"][..]),
                ("check_hits", &["entity_id"][..]),
            ] {
                for col in cols {
                    let mut q = Q::new(&format!("DELETE FROM {table} WHERE {col} IN ("));
                    in_list(&mut q, chunk);
                    self.execute(&q).await?;
                }
            }
        }
        for chunk in records.chunks(500) {
            for table in ["record_countries", "record_shares", "alert_links"] {
                let mut q = Q::new(&format!("DELETE FROM {table} WHERE record_id IN ("));
                in_list(&mut q, chunk);
                self.execute(&q).await?;
            }
        }
        self.execute(&Q::new("DELETE FROM entities WHERE case_id = $1").arg(id))
            .await?;
        // Their terms go with them (cascade): the search sizes' table is out of date.
        self.sizes.wrote(crate::entities::PURGED);

        self.execute(&Q::new("DELETE FROM cases WHERE id = $1").arg(id))
            .await?;
        Ok(entities)
    }
}

fn in_list(q: &mut Q, ids: &[String]) {
    q.bind_list(ids.iter().map(String::as_str));
    q.push(")");
}
