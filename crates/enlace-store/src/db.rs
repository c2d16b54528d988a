use enlace_domain::Country;
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::{watch, Mutex, OwnedMutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(sqlx::Error),
    /// The database cannot grow (disk full, or the page limit): the write was undone.
    #[error("insufficient storage")]
    Full,
    /// A read's audit row could not be written (no room left even in the reserve): the
    /// read must not be served unaudited.
    #[error("the audit row of a read could not be written")]
    AuditUnavailable,
    #[error("unsupported database URL scheme (use sqlite:// or postgres://)")]
    UnsupportedScheme,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("key: {0}")]
    Key(String),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// A write inside a read transaction (`Store::read`): a programming error.
    #[error("write inside a read transaction")]
    ReadOnly,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_full(&e) {
            StoreError::Full
        } else {
            StoreError::Db(e)
        }
    }
}

/// Whether a database error says the database cannot grow: SQLite's SQLITE_FULL (a full
/// disk or `max_page_count` reached) or PostgreSQL's `disk_full` (53100).
pub(crate) fn is_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            matches!(d.code().as_deref(), Some("13") | Some("53100"))
                || d.message().contains("database or disk is full")
        }
        _ => false,
    }
}

impl StoreError {
    /// Whether the error is a unique-constraint violation (a duplicate), on either engine.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => {
                matches!(e.kind(), sqlx::error::ErrorKind::UniqueViolation)
            }
            StoreError::Conflict(_) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The database handle. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    /// Write transactions run here. On SQLite this is one dedicated connection: a connection
    /// drops its whole page cache whenever another connection has written, so a single writer
    /// keeps its cache (and the hot ends of the indexes) warm from one transaction to the next.
    writer: AnyPool,
    engine: Engine,
    /// The one writing connection and its open batch. Holding it serialises write
    /// transactions: SQLite allows one writer, and the audit chain needs its appends in order
    /// on both engines (PostgreSQL also takes an advisory lock, for other processes).
    write_lock: Arc<Mutex<Writer>>,
    /// The last batch made durable (or failed): what `Tx::commit` waits for.
    durable: watch::Sender<Durable>,
    pub(crate) signer: Option<Arc<ed25519_dalek::SigningKey>>,
    /// Seals stored secrets (TOTP seeds) with a key from the data folder.
    pub(crate) sealer: Option<Arc<crate::sealed::Sealer>>,
    /// Seals personal data at rest (sensitive entities, check subjects, search queries).
    pub(crate) records: Option<Arc<crate::records::RecordKeys>>,
    pub(crate) space: Arc<Space>,
    /// Term-range sizes lately counted by search plans (see `TermSizes`).
    pub(crate) sizes: Arc<crate::entities::TermSizes>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("engine", &self.engine)
            .finish()
    }
}

/// Group commit. Write transactions are savepoints inside one batch transaction on the
/// writing connection: a transaction's `commit` releases its savepoint and the write lock,
/// then waits until its batch is durable. Whoever gets the lock next while the batch is
/// open either joins it (a new transaction) or commits it (a waiter): so concurrent requests
/// share one fsync, and each answers only after the commit that holds its rows. A
/// transaction dropped without `commit` is rolled back to its savepoint by the next holder.
pub(crate) struct Writer {
    conn: Option<PoolConnection<Any>>,
    /// A batch transaction is open.
    open: bool,
    /// A transaction was dropped without committing: roll its savepoint back first.
    dirty: bool,
    /// The number of the open (or last) batch.
    batch: u64,
    /// The audit chain's head (seq, hash) inside the open batch, once read: appends need it,
    /// and reading it once per batch instead of once per entry keeps the write lock short.
    /// Forgotten whenever a batch opens (another process may have appended in between) and
    /// whenever a savepoint is rolled back.
    pub(crate) head: Option<(i64, String)>,
    /// The last batch failed for want of room (so its transactions answer `Full`).
    last_full: bool,
}

#[derive(Debug, Clone, Default)]
struct Durable {
    /// Every batch up to this one is resolved.
    done: u64,
    /// The latest batches whose commit failed (bounded), and whether for want of room.
    failed: Vec<(u64, bool)>,
}

impl Durable {
    fn resolve(&mut self, batch: u64, ok: bool, full: bool) {
        self.done = self.done.max(batch);
        if !ok {
            if self.failed.len() >= 64 {
                self.failed.remove(0);
            }
            self.failed.push((batch, full));
        }
    }
}

/// How much room the database has: the full-disk line. While `full`, plain writes are
/// refused before they start (507), and only audit rows may use what the reserve freed.
#[derive(Debug, Default)]
pub(crate) struct Space {
    full: AtomicBool,
    /// A pre-allocated file in the data folder, deleted when the disk fills so that audit
    /// rows still land, and made again once there is room.
    reserve: std::sync::Mutex<Option<(PathBuf, u64)>>,
    /// A page limit (SQLite `max_page_count`) set by an operator or a test. Plain writes
    /// stop `RESERVE_PAGES` below it; the reserve pages are for audit rows once full.
    page_limit: std::sync::Mutex<Option<i64>>,
    last_check: std::sync::Mutex<Option<std::time::Instant>>,
}

