//! Contract cases of the portal's organizations and apps: an app registered with its
//! profile, categories and logo in one transaction (a name taken in another case writes
//! nothing), updated whole, its secret replaced, deleted with everything that hangs on it;
//! members, roles and the last owner; invitations spent once, claimed by a sign-up and
//! joined on verification; sign-up refusing an existing organization name.

use crate::backends::Fixture;
use crate::cases::{app, at, org, user, with_developer};
use bb_store::{
    AccessTokenRow, AccountTokenRow, AppLinks, AppLogo, AppProfile, AppUpdate, GrantRow,
    InvitationRow, LogoChange, MemberChange, NewMail, UserRow,
};

fn profile(categories: &[&str]) -> AppProfile {
    AppProfile {
        description: "Plain text".into(),
        support_email: Some("help@example.org".into()),
        support_phone_number: Some("+12025550123".into()),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        agreed_at: Some(1_000),
    }
}

fn logo(byte: u8) -> AppLogo {
    AppLogo {
        content_type: "image/png".into(),
        bytes: vec![byte; 64],
        updated_at: 2_000,
    }
}

pub async fn portal_apps_register_update_and_delete_whole(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    let org_id = f.store.organizations_of(&owner).await.unwrap()[0]
        .id
        .clone();
    let mut first = app(1, &owner, "Claims Timeline", &["https://a.example.org/cb"]);
    first.organization_id = Some(org_id.clone());
    f.store
        .register_application(&first, &profile(&["other", "data-sharing"]), Some(&logo(7)))
        .await
        .unwrap();
    let read = f.store.application_profile("app-1").await.unwrap().unwrap();
    assert_eq!(read.categories, ["data-sharing", "other"]);
    assert_eq!(read.support_phone_number.as_deref(), Some("+12025550123"));
    assert_eq!(read.agreed_at, Some(1_000));
    assert_eq!(
        f.store.application_logo("app-1").await.unwrap(),
        Some(logo(7))
    );

    // Same name in another case: refused, and nothing of the second app is left.
    let mut clash = app(2, &owner, "CLAIMS timeline", &["https://b.example.org/cb"]);
    clash.organization_id = Some(org_id.clone());
    let err = f
        .store
        .register_application(&clash, &profile(&["other"]), Some(&logo(8)))
        .await
        .err();
    assert!(err.is_some_and(|e| e.is_conflict_on("applications.name_key")));
    assert_eq!(f.store.application_logo("app-2").await.unwrap(), None);
    assert_eq!(f.store.application_profile("app-2").await.unwrap(), None);
    assert_eq!(
        f.store
            .applications_of_organization(&org_id)
            .await
            .unwrap()
            .len(),
        1
    );

    // Update: everything replaced at once; the agreement time kept.
    let update = AppUpdate {
        name: "Timeline".into(),
        name_key: "timeline".into(),
        data_access_type: "ONE_TIME".into(),
        require_demographic_scopes: false,
        redirect_uris: vec![
            "https://c.example.org/cb".into(),
            "http://localhost/cb".into(),
        ],
        links: AppLinks {
            logo_uri: None,
            website_uri: Some("https://example.org/".into()),
            policy_uri: None,
            tos_uri: None,
        },
        profile: AppProfile {
            categories: vec!["medication-management".into()],
            agreed_at: None,
            ..profile(&[])
        },
        logo: LogoChange::Remove,
        now: at(10, 0),
    };
    assert!(f.store.update_application("app-1", &update).await.unwrap());
    assert!(!f.store.update_application("nope", &update).await.unwrap());
    let row = f.store.application_by_id("app-1").await.unwrap().unwrap();
    assert_eq!(
        (row.name.as_str(), row.require_demographic_scopes),
        ("Timeline", false)
    );
    assert_eq!(
        row.redirect_uris,
        ["https://c.example.org/cb", "http://localhost/cb"]
    );
    assert_eq!(
        row.links.website_uri.as_deref(),
        Some("https://example.org/")
    );
    let read = f.store.application_profile("app-1").await.unwrap().unwrap();
    assert_eq!((read.categories.len(), read.agreed_at), (1, Some(1_000)));
    assert_eq!(f.store.application_logo("app-1").await.unwrap(), None);

    // A new secret replaces the old hash.
    assert!(
        f.store
            .set_client_secret("app-1", &[9; 32], at(11, 0))
            .await
            .unwrap()
    );
    let row = f.store.application_by_id("app-1").await.unwrap().unwrap();
    assert_eq!(row.client_secret_sha256, vec![9; 32]);

    // Delete: tokens, grants, URIs, logo and categories go with it.
    f.store
        .update_application(
            "app-1",
            &AppUpdate {
                logo: LogoChange::Set(logo(3)),
                ..update.clone()
            },
        )
        .await
        .unwrap();
    f.store
        .insert_access_token(&AccessTokenRow {
            token_sha256: vec![5; 32],
            application_id: Some("app-1".into()),
            bene_id: -1,
            scopes: "patient/Coverage.read".into(),
            expires_at: i64::MAX,
            revoked_at: None,
            created_at: 0,
        })
        .await
        .unwrap();
    f.store
        .upsert_grant(&GrantRow {
            application_id: "app-1".into(),
            bene_id: -1,
            scopes: "patient/Coverage.read".into(),
            demographics: false,
            created_at: 0,
            expires_at: None,
        })
        .await
        .unwrap();
    assert!(f.store.delete_application("app-1").await.unwrap());
    assert!(!f.store.delete_application("app-1").await.unwrap());
    assert_eq!(f.store.application_by_id("app-1").await.unwrap(), None);
    assert_eq!(f.store.access_token(&[5; 32]).await.unwrap(), None);
    assert_eq!(f.store.grant("app-1", -1).await.unwrap(), None);
    assert_eq!(f.store.application_logo("app-1").await.unwrap(), None);
    assert_eq!(f.store.application_profile("app-1").await.unwrap(), None);
}

