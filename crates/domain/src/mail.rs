//! E-mail: every message is first a row of the `outbox` table (queued in the same
//! transaction as the change it reports, so nothing is half-saved), then delivered by a
//! background sender when a transport is configured (SMTP through `lettre`, rustls only).
//!
//! The sender ([`Mail::deliver_due`], looped by [`Mail::start`]) claims one due message at
//! a time with a lease (the store's conditional update: replicas never send the same
//! message twice at once), tries it, and then marks it sent, schedules a retry with
//! exponential backoff (`retry_base_secs` × 2^(attempts−1), at most `retry_max_secs`), or
//! gives it up after `max_attempts` and marks it failed. Time comes from the injected
//! clock, so tests drive retries with the fake clock. Without a transport, messages stay in
//! the outbox (the server says so once at start).
//!
//! Bodies hold single-use links: they are never logged, and the store empties a body once
//! its message is sent or given up. Logs name the message id and attempt only.

use crate::{Deps, DomainError};
use bb_store::{NewMail, OutboxRow};
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;
use tokio::sync::Notify;

/// How the sender retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailSettings {
    /// Attempts before a message is given up.
    pub max_attempts: i64,
    /// Wait after the first failed attempt, in seconds; doubled after each further one.
    pub retry_base_secs: i64,
    /// Longest wait between attempts, in seconds.
    pub retry_max_secs: i64,
    /// How long a claimed message is reserved for the sender that claimed it, in seconds
    /// (longer than one SMTP attempt can take).
    pub lease_secs: i64,
    /// How often the sender looks for due messages queued by other replicas, in seconds.
    pub poll_secs: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            retry_base_secs: 60,
            retry_max_secs: 6 * 3600,
            lease_secs: 300,
            poll_secs: 10,
        }
    }
}

impl MailSettings {
    /// The wait after failed attempt number `attempts` (1-based).
    pub fn backoff_secs(&self, attempts: i64) -> i64 {
        let doublings = u32::try_from((attempts - 1).clamp(0, 30)).unwrap_or(30);
        self.retry_base_secs
            .saturating_mul(1_i64 << doublings)
            .min(self.retry_max_secs)
    }
}

/// A boxed future, for the object-safe transport trait.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something that delivers one message; `Err` carries a short reason (no body).
pub trait MailTransport: Send + Sync {
    /// Sends a plain-text message.
    fn send<'a>(
        &'a self,
        recipient: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>>;

    /// Sends a message with attachments (a `.ics` invitation). The default refuses
    /// attachments rather than drop them silently; plain messages go through [`Self::send`].
    fn send_with<'a>(
        &'a self,
        recipient: &'a str,
        subject: &'a str,
        body: &'a str,
        attachments: &'a [bb_store::MailAttachment],
    ) -> BoxFuture<'a, Result<(), String>> {
        if attachments.is_empty() {
            self.send(recipient, subject, body)
        } else {
            Box::pin(async { Err("this transport cannot send attachments".to_owned()) })
        }
    }
}

/// Transport security of the SMTP connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required; usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a test server.
    None,
}

impl SmtpSecurity {
    /// Parses `starttls`, `tls` or `none`.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            "none" => Ok(Self::None),
            other => Err(DomainError::invalid(
                "security",
                format!("'{other}' is not one of starttls, tls, none"),
            )),
        }
    }
}

/// Where and how to send by SMTP.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Connection security.
    pub security: SmtpSecurity,
    /// `From:` address, e.g. `Blue Button <no-reply@example.org>`.
    pub from: String,
    /// User name (empty: no authentication).
    pub username: String,
    /// Password.
    pub password: SecretString,
    /// Longest one delivery may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// SMTP delivery through `lettre` (tokio, rustls with the platform's certificate
