//! Contract cases of the usage tables: counts added by upsert (batches and replicas sum),
//! enrollee-days counted once, reads bounded by the day range, a batch all or nothing, and
//! the dashboard's access rule (owner or organization member) — the same on every backend.

use crate::backends::Fixture;
use crate::cases::{app, org, user, with_developer};
use bb_store::{UsageCountRow, UsageDayRow, UsageEnrolleeRow};

fn counts(app: &str, day: i64, requests: i64, e4: i64, e5: i64) -> UsageCountRow {
    UsageCountRow {
        application_id: app.into(),
        day,
        requests,
        errors_4xx: e4,
        errors_5xx: e5,
    }
}

fn enrollee(app: &str, day: i64, bene_id: i64) -> UsageEnrolleeRow {
    UsageEnrolleeRow {
        application_id: app.into(),
        day,
        bene_id,
    }
}

pub async fn usage_upserts_add_up_per_app_and_day(f: Fixture) {
    let s = &f.store;
    s.add_app_usage(&[], &[]).await.unwrap();
    s.add_app_usage(
        &[
            counts("app-1", 20_000, 5, 1, 0),
            counts("app-1", 20_001, 2, 0, 1),
        ],
        &[enrollee("app-1", 20_000, -1), enrollee("app-1", 20_000, -2)],
    )
    .await
    .unwrap();
    // A second batch (or another replica) adds to the same rows; a known enrollee-day
    // is not counted twice; another app stays apart.
    s.add_app_usage(
        &[
            counts("app-1", 20_000, 3, 2, 1),
            counts("app-2", 20_000, 7, 0, 0),
        ],
        &[
            enrollee("app-1", 20_000, -1),
            enrollee("app-1", 20_001, -1),
            enrollee("app-2", 20_000, -1),
        ],
    )
    .await
    .unwrap();
    let days = s.app_usage("app-1", 19_990, 20_010).await.unwrap();
    assert_eq!(
        days,
        vec![
            UsageDayRow {
                day: 20_000,
                requests: 8,
                errors_4xx: 3,
                errors_5xx: 1,
                enrollees: 2,
            },
            UsageDayRow {
                day: 20_001,
                requests: 2,
                errors_4xx: 0,
                errors_5xx: 1,
                enrollees: 1,
            },
        ]
    );
    // The range bounds are inclusive and nothing outside shows.
    let one = s.app_usage("app-1", 20_001, 20_001).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].day, 20_001);
    assert!(
        s.app_usage("app-1", 20_002, 20_100)
            .await
            .unwrap()
            .is_empty()
    );
    let other = s.app_usage("app-2", 0, i64::from(i32::MAX)).await.unwrap();
    assert_eq!((other[0].requests, other[0].enrollees), (7, 1));
    // Enrollees alone make a day too.
    s.add_app_usage(&[], &[enrollee("app-3", 20_000, -9)])
        .await
        .unwrap();
    let only = s.app_usage("app-3", 20_000, 20_000).await.unwrap();
    assert_eq!(
        only,
        vec![UsageDayRow {
            day: 20_000,
            enrollees: 1,
            ..UsageDayRow::default()
        }]
    );
    // Big counts are kept whole.
    s.add_app_usage(&[counts("app-4", 1, 5_000_000_000, 0, 0)], &[])
        .await
        .unwrap();
    s.add_app_usage(&[counts("app-4", 1, 5_000_000_000, 0, 0)], &[])
        .await
        .unwrap();
    assert_eq!(
        s.app_usage("app-4", 1, 1).await.unwrap()[0].requests,
        10_000_000_000
    );
}

