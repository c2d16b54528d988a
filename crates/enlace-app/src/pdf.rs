//! A small PDF writer for the quarterly report: A4 pages, the standard Helvetica fonts in
//! WinAnsi encoding (every Spanish letter — á é í ó ú ñ ü ¿ ¡ — is in it, and nothing needs
//! embedding), headings, paragraphs, tables and the charts of [`crate::charts`] drawn as
//! vectors. Built on `pdf-writer` (the low-level writer typst uses), so no browser and no font
//! files are needed at run time.
use crate::charts::{Anchor, Chart, Rgb, Shape};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// One piece of the document, laid out top to bottom.
#[derive(Debug, Clone)]
pub enum Block {
    Title(String),
    Heading(String),
    Para(String),
    /// A note in small grey type.
    Note(String),
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Chart(Chart),
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const BODY_W: f32 = PAGE_W - 2.0 * MARGIN;

/// Helvetica advance widths (1/1000 em) for ASCII 32..=126, from the Adobe metrics.
const HELV: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// A character in WinAnsi (Windows-1252) encoding; what it lacks becomes '?'.
fn win_ansi(c: char) -> u8 {
    match c as u32 {
        0x20..=0x7e | 0xa0..=0xff => c as u32 as u8,
        0x20ac => 0x80,
        0x2026 => 0x85,
        0x2018 => 0x91,
        0x2019 => 0x92,
        0x201c => 0x93,
        0x201d => 0x94,
        0x2022 => 0x95,
        0x2013 => 0x96,
        0x2014 => 0x97,
        0x2212 => b'-',
        0x09 | 0x0a | 0x0d => b' ',
        _ => b'?',
    }
}

fn encode(s: &str) -> Vec<u8> {
    s.chars().map(win_ansi).collect()
}

/// The width of a text in points. Accented letters take their base letter's width (close
/// enough for layout); bold is about 5 % wider.
pub fn text_width(s: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = s
        .chars()
        .map(|c| {
            let base = match c {
                'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'í' | 'ì' | 'î' | 'ï' => 'i',
                'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
                'ú' | 'ù' | 'û' | 'ü' => 'u',
                'ñ' => 'n',
                'Á' | 'À' | 'Â' | 'Ä' => 'A',
                'É' | 'È' | 'Ê' | 'Ë' => 'E',
                'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
                'Ó' | 'Ò' | 'Ô' | 'Ö' => 'O',
                'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
                'Ñ' => 'N',
                '\u{a0}' => ' ',
                c => c,
            };
            match base as u32 {
                0x20..=0x7e => u32::from(HELV[(base as u32 - 0x20) as usize]),
                _ => 556,
            }
        })
        .sum();
    let w = units as f32 * size / 1000.0;
    if bold {
        w * 1.05
    } else {
        w
    }
}

/// Breaks a text into lines no wider than `width`.
fn wrap(s: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = vec![];
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, size, bold) > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Shortens a text to fit `width`, ending it with "…".
fn fit(s: &str, size: f32, width: f32) -> String {
    if text_width(s, size, false) <= width {
        return s.to_string();
    }
    let mut out: String = String::new();
    for c in s.chars() {
        if text_width(&format!("{out}{c}…"), size, false) > width {
            break;
        }
        out.push(c);
    }
    format!("{out}…")
}

const F_REG: Name<'static> = Name(b"F1");
const F_BOLD: Name<'static> = Name(b"F2");

/// Pages being laid out: the finished pages' content streams and the cursor on the current one.
struct Layout {
    pages: Vec<Content>,
    cur: Content,
    y: f32,
    footer: String,
}

impl Layout {
    fn new(footer: String) -> Layout {
        Layout {
            pages: vec![],
            cur: Content::new(),
            y: PAGE_H - MARGIN,
            footer,
        }
    }

