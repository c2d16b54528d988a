use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use enlace_app::AppError;
use enlace_domain::case::{CaseInput, DistributionInput};
use enlace_domain::policy::{self, Decision, RecordAccess};
use enlace_domain::{CaseStatus, Country, Handling};
use enlace_store::cases::{Case, CaseFilter};
use enlace_store::entities::Entity;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "cases.html")]
pub(crate) struct CasesPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    cases: Vec<Case>,
    q: String,
    status: String,
    pager: Pager,
    can_create: bool,
}

#[derive(Template)]
#[template(path = "case.html")]
pub(crate) struct CasePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    case: Case,
    can_edit: bool,
    /// Per kind of record: (id, what to call it). A link record is named by its two ends
    /// («Ana Ruiz — Red del Norte»), not by its kind alone.
    groups: Vec<(String, Vec<(String, String)>)>,
    schemas: Vec<(String, String)>,
}

/// What to call a record in a list of its case: its caption, or for a link record without
/// a name its two ends («Ana Ruiz — Red del Norte») rather than its kind alone.
fn record_label(t: Tr, e: &Entity, all: &[Entity]) -> String {
    let name_of = |id: &str| {
        all.iter()
            .find(|x| x.id == id)
            .map(|x| t.caption(&x.schema, &x.caption))
            .unwrap_or_else(|| t.t("records_linked_elsewhere"))
    };
    match enlace_domain::ftm::LINKS
        .iter()
        .find(|(s, _, _)| *s == e.schema)
    {
        Some((_, a, b)) if e.caption == e.schema => {
            let end = |p: &str| {
                e.properties
                    .get(p)
                    .and_then(|v| v.first())
                    .map(|id| name_of(id))
                    .unwrap_or_else(|| "—".to_string())
            };
            format!("{} — {}", end(a), end(b))
        }
        _ => t.caption(&e.schema, &e.caption),
    }
}

/// The values a case form shows (after an error, what the user typed).
#[derive(Debug, Clone)]
pub(crate) struct CaseFormValues {
    title: String,
    summary: String,
    level: String,
    countries: Vec<String>,
    handling: String,
    evaluation: String,
    sensitive: bool,
    version: i64,
}

#[derive(Template)]
#[template(path = "case_form.html")]
pub(crate) struct CaseFormPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    action: String,
    v: CaseFormValues,
    errors: Vec<ShownError>,
    all_countries: Vec<(String, String)>,
    handlings: Vec<String>,
    evaluations: Vec<String>,
}

#[derive(Deserialize)]
pub struct CasesQuery {
    q: Option<String>,
    status: Option<String>,
    page: Option<i64>,
}

pub async fn cases_list(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<CasesQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let page = page_no(q.page);
    let text = q.q.clone().unwrap_or_default();
    let status = q.status.clone().unwrap_or_default();
    let filter = CaseFilter {
        text: Some(text.clone()).filter(|t| !t.trim().is_empty()),
        status: CaseStatus::parse(&status),
        owner: None,
    };
    let (cases, total) = s
        .app
        .list_cases(&ctx, &filter, PER_PAGE, (page - 1) * PER_PAGE)
        .await
        .map_err(|e| req.err(e))?;
    let base = format!(
        "/cases?q={}&status={}",
        url_encode(&text),
        url_encode(&status)
    );
    Ok(render(&CasesPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        cases,
        q: text,
        status,
        pager: Pager::new(page, total, &base),
        can_create: policy::may_create_record(&ctx.actor),
    }))
}

pub(crate) fn case_form_page(
    req: &Req,
    action: String,
    v: CaseFormValues,
    errors: Vec<ShownError>,
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
        render(&CaseFormPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            action,
            v,
            errors,
            all_countries: Country::all()
                .filter(|c| Some(c.code().to_string()) != own)
                .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
                .collect(),
            handlings: Handling::ALL
                .iter()
                .map(|h| h.as_str().to_string())
                .collect(),
            evaluations: ['A', 'B', 'C', 'D', 'X']
                .iter()
                .flat_map(|s| (1..=4).map(move |i| format!("{s}{i}")))
                .collect(),
        }),
    )
}

pub async fn case_new(req: Req) -> PageResult {
    let ctx = req.ctx()?;
    if !policy::may_create_record(&ctx.actor) {
        return Err(req.err(AppError::Forbidden));
    }
    Ok(case_form_page(
        &req,
        "/cases".into(),
        CaseFormValues {
            title: String::new(),
            summary: String::new(),
            level: "country".into(),
            countries: vec![],
            handling: "intelligence_only".into(),
            evaluation: "X4".into(),
            sensitive: false,
            version: 0,
        },
        vec![],
    ))
}

/// Reads a case form (repeated `distribution_countries` fields) into the API's input shape.
pub(crate) fn case_input(pairs: &[(String, String)]) -> (CaseInput, CaseFormValues) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let countries: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "distribution_countries")
        .map(|(_, v)| v.clone())
        .collect();
    let v = CaseFormValues {
        title: get("title"),
        summary: get("summary"),
        level: get("distribution_level"),
        countries: countries.clone(),
        handling: get("handling"),
        evaluation: get("evaluation"),
        sensitive: !get("sensitive").is_empty(),
        version: get("version").parse().unwrap_or(0),
    };
    let input = CaseInput {
        title: v.title.clone(),
        summary: v.summary.clone(),
        distribution: Some(DistributionInput {
            level: v.level.clone(),
            countries: if v.level == "countries" {
                countries
            } else {
                vec![]
            },
        }),
        handling: Some(v.handling.clone()),
        evaluation: Some(v.evaluation.clone()),
        sensitive: v.sensitive,
    };
    (input, v)
}

