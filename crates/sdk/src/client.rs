//! [`BlueButton`] (the app's side of OAuth: authorize URL with PKCE S256 and state, code
//! exchange, refresh, revoke) and [`Session`] (an enrollee's token and the calls made with
//! it: Patient, Coverage, ExplanationOfBenefit, every page, userinfo, custom paths).
//!
//! Every GET of a session refreshes the token first when it has expired by the local clock
//! (30 s early) and once more when the server answers 401, and retries connection failures
//! and the configured statuses with backoff, honouring `Retry-After`. Token calls are never
//! retried. A `next` link is followed only on the configured server's origin: a link to
//! another host is re-based onto it (as the official SDKs do for their base), so the bearer
//! token is never sent anywhere else.

use crate::clock::{Clock, SystemClock, random_bytes};
use crate::config::Config;
use crate::error::Error;
use crate::retry;
use crate::secret::Secret;
use crate::token::{AuthToken, TokenResponse};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bb_fhir::OperationOutcome;
use bb_fhir::model::{Bundle, Coverage, ExplanationOfBenefit, Patient};
use futures_util::{Stream, TryStreamExt, stream};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;
use url::Url;

/// How early a token counts as expired, so it does not expire in flight.
const EXPIRY_MARGIN_SECONDS: i64 = 30;
/// `X-BLUEBUTTON-SDK`, as the official SDKs send `python` / `node`.
const SDK_NAME: &str = "rust";
/// `X-BLUEBUTTON-SDK-VERSION`.
const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The most of an error body kept in [`Error::Http`].
const BODY_EXCERPT: usize = 500;

/// The client: configuration, one HTTP connection pool, a clock. Cheap to clone.
#[derive(Clone)]
pub struct BlueButton {
    config: Arc<Config>,
    base: Url,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for BlueButton {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlueButton")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One authorization in progress: the URL to send the enrollee's browser to, and what
/// the callback must be checked and exchanged with. Keep it (e.g. in the app's session)
/// until the callback arrives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    /// `…/v{N}/o/authorize/?client_id=…&redirect_uri=…&state=…&response_type=code&code_challenge_method=S256&code_challenge=…`
    pub url: Url,
    /// The state sent (43 base64url characters).
    pub state: String,
    /// The PKCE verifier (43 base64url characters).
    pub code_verifier: Secret,
}

/// What came back on the callback URL's query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Callback {
    /// `code`.
    pub code: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `error` (e.g. `access_denied`).
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
}

impl Callback {
    /// Reads a query string (with or without the leading `?`).
    pub fn from_query(query: &str) -> Self {
        let mut callback = Self::default();
        for (k, v) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let slot = match k.as_ref() {
                "code" => &mut callback.code,
                "state" => &mut callback.state,
                "error" => &mut callback.error,
                "error_description" => &mut callback.error_description,
                _ => continue,
            };
            *slot = Some(v.into_owned());
        }
        callback
    }

    /// Reads the query of a callback URL.
    pub fn from_url(url: &Url) -> Self {
        Self::from_query(url.query().unwrap_or_default())
    }
}

