//! Production-access requests over HTTP, as browsers of a developer and of reviewers:
//! the terms of service accepted before a submission; drafts saved partially; non-PDF
//! (415), oversized (413) and damaged (400) files refused next to their field; a missing
//! attestation named and nothing lost; submission with its due date on both sides, the
//! reviewers' e-mail and in-app notification; claim, request changes with a reason,
//! resubmission; queue filters with the fake clock past the due date; 403 for developers on
//! staff pages; of two concurrent claims one wins and the other gets 409; the JSON API.

use crate::portal_apps::{app_id_of, developer, register};
use bb_domain::clock::Clock;
use bb_domain::totp::{TotpSecret, step_of};
use bb_testkit::TestApp;
use bb_testkit::oauth::{hidden, location};
use bb_testkit::portal::base32_decode;
use bb_testkit::spawn_app;
use chrono::Duration;
use reqwest::multipart::{Form, Part};

const CHECKLIST: [&str; 15] = [
    "collection",
    "consent",
    "disclosure",
    "access",
    "security",
    "retention_deletion",
    "sharing",
    "sharing_duration",
    "deidentified",
    "revocation",
    "dormant_accounts",
    "policy_changes",
    "vendors",
    "breach",
    "sale_of_company",
];

/// A small well-formed PDF.
fn pdf(label: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {label}\nxref\n0 1\n0000000000 65535 f \ntrailer << /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"
    )
    .into_bytes()
}

pub(crate) struct Dev {
    pub(crate) browser: reqwest::Client,
    pub(crate) org: String,
    pub(crate) app_id: String,
}

pub(crate) async fn dev_with_app(app: &TestApp, email: &str, org_name: &str) -> Dev {
    let (browser, csrf, org) = developer(app, email, org_name).await;
    let html = register(app, &browser, &csrf, &org, &format!("{org_name} app")).await;
    Dev {
        browser,
        org,
        app_id: app_id_of(&html),
    }
}

pub(crate) fn base(dev: &Dev) -> String {
    format!("/v2/accounts/organizations/{}/production-access/", dev.org)
}

/// Starts a draft; its id.
pub(crate) async fn start(app: &TestApp, dev: &Dev) -> String {
    let (_, csrf) = app.form_page(&dev.browser, &base(dev)).await;
    let r = app
        .post_with_csrf(&dev.browser, &format!("{}new", base(dev)), &csrf, &[])
        .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    let id = to
        .trim_end_matches("/edit")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(to, format!("{}{id}/edit", base(dev)));
    id
}

pub(crate) fn full_fields(dev: &Dev, skip: &[&str]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = vec![
        ("application".into(), dev.app_id.clone()),
        (
            "use_case".into(),
            "Shows enrollees a timeline of their claims.".into(),
        ),
        (
            "redirect_uris".into(),
            "https://timeline.example.org/cb\ncom.example.timeline:/cb".into(),
        ),
        ("contact_name".into(), "Ada Lovelace".into()),
        ("contact_email".into(), "ada@example.org".into()),
        ("contact_phone".into(), "+1 202 555 0123".into()),
    ];
    for id in CHECKLIST {
        fields.push((format!("attest_{id}"), "on".into()));
    }
    fields.retain(|(k, _)| !skip.contains(&k.as_str()));
    fields
}

