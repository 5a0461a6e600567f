//! The portal's self-service policy check (`/v2/accounts/policy-check`): a signed-in
//! developer uploads a draft and reads the same report as the CLI's; bad files are refused
//! with a message; CSRF and sign-in are required; nothing is stored.

use bb_testkit::oauth::location;
use bb_testkit::portal::Developer;
use bb_testkit::spawn_app;
use reqwest::multipart::{Form, Part};

const POLICY: &str = "Privacy Policy\n\nWhat we collect\n\nWhen you connect your Medicare account, we receive your claims and your name. We never sell your data.\n\nSharing\n\nWe do not share your data with anyone. We share your claims with advertisers.\n\nOur Blue Button app shows your claims.\n";

async fn post_file(
    app: &bb_testkit::TestApp,
    browser: &reqwest::Client,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("csrf_token", csrf.to_owned())
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    browser
        .post(app.url("/v2/accounts/policy-check"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_developer_checks_a_draft_and_reads_the_report() {
    let app = spawn_app().await;
    let browser = app.browser();
    let r = browser
        .get(app.url("/v2/accounts/policy-check"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/v2/accounts/login", "sign-in first");
    let dev = Developer::new("policy@example.org");
    app.signed_in_developer(&browser, &dev).await;
    let (html, csrf) = app.form_page(&browser, "/v2/accounts/policy-check").await;
    assert!(html.contains("id=\"policy-check-button\""), "{html}");

    let r = post_file(
        &app,
        &browser,
        &csrf,
        "policy.txt",
        POLICY.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert_eq!(page.matches("<tr id=\"check-").count(), 15, "{page}");
    assert!(page.contains("id=\"check-collection\""));
    // The naming rule and the contradiction on sharing are shown with their passages.
    assert!(
        page.contains("Our Blue Button app shows your claims."),
        "{page}"
    );
    assert!(page.contains("On sharing:"), "{page}");
    assert!(
        page.contains("We share your claims with advertisers."),
        "{page}"
    );

    // Garbage: a clear message, no report.
    let r = post_file(
        &app,
        &browser,
        &csrf,
        "policy.pdf",
        b"%PDF-1.7 not really".to_vec(),
    )
    .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("The file could not be read"), "{page}");
    assert!(!page.contains("id=\"report-checklist\""));
    // No file chosen.
    let form = Form::new().text("csrf_token", csrf.clone());
    let r = browser
        .post(app.url("/v2/accounts/policy-check"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Without the CSRF value: refused.
    let r = post_file(
        &app,
        &browser,
        "wrong",
        "policy.txt",
        POLICY.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status(), 403);
}
