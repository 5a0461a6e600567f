//! After approval (issue 7, part 4): the directory listing the developer sends
//! (`submit_listing`), the production application and its one-time credential hand-off
//! (`issue_credentials`, then links a member of the organization opens once), going live,
//! suspension and revocation (the production app switched off in the move's transaction),
//! and the public directory of live apps with their privacy labels.
//!
//! Hand-off links: 32 random characters, stored only as SHA-256, valid
//! [`HANDOFF_VALID_MS`] (the boundary is exclusive: at 4:59.999 a link opens, at 5:00 it
//! has expired), spent by one conditional `UPDATE` that also sets the production app's
//! new secret hash in the same transaction; a new link invalidates the older ones; every
//! opening is audited. See `docs/design/production-access.md`.

use super::request::DocumentKind;
use super::service::{Access, AccessError, Viewer, developer_path, when_ms};
use super::state::{AccessState, Transition};
use crate::DomainError;
use crate::app_registry::{CATEGORIES, InputProblem, LogoUpload, category_label, check_logo};
use crate::apps::{ClientId, ClientSecret, Environment};
use crate::clock::random_alphanumeric;
use bb_policy::contradictions::{FormAnswers, FormRetention};
pub use bb_policy::label::{Answer, LabelRow, PrivacyLabel};
use bb_store::{
    AccessEffect, AppLinks, AppLogo, AppProfile, DirectoryRow, HandoffOpen, HandoffViewer,
    ListingRow, NewApplication, NewHandoff, StoreError,
};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Longest listing description, in characters.
pub const LISTING_DESCRIPTION_MAX: usize = 415;

/// The platforms a listing names: `(value, label)`.
pub const PLATFORMS: [(&str, &str); 4] = [
    ("web", "Web"),
    ("ios", "iOS"),
    ("android", "Android"),
    ("desktop", "Desktop"),
];

/// How long the app keeps enrollees' data: `(value, label)`.
pub const RETENTION: [(&str, &str); 3] = [
    (
        "deleted_on_exit",
        "Deleted when the enrollee disconnects the app or closes the account",
    ),
    ("months", "Kept at most a number of months"),
    ("indefinitely", "Kept indefinitely"),
];

/// How long a hand-off link can be opened, in milliseconds (5 minutes).
pub const HANDOFF_VALID_MS: i64 = 5 * 60 * 1000;

/// Length of a hand-off link's token.
pub const HANDOFF_TOKEN_LEN: usize = 32;

/// Where a hand-off link opens.
pub fn handoff_path(token: &str) -> String {
    format!("/v2/accounts/credentials/{token}")
}

/// Where a directory entry's logo is served.
pub fn directory_logo_path(application_id: &str) -> String {
    format!("/apps/{application_id}/logo")
}

/// The listing form as typed (every value a string, as posted).
#[derive(Clone, Debug, Default)]
pub struct ListingForm {
    /// Name in the directory.
    pub name: String,
    /// Plain text, at most [`LISTING_DESCRIPTION_MAX`] characters.
    pub description: String,
    /// https home page.
    pub website: String,
    /// https privacy policy.
    pub privacy_policy_uri: String,
    /// https terms of service.
    pub terms_uri: String,
    /// Category slugs ([`CATEGORIES`]).
    pub categories: Vec<String>,
    /// Platforms ([`PLATFORMS`]).
    pub platforms: Vec<String>,
    /// `yes` or `no`: identifiable data shared with third parties.
    pub shares_data: String,
    /// `yes` or `no`: data sold.
    pub sells_data: String,
    /// One of [`RETENTION`].
    pub retention: String,
    /// With `months`: 1–240.
    pub retention_months: String,
}

/// A checked listing, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Website.
    pub website: String,
    /// Privacy policy.
    pub privacy_policy_uri: String,
    /// Terms.
    pub terms_uri: String,
    /// Category slugs, sorted, distinct.
    pub categories: Vec<String>,
    /// Platforms, in [`PLATFORMS`] order.
    pub platforms: Vec<String>,
    /// The form answers of the privacy label.
    pub answers: FormAnswers,
    /// The logo: `(content type, bytes)`.
    pub logo: Option<(String, Vec<u8>)>,
}

