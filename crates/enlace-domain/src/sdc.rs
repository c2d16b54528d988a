//! Statistical disclosure control: which figures of one country's table may be shown beyond
//! that country.
//!
//! A *table* is one indicator's figures for one country and period: a total and cells, each
//! cell one combination of the indicator's dimension values (0 to 3 dimensions). Beside the
//! cells, a published table carries its *margins* (for tables of 2 or more dimensions: the
//! sum over all cells sharing one dimension value, e.g. all `hn` cells) and its total.
//!
//! [`protect`] decides what is suppressed:
//! - **Primary**: a cell, margin or total with a count from 1 to k−1 (zero is not sensitive).
//! - **Secondary**: enough further cells — and, when that cannot be done, the margins holding
//!   the cell and at last the total — so that for every suppressed cell the interval of values
//!   consistent with everything published (the published cells, margins and total, and
//!   non-negativity; linear bounds) is at least k wide. Widths are computed exactly by a small
//!   simplex over the published equalities; the candidates tried for secondary suppression are
//!   single cells, whole hypercubes (2×2 or 2×2×2 corners around the cell, which move no margin)
//!   and finally the margins and total.
//!
//! The pattern is deterministic: the same table gives the same pattern (every choice is ordered
//! by value, then by the cells' keys).
//!
//! Differencing across revisions cannot happen: revisions are owner-only, and beyond the owner
//! country only the latest revision of a table is ever shown. Nor across breakdowns: an
//! indicator has one breakdown (its dimensions), so a table is the only publication of its
//! figures for that country and period.
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The threshold when the catalogue does not say otherwise.
pub const DEFAULT_K: u32 = 11;

/// One indicator's figures for one country and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// The dimension names, in order (e.g. `["nationality", "sex"]`); at most 3.
    pub dimensions: Vec<String>,
    /// The cells, each keyed by one value per dimension (same order as `dimensions`).
    pub cells: Vec<Cell>,
    /// The total; the cells are expected to add up to it (validated on submission).
    pub total: u64,
}

/// One cell of a [`Table`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub key: Vec<String>,
    pub value: u64,
}

/// A margin: the sum of the cells whose dimension `dimension` has the value `value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Margin {
    /// Index into [`Table::dimensions`].
    pub dimension: usize,
    pub value: String,
    pub sum: u64,
    pub suppressed: bool,
}

/// What may be shown of a [`Table`] beyond its owner country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    /// One flag per cell of the table, same order: `true` means suppressed.
    pub cells: Vec<bool>,
    /// The margins (only for 2 or more dimensions: in one dimension a margin is a cell),
    /// ordered by dimension, then value.
    pub margins: Vec<Margin>,
    pub total_suppressed: bool,
}

impl Protection {
    /// Whether the `i`-th cell is suppressed (an index out of range counts as suppressed).
    pub fn cell_suppressed(&self, i: usize) -> bool {
        self.cells.get(i).copied().unwrap_or(true)
    }
    /// The margin of `dimension` = `value`, if the table has margins.
    pub fn margin(&self, dimension: usize, value: &str) -> Option<&Margin> {
        self.margins
            .iter()
            .find(|m| m.dimension == dimension && m.value == value)
    }
}

fn sensitive(v: u64, k: u32) -> bool {
    v >= 1 && v < u64::from(k)
}

/// A published equality: the listed cells add up to `value`.
struct Row {
    cells: Vec<usize>,
    value: u64,
    published: bool,
}

struct State<'a> {
    table: &'a Table,
    k: f64,
    suppressed: Vec<bool>,
    /// Row 0 is the total; then the margins in [`Protection::margins`] order.
    rows: Vec<Row>,
    /// For each cell, the rows holding it.
    rows_of: Vec<Vec<usize>>,
    /// Cell lookup by key.
    index: HashMap<&'a [String], usize>,
    /// Each dimension's values, sorted.
    values: Vec<Vec<&'a str>>,
    /// The row of each margin, by (dimension, value).
    margin_row: HashMap<(usize, String), usize>,
}

