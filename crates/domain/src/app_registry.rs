//! The developer portal's apps (issue 6 item 4; `docs/design/portal-apps.md`): register,
//! edit, delete and rotate the secret of an organization's sandbox apps, with every field
//! of BB2's `Application` model.
//!
//! A form is checked whole: every field's problem is reported at once and nothing is
//! written unless all are right (the store writes an app, its redirect URIs, categories and
//! logo in one transaction). Logos are PNG or JPEG of at most 100 KB and 512×512 pixels:
//! the declared type and the file's own signature must agree (else "wrong type"), and the
//! image must decode (the `image` crate with only its PNG and JPEG decoders).
//!
//! Who may do what: any member of the app's organization (owner or developer) sees,
//! registers, edits and rotates the secret of its apps; only owners delete. An app of an
//! organization the user is not in is "not found" (its existence is not told).
//! `RESEARCH_STUDY` is set by staff only (BB2 shows it to staff only); a developer editing
//! an app staff made `RESEARCH_STUDY` may keep it.

use crate::DomainError;
use crate::accounts::{Email, operation_id};
use crate::apps::{
    APP_CONFLICTS, AppName, Apps, ClientId, ClientSecret, ConsentLinks, DataAccessType,
    Environment, RedirectUri,
};
use crate::orgs::Role;
use bb_store::{
    AppLinks, AppLogo, AppProfile, AppUpdate, ApplicationRow, LogoChange, NewApplication,
};
use std::collections::BTreeSet;

/// Largest logo file (BB2's `APP_LOGO_SIZE_MAX`: 100 KB).
pub const LOGO_MAX_BYTES: usize = 100 * 1024;
/// Largest logo side in pixels (BB2's `APP_LOGO_WIDTH_MAX`, `APP_LOGO_HEIGHT_MAX`).
pub const LOGO_MAX_SIDE: u32 = 512;
/// Longest description in characters.
pub const DESCRIPTION_MAX: usize = 1000;

/// BB2's internal application labels (`apps/dot_ext/fixtures/internal_application_labels
/// .json`): slug and label, in the fixture's order.
pub const CATEGORIES: [(&str, &str); 11] = [
    (
        "whitelabeled-plan-finder-enrollment-tool",
        "Whitelabeled plan finder / enrollment tool",
    ),
    (
        "plan-finder-enrollment-tool-not-whitelabeled",
        "Plan finder / enrollment tool - not whitelabeled",
    ),
    ("specific-research-study", "Specific research study"),
    (
        "research-app-multiple-studies",
        "Research app - multiple studies",
    ),
    ("personal-health-record", "Personal health record"),
    ("medication-management", "Medication management"),
    (
        "chronic-condition-management",
        "Chronic condition management",
    ),
    ("data-sharing", "Data sharing"),
    ("data-facilitator", "Data facilitator"),
    ("coverage-eligibility", "Coverage / Eligibility"),
    ("other", "Other"),
];

/// The label of a category slug.
pub fn category_label(slug: &str) -> Option<&'static str> {
    CATEGORIES.iter().find(|(s, _)| *s == slug).map(|(_, l)| *l)
}

/// The path a stored logo is served at; `v` changes with each upload, so the URL can be
/// cached.
pub fn logo_path(app_id: &str, updated_at: i64) -> String {
    format!("/v2/o/applications/{app_id}/logo?v={updated_at}")
}

/// The app form as typed (every value a string, as posted).
#[derive(Clone, Debug, Default)]
pub struct AppForm {
    /// Organization id (registration only; an app stays in its organization).
    pub organization: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Website.
    pub website_uri: String,
    /// Privacy policy.
    pub policy_uri: String,
    /// Terms of service.
    pub tos_uri: String,
    /// Redirect URIs, one per line (spaces separate too, as in BB2).
    pub redirect_uris: String,
    /// Support e-mail.
    pub support_email: String,
    /// Support phone number.
    pub support_phone_number: String,
    /// `true` or `false`.
    pub require_demographic_scopes: String,
    /// `ONE_TIME`, `THIRTEEN_MONTH` or `RESEARCH_STUDY`.
    pub data_access_type: String,
    /// Category slugs.
    pub categories: Vec<String>,
    /// The terms checkbox.
    pub agree: bool,
    /// Remove the current logo (edit only).
    pub remove_logo: bool,
}

