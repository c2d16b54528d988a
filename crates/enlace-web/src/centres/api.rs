use crate::api::*;
use crate::extract::ApiCtx;
use crate::i18n::Tr;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use enlace_app::centres::{CentreDraft, CentreView, OccupancyCell, OccupancyInput, OccupancyView};
use enlace_app::AppError;
use enlace_domain::Country;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Kind of a migration centre.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CentreKind {
    Custody,
    Shelter,
    TemporaryStay,
}

/// A migration centre as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CentreJson {
    pub id: String,
    /// The owner country.
    pub country: Country,
    pub name: String,
    #[schema(value_type = CentreKind)]
    pub kind: String,
    /// Nominal capacity.
    pub capacity: i64,
    pub operational_capacity: Option<i64>,
    /// Places for unaccompanied children.
    pub children_capacity: Option<i64>,
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// 1 normal, 2 alert, 3 crisis, 4 emergency.
    #[schema(minimum = 1, maximum = 4)]
    pub crisis_level: i64,
    pub crisis_reason: String,
    pub crisis_at: Option<String>,
    /// For `PATCH` (`version`): a stale one answers 409.
    pub version: i64,
    /// The newest snapshot's total; null when there is none or it is suppressed for the caller.
    pub occupancy: Option<i64>,
    /// The newest total is suppressed for the caller (another country's small figure).
    pub occupancy_suppressed: bool,
    pub occupancy_at: Option<String>,
    /// Unaccompanied children in the newest snapshot; null when suppressed for the caller.
    pub unaccompanied: Option<i64>,
    pub unaccompanied_suppressed: bool,
    /// Occupancy above the effective capacity (operational if given, else nominal).
    pub overcrowded: bool,
    /// No snapshot for the configured number of days (default 7).
    pub unreported: bool,
    pub updated_at: String,
}

pub(crate) fn centre_json(c: &CentreView) -> CentreJson {
    CentreJson {
        id: c.id.clone(),
        country: c.country,
        name: c.name.clone(),
        kind: c.kind.clone(),
        capacity: c.capacity,
        operational_capacity: c.operational_capacity,
        children_capacity: c.children_capacity,
        place: c.place.clone(),
        latitude: c.latitude,
        longitude: c.longitude,
        crisis_level: c.crisis_level,
        crisis_reason: c.crisis_reason.clone(),
        crisis_at: c.crisis_at.map(ts),
        version: c.version,
        occupancy: c.occupancy,
        occupancy_suppressed: c.occupancy_suppressed,
        occupancy_at: c.occupancy_at.map(ts),
        unaccompanied: c.unaccompanied,
        unaccompanied_suppressed: c.unaccompanied_suppressed,
        overcrowded: c.overcrowded,
        unreported: c.unreported,
        updated_at: ts(c.updated_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CentreListJson {
    pub items: Vec<CentreJson>,
    /// Pass back as `?cursor=` for the next page; null on the last.
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CentreListQuery {
    /// Only this member country's centres.
    #[param(pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)?$")]
    country: Option<String>,
    /// From the `next` of the previous page.
    #[param(pattern = "^([1-9][0-9]{0,8})?$")]
    cursor: Option<String>,
}

/// Every member country's centres (reading follows the distribution: centres are regional
/// figures), with the newest occupancy, overcrowding and crisis level.
#[utoipa::path(get, path = "/centres", tag = "centres", params(CentreListQuery),
    responses((status = 200, body = CentreListJson)))]
pub(crate) async fn centres_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<CentreListQuery>,
) -> ApiResult {
    // Exactly as the document states it: a lower-case member code (or nothing).
    let country = match q.country.as_deref() {
        Some(c) if !c.is_empty() && Country::parse(c).is_none_or(|x| x.code() != c) => {
            return Err(a.err(AppError::Invalid(enlace_domain::Invalid::one(
                "country",
                "unknown_country",
            ))))
        }
        c => country_filter("country", c).map_err(|e| a.err(e))?,
    };
    let (list, next) = s
        .app
        .centres(&a.ctx, country, q.cursor.as_deref())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(CentreListJson {
        items: list.iter().map(centre_json).collect(),
        next,
    })
    .into_response())
}

