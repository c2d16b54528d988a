//! Charts for the statistics dashboard, the quarterly report and the portal, drawn on the
//! server. A chart is a small display list (rectangles, lines, outlines, text) in a
//! top-left-origin coordinate space; [`Chart::to_svg`] writes it as an SVG picture with its text
//! alternative (`<title>` and `<desc>`), and the PDF writer (`crate::pdf`) draws the same list as
//! vector graphics, so page and report always show the same picture. Every text is escaped.
//! Values are already after disclosure control: `None` is a suppressed or missing figure and is
//! never drawn as a zero.
use enlace_domain::Country;
use std::sync::OnceLock;

/// A colour as RGB bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Where a text's x coordinate sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// One drawing instruction.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Rgb,
        /// A tooltip naming what the rectangle stands for.
        title: Option<String>,
    },
    /// An open polyline.
    Line {
        points: Vec<(f64, f64)>,
        stroke: Rgb,
        width: f64,
        dashed: bool,
    },
    /// Closed rings filled even-odd (a country).
    Area {
        rings: Vec<Vec<(f64, f64)>>,
        fill: Rgb,
        stroke: Rgb,
        title: Option<String>,
        /// A stable marker for tests and styling (`data-key`).
        key: Option<String>,
    },
    Dot {
        x: f64,
        y: f64,
        r: f64,
        fill: Rgb,
        title: Option<String>,
    },
    Text {
        x: f64,
        y: f64,
        size: f64,
        text: String,
        anchor: Anchor,
        fill: Rgb,
        bold: bool,
    },
}

/// A picture: its size, its text alternative and what to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub w: f64,
    pub h: f64,
    pub title: String,
    pub desc: String,
    pub shapes: Vec<Shape>,
}

/// Escapes text for SVG/XML content and attribute values.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate in SVG text: one decimal, no trailing ".0".
fn n(v: f64) -> String {
    let t = (v * 10.0).round() as i64;
    let sign = if t < 0 { "-" } else { "" };
    let a = t.unsigned_abs();
    if a.is_multiple_of(10) {
        format!("{sign}{}", a / 10)
    } else {
        format!("{sign}{}.{}", a / 10, a % 10)
    }
}

/// A count as people read it: 12 345.
pub fn fmt_count(v: f64) -> String {
    let r = v.round() as i64;
    let digits = r.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    if r < 0 {
        format!("-{out}")
    } else {
        out
    }
}

impl Chart {
    /// The chart as an inline SVG element; `id` makes the title/desc ids unique on a page.
    pub fn to_svg(&self, id: &str) -> String {
        let id = xml(id);
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" class=\"chart\" font-family=\"sans-serif\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
            n(self.w),
            n(self.h),
            xml(&self.title),
            xml(&self.desc)
        );
        for sh in &self.shapes {
            match sh {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    title,
                } => {
                    s.push_str(&format!(
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\">",
                        n(*x),
                        n(*y),
                        n(*w),
                        n(*h),
                        fill.hex()
                    ));
                    if let Some(t) = title {
                        s.push_str(&format!("<title>{}</title>", xml(t)));
                    }
                    s.push_str("</rect>");
                }
                Shape::Line {
                    points,
                    stroke,
                    width,
                    dashed,
                } => {
                    let pts: Vec<String> = points
                        .iter()
                        .map(|(x, y)| format!("{},{}", n(*x), n(*y)))
                        .collect();
                    s.push_str(&format!(
                        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>",
                        pts.join(" "),
                        stroke.hex(),
                        n(*width),
                        if *dashed {
                            " stroke-dasharray=\"4 3\""
                        } else {
                            ""
                        }
                    ));
                }
                Shape::Area {
                    rings,
                    fill,
                    stroke,
                    title,
                    key,
                } => {
                    let mut d = String::new();
                    for ring in rings {
                        for (i, (x, y)) in ring.iter().enumerate() {
                            d.push(if i == 0 { 'M' } else { 'L' });
                            d.push_str(&n(*x));
                            d.push(' ');
                            d.push_str(&n(*y));
                        }
                        d.push('Z');
                    }
                    s.push_str(&format!(
                        "<path d=\"{d}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"0.6\" fill-rule=\"evenodd\"",
                        fill.hex(),
                        stroke.hex()
                    ));
                    if let Some(k) = key {
                        s.push_str(&format!(" data-key=\"{}\"", xml(k)));
                    }
                    s.push('>');
                    if let Some(t) = title {
                        s.push_str(&format!("<title>{}</title>", xml(t)));
                    }
                    s.push_str("</path>");
                }
                Shape::Dot {
                    x,
                    y,
                    r,
                    fill,
                    title,
                } => {
                    s.push_str(&format!(
                        "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\">",
                        n(*x),
                        n(*y),
                        n(*r),
                        fill.hex()
                    ));
                    if let Some(t) = title {
                        s.push_str(&format!("<title>{}</title>", xml(t)));
                    }
                    s.push_str("</circle>");
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
                    let a = match anchor {
                        Anchor::Start => "start",
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    s.push_str(&format!(
                        "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{a}\" fill=\"{}\"{}>{}</text>",
                        n(*x),
                        n(*y),
                        n(*size),
                        fill.hex(),
                        if *bold { " font-weight=\"bold\"" } else { "" },
                        xml(text)
                    ));
                }
            }
        }
        s.push_str("</svg>");
        s
    }
}

