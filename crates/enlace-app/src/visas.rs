//! Visa requirements (reference data, 2003 plan 1.2): for each member country as destination
//! and each nationality of the world, the regime, the legal source and the date in force.
//!
//! The destination country's own figures win: its users set and confirm its rows
//! (`verified`); the secretariat or another member may propose rows from a third-party list
//! (`verified: false`) that never replace a row the destination set. A look-up by date
//! answers the row in force on that date — among the current versions effective on or
//! before it, the destination's own first, then the latest. Every change is a new version;
//! the history of a pair is whole. Every member user and the secretariat read them; writes
//! are audited with the destination country.
use crate::live::{bilingual, Outbox};
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::clock::{format_utc, parse_utc};
use enlace_domain::validate::{self, Invalid};
use enlace_domain::{nations, policy, Country};
use enlace_store::visas::{NewVisa, VisaQuery, VisaRow};
use serde::{Deserialize, Serialize};

pub const REGIMES: [&str; 5] = [
    "visa_free",
    "visa_on_arrival",
    "electronic_authorisation",
    "visa_required",
    "not_admitted",
];

/// Longest stay a row may state (10 years).
pub const MAX_STAY_DAYS: i64 = 3650;
/// Rows one import may carry.
pub const MAX_IMPORT_ROWS: usize = 5000;
/// Versions of a pair a history shows.
pub const HISTORY_LIMIT: i64 = 500;
/// What the demo rows cite as their source.
pub const DEMO_SOURCE: &str = "Datos de demostración";

/// In the API document: a country of the world's ISO 3166-1 alpha-2 code, lower case.
pub struct NationalityCode;

impl utoipa::PartialSchema for NationalityCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(nations::all().iter().map(|(c, _, _)| *c)))
            .description(Some(
                "A country of the world (ISO 3166-1 alpha-2, lower case)",
            ))
            .into()
    }
}

impl utoipa::ToSchema for NationalityCode {}

/// In the API document: the regimes a row may state.
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum Regime {
    VisaFree,
    VisaOnArrival,
    ElectronicAuthorisation,
    VisaRequired,
    NotAdmitted,
}

/// The legal source: a text, or a text with a URL.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum SourceInput {
    /// The source's text (at most 500 characters).
    Text(String),
    Full {
        #[schema(
            max_length = 500,
            pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
        )]
        text: String,
        #[schema(max_length = 500, pattern = "^(https?://[^\\s]+)?$")]
        url: Option<String>,
    },
}

/// A row as written by a user: through the API (`PUT`), a form or an import line.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct VisaInput {
    /// `visa_free`, `visa_on_arrival`, `electronic_authorisation`, `visa_required` or `not_admitted`.
    #[schema(value_type = Regime, example = "visa_free")]
    #[serde(default)]
    pub regime: String,
    /// Longest stay allowed, in days (required for `visa_free`; not for `not_admitted`).
    #[schema(minimum = 1, maximum = 3650)]
    #[serde(default)]
    pub max_stay_days: Option<i64>,
    /// The legal source: its text (law, decree, agreement and article), or `{"text","url"}`.
    #[serde(default)]
    pub source: Option<SourceInput>,
    /// The legal source's URL (also accepted inside `source`).
    #[schema(max_length = 500, pattern = "^(https?://[^\\s]+)?$")]
    #[serde(default)]
    pub source_url: Option<String>,
    /// In force from this date (`YYYY-MM-DD`); today (UTC) when omitted.
    #[schema(format = Date, example = "2024-01-01")]
    #[serde(default)]
    pub effective: Option<String>,
    /// Conditions and exemptions, in words.
    #[schema(
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    pub notes: Option<String>,
}

/// A row checked and normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct VisaData {
    pub regime: String,
    pub max_stay_days: Option<i64>,
    pub source_text: String,
    pub source_url: Option<String>,
    pub effective: String,
    pub notes: String,
}

