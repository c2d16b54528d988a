use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::meetings::{
    is_overdue, AgreementFilter, AgreementFull, AgreementInput, AgreementPatch, MeetingFull,
    MeetingInput, MeetingPatch, MAX_DOCUMENT_BYTES,
};
use enlace_app::AppError;
use enlace_domain::{Country, Invalid};
use enlace_store::meetings::{AgreementRow, DocumentRow, FollowupRow, MeetingRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The kind of a meeting.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    Virtual,
    Network,
    Workshop,
}

/// The status of an agreement.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    Open,
    InProgress,
    Done,
    Withdrawn,
}

/// Who must carry an agreement out: a member country or the secretariat.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResponsibleParty {
    Bz,
    Ca,
    Cr,
    Do,
    Sv,
    Gt,
    Hn,
    Mx,
    Ni,
    Pa,
    Us,
    Secretariat,
}

/// A PDF file: the raw bytes of the body (not JSON).
pub struct PdfFile;

impl utoipa::PartialSchema for PdfFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Binary,
            )))
            .content_media_type("application/pdf")
            .into()
    }
}

impl ToSchema for PdfFile {}

/// Minutes in both languages of the network.
#[derive(Debug, Serialize, ToSchema)]
pub struct Minutes {
    pub es: String,
    pub en: String,
}

/// A document distributed to the member countries (PDF).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MeetingDocumentView)]
pub struct DocumentView {
    pub id: String,
    pub title: String,
    pub filename: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
    /// Where members download it (API path).
    pub url: String,
}

pub(crate) fn document_json(d: &DocumentRow) -> DocumentView {
    DocumentView {
        id: d.id.clone(),
        title: d.title.clone(),
        filename: d.filename.clone(),
        content_type: d.content_type.clone(),
        size: d.size,
        sha256: d.sha256.clone(),
        uploaded_at: ts(d.created_at),
        url: format!("/api/v1/meetings/{}/documents/{}", d.meeting_id, d.id),
    }
}

/// An entry of an agreement's follow-up thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowupView {
    pub id: String,
    pub author: String,
    /// The author's country; absent for the secretariat.
    pub country: Option<String>,
    pub text: String,
    /// The status the agreement was set to with this entry, if any.
    pub status: Option<String>,
    pub at: String,
}

pub(crate) fn followup_json(f: &FollowupRow) -> FollowupView {
    FollowupView {
        id: f.id.clone(),
        author: f.author_username.clone(),
        country: f.author_country.clone(),
        text: f.text.clone(),
        status: f.status.clone(),
        at: ts(f.created_at),
    }
}

/// A numbered agreement of a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: String,
    /// `RFE-<year>-<meeting number>/<n>`, fixed for good.
    pub number: String,
    pub meeting_id: String,
    pub text: String,
    /// Member country codes and/or `secretariat`.
    pub responsible: Vec<String>,
    /// `YYYY-MM-DD`.
    pub due: String,
    /// `open`, `in_progress`, `done` or `withdrawn`.
    pub status: String,
    /// The due day has ended and it is neither done nor withdrawn.
    pub overdue: bool,
    /// Shown on the public portal.
    pub public: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The follow-up thread (only when one agreement is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followups: Option<Vec<FollowupView>>,
    /// The meeting it was adopted in (only when one agreement is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting: Option<MeetingBrief>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingBrief {
    pub id: String,
    pub number: i64,
    pub date: String,
    pub title: String,
}

pub(crate) fn agreement_json(a: &AgreementRow, now: i64) -> AgreementView {
    AgreementView {
        id: a.id.clone(),
        number: a.number.clone(),
        meeting_id: a.meeting_id.clone(),
        text: a.text.clone(),
        responsible: a.responsible.clone(),
        due: a.due.clone(),
        status: a.status.clone(),
        overdue: is_overdue(a, now),
        public: a.public,
        version: a.version,
        created_at: ts(a.created_at),
        updated_at: ts(a.updated_at),
        followups: None,
        meeting: None,
    }
}

fn agreement_full_json(f: &AgreementFull, now: i64) -> AgreementView {
    let mut v = agreement_json(&f.agreement, now);
    v.followups = Some(f.followups.iter().map(followup_json).collect());
    v.meeting = Some(MeetingBrief {
        id: f.meeting.id.clone(),
        number: f.meeting.number,
        date: f.meeting.date.clone(),
        title: f.meeting.title.clone(),
    });
    v
}

