//! ExplanationOfBenefit for DME claims, after BFD's `DMEClaimTransformerV2`, profile
//! `C4BB-ExplanationOfBenefit-Inpatient-Institutional` and claim type `institutional`, Part A
//! coverage (as BFD emits them). Pieces shared with carrier claims are in [`super::carrier`].

use super::carrier::{
    CLM_ID, CarrierDmeAmounts, CommonLine, LineRefs, claim_diagnoses, common_line_adjudications,
    common_line_extensions, diagnosis_slots, header_extensions, icd, line_quantity,
    line_refs_and_dates, received_date, referral, referring, total_and_balance,
};
use super::common::{
    CareTeam, CareTeamMember, Code, Diagnoses, DiagnosisLabel, DiagnosisStyle, ProviderIdType,
    SupportingInfo, US_NPI, adjudication, adjudication_amount, billable_period, ccw_coding,
    ccw_url_field, claim_identifiers, claim_type, common_fields, eob_type, ext_ccw_char,
    ext_ccw_quantity_exact, ext_coding, ext_identifier, hcpcs_product_and_modifiers,
    hct_hgb_observation, header, info_hct_hgb, insurance, period_fields, quantity_value,
};
use crate::fhir::RenderContext;
use crate::fhir::common::{ccw_display, npi_info};
use bb_claims::model::{DmeClaim, DmeLine};
use bb_fhir::json::Obj;

const PROFILE: &str = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional";

/// Renders one DME claim.
pub fn render(claim: &DmeClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    let id = format!("dme-{}", claim.clm_id);
    let c = claim;

    let mut team = CareTeam::new();
    referring(
        &mut team,
        c.rfr_physn_npi.as_ref().map(|n| n.as_str()),
        c.rfr_physn_upin.as_deref(),
    );
    let mut dx = Diagnoses::new();
    let slots = diagnosis_slots(
        (&c.prncpal_dgns_cd, c.prncpal_dgns_vrsn_cd),
        c.icd_dgns_cd_slots(),
        c.icd_dgns_vrsn_cd_slots(),
    );
    claim_diagnoses(&mut dx, &slots, DiagnosisStyle::Outpatient);
    let lines: Vec<LineRefs> = c
        .lines
        .iter()
        .map(|l| {
            let mut care = Vec::with_capacity(1);
            if let Some(npi) = &l.prvdr_npi {
                let mut m = CareTeamMember::new(
                    ProviderIdType::Npi,
                    npi.as_str(),
                    super::common::role::PERFORMING,
                );
                m.responsible = true;
                m.specialty = l.prvdr_spclty.as_deref();
                if let Some(p) = l.prtcptng_ind_cd {
                    m.extensions.push(("prtcptng_ind_cd", Code::Char(p)));
                }
                care.push(team.add(m));
            }
            // BFD links line diagnoses with the carrier (professional) labels.
            let diagnosis = dx.add(
                icd(&l.line_icd_dgns_cd),
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
                Some(c.carr_clm_prvdr_asgnmt_ind_sw),
                c.clm_clncl_tril_num.as_deref(),
                c.carr_clm_entry_cd,
            );
        });
        claim_identifiers(o, CLM_ID, c.clm_id, c.clm_grp_id, |_| {});
        eob_type(
            o,
            Some(&c.nch_clm_type_cd),
            "DME",
            claim_type::INSTITUTIONAL,
        );
        common_fields(o, c.final_action, c.bene_id, ctx);
        billable_period(o, Some(c.clm_from_dt), Some(c.clm_thru_dt));
        // The supplier NPI of the (last) line that has one.
        if let Some(npi) = c.lines.iter().rev().find_map(|l| l.prvdr_npi.as_ref()) {
            o.obj("provider", |p| {
                p.str("type", "Practitioner");
                p.obj("identifier", |i| {
                    i.str("system", US_NPI).str("value", npi.as_str());
                });
                p.opt_str("display", npi_info(npi.as_str()).and_then(|n| n.name));
            });
        }
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
        insurance(o, "a", c.bene_id, |_| {});
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

fn render_line(
    item: &mut Obj<'_>,
    c: &DmeClaim,
    l: &DmeLine,
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
        if let Some(n) = &l.prvdr_num {
            ext_identifier(e, "suplrnum", n);
        }
        if ctx.include_tax_numbers {
            ext_coding(e, "tax_num", &l.tax_num);
        }
        ext_ccw_quantity_exact(e, "dmerc_line_scrn_svgs_amt", l.dmerc_line_scrn_svgs_amt);
        e.obj(|x| {
            ccw_url_field(x, "url", "dmerc_line_mtus_cnt");
            x.obj("valueQuantity", |q| {
                quantity_value(q, l.dmerc_line_mtus_cnt);
                if let Some(cd) = l.dmerc_line_mtus_cd {
                    Code::Char(cd).with(|code| {
                        q.opt_str("unit", ccw_display("dmerc_line_mtus_cd", code));
                        ccw_url_field(q, "system", "dmerc_line_mtus_cd");
                        q.str("code", code);
                    });
                }
            });
        });
        if let Some(s) = &l.dmerc_line_prcng_state_cd {
            ext_coding(e, "dmerc_line_prcng_state_cd", s);
        }
        if let Some(s) = l.dmerc_line_supplr_type_cd {
            ext_ccw_char(e, "dmerc_line_supplr_type_cd", s);
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
            l.hcpcs_3rd_mdfr_cd.as_deref(),
            l.hcpcs_4th_mdfr_cd.as_deref(),
        ],
    );
    item.obj("servicedPeriod", |p| {
        period_fields(p, l.line_1st_expns_dt, l.line_last_expns_dt);
    });
    item.obj("locationCodeableConcept", |loc| {
        loc.arr("extension", |e| {
            ext_coding(e, "prvdr_state_cd", &l.prvdr_state_cd);
        });
        loc.arr("coding", |cs| {
            cs.obj(|x| ccw_coding(x, "line_place_of_srvc_cd", &l.line_place_of_srvc_cd));
        });
    });
    line_quantity(item, l.line_srvc_cnt);
    item.arr("adjudication", |a| {
        adjudication_amount(
            a,
            adjudication::PAID_TO_PROVIDER,
            "rev_cntr_prvdr_pmt_amt",
            "Revenue Center (Medicare) Provider Payment Amount",
            l.line_prvdr_pmt_amt,
            |_| {},
        );
        adjudication_amount(
            a,
            adjudication::ELIGIBLE,
            "line_prmry_alowd_chrg_amt",
            "Line Primary Payer Allowed Charge Amount",
            l.line_prmry_alowd_chrg_amt,
            |_| {},
        );
        adjudication_amount(
            a,
            adjudication::SUBMITTED,
            "line_dme_prchs_price_amt",
            "Line DME Purchase Price Amount",
            l.line_dme_prchs_price_amt,
            |_| {},
        );
        common_line_adjudications(a, &common);
        // BFD's DME transformer adds these two as well, both with the purchase price.
        adjudication_amount(
            a,
            adjudication::PAID_TO_PROVIDER,
            "line_bene_pmt_amt",
            "Line Payment Amount to Beneficiary",
            l.line_dme_prchs_price_amt,
            |_| {},
        );
        adjudication_amount(
            a,
            adjudication::SUBMITTED,
            "line_dme_prchs_price_amt",
            "Line DME Purchase Price Amount",
            l.line_dme_prchs_price_amt,
            |_| {},
        );
    });
}
