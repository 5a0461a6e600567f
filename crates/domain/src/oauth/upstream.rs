//! The production login seam: an upstream OpenID Connect provider vouches for the enrollee.
//!
//! # The seam
//!
//! The enrollee's login (the step of the authorization flow where a Medicare enrollee proves
//! who they are before consenting) has two implementations, chosen by configuration
//! (`docs/design/authorization.md`, "Login seam"):
//!
//! - **sandbox**: the server's own form over `sandbox_logins` ([`crate::logins`]);
//! - **oidc**: this module. The server is a Relying Party (OpenID Connect Core 1.0) of an
//!   upstream provider, in production an identity provider for Medicare enrollees. The
//!   provider authenticates the person; the MBI claim it releases names the beneficiary,
//!   which the caller matches to a patient.
//!
//! # The flow
//!
//! 1. At start-up, [`UpstreamOidc::discover`] reads `{issuer}/.well-known/openid-configuration`
//!    (its `issuer` must equal the configured one exactly, OpenID Connect Discovery 1.0 §4.3)
//!    and the provider's JWKS.
//! 2. [`UpstreamOidc::start`] makes the authorization request (authorization code flow,
//!    RFC 6749 §4.1) with `state`, `nonce` and a PKCE S256 challenge (RFC 7636); the caller
//!    keeps the returned [`UpstreamPending`] in its flow row and sends the browser to the URL.
//!    `state` starts with the flow id, so the callback finds the row
//!    ([`UpstreamOidc::flow_id_of`]).
//! 3. On the callback, [`UpstreamOidc::finish`] checks `state` (constant time), redeems the
//!    code at the token endpoint (`client_secret_basic`, with the PKCE verifier), verifies the
//!    ID token (RS256 signature against the JWKS by `kid`, fetched again once for an unknown
//!    `kid`; `iss`, `aud`/`azp`, `exp` and `iat` with [`CLOCK_LEEWAY_SECONDS`], `nonce`,
//!    `at_hash` when present; OpenID Connect Core 1.0 §3.1.3.7) and takes the MBI claim from
//!    the ID token or else from the userinfo endpoint, whose `sub` must equal the ID token's.
//!
//! # Rules kept here
//!
//! - Time and randomness are injected: `now` is a parameter, `state`, `nonce` and the PKCE
//!   verifier come from the caller's [`Entropy`].
//! - Endpoints must be `https`, except on a loopback host (`localhost`, `127.0.0.0/8`,
//!   `[::1]`) for development and tests. Redirects are never followed; responses are capped
//!   at [`MAX_RESPONSE_BYTES`]; every request times out.
//! - Errors carry no token, code, secret or claim value (an MBI is PHI): only which check
//!   failed. A failed check of the callback is [`DomainError::Invalid`] (the login must
//!   start again); an unreachable or misbehaving provider is [`DomainError::Unavailable`].
//!
//! Tested against `oidc-provider` (npm) on loopback: `tests/oidc/` and
//! `crates/domain/tests/it/upstream.rs`.

use crate::DomainError;
use crate::clock::{Entropy, random_alphanumeric};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BoxedUint, PublicKey};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use subtle::ConstantTimeEq;
use url::{Host, Url};

/// The claim that carries the MBI, unless configured otherwise.
pub const DEFAULT_MBI_CLAIM: &str = "mbi";

/// The scopes requested, unless configured otherwise: OpenID, the profile, and `mbi`, the
/// scope under which the test provider (and the default configuration) releases the MBI
/// claim. A provider that releases it under another scope needs `scopes` configured.
pub const DEFAULT_SCOPES: &str = "openid profile mbi";

/// Allowed difference between our clock and the provider's, for `exp` and `iat`.
pub const CLOCK_LEEWAY_SECONDS: i64 = 60;

/// The oldest `iat` accepted: an ID token from the token endpoint was issued just now.
pub const MAX_ID_TOKEN_AGE_SECONDS: i64 = 600;

/// The largest response body read from the provider.
pub const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Timeout of each request to the provider, connection included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Smallest RSA modulus accepted for RS256 (RFC 7518 §3.3).
const MIN_KEY_BITS: usize = 2048;

/// Largest RSA modulus accepted (bounds the cost of a verification).
const MAX_KEY_BITS: usize = 8192;

/// Lengths of the random values of an authorization request.
const STATE_RANDOM_LEN: usize = 32;
const NONCE_LEN: usize = 32;
/// RFC 7636 §4.1: 43 to 128 characters; 64 alphanumerics carry about 381 bits.
const CODE_VERIFIER_LEN: usize = 64;

/// What the server needs to be a client of the upstream provider (`[login]` in the
/// configuration).
#[derive(Clone, Debug)]
pub struct UpstreamConfig {
    /// The provider's issuer identifier, exactly as its discovery document states it.
    pub issuer: String,
    /// Our client id at the provider.
    pub client_id: String,
    /// Our client secret at the provider (sent with `client_secret_basic`).
    pub client_secret: SecretString,
    /// Our callback, e.g. `http://localhost:8000/mymedicare/oidc-callback`, registered at
    /// the provider.
    pub redirect_uri: String,
    /// The claim that carries the MBI ([`DEFAULT_MBI_CLAIM`]).
    pub mbi_claim: String,
    /// The space-separated scopes requested ([`DEFAULT_SCOPES`]); must include `openid`.
    pub scopes: String,
}

