//! The input to the matcher: a person (or a bare identifier) as FollowTheMoney describes it,
//! and its prepared form.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dob::Dob;
use crate::ident::{IdKind, Identifier};
use crate::names::{self, PName};
use crate::text::fold;

/// One way of writing a person's name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NameParts {
    /// The name as written, when given whole ("José Luis García López",
    /// "GARCÍA LÓPEZ, José Luis").
    pub full: Option<String>,
    /// Given names (firstName, secondName, middleName).
    pub given: Vec<String>,
    /// Surnames, first then second (lastName, or fatherName then motherName).
    pub surnames: Vec<String>,
    /// A weak alias (a nickname such as "El Flaco"): counts less.
    pub weak: bool,
}

/// Gender as evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn parse(raw: &str) -> Option<Gender> {
        match fold(raw).as_str() {
            "male" | "m" | "masculino" | "hombre" | "h" | "man" | "masculin" | "homme" => {
                Some(Gender::Male)
            }
            "female" | "f" | "femenino" | "mujer" | "woman" | "feminin" | "femme" => {
                Some(Gender::Female)
            }
            _ => None,
        }
    }
}

/// A person, or a bare identifier, to index or to look for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub names: Vec<NameParts>,
    /// Dates of birth as written (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`); unparsable ones are ignored.
    pub birth_dates: Vec<String>,
    /// ISO 3166-1 alpha-2 codes, lower case (country names are mapped when recognised).
    pub nationalities: Vec<String>,
    pub gender: Option<Gender>,
    /// Normalised identifiers.
    pub identifiers: Vec<Identifier>,
}

/// Where [`PersonRecord`] reads an entity's properties from: a `serde_json::Value`, or a line
/// read straight into the properties the matcher uses (`crate::ftm`).
pub(crate) trait Props {
    /// The non-blank strings of a property (trimmed), from a string or an array of them.
    fn strings(&self, key: &str) -> Vec<String>;
}

impl Props for Value {
    fn strings(&self, key: &str) -> Vec<String> {
        strings(self, key)
    }
}

fn strings(props: &Value, key: &str) -> Vec<String> {
    match props.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_owned()],
        _ => Vec::new(),
    }
}

/// Country names and demonyms to codes, for sources that write "Guatemala" or "hondureña".
fn country_code(raw: &str) -> Option<String> {
    let f = fold(raw);
    if f.len() == 2 && f.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(f);
    }
    let code = match f.as_str() {
        "mexico" | "mexican" | "mexicano" | "mexicana" => "mx",
        "guatemala" | "guatemalan" | "guatemalteco" | "guatemalteca" => "gt",
        "honduras" | "honduran" | "hondureno" | "hondurena" => "hn",
        "el salvador" | "salvador" | "salvadoran" | "salvadoreno" | "salvadorena" => "sv",
        "nicaragua" | "nicaraguan" | "nicaraguense" => "ni",
        "costa rica" | "costa rican" | "costarricense" => "cr",
        "panama" | "panamanian" | "panameno" | "panamena" => "pa",
        "belize" | "belice" | "belizean" | "beliceno" | "belicena" => "bz",
        "dominican republic"
        | "republica dominicana"
        | "dominican"
        | "dominicano"
        | "dominicana" => "do",
        "united states" | "estados unidos" | "usa" | "american" | "estadounidense" => "us",
        "canada" | "canadian" | "canadiense" => "ca",
        "haiti" | "haitian" | "haitiano" | "haitiana" => "ht",
        "cuba" | "cuban" | "cubano" | "cubana" => "cu",
        "venezuela" | "venezuelan" | "venezolano" | "venezolana" => "ve",
        "colombia" | "colombian" | "colombiano" | "colombiana" => "co",
        "ecuador" | "ecuadorian" | "ecuatoriano" | "ecuatoriana" => "ec",
        "india" | "indian" | "indio" | "hindu" => "in",
        "china" | "chinese" | "chino" | "china popular" => "cn",
        _ => return None,
    };
    Some(code.to_owned())
}

impl PersonRecord {
    /// Builds a record from a FollowTheMoney entity (`{"schema":…,"properties":{…}}`). Phones
    /// written without a country code take the entity's `country` (or first nationality) as
    /// their default. Returns `None` when the entity holds nothing matchable.
    pub fn from_ftm(entity: &Value) -> Option<PersonRecord> {
        Self::from_ftm_with_country(entity, None)
    }

