//! ExplanationOfBenefit for carrier claims, after BFD's `CarrierClaimTransformerV2`, profile
//! `C4BB-ExplanationOfBenefit-Professional-NonClinician`. The pieces carrier and DME share
//! (BFD's `TransformerUtilsV2.mapEobCommonGroupCarrierDME` and `mapEobCommonItemCarrierDME`)
//! are here too, as `pub(super)` functions over values, and [`super::dme`] uses them.

use super::common::{
    CareTeam, CareTeamMember, Code, Diagnoses, DiagnosisLabel, DiagnosisStyle, ProviderIdType,
    SupportingInfo, adjudication, adjudication_amount, adjudication_denial_reason, benefit_balance,
    benefit_money, billable_period, ccw_concept, claim_identifiers, claim_type, common_fields,
    eob_type, ext_ccw_char, hcpcs_product_and_modifiers, hct_hgb_observation, header, info_hct_hgb,
    info_received_date, insurance, payment_amount, period_fields, practitioner_reference,
    quantity_value, sequences, total_amount,
};
use super::common::{ext_coding, ext_identifier};
use crate::fhir::RenderContext;
use bb_claims::Decimal;
use bb_claims::model::{CarrierClaim, CarrierLine};
use bb_fhir::json::{Arr, Obj};
use chrono::NaiveDate;

const PROFILE: &str = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Professional-NonClinician";

/// Renders one carrier claim.
pub fn render(claim: &CarrierClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    let id = format!("carrier-{}", claim.clm_id);
    let c = claim;

    // Care team and diagnoses first: items refer to their sequences.
    let mut team = CareTeam::new();
    referring(
        &mut team,
        c.rfr_physn_npi.as_ref().map(|n| n.as_str()),
        c.rfr_physn_upin.as_deref(),
    );
    if !c.carr_clm_rfrng_pin_num.is_empty() {
        team.add(CareTeamMember::new(
            ProviderIdType::Npi,
            &c.carr_clm_rfrng_pin_num,
            super::common::role::REFERRING,
        ));
    }
    let mut dx = Diagnoses::new();
    let slots = diagnosis_slots(
        (&c.prncpal_dgns_cd, c.prncpal_dgns_vrsn_cd),
        c.icd_dgns_cd_slots(),
        c.icd_dgns_vrsn_cd_slots(),
    );
    claim_diagnoses(&mut dx, &slots, DiagnosisStyle::Professional);
    let lines: Vec<LineRefs> = c
        .lines
        .iter()
        .map(|l| {
            let mut care = Vec::with_capacity(2);
            let performing = match (&l.prf_physn_npi, &l.prf_physn_upin) {
                (Some(npi), _) => Some((ProviderIdType::Npi, npi.as_str())),
                (None, Some(upin)) => Some((ProviderIdType::Upin, upin.as_str())),
                (None, None) => None,
            };
            if let Some((id_type, value)) = performing {
                let mut m = CareTeamMember::new(id_type, value, super::common::role::PERFORMING);
                m.responsible = true;
                m.specialty = l.prvdr_spclty.as_deref();
                m.extensions.push((
                    "carr_line_prvdr_type_cd",
                    Code::Char(l.carr_line_prvdr_type_cd),
                ));
                if let Some(p) = l.prtcptng_ind_cd {
                    m.extensions.push(("prtcptng_ind_cd", Code::Char(p)));
                }
                care.push(team.add(m));
            }
            if let Some(org) = &l.org_npi_num {
                care.push(team.add(CareTeamMember::new(
                    ProviderIdType::Npi,
                    org.as_str(),
                    super::common::role::PRIMARY,
                )));
            }
            let diagnosis = dx.add(
                l.line_icd_dgns_cd.as_ref().map(|d| d.as_str()),
                l.line_icd_dgns_vrsn_cd,
                DiagnosisLabel::Other,
                DiagnosisStyle::Professional,
                None,
            );
            LineRefs { care, diagnosis }
        })
        .collect();

    bb_fhir::json::object(out, |o| {
        header(o, &id, PROFILE, ctx);
        o.arr("contained", |a| {
            for l in &c.lines {
                if let Some(t) = &l.line_hct_hgb_type_cd {
                    hct_hgb_observation(a, l.line_num, t, l.line_hct_hgb_rslt_num);
                }
            }
        });
        o.arr("extension", |e| {
            header_extensions(
                e,
                c.nch_near_line_rec_ident_cd,
                &c.carr_num,
                c.carr_clm_cntl_num.as_deref(),
                &c.carr_clm_pmt_dnl_cd,
                c.carr_clm_prvdr_asgnmt_ind_sw,
                c.clm_clncl_tril_num.as_deref(),
                c.carr_clm_entry_cd,
            );
        });
        claim_identifiers(o, CLM_ID, c.clm_id, c.clm_grp_id, |_| {});
        eob_type(
            o,
            Some(&c.nch_clm_type_cd),
            "CARRIER",
            claim_type::PROFESSIONAL,
        );
        common_fields(o, c.final_action, c.bene_id, ctx);
        billable_period(o, Some(c.clm_from_dt), Some(c.clm_thru_dt));
        o.obj("provider", |p| {
            p.obj("identifier", |i| {
                i.str(
                    "system",
                    "https://bluebutton.cms.gov/resources/variables/carr_clm_blg_npi_num",
                )
                .str(
                    "value",
                    c.carr_clm_blg_npi_num
                        .as_ref()
                        .map_or("UNKNOWN", |n| n.as_str()),
                );
            });
        });
        referral(
            o,
            c.rfr_physn_npi.as_ref().map(|n| n.as_str()),
            c.rfr_physn_upin.as_deref(),
        );
        if !c.clm_disp_cd.is_empty() {
            o.str("disposition", &c.clm_disp_cd);
        }
        team.render(o);
        let mut info_seqs = Vec::with_capacity(c.lines.len());
        o.arr("supportingInfo", |a| {
            let mut info = SupportingInfo::new(a);
            received_date(&mut info, c.nch_wkly_proc_dt);
            for l in &c.lines {
                info_seqs.push(
                    l.line_hct_hgb_type_cd
                        .as_ref()
                        .map(|_| info_hct_hgb(&mut info, l.line_num)),
                );
            }
        });
        dx.render(o);
        insurance(o, "b", c.bene_id, |_| {});
        o.arr("item", |a| {
            for ((l, refs), info) in c.lines.iter().zip(&lines).zip(&info_seqs) {
                a.obj(|item| render_line(item, c, l, refs, *info, ctx));
            }
        });
        total_and_balance(
            o,
            CarrierDmeAmounts {
                prmry_pyr_pd: c.carr_clm_prmry_pyr_pd_amt,
                pmt: c.clm_pmt_amt,
                cash_ddctbl: c.carr_clm_cash_ddctbl_apld_amt,
                prvdr_pmt: c.nch_clm_prvdr_pmt_amt,
                bene_pmt: c.nch_clm_bene_pmt_amt,
                sbmtd: c.nch_carr_clm_sbmtd_chrg_amt,
                alowd: c.nch_carr_clm_alowd_amt,
            },
        );
    });
}