impl UpstreamConfig {
    /// A configuration with the default MBI claim and scopes.
    pub fn new(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: SecretString,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret,
            redirect_uri: redirect_uri.into(),
            mbi_claim: DEFAULT_MBI_CLAIM.into(),
            scopes: DEFAULT_SCOPES.into(),
        }
    }
}

/// What must survive between [`UpstreamOidc::start`] and [`UpstreamOidc::finish`] (the
/// caller stores it as JSON in its flow row). `Debug` hides the PKCE verifier.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct UpstreamPending {
    /// `{flow_id}.{random}`, sent as `state` and expected back on the callback.
    pub state: String,
    /// Sent as `nonce`; the ID token must carry it.
    pub nonce: String,
    /// The PKCE verifier whose S256 challenge was sent.
    pub code_verifier: String,
}

impl fmt::Debug for UpstreamPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamPending")
            .field("state", &self.state)
            .field("nonce", &self.nonce)
            .field("code_verifier", &"<redacted>")
            .finish()
    }
}

/// Who the provider says logged in. `Debug` hides the MBI (PHI).
#[derive(Clone, PartialEq, Eq)]
pub struct UpstreamIdentity {
    /// The provider's subject identifier (`sub`).
    pub subject: String,
    /// The MBI claim, when the provider released one (not yet parsed or matched).
    pub mbi: Option<String>,
}

impl fmt::Debug for UpstreamIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamIdentity")
            .field("subject", &self.subject)
            .field("mbi", &self.mbi.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// One verification key of the provider's JWKS (RSA, for RS256).
struct Jwk {
    kid: Option<String>,
    key: VerifyingKey<Sha256>,
}

/// A client of one upstream OpenID Connect provider: its discovered endpoints, an HTTP
/// client, the configuration and the provider's keys (cached, fetched again on an unknown
/// `kid`). Cheap to share behind an `Arc`; methods take `&self`.
pub struct UpstreamOidc {
    config: UpstreamConfig,
    http: reqwest::Client,
    authorization_endpoint: Url,
    token_endpoint: Url,
    userinfo_endpoint: Option<Url>,
    jwks_uri: Url,
    keys: RwLock<Arc<Vec<Jwk>>>,
}

impl fmt::Debug for UpstreamOidc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamOidc")
            .field("issuer", &self.config.issuer)
            .field("client_id", &self.config.client_id)
            .field(
                "authorization_endpoint",
                &self.authorization_endpoint.as_str(),
            )
            .field("token_endpoint", &self.token_endpoint.as_str())
            .field(
                "userinfo_endpoint",
                &self.userinfo_endpoint.as_ref().map(Url::as_str),
            )
            .field("jwks_uri", &self.jwks_uri.as_str())
            .field("keys", &self.current_keys().len())
            .finish_non_exhaustive()
    }
}

/// The parts of the discovery document used here (OpenID Connect Discovery 1.0 §3).
#[derive(Deserialize)]
struct ProviderMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    id_token_signing_alg_values_supported: Option<Vec<String>>,
    #[serde(default)]
    response_types_supported: Option<Vec<String>>,
}

/// A successful token response (RFC 6749 §5.1, OpenID Connect Core 1.0 §3.1.3.3).
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    token_type: String,
    #[serde(default)]
    id_token: Option<String>,
}

/// An error response (RFC 6749 §5.2); only the code is kept.
#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
}

/// The JOSE header of the ID token (RFC 7515 §4.1).
#[derive(Deserialize)]
struct JwsHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<Value>,
}

/// A JWK Set (RFC 7517 §5); members are read one by one, unknown kinds skipped.
#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Value>,
}

impl UpstreamOidc {
    /// Reads the provider's discovery document at `{issuer}/.well-known/openid-configuration`
    /// (its `issuer` must equal `config.issuer` exactly) and its JWKS.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] (field `login`) for a configuration that cannot work: a
    /// malformed or non-https issuer or redirect URI, an issuer mismatch, scopes without
    /// `openid`, a provider without the code flow, PKCE S256, `client_secret_basic` or
    /// RS256, or a JWKS with no usable RS256 key; [`DomainError::Unavailable`] when the
    /// provider cannot be reached or answers with an error or malformed JSON.
    pub async fn discover(config: UpstreamConfig) -> Result<Self, DomainError> {
        let issuer_url = parse_endpoint("issuer", &config.issuer)?;
        if issuer_url.query().is_some() || issuer_url.fragment().is_some() {
            return Err(config_error(
                "the issuer must not have a query or a fragment",
            ));
        }
        parse_endpoint("redirect_uri", &config.redirect_uri)?;
        if config.client_id.is_empty() {
            return Err(config_error("client_id is empty"));
        }
        if !config.scopes.split(' ').any(|s| s == "openid") {
            return Err(config_error("scopes must include openid"));
        }
        if config.mbi_claim.is_empty() {
            return Err(config_error("mbi_claim is empty"));
        }

        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("bluebutton/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                tracing::error!(error = %e, "cannot build the HTTP client for the identity provider");
                DomainError::Unavailable("upstream identity provider: no HTTP client".into())
            })?;

