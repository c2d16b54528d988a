use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::directory::{DirectoryData, DirectoryFilter};
use enlace_domain::Country;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A directory entry: a focal point of a country.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryView {
    pub id: String,
    pub country: Country,
    /// `approved`, `pending` (own country only: a change awaits approval), or `rejected`
    /// (own country only: a first proposal the approver sent back).
    pub status: String,
    /// What the caller sees: other countries the approved version; the own country the
    /// latest.
    pub entry: DirectoryData,
    pub approved: Option<DirectoryData>,
    pub pending_change: Option<DirectoryData>,
    /// Shown on the public portal.
    pub public: bool,
    /// Not re-confirmed for 6 months.
    pub stale: bool,
    pub confirmed_at: Option<String>,
}

pub(crate) fn directory_json(e: &enlace_app::directory::DirectoryEntry) -> DirectoryView {
    DirectoryView {
        id: e.id.clone(),
        country: e.country,
        status: e.status.clone(),
        entry: e.shown.clone(),
        approved: e.approved.clone(),
        pending_change: e.draft.clone(),
        public: e.public,
        stale: e.stale,
        confirmed_at: e.confirmed_at.map(ts),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryList {
    pub items: Vec<DirectoryView>,
    pub total: usize,
}

/// The focal points the caller may see: its own country's entries and the approved entries of others.
#[utoipa::path(get, path = "/directory", tag = "directory", params(DirectoryFilter),
    responses((status = 200, body = DirectoryList)))]
pub(crate) async fn directory_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(f): ApiQuery<DirectoryFilter>,
) -> ApiResult {
    let list = s.app.directory(&a.ctx, &f).await.map_err(|e| a.err(e))?;
    Ok(Json(DirectoryList {
        total: list.len(),
        items: list.iter().map(directory_json).collect(),
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct DirectoryBody {
    #[serde(flatten)]
    data: enlace_app::directory::DirectoryData,
    /// Shown on the public portal once approved.
    #[serde(default)]
    public: bool,
}

/// Proposes an entry of the caller's country (published once its foreign-ministry approver approves it).
#[utoipa::path(post, path = "/directory", tag = "directory", request_body = DirectoryBody,
    responses((status = 201, body = DirectoryView)))]
pub(crate) async fn directory_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<DirectoryBody>,
) -> ApiResult {
    let e = s
        .app
        .propose_directory(&a.ctx, &b.data, b.public)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(directory_json(&e))).into_response())
}

/// One directory entry.
#[utoipa::path(get, path = "/directory/{id}", tag = "directory", params(("id" = String, Path)),
    responses((status = 200, body = DirectoryView)))]
pub(crate) async fn directory_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let e = s
        .app
        .directory_entry(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

/// A partial change of a directory entry: omitted (or null) fields keep their value.
#[derive(Deserialize, ToSchema)]
pub(crate) struct DirectoryPatch {
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    name: Option<String>,
    #[schema(
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    position: Option<String>,
    institution: Option<String>,
    /// Work-plan axes covered (1–4).
    #[schema(max_items = 4)]
    axes: Option<Vec<u8>>,
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    topics: Option<String>,
    #[schema(max_length = 50, pattern = "^[0-9+() .-]*$")]
    phone: Option<String>,
    #[schema(max_length = 200)]
    email: Option<String>,
    languages: Option<Vec<String>>,
    hours: Option<String>,
    available_24_7: Option<bool>,
    /// Shown on the public portal once approved.
    public: Option<bool>,
}

impl DirectoryPatch {
    /// The whole entry this patch makes of the current one.
    fn over(self, current: &DirectoryData, public: bool) -> (DirectoryData, bool) {
        let c = current.clone();
        (
            DirectoryData {
                name: self.name.unwrap_or(c.name),
                position: self.position.unwrap_or(c.position),
                institution: self.institution.unwrap_or(c.institution),
                axes: self.axes.unwrap_or(c.axes),
                topics: self.topics.unwrap_or(c.topics),
                phone: self.phone.unwrap_or(c.phone),
                email: self.email.unwrap_or(c.email),
                languages: self.languages.unwrap_or(c.languages),
                hours: self.hours.unwrap_or(c.hours),
                available_24_7: self.available_24_7.unwrap_or(c.available_24_7),
            },
            self.public.unwrap_or(public),
        )
    }
}

/// Changes what the body names of an entry, keeping the rest (the change awaits approval;
/// the approved version stays visible).
#[utoipa::path(patch, path = "/directory/{id}", tag = "directory", params(("id" = String, Path)), request_body = DirectoryPatch,
    responses((status = 200, body = DirectoryView)))]
