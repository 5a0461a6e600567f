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
    assert!(page.contains("The document could not be read"), "{page}");
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

/// A small real HTTP/1.1 server on loopback that publishes a policy the way a developer's
/// site would: `/legal/privacy.html` (HTML), `/privacy` (302 to it), `/logo.png` (an
/// image), `/huge.txt` (11 MB declared), `/gone` (404). Answers until the test ends.
async fn policy_site() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&request).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let html = format!(
                    "<html><head><title>Privacy</title></head><body>{}</body></html>",
                    POLICY
                        .split("\n\n")
                        .map(|p| format!("<p>{p}</p>"))
                        .collect::<String>()
                );
                let response = match path.as_str() {
                    "/legal/privacy.html" => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                        html.len()
                    ),
                    "/privacy" => "HTTP/1.1 302 Found\r\nLocation: /legal/privacy.html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                    "/loop" => "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                    "/logo.png" => "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 4\r\nConnection: close\r\n\r\n\u{89}PNG".to_owned(),
                    "/huge.txt" => "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11534336\r\nConnection: close\r\n\r\n".to_owned(),
                    _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                };
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

async fn post_url(
    app: &bb_testkit::TestApp,
    browser: &reqwest::Client,
    csrf: &str,
    url: &str,
) -> (u16, String) {
    let form = Form::new()
        .text("csrf_token", csrf.to_owned())
        .text("url", url.to_owned())
        .part("file", Part::bytes(Vec::new()).file_name(String::new()));
    let r = browser
        .post(app.url("/v2/accounts/policy-check"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_policy_is_checked_by_its_web_address_and_private_addresses_are_refused() {
    let site = policy_site().await;

    // The server as deployed: loopback (and http) refused before any connection, the
    // address kept in its field with the reason next to it.
    let app = spawn_app().await;
    let browser = app.browser();
    app.signed_in_developer(&browser, &Developer::new("url@example.org"))
        .await;
    let (_, csrf) = app.form_page(&browser, "/v2/accounts/policy-check").await;
    let (status, page) = post_url(&app, &browser, &csrf, &format!("{site}/privacy")).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("id=\"url-error\""), "{page}");
    assert!(page.contains("only https:// addresses"), "{page}");
    assert!(
        page.contains(&format!("value=\"{site}/privacy\"")),
        "{page}"
    );
    let https_loopback = site.replace("http://", "https://");
    let (status, page) =
        post_url(&app, &browser, &csrf, &format!("{https_loopback}/privacy")).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("which is not a public address"), "{page}");
    assert!(!page.contains("id=\"report-checklist\""));
    // A file and an address at once: refused.
    let form = Form::new()
        .text("csrf_token", csrf.clone())
        .text("url", "https://example.org/privacy")
        .part(
            "file",
            Part::bytes(POLICY.as_bytes().to_vec()).file_name("p.txt"),
        );
    let r = browser
        .post(app.url("/v2/accounts/policy-check"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("not both"));

    // A server whose fetcher may reach loopback (how the fetch itself is tested here).
    let app = bb_testkit::spawn_app_custom("127.0.0.1:0", bb_web::WebConfig::default(), |s| {
        s.with_policy_fetcher(bb_domain::policy_fetch::PolicyFetcher::allowing_private_addresses())
    })
    .await;
    let browser = app.browser();
    app.signed_in_developer(&browser, &Developer::new("url@example.org"))
        .await;
    let (_, csrf) = app.form_page(&browser, "/v2/accounts/policy-check").await;
    // Through the redirect to the HTML page: the same report as for the uploaded text.
    let (status, page) = post_url(&app, &browser, &csrf, &format!("{site}/privacy")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Report on privacy.html"), "{page}");
    assert_eq!(page.matches("<tr id=\"check-").count(), 15, "{page}");
    assert!(
        page.contains("We share your claims with advertisers."),
        "{page}"
    );
    for (path, want_status, want) in [
        ("/logo.png", 415, "image/png, not a PDF, HTML or plain text"),
        ("/huge.txt", 413, "larger than 10 MB"),
        ("/gone", 502, "the server answered 404"),
        ("/loop", 400, "more than 3 redirects"),
    ] {
        let (status, page) = post_url(&app, &browser, &csrf, &format!("{site}{path}")).await;
        assert_eq!(status, want_status, "{path}: {page}");
        assert!(page.contains("id=\"url-error\""), "{path}: {page}");
        assert!(page.contains(want), "{path}: {page}");
        assert!(!page.contains("id=\"report-checklist\""), "{path}");
    }
}
