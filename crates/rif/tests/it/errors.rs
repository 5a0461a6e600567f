//! Errors carry `FILE:LINE` (and the column when one is at fault), and reading goes on
//! after them; headers are recognised by column name with `\r\n` line ends, in any order.

use super::*;
use bb_claims::model::AnyClaim;
use bb_rif::{Dml, ErrorKind, HeaderError, detect};

fn text_of(folder: &str, file: &str) -> String {
    std::fs::read_to_string(reference(folder).join(file)).unwrap()
}

fn read(file: &str, text: &str) -> Results {
    read_bytes(file, text.as_bytes(), ExtraFields::Reject)
        .unwrap_or_else(|e| panic!("{e}"))
        .1
}

fn errors(results: &Results) -> Vec<String> {
    results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(ToString::to_string)
        .collect()
}

fn oks(results: &Results) -> Vec<(u64, Item)> {
    results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .cloned()
        .collect()
}

/// Sets field `column` (by header name) of 1-based line `line` to `value`.
fn edit(text: &str, line: usize, column: &str, value: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let index = lines[0].split('|').position(|c| c == column).unwrap();
    let mut fields: Vec<&str> = lines[line - 1].split('|').collect();
    fields[index] = value;
    lines[line - 1] = fields.join("|");
    lines.join("\n") + "\n"
}

/// Inserts a stray `|` after the `after`-th `|` of line `line`.
fn shift(text: &str, line: usize, after: usize) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let target = &lines[line - 1];
    let at = target.match_indices('|').nth(after - 1).unwrap().0;
    lines[line - 1] = format!("{}|{}", &target[..at], &target[at..]);
    lines.join("\n") + "\n"
}

#[test]
fn a_shifted_column_fails_at_its_line_and_the_claim_is_one_error() {
    let text = text_of("static-samples", "sample-a-bcarrier-multiple-lines.txt");
    // Line 5 is the 4th of the claim's 7 rows; a stray `|` in the middle of it.
    let results = read("shifted.txt", &shift(&text, 5, 60));
    assert_eq!(
        errors(&results),
        vec!["shifted.txt:5: row has 101 fields, header has 100 (a shifted column?)"]
    );
    assert_eq!(
        results.len(),
        1,
        "the claim's other rows are not a claim of their own"
    );
    let Err(e) = &results[0] else {
        panic!("expected an error")
    };
    assert_eq!(
        (e.kind, e.line, e.column.as_deref()),
        (ErrorKind::FieldCount, 5, None)
    );
}

#[test]
fn a_bad_claim_among_good_ones_is_reported_and_the_others_are_read() {
    let text = text_of("synthea-sample", "carrier.csv");
    let good = read("carrier.csv", &text);
    assert!(errors(&good).is_empty());
    let good = oks(&good);
    let (second_line, _) = &good[1];
    let (third_line, _) = &good[2];
    assert!(
        third_line - second_line >= 2,
        "the second claim has several rows"
    );

    // Shift the second row of the second claim: that claim is one error, at that row.
    let bad_line = usize::try_from(second_line + 1).unwrap();
    let results = read("carrier.csv", &shift(&text, bad_line, 50));
    assert_eq!(
        errors(&results),
        vec![format!(
            "carrier.csv:{bad_line}: row has 101 fields, header has 100 (a shifted column?)"
        )]
    );
    let mut expected = good.clone();
    expected.remove(1);
    assert_eq!(oks(&results), expected);
    // The error comes in file order, between the first and third claims.
    assert!(results[1].is_err());

    // The same in the claim's first row.
    let bad_line = usize::try_from(*second_line).unwrap();
    let results = read("carrier.csv", &shift(&text, bad_line, 50));
    assert_eq!(errors(&results).len(), 1);
    assert!(
        errors(&results)[0].starts_with(&format!("carrier.csv:{bad_line}: row has 101 fields"))
    );
    assert_eq!(oks(&results), expected);
}

