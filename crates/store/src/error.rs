//! `StoreError`: what can go wrong in persistence, in terms the domain can act on.
//!
//! Driver errors are sorted once here: unreachable database → [`StoreError::Unavailable`],
//! unique violations → [`StoreError::Conflict`] with the constraint's name (the same text on
//! both backends: the PostgreSQL migrations name each constraint the way SQLite reports it,
//! `table.column[, table.column]`), a dangling reference → [`StoreError::MissingReference`],
//! anything else → [`StoreError::Internal`], whose detail is for logs only.

use crate::url::DatabaseUrlError;

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL was refused before anything was opened.
    #[error(transparent)]
    Url(#[from] DatabaseUrlError),
    /// The database cannot be reached or has no free connection.
    #[error("{0}")]
    Unavailable(String),
    /// A unique constraint was violated; `constraint` is e.g. `users.email`.
    #[error("already exists ({constraint})")]
    Conflict {
        /// Normalised constraint name.
        constraint: String,
    },
    /// A row refers to another row that does not exist.
    #[error("refers to a row that does not exist")]
    MissingReference,
    /// The requested row does not exist.
    #[error("not found")]
    NotFound,
    /// The database was migrated by a newer bluebutton: it has migrations this build lacks.
    #[error(
        "the store was migrated by a newer bluebutton (unknown migration {unknown}; this build knows up to {known}): run a newer bluebutton, or point --database-url at another store"
    )]
    SchemaTooNew {
        /// The first unknown migration version found in the database.
        unknown: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A file-system problem preparing a SQLite store.
    #[error("cannot prepare SQLite store at {path}: {reason}")]
    Filesystem {
        /// The path concerned.
        path: String,
        /// The OS reason.
        reason: String,
    },
    /// Anything else; the detail goes to logs, not to users.
    #[error("internal store error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Whether the error is a conflict on the named constraint.
    pub fn is_conflict_on(&self, name: &str) -> bool {
        matches!(self, Self::Conflict { constraint } if constraint == name)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::PoolTimedOut => {
                Self::Unavailable("no database connection became free in time".into())
            }
            sqlx::Error::PoolClosed => Self::Unavailable("the database pool is closed".into()),
            sqlx::Error::Io(io) => Self::Unavailable(format!("cannot reach the database: {io}")),
            sqlx::Error::Tls(tls) => {
                Self::Unavailable(format!("TLS to the database failed: {tls}"))
            }
            sqlx::Error::Database(db) => match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => Self::Conflict {
                    constraint: constraint_name(db.constraint(), db.message()),
                },
                sqlx::error::ErrorKind::ForeignKeyViolation => Self::MissingReference,
                _ => Self::Internal(Box::new(sqlx::Error::Database(db))),
            },
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        match err {
            sqlx::migrate::MigrateError::Execute(e) => e.into(),
            other => Self::Internal(Box::new(sqlx::Error::Migrate(Box::new(other)))),
        }
    }
}

/// PostgreSQL reports the constraint's name; SQLite only a message listing the columns,
/// `UNIQUE constraint failed: applications.environment, applications.name_key`. The
/// canonical name is the last column (`applications.name_key`): unique within each of our
/// tables, and short enough for PostgreSQL's 63-byte identifiers.
pub(crate) fn constraint_name(reported: Option<&str>, message: &str) -> String {
    if let Some(name) = reported {
        return name.to_owned();
    }
    let columns = message
        .strip_prefix("UNIQUE constraint failed: ")
        .unwrap_or(message);
    columns
        .rsplit(", ")
        .next()
        .unwrap_or(columns)
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_and_postgres_names_agree() {
        assert_eq!(
            constraint_name(None, "UNIQUE constraint failed: users.email"),
            "users.email"
        );
        assert_eq!(
            constraint_name(Some("users.email"), "duplicate key"),
            "users.email"
        );
        assert_eq!(
            constraint_name(
                None,
                "UNIQUE constraint failed: applications.environment, applications.name_key"
            ),
            "applications.name_key"
        );
    }
}