/// verifier).
pub struct SmtpTransport {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpTransport {
    /// Builds the transport; connects only when a message is sent.
    pub fn new(config: &SmtpConfig) -> Result<Self, DomainError> {
        use lettre::AsyncSmtpTransport;
        use lettre::transport::smtp::authentication::Credentials;
        type Smtp = AsyncSmtpTransport<lettre::Tokio1Executor>;
        let from = config
            .from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| DomainError::invalid("from", format!("is not an address: {e}")))?;
        if config.host.trim().is_empty() {
            return Err(DomainError::invalid("smtp_host", "is empty"));
        }
        let host = config.host.trim();
        let builder = match config.security {
            SmtpSecurity::StartTls => Smtp::starttls_relay(host),
            SmtpSecurity::Tls => Smtp::relay(host),
            SmtpSecurity::None => Ok(Smtp::builder_dangerous(host)),
        }
        .map_err(|e| DomainError::invalid("smtp_host", format!("cannot use it: {e}")))?;
        let mut builder = builder.port(config.port).timeout(Some(config.timeout));
        if !config.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                config.username.clone(),
                config.password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

impl MailTransport for SmtpTransport {
    fn send<'a>(
        &'a self,
        recipient: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            use lettre::AsyncTransport;
            let to = recipient
                .parse::<lettre::message::Mailbox>()
                .map_err(|e| format!("bad recipient address: {e}"))?;
            let message = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(subject)
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(body.to_owned())
                .map_err(|e| format!("cannot build the message: {e}"))?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}"))
        })
    }

    fn send_with<'a>(
        &'a self,
        recipient: &'a str,
        subject: &'a str,
        body: &'a str,
        attachments: &'a [bb_store::MailAttachment],
    ) -> BoxFuture<'a, Result<(), String>> {
        if attachments.is_empty() {
            return self.send(recipient, subject, body);
        }
        Box::pin(async move {
            use lettre::AsyncTransport;
            use lettre::message::header::ContentType;
            use lettre::message::{Attachment, MultiPart, SinglePart};
            let to = recipient
                .parse::<lettre::message::Mailbox>()
                .map_err(|e| format!("bad recipient address: {e}"))?;
            let mut parts = MultiPart::mixed().singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_owned()),
            );
            for file in attachments {
                let kind = ContentType::parse(&file.content_type)
                    .map_err(|e| format!("bad attachment type: {e}"))?;
                parts = parts
                    .singlepart(Attachment::new(file.name.clone()).body(file.bytes.clone(), kind));
            }
            let message = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(subject)
                .multipart(parts)
                .map_err(|e| format!("cannot build the message: {e}"))?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}"))
        })
    }
}

/// What one run of the sender did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages delivered.
    pub sent: u32,
    /// Messages that failed and will be tried again.
    pub retried: u32,
    /// Messages given up.
    pub failed: u32,
}

/// The outbox and its sender; cheap to clone (clones share the transport).
#[derive(Clone)]
pub struct Mail {
    inner: Arc<Inner>,
}

struct Inner {
    deps: Arc<Deps>,
    settings: RwLock<MailSettings>,
    transport: RwLock<Option<Arc<dyn MailTransport>>>,
    wake: Notify,
    // One delivery run at a time in this process.
    sending: tokio::sync::Mutex<()>,
}

