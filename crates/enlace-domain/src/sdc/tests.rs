//! Disclosure control: the published figures never pin a suppressed cell to less than k.
//! Widths are recomputed here with an independent LP solver (microlp), from the published
//! view only: published cells, published margins, published total, non-negativity.
use super::*;
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use proptest::prelude::*;

fn table(dimensions: &[&str], cells: &[(&[&str], u64)]) -> Table {
    Table {
        dimensions: dimensions.iter().map(|d| d.to_string()).collect(),
        cells: cells
            .iter()
            .map(|(k, v)| Cell {
                key: k.iter().map(|s| s.to_string()).collect(),
                value: *v,
            })
            .collect(),
        total: cells.iter().map(|(_, v)| v).sum(),
    }
}

/// The range of each suppressed cell given only what `p` publishes of `t`.
fn ranges(t: &Table, p: &Protection) -> Vec<(usize, f64, f64)> {
    let vars: Vec<usize> = (0..t.cells.len()).filter(|&i| p.cells[i]).collect();
    let mut out = Vec::new();
    for &c in &vars {
        let mut bounds = [0.0; 2];
        for (n, dir) in [
            OptimizationDirection::Minimize,
            OptimizationDirection::Maximize,
        ]
        .into_iter()
        .enumerate()
        {
            let mut pb = Problem::new(dir);
            let xs: Vec<_> = vars
                .iter()
                .map(|&i| pb.add_var(if i == c { 1.0 } else { 0.0 }, (0.0, f64::INFINITY)))
                .collect();
            let mut equalities: Vec<(Vec<usize>, u64)> = Vec::new();
            if !p.total_suppressed {
                equalities.push(((0..t.cells.len()).collect(), t.total));
            }
            for m in p.margins.iter().filter(|m| !m.suppressed) {
                let cells = (0..t.cells.len())
                    .filter(|&i| t.cells[i].key[m.dimension] == m.value)
                    .collect();
                equalities.push((cells, m.sum));
            }
            for (cells, value) in equalities {
                let mut rhs = value as f64;
                let mut expr = Vec::new();
                for i in cells {
                    match vars.iter().position(|&v| v == i) {
                        Some(pos) => expr.push((xs[pos], 1.0)),
                        None => rhs -= t.cells[i].value as f64,
                    }
                }
                if !expr.is_empty() {
                    pb.add_constraint(expr, ComparisonOp::Eq, rhs);
                }
            }
            bounds[n] = match pb.solve() {
                Ok(s) => s.objective(),
                Err(microlp::Error::Unbounded) => f64::INFINITY,
                Err(e) => panic!("published view inconsistent: {e}"),
            };
        }
        out.push((c, bounds[0], bounds[1]));
    }
    out
}

fn assert_protected(t: &Table, p: &Protection, k: u32) {
    assert_eq!(p.cells.len(), t.cells.len());
    for (i, c) in t.cells.iter().enumerate() {
        if (1..u64::from(k)).contains(&c.value) {
            assert!(p.cells[i], "primary cell {:?} published", c.key);
        }
    }
    for m in &p.margins {
        if (1..u64::from(k)).contains(&m.sum) {
            assert!(m.suppressed, "small margin {m:?} published");
        }
    }
    if (1..u64::from(k)).contains(&t.total) {
        assert!(p.total_suppressed);
    }
    for (c, lo, hi) in ranges(t, p) {
        let v = t.cells[c].value as f64;
        assert!(lo <= v + 1e-6 && v <= hi + 1e-6, "true value outside range");
        assert!(
            hi - lo >= f64::from(k) - 1e-6,
            "cell {:?} = {v} pinned to [{lo}, {hi}] in {t:?} with {p:?}",
            t.cells[c].key
        );
    }
}

#[test]
fn one_dimension_needs_a_partner_large_enough() {
    let t = table(
        &["sex"],
        &[
            (&["female"], 3),
            (&["male"], 50),
            (&["other"], 60),
            (&["unknown"], 0),
        ],
    );
    let p = protect(&t, 11);
    assert_eq!(p.cells, vec![true, true, false, false]);
    assert!(p.margins.is_empty());
    assert!(!p.total_suppressed);
    assert_protected(&t, &p, 11);
}