/// An uploaded logo file as received.
#[derive(Clone, Debug)]
pub struct LogoUpload {
    /// The part's declared content type.
    pub content_type: String,
    /// The file's bytes (the caller stops reading past [`LOGO_MAX_BYTES`] + 1).
    pub bytes: Vec<u8>,
}

/// How bad input was: the HTTP layer turns it into 400, 413 or 415.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputProblem {
    /// A field is wrong.
    Invalid,
    /// The logo is too large.
    TooLarge,
    /// The logo is not PNG or JPEG.
    WrongType,
}

/// Why an app operation was refused.
#[derive(Debug)]
pub enum AppError {
    /// Fields and what is wrong with each; the worst problem decides the status.
    Invalid {
        /// `(field, reason)`.
        errors: Vec<(&'static str, String)>,
        /// Worst problem.
        problem: InputProblem,
    },
    /// No such app, or not one of the user's organizations'.
    NotFound,
    /// Not a member of the organization named in the form.
    NotMember,
    /// Only owners may do this.
    OwnersOnly,
    /// The store failed.
    Domain(DomainError),
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        Self::Domain(e)
    }
}

/// Who acts.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    /// Account id.
    pub user_id: &'a str,
    /// Blue Button staff.
    pub staff: bool,
}

/// An app in a list.
#[derive(Clone, Debug)]
pub struct AppSummary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Client id.
    pub client_id: String,
    /// Data access type.
    pub data_access_type: String,
    /// Kill switch.
    pub active: bool,
}

/// One organization's apps.
#[derive(Clone, Debug)]
pub struct OrgApps {
    /// Organization id.
    pub organization_id: String,
    /// Its name.
    pub organization: String,
    /// The user's role.
    pub role: Role,
    /// Its apps, by name.
    pub apps: Vec<AppSummary>,
}

/// Everything the detail and edit pages show of an app (never the secret).
#[derive(Clone, Debug)]
pub struct AppDetails {
    /// Id.
    pub id: String,
    /// Client id.
    pub client_id: String,
    /// Name.
    pub name: String,
    /// Organization id.
    pub organization_id: String,
    /// Organization name.
    pub organization: String,
    /// The viewer's role there.
    pub role: Role,
    /// Description.
    pub description: String,
    /// Website, privacy policy, terms.
    pub links: AppLinks,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Support e-mail.
    pub support_email: Option<String>,
    /// Support phone.
    pub support_phone_number: Option<String>,
    /// Demographics.
    pub require_demographic_scopes: bool,
    /// Data access type.
    pub data_access_type: String,
    /// Category slugs.
    pub categories: Vec<String>,
    /// The stored logo's path, if one was uploaded.
    pub logo_path: Option<String>,
    /// Kill switch.
    pub active: bool,
    /// Registration time (UTC, minutes).
    pub created: String,
}

impl AppDetails {
    /// The form filled with the stored values (the edit page).
    pub fn form(&self) -> AppForm {
        AppForm {
            organization: self.organization_id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            website_uri: self.links.website_uri.clone().unwrap_or_default(),
            policy_uri: self.links.policy_uri.clone().unwrap_or_default(),
            tos_uri: self.links.tos_uri.clone().unwrap_or_default(),
            redirect_uris: self.redirect_uris.join("\n"),
            support_email: self.support_email.clone().unwrap_or_default(),
            support_phone_number: self.support_phone_number.clone().unwrap_or_default(),
            require_demographic_scopes: self.require_demographic_scopes.to_string(),
            data_access_type: self.data_access_type.clone(),
            categories: self.categories.clone(),
            agree: true,
            remove_logo: false,
        }
    }
}

/// A registered app's credentials: the only moment the secret exists in clear.
#[derive(Debug)]
pub struct Registered {
    /// App id.
    pub app_id: String,
    /// Client id.
    pub client_id: ClientId,
    /// Client secret, shown once.
    pub client_secret: ClientSecret,
}

