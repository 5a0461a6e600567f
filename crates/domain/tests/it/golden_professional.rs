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

/// Every carrier, DME and PDE claim of generated enrollees (the all-fields one included)
/// renders as valid JSON whose references hold: item sequences point at existing care team,
/// diagnosis and supportingInfo entries, and no container is empty.
#[test]
fn generated_claims_render_consistently() {
    use bb_claims::model::AnyClaim;
    use serde_json::Value;
    let generator =
        bb_synth::Generator::new(7, 50, chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap());
    let mut enrollees: Vec<_> = (0..20).map(|i| generator.enrollee(i)).collect();
    enrollees.push(generator.full_enrollee());
    let ctx = RenderContext {
        include_tax_numbers: true,
        ..RenderContext::new(chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap())
    };
    let mut rendered = 0;
    for e in &enrollees {
        for claim in &e.claims {
            if !matches!(
                claim,
                AnyClaim::Carrier(_) | AnyClaim::Dme(_) | AnyClaim::Pde(_)
            ) {
                continue;
            }
            let mut out = Vec::new();
            bb_domain::fhir::eob::render(claim, &ctx, &mut out);
            let v: Value = serde_json::from_slice(&out)
                .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&out)));
            let count = |key: &str| v[key].as_array().map_or(0, Vec::len) as u64;
            for item in v["item"].as_array().unwrap() {
                for (key, of) in [
                    ("careTeamSequence", "careTeam"),
                    ("diagnosisSequence", "diagnosis"),
                    ("informationSequence", "supportingInfo"),
                ] {
                    for s in item[key].as_array().into_iter().flatten() {
                        let s = s.as_u64().unwrap();
                        assert!(s >= 1 && s <= count(of), "{key} {s} of {}", v["id"]);
                    }
                }
            }
            fn no_empty(v: &Value) {
                match v {
                    Value::Array(a) => {
                        assert!(!a.is_empty());
                        a.iter().for_each(no_empty);
                    }
                    Value::Object(o) => {
                        assert!(!o.is_empty());
                        o.values().for_each(no_empty);
                    }
                    Value::String(s) => assert!(!s.is_empty()),
                    _ => {}
                }
            }
            no_empty(&v);
            assert_eq!(v["resourceType"], "ExplanationOfBenefit");
            rendered += 1;
        }
    }
    assert!(rendered > 50, "only {rendered} claims rendered");
}
