//! Applications (OAuth clients) and their redirect URIs.
//!
//! The client secret is never stored: only its SHA-256 (`client_secret_sha256`, 32 bytes,
//! checked by the schema). Secrets are 128 random characters, so a fast hash with a
//! constant-time compare (in the domain) is as strong as a slow KDF and keeps the token
//! endpoint fast.

use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};

/// An application to insert.
#[derive(Clone, Debug)]
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

impl Store {
    /// Inserts an application and its redirect URIs in one transaction.
    pub async fn insert_application(&self, app: &NewApplication) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
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
            .execute(&mut *tx)
            .await?;
            for (position, uri) in app.redirect_uris.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO application_redirect_uris (application_id, position, uri) VALUES ($1, $2, $3)",
                )
                .bind(&app.id)
                .bind(i32::try_from(position).unwrap_or(i32::MAX))
                .bind(uri)
                .execute(&mut *tx)
                .await?;
            }
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
