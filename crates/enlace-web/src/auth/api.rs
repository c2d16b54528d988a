use crate::api::*;
use crate::extract::ApiCtx;
use axum::response::IntoResponse;
use axum::Json;
use enlace_domain::{Country, Role};
use serde::Serialize;
use utoipa::ToSchema;

/// Who the caller is.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub country: Option<Country>,
    /// `es` or `en`: the language of messages.
    pub language: String,
}

/// The caller's account.
#[utoipa::path(get, path = "/me", tag = "account", responses((status = 200, body = Me)))]
pub(crate) async fn me(a: ApiCtx) -> ApiResult {
    Ok(Json(Me {
        id: a.ctx.actor.user_id.clone(),
        username: a.ctx.actor.username.clone(),
        role: a.ctx.actor.role,
        country: a.ctx.actor.country,
        language: a.lang.code().to_string(),
    })
    .into_response())
}
