//! Case files (expedientes) and the sharing attributes every owned record carries.
use crate::country::Country;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistributionLevel {
    /// Own country only.
    Country,
    /// The owner country plus the named countries.
    Countries,
    /// All member countries.
    Members,
}

impl DistributionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            DistributionLevel::Country => "country",
            DistributionLevel::Countries => "countries",
            DistributionLevel::Members => "members",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "country" => Some(Self::Country),
            "countries" => Some(Self::Countries),
            "members" => Some(Self::Members),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Distribution {
    pub level: DistributionLevel,
    /// Named receiving countries (only for `countries`; never includes the owner).
    #[serde(default)]
    pub countries: Vec<Country>,
}

impl Distribution {
    pub fn own_country() -> Self {
        Distribution {
            level: DistributionLevel::Country,
            countries: vec![],
        }
    }
    /// Whether a user of `country` is in the audience of a record owned by `owner`.
    pub fn reaches(&self, owner: Country, country: Country) -> bool {
        owner == country
            || match self.level {
                DistributionLevel::Country => false,
                DistributionLevel::Countries => self.countries.contains(&country),
                DistributionLevel::Members => true,
            }
    }
}

/// What a receiver may do with a record (law-enforcement handling practice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Handling {
    /// Use only as intelligence.
    IntelligenceOnly,
    /// Not for court without the owner's consent.
    NoCourtWithoutConsent,
    /// No onward sharing without the owner's consent.
    NoOnwardSharing,
}

impl Handling {
    pub const ALL: [Handling; 3] = [
        Handling::IntelligenceOnly,
        Handling::NoCourtWithoutConsent,
        Handling::NoOnwardSharing,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Handling::IntelligenceOnly => "intelligence_only",
            Handling::NoCourtWithoutConsent => "no_court_without_consent",
            Handling::NoOnwardSharing => "no_onward_sharing",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Handling::ALL.into_iter().find(|h| h.as_str() == s)
    }
}

/// The 4×4 grading: source reliability A–D or X (cannot be judged), information 1–4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation {
    pub source: char,
    pub information: u8,
}

impl Evaluation {
    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.trim().chars();
        let source = it.next()?.to_ascii_uppercase();
        let info = it.next()?.to_digit(10)? as u8;
        if it.next().is_some() || !matches!(source, 'A' | 'B' | 'C' | 'D' | 'X') {
            return None;
        }
        if !(1..=4).contains(&info) {
            return None;
        }
        Some(Evaluation {
            source,
            information: info,
        })
    }
    pub fn code(self) -> String {
        format!("{}{}", self.source, self.information)
    }
}

impl Serialize for Evaluation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

/// In the API document: source A–D or X, information 1–4 (`B2`).
impl utoipa::PartialSchema for Evaluation {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .pattern(Some("^[A-DX][1-4]$"))
            .description(Some("Source reliability A–D or X, information 1–4"))
            .into()
    }
}

impl utoipa::ToSchema for Evaluation {}

