use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use enlace_app::AppError;
use enlace_domain::{Country, Role};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "directory.html")]
pub(crate) struct DirectoryPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    entries: Vec<enlace_app::directory::DirectoryEntry>,
    f: DirectoryQuery,
    countries: Vec<(String, String)>,
    institutions: Vec<String>,
    axes: Vec<String>,
    export_query: String,
    can_propose: bool,
}

#[derive(Template)]
#[template(path = "directory_entry.html")]
pub(crate) struct DirectoryEntryPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    entry: Option<enlace_app::directory::DirectoryEntry>,
    d: enlace_app::directory::DirectoryData,
    public: bool,
    institutions: Vec<String>,
    languages: Vec<String>,
    axes: Vec<u8>,
    can_edit: bool,
    can_approve: bool,
    errors: Vec<ShownError>,
}

#[derive(Deserialize, Default, Clone)]
pub struct DirectoryQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    axis: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    q: String,
    /// `pending`: only entries awaiting approval.
    #[serde(default)]
    status: String,
}

pub async fn directory_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<DirectoryQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let f = enlace_app::directory::DirectoryFilter {
        country: Some(q.country.clone()).filter(|x| !x.is_empty()),
        institution: Some(q.institution.clone()).filter(|x| !x.is_empty()),
        axis: Some(q.axis.clone()).filter(|x| !x.is_empty()),
        language: Some(q.language.clone()).filter(|x| !x.is_empty()),
        q: Some(q.q.clone()).filter(|x| !x.is_empty()),
        status: Some(q.status.clone()).filter(|x| x == "pending"),
    };
    let entries = s.app.directory(&ctx, &f).await.map_err(|e| req.err(e))?;
    let t = req.tr();
    // Only the filters in use, so the export links stay short and clean.
    let export_query = serde_urlencoded::to_string(
        [
            ("country", q.country.as_str()),
            ("institution", q.institution.as_str()),
            ("axis", q.axis.as_str()),
            ("language", q.language.as_str()),
            ("q", q.q.as_str()),
            ("status", q.status.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    Ok(render(&DirectoryPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        entries,
        f: q,
        countries: Country::all()
            .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
            .collect(),
        institutions: enlace_app::directory::INSTITUTIONS
            .iter()
            .map(|i| i.to_string())
            .collect(),
        axes: ["1", "2", "3", "4"].iter().map(|a| a.to_string()).collect(),
        export_query,
        can_propose: ctx.actor.country.is_some()
            && matches!(
                ctx.actor.role,
                Role::Officer | Role::Prosecutor | Role::Analyst | Role::Admin
            ),
    }))
}

pub(crate) fn directory_entry_page(
    req: &Req,
    e: Option<enlace_app::directory::DirectoryEntry>,
    d: enlace_app::directory::DirectoryData,
    public: bool,
    errors: Vec<ShownError>,
) -> Response {
    let me = req.full().map(|a| (a.user.country, a.user.role));
    let own = match (&e, me) {
        (Some(e), Some((c, _))) => Some(e.country) == c,
        (None, Some((c, _))) => c.is_some(),
        _ => false,
    };
    let role = me.map(|m| m.1);
    let can_edit = own
        && matches!(
            role,
            Some(Role::Officer | Role::Prosecutor | Role::Analyst | Role::Admin)
        );
    let can_approve =
        own && role == Some(Role::Approver) && e.as_ref().is_some_and(|e| e.draft.is_some());
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&DirectoryEntryPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            entry: e,
            d,
            public,
            institutions: enlace_app::directory::INSTITUTIONS
                .iter()
                .map(|i| i.to_string())
                .collect(),
            languages: enlace_app::directory::LANGUAGES
                .iter()
                .map(|l| l.to_string())
                .collect(),
            axes: vec![1, 2, 3, 4],
            can_edit,
            can_approve,
            errors,
        }),
    )
}

pub async fn directory_new(req: Req) -> PageResult {
    req.ctx()?;
    Ok(directory_entry_page(
        &req,
        None,
        enlace_app::directory::DirectoryData {
            institution: "migration".into(),
            ..Default::default()
        },
        false,
        vec![],
    ))
}