/// `…/variables/clm_id`.
pub(super) const CLM_ID: &str = "https://bluebutton.cms.gov/resources/variables/clm_id";

/// Sequences an item refers to.
pub(super) struct LineRefs {
    pub(super) care: Vec<i64>,
    pub(super) diagnosis: Option<i64>,
}

/// The claim-level diagnosis slots in BFD's order (`DiagnosisUtilV2.extractDiagnoses`):
/// `ICD_DGNS_CD1` and `PRNCPAL_DGNS_CD` (principal), then `ICD_DGNS_CD2..12` (other).
pub(super) type DiagnosisSlot<'a> = (Option<&'a str>, Option<char>, DiagnosisLabel);

/// The code of an optional ICD field.
pub(super) fn icd(code: &Option<bb_claims::IcdCode>) -> Option<&str> {
    code.as_ref().map(|d| d.as_str())
}

pub(super) fn diagnosis_slots<'a>(
    principal: (&'a Option<bb_claims::IcdCode>, Option<char>),
    codes: [&'a Option<bb_claims::IcdCode>; 12],
    versions: [&Option<char>; 12],
) -> [DiagnosisSlot<'a>; 13] {
    std::array::from_fn(|i| match i {
        0 => (icd(codes[0]), *versions[0], DiagnosisLabel::Principal),
        1 => (icd(principal.0), principal.1, DiagnosisLabel::Principal),
        n => (icd(codes[n - 1]), *versions[n - 1], DiagnosisLabel::Other),
    })
}

/// Adds the claim-level diagnoses in slot order.
pub(super) fn claim_diagnoses<'a>(
    dx: &mut Diagnoses<'a>,
    slots: &[DiagnosisSlot<'a>],
    style: DiagnosisStyle,
) {
    for (code, version, label) in slots {
        dx.add(*code, *version, *label, style, None);
    }
}

/// The referring physician as a care team member: NPI, else UPIN.
pub(super) fn referring<'a>(team: &mut CareTeam<'a>, npi: Option<&'a str>, upin: Option<&'a str>) {
    let id = match (npi, upin) {
        (Some(n), _) => Some((ProviderIdType::Npi, n)),
        (None, Some(u)) => Some((ProviderIdType::Upin, u)),
        (None, None) => None,
    };
    if let Some((t, v)) = id {
        team.add(CareTeamMember::new(t, v, super::common::role::REFERRING));
    }
}