/// A new centre of the caller's country.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CentreCreateBody)]
pub(crate) struct CentreBody {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    name: String,
    #[serde(default)]
    #[schema(required = true, value_type = CentreKind)]
    kind: String,
    /// Nominal capacity.
    #[serde(default)]
    #[schema(required = true, minimum = 0, maximum = 1000000)]
    capacity: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    operational_capacity: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    children_capacity: Option<i64>,
    #[serde(default)]
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    place: String,
    /// With `longitude`, or neither.
    #[serde(default)]
    #[schema(minimum = -90, maximum = 90)]
    latitude: Option<f64>,
    #[serde(default)]
    #[schema(minimum = -180, maximum = 180)]
    longitude: Option<f64>,
}

/// Adds a centre of the caller's country (officers, prosecutors, analysts and the admin).
#[utoipa::path(post, path = "/centres", tag = "centres", request_body = CentreBody,
    responses((status = 201, body = CentreJson)))]
pub(crate) async fn centre_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<CentreBody>,
) -> ApiResult {
    let d = CentreDraft {
        name: b.name,
        kind: b.kind,
        capacity: b.capacity,
        operational_capacity: b.operational_capacity,
        children_capacity: b.children_capacity,
        place: b.place,
        latitude: b.latitude,
        longitude: b.longitude,
    };
    let c = s
        .app
        .create_centre(&a.ctx, &d)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(centre_json(&c))).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CentreCrisisJson {
    #[schema(minimum = 1, maximum = 4)]
    pub level: i64,
    pub previous_level: i64,
    pub reason: String,
    pub at: String,
    /// Who set it.
    pub by: String,
    /// A raise alerted the owner and the neighbours.
    pub alerted: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CentreDetailJson {
    #[serde(flatten)]
    pub centre: CentreJson,
    /// The newest snapshot (other countries' small cells suppressed).
    pub latest: Option<OccupancyJson>,
    /// Crisis history, newest first.
    pub crises: Vec<CentreCrisisJson>,
    /// The member countries a crisis raise alerts besides the owner.
    pub neighbours: Vec<Country>,
}

/// One centre with its newest snapshot, crisis history and neighbours.
#[utoipa::path(get, path = "/centres/{id}", tag = "centres", params(("id" = String, Path)),
    responses((status = 200, body = CentreDetailJson)))]
pub(crate) async fn centre_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let d = s.app.centre(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(Json(CentreDetailJson {
        centre: centre_json(&d.centre),
        latest: d.latest.as_ref().map(occupancy_json),
        crises: d
            .crises
            .iter()
            .map(|c| CentreCrisisJson {
                level: c.level,
                previous_level: c.previous_level,
                reason: c.reason.clone(),
                at: ts(c.at),
                by: c.set_by_username.clone(),
                alerted: c.alert_id.is_some(),
            })
            .collect(),
        neighbours: d.neighbours,
    })
    .into_response())
}

/// A partial change of a centre: omitted fields keep their value; `null` clears an optional
/// one (capacities, coordinates).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CentrePatchBody)]
pub(crate) struct CentrePatch {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    name: Option<String>,
    #[schema(value_type = Option<CentreKind>)]
    kind: Option<String>,
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1000000)]
    #[serde(default, deserialize_with = "crate::api::nullable")]
    capacity: Option<Option<i64>>,
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1000000)]
    #[serde(default, deserialize_with = "crate::api::nullable")]
    operational_capacity: Option<Option<i64>>,
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1000000)]
    #[serde(default, deserialize_with = "crate::api::nullable")]
    children_capacity: Option<Option<i64>>,
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    place: Option<String>,
    #[schema(value_type = Option<f64>, minimum = -90, maximum = 90)]
    #[serde(default, deserialize_with = "crate::api::nullable")]
    latitude: Option<Option<f64>>,
    #[schema(value_type = Option<f64>, minimum = -180, maximum = 180)]
    #[serde(default, deserialize_with = "crate::api::nullable")]
    longitude: Option<Option<f64>>,
    /// The version the change was made on; a stale one answers 409.
    #[schema(minimum = 1)]
    version: Option<i64>,
}