        let discovery_url = parse_endpoint(
            "issuer",
            &format!(
                "{}/.well-known/openid-configuration",
                config.issuer.trim_end_matches('/')
            ),
        )?;
        let response = send(http.get(discovery_url), "discovery document").await?;
        let body = read_success(response, "discovery document").await?;
        let metadata: ProviderMetadata = parse_json(&body, "discovery document")?;

        if metadata.issuer != config.issuer {
            tracing::warn!(
                configured = %config.issuer,
                discovered = %metadata.issuer,
                "identity provider issuer mismatch"
            );
            return Err(config_error(
                "the discovery document names another issuer than the one configured \
                 (they must be equal, character for character)",
            ));
        }
        let lacks = |list: &Option<Vec<String>>, wanted: &str| {
            list.as_ref()
                .is_some_and(|values| !values.iter().any(|v| v == wanted))
        };
        if lacks(&metadata.response_types_supported, "code") {
            return Err(config_error(
                "the provider does not support the authorization code flow",
            ));
        }
        // Absent means "plain only or not at all" (RFC 8414 §2): S256 must be listed.
        if metadata
            .code_challenge_methods_supported
            .as_ref()
            .is_none_or(|methods| !methods.iter().any(|m| m == "S256"))
        {
            return Err(config_error("the provider does not announce PKCE S256"));
        }
        // Absent means client_secret_basic (OpenID Connect Discovery 1.0 §3).
        if lacks(
            &metadata.token_endpoint_auth_methods_supported,
            "client_secret_basic",
        ) {
            return Err(config_error(
                "the provider does not accept client_secret_basic",
            ));
        }
        if lacks(&metadata.id_token_signing_alg_values_supported, "RS256") {
            return Err(config_error(
                "the provider does not sign ID tokens with RS256",
            ));
        }

