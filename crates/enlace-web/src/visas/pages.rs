use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use enlace_app::visas::{SourceInput, VisaFilter, VisaInput, REGIMES};
use enlace_app::AppError;
use enlace_domain::{nations, policy, Country, Invalid};
use enlace_store::visas::VisaRow;
use serde::Deserialize;

/// A row as the pages show it: every word in the reader's language.
pub(crate) struct RowView {
    pub destination: String,
    pub destination_name: String,
    pub nationality: String,
    pub nationality_name: String,
    pub regime: String,
    /// The regime in words, with the stay when there is one.
    pub answer: String,
    pub effective: String,
    pub source: String,
    pub source_url: String,
    pub notes: String,
    pub verified: bool,
    pub version: i64,
    pub change: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub superseded_at: String,
}

/// Field errors in words, with this feature's field names.
pub(crate) fn shown_visas(t: Tr, errs: &[enlace_domain::FieldError]) -> Vec<ShownError> {
    errs.iter()
        .map(|e| ShownError {
            field: e.field.to_string(),
            message: field_message(t, e.field, e.code),
        })
        .collect()
}

pub(crate) fn field_message(t: Tr, field: &str, code: &str) -> String {
    let key = format!("visas_field_{field}");
    let label = if t.has(&key) {
        t.t(&key)
    } else {
        field.to_string()
    };
    format!("{label}: {}", crate::error::message(t, code))
}

fn nation_name(t: Tr, code: &str) -> String {
    nations::name(code, t.code())
        .map(str::to_string)
        .unwrap_or_else(|| code.to_ascii_uppercase())
}

pub(crate) fn regime_words(t: Tr, regime: &str, stay: Option<i64>) -> String {
    let base = t.t(&format!("visas_regime_{regime}"));
    match stay {
        Some(d) => format!(
            "{base} · {}",
            t.t1("visas_stay_days", "days", &d.to_string())
        ),
        None => base,
    }
}

pub(crate) fn view(t: Tr, r: &VisaRow) -> RowView {
    RowView {
        destination: r.destination.code().to_string(),
        destination_name: t.country(r.destination.code()),
        nationality: r.nationality.clone(),
        nationality_name: nation_name(t, &r.nationality),
        regime: r.regime.clone(),
        answer: regime_words(t, &r.regime, r.max_stay_days),
        effective: r.effective.clone(),
        source: r.source_text.clone(),
        source_url: r.source_url.clone().unwrap_or_default(),
        notes: r.notes.clone(),
        verified: r.verified,
        version: r.version,
        change: t.t(&format!("visas_change_{}", r.change)),
        recorded_by: r
            .recorded_by_country
            .as_deref()
            .map(|c| t.country(c))
            .unwrap_or_else(|| t.t("visas_secretariat")),
        recorded_at: t.datetime(&r.recorded_at),
        superseded_at: t.opt_datetime(&r.superseded_at),
    }
}

fn members(t: Tr) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Country::all()
        .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

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

fn regimes(t: Tr) -> Vec<(String, String)> {
    REGIMES
        .iter()
        .map(|r| (r.to_string(), t.t(&format!("visas_regime_{r}"))))
        .collect()
}

/// The values an edit form shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormValues {
    pub nationality: String,
    pub regime: String,
    pub max_stay_days: String,
    pub effective: String,
    pub source: String,
    pub source_url: String,
    pub notes: String,
}

impl FormValues {
    fn of(r: &VisaRow) -> FormValues {
        FormValues {
            nationality: r.nationality.clone(),
            regime: r.regime.clone(),
            max_stay_days: r.max_stay_days.map(|d| d.to_string()).unwrap_or_default(),
            effective: r.effective.clone(),
            source: r.source_text.clone(),
            source_url: r.source_url.clone().unwrap_or_default(),
            notes: r.notes.clone(),
        }
    }
    fn from_pairs(pairs: &[(String, String)]) -> FormValues {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        };
        FormValues {
            nationality: get("nationality"),
            regime: get("regime"),
            max_stay_days: get("max_stay_days"),
            effective: get("effective"),
            source: get("source"),
            source_url: get("source_url"),
            notes: get("notes"),
        }
    }
    fn input(&self) -> Result<VisaInput, Invalid> {
        let max_stay_days = match self.max_stay_days.as_str() {
            "" => None,
            s => Some(
                s.parse::<i64>()
                    .map_err(|_| Invalid::one("max_stay_days", "out_of_range"))?,
            ),
        };
        Ok(VisaInput {
            regime: self.regime.clone(),
            max_stay_days,
            source: Some(SourceInput::Text(self.source.clone())),
            source_url: Some(self.source_url.clone()),
            effective: Some(self.effective.clone()).filter(|e| !e.is_empty()),
            notes: Some(self.notes.clone()),
        })
    }
}

// ---------- look-up ----------

