use super::api::{parse_cursor, path_country};
use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use enlace_app::legislation::{self as leg, percent, AnswerInput, Citation, Matrix};
use enlace_app::{AppError, Ctx};
use enlace_domain::policy::{may_answer_legislation, may_edit_legislation_questions};
use enlace_domain::{Country, Invalid};

/// A country column of the comparison.
pub(crate) struct Col {
    code: String,
    name: String,
    share: String,
}

/// One country's answer to one question, in words.
#[derive(Default, Clone)]
pub(crate) struct Cell {
    country_name: String,
    has: bool,
    answer: String,
    label: String,
    citation: String,
    in_force: String,
    url: String,
    excerpt: String,
    updated: String,
    stale: bool,
}

pub(crate) struct Row {
    code: String,
    article: String,
    text: String,
    cells: Vec<Cell>,
    share: String,
}

fn answer_label(t: Tr, a: &str) -> String {
    t.t(&format!("legislation_answer_{a}"))
}

fn cell(t: Tr, a: Option<&leg::Answer>) -> Cell {
    let Some(a) = a else {
        return Cell {
            label: t.t("legislation_unanswered"),
            ..Default::default()
        };
    };
    let c = a.citation.clone().unwrap_or_default();
    Cell {
        has: true,
        answer: a.answer.clone(),
        label: answer_label(t, &a.answer),
        citation: if c.instrument.is_empty() {
            String::new()
        } else {
            format!("{}, {} {}", c.instrument, t.t("legislation_art"), c.article)
        },
        in_force: c.in_force.unwrap_or_default(),
        url: c.url.unwrap_or_default(),
        excerpt: a.excerpt.clone(),
        updated: t.datetime(&a.updated_at),
        stale: a.stale,
        country_name: String::new(),
    }
}

fn table(t: Tr, m: &Matrix) -> (Vec<Col>, Vec<Row>) {
    let cols = m
        .countries
        .iter()
        .map(|c| Col {
            code: c.code().to_string(),
            name: c.name(t.code()).to_string(),
            share: percent(m.country_share(c.code())),
        })
        .collect();
    let rows = m
        .questions
        .iter()
        .map(|q| Row {
            code: q.code.clone(),
            article: q.article.clone(),
            text: q.text(t.code()).to_string(),
            cells: m
                .countries
                .iter()
                .map(|c| Cell {
                    country_name: c.name(t.code()).to_string(),
                    ..cell(t, m.answer(c.code(), &q.code))
                })
                .collect(),
            share: percent(m.question_share(&q.code)),
        })
        .collect();
    (cols, rows)
}

#[derive(Template)]
#[template(path = "legislation.html")]
pub(crate) struct ComparePage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    all: Vec<(String, String, bool)>,
    cols: Vec<Col>,
    rows: Vec<Row>,
    query: String,
    own: Option<String>,
}

#[derive(Template)]
#[template(path = "legislation_print.html")]
pub(crate) struct PrintPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    cols: Vec<Col>,
    rows: Vec<Row>,
    query: String,
    printed: String,
}

/// The chosen countries of a comparison: `?countries=gt,mx` or repeated `?countries=gt`
/// (the page's checkboxes); by default the user's own country and the two after it.
fn chosen(ctx: &Ctx, pairs: &[(String, String)]) -> Result<Vec<Country>, Invalid> {
    let given: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "countries")
        .map(|(_, v)| v.as_str())
        .collect();
    if !given.is_empty() {
        return leg::parse_countries(&given.join(","));
    }
    let all: Vec<Country> = Country::all().collect();
    let start = ctx
        .actor
        .country
        .and_then(|c| all.iter().position(|x| *x == c))
        .unwrap_or(0);
    Ok((0..3).map(|i| all[(start + i) % all.len()]).collect())
}

async fn matrix_for(
    s: &AppState,
    req: &Req,
    pairs: &[(String, String)],
) -> Result<(Matrix, String), crate::error::PageError> {
    let ctx = req.ctx()?;
    let countries = chosen(&ctx, pairs).map_err(|e| req.err(AppError::Invalid(e)))?;
    let query = serde_urlencoded::to_string([(
        "countries",
        countries
            .iter()
            .map(|c| c.code())
            .collect::<Vec<_>>()
            .join(","),
    )])
    .unwrap_or_default();
    let m = if countries.is_empty() {
        Matrix::default()
    } else {
        s.app
            .legislation_matrix(&ctx, &countries)
            .await
            .map_err(|e| req.err(e))?
    };
    Ok((m, query))
}