/// `referral`: the referring physician's NPI, else UPIN.
pub(super) fn referral(o: &mut Obj<'_>, npi: Option<&str>, upin: Option<&str>) {
    match (npi, upin) {
        (Some(n), _) => practitioner_reference(o, "referral", ProviderIdType::Npi, n),
        (None, Some(u)) => practitioner_reference(o, "referral", ProviderIdType::Upin, u),
        (None, None) => {}
    }
}

/// The header extensions of carrier and DME claims, in BFD's order.
#[allow(clippy::too_many_arguments)]
pub(super) fn header_extensions(
    e: &mut Arr<'_>,
    near_line_rec_ident_cd: char,
    carr_num: &str,
    cntl_num: Option<&str>,
    pmt_dnl_cd: &str,
    asgnmt_ind_sw: Option<char>,
    clncl_tril_num: Option<&str>,
    entry_cd: char,
) {
    ext_ccw_char(e, "nch_near_line_rec_ident_cd", near_line_rec_ident_cd);
    ext_identifier(e, "carr_num", carr_num);
    if let Some(n) = cntl_num {
        ext_identifier(e, "carr_clm_cntl_num", n);
    }
    ext_coding(e, "carr_clm_pmt_dnl_cd", pmt_dnl_cd);
    if let Some(a) = asgnmt_ind_sw {
        ext_ccw_char(e, "asgmntcd", a);
    }
    if let Some(n) = clncl_tril_num {
        ext_identifier(e, "clm_clncl_tril_num", n);
    }
    ext_ccw_char(e, "carr_clm_entry_cd", entry_cd);
}

/// The `nch_wkly_proc_dt` received-date supportingInfo.
pub(super) fn received_date(info: &mut SupportingInfo<'_, '_>, d: NaiveDate) {
    info_received_date(
        info,
        "nch_wkly_proc_dt",
        "NCH Weekly Claim Processing Date",
        d,
    );
}

/// Claim amounts of carrier and DME claims.
pub(super) struct CarrierDmeAmounts {
    pub(super) prmry_pyr_pd: Decimal,
    pub(super) pmt: Decimal,
    pub(super) cash_ddctbl: Decimal,
    pub(super) prvdr_pmt: Decimal,
    pub(super) bene_pmt: Decimal,
    pub(super) sbmtd: Decimal,
    pub(super) alowd: Decimal,
}

/// `total` (prior payer paid), `payment` and `benefitBalance` of carrier and DME claims.
pub(super) fn total_and_balance(o: &mut Obj<'_>, m: CarrierDmeAmounts) {
    o.arr("total", |a| {
        total_amount(
            a,
            adjudication::PRIOR_PAYER_PAID,
            "clm_tot_chrg_amt",
            "Claim Total Charge Amount",
            m.prmry_pyr_pd,
        );
    });
    payment_amount(o, m.pmt);
    benefit_balance(o, |a| {
        benefit_money(
            a,
            "carr_clm_cash_ddctbl_apld_amt",
            "Carrier Claim Cash Deductible Applied Amount (sum of all line-level deductible amounts)",
            m.cash_ddctbl,
        );
        benefit_money(
            a,
            "nch_clm_prvdr_pmt_amt",
            "NCH Claim Provider Payment Amount",
            m.prvdr_pmt,
        );
        benefit_money(
            a,
            "nch_clm_bene_pmt_amt",
            "NCH Claim Payment Amount to Beneficiary",
            m.bene_pmt,
        );
        benefit_money(
            a,
            "nch_carr_clm_sbmtd_chrg_amt",
            "NCH Carrier Claim Submitted Charge Amount (sum of all line-level submitted charges)",
            m.sbmtd,
        );
        benefit_money(
            a,
            "nch_carr_clm_alowd_amt",
            "NCH Carrier Claim Allowed Charge Amount (sum of all line-level allowed charges)",
            m.alowd,
        );
    });
}