/// `GET /v{N}/connect/userinfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserInfo {
    /// The patient id.
    pub sub: String,
    /// The patient id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<String>,
    /// Full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// E-mail (BB2: empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl BlueButton {
    /// A client for `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the HTTP client cannot be built.
    pub fn new(config: Config) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("bluebutton-sdk-rust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            base: config.base_url(),
            config: Arc::new(config),
            http,
            clock: Arc::new(SystemClock),
        })
    }

    /// The same client reading time from `clock` (tests; the default is the system clock).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The API's base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `{base}/v{N}/{path}`.
    ///
    /// # Errors
    /// [`Error::Config`] when the result is not a URL.
    pub fn api_url(&self, path: &str) -> Result<Url, Error> {
        let text = format!(
            "{}/v{}/{}",
            self.base.as_str().trim_end_matches('/'),
            self.config.version,
            path.trim_start_matches('/')
        );
        Url::parse(&text).map_err(|e| Error::Config(format!("URL {text}: {e}")))
    }

    /// Starts an authorization: a fresh state and PKCE verifier, and the authorize URL
    /// (no `scope`: the app's registered scopes are granted, as with the official SDKs).
    ///
    /// # Errors
    /// [`Error::Config`] when the URL cannot be built.
    pub fn authorize(&self) -> Result<AuthorizationRequest, Error> {
        self.authorize_with(&[])
    }

    /// [`Self::authorize`] with extra query parameters (e.g. `("scope", "…")`, `("lang", "es")`).
    ///
    /// # Errors
    /// [`Error::Config`] when the URL cannot be built.
    pub fn authorize_with(&self, extra: &[(&str, &str)]) -> Result<AuthorizationRequest, Error> {
        let state = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
        let verifier = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
        let challenge = pkce_challenge(&verifier);
        let mut url = self.api_url("o/authorize/")?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", self.config.callback_url.as_str())
            .append_pair("state", &state)
            .append_pair("response_type", "code")
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", &challenge)
            .extend_pairs(extra.iter());
        Ok(AuthorizationRequest {
            url,
            state,
            code_verifier: Secret::new(verifier),
        })
    }

    /// Checks the callback against `request` (state first, then `error`, then the code)
    /// and exchanges the code for tokens.
    ///
    /// # Errors
    /// [`Error::StateMismatch`], [`Error::AccessDenied`], [`Error::Callback`] for a bad
    /// callback; [`Error::OAuth`] when the token endpoint refuses; transport errors.
    pub async fn exchange(
        &self,
        request: &AuthorizationRequest,
        callback: &Callback,
    ) -> Result<AuthToken, Error> {
        if callback.state.as_deref() != Some(request.state.as_str()) {
            return Err(Error::StateMismatch);
        }
        match callback.error.as_deref() {
            Some("access_denied") => return Err(Error::AccessDenied),
            Some(other) => {
                return Err(Error::Callback(match &callback.error_description {
                    Some(d) => format!("{other}: {d}"),
                    None => other.to_owned(),
                }));
            }
            None => {}
        }
        let code = callback
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::Callback("no code".into()))?;
        self.exchange_code(code, &request.code_verifier).await
    }

    /// Exchanges an authorization code (client credentials in the body, as the Node SDK).
    ///
    /// # Errors
    /// [`Error::OAuth`] when the token endpoint refuses; transport errors.
    pub async fn exchange_code(&self, code: &str, verifier: &Secret) -> Result<AuthToken, Error> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.config.callback_url.as_str()),
            ("code_verifier", verifier.expose()),
            ("client_id", &self.config.client_id),
            ("client_secret", self.config.client_secret.expose()),
        ];
        self.token_call(&form, false).await
    }

    /// Refreshes a token (HTTP Basic client authentication, as both official SDKs). BB2
    /// rotates the refresh token: keep the returned token, the old one is spent.
    ///
    /// # Errors
    /// [`Error::NoRefreshToken`]; [`Error::OAuth`] (`invalid_grant` for a spent or
    /// revoked refresh token); transport errors.
    pub async fn refresh(&self, token: &AuthToken) -> Result<AuthToken, Error> {
        let refresh = token.refresh_token.as_ref().ok_or(Error::NoRefreshToken)?;
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
            ("client_id", self.config.client_id.as_str()),
        ];
        self.token_call(&form, true).await
    }

    /// Ends the enrollee's authorization of this app (BB2's `POST /v{N}/o/revoke/`):
    /// every access and refresh token of the grant stops working. For a Disconnect button.
    ///
    /// # Errors
    /// [`Error::OAuth`] when the client is refused; transport errors.
    pub async fn revoke(&self, token: &AuthToken) -> Result<(), Error> {
        let url = self.api_url("o/revoke/")?;
        let form = [
            ("token", token.access_token.expose()),
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.expose()),
        ];
        let what = "POST o/revoke/";
        let response = self
            .http
            .post(url)
            .header("accept", "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| Error::from_reqwest(what, &e))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(oauth_error(what, response).await)
        }
    }

    /// A session for an enrollee's token.
    pub fn session(&self, token: AuthToken) -> Session {
        Session {
            client: self.clone(),
            token,
        }
    }

    async fn token_call(&self, form: &[(&str, &str)], basic: bool) -> Result<AuthToken, Error> {
        let url = self.api_url("o/token/")?;
        let what = "POST o/token/";
        let mut request = self
            .http
            .post(url)
            .header("accept", "application/json")
            .form(form);
        if basic {
            request = request.header("authorization", self.basic_auth());
        }
        // Never retried: a code is single-use and a refresh token rotates.
        let response = request
            .send()
            .await
            .map_err(|e| Error::from_reqwest(what, &e))?;
        if !response.status().is_success() {
            return Err(oauth_error(what, response).await);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Error::from_reqwest(what, &e))?;
        let parsed: TokenResponse = serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            what: what.into(),
            reason: e.to_string(),
        })?;
        Ok(parsed.into_token(self.clock.now()))
    }

    /// RFC 6749 §2.3.1: id and secret form-encoded, then base64.
    fn basic_auth(&self) -> String {
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!(
            "Basic {}",
            STANDARD.encode(format!(
                "{}:{}",
                encode(&self.config.client_id),
                encode(self.config.client_secret.expose())
            ))
        )
    }

    /// `link` on the configured origin: as is when it already is, else its path and query
    /// on the base (relative links are resolved against the base).
    ///
    /// # Errors
    /// [`Error::Decode`] when it is not a URL.
    pub fn resolve_link(&self, link: &str) -> Result<Url, Error> {
        let parsed = match Url::parse(link) {
            Ok(url) => url,
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                self.base.join(link).map_err(|e| bad_link(link, &e))?
            }
            Err(e) => return Err(bad_link(link, &e)),
        };
        if parsed.origin() == self.base.origin() {
            return Ok(parsed);
        }
        let mut rebased = self.base.clone();
        rebased.set_path(parsed.path());
        rebased.set_query(parsed.query());
        Ok(rebased)
    }
}