/// Checks a logo file: size (413), type by declared content type and signature (415),
/// then decodes it and checks its size in pixels (400).
pub fn check_logo(upload: &LogoUpload) -> Result<&'static str, (InputProblem, String)> {
    if upload.bytes.len() > LOGO_MAX_BYTES {
        return Err((
            InputProblem::TooLarge,
            format!(
                "is larger than {} KB: choose a smaller PNG or JPEG file",
                LOGO_MAX_BYTES / 1024
            ),
        ));
    }
    let declared = upload
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let wrong_type = || {
        (
            InputProblem::WrongType,
            "must be a PNG or JPEG image (the file is of another type)".to_owned(),
        )
    };
    let format = match image::guess_format(&upload.bytes) {
        Ok(image::ImageFormat::Png) if declared == "image/png" => image::ImageFormat::Png,
        Ok(image::ImageFormat::Jpeg) if matches!(declared.as_str(), "image/jpeg" | "image/jpg") => {
            image::ImageFormat::Jpeg
        }
        _ => return Err(wrong_type()),
    };
    let unreadable = || {
        (
            InputProblem::Invalid,
            "could not be read as an image: the file is damaged or not a real PNG or JPEG"
                .to_owned(),
        )
    };
    let (width, height) =
        image::ImageReader::with_format(std::io::Cursor::new(&upload.bytes), format)
            .into_dimensions()
            .map_err(|_| unreadable())?;
    if width > LOGO_MAX_SIDE || height > LOGO_MAX_SIDE {
        return Err((
            InputProblem::Invalid,
            format!(
                "is {width}×{height} pixels: it must be at most {LOGO_MAX_SIDE}×{LOGO_MAX_SIDE}"
            ),
        ));
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(&upload.bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(LOGO_MAX_SIDE);
    limits.max_image_height = Some(LOGO_MAX_SIDE);
    limits.max_alloc = Some(16 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|_| unreadable())?;
    Ok(match format {
        image::ImageFormat::Png => "image/png",
        _ => "image/jpeg",
    })
}

/// A description: at most 1000 characters, no HTML tags.
fn parse_description(raw: &str) -> Result<String, String> {
    let text = raw.trim().replace("\r\n", "\n");
    if text.chars().count() > DESCRIPTION_MAX {
        return Err(format!("must be at most {DESCRIPTION_MAX} characters"));
    }
    if let Some(open) = text.find('<')
        && text[open..].contains('>')
    {
        return Err("must be plain text: HTML tags (<…>) are not allowed".into());
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(text)
}

/// BB2's phone rule: `^\+?1?\d{9,15}$`.
fn phone_ok(raw: &str) -> bool {
    let rest = raw.strip_prefix('+').unwrap_or(raw);
    let digits_ok = |d: &str| (9..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit());
    digits_ok(rest) || rest.strip_prefix('1').is_some_and(digits_ok)
}

/// A form's values once every field is right.
struct Checked {
    name: AppName,
    description: String,
    links: AppLinks,
    redirect_uris: Vec<String>,
    support_email: Option<String>,
    support_phone_number: Option<String>,
    require_demographics: bool,
    data_access_type: DataAccessType,
    categories: Vec<String>,
    logo: Option<AppLogo>,
}

/// Checks every field; all problems at once. `previous_type` is the app's stored data
/// access type (editing) — a non-staff user may keep `RESEARCH_STUDY` but not choose it.
fn check_form(
    form: &AppForm,
    logo: Option<&LogoUpload>,
    staff: bool,
    previous_type: Option<&str>,
    registering: bool,
    now_ms: i64,
) -> Result<Checked, AppError> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let mut problem = InputProblem::Invalid;
    let name = AppName::parse(&form.name)
        .map_err(|e| errors.push(("name", crate::portal::reason(e))))
        .ok();
    let description = parse_description(&form.description)
        .map_err(|r| errors.push(("description", r)))
        .ok();
    let mut link = |field: &'static str, raw: &str| -> Option<String> {
        let links = match field {
            "website_uri" => ConsentLinks {
                website_uri: Some(raw.to_owned()),
                ..ConsentLinks::default()
            },
            "policy_uri" => ConsentLinks {
                policy_uri: Some(raw.to_owned()),
                ..ConsentLinks::default()
            },
            _ => ConsentLinks {
                tos_uri: Some(raw.to_owned()),
                ..ConsentLinks::default()
            },
        };
        match links.checked() {
            Ok(l) => l.website_uri.or(l.policy_uri).or(l.tos_uri),
            Err(e) => {
                errors.push((field, crate::portal::reason(e)));
                None
            }
        }
    };
    let website_uri = link("website_uri", &form.website_uri);
    let policy_uri = link("policy_uri", &form.policy_uri);
    let tos_uri = link("tos_uri", &form.tos_uri);
    let raw_uris: Vec<&str> = form.redirect_uris.split_whitespace().collect();
    let mut uris = Vec::new();
    if raw_uris.is_empty() {
        errors.push(("redirect_uris", "at least one is required".into()));
    } else if raw_uris.len() > 20 {
        errors.push(("redirect_uris", "at most 20 are allowed".into()));
    } else {
        let mut seen = BTreeSet::new();
        for raw in raw_uris {
            match RedirectUri::parse(raw) {
                Ok(uri) if seen.insert(uri.as_str().to_owned()) => {
                    uris.push(uri.as_str().to_owned())
                }
                Ok(_) => errors.push(("redirect_uris", format!("'{raw}' is listed twice"))),
                Err(e) => errors.push(("redirect_uris", crate::portal::reason(e))),
            }
        }
    }
    let support_email = match form.support_email.trim() {
        "" => None,
        raw => Email::parse(raw)
            .map_err(|e| errors.push(("support_email", crate::portal::reason(e))))
            .ok()
            .map(|e| e.as_str().to_owned()),
    };
    let support_phone_number = match form.support_phone_number.trim() {
        "" => None,
        raw if phone_ok(raw) => Some(raw.to_owned()),
        _ => {
            errors.push((
                "support_phone_number",
                "must be 9 to 15 digits, optionally starting with + or +1 (e.g. +12025550123)"
                    .into(),
            ));
            None
        }
    };
    let require_demographics = match form.require_demographic_scopes.trim() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" => Some(false),
        _ => {
            errors.push((
                "require_demographic_scopes",
                "choose whether the app needs demographic information".into(),
            ));
            None
        }
    };
    let data_access_type = match DataAccessType::parse(&form.data_access_type) {
        Ok(DataAccessType::ResearchStudy)
            if !staff && previous_type != Some(DataAccessType::ResearchStudy.as_str()) =>
        {
            errors.push((
                "data_access_type",
                "RESEARCH_STUDY is set by Blue Button staff only: choose ONE_TIME or THIRTEEN_MONTH"
                    .into(),
            ));
            None
        }
        Ok(t) => Some(t),
        Err(_) => {
            errors.push((
                "data_access_type",
                "choose ONE_TIME or THIRTEEN_MONTH".into(),
            ));
            None
        }
    };
    let mut categories = BTreeSet::new();
    for slug in &form.categories {
        if category_label(slug).is_some() {
            categories.insert(slug.clone());
        } else {
            errors.push(("categories", format!("'{slug}' is not a category")));
        }
    }
    if registering && !form.agree {
        errors.push((
            "agree",
            "you must agree to the terms of service to register an app".into(),
        ));
    }
    let logo = match logo.filter(|l| !l.bytes.is_empty()) {
        None => None,
        Some(upload) => match check_logo(upload) {
            Ok(content_type) => Some(AppLogo {
                content_type: content_type.to_owned(),
                bytes: upload.bytes.clone(),
                updated_at: now_ms,
            }),
            Err((p, reason)) => {
                problem = p;
                errors.push(("logo", reason));
                None
            }
        },
    };
    let (Some(name), Some(description), Some(require_demographics), Some(data_access_type), true) = (
        name,
        description,
        require_demographics,
        data_access_type,
        errors.is_empty(),
    ) else {
        return Err(AppError::Invalid { errors, problem });
    };
    Ok(Checked {
        name,
        description,
        links: AppLinks {
            logo_uri: None,
            website_uri,
            policy_uri,
            tos_uri,
        },
        redirect_uris: uris,
        support_email,
        support_phone_number,
        require_demographics,
        data_access_type,
        categories: categories.into_iter().collect(),
        logo,
    })
}

