//! Database URLs: parsed once, never printed with their password.
//!
//! Accepted forms: `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:` and
//! `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?…]` (or `postgresql://`).

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::path::PathBuf;

/// A database location that has been checked to be one of the supported forms.
#[derive(Clone)]
pub enum DatabaseUrl {
    /// A SQLite file; created (with its parent folder) when missing.
    SqliteFile(PathBuf),
    /// A private in-memory SQLite database (tests).
    SqliteMemory,
    /// A PostgreSQL server. The whole URL is secret because it may carry a password.
    Postgres {
        /// The URL as given.
        url: SecretString,
        /// `host:port` for messages.
        endpoint: String,
        /// Database name for messages.
        database: String,
    },
}

/// Why a database URL was refused. Messages never contain the password.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    /// The scheme is not one we support.
    #[error(
        "unsupported database URL scheme '{0}': use sqlite://PATH or postgres://USER@HOST:PORT/DB"
    )]
    UnsupportedScheme(String),
    /// No scheme at all.
    #[error("database URL has no scheme: use sqlite://PATH or postgres://USER@HOST:PORT/DB")]
    NoScheme,
    /// `sqlite://` without a path.
    #[error("SQLite URL has no file path: use sqlite://bluebutton-data/bluebutton.db")]
    EmptySqlitePath,
    /// SQLite options in the query string are not taken; settings come from configuration.
    #[error("SQLite URL must not have a query string ('?…'); configure the store instead")]
    SqliteQuery,
    /// The PostgreSQL URL does not parse.
    #[error("PostgreSQL URL is malformed ({0}): use postgres://USER@HOST:PORT/DB")]
    MalformedPostgres(String),
    /// The PostgreSQL URL names no database.
    #[error(
        "PostgreSQL URL names no database: add /DBNAME, e.g. postgres://postgres@127.0.0.1:5432/bluebutton"
    )]
    NoDatabase,
}

impl DatabaseUrl {
    /// Parses and checks a database URL.
    pub fn parse(raw: &str) -> Result<Self, DatabaseUrlError> {
        let raw = raw.trim();
        let Some((scheme, rest)) = raw.split_once(':') else {
            return Err(DatabaseUrlError::NoScheme);
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                if rest == ":memory:" || rest == "//:memory:" {
                    return Ok(Self::SqliteMemory);
                }
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.contains('?') {
                    return Err(DatabaseUrlError::SqliteQuery);
                }
                if path.is_empty() {
                    return Err(DatabaseUrlError::EmptySqlitePath);
                }
                Ok(Self::SqliteFile(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => {
                let parsed = url::Url::parse(raw)
                    .map_err(|e| DatabaseUrlError::MalformedPostgres(e.to_string()))?;
                let host = parsed
                    .host_str()
                    .filter(|h| !h.is_empty())
                    .ok_or_else(|| DatabaseUrlError::MalformedPostgres("no host".into()))?;
                let database = parsed.path().trim_start_matches('/').to_owned();
                if database.is_empty() {
                    return Err(DatabaseUrlError::NoDatabase);
                }
                let endpoint = format!("{host}:{}", parsed.port().unwrap_or(5432));
                Ok(Self::Postgres {
                    url: SecretString::from(raw.to_owned()),
                    endpoint,
                    database,
                })
            }
            "" => Err(DatabaseUrlError::NoScheme),
            other => Err(DatabaseUrlError::UnsupportedScheme(
                // Only the scheme: the rest may hold a password.
                other.chars().take(32).collect(),
            )),
        }
    }

    /// The URL text, password included. Only for handing to the driver.
    pub(crate) fn expose(&self) -> Option<&str> {
        match self {
            Self::Postgres { url, .. } => Some(url.expose_secret()),
            _ => None,
        }
    }
}

/// Redacted: the password of a PostgreSQL URL is never shown.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SqliteFile(path) => write!(f, "sqlite://{}", path.display()),
            Self::SqliteMemory => f.write_str("sqlite::memory:"),
            Self::Postgres {
                endpoint, database, ..
            } => write!(f, "postgres://{endpoint}/{database}"),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn sqlite_forms() {
        assert!(matches!(
            DatabaseUrl::parse("sqlite://bluebutton-data/bluebutton.db"),
            Ok(DatabaseUrl::SqliteFile(p)) if p == Path::new("bluebutton-data/bluebutton.db")
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite:///tmp/x.db"),
            Ok(DatabaseUrl::SqliteFile(p)) if p == Path::new("/tmp/x.db")
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite::memory:"),
            Ok(DatabaseUrl::SqliteMemory)
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://").err(),
            Some(DatabaseUrlError::EmptySqlitePath)
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://x.db?mode=ro").err(),
            Some(DatabaseUrlError::SqliteQuery)
        );
    }

    #[test]
    fn postgres_password_is_never_shown() {
        let url = DatabaseUrl::parse("postgres://bb:s3cret-pw@db.example:6543/bluebutton")
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(url.to_string(), "postgres://db.example:6543/bluebutton");
        assert!(!format!("{url:?}").contains("s3cret-pw"));
    }

    #[test]
    fn refusals_name_the_fix_and_hide_the_rest() {
        let err = DatabaseUrl::parse("mysql://root:topsecret@h/db").err();
        assert_eq!(
            err,
            Some(DatabaseUrlError::UnsupportedScheme("mysql".into()))
        );
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("postgres://") && !text.contains("topsecret"));
        assert_eq!(
            DatabaseUrl::parse("bluebutton.db").err(),
            Some(DatabaseUrlError::NoScheme)
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432").err(),
            Some(DatabaseUrlError::NoDatabase)
        );
    }
}
