//! Contract cases of the authorization server's tables: a flow through consent, code
//! redemption and replay, token pairs, rotation, revocation, grants, the bearer read,
//! login failures, enrollee sessions and the audit trail — the same on every backend.

use crate::backends::Fixture;
use crate::cases::{app, at, with_developer};
use bb_store::{
    AccessTokenRow, AuditEventRow, AuthCodeRow, AuthFlowRow, CodeRedemption, EnrolleeSessionRow,
    GrantRow, LoginFailureRow, RefreshTokenRow,
};

fn flow(id: &str, app_id: &str, now: i64) -> AuthFlowRow {
    AuthFlowRow {
        id: id.into(),
        application_id: app_id.into(),
        redirect_uri: "https://a.example.org/cb".into(),
        scopes: "patient/Patient.rs profile".into(),
        state: "s".repeat(16),
        code_challenge: "c".repeat(43),
        nonce: Some("n-1".into()),
        lang: "es".into(),
        browser_sha256: vec![9; 32],
        csrf_token: "csrf".into(),
        bene_id: None,
        upstream: None,
        created_at: now,
        expires_at: now + 600_000,
        finished_at: None,
    }
}

fn pair(n: u8, app_id: &str, bene: i64, now: i64) -> (AccessTokenRow, RefreshTokenRow) {
    let access = AccessTokenRow {
        token_sha256: vec![n; 32],
        application_id: Some(app_id.into()),
        bene_id: bene,
        scopes: "patient/Coverage.rs".into(),
        expires_at: now + 3_600_000,
        revoked_at: None,
        created_at: now,
    };
    let refresh = RefreshTokenRow {
        token_sha256: vec![n + 100; 32],
        application_id: app_id.into(),
        bene_id: bene,
        scopes: access.scopes.clone(),
        access_sha256: access.token_sha256.clone(),
        created_at: now,
        used_at: None,
        revoked_at: None,
    };
    (access, refresh)
}

