//! Tests of the listing form's checks (pure) and of the credential hand-off over an
//! in-memory store with an injected clock: the five-minute boundary, a single use, a newer
//! link replacing older ones, non-members, and the audit.

use super::*;
use crate::clock::{Clock, FakeClock, SeededEntropy};
use crate::{Deps, Services};
use bb_store::{
    AccessDraft, AccessStatusChange, DatabaseUrl, NewAccessRequest, OrganizationRow, SlaChange,
    Store, StoreOptions, UserRow,
};
use chrono::Duration;
use std::sync::Arc;

fn form() -> ListingForm {
    ListingForm {
        name: "Health Helper".into(),
        description: "Shows your Medicare claims in one place.".into(),
        website: "https://helper.example.com/".into(),
        privacy_policy_uri: "https://helper.example.com/privacy".into(),
        terms_uri: "https://helper.example.com/terms".into(),
        categories: vec!["personal-health-record".into()],
        platforms: vec!["web".into(), "ios".into()],
        shares_data: "no".into(),
        sells_data: "no".into(),
        retention: "months".into(),
        retention_months: "12".into(),
    }
}

fn fields(p: &ListingProblems) -> Vec<&str> {
    p.errors.iter().map(|(f, _)| f.as_str()).collect()
}

#[test]
fn a_complete_listing_passes() {
    let l = check_listing(&form(), None).unwrap();
    assert_eq!(l.platforms, ["web", "ios"]);
    assert_eq!(l.answers.retention, Some(FormRetention::Months(12)));
    assert!(!l.answers.sells_data);
}

#[test]
fn description_is_at_most_415_plain_characters() {
    let mut f = form();
    f.description = "é".repeat(415);
    assert!(check_listing(&f, None).is_ok());
    f.description = "é".repeat(416);
    assert_eq!(
        fields(&check_listing(&f, None).unwrap_err()),
        ["description"]
    );
    f.description = "Nice <b>app</b>".into();
    let p = check_listing(&f, None).unwrap_err();
    assert!(p.errors[0].1.contains("HTML"), "{p:?}");
}

#[test]
fn links_must_be_https_and_choices_known() {
    let mut f = form();
    f.website = "http://helper.example.com/".into();
    f.terms_uri = String::new();
    f.categories = vec!["astrology".into()];
    f.platforms = vec![];
    f.shares_data = "maybe".into();
    f.retention_months = "0".into();
    let p = check_listing(&f, None).unwrap_err();
    assert_eq!(
        fields(&p),
        [
            "website",
            "terms_uri",
            "categories",
            "platforms",
            "shares_data",
            "retention_months"
        ]
    );
    assert_eq!(p.problem, InputProblem::Invalid);
}

#[test]
fn a_logo_of_another_type_is_a_415_problem() {
    let logo = LogoUpload {
        content_type: "image/gif".into(),
        bytes: b"GIF89a....".to_vec(),
    };
    let p = check_listing(&form(), Some(&logo)).unwrap_err();
    assert_eq!(fields(&p), ["logo"]);
    assert_eq!(p.problem, InputProblem::WrongType);
    let big = LogoUpload {
        content_type: "image/png".into(),
        bytes: vec![0; 100 * 1024 + 1],
    };
    assert_eq!(
        check_listing(&form(), Some(&big)).unwrap_err().problem,
        InputProblem::TooLarge
    );
}

// ------------------------------------------------------------------------ hand-off

struct World {
    services: Services,
    clock: Arc<FakeClock>,
    store: Store,
    request_id: String,
    app_id: String,
    developer: Viewer,
    outsider: Viewer,
    t0: DateTime<Utc>,
}

fn user(id: &str, kind: &str, staff_role: Option<&str>, at: DateTime<Utc>) -> UserRow {
    UserRow {
        id: id.into(),
        email: format!("{id}@example.com"),
        name: id.into(),
        password_hash: "x".into(),
        kind: kind.into(),
        staff_role: staff_role.map(str::to_owned),
        email_verified_at: Some(at),
        created_at: at,
    }
}