fn name_taken() -> AppError {
    AppError::Invalid {
        errors: vec![(
            "name",
            "is taken: another sandbox app has this name (names are compared without regard to case)"
                .into(),
        )],
        problem: InputProblem::Invalid,
    }
}

impl Apps {
    fn store_err(&self, e: bb_store::StoreError) -> DomainError {
        DomainError::from_store(e, || operation_id(&self.deps), APP_CONFLICTS)
    }

    /// The apps of every organization the user belongs to, grouped per organization.
    pub async fn portal_list(&self, user_id: &str) -> Result<Vec<OrgApps>, DomainError> {
        let store = &self.deps.store;
        let memberships = store
            .memberships_of(user_id)
            .await
            .map_err(|e| self.store_err(e))?;
        let mut out = Vec::with_capacity(memberships.len());
        for m in memberships {
            let apps = store
                .applications_of_organization(&m.organization_id)
                .await
                .map_err(|e| self.store_err(e))?
                .into_iter()
                // Production apps are made and handed over through production access.
                .filter(|a| a.environment == Environment::Sandbox.as_str())
                .map(|a| AppSummary {
                    id: a.id,
                    name: a.name,
                    client_id: a.client_id,
                    data_access_type: a.data_access_type,
                    active: a.active,
                })
                .collect();
            out.push(OrgApps {
                organization_id: m.organization_id,
                organization: m.name,
                role: Role::parse(&m.role).unwrap_or(Role::Developer),
                apps,
            });
        }
        Ok(out)
    }

