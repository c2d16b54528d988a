use crate::api::*;
use crate::extract::ApiCtx;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use enlace_app::legislation::{self as leg, Answer, AnswerInput, Citation, Matrix};
use enlace_app::AppError;
use enlace_domain::{Country, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// An answer to a question.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum LegislationAnswerKind {
    Yes,
    Partial,
    No,
    NotApplicable,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegislationQuestionText {
    pub es: String,
    pub en: String,
}

/// A question drawn from the UN Smuggling of Migrants Protocol.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegislationQuestionView {
    /// Stable code, e.g. `art6_1_a`.
    pub code: String,
    /// The Protocol's article, e.g. `6(1)(a)`.
    pub article: String,
    pub text: LegislationQuestionText,
}

pub(crate) fn question_json(q: &leg::Question) -> LegislationQuestionView {
    LegislationQuestionView {
        code: q.code.clone(),
        article: q.article.clone(),
        text: LegislationQuestionText {
            es: q.text_es.clone(),
            en: q.text_en.clone(),
        },
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegislationQuestionList {
    pub items: Vec<LegislationQuestionView>,
    /// Always null: the whole set fits one page.
    pub next: Option<String>,
}

/// The question set, in the Protocol's order.
#[utoipa::path(get, path = "/legislation/questions", tag = "legislation",
    responses((status = 200, body = LegislationQuestionList)))]
pub(crate) async fn questions(State(s): State<AppState>, a: ApiCtx) -> ApiResult {
    let qs = s
        .app
        .legislation_questions(&a.ctx)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(LegislationQuestionList {
        items: qs.iter().map(question_json).collect(),
        next: None,
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct LegislationQuestionTextBody {
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    es: String,
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    en: String,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct LegislationQuestionBody {
    text: LegislationQuestionTextBody,
}

/// Rewords a question in both languages (the secretariat).
#[utoipa::path(put, path = "/legislation/questions/{code}", tag = "legislation",
    params(("code" = String, Path, example = "art5_not_liable", description = "Question code")), request_body = LegislationQuestionBody,
    responses((status = 200, body = LegislationQuestionView)))]
pub(crate) async fn question_edit(
    State(s): State<AppState>,
    a: ApiCtx,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<LegislationQuestionBody>,
) -> ApiResult {
    let q = s
        .app
        .edit_legislation_question(&a.ctx, &code, &b.text.es, &b.text.en)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(question_json(&q)).into_response())
}

/// The national law an answer rests on.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LegislationCitationView {
    /// The law, decree or treaty.
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub instrument: String,
    /// Its article or section.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub article: String,
    /// In force since, `YYYY-MM-DD` (for the ratification question: the date of ratification);
    /// empty or null when not known.
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    #[serde(default)]
    pub in_force: Option<String>,
    /// Where the text is published; empty or null when it is not online.
    #[schema(
        max_length = 500,
        pattern = "^(https?://[^\\s\\u0000-\\u001F\\u007F-\\u009F]+)?$"
    )]
    #[serde(default)]
    pub url: Option<String>,
}