fn org(id: &str, at: DateTime<Utc>) -> OrganizationRow {
    OrganizationRow {
        id: id.into(),
        name: id.into(),
        name_key: id.into(),
        created_at: at,
    }
}

/// A request whose credentials were issued (production app `prod`), with its first link
/// made by the issuing reviewer.
async fn world() -> World {
    let store = Store::connect(&DatabaseUrl::SqliteMemory, &StoreOptions::default())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let clock = Arc::new(FakeClock::new(t0));
    let services = Services::new(Deps {
        store: store.clone(),
        clock: clock.clone(),
        entropy: Arc::new(SeededEntropy::new(7)),
    });
    store
        .insert_developer(&user("dev", "developer", None, t0), &org("acme", t0))
        .await
        .unwrap();
    store
        .insert_developer(&user("other", "developer", None, t0), &org("elsewhere", t0))
        .await
        .unwrap();
    for (id, role) in [("r1", "reviewer"), ("r2", "admin")] {
        store
            .insert_user(&user(id, "staff", Some(role), t0))
            .await
            .unwrap();
    }
    let app = |id: &str, env: &str| NewApplication {
        id: id.into(),
        client_id: format!("{id:0>40}"),
        client_secret_sha256: vec![0; 32],
        owner_id: "dev".into(),
        organization_id: Some("acme".into()),
        name: format!("App {id}"),
        name_key: format!("app {id}"),
        environment: env.into(),
        data_access_type: "ONE_TIME".into(),
        require_demographic_scopes: true,
        active: true,
        redirect_uris: vec!["https://helper.example.com/cb".into()],
        links: AppLinks::default(),
        created_at: t0,
    };
    store
        .insert_application(&app("sandbox", "sandbox"))
        .await
        .unwrap();
    store
        .insert_access_request(&NewAccessRequest {
            id: "req".into(),
            organization_id: "acme".into(),
            draft: AccessDraft {
                application_id: Some("sandbox".into()),
                ..AccessDraft::default()
            },
            state: "listing_submitted".into(),
            created_by: "dev".into(),
            created_at: t0.timestamp_millis(),
        })
        .await
        .unwrap();
    let change = AccessStatusChange {
        request_id: "req".into(),
        from_state: "listing_submitted".into(),
        from_approved_by: None,
        from_confirmed_by: None,
        to_state: "credentials_issued".into(),
        approved_by: Some("r1".into()),
        confirmed_by: Some("r2".into()),
        assignee: None,
        submitted_at: None,
        terms_version: None,
        sla: SlaChange::Keep,
        transition: "issue_credentials".into(),
        actor_id: "r1".into(),
        role: "reviewer".into(),
        at: t0.timestamp_millis(),
        reason: String::new(),
    };
    let (handoff, _) = services.access.new_link("req", "prod", "r1");
    let moved = store
        .apply_access_transition_with(
            &change,
            &[],
            &[],
            &AccessEffect::IssueCredentials {
                app: Box::new(app("prod", "production")),
                profile: AppProfile::default(),
                logo: None,
                handoff,
            },
        )
        .await
        .unwrap();
    assert_eq!(moved, bb_store::TransitionOutcome::Moved);
    let viewer = |id: &str| Viewer {
        user_id: id.into(),
        name: id.into(),
        staff_role: None,
    };
    World {
        services,
        clock,
        store,
        request_id: "req".into(),
        app_id: "prod".into(),
        developer: viewer("dev"),
        outsider: viewer("other"),
        t0,
    }
}

fn token(link: &IssuedLink) -> String {
    link.path
        .strip_prefix("/v2/accounts/credentials/")
        .unwrap()
        .to_owned()
}

impl World {
    async fn link(&self) -> String {
        let link = self
            .services
            .access
            .new_handoff(&self.developer, &self.request_id)
            .await
            .unwrap();
        assert_eq!(
            link.expires_at - self.clock.now(),
            Duration::milliseconds(HANDOFF_VALID_MS)
        );
        token(&link)
    }

    async fn open(&self, viewer: &Viewer, token: &str) -> Handoff {
        self.services
            .access
            .open_handoff(viewer, token, Some("127.0.0.1"))
            .await
            .unwrap()
    }

