//! Every file of both reference folders reads, with the record and row counts the files
//! hold; Synthea's claim counts match its `export_summary.csv`.

use super::*;
use bb_claims::model::AnyClaim;
use bb_claims::{Claim, Decimal};
use bb_rif::{Dml, ErrorKind};
use std::collections::BTreeMap;

/// Rows a record came from (a claim: one per line; anything else: one).
pub fn rows(item: &Item) -> usize {
    match item {
        Item::Claim(_, claim) => match claim {
            AnyClaim::Carrier(c) => c.lines().len(),
            AnyClaim::Dme(c) => c.lines().len(),
            AnyClaim::Hha(c) => c.lines().len(),
            AnyClaim::Hospice(c) => c.lines().len(),
            AnyClaim::Inpatient(c) => c.lines().len(),
            AnyClaim::Outpatient(c) => c.lines().len(),
            AnyClaim::Snf(c) => c.lines().len(),
            AnyClaim::Pde(_) => 1,
        },
        _ => 1,
    }
}

/// Reads a file that must have no bad record.
fn read_ok(path: &Path, extra: ExtraFields) -> (RecordType, Vec<(u64, Item)>) {
    let (record, results) = read_path(path, extra).unwrap_or_else(|e| panic!("{e}"));
    let items = results
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    (record, items)
}

/// Reads a file, splitting good records from errors.
fn read_split(path: &Path) -> (RecordType, Vec<(u64, Item)>, Vec<RifError>) {
    let (record, results) = read_path(path, ExtraFields::Reject).unwrap_or_else(|e| panic!("{e}"));
    let (ok, bad): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    (
        record,
        ok.into_iter().map(Result::unwrap).collect(),
        bad.into_iter().map(|r| r.unwrap_err()).collect(),
    )
}

