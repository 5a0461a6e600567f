//! Institutional claims: outpatient (1–10 revenue lines), inpatient (5–25), skilled nursing
//! facility, home health and hospice. Line charges add up to the claim's total and
//! non-covered charges; payments follow the Part A and Part B rules closely enough to stay
//! consistent (outpatient: payment = provider + beneficiary payment = Σ line payments;
//! inpatient: DRG payment less the deductible; SNF: per diem less coinsurance after day 20;
//! home health and hospice: Σ line payments).

use super::blank;
use super::claims::{Ctx, Dx, Ids, count, money, percent, put_dx, weekly};
use super::providers::{Facility, Org, Practitioner};
use super::rng::Rand;
use super::slots::{dx25, ext12, poa25, px25};
use super::tables::{Tables, base_charge};
use super::{Stub, add_days, part_a_deductible, part_b_deductible, snf_daily_coinsurance};
use bb_claims::model::AnyClaim;
use bb_claims::{Hcpcs, IcdCode};
use chrono::{Datelike, NaiveDate};

/// Sets the header columns all institutional claim types share.
macro_rules! header {
    ($c:ident, $cx:expr, $s:expr, $ids:expr, $dx:expr, $facility:expr, $attending:expr, $processed:expr,
     type $type_cd:literal, ric $ric:literal, fac $fac:literal, class $class:literal, freq $freq:expr) => {{
        $c.bene_id = $cx.p.bene_id;
        $c.clm_id = $ids.claim;
        $c.clm_grp_id = $ids.group;
        $c.final_action = 'F';
        $c.nch_near_line_rec_ident_cd = $ric;
        $c.nch_clm_type_cd = $type_cd.to_owned();
        $c.clm_from_dt = $s.from;
        $c.clm_thru_dt = $s.thru;
        $c.nch_wkly_proc_dt = $processed;
        $c.fi_clm_proc_dt = Some(add_days($processed, -1).max($s.thru));
        $c.prvdr_num =
            $facility.map_or_else(|| "000000".to_owned(), |f: &Facility| f.number.clone());
        $c.clm_fac_type_cd = $fac;
        $c.clm_srvc_clsfctn_type_cd = $class;
        $c.clm_freq_cd = $freq;
        $c.prvdr_state_cd = $cx.state().to_owned();
        $c.org_npi_num = $facility.map(|f: &Facility| f.npi.clone());
        $c.at_physn_npi = Ctx::npi($attending);
        $c.prncpal_dgns_cd = $dx.principal();
        $c.prncpal_dgns_vrsn_cd = Some($dx.version);
        put_dx(dx25!($c), &$dx);
        $c.fi_doc_clm_cntl_num = Some($ids.control_number());
    }};
}

/// Sets an external-cause code (falls, mostly) on some claims.
macro_rules! external_cause {
    ($c:ident, $cx:expr, $rng:expr, $s:expr, $dx:expr, $per_mille:expr) => {{
        if $cx.full || $rng.chance($per_mille) {
            let code = $cx.external_cause($rng, $s.thru);
            $c.fst_dgns_e_cd = code.clone();
            $c.fst_dgns_e_vrsn_cd = code.as_ref().map(|_| $dx.version);
            let [(e1, v1), ..] = ext12!($c);
            *e1 = code;
            *v1 = e1.as_ref().map(|_| $dx.version);
        }
    }};
}

/// Sets 0–`max` procedures dated within the stay.
macro_rules! procedures {
    ($c:ident, $cx:expr, $rng:expr, $s:expr, $n:expr) => {{
        let span = ($s.thru - $s.from).num_days();
        for (code, version, date) in px25!($c).into_iter().take($n) {
            if let Some((px, v)) = $cx.procedure($rng, $s.thru) {
                *code = Some(px);
                *version = Some(v);
                *date = Some(add_days($s.from, $rng.range(0, span)));
            }
        }
    }};
}

/// A revenue line before it takes its type's shape.
struct Line {
    rev: &'static str,
    hcpcs: Option<Hcpcs>,
    units: i64,
    rate: i64,
    charge: i64,
    noncovered: i64,
}

