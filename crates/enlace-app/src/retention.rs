//! Retention: every case file has a review date (three years after its last change, one
//! year for a sensitive one). The owner country's intelligence users see the case files
//! due, and confirm one with a reason (a new review date) or delete it with everything it
//! holds: entities, search terms, links and its place in the match index. The audit log
//! keeps every row about it, and both decisions are audited.
use crate::{App, AppError, AppResult, Ctx, Origin};
use enlace_domain::{policy, validate, Actor, Country, Invalid};
use enlace_store::retention::{review_period_ms, CaseReview};

/// The most a due list answers at once.
pub const REVIEW_PAGE_MAX: i64 = 200;

/// The owner country whose review queue `actor` works, or Forbidden.
fn reviewer_country(actor: &Actor) -> AppResult<Country> {
    policy::may_review_cases(actor).ok_or(AppError::Forbidden)
}

/// A reason, required, at most 2,000 characters.
pub fn review_reason(reason: &str) -> Result<String, Invalid> {
    let mut errs = Invalid::default();
    let r = validate::text(&mut errs, "reason", reason, true, 2000);
    errs.into_result().map(|_| r)
}

fn review_entry(
    ctx: &Ctx,
    action: &str,
    r: &CaseReview,
    owner: Country,
) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("case".into());
    e.object_id = Some(r.case_id.clone());
    e.object_country = Some(owner.code().to_string());
    e.case_reference = Some(r.reference.clone());
    e
}

/// `due_id` cursors: the last item's due date (ms) and id.
fn parse_cursor(c: &str) -> Option<(i64, String)> {
    let (due, id) = c.split_once('_')?;
    let due: i64 = due.parse().ok()?;
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| (due, id.to_string()))
}

impl App {
    /// The case files of the actor's country due for review now, earliest first (the
    /// first 50: for the home work queue). Audited as a read.
    pub async fn cases_due_for_review(&self, actor: &Actor) -> AppResult<Vec<CaseReview>> {
        let ctx = Ctx {
            actor: actor.clone(),
            origin: Origin::default(),
        };
        Ok(self.review_due(&ctx, None, 50).await?.0)
    }

    /// One page of the due list and the cursor of the next.
    pub async fn review_due(
        &self,
        ctx: &Ctx,
        cursor: Option<&str>,
        limit: i64,
    ) -> AppResult<(Vec<CaseReview>, Option<String>)> {
        let owner = reviewer_country(&ctx.actor)?;
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(parse_cursor(c).ok_or_else(|| Invalid::one("cursor", "bad_cursor"))?),
        };
        let limit = limit.clamp(1, REVIEW_PAGE_MAX);
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut items = tx
            .cases_due_for_review(
                owner,
                now,
                after.as_ref().map(|(d, i)| (*d, i.as_str())),
                limit + 1,
            )
            .await?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|r| format!("{}_{}", r.due_at, r.case_id))
        } else {
            None
        };
        let mut e = ctx.entry("retention.due", "ok");
        e.object_country = Some(owner.code().to_string());
        e.detail = Some(format!("returned={}", items.len()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok((items, next))
    }

    /// A case file's review state, for its owner country only (404 for anyone else).
    pub async fn case_review(&self, ctx: &Ctx, id: &str) -> AppResult<CaseReview> {
        let owner = reviewer_country(&ctx.actor)?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let Some(r) = tx.case_review(owner, id).await? else {
            let mut e = ctx.entry("retention.read", "not_found");
            e.object_kind = Some("case".into());
            e.object_id = Some(id.chars().take(64).collect());
            tx.audit(now, e).await?;
            tx.commit().await?;
            return Err(AppError::NotFound);
        };
        tx.audit(now, review_entry(ctx, "retention.read", &r, owner))
            .await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Keeps a due case file for another period; the reason goes to the audit log.
    pub async fn confirm_review(&self, ctx: &Ctx, id: &str, reason: &str) -> AppResult<CaseReview> {
        let owner = reviewer_country(&ctx.actor)?;
        let reason = review_reason(reason)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let r = tx.case_review(owner, id).await?.ok_or(AppError::NotFound)?;
        if r.due_at > now {
            return Err(AppError::Conflict("review_not_due"));
        }
        tx.confirm_review(id, &reason, now + review_period_ms(r.sensitive), now)
            .await?;
        let after = tx.case_review(owner, id).await?.ok_or(AppError::NotFound)?;
        let mut e = review_entry(ctx, "retention.confirm", &after, owner);
        e.detail = Some(reason.chars().take(2000).collect());
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a due case file and everything in it (after the user confirmed); the
    /// audit log keeps its history and records the deletion with its reason.
    pub async fn delete_reviewed_case(
        &self,
        ctx: &Ctx,
        id: &str,
        reason: &str,
        confirmed: bool,
    ) -> AppResult<()> {
        let owner = reviewer_country(&ctx.actor)?;
        let mut errs = Invalid::default();
        let reason = validate::text(&mut errs, "reason", reason, true, 2000);
        if !confirmed {
            errs.push("confirm", "required");
        }
        errs.into_result()?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let r = tx.case_review(owner, id).await?.ok_or(AppError::NotFound)?;
        if r.due_at > now {
            return Err(AppError::Conflict("review_not_due"));
        }
        let entities = tx.delete_case_for_retention(id).await?;
        let mut e = review_entry(ctx, "retention.delete", &r, owner);
        e.detail = Some(format!(
            "entities={}; {}",
            entities.len(),
            reason.chars().take(2000).collect::<String>()
        ));
        tx.audit(now, e).await?;
        tx.commit().await?;
        // Only once the deletion is durable: the match index forgets them.
        self.unindex_entities(&entities);
        Ok(())
    }

    /// Demo: one fictional case file per country whose last change was four years ago, so
    /// the review queue has something to show.
    pub(crate) async fn seed_demo_retention(&self) -> AppResult<()> {
        let now = self.now_ms();
        let then = now - 4 * 365 * 86_400_000;
        let mut tx = self.store.begin().await?;
        for c in Country::all() {
            let draft = enlace_domain::CaseDraft {
                title: format!(
                    "Expediente ficticio antiguo — revisión pendiente ({})",
                    c.code().to_uppercase()
                ),
                summary: "Caso de demostración sin cambios desde hace cuatro años: debe confirmarse con un motivo o eliminarse.".into(),
                distribution: enlace_domain::Distribution {
                    level: enlace_domain::DistributionLevel::Country,
                    countries: vec![],
                },
                handling: enlace_domain::Handling::NoOnwardSharing,
                evaluation: enlace_domain::Evaluation::parse("C3")
                    .ok_or_else(|| AppError::Internal("evaluation".into()))?,
                sensitive: false,
            };
            let case = tx.insert_case(c, &draft, "demo", then).await?;
            let mut e = crate::anonymous_entry(&Origin::default(), "demo.seed", "ok");
            e.object_kind = Some("case".into());
            e.object_id = Some(case.id.clone());
            e.object_country = Some(c.code().to_string());
            e.case_reference = Some(case.reference);
            tx.audit(now, e).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
