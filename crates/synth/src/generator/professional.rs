//! Part B professional claims: carrier (physician and supplier, 1–4 HCPCS lines) and DME
//! (durable medical equipment, 1–3 lines), with line amounts that add up to the header:
//! submitted ≥ allowed = deductible + coinsurance + Medicare payment, and payment =
//! provider payment + beneficiary payment.

use super::blank;
use super::claims::{Ctx, Ids, count, money, percent, put_dx, weekly};
use super::providers::Org;
use super::rng::Rand;
use super::slots::dx12;
use super::tables::{base_charge, betos, place_of_service, type_of_service};
use super::{Stub, part_b_deductible};
use bb_claims::Ndc;
use bb_claims::model::AnyClaim;
use chrono::{Datelike, NaiveDate};

/// One line's money, in cents.
#[derive(Default, Clone, Copy)]
struct LineMoney {
    submitted: i64,
    allowed: i64,
    deductible: i64,
    coinsurance: i64,
    provider: i64,
    beneficiary: i64,
}

impl LineMoney {
    /// Prices a line: allowed is 30–80 % of the charge; an eighth of lines meet some of the
    /// deductible; coinsurance is 20 % of the rest; Medicare pays the remainder, to the
    /// provider on assigned claims and to the beneficiary otherwise.
    fn price(rng: &mut Rand, submitted: i64, year: i32, assigned: bool, denied: bool) -> Self {
        let allowed = if denied {
            0
        } else {
            percent(submitted, rng.range(30, 80))
        };
        let deductible = if rng.chance(125) {
            allowed.min(part_b_deductible(year))
        } else {
            0
        };
        let coinsurance = percent(allowed - deductible, 20);
        let paid = allowed - deductible - coinsurance;
        let (provider, beneficiary) = if assigned { (paid, 0) } else { (0, paid) };
        Self {
            submitted,
            allowed,
            deductible,
            coinsurance,
            provider,
            beneficiary,
        }
    }

    fn paid(self) -> i64 {
        self.provider + self.beneficiary
    }

    fn add(&mut self, other: Self) {
        self.submitted += other.submitted;
        self.allowed += other.allowed;
        self.deductible += other.deductible;
        self.coinsurance += other.coinsurance;
        self.provider += other.provider;
        self.beneficiary += other.beneficiary;
    }
}

fn units_for(rng: &mut Rand, code: &str) -> i64 {
    match code.as_bytes().first() {
        Some(b'J') => rng.range(1, 10),
        Some(b'A') => rng.range(1, 3),
        _ if code.starts_with("971") || code.starts_with("975") => rng.range(1, 4),
        _ => 1,
    }
}

fn modifier(cx: &Ctx<'_>, rng: &mut Rand, per_mille: u32) -> Option<String> {
    if cx.full || rng.chance(per_mille) {
        rng.pick(&cx.g.tables.modifiers).cloned()
    } else {
        None
    }
}

fn named_modifier(cx: &Ctx<'_>, code: &str) -> Option<String> {
    cx.g.tables.modifiers.iter().find(|m| *m == code).cloned()
}

/// A drug NDC for a line billed with a drug HCPCS code.
fn line_ndc(cx: &Ctx<'_>, rng: &mut Rand, code: &str) -> Option<Ndc> {
    (code.starts_with('J') && (cx.full || rng.chance(300)))
        .then(|| rng.pick(&cx.g.tables.drugs).map(|d| d.ndc.clone()))
        .flatten()
}

fn line_count(rng: &mut Rand, weights: &[u32]) -> usize {
    rng.weighted(weights) + 1
}