        let upstream = Self {
            authorization_endpoint: parse_endpoint(
                "authorization_endpoint",
                &metadata.authorization_endpoint,
            )?,
            token_endpoint: parse_endpoint("token_endpoint", &metadata.token_endpoint)?,
            userinfo_endpoint: metadata
                .userinfo_endpoint
                .as_deref()
                .map(|u| parse_endpoint("userinfo_endpoint", u))
                .transpose()?,
            jwks_uri: parse_endpoint("jwks_uri", &metadata.jwks_uri)?,
            http,
            config,
            keys: RwLock::new(Arc::new(Vec::new())),
        };
        upstream.refresh_keys().await?;
        if upstream.current_keys().is_empty() {
            return Err(config_error(
                "the provider's JWKS has no RSA key usable for RS256 (2048 to 8192 bits)",
            ));
        }
        Ok(upstream)
    }

    /// The configured issuer.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// The authorization request: the URL to send the browser to, and what
    /// [`finish`](Self::finish) needs later. `state` is `{flow_id}.{32 random}`, `nonce` 32
    /// random characters, the PKCE verifier 64 (its S256 challenge is sent).
    pub fn start(&self, flow_id: &str, entropy: &dyn Entropy) -> (String, UpstreamPending) {
        let pending = UpstreamPending {
            state: format!(
                "{flow_id}.{}",
                random_alphanumeric(entropy, STATE_RANDOM_LEN)
            ),
            nonce: random_alphanumeric(entropy, NONCE_LEN),
            code_verifier: random_alphanumeric(entropy, CODE_VERIFIER_LEN),
        };
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(pending.code_verifier.as_bytes()));
        let mut url = self.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.config.redirect_uri)
            .append_pair("scope", &self.config.scopes)
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        (url.into(), pending)
    }

    /// The flow id carried by a callback's `state`: what precedes the random part (the
    /// last `.`-separated part, which never contains a `.`). `None` for a `state` that
    /// [`start`](Self::start) cannot have made.
    pub fn flow_id_of(state: &str) -> Option<&str> {
        let (flow_id, random) = state.rsplit_once('.')?;
        let well_formed = !flow_id.is_empty()
            && random.len() == STATE_RANDOM_LEN
            && random.bytes().all(|b| b.is_ascii_alphanumeric());
        well_formed.then_some(flow_id)
    }

    /// Finishes the login on the callback: checks `state`, redeems `code`, verifies the ID
    /// token and reads the MBI claim (from the ID token, else from userinfo).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] with field `state` (not this login's), `code` (missing, or
    /// refused by the provider: expired, used already, or not ours), `id_token` (missing,
    /// malformed, bad signature, unknown key, wrong issuer, audience or nonce, expired,
    /// issued in the future or too long ago) or `userinfo` (another subject, or a claim of
    /// the wrong type); [`DomainError::Unavailable`] when the provider cannot be reached,
    /// refuses our client credentials or answers malformed data.
    pub async fn finish(
        &self,
        state: &str,
        code: &str,
        pending: &UpstreamPending,
        now: DateTime<Utc>,
    ) -> Result<UpstreamIdentity, DomainError> {
        if !bool::from(state.as_bytes().ct_eq(pending.state.as_bytes())) {
            return Err(DomainError::invalid(
                "state",
                "the callback does not belong to this login; start the login again",
            ));
        }
        if code.is_empty() {
            return Err(DomainError::invalid(
                "code",
                "the callback carries no authorization code",
            ));
        }

        let tokens = self.redeem(code, &pending.code_verifier).await?;
        let id_token = tokens.id_token.as_deref().ok_or_else(|| {
            DomainError::invalid("id_token", "the token response has no ID token")
        })?;
        let claims = self.verify_id_token(id_token).await?;
        let expected = Expected {
            issuer: &self.config.issuer,
            client_id: &self.config.client_id,
            nonce: &pending.nonce,
            now,
        };
        let subject = check_id_token_claims(&claims, &expected)?;
        check_at_hash(&claims, tokens.access_token.expose_secret())?;

        let mut mbi = claim_string(&claims, &self.config.mbi_claim, "id_token")?;
        if mbi.is_none()
            && let Some(endpoint) = &self.userinfo_endpoint
        {
            let userinfo = self.userinfo(endpoint, &tokens.access_token).await?;
            if userinfo.get("sub").and_then(Value::as_str) != Some(subject.as_str()) {
                return Err(DomainError::invalid(
                    "userinfo",
                    "the userinfo response is about another subject than the ID token",
                ));
            }
            mbi = claim_string(&userinfo, &self.config.mbi_claim, "userinfo")?;
        }
        Ok(UpstreamIdentity { subject, mbi })
    }

    /// Test support: forgets the cached keys, so that the next [`finish`](Self::finish)
    /// meets an unknown `kid` and fetches the JWKS again.
    #[cfg(feature = "test-support")]
    #[doc(hidden)]
    pub fn forget_keys(&self) {
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Vec::new());
    }

    /// Test support: how many keys are cached.
    #[cfg(feature = "test-support")]
    #[doc(hidden)]
    pub fn cached_key_count(&self) -> usize {
        self.current_keys().len()
    }

    /// The authorization code grant at the token endpoint (RFC 6749 §4.1.3), authenticated
    /// with `client_secret_basic` (RFC 6749 §2.3.1: id and secret form-encoded first).
    async fn redeem(&self, code: &str, code_verifier: &str) -> Result<Tokens, DomainError> {
        let user = form_encode(&self.config.client_id);
        let password = form_encode(self.config.client_secret.expose_secret());
        let request = self
            .http
            .post(self.token_endpoint.clone())
            .basic_auth(user, Some(password))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", self.config.redirect_uri.as_str()),
                ("code_verifier", code_verifier),
            ]);
        let response = send(request, "token endpoint").await?;
        let status = response.status();
        let body = read_limited(response, "token endpoint").await?;
        if !status.is_success() {
            let error = serde_json::from_slice::<OAuthErrorBody>(&body)
                .map(|b| sanitize_error_code(&b.error))
                .unwrap_or_default();
            return Err(match error.as_str() {
                "invalid_grant" => DomainError::invalid(
                    "code",
                    "the identity provider refused the authorization code (invalid_grant): \
                     it expired, was used already, or belongs to another login",
                ),
                "invalid_client" | "unauthorized_client" => {
                    tracing::error!(
                        status = status.as_u16(),
                        error = %error,
                        "the identity provider refused this server's client credentials"
                    );
                    DomainError::Unavailable(format!(
                        "upstream identity provider refused this server's client credentials \
                         ({error}); check [login] client_id and client_secret"
                    ))
                }
                _ => {
                    tracing::warn!(status = status.as_u16(), error = %error, "token endpoint error");
                    DomainError::Unavailable(format!(
                        "upstream identity provider: token endpoint answered HTTP {}{}",
                        status.as_u16(),
                        if error.is_empty() {
                            String::new()
                        } else {
                            format!(" ({error})")
                        }
                    ))
                }
            });
        }
        let response: TokenResponse = parse_json(&body, "token response")?;
        if !response.token_type.eq_ignore_ascii_case("bearer") {
            return Err(DomainError::Unavailable(
                "upstream identity provider: token response is not a Bearer token".into(),
            ));
        }
        Ok(Tokens {
            access_token: SecretString::from(response.access_token),
            id_token: response.id_token,
        })
    }

    /// Checks the ID token's JWS (RS256, a published `kid`; the JWKS is fetched again once
    /// if the `kid` is unknown) and returns its claims, not yet checked.
    async fn verify_id_token(&self, token: &str) -> Result<Map<String, Value>, DomainError> {
        let jws = Jws::parse(token)?;
        let verified = match jws.verify(&self.current_keys()) {
            Err(KeyMiss) => {
                tracing::info!("ID token signed with an unknown key: fetching the JWKS again");
                self.refresh_keys().await?;
                jws.verify(&self.current_keys())
            }
            found => found,
        };
        verified.map_err(|KeyMiss| {
            DomainError::invalid(
                "id_token",
                "the ID token is signed with a key the identity provider does not publish",
            )
        })??;
        jws.claims()
    }

    /// GET userinfo with the access token (OpenID Connect Core 1.0 §5.3); JSON only.
    async fn userinfo(
        &self,
        endpoint: &Url,
        access_token: &SecretString,
    ) -> Result<Map<String, Value>, DomainError> {
        let request = self
            .http
            .get(endpoint.clone())
            .bearer_auth(access_token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json");
        let response = send(request, "userinfo endpoint").await?;
        let signed = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/jwt"));
        let body = read_success(response, "userinfo endpoint").await?;
        if signed {
            return Err(DomainError::Unavailable(
                "upstream identity provider: signed userinfo responses are not supported; \
                 configure the client for JSON userinfo"
                    .into(),
            ));
        }
        parse_json(&body, "userinfo response")
    }

    /// The cached keys.
    fn current_keys(&self) -> Arc<Vec<Jwk>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Fetches the JWKS and replaces the cached keys with its usable ones.
    async fn refresh_keys(&self) -> Result<(), DomainError> {
        let response = send(self.http.get(self.jwks_uri.clone()), "JWKS").await?;
        let body = read_success(response, "JWKS").await?;
        let set: JwkSet = parse_json(&body, "JWKS")?;
        let keys: Vec<Jwk> = set.keys.iter().filter_map(rs256_key).collect();
        tracing::debug!(
            published = set.keys.len(),
            usable = keys.len(),
            "identity provider JWKS fetched"
        );
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        Ok(())
    }
}

