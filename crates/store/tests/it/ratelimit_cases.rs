//! Contract cases of the shared rate-limit counters: a batched upsert adds deltas and
//! returns every row's new total (the sum of all processes), windows and kinds stay apart,
//! large batches span several statements, ended windows are purged — the same on every
//! backend; and two stores on one PostgreSQL (two replicas) flushing the same keys at once
//! sum without losing a request or deadlocking.

use crate::backends::Fixture;
use bb_store::{RateCountRow, RateCountTotal};

fn row(kind: &str, key: u8, window_start: i64, n: i64) -> RateCountRow {
    RateCountRow {
        kind: kind.into(),
        key: vec![key; 16],
        window_start,
        window_end: window_start + 60,
        n,
    }
}

fn total_of(totals: &[RateCountTotal], kind: &str, key: u8, window_start: i64) -> Option<i64> {
    totals
        .iter()
        .find(|t| t.kind == kind && t.key == vec![key; 16] && t.window_start == window_start)
        .map(|t| t.n)
}

pub async fn rate_counts_add_up_and_return_totals(f: Fixture) {
    let s = &f.store;
    assert!(s.add_rate_counts(&[]).await.unwrap().is_empty());
    let first = s
        .add_rate_counts(&[row("token", 1, 600, 5), row("ip", 1, 600, 2)])
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(total_of(&first, "token", 1, 600), Some(5));
    assert_eq!(total_of(&first, "ip", 1, 600), Some(2));
    // Another flush (or another replica) adds to the same counter and learns the total;
    // another window and another key stay apart.
    let second = s
        .add_rate_counts(&[
            row("token", 1, 600, 3),
            row("token", 1, 660, 1),
            row("token", 2, 600, 7),
        ])
        .await
        .unwrap();
    assert_eq!(total_of(&second, "token", 1, 600), Some(8));
    assert_eq!(total_of(&second, "token", 1, 660), Some(1));
    assert_eq!(total_of(&second, "token", 2, 600), Some(7));
    assert_eq!(s.rate_count("token", &[1; 16], 600).await.unwrap(), 8);
    assert_eq!(s.rate_count("ip", &[1; 16], 600).await.unwrap(), 2);
    assert_eq!(s.rate_count("app", &[1; 16], 600).await.unwrap(), 0);

    // A batch larger than one statement: every row lands and comes back.
    let many: Vec<RateCountRow> = (0..2500_i64)
        .map(|i| RateCountRow {
            kind: "ip".into(),
            key: i.to_be_bytes().to_vec(),
            window_start: 600,
            window_end: 660,
            n: i % 3 + 1,
        })
        .collect();
    let totals = s.add_rate_counts(&many).await.unwrap();
    assert_eq!(totals.len(), 2500);
    assert!(
        totals
            .iter()
            .all(|t| t.n == i64::from_be_bytes(t.key.clone().try_into().unwrap()) % 3 + 1)
    );

    // Windows that ended before `now` go; the current ones stay.
    let purged = s.purge_rate_counts(661).await.unwrap();
    assert_eq!(purged, 2 + 1 + 2500);
    assert_eq!(s.rate_count("token", &[1; 16], 600).await.unwrap(), 0);
    assert_eq!(s.rate_count("token", &[1; 16], 660).await.unwrap(), 1);
    assert_eq!(s.purge_rate_counts(661).await.unwrap(), 0);
}

/// Two stores (two replicas' pools) on one PostgreSQL flush overlapping counters at once,
/// in opposite orders: every request is counted once, and the last totals each store sees
/// are the sums of both.
#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test runs it with BLUEBUTTON_TEST_POSTGRES_URL"]
async fn two_stores_on_one_postgres_share_rate_counts() {
    let (f, second) = crate::backends::postgres_twice().await;
    let mut tasks = Vec::new();
    for t in 0..8_u8 {
        let store = if t % 2 == 0 {
            f.store.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            for _ in 0..20 {
                let mut rows: Vec<RateCountRow> = (0..10_u8).map(|k| row("app", k, 0, 1)).collect();
                if t % 2 == 1 {
                    rows.reverse();
                }
                store.add_rate_counts(&rows).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    for k in 0..10_u8 {
        assert_eq!(
            f.store.rate_count("app", &[k; 16], 0).await.unwrap(),
            8 * 20
        );
        assert_eq!(second.rate_count("app", &[k; 16], 0).await.unwrap(), 8 * 20);
    }
    second.close().await;
}
