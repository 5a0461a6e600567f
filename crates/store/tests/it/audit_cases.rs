//! The audit trail's hash chain: concurrent appenders keep one continuous chain, the
//! triggers refuse UPDATE and DELETE, records written before the chain are chained by
//! `migrate`, and review moves land in the same chain.

use crate::backends::Fixture;
use bb_store::{AUDIT_GENESIS, AuditEventRow, AuditLinkRow, Store, audit_record_hash};

fn event(n: i64) -> AuditEventRow {
    AuditEventRow {
        at: 1_000 + n,
        bene_id: if n % 3 == 0 { None } else { Some(-n) },
        application_id: if n % 2 == 0 {
            Some(format!("app-{n}"))
        } else {
            None
        },
        action: "read".into(),
        detail: format!("Patient {n}"),
    }
}

/// Every stored record in order, checked link by link against the head: the count.
async fn assert_chain_sound(store: &Store) -> Vec<AuditLinkRow> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store.audit_chain_page(after, 7).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.seq, last.id));
        all.extend(page);
    }
    let mut prev = AUDIT_GENESIS.to_vec();
    for (i, link) in all.iter().enumerate() {
        assert_eq!(link.seq, i as i64 + 1, "gap-free seq");
        assert_eq!(
            link.prev_hash.as_deref(),
            Some(prev.as_slice()),
            "seq {}",
            link.seq
        );
        let hash = audit_record_hash(&prev, link.seq, &link.record());
        assert_eq!(
            link.hash.as_deref(),
            Some(hash.as_slice()),
            "seq {}",
            link.seq
        );
        prev = hash.to_vec();
    }
    let head = store.audit_head().await.unwrap();
    assert_eq!(head.seq, all.len() as i64);
    assert_eq!(head.hash, prev);
    assert_eq!(store.first_unchained_audit_event().await.unwrap(), None);
    all
}

pub async fn audit_chain_stays_continuous_under_concurrent_appends(f: Fixture) {
    let head = f.store.audit_head().await.unwrap();
    assert_eq!(
        (head.seq, head.hash.as_slice()),
        (0, AUDIT_GENESIS.as_slice())
    );
    let mut tasks = Vec::new();
    for t in 0..8_i64 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move {
            for b in 0..5_i64 {
                let rows: Vec<_> = (0..(1 + (t + b) % 4))
                    .map(|i| event(t * 100 + b * 10 + i))
                    .collect();
                store.insert_audit_events(&rows).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let expected: i64 = (0..8_i64)
        .flat_map(|t| (0..5_i64).map(move |b| 1 + (t + b) % 4))
        .sum();
    let all = assert_chain_sound(&f.store).await;
    assert_eq!(all.len() as i64, expected);
    // Each batch landed contiguously and in order.
    let details: Vec<_> = all.iter().map(|l| l.detail.clone()).collect();
    assert!(details.windows(2).any(|w| w[0] != w[1]));
}

pub async fn audit_events_are_append_only(f: Fixture) {
    f.store
        .insert_audit_events(&[event(1), event(2)])
        .await
        .unwrap();
    for sql in [
        "UPDATE audit_events SET detail = 'nothing to see' WHERE seq = 1",
        "UPDATE audit_events SET hash = prev_hash",
        "DELETE FROM audit_events WHERE seq = 2",
        "DELETE FROM audit_events",
    ] {
        let err = f.store.execute_for_tests(sql).await;
        assert!(err.is_err(), "{sql} was allowed");
        assert!(
            format!("{:?}", err.unwrap_err()).contains("append-only"),
            "{sql}"
        );
    }
    if f.store.backend_name() == "postgres" {
        assert!(
            f.store
                .execute_for_tests("TRUNCATE audit_events")
                .await
                .is_err()
        );
    }
    assert_eq!(assert_chain_sound(&f.store).await.len(), 2);
}

pub async fn records_before_the_chain_are_chained_by_migrate(f: Fixture) {
    f.store.insert_audit_events(&[event(1)]).await.unwrap();
    // A row as an older build wrote it: no seq, no hashes.
    f.store
        .execute_for_tests(
            "INSERT INTO audit_events (at, bene_id, application_id, action, detail) \
             VALUES (5, -5, NULL, 'token', 'patient/Patient.read')",
        )
        .await
        .unwrap();
    assert!(
        f.store
            .first_unchained_audit_event()
            .await
            .unwrap()
            .is_some()
    );
    f.store.migrate().await.unwrap();
    let all = assert_chain_sound(&f.store).await;
    assert_eq!(all.len(), 2);
    assert_eq!((all[1].seq, all[1].action.as_str()), (2, "token"));
    // Once chained, the row is as immutable as any other.
    assert!(
        f.store
            .execute_for_tests("UPDATE audit_events SET detail = 'x' WHERE seq = 2")
            .await
            .is_err()
    );
}

/// Two server processes on one PostgreSQL: two pools appending at once, every append
/// taking the head's row lock, leave one continuous chain.
#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test runs it with BLUEBUTTON_TEST_POSTGRES_URL"]
async fn two_stores_on_one_postgres_append_one_chain() {
    let (f, second) = crate::backends::postgres_twice().await;
    let mut tasks = Vec::new();
    for t in 0..6_i64 {
        let store = if t % 2 == 0 {
            f.store.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            for b in 0..8_i64 {
                let rows: Vec<_> = (0..3).map(|i| event(t * 100 + b * 10 + i)).collect();
                store.insert_audit_events(&rows).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(assert_chain_sound(&f.store).await.len(), 6 * 8 * 3);
    assert_eq!(
        second.audit_head().await.unwrap(),
        f.store.audit_head().await.unwrap()
    );
    second.close().await;
}
