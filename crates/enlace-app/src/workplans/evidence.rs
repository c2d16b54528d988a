//! Files attached to a progress report as evidence: a PDF, or a photo of a signed act or of
//! an activity (PNG, JPEG). The reporting country adds and removes them; everyone who reads
//! the report may download them, and that read reaches the country's audit.
use super::{ProgressView, MAX_EVIDENCE_FILES};
use crate::files::{self, Kind};
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::clock::format_utc;
use enlace_domain::policy;
use enlace_domain::validate::Invalid;
use enlace_domain::Country;
use enlace_store::workplans::{EvidenceFileRow, ProgressRow};
use serde::Serialize;
use sha2::Digest;

/// A file attached to a report, as listed (its bytes are downloaded apart).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceFile {
    pub id: String,
    pub name: String,
    /// `application/pdf`, `image/png` or `image/jpeg` (read from the bytes, not the name).
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: String,
    pub uploaded_by: String,
}

pub(super) fn file_view(f: EvidenceFileRow) -> EvidenceFile {
    EvidenceFile {
        id: f.id,
        name: f.name,
        content_type: f.content_type,
        size: f.size,
        uploaded_at: format_utc(f.uploaded_at),
        uploaded_by: f.uploaded_by_username,
    }
}

/// Puts each file under the report it belongs to.
pub(super) fn attach(items: &mut [ProgressView], files: Vec<EvidenceFileRow>) {
    for f in files {
        if let Some(p) = items.iter_mut().find(|p| p.id == f.progress_id) {
            p.files.push(file_view(f));
        }
    }
}

/// Which report a file call is about: the plan, the country, the action code and the period.
pub struct ReportKey<'a> {
    pub plan_id: &'a str,
    pub country: &'a str,
    pub action: &'a str,
    pub period: &'a str,
}

impl App {
    /// The report a file call names, or 404 (no such plan, action, country or report).
    async fn report_of(
        &self,
        tx: &mut enlace_store::Tx,
        key: &ReportKey<'_>,
    ) -> AppResult<(Country, ProgressRow)> {
        let plan = self.workplan_any(key.plan_id).await?;
        let (axis, act) = plan.doc.action(key.action).ok_or(AppError::NotFound)?;
        let code = format!("{}.{}", axis.number, act.number);
        let country = Country::parse(key.country).ok_or(AppError::NotFound)?;
        let row = tx
            .progress_of(&plan.id, country, &code, key.period)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((country, row))
    }

    fn file_entry(
        ctx: &Ctx,
        action: &str,
        country: Country,
        row: &ProgressRow,
        detail: String,
    ) -> enlace_store::audit::NewEntry {
        let mut e = ctx.entry(action, "ok");
        e.object_kind = Some("workplan_progress".into());
        e.object_id = Some(row.id.clone());
        e.object_country = Some(country.code().to_string());
        e.detail = Some(detail);
        e
    }

    /// Attaches a file to a country's report (that country's users; the report must exist).
    pub async fn add_evidence_file(
        &self,
        ctx: &Ctx,
        key: &ReportKey<'_>,
        name: &str,
        content: Vec<u8>,
    ) -> AppResult<EvidenceFile> {
        let mut errs = Invalid::default();
        let kind = files::check(
            &mut errs,
            "file",
            &content,
            &[Kind::Pdf, Kind::Png, Kind::Jpeg],
        );
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let (country, row) = self.report_of(&mut tx, key).await?;
        if !policy::may_report_progress(&ctx.actor, country) {
            return Err(AppError::Forbidden);
        }
        // Counted inside the write transaction, so concurrent uploads cannot pass the limit.
        if tx.evidence_file_count(&row.id).await? >= MAX_EVIDENCE_FILES {
            errs.push("file", "too_many_files");
        }
        errs.into_result()?;
        let kind = kind.ok_or_else(|| AppError::Invalid(Invalid::one("file", "bad_file_type")))?;
        let sha = hex::encode(sha2::Sha256::digest(&content));
        let f = EvidenceFileRow {
            id: enlace_store::new_id(),
            progress_id: row.id.clone(),
            name: files::download_name(name, "evidencia", kind),
            content_type: kind.mime().to_string(),
            size: content.len() as i64,
            sha256: sha.clone(),
            uploaded_by_username: ctx.actor.username.clone(),
            uploaded_at: now,
        };
        tx.add_evidence_file(&f, content).await?;
        let e = Self::file_entry(
            ctx,
            "workplan.evidence.add",
            country,
            &row,
            format!("file={} sha256={sha}", f.id),
        );
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(file_view(f))
    }

    /// One attached file with its bytes, for anyone who reads the plan's progress.
    pub async fn evidence_file(
        &self,
        ctx: &Ctx,
        key: &ReportKey<'_>,
        file_id: &str,
    ) -> AppResult<(EvidenceFile, Vec<u8>)> {
        if !policy::may_read_progress(&ctx.actor) {
            return Err(AppError::NotFound);
        }
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let (country, row) = self.report_of(&mut tx, key).await?;
        let (f, bytes) = tx
            .evidence_file(&row.id, file_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let e = Self::file_entry(
            ctx,
            "workplan.evidence.read",
            country,
            &row,
            format!("file={}", f.id),
        );
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok((file_view(f), bytes))
    }

    /// Removes an attached file (the reporting country's users).
    pub async fn delete_evidence_file(
        &self,
        ctx: &Ctx,
        key: &ReportKey<'_>,
        file_id: &str,
    ) -> AppResult<()> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let (country, row) = self.report_of(&mut tx, key).await?;
        if !policy::may_report_progress(&ctx.actor, country) {
            return Err(AppError::Forbidden);
        }
        if !tx.delete_evidence_file(&row.id, file_id).await? {
            return Err(AppError::NotFound);
        }
        let e = Self::file_entry(
            ctx,
            "workplan.evidence.remove",
            country,
            &row,
            format!("file={file_id}"),
        );
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(())
    }
}