pub async fn oauth_flow_codes_tokens_and_grants(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    f.store
        .insert_application(&app(5, &owner, "OAuth", &["https://a.example.org/cb"]))
        .await
        .unwrap();
    let now = at(0, 0).timestamp_millis();
    let bene = -19_990_000_000_001_i64;

    // A flow: stored, logged in, upstream state kept, finished once.
    let row = flow("f-1", "app-5", now);
    f.store.insert_auth_flow(&row).await.unwrap();
    assert_eq!(f.store.auth_flow("f-1").await.unwrap(), Some(row.clone()));
    assert!(f.store.set_auth_flow_enrollee("f-1", bene).await.unwrap());
    assert!(
        f.store
            .set_auth_flow_upstream("f-1", "{\"a\":1}")
            .await
            .unwrap()
    );
    let stored = f.store.auth_flow("f-1").await.unwrap().unwrap();
    assert_eq!(
        (stored.bene_id, stored.upstream.as_deref()),
        (Some(bene), Some("{\"a\":1}"))
    );

    // Consent: grant + code in one go, and only once per flow.
    let grant = GrantRow {
        application_id: "app-5".into(),
        bene_id: bene,
        scopes: "patient/Patient.rs profile".into(),
        demographics: true,
        created_at: now,
        expires_at: Some(now + 1_000_000),
    };
    let code = AuthCodeRow {
        code_sha256: vec![1; 32],
        application_id: "app-5".into(),
        bene_id: bene,
        redirect_uri: "https://a.example.org/cb".into(),
        scopes: grant.scopes.clone(),
        code_challenge: "c".repeat(43),
        nonce: None,
        expires_at: now + 60_000,
        used_at: None,
    };
    assert!(
        f.store
            .record_consent("f-1", now, &grant, &code)
            .await
            .unwrap()
    );
    let again = AuthCodeRow {
        code_sha256: vec![2; 32],
        ..code.clone()
    };
    assert!(
        !f.store
            .record_consent("f-1", now, &grant, &again)
            .await
            .unwrap()
    );
    assert_eq!(
        f.store.redeem_code(&[2; 32], now).await.unwrap(),
        CodeRedemption::Unknown
    );
    assert!(!f.store.finish_auth_flow("f-1", now).await.unwrap());
    assert!(!f.store.set_auth_flow_enrollee("f-1", bene).await.unwrap());
    assert_eq!(
        f.store.grant("app-5", bene).await.unwrap(),
        Some(grant.clone())
    );
    let views = f.store.grants_of(bene).await.unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].application_name, "OAuth");
    assert_eq!(views[0].grant, grant);

    // Redemption: fresh once, then replayed.
    let fresh = f.store.redeem_code(&[1; 32], now + 5).await.unwrap();
    assert_eq!(
        fresh,
        CodeRedemption::Fresh(AuthCodeRow {
            used_at: Some(now + 5),
            ..code.clone()
        })
    );
    assert!(matches!(
        f.store.redeem_code(&[1; 32], now + 6).await.unwrap(),
        CodeRedemption::Replayed(_)
    ));

    // Tokens: the bearer read joins the app's switch.
    let (access, refresh) = pair(10, "app-5", bene, now);
    f.store.insert_token_pair(&access, &refresh).await.unwrap();
    let bearer = f.store.bearer(&[10; 32]).await.unwrap().unwrap();
    assert_eq!(
        (bearer.bene_id, bearer.app_active, bearer.revoked_at),
        (bene, Some(true), None)
    );
    assert!(
        f.store
            .set_application_active(&format!("{:0>40}", 5), false, at(1, 0))
            .await
            .unwrap()
    );
    assert_eq!(
        f.store.bearer(&[10; 32]).await.unwrap().unwrap().app_active,
        Some(false)
    );
    assert!(
        f.store
            .set_application_active(&format!("{:0>40}", 5), true, at(2, 0))
            .await
            .unwrap()
    );
    assert!(f.store.bearer(&[99; 32]).await.unwrap().is_none());

    // Rotation: once; the old access token is revoked, the new pair stored.
    let (access2, refresh2) = pair(11, "app-5", bene, now + 10);
    assert!(
        f.store
            .rotate_refresh_token(&refresh, now + 10, &access2, &refresh2)
            .await
            .unwrap()
    );
    let (access3, refresh3) = pair(12, "app-5", bene, now + 11);
    assert!(
        !f.store
            .rotate_refresh_token(&refresh, now + 11, &access3, &refresh3)
            .await
            .unwrap()
    );
    assert!(f.store.bearer(&[12; 32]).await.unwrap().is_none());
    assert_eq!(
        f.store.bearer(&[10; 32]).await.unwrap().unwrap().revoked_at,
        Some(now + 10)
    );
    let spent = f.store.refresh_token(&[110; 32]).await.unwrap().unwrap();
    assert_eq!(spent.used_at, Some(now + 10));

    // Revocation of one token is the owning app's alone.
    assert!(
        !f.store
            .revoke_access_token(&[11; 32], "app-9", now)
            .await
            .unwrap()
    );
    assert!(
        f.store
            .revoke_refresh_token(&[111; 32], "app-5", now + 20)
            .await
            .unwrap()
    );
    assert_eq!(
        f.store.bearer(&[11; 32]).await.unwrap().unwrap().revoked_at,
        Some(now + 20)
    );
    assert!(
        !f.store
            .revoke_refresh_token(&[111; 32], "app-5", now + 21)
            .await
            .unwrap()
    );

    // Ending the grant revokes whatever is left of the pair.
    let (access4, refresh4) = pair(13, "app-5", bene, now + 30);
    f.store
        .insert_token_pair(&access4, &refresh4)
        .await
        .unwrap();
    assert!(f.store.delete_grant("app-5", bene, now + 40).await.unwrap());
    assert_eq!(
        f.store.bearer(&[13; 32]).await.unwrap().unwrap().revoked_at,
        Some(now + 40)
    );
    assert_eq!(
        f.store
            .refresh_token(&[113; 32])
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(now + 40)
    );
    assert!(f.store.grants_of(bene).await.unwrap().is_empty());
    assert!(!f.store.delete_grant("app-5", bene, now + 41).await.unwrap());
}

