//! Persistence for Enlace: SQLite (default) and PostgreSQL through one set of portable
//! queries, migrations, the one visibility predicate and the audit hash chain.

pub mod audit;
pub mod backup;
pub mod cases;
pub mod centres;
pub mod checks;
pub mod countries;
mod db;
pub mod directory;
pub mod documents;
pub mod entities;
pub mod legislation;
pub mod live;
pub mod meetings;
mod migrate;
pub mod portal;
pub mod queue;
pub mod records;
pub mod requests;
pub mod retention;
pub mod sealed;
pub mod sessions;
pub mod statistics;
pub mod testing;
pub mod tokens;
pub mod users;
pub mod visas;
pub mod visibility;
pub mod workplans;

pub use db::{new_id, random_token, Engine, Store, StoreError, Tx};
pub use visibility::Viewer;

pub type Result<T> = std::result::Result<T, StoreError>;
