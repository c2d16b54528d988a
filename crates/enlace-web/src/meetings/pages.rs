use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use enlace_app::meetings::{
    is_overdue, AgreementFilter, AgreementFull, AgreementInput, AgreementPatch, MeetingFull,
    MeetingInput, MeetingPatch, KINDS, MAX_DOCUMENT_BYTES, SECRETARIAT, STATUSES,
};
use enlace_app::AppError;
use enlace_domain::policy::{may_follow_agreement, may_manage_meetings};
use enlace_domain::{Country, Invalid};
use enlace_store::meetings::{AgreementRow, MeetingRow};
use serde::Deserialize;

type Pairs = Vec<(String, String)>;

fn get(pairs: &Pairs, k: &str) -> String {
    pairs
        .iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn all(pairs: &Pairs, k: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A (code, name) list of the member countries in the reader's language.
fn countries(t: Tr) -> Vec<(String, String)> {
    Country::all()
        .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
        .collect()
}

/// The responsible parties' names in the reader's language.
pub(crate) fn party_names(t: Tr, parties: &[String]) -> String {
    parties
        .iter()
        .map(|p| {
            if p == SECRETARIAT {
                t.t("meetings_secretariat")
            } else {
                t.country(p)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An agreement as a row of a table.
pub(crate) struct AgreementLine {
    pub id: String,
    pub number: String,
    pub text: String,
    pub responsible: String,
    pub due: String,
    pub status: String,
    pub overdue: bool,
    pub public: bool,
}

fn line(t: Tr, a: &AgreementRow, now: i64) -> AgreementLine {
    AgreementLine {
        id: a.id.clone(),
        number: a.number.clone(),
        text: a.text.clone(),
        responsible: party_names(t, &a.responsible),
        due: a.due.clone(),
        status: t.t(&format!("meetings_status_{}", a.status)),
        overdue: is_overdue(a, now),
        public: a.public,
    }
}

#[derive(Template)]
#[template(path = "meetings.html")]
pub(crate) struct MeetingsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    meetings: Vec<MeetingRow>,
    next: Option<String>,
    can_manage: bool,
    kinds: Vec<String>,
    form: MeetingInput,
    errors: Vec<ShownError>,
}

#[derive(Deserialize, Default)]
pub struct CursorQuery {
    #[serde(default)]
    cursor: String,
}

async fn meetings_page(
    s: &AppState,
    req: &Req,
    cursor: &str,
    form: MeetingInput,
    errors: Vec<ShownError>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (meetings, next) = s
        .app
        .meetings(&ctx, Some(cursor), 50)
        .await
        .map_err(|e| req.err(e))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&MeetingsPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            meetings,
            next: next.map(|n| format!("/meetings?cursor={}", url_encode(&n))),
            can_manage: may_manage_meetings(&ctx.actor),
            kinds: KINDS.iter().map(|k| k.to_string()).collect(),
            form,
            errors,
        }),
    ))
}

pub async fn meetings_list(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<CursorQuery>,
) -> PageResult {
    let form = MeetingInput {
        kind: "virtual".into(),
        ..Default::default()
    };
    meetings_page(&s, &req, &q.cursor, form, vec![]).await
}

pub async fn meeting_create(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Pairs>,
) -> PageResult {
    let ctx = req.ctx()?;
    let input = MeetingInput {
        title: get(&pairs, "title"),
        date: get(&pairs, "date"),
        kind: get(&pairs, "kind"),
        ..Default::default()
    };
    match s.app.create_meeting(&ctx, &input).await {
        Ok(m) => Ok(Redirect::to(&format!("/meetings/{}", m.id)).into_response()),
        Err(AppError::Invalid(inv)) => {
            let errors = shown(req.tr(), &inv.0);
            meetings_page(&s, &req, "", input, errors).await
        }
        Err(e) => Err(req.err(e)),
    }
}

#[derive(Template)]
#[template(path = "meeting.html")]
pub(crate) struct MeetingPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    m: MeetingRow,
    /// The form's values (the meeting, or what was sent back with errors).
    f: MeetingRow,
    /// The attending countries' codes in the form.
    f_attendance: Vec<String>,
    kind_label: String,
    documents: Vec<enlace_store::meetings::DocumentRow>,
    agreements: Vec<AgreementLine>,
    attended: Vec<(String, String)>,
    countries: Vec<(String, String)>,
    kinds: Vec<String>,
    can_manage: bool,
    max_mb: usize,
    /// The new agreement form's values.
    a_text: String,
    a_due: String,
    a_responsible: Vec<String>,
    a_secretariat: bool,
    a_public: bool,
    errors: Vec<ShownError>,
}

#[derive(Default)]
struct AgreementForm {
    text: String,
    due: String,
    responsible: Vec<String>,
    public: bool,
}

