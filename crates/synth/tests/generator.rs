//! The generator's contract: every record converts to RIF rows and back unchanged, the same
//! seed gives the same bytes whatever the call order or thread count, identifiers are valid
//! and unique, money adds up, dates and `last_updated` are in order, the sandbox has the
//! reference's claim-count distribution and type mix, and `BBUser10000` fills every column.
//! `bench_generate` (ignored) measures throughput.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

use bb_claims::model::{AnyClaim, Beneficiary, BeneficiaryHistory};
use bb_claims::{Claim, Decimal, Kind, Level, Mbi, Npi, Record, RecordType};
use bb_synth::{Enrollee, Generator, codes};
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hasher};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn generator(seed: u64, enrollees: u32) -> Generator {
    Generator::new(seed, enrollees, as_of())
}

/// The RIF rows of a claim: one per line (claim columns repeated), one for a claim without
/// lines.
fn claim_rows<C: Claim>(claim: &C) -> Vec<Vec<String>> {
    let width = C::LAYOUT.columns.len();
    let mut header = vec![String::new(); width];
    claim.to_row(&mut header);
    if claim.lines().is_empty() {
        return vec![header];
    }
    claim
        .lines()
        .iter()
        .map(|line| {
            let mut row = header.clone();
            line.to_row(&mut row);
            row
        })
        .collect()
}

fn cells(row: &[String]) -> Vec<&str> {
    row.iter().map(String::as_str).collect()
}

fn claim_from_rows<C: Claim>(rows: &[Vec<String>]) -> C {
    let mut claim =
        C::from_row(&cells(&rows[0])).unwrap_or_else(|e| panic!("{}: {e}", C::LAYOUT.mapping));
    if C::LAYOUT.record != RecordType::Pde {
        for row in rows {
            claim.push_line(
                C::Line::from_row(&cells(row))
                    .unwrap_or_else(|e| panic!("{} line: {e}", C::LAYOUT.mapping)),
            );
        }
    }
    claim
}

fn round_trip<C: Claim + PartialEq + std::fmt::Debug>(claim: &C) -> Vec<Vec<String>> {
    let rows = claim_rows(claim);
    let back: C = claim_from_rows(&rows);
    assert_eq!(
        &back,
        claim,
        "{} claim changed through RIF rows",
        C::LAYOUT.mapping
    );
    rows
}

/// Round-trips a claim through RIF rows (asserting equality) and returns its rows.
fn rows_of(claim: &AnyClaim) -> (RecordType, Vec<Vec<String>>) {
    match claim {
        AnyClaim::Carrier(c) => (RecordType::Carrier, round_trip(c.as_ref())),
        AnyClaim::Dme(c) => (RecordType::Dme, round_trip(c.as_ref())),
        AnyClaim::Hha(c) => (RecordType::Hha, round_trip(c.as_ref())),
        AnyClaim::Hospice(c) => (RecordType::Hospice, round_trip(c.as_ref())),
        AnyClaim::Inpatient(c) => (RecordType::Inpatient, round_trip(c.as_ref())),
        AnyClaim::Outpatient(c) => (RecordType::Outpatient, round_trip(c.as_ref())),
        AnyClaim::Snf(c) => (RecordType::Snf, round_trip(c.as_ref())),
        AnyClaim::Pde(c) => (RecordType::Pde, round_trip(c.as_ref())),
    }
}

fn record_row<R: Record + PartialEq + std::fmt::Debug>(record: &R) -> Vec<String> {
    let mut row = vec![String::new(); R::LAYOUT.columns.len()];
    record.to_row(&mut row);
    let cells: Vec<&str> = row.iter().map(String::as_str).collect();
    let back = R::from_row(&cells).unwrap_or_else(|e| panic!("{}: {e}", R::LAYOUT.mapping));
    assert_eq!(
        &back,
        record,
        "{} changed through its RIF row",
        R::LAYOUT.mapping
    );
    row
}

