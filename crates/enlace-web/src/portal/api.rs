use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::portal::{PortalInput, MAX_FILE};
use enlace_app::AppError;
use enlace_domain::Invalid;
use enlace_store::portal::PortalItem;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An item of the public portal, as those who work on it see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalItemView {
    pub id: String,
    /// `publication`, `event` or `campaign`.
    pub kind: String,
    pub title: Bilingual,
    pub body: Bilingual,
    /// An event's date (YYYY-MM-DD).
    pub event_date: Option<String>,
    pub place: String,
    /// An outside page about it.
    pub link: String,
    /// `proposed` (awaits the secretariat), `published` or `unpublished`.
    pub status: String,
    /// Its place in the portal's order (lower first).
    pub position: i64,
    /// The proposing country (absent: the secretariat).
    pub proposed_by_country: Option<String>,
    /// The attached PDF, if any.
    pub file: Option<FileView>,
    pub created_at: String,
    pub published_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Bilingual {
    pub es: String,
    pub en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileView {
    pub name: String,
    pub size: i64,
}

pub(crate) fn view(i: &PortalItem) -> PortalItemView {
    PortalItemView {
        id: i.id.clone(),
        kind: i.kind.clone(),
        title: Bilingual {
            es: i.title_es.clone(),
            en: i.title_en.clone(),
        },
        body: Bilingual {
            es: i.body_es.clone(),
            en: i.body_en.clone(),
        },
        event_date: i.event_date.clone(),
        place: i.place.clone(),
        link: i.link.clone(),
        status: i.status.clone(),
        position: i.position,
        proposed_by_country: i.proposed_country.clone(),
        file: i.file_name.clone().map(|name| FileView {
            name,
            size: i.file_size.unwrap_or(0),
        }),
        created_at: ts(i.created_at),
        published_at: i.published_at.map(ts),
    }
}

/// A list and where it goes on.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalList {
    pub items: Vec<PortalItemView>,
    /// Pass back as `?cursor=` for the next page; null on the last.
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only items with this status.
    #[param(pattern = "^(proposed|published|unpublished)$")]
    status: Option<String>,
    /// Where the previous page ended.
    #[param(pattern = "^[0-9]{1,9}$")]
    cursor: Option<String>,
}

const PER_PAGE: usize = 100;

/// The portal's items the caller works with: all of them for the secretariat; for a member
/// country, its own proposals and what is published.
#[utoipa::path(get, path = "/portal/items", tag = "portal", params(ListQuery),
    responses((status = 200, body = PortalList)))]
pub(crate) async fn portal_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult {
    let mut errs = Invalid::default();
    let status = q.status;
    if status
        .as_deref()
        .is_some_and(|x| !["proposed", "published", "unpublished"].contains(&x))
    {
        errs.push("status", "bad_status");
    }
    let from = match q.cursor.as_deref() {
        None => 0,
        Some(c) => c.parse::<usize>().unwrap_or_else(|_| {
            errs.push("cursor", "bad_cursor");
            0
        }),
    };
    errs.into_result()
        .map_err(|e| a.err(AppError::Invalid(e)))?;
    let items = s.app.portal_items(&a.ctx).await.map_err(|e| a.err(e))?;
    let matching: Vec<&PortalItem> = items
        .iter()
        .filter(|i| status.as_deref().is_none_or(|st| i.status == st))
        .collect();
    let page: Vec<PortalItemView> = matching
        .iter()
        .skip(from)
        .take(PER_PAGE)
        .map(|i| view(i))
        .collect();
    let next = (from + PER_PAGE < matching.len()).then(|| (from + PER_PAGE).to_string());
    Ok(Json(PortalList { items: page, next }).into_response())
}

/// A proposal (a member country) or a new item (the secretariat). Omitted fields keep
/// their value on a change.
#[derive(Deserialize, ToSchema)]
pub(crate) struct PortalBody {
    #[schema(pattern = "^(publication|event|campaign)$")]
    kind: Option<String>,
    /// The title in Spanish (a title in one language at least).
    #[schema(
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    title_es: Option<String>,
    #[schema(
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    title_en: Option<String>,
    #[schema(
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    body_es: Option<String>,
    #[schema(
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    body_en: Option<String>,
    /// An event's date, YYYY-MM-DD (required for an event).
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    event_date: Option<String>,
    #[schema(
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    place: Option<String>,
    /// An outside page about it (http or https).
    #[schema(max_length = 500, pattern = "^(https?://[^\\s]{4,})?$")]
    link: Option<String>,
    /// The secretariat only: publish at once.
    #[serde(default)]
    publish: bool,
}