/// Problems of a listing: `(field, message)` and the worst kind (400, 413, 415).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingProblems {
    /// By field.
    pub errors: Vec<(String, String)>,
    /// The worst problem.
    pub problem: InputProblem,
}

fn https_link(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("is required".into());
    }
    if raw.len() > 2000 {
        return Err("must be at most 2000 characters".into());
    }
    match url::Url::parse(raw) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some_and(|h| !h.is_empty()) => {
            Ok(raw.to_owned())
        }
        Ok(_) => Err("must be an https:// link".into()),
        Err(_) => Err("must be a full https:// link".into()),
    }
}

fn yes_no(raw: &str) -> Option<bool> {
    match raw.trim() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// Checks the listing form (pure): every field, the logo by decoding it (PNG or JPEG,
/// ≤ 100 KB, ≤ 512×512). Every problem is reported, by field.
pub fn check_listing(
    form: &ListingForm,
    logo: Option<&LogoUpload>,
) -> Result<Listing, ListingProblems> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut problem = InputProblem::Invalid;
    let mut err = |f: &str, m: String| errors.push((f.to_owned(), m));
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        err("name", "is required".into());
    } else if name.chars().count() > 100 {
        err("name", "must be at most 100 characters".into());
    } else if !name.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        err("name", "must be printable ASCII".into());
    }
    let description = form.description.trim().replace("\r\n", "\n");
    if description.is_empty() {
        err("description", "is required".into());
    } else if description.chars().count() > LISTING_DESCRIPTION_MAX {
        err(
            "description",
            format!(
                "must be at most {LISTING_DESCRIPTION_MAX} characters (it has {})",
                description.chars().count()
            ),
        );
    } else if description.contains('<') || description.contains('>') {
        err(
            "description",
            "must be plain text: no HTML (the characters < and > are not allowed)".into(),
        );
    } else if description
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        err("description", "must not contain control characters".into());
    }
    let mut link = |field: &str, raw: &str| match https_link(raw) {
        Ok(l) => l,
        Err(m) => {
            err(field, m);
            String::new()
        }
    };
    let website = link("website", &form.website);
    let privacy_policy_uri = link("privacy_policy_uri", &form.privacy_policy_uri);
    let terms_uri = link("terms_uri", &form.terms_uri);
    let mut categories: Vec<String> = form
        .categories
        .iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    categories.sort();
    categories.dedup();
    if categories.is_empty() {
        err("categories", "choose at least one category".into());
    } else if let Some(bad) = categories.iter().find(|c| category_label(c).is_none()) {
        err(
            "categories",
            format!("'{bad}' is not one of the categories"),
        );
    }
    let chosen: Vec<&str> = form.platforms.iter().map(|p| p.trim()).collect();
    let platforms: Vec<String> = PLATFORMS
        .iter()
        .filter(|(v, _)| chosen.contains(v))
        .map(|(v, _)| (*v).to_owned())
        .collect();
    if let Some(bad) = chosen
        .iter()
        .find(|c| !c.is_empty() && !PLATFORMS.iter().any(|(v, _)| v == *c))
    {
        err(
            "platforms",
            format!("'{bad}' is not one of web, ios, android, desktop"),
        );
    } else if platforms.is_empty() {
        err("platforms", "choose at least one platform".into());
    }
    let shares = yes_no(&form.shares_data);
    if shares.is_none() {
        err("shares_data", "answer yes or no".into());
    }
    let sells = yes_no(&form.sells_data);
    if sells.is_none() {
        err("sells_data", "answer yes or no".into());
    }
    let retention = match form.retention.trim() {
        "deleted_on_exit" => Some(FormRetention::DeletedOnExit),
        "indefinitely" => Some(FormRetention::Indefinitely),
        "months" => match form.retention_months.trim().parse::<u32>() {
            Ok(m) if (1..=240).contains(&m) => Some(FormRetention::Months(m)),
            _ => {
                err(
                    "retention_months",
                    "give a whole number of months from 1 to 240".into(),
                );
                None
            }
        },
        _ => {
            err("retention", "choose how long the app keeps data".into());
            None
        }
    };
    let logo = match logo.filter(|l| !l.bytes.is_empty()) {
        None => None,
        Some(upload) => match check_logo(upload) {
            Ok(content_type) => Some((content_type.to_owned(), upload.bytes.clone())),
            Err((p, m)) => {
                problem = p;
                err("logo", format!("The logo {m}"));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ListingProblems { errors, problem });
    }
    Ok(Listing {
        name,
        description,
        website,
        privacy_policy_uri,
        terms_uri,
        categories,
        platforms,
        answers: FormAnswers {
            shares_with_third_parties: shares.unwrap_or(false),
            sells_data: sells.unwrap_or(false),
            retention,
        },
        logo,
    })
}