    /// As [`PersonRecord::from_ftm`], with `default_country` (the owner country, say) for
    /// phones when the entity names no country.
    pub fn from_ftm_with_country(
        entity: &Value,
        default_country: Option<&str>,
    ) -> Option<PersonRecord> {
        Self::build(entity, default_country, false)
    }

    /// [`PersonRecord::from_ftm_with_country`] for an entity kept as its schema and the JSON
    /// text of its properties object, read without building a `Value` tree (how the server
    /// reads a million stored entities at start). Text that is not JSON: the parser's error.
    pub fn from_ftm_properties_json(
        schema: &str,
        properties: &str,
        default_country: Option<&str>,
    ) -> Result<Option<PersonRecord>, serde_json::Error> {
        crate::ftm::record_from_props(schema, properties.as_bytes(), default_country)
    }

    /// A record to look for, as a person typed it: like
    /// [`PersonRecord::from_ftm_with_country`] with the asker's country, except that a phone
    /// written without its country code becomes every reading
    /// [`crate::ident::phone_candidates`] finds (the entity's country, the asker's, the
    /// subject's nationalities, then every member plan that fits). Indexed records keep one
    /// key per phone; a query that carries several readings hits whichever is stored.
    pub fn query_from_ftm(entity: &Value, asker_country: Option<&str>) -> Option<PersonRecord> {
        Self::build(entity, asker_country, true)
    }

    fn build(entity: &Value, default_country: Option<&str>, query: bool) -> Option<PersonRecord> {
        let props = entity.get("properties")?;
        if !props.is_object() {
            return None;
        }
        let schema = entity
            .get("schema")
            .and_then(Value::as_str)
            .unwrap_or("Person");
        Self::build_props(props, schema, default_country, query)
    }

