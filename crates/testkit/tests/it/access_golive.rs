//! After approval over HTTP (issue 7, part 4), as browsers of a developer, two reviewers
//! and an admin: the listing form's bad input next to its fields with everything kept
//! (400, 415); credentials refused before the second reviewer's confirmation; the one-time
//! link shows the secret once (no-store) and then 410; an expired link 410 and a new one
//! works; the audit on the staff page; the secret works at `/v2/o/token/`; going live; the
//! directory as HTML and in BB2's JSON shape with the logo and the privacy label;
//! suspension refuses the production app's tokens at once, reinstatement restores them,
//! revocation refuses them and removes the app from the directory; the JSON API.

use crate::access_requests::{Dev, base, dev_with_app, page, staff, staff_move, submitted};
use crate::access_review::{dev_post, publish, slot_ids, staff_post};
use crate::portal_apps::png;
use bb_testkit::TestApp;
use bb_testkit::oauth::{Client, location};
use bb_testkit::spawn_app;
use chrono::Duration;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

struct Approved {
    dev: Dev,
    id: String,
    alice: reqwest::Client,
    bob: reqwest::Client,
}

/// A request approved by Alice and not yet confirmed: claimed, demo booked and held.
async fn approved(app: &TestApp) -> Approved {
    let (alice, _) = staff(app, "alice@example.org", "reviewer").await;
    let (bob, _) = staff(app, "bob@example.org", "reviewer").await;
    let dev = dev_with_app(app, "dev@example.org", "Timeline Inc").await;
    let id = submitted(app, &dev).await;
    assert_eq!(
        staff_move(app, &alice, &id, "claim", "").await.status(),
        303
    );
    publish(app, &alice, "10:00").await;
    let (_, status) = page(app, &dev.browser, &format!("{}{id}/", base(&dev))).await;
    let slots = slot_ids(&status);
    let r = dev_post(app, &dev, &id, "demo/book", &[("slot", &slots[0])]).await;
    assert_eq!(r.status(), 303);
    let notes = [
        ("demo_account_creation", "E-mail sign-up."),
        ("demo_medicare_authorization", "Consent shown."),
        ("demo_data_display", "Timeline."),
        ("demo_data_use", "Timeline only."),
        ("demo_sharing", "None."),
    ];
    assert_eq!(
        staff_post(app, &alice, &id, "demo/hold", &notes)
            .await
            .status(),
        303
    );
    let r = staff_post(
        app,
        &alice,
        &id,
        "decision",
        &[("decision", "approve"), ("approve_reason", "In order.")],
    )
    .await;
    assert_eq!(r.status(), 303);
    Approved {
        dev,
        id,
        alice,
        bob,
    }
}

/// The listing form's fields, good unless changed.
fn listing_fields() -> Vec<(&'static str, String)> {
    vec![
        ("name", "Timeline".into()),
        (
            "description",
            "A timeline of your Medicare claims, on the web and on your phone.".into(),
        ),
        ("website", "https://timeline.example.org/".into()),
        (
            "privacy_policy_uri",
            "https://timeline.example.org/privacy".into(),
        ),
        ("terms_uri", "https://timeline.example.org/terms".into()),
        ("categories", "personal-health-record".into()),
        ("platforms", "web".into()),
        ("platforms", "ios".into()),
        ("shares_data", "no".into()),
        ("sells_data", "no".into()),
        ("retention", "deleted_on_exit".into()),
    ]
}

