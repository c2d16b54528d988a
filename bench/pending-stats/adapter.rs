// The body of `App::protected_figures` in crates/enlace-app/src/dashboard.rs once the
// statistics read (`statistics_view` / `statistics_public_view`) is merged. `viewer`
// becomes `Option<&Ctx>` (None: the public portal) in `protected_figures` and
// `dashboard_for`; `Figure` gains `margin: bool`; `dashboard_indicators` maps
// `self.indicators()` (period "month" → PeriodKind::Month, and keeps `public`), and the
// portal lists only indicators with `public`.
let ps: Vec<String> = periods.iter().map(|p| p.to_string()).collect();
let v = match viewer {
    Some(ctx) => self.statistics_view(ctx, &indicator.code, &ps, &[]).await?,
    None => match self.statistics_public_view(&indicator.code, &ps, &[]).await {
        Ok(v) => v,
        Err(AppError::NotFound) => return Ok(vec![]),
        Err(e) => return Err(e),
    },
};
let dims = &v.indicator.dimensions;
let mut out = vec![];
for t in v.tables {
    out.push(Figure { country: t.country, period: t.period.clone(), dims: BTreeMap::new(),
        value: if t.total_suppressed { None } else { t.total }, suppressed: t.total_suppressed, margin: false });
    for c in t.cells {
        out.push(Figure { country: t.country, period: t.period.clone(),
            dims: dims.iter().cloned().zip(c.key.into_iter()).collect(),
            value: if c.suppressed { None } else { c.value }, suppressed: c.suppressed, margin: false });
    }
    for m in t.margins {
        out.push(Figure { country: t.country, period: t.period.clone(),
            dims: BTreeMap::from([(m.dimension, m.value)]),
            value: if m.suppressed { None } else { m.sum }, suppressed: m.suppressed, margin: true });
    }
}
Ok(out)
// view.rs: the breakdown table skips `margin` figures; the nationality bars take the
// nationality margins when the indicator has more than one dimension.
