//! The contract cases, written once against the `Store` API.

use crate::backends::Fixture;
use bb_store::{NewApplication, OrganizationRow, SandboxLoginRow, StoreError, UserRow};
use chrono::{DateTime, TimeZone, Utc};

pub(crate) fn at(secs: i64, micros: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, micros * 1000)
        .single()
        .unwrap_or_else(|| panic!("bad time"))
}

pub(crate) fn user(n: u32) -> UserRow {
    UserRow {
        id: format!("user-{n}"),
        email: format!("dev{n}@example.org"),
        name: format!("Dev {n}"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        kind: "developer".into(),
        staff_role: None,
        email_verified_at: Some(at(n.into(), 123_456)),
        created_at: at(n.into(), 654_321),
    }
}

pub(crate) fn org(id: &str, name: &str) -> OrganizationRow {
    OrganizationRow {
        id: id.into(),
        name: name.into(),
        name_key: name.to_lowercase(),
        created_at: at(0, 1),
    }
}

pub(crate) fn app(n: u32, owner: &str, name: &str, uris: &[&str]) -> NewApplication {
    NewApplication {
        id: format!("app-{n}"),
        client_id: format!("{n:0>40}"),
        client_secret_sha256: vec![u8::try_from(n % 256).unwrap_or(0); 32],
        owner_id: owner.into(),
        organization_id: None,
        name: name.into(),
        name_key: name.to_lowercase(),
        environment: "sandbox".into(),
        data_access_type: "THIRTEEN_MONTH".into(),
        require_demographic_scopes: true,
        active: true,
        redirect_uris: uris.iter().map(|u| (*u).to_owned()).collect(),
        links: bb_store::AppLinks::default(),
        created_at: at(n.into(), 42),
    }
}

pub(crate) async fn with_developer(f: &Fixture, n: u32) -> String {
    let u = user(n);
    f.store
        .insert_developer(&u, &org(&format!("org-{n}"), &format!("Org {n}")))
        .await
        .unwrap_or_else(|e| panic!("insert developer: {e}"));
    u.id
}

pub async fn migrate_is_idempotent(f: Fixture) {
    let again = f.store.migrate().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(again.applied_now.is_empty(), "{again:?}");
    assert_eq!(again.current, Some(f.store.newest_known_migration()));
    let status = f
        .store
        .schema_status()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        status.pending.is_empty() && status.unknown.is_empty(),
        "{status:?}"
    );
}

pub async fn newer_schema_is_refused_and_nothing_is_written(f: Fixture) {
    // A byte literal is spelled differently by the two backends.
    let checksum = if f.store.backend_name() == "postgres" {
        "'\\x00'::bytea"
    } else {
        "X'00'"
    };
    let sql = format!(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (99991231000000, 'from the future', CURRENT_TIMESTAMP, TRUE, {checksum}, 1)"
    );
    f.store
        .execute_for_tests(&sql)
        .await
        .unwrap_or_else(|e| panic!("fake a newer schema: {e}"));
    let before = f
        .store
        .schema_status()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(before.unknown, vec![99_991_231_000_000]);
    match f.store.migrate().await {
        Err(StoreError::SchemaTooNew { unknown, known }) => {
            assert_eq!(unknown, 99_991_231_000_000);
            assert_eq!(known, f.store.newest_known_migration());
            let text = StoreError::SchemaTooNew { unknown, known }.to_string();
            assert!(
                text.contains("newer bluebutton") && text.contains("--database-url"),
                "{text}"
            );
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    let after = f
        .store
        .schema_status()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(before, after);
}

pub async fn user_email_is_unique(f: Fixture) {
    let u = user(1);
    f.store
        .insert_user(&u)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let again = UserRow {
        id: "other".into(),
        ..user(1)
    };
    let err = f.store.insert_user(&again).await.err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.is_conflict_on("users.email")),
        "{err:?}"
    );
    let found = f
        .store
        .user_by_email(&u.email)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let found = found.unwrap_or_else(|| panic!("user missing"));
    assert_eq!(found.id, u.id);
    assert_eq!(found.created_at, u.created_at);
    assert_eq!(found.email_verified_at, u.email_verified_at);
    assert!(
        f.store
            .user_by_email("nobody@example.org")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none()
    );
}