/// A digest of everything an enrollee is, in bytes.
fn digest(e: &Enrollee) -> u64 {
    let mut h = DefaultHasher::new();
    let mut out = Vec::new();
    out.extend_from_slice(e.username.as_bytes());
    out.extend_from_slice(e.password.as_bytes());
    for b in &e.beneficiaries {
        b.encode(&mut out);
    }
    for b in &e.history {
        b.encode(&mut out);
    }
    for c in &e.claims {
        c.encode(&mut out);
    }
    for t in &e.last_updated {
        out.extend_from_slice(t.to_string().as_bytes());
    }
    h.write(&out);
    h.finish()
}

fn dec(d: Decimal) -> i64 {
    assert_eq!(d.scale, 2, "money has scale 2");
    d.units
}

#[test]
fn every_record_survives_rif_rows() {
    let g = generator(11, 300);
    let mut enrollees: Vec<Enrollee> = (0..300).step_by(3).map(|i| g.enrollee(i)).collect();
    enrollees.push(g.full_enrollee());
    let mut claims = 0;
    for e in &enrollees {
        for b in &e.beneficiaries {
            record_row(b);
        }
        for h in &e.history {
            record_row(h);
        }
        for c in &e.claims {
            rows_of(c);
            let mut bytes = Vec::new();
            c.encode(&mut bytes);
            assert_eq!(&AnyClaim::decode(c.key().record, &bytes).unwrap(), c);
            claims += 1;
        }
    }
    assert!(claims > 5_000, "{claims} claims");
}

#[test]
fn same_seed_same_bytes_in_any_order_and_thread_count() {
    let n = 120;
    let a = generator(5, 1_000);
    let forward: Vec<u64> = (0..n).map(|i| digest(&a.enrollee(i))).collect();
    // A second generator, reverse order.
    let b = generator(5, 1_000);
    let mut backward: Vec<u64> = (0..n).rev().map(|i| digest(&b.enrollee(i))).collect();
    backward.reverse();
    assert_eq!(forward, backward);
    // Two threads taking alternate enrollees.
    let mut threaded = vec![0u64; n as usize];
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..2u32)
            .map(|t| {
                let b = &b;
                s.spawn(move || {
                    (0..n)
                        .filter(|i| i % 2 == t)
                        .map(|i| (i, digest(&b.enrollee(i))))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, d) in h.join().unwrap() {
                threaded[i as usize] = d;
            }
        }
    });
    assert_eq!(forward, threaded);
    assert_eq!(digest(&a.full_enrollee()), digest(&b.full_enrollee()));
}

#[test]
fn different_seeds_differ() {
    let a = generator(1, 100);
    let b = generator(2, 100);
    let same = (0..50)
        .filter(|&i| digest(&a.enrollee(i)) == digest(&b.enrollee(i)))
        .count();
    assert_eq!(same, 0);
    // The enrollee count and the date are inputs too.
    assert_ne!(
        digest(&a.enrollee(3)),
        digest(&Generator::new(1, 100, NaiveDate::from_ymd_opt(2024, 1, 31).unwrap()).enrollee(3))
    );
}

