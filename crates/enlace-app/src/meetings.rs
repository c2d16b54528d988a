//! Meetings of the network (the monthly virtual meeting, network meetings, workshops) and
//! their numbered agreements (2003 plan 2.1.1; the meeting report of 27 Nov 2017). The
//! secretariat records meetings, minutes, documents and agreements; every member country's
//! users read them; the countries responsible for an agreement follow it up (status and a
//! thread). Numbers are assigned inside the write transaction and never change.
use crate::live::{bilingual, Outbox};
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::policy::{may_follow_agreement, may_manage_meetings, may_read_meetings};
use enlace_domain::validate::{self, Invalid};
use enlace_domain::{Country, Role};
use enlace_store::meetings::{
    AgreementQuery, AgreementRow, DocumentRow, FollowupRow, MeetingRow, NewDocument, NewMeeting,
};
use serde::Deserialize;
use sha2::Digest;

mod agreements;
mod demo;

pub const KINDS: [&str; 3] = ["virtual", "network", "workshop"];
pub const STATUSES: [&str; 4] = ["open", "in_progress", "done", "withdrawn"];
/// Who may be responsible for an agreement besides the member countries.
pub const SECRETARIAT: &str = "secretariat";
/// Largest document accepted (10 MiB), PDF only.
pub const MAX_DOCUMENT_BYTES: usize = crate::files::MAX_FILE;
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// A new meeting. Only title, date and kind are required.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MeetingInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub agenda: String,
    #[serde(default)]
    pub attendance: Vec<String>,
    #[serde(default)]
    pub minutes_es: String,
    #[serde(default)]
    pub minutes_en: String,
}

/// A partial change of a meeting: what is `None` keeps its value.
#[derive(Debug, Clone, Default)]
pub struct MeetingPatch {
    pub title: Option<String>,
    pub date: Option<String>,
    pub kind: Option<String>,
    pub agenda: Option<String>,
    pub attendance: Option<Vec<String>>,
    pub minutes_es: Option<String>,
    pub minutes_en: Option<String>,
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct AgreementInput {
    pub meeting_id: String,
    pub text: String,
    pub responsible: Vec<String>,
    pub due: String,
    pub public: bool,
}

/// A partial change of an agreement: what is `None` keeps its value.
#[derive(Debug, Clone, Default)]
pub struct AgreementPatch {
    pub status: Option<String>,
    pub public: Option<bool>,
    pub text: Option<String>,
    pub due: Option<String>,
    pub responsible: Option<Vec<String>>,
    /// A note posted to the thread with a status change.
    pub note: Option<String>,
    pub version: Option<i64>,
}

/// Which agreements to list (all optional).
#[derive(Debug, Clone, Default)]
pub struct AgreementFilter {
    pub status: Option<String>,
    /// A responsible country code, or `secretariat`.
    pub country: Option<String>,
    pub overdue: bool,
    pub meeting_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// A meeting with its documents and agreements.
#[derive(Debug, Clone)]
pub struct MeetingFull {
    pub meeting: MeetingRow,
    pub documents: Vec<DocumentRow>,
    pub agreements: Vec<AgreementRow>,
}

/// An agreement with its meeting and thread.
#[derive(Debug, Clone)]
pub struct AgreementFull {
    pub agreement: AgreementRow,
    pub meeting: MeetingRow,
    pub followups: Vec<FollowupRow>,
}

/// Whether an agreement is overdue at `now`: its due day has ended and it is neither done
/// nor withdrawn.
pub fn is_overdue(a: &AgreementRow, now: i64) -> bool {
    matches!(a.status.as_str(), "open" | "in_progress") && a.due_ms + DAY_MS <= now
}

/// A calendar date `YYYY-MM-DD` (a real day, years 1990–2100) → its midnight UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    let ms = enlace_domain::clock::parse_utc(s)?;
    // parse_utc accepts the 31st of any month: a real day formats back to itself.
    let back = enlace_domain::clock::format_utc(ms);
    let year: i64 = s.get(0..4)?.parse().ok()?;
    (back.get(0..10) == Some(s) && (1990..=2100).contains(&year)).then_some(ms)
}

fn year_of(date: &str) -> i64 {
    date.get(0..4).and_then(|y| y.parse().ok()).unwrap_or(0)
}

fn check_date(errs: &mut Invalid, field: &'static str, s: &str) -> Option<(String, i64)> {
    match parse_date(s) {
        Some(ms) => Some((s.trim().to_string(), ms)),
        None => {
            errs.push(field, "bad_date");
            None
        }
    }
}

fn check_kind(errs: &mut Invalid, s: &str) -> String {
    let k = s.trim().to_string();
    if !KINDS.contains(&k.as_str()) {
        errs.push("kind", "bad_kind");
    }
    k
}

fn check_attendance(errs: &mut Invalid, codes: &[String]) -> Vec<Country> {
    let mut out = Vec::new();
    for c in codes {
        match Country::parse(c) {
            Some(c) => out.push(c),
            None => {
                errs.push("attendance", "unknown_country");
                return vec![];
            }
        }
    }
    if out.len() > 11 * 4 {
        errs.push("attendance", "too_long");
    }
    out.sort();
    out.dedup();
    out
}

/// Responsible parties: member country codes (lower case) and/or `secretariat`, at least one.
fn check_responsible(errs: &mut Invalid, parties: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    if parties.is_empty() {
        errs.push("responsible", "required");
        return out;
    }
    if parties.len() > 48 {
        errs.push("responsible", "too_long");
        return out;
    }
    for p in parties {
        let p = p.trim().to_ascii_lowercase();
        if p == SECRETARIAT {
            out.push(p);
        } else if let Some(c) = Country::parse(&p) {
            out.push(c.code().to_string());
        } else {
            errs.push("responsible", "unknown_country");
            return vec![];
        }
    }
    out.sort();
    out.dedup();
    out
}

fn check_status(errs: &mut Invalid, s: &str) -> String {
    let s = s.trim().to_string();
    if !STATUSES.contains(&s.as_str()) {
        errs.push("status", "bad_status");
    }
    s
}

fn meeting_entry(ctx: &Ctx, action: &str, id: &str) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("meeting".into());
    e.object_id = Some(id.to_string());
    e
}

