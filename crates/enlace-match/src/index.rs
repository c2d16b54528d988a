//! The candidate index: blocking keys → record slots. A query looks up its own keys,
//! ranks the records that share the most (and rarest) keys, and scores only the best few
//! hundred of them, never the whole index.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::dob::Dob;
use crate::ftm::{FtmId, FtmLine};
use crate::names::{block_keys, tok_sim, token_weight, Interner, Tok, TokMatch};
use crate::record::{PersonRecord, Prepared};
use crate::score::{self, logit_covers, namesakes_logit, sigmoid, Match, Tokens, PRIOR};
use crate::text::fnv1a;

/// Keys are already well-mixed hashes: hashing them again is wasted work.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;
type SlotMap<V> = HashMap<u32, V, BuildHasherDefault<IdHasher>>;

/// FNV-1a for record ids (short strings; SipHash was a visible share of a build).
#[derive(Default)]
struct StrHasher(u64);

impl Hasher for StrHasher {
    fn finish(&self) -> u64 {
        // FNV's low bits mix poorly: fold the high half in, the table indexes by low bits.
        self.0 ^ (self.0 >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type StrMap<V> = HashMap<Arc<str>, V, BuildHasherDefault<StrHasher>>;

/// Posting lists split by a few bits of the key, so that a parallel build fills each
/// shard on one thread without locks.
const SHARDS: usize = 16;

fn shard_of(k: u64) -> usize {
    // Middle bits: a hash table indexes by the low bits and tags entries with the top ones.
    ((k >> 32) as usize) % SHARDS
}

struct Postings(Vec<IdMap<Posting>>);

impl Default for Postings {
    fn default() -> Postings {
        Postings((0..SHARDS).map(|_| IdMap::default()).collect())
    }
}

impl Postings {
    fn get(&self, k: &u64) -> Option<&Posting> {
        self.0.get(shard_of(*k))?.get(k)
    }
    fn shard_mut(&mut self, k: u64) -> Option<&mut IdMap<Posting>> {
        self.0.get_mut(shard_of(k))
    }
    fn add(&mut self, k: u64, slot: u32) {
        if let Some(m) = self.shard_mut(k) {
            m.entry(k)
                .and_modify(|p| p.push(slot))
                .or_insert(Posting::One(slot));
        }
    }
    fn remove(&mut self, k: u64, slot: u32) {
        if let Some(m) = self.shard_mut(k) {
            if let Some(p) = m.get_mut(&k) {
                if p.remove(slot) {
                    m.remove(&k);
                }
            }
        }
    }
}

/// Most blocking keys hold one record: keep those without a heap allocation.
enum Posting {
    One(u32),
    Many(Vec<u32>),
}

impl Posting {
    fn as_slice(&self) -> &[u32] {
        match self {
            Posting::One(x) => std::slice::from_ref(x),
            Posting::Many(v) => v,
        }
    }
    fn push(&mut self, s: u32) {
        match self {
            Posting::One(x) => {
                if *x != s {
                    *self = Posting::Many(vec![*x, s]);
                }
            }
            Posting::Many(v) => {
                if v.last() != Some(&s) {
                    v.push(s);
                }
            }
        }
    }
    /// Removes `s`; returns true when the posting is now empty.
    fn remove(&mut self, s: u32) -> bool {
        match self {
            Posting::One(x) => *x == s,
            Posting::Many(v) => {
                v.retain(|&x| x != s);
                v.is_empty()
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Token,
    Pair,
    TokenYear,
    Date,
    Ident,
}

impl KeyKind {
    /// How much sharing a key of this kind says about being the same person.
    fn weight(self) -> f32 {
        match self {
            KeyKind::Token => 1.0,
            KeyKind::Pair => 3.0,
            KeyKind::TokenYear => 2.0,
            KeyKind::Date => 2.5,
            KeyKind::Ident => 20.0,
        }
    }
}

/// Only the first tokens of a name make keys (names longer than this are rare).
const KEY_TOKENS: usize = 8;
/// Index size at which the prior is [`PRIOR`].
const PRIOR_REFERENCE_SIZE: f64 = 100_000.0;
/// How fast the prior falls as the index grows past the reference size: fitted at 0.55 on
/// training corpora of 100k and 1M records (the namesakes evidence carries the rest of the
/// growth), then set so that the default threshold is the best one on both.
const PRIOR_SIZE_SLOPE: f64 = 0.5;
/// Candidates reordered by date of birth before the full scoring.
const SHORTLIST: usize = 256;
/// How much a date of birth's log-odds moves a candidate in the shortlist, against the
/// shared-key weights (one to a few units per key).
const DOB_IN_SHORTLIST: f32 = 0.3;
/// Candidates fully scored per query.
const MAX_CANDIDATES: usize = 64;
/// Single-token keys this common are skipped at query time (pairs and dates do the work).
const TOKEN_POSTING_CAP: usize = 300;

/// The best date-of-birth evidence of the query's dates against one date.
fn best_dob_weight(q: &[Dob], d: &Dob) -> f64 {
    q.iter()
        .map(|a| crate::dob::compare(a, d).weight())
        .fold(f64::NEG_INFINITY, f64::max)
        .max(-20.0)
}

fn emit_keys(p: &Prepared, query: bool, out: &mut Vec<(u64, KeyKind)>) {
    let mut years: Vec<u16> = Vec::new();
    for d in &p.dobs {
        let span: &[i32] = if query { &[0, -1, 1] } else { &[0] };
        for off in span {
            let y = u16::try_from(i32::from(d.year) + off).unwrap_or(d.year);
            if !years.contains(&y) {
                years.push(y);
            }
        }
        if d.is_full() {
            out.push((
                fnv1a(&[b"d", &d.year.to_le_bytes(), &[d.month, d.day]]),
                KeyKind::Date,
            ));
            if query && d.month != d.day && d.day <= 12 {
                out.push((
                    fnv1a(&[b"d", &d.year.to_le_bytes(), &[d.day, d.month]]),
                    KeyKind::Date,
                ));
            }
        }
    }
    for n in &p.names {
        let toks = &n.toks[..n.toks.len().min(KEY_TOKENS)];
        let mut bks: Vec<Vec<u64>> = toks
            .iter()
            .map(|t| {
                if t.s.len() >= 2 {
                    block_keys(t).collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        // A Chinese given name split in two ("Xiao Ming") also blocks as its joined form.
        // It stands as one more token (with its own pairs with the other tokens).
        let joined: Vec<u64> = toks
            .windows(2)
            .filter_map(|w| crate::names::joined_block_key(&w[0], &w[1]))
            .collect();
        // A Chinese given name written as one word (Jiemin, Quanling) also pairs each of its
        // syllables with the name's other words: a respelt or misspelt syllable (Chih Min /
        // Jiemin, Khuan Ling / Quanling) breaks the whole word's key, and the family name
        // with the syllable left intact still finds the record. Pairs only: a syllable
        // alone is as common as a family name. Only in a name that reads as Chinese
        // throughout: another tradition's name that happens to read as pinyin (Dania) is
        // not made of syllables.
        let real = bks.len();
        let chinese = toks.iter().all(|t| t.zh.is_some());
        for (i, t) in toks.iter().enumerate().filter(|_| chinese) {
            let Some(z) = t.zh.as_deref().filter(|_| t.zh_n >= 2) else {
                continue;
            };
            for syl in z.split('.') {
                let a = fnv1a(&[b"zh", syl.as_bytes()]);
                for kj in bks[..real]
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, k)| k)
                {
                    for &b in kj {
                        if a != b {
                            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                            out.push((
                                fnv1a(&[b"p", &lo.to_le_bytes(), &hi.to_le_bytes()]),
                                KeyKind::Pair,
                            ));
                        }
                    }
                }
            }
        }
        if !joined.is_empty() {
            bks.push(joined);
        }
        for (i, ki) in bks.iter().enumerate() {
            for &a in ki {
                out.push((fnv1a(&[b"t", &a.to_le_bytes()]), KeyKind::Token));
                for y in &years {
                    out.push((
                        fnv1a(&[b"ty", &a.to_le_bytes(), &y.to_le_bytes()]),
                        KeyKind::TokenYear,
                    ));
                }
                for kj in bks.iter().skip(i + 1) {
                    for &b in kj {
                        if a == b {
                            continue;
                        }
                        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                        out.push((
                            fnv1a(&[b"p", &lo.to_le_bytes(), &hi.to_le_bytes()]),
                            KeyKind::Pair,
                        ));
                    }
                }
            }
        }
    }
    for id in &p.ids {
        out.push((
            fnv1a(&[b"id", &[id.kind.family()], id.value.as_bytes()]),
            KeyKind::Ident,
        ));
    }
    out.sort_unstable_by_key(|k| k.0);
    out.dedup_by_key(|k| k.0);
}

struct Slot {
    id: Arc<str>,
    rec: Prepared,
    /// The record's full names, as groups of namesakes.
    names: Groups,
}

/// A record's namesake groups: most records have one name, kept without a heap allocation
/// so that reading its count costs one load, not three.
enum Groups {
    One(u32),
    Many(Box<[u32]>),
}

impl Groups {
    fn as_slice(&self) -> &[u32] {
        match self {
            Groups::One(g) => std::slice::from_ref(g),
            Groups::Many(v) => v,
        }
    }
}

/// An in-memory index of persons and identifiers. `Send + Sync`: hold it behind an
/// `RwLock` and update it as records change.
#[derive(Default)]
pub struct Index {
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    by_id: StrMap<u32>,
    postings: Postings,
    /// The name tokens of the records, shared between records.
    interner: Interner,
    /// Each full name (its tokens as spelt, in any order) → its namesake group.
    namesakes: IdMap<u32>,
    /// Per namesake group: its name key and how many records carry the name.
    group_counts: Vec<(u64, u32)>,
    free_groups: Vec<u32>,
    /// Each slot's first date of birth, packed apart from the records so the shortlist can
    /// compare dates without touching every candidate's record.
    slot_dobs: Vec<SlotDob>,
}

/// A slot's dates of birth, in brief: the first, and whether there are others.
#[derive(Clone, Copy, Default)]
struct SlotDob {
    first: Option<Dob>,
    more: bool,
}

/// Token answers remembered for one query: its candidates share most of their tokens
/// (they were found through them), so most comparisons repeat.
struct Memo<'a> {
    index: &'a Index,
    sims: IdMap<(f64, TokMatch)>,
    weights: IdMap<f64>,
}

impl<'a> Memo<'a> {
    fn new(index: &'a Index) -> Memo<'a> {
        Memo {
            index,
            sims: IdMap::with_capacity_and_hasher(512, Default::default()),
            weights: IdMap::with_capacity_and_hasher(64, Default::default()),
        }
    }
}

impl Tokens for Memo<'_> {
    fn weight(&mut self, t: &Tok) -> f64 {
        *self
            .weights
            .entry(t.skel)
            .or_insert_with(|| self.index.token_w(t))
    }
    fn sim(&mut self, a: &Tok, b: &Tok) -> (f64, TokMatch) {
        if a.h == b.h && a.s == b.s {
            return (1.0, TokMatch::Exact);
        }
        // The pair's hashes, mixed: two 64-bit string hashes colliding is not a concern
        // at the scale of one query's few hundred distinct pairs.
        let k = a.h ^ b.h.rotate_left(29).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        *self.sims.entry(k).or_insert_with(|| tok_sim(a, b))
    }
}

/// Reads a byte of each of a record's name tokens, so that they are in the cache when the
/// record is scored.
fn touch(p: &Prepared) -> usize {
    p.names
        .iter()
        .flat_map(|n| n.toks.iter())
        .map(|t| usize::from(t.s.as_bytes().first().copied().unwrap_or(0)))
        .sum()
}

/// The full-name keys of a record, one per distinct name variant.
fn name_keys(p: &Prepared) -> Vec<u64> {
    let mut keys: Vec<u64> = p
        .names
        .iter()
        .filter(|n| !n.toks.is_empty() && !n.weak)
        .map(|n| {
            // Namesakes are counted by how the name sounds once transliteration variants
            // are folded (Deepak / Dipak Sharma / Sarma are one name), in any order.
            let mut tl: Vec<[u8; 8]> = n.toks.iter().map(|t| t.tl.to_le_bytes()).collect();
            tl.sort_unstable();
            let mut parts: Vec<&[u8]> = Vec::with_capacity(n.toks.len() + 1);
            parts.push(b"n");
            parts.extend(tl.iter().map(|b| &b[..]));
            fnv1a(&parts)
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

impl Index {
    pub fn new() -> Index {
        Index::default()
    }

    /// Number of records indexed.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Adds or replaces the record under `id`.
    pub fn insert(&mut self, id: String, record: &PersonRecord) {
        self.remove(&id);
        let rec = record.prepare_in(Some(&self.interner));
        self.insert_prepared(id.into(), rec);
    }

    fn insert_prepared(&mut self, id: Arc<str>, rec: Prepared) {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let mut keys = Vec::new();
        emit_keys(&rec, false, &mut keys);
        for (k, _) in keys {
            self.postings.add(k, slot);
        }
        let groups: Vec<u32> = name_keys(&rec)
            .into_iter()
            .map(|k| self.join_group(k))
            .collect();
        let brief = SlotDob {
            first: rec.dobs.first().copied(),
            more: rec.dobs.len() > 1,
        };
        if self.slot_dobs.len() < self.slots.len() {
            self.slot_dobs.resize(self.slots.len(), SlotDob::default());
        }
        if let Some(d) = self.slot_dobs.get_mut(slot as usize) {
            *d = brief;
        }
        if let Some(cell) = self.slots.get_mut(slot as usize) {
            *cell = Some(Slot {
                id: Arc::clone(&id),
                rec,
                names: match groups.as_slice() {
                    [g] => Groups::One(*g),
                    _ => Groups::Many(groups.into_boxed_slice()),
                },
            });
        }
        self.by_id.insert(id, slot);
    }

    /// The namesake group of a name key, created if new, counting one more record.
    fn join_group(&mut self, key: u64) -> u32 {
        let g = match self.namesakes.get(&key) {
            Some(&g) => g,
            None => {
                let g = match self.free_groups.pop() {
                    Some(g) => g,
                    None => {
                        self.group_counts.push((key, 0));
                        u32::try_from(self.group_counts.len() - 1).unwrap_or(u32::MAX)
                    }
                };
                self.namesakes.insert(key, g);
                g
            }
        };
        if let Some(c) = self.group_counts.get_mut(g as usize) {
            *c = (key, c.1 + 1);
        }
        g
    }

    /// One record fewer carries the group's name; the last one out frees the group.
    fn leave_group(&mut self, g: u32) {
        let Some(c) = self.group_counts.get_mut(g as usize) else {
            return;
        };
        c.1 = c.1.saturating_sub(1);
        if c.1 == 0 {
            let key = c.0;
            self.namesakes.remove(&key);
            self.free_groups.push(g);
        }
    }

    /// Removes the record under `id`; returns whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.by_id.remove(id) else {
            return false;
        };
        if let Some(old) = self.slots.get_mut(slot as usize).and_then(Option::take) {
            let mut keys = Vec::new();
            emit_keys(&old.rec, false, &mut keys);
            for (k, _) in keys {
                self.postings.remove(k, slot);
            }
            for &g in old.names.as_slice() {
                self.leave_group(g);
            }
        }
        if let Some(d) = self.slot_dobs.get_mut(slot as usize) {
            *d = SlotDob::default();
        }
        self.free.push(slot);
        true
    }

    /// The best `limit` candidates for `query`, best first, each with its score and
    /// explanation. Scores can be below [`crate::DEFAULT_THRESHOLD`]: see [`Index::hits`].
    pub fn query(&self, query: &PersonRecord, limit: usize) -> Vec<Match> {
        self.search(query.prepare(), limit, 0.0, true)
    }

    /// The candidates scoring at least `threshold`, best first, at most `limit`.
    pub fn hits(&self, query: &PersonRecord, threshold: f64, limit: usize) -> Vec<Match> {
        self.search(query.prepare(), limit, threshold, true)
    }

    /// [`Index::hits`] for many queries, spread over the machine's cores, without the
    /// explanations (batch matching writes ids and scores only).
    pub fn hits_many(
        &self,
        queries: &[PersonRecord],
        threshold: f64,
        limit: usize,
    ) -> Vec<Vec<Match>> {
        self.hits_many_on(queries, threshold, limit, available_threads())
    }

    /// [`Index::hits_many`] on `threads` threads (at least one).
    pub fn hits_many_on(
        &self,
        queries: &[PersonRecord],
        threshold: f64,
        limit: usize,
        threads: usize,
    ) -> Vec<Vec<Match>> {
        let threads = threads.max(1);
        // Small chunks handed out in turn, so that no core idles while another still has a
        // run of slow queries (common names) to finish.
        const CHUNK: usize = 32;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut parts: Vec<(usize, Vec<Vec<Match>>)> = Vec::new();
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let start = next.fetch_add(CHUNK, std::sync::atomic::Ordering::Relaxed);
                            let Some(qs) = queries.get(start..(start + CHUNK).min(queries.len()))
                            else {
                                break;
                            };
                            if qs.is_empty() {
                                break;
                            }
                            let answers = qs
                                .iter()
                                .map(|q| self.search(q.prepare(), limit, threshold, false))
                                .collect();
                            done.push((start, answers));
                        }
                        done
                    })
                })
                .collect();
            for h in handles {
                // A panicking worker would be a bug; its queries then answer "no hit".
                if let Ok(done) = h.join() {
                    parts.extend(done);
                }
            }
        });
        parts.sort_unstable_by_key(|(start, _)| *start);
        let mut out: Vec<Vec<Match>> = Vec::with_capacity(queries.len());
        for (start, answers) in parts {
            out.resize_with(start, Vec::new);
            out.extend(answers);
        }
        out.resize_with(queries.len(), Vec::new);
        out
    }

