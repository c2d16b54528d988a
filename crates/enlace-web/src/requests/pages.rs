use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use enlace_app::AppError;
use enlace_domain::Country;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "requests.html")]
pub(crate) struct RequestsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    outgoing: bool,
    list: Vec<(enlace_store::requests::Request, String)>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "request_form.html")]
pub(crate) struct RequestFormPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    f: RequestForm,
    countries: Vec<(String, String)>,
    errors: Vec<ShownError>,
    /// The check the request comes from: its subject in words and case reference.
    subject: Option<String>,
    case_reference: String,
}

#[derive(Template)]
#[template(path = "request.html")]
pub(crate) struct RequestPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    v: enlace_app::requests::RequestView,
    reasons: Vec<&'static str>,
    errors: Vec<ShownError>,
    /// What the request is about, in words.
    subject: Option<String>,
    /// Just sent: the confirmation to show.
    sent: bool,
}

/// A check's subject in words: «Persona: Ana Ruiz · Fecha de nacimiento: 1990-04-01 ·
/// Nacionalidad: Guatemala», «Teléfono: 5501416704».
pub(crate) fn subject_words(t: Tr, subject: &serde_json::Value) -> Option<String> {
    let schema = subject.get("schema")?.as_str()?;
    let props = subject.get("properties")?.as_object()?;
    let mut parts: Vec<String> = vec![];
    for (k, v) in props {
        let values: Vec<String> = match v {
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str())
                .map(|x| t.value(schema, k, x))
                .collect(),
            serde_json::Value::String(x) => vec![t.value(schema, k, x)],
            _ => vec![],
        };
        let values: Vec<String> = values
            .into_iter()
            .filter(|x| !x.trim().is_empty())
            .collect();
        if !values.is_empty() && enlace_domain::ftm::prop_type(schema, k).is_some() {
            parts.push(format!("{}: {}", t.prop(schema, k), values.join(", ")));
        }
    }
    if parts.is_empty() {
        return None;
    }
    if schema == "Person" {
        Some(format!("{} — {}", t.schema(schema), parts.join(" · ")))
    } else {
        Some(parts.join(" · "))
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
pub struct BoxQuery {
    r#box: Option<String>,
    page: Option<i64>,
}

pub async fn requests_list(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<BoxQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let outgoing = q.r#box.as_deref() == Some("out");
    let page = page_no(q.page);
    let (list, total) = s
        .app
        .list_requests(&ctx, outgoing, PER_PAGE, (page - 1) * PER_PAGE)
        .await
        .map_err(|e| req.err(e))?;
    Ok(render(&RequestsPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        outgoing,
        list,
        pager: Pager::new(
            page,
            total,
            if outgoing {
                "/requests?box=out"
            } else {
                "/requests?box=in"
            },
        ),
    }))
}

pub(crate) fn request_form_page(
    req: &Req,
    f: RequestForm,
    errors: Vec<ShownError>,
    from_check: enlace_app::requests::CheckContext,
) -> Response {
    let t = req.tr();
    let own = req.page_user().and_then(|u| u.country);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&RequestFormPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            f,
            countries: Country::all()
                .filter(|c| Some(c.code().to_string()) != own)
                .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
                .collect(),
            errors,
            subject: from_check
                .subject
                .as_ref()
                .and_then(|v| subject_words(t, v)),
            case_reference: from_check.case_reference,
        }),
    )
}

#[derive(Deserialize)]
pub struct NewRequestQuery {
    to: Option<String>,
    reference: Option<String>,
}

pub async fn request_new(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<NewRequestQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    if ctx.actor.intelligence_country().is_none() {
        return Err(req.err(AppError::Forbidden));
    }
    let reference = q.reference.unwrap_or_default();
    // Opened from a hit: the check's purpose and subject come with it.
    let from_check = match reference.split([',', ' ', ';']).find(|r| !r.is_empty()) {
        Some(r) => s.app.check_context(&ctx, r).await.map_err(|e| req.err(e))?,
        None => Default::default(),
    };
    Ok(request_form_page(
        &req,
        RequestForm {
            to: q.to.unwrap_or_default(),
            purpose: from_check.purpose.clone(),
            reference,
            urgency: "normal".into(),
            ..Default::default()
        },
        vec![],
        from_check,
    ))
}

pub async fn request_create(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<RequestForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let input = enlace_app::requests::RequestInput {
        to: f.to.clone(),
        references: f
            .reference
            .split([',', ' ', ';'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect(),
        purpose: f.purpose.clone(),
        legal_basis: f.legal_basis.clone(),
        urgency: f.urgency.clone(),
        deadline_hours: None,
        message: f.message.clone(),
    };
    match s.app.create_request(&ctx, &input).await {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}?sent=1", r.id)).into_response()),
        Err(AppError::Invalid(inv)) => {
            let first = input.references.first().cloned().unwrap_or_default();
            let from_check = if first.is_empty() {
                Default::default()
            } else {
                s.app
                    .check_context(&ctx, &first)
                    .await
                    .map_err(|e| req.err(e))?
            };
            Ok(request_form_page(
                &req,
                f,
                shown(req.tr(), &inv.0),
                from_check,
            ))
        }
        Err(e) => Err(req.err(e)),
    }
}

pub(crate) async fn request_page(
    s: &AppState,
    req: &Req,
    id: &str,
    errors: Vec<ShownError>,
    sent: bool,
) -> PageResult {
    let ctx = req.ctx()?;
    let v = s.app.get_request(&ctx, id).await.map_err(|e| req.err(e))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&RequestPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            subject: v.subject.as_ref().and_then(|x| subject_words(req.tr(), x)),
            sent: sent && v.i_am_sender,
            v,
            reasons: enlace_app::requests::DECLINE_REASONS.to_vec(),
            errors,
        }),
    ))
}

#[derive(Deserialize)]
pub struct RequestViewQuery {
    sent: Option<String>,
}

pub async fn request_view(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<RequestViewQuery>,
) -> PageResult {
    request_page(&s, &req, &id, vec![], q.sent.is_some()).await
}

/// Every action on a request page posts here with `action` naming it.
pub async fn request_action(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let share: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "share")
        .map(|(_, v)| v.clone())
        .collect();
    let result = match get("action").as_str() {
        "acknowledge" => s.app.acknowledge_request(&ctx, &id).await,
        "answer" => {
            s.app
                .answer_request(&ctx, &id, &get("message"), &share)
                .await
        }
        "decline" => {
            s.app
                .decline_request(&ctx, &id, &get("reason"), &get("text"))
                .await
        }
        "withdraw" => s.app.withdraw_request(&ctx, &id).await,
        "message" => s.app.post_request_message(&ctx, &id, &get("body")).await,
        "mla" => {
            s.app
                .set_request_mla(&ctx, &id, &get("mla_reference"))
                .await
        }
        _ => Err(AppError::Invalid(enlace_domain::Invalid::one(
            "form", "bad_form",
        ))),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/requests/{id}")).into_response()),
        Err(AppError::Invalid(inv)) => {
            request_page(&s, &req, &id, shown(req.tr(), &inv.0), false).await
        }
        Err(e) => Err(req.err(e)),
    }
}
