//! The home page's work queue: what waits on a country's users, read through the same
//! visibility predicates as the lists it summarises.
use crate::db::{Store, Tx, Q};
use crate::live::{alert_audience, alert_from_row, Alert, Notification, ALERT_COLS};
use crate::requests::{from_row, Request, COLS};
use crate::visibility::Viewer;
use sqlx::Row;

impl Tx {
    /// Open requests (sent or acknowledged) to or from the viewer's country, nearest
    /// deadline first.
    pub async fn open_requests_by_deadline(
        &mut self,
        viewer: &Viewer,
        limit: i64,
    ) -> crate::Result<Vec<Request>> {
        let Some(c) = viewer.country() else {
            return Ok(vec![]);
        };
        let mut q = Q::new(&format!("SELECT {COLS} FROM requests r WHERE "));
        viewer.request_predicate(&mut q, "r");
        q.push(" AND (r.from_country = ")
            .bind(c)
            .push(" OR r.to_country = ")
            .bind(c)
            .push(") AND r.status IN ('sent', 'acknowledged') ORDER BY r.deadline, r.id LIMIT ")
            .bind(limit);
        let rows = self.fetch_all(&q).await?;
        rows.iter().map(|r| from_row(r, vec![])).collect()
    }

    /// Alerts sent to the viewer's country by others that no one of it has acknowledged,
    /// newest first.
    pub async fn unacknowledged_alerts(
        &mut self,
        viewer: &Viewer,
        limit: i64,
    ) -> crate::Result<Vec<Alert>> {
        let Some(c) = viewer.country() else {
            return Ok(vec![]);
        };
        let mut q = Q::new(&format!("SELECT {ALERT_COLS} FROM alerts a WHERE "));
        alert_audience(&mut q, viewer);
        q.push(" AND a.country <> ")
            .bind(c)
            .push(" AND NOT EXISTS (SELECT 1 FROM alert_acks k WHERE k.alert_id = a.id AND k.country = ")
            .bind(c)
            .push(") ORDER BY a.created_at DESC, a.id LIMIT ")
            .bind(limit);
        let rows = self.fetch_all(&q).await?;
        rows.iter().map(|r| alert_from_row(r, vec![])).collect()
    }
}

impl Store {
    /// The user's unread notifications of one kind (`hit`: another country's check hit a
    /// record of theirs), newest first.
    pub async fn unread_notifications_of_kind(
        &self,
        user_id: &str,
        kind: &str,
        limit: i64,
    ) -> crate::Result<Vec<Notification>> {
        let rows = self
            .fetch_all(
                &Q::new("SELECT id, kind, text, link, created_at, read_at FROM notifications WHERE user_id = $1 AND kind = $2 AND read_at IS NULL ORDER BY created_at DESC, id LIMIT $3")
                    .arg(user_id)
                    .arg(kind)
                    .arg(limit),
            )
            .await?;
        rows.iter()
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
            .collect()
    }
}
