use crate::error::ApiError;
use crate::i18n::Lang;
#[allow(unused_imports)]
use crate::page::*;
use crate::security::RequestId;
use crate::AppState;
use axum::extract::{FromRef, FromRequest, Request};
use axum::response::Response;
use enlace_app::AppError;
use enlace_domain::clock::format_utc;
use enlace_domain::Invalid;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) type ApiResult = Result<Response, ApiError>;

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
        let rid = req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
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

pub(crate) fn ts(ms: i64) -> String {
    format_utc(ms)
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub(crate) q: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) page: Option<i64>,
    pub(crate) per_page: Option<i64>,
    pub(crate) scope: Option<String>,
}

impl ListQuery {
    pub(crate) fn paging(&self) -> (i64, i64, i64) {
        let per = self.per_page.unwrap_or(50).clamp(1, 200);
        let page = self.page.unwrap_or(1).clamp(1, 1_000_000);
        (page, per, (page - 1) * per)
    }
}

pub(crate) fn page_json(items: Vec<Value>, total: i64, page: i64, per: i64) -> Value {
    json!({"items": items, "total": total, "page": page, "per_page": per})
}
