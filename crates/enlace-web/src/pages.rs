//! Server-rendered HTML pages (askama). Light, usable without JavaScript.
use crate::error::PageError;
use crate::extract::{self, CsrfForm, Req};
use crate::i18n::{Lang, Tr};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use enlace_app::audit::AuditScope;
use enlace_app::auth::{Authenticated, STAGE_ENROL, STAGE_FULL, STAGE_TOTP};
use enlace_app::AppError;
use enlace_domain::case::{CaseInput, DistributionInput};
use enlace_domain::policy::{self, Decision, RecordAccess};
use enlace_domain::{CaseStatus, Country, FieldError, Handling, Role};
use enlace_store::audit::Entry;
use enlace_store::cases::{Case, CaseFilter};
use enlace_store::countries::CountryRow;
use enlace_store::entities::{Entity, EntityFilter};
use enlace_store::tokens::ApiToken;
use enlace_store::users::User;
use serde::Deserialize;

type PageResult = Result<Response, PageError>;

pub const PER_PAGE: i64 = 50;

/// The logged-in user as the page header shows them.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub country: Option<String>,
    pub csrf: String,
    pub is_admin: bool,
    pub is_secretariat: bool,
    pub works_intelligence: bool,
    pub unread: i64,
    pub last_event: i64,
}

impl PageUser {
    pub fn of(a: &Authenticated) -> PageUser {
        PageUser {
            username: a.user.username.clone(),
            display_name: a.user.display_name.clone(),
            role: a.user.role.as_str().to_string(),
            country: a.user.country.map(|c| c.code().to_string()),
            csrf: a.session.csrf.clone(),
            is_admin: a.user.role == Role::Admin,
            is_secretariat: a.user.role == Role::Secretariat,
            works_intelligence: a.user.role.works_intelligence(),
            unread: 0,
            last_event: 0,
        }
    }
}

pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

fn with_status(status: StatusCode, r: Response) -> Response {
    (status, r).into_response()
}

/// Field errors translated for a form.
#[derive(Debug, Clone)]
pub struct ShownError {
    pub field: String,
    pub message: String,
}

fn shown(t: Tr, errs: &[FieldError]) -> Vec<ShownError> {
    errs.iter()
        .map(|e| ShownError {
            field: e.field.to_string(),
            message: format!(
                "{}: {}",
                t.t(&format!("field_{}", e.field)),
                crate::error::message(t, e.code)
            ),
        })
        .collect()
}

/// Pagination links of a list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The total is a lower bound ("more than 1,000"): broad searches stop counting.
    pub more: bool,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    fn new(page: i64, total: i64, base: &str) -> Pager {
        let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
        let sep = if base.contains('?') { '&' } else { '?' };
        Pager {
            page,
            pages,
            total,
            more: false,
            prev: (page > 1).then(|| format!("{base}{sep}page={}", page - 1)),
            next: (page < pages).then(|| format!("{base}{sep}page={}", page + 1)),
        }
    }
    /// Marks the total as a lower bound; there is always a next page to ask for.
    fn at_least(&mut self, next: &str) {
        self.more = true;
        self.next = Some(next.to_string());
    }
}

fn page_no(p: Option<i64>) -> i64 {
    p.unwrap_or(1).clamp(1, 1_000_000)
}

fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|e| e.trim_start_matches("v=").to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------- static assets

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

pub async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.js"),
    )
        .into_response()
}

// ---------------------------------------------------------------- templates

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: Tr,
    pub user: Option<PageUser>,
    pub path: String,
    pub title: String,
    pub code: String,
    pub message: String,
    pub request_id: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    recent: Vec<Case>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    username: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    csrf: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    csrf: String,
    secret: String,
    qr_svg: String,
    uri: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery.html")]
struct RecoveryPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    codes: Vec<String>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    me: User,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    notice: Option<String>,
    errors: Vec<ShownError>,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
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
struct CasePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    case: Case,
    can_edit: bool,
    groups: Vec<(String, Vec<Entity>)>,
    schemas: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    e: Entity,
    schema_label: String,
    rows: Vec<PropRow>,
    referring: Vec<(String, Entity)>,
    can_edit: bool,
    xrefs: Vec<enlace_app::checks::XrefCandidate>,
}

