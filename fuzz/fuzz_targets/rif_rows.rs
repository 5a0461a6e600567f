//! The streaming RIF reader (`bb_rif::RifReader`) over arbitrary bytes, and the writer's
//! round trip.
//!
//! The first input byte chooses the mode: below 10 a record type whose full header row
//! (as the writer writes it) is put before the rest of the input, so that the fuzzer works
//! on rows; otherwise the rest is a whole file, header row included. Bit 7 reads with
//! `ExtraFields::Ignore`. Properties: reading never panics and ends; every error is at a
//! line of the input, with a column only for field errors; a file read without any error
//! is written back by `RifWriter` and reads back to the same items; every record's compact
//! binary form (what the store keeps) decodes to the same record.

#![no_main]

use bb_claims::Record;
use bb_claims::model::AnyClaim;
use bb_rif::{ErrorKind, ExtraFields, Item, RecordType, RifReader, RifWriter};
use libfuzzer_sys::fuzz_target;

const TYPES: [RecordType; 10] = [
    RecordType::Beneficiary,
    RecordType::BeneficiaryHistory,
    RecordType::Carrier,
    RecordType::Dme,
    RecordType::Hha,
    RecordType::Hospice,
    RecordType::Inpatient,
    RecordType::Outpatient,
    RecordType::Snf,
    RecordType::Pde,
];

/// Every record of a file: the items, and whether any error was met.
fn read_all(file: &[u8], extra: ExtraFields) -> Option<(RecordType, Vec<Item>, bool)> {
    let lines = file.split(|b| *b == b'\n').count() as u64;
    let reader = match RifReader::new("fuzz.txt", file) {
        Ok(reader) => reader.extra_fields(extra),
        Err(e) => {
            assert!(e.line >= 1 && e.line <= lines.max(1), "{e}");
            assert_ne!(e.kind, ErrorKind::Field, "{e}");
            return None;
        }
    };
    let record = reader.record_type();
    let mut items = Vec::new();
    let mut errors = false;
    let mut last_line = 1;
    for result in reader {
        match result {
            Ok((line, item)) => {
                assert!(
                    line > 1 && line <= lines,
                    "record at line {line} of {lines}"
                );
                assert_eq!(item.record_type(), record);
                last_line = line;
                items.push(item);
            }
            Err(e) => {
                assert!(e.line > 1 && e.line <= lines, "{e} (of {lines} lines)");
                assert_eq!(e.column.is_some(), e.kind == ErrorKind::Field, "{e}");
                assert_ne!(e.kind, ErrorKind::Io, "{e}");
                errors = true;
            }
        }
    }
    let _ = last_line;
    Some((record, items, errors))
}

fn binary_round_trip(item: &Item) {
    match item {
        Item::Beneficiary(_, b) => {
            let bytes = b.to_bytes();
            let again = Record::decode(&mut bytes.as_slice());
            assert_eq!(again.as_ref(), Ok(b.as_ref()), "beneficiary binary form");
        }
        Item::BeneficiaryHistory(_, h) => {
            let bytes = h.to_bytes();
            let again = Record::decode(&mut bytes.as_slice());
            assert_eq!(again.as_ref(), Ok(h.as_ref()), "history binary form");
        }
        Item::Claim(_, claim) => {
            let mut bytes = Vec::new();
            claim.encode(&mut bytes);
            let again = AnyClaim::decode(claim.key().record, &bytes);
            assert_eq!(again.as_ref(), Ok(claim), "claim binary form");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let extra = if mode & 0x80 != 0 {
        ExtraFields::Ignore
    } else {
        ExtraFields::Reject
    };
    let file = match TYPES.get(usize::from(mode & 0x7f)) {
        Some(&record) => {
            let Ok(writer) = RifWriter::new(record, Vec::new()) else {
                return;
            };
            let Ok(mut file) = writer.finish() else {
                return;
            };
            file.extend_from_slice(rest);
            file
        }
        None => rest.to_vec(),
    };
    let Some((record, items, errors)) = read_all(&file, extra) else {
        return;
    };
    for item in &items {
        binary_round_trip(item);
    }
    if errors || items.is_empty() {
        return;
    }
    let Ok(mut writer) = RifWriter::new(record, Vec::new()) else {
        return;
    };
    for item in &items {
        if let Err(e) = writer.write(item) {
            // Only a value holding a separator cannot be written; the reader splits on
            // `|` and lines, so what it read has none.
            panic!("writing back a record read without error: {e}");
        }
    }
    let Ok(written) = writer.finish() else {
        return;
    };
    let again = read_all(&written, ExtraFields::Reject);
    let Some((again_record, again_items, again_errors)) = again else {
        panic!(
            "the written file is not read back: {}",
            String::from_utf8_lossy(&written)
        );
    };
    assert_eq!(again_record, record);
    assert!(!again_errors, "the written file reads with errors");
    assert_eq!(again_items, items, "round trip changed the records");
});