#[test]
fn a_bad_date_names_its_column() {
    let text = text_of("static-samples", "sample-a-bcarrier.txt");
    let results = read(
        "bad-date.txt",
        &edit(&text, 2, "CLM_FROM_DT", "32-JAN-1999"),
    );
    assert_eq!(
        errors(&results),
        vec![
            "bad-date.txt:2: column CLM_FROM_DT: is not a date (dd-MMM-yyyy or yyyyMMdd; 11 characters)"
        ]
    );
    let Err(e) = &results[0] else {
        panic!("expected an error")
    };
    assert_eq!(
        (e.kind, e.column.as_deref()),
        (ErrorKind::Field, Some("CLM_FROM_DT"))
    );

    // A bad line field in a later row of a claim: the claim fails at that row.
    let text = text_of("static-samples", "sample-a-bcarrier-multiple-lines.txt");
    let results = read(
        "bad-line.txt",
        &edit(&text, 7, "LINE_1ST_EXPNS_DT", "2000-01-01"),
    );
    assert_eq!(results.len(), 1);
    assert!(
        errors(&results)[0].starts_with("bad-line.txt:7: column LINE_1ST_EXPNS_DT: is not a date")
    );
}

#[test]
fn reading_goes_on_after_bad_records() {
    let text = text_of("static-samples", "sample-hicn-mult-bene-beneficiaries.txt");
    let text = edit(&text, 3, "BENE_BIRTH_DT", "yesterday");
    let text = edit(&text, 5, "DML_IND", "MERGE");
    let text = edit(&text, 8, "BENE_ID", "12x");
    let results = read("benes.txt", &text);
    assert_eq!(
        errors(&results),
        vec![
            "benes.txt:3: column BENE_BIRTH_DT: is not a date (dd-MMM-yyyy or yyyyMMdd; 9 characters)",
            "benes.txt:5: column DML_IND: 'MERGE' is not INSERT, UPDATE or DELETE",
            "benes.txt:8: column BENE_ID: is not a whole number (3 characters)",
        ]
    );
    let lines: Vec<u64> = oks(&results).iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![2, 4, 6, 7, 9, 10, 11]);
}

#[test]
fn a_bad_claim_id_is_an_error_for_its_row() {
    let text = text_of("synthea-sample", "carrier.csv");
    let good = oks(&read("carrier.csv", &text));
    let first_of_second = usize::try_from(good[1].0).unwrap();
    let results = read(
        "carrier.csv",
        &edit(&text, first_of_second, "CLM_ID", "ABC"),
    );
    let errs = errors(&results);
    assert_eq!(
        errs[0],
        format!(
            "carrier.csv:{first_of_second}: column CLM_ID: is not a whole number (3 characters)"
        )
    );
    // The first claim is intact. The bad row is an error of its own: nothing ties it to
    // its neighbours, so the claim's other rows (good CLM_ID) make a claim one line short,
    // which the error tells the importer about.
    assert_eq!(errs.len(), 1);
    let read = oks(&results);
    assert_eq!(read[0], good[0]);
    assert_eq!(read[1].0, good[1].0 + 1);
    assert_eq!(
        super::samples::rows(&read[1].1),
        super::samples::rows(&good[1].1) - 1
    );
    assert_eq!(read[2..], good[2..]);
}

#[test]
fn too_few_fields_are_an_error() {
    let text = text_of("static-samples", "sample-a-pde.txt");
    let mut lines: Vec<&str> = text.lines().collect();
    let short = lines[1].rsplitn(4, '|').last().unwrap().to_owned();
    lines[1] = &short;
    let results = read("short.txt", &lines.join("\n"));
    // The row had 42 fields (a trailing `|`); three fewer are two short of the header.
    assert_eq!(
        errors(&results),
        vec!["short.txt:2: row has 39 fields, header has 41"]
    );
}

