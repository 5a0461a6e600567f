//! Configuration, layered: built-in defaults → file (`--config`, TOML) → environment
//! (`BLUEBUTTON__SECTION__KEY`, e.g. `BLUEBUTTON__SERVER__BIND`) → command-line flags
//! (and their environment twins `BLUEBUTTON_BIND`, `BLUEBUTTON_DATABASE_URL` of the
//! contract). Later layers win. Unknown keys in any layer are refused by name, so a typo
//! is an error rather than a silently ignored setting.
//!
//! `config/default.toml` in the repository shows every setting with its default; a test
//! keeps it equal to [`Config::default`].

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// HTTP server.
    pub server: ServerConfig,
    /// Store.
    pub database: DatabaseConfig,
    /// Logging.
    pub log: LogConfig,
    /// The synthetic sandbox generated on first start.
    pub sandbox: SandboxConfig,
    /// The authorization server.
    pub oauth: OAuthConfig,
    /// How enrollees log in.
    pub login: LoginConfig,
    /// E-mail: the outbox's SMTP delivery and the links in messages.
    pub mail: MailConfig,
    /// The built-in test client at `/testclient/`.
    pub testclient: TestClientConfig,
    /// Production access: the business hours of the review team's clocks.
    pub access: AccessConfig,
    /// Rate limits per token, application and client address.
    pub rate_limit: RateLimitConfig,
}

/// `[rate_limit]`: requests per window for each kind of key (0 = no limit of that kind),
/// counted by every server process on the database together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Off: nothing is counted or refused (benchmarks, or limits kept by a gateway).
    pub enabled: bool,
    /// Window length in seconds.
    pub window_secs: u32,
    /// FHIR and userinfo calls per access token.
    pub token: u32,
    /// FHIR and userinfo calls per application (all its tokens).
    pub app: u32,
    /// FHIR calls per client address.
    pub ip: u32,
    /// OAuth endpoint calls (authorize, login, consent, token, revoke, introspect,
    /// userinfo, connected apps) per client address.
    pub oauth_ip: u32,
    /// Token, revoke and introspect calls per authenticated OAuth client.
    pub oauth_client: u32,
    /// Portal form submissions (sign-in, sign-up, every POST) per client address.
    pub portal_ip: u32,
    /// How often each process adds its counts to the database and learns the others'.
    pub sync_interval_ms: u64,
    /// Proxies whose `X-Forwarded-For` names the client (addresses or CIDR blocks, e.g.
    /// `["10.0.0.0/8"]`). Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<String>,
}

impl Default for RateLimitConfig {
    /// Equal to `bb_domain::ratelimit::RateLimitSettings::default()` (a test checks it).
    fn default() -> Self {
        Self {
            enabled: true,
            window_secs: 60,
            token: 1200,
            app: 60_000,
            ip: 6000,
            oauth_ip: 1200,
            oauth_client: 6000,
            portal_ip: 600,
            sync_interval_ms: 250,
            trusted_proxies: Vec::new(),
        }
    }
}

impl RateLimitConfig {
    /// The limiter's settings, or why not.
    pub fn settings(&self) -> Result<bb_domain::ratelimit::RateLimitSettings, String> {
        use bb_domain::ratelimit::{RateLimitSettings, TrustedProxies};
        if self.window_secs == 0 {
            return Err("[rate_limit] window_secs must be at least 1".into());
        }
        if !(10..=60_000).contains(&self.sync_interval_ms) {
            return Err("[rate_limit] sync_interval_ms must be between 10 and 60000".into());
        }
        Ok(RateLimitSettings {
            enabled: self.enabled,
            window_secs: self.window_secs,
            token: self.token,
            app: self.app,
            ip: self.ip,
            oauth_ip: self.oauth_ip,
            oauth_client: self.oauth_client,
            portal_ip: self.portal_ip,
            sync_interval: std::time::Duration::from_millis(self.sync_interval_ms),
            trusted_proxies: TrustedProxies::parse(&self.trusted_proxies)
                .map_err(|e| format!("[rate_limit] {e}"))?,
        })
    }
}

/// `[access]`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccessConfig {
    /// IANA time zone of the review team's business hours.
    pub time_zone: String,
    /// Opening time, `HH:MM` local.
    pub open: String,
    /// Closing time, `HH:MM` local.
    pub close: String,
}

impl Default for AccessConfig {
    /// Equal to `bb_domain::access::BusinessCalendar::default()` (a test checks it).
    fn default() -> Self {
        Self {
            time_zone: "America/New_York".into(),
            open: "09:00".into(),
            close: "17:00".into(),
        }
    }
}