fn listing_form(
    csrf: Option<&str>,
    fields: &[(&'static str, String)],
    logo: Option<(Vec<u8>, &str)>,
) -> Form {
    let mut form = Form::new();
    if let Some(csrf) = csrf {
        form = form.text("csrf_token", csrf.to_owned());
    }
    for (k, v) in fields {
        form = form.text(*k, v.clone());
    }
    if let Some((bytes, mime)) = logo {
        form = form.part(
            "logo",
            Part::bytes(bytes).file_name("logo").mime_str(mime).unwrap(),
        );
    }
    form
}

async fn post_listing(
    app: &TestApp,
    dev: &Dev,
    id: &str,
    fields: &[(&'static str, String)],
    logo: Option<(Vec<u8>, &str)>,
) -> reqwest::Response {
    let path = format!("{}{id}/listing", base(dev));
    let (_, csrf) = app.form_page(&dev.browser, &path).await;
    dev.browser
        .post(app.url(&path))
        .multipart(listing_form(Some(&csrf), fields, logo))
        .send()
        .await
        .unwrap()
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {html}"))
        + start.len();
    let j = i + html[i..].find(end).unwrap();
    &html[i..j]
}

/// Opens a hand-off link in the developer's browser.
async fn open(app: &TestApp, dev: &Dev, path: &str) -> (u16, String, String) {
    let r = dev.browser.get(app.url(path)).send().await.unwrap();
    let cache = r.headers()["cache-control"].to_str().unwrap().to_owned();
    (r.status().as_u16(), cache, r.text().await.unwrap())
}

#[tokio::test]
async fn listing_credentials_hand_off_once_and_the_directory_shows_the_live_app() {
    let app = spawn_app().await.with_sandbox(1).await;
    let Approved {
        dev,
        id,
        alice,
        bob,
    } = approved(&app).await;
    let status_path = format!("{}{id}/", base(&dev));
    let staff_path = format!("/v2/staff/access/requests/{id}/");
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    assert!(status.contains("id=\"listing-link\""), "{status}");

    // Bad input: each problem next to its field, everything typed kept, nothing saved.
    let mut bad = listing_fields();
    bad.retain(|(k, _)| *k != "platforms");
    bad[1].1 = "x".repeat(416);
    bad[2].1 = "http://timeline.example.org/".into();
    let r = post_listing(&app, &dev, &id, &bad, None).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    for f in ["description", "website", "platforms"] {
        assert!(html.contains(&format!("id=\"{f}-error\"")), "{f}: {html}");
    }
    assert!(!html.contains("id=\"name-error\""), "{html}");
    assert!(
        html.contains("value=\"http://timeline.example.org/\""),
        "{html}"
    );
    assert!(html.contains("value=\"https://timeline.example.org/terms\""));
    let r = post_listing(
        &app,
        &dev,
        &id,
        &listing_fields(),
        Some((b"GIF89a\x01\x00\x01\x00".to_vec(), "image/gif")),
    )
    .await;
    assert_eq!(r.status(), 415);
    assert!(r.text().await.unwrap().contains("id=\"logo-error\""));
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    assert!(
        status.contains("id=\"request-state\">approved<"),
        "{status}"
    );

    // A good listing with a logo.
    let r = post_listing(
        &app,
        &dev,
        &id,
        &listing_fields(),
        Some((png(64, 64, false), "image/png")),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), format!("{status_path}?done=listing"));
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    assert!(
        status.contains("id=\"request-state\">listing_submitted<"),
        "{status}"
    );
    assert!(status.contains("class=\"privacy-label\""), "{status}");

    // Credentials: refused until a second reviewer confirms.
    let (_, staff_view) = page(&app, &alice, &staff_path).await;
    assert!(
        !staff_view.contains("id=\"issue-credentials\""),
        "{staff_view}"
    );
    let r = staff_post(&app, &alice, &id, "credentials", &[("note", "")]).await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("has not been confirmed by a second reviewer")
    );
    let r = staff_post(
        &app,
        &bob,
        &id,
        "decision",
        &[("decision", "confirm_approval")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, staff_view) = page(&app, &alice, &staff_path).await;
    assert!(
        staff_view.contains("id=\"issue-credentials\""),
        "{staff_view}"
    );
    let r = staff_post(
        &app,
        &alice,
        &id,
        "credentials",
        &[("note", "Handed over.")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let link = between(&html, "id=\"handoff-link\">", "<").to_owned();
    let path = link[link.find("/v2/accounts/credentials/").unwrap()..].to_owned();
    let mails = app.store.outbox(100).await.unwrap();
    assert!(
        mails.iter().any(|m| m.recipient == "dev@example.org"
            && m.body_text.contains("credentials are ready")
            && !m.body_text.contains(&path)),
        "the developer is told, without the link"
    );

    // Shown once, never cached; then 410.
    let (code, cache, html) = open(&app, &dev, &path).await;
    assert_eq!(code, 200, "{html}");
    assert_eq!(cache, "no-store");
    let client_id = between(&html, "id=\"client-id\">", "<").to_owned();
    let secret = between(&html, "id=\"client-secret\">", "<").to_owned();
    assert_eq!(client_id.len(), 40);
    assert_eq!(secret.len(), 128);
    let (code, _, html) = open(&app, &dev, &path).await;
    assert_eq!(code, 410);
    assert!(html.contains("already used"), "{html}");
    assert!(!html.contains(&secret));

    // A new link made by the developer expires after five minutes; a fresh one opens.
    let (_, csrf) = app.form_page(&dev.browser, &status_path).await;
    let r = app
        .post_with_csrf(&dev.browser, &format!("{status_path}handoff"), &csrf, &[])
        .await;
    assert_eq!(r.status(), 303);
    let late = location(&r);
    app.clock.advance(Duration::minutes(5));
    let (code, _, html) = open(&app, &dev, &late).await;
    assert_eq!(code, 410);
    assert!(html.contains("expired"), "{html}");
    let (_, csrf) = app.form_page(&dev.browser, &status_path).await;
    let r = app
        .post_with_csrf(&dev.browser, &format!("{status_path}handoff"), &csrf, &[])
        .await;
    let (code, _, html) = open(&app, &dev, &location(&r)).await;
    assert_eq!(code, 200);
    let new_secret = between(&html, "id=\"client-secret\">", "<").to_owned();
    assert_ne!(new_secret, secret);

    // The audit, on the staff page only.
    let (_, staff_view) = page(&app, &alice, &staff_path).await;
    let outcomes: Vec<&str> = staff_view
        .match_indices("class=\"handoff-outcome\">")
        .map(|(i, _)| {
            let rest = &staff_view[i + 24..];
            &rest[..rest.find('<').unwrap()]
        })
        .collect();
    assert_eq!(
        outcomes,
        ["shown", "used", "expired", "shown"],
        "{staff_view}"
    );
    assert!(staff_view.contains("dev@example.org"));
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    assert!(!status.contains("id=\"handoff-audit\""));

    // The newest secret works at the token endpoint; the first one no longer does.
    let client = Client {
        client_id: client_id.clone(),
        client_secret: new_secret.clone(),
        redirect_uri: "https://timeline.example.org/cb".into(),
    };
    let tokens = app.tokens_for(&client, 0).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        app.bearer_get(access, "/v2/fhir/ExplanationOfBenefit/")
            .await
            .0,
        200
    );
    let old = Client {
        client_secret: secret.clone(),
        ..client.clone()
    };
    let (code, _) = app
        .refresh(&old, tokens["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_eq!(code, 401);

    // Not in the directory until live.
    let (_, apps) = page(&app, &bob, "/apps").await;
    assert!(apps.contains("id=\"directory-empty\""), "{apps}");
    let (_, csrf) = app.form_page(&dev.browser, &status_path).await;
    let r = app
        .post_with_csrf(
            &dev.browser,
            &format!("{status_path}transition"),
            &csrf,
            &[("transition", "go_live")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = reqwest::get(app.url("/apps")).await.unwrap();
    assert_eq!(r.status(), 200);
    let apps = r.text().await.unwrap();
    assert!(apps.contains(">Timeline</h2>"), "{apps}");
    assert!(apps.contains("class=\"privacy-label\""), "{apps}");
    assert!(apps.contains("Does the app sell your data?"), "{apps}");
    assert!(apps.contains("web, ios"), "{apps}");
    assert!(!apps.contains("<script"), "no script");
    let json: Value = reqwest::get(app.url("/.well-known/applications"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["count"], 1, "{json}");
    assert_eq!(json["next"], Value::Null);
    assert_eq!(json["previous"], Value::Null);
    let entry = &json["results"][0];
    assert_eq!(entry["name"], "Timeline");
    assert_eq!(entry["website_uri"], "https://timeline.example.org/");
    assert_eq!(entry["policy_uri"], "https://timeline.example.org/privacy");
    assert_eq!(entry["tos_uri"], "https://timeline.example.org/terms");
    assert_eq!(entry["labels"][0]["slug"], "personal-health-record");
    assert_eq!(entry["platforms"], serde_json::json!(["web", "ios"]));
    assert!(entry["last_reviewed"].is_string(), "{entry}");
    assert!(entry["privacy_label"].as_array().unwrap().len() >= 10);
    let logo = entry["logo_uri"].as_str().unwrap();
    assert!(logo.starts_with("http"), "absolute, as BB2's: {logo}");
    let r = reqwest::get(app.url(&logo[logo.find("/apps/").unwrap()..]))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(
        reqwest::get(app.url("/.well-known/applications?page=2"))
            .await
            .unwrap()
            .status(),
        404
    );
}

/// The JSON API end to end, then suspension, reinstatement and revocation.
#[tokio::test]
async fn suspension_refuses_tokens_at_once_reinstatement_restores_and_revocation_delists() {
    let app = spawn_app().await.with_sandbox(1).await;
    let Approved {
        dev,
        id,
        alice,
        bob,
    } = approved(&app).await;
    let (carol, _) = staff(&app, "carol@example.org", "admin").await;
    let csrf_of = |html: &str| bb_testkit::oauth::hidden(html, "csrf_token");
    let dev_csrf = csrf_of(&page(&app, &dev.browser, "/v2/accounts/settings").await.1);
    let alice_csrf = csrf_of(&page(&app, &alice, "/v2/accounts/settings").await.1);
    let bob_csrf = csrf_of(&page(&app, &bob, "/v2/accounts/settings").await.1);
    let carol_csrf = csrf_of(&page(&app, &carol, "/v2/accounts/settings").await.1);
    let api = |p: &str| app.url(&format!("/v2/access/requests/{id}/{p}"));

    // Listing over JSON: a bad one names its fields, then a good one.
    let mut bad = listing_fields();
    bad[0].1 = String::new();
    let r = dev
        .browser
        .post(api("listing"))
        .header("x-csrf-token", &dev_csrf)
        .multipart(listing_form(None, &bad, None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["errors"]["name"].is_string(), "{body}");
    let r = dev
        .browser
        .post(api("listing"))
        .header("x-csrf-token", &dev_csrf)
        .multipart(listing_form(None, &listing_fields(), None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["listing"]["name"], "Timeline");

    // Credentials: 409 before confirmation, 201 after.
    let issue = |browser: &reqwest::Client, csrf: &str| {
        browser
            .post(api("credentials"))
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({"note": ""}))
            .send()
    };
    let r = issue(&alice, &alice_csrf).await.unwrap();
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("not been confirmed"),
        "{body}"
    );
    let r = bob
        .post(api("decision"))
        .header("x-csrf-token", &bob_csrf)
        .json(&serde_json::json!({"decision": "confirm_approval", "reason": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = issue(&alice, &alice_csrf).await.unwrap();
    assert_eq!(r.status(), 201);
    let link: Value = r.json().await.unwrap();
    let token = link["path"]
        .as_str()
        .unwrap()
        .trim_start_matches("/v2/accounts/credentials/")
        .to_owned();
    let open = |browser: &reqwest::Client, csrf: &str| {
        browser
            .post(app.url(&format!("/v2/access/credentials/{token}")))
            .header("x-csrf-token", csrf)
            .send()
    };
    let r = open(&bob, &bob_csrf).await.unwrap();
    assert_eq!(r.status(), 404, "staff cannot open it");
    let r = open(&dev.browser, &dev_csrf).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let creds: Value = r.json().await.unwrap();
    assert_eq!(open(&dev.browser, &dev_csrf).await.unwrap().status(), 410);
    let golive: Value = alice
        .get(api("golive"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let outcomes: Vec<&str> = golive["handoff_views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["unknown", "shown", "used"], "{golive}");
    assert_eq!(golive["client_id"], creds["client_id"]);

    let client = Client {
        client_id: creds["client_id"].as_str().unwrap().into(),
        client_secret: creds["client_secret"].as_str().unwrap().into(),
        redirect_uri: "https://timeline.example.org/cb".into(),
    };
    let tokens = app.tokens_for(&client, 0).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let fhir = || app.bearer_get(&access, "/v2/fhir/ExplanationOfBenefit/");
    assert_eq!(fhir().await.0, 200);

    let transition = |browser: &reqwest::Client, csrf: &str, t: &str, reason: &str| {
        browser
            .post(api("transitions"))
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({"transition": t, "reason": reason}))
            .send()
    };
    let r = transition(&dev.browser, &dev_csrf, "go_live", "")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let listed = |app: &TestApp| {
        let url = app.url("/.well-known/applications");
        async move {
            let v: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            v["count"].as_u64().unwrap()
        }
    };
    assert_eq!(listed(&app).await, 1);

    // Suspension: a reviewer may not; the admin must give a reason; then 401 at once.
    let r = transition(&alice, &alice_csrf, "suspend", "Breach report.")
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = transition(&carol, &carol_csrf, "suspend", "")
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = transition(
        &carol,
        &carol_csrf,
        "suspend",
        "Breach report under review.",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(fhir().await.0, 401);
    let (code, _) = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_ne!(code, 200, "no refresh while suspended");
    assert_eq!(listed(&app).await, 0);
    let told = app.store.outbox(200).await.unwrap();
    assert!(
        told.iter().any(|m| m.recipient == "dev@example.org"
            && m.body_text.contains("Breach report under review.")),
        "the developer is told why"
    );
    let (_, notes) = page(&app, &dev.browser, "/v2/accounts/notifications/").await;
    assert!(notes.contains("Breach report under review."), "{notes}");

    // Reinstated: the unexpired token works again.
    let r = transition(&carol, &carol_csrf, "reinstate", "")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(fhir().await.0, 200);
    assert_eq!(listed(&app).await, 1);

    // Revoked: refused, delisted, final.
    let r = transition(&carol, &carol_csrf, "revoke", "Terms broken.")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(fhir().await.0, 401);
    assert_eq!(listed(&app).await, 0);
    let r = transition(&carol, &carol_csrf, "reinstate", "")
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = dev
        .browser
        .post(api("handoff"))
        .header("x-csrf-token", &dev_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "no new link after revocation");
}

/// The generic move cannot stand in for the steps that need input.
#[tokio::test]
async fn listing_and_credentials_are_not_generic_moves() {
    let app = spawn_app().await;
    let Approved { dev, id, .. } = approved(&app).await;
    let (_, csrf) = app
        .form_page(&dev.browser, &format!("{}{id}/", base(&dev)))
        .await;
    let r = dev
        .browser
        .post(app.url(&format!("/v2/access/requests/{id}/transitions")))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"transition": "submit_listing", "reason": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["errors"]["transition"].is_string(), "{body}");
}
