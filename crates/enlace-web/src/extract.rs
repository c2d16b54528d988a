//! Authentication as extractors: `Req` (language, session if any, origin) for pages,
//! `ApiCtx` (bearer token or session + CSRF header) for the API, and `CsrfForm` for forms.
use crate::error::{ApiError, PageError};
use crate::i18n::{Lang, Tr};
use crate::security::RequestId;
use crate::AppState;
use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use enlace_app::auth::{Authenticated, Credential, STAGE_FULL};
use enlace_app::{AppError, Ctx, Origin};
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "__Host-enlace";
pub const LANG_COOKIE: &str = "enlace_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn session_cookie(token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

pub fn lang_cookie(lang: Lang) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.code()
    )
}

fn origin_of(parts: &Parts) -> Origin {
    let request_id = parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let client_addr = parts
        .extensions
        .get::<ConnectInfo<crate::ClientAddr>>()
        .map(|c| c.0 .0.ip().to_string())
        .unwrap_or_default();
    // A stated purpose travels with the request (sensitive records need one).
    let purpose = parts.uri.query().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "purpose")
            .map(|(_, v)| v.trim().chars().take(500).collect::<String>())
            .filter(|v| !v.is_empty())
    });
    Origin {
        request_id,
        client_addr,
        purpose,
    }
}

/// Everything a page handler needs to know about the request.
#[derive(Clone)]
pub struct Req {
    pub lang: Lang,
    pub auth: Option<Authenticated>,
    pub origin: Origin,
    pub path: String,
    /// Unread notifications and the live log's head, for the page header and its stream.
    pub unread: i64,
    pub last_event: i64,
    /// `?done=<what>` after an action went through: the page says so (see `page_user`).
    pub done: Option<String>,
}

impl Req {
    /// The translator for this reader: their language, and times in their zone.
    pub fn tr(&self) -> Tr {
        Tr::new(self.lang).in_zone(self.time_zone())
    }
    /// The reader's zone: their choice, else their country's (see `country::time_zone_of`).
    pub fn time_zone(&self) -> &'static str {
        match self.full() {
            Some(a) => {
                enlace_domain::country::time_zone_of(a.user.time_zone.as_deref(), a.user.country)
            }
            None => "UTC",
        }
    }
    /// A fully logged-in user, or a redirect to the right login step.
    pub fn ctx(&self) -> Result<Ctx, PageError> {
        match &self.auth {
            Some(a) if a.session.stage == STAGE_FULL => Ok(Ctx {
                actor: a.user.actor(),
                origin: self.origin.clone(),
            }),
            Some(a) if a.session.stage == enlace_app::auth::STAGE_ENROL => {
                Err(PageError::Redirect("/enrol".into()))
            }
            Some(_) => Err(PageError::Redirect("/login/totp".into())),
            None => Err(PageError::Redirect("/login".into())),
        }
    }
    pub fn full(&self) -> Option<&Authenticated> {
        self.auth.as_ref().filter(|a| a.session.stage == STAGE_FULL)
    }
    pub fn csrf(&self) -> String {
        self.auth
            .as_ref()
            .map(|a| a.session.csrf.clone())
            .unwrap_or_default()
    }
    pub fn err(&self, e: AppError) -> PageError {
        PageError::page(
            e,
            self.lang,
            self.origin.request_id.clone(),
            self.page_user(),
        )
    }
    /// After an action went through, on to `to` (see other); or its error page.
    pub fn done_then<T>(
        &self,
        r: Result<T, AppError>,
        to: &str,
    ) -> Result<axum::response::Response, PageError> {
        r.map_err(|e| self.err(e))?;
        Ok(axum::response::IntoResponse::into_response(
            axum::response::Redirect::to(to),
        ))
    }
    pub fn page_user(&self) -> Option<crate::page::PageUser> {
        self.full().map(|a| {
            let mut u = crate::page::PageUser::of(a);
            u.unread = self.unread;
            u.last_event = self.last_event;
            // Only messages the catalogue has (`shell_done_…`): the link cannot inject text.
            u.done = self
                .done
                .as_ref()
                .map(|d| format!("shell_done_{d}"))
                .filter(|k| self.tr().has(k));
            u
        })
    }
}