/// The pages kept back below a page limit for audit rows (see `Space`).
const RESERVE_PAGES: i64 = 64;
/// SQLite's default `max_page_count`.
const NO_PAGE_LIMIT: i64 = 4_294_967_294;

impl Space {
    pub(crate) fn is_full(&self) -> bool {
        self.full.load(Ordering::SeqCst)
    }
    /// Writes just failed for want of room: free the reserve for the audit rows.
    async fn trip(&self, conn: &mut sqlx::AnyConnection) {
        if self.full.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::error!("the database cannot grow: writes are refused (507) until there is room");
        let reserve = self.reserve.lock().map(|r| r.clone()).unwrap_or(None);
        if let Some((path, _)) = reserve {
            let _ = std::fs::remove_file(&path);
        }
        let limit = self.page_limit.lock().map(|l| *l).unwrap_or(None);
        if let Some(limit) = limit {
            let _ = conn
                .execute(format!("PRAGMA max_page_count = {limit}").as_str())
                .await;
        }
        if let Ok(mut t) = self.last_check.lock() {
            *t = Some(std::time::Instant::now());
        }
    }
    /// While full, at most every two seconds (or now when `force`): is there room again?
    /// Then the reserve is taken back and writes resume.
    async fn rearm(&self, conn: &mut sqlx::AnyConnection, force: bool) {
        if !self.is_full() {
            return;
        }
        if !force {
            let Ok(mut t) = self.last_check.lock() else {
                return;
            };
            if t.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(2)) {
                return;
            }
            *t = Some(std::time::Instant::now());
        }
        let limit = self.page_limit.lock().map(|l| *l).unwrap_or(None);
        if let Some(limit) = limit {
            let Ok(count) = sqlx::query_scalar::<_, i64>("PRAGMA page_count")
                .fetch_one(&mut *conn)
                .await
            else {
                return;
            };
            if count + 2 * RESERVE_PAGES > limit {
                return;
            }
            let back = limit - RESERVE_PAGES;
            if conn
                .execute(format!("PRAGMA max_page_count = {back}").as_str())
                .await
                .is_err()
            {
                return;
            }
        }
        let reserve = self.reserve.lock().map(|r| r.clone()).unwrap_or(None);
        if let Some((path, bytes)) = reserve {
            if make_reserve(&path, bytes).is_err() {
                return;
            }
        }
        self.full.store(false, Ordering::SeqCst);
        tracing::info!("the database has room again: writes resume");
    }
}

/// Writes `bytes` of zeros to `path` (real blocks, not a sparse file) and syncs it; on
/// failure (no room) removes what it wrote.
fn make_reserve(path: &Path, bytes: u64) -> std::io::Result<()> {
    use std::io::Write;
    if std::fs::metadata(path).is_ok_and(|m| m.len() >= bytes) {
        return Ok(());
    }
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(path)?;
        let chunk = vec![0u8; 1 << 20];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            f.write_all(&chunk[..n])?;
            left -= n as u64;
        }
        f.sync_all()
    };
    let r = write();
    if r.is_err() {
        let _ = std::fs::remove_file(path);
    }
    r
}

impl Writer {
    fn conn(&mut self) -> crate::Result<&mut sqlx::AnyConnection> {
        self.conn
            .as_deref_mut()
            .ok_or(StoreError::Db(sqlx::Error::PoolClosed))
    }
    /// Rolls back what a dropped transaction left, and opens a batch if none is.
    async fn ready(
        &mut self,
        engine: Engine,
        durable: &watch::Sender<Durable>,
    ) -> crate::Result<()> {
        if self.dirty && !self.undo_dropped().await? {
            // The whole batch was lost with it: its waiters answer an error.
            // A lost batch is SQLite undoing a transaction that could not grow.
            let batch = self.batch;
            durable.send_modify(|d| d.resolve(batch, false, true));
        }
        if !self.open {
            self.head = None;
            let conn = self.conn()?;
            conn.execute("BEGIN").await?;
            if engine == Engine::Postgres {
                conn.execute("SELECT pg_advisory_xact_lock(7419)").await?;
            }
            self.open = true;
            self.batch += 1;
        }
        Ok(())
    }
    /// Rolls back a dropped transaction's savepoint. When that fails (SQLite may have
    /// undone the whole transaction on a full disk), the whole batch is rolled back and
    /// Ok(false) says it is lost; the writer is left ready for a new batch either way.
    async fn undo_dropped(&mut self) -> crate::Result<bool> {
        self.dirty = false;
        self.head = None;
        let conn = self.conn()?;
        let undone = conn.execute("ROLLBACK TO SAVEPOINT tx").await.is_ok()
            && conn.execute("RELEASE SAVEPOINT tx").await.is_ok();
        if !undone {
            let _ = conn.execute("ROLLBACK").await;
            self.open = false;
        }
        Ok(undone)
    }
    /// Commits the open batch; Ok(false) when its commit failed (it is rolled back).
    async fn commit_batch(&mut self) -> crate::Result<bool> {
        self.last_full = false;
        if self.dirty && !self.undo_dropped().await? {
            return Ok(false);
        }
        self.head = None;
        if !self.open {
            return Ok(true);
        }
        self.open = false;
        let conn = self.conn()?;
        match conn.execute("COMMIT").await {
            Ok(_) => Ok(true),
            Err(e) => {
                let full = is_full(&e);
                let _ = conn.execute("ROLLBACK").await;
                self.last_full = full;
                Ok(false)
            }
        }
    }
}

