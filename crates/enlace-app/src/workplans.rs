//! Work plans and their monitoring. The 2018 work plan on migrant smuggling and the 2003
//! action plan ship as data (`data/workplans/*.json`, loaded at start when absent); the
//! secretariat loads others from the same JSON format, and an export gives the document back.
//! Each country reports its progress on each action per period (status, evidence, date);
//! every change is kept, and progress rolls up by axis, action and country.
use crate::{App, AppError, AppResult, Ctx, Origin};
use enlace_domain::clock::format_utc;
use enlace_domain::policy;
use enlace_domain::validate::{self, Invalid};
use enlace_domain::Country;
use enlace_store::workplans::{ProgressChange, ProgressRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod evidence;
pub use evidence::{EvidenceFile, ReportKey};

/// Most files attached to one progress report.
pub const MAX_EVIDENCE_FILES: i64 = 10;

/// The plans that ship with the product: (key, document).
const BUILTIN: [(&str, &str); 2] = [
    ("2018", include_str!("../data/workplans/2018.json")),
    ("2003", include_str!("../data/workplans/2003.json")),
];

/// The axes of a plan that ships with the product (`"2018"`): number and title, for the
/// glossary of the help pages.
pub fn builtin_axes(key: &str) -> Vec<(u32, Text)> {
    BUILTIN
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, json)| PlanDoc::parse(json).ok())
        .map(|d| d.axes.iter().map(|a| (a.number, a.title.clone())).collect())
        .unwrap_or_default()
}

pub const STATUSES: [&str; 4] = ["not_started", "in_progress", "done", "not_applicable"];

/// A text in both languages of the network.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub es: String,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.en
        } else {
            &self.es
        }
    }
}

/// A work plan as a document: what an import takes and an export gives back, unchanged.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDoc {
    #[schema(minimum = 1990, maximum = 2100)]
    pub year: i64,
    pub title: Text,
    /// The plan's general objective.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<Text>,
    /// Where the plan comes from (meeting, workshop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Text>,
    #[schema(min_items = 1, max_items = 50)]
    pub axes: Vec<Axis>,
}

/// An axis (eje) of a plan; for the 2003 matrix, an area of work with its objectives.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    #[schema(minimum = 1, maximum = 99)]
    pub number: u32,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<Text>,
    /// Numbered objectives (the 2003 matrix: each activity names its objective).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 50)]
    pub objectives: Vec<Objective>,
    #[schema(min_items = 1, max_items = 200)]
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    #[schema(minimum = 1, maximum = 99)]
    pub number: u32,
    pub text: Text,
}

/// An action (acción); for the 2003 matrix, an activity with its row of the matrix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Action {
    #[schema(minimum = 1, maximum = 999)]
    pub number: u32,
    /// The plan's own numbering where it differs (`1.2.2` in the 2003 matrix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 20, pattern = "^[0-9A-Za-z.-]+$")]
    pub code: Option<String>,
    pub text: Text,
    /// Footnotes of the plan on this action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Text>,
    /// The number of the axis objective this action serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 99)]
    pub objective: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicators: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Text>,
}

fn check_text(errs: &mut Invalid, field: &'static str, t: &Text, max: usize) {
    validate::text(errs, field, &t.es, true, max);
    validate::text(errs, field, &t.en, true, max);
}