    /// A token's agreement weight from how common it is in the index.
    fn token_w(&self, t: &Tok) -> f64 {
        let count = self
            .postings
            .get(&fnv1a(&[b"t", &t.skel.to_le_bytes()]))
            .map_or(0, |p| p.as_slice().len());
        token_weight(count, self.len())
    }

    /// How many records (this one included) carry the candidate's name: the fewest over
    /// its name variants.
    fn namesakes_of(&self, c: &Slot) -> u32 {
        c.names
            .as_slice()
            .iter()
            .filter_map(|&g| self.group_counts.get(g as usize).map(|c| c.1))
            .min()
            .unwrap_or(1)
            .max(1)
    }

    /// How many records carry the query's name as it is written (the fewest over its
    /// variants; 1 when none does). A candidate that carries the whole of that name, spelt
    /// otherwise (a typo, another transliteration), is one of at least that many: its
    /// rarer spelling does not make a common name any less common ("Depak Sharma" among
    /// the Deepak Sharmas). A candidate that lacks a part of it (Fergus Harbottle for
    /// Joshua Harbottle) is not one of them, and keeps its own count.
    fn query_namesakes(&self, q: &Prepared) -> u32 {
        name_keys(q)
            .iter()
            .filter_map(|k| self.namesakes.get(k))
            .filter_map(|&g| self.group_counts.get(g as usize).map(|c| c.1))
            .min()
            .unwrap_or(1)
            .max(1)
    }