/// A write transaction holding the process write lock, or a read transaction
/// ([`Store::read`]) that reads on a pooled connection and appends its audit entries under
/// the write lock only when it commits.
pub struct Tx {
    /// None once committed (and in a read transaction).
    w: Option<OwnedMutexGuard<Writer>>,
    /// The pooled connection of a read transaction.
    read: Option<PoolConnection<Any>>,
    /// A read transaction's pool, for a second connection when one is idle
    /// ([`Tx::fetch_all_spread`]).
    pool: Option<AnyPool>,
    /// A read transaction's audit entries, appended at commit.
    pub(crate) pending: Vec<(i64, crate::audit::NewEntry)>,
    durable: watch::Sender<Durable>,
    lock: Arc<Mutex<Writer>>,
    pub(crate) engine: Engine,
    pub(crate) signer: Option<Arc<ed25519_dalek::SigningKey>>,
    pub(crate) sealer: Option<Arc<crate::sealed::Sealer>>,
    pub(crate) records: Option<Arc<crate::records::RecordKeys>>,
    space: Arc<Space>,
    pub(crate) sizes: Arc<crate::entities::TermSizes>,
    /// Something besides audit rows was written: a failure for want of room is then a
    /// refused write (507), not an unaudited read (503).
    wrote: bool,
}

impl Tx {
    /// Keeps this transaction's writes and answers once they are durable (see `Writer`).
    pub async fn commit(mut self) -> crate::Result<()> {
        if self.read.take().is_some() {
            return self.commit_read().await;
        }
        let w = self
            .w
            .take()
            .ok_or(StoreError::Db(sqlx::Error::PoolClosed))?;
        let batch = release(w).await?;
        wait_durable(&self.lock, &self.durable, batch)
            .await
            .map_err(|e| self.room(e))
    }
    /// Keeps this transaction's writes in the open batch and returns at once, without
    /// waiting for the batch to be durable: for a use case that writes many transactions
    /// before it answers (an import), so that its batches share one commit instead of one
    /// fsync each and the pages they touch again and again are written once. It must call
    /// [`Store::sync`] with the last number returned before it answers: only then are its
    /// writes acknowledged. Whoever commits the batch meanwhile (another request waiting
    /// for its own writes) makes these durable too.
    pub async fn commit_unsynced(mut self) -> crate::Result<u64> {
        if self.read.is_some() {
            return Err(StoreError::ReadOnly);
        }
        let w = self
            .w
            .take()
            .ok_or(StoreError::Db(sqlx::Error::PoolClosed))?;
        release(w).await
    }
    /// A failure for want of room, as this transaction must answer it.
    fn room(&self, e: StoreError) -> StoreError {
        match e {
            StoreError::Full if !self.wrote => StoreError::AuditUnavailable,
            other => other,
        }
    }
    /// A read transaction's commit: its audit entries go into the open batch (each batch
    /// is one fsync for every request in it) and it answers once they are durable.
    async fn commit_read(&mut self) -> crate::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        // A PostgreSQL error aborts the whole batch unless it is inside a savepoint; a
        // SQLite statement that fails undoes only itself.
        let savepoint = self.engine == Engine::Postgres || self.pending.len() > 1;
        let w = writer_ready(&self.lock, self.engine, &self.durable, savepoint).await?;
        self.w = Some(w);
        let pending = std::mem::take(&mut self.pending);
        self.append_audit_many(pending)
            .await
            .map_err(|e| self.room(e))?;
        let w = self
            .w
            .take()
            .ok_or(StoreError::Db(sqlx::Error::PoolClosed))?;
        let batch = if savepoint {
            release(w).await?
        } else {
            // The lock is let go before waiting: the batch's committer needs it.
            let batch = w.batch;
            drop(w);
            batch
        };
        wait_durable(&self.lock, &self.durable, batch)
            .await
            .map_err(|e| self.room(e))
    }
    pub(crate) fn is_read(&self) -> bool {
        self.read.is_some()
    }
    pub(crate) fn w(&mut self) -> crate::Result<&mut Writer> {
        self.w
            .as_deref_mut()
            .ok_or(StoreError::Db(sqlx::Error::PoolClosed))
    }
    pub fn engine(&self) -> Engine {
        self.engine
    }
    pub(crate) fn conn(&mut self) -> crate::Result<&mut sqlx::AnyConnection> {
        if self.read.is_some() {
            return self
                .read
                .as_deref_mut()
                .ok_or(StoreError::Db(sqlx::Error::PoolClosed));
        }
        self.w()?.conn()
    }
    /// The connection for a write: never a read transaction's.
    fn write_conn(&mut self) -> crate::Result<&mut sqlx::AnyConnection> {
        if self.read.is_some() {
            return Err(StoreError::ReadOnly);
        }
        self.w()?.conn()
    }
    /// Runs raw SQL. Only for tests and tooling that must step outside the rules (tamper tests).
    pub async fn unrestricted_execute(&mut self, sql: &str) -> crate::Result<u64> {
        self.wrote = true;
        let n = sqlx::query(sql)
            .execute(self.write_conn()?)
            .await?
            .rows_affected();
        // It may have touched the audit chain.
        self.w()?.head = None;
        Ok(n)
    }
}