fn bad_link(link: &str, e: &url::ParseError) -> Error {
    Error::Decode {
        what: "a paging link".into(),
        reason: format!("{link:?}: {e}"),
    }
}

/// `BASE64URL(SHA256(verifier))`, unpadded (RFC 7636 S256).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// An OAuth error body (`{"error","error_description"}`), else [`Error::Http`].
async fn oauth_error(what: &str, response: reqwest::Response) -> Error {
    #[derive(Deserialize)]
    struct OAuthBody {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    match serde_json::from_str::<OAuthBody>(&body) {
        Ok(b) => Error::OAuth {
            status,
            error: b.error,
            description: b.error_description,
        },
        Err(_) => http_error(status, what, &body),
    }
}

/// An API error: an `OperationOutcome`, BB2's `{"detail"}`, else [`Error::Http`].
async fn api_error(what: &str, response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    let Ok(json) = serde_json::from_str::<Value>(&body) else {
        return http_error(status, what, &body);
    };
    if json.get("resourceType").and_then(Value::as_str) == Some("OperationOutcome")
        && let Ok(outcome) = serde_json::from_value::<OperationOutcome>(json.clone())
    {
        let detail = outcome.issue.iter().find_map(|i| i.diagnostics.clone());
        return Error::Api {
            status,
            outcome: Some(outcome),
            detail,
        };
    }
    if let Some(detail) = json.get("detail").and_then(Value::as_str) {
        return Error::Api {
            status,
            outcome: None,
            detail: Some(detail.to_owned()),
        };
    }
    http_error(status, what, &body)
}

fn http_error(status: u16, what: &str, body: &str) -> Error {
    let mut end = body.len().min(BODY_EXCERPT);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    Error::Http {
        status,
        what: what.to_owned(),
        body: body[..end].to_owned(),
    }
}

/// An enrollee's token and the calls made with it. Methods take `&mut self` because a
/// call may refresh the token; read the current one with [`Session::token`] and keep it.
pub struct Session {
    client: BlueButton,
    token: AuthToken,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// Where a page stream is.
enum Cursor<R> {
    First(Box<Bundle<R>>),
    Next(Url),
    Done,
}

impl Session {
    /// The current token (it changes when a call refreshes it).
    pub fn token(&self) -> &AuthToken {
        &self.token
    }

    /// Takes the current token.
    pub fn into_token(self) -> AuthToken {
        self.token
    }

    /// The client.
    pub fn client(&self) -> &BlueButton {
        &self.client
    }

    /// Refreshes the token now.
    ///
    /// # Errors
    /// As [`BlueButton::refresh`].
    pub async fn refresh(&mut self) -> Result<(), Error> {
        self.token = self.client.refresh(&self.token).await?;
        Ok(())
    }

    /// Ends the authorization ([`BlueButton::revoke`]).
    ///
    /// # Errors
    /// As [`BlueButton::revoke`].
    pub async fn revoke(self) -> Result<(), Error> {
        self.client.revoke(&self.token).await
    }

    /// `GET /v{N}/fhir/Patient/`: the enrollee's Patient, as a search Bundle.
    ///
    /// # Errors
    /// [`Error::Api`] (401 revoked, 403 without the Patient scope, …) and the rest.
    pub async fn patient(&mut self) -> Result<Bundle<Patient>, Error> {
        self.search("Patient", &[]).await
    }

    /// `GET /v{N}/fhir/Coverage/`: the enrollee's coverages (parts A, B, C, D).
    ///
    /// # Errors
    /// As [`Session::patient`].
    pub async fn coverage(&mut self) -> Result<Bundle<Coverage>, Error> {
        self.search("Coverage", &[]).await
    }

    /// `GET /v{N}/fhir/ExplanationOfBenefit/`: the first page of the enrollee's claims.
    ///
    /// # Errors
    /// As [`Session::patient`].
    pub async fn explanation_of_benefit(&mut self) -> Result<Bundle<ExplanationOfBenefit>, Error> {
        self.search("ExplanationOfBenefit", &[]).await
    }

    /// `GET /v{N}/fhir/{resource}/?params…`: a search, typed by `R`.
    ///
    /// # Errors
    /// As [`Session::patient`].
    pub async fn search<R: DeserializeOwned>(
        &mut self,
        resource: &str,
        params: &[(&str, &str)],
    ) -> Result<Bundle<R>, Error> {
        let mut url = self.client.api_url(&format!("fhir/{resource}/"))?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params.iter());
        }
        self.get_url(url).await
    }

    /// `GET /v{N}/fhir/{resource}/{id}`: a read, typed by `R`.
    ///
    /// # Errors
    /// As [`Session::patient`]; 404 for another enrollee's resource.
    pub async fn read<R: DeserializeOwned>(
        &mut self,
        resource: &str,
        id: &str,
    ) -> Result<R, Error> {
        let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        let url = self.client.api_url(&format!("fhir/{resource}/{id}"))?;
        self.get_url(url).await
    }

    /// `GET /v{N}/connect/userinfo` (needs the `profile` scope).
    ///
    /// # Errors
    /// As [`Session::patient`].
    pub async fn userinfo(&mut self) -> Result<UserInfo, Error> {
        let url = self.client.api_url("connect/userinfo")?;
        self.get_url(url).await
    }

    /// Any GET as JSON: a path under `/v{N}/` (e.g. `fhir/metadata`) or an absolute URL on
    /// the configured server (e.g. a paging link).
    ///
    /// # Errors
    /// As [`Session::patient`].
    pub async fn get_json(&mut self, path_or_url: &str) -> Result<Value, Error> {
        let url = if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            self.client.resolve_link(path_or_url)?
        } else {
            self.client.api_url(path_or_url)?
        };
        self.get_url(url).await
    }

    /// Every page from `first` on, following `next` links: `first` itself, then each
    /// following page as it is fetched.
    pub fn pages<'a, R: DeserializeOwned + 'a>(
        &'a mut self,
        first: Bundle<R>,
    ) -> impl Stream<Item = Result<Bundle<R>, Error>> + 'a {
        stream::try_unfold(
            (self, Cursor::First(Box::new(first))),
            |(session, cursor)| async move {
                let page = match cursor {
                    Cursor::Done => return Ok(None),
                    Cursor::First(page) => *page,
                    Cursor::Next(url) => session.get_url::<Bundle<R>>(url).await?,
                };
                let next = match page.next_link() {
                    Some(link) => {
                        let url = session.client.resolve_link(link)?;
                        let this = page
                            .link("self")
                            .and_then(|l| session.client.resolve_link(l).ok());
                        if this.as_ref() == Some(&url) {
                            Cursor::Done // a next link to itself would never end
                        } else {
                            Cursor::Next(url)
                        }
                    }
                    None => Cursor::Done,
                };
                Ok(Some((page, (session, next))))
            },
        )
    }

    /// Every page from `first` on, collected (the official SDKs' `get_pages`).
    ///
    /// # Errors
    /// The first failing page's error.
    pub async fn all_pages<R: DeserializeOwned>(
        &mut self,
        first: Bundle<R>,
    ) -> Result<Vec<Bundle<R>>, Error> {
        self.pages(first).try_collect().await
    }

    /// Every resource of a search over all its pages.
    ///
    /// # Errors
    /// The first failing page's error.
    pub async fn search_all<R: DeserializeOwned>(
        &mut self,
        resource: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<R>, Error> {
        let first = self.search::<R>(resource, params).await?;
        let pages = self.all_pages(first).await?;
        Ok(pages.into_iter().flat_map(Bundle::into_resources).collect())
    }

    /// A GET with the bearer token, refresh and retries, read as `T`.
    async fn get_url<T: DeserializeOwned>(&mut self, url: Url) -> Result<T, Error> {
        let what = format!("GET {}", url.path());
        let response = self.send_get(&url, &what).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Error::from_reqwest(&what, &e))?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            what,
            reason: e.to_string(),
        })
    }

    async fn send_get(&mut self, url: &Url, what: &str) -> Result<reqwest::Response, Error> {
        let config = self.client.config.clone();
        let auto_refresh = config.token_refresh_on_expire;
        if auto_refresh
            && self.token.refresh_token.is_some()
            && self.token.is_expired_at(
                self.client.clock.now(),
                chrono::Duration::seconds(EXPIRY_MARGIN_SECONDS),
            )
        {
            self.refresh().await?;
        }
        let retry = &config.retry;
        let mut retries = 0u32;
        let mut refreshed_on_401 = false;
        loop {
            let sent = self
                .client
                .http
                .get(url.clone())
                .bearer_auth(self.token.access_token.expose())
                .header("accept", "application/fhir+json, application/json")
                .header("x-bluebutton-sdk", SDK_NAME)
                .header("x-bluebutton-sdk-version", SDK_VERSION)
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(e) if e.is_connect() && retries < retry.total => {
                    retries += 1;
                    tokio::time::sleep(retry::backoff(retry, retries)).await;
                    continue;
                }
                Err(e) => {
                    let err = Error::from_reqwest(what, &e);
                    return Err(exhausted(retries, err));
                }
            };
            let status = response.status().as_u16();
            if response.status().is_success() {
                return Ok(response);
            }
            if status == 401
                && auto_refresh
                && !refreshed_on_401
                && self.token.refresh_token.is_some()
            {
                // The server no longer takes the token (expired by its clock, or rotated
                // elsewhere): refresh once and try again.
                refreshed_on_401 = true;
                self.refresh().await?;
                continue;
            }
            if retry.status_forcelist.contains(&status) && retries < retry.total {
                retries += 1;
                let header = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let wait =
                    retry::wait_before(retry, retries, header.as_deref(), self.client.clock.now());
                drop(response);
                tokio::time::sleep(wait).await;
                continue;
            }
            let err = api_error(what, response).await;
            return Err(if retry.status_forcelist.contains(&status) {
                exhausted(retries, err)
            } else {
                err
            });
        }
    }
}

