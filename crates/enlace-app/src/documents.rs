//! Travel-document specimens and forgery patterns (reference data, 2003 plan 1.2, 3.2.2):
//! per issuing country, kind and series, the date first issued and the validity; security
//! features by page, each with an optional image (checked for type, size and dimensions);
//! and the forgery patterns members have seen. Member users read them (the secretariat and
//! the public do not); a member country's officers, prosecutors and analysts record
//! specimens and report forgeries; only the recording country changes its specimen. Writes
//! are audited with the recording country.
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::validate::{self, Invalid};
use enlace_domain::{nations, Actor, Country};
use enlace_store::documents::{DocumentFields, DocumentRow, FeatureRow, ForgeryRow};
use serde::Deserialize;

pub const KINDS: [&str; 6] = [
    "passport",
    "identity_card",
    "visa",
    "residence_permit",
    "travel_document",
    "other",
];
/// In the API document: the document kinds.
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DocumentKind {
    Passport,
    IdentityCard,
    Visa,
    ResidencePermit,
    TravelDocument,
    Other,
}

/// Largest image accepted (700 KiB: it travels as base64 inside a JSON body of at most 1 MiB).
pub const MAX_IMAGE_BYTES: usize = 700 * 1024;

/// An image sent as base64 in JSON.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, Invalid> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|_| Invalid::one("image", "bad_image_type"))
}
/// Smallest and largest side of an image, in pixels.
pub const MIN_SIDE: u32 = 16;
pub const MAX_SIDE: u32 = 8000;

/// Who reads specimens: member users of any role (reference data shared in the network).
fn may_read(a: &Actor) -> bool {
    a.country.is_some()
}

/// Who records specimens and forgeries: a member's intelligence users.
fn recorder(a: &Actor) -> Option<Country> {
    a.intelligence_country()
}

/// A specimen as written (POST, or PATCH laid over the current one).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DocumentInput {
    /// The issuing country (ISO 3166-1 alpha-2, lower case; any country of the world).
    #[schema(value_type = crate::visas::NationalityCode)]
    #[serde(default)]
    pub issuing_country: String,
    /// `passport`, `identity_card`, `visa`, `residence_permit`, `travel_document` or `other`.
    #[schema(value_type = DocumentKind)]
    #[serde(default)]
    pub kind: String,
    /// Series or version (e.g. "2021, polycarbonate data page").
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    pub series: String,
    /// First issued (`YYYY-MM-DD`).
    #[schema(format = Date)]
    #[serde(default)]
    pub first_issued: Option<String>,
    /// Validity of a document of this series, in years.
    #[schema(minimum = 1, maximum = 50)]
    #[serde(default)]
    pub validity_years: Option<i64>,
    #[schema(
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    pub description: String,
}

impl DocumentInput {
    pub fn validate(&self) -> Result<DocumentFields, Invalid> {
        let mut errs = Invalid::default();
        let issuing = nations::parse(&self.issuing_country).unwrap_or_else(|| {
            errs.push("issuing_country", "unknown_nationality");
            ""
        });
        let kind = self.kind.trim();
        if !KINDS.contains(&kind) {
            errs.push("kind", "unknown_document_kind");
        }
        let series = validate::text(&mut errs, "series", &self.series, true, 200);
        let first_issued = match self.first_issued.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => crate::visas::parse_date(d).or_else(|| {
                errs.push("first_issued", "bad_date");
                None
            }),
        };
        if self.validity_years.is_some_and(|y| !(1..=50).contains(&y)) {
            errs.push("validity_years", "out_of_range");
        }
        let description = validate::text(&mut errs, "description", &self.description, false, 4000);
        errs.into_result()?;
        Ok(DocumentFields {
            issuing_country: issuing.to_string(),
            kind: kind.to_string(),
            series,
            first_issued,
            validity_years: self.validity_years,
            description,
        })
    }

    /// The input a stored specimen makes (what a partial change is laid over).
    pub fn of(d: &DocumentRow) -> DocumentInput {
        DocumentInput {
            issuing_country: d.issuing_country.clone(),
            kind: d.kind.clone(),
            series: d.series.clone(),
            first_issued: d.first_issued.clone(),
            validity_years: d.validity_years,
            description: d.description.clone(),
        }
    }
}

