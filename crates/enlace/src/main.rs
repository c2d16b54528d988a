//! `enlace`: the one program — server, demo, tokens, audit verification, user bootstrap.
use clap::{Args, Parser, Subcommand};
use enlace_app::{App, AppConfig};
use enlace_domain::{Clock, SystemClock};
use enlace_store::audit::{Checkpoint, Verdict};
use enlace_store::Store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

// mimalloc instead of glibc's malloc: with a large heap (the match index of a million
// persons) glibc spent a fifth of a bulk import searching its free lists.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "enlace",
    version,
    about = "Enlace — secure regional information exchange of the Liaison Officers Network"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Data folder: the SQLite database and the audit signing key live here.
    #[arg(long, env = "ENLACE_DATA", default_value = "./enlace-data")]
    data: PathBuf,
    /// Database URL (postgres://…); default: SQLite inside the data folder.
    #[arg(long, env = "ENLACE_DATABASE_URL")]
    database: Option<String>,
    /// Read the database URL from this file (keeps the password out of the environment).
    #[arg(long, env = "ENLACE_DATABASE_URL_FILE")]
    database_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "ENLACE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Fill an empty platform with fictional demo data and print the demo accounts.
        #[arg(long, env = "ENLACE_DEMO")]
        demo: bool,
        /// Serve HTTPS with this PEM certificate chain (with --tls-key); adds HSTS.
        #[arg(long, env = "ENLACE_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, env = "ENLACE_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Minutes of inactivity after which a session ends.
        #[arg(long, env = "ENLACE_IDLE_TIMEOUT_MINUTES", default_value_t = 30)]
        idle_timeout_minutes: i64,
        /// Hours after login after which a session ends whatever happens.
        #[arg(long, env = "ENLACE_ABSOLUTE_TIMEOUT_HOURS", default_value_t = 12)]
        absolute_timeout_hours: i64,
        /// Days without an occupancy report after which a migration centre is flagged.
        #[arg(long, env = "ENLACE_CENTRE_UNREPORTED_DAYS", default_value_t = 7)]
        centre_unreported_days: i64,
    },
    /// API tokens for national systems.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Batch person matching over FollowTheMoney JSON Lines, with the server's matcher.
    Match {
        /// Records to match against (one FollowTheMoney entity per line).
        #[arg(long)]
        records: PathBuf,
        /// Queries (one FollowTheMoney entity per line; `id` names the query).
        #[arg(long)]
        queries: PathBuf,
        /// Output: one line per query, `{"query_id":…,"matches":[{"id":…,"score":…}]}`.
        #[arg(long)]
        out: PathBuf,
        /// Keep matches at or above this score (default: the checks' hit threshold).
        #[arg(long)]
        threshold: Option<f64>,
        /// At most this many matches per query.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Threads for reading, indexing and matching (default: every core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Accounts (bootstrap of the first secretariat account on a non-demo platform).
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Write a consistent copy of the database while the server runs (keys are NOT included).
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The backup file to write (refused if it exists).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into an empty data folder (or an empty PostgreSQL database), then
    /// verify it: integrity, audit chain, row counts.
    Restore {
        /// The backup file (`enlace backup --out`).
        #[arg(long)]
        from: PathBuf,
        /// The data folder to restore into: it must hold no database and no keys.
        #[arg(long, env = "ENLACE_DATA", default_value = "./enlace-data")]
        data: PathBuf,
        /// An empty PostgreSQL database to restore a `pg_dump` backup into (with pg_restore).
        #[arg(long, env = "ENLACE_DATABASE_URL")]
        database: Option<String>,
        /// Copy the key files (audit-signing.key, secrets.key, records.keys) from this folder.
        #[arg(long)]
        keys_from: Option<PathBuf>,
    },
    /// The keys that seal sensitive records at rest (`records.keys` in the data folder).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Work plans (the 2018 work plan and the 2003 action plan ship with the program).
    Workplans {
        #[command(subcommand)]
        command: WorkplansCommand,
    },
}

