//! The importer's DML_IND handling on BFD's own update sample: INSERT, then UPDATE replaces
//! the claim with the new values, DELETE removes it, and deleting what is gone is no error.

use crate::golden::sample_a;
use bb_claims::RecordType;
use bb_claims::model::AnyClaim;
use std::path::Path;

fn sample(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/reference/rif/static-samples")
            .join(name),
    )
    .unwrap()
}

#[tokio::test]
async fn update_replaces_and_delete_removes() {
    let s = sample_a().await;
    let (before, _) = s.claim(RecordType::Carrier).await;
    let AnyClaim::Carrier(before) = before else {
        panic!("carrier")
    };
    assert_eq!(before.final_action, 'F');

    // BFD's sample-u-bcarrier.txt: UPDATE of the same claim with new values.
    let summary = s
        .services
        .claims
        .import_file(
            "sample-u-bcarrier.txt",
            std::io::Cursor::new(sample("sample-u-bcarrier.txt")),
        )
        .await
        .unwrap();
    assert_eq!((summary.records, summary.deleted), (1, 0));
    let (after, _) = s.claim(RecordType::Carrier).await;
    let AnyClaim::Carrier(after) = after else {
        panic!("carrier")
    };
    assert_eq!(after.final_action, 'N');
    assert_eq!(
        after.clm_thru_dt,
        chrono::NaiveDate::from_ymd_opt(2000, 10, 27).unwrap()
    );
    assert_eq!(
        after.prncpal_dgns_cd.as_ref().map(|c| c.as_str()),
        Some("H5555")
    );
    assert_eq!(
        s.store.claims_of(crate::golden::BENE).await.unwrap().len(),
        8
    );

    // The same row as DELETE removes the claim; a second DELETE finds nothing and is fine.
    let delete = sample("sample-u-bcarrier.txt").replacen("\nUPDATE|", "\nDELETE|", 1);
    for _ in 0..2 {
        let summary = s
            .services
            .claims
            .import_file("delete.txt", std::io::Cursor::new(delete.clone()))
            .await
            .unwrap();
        assert_eq!((summary.records, summary.deleted), (0, 1));
    }
    let left = s.store.claims_of(crate::golden::BENE).await.unwrap();
    assert_eq!(left.len(), 7);
    assert!(left.iter().all(|r| r.claim_type != 1));
}