/// A saved listing as shown.
#[derive(Clone, Debug)]
pub struct ListingView {
    /// The form's values (to fill the form again).
    pub form: ListingForm,
    /// A logo was sent.
    pub has_logo: bool,
    /// The privacy label.
    pub label: Option<PrivacyLabel>,
    /// Where the listing's answers (sharing, sale, retention) and the request's privacy
    /// policy say opposite things (issue 8 item 5): `a` is the answer, `b` the passage.
    /// Advisory, shown to both sides; computed when the page is shown.
    pub contradictions: Vec<bb_policy::Contradiction>,
    /// Sent (UTC).
    pub submitted: String,
}

/// One audited opening of a hand-off link.
#[derive(Clone, Debug)]
pub struct HandoffAudit {
    /// Account (e-mail, else id, else "not signed in").
    pub who: String,
    /// When (UTC).
    pub at: String,
    /// `shown`, `expired`, `used`, `unknown`.
    pub outcome: String,
}

/// The after-approval part of a request's page.
#[derive(Clone, Debug, Default)]
pub struct GoLiveView {
    /// The listing, once sent.
    pub listing: Option<ListingView>,
    /// The production app's client id, once issued.
    pub client_id: Option<String>,
    /// Whether the production app is switched on.
    pub active: Option<bool>,
    /// The viewer may ask for a new hand-off link.
    pub can_link: bool,
    /// Every opening of a link (staff only; empty for developers).
    pub audit: Vec<HandoffAudit>,
}

/// A new hand-off link: the token is shown once, here.
#[derive(Debug)]
pub struct IssuedLink {
    /// The path with the token (`/v2/accounts/credentials/{token}`).
    pub path: String,
    /// Until when it opens (exclusive).
    pub expires_at: DateTime<Utc>,
}

/// What opening a hand-off link gave.
#[derive(Debug)]
pub enum Handoff {
    /// The credentials, shown this once.
    Shown {
        /// The request's page for the developer.
        request_path: String,
        /// The production app's name.
        app_name: String,
        /// Its client id.
        client_id: String,
        /// Its new secret (only its hash is stored).
        client_secret: ClientSecret,
    },
    /// The link is past its five minutes or was replaced by a newer one (410).
    Expired {
        /// Where a new link can be had.
        request_path: String,
    },
    /// The link was opened before (410).
    Used {
        /// Where a new link can be had.
        request_path: String,
    },
    /// No such link, or not for this viewer (404).
    Unknown,
}

/// One app of the public directory.
#[derive(Clone, Debug)]
pub struct DirectoryEntry {
    /// The production application's id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Website.
    pub website_uri: String,
    /// Logo path on this server, if any.
    pub logo_uri: Option<String>,
    /// Terms.
    pub tos_uri: String,
    /// Privacy policy.
    pub policy_uri: String,
    /// Support e-mail.
    pub support_email: Option<String>,
    /// Support phone.
    pub support_phone_number: Option<String>,
    /// `(slug, label)` of each category.
    pub categories: Vec<(String, String)>,
    /// Platforms.
    pub platforms: Vec<String>,
    /// The last review by staff (date, UTC).
    pub last_reviewed: Option<String>,
    /// The privacy label.
    pub label: Option<PrivacyLabel>,
}

/// A page of the directory (BB2's pagination: `page` from 1, `page_size` default 10,
/// at most 10000).
#[derive(Clone, Debug)]
pub struct DirectoryPage {
    /// All live apps.
    pub count: usize,
    /// This page (from 1).
    pub page: usize,
    /// Its size.
    pub page_size: usize,
    /// A next page exists.
    pub has_next: bool,
    /// The entries.
    pub results: Vec<DirectoryEntry>,
}

