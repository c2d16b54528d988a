//! The entity form per kind of record: the properties that matter for the schema, labelled
//! in the reader's language and grouped (identity, contact, documents and numbers, links),
//! the rest behind «more»; vocabularies as choices, linked records by their caption, dates
//! typed as people write them. Fields keep the `p.<property>` names the form has always
//! posted (several fields of one name add values).
use crate::i18n::Tr;
use crate::page::ShownError;
use enlace_domain::ftm::{self, PropType};
use std::collections::BTreeMap;

/// The properties each schema shows first, in the order a person fills them in; the others
/// of the schema go behind «more».
fn main_props(schema: &str) -> &'static [&'static str] {
    match schema {
        "Person" => &[
            "firstName",
            "secondName",
            "lastName",
            "name",
            "alias",
            "weakAlias",
            "birthDate",
            "birthPlace",
            "gender",
            "nationality",
            "phone",
            "email",
            "address",
            "idNumber",
            "passportNumber",
        ],
        "Organization" => &[
            "name",
            "alias",
            "country",
            "description",
            "enlaceModusOperandi",
            "phone",
            "email",
            "website",
            "address",
            "registrationNumber",
        ],
        "Company" => &[
            "name",
            "alias",
            "country",
            "description",
            "phone",
            "email",
            "address",
            "registrationNumber",
            "taxNumber",
        ],
        "Address" => &[
            "full",
            "street",
            "city",
            "region",
            "state",
            "postalCode",
            "country",
            "latitude",
            "longitude",
        ],
        "Vehicle" => &[
            "registrationNumber",
            "type",
            "model",
            "country",
            "owner",
            "operator",
            "description",
        ],
        "Vessel" => &[
            "name",
            "imoNumber",
            "registrationNumber",
            "mmsi",
            "callSign",
            "flag",
            "type",
            "owner",
            "operator",
            "description",
        ],
        "Identification" => &[
            "type",
            "number",
            "country",
            "authority",
            "startDate",
            "endDate",
            "holder",
        ],
        "Passport" => &[
            "number",
            "country",
            "surname",
            "givenName",
            "birthDate",
            "gender",
            "startDate",
            "endDate",
            "holder",
        ],
        "BankAccount" => &[
            "bankName",
            "accountNumber",
            "iban",
            "bic",
            "currency",
            "country",
            "description",
        ],
        "UserAccount" => &["service", "username", "phone", "email", "owner"],
        "Payment" => &[
            "date",
            "amount",
            "currency",
            "purpose",
            "payer",
            "payerAccount",
            "beneficiary",
            "beneficiaryAccount",
        ],
        "Membership" => &["member", "organization", "role", "startDate", "endDate"],
        "Associate" => &[
            "person",
            "associate",
            "relationship",
            "startDate",
            "endDate",
        ],
        "Family" => &["person", "relative", "relationship"],
        "Ownership" => &[
            "owner",
            "asset",
            "role",
            "percentage",
            "startDate",
            "endDate",
        ],
        "Call" => &[
            "date",
            "duration",
            "caller",
            "callerNumber",
            "receiver",
            "receiverNumber",
        ],
        "Event" => &[
            "name",
            "enlaceEventType",
            "date",
            "location",
            "country",
            "enlaceMigrants",
            "enlaceModusOperandi",
            "description",
            "involved",
            "organizer",
        ],
        "Trip" => &[
            "name",
            "enlaceRoute",
            "enlaceLegOrder",
            "enlaceMode",
            "enlaceMeans",
            "startDate",
            "endDate",
            "enlaceFee",
            "enlaceCurrency",
            "enlaceModusOperandi",
            "startLocation",
            "endLocation",
            "vehicle",
            "involved",
            "organizer",
        ],
        _ => &[],
    }
}

const CONTACT: &[&str] = &[
    "phone",
    "email",
    "website",
    "address",
    "addressEntity",
    "username",
    "service",
    "callerNumber",
    "receiverNumber",
];

/// Which group of the form a property belongs to.
fn group_of(prop: &str, ty: PropType) -> &'static str {
    if ty == PropType::Entity {
        "links"
    } else if CONTACT.contains(&prop) {
        "contact"
    } else if ty == PropType::Identifier {
        "documents"
    } else {
        "identity"
    }
}

/// Properties that hold one linked record (a select); the others take several (a list).
fn several_links(prop: &str) -> bool {
    matches!(prop, "involved" | "organizer")
}