    /// Prior log-odds for a candidate. Beyond a hundred thousand records it falls with the
    /// index's size (more people, more chance likenesses); below that it stays fixed, so a
    /// small node does not hit on every namesake it happens to hold.
    fn prior(&self) -> f64 {
        PRIOR - PRIOR_SIZE_SLOPE * (self.len() as f64 / PRIOR_REFERENCE_SIZE).max(1.0).ln()
    }

    /// Sets each query token's agreement weight.
    fn weigh(&self, q: &mut Prepared) {
        for n in &mut q.names {
            for t in &mut n.toks {
                t.w = self.token_w(t);
            }
        }
    }

    /// The candidates a query's blocking keys find, at most [`MAX_CANDIDATES`], unordered:
    /// the records that will be scored.
    fn candidates(&self, q: &Prepared) -> Vec<(u32, f32)> {
        let mut keys = Vec::new();
        emit_keys(q, true, &mut keys);
        let lists: Vec<(&[u32], KeyKind)> = keys
            .iter()
            .filter_map(|(k, kind)| Some((self.postings.get(k)?.as_slice(), *kind)))
            .filter(|(list, kind)| *kind != KeyKind::Token || list.len() <= TOKEN_POSTING_CAP)
            .collect();
        // Sized once: growing the map while accumulating was a tenth of a query's time.
        let mut acc: SlotMap<f32> = SlotMap::with_capacity_and_hasher(
            lists
                .iter()
                .map(|(l, _)| l.len())
                .sum::<usize>()
                .min(1 << 16),
            Default::default(),
        );
        for (list, kind) in lists {
            // Rare keys say more than common ones.
            let w = kind.weight() / (1.0 + (1.0 + list.len() as f32 / 32.0).ln());
            for &s in list {
                *acc.entry(s).or_insert(0.0) += w;
            }
        }
        let mut cands: Vec<(u32, f32)> = acc.into_iter().collect();
        // Two cuts: the shared keys pick a wide shortlist, then the dates of birth (cheap to
        // compare) reorder it, so a namesake with another birth date does not crowd out the
        // person whose date agrees but whose name is more mangled.
        if cands.len() > SHORTLIST {
            cands.select_nth_unstable_by(SHORTLIST, |a, b| b.1.total_cmp(&a.1));
            cands.truncate(SHORTLIST);
        }
        if cands.len() > MAX_CANDIDATES {
            if !q.dobs.is_empty() {
                // Gathered first in a tight loop, so the (scattered) loads overlap instead of
                // each waiting behind the comparisons of the one before.
                let dobs: Vec<Option<Dob>> = cands
                    .iter()
                    .map(|(s, _)| self.slot_dobs.get(*s as usize).and_then(|d| d.first))
                    .collect();
                for ((_, w), d) in cands.iter_mut().zip(&dobs) {
                    if let Some(d) = d {
                        *w += DOB_IN_SHORTLIST * best_dob_weight(&q.dobs, d) as f32;
                    }
                }
            }
            cands.select_nth_unstable_by(MAX_CANDIDATES, |a, b| b.1.total_cmp(&a.1));
            cands.truncate(MAX_CANDIDATES);
        }
        cands
    }

    /// The ids of the records a query's blocking keys find (those the scorer then
    /// compares with it), for measuring retrieval apart from scoring.
    pub fn retrieved(&self, query: &PersonRecord) -> Vec<String> {
        let mut q = query.prepare();
        self.weigh(&mut q);
        self.candidates(&q)
            .into_iter()
            .filter_map(|(s, _)| Some(self.slots.get(s as usize)?.as_ref()?.id.to_string()))
            .collect()
    }