/// `YYYY-MM-DD` (a real calendar date between 1900 and 2199), or an RFC 3339 UTC time whose
/// date is taken.
pub fn parse_date(s: &str) -> Option<String> {
    let ms = parse_utc(s)?;
    let date = format_utc(ms)[..10].to_string();
    // parse_utc takes day 31 in any month; the round trip refuses 2023-02-30.
    (date == s.trim()[..10] && ("1900".."2200").contains(&&date[..4])).then_some(date)
}

/// A date field: absent means `default`; anything else must be a date.
fn date_field(errs: &mut Invalid, field: &'static str, v: Option<&str>, default: &str) -> String {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => default.to_string(),
        Some(s) => parse_date(s).unwrap_or_else(|| {
            errs.push(field, "bad_date");
            default.to_string()
        }),
    }
}

fn url_ok(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > 8
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl VisaInput {
    pub fn validate(&self, today: &str) -> Result<VisaData, Invalid> {
        let mut errs = Invalid::default();
        let regime = self.regime.trim().to_string();
        if regime.is_empty() {
            errs.push("regime", "required");
        } else if !REGIMES.contains(&regime.as_str()) {
            errs.push("regime", "unknown_regime");
        }
        match (regime.as_str(), self.max_stay_days) {
            ("visa_free", None) => errs.push("max_stay_days", "max_stay_required"),
            ("not_admitted", Some(_)) => errs.push("max_stay_days", "stay_not_applicable"),
            (_, Some(d)) if !(1..=MAX_STAY_DAYS).contains(&d) => {
                errs.push("max_stay_days", "out_of_range")
            }
            _ => {}
        }
        let (text, inner_url) = match &self.source {
            None => ("", None),
            Some(SourceInput::Text(t)) => (t.as_str(), None),
            Some(SourceInput::Full { text, url }) => (text.as_str(), url.as_deref()),
        };
        let source_text = validate::text(&mut errs, "source", text, true, 500);
        let url = self
            .source_url
            .as_deref()
            .or(inner_url)
            .map(str::trim)
            .filter(|u| !u.is_empty());
        let source_url = match url {
            Some(u) if u.chars().count() > 500 => {
                errs.push("source_url", "too_long");
                None
            }
            Some(u) if !url_ok(u) => {
                errs.push("source_url", "bad_source_url");
                None
            }
            other => other.map(str::to_string),
        };
        let effective = date_field(&mut errs, "effective", self.effective.as_deref(), today);
        let notes = validate::text(
            &mut errs,
            "notes",
            self.notes.as_deref().unwrap_or(""),
            false,
            1000,
        );
        errs.into_result()?;
        Ok(VisaData {
            regime,
            max_stay_days: self.max_stay_days,
            source_text,
            source_url,
            effective,
            notes,
        })
    }
}

/// A member country as destination (field named `field`).
pub fn destination(field: &'static str, code: &str) -> Result<Country, Invalid> {
    Country::parse(code).ok_or_else(|| Invalid::one(field, "unknown_country"))
}

/// A country of the world as nationality.
pub fn nationality(field: &'static str, code: &str) -> Result<&'static str, Invalid> {
    nations::parse(code).ok_or_else(|| Invalid::one(field, "unknown_nationality"))
}

/// What a list asks for, as the API and the pages take it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisaFilter {
    /// A member country (lower-case ISO code).
    #[param(value_type = Option<Country>)]
    pub destination: Option<String>,
    /// A country of the world (lower-case ISO code).
    #[param(value_type = Option<NationalityCode>)]
    pub nationality: Option<String>,
    /// Only the row in force on this date per pair (`YYYY-MM-DD`); with both `destination`
    /// and `nationality`, the answer is that one row.
    #[param(format = Date)]
    pub date: Option<String>,
    /// `true`: only rows set or confirmed by the destination; `false`: only proposals.
    pub verified: Option<bool>,
    /// Where the previous page ended (its `next`).
    #[param(
        max_length = 40,
        pattern = "^[a-z]{2}\\.[a-z]{2}(\\.[0-9]{4}-[0-9]{2}-[0-9]{2})?$"
    )]
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// One line of an import, with its position in the file.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ImportRow {
    /// The destination (a member country).
    #[schema(value_type = Country)]
    #[serde(default)]
    pub destination: String,
    #[schema(value_type = NationalityCode)]
    #[serde(default)]
    pub nationality: String,
    #[serde(flatten)]
    pub input: VisaInput,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportProblem {
    /// Line of the file (CSV: the header is line 1) or position in the JSON list (from 1).
    pub line: usize,
    pub destination: String,
    pub nationality: String,
    /// `destination_row_wins` (skipped: the destination set this row itself), `unchanged`,
    /// or for a rejected line `invalid_input`.
    pub reason: String,
    /// For a rejected line: the fields and their codes.
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Rows written (proposals, or the caller's own country's rows).
    pub accepted: usize,
    pub skipped: Vec<ImportProblem>,
    pub rejected: Vec<ImportProblem>,
}