/// One property of an entity as its page shows it.
struct PropRow {
    name: String,
    values: Vec<String>,
    is_ref: bool,
}

/// One input of the entity form.
struct FormField {
    name: String,
    value: String,
    kind: String,
}

#[derive(Template)]
#[template(path = "entity_form.html")]
struct EntityFormPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    action: String,
    case_id: String,
    schema: String,
    schema_label: String,
    fields: Vec<FormField>,
    errors: Vec<ShownError>,
    version: i64,
    others: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    q: String,
    schema: String,
    results: Vec<Entity>,
    schemas: Vec<(String, String)>,
    pager: Pager,
    searched: bool,
}

/// The values a case form shows (after an error, what the user typed).
#[derive(Debug, Clone)]
struct CaseFormValues {
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
struct CaseFormPage {
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

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    users: Vec<User>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct UserFormPage {
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
struct UserIssuedPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    target: User,
    temp_password: String,
    reset: bool,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    target: User,
}

#[derive(Template)]
#[template(path = "countries.html")]
struct CountriesPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    countries: Vec<CountryRow>,
    editable: bool,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    entries: Vec<Entry>,
    scope: String,
    can_country: bool,
    pager: Pager,
}

// ---------------------------------------------------------------- home, language, 404

pub async fn home(State(s): State<AppState>, req: Req) -> PageResult {
    let ctx = req.ctx()?;
    let recent = if ctx.actor.role.works_intelligence() {
        s.app
            .list_cases(&ctx, &CaseFilter::default(), 5, 0)
            .await
            .map_err(|e| req.err(e))?
            .0
    } else {
        vec![]
    };
    Ok(render(&HomePage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        recent,
    }))
}

#[derive(Deserialize)]
pub struct LangQuery {
    set: String,
    next: Option<String>,
}

/// Only same-site relative paths, so the link cannot send anyone elsewhere.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

pub async fn set_lang(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<LangQuery>,
) -> PageResult {
    let lang = Lang::parse(&q.set).unwrap_or(req.lang);
    if let Some(a) = &req.auth {
        s.app
            .set_language(&a.user.id, lang.code())
            .await
            .map_err(|e| req.err(e))?;
    }
    let next = safe_next(q.next.as_deref());
    Ok((
        [(header::SET_COOKIE, extract::lang_cookie(lang))],
        Redirect::to(&next),
    )
        .into_response())
}

pub async fn not_found(req: Req) -> Response {
    if req.path.starts_with("/api/") {
        return crate::error::ApiError::new(
            AppError::NotFound,
            req.origin.request_id.clone(),
            req.lang,
        )
        .into_response();
    }
    req.err(AppError::NotFound).into_response()
}

// ---------------------------------------------------------------- login

fn after_login(stage: &str) -> &'static str {
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

fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

