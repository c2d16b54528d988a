//! Entities (FollowTheMoney-shaped) inside case files. They take their case's distribution;
//! every read goes through the visibility predicate.
use crate::cases::{corrupt, Sharing};
use crate::db::{new_id, Tx, Q};
use crate::visibility::Viewer;
use crate::StoreError;
use enlace_domain::ftm::Properties;
use enlace_domain::{Country, Distribution, DistributionLevel, Evaluation, Handling};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Entity {
    pub id: String,
    pub case_id: String,
    pub owner_country: Country,
    pub schema: String,
    pub caption: String,
    pub properties: Properties,
    pub distribution: Distribution,
    pub handling: Handling,
    pub evaluation: Evaluation,
    pub sensitive: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

pub(crate) const COLS: &str = "e.id, e.case_id, e.owner_country, e.schema, e.caption, e.properties, e.dist_level, e.handling, e.evaluation, e.sensitive, e.created_by, e.created_at, e.updated_at, e.version";

pub(crate) fn from_row(
    r: &AnyRow,
    countries: Vec<Country>,
    keys: Option<&crate::records::RecordKeys>,
) -> crate::Result<Entity> {
    let sh = Sharing::from_row(r, countries)?;
    let props: String = r.try_get("properties")?;
    let mut e = Entity {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        owner_country: sh.owner,
        schema: r.try_get("schema")?,
        caption: r.try_get("caption")?,
        properties: serde_json::from_str(&props).map_err(|_| corrupt("properties"))?,
        distribution: sh.distribution,
        handling: sh.handling,
        evaluation: sh.evaluation,
        sensitive: sh.sensitive,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    };
    // A sensitive entity's identifying values are sealed at rest (see records.rs).
    crate::records::open_stored_entity(keys, &mut e)?;
    Ok(e)
}

/// What a new entity is: the case decides owner and sharing.
pub struct NewEntity<'a> {
    pub case: &'a crate::cases::Case,
    pub schema: &'a str,
    pub caption: &'a str,
    pub properties: &'a Properties,
    /// Entity references already resolved to visible entity ids: (property, target id).
    pub refs: &'a [(String, String)],
    /// Search terms (normalised by the caller).
    pub terms: &'a [String],
}

/// One entity of a bulk insert.
#[derive(Debug, Clone)]
pub struct BulkEntity {
    pub id: String,
    pub schema: String,
    pub caption: String,
    pub properties: Properties,
    /// `properties` as stored (JSON), made by the caller off the writing task.
    pub json: String,
    pub refs: Vec<(String, String)>,
    pub terms: Vec<String>,
}

/// The separator of the text lists a bulk insert sends to PostgreSQL (unit separator: JSON
/// escapes it, and a field that holds one sends the batch as JSON instead).
const SEP: char = '\u{1f}';

/// The separator of an entity's own terms inside one field of a bulk insert's lists
/// (record separator; see [`SEP`]).
const TERM_SEP: &str = "\u{1e}";

/// The terms of one entity as stored: non-empty, at most 200 bytes, each once, in order.
pub(crate) fn kept_terms<T: AsRef<str>>(terms: &[T]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    terms
        .iter()
        .map(AsRef::as_ref)
        .filter(|t| !t.is_empty() && t.len() <= 200 && seen.insert(*t))
        .collect()
}

/// `items` as one text, each preceded by [`SEP`] (see `insert_entities_bulk`).
fn joined<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for i in items {
        out.push(SEP);
        out.push_str(i);
    }
    out
}

/// A single search word with more term-index entries than this takes the broad plan.
const BROAD_WORD: i64 = 5_000;
/// A search of several words reads its rarest word's entity ids from the term index (one
/// aggregate row) when the word has at most this many entries (else the SQL plan answers).
const WORD_READ_MAX: i64 = 250_000;
/// A search word's entries are first counted up to this many.
const FIRST_COUNT: i64 = 20_000;
/// A further word is looked up on the candidates left (one index seek each) rather than read
/// when it has at least this many entries per candidate: measured at a million persons, a
/// seek on a candidate costs about as much as reading this many entries of a range, on both
/// engines (SQLite ~3 µs against ~0.15 µs, PostgreSQL ~5.6 µs against ~0.29 µs): each
/// candidate lands on its own page of the index, a range is read page after page.
const PROBE_COST: i64 = 20;
/// At most this many candidates are looked up that way (else the word is read; one too
/// broad to read is looked up on however many there are), in statements of this many.
const PROBE_MAX: usize = 30_000;
const PROBE_CHUNK: usize = 5_000;
/// From this many candidates on, a lookup's statements are split in two halves that may run
/// on two connections at once (`Tx::fetch_all_spread`): below, a second statement costs
/// more than it saves.
const SPREAD_MIN: usize = 200;
/// A broad one-word search whose prefix covers at most this many stored terms is answered
/// by merging each term's newest postings (one short walk per term); beyond, by walking the
/// entities newest first. Surnames and particles («del»: DEL, DELGADO, DELEON…) cover a few
/// dozen; on PostgreSQL the walk took 120 ms where 17 merged walks take a few.
const MERGED_TERMS_MAX: i64 = 64;
/// A broad one-word search whose prefix covers more stored terms than this, and at most
/// `PICK_MAX` entries, reads the range whole and picks its newest visible entities
/// (`Tx::newest_of_range`); fewer terms are merged.
const PICK_FROM_TERMS: i64 = 8;
const PICK_MAX: i64 = 100_000;
/// The newest candidates of such a read checked for visibility at first (then four times
/// as many at a time).
const PICK_SLICE: usize = 400;
/// At most this many candidates go along with a read on PostgreSQL to be kept there
/// (`Tx::word_ids`): their hash stays well within the backend's working memory.
const AMONG_MAX: usize = 20_000;
/// A walk of the newest entities for words too broad to read (`Tx::walk_newest`) looks at
/// this many at most, hidden ones included.
const WALK_MAX: i64 = 100_000;
/// A read of a word's ids that may go further than this is made in two halves.
const SPLIT_READ_MIN: i64 = 20_000;

/// `SELECT COUNT(*) AS n`: the term-index entries that start with `word`, counted no
/// further than `cap`.
fn range_count(word: &str, cap: i64) -> Q {
    let mut q = Q::new("SELECT COUNT(*) AS n FROM (SELECT 1 FROM entity_terms t WHERE t.term >= ");
    q.bind(word)
        .push(" AND t.term < ")
        .bind(format!("{word}\u{10FFFF}"))
        .push(" LIMIT ")
        .bind(cap)
        .push(") c");
    q
}

/// Where the terms that continue `word` divide about in half: at «m» for lower-case words,
/// «M» for the upper-case sound keys, «5» for digits (phones, documents, dates).
fn middle_of_alphabet(word: &str) -> char {
    if word.chars().any(|c| c.is_lowercase()) {
        'm'
    } else if word.chars().any(|c| c.is_uppercase()) {
        'M'
    } else {
        '5'
    }
}

/// The ids in these comma-separated lists. Platform ids are 32 characters, so a list of them
/// is cut at every 33rd byte without searching for the commas (a common word's list holds
/// 200,000); any other list is split on its commas.
fn listed_ids(parts: &[String]) -> impl Iterator<Item = &str> {
    parts.iter().flat_map(|p| {
        let b = p.as_bytes();
        let fixed = (b.len() + 1) % 33 == 0 && b.iter().skip(32).step_by(33).all(|&c| c == b',');
        let (fixed_ids, other) = if fixed {
            (p.as_str(), "")
        } else {
            ("", p.as_str())
        };
        (0..fixed_ids.len() / 33 + usize::from(!fixed_ids.is_empty()))
            .filter_map(move |k| fixed_ids.get(k * 33..k * 33 + 32))
            .chain(other.split(',').filter(|x| !x.is_empty()))
    })
}

/// Candidate ids in statements of at most `PROBE_CHUNK`, in two halves from `SPREAD_MIN` on.
fn probe_chunks<'a, 'b>(ids: &'a [&'b str]) -> Vec<&'a [&'b str]> {
    if ids.len() < SPREAD_MIN {
        return ids.chunks(PROBE_CHUNK).collect();
    }
    let (a, b) = ids.split_at(ids.len() / 2);
    a.chunks(PROBE_CHUNK).chain(b.chunks(PROBE_CHUNK)).collect()
}
/// Words' sizes (capped), each beside its index in the search, rarest first: ties at the cap
/// broken by the whole size where known (`whole`), then by the word's place.
fn rarest_first(capped: &[i64], whole: &[Option<i64>], planned: &[usize]) -> Vec<(i64, usize)> {
    let mut sizes: Vec<(i64, i64, usize)> = capped
        .iter()
        .zip(whole)
        .zip(planned)
        .map(|((&n, w), &i)| (n, w.unwrap_or(n).max(n), i))
        .collect();
    sizes.sort_unstable();
    sizes.into_iter().map(|(n, _, i)| (n, i)).collect()
}

/// Broad searches count their matches up to this many ("more than 1,000").
pub const SEARCH_COUNT_CAP: i64 = 1_000;

/// Term-range sizes for search plans, shared by the store's transactions. A size only
/// chooses which word is read first and how the others are checked — every plan answers the
/// same, and every read stops at its limit — so a size somewhat out of date will do.
///
/// Two sources. The term table ([`TermTable`], read in the background by
/// [`crate::Store::refresh_term_sizes`]) knows the size of every word that starts with a
/// letter or a sound mark at once, from the first search after a start: without it a fresh
/// server counts each broad word of a name up to 250,000 entries the first time it is asked
/// (its slowest searches), and the sizes it learns say which common words were searched
/// lately. Other words (digits: phones, documents, dates, near-unique) and any word while
/// the table is missing or out of date are counted and remembered a while: only broad words
/// (common names, not what identifies anyone), at most `SIZES_KEPT`, for `SIZES_FOR`.
#[derive(Debug, Default)]
pub(crate) struct TermSizes {
    learnt: std::sync::Mutex<std::collections::HashMap<String, (i64, i64, std::time::Instant)>>,
    table: std::sync::RwLock<Option<Arc<TermTable>>>,
    /// Term-index rows added or removed since the process started (the table's age).
    written: std::sync::atomic::AtomicU64,
    /// When rows were last written, in ms since the process started plus one (0: never).
    last_write_ms: std::sync::atomic::AtomicU64,
    started: std::sync::OnceLock<std::time::Instant>,
}
const SIZES_KEPT: usize = 4_096;
const SIZES_FOR: std::time::Duration = std::time::Duration::from_secs(300);
/// The table is used while the rows written since it was read are at most a tenth of its
/// entries, and at least this many.
const TABLE_SLACK_MIN: u64 = 10_000;
/// The table is read anew only once the term index has been this quiet (an import is not
/// slowed by reading it again and again).
pub const TABLE_QUIET: std::time::Duration = std::time::Duration::from_secs(5);
/// A table of more terms than this is not kept (memory stays bounded whatever is stored:
/// about 20 bytes a term).
const TABLE_TERMS_MAX: usize = 4_000_000;
/// Once written to, the table is read again when half its slack is used, or after this
/// long (a user's few new records do not make the server read the whole index each time).
const TABLE_AGE_MAX_MS: u64 = 10 * 60 * 1_000;
/// What a retention purge counts as written (its terms go by cascade, uncounted): enough
/// to put any table out of date.
pub(crate) const PURGED: u64 = 1 << 40;