pub async fn login_failures_sessions_and_audit(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    f.store
        .insert_application(&app(6, &owner, "Audited", &["https://a.example.org/cb"]))
        .await
        .unwrap();
    let mut failures = LoginFailureRow {
        username_key: "bbuser00001".into(),
        failures: 1,
        first_at: 5,
        locked_until: None,
    };
    f.store.put_login_failures(&failures).await.unwrap();
    failures.failures = 5;
    failures.locked_until = Some(99);
    f.store.put_login_failures(&failures).await.unwrap();
    assert_eq!(
        f.store.login_failures("bbuser00001").await.unwrap(),
        Some(failures)
    );
    f.store.clear_login_failures("bbuser00001").await.unwrap();
    assert_eq!(f.store.login_failures("bbuser00001").await.unwrap(), None);

    let session = EnrolleeSessionRow {
        session_sha256: vec![7; 32],
        bene_id: -3,
        csrf_token: "t".into(),
        expires_at: 1000,
    };
    f.store.insert_enrollee_session(&session).await.unwrap();
    assert_eq!(
        f.store.enrollee_session(&[7; 32]).await.unwrap(),
        Some(session)
    );
    f.store.delete_enrollee_session(&[7; 32]).await.unwrap();
    assert_eq!(f.store.enrollee_session(&[7; 32]).await.unwrap(), None);

    let event = |at: i64, action: &str, app: Option<&str>| AuditEventRow {
        at,
        bene_id: Some(-3),
        application_id: app.map(str::to_owned),
        action: action.into(),
        detail: "ExplanationOfBenefit".into(),
    };
    f.store.insert_audit_events(&[]).await.unwrap();
    f.store
        .insert_audit_events(&[
            event(1, "consent", Some("app-6")),
            event(3, "read", Some("app-6")),
            event(2, "login", None),
        ])
        .await
        .unwrap();
    let seen = f.store.audit_events_of(-3, 2).await.unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!((seen[0].at, seen[0].action.as_str()), (3, "read"));
    assert_eq!(seen[0].application_name.as_deref(), Some("Audited"));
    assert_eq!((seen[1].at, seen[1].application_name.as_deref()), (2, None));
    assert!(f.store.audit_events_of(-4, 10).await.unwrap().is_empty());
    assert_eq!(f.store.organization_name("none").await.unwrap(), None);
}

