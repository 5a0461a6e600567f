//! `crates/claims/data/ccw-values.tsv` is what `cargo xtask codebooks` renders from the CCW
//! codebooks today: a stale or hand-edited copy fails here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_committed_ccw_values_are_fresh() {
    let root = repo_root();
    let rendered = xtask::codebooks::render(&root.join("data/reference/ccw")).unwrap();
    let committed =
        std::fs::read_to_string(root.join("crates/claims/data/ccw-values.tsv")).unwrap();
    assert!(
        rendered == committed,
        "crates/claims/data/ccw-values.tsv is stale: run `cargo xtask codebooks`"
    );
}

#[test]
fn every_value_row_has_four_fields_and_every_alias_two() {
    let root = repo_root();
    let rendered = xtask::codebooks::render(&root.join("data/reference/ccw")).unwrap();
    let mut values = 0;
    for line in rendered.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.len() {
            4 => {
                assert!(fields[1].parse::<u32>().is_ok(), "group number in {line:?}");
                values += 1;
            }
            2 => assert!(!fields[0].is_empty() && !fields[1].is_empty(), "{line:?}"),
            _ => panic!("unexpected row {line:?}"),
        }
    }
    assert!(values > 5_000, "only {values} value rows");
}

#[test]
fn a_missing_codebook_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(xtask::codebooks::render(dir.path()).is_err());
}
