//! The store contract suite: every case runs against in-memory SQLite, file SQLite and
//! PostgreSQL. The PostgreSQL copies are `#[ignore]`d in a plain `cargo test` (no services
//! needed) and run by `scripts/test`, which creates a uniquely named database, sets
//! `BLUEBUTTON_TEST_POSTGRES_URL`, and drops the database afterwards. Each PostgreSQL
//! case works in its own schema of that database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod access_cases;
mod audit_cases;
mod backends;
mod cases;
mod change_cases;
mod oauth_cases;
mod orgs_apps_cases;
mod portal_cases;
mod ratelimit_cases;
mod usage_cases;

/// Generates one test per case and backend.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod sqlite_memory {
            $( #[tokio::test] async fn $case() { crate::cases::$case(crate::backends::sqlite_memory().await).await } )*
        }
        mod sqlite_file {
            $( #[tokio::test] async fn $case() { crate::cases::$case(crate::backends::sqlite_file().await).await } )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: scripts/test runs it with BLUEBUTTON_TEST_POSTGRES_URL"]
                async fn $case() { crate::cases::$case(crate::backends::postgres().await).await }
            )*
        }
    };
}

contract!(
    migrate_is_idempotent,
    newer_schema_is_refused_and_nothing_is_written,
    user_email_is_unique,
    developers_join_or_found_organizations,
    developer_insert_is_all_or_nothing,
    application_round_trips_with_ordered_uris,
    application_names_are_unique_per_environment_in_any_case,
    application_needs_an_existing_owner,
    duplicate_redirect_uri_writes_nothing,
    secret_hash_must_be_32_bytes,
    sandbox_logins_round_trip_and_are_unique,
    closed_store_is_unavailable,
    concurrent_writers_all_land,
    claims_come_back_in_bfd_order,
    claim_upserts_replace_and_deletes_remove,
    rolled_back_loads_leave_nothing,
    beneficiaries_by_year_and_history_by_digest,
    sandbox_build_record_round_trips,
    claim_pages_filter_count_and_page_in_one_query,
    auth_codes_load_in_bulk_and_grants_upsert,
    token_pairs_land_whole_and_rotate,
    oauth_flow_codes_tokens_and_grants,
    login_failures_sessions_and_audit,
    code_spends_with_its_token_pair_once,
    concurrent_exchanges_land_or_fail_alone,
    purge_removes_only_what_ended,
    sign_up_is_all_or_nothing_and_verification_is_single_use,
    login_failures_lock_the_account_and_age_out,
    password_reset_and_change_end_every_session,
    portal_sessions_and_totp_steps,
    outbox_claims_once_retries_and_gives_up,
    usage_upserts_add_up_per_app_and_day,
    usage_is_visible_to_owner_and_organization_only,
    builtin_application_is_found_again_with_a_new_secret,
    portal_apps_register_update_and_delete_whole,
    organization_members_and_invitations,
    terms_versions_are_published_once_and_accepted_per_organization,
    access_requests_keep_every_document_version_and_move_conditionally,
    demo_slots_book_once_concerns_thread_and_checks_keep_the_latest,
    after_approval_listing_handoff_and_directory,
    policy_changes_are_reviewed_and_publish_on_approval_only,
    audit_chain_stays_continuous_under_concurrent_appends,
    audit_events_are_append_only,
    records_before_the_chain_are_chained_by_migrate,
    rate_counts_add_up_and_return_totals,
);
