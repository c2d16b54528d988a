//! The comparative legislation matrix (PRODUCT.md §7): each member country answers a fixed
//! set of questions drawn from the UN Smuggling of Migrants Protocol, citing its national
//! law. Each country answers only for itself; every change is kept as a version with what
//! changed; all members read all answers (legislation is shared among members), and each
//! read of another country's answers reaches that country's audit. Answers not changed or
//! confirmed for 12 months are stale and their country is reminded once per answer.
//!
//! Compliance = (yes + ½ partial) / applicable questions, where `not_applicable` answers
//! leave the denominator and unanswered questions stay in it (counted as not yes): a
//! country that has not answered does not look compliant.
use crate::live::{bilingual, Outbox};
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::clock::{format_utc, parse_utc};
use enlace_domain::policy::{may_answer_legislation, may_edit_legislation_questions};
use enlace_domain::validate::{self, Invalid};
use enlace_domain::Country;
use enlace_store::legislation::{AnswerRow, QuestionRow, VersionRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod export;
pub use export::legislation_csv;

pub const ANSWERS: [&str; 4] = ["yes", "partial", "no", "not_applicable"];
/// An answer not changed or confirmed for this long is stale (12 months).
pub const STALE_AFTER_MS: i64 = 365 * 24 * 3600 * 1000;
/// Versions per page.
pub const VERSIONS_PAGE: i64 = 50;

/// The national law an answer rests on.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Citation {
    /// The law, decree or treaty (e.g. "Ley de Migración, Decreto 44-2016").
    #[serde(default)]
    pub instrument: String,
    /// Its article or section.
    #[serde(default)]
    pub article: String,
    /// In force since (YYYY-MM-DD); for the ratification question, the date of ratification.
    #[serde(default)]
    pub in_force: Option<String>,
    /// Where the text is published (http or https).
    #[serde(default)]
    pub url: Option<String>,
}

/// An answer as a country gives it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnswerInput {
    pub answer: String,
    pub citation: Option<Citation>,
    pub excerpt: String,
}

/// A checked answer.
#[derive(Debug, Clone, PartialEq)]
struct Checked {
    answer: String,
    citation: Option<Citation>,
    excerpt: String,
}

/// A `YYYY-MM-DD` that is a real calendar date.
fn is_date(s: &str) -> bool {
    s.len() == 10 && parse_utc(s).is_some_and(|ms| format_utc(ms).get(..10) == Some(s))
}

/// A trimmed text; a value over `max` characters is refused before trimming too, so the
/// API's documented length holds for what is sent.
fn text(errs: &mut Invalid, field: &'static str, v: &str, required: bool, max: usize) -> String {
    if v.chars().count() > max {
        errs.push(field, "too_long");
        return String::new();
    }
    validate::text(errs, field, v, required, max)
}

impl AnswerInput {
    fn validate(&self) -> Result<Checked, Invalid> {
        let mut errs = Invalid::default();
        let answer = self.answer.clone();
        if !ANSWERS.contains(&answer.as_str()) {
            errs.push("answer", "bad_answer");
        }
        // A citation, once given, names at least the instrument and its article.
        let citation = self.citation.as_ref().map(|c| {
            let instrument = text(&mut errs, "citation_instrument", &c.instrument, true, 300);
            let article = text(&mut errs, "citation_article", &c.article, true, 100);
            // Dates and links are taken as sent (the pages trim them): a stray space is an error.
            let in_force = c.in_force.clone().unwrap_or_default();
            let url = text(
                &mut errs,
                "citation_url",
                c.url.as_deref().unwrap_or(""),
                false,
                500,
            );
            if !in_force.is_empty() && !is_date(&in_force) {
                errs.push("citation_in_force", "bad_date");
            }
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            let raw_url = c.url.as_deref().unwrap_or("");
            if !url.is_empty()
                && (raw_url.len() != url.len()
                    || rest.is_none_or(|r| {
                        r.is_empty() || r.chars().any(|c| c.is_whitespace() || c.is_control())
                    }))
            {
                errs.push("citation_url", "bad_url");
            }
            Citation {
                instrument,
                article,
                in_force: Some(in_force).filter(|s| !s.is_empty()),
                url: Some(url).filter(|s| !s.is_empty()),
            }
        });
        if matches!(answer.as_str(), "yes" | "partial") && citation.is_none() {
            errs.push("citation", "citation_required");
        }
        let excerpt = text(&mut errs, "excerpt", &self.excerpt, false, 4000);
        errs.into_result()?;
        Ok(Checked {
            answer,
            citation,
            excerpt,
        })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Question {
    pub code: String,
    pub article: String,
    pub text_es: String,
    pub text_en: String,
}

impl Question {
    pub fn text(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.text_en
        } else {
            &self.text_es
        }
    }
}

impl From<QuestionRow> for Question {
    fn from(r: QuestionRow) -> Self {
        Question {
            code: r.code,
            article: r.article,
            text_es: r.text_es,
            text_en: r.text_en,
        }
    }
}

/// A country's current answer to one question.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Answer {
    pub country: Country,
    pub question: String,
    pub answer: String,
    pub citation: Option<Citation>,
    pub excerpt: String,
    pub version: i64,
    pub updated_at: i64,
    /// Not changed or confirmed for 12 months.
    pub stale: bool,
}

