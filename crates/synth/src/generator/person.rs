//! One enrollee as a person: demographics, entitlement and plan enrollment, identifiers,
//! chronic conditions, drugs and the providers they see; and their beneficiary rows (one
//! per reference year, with the monthly arrays) and beneficiary history rows.

use super::blank;
use super::data::{self, PLACES, Place};
use super::providers::{Org, PRIMARY_CARE};
use super::rng::{Rand, mix64};
use super::{Shared, add_days};
use crate::codes;
use bb_claims::model::{Beneficiary, BeneficiaryHistory};
use bb_claims::{Decimal, IcdCode, Mbi};
use chrono::{Datelike, NaiveDate};

/// Plan enrollment from a date on.
pub(crate) struct Plan {
    pub start: NaiveDate,
    pub contract: &'static str,
    pub pbp: &'static str,
}

/// An earlier MBI of the enrollee.
pub(crate) struct PastMbi {
    pub mbi: Mbi,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The providers an enrollee sees (indices into the pools of their place).
pub(crate) struct Care {
    pub pcp: usize,
    pub specialists: Vec<usize>,
    pub hospital: usize,
    pub snf: usize,
    pub hha: usize,
    pub hospice: usize,
    pub dme: usize,
    pub pharmacy: usize,
    pub group: usize,
}

/// Everything about an enrollee that their records share.
pub(crate) struct Person {
    pub bene_id: i64,
    pub place: usize,
    pub sex: char,
    pub birth: NaiveDate,
    pub death: Option<NaiveDate>,
    pub race: char,
    pub given: &'static str,
    pub surname: &'static str,
    pub middle: Option<char>,
    pub street: String,
    pub zip9: String,
    pub disabled: bool,
    pub esrd: bool,
    pub status: &'static str,
    pub coverage_start: NaiveDate,
    pub part_d: Option<Plan>,
    pub part_c: Option<Plan>,
    pub dual: bool,
    pub mbi: Option<Mbi>,
    pub hicn: String,
    pub past_mbis: Vec<PastMbi>,
    /// First and last possible day of service.
    pub window: (NaiveDate, NaiveDate),
    pub conditions10: Vec<IcdCode>,
    pub conditions9: Vec<IcdCode>,
    /// Indices into the drug pool.
    pub drugs: Vec<usize>,
    pub care: Care,
    pub carrier_number: usize,
    pub locality: &'static str,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Pricing localities (two digits, as CCW writes them).
const LOCALITIES: &[&str] = &[
    "01", "02", "03", "04", "05", "06", "07", "09", "15", "18", "26", "99",
];

impl Person {
    /// Draws a person. `full` makes the everything-set enrollee; `wants_part_d` forces Part D
    /// enrollment (the enrollee has Part D events).
    pub(crate) fn draw(
        g: &Shared,
        rng: &mut Rand,
        index: u32,
        full: bool,
        wants_part_d: bool,
    ) -> Self {
        let as_of = g.as_of;
        let place = if full {
            0
        } else {
            rng.weighted(&PLACES.iter().map(|p| p.weight).collect::<Vec<_>>())
        };
        let sex = if rng.chance(550) { '2' } else { '1' };
        // 8 % entitled by disability (under 65), the rest by age.
        let disabled = !full && rng.chance(80);
        let esrd = full || rng.chance(10);
        let age = if disabled {
            rng.range(30, 64)
        } else if full {
            78
        } else {
            match rng.weighted(&[450, 350, 150, 50]) {
                0 => rng.range(66, 74),
                1 => rng.range(75, 84),
                2 => rng.range(85, 92),
                _ => rng.range(93, 101),
            }
        };
        let birth = add_days(
            ymd(as_of.year() - age as i32, as_of.month(), 1),
            -rng.range(0, 364),
        );
        let coverage_start = if disabled {
            // Entitled by disability 2 to 15 years ago (after the 24-month waiting period).
            let years = rng.range(2, 15).min(age - 20);
            ymd(as_of.year() - years as i32, 1 + rng.below(12) as u32, 1)
        } else {
            // The month of the 65th birthday.
            ymd(birth.year() + 65, birth.month(), 1)
        };
        let status = match (disabled, esrd) {
            (false, false) => "10",
            (false, true) => "11",
            (true, false) => "20",
            (true, true) => "21",
        };
        let data_start = ymd(as_of.year() - 12, 1, 1);
        let window_start = coverage_start.max(data_start);
        let mut window_end = add_days(as_of, -9);
        let death = if (full || rng.chance(40)) && (window_end - window_start).num_days() > 400 {
            let span = (window_end - window_start).num_days() - 365;
            let d = if full {
                window_end
            } else {
                add_days(window_start, 365 + rng.range(0, span))
            };
            window_end = window_end.min(d);
            Some(d)
        } else {
            None
        };
        let window = (window_start, window_end.max(window_start));

        let race = if full {
            '1'
        } else {
            rng.pick_weighted(
                &[
                    ('1', 750),
                    ('2', 100),
                    ('5', 70),
                    ('4', 40),
                    ('3', 20),
                    ('6', 10),
                    ('0', 10),
                ],
                '1',
            )
        };
        let given = if sex == '2' {
            rng.pick_or(data::FEMALE_NAMES, "MARY")
        } else {
            rng.pick_or(data::MALE_NAMES, "JOHN")
        };
        let surname = rng.pick_or(data::SURNAMES, "SMITH");
        let middle = if full || rng.chance(700) {
            Some(char::from(b'A' + rng.below(26) as u8))
        } else {
            None
        };
        let street = format!(
            "{} {}",
            rng.range(1, 9_999),
            rng.pick_or(data::STREETS, "MAIN ST")
        );
        let zip9 = format!(
            "{}{:04}",
            PLACES.get(place).map_or("00000", |p| p.zip),
            rng.below(10_000)
        );

        let dual = full || rng.chance(150);
        let part_d = if full || wants_part_d || rng.chance(250) {
            let start = window.0.max(ymd(2006, 1, 1));
            Some(Plan {
                start: ymd(start.year(), start.month(), 1),
                contract: rng.pick_or(data::PART_D_CONTRACTS, "Z0001"),
                pbp: rng.pick_or(data::PBPS, "001"),
            })
        } else {
            None
        };
        let part_c = if full || rng.chance(70) {
            let start = if full {
                window.0
            } else {
                add_days(window.1, -rng.range(200, 1_500)).max(window.0)
            };
            Some(Plan {
                start: ymd(start.year(), start.month(), 1),
                contract: rng.pick_or(data::PART_C_CONTRACTS, "Y0001"),
                pbp: rng.pick_or(data::PBPS, "001"),
            })
        } else {
            None
        };

        // Three synthetic MBIs per enrollee: the current one and up to two earlier ones.
        let mbi_base = mix64(g.seed ^ 0x4D42_4931) % (codes::SYNTHETIC_MBI_COUNT / 2);
        let mbi_at =
            |j: u64| Mbi::parse(&codes::synthetic_mbi(mbi_base + u64::from(index) * 3 + j)).ok();
        let past_count = if full {
            2
        } else {
            rng.weighted(&[600, 300, 100])
        };
        let mut past_mbis = Vec::with_capacity(past_count);
        let mut to = add_days(as_of, -rng.range(200, 2_000)).max(add_days(window.0, 30));
        for j in 0..past_count {
            let from = add_days(to, -rng.range(365, 2_500))
                .max(coverage_start)
                .min(add_days(to, -1));
            if let Some(mbi) = mbi_at(1 + j as u64) {
                past_mbis.push(PastMbi { mbi, from, to });
            }
            to = add_days(from, -1);
        }

        let conditions = if full { 12 } else { rng.range(2, 12) as usize };
        let conditions10 = (0..conditions)
            .filter_map(|_| rng.pick(&g.tables.icd10_dx).cloned())
            .collect();
        let conditions9 = (0..conditions)
            .filter_map(|_| rng.pick(&g.tables.icd9_dx).cloned())
            .collect();
        let drug_count = if full { 6 } else { rng.range(1, 6) as usize };
        let drugs = (0..drug_count)
            .map(|_| rng.index(g.tables.drugs.len()))
            .collect();

        let practitioners = g.providers.practitioners(place);
        let primary: Vec<usize> = practitioners
            .iter()
            .enumerate()
            .filter(|(_, p)| PRIMARY_CARE.contains(&p.specialty))
            .map(|(i, _)| i)
            .collect();
        let pcp = primary.get(rng.index(primary.len())).copied().unwrap_or(0);
        let specialists = (0..rng.range(2, 6))
            .map(|_| rng.index(practitioners.len()))
            .collect();
        let mut org = |kind: Org| rng.index(g.providers.orgs(kind, place).len());
        let care = Care {
            pcp,
            specialists,
            hospital: org(Org::Hospital),
            snf: org(Org::Snf),
            hha: org(Org::Hha),
            hospice: org(Org::Hospice),
            dme: org(Org::DmeSupplier),
            pharmacy: org(Org::Pharmacy),
            group: org(Org::Group),
        };
        Person {
            bene_id: -(19_990_000_000_001 + i64::from(index)),
            place,
            sex,
            birth,
            death,
            race,
            given,
            surname,
            middle,
            street,
            zip9,
            disabled,
            esrd,
            status,
            coverage_start,
            part_d,
            part_c,
            dual,
            mbi: mbi_at(0),
            hicn: format!(
                "{:09}A",
                100_000_000 + (mix64(g.seed ^ u64::from(index)) % 800_000_000)
            ),
            past_mbis,
            window,
            conditions10,
            conditions9,
            drugs,
            care,
            carrier_number: (place * 7 + 3) % g.tables.carrier_numbers.len().max(1),
            locality: LOCALITIES[place % LOCALITIES.len()],
        }
    }

