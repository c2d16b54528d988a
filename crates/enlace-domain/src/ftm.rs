//! The entity model: a subset of FollowTheMoney (the model of OCCRP Aleph and OpenSanctions)
//! large enough for smuggling investigations, so data travels in its JSON format:
//! `{"id":…,"schema":"Person","properties":{"name":["…"],…}}`.
use crate::validate::Invalid;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a property holds; drives validation and matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropType {
    Text,
    Name,
    Date,
    Country,
    Phone,
    Email,
    Identifier,
    Number,
    Url,
    Gender,
    /// A reference to another entity (by id).
    Entity,
    /// land, sea, air or river.
    Mode,
    /// A code of the modus operandi vocabulary (checked against the store by the app).
    ModusOperandi,
    /// interdiction, arrest, rescue, seizure, death_in_transit or other.
    EventType,
    /// `cc:n` — a count of persons of one nationality.
    CountByCountry,
}

type Props = &'static [(&'static str, PropType)];

use PropType::*;

const THING: Props = &[
    ("name", Name),
    ("alias", Name),
    ("weakAlias", Name),
    ("previousName", Name),
    ("summary", Text),
    ("description", Text),
    ("notes", Text),
    ("country", Country),
    ("keywords", Text),
    ("topics", Text),
    ("sourceUrl", Url),
    ("address", Text),
    ("addressEntity", Entity),
];
const LEGAL_ENTITY: Props = &[
    ("email", Email),
    ("phone", Phone),
    ("website", Url),
    ("idNumber", Identifier),
    ("taxNumber", Identifier),
    ("registrationNumber", Identifier),
    ("incorporationDate", Date),
    ("jurisdiction", Country),
    ("mainCountry", Country),
    ("legalForm", Text),
    ("status", Text),
];
const PERSON: Props = &[
    ("firstName", Name),
    ("secondName", Name),
    ("middleName", Name),
    ("lastName", Name),
    ("fatherName", Name),
    ("motherName", Name),
    ("title", Text),
    ("birthDate", Date),
    ("birthPlace", Text),
    ("deathDate", Date),
    ("gender", Gender),
    ("nationality", Country),
    ("citizenship", Country),
    ("passportNumber", Identifier),
    ("position", Text),
    ("ethnicity", Text),
];
const ADDRESS: Props = &[
    ("full", Text),
    ("street", Text),
    ("street2", Text),
    ("city", Text),
    ("postalCode", Text),
    ("region", Text),
    ("state", Text),
    ("latitude", Number),
    ("longitude", Number),
    ("remarks", Text),
];
const VEHICLE: Props = &[
    ("registrationNumber", Identifier),
    ("type", Text),
    ("model", Text),
    ("owner", Entity),
    ("operator", Entity),
    ("buildDate", Date),
    ("registrationDate", Date),
];
const VESSEL: Props = &[
    ("imoNumber", Identifier),
    ("mmsi", Identifier),
    ("callSign", Identifier),
    ("flag", Country),
    ("registrationPort", Text),
    ("tonnage", Number),
];
const IDENTIFICATION: Props = &[
    ("holder", Entity),
    ("type", Text),
    ("number", Identifier),
    ("authority", Text),
    ("startDate", Date),
    ("endDate", Date),
];
const PASSPORT: Props = &[
    ("surname", Name),
    ("givenName", Name),
    ("birthDate", Date),
    ("birthPlace", Text),
    ("gender", Gender),
    ("personalNumber", Identifier),
];
const BANK_ACCOUNT: Props = &[
    ("bankName", Text),
    ("accountNumber", Identifier),
    ("iban", Identifier),
    ("bic", Identifier),
    ("accountType", Text),
    ("currency", Text),
    ("openingDate", Date),
    ("closingDate", Date),
];
const INTERVAL: Props = &[
    ("startDate", Date),
    ("endDate", Date),
    ("date", Date),
    ("summary", Text),
    ("description", Text),
    ("recordId", Identifier),
];
const PAYMENT: Props = &[
    ("payer", Entity),
    ("payerAccount", Entity),
    ("beneficiary", Entity),
    ("beneficiaryAccount", Entity),
    ("amount", Number),
    ("currency", Text),
    ("purpose", Text),
];
const MEMBERSHIP: Props = &[
    ("member", Entity),
    ("organization", Entity),
    ("role", Text),
    ("status", Text),
];
const ASSOCIATE: Props = &[
    ("person", Entity),
    ("associate", Entity),
    ("relationship", Text),
];
const FAMILY: Props = &[
    ("person", Entity),
    ("relative", Entity),
    ("relationship", Text),
];
const OWNERSHIP: Props = &[
    ("owner", Entity),
    ("asset", Entity),
    ("percentage", Number),
    ("role", Text),
];
const CALL: Props = &[
    ("caller", Entity),
    ("callerNumber", Phone),
    ("receiver", Entity),
    ("receiverNumber", Phone),
    ("duration", Number),
];
const EVENT: Props = &[
    ("name", Name),
    ("location", Text),
    ("country", Country),
    ("involved", Entity),
    ("organizer", Entity),
];
const USER_ACCOUNT: Props = &[
    ("owner", Entity),
    ("username", Identifier),
    ("email", Email),
    ("phone", Phone),
    ("service", Text),
];