pub async fn usage_is_visible_to_owner_and_organization_only(f: Fixture) {
    let s = &f.store;
    let owner = with_developer(&f, 1).await;
    let stranger = with_developer(&f, 2).await;
    // A colleague joins the owner's organization ("Org 1").
    let colleague = user(3);
    s.insert_developer(&colleague, &org("org-3", "Org 1"))
        .await
        .unwrap();
    let mut a = app(1, &owner, "Usage App", &["https://example.org/cb"]);
    a.organization_id = Some("org-1".into());
    s.insert_application(&a).await.unwrap();
    let solo = app(2, &owner, "Solo App", &["https://example.org/cb"]);
    s.insert_application(&solo).await.unwrap();
    assert!(s.application_visible_to("app-1", &owner).await.unwrap());
    assert!(
        s.application_visible_to("app-1", &colleague.id)
            .await
            .unwrap()
    );
    assert!(!s.application_visible_to("app-1", &stranger).await.unwrap());
    // Without an organization only the owner sees it.
    assert!(s.application_visible_to("app-2", &owner).await.unwrap());
    assert!(
        !s.application_visible_to("app-2", &colleague.id)
            .await
            .unwrap()
    );
    assert!(!s.application_visible_to("app-404", &owner).await.unwrap());
}

pub async fn builtin_application_is_found_again_with_a_new_secret(f: Fixture) {
    let s = &f.store;
    let mut owner = user(9);
    owner.id = "builtin-owner".into();
    owner.email = "builtin@builtin.invalid".into();
    let first = app(
        1,
        &owner.id,
        "Built In",
        &["http://localhost:8000/testclient/callback"],
    );
    let (id, client_id) = s.ensure_builtin_application(&owner, &first).await.unwrap();
    assert_eq!(
        (id.as_str(), client_id.as_str()),
        ("app-1", first.client_id.as_str())
    );
    // Next start: another id, client id and secret are offered; the stored app is kept,
    // its secret hash replaced and the new URI added after the first.
    let mut again = app(
        2,
        &owner.id,
        "Built In",
        &["http://127.0.0.1:8000/testclient/callback"],
    );
    again.client_secret_sha256 = vec![0xee; 32];
    let (id2, client_id2) = s.ensure_builtin_application(&owner, &again).await.unwrap();
    assert_eq!((id2, client_id2), (id.clone(), client_id.clone()));
    let stored = s.application_by_id(&id).await.unwrap().unwrap();
    assert_eq!(stored.client_secret_sha256, vec![0xee; 32]);
    assert_eq!(
        stored.redirect_uris,
        [
            "http://localhost:8000/testclient/callback",
            "http://127.0.0.1:8000/testclient/callback"
        ]
    );
    // Adding a known URI changes nothing; a new one goes last.
    s.add_redirect_uri(&id, "http://localhost:8000/testclient/callback")
        .await
        .unwrap();
    s.add_redirect_uri(&id, "http://[::1]:8000/testclient/callback")
        .await
        .unwrap();
    let stored = s.application_by_id(&id).await.unwrap().unwrap();
    assert_eq!(stored.redirect_uris.len(), 3);
    assert_eq!(
        stored.redirect_uris[2],
        "http://[::1]:8000/testclient/callback"
    );
    // A developer's app of the same name is never taken over: it is another owner's, so
    // the built-in one cannot be made (a conflict) and theirs keeps its secret.
    let dev = with_developer(&f, 1).await;
    let theirs = app(3, &dev, "Taken Name", &["https://example.org/cb"]);
    s.insert_application(&theirs).await.unwrap();
    let mut grab = app(4, &owner.id, "Taken Name", &["http://localhost/cb"]);
    grab.client_secret_sha256 = vec![0xaa; 32];
    let err = s
        .ensure_builtin_application(&owner, &grab)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, bb_store::StoreError::Conflict { constraint } if constraint == "applications.name_key"),
        "{err:?}"
    );
    let kept = s.application_by_id("app-3").await.unwrap().unwrap();
    assert_eq!(kept.client_secret_sha256, theirs.client_secret_sha256);
    assert!(s.application_by_id("app-4").await.unwrap().is_none());
}