impl Mail {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        Self {
            inner: Arc::new(Inner {
                deps,
                settings: RwLock::new(MailSettings::default()),
                transport: RwLock::new(None),
                wake: Notify::new(),
                sending: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Delivers through `transport` from now on.
    pub fn set_transport(&self, transport: Arc<dyn MailTransport>) {
        if let Ok(mut slot) = self.inner.transport.write() {
            *slot = Some(transport);
        }
    }

    /// Changes the retry settings.
    pub fn set_settings(&self, settings: MailSettings) {
        if let Ok(mut slot) = self.inner.settings.write() {
            *slot = settings;
        }
    }

    fn settings(&self) -> MailSettings {
        self.inner
            .settings
            .read()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    fn transport(&self) -> Option<Arc<dyn MailTransport>> {
        self.inner.transport.read().ok().and_then(|t| t.clone())
    }

    /// Whether messages are delivered (a transport is set).
    pub fn is_delivering(&self) -> bool {
        self.transport().is_some()
    }

    /// A message to queue now (for a store call that queues it with other changes).
    pub(crate) fn message(&self, recipient: &str, subject: &str, body: String) -> NewMail {
        NewMail {
            recipient: recipient.to_owned(),
            subject: subject.to_owned(),
            body_text: body,
            created_at: self.inner.deps.clock.now().timestamp_millis(),
            attachments: Vec::new(),
        }
    }

    /// Wakes the sender (after a message was queued).
    pub fn notify(&self) {
        self.inner.wake.notify_one();
    }

    /// Queues a message on its own; its id.
    pub async fn enqueue(
        &self,
        recipient: &str,
        subject: &str,
        body: String,
    ) -> Result<i64, DomainError> {
        let deps = &self.inner.deps;
        let id = deps
            .store
            .insert_mail(&self.message(recipient, subject, body))
            .await
            .map_err(|e| DomainError::from_store(e, || crate::accounts::operation_id(deps), &[]))?;
        self.notify();
        Ok(id)
    }

    /// The newest `limit` messages, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxRow>, DomainError> {
        let deps = &self.inner.deps;
        deps.store
            .outbox(limit)
            .await
            .map_err(|e| DomainError::from_store(e, || crate::accounts::operation_id(deps), &[]))
    }

    /// Tries every message due now once; without a transport, does nothing.
    pub async fn deliver_due(&self) -> DeliveryReport {
        let mut report = DeliveryReport::default();
        let Some(transport) = self.transport() else {
            return report;
        };
        let _sending = self.inner.sending.lock().await;
        let settings = self.settings();
        let deps = &self.inner.deps;
        loop {
            let now = deps.clock.now().timestamp_millis();
            let claimed = match deps
                .store
                .claim_mail(now, now + settings.lease_secs * 1000)
                .await
            {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: cannot claim a message; will retry");
                    break;
                }
            };
            let attachments = match deps.store.mail_attachments(claimed.id).await {
                Ok(files) => files,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: cannot read attachments; will retry");
                    break;
                }
            };
            let outcome = transport
                .send_with(
                    &claimed.recipient,
                    &claimed.subject,
                    &claimed.body_text,
                    &attachments,
                )
                .await;
            let now = deps.clock.now().timestamp_millis();
            let written = match outcome {
                Ok(()) => {
                    report.sent += 1;
                    tracing::info!(
                        message_id = claimed.id,
                        attempt = claimed.attempts,
                        "e-mail sent"
                    );
                    deps.store.mail_sent(claimed.id, now).await
                }
                Err(reason) if claimed.attempts >= settings.max_attempts => {
                    report.failed += 1;
                    tracing::error!(message_id = claimed.id, attempt = claimed.attempts, error = %reason, "e-mail given up");
                    deps.store.mail_failed(claimed.id, now, &reason).await
                }
                Err(reason) => {
                    report.retried += 1;
                    let wait = settings.backoff_secs(claimed.attempts);
                    tracing::warn!(message_id = claimed.id, attempt = claimed.attempts, retry_in_secs = wait, error = %reason, "e-mail not sent; will retry");
                    deps.store
                        .mail_retry(claimed.id, now + wait * 1000, &reason)
                        .await
                }
            };
            if let Err(e) = written {
                // The lease runs out and the message is claimed again later.
                tracing::warn!(message_id = claimed.id, error = %e, "outbox: cannot record the attempt");
                break;
            }
        }
        report
    }

