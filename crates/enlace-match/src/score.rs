//! Explainable scoring. Each piece of evidence adds log-odds (positive for, negative
//! against); the score is the logistic of their sum, so the features in an explanation add
//! up exactly to the score's log-odds.

use serde::{Deserialize, Serialize};

use crate::dob::{self, DobMatch};
use crate::ident::IdKind;
use crate::names::{tok_sim, PName, Tok, TokMatch, DEFAULT_TOKEN_WEIGHT};
use crate::record::{Gender, PersonRecord, Prepared};
use crate::text::{jaro_winkler, osa_distance};

/// The score at or above which a check answers "hit" (and `enlace match` keeps a match).
pub const DEFAULT_THRESHOLD: f64 = 0.5;

// Weights are natural-log likelihood ratios in the Fellegi-Sunter manner: how much more
// often the evidence is seen for the same person than for two different persons. They were
// first set by hand, then refitted by logistic regression on a generated training corpus
// that the benchmark never scores (seed 7, a million records; `bench/fit_weights.sh`), with
// two judgement calls where the training data is thin or biased: a different nationality
// and a different gender stay milder than fitted, since real records disagree on those more
// often than generated ones.

/// Starting log-odds: among an index of a hundred thousand or a million persons, a
/// candidate is another person unless the evidence says otherwise (about ln 1/150 000).
pub(crate) const PRIOR: f64 = -3.1;
/// Name agreement saturates: a long name matched in full must not outweigh a date of birth
/// that says "another person" (the namesake), nor stand alone far above the prior.
const NAME_CAP: f64 = 15.0;
/// Name agreement, once capped, counts this much (fitted: names alone were over-trusted
/// against dates of birth and nationality).
const NAME_SCALE: f64 = 0.37;
/// The most that names can add (the capped agreement), that nationality can add, and that an
/// identifier can add: bounds the index uses to skip hopeless candidates.
pub(crate) const MAX_NAME: f64 = NAME_CAP * NAME_SCALE;
pub(crate) const MAX_NATIONALITY: f64 = NATIONALITY_AGREES;
pub(crate) const MAX_IDENTIFIER: f64 = 15.0;
/// Log-odds when the nationalities share one.
const NATIONALITY_AGREES: f64 = 1.2;
/// Weight of ln(number of records sharing the candidate's full name).
const NAMESAKES: f64 = 1.0;
/// A token present on one side only (a dropped middle name, say).
const MISSING: f64 = 2.8;
/// The last of three or more tokens present on one side only: mostly a dropped second
/// surname (fitted; the other parts were fitted together at 2.8).
const MISSING_LAST: f64 = 0.9;
/// Tokens left over on both sides, in different places.
const SOFT_CONFLICT: f64 = 6.5;
/// Two different tokens in the same place (María / José with the same surnames): relatives.
const CONFLICT: f64 = 6.4;
/// An initial agreeing with a name ("J." / José): fixed, whatever the name's frequency.
const INITIAL: f64 = 4.0;
/// Names only given as weak aliases ("El Flaco") count this much less.
const WEAK: f64 = 3.0;

/// Every feature name an explanation can hold (pages translate them).
pub const FEATURES: &[&str] = &[
    "prior",
    "name_part",
    "name_missing",
    "name_conflict",
    "name_weak_alias",
    "birth_date",
    "nationality",
    "gender",
    "identifier",
    "namesakes",
];

/// One piece of evidence in a score's explanation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// One of [`FEATURES`]: `prior`, `name_part`, `name_missing`, `name_conflict`,
    /// `name_weak_alias`, `birth_date` (also when known on one side only), `nationality`,
    /// `gender`, `identifier` or `namesakes`.
    pub feature: String,
    /// Log-odds added by this feature (positive: for a match; negative: against).
    pub contribution: f64,
    /// What was compared, in words: "garsia ~ garcia (sounds alike)".
    pub detail: String,
}

/// A scored candidate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Match {
    pub id: String,
    /// 0..1; compare with [`DEFAULT_THRESHOLD`].
    pub score: f64,
    /// The evidence; contributions add up to the log-odds of `score`.
    pub explanation: Vec<Feature>,
}

/// Scores two records directly (no index): the same function the index uses.
pub fn compare(query: &PersonRecord, candidate: &PersonRecord) -> (f64, Vec<Feature>) {
    let (q, c) = (query.prepare(), candidate.prepare());
    let mut feats = Vec::new();
    let l = logit(&q, &c, &mut Unweighted, PRIOR, Some(&mut feats));
    (sigmoid(l), feats)
}

/// Evidence against a candidate whose very name `n` records share: with no other evidence
/// to tell them apart, each namesake is only one of `n` equally likely people (fitted
/// weight about ln n, the Bayes value).
pub(crate) fn namesakes_logit(n: u32) -> f64 {
    -NAMESAKES * f64::from(n.max(1)).ln()
}

pub(crate) fn sigmoid(l: f64) -> f64 {
    1.0 / (1.0 + (-l).exp())
}

fn push(
    feats: &mut Option<&mut Vec<Feature>>,
    feature: &str,
    contribution: f64,
    detail: impl FnOnce() -> String,
) {
    if let Some(f) = feats.as_deref_mut() {
        f.push(Feature {
            feature: feature.to_owned(),
            contribution,
            detail: detail(),
        });
    }
}

/// Log-odds that `c` is the person `q` describes. With `feats`, also explains.
/// `weigh` gives a record token's agreement weight (its frequency in the index): a query
/// token mangled by a typo looks rare, so a fuzzy agreement counts as the rarer of the two
/// only when both are rare.
/// A date of birth missing from the query (or from both sides): fitted, slightly for a
/// match (the prior is fitted mostly on pairs where both sides have a date).
const DOB_NOT_IN_QUERY: f64 = 0.22;
/// A date of birth missing from the record only: fitted, slightly against, since such a
/// record escapes the conflict that a wrong date would show.
const DOB_NOT_IN_RECORD: f64 = -0.43;