/// Default page size of the directory.
pub const DIRECTORY_PAGE_SIZE: usize = 10;
/// Largest page size asked for.
pub const DIRECTORY_MAX_PAGE_SIZE: usize = 10_000;

fn invalid(field: &str, message: &str) -> AccessError {
    AccessError::Invalid(vec![(field.to_owned(), message.to_owned())])
}

fn retention_stored(r: Option<FormRetention>) -> (String, Option<i64>) {
    match r {
        Some(FormRetention::DeletedOnExit) | None => ("deleted_on_exit".into(), None),
        Some(FormRetention::Months(m)) => ("months".into(), Some(i64::from(m))),
        Some(FormRetention::Indefinitely) => ("indefinitely".into(), None),
    }
}

/// The stored retention answer back as the engine's (the inverse of [`retention_stored`]).
fn retention_answer(kind: &str, months: &str) -> Option<FormRetention> {
    match kind {
        "deleted_on_exit" => Some(FormRetention::DeletedOnExit),
        "months" => months.parse().ok().map(FormRetention::Months),
        "indefinitely" => Some(FormRetention::Indefinitely),
        _ => None,
    }
}

fn split(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

fn listing_view(row: ListingRow) -> ListingView {
    ListingView {
        form: ListingForm {
            name: row.name,
            description: row.description,
            website: row.website,
            privacy_policy_uri: row.privacy_policy_uri,
            terms_uri: row.terms_uri,
            categories: split(&row.categories),
            platforms: split(&row.platforms),
            shares_data: if row.shares_data { "yes" } else { "no" }.into(),
            sells_data: if row.sells_data { "yes" } else { "no" }.into(),
            retention: row.retention,
            retention_months: row
                .retention_months
                .map(|m| m.to_string())
                .unwrap_or_default(),
        },
        has_logo: row.logo_bytes.is_some(),
        label: serde_json::from_str(&row.privacy_label).ok(),
        contradictions: Vec::new(),
        submitted: when_ms(row.submitted_at),
    }
}

fn directory_entry(row: DirectoryRow) -> DirectoryEntry {
    DirectoryEntry {
        logo_uri: row
            .has_logo
            .then(|| directory_logo_path(&row.application_id)),
        id: row.application_id,
        name: row.name,
        description: row.description,
        website_uri: row.website,
        tos_uri: row.terms_uri,
        policy_uri: row.privacy_policy_uri,
        support_email: row.support_email,
        support_phone_number: row.support_phone_number,
        categories: split(&row.categories)
            .into_iter()
            .map(|s| {
                let label = category_label(&s).unwrap_or("Other").to_owned();
                (s, label)
            })
            .collect(),
        platforms: split(&row.platforms),
        last_reviewed: row.reviewed_at.and_then(|ms| {
            DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d").to_string())
        }),
        label: serde_json::from_str(&row.privacy_label).ok(),
    }
}

/// The states in which a new hand-off link may be made.
const LINKABLE: [AccessState; 2] = [AccessState::CredentialsIssued, AccessState::Live];

impl Access {
    fn store_err(&self, e: StoreError) -> AccessError {
        self.store_error(e)
    }

    /// The file name and extracted text of the request's latest privacy-policy version,
    /// when its text could be extracted.
    async fn latest_policy_text(
        &self,
        request_id: &str,
    ) -> Result<Option<(String, String)>, AccessError> {
        let policy = self
            .deps
            .store
            .access_documents(request_id)
            .await
            .map_err(|e| self.store_err(e))?
            .into_iter()
            .filter(|d| d.kind == DocumentKind::PrivacyPolicy.as_str())
            .max_by_key(|d| d.version);
        Ok(policy.and_then(|d| Some((d.file_name, d.extracted_text?))))
    }

    /// The privacy label of a request's listing: the form's answers and the report of the
    /// request's latest privacy-policy version (its text as extracted at upload). Without
    /// a readable policy, the label carries the form's answers and "Not stated" elsewhere.
    async fn privacy_label(
        &self,
        request_id: &str,
        answers: &FormAnswers,
    ) -> Result<PrivacyLabel, AccessError> {
        let Some((file, text)) = self.latest_policy_text(request_id).await? else {
            return Ok(PrivacyLabel::build(answers, &[], ""));
        };
        let extracted = bb_policy::ExtractedText {
            text,
            kind: bb_policy::Kind::Pdf,
            pages: None,
        };
        match self.policy.analyse(&file, extracted).await {
            Ok(checked) => Ok(PrivacyLabel::build(
                answers,
                &checked.report.checklist,
                &checked.text.text,
            )),
            Err(e) => {
                tracing::warn!(request_id, error = %e, "privacy label without the policy report");
                Ok(PrivacyLabel::build(answers, &[], ""))
            }
        }
    }

    /// The developer sends the listing (`submit_listing`, from `approved`): every field
    /// checked, the privacy label built, stored with the move in one transaction; nothing
    /// is written on a problem.
    pub async fn submit_listing(
        &self,
        viewer: &Viewer,
        request_id: &str,
        form: &ListingForm,
        logo: Option<&LogoUpload>,
    ) -> Result<(), AccessError> {
        let row = self.visible(viewer, request_id).await?;
        if viewer.staff().is_some() {
            return Err(AccessError::NotFound);
        }
        let state = AccessState::parse(&row.state).unwrap_or(AccessState::Draft);
        if state != AccessState::Approved {
            // The machine's message says what is allowed instead.
            let status = super::service::status_of_row(&row)?;
            let actor = self.actor_for(viewer, &row).await?;
            status
                .apply(Transition::SubmitListing, &actor)
                .map_err(AccessError::Refused)?;
        }
        let listing = check_listing(form, logo).map_err(|p| AccessError::InvalidInput {
            errors: p.errors,
            problem: p.problem,
        })?;
        let label = self.privacy_label(request_id, &listing.answers).await?;
        let (retention, retention_months) = retention_stored(listing.answers.retention);
        let (logo_content_type, logo_bytes) = match listing.logo {
            Some((t, b)) => (Some(t), Some(b)),
            None => (None, None),
        };
        let effect = AccessEffect::SubmitListing(ListingRow {
            request_id: request_id.to_owned(),
            name: listing.name,
            description: listing.description,
            website: listing.website,
            privacy_policy_uri: listing.privacy_policy_uri,
            terms_uri: listing.terms_uri,
            categories: listing.categories.join(" "),
            platforms: listing.platforms.join(" "),
            shares_data: listing.answers.shares_with_third_parties,
            sells_data: listing.answers.sells_data,
            retention,
            retention_months,
            privacy_label: serde_json::to_string(&label)
                .map_err(|e| AccessError::Domain(DomainError::invalid("label", e.to_string())))?,
            logo_content_type,
            logo_bytes,
            submitted_by: viewer.user_id.clone(),
            submitted_at: self.now().timestamp_millis(),
        });
        self.transition_with(
            request_id,
            Transition::SubmitListing,
            viewer,
            "",
            effect,
            None,
        )
        .await
    }

    fn new_link(
        &self,
        request_id: &str,
        application_id: &str,
        created_by: &str,
    ) -> (NewHandoff, IssuedLink) {
        let token = random_alphanumeric(self.deps.entropy.as_ref(), HANDOFF_TOKEN_LEN);
        let now = self.now();
        let expires_at = now + chrono::Duration::milliseconds(HANDOFF_VALID_MS);
        (
            NewHandoff {
                token_sha256: Sha256::digest(token.as_bytes()).to_vec(),
                request_id: request_id.to_owned(),
                application_id: application_id.to_owned(),
                created_by: created_by.to_owned(),
                created_at: now.timestamp_millis(),
                expires_at: expires_at.timestamp_millis(),
            },
            IssuedLink {
                path: handoff_path(&token),
                expires_at,
            },
        )
    }

    /// A reviewer issues the production credentials (`issue_credentials`, from
    /// `listing_submitted`, refused until a second reviewer confirmed the approval): the
    /// production application (a new client id; name, links, description, categories and
    /// logo from the listing; redirect URIs from the request; data access type and
    /// demographics from the sandbox app named in the request) is created in the move's
    /// transaction with a first hand-off link, returned here for the reviewer to hand over.
    /// The developers are told by e-mail and in the app that credentials are ready.
    pub async fn issue_credentials(
        &self,
        viewer: &Viewer,
        request_id: &str,
        note: &str,
    ) -> Result<IssuedLink, AccessError> {
        if viewer.staff().is_none() {
            return Err(AccessError::StaffOnly);
        }
        let row = self.visible(viewer, request_id).await?;
        // The machine first: its refusal (not confirmed, wrong state) is the answer.
        let status = super::service::status_of_row(&row)?;
        let actor = self.actor_for(viewer, &row).await?;
        status
            .apply(Transition::IssueCredentials, &actor)
            .map_err(AccessError::Refused)?;
        let store = &self.deps.store;
        let listing = store
            .access_listing(request_id)
            .await
            .map_err(|e| self.store_err(e))?
            .ok_or_else(|| invalid("listing", "the developer has not sent the listing"))?;
        let sandbox_id = row
            .application_id
            .clone()
            .ok_or_else(|| invalid("application", "the request names no sandbox app"))?;
        let sandbox = store
            .application_by_id(&sandbox_id)
            .await
            .map_err(|e| self.store_err(e))?
            .ok_or_else(|| invalid("application", "the request's sandbox app is gone"))?;
        let profile = store
            .application_profile(&sandbox_id)
            .await
            .map_err(|e| self.store_err(e))?
            .unwrap_or_default();
        let now = self.now();
        let id = crate::accounts::operation_id(&self.deps);
        let client_id = ClientId::generate(self.deps.entropy.as_ref());
        // A secret nobody sees: the first opened link replaces it.
        let unseen = ClientSecret::generate(self.deps.entropy.as_ref());
        let logo = match (
            listing.logo_content_type.clone(),
            listing.logo_bytes.clone(),
        ) {
            (Some(content_type), Some(bytes)) => Some(AppLogo {
                content_type,
                bytes,
                updated_at: now.timestamp_millis(),
            }),
            _ => None,
        };
        let app = NewApplication {
            id: id.clone(),
            client_id: client_id.as_str().to_owned(),
            client_secret_sha256: unseen.sha256().to_vec(),
            owner_id: row.created_by.clone().unwrap_or(sandbox.owner_id.clone()),
            organization_id: Some(row.organization_id.clone()),
            name: listing.name.clone(),
            name_key: listing.name.to_lowercase(),
            environment: Environment::Production.as_str().to_owned(),
            data_access_type: sandbox.data_access_type.clone(),
            require_demographic_scopes: sandbox.require_demographic_scopes,
            active: true,
            redirect_uris: row
                .redirect_uris
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            links: AppLinks {
                logo_uri: logo
                    .as_ref()
                    .map(|l| crate::app_registry::logo_path(&id, l.updated_at)),
                website_uri: Some(listing.website.clone()),
                policy_uri: Some(listing.privacy_policy_uri.clone()),
                tos_uri: Some(listing.terms_uri.clone()),
            },
            created_at: now,
        };
        let profile = AppProfile {
            description: listing.description.clone(),
            support_email: profile.support_email,
            support_phone_number: profile.support_phone_number,
            categories: split(&listing.categories),
            agreed_at: Some(now.timestamp_millis()),
        };
        let (handoff, link) = self.new_link(request_id, &id, &viewer.user_id);
        let effect = AccessEffect::IssueCredentials {
            app: Box::new(app),
            profile,
            logo,
            handoff,
        };
        match self
            .transition_with(
                request_id,
                Transition::IssueCredentials,
                viewer,
                note,
                effect,
                None,
            )
            .await
        {
            Ok(()) => {}
            Err(AccessError::Domain(DomainError::Conflict { .. })) => {
                return Err(invalid(
                    "listing",
                    "a production app with the listing's name exists: ask the developer for another name",
                ));
            }
            Err(e) => return Err(e),
        }
        tracing::info!(request_id, client_id = %client_id.as_str(), "production credentials issued");
        Ok(link)
    }

    /// A new hand-off link for a request whose credentials were issued (a member of the
    /// organization or staff, while `credentials_issued` or `live`); the older links stop
    /// opening. Opening it sets a new secret: the previous one stops working.
    pub async fn new_handoff(
        &self,
        viewer: &Viewer,
        request_id: &str,
    ) -> Result<IssuedLink, AccessError> {
        let row = self.visible(viewer, request_id).await?;
        let state = AccessState::parse(&row.state).unwrap_or(AccessState::Draft);
        if !LINKABLE.contains(&state) {
            return Err(AccessError::NotEditable(state));
        }
        let app_id = self
            .deps
            .store
            .access_production_app(request_id)
            .await
            .map_err(|e| self.store_err(e))?
            .ok_or(AccessError::NotFound)?;
        let (handoff, link) = self.new_link(request_id, &app_id, &viewer.user_id);
        let done = self
            .deps
            .store
            .reissue_handoff(&handoff)
            .await
            .map_err(|e| self.store_err(e))?;
        if !done {
            return Err(AccessError::Conflict);
        }
        tracing::info!(request_id, "hand-off link made");
        Ok(link)
    }

    /// Opens a hand-off link for a signed-in member of the request's organization: the
    /// first opening within five minutes shows the client id and a new secret (its hash
    /// set in the same transaction that spends the link); every opening is audited.
    pub async fn open_handoff(
        &self,
        viewer: &Viewer,
        token: &str,
        ip: Option<&str>,
    ) -> Result<Handoff, AccessError> {
        if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Ok(Handoff::Unknown);
        }
        let token_sha256 = Sha256::digest(token.as_bytes()).to_vec();
        let store = &self.deps.store;
        let now_ms = self.now().timestamp_millis();
        let audit_as = HandoffViewer {
            viewer_id: Some(viewer.user_id.clone()),
            ip_sha256: ip.map(|a| Sha256::digest(a.as_bytes()).to_vec()),
        };
        let Some(request_id) = store
            .handoff_request(&token_sha256)
            .await
            .map_err(|e| self.store_err(e))?
        else {
            store
                .open_handoff(&token_sha256, now_ms, &[0; 32], &audit_as)
                .await
                .map_err(|e| self.store_err(e))?;
            return Ok(Handoff::Unknown);
        };
        let row = self.row_of(&request_id).await?;
        let member = viewer.staff().is_none()
            && self
                .deps
                .store
                .member_role(&row.organization_id, &viewer.user_id)
                .await
                .map_err(|e| self.store_err(e))?
                .is_some();
        if !member {
            store
                .audit_handoff_refusal(&request_id, &token_sha256, now_ms, &audit_as)
                .await
                .map_err(|e| self.store_err(e))?;
            tracing::warn!(request_id, "hand-off link opened by a non-member");
            return Ok(Handoff::Unknown);
        }
        let secret = ClientSecret::generate(self.deps.entropy.as_ref());
        let opened = store
            .open_handoff(&token_sha256, now_ms, &secret.sha256(), &audit_as)
            .await
            .map_err(|e| self.store_err(e))?;
        let request_path = developer_path(&row.organization_id, &request_id);
        tracing::info!(
            request_id,
            outcome = opened.outcome(),
            "hand-off link opened"
        );
        Ok(match opened {
            HandoffOpen::Shown { client_id, .. } => Handoff::Shown {
                request_path,
                app_name: row
                    .application_name
                    .clone()
                    .unwrap_or_else(|| "your app".into()),
                client_id,
                client_secret: secret,
            },
            HandoffOpen::Expired { .. } => Handoff::Expired { request_path },
            HandoffOpen::Used { .. } => Handoff::Used { request_path },
            HandoffOpen::Unknown => Handoff::Unknown,
        })
    }

    async fn row_of(&self, request_id: &str) -> Result<bb_store::AccessRequestRow, AccessError> {
        self.deps
            .store
            .access_request(request_id)
            .await
            .map_err(|e| self.store_err(e))?
            .ok_or(AccessError::NotFound)
    }

    /// The after-approval part of a request's page: the listing, the production app, and
    /// (staff only) the audit of the hand-off links.
    pub async fn golive(
        &self,
        viewer: &Viewer,
        request_id: &str,
    ) -> Result<GoLiveView, AccessError> {
        let row = self.visible(viewer, request_id).await?;
        let store = &self.deps.store;
        let listing = store
            .access_listing(request_id)
            .await
            .map_err(|e| self.store_err(e))?
            .map(listing_view);
        let listing = match listing {
            Some(mut l) => {
                if let Some((_, text)) = self.latest_policy_text(request_id).await? {
                    let answers = FormAnswers {
                        shares_with_third_parties: l.form.shares_data == "yes",
                        sells_data: l.form.sells_data == "yes",
                        retention: retention_answer(&l.form.retention, &l.form.retention_months),
                    };
                    l.contradictions = tokio::task::spawn_blocking(move || {
                        bb_policy::contradictions::against_form(&text, &answers)
                    })
                    .await
                    .unwrap_or_default();
                }
                Some(l)
            }
            None => None,
        };
        let app = match store
            .access_production_app(request_id)
            .await
            .map_err(|e| self.store_err(e))?
        {
            Some(id) => store
                .application_by_id(&id)
                .await
                .map_err(|e| self.store_err(e))?,
            None => None,
        };
        let audit = if viewer.staff().is_some() {
            store
                .handoff_views(request_id)
                .await
                .map_err(|e| self.store_err(e))?
                .into_iter()
                .map(|v| HandoffAudit {
                    who: v
                        .viewer_email
                        .or(v.viewer_id)
                        .unwrap_or_else(|| "not signed in".into()),
                    at: when_ms(v.at),
                    outcome: v.outcome,
                })
                .collect()
        } else {
            Vec::new()
        };
        let state = AccessState::parse(&row.state).unwrap_or(AccessState::Draft);
        Ok(GoLiveView {
            listing,
            can_link: app.is_some() && LINKABLE.contains(&state),
            client_id: app.as_ref().map(|a| a.client_id.clone()),
            active: app.as_ref().map(|a| a.active),
            audit,
        })
    }

    /// The public directory: live apps whose production app is on, by name, a page at a
    /// time. `page` from 1; a page past the end is `None` (BB2 answers 404 "Invalid page").
    pub async fn directory(
        &self,
        page: usize,
        page_size: usize,
    ) -> Result<Option<DirectoryPage>, DomainError> {
        let rows = self
            .deps
            .store
            .access_directory()
            .await
            .map_err(|e| self.portal_store_error(e))?;
        let page_size = page_size.clamp(1, DIRECTORY_MAX_PAGE_SIZE);
        let count = rows.len();
        let pages = count.div_ceil(page_size).max(1);
        if page == 0 || page > pages {
            return Ok(None);
        }
        let results = rows
            .into_iter()
            .skip((page - 1) * page_size)
            .take(page_size)
            .map(directory_entry)
            .collect();
        Ok(Some(DirectoryPage {
            count,
            page,
            page_size,
            has_next: page < pages,
            results,
        }))
    }

    /// A directory entry's logo: `(content type, bytes)`.
    pub async fn directory_logo(
        &self,
        application_id: &str,
    ) -> Result<Option<(String, Vec<u8>)>, DomainError> {
        if application_id.is_empty() || application_id.len() > 64 {
            return Ok(None);
        }
        self.deps
            .store
            .directory_logo(application_id)
            .await
            .map_err(|e| self.portal_store_error(e))
    }
}

/// The effect a generic move carries, if any: suspension and revocation switch the
/// production app off in the move's transaction, reinstatement on again. Listing and
/// credentials have their own functions (they need input).
pub(crate) fn generic_effect(transition: Transition) -> Result<AccessEffect, AccessError> {
    match transition {
        Transition::Suspend | Transition::Revoke => {
            Ok(AccessEffect::SetProductionAppActive { active: false })
        }
        Transition::Reinstate => Ok(AccessEffect::SetProductionAppActive { active: true }),
        Transition::SubmitListing => Err(invalid(
            "transition",
            "send the listing with its form (submit_listing needs the listing)",
        )),
        Transition::IssueCredentials => Err(invalid(
            "transition",
            "issue credentials with their own action (it creates the production app)",
        )),
        _ => Ok(AccessEffect::None),
    }
}

/// The categories offered by the listing form: `(slug, label)`.
pub fn categories() -> &'static [(&'static str, &'static str)] {
    &CATEGORIES
}

#[cfg(test)]
#[path = "golive_tests.rs"]
mod tests;