/// One field that changed between two versions (`None`: empty).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Change {
    /// `answer`, `instrument`, `article`, `in_force`, `url` or `excerpt`.
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One version of an answer, with what changed from the one before (none: confirmed as it was).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Version {
    pub version: i64,
    pub answer: String,
    pub citation: Option<Citation>,
    pub excerpt: String,
    pub at: i64,
    pub by: String,
    pub changes: Vec<Change>,
}

/// The comparison of chosen countries.
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    pub questions: Vec<Question>,
    pub countries: Vec<Country>,
    /// Country code → question code → answer (unanswered questions are absent).
    pub answers: BTreeMap<String, BTreeMap<String, Answer>>,
    /// Country code → compliance share (None: no applicable question).
    pub compliance: BTreeMap<String, Option<f64>>,
    /// Question code → compliance share over the chosen countries.
    pub by_question: BTreeMap<String, Option<f64>>,
}

impl Matrix {
    pub fn answer(&self, country: &str, question: &str) -> Option<&Answer> {
        self.answers.get(country).and_then(|m| m.get(question))
    }
    pub fn country_share(&self, country: &str) -> Option<f64> {
        self.compliance.get(country).copied().flatten()
    }
    pub fn question_share(&self, question: &str) -> Option<f64> {
        self.by_question.get(question).copied().flatten()
    }
}

/// (yes + ½ partial) / applicable, over a list of answers (None: unanswered, which stays in
/// the denominator); None when nothing is applicable. Rounded to 4 decimals.
pub fn share<'a>(answers: impl IntoIterator<Item = Option<&'a str>>) -> Option<f64> {
    let (mut points, mut applicable) = (0.0f64, 0u32);
    for a in answers {
        match a {
            Some("not_applicable") => continue,
            Some("yes") => points += 1.0,
            Some("partial") => points += 0.5,
            _ => {}
        }
        applicable += 1;
    }
    (applicable > 0).then(|| (points / f64::from(applicable) * 10_000.0).round() / 10_000.0)
}

