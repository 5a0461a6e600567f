//! ExplanationOfBenefit: one module per claim type, as BFD has one transformer per type
//! (`R4P/*ClaimTransformerV2.java`, `PartDEventTransformerV2.java`); pieces shared by
//! several types are in [`common`] (all types) and [`institutional`] (inpatient,
//! outpatient, SNF, hospice, HHA).

pub mod carrier;
pub mod common;
pub mod dme;
pub mod hha;
pub mod hospice;
pub mod inpatient;
pub mod institutional;
pub mod outpatient;
pub mod pde;
pub mod snf;

use super::RenderContext;
use bb_claims::model::AnyClaim;

/// The FHIR id of a claim: `<type>-<claim id>` (`carrier-9991831999`, `pde--1234`).
pub fn eob_id(claim: &AnyClaim) -> String {
    let key = claim.key();
    format!("{}-{}", key.record.name(), key.claim_id)
}

/// Renders one claim as an ExplanationOfBenefit into `out`.
pub fn render(claim: &AnyClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    match claim {
        AnyClaim::Carrier(c) => carrier::render(c, ctx, out),
        AnyClaim::Dme(c) => dme::render(c, ctx, out),
        AnyClaim::Hha(c) => hha::render(c, ctx, out),
        AnyClaim::Hospice(c) => hospice::render(c, ctx, out),
        AnyClaim::Inpatient(c) => inpatient::render(c, ctx, out),
        AnyClaim::Outpatient(c) => outpatient::render(c, ctx, out),
        AnyClaim::Pde(c) => pde::render(c, ctx, out),
        AnyClaim::Snf(c) => snf::render(c, ctx, out),
    }
}