/// A specimen with its features and forgery patterns.
#[derive(Debug, Clone)]
pub struct Specimen {
    pub document: DocumentRow,
    pub features: Vec<FeatureRow>,
    pub forgeries: Vec<ForgeryRow>,
}

/// The image types accepted, by their first bytes, and their dimensions: PNG (IHDR) and
/// JPEG (the first start-of-frame). Anything else is refused, whatever it claims to be.
pub fn sniff_image(b: &[u8]) -> Option<(&'static str, u32, u32)> {
    if b.len() >= 24 && b.starts_with(b"\x89PNG\r\n\x1a\n") && &b[12..16] == b"IHDR" {
        let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
        let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
        return Some(("image/png", w, h));
    }
    if b.len() >= 4 && b[0] == 0xFF && b[1] == 0xD8 {
        let mut i = 2;
        while i + 4 <= b.len() {
            if b[i] != 0xFF {
                return None;
            }
            let marker = b[i + 1];
            if marker == 0xFF {
                i += 1;
                continue;
            }
            let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
            let sof = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
            if sof {
                if i + 9 > b.len() {
                    return None;
                }
                let h = u32::from(u16::from_be_bytes([b[i + 5], b[i + 6]]));
                let w = u32::from(u16::from_be_bytes([b[i + 7], b[i + 8]]));
                return Some(("image/jpeg", w, h));
            }
            if len < 2 {
                return None;
            }
            i += 2 + len;
        }
    }
    None
}

/// Checks an image: its declared type (if any) must be what its bytes are, within the size
/// and dimension limits.
pub fn check_image(
    bytes: &[u8],
    declared: Option<&str>,
) -> Result<(&'static str, u32, u32), Invalid> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(Invalid::one("image", "too_large"));
    }
    let (kind, w, h) = sniff_image(bytes).ok_or_else(|| Invalid::one("image", "bad_image_type"))?;
    if declared.is_some_and(|d| !d.trim().eq_ignore_ascii_case(kind)) {
        return Err(Invalid::one("image", "bad_image_type"));
    }
    if !(MIN_SIDE..=MAX_SIDE).contains(&w) || !(MIN_SIDE..=MAX_SIDE).contains(&h) {
        return Err(Invalid::one("image", "bad_image_size"));
    }
    Ok((kind, w, h))
}

fn entry(
    ctx: &Ctx,
    action: &str,
    kind: &str,
    id: &str,
    owner: Country,
) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some(kind.into());
    e.object_id = Some(id.to_string());
    e.object_country = Some(owner.code().to_string());
    e
}

