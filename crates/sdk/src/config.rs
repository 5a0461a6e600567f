//! [`Config`]: where the API is ([`Environment`]), the app's credentials and callback, the
//! API version, refresh on expiry, [`RetrySettings`] and timeouts — from code
//! ([`Config::new`] and the `with_*` methods), a JSON or TOML file ([`Config::from_file`],
//! the official SDKs' keys in snake or camel case) or environment variables
//! ([`Config::from_env`]).
//!
//! | file key (snake / camel) | environment variable | default |
//! |---|---|---|
//! | `environment` (`LOCAL`, `TEST`, `SANDBOX`, `PRODUCTION` or a URL) | `BLUEBUTTON_ENVIRONMENT` | `LOCAL` |
//! | `base_url` / `baseUrl` (wins over `environment`) | `BLUEBUTTON_BASE_URL` | |
//! | `client_id` / `clientId` | `BLUEBUTTON_CLIENT_ID` | required |
//! | `client_secret` / `clientSecret` | `BLUEBUTTON_CLIENT_SECRET` | required |
//! | `callback_url` / `callbackUrl` | `BLUEBUTTON_CALLBACK_URL` | required |
//! | `version` (`2` or `"2"`) | `BLUEBUTTON_API_VERSION` | 2 |
//! | `token_refresh_on_expire` / `tokenRefreshOnExpire` | `BLUEBUTTON_TOKEN_REFRESH_ON_EXPIRE` | true |
//! | `retry_settings.total` / `retrySettings.total` | `BLUEBUTTON_RETRY_TOTAL` | 3 |
//! | `retry_settings.backoff_factor` / `…backoffFactor` (seconds) | `BLUEBUTTON_RETRY_BACKOFF_FACTOR` | 0.5 |
//! | `retry_settings.status_forcelist` / `…statusForcelist` | `BLUEBUTTON_RETRY_STATUS_FORCELIST` (`429,500,…`) | 429, 500, 502, 503, 504 |
//! | `retry_settings.max_wait` / `…maxWait` (seconds) | `BLUEBUTTON_RETRY_MAX_WAIT` | 30 |
//! | `timeout` (seconds) | `BLUEBUTTON_TIMEOUT` | 30 |
//!
//! [`Config::from_env`] first reads the file named by `BLUEBUTTON_SDK_CONFIG` when set
//! (not `BLUEBUTTON_CONFIG`, which is the server's own configuration file), then lets each
//! variable above override it.

use crate::Error;
use crate::secret::Secret;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;
use url::Url;

/// Where the API is. The four named ones are the official SDKs' hard-coded base URLs.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Environment {
    /// `http://localhost:8000` (a local bluebutton server).
    #[default]
    Local,
    /// `https://test.bluebutton.cms.gov`.
    Test,
    /// `https://sandbox.bluebutton.cms.gov`.
    Sandbox,
    /// `https://api.bluebutton.cms.gov`.
    Production,
    /// Any other server, e.g. `http://127.0.0.1:8017`.
    Custom(Url),
}

impl Environment {
    /// Reads `LOCAL`, `TEST`, `SANDBOX`, `PRODUCTION` (any case) or an `http(s)` URL.
    ///
    /// # Errors
    /// [`Error::Config`] for anything else.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text.trim().to_ascii_uppercase().as_str() {
            "LOCAL" => Ok(Self::Local),
            "TEST" => Ok(Self::Test),
            "SANDBOX" => Ok(Self::Sandbox),
            "PRODUCTION" => Ok(Self::Production),
            _ => parse_base_url(text).map(Self::Custom).map_err(|_| {
                Error::Config(format!(
                    "environment: {text:?} is not LOCAL, TEST, SANDBOX, PRODUCTION or an http(s) URL"
                ))
            }),
        }
    }

    /// The base URL (path `/`).
    #[allow(clippy::expect_used)] // the four literals are URLs (a unit test reads each)
    pub fn base_url(&self) -> Url {
        let text = match self {
            Self::Local => "http://localhost:8000",
            Self::Test => "https://test.bluebutton.cms.gov",
            Self::Sandbox => "https://sandbox.bluebutton.cms.gov",
            Self::Production => "https://api.bluebutton.cms.gov",
            Self::Custom(url) => return url.clone(),
        };
        Url::parse(text).expect("a literal base URL")
    }
}