#[derive(Template)]
#[template(path = "visas.html")]
pub(crate) struct LookupPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    q: LookupQuery,
    members: Vec<(String, String)>,
    world: Vec<(String, String)>,
    /// Whether a look-up was asked (both countries chosen).
    asked: bool,
    answer: Option<RowView>,
    errors: Vec<ShownError>,
    can_import: bool,
    own: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct LookupQuery {
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    date: String,
}

pub async fn lookup_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<LookupQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let asked = !q.nationality.is_empty() && !q.destination.is_empty();
    let mut answer = None;
    let mut errors = vec![];
    let mut status = StatusCode::OK;
    if asked {
        let date = Some(q.date.as_str()).filter(|d| !d.is_empty());
        match s
            .app
            .visa_lookup(&ctx, &q.destination, &q.nationality, date)
            .await
        {
            Ok(r) => answer = Some(view(t, &r)),
            Err(AppError::NotFound) => status = StatusCode::NOT_FOUND,
            Err(AppError::Invalid(inv)) => {
                errors = shown_visas(t, &inv.0);
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Err(e) => return Err(req.err(e)),
        }
    }
    Ok(with_status(
        status,
        render(&LookupPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            q,
            members: members(t),
            world: world(t),
            asked,
            answer,
            errors,
            can_import: policy::may_propose_visas(&ctx.actor),
            own: ctx.actor.country.map(|c| c.code().to_string()),
        }),
    ))
}

// ---------- a destination's table ----------

#[derive(Template)]
#[template(path = "visas_table.html")]
pub(crate) struct TablePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    destination: String,
    destination_name: String,
    rows: Vec<RowView>,
    next: Option<String>,
    only_proposed: bool,
    can_edit: bool,
    form: FormValues,
    world: Vec<(String, String)>,
    regimes: Vec<(String, String)>,
    errors: Vec<ShownError>,
}

#[derive(Deserialize, Default)]
pub struct TableQuery {
    cursor: Option<String>,
    #[serde(default)]
    proposed: String,
}

#[allow(clippy::too_many_arguments)]
async fn table(
    s: &AppState,
    req: &Req,
    d: Country,
    cursor: Option<String>,
    only_proposed: bool,
    form: FormValues,
    errors: Vec<ShownError>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let f = VisaFilter {
        destination: Some(d.code().to_string()),
        verified: only_proposed.then_some(false),
        cursor,
        limit: Some(100),
        ..Default::default()
    };
    let (rows, next) = s.app.visa_list(&ctx, &f).await.map_err(|e| req.err(e))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&TablePage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            destination: d.code().to_string(),
            destination_name: d.name(t.code()).to_string(),
            rows: rows.iter().map(|r| view(t, r)).collect(),
            next: next.map(|n| {
                format!(
                    "/visas/{}?cursor={}{}",
                    d.code(),
                    url_encode(&n),
                    if only_proposed { "&proposed=1" } else { "" }
                )
            }),
            only_proposed,
            can_edit: policy::may_set_visas(&ctx.actor, d),
            form,
            world: world(t),
            regimes: regimes(t),
            errors,
        }),
    ))
}

fn member(req: &Req, code: &str) -> Result<Country, crate::error::PageError> {
    Country::parse(code).ok_or_else(|| req.err(AppError::NotFound))
}

pub async fn table_page(
    State(s): State<AppState>,
    req: Req,
    Path(destination): Path<String>,
    Query(q): Query<TableQuery>,
) -> PageResult {
    let d = member(&req, &destination)?;
    let form = FormValues {
        regime: "visa_required".into(),
        ..Default::default()
    };
    table(&s, &req, d, q.cursor, !q.proposed.is_empty(), form, vec![]).await
}

/// The table's forms: set a row (`action=set`) or confirm a proposal (`action=confirm`).
pub async fn table_post(
    State(s): State<AppState>,
    Path(destination): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let d = member(&req, &destination)?;
    let action = field(&pairs, "action");
    let form = FormValues::from_pairs(&pairs);
    match action.as_str() {
        "set" => {
            let r = match form.input() {
                Ok(input) => {
                    s.app
                        .set_visa(&ctx, d.code(), &form.nationality, &input)
                        .await
                }
                Err(inv) => Err(AppError::Invalid(inv)),
            };
            match r {
                Ok(_) => Ok(Redirect::to(&format!("/visas/{}", d.code())).into_response()),
                Err(AppError::Invalid(inv)) => {
                    let errors = shown_visas(req.tr(), &inv.0);
                    table(&s, &req, d, None, false, form, errors).await
                }
                Err(e) => Err(req.err(e)),
            }
        }
        "confirm" => {
            let eff = field(&pairs, "effective");
            let r = s
                .app
                .confirm_visa(&ctx, d.code(), &form.nationality, Some(&eff))
                .await;
            req.done_then(r, &format!("/visas/{}", d.code()))
        }
        _ => Err(req.err(AppError::Invalid(Invalid::one("form", "bad_form")))),
    }
}

fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

// ---------- one pair: its rows, history and forms ----------