impl Drop for Tx {
    /// Dropped without commit (an error): its savepoint is rolled back and the batch of the
    /// others is committed at once, so no batch stays open holding the database's write lock.
    fn drop(&mut self) {
        if self.w.take().is_some() {
            let (lock, durable) = (self.lock.clone(), self.durable.clone());
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let mut w = lock.lock().await;
                    let batch = w.batch;
                    let ok = w.commit_batch().await.unwrap_or(false);
                    let full = w.last_full;
                    drop(w);
                    durable.send_modify(|d| d.resolve(batch, ok, full));
                });
            }
        }
    }
}

/// Waits until `batch` is durable, committing it if nobody else has.
async fn wait_durable(
    lock: &Arc<Mutex<Writer>>,
    durable: &watch::Sender<Durable>,
    batch: u64,
) -> crate::Result<()> {
    let outcome = |d: &Durable| match d.failed.iter().find(|(b, _)| *b == batch) {
        Some((_, true)) => Err(StoreError::Full),
        Some((_, false)) => Err(StoreError::Db(sqlx::Error::WorkerCrashed)),
        None => Ok(()),
    };
    let seen = durable.borrow().clone();
    if seen.done >= batch {
        return outcome(&seen);
    }
    // Queue for the lock: the transactions queued before us join the batch first (the lock
    // is fair), then whoever holds the lock with the batch still open commits it.
    let (lock, sender) = (lock.clone(), durable.clone());
    uncancelled(async move {
        let mut w = lock.lock_owned().await;
        if sender.borrow().done >= batch {
            return Ok(());
        }
        let ok = w.commit_batch().await?;
        let (done, full) = (w.batch, w.last_full);
        sender.send_modify(|d| d.resolve(done, ok, full));
        Ok(())
    })
    .await?;
    let seen = durable.borrow().clone();
    outcome(&seen)
}

/// Runs a change of the writer's transaction state to its end even when the request that
/// asked for it is dropped (its client went away): the writer's flags (`open`, `dirty`)
/// must always match the connection's real state — a BEGIN that ran while `open` stayed
/// false made every later BEGIN fail ("cannot start a transaction within a transaction").
async fn uncancelled<T: Send + 'static>(
    f: impl std::future::Future<Output = crate::Result<T>> + Send + 'static,
) -> crate::Result<T> {
    tokio::spawn(f)
        .await
        .map_err(|_| StoreError::Db(sqlx::Error::WorkerCrashed))?
}

/// Takes the write lock, opens a batch if none is, and (with `savepoint`) the transaction's
/// savepoint, marked to be rolled back if the transaction is dropped before it commits.
async fn writer_ready(
    lock: &Arc<Mutex<Writer>>,
    engine: Engine,
    durable: &watch::Sender<Durable>,
    savepoint: bool,
) -> crate::Result<OwnedMutexGuard<Writer>> {
    let (lock, durable) = (lock.clone(), durable.clone());
    uncancelled(async move {
        let mut w = lock.lock_owned().await;
        w.ready(engine, &durable).await?;
        if savepoint {
            w.conn()?.execute("SAVEPOINT tx").await?;
            w.dirty = true;
        }
        Ok(w)
    })
    .await
}

/// Releases a transaction's savepoint into the open batch; the batch's number.
async fn release(w: OwnedMutexGuard<Writer>) -> crate::Result<u64> {
    uncancelled(async move {
        let mut w = w;
        w.conn()?.execute("RELEASE SAVEPOINT tx").await?;
        w.dirty = false;
        Ok(w.batch)
    })
    .await
}

