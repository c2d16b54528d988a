//! One line of FollowTheMoney JSON Lines read straight into what [`PersonRecord`] needs:
//! the id, the schema and the properties the matcher uses, as slices of the line where no
//! escape forced a copy. Reading a million lines into `serde_json::Value` trees (a map and a
//! string per property, all freed again at once) was the largest part of building an index
//! from a file; this reader allocates one small vector per line.
//!
//! It reads what the `Value` path reads, line for line: any valid JSON is accepted (a line
//! that is not an object, or has no object under `properties`, is skipped), a key given twice
//! keeps its last value, non-string array items are ignored, and a line that is not JSON
//! fails with serde_json's own message (every string is still checked, every number still
//! range-checked: nothing is skipped unparsed). An `id` that is not a string is left to the
//! `Value` path, which writes it out as before.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::record::{PersonRecord, Props};

/// The properties [`PersonRecord`] reads, each with a small number.
fn prop_index(key: &str) -> Option<u8> {
    Some(match key {
        "nationality" => 0,
        "citizenship" => 1,
        "country" => 2,
        "firstName" => 3,
        "secondName" => 4,
        "middleName" => 5,
        "lastName" => 6,
        "fatherName" => 7,
        "motherName" => 8,
        "name" => 9,
        "alias" => 10,
        "previousName" => 11,
        "weakAlias" => 12,
        "birthDate" => 13,
        "gender" => 14,
        "phone" => 15,
        "email" => 16,
        "idNumber" => 17,
        "taxNumber" => 18,
        "passportNumber" => 19,
        "number" => 20,
        "address" => 21,
        "registrationNumber" => 22,
        "plate" => 23,
        "imoNumber" => 24,
        "mmsi" => 25,
        "callSign" => 26,
        "accountNumber" => 27,
        "iban" => 28,
        _ => return None,
    })
}

/// An entity's `id` as written.
pub(crate) enum FtmId<'a> {
    Missing,
    Str(Cow<'a, str>),
    /// Any other JSON value (a number, an object...).
    Other,
}

/// The matcher's view of one entity line.
pub(crate) struct FtmLine<'a> {
    /// False when the line is valid JSON but not an object.
    pub object: bool,
    pub id: FtmId<'a>,
    /// `None` when missing or not a string (read as "Person", as the `Value` path does).
    pub schema: Option<Cow<'a, str>>,
    /// `None` when missing or not an object.
    pub props: Option<FtmProps<'a>>,
}

/// The string values of the properties the matcher reads, in the order written, each tagged
/// with its property's number.
#[derive(Default)]
pub(crate) struct FtmProps<'a>(Vec<(u8, Cow<'a, str>)>);

impl Props for FtmProps<'_> {
    fn strings(&self, key: &str) -> Vec<String> {
        let Some(k) = prop_index(key) else {
            return Vec::new();
        };
        self.0
            .iter()
            .filter(|(i, _)| *i == k)
            .map(|(_, s)| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

impl<'a> FtmLine<'a> {
    /// Parses one line (the same errors as `serde_json::from_slice::<Value>`).
    pub(crate) fn parse(line: &'a [u8]) -> Result<FtmLine<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(line);
        let out = de.deserialize_any(LineVisitor)?;
        de.end()?;
        Ok(out)
    }

    /// The record, as [`PersonRecord::from_ftm`] reads the same entity.
    pub(crate) fn record(&self) -> Option<PersonRecord> {
        if !self.object {
            return None;
        }
        let props = self.props.as_ref()?;
        PersonRecord::build_props(
            props,
            self.schema.as_deref().unwrap_or("Person"),
            None,
            false,
        )
    }
}

/// A stored entity's properties (the JSON object text alone, as the platform keeps it), read
/// as [`PersonRecord::from_ftm_with_country`] reads `{"schema": schema, "properties": …}`.
pub(crate) fn record_from_props(
    schema: &str,
    properties: &[u8],
    default_country: Option<&str>,
) -> Result<Option<PersonRecord>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(properties);
    let props = PropsSeed.deserialize(&mut de)?;
    de.end()?;
    Ok(props.and_then(|p| PersonRecord::build_props(&p, schema, default_country, false)))
}

/// Any JSON value, parsed and checked as `Value` would be, then dropped.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        // `deserialize_any`, not `deserialize_ignored_any`: serde_json's fast skip neither
        // range-checks numbers nor decodes escapes, and a line `Value` rejects must fail.
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// A string, borrowed from the line when it holds no escape.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s))
    }
}

