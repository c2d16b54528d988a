//! The upload forms (multipart/form-data, so not through `CsrfForm`): their small text fields
//! and files, read with axum's `Multipart` under a byte budget, and their CSRF field checked.
use crate::error::PageError;
use crate::extract::Req;
use axum::extract::multipart::MultipartRejection;
use axum::extract::Multipart;
use enlace_app::AppError;
use enlace_domain::Invalid;

/// Most parts a form may send: the forms here have a handful of fields and one file.
const MAX_PARTS: usize = 24;
/// Largest text field: the forms' text areas are bounded far below this by validation.
const MAX_TEXT: usize = 64 * 1024;

pub struct UploadFile {
    pub field: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

pub struct UploadForm {
    fields: Vec<(String, String)>,
    files: Vec<UploadFile>,
}

impl UploadForm {
    /// Reads the whole form, at most `max_bytes` in all (files and fields), and checks its
    /// CSRF field. Too large → 422 naming `file_field`; a body that is not a form → 422 `form`.
    pub async fn read(
        req: &Req,
        mp: Result<Multipart, MultipartRejection>,
        max_bytes: usize,
        file_field: &'static str,
    ) -> Result<UploadForm, PageError> {
        let bad_form = || req.err(AppError::Invalid(Invalid::one("form", "bad_form")));
        // Not a multipart body at all: the same answer as a broken one, as an error page.
        let mut mp = mp.map_err(|_| bad_form())?;
        let too_large = || req.err(AppError::Invalid(Invalid::one(file_field, "too_large")));
        let mut form = UploadForm {
            fields: vec![],
            files: vec![],
        };
        let mut total = 0usize;
        let mut parts = 0usize;
        while let Some(mut part) = mp.next_field().await.map_err(|_| bad_form())? {
            parts += 1;
            if parts > MAX_PARTS {
                return Err(bad_form());
            }
            let name = part.name().unwrap_or_default().to_string();
            let filename = part.file_name().map(str::to_string);
            let content_type = part.content_type().map(str::to_string);
            let limit = if filename.is_some() {
                max_bytes
            } else {
                MAX_TEXT
            };
            let mut data = Vec::new();
            // Chunk by chunk, so an oversized part is refused before it is all in memory.
            while let Some(chunk) = part.chunk().await.map_err(|_| bad_form())? {
                total += chunk.len();
                if data.len() + chunk.len() > limit || total > max_bytes + MAX_TEXT {
                    return Err(too_large());
                }
                data.extend_from_slice(&chunk);
            }
            match filename {
                Some(filename) => form.files.push(UploadFile {
                    field: name,
                    filename,
                    content_type,
                    data,
                }),
                None => form
                    .fields
                    .push((name, String::from_utf8_lossy(&data).into_owned())),
            }
        }
        let expected = req.csrf();
        if expected.is_empty()
            || !enlace_app::crypto::constant_time_eq(
                form.text("csrf").as_bytes(),
                expected.as_bytes(),
            )
        {
            return Err(req.err(AppError::Forbidden).with_code("bad_csrf"));
        }
        Ok(form)
    }

    /// A text field's value ("" when absent).
    pub fn text(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The file sent in `name`, taken out of the form (no copy of its bytes).
    pub fn take_file(&mut self, name: &str) -> Option<UploadFile> {
        let i = self
            .files
            .iter()
            .position(|f| f.field == name && !(f.filename.is_empty() && f.data.is_empty()))?;
        Some(self.files.swap_remove(i))
    }

    /// The file sent in `name`, if one was chosen (browsers send an empty part otherwise).
    pub fn file(&self, name: &str) -> Option<&UploadFile> {
        self.files
            .iter()
            .find(|f| f.field == name && !(f.filename.is_empty() && f.data.is_empty()))
    }
}
