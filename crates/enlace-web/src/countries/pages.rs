use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use enlace_domain::policy::{self};
use enlace_store::countries::CountryRow;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "countries.html")]
pub(crate) struct CountriesPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    countries: Vec<CountryRow>,
    editable: bool,
}

pub async fn countries_list(State(s): State<AppState>, req: Req) -> PageResult {
    let ctx = req.ctx()?;
    let countries = s.app.countries().await.map_err(|e| req.err(e))?;
    Ok(render(&CountriesPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        countries,
        editable: policy::may_manage_countries(&ctx.actor),
    }))
}

#[derive(Deserialize)]
pub struct CountryForm {
    #[serde(default)]
    name_es: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    active: Option<String>,
}

pub async fn country_update(
    State(s): State<AppState>,
    Path(code): Path<String>,
    CsrfForm(req, f): CsrfForm<CountryForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(
        s.app
            .update_country(
                &ctx,
                &code,
                Some(&f.name_es),
                Some(&f.name_en),
                Some(f.active.is_some()),
            )
            .await,
        "/admin/countries",
    )
}