const INK: Rgb = Rgb(0x1b, 0x1f, 0x24);
const MUTED: Rgb = Rgb(0x5b, 0x65, 0x70);
const GRID: Rgb = Rgb(0xd5, 0xdb, 0xe1);
/// Drawn where a figure is suppressed or missing: never a colour of the value scale.
pub const NO_DATA: Rgb = Rgb(0xee, 0xee, 0xee);

/// Series colours (colour-blind-safe first, then distinct darker tones).
pub const PALETTE: [Rgb; 12] = [
    Rgb(0x00, 0x72, 0xb2),
    Rgb(0xd5, 0x5e, 0x00),
    Rgb(0x00, 0x9e, 0x73),
    Rgb(0xcc, 0x79, 0xa7),
    Rgb(0x56, 0xb4, 0xe9),
    Rgb(0xe6, 0x9f, 0x00),
    Rgb(0x7a, 0x3e, 0x9d),
    Rgb(0x4d, 0x4d, 0x4d),
    Rgb(0x8c, 0x56, 0x1e),
    Rgb(0x1b, 0x7f, 0x3a),
    Rgb(0xa5, 0x1c, 0x30),
    Rgb(0x2f, 0x4b, 0x7c),
];

fn text(x: f64, y: f64, size: f64, t: &str, anchor: Anchor, fill: Rgb) -> Shape {
    Shape::Text {
        x,
        y,
        size,
        text: t.to_string(),
        anchor,
        fill,
        bold: false,
    }
}

/// A "nice" upper bound for an axis and its step (1, 2 or 5 × 10^n), at least 1.
fn nice_max(max: f64) -> (f64, f64) {
    let max = max.max(1.0);
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
        .max(1.0);
    ((max / step).ceil() * step, step)
}

/// Horizontal grid lines with their labels; returns the y of a value.
fn y_axis(shapes: &mut Vec<Shape>, top: f64, bottom: f64, left: f64, right: f64, max: f64) {
    let (top_val, step) = nice_max(max);
    let mut v = 0.0;
    while v <= top_val + step / 2.0 {
        let y = bottom - (v / top_val) * (bottom - top);
        shapes.push(Shape::Line {
            points: vec![(left, y), (right, y)],
            stroke: GRID,
            width: 0.6,
            dashed: false,
        });
        shapes.push(text(
            left - 4.0,
            y + 3.5,
            10.0,
            &fmt_count(v),
            Anchor::End,
            MUTED,
        ));
        v += step;
    }
}

/// A legend in rows under the plot; returns the height used.
fn legend(shapes: &mut Vec<Shape>, x0: f64, y0: f64, width: f64, items: &[(String, Rgb)]) -> f64 {
    let (mut x, mut y) = (x0, y0);
    for (label, colour) in items {
        let w = 16.0 + label.chars().count() as f64 * 6.0 + 12.0;
        if x > x0 && x + w > x0 + width {
            x = x0;
            y += 16.0;
        }
        shapes.push(Shape::Rect {
            x,
            y: y - 9.0,
            w: 10.0,
            h: 10.0,
            fill: *colour,
            title: None,
        });
        shapes.push(text(x + 14.0, y, 10.0, label, Anchor::Start, INK));
        x += w;
    }
    y - y0 + 16.0
}

