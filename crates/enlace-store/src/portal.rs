//! The public portal's content: publications (with their PDF), events and prevention
//! campaigns. Countries propose, the secretariat publishes, unpublishes and orders; only
//! published items ever reach the portal.
use crate::db::{new_id, Store, Tx, Q};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PortalItem {
    pub id: String,
    /// `publication`, `event` or `campaign`.
    pub kind: String,
    pub title_es: String,
    pub title_en: String,
    pub body_es: String,
    pub body_en: String,
    /// An event's date (YYYY-MM-DD).
    pub event_date: Option<String>,
    pub place: String,
    /// An outside page about it (shown as text plus link; the portal loads nothing from it).
    pub link: String,
    /// `proposed`, `published` or `unpublished`.
    pub status: String,
    /// Lower first.
    pub position: i64,
    pub proposed_by: String,
    /// The proposing user's country (None: the secretariat).
    pub proposed_country: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    /// The attached PDF's name and size, if any.
    pub file_name: Option<String>,
    pub file_size: Option<i64>,
}

/// What a proposal or an edit sets.
#[derive(Debug, Clone, Default)]
pub struct PortalFields {
    pub kind: String,
    pub title_es: String,
    pub title_en: String,
    pub body_es: String,
    pub body_en: String,
    pub event_date: Option<String>,
    pub place: String,
    pub link: String,
}

const COLS: &str = "i.id, i.kind, i.title_es, i.title_en, i.body_es, i.body_en, i.event_date, i.place, i.link, i.status, i.position, i.proposed_by, i.proposed_country, i.created_at, i.updated_at, i.published_at, f.name AS file_name, f.size AS file_size";
const FROM: &str = "FROM portal_items i LEFT JOIN portal_files f ON f.item_id = i.id";

fn from_row(r: &AnyRow) -> crate::Result<PortalItem> {
    Ok(PortalItem {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        title_es: r.try_get("title_es")?,
        title_en: r.try_get("title_en")?,
        body_es: r.try_get("body_es")?,
        body_en: r.try_get("body_en")?,
        event_date: r.try_get("event_date")?,
        place: r.try_get("place")?,
        link: r.try_get("link")?,
        status: r.try_get("status")?,
        position: r.try_get("position")?,
        proposed_by: r.try_get("proposed_by")?,
        proposed_country: r.try_get("proposed_country")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        published_at: r.try_get("published_at")?,
        file_name: r.try_get("file_name")?,
        file_size: r.try_get("file_size")?,
    })
}

impl Store {
    /// Published items, in the secretariat's order (the portal reads only these).
    pub async fn portal_published(&self, kind: Option<&str>) -> crate::Result<Vec<PortalItem>> {
        let mut q = Q::new(&format!(
            "SELECT {COLS} {FROM} WHERE i.status = 'published'"
        ));
        if let Some(k) = kind {
            q.push(" AND i.kind = ").bind(k);
        }
        q.push(" ORDER BY i.position, i.published_at DESC, i.id");
        self.fetch_all(&q).await?.iter().map(from_row).collect()
    }

    /// One published item (an item that is not published is not there).
    pub async fn portal_published_item(&self, id: &str) -> crate::Result<Option<PortalItem>> {
        self.fetch_optional(
            &Q::new(&format!(
                "SELECT {COLS} {FROM} WHERE i.id = $1 AND i.status = 'published'"
            ))
            .arg(id),
        )
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
    }

    /// A published item's PDF: (name, bytes).
    pub async fn portal_published_file(
        &self,
        id: &str,
    ) -> crate::Result<Option<(String, Vec<u8>)>> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT f.name, f.content FROM portal_files f JOIN portal_items i ON i.id = f.item_id WHERE f.item_id = $1 AND i.status = 'published'")
                    .arg(id),
            )
            .await?;
        match row {
            Some(r) => Ok(Some((r.try_get("name")?, r.try_get("content")?))),
            None => Ok(None),
        }
    }
}

impl Tx {
    /// Every item, or those of one country's proposals, newest first.
    pub async fn portal_items(&mut self, country: Option<&str>) -> crate::Result<Vec<PortalItem>> {
        let mut q = Q::new(&format!("SELECT {COLS} {FROM}"));
        if let Some(c) = country {
            q.push(" WHERE i.proposed_country = ").bind(c);
        }
        q.push(" ORDER BY CASE i.status WHEN 'proposed' THEN 0 WHEN 'published' THEN 1 ELSE 2 END, i.position, i.created_at DESC, i.id");
        self.fetch_all(&q).await?.iter().map(from_row).collect()
    }

