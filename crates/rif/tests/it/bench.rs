//! Reader throughput on a synthetic carrier file made by the writer (200,000 line rows).
//! Run: `cargo test -p bb-rif --release -- --ignored --nocapture bench`.

use super::*;
use bb_claims::model::AnyClaim;
use bb_rif::RifWriter;
use std::time::Instant;

const ROWS: usize = 200_000;

/// A carrier file of about `ROWS` rows: BFD's 7-line sample claim with new ids.
fn synthetic_carrier() -> Vec<u8> {
    let path = reference("static-samples").join("sample-a-bcarrier-multiple-lines.txt");
    let (_, results) = read_path(&path, ExtraFields::Reject).unwrap();
    let Item::Claim(dml, AnyClaim::Carrier(template)) =
        results.into_iter().next().unwrap().unwrap().1
    else {
        panic!("not a carrier claim")
    };
    let per_claim = template.lines.len();
    let mut writer = RifWriter::new(RecordType::Carrier, Vec::with_capacity(ROWS * 1_800)).unwrap();
    for n in 0..ROWS / per_claim {
        let mut claim = template.clone();
        let n = i64::try_from(n).unwrap();
        claim.clm_id = -10_000_000 - n;
        claim.bene_id = -1_000_000 - n / 5;
        writer
            .write(&Item::Claim(dml, AnyClaim::Carrier(claim)))
            .unwrap();
    }
    writer.finish().unwrap()
}

#[test]
#[ignore = "benchmark: run in release mode with --ignored --nocapture"]
fn bench_reader_rows_per_second() {
    let bytes = synthetic_carrier();
    let rows = bytes.iter().filter(|b| **b == b'\n').count() - 1;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let reader = RifReader::new("bench.txt", &bytes[..]).unwrap();
        let mut claims = 0;
        let mut lines = 0;
        for result in reader {
            let (_, item) = result.unwrap();
            claims += 1;
            lines += super::samples::rows(&item);
        }
        let seconds = start.elapsed().as_secs_f64();
        assert_eq!(lines, rows);
        assert_eq!(claims, rows / 7);
        best = best.min(seconds);
    }
    println!(
        "bench reader: {rows} carrier rows ({:.1} MB) in {:.3} s: {:.0} rows/s, {:.1} MB/s",
        bytes.len() as f64 / 1e6,
        best,
        rows as f64 / best,
        bytes.len() as f64 / 1e6 / best
    );
}
