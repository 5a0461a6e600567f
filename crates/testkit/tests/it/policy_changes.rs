//! Journey J5 over HTTP: a live app's developer submits a policy change (new privacy
//! policy and the notification to enrollees); bad files are refused next to their field
//! with nothing saved; the team is told and sees the change in its queue with the due date
//! (5 business days) and, once late, highlighted; the reviewer reads the word diff, the
//! reports side by side and the notice; requests changes (a reason is required); the
//! developer resubmits; the reviewer approves; the new version is published and dated,
//! while before the approval the old one was. The JSON API reads the same.
//!
//! The request reaches `live` by the store: the post-approval moves (listing, credentials,
//! going live) are built in parallel with their own effects, so the test writes the
//! `go_live` move with both reviewers' approval directly (`apply_access_transition`).

use crate::access_requests::{
    Dev, accept_terms, base, dev_with_app, full_fields, page, post_form, staff, start,
};
use bb_domain::access::calendar::BusinessCalendar;
use bb_domain::access::sla::Sla;
use bb_domain::clock::Clock;
use bb_store::{AccessStatusChange, SlaChange};
use bb_testkit::oauth::{hidden, location};
use bb_testkit::{TestApp, spawn_app};
use chrono::Duration;
use reqwest::multipart::{Form, Part};

