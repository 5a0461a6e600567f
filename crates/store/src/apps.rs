//! Applications (OAuth clients) and their redirect URIs.
//!
//! The client secret is never stored: only its SHA-256 (`client_secret_sha256`, 32 bytes,
//! checked by the schema). Secrets are 128 random characters, so a fast hash with a
//! constant-time compare (in the domain) is as strong as a slow KDF and keeps the token
//! endpoint fast.

use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};

/// An application to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApplication {
    /// Primary key (UUID text).
    pub id: String,
    /// Public client id; unique (`applications.client_id`).
    pub client_id: String,
    /// SHA-256 of the client secret.
    pub client_secret_sha256: Vec<u8>,
    /// Owning user.
    pub owner_id: String,
    /// Owning organization, if any.
    pub organization_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Case-folded name; unique per environment.
    pub name_key: String,
    /// `sandbox` or `production`.
    pub environment: String,
    /// `ONE_TIME`, `THIRTEEN_MONTH` or `RESEARCH_STUDY`.
    pub data_access_type: String,
    /// Whether the app asks for demographics (Patient, profile).
    pub require_demographic_scopes: bool,
    /// Whether the app may be used (the kill switch).
    pub active: bool,
    /// Registered redirect URIs, in order.
    pub redirect_uris: Vec<String>,
    /// Logo, website, privacy policy and terms links shown on the consent page.
    pub links: AppLinks,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// The links an application shows enrollees on the consent page.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct AppLinks {
    /// Logo image URL.
    pub logo_uri: Option<String>,
    /// Home page.
    pub website_uri: Option<String>,
    /// Privacy policy.
    pub policy_uri: Option<String>,
    /// Terms of service.
    pub tos_uri: Option<String>,
}

/// A stored application with its redirect URIs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationRow {
    /// Primary key.
    pub id: String,
    /// Public client id.
    pub client_id: String,
    /// SHA-256 of the client secret.
    pub client_secret_sha256: Vec<u8>,
    /// Owning user.
    pub owner_id: String,
    /// Owning organization.
    pub organization_id: Option<String>,
    /// Display name.
    pub name: String,
    /// `sandbox` or `production`.
    pub environment: String,
    /// Data access type.
    pub data_access_type: String,
    /// Whether the app asks for demographics.
    pub require_demographic_scopes: bool,
    /// Kill switch.
    pub active: bool,
    /// Redirect URIs, in registration order.
    pub redirect_uris: Vec<String>,
    /// Consent-page links.
    pub links: AppLinks,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AppColumns {
    id: String,
    client_id: String,
    client_secret_sha256: Vec<u8>,
    owner_id: String,
    organization_id: Option<String>,
    name: String,
    environment: String,
    data_access_type: String,
    require_demographic_scopes: bool,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[sqlx(flatten)]
    links: AppLinks,
}

