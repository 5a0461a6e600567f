//! Elements every ExplanationOfBenefit has, whatever the claim type (BFD's
//! `TransformerUtilsV2`): resource header, identifiers, type codings, patient, insurer,
//! insurance, billable period, payment.

use crate::fhir::RenderContext;
use crate::fhir::common::instant;
use bb_fhir::json::Obj;

/// Profile URL prefix of the C4BB ExplanationOfBenefit profiles (unversioned, as BFD).
pub const C4BB_EOB: &str =
    "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-";

/// Writes `resourceType`, `id` and `meta` (lastUpdated, profile).
pub fn header(o: &mut Obj<'_>, id: &str, profile: &str, ctx: &RenderContext) {
    o.str("resourceType", "ExplanationOfBenefit").str("id", id);
    o.obj("meta", |m| {
        m.str("lastUpdated", &instant(ctx.last_updated));
        m.arr("profile", |a| {
            a.str(profile);
        });
    });
}