pub async fn compare(
    State(s): State<AppState>,
    req: Req,
    Query(pairs): Query<Vec<(String, String)>>,
) -> PageResult {
    let (m, query) = matrix_for(&s, &req, &pairs).await?;
    let t = req.tr();
    let (cols, rows) = table(t, &m);
    let all = Country::all()
        .map(|c| {
            (
                c.code().to_string(),
                c.name(t.code()).to_string(),
                m.countries.contains(&c),
            )
        })
        .collect();
    Ok(render(&ComparePage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        own: req
            .full()
            .and_then(|a| a.user.country)
            .map(|c| c.code().to_string()),
        all,
        cols,
        rows,
        query,
    }))
}

pub async fn print(
    State(s): State<AppState>,
    req: Req,
    Query(pairs): Query<Vec<(String, String)>>,
) -> PageResult {
    let (m, query) = matrix_for(&s, &req, &pairs).await?;
    let t = req.tr();
    let (cols, rows) = table(t, &m);
    Ok(render(&PrintPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        cols,
        rows,
        query,
        printed: t.datetime(&s.app.now_ms()),
    }))
}

/// The answer form of one question: the saved answer, or what was sent with its errors.
#[derive(Default, Clone)]
pub(crate) struct Form {
    answer: String,
    instrument: String,
    article: String,
    in_force: String,
    url: String,
    excerpt: String,
    errors: Vec<ShownError>,
}

pub(crate) struct Item {
    code: String,
    article: String,
    text: String,
    current: Cell,
    version: i64,
    form: Form,
}

#[derive(Template)]
#[template(path = "legislation_country.html")]
pub(crate) struct CountryPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    country: String,
    name: String,
    share: String,
    items: Vec<Item>,
    can_edit: bool,
    answers: Vec<(String, String)>,
    /// The question just saved (its section says so).
    saved: String,
}

fn form_of(a: Option<&leg::Answer>) -> Form {
    let Some(a) = a else {
        return Form::default();
    };
    let c = a.citation.clone().unwrap_or_default();
    Form {
        answer: a.answer.clone(),
        instrument: c.instrument,
        article: c.article,
        in_force: c.in_force.unwrap_or_default(),
        url: c.url.unwrap_or_default(),
        excerpt: a.excerpt.clone(),
        errors: vec![],
    }
}

/// The country page; `sent` is a form that failed (question code, what was sent).
async fn country_page_with(
    s: &AppState,
    req: &Req,
    country: Country,
    sent: Option<(String, Form)>,
    saved: String,
) -> PageResult {
    let ctx = req.ctx()?;
    let m = s
        .app
        .legislation_matrix(&ctx, &[country])
        .await
        .map_err(|e| req.err(e))?;
    let t = req.tr();
    let code = country.code();
    let failed = sent.is_some();
    let items = m
        .questions
        .iter()
        .map(|q| {
            let a = m.answer(code, &q.code);
            let form = match &sent {
                Some((c, f)) if *c == q.code => f.clone(),
                _ => form_of(a),
            };
            Item {
                code: q.code.clone(),
                article: q.article.clone(),
                text: q.text(t.code()).to_string(),
                current: cell(t, a),
                version: a.map_or(0, |a| a.version),
                form,
            }
        })
        .collect();
    let page = render(&CountryPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        country: code.to_string(),
        name: country.name(t.code()).to_string(),
        share: percent(m.country_share(code)),
        items,
        can_edit: may_answer_legislation(&ctx.actor, country),
        answers: leg::ANSWERS
            .iter()
            .map(|a| (a.to_string(), answer_label(t, a)))
            .collect(),
        saved,
    });
    Ok(if failed {
        with_status(StatusCode::UNPROCESSABLE_ENTITY, page)
    } else {
        page
    })
}

#[derive(serde::Deserialize, Default)]
pub struct SavedParam {
    #[serde(default)]
    saved: String,
}

pub async fn country_page(
    State(s): State<AppState>,
    req: Req,
    Path(country): Path<String>,
    Query(q): Query<SavedParam>,
) -> PageResult {
    req.ctx()?;
    let country = path_country(&country).map_err(|e| req.err(e))?;
    country_page_with(&s, &req, country, None, q.saved).await
}

pub async fn answer_save(
    State(s): State<AppState>,
    Path((country, question)): Path<(String, String)>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let country = path_country(&country).map_err(|e| req.err(e))?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = Form {
        answer: get("answer"),
        instrument: get("instrument"),
        article: get("article"),
        in_force: get("in_force"),
        url: get("url"),
        excerpt: get("excerpt"),
        errors: vec![],
    };
    let input = AnswerInput {
        answer: form.answer.clone(),
        // A form with no citation field filled gives no citation.
        citation: [&form.instrument, &form.article, &form.in_force, &form.url]
            .iter()
            .any(|v| !v.trim().is_empty())
            .then(|| Citation {
                instrument: form.instrument.clone(),
                article: form.article.clone(),
                in_force: Some(form.in_force.trim().to_string()),
                url: Some(form.url.trim().to_string()),
            }),
        excerpt: form.excerpt.clone(),
    };
    match s
        .app
        .answer_legislation(&ctx, country, &question, &input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/legislation/{}?saved={question}#q-{question}",
            country.code()
        ))
        .into_response()),
        Err(AppError::Invalid(inv)) => {
            let form = Form {
                errors: shown(req.tr(), &inv.0),
                ..form
            };
            country_page_with(&s, &req, country, Some((question, form)), String::new()).await
        }
        Err(e) => Err(req.err(e)),
    }
}