#[test]
fn crlf_line_ends_blank_lines_and_missing_final_newline_are_tolerated() {
    let text = text_of("static-samples", "sample-a-beneficiaryhistory.txt");
    let expected = oks(&read("h.txt", &text));
    assert_eq!(expected.len(), 5);
    let crlf = text.replace('\n', "\r\n");
    assert_eq!(
        detect(crlf.lines().next().unwrap()),
        Ok(RecordType::BeneficiaryHistory)
    );
    assert_eq!(
        detect(crlf.split('\n').next().unwrap()),
        Ok(RecordType::BeneficiaryHistory)
    );
    let results = read("h.txt", &crlf);
    assert!(errors(&results).is_empty());
    assert_eq!(oks(&results), expected);

    // Blank lines are skipped but counted; no final newline is fine.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(3, "");
    lines.insert(3, "\r");
    let spaced = lines.join("\n") + "\n\n\n";
    let results = oks(&read("h.txt", &spaced));
    let numbers: Vec<u64> = results.iter().map(|(l, _)| *l).collect();
    assert_eq!(numbers, vec![2, 3, 6, 7, 8]);
    let items: Vec<&Item> = results.iter().map(|(_, i)| i).collect();
    assert_eq!(items, expected.iter().map(|(_, i)| i).collect::<Vec<_>>());
    assert_eq!(oks(&read("h.txt", text.trim_end())), expected);
}

#[test]
fn columns_are_mapped_by_name_in_any_order_and_subset() {
    let text = text_of("static-samples", "sample-a-pde.txt");
    let original = oks(&read("pde.txt", &text));
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    let header = &lines[0];
    let row = &lines[1];
    let pd_dt = header.iter().position(|c| *c == "PD_DT").unwrap();
    // Reversed, without DML_IND (so INSERT) and without the nullable PD_DT.
    let keep: Vec<usize> = (1..header.len()).rev().filter(|i| *i != pd_dt).collect();
    let pick = |fields: &Vec<&str>| {
        keep.iter()
            .map(|i| fields[*i])
            .collect::<Vec<_>>()
            .join("|")
    };
    let reordered = format!("{}\n{}\n", pick(header), pick(row));
    let results = read("pde.txt", &reordered);
    assert!(errors(&results).is_empty(), "{:?}", errors(&results));
    let (_, Item::Claim(Dml::Insert, AnyClaim::Pde(event))) = &oks(&results)[0] else {
        panic!("not a Part D event")
    };
    let (_, Item::Claim(_, AnyClaim::Pde(original))) = &original[0] else {
        panic!("not a Part D event")
    };
    assert!(original.pd_dt.is_some());
    let mut expected = original.clone();
    expected.pd_dt = None;
    assert_eq!(event, &expected);
}

#[test]
fn header_problems_are_errors_at_line_one() {
    let not_rif = RifReader::new("export_summary.csv", &b"BENE_ID,CARRIER_CLAIMS\n-1,2\n"[..])
        .err()
        .unwrap();
    assert_eq!(not_rif.kind, ErrorKind::NotRif);
    assert_eq!(
        not_rif.to_string(),
        "export_summary.csv:1: not a RIF file: header matches no layout"
    );

    let empty = RifReader::new("empty.txt", &b""[..]).err().unwrap();
    assert_eq!(
        (empty.kind, empty.to_string().as_str()),
        (ErrorKind::Empty, "empty.txt:1: empty file: no header row")
    );
    assert_eq!(
        RifReader::new("blank.txt", &b"\n\r\n"[..])
            .err()
            .unwrap()
            .kind,
        ErrorKind::Empty
    );

    let text =
        text_of("static-samples", "sample-a-bcarrier.txt").replacen("CARR_NUM", "CARR_NUMBER", 1);
    let unknown = RifReader::new("c.txt", text.as_bytes()).err().unwrap();
    assert_eq!(unknown.kind, ErrorKind::Header);
    assert_eq!(
        unknown.to_string(),
        "c.txt:1: header has columns unknown to the carrier layout: CARR_NUMBER"
    );

    let binary = RifReader::new("x.zip", &b"PK\x03\x04\xff\xfe\n"[..])
        .err()
        .unwrap();
    assert!(binary.is_not_rif());

    // A header alone is a file with no records.
    let header_only = text_of("static-samples", "sample-a-pde.txt")
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(read("p.txt", &header_only).is_empty());
    assert_eq!(detect(&header_only), Ok(RecordType::Pde));
    assert_eq!(detect("BENE_ID,CARRIER_CLAIMS"), Err(HeaderError::NotRif));
}