fn exhausted(retries: u32, err: Error) -> Error {
    if retries == 0 {
        err
    } else {
        Error::RetriesExhausted {
            attempts: retries + 1,
            last: Box::new(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> BlueButton {
        let config = Config::new("id", "secret", "http://127.0.0.1:3001/callback")
            .and_then(|c| c.with_base_url(base))
            .unwrap();
        BlueButton::new(config).unwrap()
    }

    #[test]
    fn authorize_url_has_pkce_s256_and_a_fresh_state() {
        let c = client("http://127.0.0.1:8017");
        let a = c.authorize().unwrap();
        let b = c.authorize().unwrap();
        assert_ne!(a.state, b.state);
        assert_eq!(a.state.len(), 43);
        assert_eq!(a.code_verifier.expose().len(), 43);
        assert_eq!(a.url.path(), "/v2/o/authorize/");
        let q = Callback::from_url(&a.url);
        assert_eq!(q.state.as_deref(), Some(a.state.as_str()));
        let pairs: std::collections::HashMap<_, _> = a.url.query_pairs().into_owned().collect();
        assert_eq!(pairs["client_id"], "id");
        assert_eq!(pairs["redirect_uri"], "http://127.0.0.1:3001/callback");
        assert_eq!(pairs["response_type"], "code");
        assert_eq!(pairs["code_challenge_method"], "S256");
        assert_eq!(
            pairs["code_challenge"],
            pkce_challenge(a.code_verifier.expose())
        );
        assert!(!format!("{a:?}").contains(a.code_verifier.expose()));
    }

    #[test]
    fn rfc7636_appendix_b_challenge() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn links_stay_on_the_configured_origin() {
        let c = client("http://localhost:8017");
        let same = "http://localhost:8017/v2/fhir/ExplanationOfBenefit?startIndex=10&_count=10";
        assert_eq!(c.resolve_link(same).unwrap().as_str(), same);
        assert_eq!(
            c.resolve_link("http://127.0.0.1:8017/v2/fhir/Coverage?startIndex=10")
                .unwrap()
                .as_str(),
            "http://localhost:8017/v2/fhir/Coverage?startIndex=10"
        );
        assert_eq!(
            c.resolve_link("https://evil.example/steal?x=1")
                .unwrap()
                .host_str(),
            Some("localhost")
        );
        assert_eq!(
            c.resolve_link("/v2/fhir/Patient/").unwrap().as_str(),
            "http://localhost:8017/v2/fhir/Patient/"
        );
    }

    #[test]
    fn callbacks_are_checked_state_first() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let c = client("http://127.0.0.1:9");
        let request = c.authorize().unwrap();
        let forged = Callback::from_query("code=abc&state=someone-else");
        assert!(matches!(
            rt.block_on(c.exchange(&request, &forged)),
            Err(Error::StateMismatch)
        ));
        let denied = Callback::from_query(&format!("error=access_denied&state={}", request.state));
        assert!(matches!(
            rt.block_on(c.exchange(&request, &denied)),
            Err(Error::AccessDenied)
        ));
        let empty = Callback::from_query(&format!("?state={}", request.state));
        assert!(matches!(
            rt.block_on(c.exchange(&request, &empty)),
            Err(Error::Callback(_))
        ));
    }
}
