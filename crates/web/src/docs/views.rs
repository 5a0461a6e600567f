//! The docs pages as askama templates (`templates/docs/`) and how a page becomes a
//! response: HTML, cacheable for five minutes (no form carries a secret), and a CSP that
//! allows the site's stylesheet and nothing else (no script).

use super::dictionary::{Found, Mapping, PAGE_SIZE, Variable};
use crate::oauth::discovery::SCOPES_SUPPORTED;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The pages' policy: the stylesheet from this origin, the search form submitting here.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Which entry of the docs navigation a page is (marked `aria-current="page"` by
/// `templates/docs/base.html`): `home`, `getting-started`, `authorization`, a FHIR guide's
/// slug, `dictionary`, or empty.
pub(crate) type Section = &'static str;

#[derive(Template)]
#[template(path = "docs/index.html")]
pub(crate) struct IndexPage {
    pub title: &'static str,
    pub section: Section,
    pub guides: &'static [ResourceGuide],
    pub variables: usize,
}

#[derive(Template)]
#[template(path = "docs/getting_started.html")]
pub(crate) struct GettingStartedPage {
    pub title: &'static str,
    pub section: Section,
}

#[derive(Template)]
#[template(path = "docs/authorization.html")]
pub(crate) struct AuthorizationPage {
    pub title: &'static str,
    pub section: Section,
    pub scopes: &'static [&'static str],
}

#[derive(Template)]
#[template(path = "docs/not_found.html")]
pub(crate) struct NotFoundPage {
    pub title: &'static str,
    pub section: Section,
}

/// The guide pages without data of their own.
pub(crate) struct GuidePage;

impl GuidePage {
    pub fn index() -> IndexPage {
        IndexPage {
            title: "Blue Button 2.0 API documentation",
            section: "home",
            guides: fhir_guides(),
            variables: super::dictionary::dictionary().len(),
        }
    }

    pub fn getting_started() -> GettingStartedPage {
        GettingStartedPage {
            title: "Getting started",
            section: "getting-started",
        }
    }

    pub fn authorization() -> AuthorizationPage {
        AuthorizationPage {
            title: "Authorization",
            section: "authorization",
            scopes: &SCOPES_SUPPORTED,
        }
    }

    pub fn not_found() -> NotFoundPage {
        NotFoundPage {
            title: "Page not found",
            section: "",
        }
    }
}

/// A search parameter of a resource: name and what it does.
pub(crate) type SearchParam = (&'static str, &'static str);

/// What the FHIR guide of one resource says.
pub(crate) struct ResourceGuide {
    /// `/docs/fhir/{slug}`.
    pub slug: &'static str,
    /// FHIR resource type.
    pub name: &'static str,
    pub section: Section,
    /// One sentence.
    pub summary: &'static str,
    /// The R4 specification page.
    pub spec: &'static str,
    /// The CARIN Blue Button profile(s).
    pub profile: &'static str,
    /// The scopes that open it.
    pub scopes: &'static str,
    /// `(method and path, what it answers)`.
    pub endpoints: &'static [(&'static str, &'static str)],
    pub search: &'static [SearchParam],
    /// Things worth knowing.
    pub notes: &'static [&'static str],
    /// The request the example answers.
    pub example_request: &'static str,
    /// The example response, as the server renders it for BBUser00000.
    pub example: &'static str,
    /// Dictionary variables to start from.
    pub variables: &'static [&'static str],
}

const COMMON_SEARCH: [SearchParam; 3] = [
    ("_count", "Page size (alias count): 0 to 50, default 10."),
    ("startIndex", "Offset of the page's first entry."),
    (
        "_lastUpdated",
        "Last update filter, repeatable: a date or instant with an optional prefix lt, le, gt, ge or eq, e.g. _lastUpdated=ge2025-01-01.",
    ),
];

const EOB_SEARCH: [SearchParam; 5] = [
    COMMON_SEARCH[0],
    COMMON_SEARCH[1],
    COMMON_SEARCH[2],
    (
        "type",
        "Claim types, comma-separated: carrier, dme, hha, hospice, inpatient, outpatient, pde, snf (optionally prefixed with https://bluebutton.cms.gov/resources/codesystem/eob-type|).",
    ),
    (
        "service-date",
        "Billable period filter, repeatable, with the same prefixes as _lastUpdated.",
    ),
];