fn parse_base_url(text: &str) -> Result<Url, Error> {
    let url = Url::parse(text.trim().trim_end_matches('/'))
        .map_err(|e| Error::Config(format!("base URL {text:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config(format!(
            "base URL {text:?}: not an http(s) URL with a host"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL {text:?}: has a query or fragment"
        )));
    }
    Ok(url)
}

/// Retries of FHIR and userinfo GETs (token calls are never retried).
#[derive(Clone, Debug, PartialEq)]
pub struct RetrySettings {
    /// Retries after the first attempt (0 = none).
    pub total: u32,
    /// The wait before retry `n` (1, 2, …) is `backoff_factor × 2^(n−1)` seconds.
    pub backoff_factor: f64,
    /// Statuses that are retried (connection failures always are).
    pub status_forcelist: Vec<u16>,
    /// The longest wait, from the backoff or a `Retry-After` header.
    pub max_wait: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            total: 3,
            backoff_factor: 0.5,
            status_forcelist: vec![429, 500, 502, 503, 504],
            max_wait: Duration::from_secs(30),
        }
    }
}

impl RetrySettings {
    /// No retries.
    pub fn none() -> Self {
        Self {
            total: 0,
            ..Self::default()
        }
    }
}

/// The client's configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the API is.
    pub environment: Environment,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret (`Debug` prints `[redacted]`).
    pub client_secret: Secret,
    /// The redirect URI registered for the app.
    pub callback_url: Url,
    /// API version: 1, 2 or 3 (paths `/v{N}/…`).
    pub version: u8,
    /// Refresh the access token before a call when it has expired (by the local clock).
    pub token_refresh_on_expire: bool,
    /// Retries of GETs.
    pub retry: RetrySettings,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Connection timeout.
    pub connect_timeout: Duration,
}