fn agreement_entry(ctx: &Ctx, action: &str, id: &str) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("agreement".into());
    e.object_id = Some(id.to_string());
    e
}

fn readers(ctx: &Ctx) -> AppResult<()> {
    if may_read_meetings(&ctx.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn secretariat(ctx: &Ctx) -> AppResult<()> {
    if may_manage_meetings(&ctx.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Cursors are the last item's keys; anything else is refused, not ignored.
fn hex_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl App {
    pub async fn create_meeting(&self, ctx: &Ctx, input: &MeetingInput) -> AppResult<MeetingRow> {
        secretariat(ctx)?;
        let mut errs = Invalid::default();
        let title = validate::text(&mut errs, "title", &input.title, true, 200);
        let date = check_date(&mut errs, "date", &input.date);
        let kind = check_kind(&mut errs, &input.kind);
        let agenda = validate::text(&mut errs, "agenda", &input.agenda, false, 20_000);
        let attendance = check_attendance(&mut errs, &input.attendance);
        let minutes_es = validate::text(&mut errs, "minutes_es", &input.minutes_es, false, 100_000);
        let minutes_en = validate::text(&mut errs, "minutes_en", &input.minutes_en, false, 100_000);
        errs.into_result()?;
        let Some((date, _)) = date else {
            return Err(Invalid::one("date", "bad_date").into());
        };
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let (id, number) = tx
            .insert_meeting(
                &NewMeeting {
                    year: year_of(&date),
                    date: &date,
                    kind: &kind,
                    title: &title,
                    agenda: &agenda,
                    minutes_es: &minutes_es,
                    minutes_en: &minutes_en,
                    attendance: &attendance,
                    by: &ctx.actor.user_id,
                },
                now,
            )
            .await?;
        let mut e = meeting_entry(ctx, "meeting.create", &id);
        e.detail = Some(format!("number={}-{number:02}", year_of(&date)));
        tx.audit(now, e).await?;
        let row = tx.meeting(&id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(row)
    }

    /// Meetings newest first, a page at a time; the cursor is the last item's `date_id`.
    pub async fn meetings(
        &self,
        ctx: &Ctx,
        cursor: Option<&str>,
        limit: i64,
    ) -> AppResult<(Vec<MeetingRow>, Option<String>)> {
        readers(ctx)?;
        let limit = limit.clamp(1, 200);
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            // Compared as text: any `YYYY-MM-DD_<id>` pages on from where it points.
            Some(c) => match c.split_once('_') {
                Some((d, id))
                    if d.len() == 10
                        && d.bytes().enumerate().all(|(i, b)| {
                            if i == 4 || i == 7 {
                                b == b'-'
                            } else {
                                b.is_ascii_digit()
                            }
                        })
                        && hex_id(id) =>
                {
                    Some((d, id))
                }
                _ => return Err(Invalid::one("cursor", "bad_cursor").into()),
            },
        };
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut rows = tx.meetings_page(after, limit + 1).await?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|m| format!("{}_{}", m.date, m.id))
        } else {
            None
        };
        let mut e = ctx.entry("meeting.list", "ok");
        e.object_kind = Some("meeting".into());
        e.detail = Some(format!("returned={}", rows.len()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok((rows, next))
    }

    pub async fn meeting(&self, ctx: &Ctx, id: &str) -> AppResult<MeetingFull> {
        readers(ctx)?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let meeting = tx.meeting(id).await?.ok_or(AppError::NotFound)?;
        let documents = tx.meeting_documents(id).await?;
        let agreements = tx.meeting_agreements(id).await?;
        tx.audit(now, meeting_entry(ctx, "meeting.read", id))
            .await?;
        tx.commit().await?;
        Ok(MeetingFull {
            meeting,
            documents,
            agreements,
        })
    }

    /// Changes what the patch names (agenda, attendance, minutes…), laid over the meeting
    /// as it is inside the write transaction. The year (and so the number) never changes.
    pub async fn update_meeting(
        &self,
        ctx: &Ctx,
        id: &str,
        p: &MeetingPatch,
    ) -> AppResult<MeetingFull> {
        readers(ctx)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mut m = tx.meeting(id).await?.ok_or(AppError::NotFound)?;
        secretariat(ctx)?;
        let mut errs = Invalid::default();
        if let Some(t) = &p.title {
            m.title = validate::text(&mut errs, "title", t, true, 200);
        }
        if let Some(d) = &p.date {
            if let Some((d, _)) = check_date(&mut errs, "date", d) {
                if year_of(&d) != m.year {
                    // The number belongs to the year: a meeting cannot move to another.
                    errs.push("date", "year_fixed");
                }
                m.date = d;
            }
        }
        if let Some(k) = &p.kind {
            m.kind = check_kind(&mut errs, k);
        }
        if let Some(a) = &p.agenda {
            m.agenda = validate::text(&mut errs, "agenda", a, false, 20_000);
        }
        if let Some(a) = &p.attendance {
            m.attendance = check_attendance(&mut errs, a);
        }
        if let Some(x) = &p.minutes_es {
            m.minutes_es = validate::text(&mut errs, "minutes_es", x, false, 100_000);
        }
        if let Some(x) = &p.minutes_en {
            m.minutes_en = validate::text(&mut errs, "minutes_en", x, false, 100_000);
        }
        errs.into_result()?;
        if p.version.is_some_and(|v| v != m.version) {
            return Err(AppError::Conflict("version_conflict"));
        }
        tx.update_meeting(&m, now).await?;
        tx.audit(now, meeting_entry(ctx, "meeting.update", id))
            .await?;
        tx.commit().await?;
        self.meeting(ctx, id).await
    }

    /// Stores a document distributed to the members (PDF, at most 10 MiB).
    pub async fn add_meeting_document(
        &self,
        ctx: &Ctx,
        meeting_id: &str,
        title: &str,
        filename: &str,
        bytes: &[u8],
    ) -> AppResult<DocumentRow> {
        readers(ctx)?;
        let mut errs = Invalid::default();
        let title = validate::text(&mut errs, "title", title, true, 200);
        crate::files::check(&mut errs, "file", bytes, &[crate::files::Kind::Pdf]);
        let filename = crate::files::download_name(filename, "documento", crate::files::Kind::Pdf);
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.meeting(meeting_id).await?.ok_or(AppError::NotFound)?;
        secretariat(ctx)?;
        errs.into_result()?;
        let sha = hex::encode(sha2::Sha256::digest(bytes));
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
        let id = tx
            .insert_meeting_document(
                &NewDocument {
                    meeting_id,
                    title: &title,
                    filename: &filename,
                    content_type: "application/pdf",
                    bytes,
                    by: &ctx.actor.user_id,
                },
                &sha,
                &b64,
                now,
            )
            .await?;
        let mut e = meeting_entry(ctx, "meeting.document_add", meeting_id);
        e.detail = Some(format!("document={id} size={} sha256={sha}", bytes.len()));
        tx.audit(now, e).await?;
        let docs = tx.meeting_documents(meeting_id).await?;
        tx.commit().await?;
        docs.into_iter()
            .find(|d| d.id == id)
            .ok_or(AppError::NotFound)
    }

    /// A document's bytes, for member users and the secretariat; the download is audited.
    pub async fn meeting_document(
        &self,
        ctx: &Ctx,
        meeting_id: &str,
        id: &str,
    ) -> AppResult<(DocumentRow, Vec<u8>)> {
        readers(ctx)?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let (doc, b64) = tx
            .meeting_document(meeting_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64)
            .map_err(|e| AppError::Internal(format!("document content: {e}")))?;
        let mut e = meeting_entry(ctx, "meeting.document_read", meeting_id);
        e.detail = Some(format!("document={id}"));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok((doc, bytes))
    }
}

pub fn status_es(s: &str) -> &'static str {
    match s {
        "open" => "abierto",
        "in_progress" => "en curso",
        "done" => "cumplido",
        "withdrawn" => "retirado",
        _ => "",
    }
}

pub fn status_en(s: &str) -> &'static str {
    match s {
        "open" => "open",
        "in_progress" => "in progress",
        "done" => "done",
        "withdrawn" => "withdrawn",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates_are_real_days() {
        assert!(parse_date("2026-02-28").is_some());
        assert!(parse_date("2028-02-29").is_some());
        for bad in [
            "2026-02-30",
            "2026-02-31",
            "2026-13-01",
            "26-01-01",
            "2026-1-01",
            "",
            "1800-01-01",
            "2026-01-01T00:00:00Z",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
    }
}
