use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use enlace_app::AppError;
use enlace_domain::policy::{self};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "routes.html")]
pub(crate) struct RoutesPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    routes: Vec<enlace_app::routes::Route>,
    svg: String,
    mo: Vec<enlace_store::countries::MoTerm>,
    /// The route the map is zoomed to (its position in `routes`), if any.
    focus: Option<usize>,
    /// `&case=…` when the page shows one case file's routes (kept in the zoom links).
    case_q: String,
}

impl RoutesPage {
    /// Whether the map is zoomed to the route at position `i`.
    fn focused(&self, i: impl std::borrow::Borrow<usize>) -> bool {
        self.focus == Some(*i.borrow())
    }
}

#[derive(Deserialize)]
pub struct RoutesQuery {
    route: Option<usize>,
    case: Option<String>,
}

/// The route map, framed on the routes shown; `?route=N` zooms to one route and `?case=ID`
/// keeps one case file's routes (what its page links to).
pub async fn routes_page(
    State(s): State<AppState>,
    req: Req,
    axum::extract::Query(q): axum::extract::Query<RoutesQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let mut routes = s.app.routes(&ctx).await.map_err(|e| req.err(e))?;
    let case = q.case.filter(|c| !c.is_empty() && c.len() <= 64);
    if let Some(c) = &case {
        for r in &mut routes {
            r.legs.retain(|l| &l.case_id == c);
        }
        routes.retain(|r| !r.legs.is_empty());
    }
    let focus = q.route.filter(|i| *i < routes.len());
    let mo = s.app.mo_vocabulary().await.map_err(|e| req.err(e))?;
    let t = req.tr();
    Ok(render(&RoutesPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        svg: enlace_app::routes::map_svg(&routes, focus, &t, &t.t("routes_map_label")),
        routes,
        mo,
        focus,
        case_q: case
            .map(|c| format!("&case={}", url_encode(&c)))
            .unwrap_or_default(),
    }))
}

#[derive(Template)]
#[template(path = "modus.html")]
pub(crate) struct ModusPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    terms: Vec<enlace_store::countries::MoTerm>,
    editable: bool,
    errors: Vec<ShownError>,
}

pub(crate) async fn modus_page(s: &AppState, req: &Req, errors: Vec<ShownError>) -> PageResult {
    let ctx = req.ctx()?;
    let terms = s.app.mo_vocabulary().await.map_err(|e| req.err(e))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&ModusPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            terms,
            editable: policy::may_manage_countries(&ctx.actor),
            errors,
        }),
    ))
}

pub async fn modus_list(State(s): State<AppState>, req: Req) -> PageResult {
    modus_page(&s, &req, vec![]).await
}

#[derive(Deserialize)]
pub struct MoForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label_es: String,
    #[serde(default)]
    label_en: String,
}

pub async fn modus_add(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<MoForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    match s
        .app
        .add_mo_term(&ctx, &f.code, &f.label_es, &f.label_en)
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/modus-operandi").into_response()),
        Err(AppError::Invalid(inv)) => modus_page(&s, &req, shown(req.tr(), &inv.0)).await,
        // The API answers 409; the form shows it next to the code.
        Err(AppError::Conflict(code @ "code_taken")) => {
            let inv = enlace_domain::Invalid::one("code", code);
            modus_page(&s, &req, shown(req.tr(), &inv.0)).await
        }
        Err(e) => Err(req.err(e)),
    }
}
