//! ExplanationOfBenefit for snf claims (BFD's transformer for this type), profile
//! `C4BB-ExplanationOfBenefit-Inpatient-Institutional`.

use super::common::{C4BB_EOB, header};
use crate::fhir::RenderContext;
use bb_claims::model::SnfClaim;

/// Renders one snf claim.
pub fn render(claim: &SnfClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    let id = format!("snf-{}", claim.clm_id);
    bb_fhir::json::object(out, |o| {
        header(o, &id, &format!("{C4BB_EOB}Inpatient-Institutional"), ctx);
    });
}
