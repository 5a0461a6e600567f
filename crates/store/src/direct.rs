//! Direct SQLite connections for the hot paths of a file store.
//!
//! sqlx runs every SQLite statement on a worker thread owned by the connection and hands
//! the rows back through a channel, and its pool pings a connection before lending it. On
//! a 2-core machine that costs 100–200 µs per statement, while the statements of the hot
//! paths take 5–30 µs inside SQLite. This module runs exactly those statements on plain
//! `rusqlite` connections to the same file (see `docs/design/storage-hot-paths.md`):
//!
//! - **Readers** (the bearer check; the token endpoint's client, code, grant and refresh
//!   token reads; the FHIR claim, claim page and beneficiary reads): a stack of read-only
//!   connections; a call pops one (opening one when none is free), runs its cached
//!   prepared statement synchronously on the calling thread and pushes it back. Calls never
//!   `await` while holding a connection, so there are never more connections than threads
//!   calling at once. In WAL mode a reader never waits for the writer.
//! - **Writer** (code redemption with its token pair, refresh rotation, audit batches): one
//!   read-write connection owned by a thread that commits whatever writes are waiting in
//!   one transaction (group commit), each write in its own savepoint; callers await the
//!   commit. Writers of the sqlx pool (consent, admin commands) and of other processes still
//!   take SQLite's own file lock, so the paths exclude each other correctly.
//! - **Checkpoints**: a thread copies the WAL back into the database every 50 ms (`PASSIVE`,
//!   never blocking the writer); the writer's own automatic checkpoint is a backstop.
//!
//! Everything else, and every in-memory or PostgreSQL store, goes through sqlx. The store
//! contract suite runs each case on a file store (this path) and on an in-memory one
//! (sqlx), so both are held to the same expectations.

use crate::StoreError;
use crate::apps::{AppLinks, ApplicationRow};
use crate::claims::{BeneficiaryColumns, ClaimColumns};
use crate::oauth::RefreshTokenRow;
use crate::oauth::{AuditEventRow, AuthCodeRow, BearerRow, CodeRedemption, GrantRow};
use crate::tokens::AccessTokenRow;
use crate::{BeneficiaryRow, ClaimPage, ClaimRow};
use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// The direct connections of one SQLite file.
pub(crate) struct Direct {
    path: PathBuf,
    busy_timeout: Duration,
    readers: Mutex<Vec<Connection>>,
    /// Hands write jobs to the writer thread (see [`writer_loop`]); dropping the last
    /// sender stops the thread.
    jobs: mpsc::Sender<Box<dyn WriteJob>>,
    closed: AtomicBool,
    /// Tells the checkpoint thread to stop (set on close and drop).
    stop_checkpoints: Arc<AtomicBool>,
}

impl Drop for Direct {
    fn drop(&mut self) {
        self.stop_checkpoints.store(true, Ordering::SeqCst);
    }
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct").field("path", &self.path).finish()
    }
}

const STATEMENT_CACHE: usize = 32;
/// Address space for memory-mapped reads (not memory: pages stay in the OS page cache).
const MMAP_BYTES: u64 = 1 << 30;
/// WAL pages between checkpoints on the direct writer. A checkpoint copies each changed page
/// once however often it changed, and costs two `fsync`s, so fewer, larger ones write less
/// (SQLite's default is 1,000 pages, 4 MB).
const CHECKPOINT_PAGES: u32 = 16_000;
/// How often the checkpoint thread copies the WAL back into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);

