//! Files attached to a progress report as evidence: the API (the body is the file) and the
//! plan page's upload form, download link and remove button.
use super::pages::{plan_page, Draft, ProgressForm};
use crate::api::*;
use crate::extract::{ApiCtx, CsrfForm, Req};
use crate::page::*;
use crate::upload::UploadForm;
use crate::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Json;
use enlace_app::files::MAX_FILE;
use enlace_app::workplans::{EvidenceFile, ReportKey};
use enlace_app::AppError;
use enlace_domain::Invalid;
use serde::Deserialize;
use utoipa::IntoParams;

type ReportPath = (String, String, String, String);
type FilePath = (String, String, String, String, String);

fn key<'a>((id, country, action, period): &'a ReportPath) -> ReportKey<'a> {
    ReportKey {
        plan_id: id,
        country,
        action,
        period,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EvidenceName {
    /// The file's name as offered for download (made plain ASCII).
    #[param(max_length = 200)]
    name: Option<String>,
}

/// Attaches a file (PDF, PNG or JPEG, at most 10 MiB; at most 10 per report) to a country's
/// report on one action in one period. The report must exist; only that country's users.
#[utoipa::path(post, path = "/workplans/{id}/progress/{country}/{action}/{period}/files", tag = "workplans",
    params(("id" = String, Path), ("country" = enlace_domain::Country, Path),
        ("action" = String, Path, pattern = "^[0-9]+\\.[0-9]+$"),
        ("period" = String, Path, pattern = "^(20[0-9]{2}|2100)(-Q[1-4])?$"), EvidenceName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes; its kind is read from them"),
    responses((status = 201, body = EvidenceFile)))]
pub(crate) async fn evidence_upload(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(p): Path<ReportPath>,
    ApiQuery(q): ApiQuery<EvidenceName>,
    body: axum::body::Body,
) -> ApiResult {
    // Read up to the limit and no further: a larger body is refused, never buffered.
    let bytes = axum::body::to_bytes(body, MAX_FILE + 1)
        .await
        .map_err(|_| a.err(AppError::Invalid(Invalid::one("file", "too_large"))))?;
    let name = q.name.unwrap_or_default();
    let f = s
        .app
        .add_evidence_file(&a.ctx, &key(&p), &name, bytes.to_vec())
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

/// One attached file, as a download.
#[utoipa::path(get, path = "/workplans/{id}/progress/{country}/{action}/{period}/files/{file}", tag = "workplans",
    params(("id" = String, Path), ("country" = enlace_domain::Country, Path),
        ("action" = String, Path, pattern = "^[0-9]+\\.[0-9]+$"),
        ("period" = String, Path, pattern = "^(20[0-9]{2}|2100)(-Q[1-4])?$"), ("file" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>)))]
pub(crate) async fn evidence_download(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((id, country, action, period, file)): Path<FilePath>,
) -> ApiResult {
    let p = (id, country, action, period);
    let (f, bytes) = s
        .app
        .evidence_file(&a.ctx, &key(&p), &file)
        .await
        .map_err(|e| a.err(e))?;
    Ok(served(&f, bytes))
}

/// Removes an attached file (that country's users).
#[utoipa::path(delete, path = "/workplans/{id}/progress/{country}/{action}/{period}/files/{file}", tag = "workplans",
    params(("id" = String, Path), ("country" = enlace_domain::Country, Path),
        ("action" = String, Path, pattern = "^[0-9]+\\.[0-9]+$"),
        ("period" = String, Path, pattern = "^(20[0-9]{2}|2100)(-Q[1-4])?$"), ("file" = String, Path)),
    responses((status = 204, description = "Removed")))]
pub(crate) async fn evidence_delete(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((id, country, action, period, file)): Path<FilePath>,
) -> ApiResult {
    let p = (id, country, action, period);
    s.app
        .delete_evidence_file(&a.ctx, &key(&p), &file)
        .await
        .map_err(|e| a.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn served(f: &EvidenceFile, bytes: Vec<u8>) -> axum::response::Response {
    let mime = match f.content_type.as_str() {
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        _ => "application/pdf",
    };
    download(mime, &f.name, bytes)
}

/// The plan page's upload form: the action and period of the caller's country's report, and
/// one file. Errors come back on the plan page, in that action's form.
pub async fn upload_form(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let ctx = req.ctx()?;
    let country = ctx
        .actor
        .country
        .ok_or_else(|| req.err(AppError::Forbidden))?;
    let mut form = UploadForm::read(&req, mp, MAX_FILE, "file").await?;
    let (action, period) = (
        form.text("action").to_string(),
        form.text("period").to_string(),
    );
    // Taken, not cloned: the file may be 10 MiB.
    let (name, data) = form
        .take_file("file")
        .map(|f| (f.filename, f.data))
        .unwrap_or_default();
    let p = (id.clone(), country.code().to_string(), action, period);
    match s.app.add_evidence_file(&ctx, &key(&p), &name, data).await {
        Ok(_) => Ok(Redirect::to(&back(&p)).into_response()),
        Err(AppError::Invalid(inv)) => {
            let errors = shown(req.tr(), &inv.0);
            let draft = Draft {
                form: ProgressForm::for_upload(&p.2, &p.3),
                errors,
            };
            plan_page(&s, &req, &id, Some(&p.3), Some(draft)).await
        }
        Err(e) => Err(req.err(e)),
    }
}

/// A file's download from the plan page (the session's user).
pub async fn download_page(
    State(s): State<AppState>,
    req: Req,
    Path((id, country, action, period, file)): Path<FilePath>,
) -> PageResult {
    let ctx = req.ctx()?;
    let p = (id, country, action, period);
    let (f, bytes) = s
        .app
        .evidence_file(&ctx, &key(&p), &file)
        .await
        .map_err(|e| req.err(e))?;
    Ok(served(&f, bytes))
}

#[derive(Deserialize)]
pub struct Nothing {}

/// The remove button (it asks for confirmation first).
pub async fn remove_page(
    State(s): State<AppState>,
    Path((id, country, action, period, file)): Path<FilePath>,
    CsrfForm(req, _): CsrfForm<Nothing>,
) -> PageResult {
    let ctx = req.ctx()?;
    let p = (id, country, action, period);
    let r = s.app.delete_evidence_file(&ctx, &key(&p), &file).await;
    req.done_then(r, &back(&p))
}

fn back((id, _, action, period): &ReportPath) -> String {
    format!(
        "/workplans/{id}?period={}#action-{}",
        url_encode(period),
        action.replace('.', "-")
    )
}
