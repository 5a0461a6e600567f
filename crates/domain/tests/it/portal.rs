//! Developer portal accounts on the fake clock: sign-up and verification (links single
//! use, 7 days), the per-account lockout, session idle and absolute ends, password reset
//! and change, TOTP enrolment, login and replay, and staff being sent to enrolment.

use bb_domain::clock::{FakeClock, SeededEntropy};
use bb_domain::portal::{LoginRefusal, PortalError, SignUpForm, Stage};
use bb_domain::totp::{TotpSecret, step_of};
use bb_domain::{Deps, Services};
use bb_store::{DatabaseUrl, Store, StoreOptions};
use chrono::{DateTime, Duration};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const PASSWORD: &str = "violet tea kettle 42";

struct World {
    services: Services,
    store: Store,
    clock: Arc<FakeClock>,
}

async fn world() -> World {
    let store = Store::connect(&DatabaseUrl::SqliteMemory, &StoreOptions::default())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let clock = Arc::new(FakeClock::new(
        DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
    ));
    let services = Services::new(Deps {
        store: store.clone(),
        clock: clock.clone(),
        entropy: Arc::new(SeededEntropy::new(7)),
    });
    World {
        services,
        store,
        clock,
    }
}

fn form(email: &str) -> SignUpForm {
    SignUpForm {
        name: "Ada Lovelace".into(),
        email: email.into(),
        organization: "Analytical Engines".into(),
        password: PASSWORD.into(),
    }
}