fn group4(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn enrol_page(
    s: &AppState,
    req: &Req,
    a: &Authenticated,
    error: Option<String>,
) -> PageResult {
    let e = s.app.start_enrolment(a).await.map_err(|e| req.err(e))?;
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
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

pub async fn enrol_submit(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<CodeForm>,
) -> PageResult {
    let Some(a) = req
        .auth
        .clone()
        .filter(|a| a.session.stage == STAGE_ENROL || a.session.stage == STAGE_FULL)
    else {
        return Ok(Redirect::to("/login").into_response());
    };
    match s.app.confirm_enrolment(&a, &f.code, &req.origin).await {
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
        Err(AppError::BadCode) => enrol_page(&s, &req, &a, Some(req.tr().t("bad_code"))).await,
        Err(e) => Err(req.err(e)),
    }
}

pub async fn recovery_get() -> Response {
    Redirect::to("/").into_response()
}

#[derive(Deserialize)]
pub struct Empty {}

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

// ---------------------------------------------------------------- account and tokens

async fn account_page(
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
    req.done_then(s.app.revoke_token(&ctx, &id).await, "/account")
}

// ---------------------------------------------------------------- case files

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

fn case_form_page(
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
fn case_input(pairs: &[(String, String)]) -> (CaseInput, CaseFormValues) {
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
    let mut groups: Vec<(String, Vec<Entity>)> = vec![];
    for schema in enlace_domain::ftm::schemas() {
        let of: Vec<Entity> = entities
            .iter()
            .filter(|e| e.schema == schema)
            .cloned()
            .collect();
        if !of.is_empty() {
            groups.push((
                enlace_domain::ftm::schema_label(schema, t.code()).to_string(),
                of,
            ));
        }
    }
    Ok(render(&CasePage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        case,
        can_edit,
        groups,
        schemas: schema_options(t),
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
    match s.app.update_case(&ctx, &id, &input, version).await {
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
        &format!("/cases/{id}"),
    )
}

// ---------------------------------------------------------------- user administration

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    scope: Option<String>,
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

fn user_form_page(
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
        Ok(issued) => Ok(render(&UserIssuedPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            target: issued.user,
            temp_password: issued.temporary_password,
            reset: false,
        })),
        Err(AppError::Invalid(inv)) => Ok(user_form_page(
            &req,
            &ctx,
            f.username,
            f.display_name,
            shown(req.tr(), &inv.0),
        )),
        Err(e) => Err(req.err(e)),
    }
}

pub async fn user_view(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> PageResult {
    let ctx = req.ctx()?;
    let target = s
        .app
        .managed_user(&ctx, &id)
        .await
        .map_err(|e| req.err(e))?;
    Ok(render(&UserPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        target,
    }))
}

pub async fn user_disable(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, _f): CsrfForm<Empty>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(
        s.app.set_user_disabled(&ctx, &id, true).await,
        &format!("/admin/users/{id}"),
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
        &format!("/admin/users/{id}"),
    )
}

pub async fn user_reset(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, _f): CsrfForm<Empty>,
) -> PageResult {
    let ctx = req.ctx()?;
    let issued = s.app.reset_user(&ctx, &id).await.map_err(|e| req.err(e))?;
    Ok(render(&UserIssuedPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        target: issued.user,
        temp_password: issued.temporary_password,
        reset: true,
    }))
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
            .update_country(&ctx, &code, &f.name_es, &f.name_en, f.active.is_some())
            .await,
        "/admin/countries",
    )
}

// ---------------------------------------------------------------- audit

pub async fn audit_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let page = page_no(q.page);
    let scope = match q.scope.as_deref() {
        Some("country") => AuditScope::Country,
        _ => AuditScope::Mine,
    };
    let (entries, total) = s
        .app
        .audit_entries(&ctx, scope, PER_PAGE, (page - 1) * PER_PAGE)
        .await
        .map_err(|e| req.err(e))?;
    let scope_s = if scope == AuditScope::Country {
        "country"
    } else {
        "mine"
    };
    Ok(render(&AuditPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        entries,
        scope: scope_s.into(),
        can_country: policy::may_read_country_audit(&ctx.actor).is_some(),
        pager: Pager::new(page, total, &format!("/audit?scope={scope_s}")),
    }))
}

// ---------------------------------------------------------------- entities and search

fn schema_options(t: Tr) -> Vec<(String, String)> {
    enlace_domain::ftm::schemas()
        .map(|s| {
            (
                s.to_string(),
                enlace_domain::ftm::schema_label(s, t.code()).to_string(),
            )
        })
        .collect()
}

/// Multi-valued properties are typed separated by semicolons.
const VALUE_SEPARATOR: char = ';';

/// What the entity form shows: where it posts, the case, the values typed so far.
struct EntityFormArgs<'a> {
    action: String,
    case_id: String,
    schema: &'a str,
    values: &'a std::collections::BTreeMap<String, Vec<String>>,
    errors: Vec<ShownError>,
    version: i64,
    others: Vec<(String, String)>,
}

