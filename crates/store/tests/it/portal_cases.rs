//! Contract cases of the developer portal's tables: sign-up in one transaction, single-use
//! e-mail tokens, the per-account failure count and lock, password reset and change ending
//! sessions, portal sessions, TOTP steps, and the outbox's claims, retries and give-ups —
//! the same on every backend.

use crate::backends::Fixture;
use crate::cases::{at, org, user, with_developer};
use bb_store::{AccountTokenRow, NewMail, PortalSessionRow, UserRow};

fn token(n: u8, user_id: &str, purpose: &str, now: i64, life_ms: i64) -> AccountTokenRow {
    AccountTokenRow {
        token_sha256: vec![n; 32],
        user_id: user_id.into(),
        purpose: purpose.into(),
        created_at: now,
        expires_at: now + life_ms,
        used_at: None,
    }
}

fn mail(to: &str, subject: &str, now: i64) -> NewMail {
    NewMail {
        recipient: to.into(),
        subject: subject.into(),
        body_text: format!("Hello {to}: https://example.org/link/secret-{subject}"),
        created_at: now,
        attachments: Vec::new(),
    }
}

fn session(n: u8, user_id: &str, now: i64) -> PortalSessionRow {
    PortalSessionRow {
        session_sha256: vec![n; 32],
        user_id: user_id.into(),
        csrf_token: format!("csrf-{n}"),
        stage: "active".into(),
        pending_totp: None,
        created_at: now,
        last_seen_at: now,
        expires_at: now + 43_200_000,
    }
}

pub async fn sign_up_is_all_or_nothing_and_verification_is_single_use(f: Fixture) {
    let now = at(0, 0);
    let ms = now.timestamp_millis();
    let mut dev = user(1);
    dev.email_verified_at = None;
    let verify = token(1, &dev.id, "verify_email", ms, 7 * 86_400_000);
    let org_row = f
        .store
        .sign_up_developer(
            &dev,
            &org("org-1", "Acme"),
            &verify,
            &mail(&dev.email, "verify", ms),
        )
        .await
        .unwrap();
    assert_eq!(org_row.name, "Acme");
    let outbox = f.store.outbox(10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (
            outbox[0].recipient.as_str(),
            outbox[0].attempts,
            outbox[0].next_attempt_at
        ),
        (dev.email.as_str(), 0, ms)
    );
    assert_eq!(
        f.store.account_token(&[1; 32]).await.unwrap(),
        Some(verify.clone())
    );
    let auth = f
        .store
        .user_auth_by_email(&dev.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (auth.name.as_str(), auth.email_verified_at),
        ("Dev 1", None)
    );

    // The same e-mail again: refused, and neither its token nor its message is left.
    let again = UserRow {
        id: "user-again".into(),
        ..dev.clone()
    };
    let err = f
        .store
        .sign_up_developer(
            &again,
            &org("org-2", "Other"),
            &token(2, "user-again", "verify_email", ms, 1000),
            &mail(&dev.email, "again", ms),
        )
        .await
        .err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.is_conflict_on("users.email")),
        "{err:?}"
    );
    assert_eq!(f.store.account_token(&[2; 32]).await.unwrap(), None);
    assert_eq!(f.store.outbox(10).await.unwrap().len(), 1);
    assert_eq!(f.store.organization_by_key("other").await.unwrap(), None);

    // A token of the wrong purpose does not verify; the right one does, once.
    let later = at(60, 0);
    assert_eq!(
        f.store
            .reset_password_with_token(&[1; 32], later, "h")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        f.store
            .verify_email_with_token(&[1; 32], later)
            .await
            .unwrap(),
        Some(dev.id.clone())
    );
    assert_eq!(
        f.store
            .verify_email_with_token(&[1; 32], later)
            .await
            .unwrap(),
        None
    );
    let spent = f.store.account_token(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(spent.used_at, Some(later.timestamp_millis()));
    let auth = f.store.user_auth_by_id(&dev.id).await.unwrap().unwrap();
    assert_eq!(auth.email_verified_at, Some(later));

    // An expired token does nothing.
    f.store
        .insert_account_token(&token(3, &dev.id, "verify_email", ms, 1000), None)
        .await
        .unwrap();
    assert_eq!(
        f.store
            .verify_email_with_token(&[3; 32], at(2, 0))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        f.store
            .verify_email_with_token(&[9; 32], later)
            .await
            .unwrap(),
        None
    );
}