impl Line {
    fn new(rev: &'static str, hcpcs: Option<Hcpcs>, units: i64, rate: i64) -> Self {
        Self {
            rev,
            hcpcs,
            units,
            rate,
            charge: rate * units,
            noncovered: 0,
        }
    }
}

fn pick_hcpcs(rng: &mut Rand, pool: &[Hcpcs]) -> Option<Hcpcs> {
    rng.pick(pool).cloned()
}

fn rate_for(rng: &mut Rand, hcpcs: Option<&Hcpcs>, fallback: i64) -> i64 {
    Ctx::vary(rng, hcpcs.map_or(fallback, |h| base_charge(h.as_str())))
}

/// Ancillary hospital revenue centers with a typical charge, and the HCPCS pool a line of
/// the center may name.
fn ancillary(rng: &mut Rand, t: &Tables) -> (&'static str, i64, Option<Hcpcs>) {
    match rng.weighted(&[14, 8, 12, 16, 6, 6, 8, 5, 4, 6, 5, 4, 6]) {
        0 => ("0250", 18_000, None),
        1 => ("0260", 35_000, None),
        2 => ("0270", 22_000, None),
        3 => ("0300", 9_000, pick_hcpcs(rng, &t.labs)),
        4 => ("0301", 12_000, pick_hcpcs(rng, &t.labs)),
        5 => ("0305", 8_000, pick_hcpcs(rng, &t.labs)),
        6 => ("0320", 45_000, pick_hcpcs(rng, &t.imaging)),
        7 => ("0350", 180_000, pick_hcpcs(rng, &t.imaging)),
        8 => ("0410", 60_000, None),
        9 => ("0420", 40_000, pick_hcpcs(rng, &t.therapy)),
        10 => ("0636", 30_000, pick_hcpcs(rng, &t.injections)),
        11 => ("0730", 25_000, None),
        _ => ("0430", 35_000, pick_hcpcs(rng, &t.therapy)),
    }
}

fn total<'a>(lines: impl Iterator<Item = &'a Line>) -> (i64, i64) {
    lines.fold((0, 0), |(c, n), l| (c + l.charge, n + l.noncovered))
}

fn attending<'c>(cx: &'c Ctx<'_>, rng: &mut Rand) -> Option<&'c Practitioner> {
    cx.practitioner(rng)
}

/// Present-on-admission flags for the diagnoses present.
fn set_poa(slots: [&mut Option<char>; 25], dx: &Dx, rng: &mut Rand) {
    for (slot, _) in slots.into_iter().zip(&dx.codes) {
        *slot = Some(if rng.chance(900) { 'Y' } else { 'N' });
    }
}

/// The admitting diagnosis: the principal most of the time.
fn admitting(rng: &mut Rand, dx: &Dx) -> Option<IcdCode> {
    if rng.chance(800) {
        dx.principal()
    } else {
        dx.any(rng)
    }
}

