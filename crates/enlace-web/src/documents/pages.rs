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
use enlace_app::documents::{DocumentInput, Specimen, KINDS};
use enlace_app::AppError;
use enlace_domain::{nations, Invalid};
use serde::Deserialize;

fn world(t: Tr) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = nations::all()
        .iter()
        .map(|(c, es, en)| {
            (
                c.to_string(),
                if t.code() == "en" { en } else { es }.to_string(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

fn kinds(t: Tr) -> Vec<(String, String)> {
    KINDS
        .iter()
        .map(|k| (k.to_string(), t.t(&format!("documents_kind_{k}"))))
        .collect()
}

fn nation(t: Tr, c: &str) -> String {
    nations::name(c, t.code())
        .map(str::to_string)
        .unwrap_or_else(|| c.to_ascii_uppercase())
}

fn errors_of(t: Tr, inv: &Invalid) -> Vec<ShownError> {
    inv.0
        .iter()
        .map(|e| ShownError {
            field: e.field.to_string(),
            message: {
                let key = format!("documents_field_{}", e.field);
                let label = if t.has(&key) {
                    t.t(&key)
                } else {
                    e.field.to_string()
                };
                format!("{label}: {}", crate::error::message(t, e.code))
            },
        })
        .collect()
}

/// A specimen's row in a list, in words.
pub(crate) struct DocRow {
    id: String,
    issuing: String,
    kind: String,
    series: String,
    first_issued: String,
    validity: String,
    recorded_by: String,
}

fn doc_row(t: Tr, d: &enlace_store::documents::DocumentRow) -> DocRow {
    DocRow {
        id: d.id.clone(),
        issuing: nation(t, &d.issuing_country),
        kind: t.t(&format!("documents_kind_{}", d.kind)),
        series: d.series.clone(),
        first_issued: d.first_issued.clone().unwrap_or_else(|| "—".into()),
        validity: d
            .validity_years
            .map(|y| t.t1("documents_years", "years", &y.to_string()))
            .unwrap_or_else(|| "—".into()),
        recorded_by: t.country(d.owner.code()),
    }
}

#[derive(Template)]
#[template(path = "documents.html")]
pub(crate) struct ListPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    rows: Vec<DocRow>,
    next: Option<String>,
    f: ListQuery,
    world: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    can_record: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    issuing_country: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    cursor: String,
}

pub async fn list_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let nz = |v: &str| Some(v.to_string()).filter(|x| !x.is_empty());
    let (rows, next) = s
        .app
        .documents(
            &ctx,
            nz(&q.issuing_country).as_deref(),
            nz(&q.kind).as_deref(),
            nz(&q.cursor).as_deref(),
            50,
        )
        .await
        .map_err(|e| req.err(e))?;
    let next = next.map(|n| {
        format!(
            "/documents?issuing_country={}&kind={}&cursor={n}",
            url_encode(&q.issuing_country),
            url_encode(&q.kind)
        )
    });
    Ok(render(&ListPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        rows: rows.iter().map(|d| doc_row(t, d)).collect(),
        next,
        f: q,
        world: world(t),
        kinds: kinds(t),
        can_record: ctx.actor.intelligence_country().is_some(),
    }))
}

#[derive(Template)]
#[template(path = "document_form.html")]
pub(crate) struct FormPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    action: String,
    d: DocumentInput,
    world: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    errors: Vec<ShownError>,
}

fn form_page(req: &Req, action: String, d: DocumentInput, errors: Vec<ShownError>) -> PageResult {
    let t = req.tr();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&FormPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            action,
            d,
            world: world(t),
            kinds: kinds(t),
            errors,
        }),
    ))
}

pub async fn new_page(req: Req) -> PageResult {
    let ctx = req.ctx()?;
    if ctx.actor.intelligence_country().is_none() {
        return Err(req.err(AppError::Forbidden));
    }
    form_page(
        &req,
        "/documents".into(),
        DocumentInput {
            kind: "passport".into(),
            ..Default::default()
        },
        vec![],
    )
}

/// The form's fields, and a problem the form itself has (a validity that is no number).
fn input_of(pairs: &[(String, String)]) -> (DocumentInput, Option<Invalid>) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let years = get("validity_years");
    let mut d = DocumentInput {
        issuing_country: get("issuing_country"),
        kind: get("kind"),
        series: get("series"),
        first_issued: Some(get("first_issued")).filter(|x| !x.is_empty()),
        validity_years: None,
        description: get("description"),
    };
    if !years.is_empty() {
        match years.parse() {
            Ok(y) => d.validity_years = Some(y),
            Err(_) => return (d, Some(Invalid::one("validity_years", "out_of_range"))),
        }
    }
    (d, None)
}

