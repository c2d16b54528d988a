//! Alerts, notifications and the durable event log behind the live stream. Every read is
//! filtered to the reader's audience: the sender's country and the recipients.
use crate::db::{new_id, Store, Tx, Q};
use crate::visibility::Viewer;
use crate::StoreError;
use enlace_domain::Country;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Alert {
    pub id: String,
    pub country: Country,
    pub sender_username: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub urgency: String,
    pub handling: String,
    pub recipients_level: String,
    pub recipients: Vec<Country>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlertAck {
    pub country: String,
    pub username: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlertReply {
    pub id: String,
    pub username: String,
    pub country: String,
    pub body: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Notification {
    pub id: String,
    pub kind: String,
    pub text: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A stored live event: replayed to reconnecting clients, filtered by audience.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LiveEvent {
    pub seq: i64,
    /// Only this user, when set.
    pub user_id: Option<String>,
    /// Otherwise the intelligence users of these countries.
    pub countries: Vec<String>,
    pub kind: String,
    pub payload: String,
    pub created_at: i64,
}

impl LiveEvent {
    /// Whether a user (id, intelligence country) is in this event's audience.
    pub fn reaches(&self, user_id: &str, country: Option<Country>) -> bool {
        match &self.user_id {
            Some(u) => u == user_id,
            None => country.is_some_and(|c| self.countries.iter().any(|x| x == c.code())),
        }
    }
}

pub(crate) const ALERT_COLS: &str = "a.id, a.country, a.sender_username, a.kind, a.title, a.body, a.urgency, a.handling, a.recipients_level, a.created_at";

pub(crate) fn alert_from_row(r: &AnyRow, recipients: Vec<Country>) -> crate::Result<Alert> {
    let c: String = r.try_get("country")?;
    Ok(Alert {
        id: r.try_get("id")?,
        country: Country::parse(&c).ok_or_else(|| StoreError::Corrupt("country".into()))?,
        sender_username: r.try_get("sender_username")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        urgency: r.try_get("urgency")?,
        handling: r.try_get("handling")?,
        recipients_level: r.try_get("recipients_level")?,
        recipients,
        created_at: r.try_get("created_at")?,
    })
}

pub struct NewAlert<'a> {
    pub country: Country,
    pub sender_id: &'a str,
    pub sender_username: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub urgency: &'a str,
    pub handling: &'a str,
    pub recipients_level: &'a str,
    pub recipients: &'a [Country],
    pub links: &'a [String],
}

pub(crate) fn alert_audience(q: &mut Q, viewer: &Viewer) {
    match viewer.country() {
        None => {
            q.push("(1 = 0)");
        }
        Some(c) => {
            q.push("(a.country = ")
                .bind(c)
                .push(" OR EXISTS (SELECT 1 FROM alert_recipients ar WHERE ar.alert_id = a.id AND ar.country = ")
                .bind(c)
                .push("))");
        }
    }
}

impl Tx {
    pub async fn insert_alert(&mut self, a: &NewAlert<'_>, now_ms: i64) -> crate::Result<String> {
        let id = new_id();
        self.execute(
            &Q::new("INSERT INTO alerts (id, country, sender_id, sender_username, kind, title, body, urgency, handling, recipients_level, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .arg(&id)
                .arg(a.country)
                .arg(a.sender_id)
                .arg(a.sender_username)
                .arg(a.kind)
                .arg(a.title)
                .arg(a.body)
                .arg(a.urgency)
                .arg(a.handling)
                .arg(a.recipients_level)
                .arg(now_ms),
        )
        .await?;
        for c in a.recipients {
            self.execute(
                &Q::new("INSERT INTO alert_recipients (alert_id, country) VALUES ($1, $2)")
                    .arg(&id)
                    .arg(*c),
            )
            .await?;
        }
        for l in a.links {
            self.execute(
                &Q::new("INSERT INTO alert_links (alert_id, record_id) VALUES ($1, $2)")
                    .arg(&id)
                    .arg(l.as_str()),
            )
            .await?;
        }
        Ok(id)
    }

    async fn alert_recipients(&mut self, id: &str) -> crate::Result<Vec<Country>> {
        self.fetch_all(
            &Q::new("SELECT country FROM alert_recipients WHERE alert_id = $1 ORDER BY country")
                .arg(id),
        )
        .await?
        .iter()
        .map(|r| {
            let c: String = r.try_get("country")?;
            Country::parse(&c).ok_or_else(|| StoreError::Corrupt("alert_recipients".into()))
        })
        .collect()
    }

    pub async fn alert_visible(
        &mut self,
        viewer: &Viewer,
        id: &str,
    ) -> crate::Result<Option<Alert>> {
        let mut q = Q::new(&format!("SELECT {ALERT_COLS} FROM alerts a WHERE a.id = "));
        q.bind(id).push(" AND ");
        alert_audience(&mut q, viewer);
        let Some(row) = self.fetch_optional(&q).await? else {
            return Ok(None);
        };
        let rec = self.alert_recipients(id).await?;
        alert_from_row(&row, rec).map(Some)
    }

    pub async fn alerts_visible(
        &mut self,
        viewer: &Viewer,
        kind: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> crate::Result<(Vec<Alert>, i64)> {
        let mut count = Q::new("SELECT COUNT(*) AS n FROM alerts a WHERE ");
        alert_audience(&mut count, viewer);
        let mut q = Q::new(&format!("SELECT {ALERT_COLS} FROM alerts a WHERE "));
        alert_audience(&mut q, viewer);
        if let Some(k) = kind {
            count.push(" AND a.kind = ").bind(k);
            q.push(" AND a.kind = ").bind(k);
        }
        let total: i64 = self.fetch_one(&count).await?.try_get("n")?;
        q.push(" ORDER BY a.created_at DESC, a.id LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        let rows = self.fetch_all(&q).await?;
        let ids = crate::db::row_ids(&rows)?;
        let recipients = self
            .children_of("alert_recipients", "alert_id", "country", &ids)
            .await?;
        let mut out = vec![];
        for (r, id) in rows.iter().zip(&ids) {
            let rec = match recipients.get(id) {
                Some(cs) => crate::db::parse_countries(cs, "alert_recipients")?,
                None => vec![],
            };
            out.push(alert_from_row(r, rec)?);
        }
        Ok((out, total))
    }

    /// Records one country's acknowledgement (the first one counts); false if already done.
    pub async fn ack_alert(
        &mut self,
        id: &str,
        country: Country,
        user_id: &str,
        username: &str,
        now_ms: i64,
    ) -> crate::Result<bool> {
        let done = self
            .fetch_optional(
                &Q::new("SELECT alert_id FROM alert_acks WHERE alert_id = $1 AND country = $2")
                    .arg(id)
                    .arg(country),
            )
            .await?
            .is_some();
        if done {
            return Ok(false);
        }
        self.execute(
            &Q::new("INSERT INTO alert_acks (alert_id, country, user_id, username, at) VALUES ($1, $2, $3, $4, $5)")
                .arg(id)
                .arg(country)
                .arg(user_id)
                .arg(username)
                .arg(now_ms),
        )
        .await?;
        Ok(true)
    }

    pub async fn alert_acks(&mut self, id: &str) -> crate::Result<Vec<AlertAck>> {
        self.fetch_all(&Q::new("SELECT country, username, at FROM alert_acks WHERE alert_id = $1 ORDER BY at, country").arg(id))
            .await?
            .iter()
            .map(|r| Ok(AlertAck { country: r.try_get("country")?, username: r.try_get("username")?, at: r.try_get("at")? }))
            .collect()
    }

    pub async fn add_alert_reply(
        &mut self,
        id: &str,
        user_id: &str,
        username: &str,
        country: Country,
        body: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("INSERT INTO alert_replies (id, alert_id, author_id, author_username, country, body, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .arg(new_id())
                .arg(id)
                .arg(user_id)
                .arg(username)
                .arg(country)
                .arg(body)
                .arg(now_ms),
        )
        .await?;
        Ok(())
    }

    pub async fn alert_replies(&mut self, id: &str) -> crate::Result<Vec<AlertReply>> {
        self.fetch_all(&Q::new("SELECT id, author_username, country, body, at FROM alert_replies WHERE alert_id = $1 ORDER BY at, id").arg(id))
            .await?
            .iter()
            .map(|r| {
                Ok(AlertReply {
                    id: r.try_get("id")?,
                    username: r.try_get("author_username")?,
                    country: r.try_get("country")?,
                    body: r.try_get("body")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    pub async fn alert_links(&mut self, id: &str) -> crate::Result<Vec<String>> {
        self.fetch_all(&Q::new("SELECT record_id FROM alert_links WHERE alert_id = $1").arg(id))
            .await?
            .iter()
            .map(|r| Ok(r.try_get("record_id")?))
            .collect()
    }

    /// Users (id) with intelligence roles in `countries`, for notification fan-out.
    pub async fn intelligence_users_of(
        &mut self,
        countries: &[Country],
    ) -> crate::Result<Vec<String>> {
        let mut out = vec![];
        for c in countries {
            let rows = self
                .fetch_all(
                    &Q::new("SELECT id FROM users WHERE country = $1 AND disabled = 0 AND role IN ('officer', 'prosecutor', 'analyst')")
                        .arg(*c),
                )
                .await?;
            for r in rows {
                out.push(r.try_get("id")?);
            }
        }
        Ok(out)
    }

    /// The secretariat's active accounts.
    pub async fn secretariat_users(&mut self) -> crate::Result<Vec<String>> {
        self.fetch_all(&Q::new(
            "SELECT id FROM users WHERE disabled = 0 AND role = 'secretariat'",
        ))
        .await?
        .iter()
        .map(|r| Ok(r.try_get("id")?))
        .collect()
    }

    /// Users of `country` with one of `roles`.
    pub async fn users_with_roles(
        &mut self,
        country: Country,
        roles: &[&str],
    ) -> crate::Result<Vec<String>> {
        let mut q = Q::new("SELECT id FROM users WHERE disabled = 0 AND country = ");
        q.bind(country).push(" AND role IN (");
        q.bind_list(roles.iter().copied());
        q.push(")");
        self.fetch_all(&q)
            .await?
            .iter()
            .map(|r| Ok(r.try_get("id")?))
            .collect()
    }

    pub async fn insert_notification(
        &mut self,
        user_id: &str,
        kind: &str,
        text: &str,
        link: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("INSERT INTO notifications (id, user_id, kind, text, link, created_at, read_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)")
                .arg(new_id())
                .arg(user_id)
                .arg(kind)
                .arg(text)
                .arg(link)
                .arg(now_ms),
        )
        .await?;
        Ok(())
    }

    /// Appends an event to the durable log; returns its sequence number.
    pub async fn insert_live_event(
        &mut self,
        user_id: Option<&str>,
        countries: &[Country],
        kind: &str,
        payload: &str,
        now_ms: i64,
    ) -> crate::Result<i64> {
        let last: Option<i64> = self
            .fetch_optional(&Q::new(
                "SELECT seq FROM live_events ORDER BY seq DESC LIMIT 1",
            ))
            .await?
            .map(|r| r.try_get("seq"))
            .transpose()?;
        let seq = last.unwrap_or(0) + 1;
        let cs = countries
            .iter()
            .map(|c| c.code())
            .collect::<Vec<_>>()
            .join(",");
        self.execute(
            &Q::new("INSERT INTO live_events (seq, user_id, countries, kind, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .arg(seq)
                .arg(user_id)
                .arg(cs)
                .arg(kind)
                .arg(payload)
                .arg(now_ms),
        )
        .await?;
        Ok(seq)
    }

    pub async fn mark_notifications_read(
        &mut self,
        user_id: &str,
        id: Option<&str>,
        now_ms: i64,
    ) -> crate::Result<()> {
        match id {
            Some(id) => {
                self.execute(
                    &Q::new("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 AND read_at IS NULL")
                        .arg(now_ms)
                        .arg(user_id)
                        .arg(id),
                )
                .await?
            }
            None => {
                self.execute(
                    &Q::new("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
                        .arg(now_ms)
                        .arg(user_id),
                )
                .await?
            }
        };
        Ok(())
    }

    pub async fn mark_notifications_read_link(
        &mut self,
        user_id: &str,
        link: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND link = $3 AND read_at IS NULL")
                .arg(now_ms)
                .arg(user_id)
                .arg(link),
        )
        .await?;
        Ok(())
    }

    /// Whether a reminder with this key was already sent (and records it if not).
    pub async fn remind_once(&mut self, key: &str, now_ms: i64) -> crate::Result<bool> {
        let had = self
            .fetch_optional(&Q::new("SELECT key FROM reminders WHERE key = $1").arg(key))
            .await?
            .is_some();
        if !had {
            self.execute(
                &Q::new("INSERT INTO reminders (key, at) VALUES ($1, $2)")
                    .arg(key)
                    .arg(now_ms),
            )
            .await?;
        }
        Ok(!had)
    }
}

impl Store {
    pub async fn notifications(
        &self,
        user_id: &str,
        limit: i64,
        offset: i64,
    ) -> crate::Result<(Vec<Notification>, i64, i64)> {
        let rows = self
            .fetch_all(
                &Q::new("SELECT id, kind, text, link, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3")
                    .arg(user_id)
                    .arg(limit)
                    .arg(offset),
            )
            .await?;
        let list = rows
            .iter()
            .map(|r| {
                Ok(Notification {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    text: r.try_get("text")?,
                    link: r.try_get("link")?,
                    created_at: r.try_get("created_at")?,
                    read_at: r.try_get("read_at")?,
                })
            })
            .collect::<crate::Result<Vec<_>>>()?;
        let total: i64 = self
            .fetch_optional(
                &Q::new("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1").arg(user_id),
            )
            .await?
            .map(|r| r.try_get("n"))
            .transpose()?
            .unwrap_or(0);
        Ok((list, total, self.unread_count(user_id).await?))
    }

    /// Links of the user's unread notifications (to mark unread items in lists).
    pub async fn unread_links(&self, user_id: &str) -> crate::Result<Vec<String>> {
        self.fetch_all(
            &Q::new(
                "SELECT DISTINCT link FROM notifications WHERE user_id = $1 AND read_at IS NULL",
            )
            .arg(user_id),
        )
        .await?
        .iter()
        .map(|r| Ok(r.try_get("link")?))
        .collect()
    }

    pub async fn unread_count(&self, user_id: &str) -> crate::Result<i64> {
        Ok(self
            .fetch_optional(&Q::new("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL").arg(user_id))
            .await?
            .map(|r| r.try_get("n"))
            .transpose()?
            .unwrap_or(0))
    }

    /// Events after `since`, oldest first, at most `limit` (the caller filters by audience).
    pub async fn live_events_since(&self, since: i64, limit: i64) -> crate::Result<Vec<LiveEvent>> {
        self.fetch_all(
            &Q::new("SELECT seq, user_id, countries, kind, payload, created_at FROM live_events WHERE seq > $1 ORDER BY seq LIMIT $2")
                .arg(since)
                .arg(limit),
        )
        .await?
        .iter()
        .map(|r| {
            let cs: String = r.try_get("countries")?;
            Ok(LiveEvent {
                seq: r.try_get("seq")?,
                user_id: r.try_get("user_id")?,
                countries: cs.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                kind: r.try_get("kind")?,
                payload: r.try_get("payload")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
    }

    pub async fn last_live_seq(&self) -> crate::Result<i64> {
        Ok(self
            .fetch_optional(&Q::new(
                "SELECT seq FROM live_events ORDER BY seq DESC LIMIT 1",
            ))
            .await?
            .map(|r| r.try_get("seq"))
            .transpose()?
            .unwrap_or(0))
    }
}
