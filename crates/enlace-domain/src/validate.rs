//! Validation errors carry a stable code per field; the web layer translates them.
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    /// Stable key, also the i18n message id (e.g. `required`, `too_long`).
    pub code: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error)]
#[error("invalid input: {0:?}")]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn push(&mut self, field: &'static str, code: &'static str) {
        self.0.push(FieldError { field, code });
    }
    pub fn one(field: &'static str, code: &'static str) -> Invalid {
        Invalid(vec![FieldError { field, code }])
    }
    pub fn into_result(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

/// Trims and checks a required text of at most `max` characters, without control characters.
pub fn text(
    errs: &mut Invalid,
    field: &'static str,
    value: &str,
    required: bool,
    max: usize,
) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errs.push(field, "required");
    } else if v.chars().count() > max {
        errs.push(field, "too_long");
    } else if v
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errs.push(field, "bad_characters");
    }
    v.to_string()
}

/// Usernames: 3–64 characters of a–z, 0–9, dot, dash, underscore.
pub fn username(errs: &mut Invalid, value: &str) -> String {
    let v = value.trim().to_ascii_lowercase();
    let ok = (3..=64).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    if !ok {
        errs.push("username", "bad_username");
    }
    v
}

/// Passwords: 12–256 characters (NIST SP 800-63B: length over composition rules).
pub fn new_password(errs: &mut Invalid, value: &str) {
    let n = value.chars().count();
    if n < 12 {
        errs.push("password", "password_too_short");
    } else if n > 256 {
        errs.push("password", "too_long");
    }
}