impl Store {
    /// Opens `sqlite://PATH` or `postgres://…`, applies pragmas and migrations.
    /// `key_dir` holds the audit checkpoint signing key (created on first use).
    pub async fn open(url: &str, key_dir: Option<&Path>) -> crate::Result<Store> {
        sqlx::any::install_default_drivers();
        let (engine, url, max) = if let Some(path) = url.strip_prefix("sqlite://") {
            (Engine::Sqlite, format!("sqlite://{path}?mode=rwc"), 4)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Engine::Postgres, url.to_string(), 8)
        } else {
            return Err(StoreError::UnsupportedScheme);
        };
        // Two kept open: a read then finds a second idle connection for its lookups
        // (`Tx::fetch_all_spread`) without waiting for one to open.
        let pool = connection_settings(
            AnyPoolOptions::new()
                .max_connections(max)
                .min_connections(2),
            engine,
            65536,
        )
        .connect(&url)
        .await?;
        let writer = match engine {
            // 256 MiB of page cache for the one writer: bulk imports insert into large indexes.
            Engine::Sqlite => {
                connection_settings(AnyPoolOptions::new().max_connections(1), engine, 262_144)
                    .connect(&url)
                    .await?
            }
            Engine::Postgres => pool.clone(),
        };
        let signer = match key_dir {
            Some(dir) => Some(Arc::new(crate::audit::load_or_create_key(dir)?)),
            None => None,
        };
        let sealer = match key_dir {
            Some(dir) => Some(Arc::new(crate::sealed::Sealer::load_or_create(dir)?)),
            None => None,
        };
        // A ring created by this open, on a database that has sealed records, would be the
        // wrong keys: checked after the migrations below.
        let fresh_ring = key_dir.is_some_and(|d| !d.join(crate::records::KEY_FILE).exists());
        let records = match key_dir {
            Some(dir) => Some(Arc::new(crate::records::RecordKeys::load_or_create(dir)?)),
            None => None,
        };
        let conn = writer.acquire().await?;
        let store = Store {
            pool,
            writer,
            engine,
            write_lock: Arc::new(Mutex::new(Writer {
                conn: Some(conn),
                open: false,
                dirty: false,
                batch: 0,
                head: None,
                last_full: false,
            })),
            durable: watch::Sender::new(Durable::default()),
            signer,
            sealer,
            records,
            space: Arc::default(),
            sizes: Arc::default(),
        };
        crate::migrate::run(&store).await?;
        if let (Some(dir), Some(keys)) = (key_dir, &store.records) {
            store.check_record_keys(dir, keys, fresh_ring).await?;
        }
        Ok(store)
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Starts a write transaction (also used for audited reads: a read writes its audit row).
    pub async fn begin(&self) -> crate::Result<Tx> {
        // Until commit releases it: a transaction dropped on an error is rolled back.
        let w = writer_ready(&self.write_lock, self.engine, &self.durable, true).await?;
        Ok(Tx {
            w: Some(w),
            read: None,
            pool: None,
            pending: Vec::new(),
            durable: self.durable.clone(),
            lock: self.write_lock.clone(),
            engine: self.engine,
            signer: self.signer.clone(),
            sealer: self.sealer.clone(),
            records: self.records.clone(),
            space: self.space.clone(),
            sizes: self.sizes.clone(),
            wrote: false,
        })
    }

    /// A read transaction: its queries run on a pooled connection, concurrently with the
    /// writer and each other, and see what was committed; its audit entries are appended
    /// under the write lock at `commit`, which answers once they are durable. For audited
    /// reads: only the audit append is serialised. Any other write in it fails.
    pub async fn read(&self) -> crate::Result<Tx> {
        let conn = self.pool.acquire().await?;
        Ok(Tx {
            w: None,
            read: Some(conn),
            pool: Some(self.pool.clone()),
            pending: Vec::new(),
            durable: self.durable.clone(),
            lock: self.write_lock.clone(),
            engine: self.engine,
            signer: self.signer.clone(),
            sealer: self.sealer.clone(),
            records: self.records.clone(),
            space: self.space.clone(),
            sizes: self.sizes.clone(),
            wrote: false,
        })
    }

