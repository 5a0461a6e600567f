//! Typed async client for the Blue Button 2.0 API as bluebutton (and CMS's BB2) serves it:
//! what CMS's Python and Node SDKs do, in Rust.
//!
//! - [`Config`]: environment (`LOCAL` = `http://localhost:8000`, `TEST`, `SANDBOX`,
//!   `PRODUCTION` or any base URL), client id and secret, callback URL, API version, refresh
//!   on expiry, retries and timeouts — from code, a JSON or TOML file, or environment
//!   variables.
//! - [`BlueButton`]: the authorize URL with PKCE S256 and a state, the code exchange, refresh,
//!   revoke.
//! - [`Session`]: an enrollee's token and the calls made with it — Patient, Coverage and
//!   ExplanationOfBenefit typed with [`bb_fhir::model`] (or raw JSON), a stream over every
//!   page following `next` links, userinfo — refreshing the token before it expires and once
//!   on a 401, retrying 5xx/429 answers and connection failures with backoff and
//!   `Retry-After`.
//! - [`Error`]: OAuth error codes, `OperationOutcome` / BB2 `detail`, HTTP statuses,
//!   timeouts.
//!
//! Secrets and tokens are [`Secret`]s: their `Debug` output is `[redacted]`.
//!
//! # The whole flow
//!
//! ```no_run
//! use bb_sdk::{BlueButton, Callback, Config, Environment};
//!
//! # async fn run() -> Result<(), bb_sdk::Error> {
//! let config = Config::new("my-client-id", "my-client-secret", "http://127.0.0.1:3001/callback")?
//!     .with_environment(Environment::Local);
//! let client = BlueButton::new(config)?;
//!
//! // 1. Send the enrollee's browser to the authorize URL; keep `request` until the callback.
//! let request = client.authorize()?;
//! println!("open {}", request.url);
//!
//! // 2. The callback arrives with ?code=…&state=… (or error=access_denied).
//! let callback = Callback::from_query("code=…&state=…");
//! let token = client.exchange(&request, &callback).await?;
//!
//! // 3. Read the enrollee's data; the session refreshes the token when needed.
//! let mut session = client.session(token);
//! let patient = session.patient().await?;
//! for p in patient.resources() {
//!     println!("{:?} born {:?}", p.name.first().map(|n| n.display()), p.birth_date);
//! }
//! let claims = session
//!     .search_all::<bb_sdk::fhir::ExplanationOfBenefit>("ExplanationOfBenefit", &[])
//!     .await?;
//! println!("{} claims", claims.len());
//!
//! // 4. Keep the (maybe refreshed) token, or disconnect.
//! session.revoke().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Paging as a stream
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! # async fn run(session: &mut bb_sdk::Session) -> Result<(), bb_sdk::Error> {
//! let first = session.explanation_of_benefit().await?;
//! let mut pages = std::pin::pin!(session.pages(first));
//! while let Some(page) = pages.try_next().await? {
//!     for eob in page.resources() {
//!         println!("{:?} {:?} paid {}", eob.claim_type(), eob.service_date(), eob.payment_amount());
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Configuration from a file or the environment
//!
//! ```no_run
//! # fn run() -> Result<(), bb_sdk::Error> {
//! // The official SDKs' .bluebutton-config.json (snake or camel case keys), or TOML.
//! let config = bb_sdk::Config::from_file(std::path::Path::new(".bluebutton-config.json"))?;
//! // BLUEBUTTON_ENVIRONMENT / BLUEBUTTON_BASE_URL, BLUEBUTTON_CLIENT_ID, …
//! let config = bb_sdk::Config::from_env()?;
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! ```no_run
//! # async fn run(session: &mut bb_sdk::Session) {
//! match session.userinfo().await {
//!     Ok(info) => println!("hello {:?}", info.name),
//!     Err(bb_sdk::Error::Api { status: 403, .. }) => println!("no profile scope was granted"),
//!     Err(bb_sdk::Error::OAuth { error, .. }) if error == "invalid_grant" => {
//!         println!("the enrollee must connect again")
//!     }
//!     Err(other) => println!("failed: {other}"),
//! }
//! # }
//! ```

pub mod client;
pub mod clock;
pub mod config;
pub mod error;
pub mod retry;
pub mod secret;
pub mod token;

pub use client::{AuthorizationRequest, BlueButton, Callback, Session, UserInfo, pkce_challenge};
pub use config::{Config, Environment, RetrySettings};
pub use error::Error;
pub use secret::Secret;
pub use token::AuthToken;

/// The typed FHIR resources (`bb_fhir::model`).
pub mod fhir {
    pub use bb_fhir::OperationOutcome;
    pub use bb_fhir::model::*;
    pub use serde_json::Number;
}
