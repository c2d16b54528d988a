//! Case files (expedientes): create, list, view, edit, close. Every read and change is
//! audited in the same transaction.
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::case::{CaseInput, CasePatch};
use enlace_domain::policy;
use enlace_domain::CaseDraft;
use enlace_domain::CaseStatus;
use enlace_store::cases::{Case, CaseFilter};
use enlace_store::Viewer;

fn case_entry(ctx: &Ctx, action: &str, case: &Case) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("case".into());
    e.object_id = Some(case.id.clone());
    e.object_country = Some(case.owner_country.code().to_string());
    e.case_reference = Some(case.reference.clone());
    e
}

impl App {
    pub async fn create_case(&self, ctx: &Ctx, input: &CaseInput) -> AppResult<Case> {
        let owner = match ctx.actor.intelligence_country() {
            Some(c) if policy::may_create_record(&ctx.actor) => c,
            _ => return Err(AppError::Forbidden),
        };
        let draft = input.validate(owner)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let case = tx
            .insert_case(owner, &draft, &ctx.actor.user_id, now)
            .await?;
        tx.audit(now, case_entry(ctx, "case.create", &case)).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// A case the caller may see. Hidden and missing answer the same; the read is audited
    /// either way (a miss without naming an owner).
    /// Whether the reader may open the case (for links to it: nothing of the case is
    /// returned, so nothing is audited).
    pub async fn case_visible(&self, ctx: &Ctx, id: &str) -> AppResult<bool> {
        let mut tx = self.store.read().await?;
        let found = tx
            .case_visible(&Viewer::of(&ctx.actor), id)
            .await?
            .is_some();
        tx.commit().await?;
        Ok(found)
    }

    pub async fn get_case(&self, ctx: &Ctx, id: &str) -> AppResult<Case> {
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let found = tx.case_visible(&Viewer::of(&ctx.actor), id).await?;
        match found {
            Some(case) => {
                let mut e = case_entry(ctx, "case.read", &case);
                if case.sensitive {
                    // Found first, so a hidden case still answers 404, never 422.
                    let Some(purpose) = ctx.origin.purpose.clone() else {
                        return Err(AppError::PurposeRequired);
                    };
                    e.purpose = Some(purpose);
                    e.detail = Some("sensitive".into());
                }
                tx.audit(now, e).await?;
                tx.commit().await?;
                Ok(case)
            }
            None => {
                let mut e = ctx.entry("case.read", "not_found");
                e.object_kind = Some("case".into());
                e.object_id = Some(id.chars().take(64).collect());
                tx.audit(now, e).await?;
                tx.commit().await?;
                Err(AppError::NotFound)
            }
        }
    }

    pub async fn list_cases(
        &self,
        ctx: &Ctx,
        filter: &CaseFilter,
        limit: i64,
        offset: i64,
    ) -> AppResult<(Vec<Case>, i64)> {
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let (cases, total) = tx
            .cases_visible(
                &Viewer::of(&ctx.actor),
                filter,
                limit.clamp(1, 200),
                offset.max(0),
            )
            .await?;
        let mut e = ctx.entry("case.list", "ok");
        e.object_kind = Some("case".into());
        e.detail = Some(format!(
            "returned={} total={total} text={}",
            cases.len(),
            filter.text.as_deref().unwrap_or("")
        ));
        tx.audit(now, e).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "case.list",
            "case",
            cases
                .iter()
                .map(|c| (c.id.clone(), c.owner_country, c.sensitive))
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok((cases, total))
    }

    /// Rewrites a case. Only the owner country's intelligence users may; `version` guards
    /// against overwriting someone else's change.
    /// Changes what the patch names; the rest keeps its value. A stale `version` is a 409.
    pub async fn update_case(
        &self,
        ctx: &Ctx,
        id: &str,
        patch: &CasePatch,
        version: Option<i64>,
    ) -> AppResult<Case> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let case = self.editable_case(&mut tx, ctx, id).await?;
        let current = CaseDraft {
            title: case.title.clone(),
            summary: case.summary.clone(),
            distribution: case.distribution.clone(),
            handling: case.handling,
            evaluation: case.evaluation,
            sensitive: case.sensitive,
        };
        let draft = patch.over(&current).validate(case.owner_country)?;
        tx.update_case(id, &draft, version.unwrap_or(case.version), now)
            .await?;
        let updated = tx
            .case_visible(&Viewer::of(&ctx.actor), id)
            .await?
            .ok_or(AppError::NotFound)?;
        // Entities take their case's sharing attributes.
        tx.sync_entities_with_case(&updated).await?;
        if updated.sensitive != case.sensitive {
            crate::sealing::reseal_case(&mut tx, &updated.id).await?;
        }
        tx.audit(now, case_entry(ctx, "case.update", &updated))
            .await?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn set_case_status(
        &self,
        ctx: &Ctx,
        id: &str,
        status: CaseStatus,
    ) -> AppResult<Case> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        // Closed or not: reopening is a change to a closed case.
        self.case_to_edit(&mut tx, ctx, id).await?;
        tx.set_case_status(id, status, now).await?;
        let updated = tx
            .case_visible(&Viewer::of(&ctx.actor), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let action = match status {
            CaseStatus::Closed => "case.close",
            CaseStatus::Open => "case.reopen",
        };
        tx.audit(now, case_entry(ctx, action, &updated)).await?;
        tx.commit().await?;
        Ok(updated)
    }
}
