use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub(crate) struct EventsQuery {
    since: Option<i64>,
}

/// Server-sent events: the caller's alerts and notifications. A reconnecting client sends
/// `Last-Event-ID` (browsers do it by themselves) and first receives what it missed.
pub(crate) async fn events(
    State(s): State<AppState>,
    a: ApiCtx,
    headers: axum::http::HeaderMap,
    Query(q): Query<EventsQuery>,
) -> ApiResult {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
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
    let first: Vec<Result<Event, std::convert::Infallible>> =
        backlog.iter().map(|e| Ok(to_event(e))).collect();
    let live = futures_util::stream::unfold((rx, cursor), move |(mut rx, mut cursor)| {
        let user_id = user_id.clone();
        async move {
            loop {
                match rx.recv().await {
                    Ok(e) => {
                        if e.seq <= cursor || !e.reaches(&user_id, country) {
                            continue;
                        }
                        cursor = e.seq;
                        let ev = Event::default()
                            .id(e.seq.to_string())
                            .event(e.kind.clone())
                            .data(e.payload.clone());
                        return Some((Ok(ev), (rx, cursor)));
                    }
                    // Fell behind or the server is stopping: end the stream; the client
                    // reconnects with its last id and catches up from the log.
                    Err(_) => return None,
                }
            }
        }
    });
    let stream = futures_util::StreamExt::chain(futures_util::stream::iter(first), live);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
        .into_response())
}

pub fn alert_json(al: &enlace_store::live::Alert) -> Value {
    json!({
        "id": al.id,
        "country": al.country,
        "sender": al.sender_username,
        "kind": al.kind,
        "title": al.title,
        "body": al.body,
        "urgency": al.urgency,
        "handling": al.handling,
        "recipients": if al.recipients_level == "members" { json!("members") } else { json!(al.recipients) },
        "created_at": ts(al.created_at),
    })
}

#[derive(Deserialize)]
pub(crate) struct AlertsQuery {
    kind: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub(crate) async fn alerts_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(q): Query<AlertsQuery>,
) -> ApiResult {
    let per = q.per_page.unwrap_or(50).clamp(1, 200);
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (list, total) = s
        .app
        .list_alerts(&a.ctx, q.kind.as_deref(), per, (page - 1) * per)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(page_json(
        list.iter().map(alert_json).collect(),
        total,
        page,
        per,
    ))
    .into_response())
}

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

pub(crate) async fn alert_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let v = s.app.get_alert(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let mut body = alert_json(&v.alert);
    body["acknowledgements"] = v
        .acks
        .iter()
        .map(|k| json!({"country": k.country, "username": k.username, "at": ts(k.at)}))
        .collect();
    body["replies"] = v.replies.iter().map(|r| json!({"username": r.username, "country": r.country, "body": r.body, "at": ts(r.at)})).collect();
    body["related"] = v
        .related
        .iter()
        .map(|e| json!({"id": e.id, "schema": e.schema, "caption": e.caption}))
        .chain(
            v.related_cases
                .iter()
                .map(|c| json!({"id": c.id, "schema": "Case", "caption": c.title})),
        )
        .collect();
    Ok(Json(body).into_response())
}

pub(crate) async fn alert_ack(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    a.done(s.app.ack_alert(&a.ctx, &id).await)
}

pub(crate) async fn alert_reply(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<crate::requests::api::MessageBody>,
) -> ApiResult {
    a.done(s.app.reply_alert(&a.ctx, &id, &b.body).await)
}