impl AccessConfig {
    /// The business calendar (Monday to Friday, U.S. federal holidays), or why not.
    pub fn calendar(&self) -> Result<bb_domain::access::BusinessCalendar, String> {
        use chrono::{NaiveTime, Weekday};
        let time = |name: &str, raw: &str| {
            NaiveTime::parse_from_str(raw.trim(), "%H:%M")
                .map_err(|_| format!("[access] {name} must be HH:MM, not {raw:?}"))
        };
        bb_domain::access::BusinessCalendar::new(
            &self.time_zone,
            time("open", &self.open)?,
            time("close", &self.close)?,
            &[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
        )
        .map_err(|e| format!("[access] {e}"))
    }
}

/// `[testclient]`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TestClientConfig {
    /// Serve the built-in test client (BB2's `enable_testclient`; on in the sandbox). Its
    /// application is registered on first use with a secret kept only in memory.
    pub enabled: bool,
}

impl Default for TestClientConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// `[mail]`
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// SMTP server host. Empty: no delivery; messages stay in the outbox (the server says
    /// so at start).
    pub smtp_host: String,
    /// SMTP server port (587 for STARTTLS, 465 for TLS).
    pub smtp_port: u16,
    /// `starttls` (required), `tls` (from the first byte) or `none` (a relay on the same
    /// host or a test server only).
    pub security: String,
    /// SMTP user name; empty: no authentication.
    pub smtp_username: String,
    /// SMTP password; prefer `BLUEBUTTON__MAIL__SMTP_PASSWORD`. Never printed.
    pub smtp_password: String,
    /// The `From:` address.
    pub from: String,
    /// The public origin that links in e-mails point to (verification, password reset).
    pub base_url: String,
    /// Delivery attempts before a message is given up (marked failed).
    pub max_attempts: u32,
    /// Wait after the first failed attempt, in seconds; doubled after each further one
    /// (at most six hours).
    pub retry_base_secs: u64,
    /// Longest one SMTP delivery may take, in seconds.
    pub timeout_secs: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_host: String::new(),
            smtp_port: 587,
            security: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            from: "Blue Button sandbox <no-reply@localhost>".into(),
            base_url: "http://localhost:8000".into(),
            max_attempts: 8,
            retry_base_secs: 60,
            timeout_secs: 30,
        }
    }
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("security", &self.security)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &"***")
            .field("from", &self.from)
            .field("base_url", &self.base_url)
            .field("max_attempts", &self.max_attempts)
            .field("retry_base_secs", &self.retry_base_secs)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// `[oauth]`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuthConfig {
    /// PKCS#8 PEM files of the RS256 keys that sign ID tokens; the first signs, all are
    /// published in the JWKS (rotation: put the new key first, keep the old one listed
    /// until its tokens have expired). A key's `kid` is its file name without extension.
    /// Empty: an ephemeral key is generated at start (fine for one sandbox process).
    pub signing_key_files: Vec<String>,
    /// Public URL of this server (e.g. `https://api.example.org`): the `iss` of ID tokens
    /// and the base of the discovery documents. Empty: the origin each request came to,
    /// which follows the `Host` header — fine for a local sandbox, not for production.
    pub issuer: String,
}

/// `[login]`
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginConfig {
    /// `sandbox` (the built-in form over synthetic users and `admin add-login`) or `oidc`
    /// (an upstream OpenID Connect provider).
    pub provider: String,
    /// `oidc`: the provider's issuer URL.
    pub issuer: String,
    /// `oidc`: our client id at the provider.
    pub client_id: String,
    /// `oidc`: our client secret there; prefer `BLUEBUTTON__LOGIN__CLIENT_SECRET`.
    /// Never printed.
    pub client_secret: String,
    /// `oidc`: our callback as registered there, e.g.
    /// `https://api.example.org/mymedicare/oidc-callback`.
    pub redirect_uri: String,
    /// `oidc`: the claim (ID token or userinfo) that carries the enrollee's MBI.
    pub mbi_claim: String,
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self {
            provider: "sandbox".into(),
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            redirect_uri: String::new(),
            mbi_claim: "mbi".into(),
        }
    }
}

impl std::fmt::Debug for LoginConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginConfig")
            .field("provider", &self.provider)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("redirect_uri", &self.redirect_uri)
            .field("mbi_claim", &self.mbi_claim)
            .finish()
    }
}

/// `[sandbox]`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxConfig {
    /// Enrollees generated when `serve` starts on a store without claims (0 = none).
    pub enrollees: u32,
    /// Generator seed: the same seed gives the same sandbox on every machine.
    pub seed: u64,
    /// Generation date (`YYYY-MM-DD`): claims end on or before it. Fixed by default so
    /// that the sandbox does not change with the day it is built.
    pub as_of: String,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            enrollees: 40_000,
            seed: 1,
            as_of: "2026-06-30".into(),
        }
    }
}

