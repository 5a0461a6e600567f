//! Golden tests of the professional and pharmacy ExplanationOfBenefit renderers (carrier,
//! DME, PDE): the `sample-a` claims must render exactly as BFD's approved responses.

use crate::golden::{assert_golden, sample_a};
use bb_claims::RecordType;
use bb_domain::fhir::RenderContext;

async fn render(record: RecordType, tax_numbers: bool) -> Vec<u8> {
    let sample = sample_a().await;
    let (claim, updated) = sample.claim(record).await;
    let mut ctx = RenderContext::new(updated);
    ctx.include_tax_numbers = tax_numbers;
    let mut out = Vec::new();
    bb_domain::fhir::eob::render(&claim, &ctx, &mut out);
    out
}

#[tokio::test]
async fn carrier_matches_bfd() {
    assert_golden(
        &render(RecordType::Carrier, false).await,
        "eobReadCarrier.json",
    );
}

#[tokio::test]
async fn carrier_with_tax_numbers_matches_bfd() {
    assert_golden(
        &render(RecordType::Carrier, true).await,
        "eobReadCarrierWithTaxNumbers.json",
    );
}

#[tokio::test]
async fn dme_matches_bfd() {
    assert_golden(&render(RecordType::Dme, false).await, "eobReadDme.json");
}

#[tokio::test]
async fn pde_matches_bfd() {
    assert_golden(&render(RecordType::Pde, false).await, "eobReadPde.json");
}
