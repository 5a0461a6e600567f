//! Every user-visible word of the pages, one file per language ([`en`], [`es`]).
//!
//! A text with a part that changes (an app name, a date, a link) is a pattern with named
//! placeholders such as `{app}`; [`super::fill`] turns it into escaped segments, so a
//! translation may move the placeholder anywhere in the sentence. Adding a language is one
//! file here plus a [`super::Lang`] variant.

mod en;
mod es;

pub(crate) use en::EN;
pub(crate) use es::ES;

/// The words of one language. Field names say where the text appears.
#[derive(Debug)]
pub(crate) struct Strings {
    // ---- layout ----
    /// Name of the service, in the header and every `<title>`.
    pub site_name: &'static str,
    /// Skip link for keyboard and screen reader users.
    pub skip_to_content: &'static str,
    /// Footer help line.
    pub footer_help: &'static str,
    /// Name of the *other* language, written in that language (the switch link).
    pub other_language_name: &'static str,
    /// Code of the other language (`hreflang`, `lang` of the switch link).
    pub other_language_code: &'static str,
    /// `aria-label` of the language switch.
    pub language_switch_label: &'static str,

    // ---- dates ----
    /// Month names, January first.
    pub months: [&'static str; 12],
    /// A date in words: `{month}`, `{day}`, `{year}`.
    pub date_pattern: &'static str,
    /// A time in UTC: `{date}`, `{time}` (24-hour `HH:MM`).
    pub datetime_pattern: &'static str,

    // ---- login ----
    pub login_title: &'static str,
    /// Heading when an app asked for the login: `{app}`.
    pub login_heading_app: &'static str,
    pub login_intro: &'static str,
    pub username_label: &'static str,
    pub password_label: &'static str,
    pub login_button: &'static str,
    pub sandbox_note: &'static str,
    pub error_bad_credentials: &'static str,
    /// `{minutes}` is a number followed by [`Self::minute_one`] or [`Self::minute_many`].
    pub error_locked: &'static str,
    pub minute_one: &'static str,
    pub minute_many: &'static str,

    // ---- consent ----
    /// `<title>` and heading: `{app}`.
    pub consent_title: &'static str,
    pub consent_heading: &'static str,
    /// `alt` of the logo: `{app}`.
    pub logo_alt: &'static str,
    /// `{organization}`.
    pub made_by: &'static str,
    pub website_link: &'static str,
    pub privacy_policy_link: &'static str,
    pub terms_link: &'static str,
    /// `{app}`.
    pub what_heading: &'static str,
    pub claims_item: &'static str,
    pub demographics_label: &'static str,
    pub demographics_hint: &'static str,
    pub nothing_item: &'static str,
    pub how_long_heading: &'static str,
    /// `{app}` and `{period}`.
    pub access_sentence: &'static str,
    pub period_one_hour: &'static str,
    /// `{date}`.
    pub period_thirteen_months: &'static str,
    pub period_no_end: &'static str,
    pub stop_heading: &'static str,
    /// `{link}` (the connected apps page) and `{phone}`.
    pub stop_sentence: &'static str,
    pub connected_apps_link: &'static str,
    pub medicare_phone: &'static str,
    pub approve_button: &'static str,
    pub deny_button: &'static str,
    pub consent_choice_note: &'static str,

    // ---- errors ----
    pub err_unknown_client_title: &'static str,
    pub err_unknown_client_text: &'static str,
    pub err_bad_redirect_title: &'static str,
    pub err_bad_redirect_text: &'static str,
    pub err_invalid_request_title: &'static str,
    pub err_invalid_request_text: &'static str,
    /// Label of the technical detail of an invalid request.
    pub err_details_label: &'static str,
    /// `{app}`.
    pub err_inactive_title: &'static str,
    /// `{app}`.
    pub err_inactive_text: &'static str,
    pub err_flow_expired_title: &'static str,
    pub err_flow_expired_text: &'static str,
    pub err_no_data_title: &'static str,
    /// `{phone}`.
    pub err_no_data_text: &'static str,
    pub err_not_found_title: &'static str,
    pub err_not_found_text: &'static str,
    pub err_too_many_title: &'static str,
    pub err_too_many_text: &'static str,

    // ---- connected apps ----
    pub apps_title: &'static str,
    pub apps_intro: &'static str,
    /// `{app}`: an app whose access was just removed.
    pub revoked_notice: &'static str,
    pub no_apps: &'static str,
    pub col_app: &'static str,
    pub col_organization: &'static str,
    pub col_since: &'static str,
    pub col_until: &'static str,
    pub col_sees: &'static str,
    /// `{date}`: end of a grant, in a table cell.
    pub until_date: &'static str,
    pub sees_claims: &'static str,
    pub sees_demographics: &'static str,
    pub sees_account_only: &'static str,
    pub not_given: &'static str,
    pub revoke_button: &'static str,
    /// Hidden text completing the Revoke button for screen readers: `{app}`.
    pub revoke_button_for: &'static str,
    pub reads_heading: &'static str,
    pub reads_intro: &'static str,
    pub no_reads: &'static str,
    pub col_time: &'static str,
    pub col_what: &'static str,
    pub what_eob: &'static str,
    pub what_coverage: &'static str,
    pub what_patient: &'static str,
    pub what_userinfo: &'static str,
    pub logout_button: &'static str,
}
