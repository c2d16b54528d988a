//! Benchmark harness for the matcher, run by hand (not in CI).
//!
//! ```text
//! match-bench gen  --persons N [--queries Q] [--seed S] --out DIR
//!     writes DIR/records.jsonl, DIR/queries.jsonl (FollowTheMoney JSON Lines) and
//!     DIR/truth.jsonl ({"query_id":…,"matches":[record ids]})
//! match-bench run  --dir DIR [--threshold T] [--limit K] [--latency-sample N] [--out FILE]
//!                  [--threads N]
//!     builds the index from records.jsonl, times single queries and a parallel batch,
//!     writes matches (the `enlace match` format) and prints precision/recall/F1 at the
//!     threshold and at the best threshold, latency p50/p99, build time, peak memory
//! match-bench eval --truth FILE --matches FILE [--threshold T]
//!     scores any matcher's output in the `enlace match` format (used for the peers)
//! match-bench features --dir DIR --out FILE.csv
//!     one row per (query, candidate): the truth label and the score's evidence summed by
//!     feature group, for fitting the weights on a training corpus (never the test one)
//! ```

use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use enlace_match::synth::{generate, Config};
use enlace_match::{Index, IndexBuilder, PersonRecord, DEFAULT_THRESHOLD};
use serde_json::{json, Value};

// The allocator of the server and of `enlace match` (see crates/enlace/src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Res<T> = Result<T, Box<dyn Error>>;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn arg_num<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Res<T> {
    match arg(args, name) {
        Some(v) => v
            .parse()
            .map_err(|_| format!("bad value for {name}: {v}").into()),
        None => Ok(default),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let res = match args.first().map(String::as_str) {
        Some("gen") => gen(&args),
        Some("run") => run(&args),
        Some("eval") => eval_cmd(&args),
        Some("features") => features(&args),
        Some("probe") => probe(&args),
        _ => Err("usage: match-bench gen|run|eval … (see the source header)".into()),
    };
    if let Err(e) = res {
        eprintln!("match-bench: {e}");
        std::process::exit(2);
    }
}

