//! Persistence for bluebutton: one API over two backends.
//!
//! [`Store`] is the only type the rest of the system sees. It wraps either a SQLite pool
//! (the embedded default, a file under `bluebutton-data/`) or a PostgreSQL pool, chosen by
//! the [`DatabaseUrl`]. Each aggregate has its own module (`accounts`, `apps`, `claims`) adding
//! methods to `Store`; every method is run by the store contract suite
//! (`tests/it/`) against both backends.
//!
//! Why one enum and not a trait object: the SQL we write is the same text for both
//! backends (numbered `$1` placeholders work on SQLite too; unique constraints carry the
//! same names), so [`on_pool!`] compiles one body twice, once per concrete pool type. That
//! keeps a single code path, static dispatch and no boxed futures, while a query that
//! must differ can still `match` on the backend.
//!
//! Only this crate contains SQL (an invariant checked by `cargo xtask tidy`).

mod access;
mod access_changes;
mod access_golive;
mod access_review;
mod accounts;
mod apps;
mod audit;
mod builtin;
mod claims;
mod connect;
mod direct;
mod error;
mod oauth;
mod orgs;
mod portal;
mod ratelimit;
mod schema;
mod tokens;
mod url;
mod usage;

pub use access::{
    AccessDocumentRow, AccessDraft, AccessRequestRow, AccessStatusChange, AccessTransitionRow,
    NewAccessDocument, NewAccessRequest, NewNotification, NotificationRow, SlaChange, StaffRow,
    TermsAcceptanceRow, TermsRow,
};
pub use access_changes::{
    ChangeClock, ChangeDocumentRow, ChangeTransitionRow, NewChangeDocument, NewChangeOutcome,
    NewPolicyChange, PolicyChangeMove, PolicyChangeRow, PublishedDocumentRow,
};
pub use access_golive::{
    DirectoryRow, HandoffOpen, HandoffViewRow, HandoffViewer, ListingRow, NewHandoff,
};
pub use access_review::{
    AccessEffect, ConcernResponseRow, ConcernRow, DemoRow, DemoSlotRow, NewConcern, NewDemo,
    NewDemoSlot, ReviewCheckRow, TransitionOutcome,
};
pub use accounts::{OrganizationRow, SandboxLoginRow, UserRow};
pub use apps::{
    AppLinks, AppLogo, AppProfile, AppUpdate, ApplicationRow, LogoChange, NewApplication,
};
pub use audit::{
    AUDIT_GENESIS, AuditHeadRow, AuditLinkRow, audit_record_hash, canonical as audit_canonical,
};
pub use claims::{
    BeneficiaryHistoryRow, BeneficiaryRow, Bound, ClaimFilter, ClaimKeyRow, ClaimPage, ClaimRow,
    ClaimsCounts, ClaimsTx, SandboxBuildRow,
};
pub use connect::StoreOptions;
pub use error::StoreError;
pub use oauth::{
    AuditEventRow, AuditEventView, AuthCodeRow, AuthFlowRow, BearerRow, CodeRedemption,
    EnrolleeSessionRow, GrantRow, GrantView, LoginFailureRow, PurgeReport, RefreshTokenRow,
};
pub use orgs::{InvitationRow, MemberChange, MemberRow, MembershipRow};
pub use portal::{
    AccountTokenRow, MailAttachment, NewMail, OutboxRow, PortalSessionRow, UserAuthRow,
};
pub use ratelimit::{RateCountRow, RateCountTotal};
pub use schema::{MigrationReport, SchemaStatus};
pub use tokens::AccessTokenRow;
pub use url::{DatabaseUrl, DatabaseUrlError};
pub use usage::{UsageCountRow, UsageDayRow, UsageEnrolleeRow};

use sqlx::{PgPool, SqlitePool};

/// Handle to the database: cheap to clone (the pools are reference counted).
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    /// Direct connections for the hot paths of a SQLite file store (see `direct`).
    direct: Option<std::sync::Arc<direct::Direct>>,
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression against whichever pool the store holds.
///
/// The body is type-checked once per backend, so it must be valid for both
/// `SqlitePool` and `PgPool`.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl Store {
    /// Which backend this store runs on: `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Runs a trivial query: the database answers and a connection can be had.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Runs raw SQL: only for the contract suite's set-up (feature `test-support`).
    #[cfg(feature = "test-support")]
    pub async fn execute_for_tests(&self, sql: &str) -> Result<u64, StoreError> {
        let sql = sql.to_owned();
        on_pool!(self, pool => Ok(sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(pool).await?.rows_affected()))
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        if let Some(direct) = &self.direct {
            direct.close();
        }
        on_pool!(self, pool => pool.close().await)
    }
}