    /// The app and the viewer's role in its organization; `NotFound` for an app outside
    /// the user's organizations.
    async fn visible(
        &self,
        user_id: &str,
        app_id: &str,
    ) -> Result<(ApplicationRow, Role), AppError> {
        if app_id.is_empty() || app_id.len() > 64 {
            return Err(AppError::NotFound);
        }
        let store = &self.deps.store;
        let app = store
            .application_by_id(app_id)
            .await
            .map_err(|e| self.store_err(e))?
            .ok_or(AppError::NotFound)?;
        // A production app is not edited, rotated or deleted here: its credentials are
        // handed over once through production access, and staff suspend or revoke it.
        if app.environment != Environment::Sandbox.as_str() {
            return Err(AppError::NotFound);
        }
        let Some(org) = app.organization_id.as_deref() else {
            return Err(AppError::NotFound);
        };
        let role = store
            .member_role(org, user_id)
            .await
            .map_err(|e| self.store_err(e))?
            .ok_or(AppError::NotFound)?;
        Ok((app, Role::parse(&role).unwrap_or(Role::Developer)))
    }

    /// Everything the detail page shows of an app the user may see.
    pub async fn portal_app(&self, user_id: &str, app_id: &str) -> Result<AppDetails, AppError> {
        let (app, role) = self.visible(user_id, app_id).await?;
        let store = &self.deps.store;
        let org_id = app.organization_id.clone().unwrap_or_default();
        let organization = store
            .organization_by_id(&org_id)
            .await
            .map_err(|e| self.store_err(e))?
            .map(|o| o.name)
            .unwrap_or_default();
        let profile = store
            .application_profile(&app.id)
            .await
            .map_err(|e| self.store_err(e))?
            .unwrap_or_default();
        let logo_path = app
            .links
            .logo_uri
            .clone()
            .filter(|u| u.starts_with("/v2/o/applications/"));
        Ok(AppDetails {
            client_id: app.client_id,
            name: app.name,
            organization_id: org_id,
            organization,
            role,
            description: profile.description,
            links: AppLinks {
                logo_uri: None,
                ..app.links
            },
            redirect_uris: app.redirect_uris,
            support_email: profile.support_email,
            support_phone_number: profile.support_phone_number,
            require_demographic_scopes: app.require_demographic_scopes,
            data_access_type: app.data_access_type,
            categories: profile.categories,
            logo_path,
            active: app.active,
            created: app.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            id: app.id,
        })
    }