impl CentrePatch {
    fn over(self, c: &CentreDraft) -> CentreDraft {
        let c = c.clone();
        CentreDraft {
            name: self.name.unwrap_or(c.name),
            kind: self.kind.unwrap_or(c.kind),
            capacity: self.capacity.unwrap_or(c.capacity),
            operational_capacity: self.operational_capacity.unwrap_or(c.operational_capacity),
            children_capacity: self.children_capacity.unwrap_or(c.children_capacity),
            place: self.place.unwrap_or(c.place),
            latitude: self.latitude.unwrap_or(c.latitude),
            longitude: self.longitude.unwrap_or(c.longitude),
        }
    }
}

/// Changes what the body names of a centre of the caller's country, keeping the rest.
#[utoipa::path(patch, path = "/centres/{id}", tag = "centres", params(("id" = String, Path)), request_body = CentrePatch,
    responses((status = 200, body = CentreJson),
        (status = 409, description = "`version` is stale: someone changed the centre", body = ErrorBody)))]
pub(crate) async fn centre_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CentrePatch>,
) -> ApiResult {
    let version = b.version;
    let c = s
        .app
        .edit_centre(&a.ctx, &id, version, |current| b.over(current))
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(centre_json(&c)).into_response())
}

/// Sex of the people a cell counts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CentreSex {
    Female,
    Male,
    Other,
    Unknown,
}

/// Age group of the people a cell counts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub enum CentreAgeGroup {
    #[serde(rename = "0_11")]
    Age0To11,
    #[serde(rename = "12_17")]
    Age12To17,
    #[serde(rename = "18_59")]
    Age18To59,
    #[serde(rename = "60_plus")]
    Age60Plus,
    #[serde(rename = "unknown")]
    Unknown,
}

/// One cell of a snapshot: the people of one nationality, sex and age group, unaccompanied
/// children apart.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CentreOccupancyCell)]
pub(crate) struct CellBody {
    /// ISO 3166-1 alpha-2, lower case, or `unknown`.
    #[schema(pattern = "^([a-z]{2}|unknown)$")]
    nationality: String,
    #[schema(value_type = CentreSex)]
    sex: String,
    #[schema(value_type = CentreAgeGroup)]
    age_group: String,
    /// Unaccompanied children (age group `0_11`, `12_17` or `unknown` only).
    #[serde(default)]
    unaccompanied: bool,
    #[schema(minimum = 0, maximum = 1000000)]
    value: i64,
}

/// A snapshot of a centre's occupancy: the cells must add up to the total.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CentreOccupancyBody)]
pub(crate) struct OccupancyBody {
    /// When the count was taken (RFC 3339 UTC, not in the future).
    #[serde(default)]
    #[schema(
        required = true,
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
        example = "2026-03-01T08:00:00Z"
    )]
    at: String,
    #[schema(minimum = 0, maximum = 1000000)]
    total: i64,
    #[schema(max_items = 400)]
    cells: Vec<CellBody>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CentreOccupancyCellView)]
pub struct CellJson {
    pub nationality: String,
    #[schema(value_type = CentreSex)]
    pub sex: String,
    #[schema(value_type = CentreAgeGroup)]
    pub age_group: String,
    pub unaccompanied: bool,
    /// Null when suppressed (another country's small cell).
    pub value: Option<i64>,
    pub suppressed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CentreOccupancyView)]
pub struct OccupancyJson {
    pub id: String,
    pub centre_id: String,
    pub at: String,
    /// Null when suppressed for the caller (another country's small total).
    pub total: Option<i64>,
    pub total_suppressed: bool,
    /// Null when suppressed for the caller.
    pub unaccompanied: Option<i64>,
    pub unaccompanied_suppressed: bool,
    pub cells: Vec<CellJson>,
    /// Who reported it (the owner country only).
    pub reported_by: Option<String>,
    pub reported_at: String,
}