    fn search(&self, mut q: Prepared, limit: usize, threshold: f64, explain: bool) -> Vec<Match> {
        if limit == 0 {
            return Vec::new();
        }
        self.weigh(&mut q);
        let q = &q;
        let prior = self.prior();
        let query_namesakes = self.query_namesakes(q);
        let cands = self.candidates(q);
        let min_logit = if threshold > 0.0 && threshold < 1.0 {
            (threshold / (1.0 - threshold)).ln()
        } else {
            f64::NEG_INFINITY
        };
        // The most any candidate could score before its date of birth is looked at: the full
        // name cap, nationality, and an identifier if the query has one (namesakes and
        // gender only subtract). A candidate whose date of birth alone keeps it under the
        // threshold is dropped unscored: a bound, so hits are exactly what full scoring gives.
        let ceiling = prior
            + score::MAX_NAME
            + score::MAX_NATIONALITY
            + if q.ids.is_empty() {
                0.0
            } else {
                score::MAX_IDENTIFIER
            };
        // The survivors and their namesake counts are gathered before any is scored: the
        // records are scattered in memory, and loading them in a tight loop lets the loads
        // overlap (scoring one at a time waited for each in turn, a third of a query).
        let survivors: Vec<(u32, &Slot, u32)> = cands
            .iter()
            .filter_map(|&(s, _)| {
                if min_logit > f64::NEG_INFINITY && !q.dobs.is_empty() {
                    if let Some(SlotDob {
                        first: Some(d),
                        more: false,
                    }) = self.slot_dobs.get(s as usize)
                    {
                        if ceiling + best_dob_weight(&q.dobs, d) < min_logit {
                            return None;
                        }
                    }
                }
                let slot = self.slots.get(s as usize)?.as_ref()?;
                Some((s, slot, self.namesakes_of(slot)))
            })
            .collect();
        std::hint::black_box(
            survivors
                .iter()
                .map(|(_, slot, _)| touch(&slot.rec))
                .sum::<usize>(),
        );
        let mut memo = Memo::new(self);
        let mut scored: Vec<(f64, u32)> = survivors
            .iter()
            .filter_map(|&(s, slot, namesakes)| {
                let (l, covers) = logit_covers(q, &slot.rec, &mut memo, prior, None);
                let n = if covers {
                    namesakes.max(query_namesakes)
                } else {
                    namesakes
                };
                let l = l + namesakes_logit(n);
                (l >= min_logit).then_some((l, s))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(limit);
        scored
            .into_iter()
            .filter_map(|(l0, s)| {
                let slot = self.slots.get(s as usize)?.as_ref()?;
                if !explain {
                    return Some(Match {
                        id: slot.id.to_string(),
                        score: sigmoid(l0),
                        explanation: Vec::new(),
                    });
                }
                let mut explanation = Vec::new();
                let (mut l, covers) =
                    logit_covers(q, &slot.rec, &mut memo, prior, Some(&mut explanation));
                let own = self.namesakes_of(slot);
                let n = if covers {
                    own.max(query_namesakes)
                } else {
                    own
                };
                if n > 1 {
                    let w = namesakes_logit(n);
                    l += w;
                    explanation.push(crate::score::Feature {
                        feature: "namesakes".to_owned(),
                        contribution: w,
                        detail: if own >= query_namesakes {
                            format!("{n} records in the index carry this same name")
                        } else {
                            format!(
                                "{n} records in the index carry the name as the query writes it"
                            )
                        },
                    });
                }
                Some(Match {
                    id: slot.id.to_string(),
                    score: sigmoid(l),
                    explanation,
                })
            })
            .collect()
    }
}

/// The machine's cores (1 when unknown).
pub fn available_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .max(1)
}

/// A line of JSON Lines input that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    /// 1-based line number in the whole input.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LoadError {}

/// The id of a FollowTheMoney entity as `enlace match` reads it: its `id` string, any other
/// JSON value written out, or `line-N` when it has none.
pub fn entity_id(entity: &serde_json::Value, line: usize) -> String {
    match entity.get("id") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => format!("line-{line}"),
    }
}

/// Splits `bytes` into pieces of about `target` bytes that end at line ends.
fn line_chunks(bytes: &[u8], target: usize) -> Vec<&[u8]> {
    let target = target.max(1);
    let mut out = Vec::with_capacity(bytes.len() / target + 1);
    let mut rest = bytes;
    while !rest.is_empty() {
        let cut = if rest.len() <= target {
            rest.len()
        } else {
            rest[target..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |p| target + p + 1)
        };
        let (a, b) = rest.split_at(cut);
        out.push(a);
        rest = b;
    }
    out
}

/// Input handed to one reader thread at a time: small enough that the threads finish
/// together, large enough that handing them out costs nothing.
const PIECE: usize = 1 << 20;

/// Records read by a builder, a piece of the input at a time, in input order: their ids,
/// prepared forms, and blocking keys already split by posting shard, so that filling a
/// shard reads only its own keys (and frees them as it goes).
struct Part {
    ids: Vec<Arc<str>>,
    recs: Vec<Prepared>,
    /// Per shard: each key and the record (its index in this part) that holds it.
    keys: Vec<ShardKeys>,
}

#[derive(Default)]
struct ShardKeys {
    keys: Vec<u64>,
    recs: Vec<u32>,
}

impl Part {
    fn new() -> Part {
        Part {
            ids: Vec::new(),
            recs: Vec::new(),
            keys: (0..SHARDS).map(|_| ShardKeys::default()).collect(),
        }
    }

    fn len(&self) -> usize {
        self.recs.len()
    }

    /// Adds a prepared record; `scratch` is reused between records.
    fn push(&mut self, id: Arc<str>, rec: Prepared, scratch: &mut Vec<(u64, KeyKind)>) {
        let r = u32::try_from(self.recs.len()).unwrap_or(u32::MAX);
        scratch.clear();
        emit_keys(&rec, false, scratch);
        for &(k, _) in scratch.iter() {
            if let Some(sk) = self.keys.get_mut(shard_of(k)) {
                sk.keys.push(k);
                sk.recs.push(r);
            }
        }
        self.ids.push(id);
        self.recs.push(rec);
    }
}

/// What one reader thread made of a piece of JSON Lines: its records, the records whose
/// entity has no id (index in the part, line number in the piece), and the lines it held;
/// or the first bad line (line number in the piece, message).
type ParsedPiece = Result<(Part, Vec<(usize, usize)>, usize), (usize, String)>;

/// Parses one piece of JSON Lines (see [`IndexBuilder::add_ftm_lines`]).
fn parse_piece(piece: &[u8], interner: &Interner) -> ParsedPiece {
    let mut part = Part::new();
    let mut no_id = Vec::new();
    let mut scratch = Vec::new();
    let mut lines = 0;
    let no_id_yet: Arc<str> = Arc::from("");
    for line in piece.split(|&b| b == b'\n') {
        lines += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let entity = FtmLine::parse(line).map_err(|e| (lines, format!("not JSON: {e}")))?;
        let (id, rec) = match &entity.id {
            // Rare: written out as JSON by the `Value` path, as it always was.
            FtmId::Other => {
                let v: serde_json::Value =
                    serde_json::from_slice(line).map_err(|e| (lines, format!("not JSON: {e}")))?;
                let Some(rec) = PersonRecord::from_ftm(&v) else {
                    continue;
                };
                (Some(Arc::from(entity_id(&v, lines))), rec)
            }
            FtmId::Str(s) => {
                let Some(rec) = entity.record() else { continue };
                (Some(Arc::from(&**s)), rec)
            }
            FtmId::Missing => {
                let Some(rec) = entity.record() else { continue };
                (None, rec)
            }
        };
        let id = id.unwrap_or_else(|| {
            no_id.push((part.len(), lines));
            Arc::clone(&no_id_yet)
        });
        part.push(id, rec.prepare_in(Some(interner)), &mut scratch);
    }
    // A piece ends with its newline: the empty piece after it is not a line.
    if piece.last() == Some(&b'\n') {
        lines -= 1;
    }
    Ok((part, no_id, lines))
}

/// Reads whole lines from `reader`, about [`PIECE`] bytes at a time (a longer line whole).
struct Pieces<R> {
    reader: R,
    size: usize,
    carry: Vec<u8>,
    done: bool,
    /// A read error, reported once the whole lines read before it are handed out.
    failed: Option<std::io::Error>,
}

impl<R: std::io::Read> Iterator for Pieces<R> {
    type Item = std::io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.failed.take() {
            return Some(Err(e));
        }
        if self.done {
            return None;
        }
        let mut buf = std::mem::take(&mut self.carry);
        loop {
            let start = buf.len();
            let want = (self.size + self.size / 8).max(start + self.size / 8 + 1);
            buf.resize(want, 0);
            let n = loop {
                match self.reader.read(&mut buf[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.done = true;
                        buf.truncate(start);
                        let whole = buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
                        buf.truncate(whole);
                        if buf.is_empty() {
                            return Some(Err(e));
                        }
                        self.failed = Some(e);
                        return Some(Ok(buf));
                    }
                }
            };
            buf.truncate(start + n);
            if n == 0 {
                self.done = true;
                return (!buf.is_empty()).then_some(Ok(buf));
            }
            if buf.len() >= self.size {
                // Whole lines now; the unfinished last one waits for the next piece.
                if let Some(end) = buf.iter().rposition(|&b| b == b'\n') {
                    self.carry = buf.split_off(end + 1);
                    return Some(Ok(buf));
                }
            }
        }
    }
}