/// Our documented extensions (not in FollowTheMoney; its tools ignore them): the legs of
/// smuggling routes and modus operandi tags from the platform's controlled vocabulary.
pub const EXTENSION_PREFIX: &str = "enlace";
const TRIP: Props = &[
    ("name", Name),
    ("startLocation", Entity),
    ("endLocation", Entity),
    ("vehicle", Entity),
    ("involved", Entity),
    ("organizer", Entity),
    ("country", Country),
    ("summary", Text),
    ("description", Text),
    ("keywords", Text),
    // First and last seen.
    ("startDate", Date),
    ("endDate", Date),
    ("enlaceRoute", Text),
    ("enlaceLegOrder", Number),
    ("enlaceMode", Mode),
    ("enlaceMeans", Text),
    ("enlaceFee", Number),
    ("enlaceCurrency", Text),
    ("enlaceDurationHours", Number),
];
const MO: Props = &[("enlaceModusOperandi", ModusOperandi)];
const EVENT_EXT: Props = &[
    // interdiction, arrest, rescue, seizure, death_in_transit, other.
    ("enlaceEventType", EventType),
    // Migrants involved by nationality: "hn:12".
    ("enlaceMigrants", CountByCountry),
];

/// (schema, property groups). Order is the order forms show. The names pages show for
/// schemas and properties are in the web catalogues (`schema_*`, `prop_*`), which a test keeps
/// complete.
const SCHEMAS: &[(&str, &[Props])] = &[
    ("Person", &[THING, LEGAL_ENTITY, PERSON]),
    ("Organization", &[THING, LEGAL_ENTITY, MO]),
    ("Company", &[THING, LEGAL_ENTITY]),
    ("Address", &[THING, ADDRESS]),
    ("Vehicle", &[THING, VEHICLE]),
    ("Vessel", &[THING, VEHICLE, VESSEL]),
    (
        "Identification",
        &[
            IDENTIFICATION,
            &[
                ("country", Country),
                ("summary", Text),
                ("description", Text),
            ],
        ],
    ),
    (
        "Passport",
        &[
            IDENTIFICATION,
            PASSPORT,
            &[
                ("country", Country),
                ("summary", Text),
                ("description", Text),
            ],
        ],
    ),
    ("BankAccount", &[THING, BANK_ACCOUNT]),
    ("UserAccount", &[THING, USER_ACCOUNT]),
    ("Payment", &[INTERVAL, PAYMENT]),
    ("Membership", &[INTERVAL, MEMBERSHIP]),
    ("Associate", &[INTERVAL, ASSOCIATE]),
    ("Family", &[INTERVAL, FAMILY]),
    ("Ownership", &[INTERVAL, OWNERSHIP]),
    ("Call", &[INTERVAL, CALL]),
    ("Event", &[INTERVAL, EVENT, MO, EVENT_EXT]),
    ("Trip", &[TRIP, MO]),
];

