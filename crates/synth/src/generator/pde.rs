//! Part D events: one fill of one of the enrollee's regular drugs at their pharmacy,
//! prescribed by their PCP or a specialist, with the cost split the PDE layout records:
//! total cost = patient pay + other TrOOP + low-income subsidy + patient liability
//! reduction + covered plan paid + non-covered plan paid = gross drug cost below + above
//! the out-of-pocket threshold.

use super::blank;
use super::claims::{Ctx, Ids, count, money, percent};
use super::providers::Org;
use super::rng::Rand;
use super::{Stub, add_days};
use bb_claims::model::AnyClaim;
use chrono::NaiveDate;

/// A Part D event.
/// `None` only if the drug table is empty.
pub(crate) fn event(
    cx: &Ctx<'_>,
    rng: &mut Rand,
    s: &Stub,
    ids: Ids,
) -> Option<(AnyClaim, NaiveDate)> {
    let t = &cx.g.tables;
    let slot = rng.pick(&cx.p.drugs).copied().unwrap_or(0);
    let drug = t.drugs.get(slot).or_else(|| t.drugs.first())?;
    let days_supply = if rng.chance(350) { 90 } else { 30 };
    let quantity = days_supply * rng.range(1, 2);
    let paid = add_days(s.from, rng.range(0, 7))
        .min(add_days(cx.g.as_of, -2))
        .max(s.from);
    let pharmacy = cx.org(Org::Pharmacy);
    let prescriber = if rng.chance(600) {
        cx.pcp()
    } else {
        cx.specialist(rng)
    };
    let generic = drug.brand_generic == 'G';

    // Cost: generics $4–$60 a month, brands $150–$900.
    let monthly = if generic {
        rng.range(400, 6_000)
    } else {
        rng.range(15_000, 90_000)
    };
    let total = monthly * days_supply / 30;
    let low_income = cx.p.dual;
    let patient = if low_income {
        total.min(rng.range(0, 1_200))
    } else {
        percent(total, rng.range(10, 35))
    };
    let lics = if low_income {
        percent(total - patient, rng.range(5, 20))
    } else {
        0
    };
    let other_troop = if cx.full {
        percent(total - patient - lics, 2)
    } else {
        0
    };
    let plro = if cx.full {
        percent(total - patient - lics - other_troop, 1)
    } else {
        0
    };
    let non_covered = if cx.full || rng.chance(30) {
        percent(total - patient - lics - other_troop - plro, 5)
    } else {
        0
    };
    let covered = total - patient - lics - other_troop - plro - non_covered;
    let above_threshold = if !generic && rng.chance(100) {
        percent(total, 40)
    } else {
        0
    };

    let mut e = blank::part_d_event(drug.ndc.clone());
    e.pde_id = ids.claim;
    e.clm_grp_id = ids.group;
    e.final_action = 'F';
    e.bene_id = cx.p.bene_id;
    e.srvc_dt = s.from;
    e.pd_dt = Some(paid);
    e.srvc_prvdr_id_qlfyr_cd = "01".to_owned();
    e.srvc_prvdr_id = pharmacy.map_or_else(|| "0".to_owned(), |f| f.npi.as_str().to_owned());
    e.prscrbr_id_qlfyr_cd = "01".to_owned();
    e.prscrbr_id = prescriber.map_or_else(|| "0".to_owned(), |p| p.npi.as_str().to_owned());
    e.rx_srvc_rfrnc_num = count(100_000 + rng.range(0, 899_999), 0);
    let plan = cx.p.part_d.as_ref();
    e.plan_cntrct_rec_id = plan.map_or("Z0001", |d| d.contract).to_owned();
    e.plan_pbp_rec_num = plan.map_or("001", |d| d.pbp).to_owned();
    e.cmpnd_cd = 1;
    e.daw_prod_slctn_cd = if generic { '0' } else { '1' };
    e.qty_dspnsd_num = count(quantity, 3);
    e.days_suply_num = count(days_supply, 0);
    e.fill_num = count(rng.range(0, 11), 0);
    e.dspnsng_stus_cd = if cx.full { Some('P') } else { None };
    e.drug_cvrg_stus_cd = 'C';
    e.adjstmt_dltn_cd = if cx.full { Some('A') } else { None };
    e.nstd_frmt_cd = if cx.full { Some('X') } else { None };
    e.prcng_excptn_cd = if cx.full { Some('M') } else { None };
    e.ctstrphc_cvrg_cd = if cx.full || above_threshold > 0 {
        Some('C')
    } else {
        None
    };
    e.gdc_blw_oopt_amt = money(total - above_threshold);
    e.gdc_abv_oopt_amt = money(above_threshold);
    e.ptnt_pay_amt = money(patient);
    e.othr_troop_amt = money(other_troop);
    e.lics_amt = money(lics);
    e.plro_amt = money(plro);
    e.cvrd_d_plan_pd_amt = money(covered);
    e.ncvrd_plan_pd_amt = money(non_covered);
    e.tot_rx_cst_amt = money(total);
    e.rx_orgn_cd = Some(rng.pick_or(&['1', '2', '3', '4'], '1'));
    e.rptd_gap_dscnt_num = money(0);
    e.brnd_gnrc_cd = Some(drug.brand_generic);
    e.phrmcy_srvc_type_cd = if rng.chance(900) { "01" } else { "07" }.to_owned();
    e.ptnt_rsdnc_cd = "01".to_owned();
    e.submsn_clr_cd = if cx.full { Some("00".to_owned()) } else { None };
    Some((AnyClaim::from(e), paid))
}
