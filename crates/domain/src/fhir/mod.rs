//! FHIR R4 rendering of the claims model, exactly as BFD renders it behind Blue Button 2.0
//! v2 (CARIN Blue Button profiles; `data/reference/bfd-v2-responses/` are the approved
//! outputs and the golden tests compare against them).
//!
//! One renderer serves imported and generated data alike. Resources are written straight
//! into a byte buffer with [`bb_fhir::json`]; see that module for why.
//!
//! - [`patient`]: Patient from the beneficiary's reference-year records and history.
//! - [`coverage`]: the four Coverage parts (A, B, C, D).
//! - [`eob`]: ExplanationOfBenefit, one module per claim type, shared pieces in
//!   `eob/common.rs`.
//! - [`search`]: BB2's search parameters; [`service`]: read and search for the caller's
//!   patient, paging and bundles.
//! - [`common`]: datatypes and lookups shared by all (codings with codebook displays,
//!   extensions, money, dates, identifiers).

pub mod common;
pub mod coverage;
pub mod eob;
pub mod patient;
pub mod search;
pub mod service;

pub use service::{AuthError, Fhir, FhirError, Links, PatientContext, RenderOptions};

use chrono::{DateTime, Utc};

/// How a resource is rendered: the request's options and the record's load metadata.
#[derive(Clone, Copy, Debug)]
pub struct RenderContext {
    /// `meta.lastUpdated` of the resource.
    pub last_updated: DateTime<Utc>,
    /// BFD's `IncludeTaxNumbers: true` header: adds `bb:tax_num` to carrier/DME care teams.
    pub include_tax_numbers: bool,
    /// BFD's `IncludeIdentifiers` header (Patient: historic MBIs and hashes).
    pub include_identifiers: bool,
    /// BFD's `IncludeAddressFields` header (Patient: address lines and city). BB2 always
    /// sends `False`.
    pub include_address_fields: bool,
}

impl RenderContext {
    /// Defaults as BB2 calls BFD: no tax numbers, no extra identifiers, no address lines.
    pub fn new(last_updated: DateTime<Utc>) -> Self {
        Self {
            last_updated,
            include_tax_numbers: false,
            include_identifiers: false,
            include_address_fields: false,
        }
    }
}
