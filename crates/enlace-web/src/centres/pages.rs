use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use enlace_app::centres::{
    CentreDetail, CentreDraft, CentreView, OccupancyCell, OccupancyInput, AGE_GROUPS, KINDS,
    NEIGHBOUR_KINDS, SEXES,
};
use enlace_app::AppError;
use enlace_domain::policy::{may_edit_neighbours, may_manage_centre};
use enlace_domain::{nations, Country, FieldError, Invalid};
use serde::Deserialize;

/// How far back the regional view draws trends.
const TREND_DAYS: i64 = 56;

fn esc_num(v: f64) -> String {
    format!("{v:.1}")
}

/// A bar of occupancy against capacity (server-drawn SVG; the words beside it say the same).
fn bar_svg(occ: Option<i64>, cap: i64) -> String {
    let Some(o) = occ else {
        return String::new();
    };
    let scale = o.max(cap).max(1) as f64;
    let w = 120.0;
    let fill = (o as f64 / scale) * w;
    let mark = (cap as f64 / scale) * w;
    let class = if o > cap {
        "c-over"
    } else if o * 100 >= cap * 85 {
        "c-high"
    } else {
        "c-ok"
    };
    format!(
        "<svg class=\"c-bar\" width=\"120\" height=\"14\" viewBox=\"0 0 120 14\" aria-hidden=\"true\" focusable=\"false\"><rect x=\"0\" y=\"2\" width=\"120\" height=\"10\" class=\"c-track\"/><rect x=\"0\" y=\"2\" width=\"{}\" height=\"10\" class=\"{class}\"/><line x1=\"{m}\" x2=\"{m}\" y1=\"0\" y2=\"14\" class=\"c-cap\"/></svg>",
        esc_num(fill),
        m = esc_num(mark.min(w - 1.0)),
    )
}

/// A sparkline of the snapshots' totals over time, with the capacity as a dashed line.
fn spark_svg(points: &[(i64, i64)], cap: i64) -> String {
    if points.len() < 2 {
        return String::new();
    }
    let (w, h) = (120.0, 28.0);
    let t0 = points.first().map(|p| p.0).unwrap_or(0);
    let t1 = points.last().map(|p| p.0).unwrap_or(1).max(t0 + 1);
    let top = points
        .iter()
        .map(|p| p.1)
        .max()
        .unwrap_or(0)
        .max(cap)
        .max(1) as f64;
    let xy = |t: i64, v: i64| {
        (
            (t - t0) as f64 / (t1 - t0) as f64 * (w - 4.0) + 2.0,
            h - 2.0 - v as f64 / top * (h - 4.0),
        )
    };
    let line: Vec<String> = points
        .iter()
        .map(|(t, v)| {
            let (x, y) = xy(*t, *v);
            format!("{},{}", esc_num(x), esc_num(y))
        })
        .collect();
    let (_, cy) = xy(t0, cap);
    format!(
        "<svg class=\"c-spark\" width=\"120\" height=\"28\" viewBox=\"0 0 120 28\" aria-hidden=\"true\" focusable=\"false\"><line x1=\"0\" x2=\"120\" y1=\"{cy}\" y2=\"{cy}\" class=\"c-cap-line\"/><polyline points=\"{}\" class=\"c-trend\"/></svg>",
        line.join(" "),
        cy = esc_num(cy),
    )
}

/// A crisis level in words and its colour class.
pub(crate) fn level_label(t: Tr, level: i64) -> String {
    t.t(&format!("centres_level_{}", level.clamp(1, 4)))
}

pub(crate) struct CentreLine {
    pub c: CentreView,
    pub kind: String,
    pub bar: String,
    pub spark: String,
    pub trend_text: String,
    pub level: String,
}

pub(crate) struct CountryBlock {
    pub code: String,
    pub name: String,
    pub occupancy: i64,
    pub capacity: i64,
    pub percent: String,
    pub over: bool,
    /// Some centre's total is suppressed: the sum holds the others only.
    pub partial: bool,
    pub centres: Vec<CentreLine>,
}

#[derive(Template)]
#[template(path = "centres.html")]
pub(crate) struct CentresPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    blocks: Vec<CountryBlock>,
    can_create: bool,
    country: String,
    countries: Vec<(String, String)>,
    unreported_days: i64,
}

