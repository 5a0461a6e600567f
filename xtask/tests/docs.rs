//! The generated docs data under `crates/web/data/` is what `cargo xtask docs` renders
//! today: a stale or hand-edited data dictionary or FHIR example fails here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_committed_data_dictionary_is_fresh() {
    let root = repo_root();
    let rendered = xtask::docs::render_dictionary(&root.join("data/reference/ccw")).unwrap();
    let committed =
        std::fs::read_to_string(root.join(xtask::docs::OUT_DIR).join("data-dictionary.tsv"))
            .unwrap();
    assert!(
        rendered == committed,
        "crates/web/data/data-dictionary.tsv is stale: run `cargo xtask docs`"
    );
    // Every row has its fields; BENE_ID is there with its description.
    for line in rendered.lines().filter(|l| !l.starts_with('#')) {
        let n = line.split('\t').count();
        let expected = match &line[..1] {
            "V" => 10,
            "C" => 4,
            "F" => 7,
            "U" => 3,
            other => panic!("row kind {other:?}: {line}"),
        };
        assert_eq!(n, expected, "{line}");
    }
    assert!(rendered.contains("\nV\tBENE_ID\tEncrypted CCW Beneficiary ID\t"));
}

#[test]
fn the_committed_fhir_examples_are_fresh() {
    let root = repo_root();
    let examples = xtask::docs::render_examples().unwrap();
    assert_eq!(examples.len(), 3);
    for (name, text) in examples {
        let path = root.join(xtask::docs::OUT_DIR).join("examples").join(&name);
        let committed = std::fs::read_to_string(&path).unwrap();
        assert!(
            text == committed,
            "crates/web/data/examples/{name} is stale: run `cargo xtask docs`"
        );
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(value["resourceType"].is_string(), "{name}");
    }
}

#[test]
fn a_missing_codebook_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(xtask::docs::render_dictionary(dir.path()).is_err());
}