/// Decides what of `table` is suppressed for threshold `k` (see the module documentation).
pub fn protect(table: &Table, k: u32) -> Protection {
    let n = table.cells.len();
    let dims = table.dimensions.len();
    let mut rows = vec![Row {
        cells: (0..n).collect(),
        value: table.total,
        published: !sensitive(table.total, k),
    }];
    let mut margins = Vec::new();
    let mut values: Vec<Vec<&str>> = Vec::new();
    for d in 0..dims {
        let mut by_value: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, c) in table.cells.iter().enumerate() {
            if let Some(v) = c.key.get(d) {
                by_value.entry(v.as_str()).or_default().push(i);
            }
        }
        values.push(by_value.keys().copied().collect());
        if dims < 2 {
            continue;
        }
        for (v, cells) in by_value {
            let sum = cells.iter().map(|&i| table.cells[i].value).sum();
            margins.push(Margin {
                dimension: d,
                value: v.to_string(),
                sum,
                suppressed: sensitive(sum, k),
            });
            rows.push(Row {
                cells,
                value: sum,
                published: !sensitive(sum, k),
            });
        }
    }
    let margin_row = margins
        .iter()
        .enumerate()
        .map(|(i, m)| ((m.dimension, m.value.clone()), i + 1))
        .collect();
    let mut rows_of = vec![Vec::new(); n];
    for (r, row) in rows.iter().enumerate() {
        for &i in &row.cells {
            rows_of[i].push(r);
        }
    }
    let index = table
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| (c.key.as_slice(), i))
        .collect();
    let mut st = State {
        table,
        k: f64::from(k),
        suppressed: table.cells.iter().map(|c| sensitive(c.value, k)).collect(),
        rows,
        rows_of,
        index,
        values,
        margin_row,
    };
    st.secondary();
    for (m, row) in margins.iter_mut().zip(st.rows.iter().skip(1)) {
        m.suppressed = !row.published;
    }
    Protection {
        cells: st.suppressed,
        margins,
        total_suppressed: !st.rows[0].published,
    }
}

/// A step that suppresses more: cells and/or rows (margins, total).
#[derive(Clone)]
struct Step {
    cells: Vec<usize>,
    rows: Vec<usize>,
}

