//! What the writer writes reads back to equal items, for every record of every reference
//! file; and the writer refuses what RIF cannot hold.

use super::*;
use bb_claims::model::AnyClaim;
use bb_rif::{Dml, RifWriter};

fn write_all(record: RecordType, items: &[Item]) -> Vec<u8> {
    let mut writer = RifWriter::new(record, Vec::new()).unwrap();
    for item in items {
        writer.write(item).unwrap_or_else(|e| panic!("{e}"));
    }
    writer.finish().unwrap()
}

#[test]
fn every_reference_record_round_trips_through_the_writer() {
    let mut checked = 0;
    for folder in ["static-samples", "synthea-sample"] {
        for path in files(folder) {
            if name(&path) == "export_summary.csv" {
                continue;
            }
            // Known refusals (see samples.rs) are left out; everything else must read.
            let (record, results) = read_path(&path, ExtraFields::Ignore).unwrap();
            let items: Vec<Item> = results
                .into_iter()
                .filter_map(Result::ok)
                .map(|(_, i)| i)
                .collect();
            assert!(!items.is_empty(), "{}", name(&path));

            let bytes = write_all(record, &items);
            let (again_record, again) =
                read_bytes("written.txt", &bytes, ExtraFields::Reject).unwrap();
            assert_eq!(again_record, record);
            let again: Vec<Item> = again
                .into_iter()
                .map(|r| r.unwrap_or_else(|e| panic!("{e}")).1)
                .collect();
            assert_eq!(again, items, "{}", name(&path));

            // Writing what was read back gives the same bytes.
            assert_eq!(write_all(record, &again), bytes, "{}", name(&path));
            checked += items.len();
        }
    }
    assert!(checked > 150, "{checked}");
}

#[test]
fn the_writer_writes_bfds_header_and_one_row_per_line() {
    let path = reference("static-samples").join("sample-a-bcarrier-multiple-lines.txt");
    let (_, results) = read_path(&path, ExtraFields::Reject).unwrap();
    let items: Vec<Item> = results.into_iter().map(|r| r.unwrap().1).collect();
    let written = String::from_utf8(write_all(RecordType::Carrier, &items)).unwrap();
    let original = std::fs::read_to_string(&path).unwrap();
    // The header is BFD's, column for column.
    assert_eq!(written.lines().next(), original.lines().next());
    assert_eq!(written.lines().count(), 8);
    assert!(written.lines().all(|l| l.split('|').count() == 100));
    assert!(written.ends_with('\n'));
}

#[test]
fn the_writer_refuses_what_rif_cannot_hold() {
    let path = reference("static-samples").join("sample-a-bcarrier.txt");
    let (_, results) = read_path(&path, ExtraFields::Reject).unwrap();
    let item = results.into_iter().next().unwrap().unwrap().1;

    let mut writer = RifWriter::new(RecordType::Dme, Vec::new()).unwrap();
    let e = writer.write(&item).unwrap_err();
    assert_eq!(e.to_string(), "cannot write a carrier record to a dme file");

    let Item::Claim(dml, AnyClaim::Carrier(claim)) = &item else {
        panic!("not a carrier claim")
    };
    let mut piped = claim.clone();
    piped.carr_num = "12|34".into();
    let mut writer = RifWriter::new(RecordType::Carrier, Vec::new()).unwrap();
    let e = writer
        .write(&Item::Claim(*dml, AnyClaim::Carrier(piped)))
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("column CARR_NUM: value \"12|34\""),
        "{e}"
    );

    let mut bare = claim.clone();
    bare.lines.clear();
    let e = writer
        .write(&Item::Claim(Dml::Delete, AnyClaim::Carrier(bare)))
        .unwrap_err();
    assert!(e.to_string().contains("has no lines"), "{e}");
    // Nothing but the header was written.
    assert_eq!(
        writer
            .finish()
            .unwrap()
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
        1
    );
}