#[test]
fn a_line_that_is_not_utf8_is_an_error_and_reading_goes_on() {
    let text = text_of("static-samples", "sample-a-beneficiaryhistory.txt");
    let mut bytes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        bytes.extend_from_slice(line.as_bytes());
        if i == 2 {
            bytes.extend_from_slice(b"\xff");
        }
        bytes.push(b'\n');
    }
    let (_, results) = read_bytes("h.txt", &bytes, ExtraFields::Reject).unwrap();
    assert_eq!(errors(&results), vec!["h.txt:3: line is not valid UTF-8"]);
    assert_eq!(oks(&results).len(), 4);
}

#[test]
fn a_claim_id_seen_again_later_is_a_new_record() {
    let text = text_of("static-samples", "sample-a-bcarrier-multiple-lines.txt");
    let mut lines: Vec<&str> = text.lines().collect();
    let other = edit(&text, 3, "CLM_ID", "42");
    let other_row = other.lines().nth(2).unwrap().to_owned();
    lines[2] = &other_row; // line 3 now belongs to claim 42
    let results = oks(&read("c.txt", &lines.join("\n")));
    let summary: Vec<(u64, i64, usize)> = results
        .iter()
        .map(|(l, i)| (*l, claim_id(i), super::samples::rows(i)))
        .collect();
    assert_eq!(
        summary,
        vec![(2, 9_991_831_999, 1), (3, 42, 1), (4, 9_991_831_999, 5)]
    );
}

fn claim_id(item: &Item) -> i64 {
    match item {
        Item::Claim(_, c) => c.key().claim_id,
        _ => 0,
    }
}

#[test]
fn extra_empty_fields_are_ignored_and_extra_values_can_be() {
    // BFD's dme, hha, hospice, inpatient, outpatient, pde and snf samples end their data
    // rows with a `|` the header lacks.
    let text = text_of("static-samples", "sample-a-dme.txt");
    assert!(text.lines().nth(1).unwrap().ends_with('|'));
    assert!(errors(&read("d.txt", &text)).is_empty());
    let extra = text.replace("|\n", "||x\n");
    assert_eq!(
        errors(&read("d.txt", &extra)),
        vec!["d.txt:2: row has 97 fields, header has 95 (a shifted column?)"]
    );
    let (_, results) = read_bytes("d.txt", extra.as_bytes(), ExtraFields::Ignore).unwrap();
    assert_eq!(oks(&results), oks(&read("d.txt", &text)));
}

#[test]
fn an_overlong_line_is_an_error_and_reading_goes_on() {
    let text = text_of("static-samples", "sample-a-beneficiaryhistory.txt");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let long = "x".repeat(usize::try_from(bb_rif::MAX_LINE).unwrap() + 10);
    lines.insert(2, long.clone());
    let results = read("h.txt", &lines.join("\n"));
    assert_eq!(
        errors(&results),
        vec![format!(
            "h.txt:3: line is longer than {} bytes",
            bb_rif::MAX_LINE
        )]
    );
    let numbers: Vec<u64> = oks(&results).iter().map(|(l, _)| *l).collect();
    assert_eq!(numbers, vec![2, 4, 5, 6, 7]);

    // A file whose first line is that long is not RIF.
    let e = RifReader::new("big.bin", long.as_bytes()).err().unwrap();
    assert!(e.is_not_rif(), "{e}");
}