    /// Makes room for `h` points, starting a new page when the current one is full.
    fn need(&mut self, h: f32) {
        if self.y - h < MARGIN + 20.0 {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        let done = std::mem::replace(&mut self.cur, Content::new());
        self.pages.push(done);
        self.y = PAGE_H - MARGIN;
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str, rgb: Rgb) {
        let c = &mut self.cur;
        c.set_fill_rgb(
            f32::from(rgb.0) / 255.0,
            f32::from(rgb.1) / 255.0,
            f32::from(rgb.2) / 255.0,
        );
        c.begin_text();
        c.set_font(if bold { F_BOLD } else { F_REG }, size);
        c.next_line(x, y);
        c.show(Str(&encode(s)));
        c.end_text();
    }

    fn lines(&mut self, s: &str, size: f32, bold: bool, rgb: Rgb, gap_after: f32) {
        let lead = size * 1.3;
        for line in wrap(s, size, bold, BODY_W) {
            self.need(lead);
            self.y -= lead;
            let y = self.y + size * 0.25;
            self.text(MARGIN, y, size, bold, &line, rgb);
        }
        self.y -= gap_after;
    }

    fn table(&mut self, headers: &[String], rows: &[Vec<String>]) {
        let size = 8.5;
        let cols = headers.len().max(1);
        // Column widths from the widest content, scaled to the body width.
        let mut widths: Vec<f32> = (0..cols)
            .map(|i| {
                let h = headers
                    .get(i)
                    .map(|t| text_width(t, size, true))
                    .unwrap_or(0.0);
                rows.iter()
                    .filter_map(|r| r.get(i))
                    .map(|t| text_width(t, size, false))
                    .fold(h, f32::max)
                    .min(220.0)
                    + 8.0
            })
            .collect();
        let sum: f32 = widths.iter().sum();
        let scale = BODY_W / sum.max(1.0);
        for w in &mut widths {
            *w *= scale.min(1.5);
        }
        let row_h = size * 1.8;
        let header = |l: &mut Layout| {
            l.need(row_h * 2.0);
            l.y -= row_h;
            l.cur.set_fill_rgb(0.92, 0.94, 0.96);
            l.cur
                .rect(MARGIN, l.y, widths.iter().sum(), row_h)
                .fill_nonzero();
            let mut x = MARGIN + 4.0;
            for (i, h) in headers.iter().enumerate() {
                let t = fit(h, size, widths[i] - 8.0);
                l.text(x, l.y + 5.0, size, true, &t, Rgb(0x1b, 0x1f, 0x24));
                x += widths[i];
            }
        };
        header(self);
        for row in rows {
            if self.y - row_h < MARGIN + 20.0 {
                self.new_page();
                header(self);
            }
            self.y -= row_h;
            let mut x = MARGIN + 4.0;
            for (i, cell) in row.iter().enumerate().take(cols) {
                let t = fit(cell, size, widths[i] - 8.0);
                // Numbers right-aligned in their column.
                let numeric = cell.chars().any(|c| c.is_ascii_digit())
                    && cell
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '\u{a0}' || c == ' ' || c == '.');
                let tx = if numeric {
                    x + widths[i] - 8.0 - text_width(&t, size, false)
                } else {
                    x
                };
                self.text(tx, self.y + 5.0, size, false, &t, Rgb(0x1b, 0x1f, 0x24));
                x += widths[i];
            }
            self.cur.set_stroke_rgb(0.85, 0.87, 0.9);
            self.cur.set_line_width(0.5);
            self.cur
                .move_to(MARGIN, self.y)
                .line_to(MARGIN + widths.iter().sum::<f32>(), self.y)
                .stroke();
        }
        self.y -= 10.0;
    }

