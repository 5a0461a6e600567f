//! Coverage (`C4BB-Coverage`), one per Medicare part, as BFD's `CoverageTransformerV2`
//! renders it: ids `part-a-<bene_id>` … `part-d-<bene_id>`.
//!
//! **Which record.** BFD renders its single `beneficiaries` row, which holds the last loaded
//! reference-year record, plus `beneficiary_monthly` (one row per year-month of every loaded
//! year). We render the record of the latest `rfrnc_yr` ([`super::patient::current`]) and
//! rebuild the monthly rows from all reference-year records of the beneficiary: a month has
//! a row when any of its thirteen monthly columns is present (`RifLoader.
//! getBeneficiaryMonthly`). Only Part D reads them, as `bb:ptdcntrctNN/<year>-<month>`
//! extensions (contract id, `0` when absent), in year-month order.
//!
//! **Element rules** (mirroring BFD; every coded extension only when its column is present):
//! - A: `status` `active` iff `a_trm_cd` is `0`, else `cancelled`; `period` from the Part A
//!   coverage dates; extensions `ms_cd`, `orec`, `crec`, `esrd_ind`, `a_trm_cd`, then
//!   `rfrnc_yr`, `dual_NN`, `buyinNN`.
//! - B: the same with `b_trm_cd` and the Part B dates; extensions `ms_cd`, `b_trm_cd`,
//!   `rfrnc_yr`, `dual_NN`, `buyinNN`.
//! - C: always `active`, no `period`; `ptc_cntrct_id_NN`, `ptc_pbp_id_NN`,
//!   `ptc_plan_type_cd_NN`, `hmo_ind_NN`, `rfrnc_yr`, `dual_NN`.
//! - D: always `active`, Part D dates; `ms_cd`, `ptdcntrctNN`, the monthly contract ids,
//!   `ptdpbpidNN`, `sgmtidNN`, `cstshrNN`, `rdsindNN`, `rfrnc_yr`, `dual_NN`.
//! - All: `type` v3-ActCode `SUBSIDIZ`, `subscriberId` the current MBI (when known),
//!   `beneficiary`, `relationship` self, `payor` CMS, `class` group Medicare and plan
//!   `Part X`.
//!
//! BFD writes the reference-year block only when `rfrnc_yr` is present; our model always
//! has one.

use super::RenderContext;
use super::common::{ccw_display, ccw_url, date, ext_ccw_coding, instant};
use super::patient::year_of;
use bb_claims::model::Beneficiary;
use bb_fhir::json::{Arr, Obj};
use chrono::NaiveDate;

/// Profile URL of the C4BB Coverage profile.
pub const C4BB_COVERAGE: &str = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Coverage";

/// `TransformerConstants.COVERAGE_ISSUER`.
const COVERAGE_ISSUER: &str = "Centers for Medicare and Medicaid Services";
/// `CoverageClass`'s system.
const COVERAGE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/coverage-class";
/// `SubscriberPolicyRelationship`'s system.
const SUBSCRIBER_RELATIONSHIP: &str =
    "http://terminology.hl7.org/CodeSystem/subscriber-relationship";

/// A Medicare part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// Part A (hospital).
    A,
    /// Part B (medical).
    B,
    /// Part C (Medicare Advantage).
    C,
    /// Part D (drugs).
    D,
}

impl Part {
    /// Every part, in id order.
    pub const ALL: [Part; 4] = [Part::A, Part::B, Part::C, Part::D];

    /// `a`, `b`, `c` or `d`.
    pub fn letter(self) -> char {
        match self {
            Self::A => 'a',
            Self::B => 'b',
            Self::C => 'c',
            Self::D => 'd',
        }
    }

    /// The Coverage id of this part for a beneficiary: `part-a-567834`, `part-a--1000`.
    pub fn coverage_id(self, bene_id: i64) -> String {
        format!("part-{}-{bene_id}", self.letter())
    }

    /// The part of a Coverage id, with the beneficiary id (`part-a-567834` → (A, 567834)).
    pub fn parse_id(id: &str) -> Option<(Part, i64)> {
        let rest = id.strip_prefix("part-")?;
        let (letter, bene) = rest.split_once('-')?;
        let part = match letter {
            "a" => Self::A,
            "b" => Self::B,
            "c" => Self::C,
            "d" => Self::D,
            _ => return None,
        };
        Some((part, bene.parse().ok()?))
    }