impl State<'_> {
    fn order(&self) -> Vec<usize> {
        let mut o: Vec<usize> = (0..self.table.cells.len()).collect();
        o.sort_by(|&a, &b| self.cmp_cells(a, b));
        o
    }

    fn cmp_cells(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let (ca, cb) = (&self.table.cells[a], &self.table.cells[b]);
        ca.value.cmp(&cb.value).then_with(|| ca.key.cmp(&cb.key))
    }

    /// Adds suppression until every suppressed cell is at least k wide. Widths only grow as
    /// suppression grows, so a cell once wide enough stays so; each step suppresses something
    /// more, so this ends (at worst with no equality left around a cell: unbounded).
    fn secondary(&mut self) {
        let mut wide = vec![false; self.table.cells.len()];
        loop {
            let mut changed = false;
            for c in self.order() {
                if !self.suppressed[c] || wide[c] {
                    continue;
                }
                while self.width(c) < self.k - 1e-6 {
                    let step = self.choose(c);
                    self.apply(&step);
                    changed = true;
                }
                wide[c] = true;
            }
            if !changed {
                return;
            }
        }
    }

    fn apply(&mut self, step: &Step) {
        for &i in &step.cells {
            self.suppressed[i] = true;
        }
        for &r in &step.rows {
            self.rows[r].published = false;
        }
    }

    fn with<T>(&mut self, step: &Step, f: impl FnOnce(&Self) -> T) -> T {
        let saved_cells: Vec<bool> = step.cells.iter().map(|&i| self.suppressed[i]).collect();
        let saved_rows: Vec<bool> = step.rows.iter().map(|&r| self.rows[r].published).collect();
        self.apply(step);
        let out = f(self);
        for (&i, s) in step.cells.iter().zip(saved_cells) {
            self.suppressed[i] = s;
        }
        for (&r, p) in step.rows.iter().zip(saved_rows) {
            self.rows[r].published = p;
        }
        out
    }

    /// The next suppression to make for cell `c`, which is not yet wide enough.
    fn choose(&mut self, c: usize) -> Step {
        // A hypercube needs no linear programme to judge, so it is tried first.
        if let Some(step) = self.hypercube(c) {
            return step;
        }
        let current = self.width(c);
        // Single cells sharing a published equality with c, smallest first.
        let mut singles: Vec<usize> = (0..self.table.cells.len())
            .filter(|&j| {
                j != c
                    && !self.suppressed[j]
                    && self.table.cells[j].value > 0
                    && self.rows_of[j]
                        .iter()
                        .any(|r| self.rows[*r].published && self.rows_of[c].contains(r))
            })
            .collect();
        singles.sort_by(|&a, &b| self.cmp_cells(a, b));
        singles.truncate(32);
        let mut best: Option<(f64, Step)> = None;
        for j in singles {
            let step = Step {
                cells: vec![j],
                rows: vec![],
            };
            let w = self.with(&step, |s| s.width(c));
            if w >= self.k - 1e-6 {
                return step;
            }
            if w > current + 1e-6 && best.as_ref().is_none_or(|(bw, _)| w > *bw + 1e-6) {
                best = Some((w, step));
            }
        }
        if let Some(step) = self.swap(c) {
            return step;
        }
        if let Some((_, step)) = best {
            return step;
        }
        // No cell helps: stop publishing the smallest margin holding c, then the total.
        let mut held: Vec<usize> = self.rows_of[c]
            .iter()
            .copied()
            .filter(|&r| r != 0 && self.rows[r].published)
            .collect();
        held.sort_by_key(|&r| (self.rows[r].value, r));
        let row = held.first().copied().unwrap_or(0);
        Step {
            cells: vec![],
            rows: vec![row],
        }
    }

    /// The cheapest hypercube around `c` (corners alternate in sign, so moving along it keeps
    /// every margin and the total) whose movement alone gives c a range at least k wide.
    fn hypercube(&self, c: usize) -> Option<Step> {
        let dims = self.table.dimensions.len();
        if dims < 2 {
            return None;
        }
        let key = &self.table.cells[c].key;
        // (new cells, sum of new values, corners) of the best so far.
        let mut best: Option<(usize, u64, Vec<usize>)> = None;
        let mut alt = vec![0usize; dims];
        let alternatives: Vec<Vec<&str>> = (0..dims)
            .map(|d| {
                self.values[d]
                    .iter()
                    .copied()
                    .filter(|v| key.get(d).map(String::as_str) != Some(*v))
                    .collect()
            })
            .collect();
        if alternatives.iter().any(Vec::is_empty) {
            return None;
        }
        loop {
            if let Some(corners) = self.corners(key, &alternatives, &alt) {
                // Sign of a corner: + when an even number of its values are the alternatives.
                let (mut plus, mut minus) = (u64::MAX, u64::MAX);
                for &(i, odd) in &corners {
                    let v = self.table.cells[i].value;
                    if odd {
                        minus = minus.min(v);
                    } else {
                        plus = plus.min(v);
                    }
                }
                let width = plus.saturating_add(minus) as f64;
                if width >= self.k - 1e-6 {
                    let new: Vec<usize> = corners
                        .iter()
                        .map(|&(i, _)| i)
                        .filter(|&i| !self.suppressed[i])
                        .collect();
                    let cost = (
                        new.len(),
                        new.iter().map(|&i| self.table.cells[i].value).sum::<u64>(),
                    );
                    if best.as_ref().is_none_or(|(n, s, _)| cost < (*n, *s)) {
                        best = Some((cost.0, cost.1, new));
                    }
                }
            }
            // Next combination of alternatives (odometer).
            let mut d = 0;
            loop {
                if d == dims {
                    return best.map(|(_, _, cells)| Step {
                        cells,
                        rows: vec![],
                    });
                }
                alt[d] += 1;
                if alt[d] < alternatives[d].len() {
                    break;
                }
                alt[d] = 0;
                d += 1;
            }
        }
    }

    /// The cheapest swap of `c` with a cell differing in one dimension only, the two margins
    /// of that dimension left unpublished: moving a count between the two cells keeps every
    /// other margin and the total, so c's range is at least the two values' sum wide.
    fn swap(&self, c: usize) -> Option<Step> {
        let dims = self.table.dimensions.len();
        if dims < 2 {
            return None;
        }
        let key = &self.table.cells[c].key;
        let v = self.table.cells[c].value;
        // (margins to unpublish, their sum, the partner's value, step)
        let mut best: Option<((usize, u64, u64), Step)> = None;
        for d in 0..dims {
            let own = self.margin_row.get(&(d, key[d].clone())).copied()?;
            for &alt in &self.values[d] {
                if alt == key[d] {
                    continue;
                }
                let mut other = key.clone();
                other[d] = alt.to_string();
                let Some(&j) = self.index.get(other.as_slice()) else {
                    continue;
                };
                let w = self.table.cells[j].value;
                if ((v + w) as f64) < self.k - 1e-6 {
                    continue;
                }
                let Some(&theirs) = self.margin_row.get(&(d, alt.to_string())) else {
                    continue;
                };
                let rows: Vec<usize> = [own, theirs]
                    .into_iter()
                    .filter(|&r| self.rows[r].published)
                    .collect();
                let cost = (
                    rows.len(),
                    rows.iter().map(|&r| self.rows[r].value).sum::<u64>(),
                    w,
                );
                if best.as_ref().is_none_or(|(b, _)| cost < *b) {
                    let cells = if self.suppressed[j] { vec![] } else { vec![j] };
                    best = Some((cost, Step { cells, rows }));
                }
            }
        }
        best.map(|(_, s)| s)
    }

    /// The 2^dims corners between `key` and the chosen alternatives, each with whether it is
    /// an odd corner; `None` when a corner is not a cell of the table.
    fn corners(
        &self,
        key: &[String],
        alternatives: &[Vec<&str>],
        alt: &[usize],
    ) -> Option<Vec<(usize, bool)>> {
        let dims = key.len();
        let mut out = Vec::with_capacity(1 << dims);
        for mask in 0u32..(1 << dims) {
            let corner: Vec<String> = (0..dims)
                .map(|d| {
                    if mask & (1 << d) != 0 {
                        alternatives[d][alt[d]].to_string()
                    } else {
                        key[d].clone()
                    }
                })
                .collect();
            let i = *self.index.get(corner.as_slice())?;
            out.push((i, mask.count_ones() % 2 == 1));
        }
        Some(out)
    }

    /// The width of the interval of values of cell `c` consistent with everything published.
    fn width(&self, c: usize) -> f64 {
        let vars: Vec<usize> = (0..self.table.cells.len())
            .filter(|&i| self.suppressed[i])
            .collect();
        let Some(pos) = vars.iter().position(|&i| i == c) else {
            return 0.0;
        };
        let var_of: HashMap<usize, usize> = vars.iter().enumerate().map(|(p, &i)| (i, p)).collect();
        let mut a = Vec::new();
        let mut b = Vec::new();
        for row in self.rows.iter().filter(|r| r.published) {
            let mut coeffs = vec![0.0; vars.len()];
            let mut rhs = row.value as f64;
            let mut any = false;
            for &i in &row.cells {
                match var_of.get(&i) {
                    Some(&p) => {
                        coeffs[p] = 1.0;
                        any = true;
                    }
                    None => rhs -= self.table.cells[i].value as f64,
                }
            }
            if any {
                a.push(coeffs);
                b.push(rhs);
            }
        }
        let mut obj = vec![0.0; vars.len()];
        obj[pos] = 1.0;
        let max = match lp::maximise(&a, &b, &obj) {
            lp::Outcome::Optimal(v) => v,
            lp::Outcome::Unbounded => return f64::INFINITY,
            lp::Outcome::Infeasible => return 0.0,
        };
        obj[pos] = -1.0;
        let min = match lp::maximise(&a, &b, &obj) {
            lp::Outcome::Optimal(v) => -v,
            _ => return 0.0,
        };
        max - min
    }
}

