//! Patient (`C4BB-Patient`) from a beneficiary's records, as BFD's
//! `BeneficiaryTransformerV2` renders it.

use super::RenderContext;
use super::common::instant;
use bb_claims::model::{Beneficiary, BeneficiaryHistory};

/// Profile URL of the C4BB Patient profile.
pub const C4BB_PATIENT: &str = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Patient";

/// Renders the Patient of `current` (the beneficiary's latest reference-year record);
/// `history` gives earlier identifiers.
pub fn render(
    current: &Beneficiary,
    history: &[BeneficiaryHistory],
    ctx: &RenderContext,
    out: &mut Vec<u8>,
) {
    let _ = history;
    bb_fhir::json::object(out, |o| {
        o.str("resourceType", "Patient")
            .str("id", &current.bene_id.to_string());
        o.obj("meta", |m| {
            m.str("lastUpdated", &instant(ctx.last_updated));
            m.arr("profile", |a| {
                a.str(C4BB_PATIENT);
            });
        });
    });
}