#[test]
fn logins_ids_and_identifiers() {
    let g = generator(3, 20_000);
    let e = g.enrollee(0);
    assert_eq!(
        (e.username.as_str(), e.password.as_str(), e.bene_id),
        ("BBUser00000", "PW00000!", -19_990_000_000_001)
    );
    let e = g.enrollee(12_345);
    assert_eq!(
        (e.username.as_str(), e.password.as_str(), e.bene_id),
        ("BBUser12345", "PW12345!", -19_990_000_012_346)
    );

    let mut mbis = HashSet::new();
    let mut claim_ids = HashSet::new();
    let mut group_ids = HashSet::new();
    let mut npis = HashSet::new();
    let mut npi_cells = 0;
    let mut with_history = 0;
    for i in (0..20_000).step_by(97).chain([10_000]) {
        let e = g.enrollee(i);
        let current: Vec<&Mbi> = e
            .beneficiaries
            .iter()
            .filter_map(|b| b.mbi_num.as_ref())
            .collect();
        assert!(!current.is_empty(), "enrollee {i} has an MBI");
        for b in &e.beneficiaries {
            assert_eq!(b.bene_id, e.bene_id);
            assert!(b.mbi_num.as_ref().unwrap().is_synthetic());
        }
        mbis.insert(current[0].clone());
        with_history += usize::from(!e.history.is_empty());
        for h in &e.history {
            let mbi = h.mbi_num.as_ref().unwrap();
            assert!(mbi.is_synthetic());
            assert!(mbis.insert(mbi.clone()), "historic MBI {mbi} repeats");
            assert!(h.efctv_bgn_dt <= h.efctv_end_dt);
        }
        for c in &e.claims {
            let key = c.key();
            assert_eq!(key.bene_id, e.bene_id);
            assert!(key.claim_id < 0);
            assert!(
                claim_ids.insert(key.claim_id),
                "claim id {} repeats",
                key.claim_id
            );
            let (record, rows) = rows_of(c);
            let layout = bb_claims::Layout::of(record);
            let group = layout.index_of("CLM_GRP_ID").unwrap();
            let group_id: i64 = rows[0][group].parse().unwrap();
            assert!(group_id < 0 && group_ids.insert(group_id));
            for row in &rows {
                for (col, cell) in layout.columns.iter().zip(row) {
                    let is_npi = col.rif.contains("NPI")
                        || (record == RecordType::Pde
                            && matches!(col.rif, "SRVC_PRVDR_ID" | "PRSCRBR_ID"));
                    if is_npi && !cell.is_empty() {
                        let npi = Npi::parse(cell).unwrap();
                        assert!(npi.has_valid_check_digit(), "{} {cell}", col.rif);
                        npis.insert(cell.clone());
                        npi_cells += 1;
                    }
                }
            }
        }
    }
    assert!(
        with_history > 20,
        "{with_history} enrollees with MBI history"
    );
    // A shared provider pool: NPIs recur.
    assert!(
        npis.len() * 4 < npi_cells,
        "{} distinct NPIs in {npi_cells} cells",
        npis.len()
    );
}

/// Sums a line amount over a claim's lines.
macro_rules! sum {
    ($c:expr, $f:ident) => {
        $c.lines.iter().map(|l| dec(l.$f)).sum::<i64>()
    };
}