/// Builds an [`Index`] from many records at once, on several threads: records are read
/// and prepared in parallel ([`IndexBuilder::add_batch`], [`IndexBuilder::add_ftm_lines`],
/// [`IndexBuilder::add_ftm_reader`]), then [`IndexBuilder::finish`] fills the posting
/// lists, one shard of keys per thread. The index answers exactly as one built by
/// [`Index::insert`] in the same order (a later record under an id already seen replaces it).
///
/// ```
/// use enlace_match::{IndexBuilder, PersonRecord, DEFAULT_THRESHOLD};
/// let mut b = IndexBuilder::new(2);
/// b.add_batch(vec![("gt-17".into(), PersonRecord::with_name("José Luis García López"))]);
/// b.add_ftm_lines(br#"{"id":"hn-3","schema":"Person","properties":{"name":["Ana Perez"]}}"#).unwrap();
/// let index = b.finish();
/// assert_eq!(index.len(), 2);
/// assert_eq!(index.hits(&PersonRecord::with_name("Ana Peres"), DEFAULT_THRESHOLD, 5)[0].id, "hn-3");
/// ```
pub struct IndexBuilder {
    threads: usize,
    interner: Interner,
    parts: Vec<Part>,
    /// Records added so far.
    count: usize,
    /// Lines read so far by the JSON Lines readers (for error messages and `line-N` ids).
    lines: usize,
    /// Bytes of input handed to a reader thread at a time ([`PIECE`]; smaller in tests).
    piece: usize,
}

impl IndexBuilder {
    /// A builder working on `threads` threads (at least one; see [`available_threads`]).
    pub fn new(threads: usize) -> IndexBuilder {
        IndexBuilder {
            threads: threads.max(1),
            interner: Interner::default(),
            parts: Vec::new(),
            count: 0,
            lines: 0,
            piece: PIECE,
        }
    }

    /// Records added so far (an id added twice counts twice).
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Adds one record, prepared on the calling thread.
    pub fn add(&mut self, id: String, record: &PersonRecord) {
        let rec = record.prepare_in(Some(&self.interner));
        if self.parts.last().is_none_or(|p| p.len() >= 1 << 16) {
            self.parts.push(Part::new());
        }
        if let Some(p) = self.parts.last_mut() {
            p.push(id.into(), rec, &mut Vec::new());
            self.count += 1;
        }
    }

    /// Adds records, prepared in parallel, in their order.
    pub fn add_batch(&mut self, records: Vec<(String, PersonRecord)>) {
        let per = records.len().div_ceil(self.threads * 4).max(1);
        let pieces: Vec<&[(String, PersonRecord)]> = records.chunks(per).collect();
        let interner = &self.interner;
        let parts = self.run_pieces(
            pieces.into_iter().map(Ok::<_, std::convert::Infallible>),
            |piece| {
                let mut part = Part::new();
                let mut scratch = Vec::new();
                for (id, r) in piece {
                    part.push(
                        Arc::from(id.as_str()),
                        r.prepare_in(Some(interner)),
                        &mut scratch,
                    );
                }
                part
            },
        );
        // Only a panicking worker loses a piece; `add` has no error to report it with.
        if let Ok((parts, None)) = parts {
            for (_, part) in parts {
                self.count += part.len();
                self.parts.push(part);
            }
        }
    }

    /// Hands `pieces` out to the builder's threads in turn (the calling thread reads them:
    /// reading overlaps preparing) and returns what `work` made of each, in input order,
    /// with the error that stopped the input if one did. Stops handing out once a piece
    /// has failed (a bad line: nothing after it is kept).
    #[allow(clippy::type_complexity)]
    fn run_pieces<P, T, E>(
        &self,
        pieces: impl Iterator<Item = Result<P, E>>,
        work: impl Fn(P) -> T + Sync,
    ) -> Result<(Vec<(usize, T)>, Option<E>), LoadError>
    where
        P: Send,
        T: Send + Failed,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, P)>(self.threads * 2);
        let rx = std::sync::Mutex::new(rx);
        let failed = std::sync::atomic::AtomicBool::new(false);
        let mut results: Vec<(usize, T)> = Vec::new();
        let mut sent = 0;
        let mut input_error = None;
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..self.threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let next = match rx.lock() {
                                Ok(r) => r.recv(),
                                Err(_) => break,
                            };
                            let Ok((i, piece)) = next else { break };
                            let out = work(piece);
                            if out.failed() {
                                failed.store(true, std::sync::atomic::Ordering::Relaxed);
                            }
                            done.push((i, out));
                        }
                        done
                    })
                })
                .collect();
            for piece in pieces {
                if failed.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                match piece {
                    Ok(p) => {
                        if tx.send((sent, p)).is_err() {
                            break;
                        }
                        sent += 1;
                    }
                    Err(e) => {
                        input_error = Some(e);
                        break;
                    }
                }
            }
            drop(tx);
            for h in handles {
                if let Ok(done) = h.join() {
                    results.extend(done);
                }
            }
        });
        if results.len() != sent {
            return Err(LoadError {
                line: self.lines + 1,
                message: "a reader thread failed".to_owned(),
            });
        }
        results.sort_unstable_by_key(|(i, _)| *i);
        Ok((results, input_error))
    }

    /// Adds parsed pieces in order, up to the first bad line.
    fn take_parsed(&mut self, parsed: Vec<(usize, ParsedPiece)>) -> Result<usize, LoadError> {
        let mut added = 0;
        for (_, r) in parsed {
            match r {
                Ok((mut part, no_id, lines)) => {
                    for (i, l) in no_id {
                        if let Some(id) = part.ids.get_mut(i) {
                            *id = format!("line-{}", self.lines + l).into();
                        }
                    }
                    self.lines += lines;
                    added += part.len();
                    self.count += part.len();
                    self.parts.push(part);
                }
                Err((l, message)) => {
                    return Err(LoadError {
                        line: self.lines + l,
                        message,
                    })
                }
            }
        }
        Ok(added)
    }

    /// Adds the persons of FollowTheMoney JSON Lines (whole lines; blank lines skipped,
    /// entities without anything matchable skipped), parsed and prepared in parallel. Ids as
    /// [`entity_id`] reads them. A line that is not JSON stops the load and is named (line
    /// numbers count every line given to this builder so far). Returns the records added.
    pub fn add_ftm_lines(&mut self, bytes: &[u8]) -> Result<usize, LoadError> {
        let pieces = line_chunks(bytes, self.piece.min(bytes.len() / (self.threads * 4) + 1));
        let interner = &self.interner;
        let (parsed, _) = self.run_pieces(
            pieces.into_iter().map(Ok::<_, std::convert::Infallible>),
            |piece| parse_piece(piece, interner),
        )?;
        self.take_parsed(parsed)
    }

    /// [`IndexBuilder::add_ftm_lines`] over a reader, a piece of about a MiB at a time read
    /// on the calling thread while the builder's threads parse the pieces before it, so
    /// that the whole input is never held in memory. Returns the records added.
    pub fn add_ftm_reader(&mut self, reader: impl std::io::Read) -> Result<usize, LoadError> {
        let pieces = Pieces {
            reader,
            size: self.piece,
            carry: Vec::new(),
            done: false,
            failed: None,
        };
        let interner = &self.interner;
        let (parsed, input_error) =
            self.run_pieces(pieces, |piece| parse_piece(&piece, interner))?;
        let added = self.take_parsed(parsed)?;
        match input_error {
            Some(e) => Err(LoadError {
                line: self.lines + 1,
                message: e.to_string(),
            }),
            None => Ok(added),
        }
    }

    /// The index, its posting lists filled in parallel.
    pub fn finish(self) -> Index {
        let IndexBuilder {
            threads,
            interner,
            parts,
            count,
            ..
        } = self;
        // The records go to one task (ids, namesake groups, dates, slots), each shard of
        // keys to another; the threads take the tasks in turn, the records' first.
        let mut records: Vec<(Vec<Arc<str>>, Vec<Prepared>)> = Vec::with_capacity(parts.len());
        let mut by_shard: Vec<Vec<(u32, ShardKeys)>> = (0..SHARDS).map(|_| Vec::new()).collect();
        let mut base = 0u32;
        for part in parts {
            let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
            for (sh, keys) in by_shard.iter_mut().zip(part.keys) {
                sh.push((base, keys));
            }
            records.push((part.ids, part.recs));
            base = base.saturating_add(len);
        }
        let records = std::sync::Mutex::new(Some(records));
        let by_shard: Vec<std::sync::Mutex<Vec<(u32, ShardKeys)>>> =
            by_shard.into_iter().map(std::sync::Mutex::new).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut ix: Option<(Index, Replaced)> = None;
        let mut shards: Vec<(usize, IdMap<Posting>)> = Vec::with_capacity(SHARDS);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads.min(SHARDS + 1))
                .map(|_| {
                    s.spawn(|| {
                        let mut built = None;
                        let mut maps = Vec::new();
                        loop {
                            let task = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if task == 0 {
                                let recs = records.lock().ok().and_then(|mut r| r.take());
                                built = Some(index_records(recs.unwrap_or_default(), count));
                            } else if let Some(cell) = by_shard.get(task - 1) {
                                let pieces = cell.lock().map(|mut p| std::mem::take(&mut *p));
                                maps.push((task - 1, fill_shard(pieces.unwrap_or_default())));
                            } else {
                                break;
                            }
                        }
                        (built, maps)
                    })
                })
                .collect();
            for h in handles {
                if let Ok((built, maps)) = h.join() {
                    if built.is_some() {
                        ix = built;
                    }
                    shards.extend(maps);
                }
            }
        });
        let (mut ix, replaced) = ix.unwrap_or_default();
        ix.interner = interner;
        for (sh, m) in shards {
            if let Some(cell) = ix.postings.0.get_mut(sh) {
                *cell = m;
            }
        }
        // Records replaced by a later one under the same id (rare): their keys leave the
        // posting lists, as `insert` would have removed them.
        for (slot, keys) in replaced {
            for k in keys {
                ix.postings.remove(k, slot);
            }
        }
        ix
    }
}