/// A meeting of the network.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingView {
    pub id: String,
    pub year: i64,
    /// Sequential within the year, assigned at creation, never reused.
    pub number: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `virtual`, `network` or `workshop`.
    pub kind: String,
    pub title: String,
    pub agenda: String,
    /// The member countries that attended.
    pub attendance: Vec<Country>,
    pub minutes: Minutes,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Only when one meeting is read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<DocumentView>>,
    /// Only when one meeting is read, in number order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreements: Option<Vec<AgreementView>>,
}

pub(crate) fn meeting_json(m: &MeetingRow) -> MeetingView {
    MeetingView {
        id: m.id.clone(),
        year: m.year,
        number: m.number,
        date: m.date.clone(),
        kind: m.kind.clone(),
        title: m.title.clone(),
        agenda: m.agenda.clone(),
        attendance: m.attendance.clone(),
        minutes: Minutes {
            es: m.minutes_es.clone(),
            en: m.minutes_en.clone(),
        },
        version: m.version,
        created_at: ts(m.created_at),
        updated_at: ts(m.updated_at),
        documents: None,
        agreements: None,
    }
}

fn meeting_full_json(f: &MeetingFull, now: i64) -> MeetingView {
    let mut v = meeting_json(&f.meeting);
    v.documents = Some(f.documents.iter().map(document_json).collect());
    v.agreements = Some(
        f.agreements
            .iter()
            .map(|a| agreement_json(a, now))
            .collect(),
    );
    v
}

/// A list page: `next` is the cursor of the next page (pass it back as `?cursor=`), or null.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingList {
    pub items: Vec<MeetingView>,
    pub next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementList {
    pub items: Vec<AgreementView>,
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct MinutesBody {
    #[schema(
        max_length = 100000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    es: Option<String>,
    #[schema(
        max_length = 100000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    en: Option<String>,
}

/// A new meeting (secretariat). Its number is the next of its year.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct MeetingBody {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    title: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(required = true, format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    date: String,
    #[serde(default)]
    #[schema(required = true, value_type = MeetingKind)]
    kind: String,
    #[serde(default)]
    #[schema(
        max_length = 20000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    agenda: String,
    /// Member countries that attended.
    #[serde(default)]
    #[schema(value_type = Vec<Country>, max_items = 11)]
    attendance: Vec<String>,
    #[serde(default)]
    minutes: Option<MinutesBody>,
}

/// Records a meeting (secretariat).
#[utoipa::path(post, path = "/meetings", tag = "meetings", request_body = MeetingBody,
    responses((status = 201, body = MeetingView)))]
pub(crate) async fn meeting_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<MeetingBody>,
) -> ApiResult {
    let minutes = b.minutes.unwrap_or_default();
    let m = s
        .app
        .create_meeting(
            &a.ctx,
            &MeetingInput {
                title: b.title,
                date: b.date,
                kind: b.kind,
                agenda: b.agenda,
                attendance: b.attendance,
                minutes_es: minutes.es.unwrap_or_default(),
                minutes_en: minutes.en.unwrap_or_default(),
            },
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(meeting_json(&m))).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CursorQuery {
    /// The `next` of the previous page.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9a-f]{32}$")]
    cursor: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The meetings, newest first.
#[utoipa::path(get, path = "/meetings", tag = "meetings", params(CursorQuery),
    responses((status = 200, body = MeetingList)))]
pub(crate) async fn meetings_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<CursorQuery>,
) -> ApiResult {
    if q.limit.is_some_and(|l| !(1..=200).contains(&l)) {
        return Err(a.err(AppError::Invalid(Invalid::one("limit", "out_of_range"))));
    }
    let (items, next) = s
        .app
        .meetings(&a.ctx, q.cursor.as_deref(), q.limit.unwrap_or(50))
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(MeetingList {
        items: items.iter().map(meeting_json).collect(),
        next,
    })
    .into_response())
}

/// One meeting with its documents and agreements.
#[utoipa::path(get, path = "/meetings/{id}", tag = "meetings", params(("id" = String, Path)),
    responses((status = 200, body = MeetingView)))]
pub(crate) async fn meeting_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let m = s.app.meeting(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(Json(meeting_full_json(&m, s.app.now_ms())).into_response())
}