fn check_money(c: &AnyClaim) {
    match c {
        AnyClaim::Carrier(c) => {
            assert_eq!(
                dec(c.clm_pmt_amt),
                dec(c.nch_clm_prvdr_pmt_amt) + dec(c.nch_clm_bene_pmt_amt)
            );
            assert_eq!(dec(c.clm_pmt_amt), sum!(c, line_nch_pmt_amt));
            assert_eq!(
                dec(c.nch_carr_clm_sbmtd_chrg_amt),
                sum!(c, line_sbmtd_chrg_amt)
            );
            assert_eq!(dec(c.nch_carr_clm_alowd_amt), sum!(c, line_alowd_chrg_amt));
            assert_eq!(
                dec(c.carr_clm_cash_ddctbl_apld_amt),
                sum!(c, line_bene_ptb_ddctbl_amt)
            );
            assert!(dec(c.nch_carr_clm_alowd_amt) <= dec(c.nch_carr_clm_sbmtd_chrg_amt));
            for l in &c.lines {
                assert!(dec(l.line_alowd_chrg_amt) <= dec(l.line_sbmtd_chrg_amt));
                assert_eq!(
                    dec(l.line_nch_pmt_amt),
                    dec(l.line_prvdr_pmt_amt) + dec(l.line_bene_pmt_amt)
                );
                let parts = dec(l.line_nch_pmt_amt)
                    + dec(l.line_bene_ptb_ddctbl_amt)
                    + dec(l.line_coinsrnc_amt);
                assert_eq!(parts, dec(l.line_alowd_chrg_amt));
            }
        }
        AnyClaim::Dme(c) => {
            assert_eq!(
                dec(c.clm_pmt_amt),
                dec(c.nch_clm_prvdr_pmt_amt) + dec(c.nch_clm_bene_pmt_amt)
            );
            assert_eq!(dec(c.clm_pmt_amt), sum!(c, line_nch_pmt_amt));
            assert_eq!(
                dec(c.nch_carr_clm_sbmtd_chrg_amt),
                sum!(c, line_sbmtd_chrg_amt)
            );
            assert_eq!(dec(c.nch_carr_clm_alowd_amt), sum!(c, line_alowd_chrg_amt));
            for l in &c.lines {
                assert!(dec(l.line_alowd_chrg_amt) <= dec(l.line_sbmtd_chrg_amt));
                assert_eq!(
                    dec(l.line_nch_pmt_amt),
                    dec(l.line_prvdr_pmt_amt) + dec(l.line_bene_pmt_amt)
                );
            }
        }
        AnyClaim::Outpatient(c) => {
            assert_eq!(
                dec(c.clm_pmt_amt),
                dec(c.clm_op_prvdr_pmt_amt) + dec(c.clm_op_bene_pmt_amt)
            );
            assert_eq!(dec(c.clm_pmt_amt), sum!(c, rev_cntr_pmt_amt_amt));
            assert_eq!(dec(c.clm_tot_chrg_amt), sum!(c, rev_cntr_tot_chrg_amt));
            assert_eq!(
                dec(c.nch_bene_ptb_ddctbl_amt),
                sum!(c, rev_cntr_cash_ddctbl_amt)
            );
            assert_eq!(
                dec(c.nch_bene_ptb_coinsrnc_amt),
                sum!(c, rev_cntr_coinsrnc_wge_adjstd_c)
            );
            for l in &c.lines {
                assert_eq!(
                    dec(l.rev_cntr_pmt_amt_amt),
                    dec(l.rev_cntr_prvdr_pmt_amt) + dec(l.rev_cntr_bene_pmt_amt)
                );
                assert!(
                    dec(l.rev_cntr_pmt_amt_amt) + dec(l.rev_cntr_ptnt_rspnsblty_pmt)
                        <= dec(l.rev_cntr_tot_chrg_amt)
                );
            }
        }
        AnyClaim::Inpatient(c) => {
            assert_eq!(dec(c.clm_tot_chrg_amt), sum!(c, rev_cntr_tot_chrg_amt));
            assert_eq!(
                dec(c.nch_ip_ncvrd_chrg_amt),
                sum!(c, rev_cntr_ncvrd_chrg_amt)
            );
            assert!(
                dec(c.clm_pmt_amt) + dec(c.nch_ip_tot_ddctn_amt)
                    <= dec(c.clm_tot_chrg_amt) - dec(c.nch_ip_ncvrd_chrg_amt)
            );
            assert_eq!(
                dec(c.nch_ip_tot_ddctn_amt),
                dec(c.nch_bene_ip_ddctbl_amt)
                    + dec(c.nch_bene_pta_coinsrnc_lblty_am)
                    + dec(c.nch_bene_blood_ddctbl_lblty_am)
            );
        }
        AnyClaim::Snf(c) => {
            assert_eq!(dec(c.clm_tot_chrg_amt), sum!(c, rev_cntr_tot_chrg_amt));
            assert_eq!(
                dec(c.nch_ip_ncvrd_chrg_amt),
                sum!(c, rev_cntr_ncvrd_chrg_amt)
            );
            assert!(dec(c.clm_pmt_amt) <= dec(c.clm_tot_chrg_amt) - dec(c.nch_ip_ncvrd_chrg_amt));
            assert_eq!(
                dec(c.nch_ip_tot_ddctn_amt),
                dec(c.nch_bene_ip_ddctbl_amt)
                    + dec(c.nch_bene_pta_coinsrnc_lblty_am)
                    + dec(c.nch_bene_blood_ddctbl_lblty_am)
            );
        }
        AnyClaim::Hha(c) => {
            assert_eq!(dec(c.clm_pmt_amt), sum!(c, rev_cntr_pmt_amt_amt));
            assert_eq!(dec(c.clm_tot_chrg_amt), sum!(c, rev_cntr_tot_chrg_amt));
            assert!(dec(c.clm_pmt_amt) <= dec(c.clm_tot_chrg_amt));
        }
        AnyClaim::Hospice(c) => {
            assert_eq!(dec(c.clm_pmt_amt), sum!(c, rev_cntr_pmt_amt_amt));
            assert_eq!(dec(c.clm_tot_chrg_amt), sum!(c, rev_cntr_tot_chrg_amt));
            assert!(dec(c.clm_pmt_amt) <= dec(c.clm_tot_chrg_amt));
            for l in &c.lines {
                assert_eq!(
                    dec(l.rev_cntr_pmt_amt_amt),
                    dec(l.rev_cntr_prvdr_pmt_amt) + dec(l.rev_cntr_bene_pmt_amt)
                );
            }
        }
        AnyClaim::Pde(e) => {
            let parts = [
                e.ptnt_pay_amt,
                e.othr_troop_amt,
                e.lics_amt,
                e.plro_amt,
                e.cvrd_d_plan_pd_amt,
                e.ncvrd_plan_pd_amt,
            ];
            assert_eq!(
                dec(e.tot_rx_cst_amt),
                parts.into_iter().map(dec).sum::<i64>()
            );
            assert_eq!(
                dec(e.tot_rx_cst_amt),
                dec(e.gdc_blw_oopt_amt) + dec(e.gdc_abv_oopt_amt)
            );
        }
    }
}