impl Direct {
    /// Opens the writer connection and starts its thread (the file must exist: sqlx
    /// created it).
    pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        let writer = open(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            busy_timeout,
        )?;
        writer
            .execute_batch(&format!(
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                 PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES};"
            ))
            .map_err(direct_error)?;
        let checkpointer = open(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            busy_timeout,
        )?;
        checkpointer
            .execute_batch("PRAGMA synchronous = NORMAL;")
            .map_err(direct_error)?;
        let stop_checkpoints = Arc::new(AtomicBool::new(false));
        let stop = stop_checkpoints.clone();
        std::thread::Builder::new()
            .name("bb-sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpointer, &stop))
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot start the checkpoint thread: {e}"))
            })?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("bb-sqlite-writer".into())
            .spawn(move || writer_loop(&writer, &queue))
            .map_err(|e| StoreError::Unavailable(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            path: path.to_owned(),
            busy_timeout,
            readers: Mutex::new(Vec::new()),
            jobs,
            closed: AtomicBool::new(false),
            stop_checkpoints,
        })
    }

    /// Refuses every later call (as a closed sqlx pool does) and closes the readers.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.stop_checkpoints.store(true, Ordering::SeqCst);
        self.readers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    fn check_open(&self) -> Result<(), StoreError> {
        if self.closed.load(Ordering::SeqCst) {
            Err(StoreError::Unavailable(
                "the database pool is closed".into(),
            ))
        } else {
            Ok(())
        }
    }

    /// Runs `f` on a reader connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        self.check_open()?;
        let popped = self
            .readers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        let conn = match popped {
            Some(conn) => conn,
            None => open(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                self.busy_timeout,
            )?,
        };
        let result = f(&conn).map_err(direct_error);
        // A connection left inside a transaction by a failed statement is dropped, not reused.
        if conn.is_autocommit() {
            self.readers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(conn);
        }
        result
    }

    /// Runs `f` on the writer thread inside a transaction shared with whatever other
    /// writes are waiting (group commit), in a savepoint of its own: an error rolls back
    /// `f`'s statements only. The result comes back once the transaction is committed.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.check_open()?;
        let (reply, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(Job { f, reply }))
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?;
        result
            .await
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?
    }

    /// See [`crate::Store::bearer`].
    pub(crate) fn bearer(&self, token_sha256: &[u8]) -> Result<Option<BearerRow>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT t.bene_id, t.scopes, t.expires_at, t.revoked_at, t.application_id, \
                 a.active, t.created_at \
                 FROM access_tokens t LEFT JOIN applications a ON a.id = t.application_id \
                 WHERE t.token_sha256 = ?1",
            )?
            .query_row([token_sha256], |r| {
                Ok(BearerRow {
                    bene_id: r.get(0)?,
                    scopes: r.get(1)?,
                    expires_at: r.get(2)?,
                    revoked_at: r.get(3)?,
                    application_id: r.get(4)?,
                    app_active: r.get(5)?,
                    created_at: r.get(6)?,
                })
            })
            .optional()
        })
    }

    /// See [`crate::Store::application_by_client_id`]: the application and its redirect
    /// URIs, read in one read transaction.
    pub(crate) fn application_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<ApplicationRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM applications WHERE {column} = ?1",
            crate::apps::APP_COLUMNS
        );
        self.read(|conn| {
            conn.execute_batch("BEGIN")?;
            let found = (|| {
                let app = conn
                    .prepare_cached(&sql)?
                    .query_row([value], application_row)
                    .optional()?;
                let Some(mut app) = app else {
                    return Ok(None);
                };
                let mut uris = conn.prepare_cached(
                    "SELECT uri FROM application_redirect_uris WHERE application_id = ?1 ORDER BY position",
                )?;
                app.redirect_uris = uris
                    .query_map([&app.id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(Some(app))
            })();
            conn.execute_batch("COMMIT")?;
            found
        })
    }

    /// See [`crate::Store::redeem_code`].
    pub(crate) async fn redeem_code(
        &self,
        code_sha256: &[u8],
        now: i64,
    ) -> Result<CodeRedemption, StoreError> {
        let code_sha256 = code_sha256.to_vec();
        self.write(move |tx| {
            let spend = format!(
                "UPDATE auth_codes SET used_at = ?1 WHERE code_sha256 = ?2 AND used_at IS NULL RETURNING {}",
                crate::oauth::CODE_COLUMNS
            );
            let fresh = tx
                .prepare_cached(&spend)?
                .query_row(params![now, &code_sha256], code_row)
                .optional()?;
            if let Some(row) = fresh {
                return Ok(CodeRedemption::Fresh(row));
            }
            let read = format!(
                "SELECT {} FROM auth_codes WHERE code_sha256 = ?1",
                crate::oauth::CODE_COLUMNS
            );
            let old = tx
                .prepare_cached(&read)?
                .query_row([&code_sha256], code_row)
                .optional()?;
            Ok(old.map_or(CodeRedemption::Unknown, CodeRedemption::Replayed))
        })
        .await
    }

    /// See [`crate::Store::auth_code`].
    pub(crate) fn auth_code(&self, code_sha256: &[u8]) -> Result<Option<AuthCodeRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM auth_codes WHERE code_sha256 = ?1",
            crate::oauth::CODE_COLUMNS
        );
        self.read(|conn| {
            conn.prepare_cached(&sql)?
                .query_row([code_sha256], code_row)
                .optional()
        })
    }

    /// See [`crate::Store::spend_code_and_insert_pair`].
    pub(crate) async fn spend_code_and_insert_pair(
        &self,
        code_sha256: &[u8],
        now: i64,
        access: &AccessTokenRow,
        refresh: &RefreshTokenRow,
    ) -> Result<bool, StoreError> {
        let (code_sha256, access, refresh) =
            (code_sha256.to_vec(), access.clone(), refresh.clone());
        self.write(move |tx| {
            let spent = tx
                .prepare_cached(
                    "UPDATE auth_codes SET used_at = ?1 WHERE code_sha256 = ?2 AND used_at IS NULL",
                )?
                .execute(params![now, code_sha256])?;
            if spent != 1 {
                return Ok(false);
            }
            insert_pair(tx, &access, &refresh)?;
            Ok(true)
        })
        .await
    }

    /// See [`crate::Store::grant`].
    pub(crate) fn grant(
        &self,
        application_id: &str,
        bene_id: i64,
    ) -> Result<Option<GrantRow>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT application_id, bene_id, scopes, demographics, created_at, expires_at \
                 FROM grants WHERE application_id = ?1 AND bene_id = ?2",
            )?
            .query_row(params![application_id, bene_id], |r| {
                Ok(GrantRow {
                    application_id: r.get(0)?,
                    bene_id: r.get(1)?,
                    scopes: r.get(2)?,
                    demographics: r.get(3)?,
                    created_at: r.get(4)?,
                    expires_at: r.get(5)?,
                })
            })
            .optional()
        })
    }

    /// See [`crate::Store::claim`].
    pub(crate) fn claim(
        &self,
        claim_type: i16,
        claim_id: i64,
    ) -> Result<Option<ClaimRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM claims WHERE claim_type = ?1 AND claim_id = ?2",
            crate::claims::CLAIM_COLUMNS
        );
        self.read(|conn| {
            conn.prepare_cached(&sql)?
                .query_row(params![claim_type, claim_id], claim_columns)
                .optional()
        })
        .map(|row| row.map(ClaimRow::from))
    }

    /// See [`crate::Store::claims_page_of`]: the same SQL texts (`$n` placeholders, bound
    /// by position: each appears once, in order), the page with its window count, or the
    /// count alone when the page is empty.
    pub(crate) fn claims_page(
        &self,
        page_sql: &str,
        count_sql: &str,
        bene_id: i64,
        values: &[i64],
        limit: i64,
        offset: i64,
    ) -> Result<ClaimPage, StoreError> {
        self.read(|conn| {
            let mut rows = Vec::new();
            let mut total = 0;
            if limit > 0 {
                let mut statement = conn.prepare_cached(page_sql)?;
                let mut bound: Vec<i64> = Vec::with_capacity(values.len() + 3);
                bound.push(bene_id);
                bound.extend_from_slice(values);
                bound.extend([limit, offset]);
                let total_at = CLAIM_COLUMN_COUNT;
                let mut found = statement.query(rusqlite::params_from_iter(bound.iter()))?;
                while let Some(row) = found.next()? {
                    if rows.is_empty() {
                        total = row.get(total_at)?;
                    }
                    rows.push(ClaimRow::from(claim_columns(row)?));
                }
            }
            if rows.is_empty() {
                let mut bound: Vec<i64> = Vec::with_capacity(values.len() + 1);
                bound.push(bene_id);
                bound.extend_from_slice(values);
                total = conn
                    .prepare_cached(count_sql)?
                    .query_row(rusqlite::params_from_iter(bound.iter()), |r| r.get(0))?;
            }
            Ok(ClaimPage { total, rows })
        })
    }

    /// See [`crate::Store::beneficiary_years`].
    pub(crate) fn beneficiary_years(
        &self,
        bene_id: i64,
    ) -> Result<Vec<BeneficiaryRow>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT bene_id, rfrnc_yr, mbi, last_updated, data FROM beneficiaries \
                 WHERE bene_id = ?1 ORDER BY rfrnc_yr",
            )?
            .query_map([bene_id], |r| {
                Ok(BeneficiaryColumns {
                    bene_id: r.get(0)?,
                    rfrnc_yr: r.get(1)?,
                    mbi: r.get(2)?,
                    last_updated: r.get(3)?,
                    data: r.get(4)?,
                })
            })?
            .map(|row| row.map(BeneficiaryRow::from))
            .collect()
        })
    }

    /// See [`crate::Store::refresh_token`].
    pub(crate) fn refresh_token(
        &self,
        token_sha256: &[u8],
    ) -> Result<Option<RefreshTokenRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM refresh_tokens WHERE token_sha256 = ?1",
            crate::oauth::REFRESH_COLUMNS
        );
        self.read(|conn| {
            conn.prepare_cached(&sql)?
                .query_row([token_sha256], |r| {
                    Ok(RefreshTokenRow {
                        token_sha256: r.get(0)?,
                        application_id: r.get(1)?,
                        bene_id: r.get(2)?,
                        scopes: r.get(3)?,
                        access_sha256: r.get(4)?,
                        created_at: r.get(5)?,
                        used_at: r.get(6)?,
                        revoked_at: r.get(7)?,
                    })
                })
                .optional()
        })
    }

    /// See [`crate::Store::insert_token_pair`].
    pub(crate) async fn insert_token_pair(
        &self,
        access: &AccessTokenRow,
        refresh: &RefreshTokenRow,
    ) -> Result<(), StoreError> {
        let (access, refresh) = (access.clone(), refresh.clone());
        self.write(move |tx| insert_pair(tx, &access, &refresh))
            .await
    }

    /// See [`crate::Store::rotate_refresh_token`].
    pub(crate) async fn rotate_refresh_token(
        &self,
        old: &RefreshTokenRow,
        now: i64,
        access: &AccessTokenRow,
        refresh: &RefreshTokenRow,
    ) -> Result<bool, StoreError> {
        let (old, access, refresh) = (old.clone(), access.clone(), refresh.clone());
        // `Ok(false)` must not write anything: the closure returns before any write.
        self.write(move |tx| {
            let spent = tx
                .prepare_cached(
                    "UPDATE refresh_tokens SET used_at = ?1 \
                     WHERE token_sha256 = ?2 AND used_at IS NULL AND revoked_at IS NULL",
                )?
                .execute(params![now, old.token_sha256])?;
            if spent != 1 {
                return Ok(false);
            }
            tx.prepare_cached(
                "UPDATE access_tokens SET revoked_at = ?1 WHERE token_sha256 = ?2 AND revoked_at IS NULL",
            )?
            .execute(params![now, old.access_sha256])?;
            insert_pair(tx, &access, &refresh)?;
            Ok(true)
        })
        .await
    }

    /// See [`crate::Store::insert_audit_events`].
    pub(crate) async fn insert_audit_events(
        &self,
        rows: &[AuditEventRow],
    ) -> Result<(), StoreError> {
        let rows = rows.to_vec();
        self.write(move |tx| crate::audit::append_rusqlite(tx, &rows))
            .await
    }
}

