//! ExplanationOfBenefit for pde claims (BFD's transformer for this type), profile
//! `C4BB-ExplanationOfBenefit-Pharmacy`.

use super::common::{C4BB_EOB, header};
use crate::fhir::RenderContext;
use bb_claims::model::PartDEvent;

/// Renders one pde claim.
pub fn render(claim: &PartDEvent, ctx: &RenderContext, out: &mut Vec<u8>) {
    let id = format!("pde-{}", claim.pde_id);
    bb_fhir::json::object(out, |o| {
        header(o, &id, &format!("{C4BB_EOB}Pharmacy"), ctx);
    });
}
