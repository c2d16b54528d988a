//! Alerts to chosen countries or the whole region: recipients see them at once, acknowledge
//! per country and reply in a thread visible to the sender and the recipients.
use crate::live::{bilingual, Outbox};
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::validate::{self, Invalid};
use enlace_domain::{Country, Handling};
use enlace_store::entities::Entity;
use enlace_store::live::{Alert, AlertAck, AlertReply, NewAlert};
use enlace_store::Viewer;
use serde::Deserialize;
use serde_json::{json, Value};

pub const KINDS: [&str; 7] = [
    "new_route",
    "modus_operandi",
    "wanted_person",
    "forged_document",
    "vessel_at_sea",
    "centre_in_crisis",
    "other",
];
pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AlertInput {
    #[serde(default)]
    #[schema(
        required = true,
        pattern = "^(new_route|modus_operandi|wanted_person|forged_document|vessel_at_sea|centre_in_crisis|other)$"
    )]
    pub kind: String,
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub title: String,
    #[serde(default)]
    #[schema(
        max_length = 20000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub body: String,
    /// `normal` (default), `urgent` or `flash`.
    #[serde(default)]
    #[schema(pattern = "^(normal|urgent|flash)?$")]
    pub urgency: String,
    /// Default `intelligence_only`.
    #[serde(default)]
    #[schema(pattern = "^(intelligence_only|no_court_without_consent|no_onward_sharing)?$")]
    pub handling: String,
    /// `"members"` or a list of member country codes.
    #[serde(default)]
    #[schema(required = true, value_type = Object)]
    pub recipients: Value,
    /// Related case files or entities of the sender's own country.
    #[serde(default)]
    pub related: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct AlertView {
    pub alert: Alert,
    pub acks: Vec<AlertAck>,
    pub replies: Vec<AlertReply>,
    pub related: Vec<Entity>,
    pub related_cases: Vec<enlace_store::cases::Case>,
    pub i_am_sender: bool,
    pub my_country_acked: bool,
}

fn alert_entry(ctx: &Ctx, action: &str, a: &Alert) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("alert".into());
    e.object_id = Some(a.id.clone());
    e.object_country = Some(a.country.code().to_string());
    e
}

fn audience(a: &Alert) -> Vec<Country> {
    let mut v = a.recipients.clone();
    v.push(a.country);
    v
}

impl App {
    pub async fn send_alert(&self, ctx: &Ctx, input: &AlertInput) -> AppResult<Alert> {
        let me = ctx
            .actor
            .intelligence_country()
            .ok_or(AppError::Forbidden)?;
        let mut errs = Invalid::default();
        if !KINDS.contains(&input.kind.as_str()) {
            errs.push("kind", "bad_kind");
        }
        let title = validate::text(&mut errs, "title", &input.title, true, TITLE_MAX);
        let body = validate::text(&mut errs, "body", &input.body, false, BODY_MAX);
        let urgency = match input.urgency.as_str() {
            "" | "normal" => "normal",
            "urgent" => "urgent",
            "flash" => "flash",
            _ => {
                errs.push("urgency", "bad_urgency");
                "normal"
            }
        };
        let handling = match input.handling.as_str() {
            "" => Handling::IntelligenceOnly,
            h => Handling::parse(h).unwrap_or_else(|| {
                errs.push("handling", "bad_handling");
                Handling::IntelligenceOnly
            }),
        };
        let (level, recipients): (&str, Vec<Country>) = match &input.recipients {
            Value::String(s) if s == "members" => {
                ("members", Country::all().filter(|c| *c != me).collect())
            }
            Value::Array(list) => {
                let mut out = vec![];
                for v in list {
                    match v.as_str().and_then(Country::parse) {
                        Some(c) if c != me => {
                            if !out.contains(&c) {
                                out.push(c)
                            }
                        }
                        Some(_) => {}
                        None => errs.push("recipients", "unknown_country"),
                    }
                }
                if out.is_empty() {
                    errs.push("recipients", "countries_required");
                }
                ("countries", out)
            }
            _ => {
                errs.push("recipients", "countries_required");
                ("countries", vec![])
            }
        };
        if input.related.len() > 20 {
            errs.push("related", "too_many_values");
        }
        errs.into_result()?;
        let now = self.now_ms();
        let viewer = Viewer::of(&ctx.actor);
        let mut tx = self.store.begin().await?;
        // Related records must be the sender's country's own (the alert does not share them).
        for r in &input.related {
            let own_entity = tx
                .entity_visible(&viewer, r)
                .await?
                .is_some_and(|e| e.owner_country == me);
            let own_case = tx
                .case_visible(&viewer, r)
                .await?
                .is_some_and(|c| c.owner_country == me);
            if !own_entity && !own_case {
                return Err(AppError::Invalid(Invalid::one(
                    "related",
                    "unknown_reference",
                )));
            }
        }
        let id = tx
            .insert_alert(
                &NewAlert {
                    country: me,
                    sender_id: &ctx.actor.user_id,
                    sender_username: &ctx.actor.username,
                    kind: &input.kind,
                    title: &title,
                    body: &body,
                    urgency,
                    handling: handling.as_str(),
                    recipients_level: level,
                    recipients: &recipients,
                    links: &input.related,
                },
                now,
            )
            .await?;
        let alert = tx
            .alert_visible(&viewer, &id)
            .await?
            .ok_or(AppError::Internal("alert vanished".into()))?;
        let mut out = Outbox::default();
        out.emit(
            &mut tx,
            None,
            &audience(&alert),
            "alert",
            json!({"id": alert.id, "title": alert.title, "kind": alert.kind, "urgency": alert.urgency, "country": alert.country, "link": format!("/alerts/{}", alert.id)}),
            now,
        )
        .await?;
        let users = tx.intelligence_users_of(&recipients).await?;
        out.notify(
            &mut tx,
            &users,
            "alert",
            &bilingual(
                &format!("Alerta de {}: {}", me.name("es"), alert.title),
                &format!("Alert from {}: {}", me.name("en"), alert.title),
            ),
            &format!("/alerts/{}", alert.id),
            now,
        )
        .await?;
        let mut e = alert_entry(ctx, "alert.send", &alert);
        e.detail = Some(format!(
            "recipients={}",
            recipients
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(",")
        ));
        tx.audit(now, e).await?;
        tx.commit().await?;
        self.publish(out);
        Ok(alert)
    }