    /// `Part A` … `Part D` (the plan class value).
    fn plan(self) -> &'static str {
        match self {
            Self::A => "Part A",
            Self::B => "Part B",
            Self::C => "Part C",
            Self::D => "Part D",
        }
    }
}

/// Renders the Coverage of `part` for the beneficiary whose current record is `current`
/// (see [`super::patient::current`]); `years` are all of the beneficiary's reference-year
/// records, in any order (`current` among them), for Part D's monthly contract ids.
pub fn render(
    part: Part,
    current: &Beneficiary,
    years: &[Beneficiary],
    ctx: &RenderContext,
    out: &mut Vec<u8>,
) {
    let b = current;
    bb_fhir::json::object(out, |o| {
        o.str("resourceType", "Coverage")
            .str("id", &part.coverage_id(b.bene_id));
        o.obj("meta", |m| {
            m.str("lastUpdated", &instant(ctx.last_updated));
            m.arr("profile", |a| {
                a.str(C4BB_COVERAGE);
            });
        });
        o.arr("extension", |a| match part {
            Part::A => part_a_extensions(a, b),
            Part::B => part_b_extensions(a, b),
            Part::C => part_c_extensions(a, b),
            Part::D => part_d_extensions(a, b, years),
        });
        let active = match part {
            Part::A => b.bene_pta_trmntn_cd == Some('0'),
            Part::B => b.bene_ptb_trmntn_cd == Some('0'),
            Part::C | Part::D => true,
        };
        o.str("status", if active { "active" } else { "cancelled" });
        o.obj("type", |t| {
            t.arr("coding", |c| {
                c.obj(|c| {
                    c.str("system", "http://terminology.hl7.org/CodeSystem/v3-ActCode")
                        .str("code", "SUBSIDIZ");
                });
            });
        });
        o.opt_str("subscriberId", b.mbi_num.as_ref().map(|m| m.as_str()));
        o.obj("beneficiary", |r| {
            r.str("reference", &format!("Patient/{}", b.bene_id));
        });
        o.obj("relationship", |r| {
            r.arr("coding", |c| {
                c.obj(|c| {
                    c.str("system", SUBSCRIBER_RELATIONSHIP)
                        .str("code", "self")
                        .str("display", "Self");
                });
            });
        });
        let (start, end) = match part {
            Part::A => (b.pta_cvrg_strt_dt, b.pta_cvrg_end_dt),
            Part::B => (b.ptb_cvrg_strt_dt, b.ptb_cvrg_end_dt),
            Part::C => (None, None),
            Part::D => (b.ptd_cvrg_strt_dt, b.ptd_cvrg_end_dt),
        };
        o.obj("period", |p| period(p, start, end));
        o.arr("payor", |a| {
            a.obj(|p| {
                p.obj("identifier", |i| {
                    i.str("value", COVERAGE_ISSUER);
                });
            });
        });
        o.arr("class", |a| {
            coverage_class(a, "group", "Group", "Medicare");
            coverage_class(a, "plan", "Plan", part.plan());
        });
    });
}

fn period(p: &mut Obj<'_>, start: Option<NaiveDate>, end: Option<NaiveDate>) {
    if let Some(s) = start {
        p.str("start", &date(s));
    }
    if let Some(e) = end {
        p.str("end", &date(e));
    }
}

fn coverage_class(a: &mut Arr<'_>, code: &str, display: &str, value: &str) {
    a.obj(|c| {
        c.obj("type", |t| {
            t.arr("coding", |cs| {
                cs.obj(|cd| {
                    cd.str("system", COVERAGE_CLASS)
                        .str("code", code)
                        .str("display", display);
                });
            });
        });
        c.str("value", value);
    });
}

/// A coded extension when the code is present.
fn ext_str(a: &mut Arr<'_>, variable: &str, code: Option<&str>) {
    if let Some(code) = code {
        ext_ccw_coding(a, variable, code);
    }
}

/// A coded extension of a one-character code when present.
fn ext_char(a: &mut Arr<'_>, variable: &str, code: Option<char>) {
    if let Some(code) = code {
        ext_ccw_coding(a, variable, code.encode_utf8(&mut [0; 4]));
    }
}

