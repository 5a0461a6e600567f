//! E-mail end to end: the server delivers through a real SMTP server (aiosmtpd, started by
//! the test command on loopback; it writes each message it receives to a folder as JSON),
//! and a developer signs up over HTTP, reads the verification message as received by that
//! server, follows its link and signs in. Runs when `BB_TEST_SMTP` (`HOST:PORT`) and
//! `BB_TEST_SMTP_DIR` (the server's folder) are set; otherwise it says it was skipped.

use bb_domain::mail::{SmtpConfig, SmtpSecurity, SmtpTransport};
use bb_testkit::portal::{Developer, link_path};
use bb_web::WebConfig;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The message whose recipients include `to` and whose subject is `subject`, waiting up to
/// 30 s for it to arrive.
async fn received(folder: &str, to: &str, subject: &str) -> Value {
    for _ in 0..300 {
        let mut entries: Vec<_> = std::fs::read_dir(folder)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        entries.sort();
        for path in entries {
            let message: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let to_us = message["rcpt_tos"]
                .as_array()
                .is_some_and(|r| r.iter().any(|a| a == to));
            if to_us && message["subject"] == subject {
                return message;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no '{subject}' message to {to} arrived in {folder}");
}

#[tokio::test]
async fn sign_up_mail_arrives_by_smtp_and_its_link_verifies_the_account() {
    let (Ok(server), Ok(folder)) = (
        std::env::var("BB_TEST_SMTP"),
        std::env::var("BB_TEST_SMTP_DIR"),
    ) else {
        eprintln!(
            "skipped: BB_TEST_SMTP (HOST:PORT of a test SMTP server) and BB_TEST_SMTP_DIR not set; scripts/test starts tests/smtp/run-server.sh and sets them"
        );
        return;
    };
    let (host, port) = server.rsplit_once(':').expect("BB_TEST_SMTP is HOST:PORT");
    let transport = SmtpTransport::new(&SmtpConfig {
        host: host.to_owned(),
        port: port.parse().expect("a port"),
        security: SmtpSecurity::None,
        from: "Blue Button sandbox <no-reply@sandbox.example.org>".into(),
        username: String::new(),
        password: secrecy::SecretString::from(String::new()),
        timeout: Duration::from_secs(10),
    })
    .unwrap();
    let app = bb_testkit::spawn_app_custom("127.0.0.1:0", WebConfig::default(), move |s| {
        s.mail.set_transport(Arc::new(transport));
        s.mail.start();
        s
    })
    .await;
    let mut settings = app.services.portal.settings();
    settings.base_url = app.base_url.clone();
    app.services.portal.set_settings(settings);

    // A recipient of this run only, so earlier runs' messages in the folder do not match.
    let email = format!("smtp-{}@example.org", uuid::Uuid::new_v4().simple());
    let dev = Developer::new(&email);
    let browser = app.browser();
    assert_eq!(app.sign_up(&browser, &dev).await.status(), 200);

    let message = received(&folder, &email, "Confirm your e-mail address").await;
    assert_eq!(
        message["from"],
        "Blue Button sandbox <no-reply@sandbox.example.org>"
    );
    let body = message["body"].as_str().unwrap();
    assert!(body.starts_with("Ada Lovelace,"), "{body}");
    let link = format!("{}/v2/accounts/activation-verify/", app.base_url);
    assert!(
        body.contains(&link),
        "the link points at the server: {body}"
    );

    let r = browser.get(app.url(&link_path(body))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app.portal_login(&browser, &email, &dev.password).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        browser
            .get(app.url("/v2/accounts/settings"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // The outbox row is marked sent (just after the server said 250) and no longer holds
    // the link.
    let mut row = None;
    for _ in 0..100 {
        let outbox = app.store.outbox(10).await.unwrap();
        row = outbox.into_iter().find(|m| m.recipient == email);
        if row.as_ref().is_some_and(|r| r.sent_at.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let row = row.unwrap();
    assert!(row.sent_at.is_some(), "{row:?}");
    assert_eq!((row.attempts, row.body_text.as_str()), (1, ""));
}