/// A share as a whole percentage for pages ("—" when there is none).
pub fn percent(s: Option<f64>) -> String {
    s.map(|v| format!("{:.0} %", v * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// `gt,mx` → countries, in the order given, without repeats; empty means none chosen.
/// Codes are lower case and separated by commas only, as the API documents.
pub fn parse_countries(s: &str) -> Result<Vec<Country>, Invalid> {
    let mut out: Vec<Country> = vec![];
    if s.is_empty() {
        return Ok(out);
    }
    for part in s.split(',') {
        let c = Country::parse(part)
            .filter(|c| c.code() == part)
            .ok_or(Invalid::one("countries", "bad_country"))?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

fn parse_citation(s: &Option<String>) -> Option<Citation> {
    s.as_deref().and_then(|j| serde_json::from_str(j).ok())
}

fn fields(a: &Checked) -> [(&'static str, Option<String>); 6] {
    let c = a.citation.clone().unwrap_or_default();
    let some = |s: String| Some(s).filter(|s| !s.is_empty());
    [
        ("answer", some(a.answer.clone())),
        ("instrument", some(c.instrument)),
        ("article", some(c.article)),
        ("in_force", c.in_force),
        ("url", c.url),
        ("excerpt", some(a.excerpt.clone())),
    ]
}

/// What changed from `old` (None: nothing before) to `new`.
fn diff(old: Option<&Checked>, new: &Checked) -> Vec<Change> {
    let before = old.map(fields);
    fields(new)
        .into_iter()
        .enumerate()
        .filter_map(|(i, (field, to))| {
            let from = before.as_ref().and_then(|b| b[i].1.clone());
            (from != to).then(|| Change {
                field: field.to_string(),
                from,
                to,
            })
        })
        .collect()
}

fn checked_of(r: &AnswerRow) -> Checked {
    Checked {
        answer: r.answer.clone(),
        citation: parse_citation(&r.citation),
        excerpt: r.excerpt.clone(),
    }
}

fn version_of(r: VersionRow) -> Version {
    Version {
        version: r.version,
        citation: parse_citation(&r.citation),
        changes: serde_json::from_str(&r.changes).unwrap_or_default(),
        answer: r.answer,
        excerpt: r.excerpt,
        at: r.at,
        by: r.by_username,
    }
}

fn leg_entry(
    ctx: &Ctx,
    action: &str,
    id: String,
    country: Country,
) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("legislation_answer".into());
    e.object_id = Some(id);
    e.object_country = Some(country.code().to_string());
    e
}

/// Writes a checked answer as a new version inside `tx`.
async fn write(
    tx: &mut enlace_store::Tx,
    country: Country,
    question: &str,
    a: &Checked,
    by: (&str, &str),
    now: i64,
) -> AppResult<AnswerRow> {
    let old = tx.legislation_answer(country, question).await?;
    let changes = diff(old.as_ref().map(checked_of).as_ref(), a);
    let row = AnswerRow {
        country,
        question: question.to_string(),
        answer: a.answer.clone(),
        citation: a
            .citation
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| AppError::Internal(e.to_string()))?,
        excerpt: a.excerpt.clone(),
        version: old.map_or(1, |o| o.version + 1),
        updated_by: by.0.to_string(),
        updated_at: now,
    };
    let changes = serde_json::to_string(&changes).map_err(|e| AppError::Internal(e.to_string()))?;
    tx.put_legislation_answer(&row, &changes, by.1).await?;
    Ok(row)
}

impl App {
    fn answer_view(&self, r: AnswerRow) -> Answer {
        let now = self.now_ms();
        Answer {
            stale: now - r.updated_at > STALE_AFTER_MS,
            citation: parse_citation(&r.citation),
            country: r.country,
            question: r.question,
            answer: r.answer,
            excerpt: r.excerpt,
            version: r.version,
            updated_at: r.updated_at,
        }
    }

    /// The question set, in the Protocol's order.
    pub async fn legislation_questions(&self, ctx: &Ctx) -> AppResult<Vec<Question>> {
        let mut tx = self.store.read().await?;
        let qs = tx.legislation_questions().await?;
        let mut e = ctx.entry("legislation.questions", "ok");
        e.object_kind = Some("legislation_question".into());
        tx.audit(self.now_ms(), e).await?;
        tx.commit().await?;
        Ok(qs.into_iter().map(Question::from).collect())
    }

    /// The secretariat rewords a question (both languages).
    pub async fn edit_legislation_question(
        &self,
        ctx: &Ctx,
        code: &str,
        text_es: &str,
        text_en: &str,
    ) -> AppResult<Question> {
        if !may_edit_legislation_questions(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let mut errs = Invalid::default();
        let es = text(&mut errs, "text_es", text_es, true, 1000);
        let en = text(&mut errs, "text_en", text_en, true, 1000);
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let q = tx
            .legislation_question(code)
            .await?
            .ok_or(AppError::NotFound)?;
        errs.into_result()?;
        tx.set_legislation_question_text(code, &es, &en, now)
            .await?;
        let mut e = ctx.entry("legislation.question_edit", "ok");
        e.object_kind = Some("legislation_question".into());
        e.object_id = Some(q.code.clone());
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(Question {
            text_es: es,
            text_en: en,
            ..Question::from(q)
        })
    }

    /// The member countries (those the secretariat keeps active).
    pub async fn legislation_members(&self) -> AppResult<Vec<Country>> {
        Ok(self
            .store
            .countries()
            .await?
            .into_iter()
            .filter(|c| c.active)
            .filter_map(|c| Country::parse(&c.code))
            .collect())
    }

    /// The answers of `countries` (all member countries when empty) with their compliance
    /// shares. Every member's users read every member's answers; the read of each other
    /// country's answers reaches that country's audit.
    pub async fn legislation_matrix(&self, ctx: &Ctx, countries: &[Country]) -> AppResult<Matrix> {
        let countries = if countries.is_empty() {
            self.legislation_members().await?
        } else {
            countries.to_vec()
        };
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let questions: Vec<Question> = tx
            .legislation_questions()
            .await?
            .into_iter()
            .map(Question::from)
            .collect();
        let rows = tx.legislation_answers(&countries).await?;
        let mut m = Matrix {
            countries: countries.clone(),
            ..Default::default()
        };
        for c in &countries {
            m.answers.insert(c.code().to_string(), BTreeMap::new());
        }
        for r in rows {
            let a = self.answer_view(r);
            if let Some(map) = m.answers.get_mut(a.country.code()) {
                map.insert(a.question.clone(), a);
            }
        }
        for c in &countries {
            let s = share(
                questions
                    .iter()
                    .map(|q| m.answer(c.code(), &q.code).map(|a| a.answer.as_str())),
            );
            m.compliance.insert(c.code().to_string(), s);
        }
        for q in &questions {
            let s = share(
                countries
                    .iter()
                    .map(|c| m.answer(c.code(), &q.code).map(|a| a.answer.as_str())),
            );
            m.by_question.insert(q.code.clone(), s);
        }
        m.questions = questions;
        let mut e = ctx.entry("legislation.read", "ok");
        e.object_kind = Some("legislation_answers".into());
        e.detail = Some(format!(
            "countries={}",
            countries
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(",")
        ));
        tx.audit(now, e).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "legislation.read",
            "legislation_answers",
            countries
                .iter()
                .map(|c| (format!("legislation/{}", c.code()), *c, false))
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    /// A country answers one question (any of its users; nobody else).
    pub async fn answer_legislation(
        &self,
        ctx: &Ctx,
        country: Country,
        question: &str,
        input: &AnswerInput,
    ) -> AppResult<Answer> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.legislation_question(question)
            .await?
            .ok_or(AppError::NotFound)?;
        if !may_answer_legislation(&ctx.actor, country) {
            return Err(AppError::Forbidden);
        }
        let checked = input.validate()?;
        let row = write(
            &mut tx,
            country,
            question,
            &checked,
            (&ctx.actor.user_id, &ctx.actor.username),
            now,
        )
        .await?;
        let mut e = leg_entry(
            ctx,
            "legislation.answer",
            format!("{}/{question}", country.code()),
            country,
        );
        e.detail = Some(format!("version={} answer={}", row.version, row.answer));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(self.answer_view(row))
    }

    /// The versions of one answer, newest first, from before version `cursor` when given;
    /// the second value is the cursor of the next page.
    pub async fn legislation_versions(
        &self,
        ctx: &Ctx,
        country: Country,
        question: &str,
        cursor: Option<i64>,
    ) -> AppResult<(Vec<Version>, Option<i64>)> {
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        tx.legislation_question(question)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut rows = tx
            .legislation_versions(country, question, cursor, VERSIONS_PAGE + 1)
            .await?;
        let more = rows.len() as i64 > VERSIONS_PAGE;
        rows.truncate(VERSIONS_PAGE as usize);
        let next = if more {
            rows.last().map(|r| r.version)
        } else {
            None
        };
        tx.audit(
            now,
            leg_entry(
                ctx,
                "legislation.versions",
                format!("{}/{question}", country.code()),
                country,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok((rows.into_iter().map(version_of).collect(), next))
    }

    /// Periodic reminders: each answer that turned stale is reminded once (per version) to
    /// its country's users, one notification per country and run.
    pub async fn run_legislation_reminders(&self) -> AppResult<usize> {
        let now = self.now_ms();
        let stale = self.store.legislation_stale(now - STALE_AFTER_MS).await?;
        if stale.is_empty() {
            return Ok(0);
        }
        let mut tx = self.store.begin().await?;
        let mut fresh: BTreeMap<&'static str, (Country, usize)> = BTreeMap::new();
        for r in &stale {
            let key = format!(
                "legislation_stale:{}:{}:{}",
                r.country.code(),
                r.question,
                r.version
            );
            if tx.remind_once(&key, now).await? {
                fresh.entry(r.country.code()).or_insert((r.country, 0)).1 += 1;
            }
        }
        let mut out = Outbox::default();
        let mut sent = 0;
        for (code, (country, n)) in fresh {
            let users = tx
                .users_with_roles(
                    country,
                    &["officer", "prosecutor", "analyst", "approver", "admin"],
                )
                .await?;
            out.notify(
                &mut tx,
                &users,
                "legislation_stale",
                &bilingual(
                    &format!("Matriz de legislación: {n} respuesta(s) sin actualizar desde hace 12 meses"),
                    &format!("Legislation matrix: {n} answer(s) not updated for 12 months"),
                ),
                &format!("/legislation/{code}"),
                now,
            )
            .await?;
            sent += users.len();
        }
        tx.commit().await?;
        self.publish(out);
        Ok(sent)
    }

    /// A few fictional answers for four countries (one set more than 12 months old, so the
    /// stale flag and its reminder show).
    pub(crate) async fn seed_demo_legislation(&self) -> AppResult<()> {
        const DEMO: &[(&str, &str, i64)] = &[
            ("gt", "Ley de Migración (ficticia, demo)", 0),
            (
                "mx",
                "Ley de Migración y Código Penal Federal (ficticios, demo)",
                30,
            ),
            (
                "cr",
                "Ley General de Migración y Extranjería (ficticia, demo)",
                90,
            ),
            ("sv", "Ley Especial de Migración (ficticia, demo)", 400),
        ];
        // Answers by question position: one pattern per country, all fictional.
        const PATTERNS: [&str; 4] = [
            "yyyyyyypyypyyppy yyyypyy",
            "yypyyyyyyyyyppppyyyy yy",
            "yyyyyyyyyypnyyyyyyyyy y",
            "ypnyypyyypnnpppn yppp n",
        ];
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let questions = tx.legislation_questions().await?;
        for (i, (code, instrument, days_ago)) in DEMO.iter().enumerate() {
            let Some(country) = Country::parse(code) else {
                continue;
            };
            let at = now - days_ago * 24 * 3600 * 1000;
            for (j, q) in questions.iter().enumerate() {
                let answer = match PATTERNS[i].as_bytes().get(j) {
                    Some(b'y') => "yes",
                    Some(b'p') => "partial",
                    Some(b'n') => "no",
                    _ => continue,
                };
                let cited = answer != "no";
                let a = Checked {
                    answer: answer.into(),
                    citation: cited.then(|| Citation {
                        instrument: instrument.to_string(),
                        article: format!("{}", 100 + j * 3),
                        in_force: Some(format!("20{:02}-0{}-15", 10 + j % 12, 1 + i)),
                        url: None,
                    }),
                    excerpt: if cited {
                        format!("Texto de ejemplo ficticio para la pregunta {}.", q.article)
                    } else {
                        String::new()
                    },
                };
                write(&mut tx, country, &q.code, &a, ("demo", "demo"), at).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_counts_partial_as_half_and_leaves_out_not_applicable() {
        assert_eq!(
            share([
                Some("yes"),
                Some("partial"),
                Some("no"),
                Some("not_applicable")
            ]),
            Some(0.5)
        );
        assert_eq!(
            share([Some("yes"), None]),
            Some(0.5),
            "unanswered counts as not yes"
        );
        assert_eq!(share([Some("not_applicable")]), None);
        assert_eq!(
            share([Some("yes"), Some("yes"), Some("partial")]),
            Some(0.8333)
        );
    }

    #[test]
    fn citations_are_required_for_yes_and_partial() {
        let mut a = AnswerInput {
            answer: "partial".into(),
            ..Default::default()
        };
        assert_eq!(
            a.validate().unwrap_err(),
            Invalid::one("citation", "citation_required")
        );
        a.citation = Some(Citation {
            instrument: "Ley".into(),
            ..Default::default()
        });
        assert_eq!(
            a.validate().unwrap_err(),
            Invalid::one("citation_article", "required")
        );
        a.answer = "no".into();
        a.citation = None;
        assert_eq!(a.validate().unwrap().citation, None);
        a.citation = Some(Citation::default());
        assert_eq!(
            a.validate().unwrap_err().0.len(),
            2,
            "a citation names law and article"
        );
        a.citation = Some(Citation {
            instrument: "Ley".into(),
            article: "5".into(),
            in_force: Some("2023-02-30".into()),
            url: Some("javascript:alert(1)".into()),
        });
        let e = a.validate().unwrap_err();
        assert!(e.0.iter().any(|f| f.field == "citation_in_force"));
        assert!(e.0.iter().any(|f| f.field == "citation_url"));
    }

    #[test]
    fn diff_names_what_changed() {
        let a = Checked {
            answer: "no".into(),
            citation: None,
            excerpt: String::new(),
        };
        let b = Checked {
            answer: "yes".into(),
            citation: Some(Citation {
                instrument: "Ley".into(),
                article: "5".into(),
                in_force: None,
                url: None,
            }),
            excerpt: String::new(),
        };
        let d = diff(Some(&a), &b);
        assert_eq!(
            d.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
            ["answer", "instrument", "article"]
        );
        assert_eq!(d[0].from.as_deref(), Some("no"));
        assert!(diff(Some(&b), &b).is_empty());
    }
}
