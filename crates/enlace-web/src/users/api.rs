use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use enlace_store::users::User;
use serde_json::{json, Value};

pub(crate) fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "country": u.country,
        "role": u.role,
        "second_factor": u.has_totp(),
        "disabled": u.disabled,
        "language": u.language,
        "created_at": ts(u.created_at),
    })
}

pub(crate) async fn users_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let (page, per, offset) = q.paging();
    let (users, total) = s
        .app
        .list_users(&a.ctx, per, offset)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(page_json(
        users.iter().map(user_json).collect(),
        total,
        page,
        per,
    ))
    .into_response())
}

pub(crate) async fn user_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(input): ApiJson<enlace_app::users::UserInput>,
) -> ApiResult {
    let issued = s
        .app
        .create_user(&a.ctx, &input)
        .await
        .map_err(|e| a.err(e))?;
    let mut body = user_json(&issued.user);
    body["temporary_password"] = json!(issued.temporary_password);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub(crate) async fn user_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let u = s
        .app
        .managed_user(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(user_json(&u)).into_response())
}

pub(crate) async fn user_disable(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let u = s
        .app
        .set_user_disabled(&a.ctx, &id, true)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(user_json(&u)).into_response())
}

pub(crate) async fn user_enable(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let u = s
        .app
        .set_user_disabled(&a.ctx, &id, false)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(user_json(&u)).into_response())
}

pub(crate) async fn user_reset(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let issued = s.app.reset_user(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let mut body = user_json(&issued.user);
    body["temporary_password"] = json!(issued.temporary_password);
    Ok(Json(body).into_response())
}
