//! Work plans and each country's progress on their actions. A plan is stored as its JSON
//! document (what an import gave and an export gives back); progress rows are keyed by plan,
//! country, action code (`2.3`) and period, and every change is kept in the history.
use crate::db::{new_id, Store, Tx, Q};
use crate::StoreError;
use enlace_domain::Country;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub id: String,
    /// `2018` or `2003` for the plans that ship with the product; `None` for imports.
    pub builtin: Option<String>,
    pub year: i64,
    pub title_es: String,
    pub title_en: String,
    pub document: String,
    pub created_at: i64,
}

const PLAN_COLS: &str = "id, builtin, year, title_es, title_en, document, created_at";

fn plan_row(r: &AnyRow) -> crate::Result<PlanRow> {
    Ok(PlanRow {
        id: r.try_get("id")?,
        builtin: r.try_get("builtin")?,
        year: r.try_get("year")?,
        title_es: r.try_get("title_es")?,
        title_en: r.try_get("title_en")?,
        document: r.try_get("document")?,
        created_at: r.try_get("created_at")?,
    })
}

/// One country's progress on one action in one period (the latest revision).
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressRow {
    pub id: String,
    pub plan_id: String,
    pub country: Country,
    pub action: String,
    pub period: String,
    pub status: String,
    pub evidence: String,
    pub link: Option<String>,
    pub evidence_date: Option<String>,
    pub revision: i64,
    pub updated_by_username: String,
    pub updated_at: i64,
}

const PROGRESS_COLS: &str = "id, plan_id, country, action, period, status, evidence, link, evidence_date, revision, updated_by_username, updated_at";

