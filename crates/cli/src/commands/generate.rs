//! `bluebutton generate --enrollees N [--seed S] [--as-of DATE] [--rif-out DIR]`: the
//! synthetic sandbox, into the store or as CCW RIF files.
//!
//! Into the store it replaces any claims data there (the sandbox is one consistent set)
//! and creates the sandbox logins `BBUser00000`… With `--rif-out` it writes one RIF file
//! per record type (`beneficiary.csv`, `carrier.csv`, …; pipe-delimited like Synthea's
//! export) and touches no store; `bluebutton import rif DIR` loads them back into the same
//! records. Prints a JSON report on stdout; progress goes to stderr.

use super::progress::Progress;
use crate::args::GenerateArgs;
use crate::config::Config;
use crate::error::CliError;
use crate::open;
use bb_claims::RecordType;
use bb_domain::claims::{SandboxReport, SandboxSpec};
use bb_rif::RifWriter;
use bb_store::DatabaseUrl;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

#[derive(Serialize)]
struct Output<'a> {
    seed: u64,
    as_of: String,
    #[serde(flatten)]
    report: &'a SandboxReport,
    elapsed_secs: f64,
    claims_per_sec: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rif_out: Option<String>,
}

/// The generation spec of the flags, with configuration defaults.
pub fn spec(
    config: &Config,
    enrollees: u32,
    seed: Option<u64>,
    as_of: Option<&str>,
) -> Result<SandboxSpec, CliError> {
    let as_of_text = as_of.unwrap_or(&config.sandbox.as_of);
    let as_of = NaiveDate::parse_from_str(as_of_text, "%Y-%m-%d").map_err(|_| {
        CliError::Usage(format!(
            "--as-of: '{as_of_text}' is not a date; use YYYY-MM-DD, e.g. 2026-06-30"
        ))
    })?;
    Ok(SandboxSpec {
        seed: seed.unwrap_or(config.sandbox.seed),
        enrollees,
        as_of,
    })
}

/// Runs the command.
pub async fn run(config: &Config, args: GenerateArgs) -> Result<(), CliError> {
    let spec = spec(config, args.enrollees, args.seed, args.as_of.as_deref())?;
    let started = Instant::now();
    let progress = Progress::new("enrollees", u64::from(spec.enrollees));
    let (report, store_bytes, rif_out) = match &args.rif_out {
        Some(dir) => {
            let report = write_rif(spec, dir, progress.clone()).await?;
            (report, None, Some(dir.display().to_string()))
        }
        None => {
            let url = open::database_url(config)?;
            let (store, _) = open::store(config, &url).await?;
            let services = open::services(store.clone());
            let bar = progress.clone();
            let report = services
                .claims
                .build_sandbox(
                    spec,
                    Arc::new(move |done, total| bar.update(done.into(), total.into())),
                )
                .await?;
            store.close().await;
            (report, sqlite_bytes(&url), None)
        }
    };
    progress.finish();
    let elapsed = started.elapsed().as_secs_f64();
    super::print_json(&Output {
        seed: spec.seed,
        as_of: spec.as_of.to_string(),
        report: &report,
        elapsed_secs: (elapsed * 100.0).round() / 100.0,
        claims_per_sec: if elapsed > 0.0 {
            (report.claims as f64 / elapsed).round()
        } else {
            0.0
        },
        store_bytes,
        rif_out,
    })
}

/// Size of a SQLite store's files (database and write-ahead log).
pub fn sqlite_bytes(url: &DatabaseUrl) -> Option<u64> {
    match url {
        DatabaseUrl::SqliteFile(path) => {
            let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let mut wal = path.clone().into_os_string();
            wal.push("-wal");
            Some(size(path) + size(Path::new(&wal)))
        }
        _ => None,
    }
}

/// The RIF file name of each record type.
pub fn rif_file_name(record: RecordType) -> String {
    format!("{}.csv", record.name())
}

async fn write_rif(
    spec: SandboxSpec,
    dir: &Path,
    progress: Arc<Progress>,
) -> Result<SandboxReport, CliError> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || {
        let fail = |what: String| CliError::Failed(what);
        std::fs::create_dir_all(&dir).map_err(|e| {
            fail(format!(
                "cannot create {}: {e}; choose another --rif-out",
                dir.display()
            ))
        })?;
        let mut writers = BTreeMap::new();
        for layout in bb_claims::layouts::ALL {
            let path = dir.join(rif_file_name(layout.record));
            let file = std::fs::File::create(&path)
                .map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
            let writer = RifWriter::new(layout.record, BufWriter::with_capacity(1 << 20, file))
                .map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
            writers.insert(layout.record, writer);
        }
        let report = bb_domain::claims::sandbox::write_rif(spec, &mut writers, &|done, total| {
            progress.update(done.into(), total.into());
        })
        .map_err(|e| fail(format!("cannot write RIF files in {}: {e}", dir.display())))?;
        for (record, writer) in writers {
            writer
                .finish()
                .map_err(|e| fail(format!("cannot write {}: {e}", rif_file_name(record))))?;
        }
        Ok(report)
    })
    .await
    .map_err(|e| CliError::Failed(format!("generation failed: {e}")))?
}