#[derive(Deserialize, Default)]
pub struct CentresQuery {
    #[serde(default)]
    country: String,
}

fn percent_text(occ: i64, cap: i64) -> String {
    if cap > 0 {
        format!("{}%", (occ * 100 + cap / 2) / cap)
    } else {
        "—".into()
    }
}

pub async fn centres_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<CentresQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let all = s
        .app
        .centres_overview(&ctx, TREND_DAYS)
        .await
        .map_err(|e| req.err(e))?;
    let only = Country::parse(&q.country);
    let mut blocks: Vec<CountryBlock> = vec![];
    for (c, points) in all {
        if only.is_some_and(|o| o != c.country) {
            continue;
        }
        let cap = c.effective_capacity();
        let trend_text = match (points.first(), points.last()) {
            (Some(a), Some(b)) if points.len() >= 2 => t.t2(
                "centres_trend_text",
                ("from", &a.1.to_string()),
                ("to", &b.1.to_string()),
            ),
            _ => t.t("centres_trend_none"),
        };
        let line = CentreLine {
            kind: t.t(&format!("centres_kind_{}", c.kind)),
            bar: bar_svg(c.occupancy, cap),
            spark: spark_svg(&points, cap),
            trend_text,
            level: level_label(t, c.crisis_level),
            c,
        };
        let code = line.c.country.code().to_string();
        match blocks.iter_mut().find(|b| b.code == code) {
            Some(b) => b.centres.push(line),
            None => blocks.push(CountryBlock {
                name: t.country(&code),
                code,
                occupancy: 0,
                capacity: 0,
                percent: String::new(),
                over: false,
                partial: false,
                centres: vec![line],
            }),
        }
    }
    for b in &mut blocks {
        b.occupancy = b.centres.iter().filter_map(|l| l.c.occupancy).sum();
        b.capacity = b.centres.iter().map(|l| l.c.effective_capacity()).sum();
        b.percent = percent_text(b.occupancy, b.capacity);
        b.over = b.occupancy > b.capacity;
        b.partial = b.centres.iter().any(|l| l.c.occupancy_suppressed);
    }
    Ok(render(&CentresPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        blocks,
        can_create: ctx
            .actor
            .country
            .is_some_and(|c| may_manage_centre(&ctx.actor, c)),
        country: only.map(|c| c.code().to_string()).unwrap_or_default(),
        countries: Country::all()
            .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
            .collect(),
        unreported_days: s.app.config.centre_unreported_days,
    }))
}

/// A centre form as typed (every field text, so a refused form comes back as it was).
#[derive(Debug, Clone, Default)]
pub(crate) struct CentreForm {
    pub name: String,
    pub kind: String,
    pub capacity: String,
    pub operational_capacity: String,
    pub children_capacity: String,
    pub place: String,
    pub latitude: String,
    pub longitude: String,
}

fn get(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

impl CentreForm {
    fn of_pairs(p: &[(String, String)]) -> CentreForm {
        CentreForm {
            name: get(p, "name"),
            kind: get(p, "kind"),
            capacity: get(p, "capacity"),
            operational_capacity: get(p, "operational_capacity"),
            children_capacity: get(p, "children_capacity"),
            place: get(p, "place"),
            latitude: get(p, "latitude"),
            longitude: get(p, "longitude"),
        }
    }
    fn of_view(c: &CentreView) -> CentreForm {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let optf = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        CentreForm {
            name: c.name.clone(),
            kind: c.kind.clone(),
            capacity: c.capacity.to_string(),
            operational_capacity: opt(c.operational_capacity),
            children_capacity: opt(c.children_capacity),
            place: c.place.clone(),
            latitude: optf(c.latitude),
            longitude: optf(c.longitude),
        }
    }
    /// The draft, or the fields that are not numbers.
    fn draft(&self) -> Result<CentreDraft, Invalid> {
        let mut errs = Invalid::default();
        let mut int = |field: &'static str, v: &str| -> Option<i64> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            v.parse().map(Some).unwrap_or_else(|_| {
                errs.push(field, "centres_not_a_number");
                None
            })
        };
        let capacity = int("capacity", &self.capacity);
        let operational_capacity = int("operational_capacity", &self.operational_capacity);
        let children_capacity = int("children_capacity", &self.children_capacity);
        let mut float = |field: &'static str, v: &str| -> Option<f64> {
            let v = v.trim().replace(',', ".");
            if v.is_empty() {
                return None;
            }
            v.parse().map(Some).unwrap_or_else(|_| {
                errs.push(field, "centres_not_a_number");
                None
            })
        };
        let latitude = float("latitude", &self.latitude);
        let longitude = float("longitude", &self.longitude);
        errs.into_result()?;
        Ok(CentreDraft {
            name: self.name.clone(),
            kind: self.kind.clone(),
            capacity,
            operational_capacity,
            children_capacity,
            place: self.place.clone(),
            latitude,
            longitude,
        })
    }
}