/// Most writes committed together in one transaction.
const BATCH: usize = 64;

/// A write waiting for the writer thread.
trait WriteJob: Send {
    /// Runs the job's statements (inside the batch's transaction); what it returns sends
    /// the outcome once the transaction's fate is known.
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Settle>;
    /// The batch could not start: the job is answered with `err` without running.
    fn fail(self: Box<Self>, err: StoreError);
}

/// The answer of a job that ran, sent when its batch commits (or fails to).
trait Settle: Send {
    fn settle(self: Box<Self>, commit: Result<(), &StoreError>);
}

struct Job<T, F> {
    f: F,
    reply: tokio::sync::oneshot::Sender<Result<T, StoreError>>,
}

struct Outcome<T> {
    result: Result<T, StoreError>,
    reply: tokio::sync::oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> WriteJob for Job<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> rusqlite::Result<T> + Send,
{
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Settle> {
        let Job { f, reply } = *self;
        let result = in_savepoint(conn, f);
        Box::new(Outcome { result, reply })
    }

    fn fail(self: Box<Self>, err: StoreError) {
        // The caller may have stopped waiting: nothing to do then.
        let _ = self.reply.send(Err(err));
    }
}

impl<T: Send> Settle for Outcome<T> {
    fn settle(self: Box<Self>, commit: Result<(), &StoreError>) {
        let answer = match (self.result, commit) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(copy_error(e)),
            (Ok(value), Ok(())) => Ok(value),
        };
        let _ = self.reply.send(answer);
    }
}

