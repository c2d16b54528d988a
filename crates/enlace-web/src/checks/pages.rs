use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use enlace_app::AppError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "checks.html")]
pub(crate) struct ChecksPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    f: CheckForm,
    errors: Vec<ShownError>,
    answer: Option<enlace_app::checks::CheckAnswer>,
    /// The answers, hits first, each with its hit in plain words.
    rows: Vec<(enlace_app::checks::CountryAnswer, String)>,
    hits: usize,
    kinds: Vec<(String, String)>,
    nationalities: Vec<(String, String)>,
}

/// A hit in plain words: its band, then what matched when the asker may see the record
/// («Coincidencia fuerte: mismo nombre, misma fecha de nacimiento»). A hidden record is
/// told by its band alone (the disclosure rules give nothing more).
fn hit_words(t: Tr, r: &enlace_app::checks::CountryAnswer) -> String {
    let Some(band) = &r.band else {
        return String::new();
    };
    let mut same: Vec<String> = vec![];
    for f in &r.explanation {
        let name = f["feature"].as_str().unwrap_or("");
        let positive = f["contribution"].as_f64().unwrap_or(0.0) > 0.0;
        let key = format!("records_same_{name}");
        if positive && t.has(&key) {
            let w = t.t(&key);
            if !same.contains(&w) {
                same.push(w);
            }
        }
    }
    if same.is_empty() {
        if r.record.is_none() {
            return format!("{} — {}", t.band(band), t.t("records_hit_hidden"));
        }
        return t.band(band);
    }
    format!("{}: {}", t.band(band), same.join(", "))
}

#[derive(Deserialize, Default, Clone)]
pub struct CheckForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    case_reference: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    value: String,
}

/// (kind, i18n key) of what a check can be about; each maps to a FollowTheMoney subject.
pub(crate) const CHECK_KINDS: [(&str, &str); 7] = [
    ("person", "check_kind_person"),
    ("phone", "check_kind_phone"),
    ("document", "check_kind_document"),
    ("plate", "check_kind_plate"),
    ("vessel", "check_kind_vessel"),
    ("account", "check_kind_account"),
    ("email", "check_kind_email"),
];

impl CheckForm {
    fn subject(&self) -> serde_json::Value {
        let v = self.value.trim();
        match self.kind.as_str() {
            "phone" => serde_json::json!({"schema": "UserAccount", "properties": {"phone": [v]}}),
            "document" => {
                serde_json::json!({"schema": "Identification", "properties": {"number": [v]}})
            }
            "plate" => {
                serde_json::json!({"schema": "Vehicle", "properties": {"registrationNumber": [v]}})
            }
            "vessel" => {
                serde_json::json!({"schema": "Vessel", "properties": {"name": [v], "registrationNumber": [v]}})
            }
            "account" => {
                serde_json::json!({"schema": "BankAccount", "properties": {"accountNumber": [v]}})
            }
            "email" => serde_json::json!({"schema": "UserAccount", "properties": {"email": [v]}}),
            _ => {
                let mut props = serde_json::Map::new();
                for (k, val) in [
                    ("name", &self.name),
                    ("birthDate", &self.birth_date),
                    ("nationality", &self.nationality),
                ] {
                    if !val.trim().is_empty() {
                        props.insert(k.into(), serde_json::json!([val.trim()]));
                    }
                }
                serde_json::json!({"schema": "Person", "properties": props})
            }
        }
    }
}

pub(crate) fn checks_page(
    req: &Req,
    f: CheckForm,
    errors: Vec<ShownError>,
    answer: Option<enlace_app::checks::CheckAnswer>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let t = req.tr();
    let mut rows: Vec<(enlace_app::checks::CountryAnswer, String)> = answer
        .iter()
        .flat_map(|a| a.results.iter())
        .map(|r| (r.clone(), hit_words(t, r)))
        .collect();
    // Hits first (strong before possible), the countries without one after.
    rows.sort_by_key(|(r, _)| (!r.hit, r.band.map(|b| b.as_str() != "strong")));
    with_status(
        status,
        render(&ChecksPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            f,
            errors,
            answer,
            hits: rows.iter().filter(|r| r.0.hit).count(),
            rows,
            nationalities: crate::entities::country_options(t),
            kinds: CHECK_KINDS
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }),
    )
}

pub async fn checks_form(req: Req) -> PageResult {
    let ctx = req.ctx()?;
    if ctx.actor.intelligence_country().is_none() {
        return Err(req.err(AppError::Forbidden));
    }
    Ok(checks_page(
        &req,
        CheckForm {
            kind: "person".into(),
            ..Default::default()
        },
        vec![],
        None,
    ))
}

pub async fn checks_submit(
    State(s): State<AppState>,
    CsrfForm(req, f): CsrfForm<CheckForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    let input = enlace_app::checks::CheckInput {
        purpose: f.purpose.clone(),
        case_reference: f.case_reference.clone(),
        subject: f.subject(),
    };
    match s.app.run_check(&ctx, &input).await {
        Ok(answer) => Ok(checks_page(&req, f, vec![], Some(answer))),
        Err(AppError::Invalid(inv)) => Ok(checks_page(&req, f, shown(req.tr(), &inv.0), None)),
        // The form stays filled in, the warming said in words, and the status and
        // Retry-After tell a client to come back.
        Err(AppError::Warming { retry_after_secs }) => {
            let message = req.tr().t("index_warming");
            let mut res = checks_page(
                &req,
                f,
                vec![ShownError {
                    field: String::new(),
                    message,
                }],
                None,
            );
            *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            if let Ok(v) = axum::http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            Ok(res)
        }
        Err(e) => Err(req.err(e)),
    }
}
