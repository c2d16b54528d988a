//! Identifier normalisation: phones to E.164, documents, plates, vessels, bank accounts,
//! e-mails. Two identifiers match when their normalised forms are equal.

use serde::{Deserialize, Serialize};

use crate::text::fold;

/// The kinds of identifiers a hit/no-hit check can ask about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    Phone,
    Email,
    /// Identity document or any national id number (`idNumber`).
    IdNumber,
    Passport,
    Plate,
    /// Vessel registration, IMO or MMSI number.
    VesselRegistration,
    VesselName,
    Account,
}

impl IdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Phone => "phone",
            IdKind::Email => "email",
            IdKind::IdNumber => "id_number",
            IdKind::Passport => "passport",
            IdKind::Plate => "plate",
            IdKind::VesselRegistration => "vessel_registration",
            IdKind::VesselName => "vessel_name",
            IdKind::Account => "account",
        }
    }

    /// Kinds whose values are compared with each other: a number written as a passport in
    /// one country's record may be entered as a generic id number in another.
    pub(crate) fn family(self) -> u8 {
        match self {
            IdKind::IdNumber | IdKind::Passport => 1,
            IdKind::VesselRegistration | IdKind::VesselName => 2,
            IdKind::Phone => 3,
            IdKind::Email => 4,
            IdKind::Plate => 5,
            IdKind::Account => 6,
        }
    }
}

/// A normalised identifier.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identifier {
    pub kind: IdKind,
    pub value: String,
}

impl Identifier {
    /// Normalises `raw` as an identifier of `kind`; phones use `default_country` (ISO
    /// alpha-2, lower or upper case) for numbers written without a country code.
    pub fn new(kind: IdKind, raw: &str, default_country: Option<&str>) -> Option<Identifier> {
        let value = match kind {
            IdKind::Phone => normalize_phone(raw, default_country),
            IdKind::Email => normalize_email(raw),
            IdKind::IdNumber | IdKind::Passport => normalize_document(raw),
            IdKind::Plate => normalize_plate(raw),
            IdKind::VesselRegistration => normalize_vessel_registration(raw),
            IdKind::VesselName => normalize_vessel_name(raw),
            IdKind::Account => normalize_account(raw),
        }?;
        Some(Identifier { kind, value })
    }
}

/// Calling code, national significant number lengths, and trunk prefixes to strip, per
/// member country (and a few common origin countries).
struct PhonePlan {
    cc: &'static str,
    lengths: &'static [usize],
}

fn plan(country: &str) -> Option<PhonePlan> {
    let p = |cc, lengths| Some(PhonePlan { cc, lengths });
    match country.to_ascii_lowercase().as_str() {
        "bz" => p("501", &[7]),
        "ca" | "us" | "do" => p("1", &[10]),
        "cr" => p("506", &[8]),
        "sv" => p("503", &[8]),
        "gt" => p("502", &[8]),
        "hn" => p("504", &[8]),
        "mx" => p("52", &[10]),
        "ni" => p("505", &[8]),
        "pa" => p("507", &[7, 8]),
        "co" => p("57", &[10]),
        "ve" => p("58", &[10]),
        "ec" => p("593", &[8, 9]),
        "pe" => p("51", &[9]),
        "cu" => p("53", &[8]),
        "ht" => p("509", &[8]),
        "br" => p("55", &[10, 11]),
        "ar" => p("54", &[10]),
        "cl" => p("56", &[9]),
        "es" => p("34", &[9]),
        _ => None,
    }
}

/// Calling codes we know the national lengths of, longest first so 501 wins over 5.
const KNOWN_CC: &[(&str, &[usize])] = &[
    ("501", &[7]),
    ("502", &[8]),
    ("503", &[8]),
    ("504", &[8]),
    ("505", &[8]),
    ("506", &[8]),
    ("507", &[7, 8]),
    ("509", &[8]),
    ("593", &[8, 9]),
    ("52", &[10]),
    ("57", &[10]),
    ("58", &[10]),
    ("53", &[8]),
    ("51", &[9]),
    ("1", &[10]),
];

