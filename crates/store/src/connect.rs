//! Opening a store: pool settings per backend.
//!
//! SQLite: WAL journal, `synchronous = NORMAL` (durable across process crashes, which is
//! what WAL promises), a busy timeout so writers queue instead of failing, foreign keys on,
//! the file and its folder created when missing. PostgreSQL: a bounded pool whose acquire
//! timeout also bounds how long an unreachable server can hold up start-up, and an optional
//! schema (created if missing) so several installations or test runs can share a database.

use crate::{Backend, DatabaseUrl, Store, StoreError};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// Pool settings.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Upper bound on open connections.
    pub max_connections: u32,
    /// How long to wait for a connection (and, at start-up, for the server to answer).
    pub acquire_timeout: Duration,
    /// How long a SQLite writer waits for the write lock.
    pub busy_timeout: Duration,
    /// PostgreSQL schema to use instead of `public`; created when missing.
    pub postgres_schema: Option<String>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
            postgres_schema: None,
        }
    }
}

impl Store {
    /// Opens the store at `url`. Nothing is migrated; see [`Store::migrate`].
    pub async fn connect(url: &DatabaseUrl, options: &StoreOptions) -> Result<Self, StoreError> {
        match url {
            DatabaseUrl::SqliteFile(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| StoreError::Filesystem {
                        path: parent.display().to_string(),
                        reason: e.to_string(),
                    })?;
                }
                let connect = sqlite_options(options)
                    .filename(path)
                    .create_if_missing(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(options.max_connections.max(1))
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await
                    .map_err(|e| sqlite_open_error(path, e))?;
                let direct = crate::direct::Direct::open(path, options.busy_timeout)?;
                Ok(Self {
                    backend: Backend::Sqlite(pool),
                    direct: Some(std::sync::Arc::new(direct)),
                })
            }
            DatabaseUrl::SqliteMemory => {
                // One connection that never closes: every connection to `:memory:` is a
                // separate database, so the pool must not open a second one or recycle it.
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(sqlite_options(options).in_memory(true))
                    .await?;
                Ok(Self {
                    backend: Backend::Sqlite(pool),
                    direct: None,
                })
            }
            DatabaseUrl::Postgres {
                endpoint, database, ..
            } => {
                let raw = url.expose().unwrap_or_default();
                let mut connect = PgConnectOptions::from_str(raw).map_err(|e| {
                    StoreError::Unavailable(format!(
                        "PostgreSQL URL for {endpoint}/{database} is not usable: {}",
                        redact_driver_message(&e.to_string())
                    ))
                })?;
                if let Some(schema) = &options.postgres_schema {
                    check_schema_name(schema)?;
                    connect = connect.options([("search_path", schema.as_str())]);
                }
                // One direct attempt first: the pool retries refused connections until its
                // acquire timeout and then reports only "timed out", while a single
                // connection tells the operator the real reason at once.
                match tokio::time::timeout(
                    options.acquire_timeout,
                    PgConnection::connect_with(&connect),
                )
                .await
                {
                    Ok(Ok(conn)) => {
                        let _ = conn.close().await;
                    }
                    Ok(Err(e)) => return Err(postgres_open_error(endpoint, database, e)),
                    Err(_) => {
                        return Err(postgres_open_error(
                            endpoint,
                            database,
                            sqlx::Error::PoolTimedOut,
                        ));
                    }
                }
                let pool = PgPoolOptions::new()
                    .max_connections(options.max_connections.max(1))
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await
                    .map_err(|e| postgres_open_error(endpoint, database, e))?;
                if let Some(schema) = &options.postgres_schema {
                    // The name was checked to be a plain identifier above.
                    let sql = format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"");
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await?;
                }
                Ok(Self {
                    backend: Backend::Postgres(pool),
                    direct: None,
                })
            }
        }
    }
}

fn sqlite_options(options: &StoreOptions) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(options.busy_timeout)
        .foreign_keys(true)
}

fn check_schema_name(schema: &str) -> Result<(), StoreError> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(StoreError::Unavailable(format!(
            "PostgreSQL schema name '{schema}' is not allowed: use lowercase letters, digits and _"
        )))
    }
}

fn sqlite_open_error(path: &std::path::Path, err: sqlx::Error) -> StoreError {
    match StoreError::from(err) {
        StoreError::Unavailable(reason) | StoreError::Filesystem { reason, .. } => {
            StoreError::Filesystem {
                path: path.display().to_string(),
                reason,
            }
        }
        StoreError::Internal(e) => StoreError::Filesystem {
            path: path.display().to_string(),
            reason: e.to_string(),
        },
        other => other,
    }
}

fn postgres_open_error(endpoint: &str, database: &str, err: sqlx::Error) -> StoreError {
    let reason = match &err {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "no answer in time".to_owned(),
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    };
    StoreError::Unavailable(format!(
        "cannot reach PostgreSQL at {endpoint} (database {database}): {}; check that the server runs and that --database-url is right",
        redact_driver_message(&reason)
    ))
}

/// Driver messages should not echo URLs, but make sure a `user:password@` never leaks.
fn redact_driver_message(message: &str) -> String {
    message
        .split_whitespace()
        .map(|word| match (word.find("://"), word.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}://***{}", &word[..s], &word[at..]),
            _ => word.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(check_schema_name("bb_test_1").is_ok());
        assert!(check_schema_name("x\"; DROP TABLE users; --").is_err());
        assert!(check_schema_name("1abc").is_err());
        assert!(check_schema_name("").is_err());
    }

    #[test]
    fn driver_messages_lose_credentials() {
        assert_eq!(
            redact_driver_message("bad postgres://u:pw@h/db here"),
            "bad postgres://***@h/db here"
        );
    }
}