fn entity_form_page(req: &Req, a: EntityFormArgs<'_>) -> Response {
    let t = req.tr();
    let fields = enlace_domain::ftm::props_of(a.schema)
        .into_iter()
        .map(|(name, ty)| FormField {
            name: name.to_string(),
            value: a.values.get(name).map(|v| v.join("; ")).unwrap_or_default(),
            kind: match ty {
                enlace_domain::ftm::PropType::Date => "date",
                enlace_domain::ftm::PropType::Entity => "entity",
                enlace_domain::ftm::PropType::Text => "text",
                _ => "line",
            }
            .to_string(),
        })
        .collect();
    let status = if a.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&EntityFormPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            action: a.action,
            case_id: a.case_id,
            schema: a.schema.to_string(),
            schema_label: enlace_domain::ftm::schema_label(a.schema, t.code()).to_string(),
            fields,
            errors: a.errors,
            version: a.version,
            others: a.others,
        }),
    )
}

/// Entities of the case, to pick as link ends.
async fn link_options(
    s: &AppState,
    req: &Req,
    ctx: &enlace_app::Ctx,
    case_id: &str,
) -> Result<Vec<(String, String)>, PageError> {
    let (list, _) = s
        .app
        .case_entities(ctx, case_id, 500, 0)
        .await
        .map_err(|e| req.err(e))?;
    let t = req.tr();
    Ok(list
        .into_iter()
        .map(|e| {
            (
                e.id.clone(),
                format!(
                    "{} ({})",
                    e.caption,
                    enlace_domain::ftm::schema_label(&e.schema, t.code())
                ),
            )
        })
        .collect())
}

#[derive(Deserialize)]
pub struct NewEntityQuery {
    schema: Option<String>,
}

pub async fn entity_new(
    State(s): State<AppState>,
    req: Req,
    Path(case_id): Path<String>,
    Query(q): Query<NewEntityQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let case = s
        .app
        .get_case(&ctx, &case_id)
        .await
        .map_err(|e| req.err(e))?;
    let schema = q.schema.unwrap_or_else(|| "Person".into());
    if !enlace_domain::ftm::is_schema(&schema) {
        return Err(req.err(AppError::Invalid(enlace_domain::Invalid::one(
            "schema",
            "unknown_schema",
        ))));
    }
    let others = link_options(&s, &req, &ctx, &case.id).await?;
    Ok(entity_form_page(
        &req,
        EntityFormArgs {
            action: format!("/cases/{}/entities", case.id),
            case_id: case.id.clone(),
            schema: &schema,
            values: &Default::default(),
            errors: vec![],
            version: 0,
            others,
        },
    ))
}

/// Reads `p.<property>` fields (semicolon-separated values) into FollowTheMoney properties.
fn entity_props(
    pairs: &[(String, String)],
) -> (String, std::collections::BTreeMap<String, Vec<String>>) {
    let mut schema = String::new();
    let mut props: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (k, v) in pairs {
        if k == "schema" {
            schema = v.clone();
        } else if let Some(p) = k.strip_prefix("p.") {
            let vals: Vec<String> = v
                .split(VALUE_SEPARATOR)
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect();
            if !vals.is_empty() {
                props.entry(p.to_string()).or_default().extend(vals);
            }
        }
    }
    (schema, props)
}

pub async fn entity_create(
    State(s): State<AppState>,
    Path(case_id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (schema, props) = entity_props(&pairs);
    let input = enlace_app::entities::EntityInput {
        schema: schema.clone(),
        properties: serde_json::to_value(&props).unwrap_or_default(),
    };
    match s.app.create_entity(&ctx, &case_id, &input).await {
        Ok(e) => Ok(Redirect::to(&format!("/entities/{}", e.id)).into_response()),
        Err(AppError::Invalid(inv)) if enlace_domain::ftm::is_schema(&schema) => {
            let others = link_options(&s, &req, &ctx, &case_id).await?;
            Ok(entity_form_page(
                &req,
                EntityFormArgs {
                    action: format!("/cases/{case_id}/entities"),
                    case_id: case_id.clone(),
                    schema: &schema,
                    values: &props,
                    errors: shown(req.tr(), &inv.0),
                    version: 0,
                    others,
                },
            ))
        }
        Err(e) => Err(req.err(e)),
    }
}

fn can_edit_entity(ctx: &enlace_app::Ctx, e: &Entity) -> bool {
    policy::decide_edit_record(
        &ctx.actor,
        &RecordAccess {
            owner: e.owner_country,
            distribution: &e.distribution,
        },
    ) == Decision::Allow
}

pub async fn entity_view(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (e, referring) = s.app.get_entity(&ctx, &id).await.map_err(|e| req.err(e))?;
    let xrefs = s
        .app
        .cross_references(&ctx, &id)
        .await
        .map_err(|e| req.err(e))?;
    let t = req.tr();
    let rows = e
        .properties
        .iter()
        .map(|(k, v)| PropRow {
            name: k.clone(),
            values: v.clone(),
            is_ref: enlace_domain::ftm::prop_type(&e.schema, k)
                == Some(enlace_domain::ftm::PropType::Entity),
        })
        .collect();
    Ok(render(&EntityPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        schema_label: enlace_domain::ftm::schema_label(&e.schema, t.code()).to_string(),
        can_edit: can_edit_entity(&ctx, &e),
        e,
        rows,
        referring,
        xrefs,
    }))
}

