//! The comparison as a spreadsheet file.
use super::{percent, Matrix};
use crate::{AppError, AppResult};
use enlace_domain::clock::format_utc;

/// The comparison as CSV (RFC 4180, UTF-8 with a byte-order mark so spreadsheets read the
/// accents): Spanish users get `;` (what Spanish-locale spreadsheets expect) and Spanish
/// headers and labels, English users `,` and English. One row per country and question;
/// cells that a spreadsheet could run as a formula get a leading `'`.
pub fn legislation_csv(m: &Matrix, lang: &str) -> AppResult<Vec<u8>> {
    let es = lang != "en";
    let header: [&str; 12] = if es {
        [
            "País",
            "Artículo del Protocolo",
            "Pregunta",
            "Respuesta",
            "Instrumento",
            "Artículo de la ley",
            "Vigencia",
            "Enlace",
            "Extracto",
            "Actualizada",
            "Desactualizada",
            "Cumplimiento del país",
        ]
    } else {
        [
            "Country",
            "Protocol article",
            "Question",
            "Answer",
            "Instrument",
            "Provision",
            "In force",
            "Link",
            "Excerpt",
            "Updated",
            "Stale",
            "Country compliance",
        ]
    };
    let label = |a: &str| -> &'static str {
        match (a, es) {
            ("yes", true) => "Sí",
            ("yes", false) => "Yes",
            ("partial", true) => "Parcial",
            ("partial", false) => "Partial",
            ("no", _) => "No",
            ("not_applicable", true) => "No aplica",
            ("not_applicable", false) => "Not applicable",
            _ => "",
        }
    };
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut w = csv::WriterBuilder::new()
        .delimiter(if es { b';' } else { b',' })
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let failed = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    w.write_record(header).map_err(failed)?;
    let l = if es { "es" } else { "en" };
    for c in &m.countries {
        let share = percent(m.country_share(c.code()));
        for q in &m.questions {
            let a = m.answer(c.code(), &q.code);
            let cit = a.and_then(|a| a.citation.clone()).unwrap_or_default();
            let row = [
                c.name(l).to_string(),
                q.article.clone(),
                q.text(l).to_string(),
                a.map(|a| label(&a.answer)).unwrap_or("").to_string(),
                cit.instrument,
                cit.article,
                cit.in_force.unwrap_or_default(),
                cit.url.unwrap_or_default(),
                a.map(|a| a.excerpt.clone()).unwrap_or_default(),
                a.map(|a| format_utc(a.updated_at)).unwrap_or_default(),
                match a.map(|a| a.stale) {
                    Some(true) => label("yes").to_string(),
                    Some(false) => "No".to_string(),
                    None => String::new(),
                },
                share.clone(),
            ];
            w.write_record(row.iter().map(|c| csv_cell(c)))
                .map_err(failed)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {}", e.error())))?;
    out.extend(bytes);
    Ok(out)
}

/// A cell a spreadsheet will not run as a formula.
fn csv_cell(s: &str) -> String {
    if s.starts_with(['\t', '\r', '\n']) || s.trim_start().starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}