pub(crate) async fn directory_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DirectoryPatch>,
) -> ApiResult {
    // The caller's own entry shows its latest version: the patch is laid over that, inside
    // the write transaction.
    let e = s
        .app
        .edit_directory(&a.ctx, &id, |current, public| b.over(current, public))
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

/// Approves the pending version (the country's foreign-ministry approver).
#[utoipa::path(post, path = "/directory/{id}/approve", tag = "directory", params(("id" = String, Path)),
    responses((status = 200, body = DirectoryView),
        (status = 409, description = "Nothing awaits it", body = ErrorBody)))]
pub(crate) async fn directory_approve(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let e = s
        .app
        .approve_directory(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = DirectoryRejection)]
pub(crate) struct DirectoryRejectBody {
    /// Why the proposal goes back (the country's users read it).
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    reason: String,
}

/// Sends the pending version back with a reason (the country's foreign-ministry approver):
/// a change to an approved entry is dropped; a first proposal is marked `rejected`.
#[utoipa::path(post, path = "/directory/{id}/reject", tag = "directory", params(("id" = String, Path)),
    request_body = DirectoryRejectBody,
    responses((status = 200, body = DirectoryView),
        (status = 409, description = "Nothing awaits approval", body = ErrorBody)))]
pub(crate) async fn directory_reject(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DirectoryRejectBody>,
) -> ApiResult {
    let e = s
        .app
        .reject_directory(&a.ctx, &id, &b.reason)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

/// Confirms an entry is still current (clears the stale flag).
#[utoipa::path(post, path = "/directory/{id}/confirm", tag = "directory", params(("id" = String, Path)),
    responses((status = 200, body = DirectoryView),
        (status = 409, description = "Nothing awaits it", body = ErrorBody)))]
pub(crate) async fn directory_confirm(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let e = s
        .app
        .confirm_directory(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

/// The directory the caller may see, as CSV.
#[utoipa::path(get, path = "/directory/export.csv", tag = "directory", params(DirectoryFilter),
    responses((status = 200, description = "CSV (RFC 4180, every cell quoted), one entry per row; a cell starting with =, +, -, @, tab, CR or LF gets a leading ' so spreadsheets show it as text", content_type = "text/csv", body = String)))]
pub async fn directory_csv(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(f): ApiQuery<DirectoryFilter>,
) -> ApiResult {
    let list = s.app.directory(&a.ctx, &f).await.map_err(|e| a.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"enlace-directorio.csv\"",
            ),
        ],
        enlace_app::directory::to_csv(&list).map_err(|e| a.err(e))?,
    )
        .into_response())
}

/// The directory the caller may see, as vCards.
#[utoipa::path(get, path = "/directory/export.vcf", tag = "directory", params(DirectoryFilter),
    responses((status = 200, description = "vCard 3.0 (text escaped as RFC 6350 says), one card per entry", content_type = "text/vcard", body = String)))]
pub async fn directory_vcf(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(f): ApiQuery<DirectoryFilter>,
) -> ApiResult {
    let list = s.app.directory(&a.ctx, &f).await.map_err(|e| a.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/vcard; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"enlace-directorio.vcf\"",
            ),
        ],
        enlace_app::directory::to_vcard(&list),
    )
        .into_response())
}
