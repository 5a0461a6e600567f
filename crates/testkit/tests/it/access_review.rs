//! The review of a production-access request over HTTP, as browsers of a developer and of
//! two reviewers (TOTP enrolled): slots published, a demo booked with the `.ics` e-mailed
//! to both sides (METHOD:REQUEST, DTSTART in UTC, the meeting link), rescheduled
//! (SEQUENCE:1), held with the five notes; two concerns raised and answered; approval by
//! one reviewer, their own confirmation refused with the machine's message, confirmation
//! by a second; a slot taken meanwhile refused next to its field with nothing else lost;
//! a rejection's reasons shown to the developer; 403 for developers on reviewer pages; the
//! JSON API.

use crate::access_requests::{Dev, base, dev_with_app, page, staff, staff_move, submitted};
use bb_testkit::TestApp;
use bb_testkit::oauth::{hidden, location};
use bb_testkit::spawn_app;

const LINK: &str = "https://meet.example.org/bb-demo";

/// Slot ids offered in the booking form of a page.
pub(crate) fn slot_ids(html: &str) -> Vec<String> {
    let Some(start) = html.find("<select id=\"slot\"") else {
        return Vec::new();
    };
    let end = start + html[start..].find("</select>").unwrap();
    html[start..end]
        .split("<option value=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

/// A reviewer publishes slots on Tuesday 2026-12-08 (New York time).
pub(crate) async fn publish(app: &TestApp, reviewer: &reqwest::Client, times: &str) {
    let (_, csrf) = app.form_page(reviewer, "/v2/staff/access/slots").await;
    let r = app
        .post_with_csrf(
            reviewer,
            "/v2/staff/access/slots",
            &csrf,
            &[
                ("date", "2026-12-08"),
                ("times", times),
                ("meeting_link", LINK),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
}

/// Posts a form of the developer's status page.
pub(crate) async fn dev_post(
    app: &TestApp,
    dev: &Dev,
    id: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let status = format!("{}{id}/", base(dev));
    let (_, csrf) = app.form_page(&dev.browser, &status).await;
    app.post_with_csrf(&dev.browser, &format!("{status}{action}"), &csrf, fields)
        .await
}

/// Posts a form of the staff request page.
pub(crate) async fn staff_post(
    app: &TestApp,
    browser: &reqwest::Client,
    id: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let path = format!("/v2/staff/access/requests/{id}/");
    let (_, csrf) = app.form_page(browser, &path).await;
    app.post_with_csrf(browser, &format!("{path}{action}"), &csrf, fields)
        .await
}

/// The `.ics` attachments of the outbox mails to `to`, newest first.
async fn invitations(app: &TestApp, to: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in app.store.outbox(100).await.unwrap() {
        if m.recipient != to {
            continue;
        }
        for f in app.store.mail_attachments(m.id).await.unwrap() {
            if f.name == "demo.ics" {
                out.push((f.content_type, String::from_utf8(f.bytes).unwrap()));
            }
        }
    }
    out
}

#[tokio::test]
async fn a_demo_is_booked_moved_held_and_the_approval_needs_a_second_reviewer() {
    let app = spawn_app().await;
    let (alice, _) = staff(&app, "alice@example.org", "reviewer").await;
    let (bob, _) = staff(&app, "bob@example.org", "reviewer").await;
    let dev = dev_with_app(&app, "dev@example.org", "Timeline Inc").await;
    let id = submitted(&app, &dev).await;
    let status_path = format!("{}{id}/", base(&dev));
    let staff_path = format!("/v2/staff/access/requests/{id}/");
    assert_eq!(
        staff_move(&app, &alice, &id, "claim", "").await.status(),
        303
    );

    // Alice publishes two slots (New York 10:00 and 11:00 = 15:00 and 16:00 UTC).
    publish(&app, &alice, "10:00, 11:00").await;
    let (_, slots) = page(&app, &alice, "/v2/staff/access/slots?done=published").await;
    assert!(slots.contains("The slots are published."), "{slots}");
    assert_eq!(slots.matches("class=\"slot\"").count(), 2, "{slots}");
    assert!(slots.contains("2026-12-08 15:00 UTC"), "{slots}");

    // The developer books the first.
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    let offered = slot_ids(&status);
    assert_eq!(offered.len(), 2, "{status}");
    let r = dev_post(&app, &dev, &id, "demo/book", &[("slot", &offered[0])]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), format!("{status_path}?done=booked"));
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    assert!(
        status.contains("id=\"request-state\">demo_scheduled<"),
        "{status}"
    );
    assert!(status.contains("id=\"demo-ics\""), "{status}");
    for who in ["dev@example.org", "alice@example.org"] {
        let ics = invitations(&app, who).await;
        assert_eq!(ics.len(), 1, "{who}: {ics:?}");
        let (content_type, text) = &ics[0];
        assert!(content_type.contains("method=REQUEST"), "{content_type}");
        assert!(text.contains("METHOD:REQUEST\r\n"), "{text}");
        assert!(text.contains("DTSTART:20261208T150000Z\r\n"), "{text}");
        assert!(text.contains("SEQUENCE:0\r\n"), "{text}");
        assert!(text.contains(&format!("URL:{LINK}\r\n")), "{text}");
    }
    assert!(
        invitations(&app, "bob@example.org").await.is_empty(),
        "only the slot's reviewer is invited"
    );
    let r = dev
        .browser
        .get(app.url(&format!("{status_path}demo.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(r.text().await.unwrap().contains("METHOD:REQUEST"));

    // Rescheduled to the second slot: the same UID, SEQUENCE:1, 16:00 UTC.
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    assert!(status.contains("id=\"reschedule-demo\""), "{status}");
    let others = slot_ids(&status);
    assert_eq!(
        others,
        vec![offered[1].clone()],
        "the booked slot is not offered"
    );
    let r = dev_post(&app, &dev, &id, "demo/reschedule", &[("slot", &others[0])]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    for who in ["dev@example.org", "alice@example.org"] {
        let ics = invitations(&app, who).await;
        assert_eq!(ics.len(), 2, "{who}");
        let newest = &ics[0].1;
        assert!(newest.contains("SEQUENCE:1\r\n"), "{newest}");
        assert!(newest.contains("DTSTART:20261208T160000Z\r\n"), "{newest}");
        let uid = |t: &str| {
            t.lines()
                .find(|l| l.starts_with("UID:"))
                .unwrap()
                .to_owned()
        };
        assert_eq!(uid(newest), uid(&ics[1].1));
    }

    // Alice holds the demo: every note is needed; what was typed is kept.
    let r = staff_post(
        &app,
        &alice,
        &id,
        "demo/hold",
        &[("demo_account_creation", "Sign-up with e-mail and password.")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"demo_data_use-error\""), "{html}");
    assert!(html.contains("Sign-up with e-mail and password."), "{html}");
    let notes = [
        ("demo_account_creation", "Sign-up with e-mail and password."),
        (
            "demo_medicare_authorization",
            "Consent screen shown before the redirect.",
        ),
        ("demo_data_display", "Claims on a timeline."),
        ("demo_data_use", "Only for the timeline."),
        ("demo_sharing", "No sharing."),
    ];
    let r = staff_post(&app, &alice, &id, "demo/hold", &notes).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    // Two concerns at once.
    let r = staff_post(
        &app,
        &alice,
        &id,
        "concerns",
        &[
            ("concern_0_severity", "high"),
            ("concern_0", "The consent screen does not name Medicare."),
            ("concern_1_severity", "low"),
            ("concern_1", "The privacy policy link is broken."),
            ("concern_2_severity", "medium"),
            ("concern_2", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    assert!(
        status.contains("id=\"request-state\">concerns_open<"),
        "{status}"
    );
    assert!(
        status.contains("Claims on a timeline."),
        "the notes: {status}"
    );
    assert_eq!(status.matches("class=\"concern\"").count(), 2, "{status}");
    let fields: Vec<String> = status
        .match_indices("name=\"response_")
        .map(|(i, _)| {
            let rest = &status[i + 6..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect();
    assert_eq!(fields.len(), 2, "{status}");

    // Both must be answered: one missing is named, the other answer kept.
    let r = dev_post(
        &app,
        &dev,
        &id,
        "responses",
        &[(&fields[0], "Fixed: it says Medicare now.")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("id=\"{}-error\"", fields[1])),
        "{html}"
    );
    assert!(html.contains("Fixed: it says Medicare now."), "{html}");
    let r = dev_post(
        &app,
        &dev,
        &id,
        "responses",
        &[
            (&fields[0], "Fixed: it says Medicare now."),
            (&fields[1], "The link works again."),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, staff_view) = page(&app, &alice, &staff_path).await;
    assert!(
        staff_view.contains("id=\"request-state\">developer_responded<"),
        "{staff_view}"
    );
    assert!(staff_view.contains("The link works again."), "{staff_view}");

    // The checklist: a verdict and a note kept.
    let r = staff_post(
        &app,
        &alice,
        &id,
        "checks",
        &[
            ("check_consent", "met"),
            ("check_consent_note", "Shown at sign-up."),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, staff_view) = page(&app, &alice, &staff_path).await;
    assert!(
        staff_view.contains("value=\"Shown at sign-up.\""),
        "{staff_view}"
    );

    // Alice approves; she is not offered the confirmation, and is refused it.
    let r = staff_post(
        &app,
        &alice,
        &id,
        "decision",
        &[
            ("decision", "approve"),
            ("approve_reason", "Everything is in order."),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, staff_view) = page(&app, &alice, &staff_path).await;
    assert!(
        staff_view.contains("id=\"awaiting-confirmation\""),
        "{staff_view}"
    );
    assert!(
        !staff_view.contains("id=\"confirm-approval\""),
        "{staff_view}"
    );
    let r = staff_post(
        &app,
        &alice,
        &id,
        "decision",
        &[("decision", "confirm_approval")],
    )
    .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("approved this request and cannot also confirm it"),
        "{html}"
    );

    // Bob confirms.
    let (_, bob_view) = page(&app, &bob, &staff_path).await;
    assert!(bob_view.contains("id=\"confirm-approval\""), "{bob_view}");
    let r = staff_post(
        &app,
        &bob,
        &id,
        "decision",
        &[("decision", "confirm_approval")],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    for (who, path) in [
        (&dev.browser, &status_path),
        (&alice, &staff_path),
        (&bob, &staff_path),
    ] {
        let (_, html) = page(&app, who, path).await;
        assert!(html.contains("id=\"request-state\">approved<"), "{html}");
        assert!(!html.contains("id=\"awaiting-confirmation\""), "{html}");
        assert!(!html.contains("id=\"confirmed-by\">nobody yet"), "{html}");
        assert!(!html.contains("id=\"approved-by\">nobody yet"), "{html}");
    }
}

#[tokio::test]
async fn a_slot_taken_meanwhile_is_refused_next_to_the_field_and_nothing_else_is_lost() {
    let app = spawn_app().await;
    let (alice, _) = staff(&app, "alice@example.org", "reviewer").await;
    let one = dev_with_app(&app, "one@example.org", "One Inc").await;
    let two = dev_with_app(&app, "two@example.org", "Two Inc").await;
    let first = submitted(&app, &one).await;
    let second = submitted(&app, &two).await;
    for id in [&first, &second] {
        assert_eq!(
            staff_move(&app, &alice, id, "claim", "").await.status(),
            303
        );
    }
    publish(&app, &alice, "09:00 13:00").await;

    // Both see both slots; the first developer books the 09:00 one.
    let (_, page_two) = page(&app, &two.browser, &format!("{}{second}/", base(&two))).await;
    let seen = slot_ids(&page_two);
    assert_eq!(seen.len(), 2);
    let r = dev_post(&app, &one, &first, "demo/book", &[("slot", &seen[0])]).await;
    assert_eq!(r.status(), 303);

    // The second developer's post of the same slot.
    let r = dev_post(&app, &two, &second, "demo/book", &[("slot", &seen[0])]).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    let error = html
        .find("id=\"slot-error\">")
        .expect("error next to the slot");
    assert!(
        html[error..].starts_with("id=\"slot-error\">that slot was just taken"),
        "{html}"
    );
    assert!(html.contains("aria-describedby=\"slot-error\""), "{html}");
    assert!(html.contains("id=\"request-state\">in_review<"), "{html}");
    assert_eq!(
        slot_ids(&html),
        vec![seen[1].clone()],
        "the other slot is still offered"
    );
    assert!(
        html.contains("Shows enrollees a timeline of their claims."),
        "{html}"
    );
    assert!(html.contains("id=\"demo-none\""), "no demo written: {html}");
    assert!(invitations(&app, "two@example.org").await.is_empty());

    // The other slot still books.
    let r = dev_post(&app, &two, &second, "demo/book", &[("slot", &seen[1])]).await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn a_rejection_shows_its_reasons_and_developers_get_403_on_reviewer_pages() {
    let app = spawn_app().await;
    let (alice, _) = staff(&app, "alice@example.org", "reviewer").await;
    let dev = dev_with_app(&app, "dev@example.org", "Timeline Inc").await;
    let id = submitted(&app, &dev).await;
    assert_eq!(
        staff_move(&app, &alice, &id, "claim", "").await.status(),
        303
    );

    // Developers are refused on the reviewer's pages and forms.
    let (_, csrf) = app
        .form_page(&dev.browser, &format!("{}{id}/", base(&dev)))
        .await;
    for path in [
        "/v2/staff/access/slots".to_owned(),
        format!("/v2/staff/access/requests/{id}/demo.ics"),
    ] {
        let (code, _) = page(&app, &dev.browser, &path).await;
        assert_eq!(code, 403, "{path}");
    }
    for action in ["decision", "concerns", "checks", "demo/hold"] {
        let r = app
            .post_with_csrf(
                &dev.browser,
                &format!("/v2/staff/access/requests/{id}/{action}"),
                &csrf,
                &[("decision", "approve"), ("approve_reason", "mine")],
            )
            .await;
        assert_eq!(r.status(), 403, "{action}");
    }

    // A rejection needs reasons, then shows them to the developer.
    let r = staff_post(
        &app,
        &alice,
        &id,
        "decision",
        &[("decision", "reject"), ("reject_reason", " ")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"reject_reason-error\""), "{html}");
    let reasons = "The app shares data with advertisers.";
    let r = staff_post(
        &app,
        &alice,
        &id,
        "decision",
        &[("decision", "reject"), ("reject_reason", reasons)],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, status) = page(&app, &dev.browser, &format!("{}{id}/", base(&dev))).await;
    assert!(
        status.contains("id=\"request-state\">rejected<"),
        "{status}"
    );
    assert!(status.contains(reasons), "{status}");
    assert!(!status.contains("id=\"book-demo\""), "{status}");
}

#[tokio::test]
async fn the_json_api_books_holds_and_approves() {
    let app = spawn_app().await;
    let (alice, _) = staff(&app, "alice@example.org", "reviewer").await;
    let dev = dev_with_app(&app, "dev@example.org", "Timeline Inc").await;
    let id = submitted(&app, &dev).await;
    assert_eq!(
        staff_move(&app, &alice, &id, "claim", "").await.status(),
        303
    );
    let (acct, _) = app.form_page(&alice, "/v2/accounts/settings").await;
    let staff_csrf = hidden(&acct, "csrf_token");
    let (html, _) = app.form_page(&dev.browser, &base(&dev)).await;
    let dev_csrf = hidden(&html, "csrf_token");

    // Publish: a bad link is named; then two slots.
    let r = alice
        .post(app.url("/v2/access/slots"))
        .header("x-csrf-token", &staff_csrf)
        .json(&serde_json::json!({"date": "2026-12-08", "times": "10:00", "meeting_link": "http://x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["errors"]["meeting_link"].is_string(), "{body}");
    let r = alice
        .put(app.url("/v2/access/meeting-link"))
        .header("x-csrf-token", &staff_csrf)
        .json(&serde_json::json!({"meeting_link": LINK}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = alice
        .post(app.url("/v2/access/slots"))
        .header("x-csrf-token", &staff_csrf)
        .json(&serde_json::json!({"date": "2026-12-08", "times": "10:00 11:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["published"], 2);

    // The developer lists and books without CSRF (403), then with it.
    let slots: serde_json::Value = dev
        .browser
        .get(app.url("/v2/access/slots"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(slots.as_array().unwrap().len(), 2, "{slots}");
    assert_eq!(slots[0]["starts_at"], "2026-12-08T15:00:00Z");
    let slot = slots[0]["id"].as_str().unwrap().to_owned();
    let book = |csrf: &str| {
        dev.browser
            .post(app.url(&format!("/v2/access/requests/{id}/demo")))
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({"slot": slot}))
    };
    assert_eq!(book("wrong").send().await.unwrap().status(), 403);
    let r = book(&dev_csrf).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let review: serde_json::Value = r.json().await.unwrap();
    assert_eq!(review["demos"][0]["status"], "booked");
    assert_eq!(review["demos"][0]["meeting_link"], LINK, "the default link");
    let r = book(&dev_csrf).send().await.unwrap();
    assert_eq!(r.status(), 409, "already scheduled");
    let r = dev
        .browser
        .get(app.url(&format!("/v2/access/requests/{id}/demo.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ics = r.text().await.unwrap();
    assert!(
        ics.contains("METHOD:REQUEST\r\n") && ics.contains("DTSTART:20261208T150000Z"),
        "{ics}"
    );

    // Alice holds the demo and approves; the review says it awaits a second reviewer.
    let r = alice
        .post(app.url(&format!("/v2/access/requests/{id}/demo/held")))
        .header("x-csrf-token", &staff_csrf)
        .json(&serde_json::json!({"notes": {
            "account_creation": "ok", "medicare_authorization": "ok", "data_display": "ok",
            "data_use": "ok", "sharing": "none"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = alice
        .post(app.url(&format!("/v2/access/requests/{id}/decision")))
        .header("x-csrf-token", &staff_csrf)
        .json(&serde_json::json!({"decision": "approve", "reason": "Good."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = alice
        .post(app.url(&format!("/v2/access/requests/{id}/decision")))
        .header("x-csrf-token", &staff_csrf)
        .json(&serde_json::json!({"decision": "confirm_approval"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let review: serde_json::Value = dev
        .browser
        .get(app.url(&format!("/v2/access/requests/{id}/review")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(review["awaiting_confirmation"], true, "{review}");
    assert_eq!(review["demos"][0]["status"], "held");
    assert_eq!(review["checks"].as_array().unwrap().len(), 0, "staff only");
}
