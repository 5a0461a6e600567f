//! Every BFD approved response in `data/reference/bfd-v2-responses/` and every example the
//! developer docs show reads into the typed model and writes back as the same JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

use bb_fhir::model::{Bundle, Coverage, ExplanationOfBenefit, Patient, Resource};
use serde_json::Value;

/// (name, JSON text) of every fixture.
const FIXTURES: &[(&str, &str)] = &[
    (
        "coverageRead.json",
        include_str!("../../../data/reference/bfd-v2-responses/coverageRead.json"),
    ),
    (
        "coverageSearchByPatientId.json",
        include_str!("../../../data/reference/bfd-v2-responses/coverageSearchByPatientId.json"),
    ),
    (
        "eobByPatientIdAll.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobByPatientIdAll.json"),
    ),
    (
        "eobByPatientIdPaged.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobByPatientIdPaged.json"),
    ),
    (
        "eobReadByPatientWithSamhsa.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobReadByPatientWithSamhsa.json"),
    ),
    (
        "eobReadCarrier.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobReadCarrier.json"),
    ),
    (
        "eobReadCarrierWithTaxNumbers.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobReadCarrierWithTaxNumbers.json"),
    ),
    (
        "eobReadDme.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobReadDme.json"),
    ),
    (
        "eobReadHha.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobReadHha.json"),
    ),
    (
        "eobReadHospice.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobReadHospice.json"),
    ),
    (
        "eobReadInpatient.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobReadInpatient.json"),
    ),
    (
        "eobReadOutpatient.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobReadOutpatient.json"),
    ),
    (
        "eobReadPde.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobReadPde.json"),
    ),
    (
        "eobReadSnf.json",
        include_str!("../../../data/reference/bfd-v2-responses/eobReadSnf.json"),
    ),
    (
        "metadata.json",
        include_str!("../../../data/reference/bfd-v2-responses/metadata.json"),
    ),
    (
        "patientByIdentifier.json",
        include_str!("../../../data/reference/bfd-v2-responses/patientByIdentifier.json"),
    ),
    (
        "patientByIdentifierWithIncludeIdentifiers.json",
        include_str!(
            "../../../data/reference/bfd-v2-responses/patientByIdentifierWithIncludeIdentifiers.json"
        ),
    ),
    (
        "patientRead.json",
        include_str!("../../../data/reference/bfd-v2-responses/patientRead.json"),
    ),
    (
        "patientReadWithIncludeIdentifiers.json",
        include_str!(
            "../../../data/reference/bfd-v2-responses/patientReadWithIncludeIdentifiers.json"
        ),
    ),
    (
        "patientSearchById.json",
        include_str!("../../../data/reference/bfd-v2-responses/patientSearchById.json"),
    ),
    (
        "patientSearchByIdWithIncludeIdentifiers.json",
        include_str!(
            "../../../data/reference/bfd-v2-responses/patientSearchByIdWithIncludeIdentifiers.json"
        ),
    ),
    (
        "examples/coverage.json",
        include_str!("../../../crates/web/data/examples/coverage.json"),
    ),
    (
        "examples/explanation-of-benefit.json",
        include_str!("../../../crates/web/data/examples/explanation-of-benefit.json"),
    ),
    (
        "examples/patient.json",
        include_str!("../../../crates/web/data/examples/patient.json"),
    ),
];

/// Reads `value` as `T` and writes it back; panics with the first difference.
fn same_after<T: serde::de::DeserializeOwned + serde::Serialize>(name: &str, value: &Value) -> T {
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!(
            "{name}: does not read as {}: {e}",
            std::any::type_name::<T>()
        )
    });
    let back = serde_json::to_value(&typed).unwrap();
    if &back != value {
        panic!(
            "{name}: {} lost or changed data: {}",
            std::any::type_name::<T>(),
            first_difference(value, &back, "$")
        );
    }
    typed
}

fn first_difference(a: &Value, b: &Value, at: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    None => return format!("{at}.{k} missing"),
                    Some(w) if v != w => return first_difference(v, w, &format!("{at}.{k}")),
                    _ => {}
                }
            }
            match y.keys().find(|k| !x.contains_key(*k)) {
                Some(k) => format!("{at}.{k} added"),
                None => format!("{at}: differs"),
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find(|(_, (v, w))| v != w)
            .map(|(i, (v, w))| first_difference(v, w, &format!("{at}[{i}]")))
            .unwrap_or_else(|| format!("{at}: differs")),
        _ => format!("{at}: {a} became {b}"),
    }
}

/// Checks one response with the type its `resourceType` names, and through [`Resource`].
fn check(name: &str, value: &Value) -> usize {
    let mut checked = 0;
    match value["resourceType"].as_str() {
        Some("Patient") => {
            let p: Patient = same_after(name, value);
            assert!(p.id.is_some(), "{name}: a Patient has an id");
        }
        Some("Coverage") => {
            let _: Coverage = same_after(name, value);
        }
        Some("ExplanationOfBenefit") => {
            let eob: ExplanationOfBenefit = same_after(name, value);
            assert!(
                eob.claim_type().is_some(),
                "{name}: the eob-type coding is read"
            );
        }
        Some("Bundle") => {
            let _: Bundle<Value> = same_after(name, value);
            for (i, entry) in value["entry"].as_array().into_iter().flatten().enumerate() {
                checked += check(&format!("{name} entry {i}"), &entry["resource"]);
            }
        }
        _ => {}
    }
    let _: Resource = same_after(name, value);
    checked + 1
}

#[test]
fn every_fixture_round_trips_without_loss() {
    let mut resources = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for (name, text) in FIXTURES {
        let value: Value = serde_json::from_str(text).unwrap();
        kinds.insert(
            value["resourceType"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        resources += check(name, &value);
    }
    assert!(
        resources > FIXTURES.len(),
        "bundles' entries were checked too"
    );
    for kind in ["Patient", "Coverage", "ExplanationOfBenefit", "Bundle"] {
        assert!(kinds.contains(kind), "a {kind} fixture is present");
    }
}

#[test]
fn a_changed_field_is_a_difference() {
    // The comparison the round trip relies on sees a change (so the test can fail).
    let (_, text) = FIXTURES
        .iter()
        .find(|(n, _)| *n == "eobReadCarrier.json")
        .unwrap();
    let value: Value = serde_json::from_str(text).unwrap();
    let mut eob: ExplanationOfBenefit = serde_json::from_value(value.clone()).unwrap();
    eob.item[0].sequence += 1;
    assert_ne!(serde_json::to_value(&eob).unwrap(), value);
    eob.item[0].sequence -= 1;
    eob.extra.insert("surprise".into(), Value::Bool(true));
    assert_ne!(serde_json::to_value(&eob).unwrap(), value);
}