impl PlanDoc {
    /// Parses and checks a plan document; errors name the part of the plan at fault.
    pub fn parse(json: &str) -> Result<PlanDoc, Invalid> {
        let doc: PlanDoc =
            serde_json::from_str(json).map_err(|_| Invalid::one("document", "bad_workplan"))?;
        doc.validate()?;
        Ok(doc)
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        let mut errs = Invalid::default();
        if !(1990..=2100).contains(&self.year) {
            errs.push("year", "out_of_range");
        }
        check_text(&mut errs, "title", &self.title, 5000);
        for t in self.objective.iter().chain(&self.source) {
            check_text(&mut errs, "objective", t, 5000);
        }
        if self.axes.is_empty() || self.axes.len() > 50 {
            errs.push("axes", "out_of_range");
        }
        let mut axis_numbers = std::collections::HashSet::new();
        for a in &self.axes {
            if !(1..=99).contains(&a.number) || !axis_numbers.insert(a.number) {
                errs.push("axes", "bad_number");
            }
            check_text(&mut errs, "axes", &a.title, 5000);
            for t in a.objective.iter().chain(&a.notes).chain(&a.commitment) {
                check_text(&mut errs, "axes", t, 5000);
            }
            let mut objectives = std::collections::HashSet::new();
            for o in &a.objectives {
                if !(1..=99).contains(&o.number) || !objectives.insert(o.number) {
                    errs.push("objectives", "bad_number");
                }
                check_text(&mut errs, "objectives", &o.text, 5000);
            }
            if a.objectives.len() > 50 {
                errs.push("objectives", "out_of_range");
            }
            if a.actions.is_empty() || a.actions.len() > 200 {
                errs.push("actions", "out_of_range");
            }
            let mut numbers = std::collections::HashSet::new();
            for x in &a.actions {
                if !(1..=999).contains(&x.number) || !numbers.insert(x.number) {
                    errs.push("actions", "bad_number");
                }
                check_text(&mut errs, "actions", &x.text, 5000);
                for t in [
                    &x.notes,
                    &x.result,
                    &x.indicators,
                    &x.schedule,
                    &x.responsible,
                    &x.resources,
                ]
                .into_iter()
                .flatten()
                {
                    check_text(&mut errs, "actions", t, 5000);
                }
                if let Some(c) = &x.code {
                    if c.is_empty()
                        || c.len() > 20
                        || !c
                            .chars()
                            .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-')
                    {
                        errs.push("actions", "bad_action_code");
                    }
                }
                if let Some(o) = x.objective {
                    if !a.objectives.iter().any(|ob| ob.number == o) {
                        errs.push("actions", "unknown_objective");
                    }
                }
            }
        }
        errs.0.dedup();
        errs.into_result()
    }

    /// The action a code such as `2.3` (axis.action) names.
    pub fn action(&self, code: &str) -> Option<(&Axis, &Action)> {
        let (a, n) = code.split_once('.')?;
        let (a, n): (u32, u32) = (a.parse().ok()?, n.parse().ok()?);
        let axis = self.axes.iter().find(|x| x.number == a)?;
        Some((axis, axis.actions.iter().find(|x| x.number == n)?))
    }

    pub fn action_count(&self) -> usize {
        self.axes.iter().map(|a| a.actions.len()).sum()
    }
}

/// A plan in the list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanSummary {
    pub id: String,
    pub year: i64,
    pub title: Text,
    /// Shipped with the product (the 2018 work plan, the 2003 action plan).
    pub builtin: bool,
    pub axes: usize,
    pub actions: usize,
}

/// A plan with its id.
#[derive(Debug, Clone)]
pub struct Plan {
    pub id: String,
    pub builtin: bool,
    pub doc: PlanDoc,
}

/// A plan as the API shows it: its id, then its document's fields.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub id: String,
    /// Shipped with the product (the 2018 work plan, the 2003 action plan).
    pub builtin: bool,
    pub year: i64,
    pub title: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Text>,
    pub axes: Vec<Axis>,
}

impl From<Plan> for PlanView {
    fn from(p: Plan) -> PlanView {
        PlanView {
            id: p.id,
            builtin: p.builtin,
            year: p.doc.year,
            title: p.doc.title,
            objective: p.doc.objective,
            source: p.doc.source,
            axes: p.doc.axes,
        }
    }
}

/// Evidence of progress: what was done, a link to it, and when.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[schema(as = ProgressEvidence)]
pub struct Evidence {
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub text: String,
    /// An http(s) address where the evidence can be seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 500,
        pattern = "^https?://[^\\s\\u0000-\\u001F\\u007F-\\u009F]+$"
    )]
    pub link: Option<String>,
    /// The date of the evidence (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub date: Option<String>,
}