/// One field of the form.
pub(crate) struct FormField {
    pub name: String,
    pub label: String,
    /// `line`, `text`, `date`, `select`, `multi`, `checks` or `counts`.
    pub kind: &'static str,
    /// A line, text or date: the values typed so far, joined by semicolons.
    pub value: String,
    /// A select: one select per chosen value, then an empty one to add another.
    pub chosen: Vec<String>,
    /// A select's or checks' choices: (value, label).
    pub options: Vec<(String, String)>,
    /// `counts` (migrants by nationality): (country, number) rows, with empty rows to add.
    pub counts: Vec<(String, String)>,
    pub hint: String,
    pub errors: Vec<String>,
}

/// A group of fields; `more` is the folded «more» group.
pub(crate) struct FormGroup {
    pub key: &'static str,
    pub label: String,
    pub fields: Vec<FormField>,
}

/// Countries to choose from: the members first, then every other country by name.
pub(crate) fn country_options(t: Tr) -> Vec<(String, String)> {
    let lang = t.code();
    let mut out: Vec<(String, String)> = enlace_domain::Country::all()
        .map(|c| (c.code().to_string(), c.name(lang).to_string()))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    let mut rest: Vec<(String, String)> = enlace_domain::nations::all()
        .iter()
        .filter(|(c, _, _)| enlace_domain::Country::parse(c).is_none())
        .map(|(c, es, en)| {
            (
                c.to_string(),
                if lang == "en" { *en } else { *es }.to_string(),
            )
        })
        .collect();
    rest.sort_by(|a, b| a.1.cmp(&b.1));
    out.extend(rest);
    out
}

/// What the form needs besides the schema and values.
pub(crate) struct FormContext<'a> {
    pub t: Tr,
    /// Records to link to: (id, caption (kind)).
    pub others: &'a [(String, String)],
    pub mo: &'a [enlace_store::countries::MoTerm],
    pub errors: &'a [ShownError],
}

fn field(
    c: &FormContext<'_>,
    schema: &str,
    prop: &'static str,
    ty: PropType,
    values: &[String],
) -> FormField {
    let t = c.t;
    let mut f = FormField {
        name: prop.to_string(),
        label: t.prop(schema, prop),
        kind: "line",
        value: values.join("; "),
        chosen: vec![],
        options: vec![],
        counts: vec![],
        hint: String::new(),
        errors: c
            .errors
            .iter()
            .filter(|e| e.field == prop)
            .map(|e| e.message.clone())
            .collect(),
    };
    let choices = |codes: &[&str], prefix: &str| -> Vec<(String, String)> {
        codes
            .iter()
            .map(|v| (v.to_string(), t.t(&format!("{prefix}{v}"))))
            .collect()
    };
    match ty {
        PropType::Text => f.kind = "text",
        PropType::Date => {
            f.kind = "date";
            f.hint = t.t("records_date_hint");
        }
        PropType::Phone => f.hint = t.t("records_phone_hint"),
        PropType::Country => {
            f.kind = "select";
            f.options = country_options(t);
        }
        PropType::Gender => {
            f.kind = "select";
            f.options = choices(ftm::GENDERS, "gender_");
        }
        PropType::Mode => {
            f.kind = "select";
            f.options = choices(ftm::MODES, "mode_");
        }
        PropType::EventType => {
            f.kind = "select";
            f.options = choices(ftm::EVENT_TYPES, "event_type_");
        }
        PropType::ModusOperandi => {
            f.kind = "checks";
            f.options =
                c.mo.iter()
                    .map(|m| {
                        let label = if t.code() == "en" {
                            &m.label_en
                        } else {
                            &m.label_es
                        };
                        (m.code.clone(), label.clone())
                    })
                    .collect();
            // A code no longer in the vocabulary stays chosen rather than being lost.
            for v in values {
                if !f.options.iter().any(|(code, _)| code == v) {
                    f.options.push((v.clone(), v.clone()));
                }
            }
        }
        PropType::CountByCountry => {
            f.kind = "counts";
            f.options = country_options(t);
            f.counts = values
                .iter()
                .map(|v| match v.split_once(':') {
                    Some((cc, n)) => (cc.to_string(), n.to_string()),
                    None => (String::new(), v.clone()),
                })
                .collect();
            let empty = if f.counts.is_empty() { 3 } else { 1 };
            f.counts
                .extend(std::iter::repeat_n((String::new(), String::new()), empty));
        }
        PropType::Entity => {
            f.kind = if several_links(prop) {
                "multi"
            } else {
                "select"
            };
            f.options = c.others.to_vec();
            for v in values {
                if !f.options.iter().any(|(id, _)| id == v) {
                    f.options.push((v.clone(), t.t("records_linked_elsewhere")));
                }
            }
        }
        _ => {}
    }
    if f.kind == "select" || f.kind == "multi" || f.kind == "checks" {
        f.chosen = values.to_vec();
        f.value.clear();
    }
    f
}

