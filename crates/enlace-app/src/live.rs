//! Real-time delivery: events are written to a durable log in the same transaction as the
//! change (so a reconnecting client catches up on what it missed), then broadcast to the
//! open streams after commit. Each stream delivers only what its user may see, and only as
//! long as the credential that opened it stands ([`CredentialWatch`]).
use crate::auth::Credential;
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
    /// Credentials that ended (or may have): the streams they opened re-check and close.
    ended: broadcast::Sender<Ended>,
}

impl Default for Hub {
    fn default() -> Self {
        // A slow client that falls this far behind is dropped and reconnects with its last id.
        let (tx, _) = broadcast::channel(4096);
        // A stream that misses some of these re-checks its credential anyway.
        let (ended, _) = broadcast::channel(256);
        Hub { tx, ended }
    }
}

/// A credential that has ended, or may have: every open stream whose credential it
/// concerns re-checks it at once and closes if it no longer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// An API token, by id (revoked).
    Token(String),
    /// A browser session, by the hash of its token (logout, rotation, timeout).
    Session(String),
    /// Any credential of this user (disabled, reset, password changed).
    User(String),
}

impl Ended {
    pub fn concerns(&self, c: &Credential) -> bool {
        match (self, c) {
            (Ended::Token(id), Credential::Token { id: t, .. }) => id == t,
            (Ended::Session(h), Credential::Session { token_hash, .. }) => h == token_hash,
            (Ended::User(u), c) => u == c.user_id(),
            _ => false,
        }
    }
}

/// How often an open stream re-checks its credential even without a signal: catches
/// session timeouts (time passes without anyone acting) and anything that ended a
/// credential without telling this process.
pub const CREDENTIAL_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Ties an open stream to the credential that opened it. The stream waits on [`wait`]
/// alongside its events and then awaits [`check`]; before delivering an event it awaits
/// [`still_live`]. A credential revoked, logged out, reset or disabled in this process is
/// signalled at once; a session timing out is seen before the next event and within
/// [`CREDENTIAL_RECHECK`] otherwise.
///
/// [`wait`]: CredentialWatch::wait
/// [`check`]: CredentialWatch::check
/// [`still_live`]: CredentialWatch::still_live
pub struct CredentialWatch {
    app: App,
    credential: Credential,
    ended: broadcast::Receiver<Ended>,
    tick: tokio::time::Interval,
    /// Live until this instant (epoch ms, the app's clock) unless something happens.
    until: i64,
    /// The hub is gone (the server is stopping).
    closed: bool,
}

impl CredentialWatch {
    /// Resolves when the credential must be checked again: a signal that concerns it (or
    /// signals were missed), or the periodic re-check. Cancel-safe, so it can sit in a
    /// `select!` next to the stream's events; await [`CredentialWatch::check`] after it.
    pub async fn wait(&mut self) {
        loop {
            tokio::select! {
                biased;
                r = self.ended.recv() => match r {
                    Ok(e) if !e.concerns(&self.credential) => continue,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => {
                        self.closed = true;
                        return;
                    }
                },
                _ = self.tick.tick() => return,
            }
        }
    }

    /// Whether a signal concerning the credential is already waiting (without waiting);
    /// then await [`CredentialWatch::check`].
    pub fn signalled(&mut self) -> bool {
        loop {
            match self.ended.try_recv() {
                Ok(e) if !e.concerns(&self.credential) => continue,
                Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) => return true,
                Err(broadcast::error::TryRecvError::Closed) => {
                    self.closed = true;
                    return true;
                }
                Err(broadcast::error::TryRecvError::Empty) => return false,
            }
        }
    }

    /// Re-reads the credential; false once it has ended (or cannot be read: the stream
    /// closes and the client reconnects, authenticating again).
    pub async fn check(&mut self) -> bool {
        if self.closed {
            return false;
        }
        match self.app.credential_valid_until(&self.credential).await {
            Ok(Some(until)) => {
                self.until = until;
                true
            }
            _ => false,
        }
    }

    /// Whether an event may go out now: re-checks first when a time limit has passed since
    /// the last check, so a timed-out session delivers nothing more.
    pub async fn still_live(&mut self) -> bool {
        if self.closed {
            return false;
        }
        if self.app.now_ms() > self.until {
            return self.check().await;
        }
        true
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

    /// Tells open streams that a credential ended (call after the change commits).
    pub fn credential_ended(&self, e: Ended) {
        // No receivers is fine: no stream is open.
        let _ = self.hub.ended.send(e);
    }

    /// Starts watching the credential of a stream about to open; `None` if it has already
    /// ended. Subscribes before checking, so an end between the two is not missed.
    pub async fn watch_credential(
        &self,
        credential: Credential,
    ) -> AppResult<Option<CredentialWatch>> {
        let ended = self.hub.ended.subscribe();
        let Some(until) = self.credential_valid_until(&credential).await? else {
            return Ok(None);
        };
        let start = tokio::time::Instant::now() + CREDENTIAL_RECHECK;
        let mut tick = tokio::time::interval_at(start, CREDENTIAL_RECHECK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Ok(Some(CredentialWatch {
            app: self.clone(),
            credential,
            ended,
            tick,
            until,
            closed: false,
        }))
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
        let page = self
            .store
            .notifications(&ctx.actor.user_id, limit.clamp(1, 200), offset.max(0))
            .await?;
        // A user's notifications are theirs and their country's; their reading is audited
        // there like any other list.
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut e = ctx.entry("notification.list", "ok");
        e.object_kind = Some("notification".into());
        e.object_country = ctx.actor.country.map(|c| c.code().to_string());
        e.detail = Some(format!("returned={}", page.0.len()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(page)
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