/// A small dense two-phase simplex (Bland's rule, so it never cycles) for the tables' own
/// size: tens of variables and equalities.
mod lp {
    const EPS: f64 = 1e-9;

    pub enum Outcome {
        Optimal(f64),
        Unbounded,
        Infeasible,
    }

    /// Maximises `obj·x` subject to `a x = b` and `x ≥ 0`.
    pub fn maximise(a: &[Vec<f64>], b: &[f64], obj: &[f64]) -> Outcome {
        let m = a.len();
        let n = obj.len();
        let rhs = n + m;
        let mut t = vec![vec![0.0; n + m + 1]; m];
        for (i, row) in t.iter_mut().enumerate() {
            let sign = if b[i] < 0.0 { -1.0 } else { 1.0 };
            for j in 0..n {
                row[j] = sign * a[i][j];
            }
            row[n + i] = 1.0;
            row[rhs] = sign * b[i];
        }
        let mut basis: Vec<usize> = (n..n + m).collect();
        let mut phase1 = vec![0.0; n + m];
        for c in phase1.iter_mut().skip(n) {
            *c = -1.0;
        }
        let Some(v) = run(&mut t, &mut basis, &phase1, n + m) else {
            return Outcome::Infeasible;
        };
        let scale = 1.0 + b.iter().map(|x| x.abs()).sum::<f64>();
        if v < -1e-7 * scale {
            return Outcome::Infeasible;
        }
        // Drive the artificial variables left at zero out of the basis where possible; a row
        // where that is impossible is redundant and constrains nothing.
        for i in 0..m {
            if basis[i] >= n {
                if let Some(j) = (0..n).find(|&j| t[i][j].abs() > EPS) {
                    pivot(&mut t, i, j);
                    basis[i] = j;
                }
            }
        }
        let mut phase2 = obj.to_vec();
        phase2.extend(std::iter::repeat_n(0.0, m));
        match run(&mut t, &mut basis, &phase2, n) {
            Some(v) => Outcome::Optimal(v),
            None => Outcome::Unbounded,
        }
    }