/// Evidence as sent: a plain text, or the text with a link and a date (the document shows
/// the object form).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum EvidenceInput {
    Text(String),
    Detail(Evidence),
}

/// The status values, for the API document.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgressStatus {
    NotStarted,
    InProgress,
    Done,
    NotApplicable,
}

/// A country's report on one action in one period.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProgressInput {
    #[schema(value_type = ProgressStatus)]
    pub status: String,
    /// What shows the progress: `{"text","link","date"}` (a plain string is taken as the text).
    #[serde(default)]
    #[schema(value_type = Option<Evidence>)]
    pub evidence: Option<EvidenceInput>,
}

/// One country's progress on one action in one period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProgressView {
    pub id: String,
    pub plan_id: String,
    pub country: Country,
    /// The action's code, axis.action (`2.3`).
    pub action: String,
    pub axis: u32,
    pub number: u32,
    /// `2026` or `2026-Q1`.
    pub period: String,
    #[schema(value_type = ProgressStatus)]
    pub status: String,
    pub evidence: Evidence,
    /// Files attached as evidence (PDF or images), oldest first.
    pub files: Vec<EvidenceFile>,
    /// Changes so far (1 for the first report).
    pub revision: i64,
    pub updated_at: String,
    pub updated_by: String,
}

/// An earlier (or the current) state of a progress report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProgressRevision {
    pub revision: i64,
    #[schema(value_type = ProgressStatus)]
    pub status: String,
    pub evidence: Evidence,
    pub updated_at: String,
    pub updated_by: String,
}

/// Counts of statuses over a set of (country, action) pairs; an action without a report
/// counts as not started. `share_done` = done / applicable (not `not_applicable`), rounded
/// to 4 decimals; `null` when nothing applies.
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Tally {
    pub done: u32,
    pub in_progress: u32,
    pub not_started: u32,
    pub not_applicable: u32,
    pub applicable: u32,
    pub share_done: Option<f64>,
}

impl Tally {
    fn add(&mut self, status: &str) {
        match status {
            "done" => self.done += 1,
            "in_progress" => self.in_progress += 1,
            "not_applicable" => self.not_applicable += 1,
            _ => self.not_started += 1,
        }
        self.applicable = self.done + self.in_progress + self.not_started;
        self.share_done = (self.applicable > 0)
            .then(|| (self.done as f64 / self.applicable as f64 * 10_000.0).round() / 10_000.0);
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AxisRollup {
    pub axis: u32,
    pub title: Text,
    pub actions: usize,
    /// The whole region on this axis.
    pub total: Tally,
    /// Each member country on this axis, by code.
    pub countries: BTreeMap<String, Tally>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActionRollup {
    /// axis.action
    pub action: String,
    /// Over the member countries.
    pub total: Tally,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rollup {
    pub axes: Vec<AxisRollup>,
    pub actions: Vec<ActionRollup>,
    /// Each member country over the whole plan, by code.
    pub countries: BTreeMap<String, Tally>,
    pub total: Tally,
}

/// The progress of a plan in a period, with its roll-up.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProgressReport {
    pub plan_id: String,
    pub period: String,
    pub items: Vec<ProgressView>,
    /// Always null: the list is whole (at most one row per country and action).
    pub next: Option<String>,
    pub rollup: Rollup,
}

/// `2026` or `2026-Q1` (years 2000–2100).
pub fn valid_period(p: &str) -> bool {
    let (year, quarter) = match p.split_once("-Q") {
        Some((y, q)) => (y, Some(q)),
        None => (p, None),
    };
    year.len() == 4
        && year.chars().all(|c| c.is_ascii_digit())
        && year
            .parse::<u32>()
            .is_ok_and(|y| (2000..=2100).contains(&y))
        && quarter.is_none_or(|q| matches!(q, "1" | "2" | "3" | "4"))
}

/// The quarter a time falls in (`2026-Q4`).
pub fn quarter_of(ms: i64) -> String {
    let s = format_utc(ms);
    let year = s.get(..4).unwrap_or("2026");
    let month: u32 = s.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    format!("{year}-Q{}", month.div_ceil(3))
}

/// A calendar date YYYY-MM-DD.
fn valid_date(d: &str) -> bool {
    let b = d.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |s: &str| {
        s.parse::<u32>()
            .ok()
            .filter(|_| s.bytes().all(|c| c.is_ascii_digit()))
    };
    let (Some(y), Some(m), Some(day)) = (num(&d[..4]), num(&d[5..7]), num(&d[8..])) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2100).contains(&y) && (1..=days).contains(&day)
}

impl ProgressInput {
    /// The status and evidence to store, or the fields at fault.
    pub fn validate(&self) -> Result<(String, Evidence), Invalid> {
        let mut errs = Invalid::default();
        let status = self.status.trim().to_string();
        if !STATUSES.contains(&status.as_str()) {
            errs.push("status", "bad_status");
        }
        let e = match &self.evidence {
            None => Evidence::default(),
            Some(EvidenceInput::Text(t)) => Evidence {
                text: t.clone(),
                ..Default::default()
            },
            Some(EvidenceInput::Detail(e)) => e.clone(),
        };
        let text = validate::text(&mut errs, "evidence", &e.text, false, 2000);
        let link = e
            .link
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string);
        if let Some(l) = &link {
            let rest = l
                .strip_prefix("https://")
                .or_else(|| l.strip_prefix("http://"));
            let ok = rest.is_some_and(|r| !r.is_empty())
                && l.chars().count() <= 500
                && !l.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                errs.push("link", "bad_link");
            }
        }
        let date = e
            .date
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string);
        if date.as_deref().is_some_and(|d| !valid_date(d)) {
            errs.push("date", "bad_date");
        }
        errs.into_result()?;
        Ok((status, Evidence { text, link, date }))
    }
}