impl Config {
    /// A configuration for the `LOCAL` environment with the defaults.
    ///
    /// # Errors
    /// [`Error::Config`] when `callback_url` is not a URL.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        callback_url: &str,
    ) -> Result<Self, Error> {
        let callback_url = Url::parse(callback_url)
            .map_err(|e| Error::Config(format!("callback_url {callback_url:?}: {e}")))?;
        Ok(Self {
            environment: Environment::Local,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            callback_url,
            version: 2,
            token_refresh_on_expire: true,
            retry: RetrySettings::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        })
    }

    /// Sets the environment.
    #[must_use]
    pub fn with_environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Sets a custom base URL (`Environment::Custom`).
    ///
    /// # Errors
    /// [`Error::Config`] when it is not an http(s) URL.
    pub fn with_base_url(self, base_url: &str) -> Result<Self, Error> {
        Ok(self.with_environment(Environment::Custom(parse_base_url(base_url)?)))
    }

    /// Sets the API version.
    #[must_use]
    pub fn with_version(mut self, version: u8) -> Self {
        self.version = version;
        self
    }

    /// Sets the retry settings.
    #[must_use]
    pub fn with_retry(mut self, retry: RetrySettings) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the request timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Turns refresh on local expiry on or off.
    #[must_use]
    pub fn with_token_refresh_on_expire(mut self, on: bool) -> Self {
        self.token_refresh_on_expire = on;
        self
    }

    /// The API's base URL.
    pub fn base_url(&self) -> Url {
        self.environment.base_url()
    }

    /// Reads a JSON (`.json`) or TOML (any other extension) file.
    ///
    /// # Errors
    /// [`Error::Config`] when the file cannot be read, parsed or lacks a required key.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let raw = if is_json {
            RawConfig::from_json(&text)
        } else {
            RawConfig::from_toml(&text)
        }
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        raw.build()
    }

    /// Reads the JSON form (the official SDKs' `.bluebutton-config.json`).
    ///
    /// # Errors
    /// [`Error::Config`] when it does not parse or lacks a required key.
    pub fn from_json_str(text: &str) -> Result<Self, Error> {
        RawConfig::from_json(text).map_err(Error::Config)?.build()
    }

    /// Reads the TOML form.
    ///
    /// # Errors
    /// [`Error::Config`] when it does not parse or lacks a required key.
    pub fn from_toml_str(text: &str) -> Result<Self, Error> {
        RawConfig::from_toml(text).map_err(Error::Config)?.build()
    }

    /// Reads the process environment (see the module docs).
    ///
    /// # Errors
    /// [`Error::Config`] when a value is malformed or a required one is missing.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(std::env::vars())
    }

    /// [`Config::from_env`] over the given variables (for tests and embedding).
    ///
    /// # Errors
    /// As [`Config::from_env`].
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, Error> {
        let vars: std::collections::HashMap<String, String> = vars
            .into_iter()
            .filter(|(k, _)| k.starts_with("BLUEBUTTON_"))
            .collect();
        let mut raw = match vars.get("BLUEBUTTON_SDK_CONFIG") {
            Some(path) => {
                let path = Path::new(path);
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
                let parsed = if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                {
                    RawConfig::from_json(&text)
                } else {
                    RawConfig::from_toml(&text)
                };
                parsed.map_err(|e| Error::Config(format!("{}: {e}", path.display())))?
            }
            None => RawConfig::default(),
        };
        let get = |name: &str| vars.get(name).filter(|v| !v.is_empty()).cloned();
        if let Some(v) = get("BLUEBUTTON_ENVIRONMENT") {
            raw.environment = Some(v);
        }
        if let Some(v) = get("BLUEBUTTON_BASE_URL") {
            raw.base_url = Some(v);
        }
        if let Some(v) = get("BLUEBUTTON_CLIENT_ID") {
            raw.client_id = Some(v);
        }
        if let Some(v) = get("BLUEBUTTON_CLIENT_SECRET") {
            raw.client_secret = Some(v);
        }
        if let Some(v) = get("BLUEBUTTON_CALLBACK_URL") {
            raw.callback_url = Some(v);
        }
        if let Some(v) = get("BLUEBUTTON_API_VERSION") {
            raw.version = Some(Version::Text(v));
        }
        if let Some(v) = get("BLUEBUTTON_TOKEN_REFRESH_ON_EXPIRE") {
            raw.token_refresh_on_expire =
                Some(parse_bool("BLUEBUTTON_TOKEN_REFRESH_ON_EXPIRE", &v)?);
        }
        if let Some(v) = get("BLUEBUTTON_RETRY_TOTAL") {
            raw.retry_settings.get_or_insert_default().total =
                Some(parse_num("BLUEBUTTON_RETRY_TOTAL", &v)?);
        }
        if let Some(v) = get("BLUEBUTTON_RETRY_BACKOFF_FACTOR") {
            raw.retry_settings.get_or_insert_default().backoff_factor =
                Some(parse_num("BLUEBUTTON_RETRY_BACKOFF_FACTOR", &v)?);
        }
        if let Some(v) = get("BLUEBUTTON_RETRY_STATUS_FORCELIST") {
            let list = v
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_num("BLUEBUTTON_RETRY_STATUS_FORCELIST", s))
                .collect::<Result<Vec<u16>, _>>()?;
            raw.retry_settings.get_or_insert_default().status_forcelist = Some(list);
        }
        if let Some(v) = get("BLUEBUTTON_RETRY_MAX_WAIT") {
            raw.retry_settings.get_or_insert_default().max_wait =
                Some(parse_num("BLUEBUTTON_RETRY_MAX_WAIT", &v)?);
        }
        if let Some(v) = get("BLUEBUTTON_TIMEOUT") {
            raw.timeout = Some(parse_num("BLUEBUTTON_TIMEOUT", &v)?);
        }
        raw.build()
    }
}

fn parse_bool(name: &str, v: &str) -> Result<bool, Error> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::Config(format!("{name}: {v:?} is not true or false"))),
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, Error> {
    v.trim()
        .parse()
        .map_err(|_| Error::Config(format!("{name}: {v:?} is not a number")))
}