/// One line per series over the periods. A `None` value breaks the line (suppressed or
/// missing figures are gaps, not zeros); a lone point is drawn as a dot.
pub fn line_chart(
    title: &str,
    desc: &str,
    periods: &[String],
    series: &[(String, Vec<Option<f64>>)],
) -> Chart {
    let (w, left, right, top, bottom) = (640.0, 56.0, 628.0, 16.0, 250.0);
    let mut shapes = vec![];
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .fold(0.0f64, |a, b| a.max(*b));
    y_axis(&mut shapes, top, bottom, left, right, max);
    let (top_val, _) = nice_max(max);
    let np = periods.len().max(1);
    let x_of = |i: usize| {
        if np == 1 {
            (left + right) / 2.0
        } else {
            left + 10.0 + (right - left - 20.0) * i as f64 / (np - 1) as f64
        }
    };
    let y_of = |v: f64| bottom - (v / top_val) * (bottom - top);
    // Period labels: at most ~8 so they never collide.
    let every = periods.len().div_ceil(8).max(1);
    for (i, p) in periods.iter().enumerate() {
        if i % every == 0 || i + 1 == periods.len() {
            shapes.push(text(x_of(i), bottom + 14.0, 10.0, p, Anchor::Middle, MUTED));
        }
    }
    let mut items = vec![];
    for (si, (label, values)) in series.iter().enumerate() {
        let colour = PALETTE[si % PALETTE.len()];
        items.push((label.clone(), colour));
        let mut run: Vec<(f64, f64)> = vec![];
        let flush = |run: &mut Vec<(f64, f64)>, shapes: &mut Vec<Shape>| {
            if run.len() > 1 {
                shapes.push(Shape::Line {
                    points: std::mem::take(run),
                    stroke: colour,
                    width: 2.0,
                    dashed: false,
                });
            } else {
                run.clear();
            }
        };
        for (i, v) in values.iter().enumerate().take(np) {
            match v {
                Some(v) => {
                    let p = (x_of(i), y_of(*v));
                    run.push(p);
                    shapes.push(Shape::Dot {
                        x: p.0,
                        y: p.1,
                        r: 2.5,
                        fill: colour,
                        title: Some(format!(
                            "{label}, {}: {}",
                            periods.get(i).map(String::as_str).unwrap_or(""),
                            fmt_count(*v)
                        )),
                    });
                }
                None => flush(&mut run, &mut shapes),
            }
        }
        flush(&mut run, &mut shapes);
    }
    let lh = legend(&mut shapes, left, bottom + 34.0, right - left, &items);
    Chart {
        w,
        h: bottom + 34.0 + lh,
        title: title.to_string(),
        desc: desc.to_string(),
        shapes,
    }
}

/// Stacked bars: one bar per category (e.g. a country), its segments the stacks (e.g.
/// nationalities). A `None` segment (suppressed) is left out of the bar; the table says so.
pub fn stacked_bars(
    title: &str,
    desc: &str,
    categories: &[String],
    stacks: &[(String, Vec<Option<f64>>)],
) -> Chart {
    let (w, left, right, top, bottom) = (640.0, 56.0, 628.0, 16.0, 250.0);
    let mut shapes = vec![];
    let totals: Vec<f64> = (0..categories.len())
        .map(|c| {
            stacks
                .iter()
                .filter_map(|(_, v)| v.get(c).copied().flatten())
                .sum()
        })
        .collect();
    let max = totals.iter().fold(0.0f64, |a, b| a.max(*b));
    y_axis(&mut shapes, top, bottom, left, right, max);
    let (top_val, _) = nice_max(max);
    let nc = categories.len().max(1) as f64;
    let slot = (right - left) / nc;
    let bar = (slot * 0.7).min(48.0);
    for (c, cat) in categories.iter().enumerate() {
        let x = left + slot * c as f64 + (slot - bar) / 2.0;
        let mut y = bottom;
        for (si, (label, values)) in stacks.iter().enumerate() {
            let Some(v) = values.get(c).copied().flatten() else {
                continue;
            };
            if v <= 0.0 {
                continue;
            }
            let h = v / top_val * (bottom - top);
            y -= h;
            shapes.push(Shape::Rect {
                x,
                y,
                w: bar,
                h,
                fill: PALETTE[si % PALETTE.len()],
                title: Some(format!("{cat}, {label}: {}", fmt_count(v))),
            });
        }
        shapes.push(text(
            x + bar / 2.0,
            bottom + 14.0,
            10.0,
            cat,
            Anchor::Middle,
            MUTED,
        ));
    }
    let items: Vec<(String, Rgb)> = stacks
        .iter()
        .enumerate()
        .map(|(i, (l, _))| (l.clone(), PALETTE[i % PALETTE.len()]))
        .collect();
    let lh = legend(&mut shapes, left, bottom + 34.0, right - left, &items);
    Chart {
        w,
        h: bottom + 34.0 + lh,
        title: title.to_string(),
        desc: desc.to_string(),
        shapes,
    }
}