/// `[server]`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: String,
    /// Longest a request may take, in seconds (then 503).
    pub request_timeout_secs: u64,
    /// Largest request body, in bytes (then 413).
    pub max_body_bytes: usize,
    /// Largest total of request header bytes (then 431).
    pub max_header_bytes: usize,
    /// Most request headers (then 431).
    pub max_headers: usize,
    /// After SIGTERM or Ctrl-C, how long requests in flight may finish, in seconds.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8000".into(),
            request_timeout_secs: 30,
            max_body_bytes: 1024 * 1024,
            max_header_bytes: 16 * 1024,
            max_headers: 100,
            shutdown_grace_secs: 10,
        }
    }
}

/// `[database]`
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://USER[:PASSWORD]@HOST:PORT/DB`. May hold a password:
    /// never printed (see the `Debug` impl).
    pub url: String,
    /// Most open connections.
    pub max_connections: u32,
    /// How long to wait for a connection, in seconds.
    pub acquire_timeout_secs: u64,
    /// How long a SQLite writer waits for the lock, in milliseconds.
    pub busy_timeout_ms: u64,
    /// PostgreSQL schema to use instead of `public` (created when missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postgres_schema: Option<String>,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://bluebutton-data/bluebutton.db".into(),
            max_connections: 8,
            acquire_timeout_secs: 5,
            busy_timeout_ms: 5000,
            postgres_schema: None,
        }
    }
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = bb_store::DatabaseUrl::parse(&self.url)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| "<unparsed>".into());
        f.debug_struct("DatabaseConfig")
            .field("url", &url)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_secs", &self.acquire_timeout_secs)
            .field("busy_timeout_ms", &self.busy_timeout_ms)
            .field("postgres_schema", &self.postgres_schema)
            .finish()
    }
}

/// `[log]`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `auto` (human on a terminal, JSON otherwise), `human` or `json`.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `info,bb_web=debug`.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Auto,
            filter: "info".into(),
        }
    }
}

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human on a terminal, JSON otherwise.
    Auto,
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// Prefix of layered environment overrides.
pub const ENV_PREFIX: &str = "BLUEBUTTON__";

/// Loads defaults, then the file (if any), then `BLUEBUTTON__…` variables from `env`.
pub fn load(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, String> {
    let mut table = toml::Table::try_from(Config::default())
        .map_err(|e| format!("internal: defaults do not serialise: {e}"))?;
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        let from_file: toml::Table = toml::from_str(&text).map_err(|e| {
            format!(
                "config file {} is not valid TOML: {}",
                path.display(),
                e.message()
            )
        })?;
        merge(&mut table, from_file);
        check(&table).map_err(|e| format!("config file {}: {e}", path.display()))?;
    }
    let mut overrides: Vec<(String, String)> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .collect();
    overrides.sort(); // deterministic regardless of the environment's order
    for (key, value) in overrides {
        let path: Vec<String> = key[ENV_PREFIX.len()..]
            .split("__")
            .map(str::to_ascii_lowercase)
            .collect();
        set_path(&mut table, &path, &value)
            .and_then(|()| check(&table))
            .map_err(|e| format!("environment variable {key}: {e}"))?;
    }
    check(&table)
}

