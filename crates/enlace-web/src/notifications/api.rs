use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) async fn notifications_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let (page, per, offset) = q.paging();
    let (list, total, unread) = s
        .app
        .notifications(&a.ctx, per, offset)
        .await
        .map_err(|e| a.err(e))?;
    let lang = a.lang.code();
    let items: Vec<Value> = list
        .iter()
        .map(|n| json!({"id": n.id, "kind": n.kind, "text": enlace_app::live::text_in(&n.text, lang), "link": n.link, "created_at": ts(n.created_at), "read": n.read_at.is_some()}))
        .collect();
    let mut body = page_json(items, total, page, per);
    body["unread"] = json!(unread);
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ReadBody {
    id: Option<String>,
}

pub(crate) async fn notifications_read(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<ReadBody>,
) -> ApiResult {
    a.done(s.app.mark_read(&a.ctx, b.id.as_deref()).await)
}
