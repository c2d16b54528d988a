//! The comparative legislation matrix: questions (seeded by migration 11, edited by the
//! secretariat), each country's current answer, and every version of each answer.
//! Legislation is shared among all members, so these reads need no visibility predicate;
//! the use cases audit them.
use crate::db::{parse_countries, Store, Tx, Q};
use enlace_domain::Country;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRow {
    pub code: String,
    pub position: i64,
    pub article: String,
    pub text_es: String,
    pub text_en: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    pub country: Country,
    pub question: String,
    /// `yes`, `partial`, `no` or `not_applicable`.
    pub answer: String,
    /// JSON of the citation, if any.
    pub citation: Option<String>,
    pub excerpt: String,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub country: Country,
    pub question: String,
    pub version: i64,
    pub answer: String,
    pub citation: Option<String>,
    pub excerpt: String,
    /// JSON list of `{"field","from","to"}`.
    pub changes: String,
    pub by_username: String,
    pub at: i64,
}

const QCOLS: &str = "code, position, article, text_es, text_en";
const ACOLS: &str = "country, question, answer, citation, excerpt, version, updated_by, updated_at";
const VCOLS: &str =
    "country, question, version, answer, citation, excerpt, changes, by_username, at";

fn country_of(r: &AnyRow) -> crate::Result<Country> {
    let c: String = r.try_get("country")?;
    Ok(parse_countries(&[c], "legislation")?[0])
}

fn question(r: &AnyRow) -> crate::Result<QuestionRow> {
    Ok(QuestionRow {
        code: r.try_get("code")?,
        position: r.try_get("position")?,
        article: r.try_get("article")?,
        text_es: r.try_get("text_es")?,
        text_en: r.try_get("text_en")?,
    })
}

fn answer(r: &AnyRow) -> crate::Result<AnswerRow> {
    Ok(AnswerRow {
        country: country_of(r)?,
        question: r.try_get("question")?,
        answer: r.try_get("answer")?,
        citation: r.try_get("citation")?,
        excerpt: r.try_get("excerpt")?,
        version: r.try_get("version")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn version(r: &AnyRow) -> crate::Result<VersionRow> {
    Ok(VersionRow {
        country: country_of(r)?,
        question: r.try_get("question")?,
        version: r.try_get("version")?,
        answer: r.try_get("answer")?,
        citation: r.try_get("citation")?,
        excerpt: r.try_get("excerpt")?,
        changes: r.try_get("changes")?,
        by_username: r.try_get("by_username")?,
        at: r.try_get("at")?,
    })
}

impl Tx {
    /// Every question, in the Protocol's order.
    pub async fn legislation_questions(&mut self) -> crate::Result<Vec<QuestionRow>> {
        self.fetch_all(&Q::new(&format!(
            "SELECT {QCOLS} FROM legislation_questions ORDER BY position, code"
        )))
        .await?
        .iter()
        .map(question)
        .collect()
    }

    pub async fn legislation_question(&mut self, code: &str) -> crate::Result<Option<QuestionRow>> {
        self.fetch_optional(
            &Q::new(&format!(
                "SELECT {QCOLS} FROM legislation_questions WHERE code = $1"
            ))
            .arg(code),
        )
        .await?
        .as_ref()
        .map(question)
        .transpose()
    }

    pub async fn set_legislation_question_text(
        &mut self,
        code: &str,
        text_es: &str,
        text_en: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE legislation_questions SET text_es = $1, text_en = $2, updated_at = $3 WHERE code = $4")
                .arg(text_es)
                .arg(text_en)
                .arg(now_ms)
                .arg(code),
        )
        .await?;
        Ok(())
    }

    /// The current answers of `countries` (all countries when empty).
    pub async fn legislation_answers(
        &mut self,
        countries: &[Country],
    ) -> crate::Result<Vec<AnswerRow>> {
        let mut q = Q::new(&format!("SELECT {ACOLS} FROM legislation_answers"));
        if !countries.is_empty() {
            q.push(" WHERE country IN (");
            q.bind_list(countries.iter().copied());
            q.push(")");
        }
        q.push(" ORDER BY country, question");
        self.fetch_all(&q).await?.iter().map(answer).collect()
    }

    pub async fn legislation_answer(
        &mut self,
        country: Country,
        question: &str,
    ) -> crate::Result<Option<AnswerRow>> {
        self.fetch_optional(
            &Q::new(&format!(
                "SELECT {ACOLS} FROM legislation_answers WHERE country = $1 AND question = $2"
            ))
            .arg(country)
            .arg(question),
        )
        .await?
        .as_ref()
        .map(answer)
        .transpose()
    }

    /// Writes the current answer (its `version` is the new version number) and keeps the
    /// version with what changed.
    pub async fn put_legislation_answer(
        &mut self,
        a: &AnswerRow,
        changes: &str,
        by_username: &str,
    ) -> crate::Result<()> {
        let q = if a.version == 1 {
            Q::new("INSERT INTO legislation_answers (answer, citation, excerpt, version, updated_by, updated_at, country, question) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        } else {
            Q::new("UPDATE legislation_answers SET answer = $1, citation = $2, excerpt = $3, version = $4, updated_by = $5, updated_at = $6 WHERE country = $7 AND question = $8")
        };
        self.execute(
            &q.arg(a.answer.as_str())
                .arg(a.citation.clone())
                .arg(a.excerpt.as_str())
                .arg(a.version)
                .arg(a.updated_by.as_str())
                .arg(a.updated_at)
                .arg(a.country)
                .arg(a.question.as_str()),
        )
        .await?;
        self.execute(
            &Q::new("INSERT INTO legislation_versions (country, question, version, answer, citation, excerpt, changes, by_user, by_username, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .arg(a.country)
                .arg(a.question.as_str())
                .arg(a.version)
                .arg(a.answer.as_str())
                .arg(a.citation.clone())
                .arg(a.excerpt.as_str())
                .arg(changes)
                .arg(a.updated_by.as_str())
                .arg(by_username)
                .arg(a.updated_at),
        )
        .await?;
        Ok(())
    }

    /// Versions of one answer, newest first, older than version `before` when given.
    pub async fn legislation_versions(
        &mut self,
        country: Country,
        question: &str,
        before: Option<i64>,
        limit: i64,
    ) -> crate::Result<Vec<VersionRow>> {
        let mut q = Q::new(&format!(
            "SELECT {VCOLS} FROM legislation_versions WHERE country = "
        ));
        q.bind(country).push(" AND question = ").bind(question);
        if let Some(b) = before {
            q.push(" AND version < ").bind(b);
        }
        q.push(" ORDER BY version DESC LIMIT ").bind(limit);
        self.fetch_all(&q).await?.iter().map(version).collect()
    }

    /// Sets when an answer was last changed. For tests and data corrections: the answer's
    /// versions keep their own times.
    pub async fn set_legislation_updated_at(
        &mut self,
        country: Country,
        question: &str,
        at: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE legislation_answers SET updated_at = $1 WHERE country = $2 AND question = $3")
                .arg(at)
                .arg(country)
                .arg(question),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// Answers last changed before `before` (stale), for the periodic reminders.
    pub async fn legislation_stale(&self, before: i64) -> crate::Result<Vec<AnswerRow>> {
        self.fetch_all(
            &Q::new(&format!(
                "SELECT {ACOLS} FROM legislation_answers WHERE updated_at < $1 ORDER BY country, question"
            ))
            .arg(before),
        )
        .await?
        .iter()
        .map(answer)
        .collect()
    }
}
