use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::documents::{DocumentInput, Specimen};
use enlace_app::visas::NationalityCode;
use enlace_domain::Country;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TravelDocumentView)]
pub struct DocumentView {
    pub id: String,
    /// The member country that recorded the specimen (and alone changes it).
    pub recorded_by: Country,
    pub issuing_country: String,
    pub kind: String,
    pub series: String,
    #[schema(format = Date)]
    pub first_issued: Option<String>,
    pub validity_years: Option<i64>,
    pub description: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImageView {
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    /// Where the image is served (member users only).
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureView {
    pub id: String,
    /// The page or side (e.g. "data page").
    pub page: String,
    pub name: String,
    pub description: String,
    pub image: Option<ImageView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForgeryView {
    pub id: String,
    /// The member country that reported it.
    pub country: Country,
    pub title: String,
    pub description: String,
    #[schema(format = Date)]
    pub first_seen: Option<String>,
    pub reported_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpecimenView {
    #[serde(flatten)]
    pub document: DocumentView,
    pub features: Vec<FeatureView>,
    pub forgery_patterns: Vec<ForgeryView>,
}

pub(crate) fn document_json(d: &enlace_store::documents::DocumentRow) -> DocumentView {
    DocumentView {
        id: d.id.clone(),
        recorded_by: d.owner,
        issuing_country: d.issuing_country.clone(),
        kind: d.kind.clone(),
        series: d.series.clone(),
        first_issued: d.first_issued.clone(),
        validity_years: d.validity_years,
        description: d.description.clone(),
        created_at: ts(d.created_at),
        updated_at: ts(d.updated_at),
    }
}

pub(crate) fn specimen_json(s: &Specimen) -> SpecimenView {
    SpecimenView {
        document: document_json(&s.document),
        features: s
            .features
            .iter()
            .map(|f| FeatureView {
                id: f.id.clone(),
                page: f.page.clone(),
                name: f.name.clone(),
                description: f.description.clone(),
                image: f.image.as_ref().map(|(t, w, h)| ImageView {
                    content_type: t.clone(),
                    width: *w,
                    height: *h,
                    url: format!(
                        "/api/v1/documents/{}/features/{}/image",
                        s.document.id, f.id
                    ),
                }),
            })
            .collect(),
        forgery_patterns: s
            .forgeries
            .iter()
            .map(|f| ForgeryView {
                id: f.id.clone(),
                country: f.owner,
                title: f.title.clone(),
                description: f.description.clone(),
                first_seen: f.first_seen.clone(),
                reported_at: ts(f.created_at),
            })
            .collect(),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentFilter {
    /// The issuing country (ISO 3166-1 alpha-2, lower case).
    #[param(value_type = Option<NationalityCode>)]
    pub issuing_country: Option<String>,
    /// `passport`, `identity_card`, `visa`, `residence_permit`, `travel_document` or `other`.
    #[param(value_type = Option<enlace_app::documents::DocumentKind>)]
    pub kind: Option<String>,
    /// Where the previous page ended (its `next`).
    #[param(pattern = "^[0-9a-f]{32}$")]
    pub cursor: Option<String>,
    /// 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage {
    pub items: Vec<DocumentView>,
    pub next: Option<String>,
}

/// Travel-document specimens (member users only).
#[utoipa::path(get, path = "/documents", tag = "documents", params(DocumentFilter),
    responses((status = 200, body = DocumentPage)))]
pub(crate) async fn documents_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(f): ApiQuery<DocumentFilter>,
) -> ApiResult {
    let (rows, next) = s
        .app
        .documents(
            &a.ctx,
            f.issuing_country.as_deref(),
            f.kind.as_deref(),
            f.cursor.as_deref(),
            f.limit.unwrap_or(50),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(DocumentPage {
        items: rows.iter().map(document_json).collect(),
        next,
    })
    .into_response())
}

/// Records a specimen (a member's officers, prosecutors and analysts; it belongs to their country).
#[utoipa::path(post, path = "/documents", tag = "documents", request_body = DocumentInput,
    responses((status = 201, body = SpecimenView)))]
pub(crate) async fn documents_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<DocumentInput>,
) -> ApiResult {
    let sp = s
        .app
        .create_document(&a.ctx, &b)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(specimen_json(&sp))).into_response())
}

/// A specimen with its security features and forgery patterns.
#[utoipa::path(get, path = "/documents/{id}", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, body = SpecimenView)))]
pub(crate) async fn document_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let sp = s.app.specimen(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(Json(specimen_json(&sp)).into_response())
}

