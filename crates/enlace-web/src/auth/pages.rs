use crate::extract::{self, CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use enlace_app::auth::{Authenticated, Reauth, STAGE_ENROL, STAGE_FULL, STAGE_TOTP};
use enlace_app::AppError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    username: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "totp.html")]
pub(crate) struct TotpPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    csrf: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "enrol.html")]
pub(crate) struct EnrolPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    csrf: String,
    secret: String,
    qr_svg: String,
    uri: String,
    /// The user already has a second factor: replacing it asks for the password and a
    /// current code.
    replacing: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery.html")]
pub(crate) struct RecoveryPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    codes: Vec<String>,
}

pub(crate) fn after_login(stage: &str) -> &'static str {
    match stage {
        STAGE_FULL => "/",
        STAGE_TOTP => "/login/totp",
        _ => "/enrol",
    }
}

pub async fn login_form(req: Req) -> PageResult {
    if let Some(a) = &req.auth {
        return Ok(Redirect::to(after_login(&a.session.stage)).into_response());
    }
    Ok(render(&LoginPage {
        t: req.tr(),
        user: None,
        path: req.path.clone(),
        username: String::new(),
        error: None,
    }))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login_submit(
    State(s): State<AppState>,
    req: Req,
    Form(f): Form<LoginForm>,
) -> PageResult {
    match s.app.login(&f.username, &f.password, &req.origin).await {
        Ok(session) => Ok((
            [(header::SET_COOKIE, extract::session_cookie(&session.token))],
            Redirect::to(after_login(session.stage)),
        )
            .into_response()),
        Err(e @ (AppError::BadCredentials | AppError::RateLimited { .. })) => {
            let t = req.tr();
            let status = crate::error::status_of(&e);
            Ok(with_status(
                status,
                render(&LoginPage {
                    t,
                    user: None,
                    path: req.path.clone(),
                    username: f.username.chars().take(64).collect(),
                    error: Some(t.t(e.code())),
                }),
            ))
        }
        Err(e) => Err(req.err(e)),
    }
}

pub async fn totp_form(req: Req) -> PageResult {
    match &req.auth {
        Some(a) if a.session.stage == STAGE_TOTP => Ok(render(&TotpPage {
            t: req.tr(),
            user: None,
            path: req.path.clone(),
            csrf: a.session.csrf.clone(),
            error: None,
        })),
        Some(a) => Ok(Redirect::to(after_login(&a.session.stage)).into_response()),
        None => Ok(Redirect::to("/login").into_response()),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn totp_submit(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<CodeForm>,
) -> PageResult {
    let Some(a) = req.auth.clone().filter(|a| a.session.stage == STAGE_TOTP) else {
        return Ok(Redirect::to("/login").into_response());
    };
    match s.app.verify_second_factor(&a, &f.code, &req.origin).await {
        Ok(session) => Ok((
            [(header::SET_COOKIE, extract::session_cookie(&session.token))],
            Redirect::to("/"),
        )
            .into_response()),
        Err(e @ (AppError::BadCode | AppError::RateLimited { .. })) => {
            let t = req.tr();
            Ok(with_status(
                crate::error::status_of(&e),
                render(&TotpPage {
                    t,
                    user: None,
                    path: req.path.clone(),
                    csrf: a.session.csrf.clone(),
                    error: Some(t.t(e.code())),
                }),
            ))
        }
        Err(e) => Err(req.err(e)),
    }
}

pub(crate) fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

pub(crate) fn group4(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) async fn enrol_page(
    s: &AppState,
    req: &Req,
    a: &Authenticated,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let e = s.app.start_enrolment(a).await.map_err(|e| req.err(e))?;
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    Ok(with_status(
        status,
        render(&EnrolPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            csrf: a.session.csrf.clone(),
            secret: group4(&e.secret_base32),
            qr_svg: qr_svg(&e.otpauth_uri),
            uri: e.otpauth_uri,
            replacing: a.user.has_totp(),
            error,
        }),
    ))
}

pub async fn enrol_form(State(s): State<AppState>, req: Req) -> PageResult {
    match req.auth.clone() {
        Some(a) if a.session.stage == STAGE_ENROL || a.session.stage == STAGE_FULL => {
            enrol_page(&s, &req, &a, None).await
        }
        Some(a) => Ok(Redirect::to(after_login(&a.session.stage)).into_response()),
        None => Ok(Redirect::to("/login").into_response()),
    }
}

#[derive(Deserialize)]
pub struct EnrolForm {
    /// A code from the new secret.
    #[serde(default)]
    code: String,
    /// Only when replacing a second factor: the current password …
    #[serde(default)]
    current_password: String,
    /// … and a code from the current second factor, or a recovery code.
    #[serde(default)]
    current_code: String,
}

pub async fn enrol_submit(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<EnrolForm>,
) -> PageResult {
    let Some(a) = req
        .auth
        .clone()
        .filter(|a| a.session.stage == STAGE_ENROL || a.session.stage == STAGE_FULL)
    else {
        return Ok(Redirect::to("/login").into_response());
    };
    let reauth = Reauth {
        password: &f.current_password,
        current_code: &f.current_code,
    };
    match s
        .app
        .confirm_enrolment(&a, &f.code, Some(&reauth), &req.origin)
        .await
    {
        Ok((session, codes)) => {
            let full = Authenticated {
                session: enlace_store::sessions::Session {
                    csrf: session.csrf.clone(),
                    stage: STAGE_FULL.into(),
                    ..a.session.clone()
                },
                user: session.user.clone(),
            };
            Ok((
                [(header::SET_COOKIE, extract::session_cookie(&session.token))],
                render(&RecoveryPage {
                    t: req.tr(),
                    user: Some(PageUser::of(&full)),
                    path: req.path.clone(),
                    codes,
                }),
            )
                .into_response())
        }
        Err(e @ (AppError::BadCode | AppError::BadCredentials | AppError::RateLimited { .. })) => {
            let message = match e {
                AppError::BadCredentials => req.tr().t("reauth_failed"),
                _ => req.tr().t(e.code()),
            };
            let status = crate::error::status_of(&e);
            enrol_page(&s, &req, &a, Some((status, message))).await
        }
        Err(e) => Err(req.err(e)),
    }
}

pub async fn recovery_get() -> Response {
    Redirect::to("/").into_response()
}

pub async fn logout(State(s): State<AppState>, CsrfForm(req, _f): CsrfForm<Empty>) -> PageResult {
    if let Some(a) = &req.auth {
        s.app.logout(a, &req.origin).await.map_err(|e| req.err(e))?;
    }
    Ok((
        [(header::SET_COOKIE, extract::clear_session_cookie())],
        Redirect::to("/login"),
    )
        .into_response())
}
