//! Migrations: mirrored per backend under `migrations/{sqlite,postgres}`, embedded in the
//! binary, and a check that refuses a store migrated by a newer bluebutton *before*
//! anything is written.

use crate::{Backend, Store, StoreError, on_pool};
use sqlx::migrate::Migrator;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Where the database's schema stands relative to this build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaStatus {
    /// Versions recorded as applied in the database.
    pub applied: Vec<i64>,
    /// Versions this build has that the database lacks.
    pub pending: Vec<i64>,
    /// Versions the database has that this build does not know (a newer bluebutton ran).
    pub unknown: Vec<i64>,
}

/// What [`Store::migrate`] did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MigrationReport {
    /// Backend name.
    pub backend: &'static str,
    /// Versions applied by this call.
    pub applied_now: Vec<i64>,
    /// Newest version now in the database.
    pub current: Option<i64>,
}

impl Store {
    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite(_) => &SQLITE_MIGRATIONS,
            Backend::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Compares the database's applied migrations with this build's.
    pub async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        let has_table: i64 = match &self.backend {
            Backend::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(pool)
                .await?
            }
            Backend::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = '_sqlx_migrations' AND schemaname = current_schema()",
                )
                .fetch_one(pool)
                .await?
            }
        };
        let applied: Vec<i64> = if has_table > 0 {
            on_pool!(self, pool => {
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
                    .fetch_all(pool)
                    .await?
            })
        } else {
            Vec::new()
        };
        let known: Vec<i64> = self.migrator().iter().map(|m| m.version).collect();
        Ok(SchemaStatus {
            pending: known
                .iter()
                .copied()
                .filter(|v| !applied.contains(v))
                .collect(),
            unknown: applied
                .iter()
                .copied()
                .filter(|v| !known.contains(v))
                .collect(),
            applied,
        })
    }

    /// Applies pending migrations, after refusing a store from a newer build.
    ///
    /// Safe to run from several processes at once: sqlx takes an advisory lock on
    /// PostgreSQL, and SQLite serialises writers.
    pub async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        let before = self.schema_status().await?;
        if let Some(&unknown) = before.unknown.first() {
            return Err(StoreError::SchemaTooNew {
                unknown,
                known: self.newest_known_migration(),
            });
        }
        on_pool!(self, pool => self.migrator().run(pool).await?);
        // Records written before the chain existed are chained once, here.
        self.chain_unchained_audit_events().await?;
        let after = self.schema_status().await?;
        Ok(MigrationReport {
            backend: self.backend_name(),
            applied_now: after
                .applied
                .iter()
                .copied()
                .filter(|v| !before.applied.contains(v))
                .collect(),
            current: after.applied.last().copied(),
        })
    }

    /// The newest migration version embedded in this build.
    pub fn newest_known_migration(&self) -> i64 {
        self.migrator().iter().map(|m| m.version).max().unwrap_or(0)
    }
}
