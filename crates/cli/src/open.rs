//! Opening the store for a command: parse the URL (nothing touched yet), connect, refuse a
//! store from a newer build, apply pending migrations, and wrap it in domain services on
//! the real clock and the OS random source.

use crate::config::Config;
use crate::error::CliError;
use bb_domain::clock::{OsEntropy, SystemClock};
use bb_domain::{Deps, Services};
use bb_store::{DatabaseUrl, MigrationReport, Store, StoreOptions};
use std::sync::Arc;
use std::time::Duration;

/// The parsed database URL of the configuration.
pub fn database_url(config: &Config) -> Result<DatabaseUrl, CliError> {
    DatabaseUrl::parse(&config.database.url)
        .map_err(|e| CliError::Failed(format!("--database-url: {e}")))
}

/// Connects and migrates.
pub async fn store(
    config: &Config,
    url: &DatabaseUrl,
) -> Result<(Store, MigrationReport), CliError> {
    let options = StoreOptions {
        max_connections: config.database.max_connections,
        acquire_timeout: Duration::from_secs(config.database.acquire_timeout_secs),
        busy_timeout: Duration::from_millis(config.database.busy_timeout_ms),
        postgres_schema: config.database.postgres_schema.clone(),
    };
    let store = Store::connect(url, &options).await?;
    let report = store.migrate().await?;
    if !report.applied_now.is_empty() {
        tracing::info!(backend = report.backend, applied = ?report.applied_now, "migrations applied");
    }
    Ok((store, report))
}

/// Domain services over `store` with the real clock and randomness.
pub fn services(store: Store) -> Services {
    Services::new(Deps {
        store,
        clock: Arc::new(SystemClock),
        entropy: Arc::new(OsEntropy),
    })
}

/// Adds the configured ID token keys and, with `[login] provider = "oidc"`, the upstream
/// provider (discovered now: a provider that cannot be reached stops the start, with the
/// reason, rather than failing every enrollee later), and the `[testclient]` switch.
pub async fn with_oauth(config: &Config, services: Services) -> Result<Services, CliError> {
    use bb_domain::oauth::SigningKeys;
    use bb_domain::oauth::upstream::{UpstreamConfig, UpstreamOidc};
    let mut pems = Vec::new();
    for file in &config.oauth.signing_key_files {
        let path = std::path::Path::new(file);
        let kid = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let pem = std::fs::read_to_string(path).map_err(|e| {
            CliError::Failed(format!(
                "[oauth] signing_key_files: cannot read {file}: {e}"
            ))
        })?;
        pems.push((kid, pem));
    }
    let keys = if pems.is_empty() {
        None
    } else {
        Some(Arc::new(
            SigningKeys::from_config(&pems, &OsEntropy)
                .map_err(|e| CliError::Failed(format!("[oauth] signing_key_files: {e}")))?,
        ))
    };
    let login = &config.login;
    let upstream = match login.provider.as_str() {
        "sandbox" => None,
        "oidc" => {
            for (name, value) in [
                ("issuer", &login.issuer),
                ("client_id", &login.client_id),
                ("client_secret", &login.client_secret),
                ("redirect_uri", &login.redirect_uri),
            ] {
                if value.is_empty() {
                    return Err(CliError::Failed(format!(
                        "[login] provider = \"oidc\" needs {name}"
                    )));
                }
            }
            let mut upstream = UpstreamConfig::new(
                login.issuer.clone(),
                login.client_id.clone(),
                secrecy::SecretString::from(login.client_secret.clone()),
                login.redirect_uri.clone(),
            );
            if !login.mbi_claim.is_empty() {
                upstream.mbi_claim = login.mbi_claim.clone();
            }
            let discovered = UpstreamOidc::discover(upstream).await.map_err(|e| {
                CliError::Failed(format!("[login] upstream provider {}: {e}", login.issuer))
            })?;
            tracing::info!(issuer = %login.issuer, "enrollees log in through the upstream OpenID Connect provider");
            Some(Arc::new(discovered))
        }
        other => {
            return Err(CliError::Failed(format!(
                "[login] provider must be sandbox or oidc, not {other:?}"
            )));
        }
    };
    let services = services
        .with_oauth(keys, upstream)
        .with_testclient(config.testclient.enabled);
    Ok(match issuer(&config.oauth.issuer)? {
        Some(issuer) => services.with_issuer(issuer),
        None => services,
    })
}