pub async fn login_failures_lock_the_account_and_age_out(f: Fixture) {
    let id = with_developer(&f, 1).await;
    let now = at(0, 0).timestamp_millis();
    let window = 1_800_000;
    for n in 1..=4 {
        assert_eq!(
            f.store
                .record_login_failure(&id, now + n, 5, window)
                .await
                .unwrap(),
            Some((n, None))
        );
    }
    assert_eq!(
        f.store
            .record_login_failure(&id, now + 5, 5, window)
            .await
            .unwrap(),
        Some((5, Some(now + 5 + window)))
    );
    let auth = f.store.user_auth_by_id(&id).await.unwrap().unwrap();
    assert_eq!(
        (auth.failed_logins, auth.locked_until),
        (5, Some(now + 5 + window))
    );
    // Once the window has passed, counting starts again at one (the lock stays as it was
    // and has ended by then).
    assert_eq!(
        f.store
            .record_login_failure(&id, now + 1 + window, 5, window)
            .await
            .unwrap(),
        Some((1, Some(now + 5 + window)))
    );
    f.store.clear_user_failures(&id).await.unwrap();
    let auth = f.store.user_auth_by_id(&id).await.unwrap().unwrap();
    assert_eq!((auth.failed_logins, auth.locked_until), (0, None));
    assert_eq!(
        f.store
            .record_login_failure("nobody", now, 5, window)
            .await
            .unwrap(),
        None
    );

    // Concurrent failures from several replicas are all counted.
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let store = f.store.clone();
            let id = id.clone();
            tokio::spawn(async move { store.record_login_failure(&id, now, 5, window).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let auth = f.store.user_auth_by_id(&id).await.unwrap().unwrap();
    assert_eq!(
        (auth.failed_logins, auth.locked_until),
        (5, Some(now + window))
    );
}

pub async fn password_reset_and_change_end_every_session(f: Fixture) {
    let id = with_developer(&f, 1).await;
    let other = with_developer(&f, 2).await;
    let now = at(0, 0);
    let ms = now.timestamp_millis();
    for (n, who) in [(1, &id), (2, &id), (3, &other)] {
        f.store
            .insert_portal_session(&session(n, who, ms))
            .await
            .unwrap();
    }
    f.store
        .record_login_failure(&id, ms, 1, 60_000)
        .await
        .unwrap();
    for n in [10, 11] {
        f.store
            .insert_account_token(
                &token(n, &id, "reset_password", ms, 3_600_000),
                Some(&mail("dev1@example.org", "reset", ms)),
            )
            .await
            .unwrap();
    }
    assert_eq!(f.store.outbox(10).await.unwrap().len(), 2);
    assert_eq!(
        f.store
            .reset_password_with_token(&[10; 32], now, "new-hash")
            .await
            .unwrap(),
        Some(id.clone())
    );
    let auth = f.store.user_auth_by_id(&id).await.unwrap().unwrap();
    assert_eq!(
        (
            auth.password_hash.as_str(),
            auth.failed_logins,
            auth.locked_until
        ),
        ("new-hash", 0, None)
    );
    assert_eq!(f.store.portal_session(&[1; 32]).await.unwrap(), None);
    assert_eq!(f.store.portal_session(&[2; 32]).await.unwrap(), None);
    assert!(f.store.portal_session(&[3; 32]).await.unwrap().is_some());
    // The other reset link is spent too; the used one cannot be used again.
    assert_eq!(
        f.store
            .reset_password_with_token(&[11; 32], now, "x")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        f.store
            .reset_password_with_token(&[10; 32], now, "x")
            .await
            .unwrap(),
        None
    );

    // A change from a signed-in browser ends the other sessions and starts a new one.
    f.store
        .insert_portal_session(&session(4, &id, ms))
        .await
        .unwrap();
    f.store
        .insert_portal_session(&session(5, &id, ms))
        .await
        .unwrap();
    f.store
        .change_password(&id, "newer-hash", ms + 1, &session(6, &id, ms + 1))
        .await
        .unwrap();
    assert_eq!(f.store.portal_session(&[4; 32]).await.unwrap(), None);
    assert_eq!(f.store.portal_session(&[5; 32]).await.unwrap(), None);
    assert_eq!(
        f.store.portal_session(&[6; 32]).await.unwrap(),
        Some(session(6, &id, ms + 1))
    );
    assert_eq!(
        f.store
            .user_auth_by_id(&id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "newer-hash"
    );
}

pub async fn portal_sessions_and_totp_steps(f: Fixture) {
    let id = with_developer(&f, 1).await;
    let ms = at(0, 0).timestamp_millis();
    let mut row = session(1, &id, ms);
    row.stage = "enrol".into();
    f.store.insert_portal_session(&row).await.unwrap();
    assert_eq!(
        f.store.portal_session(&[1; 32]).await.unwrap(),
        Some(row.clone())
    );
    f.store
        .touch_portal_session(&[1; 32], ms + 5)
        .await
        .unwrap();
    assert!(
        f.store
            .set_portal_session_stage(&[1; 32], "enrol", Some(&[7; 20]))
            .await
            .unwrap()
    );
    let stored = f.store.portal_session(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(
        (
            stored.last_seen_at,
            stored.stage.as_str(),
            stored.pending_totp
        ),
        (ms + 5, "enrol", Some(vec![7; 20]))
    );
    assert!(
        !f.store
            .set_portal_session_stage(&[9; 32], "active", None)
            .await
            .unwrap()
    );

    // No secret yet: no step can be used.
    assert!(!f.store.use_totp_step(&id, 100).await.unwrap());
    f.store
        .enable_totp(&id, &[7; 20], 100, &[1; 32])
        .await
        .unwrap();
    let stored = f.store.portal_session(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(
        (stored.stage.as_str(), stored.pending_totp),
        ("active", None)
    );
    let auth = f.store.user_auth_by_id(&id).await.unwrap().unwrap();
    assert_eq!(
        (auth.totp_secret, auth.totp_last_step),
        (Some(vec![7; 20]), Some(100))
    );
    // The confirming step and earlier ones are spent; a later one is used once.
    assert!(!f.store.use_totp_step(&id, 100).await.unwrap());
    assert!(!f.store.use_totp_step(&id, 99).await.unwrap());
    assert!(f.store.use_totp_step(&id, 101).await.unwrap());
    assert!(!f.store.use_totp_step(&id, 101).await.unwrap());

    f.store
        .insert_portal_session(&session(2, &id, ms))
        .await
        .unwrap();
    f.store.delete_portal_session(&[1; 32]).await.unwrap();
    assert_eq!(f.store.portal_session(&[1; 32]).await.unwrap(), None);
    assert_eq!(f.store.delete_portal_sessions_of(&id).await.unwrap(), 1);
    assert_eq!(f.store.portal_session(&[2; 32]).await.unwrap(), None);
}

pub async fn outbox_claims_once_retries_and_gives_up(f: Fixture) {
    let ms = at(0, 0).timestamp_millis();
    let first = f
        .store
        .insert_mail(&mail("a@example.org", "one", ms))
        .await
        .unwrap();
    let second = f
        .store
        .insert_mail(&mail("b@example.org", "two", ms + 1))
        .await
        .unwrap();
    assert!(second > first);
    // Nothing is due before its time.
    assert_eq!(f.store.claim_mail(ms - 1, ms + 60_000).await.unwrap(), None);
    let claimed = f
        .store
        .claim_mail(ms + 1, ms + 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (claimed.id, claimed.attempts, claimed.next_attempt_at),
        (first, 1, ms + 60_000)
    );
    assert!(claimed.body_text.contains("secret-one"));
    let claimed2 = f
        .store
        .claim_mail(ms + 1, ms + 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed2.id, second);
    assert_eq!(f.store.claim_mail(ms + 1, ms + 60_000).await.unwrap(), None);

    // A failed attempt waits for its retry time, then is claimed again.
    f.store
        .mail_retry(first, ms + 30_000, "connection refused")
        .await
        .unwrap();
    assert_eq!(
        f.store.claim_mail(ms + 29_999, ms + 90_000).await.unwrap(),
        None
    );
    let retried = f
        .store
        .claim_mail(ms + 30_000, ms + 90_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (retried.id, retried.attempts, retried.last_error.as_deref()),
        (first, 2, Some("connection refused"))
    );
    f.store.mail_sent(first, ms + 30_001).await.unwrap();
    f.store
        .mail_failed(second, ms + 30_002, "550 no such user")
        .await
        .unwrap();
    assert_eq!(
        f.store
            .claim_mail(ms + 10_000_000, ms + 20_000_000)
            .await
            .unwrap(),
        None
    );

    let all = f.store.outbox(10).await.unwrap();
    assert_eq!(
        all.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![second, first]
    );
    assert_eq!(
        (
            all[1].sent_at,
            all[1].body_text.as_str(),
            all[1].last_error.as_deref()
        ),
        (Some(ms + 30_001), "", None)
    );
    assert_eq!(
        (
            all[0].failed_at,
            all[0].body_text.as_str(),
            all[0].last_error.as_deref()
        ),
        (Some(ms + 30_002), "", Some("550 no such user"))
    );

    // Racing senders: each message goes to exactly one of them.
    for n in 0..4 {
        f.store
            .insert_mail(&mail("c@example.org", &format!("race{n}"), ms))
            .await
            .unwrap();
    }
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = f.store.clone();
            tokio::spawn(async move { store.claim_mail(ms, ms + 60_000).await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        if let Some(row) = task.await.unwrap().unwrap() {
            ids.push(row.id);
        }
    }
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!((before, ids.len()), (4, 4), "{ids:?}");
}