fn meeting_page(
    req: &Req,
    full: MeetingFull,
    form: Option<MeetingRow>,
    a: AgreementForm,
    errors: Vec<ShownError>,
    now: i64,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let m = full.meeting;
    let f = form.unwrap_or_else(|| m.clone());
    // Attending countries by name, in the reader's language.
    let mut attended: Vec<(String, String)> = m
        .attendance
        .iter()
        .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
        .collect();
    attended.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(with_status(
        status,
        render(&MeetingPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            kind_label: t.t(&format!("meetings_kind_{}", m.kind)),
            f_attendance: f.attendance.iter().map(|c| c.code().to_string()).collect(),
            f,
            attended,
            m,
            documents: full.documents,
            agreements: full.agreements.iter().map(|x| line(t, x, now)).collect(),
            countries: countries(t),
            kinds: KINDS.iter().map(|k| k.to_string()).collect(),
            can_manage: may_manage_meetings(&ctx.actor),
            max_mb: MAX_DOCUMENT_BYTES / (1024 * 1024),
            a_text: a.text,
            a_due: a.due,
            a_secretariat: a.responsible.iter().any(|r| r == SECRETARIAT),
            a_responsible: a.responsible,
            a_public: a.public,
            errors,
        }),
    ))
}

pub async fn meeting_view(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let full = s.app.meeting(&ctx, &id).await.map_err(|e| req.err(e))?;
    meeting_page(
        &req,
        full,
        None,
        AgreementForm::default(),
        vec![],
        s.app.now_ms(),
    )
}

/// The meeting form: every field, the whole attendance.
pub async fn meeting_update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Pairs>,
) -> PageResult {
    let ctx = req.ctx()?;
    let p = MeetingPatch {
        title: Some(get(&pairs, "title")),
        date: Some(get(&pairs, "date")),
        kind: Some(get(&pairs, "kind")),
        agenda: Some(get(&pairs, "agenda")),
        attendance: Some(all(&pairs, "attendance")),
        minutes_es: Some(get(&pairs, "minutes_es")),
        minutes_en: Some(get(&pairs, "minutes_en")),
        version: get(&pairs, "version").parse().ok(),
    };
    match s.app.update_meeting(&ctx, &id, &p).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}")).into_response()),
        Err(AppError::Invalid(inv)) => {
            let full = s.app.meeting(&ctx, &id).await.map_err(|e| req.err(e))?;
            let mut f = full.meeting.clone();
            f.title = get(&pairs, "title");
            f.date = get(&pairs, "date");
            f.kind = get(&pairs, "kind");
            f.agenda = get(&pairs, "agenda");
            f.attendance = all(&pairs, "attendance")
                .iter()
                .filter_map(|c| Country::parse(c))
                .collect();
            f.minutes_es = get(&pairs, "minutes_es");
            f.minutes_en = get(&pairs, "minutes_en");
            let errors = shown(req.tr(), &inv.0);
            meeting_page(
                &req,
                full,
                Some(f),
                AgreementForm::default(),
                errors,
                s.app.now_ms(),
            )
        }
        Err(e) => Err(req.err(e)),
    }
}

/// One part of a multipart/form-data body.
struct Part<'a> {
    name: String,
    filename: Option<String>,
    data: &'a [u8],
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// A `name="value"` parameter of a Content-Disposition header.
fn disposition_param(h: &str, key: &str) -> Option<String> {
    let marker = format!("{key}=\"");
    let mut rest = h;
    while let Some(i) = rest.find(&marker) {
        // `filename="…"` must not match inside `name="…"`'s search and the reverse.
        let before = rest[..i].chars().last();
        let v = &rest[i + marker.len()..];
        if matches!(before, None | Some(' ') | Some(';')) {
            return v.find('"').map(|end| v[..end].to_string());
        }
        rest = v;
    }
    None
}

/// Splits a multipart/form-data body (RFC 7578) already held in memory and bounded in size.
/// Only what the upload form sends is understood: named fields and one file.
fn multipart<'a>(content_type: &str, body: &'a [u8]) -> Option<Vec<Part<'a>>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    if boundary.is_empty() || boundary.len() > 200 {
        return None;
    }
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut pos = find(body, delim.as_bytes(), 0)? + delim.len();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            break;
        }
        // After the delimiter: CRLF, the part's headers, a blank line, its data.
        pos = find(body, b"\r\n", pos)? + 2;
        let head_end = find(body, b"\r\n\r\n", pos)?;
        let head = std::str::from_utf8(&body[pos..head_end]).ok()?;
        let data_start = head_end + 4;
        let next = find(body, format!("\r\n{delim}").as_bytes(), data_start)?;
        let disposition = head
            .split("\r\n")
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        parts.push(Part {
            name: disposition_param(disposition, "name")?,
            filename: disposition_param(disposition, "filename"),
            data: &body[data_start..next],
        });
        pos = next + 2 + delim.len();
        if parts.len() > 16 {
            return None;
        }
    }
    Some(parts)
}

