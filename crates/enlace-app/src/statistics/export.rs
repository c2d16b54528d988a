//! Exports of what a caller may see (a [`StatisticsView`], already after disclosure
//! control): CSV, XLSX and SDMX-CSV 2.0. Each table gives its total (every dimension `_T`),
//! its margins (one dimension set, the others `_T`) and its cells; a suppressed figure is an
//! empty value flagged as suppressed (SDMX: `CONF_STATUS` `C`, published ones `F`).
use super::{StatisticsView, TableView};
use crate::{AppError, AppResult};

/// One exported observation: country, period, one code per dimension (`_T` = all), value.
struct Obs {
    country: &'static str,
    period: String,
    key: Vec<String>,
    value: Option<u64>,
    suppressed: bool,
}

fn observations(v: &StatisticsView) -> Vec<Obs> {
    let dims = v.indicator.dimensions.len();
    let mut out = Vec::new();
    for t in &v.tables {
        push_table(&mut out, t, dims, &v.indicator.dimensions);
    }
    out
}

fn push_table(out: &mut Vec<Obs>, t: &TableView, dims: usize, names: &[String]) {
    let obs = |key: Vec<String>, value: Option<u64>, suppressed: bool| Obs {
        country: t.country.code(),
        period: t.period.clone(),
        key,
        value,
        suppressed,
    };
    out.push(obs(vec!["_T".into(); dims], t.total, t.total_suppressed));
    for m in &t.margins {
        let key = names
            .iter()
            .map(|d| {
                if *d == m.dimension {
                    m.value.clone()
                } else {
                    "_T".into()
                }
            })
            .collect();
        out.push(obs(key, m.sum, m.suppressed));
    }
    for c in &t.cells {
        out.push(obs(c.key.clone(), c.value, c.suppressed));
    }
}

fn csv_err(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// CSV: `country,period,<dimensions…>,value,suppressed`.
pub fn statistics_csv(v: &StatisticsView) -> AppResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["country".to_string(), "period".into()];
    header.extend(v.indicator.dimensions.iter().cloned());
    header.extend(["value".into(), "suppressed".into()]);
    w.write_record(&header).map_err(csv_err)?;
    for o in observations(v) {
        let mut rec = vec![o.country.to_string(), o.period];
        rec.extend(o.key);
        rec.push(o.value.map(|x| x.to_string()).unwrap_or_default());
        rec.push(o.suppressed.to_string());
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}

/// SDMX-CSV 2.0: `STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,TIME_PERIOD,<DIMENSIONS…>,OBS_VALUE,
/// CONF_STATUS`, the structure being the dataflow `ENLACE:DF_<INDICATOR>(1.0)`.
pub fn statistics_sdmx_csv(v: &StatisticsView) -> AppResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "STRUCTURE",
        "STRUCTURE_ID",
        "ACTION",
        "REF_AREA",
        "TIME_PERIOD",
    ]
    .map(String::from)
    .to_vec();
    header.extend(v.indicator.dimensions.iter().map(|d| d.to_uppercase()));
    header.extend(["OBS_VALUE".into(), "CONF_STATUS".into()]);
    w.write_record(&header).map_err(csv_err)?;
    let id = format!("ENLACE:DF_{}(1.0)", v.indicator.code.to_uppercase());
    for o in observations(v) {
        let mut rec = vec![
            "dataflow".to_string(),
            id.clone(),
            "I".into(),
            o.country.to_uppercase(),
            o.period,
        ];
        rec.extend(o.key);
        rec.push(o.value.map(|x| x.to_string()).unwrap_or_default());
        rec.push(if o.suppressed { "C" } else { "F" }.into());
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}

/// XLSX: one sheet with the CSV's columns (suppressed figures left empty).
pub fn statistics_xlsx(v: &StatisticsView) -> AppResult<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let mut header = vec!["country".to_string(), "period".into()];
    header.extend(v.indicator.dimensions.iter().cloned());
    header.extend(["value".into(), "suppressed".into()]);
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h.as_str()).map_err(csv_err)?;
    }
    for (i, o) in observations(v).into_iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, o.country).map_err(csv_err)?;
        ws.write_string(r, 1, o.period).map_err(csv_err)?;
        let mut c = 2u16;
        for k in o.key {
            ws.write_string(r, c, k).map_err(csv_err)?;
            c += 1;
        }
        if let Some(x) = o.value {
            ws.write_number(r, c, x as f64).map_err(csv_err)?;
        }
        ws.write_string(r, c + 1, o.suppressed.to_string())
            .map_err(csv_err)?;
    }
    wb.save_to_buffer().map_err(csv_err)
}