pub async fn case_create(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (input, v) = case_input(&pairs);
    match s.app.create_case(&ctx, &input).await {
        Ok(case) => Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response()),
        Err(AppError::Invalid(inv)) => Ok(case_form_page(
            &req,
            "/cases".into(),
            v,
            shown(req.tr(), &inv.0),
        )),
        Err(e) => Err(req.err(e)),
    }
}

pub async fn case_view(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> PageResult {
    let ctx = req.ctx()?;
    let case = s.app.get_case(&ctx, &id).await.map_err(|e| req.err(e))?;
    let can_edit = policy::decide_edit_record(
        &ctx.actor,
        &RecordAccess {
            owner: case.owner_country,
            distribution: &case.distribution,
        },
    ) == Decision::Allow;
    let (entities, _) = s
        .app
        .case_entities(&ctx, &case.id, 500, 0)
        .await
        .map_err(|e| req.err(e))?;
    let t = req.tr();
    let mut groups: Vec<(String, Vec<(String, String)>)> = vec![];
    for schema in enlace_domain::ftm::schemas() {
        let of: Vec<(String, String)> = entities
            .iter()
            .filter(|e| e.schema == schema)
            .map(|e| {
                let label = record_label(t, e, &entities);
                (e.id.clone(), label)
            })
            .collect();
        if !of.is_empty() {
            groups.push((t.schema(schema), of));
        }
    }
    Ok(render(&CasePage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        case,
        can_edit,
        groups,
        schemas: crate::entities::pages::schema_options(t),
    }))
}

pub async fn case_edit(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> PageResult {
    let ctx = req.ctx()?;
    let case = s.app.get_case(&ctx, &id).await.map_err(|e| req.err(e))?;
    let access = RecordAccess {
        owner: case.owner_country,
        distribution: &case.distribution,
    };
    if policy::decide_edit_record(&ctx.actor, &access) != Decision::Allow {
        return Err(req.err(AppError::Forbidden));
    }
    Ok(case_form_page(
        &req,
        format!("/cases/{}", case.id),
        CaseFormValues {
            title: case.title.clone(),
            summary: case.summary.clone(),
            level: case.distribution.level.as_str().into(),
            countries: case
                .distribution
                .countries
                .iter()
                .map(|c| c.code().to_string())
                .collect(),
            handling: case.handling.as_str().into(),
            evaluation: case.evaluation.code(),
            sensitive: case.sensitive,
            version: case.version,
        },
        vec![],
    ))
}

pub async fn case_update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (input, v) = case_input(&pairs);
    let version = Some(v.version).filter(|v| *v > 0);
    let patch = enlace_domain::case::CasePatch::from(input.clone());
    match s.app.update_case(&ctx, &id, &patch, version).await {
        Ok(case) => Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response()),
        Err(AppError::Invalid(inv)) => Ok(case_form_page(
            &req,
            format!("/cases/{id}"),
            v,
            shown(req.tr(), &inv.0),
        )),
        Err(e) => Err(req.err(e)),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

pub async fn case_status(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, f): CsrfForm<StatusForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let status = CaseStatus::parse(&f.status).ok_or_else(|| {
        req.err(AppError::Invalid(enlace_domain::Invalid::one(
            "status",
            "bad_status",
        )))
    })?;
    req.done_then(
        s.app.set_case_status(&ctx, &id, status).await,
        &format!("/cases/{id}?done=case_{}", status.as_str()),
    )
}

#[derive(Template)]
#[template(path = "timeline.html")]
pub(crate) struct TimelinePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    case: Case,
    /// (date, record, which date it is, what to call the record).
    items: Vec<(String, Entity, String, String)>,
}

/// The dated entities of a case (events, calls, payments, memberships…), oldest first.
pub async fn case_timeline(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let case = s.app.get_case(&ctx, &id).await.map_err(|e| req.err(e))?;
    let (entities, _) = s
        .app
        .case_entities(&ctx, &case.id, 500, 0)
        .await
        .map_err(|e| req.err(e))?;
    let t = req.tr();
    let mut items = vec![];
    for e in &entities {
        for prop in [
            "date",
            "startDate",
            "endDate",
            "incorporationDate",
            "registrationDate",
        ] {
            if let Some(values) = e.properties.get(prop) {
                for v in values {
                    items.push((
                        v.clone(),
                        e.clone(),
                        prop.to_string(),
                        record_label(t, e, &entities),
                    ));
                }
            }
        }
    }
    items.sort_by(|a, b| (&a.0, &a.1.caption).cmp(&(&b.0, &b.1.caption)));
    Ok(render(&TimelinePage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        case,
        items,
    }))
}

#[derive(Template)]
#[template(path = "import.html")]
pub(crate) struct ImportPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    case: Case,
    report: Option<enlace_app::entities::ImportReport>,
    /// The pasted lines, kept when some were rejected so they can be fixed and sent again.
    lines: String,
}

pub async fn import_form(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let case = s.app.get_case(&ctx, &id).await.map_err(|e| req.err(e))?;
    Ok(render(&ImportPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        case,
        report: None,
        lines: String::new(),
    }))
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    lines: String,
}

/// The no-JavaScript path: JSON Lines pasted into the form.
pub async fn import_submit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, f): CsrfForm<ImportForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let report = s
        .app
        .import_lines(
            &ctx,
            &id,
            f.lines.lines().map(str::to_string).collect::<Vec<_>>(),
        )
        .await
        .map_err(|e| req.err(e))?;
    let case = s.app.get_case(&ctx, &id).await.map_err(|e| req.err(e))?;
    Ok(render(&ImportPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        lines: if report.rejected_total > 0 {
            f.lines
        } else {
            String::new()
        },
        case,
        report: Some(report),
    }))
}
