//! The directory of focal points: who to call in each country. Officers propose and edit
//! their country's entries; the foreign-ministry approver approves; only approved versions
//! reach other countries (a pending change leaves the approved version visible). Entries
//! not re-confirmed for 6 months are stale and their country is reminded.
use crate::live::{bilingual, Outbox};
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::validate::{self, Invalid};
use enlace_domain::{Country, Role};
use enlace_store::directory::DirectoryRow;
use serde::{Deserialize, Serialize};

pub const INSTITUTIONS: [&str; 5] = [
    "migration",
    "police",
    "prosecution",
    "foreign_ministry",
    "other",
];
pub const LANGUAGES: [&str; 3] = ["es", "en", "fr"];
/// An entry not re-confirmed for this long is stale (6 months).
pub const STALE_AFTER_MS: i64 = 183 * 24 * 3600 * 1000;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct DirectoryData {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 120,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub position: String,
    #[serde(default)]
    pub institution: String,
    /// Work-plan axes covered (1–4).
    #[serde(default)]
    #[schema(inline, value_type = Vec<u8>, max_items = 4)]
    pub axes: Vec<u8>,
    #[serde(default)]
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub topics: String,
    #[serde(default)]
    #[schema(max_length = 50, pattern = "^[0-9+() .-]*$")]
    pub phone: String,
    #[serde(default)]
    #[schema(
        max_length = 200,
        pattern = "^([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,})?$"
    )]
    pub email: String,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub available_24_7: bool,
}

impl DirectoryData {
    pub fn validate(&self) -> Result<DirectoryData, Invalid> {
        let mut errs = Invalid::default();
        let mut d = DirectoryData {
            name: validate::text(&mut errs, "name", &self.name, true, 120),
            position: validate::text(&mut errs, "position", &self.position, false, 200),
            institution: self.institution.trim().to_string(),
            axes: self.axes.clone(),
            topics: validate::text(&mut errs, "topics", &self.topics, false, 500),
            phone: validate::text(&mut errs, "phone", &self.phone, false, 50),
            email: validate::text(&mut errs, "email", &self.email, false, 200),
            languages: self
                .languages
                .iter()
                .map(|l| l.trim().to_lowercase())
                .collect(),
            hours: validate::text(&mut errs, "hours", &self.hours, false, 100),
            available_24_7: self.available_24_7,
        };
        if !INSTITUTIONS.contains(&d.institution.as_str()) {
            errs.push("institution", "bad_institution");
        }
        if d.axes.iter().any(|a| !(1..=4).contains(a)) {
            errs.push("axes", "bad_axis");
        }
        d.axes.sort_unstable();
        d.axes.dedup();
        if d.languages.iter().any(|l| !LANGUAGES.contains(&l.as_str())) {
            errs.push("languages", "bad_language");
        }
        d.languages.sort();
        d.languages.dedup();
        if !d.email.is_empty() && !d.email.contains('@') {
            errs.push("email", "bad_email");
        }
        if d.phone.is_empty() && d.email.is_empty() {
            errs.push("phone", "contact_required");
        }
        errs.into_result()?;
        Ok(d)
    }
}

/// An entry as one user sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DirectoryEntry {
    pub id: String,
    pub country: Country,
    /// `approved`, or `pending` (own country only: a change awaits approval).
    pub status: String,
    /// What this user sees: other countries the approved version; the own country the
    /// latest (draft when pending).
    pub shown: DirectoryData,
    pub approved: Option<DirectoryData>,
    pub draft: Option<DirectoryData>,
    pub public: bool,
    pub stale: bool,
    pub confirmed_at: Option<i64>,
    /// Why the approver sent the last proposal back (own country only).
    pub rejected_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryFilter {
    pub country: Option<String>,
    pub institution: Option<String>,
    /// "1".."4"; empty or anything else means no filter.
    pub axis: Option<String>,
    pub language: Option<String>,
    pub q: Option<String>,
    /// `pending`: only the entries awaiting the approver (own country); empty: all.
    pub status: Option<String>,
}

fn parse(json: &Option<String>) -> Option<DirectoryData> {
    json.as_deref().and_then(|s| serde_json::from_str(s).ok())
}

/// The country whose entries the actor edits (any role of a country but the approver's
/// approval, which is separate).
fn own(ctx: &Ctx) -> Option<Country> {
    ctx.actor.country
}

fn may_edit(ctx: &Ctx) -> bool {
    matches!(
        ctx.actor.role,
        Role::Officer | Role::Prosecutor | Role::Analyst | Role::Admin
    )
}