#[test]
fn money_adds_up_and_is_never_negative() {
    let g = generator(21, 400);
    for e in (0..400)
        .step_by(2)
        .map(|i| g.enrollee(i))
        .chain([g.full_enrollee()])
    {
        for c in &e.claims {
            check_money(c);
            let (record, rows) = rows_of(c);
            let layout = bb_claims::Layout::of(record);
            for row in &rows {
                for (col, cell) in layout.columns.iter().zip(row) {
                    if matches!(col.kind, Kind::Decimal { .. }) {
                        assert!(
                            !cell.starts_with('-'),
                            "{} {} is {cell}",
                            record.name(),
                            col.rif
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn dates_are_ordered_and_claims_arrive_after_service() {
    let g = generator(8, 500);
    let as_of = g.as_of();
    let cap = as_of.and_hms_opt(0, 0, 0).unwrap();
    for e in (0..500)
        .step_by(5)
        .map(|i| g.enrollee(i))
        .chain([g.full_enrollee()])
    {
        assert_eq!(e.claims.len(), e.last_updated.len());
        let mut previous: Option<(NaiveDate, i64)> = None;
        let mut last: Option<NaiveDateTime> = None;
        for (c, at) in e.claims.iter().zip(&e.last_updated) {
            let key = c.key();
            let (from, thru) = (key.from.unwrap(), key.thru.unwrap());
            assert!(from <= thru && thru <= as_of, "{from} {thru}");
            assert!(at.date() > thru, "arrived {at}, service ended {thru}");
            assert!(*at < cap, "arrived {at} after {as_of}");
            if let Some(l) = last {
                assert!(*at > l, "last_updated not rising: {l} then {at}");
            }
            if let Some(p) = previous {
                assert!(p <= (from, key.claim_id), "claims not sorted");
            }
            last = Some(*at);
            previous = Some((from, key.claim_id));
            // ICD-9 before 2015-10-01, ICD-10 after.
            let (record, rows) = rows_of(c);
            let layout = bb_claims::Layout::of(record);
            let expected = if thru < NaiveDate::from_ymd_opt(2015, 10, 1).unwrap() {
                "9"
            } else {
                "0"
            };
            for row in &rows {
                for (col, cell) in layout.columns.iter().zip(row) {
                    if col.rif.contains("DGNS_VRSN_CD") && !cell.is_empty() {
                        assert_eq!(
                            cell,
                            expected,
                            "{} {} on a claim ending {thru}",
                            record.name(),
                            col.rif
                        );
                    }
                }
            }
        }
        for pair in e.beneficiaries.windows(2) {
            assert!(pair[0].rfrnc_yr.units < pair[1].rfrnc_yr.units);
        }
        let last_year = e.beneficiaries.last().unwrap();
        assert!(last_year.rfrnc_yr.units <= 2025);
    }
}

/// Codes of a column that must come from a code table.
fn check_codes(record: RecordType, rows: &[Vec<String>], known: &BTreeMap<&str, HashSet<&str>>) {
    let layout = bb_claims::Layout::of(record);
    for row in rows {
        for (col, cell) in layout.columns.iter().zip(row) {
            if let Some(table) = known.get(col.rif)
                && !cell.is_empty()
            {
                assert!(
                    table.contains(cell.as_str()),
                    "{} {} = {cell} is not a known code",
                    record.name(),
                    col.rif
                );
            }
        }
    }
}

fn line_count(c: &AnyClaim) -> usize {
    match c {
        AnyClaim::Carrier(c) => c.lines.len(),
        AnyClaim::Dme(c) => c.lines.len(),
        AnyClaim::Hha(c) => c.lines.len(),
        AnyClaim::Hospice(c) => c.lines.len(),
        AnyClaim::Inpatient(c) => c.lines.len(),
        AnyClaim::Outpatient(c) => c.lines.len(),
        AnyClaim::Snf(c) => c.lines.len(),
        AnyClaim::Pde(_) => 0,
    }
}

struct Stats {
    totals: Vec<u64>,
    per_type: BTreeMap<&'static str, (u64, u64)>,
    lines: BTreeMap<&'static str, (u64, u64, u64, u64)>,
    icd9_claims: u64,
}

fn stats(g: &Generator, n: u32) -> Stats {
    let mut known: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    known.insert(
        "REV_CNTR",
        codes::revenue_centers().iter().map(|c| c.code).collect(),
    );
    known.insert(
        "LINE_PLACE_OF_SRVC_CD",
        codes::place_of_service().iter().map(|c| c.code).collect(),
    );
    known.insert("HCPCS_CD", codes::hcpcs().iter().map(|c| c.code).collect());
    known.insert("CLM_DRG_CD", codes::drg().iter().map(|c| c.code).collect());
    known.insert(
        "PROD_SRVC_ID",
        codes::ndc().iter().map(|c| c.code).collect(),
    );
    known.insert(
        "NCH_CLM_TYPE_CD",
        codes::ccw_values("NCH_CLM_TYPE_CD")
            .iter()
            .map(|c| c.code)
            .collect(),
    );
    known.insert(
        "CLM_FREQ_CD",
        codes::ccw_values("CLM_FREQ_CD")
            .iter()
            .map(|c| c.code)
            .collect(),
    );
    known.insert(
        "PTNT_DSCHRG_STUS_CD",
        codes::ccw_values("PTNT_DSCHRG_STUS_CD")
            .iter()
            .map(|c| c.code)
            .collect(),
    );
    known.insert(
        "LINE_CMS_TYPE_SRVC_CD",
        codes::ccw_values("LINE_CMS_TYPE_SRVC_CD")
            .iter()
            .map(|c| c.code)
            .collect(),
    );
    known.insert(
        "NCH_NEAR_LINE_REC_IDENT_CD",
        codes::ccw_values("NCH_NEAR_LINE_REC_IDENT_CD")
            .iter()
            .map(|c| c.code)
            .collect(),
    );
    known.insert(
        "BETOS_CD",
        codes::ccw_values("BETOS_CD")
            .iter()
            .map(|c| c.code)
            .collect(),
    );
    known.insert(
        "PRVDR_SPCLTY",
        codes::ccw_values("PRVDR_SPCLTY")
            .iter()
            .map(|c| c.code)
            .collect(),
    );
    known.insert(
        "CARR_NUM",
        codes::ccw_values("CARR_NUM")
            .iter()
            .map(|c| c.code)
            .collect(),
    );
    let mut icd10: HashSet<&str> = codes::icd10_cm().iter().map(|c| c.code).collect();
    icd10.extend(codes::icd9_cm().iter().map(|c| c.code));
    known.insert("PRNCPAL_DGNS_CD", icd10.clone());
    known.insert("ICD_DGNS_CD1", icd10.clone());
    known.insert("ICD_DGNS_CD5", icd10);

    let mut s = Stats {
        totals: Vec::new(),
        per_type: BTreeMap::new(),
        lines: BTreeMap::new(),
        icd9_claims: 0,
    };
    for i in 0..n {
        let e = g.enrollee(i);
        s.totals.push(e.claims.len() as u64);
        let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
        for c in &e.claims {
            let record = c.key().record;
            // Every fourth enrollee's claims also go through RIF rows and the money and code
            // checks (all of them would make this test slow in debug builds).
            if i % 4 == 0 {
                let (_, rows) = rows_of(c);
                check_money(c);
                check_codes(record, &rows, &known);
            }
            *counts.entry(record.name()).or_default() += 1;
            if record != RecordType::Pde {
                let lines = line_count(c) as u64;
                let entry = s.lines.entry(record.name()).or_insert((0, 0, u64::MAX, 0));
                entry.0 += 1;
                entry.1 += lines;
                entry.2 = entry.2.min(lines);
                entry.3 = entry.3.max(lines);
            }
            if c.key().thru.unwrap() < NaiveDate::from_ymd_opt(2015, 10, 1).unwrap() {
                s.icd9_claims += 1;
            }
        }
        for t in [
            "carrier",
            "outpatient",
            "inpatient",
            "pde",
            "dme",
            "hha",
            "hospice",
            "snf",
        ] {
            let c = counts.get(t).copied().unwrap_or(0);
            let entry = s.per_type.entry(t).or_default();
            entry.0 += c;
            entry.1 += u64::from(c > 0);
        }
    }
    s
}

#[test]
fn sandbox_matches_the_reference_distribution() {
    let n = 2_000u32;
    let g = generator(2023, n);
    let s = stats(&g, n);
    let mut totals = s.totals.clone();
    totals.sort_unstable();
    let sum: u64 = totals.iter().sum();
    let mean = sum as f64 / f64::from(n);
    let zero = totals.iter().filter(|&&t| t == 0).count() as f64 / f64::from(n);
    let median = totals[totals.len() / 2];
    let p90 = totals[totals.len() * 9 / 10];
    let p99 = totals[totals.len() * 99 / 100];
    let max = *totals.last().unwrap();
    println!(
        "{n} enrollees, {sum} claims: mean {mean:.1}, none {:.1} %, median {median}, p90 {p90}, p99 {p99}, max {max}",
        zero * 100.0
    );
    for (t, (count, nonzero)) in &s.per_type {
        println!(
            "  {t:<10} mean {:>6.2}  nonzero {:>5.1} %",
            *count as f64 / f64::from(n),
            *nonzero as f64 * 100.0 / f64::from(n)
        );
    }
    for (t, (claims, lines, min, max)) in &s.lines {
        println!(
            "  {t:<10} lines/claim {:.2} ({min}–{max})",
            *lines as f64 / *claims as f64
        );
    }
    println!(
        "  ICD-9 era claims: {:.1} %",
        s.icd9_claims as f64 * 100.0 / sum as f64
    );

    assert!((85.0..=115.0).contains(&mean), "mean {mean}");
    assert!((0.07..=0.13).contains(&zero), "share without claims {zero}");
    assert!(
        (35..=80).contains(&median) && (median as f64) < mean,
        "median {median}"
    );
    assert!((400..=1_500).contains(&p99), "p99 {p99}");
    assert!(max >= 1_200, "max {max}");
    let mean_of = |t: &str| s.per_type[t].0 as f64 / f64::from(n);
    let share_of = |t: &str| s.per_type[t].1 as f64 / f64::from(n);
    let mut by_mean: Vec<&str> = s.per_type.keys().copied().collect();
    by_mean.sort_by(|a, b| mean_of(b).total_cmp(&mean_of(a)));
    assert_eq!(
        &by_mean[..2],
        &["pde", "outpatient"],
        "PDE and outpatient dominate"
    );
    assert!(
        (6.0..=13.0).contains(&mean_of("carrier")),
        "carrier mean {}",
        mean_of("carrier")
    );
    assert!(
        (1.2..=3.2).contains(&mean_of("inpatient")),
        "inpatient mean {}",
        mean_of("inpatient")
    );
    assert!((0.72..=0.88).contains(&share_of("carrier")));
    assert!((0.66..=0.82).contains(&share_of("pde")));
    for (t, target) in [
        ("dme", 0.56),
        ("hha", 0.05),
        ("hospice", 0.11),
        ("snf", 0.15),
    ] {
        assert!(
            (share_of(t) - target).abs() <= 0.05,
            "{t} nonzero share {}",
            share_of(t)
        );
    }
    let lines = |t: &str| s.lines[t];
    assert!(lines("carrier").2 >= 1 && lines("carrier").3 <= 4);
    assert!(lines("outpatient").2 >= 1 && lines("outpatient").3 <= 10);
    assert!(lines("inpatient").2 >= 5 && lines("inpatient").3 <= 25);
    assert!(s.icd9_claims > 0, "some claims predate ICD-10");
}

#[test]
fn the_full_enrollee_sets_every_column() {
    let g = generator(99, 50);
    let e = g.full_enrollee();
    assert_eq!(e.username, "BBUser10000");
    assert_eq!(e, g.enrollee(10_000));
    let mut full_types = HashSet::new();
    for c in &e.claims {
        let (record, rows) = rows_of(c);
        let layout = bb_claims::Layout::of(record);
        let empty: Vec<&str> = rows
            .iter()
            .flat_map(|row| {
                layout
                    .columns
                    .iter()
                    .zip(row)
                    .filter(|(_, cell)| cell.is_empty())
                    .map(|(col, _)| col.rif)
            })
            .collect();
        if empty.is_empty() {
            full_types.insert(record.name());
        } else {
            panic!(
                "{} claim {} leaves {empty:?} empty",
                record.name(),
                c.key().claim_id
            );
        }
    }
    assert_eq!(full_types.len(), 8, "{full_types:?}");
    let full_rows = e
        .beneficiaries
        .iter()
        .filter(|b: &&Beneficiary| record_row(*b).iter().all(|cell| !cell.is_empty()))
        .count();
    assert!(full_rows > 0, "no beneficiary row with every column set");
    assert!(e.history.len() >= 2);
    for h in &e.history {
        let row = record_row::<BeneficiaryHistory>(h);
        assert!(row.iter().all(|cell| !cell.is_empty()), "{row:?}");
    }
    // Lines have every line column too (checked above through every row).
    assert!(
        bb_claims::layouts::CARRIER
            .columns
            .iter()
            .any(|c| c.level == Level::Line)
    );
}

#[test]
#[ignore = "benchmark: cargo test -p bb-synth --release -- --ignored --nocapture bench_generate"]
fn bench_generate() {
    let n = 2_000;
    let g = generator(2023, 40_000);
    let start = std::time::Instant::now();
    let mut claims = 0usize;
    let mut lines = 0usize;
    for i in 0..n {
        let e = g.enrollee(i);
        claims += e.claims.len();
        lines += e.claims.iter().map(line_count).sum::<usize>();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "generated {n} enrollees, {claims} claims ({lines} lines) in {secs:.2} s: {:.0} claims/s, {:.0} enrollees/s single-threaded",
        claims as f64 / secs,
        f64::from(n) / secs
    );
}