impl From<Citation> for LegislationCitationView {
    fn from(c: Citation) -> Self {
        LegislationCitationView {
            instrument: c.instrument,
            article: c.article,
            in_force: c.in_force,
            url: c.url,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct LegislationAnswerBody {
    #[schema(value_type = LegislationAnswerKind)]
    answer: String,
    /// Required for `yes` and `partial`.
    #[serde(default)]
    citation: Option<LegislationCitationView>,
    /// The relevant text of the law.
    #[schema(
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    excerpt: Option<String>,
}

/// A country's answer to one question.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegislationAnswerView {
    pub country: Country,
    pub question: String,
    #[schema(value_type = LegislationAnswerKind)]
    pub answer: String,
    pub citation: Option<LegislationCitationView>,
    pub excerpt: String,
    pub version: i64,
    pub updated_at: String,
    /// Not changed or confirmed for 12 months.
    pub stale: bool,
}

fn answer_json(a: &Answer) -> LegislationAnswerView {
    LegislationAnswerView {
        country: a.country,
        question: a.question.clone(),
        answer: a.answer.clone(),
        citation: a.citation.clone().map(LegislationCitationView::from),
        excerpt: a.excerpt.clone(),
        version: a.version,
        updated_at: ts(a.updated_at),
        stale: a.stale,
    }
}

/// A member country from the path; anything else does not exist.
pub(crate) fn path_country(c: &str) -> Result<Country, AppError> {
    Country::parse(c)
        .filter(|x| x.code() == c)
        .ok_or(AppError::NotFound)
}

/// Answers one question for the caller's own country (403 for another country's row).
/// Saving the same answer again confirms it (a new version with no changes; it is no
/// longer stale).
#[utoipa::path(put, path = "/legislation/{country}/{question}", tag = "legislation",
    params(("country" = String, Path, pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)$", example = "mx", description = "Member country code"), ("question" = String, Path, example = "art6_1_a", description = "Question code")), request_body = LegislationAnswerBody,
    responses((status = 200, body = LegislationAnswerView)))]
pub(crate) async fn answer_put(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((country, question)): Path<(String, String)>,
    ApiJson(b): ApiJson<LegislationAnswerBody>,
) -> ApiResult {
    let country = path_country(&country).map_err(|e| a.err(e))?;
    let input = AnswerInput {
        answer: b.answer,
        citation: b.citation.map(|c| Citation {
            instrument: c.instrument,
            article: c.article,
            in_force: c.in_force,
            url: c.url,
        }),
        excerpt: b.excerpt.unwrap_or_default(),
    };
    let ans = s
        .app
        .answer_legislation(&a.ctx, country, &question, &input)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(answer_json(&ans)).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegislationChangeView {
    /// `answer`, `instrument`, `article`, `in_force`, `url` or `excerpt`.
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One version of an answer and what changed from the version before (no changes: the
/// country confirmed it as it was).
#[derive(Debug, Serialize, ToSchema)]
pub struct LegislationVersionView {
    pub version: i64,
    #[schema(value_type = LegislationAnswerKind)]
    pub answer: String,
    pub citation: Option<LegislationCitationView>,
    pub excerpt: String,
    pub at: String,
    /// Who saved it.
    pub by: String,
    pub changes: Vec<LegislationChangeView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegislationVersionList {
    pub items: Vec<LegislationVersionView>,
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CursorQuery {
    /// From the `next` of the previous page.
    #[param(pattern = "^([1-9][0-9]{0,17})?$")]
    cursor: Option<String>,
}

pub(crate) fn parse_cursor(c: Option<&str>) -> Result<Option<i64>, AppError> {
    match c.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => Some(c)
            .filter(|c| c.len() <= 18 && c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse::<i64>().ok())
            .filter(|v| *v > 0)
            .map(Some)
            .ok_or(AppError::Invalid(Invalid::one("cursor", "out_of_range"))),
    }
}

/// Every version of one answer, newest first, with what changed.
#[utoipa::path(get, path = "/legislation/{country}/{question}/versions", tag = "legislation",
    params(("country" = String, Path, pattern = "^(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)$", example = "mx", description = "Member country code"), ("question" = String, Path, example = "art6_1_a", description = "Question code"), CursorQuery),
    responses((status = 200, body = LegislationVersionList)))]
pub(crate) async fn versions(
    State(s): State<AppState>,
    a: ApiCtx,
    Path((country, question)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<CursorQuery>,
) -> ApiResult {
    let country = path_country(&country).map_err(|e| a.err(e))?;
    let cursor = parse_cursor(q.cursor.as_deref()).map_err(|e| a.err(e))?;
    let (items, next) = s
        .app
        .legislation_versions(&a.ctx, country, &question, cursor)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(LegislationVersionList {
        items: items
            .into_iter()
            .map(|v| LegislationVersionView {
                version: v.version,
                answer: v.answer,
                citation: v.citation.map(LegislationCitationView::from),
                excerpt: v.excerpt,
                at: ts(v.at),
                by: v.by,
                changes: v
                    .changes
                    .into_iter()
                    .map(|c| LegislationChangeView {
                        field: c.field,
                        from: c.from,
                        to: c.to,
                    })
                    .collect(),
            })
            .collect(),
        next: next.map(|n| n.to_string()),
    })
    .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegislationCellView {
    #[schema(value_type = LegislationAnswerKind)]
    pub answer: String,
    pub citation: Option<LegislationCitationView>,
    pub excerpt: String,
    pub version: i64,
    pub updated_at: String,
    /// Not changed or confirmed for 12 months.
    pub stale: bool,
}

/// The comparison: answers by country and question (unanswered questions are absent), and
/// compliance = (yes + ½ partial) / applicable questions (`not_applicable` leaves the
/// denominator; an unanswered question stays in it, as not yes), per country and per
/// question over the chosen countries; null when no question is applicable.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegislationMatrixView {
    pub answers: BTreeMap<String, BTreeMap<String, LegislationCellView>>,
    pub compliance: BTreeMap<String, Option<f64>>,
    pub by_question: BTreeMap<String, Option<f64>>,
}

pub(crate) fn matrix_json(m: &Matrix) -> LegislationMatrixView {
    LegislationMatrixView {
        answers: m
            .answers
            .iter()
            .map(|(c, qs)| {
                (
                    c.clone(),
                    qs.iter()
                        .map(|(q, a)| {
                            (
                                q.clone(),
                                LegislationCellView {
                                    answer: a.answer.clone(),
                                    citation: a.citation.clone().map(LegislationCitationView::from),
                                    excerpt: a.excerpt.clone(),
                                    version: a.version,
                                    updated_at: ts(a.updated_at),
                                    stale: a.stale,
                                },
                            )
                        })
                        .collect(),
                )
            })
            .collect(),
        compliance: m.compliance.clone(),
        by_question: m.by_question.clone(),
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub(crate) struct CountriesQuery {
    /// Member country codes separated by commas (`gt,mx`); all member countries when absent.
    #[param(
        pattern = "^((bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us)(,(bz|ca|cr|do|gt|hn|mx|ni|pa|sv|us))*)?$"
    )]
    countries: Option<String>,
}

/// Every member's users read every member's answers (legislation is shared in the network).
#[utoipa::path(get, path = "/legislation", tag = "legislation", params(CountriesQuery),
    responses((status = 200, body = LegislationMatrixView)))]
pub(crate) async fn matrix(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<CountriesQuery>,
) -> ApiResult {
    let countries = leg::parse_countries(q.countries.as_deref().unwrap_or(""))
        .map_err(|e| a.err(AppError::Invalid(e)))?;
    let m = s
        .app
        .legislation_matrix(&a.ctx, &countries)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(matrix_json(&m)).into_response())
}

/// The comparison as CSV: UTF-8 with a byte-order mark; for Spanish users `;`-separated
/// with Spanish headers, for English users `,` and English.
#[utoipa::path(get, path = "/legislation/export.csv", tag = "legislation", params(CountriesQuery),
    responses((status = 200, description = "CSV, one row per country and question", content_type = "text/csv", body = String)))]