/// A partial change: omitted fields keep their value; `null` clears an optional one (first
/// issued, validity).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct DocumentPatch {
    #[schema(value_type = Option<NationalityCode>)]
    issuing_country: Option<String>,
    #[schema(value_type = Option<enlace_app::documents::DocumentKind>)]
    kind: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    series: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "crate::api::nullable")]
    first_issued: Option<Option<String>>,
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 50)]
    #[serde(default, deserialize_with = "crate::api::nullable")]
    validity_years: Option<Option<i64>>,
    #[schema(
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    description: Option<String>,
}

impl DocumentPatch {
    fn over(self, c: DocumentInput) -> DocumentInput {
        DocumentInput {
            issuing_country: self.issuing_country.unwrap_or(c.issuing_country),
            kind: self.kind.unwrap_or(c.kind),
            series: self.series.unwrap_or(c.series),
            first_issued: self.first_issued.unwrap_or(c.first_issued),
            validity_years: self.validity_years.unwrap_or(c.validity_years),
            description: self.description.unwrap_or(c.description),
        }
    }
}

/// Changes what the body names of a specimen (its recording country only).
#[utoipa::path(patch, path = "/documents/{id}", tag = "documents", params(("id" = String, Path)),
    request_body = DocumentPatch, responses((status = 200, body = SpecimenView)))]
pub(crate) async fn document_patch(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DocumentPatch>,
) -> ApiResult {
    let sp = s
        .app
        .edit_document(&a.ctx, &id, |c| b.over(c))
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(specimen_json(&sp)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ImageInput {
    /// `image/png` or `image/jpeg`: it must be what the bytes are.
    content_type: Option<String>,
    /// The image, base64 (at most 700 KiB decoded; sides 16–8000 pixels).
    #[schema(max_length = 1_048_576)]
    data: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct FeatureInput {
    /// The page or side (e.g. "data page").
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    page: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    name: String,
    #[schema(
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    description: String,
    image: Option<ImageInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Created {
    id: String,
}

/// Adds a security feature, with an optional PNG or JPEG image (the recording country only).
#[utoipa::path(post, path = "/documents/{id}/features", tag = "documents", params(("id" = String, Path)),
    request_body = FeatureInput, responses((status = 201, body = Created)))]
pub(crate) async fn feature_create(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<FeatureInput>,
) -> ApiResult {
    let bytes = match &b.image {
        None => None,
        Some(i) => {
            Some(enlace_app::documents::decode_base64(&i.data).map_err(|e| a.err(e.into()))?)
        }
    };
    let image = bytes
        .as_deref()
        .map(|b2| (b2, b.image.as_ref().and_then(|i| i.content_type.as_deref())));
    let fid = s
        .app
        .add_feature(&a.ctx, &id, &b.page, &b.name, &b.description, image)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(Created { id: fid })).into_response())
}

/// Serves a feature's image to member users: the type its bytes were checked to be, never
/// sniffed by the browser (nosniff), inline, not cached (the site's CSP applies too).
#[utoipa::path(get, path = "/documents/{id}/features/{feature}/image", tag = "documents",
    params(("id" = String, Path), ("feature" = String, Path)),
    responses((status = 200, description = "The image", content_type = "image/png", body = String)))]
pub(crate) async fn feature_image(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((id, feature)): Path<(String, String)>,
) -> ApiResult {
    let (kind, bytes) = s
        .app
        .feature_image(&a.ctx, &id, &feature)
        .await
        .map_err(|e| a.err(e))?;
    let ext = if kind == "image/png" { "png" } else { "jpg" };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&kind) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"feature.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ForgeryInput {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    title: String,
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    description: String,
    /// First seen (`YYYY-MM-DD`).
    #[schema(format = Date)]
    first_seen: Option<String>,
}

/// Reports a forgery pattern of a specimen (any member's officers, prosecutors and analysts).
#[utoipa::path(post, path = "/documents/{id}/forgeries", tag = "documents", params(("id" = String, Path)),
    request_body = ForgeryInput, responses((status = 201, body = Created)))]
pub(crate) async fn forgery_create(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ForgeryInput>,
) -> ApiResult {
    let fid = s
        .app
        .add_forgery(
            &a.ctx,
            &id,
            &b.title,
            &b.description,
            b.first_seen.as_deref(),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(Created { id: fid })).into_response())
}