pub async fn entity_edit(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (e, _) = s.app.get_entity(&ctx, &id).await.map_err(|e| req.err(e))?;
    if !can_edit_entity(&ctx, &e) {
        return Err(req.err(AppError::Forbidden));
    }
    let others = link_options(&s, &req, &ctx, &e.case_id).await?;
    Ok(entity_form_page(
        &req,
        EntityFormArgs {
            action: format!("/entities/{}", e.id),
            case_id: e.case_id.clone(),
            schema: &e.schema,
            values: &e.properties,
            errors: vec![],
            version: e.version,
            others,
        },
    ))
}

pub async fn entity_update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (schema, props) = entity_props(&pairs);
    let version = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok());
    let input = enlace_app::entities::EntityInput {
        schema: schema.clone(),
        properties: serde_json::to_value(&props).unwrap_or_default(),
    };
    match s.app.update_entity(&ctx, &id, &input, version).await {
        Ok(e) => Ok(Redirect::to(&format!("/entities/{}", e.id)).into_response()),
        Err(AppError::Invalid(inv)) if enlace_domain::ftm::is_schema(&schema) => {
            let case_id = pairs
                .iter()
                .find(|(k, _)| k == "case_id")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let others = link_options(&s, &req, &ctx, &case_id)
                .await
                .unwrap_or_default();
            Ok(entity_form_page(
                &req,
                EntityFormArgs {
                    action: format!("/entities/{id}"),
                    case_id,
                    schema: &schema,
                    values: &props,
                    errors: shown(req.tr(), &inv.0),
                    version: version.unwrap_or(0),
                    others,
                },
            ))
        }
        Err(e) => Err(req.err(e)),
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    schema: Option<String>,
    page: Option<i64>,
}

pub async fn search_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let text = q.q.clone().unwrap_or_default();
    let schema = q.schema.clone().unwrap_or_default();
    let page = page_no(q.page);
    let searched = !text.trim().is_empty();
    let (results, total, exact) = if searched {
        let filter = EntityFilter {
            schema: Some(schema.clone()).filter(|s| !s.is_empty()),
            ..Default::default()
        };
        s.app
            .search_entities(&ctx, &text, filter, None, PER_PAGE, (page - 1) * PER_PAGE)
            .await
            .map_err(|e| req.err(e))?
    } else {
        (vec![], 0, true)
    };
    let t = req.tr();
    let mut pager = Pager::new(
        page,
        total,
        &format!(
            "/search?q={}&schema={}",
            url_encode(&text),
            url_encode(&schema)
        ),
    );
    if !exact {
        pager.at_least(&format!(
            "/search?q={}&schema={}&page={}",
            url_encode(&text),
            url_encode(&schema),
            page + 1
        ));
    }
    Ok(render(&SearchPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        pager,
        q: text,
        schema,
        results,
        schemas: schema_options(t),
        searched,
    }))
}

// ---------------------------------------------------------------- hit/no-hit checks

#[derive(Template)]
#[template(path = "checks.html")]
struct ChecksPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    f: CheckForm,
    errors: Vec<ShownError>,
    answer: Option<enlace_app::checks::CheckAnswer>,
    kinds: Vec<(String, String)>,
}

#[derive(Deserialize, Default, Clone)]
pub struct CheckForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    case_reference: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    value: String,
}