/// The token endpoint's one commit per code: a read that writes nothing, then spend and
/// store together — once; the loser of a race writes nothing at all.
pub async fn code_spends_with_its_token_pair_once(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    f.store
        .insert_application(&app(6, &owner, "One commit", &["https://a.example.org/cb"]))
        .await
        .unwrap();
    let now = at(0, 0).timestamp_millis();
    let bene = -19_990_000_000_002_i64;
    let code = AuthCodeRow {
        code_sha256: vec![7; 32],
        application_id: "app-6".into(),
        bene_id: bene,
        redirect_uri: "https://a.example.org/cb".into(),
        scopes: "patient/Coverage.rs".into(),
        code_challenge: "c".repeat(43),
        nonce: Some("n".into()),
        expires_at: now + 60_000,
        used_at: None,
    };
    f.store
        .insert_auth_codes(std::slice::from_ref(&code))
        .await
        .unwrap();
    assert_eq!(f.store.auth_code(&[8; 32]).await.unwrap(), None);
    // Reading does not spend.
    assert_eq!(
        f.store.auth_code(&[7; 32]).await.unwrap(),
        Some(code.clone())
    );
    assert_eq!(
        f.store.auth_code(&[7; 32]).await.unwrap(),
        Some(code.clone())
    );

    let (access, refresh) = pair(40, "app-6", bene, now);
    assert!(
        f.store
            .spend_code_and_insert_pair(&[7; 32], now + 9, &access, &refresh)
            .await
            .unwrap()
    );
    assert_eq!(
        f.store.auth_code(&[7; 32]).await.unwrap(),
        Some(AuthCodeRow {
            used_at: Some(now + 9),
            ..code.clone()
        })
    );
    let bearer = f.store.bearer(&access.token_sha256).await.unwrap().unwrap();
    assert_eq!((bearer.bene_id, bearer.app_active), (bene, Some(true)));
    assert_eq!(
        f.store.refresh_token(&refresh.token_sha256).await.unwrap(),
        Some(refresh.clone())
    );

    // Second spend (a concurrent request that also read the code unspent): nothing lands.
    let (access2, refresh2) = pair(41, "app-6", bene, now);
    assert!(
        !f.store
            .spend_code_and_insert_pair(&[7; 32], now + 10, &access2, &refresh2)
            .await
            .unwrap()
    );
    assert_eq!(f.store.bearer(&access2.token_sha256).await.unwrap(), None);
    assert_eq!(
        f.store.refresh_token(&refresh2.token_sha256).await.unwrap(),
        None
    );
    assert_eq!(
        f.store.auth_code(&[7; 32]).await.unwrap().unwrap().used_at,
        Some(now + 9)
    );
    // An unknown code spends nothing and stores nothing.
    assert!(
        !f.store
            .spend_code_and_insert_pair(&[8; 32], now, &access2, &refresh2)
            .await
            .unwrap()
    );
    assert_eq!(f.store.bearer(&access2.token_sha256).await.unwrap(), None);
    // A token pair that collides with a stored one fails whole: the code stays unspent.
    let fresh = AuthCodeRow {
        code_sha256: vec![9; 32],
        ..code.clone()
    };
    f.store.insert_auth_codes(&[fresh]).await.unwrap();
    let err = f
        .store
        .spend_code_and_insert_pair(&[9; 32], now, &access, &refresh2)
        .await
        .unwrap_err();
    assert!(err.is_conflict_on("access_tokens.token_sha256"), "{err:?}");
    assert_eq!(
        f.store.auth_code(&[9; 32]).await.unwrap().unwrap().used_at,
        None
    );
    assert_eq!(
        f.store.refresh_token(&refresh2.token_sha256).await.unwrap(),
        None
    );
}

/// Many token-endpoint writes at once (on a file store they share commits): each lands or
/// fails on its own, and a failing one takes nothing else down with it.
pub async fn concurrent_exchanges_land_or_fail_alone(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    f.store
        .insert_application(&app(
            7,
            &owner,
            "Many at once",
            &["https://a.example.org/cb"],
        ))
        .await
        .unwrap();
    let now = at(0, 0).timestamp_millis();
    let bene = -19_990_000_000_003_i64;
    let codes: Vec<AuthCodeRow> = (0..40_u8)
        .map(|n| AuthCodeRow {
            code_sha256: vec![n; 32],
            application_id: "app-7".into(),
            bene_id: bene,
            redirect_uri: "https://a.example.org/cb".into(),
            scopes: "patient/Coverage.rs".into(),
            code_challenge: "c".repeat(43),
            nonce: None,
            expires_at: now + 60_000,
            used_at: None,
        })
        .collect();
    f.store.insert_auth_codes(&codes).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..40_u8 {
        let store = f.store.clone();
        // Code 13 buys the same access token as code 12: exactly one of them must fail.
        let token = if n == 13 { 12 } else { n };
        let (access, refresh) = pair(token, "app-7", bene, now);
        let refresh = RefreshTokenRow {
            token_sha256: vec![n.wrapping_add(150); 32],
            ..refresh
        };
        tasks.spawn(async move {
            let result = store
                .spend_code_and_insert_pair(&[n; 32], now + 1, &access, &refresh)
                .await;
            (n, result)
        });
    }
    let mut landed = 0;
    let mut conflicts = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (n, result) = joined.unwrap();
        match result {
            Ok(true) => landed += 1,
            Ok(false) => panic!("code {n} was reported spent"),
            Err(e) => {
                assert!(e.is_conflict_on("access_tokens.token_sha256"), "{e:?}");
                conflicts.push(n);
            }
        }
    }
    assert_eq!((landed, conflicts.len()), (39, 1), "{conflicts:?}");
    let loser = conflicts[0];
    assert!(loser == 12 || loser == 13);
    // The loser's code is still unspent and its refresh token absent; every other code is
    // spent with its pair stored.
    for n in 0..40_u8 {
        let code = f.store.auth_code(&[n; 32]).await.unwrap().unwrap();
        let refresh = f
            .store
            .refresh_token(&[n.wrapping_add(150); 32])
            .await
            .unwrap();
        if n == loser {
            assert_eq!((code.used_at, refresh), (None, None));
        } else {
            assert_eq!(code.used_at, Some(now + 1), "code {n}");
            assert!(refresh.is_some(), "refresh of code {n}");
        }
    }
}