/// Any JSON value: `Some` of it when it is a string, `None` (parsed and dropped) otherwise.
struct MaybeText;

impl<'de> DeserializeSeed<'de> for MaybeText {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(MaybeTextVisitor)
    }
}

struct MaybeTextVisitor;

impl<'de> Visitor<'de> for MaybeTextVisitor {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(s)))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq).map(|()| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_map(map).map(|()| None)
    }
}

/// One property's value appended to the line's list: a string, or the strings of an array.
struct PropValues<'v, 'de> {
    out: &'v mut Vec<(u8, Cow<'de, str>)>,
    key: u8,
}

impl<'de> DeserializeSeed<'de> for PropValues<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropValues<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<(), E> {
        self.out.push((self.key, Cow::Borrowed(s)));
        Ok(())
    }
    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.out.push((self.key, Cow::Owned(s.to_owned())));
        Ok(())
    }
    fn visit_string<E>(self, s: String) -> Result<(), E> {
        self.out.push((self.key, Cow::Owned(s)));
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element_seed(MaybeText)? {
            if let Some(s) = item {
                self.out.push((self.key, s));
            }
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        SkipVisitor.visit_map(map)
    }
}

/// The `properties` object, or `None` for any other value.
struct PropsSeed;

impl<'de> DeserializeSeed<'de> for PropsSeed {
    type Value = Option<FtmProps<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(PropsVisitor)
    }
}

struct PropsVisitor;

impl<'de> Visitor<'de> for PropsVisitor {
    type Value = Option<FtmProps<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Vec<(u8, Cow<'de, str>)> = Vec::with_capacity(16);
        while let Some(key) = map.next_key_seed(Text)? {
            match prop_index(&key) {
                Some(k) => {
                    // A key given twice keeps its last value, as a JSON object map does.
                    if out.iter().any(|(i, _)| *i == k) {
                        out.retain(|(i, _)| *i != k);
                    }
                    map.next_value_seed(PropValues {
                        out: &mut out,
                        key: k,
                    })?;
                }
                None => map.next_value_seed(Skip)?,
            }
        }
        Ok(Some(FtmProps(out)))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq).map(|()| None)
    }
}

/// The whole line.
struct LineVisitor;

impl LineVisitor {
    fn not_object<'de>() -> FtmLine<'de> {
        FtmLine {
            object: false,
            id: FtmId::Missing,
            schema: None,
            props: None,
        }
    }
}

