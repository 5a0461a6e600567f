//! `bluebutton import rif DIR`: every CCW RIF file in DIR into the store.
//!
//! Files are recognised by their header row, not their name; a file whose header matches
//! no RIF layout (e.g. Synthea's `export_summary.csv`) is skipped and listed as such.
//! Beneficiary files load before beneficiary history before claims, and within a record
//! type by file name (so `sample-u-*` updates apply after `sample-a-*` inserts). Each file
//! is one transaction: a bad record stops that file with `FILE:LINE: column NAME: reason`
//! for the first 20 problems and leaves it entirely unloaded; files loaded before it stay.
//! Prints a JSON summary (rows and records per file and type) on stdout.

use super::progress::Progress;
use crate::args::ImportRifArgs;
use crate::config::Config;
use crate::error::CliError;
use crate::open;
use bb_domain::claims::{FileSummary, ImportError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

#[derive(Serialize)]
struct Output {
    files: Vec<FileSummary>,
    skipped: Vec<Skipped>,
    totals: BTreeMap<String, u64>,
    rows: u64,
    elapsed_secs: f64,
    rows_per_sec: f64,
}

#[derive(Serialize)]
struct Skipped {
    file: String,
    reason: String,
}

/// Counts bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    progress: Arc<Progress>,
    read: u64,
    total: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.progress.update(self.read, self.total);
        Ok(n)
    }
}

/// Files of DIR (or DIR itself when it is a file), with their record type rank.
fn files_of(dir: &Path) -> Result<Vec<(usize, PathBuf)>, CliError> {
    let meta = std::fs::metadata(dir).map_err(|e| {
        CliError::Failed(format!(
            "cannot read {}: {e}; give a folder of RIF files",
            dir.display()
        ))
    })?;
    let paths: Vec<PathBuf> = if meta.is_file() {
        vec![dir.to_owned()]
    } else {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| CliError::Failed(format!("cannot list {}: {e}", dir.display())))?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| CliError::Failed(format!("cannot list {}: {e}", dir.display())))?
                .path();
            if path.is_file() {
                paths.push(path);
            }
        }
        paths
    };
    let mut ranked = Vec::new();
    for path in paths {
        let header = first_line(&path)?;
        let rank = match bb_rif::detect(&header) {
            Ok(record) => bb_claims::layouts::ALL
                .iter()
                .position(|l| l.record == record)
                .unwrap_or(usize::MAX - 1),
            Err(_) => usize::MAX,
        };
        ranked.push((rank, path));
    }
    ranked.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.file_name().cmp(&b.1.file_name()))
    });
    Ok(ranked)
}

fn first_line(path: &Path) -> Result<String, CliError> {
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::Failed(format!("cannot open {}: {e}", path.display())))?;
    let mut line = String::new();
    // A binary or non-UTF-8 file simply has no RIF header.
    let _ = BufReader::new(file.take(1 << 20)).read_line(&mut line);
    Ok(line)
}

/// Runs the command.
pub async fn run(config: &Config, args: ImportRifArgs) -> Result<(), CliError> {
    let files = files_of(&args.dir)?;
    if files.is_empty() {
        return Err(CliError::Failed(format!(
            "{} has no files to import",
            args.dir.display()
        )));
    }
    let url = open::database_url(config)?;
    let (store, _) = open::store(config, &url).await?;
    let services = open::services(store.clone());
    let started = Instant::now();
    let mut output = Output {
        files: Vec::new(),
        skipped: Vec::new(),
        totals: BTreeMap::new(),
        rows: 0,
        elapsed_secs: 0.0,
        rows_per_sec: 0.0,
    };
    let total_bytes: u64 = files
        .iter()
        .map(|(_, p)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let progress = Progress::new("bytes", total_bytes);
    let mut done_bytes = 0;
    for (_, path) in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let file = std::fs::File::open(path)
            .map_err(|e| CliError::Failed(format!("cannot open {}: {e}", path.display())))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let reader = BufReader::with_capacity(
            1 << 20,
            Counting {
                inner: file,
                progress: progress.clone(),
                read: done_bytes,
                total: total_bytes,
            },
        );
        match services.claims.import_file(&name, reader).await {
            Ok(summary) => {
                output.rows += summary.rows;
                for (kind, n) in &summary.by_type {
                    *output.totals.entry(kind.clone()).or_default() += n;
                }
                tracing::info!(file = %name, rows = summary.rows, records = summary.records, "imported");
                output.files.push(summary);
            }
            Err(ImportError::NotRif(e)) => {
                tracing::warn!(file = %name, "skipped: not a RIF file");
                output.skipped.push(Skipped {
                    file: name,
                    reason: e.reason,
                });
            }
            Err(ImportError::Invalid { errors, total }) => {
                progress.finish();
                store.close().await;
                let listed = errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n  ");
                let more = if total > errors.len() as u64 {
                    format!("\n  … and {} more", total - errors.len() as u64)
                } else {
                    String::new()
                };
                return Err(CliError::Failed(format!(
                    "{name}: {total} bad record(s); nothing of this file was loaded ({} file(s) before it were):\n  {listed}{more}",
                    output.files.len()
                )));
            }
            Err(ImportError::Domain(e)) => {
                progress.finish();
                store.close().await;
                return Err(CliError::Failed(format!("{name}: {}", CliError::from(e))));
            }
        }
        done_bytes += size;
    }
    progress.finish();
    store.close().await;
    let elapsed = started.elapsed().as_secs_f64();
    output.elapsed_secs = (elapsed * 1000.0).round() / 1000.0;
    output.rows_per_sec = if elapsed > 0.0 {
        (output.rows as f64 / elapsed).round()
    } else {
        0.0
    };
    super::print_json(&output)
}