/// (kind, i18n key) of what a check can be about; each maps to a FollowTheMoney subject.
const CHECK_KINDS: [(&str, &str); 7] = [
    ("person", "check_kind_person"),
    ("phone", "check_kind_phone"),
    ("document", "check_kind_document"),
    ("plate", "check_kind_plate"),
    ("vessel", "check_kind_vessel"),
    ("account", "check_kind_account"),
    ("email", "check_kind_email"),
];

impl CheckForm {
    fn subject(&self) -> serde_json::Value {
        let v = self.value.trim();
        match self.kind.as_str() {
            "phone" => serde_json::json!({"schema": "UserAccount", "properties": {"phone": [v]}}),
            "document" => {
                serde_json::json!({"schema": "Identification", "properties": {"number": [v]}})
            }
            "plate" => {
                serde_json::json!({"schema": "Vehicle", "properties": {"registrationNumber": [v]}})
            }
            "vessel" => {
                serde_json::json!({"schema": "Vessel", "properties": {"name": [v], "registrationNumber": [v]}})
            }
            "account" => {
                serde_json::json!({"schema": "BankAccount", "properties": {"accountNumber": [v]}})
            }
            "email" => serde_json::json!({"schema": "UserAccount", "properties": {"email": [v]}}),
            _ => {
                let mut props = serde_json::Map::new();
                for (k, val) in [
                    ("name", &self.name),
                    ("birthDate", &self.birth_date),
                    ("nationality", &self.nationality),
                ] {
                    if !val.trim().is_empty() {
                        props.insert(k.into(), serde_json::json!([val.trim()]));
                    }
                }
                serde_json::json!({"schema": "Person", "properties": props})
            }
        }
    }
}

fn checks_page(
    req: &Req,
    f: CheckForm,
    errors: Vec<ShownError>,
    answer: Option<enlace_app::checks::CheckAnswer>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&ChecksPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            f,
            errors,
            answer,
            kinds: CHECK_KINDS
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }),
    )
}

pub async fn checks_form(req: Req) -> PageResult {
    let ctx = req.ctx()?;
    if ctx.actor.intelligence_country().is_none() {
        return Err(req.err(AppError::Forbidden));
    }
    Ok(checks_page(
        &req,
        CheckForm {
            kind: "person".into(),
            ..Default::default()
        },
        vec![],
        None,
    ))
}

pub async fn checks_submit(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<CheckForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let input = enlace_app::checks::CheckInput {
        purpose: f.purpose.clone(),
        case_reference: f.case_reference.clone(),
        subject: f.subject(),
    };
    match s.app.run_check(&ctx, &input).await {
        Ok(answer) => Ok(checks_page(&req, f, vec![], Some(answer))),
        Err(AppError::Invalid(inv)) => Ok(checks_page(&req, f, shown(req.tr(), &inv.0), None)),
        Err(e) => Err(req.err(e)),
    }
}

// ---------------------------------------------------------------- information requests

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    outgoing: bool,
    list: Vec<(enlace_store::requests::Request, String)>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "request_form.html")]
struct RequestFormPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    f: RequestForm,
    countries: Vec<(String, String)>,
    errors: Vec<ShownError>,
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    v: enlace_app::requests::RequestView,
    reasons: Vec<&'static str>,
    errors: Vec<ShownError>,
}

#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
pub struct BoxQuery {
    r#box: Option<String>,
    page: Option<i64>,
}

pub async fn requests_list(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<BoxQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let outgoing = q.r#box.as_deref() == Some("out");
    let page = page_no(q.page);
    let (list, total) = s
        .app
        .list_requests(&ctx, outgoing, PER_PAGE, (page - 1) * PER_PAGE)
        .await
        .map_err(|e| req.err(e))?;
    Ok(render(&RequestsPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        outgoing,
        list,
        pager: Pager::new(
            page,
            total,
            if outgoing {
                "/requests?box=out"
            } else {
                "/requests?box=in"
            },
        ),
    }))
}

fn request_form_page(req: &Req, f: RequestForm, errors: Vec<ShownError>) -> Response {
    let t = req.tr();
    let own = req.page_user().and_then(|u| u.country);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&RequestFormPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            f,
            countries: Country::all()
                .filter(|c| Some(c.code().to_string()) != own)
                .map(|c| (c.code().to_string(), c.name(t.code()).to_string()))
                .collect(),
            errors,
        }),
    )
}

