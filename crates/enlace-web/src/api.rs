//! The API's shared plumbing: JSON bodies and query strings that fail in the API's error
//! shape, list paging, timestamps, and the OpenAPI document, which utoipa derives from the
//! handlers' annotations and the request and response types (no hand-kept copy).
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::security::RequestId;
use crate::AppState;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::Response;
use enlace_app::AppError;
use enlace_domain::clock::format_utc;
use enlace_domain::Invalid;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, RefOr, ResponseBuilder};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

pub(crate) type ApiResult = Result<Response, ApiError>;

fn request_id(req_parts: &axum::http::Extensions) -> String {
    req_parts
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

/// A JSON body whose parse errors answer in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let rid = request_id(req.extensions());
        let lang = Lang::from_headers(req.headers());
        let limit = AppState::from_ref(state).web.body_limit;
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| {
                ApiError::new(
                    AppError::Invalid(Invalid::one("body", "too_large")),
                    rid.clone(),
                    lang,
                )
            })?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|_| {
            ApiError::new(
                AppError::Invalid(Invalid::one("body", "bad_json")),
                rid,
                lang,
            )
        })
    }
}

/// A query string whose parse errors answer in the API's error shape (axum's own
/// rejection is plain text).
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|_| {
                ApiError::new(
                    AppError::Invalid(Invalid::one("query", "bad_query")),
                    request_id(&parts.extensions),
                    Lang::from_headers(&parts.headers),
                )
            })
    }
}

/// A PATCH field that may be cleared: omitted → `None` (kept), `null` → `Some(None)`
/// (cleared), a value → `Some(Some(v))` — JSON merge patch (RFC 7396). Use with
/// `#[serde(default, deserialize_with = "crate::api::nullable")]`.
pub(crate) fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

pub(crate) fn ts(ms: i64) -> String {
    format_utc(ms)
}

/// Paging of a list: `page` from 1, `per_page` from 1 to 200 (default 50).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    #[param(minimum = 1, maximum = 1_000_000)]
    pub(crate) page: Option<i64>,
    #[param(minimum = 1, maximum = 200)]
    pub(crate) per_page: Option<i64>,
}

impl Paging {
    pub(crate) fn get(&self) -> (i64, i64, i64) {
        paging(self.page, self.per_page)
    }
}

/// (page, per page, offset); out-of-range values are brought into range here, and refused
/// at the edge by `check_paging`.
pub(crate) fn paging(page: Option<i64>, per_page: Option<i64>) -> (i64, i64, i64) {
    let per = per_page.unwrap_or(50).clamp(1, 200);
    let page = page.unwrap_or(1).clamp(1, 1_000_000);
    (page, per, (page - 1) * per)
}

/// Refuses a page or page size outside what the document allows.
pub(crate) fn check_paging(page: Option<i64>, per_page: Option<i64>) -> Result<(), AppError> {
    let mut errs = Invalid::default();
    if page.is_some_and(|p| !(1..=1_000_000).contains(&p)) {
        errs.push("page", "out_of_range");
    }
    if per_page.is_some_and(|p| !(1..=200).contains(&p)) {
        errs.push("per_page", "out_of_range");
    }
    errs.into_result().map_err(AppError::Invalid)
}

/// A country filter: absent, or a member country (anything else is refused, not ignored).
pub(crate) fn country_filter(
    field: &'static str,
    code: Option<&str>,
) -> Result<Option<enlace_domain::Country>, AppError> {
    match code {
        None | Some("") => Ok(None),
        Some(c) => enlace_domain::Country::parse(c)
            .map(Some)
            .ok_or_else(|| AppError::Invalid(Invalid::one(field, "unknown_country"))),
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items the whole list holds (only those the caller may see).
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: i64, (page, per_page, _): (i64, i64, i64)) -> Page<T> {
        Page {
            items,
            total,
            page,
            per_page,
        }
    }
}

/// A whole list, unpaged (short lists: countries, tokens, the vocabulary…).
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// The error shape of every API answer that is not a success.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code (also the translation key).
    pub code: String,
    /// The message in the caller's language.
    pub message: String,
    /// Quote it to the platform's operators: the server's log carries the cause.
    pub request_id: String,
    /// For invalid input: which fields and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldProblem>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Enlace API",
        description = "The JSON API of Enlace, the secure regional information-exchange platform \
            of the Liaison Officers Network. Every record belongs to a country; a record the \
            caller may not see answers exactly like one that does not exist (404). Errors are \
            `{\"error\":{\"code\",\"message\",\"request_id\"}}`.",
        license(name = "AGPL-3.0-only")
    ),
    components(schemas(
        ErrorBody,
        crate::statistics::api::StatsExportFormat,
        crate::statistics::api::StatsTemplateFormat
    ))
)]
pub struct ApiDoc;

/// What every operation shares: how callers authenticate, and the error answers any
/// authenticated operation can give (each handler lists its own on top).
struct Conventions;