/// Every stored term that starts with a letter or a sound mark, in byte order (the term
/// index's collation), with the entries before it: the size of any such word's range is two
/// binary searches. Terms that start with a digit or a sign are left out: they are mostly
/// one entity each (a phone, a document) and would be most of the table.
#[derive(Debug, Default)]
pub(crate) struct TermTable {
    /// The terms, one after another.
    text: String,
    /// Where each term ends in `text`.
    ends: Vec<u32>,
    /// `cum[i]`: the entries of the terms before the i-th (one more than the terms).
    cum: Vec<u64>,
    /// `TermSizes::written` when it was read.
    written_at: u64,
    /// `TermSizes::now_ms` when it was read.
    read_ms: u64,
    /// False when there were too many terms to keep: it then answers nothing (and is read
    /// again only as a kept one would be).
    kept: bool,
}

/// The first term the table holds: digits and signs sort before it.
const TABLE_FROM: &str = ":";

impl TermTable {
    fn term(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }

    /// Entries of the terms that start with `word` (None for a word the table leaves out).
    fn range(&self, word: &str) -> Option<u64> {
        if !self.kept || word.is_empty() || word < TABLE_FROM {
            return None;
        }
        let n = self.ends.len();
        let lo = partition(n, |i| self.term(i) < word);
        let hi = lo + partition(n - lo, |i| self.term(lo + i).starts_with(word));
        Some(self.cum[hi] - self.cum[lo])
    }

    fn entries(&self) -> u64 {
        self.cum.last().copied().unwrap_or(0)
    }
}