pub async fn developers_join_or_found_organizations(f: Fixture) {
    let first = f
        .store
        .insert_developer(&user(1), &org("org-a", "Acme Health"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let second = f
        .store
        .insert_developer(&user(2), &org("org-b", "ACME health"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.id, "org-a");
    assert_eq!(
        second.id, "org-a",
        "same name in another case joins the same organization"
    );
    let orgs = f
        .store
        .organizations_of("user-2")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        orgs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        vec!["Acme Health"]
    );
    assert!(
        f.store
            .organization_by_key("acme health")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_some()
    );
}

pub async fn developer_insert_is_all_or_nothing(f: Fixture) {
    with_developer(&f, 1).await;
    let clash = UserRow {
        id: "user-x".into(),
        ..user(1)
    };
    let err = f
        .store
        .insert_developer(&clash, &org("org-new", "Brand New Org"))
        .await
        .err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.is_conflict_on("users.email")),
        "{err:?}"
    );
    let org = f
        .store
        .organization_by_key("brand new org")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        org.is_none(),
        "the organization of a failed insert must not remain"
    );
}

pub async fn application_round_trips_with_ordered_uris(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    let new = app(
        7,
        &owner,
        "My App",
        &[
            "https://b.example.org/cb",
            "http://localhost:3000/cb",
            "com.example:/x",
        ],
    );
    f.store
        .insert_application(&new)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let got = f
        .store
        .application_by_client_id(&new.client_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("app missing"));
    assert_eq!(got.redirect_uris, new.redirect_uris);
    assert_eq!(got.client_secret_sha256, new.client_secret_sha256);
    assert_eq!((got.active, got.require_demographic_scopes), (true, true));
    assert_eq!(got.created_at, new.created_at);
    assert_eq!(got.updated_at, new.created_at);
    assert_eq!(got.data_access_type, "THIRTEEN_MONTH");
    let all = f
        .store
        .applications_of_owner(&owner)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all, vec![got]);
    assert!(
        f.store
            .application_by_client_id("nope")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none()
    );
}

pub async fn application_names_are_unique_per_environment_in_any_case(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    f.store
        .insert_application(&app(
            1,
            &owner,
            "Health Helper",
            &["https://a.example.org/cb"],
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let err = f
        .store
        .insert_application(&app(
            2,
            &owner,
            "HEALTH helper",
            &["https://a.example.org/cb"],
        ))
        .await
        .err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.is_conflict_on("applications.name_key")),
        "{err:?}"
    );
    let production = NewApplication {
        environment: "production".into(),
        ..app(3, &owner, "Health Helper", &["https://a.example.org/cb"])
    };
    f.store
        .insert_application(&production)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

pub async fn application_needs_an_existing_owner(f: Fixture) {
    let err = f
        .store
        .insert_application(&app(1, "ghost", "Orphan", &["https://a.example.org/cb"]))
        .await
        .err();
    assert!(matches!(err, Some(StoreError::MissingReference)), "{err:?}");
}

pub async fn duplicate_redirect_uri_writes_nothing(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    let dup = app(
        1,
        &owner,
        "Dup",
        &["https://a.example.org/cb", "https://a.example.org/cb"],
    );
    let err = f.store.insert_application(&dup).await.err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.is_conflict_on("application_redirect_uris.uri")),
        "{err:?}"
    );
    assert!(
        f.store
            .application_by_client_id(&dup.client_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none()
    );
}

pub async fn secret_hash_must_be_32_bytes(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    let short = NewApplication {
        client_secret_sha256: vec![1; 31],
        ..app(1, &owner, "Short", &["https://a.example.org/cb"])
    };
    assert!(f.store.insert_application(&short).await.is_err());
}

pub async fn sandbox_logins_round_trip_and_are_unique(f: Fixture) {
    let login = SandboxLoginRow {
        username_key: "bbuser00000".into(),
        username: "BBUser00000".into(),
        bene_id: "-19990000000001".into(),
        password_hash: "$argon2id$x".into(),
        created_at: at(5, 5),
    };
    f.store
        .insert_sandbox_login(&login)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let got = f
        .store
        .sandbox_login("bbuser00000")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        got.map(|l| (l.username, l.bene_id, l.created_at)),
        Some((
            login.username.clone(),
            login.bene_id.clone(),
            login.created_at
        ))
    );
    let err = f.store.insert_sandbox_login(&login).await.err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.is_conflict_on("sandbox_logins.username_key")),
        "{err:?}"
    );
}