fn dir_entry(ctx: &Ctx, action: &str, id: &str, country: Country) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("directory".into());
    e.object_id = Some(id.to_string());
    e.object_country = Some(country.code().to_string());
    e
}

impl App {
    fn view(&self, row: DirectoryRow, own: Option<Country>) -> Option<DirectoryEntry> {
        let approved = parse(&row.approved);
        let draft = parse(&row.draft);
        let mine = Some(row.country) == own;
        let shown = if mine {
            draft.clone().or_else(|| approved.clone())?
        } else {
            approved.clone()?
        };
        let now = self.now_ms();
        Some(DirectoryEntry {
            id: row.id,
            country: row.country,
            status: row.status,
            stale: approved.is_some() && row.confirmed_at.is_none_or(|c| now - c > STALE_AFTER_MS),
            shown,
            approved,
            draft: if mine { draft } else { None },
            public: row.public,
            confirmed_at: row.confirmed_at,
            rejected_reason: if mine { row.rejected_reason } else { None },
        })
    }

    pub async fn directory(
        &self,
        ctx: &Ctx,
        f: &DirectoryFilter,
    ) -> AppResult<Vec<DirectoryEntry>> {
        let me = own(ctx);
        let country = f.country.as_deref().and_then(Country::parse);
        let rows = self.store.directory_for(me, country).await?;
        let q =
            f.q.as_deref()
                .map(enlace_domain::text::fold)
                .unwrap_or_default();
        let axis: Option<u8> = f.axis.as_deref().and_then(|a| a.trim().parse().ok());
        let list: Vec<DirectoryEntry> = rows
            .into_iter()
            .filter_map(|r| self.view(r, me))
            .filter(|e| {
                f.institution
                    .as_deref()
                    .is_none_or(|i| i.is_empty() || e.shown.institution == i)
            })
            .filter(|e| axis.is_none_or(|a| e.shown.axes.contains(&a)))
            .filter(|e| {
                f.status
                    .as_deref()
                    .is_none_or(|st| st.is_empty() || e.status == st)
            })
            .filter(|e| {
                f.language
                    .as_deref()
                    .is_none_or(|l| l.is_empty() || e.shown.languages.iter().any(|x| x == l))
            })
            .filter(|e| {
                q.is_empty()
                    || enlace_domain::text::fold(&format!(
                        "{} {} {}",
                        e.shown.name, e.shown.position, e.shown.topics
                    ))
                    .contains(&q)
            })
            .collect();
        // Each country's entries read (or exported) by another country reach its audit.
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut e = ctx.entry("directory.list", "ok");
        e.object_kind = Some("directory_entry".into());
        e.detail = Some(format!("returned={}", list.len()));
        tx.audit(now, e).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "directory.list",
            "directory_entry",
            list.iter()
                .map(|d| (d.id.clone(), d.country, false))
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(list)
    }

    pub async fn directory_entry(&self, ctx: &Ctx, id: &str) -> AppResult<DirectoryEntry> {
        let row = self
            .store
            .directory_entry(id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.view(row, own(ctx)).ok_or(AppError::NotFound)
    }

    pub async fn propose_directory(
        &self,
        ctx: &Ctx,
        data: &DirectoryData,
        public: bool,
    ) -> AppResult<DirectoryEntry> {
        let country = own(ctx)
            .filter(|_| may_edit(ctx))
            .ok_or(AppError::Forbidden)?;
        let d = data.validate()?;
        let now = self.now_ms();
        let json = serde_json::to_string(&d).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_directory_draft(country, &json, public, &ctx.actor.user_id, now)
            .await?;
        tx.audit(now, dir_entry(ctx, "directory.propose", &id, country))
            .await?;
        let mut out = Outbox::default();
        let approvers = tx.users_with_roles(country, &["approver"]).await?;
        out.notify(
            &mut tx,
            &approvers,
            "directory_approval",
            &bilingual(
                &format!("Entrada del directorio por aprobar: {}", d.name),
                &format!("Directory entry awaiting approval: {}", d.name),
            ),
            &format!("/directory/{id}"),
            now,
        )
        .await?;
        tx.commit().await?;
        self.publish(out);
        self.directory_entry(ctx, &id).await
    }

    /// A change to an entry goes back through approval; the approved version stays visible.
    /// `change` makes the new version (and whether it is public) from the one the caller's
    /// country sees now, read inside the write transaction: two partial changes at once
    /// never undo each other.
    pub async fn edit_directory(
        &self,
        ctx: &Ctx,
        id: &str,
        change: impl FnOnce(&DirectoryData, bool) -> (DirectoryData, bool),
    ) -> AppResult<DirectoryEntry> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let row = tx.directory_entry(id).await?.ok_or(AppError::NotFound)?;
        let entry = self.view(row, own(ctx)).ok_or(AppError::NotFound)?;
        if Some(entry.country) != own(ctx) || !may_edit(ctx) {
            return Err(AppError::Forbidden);
        }
        let (data, public) = change(&entry.shown, entry.public);
        let d = data.validate()?;
        let json = serde_json::to_string(&d).map_err(|e| AppError::Internal(e.to_string()))?;
        tx.set_directory_draft(id, &json, public, now).await?;
        tx.audit(now, dir_entry(ctx, "directory.edit", id, entry.country))
            .await?;
        let mut out = Outbox::default();
        let approvers = tx.users_with_roles(entry.country, &["approver"]).await?;
        out.notify(
            &mut tx,
            &approvers,
            "directory_approval",
            &bilingual(
                &format!("Cambio del directorio por aprobar: {}", d.name),
                &format!("Directory change awaiting approval: {}", d.name),
            ),
            &format!("/directory/{id}"),
            now,
        )
        .await?;
        tx.commit().await?;
        self.publish(out);
        self.directory_entry(ctx, id).await
    }