impl<'de> Deserialize<'de> for Evaluation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Evaluation::parse(&s).ok_or_else(|| serde::de::Error::custom("bad evaluation"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// A validated case file as the owner wants it written.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDraft {
    pub title: String,
    pub summary: String,
    pub distribution: Distribution,
    pub handling: Handling,
    pub evaluation: Evaluation,
    /// Concerns victims or minors: never shared beyond named countries, every read logged.
    pub sensitive: bool,
}

/// Raw input, as it comes from a form or the API. The schema attributes describe, for the
/// API document, what `validate` accepts field by field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CaseInput {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub title: String,
    #[serde(default)]
    #[schema(
        max_length = 20000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub summary: String,
    /// Who sees the case file (default: own country only).
    pub distribution: Option<DistributionInput>,
    /// What receivers may do with it (default `intelligence_only`).
    #[schema(pattern = "^(intelligence_only|no_court_without_consent|no_onward_sharing)?$")]
    pub handling: Option<String>,
    /// The 4×4 grading, e.g. `B2` (default `X4`).
    #[schema(pattern = "^([A-DX][1-4])?$")]
    pub evaluation: Option<String>,
    /// Victims or minors: never distributed to all members.
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DistributionInput {
    #[serde(default)]
    #[schema(required = true, value_type = DistributionLevel)]
    pub level: String,
    /// For `countries`: the receiving member countries (the owner is implied).
    #[serde(default)]
    #[schema(value_type = Vec<Country>)]
    pub countries: Vec<String>,
}

/// A partial change of a case file: what is omitted (or null) keeps its value.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CasePatch {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub title: Option<String>,
    #[schema(
        max_length = 20000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub summary: Option<String>,
    pub distribution: Option<DistributionInput>,
    #[schema(pattern = "^(intelligence_only|no_court_without_consent|no_onward_sharing)?$")]
    pub handling: Option<String>,
    #[schema(pattern = "^([A-DX][1-4])?$")]
    pub evaluation: Option<String>,
    /// Victims or minors. Omitted, it stays as it is: a PATCH never widens a sensitive case
    /// by accident.
    pub sensitive: Option<bool>,
}

impl CasePatch {
    /// The whole input this patch makes of the case as it is now.
    pub fn over(&self, current: &CaseDraft) -> CaseInput {
        CaseInput {
            title: self.title.clone().unwrap_or_else(|| current.title.clone()),
            summary: self
                .summary
                .clone()
                .unwrap_or_else(|| current.summary.clone()),
            distribution: Some(self.distribution.clone().unwrap_or_else(|| {
                DistributionInput {
                    level: current.distribution.level.as_str().to_string(),
                    countries: current
                        .distribution
                        .countries
                        .iter()
                        .map(|c| c.code().to_string())
                        .collect(),
                }
            })),
            handling: Some(
                self.handling
                    .clone()
                    .unwrap_or_else(|| current.handling.as_str().to_string()),
            ),
            evaluation: Some(
                self.evaluation
                    .clone()
                    .unwrap_or_else(|| current.evaluation.code()),
            ),
            sensitive: self.sensitive.unwrap_or(current.sensitive),
        }
    }
}

impl From<CaseInput> for CasePatch {
    /// A form sends every field: nothing is kept from before.
    fn from(i: CaseInput) -> CasePatch {
        CasePatch {
            title: Some(i.title),
            summary: Some(i.summary),
            distribution: Some(i.distribution.unwrap_or(DistributionInput {
                level: "country".into(),
                countries: vec![],
            })),
            handling: Some(i.handling.unwrap_or_default()),
            evaluation: Some(i.evaluation.unwrap_or_default()),
            sensitive: Some(i.sensitive),
        }
    }
}

pub const TITLE_MAX: usize = 200;
pub const SUMMARY_MAX: usize = 20_000;

