//! Information requests: from a hit (or directly), one country asks another; the receiver
//! acknowledges, answers (sharing chosen records, which widens their audience) or declines
//! with a reason from a fixed list. Only the two countries involved see a request.
use crate::live::{bilingual, Outbox};
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::validate::{self, Invalid};
use enlace_domain::Country;
use enlace_store::entities::Entity;
use enlace_store::requests::{NewRequest, Request, RequestMessage};
use enlace_store::{Tx, Viewer};
use serde::Deserialize;

pub const URGENT_HOURS: i64 = 8;
pub const NORMAL_DAYS: i64 = 7;
pub const DECLINE_REASONS: [&str; 5] = [
    "insufficient_grounds",
    "legal_impediment",
    "ongoing_operation",
    "not_held",
    "other",
];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RequestInput {
    /// The receiving member country (not the caller's own).
    #[serde(default)]
    #[schema(required = true, value_type = enlace_domain::Country)]
    pub to: String,
    /// Hit references (`HIT-…`) the request is about.
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub purpose: String,
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub legal_basis: String,
    /// `normal` (default) or `urgent`.
    #[serde(default)]
    #[schema(pattern = "^(normal|urgent)?$")]
    pub urgency: String,
    /// Hours until the deadline; default 8 when urgent, 7 days otherwise.
    #[schema(minimum = 1, maximum = 2160)]
    pub deadline_hours: Option<i64>,
    #[serde(default)]
    #[schema(
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub message: String,
}

/// A request as one side sees it.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: Request,
    /// `overdue` when past the deadline and not yet answered, declined or withdrawn.
    pub effective_status: String,
    pub messages: Vec<RequestMessage>,
    /// Records shared in answer, as the viewer may now see them.
    pub shared: Vec<Entity>,
    /// For the receiver: its own records behind the hit references, to choose from.
    pub referenced: Vec<Entity>,
    pub i_am_sender: bool,
    /// What the request is about: the subject of the check its first reference came from,
    /// as the asker typed it (FollowTheMoney JSON), when it came from a check.
    pub subject: Option<serde_json::Value>,
}

/// A check as a request made from one of its hits carries it: its purpose, case reference
/// and subject.
#[derive(Debug, Clone, Default)]
pub struct CheckContext {
    pub purpose: String,
    pub case_reference: String,
    pub subject: Option<serde_json::Value>,
}

fn request_entry(ctx: &Ctx, action: &str, r: &Request) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("request".into());
    e.object_id = Some(r.id.clone());
    // The receiving country's admins follow requests made to it; the sender's follow their
    // own actions.
    e.object_country = Some(r.to_country.code().to_string());
    e.case_reference = Some(r.number.clone());
    e
}

impl App {
    fn my_country(ctx: &Ctx) -> AppResult<Country> {
        ctx.actor.intelligence_country().ok_or(AppError::Forbidden)
    }