/// The first of `0..n` for which `below` is false (`below` true on a prefix of them).
fn partition(n: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

impl TermSizes {
    /// What is known of the size counted up to `cap` (as `term_range_size` answers).
    fn get(&self, word: &str, cap: i64) -> Option<i64> {
        if let Some(n) = self.table_range(word) {
            return Some(i64::try_from(n).unwrap_or(i64::MAX).min(cap));
        }
        let map = self.learnt.lock().ok()?;
        let &(n, counted, at) = map.get(word)?;
        if at.elapsed() > SIZES_FOR {
            return None;
        }
        if n < counted {
            Some(n.min(cap))
        } else {
            (counted >= cap).then_some(cap)
        }
    }

    /// [`TermSizes::table_range`], for tests.
    pub(crate) fn table_size(&self, word: &str) -> Option<i64> {
        self.table_range(word)
            .map(|n| i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// The table's size of `word`'s range, while the table is in date.
    fn table_range(&self, word: &str) -> Option<u64> {
        let table = self.table.read().ok()?.clone()?;
        let since = self
            .written
            .load(std::sync::atomic::Ordering::Relaxed)
            .saturating_sub(table.written_at);
        if since > (table.entries() / 10).max(TABLE_SLACK_MIN) {
            return None;
        }
        table.range(word)
    }

    fn put(&self, word: &str, cap: i64, n: i64) {
        if n < BROAD_WORD {
            return;
        }
        if let Ok(mut map) = self.learnt.lock() {
            // A shorter count does not replace a fresh longer one (a capped read after an
            // exact count).
            if let Some(&(m, counted, at)) = map.get(word) {
                if at.elapsed() <= SIZES_FOR && (m < counted || counted > cap) {
                    return;
                }
            }
            if map.len() >= SIZES_KEPT {
                map.clear();
            }
            map.insert(word.to_string(), (n, cap, std::time::Instant::now()));
        }
    }

    fn now_ms(&self) -> u64 {
        self.started
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_millis() as u64
    }

    /// `rows` term-index rows were added or removed (a retention purge counts as many as
    /// makes the table out of date).
    pub(crate) fn wrote(&self, rows: u64) {
        self.written
            .fetch_add(rows, std::sync::atomic::Ordering::Relaxed);
        self.last_write_ms
            .store(self.now_ms() + 1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the table should be read (again): missing, or written to by half its slack or
    /// [`TABLE_AGE_MAX_MS`] ago, and the term index quiet for [`TABLE_QUIET`].
    pub(crate) fn table_due(&self) -> bool {
        let last = self
            .last_write_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        if last > 0 && self.now_ms() + 1 < last + TABLE_QUIET.as_millis() as u64 {
            return false;
        }
        let written = self.written.load(std::sync::atomic::Ordering::Relaxed);
        match self.table.read().ok().and_then(|t| t.clone()) {
            None => true,
            Some(t) => {
                let since = written.saturating_sub(t.written_at);
                since > 0
                    && (since >= (t.entries() / 20).max(TABLE_SLACK_MIN / 2)
                        || self.now_ms().saturating_sub(t.read_ms) >= TABLE_AGE_MAX_MS)
            }
        }
    }

    /// The rows written so far (what a table read now will count as its age).
    pub(crate) fn written_now(&self) -> u64 {
        self.written.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn set_table(&self, table: TermTable) {
        if let Ok(mut t) = self.table.write() {
            *t = Some(Arc::new(table));
        }
    }
}

impl crate::Store {
    /// Reads the term table ([`TermTable`]) anew when it is missing or out of date and the
    /// term index has been quiet for [`TABLE_QUIET`] (`force`: whatever its state); the
    /// number of terms read, or None when nothing was due. A table that would hold more than
    /// `TABLE_TERMS_MAX` terms is dropped (searches then count as before). Run in the
    /// background by the server, on a connection taken out of the pool and closed after
    /// (it reads the whole term index); searches answer the same with or without it.
    pub async fn refresh_term_sizes(&self, force: bool) -> crate::Result<Option<usize>> {
        if !force && !self.sizes.table_due() {
            return Ok(None);
        }
        // Rows written while it is read make it out of date at once (counted from here).
        let written_at = self.sizes.written_now();
        // One pass, groups as they come (PostgreSQL hashes them on its workers: paging in
        // term order made it aggregate the rest of the index again for every page), then
        // put in byte order here.
        let mut q =
            Q::new("SELECT t.term AS term, COUNT(*) AS n FROM entity_terms t WHERE t.term >= ");
        q.bind(TABLE_FROM).push(" GROUP BY t.term");
        let mut groups: Vec<(String, u64)> = vec![];
        let mut bytes = 0usize;
        let mut conn = self.connection_apart().await?;
        conn.each_row(&q, |r| {
            let term: String = r.try_get("term")?;
            let n: i64 = r.try_get("n")?;
            bytes += term.len();
            groups.push((term, n.max(0) as u64));
            Ok(groups.len() <= TABLE_TERMS_MAX && bytes <= u32::MAX as usize)
        })
        .await?;
        conn.close().await?;
        if groups.len() > TABLE_TERMS_MAX || bytes > u32::MAX as usize {
            tracing::warn!(
                terms = groups.len(),
                "too many search terms to keep their sizes; searches count them"
            );
            self.sizes.set_table(TermTable {
                cum: vec![0],
                written_at,
                read_ms: self.sizes.now_ms(),
                ..TermTable::default()
            });
            return Ok(Some(0));
        }
        // Byte order: the term index's collation on both engines.
        groups.sort_unstable();
        let mut table = TermTable {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(groups.len()),
            cum: Vec::with_capacity(groups.len() + 1),
            written_at,
            read_ms: self.sizes.now_ms(),
            kept: true,
        };
        table.cum.push(0);
        for (term, n) in groups {
            table.text.push_str(&term);
            table.ends.push(table.text.len() as u32);
            let before = table.cum.last().copied().unwrap_or(0);
            table.cum.push(before + n);
        }
        let terms = table.ends.len();
        self.sizes.set_table(table);
        Ok(Some(terms))
    }
}

/// A set of entity ids in a search plan (hundreds of thousands when a common word is read).
type IdSet<T> = std::collections::HashSet<T, std::hash::BuildHasherDefault<IdHasher>>;

/// Hashes an entity id by its last eight bytes: the random end of a time-ordered id (its
/// start is the creation time, shared by a whole import). Ids here come from the database
/// and are made by the server (`new_id`), never chosen by a caller, so nothing can be
/// crafted to collide; SipHash cost a search reading a common word a third of its time
/// outside the database.
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let tail = &bytes[bytes.len().saturating_sub(8)..];
        let mut b = [0u8; 8];
        b[..tail.len()].copy_from_slice(tail);
        self.0 = self.0.rotate_left(8) ^ u64::from_le_bytes(b);
    }
    fn finish(&self) -> u64 {
        // Spread over the high bits too, which the table's control bytes use.
        self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

#[derive(Debug, Clone, Default)]
pub struct EntityFilter {
    /// Every term must prefix-match one of the entity's terms.
    pub terms: Vec<String>,
    /// Filled by the store: each term's blind-index forms (sensitive entities' terms are
    /// stored as keyed hashes, matched exactly).
    pub blind: Vec<Vec<String>>,
    pub schema: Option<String>,
    pub owner: Option<Country>,
    pub case_id: Option<String>,
}

impl Tx {
    pub async fn insert_entity(
        &mut self,
        e: &NewEntity<'_>,
        created_by: &str,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        let sealed = self.sealed_form(
            &id,
            e.case.sensitive,
            e.schema,
            e.caption,
            e.properties,
            e.terms,
        )?;
        let (caption, properties, terms) = match &sealed {
            Some(s) => (s.caption.as_str(), &s.properties, s.terms.as_slice()),
            None => (e.caption, e.properties, e.terms),
        };
        let props = serde_json::to_string(properties).map_err(|_| corrupt("properties"))?;
        self.execute(
            &Q::new("INSERT INTO entities (id, case_id, owner_country, schema, caption, properties, dist_level, handling, evaluation, sensitive, created_by, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 1)")
                .arg(&id)
                .arg(&e.case.id)
                .arg(e.case.owner_country)
                .arg(e.schema)
                .arg(caption)
                .arg(props)
                .arg(e.case.distribution.level.as_str())
                .arg(e.case.handling.as_str())
                .arg(e.case.evaluation.code())
                .arg(e.case.sensitive)
                .arg(created_by)
                .arg(now_ms),
        )
        .await?;
        for c in &e.case.distribution.countries {
            if e.case.distribution.level == DistributionLevel::Countries {
                self.execute(
                    &Q::new("INSERT INTO record_countries (record_id, country) VALUES ($1, $2)")
                        .arg(&id)
                        .arg(*c),
                )
                .await?;
            }
        }
        self.write_refs_and_terms(&id, e.refs, terms, true).await?;
        self.set_row_terms(&id, terms).await?;
        Ok(id)
    }

    /// Inserts many new entities of one case with a handful of statements (the import
    /// path: per-row statements are what cost). Ids are given by the caller.
    ///
    /// The entities and their search terms go in as one JSON document per table and
    /// statement, unpacked by the database (`json_each` on SQLite, `json_to_recordset` on
    /// PostgreSQL): binding tens of thousands of separate parameters per batch cost more
    /// than the inserts themselves (every value copied three times on its way, one
    /// allocation each, on the one writing thread), and a multi-row VALUES statement is
    /// planned anew for every size.
    pub async fn insert_entities_bulk(
        &mut self,
        case: &crate::cases::Case,
        rows: &[BulkEntity],
        created_by: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        let sealed_rows;
        let rows = match self.sealed_bulk(case, rows)? {
            Some(r) => {
                sealed_rows = r;
                sealed_rows.as_slice()
            }
            None => rows,
        };
        // PostgreSQL parses a batch's rows fastest as plain text split on a separator no
        // field contains (`string_to_array`, a byte search): a JSON document made its
        // backend spend about a fifth of its time lexing and unescaping (`json_lex`,
        // `appendStringInfoChar` on the escaped properties), measured with perf at 500k.
        let pg = self.engine == crate::Engine::Postgres;
        // Each entity's terms as stored, in the term index and (PostgreSQL) on its row.
        let kept: Vec<Vec<&str>> = rows.iter().map(|r| kept_terms(&r.terms)).collect();
        let split = pg
            && rows.iter().all(|r| {
                [&r.id, &r.schema, &r.caption, &r.json]
                    .iter()
                    .all(|f| !f.contains(SEP))
                    && r.terms
                        .iter()
                        .all(|t| !t.contains(SEP) && !t.contains(TERM_SEP))
            });
        // On SQLite, OR FAIL spares a statement journal for these multi-row inserts (a
        // failure rolls the whole transaction back anyway).
        let (insert, entity_rows, term_rows) = match self.engine {
            crate::Engine::Sqlite => (
                "INSERT OR FAIL INTO",
                "SELECT value->>0 AS i, value->>1 AS s, value->>2 AS c, value->>3 AS p FROM json_each($1)",
                "SELECT value->>0 AS t, value->>1 AS e FROM json_each($1)",
            ),
            crate::Engine::Postgres if split => (
                "INSERT INTO",
                // Each list starts with the separator: its first element is an empty
                // placeholder (skipped), so a one-row list whose field is empty is still
                // one element, not none.
                "SELECT r.i, r.s, r.c, r.p, string_to_array(r.tl, chr(30)) AS t FROM unnest(string_to_array($1, chr(31)), string_to_array($10, chr(31)), string_to_array($11, chr(31)), string_to_array($12, chr(31)), string_to_array($13, chr(31))) WITH ORDINALITY AS r(i, s, c, p, tl, n) WHERE r.n > 1",
                "SELECT r.t, r.e FROM unnest(string_to_array($1, chr(31)), string_to_array($2, chr(31))) WITH ORDINALITY AS r(t, e, n) WHERE r.n > 1",
            ),
            crate::Engine::Postgres => (
                "INSERT INTO",
                "SELECT x->>0 AS i, x->>1 AS s, x->>2 AS c, x->>3 AS p, ARRAY(SELECT json_array_elements_text(x->4)) AS t FROM json_array_elements($1::json) AS x",
                "SELECT x->>0 AS t, x->>1 AS e FROM json_array_elements($1::json) AS x",
            ),
        };
        // The batch's terms (deduplicated, sorted, encoded) are made while the database
        // inserts its entities, instead of leaving the backend idle meanwhile.
        let sizes = self.sizes.clone();
        // On PostgreSQL each row also carries its terms (`search_terms`, V25): a search checks
        // a broad word on its candidates there, instead of in a second index of every term.
        let (terms_col, terms_val) = if pg {
            (", search_terms", ", r.t")
        } else {
            ("", "")
        };
        let write_entities = async {
            for (chunk, chunk_terms) in rows.chunks(5000).zip(kept.chunks(5000)) {
                let q = Q::new(&format!("{insert} entities (id, case_id, owner_country, schema, caption, properties, dist_level, handling, evaluation, sensitive, created_by, created_at, updated_at, version{terms_col}) SELECT r.i, $2, $3, r.s, r.c, r.p, $4, $5, $6, $7, $8, $9, $9, 1{terms_val} FROM ({entity_rows}) AS r"));
                let q = if split {
                    q.arg(joined(chunk.iter().map(|r| r.id.as_str())))
                } else if pg {
                    let doc: Vec<(&str, &str, &str, &str, &[&str])> = chunk
                        .iter()
                        .zip(chunk_terms)
                        .map(|(r, t)| {
                            (
                                r.id.as_str(),
                                r.schema.as_str(),
                                r.caption.as_str(),
                                r.json.as_str(),
                                t.as_slice(),
                            )
                        })
                        .collect();
                    q.arg(serde_json::to_string(&doc).map_err(|_| corrupt("properties"))?)
                } else {
                    let doc: Vec<(&str, &str, &str, &str)> = chunk
                        .iter()
                        .map(|r| {
                            (
                                r.id.as_str(),
                                r.schema.as_str(),
                                r.caption.as_str(),
                                r.json.as_str(),
                            )
                        })
                        .collect();
                    q.arg(serde_json::to_string(&doc).map_err(|_| corrupt("properties"))?)
                };
                let mut q = q
                    .arg(&case.id)
                    .arg(case.owner_country)
                    .arg(case.distribution.level.as_str())
                    .arg(case.handling.as_str())
                    .arg(case.evaluation.code())
                    .arg(case.sensitive)
                    .arg(created_by)
                    .arg(now_ms);
                if split {
                    q = q
                        .arg(joined(chunk.iter().map(|r| r.schema.as_str())))
                        .arg(joined(chunk.iter().map(|r| r.caption.as_str())))
                        .arg(joined(chunk.iter().map(|r| r.json.as_str())))
                        .arg(joined(
                            chunk_terms
                                .iter()
                                .map(|t| t.join(TERM_SEP))
                                .collect::<Vec<_>>()
                                .iter()
                                .map(String::as_str),
                        ));
                }
                self.execute(&q).await?;
            }
            Ok::<(), StoreError>(())
        };
        let make_terms = async {
            // Borrowed, not cloned: a million-person import has ten million terms.
            let mut terms: Vec<(&str, &str)> = vec![];
            for (r, t) in rows.iter().zip(&kept) {
                terms.extend(t.iter().map(|t| (*t, r.id.as_str())));
            }
            // In key order: consecutive inserts land on the same or neighbouring leaves of
            // the term index (the pages just read), not on a random one each.
            terms.sort_unstable();
            sizes.wrote(terms.len() as u64);
            let mut out = vec![];
            for chunk in terms.chunks(20_000) {
                let q = Q::new(&format!(
                    "{insert} entity_terms (term, entity_id) SELECT r.t, r.e FROM ({term_rows}) AS r"
                ));
                out.push(if split {
                    q.arg(joined(chunk.iter().map(|(t, _)| *t)))
                        .arg(joined(chunk.iter().map(|(_, e)| *e)))
                } else {
                    q.arg(serde_json::to_string(chunk).map_err(|_| corrupt("terms"))?)
                });
            }
            Ok::<Vec<Q>, StoreError>(out)
        };
        let (written, term_queries) = tokio::join!(write_entities, make_terms);
        written?;
        let term_queries = term_queries?;
        if case.distribution.level == DistributionLevel::Countries {
            let pairs: Vec<(&str, Country)> = rows
                .iter()
                .flat_map(|r| {
                    case.distribution
                        .countries
                        .iter()
                        .map(move |c| (r.id.as_str(), *c))
                })
                .collect();
            for chunk in pairs.chunks(1000) {
                let mut q = Q::new("INSERT INTO record_countries (record_id, country) VALUES ");
                for (i, (id, c)) in chunk.iter().enumerate() {
                    if i > 0 {
                        q.push(", ");
                    }
                    q.push("(").bind(*id).push(", ").bind(*c).push(")");
                }
                self.execute(&q).await?;
            }
        }
        let mut refs: Vec<(&str, &str, &str)> = vec![];
        for r in rows {
            let mut seen = std::collections::HashSet::new();
            refs.extend(
                r.refs
                    .iter()
                    .filter(|x| seen.insert(*x))
                    .map(|(p, t)| (r.id.as_str(), p.as_str(), t.as_str())),
            );
        }
        for chunk in refs.chunks(1000) {
            let mut q = Q::new(&format!(
                "{insert} entity_refs (entity_id, prop, target_id) VALUES "
            ));
            for (i, (id, p, t)) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(*id)
                    .push(", ")
                    .bind(*p)
                    .push(", ")
                    .bind(*t)
                    .push(")");
            }
            self.execute(&q).await?;
        }
        for q in &term_queries {
            self.execute(q).await?;
        }
        Ok(())
    }

    /// Writes an entity's links and (new) search terms, one multi-row INSERT each (imports
    /// write many entities; statement count is what costs). `fresh` skips clearing old links.
    async fn write_refs_and_terms(
        &mut self,
        id: &str,
        refs: &[(String, String)],
        terms: &[String],
        fresh: bool,
    ) -> crate::Result<()> {
        if !fresh {
            self.execute(&Q::new("DELETE FROM entity_refs WHERE entity_id = $1").arg(id))
                .await?;
        }
        let mut seen = std::collections::HashSet::new();
        let refs: Vec<&(String, String)> =
            refs.iter().filter(|r| seen.insert((*r).clone())).collect();
        for chunk in refs.chunks(200) {
            let mut q = Q::new("INSERT INTO entity_refs (entity_id, prop, target_id) VALUES ");
            for (i, (prop, target)) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(id)
                    .push(", ")
                    .bind(prop.as_str())
                    .push(", ")
                    .bind(target.as_str())
                    .push(")");
            }
            self.execute(&q).await?;
        }
        self.insert_terms(id, &kept_terms(terms)).await
    }

    /// Inserts these (kept) terms of one entity into the term index.
    pub(crate) async fn insert_terms(&mut self, id: &str, terms: &[&str]) -> crate::Result<()> {
        self.sizes.wrote(terms.len() as u64);
        for chunk in terms.chunks(300) {
            let mut q = Q::new("INSERT INTO entity_terms (term, entity_id) VALUES ");
            for (i, t) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(").bind(*t).push(", ").bind(id).push(")");
            }
            self.execute(&q).await?;
        }
        Ok(())
    }

    /// On PostgreSQL, an entity's terms as stored, also on its row (`search_terms`, V25,
    /// what `word_among` reads): all of them, after a write of its term index.
    pub(crate) async fn set_row_terms<T: AsRef<str>>(
        &mut self,
        id: &str,
        terms: &[T],
    ) -> crate::Result<()> {
        if self.engine != crate::Engine::Postgres {
            return Ok(());
        }
        let list = serde_json::to_string(&kept_terms(terms)).map_err(|_| corrupt("terms"))?;
        self.execute(
            &Q::new("UPDATE entities SET search_terms = ARRAY(SELECT json_array_elements_text($1::json)) WHERE id = $2")
                .arg(list)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    /// Rewrites an entity's content (its case, schema and sharing stay).
    pub async fn update_entity(
        &mut self,
        id: &str,
        old_terms: &[String],
        content: &NewEntity<'_>,
        expected_version: i64,
        now_ms: i64,
    ) -> crate::Result<()> {
        let (caption, refs, terms) = (content.caption, content.refs, content.terms);
        let sealed = self.sealed_form(
            id,
            content.case.sensitive,
            content.schema,
            caption,
            content.properties,
            terms,
        )?;
        let old_forms = self.stored_term_forms(content.case.sensitive, old_terms);
        let (caption, properties, terms, old_terms) = match &sealed {
            Some(s) => (
                s.caption.as_str(),
                &s.properties,
                s.terms.as_slice(),
                old_forms.as_slice(),
            ),
            None => (caption, content.properties, terms, old_terms),
        };
        let props = serde_json::to_string(properties).map_err(|_| corrupt("properties"))?;
        let n = self
            .execute(
                &Q::new("UPDATE entities SET caption = $1, properties = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5")
                    .arg(caption)
                    .arg(props)
                    .arg(now_ms)
                    .arg(id)
                    .arg(expected_version),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict("stale_version"));
        }
        // Only the terms that changed are touched (by primary key: there is no index of
        // terms by entity, which would cost every import a second insert per term).
        let gone: Vec<&String> = old_terms.iter().filter(|t| !terms.contains(t)).collect();
        self.delete_terms(id, &gone).await?;
        let added: Vec<String> = terms
            .iter()
            .filter(|t| !old_terms.contains(t))
            .cloned()
            .collect();
        self.write_refs_and_terms(id, refs, &added, false).await?;
        self.set_row_terms(id, terms).await
    }

    /// Makes a case's entities follow its (new) sharing attributes.
    pub async fn sync_entities_with_case(
        &mut self,
        case: &crate::cases::Case,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("DELETE FROM record_countries WHERE record_id IN (SELECT id FROM entities WHERE case_id = $1)")
                .arg(&case.id),
        )
        .await?;
        self.execute(
            &Q::new("UPDATE entities SET dist_level = $1, handling = $2, evaluation = $3, sensitive = $4 WHERE case_id = $5")
                .arg(case.distribution.level.as_str())
                .arg(case.handling.as_str())
                .arg(case.evaluation.code())
                .arg(case.sensitive)
                .arg(&case.id),
        )
        .await?;
        if case.distribution.level == DistributionLevel::Countries {
            for c in &case.distribution.countries {
                self.execute(
                    &Q::new("INSERT INTO record_countries (record_id, country) SELECT id, $1 FROM entities WHERE case_id = $2")
                        .arg(*c)
                        .arg(&case.id),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn entities_from_rows(&mut self, rows: Vec<AnyRow>) -> crate::Result<Vec<Entity>> {
        // The named countries of every row that has them, in one query (not one per row).
        let mut named_ids: Vec<String> = vec![];
        for r in &rows {
            let level: String = r.try_get("dist_level")?;
            if level == "countries" {
                named_ids.push(r.try_get("id")?);
            }
        }
        let named = self.record_countries_of(&named_ids).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            out.push(from_row(
                r,
                named.get(&id).cloned().unwrap_or_default(),
                self.records.as_deref(),
            )?);
        }
        Ok(out)
    }

    pub async fn entity_visible(
        &mut self,
        viewer: &Viewer,
        id: &str,
    ) -> crate::Result<Option<Entity>> {
        let mut q = Q::new(&format!("SELECT {COLS} FROM entities e WHERE e.id = "));
        q.bind(id).push(" AND ");
        viewer.predicate(&mut q, "e");
        let rows = self.fetch_all(&q).await?;
        Ok(self.entities_from_rows(rows).await?.into_iter().next())
    }

    /// Visible entities by id (missing and hidden ones are simply absent).
    pub async fn entities_visible_by_ids(
        &mut self,
        viewer: &Viewer,
        ids: &[String],
    ) -> crate::Result<Vec<Entity>> {
        let mut out = vec![];
        for chunk in ids.chunks(200) {
            let mut q = Q::new(&format!("SELECT {COLS} FROM entities e WHERE e.id IN ("));
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(id.as_str());
            }
            q.push(") AND ");
            viewer.predicate(&mut q, "e");
            let rows = self.fetch_all(&q).await?;
            out.extend(self.entities_from_rows(rows).await?);
        }
        Ok(out)
    }

    /// One page of visible entities matching the filter, and the total count.
    pub async fn entities_visible(
        &mut self,
        viewer: &Viewer,
        f: &EntityFilter,
        limit: i64,
        offset: i64,
    ) -> crate::Result<(Vec<Entity>, i64)> {
        let f = &self.with_blind_terms(f);
        // One pass: the page and, beside each row, the count of all matches.
        let mut q = Q::new("");
        entity_matches(&mut q, viewer, f, &format!("{COLS}, COUNT(*) OVER () AS n"));
        // Search results newest first by creation (ids are time-ordered), the order the
        // broad plan walks; plain lists by last change.
        q.push(if f.terms.is_empty() {
            " ORDER BY e.updated_at DESC, e.id DESC LIMIT "
        } else {
            " ORDER BY e.id DESC LIMIT "
        })
        .bind(limit)
        .push(" OFFSET ")
        .bind(offset);
        let rows = self.fetch_all(&q).await?;
        let total: i64 = match rows.first() {
            Some(r) => r.try_get("n")?,
            // A page past the end carries no count: ask for it alone.
            None if offset > 0 => {
                let mut count = Q::new("");
                entity_matches(&mut count, viewer, f, "COUNT(*) AS n");
                self.fetch_one(&count).await?.try_get("n")?
            }
            None => 0,
        };
        Ok((self.entities_from_rows(rows).await?, total))
    }

    /// A search page: like [`Tx::entities_visible`], but a single word that tens of
    /// thousands of entities share ("garcía") is answered without visiting them all: the
    /// page comes from walking the entities newest first until it is full, and the count
    /// stops at [`SEARCH_COUNT_CAP`]. Returns the page, the total and whether it is exact.
    pub async fn search_visible(
        &mut self,
        viewer: &Viewer,
        f: &EntityFilter,
        limit: i64,
        offset: i64,
    ) -> crate::Result<(Vec<Entity>, i64, bool)> {
        // A word typed twice («García García», «R R») asks no more than once: planned once,
        // not read or intersected twice (a repeated broad word took the slowest plan).
        let unique;
        let f = if (1..f.terms.len()).any(|i| f.terms[..i].contains(&f.terms[i])) {
            let mut seen = std::collections::HashSet::new();
            unique = EntityFilter {
                terms: f
                    .terms
                    .iter()
                    .filter(|t| seen.insert(*t))
                    .cloned()
                    .collect(),
                ..f.clone()
            };
            &unique
        } else {
            f
        };
        let broad = match f.terms.as_slice() {
            [word] => self.term_range_size(word, BROAD_WORD + 1).await? > BROAD_WORD,
            words => {
                // A misspelt word that no stored term starts with empties the intersection:
                // answered from one index seek per word, before any common word's range
                // (tens of thousands of rows for «maría») is read. Nothing depends on
                // visibility here: the answer is empty for every viewer.
                // A sensitive record's words are stored only as blind-index hashes, looked up
                // exactly: a word is present when either form is.
                let fb = self.with_blind_terms(f);
                for (i, word) in words.iter().enumerate().take(8) {
                    if self.term_range_size(word, 1).await? == 0
                        && !self.any_term_of(fb.blind.get(i)).await?
                    {
                        return Ok((vec![], 0, true));
                    }
                }
                if !words.is_empty() {
                    if let Some(found) = self.search_words(viewer, &fb, limit, offset).await? {
                        return Ok(found);
                    }
                    // Even the rarest word too broad to read.
                    if let Some(found) = self.walk_newest(viewer, &fb, limit, offset).await? {
                        return Ok(found);
                    }
                }
                false
            }
        };
        if !broad {
            let (list, total) = self.entities_visible(viewer, f, limit, offset).await?;
            return Ok((list, total, true));
        }
        let f = &self.with_blind_terms(f);
        let word = f.terms[0].as_str();
        // A prefix of a few terms (a surname and its misspellings) merges their newest
        // postings; one of many terms («de»: 338, from «de» and «del» to «desiree») is read
        // whole and its newest visible entities picked, when it is not too broad to read.
        let mut terms = self.distinct_terms(word, PICK_FROM_TERMS).await?;
        if terms.is_none()
            && self
                .sizes
                .get(word, PICK_MAX + 1)
                .is_none_or(|n| n <= PICK_MAX)
        {
            if let Some(found) = self.newest_of_range(viewer, f, limit, offset).await? {
                return Ok(found);
            }
        }
        if terms.is_none() {
            terms = self.distinct_terms(word, MERGED_TERMS_MAX).await?;
        }
        if let Some(mut terms) = terms {
            // Each stored term's postings are in entity id order (the term index's key): the
            // newest `offset + limit` visible entities of each term, merged, give the page
            // after reading about that many postings per term, not the word's whole range.
            terms.extend(f.blind.first().cloned().unwrap_or_default());
            let mut q = Q::new(&format!("SELECT {COLS} FROM entities e WHERE e.id IN ("));
            for (j, t) in terms.iter().enumerate() {
                if j > 0 {
                    q.push(" UNION ");
                }
                q.push("SELECT id FROM (SELECT t.entity_id AS id FROM entity_terms t JOIN entities e ON e.id = t.entity_id WHERE t.term = ")
                    .bind(t.as_str())
                    .push(" AND ");
                viewer.predicate(&mut q, "e");
                other_filters(&mut q, f);
                q.push(" ORDER BY t.entity_id DESC LIMIT ")
                    .bind(offset + limit)
                    .push(&format!(") p{j}"));
            }
            q.push(") AND ");
            viewer.predicate(&mut q, "e");
            q.push(" ORDER BY e.id DESC LIMIT ")
                .bind(limit)
                .push(" OFFSET ")
                .bind(offset);
            let rows = self.fetch_all(&q).await?;
            return self.broad_count(viewer, f, rows).await;
        }
        if let Some(found) = self.walk_newest(viewer, f, limit, offset).await? {
            return Ok(found);
        }
        // Walks the entities newest first (the primary key: ids are time-ordered) and stops
        // when the page is full, instead of sorting every match.
        let mut q = Q::new(&format!("SELECT {COLS} FROM entities e WHERE "));
        viewer.predicate(&mut q, "e");
        q.push(" AND e.id IN (SELECT t.entity_id FROM entity_terms t WHERE t.term >= ")
            .bind(word)
            .push(" AND t.term < ")
            .bind(format!("{word}\u{10FFFF}"));
        blind_alternatives(&mut q, f, 0);
        q.push(")");
        other_filters(&mut q, f);
        q.push(" ORDER BY e.id DESC LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        let rows = self.fetch_all(&q).await?;
        self.broad_count(viewer, f, rows).await
    }

    /// A search whose words are all too broad to read (a letter or two: «m», «ga»; several
    /// words each of more than 250,000 entries, as some pairs of letters have): the
    /// visible entities walked newest first (ids are time-ordered), each word checked on
    /// each by its own terms (a seek in the term index by entity on SQLite, the row's terms
    /// on PostgreSQL), stopping once the page is full; the total is counted the same way,
    /// stopping past [`SEARCH_COUNT_CAP`] (one word: [`Tx::broad_total`]). Reading such a
    /// word's range (hundreds of thousands of ids into a temporary B-tree) took 0.3 s at a
    /// million persons, intersecting two 1.1 s; a broad word matches often, so the walk
    /// stops early. It looks at the newest [`WALK_MAX`] entities only: a page or count it
    /// cannot settle there (matches rare among them, or hidden from the viewer) is None,
    /// for the plans that read the ranges, so its cost stays bounded. `f` carries the
    /// blind-index forms.
    async fn walk_newest(
        &mut self,
        viewer: &Viewer,
        f: &EntityFilter,
        limit: i64,
        offset: i64,
    ) -> crate::Result<Option<(Vec<Entity>, i64, bool)>> {
        let window = Q::new("SELECT MIN(w.id) AS floor, COUNT(*) AS n FROM (SELECT e.id FROM entities e ORDER BY e.id DESC LIMIT $1) w")
            .arg(WALK_MAX);
        let row = self.fetch_one(&window).await?;
        let floor: Option<String> = row.try_get("floor")?;
        // Fewer entities than the window: the walk sees them all, and answers exactly.
        let whole = row.try_get::<i64, _>("n")? < WALK_MAX;
        let Some(floor) = floor else {
            return Ok(None);
        };
        let walk = |this: &Self, head: &str| {
            let mut q = Q::new(&format!("{head} FROM entities e WHERE "));
            viewer.predicate(&mut q, "e");
            other_filters(&mut q, f);
            q.push(" AND e.id >= ").bind(floor.as_str());
            for i in 0..f.terms.len().min(8) {
                this.word_exists(&mut q, f, i);
            }
            q.push(" ORDER BY e.id DESC LIMIT ");
            q
        };
        let mut page = walk(self, &format!("SELECT {COLS}"));
        page.bind(limit).push(" OFFSET ").bind(offset);
        let rows = self.fetch_all(&page).await?;
        if !whole && (rows.len() as i64) < limit {
            return Ok(None);
        }
        if f.terms.len() == 1 {
            return self.broad_count(viewer, f, rows).await.map(Some);
        }
        let mut count = walk(self, "SELECT COUNT(*) AS n FROM (SELECT 1");
        count.bind(SEARCH_COUNT_CAP + 1).push(") c");
        let n: i64 = self.fetch_one(&count).await?.try_get("n")?;
        if !whole && n <= SEARCH_COUNT_CAP {
            return Ok(None);
        }
        Ok(Some((
            self.entities_from_rows(rows).await?,
            n.min(SEARCH_COUNT_CAP),
            n <= SEARCH_COUNT_CAP,
        )))
    }

    /// `AND EXISTS (…)`: entity `e` has a term that starts with search word `i`, or one of
    /// the word's blind-index forms (a sensitive record's whole words).
    fn word_exists(&self, q: &mut Q, f: &EntityFilter, i: usize) {
        let Some(word) = f.terms.get(i) else {
            return;
        };
        let (from, term) = match self.engine {
            crate::db::Engine::Sqlite => ("entity_terms t WHERE t.entity_id = e.id", "t.term"),
            crate::db::Engine::Postgres => (
                "unnest(e.search_terms) AS t(term) WHERE TRUE",
                "t.term COLLATE \"C\"",
            ),
        };
        q.push(&format!(
            " AND EXISTS (SELECT 1 FROM {from} AND ({term} >= "
        ))
        .bind(word.as_str())
        .push(&format!(" AND {term} < "))
        .bind(format!("{word}\u{10FFFF}"));
        blind_alternatives(q, f, i);
        q.push("))");
    }

    /// The count of a broad one-word search, beside its page: counted as the term index is
    /// read, stopping past [`SEARCH_COUNT_CAP`]. `f` carries the blind-index forms.
    async fn broad_count(
        &mut self,
        viewer: &Viewer,
        f: &EntityFilter,
        rows: Vec<AnyRow>,
    ) -> crate::Result<(Vec<Entity>, i64, bool)> {
        let (n, exact) = self.broad_total(viewer, f).await?;
        Ok((self.entities_from_rows(rows).await?, n, exact))
    }

    /// The total of a broad one-word search ([`Tx::broad_count`]): capped, and whether exact.
    async fn broad_total(
        &mut self,
        viewer: &Viewer,
        f: &EntityFilter,
    ) -> crate::Result<(i64, bool)> {
        let word = f.terms[0].as_str();
        // Counted as the term index is read, stopping past the cap; an entity may carry two
        // terms with this prefix, so a count under the cap is redone exactly.
        let mut count = Q::new("SELECT COUNT(*) AS n FROM (SELECT 1 FROM entity_terms t JOIN entities e ON e.id = t.entity_id WHERE t.term >= ");
        count
            .bind(word)
            .push(" AND t.term < ")
            .bind(format!("{word}\u{10FFFF}"))
            .push(" AND ");
        viewer.predicate(&mut count, "e");
        other_filters(&mut count, f);
        count.push(" LIMIT ").bind(SEARCH_COUNT_CAP + 1).push(") c");
        let mut n: i64 = self.fetch_one(&count).await?.try_get("n")?;
        if n <= SEARCH_COUNT_CAP {
            let mut exact = Q::new("");
            entity_matches(&mut exact, viewer, f, "COUNT(*) AS n");
            n = self.fetch_one(&exact).await?.try_get("n")?;
        }
        Ok((n.min(SEARCH_COUNT_CAP), n <= SEARCH_COUNT_CAP))
    }

    /// A broad one-word search by reading the word's whole range (at most [`PICK_MAX`]
    /// entries, index only, two halves at once) and checking its newest ids for visibility
    /// a slice at a time until the page is full: for a prefix of many terms the SQL walk
    /// first gathered every id of the range into a temporary table (47 ms for «de»'s
    /// 48,741 at a million persons). None when the range is broader. `f` carries the
    /// blind-index forms.
    async fn newest_of_range(
        &mut self,
        viewer: &Viewer,
        f: &EntityFilter,
        limit: i64,
        offset: i64,
    ) -> crate::Result<Option<(Vec<Entity>, i64, bool)>> {
        let Some(parts) = self.word_ids(f, 0, PICK_MAX + 1, None).await? else {
            return Ok(None);
        };
        let mut ids: Vec<&str> = listed_ids(&parts).collect();
        // Newest first (ids are time-ordered), as the SQL plan orders a search.
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        let want = (offset.max(0) + limit.max(0)) as usize;
        let mut visible: Vec<String> = Vec::with_capacity(want);
        let mut at = 0;
        let mut slice = (want * 2).max(PICK_SLICE);
        while visible.len() < want && at < ids.len() {
            let end = (at + slice).min(ids.len());
            let mut checks = vec![];
            for chunk in probe_chunks(&ids[at..end]) {
                checks.push(self.visible_check(viewer, f, chunk)?);
            }
            let mut got = vec![];
            for rows in self.fetch_all_spread(&checks).await? {
                for r in rows {
                    got.push(r.try_get::<String, _>("id")?);
                }
            }
            got.sort_unstable_by(|a, b| b.cmp(a));
            visible.extend(got);
            at = end;
            // Few visible among the newest: look further at a time.
            slice = slice.saturating_mul(4);
        }
        let page: Vec<String> = visible
            .into_iter()
            .skip(offset.max(0) as usize)
            .take(limit.max(0) as usize)
            .collect();
        let mut list = self.entities_visible_by_ids(viewer, &page).await?;
        list.sort_unstable_by(|a, b| b.id.cmp(&a.id));
        let (n, exact) = self.broad_total(viewer, f).await?;
        Ok(Some((list, n, exact)))
    }

    /// `SELECT e.id, e.sensitive`: which of these candidate ids the viewer sees and the
    /// filter's other conditions keep.
    fn visible_check(&self, viewer: &Viewer, f: &EntityFilter, ids: &[&str]) -> crate::Result<Q> {
        let mut q = Q::new("SELECT e.id, e.sensitive FROM ");
        self.id_list(&mut q, ids)?;
        q.push(match self.engine {
            crate::db::Engine::Sqlite => " JOIN entities e INDEXED BY entities_visible",
            crate::db::Engine::Postgres => " JOIN entities e",
        })
        .push(" ON e.id = c.id WHERE ");
        viewer.predicate(&mut q, "e");
        other_filters(&mut q, f);
        Ok(q)
    }

    /// Removes these terms of one entity (by primary key, in chunks that keep each statement
    /// under the engines' parameter limits).
    pub(crate) async fn delete_terms(
        &mut self,
        entity_id: &str,
        terms: &[&String],
    ) -> crate::Result<()> {
        self.sizes.wrote(terms.len() as u64);
        for chunk in terms.chunks(200) {
            let mut q = Q::new("DELETE FROM entity_terms WHERE entity_id = ");
            q.bind(entity_id).push(" AND term IN (");
            for (i, t) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(t.as_str());
            }
            q.push(")");
            self.execute(&q).await?;
        }
        Ok(())
    }

    /// Whether the term index holds any of these exact terms (blind-index forms).
    async fn any_term_of(&mut self, forms: Option<&Vec<String>>) -> crate::Result<bool> {
        let Some(forms) = forms.filter(|f| !f.is_empty()) else {
            return Ok(false);
        };
        let mut q = Q::new("SELECT 1 AS one FROM entity_terms t WHERE t.term IN (");
        for (j, b) in forms.iter().enumerate() {
            if j > 0 {
                q.push(", ");
            }
            q.bind(b.as_str());
        }
        q.push(") LIMIT 1");
        Ok(self.fetch_optional(&q).await?.is_some())
    }

    /// The distinct stored terms that start with `word`, if there are at most `cap`: one
    /// index seek each (a recursive query stepping from one term to the next), however many
    /// entities carry them.
    async fn distinct_terms(&mut self, word: &str, cap: i64) -> crate::Result<Option<Vec<String>>> {
        let q = Q::new(
            "WITH RECURSIVE d(term, n) AS (\
             SELECT (SELECT MIN(t.term) FROM entity_terms t WHERE t.term >= $1 AND t.term < $2), 1 \
             UNION ALL SELECT (SELECT MIN(t.term) FROM entity_terms t WHERE t.term > d.term AND t.term < $2), d.n + 1 \
             FROM d WHERE d.term IS NOT NULL AND d.n <= $3) \
             SELECT term FROM d WHERE term IS NOT NULL",
        )
        .arg(word)
        .arg(format!("{word}\u{10FFFF}"))
        .arg(cap);
        let terms: Vec<String> = self
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| r.try_get("term"))
            .collect::<Result<_, _>>()?;
        Ok((terms.len() as i64 <= cap).then_some(terms))
    }

    /// How many term-index entries start with `word`, counting no further than `cap`.
    pub(crate) async fn term_range_size(&mut self, word: &str, cap: i64) -> crate::Result<i64> {
        Ok(self
            .fetch_one(&range_count(word, cap))
            .await?
            .try_get("n")?)
    }

    /// `term_range_size` of each word, for a search plan's choices, remembered a while
    /// (`TermSizes`). The words not remembered are counted two at a time when a second
    /// connection is idle (a fresh server counts every word of a long name).
    async fn plan_sizes(&mut self, words: &[&str], cap: i64) -> crate::Result<Vec<i64>> {
        let mut sizes: Vec<Option<i64>> = words.iter().map(|w| self.sizes.get(w, cap)).collect();
        let unknown: Vec<usize> = (0..words.len()).filter(|&i| sizes[i].is_none()).collect();
        let counts: Vec<Q> = unknown
            .iter()
            .map(|&i| range_count(words[i], cap))
            .collect();
        for (rows, &i) in self.fetch_all_spread(&counts).await?.iter().zip(&unknown) {
            let n: i64 = rows
                .first()
                .ok_or(StoreError::Corrupt("count".into()))?
                .try_get("n")?;
            self.sizes.put(words[i], cap, n);
            sizes[i] = Some(n);
        }
        Ok(sizes.into_iter().map(|n| n.unwrap_or(0)).collect())
    }

    /// `plan_sizes` of the planned words, each beside its index in the search, rarest first.
    /// Words counted past `cap` tie at it; those whose whole size is known (the term table,
    /// a size learnt lately) are ordered by it among themselves: with the word order
    /// breaking the tie, «María Carmen Herreía Díaz» read «~MR» (210,000 entries) right
    /// after «~KRMN», where «~DS» (25,000) would have cut the candidates first.
    async fn planned_sizes(
        &mut self,
        planned: &[usize],
        words: &[&str],
        cap: i64,
    ) -> crate::Result<Vec<(i64, usize)>> {
        let capped = self.plan_sizes(words, cap).await?;
        let whole: Vec<Option<i64>> = words
            .iter()
            .zip(&capped)
            .map(|(w, &n)| (n >= cap).then(|| self.sizes.get(w, i64::MAX)).flatten())
            .collect();
        Ok(rarest_first(&capped, &whole, planned))
    }

    /// A search of several words, rarest word first: the rarest word's entity ids are read
    /// from the term index as one aggregated row; each further word either is read the same
    /// way and intersected in memory (SQLite's INTERSECT builds a temporary B-tree of every
    /// id of every word), or, when it is broader than the candidates left («~S», every name
    /// that starts with an S sound), is looked up on those candidates in the term index by
    /// entity (one seek each) without reading its range. Answers exactly what
    /// [`Tx::entities_visible`] answers (same matches, order and total); None when even the
    /// rarest word is too broad for this plan (the caller runs the SQL one). `f` carries the
    /// words' blind-index forms.
    async fn search_words(
        &mut self,
        viewer: &Viewer,
        f: &EntityFilter,
        limit: i64,
        offset: i64,
    ) -> crate::Result<Option<(Vec<Entity>, i64, bool)>> {
        let words: Vec<&String> = f.terms.iter().take(8).collect();
        // A word that begins another word of the search («~MR» beside «~MRLS», María
        // Morales), or repeats one, holds for every plain record the other word holds for:
        // it is left out of the plan, and checked at the end only on sensitive records
        // (whose terms are blind-index hashes, matched whole, so one does not imply the
        // other).
        let implied: Vec<usize> = (0..words.len())
            .filter(|&i| {
                (0..words.len()).any(|j| {
                    j != i
                        && words[j].starts_with(words[i].as_str())
                        && (words[j].len() > words[i].len() || j < i)
                })
            })
            .collect();
        // Counted cheaply first; a broad word again, further, only if it may be read.
        let planned: Vec<usize> = (0..words.len()).filter(|i| !implied.contains(i)).collect();
        let planned_words: Vec<&str> = planned.iter().map(|&i| words[i].as_str()).collect();
        let mut sizes = self
            .planned_sizes(&planned, &planned_words, FIRST_COUNT + 1)
            .await?;
        // What the sizes were counted up to: a size past it is a lower bound.
        let mut counted = FIRST_COUNT;
        // Every word broad: which is rarest needs a further count.
        if sizes.first().is_some_and(|s| s.0 > FIRST_COUNT) {
            counted = WORD_READ_MAX;
            sizes = self
                .planned_sizes(&planned, &planned_words, WORD_READ_MAX + 1)
                .await?;
        }
        // The rarest word's ids, read once: the candidates borrow from it (no string per id).
        let Some(&(_, first)) = sizes.first().filter(|s| s.0 <= WORD_READ_MAX) else {
            return Ok(None);
        };
        let Some(first_ids) = self.word_ids(f, first, WORD_READ_MAX + 1, None).await? else {
            return Ok(None);
        };
        let mut cands: IdSet<&str> = listed_ids(&first_ids).collect();
        for &(n, i) in &sizes[1..] {
            if cands.is_empty() {
                break;
            }
            let probe = cands.len() as i64 * PROBE_COST;
            let can_probe = cands.len() <= PROBE_MAX;
            // `n` past `counted` is only a lower bound.
            let ids = if can_probe && probe <= n {
                None
            } else if n <= counted {
                self.word_ids(f, i, WORD_READ_MAX + 1, Some(&cands)).await?
            } else {
                // Read only as far as reading is worth it (the read counts as it goes: a
                // broad word is not counted first and then read); a word found broader is
                // looked up on the candidates instead. A size learnt lately saves the read.
                let limit = if can_probe {
                    probe.min(WORD_READ_MAX)
                } else {
                    WORD_READ_MAX
                } + 1;
                match self.sizes.get(words[i], limit) {
                    Some(known) if known >= limit => None,
                    _ => self.word_ids(f, i, limit, Some(&cands)).await?,
                }
            };
            match ids {
                Some(ids) => {
                    cands = listed_ids(&ids)
                        .filter_map(|x| cands.get(x).copied())
                        .collect();
                }
                // Past `PROBE_MAX` candidates a word is still looked up on them when it is
                // too broad to read: the SQL plan would read its whole range and the
                // candidates' into temporary B-trees («G Martínez»: 312 ms at a million).
                None => {
                    let found = self.word_among(f, i, &cands).await?;
                    cands.retain(|x| found.contains(*x));
                }
            }
        }
        if cands.is_empty() {
            return Ok(Some((vec![], 0, true)));
        }
        let mut cands: Vec<&str> = cands.into_iter().collect();
        cands.sort_unstable();
        let (limit, offset) = (limit.max(0) as usize, offset.max(0) as usize);
        // Only the visible ones count; then only the page is read in full.
        let mut visible = Vec::with_capacity(cands.len());
        let mut sensitive = std::collections::HashSet::new();
        let mut checks = vec![];
        for chunk in probe_chunks(&cands) {
            checks.push(self.visible_check(viewer, f, chunk)?);
        }
        for rows in self.fetch_all_spread(&checks).await? {
            for r in rows {
                let id = r.try_get::<String, _>("id")?;
                if r.try_get::<i64, _>("sensitive")? != 0 {
                    sensitive.insert(id.clone());
                }
                visible.push(id);
            }
        }
        // The words left out of the plan, on the sensitive records left.
        if !implied.is_empty() && !sensitive.is_empty() {
            let mut kept: IdSet<&str> = sensitive.iter().map(String::as_str).collect();
            for &i in &implied {
                let found = self.word_among(f, i, &kept).await?;
                kept.retain(|x| found.contains(*x));
            }
            let dropped: std::collections::HashSet<String> = sensitive
                .iter()
                .filter(|x| !kept.contains(x.as_str()))
                .cloned()
                .collect();
            visible.retain(|x| !dropped.contains(x));
        }
        // Newest first by creation, as the SQL plan orders a search.
        visible.sort_unstable_by(|a, b| b.cmp(a));
        let total = visible.len() as i64;
        let page: Vec<String> = visible.into_iter().skip(offset).take(limit).collect();
        let mut list = self.entities_visible_by_ids(viewer, &page).await?;
        list.sort_unstable_by(|a, b| b.id.cmp(&a.id));
        Ok(Some((list, total, true)))
    }

    /// Of the candidates, those with a term starting with search word `i` or equal to one of
    /// its blind-index forms (a sensitive record's whole words): looked up per candidate in
    /// the term index by entity, `(entity_id, term)` (SQLite), or in its row's own terms
    /// (PostgreSQL, V25), one seek each, in chunks.
    async fn word_among(
        &mut self,
        f: &EntityFilter,
        i: usize,
        cands: &IdSet<&str>,
    ) -> crate::Result<IdSet<String>> {
        let word = f.terms[i].as_str();
        let upper = format!("{word}\u{10FFFF}");
        // In key order, so the seeks walk the index forwards.
        let mut sorted: Vec<&str> = cands.iter().copied().collect();
        sorted.sort_unstable();
        let mut out = IdSet::default();
        let mut lookups = vec![];
        for chunk in probe_chunks(&sorted) {
            // A correlated EXISTS per candidate: one seek each, stopping at the first term,
            // with nothing to sort or deduplicate. (With `entity_id IN (…)` SQLite built and
            // deduplicated temporary B-trees, and PostgreSQL at times scanned the word's
            // whole range instead: both measured twice as slow.)
            // On PostgreSQL the entity's row carries its terms (V25), read by primary key:
            // a second index of every term cost the import a quarter of its rate there.
            let (from, term) = match self.engine {
                crate::db::Engine::Sqlite => ("entity_terms t WHERE t.entity_id = c.id", "t.term"),
                crate::db::Engine::Postgres => (
                    "entities x CROSS JOIN unnest(x.search_terms) AS t(term) WHERE x.id = c.id",
                    "t.term COLLATE \"C\"",
                ),
            };
            let mut q = Q::new("SELECT c.id FROM ");
            self.id_list(&mut q, chunk)?;
            q.push(&format!(
                " WHERE EXISTS (SELECT 1 FROM {from} AND {term} >= "
            ))
            .bind(word)
            .push(&format!(" AND {term} < "))
            .bind(upper.as_str())
            .push(")");
            lookups.push(q);
        }
        for rows in self.fetch_all_spread(&lookups).await? {
            for r in rows {
                out.insert(r.try_get::<String, _>("id")?);
            }
        }
        // The blind forms: few entries (sensitive records only), read whole.
        if let Some(forms) = f.blind.get(i).filter(|b| !b.is_empty()) {
            let mut q = Q::new("SELECT t.entity_id FROM entity_terms t WHERE t.term IN (");
            q.bind_list(forms.iter().map(String::as_str)).push(")");
            for r in self.fetch_all(&q).await? {
                let id: String = r.try_get("entity_id")?;
                if cands.contains(id.as_str()) {
                    out.insert(id);
                }
            }
        }
        Ok(out)
    }

    /// Appends a row source `c(id)` of these entity ids, bound as ONE parameter whatever
    /// their number (the statement stays cached): a JSON array on SQLite, a comma list on
    /// PostgreSQL (entity ids are hex digits, never a comma).
    fn id_list(&self, q: &mut Q, ids: &[&str]) -> crate::Result<()> {
        match self.engine {
            crate::db::Engine::Sqlite => {
                let json = serde_json::to_string(ids).map_err(|_| corrupt("entity ids"))?;
                q.push("(SELECT value AS id FROM json_each(")
                    .bind(json)
                    .push(")) c");
            }
            crate::db::Engine::Postgres => {
                q.push("unnest(string_to_array(")
                    .bind(ids.join(","))
                    .push(", ',')) AS c(id)");
            }
        }
        Ok(())
    }

    /// The ids of the entities with a term starting with search word `i` (or equal to one
    /// of its blind-index forms), as comma-separated lists, one aggregate per part read
    /// (each half of the range, the blind forms) instead of a row each (see `listed_ids`). None when the word has `limit` entries or more (then only `limit` were
    /// read); the size learnt is remembered (`TermSizes`). With `among` (the candidates left,
    /// on PostgreSQL, at most `AMONG_MAX`), only the ids among them are answered.
    async fn word_ids(
        &mut self,
        f: &EntityFilter,
        i: usize,
        limit: i64,
        among: Option<&IdSet<&str>>,
    ) -> crate::Result<Option<Vec<String>>> {
        let agg = match self.engine {
            crate::db::Engine::Sqlite => "group_concat(t.entity_id, ',')",
            crate::db::Engine::Postgres => "string_agg(t.entity_id, ',')",
        };
        let word = f.terms[i].as_str();
        let upper = format!("{word}\u{10FFFF}");
        // A long read in two halves of the range, which may run on two connections at once
        // (`Tx::fetch_all_spread`): the terms that continue the word with a character before
        // the middle of its alphabet, and the rest (for the sound key «~MR» about half each).
        // Each half stops at `limit` too, so a cut-short read takes no longer than one.
        let mid = format!("{word}{}", middle_of_alphabet(word));
        let ranges: Vec<(&str, &str)> = if limit > SPLIT_READ_MIN {
            vec![(word, mid.as_str()), (mid.as_str(), upper.as_str())]
        } else {
            vec![(word, upper.as_str())]
        };
        // On PostgreSQL the candidates go along and the backends keep only those (a hashed
        // subplan): what a common word's read sends back, and what this thread then splits
        // and looks up one by one, is the few hundred ids left instead of 200,000, and the
        // filtering is done by the two backends at once. (SQLite would probe a temporary
        // B-tree per entry, slower than the hash here.)
        let among = among
            .filter(|c| self.engine == crate::db::Engine::Postgres && c.len() <= AMONG_MAX)
            .map(|c| c.iter().copied().collect::<Vec<&str>>().join(","));
        // The range and the blind forms apart: with `OR` SQLite answers by a multi-index OR
        // that puts every id through a temporary B-tree (three times the cost of the range).
        let reads: Vec<Q> = ranges
            .iter()
            .map(|(lo, hi)| {
                let mut q = match &among {
                    Some(list) => {
                        let mut q = Q::new("SELECT string_agg(r.entity_id, ',') FILTER (WHERE r.hit) AS ids, COUNT(*) AS n FROM (SELECT t.entity_id, t.entity_id IN (SELECT unnest(string_to_array(");
                        q.bind(list.as_str()).push(", ','))) AS hit FROM entity_terms t WHERE t.term >= ");
                        q
                    }
                    None => Q::new(&format!(
                        "SELECT {} AS ids, COUNT(*) AS n FROM (SELECT t.entity_id FROM entity_terms t WHERE t.term >= ",
                        agg.replace("t.entity_id", "r.entity_id")
                    )),
                };
                q.bind(*lo)
                    .push(" AND t.term < ")
                    .bind(*hi)
                    .push(" LIMIT ")
                    .bind(limit)
                    .push(") r");
                q
            })
            .collect();
        let mut n = 0;
        // Kept as the parts read (a common word's are megabytes: not copied into one).
        let mut ids = vec![];
        for rows in self.fetch_all_spread(&reads).await? {
            let row = rows.first().ok_or(StoreError::Corrupt("ids".into()))?;
            n += row.try_get::<i64, _>("n")?;
            ids.extend(row.try_get::<Option<String>, _>("ids")?);
        }
        let n = n.min(limit);
        self.sizes.put(word, limit, n);
        if n >= limit {
            return Ok(None);
        }
        if let Some(forms) = f.blind.get(i).filter(|b| !b.is_empty()) {
            let mut q = Q::new(&format!(
                "SELECT {agg} AS ids FROM entity_terms t WHERE t.term IN ("
            ));
            q.bind_list(forms.iter().map(String::as_str)).push(")");
            ids.extend(
                self.fetch_one(&q)
                    .await?
                    .try_get::<Option<String>, _>("ids")?,
            );
        }
        Ok(Some(ids))
    }

    /// Visible entities that refer to `id` (links, events, documents held…).
    pub async fn entities_referring_visible(
        &mut self,
        viewer: &Viewer,
        id: &str,
    ) -> crate::Result<Vec<(String, Entity)>> {
        let mut q = Q::new(&format!("SELECT r.prop AS ref_prop, {COLS} FROM entity_refs r JOIN entities e ON e.id = r.entity_id WHERE r.target_id = "));
        q.bind(id).push(" AND ");
        viewer.predicate(&mut q, "e");
        q.push(" ORDER BY e.schema, e.id LIMIT 500");
        let rows = self.fetch_all(&q).await?;
        let props: Vec<String> = rows
            .iter()
            .map(|r| r.try_get("ref_prop"))
            .collect::<Result<_, _>>()?;
        let ents = self.entities_from_rows(rows).await?;
        Ok(props.into_iter().zip(ents).collect())
    }
}

impl Tx {
    /// A country's decision on a cross-reference candidate (same / different / unsure).
    pub async fn set_xref_decision(
        &mut self,
        entity_id: &str,
        candidate_id: &str,
        country: Country,
        decision: &str,
        user_id: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("DELETE FROM xref_decisions WHERE entity_id = $1 AND candidate_id = $2 AND country = $3")
                .arg(entity_id)
                .arg(candidate_id)
                .arg(country),
        )
        .await?;
        self.execute(
            &Q::new("INSERT INTO xref_decisions (entity_id, candidate_id, country, decision, user_id, at) VALUES ($1, $2, $3, $4, $5, $6)")
                .arg(entity_id)
                .arg(candidate_id)
                .arg(country)
                .arg(decision)
                .arg(user_id)
                .arg(now_ms),
        )
        .await?;
        Ok(())
    }

    /// The country's decisions about an entity's candidates: (candidate id, decision).
    pub async fn xref_decisions(
        &mut self,
        entity_id: &str,
        country: Country,
    ) -> crate::Result<Vec<(String, String)>> {
        self.fetch_all(
            &Q::new("SELECT candidate_id, decision FROM xref_decisions WHERE entity_id = $1 AND country = $2")
                .arg(entity_id)
                .arg(country),
        )
        .await?
        .iter()
        .map(|r| Ok((r.try_get("candidate_id")?, r.try_get("decision")?)))
        .collect()
    }
}

/// `SELECT {select} FROM entities e …` for the visible entities matching the filter. Search
/// words are resolved first, from the term index alone: the ids whose terms start with every
/// word (one range scan per word, intersected), and only those are then looked up and
/// filtered. At a million entities this is what keeps common name pairs fast.
fn entity_matches(q: &mut Q, viewer: &Viewer, f: &EntityFilter, select: &str) {
    let words: Vec<&String> = f.terms.iter().take(8).collect();
    if !words.is_empty() {
        q.push("WITH hit(id) AS (");
        for (i, t) in words.iter().enumerate() {
            if i > 0 {
                q.push(" INTERSECT ");
            }
            // One word alone still needs its ids once each (a prefix can match two terms).
            q.push(if words.len() == 1 {
                "SELECT DISTINCT t.entity_id FROM entity_terms t WHERE t.term >= "
            } else {
                "SELECT t.entity_id FROM entity_terms t WHERE t.term >= "
            })
            .bind(t.as_str())
            .push(" AND t.term < ")
            .bind(format!("{t}\u{10FFFF}"));
            blind_alternatives(q, f, i);
        }
        q.push(") ");
    }
    q.push(&format!("SELECT {select} FROM entities e"));
    if !words.is_empty() {
        q.push(" JOIN hit ON hit.id = e.id");
    }
    q.push(" WHERE ");
    viewer.predicate(q, "e");
    other_filters(q, f);
}

/// `OR t.term IN (…)`: the exact blind-index forms of search word `i` (AND binds tighter,
/// so this widens the word's prefix range and nothing else).
fn blind_alternatives(q: &mut Q, f: &EntityFilter, i: usize) {
    let Some(forms) = f.blind.get(i).filter(|b| !b.is_empty()) else {
        return;
    };
    q.push(" OR t.term IN (");
    for (j, b) in forms.iter().enumerate() {
        if j > 0 {
            q.push(", ");
        }
        q.bind(b.as_str());
    }
    q.push(")");
}

/// The filters besides the search words.
fn other_filters(q: &mut Q, f: &EntityFilter) {
    if let Some(s) = &f.schema {
        q.push(" AND e.schema = ").bind(s.as_str());
    }
    if let Some(o) = f.owner {
        q.push(" AND e.owner_country = ").bind(o);
    }
    if let Some(c) = &f.case_id {
        q.push(" AND e.case_id = ").bind(c.as_str());
    }
}

impl Tx {
    /// Whether a hit on this record may be answered to `asker` at all: a sensitive record
    /// (victims, minors) exists only for its owner and the countries its distribution names
    /// or it was shared with. Only for the hit/no-hit matcher, whose answers pass the
    /// disclosure policy.
    pub async fn unrestricted_hit_allowed(
        &mut self,
        id: &str,
        asker: Country,
    ) -> crate::Result<bool> {
        let mut q = Q::new("SELECT 1 AS ok FROM entities e WHERE e.id = ");
        q.bind(id)
            .push(" AND (e.sensitive = 0 OR e.owner_country = ")
            .bind(asker)
            .push(" OR (e.dist_level = 'countries' AND EXISTS (SELECT 1 FROM record_countries rc WHERE rc.record_id = e.id AND rc.country = ")
            .bind(asker)
            .push(")) OR EXISTS (SELECT 1 FROM record_shares rs WHERE rs.record_id = e.id AND rs.country = ")
            .bind(asker)
            .push("))");
        Ok(self.fetch_optional(&q).await?.is_some())
    }
}

impl crate::Store {
    /// One page of the entities of the given schemas, whoever owns it, in id order after
    /// `after` (keyset paging on the primary key, so memory stays bounded whatever the
    /// table holds), as stored: the properties' JSON text unparsed and sealed values still
    /// sealed, so that the check index parses the pages on its own threads
    /// ([`Store::index_row_properties`]). Only for building the hit/no-hit index, whose
    /// answers reveal existence and owner but never content.
    pub async fn unrestricted_index_page(
        &self,
        schemas: &[&str],
        after: Option<&str>,
        limit: i64,
    ) -> crate::Result<IndexPage> {
        // The page comes back as ONE row (lines of tab-separated fields, built by the
        // database): row-by-row transfer costs far more than the database's own reading.
        // JSON text holds no raw tab or newline, ids, codes and schema names neither.
        let (agg, tab, nl) = match self.engine() {
            crate::Engine::Sqlite => ("group_concat", "char(9)", "char(10)"),
            crate::Engine::Postgres => ("string_agg", "chr(9)", "chr(10)"),
        };
        let mut q = Q::new(&format!(
            "SELECT {agg}(id || {tab} || owner_country || {tab} || schema || {tab} || properties, {nl} ORDER BY id) AS page, COUNT(*) AS n, MAX(id) AS last FROM (SELECT id, owner_country, schema, properties FROM entities WHERE schema IN ("
        ));
        q.bind_list(schemas.iter().copied()).push(")");
        if let Some(after) = after {
            q.push(" AND id > ").bind(after);
        }
        q.push(" ORDER BY id LIMIT ")
            .bind(limit)
            .push(") page_rows");
        let row = self.fetch_optional(&q).await?;
        let (text, rows, last) = match row {
            Some(r) => (
                r.try_get::<Option<String>, _>("page")?.unwrap_or_default(),
                r.try_get::<i64, _>("n")?,
                r.try_get::<Option<String>, _>("last")?,
            ),
            None => (String::new(), 0, None),
        };
        Ok(IndexPage { text, rows, last })
    }

    /// The properties of a row of an [`IndexPage`] as JSON object text, sealed values
    /// opened. Plain rows (nearly all) are given back as stored, without a copy.
    pub fn index_row_properties<'a>(
        &self,
        row: &IndexRow<'a>,
    ) -> crate::Result<std::borrow::Cow<'a, str>> {
        if !row.properties.contains(crate::records::SEALED) {
            return Ok(std::borrow::Cow::Borrowed(row.properties));
        }
        let mut props: Properties =
            serde_json::from_str(row.properties).map_err(|_| corrupt("properties"))?;
        crate::records::open_stored_props(self.records.as_deref(), row.id, &mut props)?;
        serde_json::to_string(&props)
            .map(std::borrow::Cow::Owned)
            .map_err(|_| corrupt("properties"))
    }
}

/// A page of entities as the check index reads them at start
/// ([`Store::unrestricted_index_page`]): the stored rows as text, split on demand.
pub struct IndexPage {
    text: String,
    /// Rows in the page (fewer than asked: the last page).
    pub rows: i64,
    /// The last id of the page, where the next one starts.
    pub last: Option<String>,
}

/// One entity of an [`IndexPage`], borrowed from it.
pub struct IndexRow<'a> {
    pub id: &'a str,
    pub owner: Country,
    pub schema: &'a str,
    /// The stored JSON text (sealed values not yet opened).
    pub properties: &'a str,
}