/// The tokens of a token response; the access token is a secret.
struct Tokens {
    access_token: SecretString,
    id_token: Option<String>,
}

/// No key with the token's `kid` (or, without `kid`, not exactly one key).
struct KeyMiss;

/// A compact JWS, split and decoded (RFC 7515 §7.1).
struct Jws<'a> {
    header: JwsHeader,
    signed: &'a str,
    payload_b64: &'a str,
    signature: Signature,
}

impl<'a> Jws<'a> {
    fn parse(token: &'a str) -> Result<Self, DomainError> {
        let bad = |reason: &'static str| DomainError::invalid("id_token", reason);
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad(
                "the ID token is not a compact JWS (three dot-separated parts)",
            ));
        };
        let header: JwsHeader = URL_SAFE_NO_PAD
            .decode(header_b64)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| bad("the ID token's header is malformed"))?;
        if header.alg != "RS256" {
            return Err(bad("the ID token is not signed with RS256"));
        }
        if header.crit.is_some() {
            return Err(bad(
                "the ID token's header has critical extensions this server does not know",
            ));
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature_b64)
            .ok()
            .and_then(|bytes| Signature::try_from(bytes.as_slice()).ok())
            .ok_or_else(|| bad("the ID token's signature is malformed"))?;
        let signed = token
            .get(..header_b64.len() + 1 + payload_b64.len())
            .ok_or_else(|| bad("the ID token is malformed"))?;
        Ok(Self {
            header,
            signed,
            payload_b64,
            signature,
        })
    }

    /// Verifies with the key named by `kid` (or the only key when there is no `kid`, as
    /// OpenID Connect Core 1.0 §10.1 allows). Outer error: no such key; inner: bad
    /// signature.
    fn verify(&self, keys: &[Jwk]) -> Result<Result<(), DomainError>, KeyMiss> {
        let key = match &self.header.kid {
            Some(kid) => keys.iter().find(|k| k.kid.as_deref() == Some(kid.as_str())),
            None => match keys {
                [only] => Some(only),
                _ => None,
            },
        }
        .ok_or(KeyMiss)?;
        Ok(key
            .key
            .verify(self.signed.as_bytes(), &self.signature)
            .map_err(|_| {
                DomainError::invalid("id_token", "the ID token's signature does not verify")
            }))
    }

    /// The payload as a JSON object (call after [`verify`](Self::verify)).
    fn claims(&self) -> Result<Map<String, Value>, DomainError> {
        URL_SAFE_NO_PAD
            .decode(self.payload_b64)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| DomainError::invalid("id_token", "the ID token's claims are malformed"))
    }
}

/// What the ID token's claims must say.
struct Expected<'a> {
    issuer: &'a str,
    client_id: &'a str,
    nonce: &'a str,
    now: DateTime<Utc>,
}

/// Checks `iss`, `aud`, `azp`, `exp`, `iat`, `nonce` (OpenID Connect Core 1.0 §3.1.3.7)
/// and returns `sub`.
fn check_id_token_claims(
    claims: &Map<String, Value>,
    expected: &Expected<'_>,
) -> Result<String, DomainError> {
    let bad = |reason: &'static str| DomainError::invalid("id_token", reason);
    if claims.get("iss").and_then(Value::as_str) != Some(expected.issuer) {
        return Err(bad("the ID token was issued by another issuer"));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(bad("the ID token is not meant for this server (aud)"));
    }
    match claims.get("azp") {
        Some(azp) if azp.as_str() != Some(expected.client_id) => {
            return Err(bad("the ID token was issued to another party (azp)"));
        }
        None if audiences.len() > 1 => {
            return Err(bad(
                "the ID token has several audiences and no authorized party (azp)",
            ));
        }
        _ => {}
    }
    let now = expected.now.timestamp();
    let exp = numeric_date(claims, "exp").ok_or_else(|| bad("the ID token has no valid exp"))?;
    if exp + CLOCK_LEEWAY_SECONDS <= now {
        return Err(bad("the ID token has expired"));
    }
    let iat = numeric_date(claims, "iat").ok_or_else(|| bad("the ID token has no valid iat"))?;
    if iat > now + CLOCK_LEEWAY_SECONDS {
        return Err(bad(
            "the ID token was issued in the future (are the clocks in step?)",
        ));
    }
    if iat < now - CLOCK_LEEWAY_SECONDS - MAX_ID_TOKEN_AGE_SECONDS {
        return Err(bad("the ID token was issued too long ago"));
    }
    let nonce = claims
        .get("nonce")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the ID token has no nonce"))?;
    if !bool::from(nonce.as_bytes().ct_eq(expected.nonce.as_bytes())) {
        return Err(bad("the ID token's nonce is not this login's"));
    }
    match claims.get("sub").and_then(Value::as_str) {
        Some(sub) if !sub.is_empty() => Ok(sub.to_owned()),
        _ => Err(bad("the ID token has no subject")),
    }
}