    fn chart(&mut self, ch: &Chart) {
        let s = (BODY_W / ch.w as f32).min(1.0);
        let h = ch.h as f32 * s;
        self.lines(&ch.title, 10.0, true, Rgb(0x1b, 0x1f, 0x24), 2.0);
        self.need(h);
        let top = self.y;
        let px = |x: f64| MARGIN + x as f32 * s;
        let py = |y: f64| top - y as f32 * s;
        let set_fill = |c: &mut Content, rgb: Rgb| {
            c.set_fill_rgb(
                f32::from(rgb.0) / 255.0,
                f32::from(rgb.1) / 255.0,
                f32::from(rgb.2) / 255.0,
            );
        };
        let set_stroke = |c: &mut Content, rgb: Rgb| {
            c.set_stroke_rgb(
                f32::from(rgb.0) / 255.0,
                f32::from(rgb.1) / 255.0,
                f32::from(rgb.2) / 255.0,
            );
        };
        for sh in &ch.shapes {
            match sh {
                Shape::Rect {
                    x, y, w, h, fill, ..
                } => {
                    set_fill(&mut self.cur, *fill);
                    self.cur
                        .rect(px(*x), py(*y + *h), *w as f32 * s, *h as f32 * s)
                        .fill_nonzero();
                }
                Shape::Line {
                    points,
                    stroke,
                    width,
                    dashed,
                } => {
                    let Some(first) = points.first() else {
                        continue;
                    };
                    set_stroke(&mut self.cur, *stroke);
                    self.cur.set_line_width(*width as f32 * s);
                    if *dashed {
                        self.cur.set_dash_pattern([3.0, 2.0], 0.0);
                    }
                    self.cur.move_to(px(first.0), py(first.1));
                    for p in &points[1..] {
                        self.cur.line_to(px(p.0), py(p.1));
                    }
                    self.cur.stroke();
                    if *dashed {
                        self.cur.set_dash_pattern([], 0.0);
                    }
                }
                Shape::Area {
                    rings,
                    fill,
                    stroke,
                    ..
                } => {
                    set_fill(&mut self.cur, *fill);
                    set_stroke(&mut self.cur, *stroke);
                    self.cur.set_line_width(0.4);
                    for ring in rings {
                        for (i, p) in ring.iter().enumerate() {
                            if i == 0 {
                                self.cur.move_to(px(p.0), py(p.1));
                            } else {
                                self.cur.line_to(px(p.0), py(p.1));
                            }
                        }
                        self.cur.close_path();
                    }
                    self.cur.fill_even_odd_and_stroke();
                }
                Shape::Dot { x, y, r, fill, .. } => {
                    set_fill(&mut self.cur, *fill);
                    let r = *r as f32 * s;
                    self.cur
                        .rect(px(*x) - r, py(*y) - r, 2.0 * r, 2.0 * r)
                        .fill_nonzero();
                }
                Shape::Text {
                    x,
                    y,
                    size,
                    text,
                    anchor,
                    fill,
                    bold,
                } => {
                    let size = *size as f32 * s;
                    let w = text_width(text, size, *bold);
                    let x0 = match anchor {
                        Anchor::Start => px(*x),
                        Anchor::Middle => px(*x) - w / 2.0,
                        Anchor::End => px(*x) - w,
                    };
                    self.text(x0, py(*y), size, *bold, text, *fill);
                }
            }
        }
        self.y = top - h - 12.0;
    }
}

/// Writes the document: `title` and `lang` go to the document's metadata, `footer` under
/// every page with its number ("footer · 3/5").
pub fn render(title: &str, lang: &str, footer: &str, blocks: &[Block]) -> Vec<u8> {
    let mut l = Layout::new(footer.to_string());
    let ink = Rgb(0x1b, 0x1f, 0x24);
    for b in blocks {
        match b {
            Block::Title(t) => l.lines(t, 18.0, true, ink, 8.0),
            Block::Heading(t) => {
                l.need(40.0);
                l.y -= 6.0;
                l.lines(t, 13.0, true, ink, 4.0)
            }
            Block::Para(t) => l.lines(t, 10.0, false, ink, 6.0),
            Block::Note(t) => l.lines(t, 8.0, false, Rgb(0x5b, 0x65, 0x70), 6.0),
            Block::Table { headers, rows } => l.table(headers, rows),
            Block::Chart(c) => l.chart(c),
        }
    }
    let last = std::mem::replace(&mut l.cur, Content::new());
    l.pages.push(last);
    let total = l.pages.len();

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let reg = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first_page = 6;
    let page_ids: Vec<Ref> = (0..total)
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();
    pdf.catalog(catalog).pages(tree).lang(TextStr(lang));
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(total as i32);
    pdf.type1_font(reg)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Enlace"));
    let footer = l.footer.clone();
    for (i, mut content) in l.pages.into_iter().enumerate() {
        let id = page_ids[i];
        let content_id = Ref::new(id.get() + 1);
        // The footer, drawn now that the page count is known.
        content.set_fill_rgb(0.36, 0.4, 0.44);
        content.begin_text();
        content.set_font(F_REG, 8.0);
        content.next_line(MARGIN, MARGIN - 20.0);
        content.show(Str(&encode(&format!("{footer} · {}/{total}", i + 1))));
        content.end_text();
        let mut page = pdf.page(id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        let mut res = page.resources();
        res.fonts().pair(F_REG, reg).pair(F_BOLD, bold);
        res.finish();
        page.finish();
        // Deflated: a report of every indicator is tens of MiB of drawing operators raw,
        // a few MiB compressed (level 6: the usual balance of size and time).
        let raw = content.finish();
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6);
        pdf.stream(content_id, &packed).filter(Filter::FlateDecode);
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_letters_are_in_win_ansi() {
        assert_eq!(
            encode("áéíóúñÑü¿¡"),
            vec![0xe1, 0xe9, 0xed, 0xf3, 0xfa, 0xf1, 0xd1, 0xfc, 0xbf, 0xa1]
        );
        assert_eq!(encode("–€"), vec![0x96, 0x80]);
        assert_eq!(encode("漢"), vec![b'?']);
    }

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let text = "Migrantes objeto de tráfico detectados por nacionalidad y sexo en el trimestre";
        let lines = wrap(text, 10.0, false, 120.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text);
        for l in &lines {
            assert!(text_width(l, 10.0, false) <= 120.0 || !l.contains(' '));
        }
    }

    #[test]
    fn a_document_is_a_pdf_with_one_page_per_overflow() {
        let rows: Vec<Vec<String>> = (0..120)
            .map(|i| vec![format!("fila {i}"), i.to_string()])
            .collect();
        let bytes = render(
            "Informe",
            "es",
            "Enlace",
            &[
                Block::Title("Informe trimestral".into()),
                Block::Table {
                    headers: vec!["País".into(), "Valor".into()],
                    rows,
                },
            ],
        );
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("/Count 3") || text.contains("/Count 4"),
            "several pages"
        );
        assert!(text.contains("WinAnsiEncoding"));
    }
}