/// The schemas that are links between two entities, and their two ends.
pub const LINKS: &[(&str, &str, &str)] = &[
    ("Membership", "member", "organization"),
    ("Associate", "person", "associate"),
    ("Family", "person", "relative"),
    ("Ownership", "owner", "asset"),
    ("Payment", "payer", "beneficiary"),
    ("Call", "caller", "receiver"),
];

/// The values a `Gender` property takes.
pub const GENDERS: &[&str] = &["male", "female", "other"];
/// The values a `Mode` property takes (how a route leg travels).
pub const MODES: &[&str] = &["land", "sea", "air", "river"];
/// The values an `EventType` property takes.
pub const EVENT_TYPES: &[&str] = &[
    "interdiction",
    "arrest",
    "rescue",
    "seizure",
    "death_in_transit",
    "other",
];

pub const MAX_VALUES: usize = 50;
pub const MAX_VALUE_LEN: usize = 2_000;

pub fn schemas() -> impl Iterator<Item = &'static str> {
    SCHEMAS.iter().map(|s| s.0)
}

/// The type of `prop` in `schema`, if the schema has it.
pub fn prop_type(schema: &str, prop: &str) -> Option<PropType> {
    SCHEMAS
        .iter()
        .find(|s| s.0 == schema)?
        .1
        .iter()
        .flat_map(|g| g.iter())
        .find(|(p, _)| *p == prop)
        .map(|(_, t)| *t)
}

pub fn props_of(schema: &str) -> Vec<(&'static str, PropType)> {
    SCHEMAS
        .iter()
        .find(|s| s.0 == schema)
        .map(|s| s.1.iter().flat_map(|g| g.iter().copied()).collect())
        .unwrap_or_default()
}

pub fn is_schema(schema: &str) -> bool {
    SCHEMAS.iter().any(|s| s.0 == schema)
}

/// Validated properties: each a non-empty list of trimmed strings.
pub type Properties = BTreeMap<String, Vec<String>>;

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

fn ymd(y: u32, m: Option<u32>, d: Option<u32>) -> Option<String> {
    if !(1000..=2999).contains(&y) {
        return None;
    }
    match (m, d) {
        (None, _) => Some(format!("{y:04}")),
        (Some(m), _) if !(1..=12).contains(&m) => None,
        (Some(m), None) => Some(format!("{y:04}-{m:02}")),
        (Some(m), Some(d)) if d == 0 || d > days_in_month(y, m) => None,
        (Some(m), Some(d)) => Some(format!("{y:04}-{m:02}-{d:02}")),
    }
}

