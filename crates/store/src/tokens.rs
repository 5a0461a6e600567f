//! Access tokens, stored only as the SHA-256 of the token: the bearer check of a FHIR call
//! is one hash and one primary-key lookup.

use crate::{Store, StoreError, on_pool};

/// An access token as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AccessTokenRow {
    /// SHA-256 of the token (32 bytes).
    pub token_sha256: Vec<u8>,
    /// The application it was issued to.
    pub application_id: Option<String>,
    /// The beneficiary whose data it opens.
    pub bene_id: i64,
    /// Granted scopes, space-separated.
    pub scopes: String,
    /// Expiry, milliseconds since 1970-01-01 UTC.
    pub expires_at: i64,
    /// Revocation time, if revoked.
    pub revoked_at: Option<i64>,
    /// Issue time, milliseconds since 1970-01-01 UTC.
    pub created_at: i64,
}

impl Store {
    /// Inserts an access token.
    pub async fn insert_access_token(&self, token: &AccessTokenRow) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO access_tokens (token_sha256, application_id, bene_id, scopes, expires_at, revoked_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&token.token_sha256)
            .bind(&token.application_id)
            .bind(token.bene_id)
            .bind(&token.scopes)
            .bind(token.expires_at)
            .bind(token.revoked_at)
            .bind(token.created_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The token with this hash.
    pub async fn access_token(
        &self,
        token_sha256: &[u8],
    ) -> Result<Option<AccessTokenRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT token_sha256, application_id, bene_id, scopes, expires_at, revoked_at, created_at \
                 FROM access_tokens WHERE token_sha256 = $1",
            )
            .bind(token_sha256)
            .fetch_optional(pool)
            .await?)
        })
    }
}