pub(crate) fn occupancy_json(o: &OccupancyView) -> OccupancyJson {
    OccupancyJson {
        id: o.id.clone(),
        centre_id: o.centre_id.clone(),
        at: ts(o.at),
        total: o.total,
        total_suppressed: o.total_suppressed,
        unaccompanied: o.unaccompanied,
        unaccompanied_suppressed: o.unaccompanied_suppressed,
        cells: o
            .cells
            .iter()
            .map(|c| CellJson {
                nationality: c.nationality.clone(),
                sex: c.sex.clone(),
                age_group: c.age_group.clone(),
                unaccompanied: c.unaccompanied,
                value: c.value,
                suppressed: c.suppressed,
            })
            .collect(),
        reported_by: o.reported_by.clone(),
        reported_at: ts(o.reported_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CentreOccupancyList)]
pub struct OccupancyListJson {
    pub items: Vec<OccupancyJson>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OccupancyQuery {
    /// From the `next` of the previous page.
    #[param(pattern = "^([1-9][0-9]{0,8})?$")]
    cursor: Option<String>,
}

/// A centre's snapshots, newest first (other countries' small cells suppressed).
#[utoipa::path(get, path = "/centres/{id}/occupancy", tag = "centres", params(("id" = String, Path), OccupancyQuery),
    responses((status = 200, body = OccupancyListJson)))]
pub(crate) async fn occupancy_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<OccupancyQuery>,
) -> ApiResult {
    let (items, next) = s
        .app
        .occupancy(&a.ctx, &id, q.cursor.as_deref())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(OccupancyListJson {
        items: items.iter().map(occupancy_json).collect(),
        next,
    })
    .into_response())
}

pub(crate) fn occupancy_input(b: OccupancyBody) -> OccupancyInput {
    OccupancyInput {
        at: b.at,
        total: b.total,
        cells: b
            .cells
            .into_iter()
            .map(|c| OccupancyCell {
                nationality: c.nationality,
                sex: c.sex,
                age_group: c.age_group,
                unaccompanied: c.unaccompanied,
                value: c.value,
            })
            .collect(),
    }
}

/// The message of a field error in the caller's language; the cells' gap names both sums.
pub(crate) fn field_message(t: Tr, code: &str, input: &OccupancyInput) -> String {
    match (code, input.gap()) {
        ("centres_cells_sum", Some((sum, total))) => t.t2(
            "centres_cells_sum_gap",
            ("sum", &sum.to_string()),
            ("total", &total.to_string()),
        ),
        _ => crate::error::message(t, code),
    }
}

/// The 422 of a snapshot, in the error shape, with the gap named.
fn occupancy_invalid(a: &ApiCtx, inv: &enlace_domain::Invalid, input: &OccupancyInput) -> Response {
    let t = Tr::new(a.lang);
    let fields: Vec<serde_json::Value> = inv
        .0
        .iter()
        .map(|f| serde_json::json!({"field": f.field, "code": f.code, "message": field_message(t, f.code, input)}))
        .collect();
    let message = inv
        .0
        .iter()
        .find(|f| f.code == "centres_cells_sum")
        .map(|f| field_message(t, f.code, input))
        .unwrap_or_else(|| crate::error::message(t, "invalid_input"));
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(serde_json::json!({"error": {"code": "invalid_input", "message": message, "request_id": a.ctx.origin.request_id, "fields": fields}})),
    )
        .into_response()
}

/// Reports a snapshot of a centre of the caller's country. Every snapshot is kept; above
/// capacity is accepted (shown as overcrowding). 422 when the cells do not add up to the
/// total (the message names both), a count is negative or a code unknown.
#[utoipa::path(post, path = "/centres/{id}/occupancy", tag = "centres", params(("id" = String, Path)), request_body = OccupancyBody,
    responses((status = 201, body = OccupancyJson)))]