pub async fn create_post(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let (d, bad) = input_of(&pairs);
    if let Some(inv) = bad {
        return form_page(&req, "/documents".into(), d, errors_of(t, &inv));
    }
    match s.app.create_document(&ctx, &d).await {
        Ok(sp) => Ok(Redirect::to(&format!("/documents/{}", sp.document.id)).into_response()),
        Err(AppError::Invalid(inv)) => form_page(&req, "/documents".into(), d, errors_of(t, &inv)),
        Err(e) => Err(req.err(e)),
    }
}

pub(crate) struct FeatureShown {
    page: String,
    name: String,
    description: String,
    image: Option<(String, i64, i64)>,
}

pub(crate) struct ForgeryShown {
    country: String,
    title: String,
    description: String,
    first_seen: String,
    reported_at: String,
}

#[derive(Template)]
#[template(path = "document.html")]
pub(crate) struct SpecimenPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    id: String,
    row: DocRow,
    description: String,
    features: Vec<FeatureShown>,
    forgeries: Vec<ForgeryShown>,
    can_edit: bool,
    can_report: bool,
    errors: Vec<ShownError>,
    d: DocumentInput,
    world: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
}

fn specimen_page_of(req: &Req, sp: &Specimen, errors: Vec<ShownError>) -> PageResult {
    let t = req.tr();
    let me = req.full().map(|a| a.user.actor());
    let recorder = me.as_ref().and_then(|a| a.intelligence_country());
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let id = &sp.document.id;
    Ok(with_status(
        status,
        render(&SpecimenPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            id: id.clone(),
            row: doc_row(t, &sp.document),
            description: sp.document.description.clone(),
            features: sp
                .features
                .iter()
                .map(|f| FeatureShown {
                    page: f.page.clone(),
                    name: f.name.clone(),
                    description: f.description.clone(),
                    image: f.image.as_ref().map(|(_, w, h)| {
                        (
                            format!("/api/v1/documents/{id}/features/{}/image", f.id),
                            *w,
                            *h,
                        )
                    }),
                })
                .collect(),
            forgeries: sp
                .forgeries
                .iter()
                .map(|f| ForgeryShown {
                    country: t.country(f.owner.code()),
                    title: f.title.clone(),
                    description: f.description.clone(),
                    first_seen: f.first_seen.clone().unwrap_or_else(|| "—".into()),
                    reported_at: t.datetime(&f.created_at),
                })
                .collect(),
            can_edit: recorder == Some(sp.document.owner),
            can_report: recorder.is_some(),
            errors,
            d: DocumentInput::of(&sp.document),
            world: world(t),
            kinds: kinds(t),
        }),
    ))
}

pub async fn specimen_page(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let sp = s.app.specimen(&ctx, &id).await.map_err(|e| req.err(e))?;
    specimen_page_of(&req, &sp, vec![])
}

/// The specimen's forms: report a forgery (`action=forgery`) or edit it (`action=edit`,
/// shown on the edit page).
pub async fn specimen_post(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let back = format!("/documents/{id}");
    let r = match get("action").as_str() {
        "forgery" => {
            let seen = get("first_seen");
            s.app
                .add_forgery(
                    &ctx,
                    &id,
                    &get("title"),
                    &get("description"),
                    Some(seen.as_str()),
                )
                .await
                .map(|_| ())
        }
        "edit" => match input_of(&pairs) {
            (d, None) => s.app.edit_document(&ctx, &id, |_| d).await.map(|_| ()),
            (_, Some(inv)) => Err(AppError::Invalid(inv)),
        },
        _ => Err(AppError::Invalid(Invalid::one("form", "bad_form"))),
    };
    match r {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(AppError::Invalid(inv)) => {
            let sp = s.app.specimen(&ctx, &id).await.map_err(|e| req.err(e))?;
            specimen_page_of(&req, &sp, errors_of(t, &inv))
        }
        Err(e) => Err(req.err(e)),
    }
}

/// Adds a security feature with an optional image (multipart form, with the CSRF token).
pub async fn feature_post(
    State(s): State<AppState>,
    Path(id): Path<String>,
    req: Req,
    mp: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let form = UploadForm::read(&req, mp, s.web.body_limit, "image").await?;
    let image = form
        .file("image")
        .filter(|f| !f.data.is_empty())
        .map(|f| (f.data.as_slice(), f.content_type.as_deref()));
    match s
        .app
        .add_feature(
            &ctx,
            &id,
            form.text("page"),
            form.text("name"),
            form.text("description"),
            image,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/documents/{id}")).into_response()),
        Err(AppError::Invalid(inv)) => {
            let sp = s.app.specimen(&ctx, &id).await.map_err(|e| req.err(e))?;
            specimen_page_of(&req, &sp, errors_of(t, &inv))
        }
        Err(e) => Err(req.err(e)),
    }
}