/// Slots of records replaced by a later one under the same id, with their blocking keys.
type Replaced = Vec<(u32, Vec<u64>)>;

/// The record side of [`IndexBuilder::finish`]: slots, ids, namesake groups and dates, and
/// the slots (with their keys) of records replaced by a later one under the same id.
fn index_records(parts: Vec<(Vec<Arc<str>>, Vec<Prepared>)>, count: usize) -> (Index, Replaced) {
    let mut ix = Index::default();
    ix.by_id.reserve(count);
    let mut replaced: Vec<u32> = Vec::new();
    let mut slot = 0u32;
    for (ids, _) in &parts {
        for id in ids {
            if let Some(old) = ix.by_id.insert(Arc::clone(id), slot) {
                // An id seen before: the later record replaces it, as with `insert`.
                replaced.push(old);
                ix.free.push(old);
            }
            slot = slot.saturating_add(1);
        }
    }
    replaced.sort_unstable();
    let mut replaced_keys = Vec::with_capacity(replaced.len());
    ix.slots.reserve_exact(count);
    ix.slot_dobs.reserve_exact(count);
    let mut slot = 0u32;
    for (ids, recs) in parts {
        for (id, rec) in ids.into_iter().zip(recs) {
            if replaced.binary_search(&slot).is_ok() {
                let mut keys = Vec::new();
                emit_keys(&rec, false, &mut keys);
                replaced_keys.push((slot, keys.into_iter().map(|(k, _)| k).collect()));
                ix.slots.push(None);
                ix.slot_dobs.push(SlotDob::default());
            } else {
                let gs: Vec<u32> = name_keys(&rec)
                    .into_iter()
                    .map(|k| ix.join_group(k))
                    .collect();
                ix.slot_dobs.push(SlotDob {
                    first: rec.dobs.first().copied(),
                    more: rec.dobs.len() > 1,
                });
                ix.slots.push(Some(Slot {
                    id,
                    rec,
                    names: match gs.as_slice() {
                        [g] => Groups::One(*g),
                        _ => Groups::Many(gs.into_boxed_slice()),
                    },
                }));
            }
            slot = slot.saturating_add(1);
        }
    }
    (ix, replaced_keys)
}

/// One shard's posting lists, from its keys in slot order (so each list comes out sorted,
/// as `insert` leaves it); the keys are freed as they are used.
fn fill_shard(pieces: Vec<(u32, ShardKeys)>) -> IdMap<Posting> {
    let mut m: IdMap<Posting> = IdMap::default();
    for (base, sk) in pieces {
        for (&k, &r) in sk.keys.iter().zip(&sk.recs) {
            let slot = base.saturating_add(r);
            m.entry(k)
                .and_modify(|p| p.push(slot))
                .or_insert(Posting::One(slot));
        }
    }
    m
}

/// A part that holds a failure (see [`IndexBuilder::run_pieces`]).
trait Failed {
    fn failed(&self) -> bool;
}

impl Failed for Part {
    fn failed(&self) -> bool {
        false
    }
}

impl Failed for ParsedPiece {
    fn failed(&self) -> bool {
        self.is_err()
    }
}

impl Index {
    /// Builds an index of `records` on `threads` threads (see [`IndexBuilder`]).
    pub fn build_parallel(records: Vec<(String, PersonRecord)>, threads: usize) -> Index {
        let mut b = IndexBuilder::new(threads);
        b.add_batch(records);
        b.finish()
    }

    /// Records, distinct name tokens, posting keys and posting entries: what the index
    /// holds, to state its memory per record.
    pub fn stats(&self) -> IndexStats {
        let (keys, entries) = self.postings.0.iter().fold((0, 0), |(k, e), m| {
            (
                k + m.len(),
                e + m.values().map(|p| p.as_slice().len()).sum::<usize>(),
            )
        });
        IndexStats {
            records: self.len(),
            distinct_tokens: self.interner.len(),
            posting_keys: keys,
            posting_entries: entries,
        }
    }
}

