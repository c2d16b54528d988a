//! The quarterly regional report: the same figures as the dashboard, for every indicator of
//! the catalogue, as blocks that become a printable page or a PDF (no browser involved).
use super::view::{self, html as esc, Table};
use crate::i18n::Tr;
use crate::AppState;
use enlace_app::dashboard::{Period, PeriodKind};
use enlace_app::pdf::Block;
use enlace_app::{AppResult, Ctx};

pub struct Report {
    pub title: String,
    pub footer: String,
    pub blocks: Vec<Block>,
}

/// The quarter's report for `ctx`: its own country in full, the others after disclosure
/// control; the indicators derived from its own and shared intelligence at the end.
pub async fn build(s: &AppState, ctx: &Ctx, q: Period, t: &Tr) -> AppResult<Report> {
    let indicators = s.app.dashboard_indicators().await?;
    let title = t.t1("dashboard_report_title", "period", &q.to_string());
    let mut blocks = vec![
        Block::Title(title.clone()),
        Block::Para(t.t("dashboard_report_intro")),
        Block::Note(t.t("dashboard_disclosure_note")),
    ];
    let (first_day, last_day) = q.days();
    for (n, i) in indicators.iter().enumerate() {
        // Quarterly indicators: this quarter and the three before; monthly: its three months.
        let periods = match i.period {
            PeriodKind::Quarter => q.prev(3).range(q),
            PeriodKind::Month => match (
                Period::of_date(&first_day, PeriodKind::Month),
                Period::of_date(&last_day, PeriodKind::Month),
            ) {
                (Some(a), Some(b)) => a.range(b),
                _ => continue,
            },
        };
        let d = s
            .app
            .dashboard_for(
                Some(ctx),
                indicators.clone(),
                i.clone(),
                periods,
                None,
                false,
            )
            .await?;
        let p = view::present(&d, t);
        blocks.push(Block::Heading(view::indicator_name(t, i)));
        // The headline indicator's map is always drawn (grey where nothing is published).
        if n == 0 {
            blocks.push(Block::Chart(p.map));
        }
        if d.figures.is_empty() {
            blocks.push(Block::Note(t.t("dashboard_empty")));
            continue;
        }
        blocks.push(Block::Chart(p.trend));
        blocks.push(Block::Note(p.totals.caption.clone()));
        blocks.push(p.totals.block());
        if let Some(c) = p.nationality {
            blocks.push(Block::Chart(c));
        }
        if !p.breakdown.rows.is_empty() {
            blocks.push(Block::Note(p.breakdown.caption.clone()));
            blocks.push(p.breakdown.block());
        }
    }
    let derived = s.app.derived_indicators(ctx, &[q]).await?;
    let tables: Vec<Table> = view::present_derived(&derived, t);
    if !tables.is_empty() {
        blocks.push(Block::Heading(t.t("dashboard_derived_title")));
        blocks.push(Block::Note(t.t("dashboard_derived_help")));
        for tb in tables {
            blocks.push(Block::Note(tb.caption.clone()));
            blocks.push(tb.block());
        }
    }
    let generated = enlace_domain::clock::format_utc(s.app.now_ms());
    Ok(Report {
        footer: t.t1("dashboard_report_footer", "at", &generated),
        title,
        blocks,
    })
}

/// The printable page: the same blocks as HTML, the charts as inline SVG.
pub fn html(r: &Report, t: &Tr) -> String {
    let mut s = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body class=\"report\"><main id=\"main\">",
        t.code(),
        esc(&r.title)
    );
    let mut pending_caption: Option<String> = None;
    for (i, b) in r.blocks.iter().enumerate() {
        match b {
            Block::Title(x) => s.push_str(&format!("<h1>{}</h1>", esc(x))),
            Block::Heading(x) => s.push_str(&format!("<h2>{}</h2>", esc(x))),
            Block::Para(x) => s.push_str(&format!("<p>{}</p>", esc(x))),
            Block::Note(x) => {
                // A note right before a table is that table's caption.
                if matches!(r.blocks.get(i + 1), Some(Block::Table { .. })) {
                    pending_caption = Some(x.clone());
                } else {
                    s.push_str(&format!("<p class=\"muted\">{}</p>", esc(x)));
                }
            }
            Block::Table { headers, rows } => {
                let tb = Table {
                    caption: pending_caption.take().unwrap_or_default(),
                    headers: headers.clone(),
                    rows: rows.clone(),
                };
                s.push_str(&view::table_html(&tb, &format!("table-{i}")));
            }
            Block::Chart(c) => s.push_str(&format!(
                "<figure class=\"graph-box\">{}</figure>",
                c.to_svg(&format!("chart-{i}"))
            )),
        }
    }
    s.push_str(&format!(
        "<footer><p class=\"muted\">{}</p></footer></main></body></html>",
        esc(&r.footer)
    ));
    s
}