/// What the scorer asks about tokens: a record token's agreement weight, and how two tokens
/// compare. The index answers from its frequencies and remembers answers within a query.
pub(crate) trait Tokens {
    fn weight(&mut self, t: &Tok) -> f64;
    fn sim(&mut self, a: &Tok, b: &Tok) -> (f64, TokMatch) {
        tok_sim(a, b)
    }
}

/// Direct comparisons, without an index: every token has the default weight.
struct Unweighted;

impl Tokens for Unweighted {
    fn weight(&mut self, _: &Tok) -> f64 {
        DEFAULT_TOKEN_WEIGHT
    }
}

pub(crate) fn logit(
    q: &Prepared,
    c: &Prepared,
    weigh: &mut dyn Tokens,
    prior: f64,
    feats: Option<&mut Vec<Feature>>,
) -> f64 {
    logit_covers(q, c, weigh, prior, feats).0
}

/// [`logit`], and whether the candidate carries the query's whole name (every part of the
/// best-agreeing query name found in it, in some spelling): only then is it one of the
/// records that carry the query's name (see `Index::query_namesakes`).
pub(crate) fn logit_covers(
    q: &Prepared,
    c: &Prepared,
    weigh: &mut dyn Tokens,
    prior: f64,
    mut feats: Option<&mut Vec<Feature>>,
) -> (f64, bool) {
    let mut l = prior;
    let mut covers = false;
    push(&mut feats, "prior", prior, || {
        "a candidate is presumed another person until the evidence says otherwise".to_owned()
    });

    // Names: the best pair of name variants.
    if !q.names.is_empty() && !c.names.is_empty() {
        let mut best = (f64::NEG_INFINITY, 0usize, 0usize);
        for (qi, qn) in q.names.iter().enumerate() {
            for (ci, cn) in c.names.iter().enumerate() {
                let (v, all) = name_logit(qn, cn, weigh, None);
                if v > best.0 {
                    best = (v, qi, ci);
                    covers = all;
                }
            }
        }
        if feats.is_some() {
            let mut nf = Vec::new();
            name_logit(&q.names[best.1], &c.names[best.2], weigh, Some(&mut nf));
            if let Some(f) = feats.as_deref_mut() {
                f.extend(nf);
            }
        }
        l += best.0;
    }

    // Date of birth: the best-agreeing pair.
    if !q.dobs.is_empty() && !c.dobs.is_empty() {
        let mut best: Option<(DobMatch, usize, usize)> = None;
        for (i, a) in q.dobs.iter().enumerate() {
            for (j, b) in c.dobs.iter().enumerate() {
                let m = dob::compare(a, b);
                if best.is_none_or(|(bm, _, _)| m.weight() > bm.weight()) {
                    best = Some((m, i, j));
                }
            }
        }
        if let Some((m, i, j)) = best {
            l += m.weight();
            push(&mut feats, "birth_date", m.weight(), || {
                format!("{} vs {} ({})", q.dobs[i], c.dobs[j], m.label())
            });
        }
    } else if !q.names.is_empty() && !c.names.is_empty() {
        // A missing date is not neutral: a query without one cannot tell namesakes apart,
        // and a record without one escapes the conflict a wrong date would show.
        let (w, side) = if q.dobs.is_empty() {
            (DOB_NOT_IN_QUERY, "query")
        } else {
            (DOB_NOT_IN_RECORD, "record")
        };
        l += w;
        push(&mut feats, "birth_date", w, || format!("not in the {side}"));
    }

    if !q.nats.is_empty() && !c.nats.is_empty() {
        let shared = q.nats.iter().find(|n| c.nats.contains(n));
        let w = if shared.is_some() {
            NATIONALITY_AGREES
        } else {
            -4.5
        };
        l += w;
        push(&mut feats, "nationality", w, || {
            let show = |v: &[[u8; 2]]| {
                v.iter()
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            format!("{} vs {}", show(&q.nats), show(&c.nats))
        });
    }

    if let (Some(a), Some(b)) = (q.gender, c.gender) {
        let w = if a == b { 0.0 } else { -4.0 };
        l += w;
        let g = |x: Gender| if x == Gender::Male { "male" } else { "female" };
        push(&mut feats, "gender", w, || format!("{} vs {}", g(a), g(b)));
    }

    // Identifiers: exact equality on the normalised form.
    let mut id_best = 0.0f64;
    let mut id_detail = String::new();
    let mut doc_conflict = false;
    for a in &q.ids {
        for b in &c.ids {
            if a.kind.family() != b.kind.family() {
                continue;
            }
            if a.value == b.value {
                let w = id_weight(a.kind);
                if w > id_best {
                    id_best = w;
                    if feats.is_some() {
                        id_detail = format!("{} {} matched", a.kind.as_str(), a.value);
                    }
                }
            } else if a.kind == b.kind && matches!(a.kind, IdKind::Passport | IdKind::IdNumber) {
                doc_conflict = true;
            }
        }
    }
    if id_best > 0.0 {
        l += id_best;
        push(&mut feats, "identifier", id_best, || id_detail.clone());
    } else if doc_conflict {
        // People hold several documents, so a different number is only mild evidence.
        l -= 1.5;
        push(&mut feats, "identifier", -1.5, || {
            "document numbers of the same kind differ".to_owned()
        });
    }
    (l, covers)
}

fn id_weight(kind: IdKind) -> f64 {
    match kind {
        IdKind::Passport | IdKind::IdNumber | IdKind::Account => MAX_IDENTIFIER,
        IdKind::Email | IdKind::VesselRegistration => 14.5,
        IdKind::Phone => 14.0,
        IdKind::Plate => 13.5,
        IdKind::VesselName => 10.0,
    }
}

const MAXT: usize = 12;

fn kind_factor(kind: TokMatch, sim: f64) -> f64 {
    match kind {
        TokMatch::Exact => 1.0,
        TokMatch::Variant => 0.47,
        TokMatch::Phonetic => 0.9,
        TokMatch::Compound => 0.9,
        TokMatch::Typo => 0.74,
        TokMatch::Fuzzy => (0.32 + (sim - 0.9) * 1.9).clamp(0.32, 0.48),
        TokMatch::Prefix => 0.45,
        TokMatch::Initial => 0.0,
        TokMatch::None => 0.0,
    }
}

/// A Chinese name split in two (`a` `b`) against one word whose spelling has one part
/// whole and the other one slip away, the slip after that part's first letter, the word's
/// part still reading as Chinese.
fn syllable_slip(a: &Tok, b: &Tok, word: &Tok) -> bool {
    let test = |a: &str, b: &str, w: &str, syllable: &dyn Fn(&str) -> bool| {
        let close = |part: &str, other: &str| {
            part.as_bytes().first() == other.as_bytes().first()
                && syllable(other)
                && osa_distance(part, other, 1) == 1
        };
        w.strip_prefix(a).is_some_and(|rest| close(b, rest))
            || w.strip_suffix(b).is_some_and(|rest| close(a, rest))
    };
    // As written, or, when one of them is written in Wade-Giles, in one romanisation
    // (Kuei Li / Guilin: gui li / guilin).
    let wade_giles = [a, b, word]
        .iter()
        .any(|t| crate::roman::has_wade_giles_mark(&t.s));
    test(&a.s, &b.s, &word.s, &|x| {
        crate::roman::chinese_key(x).is_some()
    }) || wade_giles
        && match (&a.rom, &b.rom, &word.rom) {
            (Some(x), Some(y), Some(z)) => test(x, y, z, &crate::roman::is_folded_syllable),
            _ => false,
        }
}

/// Compares two name variants: aligns their tokens one to one (best similarity first),
/// joins split/compound tokens, then charges tokens left over: mildly when only one side
/// has them (a dropped surname), heavily when both sides have a different token in the
/// same place (relatives sharing surnames). Also says whether every query token found a
/// counterpart (aligned, or joined/split).
pub(crate) fn name_logit(
    q: &PName,
    c: &PName,
    weigh: &mut dyn Tokens,
    mut feats: Option<&mut Vec<Feature>>,
) -> (f64, bool) {
    let nq = q.toks.len().min(MAXT);
    let nc = c.toks.len().min(MAXT);
    if nq == 0 || nc == 0 {
        return (0.0, false);
    }
    let mut sims = [[(0.0f64, TokMatch::None); MAXT]; MAXT];
    let mut pairs: Vec<(f64, usize, usize)> = Vec::with_capacity(nq * nc);
    #[allow(clippy::needless_range_loop)] // i and j index both token lists and the matrix
    for i in 0..nq {
        for j in 0..nc {
            let s = weigh.sim(&q.toks[i], &c.toks[j]);
            sims[i][j] = s;
            if s.1 != TokMatch::None {
                // Ties prefer the same relative position, so repeated tokens align in order.
                let pos = (i as f64 / nq as f64 - j as f64 / nc as f64).abs();
                pairs.push((s.0 - pos * 1e-3, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut q_of_c = [usize::MAX; MAXT];
    let mut c_of_q = [usize::MAX; MAXT];
    let mut matched: Vec<(usize, usize, f64, TokMatch)> = Vec::with_capacity(nq.min(nc));
    let mut compounds: Vec<(usize, usize, bool)> = Vec::new(); // (single, first of pair, single is on q side)
    let mut compound_slip: Vec<bool> = Vec::new(); // joined with a slip in one syllable
                                                   // A name written as one word on one side and as two, letter for letter, on the other
                                                   // ("Juanhua" / "Juan Hua", "Mariajose" / "Maria Jose") is one name: joined before any
                                                   // part is aligned alone, where its first part would pass for a short form of the word
                                                   // and the second be left over.
    for (single_q, n_single, n_pair) in [(true, nq, nc), (false, nc, nq)] {
        for s in 0..n_single {
            let (free_s, tok_s) = if single_q {
                (c_of_q[s] == usize::MAX, &q.toks[s])
            } else {
                (q_of_c[s] == usize::MAX, &c.toks[s])
            };
            if !free_s || tok_s.s.len() < 4 {
                continue;
            }
            for p in 0..n_pair.saturating_sub(1) {
                let (free_p, a, b) = if single_q {
                    (
                        q_of_c[p] == usize::MAX && q_of_c[p + 1] == usize::MAX,
                        &c.toks[p],
                        &c.toks[p + 1],
                    )
                } else {
                    (
                        c_of_q[p] == usize::MAX && c_of_q[p + 1] == usize::MAX,
                        &q.toks[p],
                        &q.toks[p + 1],
                    )
                };
                if free_p
                    && a.s.len() >= 2
                    && b.s.len() >= 2
                    && a.s.len() + b.s.len() == tok_s.s.len()
                    && tok_s.s.starts_with(&*a.s)
                    && tok_s.s.ends_with(&*b.s)
                {
                    if single_q {
                        c_of_q[s] = p;
                        q_of_c[p] = s;
                        q_of_c[p + 1] = s;
                    } else {
                        q_of_c[s] = p;
                        c_of_q[p] = s;
                        c_of_q[p + 1] = s;
                    }
                    compounds.push((s, p, single_q));
                    compound_slip.push(false);
                    break;
                }
            }
        }
    }
    for &(_, i, j) in &pairs {
        if c_of_q[i] == usize::MAX && q_of_c[j] == usize::MAX {
            c_of_q[i] = j;
            q_of_c[j] = i;
            matched.push((i, j, sims[i][j].0, sims[i][j].1));
        }
    }
    // Compound tokens: "jeanbaptiste" / "jean baptiste", "mariajose" / "maria jose".
    for (single_q, n_single, n_pair) in [(true, nq, nc), (false, nc, nq)] {
        for s in 0..n_single {
            let (free_s, tok_s) = if single_q {
                (c_of_q[s] == usize::MAX, &q.toks[s])
            } else {
                (q_of_c[s] == usize::MAX, &c.toks[s])
            };
            // Short joined Chinese names count too ("Libo" / "Li Bo").
            if !free_s || (tok_s.s.len() < 5 && tok_s.zh_n < 2) {
                continue;
            }
            for p in 0..n_pair.saturating_sub(1) {
                let (free_p, a, b) = if single_q {
                    (
                        q_of_c[p] == usize::MAX && q_of_c[p + 1] == usize::MAX,
                        &c.toks[p],
                        &c.toks[p + 1],
                    )
                } else {
                    (
                        c_of_q[p] == usize::MAX && c_of_q[p + 1] == usize::MAX,
                        &q.toks[p],
                        &q.toks[p + 1],
                    )
                };
                if !free_p {
                    continue;
                }
                // Chinese given names: "Hsueh-chien" / "Xuejian", in either romanisation,
                // compared by sound class: the two spellings' lengths may differ by more
                // than the spelling test below allows (Wade-Giles writes hs, ch, ieh).
                let zh_joined = match (&a.zh, &b.zh, &tok_s.zh) {
                    (Some(x), Some(y), Some(z)) => {
                        z.len() == x.len() + y.len() + 1
                            && z.starts_with(&**x)
                            && z.ends_with(&**y)
                            && z.as_bytes().get(x.len()) == Some(&b'.')
                    }
                    _ => false,
                };
                // A split Chinese name with a slip in one part that breaks its reading,
                // compared in one romanisation ("Te-kanag" / "Dekang"): the slip rule of
                // `tok_sim`, on the joined name. Not when all three read as Chinese: a
                // syllable apart, they are two names.
                let all_zh = a.zh.is_some() && b.zh.is_some() && tok_s.zh.is_some();
                let rom_slip = || match (&a.rom, &b.rom, &tok_s.rom) {
                    (Some(x), Some(y), Some(z))
                        if !all_zh
                            && (a.zh.is_some() || b.zh.is_some() || tok_s.zh.is_some())
                            && (x.len() + y.len()).abs_diff(z.len()) <= 1
                            && x.as_bytes().first() == z.as_bytes().first() =>
                    {
                        osa_distance(&format!("{x}{y}"), z, 1) <= 1
                    }
                    _ => false,
                };
                // Otherwise joined only when the lengths allow a match (most pairs are far
                // apart).
                let joined_len = a.s.len() + b.s.len();
                if !zh_joined && joined_len.abs_diff(tok_s.s.len()) > 2 && !rom_slip() {
                    continue;
                }
                let exact = joined_len == tok_s.s.len()
                    && tok_s.s.starts_with(&*a.s)
                    && tok_s.s.ends_with(&*b.s);
                let joined = || format!("{}{}", a.s, b.s);
                // A long joined form one slip from the single word ("xue xue" / "xoexue")
                // is the same name split, with a typo; not when all read as Chinese
                // (Wei Ping / Meiping differ by a syllable: two names).
                // Nor by a spelling merely alike when all read as Chinese: "Ying Jian" /
                // "Yingqiang", "Min An" / "Minyan", "Dan Zhen" / "Danheng" share a syllable
                // and differ in the other.
                // All Chinese, one part whole and the other a slip after its first letter
                // from the same syllable ("Na Zhen" / "Nanzhen", "Lan Piang" / "Lanping"):
                // one name with a typo, as a one-syllable word with such a slip is. A slip
                // on a syllable's first letter makes another name (Min An / Minyan, Wei
                // Ping / Meiping). Weighed as a typo.
                let syllable_slip = all_zh && joined_len >= 5 && syllable_slip(a, b, tok_s);
                if exact
                    || zh_joined
                    || (!all_zh && jaro_winkler(&joined(), &tok_s.s) >= 0.93)
                    || (joined_len >= 6 && !all_zh && osa_distance(&joined(), &tok_s.s, 1) <= 1)
                    || (joined_len >= 5 && rom_slip())
                    || syllable_slip
                {
                    if single_q {
                        c_of_q[s] = p;
                        q_of_c[p] = s;
                        q_of_c[p + 1] = s;
                    } else {
                        q_of_c[s] = p;
                        c_of_q[p] = s;
                        c_of_q[p + 1] = s;
                    }
                    compounds.push((s, p, single_q));
                    compound_slip.push(syllable_slip && !exact && !zh_joined);
                    break;
                }
            }
        }
    }

    // Evidence from agreement.
    let mut agree = 0.0;
    // Compound weight: the query side's token(s); for a name the query splits ("Qing Kai"
    // / "Qingkai"), at least what the joined word says: the given name Qingkai is rarer
    // than the common syllables Qing and Kai on average.
    let cws: Vec<f64> = compounds
        .iter()
        .map(|&(s, p, single_q)| {
            if single_q {
                q.toks[s].w
            } else {
                ((q.toks[p].w + q.toks[p + 1].w) / 2.0).max(weigh.weight(&c.toks[s]))
            }
        })
        .collect();
    let cw = |k: usize| cws.get(k).copied().unwrap_or(0.0);
    // An initial stands for a name only beside a full name that agrees: "S Arun" is not
    // "Ramakrishna Sastry" because S and Sastry begin alike.
    let full_agrees = !compounds.is_empty()
        || matched
            .iter()
            .any(|&(_, _, _, kind)| !matches!(kind, TokMatch::Initial | TokMatch::None));
    let initial_w = if full_agrees { INITIAL } else { 0.0 };
    let mut tw = |i: usize, j: usize, sim: f64, kind: TokMatch| match kind {
        TokMatch::Initial => initial_w,
        TokMatch::Exact => q.toks[i].w,
        _ => q.toks[i].w.min(weigh.weight(&c.toks[j])) * kind_factor(kind, sim),
    };
    for &(i, j, sim, kind) in &matched {
        agree += tw(i, j, sim, kind);
    }
    let cf = |k: usize| {
        let slip = compound_slip.get(k).copied().unwrap_or(false);
        kind_factor(
            if slip {
                TokMatch::Typo
            } else {
                TokMatch::Compound
            },
            1.0,
        )
    };
    for k in 0..compounds.len() {
        agree += cw(k) * cf(k);
    }
    let scale = if agree > NAME_CAP {
        NAME_CAP / agree
    } else {
        1.0
    };
    let scale = scale * NAME_SCALE;
    let mut l = agree * scale;
    if feats.is_some() {
        for &(i, j, sim, kind) in &matched {
            let w = tw(i, j, sim, kind) * scale;
            push(&mut feats, "name_part", w, || {
                if kind == TokMatch::Exact {
                    format!("{} (exact)", q.toks[i].s)
                } else {
                    format!("{} ~ {} ({})", q.toks[i].s, c.toks[j].s, kind.label())
                }
            });
        }
        for (k, &(s, p, single_q)) in compounds.iter().enumerate() {
            let w = cw(k) * cf(k) * scale;
            let (single, pair) = if single_q {
                (&q.toks, &c.toks)
            } else {
                (&c.toks, &q.toks)
            };
            push(&mut feats, "name_part", w, || {
                format!(
                    "{} ~ {} {} (joined/split)",
                    single[s].s,
                    pair[p].s,
                    pair[p + 1].s
                )
            });
        }
    }

    // Leftovers, grouped by the gap between aligned tokens they sit in.
    let mut anchors: Vec<(usize, usize)> = (0..nq)
        .filter(|&i| c_of_q[i] != usize::MAX)
        .map(|i| (i, c_of_q[i]))
        .collect();
    anchors.sort_unstable();
    let inversions = anchors.windows(2).filter(|w| w[1].1 < w[0].1).count();
    let reversed = anchors.len() >= 2 && inversions * 2 > anchors.len() - 1;
    let n_anchor = anchors.len();
    // A Chinese given name is one word (GB/T 28039: Wang Jianguo), its syllables in one
    // order: split in two, Long Xiu is not Xiu Long. Two neighbouring syllables found
    // side by side in the other order, the rest of the name in place (the family name,
    // first or last), name two different persons.
    // Written in the reverse order throughout, a name of single Chinese syllables has its
    // given name's syllables reversed too ("Li Xiu Jang" / "Yang Xiu Li"): moving the family
    // name to the other end (Jianguo Wang / Wang Jianguo) keeps them in order. Charged once.
    let one = |t: &Tok| t.zh_n == 1;
    let all_syllables = anchors
        .iter()
        .all(|&(i, j)| one(&q.toks[i]) && one(&c.toks[j]));
    // Two aligned parts are one syllable each; a syllable misspelt ("Ch'ieg" for Ch'ing)
    // no longer reads as one, but is still one syllable.
    let one_each = |i: usize, j: usize, kind: TokMatch| {
        let (a, b) = (&q.toks[i], &c.toks[j]);
        (one(a) && one(b))
            || (kind == TokMatch::Typo && (one(a) || one(b)) && a.zh_n <= 1 && b.zh_n <= 1)
    };
    if n_anchor >= 3 && (!reversed || all_syllables) {
        for &(i, j, _, kind) in &matched {
            let Some(&(_, j2, _, kind2)) = matched.iter().find(|m| m.0 == i + 1) else {
                continue;
            };
            if j2 + 1 == j
                && one_each(i, j, kind)
                && one_each(i + 1, j2, kind2)
                && q.toks[i].s != q.toks[i + 1].s
            {
                l -= CONFLICT;
                push(&mut feats, "name_conflict", -CONFLICT, || {
                    format!(
                        "{} {} vs {} {} (a Chinese given name's syllables in the other order)",
                        q.toks[i].s,
                        q.toks[i + 1].s,
                        c.toks[j2].s,
                        c.toks[j].s
                    )
                });
                if reversed {
                    break;
                }
            }
        }
    }
    // Ethiopian, Eritrean and Somali names are a chain (given, father's, grandfather's),
    // never written in another order without a mark: "Tadesse Tekle" is Tekle's son, not
    // Tekle Tadesse. When every aligned part is such a name on one side at least and
    // their order is reversed, the given names disagree.
    // A name repeated in the chain (Abebe Goitom Abebe: the grandfather named like the
    // grandson) aligns either way, so it says nothing of the order.
    let repeated = |toks: &[Tok]| {
        toks.iter()
            .enumerate()
            .any(|(k, t)| toks[k + 1..].iter().any(|u| u.key == t.key))
    };
    if reversed
        && anchors
            .iter()
            .all(|&(i, j)| q.toks[i].chain || c.toks[j].chain)
        && !repeated(&q.toks[..nq])
        && !repeated(&c.toks[..nc])
    {
        l -= CONFLICT;
        push(&mut feats, "name_conflict", -CONFLICT, || {
            "the parts of a patronymic chain in reversed order".to_owned()
        });
    }
    let q_gap = |i: usize| (0..i).filter(|&k| c_of_q[k] != usize::MAX).count();
    let c_gap = |j: usize| {
        let before = (0..j).filter(|&k| q_of_c[k] != usize::MAX).count();
        if reversed {
            n_anchor.saturating_sub(before)
        } else {
            before
        }
    };
    let mut uq: Vec<(usize, usize)> = (0..nq)
        .filter(|&i| c_of_q[i] == usize::MAX)
        .map(|i| (q_gap(i), i))
        .collect();
    let mut uc: Vec<(usize, usize)> = (0..nc)
        .filter(|&j| q_of_c[j] == usize::MAX)
        .map(|j| (c_gap(j), j))
        .collect();
    // With nothing aligned, every leftover sits in one gap: the names simply differ.
    let mut used_c = vec![false; uc.len()];
    let mut conflicts = 0usize;
    for (gq, i) in uq.iter_mut() {
        // Pair with the closest-spelled leftover in the same gap.
        let mut best: Option<(usize, f64)> = None;
        for (k, (gc, j)) in uc.iter().enumerate() {
            if used_c[k] || gc != gq {
                continue;
            }
            let s = sims[*i][*j].0;
            if best.is_none_or(|(_, bs)| s > bs) {
                best = Some((k, s));
            }
        }
        if let Some((k, s)) = best {
            used_c[k] = true;
            let j = uc[k].1;
            // A badly mangled token is still somewhat close: charge it less.
            let soften = ((s - 0.75) / 0.2).clamp(0.0, 0.6);
            let w = -CONFLICT * (1.0 - soften);
            l += w;
            conflicts += 1;
            push(&mut feats, "name_conflict", w, || {
                format!("{} vs {}", q.toks[*i].s, c.toks[j].s)
            });
            *gq = usize::MAX;
        }
    }
    let _ = conflicts;
    // Leftovers on both sides in different places (a dropped middle name and a dropped
    // second surname, or relatives who share one name only): pair them as soft conflicts.
    let mut rest_q: Vec<usize> = uq
        .iter()
        .filter(|(g, _)| *g != usize::MAX)
        .map(|(_, i)| *i)
        .collect();
    let mut rest_c: Vec<usize> = uc
        .iter()
        .enumerate()
        .filter(|(k, _)| !used_c[*k])
        .map(|(_, (_, j))| *j)
        .collect();
    while !rest_q.is_empty() && !rest_c.is_empty() {
        let (i, j) = (rest_q.remove(0), rest_c.remove(0));
        l -= SOFT_CONFLICT;
        push(&mut feats, "name_conflict", -SOFT_CONFLICT, || {
            format!("{} vs {} (in different places)", q.toks[i].s, c.toks[j].s)
        });
    }
    // The last of three or more parts is most often a second surname, which records drop
    // far more often than any other part.
    let missing = |at: usize, of: usize| {
        if at + 1 == of && of >= 3 {
            (MISSING_LAST, " (last part)")
        } else {
            (MISSING, "")
        }
    };
    // Two names that read as Chinese throughout: a syllable on one side only is no dropped
    // middle name or second surname (a Chinese name has one family name and one given
    // name of one or two syllables, written whole): Xiaoming / Ming are two given names.
    let all_zh =
        q.toks[..nq].iter().all(|t| t.zh.is_some()) && c.toks[..nc].iter().all(|t| t.zh.is_some());
    let missing = |at: usize, of: usize, t: &Tok| {
        if all_zh && t.zh_n == 1 {
            (SOFT_CONFLICT, " (a Chinese given name's syllable)")
        } else {
            missing(at, of)
        }
    };
    for i in rest_q {
        let (w, last) = missing(i, nq, &q.toks[i]);
        l -= w;
        push(&mut feats, "name_missing", -w, || {
            format!("{} only in the query{last}", q.toks[i].s)
        });
    }
    for j in rest_c {
        let (w, last) = missing(j, nc, &c.toks[j]);
        l -= w;
        push(&mut feats, "name_missing", -w, || {
            format!("{} only in the record{last}", c.toks[j].s)
        });
    }
    uc.clear();
    let covers = (0..nq).all(|i| c_of_q[i] != usize::MAX);
    if q.weak || c.weak {
        l -= WEAK;
        push(&mut feats, "name_weak_alias", -WEAK, || {
            "compared through a weak alias".to_owned()
        });
    }
    (l, covers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(a: &PersonRecord, b: &PersonRecord) -> f64 {
        compare(a, b).0
    }

    fn p(name: &str, dob: &str) -> PersonRecord {
        let r = PersonRecord::with_name(name);
        if dob.is_empty() {
            r
        } else {
            r.birth_date(dob)
        }
    }

    #[test]
    fn true_variants_match() {
        let base = p("José Luis García López", "1985-03-12");
        for v in [
            p("JOSE LUIS GARCIA LOPEZ", "1985-03-12"),
            p("Jose Luis Garsia Lopes", "1985-12-03"),
            p("Pepe García", "1985-03-12"),
            p("Luis José García", "1985"),
            p("GARCIA LOPEZ, Jose Luis", "1985-03-13"),
            p("José L. García López", "1985-03-12"),
            p("Jose Luis Lopez Garcia", "1985-03-12"),
            p("Jose Luis Garcia Lopez", ""),
        ] {
            let (s, f) = compare(&v, &base);
            assert!(s >= DEFAULT_THRESHOLD, "{v:?}: {s} {f:#?}");
        }
    }

    #[test]
    fn hard_negatives_do_not_match() {
        let base = p("José Luis García López", "1985-03-12");
        for v in [
            // Same common name, another date of birth.
            p("José Luis García López", "1971-08-25"),
            // A sibling: same surnames, other given names.
            p("María Elena García López", "1988-06-02"),
            p("María Elena García López", ""),
            p("Juan Carlos García López", ""),
            p("Pedro Ramírez Soto", "1985-03-12"),
        ] {
            let (s, f) = compare(&v, &base);
            assert!(s < DEFAULT_THRESHOLD, "{v:?}: {s} {f:#?}");
        }
    }

    #[test]
    fn explanation_adds_up() {
        let q = p("Jose Garsia", "1985-03-12").nationality("gt");
        let c = p("José García López", "1985-03-12").nationality("gt");
        let (s, f) = compare(&q, &c);
        let sum: f64 = f.iter().map(|x| x.contribution).sum();
        assert!((sigmoid(sum) - s).abs() < 1e-9);
        assert!(f
            .iter()
            .any(|x| x.feature == "birth_date" && x.contribution > 0.0));
        assert!(f.iter().any(|x| x.feature == "name_missing"), "{f:#?}");
    }

    #[test]
    fn a_dropped_second_surname_costs_less_than_another_dropped_part() {
        let full = p("José Luis García López", "1985-03-12");
        let missing = |c: &PersonRecord| -> Vec<(String, f64)> {
            compare(&full, c)
                .1
                .into_iter()
                .filter(|f| f.feature == "name_missing")
                .map(|f| (f.detail, f.contribution))
                .collect()
        };
        assert_eq!(
            missing(&p("José Luis García", "1985-03-12")),
            vec![(
                "lopez only in the query (last part)".to_owned(),
                -MISSING_LAST
            )]
        );
        assert_eq!(
            missing(&p("José García López", "1985-03-12")),
            vec![("luis only in the query".to_owned(), -MISSING)]
        );
        assert!(
            score(&full, &p("José Luis García", "1985-03-12"))
                > score(&full, &p("José García López", "1985-03-12"))
        );
    }

    #[test]
    fn a_date_known_on_one_side_only_is_explained() {
        let with = p("Ana Pérez Soto", "1990-05-01");
        let without = p("Ana Pérez Soto", "");
        let detail = |q: &PersonRecord, c: &PersonRecord| {
            compare(q, c)
                .1
                .into_iter()
                .find(|f| f.feature == "birth_date")
                .map(|f| (f.detail, f.contribution))
        };
        assert_eq!(
            detail(&without, &with),
            Some(("not in the query".to_owned(), DOB_NOT_IN_QUERY))
        );
        assert_eq!(
            detail(&with, &without),
            Some(("not in the record".to_owned(), DOB_NOT_IN_RECORD))
        );
        // A record whose date is unknown escapes the conflict a wrong date shows, so it
        // ranks above one that contradicts the query, and below one that agrees.
        let wrong = p("Ana Pérez Soto", "1971-11-23");
        assert!(score(&with, &wrong) < score(&with, &without));
        assert!(score(&with, &without) < score(&with, &with));
    }

    #[test]
    fn a_clerks_respelling_of_a_chinese_name_is_the_name() {
        // Ll for y, hz for hs, a silent h dropped: the syllables agree.
        for (a, b) in [
            ("Yung-lling Chen", "Chen Yongying"),
            ("HZIU-PING PAN", "Xiuping Pan"),
            ("Ua Jing Wei", "HUA CHING WEI"),
        ] {
            let (s, f) = compare(&p(a, "1998-03-25"), &p(b, "1998-03-25"));
            assert!(s >= DEFAULT_THRESHOLD, "{a} / {b}: {s} {f:#?}");
            assert!(f.iter().all(|x| x.feature != "name_conflict"), "{f:#?}");
        }
    }

    #[test]
    fn a_chinese_given_name_syllable_on_one_side_only_is_another_name() {
        // Hsiao-ming is not Ming: the syllable is charged as a conflict, not as a dropped
        // middle name.
        let (s, f) = compare(
            &p("Hsiao-ming Yang", "1982-09-06"),
            &p("Ming YANG", "1982-04-06"),
        );
        assert!(s < DEFAULT_THRESHOLD, "{s} {f:#?}");
        assert!(
            f.iter()
                .any(|x| x.detail.contains("Chinese given name's syllable")),
            "{f:#?}"
        );
        // Other traditions keep the mild charge for a dropped part.
        let (_, f) = compare(&p("Ana Maria Soto", "1971"), &p("Ana Soto", "1971"));
        assert!(f.iter().all(|x| !x.detail.contains("Chinese")), "{f:#?}");
    }

    #[test]
    fn a_split_chinese_name_with_a_slip_inside_a_syllable_joins() {
        for (a, b) in [
            ("WANG, Na Zhen", "Wang Nanzhen"),
            ("Lan Piang Tan", "LANPING TAN"),
        ] {
            let (s, f) = compare(&p(a, "1988-12-26"), &p(b, "1988-12-26"));
            assert!(s >= DEFAULT_THRESHOLD, "{a} / {b}: {s} {f:#?}");
            assert!(f.iter().any(|x| x.detail.contains("joined")), "{f:#?}");
        }
        // In Wade-Giles, compared in one romanisation: Kuei-li / Guilin (gui li / guilin).
        let (s, f) = compare(
            &p("KUEI-LI PAN", "1994-08-27"),
            &p("GUILIN PAN", "1994-08-27"),
        );
        assert!(s >= DEFAULT_THRESHOLD, "{s} {f:#?}");
        // Without a Wade-Giles spelling, the letters as written only: Juli is no Qiu Li.
        let (_, f) = compare(&p("Carlos Juli", "1992-08-09"), &p("Qiu Li", "1992-08-09"));
        assert!(f.iter().all(|x| !x.detail.contains("joined")), "{f:#?}");
        // A slip on a syllable's first letter makes another name: no join.
        for (a, b) in [("Li Min An", "Li Minyan"), ("WEI PING LIU", "Meiping Liu")] {
            let (_, f) = compare(&p(a, "1996"), &p(b, "1996"));
            assert!(
                f.iter().all(|x| !x.detail.contains("joined")),
                "{a}: {f:#?}"
            );
        }
    }

    #[test]
    fn a_split_chinese_name_joins_its_other_romanisation() {
        // Wade-Giles is longer than pinyin (hs, ch, ieh): the parts still join.
        let (s, f) = compare(
            &p("Hsueh-chien Hsiao", "1954-11-14"),
            &p("Xuejian Xiao", "1954-11-14"),
        );
        assert!(s >= DEFAULT_THRESHOLD, "{s} {f:#?}");
        assert!(f.iter().all(|x| x.feature != "name_conflict"), "{f:#?}");
        // Two Chinese names a syllable apart do not join (Wei Ping / Meiping).
        let (_, f) = compare(&p("Meiping Liu", "1996"), &p("WEI PING LIU", "1997-05-21"));
        assert!(f.iter().all(|x| !x.detail.contains("joined")), "{f:#?}");
        // And a split name with one slip joins too.
        let (s, f) = compare(
            &p("Xoexue Huang", "2004-03-27"),
            &p("Xue Xue Huang", "2004-03-27"),
        );
        assert!(s >= DEFAULT_THRESHOLD, "{s} {f:#?}");
        // Split letter for letter, the name joins though its first part alone looks like
        // a short form of the joined word (Juan, a Spanish name, is no Chinese syllable).
        let (_, f) = compare(&p("Juan Hua Wang", ""), &p("Juanhua Wong", "1989-09-05"));
        assert!(f.iter().any(|x| x.detail.contains("joined")), "{f:#?}");
        assert!(f.iter().all(|x| x.feature != "name_missing"), "{f:#?}");
        // Nor two Chinese names that share a syllable and differ in the other, however
        // alike their letters.
        let (_, f) = compare(
            &p("Yingqiang Huang", "1957-09-08"),
            &p("Huang Ying-jian", ""),
        );
        assert!(f.iter().all(|x| !x.detail.contains("joined")), "{f:#?}");
        // A split Wade-Giles name with a slip that breaks a syllable ("Te-kanag" for
        // Te-k'ang) joins the pinyin name (Dekang).
        let (s, f) = compare(&p("LIU TE-KANAG", "1991-05-03"), &p("Dekang Liu", "1991"));
        assert!(s >= DEFAULT_THRESHOLD, "{s} {f:#?}");
        assert!(f.iter().any(|x| x.detail.contains("joined")), "{f:#?}");
    }

    #[test]
    fn a_patronymic_chain_reversed_is_another_person() {
        // Tekle, son of Tadesse, is not Tadesse, son of Tekle.
        let q = p("Tekle Tadesse", "");
        let reversed = score(&q, &p("Tadesse Tekle", "1985-07-09"));
        let same = score(&q, &p("Tekle Tadesse Girma", "1985-07-09"));
        assert!(reversed < DEFAULT_THRESHOLD, "{reversed}");
        assert!(reversed < same);
        // A chain that repeats a name says nothing of the order.
        assert!(
            score(
                &p("Abebe Goitom", "1965-09-02"),
                &p("AVEBE GOITOM ABEBE", "1965-09-02")
            ) >= DEFAULT_THRESHOLD
        );
        // Written surname first with a comma, the order is understood.
        assert!(score(&q, &p("TADESSE, Tekle", "1985-07-09")) >= DEFAULT_THRESHOLD);
        // Other names keep matching in any order (surname first without a mark).
        assert!(
            score(
                &p("Garcia Lopez Jose", "1985-03-12"),
                &p("José García López", "1985-03-12")
            ) >= DEFAULT_THRESHOLD
        );
    }

    #[test]
    fn a_chinese_given_name_keeps_its_syllables_in_order() {
        let q = p("Long-xiu Zhou", "");
        let other = score(&q, &p("Xiu-long Zhou", "1960-05-13"));
        let same = score(&q, &p("Zhou Long Xiu", "1960-05-13"));
        assert!(other < DEFAULT_THRESHOLD, "{other}");
        assert!(same >= DEFAULT_THRESHOLD, "{same}");
        // A syllable misspelt is still one syllable: Kai Ch'ieg (Ch'ing) is not Qing Kai.
        let (s, f) = compare(
            &p("Qing Kai Liagn", ""),
            &p("LEUNG, K'ai Ch'ieg", "1952-02-17"),
        );
        assert!(s < DEFAULT_THRESHOLD, "{s} {f:#?}");
        assert!(f.iter().any(|x| x.detail.contains("other order")), "{f:#?}");
        // Family name first or last, the given name in order: the same name.
        assert!(
            score(
                &p("Zhou Longxiu", "1960-05-13"),
                &p("Long Xiu ZHOU", "1960-05-13")
            ) >= DEFAULT_THRESHOLD
        );
    }

    #[test]
    fn a_chinese_name_written_in_reverse_has_its_given_name_reversed() {
        // Family name first (Jang Li Xiu) is Li Xiu Jang; Yang Xiu Li is a Xiu-li.
        let (s, f) = compare(&p("JANG, Li Xiu", "2004-09-21"), &p("YANG XIU-LI", ""));
        assert!(s < DEFAULT_THRESHOLD, "{s} {f:#?}");
        let n = f
            .iter()
            .filter(|x| x.detail.contains("other order"))
            .count();
        assert_eq!(n, 1, "{f:#?}");
        // Moving the family name keeps the given name in order: the same name.
        let (s, f) = compare(&p("Li Xiu Jang", "2004-09-21"), &p("JANG LI XIU", ""));
        assert!(s >= DEFAULT_THRESHOLD, "{s} {f:#?}");
        assert!(f.iter().all(|x| x.feature != "name_conflict"), "{f:#?}");
    }

    #[test]
    fn an_initial_counts_only_beside_a_full_name_that_agrees() {
        // S and Sastry begin alike, Arun and Ramakrishna differ: another person's name.
        let q = p("S Arun", "1988-08-17");
        let other = score(&q, &p("Ramakrishna Sastry", "1988-08-17"));
        assert!(other < DEFAULT_THRESHOLD, "{other}");
        let (_, f) = compare(&q, &p("Ramakrishna Sastry", "1988-08-17"));
        assert!(
            f.iter()
                .filter(|x| x.feature == "name_part")
                .all(|x| x.contribution == 0.0),
            "{f:#?}"
        );
        // Beside an agreeing name the initial still counts (Tamil usage: the father's).
        let (_, f) = compare(&q, &p("Arun Sastry", "1988-08-17"));
        assert!(
            f.iter()
                .any(|x| x.detail.contains("initial") && x.contribution > 0.0),
            "{f:#?}"
        );
    }

    #[test]
    fn a_name_split_by_the_query_weighs_as_the_joined_name() {
        // The index says the joined name is rare (weight 9) and the syllables common.
        struct Rare;
        impl Tokens for Rare {
            fn weight(&mut self, _: &Tok) -> f64 {
                9.0
            }
        }
        let tok = |s: &str, w: f64| Tok {
            w,
            ..crate::names::prep_token(s)
        };
        let q = PName {
            toks: vec![tok("qing", 2.5), tok("kai", 2.5), tok("liang", 4.0)],
            weak: false,
        };
        let c = PName {
            toks: vec![tok("qingkai", 9.0), tok("liang", 9.0)],
            weak: false,
        };
        let mut feats = Vec::new();
        name_logit(&q, &c, &mut Rare, Some(&mut feats));
        let joined = feats
            .iter()
            .find(|x| x.detail.contains("joined"))
            .map(|x| x.contribution);
        // 9 × 0.9 (a joined name) × the name scale, not the syllables' 2.5 on average.
        let want = 9.0 * kind_factor(TokMatch::Compound, 1.0) * NAME_SCALE;
        assert!(
            joined.is_some_and(|w| (w - want).abs() < 1e-9),
            "{feats:#?}"
        );
    }

    #[test]
    fn identifiers_alone_hit() {
        let q = PersonRecord::default().identifier(IdKind::Phone, "+502 5555-1234", None);
        let c = p("Ana Pérez", "").identifier(IdKind::Phone, "5555 1234", Some("gt"));
        assert!(score(&q, &c) > 0.8);
        let other = p("Ana Pérez", "").identifier(IdKind::Phone, "5555 1235", Some("gt"));
        assert!(score(&q, &other) < DEFAULT_THRESHOLD);
    }
}