#[test]
fn every_static_sample_reads_with_its_record_counts() {
    use RecordType::*;
    // file, type, records, rows, DML of every record, line of the first record
    let expected: &[(&str, RecordType, usize, usize, Dml)] = &[
        (
            "sample-a-bcarrier-multiple-lines.txt",
            Carrier,
            1,
            7,
            Dml::Insert,
        ),
        ("sample-a-bcarrier.txt", Carrier, 1, 1, Dml::Insert),
        (
            "sample-a-beneficiaries-with-backslash.txt",
            Beneficiary,
            1,
            1,
            Dml::Insert,
        ),
        (
            "sample-a-beneficiaries-without-reference-year.txt",
            Beneficiary,
            1,
            1,
            Dml::Insert,
        ),
        ("sample-a-beneficiaries.txt", Beneficiary, 1, 1, Dml::Insert),
        (
            "sample-a-beneficiaryhistory.txt",
            BeneficiaryHistory,
            5,
            5,
            Dml::Insert,
        ),
        ("sample-a-dme.txt", Dme, 1, 1, Dml::Insert),
        ("sample-a-hha.txt", Hha, 1, 1, Dml::Insert),
        ("sample-a-hospice.txt", Hospice, 1, 1, Dml::Insert),
        (
            "sample-a-inpatient-with-four-character-drg-code.txt",
            Inpatient,
            1,
            1,
            Dml::Insert,
        ),
        ("sample-a-inpatient.txt", Inpatient, 1, 1, Dml::Insert),
        (
            "sample-a-multiple-entries-same-bene.txt",
            Beneficiary,
            6,
            6,
            Dml::Update,
        ),
        ("sample-a-outpatient.txt", Outpatient, 1, 1, Dml::Insert),
        ("sample-a-pde.txt", Pde, 1, 1, Dml::Insert),
        (
            "sample-a-snf-with-four-character-drg-code.txt",
            Snf,
            1,
            1,
            Dml::Insert,
        ),
        ("sample-a-snf.txt", Snf, 1, 1, Dml::Insert),
        (
            "sample-hicn-mult-bene-beneficiaries.txt",
            Beneficiary,
            10,
            10,
            Dml::Insert,
        ),
        (
            "sample-hicn-mult-bene-beneficiaryhistory.txt",
            BeneficiaryHistory,
            6,
            6,
            Dml::Insert,
        ),
        ("sample-u-bcarrier.txt", Carrier, 1, 1, Dml::Update),
        ("sample-u-beneficiaries.txt", Beneficiary, 1, 1, Dml::Update),
        (
            "sample-u-unchanged-beneficiaries.txt",
            Beneficiary,
            1,
            1,
            Dml::Update,
        ),
        ("sample-u-with-8-months.txt", Beneficiary, 1, 1, Dml::Update),
        ("sample-u-with-9-months.txt", Beneficiary, 1, 1, Dml::Update),
    ];
    let paths = files("static-samples");
    assert_eq!(
        paths.len(),
        expected.len(),
        "a sample file was added or removed"
    );
    for (path, (file, record, records, rows_total, dml)) in paths.iter().zip(expected) {
        assert_eq!(&name(path), file);
        // sample-u-bcarrier.txt has an extra value past the last column (see
        // `sample_u_bcarrier_has_a_value_past_the_header`): read it as BFD does.
        let extra = if *file == "sample-u-bcarrier.txt" {
            ExtraFields::Ignore
        } else {
            ExtraFields::Reject
        };
        let (got_record, items) = read_ok(path, extra);
        assert_eq!(got_record, *record, "{file}");
        assert_eq!(items.len(), *records, "{file}");
        assert_eq!(
            items.iter().map(|(_, i)| rows(i)).sum::<usize>(),
            *rows_total,
            "{file}"
        );
        assert!(
            items
                .iter()
                .all(|(_, i)| i.dml() == *dml && i.record_type() == *record),
            "{file}"
        );
        // One row per record here, so records start on lines 2, 3, …
        if records == rows_total {
            let lines: Vec<u64> = items.iter().map(|(l, _)| *l).collect();
            assert_eq!(
                lines,
                (2..2 + *records as u64).collect::<Vec<_>>(),
                "{file}"
            );
        }
    }
}

#[test]
fn sample_u_bcarrier_has_a_value_past_the_header() {
    // Its data row has 101 fields for a 100-column header, the last being `0000000000`:
    // by default that is refused like a shifted column; BFD ignores it.
    let path = reference("static-samples").join("sample-u-bcarrier.txt");
    let (_, ok, bad) = read_split(&path);
    assert!(ok.is_empty());
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].kind, ErrorKind::FieldCount);
    assert_eq!(
        bad[0].to_string(),
        "sample-u-bcarrier.txt:2: row has 101 fields, header has 100 (a shifted column?)"
    );
}

#[test]
fn edge_case_samples_keep_their_values() {
    let dir = reference("static-samples");

    let (_, items) = read_ok(
        &dir.join("sample-a-bcarrier-multiple-lines.txt"),
        ExtraFields::Reject,
    );
    let Item::Claim(_, AnyClaim::Carrier(claim)) = &items[0].1 else {
        panic!("not a carrier claim")
    };
    assert_eq!(claim.clm_id, 9_991_831_999);
    let numbers: Vec<i64> = claim.lines.iter().map(|l| l.line_num).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(items[0].0, 2);

    // A backslash is an ordinary character (BFD's escape-less CSV format).
    let (_, items) = read_ok(
        &dir.join("sample-a-beneficiaries-with-backslash.txt"),
        ExtraFields::Reject,
    );
    let Item::Beneficiary(_, bene) = &items[0].1 else {
        panic!("not a beneficiary")
    };
    assert_eq!(bene.drvd_line_4_adr.as_deref(), Some("DAEJEON SI 34867\\"));

    // An empty RFRNC_YR takes the layout's default, 0.
    let (_, items) = read_ok(
        &dir.join("sample-a-beneficiaries-without-reference-year.txt"),
        ExtraFields::Reject,
    );
    let Item::Beneficiary(_, bene) = &items[0].1 else {
        panic!("not a beneficiary")
    };
    assert_eq!(bene.rfrnc_yr, Decimal { units: 0, scale: 0 });

    // Several rows for one beneficiary are several records.
    let (_, items) = read_ok(
        &dir.join("sample-a-multiple-entries-same-bene.txt"),
        ExtraFields::Reject,
    );
    assert!(items.iter().all(|(_, i)| i.bene_id() == 567_834));
    let years: Vec<i64> = items
        .iter()
        .map(|(_, i)| match i {
            Item::Beneficiary(_, b) => b.rfrnc_yr.units,
            _ => 0,
        })
        .collect();
    assert_eq!(years, vec![1990, 2000, 2001, 2003, 2019, 2022]);
}