    pub async fn create_request(&self, ctx: &Ctx, input: &RequestInput) -> AppResult<Request> {
        let from = Self::my_country(ctx)?;
        let mut errs = Invalid::default();
        let to = Country::parse(&input.to);
        match to {
            None => errs.push("to", "unknown_country"),
            Some(t) if t == from => errs.push("to", "same_country"),
            _ => {}
        }
        let purpose = validate::text(&mut errs, "purpose", &input.purpose, true, 1000);
        let legal_basis = validate::text(&mut errs, "legal_basis", &input.legal_basis, true, 1000);
        let message = validate::text(&mut errs, "message", &input.message, false, 10_000);
        let urgency = match input.urgency.trim() {
            "" | "normal" => "normal",
            "urgent" => "urgent",
            _ => {
                errs.push("urgency", "bad_urgency");
                "normal"
            }
        };
        let hours = match input.deadline_hours {
            Some(h) if !(1..=24 * 90).contains(&h) => {
                errs.push("deadline_hours", "bad_deadline");
                0
            }
            Some(h) => h,
            None if urgency == "urgent" => URGENT_HOURS,
            None => NORMAL_DAYS * 24,
        };
        if input.references.len() > 50 {
            errs.push("references", "too_many_values");
        }
        errs.into_result()?;
        let to = to.ok_or(AppError::Invalid(Invalid::one("to", "unknown_country")))?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mut refs = vec![];
        for r in &input.references {
            let r = r.trim().to_uppercase();
            // A reference is only meaningful to the country whose check produced it, and
            // only towards the country that owns the record.
            let ok = tx.hit_reference(&r).await?.is_some_and(|h| {
                h.owner_country == to.code() && h.asked_by_country.as_deref() == Some(from.code())
            });
            if !ok {
                return Err(AppError::Invalid(Invalid::one(
                    "references",
                    "unknown_reference",
                )));
            }
            refs.push(r);
        }
        refs.sort();
        refs.dedup();
        let id = tx
            .insert_request(
                &NewRequest {
                    from,
                    to,
                    created_by: &ctx.actor.user_id,
                    purpose: &purpose,
                    legal_basis: &legal_basis,
                    urgency,
                    deadline: now + hours * 3600 * 1000,
                    message: &message,
                    references: &refs,
                },
                now,
            )
            .await?;
        let r = tx
            .request_visible(&Viewer::of(&ctx.actor), &id)
            .await?
            .ok_or(AppError::Internal("request vanished".into()))?;
        let mut e = request_entry(ctx, "request.create", &r);
        e.purpose = Some(purpose);
        tx.audit(now, e).await?;
        let mut out = Outbox::default();
        let users = tx.intelligence_users_of(&[to]).await?;
        out.notify(
            &mut tx,
            &users,
            "request",
            &bilingual(
                &format!(
                    "Nueva solicitud de información {} de {}",
                    r.number,
                    from.name("es")
                ),
                &format!(
                    "New information request {} from {}",
                    r.number,
                    from.name("en")
                ),
            ),
            &format!("/requests/{}", r.id),
            now,
        )
        .await?;
        tx.commit().await?;
        self.publish(out);
        Ok(r)
    }

    fn effective_status(&self, r: &Request) -> String {
        if matches!(r.status.as_str(), "sent" | "acknowledged") && self.now_ms() > r.deadline {
            "overdue".into()
        } else {
            r.status.clone()
        }
    }