/// `[oauth] issuer`: empty (the request's origin), or an absolute `http`/`https` URL with
/// a host and no query, fragment or credentials; a trailing `/` is dropped.
fn issuer(raw: &str) -> Result<Option<String>, CliError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let refuse = |why: &str| {
        Err(CliError::Failed(format!(
            "[oauth] issuer {raw:?} {why}; use the server's public URL, e.g. https://api.example.org"
        )))
    };
    let Ok(url) = url::Url::parse(raw) else {
        return refuse("is not a URL");
    };
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return refuse("must be an http or https URL with a host");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return refuse("must not have a query or fragment");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("must not carry credentials");
    }
    Ok(Some(raw.trim_end_matches('/').to_owned()))
}

/// `[mail]`, checked: built before the store is opened, so a bad setting writes nothing.
pub struct MailSetup {
    base_url: String,
    settings: bb_domain::mail::MailSettings,
    transport: Option<Arc<bb_domain::mail::SmtpTransport>>,
}

/// Checks `[mail]`: the origin of e-mailed links, the retry settings and, with `smtp_host`
/// set, the SMTP transport (which connects only when it sends).
pub fn mail_setup(config: &Config) -> Result<MailSetup, CliError> {
    use bb_domain::mail::{MailSettings, SmtpConfig, SmtpSecurity, SmtpTransport};
    let mail = &config.mail;
    let base = url::Url::parse(&mail.base_url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| {
            CliError::Failed(format!(
                "[mail] base_url must be an http(s) origin like https://sandbox.example.org, not {:?}",
                mail.base_url
            ))
        })?;
    let settings = MailSettings {
        max_attempts: i64::from(mail.max_attempts.max(1)),
        retry_base_secs: i64::try_from(mail.retry_base_secs.max(1)).unwrap_or(60),
        ..MailSettings::default()
    };
    let transport = if mail.smtp_host.trim().is_empty() {
        None
    } else {
        let security = SmtpSecurity::parse(&mail.security)
            .map_err(|e| CliError::Failed(format!("[mail] {e}")))?;
        let transport = SmtpTransport::new(&SmtpConfig {
            host: mail.smtp_host.clone(),
            port: mail.smtp_port,
            security,
            from: mail.from.clone(),
            username: mail.smtp_username.clone(),
            password: secrecy::SecretString::from(mail.smtp_password.clone()),
            timeout: Duration::from_secs(mail.timeout_secs.max(1)),
        })
        .map_err(|e| CliError::Failed(format!("[mail] {e}")))?;
        Some(Arc::new(transport))
    };
    Ok(MailSetup {
        base_url: base.as_str().trim_end_matches('/').to_owned(),
        settings,
        transport,
    })
}

/// Applies a checked `[mail]` to the services and says how mail goes out: by SMTP, or not
/// at all (messages stay in the outbox).
pub fn with_mail(config: &Config, services: Services, setup: MailSetup) -> Services {
    let mut portal = services.portal.settings();
    portal.base_url = setup.base_url;
    services.portal.set_settings(portal);
    services.mail.set_settings(setup.settings);
    match setup.transport {
        Some(transport) => {
            services.mail.set_transport(transport);
            let mail = &config.mail;
            tracing::info!(host = %mail.smtp_host, port = mail.smtp_port, security = %mail.security, "e-mail is delivered by SMTP");
        }
        None => tracing::warn!(
            "e-mail is not delivered: [mail] smtp_host is not set; messages stay in the outbox"
        ),
    }
    services
}

#[cfg(test)]
mod tests {
    use super::issuer;

    #[test]
    fn issuer_is_a_plain_public_url_or_nothing() {
        assert_eq!(issuer("").ok(), Some(None));
        assert_eq!(issuer("  ").ok(), Some(None));
        assert_eq!(
            issuer("https://api.example.org/").ok(),
            Some(Some("https://api.example.org".to_owned()))
        );
        assert_eq!(
            issuer("http://localhost:8000").ok(),
            Some(Some("http://localhost:8000".to_owned()))
        );
        for bad in [
            "api.example.org",
            "ftp://api.example.org",
            "https://api.example.org/?a=1",
            "https://api.example.org/#x",
            "https://user:pw@api.example.org",
        ] {
            assert!(issuer(bad).is_err(), "{bad} was accepted");
        }
    }
}