/// Field errors of a centre form, in words ("Capacity: is required").
pub(crate) fn messages(
    t: Tr,
    errs: &[FieldError],
    input: Option<&OccupancyInput>,
) -> Vec<ShownError> {
    errs.iter()
        .map(|e| ShownError {
            field: e.field.to_string(),
            message: format!(
                "{}: {}",
                t.t(&format!("centres_field_{}", e.field)),
                match input {
                    Some(i) => super::api::field_message(t, e.code, i),
                    None => crate::error::message(t, e.code),
                }
            ),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "centres_new.html")]
pub(crate) struct CentreNewPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    form: CentreForm,
    kinds: Vec<String>,
    errors: Vec<ShownError>,
}

pub async fn centre_new(req: Req) -> PageResult {
    let ctx = req.ctx()?;
    if !ctx
        .actor
        .country
        .is_some_and(|c| may_manage_centre(&ctx.actor, c))
    {
        return Err(req.err(AppError::Forbidden));
    }
    Ok(render(&CentreNewPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        form: CentreForm {
            kind: "shelter".into(),
            ..Default::default()
        },
        kinds: KINDS.iter().map(|k| k.to_string()).collect(),
        errors: vec![],
    }))
}

pub async fn centre_create(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let form = CentreForm::of_pairs(&pairs);
    let result = match form.draft() {
        Ok(d) => s.app.create_centre(&ctx, &d).await,
        Err(inv) => Err(AppError::Invalid(inv)),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/centres/{}", c.id)).into_response()),
        Err(AppError::Invalid(inv)) => Ok(with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&CentreNewPage {
                t: req.tr(),
                user: req.page_user(),
                path: req.path.clone(),
                errors: messages(req.tr(), &inv.0, None),
                form,
                kinds: KINDS.iter().map(|k| k.to_string()).collect(),
            }),
        )),
        Err(e) => Err(req.err(e)),
    }
}

pub(crate) struct CellLine {
    pub nationality: String,
    pub sex: String,
    pub age: String,
    pub unaccompanied: bool,
    pub value: String,
}

pub(crate) struct SnapshotLine {
    pub at: i64,
    pub total: String,
    pub percent: String,
    pub over: bool,
    pub unaccompanied: String,
}

pub(crate) struct CrisisLine {
    pub at: i64,
    pub level: i64,
    pub label: String,
    pub previous: String,
    pub reason: String,
    pub by: String,
    pub alerted: bool,
}

#[derive(Template)]
#[template(path = "centres_centre.html")]
pub(crate) struct CentrePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    c: CentreView,
    kind: String,
    level: String,
    percent: String,
    latest_at: Option<i64>,
    cells: Vec<CellLine>,
    unaccompanied: String,
    history: Vec<SnapshotLine>,
    spark: String,
    trend_text: String,
    crises: Vec<CrisisLine>,
    neighbours: String,
    form: CentreForm,
    kinds: Vec<String>,
    errors: Vec<ShownError>,
    unreported_days: i64,
}

fn nationality_label(t: Tr, code: &str) -> String {
    if code == "unknown" {
        t.t("centres_nationality_unknown")
    } else {
        nations::name(code, t.code())
            .map(str::to_string)
            .unwrap_or_else(|| code.to_string())
    }
}

