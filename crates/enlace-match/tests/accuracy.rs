#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Accuracy floor on a small synthetic corpus, so matching quality cannot silently regress.
//! The full-size benchmark is `match-bench` (run by hand).

use std::collections::HashSet;

use enlace_match::synth::{generate, Config};
use enlace_match::{Index, PersonRecord, DEFAULT_THRESHOLD};

struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn f1(&self) -> (f64, f64, f64) {
        let p = self.tp as f64 / (self.tp + self.fp).max(1) as f64;
        let r = self.tp as f64 / (self.tp + self.fn_).max(1) as f64;
        (p, r, 2.0 * p * r / (p + r).max(1e-9))
    }
}

#[test]
fn f1_floor_on_synthetic_corpus() {
    let corpus = generate(&Config {
        seed: 20240611,
        persons: 4000,
        queries: 2000,
    });
    let mut index = Index::new();
    for r in &corpus.records {
        let id = r["id"].as_str().unwrap().to_owned();
        index.insert(id, &PersonRecord::from_ftm(r).unwrap());
    }
    let mut c = Counts {
        tp: 0,
        fp: 0,
        fn_: 0,
    };
    let mut query_level_errors = 0usize;
    let mut shown = 0;
    for (q, (qid, truth)) in corpus.queries.iter().zip(corpus.truth.iter()) {
        assert_eq!(q["id"].as_str().unwrap(), qid);
        let rec = PersonRecord::from_ftm(q).unwrap();
        let hits = index.hits(&rec, DEFAULT_THRESHOLD, 10);
        let got: HashSet<&str> = hits.iter().map(|m| m.id.as_str()).collect();
        let want: HashSet<&str> = truth.iter().map(String::as_str).collect();
        let tp = got.intersection(&want).count();
        c.tp += tp;
        c.fp += got.len() - tp;
        c.fn_ += want.len() - tp;
        if got.is_empty() != want.is_empty() {
            query_level_errors += 1;
        }
        if (got != want) && shown < 25 && std::env::var("SHOW_ERRORS").is_ok() {
            shown += 1;
            let best = index.query(&rec, 1);
            eprintln!("\nQUERY {} want {:?} got {:?}", q["properties"], want, got);
            for w in &want {
                let r = corpus.records.iter().find(|r| r["id"] == *w).unwrap();
                eprintln!("  truth {w}: {}", r["properties"]);
            }
            if let Some(m) = best.first() {
                let r = corpus
                    .records
                    .iter()
                    .find(|r| r["id"] == m.id.as_str())
                    .unwrap();
                eprintln!("  best {} {:.3}: {}", m.id, m.score, r["properties"]);
                for f in &m.explanation {
                    eprintln!("     {:+.2} {} {}", f.contribution, f.feature, f.detail);
                }
            }
        }
    }
    let (p, r, f1) = c.f1();
    let qerr = query_level_errors as f64 / corpus.queries.len() as f64;
    eprintln!(
        "records={} queries={} precision={p:.4} recall={r:.4} f1={f1:.4} query-level error={qerr:.4}",
        index.len(),
        corpus.queries.len()
    );
    assert!(
        f1 >= 0.975,
        "F1 {f1:.4} below the floor (measured 0.988 when set)"
    );
}

/// Every origin group keeps a floor (the generator's Chinese, South Asian, African, French /
/// Haitian and English names, with their romanisation and order variants), so the
/// matcher cannot trade one group for the average. Small scale, fixed seed; the 1M figures
/// are in docs/BENCHMARKS.md ("Names of the region and F1 at 5M").
#[test]
fn f1_floor_per_origin() {
    let corpus = generate(&Config {
        seed: 20240612,
        persons: 6000,
        queries: 6000,
    });
    let mut index = Index::new();
    for r in &corpus.records {
        let id = r["id"].as_str().unwrap().to_owned();
        index.insert(id, &PersonRecord::from_ftm(r).unwrap());
    }
    let mut by: std::collections::BTreeMap<&str, Counts> = Default::default();
    for ((q, (_, truth)), info) in corpus
        .queries
        .iter()
        .zip(corpus.truth.iter())
        .zip(corpus.info.iter())
    {
        let rec = PersonRecord::from_ftm(q).unwrap();
        let hits = index.hits(&rec, DEFAULT_THRESHOLD, 10);
        let got: HashSet<&str> = hits.iter().map(|m| m.id.as_str()).collect();
        let want: HashSet<&str> = truth.iter().map(String::as_str).collect();
        let tp = got.intersection(&want).count();
        let c = by.entry(info.origin.label()).or_insert(Counts {
            tp: 0,
            fp: 0,
            fn_: 0,
        });
        c.tp += tp;
        c.fp += got.len() - tp;
        c.fn_ += want.len() - tp;
    }
    for (origin, c) in &by {
        let (p, r, f1) = c.f1();
        eprintln!("{origin}: precision={p:.4} recall={r:.4} f1={f1:.4}");
    }
    for (origin, c) in &by {
        let f1 = c.f1().2;
        // Measured when set (second pass of the names of the region): hispanic 0.991,
        // english 0.985, french/haitian 0.973, african 0.969, indian 0.965, chinese 0.973;
        // each floor about 0.015 under it.
        let floor = match *origin {
            "hispanic" => 0.975,
            "english" => 0.97,
            "indian" => 0.95,
            _ => 0.955,
        };
        assert!(f1 >= floor, "{origin}: F1 {f1:.4} below the floor {floor}");
    }
}