/// Normalises a phone number to E.164 (`+50255551234`).
///
/// Understands `+`, `00` and `011` international prefixes, punctuation, extensions,
/// Mexico's old mobile `1` after +52 and its `044`/`045`/`01` national prefixes, the NANP
/// trunk `1` (Canada, United States, Dominican Republic), and numbers written with the
/// country code but without `+`. A number without a country code needs `default_country`;
/// a Dominican 7-digit local number is taken as area 809. Returns `None` when the number
/// cannot be placed.
pub fn normalize_phone(raw: &str, default_country: Option<&str>) -> Option<String> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("tel:").unwrap_or(raw);
    // Cut extensions ("ext. 12", "x12", "#12").
    let lower = raw.to_ascii_lowercase();
    let cut = ["ext", "x", "#", ";", ","]
        .iter()
        .filter_map(|m| lower.find(m))
        .filter(|&i| i > 0)
        .min()
        .unwrap_or(raw.len());
    let body = &raw[..cut];
    let plus = body.trim_start().starts_with('+');
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 7 {
        return None;
    }
    let nanp_default = matches!(
        default_country.map(str::to_ascii_lowercase).as_deref(),
        Some("us" | "ca" | "do")
    );
    let intl = if plus {
        Some(digits.as_str())
    } else if let Some(rest) = digits.strip_prefix("00") {
        Some(rest)
    } else if nanp_default && digits.len() > 11 {
        digits.strip_prefix("011")
    } else {
        None
    };
    if let Some(intl) = intl {
        return from_international(intl);
    }
    if let Some(plan) = default_country.and_then(plan) {
        let mut national = digits.as_str();
        if plan.cc == "52" {
            // 044/045 (mobile from landline), 01 (long distance): gone since 2019-2020.
            for pre in ["044", "045", "01", "02"] {
                if national.len() == 10 + pre.len() {
                    if let Some(rest) = national.strip_prefix(pre) {
                        national = rest;
                    }
                }
            }
        }
        if plan.cc == "1" && national.len() == 11 {
            national = national.strip_prefix('1').unwrap_or(national);
        }
        if plan.cc == "1"
            && national.len() == 7
            && default_country.is_some_and(|c| c.eq_ignore_ascii_case("do"))
        {
            return Some(format!("+1809{national}"));
        }
        if plan.lengths.contains(&national.len()) {
            return finish(plan.cc, national);
        }
        // Written with the country code but no '+'.
        if let Some(rest) = national.strip_prefix(plan.cc) {
            if let Some(e) = check_cc(plan.cc, rest) {
                return Some(e);
            }
        }
    }
    // No default, or it did not fit: try a known calling code at the start.
    from_international_strict(&digits)
}

/// The member countries of the network, whose numbering plans a number typed without its
/// country code is tried against.
pub const MEMBER_COUNTRIES: [&str; 11] = [
    "bz", "ca", "cr", "do", "sv", "gt", "hn", "mx", "ni", "pa", "us",
];