#[derive(Subcommand)]
enum WorkplansCommand {
    /// Load another plan from its JSON document (the format `export` writes); prints its id.
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// The plan's JSON document.
        file: PathBuf,
    },
    /// Write a plan's JSON document to standard output (or --out).
    Export {
        #[command(flatten)]
        db: DbArgs,
        /// The plan's id (see `list`).
        id: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the plans: id, year, actions and title.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new key version and reseal every sensitive record and check subject under it,
    /// in short batches, while the server keeps running. Older versions stay in the file.
    Rotate {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new API token for a user.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and check the signed checkpoints; exit 0 when intact.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// A checkpoints file downloaded earlier (held outside the platform) to check as well.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create an account and print its temporary password.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// officer, prosecutor, analyst, approver, admin or secretariat.
        #[arg(long)]
        role: String,
        /// Lower-case country code (not for the secretariat).
        #[arg(long)]
        country: Option<String>,
    },
}

fn database_url(db: &DbArgs) -> Result<String, String> {
    if let Some(f) = &db.database_file {
        return std::fs::read_to_string(f)
            .map(|s| s.trim().to_string())
            .map_err(|e| format!("cannot read {}: {e}", f.display()));
    }
    Ok(match &db.database {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", db.data.join("enlace.db").display()),
    })
}

async fn open(db: &DbArgs) -> Result<Store, String> {
    std::fs::create_dir_all(&db.data)
        .map_err(|e| format!("cannot create {}: {e}", db.data.display()))?;
    let url = database_url(db)?;
    Store::open(&url, Some(Path::new(&db.data)))
        .await
        .map_err(|e| format!("cannot open the database: {e}"))
}