    /// The enrollee's place of residence.
    pub(crate) fn home(&self) -> &'static Place {
        PLACES.get(self.place).unwrap_or(&PLACES[0])
    }

    /// Age on a date, in whole years.
    pub(crate) fn age_on(&self, date: NaiveDate) -> i64 {
        let mut age = i64::from(date.year() - self.birth.year());
        if (date.month(), date.day()) < (self.birth.month(), self.birth.day()) {
            age -= 1;
        }
        age
    }
}

fn dec0(n: i64) -> Decimal {
    Decimal { units: n, scale: 0 }
}

/// Whether the enrollee was enrolled (Parts A and B) in a month.
fn enrolled(p: &Person, year: i32, month: u32) -> bool {
    let first = ymd(year, month, 1);
    let start = ymd(p.coverage_start.year(), p.coverage_start.month(), 1);
    first >= start && p.death.is_none_or(|d| first <= d)
}

macro_rules! months {
    ($b:ident, $($f:ident),+) => {
        [$(&mut $b.$f),+]
    };
}

/// The beneficiary rows: one per reference year from the start of the claims window (or of
/// coverage) to the generation year (or the year of death).
pub(crate) fn beneficiaries(p: &Person, as_of: NaiveDate, full: bool) -> Vec<Beneficiary> {
    let first = p.window.0.year().min(as_of.year());
    let last = p.death.map_or(as_of.year(), |d| d.year().min(as_of.year()));
    let place = p.home();
    (first..=last)
        .map(|year| beneficiary(p, place, year, as_of, full))
        .collect()
}

fn beneficiary(p: &Person, place: &Place, year: i32, as_of: NaiveDate, full: bool) -> Beneficiary {
    let mut b = blank::beneficiary();
    b.bene_id = p.bene_id;
    b.state_code = place.ssa.to_owned();
    b.bene_county_cd = format!("{}{}", place.ssa, place.fips.get(2..).unwrap_or("000"));
    b.bene_zip_cd = p.zip9.clone();
    b.bene_birth_dt = p.birth;
    b.bene_sex_ident_cd = p.sex;
    b.bene_race_cd = Some(p.race);
    b.rti_race_cd = Some(p.race);
    let reason = if p.disabled { '1' } else { '0' };
    b.bene_entlmt_rsn_orig = Some(reason);
    b.bene_entlmt_rsn_curr = Some(reason);
    b.bene_esrd_ind = Some(if p.esrd { 'Y' } else { '0' });
    b.bene_mdcr_status_cd = Some(p.status.to_owned());
    let terminated = p.death.is_some_and(|d| d.year() <= year);
    b.bene_pta_trmntn_cd = Some(if terminated { '1' } else { '0' });
    b.bene_ptb_trmntn_cd = Some(if terminated { '1' } else { '0' });
    b.bene_crnt_hic_num = p.hicn.clone();
    b.bene_srnm_name = p.surname.to_owned();
    b.bene_gvn_name = p.given.to_owned();
    b.bene_mdl_name = p.middle;
    b.mbi_num = p.mbi.clone();
    b.death_dt = p.death;
    b.v_dod_sw = p.death.map(|_| 'V');
    b.rfrnc_yr = dec0(i64::from(year));
    b.enrl_src = Some("EDB".to_owned());
    b.crnt_bic = Some("A".to_owned());
    let year_end = ymd(year, 12, 31).min(p.death.unwrap_or(NaiveDate::MAX));
    b.age = dec0(p.age_on(year_end));
    b.covstart = Some(p.coverage_start);
    b.pta_cvrg_strt_dt = Some(p.coverage_start);
    b.ptb_cvrg_strt_dt = Some(p.coverage_start);
    b.pta_cvrg_end_dt = p.death;
    b.ptb_cvrg_end_dt = p.death;
    b.ptd_cvrg_strt_dt = p.part_d.as_ref().map(|d| d.start);
    b.ptd_cvrg_end_dt = p.part_d.as_ref().and(p.death);
    b.drvd_line_1_adr = Some(p.street.clone());
    b.city_name = Some(place.city.to_owned());
    b.state_cd = Some(place.postal.to_owned());
    b.state_cnty_zip_cd = Some(p.zip9.clone());
    if full {
        b.drvd_line_2_adr = Some("APT 2".to_owned());
        b.efctv_bgn_dt = Some(p.coverage_start);
        b.bene_link_key = dec0(1);
        b.efivepct = Some('Y');
        b.sample_group = Some("01".to_owned());
    }

    let last_month = if year == as_of.year() {
        as_of.month()
    } else {
        12
    };
    let fips = months!(
        b,
        fips_state_cnty_jan_cd,
        fips_state_cnty_feb_cd,
        fips_state_cnty_mar_cd,
        fips_state_cnty_apr_cd,
        fips_state_cnty_may_cd,
        fips_state_cnty_jun_cd,
        fips_state_cnty_jul_cd,
        fips_state_cnty_aug_cd,
        fips_state_cnty_sept_cd,
        fips_state_cnty_oct_cd,
        fips_state_cnty_nov_cd,
        fips_state_cnty_dec_cd
    );
    let stus = months!(
        b,
        mdcr_stus_jan_cd,
        mdcr_stus_feb_cd,
        mdcr_stus_mar_cd,
        mdcr_stus_apr_cd,
        mdcr_stus_may_cd,
        mdcr_stus_jun_cd,
        mdcr_stus_jul_cd,
        mdcr_stus_aug_cd,
        mdcr_stus_sept_cd,
        mdcr_stus_oct_cd,
        mdcr_stus_nov_cd,
        mdcr_stus_dec_cd
    );
    let buyin = months!(
        b,
        mdcr_entlmt_buyin_1_ind,
        mdcr_entlmt_buyin_2_ind,
        mdcr_entlmt_buyin_3_ind,
        mdcr_entlmt_buyin_4_ind,
        mdcr_entlmt_buyin_5_ind,
        mdcr_entlmt_buyin_6_ind,
        mdcr_entlmt_buyin_7_ind,
        mdcr_entlmt_buyin_8_ind,
        mdcr_entlmt_buyin_9_ind,
        mdcr_entlmt_buyin_10_ind,
        mdcr_entlmt_buyin_11_ind,
        mdcr_entlmt_buyin_12_ind
    );
    let hmo = months!(
        b, hmo_1_ind, hmo_2_ind, hmo_3_ind, hmo_4_ind, hmo_5_ind, hmo_6_ind, hmo_7_ind, hmo_8_ind,
        hmo_9_ind, hmo_10_ind, hmo_11_ind, hmo_12_ind
    );
    let ptc_contract = months!(
        b,
        ptc_cntrct_jan_id,
        ptc_cntrct_feb_id,
        ptc_cntrct_mar_id,
        ptc_cntrct_apr_id,
        ptc_cntrct_may_id,
        ptc_cntrct_jun_id,
        ptc_cntrct_jul_id,
        ptc_cntrct_aug_id,
        ptc_cntrct_sept_id,
        ptc_cntrct_oct_id,
        ptc_cntrct_nov_id,
        ptc_cntrct_dec_id
    );
    let ptc_pbp = months!(
        b,
        ptc_pbp_jan_id,
        ptc_pbp_feb_id,
        ptc_pbp_mar_id,
        ptc_pbp_apr_id,
        ptc_pbp_may_id,
        ptc_pbp_jun_id,
        ptc_pbp_jul_id,
        ptc_pbp_aug_id,
        ptc_pbp_sept_id,
        ptc_pbp_oct_id,
        ptc_pbp_nov_id,
        ptc_pbp_dec_id
    );
    let ptc_type = months!(
        b,
        ptc_plan_type_jan_cd,
        ptc_plan_type_feb_cd,
        ptc_plan_type_mar_cd,
        ptc_plan_type_apr_cd,
        ptc_plan_type_may_cd,
        ptc_plan_type_jun_cd,
        ptc_plan_type_jul_cd,
        ptc_plan_type_aug_cd,
        ptc_plan_type_sept_cd,
        ptc_plan_type_oct_cd,
        ptc_plan_type_nov_cd,
        ptc_plan_type_dec_cd
    );
    let ptd_contract = months!(
        b,
        ptd_cntrct_jan_id,
        ptd_cntrct_feb_id,
        ptd_cntrct_mar_id,
        ptd_cntrct_apr_id,
        ptd_cntrct_may_id,
        ptd_cntrct_jun_id,
        ptd_cntrct_jul_id,
        ptd_cntrct_aug_id,
        ptd_cntrct_sept_id,
        ptd_cntrct_oct_id,
        ptd_cntrct_nov_id,
        ptd_cntrct_dec_id
    );
    let ptd_pbp = months!(
        b,
        ptd_pbp_jan_id,
        ptd_pbp_feb_id,
        ptd_pbp_mar_id,
        ptd_pbp_apr_id,
        ptd_pbp_may_id,
        ptd_pbp_jun_id,
        ptd_pbp_jul_id,
        ptd_pbp_aug_id,
        ptd_pbp_sept_id,
        ptd_pbp_oct_id,
        ptd_pbp_nov_id,
        ptd_pbp_dec_id
    );
    let ptd_sgmt = months!(
        b,
        ptd_sgmt_jan_id,
        ptd_sgmt_feb_id,
        ptd_sgmt_mar_id,
        ptd_sgmt_apr_id,
        ptd_sgmt_may_id,
        ptd_sgmt_jun_id,
        ptd_sgmt_jul_id,
        ptd_sgmt_aug_id,
        ptd_sgmt_sept_id,
        ptd_sgmt_oct_id,
        ptd_sgmt_nov_id,
        ptd_sgmt_dec_id
    );
    let rds = months!(
        b,
        rds_jan_ind,
        rds_feb_ind,
        rds_mar_ind,
        rds_apr_ind,
        rds_may_ind,
        rds_jun_ind,
        rds_jul_ind,
        rds_aug_ind,
        rds_sept_ind,
        rds_oct_ind,
        rds_nov_ind,
        rds_dec_ind
    );
    let dual = months!(
        b,
        meta_dual_elgbl_stus_jan_cd,
        meta_dual_elgbl_stus_feb_cd,
        meta_dual_elgbl_stus_mar_cd,
        meta_dual_elgbl_stus_apr_cd,
        meta_dual_elgbl_stus_may_cd,
        meta_dual_elgbl_stus_jun_cd,
        meta_dual_elgbl_stus_jul_cd,
        meta_dual_elgbl_stus_aug_cd,
        meta_dual_elgbl_stus_sept_cd,
        meta_dual_elgbl_stus_oct_cd,
        meta_dual_elgbl_stus_nov_cd,
        meta_dual_elgbl_stus_dec_cd
    );
    let cst_shr = months!(
        b,
        cst_shr_grp_jan_cd,
        cst_shr_grp_feb_cd,
        cst_shr_grp_mar_cd,
        cst_shr_grp_apr_cd,
        cst_shr_grp_may_cd,
        cst_shr_grp_jun_cd,
        cst_shr_grp_jul_cd,
        cst_shr_grp_aug_cd,
        cst_shr_grp_sept_cd,
        cst_shr_grp_oct_cd,
        cst_shr_grp_nov_cd,
        cst_shr_grp_dec_cd
    );

    let (mut a_months, mut buyin_months, mut hmo_months, mut dual_months, mut d_months) =
        (0, 0, 0, 0, 0);
    for (
        m,
        (
            (
                (
                    ((((fips, stus), buyin), hmo), (ptc_contract, (ptc_pbp, ptc_type))),
                    (ptd_contract, (ptd_pbp, ptd_sgmt)),
                ),
                (rds, dual),
            ),
            cst_shr,
        ),
    ) in fips
        .into_iter()
        .zip(stus)
        .zip(buyin)
        .zip(hmo)
        .zip(
            ptc_contract
                .into_iter()
                .zip(ptc_pbp.into_iter().zip(ptc_type)),
        )
        .zip(
            ptd_contract
                .into_iter()
                .zip(ptd_pbp.into_iter().zip(ptd_sgmt)),
        )
        .zip(rds.into_iter().zip(dual))
        .zip(cst_shr)
        .enumerate()
    {
        let month = m as u32 + 1;
        if month > last_month || !enrolled(p, year, month) {
            continue;
        }
        let first = ymd(year, month, 1);
        a_months += 1;
        *fips = Some(place.fips.to_owned());
        *stus = Some(p.status.to_owned());
        *buyin = Some(if p.dual { 'C' } else { '3' });
        buyin_months += i64::from(p.dual);
        *dual = Some(if p.dual { "02" } else { "NA" }.to_owned());
        dual_months += i64::from(p.dual);
        let in_c = p.part_c.as_ref().filter(|c| first >= c.start);
        *hmo = Some(if in_c.is_some() { 'C' } else { '0' });
        if let Some(c) = in_c {
            hmo_months += 1;
            *ptc_contract = Some(c.contract.to_owned());
            *ptc_pbp = Some(c.pbp.to_owned());
            *ptc_type = Some("001".to_owned());
        }
        if let Some(d) = p.part_d.as_ref().filter(|d| first >= d.start) {
            d_months += 1;
            *ptd_contract = Some(d.contract.to_owned());
            *ptd_pbp = Some(d.pbp.to_owned());
            *ptd_sgmt = Some("000".to_owned());
            *rds = Some('N');
            *cst_shr = Some(if p.dual { "01" } else { "09" }.to_owned());
        }
    }
    b.a_mo_cnt = dec0(a_months);
    b.b_mo_cnt = dec0(a_months);
    b.buyin_mo_cnt = dec0(buyin_months);
    b.hmo_mo_cnt = dec0(hmo_months);
    b.dual_mo_cnt = dec0(dual_months);
    b.plan_cvrg_mo_cnt = dec0(d_months);
    if full {
        b.rds_mo_cnt = dec0(0);
    }
    b
}

/// The beneficiary history rows: one per earlier MBI.
pub(crate) fn history(p: &Person) -> Vec<BeneficiaryHistory> {
    let place = p.home();
    p.past_mbis
        .iter()
        .map(|past| {
            let mut h = blank::beneficiary_history();
            h.bene_id = p.bene_id;
            h.state_code = Some(place.ssa.to_owned());
            h.bene_county_cd = Some(format!(
                "{}{}",
                place.ssa,
                place.fips.get(2..).unwrap_or("000")
            ));
            h.bene_zip_cd = Some(p.zip9.clone());
            h.bene_birth_dt = p.birth;
            h.bene_sex_ident_cd = p.sex;
            h.bene_race_cd = Some(p.race.to_string());
            let reason = if p.disabled { "1" } else { "0" };
            h.bene_entlmt_rsn_orig = Some(reason.to_owned());
            h.bene_entlmt_rsn_curr = Some(reason.to_owned());
            h.bene_esrd_ind = Some(if p.esrd { "Y" } else { "0" }.to_owned());
            h.bene_mdcr_status_cd = Some(p.status.to_owned());
            h.bene_pta_trmntn_cd = Some("0".to_owned());
            h.bene_ptb_trmntn_cd = Some("0".to_owned());
            h.bene_crnt_hic_num = p.hicn.clone();
            h.bene_srnm_name = Some(p.surname.to_owned());
            h.bene_gvn_name = Some(p.given.to_owned());
            h.bene_mdl_name = p.middle.map(String::from);
            h.mbi_num = Some(past.mbi.clone());
            h.efctv_bgn_dt = Some(past.from);
            h.efctv_end_dt = Some(past.to);
            h
        })
        .collect()
}