fn view(row: ProgressRow) -> ProgressView {
    let (axis, number) = row
        .action
        .split_once('.')
        .map(|(a, n)| (a.parse().unwrap_or(0), n.parse().unwrap_or(0)))
        .unwrap_or((0, 0));
    ProgressView {
        id: row.id,
        plan_id: row.plan_id,
        country: row.country,
        action: row.action,
        axis,
        number,
        period: row.period,
        status: row.status,
        evidence: Evidence {
            text: row.evidence,
            link: row.link,
            date: row.evidence_date,
        },
        files: vec![],
        revision: row.revision,
        updated_at: format_utc(row.updated_at),
        updated_by: row.updated_by_username,
    }
}

/// The roll-up of a plan's progress rows (of one period).
pub fn rollup(doc: &PlanDoc, items: &[ProgressView]) -> Rollup {
    let status = |c: Country, code: &str| {
        items
            .iter()
            .find(|p| p.country == c && p.action == code)
            .map(|p| p.status.as_str())
            .unwrap_or("not_started")
    };
    let mut countries: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    let mut axes = vec![];
    let mut actions = vec![];
    for a in &doc.axes {
        let mut ax = AxisRollup {
            axis: a.number,
            title: a.title.clone(),
            actions: a.actions.len(),
            total: Tally::default(),
            countries: BTreeMap::new(),
        };
        for x in &a.actions {
            let code = format!("{}.{}", a.number, x.number);
            let mut at = Tally::default();
            for c in Country::all() {
                let s = status(c, &code);
                at.add(s);
                ax.total.add(s);
                ax.countries.entry(c.code().to_string()).or_default().add(s);
                countries.entry(c.code().to_string()).or_default().add(s);
                total.add(s);
            }
            actions.push(ActionRollup {
                action: code,
                total: at,
            });
        }
        axes.push(ax);
    }
    Rollup {
        axes,
        actions,
        countries,
        total,
    }
}

fn plan_entry(ctx: Option<&Ctx>, origin: &Origin, action: &str) -> enlace_store::audit::NewEntry {
    match ctx {
        Some(c) => c.entry(action, "ok"),
        None => crate::anonymous_entry(origin, action, "ok"),
    }
}

