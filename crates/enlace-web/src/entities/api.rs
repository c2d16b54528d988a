use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::AppError;
use enlace_domain::case::{Distribution, Evaluation, Handling};
use enlace_domain::Country;
use enlace_store::entities::Entity;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// An entity as FollowTheMoney JSON, with the sharing it takes from its case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityView {
    pub id: String,
    /// The FollowTheMoney schema, e.g. `Person`, `Organization`, `Trip`.
    pub schema: String,
    /// FollowTheMoney properties: each name holds a list of values.
    pub properties: BTreeMap<String, Vec<String>>,
    pub caption: String,
    pub case_id: String,
    pub owner_country: Country,
    pub distribution: Distribution,
    pub handling: Handling,
    pub evaluation: Evaluation,
}

impl From<&Entity> for EntityView {
    fn from(e: &Entity) -> EntityView {
        EntityView {
            id: e.id.clone(),
            schema: e.schema.clone(),
            properties: e.properties.clone(),
            caption: e.caption.clone(),
            case_id: e.case_id.clone(),
            owner_country: e.owner_country,
            distribution: e.distribution.clone(),
            handling: e.handling,
            evaluation: e.evaluation,
        }
    }
}

/// An entity whose property points at this one (a membership, a call…).
#[derive(Debug, Serialize, ToSchema)]
pub struct Referrer {
    /// The property of the referring entity that points here.
    pub property: String,
    pub id: String,
    pub schema: String,
    pub caption: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntityDetail {
    #[serde(flatten)]
    pub entity: EntityView,
    pub referenced_by: Vec<Referrer>,
}

/// A FollowTheMoney entity as sent: its schema and properties (each a list of values).
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntityBody {
    /// Only on creation: the case file it belongs to.
    pub case_id: Option<String>,
    /// Ignored on creation: the platform gives the id.
    pub id: Option<String>,
    #[schema(min_length = 1)]
    pub schema: String,
    #[serde(default)]
    pub properties: BTreeMap<String, Vec<String>>,
}

impl EntityBody {
    fn input(&self) -> enlace_app::entities::EntityInput {
        enlace_app::entities::EntityInput {
            schema: self.schema.clone(),
            properties: serde_json::to_value(&self.properties).unwrap_or(Value::Null),
        }
    }
}

/// Adds an entity to a case file of the caller's country.
#[utoipa::path(post, path = "/entities", tag = "entities", request_body = EntityBody,
    responses((status = 201, body = EntityView),
        (status = 409, description = "The case file is closed", body = ErrorBody)))]
pub(crate) async fn entity_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<EntityBody>,
) -> ApiResult {
    let case_id = b.case_id.clone().ok_or_else(|| {
        a.err(AppError::Invalid(enlace_domain::Invalid::one(
            "case_id", "required",
        )))
    })?;
    let e = s
        .app
        .create_entity(&a.ctx, &case_id, &b.input())
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(EntityView::from(&e))).into_response())
}

/// One entity, with the entities that point at it.
#[utoipa::path(get, path = "/entities/{id}", tag = "entities", params(("id" = String, Path),
        ("purpose" = Option<String>, Query, description = "Why the record is read: required (422 `purpose_required`) for a sensitive record, kept in the owner's audit")),
    responses((status = 200, body = EntityDetail)))]
pub(crate) async fn entity_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let (e, referring) = s.app.get_entity(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let referenced_by = referring
        .iter()
        .map(|(prop, r)| Referrer {
            property: prop.clone(),
            id: r.id.clone(),
            schema: r.schema.clone(),
            caption: r.caption.clone(),
        })
        .collect();
    Ok(Json(EntityDetail {
        entity: EntityView::from(&e),
        referenced_by,
    })
    .into_response())
}

/// A partial change of an entity: each named property replaces the stored one (an empty
/// list removes it); properties not named keep their values.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntityPatch {
    /// If given, it must be the entity's schema (a schema never changes).
    pub schema: Option<String>,
    #[serde(default)]
    pub properties: BTreeMap<String, Vec<String>>,
    /// The version the change was made on; a stale one answers 409.
    pub version: Option<i64>,
}

/// Changes the properties the body names (its owner country only); the others keep their
/// values.
#[utoipa::path(patch, path = "/entities/{id}", tag = "entities", params(("id" = String, Path)),
    request_body = EntityPatch,
    responses((status = 200, body = EntityView),
        (status = 409, description = "The entity changed since `version`, or its case file is closed", body = ErrorBody)))]
