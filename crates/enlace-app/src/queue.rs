//! The home page's work queue: what waits on the user now. Requests due or overdue in both
//! directions (urgent first, then by deadline), alerts their country has not acknowledged,
//! new hits on their country's records, and for the approver the directory entries
//! awaiting approval. Every list is read through the visibility predicates, and the reads
//! of another country's requests and alerts reach that country's audit like the lists do.
use crate::directory::{DirectoryEntry, DirectoryFilter};
use crate::{App, AppResult, Ctx};
use enlace_domain::Role;
use enlace_store::live::{Alert, Notification};
use enlace_store::requests::Request;
use enlace_store::visibility::Viewer;

/// How many items of each kind the queue shows (the full lists are one click away).
pub const QUEUE_LIMIT: i64 = 20;

/// One open request in the queue.
#[derive(Debug, Clone)]
pub struct QueuedRequest {
    pub request: Request,
    /// True when the user's country must answer it; false when it waits on the other side.
    pub incoming: bool,
    /// Milliseconds left to its deadline; negative once overdue.
    pub remaining_ms: i64,
}

impl QueuedRequest {
    /// `overdue`, `soon` (under 24 hours left) or `later`: the colour and word pages show.
    pub fn due(&self) -> &'static str {
        if self.remaining_ms < 0 {
            "overdue"
        } else if self.remaining_ms < 24 * 3_600_000 {
            "soon"
        } else {
            "later"
        }
    }
    /// Hours left, rounded up (an 8-hour deadline says 8 until it is under 7), or whole
    /// hours past for an overdue one.
    pub fn hours(&self) -> i64 {
        if self.remaining_ms > 0 {
            (self.remaining_ms + 3_599_999) / 3_600_000
        } else {
            -self.remaining_ms / 3_600_000
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct WorkQueue {
    pub requests: Vec<QueuedRequest>,
    pub alerts: Vec<Alert>,
    pub hits: Vec<Notification>,
    pub directory_pending: Vec<DirectoryEntry>,
    /// Whether the user's role works requests and alerts (officers, prosecutors, analysts).
    pub intelligence: bool,
    /// Whether the user approves the directory (the foreign-ministry approver).
    pub approver: bool,
}

impl App {
    pub async fn work_queue(&self, ctx: &Ctx) -> AppResult<WorkQueue> {
        let mut q = WorkQueue {
            intelligence: ctx.actor.intelligence_country().is_some(),
            approver: ctx.actor.role == Role::Approver,
            ..WorkQueue::default()
        };
        let now = self.now_ms();
        if q.intelligence {
            let viewer = Viewer::of(&ctx.actor);
            let mine = ctx.actor.country;
            let mut tx = self.store.read().await?;
            let requests = tx.open_requests_by_deadline(&viewer, 200).await?;
            let alerts = tx.unacknowledged_alerts(&viewer, QUEUE_LIMIT).await?;
            let mut e = ctx.entry("queue.read", "ok");
            e.detail = Some(format!(
                "requests={} alerts={}",
                requests.len(),
                alerts.len()
            ));
            tx.audit(now, e).await?;
            crate::audit_returned(
                &mut tx,
                ctx,
                now,
                "request.list",
                "request",
                requests
                    .iter()
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
            crate::audit_returned(
                &mut tx,
                ctx,
                now,
                "alert.list",
                "alert",
                alerts
                    .iter()
                    .map(|a| (a.id.clone(), a.country, false))
                    .collect(),
                None,
            )
            .await?;
            tx.commit().await?;
            let mut list: Vec<QueuedRequest> = requests
                .into_iter()
                .map(|r| QueuedRequest {
                    incoming: Some(r.to_country) == mine,
                    remaining_ms: r.deadline - now,
                    request: r,
                })
                .collect();
            // Urgent first, then the nearest deadline (overdue ones have the earliest).
            list.sort_by_key(|r| (r.request.urgency != "urgent", r.request.deadline));
            list.truncate(QUEUE_LIMIT as usize);
            q.requests = list;
            q.alerts = alerts;
            q.hits = self
                .store
                .unread_notifications_of_kind(&ctx.actor.user_id, "hit", QUEUE_LIMIT)
                .await?;
        }
        if q.approver {
            let f = DirectoryFilter {
                status: Some("pending".into()),
                ..DirectoryFilter::default()
            };
            q.directory_pending = self.directory(ctx, &f).await?;
            q.directory_pending.truncate(QUEUE_LIMIT as usize);
        }
        // Case files due for review join the queue once review dates exist (the "ops" work
        // adds them): a `reviews` list here, read through the case visibility predicate.
        Ok(q)
    }
}