/// The purge removes only what can no longer be used.
pub async fn purge_removes_only_what_ended(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    f.store
        .insert_application(&app(8, &owner, "Purge", &["https://a.example.org/cb"]))
        .await
        .unwrap();
    let now = at(0, 0).timestamp_millis();
    let bene = -19_990_000_000_004_i64;
    // Flows: one ended, one still running.
    let mut ended = flow("f-old", "app-8", now - 700_000);
    ended.expires_at = now - 100_000;
    f.store.insert_auth_flow(&ended).await.unwrap();
    f.store
        .insert_auth_flow(&flow("f-new", "app-8", now))
        .await
        .unwrap();
    // Codes: one past the replay window, one ended but inside it, one live.
    let code = |n: u8, expires_at: i64| AuthCodeRow {
        code_sha256: vec![n; 32],
        application_id: "app-8".into(),
        bene_id: bene,
        redirect_uri: "https://a.example.org/cb".into(),
        scopes: "patient/Coverage.rs".into(),
        code_challenge: "c".repeat(43),
        nonce: None,
        expires_at,
        used_at: None,
    };
    let window = 86_400_000;
    f.store
        .insert_auth_codes(&[
            code(1, now - window - 1),
            code(2, now - 1),
            code(3, now + 60_000),
        ])
        .await
        .unwrap();
    // Sessions: one ended, one live.
    for (n, expires_at) in [(1_u8, now - 1), (2, now + 1_000)] {
        f.store
            .insert_enrollee_session(&EnrolleeSessionRow {
                session_sha256: vec![n; 32],
                bene_id: bene,
                csrf_token: "t".into(),
                expires_at,
            })
            .await
            .unwrap();
    }
    // Failed logins: stale, stale but still locking, recent.
    for (key, first_at, locked_until) in [
        ("stale", now - 3_600_000, None),
        ("locking", now - 3_600_000, Some(now + 60_000)),
        ("recent", now - 1_000, None),
    ] {
        f.store
            .put_login_failures(&LoginFailureRow {
                username_key: key.into(),
                failures: 5,
                first_at,
                locked_until,
            })
            .await
            .unwrap();
    }

    let report = f
        .store
        .purge_expired(now, now - window, now - 1_800_000)
        .await
        .unwrap();
    assert_eq!(
        report,
        bb_store::PurgeReport {
            flows: 1,
            codes: 1,
            sessions: 1,
            login_failures: 1
        }
    );
    assert!(f.store.auth_flow("f-old").await.unwrap().is_none());
    assert!(f.store.auth_flow("f-new").await.unwrap().is_some());
    assert!(f.store.auth_code(&[1; 32]).await.unwrap().is_none());
    assert!(f.store.auth_code(&[2; 32]).await.unwrap().is_some());
    assert!(f.store.auth_code(&[3; 32]).await.unwrap().is_some());
    assert!(f.store.login_failures("stale").await.unwrap().is_none());
    assert!(f.store.login_failures("locking").await.unwrap().is_some());
    assert!(f.store.login_failures("recent").await.unwrap().is_some());
    // A second purge finds nothing more.
    assert_eq!(
        f.store
            .purge_expired(now, now - window, now - 1_800_000)
            .await
            .unwrap(),
        bb_store::PurgeReport::default()
    );
}