    pub async fn portal_item(&mut self, id: &str) -> crate::Result<Option<PortalItem>> {
        self.fetch_optional(&Q::new(&format!("SELECT {COLS} {FROM} WHERE i.id = $1")).arg(id))
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    /// A new item, last in the order.
    pub async fn insert_portal_item(
        &mut self,
        f: &PortalFields,
        status: &str,
        by: &str,
        country: Option<&str>,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        let next = self
            .fetch_one(&Q::new(
                "SELECT COALESCE(MAX(position), 0) + 1 AS p FROM portal_items",
            ))
            .await?;
        let position: i64 = next.try_get("p")?;
        let published = (status == "published").then_some(now_ms);
        self.execute(
            &Q::new("INSERT INTO portal_items (id, kind, title_es, title_en, body_es, body_en, event_date, place, link, status, position, proposed_by, proposed_country, created_at, updated_at, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)")
                .arg(&id)
                .arg(&f.kind)
                .arg(&f.title_es)
                .arg(&f.title_en)
                .arg(&f.body_es)
                .arg(&f.body_en)
                .arg(f.event_date.clone())
                .arg(&f.place)
                .arg(&f.link)
                .arg(status)
                .arg(position)
                .arg(by)
                .arg(country)
                .arg(now_ms)
                .arg(published),
        )
        .await?;
        Ok(id)
    }

    pub async fn update_portal_item(
        &mut self,
        id: &str,
        f: &PortalFields,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE portal_items SET kind = $1, title_es = $2, title_en = $3, body_es = $4, body_en = $5, event_date = $6, place = $7, link = $8, updated_at = $9 WHERE id = $10")
                .arg(&f.kind)
                .arg(&f.title_es)
                .arg(&f.title_en)
                .arg(&f.body_es)
                .arg(&f.body_en)
                .arg(f.event_date.clone())
                .arg(&f.place)
                .arg(&f.link)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    pub async fn set_portal_status(
        &mut self,
        id: &str,
        status: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        let published = (status == "published").then_some(now_ms);
        self.execute(
            &Q::new("UPDATE portal_items SET status = $1, published_at = COALESCE($2, published_at), updated_at = $3 WHERE id = $4")
                .arg(status)
                .arg(published)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    /// Moves an item one place up (`-1`) or down (`1`) among all items, swapping with its
    /// neighbour; false when it is already at that end.
    pub async fn move_portal_item(&mut self, id: &str, step: i64) -> crate::Result<bool> {
        let Some(me) = self.portal_item(id).await? else {
            return Ok(false);
        };
        let neighbour = if step < 0 {
            "SELECT id, position FROM portal_items WHERE position < $1 ORDER BY position DESC LIMIT 1"
        } else {
            "SELECT id, position FROM portal_items WHERE position > $1 ORDER BY position LIMIT 1"
        };
        let Some(n) = self
            .fetch_optional(&Q::new(neighbour).arg(me.position))
            .await?
        else {
            return Ok(false);
        };
        let (nid, npos): (String, i64) = (n.try_get("id")?, n.try_get("position")?);
        self.execute(
            &Q::new("UPDATE portal_items SET position = $1 WHERE id = $2")
                .arg(npos)
                .arg(id),
        )
        .await?;
        self.execute(
            &Q::new("UPDATE portal_items SET position = $1 WHERE id = $2")
                .arg(me.position)
                .arg(&nid),
        )
        .await?;
        Ok(true)
    }

    /// Attaches (or replaces) an item's PDF.
    pub async fn put_portal_file(
        &mut self,
        id: &str,
        name: &str,
        sha256: &str,
        content: Vec<u8>,
    ) -> crate::Result<()> {
        let size = content.len() as i64;
        self.execute(&Q::new("DELETE FROM portal_files WHERE item_id = $1").arg(id))
            .await?;
        self.execute(
            &Q::new("INSERT INTO portal_files (item_id, name, size, sha256, content) VALUES ($1, $2, $3, $4, $5)")
                .arg(id)
                .arg(name)
                .arg(size)
                .arg(sha256)
                .arg(content),
        )
        .await?;
        Ok(())
    }

    /// An item's PDF whatever its status (for the secretariat and the proposers).
    pub async fn portal_file(&mut self, id: &str) -> crate::Result<Option<(String, Vec<u8>)>> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT name, content FROM portal_files WHERE item_id = $1").arg(id),
            )
            .await?;
        match row {
            Some(r) => Ok(Some((r.try_get("name")?, r.try_get("content")?))),
            None => Ok(None),
        }
    }
}
