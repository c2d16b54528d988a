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
    /// `create` or `reset` while a country admin's creation or reset awaits the country's
    /// approval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
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
            pending: None,
        }
    }
}

impl From<enlace_app::users::IssuedCredentials> for IssuedUser {
    fn from(issued: enlace_app::users::IssuedCredentials) -> IssuedUser {
        IssuedUser {
            user: UserView::from(&issued.user),
            temporary_password: issued.temporary_password,
        }
    }
}

impl UserView {
    fn pending(mut self, approvals: &std::collections::HashMap<String, String>) -> UserView {
        self.pending = approvals.get(&self.id).cloned();
        self
    }
}

/// A creation or reset that waits for the country's approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingUser {
    /// Always `pending`.
    #[schema(example = "pending")]
    pub status: &'static str,
    pub id: String,
}

/// Answers a creation or reset: done (with the temporary password) or pending.
fn outcome(o: enlace_app::users::Outcome, done: StatusCode) -> axum::response::Response {
    match o {
        enlace_app::users::Outcome::Issued(issued) => {
            (done, Json(IssuedUser::from(issued))).into_response()
        }
        enlace_app::users::Outcome::Pending(u) => (
            StatusCode::ACCEPTED,
            Json(PendingUser {
                status: "pending",
                id: u.id,
            }),
        )
            .into_response(),
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
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    let approvals = s
        .app
        .store
        .approvals_for(&ids)
        .await
        .map_err(|e| a.err(e.into()))?;
    let items = users
        .iter()
        .map(|u| UserView::from(u).pending(&approvals))
        .collect();
    Ok(Json(Page::new(items, total, paging)).into_response())
}

/// Creates an account: a country admin in its own country (officer, prosecutor, analyst,
/// approver); the secretariat a country's admin.
#[utoipa::path(post, path = "/users", tag = "users", request_body = enlace_app::users::UserInput,
    responses((status = 201, body = IssuedUser),
        (status = 202, description = "A country admin proposed another admin: it waits for the country's approval", body = PendingUser),
        (status = 409, description = "The username is taken", body = ErrorBody)))]
pub(crate) async fn user_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(input): ApiJson<enlace_app::users::UserInput>,
) -> ApiResult {
    let o = s
        .app
        .create_user(&a.ctx, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok(outcome(o, StatusCode::CREATED))
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
    let approvals = s
        .app
        .store
        .approvals_for(std::slice::from_ref(&u.id))
        .await
        .map_err(|e| a.err(e.into()))?;
    Ok(Json(UserView::from(&u).pending(&approvals)).into_response())
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
    responses((status = 200, body = IssuedUser),
        (status = 202, description = "A country admin's reset of another admin waits for the country's approval", body = PendingUser),
        (status = 409, description = "A change of this account already awaits approval", body = ErrorBody)))]
pub(crate) async fn user_reset(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let o = s.app.reset_user(&a.ctx, &id).await.map_err(|e| a.err(e))?;
    Ok(outcome(o, StatusCode::OK))
}

/// The country's foreign-ministry approver, or another of its admins (never the one who
/// proposed it), approves a pending creation or reset of an admin. The temporary password is
/// shown to the approver, inside the country.
#[utoipa::path(post, path = "/users/{id}/approve", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = IssuedUser),
        (status = 409, description = "Nothing awaits approval", body = ErrorBody)))]
pub(crate) async fn user_approve(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let issued = s
        .app
        .approve_user(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(IssuedUser {
        user: UserView::from(&issued.user),
        temporary_password: issued.temporary_password,
    })
    .into_response())
}
