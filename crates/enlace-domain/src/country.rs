//! The 11 member countries of the Liaison Officers Network.
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country(&'static str);

/// (ISO 3166-1 alpha-2 lower case, Spanish name, English name)
pub const COUNTRIES: [(&str, &str, &str); 11] = [
    ("bz", "Belice", "Belize"),
    ("ca", "Canadá", "Canada"),
    ("cr", "Costa Rica", "Costa Rica"),
    ("do", "República Dominicana", "Dominican Republic"),
    ("sv", "El Salvador", "El Salvador"),
    ("gt", "Guatemala", "Guatemala"),
    ("hn", "Honduras", "Honduras"),
    ("mx", "México", "Mexico"),
    ("ni", "Nicaragua", "Nicaragua"),
    ("pa", "Panamá", "Panama"),
    ("us", "Estados Unidos", "United States"),
];

impl Country {
    /// Parses a code case-insensitively; only member countries exist.
    pub fn parse(code: &str) -> Option<Country> {
        let lower = code.trim().to_ascii_lowercase();
        COUNTRIES
            .iter()
            .find(|(c, _, _)| *c == lower)
            .map(|(c, _, _)| Country(c))
    }
    pub fn code(self) -> &'static str {
        self.0
    }
    pub fn all() -> impl Iterator<Item = Country> {
        COUNTRIES.iter().map(|(c, _, _)| Country(c))
    }
    /// The IANA time zone pages use for this country's users until they choose another
    /// (the capital's zone).
    pub fn time_zone(self) -> &'static str {
        match self.0 {
            "bz" => "America/Belize",
            "ca" => "America/Toronto",
            "cr" => "America/Costa_Rica",
            "do" => "America/Santo_Domingo",
            "sv" => "America/El_Salvador",
            "gt" => "America/Guatemala",
            "hn" => "America/Tegucigalpa",
            "mx" => "America/Mexico_City",
            "ni" => "America/Managua",
            "pa" => "America/Panama",
            "us" => "America/New_York",
            _ => "UTC",
        }
    }
    pub fn name(self, lang: &str) -> &'static str {
        COUNTRIES
            .iter()
            .find(|(c, _, _)| *c == self.0)
            .map(|(_, es, en)| if lang == "en" { *en } else { *es })
            .unwrap_or(self.0)
    }
}

impl std::fmt::Display for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Country::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown country: {s}")))
    }
}

/// In the API document: one of the member countries' lower-case codes.
impl utoipa::PartialSchema for Country {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(COUNTRIES.iter().map(|(c, _, _)| *c)))
            .description(Some("A member country (ISO 3166-1 alpha-2, lower case)"))
            .into()
    }
}

impl utoipa::ToSchema for Country {}

impl TryFrom<String> for Country {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Country::parse(&s).ok_or_else(|| format!("unknown country: {s}"))
    }
}

impl From<Country> for String {
    fn from(c: Country) -> String {
        c.0.to_string()
    }
}

/// The time zones a user may choose for the pages (the member countries' zones, and UTC);
/// the secretariat, which has no country, defaults to San José (Costa Rica), its seat.
pub const TIME_ZONES: &[&str] = &[
    "America/Belize",
    "America/Costa_Rica",
    "America/El_Salvador",
    "America/Guatemala",
    "America/Tegucigalpa",
    "America/Managua",
    "America/Panama",
    "America/Santo_Domingo",
    "America/Mexico_City",
    "America/Cancun",
    "America/Monterrey",
    "America/Chihuahua",
    "America/Hermosillo",
    "America/Mazatlan",
    "America/Tijuana",
    "America/St_Johns",
    "America/Halifax",
    "America/Toronto",
    "America/Winnipeg",
    "America/Regina",
    "America/Edmonton",
    "America/Vancouver",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "UTC",
];

/// The zone pages use for a user: their choice when it is one of [`TIME_ZONES`], else their
/// country's, else the secretariat's seat.
pub fn time_zone_of(chosen: Option<&str>, country: Option<Country>) -> &'static str {
    chosen
        .and_then(|z| TIME_ZONES.iter().find(|t| **t == z).copied())
        .or_else(|| country.map(Country::time_zone))
        .unwrap_or("America/Costa_Rica")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn eleven_members_parse_both_cases() {
        assert_eq!(Country::all().count(), 11);
        assert_eq!(Country::parse("MX").map(Country::code), Some("mx"));
        assert!(Country::parse("br").is_none());
        assert_eq!(
            Country::parse("do").map(|c| c.name("en")),
            Some("Dominican Republic")
        );
    }
}