/// The upload form (multipart, so not through `CsrfForm`): its CSRF field is checked here.
pub async fn document_upload(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> PageResult {
    let ctx = req.ctx()?;
    let bad = |code: &'static str| req.err(AppError::Invalid(Invalid::one("file", code)));
    // The file plus the form's few small fields.
    let bytes = axum::body::to_bytes(body, MAX_DOCUMENT_BYTES + 64 * 1024)
        .await
        .map_err(|_| bad("too_large"))?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts = multipart(ct, &bytes)
        .ok_or_else(|| req.err(AppError::Invalid(Invalid::one("form", "bad_form"))))?;
    let field = |n: &str| {
        parts
            .iter()
            .find(|p| p.name == n && p.filename.is_none())
            .map(|p| String::from_utf8_lossy(p.data).to_string())
            .unwrap_or_default()
    };
    let expected = req.csrf();
    if expected.is_empty()
        || !enlace_app::crypto::constant_time_eq(field("csrf").as_bytes(), expected.as_bytes())
    {
        return Err(req.err(AppError::Forbidden).with_code("bad_csrf"));
    }
    let file = parts.iter().find(|p| p.name == "file");
    let filename = file.and_then(|f| f.filename.clone()).unwrap_or_default();
    let data = file.map(|f| f.data).unwrap_or(&[]);
    match s
        .app
        .add_meeting_document(&ctx, &id, &field("title"), &filename, data)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}#documents")).into_response()),
        Err(AppError::Invalid(inv)) => {
            let full = s.app.meeting(&ctx, &id).await.map_err(|e| req.err(e))?;
            let errors = shown(req.tr(), &inv.0);
            meeting_page(
                &req,
                full,
                None,
                AgreementForm::default(),
                errors,
                s.app.now_ms(),
            )
        }
        Err(e) => Err(req.err(e)),
    }
}

pub async fn document_download(
    State(s): State<AppState>,
    req: Req,
    Path((id, doc)): Path<(String, String)>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (d, bytes) = s
        .app
        .meeting_document(&ctx, &id, &doc)
        .await
        .map_err(|e| req.err(e))?;
    Ok(super::api::pdf_response(&d, bytes))
}

/// The new-agreement form on a meeting's page.
pub async fn agreement_create(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Pairs>,
) -> PageResult {
    let ctx = req.ctx()?;
    let input = AgreementInput {
        meeting_id: get(&pairs, "meeting_id"),
        text: get(&pairs, "text"),
        responsible: all(&pairs, "responsible"),
        due: get(&pairs, "due"),
        public: !get(&pairs, "public").is_empty(),
    };
    match s.app.create_agreement(&ctx, &input).await {
        Ok(a) => Ok(Redirect::to(&format!("/agreements/{}", a.id)).into_response()),
        Err(AppError::Invalid(inv)) => {
            let full = s
                .app
                .meeting(&ctx, &input.meeting_id)
                .await
                .map_err(|e| req.err(e))?;
            let errors = shown(req.tr(), &inv.0);
            meeting_page(
                &req,
                full,
                None,
                AgreementForm {
                    text: input.text,
                    due: input.due,
                    responsible: input.responsible,
                    public: input.public,
                },
                errors,
                s.app.now_ms(),
            )
        }
        Err(e) => Err(req.err(e)),
    }
}

#[derive(Template)]
#[template(path = "agreements.html")]
pub(crate) struct AgreementsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    agreements: Vec<AgreementLine>,
    next: Option<String>,
    f: AgreementsQuery,
    statuses: Vec<(String, String)>,
    countries: Vec<(String, String)>,
}

#[derive(Deserialize, Default, Clone)]
pub struct AgreementsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    cursor: String,
}

pub async fn agreements_list(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<AgreementsQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let (rows, next) = s
        .app
        .agreements(
            &ctx,
            &AgreementFilter {
                status: Some(q.status.clone()),
                country: Some(q.country.clone()),
                overdue: !q.overdue.is_empty(),
                meeting_id: None,
                cursor: Some(q.cursor.clone()),
                limit: Some(50),
            },
        )
        .await
        .map_err(|e| req.err(e))?;
    let now = s.app.now_ms();
    let next = next.map(|n| {
        let query = serde_urlencoded::to_string(
            [
                ("status", q.status.as_str()),
                ("country", q.country.as_str()),
                ("overdue", q.overdue.as_str()),
                ("cursor", n.as_str()),
            ]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect::<Vec<_>>(),
        )
        .unwrap_or_default();
        format!("/agreements?{query}")
    });
    let mut parties = countries(t);
    parties.push((SECRETARIAT.to_string(), t.t("meetings_secretariat")));
    Ok(render(&AgreementsPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        agreements: rows.iter().map(|a| line(t, a, now)).collect(),
        next,
        f: q,
        statuses: STATUSES
            .iter()
            .map(|s| (s.to_string(), t.t(&format!("meetings_status_{s}"))))
            .collect(),
        countries: parties,
    }))
}