    async fn load(&self, tx: &mut Tx, ctx: &Ctx, id: &str) -> AppResult<Request> {
        tx.request_visible(&Viewer::of(&ctx.actor), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn get_request(&self, ctx: &Ctx, id: &str) -> AppResult<RequestView> {
        let me = Self::my_country(ctx).map_err(|_| AppError::NotFound)?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let request = self.load(&mut tx, ctx, id).await?;
        let viewer = Viewer::of(&ctx.actor);
        let messages = tx.request_messages(id).await?;
        let shared_ids = tx.request_shared_ids(id).await?;
        let shared = tx.entities_visible_by_ids(&viewer, &shared_ids).await?;
        let mut referenced = vec![];
        if request.to_country == me {
            let mut ids = vec![];
            for r in &request.references {
                if let Some(h) = tx.hit_reference(r).await? {
                    ids.push(h.entity_id);
                }
            }
            referenced = tx.entities_visible_by_ids(&viewer, &ids).await?;
        }
        let mut subject = None;
        for r in &request.references {
            if let Some(c) = tx.check_of_reference(r).await? {
                subject = serde_json::from_str(&c.subject).ok();
                break;
            }
        }
        tx.audit(now, request_entry(ctx, "request.read", &request))
            .await?;
        tx.commit().await?;
        Ok(RequestView {
            subject,
            effective_status: self.effective_status(&request),
            i_am_sender: request.from_country == me,
            request,
            messages,
            shared,
            referenced,
        })
    }

    /// The check behind a hit reference, for the request form opened from the hit: only
    /// for the country that ran the check (anyone else learns nothing, not even that the
    /// reference exists).
    pub async fn check_context(&self, ctx: &Ctx, reference: &str) -> AppResult<CheckContext> {
        let me = Self::my_country(ctx)?;
        let mut tx = self.store.read().await?;
        let found = tx.check_of_reference(reference.trim()).await?;
        tx.commit().await?;
        Ok(match found {
            Some(c) if c.asked_by_country.as_deref() == Some(me.code()) => CheckContext {
                purpose: c.purpose,
                case_reference: c.case_reference,
                subject: serde_json::from_str(&c.subject).ok(),
            },
            _ => CheckContext::default(),
        })
    }

    pub async fn list_requests(
        &self,
        ctx: &Ctx,
        outgoing: bool,
        limit: i64,
        offset: i64,
    ) -> AppResult<(Vec<(Request, String)>, i64)> {
        Self::my_country(ctx)?;
        let mut tx = self.store.read().await?;
        let (list, total) = tx
            .requests_visible(
                &Viewer::of(&ctx.actor),
                outgoing,
                limit.clamp(1, 200),
                offset.max(0),
            )
            .await?;
        // A request belongs to both countries: each one's audit shows the other reading it.
        let now = self.now_ms();
        let mine = ctx.actor.country;
        let mut e = ctx.entry("request.list", "ok");
        e.object_kind = Some("request".into());
        e.detail = Some(format!("returned={}", list.len()));
        tx.audit(now, e).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "request.list",
            "request",
            list.iter()
                .map(|r| {
                    let other = if Some(r.from_country) == mine {
                        r.to_country
                    } else {
                        r.from_country
                    };
                    (r.id.clone(), other, false)
                })
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok((
            list.into_iter()
                .map(|r| {
                    let s = self.effective_status(&r);
                    (r, s)
                })
                .collect(),
            total,
        ))
    }

    /// Runs `f` on a request the caller's country is `side` of ("to" or "from"), if its
    /// status is one of `from_statuses`.
    async fn transition(
        &self,
        ctx: &Ctx,
        id: &str,
        receiver: bool,
        from_statuses: &[&str],
    ) -> AppResult<(Tx, Request, Country)> {
        let me = Self::my_country(ctx)?;
        let mut tx = self.store.begin().await?;
        let r = self.load(&mut tx, ctx, id).await?;
        let mine = if receiver {
            r.to_country == me
        } else {
            r.from_country == me
        };
        if !mine {
            return Err(AppError::Forbidden);
        }
        if !from_statuses.contains(&r.status.as_str()) {
            return Err(AppError::Conflict("request_status"));
        }
        Ok((tx, r, me))
    }

    pub async fn acknowledge_request(&self, ctx: &Ctx, id: &str) -> AppResult<()> {
        let (mut tx, r, _) = self.transition(ctx, id, true, &["sent"]).await?;
        let now = self.now_ms();
        tx.set_request_status(id, "acknowledged", None, now).await?;
        tx.audit(now, request_entry(ctx, "request.acknowledge", &r))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Answers: shares the chosen records (owned by the receiver) with the asking country and
    /// posts the message.
    pub async fn answer_request(
        &self,
        ctx: &Ctx,
        id: &str,
        message: &str,
        share: &[String],
    ) -> AppResult<()> {
        let mut errs = Invalid::default();
        let message = validate::text(&mut errs, "message", message, false, 10_000);
        if share.len() > 200 {
            errs.push("share", "too_many_values");
        }
        errs.into_result()?;
        let (mut tx, r, me) = self
            .transition(ctx, id, true, &["sent", "acknowledged"])
            .await?;
        let now = self.now_ms();
        let viewer = Viewer::of(&ctx.actor);
        for eid in share {
            let e = tx.entity_visible(&viewer, eid).await?;
            match e {
                Some(e) if e.owner_country == me => {
                    tx.share_record(id, &e.id, r.from_country, now).await?;
                    let mut a = ctx.entry("entity.share", "ok");
                    a.object_kind = Some("entity".into());
                    a.object_id = Some(e.id.clone());
                    a.object_country = Some(me.code().to_string());
                    a.case_reference = Some(r.number.clone());
                    a.detail = Some(format!(
                        "shared with {} in answer to {}",
                        r.from_country.code(),
                        r.number
                    ));
                    tx.audit(now, a).await?;
                }
                _ => {
                    return Err(AppError::Invalid(Invalid::one(
                        "share",
                        "unknown_reference",
                    )))
                }
            }
        }
        if !message.is_empty() {
            tx.add_request_message(
                id,
                &ctx.actor.user_id,
                &ctx.actor.username,
                me.code(),
                &message,
                now,
            )
            .await?;
        }
        tx.set_request_status(id, "answered", None, now).await?;
        tx.audit(now, request_entry(ctx, "request.answer", &r))
            .await?;
        self.tell_asker_and_commit(tx, &r, "respondida", "answered", now)
            .await
    }

    /// Tells the asker their request was answered or declined, then commits.
    async fn tell_asker_and_commit(
        &self,
        mut tx: Tx,
        r: &Request,
        outcome_es: &str,
        outcome_en: &str,
        now: i64,
    ) -> AppResult<()> {
        let mut out = Outbox::default();
        out.notify(
            &mut tx,
            std::slice::from_ref(&r.created_by),
            "request_answer",
            &bilingual(
                &format!("Solicitud {} {outcome_es}", r.number),
                &format!("Request {} {outcome_en}", r.number),
            ),
            &format!("/requests/{}", r.id),
            now,
        )
        .await?;
        tx.commit().await?;
        self.publish(out);
        Ok(())
    }

    pub async fn decline_request(
        &self,
        ctx: &Ctx,
        id: &str,
        reason: &str,
        text: &str,
    ) -> AppResult<()> {
        let mut errs = Invalid::default();
        if !DECLINE_REASONS.contains(&reason) {
            errs.push("reason", "bad_reason");
        }
        let text = validate::text(&mut errs, "text", text, reason == "other", 2000);
        errs.into_result()?;
        let (mut tx, r, _) = self
            .transition(ctx, id, true, &["sent", "acknowledged"])
            .await?;
        let now = self.now_ms();
        tx.set_request_status(id, "declined", Some((reason, &text)), now)
            .await?;
        tx.audit(now, request_entry(ctx, "request.decline", &r))
            .await?;
        self.tell_asker_and_commit(tx, &r, "declinada", "declined", now)
            .await
    }

    pub async fn withdraw_request(&self, ctx: &Ctx, id: &str) -> AppResult<()> {
        let (mut tx, r, _) = self
            .transition(ctx, id, false, &["sent", "acknowledged"])
            .await?;
        let now = self.now_ms();
        tx.set_request_status(id, "withdrawn", None, now).await?;
        tx.audit(now, request_entry(ctx, "request.withdraw", &r))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_request_mla(&self, ctx: &Ctx, id: &str, mla: &str) -> AppResult<()> {
        let mut errs = Invalid::default();
        let mla = validate::text(&mut errs, "mla_reference", mla, true, 200);
        errs.into_result()?;
        let (mut tx, r, _) = self
            .transition(
                ctx,
                id,
                false,
                &["sent", "acknowledged", "answered", "declined"],
            )
            .await?;
        let now = self.now_ms();
        tx.set_request_mla(id, &mla, now).await?;
        tx.audit(now, request_entry(ctx, "request.mla", &r)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn post_request_message(&self, ctx: &Ctx, id: &str, body: &str) -> AppResult<()> {
        let me = Self::my_country(ctx)?;
        let mut errs = Invalid::default();
        let body = validate::text(&mut errs, "body", body, true, 10_000);
        errs.into_result()?;
        let mut tx = self.store.begin().await?;
        let r = self.load(&mut tx, ctx, id).await?;
        if r.status == "withdrawn" {
            return Err(AppError::Conflict("request_status"));
        }
        let now = self.now_ms();
        tx.add_request_message(
            id,
            &ctx.actor.user_id,
            &ctx.actor.username,
            me.code(),
            &body,
            now,
        )
        .await?;
        tx.audit(now, request_entry(ctx, "request.message", &r))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
