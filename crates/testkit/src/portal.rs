//! Developer portal helpers for tests: act as a developer's browser (a cookie jar, no
//! automatic redirects) through sign-up, the e-mailed links and sign-in, and read the
//! messages the server queued in its outbox (the captured mail of `spawn_app`).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use crate::TestApp;
use crate::oauth::hidden;

/// A sign-up form's fields.
#[derive(Clone, Debug)]
pub struct Developer {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Organization.
    pub organization: String,
    /// Password.
    pub password: String,
}

impl Developer {
    /// A developer with a good password.
    pub fn new(email: &str) -> Self {
        Self {
            name: "Ada Lovelace".into(),
            email: email.into(),
            organization: "Analytical Engines".into(),
            password: "violet tea kettle 42".into(),
        }
    }
}

impl TestApp {
    /// `GET path` in `browser`; returns the page and its `csrf_token` input.
    pub async fn form_page(&self, browser: &reqwest::Client, path: &str) -> (String, String) {
        let page = browser.get(self.url(path)).send().await.unwrap();
        assert_eq!(page.status(), 200, "GET {path}");
        let html = page.text().await.unwrap();
        let csrf = hidden(&html, "csrf_token");
        (html, csrf)
    }

    /// Fetches the form at `path` and posts `fields` plus its CSRF value to `path`.
    pub async fn submit(
        &self,
        browser: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let (_, csrf) = self.form_page(browser, path).await;
        self.post_with_csrf(browser, path, &csrf, fields).await
    }

    /// Posts `fields` and `csrf_token=csrf` to `path`.
    pub async fn post_with_csrf(
        &self,
        browser: &reqwest::Client,
        path: &str,
        csrf: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut all = fields.to_vec();
        all.push(("csrf_token", csrf));
        browser
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// Signs `dev` up through the form; returns the answer.
    pub async fn sign_up(&self, browser: &reqwest::Client, dev: &Developer) -> reqwest::Response {
        self.submit(
            browser,
            "/v2/accounts/create",
            &[
                ("name", &dev.name),
                ("email", &dev.email),
                ("organization", &dev.organization),
                ("password", &dev.password),
            ],
        )
        .await
    }

    /// Signs in through the form; returns the answer (303 onwards on success).
    pub async fn portal_login(
        &self,
        browser: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.submit(
            browser,
            "/v2/accounts/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// The path (from `/v2/`) of the link in the newest queued message to `to` whose
    /// subject is `subject`.
    pub async fn mailed_link(&self, to: &str, subject: &str) -> String {
        let outbox = self.store.outbox(100).await.unwrap();
        let message = outbox
            .iter()
            .find(|m| m.recipient == to && m.subject == subject)
            .unwrap_or_else(|| panic!("no '{subject}' message to {to} in {outbox:?}"));
        link_path(&message.body_text)
    }

    /// Signs `dev` up, follows the verification link and signs in: the browser is signed
    /// in afterwards.
    pub async fn signed_in_developer(&self, browser: &reqwest::Client, dev: &Developer) {
        assert_eq!(self.sign_up(browser, dev).await.status(), 200);
        let link = self
            .mailed_link(&dev.email.to_lowercase(), "Confirm your e-mail address")
            .await;
        assert_eq!(
            browser.get(self.url(&link)).send().await.unwrap().status(),
            200
        );
        let r = self.portal_login(browser, &dev.email, &dev.password).await;
        assert_eq!(r.status(), 303);
    }
}

/// A policy report page's checklist rows `(id, verdict)`, in order, and its
/// words/sentences/grade line — what the CLI, the self-service page and the review console
/// must agree on.
pub fn report_summary(html: &str) -> (Vec<(String, String)>, String) {
    let rows = html
        .split("<tr id=\"check-")
        .skip(1)
        .map(|row| {
            let id = row.split('"').next().unwrap_or_default().to_owned();
            let verdict = row
                .split("class=\"verdict verdict-")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap_or_default()
                .to_owned();
            (id, verdict)
        })
        .collect();
    let grade = html
        .split("id=\"report-grade\">")
        .nth(1)
        .and_then(|g| g.split("</p>").next())
        .unwrap_or_default()
        .to_owned();
    (rows, grade)
}

/// The path of the first `http(s)://…/v2/…` link in a text.
pub fn link_path(text: &str) -> String {
    let at = text.find("/v2/").expect("a /v2/ link in the message");
    text[at..].split_whitespace().next().unwrap().to_owned()
}

/// RFC 4648 base32 (no padding, spaces ignored) to bytes: reads the TOTP secret a page
/// shows, as an authenticator app would.
pub fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let value = ALPHABET
            .iter()
            .position(|&a| a == c.to_ascii_uppercase())
            .expect("a base32 character") as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    out
}
