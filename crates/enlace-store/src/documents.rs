//! Travel-document specimens (reference data): a document kind of an issuing country as a
//! member country recorded it, its security features (each with an optional image) and the
//! forgery patterns members have seen.
use crate::db::{new_id, Store, Tx, Q};
use crate::StoreError;
use enlace_domain::Country;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    pub id: String,
    /// The member country that recorded it (and alone changes it).
    pub owner: Country,
    pub issuing_country: String,
    pub kind: String,
    pub series: String,
    pub first_issued: Option<String>,
    pub validity_years: Option<i64>,
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A document's fields as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentFields {
    pub issuing_country: String,
    pub kind: String,
    pub series: String,
    pub first_issued: Option<String>,
    pub validity_years: Option<i64>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRow {
    pub id: String,
    pub document_id: String,
    pub page: String,
    pub name: String,
    pub description: String,
    /// (content type, width, height) when the feature has an image.
    pub image: Option<(String, i64, i64)>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForgeryRow {
    pub id: String,
    pub document_id: String,
    pub owner: Country,
    pub title: String,
    pub description: String,
    pub first_seen: Option<String>,
    pub created_at: i64,
}

const DOC_COLS: &str = "id, owner_country, issuing_country, kind, series, first_issued, validity_years, description, created_at, updated_at";
const FEATURE_COLS: &str =
    "id, document_id, page, name, description, image_type, image_width, image_height, created_at";
const FORGERY_COLS: &str =
    "id, document_id, owner_country, title, description, first_seen, created_at";

fn country(r: &AnyRow, col: &str) -> crate::Result<Country> {
    let c: String = r.try_get(col)?;
    Country::parse(&c).ok_or_else(|| StoreError::Corrupt(col.into()))
}

fn doc_from(r: &AnyRow) -> crate::Result<DocumentRow> {
    Ok(DocumentRow {
        id: r.try_get("id")?,
        owner: country(r, "owner_country")?,
        issuing_country: r.try_get("issuing_country")?,
        kind: r.try_get("kind")?,
        series: r.try_get("series")?,
        first_issued: r.try_get("first_issued")?,
        validity_years: r.try_get("validity_years")?,
        description: r.try_get("description")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn feature_from(r: &AnyRow) -> crate::Result<FeatureRow> {
    let t: Option<String> = r.try_get("image_type")?;
    let w: Option<i64> = r.try_get("image_width")?;
    let h: Option<i64> = r.try_get("image_height")?;
    Ok(FeatureRow {
        id: r.try_get("id")?,
        document_id: r.try_get("document_id")?,
        page: r.try_get("page")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        image: match (t, w, h) {
            (Some(t), Some(w), Some(h)) => Some((t, w, h)),
            _ => None,
        },
        created_at: r.try_get("created_at")?,
    })
}

fn forgery_from(r: &AnyRow) -> crate::Result<ForgeryRow> {
    Ok(ForgeryRow {
        id: r.try_get("id")?,
        document_id: r.try_get("document_id")?,
        owner: country(r, "owner_country")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        first_seen: r.try_get("first_seen")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Tx {
    pub async fn document(&mut self, id: &str) -> crate::Result<Option<DocumentRow>> {
        let mut q = Q::new(&format!(
            "SELECT {DOC_COLS} FROM travel_documents WHERE id = "
        ));
        q.bind(id);
        self.fetch_optional(&q)
            .await?
            .as_ref()
            .map(doc_from)
            .transpose()
    }

    pub async fn insert_document(
        &mut self,
        owner: Country,
        f: &DocumentFields,
        by: &str,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        let mut q = Q::new(&format!(
            "INSERT INTO travel_documents ({DOC_COLS}, created_by) VALUES ("
        ));
        q.bind(&id)
            .push(", ")
            .bind(owner)
            .push(", ")
            .bind(&f.issuing_country)
            .push(", ")
            .bind(&f.kind)
            .push(", ")
            .bind(&f.series)
            .push(", ")
            .bind(f.first_issued.clone())
            .push(", ")
            .bind(f.validity_years)
            .push(", ")
            .bind(&f.description)
            .push(", ")
            .bind(now_ms)
            .push(", ")
            .bind(now_ms)
            .push(", ")
            .bind(by)
            .push(")");
        self.execute(&q).await?;
        Ok(id)
    }

    pub async fn update_document(
        &mut self,
        id: &str,
        f: &DocumentFields,
        now_ms: i64,
    ) -> crate::Result<()> {
        let mut q = Q::new("UPDATE travel_documents SET issuing_country = ");
        q.bind(&f.issuing_country)
            .push(", kind = ")
            .bind(&f.kind)
            .push(", series = ")
            .bind(&f.series)
            .push(", first_issued = ")
            .bind(f.first_issued.clone())
            .push(", validity_years = ")
            .bind(f.validity_years)
            .push(", description = ")
            .bind(&f.description)
            .push(", updated_at = ")
            .bind(now_ms)
            .push(" WHERE id = ")
            .bind(id);
        self.execute(&q).await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_feature(
        &mut self,
        document_id: &str,
        page: &str,
        name: &str,
        description: &str,
        image: Option<(&str, i64, i64, &str)>,
        by: &str,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        let mut q = Q::new(
            "INSERT INTO document_features (id, document_id, page, name, description, image_type, image_width, image_height, image_data, created_by, created_at) VALUES (",
        );
        q.bind(&id)
            .push(", ")
            .bind(document_id)
            .push(", ")
            .bind(page)
            .push(", ")
            .bind(name)
            .push(", ")
            .bind(description)
            .push(", ")
            .bind(image.map(|i| i.0))
            .push(", ")
            .bind(image.map(|i| i.1))
            .push(", ")
            .bind(image.map(|i| i.2))
            .push(", ")
            .bind(image.map(|i| i.3))
            .push(", ")
            .bind(by)
            .push(", ")
            .bind(now_ms)
            .push(")");
        self.execute(&q).await?;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_forgery(
        &mut self,
        document_id: &str,
        owner: Country,
        title: &str,
        description: &str,
        first_seen: Option<&str>,
        by: &str,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        let mut q = Q::new(&format!(
            "INSERT INTO forgery_patterns ({FORGERY_COLS}, created_by) VALUES ("
        ));
        q.bind(&id)
            .push(", ")
            .bind(document_id)
            .push(", ")
            .bind(owner)
            .push(", ")
            .bind(title)
            .push(", ")
            .bind(description)
            .push(", ")
            .bind(first_seen)
            .push(", ")
            .bind(now_ms)
            .push(", ")
            .bind(by)
            .push(")");
        self.execute(&q).await?;
        Ok(id)
    }
}

impl Store {
    pub async fn document(&self, id: &str) -> crate::Result<Option<DocumentRow>> {
        let mut q = Q::new(&format!(
            "SELECT {DOC_COLS} FROM travel_documents WHERE id = "
        ));
        q.bind(id);
        self.fetch_optional(&q)
            .await?
            .as_ref()
            .map(doc_from)
            .transpose()
    }

    /// A page of documents by issuing country, kind and series, after `after` (an id).
    pub async fn documents(
        &self,
        issuing_country: Option<&str>,
        kind: Option<&str>,
        after: Option<&str>,
        limit: i64,
    ) -> crate::Result<Vec<DocumentRow>> {
        let mut q = Q::new(&format!(
            "SELECT {DOC_COLS} FROM travel_documents WHERE 1 = 1"
        ));
        if let Some(c) = issuing_country {
            q.push(" AND issuing_country = ").bind(c);
        }
        if let Some(k) = kind {
            q.push(" AND kind = ").bind(k);
        }
        if let Some(a) = after {
            q.push(" AND id > ").bind(a);
        }
        q.push(" ORDER BY id LIMIT ").bind(limit.clamp(1, 1000));
        self.fetch_all(&q).await?.iter().map(doc_from).collect()
    }

    pub async fn document_features(&self, document_id: &str) -> crate::Result<Vec<FeatureRow>> {
        let mut q = Q::new(&format!(
            "SELECT {FEATURE_COLS} FROM document_features WHERE document_id = "
        ));
        q.bind(document_id)
            .push(" ORDER BY created_at, id LIMIT 500");
        self.fetch_all(&q).await?.iter().map(feature_from).collect()
    }

    /// A feature's image: (content type, base64 data).
    pub async fn feature_image(
        &self,
        document_id: &str,
        feature_id: &str,
    ) -> crate::Result<Option<(String, String)>> {
        let mut q = Q::new(
            "SELECT image_type, image_data FROM document_features WHERE image_data IS NOT NULL AND document_id = ",
        );
        q.bind(document_id).push(" AND id = ").bind(feature_id);
        match self.fetch_optional(&q).await? {
            None => Ok(None),
            Some(r) => Ok(Some((r.try_get("image_type")?, r.try_get("image_data")?))),
        }
    }

    pub async fn forgery_patterns(&self, document_id: &str) -> crate::Result<Vec<ForgeryRow>> {
        let mut q = Q::new(&format!(
            "SELECT {FORGERY_COLS} FROM forgery_patterns WHERE document_id = "
        ));
        q.bind(document_id)
            .push(" ORDER BY created_at DESC, id LIMIT 500");
        self.fetch_all(&q).await?.iter().map(forgery_from).collect()
    }
}