/// An outpatient claim.
pub(crate) fn outpatient(
    cx: &Ctx<'_>,
    rng: &mut Rand,
    s: &Stub,
    ids: Ids,
) -> Option<(AnyClaim, NaiveDate)> {
    let t = &cx.g.tables;
    let n_dx = rng.range(1, 8) as usize;
    let dx = cx.dx(rng, n_dx, s.thru);
    let facility = cx.org(Org::Hospital);
    let doctor = attending(cx, rng);
    let processed = weekly(s.thru);
    let n = if cx.full {
        4
    } else {
        rng.weighted(&[200, 200, 180, 130, 100, 70, 45, 30, 25, 20]) + 1
    };
    let visit = rng.weighted(&[150, 350, 350, 150]);
    let mut lines: Vec<Line> = Vec::with_capacity(n);
    let first = match visit {
        0 => ("0450", pick_hcpcs(rng, &t.er_visits)),
        1 => ("0510", pick_hcpcs(rng, &t.clinic_visits)),
        2 => ("0300", pick_hcpcs(rng, &t.labs)),
        _ => ("0360", pick_hcpcs(rng, &t.procedures)),
    };
    let rate = rate_for(rng, first.1.as_ref(), 20_000);
    lines.push(Line::new(first.0, first.1, 1, rate));
    while lines.len() < n {
        let (rev, base, hcpcs) = ancillary(rng, t);
        let hcpcs = hcpcs.or_else(|| pick_hcpcs(rng, &t.labs));
        let units = if rev == "0636" { rng.range(1, 6) } else { 1 };
        let rate = rate_for(rng, hcpcs.as_ref(), base);
        lines.push(Line::new(rev, hcpcs, units, rate));
    }
    let mut c = blank::outpatient_claim();
    header!(c, cx, s, ids, dx, facility, doctor, processed, type "40", ric 'W', fac '1', class '3', freq '1');
    c.claim_query_code = '3';
    c.clm_mco_pd_sw = Some('0');
    c.ptnt_dschrg_stus_cd = Some("01".to_owned());
    if visit == 3 || cx.full {
        c.op_physn_npi = Ctx::npi(cx.specialist(rng));
        procedures!(c, cx, rng, s, 1);
    }
    if cx.full {
        c.ot_physn_npi = Ctx::npi(cx.pcp());
    }
    if visit == 0 || cx.full {
        let rsn = [
            (&mut c.rsn_visit_cd1, &mut c.rsn_visit_vrsn_cd1),
            (&mut c.rsn_visit_cd2, &mut c.rsn_visit_vrsn_cd2),
        ];
        for ((code, version), value) in rsn.into_iter().zip(&dx.codes) {
            *code = Some(value.as_str().to_owned());
            *version = Some(dx.version);
        }
    }
    external_cause!(c, cx, rng, s, dx, 40);

    let deductible_applies = rng.chance(120);
    let (mut paid_sum, mut ded_sum, mut coins_sum) = (0, 0, 0);
    for (i, line) in lines.iter_mut().enumerate() {
        if rng.chance(40) {
            line.noncovered = percent(line.charge, rng.range(10, 40));
        }
        let allowed = percent(line.charge - line.noncovered, rng.range(25, 60));
        let deductible = if i == 0 && deductible_applies {
            allowed.min(part_b_deductible(s.from.year()))
        } else {
            0
        };
        let coinsurance = percent(allowed - deductible, 20);
        let paid = allowed - deductible - coinsurance;
        paid_sum += paid;
        ded_sum += deductible;
        coins_sum += coinsurance;
        let mut l = blank::outpatient_line();
        l.clm_line_num = i as i64 + 1;
        l.rev_cntr = line.rev.to_owned();
        l.rev_cntr_dt = Some(s.from);
        l.hcpcs_cd = line.hcpcs.clone();
        if cx.full || rng.chance(100) {
            l.hcpcs_1st_mdfr_cd = rng.pick(&t.modifiers).cloned();
        }
        l.rev_cntr_pmt_mthd_ind_cd = Some("2".to_owned());
        l.rev_cntr_stus_ind_cd = Some(
            match line.rev {
                "0450" | "0510" => "V",
                "0360" => "T",
                "0636" => "K",
                _ => "A",
            }
            .to_owned(),
        );
        l.rev_cntr_unit_cnt = count(line.units, 0);
        l.rev_cntr_rate_amt = money(line.rate);
        l.rev_cntr_cash_ddctbl_amt = money(deductible);
        l.rev_cntr_coinsrnc_wge_adjstd_c = money(coinsurance);
        l.rev_cntr_rdcd_coinsrnc_amt = money(coinsurance);
        l.rev_cntr_prvdr_pmt_amt = money(paid);
        l.rev_cntr_bene_pmt_amt = money(0);
        l.rev_cntr_ptnt_rspnsblty_pmt = money(deductible + coinsurance);
        l.rev_cntr_pmt_amt_amt = money(paid);
        l.rev_cntr_tot_chrg_amt = money(line.charge);
        l.rev_cntr_ncvrd_chrg_amt = money(line.noncovered);
        l.rndrng_physn_npi = Ctx::npi(doctor);
        if line.rev == "0636" && (cx.full || rng.chance(300)) {
            l.rev_cntr_ide_ndc_upc_num = rng.pick(&t.drugs).map(|d| d.ndc.as_str().to_owned());
            l.rev_cntr_ndc_qty = count(line.units, 0);
            l.rev_cntr_ndc_qty_qlfr_cd = Some("UN".to_owned());
        }
        c.lines.push(l);
    }
    let (charges, _) = total(lines.iter());
    c.clm_pmt_amt = money(paid_sum);
    c.clm_tot_chrg_amt = money(charges);
    c.nch_bene_ptb_ddctbl_amt = money(ded_sum);
    c.nch_bene_ptb_coinsrnc_amt = money(coins_sum);
    c.clm_op_prvdr_pmt_amt = money(paid_sum);
    c.clm_op_bene_pmt_amt = money(0);
    Some((AnyClaim::from(c), processed))
}

