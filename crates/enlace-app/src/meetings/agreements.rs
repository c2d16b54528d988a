//! Agreements of a meeting: numbered in the write transaction, followed up by the
//! responsible countries, reminded once when overdue, published for the portal.
use super::*;

impl App {
    pub async fn create_agreement(
        &self,
        ctx: &Ctx,
        input: &AgreementInput,
    ) -> AppResult<AgreementRow> {
        secretariat(ctx)?;
        let mut errs = Invalid::default();
        let text = validate::text(&mut errs, "text", &input.text, true, 4000);
        let responsible = check_responsible(&mut errs, &input.responsible);
        let due = check_date(&mut errs, "due", &input.due);
        let meeting_id = input.meeting_id.trim();
        if meeting_id.is_empty() {
            errs.push("meeting_id", "required");
        } else if !hex_id(meeting_id) {
            errs.push("meeting_id", "unknown_meeting");
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let meeting = if errs.0.iter().any(|e| e.field == "meeting_id") {
            None
        } else {
            let m = tx.meeting(meeting_id).await?;
            if m.is_none() {
                errs.push("meeting_id", "unknown_meeting");
            }
            m
        };
        errs.into_result()?;
        let (Some(meeting), Some((due, due_ms))) = (meeting, due) else {
            return Err(Invalid::one("due", "bad_date").into());
        };
        let (id, number) = tx
            .insert_agreement(
                &meeting,
                &text,
                &responsible,
                &due,
                due_ms,
                input.public,
                &ctx.actor.user_id,
                now,
            )
            .await?;
        let mut e = agreement_entry(ctx, "agreement.create", &id);
        e.detail = Some(format!("number={number}"));
        tx.audit(now, e).await?;
        // The responsible countries learn of it at once.
        let mut out = Outbox::default();
        let mut users = Vec::new();
        for p in &responsible {
            if let Some(c) = Country::parse(p) {
                users.extend(tx.country_users(c).await?);
            }
        }
        out.notify(
            &mut tx,
            &users,
            "agreement_assigned",
            &bilingual(
                &format!("Acuerdo {number} asignado a su país (vence el {due})"),
                &format!("Agreement {number} assigned to your country (due {due})"),
            ),
            &format!("/agreements/{id}"),
            now,
        )
        .await?;
        let row = tx.agreement(&id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        self.publish(out);
        Ok(row)
    }

    /// Agreements newest first, filtered; the cursor is the last item's id.
    pub async fn agreements(
        &self,
        ctx: &Ctx,
        f: &AgreementFilter,
    ) -> AppResult<(Vec<AgreementRow>, Option<String>)> {
        readers(ctx)?;
        let mut errs = Invalid::default();
        let status = f
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| check_status(&mut errs, s));
        let party = match f
            .country
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) if s.eq_ignore_ascii_case(SECRETARIAT) => Some(SECRETARIAT.to_string()),
            Some(s) => match Country::parse(s) {
                Some(c) => Some(c.code().to_string()),
                None => {
                    errs.push("country", "unknown_country");
                    None
                }
            },
        };
        let cursor = f.cursor.as_deref().filter(|c| !c.is_empty());
        if cursor.is_some_and(|c| !hex_id(c)) {
            errs.push("cursor", "bad_cursor");
        }
        let meeting_id = f.meeting_id.as_deref().filter(|m| !m.is_empty());
        if meeting_id.is_some_and(|m| !hex_id(m)) {
            errs.push("meeting_id", "unknown_meeting");
        }
        let limit = f.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            errs.push("limit", "out_of_range");
        }
        errs.into_result()?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut rows = tx
            .agreements(&AgreementQuery {
                status,
                party,
                overdue_at: f.overdue.then_some(now),
                meeting_id: meeting_id.map(str::to_string),
                before_id: cursor.map(str::to_string),
                limit: limit + 1,
            })
            .await?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|a| a.id.clone())
        } else {
            None
        };
        let mut e = ctx.entry("agreement.list", "ok");
        e.object_kind = Some("agreement".into());
        e.detail = Some(format!("returned={}", rows.len()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok((rows, next))
    }

    pub async fn agreement(&self, ctx: &Ctx, id: &str) -> AppResult<AgreementFull> {
        readers(ctx)?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let agreement = tx.agreement(id).await?.ok_or(AppError::NotFound)?;
        let meeting = tx
            .meeting(&agreement.meeting_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let followups = tx.agreement_followups(id).await?;
        tx.audit(now, agreement_entry(ctx, "agreement.read", id))
            .await?;
        tx.commit().await?;
        Ok(AgreementFull {
            agreement,
            meeting,
            followups,
        })
    }

    /// Changes what the patch names. The responsible countries change the status (not to
    /// `withdrawn`); the secretariat changes anything, withdraws and publishes. The number
    /// never changes. A status change is also written to the thread.
    pub async fn update_agreement(
        &self,
        ctx: &Ctx,
        id: &str,
        p: &AgreementPatch,
    ) -> AppResult<AgreementFull> {
        readers(ctx)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mut a = tx.agreement(id).await?.ok_or(AppError::NotFound)?;
        let is_st = may_manage_meetings(&ctx.actor);
        if !may_follow_agreement(&ctx.actor, &a.responsible) {
            return Err(AppError::Forbidden);
        }
        let secretariat_only = p.public.is_some()
            || p.text.is_some()
            || p.due.is_some()
            || p.responsible.is_some()
            || p.status.as_deref().map(str::trim) == Some("withdrawn")
            || a.status == "withdrawn";
        if secretariat_only && !is_st {
            return Err(AppError::Forbidden);
        }
        let mut errs = Invalid::default();
        let before = a.status.clone();
        if let Some(s) = &p.status {
            a.status = check_status(&mut errs, s);
        }
        if let Some(t) = &p.text {
            a.text = validate::text(&mut errs, "text", t, true, 4000);
        }
        let mut due_changed = false;
        if let Some(d) = &p.due {
            if let Some((d, ms)) = check_date(&mut errs, "due", d) {
                due_changed = d != a.due;
                a.due = d;
                a.due_ms = ms;
            }
        }
        if let Some(r) = &p.responsible {
            a.responsible = check_responsible(&mut errs, r);
        }
        if let Some(x) = p.public {
            a.public = x;
        }
        let note = p
            .note
            .as_deref()
            .map(|n| validate::text(&mut errs, "note", n, false, 4000))
            .unwrap_or_default();
        errs.into_result()?;
        if p.version.is_some_and(|v| v != a.version) {
            return Err(AppError::Conflict("version_conflict"));
        }
        tx.update_agreement(&a, due_changed, now).await?;
        let status_changed = a.status != before;
        if status_changed || !note.is_empty() {
            tx.insert_followup(
                id,
                &ctx.actor.user_id,
                &ctx.actor.username,
                ctx.actor.country,
                &note,
                status_changed.then_some(a.status.as_str()),
                now,
            )
            .await?;
        }
        let mut e = agreement_entry(ctx, "agreement.update", id);
        e.detail = Some(format!("number={} status={}", a.number, a.status));
        tx.audit(now, e).await?;
        let mut out = Outbox::default();
        if status_changed && !is_st {
            let users = tx.secretariat_users().await?;
            let (es, en) = (status_es(&a.status), status_en(&a.status));
            out.notify(
                &mut tx,
                &users,
                "agreement_status",
                &bilingual(
                    &format!("Acuerdo {}: estado «{es}»", a.number),
                    &format!("Agreement {}: status “{en}”", a.number),
                ),
                &format!("/agreements/{id}"),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.publish(out);
        self.agreement(ctx, id).await
    }

    /// Posts to an agreement's thread (the secretariat or a responsible country's users).
    pub async fn add_followup(&self, ctx: &Ctx, id: &str, text: &str) -> AppResult<FollowupRow> {
        readers(ctx)?;
        let mut errs = Invalid::default();
        let text = validate::text(&mut errs, "text", text, true, 4000);
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let a = tx.agreement(id).await?.ok_or(AppError::NotFound)?;
        if !may_follow_agreement(&ctx.actor, &a.responsible) {
            return Err(AppError::Forbidden);
        }
        errs.into_result()?;
        let fid = tx
            .insert_followup(
                id,
                &ctx.actor.user_id,
                &ctx.actor.username,
                ctx.actor.country,
                &text,
                None,
                now,
            )
            .await?;
        let mut e = agreement_entry(ctx, "agreement.followup", id);
        e.detail = Some(format!("number={}", a.number));
        tx.audit(now, e).await?;
        // The other side hears of it: the secretariat when a country writes, the
        // responsible countries when the secretariat does.
        let mut users = Vec::new();
        if ctx.actor.role == Role::Secretariat {
            for p in &a.responsible {
                if let Some(c) = Country::parse(p) {
                    users.extend(tx.country_users(c).await?);
                }
            }
        } else {
            users = tx.secretariat_users().await?;
        }
        let mut out = Outbox::default();
        out.notify(
            &mut tx,
            &users,
            "agreement_followup",
            &bilingual(
                &format!("Seguimiento nuevo del acuerdo {}", a.number),
                &format!("New follow-up on agreement {}", a.number),
            ),
            &format!("/agreements/{id}"),
            now,
        )
        .await?;
        let row = tx
            .agreement_followups(id)
            .await?
            .into_iter()
            .find(|f| f.id == fid)
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        self.publish(out);
        Ok(row)
    }

    /// Periodic job: each agreement that became overdue notifies, once, the users of its
    /// responsible countries and the secretariat. Returns how many notifications it sent.
    pub async fn run_agreement_reminders(&self) -> AppResult<usize> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let due = tx.agreements_overdue_unnotified(now).await?;
        let mut out = Outbox::default();
        let mut sent = 0;
        let st = tx.secretariat_users().await?;
        for a in due {
            let mut users = st.clone();
            for p in &a.responsible {
                if let Some(c) = Country::parse(p) {
                    users.extend(tx.country_users(c).await?);
                }
            }
            out.notify(
                &mut tx,
                &users,
                "agreement_overdue",
                &bilingual(
                    &format!("Acuerdo {} vencido (vencía el {})", a.number, a.due),
                    &format!("Agreement {} is overdue (was due {})", a.number, a.due),
                ),
                &format!("/agreements/{}", a.id),
                now,
            )
            .await?;
            tx.mark_agreement_overdue_notified(&a.id, now).await?;
            sent += users.len();
        }
        tx.commit().await?;
        self.publish(out);
        Ok(sent)
    }

    /// Agreements the secretariat marked public (not withdrawn), with their meeting: for
    /// the public portal, which needs no login.
    pub async fn published_agreements(&self) -> AppResult<Vec<(AgreementRow, MeetingRow)>> {
        Ok(self.store.published_agreements().await?)
    }
}