    /// [`PersonRecord::build`] once the entity's properties object and schema are found.
    /// A property read here must also be listed in `ftm::prop_index` (the JSON Lines reader
    /// keeps only those): add it to the line of every property in `ftm`'s test too.
    pub(crate) fn build_props(
        props: &impl Props,
        schema: &str,
        default_country: Option<&str>,
        query: bool,
    ) -> Option<PersonRecord> {
        let mut rec = PersonRecord {
            nationalities: props
                .strings("nationality")
                .iter()
                .chain(props.strings("citizenship").iter())
                .filter_map(|s| country_code(s))
                .collect(),
            ..PersonRecord::default()
        };
        rec.nationalities.dedup();
        let own_country = props
            .strings("country")
            .first()
            .and_then(|c| country_code(c))
            .or_else(|| rec.nationalities.first().cloned());
        let phone_cc = own_country.as_deref().or(default_country);

        let is_person = matches!(schema, "Person" | "LegalEntity");
        if is_person {
            let first = props.strings("firstName");
            let mut given: Vec<String> = first.first().cloned().into_iter().collect();
            given.extend(props.strings("secondName").into_iter().take(1));
            given.extend(props.strings("middleName").into_iter().take(1));
            let mut surnames: Vec<String> = props.strings("lastName").into_iter().take(1).collect();
            let father = props.strings("fatherName");
            let mother = props.strings("motherName");
            if surnames.is_empty() {
                surnames.extend(father.into_iter().take(1));
            }
            if let Some(m) = mother.first() {
                let already = surnames.iter().any(|s| fold(s).contains(&fold(m)));
                if !already {
                    surnames.push(m.clone());
                }
            }
            if !given.is_empty() || !surnames.is_empty() {
                rec.names.push(NameParts {
                    full: None,
                    given: given.clone(),
                    surnames: surnames.clone(),
                    weak: false,
                });
                // Further first names (a nickname listed as another firstName) with the same surnames.
                for other in first.iter().skip(1) {
                    rec.names.push(NameParts {
                        full: None,
                        given: vec![other.clone()],
                        surnames: surnames.clone(),
                        weak: false,
                    });
                }
            }
            for n in props
                .strings("name")
                .into_iter()
                .chain(props.strings("alias"))
                .chain(props.strings("previousName"))
            {
                rec.names.push(NameParts {
                    full: Some(n),
                    ..NameParts::default()
                });
            }
            for n in props.strings("weakAlias") {
                rec.names.push(NameParts {
                    full: Some(n),
                    weak: true,
                    ..NameParts::default()
                });
            }
            rec.birth_dates = props.strings("birthDate");
            rec.gender = props
                .strings("gender")
                .first()
                .and_then(|g| Gender::parse(g));
        }

        // Where a phone typed without its country code may be from, most likely first.
        let mut contexts: Vec<String> = own_country.iter().cloned().collect();
        contexts.extend(default_country.map(str::to_ascii_lowercase));
        contexts.extend(rec.nationalities.iter().cloned());
        let contexts: Vec<&str> = contexts.iter().map(String::as_str).collect();
        let mut add = |kind: IdKind, key: &str| {
            for raw in props.strings(key) {
                if query && kind == IdKind::Phone {
                    for value in crate::ident::phone_candidates(&raw, &contexts) {
                        let id = Identifier { kind, value };
                        if !rec.identifiers.contains(&id) {
                            rec.identifiers.push(id);
                        }
                    }
                    continue;
                }
                if let Some(id) = Identifier::new(kind, &raw, phone_cc) {
                    if !rec.identifiers.contains(&id) {
                        rec.identifiers.push(id);
                    }
                }
            }
        };
        add(IdKind::Phone, "phone");
        add(IdKind::Email, "email");
        add(IdKind::IdNumber, "idNumber");
        add(IdKind::IdNumber, "taxNumber");
        add(IdKind::Passport, "passportNumber");
        match schema {
            "Passport" => add(IdKind::Passport, "number"),
            "Identification" | "Document" => add(IdKind::IdNumber, "number"),
            "Phone" => add(IdKind::Phone, "number"),
            "Email" => add(IdKind::Email, "address"),
            "Vehicle" | "Car" | "Truck" => {
                add(IdKind::Plate, "registrationNumber");
                add(IdKind::Plate, "plate");
            }
            "Vessel" => {
                add(IdKind::VesselRegistration, "registrationNumber");
                add(IdKind::VesselRegistration, "imoNumber");
                add(IdKind::VesselRegistration, "mmsi");
                add(IdKind::VesselRegistration, "callSign");
                add(IdKind::VesselName, "name");
            }
            "BankAccount" => {
                add(IdKind::Account, "accountNumber");
                add(IdKind::Account, "iban");
                add(IdKind::Account, "number");
            }
            _ => {}
        }
        add(IdKind::Account, "iban");
        add(IdKind::Account, "accountNumber");

        if rec.names.is_empty() && rec.identifiers.is_empty() && rec.birth_dates.is_empty() {
            return None;
        }
        Some(rec)
    }

    /// A record with one full name, as written.
    pub fn with_name(name: &str) -> PersonRecord {
        PersonRecord {
            names: vec![NameParts {
                full: Some(name.to_owned()),
                ..NameParts::default()
            }],
            ..PersonRecord::default()
        }
    }

    /// A record with a name given in parts.
    pub fn with_parts(given: &[&str], surnames: &[&str]) -> PersonRecord {
        PersonRecord {
            names: vec![NameParts {
                full: None,
                given: given.iter().map(|s| (*s).to_owned()).collect(),
                surnames: surnames.iter().map(|s| (*s).to_owned()).collect(),
                weak: false,
            }],
            ..PersonRecord::default()
        }
    }

    pub fn birth_date(mut self, date: &str) -> Self {
        self.birth_dates.push(date.to_owned());
        self
    }

    pub fn nationality(mut self, code: &str) -> Self {
        if let Some(c) = country_code(code) {
            self.nationalities.push(c);
        }
        self
    }

    pub fn gender(mut self, gender: Gender) -> Self {
        self.gender = Some(gender);
        self
    }

    /// Adds an identifier (normalised; ignored when it does not normalise).
    pub fn identifier(mut self, kind: IdKind, raw: &str, default_country: Option<&str>) -> Self {
        if let Some(id) = Identifier::new(kind, raw, default_country) {
            self.identifiers.push(id);
        }
        self
    }

    pub(crate) fn prepare(&self) -> Prepared {
        self.prepare_in(None)
    }

