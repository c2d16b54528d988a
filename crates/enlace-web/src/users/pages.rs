use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::response::{IntoResponse, Redirect};
use enlace_app::AppError;
use enlace_domain::policy::{self};
use enlace_domain::{Country, Role};
use enlace_store::users::User;

#[derive(Template)]
#[template(path = "users.html")]
pub(crate) struct UsersPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    users: Vec<User>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "user_form.html")]
pub(crate) struct UserFormPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    roles: Vec<&'static str>,
    countries: Vec<(String, String)>,
    choose_country: bool,
    username: String,
    display_name: String,
    errors: Vec<ShownError>,
}

#[derive(Template)]
#[template(path = "user_issued.html")]
pub(crate) struct UserIssuedPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    target: User,
    temp_password: String,
    reset: bool,
}

#[derive(Template)]
#[template(path = "user.html")]
pub(crate) struct UserPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    target: User,
    /// `create` or `reset` while it awaits the country's approval.
    pending: Option<String>,
    may_approve: bool,
}

pub async fn users_list(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let page = page_no(q.page);
    let (users, total) = s
        .app
        .list_users(&ctx, PER_PAGE, (page - 1) * PER_PAGE)
        .await
        .map_err(|e| req.err(e))?;
    Ok(render(&UsersPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        users,
        pager: Pager::new(page, total, "/admin/users"),
    }))
}

pub(crate) fn user_form_page(
    req: &Req,
    ctx: &enlace_app::Ctx,
    username: String,
    display_name: String,
    errors: Vec<ShownError>,
) -> Response {
    let t = req.tr();
    let secretariat = ctx.actor.role == Role::Secretariat;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&UserFormPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            roles: if secretariat {
                vec!["admin"]
            } else {
                Role::COUNTRY_ASSIGNABLE
                    .iter()
                    .map(|r| r.as_str())
                    .collect()
            },
            countries: Country::all()
                .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
                .collect(),
            choose_country: secretariat,
            username,
            display_name,
            errors,
        }),
    )
}

pub async fn user_new(req: Req) -> PageResult {
    let ctx = req.ctx()?;
    if !policy::may_list_users(&ctx.actor) {
        return Err(req.err(AppError::NotFound));
    }
    Ok(user_form_page(
        &req,
        &ctx,
        String::new(),
        String::new(),
        vec![],
    ))
}

pub async fn user_create(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<enlace_app::users::UserInput>,
) -> PageResult {
    let ctx = req.ctx()?;
    match s.app.create_user(&ctx, &f).await {
        Ok(enlace_app::users::Outcome::Pending(u)) => {
            Ok(Redirect::to(&format!("/admin/users/{}", u.id)).into_response())
        }
        Ok(enlace_app::users::Outcome::Issued(issued)) => Ok(issued_page(&req, issued, false)),
        Err(AppError::Invalid(inv)) => Ok(user_form_page(
            &req,
            &ctx,
            f.username,
            f.display_name,
            shown(req.tr(), &inv.0),
        )),
        // The API answers 409; the form shows it next to the name.
        Err(AppError::Conflict(code @ "username_taken")) => Ok(user_form_page(
            &req,
            &ctx,
            f.username,
            f.display_name,
            shown(req.tr(), &enlace_domain::Invalid::one("username", code).0),
        )),
        Err(e) => Err(req.err(e)),
    }
}

pub async fn user_view(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> PageResult {
    let ctx = req.ctx()?;
    let (target, pending, may_approve) = s
        .app
        .account_for_review(&ctx, &id)
        .await
        .map_err(|e| req.err(e))?;
    Ok(render(&UserPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        target,
        pending,
        may_approve,
    }))
}

/// The page that shows a temporary password once.
fn issued_page(req: &Req, issued: enlace_app::users::IssuedCredentials, reset: bool) -> Response {
    render(&UserIssuedPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        target: issued.user,
        temp_password: issued.temporary_password,
        reset,
    })
}

pub async fn user_approve(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, _f): CsrfForm<Empty>,
) -> PageResult {
    let ctx = req.ctx()?;
    let issued = s
        .app
        .approve_user(&ctx, &id)
        .await
        .map_err(|e| req.err(e))?;
    Ok(issued_page(&req, issued, true))
}

pub async fn user_disable(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, _f): CsrfForm<Empty>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(
        s.app.set_user_disabled(&ctx, &id, true).await,
        &format!("/admin/users/{id}?done=user_disabled"),
    )
}

pub async fn user_enable(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, _f): CsrfForm<Empty>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(
        s.app.set_user_disabled(&ctx, &id, false).await,
        &format!("/admin/users/{id}?done=user_enabled"),
    )
}

pub async fn user_reset(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, _f): CsrfForm<Empty>,
) -> PageResult {
    let ctx = req.ctx()?;
    match s.app.reset_user(&ctx, &id).await.map_err(|e| req.err(e))? {
        enlace_app::users::Outcome::Pending(u) => {
            Ok(Redirect::to(&format!("/admin/users/{}", u.id)).into_response())
        }
        enlace_app::users::Outcome::Issued(issued) => Ok(issued_page(&req, issued, true)),
    }
}
