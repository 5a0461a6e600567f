//! Organizations over HTTP: an invitation e-mailed through the outbox and accepted by a
//! second developer, who then sees and manages the organization's apps; an invitation
//! for an address without an account, joined after verification; removal of a member;
//! the last owner cannot leave or be demoted; non-members get 403.

use crate::portal_apps::{app_id_of, developer, register, text_by_id};
use bb_testkit::oauth::{hidden, location};
use bb_testkit::portal::Developer;
use bb_testkit::spawn_app;

fn org_path(org: &str) -> String {
    format!("/v2/accounts/organizations/{org}/")
}

#[tokio::test]
async fn invitation_is_mailed_and_accepted_by_a_second_developer() {
    let app = spawn_app().await;
    let (ada, csrf, org) = developer(&app, "ada@example.org", "Analytical Engines").await;
    let html = register(&app, &ada, &csrf, &org, "Claims Timeline").await;
    let app_id = app_id_of(&html);
    let (bob, _, _) = developer(&app, "bob@example.org", "Bob Labs").await;

    // Bob is not a member yet: 403 on the organization, 404 on its app.
    let r = bob.get(app.url(&org_path(&org))).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = bob
        .get(app.url(&format!("/v2/o/applications/{app_id}/")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Ada invites Bob; a bad address first (error next to the field, entry kept).
    let (page, csrf) = app.form_page(&ada, &org_path(&org)).await;
    assert!(page.contains("id=\"org-role\">owner"));
    let invite = format!("/v2/accounts/organizations/{org}/invite");
    let r = app
        .post_with_csrf(
            &ada,
            &invite,
            &csrf,
            &[("email", "bob@"), ("role", "developer")],
        )
        .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(text_by_id(&html, "email-error").contains("E-mail address"));
    assert!(html.contains("value=\"bob@\""));
    let r = app
        .post_with_csrf(
            &ada,
            &invite,
            &csrf,
            &[("email", "Bob@Example.org"), ("role", "developer")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let link = app
        .mailed_link("bob@example.org", "Invitation to join Analytical Engines")
        .await;
    assert!(
        link.starts_with("/v2/accounts/organizations/invitations/"),
        "{link}"
    );

    // Someone else signed in cannot use it.
    let (eve, _, _) = developer(&app, "eve@example.org", "Eavesdroppers").await;
    assert_eq!(eve.get(app.url(&link)).send().await.unwrap().status(), 403);

    // Bob accepts while signed in.
    let (page, csrf) = app.form_page(&bob, &link).await;
    assert!(page.contains("Join Analytical Engines"));
    let r = app.post_with_csrf(&bob, &link, &csrf, &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{}?done=joined", org_path(&org)));
    assert_eq!(
        app.post_with_csrf(&bob, &link, &csrf, &[]).await.status(),
        400,
        "an invitation works once"
    );

    // Bob now sees the organization and its app, grouped under it, and may manage it.
    let page = bob.get(app.url(&org_path(&org))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"org-role\">developer"));
    assert!(html.contains("bob@example.org") && html.contains("ada@example.org"));
    let list = bob
        .get(app.url("/v2/o/applications/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Analytical Engines") && list.contains("Bob Labs"));
    assert!(list.contains("Claims Timeline"));
    let r = bob
        .get(app.url(&format!("/v2/o/applications/{app_id}/update/")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Developers do not delete.
    let r = bob
        .get(app.url(&format!("/v2/o/applications/{app_id}/delete/")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn invitation_without_an_account_signs_up_and_joins_after_verification() {
    let app = spawn_app().await;
    let (ada, _, org) = developer(&app, "ada@example.org", "Analytical Engines").await;
    let (_, csrf) = app.form_page(&ada, &org_path(&org)).await;
    let r = app
        .post_with_csrf(
            &ada,
            &format!("/v2/accounts/organizations/{org}/invite"),
            &csrf,
            &[("email", "carol@example.org"), ("role", "owner")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let link = app
        .mailed_link("carol@example.org", "Invitation to join Analytical Engines")
        .await;

    let carol = app.browser();
    let r = carol.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let signup = location(&r);
    assert_eq!(signup, format!("{link}/signup"));
    let (page, csrf) = app.form_page(&carol, &signup).await;
    assert!(page.contains("value=\"carol@example.org\" readonly"));
    assert!(text_by_id(&page, "invited-organization").contains("Analytical Engines"));
    // A weak password: error next to it, the name kept.
    let r = app
        .post_with_csrf(
            &carol,
            &signup,
            &csrf,
            &[("name", "Carol Shaw"), ("password", "password")],
        )
        .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"password-error\"") && html.contains("value=\"Carol Shaw\""));
    let password = "violet tea kettle 42";
    let r = app
        .post_with_csrf(
            &carol,
            &signup,
            &csrf,
            &[("name", "Carol Shaw"), ("password", password)],
        )
        .await;
    assert_eq!(r.status(), 200);

    // Not a member before the address is verified.
    let user = app
        .store
        .user_by_email("carol@example.org")
        .await
        .unwrap()
        .unwrap();
    assert!(app.store.memberships_of(&user.id).await.unwrap().is_empty());
    let verify = app
        .mailed_link("carol@example.org", "Confirm your e-mail address")
        .await;
    assert_eq!(
        carol.get(app.url(&verify)).send().await.unwrap().status(),
        200
    );
    let memberships = app.store.memberships_of(&user.id).await.unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(
        (
            memberships[0].organization_id.as_str(),
            memberships[0].role.as_str()
        ),
        (org.as_str(), "owner")
    );
    assert_eq!(
        carol.get(app.url(&link)).send().await.unwrap().status(),
        400,
        "used"
    );

    assert_eq!(
        app.portal_login(&carol, "carol@example.org", password)
            .await
            .status(),
        303
    );
    let html = carol
        .get(app.url(&org_path(&org)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"org-role\">owner"));
}

#[tokio::test]
async fn members_are_removed_and_the_last_owner_stays() {
    let app = spawn_app().await;
    let (ada, _, org) = developer(&app, "ada@example.org", "Analytical Engines").await;
    let bob = app.browser();
    app.signed_in_developer(&bob, &{
        let mut d = Developer::new("bob@example.org");
        d.organization = "Bob Labs".into();
        d
    })
    .await;
    let (_, csrf) = app.form_page(&ada, &org_path(&org)).await;
    app.post_with_csrf(
        &ada,
        &format!("/v2/accounts/organizations/{org}/invite"),
        &csrf,
        &[("email", "bob@example.org"), ("role", "developer")],
    )
    .await;
    let link = app
        .mailed_link("bob@example.org", "Invitation to join Analytical Engines")
        .await;
    let (_, bob_csrf) = app.form_page(&bob, &link).await;
    assert_eq!(
        app.post_with_csrf(&bob, &link, &bob_csrf, &[])
            .await
            .status(),
        303
    );

    // The only owner cannot leave nor demote themself.
    let ada_id = app
        .store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    let bob_id = app
        .store
        .user_by_email("bob@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = app
        .post_with_csrf(
            &ada,
            &format!("/v2/accounts/organizations/{org}/leave"),
            &csrf,
            &[],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("at least one owner"));
    let r = app
        .post_with_csrf(
            &ada,
            &format!("/v2/accounts/organizations/{org}/members/{ada_id}/role"),
            &csrf,
            &[("role", "developer")],
        )
        .await;
    assert_eq!(r.status(), 400);
    // A developer cannot remove others.
    let (_, bob_csrf) = app.form_page(&bob, &org_path(&org)).await;
    let r = app
        .post_with_csrf(
            &bob,
            &format!("/v2/accounts/organizations/{org}/members/{ada_id}/remove"),
            &bob_csrf,
            &[],
        )
        .await;
    assert_eq!(r.status(), 403);

    // The owner removes Bob: he loses the organization at once.
    let r = app
        .post_with_csrf(
            &ada,
            &format!("/v2/accounts/organizations/{org}/members/{bob_id}/remove"),
            &csrf,
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        bob.get(app.url(&org_path(&org)))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let html = ada
        .get(app.url(&org_path(&org)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("bob@example.org"));
    assert_eq!(hidden(&html, "csrf_token"), csrf);

    // With a second owner, the first may leave.
    let (_, csrf) = app.form_page(&ada, &org_path(&org)).await;
    app.post_with_csrf(
        &ada,
        &format!("/v2/accounts/organizations/{org}/invite"),
        &csrf,
        &[("email", "bob@example.org"), ("role", "owner")],
    )
    .await;
    let link = app
        .mailed_link("bob@example.org", "Invitation to join Analytical Engines")
        .await;
    let (_, bob_csrf) = app.form_page(&bob, &link).await;
    assert_eq!(
        app.post_with_csrf(&bob, &link, &bob_csrf, &[])
            .await
            .status(),
        303
    );
    let r = app
        .post_with_csrf(
            &ada,
            &format!("/v2/accounts/organizations/{org}/leave"),
            &csrf,
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/v2/accounts/organizations/?done=left");
    assert_eq!(
        ada.get(app.url(&org_path(&org)))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test]
async fn sign_up_cannot_join_an_existing_organization_by_name() {
    let app = spawn_app().await;
    let _ = developer(&app, "ada@example.org", "Analytical Engines").await;
    let browser = app.browser();
    let mut eve = Developer::new("eve@example.org");
    eve.organization = "ANALYTICAL engines".into();
    let r = app.sign_up(&browser, &eve).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(
        text_by_id(&html, "organization-error").contains("invite"),
        "{html}"
    );
    assert!(
        app.store
            .user_by_email("eve@example.org")
            .await
            .unwrap()
            .is_none()
    );
}
