//! The generated RIF layouts and claims model are what `cargo xtask codegen` makes from the
//! committed mappings: a stale file (someone edited it, or changed a mapping without
//! regenerating) fails here with the command that fixes it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn generated_claims_code_is_fresh() {
    let mappings = root().join("data/reference/rif/mappings");
    for (file, text) in [
        ("layouts.rs", xtask::codegen::render(&mappings).unwrap()),
        ("model.rs", xtask::codegen::render_model(&mappings).unwrap()),
    ] {
        let committed =
            std::fs::read_to_string(root().join("crates/claims/src").join(file)).unwrap();
        assert!(
            committed == text,
            "crates/claims/src/{file} is stale: run `cargo xtask codegen` and commit the result"
        );
    }
}

#[test]
fn codegen_refuses_a_broken_mapping_folder() {
    let dir = tempfile::tempdir().unwrap();
    // No mappings at all: every record type is missing.
    let err = xtask::codegen::render(dir.path()).unwrap_err().to_string();
    assert!(err.contains("mapping Beneficiary missing"), "{err}");
    std::fs::write(dir.path().join("bad.yaml"), "mappings: [ {").unwrap();
    let err = xtask::codegen::render(dir.path()).unwrap_err().to_string();
    assert!(err.contains("parse"), "{err}");
}