/// Twelve monthly extensions `<prefix>01` … `<prefix>12`.
fn monthly_str(a: &mut Arr<'_>, prefix: &str, codes: [Option<&str>; 12]) {
    for (i, code) in codes.into_iter().enumerate() {
        if let Some(code) = code {
            ext_ccw_coding(a, &format!("{prefix}{:02}", i + 1), code);
        }
    }
}

fn monthly_char(a: &mut Arr<'_>, prefix: &str, codes: [Option<char>; 12]) {
    for (i, code) in codes.into_iter().enumerate() {
        if let Some(code) = code {
            ext_ccw_coding(
                a,
                &format!("{prefix}{:02}", i + 1),
                code.encode_utf8(&mut [0; 4]),
            );
        }
    }
}

/// `rfrnc_yr` (`valueDate` of the year) and the twelve `dual_NN` codes.
fn reference_year_and_duals(a: &mut Arr<'_>, b: &Beneficiary) {
    a.obj(|e| {
        e.str("url", &ccw_url("rfrnc_yr"))
            .str("valueDate", &format!("{:04}", year_of(b)));
    });
    monthly_str(a, "dual_", monthly::dual(b));
}

fn part_a_extensions(a: &mut Arr<'_>, b: &Beneficiary) {
    ext_str(a, "ms_cd", b.bene_mdcr_status_cd.as_deref());
    ext_char(a, "orec", b.bene_entlmt_rsn_orig);
    ext_char(a, "crec", b.bene_entlmt_rsn_curr);
    ext_char(a, "esrd_ind", b.bene_esrd_ind);
    ext_char(a, "a_trm_cd", b.bene_pta_trmntn_cd);
    reference_year_and_duals(a, b);
    monthly_char(a, "buyin", monthly::buyin(b));
}

fn part_b_extensions(a: &mut Arr<'_>, b: &Beneficiary) {
    ext_str(a, "ms_cd", b.bene_mdcr_status_cd.as_deref());
    ext_char(a, "b_trm_cd", b.bene_ptb_trmntn_cd);
    reference_year_and_duals(a, b);
    monthly_char(a, "buyin", monthly::buyin(b));
}

fn part_c_extensions(a: &mut Arr<'_>, b: &Beneficiary) {
    monthly_str(a, "ptc_cntrct_id_", monthly::ptc_cntrct(b));
    monthly_str(a, "ptc_pbp_id_", monthly::ptc_pbp(b));
    monthly_str(a, "ptc_plan_type_cd_", monthly::ptc_plan_type(b));
    monthly_char(a, "hmo_ind_", monthly::hmo(b));
    reference_year_and_duals(a, b);
}

fn part_d_extensions(a: &mut Arr<'_>, b: &Beneficiary, years: &[Beneficiary]) {
    ext_str(a, "ms_cd", b.bene_mdcr_status_cd.as_deref());
    monthly_str(a, "ptdcntrct", monthly::ptd_cntrct(b));
    let mut ordered: Vec<&Beneficiary> = years.iter().collect();
    ordered.sort_by_key(|y| year_of(y));
    for y in ordered {
        let year = year_of(y);
        let contracts = monthly::ptd_cntrct(y);
        let present = monthly::present(y);
        for month in 0..12 {
            if !present[month] {
                continue;
            }
            let variable = format!("ptdcntrct{:02}", month + 1);
            let code = contracts[month].filter(|c| !c.is_empty()).unwrap_or("0");
            a.obj(|e| {
                e.str(
                    "url",
                    &format!("{}/{year}-{}", ccw_url(&variable), month + 1),
                );
                e.obj("valueCoding", |c| {
                    c.str("system", &ccw_url(&variable))
                        .str("code", code)
                        .opt_str("display", ccw_display(&variable, code));
                });
            });
        }
    }
    monthly_str(a, "ptdpbpid", monthly::ptd_pbp(b));
    monthly_str(a, "sgmtid", monthly::ptd_sgmt(b));
    monthly_str(a, "cstshr", monthly::cst_shr(b));
    monthly_char(a, "rdsind", monthly::rds(b));
    reference_year_and_duals(a, b);
}