static GUIDES: [ResourceGuide; 3] = [
    ResourceGuide {
        slug: "patient",
        name: "Patient",
        section: "patient",
        summary: "The enrollee who authorized your application: name, birth date, sex, race, address and Medicare identifiers.",
        spec: "https://hl7.org/fhir/R4/patient.html",
        profile: "C4BB Patient",
        scopes: "patient/Patient.read or patient/Patient.rs, granted only when the enrollee shares demographics",
        endpoints: &[
            (
                "GET /v2/fhir/Patient/{id}",
                "The enrollee's Patient; {id} is the patient value of the token response.",
            ),
            (
                "GET /v2/fhir/Patient/",
                "A searchset Bundle holding that one Patient.",
            ),
        ],
        search: &COMMON_SEARCH,
        notes: &[
            "A token only ever sees its own enrollee: any other id answers 404, and _id or identifier naming someone else gives an empty Bundle.",
            "When the enrollee chose not to share demographics the read answers 403.",
        ],
        example_request: "GET /v2/fhir/Patient/-19990000000001",
        example: include_str!("../../data/examples/patient.json"),
        variables: &[
            "BENE_ID",
            "BENE_BIRTH_DT",
            "BENE_SEX_IDENT_CD",
            "BENE_RACE_CD",
        ],
    },
    ResourceGuide {
        slug: "coverage",
        name: "Coverage",
        section: "coverage",
        summary: "The enrollee's Medicare coverage: one resource each for Part A, Part B, Part C and Part D, with the enrollment details of the reference year as extensions.",
        spec: "https://hl7.org/fhir/R4/coverage.html",
        profile: "C4BB Coverage",
        scopes: "patient/Coverage.read or patient/Coverage.rs",
        endpoints: &[
            (
                "GET /v2/fhir/Coverage/",
                "A searchset Bundle of the enrollee's coverages.",
            ),
            (
                "GET /v2/fhir/Coverage/{id}",
                "One coverage: part-a-{patient}, part-b-{patient}, part-c-{patient} or part-d-{patient}.",
            ),
        ],
        search: &COMMON_SEARCH,
        notes: &[
            "The beneficiary parameter is accepted, but the token's own enrollee always applies.",
            "Each extension's url names its CCW variable; look it up in the data dictionary.",
        ],
        example_request: "GET /v2/fhir/Coverage/",
        example: include_str!("../../data/examples/coverage.json"),
        variables: &[
            "BENE_ENTLMT_RSN_ORIG",
            "BENE_MDCR_STATUS_CD",
            "PTD_CNTRCT_ID_01",
            "DUAL_STUS_CD_01",
        ],
    },
    ResourceGuide {
        slug: "explanation-of-benefit",
        name: "ExplanationOfBenefit",
        section: "explanation-of-benefit",
        summary: "The enrollee's claims: Part A (inpatient, outpatient, skilled nursing, home health, hospice), Part B (carrier, durable medical equipment) and Part D prescription drug events.",
        spec: "https://hl7.org/fhir/R4/explanationofbenefit.html",
        profile: "C4BB ExplanationOfBenefit (Inpatient Institutional, Outpatient Institutional, Professional NonClinician, Pharmacy)",
        scopes: "patient/ExplanationOfBenefit.read or patient/ExplanationOfBenefit.rs",
        endpoints: &[
            (
                "GET /v2/fhir/ExplanationOfBenefit/",
                "A searchset Bundle of the enrollee's claims, newest first, paged.",
            ),
            (
                "GET /v2/fhir/ExplanationOfBenefit/{id}",
                "One claim; the id names its type, e.g. carrier-12345 or pde-67890.",
            ),
        ],
        search: &EOB_SEARCH,
        notes: &[
            "Follow the Bundle's next link until there is none to read every claim; total counts them all.",
            "Send the header IncludeTaxNumbers: true to receive providers' tax numbers.",
            "Codes use the CCW variables' systems (https://bluebutton.cms.gov/resources/variables/…): the data dictionary explains each.",
        ],
        example_request: "GET /v2/fhir/ExplanationOfBenefit/?_count=2",
        example: include_str!("../../data/examples/explanation-of-benefit.json"),
        variables: &["CLM_ID", "CLM_TYPE_CD", "NCH_CLM_TYPE_CD", "LINE_HCPCS_CD"],
    },
];

/// The three FHIR guides, in navigation order.
pub(crate) fn fhir_guides() -> &'static [ResourceGuide] {
    &GUIDES
}

#[derive(Template)]
#[template(path = "docs/fhir.html")]
pub(crate) struct FhirPage {
    pub title: String,
    pub section: Section,
    pub guide: &'static ResourceGuide,
}

impl FhirPage {
    pub fn new(guide: &'static ResourceGuide) -> Self {
        Self {
            title: format!("FHIR guide: {}", guide.name),
            section: guide.section,
            guide,
        }
    }
}

#[derive(Template)]
#[template(path = "docs/dictionary.html")]
pub(crate) struct DictionaryPage<'a> {
    pub title: &'static str,
    pub section: Section,
    pub query: &'a str,
    pub found: Found<'static>,
    pub first: usize,
    pub last: usize,
    pub page_size: usize,
    pub previous_href: Option<String>,
    pub next_href: Option<String>,
}

impl<'a> DictionaryPage<'a> {
    pub fn new(query: &'a str, found: Found<'static>) -> Self {
        let href = |page: usize| {
            let mut href = String::from("/docs/data-dictionary?");
            if !query.is_empty() {
                href.push_str("q=");
                href.extend(url::form_urlencoded::byte_serialize(query.as_bytes()));
                href.push('&');
            }
            href.push_str(&format!("page={page}"));
            href
        };
        let first = (found.page - 1) * PAGE_SIZE + 1;
        let last = first + found.variables.len().saturating_sub(1);
        Self {
            title: "Data dictionary",
            section: "dictionary",
            query,
            first,
            last,
            page_size: PAGE_SIZE,
            previous_href: (found.page > 1).then(|| href(found.page - 1)),
            next_href: (found.page < found.pages).then(|| href(found.page + 1)),
            found,
        }
    }
}

#[derive(Template)]
#[template(path = "docs/variable.html")]
pub(crate) struct VariablePage {
    pub title: String,
    pub section: Section,
    pub v: &'static Variable,
    pub mappings: &'static [Mapping],
}

impl VariablePage {
    pub fn new(v: &'static Variable) -> Self {
        Self {
            title: format!("{}: {}", v.id, v.label),
            section: "dictionary",
            v,
            mappings: &v.mappings,
        }
    }
}

/// Renders a page with `status`; a template failure is logged and answered with a 500.
pub(crate) fn render<T: Template>(page: &T, status: StatusCode) -> Response {
    let mut response = match page.render() {
        Ok(body) => (status, axum::response::Html(body)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "docs template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Internal server error",
            )
                .into_response()
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