async fn centre_page(
    s: &AppState,
    req: &Req,
    id: &str,
    form: Option<CentreForm>,
    errors: Vec<ShownError>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let d: CentreDetail = s.app.centre(&ctx, id).await.map_err(|e| req.err(e))?;
    let (history, _) = s
        .app
        .occupancy(&ctx, id, None)
        .await
        .map_err(|e| req.err(e))?;
    let c = d.centre;
    let cap = c.effective_capacity();
    let mut points: Vec<(i64, i64)> = history
        .iter()
        .filter_map(|o| o.total.map(|t| (o.at, t)))
        .collect();
    points.reverse();
    let trend_text = match (points.first(), points.last()) {
        (Some(a), Some(b)) if points.len() >= 2 => t.t2(
            "centres_trend_text",
            ("from", &a.1.to_string()),
            ("to", &b.1.to_string()),
        ),
        _ => t.t("centres_trend_none"),
    };
    let suppressed = t.t("centres_suppressed");
    let cells = d
        .latest
        .as_ref()
        .map(|o| {
            o.cells
                .iter()
                .map(|x| CellLine {
                    nationality: nationality_label(t, &x.nationality),
                    sex: t.t(&format!("centres_sex_{}", x.sex)),
                    age: t.t(&format!("centres_age_{}", x.age_group)),
                    unaccompanied: x.unaccompanied,
                    value: x.value.map(|v| v.to_string()).unwrap_or(suppressed.clone()),
                })
                .collect()
        })
        .unwrap_or_default();
    let unaccompanied = match (&d.latest, c.unaccompanied) {
        (_, Some(u)) => u.to_string(),
        (Some(_), None) => suppressed.clone(),
        (None, None) => "—".into(),
    };
    let history_lines = history
        .iter()
        .map(|o| SnapshotLine {
            at: o.at,
            total: o.total.map(|t| t.to_string()).unwrap_or(suppressed.clone()),
            percent: o.total.map(|t| percent_text(t, cap)).unwrap_or("—".into()),
            over: o.total.is_some_and(|t| t > cap),
            unaccompanied: o
                .unaccompanied
                .map(|u| u.to_string())
                .unwrap_or(suppressed.clone()),
        })
        .collect();
    let crises = d
        .crises
        .iter()
        .map(|x| CrisisLine {
            at: x.at,
            level: x.level,
            label: level_label(t, x.level),
            previous: level_label(t, x.previous_level),
            reason: x.reason.clone(),
            by: x.set_by_username.clone(),
            alerted: x.alert_id.is_some(),
        })
        .collect();
    let neighbours = d
        .neighbours
        .iter()
        .map(|n| n.name(t.code()).to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&CentrePage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            kind: t.t(&format!("centres_kind_{}", c.kind)),
            level: level_label(t, c.crisis_level),
            percent: c
                .occupancy
                .map(|o| percent_text(o, cap))
                .unwrap_or("—".into()),
            latest_at: d.latest.as_ref().map(|o| o.at),
            cells,
            unaccompanied,
            history: history_lines,
            spark: spark_svg(&points, cap),
            trend_text,
            crises,
            neighbours,
            form: form.unwrap_or_else(|| CentreForm::of_view(&c)),
            kinds: KINDS.iter().map(|k| k.to_string()).collect(),
            errors,
            unreported_days: s.app.config.centre_unreported_days,
            c,
        }),
    ))
}

pub async fn centre_view(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    centre_page(&s, &req, &id, None, vec![]).await
}

/// One row of the occupancy grid as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct GridRow {
    pub nationality: String,
    pub sex: String,
    pub age: String,
    pub unaccompanied: bool,
    pub value: String,
}

#[derive(Template)]
#[template(path = "centres_occupancy.html")]
pub(crate) struct OccupancyPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    c: CentreView,
    at: String,
    total: String,
    rows: Vec<GridRow>,
    nations: Vec<String>,
    sexes: Vec<String>,
    ages: Vec<String>,
    errors: Vec<ShownError>,
}

const GRID_ROWS: usize = 12;
const GRID_MAX: usize = 200;

/// The nationality a user typed: a code, a country's name in either language, or "unknown".
fn nationality_code(t: Tr, s: &str) -> String {
    let v = s.trim();
    if let Some(c) = nations::parse(v).filter(|_| v.len() == 2) {
        return c.to_string();
    }
    let f = enlace_domain::text::fold(v);
    if f == "unknown" || f == enlace_domain::text::fold(&t.t("centres_nationality_unknown")) {
        return "unknown".into();
    }
    nations::all()
        .iter()
        .find(|(_, es, en)| {
            enlace_domain::text::fold(es) == f || enlace_domain::text::fold(en) == f
        })
        .map(|(c, _, _)| c.to_string())
        .unwrap_or_else(|| v.to_string())
}

