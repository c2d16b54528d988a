//! Meetings of the network (agenda, attendance, bilingual minutes, documents) and their
//! numbered agreements with a follow-up thread. Meetings and agreements are documents of
//! the whole network: every member country's users and the secretariat read them; only
//! the use cases decide who writes.
use crate::db::{new_id, parse_countries, Store, Tx, Q};
use enlace_domain::Country;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MeetingRow {
    pub id: String,
    pub year: i64,
    /// Sequential within the year, assigned at creation, never reused.
    pub number: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub kind: String,
    pub title: String,
    pub agenda: String,
    pub minutes_es: String,
    pub minutes_en: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// Member countries that attended, sorted.
    pub attendance: Vec<Country>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DocumentRow {
    pub id: String,
    pub meeting_id: String,
    pub title: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgreementRow {
    pub id: String,
    pub meeting_id: String,
    pub seq: i64,
    /// `RFE-<year>-<meeting number, 2 digits>/<seq>`, fixed at creation.
    pub number: String,
    pub text: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    /// The due date's midnight UTC, epoch ms.
    pub due_ms: i64,
    pub status: String,
    pub public: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub overdue_notified_at: Option<i64>,
    /// Country codes and/or `secretariat`, sorted.
    pub responsible: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FollowupRow {
    pub id: String,
    pub author_username: String,
    pub author_country: Option<String>,
    pub text: String,
    /// The status the agreement was set to with this entry, if any.
    pub status: Option<String>,
    pub created_at: i64,
}

/// Which agreements a list holds; all conditions ANDed.
#[derive(Debug, Clone, Default)]
pub struct AgreementQuery {
    pub status: Option<String>,
    /// A country code or `secretariat` among the responsible.
    pub party: Option<String>,
    /// Only those overdue at this instant (due day ended, not done or withdrawn).
    pub overdue_at: Option<i64>,
    pub meeting_id: Option<String>,
    /// Keyset paging: ids below this one (ids are time-ordered: newest first).
    pub before_id: Option<String>,
    pub limit: i64,
}

const DAY_MS: i64 = 24 * 3600 * 1000;

const MCOLS: &str = "id, year, number, date, kind, title, agenda, minutes_es, minutes_en, created_at, updated_at, version";
const ACOLS: &str = "a.id, a.meeting_id, a.seq, a.number, a.text, a.due, a.due_ms, a.status, a.public, a.created_at, a.updated_at, a.version, a.overdue_notified_at";
const DCOLS: &str = "id, meeting_id, title, filename, content_type, size, sha256, created_at";

fn meeting_row(r: &AnyRow, attendance: Vec<Country>) -> crate::Result<MeetingRow> {
    Ok(MeetingRow {
        id: r.try_get("id")?,
        year: r.try_get("year")?,
        number: r.try_get("number")?,
        date: r.try_get("date")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        agenda: r.try_get("agenda")?,
        minutes_es: r.try_get("minutes_es")?,
        minutes_en: r.try_get("minutes_en")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
        attendance,
    })
}

fn agreement_row(r: &AnyRow, responsible: Vec<String>) -> crate::Result<AgreementRow> {
    Ok(AgreementRow {
        id: r.try_get("id")?,
        meeting_id: r.try_get("meeting_id")?,
        seq: r.try_get("seq")?,
        number: r.try_get("number")?,
        text: r.try_get("text")?,
        due: r.try_get("due")?,
        due_ms: r.try_get("due_ms")?,
        status: r.try_get("status")?,
        public: r.try_get::<i64, _>("public")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
        overdue_notified_at: r.try_get("overdue_notified_at")?,
        responsible,
    })
}

fn document_row(r: &AnyRow) -> crate::Result<DocumentRow> {
    Ok(DocumentRow {
        id: r.try_get("id")?,
        meeting_id: r.try_get("meeting_id")?,
        title: r.try_get("title")?,
        filename: r.try_get("filename")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The agreement number: `RFE-2026-03/4`.
pub fn agreement_number(year: i64, meeting_number: i64, seq: i64) -> String {
    format!("RFE-{year}-{meeting_number:02}/{seq}")
}

pub struct NewMeeting<'a> {
    pub year: i64,
    pub date: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub agenda: &'a str,
    pub minutes_es: &'a str,
    pub minutes_en: &'a str,
    pub attendance: &'a [Country],
    pub by: &'a str,
}

pub struct NewDocument<'a> {
    pub meeting_id: &'a str,
    pub title: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    pub by: &'a str,
}

impl Tx {
    async fn meeting_rows(&mut self, rows: Vec<AnyRow>) -> crate::Result<Vec<MeetingRow>> {
        let ids = crate::db::row_ids(&rows)?;
        let mut att = self
            .children_of("meeting_attendance", "meeting_id", "country", &ids)
            .await?;
        rows.iter()
            .zip(ids)
            .map(|(r, id)| {
                let codes = att.remove(&id).unwrap_or_default();
                meeting_row(r, parse_countries(&codes, "meeting_attendance")?)
            })
            .collect()
    }

    async fn agreement_rows(&mut self, rows: Vec<AnyRow>) -> crate::Result<Vec<AgreementRow>> {
        let ids = crate::db::row_ids(&rows)?;
        let mut resp = self
            .children_of("agreement_responsible", "agreement_id", "party", &ids)
            .await?;
        rows.iter()
            .zip(ids)
            .map(|(r, id)| agreement_row(r, resp.remove(&id).unwrap_or_default()))
            .collect()
    }

    /// Creates a meeting with the next number of its year. Run inside the write
    /// transaction, which serialises writers: two meetings never get the same number, and
    /// meetings are never deleted, so a number is never reused.
    pub async fn insert_meeting(
        &mut self,
        m: &NewMeeting<'_>,
        now_ms: i64,
    ) -> crate::Result<(String, i64)> {
        let row = self
            .fetch_one(
                &Q::new("SELECT COALESCE(MAX(number), 0) AS n FROM meetings WHERE year = $1")
                    .arg(m.year),
            )
            .await?;
        let number: i64 = row.try_get::<i64, _>("n")? + 1;
        let id = new_id();
        self.execute(
            &Q::new("INSERT INTO meetings (id, year, number, date, kind, title, agenda, minutes_es, minutes_en, created_by, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 1)")
                .arg(&id)
                .arg(m.year)
                .arg(number)
                .arg(m.date)
                .arg(m.kind)
                .arg(m.title)
                .arg(m.agenda)
                .arg(m.minutes_es)
                .arg(m.minutes_en)
                .arg(m.by)
                .arg(now_ms),
        )
        .await?;
        self.set_attendance(&id, m.attendance).await?;
        Ok((id, number))
    }

    async fn set_attendance(&mut self, id: &str, countries: &[Country]) -> crate::Result<()> {
        self.execute(&Q::new("DELETE FROM meeting_attendance WHERE meeting_id = $1").arg(id))
            .await?;
        for c in countries {
            self.execute(
                &Q::new("INSERT INTO meeting_attendance (meeting_id, country) VALUES ($1, $2)")
                    .arg(id)
                    .arg(*c),
            )
            .await?;
        }
        Ok(())
    }

    pub async fn meeting(&mut self, id: &str) -> crate::Result<Option<MeetingRow>> {
        let rows = self
            .fetch_all(&Q::new(&format!("SELECT {MCOLS} FROM meetings WHERE id = $1")).arg(id))
            .await?;
        Ok(self.meeting_rows(rows).await?.into_iter().next())
    }

    /// Writes a meeting's changeable fields (the whole row as the use case made it) and
    /// bumps its version. Its year and number never change.
    pub async fn update_meeting(&mut self, m: &MeetingRow, now_ms: i64) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE meetings SET date = $1, kind = $2, title = $3, agenda = $4, minutes_es = $5, minutes_en = $6, updated_at = $7, version = version + 1 WHERE id = $8")
                .arg(&m.date)
                .arg(&m.kind)
                .arg(&m.title)
                .arg(&m.agenda)
                .arg(&m.minutes_es)
                .arg(&m.minutes_en)
                .arg(now_ms)
                .arg(&m.id),
        )
        .await?;
        self.set_attendance(&m.id, &m.attendance).await
    }

    /// Meetings newest first (by date, then id); `after` is the last (date, id) of the
    /// previous page.
    pub async fn meetings_page(
        &mut self,
        after: Option<(&str, &str)>,
        limit: i64,
    ) -> crate::Result<Vec<MeetingRow>> {
        let mut q = Q::new(&format!("SELECT {MCOLS} FROM meetings"));
        if let Some((date, id)) = after {
            q.push(" WHERE (date < ")
                .bind(date)
                .push(" OR (date = ")
                .bind(date)
                .push(" AND id < ")
                .bind(id)
                .push("))");
        }
        q.push(" ORDER BY date DESC, id DESC LIMIT ").bind(limit);
        let rows = self.fetch_all(&q).await?;
        self.meeting_rows(rows).await
    }

    pub async fn insert_meeting_document(
        &mut self,
        d: &NewDocument<'_>,
        sha256: &str,
        content_b64: &str,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        self.execute(
            &Q::new("INSERT INTO meeting_documents (id, meeting_id, title, filename, content_type, size, sha256, content, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .arg(&id)
                .arg(d.meeting_id)
                .arg(d.title)
                .arg(d.filename)
                .arg(d.content_type)
                .arg(d.bytes.len() as i64)
                .arg(sha256)
                .arg(content_b64)
                .arg(d.by)
                .arg(now_ms),
        )
        .await?;
        Ok(id)
    }

    pub async fn meeting_documents(&mut self, meeting_id: &str) -> crate::Result<Vec<DocumentRow>> {
        self.fetch_all(
            &Q::new(&format!("SELECT {DCOLS} FROM meeting_documents WHERE meeting_id = $1 ORDER BY created_at, id"))
                .arg(meeting_id),
        )
        .await?
        .iter()
        .map(document_row)
        .collect()
    }

    /// A document and its stored content (base64).
    pub async fn meeting_document(
        &mut self,
        meeting_id: &str,
        id: &str,
    ) -> crate::Result<Option<(DocumentRow, String)>> {
        let Some(r) = self
            .fetch_optional(
                &Q::new(&format!("SELECT {DCOLS}, content FROM meeting_documents WHERE meeting_id = $1 AND id = $2"))
                    .arg(meeting_id)
                    .arg(id),
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((document_row(&r)?, r.try_get("content")?)))
    }

    /// Creates an agreement with the next number of its meeting, inside the write
    /// transaction (writers are serialised, and agreements are never deleted: numbers are
    /// distinct and never reused).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_agreement(
        &mut self,
        meeting: &MeetingRow,
        text: &str,
        responsible: &[String],
        due: &str,
        due_ms: i64,
        public: bool,
        by: &str,
        now_ms: i64,
    ) -> crate::Result<(String, String)> {
        let row = self
            .fetch_one(
                &Q::new("SELECT COALESCE(MAX(seq), 0) AS n FROM agreements WHERE meeting_id = $1")
                    .arg(&meeting.id),
            )
            .await?;
        let seq: i64 = row.try_get::<i64, _>("n")? + 1;
        let number = agreement_number(meeting.year, meeting.number, seq);
        let id = new_id();
        self.execute(
            &Q::new("INSERT INTO agreements (id, meeting_id, seq, number, text, due, due_ms, status, public, created_by, created_at, updated_at, version, overdue_notified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $10, 1, NULL)")
                .arg(&id)
                .arg(&meeting.id)
                .arg(seq)
                .arg(&number)
                .arg(text)
                .arg(due)
                .arg(due_ms)
                .arg(public)
                .arg(by)
                .arg(now_ms),
        )
        .await?;
        self.set_responsible(&id, responsible).await?;
        Ok((id, number))
    }

    async fn set_responsible(&mut self, id: &str, parties: &[String]) -> crate::Result<()> {
        self.execute(&Q::new("DELETE FROM agreement_responsible WHERE agreement_id = $1").arg(id))
            .await?;
        for p in parties {
            self.execute(
                &Q::new("INSERT INTO agreement_responsible (agreement_id, party) VALUES ($1, $2)")
                    .arg(id)
                    .arg(p),
            )
            .await?;
        }
        Ok(())
    }

    pub async fn agreement(&mut self, id: &str) -> crate::Result<Option<AgreementRow>> {
        let rows = self
            .fetch_all(
                &Q::new(&format!("SELECT {ACOLS} FROM agreements a WHERE a.id = $1")).arg(id),
            )
            .await?;
        Ok(self.agreement_rows(rows).await?.into_iter().next())
    }

    /// Writes an agreement's changeable fields and bumps its version; its number, meeting
    /// and sequence never change. A new due date may be overdue again: it is reminded anew.
    pub async fn update_agreement(
        &mut self,
        a: &AgreementRow,
        due_changed: bool,
        now_ms: i64,
    ) -> crate::Result<()> {
        let mut q = Q::new("UPDATE agreements SET text = ");
        q.bind(a.text.as_str())
            .push(", due = ")
            .bind(a.due.as_str())
            .push(", due_ms = ")
            .bind(a.due_ms)
            .push(", status = ")
            .bind(a.status.as_str())
            .push(", public = ")
            .bind(a.public)
            .push(", updated_at = ")
            .bind(now_ms)
            .push(", version = version + 1");
        if due_changed {
            q.push(", overdue_notified_at = NULL");
        }
        q.push(" WHERE id = ").bind(a.id.as_str());
        self.execute(&q).await?;
        self.set_responsible(&a.id, &a.responsible).await
    }

    /// Agreements newest first, filtered.
    pub async fn agreements(&mut self, f: &AgreementQuery) -> crate::Result<Vec<AgreementRow>> {
        let mut q = Q::new(&format!("SELECT {ACOLS} FROM agreements a WHERE 1 = 1"));
        if let Some(s) = &f.status {
            q.push(" AND a.status = ").bind(s.as_str());
        }
        if let Some(p) = &f.party {
            q.push(" AND EXISTS (SELECT 1 FROM agreement_responsible r WHERE r.agreement_id = a.id AND r.party = ")
                .bind(p.as_str())
                .push(")");
        }
        if let Some(now) = f.overdue_at {
            q.push(" AND a.status IN ('open', 'in_progress') AND a.due_ms <= ")
                .bind(now - DAY_MS);
        }
        if let Some(m) = &f.meeting_id {
            q.push(" AND a.meeting_id = ").bind(m.as_str());
        }
        if let Some(b) = &f.before_id {
            q.push(" AND a.id < ").bind(b.as_str());
        }
        q.push(" ORDER BY a.id DESC LIMIT ").bind(f.limit);
        let rows = self.fetch_all(&q).await?;
        self.agreement_rows(rows).await
    }

    /// A meeting's agreements in number order.
    pub async fn meeting_agreements(
        &mut self,
        meeting_id: &str,
    ) -> crate::Result<Vec<AgreementRow>> {
        let rows = self
            .fetch_all(
                &Q::new(&format!(
                    "SELECT {ACOLS} FROM agreements a WHERE a.meeting_id = $1 ORDER BY a.seq"
                ))
                .arg(meeting_id),
            )
            .await?;
        self.agreement_rows(rows).await
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_followup(
        &mut self,
        agreement_id: &str,
        author_id: &str,
        author_username: &str,
        author_country: Option<Country>,
        text: &str,
        status: Option<&str>,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        self.execute(
            &Q::new("INSERT INTO agreement_followups (id, agreement_id, author_id, author_username, author_country, text, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .arg(&id)
                .arg(agreement_id)
                .arg(author_id)
                .arg(author_username)
                .arg(author_country.map(|c| c.code().to_string()))
                .arg(text)
                .arg(status)
                .arg(now_ms),
        )
        .await?;
        Ok(id)
    }

    pub async fn agreement_followups(
        &mut self,
        agreement_id: &str,
    ) -> crate::Result<Vec<FollowupRow>> {
        self.fetch_all(
            &Q::new("SELECT id, author_username, author_country, text, status, created_at FROM agreement_followups WHERE agreement_id = $1 ORDER BY created_at, id")
                .arg(agreement_id),
        )
        .await?
        .iter()
        .map(|r| {
            Ok(FollowupRow {
                id: r.try_get("id")?,
                author_username: r.try_get("author_username")?,
                author_country: r.try_get("author_country")?,
                text: r.try_get("text")?,
                status: r.try_get("status")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// Agreements overdue at `now_ms` whose responsible have not been reminded yet.
    pub async fn agreements_overdue_unnotified(
        &mut self,
        now_ms: i64,
    ) -> crate::Result<Vec<AgreementRow>> {
        let rows = self
            .fetch_all(
                &Q::new(&format!("SELECT {ACOLS} FROM agreements a WHERE a.status IN ('open', 'in_progress') AND a.due_ms <= $1 AND a.overdue_notified_at IS NULL ORDER BY a.id"))
                    .arg(now_ms - DAY_MS),
            )
            .await?;
        self.agreement_rows(rows).await
    }

    pub async fn mark_agreement_overdue_notified(
        &mut self,
        id: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE agreements SET overdue_notified_at = $1 WHERE id = $2")
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    /// Every active user of a country, for notifications.
    pub async fn country_users(&mut self, country: Country) -> crate::Result<Vec<String>> {
        self.fetch_all(
            &Q::new("SELECT id FROM users WHERE disabled = 0 AND country = $1").arg(country),
        )
        .await?
        .iter()
        .map(|r| Ok(r.try_get("id")?))
        .collect()
    }
}

impl Store {
    /// Agreements the secretariat marked public (and not withdrawn), newest meeting first,
    /// with their meeting: what the public portal shows. Unaudited: they are public.
    pub async fn published_agreements(&self) -> crate::Result<Vec<(AgreementRow, MeetingRow)>> {
        let rows = self
            .fetch_all(&Q::new(&format!(
                "SELECT {ACOLS} FROM agreements a JOIN meetings m ON m.id = a.meeting_id WHERE a.public = 1 AND a.status <> 'withdrawn' ORDER BY m.date DESC, a.seq"
            )))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let responsible = self
                .fetch_all(
                    &Q::new("SELECT party FROM agreement_responsible WHERE agreement_id = $1 ORDER BY party")
                        .arg(&id),
                )
                .await?
                .iter()
                .map(|p| p.try_get("party"))
                .collect::<Result<Vec<String>, _>>()?;
            let a = agreement_row(r, responsible)?;
            let Some(m) = self
                .fetch_optional(
                    &Q::new(&format!("SELECT {MCOLS} FROM meetings WHERE id = $1"))
                        .arg(&a.meeting_id),
                )
                .await?
            else {
                continue;
            };
            // The portal shows no attendance: public agreements only.
            out.push((a, meeting_row(&m, vec![])?));
        }
        Ok(out)
    }
}