/// The form's groups for `schema` with `values` filled in: identity, contact, documents,
/// links (the schema's main properties), then «more» with the rest.
pub(crate) fn groups(
    c: &FormContext<'_>,
    schema: &str,
    values: &BTreeMap<String, Vec<String>>,
) -> Vec<FormGroup> {
    let main = main_props(schema);
    let props = ftm::props_of(schema);
    let mut seen = std::collections::BTreeSet::new();
    let mut out: Vec<FormGroup> = ["identity", "contact", "documents", "links", "more"]
        .iter()
        .map(|k| FormGroup {
            key: k,
            label: c.t.t(&format!("records_group_{k}")),
            fields: vec![],
        })
        .collect();
    let empty = vec![];
    let mut put = |prop: &'static str, ty: PropType, more: bool| {
        if !seen.insert(prop) {
            return;
        }
        let vals = values.get(prop).unwrap_or(&empty);
        // A property of «more» that holds a value, or an error, is shown with the main ones.
        let more = more && vals.is_empty() && !c.errors.iter().any(|e| e.field == prop);
        let key = if more { "more" } else { group_of(prop, ty) };
        if let Some(g) = out.iter_mut().find(|g| g.key == key) {
            g.fields.push(field(c, schema, prop, ty, vals));
        }
    };
    for p in main {
        if let Some((name, ty)) = props.iter().find(|(n, _)| n == p) {
            put(name, *ty, false);
        }
    }
    for (name, ty) in &props {
        put(name, *ty, true);
    }
    out.retain(|g| !g.fields.is_empty());
    out
}

/// Reads the form's fields into FollowTheMoney properties: `p.<property>` (semicolons
/// separate values typed in one line), and the migrants rows `m.country`/`m.count` as
/// `cc:n`.
pub(crate) fn read_props(pairs: &[(String, String)]) -> (String, BTreeMap<String, Vec<String>>) {
    let mut schema = String::new();
    let mut props: BTreeMap<String, Vec<String>> = Default::default();
    let mut countries = vec![];
    let mut counts = vec![];
    for (k, v) in pairs {
        if k == "schema" {
            schema = v.clone();
        } else if k == "m.country" {
            countries.push(v.trim().to_string());
        } else if k == "m.count" {
            counts.push(v.trim().to_string());
        } else if let Some(p) = k.strip_prefix("p.") {
            let vals: Vec<String> = v
                .split(super::pages::VALUE_SEPARATOR)
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect();
            if !vals.is_empty() {
                let slot = props.entry(p.to_string()).or_default();
                for x in vals {
                    if !slot.contains(&x) {
                        slot.push(x);
                    }
                }
            }
        }
    }
    for (cc, n) in countries.iter().zip(counts.iter()) {
        if cc.is_empty() && n.is_empty() {
            continue;
        }
        props
            .entry("enlaceMigrants".to_string())
            .or_default()
            .push(format!("{cc}:{n}"));
    }
    (schema, props)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_main_property_belongs_to_its_schema() {
        for s in ftm::schemas() {
            for p in main_props(s) {
                assert!(ftm::prop_type(s, p).is_some(), "{s}.{p}");
            }
        }
    }

    #[test]
    fn reads_migrant_rows_and_repeated_fields() {
        let pairs: Vec<(String, String)> = [
            ("schema", "Event"),
            ("p.involved", "a"),
            ("p.involved", "b"),
            ("p.involved", ""),
            ("m.country", "hn"),
            ("m.count", "12"),
            ("m.country", ""),
            ("m.count", ""),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let (schema, props) = read_props(&pairs);
        assert_eq!(schema, "Event");
        assert_eq!(props["involved"], vec!["a", "b"]);
        assert_eq!(props["enlaceMigrants"], vec!["hn:12"]);
    }
}