    /// Starts the background sender on the current runtime: it runs when woken by a new
    /// message and every `poll_secs`, and stops when the last `Mail` handle is dropped.
    /// Does nothing outside a runtime.
    pub fn start(&self) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let poll = Duration::from_secs(self.settings().poll_secs.max(1));
        handle.spawn(async move {
            loop {
                let Some(inner) = weak.upgrade() else { return };
                let mail = Mail { inner };
                mail.deliver_due().await;
                let wake = mail.inner.clone();
                drop(mail);
                tokio::select! {
                    () = wake.wake.notified() => {}
                    () = tokio::time::sleep(poll) => {}
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{FakeClock, SeededEntropy};
    use bb_store::{DatabaseUrl, Store, StoreOptions};
    use chrono::DateTime;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Fails the first `failures` sends, then records what it delivers.
    struct Flaky {
        failures: AtomicU32,
        delivered: Mutex<Vec<(String, String, String)>>,
    }

    impl MailTransport for Flaky {
        fn send<'a>(
            &'a self,
            recipient: &'a str,
            subject: &'a str,
            body: &'a str,
        ) -> BoxFuture<'a, Result<(), String>> {
            Box::pin(async move {
                if self.failures.load(Ordering::SeqCst) > 0 {
                    self.failures.fetch_sub(1, Ordering::SeqCst);
                    return Err("421 try again later".into());
                }
                self.delivered.lock().unwrap().push((
                    recipient.into(),
                    subject.into(),
                    body.into(),
                ));
                Ok(())
            })
        }
    }

    async fn mail(failures: u32) -> (Mail, Arc<FakeClock>, Arc<Flaky>, Store) {
        let store = Store::connect(&DatabaseUrl::SqliteMemory, &StoreOptions::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let clock = Arc::new(FakeClock::new(
            DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        ));
        let mail = Mail::new(Arc::new(Deps {
            store: store.clone(),
            clock: clock.clone(),
            entropy: Arc::new(SeededEntropy::new(1)),
        }));
        mail.set_settings(MailSettings {
            max_attempts: 3,
            retry_base_secs: 60,
            retry_max_secs: 100,
            lease_secs: 300,
            poll_secs: 10,
        });
        let flaky = Arc::new(Flaky {
            failures: AtomicU32::new(failures),
            delivered: Mutex::new(Vec::new()),
        });
        (mail, clock, flaky, store)
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = MailSettings::default();
        let waits: Vec<i64> = (1..=10).map(|n| s.backoff_secs(n)).collect();
        assert_eq!(
            waits,
            vec![60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600]
        );
        assert_eq!(s.backoff_secs(1000), 21600);
    }

    #[tokio::test]
    async fn without_a_transport_messages_stay_queued() {
        let (mail, _, _, store) = mail(0).await;
        assert!(!mail.is_delivering());
        mail.enqueue("dev@example.org", "Hello", "body".into())
            .await
            .unwrap();
        assert_eq!(mail.deliver_due().await, DeliveryReport::default());
        let rows = store.outbox(10).await.unwrap();
        assert_eq!((rows[0].attempts, rows[0].sent_at), (0, None));
    }

    #[tokio::test]
    async fn failures_are_retried_with_backoff_then_sent() {
        let (mail, clock, flaky, store) = mail(2).await;
        mail.set_transport(flaky.clone());
        mail.enqueue("dev@example.org", "Verify", "link".into())
            .await
            .unwrap();
        let report = mail.deliver_due().await;
        assert_eq!(report.retried, 1);
        // Not due again before the backoff (60 s after the first failure).
        clock.advance(chrono::Duration::seconds(59));
        assert_eq!(mail.deliver_due().await, DeliveryReport::default());
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(mail.deliver_due().await.retried, 1);
        // Second wait: 120 s, capped at 100.
        clock.advance(chrono::Duration::seconds(99));
        assert_eq!(mail.deliver_due().await, DeliveryReport::default());
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(mail.deliver_due().await.sent, 1);
        assert_eq!(
            flaky.delivered.lock().unwrap().as_slice(),
            &[("dev@example.org".into(), "Verify".into(), "link".into())]
        );
        let row = &store.outbox(10).await.unwrap()[0];
        assert_eq!(
            (row.attempts, row.sent_at.is_some(), row.body_text.as_str()),
            (3, true, "")
        );
    }

    #[tokio::test]
    async fn messages_are_given_up_after_max_attempts() {
        let (mail, clock, flaky, store) = mail(10).await;
        mail.set_transport(flaky.clone());
        mail.enqueue("dev@example.org", "Reset", "secret link".into())
            .await
            .unwrap();
        for _ in 0..2 {
            assert_eq!(mail.deliver_due().await.retried, 1);
            clock.advance(chrono::Duration::seconds(100));
        }
        assert_eq!(mail.deliver_due().await.failed, 1);
        clock.advance(chrono::Duration::days(1));
        assert_eq!(mail.deliver_due().await, DeliveryReport::default());
        let row = &store.outbox(10).await.unwrap()[0];
        assert_eq!(
            (
                row.attempts,
                row.failed_at.is_some(),
                row.body_text.as_str(),
                row.last_error.as_deref()
            ),
            (3, true, "", Some("421 try again later"))
        );
        assert!(flaky.delivered.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_background_sender_delivers_when_woken() {
        let (mail, _, flaky, _) = mail(0).await;
        mail.set_transport(flaky.clone());
        mail.start();
        mail.enqueue("dev@example.org", "Hi", "x".into())
            .await
            .unwrap();
        for _ in 0..100 {
            if !flaky.delivered.lock().unwrap().is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the background sender did not deliver");
    }

    #[test]
    fn smtp_settings_are_checked_and_the_password_is_hidden() {
        assert_eq!(
            SmtpSecurity::parse("STARTTLS").ok(),
            Some(SmtpSecurity::StartTls)
        );
        assert!(SmtpSecurity::parse("ssl").is_err());
        let config = SmtpConfig {
            host: "127.0.0.1".into(),
            port: 2525,
            security: SmtpSecurity::None,
            from: "Blue Button <no-reply@example.org>".into(),
            username: "u".into(),
            password: SecretString::from("hunter2-smtp".to_owned()),
            timeout: Duration::from_secs(5),
        };
        assert!(!format!("{config:?}").contains("hunter2-smtp"));
        assert!(SmtpTransport::new(&config).is_ok());
        let bad = SmtpConfig {
            from: "not an address".into(),
            ..config
        };
        assert!(SmtpTransport::new(&bad).is_err());
    }
}