pub(crate) async fn export_csv(
    State(s): State<AppState>,
    a: ApiCtx,
    ApiQuery(q): ApiQuery<CountriesQuery>,
) -> ApiResult {
    let countries = leg::parse_countries(q.countries.as_deref().unwrap_or(""))
        .map_err(|e| a.err(AppError::Invalid(e)))?;
    let m = s
        .app
        .legislation_matrix(&a.ctx, &countries)
        .await
        .map_err(|e| a.err(e))?;
    let body = leg::legislation_csv(&m, a.lang.code()).map_err(|e| a.err(e))?;
    let name = if a.lang.code() == "en" {
        "attachment; filename=\"enlace-legislation.csv\""
    } else {
        "attachment; filename=\"enlace-legislacion.csv\""
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    /// The document names each of this feature's schemas once: a type named like another
    /// feature's (two `AnswerBody`s) would silently describe the other one's body.
    #[test]
    fn the_document_describes_the_answer_body() {
        let doc: serde_json::Value = serde_json::from_str(crate::api::document()).unwrap();
        let body = &doc["paths"]["/api/v1/legislation/{country}/{question}"]["put"]["requestBody"]
            ["content"]["application/json"]["schema"]["$ref"];
        let name = body.as_str().unwrap().rsplit('/').next().unwrap();
        let schema = &doc["components"]["schemas"][name]["properties"];
        for p in ["answer", "citation", "excerpt"] {
            assert!(schema.get(p).is_some(), "{name} lacks {p}: {schema}");
        }
        let kind = &doc["components"]["schemas"]["LegislationAnswerKind"]["enum"];
        assert_eq!(
            kind,
            &serde_json::json!(["yes", "partial", "no", "not_applicable"])
        );
    }
}
