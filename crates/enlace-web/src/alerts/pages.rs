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
#[template(path = "alerts.html")]
pub(crate) struct AlertsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    alerts: Vec<enlace_store::live::Alert>,
    /// Ids of the alerts with an unread notification for this user.
    unread: Vec<String>,
    kind: String,
    kinds: Vec<String>,
    pager: Pager,
    can_send: bool,
}

#[derive(Template)]
#[template(path = "alert_form.html")]
pub(crate) struct AlertFormPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    f: AlertForm,
    kinds: Vec<String>,
    countries: Vec<(String, String)>,
    errors: Vec<ShownError>,
}

#[derive(Template)]
#[template(path = "alert.html")]
pub(crate) struct AlertPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    v: enlace_app::alerts::AlertView,
    can_ack: bool,
    errors: Vec<ShownError>,
}

#[derive(Deserialize, Default, Clone)]
pub struct AlertForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    handling: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    countries: Vec<String>,
    #[serde(default)]
    related: String,
}

#[derive(Deserialize)]
pub struct AlertsQuery {
    kind: Option<String>,
    page: Option<i64>,
}

pub async fn alerts_list(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<AlertsQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let page = page_no(q.page);
    let kind = q.kind.clone().unwrap_or_default();
    let (alerts, total) = s
        .app
        .list_alerts(&ctx, Some(kind.as_str()), PER_PAGE, (page - 1) * PER_PAGE)
        .await
        .map_err(|e| req.err(e))?;
    let unread = s
        .app
        .unread_links(&ctx)
        .await
        .map_err(|e| req.err(e))?
        .into_iter()
        .filter_map(|l| l.strip_prefix("/alerts/").map(str::to_string))
        .collect();
    Ok(render(&AlertsPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        alerts,
        unread,
        pager: Pager::new(page, total, &format!("/alerts?kind={}", url_encode(&kind))),
        kind,
        kinds: enlace_app::alerts::KINDS
            .iter()
            .map(|k| k.to_string())
            .collect(),
        can_send: ctx.actor.intelligence_country().is_some(),
    }))
}

pub(crate) fn alert_form_page(req: &Req, f: AlertForm, errors: Vec<ShownError>) -> Response {
    let t = req.tr();
    let own = req.page_user().and_then(|u| u.country);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&AlertFormPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            f,
            kinds: enlace_app::alerts::KINDS
                .iter()
                .map(|k| k.to_string())
                .collect(),
            countries: Country::all()
                .filter(|c| Some(c.code().to_string()) != own)
                .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
                .collect(),
            errors,
        }),
    )
}

pub async fn alert_new(req: Req) -> PageResult {
    let ctx = req.ctx()?;
    if ctx.actor.intelligence_country().is_none() {
        return Err(req.err(AppError::Forbidden));
    }
    Ok(alert_form_page(
        &req,
        AlertForm {
            kind: "new_route".into(),
            scope: "countries".into(),
            ..Default::default()
        },
        vec![],
    ))
}

pub async fn alert_send(
    State(s): State<AppState>,
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
    let f = AlertForm {
        kind: get("kind"),
        title: get("title"),
        body: get("body"),
        urgency: get("urgency"),
        handling: get("handling"),
        scope: get("scope"),
        countries: pairs
            .iter()
            .filter(|(k, _)| k == "countries")
            .map(|(_, v)| v.clone())
            .collect(),
        related: get("related"),
    };
    let input = enlace_app::alerts::AlertInput {
        kind: f.kind.clone(),
        title: f.title.clone(),
        body: f.body.clone(),
        urgency: f.urgency.clone(),
        handling: f.handling.clone(),
        recipients: if f.scope == "members" {
            serde_json::json!("members")
        } else {
            serde_json::json!(f.countries)
        },
        related: f
            .related
            .split([',', ' ', ';', '\n'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
    };
    match s.app.send_alert(&ctx, &input).await {
        Ok(a) => Ok(Redirect::to(&format!("/alerts/{}", a.id)).into_response()),
        Err(AppError::Invalid(inv)) => Ok(alert_form_page(&req, f, shown(req.tr(), &inv.0))),
        Err(e) => Err(req.err(e)),
    }
}

pub(crate) async fn alert_page(
    s: &AppState,
    req: &Req,
    id: &str,
    errors: Vec<ShownError>,
) -> PageResult {
    let ctx = req.ctx()?;
    let v = s.app.get_alert(&ctx, id).await.map_err(|e| req.err(e))?;
    let me = ctx.actor.intelligence_country();
    let can_ack = me.is_some_and(|c| v.alert.recipients.contains(&c)) && !v.my_country_acked;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&AlertPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            v,
            can_ack,
            errors,
        }),
    ))
}

pub async fn alert_view(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> PageResult {
    alert_page(&s, &req, &id, vec![]).await
}

pub async fn alert_action(
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
    let result = match get("action").as_str() {
        "acknowledge" => s.app.ack_alert(&ctx, &id).await,
        "reply" => s.app.reply_alert(&ctx, &id, &get("body")).await,
        _ => Err(AppError::Invalid(enlace_domain::Invalid::one(
            "form", "bad_form",
        ))),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/alerts/{id}")).into_response()),
        Err(AppError::Invalid(inv)) => alert_page(&s, &req, &id, shown(req.tr(), &inv.0)).await,
        Err(e) => Err(req.err(e)),
    }
}
