//! Where countries propose portal content and the secretariat publishes, withdraws and
//! orders it.
use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use enlace_app::portal::PortalInput;
use enlace_app::AppError;
use enlace_domain::Role;
use enlace_store::portal::PortalItem;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal_admin.html")]
pub(crate) struct AdminPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    items: Vec<PortalItem>,
    form: ItemForm,
    kinds: Vec<String>,
    is_secretariat: bool,
    errors: Vec<ShownError>,
}

#[derive(Template)]
#[template(path = "portal_admin_item.html")]
pub(crate) struct AdminItemPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    item: PortalItem,
    form: ItemForm,
    kinds: Vec<String>,
    is_secretariat: bool,
    can_change: bool,
    saved: bool,
    errors: Vec<ShownError>,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The item form's fields as typed (kept after an error).
#[derive(Deserialize, Default, Clone)]
pub struct ItemForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title_es: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub body_es: String,
    #[serde(default)]
    pub body_en: String,
    #[serde(default)]
    pub event_date: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub publish: Option<String>,
    #[serde(default)]
    pub action: String,
}

impl ItemForm {
    fn of(i: &PortalItem) -> ItemForm {
        ItemForm {
            kind: i.kind.clone(),
            title_es: i.title_es.clone(),
            title_en: i.title_en.clone(),
            body_es: i.body_es.clone(),
            body_en: i.body_en.clone(),
            event_date: i.event_date.clone().unwrap_or_default(),
            place: i.place.clone(),
            link: i.link.clone(),
            publish: None,
            action: String::new(),
        }
    }
    fn input(&self) -> PortalInput {
        PortalInput {
            kind: Some(self.kind.clone()),
            title_es: Some(self.title_es.clone()),
            title_en: Some(self.title_en.clone()),
            body_es: Some(self.body_es.clone()),
            body_en: Some(self.body_en.clone()),
            event_date: Some(self.event_date.clone()),
            place: Some(self.place.clone()),
            link: Some(self.link.clone()),
        }
    }
}

fn kinds() -> Vec<String> {
    enlace_app::portal::KINDS
        .iter()
        .map(|k| k.to_string())
        .collect()
}

fn render_admin(
    req: &Req,
    role: Role,
    items: Vec<PortalItem>,
    form: ItemForm,
    errors: Vec<ShownError>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&AdminPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            items,
            form,
            kinds: kinds(),
            is_secretariat: role == Role::Secretariat,
            errors,
        }),
    )
}

pub async fn admin_page(State(s): State<AppState>, req: Req) -> PageResult {
    let ctx = req.ctx()?;
    let items = s.app.portal_items(&ctx).await.map_err(|e| req.err(e))?;
    let form = ItemForm {
        kind: "publication".into(),
        ..Default::default()
    };
    Ok(render_admin(&req, ctx.actor.role, items, form, vec![]))
}

pub async fn admin_create(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<ItemForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let publish = f.publish.is_some();
    match s.app.propose_portal_item(&ctx, f.input(), publish).await {
        Ok(item) => Ok(Redirect::to(&format!("/portal-admin/{}?saved=1", item.id)).into_response()),
        Err(AppError::Invalid(inv)) => {
            let items = s.app.portal_items(&ctx).await.map_err(|e| req.err(e))?;
            Ok(render_admin(
                &req,
                ctx.actor.role,
                items,
                f,
                shown(req.tr(), &inv.0),
            ))
        }
        Err(e) => Err(req.err(e)),
    }
}

fn item_page(
    req: &Req,
    role: Role,
    item: PortalItem,
    form: ItemForm,
    saved: bool,
    errors: Vec<ShownError>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let own = req
        .full()
        .and_then(|a| a.user.country)
        .is_some_and(|c| item.proposed_country.as_deref() == Some(c.code()));
    let can_change = role == Role::Secretariat || (own && item.status == "proposed");
    with_status(
        status,
        render(&AdminItemPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            item,
            form,
            kinds: kinds(),
            is_secretariat: role == Role::Secretariat,
            can_change,
            saved,
            errors,
        }),
    )
}

pub async fn admin_item(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let item = s.app.portal_item(&ctx, &id).await.map_err(|e| req.err(e))?;
    let form = ItemForm::of(&item);
    Ok(item_page(
        &req,
        ctx.actor.role,
        item,
        form,
        q.saved.is_some(),
        vec![],
    ))
}

pub async fn admin_action(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, f): CsrfForm<ItemForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let back = format!("/portal-admin/{id}?saved=1");
    match f.action.as_str() {
        "publish" => req.done_then(s.app.set_portal_status(&ctx, &id, true).await, &back),
        "unpublish" => req.done_then(s.app.set_portal_status(&ctx, &id, false).await, &back),
        _ => match s.app.edit_portal_item(&ctx, &id, f.input()).await {
            Ok(_) => Ok(Redirect::to(&back).into_response()),
            Err(AppError::Invalid(inv)) => {
                let item = s.app.portal_item(&ctx, &id).await.map_err(|e| req.err(e))?;
                Ok(item_page(
                    &req,
                    ctx.actor.role,
                    item,
                    f,
                    false,
                    shown(req.tr(), &inv.0),
                ))
            }
            Err(e) => Err(req.err(e)),
        },
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    direction: String,
}

pub async fn admin_move(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, f): CsrfForm<MoveForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let r = s
        .app
        .move_portal_item(&ctx, &id, f.direction != "down")
        .await;
    req.done_then(r, "/portal-admin")
}

/// The attached PDF, for those who work on the item.
pub async fn admin_file(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> PageResult {
    let ctx = req.ctx()?;
    let (name, bytes) = s
        .app
        .portal_item_file(&ctx, &id)
        .await
        .map_err(|e| req.err(e))?;
    Ok(download("application/pdf", &name, bytes))
}