// The choropleth's window: the members' part of the route map's window.
const CH_W: f64 = 640.0;
const CH_MAP_H: f64 = 480.0;
const LON0: f64 = -120.0;
const LON1: f64 = -58.0;
const LAT0: f64 = 5.0;
const LAT1: f64 = 52.0;

fn project(lon: f64, lat: f64) -> (f64, f64) {
    (
        (lon - LON0) / (LON1 - LON0) * CH_W,
        (LAT1 - lat) / (LAT1 - LAT0) * CH_MAP_H,
    )
}

/// The boundaries the route map uses, projected for the choropleth once: points closer than
/// a pixel to the previous one are dropped so the page and the PDF stay small.
/// A country's code and its projected rings.
type Outline = (String, Vec<Vec<(f64, f64)>>);

fn land() -> &'static [Outline] {
    static LAND: OnceLock<Vec<Outline>> = OnceLock::new();
    LAND.get_or_init(|| {
        crate::routes::boundaries()
            .iter()
            .map(|b| {
                let rings = b
                    .rings
                    .iter()
                    .filter_map(|ring| {
                        let mut pts: Vec<(f64, f64)> = vec![];
                        for &(lon, lat) in ring {
                            let p = project(lon, lat);
                            let far = pts
                                .last()
                                .is_none_or(|q| (q.0 - p.0).abs() + (q.1 - p.1).abs() >= 1.0);
                            if far {
                                pts.push(p);
                            }
                        }
                        (pts.len() >= 3).then_some(pts)
                    })
                    .collect::<Vec<_>>();
                (b.code.clone(), rings)
            })
            .filter(|(_, r)| !r.is_empty())
            .collect()
    })
}

/// Five classes from light to dark.
const SCALE: [Rgb; 5] = [
    Rgb(0xde, 0xeb, 0xf7),
    Rgb(0x9e, 0xca, 0xe1),
    Rgb(0x42, 0x92, 0xc6),
    Rgb(0x21, 0x71, 0xb5),
    Rgb(0x08, 0x45, 0x94),
];