/// Line values carrier and DME share (`mapEobCommonItemCarrierDME`).
pub(super) struct CommonLine<'a> {
    pub(super) betos_cd: Option<&'a str>,
    pub(super) line_bene_prmry_pyr_cd: Option<char>,
    pub(super) line_prcsg_ind_cd: Option<&'a str>,
    pub(super) line_service_deductible: Option<char>,
    pub(super) line_pmt_80_100_cd: Option<char>,
    pub(super) line_nch_pmt_amt: Decimal,
    pub(super) line_bene_pmt_amt: Decimal,
    pub(super) line_prvdr_pmt_amt: Decimal,
    pub(super) line_bene_ptb_ddctbl_amt: Decimal,
    pub(super) line_bene_prmry_pyr_pd_amt: Decimal,
    pub(super) line_coinsrnc_amt: Decimal,
    pub(super) line_sbmtd_chrg_amt: Decimal,
    pub(super) line_alowd_chrg_amt: Decimal,
}

/// The item extensions shared by carrier and DME lines (after the type's own).
pub(super) fn common_line_extensions(e: &mut Arr<'_>, l: &CommonLine<'_>) {
    if let Some(b) = l.betos_cd {
        ext_coding(e, "betos_cd", b);
    }
    if let Some(p) = l.line_bene_prmry_pyr_cd {
        ext_ccw_char(e, "line_bene_prmry_pyr_cd", p);
    }
    if let Some(p) = l.line_prcsg_ind_cd {
        ext_coding(e, "line_prcsg_ind_cd", p);
    }
    if let Some(d) = l.line_service_deductible {
        ext_ccw_char(e, "line_service_deductible", d);
    }
}

/// The item adjudications shared by carrier and DME lines.
pub(super) fn common_line_adjudications(a: &mut Arr<'_>, l: &CommonLine<'_>) {
    adjudication_amount(
        a,
        adjudication::BENEFIT,
        "line_nch_pmt_amt",
        "Line NCH Medicare Payment Amount",
        l.line_nch_pmt_amt,
        |e| {
            if let Some(c) = l.line_pmt_80_100_cd {
                ext_ccw_char(e, "line_pmt_80_100_cd", c);
            }
        },
    );
    let amounts = [
        (
            adjudication::PAID_TO_PATIENT,
            "line_bene_pmt_amt",
            "Line Payment Amount to Beneficiary",
            l.line_bene_pmt_amt,
        ),
        (
            adjudication::PAID_TO_PROVIDER,
            "line_prvdr_pmt_amt",
            "Line Provider Payment Amount",
            l.line_prvdr_pmt_amt,
        ),
        (
            adjudication::DEDUCTIBLE,
            "line_bene_ptb_ddctbl_amt",
            "Line Beneficiary Part B Deductible Amount",
            l.line_bene_ptb_ddctbl_amt,
        ),
        (
            adjudication::PRIOR_PAYER_PAID,
            "line_bene_prmry_pyr_pd_amt",
            "Line Primary Payer (if not Medicare) Paid Amount",
            l.line_bene_prmry_pyr_pd_amt,
        ),
        (
            adjudication::COINSURANCE,
            "line_coinsrnc_amt",
            "Line Beneficiary Coinsurance Amount",
            l.line_coinsrnc_amt,
        ),
        (
            adjudication::SUBMITTED,
            "line_sbmtd_chrg_amt",
            "Line Submitted Charge Amount",
            l.line_sbmtd_chrg_amt,
        ),
        (
            adjudication::ELIGIBLE,
            "line_alowd_chrg_amt",
            "Line Allowed Charge Amount",
            l.line_alowd_chrg_amt,
        ),
    ];
    for (cat, variable, label, amount) in amounts {
        adjudication_amount(a, cat, variable, label, amount, |_| {});
    }
}

/// `item.servicedPeriod`, the `line_cms_type_srvc_cd` category and the sequences.
pub(super) fn line_refs_and_dates(
    item: &mut Obj<'_>,
    refs: &LineRefs,
    info: Option<i64>,
    cms_type_srvc_cd: char,
) {
    sequences(item, "careTeamSequence", &refs.care);
    if let Some(d) = refs.diagnosis {
        sequences(item, "diagnosisSequence", &[d]);
    }
    if let Some(i) = info {
        sequences(item, "informationSequence", &[i]);
    }
    Code::Char(cms_type_srvc_cd)
        .with(|c| ccw_concept(item, "category", "line_cms_type_srvc_cd", c));
}

/// Writes an item's `quantity` from `LINE_SRVC_CNT`.
pub(super) fn line_quantity(item: &mut Obj<'_>, count: Decimal) {
    item.obj("quantity", |q| quantity_value(q, count));
}

