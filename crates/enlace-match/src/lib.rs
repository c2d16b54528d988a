//! Enlace matching engine: person and identifier matching for hit/no-hit checks.
//!
//! No I/O. Build [`PersonRecord`]s (from FollowTheMoney JSON with
//! [`PersonRecord::from_ftm`], or by hand), put them in an [`Index`], and query it: each
//! [`Match`] carries a score in 0..1 and the [`Feature`]s that explain it. A check answers
//! "hit" at or above [`DEFAULT_THRESHOLD`].
//!
//! ```
//! use enlace_match::{Index, PersonRecord, DEFAULT_THRESHOLD};
//! let mut index = Index::new();
//! index.insert("gt-17".into(), &PersonRecord::with_name("José Luis García López").birth_date("1985-03-12"));
//! let query = PersonRecord::with_name("Pepe Garsia López").birth_date("1985-12-03");
//! let hits = index.hits(&query, DEFAULT_THRESHOLD, 10);
//! assert_eq!(hits[0].id, "gt-17");
//! ```
//!
//! **Many records at once** (a server's start-up, `enlace match`): an [`IndexBuilder`]
//! reads and prepares records on several threads, then fills the posting lists one shard
//! per thread. It answers exactly as records inserted one by one in the same order (a later
//! record under an id already seen replaces it), and the [`Index`] it returns takes
//! [`Index::insert`] and [`Index::remove`] as usual afterwards.
//!
//! - [`IndexBuilder::new`]`(threads)` ([`available_threads`] for every core);
//! - [`IndexBuilder::add_batch`]`(Vec<(id, PersonRecord)>)`: records prepared in parallel
//!   (call it per page of rows read from a database: memory stays one page plus the index);
//! - [`IndexBuilder::add_ftm_reader`]`(reader)` / [`IndexBuilder::add_ftm_lines`]`(bytes)`:
//!   FollowTheMoney JSON Lines, read a piece at a time while the pieces before it are
//!   parsed in parallel (straight into the properties the matcher uses, no `Value` tree),
//!   ids as [`entity_id`] reads them, a bad line named in a [`LoadError`];
//! - [`IndexBuilder::finish`]`()` → [`Index`]; [`Index::build_parallel`]`(records, threads)`
//!   does all three; [`Index::hits_many_on`] answers a batch on a given number of threads;
//!   [`Index::stats`] says what the index holds.

mod data;
pub mod dob;
mod ftm;
pub mod ident;
mod index;
pub mod names;
pub mod phonetic;
mod record;
mod roman;
mod score;
pub mod synth;
pub mod text;

pub use ident::{
    normalize_account, normalize_document, normalize_email, normalize_phone, normalize_plate,
    normalize_vessel_name, normalize_vessel_registration, phone_candidates, IdKind, Identifier,
    MEMBER_COUNTRIES,
};
pub use index::{available_threads, entity_id, Index, IndexBuilder, IndexStats, LoadError};
pub use record::{Gender, NameParts, PersonRecord};
pub use score::{compare, Feature, Match, DEFAULT_THRESHOLD, FEATURES};
