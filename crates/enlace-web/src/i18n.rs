//! Spanish and English message catalogues (Fluent). The stable error codes are also keys.
use axum::http::HeaderMap;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

pub const ES_FTL: &str = include_str!("../i18n/es.ftl");
pub const EN_FTL: &str = include_str!("../i18n/en.ftl");

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().get(..2) {
            Some("es") => Some(Lang::Es),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }
    /// The first supported language of `Accept-Language` in preference order; Spanish when
    /// none (the network's main language).
    pub fn from_accept_language(v: &str) -> Lang {
        let mut prefs: Vec<(f32, Lang)> = v
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Lang::parse(tag).map(|l| (q, l))
            })
            .collect();
        prefs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        prefs.first().map(|p| p.1).unwrap_or(Lang::Es)
    }
    /// Language from the `enlace_lang` cookie, else the browser's.
    pub fn from_headers(h: &HeaderMap) -> Lang {
        crate::extract::cookie(h, crate::extract::LANG_COOKIE)
            .and_then(|c| Lang::parse(&c))
            .unwrap_or_else(|| {
                Lang::from_accept_language(
                    h.get(axum::http::header::ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or(""),
                )
            })
    }
}

struct Catalogs {
    es: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(lang: &str, src: &'static str) -> FluentBundle<FluentResource> {
    let res = match FluentResource::try_new(src.to_string()) {
        Ok(r) => r,
        // A catalogue with syntax errors still yields the messages that parsed; the i18n test
        // fails on any error, so this never ships.
        Err((r, _)) => r,
    };
    let langid = lang.parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![langid]);
    b.set_use_isolating(false);
    let _ = b.add_resource(res);
    b
}

fn catalogs() -> &'static Catalogs {
    static C: OnceLock<Catalogs> = OnceLock::new();
    C.get_or_init(|| Catalogs {
        es: bundle("es", ES_FTL),
        en: bundle("en", EN_FTL),
    })
}

