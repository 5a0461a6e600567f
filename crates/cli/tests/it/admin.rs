//! `bluebutton admin …` on the default SQLite store.

use crate::support::*;
use sha2::{Digest, Sha256};
use std::path::Path;

const PASSWORD: &str = "correct horse battery staple";

fn create_developer(dir: &Path, email: &str) -> serde_json::Value {
    let out = run(
        dir,
        &[
            "admin",
            "create-developer",
            "--email",
            email,
            "--organization",
            "Acme Health",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

#[tokio::test]
async fn developer_then_app_prints_credentials_and_stores_only_a_hash() {
    let dir = tempdir();
    let developer = create_developer(dir.path(), "Dev@Example.org");
    assert_eq!(developer["email"], "dev@example.org");
    assert_eq!(developer["organization"], "Acme Health");

    let out = run(
        dir.path(),
        &[
            "admin",
            "create-app",
            "--owner",
            "dev@example.org",
            "--name",
            "Health Helper",
            "--redirect-uri",
            "https://app.example.org/callback",
            "--redirect-uri",
            "http://localhost:3000/callback",
            "--data-access-type",
            "ONE_TIME",
            "--no-demographics",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let creds: serde_json::Value =
        serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| panic!("{e}"));
    let object = creds.as_object().cloned().unwrap_or_default();
    assert_eq!(
        object.keys().cloned().collect::<Vec<_>>(),
        vec!["client_id", "client_secret"]
    );
    let client_id = creds["client_id"].as_str().unwrap_or_default().to_owned();
    let secret = creds["client_secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(client_id.len(), 40);
    assert_eq!(secret.len(), 128);
    assert!(
        client_id
            .bytes()
            .chain(secret.bytes())
            .all(|b| b.is_ascii_alphanumeric())
    );
    assert!(
        !stderr(&out).contains(&secret),
        "the secret must not reach the log"
    );

    let pool = open_sqlite(dir.path()).await;
    let (hash, dat, demographics): (Vec<u8>, String, bool) = sqlx::query_as(
        "SELECT client_secret_sha256, data_access_type, require_demographic_scopes FROM applications WHERE client_id = ?",
    )
    .bind(&client_id)
    .fetch_one(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hash, Sha256::digest(secret.as_bytes()).to_vec());
    assert_eq!((dat.as_str(), demographics), ("ONE_TIME", false));
    let uris: Vec<String> =
        sqlx::query_scalar("SELECT uri FROM application_redirect_uris ORDER BY position")
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
    assert_eq!(
        uris,
        vec![
            "https://app.example.org/callback",
            "http://localhost:3000/callback"
        ]
    );

    // Neither the secret nor the password is anywhere in the database, in any column.
    let hex_secret = hex::encode(secret.as_bytes());
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
    assert!(tables.contains(&"applications".to_owned()));
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(&pool)
        .await
        .unwrap_or_default();
        for column in columns {
            let sql = format!(
                "SELECT count(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS TEXT), ?1) > 0 \
                 OR instr(lower(hex(\"{column}\")), ?2) > 0 OR instr(CAST(\"{column}\" AS TEXT), ?3) > 0"
            );
            let hits: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(&secret)
                .bind(&hex_secret)
                .bind(PASSWORD)
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|e| panic!("{table}.{column}: {e}"));
            assert_eq!(hits, 0, "secret or password found in {table}.{column}");
        }
    }
    let password_hash: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&pool)
        .await
        .unwrap_or_default();
    assert!(password_hash.starts_with("$argon2id$"), "{password_hash}");
}

#[tokio::test]
async fn bad_app_input_writes_nothing() {
    let dir = tempdir();
    create_developer(dir.path(), "dev@example.org");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--redirect-uri", "https://app.example.org/cb#frag"],
            "fragment",
        ),
        (vec!["--redirect-uri", "http://app.example.org/cb"], "https"),
        (
            vec![
                "--redirect-uri",
                "https://a.example.org/cb",
                "--data-access-type",
                "FOREVER",
            ],
            "ONE_TIME",
        ),
        (
            vec![
                "--redirect-uri",
                "https://a.example.org/cb",
                "--environment",
                "staging",
            ],
            "sandbox or production",
        ),
    ];
    for (extra, needle) in cases {
        let mut args = vec![
            "admin",
            "create-app",
            "--owner",
            "dev@example.org",
            "--name",
            "App",
        ];
        args.extend(extra);
        assert_one_line_failure(&run(dir.path(), &args, ""), 1, &[needle]);
    }
    let out = run(
        dir.path(),
        &[
            "admin",
            "create-app",
            "--owner",
            "ghost@example.org",
            "--name",
            "App",
            "--redirect-uri",
            "https://a.example.org/cb",
        ],
        "",
    );
    assert_one_line_failure(&out, 1, &["owner account not found", "create-developer"]);
    let pool = open_sqlite(dir.path()).await;
    let apps: i64 = sqlx::query_scalar("SELECT count(*) FROM applications")
        .fetch_one(&pool)
        .await
        .unwrap_or(-1);
    assert_eq!(apps, 0);
}

#[test]
fn duplicates_and_weak_passwords_are_refused() {
    let dir = tempdir();
    create_developer(dir.path(), "dev@example.org");
    let out = run(
        dir.path(),
        &[
            "admin",
            "create-developer",
            "--email",
            "DEV@example.org",
            "--organization",
            "Other",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_one_line_failure(&out, 1, &["e-mail already exists"]);
    let out = run(
        dir.path(),
        &[
            "admin",
            "create-staff",
            "--email",
            "rev@example.org",
            "--role",
            "reviewer",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_one_line_failure(&out, 1, &["password", "at least 12"]);
    let out = run(
        dir.path(),
        &[
            "admin",
            "create-staff",
            "--email",
            "rev@example.org",
            "--role",
            "boss",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_one_line_failure(&out, 1, &["boss", "reviewer or admin"]);
    let out = run(
        dir.path(),
        &[
            "admin",
            "create-staff",
            "--email",
            "rev@example.org",
            "--role",
            "reviewer",
            "--password-stdin",
        ],
        "",
    );
    assert_one_line_failure(&out, 2, &["--password-stdin", "standard input"]);
}

#[test]
fn staff_and_sandbox_logins() {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &[
            "admin",
            "create-staff",
            "--email",
            "rev@example.org",
            "--role",
            "Reviewer",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let staff: serde_json::Value =
        serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (staff["kind"].as_str(), staff["role"].as_str()),
        (Some("staff"), Some("reviewer"))
    );

    let out = run(
        dir.path(),
        &[
            "admin",
            "add-login",
            "--bene-id",
            "-20140000008325",
            "--username",
            "BBUser12345",
            "--password-stdin",
        ],
        "PW12345!\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let login: serde_json::Value =
        serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        login,
        serde_json::json!({"username": "BBUser12345", "bene_id": "-20140000008325"})
    );
    let again = run(
        dir.path(),
        &[
            "admin",
            "add-login",
            "--bene-id",
            "1",
            "--username",
            "bbuser12345",
            "--password-stdin",
        ],
        "PW12345!\n",
    );
    assert_one_line_failure(&again, 1, &["user name already exists"]);
    let bad = run(
        dir.path(),
        &[
            "admin",
            "add-login",
            "--bene-id",
            "12x",
            "--username",
            "u123",
            "--password-stdin",
        ],
        "PW12345!\n",
    );
    assert_one_line_failure(&bad, 1, &["bene_id"]);
}