/// `version`: the Node SDK writes `"2"`, the Python SDK `2`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Version {
    Number(u8),
    Text(String),
}

#[derive(Clone, Debug, Default, Deserialize)]
struct RawRetry {
    total: Option<u32>,
    #[serde(alias = "backoffFactor")]
    backoff_factor: Option<f64>,
    #[serde(alias = "statusForcelist")]
    status_forcelist: Option<Vec<u16>>,
    #[serde(alias = "maxWait")]
    max_wait: Option<f64>,
}

/// The file form: every key optional, snake or camel case.
#[derive(Clone, Debug, Default, Deserialize)]
struct RawConfig {
    environment: Option<String>,
    #[serde(alias = "baseUrl")]
    base_url: Option<String>,
    #[serde(alias = "clientId")]
    client_id: Option<String>,
    #[serde(alias = "clientSecret")]
    client_secret: Option<String>,
    #[serde(alias = "callbackUrl")]
    callback_url: Option<String>,
    version: Option<Version>,
    #[serde(alias = "tokenRefreshOnExpire")]
    token_refresh_on_expire: Option<bool>,
    #[serde(alias = "retrySettings")]
    retry_settings: Option<RawRetry>,
    timeout: Option<f64>,
}

impl RawConfig {
    fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("not the SDK's JSON configuration: {e}"))
    }

    fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| format!("not the SDK's TOML configuration: {e}"))
    }

    fn build(self) -> Result<Config, Error> {
        let missing = |key: &str| Error::Config(format!("{key} is required"));
        let client_id = self.client_id.ok_or_else(|| missing("client_id"))?;
        let client_secret = self.client_secret.ok_or_else(|| missing("client_secret"))?;
        let callback_url = self.callback_url.ok_or_else(|| missing("callback_url"))?;
        let mut config = Config::new(client_id, client_secret, &callback_url)?;
        if let Some(env) = &self.environment {
            config.environment = Environment::parse(env)?;
        }
        if let Some(base) = &self.base_url {
            config = config.with_base_url(base)?;
        }
        if let Some(version) = self.version {
            let v = match version {
                Version::Number(n) => n,
                Version::Text(t) => parse_num("version", &t)?,
            };
            if !(1..=3).contains(&v) {
                return Err(Error::Config(format!("version: {v} is not 1, 2 or 3")));
            }
            config.version = v;
        }
        if let Some(on) = self.token_refresh_on_expire {
            config.token_refresh_on_expire = on;
        }
        if let Some(r) = self.retry_settings {
            if let Some(total) = r.total {
                config.retry.total = total;
            }
            if let Some(f) = r.backoff_factor {
                config.retry.backoff_factor = non_negative("backoff_factor", f)?;
            }
            if let Some(list) = r.status_forcelist {
                config.retry.status_forcelist = list;
            }
            if let Some(w) = r.max_wait {
                config.retry.max_wait = Duration::from_secs_f64(non_negative("max_wait", w)?);
            }
        }
        if let Some(t) = self.timeout {
            let t = non_negative("timeout", t)?;
            if t == 0.0 {
                return Err(Error::Config("timeout: must be more than 0 seconds".into()));
            }
            config.timeout = Duration::from_secs_f64(t);
        }
        Ok(config)
    }
}