fn occupancy_page(
    req: &Req,
    c: CentreView,
    at: String,
    total: String,
    mut rows: Vec<GridRow>,
    errors: Vec<ShownError>,
) -> Response {
    let t = req.tr();
    let want = (rows.len() + 2).clamp(GRID_ROWS, GRID_MAX);
    while rows.len() < want {
        rows.push(GridRow {
            sex: "female".into(),
            age: "18_59".into(),
            ..Default::default()
        });
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&OccupancyPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            c,
            at,
            total,
            rows,
            nations: nations::all()
                .iter()
                .map(|(_, es, en)| if t.code() == "en" { en } else { es }.to_string())
                .collect(),
            sexes: SEXES.iter().map(|x| x.to_string()).collect(),
            ages: AGE_GROUPS.iter().map(|x| x.to_string()).collect(),
            errors,
        }),
    )
}

pub async fn occupancy_form(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let d = s.app.centre(&ctx, &id).await.map_err(|e| req.err(e))?;
    if !d.centre.may_edit {
        return Err(req.err(AppError::Forbidden));
    }
    let now = enlace_domain::clock::format_utc(s.app.now_ms());
    Ok(occupancy_page(
        &req,
        d.centre,
        now.get(..16).unwrap_or("").to_string(),
        String::new(),
        vec![],
        vec![],
    ))
}

#[derive(Template)]
#[template(path = "centres_crisis.html")]
pub(crate) struct CrisisPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    c: CentreView,
    level: String,
    neighbours: String,
    levels: Vec<(i64, String)>,
    reason: String,
    errors: Vec<ShownError>,
}

pub async fn crisis_form(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let d = s.app.centre(&ctx, &id).await.map_err(|e| req.err(e))?;
    if !d.centre.may_edit {
        return Err(req.err(AppError::Forbidden));
    }
    Ok(crisis_page(&req, d, String::new(), vec![]))
}

fn crisis_page(req: &Req, d: CentreDetail, reason: String, errors: Vec<ShownError>) -> Response {
    let t = req.tr();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&CrisisPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            level: level_label(t, d.centre.crisis_level),
            neighbours: d
                .neighbours
                .iter()
                .map(|n| n.name(t.code()).to_string())
                .collect::<Vec<_>>()
                .join(", "),
            levels: (1..=4).map(|l| (l, level_label(t, l))).collect(),
            c: d.centre,
            reason,
            errors,
        }),
    )
}