/// A translator bound to one language; templates call `t.t("key")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }
    fn bundle(&self) -> &'static FluentBundle<FluentResource> {
        match self.lang {
            Lang::Es => &catalogs().es,
            Lang::En => &catalogs().en,
        }
    }
    /// The message for `key`, or the key itself when missing (a test forbids that).
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }
    /// The message for `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), value.to_string());
        self.format(key, Some(&args))
    }
    /// The message for `key` with two arguments.
    pub fn t2(&self, key: &str, a: (&str, &str), b: (&str, &str)) -> String {
        let mut args = FluentArgs::new();
        args.set(a.0.to_string(), a.1.to_string());
        args.set(b.0.to_string(), b.1.to_string());
        self.format(key, Some(&args))
    }
    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let b = self.bundle();
        let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
            return key.to_string();
        };
        let mut errors = vec![];
        b.format_pattern(pattern, args, &mut errors).into_owned()
    }
    /// The name of a matcher feature (`name_part`, `birth_date`…) in this language; an
    /// unknown one as it is.
    /// The band of a hit, in words ("Coincidencia fuerte").
    pub fn band(&self, band: &enlace_domain::disclosure::Band) -> String {
        self.t(&format!("band_{}", band.as_str()))
    }

    pub fn feature(&self, name: &str) -> String {
        let key = format!("feature_{name}");
        if self.has(&key) {
            self.t(&key)
        } else {
            name.to_string()
        }
    }
    /// The message for `key` if the catalogue has it, else `fallback` as it is.
    fn or(&self, key: &str, fallback: &str) -> String {
        if self.has(key) {
            self.t(key)
        } else {
            fallback.to_string()
        }
    }
    /// The name of a FollowTheMoney schema (`Person` → «Persona»); an unknown one as it is
    /// (a test checks every schema the domain knows has a name).
    pub fn schema(&self, schema: &str) -> String {
        self.or(&format!("schema_{schema}"), schema)
    }
    /// The name of a property of a schema: `prop_<Schema>_<prop>` where that schema means it
    /// otherwise (a trip's `startDate` is when it was first seen), else `prop_<prop>`.
    pub fn prop(&self, schema: &str, prop: &str) -> String {
        let own = format!("prop_{schema}_{prop}");
        if self.has(&own) {
            self.t(&own)
        } else {
            self.or(&format!("prop_{prop}"), prop)
        }
    }
    /// What to call an entity: its caption, or the name of its schema when the caption is
    /// only the schema (what captions fall back to when the entity has nothing better).
    pub fn caption(&self, schema: &str, caption: &str) -> String {
        enlace_app::words::Words::caption(self, schema, caption)
    }
    /// The name of a mode of transport (`sea` → «Marítimo»).
    pub fn mode(&self, mode: &str) -> String {
        self.or(&format!("mode_{mode}"), mode)
    }
    /// One value of a property as a page shows it: countries by name, modes, event types and
    /// genders in words, counts by nationality as «Honduras: 12». Other values (names,
    /// numbers, dates, free text) as they are; entity references and modus operandi codes are
    /// resolved by the page, which knows the records and the vocabulary.
    pub fn value(&self, schema: &str, prop: &str, value: &str) -> String {
        use enlace_domain::ftm::PropType;
        match enlace_domain::ftm::prop_type(schema, prop) {
            Some(PropType::Country) => self.country_name(value),
            Some(PropType::Mode) => self.mode(value),
            Some(PropType::EventType) => self.or(&format!("event_type_{value}"), value),
            Some(PropType::Gender) => self.or(&format!("gender_{value}"), value),
            Some(PropType::CountByCountry) => match value.split_once(':') {
                Some((c, n)) => format!("{}: {n}", self.country_name(c)),
                None => value.to_string(),
            },
            _ => value.to_string(),
        }
    }
    /// A rejected field as the import report gives it (`properties:unknown_property`), in
    /// words: «Propiedades: contiene una propiedad que este tipo de entidad no tiene».
    pub fn field_error(&self, spec: &str) -> String {
        match spec.split_once(':') {
            Some((field, code)) => format!(
                "{}: {}",
                self.or(&format!("field_{field}"), field),
                crate::error::message(*self, code)
            ),
            None => crate::error::message(*self, spec),
        }
    }
    /// Why an import line was rejected, in words: its code's message, then its fields'.
    pub fn rejection(&self, code: &str, fields: &[String]) -> String {
        let mut out = crate::error::message(*self, code);
        if !fields.is_empty() {
            let shown: Vec<String> = fields.iter().map(|f| self.field_error(f)).collect();
            out.push_str(&format!(" ({})", shown.join("; ")));
        }
        out
    }
    /// A country's name for a member country, else its ISO code in capitals (`HT`).
    fn country_name(&self, code: &str) -> String {
        enlace_domain::Country::parse(code)
            .map(|c| c.name(self.lang.code()).to_string())
            .unwrap_or_else(|| code.to_ascii_uppercase())
    }
    /// The words of `prefix` + `code` (a kind, a status…).
    pub fn tw(&self, prefix: &str, code: &str) -> String {
        self.t(&format!("{prefix}{code}"))
    }
    pub fn has(&self, key: &str) -> bool {
        self.bundle().has_message(key)
    }
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
    pub fn country(&self, code: &str) -> String {
        enlace_domain::Country::parse(code)
            .map(|c| c.name(self.lang.code()).to_string())
            .unwrap_or_else(|| code.to_string())
    }
    pub fn datetime(&self, ms: &i64) -> String {
        enlace_domain::clock::format_utc(*ms)
            .replace('T', " ")
            .replace('Z', " UTC")
    }
    /// The language-switch link that brings the user back to `path`.
    pub fn lang_link(&self, lang: &str, path: &str) -> String {
        let next =
            serde_urlencoded::to_string([("next", if path.is_empty() { "/" } else { path })])
                .unwrap_or_default();
        format!("/lang?set={lang}&{next}")
    }
    pub fn opt_datetime(&self, ms: &Option<i64>) -> String {
        ms.map(|m| self.datetime(&m)).unwrap_or_else(|| "—".into())
    }
}