    /// As [`PersonRecord::prepare`], sharing tokens through `interner` (records kept in an
    /// index).
    pub(crate) fn prepare_in(&self, interner: Option<&names::Interner>) -> Prepared {
        let mut names: Vec<PName> = Vec::with_capacity(self.names.len());
        for n in &self.names {
            let mut parts: Vec<(Vec<String>, Vec<String>, Vec<String>)> = Vec::new();
            if !n.given.is_empty() || !n.surnames.is_empty() {
                let tok = |v: &Vec<String>| -> Vec<String> {
                    let joined = v.join(" ");
                    names::drop_particles(
                        fold(&joined)
                            .split(' ')
                            .filter(|w| !w.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    )
                };
                parts.push((tok(&n.given), tok(&n.surnames), Vec::new()));
            }
            if let Some(full) = &n.full {
                parts.push(names::parse_full(full));
            }
            for (g, s, u) in parts {
                let p = names::prepare(&g, &s, &u, n.weak, interner);
                if p.toks.is_empty() {
                    continue;
                }
                let dup = names.iter().any(|e| {
                    e.toks.len() == p.toks.len()
                        && e.toks.iter().zip(p.toks.iter()).all(|(a, b)| a.s == b.s)
                });
                if !dup {
                    names.push(p);
                }
            }
        }
        let mut dobs: Vec<Dob> = self
            .birth_dates
            .iter()
            .filter_map(|d| Dob::parse(d))
            .collect();
        dobs.dedup();
        let mut nats: Vec<[u8; 2]> = self
            .nationalities
            .iter()
            .filter_map(|n| {
                let b = n.as_bytes();
                (b.len() == 2).then(|| [b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase()])
            })
            .collect();
        nats.sort_unstable();
        nats.dedup();
        Prepared {
            names,
            dobs,
            nats,
            gender: self.gender,
            ids: self.identifiers.clone(),
        }
    }
}

/// A record prepared for matching: tokens folded and keyed once.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    pub names: Vec<PName>,
    pub dobs: Vec<Dob>,
    pub nats: Vec<[u8; 2]>,
    pub gender: Option<Gender>,
    pub ids: Vec<Identifier>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_ftm_person() {
        let e = json!({"id":"p1","schema":"Person","properties":{
            "name":["José Luis GARCÍA LÓPEZ"],"firstName":["José Luis"],"lastName":["García López"],
            "alias":["Pepe García"],"weakAlias":["El Flaco"],"birthDate":["1985-03-12"],
            "nationality":["gt"],"gender":["male"],"phone":["5555 1234"],"passportNumber":["a-123 456"],
            "email":["Jose.Garcia@gmail.com"]}});
        let r = PersonRecord::from_ftm(&e).unwrap();
        assert_eq!(r.names.len(), 4);
        assert_eq!(r.nationalities, vec!["gt"]);
        assert_eq!(r.gender, Some(Gender::Male));
        assert!(r.identifiers.contains(&Identifier {
            kind: IdKind::Phone,
            value: "+50255551234".into()
        }));
        assert!(r.identifiers.contains(&Identifier {
            kind: IdKind::Passport,
            value: "A123456".into()
        }));
        assert!(r.identifiers.contains(&Identifier {
            kind: IdKind::Email,
            value: "josegarcia@gmail.com".into()
        }));
        let p = r.prepare();
        // The structured name and the capitals-marked full name fold to the same tokens.
        assert_eq!(p.names.len(), 3);
        assert_eq!(
            p.names[0].toks.iter().map(|t| &*t.s).collect::<Vec<_>>(),
            vec!["jose", "luis", "garcia", "lopez"]
        );
    }

    #[test]
    fn reads_ftm_identifier_entities() {
        let v = json!({"schema":"Vessel","properties":{"name":["M/V Estrella del Mar"],"imoNumber":["IMO 9074729"]}});
        let r = PersonRecord::from_ftm(&v).unwrap();
        assert!(r.names.is_empty());
        assert_eq!(r.identifiers.len(), 2);
        let c = json!({"schema":"Vehicle","properties":{"registrationNumber":["p-123 abc"]}});
        assert_eq!(
            PersonRecord::from_ftm(&c).unwrap().identifiers[0].value,
            "P123ABC"
        );
        assert!(PersonRecord::from_ftm(&json!({"schema":"Person","properties":{}})).is_none());
        assert!(PersonRecord::from_ftm(&json!("nope")).is_none());
    }
}