#[test]
fn every_synthea_file_reads_and_claim_counts_match_the_export_summary() {
    let mut counted: BTreeMap<(i64, RecordType), usize> = BTreeMap::new();
    let mut rows_by_type: BTreeMap<RecordType, usize> = BTreeMap::new();
    let mut seen = 0;
    for path in files("synthea-sample") {
        let file = name(&path);
        if file == "export_summary.csv" {
            let e =
                read_path(&path, ExtraFields::Reject).expect_err("export_summary.csv is not RIF");
            assert!(e.is_not_rif());
            assert_eq!(
                e.to_string(),
                "export_summary.csv:1: not a RIF file: header matches no layout"
            );
            continue;
        }
        seen += 1;
        let (record, items, errors) = read_split(&path);
        // Beneficiary -1000018 has an empty BENE_ZIP_CD (non-null text): read as "".
        let unexpected: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(unexpected.is_empty(), "{unexpected:#?}");
        if file.starts_with("beneficiary_2") {
            assert_eq!(record, RecordType::Beneficiary);
            assert_eq!(items.len() + errors.len(), 3, "{file}");
        }
        for (_, item) in &items {
            if let Item::Claim(..) = item {
                *counted.entry((item.bene_id(), record)).or_default() += 1;
            }
            *rows_by_type.entry(record).or_default() += rows(item);
        }
    }
    assert_eq!(seen, 20);

    // export_summary.csv: BENE_ID,CARRIER_CLAIMS,DME_CLAIMS,HHA_CLAIMS,HOSPICE_CLAIMS,
    // INPATIENT_CLAIMS,OUTPATIENT_CLAIMS,PDE_CLAIMS,SNF_CLAIMS
    use RecordType::*;
    let columns = [Carrier, Dme, Hha, Hospice, Inpatient, Outpatient, Pde, Snf];
    let summary =
        std::fs::read_to_string(reference("synthea-sample").join("export_summary.csv")).unwrap();
    let mut expected: BTreeMap<(i64, RecordType), usize> = BTreeMap::new();
    for line in summary.lines().skip(1).filter(|l| !l.is_empty()) {
        let mut fields = line.split(',');
        let bene: i64 = fields.next().unwrap().parse().unwrap();
        for (record, n) in columns.iter().zip(fields) {
            let n: usize = n.parse().unwrap();
            if n > 0 {
                expected.insert((bene, *record), n);
            }
        }
    }
    assert_eq!(expected.len(), 13);
    assert_eq!(counted, expected);

    // Rows: every data row of the claim files is in exactly one claim; 3 histories;
    // 11 years × 3 beneficiaries.
    let expected_rows = BTreeMap::from([
        (Beneficiary, 33),
        (BeneficiaryHistory, 3),
        (Carrier, 221),
        (Dme, 1),
        (Hha, 15),
        (Hospice, 8),
        (Inpatient, 16),
        (Outpatient, 19),
        (Pde, 18),
        (Snf, 67),
    ]);
    assert_eq!(rows_by_type, expected_rows);
}