impl IndexPage {
    /// The page's rows, in id order.
    pub fn rows(&self) -> crate::Result<Vec<IndexRow<'_>>> {
        self.text
            .split('\n')
            .filter(|l| !l.is_empty())
            .map(|line| {
                let mut f = line.splitn(4, '\t');
                let (Some(id), Some(owner), Some(schema), Some(properties)) =
                    (f.next(), f.next(), f.next(), f.next())
                else {
                    return Err(corrupt("index page"));
                };
                Ok(IndexRow {
                    id,
                    owner: Country::parse(owner).ok_or_else(|| corrupt("owner_country"))?,
                    schema,
                    properties,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::listed_ids;

    #[test]
    fn words_tied_at_the_cap_are_ordered_by_their_whole_size() {
        // «~MR ~KRMN ~ER ~DS»: three words counted past 20,000, their whole sizes known.
        let capped = [20_001, 15_572, 20_001, 20_001];
        let whole = [Some(209_916), None, Some(75_131), Some(25_049)];
        assert_eq!(
            super::rarest_first(&capped, &whole, &[0, 1, 2, 3]),
            vec![(15_572, 1), (20_001, 3), (20_001, 2), (20_001, 0)]
        );
        // Unknown whole sizes keep the word order among the tied.
        assert_eq!(
            super::rarest_first(&[9, 9, 3], &[None, None, None], &[4, 2, 7]),
            vec![(3, 7), (9, 2), (9, 4)]
        );
    }

    #[test]
    fn listed_ids_cut_platform_ids_and_split_any_other_list() {
        let a = "0".repeat(32);
        let b = "f".repeat(32);
        let parts = vec![
            format!("{a},{b}"),
            String::new(),
            b.clone(),
            "short,ids,,here".to_string(),
            format!("{a},x"),
        ];
        let got: Vec<&str> = listed_ids(&parts).collect();
        assert_eq!(got, [&a, &b, &b, "short", "ids", "here", &a, "x"]);
    }
}