/// Runs `f` in a savepoint: its statements are kept when it succeeds and undone when it
/// fails or panics, leaving the batch's other writes alone.
fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<T, StoreError> {
    // Cached: every write of a batch opens and releases one.
    conn.prepare_cached("SAVEPOINT job")
        .and_then(|mut begin| begin.execute([]))
        .map_err(direct_error)?;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
    let result = match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(direct_error(e)),
        Err(_) => Err(StoreError::Unavailable(
            "a database write failed unexpectedly".into(),
        )),
    };
    let end = if result.is_ok() {
        conn.prepare_cached("RELEASE job")
            .and_then(|mut release| release.execute([]))
            .map(drop)
    } else {
        conn.execute_batch("ROLLBACK TO job; RELEASE job")
    };
    end.map_err(direct_error)?;
    result
}

/// The writer thread: waits for a job, takes every other job already waiting (up to
/// [`BATCH`]), runs them in one `BEGIN IMMEDIATE` transaction and commits once. Under load
/// many writes share one commit (and one WAL sync point); alone, a write commits at once.
/// Runs until every sender is gone.
fn writer_loop(conn: &Connection, queue: &mpsc::Receiver<Box<dyn WriteJob>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            let err = direct_error(e);
            tracing::error!(error = %err, jobs = batch.len(), "SQLite write batch could not start");
            for job in batch {
                job.fail(copy_error(&err));
            }
            continue;
        }
        let settles: Vec<Box<dyn Settle>> = batch.into_iter().map(|job| job.run(conn)).collect();
        let commit = conn.execute_batch("COMMIT").map_err(direct_error);
        if let Err(err) = &commit {
            tracing::error!(error = %err, jobs = settles.len(), "SQLite write batch failed to commit");
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
        for settle in settles {
            settle.settle(commit.as_ref().map(|_| ()));
        }
    }
}