/// Every E.164 reading of a phone number as a person typed it, most likely first.
///
/// A number written with its country code (`+52…`, `0052…`) has one reading. One written
/// without it is read with each of `contexts` in turn (the asker's country, then the
/// subject's nationalities: ISO alpha-2 codes), then with every member country whose
/// numbering plan fits its digits — so `5501416704` typed in Guatemala, where numbers have 8
/// digits, is tried as Mexican (+52) and as North American (+1). Each reading is what
/// [`normalize_phone`] gives for that country, so stored records (normalised with their
/// owner's country) keep their keys. Empty when the number cannot be placed at all.
pub fn phone_candidates(raw: &str, contexts: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |v: Option<String>| {
        if let Some(v) = v {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    };
    let body = raw.trim();
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    let international = body.starts_with('+') || digits.starts_with("00");
    if international {
        push(normalize_phone(raw, None));
        return out;
    }
    for c in contexts {
        push(normalize_phone(raw, Some(c)));
    }
    for c in MEMBER_COUNTRIES {
        let Some(p) = plan(c) else { continue };
        // Only plans the digits fit (after the trunk prefixes normalize_phone strips), so a
        // number is not read as a foreign one with its own country code inside.
        let fits = p.lengths.contains(&digits.len())
            || (p.cc == "1" && digits.len() == 11 && digits.starts_with('1'))
            || (p.cc == "52" && [12, 13].contains(&digits.len()) && digits.starts_with('0'))
            || (c == "do" && digits.len() == 7);
        if fits {
            push(normalize_phone(raw, Some(c)));
        }
    }
    out
}

fn finish(cc: &str, national: &str) -> Option<String> {
    let total = cc.len() + national.len();
    if (8..=15).contains(&total) {
        Some(format!("+{cc}{national}"))
    } else {
        None
    }
}

fn check_cc(cc: &str, rest: &str) -> Option<String> {
    let lengths = KNOWN_CC.iter().find(|(c, _)| *c == cc).map(|(_, l)| *l)?;
    let rest = if cc == "52" && rest.len() == 11 {
        rest.strip_prefix('1').unwrap_or(rest)
    } else {
        rest
    };
    if lengths.contains(&rest.len()) {
        finish(cc, rest)
    } else {
        None
    }
}

fn from_international(d: &str) -> Option<String> {
    if let Some(e) = from_international_strict(d) {
        return Some(e);
    }
    // Unknown calling code: keep it as E.164 if the length is plausible.
    if (8..=15).contains(&d.len()) && !d.starts_with('0') {
        Some(format!("+{d}"))
    } else {
        None
    }
}

fn from_international_strict(d: &str) -> Option<String> {
    KNOWN_CC
        .iter()
        .find_map(|(cc, _)| d.strip_prefix(cc).and_then(|rest| check_cc(cc, rest)))
}

/// Normalises an e-mail address: trimmed, lower case, `mailto:` removed; for Gmail the dots
/// and `+tag` of the local part are dropped and googlemail.com becomes gmail.com.
pub fn normalize_email(raw: &str) -> Option<String> {
    let s = raw.trim().to_lowercase();
    let s = s.strip_prefix("mailto:").unwrap_or(&s);
    let (local, domain) = s.rsplit_once('@')?;
    let local = local.trim();
    let domain = domain.trim().trim_end_matches('.');
    if local.is_empty() || !domain.contains('.') || local.contains(char::is_whitespace) {
        return None;
    }
    if domain == "gmail.com" || domain == "googlemail.com" {
        let base = local.split('+').next().unwrap_or(local).replace('.', "");
        if base.is_empty() {
            return None;
        }
        return Some(format!("{base}@gmail.com"));
    }
    Some(format!("{local}@{domain}"))
}

fn alnum_upper(raw: &str) -> String {
    fold(raw)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Normalises an identity or travel document number: upper-case letters and digits only;
/// leading zeros dropped from all-digit numbers (clerks drop or add them).
pub fn normalize_document(raw: &str) -> Option<String> {
    let s = alnum_upper(raw);
    let s = if s.chars().all(|c| c.is_ascii_digit()) {
        s.trim_start_matches('0').to_owned()
    } else {
        s
    };
    if s.len() < 3 {
        None
    } else {
        Some(s)
    }
}

/// Normalises a vehicle plate: upper-case letters and digits only ("P-123 ABC" → "P123ABC").
pub fn normalize_plate(raw: &str) -> Option<String> {
    let s = alnum_upper(raw);
    if s.len() < 2 {
        None
    } else {
        Some(s)
    }
}

/// Normalises a vessel registration, IMO or MMSI number ("IMO 9074729" → "IMO9074729").
pub fn normalize_vessel_registration(raw: &str) -> Option<String> {
    normalize_plate(raw)
}

/// Normalises a vessel name: folded, upper case, vessel-type prefixes (M/V, MV, F/V, B/M,
/// L/M...) dropped, single spaces.
pub fn normalize_vessel_name(raw: &str) -> Option<String> {
    const PREFIXES: &[&str] = &[
        "m v", "mv", "f v", "fv", "m y", "my", "s s", "ss", "m t", "mt", "b m", "bm", "l m", "lm",
        "b p", "bp",
    ];
    let mut f = fold(raw);
    for p in PREFIXES {
        if let Some(rest) = f.strip_prefix(p).and_then(|r| r.strip_prefix(' ')) {
            f = rest.to_owned();
            break;
        }
    }
    let s = f.to_ascii_uppercase();
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

/// Normalises a bank account or IBAN: spaces, dashes and dots removed, upper case.
pub fn normalize_account(raw: &str) -> Option<String> {
    let s = alnum_upper(
        raw.trim()
            .trim_start_matches("IBAN")
            .trim_start_matches("iban"),
    );
    if s.len() < 4 {
        None
    } else {
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ph(raw: &str, cc: Option<&str>) -> Option<String> {
        normalize_phone(raw, cc)
    }

    #[test]
    fn phones_each_member_country() {
        assert_eq!(ph("222-3344", Some("bz")).as_deref(), Some("+5012223344"));
        assert_eq!(
            ph("(613) 555-0123", Some("ca")).as_deref(),
            Some("+16135550123")
        );
        assert_eq!(
            ph("1-202-555-0143", Some("us")).as_deref(),
            Some("+12025550143")
        );
        assert_eq!(
            ph("011 502 5555 1234", Some("us")).as_deref(),
            Some("+50255551234")
        );
        assert_eq!(ph("8888-1234", Some("cr")).as_deref(), Some("+50688881234"));
        assert_eq!(
            ph("(829) 555-1212", Some("do")).as_deref(),
            Some("+18295551212")
        );
        assert_eq!(
            ph("849 555 1212", Some("do")).as_deref(),
            Some("+18495551212")
        );
        assert_eq!(ph("555-1212", Some("do")).as_deref(), Some("+18095551212"));
        assert_eq!(ph("7012-3456", Some("sv")).as_deref(), Some("+50370123456"));
        assert_eq!(ph("5555 1234", Some("gt")).as_deref(), Some("+50255551234"));
        assert_eq!(ph("9988-7766", Some("hn")).as_deref(), Some("+50499887766"));
        assert_eq!(
            ph("55 1234 5678", Some("mx")).as_deref(),
            Some("+525512345678")
        );
        assert_eq!(
            ph("044 55 1234 5678", Some("mx")).as_deref(),
            Some("+525512345678")
        );
        assert_eq!(
            ph("01 33 1234 5678", Some("mx")).as_deref(),
            Some("+523312345678")
        );
        assert_eq!(ph("8765-4321", Some("ni")).as_deref(), Some("+50587654321"));
        assert_eq!(ph("6123-4567", Some("pa")).as_deref(), Some("+50761234567"));
        assert_eq!(ph("223-4567", Some("pa")).as_deref(), Some("+5072234567"));
    }

    #[test]
    fn phones_international_forms() {
        assert_eq!(
            ph("+52 1 55 1234 5678", None).as_deref(),
            Some("+525512345678")
        );
        assert_eq!(
            ph("+52 55 1234 5678", Some("gt")).as_deref(),
            Some("+525512345678")
        );
        assert_eq!(
            ph("0052 1 55 1234 5678", None).as_deref(),
            Some("+525512345678")
        );
        assert_eq!(
            ph("+502 5555-1234 ext. 12", None).as_deref(),
            Some("+50255551234")
        );
        assert_eq!(ph("50255551234", None).as_deref(), Some("+50255551234"));
        assert_eq!(
            ph("50255551234", Some("gt")).as_deref(),
            Some("+50255551234")
        );
        assert_eq!(
            ph("tel:+1-809-555-1212", None).as_deref(),
            Some("+18095551212")
        );
        assert_eq!(
            ph("+33 6 12 34 56 78", None).as_deref(),
            Some("+33612345678")
        );
        assert_eq!(ph("5555 1234", None), None);
        assert_eq!(ph("12", Some("gt")), None);
    }

    #[test]
    fn phones_typed_without_country_code_are_tried_in_every_fitting_plan() {
        // Mexican mobile typed in Guatemala (8-digit plan): Mexico and North America.
        for typed in ["5501416704", "(55) 0141-6704", "55 0141 6704"] {
            let c = phone_candidates(typed, &["gt"]);
            assert!(c.contains(&"+525501416704".to_string()), "{typed}: {c:?}");
            assert!(c.contains(&"+15501416704".to_string()), "{typed}: {c:?}");
        }
        // The asker's own plan comes first; the other 8-digit members follow.
        let c = phone_candidates("5555 1234", &["gt"]);
        assert_eq!(c[0], "+50255551234");
        assert!(c.contains(&"+50455551234".to_string()) && c.contains(&"+50655551234".to_string()));
        // The subject's nationality is tried before the rest.
        let c = phone_candidates("5555 1234", &["mx", "hn"]);
        assert_eq!(c[0], "+50455551234", "{c:?}");
        // Written with its country code: one reading only.
        assert_eq!(
            phone_candidates("+52 55 0141 6704", &["gt"]),
            vec!["+525501416704"]
        );
        assert_eq!(
            phone_candidates("0052 55 0141 6704", &["gt"]),
            vec!["+525501416704"]
        );
        assert!(phone_candidates("12", &["gt"]).is_empty());
        // The stored key of a Mexican record is one of the readings.
        assert_eq!(
            normalize_phone("+52 55 0141 6704", Some("mx")).as_deref(),
            Some("+525501416704")
        );
    }

    #[test]
    fn other_identifiers() {
        assert_eq!(
            normalize_email(" Juan.Perez+work@GMail.com ").as_deref(),
            Some("juanperez@gmail.com")
        );
        assert_eq!(
            normalize_email("juanperez@googlemail.com").as_deref(),
            Some("juanperez@gmail.com")
        );
        assert_eq!(
            normalize_email("J.Perez@Example.org").as_deref(),
            Some("j.perez@example.org")
        );
        assert_eq!(normalize_email("no-at-sign"), None);
        assert_eq!(
            normalize_document("ab-123.456 7").as_deref(),
            Some("AB1234567")
        );
        assert_eq!(normalize_document("00123456").as_deref(), Some("123456"));
        assert_eq!(normalize_plate("p-123 abc").as_deref(), Some("P123ABC"));
        assert_eq!(
            normalize_vessel_name("M/V Estrella del Mar").as_deref(),
            Some("ESTRELLA DEL MAR")
        );
        assert_eq!(
            normalize_vessel_registration("IMO 9074729").as_deref(),
            Some("IMO9074729")
        );
        assert_eq!(
            normalize_account("GT82 TRAJ 0102 0000 0012 1002 9690").as_deref(),
            Some("GT82TRAJ01020000001210029690")
        );
        assert_eq!(
            normalize_account("iban gt82-traj-0102").as_deref(),
            Some("GT82TRAJ0102")
        );
    }
}