fn non_negative(key: &str, v: f64) -> Result<f64, Error> {
    if (0.0..86_400.0).contains(&v) {
        Ok(v)
    } else {
        Err(Error::Config(format!(
            "{key}: {v} is not a number of seconds from 0 to 86400"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_have_the_official_base_urls() {
        assert_eq!(
            Environment::Local.base_url().as_str(),
            "http://localhost:8000/"
        );
        assert_eq!(
            Environment::Test.base_url().as_str(),
            "https://test.bluebutton.cms.gov/"
        );
        assert_eq!(
            Environment::parse("sandbox").unwrap().base_url().as_str(),
            "https://sandbox.bluebutton.cms.gov/"
        );
        assert_eq!(
            Environment::parse("PRODUCTION")
                .unwrap()
                .base_url()
                .as_str(),
            "https://api.bluebutton.cms.gov/"
        );
        assert_eq!(
            Environment::parse("http://127.0.0.1:9/").unwrap(),
            Environment::Custom(Url::parse("http://127.0.0.1:9").unwrap())
        );
        assert!(Environment::parse("STAGING").is_err());
        assert!(Environment::parse("ftp://x").is_err());
    }

    #[test]
    fn json_with_the_node_sdks_camel_case_keys() {
        let c = Config::from_json_str(
            r#"{"environment":"SANDBOX","clientId":"abc","clientSecret":"s3cr3t",
                "callbackUrl":"http://localhost:3001/cb","version":"2",
                "tokenRefreshOnExpire":false,
                "retrySettings":{"total":5,"backoffFactor":2,"statusForcelist":[503]}}"#,
        )
        .unwrap();
        assert_eq!(c.environment, Environment::Sandbox);
        assert_eq!(c.client_id, "abc");
        assert_eq!(c.client_secret.expose(), "s3cr3t");
        assert_eq!(c.version, 2);
        assert!(!c.token_refresh_on_expire);
        assert_eq!(c.retry.total, 5);
        assert!((c.retry.backoff_factor - 2.0).abs() < f64::EPSILON);
        assert_eq!(c.retry.status_forcelist, vec![503]);
        assert!(!format!("{c:?}").contains("s3cr3t"), "no secret in Debug");
    }

    #[test]
    fn json_with_the_python_sdks_snake_case_keys_and_toml() {
        let c = Config::from_json_str(
            r#"{"environment":"LOCAL","client_id":"a","client_secret":"b",
                "callback_url":"http://localhost:3001/cb","version":1,
                "retry_settings":{"total":0,"backoff_factor":5,"status_forcelist":[500]}}"#,
        )
        .unwrap();
        assert_eq!(c.version, 1);
        assert_eq!(c.retry.total, 0);
        let t = Config::from_toml_str(
            "base_url = \"http://127.0.0.1:8017\"\nclient_id = \"a\"\nclient_secret = \"b\"\ncallback_url = \"http://127.0.0.1:3001/callback\"\ntimeout = 5\n[retry_settings]\ntotal = 1\n",
        )
        .unwrap();
        assert_eq!(t.base_url().as_str(), "http://127.0.0.1:8017/");
        assert_eq!(t.timeout, Duration::from_secs(5));
        assert_eq!(t.retry.total, 1);
    }

    #[test]
    fn missing_and_bad_values_are_named() {
        let e = Config::from_json_str(r#"{"client_id":"a","client_secret":"b"}"#).unwrap_err();
        assert!(e.to_string().contains("callback_url"), "{e}");
        let e = Config::from_json_str(
            r#"{"client_id":"a","client_secret":"b","callback_url":"http://x/cb","version":7}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("version"), "{e}");
    }

    #[test]
    fn environment_variables_override() {
        let vars = [
            ("BLUEBUTTON_ENVIRONMENT", "TEST"),
            ("BLUEBUTTON_BASE_URL", "http://127.0.0.1:8123"),
            ("BLUEBUTTON_CLIENT_ID", "id"),
            ("BLUEBUTTON_CLIENT_SECRET", "secret"),
            ("BLUEBUTTON_CALLBACK_URL", "http://127.0.0.1:3001/callback"),
            ("BLUEBUTTON_API_VERSION", "3"),
            ("BLUEBUTTON_TOKEN_REFRESH_ON_EXPIRE", "false"),
            ("BLUEBUTTON_RETRY_STATUS_FORCELIST", "429, 503"),
            ("BLUEBUTTON_RETRY_BACKOFF_FACTOR", "0.1"),
            ("PATH", "/bin"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let c = Config::from_vars(vars).unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:8123/");
        assert_eq!(c.version, 3);
        assert!(!c.token_refresh_on_expire);
        assert_eq!(c.retry.status_forcelist, vec![429, 503]);
        let e = Config::from_vars([("BLUEBUTTON_RETRY_TOTAL".to_owned(), "many".to_owned())])
            .unwrap_err();
        assert!(e.to_string().contains("BLUEBUTTON_RETRY_TOTAL"), "{e}");
    }
}
