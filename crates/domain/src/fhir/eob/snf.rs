//! ExplanationOfBenefit for SNF claims, after BFD's `SNFClaimTransformerV2` (profile
//! `C4BB-ExplanationOfBenefit-Inpatient-Institutional`; approved response `eobReadSnf.json`).

use super::common::C4BB_EOB;
use super::institutional::{
    Adj, CareTeam, Diagnoses, DxType, Header, Info, InstType, Role, adjudication, ext_coding,
    ext_coding_char, ext_date, ext_identifier, modifier_unit, procedure_slots, quantity_value,
    unit_count_ext, write_benefit_balance, write_header, write_insurance, write_location,
    write_procedures, write_product, write_revenue, write_total_payment,
};
use crate::fhir::RenderContext;
use bb_claims::codes::IcdCode;
use bb_claims::model::SnfClaim;

/// Renders one SNF claim.
pub fn render(claim: &SnfClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    let c = claim;
    let id = format!("snf-{}", c.clm_id);
    let profile = format!("{C4BB_EOB}Inpatient-Institutional");
    let h = Header {
        kind: InstType::Snf,
        id: &id,
        profile: &profile,
        clm_id: c.clm_id,
        clm_grp_id: c.clm_grp_id,
        bene_id: c.bene_id,
        final_action: c.final_action,
        nch_clm_type_cd: &c.nch_clm_type_cd,
        claim_query_code: Some(c.claim_query_code),
        from: c.clm_from_dt,
        thru: c.clm_thru_dt,
        prvdr_num: &c.prvdr_num,
        org_npi: c.org_npi_num.as_ref(),
        clm_fac_type_cd: c.clm_fac_type_cd,
    };
    let mut team = CareTeam::new();
    team.add_physician(
        c.at_physn_npi.as_ref(),
        c.at_physn_upin.as_deref(),
        Role::Attending,
    );
    team.add_physician(
        c.op_physn_npi.as_ref(),
        c.op_physn_upin.as_deref(),
        Role::Operating,
    );
    team.add_physician(
        c.ot_physn_npi.as_ref(),
        c.ot_physn_upin.as_deref(),
        Role::OtherOperating,
    );
    for l in &c.lines {
        team.add_line(l.rndrng_physn_upin.as_deref(), l.rndrng_physn_npi.as_ref());
    }
    let mut dx = Diagnoses::new();
    let other = DxType::Other;
    let ext = DxType::External;
    dx.add(
        c.admtg_dgns_cd.as_ref().map(IcdCode::as_str),
        c.admtg_dgns_vrsn_cd,
        DxType::Other,
        None,
    );
    dx.add(
        c.prncpal_dgns_cd.as_ref().map(IcdCode::as_str),
        c.prncpal_dgns_vrsn_cd,
        DxType::Principal,
        None,
    );
    dx.add_slots(c.icd_dgns_cd_slots(), c.icd_dgns_vrsn_cd_slots(), other);
    dx.add(c.fst_dgns_e_cd.as_deref(), c.fst_dgns_e_vrsn_cd, ext, None);
    dx.add_slots(c.icd_dgns_e_cd_slots(), c.icd_dgns_e_vrsn_cd_slots(), ext);
    let procedures = procedure_slots(
        c.icd_prcdr_cd_slots(),
        c.icd_prcdr_vrsn_cd_slots(),
        c.prcdr_dt_slots(),
    );

    bb_fhir::json::object(out, |o| {
        write_header(o, &h, ctx, |a| {
            ext_coding_char(
                a,
                "nch_near_line_rec_ident_cd",
                c.nch_near_line_rec_ident_cd,
            );
            if let Some(v) = c.fi_clm_actn_cd {
                ext_coding_char(a, "fi_clm_actn_cd", v);
            }
            if let Some(v) = &c.fi_doc_clm_cntl_num {
                ext_identifier(a, "fi_doc_clm_cntl_num", v);
            }
            if let Some(v) = c.fi_clm_proc_dt {
                ext_date(a, "fi_clm_proc_dt", v);
            }
            if let Some(v) = &c.clm_mdcr_non_pmt_rsn_cd {
                ext_coding(a, "clm_mdcr_non_pmt_rsn_cd", v);
            }
            ext_coding_char(a, "clm_srvc_clsfctn_type_cd", c.clm_srvc_clsfctn_type_cd);
            if let Some(v) = &c.fi_num {
                ext_coding(a, "fi_num", v);
            }
        });
        team.write(o);
        o.arr("supportingInfo", |a| {
            let mut i = Info::new(a);
            i.received_date(c.nch_wkly_proc_dt);
            i.admission_type(c.clm_ip_admsn_type_cd);
            i.opt_char("clm_src_ip_admsn_cd", c.clm_src_ip_admsn_cd);
            i.period(
                "nch_vrfd_ncvrd_stay_from_dt",
                c.nch_vrfd_ncvrd_stay_from_dt,
                c.nch_vrfd_ncvrd_stay_thru_dt,
            );
            i.date(
                "nch_actv_or_cvrd_lvl_care_thru",
                c.nch_actv_or_cvrd_lvl_care_thru,
            );
            i.date(
                "nch_bene_mdcr_bnfts_exhtd_dt_i",
                c.nch_bene_mdcr_bnfts_exhtd_dt_i,
            );
            if let Some(drg) = &c.clm_drg_cd {
                i.code("clm_drg_cd", drg);
            }
            i.opt_char("nch_ptnt_stus_ind_cd", c.nch_ptnt_status_ind_cd);
            i.admission_period(c.clm_admsn_dt, c.nch_bene_dschrg_dt);
            i.period(
                "nch_qlfyd_stay_from_dt",
                c.nch_qlfyd_stay_from_dt,
                c.nch_qlfyd_stay_thru_dt,
            );
            i.opt_char("clm_pps_ind_cd", c.clm_pps_ind_cd);
            i.blood_pints(c.nch_blood_pnts_frnshd_qty);
            i.opt_char("clm_mco_pd_sw", c.clm_mco_pd_sw);
            i.type_of_bill(c.clm_freq_cd);
            i.discharge_status(&c.ptnt_dschrg_stus_cd);
            i.opt_char("nch_prmry_pyr_cd", c.nch_prmry_pyr_cd);
        });
        dx.write(o);
        write_procedures(o, &procedures);
        write_insurance(o, 'a', c.bene_id);
        o.arr("item", |a| {
            for l in &c.lines {
                a.obj(|it| {
                    it.arr("extension", |x| {
                        unit_count_ext(
                            x,
                            bb_claims::Decimal {
                                units: l.rev_cntr_unit_cnt,
                                scale: 0,
                            },
                        );
                    });
                    it.int("sequence", l.clm_line_num);
                    team.write_line_sequences(
                        it,
                        l.rndrng_physn_upin.as_deref(),
                        l.rndrng_physn_npi.as_ref(),
                    );
                    write_revenue(it, &l.rev_cntr, l.rev_cntr_ddctbl_coinsrnc_cd, None);
                    write_product(it, l.hcpcs_cd.as_ref(), false, None);
                    it.arr("modifier", |m| {
                        modifier_unit(m, l.rev_cntr_ndc_qty_qlfr_cd.as_deref())
                    });
                    write_location(it, &c.prvdr_state_cd);
                    it.obj("quantity", |q| quantity_value(q, l.rev_cntr_ndc_qty));
                    it.arr("adjudication", |adj| {
                        adjudication(
                            adj,
                            Adj::Submitted,
                            "rev_cntr_rate_amt",
                            l.rev_cntr_rate_amt,
                        );
                        adjudication(
                            adj,
                            Adj::Submitted,
                            "rev_cntr_tot_chrg_amt",
                            l.rev_cntr_tot_chrg_amt,
                        );
                        adjudication(
                            adj,
                            Adj::Noncovered,
                            "rev_cntr_ncvrd_chrg_amt",
                            l.rev_cntr_ncvrd_chrg_amt,
                        );
                    });
                });
            }
        });
        write_total_payment(o, c.clm_tot_chrg_amt, c.clm_pmt_amt);
        write_benefit_balance(o, |f| {
            f.count("clm_utlztn_day_cnt", c.clm_utlztn_day_cnt)
                .count("bene_tot_coinsrnc_days_cnt", c.bene_tot_coinsrnc_days_cnt)
                .count("clm_non_utlztn_days_cnt", c.clm_non_utlztn_days_cnt)
                .money("nch_bene_ip_ddctbl_amt", c.nch_bene_ip_ddctbl_amt)
                .money(
                    "nch_bene_pta_coinsrnc_lblty_amt",
                    c.nch_bene_pta_coinsrnc_lblty_am,
                )
                .money("nch_ip_ncvrd_chrg_amt", c.nch_ip_ncvrd_chrg_amt)
                .money("nch_ip_tot_ddctn_amt", c.nch_ip_tot_ddctn_amt)
                .money(
                    "clm_pps_cptl_dsprprtnt_shr_amt",
                    c.clm_pps_cptl_dsprprtnt_shr_amt,
                )
                .money("clm_pps_cptl_excptn_amt", c.clm_pps_cptl_excptn_amt)
                .money("clm_pps_cptl_fsp_amt", c.clm_pps_cptl_fsp_amt)
                .money("clm_pps_cptl_ime_amt", c.clm_pps_cptl_ime_amt)
                .money("clm_pps_cptl_outlier_amt", c.clm_pps_cptl_outlier_amt)
                .money(
                    "clm_pps_old_cptl_hld_hrmls_amt",
                    c.clm_pps_old_cptl_hld_hrmls_amt,
                )
                .money(
                    "nch_bene_blood_ddctbl_lblty_am",
                    c.nch_bene_blood_ddctbl_lblty_am,
                )
                .money("prpayamt", c.nch_prmry_pyr_clm_pd_amt);
        });
    });
}
