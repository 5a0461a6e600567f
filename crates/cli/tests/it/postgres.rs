//! The binary on PostgreSQL: migrate, admin commands and serve against a real server.
//! Ignored in a plain `cargo test`; `scripts/test` runs it with a fresh database in
//! `BLUEBUTTON_TEST_POSTGRES_URL`. Each test uses its own schema of that database.

use crate::support::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn postgres_env() -> (String, String) {
    let url = std::env::var("BLUEBUTTON_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| panic!("BLUEBUTTON_TEST_POSTGRES_URL is not set: run ./scripts/test"));
    let schema = format!("cli_{}_{}", std::process::id(), free_port());
    (url, schema)
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test runs it with BLUEBUTTON_TEST_POSTGRES_URL"]
fn admin_commands_and_serve_on_postgres() {
    let dir = tempdir();
    let (url, schema) = postgres_env();
    let with_pg = |args: &[&str], stdin: &str| {
        let mut cmd = command(dir.path(), args);
        cmd.env("BLUEBUTTON_DATABASE_URL", &url)
            .env("BLUEBUTTON__DATABASE__POSTGRES_SCHEMA", &schema)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{e}"));
        if let Some(mut input) = child.stdin.take() {
            use std::io::Write;
            let _ = input.write_all(stdin.as_bytes());
        }
        child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
    };
    let out = with_pg(&["migrate"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value =
        serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["backend"], "postgres");

    let out = with_pg(
        &[
            "admin",
            "create-developer",
            "--email",
            "pg@example.org",
            "--organization",
            "PG Org",
            "--password-stdin",
        ],
        "correct horse battery\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = with_pg(
        &[
            "admin",
            "create-app",
            "--owner",
            "pg@example.org",
            "--name",
            "PG App",
            "--redirect-uri",
            "https://pg.example.org/cb",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let creds: serde_json::Value =
        serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(creds["client_secret"].as_str().map(str::len), Some(128));
    let again = with_pg(
        &[
            "admin",
            "create-app",
            "--owner",
            "pg@example.org",
            "--name",
            "pg app",
            "--redirect-uri",
            "https://pg.example.org/cb",
        ],
        "",
    );
    assert_one_line_failure(&again, 1, &["application with this name already exists"]);

    let port = free_port();
    let mut child = command(
        dir.path(),
        &["serve", "--bind", &format!("127.0.0.1:{port}")],
    )
    .env("BLUEBUTTON_DATABASE_URL", &url)
    .env("BLUEBUTTON__DATABASE__POSTGRES_SCHEMA", &schema)
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap_or_else(|e| panic!("{e}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ok = false;
    while Instant::now() < deadline && !ok {
        ok = crate::serve::get(port, "/health/db")
            .is_some_and(|(status, body)| status == 200 && body.contains("all's well"));
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(ok, "no healthy answer from serve on PostgreSQL");
    assert!(status.success(), "{status:?}");
    assert!(
        files(dir.path()).is_empty(),
        "nothing is written locally on PostgreSQL: {:?}",
        files(dir.path())
    );
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test runs it with BLUEBUTTON_TEST_POSTGRES_URL"]
fn claims_data_on_postgres() {
    let dir = tempdir();
    let (url, schema) = postgres_env();
    let with_pg = |args: &[&str]| {
        command(dir.path(), args)
            .env("BLUEBUTTON_DATABASE_URL", &url)
            .env("BLUEBUTTON__DATABASE__POSTGRES_SCHEMA", &schema)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let json = |out: std::process::Output| -> serde_json::Value {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| panic!("{e}"))
    };
    let report = json(with_pg(&["generate", "--enrollees", "30", "--seed", "3"]));
    assert!(report["claims"].as_u64().unwrap_or(0) > 0, "{report}");
    assert!(report.get("store_bytes").is_none(), "{report}");

    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/reference/rif/static-samples");
    let summary = json(with_pg(&[
        "import",
        "rif",
        samples.to_str().unwrap_or_default(),
    ]));
    assert_eq!(
        summary["files"].as_array().map(Vec::len),
        Some(23),
        "{summary}"
    );

    // A bad file rolls back on PostgreSQL too: import the same folder plus a broken copy.
    let bad = dir.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap_or_else(|e| panic!("{e}"));
    let text =
        std::fs::read_to_string(samples.join("sample-a-pde.txt")).unwrap_or_else(|e| panic!("{e}"));
    let (header, rows) = text.split_once('\n').unwrap_or_default();
    let broken = format!("{header}\n{}", rows.replacen('|', "|x", 2));
    std::fs::write(bad.join("pde.txt"), broken).unwrap_or_else(|e| panic!("{e}"));
    let out = with_pg(&["import", "rif", bad.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("pde.txt:2:"), "{}", stderr(&out));
}

/// `audit verify` on PostgreSQL: sound after appends through the store; the trigger refuses
/// a plain UPDATE; a superuser who switches triggers off (`session_replication_role =
/// replica`) and changes a record is named.
#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test runs it with BLUEBUTTON_TEST_POSTGRES_URL"]
async fn audit_verify_on_postgres_names_a_superusers_change() {
    let dir = tempdir();
    let (url, schema) = postgres_env();
    let verify = || {
        let mut cmd = command(dir.path(), &["audit", "verify"]);
        cmd.env("BLUEBUTTON_DATABASE_URL", &url)
            .env("BLUEBUTTON__DATABASE__POSTGRES_SCHEMA", &schema);
        cmd.output().unwrap_or_else(|e| panic!("{e}"))
    };
    let options = bb_store::StoreOptions {
        postgres_schema: Some(schema.clone()),
        ..bb_store::StoreOptions::default()
    };
    let store = bb_store::Store::connect(&bb_store::DatabaseUrl::parse(&url).unwrap(), &options)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let rows: Vec<_> = (1..=4_i64)
        .map(|n| bb_store::AuditEventRow {
            at: n,
            bene_id: Some(-n),
            application_id: None,
            action: "read".into(),
            detail: "Coverage".into(),
        })
        .collect();
    store.insert_audit_events(&rows).await.unwrap();
    store.close().await;
    let out = verify();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(r#""records":4"#), "{}", stdout(&out));

    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("SET search_path TO {schema}")))
        .execute(&mut *conn)
        .await
        .unwrap();
    let refused = sqlx::query("UPDATE audit_events SET detail = 'Patient' WHERE seq = 2")
        .execute(&mut *conn)
        .await;
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET detail = 'Patient' WHERE seq = 2")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    pool.close().await;
    assert_one_line_failure(&verify(), 1, &["seq 2 was changed"]);
}
