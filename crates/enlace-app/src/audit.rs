//! Reading the audit log: every user their own actions; a country admin every entry about
//! their country's records, whoever made it.
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::policy;
use enlace_store::audit::{AuditFilter, AuditOf, Checkpoint, Entry, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    Mine,
    Country,
}

/// What an audit entry may show a reader of another country than the record's: a hit of a
/// check names the record it hit only to the record's owner (to the asker and its country
/// the record is hidden; its id would date it and link the hits of different checks).
fn redact(mut e: Entry, viewer: Option<enlace_domain::Country>) -> Entry {
    let owner = e.object_country.as_deref();
    if e.action == "check.hit" && owner != viewer.map(|c| c.code()) {
        e.object_id = None;
    }
    e
}

impl App {
    /// The caller's own entries, or (a country admin) every entry by its country's users or
    /// on its country's records, narrowed by `filter`.
    pub async fn audit_entries(
        &self,
        ctx: &Ctx,
        scope: AuditScope,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> AppResult<(Vec<Entry>, i64)> {
        let limit = limit.clamp(1, 500);
        let offset = offset.max(0);
        let page = match scope {
            AuditScope::Mine => {
                self.store
                    .audit_entries(AuditOf::Actor(&ctx.actor.user_id), filter, limit, offset)
                    .await?
            }
            AuditScope::Country => {
                let c = policy::may_read_country_audit(&ctx.actor).ok_or(AppError::NotFound)?;
                self.store
                    .audit_entries(AuditOf::Country(c.code()), filter, limit, offset)
                    .await?
            }
        };
        let viewer = ctx.actor.country;
        let page = (
            page.0.into_iter().map(|e| redact(e, viewer)).collect(),
            page.1,
        );
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut e = ctx.entry("audit.read", "ok");
        e.detail = Some(format!("scope={scope:?}"));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// The signed checkpoints, for a country admin to hold outside the platform.
    pub async fn audit_checkpoints(&self, ctx: &Ctx) -> AppResult<Vec<Checkpoint>> {
        policy::may_read_country_audit(&ctx.actor).ok_or(AppError::NotFound)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.checkpoint_head(now).await?;
        tx.audit(now, ctx.entry("audit.checkpoints", "ok")).await?;
        tx.commit().await?;
        Ok(self.store.checkpoints().await?)
    }

    /// Writes a checkpoint of the current head (called periodically by the server).
    pub async fn checkpoint_audit(&self) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        tx.checkpoint_head(self.now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn verify_audit(&self, external: &[Checkpoint]) -> AppResult<Verdict> {
        Ok(self.store.unrestricted_verify_audit(external).await?)
    }
}
