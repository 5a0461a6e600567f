//! The tidy checks hold on this repository, and each one fails when its invariant breaks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

use std::path::{Path, PathBuf};
use xtask::tidy::{Violation, check};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_repository_is_tidy() {
    let violations = check(&repo_root());
    assert!(
        violations.is_empty(),
        "{}",
        violations
            .iter()
            .map(Violation::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A minimal workspace with a web, fhir and domain crate, all tidy.
fn tidy_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, deps) in [
        (
            "web",
            "axum = \"0.8\"\nbb-domain = { path = \"../domain\" }\n",
        ),
        ("fhir", "serde = \"1\"\n"),
        ("domain", "bb-store = { path = \"../store\" }\n"),
        ("store", "sqlx = \"0.9\"\n"),
    ] {
        let crate_dir = dir.path().join("crates").join(name);
        std::fs::create_dir_all(crate_dir.join("src")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            crate_dir.join("Cargo.toml"),
            format!("[package]\nname = \"bb-{name}\"\n\n[lints]\nworkspace = true\n\n[dependencies]\n{deps}"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            crate_dir.join("src/lib.rs"),
            "//! A crate.\n\npub fn f() {}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

fn rules(root: &Path) -> Vec<&'static str> {
    check(root).into_iter().map(|v| v.rule).collect()
}

fn append(path: &Path, text: &str) {
    let mut body = std::fs::read_to_string(path).unwrap_or_default();
    body.push_str(text);
    std::fs::write(path, body).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_tidy_tree_passes() {
    let tree = tidy_tree();
    assert_eq!(rules(tree.path()), Vec::<&str>::new());
}

#[test]
fn sqlx_in_web_fails() {
    let tree = tidy_tree();
    append(
        &tree.path().join("crates/web/Cargo.toml"),
        "sqlx = { version = \"0.9\", features = [\"sqlite\"] }\n",
    );
    let found = check(tree.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule, "dependency-rule");
    assert!(
        found[0].message.contains("`web` depends on `sqlx`"),
        "{}",
        found[0]
    );
}

#[test]
fn store_in_web_fails_even_renamed_or_as_dev_dependency() {
    let tree = tidy_tree();
    append(
        &tree.path().join("crates/web/Cargo.toml"),
        "db = { package = \"bb-store\", path = \"../store\" }\n[dev-dependencies]\nrusqlite = \"0.40\"\n",
    );
    assert_eq!(
        rules(tree.path()),
        vec!["dependency-rule", "dependency-rule"]
    );
}

#[test]
fn io_in_fhir_fails() {
    let tree = tidy_tree();
    append(
        &tree.path().join("crates/fhir/Cargo.toml"),
        "tokio = \"1\"\n",
    );
    append(
        &tree.path().join("crates/fhir/src/lib.rs"),
        "pub fn g() { let _ = std::fs::read(\"x\"); }\n",
    );
    assert_eq!(rules(tree.path()), vec!["dependency-rule", "no-io"]);
}

#[test]
fn sql_outside_the_store_fails() {
    let tree = tidy_tree();
    append(
        &tree.path().join("crates/web/src/lib.rs"),
        "pub const Q: &str = \"SELECT * FROM users\";\n",
    );
    assert_eq!(rules(tree.path()), vec!["sql-only-in-store"]);
}

#[test]
fn a_module_without_doc_fails() {
    let tree = tidy_tree();
    std::fs::write(
        tree.path().join("crates/domain/src/rules.rs"),
        "pub fn r() {}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules(tree.path()), vec!["module-doc"]);
}

#[test]
fn reading_the_clock_outside_domain_clock_fails() {
    let tree = tidy_tree();
    append(
        &tree.path().join("crates/web/src/lib.rs"),
        "pub fn now() -> i64 { chrono::Utc::now().timestamp() }\n",
    );
    assert_eq!(rules(tree.path()), vec!["clock"]);
    // Mentioning it in a comment is fine.
    let tree = tidy_tree();
    append(
        &tree.path().join("crates/web/src/lib.rs"),
        "// never call Utc::now() here\n",
    );
    assert_eq!(rules(tree.path()), Vec::<&str>::new());
}

#[test]
fn a_crate_without_workspace_lints_fails() {
    let tree = tidy_tree();
    let path = tree.path().join("crates/fhir/Cargo.toml");
    let body = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .replace("[lints]\nworkspace = true\n", "");
    std::fs::write(&path, body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules(tree.path()), vec!["workspace-lints"]);
}

#[test]
fn adding_sqlx_to_the_real_web_manifest_fails() {
    // The real crates/web/Cargo.toml, copied into a scratch tree, plus one line.
    let tree = tidy_tree();
    let real = std::fs::read_to_string(repo_root().join("crates/web/Cargo.toml")).unwrap();
    let patched = real.replace(
        "[dependencies]\n",
        "[dependencies]\nsqlx = { workspace = true }\n",
    );
    assert_ne!(real, patched, "the web manifest has a [dependencies] table");
    std::fs::write(tree.path().join("crates/web/Cargo.toml"), patched).unwrap();
    let found = check(tree.path());
    assert!(
        found
            .iter()
            .any(|v| v.rule == "dependency-rule" && v.message.contains("`sqlx`")),
        "{found:?}"
    );
}