fn render_line(
    item: &mut Obj<'_>,
    c: &CarrierClaim,
    l: &CarrierLine,
    refs: &LineRefs,
    info: Option<i64>,
    ctx: &RenderContext,
) {
    let common = CommonLine {
        betos_cd: l.betos_cd.as_deref(),
        line_bene_prmry_pyr_cd: l.line_bene_prmry_pyr_cd,
        line_prcsg_ind_cd: l.line_prcsg_ind_cd.as_deref(),
        line_service_deductible: l.line_service_deductible,
        line_pmt_80_100_cd: l.line_pmt_80_100_cd,
        line_nch_pmt_amt: l.line_nch_pmt_amt,
        line_bene_pmt_amt: l.line_bene_pmt_amt,
        line_prvdr_pmt_amt: l.line_prvdr_pmt_amt,
        line_bene_ptb_ddctbl_amt: l.line_bene_ptb_ddctbl_amt,
        line_bene_prmry_pyr_pd_amt: l.line_bene_prmry_pyr_pd_amt,
        line_coinsrnc_amt: l.line_coinsrnc_amt,
        line_sbmtd_chrg_amt: l.line_sbmtd_chrg_amt,
        line_alowd_chrg_amt: l.line_alowd_chrg_amt,
    };
    item.arr("extension", |e| {
        if ctx.include_tax_numbers {
            ext_coding(e, "tax_num", &l.tax_num);
        }
        if l.carr_line_ansthsa_unit_cnt.units > 0 {
            super::common::ext_ccw_quantity_exact(
                e,
                "carr_line_ansthsa_unit_cnt",
                l.carr_line_ansthsa_unit_cnt,
            );
        }
        if l.carr_line_mtus_cnt.units != 0 {
            e.obj(|x| {
                x.str(
                    "url",
                    "https://bluebutton.cms.gov/resources/variables/carr_line_mtus_cnt",
                );
                x.obj("valueQuantity", |q| {
                    whole_or_decimal(q, l.carr_line_mtus_cnt)
                });
            });
        }
        if let Some(cd) = l.carr_line_mtus_cd {
            ext_ccw_char(e, "carr_line_mtus_cnt", cd);
            ext_ccw_char(e, "carr_line_mtus_cd", cd);
        }
        common_line_extensions(e, &common);
    });
    item.int("sequence", l.line_num);
    line_refs_and_dates(item, refs, info, l.line_cms_type_srvc_cd);
    hcpcs_product_and_modifiers(
        item,
        l.hcpcs_cd.as_ref().map(|h| h.as_str()),
        l.line_ndc_cd.as_ref().map(|n| n.as_str()),
        c.carr_clm_hcpcs_yr_cd,
        &[
            l.hcpcs_1st_mdfr_cd.as_deref(),
            l.hcpcs_2nd_mdfr_cd.as_deref(),
        ],
    );
    item.obj("servicedPeriod", |p| {
        period_fields(p, l.line_1st_expns_dt, l.line_last_expns_dt);
    });
    item.obj("locationCodeableConcept", |loc| {
        loc.arr("extension", |e| {
            if let Some(s) = &l.prvdr_state_cd {
                ext_coding(e, "prvdr_state_cd", s);
            }
            if let Some(z) = &l.prvdr_zip {
                ext_coding(e, "prvdr_zip", z);
            }
            ext_coding(e, "carr_line_prcng_lclty_cd", &l.carr_line_prcng_lclty_cd);
            if let Some(n) = &l.carr_line_clia_lab_num {
                ext_identifier(e, "carr_line_clia_lab_num", n);
            }
        });
        loc.arr("coding", |cs| {
            cs.obj(|x| {
                super::common::ccw_coding(x, "line_place_of_srvc_cd", &l.line_place_of_srvc_cd);
            });
        });
    });
    line_quantity(item, l.line_srvc_cnt);
    item.arr("adjudication", |a| {
        Code::Char(l.carr_line_rdcd_pmt_phys_astn_c)
            .with(|v| adjudication_denial_reason(a, "carr_line_rdcd_pmt_phys_astn_c", v));
        common_line_adjudications(a, &common);
    });
}

/// A quantity written as an integer when it has no fraction (BFD writes
/// `CARR_LINE_MTUS_CNT` `1.0` as `1`), else as a decimal.
fn whole_or_decimal(q: &mut Obj<'_>, v: Decimal) {
    let pow = 10i64.pow(u32::from(v.scale));
    if v.units % pow == 0 {
        q.int("value", v.units / pow);
    } else {
        q.decimal("value", v.units, v.scale);
    }
}