    /// Registers a sandbox app in one of the user's organizations: every field checked,
    /// credentials issued, the app, its URIs, categories and logo written at once.
    pub async fn portal_register(
        &self,
        actor: Actor<'_>,
        form: &AppForm,
        logo: Option<&LogoUpload>,
    ) -> Result<Registered, AppError> {
        let deps = &self.deps;
        let store = &deps.store;
        let role = store
            .member_role(form.organization.trim(), actor.user_id)
            .await
            .map_err(|e| self.store_err(e))?;
        let now = deps.clock.now();
        let now_ms = now.timestamp_millis();
        let checked = check_form(form, logo, actor.staff, None, true, now_ms);
        let checked = match (role, checked) {
            (Some(_), Ok(c)) => c,
            (None, Ok(_)) => return Err(AppError::NotMember),
            (
                None,
                Err(AppError::Invalid {
                    mut errors,
                    problem,
                }),
            ) => {
                errors.push(("organization", "choose one of your organizations".into()));
                return Err(AppError::Invalid { errors, problem });
            }
            (_, Err(e)) => return Err(e),
        };
        let id = operation_id(deps);
        let client_id = ClientId::generate(deps.entropy.as_ref());
        let client_secret = ClientSecret::generate(deps.entropy.as_ref());
        let mut links = checked.links.clone();
        links.logo_uri = checked.logo.as_ref().map(|l| logo_path(&id, l.updated_at));
        let app = NewApplication {
            id: id.clone(),
            client_id: client_id.as_str().to_owned(),
            client_secret_sha256: client_secret.sha256().to_vec(),
            owner_id: actor.user_id.to_owned(),
            organization_id: Some(form.organization.trim().to_owned()),
            name: checked.name.as_str().to_owned(),
            name_key: checked.name.as_str().to_lowercase(),
            environment: Environment::Sandbox.as_str().to_owned(),
            data_access_type: checked.data_access_type.as_str().to_owned(),
            require_demographic_scopes: checked.require_demographics,
            active: true,
            redirect_uris: checked.redirect_uris.clone(),
            links,
            created_at: now,
        };
        let profile = AppProfile {
            description: checked.description.clone(),
            support_email: checked.support_email.clone(),
            support_phone_number: checked.support_phone_number.clone(),
            categories: checked.categories.clone(),
            agreed_at: Some(now_ms),
        };
        match store
            .register_application(&app, &profile, checked.logo.as_ref())
            .await
        {
            Ok(()) => {}
            Err(e) if e.is_conflict_on("applications.name_key") => return Err(name_taken()),
            Err(e) => return Err(self.store_err(e).into()),
        }
        tracing::info!(client_id = %client_id.as_str(), "application registered in the portal");
        Ok(Registered {
            app_id: id,
            client_id,
            client_secret,
        })
    }

