//! Files people upload (meeting documents, portal publications, work-plan evidence): what
//! kinds are accepted, how large, and the plain names they are offered back under.
use enlace_domain::Invalid;

/// Largest file accepted anywhere: 10 MiB.
pub const MAX_FILE: usize = 10 * 1024 * 1024;

/// A kind of file recognised by its first bytes, never by the name or the declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
}

impl Kind {
    pub fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(b"%PDF-") {
            Some(Kind::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Kind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Kind::Jpeg)
        } else {
            None
        }
    }
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
        }
    }
    pub fn ext(self) -> &'static str {
        match self {
            Kind::Pdf => ".pdf",
            Kind::Png => ".png",
            Kind::Jpeg => ".jpg",
        }
    }
}

/// Checks an upload in `field` against the accepted kinds and [`MAX_FILE`]; the kind found.
pub fn check(
    errs: &mut Invalid,
    field: &'static str,
    bytes: &[u8],
    accepted: &[Kind],
) -> Option<Kind> {
    if bytes.is_empty() {
        errs.push(field, "required");
        return None;
    }
    if bytes.len() > MAX_FILE {
        errs.push(field, "too_large");
        return None;
    }
    match Kind::sniff(bytes).filter(|k| accepted.contains(k)) {
        Some(k) => Some(k),
        None => {
            errs.push(
                field,
                if accepted == [Kind::Pdf] {
                    "not_pdf"
                } else {
                    "bad_file_type"
                },
            );
            None
        }
    }
}

/// The name a file is offered back under: ASCII letters, digits, dots, dashes, underscores
/// and spaces only (it goes out in a Content-Disposition header), at most 120 characters,
/// `default` when nothing is left, ending in the kind's extension.
pub fn download_name(raw: &str, default: &str, kind: Kind) -> String {
    let mut name: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    if name
        .trim_matches(|c| c == '_' || c == ' ' || c == '.')
        .is_empty()
    {
        name = default.to_string();
    }
    let ext = kind.ext();
    let lower = name.to_ascii_lowercase();
    let has_ext = lower.ends_with(ext) || (kind == Kind::Jpeg && lower.ends_with(".jpeg"));
    if !has_ext {
        name.push_str(ext);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_ascii_with_their_extension() {
        assert_eq!(
            download_name("acta reunión.pdf", "d", Kind::Pdf),
            "acta reuni_n.pdf"
        );
        assert_eq!(download_name("  ", "documento", Kind::Pdf), "documento.pdf");
        assert_eq!(
            download_name("\"\r\n", "documento", Kind::Pdf),
            "documento.pdf"
        );
        assert_eq!(download_name("foto.JPEG", "x", Kind::Jpeg), "foto.JPEG");
        assert_eq!(download_name("foto", "x", Kind::Png), "foto.png");
        assert!(download_name(&"a".repeat(500), "x", Kind::Pdf).len() <= 124);
    }

    #[test]
    fn kinds_come_from_the_bytes() {
        let mut e = Invalid::default();
        assert_eq!(
            check(&mut e, "f", b"%PDF-1.7", &[Kind::Pdf]),
            Some(Kind::Pdf)
        );
        assert_eq!(check(&mut e, "f", b"GIF89a", &[Kind::Pdf, Kind::Png]), None);
        assert_eq!(check(&mut e, "f", b"", &[Kind::Pdf]), None);
        assert_eq!(check(&mut e, "f", b"\x89PNG\r\n\x1a\n", &[Kind::Pdf]), None);
        let codes: Vec<&str> = e.0.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["bad_file_type", "required", "not_pdf"]);
    }
}