#[derive(Template)]
#[template(path = "visas_pair.html")]
pub(crate) struct PairPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    destination: String,
    destination_name: String,
    nationality: String,
    nationality_name: String,
    current: Vec<RowView>,
    history: Vec<RowView>,
    can_edit: bool,
    form: FormValues,
    regimes: Vec<(String, String)>,
    errors: Vec<ShownError>,
}

async fn pair(
    s: &AppState,
    req: &Req,
    d: Country,
    n: &str,
    form: Option<FormValues>,
    errors: Vec<ShownError>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let can_edit = policy::may_set_visas(&ctx.actor, d);
    let history = match s.app.visa_history(&ctx, d.code(), n).await {
        Ok(h) => h,
        // A pair without rows yet: its destination may start it here.
        Err(AppError::NotFound) if can_edit => vec![],
        Err(e) => return Err(req.err(e)),
    };
    let current: Vec<&VisaRow> = history
        .iter()
        .filter(|r| r.superseded_at.is_none())
        .collect();
    let form = form.unwrap_or_else(|| {
        current
            .first()
            .map(|r| FormValues::of(r))
            .unwrap_or_else(|| FormValues {
                nationality: n.to_string(),
                regime: "visa_required".into(),
                ..Default::default()
            })
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut current: Vec<RowView> = current.iter().map(|r| view(t, r)).collect();
    current.sort_by(|a, b| b.effective.cmp(&a.effective));
    Ok(with_status(
        status,
        render(&PairPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            destination: d.code().to_string(),
            destination_name: d.name(t.code()).to_string(),
            nationality: n.to_string(),
            nationality_name: nation_name(t, n),
            current,
            history: history.iter().map(|r| view(t, r)).collect(),
            can_edit,
            form,
            regimes: regimes(t),
            errors,
        }),
    ))
}

pub async fn pair_page(
    State(s): State<AppState>,
    req: Req,
    Path((destination, nationality)): Path<(String, String)>,
) -> PageResult {
    let d = member(&req, &destination)?;
    let n = nations::parse(&nationality).ok_or_else(|| req.err(AppError::NotFound))?;
    pair(&s, &req, d, n, None, vec![]).await
}

/// The pair's forms: set (`action=set`), confirm (`action=confirm`) and withdraw
/// (`action=withdraw`, asked for confirmation in the page).
pub async fn pair_post(
    State(s): State<AppState>,
    Path((destination, nationality)): Path<(String, String)>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let d = member(&req, &destination)?;
    let n = nations::parse(&nationality).ok_or_else(|| req.err(AppError::NotFound))?;
    let back = format!("/visas/{}/{n}", d.code());
    let eff = field(&pairs, "effective");
    match field(&pairs, "action").as_str() {
        "set" => {
            let mut form = FormValues::from_pairs(&pairs);
            form.nationality = n.to_string();
            let r = match form.input() {
                Ok(input) => s.app.set_visa(&ctx, d.code(), n, &input).await,
                Err(inv) => Err(AppError::Invalid(inv)),
            };
            match r {
                Ok(_) => Ok(Redirect::to(&back).into_response()),
                Err(AppError::Invalid(inv)) => {
                    let errors = shown_visas(req.tr(), &inv.0);
                    pair(&s, &req, d, n, Some(form), errors).await
                }
                Err(e) => Err(req.err(e)),
            }
        }
        "confirm" => {
            let r = s.app.confirm_visa(&ctx, d.code(), n, Some(&eff)).await;
            req.done_then(r, &back)
        }
        "withdraw" => {
            let r = s.app.withdraw_visa(&ctx, d.code(), n, &eff).await;
            req.done_then(r, &back)
        }
        _ => Err(req.err(AppError::Invalid(Invalid::one("form", "bad_form")))),
    }
}

// ---------- import ----------

#[derive(Template)]
#[template(path = "visas_import.html")]
pub(crate) struct ImportPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    text: String,
    report: Option<crate::visas::api::ImportReport>,
    errors: Vec<ShownError>,
}

pub async fn import_page(req: Req) -> PageResult {
    let ctx = req.ctx()?;
    if !policy::may_propose_visas(&ctx.actor) {
        return Err(req.err(AppError::Forbidden));
    }
    Ok(render(&ImportPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        text: "destination,nationality,regime,max_stay_days,source,source_url,effective,notes\n"
            .into(),
        report: None,
        errors: vec![],
    }))
}

pub async fn import_post(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let text = pairs
        .iter()
        .find(|(k, _)| k == "csv")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let t = req.tr();
    let result = match enlace_app::visas::parse_csv(&text) {
        Ok((rows, bad)) => s.app.import_visas(&ctx, rows, bad).await,
        Err(e) => Err(e),
    };
    let (report, errors, status) = match result {
        Ok(r) => (
            Some(crate::visas::api::report_json(t, &r)),
            vec![],
            StatusCode::OK,
        ),
        Err(AppError::Invalid(inv)) => (
            None,
            shown_visas(t, &inv.0),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(req.err(e)),
    };
    Ok(with_status(
        status,
        render(&ImportPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            text,
            report,
            errors,
        }),
    ))
}