/// `enlace keys rotate`: a new version in the ring, then two sealing passes (the second
/// catches rows a running server wrote under the older version before it re-read the ring,
/// which it does within a second).
async fn rotate_keys(db: &DbArgs) -> Result<ExitCode, String> {
    std::fs::create_dir_all(&db.data)
        .map_err(|e| format!("cannot create {}: {e}", db.data.display()))?;
    let version = enlace_store::records::RecordKeys::rotate_file(&db.data)
        .map_err(|e| format!("cannot add a key version: {e}"))?;
    let store = open(db).await?;
    let first = enlace_app::sealing::seal_records(&store, true)
        .await
        .map_err(|e| format!("resealing failed (run `enlace keys rotate` again): {e}"))?;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let second = enlace_app::sealing::seal_records(&store, true)
        .await
        .map_err(|e| format!("resealing failed (run `enlace keys rotate` again): {e}"))?;
    let (entities, checks) = (
        first.entities + second.entities,
        first.checks + second.checks,
    );
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    tx.audit(
        SystemClock.now_ms(),
        enlace_store::audit::NewEntry {
            action: "keys.rotate".into(),
            outcome: "ok".into(),
            detail: Some(format!(
                "version={version} entities={entities} checks={checks}"
            )),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    store.close().await;
    println!(
        "record key version {version} is current: {entities} sensitive entities and {checks} check subjects resealed"
    );
    println!(
        "Copy {} to the offline key storage now (older versions stay in it; never delete a line).",
        db.data.join(enlace_store::records::KEY_FILE).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The application for a one-off command (tokens, users, work plans). None of them checks,
/// so the check index is not built: at a million persons that would cost seconds and a GB.
async fn app(db: &DbArgs, config: AppConfig) -> Result<App, String> {
    let store = open(db).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    App::start(store, clock, config)
        .await
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ENLACE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            demo,
            tls_cert,
            tls_key,
            idle_timeout_minutes,
            absolute_timeout_hours,
            centre_unreported_days,
        } => {
            let config = AppConfig {
                idle_timeout_secs: idle_timeout_minutes.max(1) * 60,
                absolute_timeout_secs: absolute_timeout_hours.max(1) * 3600,
                centre_unreported_days: centre_unreported_days.max(1),
                ..AppConfig::default()
            };
            // The server listens at once; the check index warms in the background (checks
            // answer 503 `index_warming` until it is ready).
            let app = App::start(open(&db).await?, Arc::new(SystemClock), config)
                .await
                .map_err(|e| e.to_string())?;
            app.warm_check_index(None);
            // The sizes of the search terms (which word of a search to read first), read once
            // the check index is warm (both read the whole store: not at once on a small
            // machine) and again whenever the term index has changed and gone quiet.
            let sizer = app.clone();
            tokio::spawn(async move {
                let mut iv = tokio::time::interval(std::time::Duration::from_secs(2));
                loop {
                    iv.tick().await;
                    if sizer.check_index_warming() {
                        continue;
                    }
                    let started = std::time::Instant::now();
                    match sizer.store.refresh_term_sizes(false).await {
                        Ok(Some(terms)) => tracing::info!(
                            terms,
                            ms = started.elapsed().as_millis() as u64,
                            "search term sizes read"
                        ),
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "reading the search term sizes failed")
                        }
                    }
                }
            });
            // SQLite's log copied into the database file by this task, not inside the
            // commit of whichever request fills it (see `Store::checkpoint_wal`).
            let wal = app.clone();
            tokio::spawn(async move {
                let mut iv = tokio::time::interval(std::time::Duration::from_secs(1));
                iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    iv.tick().await;
                    if let Err(e) = wal.store.checkpoint_wal().await {
                        tracing::warn!(error = %e, "checkpointing the write-ahead log failed");
                    }
                }
            });
            // The full-disk reserve (SQLite: the database shares the data folder's disk).
            if db.database.is_none() && db.database_file.is_none() {
                let mb: u64 = std::env::var("ENLACE_DISK_RESERVE_MB")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(64);
                if mb > 0 {
                    app.store
                        .keep_reserve(&db.data.join("disk-reserve"), mb << 20)
                        .await;
                }
            }
            if demo {
                let seeded = app.seed_demo().await.map_err(|e| e.to_string())?;
                print_demo_accounts(seeded);
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            let tls = match (&tls_cert, &tls_key) {
                (Some(c), Some(k)) => Some(enlace_web::tls::acceptor(c, k)?),
                _ => None,
            };
            let scheme = if tls.is_some() { "https" } else { "http" };
            println!("Enlace is serving on {scheme}://{addr}");
            // Checkpoint the audit chain's head every minute, so a truncated tail is caught.
            let ticker = app.clone();
            tokio::spawn(async move {
                let mut iv = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    iv.tick().await;
                    if let Err(e) = ticker.checkpoint_audit().await {
                        tracing::warn!(error = %e, "audit checkpoint failed");
                    }
                    if let Err(e) = ticker.run_reminders().await {
                        tracing::warn!(error = %e, "reminders failed");
                    }
                    if let Err(e) = ticker.run_legislation_reminders().await {
                        tracing::warn!(error = %e, "legislation reminders failed");
                    }
                    if let Err(e) = ticker.run_centre_reminders().await {
                        tracing::warn!(error = %e, "centre reminders failed");
                    }
                    if let Err(e) = ticker.run_agreement_reminders().await {
                        tracing::warn!(error = %e, "agreement reminders failed");
                    }
                }
            });
            let state = enlace_web::AppState {
                app: app.clone(),
                web: enlace_web::WebConfig::default(),
            };
            match tls {
                Some(acceptor) => {
                    let l = enlace_web::tls::TlsListener::new(listener, acceptor)
                        .map_err(|e| e.to_string())?;
                    enlace_web::serve_tls(state, l, shutdown_signal()).await
                }
                None => enlace_web::serve(state, listener, shutdown_signal()).await,
            }
            .map_err(|e| e.to_string())?;
            let _ = app.checkpoint_audit().await;
            app.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command: TokenCommand::Create { db, user, name },
        } => {
            let app = app(&db, AppConfig::default()).await?;
            let u = app
                .store
                .user_by_username(&user.trim().to_ascii_lowercase())
                .await
                .map_err(|e| e.to_string())?
                .filter(|u| !u.disabled)
                .ok_or_else(|| format!("no enabled user named {user}"))?;
            let ctx = enlace_app::Ctx {
                actor: u.actor(),
                origin: enlace_app::Origin {
                    request_id: "cli".into(),
                    client_addr: "command-line".into(),
                    purpose: None,
                },
            };
            let (_, token) = app
                .create_token(&ctx, &name)
                .await
                .map_err(|e| e.to_string())?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys {
            command: KeysCommand::Rotate { db },
        } => rotate_keys(&db).await,
        Command::Audit {
            command: AuditCommand::Verify { db, checkpoints },
        } => {
            let external: Vec<Checkpoint> = match checkpoints {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    let v: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|e| format!("bad checkpoints file: {e}"))?;
                    let list = v.get("checkpoints").cloned().unwrap_or(v);
                    serde_json::from_value(list)
                        .map_err(|e| format!("bad checkpoints file: {e}"))?
                }
                None => vec![],
            };
            let store = open(&db).await?;
            let verdict = store
                .unrestricted_verify_audit(&external)
                .await
                .map_err(|e| e.to_string())?;
            match verdict {
                Verdict::Intact {
                    entries,
                    checkpoints,
                } => {
                    println!("audit chain intact: {entries} entries ({checkpoints} signed checkpoints verified)");
                    Ok(ExitCode::SUCCESS)
                }
                Verdict::Broken { seq, reason } => {
                    println!("audit chain BROKEN at entry {seq}: {reason}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Match {
            records,
            queries,
            out,
            threshold,
            limit,
            threads,
        } => {
            let threads = threads.unwrap_or_else(enlace_match::available_threads);
            let n = batch_match(&records, &queries, &out, threshold, limit, threads)?;
            eprintln!("matched {n} queries");
            Ok(ExitCode::SUCCESS)
        }
        Command::Users {
            command:
                UsersCommand::Add {
                    db,
                    username,
                    display_name,
                    role,
                    country,
                },
        } => {
            let app = app(&db, AppConfig::default()).await?;
            let pw = app
                .bootstrap_user(
                    &username,
                    display_name.as_deref(),
                    &role,
                    country.as_deref(),
                )
                .await
                .map_err(|e| match e {
                    enlace_app::AppError::Invalid(inv) => format!("invalid input: {:?}", inv.0),
                    other => other.to_string(),
                })?;
            println!("created {username}; temporary password (shown once): {pw}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Workplans { command } => workplans(command).await,
        Command::Backup { db, out } => backup(&db, &out).await,
        Command::Restore {
            from,
            data,
            database,
            keys_from,
        } => restore(&from, &data, database.as_deref(), keys_from.as_deref()).await,
    }
}

/// A name next to `file` for the copy being written, so a half backup never looks complete.
fn partial_name(file: &Path) -> Result<PathBuf, String> {
    let name = file
        .file_name()
        .ok_or_else(|| format!("{} is not a file name", file.display()))?
        .to_string_lossy();
    Ok(file.with_file_name(format!(
        ".{name}.partial-{}",
        &enlace_store::random_token()[..12]
    )))
}

/// Makes a rename durable: syncs the folder that holds `file`.
fn sync_parent(file: &Path) {
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

async fn backup(db: &DbArgs, out: &Path) -> Result<ExitCode, String> {
    if out.exists() {
        return Err(format!(
            "{} exists: a backup never overwrites a file",
            out.display()
        ));
    }
    let tmp = partial_name(out)?;
    let url = database_url(db)?;
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        // pg_dump takes a consistent snapshot too and does not block the server.
        let status = std::process::Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--file"])
            .arg(&tmp)
            .arg(&url)
            .status()
            .map_err(|e| {
                format!("cannot run pg_dump (install the PostgreSQL client tools): {e}")
            })?;
        if !status.success() {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("pg_dump failed ({status})"));
        }
        if let Ok(f) = std::fs::File::open(&tmp) {
            let _ = f.sync_all();
        }
    } else {
        let db_file = db.data.join("enlace.db");
        if !db_file.is_file() {
            return Err(format!("no database at {}", db_file.display()));
        }
        // Without the key folder: a backup needs no key and must not create one.
        let store = Store::open(&url, None)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))?;
        let r = store.unrestricted_backup_sqlite(&tmp).await;
        store.close().await;
        if let Err(e) = r {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("backup failed: {e}"));
        }
    }
    if out.exists() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "{} appeared meanwhile; not overwritten",
            out.display()
        ));
    }
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot rename to {}: {e}", out.display())
    })?;
    sync_parent(out);
    println!("backup written to {}", out.display());
    println!("The keys are NOT in the backup. Copy them separately and keep them offline, apart from the backups:");
    for k in enlace_store::backup::KEY_FILES {
        let p = db.data.join(k);
        let note = if p.is_file() { "" } else { " (not found)" };
        println!("  {}{note}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

async fn restore(
    from: &Path,
    data: &Path,
    database: Option<&str>,
    keys_from: Option<&Path>,
) -> Result<ExitCode, String> {
    use enlace_store::backup::KEY_FILES;
    // Refuse a folder that already holds a platform: a restore never overwrites one.
    let db_file = data.join("enlace.db");
    for name in ["enlace.db", "enlace.db-wal", "enlace.db-shm"]
        .iter()
        .chain(KEY_FILES.iter())
    {
        if data.join(name).exists() {
            return Err(format!(
                "{} already holds {name}: restore only into an empty data folder",
                data.display()
            ));
        }
    }
    if !from.is_file() {
        return Err(format!("no backup file at {}", from.display()));
    }
    let postgres =
        database.filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"));
    if let Some(url) = database {
        if postgres.is_none() {
            return Err("--database must be a postgres:// URL".into());
        }
        let has = enlace_store::backup::unrestricted_postgres_has_tables(url)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))?;
        if has {
            return Err(
                "the database already holds tables: restore only into an empty database".into(),
            );
        }
    } else {
        // Check the copy before anything is written: a corrupt file leaves the folder as it was.
        let problems = enlace_store::backup::unrestricted_check_sqlite_file(from)
            .await
            .map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        if !problems.is_empty() {
            return Err(format!(
                "{} is not a sound backup: {}",
                from.display(),
                problems.join("; ")
            ));
        }
    }
    // Keys: check them all before copying anything.
    let mut keys = vec![];
    if let Some(dir) = keys_from {
        for k in KEY_FILES {
            let p = dir.join(k);
            if p.is_file() {
                keys.push((p, data.join(k)));
            }
        }
        if keys.is_empty() {
            return Err(format!("{} holds no key files", dir.display()));
        }
    }
    std::fs::create_dir_all(data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    match postgres {
        Some(url) => {
            let status = std::process::Command::new("pg_restore")
                .args([
                    "--no-owner",
                    "--exit-on-error",
                    "--single-transaction",
                    "--dbname",
                ])
                .arg(url)
                .arg(from)
                .status()
                .map_err(|e| {
                    format!("cannot run pg_restore (install the PostgreSQL client tools): {e}")
                })?;
            if !status.success() {
                return Err(format!("pg_restore failed ({status})"));
            }
        }
        None => {
            let tmp = partial_name(&db_file)?;
            let copied = std::fs::copy(from, &tmp)
                .and_then(|_| std::fs::File::open(&tmp)?.sync_all())
                .and_then(|_| std::fs::rename(&tmp, &db_file));
            if let Err(e) = copied {
                let _ = std::fs::remove_file(&tmp);
                return Err(format!("cannot copy into {}: {e}", data.display()));
            }
            sync_parent(&db_file);
        }
    }
    for (src, dst) in &keys {
        copy_key(src, dst)?;
    }
    sync_parent(&db_file);
    println!(
        "restored {} into {}",
        from.display(),
        postgres
            .map(|_| "the PostgreSQL database".to_string())
            .unwrap_or_else(|| data.display().to_string())
    );
    // Verify: open without the key folder when the keys were not given, so that no new keys
    // are created in their place.
    let url = match postgres {
        Some(u) => u.to_string(),
        None => format!("sqlite://{}", db_file.display()),
    };
    let key_dir = if keys.is_empty() { None } else { Some(data) };
    let store = Store::open(&url, key_dir)
        .await
        .map_err(|e| format!("cannot open the restored database: {e}"))?;
    let mut ok = true;
    if postgres.is_none() {
        let problems = enlace_store::backup::unrestricted_check_sqlite_file(&db_file)
            .await
            .map_err(|e| e.to_string())?;
        if problems.is_empty() {
            println!("integrity: ok");
        } else {
            ok = false;
            println!("integrity: FAILED: {}", problems.join("; "));
        }
    }
    match store
        .unrestricted_verify_audit(&[])
        .await
        .map_err(|e| e.to_string())?
    {
        Verdict::Intact {
            entries,
            checkpoints,
        } => println!(
            "audit chain intact: {entries} entries ({checkpoints} signed checkpoints verified)"
        ),
        Verdict::Broken { seq, reason } => {
            ok = false;
            println!("audit chain BROKEN at entry {seq}: {reason}");
        }
    }
    println!("rows per table:");
    for (table, n) in store
        .unrestricted_table_counts()
        .await
        .map_err(|e| e.to_string())?
    {
        println!("  {table}\t{n}");
    }
    store.close().await;
    if keys.is_empty() {
        println!(
            "keys NOT restored: copy audit-signing.key, secrets.key and records.keys into {} before starting the server (without secrets.key no second factor can be checked, without records.keys no sensitive record can be read)",
            data.display()
        );
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// Copies a key file readable by its owner only.
fn copy_key(src: &Path, dst: &Path) -> Result<(), String> {
    let text = std::fs::read(src).map_err(|e| format!("cannot read {}: {e}", src.display()))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = opts
        .open(dst)
        .map_err(|e| format!("cannot create {}: {e}", dst.display()))?;
    f.write_all(&text)
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", dst.display()))
}

/// The operator at the command line holds the database: loads, exports and lists plans
/// without an account (the import is audited as coming from the command line).
async fn workplans(command: WorkplansCommand) -> Result<ExitCode, String> {
    let origin = enlace_app::Origin {
        request_id: "cli".into(),
        client_addr: "command-line".into(),
        purpose: None,
    };
    match command {
        WorkplansCommand::Import { db, file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            // serde's message says where the document is wrong (line, column, field).
            let doc: enlace_app::workplans::PlanDoc = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not a work plan: {e}", file.display()))?;
            let app = app(&db, AppConfig::default()).await?;
            let p = app
                .import_workplan(None, &origin, &doc)
                .await
                .map_err(|e| match e {
                    enlace_app::AppError::Invalid(inv) => format!("invalid plan: {:?}", inv.0),
                    other => other.to_string(),
                })?;
            println!("{}", p.id);
            eprintln!(
                "loaded {} ({}): {} axes, {} actions",
                p.title.es, p.year, p.axes, p.actions
            );
            Ok(ExitCode::SUCCESS)
        }
        WorkplansCommand::Export { db, id, out } => {
            let app = app(&db, AppConfig::default()).await?;
            let doc = app
                .export_workplan(None, &id)
                .await
                .map_err(|e| format!("no plan {id}: {e}"))?;
            match out {
                Some(path) => std::fs::write(&path, doc)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                None => println!("{doc}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkplansCommand::List { db } => {
            // Through the app: a new platform loads the shipped plans first.
            let store = app(&db, AppConfig::default()).await?.store;
            for p in store.workplans().await.map_err(|e| e.to_string())? {
                let actions = serde_json::from_str::<enlace_app::workplans::PlanDoc>(&p.document)
                    .map(|d| d.action_count())
                    .unwrap_or(0);
                println!("{}\t{}\t{}\t{}", p.id, p.year, actions, p.title_es);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads FollowTheMoney JSON Lines, skipping blank lines; a malformed line is an error that
/// names it.
fn read_entities(path: &Path) -> Result<Vec<(String, serde_json::Value)>, String> {
    use std::io::BufRead;
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut out = vec![];
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| format!("{} line {}: not JSON: {e}", path.display(), i + 1))?;
        let id = match v.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => format!("line-{}", i + 1),
        };
        out.push((id, v));
    }
    Ok(out)
}

fn batch_match(
    records: &Path,
    queries: &Path,
    out: &Path,
    threshold: Option<f64>,
    limit: usize,
    threads: usize,
) -> Result<usize, String> {
    use std::io::Write;
    // Read, parsed and indexed on every core, a block at a time (the file is never held
    // whole, nor its JSON trees: each line is reduced to the matcher's record at once).
    let mut builder = enlace_match::IndexBuilder::new(threads);
    let f = std::fs::File::open(records)
        .map_err(|e| format!("cannot open {}: {e}", records.display()))?;
    builder
        .add_ftm_reader(f)
        .map_err(|e| format!("{} {e}", records.display()))?;
    let index = builder.finish();
    let qs = read_entities(queries)?;
    let recs: Vec<enlace_match::PersonRecord> = qs
        .iter()
        .map(|(_, v)| enlace_match::PersonRecord::from_ftm(v).unwrap_or_default())
        .collect();
    let threshold = threshold.unwrap_or(enlace_match::DEFAULT_THRESHOLD);
    let results = index.hits_many_on(&recs, threshold, limit.max(1), threads);
    let f =
        std::fs::File::create(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut w = std::io::BufWriter::new(f);
    for ((qid, _), matches) in qs.iter().zip(results) {
        let line = serde_json::json!({
            "query_id": qid,
            "matches": matches.iter().map(|m| serde_json::json!({"id": m.id, "score": m.score})).collect::<Vec<_>>(),
        });
        writeln!(w, "{line}").map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())?;
    // The process ends here: freeing a million records one allocation at a time would only
    // delay the exit (a few tenths of a second); the system takes the memory back at once.
    std::mem::forget(index);
    Ok(qs.len())
}

fn print_demo_accounts(seeded: bool) {
    if seeded {
        println!("Demo data created (all fictional).");
    }
    println!(
        "Demo accounts (password: {}; they may skip the second factor):",
        enlace_app::demo::DEMO_PASSWORD
    );
    let names = enlace_app::demo::demo_usernames();
    for chunk in names.chunks(6) {
        println!("  {}", chunk.join("  "));
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