/// The checkpoint thread: copies committed WAL pages back into the database file every
/// [`CHECKPOINT_EVERY`] (`PASSIVE`: it never blocks the writer or readers), so the writer
/// thread does not stop to do it — its own automatic checkpoint, at [`CHECKPOINT_PAGES`],
/// is only a backstop for when this thread cannot keep up.
fn checkpoint_loop(conn: &Connection, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(CHECKPOINT_EVERY);
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
        }
    }
}

/// The same error for each job of a failed batch (the writer thread logged the driver's
/// detail once).
fn copy_error(err: &StoreError) -> StoreError {
    match err {
        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
        StoreError::Conflict { constraint } => StoreError::Conflict {
            constraint: constraint.clone(),
        },
        StoreError::MissingReference => StoreError::MissingReference,
        _ => StoreError::Unavailable("a database write failed; see the server log".into()),
    }
}

fn open(path: &Path, flags: OpenFlags, busy_timeout: Duration) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Filesystem {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    conn.busy_timeout(busy_timeout).map_err(direct_error)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // The bundled SQLite has STAT4, which re-prepares a statement whenever a bound value
    // might change its plan; these are primary-key lookups, so keep the plan (QPSG).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map_err(direct_error)?;
    // Pages read through a memory map are not copied into each connection's cache, which
    // another connection's commit empties.
    conn.execute_batch(&format!("PRAGMA mmap_size = {MMAP_BYTES};"))
        .map_err(direct_error)?;
    Ok(conn)
}

