//! The server's own built-in application (the test client at `/testclient/`): found by
//! its owner (a fixed built-in user) and name, created when absent, and given a new secret
//! hash at each start. Redirect URIs are added when first used (never removed), so every
//! origin the test client was reached through stays registered exactly.

use crate::{NewApplication, Store, StoreError, UserRow, on_pool};

/// Adds `uri` to the application's redirect URIs, after the others, unless it is there.
macro_rules! add_redirect_uri_tx {
    ($tx:expr, $application_id:expr, $uri:expr) => {{
        sqlx::query(
            "INSERT INTO application_redirect_uris (application_id, position, uri) \
             SELECT $1, COALESCE(MAX(position) + 1, 0), $2 FROM application_redirect_uris \
             WHERE application_id = $1 ON CONFLICT DO NOTHING",
        )
        .bind($application_id)
        .bind($uri)
        .execute(&mut *$tx)
        .await?;
    }};
}

impl Store {
    /// Makes sure the built-in `owner` and its application `app` (matched by owner,
    /// environment and name) exist; an existing application gets `app`'s secret hash and
    /// keeps its id, client id, switch and URIs (`app`'s URIs are added). One transaction.
    /// Returns the application's id and client id.
    pub async fn ensure_builtin_application(
        &self,
        owner: &UserRow,
        app: &NewApplication,
    ) -> Result<(String, String), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO users (id, email, name, password_hash, kind, staff_role, email_verified_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&owner.id)
            .bind(&owner.email)
            .bind(&owner.name)
            .bind(&owner.password_hash)
            .bind(&owner.kind)
            .bind(&owner.staff_role)
            .bind(owner.email_verified_at)
            .bind(owner.created_at)
            .execute(&mut *tx)
            .await?;
            let existing: Option<(String, String)> = sqlx::query_as(
                "SELECT id, client_id FROM applications \
                 WHERE owner_id = $1 AND environment = $2 AND name_key = $3",
            )
            .bind(&owner.id)
            .bind(&app.environment)
            .bind(&app.name_key)
            .fetch_optional(&mut *tx)
            .await?;
            let found = match existing {
                Some((id, client_id)) => {
                    sqlx::query(
                        "UPDATE applications SET client_secret_sha256 = $1, updated_at = $2 WHERE id = $3",
                    )
                    .bind(&app.client_secret_sha256)
                    .bind(app.created_at)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                    (id, client_id)
                }
                None => {
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
                    (app.id.clone(), app.client_id.clone())
                }
            };
            for uri in &app.redirect_uris {
                add_redirect_uri_tx!(tx, &found.0, uri);
            }
            tx.commit().await?;
            Ok(found)
        })
    }

    /// Registers one more redirect URI for an application (after the others), unless it
    /// is already registered.
    pub async fn add_redirect_uri(
        &self,
        application_id: &str,
        uri: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            add_redirect_uri_tx!(tx, application_id, uri);
            tx.commit().await?;
        });
        Ok(())
    }
}