pub async fn directory_view(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let e = s
        .app
        .directory_entry(&ctx, &id)
        .await
        .map_err(|e| req.err(e))?;
    let d = e.shown.clone();
    let public = e.public;
    Ok(directory_entry_page(&req, Some(e), d, public, vec![]))
}

pub(crate) fn directory_form(
    pairs: &[(String, String)],
) -> (enlace_app::directory::DirectoryData, bool) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let all = |k: &str| {
        pairs
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    (
        enlace_app::directory::DirectoryData {
            name: get("name"),
            position: get("position"),
            institution: get("institution"),
            axes: all("axes").iter().filter_map(|a| a.parse().ok()).collect(),
            topics: get("topics"),
            phone: get("phone"),
            email: get("email"),
            languages: all("languages"),
            hours: get("hours"),
            available_24_7: !get("available_24_7").is_empty(),
        },
        !get("public").is_empty(),
    )
}

pub async fn directory_create(
    State(s): State<AppState>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (d, public) = directory_form(&pairs);
    match s.app.propose_directory(&ctx, &d, public).await {
        Ok(e) => Ok(
            Redirect::to(&format!("/directory/{}?done=directory_proposed", e.id)).into_response(),
        ),
        Err(AppError::Invalid(inv)) => Ok(directory_entry_page(
            &req,
            None,
            d,
            public,
            shown(req.tr(), &inv.0),
        )),
        Err(e) => Err(req.err(e)),
    }
}

pub async fn directory_action(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let action = pairs
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let result = match action.as_str() {
        "approve" => s.app.approve_directory(&ctx, &id).await,
        "confirm" => s.app.confirm_directory(&ctx, &id).await,
        "reject" => {
            let reason = pairs
                .iter()
                .find(|(k, _)| k == "reason")
                .map(|(_, v)| v.as_str())
                .unwrap_or_default();
            s.app.reject_directory(&ctx, &id, reason).await
        }
        "edit" => {
            let (d, public) = directory_form(&pairs);
            let form = d.clone();
            match s.app.edit_directory(&ctx, &id, |_, _| (form, public)).await {
                Err(AppError::Invalid(inv)) => {
                    let e = s
                        .app
                        .directory_entry(&ctx, &id)
                        .await
                        .map_err(|e| req.err(e))?;
                    return Ok(directory_entry_page(
                        &req,
                        Some(e),
                        d,
                        public,
                        shown(req.tr(), &inv.0),
                    ));
                }
                other => other,
            }
        }
        _ => Err(AppError::Invalid(enlace_domain::Invalid::one(
            "form", "bad_form",
        ))),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/directory/{id}?done=directory_{action}")).into_response())
        }
        Err(e) => Err(req.err(e)),
    }
}

/// The directory as a spreadsheet in the reader's language (the page's CSV link): a
/// byte-order mark, headers and codes in words, `;` between cells in Spanish (Excel in a
/// Spanish locale splits on `;`), `,` in English. The API's `/api/v1/directory/export.csv`
/// keeps its stable machine columns.
pub async fn directory_spreadsheet(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<DirectoryQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let f = enlace_app::directory::DirectoryFilter {
        country: Some(q.country.clone()).filter(|x| !x.is_empty()),
        institution: Some(q.institution.clone()).filter(|x| !x.is_empty()),
        axis: Some(q.axis.clone()).filter(|x| !x.is_empty()),
        language: Some(q.language.clone()).filter(|x| !x.is_empty()),
        q: Some(q.q.clone()).filter(|x| !x.is_empty()),
        status: Some(q.status.clone()).filter(|x| x == "pending"),
    };
    let entries = s.app.directory(&ctx, &f).await.map_err(|e| req.err(e))?;
    let t = req.tr();
    let sep = if t.code() == "es" { b';' } else { b',' };
    let body = enlace_app::directory::to_spreadsheet_csv(
        &entries,
        &|k| t.t(k),
        &|c| c.name(t.code()).to_string(),
        sep,
    )
    .map_err(|e| req.err(e))?;
    let name = if t.code() == "es" {
        "enlace-directorio.csv"
    } else {
        "enlace-directory.csv"
    };
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}