/// One change, in words.
pub(crate) struct ChangeLine {
    field: String,
    from: String,
    to: String,
}

pub(crate) struct VersionItem {
    version: i64,
    label: String,
    at: String,
    by: String,
    changes: Vec<ChangeLine>,
}

#[derive(Template)]
#[template(path = "legislation_versions.html")]
pub(crate) struct VersionsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    country: String,
    name: String,
    article: String,
    text: String,
    items: Vec<VersionItem>,
    next: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct CursorParam {
    #[serde(default)]
    cursor: Option<String>,
}

pub async fn versions_page(
    State(s): State<AppState>,
    req: Req,
    Path((country, question)): Path<(String, String)>,
    Query(q): Query<CursorParam>,
) -> PageResult {
    let ctx = req.ctx()?;
    let country = path_country(&country).map_err(|e| req.err(e))?;
    let cursor = parse_cursor(q.cursor.as_deref()).map_err(|e| req.err(e))?;
    let questions = s
        .app
        .legislation_questions(&ctx)
        .await
        .map_err(|e| req.err(e))?;
    let question_row = questions
        .iter()
        .find(|x| x.code == question)
        .ok_or_else(|| req.err(AppError::NotFound))?;
    let (versions, next) = s
        .app
        .legislation_versions(&ctx, country, &question, cursor)
        .await
        .map_err(|e| req.err(e))?;
    let t = req.tr();
    let value = |field: &str, v: &Option<String>| match v {
        None => t.t("legislation_empty_value"),
        Some(v) if field == "answer" => answer_label(t, v),
        Some(v) => format!("«{v}»"),
    };
    let items = versions
        .into_iter()
        .map(|v| VersionItem {
            version: v.version,
            label: answer_label(t, &v.answer),
            at: t.datetime(&v.at),
            by: v.by,
            changes: v
                .changes
                .iter()
                .map(|c| ChangeLine {
                    field: t.t(&format!("legislation_diff_{}", c.field)),
                    from: value(&c.field, &c.from),
                    to: value(&c.field, &c.to),
                })
                .collect(),
        })
        .collect();
    Ok(render(&VersionsPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        country: country.code().to_string(),
        name: country.name(t.code()).to_string(),
        article: question_row.article.clone(),
        text: question_row.text(t.code()).to_string(),
        items,
        next: next.map(|n| {
            format!(
                "/legislation/{}/{question}/versions?cursor={n}",
                country.code()
            )
        }),
    }))
}

#[derive(Template)]
#[template(path = "legislation_questions.html")]
pub(crate) struct QuestionsPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    questions: Vec<leg::Question>,
    can_edit: bool,
    /// A failed edit: question code, the texts sent, errors.
    failed: Option<(String, String, String, Vec<ShownError>)>,
}

async fn questions_page_with(
    s: &AppState,
    req: &Req,
    failed: Option<(String, String, String, Vec<ShownError>)>,
) -> PageResult {
    let ctx = req.ctx()?;
    let mut questions = s
        .app
        .legislation_questions(&ctx)
        .await
        .map_err(|e| req.err(e))?;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    if let Some((code, es, en, _)) = &failed {
        for q in questions.iter_mut().filter(|q| &q.code == code) {
            q.text_es = es.clone();
            q.text_en = en.clone();
        }
    }
    Ok(with_status(
        status,
        render(&QuestionsPage {
            t: req.tr(),
            user: req.page_user(),
            path: req.path.clone(),
            questions,
            can_edit: may_edit_legislation_questions(&ctx.actor),
            failed,
        }),
    ))
}

pub async fn questions_page(State(s): State<AppState>, req: Req) -> PageResult {
    questions_page_with(&s, &req, None).await
}

pub async fn question_save(
    State(s): State<AppState>,
    Path(code): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (es, en) = (get("text_es"), get("text_en"));
    match s.app.edit_legislation_question(&ctx, &code, &es, &en).await {
        Ok(_) => Ok(Redirect::to(&format!("/legislation/questions#q-{code}")).into_response()),
        Err(AppError::Invalid(inv)) => {
            let errors = shown(req.tr(), &inv.0);
            questions_page_with(&s, &req, Some((code, es, en, errors))).await
        }
        Err(e) => Err(req.err(e)),
    }
}