    /// Runs the simplex; only columns below `enter` may enter. `None` when unbounded.
    fn run(t: &mut [Vec<f64>], basis: &mut [usize], c: &[f64], enter: usize) -> Option<f64> {
        let m = t.len();
        let rhs = c.len();
        loop {
            let mut entering = None;
            for j in 0..enter {
                if basis.contains(&j) {
                    continue;
                }
                let mut r = c[j];
                for i in 0..m {
                    r -= c[basis[i]] * t[i][j];
                }
                if r > EPS {
                    entering = Some(j);
                    break;
                }
            }
            let Some(j) = entering else {
                return Some((0..m).map(|i| c[basis[i]] * t[i][rhs]).sum());
            };
            let mut leave: Option<(usize, f64)> = None;
            for i in 0..m {
                if t[i][j] > EPS {
                    let ratio = t[i][rhs] / t[i][j];
                    let better = match leave {
                        None => true,
                        Some((l, best)) => {
                            ratio < best - EPS || (ratio <= best + EPS && basis[i] < basis[l])
                        }
                    };
                    if better {
                        leave = Some((i, ratio));
                    }
                }
            }
            let (i, _) = leave?;
            pivot(t, i, j);
            basis[i] = j;
        }
    }

    fn pivot(t: &mut [Vec<f64>], r: usize, c: usize) {
        let p = t[r][c];
        for x in t[r].iter_mut() {
            *x /= p;
        }
        let pivot_row = t[r].clone();
        for (i, row) in t.iter_mut().enumerate() {
            if i == r {
                continue;
            }
            let f = row[c];
            if f.abs() > 0.0 {
                for (x, p) in row.iter_mut().zip(&pivot_row) {
                    *x -= f * p;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