#[test]
fn zero_is_not_sensitive_and_large_tables_stay_published() {
    let t = table(&["sex"], &[(&["female"], 0), (&["male"], 40)]);
    let p = protect(&t, 11);
    assert_eq!(p.cells, vec![false, false]);
    assert!(!p.total_suppressed);
}

#[test]
fn two_dimensions_use_a_rectangle() {
    let t = table(
        &["nationality", "sex"],
        &[
            (&["hn", "female"], 3),
            (&["hn", "male"], 40),
            (&["gt", "female"], 20),
            (&["gt", "male"], 25),
            (&["sv", "female"], 30),
            (&["sv", "male"], 35),
        ],
    );
    let p = protect(&t, 11);
    assert!(p.cells[0]);
    assert_eq!(p.cells.iter().filter(|s| **s).count(), 4, "{p:?}");
    assert!(!p.total_suppressed);
    assert!(p.margins.iter().all(|m| !m.suppressed));
    assert_protected(&t, &p, 11);
}

#[test]
fn a_small_total_hides_everything_small() {
    let t = table(&["sex"], &[(&["female"], 2), (&["male"], 3)]);
    let p = protect(&t, 11);
    assert!(p.total_suppressed);
    assert_eq!(p.cells, vec![true, true]);
    assert_protected(&t, &p, 11);
}

#[test]
fn no_dimensions_only_the_total() {
    let t = table(&[], &[]);
    let p = protect(
        &Table {
            total: 4,
            ..t.clone()
        },
        11,
    );
    assert!(p.total_suppressed);
    let p = protect(&Table { total: 40, ..t }, 11);
    assert!(!p.total_suppressed);
}

/// Tables of 1 to 3 dimensions, some combinations missing, values mixing small and large.
fn tables() -> impl Strategy<Value = (Table, u32)> {
    (1usize..=3, prop::sample::select(vec![2u32, 5, 11]))
        .prop_flat_map(|(dims, k)| {
            let sizes = prop::collection::vec(1usize..=4, dims);
            (sizes, Just(k))
        })
        .prop_flat_map(|(sizes, k)| {
            let n: usize = sizes.iter().product();
            let value = prop_oneof![
                3 => 0u64..1,
                4 => 1u64..11,
                4 => 11u64..120,
            ];
            let cells = prop::collection::vec(prop::option::weighted(0.85, value), n);
            (Just(sizes), cells, Just(k))
        })
        .prop_map(|(sizes, values, k)| {
            let dims = ["nationality", "sex", "age_group"];
            let mut cells = Vec::new();
            for (idx, v) in values.into_iter().enumerate() {
                let Some(value) = v else { continue };
                let mut rest = idx;
                let key = sizes
                    .iter()
                    .enumerate()
                    .map(|(d, s)| {
                        let x = rest % s;
                        rest /= s;
                        format!("{}{x}", &dims[d][..1])
                    })
                    .collect();
                cells.push(Cell { key, value });
            }
            let total = cells.iter().map(|c| c.value).sum();
            let t = Table {
                dimensions: dims[..sizes.len()].iter().map(|s| s.to_string()).collect(),
                cells,
                total,
            };
            (t, k)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn every_suppressed_cell_is_at_least_k_wide((t, k) in tables()) {
        let p = protect(&t, k);
        assert_protected(&t, &p, k);
        prop_assert_eq!(protect(&t, k), p, "deterministic");
    }
}

#[test]
fn a_wide_table_is_protected_quickly() {
    // 25 nationalities × 4 sexes × 5 age groups, a deterministic mix of small and large counts.
    let mut cells = Vec::new();
    let mut x: u64 = 7;
    for n in 0..25 {
        for s in ["female", "male", "other", "unknown"] {
            for a in ["0_11", "12_17", "18_59", "60_plus", "unknown"] {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let value = match (x >> 33) % 4 {
                    0 => 0,
                    1 => (x >> 40) % 11,
                    _ => 11 + (x >> 40) % 90,
                };
                cells.push(Cell {
                    key: vec![format!("n{n}"), s.to_string(), a.to_string()],
                    value,
                });
            }
        }
    }
    let total = cells.iter().map(|c| c.value).sum();
    let t = Table {
        dimensions: vec!["nationality".into(), "sex".into(), "age_group".into()],
        cells,
        total,
    };
    let started = std::time::Instant::now();
    let p = protect(&t, 11);
    eprintln!("500 cells protected in {:?}", started.elapsed());
    assert_protected(&t, &p, 11);
}