/// When the ID token carries `at_hash`, it must be the left half of the access token's
/// SHA-256, base64url (OpenID Connect Core 1.0 §3.1.3.8, for RS256).
fn check_at_hash(claims: &Map<String, Value>, access_token: &str) -> Result<(), DomainError> {
    let Some(at_hash) = claims.get("at_hash") else {
        return Ok(());
    };
    let digest = Sha256::digest(access_token.as_bytes());
    let expected = URL_SAFE_NO_PAD.encode(digest.get(..16).unwrap_or_default());
    if at_hash
        .as_str()
        .map(str::as_bytes)
        .is_some_and(|h| bool::from(h.ct_eq(expected.as_bytes())))
    {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "id_token",
            "the ID token's at_hash does not match the access token",
        ))
    }
}

/// A NumericDate claim (RFC 7519 §2), in whole seconds.
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    let value = claims.get(name)?;
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && f.abs() < 1e15)
            // In range by the filter just above.
            .map(|f| f.floor() as i64)
    })
}

/// A string claim: absent, `null` or empty is `None`; another type is an error.
fn claim_string(
    claims: &Map<String, Value>,
    name: &str,
    source: &'static str,
) -> Result<Option<String>, DomainError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(DomainError::invalid(
            source,
            format!("the {name} claim is not a string"),
        )),
    }
}

/// A JWK usable for RS256: `kty` RSA, `use` absent or `sig`, `alg` absent or RS256, a
/// modulus of 2048 to 8192 bits.
fn rs256_key(jwk: &Value) -> Option<Jwk> {
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    if field("kty") != Some("RSA")
        || !matches!(field("use"), None | Some("sig"))
        || !matches!(field("alg"), None | Some("RS256"))
    {
        return None;
    }
    let n = URL_SAFE_NO_PAD.decode(field("n")?).ok()?;
    let e = URL_SAFE_NO_PAD.decode(field("e")?).ok()?;
    let public = PublicKey::new_with_size_limits(
        BoxedUint::from_be_slice_vartime(&n),
        BoxedUint::from_be_slice_vartime(&e),
        MIN_KEY_BITS..=MAX_KEY_BITS,
    )
    .ok()?;
    Some(Jwk {
        kid: field("kid").map(str::to_owned),
        key: VerifyingKey::new(public),
    })
}

/// An endpoint or configured URL: absolute, `https`, or `http` on a loopback host.
fn parse_endpoint(what: &'static str, value: &str) -> Result<Url, DomainError> {
    let url =
        Url::parse(value).map_err(|_| config_error(format!("{what} is not an absolute URL")))?;
    let loopback = match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(config_error(format!(
            "{what} must be an https URL (plain http only on a loopback host)"
        ))),
    }
}

/// An error in the `[login]` configuration or what the provider announces.
fn config_error(reason: impl Into<String>) -> DomainError {
    DomainError::invalid("login", reason)
}

/// Sends a request; a failure to get any response is `Unavailable`.
async fn send(
    request: reqwest::RequestBuilder,
    what: &'static str,
) -> Result<reqwest::Response, DomainError> {
    request.send().await.map_err(|e| {
        tracing::warn!(error = %e, "{what} of the identity provider unreachable");
        DomainError::Unavailable(format!(
            "upstream identity provider: {what} unreachable{}",
            if e.is_timeout() { " (timed out)" } else { "" }
        ))
    })
}

/// The body of a 2xx response; another status is `Unavailable`.
async fn read_success(
    response: reqwest::Response,
    what: &'static str,
) -> Result<Vec<u8>, DomainError> {
    let status = response.status();
    if !status.is_success() {
        tracing::warn!(
            status = status.as_u16(),
            "{what} of the identity provider failed"
        );
        return Err(DomainError::Unavailable(format!(
            "upstream identity provider: {what} answered HTTP {}",
            status.as_u16()
        )));
    }
    read_limited(response, what).await
}

/// The body, at most [`MAX_RESPONSE_BYTES`].
async fn read_limited(
    mut response: reqwest::Response,
    what: &'static str,
) -> Result<Vec<u8>, DomainError> {
    let too_large = || {
        DomainError::Unavailable(format!(
            "upstream identity provider: {what} is larger than {MAX_RESPONSE_BYTES} bytes"
        ))
    };
    if response
        .content_length()
        .is_some_and(|len| len > MAX_RESPONSE_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        tracing::warn!(error = %e, "reading the {what} of the identity provider failed");
        DomainError::Unavailable(format!("upstream identity provider: {what} cut short"))
    })? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses a JSON body; malformed is `Unavailable` (the provider misbehaves).
