use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use enlace_domain::Country;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use utoipa::{IntoParams, ToSchema};

/// One event of the stream (its `data` is a JSON object in text).
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamEvent {
    pub id: String,
    /// `alert`, `notification`, `ack`, `reply`…
    pub event: String,
    pub data: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EventsQuery {
    /// Replay the events after this one (browsers send `Last-Event-ID` instead).
    #[param(minimum = 0)]
    since: Option<i64>,
}

/// Server-sent events: the caller's alerts and notifications. A reconnecting client sends
/// `Last-Event-ID` (browsers do it by themselves) and first receives what it missed. The
/// stream lasts as long as the token or session that opened it: it closes within a second
/// of the token's revocation, a logout, the session's timeout, or the user being disabled
/// or reset, and delivers nothing after.
#[utoipa::path(get, path = "/events", tag = "alerts", params(EventsQuery),
    responses((status = 200, description = "A server-sent event stream: `alert`, `notification`…, each with its id; it ends when the credential that opened it does",
        content_type = "text/event-stream", body = StreamEvent)))]
pub(crate) async fn events(
    State(s): State<AppState>,
    a: ApiCtx,
    headers: axum::http::HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    if q.since.is_some_and(|n| n < 0) {
        return Err(
            a.err(enlace_app::AppError::Invalid(enlace_domain::Invalid::one(
                "since",
                "out_of_range",
            ))),
        );
    }
    // Watch the credential first: an end from here on closes the stream.
    let watch = s
        .app
        .watch_credential(a.credential.clone())
        .await
        .map_err(|e| a.err(e))?
        .ok_or_else(|| a.err(enlace_app::AppError::Unauthenticated))?;
    // Subscribe before reading the log, so nothing falls between catch-up and live.
    let rx = s.app.hub().subscribe();
    let since = match last_id.or(q.since) {
        Some(n) => n.max(0),
        None => s.app.last_event_seq().await.map_err(|e| a.err(e))?,
    };
    let backlog = s
        .app
        .events_since(&a.ctx, since)
        .await
        .map_err(|e| a.err(e))?;
    let cursor = backlog.last().map(|e| e.seq).unwrap_or(since);
    let user_id = a.ctx.actor.user_id.clone();
    let country = a.ctx.actor.intelligence_country();
    let to_event = |e: &enlace_store::live::LiveEvent| {
        Event::default()
            .id(e.seq.to_string())
            .event(e.kind.clone())
            .data(e.payload.clone())
    };
    let first: Vec<Event> = backlog.iter().map(to_event).collect();
    // Every event, the backlog's included, goes out only while the credential stands.
    enum Step {
        Check,
        Live(Result<Arc<enlace_store::live::LiveEvent>, RecvError>),
    }
    let state = (watch, first.into_iter(), rx, cursor);
    let stream =
        futures_util::stream::unfold(state, move |(mut watch, mut first, mut rx, mut cursor)| {
            let user_id = user_id.clone();
            async move {
                loop {
                    let ev = if let Some(ev) = first.next() {
                        if watch.signalled() && !watch.check().await {
                            return None;
                        }
                        ev
                    } else {
                        // A signal that the credential ended wins over events already waiting.
                        let step = tokio::select! {
                            biased;
                            _ = watch.wait() => Step::Check,
                            ev = rx.recv() => Step::Live(ev),
                        };
                        match step {
                            Step::Check => {
                                if watch.check().await {
                                    continue;
                                }
                                return None;
                            }
                            Step::Live(Ok(e)) => {
                                if e.seq <= cursor || !e.reaches(&user_id, country) {
                                    continue;
                                }
                                cursor = e.seq;
                                to_event(&e)
                            }
                            // Fell behind or the server is stopping: end the stream; the
                            // client reconnects with its last id and catches up from the log.
                            Step::Live(Err(_)) => return None,
                        }
                    };
                    if !watch.still_live().await {
                        return None;
                    }
                    return Some((
                        Ok::<_, std::convert::Infallible>(ev),
                        (watch, first, rx, cursor),
                    ));
                }
            }
        });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
        .into_response())
}

/// An alert as its sender and recipients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    pub id: String,
    /// The sending country.
    pub country: Country,
    pub sender: String,
    pub kind: AlertKind,
    pub title: String,
    pub body: String,
    pub urgency: String,
    pub handling: String,
    /// `"members"`, or the list of recipient countries.
    pub recipients: Recipients,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    NewRoute,
    ModusOperandi,
    WantedPerson,
    ForgedDocument,
    VesselAtSea,
    CentreInCrisis,
    Other,
}