impl CaseInput {
    /// Validates against the owner country: named countries must be members and not the owner.
    pub fn validate(&self, owner: Country) -> Result<CaseDraft, Invalid> {
        let mut errs = Invalid::default();
        let title = validate::text(&mut errs, "title", &self.title, true, TITLE_MAX);
        let summary = validate::text(&mut errs, "summary", &self.summary, false, SUMMARY_MAX);
        let dist_in = self.distribution.clone().unwrap_or(DistributionInput {
            level: "country".into(),
            countries: vec![],
        });
        let level = DistributionLevel::parse(dist_in.level.trim());
        let mut countries = Vec::new();
        for c in &dist_in.countries {
            match Country::parse(c) {
                Some(c) if c == owner => {}
                Some(c) => {
                    if !countries.contains(&c) {
                        countries.push(c)
                    }
                }
                None => errs.push("distribution", "unknown_country"),
            }
        }
        countries.sort();
        let distribution = match level {
            None => {
                errs.push("distribution", "bad_distribution");
                Distribution::own_country()
            }
            Some(DistributionLevel::Countries) => {
                if countries.is_empty() {
                    errs.push("distribution", "countries_required");
                }
                Distribution {
                    level: DistributionLevel::Countries,
                    countries,
                }
            }
            Some(l) => Distribution {
                level: l,
                countries: vec![],
            },
        };
        let handling = match self.handling.as_deref().map(str::trim) {
            None | Some("") => Handling::IntelligenceOnly,
            Some(h) => Handling::parse(h).unwrap_or_else(|| {
                errs.push("handling", "bad_handling");
                Handling::IntelligenceOnly
            }),
        };
        let evaluation = match self.evaluation.as_deref().map(str::trim) {
            None | Some("") => Evaluation {
                source: 'X',
                information: 4,
            },
            Some(e) => Evaluation::parse(e).unwrap_or_else(|| {
                errs.push("evaluation", "bad_evaluation");
                Evaluation {
                    source: 'X',
                    information: 4,
                }
            }),
        };
        if self.sensitive && distribution.level == DistributionLevel::Members {
            errs.push("distribution", "sensitive_not_members");
        }
        errs.into_result()?;
        Ok(CaseDraft {
            title,
            summary,
            distribution,
            handling,
            evaluation,
            sensitive: self.sensitive,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx() -> Country {
        Country::parse("mx").unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn a_patch_keeps_what_it_omits() {
        let draft = CaseInput {
            title: "Red del sur".into(),
            summary: "Resumen".into(),
            distribution: Some(DistributionInput {
                level: "countries".into(),
                countries: vec!["gt".into()],
            }),
            handling: Some("no_onward_sharing".into()),
            evaluation: Some("B2".into()),
            sensitive: true,
        }
        .validate(mx())
        .unwrap();
        let patch = CasePatch {
            title: Some("Nuevo título".into()),
            ..Default::default()
        };
        let after = patch.over(&draft).validate(mx()).unwrap();
        assert_eq!(after.title, "Nuevo título");
        assert_eq!(after.summary, draft.summary);
        assert_eq!(after.distribution, draft.distribution);
        assert_eq!(after.handling, draft.handling);
        assert_eq!(after.evaluation, draft.evaluation);
        assert!(after.sensitive, "an omitted sensitive flag stays set");
    }

    #[test]
    fn evaluation_grades() {
        assert_eq!(Evaluation::parse("b2").map(|e| e.code()), Some("B2".into()));
        assert!(Evaluation::parse("E1").is_none());
        assert!(Evaluation::parse("A5").is_none());
        assert!(Evaluation::parse("X4").is_some());
    }

    #[test]
    fn validation_reports_each_field() {
        let input = CaseInput {
            title: "  ".into(),
            distribution: Some(DistributionInput {
                level: "countries".into(),
                countries: vec!["zz".into()],
            }),
            handling: Some("whatever".into()),
            evaluation: Some("Q9".into()),
            ..Default::default()
        };
        let err = input.validate(mx()).err().unwrap_or_default();
        let codes: Vec<_> = err.0.iter().map(|e| (e.field, e.code)).collect();
        assert!(codes.contains(&("title", "required")));
        assert!(codes.contains(&("distribution", "unknown_country")));
        assert!(codes.contains(&("distribution", "countries_required")));
        assert!(codes.contains(&("handling", "bad_handling")));
        assert!(codes.contains(&("evaluation", "bad_evaluation")));
    }

    #[test]
    fn sensitive_records_never_go_to_all_members() {
        let input = CaseInput {
            title: "Menores no acompañados".into(),
            distribution: Some(DistributionInput {
                level: "members".into(),
                countries: vec![],
            }),
            sensitive: true,
            ..Default::default()
        };
        assert!(input.validate(mx()).is_err());
    }

    #[test]
    fn owner_is_dropped_from_named_countries() {
        let input = CaseInput {
            title: "Red del Soconusco".into(),
            distribution: Some(DistributionInput {
                level: "countries".into(),
                countries: vec!["GT".into(), "mx".into(), "gt".into()],
            }),
            ..Default::default()
        };
        let d = input.validate(mx()).map(|d| d.distribution.countries);
        assert_eq!(
            d,
            Ok(vec![Country::parse("gt").unwrap_or_else(|| unreachable!())])
        );
    }
}