fn insert_pair(
    tx: &Connection,
    access: &AccessTokenRow,
    refresh: &RefreshTokenRow,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO access_tokens \
         (token_sha256, application_id, bene_id, scopes, expires_at, revoked_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        access.token_sha256,
        access.application_id,
        access.bene_id,
        access.scopes,
        access.expires_at,
        access.revoked_at,
        access.created_at
    ])?;
    tx.prepare_cached(
        "INSERT INTO refresh_tokens \
         (token_sha256, application_id, bene_id, scopes, access_sha256, created_at, used_at, revoked_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        refresh.token_sha256,
        refresh.application_id,
        refresh.bene_id,
        refresh.scopes,
        refresh.access_sha256,
        refresh.created_at,
        refresh.used_at,
        refresh.revoked_at
    ])?;
    Ok(())
}

/// Columns of [`crate::claims::CLAIM_COLUMNS`]; a page query adds its count after them.
const CLAIM_COLUMN_COUNT: usize = 7;

fn claim_columns(r: &Row<'_>) -> rusqlite::Result<ClaimColumns> {
    Ok(ClaimColumns {
        bene_id: r.get(0)?,
        claim_type: r.get(1)?,
        claim_id: r.get(2)?,
        service_from: r.get(3)?,
        service_thru: r.get(4)?,
        last_updated: r.get(5)?,
        data: r.get(6)?,
    })
}

fn code_row(r: &Row<'_>) -> rusqlite::Result<AuthCodeRow> {
    Ok(AuthCodeRow {
        code_sha256: r.get(0)?,
        application_id: r.get(1)?,
        bene_id: r.get(2)?,
        redirect_uri: r.get(3)?,
        scopes: r.get(4)?,
        code_challenge: r.get(5)?,
        nonce: r.get(6)?,
        expires_at: r.get(7)?,
        used_at: r.get(8)?,
    })
}

/// Reads the columns of [`crate::apps::APP_COLUMNS`], in that order.
fn application_row(r: &Row<'_>) -> rusqlite::Result<ApplicationRow> {
    Ok(ApplicationRow {
        id: r.get(0)?,
        client_id: r.get(1)?,
        client_secret_sha256: r.get(2)?,
        owner_id: r.get(3)?,
        organization_id: r.get(4)?,
        name: r.get(5)?,
        environment: r.get(6)?,
        data_access_type: r.get(7)?,
        require_demographic_scopes: r.get(8)?,
        active: r.get(9)?,
        created_at: time_column(r, 10)?,
        updated_at: time_column(r, 11)?,
        links: AppLinks {
            logo_uri: r.get(12)?,
            website_uri: r.get(13)?,
            policy_uri: r.get(14)?,
            tos_uri: r.get(15)?,
        },
        redirect_uris: Vec::new(),
    })
}

/// A time column as sqlx writes it on SQLite (RFC 3339 text), or as SQLite's own
/// `datetime()` does (space-separated, no zone: UTC).
fn time_column(r: &Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = r.get(index)?;
    parse_time(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("not a time: {text:?}").into(),
        )
    })
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// Sorts a rusqlite error the way `From<sqlx::Error>` sorts sqlx's.
fn direct_error(err: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match &err {
        rusqlite::Error::SqliteFailure(failure, message) => match failure.code {
            ErrorCode::ConstraintViolation
                if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                StoreError::Conflict {
                    constraint: crate::error::constraint_name(
                        None,
                        message.as_deref().unwrap_or_default(),
                    ),
                }
            }
            ErrorCode::ConstraintViolation
                if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                StoreError::MissingReference
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Unavailable("the database stayed locked by another writer".into())
            }
            ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::DiskFull => {
                StoreError::Unavailable(format!("the database file cannot be used: {err}"))
            }
            _ => StoreError::Internal(Box::new(err)),
        },
        _ => StoreError::Internal(Box::new(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_as_sqlx_and_sqlite_write_them() {
        let expected = DateTime::parse_from_rfc3339("2026-12-04T21:00:00.5Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        assert_eq!(parse_time("2026-12-04T21:00:00.500+00:00"), expected);
        assert_eq!(parse_time("2026-12-04 21:00:00.5"), expected);
        assert_eq!(parse_time("2026-12-04T21:00:00.5"), expected);
        assert_eq!(parse_time("yesterday"), None);
    }
}