impl AlertKind {
    fn of(s: &str) -> AlertKind {
        serde_json::from_value(serde_json::Value::String(s.to_string())).unwrap_or(AlertKind::Other)
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Recipients {
    /// `members`: every member country.
    All(AllMembers),
    Countries(Vec<Country>),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AllMembers {
    Members,
}

pub fn alert_json(al: &enlace_store::live::Alert) -> AlertView {
    AlertView {
        id: al.id.clone(),
        country: al.country,
        sender: al.sender_username.clone(),
        kind: AlertKind::of(&al.kind),
        title: al.title.clone(),
        body: al.body.clone(),
        urgency: al.urgency.clone(),
        handling: al.handling.clone(),
        recipients: if al.recipients_level == "members" {
            Recipients::All(AllMembers::Members)
        } else {
            Recipients::Countries(al.recipients.clone())
        },
        created_at: ts(al.created_at),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AlertsQuery {
    /// Only alerts of this kind.
    #[param(inline)]
    kind: Option<AlertKind>,
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Acknowledgement {
    pub country: String,
    pub username: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reply {
    pub username: String,
    pub country: String,
    pub body: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Related {
    pub id: String,
    /// A FollowTheMoney schema, or `Case` for a case file.
    pub schema: String,
    pub caption: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub alert: AlertView,
    pub acknowledgements: Vec<Acknowledgement>,
    pub replies: Vec<Reply>,
    /// Case files and entities of the sender's country it points at (those the caller may see).
    pub related: Vec<Related>,
}

/// The alerts sent or received by the caller's country, newest first.
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(AlertsQuery),
    responses((status = 200, body = Page<AlertView>)))]
pub(crate) async fn alerts_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<AlertsQuery>,
) -> ApiResult {
    check_paging(q.page, q.per_page).map_err(|e| a.err(e))?;
    let paging = paging(q.page, q.per_page);
    let kind = q
        .kind
        .and_then(|k| serde_json::to_value(k).ok())
        .and_then(|v| v.as_str().map(str::to_string));
    let (list, total) = s
        .app
        .list_alerts(&a.ctx, kind.as_deref(), paging.1, paging.2)
        .await
        .map_err(|e| a.err(e))?;
    let items = list.iter().map(alert_json).collect();
    Ok(Json(Page::new(items, total, paging)).into_response())
}

/// Sends an alert to chosen member countries or to all of them; recipients get it at once
/// on their event streams.
#[utoipa::path(post, path = "/alerts", tag = "alerts", request_body = enlace_app::alerts::AlertInput,
    responses((status = 201, body = AlertView)))]
pub(crate) async fn alert_send(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(input): ApiJson<enlace_app::alerts::AlertInput>,
) -> ApiResult {
    let al = s
        .app
        .send_alert(&a.ctx, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(alert_json(&al))).into_response())
}

/// One alert, with who acknowledged it and the replies.
#[utoipa::path(get, path = "/alerts/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertDetail)))]
pub(crate) async fn alert_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let v = s.app.get_alert(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let body = AlertDetail {
        alert: alert_json(&v.alert),
        acknowledgements: v
            .acks
            .iter()
            .map(|k| Acknowledgement {
                country: k.country.clone(),
                username: k.username.clone(),
                at: ts(k.at),
            })
            .collect(),
        replies: v
            .replies
            .iter()
            .map(|r| Reply {
                username: r.username.clone(),
                country: r.country.clone(),
                body: r.body.clone(),
                at: ts(r.at),
            })
            .collect(),
        related: v
            .related
            .iter()
            .map(|e| Related {
                id: e.id.clone(),
                schema: e.schema.clone(),
                caption: e.caption.clone(),
            })
            .chain(v.related_cases.iter().map(|c| Related {
                id: c.id.clone(),
                schema: "Case".into(),
                caption: c.title.clone(),
            }))
            .collect(),
    };
    Ok(Json(body).into_response())
}

/// Acknowledges an alert for the caller's country.
#[utoipa::path(post, path = "/alerts/{id}/acknowledge", tag = "alerts", params(("id" = String, Path)),
    responses((status = 204, description = "Acknowledged"),
        (status = 409, description = "The caller's country sent it, or acknowledged it already", body = ErrorBody)))]
pub(crate) async fn alert_ack(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    a.done(s.app.ack_alert(&a.ctx, &id).await)
}

/// Replies in the alert's thread.
#[utoipa::path(post, path = "/alerts/{id}/replies", tag = "alerts", params(("id" = String, Path)),
    request_body = crate::requests::api::ReplyBody,
    responses((status = 204, description = "Posted")))]
pub(crate) async fn alert_reply(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<crate::requests::api::ReplyBody>,
) -> ApiResult {
    a.done(s.app.reply_alert(&a.ctx, &id, &b.body).await)
}
