use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::AppError;
use enlace_domain::{Country, Invalid};
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) fn entity_input(v: &Value) -> Result<enlace_app::entities::EntityInput, AppError> {
    enlace_app::entities::EntityInput::from_json(v).map_err(AppError::Invalid)
}

pub(crate) async fn entity_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(v): ApiJson<Value>,
) -> ApiResult {
    let case_id = v
        .get("case_id")
        .and_then(Value::as_str)
        .ok_or_else(|| a.err(AppError::Invalid(Invalid::one("case_id", "required"))))?
        .to_string();
    let input = entity_input(&v).map_err(|e| a.err(e))?;
    let e = s
        .app
        .create_entity(&a.ctx, &case_id, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok((
        StatusCode::CREATED,
        Json(enlace_app::entities::ftm_json(&e)),
    )
        .into_response())
}

pub(crate) async fn entity_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let (e, referring) = s.app.get_entity(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let mut body = enlace_app::entities::ftm_json(&e);
    body["referenced_by"] = referring
        .iter()
        .map(|(prop, r)| json!({"property": prop, "id": r.id, "schema": r.schema, "caption": r.caption}))
        .collect();
    Ok(Json(body).into_response())
}

pub(crate) async fn entity_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<Value>,
) -> ApiResult {
    let input = entity_input(&v).map_err(|e| a.err(e))?;
    let version = v.get("version").and_then(Value::as_i64);
    let e = s
        .app
        .update_entity(&a.ctx, &id, &input, version)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(enlace_app::entities::ftm_json(&e)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    q: String,
    schema: Option<String>,
    country: Option<String>,
    purpose: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub(crate) async fn search(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(q): Query<SearchQuery>,
) -> ApiResult {
    let per = q.per_page.unwrap_or(50).clamp(1, 200);
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let filter = enlace_store::entities::EntityFilter {
        schema: q.schema.clone().filter(|s| !s.is_empty()),
        owner: q.country.as_deref().and_then(Country::parse),
        ..Default::default()
    };
    let (list, total, exact) = s
        .app
        .search_entities(
            &a.ctx,
            &q.q,
            filter,
            q.purpose.as_deref(),
            per,
            (page - 1) * per,
        )
        .await
        .map_err(|e| a.err(e))?;
    let results: Vec<Value> = list
        .iter()
        .map(|e| json!({"id": e.id, "schema": e.schema, "properties": e.properties, "caption": e.caption, "owner_country": e.owner_country, "case_id": e.case_id}))
        .collect();
    Ok(
        Json(json!({"results": results, "total": total, "total_exact": exact, "page": page, "per_page": per}))
            .into_response(),
    )
}

#[derive(Deserialize)]
pub(crate) struct DepthQuery {
    depth: Option<usize>,
}

pub(crate) async fn entity_graph(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    Query(q): Query<DepthQuery>,
) -> ApiResult {
    let g = s
        .app
        .network(&a.ctx, &id, q.depth.unwrap_or(1))
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(g).into_response())
}

pub(crate) async fn entity_matches(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let list = s
        .app
        .cross_references(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    let items: Vec<Value> = list
        .iter()
        .map(|c| json!({"id": c.entity.id, "schema": c.entity.schema, "caption": c.entity.caption, "owner_country": c.entity.owner_country, "score": c.score, "explanation": c.explanation, "decision": c.decision}))
        .collect();
    Ok(Json(json!({"items": items})).into_response())
}

#[derive(Deserialize)]
pub(crate) struct DecisionBody {
    #[serde(default)]
    decision: String,
}

pub(crate) async fn entity_match_decide(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((id, candidate)): Path<(String, String)>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> ApiResult {
    a.done(
        s.app
            .decide_cross_reference(&a.ctx, &id, &candidate, &b.decision)
            .await,
    )
}
