//! OAuth helpers for tests: register a client, act as the enrollee's browser (a cookie
//! jar, no automatic redirects) through authorize → sandbox login → consent, and exchange
//! the code. Each step returns what the server answered so negative tests can stop at any
//! point and look.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use crate::TestApp;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bb_domain::apps::{AppRegistration, DataAccessType, Environment};
use bb_domain::claims::sandbox::{DEFAULT_AS_OF, SandboxSpec};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A registered client.
#[derive(Clone, Debug)]
pub struct Client {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: String,
    /// The first registered redirect URI.
    pub redirect_uri: String,
}

/// A PKCE pair.
#[derive(Clone, Debug)]
pub struct Pkce {
    /// The verifier.
    pub verifier: String,
    /// `BASE64URL(SHA256(verifier))`, unpadded.
    pub challenge: String,
}

impl Pkce {
    /// A pair from a verifier.
    pub fn from_verifier(verifier: &str) -> Self {
        Self {
            verifier: verifier.to_owned(),
            challenge: URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
        }
    }

    /// A fixed, valid pair.
    pub fn new() -> Self {
        Self::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-verifier")
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// The state every helper sends (≥ 16 characters).
pub const STATE: &str = "state-0123456789abcdef";

impl TestApp {
    /// Generates `n` synthetic enrollees (`BBUser00000`…, password `PW00000!`…).
    pub async fn with_sandbox(self, n: u32) -> Self {
        self.services
            .claims
            .build_sandbox(
                SandboxSpec {
                    seed: 1,
                    enrollees: n,
                    as_of: DEFAULT_AS_OF,
                },
                Arc::new(|_, _| {}),
            )
            .await
            .unwrap();
        self
    }

    /// Registers a developer (once) and an application; returns its credentials.
    pub async fn register_client(
        &self,
        name: &str,
        data_access_type: DataAccessType,
        demographics: bool,
        redirect_uris: &[&str],
    ) -> Client {
        let email = "dev@example.org";
        let _ = self
            .services
            .accounts
            .create_verified_developer(email, "Test Org", "Correct-Horse-9-battery")
            .await;
        let created = self
            .services
            .apps
            .create(&AppRegistration {
                owner_email: email.into(),
                name: name.into(),
                redirect_uris: redirect_uris.iter().map(|u| (*u).to_owned()).collect(),
                data_access_type,
                require_demographics: demographics,
                environment: Environment::Sandbox,
                links: Default::default(),
            })
            .await
            .unwrap();
        Client {
            client_id: created.client_id.as_str().to_owned(),
            client_secret: created.client_secret.reveal().to_owned(),
            redirect_uri: redirect_uris[0].to_owned(),
        }
    }

    /// A fresh browser: its own cookie jar, redirects not followed.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// The authorize URL for a client with the given extra parameters (`key=value&…`,
    /// already encoded), PKCE and state.
    pub fn authorize_url(&self, client: &Client, pkce: &Pkce, extra: &str) -> String {
        let mut url = format!(
            "{}/v2/o/authorize/?client_id={}&redirect_uri={}&state={STATE}&response_type=code&code_challenge_method=S256&code_challenge={}",
            self.base_url,
            client.client_id,
            encode(&client.redirect_uri),
            pkce.challenge
        );
        if !extra.is_empty() {
            url.push('&');
            url.push_str(extra);
        }
        url
    }

    /// Follows an authorization through login and consent. `decision` is the consent
    /// form's fields besides the CSRF value (e.g. `action=approve&share_demographic_scopes=on`).
    /// Returns the final `Location` (the client's redirect URI with code or error).
    pub async fn authorize_through(
        &self,
        browser: &reqwest::Client,
        authorize_url: &str,
        user: &str,
        password: &str,
        decision: &str,
    ) -> String {
        let r = browser.get(authorize_url).send().await.unwrap();
        assert_eq!(
            r.status(),
            302,
            "authorize: {}",
            r.text().await.unwrap_or_default()
        );
        let login_url = self.absolute(&location(&r));
        let page = browser.get(&login_url).send().await.unwrap();
        assert_eq!(page.status(), 200, "login page");
        let html = page.text().await.unwrap();
        let flow = hidden(&html, "flow");
        let csrf = hidden(&html, "csrf_token");
        let r = browser
            .post(self.url("/mymedicare/login"))
            .form(&[
                ("username", user),
                ("password", password),
                ("flow", &flow),
                ("csrf_token", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "login: {}", r.status());
        let consent_url = self.absolute(&location(&r));
        let page = browser.get(&consent_url).send().await.unwrap();
        assert_eq!(page.status(), 200, "consent page");
        let html = page.text().await.unwrap();
        let csrf = hidden(&html, "csrf_token");
        let action = self.absolute(&form_action(&html));
        let body = format!("csrf_token={}&{decision}", encode(&csrf));
        let r = browser
            .post(&action)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "consent decision");
        location(&r)
    }

    /// The whole journey for `BBUser<n>` approving everything; returns the code.
    pub async fn code_for(&self, client: &Client, pkce: &Pkce, user_index: u32) -> String {
        let browser = self.browser();
        let url = self.authorize_url(client, pkce, "");
        let (user, password) = sandbox_user(user_index);
        let back = self
            .authorize_through(
                &browser,
                &url,
                &user,
                &password,
                "action=approve&share_demographic_scopes=on",
            )
            .await;
        query_param(&back, "code").expect("a code")
    }

    /// `POST /v2/o/token/` with form fields; returns status and JSON.
    pub async fn token_request(&self, fields: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .client
            .post(self.url("/v2/o/token/"))
            .form(fields)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Exchanges a code with the body credentials.
    pub async fn exchange(&self, client: &Client, code: &str, verifier: &str) -> (u16, Value) {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &client.redirect_uri),
            ("code_verifier", verifier),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await
    }

    /// A token response for `BBUser<n>` through the whole journey.
    pub async fn tokens_for(&self, client: &Client, user_index: u32) -> Value {
        let pkce = Pkce::new();
        let code = self.code_for(client, &pkce, user_index).await;
        let (status, body) = self.exchange(client, &code, &pkce.verifier).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// `GET path` with a bearer token: status and JSON.
    pub async fn bearer_get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Follows an authorization through the sandbox login only; returns the consent
    /// page's absolute URL and its HTML.
    pub async fn login_through(
        &self,
        browser: &reqwest::Client,
        authorize_url: &str,
        user: &str,
        password: &str,
    ) -> (String, String) {
        let r = browser.get(authorize_url).send().await.unwrap();
        assert_eq!(r.status(), 302, "authorize");
        let login_url = self.absolute(&location(&r));
        let page = browser.get(&login_url).send().await.unwrap();
        assert_eq!(page.status(), 200, "login page");
        let html = page.text().await.unwrap();
        let r = browser
            .post(self.url("/mymedicare/login"))
            .form(&[
                ("username", user),
                ("password", password),
                ("flow", &hidden(&html, "flow")),
                ("csrf_token", &hidden(&html, "csrf_token")),
                ("lang", &hidden(&html, "lang")),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "login: {}", r.status());
        let consent_url = self.absolute(&location(&r));
        let page = browser.get(&consent_url).send().await.unwrap();
        assert_eq!(page.status(), 200, "consent page");
        (consent_url, page.text().await.unwrap())
    }

    /// `POST path` with form fields (no `Authorization`): status and JSON (`Null` for an
    /// empty or non-JSON body).
    pub async fn form_post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A refresh with the body credentials, optionally asking for `scope`.
    pub async fn refresh(
        &self,
        client: &Client,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> (u16, Value) {
        let mut fields = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
        ];
        if let Some(scope) = scope {
            fields.push(("scope", scope));
        }
        self.token_request(&fields).await
    }

    /// `POST /v2/o/revoke_token/` (RFC 7009) with the body credentials: the status.
    pub async fn revoke_token(&self, client: &Client, token: &str) -> u16 {
        self.client_post(client, "/v2/o/revoke_token/", token)
            .await
            .0
    }

    /// `POST /v2/o/revoke/` (BB2: ends the grant) with the body credentials: the status.
    pub async fn revoke_grant(&self, client: &Client, token: &str) -> u16 {
        self.client_post(client, "/v2/o/revoke/", token).await.0
    }

    /// `POST /v2/o/introspect/` (RFC 7662) with the body credentials.
    pub async fn introspect(&self, client: &Client, token: &str) -> (u16, Value) {
        self.client_post(client, "/v2/o/introspect/", token).await
    }

    async fn client_post(&self, client: &Client, path: &str, token: &str) -> (u16, Value) {
        self.form_post(
            path,
            &[
                ("token", token),
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
            ],
        )
        .await
    }

    /// Signs `BBUser<n>` in on the connected-apps pages (no flow) in `browser`; returns
    /// the sign-in POST's answer (303 to the page on success).
    pub async fn enrollee_sign_in(
        &self,
        browser: &reqwest::Client,
        user_index: u32,
    ) -> reqwest::Response {
        let page = browser
            .get(self.url("/mymedicare/login"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "sign-in page");
        let html = page.text().await.unwrap();
        let (user, password) = sandbox_user(user_index);
        browser
            .post(self.url("/mymedicare/login"))
            .form(&[
                ("username", user.as_str()),
                ("password", password.as_str()),
                ("csrf_token", &hidden(&html, "csrf_token")),
            ])
            .send()
            .await
            .unwrap()
    }

    fn absolute(&self, location: &str) -> String {
        if location.starts_with('/') {
            self.url(location)
        } else {
            location.to_owned()
        }
    }
}

/// `BBUser<n>` and its password.
pub fn sandbox_user(index: u32) -> (String, String) {
    (format!("BBUser{index:05}"), format!("PW{index:05}!"))
}

/// The `Location` header.
pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A query parameter of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Form-encodes a value.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The value of the input named `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name} in page"));
    let start = html[..at].rfind('<').unwrap_or(0);
    let end = at + html[at..].find('>').unwrap_or(0);
    let tag = &html[start..end];
    let value = tag
        .split("value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap_or_default();
    value
        .replace("&amp;", "&")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
}

/// The `action` of the first `<form method="post">`.
pub fn form_action(html: &str) -> String {
    let at = html.find("<form").expect("a form");
    let tag = &html[at..at + html[at..].find('>').unwrap_or(0)];
    tag.split("action=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap_or_default()
        .replace("&amp;", "&")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
}

/// The `Authorization: Basic` value of a client (RFC 6749 §2.3.1: id and secret
/// form-encoded, then base64).
pub fn basic_auth(client: &Client) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            encode(&client.client_id),
            encode(&client.client_secret)
        ))
    )
}

/// The decoded header of a JWT.
pub fn jwt_header(token: &str) -> Value {
    let header = token.split('.').next().expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64url header"))
        .expect("a JSON header")
}