#[derive(Deserialize)]
pub struct NewRequestQuery {
    to: Option<String>,
    reference: Option<String>,
}

pub async fn request_new(req: Req, Query(q): Query<NewRequestQuery>) -> PageResult {
    let ctx = req.ctx()?;
    if ctx.actor.intelligence_country().is_none() {
        return Err(req.err(AppError::Forbidden));
    }
    Ok(request_form_page(
        &req,
        RequestForm {
            to: q.to.unwrap_or_default(),
            reference: q.reference.unwrap_or_default(),
            urgency: "normal".into(),
            ..Default::default()
        },
        vec![],
    ))
}

pub async fn request_create(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<RequestForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let input = enlace_app::requests::RequestInput {
        to: f.to.clone(),
        references: f
            .reference
            .split([',', ' ', ';'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect(),
        purpose: f.purpose.clone(),
        legal_basis: f.legal_basis.clone(),
        urgency: f.urgency.clone(),
        deadline_hours: None,
        message: f.message.clone(),
    };
    match s.app.create_request(&ctx, &input).await {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}", r.id)).into_response()),
        Err(AppError::Invalid(inv)) => Ok(request_form_page(&req, f, shown(req.tr(), &inv.0))),
        Err(e) => Err(req.err(e)),
    }
}

async fn request_page(s: &AppState, req: &Req, id: &str, errors: Vec<ShownError>) -> PageResult {
    let ctx = req.ctx()?;
    let v = s.app.get_request(&ctx, id).await.map_err(|e| req.err(e))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(&RequestPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            v,
            reasons: enlace_app::requests::DECLINE_REASONS.to_vec(),
            errors,
        }),
    ))
}

pub async fn request_view(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    request_page(&s, &req, &id, vec![]).await
}

/// Every action on a request page posts here with `action` naming it.
pub async fn request_action(
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
    let share: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "share")
        .map(|(_, v)| v.clone())
        .collect();
    let result = match get("action").as_str() {
        "acknowledge" => s.app.acknowledge_request(&ctx, &id).await,
        "answer" => {
            s.app
                .answer_request(&ctx, &id, &get("message"), &share)
                .await
        }
        "decline" => {
            s.app
                .decline_request(&ctx, &id, &get("reason"), &get("text"))
                .await
        }
        "withdraw" => s.app.withdraw_request(&ctx, &id).await,
        "message" => s.app.post_request_message(&ctx, &id, &get("body")).await,
        "mla" => {
            s.app
                .set_request_mla(&ctx, &id, &get("mla_reference"))
                .await
        }
        _ => Err(AppError::Invalid(enlace_domain::Invalid::one(
            "form", "bad_form",
        ))),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/requests/{id}")).into_response()),
        Err(AppError::Invalid(inv)) => request_page(&s, &req, &id, shown(req.tr(), &inv.0)).await,
        Err(e) => Err(req.err(e)),
    }
}