/// A partial change of a meeting: omitted fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct MeetingPatchBody {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    title: Option<String>,
    /// `YYYY-MM-DD`, within the meeting's year (its number belongs to the year).
    #[schema(format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    date: Option<String>,
    #[schema(value_type = Option<MeetingKind>)]
    kind: Option<String>,
    #[schema(
        max_length = 20000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    agenda: Option<String>,
    /// The member countries that attended (the whole list).
    #[schema(value_type = Option<Vec<Country>>, max_items = 11)]
    attendance: Option<Vec<String>>,
    /// Either language or both.
    minutes: Option<MinutesBody>,
    /// When given and stale: 409 `version_conflict`.
    #[schema(minimum = 1)]
    version: Option<i64>,
}

/// Sets a meeting's agenda, attendance, minutes (or title, date, kind) — secretariat.
#[utoipa::path(patch, path = "/meetings/{id}", tag = "meetings", params(("id" = String, Path)),
    request_body = MeetingPatchBody,
    responses((status = 200, body = MeetingView),
        (status = 409, description = "`version` is stale", body = ErrorBody)))]
pub(crate) async fn meeting_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MeetingPatchBody>,
) -> ApiResult {
    let (es, en) = match b.minutes {
        Some(m) => (m.es, m.en),
        None => (None, None),
    };
    let p = MeetingPatch {
        title: b.title,
        date: b.date,
        kind: b.kind,
        agenda: b.agenda,
        attendance: b.attendance,
        minutes_es: es,
        minutes_en: en,
        version: b.version,
    };
    let m = s
        .app
        .update_meeting(&a.ctx, &id, &p)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(meeting_full_json(&m, s.app.now_ms())).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DocumentQuery {
    /// The document's title as members see it.
    #[param(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    title: Option<String>,
    /// The file name for downloads (`.pdf` is added if missing).
    #[param(max_length = 120)]
    filename: Option<String>,
}

/// Distributes a document of the meeting to the members (secretariat): the body is the PDF
/// itself (`Content-Type: application/pdf`), at most 10 MiB.
#[utoipa::path(post, path = "/meetings/{id}/documents", tag = "meetings",
    params(("id" = String, Path), DocumentQuery),
    request_body(content = PdfFile, content_type = "application/pdf", description = "The PDF file (at most 10 MiB)"),
    responses((status = 201, body = DocumentView)))]
pub(crate) async fn document_upload(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
    body: axum::body::Body,
) -> ApiResult {
    // Bounded: a body over the limit is refused without being held whole.
    let bytes = axum::body::to_bytes(body, MAX_DOCUMENT_BYTES + 1)
        .await
        .map_err(|_| a.err(AppError::Invalid(Invalid::one("file", "too_large"))))?;
    let d = s
        .app
        .add_meeting_document(
            &a.ctx,
            &id,
            q.title.as_deref().unwrap_or(""),
            q.filename.as_deref().unwrap_or(""),
            &bytes,
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(document_json(&d))).into_response())
}

/// Downloads a meeting document (member countries' users and the secretariat; audited).
#[utoipa::path(get, path = "/meetings/{id}/documents/{doc}", tag = "meetings",
    params(("id" = String, Path), ("doc" = String, Path)),
    responses((status = 200, description = "The PDF", content_type = "application/pdf", body = PdfFile)))]
pub(crate) async fn document_download(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((id, doc)): Path<(String, String)>,
) -> ApiResult {
    let (d, bytes) = s
        .app
        .meeting_document(&a.ctx, &id, &doc)
        .await
        .map_err(|e| a.err(e))?;
    Ok(pdf_response(&d, bytes))
}

pub(crate) fn pdf_response(d: &DocumentRow, bytes: Vec<u8>) -> axum::response::Response {
    crate::page::download("application/pdf", &d.filename, bytes)
}

/// A new agreement of a meeting (secretariat).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct AgreementBody {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 64)]
    meeting_id: String,
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    text: String,
    /// Member country codes and/or `secretariat`.
    #[serde(default)]
    #[schema(required = true, value_type = Vec<ResponsibleParty>, min_items = 1, max_items = 12)]
    responsible: Vec<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(required = true, format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    due: String,
    /// Shown on the public portal (default false).
    #[serde(default)]
    public: bool,
}

/// Records an agreement (secretariat): numbered `RFE-<year>-<meeting>/<n>` for good.
#[utoipa::path(post, path = "/agreements", tag = "agreements", request_body = AgreementBody,
    responses((status = 201, body = AgreementView)))]