fn write_lines(path: &Path, items: &[Value]) -> Res<()> {
    let mut w = BufWriter::new(File::create(path)?);
    for v in items {
        serde_json::to_writer(&mut w, v)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

fn gen(args: &[String]) -> Res<()> {
    let persons: usize = arg_num(args, "--persons", 100_000)?;
    let queries: usize = arg_num(args, "--queries", (persons / 10).clamp(1000, 20_000))?;
    let seed: u64 = arg_num(args, "--seed", 42)?;
    let out = PathBuf::from(arg(args, "--out").ok_or("--out DIR is required")?);
    std::fs::create_dir_all(&out)?;
    let t = Instant::now();
    let corpus = generate(&Config {
        seed,
        persons,
        queries,
    });
    write_lines(&out.join("records.jsonl"), &corpus.records)?;
    write_lines(&out.join("queries.jsonl"), &corpus.queries)?;
    // The truth file also says what the generator knows of each query (origin, errors,
    // indistinguishable namesakes), for `eval`'s breakdown; other readers ignore it.
    let truth: Vec<Value> = corpus
        .truth
        .iter()
        .zip(&corpus.info)
        .map(|((q, m), i)| {
            json!({"query_id": q, "matches": m, "origin": i.origin.label(),
                   "errors": i.errors, "twins": i.twins, "twin_records": i.twin_records})
        })
        .collect();
    write_lines(&out.join("truth.jsonl"), &truth)?;
    eprintln!(
        "generated {} records, {} queries in {:.1}s into {}",
        corpus.records.len(),
        corpus.queries.len(),
        t.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}

/// Calls `f` with each JSON value of a JSON Lines file (blank lines skipped).
fn each_json_line(path: &Path, mut f: impl FnMut(Value) -> Res<()>) -> Res<()> {
    for line in BufReader::new(File::open(path)?).lines() {
        let line = line?;
        if !line.trim().is_empty() {
            f(serde_json::from_str(&line)?)?;
        }
    }
    Ok(())
}

/// A string field of a JSON object, or "".
fn str_field(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Calls `f` with the id and the matcher's reading of each person in a FollowTheMoney
/// JSON Lines file.
fn each_entity(path: &Path, mut f: impl FnMut(String, PersonRecord)) -> Res<()> {
    each_json_line(path, |v| {
        if let Some(r) = PersonRecord::from_ftm(&v) {
            f(str_field(&v, "id"), r);
        }
        Ok(())
    })
}

fn read_entities(path: &Path) -> Res<Vec<(String, PersonRecord)>> {
    let mut out = Vec::new();
    each_entity(path, |id, r| out.push((id, r)))?;
    Ok(out)
}

fn current_memory_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn peak_memory_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn run(args: &[String]) -> Res<()> {
    let dir = PathBuf::from(arg(args, "--dir").ok_or("--dir DIR is required")?);
    let threshold: f64 = arg_num(args, "--threshold", DEFAULT_THRESHOLD)?;
    let limit: usize = arg_num(args, "--limit", 10)?;
    let sample: usize = arg_num(args, "--latency-sample", 2000)?;
    let out = arg(args, "--out")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("enlace.matches.jsonl"));

    // Build: parse the records file and index it (what `enlace match` and the server do),
    // read and prepared in parallel, posting lists filled one shard per thread.
    let threads: usize = arg_num(args, "--threads", enlace_match::available_threads())?;
    let mem_before = current_memory_kib().unwrap_or(0);
    let t = Instant::now();
    let mut builder = IndexBuilder::new(threads);
    builder.add_ftm_reader(File::open(dir.join("records.jsonl"))?)?;
    let read = t.elapsed().as_secs_f64();
    let index = builder.finish();
    let n = index.len();
    let build = t.elapsed().as_secs_f64();
    let mem_after_build = peak_memory_kib().unwrap_or(0);
    let held = current_memory_kib().unwrap_or(0).saturating_sub(mem_before);
    let stats = index.stats();
    eprintln!(
        "indexed {n} records in {build:.2}s ({read:.2}s reading and preparing) on {threads} threads, peak memory {} MiB, {} bytes per record held",
        mem_after_build / 1024,
        held * 1024 / n.max(1) as u64
    );
    let queries = read_entities(&dir.join("queries.jsonl"))?;
    // Single-query latency, one at a time on one thread.
    let mut lat: Vec<f64> = Vec::with_capacity(sample);
    for (_, q) in queries.iter().take(sample) {
        let t = Instant::now();
        let h = index.hits(q, threshold, limit);
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(h);
    }
    lat.sort_by(f64::total_cmp);
    // Batch: every query, spread over the cores, at the threshold (as a server or
    // `enlace match` answers). Then again, untimed, with a low floor, so that the best
    // threshold can be found.
    let recs: Vec<PersonRecord> = queries.iter().map(|(_, r)| r.clone()).collect();
    let t = Instant::now();
    let at_threshold = index.hits_many_on(&recs, threshold, limit, threads);
    let batch_secs = t.elapsed().as_secs_f64();
    let qps = recs.len() as f64 / batch_secs.max(1e-9);
    let results = index.hits_many_on(&recs, 0.05, limit, threads);
    for (a, b) in at_threshold.iter().zip(&results) {
        let above: Vec<&str> = b
            .iter()
            .filter(|m| m.score >= threshold)
            .map(|m| m.id.as_str())
            .collect();
        let got: Vec<&str> = a.iter().map(|m| m.id.as_str()).collect();
        if got != above {
            return Err(format!(
                "the timed batch disagrees with the full one: {got:?} vs {above:?}"
            )
            .into());
        }
    }

    let mut w = BufWriter::new(File::create(&out)?);
    for ((qid, _), ms) in queries.iter().zip(results.iter()) {
        let matches: Vec<Value> = ms
            .iter()
            .filter(|m| m.score >= threshold)
            .map(|m| json!({"id": m.id, "score": (m.score * 10000.0).round() / 10000.0}))
            .collect();
        serde_json::to_writer(&mut w, &json!({"query_id": qid, "matches": matches}))?;
        w.write_all(b"\n")?;
    }
    w.flush()?;

    let truth = read_truth(&dir.join("truth.jsonl"))?;
    let meta = read_meta(&dir.join("truth.jsonl"))?;
    // Retrieval apart from scoring: true records that the query's blocking keys never
    // bring to the scorer, by origin (a miss there no scoring rule can recover).
    let mut not_retrieved: HashSet<(String, String)> = HashSet::new();
    let mut retrieval_misses: std::collections::BTreeMap<String, usize> = Default::default();
    for (qid, q) in &queries {
        let Some(want) = truth.get(qid) else { continue };
        if want.is_empty() {
            continue;
        }
        let got: HashSet<String> = index.retrieved(q).into_iter().collect();
        for id in want.iter().filter(|id| !got.contains(*id)) {
            not_retrieved.insert((qid.clone(), id.clone()));
            let origin = meta.get(qid).map_or("?", |m| m.origin.as_str());
            *retrieval_misses.entry(origin.to_owned()).or_default() += 1;
            *retrieval_misses.entry("all".to_owned()).or_default() += 1;
        }
    }
    if let Some(path) = arg(args, "--dump-errors") {
        // Wrong answers at the threshold with their explanations, for tuning by hand.
        let mut w = BufWriter::new(File::create(path)?);
        for (qid, q) in &queries {
            let want = truth.get(qid).cloned().unwrap_or_default();
            // The batch answers carry no explanations: ask again, one by one.
            let ms = &index.hits(q, 0.05, limit);
            for m in ms
                .iter()
                .filter(|m| m.score >= threshold && !want.contains(&m.id))
            {
                serde_json::to_writer(
                    &mut w,
                    &json!({"kind":"fp","query_id":qid,"query":q,"id":m.id,"score":m.score,"explanation":m.explanation}),
                )?;
                w.write_all(b"\n")?;
            }
            for id in want
                .iter()
                .filter(|id| !ms.iter().any(|m| &m.id == *id && m.score >= threshold))
            {
                let got = ms.iter().find(|m| &m.id == id);
                serde_json::to_writer(
                    &mut w,
                    &json!({"kind":"fn","query_id":qid,"query":q,"id":id,"score":got.map(|m| m.score),"explanation":got.map(|m| &m.explanation),"retrieved":!not_retrieved.contains(&(qid.clone(), id.clone()))}),
                )?;
                w.write_all(b"\n")?;
            }
        }
        w.flush()?;
    }
    let scored: HashMap<String, Vec<(String, f64)>> = queries
        .iter()
        .zip(results.iter())
        .map(|((qid, _), ms)| {
            (
                qid.clone(),
                ms.iter().map(|m| (m.id.clone(), m.score)).collect(),
            )
        })
        .collect();
    let at = prf(&truth, &scored, threshold);
    let (best_t, best) = best_threshold(&truth, &scored);
    let report = json!({
        "retrieval_misses": retrieval_misses,
        "breakdown": breakdown(&truth, &scored, threshold, &meta),
        "records": n,
        "queries": queries.len(),
        "threshold": threshold,
        "precision": round4(at.0), "recall": round4(at.1), "f1": round4(at.2),
        "best_threshold": best_t, "best_precision": round4(best.0), "best_recall": round4(best.1), "best_f1": round4(best.2),
        "latency_ms_p50": round4(percentile(&lat, 0.5)), "latency_ms_p99": round4(percentile(&lat, 0.99)),
        "latency_ms_max": round4(lat.last().copied().unwrap_or(0.0)),
        "build_seconds": round4(build),
        "read_and_prepare_seconds": round4(read),
        "bytes_per_record_held": held * 1024 / n.max(1) as u64,
        "index": stats,
        "peak_memory_mib": peak_memory_kib().unwrap_or(0) / 1024,
        "peak_memory_after_build_mib": mem_after_build / 1024,
        "batch_seconds": round4(batch_secs),
        "batch_queries_per_second": qps.round(),
        "threads": threads,
        "matches_file": out.display().to_string(),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// `probe QUERY RECORD`: two FollowTheMoney entities (JSON) compared directly, with the
/// explanation (unweighted tokens: no index), for reading a training error.
fn probe(args: &[String]) -> Res<()> {
    let read = |i: usize| -> Res<PersonRecord> {
        let v: Value = serde_json::from_str(args.get(i).ok_or("probe QUERY RECORD")?)?;
        PersonRecord::from_ftm(&v).ok_or_else(|| "not a person".into())
    };
    let (q, r) = (read(1)?, read(2)?);
    let (score, feats) = enlace_match::compare(&q, &r);
    println!("score {score:.4}");
    for f in feats {
        println!("  {:7.3} {:12} {}", f.contribution, f.feature, f.detail);
    }
    Ok(())
}

fn round4(x: f64) -> f64 {
    (x * 10000.0).round() / 10000.0
}

fn read_truth(path: &Path) -> Res<HashMap<String, HashSet<String>>> {
    let mut out = HashMap::new();
    each_json_line(path, |v| {
        let ids: HashSet<String> = v
            .get("matches")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().or_else(|| m.get("id").and_then(Value::as_str)))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        out.insert(str_field(&v, "query_id"), ids);
        Ok(())
    })?;
    Ok(out)
}

/// What the generator wrote about a query in the truth file (absent for other corpora).
struct Meta {
    origin: String,
    errors: Vec<String>,
    twins: u64,
    twin_records: HashSet<String>,
}

fn read_meta(path: &Path) -> Res<HashMap<String, Meta>> {
    let mut out = HashMap::new();
    each_json_line(path, |v| {
        if let Some(origin) = v.get("origin").and_then(Value::as_str) {
            let errors = v
                .get("errors")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let twins = v.get("twins").and_then(Value::as_u64).unwrap_or(0);
            let twin_records = v
                .get("twin_records")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            out.insert(
                str_field(&v, "query_id"),
                Meta {
                    origin: origin.to_owned(),
                    errors,
                    twins,
                    twin_records,
                },
            );
        }
        Ok(())
    })?;
    Ok(out)
}

/// Pair counts of one group of queries.
#[derive(Default, Clone, Copy)]
struct Tally {
    queries: usize,
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Tally {
    fn json(&self) -> Value {
        let p = self.tp as f64 / (self.tp + self.fp).max(1) as f64;
        let r = self.tp as f64 / (self.tp + self.fn_).max(1) as f64;
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        json!({"queries": self.queries, "tp": self.tp, "fp": self.fp, "fn": self.fn_,
               "precision": round4(p), "recall": round4(r), "f1": round4(f)})
    }
}

/// Precision, recall and F1 by origin of the query's person and by kind of error in the
/// query (a query with several errors counts in each), and where the wrong pairs come from:
/// false positives on a namesake with the very same names and date of birth (which no
/// matcher can separate without an identifier) and misses by the query's errors.
fn breakdown(
    truth: &HashMap<String, HashSet<String>>,
    scored: &HashMap<String, Vec<(String, f64)>>,
    threshold: f64,
    meta: &HashMap<String, Meta>,
) -> Value {
    if meta.is_empty() {
        return Value::Null;
    }
    let mut by_origin: std::collections::BTreeMap<String, Tally> = Default::default();
    let mut by_error: std::collections::BTreeMap<String, Tally> = Default::default();
    let (mut fp_twin, mut fp_other, mut fn_total) = (0usize, 0usize, 0usize);
    let mut queries_with_twins = 0usize;
    for (q, want) in truth {
        let Some(m) = meta.get(q) else { continue };
        let got: HashSet<&str> = scored
            .get(q)
            .map(|v| {
                v.iter()
                    .filter(|(_, s)| *s >= threshold)
                    .map(|(id, _)| id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let hit = want.iter().filter(|w| got.contains(w.as_str())).count();
        let t = Tally {
            queries: 1,
            tp: hit,
            fp: got.len() - hit,
            fn_: want.len() - hit,
        };
        let add = |map: &mut std::collections::BTreeMap<String, Tally>, k: &str| {
            let e = map.entry(k.to_owned()).or_default();
            e.queries += t.queries;
            e.tp += t.tp;
            e.fp += t.fp;
            e.fn_ += t.fn_;
        };
        add(&mut by_origin, &m.origin);
        add(&mut by_origin, "all");
        if m.errors.iter().all(|e| e.starts_with("negative_")) && !want.is_empty() {
            add(&mut by_error, "none");
        }
        let mut seen: Vec<&str> = Vec::new();
        for e in &m.errors {
            if !seen.contains(&e.as_str()) {
                seen.push(e);
                add(&mut by_error, e);
            }
        }
        if m.twins > 0 {
            queries_with_twins += 1;
        }
        let on_twin = got
            .iter()
            .filter(|id| !want.contains(**id) && m.twin_records.contains(**id))
            .count();
        fp_twin += on_twin;
        fp_other += t.fp - on_twin;
        fn_total += t.fn_;
    }
    json!({
        "by_origin": by_origin.iter().map(|(k, t)| (k.clone(), t.json())).collect::<serde_json::Map<_, _>>(),
        "by_error": by_error.iter().map(|(k, t)| (k.clone(), t.json())).collect::<serde_json::Map<_, _>>(),
        "queries_whose_person_has_indistinguishable_namesakes": queries_with_twins,
        "false_positives_on_indistinguishable_namesakes": fp_twin,
        "false_positives_other": fp_other,
        "false_negatives": fn_total,
    })
}

/// Pairwise precision, recall and F1 over (query, record) pairs at `threshold`.
fn prf(
    truth: &HashMap<String, HashSet<String>>,
    scored: &HashMap<String, Vec<(String, f64)>>,
    threshold: f64,
) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (q, want) in truth {
        let got: HashSet<&str> = scored
            .get(q)
            .map(|v| {
                v.iter()
                    .filter(|(_, s)| *s >= threshold)
                    .map(|(id, _)| id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let hit = want.iter().filter(|w| got.contains(w.as_str())).count();
        tp += hit;
        fp += got.len() - hit;
        fn_ += want.len() - hit;
    }
    let p = tp as f64 / (tp + fp).max(1) as f64;
    let r = tp as f64 / (tp + fn_).max(1) as f64;
    (
        p,
        r,
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        },
    )
}

fn best_threshold(
    truth: &HashMap<String, HashSet<String>>,
    scored: &HashMap<String, Vec<(String, f64)>>,
) -> (f64, (f64, f64, f64)) {
    let mut best = (0.0, (0.0, 0.0, 0.0));
    for i in 1..100 {
        let t = f64::from(i) / 100.0;
        let r = prf(truth, scored, t);
        if r.2 > best.1 .2 {
            best = (t, r);
        }
    }
    best
}

fn eval_cmd(args: &[String]) -> Res<()> {
    let truth = read_truth(Path::new(
        &arg(args, "--truth").ok_or("--truth FILE is required")?,
    ))?;
    let threshold: f64 = arg_num(args, "--threshold", 0.0)?;
    let mut scored: HashMap<String, Vec<(String, f64)>> = HashMap::new();
    let matches = arg(args, "--matches").ok_or("--matches FILE is required")?;
    each_json_line(Path::new(&matches), |v| {
        let ms = v
            .get("matches")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| {
                        Some((
                            m.get("id")?.as_str()?.to_owned(),
                            m.get("score").and_then(Value::as_f64).unwrap_or(1.0),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        scored.insert(str_field(&v, "query_id"), ms);
        Ok(())
    })?;
    let at = prf(&truth, &scored, threshold);
    let (best_t, best) = best_threshold(&truth, &scored);
    let meta = read_meta(Path::new(
        &arg(args, "--truth").ok_or("--truth FILE is required")?,
    ))?;
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "breakdown": breakdown(&truth, &scored, threshold, &meta),
            "threshold": threshold, "precision": round4(at.0), "recall": round4(at.1), "f1": round4(at.2),
            "best_threshold": best_t, "best_precision": round4(best.0), "best_recall": round4(best.1), "best_f1": round4(best.2),
        }))?
    );
    Ok(())
}

/// Evidence groups of an explanation, in the CSV's column order (after `label`).
const GROUPS: &[&str] = &[
    "prior",
    "name_part_exact",
    "name_part_nickname/variant",
    "name_part_sounds alike",
    "name_part_typo",
    "name_part_similar spelling",
    "name_part_short form",
    "name_part_initial",
    "name_part_joined/split",
    "name_missing",
    "name_missing_last",
    "name_conflict",
    "name_soft_conflict",
    "name_weak_alias",
    "namesakes",
    "nationality_agree",
    "nationality_differ",
    "gender_agree",
    "gender_differ",
    "identifier_match",
    "identifier_differ",
    "dob_same date",
    "dob_day and month swapped",
    "dob_one digit off",
    "dob_two slips (swapped and a digit off, or two digits off)",
    "dob_same year (one side has the year only)",
    "dob_year differs by one (one side has the year only)",
    "dob_same year and month, another day",
    "dob_same year, another day",
    "dob_another date, years close",
    "dob_another date",
    "dob_not in the query",
    "dob_not in the record",
];

fn group_of(f: &enlace_match::Feature) -> String {
    match f.feature.as_str() {
        "birth_date" | "name_part" => {
            let prefix = if f.feature == "birth_date" {
                "dob_"
            } else {
                "name_part_"
            };
            GROUPS
                .iter()
                .filter_map(|g| g.strip_prefix(prefix))
                .find(|label| f.detail.ends_with(&format!("({label})")) || f.detail == *label)
                .map(|label| format!("{prefix}{label}"))
                .unwrap_or_default()
        }
        "name_conflict" if f.detail.ends_with("(in different places)") => {
            "name_soft_conflict".into()
        }
        "name_missing" if f.detail.ends_with("(last part)") => "name_missing_last".into(),
        "nationality" | "gender" | "identifier" => format!(
            "{}_{}",
            f.feature,
            if f.contribution > 0.0 {
                if f.feature == "identifier" {
                    "match"
                } else {
                    "agree"
                }
            } else {
                "differ"
            }
        ),
        other => other.to_owned(),
    }
}

fn features(args: &[String]) -> Res<()> {
    let dir = PathBuf::from(arg(args, "--dir").ok_or("--dir DIR is required")?);
    let out = PathBuf::from(arg(args, "--out").ok_or("--out FILE is required")?);
    let mut index = Index::new();
    for (id, r) in read_entities(&dir.join("records.jsonl"))? {
        index.insert(id, &r);
    }
    let truth = read_truth(&dir.join("truth.jsonl"))?;
    let queries = read_entities(&dir.join("queries.jsonl"))?;
    let mut w = BufWriter::new(File::create(&out)?);
    let header: Vec<String> = GROUPS
        .iter()
        .map(|g| g.replace([' ', '/'], "_").replace([',', '(', ')'], ""))
        .collect();
    writeln!(w, "query,label,{},candidate", header.join(","))?;
    for (qid, q) in &queries {
        let empty = HashSet::new();
        let t = truth.get(qid).unwrap_or(&empty);
        for m in index.hits(q, 0.001, 20) {
            let mut sums = vec![0.0f64; GROUPS.len()];
            for f in &m.explanation {
                let g = group_of(f);
                if let Some(k) = GROUPS.iter().position(|x| *x == g) {
                    sums[k] += f.contribution;
                }
            }
            let row: Vec<String> = sums.iter().map(|v| format!("{v:.4}")).collect();
            writeln!(
                w,
                "{qid},{},{},{}",
                u8::from(t.contains(&m.id)),
                row.join(","),
                m.id
            )?;
        }
    }
    w.flush()?;
    Ok(())
}
