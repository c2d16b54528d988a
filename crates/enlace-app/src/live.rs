//! Real-time delivery: events are written to a durable log in the same transaction as the
//! change (so a reconnecting client catches up on what it missed), then broadcast to the
//! open streams after commit. Each stream delivers only what its user may see.
use crate::{App, AppResult, Ctx};
use enlace_domain::Country;
use enlace_store::live::LiveEvent;
use enlace_store::Tx;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::broadcast;

/// The broadcast side of the live stream.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<LiveEvent>>,
}

impl Default for Hub {
    fn default() -> Self {
        // A slow client that falls this far behind is dropped and reconnects with its last id.
        let (tx, _) = broadcast::channel(4096);
        Hub { tx }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.tx.subscribe()
    }
    pub fn receivers(&self) -> usize {
        self.tx.receiver_count()
    }
}

/// Events written in a transaction, to broadcast once it commits.
#[derive(Default)]
pub struct Outbox(Vec<LiveEvent>);

/// A text in both languages, stored as JSON; shown in the reader's language.
pub fn bilingual(es: &str, en: &str) -> String {
    json!({"es": es, "en": en}).to_string()
}

/// Picks the reader's language from a stored bilingual text (plain text passes through).
pub fn text_in(stored: &str, lang: &str) -> String {
    match serde_json::from_str::<Value>(stored) {
        Ok(v) => v
            .get(lang)
            .or_else(|| v.get("es"))
            .and_then(Value::as_str)
            .unwrap_or(stored)
            .to_string(),
        Err(_) => stored.to_string(),
    }
}

impl Outbox {
    /// Logs an event for the intelligence users of `countries` (or only `user`).
    pub async fn emit(
        &mut self,
        tx: &mut Tx,
        user: Option<&str>,
        countries: &[Country],
        kind: &str,
        payload: Value,
        now: i64,
    ) -> AppResult<()> {
        let p = payload.to_string();
        let seq = tx.insert_live_event(user, countries, kind, &p, now).await?;
        self.0.push(LiveEvent {
            seq,
            user_id: user.map(str::to_string),
            countries: countries.iter().map(|c| c.code().to_string()).collect(),
            kind: kind.to_string(),
            payload: p,
            created_at: now,
        });
        Ok(())
    }

    /// Notifies each user (inbox row + a live `notification` event for them alone).
    pub async fn notify(
        &mut self,
        tx: &mut Tx,
        users: &[String],
        kind: &str,
        text: &str,
        link: &str,
        now: i64,
    ) -> AppResult<()> {
        for u in users {
            tx.insert_notification(u, kind, text, link, now).await?;
            self.emit(
                tx,
                Some(u),
                &[],
                "notification",
                json!({"kind": kind, "text": text, "link": link}),
                now,
            )
            .await?;
        }
        Ok(())
    }
}

impl App {
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Broadcasts committed events.
    pub fn publish(&self, out: Outbox) {
        for e in out.0 {
            // No receivers is fine: nobody is connected.
            let _ = self.hub.tx.send(Arc::new(e));
        }
    }

    /// Events after `since` that `ctx` may see (the catch-up after a reconnect).
    pub async fn events_since(&self, ctx: &Ctx, since: i64) -> AppResult<Vec<LiveEvent>> {
        let country = ctx.actor.intelligence_country();
        let mut out = vec![];
        let mut cursor = since;
        loop {
            let page = self.store.live_events_since(cursor, 500).await?;
            let Some(last) = page.last() else { break };
            cursor = last.seq;
            out.extend(
                page.into_iter()
                    .filter(|e| e.reaches(&ctx.actor.user_id, country)),
            );
            if out.len() >= 1000 {
                break;
            }
        }
        Ok(out)
    }

    pub async fn last_event_seq(&self) -> AppResult<i64> {
        Ok(self.store.last_live_seq().await?)
    }

    pub async fn notifications(
        &self,
        ctx: &Ctx,
        limit: i64,
        offset: i64,
    ) -> AppResult<(Vec<enlace_store::live::Notification>, i64, i64)> {
        Ok(self
            .store
            .notifications(&ctx.actor.user_id, limit.clamp(1, 200), offset.max(0))
            .await?)
    }

    pub async fn unread_links(&self, ctx: &Ctx) -> AppResult<Vec<String>> {
        Ok(self.store.unread_links(&ctx.actor.user_id).await?)
    }

    pub async fn unread_count(&self, user_id: &str) -> AppResult<i64> {
        Ok(self.store.unread_count(user_id).await?)
    }

    pub async fn mark_read(&self, ctx: &Ctx, id: Option<&str>) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        tx.mark_notifications_read(&ctx.actor.user_id, id, self.now_ms())
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