    /// A plain read outside a write transaction (for unaudited lookups such as sessions).
    pub(crate) async fn fetch_optional(&self, q: &Q) -> crate::Result<Option<AnyRow>> {
        let sql = q.render(self.engine);
        Ok(q.query(&sql).fetch_optional(&self.pool).await?)
    }
    pub(crate) async fn fetch_all(&self, q: &Q) -> crate::Result<Vec<AnyRow>> {
        let sql = q.render(self.engine);
        Ok(q.query(&sql).fetch_all(&self.pool).await?)
    }
    /// Copies what the write-ahead log holds into the database file (SQLite, a passive
    /// checkpoint: it waits for no reader or writer; nothing on PostgreSQL), and answers the
    /// log's frames and those copied. The server runs it in the background: SQLite's own
    /// checkpoint runs inside the commit that fills the log, and that request waited for
    /// it (a search's audit commit took 0.2–0.4 s at a million persons). The connections'
    /// automatic checkpoint stays as a bound on the log should this fall behind.
    pub async fn checkpoint_wal(&self) -> crate::Result<Option<(i64, i64)>> {
        if self.engine != Engine::Sqlite {
            return Ok(None);
        }
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&self.pool)
            .await?;
        Ok(Some((
            sqlx::Row::try_get(&row, 1)?,
            sqlx::Row::try_get(&row, 2)?,
        )))
    }

    /// A connection of the read pool taken out of it, for one long read of a whole index:
    /// closed after (`Apart::close`), so that what it read does not displace the pages the
    /// searches keep warm (on SQLite each connection has its own page cache). The pool opens
    /// another when it needs one.
    pub(crate) async fn connection_apart(&self) -> crate::Result<Apart> {
        Ok(Apart {
            conn: self.pool.acquire().await?.detach(),
            engine: self.engine,
        })
    }
    #[allow(dead_code)] // for plain writes outside a transaction
    pub(crate) async fn execute(&self, q: &Q) -> crate::Result<u64> {
        // Writes go through the writer's transactions, so that on SQLite no other
        // connection writes, and they are durable before this returns.
        let mut tx = self.begin().await?;
        let n = tx.execute(q).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Waits until the batches `first..=last` (from [`Tx::commit_unsynced`]) are durable,
    /// committing the last if nobody has: the writes released into them are then
    /// acknowledged. An error if any of them was lost (its commit failed).
    pub async fn sync(&self, first: u64, last: u64) -> crate::Result<()> {
        wait_durable(&self.write_lock, &self.durable, last).await?;
        let d = self.durable.borrow().clone();
        match d.failed.iter().find(|(b, _)| (first..=last).contains(b)) {
            Some((_, true)) => Err(StoreError::Full),
            Some((_, false)) => Err(StoreError::Db(sqlx::Error::WorkerCrashed)),
            None => Ok(()),
        }
    }

    /// Keeps a reserve of `bytes` (real blocks) at `path`, freed when the disk fills so
    /// that audit rows still land, and made again once there is room. A reserve that
    /// cannot be made now (the disk is already full) starts the store in the full state.
    pub async fn keep_reserve(&self, path: &Path, bytes: u64) {
        if let Ok(mut r) = self.space.reserve.lock() {
            *r = Some((path.to_path_buf(), bytes));
        }
        if make_reserve(path, bytes).is_err() {
            tracing::error!(path = %path.display(), "cannot make the disk reserve: writes are refused until there is room");
            self.space.full.store(true, Ordering::SeqCst);
        }
    }

    /// Limits the SQLite database to its current size plus `room` pages (None lifts the
    /// limit), on the running store: how the full-disk behaviour is exercised without
    /// filling a real disk. Plain writes stop `RESERVE_PAGES` below the limit.
    pub async fn limit_pages(&self, room: Option<i64>) -> crate::Result<()> {
        if self.engine != Engine::Sqlite {
            return Ok(());
        }
        let mut w = self.write_lock.lock().await;
        let conn = w.conn()?;
        let count: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut *conn)
            .await?;
        let limit = room.map(|r| count + r);
        if let Ok(mut l) = self.space.page_limit.lock() {
            *l = limit;
        }
        let writes = match limit {
            Some(l) if !self.space.is_full() => l - RESERVE_PAGES,
            Some(l) => l,
            None => NO_PAGE_LIMIT,
        };
        conn.execute(format!("PRAGMA max_page_count = {writes}").as_str())
            .await?;
        // Room given back: writes may resume now rather than at the next check.
        self.space.rearm(conn, true).await;
        Ok(())
    }

    /// Whether writes are refused for want of room (for /healthz and monitoring).
    pub fn is_full(&self) -> bool {
        self.space.is_full()
    }

    /// A small bookkeeping write (a session's last-seen time) that may run while the disk
    /// is full: it rewrites a row in place. Failing for want of room is not an error.
    pub(crate) async fn execute_bookkeeping(&self, q: &Q) -> crate::Result<()> {
        let mut tx = self.begin().await?;
        match tx.execute_audit(q).await {
            Ok(_) => {}
            Err(StoreError::Full | StoreError::AuditUnavailable) => return Ok(()),
            Err(e) => return Err(e),
        }
        match tx.commit().await {
            Err(StoreError::Full | StoreError::AuditUnavailable) => Ok(()),
            other => other,
        }
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        {
            let mut w = self.write_lock.lock().await;
            let _ = w.commit_batch().await;
            w.conn = None;
        }
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// Runs reads one after another on one connection.
async fn fetch_each(
    conn: &mut sqlx::AnyConnection,
    engine: Engine,
    qs: &[Q],
) -> crate::Result<Vec<Vec<AnyRow>>> {
    let mut out = Vec::with_capacity(qs.len());
    for q in qs {
        let sql = q.render(engine);
        out.push(q.query(&sql).fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Each new connection's settings: SQLite's pragmas (durability, cache; `cache_kib` is the
/// page cache of each connection), PostgreSQL's session.
fn connection_settings(opts: AnyPoolOptions, engine: Engine, cache_kib: u32) -> AnyPoolOptions {
    opts.after_connect(move |conn, _meta| {
        Box::pin(async move {
            if engine == Engine::Sqlite {
                // Durability first: an acknowledged write survives a crash or power loss.
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = FULL").await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                // Deleted and rewritten rows are overwritten with zeros, so that no old
                // plaintext (a sensitive person sealed later) stays in free pages.
                conn.execute("PRAGMA secure_delete = ON").await?;
                // A large page cache keeps the indexes of a big database in memory instead
                // of re-reading pages from the OS.
                conn.execute(format!("PRAGMA cache_size = -{cache_kib}").as_str())
                    .await?;
                conn.execute("PRAGMA temp_store = MEMORY").await?;
                // The server checkpoints in the background (`Store::checkpoint_wal`); a
                // commit checkpoints only once the log holds 256 MiB, a bound should that
                // fall behind (and for the command line, which has no background task).
                // Pages written again and again (the ends of the indexes) are copied to the
                // database file once per checkpoint, not once per commit.
                conn.execute("PRAGMA wal_autocheckpoint = 65536").await?;
            } else {
                // No JIT compilation: its planner costs count the rows a statement may
                // read, not the few it stops after (a search page's `LIMIT`), so a broad
                // search spent 0.5 s compiling a plan that then ran in 20 ms.
                conn.execute("SET jit = off").await?;
            }
            Ok(())
        })
    })
}

/// Placeholder markers inside `Q`'s text until the engine is known (never valid SQL).
const MARK: char = '\u{1}';
const MARK_END: char = '\u{2}';

/// A bound argument of a portable query.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    Text(String),
    OptInt(Option<i64>),
    OptText(Option<String>),
    /// A file's bytes (BLOB on SQLite, BYTEA on PostgreSQL).
    Bytes(Vec<u8>),
}

impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(v)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::OptText(v.map(str::to_string))
    }
}
impl From<enlace_domain::Country> for Arg {
    fn from(v: enlace_domain::Country) -> Self {
        Arg::Text(v.code().to_string())
    }
}

/// A query written once for both engines: text with `$n` placeholders (SQLite accepts the
/// PostgreSQL style) plus its arguments, built piece by piece.
#[derive(Debug, Clone, Default)]
pub(crate) struct Q {
    sql: String,
    args: Vec<Arg>,
}

impl Q {
    pub fn new(sql: &str) -> Q {
        Q {
            sql: sql.to_string(),
            args: vec![],
        }
    }
    pub fn push(&mut self, sql: &str) -> &mut Q {
        self.sql.push_str(sql);
        self
    }
    /// Appends a placeholder and its argument. The placeholder is written when the query
    /// runs, in the engine's best form: `$n` for PostgreSQL, a plain `?` for SQLite (SQLite
    /// looks named parameters up one by one, which made large statements quadratic).
    pub fn bind(&mut self, a: impl Into<Arg>) -> &mut Q {
        self.args.push(a.into());
        self.sql.push(MARK);
        // Written in place: large imports bind tens of thousands of values per batch.
        let _ = std::fmt::Write::write_fmt(&mut self.sql, format_args!("{}", self.args.len()));
        self.sql.push(MARK_END);
        self
    }

    /// Appends the placeholders of `items`, separated by commas (the inside of `IN (…)`).
    pub fn bind_list<A: Into<Arg>>(&mut self, items: impl IntoIterator<Item = A>) -> &mut Q {
        for (i, a) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(a);
        }
        self
    }

    /// The SQL text for `engine`.
    fn render(&self, engine: Engine) -> std::borrow::Cow<'_, str> {
        if !self.sql.contains(MARK) {
            return std::borrow::Cow::Borrowed(&self.sql);
        }
        // Plain `?` binds positionally, so it is only right when every placeholder is a
        // marker and they come in argument order (true for queries built with `bind`).
        let positional = engine == Engine::Sqlite && !self.sql.contains('$');
        let mut out = String::with_capacity(self.sql.len());
        let mut rest = self.sql.as_str();
        while let Some(i) = rest.find(MARK) {
            out.push_str(&rest[..i]);
            let after = &rest[i + MARK.len_utf8()..];
            let end = after.find(MARK_END).unwrap_or(after.len());
            let n = &after[..end];
            match (positional, engine) {
                (true, _) => out.push('?'),
                (false, Engine::Sqlite) => {
                    out.push('?');
                    out.push_str(n);
                }
                (false, Engine::Postgres) => {
                    out.push('$');
                    out.push_str(n);
                }
            }
            rest = after.get(end + MARK_END.len_utf8()..).unwrap_or("");
        }
        out.push_str(rest);
        std::borrow::Cow::Owned(out)
    }
    /// Adds an argument for a `$n` already written in the text.
    pub fn arg(mut self, a: impl Into<Arg>) -> Q {
        self.args.push(a.into());
        self
    }
    fn query<'q>(&'q self, sql: &'q str) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
        let mut q = sqlx::query(sql);
        for a in &self.args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
                Arg::OptInt(v) => q.bind(*v),
                Arg::OptText(v) => q.bind(v.as_deref()),
                Arg::Bytes(v) => q.bind(v.as_slice()),
            };
        }
        q
    }
}