fn invitation(n: u8, org_id: &str, email: &str, role: &str, expires_at: i64) -> InvitationRow {
    InvitationRow {
        token_sha256: vec![n; 32],
        organization_id: org_id.into(),
        email: email.into(),
        role: role.into(),
        invited_by: None,
        created_at: 0,
        expires_at,
        claimed_by: None,
        accepted_at: None,
    }
}

fn mail(to: &str) -> NewMail {
    NewMail {
        recipient: to.into(),
        subject: "Invitation".into(),
        body_text: "https://example.org/v2/accounts/organizations/invitations/x".into(),
        created_at: 0,
        attachments: Vec::new(),
    }
}

pub async fn organization_members_and_invitations(f: Fixture) {
    let owner = with_developer(&f, 1).await;
    let other = with_developer(&f, 2).await;
    let org_id = f.store.organizations_of(&owner).await.unwrap()[0]
        .id
        .clone();
    let now = at(100, 0);
    let ms = now.timestamp_millis();

    // The last owner cannot leave nor be demoted.
    assert_eq!(
        f.store.remove_member(&org_id, &owner).await.unwrap(),
        MemberChange::LastOwner
    );
    assert_eq!(
        f.store
            .set_member_role(&org_id, &owner, "member")
            .await
            .unwrap(),
        MemberChange::LastOwner
    );
    assert_eq!(
        f.store.remove_member(&org_id, &other).await.unwrap(),
        MemberChange::NotMember
    );

    // An invitation: with its message, for one address, once, before it expires.
    f.store
        .insert_invitation(
            &invitation(1, &org_id, "dev2@example.org", "member", ms + 1000),
            &mail("dev2@example.org"),
        )
        .await
        .unwrap();
    assert_eq!(f.store.outbox(10).await.unwrap().len(), 1);
    assert_eq!(
        f.store.open_invitations(&org_id, ms).await.unwrap().len(),
        1
    );
    assert_eq!(
        f.store
            .accept_invitation(&[1; 32], &owner, "dev1@example.org", now)
            .await
            .unwrap(),
        None,
        "another address"
    );
    assert_eq!(
        f.store
            .accept_invitation(&[1; 32], &other, "dev2@example.org", now)
            .await
            .unwrap(),
        Some(org_id.clone())
    );
    assert_eq!(
        f.store
            .accept_invitation(&[1; 32], &other, "dev2@example.org", now)
            .await
            .unwrap(),
        None,
        "once"
    );
    assert_eq!(
        f.store
            .member_role(&org_id, &other)
            .await
            .unwrap()
            .as_deref(),
        Some("member")
    );
    let members = f.store.members_of(&org_id).await.unwrap();
    assert_eq!(
        members
            .iter()
            .map(|m| (m.email.as_str(), m.role.as_str()))
            .collect::<Vec<_>>(),
        [
            ("dev1@example.org", "owner"),
            ("dev2@example.org", "member")
        ]
    );
    assert_eq!(f.store.memberships_of(&other).await.unwrap().len(), 2);

    // Two owners: either may go; then the remaining one is the last.
    assert_eq!(
        f.store
            .set_member_role(&org_id, &other, "owner")
            .await
            .unwrap(),
        MemberChange::Done
    );
    assert_eq!(
        f.store.remove_member(&org_id, &owner).await.unwrap(),
        MemberChange::Done
    );
    assert_eq!(
        f.store.remove_member(&org_id, &other).await.unwrap(),
        MemberChange::LastOwner
    );

    // Expired invitations are not accepted.
    f.store
        .insert_invitation(
            &invitation(2, &org_id, "dev1@example.org", "member", ms),
            &mail("dev1@example.org"),
        )
        .await
        .unwrap();
    assert_eq!(
        f.store
            .accept_invitation(&[2; 32], &owner, "dev1@example.org", now)
            .await
            .unwrap(),
        None
    );

    // A sign-up through an invitation claims it; verification joins.
    f.store
        .insert_invitation(
            &invitation(3, &org_id, "new@example.org", "owner", ms + 1000),
            &mail("new@example.org"),
        )
        .await
        .unwrap();
    let newcomer = UserRow {
        id: "user-new".into(),
        email: "new@example.org".into(),
        email_verified_at: None,
        ..user(9)
    };
    let verify = AccountTokenRow {
        token_sha256: vec![4; 32],
        user_id: "user-new".into(),
        purpose: "verify_email".into(),
        created_at: ms,
        expires_at: ms + 1000,
        used_at: None,
    };
    let wrong = UserRow {
        id: "user-wrong".into(),
        email: "wrong@example.org".into(),
        ..newcomer.clone()
    };
    assert!(
        !f.store
            .sign_up_invited(
                &wrong,
                &[3; 32],
                ms,
                &AccountTokenRow {
                    token_sha256: vec![6; 32],
                    user_id: "user-wrong".into(),
                    ..verify.clone()
                },
                &mail("wrong@example.org")
            )
            .await
            .unwrap(),
        "another address writes nothing"
    );
    assert!(
        f.store
            .user_by_email("wrong@example.org")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        f.store
            .sign_up_invited(&newcomer, &[3; 32], ms, &verify, &mail("new@example.org"))
            .await
            .unwrap()
    );
    assert!(f.store.memberships_of("user-new").await.unwrap().is_empty());
    assert_eq!(
        f.store
            .verify_email_with_token(&[4; 32], now)
            .await
            .unwrap()
            .as_deref(),
        Some("user-new")
    );
    assert_eq!(
        f.store
            .member_role(&org_id, "user-new")
            .await
            .unwrap()
            .as_deref(),
        Some("owner")
    );
    let spent = f.store.invitation(&[3; 32]).await.unwrap().unwrap();
    assert!(spent.accepted_at.is_some());

    // Sign-up cannot join an existing organization by its name.
    let err = f
        .store
        .sign_up_developer(
            &UserRow {
                id: "user-x".into(),
                email: "x@example.org".into(),
                ..user(8)
            },
            &org("org-x", "ORG 1"),
            &AccountTokenRow {
                token_sha256: vec![7; 32],
                user_id: "user-x".into(),
                ..verify.clone()
            },
            &mail("x@example.org"),
        )
        .await
        .err();
    assert!(err.is_some_and(|e| e.is_conflict_on("organizations.name_key")));
    assert!(
        f.store
            .user_by_email("x@example.org")
            .await
            .unwrap()
            .is_none()
    );
}