/// A choropleth of the member countries on the route map's boundaries. `values` gives each
/// member's figure (`None`: suppressed or not reported, drawn grey); `name` names a country in
/// the reader's language; `no_data` is the legend's word for the grey.
pub fn choropleth(
    title: &str,
    desc: &str,
    values: &[(Country, Option<f64>)],
    name: &dyn Fn(Country) -> String,
    no_data: &str,
) -> Chart {
    let mut shapes = vec![Shape::Rect {
        x: 0.0,
        y: 0.0,
        w: CH_W,
        h: CH_MAP_H,
        fill: Rgb(0xf4, 0xf7, 0xfa),
        title: None,
    }];
    let max = values.iter().filter_map(|(_, v)| *v).fold(0.0f64, f64::max);
    let class = |v: f64| -> usize {
        if max <= 0.0 {
            return 0;
        }
        (((v / max) * 5.0).ceil() as usize).clamp(1, 5) - 1
    };
    for (code, rings) in land() {
        let member = Country::parse(code);
        let (fill, stroke, title, key) = match member {
            None => (Rgb(0xfb, 0xfa, 0xf6), Rgb(0xc0, 0xc4, 0xbc), None, None),
            Some(c) => {
                let v = values.iter().find(|(k, _)| *k == c).and_then(|(_, v)| *v);
                let (fill, shown) = match v {
                    Some(v) => (SCALE[class(v)], fmt_count(v)),
                    None => (NO_DATA, no_data.to_string()),
                };
                (
                    fill,
                    Rgb(0x4d, 0x55, 0x5c),
                    Some(format!("{}: {shown}", name(c))),
                    Some(c.code().to_string()),
                )
            }
        };
        shapes.push(Shape::Area {
            rings: rings.clone(),
            fill,
            stroke,
            title,
            key,
        });
    }
    // Legend: the class bounds, then "no data".
    let mut items: Vec<(String, Rgb)> = vec![];
    if max > 0.0 {
        for (i, colour) in SCALE.iter().enumerate() {
            let lo = (max * i as f64 / 5.0).floor() + if i == 0 { 0.0 } else { 1.0 };
            let hi = (max * (i + 1) as f64 / 5.0).floor();
            if hi >= lo {
                items.push((format!("{}–{}", fmt_count(lo), fmt_count(hi)), *colour));
            }
        }
    }
    items.push((no_data.to_string(), NO_DATA));
    let lh = legend(&mut shapes, 10.0, CH_MAP_H + 18.0, CH_W - 20.0, &items);
    Chart {
        w: CH_W,
        h: CH_MAP_H + 18.0 + lh,
        title: title.to_string(),
        desc: desc.to_string(),
        shapes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Country {
        Country::parse(code).unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn text_is_escaped_everywhere() {
        let ch = line_chart(
            "<script>&\"",
            "a < b",
            &["2026-Q1".into()],
            &[("M&x<".into(), vec![Some(3.0)])],
        );
        let svg = ch.to_svg("x\"y");
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&amp;&quot;"));
        assert!(svg.contains("M&amp;x&lt;"));
        assert!(svg.contains("id=\"x&quot;y-t\""));
        assert!(svg.contains("a &lt; b"));
    }

    #[test]
    fn svg_has_its_text_alternative() {
        let ch = stacked_bars(
            "Por nacionalidad",
            "Barras apiladas",
            &["MX".into()],
            &[("Honduras".into(), vec![Some(12.0)])],
        );
        let svg = ch.to_svg("nat");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"nat-t nat-d\""));
        assert!(svg.contains("<title id=\"nat-t\">Por nacionalidad</title>"));
        assert!(svg.contains("<desc id=\"nat-d\">Barras apiladas</desc>"));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn a_suppressed_value_breaks_the_line_and_is_never_a_zero() {
        let periods: Vec<String> = ["2026-Q1", "2026-Q2", "2026-Q3"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let ch = line_chart(
            "t",
            "d",
            &periods,
            &[("gt".into(), vec![Some(40.0), None, Some(50.0)])],
        );
        let lines = ch
            .shapes
            .iter()
            .filter(|s| matches!(s, Shape::Line { width, .. } if *width == 2.0))
            .count();
        assert_eq!(lines, 0, "no segment joins across the gap");
        let dots: Vec<&Shape> = ch
            .shapes
            .iter()
            .filter(|s| matches!(s, Shape::Dot { .. }))
            .collect();
        assert_eq!(dots.len(), 2);
        let svg = ch.to_svg("l");
        assert!(svg.contains("gt, 2026-Q1: 40"));
        assert!(!svg.contains("2026-Q2:"));
    }

    #[test]
    fn stacked_segments_add_up_to_the_bar() {
        let ch = stacked_bars(
            "t",
            "d",
            &["A".into(), "B".into()],
            &[
                ("x".into(), vec![Some(10.0), Some(5.0)]),
                ("y".into(), vec![Some(30.0), None]),
            ],
        );
        let rects: Vec<(f64, f64)> = ch
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Rect {
                    h,
                    title: Some(_),
                    x,
                    ..
                } => Some((*x, *h)),
                _ => None,
            })
            .collect();
        assert_eq!(rects.len(), 3, "the suppressed segment is not drawn");
        // A's two segments stand in ratio 10:30.
        assert!((rects[1].1 / rects[0].1 - 3.0).abs() < 1e-9);
    }

    #[test]
    fn choropleth_shades_every_member_and_greys_suppressed() {
        let values: Vec<(Country, Option<f64>)> = Country::all()
            .map(|k| (k, if k.code() == "gt" { None } else { Some(100.0) }))
            .collect();
        let ch = choropleth(
            "Mapa",
            "desc",
            &values,
            &|k| k.code().to_uppercase(),
            "sin datos",
        );
        let keyed: Vec<(&str, Rgb)> = ch
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Area {
                    key: Some(k), fill, ..
                } => Some((k.as_str(), *fill)),
                _ => None,
            })
            .collect();
        for k in Country::all() {
            assert!(
                keyed.iter().any(|(c, _)| *c == k.code()),
                "{} drawn",
                k.code()
            );
        }
        assert!(keyed
            .iter()
            .filter(|(c, _)| *c == "gt")
            .all(|(_, f)| *f == NO_DATA));
        assert!(keyed
            .iter()
            .filter(|(c, _)| *c == "mx")
            .all(|(_, f)| *f == SCALE[4]));
        let svg = ch.to_svg("map");
        assert!(svg.contains("GT: sin datos"));
        assert!(svg.contains("data-key=\"mx\""));
        let _ = c("mx");
    }

    #[test]
    fn axis_bounds_are_round() {
        assert_eq!(nice_max(0.0), (1.0, 1.0));
        assert_eq!(nice_max(37.0), (40.0, 10.0));
        assert_eq!(nice_max(1234.0), (1500.0, 500.0));
        assert_eq!(fmt_count(1234567.0), "1\u{a0}234\u{a0}567");
    }
}