    pub async fn list_alerts(
        &self,
        ctx: &Ctx,
        kind: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> AppResult<(Vec<Alert>, i64)> {
        let mut tx = self.store.read().await?;
        let page = tx
            .alerts_visible(
                &Viewer::of(&ctx.actor),
                kind.filter(|k| !k.is_empty()),
                limit.clamp(1, 200),
                offset.max(0),
            )
            .await?;
        let now = self.now_ms();
        let mut e = ctx.entry("alert.list", "ok");
        e.object_kind = Some("alert".into());
        e.detail = Some(format!("returned={}", page.0.len()));
        tx.audit(now, e).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "alert.list",
            "alert",
            page.0
                .iter()
                .map(|a| (a.id.clone(), a.country, false))
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(page)
    }

    pub async fn get_alert(&self, ctx: &Ctx, id: &str) -> AppResult<AlertView> {
        let me = ctx.actor.intelligence_country();
        let now = self.now_ms();
        let viewer = Viewer::of(&ctx.actor);
        let mut tx = self.store.begin().await?;
        let alert = tx
            .alert_visible(&viewer, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let acks = tx.alert_acks(id).await?;
        let replies = tx.alert_replies(id).await?;
        let links = tx.alert_links(id).await?;
        let related = tx.entities_visible_by_ids(&viewer, &links).await?;
        let mut related_cases = vec![];
        for l in &links {
            if let Some(c) = tx.case_visible(&viewer, l).await? {
                related_cases.push(c);
            }
        }
        tx.mark_notifications_read_link(&ctx.actor.user_id, &format!("/alerts/{id}"), now)
            .await?;
        tx.audit(now, alert_entry(ctx, "alert.read", &alert))
            .await?;
        tx.commit().await?;
        Ok(AlertView {
            i_am_sender: Some(alert.country) == me,
            my_country_acked: me.is_some_and(|c| acks.iter().any(|a| a.country == c.code())),
            alert,
            acks,
            replies,
            related,
            related_cases,
        })
    }

    /// A recipient country acknowledges (once); the sender sees it live.
    pub async fn ack_alert(&self, ctx: &Ctx, id: &str) -> AppResult<()> {
        let me = ctx.actor.intelligence_country().ok_or(AppError::NotFound)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let alert = tx
            .alert_visible(&Viewer::of(&ctx.actor), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !alert.recipients.contains(&me) {
            return Err(AppError::Forbidden);
        }
        if !tx
            .ack_alert(id, me, &ctx.actor.user_id, &ctx.actor.username, now)
            .await?
        {
            return Err(AppError::Conflict("already_acknowledged"));
        }
        let mut out = Outbox::default();
        out.emit(
            &mut tx,
            None,
            &audience(&alert),
            "alert_ack",
            json!({"id": alert.id, "country": me, "username": ctx.actor.username, "at": enlace_domain::clock::format_utc(now)}),
            now,
        )
        .await?;
        tx.audit(now, alert_entry(ctx, "alert.acknowledge", &alert))
            .await?;
        tx.commit().await?;
        self.publish(out);
        Ok(())
    }

    pub async fn reply_alert(&self, ctx: &Ctx, id: &str, body: &str) -> AppResult<()> {
        let me = ctx.actor.intelligence_country().ok_or(AppError::NotFound)?;
        let mut errs = Invalid::default();
        let body = validate::text(&mut errs, "body", body, true, BODY_MAX);
        errs.into_result()?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let alert = tx
            .alert_visible(&Viewer::of(&ctx.actor), id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.add_alert_reply(id, &ctx.actor.user_id, &ctx.actor.username, me, &body, now)
            .await?;
        let mut out = Outbox::default();
        out.emit(
            &mut tx,
            None,
            &audience(&alert),
            "alert_reply",
            json!({"id": alert.id, "country": me, "username": ctx.actor.username, "body": body}),
            now,
        )
        .await?;
        tx.audit(now, alert_entry(ctx, "alert.reply", &alert))
            .await?;
        tx.commit().await?;
        self.publish(out);
        Ok(())
    }
}
