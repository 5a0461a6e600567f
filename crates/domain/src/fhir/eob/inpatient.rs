//! ExplanationOfBenefit for inpatient claims (BFD's transformer for this type), profile
//! `C4BB-ExplanationOfBenefit-Inpatient-Institutional`.

use super::common::{C4BB_EOB, header};
use crate::fhir::RenderContext;
use bb_claims::model::InpatientClaim;

/// Renders one inpatient claim.
pub fn render(claim: &InpatientClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    let id = format!("inpatient-{}", claim.clm_id);
    bb_fhir::json::object(out, |o| {
        header(o, &id, &format!("{C4BB_EOB}Inpatient-Institutional"), ctx);
    });
}