    async fn outcomes(&self) -> Vec<String> {
        self.store
            .handoff_views(&self.request_id)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.outcome)
            .collect()
    }

    async fn stored_secret(&self) -> Vec<u8> {
        self.store
            .application_by_id(&self.app_id)
            .await
            .unwrap()
            .unwrap()
            .client_secret_sha256
    }
}

#[tokio::test]
async fn a_link_opens_at_4_59_999_and_shows_a_secret_whose_hash_is_stored() {
    let w = world().await;
    let t = w.link().await;
    w.clock
        .set(w.t0 + Duration::milliseconds(HANDOFF_VALID_MS - 1));
    match w.open(&w.developer, &t).await {
        Handoff::Shown {
            client_id,
            client_secret,
            request_path,
            ..
        } => {
            assert_eq!(client_id, format!("{:0>40}", "prod"));
            assert_eq!(client_secret.reveal().len(), ClientSecret::LEN);
            assert!(client_secret.matches(&w.stored_secret().await));
            assert!(request_path.ends_with("/production-access/req/"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(w.outcomes().await, ["shown"]);
}

#[tokio::test]
async fn a_link_has_expired_at_exactly_five_minutes() {
    let w = world().await;
    let before = w.stored_secret().await;
    let t = w.link().await;
    w.clock.set(w.t0 + Duration::milliseconds(HANDOFF_VALID_MS));
    assert!(matches!(
        w.open(&w.developer, &t).await,
        Handoff::Expired { .. }
    ));
    assert_eq!(w.stored_secret().await, before, "no secret set");
    assert_eq!(w.outcomes().await, ["expired"]);
}

#[tokio::test]
async fn a_link_opens_once() {
    let w = world().await;
    let t = w.link().await;
    assert!(matches!(
        w.open(&w.developer, &t).await,
        Handoff::Shown { .. }
    ));
    let after = w.stored_secret().await;
    w.clock.advance(Duration::seconds(1));
    assert!(matches!(
        w.open(&w.developer, &t).await,
        Handoff::Used { .. }
    ));
    assert_eq!(
        w.stored_secret().await,
        after,
        "the second opening sets nothing"
    );
    assert_eq!(w.outcomes().await, ["shown", "used"]);
}

#[tokio::test]
async fn a_newer_link_invalidates_the_older_ones() {
    let w = world().await;
    let first = w.link().await;
    w.clock.advance(Duration::seconds(10));
    let second = w.link().await;
    assert_ne!(first, second);
    assert!(matches!(
        w.open(&w.developer, &first).await,
        Handoff::Expired { .. }
    ));
    assert!(matches!(
        w.open(&w.developer, &second).await,
        Handoff::Shown { .. }
    ));
    assert_eq!(w.outcomes().await, ["expired", "shown"]);
}

#[tokio::test]
async fn outsiders_and_unknown_tokens_learn_nothing_and_are_audited() {
    let w = world().await;
    let t = w.link().await;
    assert!(matches!(w.open(&w.outsider, &t).await, Handoff::Unknown));
    assert!(matches!(
        w.open(&w.developer, "NoSuchToken0000000000000000000000")
            .await,
        Handoff::Unknown
    ));
    assert!(matches!(
        w.open(&w.developer, "../not-a-token").await,
        Handoff::Unknown
    ));
    let views = w.store.handoff_views(&w.request_id).await.unwrap();
    assert_eq!(views.len(), 1, "the unknown token has no request");
    assert_eq!(views[0].outcome, "unknown");
    assert_eq!(views[0].viewer_id.as_deref(), Some("other"));
    // The link is still good for a member.
    assert!(matches!(
        w.open(&w.developer, &t).await,
        Handoff::Shown { .. }
    ));
}

#[tokio::test]
async fn no_new_link_before_credentials_or_for_outsiders() {
    let w = world().await;
    let err = w
        .services
        .access
        .new_handoff(&w.outsider, &w.request_id)
        .await
        .unwrap_err();
    assert!(matches!(err, AccessError::NotFound), "{err}");
}
