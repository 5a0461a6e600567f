//! Golden tests for the institutional ExplanationOfBenefit renderers (inpatient, outpatient,
//! SNF, hospice, HHA): the `sample-a` claim of each type must equal BFD's approved response,
//! except `IGNORED_FIELD` values.

use crate::golden::{assert_golden, sample_a};
use bb_claims::RecordType;
use bb_domain::fhir::RenderContext;

async fn check(record: RecordType, fixture: &str) {
    let sample = sample_a().await;
    let (claim, updated) = sample.claim(record).await;
    let mut out = Vec::new();
    bb_domain::fhir::eob::render(&claim, &RenderContext::new(updated), &mut out);
    assert_golden(&out, fixture);
}

#[tokio::test]
async fn inpatient_matches_bfd() {
    check(RecordType::Inpatient, "eobReadInpatient.json").await;
}

#[tokio::test]
async fn outpatient_matches_bfd() {
    check(RecordType::Outpatient, "eobReadOutpatient.json").await;
}

#[tokio::test]
async fn snf_matches_bfd() {
    check(RecordType::Snf, "eobReadSnf.json").await;
}

#[tokio::test]
async fn hospice_matches_bfd() {
    check(RecordType::Hospice, "eobReadHospice.json").await;
}

#[tokio::test]
async fn hha_matches_bfd() {
    check(RecordType::Hha, "eobReadHha.json").await;
}