fn today(ms: i64) -> String {
    format_utc(ms)[..10].to_string()
}

fn entry(ctx: &Ctx, action: &str, id: &str, r: &str, d: Country) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("visa".into());
    e.object_id = Some(id.to_string());
    e.object_country = Some(d.code().to_string());
    e.detail = Some(r.to_string());
    e
}

/// An import's rows with their line numbers, and the lines that did not parse.
pub type Parsed = (Vec<(usize, ImportRow)>, Vec<ImportProblem>);

/// Parses an import in CSV: a header naming the columns (`destination`, `nationality`,
/// `regime`, `max_stay_days`, `source`, `source_url`, `effective`, `notes`; the last four
/// but `source` optional), then one row per line. Lines that do not parse are rejected
/// with their line number.
pub fn parse_csv(text: &str) -> AppResult<Parsed> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|_| Invalid::one("body", "bad_csv"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    for need in ["destination", "nationality", "regime"] {
        if !headers.iter().any(|h| h == need) {
            return Err(Invalid::one("body", "bad_csv").into());
        }
    }
    let mut rows = vec![];
    let mut bad = vec![];
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        if rows.len() + bad.len() >= MAX_IMPORT_ROWS {
            return Err(Invalid::one("body", "too_many_rows").into());
        }
        let Ok(rec) = rec else {
            bad.push(problem(line, "", "", vec![("body", "bad_csv")]));
            continue;
        };
        let get = |k: &str| -> Option<String> {
            headers
                .iter()
                .position(|h| h == k)
                .and_then(|p| rec.get(p))
                .map(str::to_string)
                .filter(|v| !v.is_empty())
        };
        let stay = get("max_stay_days");
        let max_stay_days = match stay.as_deref().map(str::parse::<i64>) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                bad.push(problem(
                    line,
                    &get("destination").unwrap_or_default(),
                    &get("nationality").unwrap_or_default(),
                    vec![("max_stay_days", "out_of_range")],
                ));
                continue;
            }
        };
        rows.push((
            line,
            ImportRow {
                destination: get("destination").unwrap_or_default(),
                nationality: get("nationality").unwrap_or_default(),
                input: VisaInput {
                    regime: get("regime").unwrap_or_default(),
                    max_stay_days,
                    source: get("source").map(SourceInput::Text),
                    source_url: get("source_url"),
                    effective: get("effective"),
                    notes: get("notes"),
                },
            },
        ));
    }
    Ok((rows, bad))
}

fn problem(
    line: usize,
    destination: &str,
    nationality: &str,
    fields: Vec<(&str, &str)>,
) -> ImportProblem {
    ImportProblem {
        line,
        destination: destination.chars().take(20).collect(),
        nationality: nationality.chars().take(20).collect(),
        reason: "invalid_input".into(),
        fields: fields
            .into_iter()
            .map(|(f, c)| (f.to_string(), c.to_string()))
            .collect(),
    }
}