/// The monthly columns of a reference-year record, January … December.
pub(crate) mod monthly {
    use bb_claims::model::Beneficiary;

    /// Whether BFD's loader makes a `beneficiary_monthly` row for each month: any of the
    /// thirteen monthly columns present (`RifLoader.getBeneficiaryMonthly`).
    pub(crate) fn present(b: &Beneficiary) -> [bool; 12] {
        let (buyin, fips, hmo, dual) = (buyin(b), fips(b), hmo(b), dual(b));
        let (stus, c_cntrct, c_pbp, c_type) =
            (mdcr_stus(b), ptc_cntrct(b), ptc_pbp(b), ptc_plan_type(b));
        let (d_cntrct, d_pbp, d_sgmt, cst, rds) =
            (ptd_cntrct(b), ptd_pbp(b), ptd_sgmt(b), cst_shr(b), rds(b));
        std::array::from_fn(|m| {
            buyin[m].is_some()
                || fips[m].is_some()
                || hmo[m].is_some()
                || dual[m].is_some()
                || stus[m].is_some()
                || c_cntrct[m].is_some()
                || c_pbp[m].is_some()
                || c_type[m].is_some()
                || d_cntrct[m].is_some()
                || cst[m].is_some()
                || d_pbp[m].is_some()
                || rds[m].is_some()
                || d_sgmt[m].is_some()
        })
    }

    /// `mdcr_entlmt_buyin_<n>_ind` of January … December.
    pub(crate) fn buyin(b: &Beneficiary) -> [Option<char>; 12] {
        [
            b.mdcr_entlmt_buyin_1_ind,
            b.mdcr_entlmt_buyin_2_ind,
            b.mdcr_entlmt_buyin_3_ind,
            b.mdcr_entlmt_buyin_4_ind,
            b.mdcr_entlmt_buyin_5_ind,
            b.mdcr_entlmt_buyin_6_ind,
            b.mdcr_entlmt_buyin_7_ind,
            b.mdcr_entlmt_buyin_8_ind,
            b.mdcr_entlmt_buyin_9_ind,
            b.mdcr_entlmt_buyin_10_ind,
            b.mdcr_entlmt_buyin_11_ind,
            b.mdcr_entlmt_buyin_12_ind,
        ]
    }

    /// `fips_state_cnty_<month>_cd` of January … December.
    pub(crate) fn fips(b: &Beneficiary) -> [Option<&str>; 12] {
        [
            b.fips_state_cnty_jan_cd.as_deref(),
            b.fips_state_cnty_feb_cd.as_deref(),
            b.fips_state_cnty_mar_cd.as_deref(),
            b.fips_state_cnty_apr_cd.as_deref(),
            b.fips_state_cnty_may_cd.as_deref(),
            b.fips_state_cnty_jun_cd.as_deref(),
            b.fips_state_cnty_jul_cd.as_deref(),
            b.fips_state_cnty_aug_cd.as_deref(),
            b.fips_state_cnty_sept_cd.as_deref(),
            b.fips_state_cnty_oct_cd.as_deref(),
            b.fips_state_cnty_nov_cd.as_deref(),
            b.fips_state_cnty_dec_cd.as_deref(),
        ]
    }

    /// `hmo_<n>_ind` of January … December.
    pub(crate) fn hmo(b: &Beneficiary) -> [Option<char>; 12] {
        [
            b.hmo_1_ind,
            b.hmo_2_ind,
            b.hmo_3_ind,
            b.hmo_4_ind,
            b.hmo_5_ind,
            b.hmo_6_ind,
            b.hmo_7_ind,
            b.hmo_8_ind,
            b.hmo_9_ind,
            b.hmo_10_ind,
            b.hmo_11_ind,
            b.hmo_12_ind,
        ]
    }

