//! The directory of focal points. Each entry keeps its approved version (what other
//! countries see) and, while a change awaits the foreign-ministry approver, a draft.
use crate::db::{new_id, Store, Tx, Q};
use crate::StoreError;
use enlace_domain::Country;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DirectoryRow {
    pub id: String,
    pub country: Country,
    /// `pending` (a draft awaits approval) or `approved`.
    pub status: String,
    /// JSON of the approved version, if any.
    pub approved: Option<String>,
    /// JSON of the version awaiting approval, if any.
    pub draft: Option<String>,
    pub public: bool,
    pub confirmed_at: Option<i64>,
    pub approved_at: Option<i64>,
    pub updated_at: i64,
    /// Why the approver sent the last proposal back (`status` is `rejected` when the entry
    /// was never approved); cleared by the next proposal.
    pub rejected_reason: Option<String>,
}

const COLS: &str =
    "id, country, status, approved, draft, public, confirmed_at, approved_at, updated_at, rejected_reason";

fn from_row(r: &AnyRow) -> crate::Result<DirectoryRow> {
    let c: String = r.try_get("country")?;
    Ok(DirectoryRow {
        id: r.try_get("id")?,
        country: Country::parse(&c).ok_or_else(|| StoreError::Corrupt("country".into()))?,
        status: r.try_get("status")?,
        approved: r.try_get("approved")?,
        draft: r.try_get("draft")?,
        public: r.try_get::<i64, _>("public")? != 0,
        confirmed_at: r.try_get("confirmed_at")?,
        approved_at: r.try_get("approved_at")?,
        updated_at: r.try_get("updated_at")?,
        rejected_reason: r.try_get("rejected_reason")?,
    })
}

impl Tx {
    /// An entry as it is inside this transaction: what a change is laid over.
    pub async fn directory_entry(&mut self, id: &str) -> crate::Result<Option<DirectoryRow>> {
        self.fetch_optional(
            &Q::new(&format!(
                "SELECT {COLS} FROM directory_entries WHERE id = $1"
            ))
            .arg(id),
        )
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
    }

    pub async fn insert_directory_draft(
        &mut self,
        country: Country,
        draft: &str,
        public: bool,
        by: &str,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        self.execute(
            &Q::new("INSERT INTO directory_entries (id, country, status, approved, draft, public, confirmed_at, approved_by, approved_at, created_by, created_at, updated_at, stale_notified_at) VALUES ($1, $2, 'pending', NULL, $3, $4, NULL, NULL, NULL, $5, $6, $6, NULL)")
                .arg(&id)
                .arg(country)
                .arg(draft)
                .arg(public)
                .arg(by)
                .arg(now_ms),
        )
        .await?;
        Ok(id)
    }

    pub async fn set_directory_draft(
        &mut self,
        id: &str,
        draft: &str,
        public: bool,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE directory_entries SET draft = $1, public = $2, status = 'pending', rejected_reason = NULL, updated_at = $3 WHERE id = $4")
                .arg(draft)
                .arg(public)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    /// The draft becomes the approved version; approval also confirms the entry.
    pub async fn approve_directory(
        &mut self,
        id: &str,
        by: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE directory_entries SET approved = draft, draft = NULL, status = 'approved', approved_public = public, approved_by = $1, approved_at = $2, confirmed_at = $2, updated_at = $2, stale_notified_at = NULL WHERE id = $3 AND draft IS NOT NULL")
                .arg(by)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    /// The approver sends the draft back with a reason: a change to an approved entry is
    /// dropped (the approved version stays); a first proposal stays as the proposers wrote
    /// it, marked `rejected`, for them to correct.
    pub async fn reject_directory(
        &mut self,
        id: &str,
        reason: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE directory_entries SET draft = CASE WHEN approved IS NULL THEN draft ELSE NULL END, status = CASE WHEN approved IS NULL THEN 'rejected' ELSE 'approved' END, rejected_reason = $1, updated_at = $2 WHERE id = $3 AND draft IS NOT NULL AND status = 'pending'")
                .arg(reason)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    pub async fn confirm_directory(&mut self, id: &str, now_ms: i64) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE directory_entries SET confirmed_at = $1, stale_notified_at = NULL WHERE id = $2 AND approved IS NOT NULL")
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    pub async fn mark_directory_stale_notified(
        &mut self,
        id: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE directory_entries SET stale_notified_at = $1 WHERE id = $2")
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// Entries a user of `own` may see: all of their own country's, and other countries'
    /// approved ones (only their approved version is shown to them).
    pub async fn directory_for(
        &self,
        own: Option<Country>,
        country: Option<Country>,
    ) -> crate::Result<Vec<DirectoryRow>> {
        let mut q = Q::new(&format!(
            "SELECT {COLS} FROM directory_entries WHERE (approved IS NOT NULL"
        ));
        if let Some(c) = own {
            q.push(" OR country = ").bind(c);
        }
        q.push(")");
        if let Some(c) = country {
            q.push(" AND country = ").bind(c);
        }
        q.push(" ORDER BY country, updated_at DESC");
        self.fetch_all(&q).await?.iter().map(from_row).collect()
    }

    /// Approved entries whose approved version was marked public: the portal's directory
    /// (a pending change of the flag waits for approval like the rest).
    pub async fn directory_public(&self) -> crate::Result<Vec<DirectoryRow>> {
        self.fetch_all(&Q::new(&format!(
            "SELECT {COLS} FROM directory_entries WHERE approved IS NOT NULL AND approved_public = 1 ORDER BY country, approved_at DESC"
        )))
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    pub async fn directory_entry(&self, id: &str) -> crate::Result<Option<DirectoryRow>> {
        self.fetch_optional(
            &Q::new(&format!(
                "SELECT {COLS} FROM directory_entries WHERE id = $1"
            ))
            .arg(id),
        )
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
    }

    /// Approved entries not confirmed since `before` and not yet reminded.
    pub async fn directory_stale(&self, before: i64) -> crate::Result<Vec<DirectoryRow>> {
        self.fetch_all(
            &Q::new(&format!("SELECT {COLS} FROM directory_entries WHERE approved IS NOT NULL AND confirmed_at < $1 AND stale_notified_at IS NULL"))
                .arg(before),
        )
        .await?
        .iter()
        .map(from_row)
        .collect()
    }
}
