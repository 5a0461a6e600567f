//! ExplanationOfBenefit for dme claims (BFD's transformer for this type), profile
//! `C4BB-ExplanationOfBenefit-Inpatient-Institutional`.

use super::common::{C4BB_EOB, header};
use crate::fhir::RenderContext;
use bb_claims::model::DmeClaim;

/// Renders one dme claim.
pub fn render(claim: &DmeClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    let id = format!("dme-{}", claim.clm_id);
    bb_fhir::json::object(out, |o| {
        header(o, &id, &format!("{C4BB_EOB}Inpatient-Institutional"), ctx);
    });
}