/// A carrier claim (`None` only if the HCPCS pools are empty).
pub(crate) fn carrier(
    cx: &Ctx<'_>,
    rng: &mut Rand,
    s: &Stub,
    ids: Ids,
) -> Option<(AnyClaim, NaiveDate)> {
    let t = &cx.g.tables;
    let year = s.from.year();
    let n_dx = rng.range(1, 4) as usize;
    let dx = cx.dx(rng, n_dx, s.thru);
    let performer = cx.practitioner(rng);
    let billing = cx.org(Org::Group);
    let assigned = cx.full || rng.chance(950);
    let denied = !cx.full && rng.chance(30);
    let processed = weekly(s.thru);

    let mut c = blank::carrier_claim();
    c.bene_id = cx.p.bene_id;
    c.clm_id = ids.claim;
    c.clm_grp_id = ids.group;
    c.final_action = 'F';
    c.nch_near_line_rec_ident_cd = 'O';
    c.nch_clm_type_cd = if rng.chance(30) { "72" } else { "71" }.to_owned();
    c.clm_from_dt = s.from;
    c.clm_thru_dt = s.thru;
    c.nch_wkly_proc_dt = processed;
    c.carr_clm_entry_cd = '1';
    c.clm_disp_cd = "1".to_owned();
    c.carr_num = t
        .carrier_numbers
        .get(cx.p.carrier_number)
        .cloned()
        .unwrap_or_else(|| "00510".to_owned());
    c.carr_clm_pmt_dnl_cd = if denied {
        "0"
    } else if assigned {
        "1"
    } else {
        "2"
    }
    .to_owned();
    c.rfr_physn_npi = if cx.full || rng.chance(450) {
        Ctx::npi(cx.pcp())
    } else {
        None
    };
    c.carr_clm_prvdr_asgnmt_ind_sw = Some(if assigned { 'A' } else { 'N' });
    c.carr_clm_hcpcs_yr_cd = Some('1');
    c.carr_clm_rfrng_pin_num = performer.map_or_else(|| "0".to_owned(), |p| p.pin.clone());
    c.prncpal_dgns_cd = dx.principal();
    c.prncpal_dgns_vrsn_cd = Some(dx.version);
    put_dx(dx12!(c), &dx);
    c.carr_clm_cntl_num = Some(ids.control_number());
    c.carr_clm_blg_npi_num = if cx.full || rng.chance(800) {
        billing.map(|b| b.npi.clone())
    } else {
        None
    };

    let lines = if cx.full {
        3
    } else {
        line_count(rng, &[550, 250, 120, 80])
    };
    let mut total = LineMoney::default();
    for n in 0..lines {
        let pool = if n == 0 && rng.chance(450) {
            &t.office_visits
        } else {
            &t.professional
        };
        let Some(code) = rng.pick(pool).cloned() else {
            break;
        };
        let code_text = code.as_str();
        let units = units_for(rng, code_text);
        let submitted = Ctx::vary(rng, base_charge(code_text)) * units;
        let m = LineMoney::price(rng, submitted, year, assigned, denied);
        total.add(m);
        let lab = code_text.starts_with('8');
        let mut l = blank::carrier_line();
        l.line_num = n as i64 + 1;
        l.carr_prfrng_pin_num = c.carr_clm_rfrng_pin_num.clone();
        l.prf_physn_npi = Ctx::npi(performer);
        l.org_npi_num = billing.map(|b| b.npi.clone());
        l.carr_line_prvdr_type_cd = if billing.is_some() { '0' } else { '1' };
        l.tax_num = performer.map_or_else(|| "000000000".to_owned(), |p| p.tax.clone());
        l.prvdr_state_cd = Some(cx.state().to_owned());
        l.prvdr_zip = performer.map(|p| p.zip.clone());
        l.prvdr_spclty = performer.map(|p| p.specialty.to_owned());
        l.prtcptng_ind_cd = Some(if assigned { '1' } else { '4' });
        l.carr_line_rdcd_pmt_phys_astn_c = '0';
        l.line_srvc_cnt = count(units, 1);
        l.line_cms_type_srvc_cd = type_of_service(code_text);
        l.line_place_of_srvc_cd = place_of_service(code_text).to_owned();
        l.carr_line_prcng_lclty_cd = cx.p.locality.to_owned();
        l.line_1st_expns_dt = Some(s.from);
        l.line_last_expns_dt = Some(s.thru);
        l.hcpcs_1st_mdfr_cd = modifier(cx, rng, 150);
        l.hcpcs_2nd_mdfr_cd = if l.hcpcs_1st_mdfr_cd.is_some() {
            modifier(cx, rng, 150)
        } else {
            None
        };
        l.betos_cd = Some(betos(code_text).to_owned());
        l.line_nch_pmt_amt = money(m.paid());
        l.line_bene_pmt_amt = money(m.beneficiary);
        l.line_prvdr_pmt_amt = money(m.provider);
        l.line_bene_ptb_ddctbl_amt = money(m.deductible);
        l.line_coinsrnc_amt = money(m.coinsurance);
        l.line_sbmtd_chrg_amt = money(m.submitted);
        l.line_alowd_chrg_amt = money(m.allowed);
        l.line_prcsg_ind_cd = Some(if denied { "D" } else { "A" }.to_owned());
        l.line_pmt_80_100_cd = Some('0');
        l.line_service_deductible = Some(if m.deductible > 0 { '0' } else { '1' });
        l.carr_line_mtus_cnt = count(units, 1);
        l.carr_line_mtus_cd = Some('3');
        l.line_icd_dgns_cd = dx.any(rng);
        l.line_icd_dgns_vrsn_cd = Some(dx.version);
        l.line_ndc_cd = line_ndc(cx, rng, code_text);
        l.carr_line_clia_lab_num =
            lab.then(|| format!("{}D{:07}", cx.state(), rng.below(10_000_000)));
        l.carr_line_ansthsa_unit_cnt = count(
            if code_text.starts_with('0') {
                rng.range(4, 12)
            } else {
                0
            },
            0,
        );
        if cx.full || code_text.starts_with("9093") {
            l.line_hct_hgb_rslt_num = count(11, 1);
            l.line_hct_hgb_type_cd = Some("R1".to_owned());
        }
        l.hcpcs_cd = Some(code);
        c.lines.push(l);
    }
    c.clm_pmt_amt = money(total.paid());
    c.nch_clm_prvdr_pmt_amt = money(total.provider);
    c.nch_clm_bene_pmt_amt = money(total.beneficiary);
    c.nch_carr_clm_sbmtd_chrg_amt = money(total.submitted);
    c.nch_carr_clm_alowd_amt = money(total.allowed);
    c.carr_clm_cash_ddctbl_apld_amt = money(total.deductible);
    (!c.lines.is_empty()).then(|| (AnyClaim::from(c), processed))
}

