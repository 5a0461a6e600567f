//! Tidy: the architecture invariants, checked on manifests and sources.
//!
//! 1. `dependency-rule`: `web` never depends on `store` or on a database driver (it calls
//!    the domain, which calls the store); `fhir` and `proto` depend on no I/O crate.
//! 2. `no-io`: `fhir` and `proto` sources use no file, network or process API.
//! 3. `sql-only-in-store`: no crate but `store` names `sqlx` or writes SQL in its sources.
//! 4. `module-doc`: every source file opens with a `//!` doc.
//! 5. `clock`: only `crates/domain/src/clock.rs` (and the client SDK's own
//!    `crates/sdk/src/clock.rs`) reads the wall clock or OS randomness.
//! 6. `workspace-lints`: every crate inherits `[workspace.lints]`.
//!
//! Test code (`tests/`, `benches/`) is outside these rules.

use std::fmt;
use std::path::{Path, PathBuf};

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Rule name (see the module doc).
    pub rule: &'static str,
    /// File concerned, relative to the root.
    pub file: PathBuf,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {}: {}",
            self.rule,
            self.file.display(),
            self.message
        )
    }
}

const DATABASE_CRATES: &[&str] = &[
    "bb-store",
    "sqlx",
    "sqlx-core",
    "sqlx-sqlite",
    "sqlx-postgres",
    "rusqlite",
    "libsqlite3-sys",
    "tokio-postgres",
    "postgres",
    "diesel",
    "diesel-async",
    "sea-orm",
    "deadpool-postgres",
];

const IO_CRATES: &[&str] = &[
    "tokio",
    "async-std",
    "mio",
    "hyper",
    "hyper-util",
    "axum",
    "reqwest",
    "ureq",
    "sqlx",
    "bb-store",
    "bb-domain",
    "bb-web",
    "bb-sdk",
];

const IO_APIS: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "File::open",
    "File::create",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
];

const SQL_MARKERS: &[&str] = &[
    "sqlx::",
    "SELECT ",
    "INSERT INTO",
    "DELETE FROM",
    "CREATE TABLE",
    "ALTER TABLE",
    "DROP TABLE",
];

const CLOCK_AND_RANDOM: &[&str] = &[
    "Utc::now(",
    "Local::now(",
    "SystemTime::now(",
    "rand::rng(",
    "thread_rng(",
    "OsRng",
    "SysRng",
    "getrandom::",
];

/// Runs every check on the workspace at `root`.
pub fn check(root: &Path) -> Vec<Violation> {
    let mut violations = Vec::new();
    let crates = crate_dirs(root);
    for dir in &crates {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let manifest_path = dir.join("Cargo.toml");
        let manifest = read_manifest(root, &manifest_path, &mut violations);
        if let Some(manifest) = &manifest {
            let deps = dependency_names(manifest);
            let forbidden: &[&str] = match name.as_str() {
                "web" => DATABASE_CRATES,
                "fhir" | "proto" => IO_CRATES,
                _ => &[],
            };
            for dep in deps.iter().filter(|d| forbidden.contains(&d.as_str())) {
                let why = if name == "web" {
                    "web must reach the database only through the domain"
                } else {
                    "fhir and proto do no I/O"
                };
                violations.push(violation(
                    root,
                    "dependency-rule",
                    &manifest_path,
                    format!("crate `{name}` depends on `{dep}`: {why}"),
                ));
            }
            let inherits = manifest
                .get("lints")
                .and_then(|l| l.get("workspace"))
                .and_then(toml::Value::as_bool)
                == Some(true);
            if !inherits {
                violations.push(violation(
                    root,
                    "workspace-lints",
                    &manifest_path,
                    "add `[lints] workspace = true`".into(),
                ));
            }
        }
        for file in rust_files(&dir.join("src")) {
            check_source(root, &name, &file, &mut violations);
        }
    }
    violations
}

fn check_source(root: &Path, crate_name: &str, file: &Path, out: &mut Vec<Violation>) {
    let Ok(text) = std::fs::read_to_string(file) else {
        out.push(violation(root, "module-doc", file, "cannot be read".into()));
        return;
    };
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("#!["));
    if !first.is_some_and(|l| l.starts_with("//!")) {
        out.push(violation(
            root,
            "module-doc",
            file,
            "must open with a `//!` doc saying what the module is for".into(),
        ));
    }
    let code = strip_comments(&text);
    if matches!(crate_name, "fhir" | "proto") {
        for api in IO_APIS.iter().filter(|a| code.contains(*a)) {
            out.push(violation(
                root,
                "no-io",
                file,
                format!("uses `{api}`: fhir and proto do no I/O"),
            ));
        }
    }
    if crate_name != "store" && crate_name != "xtask" {
        for marker in SQL_MARKERS.iter().filter(|m| code.contains(*m)) {
            out.push(violation(
                root,
                "sql-only-in-store",
                file,
                format!("contains `{}`: only the store crate has SQL", marker.trim()),
            ));
        }
    }
    // xtask is tooling, not the product (and this file names the patterns it looks for).
    // The client SDK is a separate product with no server inside: its own clock module is
    // its one reader (it cannot take the server's domain::clock).
    let is_clock = file.ends_with(Path::new("crates/domain/src/clock.rs"))
        || file.ends_with(Path::new("crates/sdk/src/clock.rs"));
    if !is_clock && crate_name != "xtask" {
        for call in CLOCK_AND_RANDOM.iter().filter(|c| code.contains(*c)) {
            out.push(violation(
                root,
                "clock",
                file,
                format!("uses `{call}`: take a Clock or Entropy from domain::clock instead"),
            ));
        }
    }
}

/// Removes `//` comments (doc comments included) so that prose may mention what code may not use.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn violation(root: &Path, rule: &'static str, file: &Path, message: String) -> Violation {
    Violation {
        rule,
        file: file.strip_prefix(root).unwrap_or(file).to_path_buf(),
        message,
    }
}

fn read_manifest(root: &Path, path: &Path, out: &mut Vec<Violation>) -> Option<toml::Table> {
    let text = std::fs::read_to_string(path).ok()?;
    match toml::from_str(&text) {
        Ok(table) => Some(table),
        Err(e) => {
            out.push(violation(
                root,
                "dependency-rule",
                path,
                format!("not valid TOML: {}", e.message()),
            ));
            None
        }
    }
}

/// The member crates: `crates/*` and `xtask`.
fn crate_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    if root.join("xtask/Cargo.toml").is_file() {
        dirs.push(root.join("xtask"));
    }
    dirs.sort();
    dirs
}

/// Every dependency a manifest names (normal, dev, build, per target), by crate name
/// (`package = "…"` renames resolved).
pub fn dependency_names(manifest: &toml::Table) -> Vec<String> {
    let mut tables: Vec<&toml::Table> = Vec::new();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = manifest.get(section).and_then(toml::Value::as_table) {
            tables.push(t);
        }
    }
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        for target in targets.values().filter_map(toml::Value::as_table) {
            for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(t) = target.get(section).and_then(toml::Value::as_table) {
                    tables.push(t);
                }
            }
        }
    }
    let mut names: Vec<String> = tables
        .into_iter()
        .flat_map(|t| {
            t.iter().map(|(key, value)| {
                value
                    .get("package")
                    .and_then(toml::Value::as_str)
                    .unwrap_or(key)
                    .to_owned()
            })
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