pub async fn centre_action(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    match get(&pairs, "action").as_str() {
        "edit" => {
            let form = CentreForm::of_pairs(&pairs);
            let result = match form.draft() {
                Ok(d) => s.app.edit_centre(&ctx, &id, None, |_| d).await,
                Err(inv) => Err(AppError::Invalid(inv)),
            };
            match result {
                Ok(_) => Ok(Redirect::to(&format!("/centres/{id}")).into_response()),
                Err(AppError::Invalid(inv)) => {
                    centre_page(&s, &req, &id, Some(form), messages(t, &inv.0, None)).await
                }
                Err(e) => Err(req.err(e)),
            }
        }
        "crisis" => {
            let reason = get(&pairs, "reason");
            let level: i64 = get(&pairs, "level").trim().parse().unwrap_or(0);
            let result = if get(&pairs, "confirm").is_empty() {
                Err(AppError::Invalid(Invalid::one(
                    "confirm",
                    "centres_confirm_required",
                )))
            } else {
                s.app.set_crisis(&ctx, &id, level, &reason).await
            };
            match result {
                Ok(_) => Ok(Redirect::to(&format!("/centres/{id}")).into_response()),
                Err(AppError::Invalid(inv)) => {
                    let d = s.app.centre(&ctx, &id).await.map_err(|e| req.err(e))?;
                    Ok(crisis_page(&req, d, reason, messages(t, &inv.0, None)))
                }
                Err(e) => Err(req.err(e)),
            }
        }
        "occupancy" => {
            let at_typed = get(&pairs, "at");
            let total_typed = get(&pairs, "total");
            let mut rows = vec![];
            for i in 0..GRID_MAX {
                let value = get(&pairs, &format!("value_{i}"));
                let nat = get(&pairs, &format!("nationality_{i}"));
                if pairs.iter().all(|(k, _)| k != &format!("value_{i}")) {
                    continue;
                }
                rows.push(GridRow {
                    nationality: nat,
                    sex: get(&pairs, &format!("sex_{i}")),
                    age: get(&pairs, &format!("age_{i}")),
                    unaccompanied: !get(&pairs, &format!("unaccompanied_{i}")).is_empty(),
                    value,
                });
            }
            let mut errs = Invalid::default();
            let total = total_typed.trim().parse::<i64>().unwrap_or_else(|_| {
                errs.push("total", "centres_not_a_number");
                0
            });
            let mut cells = vec![];
            for r in &rows {
                let v = r.value.trim();
                if v.is_empty() && r.nationality.trim().is_empty() {
                    continue;
                }
                let value = v.parse::<i64>().unwrap_or_else(|_| {
                    errs.push("cells", "centres_not_a_number");
                    0
                });
                cells.push(OccupancyCell {
                    nationality: nationality_code(t, &r.nationality),
                    sex: r.sex.clone(),
                    age_group: r.age.clone(),
                    unaccompanied: r.unaccompanied,
                    value,
                });
            }
            // The form's time is a minute in UTC (datetime-local): seconds are added.
            let at = match at_typed.trim() {
                a if a.len() == 16 => format!("{a}:00Z"),
                a => a.to_string(),
            };
            let input = OccupancyInput { at, total, cells };
            let result = if errs.0.is_empty() {
                s.app.report_occupancy(&ctx, &id, &input).await
            } else {
                Err(AppError::Invalid(errs))
            };
            match result {
                Ok(_) => Ok(Redirect::to(&format!("/centres/{id}")).into_response()),
                Err(AppError::Invalid(inv)) => {
                    let d = s.app.centre(&ctx, &id).await.map_err(|e| req.err(e))?;
                    Ok(occupancy_page(
                        &req,
                        d.centre,
                        at_typed,
                        total_typed,
                        rows,
                        messages(t, &inv.0, Some(&input)),
                    ))
                }
                Err(e) => Err(req.err(e)),
            }
        }
        _ => Err(req.err(AppError::Invalid(Invalid::one("form", "bad_form")))),
    }
}

pub(crate) struct NeighbourLine {
    pub a: String,
    pub b: String,
    pub a_name: String,
    pub b_name: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "centres_neighbours.html")]
pub(crate) struct NeighboursPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    pairs: Vec<NeighbourLine>,
    can_edit: bool,
    countries: Vec<(String, String)>,
    kinds: Vec<String>,
    errors: Vec<ShownError>,
}

async fn neighbours_render(s: &AppState, req: &Req, errors: Vec<ShownError>) -> PageResult {
    let ctx = req.ctx()?;
    let t = req.tr();
    let rows = s.app.neighbours(&ctx).await.map_err(|e| req.err(e))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&NeighboursPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            pairs: rows
                .iter()
                .map(|n| NeighbourLine {
                    a: n.a.code().to_string(),
                    b: n.b.code().to_string(),
                    a_name: n.a.name(t.code()).to_string(),
                    b_name: n.b.name(t.code()).to_string(),
                    kind: t.t(&format!("centres_neighbour_{}", n.kind)),
                })
                .collect(),
            can_edit: may_edit_neighbours(&ctx.actor),
            countries: Country::all()
                .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
                .collect(),
            kinds: NEIGHBOUR_KINDS.iter().map(|k| k.to_string()).collect(),
            errors,
        }),
    ))
}

pub async fn neighbours_page(State(s): State<AppState>, req: Req) -> PageResult {
    neighbours_render(&s, &req, vec![]).await
}

pub async fn neighbours_action(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (a, b) = (get(&pairs, "a"), get(&pairs, "b"));
    let result = match get(&pairs, "action").as_str() {
        "put" => s
            .app
            .put_neighbour(&ctx, &a, &b, &get(&pairs, "kind"))
            .await
            .map(|_| ()),
        "delete" => s.app.delete_neighbour(&ctx, &a, &b).await,
        _ => Err(AppError::Invalid(Invalid::one("form", "bad_form"))),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/centres/neighbours").into_response()),
        Err(AppError::Invalid(inv)) => {
            neighbours_render(&s, &req, messages(req.tr(), &inv.0, None)).await
        }
        Err(e) => Err(req.err(e)),
    }
}