fn parse_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    what: &'static str,
) -> Result<T, DomainError> {
    serde_json::from_slice(body).map_err(|e| {
        // The serde error names a position and an expectation, never the content.
        tracing::warn!(error = %e, "malformed {what} from the identity provider");
        DomainError::Unavailable(format!("upstream identity provider: malformed {what}"))
    })
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// An OAuth error code as shown: its allowed characters only (RFC 6749 §5.2 restricts
/// them anyway), at most 40.
fn sanitize_error_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SeededEntropy;
    use crate::oauth::{IdTokenClaims, SigningKeys};
    use serde_json::json;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    /// A client over fixed endpoints, as discovery would build it.
    fn offline(keys: Vec<Jwk>) -> UpstreamOidc {
        let mut config = UpstreamConfig::new(
            "https://idp.example",
            "bb",
            SecretString::from("s3cret"),
            "http://localhost:8000/mymedicare/oidc-callback",
        );
        config.scopes = "openid profile mbi".into();
        UpstreamOidc {
            config,
            http: reqwest::Client::new(),
            authorization_endpoint: Url::parse("https://idp.example/authorize?tenant=x").unwrap(),
            token_endpoint: Url::parse("https://idp.example/token").unwrap(),
            userinfo_endpoint: None,
            jwks_uri: Url::parse("https://idp.example/jwks").unwrap(),
            keys: RwLock::new(Arc::new(keys)),
        }
    }

    fn claims(now: i64) -> Map<String, Value> {
        json!({
            "iss": "https://idp.example",
            "sub": "user-1",
            "aud": "bb",
            "exp": now + 300,
            "iat": now,
            "nonce": "n0nce",
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn expected(now: i64) -> Expected<'static> {
        Expected {
            issuer: "https://idp.example",
            client_id: "bb",
            nonce: "n0nce",
            now: at(now),
        }
    }

    fn reason(err: DomainError) -> String {
        match err {
            DomainError::Invalid { field, reason } => format!("{field}: {reason}"),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn start_builds_the_authorization_request() {
        let upstream = offline(Vec::new());
        let (url, pending) = upstream.start("flow-1", &SeededEntropy::new(3));
        let url = Url::parse(&url).unwrap();
        assert_eq!(url.path(), "/authorize");
        let query: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        assert_eq!(query["tenant"], "x", "the endpoint's own query is kept");
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "bb");
        assert_eq!(
            query["redirect_uri"],
            "http://localhost:8000/mymedicare/oidc-callback"
        );
        assert_eq!(query["scope"], "openid profile mbi");
        assert_eq!(query["state"], pending.state);
        assert_eq!(query["nonce"], pending.nonce);
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(
            query["code_challenge"],
            URL_SAFE_NO_PAD.encode(Sha256::digest(pending.code_verifier.as_bytes()))
        );
        assert!(pending.state.starts_with("flow-1."));
        assert_eq!(pending.nonce.len(), NONCE_LEN);
        assert!((43..=128).contains(&pending.code_verifier.len()));
        assert_eq!(UpstreamOidc::flow_id_of(&pending.state), Some("flow-1"));

        // Same seed, same request; another seed, other values.
        let (_, again) = upstream.start("flow-1", &SeededEntropy::new(3));
        assert_eq!(again.state, pending.state);
        let (_, other) = upstream.start("flow-1", &SeededEntropy::new(4));
        assert_ne!(other.nonce, pending.nonce);
        assert!(!format!("{pending:?}").contains(&pending.code_verifier));
    }

    #[test]
    fn flow_id_of_takes_what_precedes_the_random_part() {
        let random = "a".repeat(STATE_RANDOM_LEN);
        assert_eq!(
            UpstreamOidc::flow_id_of(&format!("0190-ab.{random}")),
            Some("0190-ab")
        );
        assert_eq!(
            UpstreamOidc::flow_id_of(&format!("with.dot.{random}")),
            Some("with.dot")
        );
        assert_eq!(UpstreamOidc::flow_id_of("nodot"), None);
        assert_eq!(UpstreamOidc::flow_id_of(&format!(".{random}")), None);
        assert_eq!(UpstreamOidc::flow_id_of("flow.short"), None);
        assert_eq!(
            UpstreamOidc::flow_id_of(&format!("flow.{}-", &random[1..])),
            None
        );
    }

    #[test]
    fn good_claims_pass_and_each_bad_one_fails() {
        let now = 1_800_000_000;
        assert_eq!(
            check_id_token_claims(&claims(now), &expected(now)).unwrap(),
            "user-1"
        );

        let fails = |edit: &dyn Fn(&mut Map<String, Value>), at_time: i64, why: &str| {
            let mut c = claims(now);
            edit(&mut c);
            let err = reason(check_id_token_claims(&c, &expected(at_time)).unwrap_err());
            assert!(err.contains(why), "{err} should mention {why}");
        };
        fails(
            &|c| {
                c.insert("iss".into(), json!("https://evil.example"));
            },
            now,
            "another issuer",
        );
        fails(
            &|c| {
                c.insert("aud".into(), json!("other"));
            },
            now,
            "aud",
        );
        fails(
            &|c| {
                c.insert("aud".into(), json!(["bb", "other"]));
            },
            now,
            "azp",
        );
        fails(
            &|c| {
                c.insert("azp".into(), json!("other"));
            },
            now,
            "azp",
        );
        fails(
            &|c| {
                c.remove("exp");
            },
            now,
            "exp",
        );
        fails(&|_| {}, now + 300 + CLOCK_LEEWAY_SECONDS, "expired");
        fails(
            &|c| {
                c.insert("iat".into(), json!(now + 61));
            },
            now,
            "future",
        );
        fails(
            &|c| {
                c.insert("exp".into(), json!(now + 3600));
            },
            now + CLOCK_LEEWAY_SECONDS + MAX_ID_TOKEN_AGE_SECONDS + 1,
            "too long ago",
        );
        fails(
            &|c| {
                c.insert("nonce".into(), json!("other"));
            },
            now,
            "nonce",
        );
        fails(
            &|c| {
                c.remove("nonce");
            },
            now,
            "nonce",
        );
        fails(
            &|c| {
                c.insert("sub".into(), json!(""));
            },
            now,
            "subject",
        );

        // Within the leeway; several audiences with azp; fractional dates.
        let mut c = claims(now);
        c.insert("aud".into(), json!(["other", "bb"]));
        c.insert("azp".into(), json!("bb"));
        c.insert("exp".into(), json!(now as f64 + 0.5));
        c.insert("iat".into(), json!(now + 59));
        assert!(check_id_token_claims(&c, &expected(now + CLOCK_LEEWAY_SECONDS - 1)).is_ok());
    }

    #[test]
    fn at_hash_is_checked_when_present() {
        let token = "access-token-value";
        let half = &Sha256::digest(token.as_bytes())[..16];
        let mut c = claims(0);
        assert!(check_at_hash(&c, token).is_ok());
        c.insert("at_hash".into(), json!(URL_SAFE_NO_PAD.encode(half)));
        assert!(check_at_hash(&c, token).is_ok());
        assert!(check_at_hash(&c, "another").is_err());
    }

    #[test]
    fn claim_strings() {
        let c = json!({"mbi": "1S00E00AA00", "empty": "", "num": 7, "nul": null});
        let c = c.as_object().unwrap();
        assert_eq!(
            claim_string(c, "mbi", "userinfo").unwrap().as_deref(),
            Some("1S00E00AA00")
        );
        assert_eq!(claim_string(c, "missing", "userinfo").unwrap(), None);
        assert_eq!(claim_string(c, "empty", "userinfo").unwrap(), None);
        assert_eq!(claim_string(c, "nul", "userinfo").unwrap(), None);
        let err = reason(claim_string(c, "num", "userinfo").unwrap_err());
        assert!(!err.contains('7'));
    }

    #[test]
    fn identity_debug_hides_the_mbi() {
        let id = UpstreamIdentity {
            subject: "user-1".into(),
            mbi: Some("1S00E00AA00".into()),
        };
        let shown = format!("{id:?}");
        assert!(
            shown.contains("user-1") && !shown.contains("1S00E00AA00"),
            "{shown}"
        );
    }

    #[test]
    fn endpoints_must_be_https_or_loopback() {
        assert!(parse_endpoint("issuer", "https://idp.example").is_ok());
        assert!(parse_endpoint("issuer", "http://127.0.0.1:9410").is_ok());
        assert!(parse_endpoint("issuer", "http://localhost:9410").is_ok());
        assert!(parse_endpoint("issuer", "http://[::1]:9410").is_ok());
        assert!(parse_endpoint("issuer", "http://idp.example").is_err());
        assert!(parse_endpoint("issuer", "ftp://127.0.0.1").is_err());
        assert!(parse_endpoint("issuer", "/relative").is_err());
    }

    #[test]
    fn signatures_verify_against_the_jwks_by_kid() {
        // Our own signer (keys.rs) issues a token; this module verifies it from its JWKS.
        let signer = SigningKeys::from_config(&[], &SeededEntropy::new(11)).unwrap();
        let keys: Vec<Jwk> = signer.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(rs256_key)
            .collect();
        assert_eq!(keys.len(), 1);
        let token = signer
            .sign_id_token(&IdTokenClaims {
                iss: "https://idp.example".into(),
                sub: "user-1".into(),
                aud: "bb".into(),
                exp: 1_800_000_300,
                iat: 1_800_000_000,
                auth_time: 1_800_000_000,
                nonce: Some("n0nce".into()),
                patient: "user-1".into(),
            })
            .unwrap();

        let jws = Jws::parse(&token).unwrap();
        jws.verify(&keys).ok().unwrap().unwrap();
        let claims = jws.claims().unwrap();
        assert_eq!(
            check_id_token_claims(&claims, &expected(1_800_000_010)).unwrap(),
            "user-1"
        );
        assert!(
            jws.verify(&[]).is_err(),
            "no key: a miss, to fetch the JWKS again"
        );

        // A changed payload does not verify.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"iss":"https://idp.example","sub":"admin"}"#);
        parts[1] = &forged;
        let forged = parts.join(".");
        let jws = Jws::parse(&forged).unwrap();
        assert!(jws.verify(&keys).ok().unwrap().is_err());

        // alg none and HS256 are refused before any key is looked at.
        for alg in ["none", "HS256"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}"}}"#));
            let token = format!("{header}.{}.", parts[1]);
            assert!(reason(Jws::parse(&token).err().unwrap()).contains("RS256"));
        }
        assert!(Jws::parse("a.b").is_err());

        // The offline client's cache answers current_keys.
        assert_eq!(offline(keys).current_keys().len(), 1);
    }
}