pub async fn closed_store_is_unavailable(f: Fixture) {
    f.store.ping().await.unwrap_or_else(|e| panic!("{e}"));
    f.store.close().await;
    let err = f.store.ping().await.err();
    assert!(matches!(err, Some(StoreError::Unavailable(_))), "{err:?}");
}

pub async fn concurrent_writers_all_land(f: Fixture) {
    let mut tasks = Vec::new();
    for n in 0..24u32 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move {
            store.insert_user(&user(100 + n)).await
        }));
    }
    for task in tasks {
        task.await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    for n in 0..24u32 {
        let email = user(100 + n).email;
        assert!(
            f.store
                .user_by_email(&email)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .is_some(),
            "{email}"
        );
    }
}

fn claim(bene_id: i64, claim_type: i16, claim_id: i64, data: &[u8]) -> bb_store::ClaimRow {
    bb_store::ClaimRow {
        bene_id,
        claim_type,
        claim_id,
        service_from: chrono::NaiveDate::from_ymd_opt(2020, 1, 2),
        service_thru: chrono::NaiveDate::from_ymd_opt(2020, 1, 9),
        last_updated: at(claim_id.rem_euclid(1000), 0),
        data: data.to_vec(),
    }
}

async fn load(f: &Fixture, rows: &[bb_store::ClaimRow]) {
    let mut tx = f.store.begin_claims_load().await.unwrap();
    tx.upsert_claims(rows).await.unwrap();
    tx.commit().await.unwrap();
}

pub async fn claims_come_back_in_bfd_order(f: Fixture) {
    // BFD orders by the claim id as text, then by type name: -1010252550 < -1046286310,
    // 89 after 777777777, and carrier (1) before pde (7) for the same id.
    load(
        &f,
        &[
            claim(7, 7, 89, b"pde-89"),
            claim(7, 1, 777_777_777, b"carrier-777777777"),
            claim(7, 5, -1_046_286_310, b"inpatient"),
            claim(7, 1, -1_010_252_550, b"carrier"),
            claim(7, 7, -1_010_252_550, b"pde"),
            claim(8, 1, 5, b"other bene"),
        ],
    )
    .await;
    let got: Vec<(i16, i64)> = f
        .store
        .claims_of(7)
        .await
        .unwrap()
        .iter()
        .map(|c| (c.claim_type, c.claim_id))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, -1_010_252_550),
            (7, -1_010_252_550),
            (5, -1_046_286_310),
            (1, 777_777_777),
            (7, 89)
        ]
    );
    let one = f.store.claim(5, -1_046_286_310).await.unwrap().unwrap();
    assert_eq!(one, claim(7, 5, -1_046_286_310, b"inpatient"));
    assert_eq!(f.store.claim(5, 1).await.unwrap(), None);

    // Walking every claim in pages gives each once, in (bene, BFD order).
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = f.store.claims_page(after, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.bene_id, last.claim_type, last.claim_id));
        walked.extend(page.iter().map(|c| (c.bene_id, c.claim_id)));
    }
    assert_eq!(walked.len(), 6);
    assert_eq!(walked.last(), Some(&(8, 5)));
}