impl App {
    pub async fn documents(
        &self,
        ctx: &Ctx,
        issuing_country: Option<&str>,
        kind: Option<&str>,
        cursor: Option<&str>,
        limit: i64,
    ) -> AppResult<(Vec<DocumentRow>, Option<String>)> {
        if !may_read(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let mut errs = Invalid::default();
        let issuing = match issuing_country.filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => nations::parse(c).or_else(|| {
                errs.push("issuing_country", "unknown_nationality");
                None
            }),
        };
        let kind = kind.filter(|k| !k.is_empty());
        if kind.is_some_and(|k| !KINDS.contains(&k)) {
            errs.push("kind", "unknown_document_kind");
        }
        if cursor.is_some_and(|c| c.len() != 32 || !c.bytes().all(|b| b.is_ascii_hexdigit())) {
            errs.push("cursor", "bad_visa_cursor");
        }
        if !(1..=200).contains(&limit) {
            errs.push("limit", "out_of_range");
        }
        errs.into_result()?;
        let mut rows = self
            .store
            .documents(issuing, kind, cursor.filter(|c| !c.is_empty()), limit + 1)
            .await?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| r.id.clone())
        } else {
            None
        };
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut e = ctx.entry("document.list", "ok");
        e.object_kind = Some("travel_document".into());
        e.detail = Some(format!("returned={}", rows.len()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok((rows, next))
    }

    pub async fn specimen(&self, ctx: &Ctx, id: &str) -> AppResult<Specimen> {
        if !may_read(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let document = self.store.document(id).await?.ok_or(AppError::NotFound)?;
        let features = self.store.document_features(id).await?;
        let forgeries = self.store.forgery_patterns(id).await?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        tx.audit(
            now,
            entry(ctx, "document.read", "travel_document", id, document.owner),
        )
        .await?;
        tx.commit().await?;
        Ok(Specimen {
            document,
            features,
            forgeries,
        })
    }

    pub async fn create_document(&self, ctx: &Ctx, input: &DocumentInput) -> AppResult<Specimen> {
        if !may_read(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let owner = recorder(&ctx.actor).ok_or(AppError::Forbidden)?;
        let f = input.validate()?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_document(owner, &f, &ctx.actor.user_id, now)
            .await?;
        tx.audit(
            now,
            entry(ctx, "document.create", "travel_document", &id, owner),
        )
        .await?;
        tx.commit().await?;
        self.specimen(ctx, &id).await
    }

    /// Changes a specimen (its recording country only); `change` makes the new fields from
    /// the current ones, read inside the write transaction.
    pub async fn edit_document(
        &self,
        ctx: &Ctx,
        id: &str,
        change: impl FnOnce(DocumentInput) -> DocumentInput,
    ) -> AppResult<Specimen> {
        if !may_read(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let d = tx.document(id).await?.ok_or(AppError::NotFound)?;
        if recorder(&ctx.actor) != Some(d.owner) {
            return Err(AppError::Forbidden);
        }
        let f = change(DocumentInput::of(&d)).validate()?;
        tx.update_document(id, &f, now).await?;
        tx.audit(
            now,
            entry(ctx, "document.edit", "travel_document", id, d.owner),
        )
        .await?;
        tx.commit().await?;
        self.specimen(ctx, id).await
    }

    /// Adds a security feature (its recording country only), with an optional image.
    pub async fn add_feature(
        &self,
        ctx: &Ctx,
        id: &str,
        page: &str,
        name: &str,
        description: &str,
        image: Option<(&[u8], Option<&str>)>,
    ) -> AppResult<String> {
        if !may_read(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let mut errs = Invalid::default();
        let page = validate::text(&mut errs, "page", page, true, 100);
        let name = validate::text(&mut errs, "name", name, true, 200);
        let description = validate::text(&mut errs, "description", description, false, 4000);
        let checked = match image {
            None => None,
            Some((bytes, declared)) => match check_image(bytes, declared) {
                Ok((kind, w, h)) => Some((kind, w, h, bytes)),
                Err(e) => {
                    errs.0.extend(e.0);
                    None
                }
            },
        };
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let d = tx.document(id).await?.ok_or(AppError::NotFound)?;
        if recorder(&ctx.actor) != Some(d.owner) {
            return Err(AppError::Forbidden);
        }
        errs.into_result()?;
        let data = checked.map(|(k, w, h, b)| {
            use base64::Engine;
            (
                k,
                i64::from(w),
                i64::from(h),
                base64::engine::general_purpose::STANDARD.encode(b),
            )
        });
        let fid = tx
            .insert_feature(
                id,
                &page,
                &name,
                &description,
                data.as_ref().map(|(k, w, h, b)| (*k, *w, *h, b.as_str())),
                &ctx.actor.user_id,
                now,
            )
            .await?;
        tx.audit(
            now,
            entry(ctx, "document.feature", "travel_document", id, d.owner),
        )
        .await?;
        tx.commit().await?;
        Ok(fid)
    }

    /// A feature's image: (content type, bytes).
    pub async fn feature_image(
        &self,
        ctx: &Ctx,
        id: &str,
        feature: &str,
    ) -> AppResult<(String, Vec<u8>)> {
        if !may_read(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let (kind, data) = self
            .store
            .feature_image(id, feature)
            .await?
            .ok_or(AppError::NotFound)?;
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| AppError::Internal(format!("image: {e}")))?;
        Ok((kind, bytes))
    }

    /// Reports a forgery pattern of a specimen (any member's intelligence users; the
    /// pattern belongs to the reporting country).
    pub async fn add_forgery(
        &self,
        ctx: &Ctx,
        id: &str,
        title: &str,
        description: &str,
        first_seen: Option<&str>,
    ) -> AppResult<String> {
        if !may_read(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let owner = recorder(&ctx.actor).ok_or(AppError::Forbidden)?;
        let mut errs = Invalid::default();
        let title = validate::text(&mut errs, "title", title, true, 200);
        let description = validate::text(&mut errs, "description", description, true, 4000);
        let first_seen = match first_seen.map(str::trim) {
            None | Some("") => None,
            Some(d) => crate::visas::parse_date(d).or_else(|| {
                errs.push("first_seen", "bad_date");
                None
            }),
        };
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.document(id).await?.ok_or(AppError::NotFound)?;
        errs.into_result()?;
        let fid = tx
            .insert_forgery(
                id,
                owner,
                &title,
                &description,
                first_seen.as_deref(),
                &ctx.actor.user_id,
                now,
            )
            .await?;
        tx.audit(
            now,
            entry(ctx, "document.forgery", "forgery_pattern", &fid, owner),
        )
        .await?;
        tx.commit().await?;
        Ok(fid)
    }
}

impl App {
    /// Demo specimens (fictional descriptions, no images) with one forgery pattern.
    pub(crate) async fn seed_demo_documents(
        &self,
        tx: &mut enlace_store::Tx,
        now: i64,
    ) -> AppResult<()> {
        let specimens: [(&str, &str, &str, &str, i64); 3] = [
            ("mx", "mx", "passport", "2021-10-01", 10),
            ("gt", "gt", "identity_card", "2013-01-01", 10),
            ("do", "ht", "passport", "2014-01-01", 5),
        ];
        for (owner, issuing, kind, first, years) in specimens {
            let Some(owner) = Country::parse(owner) else {
                continue;
            };
            let f = DocumentFields {
                issuing_country: issuing.into(),
                kind: kind.into(),
                series: "Modelo de demostración".into(),
                first_issued: Some(first.into()),
                validity_years: Some(years),
                description: "Datos de demostración: descripción ficticia de un modelo.".into(),
            };
            let id = tx.insert_document(owner, &f, "demo", now).await?;
            tx.insert_feature(
                &id,
                "Página de datos",
                "Tinta ópticamente variable (ficticia)",
                "Datos de demostración.",
                None,
                "demo",
                now,
            )
            .await?;
            if issuing == "ht" {
                tx.insert_forgery(
                    &id,
                    owner,
                    "Fotografía sustituida (ficticio)",
                    "Datos de demostración: laminado despegado y vuelto a pegar.",
                    Some("2024-05-01"),
                    "demo",
                    now,
                )
                .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 2, 0, 0, 0]);
        b
    }

    #[test]
    fn images_are_known_by_their_bytes() {
        assert_eq!(sniff_image(&png(640, 480)), Some(("image/png", 640, 480)));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 200, 1, 44, 3,
        ];
        assert_eq!(sniff_image(&jpeg), Some(("image/jpeg", 300, 200)));
        assert_eq!(sniff_image(b"<svg onload=alert(1)>"), None);
        assert!(
            check_image(&png(640, 480), Some("image/jpeg")).is_err(),
            "a lie about the type"
        );
        assert!(check_image(&png(10, 480), None).is_err(), "too small");
        assert!(check_image(&png(9000, 480), None).is_err(), "too large");
        assert!(check_image(&png(640, 480), Some("image/png")).is_ok());
    }
}