/// What an index holds (see [`Index::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IndexStats {
    pub records: usize,
    pub distinct_tokens: usize,
    pub posting_keys: usize,
    pub posting_entries: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ident::IdKind;

    fn assert_send_sync<T: Send + Sync>() {}

    /// The name-pair keys two names share.
    fn shared_pairs(a: &str, b: &str) -> usize {
        let keys = |n: &str, query: bool| {
            let mut out = Vec::new();
            emit_keys(&PersonRecord::with_name(n).prepare(), query, &mut out);
            out.into_iter()
                .filter(|k| k.1 == KeyKind::Pair)
                .map(|k| k.0)
                .collect::<std::collections::HashSet<u64>>()
        };
        keys(a, true).intersection(&keys(b, false)).count()
    }

    #[test]
    fn a_chinese_name_with_a_respelt_syllable_shares_a_pair_key() {
        // Chih (a slip on Wade-Giles chieh) breaks Jiemin's key; Min and Tsai / Cai remain.
        assert!(shared_pairs("Chih Min Tsai", "Jiemin Cai") > 0);
        assert!(shared_pairs("Khuan Ling Yeh", "Quanling Ye") > 0);
        // A name that does not read as Chinese throughout is not cut into syllables.
        assert_eq!(shared_pairs("Ana Lopez", "Mariana Lopez"), 0);
    }

    /// A generated corpus indexed, and its queries as the matcher reads them.
    fn synth_index(seed: u64, persons: usize, queries: usize) -> (Index, Vec<PersonRecord>) {
        let corpus = crate::synth::generate(&crate::synth::Config {
            seed,
            persons,
            queries,
        });
        let mut ix = Index::new();
        for r in &corpus.records {
            if let Some(p) = PersonRecord::from_ftm(r) {
                ix.insert(r["id"].as_str().unwrap_or_default().to_string(), &p);
            }
        }
        let queries = corpus
            .queries
            .iter()
            .filter_map(PersonRecord::from_ftm)
            .collect();
        (ix, queries)
    }

    #[test]
    fn index_is_send_sync() {
        assert_send_sync::<Index>();
    }

    #[test]
    fn skipping_hopeless_candidates_changes_no_hit() {
        let (ix, queries) = synth_index(3, 3000, 400);
        for p in &queries {
            for threshold in [0.05, 0.5] {
                let pruned: Vec<(String, f64)> = ix
                    .hits(p, threshold, 20)
                    .into_iter()
                    .map(|m| (m.id, m.score))
                    .collect();
                let full: Vec<(String, f64)> = ix
                    .query(p, 64)
                    .into_iter()
                    .filter(|m| m.score >= threshold)
                    .take(20)
                    .map(|m| (m.id, m.score))
                    .collect();
                assert_eq!(pruned, full, "{p:?}");
            }
        }
    }

    #[test]
    fn a_matching_birth_date_is_not_crowded_out_by_namesakes() {
        let mut ix = Index::new();
        // More namesakes than candidates get fully scored, all born on other days.
        for i in 0..(MAX_CANDIDATES + 40) {
            let dob = format!("{}-{:02}-{:02}", 1950 + i % 40, 1 + i % 12, 1 + i % 28);
            ix.insert(
                format!("n{i}"),
                &PersonRecord::with_name("Juan Carlos Pérez García").birth_date(&dob),
            );
        }
        // The person sought: surnames misspelt, second given name missing.
        ix.insert(
            "t".into(),
            &PersonRecord::with_name("Juan Peres Garsia").birth_date("1977-06-21"),
        );
        let q = PersonRecord::with_name("Juan Carlos Pérez García").birth_date("1977-06-21");
        let hits = ix.hits(&q, crate::DEFAULT_THRESHOLD, 5);
        assert_eq!(hits.first().map(|m| m.id.as_str()), Some("t"), "{hits:#?}");
    }

    #[test]
    fn namesakes_weaken_a_name_many_records_share() {
        let mut ix = Index::new();
        ix.insert("u".into(), &PersonRecord::with_name("Yeison Zúñiga Tzul"));
        for i in 0..3 {
            ix.insert(
                format!("n{i}"),
                &PersonRecord::with_name("Juan Pérez Gómez"),
            );
        }
        let unique = ix.query(&PersonRecord::with_name("Yeison Zuniga Tzul"), 5);
        let shared = ix.query(&PersonRecord::with_name("Juan Perez Gomez"), 5);
        assert_eq!(shared.len(), 3);
        let f = shared[0]
            .explanation
            .iter()
            .find(|f| f.feature == "namesakes")
            .map(|f| (f.contribution, f.detail.clone()));
        let (w, detail) = f.unwrap_or_default();
        assert!((w + 3f64.ln()).abs() < 1e-9, "{w}");
        assert!(detail.starts_with("3 records"), "{detail}");
        assert!(unique[0]
            .explanation
            .iter()
            .all(|f| f.feature != "namesakes"));
        // Removing records brings the count down.
        ix.remove("n0");
        ix.remove("n1");
        let alone = ix.query(&PersonRecord::with_name("Juan Perez Gomez"), 5);
        assert!(alone[0]
            .explanation
            .iter()
            .all(|f| f.feature != "namesakes"));
        assert!(alone[0].score > shared[0].score);
    }

    #[test]
    fn a_batch_answers_each_query_in_order_as_one_at_a_time() {
        let (ix, queries) = synth_index(5, 400, 300);
        // More queries than one chunk per core, so chunks come back out of order.
        assert!(queries.len() > 4 * 32);
        let batch = ix.hits_many(&queries, crate::DEFAULT_THRESHOLD, 5);
        assert_eq!(batch.len(), queries.len());
        for (q, got) in queries.iter().zip(&batch) {
            let got: Vec<(&str, f64)> = got.iter().map(|m| (m.id.as_str(), m.score)).collect();
            let want: Vec<(String, f64)> = ix
                .hits(q, crate::DEFAULT_THRESHOLD, 5)
                .into_iter()
                .map(|m| (m.id, m.score))
                .collect();
            let want: Vec<(&str, f64)> = want.iter().map(|(i, s)| (i.as_str(), *s)).collect();
            assert_eq!(got, want);
        }
        // Every feature an explanation names is one pages know how to translate.
        for q in &queries {
            for m in ix.query(q, 10) {
                for f in &m.explanation {
                    assert!(
                        crate::FEATURES.contains(&f.feature.as_str()),
                        "{}",
                        f.feature
                    );
                }
            }
        }
    }

    #[test]
    fn a_misspelt_record_of_a_common_name_shares_its_namesakes() {
        let mut ix = Index::new();
        for (i, dob) in ["1951-01-02", "1963-09-17", "1970-03-04", "1988-12-30"]
            .iter()
            .enumerate()
        {
            ix.insert(
                format!("n{i}"),
                &PersonRecord::with_name("Deepak Sharma").birth_date(dob),
            );
        }
        ix.insert(
            "typo".into(),
            &PersonRecord::with_name("Depak Sharma").birth_date("1952-01-27"),
        );
        let hits = ix.query(&PersonRecord::with_name("Deepak Sharma"), 10);
        let typo = hits.iter().find(|m| m.id == "typo");
        let f = typo.and_then(|m| m.explanation.iter().find(|f| f.feature == "namesakes"));
        let (w, detail) = f
            .map(|f| (f.contribution, f.detail.clone()))
            .unwrap_or_default();
        assert!((w + 4f64.ln()).abs() < 1e-9, "{w}");
        assert!(detail.contains("as the query writes it"), "{detail}");
        // The misspelt record does not outrank the records spelt as asked.
        let exact = hits.iter().find(|m| m.id == "n0").map(|m| m.score);
        assert!(typo.map(|m| m.score) <= exact, "{hits:#?}");
        // A record without a part of the query's name (another given name) is not one of
        // its namesakes: it keeps its own count.
        ix.insert(
            "other".into(),
            &PersonRecord::with_name("Rakesh Sharma").birth_date("1963-09-17"),
        );
        let hits = ix.query(
            &PersonRecord::with_name("Deepak Sharma").birth_date("1963-09-17"),
            10,
        );
        let other = hits.iter().find(|m| m.id == "other");
        assert!(
            other.is_some_and(|m| m.explanation.iter().all(|f| f.feature != "namesakes")),
            "{other:#?}"
        );
    }

    #[test]
    fn a_freed_namesake_group_is_reused_for_another_name() {
        let mut ix = Index::new();
        let name = |n: &str| PersonRecord::with_name(n);
        ix.insert("a".into(), &name("Rosa Tzul Pop"));
        ix.insert("b".into(), &name("Rosa Tzul Pop"));
        ix.remove("a");
        ix.remove("b");
        // The group "Rosa Tzul Pop" held is free: the next new name takes it over.
        ix.insert("c".into(), &name("Ixchel Caal Choc"));
        ix.insert("d".into(), &name("Rosa Tzul Pop"));
        fn count(ix: &Index, id: &str) -> Option<u32> {
            let slot = ix
                .by_id
                .get(id)
                .and_then(|&s| ix.slots[s as usize].as_ref());
            slot.map(|s| ix.namesakes_of(s))
        }
        assert_eq!(count(&ix, "c"), Some(1));
        assert_eq!(count(&ix, "d"), Some(1));
        ix.insert("e".into(), &name("Ixchel Caal Choc"));
        assert_eq!(count(&ix, "c"), Some(2));
        assert_eq!(count(&ix, "d"), Some(1));
        assert_eq!(
            ix.group_counts.len(),
            2,
            "freed groups are reused, not leaked"
        );
    }

    #[test]
    fn insert_query_remove() {
        let mut ix = Index::new();
        ix.insert(
            "a".into(),
            &PersonRecord::with_name("José Luis García López").birth_date("1985-03-12"),
        );
        ix.insert(
            "b".into(),
            &PersonRecord::with_name("María Elena García López").birth_date("1988-06-02"),
        );
        ix.insert(
            "c".into(),
            &PersonRecord::with_name("Ana Pérez").identifier(
                IdKind::Phone,
                "5555 1234",
                Some("gt"),
            ),
        );
        assert_eq!(ix.len(), 3);
        let q = PersonRecord::with_name("Jose Luis Garsia").birth_date("1985-12-03");
        let hits = ix.hits(&q, crate::DEFAULT_THRESHOLD, 10);
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].id, "a");
        let phone = PersonRecord::default().identifier(IdKind::Phone, "+502 5555 1234", None);
        assert_eq!(ix.hits(&phone, crate::DEFAULT_THRESHOLD, 10)[0].id, "c");
        assert!(ix.remove("a"));
        assert!(!ix.remove("a"));
        assert!(ix.hits(&q, crate::DEFAULT_THRESHOLD, 10).is_empty());
        // Replacing a record under the same id re-indexes it.
        ix.insert("c".into(), &PersonRecord::with_name("Ana Pérez"));
        assert!(ix.hits(&phone, crate::DEFAULT_THRESHOLD, 10).is_empty());
        assert_eq!(ix.len(), 2);
    }

    #[test]
    fn a_parallel_build_answers_as_inserting_one_by_one() {
        let corpus = crate::synth::generate(&crate::synth::Config {
            seed: 11,
            persons: 1500,
            queries: 300,
        });
        let mut text = Vec::new();
        for r in &corpus.records {
            text.extend_from_slice(r.to_string().as_bytes());
            text.push(b'\n');
        }
        // An id seen twice: the later record wins, in both builds.
        let dup = serde_json::json!({"id": corpus.records[3]["id"], "schema": "Person",
            "properties": {"name": ["Wen Zhang"], "birthDate": ["1990-01-02"]}});
        text.extend_from_slice(format!("\n{dup}\n").as_bytes());
        let mut seq = Index::new();
        for r in corpus.records.iter().chain([&dup]) {
            if let Some(p) = PersonRecord::from_ftm(r) {
                seq.insert(r["id"].as_str().unwrap_or_default().to_string(), &p);
            }
        }
        let queries: Vec<PersonRecord> = corpus
            .queries
            .iter()
            .filter_map(PersonRecord::from_ftm)
            .collect();
        for threads in [1, 2, 3] {
            let mut b = IndexBuilder::new(threads);
            // Fed in two uneven pieces, the second through a reader.
            let cut = text.len() / 3;
            let cut = cut + text[cut..].iter().position(|&c| c == b'\n').unwrap_or(0) + 1;
            b.add_ftm_lines(&text[..cut]).unwrap();
            b.add_ftm_reader(&text[cut..]).unwrap();
            let par = b.finish();
            assert_eq!(par.len(), seq.len());
            assert_eq!(par.stats().posting_keys, seq.stats().posting_keys);
            assert_eq!(par.stats().posting_entries, seq.stats().posting_entries);
            let a = par.hits_many_on(&queries, 0.05, 10, threads);
            let b = seq.hits_many(&queries, 0.05, 10);
            let ids = |v: &Vec<Vec<Match>>| -> Vec<Vec<(String, u64)>> {
                v.iter()
                    .map(|m| {
                        m.iter()
                            .map(|m| (m.id.clone(), m.score.to_bits()))
                            .collect()
                    })
                    .collect()
            };
            assert_eq!(ids(&a), ids(&b), "{threads} threads");
            let q = PersonRecord::with_name("Wen Zhang").birth_date("1990-01-02");
            assert_eq!(par.hits(&q, 0.5, 1)[0].id, corpus.records[3]["id"]);
        }
        // From records in memory too.
        let recs: Vec<(String, PersonRecord)> = corpus
            .records
            .iter()
            .filter_map(|r| Some((r["id"].as_str()?.to_string(), PersonRecord::from_ftm(r)?)))
            .collect();
        assert_eq!(Index::build_parallel(recs, 2).len(), corpus.records.len());
    }

    /// A reader that hands out a few bytes at a time, then fails if told to.
    struct Trickle<'a> {
        rest: &'a [u8],
        fail_at_end: bool,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.rest.is_empty() && self.fail_at_end {
                return Err(std::io::Error::other("disk gone"));
            }
            let n = buf.len().min(777).min(self.rest.len());
            buf[..n].copy_from_slice(&self.rest[..n]);
            self.rest = &self.rest[n..];
            Ok(n)
        }
    }

    #[test]
    fn many_small_pieces_read_as_one() {
        let corpus = crate::synth::generate(&crate::synth::Config {
            seed: 4,
            persons: 400,
            queries: 50,
        });
        let mut text = Vec::new();
        for (i, r) in corpus.records.iter().enumerate() {
            let mut r = r.clone();
            if i % 7 == 0 {
                // No id: named by its line.
                r.as_object_mut().map(|o| o.remove("id"));
            }
            text.extend_from_slice(r.to_string().as_bytes());
            text.extend_from_slice(if i % 5 == 0 { b"\n\n" } else { b"\n" });
        }
        let whole = {
            let mut b = IndexBuilder::new(1);
            b.add_ftm_lines(&text).unwrap();
            b.finish()
        };
        let ids = |ix: &Index| {
            let mut v: Vec<String> = ix.by_id.keys().map(|k| k.to_string()).collect();
            v.sort();
            v
        };
        assert!(ids(&whole).contains(&"line-1".to_owned()));
        for threads in [1, 3] {
            let mut b = IndexBuilder::new(threads);
            b.piece = 300;
            let n = b
                .add_ftm_reader(Trickle {
                    rest: &text,
                    fail_at_end: false,
                })
                .unwrap();
            assert_eq!(n, whole.len());
            let ix = b.finish();
            assert_eq!(ids(&ix), ids(&whole));
            assert_eq!(ix.stats(), whole.stats());
        }
        // A bad line deep in the input is named by its line in the whole input.
        let lines_before = text.iter().filter(|&&c| c == b'\n').count();
        let mut bad = text.clone();
        bad.extend_from_slice(b"{\"id\":\"x\",\"properties\":{\"name\":[\"Ana\"]}\n");
        bad.extend_from_slice(&text);
        for threads in [1, 2] {
            let mut b = IndexBuilder::new(threads);
            b.piece = 500;
            let err = b
                .add_ftm_reader(Trickle {
                    rest: &bad,
                    fail_at_end: false,
                })
                .unwrap_err();
            assert_eq!(err.line, lines_before + 1, "{err}");
            assert!(
                err.message.starts_with("not JSON: EOF while parsing"),
                "{err}"
            );
        }
        // A reader that fails is reported, after the lines before it.
        let mut b = IndexBuilder::new(2);
        b.piece = 1000;
        let err = b
            .add_ftm_reader(Trickle {
                rest: &text,
                fail_at_end: true,
            })
            .unwrap_err();
        assert_eq!(err.message, "disk gone");
        assert_eq!(b.len(), whole.len());
    }

    #[test]
    fn a_bad_line_is_named_and_ids_default_to_the_line() {
        let mut b = IndexBuilder::new(2);
        let text = b"{\"schema\":\"Person\",\"properties\":{\"name\":[\"Ana Lopez\"]}}\n\n{\"id\":7,\"properties\":{\"name\":[\"Rosa Tzul\"]}}\n";
        assert_eq!(b.add_ftm_lines(text), Ok(2));
        let err = b.add_ftm_lines(b"{\"id\":\"x\"}\n{nope\n").unwrap_err();
        assert_eq!(err.line, 5, "{err}");
        let ix = b.finish();
        assert!(ix.contains("line-1"));
        assert!(ix.contains("7"));
    }
}