    /// Changes an app: every field checked, all written at once or nothing.
    pub async fn portal_update(
        &self,
        actor: Actor<'_>,
        app_id: &str,
        form: &AppForm,
        logo: Option<&LogoUpload>,
    ) -> Result<(), AppError> {
        let (app, _) = self.visible(actor.user_id, app_id).await?;
        let deps = &self.deps;
        let now = deps.clock.now();
        let now_ms = now.timestamp_millis();
        let checked = check_form(
            form,
            logo,
            actor.staff,
            Some(&app.data_access_type),
            false,
            now_ms,
        )?;
        let store = &deps.store;
        let previous = store
            .application_profile(&app.id)
            .await
            .map_err(|e| self.store_err(e))?
            .unwrap_or_default();
        let (change, logo_uri) = match (checked.logo, form.remove_logo) {
            (Some(l), _) => {
                let path = logo_path(&app.id, l.updated_at);
                (LogoChange::Set(l), Some(path))
            }
            (None, true) => (LogoChange::Remove, None),
            (None, false) => (LogoChange::Keep, app.links.logo_uri.clone()),
        };
        let update = AppUpdate {
            name: checked.name.as_str().to_owned(),
            name_key: checked.name.as_str().to_lowercase(),
            data_access_type: checked.data_access_type.as_str().to_owned(),
            require_demographic_scopes: checked.require_demographics,
            redirect_uris: checked.redirect_uris,
            links: AppLinks {
                logo_uri,
                ..checked.links
            },
            profile: AppProfile {
                description: checked.description,
                support_email: checked.support_email,
                support_phone_number: checked.support_phone_number,
                categories: checked.categories,
                agreed_at: previous.agreed_at,
            },
            logo: change,
            now,
        };
        match store.update_application(&app.id, &update).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(AppError::NotFound),
            Err(e) if e.is_conflict_on("applications.name_key") => Err(name_taken()),
            Err(e) => Err(self.store_err(e).into()),
        }
    }

    /// Deletes an app (owners only): its URIs, logo, categories, flows, codes, tokens and
    /// grants go with it in one statement.
    pub async fn portal_delete(&self, actor: Actor<'_>, app_id: &str) -> Result<(), AppError> {
        let (app, role) = self.visible(actor.user_id, app_id).await?;
        if role != Role::Owner {
            return Err(AppError::OwnersOnly);
        }
        let done = self
            .deps
            .store
            .delete_application(&app.id)
            .await
            .map_err(|e| self.store_err(e))?;
        if !done {
            return Err(AppError::NotFound);
        }
        tracing::warn!(client_id = %app.client_id, "application deleted in the portal");
        Ok(())
    }

    /// Issues a new client secret; the old one stops working at once. The new secret, to
    /// show once.
    pub async fn portal_rotate_secret(
        &self,
        actor: Actor<'_>,
        app_id: &str,
    ) -> Result<ClientSecret, AppError> {
        let (app, _) = self.visible(actor.user_id, app_id).await?;
        let deps = &self.deps;
        let secret = ClientSecret::generate(deps.entropy.as_ref());
        let done = deps
            .store
            .set_client_secret(&app.id, &secret.sha256(), deps.clock.now())
            .await
            .map_err(|e| self.store_err(e))?;
        if !done {
            return Err(AppError::NotFound);
        }
        tracing::warn!(client_id = %app.client_id, "client secret rotated");
        Ok(secret)
    }

    /// An app's uploaded logo (public: the consent page shows it to enrollees).
    pub async fn logo(&self, app_id: &str) -> Result<Option<AppLogo>, DomainError> {
        if app_id.is_empty() || app_id.len() > 64 {
            return Ok(None);
        }
        self.deps
            .store
            .application_logo(app_id)
            .await
            .map_err(|e| self.store_err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_follow_bb2() {
        for ok in [
            "202555012",
            "+12025550123",
            "12025550123",
            "+123456789012345",
        ] {
            assert!(phone_ok(ok), "{ok}");
        }
        for bad in [
            "",
            "12345678",
            "+1 202 555 0123",
            "202-555-0123",
            "+1234567890123456x",
        ] {
            assert!(!phone_ok(bad), "{bad}");
        }
    }

    #[test]
    fn descriptions_are_plain_text() {
        assert!(parse_description("A tool for 3 < 4 comparisons").is_ok());
        assert!(parse_description("Hello <b>world</b>").is_err());
        assert!(parse_description("<script>").is_err());
        assert!(parse_description(&"x".repeat(1000)).is_ok());
        assert!(parse_description(&"x".repeat(1001)).is_err());
    }

    #[test]
    fn logos_are_checked_by_decoding() {
        let png = |w: u32, h: u32| {
            let mut out = Vec::new();
            image::DynamicImage::new_rgb8(w, h)
                .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
                .map(|()| out)
                .unwrap_or_default()
        };
        let upload = |t: &str, bytes: Vec<u8>| LogoUpload {
            content_type: t.into(),
            bytes,
        };
        assert_eq!(
            check_logo(&upload("image/png", png(16, 16))),
            Ok("image/png")
        );
        assert_eq!(
            check_logo(&upload("image/jpeg", png(16, 16))).map_err(|e| e.0),
            Err(InputProblem::WrongType)
        );
        assert_eq!(
            check_logo(&upload("image/png", b"GIF89a....".to_vec())).map_err(|e| e.0),
            Err(InputProblem::WrongType)
        );
        assert_eq!(
            check_logo(&upload("image/png", png(600, 600))).map_err(|e| e.0),
            Err(InputProblem::Invalid)
        );
        let mut broken = png(16, 16);
        broken.truncate(40);
        assert_eq!(
            check_logo(&upload("image/png", broken)).map_err(|e| e.0),
            Err(InputProblem::Invalid)
        );
        assert_eq!(
            check_logo(&upload("image/png", vec![0; LOGO_MAX_BYTES + 1])).map_err(|e| e.0),
            Err(InputProblem::TooLarge)
        );
        assert_eq!(CATEGORIES.len(), 11);
    }
}