/// The DME MACs (jurisdictions A to D).
const DME_MACS: [&str; 4] = ["16003", "17003", "18003", "19003"];

/// A DME claim (`None` only if the HCPCS pools are empty).
pub(crate) fn dme(
    cx: &Ctx<'_>,
    rng: &mut Rand,
    s: &Stub,
    ids: Ids,
) -> Option<(AnyClaim, NaiveDate)> {
    let t = &cx.g.tables;
    let year = s.from.year();
    let n_dx = rng.range(1, 3) as usize;
    let dx = cx.dx(rng, n_dx, s.thru);
    let supplier = cx.org(Org::DmeSupplier);
    let processed = weekly(s.thru);
    let rental = s.thru > s.from;

    let mut c = blank::dme_claim();
    c.bene_id = cx.p.bene_id;
    c.clm_id = ids.claim;
    c.clm_grp_id = ids.group;
    c.final_action = 'F';
    c.nch_near_line_rec_ident_cd = 'M';
    c.nch_clm_type_cd = if rng.chance(900) { "82" } else { "81" }.to_owned();
    c.clm_from_dt = s.from;
    c.clm_thru_dt = s.thru;
    c.nch_wkly_proc_dt = processed;
    c.carr_clm_entry_cd = '1';
    c.clm_disp_cd = "1".to_owned();
    c.carr_num = DME_MACS[cx.p.place % DME_MACS.len()].to_owned();
    c.carr_clm_pmt_dnl_cd = "1".to_owned();
    c.carr_clm_prvdr_asgnmt_ind_sw = 'A';
    c.carr_clm_hcpcs_yr_cd = Some('1');
    c.prncpal_dgns_cd = dx.principal();
    c.prncpal_dgns_vrsn_cd = Some(dx.version);
    put_dx(dx12!(c), &dx);
    c.rfr_physn_npi = Ctx::npi(cx.pcp());
    c.carr_clm_cntl_num = Some(ids.control_number());

    let lines = if cx.full {
        2
    } else {
        line_count(rng, &[700, 220, 80])
    };
    let mut total = LineMoney::default();
    for n in 0..lines {
        let Some(code) = rng.pick(&t.dme).cloned() else {
            break;
        };
        let code_text = code.as_str();
        let units = units_for(rng, code_text);
        let submitted = Ctx::vary(rng, base_charge(code_text)) * units;
        let m = LineMoney::price(rng, submitted, year, true, false);
        total.add(m);
        let supply = code_text.starts_with('A');
        let mut l = blank::dme_line();
        l.line_num = n as i64 + 1;
        l.tax_num = supplier.map_or_else(
            || "000000000".to_owned(),
            |f| f.number.get(..9).unwrap_or("000000000").to_owned(),
        );
        l.prvdr_spclty = Some("54".to_owned());
        l.prtcptng_ind_cd = Some('1');
        l.line_srvc_cnt = count(units, 0);
        l.line_cms_type_srvc_cd = if supply {
            '9'
        } else if rental {
            'R'
        } else {
            'P'
        };
        l.line_place_of_srvc_cd = "12".to_owned();
        l.line_1st_expns_dt = Some(s.from);
        l.line_last_expns_dt = Some(s.thru);
        l.hcpcs_1st_mdfr_cd = if supply {
            modifier(cx, rng, 100)
        } else {
            named_modifier(cx, if rental { "RR" } else { "NU" })
        };
        l.hcpcs_2nd_mdfr_cd = if cx.full {
            named_modifier(cx, "KX")
        } else {
            None
        };
        l.betos_cd = Some(betos(code_text).to_owned());
        l.line_nch_pmt_amt = money(m.paid());
        l.line_bene_pmt_amt = money(m.beneficiary);
        l.line_prvdr_pmt_amt = money(m.provider);
        l.line_bene_ptb_ddctbl_amt = money(m.deductible);
        l.line_coinsrnc_amt = money(m.coinsurance);
        l.line_prmry_alowd_chrg_amt = money(m.allowed);
        l.line_sbmtd_chrg_amt = money(m.submitted);
        l.line_alowd_chrg_amt = money(m.allowed);
        l.line_prcsg_ind_cd = Some("A".to_owned());
        l.line_pmt_80_100_cd = Some('0');
        l.line_service_deductible = Some(if m.deductible > 0 { '0' } else { '1' });
        l.line_icd_dgns_cd = dx.any(rng);
        l.line_icd_dgns_vrsn_cd = Some(dx.version);
        l.line_dme_prchs_price_amt = money(if rental { 0 } else { m.allowed });
        l.prvdr_num = supplier.map(|f| f.number.clone());
        l.prvdr_npi = supplier.map(|f| f.npi.clone());
        l.dmerc_line_prcng_state_cd = Some(cx.state().to_owned());
        l.prvdr_state_cd = cx.state().to_owned();
        l.dmerc_line_supplr_type_cd = Some('0');
        l.dmerc_line_mtus_cnt = count(units, 3);
        l.dmerc_line_mtus_cd = Some('3');
        l.line_ndc_cd = line_ndc(cx, rng, code_text);
        l.hcpcs_cd = Some(code);
        c.lines.push(l);
    }
    c.clm_pmt_amt = money(total.paid());
    c.nch_clm_prvdr_pmt_amt = money(total.provider);
    c.nch_clm_bene_pmt_amt = money(total.beneficiary);
    c.nch_carr_clm_sbmtd_chrg_amt = money(total.submitted);
    c.nch_carr_clm_alowd_amt = money(total.allowed);
    c.carr_clm_cash_ddctbl_apld_amt = money(total.deductible);
    (!c.lines.is_empty()).then(|| (AnyClaim::from(c), processed))
}