/// The token at the end of the link in the newest message to `to` whose subject is
/// `subject`.
async fn link_token(w: &World, to: &str, subject: &str, path: &str) -> String {
    let outbox = w.store.outbox(50).await.unwrap();
    let message = outbox
        .iter()
        .find(|m| m.recipient == to && m.subject == subject)
        .unwrap_or_else(|| panic!("no '{subject}' message to {to}: {outbox:?}"));
    let at = message.body_text.find(path).expect("a link") + path.len();
    message.body_text[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn sign_up_verify_login_logout() {
    let w = world().await;
    let portal = &w.services.portal;
    portal.sign_up(&form("Ada@Example.org")).await.unwrap();
    let token = link_token(
        &w,
        "ada@example.org",
        "Confirm your e-mail address",
        "http://localhost:8000/v2/accounts/activation-verify/",
    )
    .await;
    assert_eq!(token.len(), 43);
    // Only the hash is stored.
    let stored = w
        .store
        .account_token(&Sha256::digest(token.as_bytes()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.purpose, "verify_email");

    // Before verification the right password is refused, and a new link goes out.
    assert!(matches!(
        portal.login("ada@example.org", PASSWORD).await,
        Err(LoginRefusal::Unverified)
    ));
    assert_eq!(w.store.outbox(50).await.unwrap().len(), 2);

    assert!(portal.verify_email(&token).await.unwrap());
    assert!(!portal.verify_email(&token).await.unwrap(), "single use");
    let started = portal.login(" ADA@example.org ", PASSWORD).await.unwrap();
    assert_eq!(started.stage, Stage::Active);
    let session = portal.session(&started.secret).await.unwrap().unwrap();
    assert_eq!(
        (session.name.as_str(), session.email.as_str(), session.staff),
        ("Ada Lovelace", "ada@example.org", false)
    );
    assert_eq!(
        portal.organizations_of(&session.user_id).await.unwrap(),
        vec!["Analytical Engines".to_owned()]
    );
    portal.logout(&started.secret).await.unwrap();
    assert!(portal.session(&started.secret).await.unwrap().is_none());
}

#[tokio::test]
async fn sign_up_reports_every_field_and_hides_existing_accounts() {
    let w = world().await;
    let portal = &w.services.portal;
    let bad = SignUpForm {
        name: " ".into(),
        email: "no-at-sign".into(),
        organization: "x".repeat(101),
        password: "short".into(),
    };
    match portal.sign_up(&bad).await {
        Err(PortalError::Invalid(fields)) => {
            let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
            assert_eq!(names, vec!["name", "email", "organization", "password"]);
        }
        other => panic!("{other:?}"),
    }
    let common = SignUpForm {
        password: "Password2024!!".into(),
        ..form("ada@example.org")
    };
    assert!(matches!(
        portal.sign_up(&common).await,
        Err(PortalError::Invalid(f)) if f[0].0 == "password" && f[0].1.contains("too common")
    ));
    let similar = SignUpForm {
        password: "ada lovelace!!".into(),
        ..form("ada@example.org")
    };
    assert!(matches!(
        portal.sign_up(&similar).await,
        Err(PortalError::Invalid(_))
    ));
    assert!(
        w.store.outbox(50).await.unwrap().is_empty(),
        "nothing half-saved"
    );

    portal.sign_up(&form("ada@example.org")).await.unwrap();
    // A second sign-up with the same e-mail answers the same and mails the owner.
    portal.sign_up(&form("ada@example.org")).await.unwrap();
    let subjects: Vec<String> = w
        .store
        .outbox(50)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(
        subjects,
        vec!["You already have an account", "Confirm your e-mail address"]
    );
}

#[tokio::test]
async fn verification_links_last_seven_days() {
    let w = world().await;
    let portal = &w.services.portal;
    portal.sign_up(&form("ada@example.org")).await.unwrap();
    let token = link_token(
        &w,
        "ada@example.org",
        "Confirm your e-mail address",
        "/activation-verify/",
    )
    .await;
    w.clock.advance(Duration::days(7) + Duration::seconds(1));
    assert!(!portal.verify_email(&token).await.unwrap());
    assert!(!portal.verify_email("not-a-token").await.unwrap());
}

async fn verified(w: &World, email: &str) {
    w.services
        .accounts
        .create_verified_developer(email, "Org", PASSWORD)
        .await
        .unwrap();
}

#[tokio::test]
async fn five_failures_lock_the_account_for_thirty_minutes() {
    let w = world().await;
    let portal = &w.services.portal;
    verified(&w, "dev@example.org").await;
    for _ in 0..4 {
        assert!(matches!(
            portal.login("dev@example.org", "wrong password!!").await,
            Err(LoginRefusal::BadCredentials)
        ));
    }
    assert!(matches!(
        portal.login("dev@example.org", "wrong password!!").await,
        Err(LoginRefusal::Locked { minutes: 30 })
    ));
    // Even the right password is refused while locked.
    w.clock.advance(Duration::minutes(10));
    assert!(matches!(
        portal.login("dev@example.org", PASSWORD).await,
        Err(LoginRefusal::Locked { minutes: 20 })
    ));
    w.clock.advance(Duration::minutes(20));
    assert!(portal.login("dev@example.org", PASSWORD).await.is_ok());
    // A success clears the count: four more failures do not lock.
    for _ in 0..4 {
        assert!(matches!(
            portal.login("dev@example.org", "wrong password!!").await,
            Err(LoginRefusal::BadCredentials)
        ));
    }
    assert!(portal.login("dev@example.org", PASSWORD).await.is_ok());
    // Unknown accounts are refused the same way and lock nothing.
    assert!(matches!(
        portal.login("nobody@example.org", PASSWORD).await,
        Err(LoginRefusal::BadCredentials)
    ));
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_their_absolute_end() {
    let w = world().await;
    let portal = &w.services.portal;
    verified(&w, "dev@example.org").await;
    let idle = portal
        .login("dev@example.org", PASSWORD)
        .await
        .unwrap()
        .secret;
    let busy = portal
        .login("dev@example.org", PASSWORD)
        .await
        .unwrap()
        .secret;
    w.clock.advance(Duration::minutes(89));
    assert!(portal.session(&busy).await.unwrap().is_some());
    w.clock.advance(Duration::minutes(2));
    assert!(
        portal.session(&idle).await.unwrap().is_none(),
        "idle 91 minutes"
    );
    // Used every 80 minutes, a session still ends 12 hours after sign-in.
    for _ in 0..7 {
        assert!(portal.session(&busy).await.unwrap().is_some());
        w.clock.advance(Duration::minutes(80));
    }
    assert!(portal.session(&busy).await.unwrap().is_some());
    w.clock.advance(Duration::minutes(80));
    assert!(portal.session(&busy).await.unwrap().is_none(), "12 hours");
}

#[tokio::test]
async fn password_reset_is_single_use_short_lived_and_ends_sessions() {
    let w = world().await;
    let portal = &w.services.portal;
    verified(&w, "dev@example.org").await;
    let before = portal
        .login("dev@example.org", PASSWORD)
        .await
        .unwrap()
        .secret;
    portal.request_reset("nobody@example.org").await.unwrap();
    assert!(w.store.outbox(50).await.unwrap().is_empty());
    portal.request_reset("DEV@example.org").await.unwrap();
    let token = link_token(
        &w,
        "dev@example.org",
        "Reset your password",
        "/reset-password/",
    )
    .await;
    assert!(portal.reset_link_is_valid(&token).await.unwrap());
    assert!(matches!(
        portal.reset_password(&token, "short").await,
        Err(PortalError::Invalid(f)) if f[0].0 == "password"
    ));
    // A refused password leaves the link usable.
    portal
        .reset_password(&token, "a brand new passphrase")
        .await
        .unwrap();
    assert!(portal.session(&before).await.unwrap().is_none());
    assert!(matches!(
        portal
            .reset_password(&token, "another new passphrase")
            .await,
        Err(PortalError::LinkExpired)
    ));
    assert!(matches!(
        portal.login("dev@example.org", PASSWORD).await,
        Err(LoginRefusal::BadCredentials)
    ));
    assert!(
        portal
            .login("dev@example.org", "a brand new passphrase")
            .await
            .is_ok()
    );

    // One hour later a link no longer works.
    portal.request_reset("dev@example.org").await.unwrap();
    let late = link_token(
        &w,
        "dev@example.org",
        "Reset your password",
        "/reset-password/",
    )
    .await;
    assert_ne!(late, token);
    w.clock.advance(Duration::minutes(60));
    assert!(!portal.reset_link_is_valid(&late).await.unwrap());
    assert!(matches!(
        portal.reset_password(&late, "yet another passphrase").await,
        Err(PortalError::LinkExpired)
    ));
}

#[tokio::test]
async fn password_change_checks_the_current_one_and_ends_other_sessions() {
    let w = world().await;
    let portal = &w.services.portal;
    verified(&w, "dev@example.org").await;
    let here = portal
        .login("dev@example.org", PASSWORD)
        .await
        .unwrap()
        .secret;
    let elsewhere = portal
        .login("dev@example.org", PASSWORD)
        .await
        .unwrap()
        .secret;
    match portal
        .change_password(&here, "not it at all", "short")
        .await
    {
        Err(PortalError::Invalid(fields)) => {
            let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
            assert_eq!(names, vec!["current_password", "new_password"]);
        }
        other => panic!("{other:?}"),
    }
    let fresh = portal
        .change_password(&here, PASSWORD, "a brand new passphrase")
        .await
        .unwrap();
    assert!(portal.session(&here).await.unwrap().is_none());
    assert!(portal.session(&elsewhere).await.unwrap().is_none());
    assert!(portal.session(&fresh).await.unwrap().is_some());
}

async fn pending_secret(w: &World, session: &str) -> TotpSecret {
    let row = w
        .store
        .portal_session(&Sha256::digest(session.as_bytes()))
        .await
        .unwrap()
        .unwrap();
    TotpSecret::from_bytes(row.pending_totp.expect("an enrolment in progress"))
}

fn now_step(w: &World) -> i64 {
    use bb_domain::clock::Clock;
    step_of(w.clock.now().timestamp())
}

#[tokio::test]
async fn totp_enrolment_then_login_with_a_code_once() {
    let w = world().await;
    let portal = &w.services.portal;
    verified(&w, "dev@example.org").await;
    let session = portal
        .login("dev@example.org", PASSWORD)
        .await
        .unwrap()
        .secret;
    let enrolment = portal.begin_enrolment(&session).await.unwrap();
    let again = portal.begin_enrolment(&session).await.unwrap();
    assert_eq!(enrolment.uri, again.uri, "the same secret until confirmed");
    let secret = pending_secret(&w, &session).await;
    assert!(
        enrolment
            .uri
            .starts_with("otpauth://totp/Blue%20Button%20sandbox:dev%40example.org?secret=")
    );
    assert_eq!(enrolment.secret_grouped.replace(' ', ""), secret.base32());
    assert!(matches!(
        portal.confirm_enrolment(&session, "000000").await,
        Err(PortalError::Invalid(_))
    ));
    let code = secret.code_at(now_step(&w));
    portal.confirm_enrolment(&session, &code).await.unwrap();
    assert!(portal.session(&session).await.unwrap().unwrap().has_totp);
    portal.logout(&session).await.unwrap();

    // Now login asks for the code; the one used to enrol is spent.
    let started = portal.login("dev@example.org", PASSWORD).await.unwrap();
    assert_eq!(started.stage, Stage::SecondFactor);
    assert!(matches!(
        portal.second_factor(&started.secret, &code).await,
        Err(PortalError::Invalid(_))
    ));
    w.clock.advance(Duration::seconds(30));
    let next = secret.code_at(now_step(&w));
    portal.second_factor(&started.secret, &next).await.unwrap();
    let active = portal.session(&started.secret).await.unwrap().unwrap();
    assert_eq!(active.stage, Stage::Active);
    // The same code again, on another login, is a replay.
    let other = portal.login("dev@example.org", PASSWORD).await.unwrap();
    assert!(matches!(
        portal.second_factor(&other.secret, &next).await,
        Err(PortalError::Invalid(_))
    ));
    // Wrong codes count towards the lock (one failure above, four more lock).
    for _ in 0..3 {
        assert!(matches!(
            portal.second_factor(&other.secret, "123456").await,
            Err(PortalError::Invalid(_))
        ));
    }
    assert!(matches!(
        portal.second_factor(&other.secret, "123456").await,
        Err(PortalError::Locked { minutes: 30 })
    ));
}

#[tokio::test]
async fn staff_without_totp_must_enrol_first() {
    let w = world().await;
    let portal = &w.services.portal;
    w.services
        .accounts
        .create_staff("rev@example.org", "reviewer", PASSWORD)
        .await
        .unwrap();
    let started = portal.login("rev@example.org", PASSWORD).await.unwrap();
    assert_eq!(started.stage, Stage::Enrol);
    let session = portal.session(&started.secret).await.unwrap().unwrap();
    assert!(session.staff && !session.has_totp);
    portal.begin_enrolment(&started.secret).await.unwrap();
    let secret = pending_secret(&w, &started.secret).await;
    portal
        .confirm_enrolment(&started.secret, &secret.code_at(now_step(&w)))
        .await
        .unwrap();
    assert_eq!(
        portal
            .session(&started.secret)
            .await
            .unwrap()
            .unwrap()
            .stage,
        Stage::Active
    );
}
