//! Information requests between two countries, their thread, and the records shared in
//! answer. Only the two countries involved see a request.
use crate::db::{new_id, Tx, Q};
use crate::visibility::Viewer;
use crate::StoreError;
use enlace_domain::Country;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Request {
    pub id: String,
    pub number: String,
    pub from_country: Country,
    pub to_country: Country,
    pub created_by: String,
    pub purpose: String,
    pub legal_basis: String,
    pub urgency: String,
    pub deadline: i64,
    pub message: String,
    pub status: String,
    pub decline_reason: Option<String>,
    pub decline_text: Option<String>,
    pub mla_reference: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestMessage {
    pub id: String,
    pub author_username: String,
    pub author_country: String,
    pub body: String,
    pub created_at: i64,
}

/// A hit reference as the receiving country resolves it to its own record.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HitRef {
    pub reference: String,
    pub entity_id: String,
    pub owner_country: String,
    pub asked_by_country: Option<String>,
}

pub(crate) const COLS: &str = "r.id, r.number, r.from_country, r.to_country, r.created_by, r.purpose, r.legal_basis, r.urgency, r.deadline, r.message, r.status, r.decline_reason, r.decline_text, r.mla_reference, r.created_at, r.updated_at";

fn country(r: &AnyRow, col: &str) -> crate::Result<Country> {
    let c: String = r.try_get(col)?;
    Country::parse(&c).ok_or_else(|| StoreError::Corrupt(col.to_string()))
}

pub(crate) fn from_row(r: &AnyRow, references: Vec<String>) -> crate::Result<Request> {
    Ok(Request {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        from_country: country(r, "from_country")?,
        to_country: country(r, "to_country")?,
        created_by: r.try_get("created_by")?,
        purpose: r.try_get("purpose")?,
        legal_basis: r.try_get("legal_basis")?,
        urgency: r.try_get("urgency")?,
        deadline: r.try_get("deadline")?,
        message: r.try_get("message")?,
        status: r.try_get("status")?,
        decline_reason: r.try_get("decline_reason")?,
        decline_text: r.try_get("decline_text")?,
        mla_reference: r.try_get("mla_reference")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        references,
    })
}

pub struct NewRequest<'a> {
    pub from: Country,
    pub to: Country,
    pub created_by: &'a str,
    pub purpose: &'a str,
    pub legal_basis: &'a str,
    pub urgency: &'a str,
    pub deadline: i64,
    pub message: &'a str,
    pub references: &'a [String],
}

/// The check a hit reference came from, as its asking country sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOfReference {
    pub asked_by_country: Option<String>,
    pub owner_country: String,
    pub purpose: String,
    pub case_reference: String,
    /// The subject as the asker typed it (FollowTheMoney JSON).
    pub subject: String,
}

