use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::upload::UploadForm;
use crate::AppState;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
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

/// The upload form: a title and one PDF.
pub async fn document_upload(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let ctx = req.ctx()?;
    let form = UploadForm::read(&req, mp, MAX_DOCUMENT_BYTES, "file").await?;
    let (filename, data) = form
        .file("file")
        .map(|f| (f.filename.as_str(), f.data.as_slice()))
        .unwrap_or(("", &[]));
    match s
        .app
        .add_meeting_document(&ctx, &id, form.text("title"), filename, data)
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