pub(crate) async fn agreement_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<AgreementBody>,
) -> ApiResult {
    let row = s
        .app
        .create_agreement(
            &a.ctx,
            &AgreementInput {
                meeting_id: b.meeting_id,
                text: b.text,
                responsible: b.responsible,
                due: b.due,
                public: b.public,
            },
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok((
        StatusCode::CREATED,
        Json(agreement_json(&row, s.app.now_ms())),
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AgreementQueryParams {
    #[param(value_type = Option<AgreementStatus>)]
    status: Option<String>,
    /// A responsible member country, or `secretariat`.
    #[param(value_type = Option<ResponsibleParty>)]
    country: Option<String>,
    /// Only overdue agreements.
    overdue: Option<bool>,
    /// Only this meeting's agreements.
    #[param(pattern = "^[0-9a-f]{32}$")]
    meeting_id: Option<String>,
    /// The `next` of the previous page.
    #[param(pattern = "^[0-9a-f]{32}$")]
    cursor: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// Agreements, newest first, filtered by status, responsible country and overdue.
#[utoipa::path(get, path = "/agreements", tag = "agreements", params(AgreementQueryParams),
    responses((status = 200, body = AgreementList)))]
pub(crate) async fn agreements_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<AgreementQueryParams>,
) -> ApiResult {
    let (items, next) = s
        .app
        .agreements(
            &a.ctx,
            &AgreementFilter {
                status: q.status,
                country: q.country,
                overdue: q.overdue.unwrap_or(false),
                meeting_id: q.meeting_id,
                cursor: q.cursor,
                limit: q.limit,
            },
        )
        .await
        .map_err(|e| a.err(e))?;
    let now = s.app.now_ms();
    Ok(Json(AgreementList {
        items: items.iter().map(|x| agreement_json(x, now)).collect(),
        next,
    })
    .into_response())
}

/// One agreement with its meeting and follow-up thread.
#[utoipa::path(get, path = "/agreements/{id}", tag = "agreements", params(("id" = String, Path)),
    responses((status = 200, body = AgreementView)))]
pub(crate) async fn agreement_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let f = s.app.agreement(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(Json(agreement_full_json(&f, s.app.now_ms())).into_response())
}

/// A partial change of an agreement. The responsible countries' users set `status` (not to
/// `withdrawn`) with an optional `note`; the secretariat changes anything. The number stays.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct AgreementPatchBody {
    #[schema(value_type = Option<AgreementStatus>)]
    status: Option<String>,
    /// Shown on the public portal (secretariat).
    public: Option<bool>,
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    text: Option<String>,
    #[schema(format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    due: Option<String>,
    #[schema(value_type = Option<Vec<ResponsibleParty>>, min_items = 1, max_items = 12)]
    responsible: Option<Vec<String>>,
    /// Posted to the thread with the change.
    #[schema(
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    note: Option<String>,
    /// When given and stale: 409 `version_conflict`.
    #[schema(minimum = 1)]
    version: Option<i64>,
}

/// Changes an agreement's status (or, for the secretariat, its text, due date,
/// responsible, publication); the number never changes.
#[utoipa::path(patch, path = "/agreements/{id}", tag = "agreements", params(("id" = String, Path)),
    request_body = AgreementPatchBody,
    responses((status = 200, body = AgreementView),
        (status = 409, description = "`version` is stale", body = ErrorBody)))]
pub(crate) async fn agreement_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AgreementPatchBody>,
) -> ApiResult {
    let p = AgreementPatch {
        status: b.status,
        public: b.public,
        text: b.text,
        due: b.due,
        responsible: b.responsible,
        note: b.note,
        version: b.version,
    };
    let f = s
        .app
        .update_agreement(&a.ctx, &id, &p)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(agreement_full_json(&f, s.app.now_ms())).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct FollowupBody {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    text: String,
}

/// Posts to an agreement's follow-up thread (the secretariat or a responsible country's users).
#[utoipa::path(post, path = "/agreements/{id}/followups", tag = "agreements", params(("id" = String, Path)),
    request_body = FollowupBody,
    responses((status = 201, body = FollowupView)))]
pub(crate) async fn followup_create(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<FollowupBody>,
) -> ApiResult {
    let f = s
        .app
        .add_followup(&a.ctx, &id, &b.text)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(followup_json(&f))).into_response())
}
