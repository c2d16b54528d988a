use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use enlace_domain::{Country, Role};
use enlace_store::users::User;
use serde::Serialize;
use utoipa::ToSchema;

/// An account as its administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub country: Option<Country>,
    pub role: Role,
    /// Whether the second factor is enrolled.
    pub second_factor: bool,
    pub disabled: bool,
    /// `es` or `en`, once chosen.
    pub language: Option<String>,
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> UserView {
        UserView {
            id: u.id.clone(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            country: u.country,
            role: u.role,
            second_factor: u.has_totp(),
            disabled: u.disabled,
            language: u.language.clone(),
            created_at: ts(u.created_at),
        }
    }
}

/// A created or reset account with its one-time temporary password.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedUser {
    #[serde(flatten)]
    pub user: UserView,
    /// Shown once: the user changes it at first login.
    pub temporary_password: String,
}

/// The accounts the caller administers (a country admin: its country's; the secretariat:
/// the country admins).
#[utoipa::path(get, path = "/users", tag = "users", params(Paging),
    responses((status = 200, body = Page<UserView>)))]
pub(crate) async fn users_list(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<Paging>,
) -> ApiResult {
    check_paging(q.page, q.per_page).map_err(|e| a.err(e))?;
    let paging = q.get();
    let (users, total) = s
        .app
        .list_users(&a.ctx, paging.1, paging.2)
        .await
        .map_err(|e| a.err(e))?;
    let items = users.iter().map(UserView::from).collect();
    Ok(Json(Page::new(items, total, paging)).into_response())
}

/// Creates an account: a country admin in its own country (officer, prosecutor, analyst,
/// approver); the secretariat a country's admin.
#[utoipa::path(post, path = "/users", tag = "users", request_body = enlace_app::users::UserInput,
    responses((status = 201, body = IssuedUser),
        (status = 409, description = "The username is taken", body = ErrorBody)))]
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
    let body = IssuedUser {
        user: UserView::from(&issued.user),
        temporary_password: issued.temporary_password,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// One account the caller administers.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserView)))]
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
    Ok(Json(UserView::from(&u)).into_response())
}

/// Disables an account (its sessions and tokens stop working).
#[utoipa::path(post, path = "/users/{id}/disable", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserView)))]
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
    Ok(Json(UserView::from(&u)).into_response())
}

/// Enables a disabled account.
#[utoipa::path(post, path = "/users/{id}/enable", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserView)))]
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
    Ok(Json(UserView::from(&u)).into_response())
}

/// Resets an account: a new temporary password, the second factor removed.
#[utoipa::path(post, path = "/users/{id}/reset", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = IssuedUser)))]
pub(crate) async fn user_reset(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let issued = s.app.reset_user(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    let body = IssuedUser {
        user: UserView::from(&issued.user),
        temporary_password: issued.temporary_password,
    };
    Ok(Json(body).into_response())
}
