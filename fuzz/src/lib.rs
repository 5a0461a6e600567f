//! What the HTTP fuzz targets share: the real router (`bb_web::router`) over the real
//! services on a fresh in-memory SQLite store (testkit's `spawn_app`), set up once per
//! fuzzing process with a registered OAuth client and a signed-in developer, and driven
//! in process with `tower::ServiceExt::oneshot` (no socket per input).
//!
//! Inputs are request texts in which placeholders stand for what the fuzzer cannot guess
//! (the random client id and secret, the CSRF values, the organization id); see
//! [`Harness::fill`].

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bb_testkit::TestApp;
use bb_testkit::oauth::Client;
use bb_testkit::portal::Developer;
use reqwest::cookie::CookieStore;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// The double-submit CSRF value the anonymous portal forms are sent with (cookie and field).
pub const ANONYMOUS_CSRF: &str = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz";

/// The registered client's redirect URI.
pub const REDIRECT_URI: &str = "http://localhost:3000/callback";

/// The server and what the inputs may refer to.
pub struct Harness {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    /// The registered OAuth client.
    pub client: Client,
    /// The signed-in developer's cookies (`bb_portal=…`).
    pub session_cookie: String,
    /// The signed-in session's CSRF value.
    pub session_csrf: String,
    /// The developer's organization id.
    pub organization: String,
    _app: TestApp,
}

/// The answer to one request.
pub struct Answer {
    /// Status.
    pub status: StatusCode,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// The process's harness, set up on first use.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(Harness::start)
}

/// The first `<option value>` of the page's organization select.
fn first_organization(html: &str) -> String {
    let Some(at) = html.find("name=\"organization\"") else {
        return String::new();
    };
    let rest = &html[at..];
    let Some(open) = rest.find("<option value=\"") else {
        return String::new();
    };
    let rest = &rest[open + "<option value=\"".len()..];
    rest[..rest.find('"').unwrap_or(0)].to_owned()
}

impl Harness {
    #[allow(clippy::expect_used)] // no harness, no fuzzing: failing loudly is right
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (app, client, session_cookie, session_csrf, organization) = runtime.block_on(async {
            let app = bb_testkit::spawn_app().await;
            let client = app
                .register_client(
                    "Fuzz client",
                    bb_domain::apps::DataAccessType::ThirteenMonth,
                    true,
                    &[REDIRECT_URI],
                )
                .await;
            let jar = Arc::new(reqwest::cookie::Jar::default());
            let browser = reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("browser");
            app.signed_in_developer(&browser, &Developer::new("fuzz@example.org"))
                .await;
            let (html, csrf) = app
                .form_page(&browser, "/v2/o/applications/register/")
                .await;
            let url = app.url("/").parse().expect("base url");
            let cookies = jar
                .cookies(&url)
                .and_then(|v| v.to_str().ok().map(str::to_owned))
                .unwrap_or_default();
            (app, client, cookies, csrf, first_organization(&html))
        });
        let router = bb_web::router(bb_web::AppState {
            services: app.services.clone(),
            config: bb_web::WebConfig::default(),
        });
        Self {
            runtime,
            router,
            client,
            session_cookie,
            session_csrf,
            organization,
            _app: app,
        }
    }

    /// Replaces the placeholders: `{client_id}`, `{client_secret}`, `{redirect_uri}`,
    /// `{basic}` (the client's HTTP Basic credentials), `{csrf}` (the anonymous forms'),
    /// `{session_csrf}`, `{org}`.
    pub fn fill(&self, text: &str) -> String {
        if !text.contains('{') {
            return text.to_owned();
        }
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.client.client_id, self.client.client_secret
        ));
        text.replace("{client_id}", &self.client.client_id)
            .replace("{client_secret}", &self.client.client_secret)
            .replace("{redirect_uri}", REDIRECT_URI)
            .replace("{basic}", &basic)
            .replace("{csrf}", ANONYMOUS_CSRF)
            .replace("{session_csrf}", &self.session_csrf)
            .replace("{org}", &self.organization)
    }

    /// Sends one request through the whole router (middleware included) and reads the
    /// answer. A 500 is a failure of the server on client input: the fuzz targets treat it
    /// as a crash.
    pub fn send(&self, request: Request<Body>) -> Answer {
        self.runtime.block_on(async {
            let response = match self.router.clone().oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .map(|b| b.to_vec())
                .unwrap_or_default();
            Answer { status, body }
        })
    }
}

/// Splits an input into its first `n` lines (without line ends) and the rest.
pub fn lines(data: &[u8], n: usize) -> Option<(Vec<String>, &[u8])> {
    let mut out = Vec::with_capacity(n);
    let mut rest = data;
    for _ in 0..n {
        let at = rest.iter().position(|b| *b == b'\n')?;
        out.push(String::from_utf8_lossy(&rest[..at]).into_owned());
        rest = &rest[at + 1..];
    }
    Some((out, rest))
}