fn check(table: &toml::Table) -> Result<Config, String> {
    Config::deserialize(toml::Value::Table(table.clone())).map_err(|e| e.message().to_owned())
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Sets `path` to `raw`, typed like the value it replaces (strings stay strings; numbers
/// and booleans are parsed).
fn set_path(table: &mut toml::Table, path: &[String], raw: &str) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("empty key".into());
    };
    let mut node = table;
    for part in parents {
        node = match node
            .entry(part.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        {
            toml::Value::Table(t) => t,
            _ => return Err(format!("'{part}' is not a section")),
        };
    }
    let value = match node.get(last) {
        Some(toml::Value::Integer(_)) => raw
            .trim()
            .parse::<i64>()
            .map(toml::Value::Integer)
            .map_err(|_| format!("'{raw}' is not a whole number"))?,
        Some(toml::Value::Boolean(_)) => raw
            .trim()
            .parse::<bool>()
            .map(toml::Value::Boolean)
            .map_err(|_| format!("'{raw}' is not true or false"))?,
        Some(toml::Value::Float(_)) => raw
            .trim()
            .parse::<f64>()
            .map(toml::Value::Float)
            .map_err(|_| format!("'{raw}' is not a number"))?,
        _ => toml::Value::String(raw.to_owned()),
    };
    node.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn access_defaults_are_the_domain_calendar() {
        assert_eq!(
            AccessConfig::default().calendar(),
            Ok(bb_domain::access::BusinessCalendar::default())
        );
        let bad = AccessConfig {
            time_zone: "Mars/Olympus".into(),
            ..AccessConfig::default()
        };
        assert!(bad.calendar().is_err());
        let bad = AccessConfig {
            open: "9am".into(),
            ..AccessConfig::default()
        };
        assert_eq!(
            bad.calendar(),
            Err("[access] open must be HH:MM, not \"9am\"".to_owned())
        );
    }

    #[test]
    fn rate_limit_defaults_are_the_domain_defaults() {
        assert_eq!(
            RateLimitConfig::default().settings(),
            Ok(bb_domain::ratelimit::RateLimitSettings::default())
        );
        let config = load(
            None,
            env(&[
                ("BLUEBUTTON__RATE_LIMIT__TOKEN", "5"),
                ("BLUEBUTTON__RATE_LIMIT__ENABLED", "false"),
            ]),
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            (config.rate_limit.token, config.rate_limit.enabled),
            (5, false)
        );
        let bad = RateLimitConfig {
            trusted_proxies: vec!["10.0.0.0/40".into()],
            ..RateLimitConfig::default()
        };
        assert!(bad.settings().is_err_and(|e| e.contains("trusted_proxies")));
        let bad = RateLimitConfig {
            window_secs: 0,
            ..RateLimitConfig::default()
        };
        assert!(bad.settings().is_err());
    }

    #[test]
    fn defaults_without_layers() {
        assert_eq!(load(None, env(&[])), Ok(Config::default()));
    }

    #[test]
    fn file_then_environment_win_in_order() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let file = dir.path().join("bb.toml");
        std::fs::write(
            &file,
            "[server]\nbind = \"0.0.0.0:9000\"\nmax_headers = 50\n[database]\nmax_connections = 3\n",
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        let config = load(
            Some(&file),
            env(&[
                ("BLUEBUTTON__SERVER__BIND", "127.0.0.1:9100"),
                ("BLUEBUTTON__LOG__FORMAT", "json"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(config.server.bind, "127.0.0.1:9100");
        assert_eq!(config.server.max_headers, 50);
        assert_eq!(config.database.max_connections, 3);
        assert_eq!(config.log.format, LogFormat::Json);
        assert_eq!(config.server.request_timeout_secs, 30);
    }

    #[test]
    fn typos_and_bad_values_are_named() {
        let err = load(None, env(&[("BLUEBUTTON__SERVER__BINDD", "x")]))
            .err()
            .unwrap_or_default();
        assert!(
            err.contains("BLUEBUTTON__SERVER__BINDD") && err.contains("bindd"),
            "{err}"
        );
        let err = load(None, env(&[("BLUEBUTTON__SERVER__MAX_HEADERS", "many")]))
            .err()
            .unwrap_or_default();
        assert!(err.contains("not a whole number"), "{err}");
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "[databse]\nurl = \"x\"\n").unwrap_or_else(|e| unreachable!("{e}"));
        let err = load(Some(&file), env(&[])).err().unwrap_or_default();
        assert!(err.contains("databse"), "{err}");
        let err = load(Some(&dir.path().join("missing.toml")), env(&[]))
            .err()
            .unwrap_or_default();
        assert!(err.contains("cannot read config file"), "{err}");
    }

    #[test]
    fn debug_hides_the_database_password() {
        let mut config = Config::default();
        config.database.url = "postgres://bb:hunter2-secret@db:5432/bb".into();
        config.mail.smtp_password = "smtp-hunter2".into();
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2-secret")
                && !shown.contains("smtp-hunter2")
                && shown.contains("db:5432"),
            "{shown}"
        );
    }

    #[test]
    fn mail_settings_come_from_the_environment_too() {
        let config = load(
            None,
            env(&[
                ("BLUEBUTTON__MAIL__SMTP_HOST", "127.0.0.1"),
                ("BLUEBUTTON__MAIL__SMTP_PORT", "2525"),
                ("BLUEBUTTON__MAIL__SECURITY", "none"),
            ]),
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            (
                config.mail.smtp_host.as_str(),
                config.mail.smtp_port,
                config.mail.security.as_str()
            ),
            ("127.0.0.1", 2525, "none")
        );
    }

    #[test]
    fn shipped_default_file_matches_the_code() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/default.toml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| unreachable!("{e}"));
        let shipped: Config = toml::from_str(&text).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(shipped, Config::default());
    }
}