/// The server-drawn graph and route map name schemas, properties and modes from the catalogues.
impl enlace_app::words::Words for Tr {
    fn schema(&self, schema: &str) -> String {
        Tr::schema(self, schema)
    }
    fn property(&self, schema: &str, prop: &str) -> String {
        Tr::prop(self, schema, prop)
    }
    fn mode(&self, mode: &str) -> String {
        Tr::mode(self, mode)
    }
    fn unknown_place(&self) -> String {
        self.t("place_unknown")
    }
}

/// Message ids defined in a Fluent source.
pub fn keys(src: &str) -> Vec<String> {
    src.lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_parse_and_have_the_same_keys() {
        for (name, src) in [("es", ES_FTL), ("en", EN_FTL)] {
            assert!(
                FluentResource::try_new(src.to_string()).is_ok(),
                "{name}.ftl has syntax errors"
            );
        }
        let mut es = keys(ES_FTL);
        let mut en = keys(EN_FTL);
        es.sort();
        en.sort();
        let only_es: Vec<_> = es.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !es.contains(k)).collect();
        assert!(only_es.is_empty(), "keys only in es.ftl: {only_es:?}");
        assert!(only_en.is_empty(), "keys only in en.ftl: {only_en:?}");
        let mut dedup = es.clone();
        dedup.dedup();
        assert_eq!(dedup.len(), es.len(), "duplicate keys");
    }

    /// Every `t("…")` / `t1("…"` used in templates and code exists in both catalogues.
    #[test]
    fn every_used_key_exists() {
        // Every template and every source file of the crate, features' folders included.
        let root = env!("CARGO_MANIFEST_DIR");
        let mut dirs = vec![
            std::path::PathBuf::from(root).join("templates"),
            std::path::PathBuf::from(root).join("src"),
        ];
        let mut sources: Vec<String> = vec![];
        while let Some(dir) = dirs.pop() {
            for f in std::fs::read_dir(dir).unwrap() {
                let path = f.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    sources.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        assert!(sources.len() > 30, "sources not found");
        let mut missing = vec![];
        for src in &sources {
            for pat in ["t(\"", "t1(\""] {
                for (i, _) in src.match_indices(pat) {
                    // Only translator calls (`t.t("…")`, `tr().t1("…")`), not `get("…")`.
                    if i == 0 || &src[i - 1..i] != "." {
                        continue;
                    }
                    let rest = &src[i + pat.len()..];
                    if let Some(end) = rest.find('"') {
                        let key = &rest[..end];
                        // Only catalogue-shaped ids: `Redirect("/login")` is not a key.
                        if key.is_empty()
                            || !key
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                        {
                            continue;
                        }
                        for tr in [Tr::new(Lang::Es), Tr::new(Lang::En)] {
                            if !tr.has(key) {
                                missing.push(format!("{}:{key}", tr.code()));
                            }
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing keys: {missing:?}");
    }

    #[test]
    fn every_matcher_feature_has_a_name_in_both_languages() {
        for lang in [Lang::Es, Lang::En] {
            let t = Tr::new(lang);
            for f in enlace_match::FEATURES {
                assert!(t.has(&format!("feature_{f}")), "feature_{f} ({})", t.code());
            }
        }
    }

    /// Pages name every schema the domain knows, every property of each and every value of
    /// the enumerated properties in both languages, never by the internal name; and no
    /// catalogue name is left over for a schema or property the domain no longer has.
    #[test]
    fn every_schema_property_and_value_has_a_name_in_both_languages() {
        use enlace_domain::ftm;
        let mut missing = vec![];
        for lang in [Lang::Es, Lang::En] {
            let t = Tr::new(lang);
            let lc = t.code();
            let mut schemas = 0;
            for s in ftm::schemas() {
                schemas += 1;
                if !t.has(&format!("schema_{s}")) {
                    missing.push(format!("{lc}: schema_{s}"));
                }
                for (p, _) in ftm::props_of(s) {
                    if !t.has(&format!("prop_{s}_{p}")) && !t.has(&format!("prop_{p}")) {
                        missing.push(format!("{lc}: prop_{p} (of {s})"));
                    }
                    if lang == Lang::Es {
                        assert_ne!(t.prop(s, p), p, "{s}.{p} is named by its internal name");
                    }
                }
                if lang == Lang::Es {
                    assert_ne!(t.schema(s), s, "{s} is named by its internal name");
                }
            }
            assert!(schemas >= 18, "the domain's schemas were not found");
            for (prefix, values) in [
                ("gender", ftm::GENDERS),
                ("mode", ftm::MODES),
                ("event_type", ftm::EVENT_TYPES),
            ] {
                for v in values {
                    if !t.has(&format!("{prefix}_{v}")) {
                        missing.push(format!("{lc}: {prefix}_{v}"));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing names: {missing:?}");
        for k in keys(ES_FTL) {
            // Schema names are capitalised (`schema_Person`); `schema_change` is an error code.
            if let Some(s) = k
                .strip_prefix("schema_")
                .filter(|s| s.starts_with(|c: char| c.is_ascii_uppercase()))
            {
                assert!(ftm::is_schema(s), "{k} names no schema");
            } else if let Some(rest) = k.strip_prefix("prop_") {
                let known = match rest.split_once('_') {
                    Some((s, p)) => ftm::prop_type(s, p).is_some(),
                    None => ftm::schemas().any(|s| ftm::prop_type(s, rest).is_some()),
                };
                assert!(known, "{k} names no property");
            }
        }
    }

    #[test]
    fn values_and_captions_are_shown_in_words() {
        let es = Tr::new(Lang::Es);
        let en = Tr::new(Lang::En);
        assert_eq!(
            es.schema("UserAccount"),
            "Cuenta (correo, red social o teléfono)"
        );
        assert_eq!(en.schema("Trip"), "Route leg");
        // A schema's own name for a property wins over the general one.
        assert_eq!(es.prop("Trip", "startDate"), "Visto por primera vez");
        assert_eq!(es.prop("Membership", "startDate"), "Fecha de inicio");
        assert_eq!(es.prop("UserAccount", "owner"), "Propietario");
        assert_eq!(en.prop("Trip", "startLocation"), "Departure place");
        assert_eq!(es.value("Trip", "enlaceMode", "sea"), "Marítimo");
        assert_eq!(
            es.value("Event", "enlaceEventType", "death_in_transit"),
            "Muerte en tránsito"
        );
        assert_eq!(en.value("Person", "gender", "female"), "Female");
        assert_eq!(es.value("Person", "nationality", "gt"), "Guatemala");
        assert_eq!(es.value("Person", "nationality", "ht"), "HT");
        assert_eq!(es.value("Event", "enlaceMigrants", "hn:12"), "Honduras: 12");
        assert_eq!(
            es.value("Person", "name", "sea"),
            "sea",
            "free text stays as typed"
        );
        // A caption that fell back to the schema is the schema's name.
        assert_eq!(es.caption("Membership", "Membership"), "Membresía");
        assert_eq!(es.caption("Person", "Ana Ruiz"), "Ana Ruiz");
        assert_eq!(
            es.field_error("properties:unknown_property"),
            "Propiedades: contiene una propiedad que este tipo de entidad no tiene"
        );
    }

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("fr-FR,en;q=0.5,es;q=0.8"),
            Lang::Es
        );
        assert_eq!(Lang::from_accept_language(""), Lang::Es);
    }
}
