//! Use cases: each user action is one function that checks the policy, writes in one
//! transaction together with its audit row, and returns a result the web layer renders.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod centres;
pub mod charts;
pub mod checks;
pub mod crypto;
pub mod dashboard;
pub mod demo;
pub mod directory;
pub mod documents;
pub mod entities;
mod error;
pub mod files;
pub mod graph;
pub mod legislation;
pub mod live;
pub mod meetings;
pub mod pdf;
pub mod portal;
pub mod queue;
pub mod ratelimit;
pub mod requests;
pub mod retention;
pub mod routes;
pub mod sealing;
pub mod statistics;
pub mod users;
pub mod visas;
pub mod words;
pub mod workplans;

pub use error::{AppError, AppResult};

use enlace_domain::{Actor, Clock};
use enlace_store::audit::NewEntry;
use enlace_store::Store;
use std::sync::Arc;

/// Settings of the use cases (the web layer has its own).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// A session unused this long ends (default 30 minutes).
    pub idle_timeout_secs: i64,
    /// A session ends this long after login whatever happens (default 12 hours).
    pub absolute_timeout_secs: i64,
    /// Failed logins allowed per account in the window.
    pub login_failures_per_account: usize,
    /// Failed logins allowed per client address in the window.
    pub login_failures_per_client: usize,
    pub login_window_secs: i64,
    /// Hit/no-hit checks a user may run per hour.
    pub checks_per_hour: i64,
    /// A migration centre not reported for this many days is flagged and reminded.
    pub centre_unreported_days: i64,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            idle_timeout_secs: 30 * 60,
            absolute_timeout_secs: 12 * 3600,
            login_failures_per_account: 10,
            login_failures_per_client: 30,
            login_window_secs: 15 * 60,
            checks_per_hour: 60,
            centre_unreported_days: 7,
        }
    }
}

/// Where a request comes from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub request_id: String,
    pub client_addr: String,
    /// Why the caller reads (`?purpose=` on a GET): required to open a sensitive record.
    pub purpose: Option<String>,
}

/// An authenticated request: who and from where.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub origin: Origin,
}

impl Ctx {
    /// An audit entry for this actor; fill in the object fields.
    pub fn entry(&self, action: &str, outcome: &str) -> NewEntry {
        let mut e = anonymous_entry(&self.origin, action, outcome);
        e.actor_id = Some(self.actor.user_id.clone());
        e.actor_username = Some(self.actor.username.clone());
        e.actor_country = self.actor.country.map(|c| c.code().to_string());
        e.actor_role = Some(self.actor.role.as_str().to_string());
        e
    }
}

/// One audit row per record a read returned that its owner must be able to see in its
/// audit: every record of another country, and every sensitive record (flagged), with the
/// record's id and owner country, under the read's own action. Written in the read's
/// transaction, so a read is answered only once its rows are.
pub(crate) async fn audit_returned(
    tx: &mut enlace_store::Tx,
    ctx: &Ctx,
    now: i64,
    action: &str,
    kind: &str,
    records: Vec<(String, enlace_domain::Country, bool)>,
    purpose: Option<&str>,
) -> AppResult<()> {
    let mine = ctx.actor.country;
    let mut seen = std::collections::HashSet::new();
    for (id, owner, sensitive) in records {
        if (Some(owner) == mine && !sensitive) || !seen.insert(id.clone()) {
            continue;
        }
        let mut e = ctx.entry(action, "ok");
        e.object_kind = Some(kind.to_string());
        e.object_id = Some(id);
        e.object_country = Some(owner.code().to_string());
        e.purpose = purpose.map(|p| p.chars().take(500).collect());
        e.detail = Some(
            if sensitive {
                "returned sensitive"
            } else {
                "returned"
            }
            .to_string(),
        );
        tx.audit(now, e).await?;
    }
    Ok(())
}

pub(crate) fn anonymous_entry(origin: &Origin, action: &str, outcome: &str) -> NewEntry {
    NewEntry {
        action: action.to_string(),
        outcome: outcome.to_string(),
        request_id: Some(origin.request_id.clone()).filter(|s| !s.is_empty()),
        client_addr: Some(origin.client_addr.clone()).filter(|s| !s.is_empty()),
        ..Default::default()
    }
}

/// Everything the use cases need. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: AppConfig,
    limits: Arc<auth::LoginLimits>,
    /// A real Argon2id hash checked when the user does not exist, so both answers take as long.
    dummy_hash: Arc<String>,
    /// The hit/no-hit index, rebuilt from the store at start and kept current on writes.
    pub(crate) checks: checks::SharedIndex,
    pub(crate) hub: live::Hub,
}

impl App {
    /// The application with its check index built (tests; the CLI's one-off commands use
    /// [`App::start`], as none of them checks).
    pub async fn new(store: Store, clock: Arc<dyn Clock>, config: AppConfig) -> AppResult<App> {
        let app = App::start(store, clock, config).await?;
        app.rebuild_check_index().await?;
        Ok(app)
    }

    /// The application at once, its check index still to build: the server calls
    /// [`App::warm_check_index`] and listens meanwhile (checks answer 503 until it is ready).
    pub async fn start(store: Store, clock: Arc<dyn Clock>, config: AppConfig) -> AppResult<App> {
        let dummy_hash = crypto::hash_password(crypto::random_token())
            .await
            .map_err(AppError::Internal)?;
        let app = App {
            store,
            limits: Arc::new(auth::LoginLimits::new(&config)),
            clock,
            config,
            dummy_hash: Arc::new(dummy_hash),
            checks: Default::default(),
            hub: Default::default(),
        };
        // Sensitive records stored before encryption at rest (or under an older key) are
        // sealed now; a no-op once done.
        sealing::seal_records(&app.store, false).await?;
        // Warming until built: no check may answer from an empty index.
        app.checks
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .mark_warming();
        app.load_builtin_workplans().await?;
        app.load_builtin_indicators().await?;
        Ok(app)
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