    /// `meta_dual_elgbl_stus_<month>_cd` of January … December.
    pub(crate) fn dual(b: &Beneficiary) -> [Option<&str>; 12] {
        [
            b.meta_dual_elgbl_stus_jan_cd.as_deref(),
            b.meta_dual_elgbl_stus_feb_cd.as_deref(),
            b.meta_dual_elgbl_stus_mar_cd.as_deref(),
            b.meta_dual_elgbl_stus_apr_cd.as_deref(),
            b.meta_dual_elgbl_stus_may_cd.as_deref(),
            b.meta_dual_elgbl_stus_jun_cd.as_deref(),
            b.meta_dual_elgbl_stus_jul_cd.as_deref(),
            b.meta_dual_elgbl_stus_aug_cd.as_deref(),
            b.meta_dual_elgbl_stus_sept_cd.as_deref(),
            b.meta_dual_elgbl_stus_oct_cd.as_deref(),
            b.meta_dual_elgbl_stus_nov_cd.as_deref(),
            b.meta_dual_elgbl_stus_dec_cd.as_deref(),
        ]
    }

    /// `mdcr_stus_<month>_cd` of January … December.
    pub(crate) fn mdcr_stus(b: &Beneficiary) -> [Option<&str>; 12] {
        [
            b.mdcr_stus_jan_cd.as_deref(),
            b.mdcr_stus_feb_cd.as_deref(),
            b.mdcr_stus_mar_cd.as_deref(),
            b.mdcr_stus_apr_cd.as_deref(),
            b.mdcr_stus_may_cd.as_deref(),
            b.mdcr_stus_jun_cd.as_deref(),
            b.mdcr_stus_jul_cd.as_deref(),
            b.mdcr_stus_aug_cd.as_deref(),
            b.mdcr_stus_sept_cd.as_deref(),
            b.mdcr_stus_oct_cd.as_deref(),
            b.mdcr_stus_nov_cd.as_deref(),
            b.mdcr_stus_dec_cd.as_deref(),
        ]
    }

    /// `ptc_cntrct_<month>_id` of January … December.
    pub(crate) fn ptc_cntrct(b: &Beneficiary) -> [Option<&str>; 12] {
        [
            b.ptc_cntrct_jan_id.as_deref(),
            b.ptc_cntrct_feb_id.as_deref(),
            b.ptc_cntrct_mar_id.as_deref(),
            b.ptc_cntrct_apr_id.as_deref(),
            b.ptc_cntrct_may_id.as_deref(),
            b.ptc_cntrct_jun_id.as_deref(),
            b.ptc_cntrct_jul_id.as_deref(),
            b.ptc_cntrct_aug_id.as_deref(),
            b.ptc_cntrct_sept_id.as_deref(),
            b.ptc_cntrct_oct_id.as_deref(),
            b.ptc_cntrct_nov_id.as_deref(),
            b.ptc_cntrct_dec_id.as_deref(),
        ]
    }

    /// `ptc_pbp_<month>_id` of January … December.
    pub(crate) fn ptc_pbp(b: &Beneficiary) -> [Option<&str>; 12] {
        [
            b.ptc_pbp_jan_id.as_deref(),
            b.ptc_pbp_feb_id.as_deref(),
            b.ptc_pbp_mar_id.as_deref(),
            b.ptc_pbp_apr_id.as_deref(),
            b.ptc_pbp_may_id.as_deref(),
            b.ptc_pbp_jun_id.as_deref(),
            b.ptc_pbp_jul_id.as_deref(),
            b.ptc_pbp_aug_id.as_deref(),
            b.ptc_pbp_sept_id.as_deref(),
            b.ptc_pbp_oct_id.as_deref(),
            b.ptc_pbp_nov_id.as_deref(),
            b.ptc_pbp_dec_id.as_deref(),
        ]
    }

    /// `ptc_plan_type_<month>_cd` of January … December.
    pub(crate) fn ptc_plan_type(b: &Beneficiary) -> [Option<&str>; 12] {
        [
            b.ptc_plan_type_jan_cd.as_deref(),
            b.ptc_plan_type_feb_cd.as_deref(),
            b.ptc_plan_type_mar_cd.as_deref(),
            b.ptc_plan_type_apr_cd.as_deref(),
            b.ptc_plan_type_may_cd.as_deref(),
            b.ptc_plan_type_jun_cd.as_deref(),
            b.ptc_plan_type_jul_cd.as_deref(),
            b.ptc_plan_type_aug_cd.as_deref(),
            b.ptc_plan_type_sept_cd.as_deref(),
            b.ptc_plan_type_oct_cd.as_deref(),
            b.ptc_plan_type_nov_cd.as_deref(),
            b.ptc_plan_type_dec_cd.as_deref(),
        ]
    }

