use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) fn directory_json(e: &enlace_app::directory::DirectoryEntry) -> Value {
    json!({
        "id": e.id,
        "country": e.country,
        "status": e.status,
        "entry": e.shown,
        "approved": e.approved,
        "pending_change": e.draft,
        "public": e.public,
        "stale": e.stale,
        "confirmed_at": e.confirmed_at.map(ts),
    })
}

pub(crate) async fn directory_list(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(f): Query<enlace_app::directory::DirectoryFilter>,
) -> ApiResult {
    let list = s.app.directory(&a.ctx, &f).await.map_err(|e| a.err(e))?;
    Ok(Json(
        json!({"items": list.iter().map(directory_json).collect::<Vec<_>>(), "total": list.len()}),
    )
    .into_response())
}

#[derive(Deserialize)]
pub(crate) struct DirectoryBody {
    #[serde(flatten)]
    data: enlace_app::directory::DirectoryData,
    #[serde(default)]
    public: bool,
}

pub(crate) async fn directory_create(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiJson(b): ApiJson<DirectoryBody>,
) -> ApiResult {
    let e = s
        .app
        .propose_directory(&a.ctx, &b.data, b.public)
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(directory_json(&e))).into_response())
}

pub(crate) async fn directory_get(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let e = s
        .app
        .directory_entry(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

pub(crate) async fn directory_update(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DirectoryBody>,
) -> ApiResult {
    let e = s
        .app
        .edit_directory(&a.ctx, &id, &b.data, b.public)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

pub(crate) async fn directory_approve(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let e = s
        .app
        .approve_directory(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

pub(crate) async fn directory_confirm(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(id): Path<String>,
) -> ApiResult {
    let e = s
        .app
        .confirm_directory(&a.ctx, &id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(directory_json(&e)).into_response())
}

pub async fn directory_csv(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(f): Query<enlace_app::directory::DirectoryFilter>,
) -> ApiResult {
    let list = s.app.directory(&a.ctx, &f).await.map_err(|e| a.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"enlace-directorio.csv\"",
            ),
        ],
        enlace_app::directory::to_csv(&list),
    )
        .into_response())
}

pub async fn directory_vcf(
    State(s): State<AppState>,
    a: ApiCtx,
    Query(f): Query<enlace_app::directory::DirectoryFilter>,
) -> ApiResult {
    let list = s.app.directory(&a.ctx, &f).await.map_err(|e| a.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/vcard; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"enlace-directorio.vcf\"",
            ),
        ],
        enlace_app::directory::to_vcard(&list),
    )
        .into_response())
}
