//! Claims data through the binary: `import rif` of every reference file, all-or-nothing
//! files with `FILE:LINE` errors, deterministic `generate`, the RIF round trip, and the
//! sandbox that `serve` builds on an empty store.

use crate::support::*;
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn reference(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/reference/rif")
        .join(folder)
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", stderr(out));
    serde_json::from_str(stdout(out).trim()).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

async fn count(dir: &Path, table: &str) -> i64 {
    let pool = open_sqlite(dir).await;
    let n = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    pool.close().await;
    n
}

/// Every row of the claims tables, load timestamps left out (they say when, not what).
async fn content(dir: &Path) -> Vec<String> {
    let pool = open_sqlite(dir).await;
    let mut out = Vec::new();
    for sql in [
        "SELECT 'c', bene_id, sort_key, claim_type, claim_id, service_from, service_thru, hex(data) FROM claims ORDER BY bene_id, sort_key, claim_type",
        "SELECT 'b', bene_id, rfrnc_yr, mbi, 0, 0, 0, hex(data) FROM beneficiaries ORDER BY bene_id, rfrnc_yr",
        "SELECT 'h', bene_id, digest, mbi, 0, 0, 0, hex(data) FROM beneficiary_history ORDER BY bene_id, digest",
    ] {
        for row in sqlx::query(sql).fetch_all(&pool).await.unwrap() {
            let cells: Vec<String> = (0..8)
                .map(|i| {
                    row.try_get::<Option<i64>, _>(i)
                        .map(|v| format!("{v:?}"))
                        .or_else(|_| {
                            row.try_get::<Option<String>, _>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .unwrap_or_default()
                })
                .collect();
            out.push(cells.join("|"));
        }
    }
    pool.close().await;
    out
}

#[tokio::test]
async fn every_reference_rif_file_imports() {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &[
            "import",
            "rif",
            reference("static-samples").to_str().unwrap(),
        ],
        "",
    );
    let summary = json(&out);
    let files = summary["files"].as_array().unwrap();
    assert_eq!(files.len(), 23, "{summary}");
    assert!(
        summary["skipped"].as_array().unwrap().is_empty(),
        "{summary}"
    );
    // Beneficiary files load before claims files, and sample-a before sample-u.
    let names: Vec<&str> = files.iter().map(|f| f["file"].as_str().unwrap()).collect();
    let first_claim = names.iter().position(|n| n.contains("bcarrier")).unwrap();
    assert!(
        names[..first_claim]
            .iter()
            .all(|n| n.contains("benef") || n.contains("months") || n.contains("same-bene")),
        "{names:?}"
    );
    assert!(
        names.iter().position(|n| *n == "sample-a-bcarrier.txt")
            < names.iter().position(|n| *n == "sample-u-bcarrier.txt")
    );
    assert!(count(dir.path(), "claims").await >= 8);
    assert!(count(dir.path(), "beneficiaries").await >= 1);

    let out = run(
        dir.path(),
        &[
            "import",
            "rif",
            reference("synthea-sample").to_str().unwrap(),
        ],
        "",
    );
    let summary = json(&out);
    assert_eq!(summary["files"].as_array().unwrap().len(), 20, "{summary}");
    let skipped = summary["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{summary}");
    assert_eq!(skipped[0]["file"], "export_summary.csv");
    // export_summary.csv lists the claims per type of the three beneficiaries.
    let expected: i64 = std::fs::read_to_string(reference("synthea-sample/export_summary.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .flat_map(|l| {
            l.split(',')
                .skip(1)
                .map(|n| n.trim().parse::<i64>().unwrap())
                .collect::<Vec<_>>()
        })
        .sum();
    let pool = open_sqlite(dir.path()).await;
    let synthea: i64 = sqlx::query("SELECT COUNT(*) FROM claims WHERE bene_id < 0")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    pool.close().await;
    assert_eq!(synthea, expected);

    // Importing the same files again changes nothing (INSERT replaces: idempotent).
    let before = content(dir.path()).await;
    json(&run(
        dir.path(),
        &[
            "import",
            "rif",
            reference("synthea-sample").to_str().unwrap(),
        ],
        "",
    ));
    assert_eq!(content(dir.path()).await, before);
}

fn copy_with(dir: &Path, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let folder = dir.join("in");
    std::fs::create_dir_all(&folder).unwrap();
    let text = std::fs::read_to_string(reference("static-samples").join(name)).unwrap();
    std::fs::write(folder.join(name), edit(&text)).unwrap();
    folder
}

#[tokio::test]
async fn a_bad_row_names_file_line_and_column_and_loads_nothing_of_its_file() {
    let dir = tempdir();
    json(&run(
        dir.path(),
        &[
            "import",
            "rif",
            reference("static-samples")
                .join("sample-a-beneficiaries.txt")
                .to_str()
                .unwrap(),
        ],
        "",
    ));
    let before = content(dir.path()).await;

    // A shifted column: one extra field in the first data row.
    let folder = copy_with(dir.path(), "sample-a-bcarrier.txt", |text| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines[1] = lines[1].replacen('|', "||", 3);
        lines.join("\n") + "\n"
    });
    let out = run(dir.path(), &["import", "rif", folder.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("sample-a-bcarrier.txt:2:"), "{err}");
    assert!(err.contains("nothing of this file was loaded"), "{err}");
    assert_eq!(content(dir.path()).await, before);

    // A bad date on the last line of a seven-line claim: file, line and column are named,
    // nothing of the file is loaded.
    let dir2 = tempdir();
    let folder = copy_with(
        dir2.path(),
        "sample-a-bcarrier-multiple-lines.txt",
        |text| {
            let header: Vec<&str> = text.lines().next().unwrap().split('|').collect();
            let at = header
                .iter()
                .position(|c| *c == "LINE_1ST_EXPNS_DT")
                .unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            let last = lines.len() - 1;
            let mut fields: Vec<String> = lines[last].split('|').map(str::to_owned).collect();
            fields[at] = "31-FEB-2020".into();
            lines[last] = fields.join("|");
            lines.join("\n") + "\n"
        },
    );
    let out = run(
        dir2.path(),
        &["import", "rif", folder.to_str().unwrap()],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "sample-a-bcarrier-multiple-lines.txt:8: column LINE_1ST_EXPNS_DT: is not a date"
        ),
        "{err}"
    );
    assert_eq!(count(dir2.path(), "claims").await, 0);
}

#[tokio::test]
async fn generate_is_deterministic_and_its_rif_round_trips() {
    let dir = tempdir();
    let gen_rif = |out: &str| {
        json(&run(
            dir.path(),
            &[
                "generate",
                "--enrollees",
                "40",
                "--seed",
                "7",
                "--rif-out",
                out,
            ],
            "",
        ))
    };
    let a = gen_rif("a");
    gen_rif("b");
    let names = files(&dir.path().join("a"));
    assert_eq!(names.len(), 10, "{names:?}");
    assert_eq!(names, files(&dir.path().join("b")));
    for name in &names {
        let x = std::fs::read(dir.path().join("a").join(name)).unwrap();
        let y = std::fs::read(dir.path().join("b").join(name)).unwrap();
        assert!(x == y, "{name} differs between two runs with the same seed");
    }
    let other = tempdir();
    json(&run(
        other.path(),
        &[
            "generate",
            "--enrollees",
            "40",
            "--seed",
            "8",
            "--rif-out",
            "a",
        ],
        "",
    ));
    assert_ne!(
        std::fs::read(dir.path().join("a/carrier.csv")).unwrap(),
        std::fs::read(other.path().join("a/carrier.csv")).unwrap()
    );

    // The store from `generate` equals the store from importing its RIF files.
    let direct = tempdir();
    let report = json(&run(
        direct.path(),
        &["generate", "--enrollees", "40", "--seed", "7"],
        "",
    ));
    assert_eq!(report["claims"], a["claims"]);
    let imported = tempdir();
    let summary = json(&run(
        imported.path(),
        &["import", "rif", dir.path().join("a").to_str().unwrap()],
        "",
    ));
    assert_eq!(
        summary["totals"]["beneficiary"], a["beneficiary_years"],
        "{summary}"
    );
    let left = content(direct.path()).await;
    let right = content(imported.path()).await;
    assert_eq!(left.len(), right.len());
    assert!(left == right, "generated and imported stores differ");
    assert_eq!(count(direct.path(), "sandbox_logins").await, 40);
}

#[tokio::test]
async fn serve_builds_the_sandbox_on_an_empty_store_and_reuses_it() {
    let dir = tempdir();
    let start = |dir: &Path| {
        let port = free_port();
        let child = command(dir, &["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("BLUEBUTTON__SANDBOX__ENROLLEES", "25")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while crate::serve::get(port, "/health").map(|r| r.0) != Some(200) {
            assert!(Instant::now() < deadline, "serve did not answer");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let first = start(dir.path());
    assert!(first.contains("sandbox generated"), "{first}");
    assert_eq!(count(dir.path(), "sandbox_logins").await, 25);
    let claims = count(dir.path(), "claims").await;
    assert!(claims > 0);
    let second = start(dir.path());
    assert!(!second.contains("sandbox generated"), "{second}");
    assert_eq!(count(dir.path(), "claims").await, claims);
}