fn progress_row(r: &AnyRow) -> crate::Result<ProgressRow> {
    let c: String = r.try_get("country")?;
    Ok(ProgressRow {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        country: Country::parse(&c).ok_or_else(|| StoreError::Corrupt("country".into()))?,
        action: r.try_get("action")?,
        period: r.try_get("period")?,
        status: r.try_get("status")?,
        evidence: r.try_get("evidence")?,
        link: r.try_get("link")?,
        evidence_date: r.try_get("evidence_date")?,
        revision: r.try_get("revision")?,
        updated_by_username: r.try_get("updated_by_username")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// One earlier (or the current) state of a progress row.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub revision: i64,
    pub status: String,
    pub evidence: String,
    pub link: Option<String>,
    pub evidence_date: Option<String>,
    pub updated_by_username: String,
    pub updated_at: i64,
}

/// What a progress change writes.
#[derive(Debug, Clone)]
pub struct ProgressChange<'a> {
    pub plan_id: &'a str,
    pub country: Country,
    pub action: &'a str,
    pub period: &'a str,
    pub status: &'a str,
    pub evidence: &'a str,
    pub link: Option<&'a str>,
    pub evidence_date: Option<&'a str>,
    pub user_id: &'a str,
    pub username: &'a str,
}

impl Tx {
    pub async fn workplan_builtin_exists(&mut self, key: &str) -> crate::Result<bool> {
        Ok(self
            .fetch_optional(&Q::new("SELECT id FROM workplans WHERE builtin = $1").arg(key))
            .await?
            .is_some())
    }

    /// A plan with this year and Spanish title, if one is stored (imports are refused twice).
    pub async fn workplan_titled(&mut self, year: i64, title_es: &str) -> crate::Result<bool> {
        Ok(self
            .fetch_optional(
                &Q::new("SELECT id FROM workplans WHERE year = $1 AND title_es = $2")
                    .arg(year)
                    .arg(title_es),
            )
            .await?
            .is_some())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_workplan(
        &mut self,
        builtin: Option<&str>,
        year: i64,
        title_es: &str,
        title_en: &str,
        document: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        self.execute(
            &Q::new("INSERT INTO workplans (id, builtin, year, title_es, title_en, document, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .arg(&id)
                .arg(builtin)
                .arg(year)
                .arg(title_es)
                .arg(title_en)
                .arg(document)
                .arg(by)
                .arg(now_ms),
        )
        .await?;
        Ok(id)
    }

    /// Writes the new state of a progress row (a new revision) and keeps it in the history.
    pub async fn put_progress(
        &mut self,
        c: &ProgressChange<'_>,
        now_ms: i64,
    ) -> crate::Result<ProgressRow> {
        let current = self
            .fetch_optional(
                &Q::new(&format!("SELECT {PROGRESS_COLS} FROM workplan_progress WHERE plan_id = $1 AND country = $2 AND action = $3 AND period = $4"))
                    .arg(c.plan_id)
                    .arg(c.country)
                    .arg(c.action)
                    .arg(c.period),
            )
            .await?
            .as_ref()
            .map(progress_row)
            .transpose()?;
        let (id, revision) = match current {
            Some(row) => {
                let revision = row.revision + 1;
                self.execute(
                    &Q::new("UPDATE workplan_progress SET status = $1, evidence = $2, link = $3, evidence_date = $4, revision = $5, updated_by = $6, updated_by_username = $7, updated_at = $8 WHERE id = $9")
                        .arg(c.status)
                        .arg(c.evidence)
                        .arg(c.link)
                        .arg(c.evidence_date)
                        .arg(revision)
                        .arg(c.user_id)
                        .arg(c.username)
                        .arg(now_ms)
                        .arg(&row.id),
                )
                .await?;
                (row.id, revision)
            }
            None => {
                let id = new_id();
                self.execute(
                    &Q::new("INSERT INTO workplan_progress (id, plan_id, country, action, period, status, evidence, link, evidence_date, revision, updated_by, updated_by_username, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $12)")
                        .arg(&id)
                        .arg(c.plan_id)
                        .arg(c.country)
                        .arg(c.action)
                        .arg(c.period)
                        .arg(c.status)
                        .arg(c.evidence)
                        .arg(c.link)
                        .arg(c.evidence_date)
                        .arg(c.user_id)
                        .arg(c.username)
                        .arg(now_ms),
                )
                .await?;
                (id, 1)
            }
        };
        self.execute(
            &Q::new("INSERT INTO workplan_progress_history (progress_id, revision, status, evidence, link, evidence_date, updated_by, updated_by_username, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .arg(&id)
                .arg(revision)
                .arg(c.status)
                .arg(c.evidence)
                .arg(c.link)
                .arg(c.evidence_date)
                .arg(c.user_id)
                .arg(c.username)
                .arg(now_ms),
        )
        .await?;
        Ok(ProgressRow {
            id,
            plan_id: c.plan_id.to_string(),
            country: c.country,
            action: c.action.to_string(),
            period: c.period.to_string(),
            status: c.status.to_string(),
            evidence: c.evidence.to_string(),
            link: c.link.map(str::to_string),
            evidence_date: c.evidence_date.map(str::to_string),
            revision,
            updated_by_username: c.username.to_string(),
            updated_at: now_ms,
        })
    }
}

impl Store {
    /// Every plan, the shipped ones first, then imports oldest first.
    pub async fn workplans(&self) -> crate::Result<Vec<PlanRow>> {
        self.fetch_all(&Q::new(&format!(
            "SELECT {PLAN_COLS} FROM workplans ORDER BY CASE WHEN builtin IS NULL THEN 1 ELSE 0 END, year DESC, created_at, id"
        )))
        .await?
        .iter()
        .map(plan_row)
        .collect()
    }

    pub async fn workplan(&self, id: &str) -> crate::Result<Option<PlanRow>> {
        self.fetch_optional(
            &Q::new(&format!("SELECT {PLAN_COLS} FROM workplans WHERE id = $1")).arg(id),
        )
        .await?
        .as_ref()
        .map(plan_row)
        .transpose()
    }

    /// The progress rows of a plan in a period, optionally of one country.
    pub async fn workplan_progress(
        &self,
        plan_id: &str,
        period: &str,
        country: Option<Country>,
    ) -> crate::Result<Vec<ProgressRow>> {
        let mut q = Q::new(&format!(
            "SELECT {PROGRESS_COLS} FROM workplan_progress WHERE plan_id = "
        ));
        q.bind(plan_id).push(" AND period = ").bind(period);
        if let Some(c) = country {
            q.push(" AND country = ").bind(c);
        }
        q.push(" ORDER BY country, action");
        self.fetch_all(&q).await?.iter().map(progress_row).collect()
    }

    /// The revisions of one progress row, newest first.
    pub async fn workplan_progress_history(
        &self,
        plan_id: &str,
        country: Country,
        action: &str,
        period: &str,
    ) -> crate::Result<Vec<HistoryRow>> {
        self.fetch_all(
            &Q::new("SELECT h.revision, h.status, h.evidence, h.link, h.evidence_date, h.updated_by_username, h.updated_at FROM workplan_progress_history h JOIN workplan_progress p ON p.id = h.progress_id WHERE p.plan_id = $1 AND p.country = $2 AND p.action = $3 AND p.period = $4 ORDER BY h.revision DESC")
                .arg(plan_id)
                .arg(country)
                .arg(action)
                .arg(period),
        )
        .await?
        .iter()
        .map(|r| {
            Ok(HistoryRow {
                revision: r.try_get("revision")?,
                status: r.try_get("status")?,
                evidence: r.try_get("evidence")?,
                link: r.try_get("link")?,
                evidence_date: r.try_get("evidence_date")?,
                updated_by_username: r.try_get("updated_by_username")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect()
    }
}

/// A file attached to a progress report as evidence (its bytes are read apart).
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceFileRow {
    pub id: String,
    pub progress_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by_username: String,
    pub uploaded_at: i64,
}

const FILE_COLS: &str =
    "f.id, f.progress_id, f.name, f.content_type, f.size, f.sha256, f.uploaded_by_username, f.uploaded_at";

fn file_row(r: &AnyRow) -> crate::Result<EvidenceFileRow> {
    Ok(EvidenceFileRow {
        id: r.try_get("id")?,
        progress_id: r.try_get("progress_id")?,
        name: r.try_get("name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        uploaded_by_username: r.try_get("uploaded_by_username")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

impl Tx {
    /// The current state of one country's report on one action in one period.
    pub async fn progress_of(
        &mut self,
        plan_id: &str,
        country: Country,
        action: &str,
        period: &str,
    ) -> crate::Result<Option<ProgressRow>> {
        self.fetch_optional(
            &Q::new(&format!("SELECT {PROGRESS_COLS} FROM workplan_progress WHERE plan_id = $1 AND country = $2 AND action = $3 AND period = $4"))
                .arg(plan_id)
                .arg(country)
                .arg(action)
                .arg(period),
        )
        .await?
        .as_ref()
        .map(progress_row)
        .transpose()
    }

    /// The files attached to one report (without their bytes), oldest first.
    pub async fn evidence_files_of(
        &mut self,
        progress_id: &str,
    ) -> crate::Result<Vec<EvidenceFileRow>> {
        self.fetch_all(
            &Q::new(&format!("SELECT {FILE_COLS} FROM workplan_evidence_files f WHERE f.progress_id = $1 ORDER BY f.uploaded_at, f.id"))
                .arg(progress_id),
        )
        .await?
        .iter()
        .map(file_row)
        .collect()
    }

    pub async fn evidence_file_count(&mut self, progress_id: &str) -> crate::Result<i64> {
        let r = self
            .fetch_one(
                &Q::new("SELECT COUNT(*) AS n FROM workplan_evidence_files WHERE progress_id = $1")
                    .arg(progress_id),
            )
            .await?;
        Ok(r.try_get("n")?)
    }

    pub async fn add_evidence_file(
        &mut self,
        f: &EvidenceFileRow,
        content: Vec<u8>,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("INSERT INTO workplan_evidence_files (id, progress_id, name, content_type, size, sha256, uploaded_by_username, uploaded_at, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .arg(&f.id)
                .arg(&f.progress_id)
                .arg(&f.name)
                .arg(&f.content_type)
                .arg(f.size)
                .arg(&f.sha256)
                .arg(&f.uploaded_by_username)
                .arg(f.uploaded_at)
                .arg(content),
        )
        .await?;
        Ok(())
    }

    /// One attached file with its bytes, only under the report it belongs to.
    pub async fn evidence_file(
        &mut self,
        progress_id: &str,
        file_id: &str,
    ) -> crate::Result<Option<(EvidenceFileRow, Vec<u8>)>> {
        match self
            .fetch_optional(
                &Q::new(&format!("SELECT {FILE_COLS}, f.content FROM workplan_evidence_files f WHERE f.progress_id = $1 AND f.id = $2"))
                    .arg(progress_id)
                    .arg(file_id),
            )
            .await?
        {
            Some(r) => Ok(Some((file_row(&r)?, r.try_get("content")?))),
            None => Ok(None),
        }
    }

    /// Removes one attached file; false when there was none.
    pub async fn delete_evidence_file(
        &mut self,
        progress_id: &str,
        file_id: &str,
    ) -> crate::Result<bool> {
        let n = self
            .execute(
                &Q::new("DELETE FROM workplan_evidence_files WHERE progress_id = $1 AND id = $2")
                    .arg(progress_id)
                    .arg(file_id),
            )
            .await?;
        Ok(n > 0)
    }
}

impl Store {
    /// The files attached to the reports of a plan in a period (without their bytes).
    pub async fn evidence_files(
        &self,
        plan_id: &str,
        period: &str,
    ) -> crate::Result<Vec<EvidenceFileRow>> {
        self.fetch_all(
            &Q::new(&format!("SELECT {FILE_COLS} FROM workplan_evidence_files f JOIN workplan_progress p ON p.id = f.progress_id WHERE p.plan_id = $1 AND p.period = $2 ORDER BY f.uploaded_at, f.id"))
                .arg(plan_id)
                .arg(period),
        )
        .await?
        .iter()
        .map(file_row)
        .collect()
    }
}
