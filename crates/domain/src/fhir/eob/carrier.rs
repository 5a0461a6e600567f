//! ExplanationOfBenefit for carrier claims (BFD's transformer for this type), profile
//! `C4BB-ExplanationOfBenefit-Professional-NonClinician`.

use super::common::{C4BB_EOB, header};
use crate::fhir::RenderContext;
use bb_claims::model::CarrierClaim;

/// Renders one carrier claim.
pub fn render(claim: &CarrierClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    let id = format!("carrier-{}", claim.clm_id);
    bb_fhir::json::object(out, |o| {
        header(o, &id, &format!("{C4BB_EOB}Professional-NonClinician"), ctx);
    });
}
