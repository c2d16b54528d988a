use crate::error::PageError;
use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use enlace_app::AppError;
use enlace_domain::FieldError;
use enlace_store::tokens::ApiToken;
use enlace_store::users::User;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    me: User,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    notice: Option<String>,
    errors: Vec<ShownError>,
    /// The zone chosen ("" for the country's), the zone in use, and the choices.
    zone: String,
    zone_in_use: &'static str,
    zones: Vec<(&'static str, bool)>,
}

pub(crate) async fn account_page(
    s: &AppState,
    req: &Req,
    new_token: Option<String>,
    notice: Option<String>,
    errors: Vec<ShownError>,
) -> PageResult {
    let ctx = req.ctx()?;
    let a = req.full().ok_or(PageError::Redirect("/login".into()))?;
    let tokens = s.app.tokens(&ctx).await.map_err(|e| req.err(e))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&AccountPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            me: a.user.clone(),
            tokens,
            new_token,
            notice,
            errors,
            zone: a.user.time_zone.clone().unwrap_or_default(),
            zone_in_use: req.time_zone(),
            zones: enlace_domain::country::TIME_ZONES
                .iter()
                .map(|z| (*z, a.user.time_zone.as_deref() == Some(*z)))
                .collect(),
        }),
    ))
}

pub async fn account(State(s): State<AppState>, req: Req) -> PageResult {
    account_page(&s, &req, None, None, vec![]).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<PasswordForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let a = req
        .full()
        .cloned()
        .ok_or(PageError::Redirect("/login".into()))?;
    let t = req.tr();
    if f.new_password != f.confirm_password {
        let errs = shown(
            t,
            &[FieldError {
                field: "confirm_password",
                code: "passwords_differ",
            }],
        );
        return account_page(&s, &req, None, None, errs).await;
    }
    match s
        .app
        .change_password(&ctx, &a, &f.current_password, &f.new_password)
        .await
    {
        Ok(()) => account_page(&s, &req, None, Some(t.t("password_changed")), vec![]).await,
        Err(AppError::Invalid(inv)) => account_page(&s, &req, None, None, shown(t, &inv.0)).await,
        Err(e) => Err(req.err(e)),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<TokenForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    match s.app.create_token(&ctx, &f.name).await {
        Ok((_, token)) => account_page(&s, &req, Some(token), None, vec![]).await,
        Err(AppError::Invalid(inv)) => {
            account_page(&s, &req, None, None, shown(req.tr(), &inv.0)).await
        }
        Err(e) => Err(req.err(e)),
    }
}

pub async fn revoke_token(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, _f): CsrfForm<Empty>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(
        s.app.revoke_token(&ctx, &id).await,
        "/account?done=token_revoked",
    )
}

#[derive(Deserialize)]
pub struct TimeZoneForm {
    #[serde(default)]
    time_zone: String,
}

/// Saves the time zone, then shows the account page with the times in the new zone.
pub async fn set_time_zone(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<TimeZoneForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    match s.app.set_time_zone(&ctx, &f.time_zone).await {
        Ok(()) => Ok(axum::response::IntoResponse::into_response(
            axum::response::Redirect::to("/account?done=time_zone"),
        )),
        Err(AppError::Invalid(inv)) => {
            account_page(&s, &req, None, None, shown(req.tr(), &inv.0)).await
        }
        Err(e) => Err(req.err(e)),
    }
}
