//! ExplanationOfBenefit for outpatient claims (BFD's transformer for this type), profile
//! `C4BB-ExplanationOfBenefit-Outpatient-Institutional`.

use super::common::{C4BB_EOB, header};
use crate::fhir::RenderContext;
use bb_claims::model::OutpatientClaim;

/// Renders one outpatient claim.
pub fn render(claim: &OutpatientClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    let id = format!("outpatient-{}", claim.clm_id);
    bb_fhir::json::object(out, |o| {
        header(o, &id, &format!("{C4BB_EOB}Outpatient-Institutional"), ctx);
    });
}