/// Discharge status of an inpatient or SNF stay.
fn discharge_status(cx: &Ctx<'_>, rng: &mut Rand, s: &Stub) -> &'static str {
    if cx.p.death == Some(s.thru) {
        return "20";
    }
    rng.pick_weighted(
        &[
            ("01", 650),
            ("06", 130),
            ("03", 110),
            ("02", 30),
            ("62", 40),
            ("07", 10),
            ("50", 30),
        ],
        "01",
    )
}

/// An inpatient claim.
pub(crate) fn inpatient(
    cx: &Ctx<'_>,
    rng: &mut Rand,
    s: &Stub,
    ids: Ids,
) -> Option<(AnyClaim, NaiveDate)> {
    let t = &cx.g.tables;
    let los = (s.thru - s.from).num_days().max(1);
    let n_dx = if cx.full {
        25
    } else {
        rng.range(4, 20) as usize
    };
    let dx = cx.dx(rng, n_dx, s.thru);
    let facility = cx.org(Org::Hospital);
    let doctor = attending(cx, rng);
    let processed = weekly(s.thru);
    let surgical = cx.full || rng.chance(400);
    let emergency = rng.chance(550);
    let n = if cx.full {
        12
    } else {
        (rng.range(5, 25) + rng.range(5, 25)) as usize / 2
    };
    let mut lines: Vec<Line> = Vec::with_capacity(n);
    let icu_days = if rng.chance(150) {
        rng.range(1, los)
    } else {
        0
    };
    lines.push(Line::new(
        "0120",
        None,
        los - icu_days,
        Ctx::vary(rng, 220_000),
    ));
    if icu_days > 0 {
        lines.push(Line::new("0200", None, icu_days, Ctx::vary(rng, 450_000)));
    }
    if emergency {
        let hcpcs = pick_hcpcs(rng, &t.er_visits);
        let rate = rate_for(rng, hcpcs.as_ref(), 60_000);
        lines.push(Line::new("0450", hcpcs, 1, rate));
    }
    if surgical {
        lines.push(Line::new("0360", None, 1, Ctx::vary(rng, 900_000)));
        lines.push(Line::new("0370", None, 1, Ctx::vary(rng, 250_000)));
        lines.push(Line::new("0710", None, 1, Ctx::vary(rng, 150_000)));
    }
    while lines.len() < n {
        let (rev, base, hcpcs) = ancillary(rng, t);
        let hcpcs = if cx.full || rng.chance(300) {
            hcpcs
        } else {
            None
        };
        let units = rng.range(1, 3 + los.min(10));
        lines.push(Line::new(rev, hcpcs, units, Ctx::vary(rng, base)));
    }
    for line in &mut lines {
        if rng.chance(30) {
            line.noncovered = percent(line.charge, rng.range(5, 30));
        }
    }
    let (charges, noncovered) = total(lines.iter());
    let drg_payment = percent(charges - noncovered, rng.range(18, 38));
    let year = s.thru.year();
    let deductible = if rng.chance(650) {
        part_a_deductible(year).min(drg_payment)
    } else {
        0
    };
    let paid = drg_payment - deductible;

    let mut c = blank::inpatient_claim();
    header!(c, cx, s, ids, dx, facility, doctor, processed, type "60", ric 'V', fac '1', class '1', freq '1');
    c.claim_query_code = '3';
    if surgical {
        c.op_physn_npi = Ctx::npi(cx.specialist(rng));
    }
    if cx.full || rng.chance(100) {
        c.ot_physn_npi = Ctx::npi(cx.specialist(rng));
    }
    c.clm_mco_pd_sw = Some('0');
    c.ptnt_dschrg_stus_cd = discharge_status(cx, rng, s).to_owned();
    c.clm_pps_ind_cd = Some('2');
    c.clm_admsn_dt = Some(s.from);
    c.clm_ip_admsn_type_cd = if emergency {
        '1'
    } else if surgical {
        '3'
    } else {
        '2'
    };
    c.clm_src_ip_admsn_cd = Some(if emergency { '7' } else { '1' });
    c.nch_ptnt_status_ind_cd = Some('A');
    c.clm_pass_thru_per_diem_amt = money(Ctx::vary(rng, 20_000));
    c.nch_bene_ip_ddctbl_amt = money(deductible);
    c.nch_ip_ncvrd_chrg_amt = money(noncovered);
    c.nch_ip_tot_ddctn_amt = money(deductible);
    c.nch_profnl_cmpnt_chrg_amt = money(percent(charges, 2));
    let (fsp, ime, dsh) = (
        percent(drg_payment, 6),
        percent(drg_payment, 1),
        percent(drg_payment, 1) / 2,
    );
    c.clm_pps_cptl_fsp_amt = money(fsp);
    c.clm_pps_cptl_ime_amt = money(ime);
    c.clm_pps_cptl_dsprprtnt_shr_amt = money(dsh);
    c.clm_tot_pps_cptl_amt = money(fsp + ime + dsh);
    c.clm_pps_cptl_drg_wt_num = bb_claims::Decimal {
        units: rng.range(6_000, 35_000),
        scale: 4,
    };
    c.clm_utlztn_day_cnt = count(los, 0);
    c.nch_bene_dschrg_dt = Some(s.thru);
    c.clm_drg_cd = rng.pick(&t.drg).cloned();
    c.clm_drg_outlier_stay_cd = '0';
    c.admtg_dgns_cd = admitting(rng, &dx);
    c.admtg_dgns_vrsn_cd = Some(dx.version);
    set_poa(poa25!(c), &dx, rng);
    external_cause!(c, cx, rng, s, dx, 80);
    if c.fst_dgns_e_cd.is_some() {
        c.clm_e_poa_ind_sw1 = Some('Y');
    }
    let procedures = if surgical {
        rng.range(1, 4)
    } else {
        rng.range(0, 2)
    };
    procedures!(
        c,
        cx,
        rng,
        s,
        if cx.full { 25 } else { procedures as usize }
    );
    c.ime_op_clm_val_amt = money(percent(drg_payment, 3));
    c.dsh_op_clm_val_amt = money(percent(drg_payment, 2));
    c.clm_uncompd_care_pmt_amt = money(percent(drg_payment, 1));
    c.clm_pmt_amt = money(paid);
    c.clm_tot_chrg_amt = money(charges);
    for (i, line) in lines.into_iter().enumerate() {
        let mut l = blank::inpatient_line();
        l.clm_line_num = i as i64 + 1;
        l.rev_cntr = line.rev.to_owned();
        l.hcpcs_cd = line.hcpcs;
        l.rev_cntr_unit_cnt = count(line.units, 0);
        l.rev_cntr_rate_amt = money(line.rate);
        l.rev_cntr_tot_chrg_amt = money(line.charge);
        l.rev_cntr_ncvrd_chrg_amt = money(line.noncovered);
        l.rev_cntr_ddctbl_coinsrnc_cd = if cx.full { Some('0') } else { None };
        l.rndrng_physn_npi = Ctx::npi(doctor);
        c.lines.push(l);
    }
    Some((AnyClaim::from(c), processed))
}

/// A skilled nursing facility claim.
pub(crate) fn snf(
    cx: &Ctx<'_>,
    rng: &mut Rand,
    s: &Stub,
    ids: Ids,
) -> Option<(AnyClaim, NaiveDate)> {
    let t = &cx.g.tables;
    let days = (s.thru - s.from).num_days().max(1);
    let n_dx = if cx.full {
        25
    } else {
        rng.range(3, 12) as usize
    };
    let dx = cx.dx(rng, n_dx, s.thru);
    let facility = cx.org(Org::Snf);
    let doctor = attending(cx, rng);
    let processed = weekly(s.thru);
    let n = if cx.full {
        8
    } else {
        rng.range(3, 10) as usize
    };
    let mut lines: Vec<Line> = Vec::with_capacity(n);
    lines.push(Line::new(
        if rng.chance(200) { "0191" } else { "0120" },
        None,
        days,
        Ctx::vary(rng, 70_000),
    ));
    while lines.len() < n {
        let (rev, base, pool): (&'static str, i64, &[Hcpcs]) =
            match rng.weighted(&[20, 15, 15, 20, 15, 10, 5]) {
                0 => ("0250", 15_000, &[]),
                1 => ("0270", 9_000, &[]),
                2 => ("0300", 6_000, &t.labs),
                3 => ("0420", 20_000, &t.therapy),
                4 => ("0430", 20_000, &t.therapy),
                5 => ("0440", 20_000, &t.therapy),
                _ => ("0410", 15_000, &[]),
            };
        let hcpcs = pick_hcpcs(rng, pool);
        lines.push(Line::new(
            rev,
            hcpcs,
            rng.range(1, days.min(30)),
            Ctx::vary(rng, base),
        ));
    }
    for line in &mut lines {
        if rng.chance(30) {
            line.noncovered = percent(line.charge, rng.range(5, 30));
        }
    }
    let (charges, noncovered) = total(lines.iter());
    let per_diem = rng.range(40_000, 75_000);
    let coins_days = (days - 20).clamp(0, 80);
    let coinsurance = (coins_days * snf_daily_coinsurance(s.from.year())).min(per_diem * days);
    let paid = (per_diem * days - coinsurance)
        .min(charges - noncovered)
        .max(0);

    let mut c = blank::snf_claim();
    header!(c, cx, s, ids, dx, facility, doctor, processed, type "20", ric 'V', fac '2', class '1', freq '1');
    c.claim_query_code = '3';
    c.clm_mco_pd_sw = Some('0');
    if cx.full {
        c.op_physn_npi = Ctx::npi(cx.specialist(rng));
        c.ot_physn_npi = Ctx::npi(cx.pcp());
    }
    c.ptnt_dschrg_stus_cd = discharge_status(cx, rng, s).to_owned();
    c.clm_pps_ind_cd = Some('2');
    c.clm_admsn_dt = Some(s.from);
    c.clm_ip_admsn_type_cd = '3';
    c.clm_src_ip_admsn_cd = Some('4');
    c.nch_ptnt_status_ind_cd = Some('A');
    c.nch_bene_pta_coinsrnc_lblty_am = money(coinsurance);
    c.nch_ip_ncvrd_chrg_amt = money(noncovered);
    c.nch_ip_tot_ddctn_amt = money(coinsurance);
    c.clm_utlztn_day_cnt = count(days, 0);
    c.bene_tot_coinsrnc_days_cnt = count(coins_days, 0);
    c.nch_qlfyd_stay_from_dt = Some(add_days(s.from, -rng.range(4, 12)));
    c.nch_qlfyd_stay_thru_dt = Some(add_days(s.from, -1));
    c.nch_actv_or_cvrd_lvl_care_thru = Some(s.thru);
    c.nch_bene_dschrg_dt = Some(s.thru);
    c.clm_drg_cd = rng.pick(&t.drg).cloned();
    c.admtg_dgns_cd = admitting(rng, &dx);
    c.admtg_dgns_vrsn_cd = Some(dx.version);
    external_cause!(c, cx, rng, s, dx, 60);
    if cx.full {
        procedures!(c, cx, rng, s, 25);
    }
    c.clm_pmt_amt = money(paid);
    c.clm_tot_chrg_amt = money(charges);
    for (i, line) in lines.into_iter().enumerate() {
        let mut l = blank::snf_line();
        l.clm_line_num = i as i64 + 1;
        l.rev_cntr = line.rev.to_owned();
        l.hcpcs_cd = line.hcpcs;
        l.rev_cntr_unit_cnt = line.units;
        l.rev_cntr_rate_amt = money(line.rate);
        l.rev_cntr_tot_chrg_amt = money(line.charge);
        l.rev_cntr_ncvrd_chrg_amt = money(line.noncovered);
        l.rev_cntr_ddctbl_coinsrnc_cd = if cx.full { Some('0') } else { None };
        l.rndrng_physn_npi = Ctx::npi(doctor);
        c.lines.push(l);
    }
    Some((AnyClaim::from(c), processed))
}

/// The frequency code of the `seq`-th claim of an episode of `single` or several claims.
fn frequency(seq: u32, last: bool) -> char {
    match (seq, last) {
        (0, true) => '1',
        (0, false) => '2',
        (_, false) => '3',
        (_, true) => '4',
    }
}

/// Home health disciplines: revenue center, visit HCPCS and charge per visit.
const DISCIPLINES: [(&str, &str, i64); 5] = [
    ("0551", "G0299", 18_000),
    ("0421", "G0151", 20_000),
    ("0431", "G0152", 20_000),
    ("0571", "G0156", 9_000),
    ("0561", "G0155", 25_000),
];

/// A home health claim (one 30-day period of an episode).
pub(crate) fn hha(
    cx: &Ctx<'_>,
    rng: &mut Rand,
    s: &Stub,
    ids: Ids,
) -> Option<(AnyClaim, NaiveDate)> {
    let t = &cx.g.tables;
    let n_dx = if cx.full {
        25
    } else {
        rng.range(2, 8) as usize
    };
    let dx = cx.dx(rng, n_dx, s.thru);
    let facility = cx.org(Org::Hha);
    let doctor = cx.pcp();
    let processed = weekly(s.thru);
    let last = (s.thru - s.from).num_days() < 29 || rng.chance(300);
    let span = (s.thru - s.from).num_days();
    let disciplines = if cx.full { 5 } else { rng.range(1, 4) as usize };
    let mut c = blank::hha_claim();
    header!(c, cx, s, ids, dx, facility, doctor, processed, type "10", ric 'U', fac '3', class '2', freq frequency(s.seq, last));
    c.claim_query_code = Some('3');
    c.ptnt_dschrg_stus_cd = if last { "01" } else { "30" }.to_owned();
    c.clm_pps_ind_cd = Some('2');
    c.clm_hha_rfrl_cd = Some('1');
    c.clm_admsn_dt = Some(add_days(s.from, -30 * i64::from(s.seq)));
    external_cause!(c, cx, rng, s, dx, 80);
    let (mut visits_total, mut paid_sum, mut charge_sum) = (0, 0, 0);
    for (i, &(rev, code, per_visit)) in DISCIPLINES.iter().take(disciplines).enumerate() {
        let visits = rng.range(1, 6);
        let charge = Ctx::vary(rng, per_visit) * visits;
        let paid = percent(charge, rng.range(40, 75));
        visits_total += visits;
        paid_sum += paid;
        charge_sum += charge;
        let mut l = blank::hha_line();
        l.clm_line_num = i as i64 + 1;
        l.rev_cntr = rev.to_owned();
        l.rev_cntr_dt = Some(add_days(s.from, rng.range(0, span)));
        l.hcpcs_cd = t
            .home_health
            .iter()
            .find(|h| h.as_str() == code)
            .cloned()
            .or_else(|| pick_hcpcs(rng, &t.home_health));
        l.rev_cntr_pmt_mthd_ind_cd = Some("2".to_owned());
        l.rev_cntr_unit_cnt = count(visits * rng.range(2, 4), 0);
        l.rev_cntr_rate_amt = money(charge / visits);
        l.rev_cntr_pmt_amt_amt = money(paid);
        l.rev_cntr_tot_chrg_amt = money(charge);
        l.rev_cntr_ncvrd_chrg_amt = money(0);
        l.rev_cntr_ddctbl_coinsrnc_cd = Some('3');
        l.rndrng_physn_npi = Ctx::npi(doctor);
        c.lines.push(l);
    }
    c.clm_hha_lupa_ind_cd = (visits_total < 5).then_some('L');
    c.clm_hha_tot_visit_cnt = count(visits_total, 0);
    c.clm_pmt_amt = money(paid_sum);
    c.clm_tot_chrg_amt = money(charge_sum);
    Some((AnyClaim::from(c), processed))
}

/// Hospice daily rates (routine home care and the others) in cents, by year.
fn hospice_daily_rate(year: i32) -> i64 {
    15_900 + 650 * i64::from((year - 2013).clamp(0, 12))
}

/// A hospice claim (one month of a hospice period).
pub(crate) fn hospice(
    cx: &Ctx<'_>,
    rng: &mut Rand,
    s: &Stub,
    ids: Ids,
) -> Option<(AnyClaim, NaiveDate)> {
    let t = &cx.g.tables;
    let n_dx = if cx.full {
        25
    } else {
        rng.range(2, 8) as usize
    };
    let dx = cx.dx(rng, n_dx, s.thru);
    let facility = cx.org(Org::Hospice);
    let doctor = cx.specialist(rng);
    let processed = weekly(s.thru);
    let days = (s.thru - s.from).num_days() + 1;
    let last = cx.p.death.is_some_and(|d| d <= add_days(s.thru, 1)) || days < 30;
    let rate = hospice_daily_rate(s.from.year());
    let mut lines: Vec<(Line, i64)> = Vec::with_capacity(4);
    let inpatient_days = if rng.chance(150) {
        rng.range(1, 5).min(days - 1)
    } else {
        0
    };
    let home = Line::new(
        "0651",
        rng.pick(&t.hospice).cloned(),
        days - inpatient_days,
        Ctx::vary(rng, rate * 120 / 100),
    );
    let home_paid = rate * (days - inpatient_days);
    lines.push((home, home_paid));
    if inpatient_days > 0 {
        let l = Line::new("0656", None, inpatient_days, Ctx::vary(rng, rate * 5));
        let paid = rate * 4 * inpatient_days;
        lines.push((l, paid));
    }
    if cx.full || rng.chance(300) {
        let hcpcs = pick_hcpcs(rng, &t.office_visits);
        let charge = rate_for(rng, hcpcs.as_ref(), 20_000);
        let paid = percent(charge, 60);
        lines.push((Line::new("0657", hcpcs, 1, charge), paid));
    }
    let mut c = blank::hospice_claim();
    header!(c, cx, s, ids, dx, facility, doctor, processed, type "50", ric 'V', fac '8', class '1', freq frequency(s.seq, last));
    c.claim_query_code = Some('3');
    c.ptnt_dschrg_stus_cd = if last && cx.p.death.is_some() {
        "40"
    } else if last {
        "01"
    } else {
        "30"
    }
    .to_owned();
    c.nch_ptnt_status_ind_cd = Some(if last { 'A' } else { 'C' });
    c.clm_utlztn_day_cnt = count(days, 0);
    c.nch_bene_dschrg_dt = last.then_some(s.thru);
    c.clm_hospc_start_dt_id = Some(add_days(s.from, -30 * i64::from(s.seq)));
    c.bene_hospc_prd_cnt = count(1 + i64::from(s.seq) / 3, 0);
    external_cause!(c, cx, rng, s, dx, 20);
    let (mut paid_sum, mut charge_sum) = (0, 0);
    for (i, (line, paid)) in lines.into_iter().enumerate() {
        let paid = paid.min(line.charge);
        paid_sum += paid;
        charge_sum += line.charge;
        let mut l = blank::hospice_line();
        l.clm_line_num = i as i64 + 1;
        l.rev_cntr = line.rev.to_owned();
        l.rev_cntr_dt = Some(s.from);
        l.hcpcs_cd = line.hcpcs;
        l.rev_cntr_unit_cnt = count(line.units, 0);
        l.rev_cntr_rate_amt = money(line.rate);
        l.rev_cntr_prvdr_pmt_amt = money(paid);
        l.rev_cntr_bene_pmt_amt = money(0);
        l.rev_cntr_pmt_amt_amt = money(paid);
        l.rev_cntr_tot_chrg_amt = money(line.charge);
        l.rev_cntr_ncvrd_chrg_amt = money(0);
        l.rev_cntr_ddctbl_coinsrnc_cd = Some('3');
        l.rndrng_physn_npi = Ctx::npi(doctor);
        c.lines.push(l);
    }
    c.clm_pmt_amt = money(paid_sum);
    c.clm_tot_chrg_amt = money(charge_sum);
    Some((AnyClaim::from(c), processed))
}