/// A one-page PDF whose text layer holds `lines` (Helvetica, uncompressed), with a correct
/// cross-reference table.
fn text_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT\n/F1 11 Tf\n14 TL\n72 740 Td\n");
    for line in lines {
        let escaped = line
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        content.push_str(&format!("({escaped}) Tj T*\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [4 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

const OLD_POLICY: &[&str] = &[
    "Privacy Policy",
    "We collect your Medicare claims when you connect your account.",
    "We keep your claims for ten years.",
    "We never sell your data.",
];

const NEW_POLICY: &[&str] = &[
    "Privacy Policy",
    "We collect your Medicare claims when you connect your account.",
    "We keep your claims for one year and then delete them.",
    "We never sell your data.",
];

const NEWER_POLICY: &[&str] = &[
    "Privacy Policy",
    "We collect your Medicare claims when you connect your account.",
    "We keep your claims for one year and then securely delete them.",
    "We never sell your data.",
    "We will e-mail you 30 days before any change to this policy.",
];

const NOTICE: &str = "From May 1 we keep your claims for one year instead of ten.";

/// A submitted request with text-layer documents, claimed, then made live by the store.
async fn live_request(app: &TestApp, dev: &Dev, alice: &str, bob: &str) -> String {
    accept_terms(app, dev).await;
    let id = start(app, dev).await;
    let r = post_form(
        app,
        dev,
        &id,
        "submit",
        &full_fields(dev, &[]),
        vec![
            (
                "terms",
                text_pdf(&["Terms of Service", "Use the app lawfully."]),
                "application/pdf",
            ),
            ("privacy_policy", text_pdf(OLD_POLICY), "application/pdf"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let moved = app
        .store
        .apply_access_transition(
            &AccessStatusChange {
                request_id: id.clone(),
                from_state: "submitted".into(),
                from_approved_by: None,
                from_confirmed_by: None,
                to_state: "live".into(),
                approved_by: Some(alice.to_owned()),
                confirmed_by: Some(bob.to_owned()),
                assignee: Some(Some(alice.to_owned())),
                submitted_at: None,
                terms_version: None,
                sla: SlaChange::Stop {
                    at: app.clock.now().timestamp_millis(),
                },
                transition: "go_live".into(),
                actor_id: "dev".into(),
                role: "developer".into(),
                at: app.clock.now().timestamp_millis(),
                reason: String::new(),
            },
            &[],
            &[],
        )
        .await
        .unwrap();
    assert!(moved);
    id
}

/// Posts the new-change form (or the resubmission) as multipart.
async fn post_change(
    app: &TestApp,
    dev: &Dev,
    path: &str,
    form_page: &str,
    notice: &str,
    files: Vec<(&'static str, Vec<u8>, &str)>,
) -> reqwest::Response {
    let (_, csrf) = app.form_page(&dev.browser, form_page).await;
    let mut form = Form::new()
        .text("csrf_token", csrf)
        .text("notice", notice.to_owned());
    for (name, bytes, mime) in files {
        form = form.part(
            name,
            Part::bytes(bytes)
                .file_name(format!("{name}.pdf"))
                .mime_str(mime)
                .unwrap(),
        );
    }
    dev.browser
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Posts a reviewer's move on a change page.
async fn staff_change_move(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (_, csrf) = app.form_page(browser, path).await;
    app.post_with_csrf(browser, &format!("{path}transition"), &csrf, fields)
        .await
}

async fn json(browser: &reqwest::Client, app: &TestApp, path: &str) -> (u16, serde_json::Value) {
    let r = browser.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_policy_change_is_reviewed_on_a_diff_and_published_only_when_approved() {
    let app = spawn_app().await;
    let (alice, alice_id) = staff(&app, "alice-pc@example.org", "reviewer").await;
    let (_bob, bob_id) = staff(&app, "bob-pc@example.org", "reviewer").await;
    let dev = dev_with_app(&app, "dev-pc@example.org", "Policy Labs").await;
    let id = live_request(&app, &dev, &alice_id, &bob_id).await;
    let overview = format!("{}{id}/policy-changes/", base(&dev));

    // The request page links the policy changes; the overview shows what is published.
    let (_, status) = page(&app, &dev.browser, &format!("{}{id}/", base(&dev))).await;
    assert!(status.contains("id=\"policy-changes-link\""), "{status}");
    let (code, html) = page(&app, &dev.browser, &overview).await;
    assert_eq!(code, 200, "{html}");
    assert!(html.contains("id=\"published-privacy_policy\""), "{html}");
    assert!(html.contains("the request, version 1"), "{html}");
    assert!(html.contains("id=\"change-form\""), "{html}");
    let (_, before) = json(
        &dev.browser,
        &app,
        &format!("/v2/access/requests/{id}/published-documents"),
    )
    .await;
    let published_at = before[0]["published_at"].as_str().unwrap().to_owned();
    assert_eq!(before[0]["kind"], "privacy_policy");
    assert_eq!(before[0]["source"], "request");

    // Bad files and a missing notice: refused by field, nothing saved.
    let r = post_change(
        &app,
        &dev,
        &overview,
        &overview,
        NOTICE,
        vec![(
            "privacy_policy",
            b"<html>not a pdf</html>".to_vec(),
            "text/html",
        )],
    )
    .await;
    assert_eq!(r.status(), 415);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"privacy_policy-error\""), "{html}");
    assert!(html.contains(NOTICE), "the notice typed is kept: {html}");
    let mut damaged = text_pdf(NEW_POLICY);
    damaged.truncate(damaged.len() - 40);
    let r = post_change(
        &app,
        &dev,
        &overview,
        &overview,
        "",
        vec![("privacy_policy", damaged, "application/pdf")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"privacy_policy-error\""), "{html}");
    assert!(html.contains("id=\"notice-error\""), "{html}");
    let r = post_change(&app, &dev, &overview, &overview, NOTICE, vec![]).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("id=\"documents-error\""));
    assert!(app.store.policy_changes_of(&id).await.unwrap().is_empty());

    // Submitted: the team is told; the due date is 5 business days on the calendar.
    let mails_before = app.store.outbox(100).await.unwrap().len();
    let submitted_at = app.clock.now();
    let r = post_change(
        &app,
        &dev,
        &overview,
        &overview,
        NOTICE,
        vec![("privacy_policy", text_pdf(NEW_POLICY), "application/pdf")],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let change_path = location(&r).trim_end_matches("?done=submitted").to_owned();
    let change = change_path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let due = Sla::PolicyChangeDecision.due(&BusinessCalendar::default(), submitted_at);
    let due_text = due.format("%Y-%m-%d %H:%M UTC").to_string();
    let (_, html) = page(&app, &dev.browser, &change_path).await;
    assert!(html.contains("id=\"change-state\">submitted<"), "{html}");
    assert!(html.contains(&due_text), "{due_text}: {html}");
    let mails = app.store.outbox(100).await.unwrap();
    assert_eq!(mails.len(), mails_before + 2, "both reviewers are told");
    assert!(mails.iter().any(|m| m.recipient == "alice-pc@example.org"));
    // A second open change is refused.
    let (_, html) = page(&app, &dev.browser, &overview).await;
    assert!(
        !html.contains("id=\"change-form\""),
        "one open change at a time"
    );

    // The reviewer's queue lists it with its due date.
    let (_, queue) = page(&app, &alice, "/v2/staff/access/").await;
    assert!(
        queue.contains(&format!("id=\"change-{change}\"")),
        "{queue}"
    );
    assert!(queue.contains(&due_text), "{queue}");
    let (_, listed) = json(&alice, &app, "/v2/staff/access/policy-changes").await;
    assert_eq!(listed[0]["id"], change.as_str());

    // The reviewer's page: the diff, the reports side by side, the notice.
    let staff_path = format!("/v2/staff/access/requests/{id}/policy-changes/{change}/");
    let (code, html) = page(&app, &alice, &staff_path).await;
    assert_eq!(code, 200, "{html}");
    assert!(html.contains("id=\"diff-privacy_policy-text\""), "{html}");
    assert!(
        html.contains("<del><span class=\"visually-hidden\">[deleted: </span> ten years<span"),
        "{html}"
    );
    assert!(html.contains("one year and then delete them"), "{html}");
    assert!(
        html.contains("<ins><span class=\"visually-hidden\">[inserted: </span>"),
        "{html}"
    );
    assert!(html.contains("id=\"report-compare\""), "{html}");
    assert_eq!(html.matches("<tr id=\"compare-").count(), 15 + 3, "{html}");
    assert!(html.contains(NOTICE), "{html}");
    assert!(!html.contains("id=\"move-approve\""), "claim first");
    assert_eq!(
        staff_change_move(&app, &alice, &staff_path, &[("transition", "claim")])
            .await
            .status(),
        303
    );

    // Request changes: a reason is required; then the developer reads it.
    let r = staff_change_move(
        &app,
        &alice,
        &staff_path,
        &[
            ("transition", "request_changes"),
            ("request_changes_reason", " "),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("id=\"request_changes_reason-error\"")
    );
    let r = staff_change_move(
        &app,
        &alice,
        &staff_path,
        &[
            ("transition", "request_changes"),
            (
                "request_changes_reason",
                "Say how enrollees are told of later changes.",
            ),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &dev.browser, &change_path).await;
    assert!(
        html.contains("id=\"change-state\">changes_requested<"),
        "{html}"
    );
    assert!(
        html.contains("Say how enrollees are told of later changes."),
        "{html}"
    );
    assert!(html.contains("id=\"resubmit-form\""), "{html}");

    // Before approval, the old version is what is published.
    let (_, now_published) = json(
        &dev.browser,
        &app,
        &format!("/v2/access/requests/{id}/published-documents"),
    )
    .await;
    assert_eq!(now_published, before);

    // Resubmitted with a new draft.
    app.clock.advance(Duration::hours(1));
    let r = post_change(
        &app,
        &dev,
        &format!("{change_path}resubmit"),
        &change_path,
        NOTICE,
        vec![("privacy_policy", text_pdf(NEWER_POLICY), "application/pdf")],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, html) = page(&app, &alice, &staff_path).await;
    assert!(html.contains("id=\"change-state\">in_review<"), "{html}");
    assert!(html.contains("draft version 2"), "{html}");
    assert!(html.contains("30 days before any change"), "{html}");

    // Approved: the new version is published, dated now; the terms stay.
    app.clock.advance(Duration::hours(1));
    let approved_at = app.clock.now();
    let r = staff_change_move(
        &app,
        &alice,
        &staff_path,
        &[
            ("transition", "approve"),
            ("approve_reason", "Clear and complete."),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, after) = json(
        &dev.browser,
        &app,
        &format!("/v2/access/requests/{id}/published-documents"),
    )
    .await;
    assert_eq!(after[0]["kind"], "privacy_policy");
    assert_eq!(after[0]["source"], "change");
    assert_eq!(after[0]["change_id"], change.as_str());
    assert_eq!(after[0]["version"], 2);
    assert_eq!(
        after[0]["published_at"],
        approved_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    assert_ne!(after[0]["published_at"].as_str().unwrap(), published_at);
    assert_eq!(after[1]["kind"], "terms");
    assert_eq!(after[1]["source"], "request");
    let (_, html) = page(&app, &dev.browser, &overview).await;
    assert!(html.contains("policy change, draft version 2"), "{html}");
    assert!(
        html.contains("id=\"change-form\""),
        "a new change can be sent"
    );
    let (_, body) = json(
        &dev.browser,
        &app,
        &format!("/v2/access/policy-changes/{change}"),
    )
    .await;
    assert_eq!(body["state"], "approved");
    assert_eq!(body["history"].as_array().unwrap().len(), 5);
    let notes = app.store.notifications_of(&alice_id, 50).await.unwrap();
    assert!(
        notes.iter().any(|n| n.body.contains("Policy change")),
        "{notes:?}"
    );
}

#[tokio::test]
async fn late_changes_are_highlighted_and_the_json_api_drives_a_change() {
    let app = spawn_app().await;
    let (alice, alice_id) = staff(&app, "alice-late@example.org", "reviewer").await;
    let (_, bob_id) = staff(&app, "bob-late@example.org", "reviewer").await;
    let dev = dev_with_app(&app, "dev-late@example.org", "Late Labs").await;
    let id = live_request(&app, &dev, &alice_id, &bob_id).await;
    let (html, _) = app.form_page(&dev.browser, &base(&dev)).await;
    let csrf = hidden(&html, "csrf_token");

    // Submitted over JSON: a bad file names its field; a good one is 201.
    let form = Form::new()
        .text("notice", NOTICE)
        .part("terms", Part::bytes(b"GIF89a".to_vec()).file_name("t.gif"));
    let r = dev
        .browser
        .post(app.url(&format!("/v2/access/requests/{id}/policy-changes")))
        .header("x-csrf-token", csrf.clone())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["errors"]["terms"].is_string(), "{body}");
    let form = Form::new().text("notice", NOTICE).part(
        "terms",
        Part::bytes(text_pdf(&[
            "Terms of Service",
            "Use the app lawfully and kindly.",
        ]))
        .file_name("t.pdf"),
    );
    let r = dev
        .browser
        .post(app.url(&format!("/v2/access/requests/{id}/policy-changes")))
        .header("x-csrf-token", csrf.clone())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    let change = body["id"].as_str().unwrap().to_owned();
    assert_eq!(body["state"], "submitted");
    assert_eq!(body["diffs"][0]["kind"], "terms");
    assert!(
        body["diffs"][0]["inserted"].as_u64().unwrap() >= 2,
        "{body}"
    );
    assert_eq!(body["moves"], serde_json::json!(["withdraw"]));
    // A developer cannot approve: 409 with the allowed moves.
    let r = dev
        .browser
        .post(app.url(&format!("/v2/access/policy-changes/{change}/transitions")))
        .header("x-csrf-token", csrf.clone())
        .json(&serde_json::json!({"transition": "approve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("allowed from submitted"),
        "{body}"
    );

    // Withdrawn by the developer over JSON: the queue is empty again.
    let r = dev
        .browser
        .post(app.url(&format!("/v2/access/policy-changes/{change}/transitions")))
        .header("x-csrf-token", csrf.clone())
        .json(&serde_json::json!({"transition": "withdraw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, listed) = json(&alice, &app, "/v2/staff/access/policy-changes").await;
    assert_eq!(listed, serde_json::json!([]));

    // Another change; eight calendar days later its decision is overdue: highlighted in
    // the queue (seen by a reviewer signed in then; the earlier sessions have ended).
    let form = Form::new().text("notice", NOTICE).part(
        "terms",
        Part::bytes(text_pdf(&["Terms of Service", "Use the app lawfully."])).file_name("t.pdf"),
    );
    let r = dev
        .browser
        .post(app.url(&format!("/v2/access/requests/{id}/policy-changes")))
        .header("x-csrf-token", csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    let change = body["id"].as_str().unwrap().to_owned();
    assert_eq!(body["diffs"][0]["inserted"], 0, "the same terms: {body}");
    let (_, queue) = page(&app, &alice, "/v2/staff/access/").await;
    let row_start = queue.find(&format!("id=\"change-{change}\"")).unwrap();
    let row_open = queue[..row_start].rfind("<tr").unwrap();
    assert!(!queue[row_open..row_start].contains("overdue"), "{queue}");
    app.clock.advance(Duration::days(8));
    let (carol, _) = staff(&app, "carol-late@example.org", "reviewer").await;
    let (_, queue) = page(&app, &carol, "/v2/staff/access/").await;
    let row_start = queue.find(&format!("id=\"change-{change}\"")).unwrap();
    let row_open = queue[..row_start].rfind("<tr").unwrap();
    assert!(queue[row_open..row_start].contains("overdue"), "{queue}");
    assert!(queue[row_start..].contains("— overdue"), "{queue}");
    let (_, listed) = json(&carol, &app, "/v2/staff/access/policy-changes").await;
    assert_eq!(listed[0]["overdue"], true);
    // Developers get 403 on the staff queue.
    let other = dev_with_app(&app, "other-late@example.org", "Other Labs").await;
    let (code, _) = json(&other.browser, &app, "/v2/staff/access/policy-changes").await;
    assert_eq!(code, 403);
}