/// Posts the request form (multipart) with `action` and files `(field, bytes, mime)`.
pub(crate) async fn post_form(
    app: &TestApp,
    dev: &Dev,
    id: &str,
    action: &str,
    fields: &[(String, String)],
    files: Vec<(&'static str, Vec<u8>, &str)>,
) -> reqwest::Response {
    let path = format!("{}{id}/edit", base(dev));
    let (_, csrf) = app.form_page(&dev.browser, &path).await;
    let mut form = Form::new()
        .text("csrf_token", csrf)
        .text("action", action.to_owned());
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
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
        .post(app.url(&path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn accept_terms(app: &TestApp, dev: &Dev) {
    let r = app
        .submit(
            &dev.browser,
            &format!("{}terms", base(dev)),
            &[("version", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
}

pub(crate) async fn page(app: &TestApp, browser: &reqwest::Client, path: &str) -> (u16, String) {
    let r = browser.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A signed-in staff member's browser (TOTP enrolled), and their user id.
pub(crate) async fn staff(app: &TestApp, email: &str, role: &str) -> (reqwest::Client, String) {
    let created = app
        .services
        .accounts
        .create_staff(email, role, "violet tea kettle 42")
        .await
        .unwrap();
    let browser = app.browser();
    app.portal_login(&browser, email, "violet tea kettle 42")
        .await;
    let (html, csrf) = app.form_page(&browser, "/v2/accounts/mfa/enrol").await;
    let start = html.find("id=\"totp-secret\">").unwrap() + 17;
    let end = start + html[start..].find("</code>").unwrap();
    let secret = TotpSecret::from_bytes(base32_decode(&html[start..end]));
    let code = secret.code_at(step_of(app.clock.now().timestamp()));
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/mfa/enrol",
            &csrf,
            &[("code", &code)],
        )
        .await;
    assert_eq!(r.status(), 303);
    (browser, created.id)
}

/// Posts a move on the staff request page.
pub(crate) async fn staff_move(
    app: &TestApp,
    browser: &reqwest::Client,
    id: &str,
    transition: &str,
    reason: &str,
) -> reqwest::Response {
    let (_, csrf) = app
        .form_page(browser, &format!("/v2/staff/access/requests/{id}/"))
        .await;
    app.post_with_csrf(
        browser,
        &format!("/v2/staff/access/requests/{id}/transition"),
        &csrf,
        &[("transition", transition), ("reason", reason)],
    )
    .await
}

/// A submitted request (terms accepted, form complete, both PDFs).
pub(crate) async fn submitted(app: &TestApp, dev: &Dev) -> String {
    accept_terms(app, dev).await;
    let id = start(app, dev).await;
    let r = post_form(
        app,
        dev,
        &id,
        "submit",
        &full_fields(dev, &[]),
        vec![
            ("terms", pdf("terms"), "application/pdf"),
            ("privacy_policy", pdf("privacy"), "application/pdf"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    id
}

#[tokio::test]
async fn terms_of_service_must_be_accepted_before_a_submission() {
    let app = spawn_app().await;
    let dev = dev_with_app(&app, "dev@example.org", "Timeline Inc").await;
    let (_, html) = page(&app, &dev.browser, &base(&dev)).await;
    assert!(html.contains("id=\"terms-not-accepted\""), "{html}");
    let (_, terms) = page(&app, &dev.browser, &format!("{}terms", base(&dev))).await;
    assert!(terms.contains("terms of service (version 1)"), "{terms}");

    let id = start(&app, &dev).await;
    let files = || {
        vec![
            ("terms", pdf("t"), "application/pdf"),
            ("privacy_policy", pdf("p"), "application/pdf"),
        ]
    };
    let r = post_form(&app, &dev, &id, "submit", &full_fields(&dev, &[]), files()).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("must accept version 1 of the terms of service"),
        "{html}"
    );
    assert!(
        html.contains("Shows enrollees a timeline"),
        "entries kept: {html}"
    );
    let (_, status) = page(&app, &dev.browser, &format!("{}{id}/", base(&dev))).await;
    assert!(status.contains("id=\"request-state\">draft<"), "{status}");

    // A stale version is refused; the current one accepted and recorded.
    let r = app
        .submit(
            &dev.browser,
            &format!("{}terms", base(&dev)),
            &[("version", "7")],
        )
        .await;
    assert_eq!(r.status(), 400);
    accept_terms(&app, &dev).await;
    let (_, html) = page(&app, &dev.browser, &base(&dev)).await;
    assert!(html.contains("accepted version 1"), "{html}");
    let r = post_form(
        &app,
        &dev,
        &id,
        "submit",
        &full_fields(&dev, &[]),
        Vec::new(),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, status) = page(&app, &dev.browser, &format!("{}{id}/", base(&dev))).await;
    assert!(
        status.contains("id=\"request-state\">submitted<"),
        "{status}"
    );
    assert!(status.contains("version 1"), "{status}");
}

#[tokio::test]
async fn drafts_save_partially_and_bad_files_are_refused_next_to_their_field() {
    let app = spawn_app().await;
    let dev = dev_with_app(&app, "dev@example.org", "Timeline Inc").await;
    let id = start(&app, &dev).await;
    let partial = vec![(
        "use_case".to_owned(),
        "Only the use case so far.".to_owned(),
    )];
    let r = post_form(&app, &dev, &id, "save", &partial, Vec::new()).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{}{id}/edit?done=saved", base(&dev)));
    let (_, html) = page(&app, &dev.browser, &format!("{}{id}/edit", base(&dev))).await;
    assert!(html.contains("Only the use case so far."), "{html}");

    // A bad value is refused even in a draft, with the entries kept.
    let mut bad = partial.clone();
    bad.push((
        "redirect_uris".into(),
        "http://timeline.example.org/cb".into(),
    ));
    let r = post_form(&app, &dev, &id, "save", &bad, Vec::new()).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"redirect_uris-error\""), "{html}");
    assert!(html.contains("http://timeline.example.org/cb"), "{html}");

    // Not a PDF: 415; too large: 413; cut off: 400; each next to its field.
    let r = post_form(
        &app,
        &dev,
        &id,
        "save",
        &partial,
        vec![("terms", b"GIF89a not a pdf".to_vec(), "image/gif")],
    )
    .await;
    assert_eq!(r.status(), 415);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"terms-error\""), "{html}");
    assert!(html.contains("is not a PDF"), "{html}");
    assert!(
        html.contains("Only the use case so far."),
        "entries kept: {html}"
    );
    let mut big = pdf("big");
    big.resize(10 * 1024 * 1024 + 10, b' ');
    let r = post_form(
        &app,
        &dev,
        &id,
        "save",
        &partial,
        vec![("privacy_policy", big, "application/pdf")],
    )
    .await;
    assert_eq!(r.status(), 413);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"privacy_policy-error\""), "{html}");
    assert!(html.contains("larger than 10 MB"), "{html}");
    let r = post_form(
        &app,
        &dev,
        &id,
        "save",
        &partial,
        vec![("terms", b"%PDF-1.4\n1 0 obj".to_vec(), "application/pdf")],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("damaged or incomplete PDF")
    );

    // Two versions of the terms are both kept, with their SHA-256.
    for label in ["one", "two"] {
        let r = post_form(
            &app,
            &dev,
            &id,
            "save",
            &partial,
            vec![("terms", pdf(label), "application/pdf")],
        )
        .await;
        assert_eq!(r.status(), 303);
    }
    let (_, status) = page(&app, &dev.browser, &format!("{}{id}/", base(&dev))).await;
    assert_eq!(status.matches("class=\"sha256\"").count(), 2, "{status}");
    // Their text was extracted at upload (these minimal PDFs have no readable structure).
    assert!(status.contains("failed: not a readable PDF"), "{status}");
    let sha: String = <sha2::Sha256 as sha2::Digest>::digest(pdf("two"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(status.contains(&sha), "{status}");
    let link_at = status.find("/documents/").unwrap();
    let start_at = status[..link_at].rfind('"').unwrap() + 1;
    let end_at = link_at + status[link_at..].find('"').unwrap();
    let r = dev
        .browser
        .get(app.url(&status[start_at..end_at]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
}

#[tokio::test]
async fn a_missing_attestation_is_named_and_nothing_is_lost() {
    let app = spawn_app().await;
    let dev = dev_with_app(&app, "dev@example.org", "Timeline Inc").await;
    accept_terms(&app, &dev).await;
    let id = start(&app, &dev).await;
    let fields = full_fields(&dev, &["attest_vendors"]);
    let r = post_form(
        &app,
        &dev,
        &id,
        "submit",
        &fields,
        vec![
            ("terms", pdf("t"), "application/pdf"),
            ("privacy_policy", pdf("p"), "application/pdf"),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"attest_vendors-error\""), "{html}");
    assert!(
        html.contains("aria-describedby=\"attest_vendors-error\""),
        "{html}"
    );
    assert!(!html.contains("id=\"attest_breach-error\""), "{html}");
    // Saved: reloading shows every entry and the documents.
    let (_, html) = page(&app, &dev.browser, &format!("{}{id}/edit", base(&dev))).await;
    assert!(html.contains("Shows enrollees a timeline"), "{html}");
    assert!(
        html.contains("id=\"attest_breach\" name=\"attest_breach\" value=\"on\" checked"),
        "{html}"
    );
    assert!(
        !html.contains("id=\"attest_vendors\" name=\"attest_vendors\" value=\"on\" checked"),
        "{html}"
    );
    assert_eq!(
        html.matches("class=\"document-version\"").count(),
        2,
        "{html}"
    );
    let (_, status) = page(&app, &dev.browser, &format!("{}{id}/", base(&dev))).await;
    assert!(status.contains("id=\"request-state\">draft<"), "{status}");
}

#[tokio::test]
async fn submission_claim_changes_and_resubmission_notify_the_other_side() {
    let app = spawn_app().await;
    let (reviewer, reviewer_id) = staff(&app, "reviewer@example.org", "reviewer").await;
    let dev = dev_with_app(&app, "dev@example.org", "Timeline Inc").await;
    let id = submitted(&app, &dev).await;
    let status_path = format!("{}{id}/", base(&dev));

    // Submitted Friday 2026-12-04 07:00 New York: 24 business hours from the 09:00
    // opening end Tuesday 17:00 New York = 22:00 UTC.
    let due = "2026-12-08 22:00 UTC";
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    assert!(
        status.contains("id=\"request-state\">submitted<"),
        "{status}"
    );
    assert!(
        status.contains(due),
        "due date shown to the developer: {status}"
    );
    let outbox = app.store.outbox(50).await.unwrap();
    let to_team = outbox
        .iter()
        .find(|m| {
            m.recipient == "reviewer@example.org" && m.subject.starts_with("Production access")
        })
        .expect("the reviewers are e-mailed");
    assert!(
        to_team
            .body_text
            .contains(&format!("/v2/staff/access/requests/{id}/"))
    );
    let (_, queue) = page(&app, &reviewer, "/v2/staff/access/").await;
    assert!(queue.contains(due), "due date in the queue: {queue}");
    assert!(queue.contains("id=\"nav-unread\">1 unread"), "{queue}");
    let (_, notes) = page(&app, &reviewer, "/v2/accounts/notifications/").await;
    assert!(notes.contains("submit by Ada Lovelace"), "{notes}");

    // The reviewer claims: in review, assigned, the developer told.
    let r = staff_move(&app, &reviewer, &id, "claim", "").await;
    assert_eq!(r.status(), 303);
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    assert!(
        status.contains("id=\"request-state\">in_review<"),
        "{status}"
    );
    assert!(status.contains("id=\"nav-unread\">1 unread"), "{status}");
    assert!(status.contains("answered 2026-12-04 12:00 UTC"), "{status}");
    let (_, notes) = page(&app, &dev.browser, "/v2/accounts/notifications/").await;
    assert!(
        notes.contains("claim by reviewer@example.org; it is now in review"),
        "{notes}"
    );
    let (_, after) = page(&app, &dev.browser, &status_path).await;
    assert!(!after.contains("nav-unread"), "read once seen: {after}");
    assert!(app.store.outbox(50).await.unwrap().iter().any(|m| m.recipient == "dev@example.org" && m.subject.starts_with("Production access")));

    // Changes requested with a reason: required, then shown to the developer.
    let r = staff_move(&app, &reviewer, &id, "request_changes", "").await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("reason"));
    let reason = "Your privacy policy does not say what happens to data after revocation.";
    let r = staff_move(&app, &reviewer, &id, "request_changes", reason).await;
    assert_eq!(r.status(), 303);
    let (_, status) = page(&app, &dev.browser, &status_path).await;
    assert!(
        status.contains("id=\"request-state\">changes_requested<"),
        "{status}"
    );
    assert!(status.contains(reason), "{status}");
    assert!(status.contains("id=\"edit-request\""), "{status}");

    // Resubmission with a new privacy policy: back in review, the assigned reviewer told.
    let r = post_form(
        &app,
        &dev,
        &id,
        "submit",
        &full_fields(&dev, &[]),
        vec![("privacy_policy", pdf("v2"), "application/pdf")],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, staff_view) = page(&app, &reviewer, &format!("/v2/staff/access/requests/{id}/")).await;
    assert!(
        staff_view.contains("id=\"request-state\">in_review<"),
        "{staff_view}"
    );
    assert!(staff_view.contains(">resubmit<"), "history: {staff_view}");
    assert!(
        staff_view.contains("id=\"move-request_changes\""),
        "{staff_view}"
    );
    assert!(!staff_view.contains("id=\"move-claim\""), "{staff_view}");
    assert_eq!(
        staff_view.matches("class=\"sha256\"").count(),
        3,
        "{staff_view}"
    );
    let (_, notes) = page(&app, &reviewer, "/v2/accounts/notifications/").await;
    assert!(notes.contains("resubmit by Ada Lovelace"), "{notes}");
    let _ = reviewer_id;
}

#[tokio::test]
async fn the_queue_filters_by_state_assignee_and_overdue() {
    let app = spawn_app().await;
    let (reviewer, reviewer_id) = staff(&app, "reviewer@example.org", "reviewer").await;
    let (admin, _) = staff(&app, "admin@example.org", "admin").await;
    let first = dev_with_app(&app, "one@example.org", "First Org").await;
    let second = dev_with_app(&app, "two@example.org", "Second Org").await;
    let a = submitted(&app, &first).await;
    let b = submitted(&app, &second).await;

    let rows = |html: &str| html.matches("class=\"queue-row").count();
    let (_, all) = page(&app, &reviewer, "/v2/staff/access/").await;
    assert_eq!(rows(&all), 2, "{all}");
    let (_, overdue) = page(&app, &reviewer, "/v2/staff/access/?due=overdue").await;
    assert_eq!(rows(&overdue), 0, "{overdue}");

    // The reviewer claims one; the admin assigns the other to the reviewer.
    assert_eq!(
        staff_move(&app, &reviewer, &a, "claim", "").await.status(),
        303
    );
    let (_, csrf) = app
        .form_page(&admin, &format!("/v2/staff/access/requests/{b}/"))
        .await;
    let r = app
        .post_with_csrf(
            &admin,
            &format!("/v2/staff/access/requests/{b}/assign"),
            &csrf,
            &[("assignee", &reviewer_id)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, mine) = page(&app, &reviewer, "/v2/staff/access/?assignee=me").await;
    assert_eq!(rows(&mine), 2, "{mine}");
    let (_, unassigned) = page(&app, &admin, "/v2/staff/access/?assignee=unassigned").await;
    assert_eq!(rows(&unassigned), 0, "{unassigned}");
    let (_, admins) = page(&app, &admin, "/v2/staff/access/?assignee=me").await;
    assert_eq!(rows(&admins), 0, "{admins}");
    let (_, waiting) = page(&app, &reviewer, "/v2/staff/access/?state=submitted").await;
    assert_eq!(rows(&waiting), 1, "{waiting}");
    assert!(waiting.contains("Second Org"), "{waiting}");

    // Past the due date: the unanswered one is overdue and highlighted; the claimed one's
    // clock stopped.
    app.clock.advance(Duration::days(5));
    // Sessions have ended meanwhile: a new staff member signs in, the developer again.
    let (late, _) = staff(&app, "late@example.org", "reviewer").await;
    let (_, overdue) = page(&app, &late, "/v2/staff/access/?due=overdue").await;
    assert_eq!(rows(&overdue), 1, "{overdue}");
    assert!(overdue.contains("class=\"queue-row overdue\""), "{overdue}");
    assert!(overdue.contains("Second Org"), "{overdue}");
    let (_, soon) = page(
        &app,
        &late,
        &format!("/v2/staff/access/?due=soon&assignee={reviewer_id}"),
    )
    .await;
    assert_eq!(rows(&soon), 1, "overdue counts as due soon: {soon}");
    assert_eq!(
        app.portal_login(&second.browser, "two@example.org", "violet tea kettle 42")
            .await
            .status(),
        303
    );
    let (_, status) = page(&app, &second.browser, &format!("{}{b}/", base(&second))).await;
    assert!(status.contains("— overdue"), "{status}");
    let _ = reviewer;
}

#[tokio::test]
async fn developers_get_403_on_staff_pages_and_staff_cannot_see_drafts() {
    let app = spawn_app().await;
    let dev = dev_with_app(&app, "dev@example.org", "Timeline Inc").await;
    let draft = start(&app, &dev).await;
    for path in [
        "/v2/staff/access/".to_owned(),
        format!("/v2/staff/access/requests/{draft}/"),
        "/v2/staff/access/queue".to_owned(),
    ] {
        let (status, _) = page(&app, &dev.browser, &path).await;
        assert_eq!(status, 403, "{path}");
    }
    let (reviewer, _) = staff(&app, "reviewer@example.org", "reviewer").await;
    let (status, _) = page(
        &app,
        &reviewer,
        &format!("/v2/staff/access/requests/{draft}/"),
    )
    .await;
    assert_eq!(status, 404, "drafts stay the developer's");
    // Another organization's developer does not see the request.
    let other = dev_with_app(&app, "other@example.org", "Other Org").await;
    let (status, _) = page(
        &app,
        &other.browser,
        &format!(
            "/v2/accounts/organizations/{}/production-access/{draft}/",
            dev.org
        ),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn of_two_concurrent_claims_one_wins_and_the_other_is_told() {
    let app = spawn_app().await;
    let (first, _) = staff(&app, "first@example.org", "reviewer").await;
    let (second, _) = staff(&app, "second@example.org", "reviewer").await;
    let dev = dev_with_app(&app, "dev@example.org", "Timeline Inc").await;
    let id = submitted(&app, &dev).await;
    let page_path = format!("/v2/staff/access/requests/{id}/");
    let (_, csrf_a) = app.form_page(&first, &page_path).await;
    let (_, csrf_b) = app.form_page(&second, &page_path).await;
    let move_path = format!("{page_path}transition");
    let (a, b) = tokio::join!(
        app.post_with_csrf(&first, &move_path, &csrf_a, &[("transition", "claim")]),
        app.post_with_csrf(&second, &move_path, &csrf_b, &[("transition", "claim")]),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409]);
    let loser = if a.status() == 409 { a } else { b };
    let html = loser.text().await.unwrap();
    assert!(
        html.contains("someone else moved this request first") || html.contains("cannot claim"),
        "{html}"
    );
    let (_, view) = page(&app, &first, &page_path).await;
    assert_eq!(
        view.matches("<tr class=\"history\">").count(),
        2,
        "submit and one claim: {view}"
    );
}

#[tokio::test]
async fn the_json_api_drives_the_same_process() {
    let app = spawn_app().await;
    let (reviewer, _) = staff(&app, "reviewer@example.org", "reviewer").await;
    let dev = dev_with_app(&app, "dev@example.org", "Timeline Inc").await;
    let (html, _) = app.form_page(&dev.browser, &base(&dev)).await;
    let csrf = hidden(&html, "csrf_token");
    let api = |method: reqwest::Method, path: &str| {
        dev.browser
            .request(method, app.url(path))
            .header("x-csrf-token", csrf.clone())
    };
    // No CSRF header: refused.
    let r = dev
        .browser
        .post(app.url("/v2/access/requests"))
        .json(&serde_json::json!({"organization": dev.org}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = api(reqwest::Method::POST, "/v2/access/requests")
        .json(&serde_json::json!({"organization": dev.org, "use_case": "Timeline"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["state"], "draft");

    let mut draft = serde_json::json!({
        "application": dev.app_id,
        "use_case": "Shows enrollees a timeline of their claims.",
        "redirect_uris": ["https://timeline.example.org/cb"],
        "contact_name": "Ada Lovelace",
        "contact_email": "ada@example.org",
        "contact_phone": "+1 202 555 0123",
        "attestations": CHECKLIST,
    });
    let r = api(
        reqwest::Method::PUT,
        &format!("/v2/access/requests/{id}/draft"),
    )
    .json(&draft)
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    for (kind, body, want) in [
        ("terms", b"not a pdf".to_vec(), 415),
        ("terms", pdf("t"), 201),
        ("privacy_policy", pdf("p"), 201),
    ] {
        let form = Form::new().part("file", Part::bytes(body).file_name("doc.pdf"));
        let r = api(
            reqwest::Method::POST,
            &format!("/v2/access/requests/{id}/documents/{kind}"),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), want, "{kind}");
    }
    let r = api(
        reqwest::Method::POST,
        &format!("/v2/access/requests/{id}/submit"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 409, "terms first");
    let r = api(reqwest::Method::GET, "/v2/access/terms")
        .send()
        .await
        .unwrap();
    let terms: serde_json::Value = r.json().await.unwrap();
    assert_eq!(terms["version"], 1);
    let r = api(
        reqwest::Method::POST,
        &format!("/v2/access/organizations/{}/terms", dev.org),
    )
    .json(&serde_json::json!({"version": 1}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 204);
    draft["attestations"] = serde_json::json!(["collection"]);
    let r = api(
        reqwest::Method::PUT,
        &format!("/v2/access/requests/{id}/draft"),
    )
    .json(&draft)
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let r = api(
        reqwest::Method::POST,
        &format!("/v2/access/requests/{id}/submit"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    let problems: serde_json::Value = r.json().await.unwrap();
    assert!(
        problems["errors"]["attest_vendors"].is_string(),
        "{problems}"
    );
    draft["attestations"] = serde_json::json!(CHECKLIST);
    api(
        reqwest::Method::PUT,
        &format!("/v2/access/requests/{id}/draft"),
    )
    .json(&draft)
    .send()
    .await
    .unwrap();
    let r = api(
        reqwest::Method::POST,
        &format!("/v2/access/requests/{id}/submit"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let view: serde_json::Value = r.json().await.unwrap();
    assert_eq!(view["state"], "submitted");
    assert_eq!(view["first_response_due"], "2026-12-08T22:00:00Z");
    assert_eq!(view["documents"].as_array().unwrap().len(), 2);

    // The reviewer's queue and a move, over JSON with the reviewer's session.
    let (staff_html, _) = app.form_page(&reviewer, "/v2/staff/access/").await;
    let _ = staff_html;
    let (acct, _) = app.form_page(&reviewer, "/v2/accounts/settings").await;
    let staff_csrf = hidden(&acct, "csrf_token");
    let queue: serde_json::Value = reviewer
        .get(app.url("/v2/staff/access/queue?assignee=unassigned"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    assert_eq!(queue[0]["id"], id.as_str());
    let r = reviewer
        .post(app.url(&format!("/v2/access/requests/{id}/transitions")))
        .header("x-csrf-token", staff_csrf)
        .json(&serde_json::json!({"transition": "approve", "reason": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "not from submitted");
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("cannot approve"),
        "{body}"
    );
    let r = api(
        reqwest::Method::POST,
        &format!("/v2/access/requests/{id}/transitions"),
    )
    .json(&serde_json::json!({"transition": "withdraw"}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let r = api(reqwest::Method::GET, &format!("/v2/access/requests/{id}"))
        .send()
        .await
        .unwrap();
    let view: serde_json::Value = r.json().await.unwrap();
    assert_eq!(view["state"], "withdrawn");
    assert_eq!(view["history"].as_array().unwrap().len(), 2);
}

/// A real PDF with a text layer (the policy engine's fixture).
const TEXT_PDF: &[u8] = include_bytes!("../../../policy/tests/fixtures/text.pdf");

/// The document ids of a request page's policy-report links.
fn report_links(html: &str) -> Vec<String> {
    html.match_indices("id=\"report-")
        .filter_map(|(at, _)| {
            let rest = &html[at + 11..];
            let id = &rest[..rest.find('"')?];
            id.chars()
                .all(|c| c.is_ascii_digit())
                .then(|| id.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn documents_get_the_engine_report_beside_them_or_say_why_not() {
    let app = spawn_app().await;
    let dev = dev_with_app(&app, "reports@example.org", "Report Labs").await;
    accept_terms(&app, &dev).await;
    let id = start(&app, &dev).await;
    // The terms: the minimal PDF of these tests (its structure passes the upload check but
    // not the engine's parser); the policy: a PDF with a text layer.
    let r = post_form(
        &app,
        &dev,
        &id,
        "submit",
        &full_fields(&dev, &[]),
        vec![
            ("terms", pdf("terms"), "application/pdf"),
            ("privacy_policy", TEXT_PDF.to_vec(), "application/pdf"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    let (reviewer, _) = staff(&app, "reports-reviewer@example.org", "reviewer").await;
    let (status, html) = page(&app, &reviewer, &format!("/v2/staff/access/requests/{id}/")).await;
    assert_eq!(status, 200);
    let links = report_links(&html);
    assert_eq!(links.len(), 1, "only the policy could be read: {html}");
    assert!(html.contains("failed: not a readable PDF"), "{html}");

    let path = format!(
        "/v2/staff/access/requests/{id}/documents/{}/report",
        links[0]
    );
    let (status, report) = page(&app, &reviewer, &path).await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("id=\"report-checklist\""), "{report}");
    assert_eq!(report.matches("<tr id=\"check-").count(), 15);
    assert!(report.contains("id=\"report-scores\""));

    // The terms cannot be checked: the page says why.
    let terms_doc: i64 = links[0].parse::<i64>().unwrap() - 1;
    let (status, page_) = page(
        &app,
        &reviewer,
        &format!("/v2/staff/access/requests/{id}/documents/{terms_doc}/report"),
    )
    .await;
    assert_eq!(status, 422, "{page_}");
    assert!(
        page_.contains("could not be checked: not a readable PDF"),
        "{page_}"
    );

    // The developer sees the same report; another organization's developer does not.
    let dev_path = format!("{}{id}/documents/{}/report", base(&dev), links[0]);
    let (status, mine) = page(&app, &dev.browser, &dev_path).await;
    assert_eq!(status, 200);
    assert_eq!(mine.matches("<tr id=\"check-").count(), 15);
    let other = dev_with_app(&app, "other-reports@example.org", "Other Labs").await;
    let (status, _) = page(&app, &other.browser, &dev_path).await;
    assert_eq!(status, 404);

    // One engine in three places: the reviewer's console, the developer's page and the
    // self-service check of the same file give the same report (the CLI is compared with
    // the self-service page in crates/cli/tests/it/policy.rs).
    let (_, csrf) = app
        .form_page(&dev.browser, "/v2/accounts/policy-check")
        .await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf)
        .part(
            "file",
            reqwest::multipart::Part::bytes(TEXT_PDF.to_vec()).file_name("text.pdf"),
        );
    let r = dev
        .browser
        .post(app.url("/v2/accounts/policy-check"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let self_service = r.text().await.unwrap();
    let console = bb_testkit::portal::report_summary(&report);
    assert_eq!(console.0.len(), 15, "{report}");
    assert!(
        console
            .0
            .iter()
            .all(|(_, v)| ["found", "unclear", "missing"].contains(&v.as_str())),
        "{console:?}"
    );
    assert!(console.1.contains("words"), "{console:?}");
    assert_eq!(console, bb_testkit::portal::report_summary(&mine));
    assert_eq!(console, bb_testkit::portal::report_summary(&self_service));
}

/// Found by schemathesis (tests/schemathesis): a body or path value axum's extractors refuse
/// was answered in `text/plain`, which the OpenAPI document does not allow. Each now answers
/// with the same status as the API's `{"detail": …}` JSON, and the document names it.
#[tokio::test]
async fn refused_bodies_and_path_values_get_json_details_with_documented_statuses() {
    let app = spawn_app().await;
    let cases: [(&str, &str, Option<&str>, &str, u16); 5] = [
        ("POST", "/v2/access/requests", None, "", 415),
        (
            "POST",
            "/v2/access/requests",
            Some("application/json"),
            "\u{0}",
            400,
        ),
        (
            "POST",
            "/v2/access/requests",
            Some("application/json"),
            r#"{"attestations": [784]}"#,
            422,
        ),
        (
            "POST",
            "/v2/access/organizations/o/terms",
            Some("application/json"),
            r#"{"version": -9223372036854775809}"#,
            422,
        ),
        (
            "POST",
            "/v2/access/requests/r/concerns/9223372036854775808/resolve",
            None,
            "",
            400,
        ),
    ];
    let doc: serde_json::Value = app.get("/docs/openapi.json").await.json().await.unwrap();
    for (method, path, content_type, body, status) in cases {
        let mut req = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .body(body.to_owned());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{method} {path} {body:?}");
        assert_eq!(
            resp.headers()["content-type"],
            "application/json",
            "{method} {path} {body:?}"
        );
        let json: serde_json::Value = resp.json().await.unwrap();
        assert!(
            json["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{method} {path}: {json}"
        );
        let template = if path.contains("/concerns/") {
            "/v2/access/requests/{id}/concerns/{concern}/resolve"
        } else if path.contains("/terms") {
            "/v2/access/organizations/{org}/terms"
        } else {
            path
        };
        let documented = &doc["paths"][template][method.to_lowercase()]["responses"];
        assert!(
            documented[status.to_string()].is_object() && documented["401"].is_object(),
            "{method} {template}: {status} and 401 documented: {documented}"
        );
    }
    // A JSON answer of the API itself is left as it is.
    let resp = app.get("/v2/access/terms").await;
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(resp.headers()["content-type"], "application/json");
}