// ---------------------------------------------------------------- alerts and notifications

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
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
struct AlertFormPage {
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
struct AlertPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    v: enlace_app::alerts::AlertView,
    can_ack: bool,
    errors: Vec<ShownError>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    list: Vec<(enlace_store::live::Notification, String)>,
    pager: Pager,
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

fn alert_form_page(req: &Req, f: AlertForm, errors: Vec<ShownError>) -> Response {
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

async fn alert_page(s: &AppState, req: &Req, id: &str, errors: Vec<ShownError>) -> PageResult {
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

pub async fn notifications_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let page = page_no(q.page);
    let (list, total, _) = s
        .app
        .notifications(&ctx, PER_PAGE, (page - 1) * PER_PAGE)
        .await
        .map_err(|e| req.err(e))?;
    let lang = req.lang.code();
    Ok(render(&NotificationsPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        list: list
            .into_iter()
            .map(|n| {
                let text = enlace_app::live::text_in(&n.text, lang);
                (n, text)
            })
            .collect(),
        pager: Pager::new(page, total, "/notifications"),
    }))
}

pub async fn notifications_read(
    State(s): State<AppState>,
    CsrfForm(req, _f): CsrfForm<Empty>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(s.app.mark_read(&ctx, None).await, "/notifications")
}

// ---------------------------------------------------------------- directory of focal points

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
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
struct DirectoryEntryPage {
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

fn directory_entry_page(
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

fn directory_form(pairs: &[(String, String)]) -> (enlace_app::directory::DirectoryData, bool) {
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
        Ok(e) => Ok(Redirect::to(&format!("/directory/{}", e.id)).into_response()),
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
        "edit" => {
            let (d, public) = directory_form(&pairs);
            match s.app.edit_directory(&ctx, &id, &d, public).await {
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
        Ok(_) => Ok(Redirect::to(&format!("/directory/{id}")).into_response()),
        Err(e) => Err(req.err(e)),
    }
}

// ---------------------------------------------------------------- network graph

#[derive(Template)]
#[template(path = "graph.html")]
struct GraphPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    /// The network's centre (the level-0 node), already read by `network`.
    root: enlace_app::graph::Node,
    g: enlace_app::graph::Graph,
    svg: String,
}

#[derive(Deserialize)]
pub struct DepthQuery {
    depth: Option<usize>,
}

pub async fn graph_page(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<DepthQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let g = s
        .app
        .network(&ctx, &id, q.depth.unwrap_or(2))
        .await
        .map_err(|e| req.err(e))?;
    let root = g
        .nodes
        .iter()
        .find(|n| n.id == g.root)
        .cloned()
        .ok_or_else(|| req.err(AppError::NotFound))?;
    let t = req.tr();
    Ok(render(&GraphPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        svg: enlace_app::graph::to_svg(&g, t.code()),
        root,
        g,
    }))
}

#[derive(Deserialize)]
pub struct XrefForm {
    #[serde(default)]
    candidate: String,
    #[serde(default)]
    decision: String,
}

pub async fn xref_decide(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, f): CsrfForm<XrefForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(
        s.app
            .decide_cross_reference(&ctx, &id, &f.candidate, &f.decision)
            .await,
        &format!("/entities/{id}#matches"),
    )
}

// ---------------------------------------------------------------- timeline

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelinePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    case: Case,
    items: Vec<(String, Entity, String)>,
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
    let mut items = vec![];
    for e in entities {
        for prop in [
            "date",
            "startDate",
            "endDate",
            "incorporationDate",
            "registrationDate",
        ] {
            if let Some(values) = e.properties.get(prop) {
                for v in values {
                    items.push((v.clone(), e.clone(), prop.to_string()));
                }
            }
        }
    }
    items.sort_by(|a, b| (&a.0, &a.1.caption).cmp(&(&b.0, &b.1.caption)));
    Ok(render(&TimelinePage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        case,
        items,
    }))
}

// ---------------------------------------------------------------- import

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    case: Case,
    report: Option<enlace_app::entities::ImportReport>,
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
        case,
        report: Some(report),
    }))
}

// ---------------------------------------------------------------- routes and modus operandi

#[derive(Template)]
#[template(path = "routes.html")]
struct RoutesPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    routes: Vec<enlace_app::routes::Route>,
    svg: String,
    mo: Vec<enlace_store::countries::MoTerm>,
}

pub async fn routes_page(State(s): State<AppState>, req: Req) -> PageResult {
    let ctx = req.ctx()?;
    let routes = s.app.routes(&ctx).await.map_err(|e| req.err(e))?;
    let mo = s.app.mo_vocabulary().await.map_err(|e| req.err(e))?;
    Ok(render(&RoutesPage {
        t: req.tr(),
        user: req.page_user(),
        path: req.path.clone(),
        svg: enlace_app::routes::map_svg(&routes),
        routes,
        mo,
    }))
}

#[derive(Template)]
#[template(path = "modus.html")]
struct ModusPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    terms: Vec<enlace_store::countries::MoTerm>,
    editable: bool,
    errors: Vec<ShownError>,
}

async fn modus_page(s: &AppState, req: &Req, errors: Vec<ShownError>) -> PageResult {
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
        Err(e) => Err(req.err(e)),
    }
}