/// A date as people type it, as the ISO 8601 prefix FollowTheMoney stores (`YYYY`,
/// `YYYY-MM`, `YYYY-MM-DD`, a time allowed after a full date): `1978-12-14`, `1978/12/14`,
/// `14/12/1978`, `14-12-1978`, `14.12.1978`, `12/1978`, `1978`. Day first, as the region
/// writes dates; `12/14/1978` is read month first only because 14 cannot be a month. `None`
/// when it is not a date of the calendar (`1980-13-45`).
pub fn parse_date(raw: &str) -> Option<String> {
    let s = raw.trim();
    let b = s.as_bytes();
    // ISO with a time after the date: the date part is checked, the rest kept as written.
    if b.len() > 10 && (b[10] == b'T' || b[10] == b' ') {
        let date = parse_date(&s[..10])?;
        return (date.len() == 10).then(|| format!("{date}{}", &s[10..]));
    }
    let parts: Vec<&str> = s
        .split(['-', '/', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.len() > 4 || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let year_first = parts[0].len() == 4;
    match (n.as_slice(), year_first) {
        ([y], true) => ymd(*y, None, None),
        ([y, m], true) if parts[1].len() <= 2 => ymd(*y, Some(*m), None),
        ([m, y], false) if parts[1].len() == 4 => ymd(*y, Some(*m), None),
        ([y, m, d], true) if parts[1].len() <= 2 && parts[2].len() <= 2 => {
            ymd(*y, Some(*m), Some(*d))
        }
        ([a, b2, y], false)
            if parts[2].len() == 4 && parts[0].len() <= 2 && parts[1].len() <= 2 =>
        {
            if *b2 > 12 && *a <= 12 {
                ymd(*y, Some(*a), Some(*b2))
            } else {
                ymd(*y, Some(*b2), Some(*a))
            }
        }
        _ => None,
    }
}

/// The error code of a value a property of type `t` does not accept: each says what to
/// write (its message is in the web catalogues).
pub fn bad_value_code(t: PropType) -> &'static str {
    match t {
        Date => "records_bad_date",
        Country => "records_bad_country",
        Number => "records_bad_number",
        Gender | Mode | EventType => "records_bad_choice",
        CountByCountry => "records_bad_count",
        Email => "records_bad_email",
        _ => "bad_value",
    }
}

/// The property's name as the schema tables spell it (a `'static` name for error fields).
fn prop_def(schema: &str, prop: &str) -> Option<(&'static str, PropType)> {
    SCHEMAS
        .iter()
        .find(|s| s.0 == schema)?
        .1
        .iter()
        .flat_map(|g| g.iter())
        .find(|(p, _)| *p == prop)
        .copied()
}

/// Validates a FollowTheMoney `properties` object against the schema. Entity references are
/// returned for the caller to resolve (they must exist and be visible).
pub fn validate_properties(
    schema: &str,
    props: &Value,
) -> Result<(Properties, Vec<(String, String)>), Invalid> {
    let mut errs = Invalid::default();
    if !is_schema(schema) {
        errs.push("schema", "unknown_schema");
        return Err(errs);
    }
    let empty = Map::new();
    let obj = match props {
        Value::Object(o) => o,
        Value::Null => &empty,
        _ => {
            errs.push("properties", "bad_properties");
            return Err(errs);
        }
    };
    let mut out = Properties::new();
    let mut refs = vec![];
    for (k, v) in obj {
        let Some((field, t)) = prop_def(schema, k) else {
            errs.push("properties", "unknown_property");
            continue;
        };
        let values: Vec<String> = match v {
            Value::Array(a) => a
                .iter()
                .filter_map(|x| match x {
                    Value::String(s) => Some(s.trim().to_string()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            Value::String(s) => vec![s.trim().to_string()],
            Value::Number(n) => vec![n.to_string()],
            _ => {
                errs.push(field, "bad_properties");
                continue;
            }
        };
        let values: Vec<String> = values.into_iter().filter(|s| !s.is_empty()).collect();
        if values.len() > MAX_VALUES {
            errs.push(field, "too_many_values");
            continue;
        }
        // Dates are stored as ISO whatever way they were typed.
        let values: Vec<String> = if t == Date {
            values
                .into_iter()
                .map(|v| parse_date(&v).unwrap_or(v))
                .collect()
        } else {
            values
        };
        for val in &values {
            if val.chars().count() > MAX_VALUE_LEN
                || val.chars().any(|c| c.is_control() && c != '\n')
            {
                errs.push(field, "bad_value");
                continue;
            }
            let ok = match t {
                Date => parse_date(val).is_some_and(|d| &d == val),
                Country => val.len() == 2 && val.chars().all(|c| c.is_ascii_alphabetic()),
                Number => val.parse::<f64>().is_ok(),
                Gender => GENDERS.contains(&val.as_str()),
                Mode => MODES.contains(&val.as_str()),
                EventType => EVENT_TYPES.contains(&val.as_str()),
                CountByCountry => val.split_once(':').is_some_and(|(c, n)| {
                    c.len() == 2
                        && c.chars().all(|x| x.is_ascii_alphabetic())
                        && n.parse::<u32>().is_ok()
                }),
                Email => val.contains('@'),
                Entity => {
                    refs.push((k.clone(), val.clone()));
                    true
                }
                _ => true,
            };
            if !ok {
                errs.push(field, bad_value_code(t));
            }
        }
        if !values.is_empty() {
            let values = if t == Country {
                values.iter().map(|v| v.to_ascii_lowercase()).collect()
            } else {
                values
            };
            out.insert(k.clone(), values);
        }
    }
    errs.into_result()?;
    Ok((out, refs))
}

/// A display caption: the name, or the most telling identifier of the schema.
pub fn caption(schema: &str, props: &Properties) -> String {
    let first = |k: &str| props.get(k).and_then(|v| v.first()).cloned();
    if let Some(n) = first("name") {
        return n;
    }
    if schema == "Person" {
        let parts: Vec<String> = ["firstName", "middleName", "lastName", "secondName"]
            .iter()
            .filter_map(|k| first(k))
            .collect();
        if !parts.is_empty() {
            return parts.join(" ");
        }
    }
    for k in [
        "number",
        "registrationNumber",
        "accountNumber",
        "iban",
        "imoNumber",
        "email",
        "phone",
        "username",
        "full",
        "city",
        "date",
        "startDate",
    ] {
        if let Some(v) = first(k) {
            return v;
        }
    }
    schema.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validates_properties_by_schema() {
        let (p, refs) = validate_properties(
            "Person",
            &json!({"name": ["Juan Pérez"], "birthDate": "1980-05-02", "nationality": ["GT"], "phone": ["+502 5555 1234"]}),
        )
        .unwrap();
        assert_eq!(p["nationality"], vec!["gt"]);
        assert!(refs.is_empty());
        assert!(validate_properties("Person", &json!({"color": ["red"]})).is_err());
        assert!(validate_properties("Alien", &json!({})).is_err());
        assert!(validate_properties("Person", &json!({"birthDate": ["ayer"]})).is_err());
        let (_, refs) = validate_properties(
            "Membership",
            &json!({"member": ["a"], "organization": ["b"]}),
        )
        .unwrap();
        assert_eq!(refs.len(), 2);
    }

    #[test]
    fn captions() {
        let (p, _) = validate_properties(
            "Person",
            &json!({"firstName": ["Ana"], "lastName": ["Ruiz"]}),
        )
        .unwrap();
        assert_eq!(caption("Person", &p), "Ana Ruiz");
        let (p, _) =
            validate_properties("Vehicle", &json!({"registrationNumber": ["P-123ABC"]})).unwrap();
        assert_eq!(caption("Vehicle", &p), "P-123ABC");
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_as_people_type_them() {
        for (typed, iso) in [
            ("1978-12-14", "1978-12-14"),
            ("14/12/1978", "1978-12-14"),
            ("14-12-1978", "1978-12-14"),
            ("14.12.1978", "1978-12-14"),
            ("4/3/1985", "1985-03-04"),
            ("12/14/1978", "1978-12-14"),
            ("1978/12/14", "1978-12-14"),
            ("12/1978", "1978-12"),
            ("1978-12", "1978-12"),
            ("1978", "1978"),
            ("2024-02-29", "2024-02-29"),
            ("2025-01-01T10:00:00Z", "2025-01-01T10:00:00Z"),
        ] {
            assert_eq!(parse_date(typed).as_deref(), Some(iso), "{typed}");
        }
        for bad in [
            "1980-13-45",
            "31/02/1980",
            "2023-02-29",
            "ayer",
            "14/12/78",
            "",
            "1978-1-2-3",
            "0000",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn errors_name_the_property() {
        let err = validate_properties(
            "Person",
            &json!({"birthDate": ["1980-13-45"], "nationality": ["Guatemala"]}),
        )
        .unwrap_err();
        assert_eq!(err.0[0].field, "birthDate");
        assert_eq!(err.0[0].code, "records_bad_date");
        assert_eq!(err.0[1].field, "nationality");
        assert_eq!(err.0[1].code, "records_bad_country");
        let (p, _) = validate_properties("Person", &json!({"birthDate": ["14/12/1978"]})).unwrap();
        assert_eq!(p["birthDate"], vec!["1978-12-14"]);
    }
}

#[cfg(test)]
mod extension_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_carry_a_type_and_counts_by_nationality() {
        assert!(validate_properties("Event", &json!({"name": ["Rescate"], "enlaceEventType": ["rescue"], "enlaceMigrants": ["hn:12", "ht:7"]})).is_ok());
        assert!(validate_properties("Event", &json!({"enlaceEventType": ["picnic"]})).is_err());
        assert!(validate_properties("Event", &json!({"enlaceMigrants": ["honduras:12"]})).is_err());
        assert!(validate_properties("Event", &json!({"enlaceMigrants": ["hn:-1"]})).is_err());
        assert!(validate_properties("Trip", &json!({"enlaceMode": ["teleport"]})).is_err());
    }
}