pub async fn claim_upserts_replace_and_deletes_remove(f: Fixture) {
    load(&f, &[claim(1, 1, 10, b"v1"), claim(1, 1, 11, b"keep")]).await;
    // The same claim again (UPDATE, or a re-run import) replaces it, even for a new bene.
    load(&f, &[claim(2, 1, 10, b"v2")]).await;
    let c = f.store.claim(1, 10).await.unwrap().unwrap();
    assert_eq!((c.bene_id, c.data.as_slice()), (2, b"v2".as_slice()));
    assert!(
        f.store
            .claims_of(1)
            .await
            .unwrap()
            .iter()
            .all(|c| c.claim_id == 11)
    );

    let mut tx = f.store.begin_claims_load().await.unwrap();
    assert!(tx.delete_claim(1, 10).await.unwrap());
    assert!(!tx.delete_claim(1, 10).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(f.store.claim(1, 10).await.unwrap(), None);
    assert_eq!(f.store.claims_counts().await.unwrap().claims, 1);
}

pub async fn rolled_back_loads_leave_nothing(f: Fixture) {
    load(&f, &[claim(1, 1, 1, b"before")]).await;
    let mut tx = f.store.begin_claims_load().await.unwrap();
    let many: Vec<_> = (100..1_100).map(|i| claim(i % 7, 6, i, b"x")).collect();
    tx.upsert_claims(&many).await.unwrap();
    tx.upsert_beneficiaries(&[bene(5, 2020)]).await.unwrap();
    tx.rollback().await.unwrap();
    let counts = f.store.claims_counts().await.unwrap();
    assert_eq!((counts.claims, counts.beneficiaries), (1, 0));
}

fn bene(bene_id: i64, year: i32) -> bb_store::BeneficiaryRow {
    bb_store::BeneficiaryRow {
        bene_id,
        rfrnc_yr: year,
        mbi: Some(format!("1S00E00AA{:02}", bene_id % 100)),
        last_updated: at(year.into(), 0),
        data: format!("bene {bene_id} {year}").into_bytes(),
    }
}

pub async fn beneficiaries_by_year_and_history_by_digest(f: Fixture) {
    let mut tx = f.store.begin_claims_load().await.unwrap();
    tx.upsert_beneficiaries(&[bene(3, 2021), bene(3, 2019), bene(4, 2020)])
        .await
        .unwrap();
    let history = |digest: i64| bb_store::BeneficiaryHistoryRow {
        bene_id: 3,
        digest,
        mbi: None,
        last_updated: at(0, 0),
        data: vec![1, 2, 3],
    };
    tx.upsert_history(&[history(-5), history(9)]).await.unwrap();
    tx.upsert_history(&[history(9)]).await.unwrap(); // the same record again: kept once
    tx.commit().await.unwrap();
    let years: Vec<i32> = f
        .store
        .beneficiary_years(3)
        .await
        .unwrap()
        .iter()
        .map(|b| b.rfrnc_yr)
        .collect();
    assert_eq!(years, vec![2019, 2021]);
    assert_eq!(
        f.store.beneficiary_years(3).await.unwrap()[0],
        bene(3, 2019)
    );
    let digests: Vec<i64> = f
        .store
        .beneficiary_history(3)
        .await
        .unwrap()
        .iter()
        .map(|h| h.digest)
        .collect();
    assert_eq!(digests, vec![-5, 9]);
    let counts = f.store.claims_counts().await.unwrap();
    assert_eq!(
        (
            counts.beneficiaries,
            counts.distinct_beneficiaries,
            counts.history
        ),
        (3, 2, 2)
    );

    let mut tx = f.store.begin_claims_load().await.unwrap();
    assert!(tx.delete_beneficiary(3, 2019).await.unwrap());
    assert!(tx.delete_history(3, -5).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(f.store.beneficiary_years(3).await.unwrap().len(), 1);
    assert_eq!(f.store.beneficiary_history(3).await.unwrap().len(), 1);
}

pub async fn sandbox_build_record_round_trips(f: Fixture) {
    assert_eq!(f.store.sandbox_build().await.unwrap(), None);
    let mut build = bb_store::SandboxBuildRow {
        seed: -3,
        enrollees: 40_000,
        as_of: "2026-06-30".into(),
        claims: 0,
        complete: false,
        updated_at: at(1, 0),
    };
    let mut tx = f.store.begin_claims_load().await.unwrap();
    tx.record_sandbox_build(&build).await.unwrap();
    build.complete = true;
    build.claims = 4_000_000;
    tx.record_sandbox_build(&build).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(f.store.sandbox_build().await.unwrap(), Some(build));
}

pub async fn claim_pages_filter_count_and_page_in_one_query(f: Fixture) {
    use bb_store::{Bound, ClaimFilter};
    // Ten claims of bene 9, ids 100..110, one per day from 2020-01-01 (18262 days since
    // 1970), types alternating carrier (1) and pde (7); last_updated = id seconds.
    let rows: Vec<_> = (0..10i64)
        .map(|i| bb_store::ClaimRow {
            bene_id: 9,
            claim_type: if i % 2 == 0 { 1 } else { 7 },
            claim_id: 100 + i,
            service_from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1 + u32::try_from(i).unwrap()),
            service_thru: chrono::NaiveDate::from_ymd_opt(2020, 1, 1 + u32::try_from(i).unwrap()),
            last_updated: at(100 + i, 0),
            data: vec![u8::try_from(i).unwrap()],
        })
        .collect();
    load(&f, &rows).await;
    load(&f, &[claim(10, 1, 5, b"other bene")]).await;
    let ids = |p: &bb_store::ClaimPage| p.rows.iter().map(|r| r.claim_id).collect::<Vec<_>>();

    let all = f
        .store
        .claims_page_of(9, &ClaimFilter::default(), 4, 0)
        .await
        .unwrap();
    assert_eq!((all.total, ids(&all)), (10, vec![100, 101, 102, 103]));
    let last = f
        .store
        .claims_page_of(9, &ClaimFilter::default(), 4, 8)
        .await
        .unwrap();
    assert_eq!((last.total, ids(&last)), (10, vec![108, 109]));
    let past = f
        .store
        .claims_page_of(9, &ClaimFilter::default(), 4, 10)
        .await
        .unwrap();
    assert_eq!((past.total, past.rows.len()), (10, 0));
    let none = f
        .store
        .claims_page_of(9, &ClaimFilter::default(), 0, 0)
        .await
        .unwrap();
    assert_eq!((none.total, none.rows.len()), (10, 0));

    let pde = ClaimFilter {
        types: vec![7],
        ..ClaimFilter::default()
    };
    let p = f.store.claims_page_of(9, &pde, 10, 0).await.unwrap();
    assert_eq!((p.total, ids(&p)), (5, vec![101, 103, 105, 107, 109]));

    // Service on or after 2020-01-05 (day 18266) and before 2020-01-08.
    let day = 86_400_000i64;
    let window = ClaimFilter {
        service: vec![
            Bound::EndsAfter(18_266 * day),
            Bound::StartsBefore(18_269 * day),
        ],
        ..ClaimFilter::default()
    };
    let p = f.store.claims_page_of(9, &window, 10, 0).await.unwrap();
    assert_eq!((p.total, ids(&p)), (3, vec![104, 105, 106]));

    // last_updated within [t(103), t(105)].
    let ms = |i: i64| at(100 + i, 0).timestamp_millis();
    let updated = ClaimFilter {
        last_updated: vec![
            Bound::StartsAtOrAfter(ms(3)),
            Bound::EndsAtOrBefore(ms(5) + 1),
        ],
        types: vec![1, 7],
        ..ClaimFilter::default()
    };
    let p = f.store.claims_page_of(9, &updated, 10, 0).await.unwrap();
    assert_eq!((p.total, ids(&p)), (3, vec![103, 104, 105]));
}

pub async fn auth_codes_load_in_bulk_and_grants_upsert(f: Fixture) {
    use bb_store::{AuthCodeRow, CodeRedemption, GrantRow};
    let owner = with_developer(&f, 1).await;
    f.store
        .insert_application(&app(3, &owner, "Bulk", &["https://a.example.org/cb"]))
        .await
        .unwrap();
    let now = at(0, 0).timestamp_millis();
    let mut grant = GrantRow {
        application_id: "app-3".into(),
        bene_id: -7,
        scopes: "patient/Coverage.rs".into(),
        demographics: false,
        created_at: now,
        expires_at: Some(now + 1000),
    };
    f.store.upsert_grant(&grant).await.unwrap();
    assert_eq!(
        f.store.grant("app-3", -7).await.unwrap(),
        Some(grant.clone())
    );
    grant.scopes = "openid patient/Coverage.rs".into();
    grant.expires_at = None;
    f.store.upsert_grant(&grant).await.unwrap();
    assert_eq!(
        f.store.grant("app-3", -7).await.unwrap(),
        Some(grant.clone())
    );

    let code = |n: u8| AuthCodeRow {
        code_sha256: vec![n; 32],
        application_id: "app-3".into(),
        bene_id: -7,
        redirect_uri: "https://a.example.org/cb".into(),
        scopes: grant.scopes.clone(),
        code_challenge: "c".repeat(43),
        nonce: n.is_multiple_of(2).then(|| format!("nonce-{n}")),
        expires_at: now + 60_000,
        used_at: None,
    };
    f.store.insert_auth_codes(&[]).await.unwrap();
    let batch: Vec<_> = (1..=3).map(code).collect();
    f.store.insert_auth_codes(&batch).await.unwrap();
    for row in &batch {
        assert_eq!(
            f.store
                .redeem_code(&row.code_sha256, now + 1)
                .await
                .unwrap(),
            CodeRedemption::Fresh(AuthCodeRow {
                used_at: Some(now + 1),
                ..row.clone()
            })
        );
    }
    // All or none: a batch holding an existing code writes nothing.
    let err = f
        .store
        .insert_auth_codes(&[code(4), code(2)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(
        f.store.redeem_code(&[4; 32], now + 2).await.unwrap(),
        CodeRedemption::Unknown
    );
}

pub async fn token_pairs_land_whole_and_rotate(f: Fixture) {
    use bb_store::{AccessTokenRow, RefreshTokenRow};
    let owner = with_developer(&f, 1).await;
    f.store
        .insert_application(&app(4, &owner, "Pairs", &["https://a.example.org/cb"]))
        .await
        .unwrap();
    let now = at(0, 0).timestamp_millis();
    let pair = |n: u8| {
        let access = AccessTokenRow {
            token_sha256: vec![n; 32],
            application_id: Some("app-4".into()),
            bene_id: -9,
            scopes: format!("patient/Coverage.rs #{n}"),
            expires_at: now + 3_600_000,
            revoked_at: None,
            created_at: now + i64::from(n),
        };
        let refresh = RefreshTokenRow {
            token_sha256: vec![n + 100; 32],
            application_id: "app-4".into(),
            bene_id: -9,
            scopes: access.scopes.clone(),
            access_sha256: access.token_sha256.clone(),
            created_at: now + i64::from(n),
            used_at: None,
            revoked_at: None,
        };
        (access, refresh)
    };
    let (a1, r1) = pair(1);
    f.store.insert_token_pair(&a1, &r1).await.unwrap();
    assert_eq!(
        f.store.access_token(&a1.token_sha256).await.unwrap(),
        Some(a1.clone())
    );
    assert_eq!(
        f.store.refresh_token(&r1.token_sha256).await.unwrap(),
        Some(r1.clone())
    );

    // All or none: a pair whose refresh token exists already leaves no access token.
    let (a2, _) = pair(2);
    let err = f.store.insert_token_pair(&a2, &r1).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(f.store.access_token(&a2.token_sha256).await.unwrap(), None);

    // Rotation spends the old refresh token, revokes its access token, adds the new pair.
    let (a3, r3) = pair(3);
    assert!(
        f.store
            .rotate_refresh_token(&r1, now + 5, &a3, &r3)
            .await
            .unwrap()
    );
    let old = f
        .store
        .refresh_token(&r1.token_sha256)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.used_at, Some(now + 5));
    let old_access = f
        .store
        .access_token(&a1.token_sha256)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old_access.revoked_at, Some(now + 5));
    assert_eq!(
        f.store.access_token(&a3.token_sha256).await.unwrap(),
        Some(a3.clone())
    );
    assert_eq!(
        f.store.refresh_token(&r3.token_sha256).await.unwrap(),
        Some(r3.clone())
    );
    let (a4, r4) = pair(4);
    assert!(
        !f.store
            .rotate_refresh_token(&r1, now + 6, &a4, &r4)
            .await
            .unwrap()
    );
    assert_eq!(f.store.access_token(&a4.token_sha256).await.unwrap(), None);
}

pub use crate::oauth_cases::{
    code_spends_with_its_token_pair_once, concurrent_exchanges_land_or_fail_alone,
    login_failures_sessions_and_audit, oauth_flow_codes_tokens_and_grants,
    purge_removes_only_what_ended,
};

pub use crate::portal_cases::{
    login_failures_lock_the_account_and_age_out, outbox_claims_once_retries_and_gives_up,
    password_reset_and_change_end_every_session, portal_sessions_and_totp_steps,
    sign_up_is_all_or_nothing_and_verification_is_single_use,
};

pub use crate::usage_cases::{
    builtin_application_is_found_again_with_a_new_secret,
    usage_is_visible_to_owner_and_organization_only, usage_upserts_add_up_per_app_and_day,
};

pub use crate::orgs_apps_cases::{
    organization_members_and_invitations, portal_apps_register_update_and_delete_whole,
};

pub use crate::access_cases::{
    access_requests_keep_every_document_version_and_move_conditionally,
    after_approval_listing_handoff_and_directory,
    demo_slots_book_once_concerns_thread_and_checks_keep_the_latest,
    terms_versions_are_published_once_and_accepted_per_organization,
};

pub use crate::audit_cases::{
    audit_chain_stays_continuous_under_concurrent_appends, audit_events_are_append_only,
    records_before_the_chain_are_chained_by_migrate,
};
pub use crate::change_cases::policy_changes_are_reviewed_and_publish_on_approval_only;
pub use crate::ratelimit_cases::rate_counts_add_up_and_return_totals;