    pub async fn approve_directory(&self, ctx: &Ctx, id: &str) -> AppResult<DirectoryEntry> {
        let entry = self.directory_entry(ctx, id).await?;
        if ctx.actor.role != Role::Approver || Some(entry.country) != own(ctx) {
            return Err(AppError::Forbidden);
        }
        if entry.draft.is_none() {
            return Err(AppError::Conflict("nothing_to_approve"));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.approve_directory(id, &ctx.actor.user_id, now).await?;
        tx.audit(now, dir_entry(ctx, "directory.approve", id, entry.country))
            .await?;
        tx.commit().await?;
        self.directory_entry(ctx, id).await
    }

    /// The approver sends a proposal back with a reason (required, said to the country's
    /// users in a notification and kept in the audit).
    pub async fn reject_directory(
        &self,
        ctx: &Ctx,
        id: &str,
        reason: &str,
    ) -> AppResult<DirectoryEntry> {
        let entry = self.directory_entry(ctx, id).await?;
        if ctx.actor.role != Role::Approver || Some(entry.country) != own(ctx) {
            return Err(AppError::Forbidden);
        }
        let mut errs = Invalid::default();
        let reason = validate::text(&mut errs, "reason", reason, true, 1000);
        errs.into_result()?;
        if entry.draft.is_none() || entry.status != "pending" {
            return Err(AppError::Conflict("nothing_to_approve"));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.reject_directory(id, &reason, now).await?;
        let mut e = dir_entry(ctx, "directory.reject", id, entry.country);
        e.detail = Some(reason.clone());
        tx.audit(now, e).await?;
        let users = tx.intelligence_users_of(&[entry.country]).await?;
        let name = entry.shown.name.clone();
        let mut out = crate::live::Outbox::default();
        out.notify(
            &mut tx,
            &users,
            "directory_rejected",
            &crate::live::bilingual(
                &format!("Cancillería devolvió la entrada del directorio «{name}»: {reason}"),
                &format!("The foreign ministry sent back the directory entry \"{name}\": {reason}"),
            ),
            &format!("/directory/{id}"),
            now,
        )
        .await?;
        tx.commit().await?;
        self.publish(out);
        self.directory_entry(ctx, id).await
    }

    /// Re-confirms that an approved entry is still right (resets the 6-month clock).
    pub async fn confirm_directory(&self, ctx: &Ctx, id: &str) -> AppResult<DirectoryEntry> {
        let entry = self.directory_entry(ctx, id).await?;
        if Some(entry.country) != own(ctx) || ctx.actor.role == Role::Secretariat {
            return Err(AppError::Forbidden);
        }
        if entry.approved.is_none() {
            return Err(AppError::Conflict("nothing_to_approve"));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.confirm_directory(id, now).await?;
        tx.audit(now, dir_entry(ctx, "directory.confirm", id, entry.country))
            .await?;
        tx.commit().await?;
        self.directory_entry(ctx, id).await
    }

    /// The focal point a hit on `country`'s records points to: an approved entry, preferring
    /// prosecution, then police, then migration.
    pub async fn focal_point(&self, country: Country) -> AppResult<Option<DirectoryData>> {
        let rows = self.store.directory_for(None, Some(country)).await?;
        let mut approved: Vec<DirectoryData> =
            rows.iter().filter_map(|r| parse(&r.approved)).collect();
        let rank = |i: &str| {
            INSTITUTIONS.iter().position(|x| *x == i).map(|p| match p {
                2 => 0,
                1 => 1,
                0 => 2,
                n => n + 1,
            })
        };
        approved.sort_by_key(|d| rank(&d.institution).unwrap_or(9));
        Ok(approved.into_iter().next())
    }

    /// Periodic reminders: stale directory entries (to the country's admins and approvers),
    /// requests whose deadline is within 24 hours, and overdue requests (to both sides).
    pub async fn run_reminders(&self) -> AppResult<usize> {
        let now = self.now_ms();
        let mut sent = 0;
        let stale = self.store.directory_stale(now - STALE_AFTER_MS).await?;
        let mut tx = self.store.begin().await?;
        let mut out = Outbox::default();
        for row in stale {
            let name = parse(&row.approved).map(|d| d.name).unwrap_or_default();
            let users = tx
                .users_with_roles(row.country, &["admin", "approver"])
                .await?;
            out.notify(
                &mut tx,
                &users,
                "directory_stale",
                &bilingual(
                    &format!("Entrada del directorio sin confirmar desde hace 6 meses: {name}"),
                    &format!("Directory entry not confirmed for 6 months: {name}"),
                ),
                &format!("/directory/{}", row.id),
                now,
            )
            .await?;
            tx.mark_directory_stale_notified(&row.id, now).await?;
            sent += users.len();
        }
        for (id, number, from, to, created_by, deadline) in tx.unrestricted_open_requests().await? {
            let (key, es, en) = if deadline < now {
                (
                    format!("overdue:{id}"),
                    format!("Solicitud {number} vencida"),
                    format!("Request {number} is overdue"),
                )
            } else if deadline - now < 24 * 3600 * 1000 {
                (
                    format!("due24:{id}"),
                    format!("Solicitud {number}: vence en menos de 24 horas"),
                    format!("Request {number}: due within 24 hours"),
                )
            } else {
                continue;
            };
            if !tx.remind_once(&key, now).await? {
                continue;
            }
            let mut users = tx.intelligence_users_of(&[to]).await?;
            users.push(created_by);
            let _ = from;
            out.notify(
                &mut tx,
                &users,
                "request_deadline",
                &bilingual(&es, &en),
                &format!("/requests/{id}"),
                now,
            )
            .await?;
            sent += users.len();
        }
        tx.commit().await?;
        self.publish(out);
        Ok(sent)
    }
}

/// CSV of directory entries: RFC 4180, every cell quoted, CRLF line ends.
///
/// A cell that starts with `=`, `+`, `-`, `@`, a tab, CR or LF (or with spaces and then one
/// of the first four, for readers that trim) is one a spreadsheet may run as a formula (CSV
/// injection): it gets a leading `'`, as OWASP advises, so it is shown as text. That
/// includes phone numbers written `+506 …`.
pub fn to_csv(entries: &[DirectoryEntry]) -> AppResult<String> {
    // The header, written as it always was: plain names need no quotes.
    let header = b"country,name,position,institution,axes,topics,phone,email,languages,hours,available_24_7,status,stale\r\n";
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .from_writer(header.to_vec());
    let failed = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    for e in entries {
        let d = &e.shown;
        let row = [
            e.country.code().to_string(),
            d.name.clone(),
            d.position.clone(),
            d.institution.clone(),
            d.axes
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            d.topics.clone(),
            d.phone.clone(),
            d.email.clone(),
            d.languages.join(" "),
            d.hours.clone(),
            d.available_24_7.to_string(),
            e.status.clone(),
            e.stale.to_string(),
        ];
        w.write_record(row.iter().map(|c| csv_cell(c).into_owned()))
            .map_err(failed)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {}", e.error())))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("csv: {e}")))
}

/// The directory for a spreadsheet in the reader's language: a UTF-8 byte-order mark (so
/// Excel reads accents), the headers and codes in words given by `words` (keys
/// `field_…`, institution codes, `yes`/`no`, `directory_approved`/`directory_pending`,
/// country names), and `sep` between cells (`;` where the decimal mark is a comma, as in
/// Spanish-locale spreadsheets).
pub fn to_spreadsheet_csv(
    entries: &[DirectoryEntry],
    words: &dyn Fn(&str) -> String,
    country_name: &dyn Fn(Country) -> String,
    sep: u8,
) -> AppResult<String> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(sep)
        .quote_style(csv::QuoteStyle::Necessary)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let failed = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    let header = [
        "field_country",
        "field_display_name",
        "field_position",
        "field_institution",
        "field_axis",
        "field_topics",
        "field_phone",
        "field_email",
        "field_languages",
        "field_hours",
        "shell_csv_24_7",
        "field_status",
        "directory_stale",
    ];
    w.write_record(header.iter().map(|k| words(k)))
        .map_err(failed)?;
    let yes_no = |b: bool| words(if b { "shell_yes" } else { "shell_no" });
    for e in entries {
        let d = &e.shown;
        let status = if e.approved.is_none() || e.draft.is_some() {
            words("directory_pending")
        } else {
            words("directory_approved")
        };
        let row = [
            country_name(e.country),
            d.name.clone(),
            d.position.clone(),
            words(&d.institution),
            d.axes
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            d.topics.clone(),
            d.phone.clone(),
            d.email.clone(),
            d.languages.join(" "),
            d.hours.clone(),
            yes_no(d.available_24_7),
            status,
            yes_no(e.stale),
        ];
        w.write_record(row.iter().map(|c| csv_cell(c).into_owned()))
            .map_err(failed)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {}", e.error())))?;
    let text = String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    Ok(format!("\u{feff}{text}"))
}

/// A cell a spreadsheet will not run as a formula.
fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['\t', '\r', '\n']) || s.trim_start().starts_with(['=', '+', '-', '@']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// vCard 3.0 cards of directory entries.
///
/// Text values are escaped as RFC 6350 §3.4 (and RFC 2426 before it) say: a backslash,
/// comma or semicolon gets a backslash; every line break — CRLF, a lone CR, a lone LF, and
/// the other characters some readers break lines on — becomes `\n`; other control characters
/// are dropped. So no value can end its line and start a property of its own. Lines longer
/// than 75 octets are folded (RFC 6350 §3.2), never inside a character or an escape.
pub fn to_vcard(entries: &[DirectoryEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        let d = &e.shown;
        vcard_line(&mut out, "BEGIN:VCARD");
        vcard_line(&mut out, "VERSION:3.0");
        vcard_line(&mut out, &format!("FN:{}", vcard_text(&d.name)));
        vcard_line(
            &mut out,
            &format!(
                "ORG:{};{}",
                vcard_text(e.country.name("es")),
                vcard_text(&d.institution)
            ),
        );
        if !d.position.is_empty() {
            vcard_line(&mut out, &format!("TITLE:{}", vcard_text(&d.position)));
        }
        if !d.phone.is_empty() {
            vcard_line(&mut out, &format!("TEL;TYPE=WORK:{}", vcard_text(&d.phone)));
        }
        if !d.email.is_empty() {
            vcard_line(
                &mut out,
                &format!("EMAIL;TYPE=INTERNET:{}", vcard_text(&d.email)),
            );
        }
        vcard_line(
            &mut out,
            &format!("NOTE:{}", vcard_text(&format!("{} {}", d.topics, d.hours))),
        );
        vcard_line(&mut out, "END:VCARD");
    }
    out
}

/// A vCard text value (RFC 6350 §3.4): the result holds no CR, LF or other control character
/// but tab.
fn vcard_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at 75 octets with CRLF and a space, and its CRLF.
fn vcard_line(out: &mut String, line: &str) {
    let mut width = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        // An escape is kept whole on one line.
        let next = if c == '\\' { chars.next() } else { None };
        let n = c.len_utf8() + next.map_or(0, char::len_utf8);
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        out.extend(next);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::{csv_cell, vcard_line, vcard_text};

    #[test]
    fn formula_cells_become_text() {
        for bad in [
            "=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "  =1",
        ] {
            assert_eq!(csv_cell(bad), format!("'{bad}"));
        }
        for good in ["Ana", "a=b", "", "'quoted", " a-b"] {
            assert_eq!(csv_cell(good), good);
        }
    }

    #[test]
    fn vcard_text_leaves_no_line_break() {
        assert_eq!(
            vcard_text("a\rEMAIL:x\r\nTEL:1\nb;c,d\\e\u{2028}f\u{7}g\th"),
            "a\\nEMAIL:x\\nTEL:1\\nb\\;c\\,d\\\\e\\nfg\th"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters_and_escapes() {
        let mut out = String::new();
        let value = format!("{}{}", "ñ".repeat(40), vcard_text(&"a,".repeat(40)));
        vcard_line(&mut out, &format!("NOTE:{value}"));
        let lines: Vec<&str> = out
            .strip_suffix("\r\n")
            .unwrap_or("")
            .split("\r\n")
            .collect();
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        assert!(
            lines.iter().all(|l| !l.ends_with('\\')),
            "an escape is never split"
        );
        assert_eq!(out.replace("\r\n ", ""), format!("NOTE:{value}\r\n"));
    }
}
