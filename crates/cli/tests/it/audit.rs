//! `bluebutton audit verify` on a SQLite file: a sound chain sums up with its head hash;
//! then each tampering an attacker with the file could do (after dropping the append-only
//! triggers) is named with its record and a non-zero exit.

use crate::support::*;
use bb_store::{AuditEventRow, DatabaseUrl, Store, StoreOptions, audit_record_hash};
use std::path::Path;

/// A migrated store with five records appended through the real store API; the head.
async fn five_records(dir: &Path) -> String {
    let out = run(dir, &["migrate"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let url = DatabaseUrl::SqliteFile(dir.join("bluebutton-data/bluebutton.db"));
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    let rows: Vec<_> = (1..=5_i64)
        .map(|n| AuditEventRow {
            at: 1_000 * n,
            bene_id: Some(-n),
            application_id: Some("app-1".into()),
            action: "read".into(),
            detail: "Patient".into(),
        })
        .collect();
    store.insert_audit_events(&rows[..2]).await.unwrap();
    store.insert_audit_events(&rows[2..]).await.unwrap();
    let head = hex::encode(store.audit_head().await.unwrap().hash);
    store.close().await;
    head
}

fn verify(dir: &Path) -> std::process::Output {
    run(dir, &["audit", "verify"], "")
}

async fn tamper(dir: &Path, statements: &[&str]) {
    let pool = open_sqlite(dir).await;
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(*sql))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    pool.close().await;
}

#[tokio::test]
async fn a_sound_chain_prints_its_count_and_head() {
    let dir = tempdir();
    let head = five_records(dir.path()).await;
    let out = verify(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        summary,
        serde_json::json!({"records": 5, "head": head, "ok": true})
    );
}

#[tokio::test]
async fn the_triggers_refuse_changes_without_being_dropped() {
    let dir = tempdir();
    five_records(dir.path()).await;
    let pool = open_sqlite(dir.path()).await;
    for sql in [
        "UPDATE audit_events SET detail = 'Coverage' WHERE seq = 3",
        "DELETE FROM audit_events WHERE seq = 5",
    ] {
        let err = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
        assert!(
            err.unwrap_err().to_string().contains("append-only"),
            "{sql}"
        );
    }
    pool.close().await;
    assert_eq!(verify(dir.path()).status.code(), Some(0));
}

#[tokio::test]
async fn a_changed_detail_is_named() {
    let dir = tempdir();
    five_records(dir.path()).await;
    tamper(
        dir.path(),
        &[
            "DROP TRIGGER audit_events_no_update",
            "UPDATE audit_events SET detail = 'Patienx' WHERE seq = 3",
        ],
    )
    .await;
    assert_one_line_failure(&verify(dir.path()), 1, &["seq 3 was changed"]);
}

#[tokio::test]
async fn a_forged_record_with_a_recomputed_hash_but_the_wrong_prev_is_named() {
    let dir = tempdir();
    five_records(dir.path()).await;
    // The forger computes a correct hash for the record over a prev of their choosing,
    // and even moves the head to it.
    let forged = AuditEventRow {
        at: 6_000,
        bene_id: Some(-6),
        application_id: Some("app-1".into()),
        action: "read".into(),
        detail: "Patient".into(),
    };
    let prev = [7_u8; 32];
    let hash = hex::encode(audit_record_hash(&prev, 6, &forged));
    let prev = hex::encode(prev);
    tamper(
        dir.path(),
        &[
            &format!(
                "INSERT INTO audit_events (at, bene_id, application_id, action, detail, seq, prev_hash, hash) \
                 VALUES (6000, -6, 'app-1', 'read', 'Patient', 6, X'{prev}', X'{hash}')"
            ),
            &format!("UPDATE audit_head SET seq = 6, hash = X'{hash}'"),
        ],
    )
    .await;
    assert_one_line_failure(&verify(dir.path()), 1, &["seq 6 was inserted"]);
}

#[tokio::test]
async fn a_deleted_middle_record_is_named() {
    let dir = tempdir();
    five_records(dir.path()).await;
    tamper(
        dir.path(),
        &[
            "DROP TRIGGER audit_events_no_delete",
            "DELETE FROM audit_events WHERE seq = 3",
        ],
    )
    .await;
    assert_one_line_failure(&verify(dir.path()), 1, &["seq 3 was deleted"]);
}

#[tokio::test]
async fn a_deleted_last_record_is_named() {
    let dir = tempdir();
    five_records(dir.path()).await;
    tamper(
        dir.path(),
        &[
            "DROP TRIGGER audit_events_no_delete",
            "DELETE FROM audit_events WHERE seq = 5",
        ],
    )
    .await;
    assert_one_line_failure(
        &verify(dir.path()),
        1,
        &["after seq 4 were deleted", "seq 5 missing"],
    );
}

#[tokio::test]
async fn an_unmigrated_store_is_refused_not_migrated() {
    let dir = tempdir();
    let out = verify(dir.path());
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(error_lines(&out).len(), 1, "{}", stderr(&out));
}