impl PortalBody {
    fn input(self) -> (PortalInput, bool) {
        (
            PortalInput {
                kind: self.kind,
                title_es: self.title_es,
                title_en: self.title_en,
                body_es: self.body_es,
                body_en: self.body_en,
                event_date: self.event_date,
                place: self.place,
                link: self.link,
            },
            self.publish,
        )
    }
}

/// Proposes an item for the public portal (a member country: it waits for the secretariat),
/// or adds one (the secretariat: unpublished, or published with `"publish":true`).
#[utoipa::path(post, path = "/portal/items", tag = "portal", request_body = PortalBody,
    responses((status = 201, body = PortalItemView)))]
pub(crate) async fn portal_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<PortalBody>,
) -> ApiResult {
    let (input, publish) = b.input();
    let item = s
        .app
        .propose_portal_item(&a.ctx, input, publish)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(view(&item))).into_response())
}

/// One item.
#[utoipa::path(get, path = "/portal/items/{id}", tag = "portal", params(("id" = String, Path)),
    responses((status = 200, body = PortalItemView)))]
pub(crate) async fn portal_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let item = s.app.portal_item(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(Json(view(&item)).into_response())
}

/// Changes what the body names (the secretariat; or the proposing country while its
/// proposal waits).
#[utoipa::path(patch, path = "/portal/items/{id}", tag = "portal", params(("id" = String, Path)),
    request_body = PortalBody, responses((status = 200, body = PortalItemView)))]
pub(crate) async fn portal_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PortalBody>,
) -> ApiResult {
    let (input, _) = b.input();
    let item = s
        .app
        .edit_portal_item(&a.ctx, &id, input)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(view(&item)).into_response())
}

/// Publishes an item on the portal (the secretariat).
#[utoipa::path(post, path = "/portal/items/{id}/publish", tag = "portal", params(("id" = String, Path)),
    responses((status = 200, body = PortalItemView)))]
pub(crate) async fn portal_publish(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let item = s
        .app
        .set_portal_status(&a.ctx, &id, true)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(view(&item)).into_response())
}

/// Takes an item off the portal (the secretariat).
#[utoipa::path(post, path = "/portal/items/{id}/unpublish", tag = "portal", params(("id" = String, Path)),
    responses((status = 200, body = PortalItemView)))]
pub(crate) async fn portal_unpublish(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let item = s
        .app
        .set_portal_status(&a.ctx, &id, false)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(view(&item)).into_response())
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct MoveBody {
    /// `up` (earlier on the portal) or `down`.
    #[schema(pattern = "^(up|down)$")]
    direction: String,
}

/// Moves an item one place up or down in the portal's order (the secretariat).
#[utoipa::path(post, path = "/portal/items/{id}/move", tag = "portal", params(("id" = String, Path)),
    request_body = MoveBody, responses((status = 200, body = PortalItemView)))]
pub(crate) async fn portal_move(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MoveBody>,
) -> ApiResult {
    let up = match b.direction.as_str() {
        "up" => true,
        "down" => false,
        _ => {
            return Err(a.err(AppError::Invalid(Invalid::one(
                "direction",
                "bad_direction",
            ))))
        }
    };
    let item = s
        .app
        .move_portal_item(&a.ctx, &id, up)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(view(&item)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FileQuery {
    /// The file's name as offered for download.
    #[param(max_length = 200)]
    name: Option<String>,
}

/// Attaches a publication's PDF (the body is the file, at most 10 MiB).
#[utoipa::path(put, path = "/portal/items/{id}/file", tag = "portal", params(("id" = String, Path), FileQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The PDF's bytes (any content type is read as the file)"),
    responses((status = 200, body = PortalItemView)))]
pub(crate) async fn portal_put_file(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
    body: axum::body::Body,
) -> ApiResult {
    // Read up to the limit and no further: a larger body is refused, never buffered.
    let bytes = axum::body::to_bytes(body, MAX_FILE + 1)
        .await
        .map_err(|_| a.err(AppError::Invalid(Invalid::one("file", "too_large"))))?;
    let name = q.name.unwrap_or_else(|| "documento.pdf".into());
    let item = s
        .app
        .put_portal_file(&a.ctx, &id, &name, bytes.to_vec())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(view(&item)).into_response())
}