impl App {
    /// Loads the plans that ship with the product, each once (at start).
    pub async fn load_builtin_workplans(&self) -> AppResult<()> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        for (key, json) in BUILTIN {
            if tx.workplan_builtin_exists(key).await? {
                continue;
            }
            let doc = PlanDoc::parse(json)
                .map_err(|e| AppError::Internal(format!("workplan {key}: {e:?}")))?;
            let canonical =
                serde_json::to_string(&doc).map_err(|e| AppError::Internal(e.to_string()))?;
            // Reference data shipped with the program, like the countries and the modus
            // operandi vocabulary the migrations insert: no one's action, so no audit row.
            tx.insert_workplan(
                Some(key),
                doc.year,
                &doc.title.es,
                &doc.title.en,
                &canonical,
                None,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn workplans(&self, _ctx: &Ctx) -> AppResult<Vec<PlanSummary>> {
        let rows = self.store.workplans().await?;
        let mut out = vec![];
        for r in rows {
            let doc: PlanDoc = serde_json::from_str(&r.document)
                .map_err(|e| AppError::Internal(format!("workplan {}: {e}", r.id)))?;
            out.push(PlanSummary {
                id: r.id,
                year: r.year,
                title: doc.title.clone(),
                builtin: r.builtin.is_some(),
                axes: doc.axes.len(),
                actions: doc.action_count(),
            });
        }
        Ok(out)
    }

    /// A plan: every member user and the secretariat read it (it is nobody's record).
    pub async fn workplan(&self, _ctx: &Ctx, id: &str) -> AppResult<Plan> {
        self.workplan_any(id).await
    }

    pub(crate) async fn workplan_any(&self, id: &str) -> AppResult<Plan> {
        let r = self.store.workplan(id).await?.ok_or(AppError::NotFound)?;
        let doc: PlanDoc = serde_json::from_str(&r.document)
            .map_err(|e| AppError::Internal(format!("workplan {}: {e}", r.id)))?;
        Ok(Plan {
            id: r.id,
            builtin: r.builtin.is_some(),
            doc,
        })
    }

    /// The plan's document as stored: an import of it gives the same plan back.
    pub async fn export_workplan(&self, _ctx: Option<&Ctx>, id: &str) -> AppResult<String> {
        let r = self.store.workplan(id).await?.ok_or(AppError::NotFound)?;
        Ok(r.document)
    }

    /// Loads another plan (the secretariat; `ctx` is `None` from the command line, whose
    /// operator holds the database). The same year and title twice is a conflict.
    pub async fn import_workplan(
        &self,
        ctx: Option<&Ctx>,
        origin: &Origin,
        doc: &PlanDoc,
    ) -> AppResult<PlanSummary> {
        if ctx.is_some_and(|c| !policy::may_load_workplan(&c.actor)) {
            return Err(AppError::Forbidden);
        }
        doc.validate()?;
        let canonical =
            serde_json::to_string(doc).map_err(|e| AppError::Internal(e.to_string()))?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if tx.workplan_titled(doc.year, &doc.title.es).await? {
            return Err(AppError::Conflict("workplan_exists"));
        }
        let id = tx
            .insert_workplan(
                None,
                doc.year,
                &doc.title.es,
                &doc.title.en,
                &canonical,
                ctx.map(|c| c.actor.user_id.as_str()),
                now,
            )
            .await?;
        let mut e = plan_entry(ctx, origin, "workplan.import");
        e.object_kind = Some("workplan".into());
        e.object_id = Some(id.clone());
        e.detail = Some(format!("actions={}", doc.action_count()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(PlanSummary {
            id,
            year: doc.year,
            title: doc.title.clone(),
            builtin: false,
            axes: doc.axes.len(),
            actions: doc.action_count(),
        })
    }

    /// Records a country's progress on one action in one period (a new revision; the
    /// history keeps every earlier one). Only that country's users.
    pub async fn put_progress(
        &self,
        ctx: &Ctx,
        plan_id: &str,
        country: &str,
        action: &str,
        period: &str,
        input: &ProgressInput,
    ) -> AppResult<ProgressView> {
        let plan = self.workplan_any(plan_id).await?;
        let (axis, act) = plan.doc.action(action).ok_or(AppError::NotFound)?;
        let code = format!("{}.{}", axis.number, act.number);
        let country = Country::parse(country).ok_or(AppError::NotFound)?;
        if !policy::may_report_progress(&ctx.actor, country) {
            return Err(AppError::Forbidden);
        }
        let mut errs = Invalid::default();
        if !valid_period(period) {
            errs.push("period", "bad_period");
        }
        let checked = input.validate();
        if let Err(e) = &checked {
            errs.0.extend(e.0.iter().cloned());
        }
        errs.into_result()?;
        let (status, ev) = checked?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let row = tx
            .put_progress(
                &ProgressChange {
                    plan_id: &plan.id,
                    country,
                    action: &code,
                    period,
                    status: &status,
                    evidence: &ev.text,
                    link: ev.link.as_deref(),
                    evidence_date: ev.date.as_deref(),
                    user_id: &ctx.actor.user_id,
                    username: &ctx.actor.username,
                },
                now,
            )
            .await?;
        let mut e = ctx.entry("workplan.progress", "ok");
        e.object_kind = Some("workplan_progress".into());
        e.object_id = Some(row.id.clone());
        e.object_country = Some(country.code().to_string());
        e.detail = Some(format!(
            "plan={} action={code} period={period} status={status} revision={}",
            plan.id, row.revision
        ));
        tx.audit(now, e).await?;
        let files = tx.evidence_files_of(&row.id).await?;
        tx.commit().await?;
        let mut v = view(row);
        v.files = files.into_iter().map(evidence::file_view).collect();
        Ok(v)
    }

    /// A plan's progress in a period (every member country's: reading follows membership),
    /// with its roll-up. Each other country whose reports are returned sees the read in its
    /// audit.
    pub async fn progress(
        &self,
        ctx: &Ctx,
        plan_id: &str,
        period: Option<&str>,
    ) -> AppResult<(Plan, ProgressReport)> {
        let plan = self.workplan_any(plan_id).await?;
        // Absent means the current quarter; anything given must be a period.
        let period = match period {
            Some(p) if valid_period(p) => p.to_string(),
            Some(_) => return Err(Invalid::one("period", "bad_period").into()),
            None => quarter_of(self.now_ms()),
        };
        let mut items: Vec<ProgressView> = self
            .store
            .workplan_progress(&plan.id, &period, None)
            .await?
            .into_iter()
            .map(view)
            .collect();
        evidence::attach(
            &mut items,
            self.store.evidence_files(&plan.id, &period).await?,
        );
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut e = ctx.entry("workplan.progress.list", "ok");
        e.object_kind = Some("workplan".into());
        e.object_id = Some(plan.id.clone());
        e.detail = Some(format!("period={period} returned={}", items.len()));
        tx.audit(now, e).await?;
        // One row per other country whose reports were returned (not one per report: a
        // plan's grid is hundreds of rows, and the owner needs who read, not each cell).
        let mut per_country: BTreeMap<Country, usize> = BTreeMap::new();
        for p in &items {
            *per_country.entry(p.country).or_default() += 1;
        }
        for (c, n) in per_country {
            if Some(c) == ctx.actor.country {
                continue;
            }
            let mut e = ctx.entry("workplan.progress.list", "ok");
            e.object_kind = Some("workplan_progress".into());
            e.object_id = Some(plan.id.clone());
            e.object_country = Some(c.code().to_string());
            e.detail = Some(format!("returned period={period} rows={n}"));
            tx.audit(now, e).await?;
        }
        tx.commit().await?;
        let rollup = rollup(&plan.doc, &items);
        let report = ProgressReport {
            plan_id: plan.id.clone(),
            period,
            items,
            next: None,
            rollup,
        };
        Ok((plan, report))
    }

    /// Every revision of one country's report on one action in one period, newest first.
    pub async fn progress_history(
        &self,
        ctx: &Ctx,
        plan_id: &str,
        country: &str,
        action: &str,
        period: &str,
    ) -> AppResult<Vec<ProgressRevision>> {
        let plan = self.workplan_any(plan_id).await?;
        let (axis, act) = plan.doc.action(action).ok_or(AppError::NotFound)?;
        let code = format!("{}.{}", axis.number, act.number);
        let country = Country::parse(country).ok_or(AppError::NotFound)?;
        if !valid_period(period) {
            return Err(Invalid::one("period", "bad_period").into());
        }
        let rows = self
            .store
            .workplan_progress_history(&plan.id, country, &code, period)
            .await?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut e = ctx.entry("workplan.progress.history", "ok");
        e.object_kind = Some("workplan_progress".into());
        e.object_id = Some(plan.id.clone());
        e.object_country = Some(country.code().to_string());
        e.detail = Some(format!(
            "action={code} period={period} returned={}",
            rows.len()
        ));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| ProgressRevision {
                revision: r.revision,
                status: r.status,
                evidence: Evidence {
                    text: r.evidence,
                    link: r.link,
                    date: r.evidence_date,
                },
                updated_at: format_utc(r.updated_at),
                updated_by: r.updated_by_username,
            })
            .collect())
    }

    /// A few fictional progress reports on the 2018 plan, in the current quarter.
    pub(crate) async fn seed_demo_workplans(&self) -> AppResult<()> {
        let Some(plan) = self
            .store
            .workplans()
            .await?
            .into_iter()
            .find(|p| p.builtin.as_deref() == Some("2018"))
        else {
            return Ok(());
        };
        let period = quarter_of(self.now_ms());
        let rows: [(&str, &str, &str, &str); 9] = [
            (
                "cr",
                "1.4",
                "done",
                "Directorio nacional actualizado y aprobado por Cancillería (demostración).",
            ),
            (
                "cr",
                "1.5",
                "in_progress",
                "Carga de estadísticas trimestrales en curso (demostración).",
            ),
            (
                "gt",
                "1.4",
                "done",
                "Directorio remitido a la Secretaría Técnica (demostración).",
            ),
            (
                "gt",
                "2.1",
                "in_progress",
                "Designación de fiscales enlace en dos regiones (demostración).",
            ),
            (
                "mx",
                "2.2",
                "in_progress",
                "Uso de la plataforma para consultas previas a solicitudes de AJM (demostración).",
            ),
            (
                "hn",
                "3.6",
                "not_applicable",
                "Sin centros de alojamiento en el periodo (demostración).",
            ),
            ("pa", "1.4", "done", "Directorio confirmado (demostración)."),
            (
                "sv",
                "4.6",
                "in_progress",
                "Campaña de prevención en preparación (demostración).",
            ),
            (
                "do",
                "1.3",
                "done",
                "Casos abiertos por la red segura de INTERPOL (demostración).",
            ),
        ];
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        for (cc, action, status, text) in rows {
            let Some(country) = Country::parse(cc) else {
                continue;
            };
            let username = format!("officer.{cc}");
            tx.put_progress(
                &ProgressChange {
                    plan_id: &plan.id,
                    country,
                    action,
                    period: &period,
                    status,
                    evidence: text,
                    link: None,
                    evidence_date: None,
                    user_id: "demo",
                    username: &username,
                },
                now,
            )
            .await?;
        }
        let mut e = crate::anonymous_entry(&Origin::default(), "demo.seed", "ok");
        e.detail = Some("demo work-plan progress".into());
        tx.audit(now, e).await?;
        tx.commit().await.map_err(AppError::from)
    }
}

/// Status in words, for exports and pages.
pub fn status_label(status: &str, lang: &str) -> &'static str {
    let en = lang == "en";
    match (status, en) {
        ("done", false) => "Cumplida",
        ("done", true) => "Done",
        ("in_progress", false) => "En curso",
        ("in_progress", true) => "In progress",
        ("not_applicable", false) => "No aplica",
        ("not_applicable", true) => "Not applicable",
        (_, false) => "Sin iniciar",
        (_, true) => "Not started",
    }
}

/// A cell a spreadsheet will not run as a formula (CSV injection): a leading `'`.
fn csv_cell(s: &str) -> String {
    if s.starts_with(['\t', '\r', '\n']) || s.trim_start().starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The progress grid of a period as CSV: one row per country and action (an action without
/// a report is "not started"), UTF-8 with a byte-order mark so spreadsheets read the
/// accents; for Spanish readers `;`-separated with Spanish headers (what a spreadsheet set
/// to Spanish expects), otherwise `,` and English headers.
pub fn progress_csv(doc: &PlanDoc, report: &ProgressReport, lang: &str) -> AppResult<String> {
    let en = lang == "en";
    let headers: [&str; 11] = if en {
        [
            "Country",
            "Axis",
            "Action",
            "Action text",
            "Period",
            "Status",
            "Evidence",
            "Link",
            "Evidence date",
            "Updated",
            "By",
        ]
    } else {
        [
            "País",
            "Eje",
            "Acción",
            "Texto de la acción",
            "Periodo",
            "Estado",
            "Evidencia",
            "Enlace",
            "Fecha de la evidencia",
            "Actualizado",
            "Por",
        ]
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(if en { b',' } else { b';' })
        .terminator(csv::Terminator::CRLF)
        .from_writer("\u{feff}".as_bytes().to_vec());
    let failed = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    w.write_record(headers).map_err(failed)?;
    let l = if en { "en" } else { "es" };
    for c in Country::all() {
        for a in &doc.axes {
            for x in &a.actions {
                let code = format!("{}.{}", a.number, x.number);
                let p = report
                    .items
                    .iter()
                    .find(|p| p.country == c && p.action == code);
                let row = [
                    c.name(l).to_string(),
                    a.number.to_string(),
                    code.clone(),
                    x.text.get(l).to_string(),
                    report.period.clone(),
                    status_label(p.map_or("not_started", |p| p.status.as_str()), l).to_string(),
                    p.map(|p| p.evidence.text.clone()).unwrap_or_default(),
                    p.and_then(|p| p.evidence.link.clone()).unwrap_or_default(),
                    p.and_then(|p| p.evidence.date.clone()).unwrap_or_default(),
                    p.map(|p| p.updated_at.clone()).unwrap_or_default(),
                    p.map(|p| p.updated_by.clone()).unwrap_or_default(),
                ];
                w.write_record(row.iter().map(|s| csv_cell(s)))
                    .map_err(failed)?;
            }
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {}", e.error())))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_plans_parse_with_their_actions() {
        let d2018 = PlanDoc::parse(BUILTIN[0].1).unwrap();
        let counts: Vec<usize> = d2018.axes.iter().map(|a| a.actions.len()).collect();
        assert_eq!(counts, vec![11, 8, 10, 9]);
        assert_eq!(d2018.action_count(), 38);
        assert!(d2018.action("1.5").is_some() && d2018.action("4.10").is_none());
        let d2003 = PlanDoc::parse(BUILTIN[1].1).unwrap();
        assert_eq!(d2003.axes.len(), 5);
        // A document round-trips through its canonical form.
        let canonical = serde_json::to_string(&d2018).unwrap();
        assert_eq!(PlanDoc::parse(&canonical).unwrap(), d2018);
    }

    #[test]
    fn periods_and_dates() {
        for ok in ["2026", "2026-Q1", "2000-Q4", "2100"] {
            assert!(valid_period(ok), "{ok}");
        }
        for bad in [
            "26",
            "2026-Q5",
            "2026-03",
            "2026-q1",
            "1999",
            "",
            "2026-Q",
            "２０２６",
        ] {
            assert!(!valid_period(bad), "{bad}");
        }
        assert!(valid_date("2024-02-29") && !valid_date("2023-02-29") && !valid_date("2026-13-01"));
        assert_eq!(quarter_of(0), "1970-Q1");
    }
}