impl Tx {
    /// The check behind a hit reference: its purpose, case reference and subject, for the
    /// request made from it (the asker's own words; nothing of the hit record).
    pub async fn check_of_reference(
        &mut self,
        reference: &str,
    ) -> crate::Result<Option<CheckOfReference>> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT c.country AS asked_by, h.owner_country, c.purpose, c.case_reference, c.subject FROM check_hits h JOIN checks c ON c.id = h.check_id WHERE h.reference = $1")
                    .arg(reference),
            )
            .await?;
        row.map(|r| {
            Ok(CheckOfReference {
                asked_by_country: r.try_get("asked_by")?,
                owner_country: r.try_get("owner_country")?,
                purpose: r.try_get("purpose")?,
                case_reference: r.try_get("case_reference")?,
                subject: crate::records::open_note(
                    self.records.as_deref(),
                    crate::records::NOTE_CHECK_SUBJECT,
                    &r.try_get::<String, _>("subject")?,
                )?,
            })
        })
        .transpose()
    }

    /// The hit behind a reference, if the check that produced it was run from `asker`'s
    /// country (a reference is useless to anyone else).
    pub async fn hit_reference(&mut self, reference: &str) -> crate::Result<Option<HitRef>> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT h.reference, h.entity_id, h.owner_country, c.country AS asked_by FROM check_hits h JOIN checks c ON c.id = h.check_id WHERE h.reference = $1")
                    .arg(reference),
            )
            .await?;
        row.map(|r| {
            Ok(HitRef {
                reference: r.try_get("reference")?,
                entity_id: r.try_get("entity_id")?,
                owner_country: r.try_get("owner_country")?,
                asked_by_country: r.try_get("asked_by")?,
            })
        })
        .transpose()
    }

    pub async fn insert_request(
        &mut self,
        n: &NewRequest<'_>,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        let year = &enlace_domain::clock::format_utc(now_ms)[..4];
        let count: i64 = self
            .fetch_one(
                &Q::new("SELECT COUNT(*) AS n FROM requests WHERE from_country = $1").arg(n.from),
            )
            .await?
            .try_get("n")?;
        let number = format!(
            "SOL-{}-{year}-{:05}",
            n.from.code().to_uppercase(),
            count + 1
        );
        self.execute(
            &Q::new("INSERT INTO requests (id, number, from_country, to_country, created_by, purpose, legal_basis, urgency, deadline, message, status, decline_reason, decline_text, mla_reference, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'sent', NULL, NULL, NULL, $11, $11)")
                .arg(&id)
                .arg(number)
                .arg(n.from)
                .arg(n.to)
                .arg(n.created_by)
                .arg(n.purpose)
                .arg(n.legal_basis)
                .arg(n.urgency)
                .arg(n.deadline)
                .arg(n.message)
                .arg(now_ms),
        )
        .await?;
        for r in n.references {
            self.execute(
                &Q::new("INSERT INTO request_refs (request_id, reference) VALUES ($1, $2)")
                    .arg(&id)
                    .arg(r.as_str()),
            )
            .await?;
        }
        Ok(id)
    }

    pub async fn request_visible(
        &mut self,
        viewer: &Viewer,
        id: &str,
    ) -> crate::Result<Option<Request>> {
        let mut q = Q::new(&format!("SELECT {COLS} FROM requests r WHERE r.id = "));
        q.bind(id).push(" AND ");
        viewer.request_predicate(&mut q, "r");
        let Some(row) = self.fetch_optional(&q).await? else {
            return Ok(None);
        };
        let refs = self.request_refs(id).await?;
        from_row(&row, refs).map(Some)
    }

    async fn request_refs(&mut self, id: &str) -> crate::Result<Vec<String>> {
        self.fetch_all(
            &Q::new("SELECT reference FROM request_refs WHERE request_id = $1 ORDER BY reference")
                .arg(id),
        )
        .await?
        .iter()
        .map(|r| Ok(r.try_get("reference")?))
        .collect()
    }

    /// Requests the viewer's country sent (`outgoing`) or received, newest change first.
    pub async fn requests_visible(
        &mut self,
        viewer: &Viewer,
        outgoing: bool,
        limit: i64,
        offset: i64,
    ) -> crate::Result<(Vec<Request>, i64)> {
        let side = if outgoing {
            "from_country"
        } else {
            "to_country"
        };
        let Some(c) = viewer.country() else {
            return Ok((vec![], 0));
        };
        let mut count = Q::new("SELECT COUNT(*) AS n FROM requests r WHERE ");
        viewer.request_predicate(&mut count, "r");
        count.push(&format!(" AND r.{side} = ")).bind(c);
        let total: i64 = self.fetch_one(&count).await?.try_get("n")?;
        let mut q = Q::new(&format!("SELECT {COLS} FROM requests r WHERE "));
        viewer.request_predicate(&mut q, "r");
        q.push(&format!(" AND r.{side} = ")).bind(c);
        q.push(" ORDER BY r.updated_at DESC, r.id LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        let rows = self.fetch_all(&q).await?;
        let ids = crate::db::row_ids(&rows)?;
        let refs = self
            .children_of("request_refs", "request_id", "reference", &ids)
            .await?;
        let mut out = vec![];
        for (r, id) in rows.iter().zip(&ids) {
            out.push(from_row(r, refs.get(id).cloned().unwrap_or_default())?);
        }
        Ok((out, total))
    }

    pub async fn set_request_status(
        &mut self,
        id: &str,
        status: &str,
        decline: Option<(&str, &str)>,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE requests SET status = $1, decline_reason = $2, decline_text = $3, updated_at = $4 WHERE id = $5")
                .arg(status)
                .arg(decline.map(|d| d.0))
                .arg(decline.map(|d| d.1))
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    pub async fn set_request_mla(&mut self, id: &str, mla: &str, now_ms: i64) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE requests SET mla_reference = $1, updated_at = $2 WHERE id = $3")
                .arg(mla)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    pub async fn add_request_message(
        &mut self,
        request_id: &str,
        author_id: &str,
        author_username: &str,
        author_country: &str,
        body: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("INSERT INTO request_messages (id, request_id, author_id, author_username, author_country, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .arg(new_id())
                .arg(request_id)
                .arg(author_id)
                .arg(author_username)
                .arg(author_country)
                .arg(body)
                .arg(now_ms),
        )
        .await?;
        self.execute(
            &Q::new("UPDATE requests SET updated_at = $1 WHERE id = $2")
                .arg(now_ms)
                .arg(request_id),
        )
        .await?;
        Ok(())
    }

    pub async fn request_messages(
        &mut self,
        request_id: &str,
    ) -> crate::Result<Vec<RequestMessage>> {
        self.fetch_all(
            &Q::new("SELECT id, author_username, author_country, body, created_at FROM request_messages WHERE request_id = $1 ORDER BY created_at, id")
                .arg(request_id),
        )
        .await?
        .iter()
        .map(|r| {
            Ok(RequestMessage {
                id: r.try_get("id")?,
                author_username: r.try_get("author_username")?,
                author_country: r.try_get("author_country")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// Widens one record's audience to `country` (an answer to a request). Idempotent.
    pub async fn share_record(
        &mut self,
        request_id: &str,
        record_id: &str,
        country: Country,
        now_ms: i64,
    ) -> crate::Result<()> {
        let exists = self
            .fetch_optional(
                &Q::new(
                    "SELECT record_id FROM record_shares WHERE record_id = $1 AND country = $2",
                )
                .arg(record_id)
                .arg(country),
            )
            .await?
            .is_some();
        if !exists {
            self.execute(
                &Q::new("INSERT INTO record_shares (record_id, country, via, created_at) VALUES ($1, $2, $3, $4)")
                    .arg(record_id)
                    .arg(country)
                    .arg(request_id)
                    .arg(now_ms),
            )
            .await?;
        }
        let had = self
            .fetch_optional(
                &Q::new(
                    "SELECT entity_id FROM request_shares WHERE request_id = $1 AND entity_id = $2",
                )
                .arg(request_id)
                .arg(record_id),
            )
            .await?
            .is_some();
        if !had {
            self.execute(
                &Q::new("INSERT INTO request_shares (request_id, entity_id, created_at) VALUES ($1, $2, $3)")
                    .arg(request_id)
                    .arg(record_id)
                    .arg(now_ms),
            )
            .await?;
        }
        Ok(())
    }

    /// Open requests (sent or acknowledged), whoever is involved: only for the reminder job.
    #[allow(clippy::type_complexity)]
    pub async fn unrestricted_open_requests(
        &mut self,
    ) -> crate::Result<Vec<(String, String, Country, Country, String, i64)>> {
        self.fetch_all(&Q::new("SELECT id, number, from_country, to_country, created_by, deadline FROM requests WHERE status IN ('sent', 'acknowledged') ORDER BY deadline LIMIT 10000"))
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("number")?,
                    country(r, "from_country")?,
                    country(r, "to_country")?,
                    r.try_get("created_by")?,
                    r.try_get("deadline")?,
                ))
            })
            .collect()
    }

    pub async fn request_shared_ids(&mut self, request_id: &str) -> crate::Result<Vec<String>> {
        self.fetch_all(&Q::new("SELECT entity_id FROM request_shares WHERE request_id = $1 ORDER BY created_at, entity_id").arg(request_id))
            .await?
            .iter()
            .map(|r| Ok(r.try_get("entity_id")?))
            .collect()
    }
}