/// The `id` column of every row, in order.
pub(crate) fn row_ids(rows: &[AnyRow]) -> crate::Result<Vec<String>> {
    Ok(rows
        .iter()
        .map(|r| sqlx::Row::try_get(r, "id"))
        .collect::<Result<_, _>>()?)
}

/// Stored country codes back to countries; `what` names the table if one is not a member.
pub(crate) fn parse_countries(codes: &[String], what: &str) -> crate::Result<Vec<Country>> {
    codes
        .iter()
        .map(|c| Country::parse(c).ok_or_else(|| StoreError::Corrupt(what.to_string())))
        .collect()
}

impl Tx {
    /// The child values of many parent rows (`SELECT parent, value FROM table WHERE parent
    /// IN (…)`), one query per 500 parents, each list sorted: lists use it instead of asking
    /// once per row. Parents without children are absent. Table and column names come from
    /// the code, never from input.
    pub(crate) async fn children_of(
        &mut self,
        table: &'static str,
        parent: &'static str,
        value: &'static str,
        ids: &[String],
    ) -> crate::Result<std::collections::HashMap<String, Vec<String>>> {
        let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
        for chunk in ids.chunks(500) {
            let mut q = Q::new(&format!(
                "SELECT {parent} AS p, {value} AS v FROM {table} WHERE {parent} IN ("
            ));
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(id.as_str());
            }
            q.push(&format!(") ORDER BY {parent}, {value}"));
            for r in self.fetch_all(&q).await? {
                let p: String = sqlx::Row::try_get(&r, "p")?;
                let v: String = sqlx::Row::try_get(&r, "v")?;
                out.entry(p).or_default().push(v);
            }
        }
        Ok(out)
    }

    pub(crate) async fn fetch_optional(&mut self, q: &Q) -> crate::Result<Option<AnyRow>> {
        let sql = q.render(self.engine);
        Ok(q.query(&sql).fetch_optional(self.conn()?).await?)
    }
    pub(crate) async fn fetch_one(&mut self, q: &Q) -> crate::Result<AnyRow> {
        let sql = q.render(self.engine);
        Ok(q.query(&sql).fetch_one(self.conn()?).await?)
    }
    pub(crate) async fn fetch_all(&mut self, q: &Q) -> crate::Result<Vec<AnyRow>> {
        let sql = q.render(self.engine);
        Ok(q.query(&sql).fetch_all(self.conn()?).await?)
    }
    /// These reads' rows, in order. In a read transaction whose pool has an idle connection,
    /// the second half runs on it at the same time as the first half on this one (a search's
    /// lookups then use two cores); otherwise, as under load, one after another here. Reads
    /// outside a write transaction see only committed rows either way.
    pub(crate) async fn fetch_all_spread(&mut self, qs: &[Q]) -> crate::Result<Vec<Vec<AnyRow>>> {
        let engine = self.engine;
        let extra = match &self.pool {
            Some(pool) if self.read.is_some() && qs.len() > 1 => pool.try_acquire(),
            _ => None,
        };
        let Some(mut extra) = extra else {
            return fetch_each(self.conn()?, engine, qs).await;
        };
        let (a, b) = qs.split_at(qs.len().div_ceil(2));
        let (ra, rb) = tokio::join!(
            fetch_each(self.conn()?, engine, a),
            fetch_each(&mut extra, engine, b)
        );
        let mut out = ra?;
        out.extend(rb?);
        Ok(out)
    }
    /// A write. While the database has no room it is refused before it starts (the
    /// reserve is for audit rows); a write that fails for want of room trips that state.
    pub(crate) async fn execute(&mut self, q: &Q) -> crate::Result<u64> {
        self.wrote = true;
        if self.space.is_full() {
            let space = self.space.clone();
            space.rearm(self.write_conn()?, false).await;
            if space.is_full() {
                return Err(StoreError::Full);
            }
        }
        self.execute_audit(q).await
    }
    /// A write that may use the reserve: audit rows (and bookkeeping rewrites in place).
    pub(crate) async fn execute_audit(&mut self, q: &Q) -> crate::Result<u64> {
        let sql = q.render(self.engine);
        let r = q.query(&sql).execute(self.write_conn()?).await;
        match r {
            Ok(r) => Ok(r.rows_affected()),
            Err(e) if is_full(&e) => {
                let space = self.space.clone();
                space.trip(self.write_conn()?).await;
                Err(self.room(StoreError::Full))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// 128 random bits, hex: for opaque references that must say nothing, not even when they
/// were made (hit references).
pub fn random_token() -> String {
    let mut b = [0u8; 16];
    // getrandom failing means the OS has no entropy source: nothing safe can continue.
    if getrandom::getrandom(&mut b).is_err() {
        std::process::abort();
    }
    hex::encode(b)
}

/// A new identifier: 32 hex digits, the first 12 the creation time in milliseconds and the
/// other 80 bits random. Time-ordered ids append to the end of the indexes that hold them
/// (entity ids in the term index, say) instead of landing on a random page each: that is
/// what keeps a bulk import fast once the indexes outgrow the page cache. 80 random bits
/// keep them unguessable.
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    // getrandom failing means the OS has no entropy source: nothing safe can continue.
    if getrandom::getrandom(&mut b[6..]).is_err() {
        std::process::abort();
    }
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    hex::encode(b)
}

/// A connection outside the pool (see [`Store::connection_apart`]).
pub(crate) struct Apart {
    conn: sqlx::AnyConnection,
    engine: Engine,
}

impl Apart {
    /// Each row of one read in turn, as the database sends them (not all held at once);
    /// `each` answers false to stop.
    pub(crate) async fn each_row(
        &mut self,
        q: &Q,
        mut each: impl FnMut(&AnyRow) -> crate::Result<bool>,
    ) -> crate::Result<()> {
        use futures_util::TryStreamExt;
        let sql = q.render(self.engine);
        let mut rows = q.query(&sql).fetch(&mut self.conn);
        while let Some(r) = rows.try_next().await? {
            if !each(&r)? {
                break;
            }
        }
        Ok(())
    }
    pub(crate) async fn close(self) -> crate::Result<()> {
        Ok(sqlx::Connection::close(self.conn).await?)
    }
}
