//! Integration tests of the RIF reader and writer against BFD's static samples and
//! Synthea's RIF export (`data/reference/rif/`), plus error placement, round trips and a
//! reader benchmark (`cargo test -p bb-rif --release -- --ignored --nocapture bench`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bench;
mod errors;
mod roundtrip;
mod samples;

use bb_rif::{ExtraFields, Item, RecordType, RifError, RifReader};
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// What reading a whole file gives: each record (with its first line) or error.
pub type Results = Vec<Result<(u64, Item), RifError>>;

/// `data/reference/rif/<folder>`.
pub fn reference(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/reference/rif")
        .join(folder)
}

/// Every file of a reference folder, sorted.
pub fn files(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(reference(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The file name of a path.
pub fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Reads a whole file from bytes.
pub fn read_bytes(
    file: &str,
    bytes: &[u8],
    extra: ExtraFields,
) -> Result<(RecordType, Results), RifError> {
    let reader = RifReader::new(file, bytes)?.extra_fields(extra);
    let record = reader.record_type();
    Ok((record, reader.collect()))
}

/// Reads a whole file from disk.
pub fn read_path(path: &Path, extra: ExtraFields) -> Result<(RecordType, Results), RifError> {
    let reader = RifReader::new(
        &name(path),
        BufReader::new(std::fs::File::open(path).unwrap()),
    )?
    .extra_fields(extra);
    let record = reader.record_type();
    Ok((record, reader.collect()))
}