impl AppColumns {
    fn with_uris(self, redirect_uris: Vec<String>) -> ApplicationRow {
        ApplicationRow {
            id: self.id,
            client_id: self.client_id,
            client_secret_sha256: self.client_secret_sha256,
            owner_id: self.owner_id,
            organization_id: self.organization_id,
            name: self.name,
            environment: self.environment,
            data_access_type: self.data_access_type,
            require_demographic_scopes: self.require_demographic_scopes,
            active: self.active,
            redirect_uris,
            links: self.links,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

pub(crate) const APP_COLUMNS: &str = "id, client_id, client_secret_sha256, owner_id, organization_id, name, \
     environment, data_access_type, require_demographic_scopes, active, created_at, updated_at, \
     logo_uri, website_uri, policy_uri, tos_uri";

/// Inserts an application and its redirect URIs inside transaction `$tx`.
macro_rules! insert_application_tx {
    ($tx:expr, $app:expr) => {{
        let app: &NewApplication = $app;
        sqlx::query(
            "INSERT INTO applications (id, client_id, client_secret_sha256, owner_id, organization_id, \
             name, name_key, environment, data_access_type, require_demographic_scopes, active, \
             created_at, updated_at, logo_uri, website_uri, policy_uri, tos_uri) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16)",
        )
        .bind(&app.id)
        .bind(&app.client_id)
        .bind(&app.client_secret_sha256)
        .bind(&app.owner_id)
        .bind(&app.organization_id)
        .bind(&app.name)
        .bind(&app.name_key)
        .bind(&app.environment)
        .bind(&app.data_access_type)
        .bind(app.require_demographic_scopes)
        .bind(app.active)
        .bind(app.created_at)
        .bind(&app.links.logo_uri)
        .bind(&app.links.website_uri)
        .bind(&app.links.policy_uri)
        .bind(&app.links.tos_uri)
        .execute(&mut *$tx)
        .await?;
        $crate::apps::insert_uris_tx!($tx, &app.id, &app.redirect_uris);
    }};
}
pub(crate) use insert_application_tx;

/// Inserts redirect URIs of application `$id`, in order, inside `$tx`.
macro_rules! insert_uris_tx {
    ($tx:expr, $id:expr, $uris:expr) => {{
        let uris: &[String] = $uris;
        for (position, uri) in uris.iter().enumerate() {
            sqlx::query(
                "INSERT INTO application_redirect_uris (application_id, position, uri) VALUES ($1, $2, $3)",
            )
            .bind($id)
            .bind(i32::try_from(position).unwrap_or(i32::MAX))
            .bind(uri)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use insert_uris_tx;

/// Writes the portal's fields, categories and logo of application `$id` inside `$tx`
/// (categories replaced; the logo replaced, removed or kept).
macro_rules! write_profile_tx {
    ($tx:expr, $id:expr, $profile:expr, $logo:expr) => {{
        let profile: &AppProfile = $profile;
        let logo: &LogoChange = $logo;
        sqlx::query(
            "UPDATE applications SET description = $1, support_email = $2, support_phone_number = $3, \
             agreed_at = COALESCE(agreed_at, $4) WHERE id = $5",
        )
        .bind(&profile.description)
        .bind(&profile.support_email)
        .bind(&profile.support_phone_number)
        .bind(profile.agreed_at)
        .bind($id)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("DELETE FROM application_categories WHERE application_id = $1")
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        for slug in &profile.categories {
            sqlx::query("INSERT INTO application_categories (application_id, slug) VALUES ($1, $2)")
                .bind($id)
                .bind(slug)
                .execute(&mut *$tx)
                .await?;
        }
        match logo {
            LogoChange::Keep => {}
            LogoChange::Remove => {
                sqlx::query("DELETE FROM application_logos WHERE application_id = $1")
                    .bind($id)
                    .execute(&mut *$tx)
                    .await?;
            }
            LogoChange::Set(logo) => {
                sqlx::query("DELETE FROM application_logos WHERE application_id = $1")
                    .bind($id)
                    .execute(&mut *$tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO application_logos (application_id, content_type, bytes, updated_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind($id)
                .bind(&logo.content_type)
                .bind(&logo.bytes)
                .bind(logo.updated_at)
                .execute(&mut *$tx)
                .await?;
            }
        }
    }};
}

pub(crate) use write_profile_tx;

impl Store {
    /// Inserts an application and its redirect URIs in one transaction.
    pub async fn insert_application(&self, app: &NewApplication) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            insert_application_tx!(tx, app);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The application with this client id, with its redirect URIs.
    pub async fn application_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<ApplicationRow>, StoreError> {
        self.application_where("client_id", client_id).await
    }

    /// The application with this primary key, with its redirect URIs.
    pub async fn application_by_id(&self, id: &str) -> Result<Option<ApplicationRow>, StoreError> {
        self.application_where("id", id).await
    }

    /// One application by a unique column (`id` or `client_id`: fixed names, never input).
    async fn application_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<ApplicationRow>, StoreError> {
        if let Some(direct) = &self.direct {
            return direct.application_where(column, value);
        }
        let sql = format!("SELECT {APP_COLUMNS} FROM applications WHERE {column} = $1");
        on_pool!(self, pool => {
            let row: Option<AppColumns> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .fetch_optional(pool)
                .await?;
            match row {
                None => Ok(None),
                Some(row) => {
                    let uris: Vec<String> = sqlx::query_scalar(
                        "SELECT uri FROM application_redirect_uris WHERE application_id = $1 ORDER BY position",
                    )
                    .bind(&row.id)
                    .fetch_all(pool)
                    .await?;
                    Ok(Some(row.with_uris(uris)))
                }
            }
        })
    }

    /// Turns an application on or off (the kill switch); `false` when no such app.
    pub async fn set_application_active(
        &self,
        client_id: &str,
        active: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query("UPDATE applications SET active = $1, updated_at = $2 WHERE client_id = $3")
                .bind(active)
                .bind(now)
                .bind(client_id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Every application owned by a user, oldest first.
    pub async fn applications_of_owner(
        &self,
        owner_id: &str,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let sql = format!(
            "SELECT {APP_COLUMNS} FROM applications WHERE owner_id = $1 ORDER BY created_at, id"
        );
        on_pool!(self, pool => {
            let rows: Vec<AppColumns> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(owner_id)
                .fetch_all(pool)
                .await?;
            let mut apps = Vec::with_capacity(rows.len());
            for row in rows {
                let uris: Vec<String> = sqlx::query_scalar(
                    "SELECT uri FROM application_redirect_uris WHERE application_id = $1 ORDER BY position",
                )
                .bind(&row.id)
                .fetch_all(pool)
                .await?;
                apps.push(row.with_uris(uris));
            }
            Ok(apps)
        })
    }
}

/// The developer portal's fields of an application beyond what the OAuth server reads
/// (BB2's model): description, support contact, terms agreement, categories.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppProfile {
    /// Plain text, at most 1000 characters.
    pub description: String,
    /// Support e-mail.
    pub support_email: Option<String>,
    /// Support phone number.
    pub support_phone_number: Option<String>,
    /// Category slugs (BB2's internal application labels), sorted.
    pub categories: Vec<String>,
    /// When the developer agreed to the terms (ms); kept once set.
    pub agreed_at: Option<i64>,
}

/// An uploaded logo.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AppLogo {
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// The file as uploaded (checked by decoding).
    pub bytes: Vec<u8>,
    /// Upload time (ms): part of the logo's URL, so a new logo is a new URL.
    pub updated_at: i64,
}

/// What an update does to the logo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogoChange {
    /// Leaves it as it is.
    Keep,
    /// Deletes it.
    Remove,
    /// Replaces it.
    Set(AppLogo),
}

/// A changed application: the fields a developer edits.
#[derive(Clone, Debug)]
pub struct AppUpdate {
    /// Display name.
    pub name: String,
    /// Case-folded name.
    pub name_key: String,
    /// Data access type.
    pub data_access_type: String,
    /// Whether the app asks for demographics.
    pub require_demographic_scopes: bool,
    /// Redirect URIs, in order (replace the old ones).
    pub redirect_uris: Vec<String>,
    /// Consent-page links (the logo URI follows the logo change).
    pub links: AppLinks,
    /// Description, support contact, categories.
    pub profile: AppProfile,
    /// The logo.
    pub logo: LogoChange,
    /// Time of the change.
    pub now: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ProfileColumns {
    description: String,
    support_email: Option<String>,
    support_phone_number: Option<String>,
    agreed_at: Option<i64>,
}

impl Store {
    /// Registers an application from the portal: the application, its redirect URIs, its
    /// portal fields, categories and logo, in one transaction (all or nothing).
    pub async fn register_application(
        &self,
        app: &NewApplication,
        profile: &AppProfile,
        logo: Option<&AppLogo>,
    ) -> Result<(), StoreError> {
        let change = logo.map_or(LogoChange::Keep, |l| LogoChange::Set(l.clone()));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            insert_application_tx!(tx, app);
            write_profile_tx!(tx, &app.id, profile, &change);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Changes an application in one transaction; `false` when there is no such app.
    pub async fn update_application(
        &self,
        id: &str,
        update: &AppUpdate,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE applications SET name = $1, name_key = $2, data_access_type = $3, \
                 require_demographic_scopes = $4, logo_uri = $5, website_uri = $6, policy_uri = $7, \
                 tos_uri = $8, updated_at = $9 WHERE id = $10",
            )
            .bind(&update.name)
            .bind(&update.name_key)
            .bind(&update.data_access_type)
            .bind(update.require_demographic_scopes)
            .bind(&update.links.logo_uri)
            .bind(&update.links.website_uri)
            .bind(&update.links.policy_uri)
            .bind(&update.links.tos_uri)
            .bind(update.now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            sqlx::query("DELETE FROM application_redirect_uris WHERE application_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_uris_tx!(tx, id, &update.redirect_uris);
            write_profile_tx!(tx, id, &update.profile, &update.logo);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Deletes an application: with it go (by the schema's cascades, in the same statement)
    /// its redirect URIs, logo, categories, authorization flows, codes, access and refresh
    /// tokens and grants. `false` when there is no such app. Audit rows stay.
    pub async fn delete_application(&self, id: &str) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query("DELETE FROM applications WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected() == 1)
        })
    }

    /// Replaces an application's client secret hash: the old secret stops working at once.
    /// `false` when there is no such app.
    pub async fn set_client_secret(
        &self,
        id: &str,
        client_secret_sha256: &[u8],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query(
                "UPDATE applications SET client_secret_sha256 = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(client_secret_sha256)
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected() == 1)
        })
    }

    /// The portal's fields of an application.
    pub async fn application_profile(&self, id: &str) -> Result<Option<AppProfile>, StoreError> {
        on_pool!(self, pool => {
            let row: Option<ProfileColumns> = sqlx::query_as(
                "SELECT description, support_email, support_phone_number, agreed_at \
                 FROM applications WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let categories: Vec<String> = sqlx::query_scalar(
                "SELECT slug FROM application_categories WHERE application_id = $1 ORDER BY slug",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            Ok(Some(AppProfile {
                description: row.description,
                support_email: row.support_email,
                support_phone_number: row.support_phone_number,
                categories,
                agreed_at: row.agreed_at,
            }))
        })
    }

    /// The uploaded logo of an application.
    pub async fn application_logo(&self, id: &str) -> Result<Option<AppLogo>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT content_type, bytes, updated_at FROM application_logos WHERE application_id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// The applications of an organization, by name.
    pub async fn applications_of_organization(
        &self,
        organization_id: &str,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let sql = format!(
            "SELECT {APP_COLUMNS} FROM applications WHERE organization_id = $1 ORDER BY name_key, id"
        );
        on_pool!(self, pool => {
            let rows: Vec<AppColumns> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(organization_id)
                .fetch_all(pool)
                .await?;
            let mut apps = Vec::with_capacity(rows.len());
            for row in rows {
                let uris: Vec<String> = sqlx::query_scalar(
                    "SELECT uri FROM application_redirect_uris WHERE application_id = $1 ORDER BY position",
                )
                .bind(&row.id)
                .fetch_all(pool)
                .await?;
                apps.push(row.with_uris(uris));
            }
            Ok(apps)
        })
    }
}