impl App {
    /// The row in force on `date` (today when absent) for a nationality entering a
    /// destination. No row: 404.
    pub async fn visa_lookup(
        &self,
        ctx: &Ctx,
        destination_code: &str,
        nationality_code: &str,
        date: Option<&str>,
    ) -> AppResult<VisaRow> {
        let mut errs = Invalid::default();
        let d = destination("destination", destination_code)
            .map_err(|e| errs.0.extend(e.0))
            .ok();
        let n = nationality("nationality", nationality_code)
            .map_err(|e| errs.0.extend(e.0))
            .ok();
        let now = self.now_ms();
        let date = date_field(&mut errs, "date", date, &today(now));
        errs.into_result()?;
        let (Some(d), Some(n)) = (d, n) else {
            return Err(AppError::NotFound);
        };
        let row = self.store.visa_in_force(d, n, &date).await?;
        // Reference data: one audit row per look-up, none per row returned.
        let mut tx = self.store.read().await?;
        let mut e = ctx.entry("visa.read", if row.is_some() { "ok" } else { "not_found" });
        e.object_kind = Some("visa".into());
        e.detail = Some(format!("{}/{n} date={date}", d.code()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        row.ok_or(AppError::NotFound)
    }

    /// A page of rows, and the cursor of the next page.
    pub async fn visa_list(
        &self,
        ctx: &Ctx,
        f: &VisaFilter,
    ) -> AppResult<(Vec<VisaRow>, Option<String>)> {
        let mut errs = Invalid::default();
        let dest = match f.destination.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => destination("destination", c)
                .map_err(|e| errs.0.extend(e.0))
                .ok(),
        };
        let nat = match f.nationality.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => nationality("nationality", c)
                .map_err(|e| errs.0.extend(e.0))
                .ok(),
        };
        let date = f
            .date
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| date_field(&mut errs, "date", Some(s), ""));
        let limit = f.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            errs.push("limit", "out_of_range");
        }
        let after = match f.cursor.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => {
                let parts: Vec<&str> = c.split('.').collect();
                let ok = matches!(parts.len(), 2 | 3)
                    && Country::parse(parts[0]).is_some()
                    && nations::parse(parts[1]).is_some()
                    && parts
                        .get(2)
                        .is_none_or(|e| parse_date(e).as_deref() == Some(*e));
                if ok {
                    Some((
                        parts[0].to_string(),
                        parts[1].to_string(),
                        parts.get(2).map(|s| s.to_string()),
                    ))
                } else {
                    errs.push("cursor", "bad_visa_cursor");
                    None
                }
            }
        };
        errs.into_result()?;
        let q = VisaQuery {
            destination: dest,
            nationality: nat.map(str::to_string),
            verified: f.verified,
            date: date.clone(),
            after,
            limit: limit + 1,
        };
        let mut rows = self.store.visa_list(&q).await?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| {
                if date.is_some() {
                    format!("{}.{}", r.destination.code(), r.nationality)
                } else {
                    format!("{}.{}.{}", r.destination.code(), r.nationality, r.effective)
                }
            })
        } else {
            None
        };
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut e = ctx.entry("visa.list", "ok");
        e.object_kind = Some("visa".into());
        e.detail = Some(format!("returned={}", rows.len()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok((rows, next))
    }

    /// Every version of a pair, newest first. A pair with no version at all: 404.
    pub async fn visa_history(
        &self,
        ctx: &Ctx,
        destination_code: &str,
        nationality_code: &str,
    ) -> AppResult<Vec<VisaRow>> {
        let (d, n) = pair(destination_code, nationality_code)?;
        let rows = self.store.visa_history(d, n, HISTORY_LIMIT).await?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut e = ctx.entry("visa.history", "ok");
        e.object_kind = Some("visa".into());
        e.detail = Some(format!("{}/{n}", d.code()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        if rows.is_empty() {
            return Err(AppError::NotFound);
        }
        Ok(rows)
    }

    /// The destination country sets a row (verified). A row of the same pair and date is
    /// replaced (its version kept in the history); other dates stay.
    pub async fn set_visa(
        &self,
        ctx: &Ctx,
        destination_code: &str,
        nationality_code: &str,
        input: &VisaInput,
    ) -> AppResult<VisaRow> {
        let (d, n) = pair(destination_code, nationality_code)?;
        if !policy::may_set_visas(&ctx.actor, d) {
            return Err(AppError::Forbidden);
        }
        let now = self.now_ms();
        let data = input.validate(&today(now))?;
        let mut tx = self.store.begin().await?;
        let id = write_version(&mut tx, ctx, d, n, &data, true, "set", now).await?;
        let id = match id {
            Some(id) => {
                tx.audit(
                    now,
                    entry(
                        ctx,
                        "visa.set",
                        &id,
                        &format!("{}/{n} effective={}", d.code(), data.effective),
                        d,
                    ),
                )
                .await?;
                id
            }
            None => {
                let mut e = entry(
                    ctx,
                    "visa.set",
                    "",
                    &format!("{}/{n} effective={} unchanged", d.code(), data.effective),
                    d,
                );
                e.object_id = None;
                tx.audit(now, e).await?;
                String::new()
            }
        };
        tx.commit().await?;
        self.current_at(d, n, &data.effective, &id).await
    }

    /// The destination country confirms proposed rows of a pair (`effective`: only that
    /// date's). Nothing proposed: 409 `nothing_to_confirm`.
    pub async fn confirm_visa(
        &self,
        ctx: &Ctx,
        destination_code: &str,
        nationality_code: &str,
        effective: Option<&str>,
    ) -> AppResult<VisaRow> {
        let (d, n) = pair(destination_code, nationality_code)?;
        let mut errs = Invalid::default();
        let effective = effective
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| date_field(&mut errs, "effective", Some(s), ""));
        errs.into_result()?;
        if !policy::may_set_visas(&ctx.actor, d) {
            return Err(AppError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let current = tx.visa_current(d, n).await?;
        if current.is_empty() {
            return Err(AppError::NotFound);
        }
        let mut last = None;
        for row in current
            .iter()
            .filter(|r| !r.verified && effective.as_ref().is_none_or(|e| *e == r.effective))
        {
            let data = VisaData {
                regime: row.regime.clone(),
                max_stay_days: row.max_stay_days,
                source_text: row.source_text.clone(),
                source_url: row.source_url.clone(),
                effective: row.effective.clone(),
                notes: row.notes.clone(),
            };
            if let Some(id) =
                write_version(&mut tx, ctx, d, n, &data, true, "confirmed", now).await?
            {
                tx.audit(
                    now,
                    entry(
                        ctx,
                        "visa.confirm",
                        &id,
                        &format!("{}/{n} effective={}", d.code(), row.effective),
                        d,
                    ),
                )
                .await?;
                last = Some((row.effective.clone(), id));
            }
        }
        let Some((eff, id)) = last else {
            return Err(AppError::Conflict("nothing_to_confirm"));
        };
        tx.commit().await?;
        self.current_at(d, n, &eff, &id).await
    }

    /// The destination country withdraws the row of a pair in force from `effective` (a
    /// wrong date, a proposal it rejects). The version stays in the history.
    pub async fn withdraw_visa(
        &self,
        ctx: &Ctx,
        destination_code: &str,
        nationality_code: &str,
        effective: &str,
    ) -> AppResult<()> {
        let (d, n) = pair(destination_code, nationality_code)?;
        let mut errs = Invalid::default();
        let effective = if effective.trim().is_empty() {
            errs.push("effective", "required");
            String::new()
        } else {
            date_field(&mut errs, "effective", Some(effective), "")
        };
        errs.into_result()?;
        if !policy::may_set_visas(&ctx.actor, d) {
            return Err(AppError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let current = tx.visa_current(d, n).await?;
        let row = current
            .into_iter()
            .find(|r| r.effective == effective)
            .ok_or(AppError::NotFound)?;
        tx.supersede_visa(&row.id, now).await?;
        let country = ctx.actor.country.map(|c| c.code());
        let id = tx
            .insert_visa(
                &NewVisa {
                    destination: d,
                    nationality: n,
                    effective: &row.effective,
                    regime: &row.regime,
                    max_stay_days: row.max_stay_days,
                    source_text: &row.source_text,
                    source_url: row.source_url.as_deref(),
                    notes: &row.notes,
                    verified: row.verified,
                    change: "withdrawn",
                    recorded_by: &ctx.actor.user_id,
                    recorded_by_country: country,
                },
                now,
                true,
            )
            .await?;
        tx.audit(
            now,
            entry(
                ctx,
                "visa.withdraw",
                &id,
                &format!("{}/{n} effective={effective}", d.code()),
                d,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Rows from a third-party list (the secretariat or any member). Rows for the caller's
    /// own country count as set by it (verified); others are proposals (`verified: false`)
    /// and never replace a row the destination set. One transaction; the report names
    /// every line skipped or rejected.
    pub async fn import_visas(
        &self,
        ctx: &Ctx,
        rows: Vec<(usize, ImportRow)>,
        mut rejected: Vec<ImportProblem>,
    ) -> AppResult<ImportReport> {
        if !policy::may_propose_visas(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        if rows.len() + rejected.len() > MAX_IMPORT_ROWS {
            return Err(Invalid::one("body", "too_many_rows").into());
        }
        let now = self.now_ms();
        let day = today(now);
        let mut report = ImportReport::default();
        let mut tx = self.store.begin().await?;
        let mut proposed: std::collections::BTreeMap<Country, usize> = Default::default();
        for (line, r) in rows {
            let mut errs = Invalid::default();
            let d = destination("destination", &r.destination)
                .map_err(|e| errs.0.extend(e.0))
                .ok();
            let n = nationality("nationality", &r.nationality)
                .map_err(|e| errs.0.extend(e.0))
                .ok();
            let data = r.input.validate(&day).map_err(|e| errs.0.extend(e.0)).ok();
            let (Some(d), Some(n), Some(data)) = (d, n, data) else {
                rejected.push(problem(
                    line,
                    &r.destination,
                    &r.nationality,
                    errs.0.iter().map(|e| (e.field, e.code)).collect(),
                ));
                continue;
            };
            let own = policy::may_set_visas(&ctx.actor, d);
            if !own {
                let current = tx.visa_current(d, n).await?;
                if current
                    .iter()
                    .any(|c| c.effective == data.effective && c.verified)
                {
                    report.skipped.push(ImportProblem {
                        reason: "destination_row_wins".into(),
                        fields: vec![],
                        ..problem(line, d.code(), n, vec![])
                    });
                    continue;
                }
            }
            let change = if own { "set" } else { "proposed" };
            match write_version(&mut tx, ctx, d, n, &data, own, change, now).await? {
                Some(id) => {
                    tx.audit(
                        now,
                        entry(
                            ctx,
                            if own { "visa.set" } else { "visa.propose" },
                            &id,
                            &format!("{}/{n} effective={} import", d.code(), data.effective),
                            d,
                        ),
                    )
                    .await?;
                    report.accepted += 1;
                    if !own {
                        *proposed.entry(d).or_default() += 1;
                    }
                }
                None => report.skipped.push(ImportProblem {
                    reason: "unchanged".into(),
                    ..problem(line, d.code(), n, vec![])
                }),
            }
        }
        let mut e = ctx.entry("visa.import", "ok");
        e.object_kind = Some("visa".into());
        e.detail = Some(format!(
            "accepted={} skipped={} rejected={}",
            report.accepted,
            report.skipped.len(),
            rejected.len()
        ));
        tx.audit(now, e).await?;
        // The destination countries hear of proposals awaiting their confirmation.
        let mut out = Outbox::default();
        for (d, count) in proposed {
            let users = tx
                .users_with_roles(d, &["officer", "admin", "approver"])
                .await?;
            out.notify(
                &mut tx,
                &users,
                "visa_proposed",
                &bilingual(
                    &format!("Filas de visados propuestas por confirmar: {count}"),
                    &format!("Proposed visa rows awaiting confirmation: {count}"),
                ),
                &format!("/visas/{}", d.code()),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.publish(out);
        rejected.sort_by_key(|p| p.line);
        report.rejected = rejected;
        Ok(report)
    }

    /// The version just written, or (nothing changed) the current one of that date.
    async fn current_at(
        &self,
        d: Country,
        n: &str,
        effective: &str,
        id: &str,
    ) -> AppResult<VisaRow> {
        let rows = self.store.visa_history(d, n, HISTORY_LIMIT).await?;
        rows.iter()
            .find(|r| r.id == id)
            .or_else(|| {
                rows.iter()
                    .find(|r| r.superseded_at.is_none() && r.effective == effective)
            })
            .cloned()
            .ok_or(AppError::NotFound)
    }

    /// Demo rows (fictional but plausible) for several destinations, all citing
    /// "Datos de demostración".
    pub(crate) async fn seed_demo_visas(
        &self,
        tx: &mut enlace_store::Tx,
        by: &str,
        now: i64,
    ) -> AppResult<()> {
        const ROWS: &[(&str, &str, &str, Option<i64>, &str)] = &[
            ("mx", "ht", "visa_required", None, "2021-01-21"),
            ("mx", "gt", "visa_free", Some(180), "2019-01-01"),
            ("mx", "co", "visa_free", Some(180), "2019-01-01"),
            ("mx", "ve", "visa_required", None, "2022-01-21"),
            ("mx", "ve", "visa_free", Some(180), "2015-01-01"),
            (
                "mx",
                "in",
                "electronic_authorisation",
                Some(180),
                "2020-06-01",
            ),
            ("gt", "ht", "visa_required", None, "2018-03-01"),
            ("gt", "sv", "visa_free", Some(90), "2006-06-01"),
            ("gt", "cu", "visa_required", None, "2019-01-01"),
            ("cr", "ni", "visa_required", None, "2016-08-01"),
            ("cr", "us", "visa_free", Some(180), "2019-06-01"),
            ("pa", "ve", "visa_required", None, "2017-10-01"),
            ("pa", "in", "visa_on_arrival", Some(30), "2020-01-01"),
            ("ni", "cu", "visa_free", Some(90), "2021-11-22"),
            ("hn", "ht", "visa_required", None, "2019-05-01"),
            ("do", "ht", "visa_required", None, "2018-01-01"),
            ("bz", "gt", "visa_free", Some(30), "2012-01-01"),
            (
                "ca",
                "mx",
                "electronic_authorisation",
                Some(180),
                "2023-06-06",
            ),
            ("us", "cu", "visa_required", None, "2017-01-12"),
        ];
        for (d, n, regime, stay, effective) in ROWS {
            let Some(dest) = Country::parse(d) else {
                continue;
            };
            tx.insert_visa(
                &NewVisa {
                    destination: dest,
                    nationality: n,
                    effective,
                    regime,
                    max_stay_days: *stay,
                    source_text: DEMO_SOURCE,
                    source_url: None,
                    notes: "",
                    verified: true,
                    change: "set",
                    recorded_by: by,
                    recorded_by_country: Some(d),
                },
                now,
                false,
            )
            .await?;
        }
        // One proposal from a third-party list awaiting Mexico's confirmation.
        tx.insert_visa(
            &NewVisa {
                destination: Country::parse("mx").ok_or(AppError::Internal("mx".into()))?,
                nationality: "br",
                effective: "2025-01-01",
                regime: "electronic_authorisation",
                max_stay_days: Some(180),
                source_text: DEMO_SOURCE,
                source_url: None,
                notes: "",
                verified: false,
                change: "proposed",
                recorded_by: by,
                recorded_by_country: None,
            },
            now,
            false,
        )
        .await?;
        Ok(())
    }
}

fn pair(destination_code: &str, nationality_code: &str) -> AppResult<(Country, &'static str)> {
    let mut errs = Invalid::default();
    let d = destination("destination", destination_code)
        .map_err(|e| errs.0.extend(e.0))
        .ok();
    let n = nationality("nationality", nationality_code)
        .map_err(|e| errs.0.extend(e.0))
        .ok();
    errs.into_result()?;
    match (d, n) {
        (Some(d), Some(n)) => Ok((d, n)),
        _ => Err(AppError::NotFound),
    }
}

/// Writes a version of (d, n, effective) over the current one of that date, if it
/// differs. Returns the new version's id, or `None` when nothing changed.
#[allow(clippy::too_many_arguments)]
async fn write_version(
    tx: &mut enlace_store::Tx,
    ctx: &Ctx,
    d: Country,
    n: &str,
    data: &VisaData,
    verified: bool,
    change: &str,
    now: i64,
) -> AppResult<Option<String>> {
    let current = tx.visa_current(d, n).await?;
    if let Some(old) = current.iter().find(|r| r.effective == data.effective) {
        let same = old.regime == data.regime
            && old.max_stay_days == data.max_stay_days
            && old.source_text == data.source_text
            && old.source_url == data.source_url
            && old.notes == data.notes
            && old.verified == verified;
        if same {
            return Ok(None);
        }
        tx.supersede_visa(&old.id, now).await?;
    }
    let id = tx
        .insert_visa(
            &NewVisa {
                destination: d,
                nationality: n,
                effective: &data.effective,
                regime: &data.regime,
                max_stay_days: data.max_stay_days,
                source_text: &data.source_text,
                source_url: data.source_url.as_deref(),
                notes: &data.notes,
                verified,
                change,
                recorded_by: &ctx.actor.user_id,
                recorded_by_country: ctx.actor.country.map(|c| c.code()),
            },
            now,
            false,
        )
        .await?;
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_real_calendar_dates() {
        assert_eq!(parse_date("2024-02-29").as_deref(), Some("2024-02-29"));
        assert_eq!(
            parse_date("2024-03-01T10:00:00Z").as_deref(),
            Some("2024-03-01")
        );
        for bad in [
            "2023-02-29",
            "2023-13-01",
            "01/02/2023",
            "2023-1-1",
            "",
            "1800-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn rows_name_their_bad_fields() {
        let bad = VisaInput {
            regime: "visa_free".into(),
            effective: Some("2023-02-30".into()),
            ..Default::default()
        };
        let e = bad.validate("2024-01-01").unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| (f.field, f.code)).collect();
        assert!(fields.contains(&("max_stay_days", "max_stay_required")));
        assert!(fields.contains(&("source", "required")));
        assert!(fields.contains(&("effective", "bad_date")));
        let ok = VisaInput {
            regime: "visa_required".into(),
            source: Some(SourceInput::Text("Ley de Migración, art. 37".into())),
            ..Default::default()
        };
        assert_eq!(ok.validate("2024-01-01").unwrap().effective, "2024-01-01");
    }

    #[test]
    fn csv_imports_read_their_columns() {
        let (rows, bad) = parse_csv("destination,nationality,regime,max_stay_days,source,effective\nmx,ht,visa_required,,Lista X,2024-01-01\ngt,co,visa_free,abc,Lista X,2024-01-01\n").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 2);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 3);
        assert!(parse_csv("a,b\n1,2\n").is_err());
    }
}