pub(crate) async fn occupancy_create(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OccupancyBody>,
) -> ApiResult {
    let input = occupancy_input(b);
    match s.app.report_occupancy(&a.ctx, &id, &input).await {
        Ok(o) => Ok((StatusCode::CREATED, Json(occupancy_json(&o))).into_response()),
        Err(AppError::Invalid(inv)) => Ok(occupancy_invalid(&a, &inv, &input)),
        Err(e) => Err(a.err(e)),
    }
}

/// A crisis level and why.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CentreCrisisBody)]
pub(crate) struct CrisisBody {
    /// 1 normal, 2 alert, 3 crisis, 4 emergency.
    #[serde(default)]
    #[schema(required = true, value_type = i64, minimum = 1, maximum = 4)]
    level: Option<i64>,
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    reason: String,
}

/// Sets a centre's crisis level (its country's users). A raise alerts the owner and the
/// neighbouring member countries at once (`centre_in_crisis` on `GET /api/v1/events` and in
/// their notifications), and no one else; a lowering is recorded, not alerted.
#[utoipa::path(post, path = "/centres/{id}/crisis", tag = "centres", params(("id" = String, Path)), request_body = CrisisBody,
    responses((status = 200, body = CentreJson)))]
pub(crate) async fn crisis_set(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CrisisBody>,
) -> ApiResult {
    let c = s
        .app
        .set_crisis(&a.ctx, &id, b.level.unwrap_or(0), &b.reason)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(centre_json(&c)).into_response())
}

/// How two member countries border each other.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NeighbourKind {
    Land,
    Sea,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeighbourJson {
    pub a: Country,
    pub b: Country,
    #[schema(value_type = NeighbourKind)]
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeighbourListJson {
    pub items: Vec<NeighbourJson>,
    /// Always null: the table is short.
    pub next: Option<String>,
}

/// The neighbour table a centre crisis alerts by (pairs, smaller code first).
#[utoipa::path(get, path = "/neighbours", tag = "centres",
    responses((status = 200, body = NeighbourListJson)))]
pub(crate) async fn neighbours_list(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let rows = s.app.neighbours(&a.ctx).await.map_err(|e| a.err(e))?;
    Ok(Json(NeighbourListJson {
        items: rows
            .into_iter()
            .map(|n| NeighbourJson {
                a: n.a,
                b: n.b,
                kind: n.kind,
            })
            .collect(),
        next: None,
    })
    .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NeighbourBody {
    #[schema(value_type = NeighbourKind)]
    kind: String,
}

/// Adds a pair of neighbours or changes its kind (the secretariat).
#[utoipa::path(put, path = "/neighbours/{a}/{b}", tag = "centres",
    params(("a" = String, Path, pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)$"), ("b" = String, Path, pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)$")),
    request_body = NeighbourBody,
    responses((status = 200, body = NeighbourJson)))]
pub(crate) async fn neighbour_put(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((x, y)): Path<(String, String)>,
    ApiJson(b): ApiJson<NeighbourBody>,
) -> ApiResult {
    s.app
        .put_neighbour(&a.ctx, &x, &y, &b.kind)
        .await
        .map_err(|e| a.err(e))?;
    let (ca, cb) = match (Country::parse(&x), Country::parse(&y)) {
        (Some(p), Some(q)) if p.code() <= q.code() => (p, q),
        (Some(p), Some(q)) => (q, p),
        _ => return Err(a.err(AppError::NotFound)),
    };
    Ok(Json(NeighbourJson {
        a: ca,
        b: cb,
        kind: b.kind,
    })
    .into_response())
}

/// Removes a pair of neighbours (the secretariat).
#[utoipa::path(delete, path = "/neighbours/{a}/{b}", tag = "centres",
    params(("a" = String, Path, pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)$"), ("b" = String, Path, pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)$")),
    responses((status = 204, description = "Removed")))]
pub(crate) async fn neighbour_delete(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((x, y)): Path<(String, String)>,
) -> ApiResult {
    a.done(s.app.delete_neighbour(&a.ctx, &x, &y).await)
}