impl<S> FromRequestParts<S> for Req
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let origin = origin_of(parts);
        let auth = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(token) => state.app.session(&token).await.map_err(|e| {
                PageError::page(
                    e,
                    Lang::from_headers(&parts.headers),
                    origin.request_id.clone(),
                    None,
                )
            })?,
            None => None,
        };
        // The user's remembered choice wins; then the cookie; then the browser.
        let lang = auth
            .as_ref()
            .and_then(|a| a.user.language.as_deref())
            .and_then(Lang::parse)
            .unwrap_or_else(|| Lang::from_headers(&parts.headers));
        let (mut unread, mut last_event) = (0, 0);
        if let Some(a) = auth.as_ref().filter(|a| a.session.stage == STAGE_FULL) {
            let fail = |e| PageError::page(e, lang, origin.request_id.clone(), None);
            unread = state.app.unread_count(&a.user.id).await.map_err(fail)?;
            last_event = state.app.last_event_seq().await.map_err(fail)?;
        }
        Ok(Req {
            lang,
            auth,
            origin,
            path: parts.uri.path().to_string(),
            unread,
            last_event,
            done: parts.uri.query().and_then(|q| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                    .ok()?
                    .into_iter()
                    .find(|(k, _)| k == "done")
                    .map(|(_, v)| v)
                    .filter(|v| {
                        v.len() <= 40 && v.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    })
            }),
        })
    }
}

/// A form whose `csrf` field must match the session's token.
pub struct CsrfForm<T>(pub Req, pub T);

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let r = Req::from_request_parts(&mut parts, state).await?;
        let limit = AppState::from_ref(state).web.body_limit;
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
            r.err(AppError::Invalid(enlace_domain::Invalid::one(
                "body",
                "too_large",
            )))
        })?;
        let c: CsrfOnly = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            r.err(AppError::Invalid(enlace_domain::Invalid::one(
                "form", "bad_form",
            )))
        })?;
        let expected = r.csrf();
        if expected.is_empty() {
            return Err(PageError::Redirect("/login".into()));
        }
        if !enlace_app::crypto::constant_time_eq(c.csrf.as_bytes(), expected.as_bytes()) {
            return Err(r.err(AppError::Forbidden).with_code("bad_csrf"));
        }
        let t: T = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            r.err(AppError::Invalid(enlace_domain::Invalid::one(
                "form", "bad_form",
            )))
        })?;
        Ok(CsrfForm(r, t))
    }
}

/// An API caller: a bearer token (national systems), or a browser session whose
/// state-changing requests carry the `X-CSRF-Token` header.
pub struct ApiCtx {
    pub ctx: Ctx,
    pub lang: Lang,
    /// The token or session the request came with (the event stream ends with it).
    pub credential: Credential,
}

impl ApiCtx {
    pub fn err(&self, e: AppError) -> ApiError {
        ApiError::new(e, self.ctx.origin.request_id.clone(), self.lang)
    }

    /// 204 for an action that went through, or its error in the caller's language.
    pub fn done<T>(&self, r: Result<T, AppError>) -> Result<axum::response::Response, ApiError> {
        r.map_err(|e| self.err(e))?;
        Ok(axum::response::IntoResponse::into_response(
            axum::http::StatusCode::NO_CONTENT,
        ))
    }
}

impl<S> FromRequestParts<S> for ApiCtx
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let origin = origin_of(parts);
        let header_lang = Lang::from_headers(&parts.headers);
        let fail = |e: AppError| ApiError::new(e, origin.request_id.clone(), header_lang);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|s| s.trim().to_string());
        let user = if let Some(token) = bearer {
            state.app.token_user(&token).await.map_err(fail)?
        } else if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
            match state.app.session(&token).await.map_err(fail)? {
                Some(a) if a.session.stage == STAGE_FULL => {
                    let changing = !matches!(parts.method, Method::GET | Method::HEAD);
                    let sent = parts
                        .headers
                        .get(CSRF_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    if changing
                        && !enlace_app::crypto::constant_time_eq(
                            sent.as_bytes(),
                            a.session.csrf.as_bytes(),
                        )
                    {
                        return Err(fail(AppError::Forbidden).with_code("bad_csrf"));
                    }
                    let credential = Credential::Session {
                        token_hash: a.session.token_hash,
                        user_id: a.user.id.clone(),
                    };
                    Some((credential, a.user))
                }
                _ => None,
            }
        } else {
            None
        };
        let (credential, user) = user.ok_or_else(|| fail(AppError::Unauthenticated))?;
        let lang = user
            .language
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(header_lang);
        Ok(ApiCtx {
            ctx: Ctx {
                actor: user.actor(),
                origin,
            },
            lang,
            credential,
        })
    }
}