#[derive(Template)]
#[template(path = "agreement.html")]
pub(crate) struct AgreementPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    a: AgreementLine,
    full: AgreementFull,
    can_follow: bool,
    can_manage: bool,
    /// Statuses this user may set (the responsible countries: all but withdrawn).
    statuses: Vec<(String, String)>,
    /// The withdrawal awaits confirmation.
    confirm_withdraw: bool,
    /// The secretariat's edit form: every member country and the secretariat.
    parties: Vec<(String, String)>,
    errors: Vec<ShownError>,
}

#[derive(Deserialize, Default)]
pub struct AgreementViewQuery {
    #[serde(default)]
    withdraw: String,
}

fn agreement_page(
    req: &Req,
    full: AgreementFull,
    confirm_withdraw: bool,
    errors: Vec<ShownError>,
    now: i64,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let can_manage = may_manage_meetings(&ctx.actor);
    let can_follow = may_follow_agreement(&ctx.actor, &full.agreement.responsible)
        && (can_manage || full.agreement.status != "withdrawn");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&AgreementPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            a: line(t, &full.agreement, now),
            statuses: STATUSES
                .iter()
                .filter(|s| **s != "withdrawn")
                .map(|s| (s.to_string(), t.t(&format!("meetings_status_{s}"))))
                .collect(),
            full,
            can_follow,
            can_manage,
            confirm_withdraw: confirm_withdraw && can_manage,
            parties: {
                let mut p = countries(t);
                p.push((SECRETARIAT.to_string(), t.t("meetings_secretariat")));
                p
            },
            errors,
        }),
    ))
}

pub async fn agreement_view(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<AgreementViewQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let full = s.app.agreement(&ctx, &id).await.map_err(|e| req.err(e))?;
    agreement_page(&req, full, !q.withdraw.is_empty(), vec![], s.app.now_ms())
}

/// The agreement page's forms: `status` (with a note), `followup`, `public`, `withdraw`
/// (after its confirmation page).
pub async fn agreement_action(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Pairs>,
) -> PageResult {
    let ctx = req.ctx()?;
    let result = match get(&pairs, "action").as_str() {
        "status" => s
            .app
            .update_agreement(
                &ctx,
                &id,
                &AgreementPatch {
                    status: Some(get(&pairs, "status")),
                    note: Some(get(&pairs, "note")),
                    ..Default::default()
                },
            )
            .await
            .map(|_| ()),
        "edit" => s
            .app
            .update_agreement(
                &ctx,
                &id,
                &AgreementPatch {
                    text: Some(get(&pairs, "text")),
                    due: Some(get(&pairs, "due")),
                    responsible: Some(all(&pairs, "responsible")),
                    version: get(&pairs, "version").parse().ok(),
                    ..Default::default()
                },
            )
            .await
            .map(|_| ()),
        "followup" => s
            .app
            .add_followup(&ctx, &id, &get(&pairs, "text"))
            .await
            .map(|_| ()),
        "public" => s
            .app
            .update_agreement(
                &ctx,
                &id,
                &AgreementPatch {
                    public: Some(get(&pairs, "public") == "1"),
                    ..Default::default()
                },
            )
            .await
            .map(|_| ()),
        "withdraw" if get(&pairs, "confirm") == "1" => s
            .app
            .update_agreement(
                &ctx,
                &id,
                &AgreementPatch {
                    status: Some("withdrawn".into()),
                    note: Some(get(&pairs, "note")),
                    ..Default::default()
                },
            )
            .await
            .map(|_| ()),
        _ => Err(AppError::Invalid(Invalid::one("form", "bad_form"))),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/agreements/{id}")).into_response()),
        Err(AppError::Invalid(inv)) => {
            let full = s.app.agreement(&ctx, &id).await.map_err(|e| req.err(e))?;
            let errors = shown(req.tr(), &inv.0);
            agreement_page(&req, full, false, errors, s.app.now_ms())
        }
        Err(e) => Err(req.err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::multipart;

    #[test]
    fn reads_the_upload_form() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"acta.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--X\r\n--XyZ--\r\n";
        let parts = multipart("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "csrf");
        assert_eq!(parts[0].data, b"abc");
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].filename.as_deref(), Some("acta.pdf"));
        assert_eq!(parts[1].data, b"%PDF-1.4\r\n--X");
        assert!(multipart("multipart/form-data", body).is_none());
        assert!(multipart("multipart/form-data; boundary=XyZ", b"junk").is_none());
    }
}
