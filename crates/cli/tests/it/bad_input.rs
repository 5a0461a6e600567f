//! Bad input: each a one-line error naming the problem and the fix, non-zero exit,
//! nothing written.

use crate::support::*;

#[test]
fn every_command_has_help() {
    let dir = tempdir();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["admin", "--help"],
        vec!["admin", "create-developer", "--help"],
        vec!["admin", "create-staff", "--help"],
        vec!["admin", "create-app", "--help"],
        vec!["admin", "add-login", "--help"],
    ] {
        let out = run(dir.path(), &args, "");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("Usage: bluebutton"),
            "{args:?}: {}",
            stdout(&out)
        );
    }
    assert!(files(dir.path()).is_empty(), "help wrote files");
}

#[test]
fn help_never_shows_environment_values() {
    let dir = tempdir();
    let out = crate::support::command(dir.path(), &["serve", "--help"])
        .env(
            "BLUEBUTTON_DATABASE_URL",
            "postgres://u:hunter2-in-env@h/db",
        )
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = stdout(&out);
    assert!(text.contains("BLUEBUTTON_DATABASE_URL"), "{text}");
    assert!(!text.contains("hunter2-in-env"), "{text}");
}

#[test]
fn unknown_flag() {
    let dir = tempdir();
    let out = run(dir.path(), &["serve", "--frobnicate"], "");
    assert_one_line_failure(&out, 2, &["--frobnicate", "--help"]);
    assert!(files(dir.path()).is_empty());
}

#[test]
fn unknown_command_and_missing_command() {
    let dir = tempdir();
    assert_one_line_failure(&run(dir.path(), &["launch"], ""), 2, &["launch", "--help"]);
    assert_one_line_failure(&run(dir.path(), &[], ""), 2, &["command is required"]);
}

#[test]
fn bad_database_url() {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &["--database-url", "mysql://root:topsecret@db/x", "migrate"],
        "",
    );
    assert_one_line_failure(&out, 1, &["mysql", "sqlite://PATH", "postgres://"]);
    assert!(!stderr(&out).contains("topsecret"));
    let out = run(
        dir.path(),
        &["serve", "--database-url", "bluebutton.db"],
        "",
    );
    assert_one_line_failure(&out, 1, &["no scheme"]);
    assert!(
        files(dir.path()).is_empty(),
        "nothing may be written: {:?}",
        files(dir.path())
    );
}

#[test]
fn unreachable_postgres() {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &[
            "migrate",
            "--database-url",
            "postgres://postgres:hunter2-secret@127.0.0.1:1/bluebutton",
        ],
        "",
    );
    assert_one_line_failure(&out, 1, &["PostgreSQL", "127.0.0.1:1", "--database-url"]);
    assert!(!stderr(&out).contains("hunter2-secret"), "{}", stderr(&out));
    assert!(files(dir.path()).is_empty());
}

#[test]
fn port_in_use_writes_nothing() {
    let dir = tempdir();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = taken
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let out = run(dir.path(), &["serve", "--bind", &addr], "");
    assert_one_line_failure(&out, 1, &[&addr, "in use", "--bind"]);
    assert!(
        files(dir.path()).is_empty(),
        "the store must not be created: {:?}",
        files(dir.path())
    );
    let out = run(dir.path(), &["serve", "--bind", "not-an-address"], "");
    assert_one_line_failure(&out, 1, &["not-an-address", "--bind"]);
}

#[test]
fn bad_mail_settings_write_nothing() {
    let dir = tempdir();
    for (key, value, words) in [
        (
            "BLUEBUTTON__MAIL__BASE_URL",
            "javascript:alert(1)",
            &["[mail] base_url", "http(s) origin"][..],
        ),
        (
            "BLUEBUTTON__MAIL__SECURITY",
            "ssl",
            &["[mail]", "starttls, tls, none"][..],
        ),
    ] {
        let out = crate::support::command(dir.path(), &["serve", "--bind", "127.0.0.1:0"])
            .env("BLUEBUTTON__MAIL__SMTP_HOST", "127.0.0.1")
            .env(key, value)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_one_line_failure(&out, 1, words);
        assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
    }
}

#[test]
fn config_file_typos_are_named() {
    let dir = tempdir();
    let file = dir.path().join("bb.toml");
    std::fs::write(&file, "[server]\nbnid = \"127.0.0.1:1\"\n").unwrap_or_else(|e| panic!("{e}"));
    let out = run(dir.path(), &["--config", "bb.toml", "migrate"], "");
    assert_one_line_failure(&out, 1, &["bb.toml", "bnid"]);
    let out = crate::support::command(dir.path(), &["migrate"])
        .env("BLUEBUTTON__DATABASE__MAX_CONNECTIONS", "lots")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_one_line_failure(
        &out,
        1,
        &["BLUEBUTTON__DATABASE__MAX_CONNECTIONS", "whole number"],
    );
    assert_eq!(files(dir.path()), vec!["bb.toml".to_owned()]);
}

#[tokio::test]
async fn store_from_a_newer_version_is_refused() {
    let dir = tempdir();
    let out = run(dir.path(), &["migrate"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value =
        serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["backend"], "sqlite");
    let pool = open_sqlite(dir.path()).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (99991231000000, 'future', CURRENT_TIMESTAMP, 1, X'00', 1)",
    )
    .execute(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let migrations_before: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap_or(-1);
    for args in [vec!["migrate"], vec!["serve", "--bind", "127.0.0.1:0"]] {
        let out = run(dir.path(), &args, "");
        assert_one_line_failure(&out, 1, &["newer bluebutton", "99991231000000"]);
    }
    let out = run(
        dir.path(),
        &[
            "admin",
            "create-developer",
            "--email",
            "a@example.org",
            "--organization",
            "A",
            "--password-stdin",
        ],
        "correct horse battery\n",
    );
    assert_one_line_failure(&out, 1, &["newer bluebutton"]);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap_or(-1);
    let migrations_after: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap_or(-1);
    assert_eq!((users, migrations_after), (0, migrations_before));
}