    /// `ptd_cntrct_<month>_id` of January … December.
    pub(crate) fn ptd_cntrct(b: &Beneficiary) -> [Option<&str>; 12] {
        [
            b.ptd_cntrct_jan_id.as_deref(),
            b.ptd_cntrct_feb_id.as_deref(),
            b.ptd_cntrct_mar_id.as_deref(),
            b.ptd_cntrct_apr_id.as_deref(),
            b.ptd_cntrct_may_id.as_deref(),
            b.ptd_cntrct_jun_id.as_deref(),
            b.ptd_cntrct_jul_id.as_deref(),
            b.ptd_cntrct_aug_id.as_deref(),
            b.ptd_cntrct_sept_id.as_deref(),
            b.ptd_cntrct_oct_id.as_deref(),
            b.ptd_cntrct_nov_id.as_deref(),
            b.ptd_cntrct_dec_id.as_deref(),
        ]
    }

    /// `ptd_pbp_<month>_id` of January … December.
    pub(crate) fn ptd_pbp(b: &Beneficiary) -> [Option<&str>; 12] {
        [
            b.ptd_pbp_jan_id.as_deref(),
            b.ptd_pbp_feb_id.as_deref(),
            b.ptd_pbp_mar_id.as_deref(),
            b.ptd_pbp_apr_id.as_deref(),
            b.ptd_pbp_may_id.as_deref(),
            b.ptd_pbp_jun_id.as_deref(),
            b.ptd_pbp_jul_id.as_deref(),
            b.ptd_pbp_aug_id.as_deref(),
            b.ptd_pbp_sept_id.as_deref(),
            b.ptd_pbp_oct_id.as_deref(),
            b.ptd_pbp_nov_id.as_deref(),
            b.ptd_pbp_dec_id.as_deref(),
        ]
    }

    /// `ptd_sgmt_<month>_id` of January … December.
    pub(crate) fn ptd_sgmt(b: &Beneficiary) -> [Option<&str>; 12] {
        [
            b.ptd_sgmt_jan_id.as_deref(),
            b.ptd_sgmt_feb_id.as_deref(),
            b.ptd_sgmt_mar_id.as_deref(),
            b.ptd_sgmt_apr_id.as_deref(),
            b.ptd_sgmt_may_id.as_deref(),
            b.ptd_sgmt_jun_id.as_deref(),
            b.ptd_sgmt_jul_id.as_deref(),
            b.ptd_sgmt_aug_id.as_deref(),
            b.ptd_sgmt_sept_id.as_deref(),
            b.ptd_sgmt_oct_id.as_deref(),
            b.ptd_sgmt_nov_id.as_deref(),
            b.ptd_sgmt_dec_id.as_deref(),
        ]
    }

    /// `cst_shr_grp_<month>_cd` of January … December.
    pub(crate) fn cst_shr(b: &Beneficiary) -> [Option<&str>; 12] {
        [
            b.cst_shr_grp_jan_cd.as_deref(),
            b.cst_shr_grp_feb_cd.as_deref(),
            b.cst_shr_grp_mar_cd.as_deref(),
            b.cst_shr_grp_apr_cd.as_deref(),
            b.cst_shr_grp_may_cd.as_deref(),
            b.cst_shr_grp_jun_cd.as_deref(),
            b.cst_shr_grp_jul_cd.as_deref(),
            b.cst_shr_grp_aug_cd.as_deref(),
            b.cst_shr_grp_sept_cd.as_deref(),
            b.cst_shr_grp_oct_cd.as_deref(),
            b.cst_shr_grp_nov_cd.as_deref(),
            b.cst_shr_grp_dec_cd.as_deref(),
        ]
    }

    /// `rds_<month>_ind` of January … December.
    pub(crate) fn rds(b: &Beneficiary) -> [Option<char>; 12] {
        [
            b.rds_jan_ind,
            b.rds_feb_ind,
            b.rds_mar_ind,
            b.rds_apr_ind,
            b.rds_may_ind,
            b.rds_jun_ind,
            b.rds_jul_ind,
            b.rds_aug_ind,
            b.rds_sept_ind,
            b.rds_oct_ind,
            b.rds_nov_ind,
            b.rds_dec_ind,
        ]
    }
}