const PUBLIC: [&str; 2] = ["/healthz", "/api/v1/openapi.json"];

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`enlace token create`, or *My account* → API tokens)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::extract::SESSION_COOKIE,
                "The browser session; state-changing requests also send the X-CSRF-Token header",
            ))),
        );
        let error = |what: &str| -> RefOr<utoipa::openapi::Response> {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                            "ErrorBody",
                        ))))
                        .build(),
                )
                .into()
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let public = PUBLIC.contains(&path.as_str());
            let has_params = path.contains('{');
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let mut add = |code: &str, what: &str| {
                    op.responses
                        .responses
                        .entry(code.to_string())
                        .or_insert_with(|| error(what));
                };
                if !public {
                    add("401", "Not logged in, or the token or session is not valid");
                    add(
                        "403",
                        "The caller's role may not do this (or a browser request lacks its CSRF token)",
                    );
                    add("422", "Invalid input: the fields and why");
                    // Hidden means not found: also for a role that has no such records.
                    add(
                        "404",
                        if has_params {
                            "No such record, or one the caller may not see"
                        } else {
                            "Nothing of this kind for the caller's role"
                        },
                    );
                    op.security = Some(vec![
                        utoipa::openapi::security::SecurityRequirement::new(
                            "token",
                            Vec::<String>::new(),
                        ),
                        utoipa::openapi::security::SecurityRequirement::new(
                            "session",
                            Vec::<String>::new(),
                        ),
                    ]);
                }
                add(
                    "500",
                    "Something failed on the server; the log has the cause",
                );
                if !public {
                    // The full-disk line (docs/OPERATIONS.md): writes are refused, reads whose
                    // audit row cannot be written are not served.
                    add(
                        "503",
                        "The read could not be audited (no room for its audit row): not served",
                    );
                    add(
                        "507",
                        "insufficient_storage: the database cannot grow; nothing was written",
                    );
                }
            }
        }
    }
}

/// Every API route of every feature, each with its operation in the document.
pub fn api_router() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .merge(crate::site::api())
        .merge(crate::auth::api())
        .merge(crate::account::api())
        .merge(crate::cases::api())
        .merge(crate::entities::api())
        .merge(crate::checks::api())
        .merge(crate::requests::api())
        .merge(crate::alerts::api())
        .merge(crate::centres::api())
        .merge(crate::directory::api())
        .merge(crate::dashboard::api())
        .merge(crate::legislation::api())
        .merge(crate::meetings::api())
        .merge(crate::notifications::api())
        .merge(crate::retention::api())
        .merge(crate::users::api())
        .merge(crate::countries::api())
        .merge(crate::routes::api())
        .merge(crate::audit::api())
        .merge(crate::portal::api())
        .merge(crate::workplans::api())
        .merge(crate::visas::api())
        .merge(crate::documents::api())
        .merge(crate::statistics::api());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(utoipa_axum::routes!(crate::site::api::healthz))
        .nest("/api/v1", v1)
}

/// The served OpenAPI document, built once from the routes.
pub fn document() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = api_router().into_openapi();
        // After the routes are in: the modifier adds what every operation shares.
        Conventions.modify(&mut doc);
        doc.to_pretty_json().unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every API route goes through `routes!`, which puts its operation in the document:
    /// a plain `.route(` in a feature's `api()` would serve a path the document omits.
    /// And the document holds one operation per handler listed in those `routes!` calls.
    #[test]
    fn every_api_route_is_in_the_document() {
        let src = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut handlers = 1; // healthz, registered in api_router itself
        for dir in std::fs::read_dir(&src).unwrap() {
            let module = dir.unwrap().path().join("mod.rs");
            let Ok(text) = std::fs::read_to_string(&module) else {
                continue;
            };
            let Some(start) = text.find("pub fn api()") else {
                continue;
            };
            let body = &text[start..];
            assert!(
                !body.contains(".route("),
                "{}: API routes must be registered with routes!(…)",
                module.display()
            );
            for call in body.split("routes!(").skip(1) {
                let args = &call[..call.find(')').unwrap()];
                handlers += args.split(',').filter(|a| !a.trim().is_empty()).count();
            }
        }
        let doc: serde_json::Value = serde_json::from_str(document()).unwrap();
        let operations: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum();
        assert_eq!(
            operations, handlers,
            "operations in the document vs handlers routed"
        );
        assert!(operations > 50);
    }

    /// Every operation but the public ones says how to authenticate and what a refusal
    /// looks like.
    #[test]
    fn every_private_operation_documents_auth_and_errors() {
        let doc: serde_json::Value = serde_json::from_str(document()).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if PUBLIC.contains(&path.as_str()) {
                    continue;
                }
                for code in ["401", "403", "404", "422", "500"] {
                    assert!(
                        op["responses"].get(code).is_some(),
                        "{method} {path} lacks {code}"
                    );
                }
                assert!(op["security"].is_array(), "{method} {path} lacks security");
            }
        }
    }
}