pub(crate) async fn entity_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EntityPatch>,
) -> ApiResult {
    let input = enlace_app::entities::EntityInput {
        schema: b.schema.clone().unwrap_or_default(),
        properties: serde_json::to_value(&b.properties).unwrap_or(Value::Null),
    };
    let e = s
        .app
        .update_entity(
            &a.ctx,
            &id,
            enlace_app::entities::Change::Patch(&input),
            b.version,
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(EntityView::from(&e)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchQuery {
    /// Names, aliases, phone numbers, documents, plates…
    #[serde(default)]
    q: String,
    /// Only this FollowTheMoney schema.
    schema: Option<String>,
    /// Only records owned by this country.
    #[param(value_type = Option<Country>)]
    country: Option<String>,
    /// Why the caller searches (kept in the audit log).
    purpose: Option<String>,
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<i64>,
}

/// A search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub id: String,
    pub schema: String,
    pub properties: BTreeMap<String, Vec<String>>,
    pub caption: String,
    pub owner_country: Country,
    pub case_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub results: Vec<SearchHit>,
    /// How many records match (only those the caller may see).
    pub total: i64,
    /// False when a broad search stopped counting (the total is then a lower bound).
    pub total_exact: bool,
    pub page: i64,
    pub per_page: i64,
}

/// Full-text search over the records the caller may see, newest first.
#[utoipa::path(get, path = "/search", tag = "entities", params(SearchQuery),
    responses((status = 200, body = SearchResults)))]
pub(crate) async fn search(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult {
    check_paging(q.page, q.per_page).map_err(|e| a.err(e))?;
    let (page, per, offset) = paging(q.page, q.per_page);
    let filter = enlace_store::entities::EntityFilter {
        schema: q.schema.clone().filter(|s| !s.is_empty()),
        owner: country_filter("country", q.country.as_deref()).map_err(|e| a.err(e))?,
        ..Default::default()
    };
    let (list, total, exact) = s
        .app
        .search_entities(&a.ctx, &q.q, filter, q.purpose.as_deref(), per, offset)
        .await
        .map_err(|e| a.err(e))?;
    let results = list
        .iter()
        .map(|e| SearchHit {
            id: e.id.clone(),
            schema: e.schema.clone(),
            properties: e.properties.clone(),
            caption: e.caption.clone(),
            owner_country: e.owner_country,
            case_id: e.case_id.clone(),
        })
        .collect();
    Ok(Json(SearchResults {
        results,
        total,
        total_exact: exact,
        page,
        per_page: per,
    })
    .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DepthQuery {
    /// How many links away from the entity (1 to 3, default 1).
    #[param(minimum = 1, maximum = 3)]
    depth: Option<usize>,
}

/// The network of entities linked to one, as far as the caller may see.
#[utoipa::path(get, path = "/entities/{id}/graph", tag = "entities",
    params(("id" = String, Path), DepthQuery),
    responses((status = 200, body = enlace_app::graph::Graph)))]
pub(crate) async fn entity_graph(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DepthQuery>,
) -> ApiResult {
    if q.depth.is_some_and(|d| !(1..=3).contains(&d)) {
        return Err(a.err(AppError::Invalid(enlace_domain::Invalid::one(
            "depth",
            "out_of_range",
        ))));
    }
    let g = s
        .app
        .network(&a.ctx, &id, q.depth.unwrap_or(1))
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(g).into_response())
}

/// One piece of evidence in a score's explanation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Evidence {
    /// `name_part`, `birth_date`, `nationality`, `gender`, `identifier`, `namesakes`…
    pub feature: String,
    /// Log-odds this feature added (positive: for a match; negative: against).
    pub contribution: f64,
    /// What was compared, in words.
    pub detail: String,
}

impl From<enlace_match::Feature> for Evidence {
    fn from(f: enlace_match::Feature) -> Evidence {
        Evidence {
            feature: f.feature,
            contribution: f.contribution,
            detail: f.detail,
        }
    }
}

/// A likely match among the records the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchCandidate {
    pub id: String,
    pub schema: String,
    pub caption: String,
    pub owner_country: Country,
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub score: f64,
    /// What matched and how much each part counted.
    pub explanation: Vec<Evidence>,
    /// The caller's country's decision: `same`, `different` or `unsure`.
    pub decision: Option<String>,
}

/// Cross-referencing: records the caller may see that look like this one.
#[utoipa::path(get, path = "/entities/{id}/matches", tag = "entities",
    params(("id" = String, Path)),
    responses((status = 200, body = Items<MatchCandidate>),
        (status = 503, description = "`index_warming`: the match index is not ready yet after start (see Retry-After)", body = ErrorBody)))]
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
    let items = list
        .into_iter()
        .map(|c| MatchCandidate {
            id: c.entity.id,
            schema: c.entity.schema,
            caption: c.entity.caption,
            owner_country: c.entity.owner_country,
            score: c.score,
            explanation: c.explanation.into_iter().map(Evidence::from).collect(),
            decision: c.decision,
        })
        .collect();
    Ok(Json(Items { items }).into_response())
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum XrefDecision {
    Same,
    Different,
    Unsure,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct DecisionBody {
    decision: XrefDecision,
}

/// Marks a candidate as the same record, a different one, or unsure (kept for the
/// caller's country).
#[utoipa::path(post, path = "/entities/{id}/matches/{candidate}", tag = "entities",
    params(("id" = String, Path), ("candidate" = String, Path)),
    request_body = DecisionBody,
    responses((status = 204, description = "Decision kept")))]
pub(crate) async fn entity_match_decide(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((id, candidate)): Path<(String, String)>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> ApiResult {
    let decision = match b.decision {
        XrefDecision::Same => "same",
        XrefDecision::Different => "different",
        XrefDecision::Unsure => "unsure",
    };
    a.done(
        s.app
            .decide_cross_reference(&a.ctx, &id, &candidate, decision)
            .await,
    )
}