impl<'de> Visitor<'de> for LineVisitor {
    type Value = FtmLine<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut line = FtmLine {
            object: true,
            id: FtmId::Missing,
            schema: None,
            props: None,
        };
        while let Some(key) = map.next_key_seed(Text)? {
            match &*key {
                "id" => {
                    line.id = match map.next_value_seed(MaybeText)? {
                        Some(s) => FtmId::Str(s),
                        None => FtmId::Other,
                    }
                }
                "schema" => line.schema = map.next_value_seed(MaybeText)?,
                "properties" => line.props = map.next_value_seed(PropsSeed)?,
                _ => map.next_value_seed(Skip)?,
            }
        }
        Ok(line)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Self::not_object())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Self::not_object())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Self::not_object())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Self::not_object())
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Self::not_object())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Self::not_object())
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Self::not_object())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq).map(|()| Self::not_object())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// What the `Value` path makes of a line: its record and id, or its error.
    fn by_value(line: &str) -> Result<Option<(Option<String>, PersonRecord)>, String> {
        let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        Ok(PersonRecord::from_ftm(&v).map(|r| {
            let id = match v.get("id") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => Some(other.to_string()),
                None => None,
            };
            (id, r)
        }))
    }

    fn by_line(line: &str) -> Result<Option<(Option<String>, PersonRecord)>, String> {
        let l = FtmLine::parse(line.as_bytes()).map_err(|e| e.to_string())?;
        let id = match &l.id {
            FtmId::Missing => None,
            FtmId::Str(s) => Some(s.to_string()),
            // Left to the `Value` path by the builder.
            FtmId::Other => return by_value(line),
        };
        Ok(l.record().map(|r| (id, r)))
    }

    #[test]
    fn reads_every_line_as_the_value_path_does() {
        let lines = [
            // Plain, with every kind of property the matcher reads.
            r#"{"id":"p1","schema":"Person","properties":{"name":["José Luis GARCÍA LÓPEZ"],"firstName":["José Luis","Pepe"],"lastName":["García López"],"fatherName":["García"],"motherName":["López"],"secondName":["x"],"middleName":["y"],"alias":["Pepe García"],"previousName":["J. García"],"weakAlias":["El Flaco"],"birthDate":["1985-03-12","1985"],"nationality":["gt","Honduras"],"citizenship":["mexicana"],"country":["sv"],"gender":["male"],"phone":["5555 1234"],"email":["Jose.Garcia@gmail.com"],"idNumber":["0101-1985"],"taxNumber":["123"],"passportNumber":["a-123 456"],"iban":["GT82TRAJ01020000001210029690"],"accountNumber":["12-34"]}}"#,
            // Escapes (copied, not borrowed), unicode, other scripts.
            r#"{"id":"p\"2","schema":"Person","properties":{"name":["Zo\u00eb \"la\" Pérez","Иван Петров","王伟"],"birthDate":"1990-01-02"}}"#,
            // A property as a bare string, blank strings, non-string items, nested arrays.
            r#"{"id":"p3","properties":{"name":"  Ana  Lopez ","alias":["", "  ", 5, null, true, {"a":1}, ["Rosa"], "Rosa Tzul"],"birthDate":[1990]}}"#,
            // Missing schema (a person), other schemas.
            r#"{"id":"v1","schema":"Vessel","properties":{"name":["M/V Estrella"],"imoNumber":["IMO 9074729"],"mmsi":"123456789","callSign":["HP1234"]}}"#,
            r#"{"id":"c1","schema":"Vehicle","properties":{"registrationNumber":["p-123 abc"],"plate":"P 999"}}"#,
            r#"{"id":"b1","schema":"BankAccount","properties":{"accountNumber":["1"],"iban":["GT82 TRAJ 0102"],"number":["55"]}}"#,
            r#"{"id":"d1","schema":"Passport","properties":{"number":["A123"]}}"#,
            r#"{"id":"e1","schema":"Email","properties":{"address":["a@b.c"]}}"#,
            r#"{"id":"t1","schema":"Phone","properties":{"number":["+502 5555 1234"],"country":["Guatemala"]}}"#,
            // A schema that is not a string reads as a person.
            r#"{"id":"s1","schema":7,"properties":{"name":["Ana Lopez"]}}"#,
            // A key given twice: the last one wins, at both levels.
            r#"{"id":"k1","properties":{"name":["Ana Lopez"],"name":["Rosa Tzul"]}}"#,
            r#"{"id":"k2","properties":{"name":["Ana Lopez"]},"properties":{"name":["Rosa Tzul"]}}"#,
            r#"{"id":"k3","properties":{"name":["Ana Lopez"]},"properties":5}"#,
            r#"{"id":"a","id":"b","properties":{"name":["Ana Lopez"]}}"#,
            // Nothing matchable, properties missing or not an object, not an object at all.
            r#"{"id":"n1","schema":"Person","properties":{}}"#,
            r#"{"id":"n2","schema":"Person"}"#,
            r#"{"id":"n3","properties":["name"]}"#,
            r#""nope""#,
            r#"[{"properties":{"name":["Ana"]}}]"#,
            "5",
            "null",
            // Ids that are not strings, or missing.
            r#"{"id":7,"properties":{"name":["Rosa Tzul"]}}"#,
            r#"{"id":1.5e3,"properties":{"name":["Rosa Tzul"]}}"#,
            r#"{"id":null,"properties":{"name":["Rosa Tzul"]}}"#,
            r#"{"id":{"x":[1,2]},"properties":{"name":["Rosa Tzul"]}}"#,
            r#"{"properties":{"name":["Rosa Tzul"]}}"#,
            // Unknown keys of every kind, whitespace around.
            " {\"x\":{\"y\":[1,2.5,-3e7,\"z\",null,false]},\"properties\":{\"other\":{\"name\":[\"no\"]},\"name\":[\"Rosa\\tTzul\"]}} \r",
            // Not JSON, in many ways: the same error, word for word.
            r#"{nope"#,
            r#"{"id":"x","properties":{"name":["Ana"]}"#,
            r#"{"id":"x"} trailing"#,
            r#"{"id":"x","n":1e999}"#,
            r#"{"id":"x","n":"\ud800"}"#,
            r#"{"id":"x","properties":{"name":["\ud800"]}}"#,
            r#"{"id":"x","n":"\q"}"#,
            r#"{"id":"x","n":01}"#,
            r#"{"id":"x",}"#,
            "{\"id\":\"x\",\"n\":\"a\u{1}b\"}",
            &format!("{}1{}", "[".repeat(200), "]".repeat(200)),
            &format!(
                r#"{{"properties":{{"x":{}1{}}}}}"#,
                "[".repeat(200),
                "]".repeat(200)
            ),
        ];
        for line in lines {
            assert_eq!(by_line(line), by_value(line), "{line}");
        }
        // Invalid UTF-8 inside a skipped value is refused too.
        let mut bad = br#"{"id":"x","n":""#.to_vec();
        bad.extend_from_slice(&[0xff, b'"', b'}']);
        let a = FtmLine::parse(&bad).map(|_| ()).map_err(|e| e.to_string());
        let b = serde_json::from_slice::<Value>(&bad)
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(a, b);
        assert!(a.is_err());
    }

    /// A stored entity's properties read alone give the record the whole entity gives.
    #[test]
    fn properties_read_alone_as_the_value_path_reads_them() {
        let props = [
            r#"{"name":["José Luis GARCÍA LÓPEZ"],"birthDate":["1985-03-12"],"nationality":["gt"],"phone":["5555 1234"],"passportNumber":["a-123 456"]}"#,
            r#"{"name":"  Ana  Lopez ","alias":["", 5, null, ["Rosa"], "Rosa Tzul"],"birthDate":[1990]}"#,
            r#"{"name":["Ana Lopez"],"name":["Rosa Tzul"],"other":{"name":["no"]}}"#,
            r#"{"registrationNumber":["p-123 abc"]}"#,
            r#"{}"#,
            r#"["name"]"#,
            "5",
        ];
        for schema in ["Person", "Vehicle", "Passport"] {
            for country in [None, Some("gt")] {
                for p in props {
                    let whole: Value = serde_json::from_str(&format!(
                        r#"{{"schema":"{schema}","properties":{p}}}"#
                    ))
                    .unwrap();
                    let expected = PersonRecord::from_ftm_with_country(&whole, country);
                    let got = record_from_props(schema, p.as_bytes(), country).unwrap();
                    assert_eq!(got, expected, "{schema} {p}");
                }
            }
        }
        assert!(record_from_props("Person", br#"{"name":["Ana"]"#, None).is_err());
        assert!(record_from_props("Person", br#"{"name":["Ana"]} x"#, None).is_err());
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let line = br#"{"id":"p1","properties":{"name":["Ana Lopez","R\u00f3sa"]}}"#;
        let l = FtmLine::parse(line).unwrap();
        assert!(matches!(l.id, FtmId::Str(Cow::Borrowed("p1"))));
        let props = l.props.unwrap();
        assert!(matches!(props.0[0].1, Cow::Borrowed(_)));
        assert!(matches!(props.0[1].1, Cow::Owned(_)));
        assert_eq!(props.strings("name"), vec!["Ana Lopez", "Rósa"]);
    }
}
