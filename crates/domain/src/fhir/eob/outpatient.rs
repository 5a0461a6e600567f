//! ExplanationOfBenefit for outpatient claims, after BFD's `OutpatientClaimTransformerV2`
//! (profile `C4BB-ExplanationOfBenefit-Outpatient-Institutional`; approved response
//! `eobReadOutpatient.json`).

use super::common::C4BB_EOB;
use super::institutional::{
    Adj, CareTeam, Diagnoses, DxType, Header, Info, InstType, Role, adjudication, denial_reason,
    ext_coding, ext_coding_char, ext_date, ext_identifier, modifier_hcpcs, modifier_unit,
    procedure_slots, quantity_value, unit_count_ext, write_benefit_balance, write_header,
    write_insurance, write_location, write_procedures, write_product, write_revenue,
    write_total_payment,
};
use crate::fhir::RenderContext;
use bb_claims::codes::IcdCode;
use bb_claims::model::OutpatientClaim;

/// Renders one outpatient claim.
pub fn render(claim: &OutpatientClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    let c = claim;
    let id = format!("outpatient-{}", c.clm_id);
    let profile = format!("{C4BB_EOB}Outpatient-Institutional");
    let h = Header {
        kind: InstType::Outpatient,
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
        c.prncpal_dgns_cd.as_ref().map(IcdCode::as_str),
        c.prncpal_dgns_vrsn_cd,
        DxType::Principal,
        None,
    );
    dx.add_slots(c.icd_dgns_cd_slots(), c.icd_dgns_vrsn_cd_slots(), other);
    dx.add(c.fst_dgns_e_cd.as_deref(), c.fst_dgns_e_vrsn_cd, ext, None);
    dx.add_slots(c.icd_dgns_e_cd_slots(), c.icd_dgns_e_vrsn_cd_slots(), ext);
    let rfv = DxType::ReasonForVisit;
    dx.add_slots(c.rsn_visit_cd_slots(), c.rsn_visit_vrsn_cd_slots(), rfv);
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
            i.opt_char("clm_mco_pd_sw", c.clm_mco_pd_sw);
            i.type_of_bill(c.clm_freq_cd);
            i.discharge_status(c.ptnt_dschrg_stus_cd.as_deref().unwrap_or_default());
            i.opt_char("nch_prmry_pyr_cd", c.nch_prmry_pyr_cd);
        });
        dx.write(o);
        write_procedures(o, &procedures);
        write_insurance(o, 'b', c.bene_id);
        o.arr("item", |a| {
            for l in &c.lines {
                a.obj(|it| {
                    it.arr("extension", |x| unit_count_ext(x, l.rev_cntr_unit_cnt));
                    it.int("sequence", l.clm_line_num);
                    team.write_line_sequences(
                        it,
                        l.rndrng_physn_upin.as_deref(),
                        l.rndrng_physn_npi.as_ref(),
                    );
                    write_revenue(it, &l.rev_cntr, None, l.rev_cntr_stus_ind_cd.as_deref());
                    write_product(
                        it,
                        l.hcpcs_cd.as_ref(),
                        false,
                        l.rev_cntr_ide_ndc_upc_num.as_deref(),
                    );
                    it.arr("modifier", |m| {
                        modifier_hcpcs(m, l.hcpcs_1st_mdfr_cd.as_deref());
                        modifier_hcpcs(m, l.hcpcs_2nd_mdfr_cd.as_deref());
                        modifier_unit(m, l.rev_cntr_ndc_qty_qlfr_cd.as_deref());
                    });
                    if let Some(d) = l.rev_cntr_dt {
                        it.str("servicedDate", &crate::fhir::common::date(d));
                    }
                    write_location(it, &c.prvdr_state_cd);
                    it.obj("quantity", |q| quantity_value(q, l.rev_cntr_ndc_qty));
                    it.arr("adjudication", |adj| {
                        denial_reason(
                            adj,
                            "rev_cntr_1st_ansi_cd",
                            l.rev_cntr_1st_ansi_cd.as_deref(),
                        );
                        denial_reason(
                            adj,
                            "rev_cntr_2nd_ansi_cd",
                            l.rev_cntr_2nd_ansi_cd.as_deref(),
                        );
                        denial_reason(
                            adj,
                            "rev_cntr_3rd_ansi_cd",
                            l.rev_cntr_3rd_ansi_cd.as_deref(),
                        );
                        denial_reason(
                            adj,
                            "rev_cntr_4th_ansi_cd",
                            l.rev_cntr_4th_ansi_cd.as_deref(),
                        );
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
                        adjudication(
                            adj,
                            Adj::Deductible,
                            "rev_cntr_blood_ddctbl_amt",
                            l.rev_cntr_blood_ddctbl_amt,
                        );
                        adjudication(
                            adj,
                            Adj::Deductible,
                            "rev_cntr_cash_ddctbl_amt",
                            l.rev_cntr_cash_ddctbl_amt,
                        );
                        adjudication(
                            adj,
                            Adj::Coinsurance,
                            "rev_cntr_coinsrnc_wge_adjstd_c",
                            l.rev_cntr_coinsrnc_wge_adjstd_c,
                        );
                        adjudication(
                            adj,
                            Adj::Coinsurance,
                            "rev_cntr_rdcd_coinsrnc_amt",
                            l.rev_cntr_rdcd_coinsrnc_amt,
                        );
                        adjudication(
                            adj,
                            Adj::PriorPayerPaid,
                            "rev_cntr_1st_msp_pd_amt",
                            l.rev_cntr_1st_msp_pd_amt,
                        );
                        adjudication(
                            adj,
                            Adj::PriorPayerPaid,
                            "rev_cntr_2nd_msp_pd_amt",
                            l.rev_cntr_2nd_msp_pd_amt,
                        );
                        adjudication(
                            adj,
                            Adj::PaidToProvider,
                            "rev_cntr_prvdr_pmt_amt",
                            l.rev_cntr_prvdr_pmt_amt,
                        );
                        adjudication(
                            adj,
                            Adj::PaidToPatient,
                            "rev_cntr_bene_pmt_amt",
                            l.rev_cntr_bene_pmt_amt,
                        );
                        adjudication(
                            adj,
                            Adj::PaidByPatient,
                            "rev_cntr_ptnt_rspnsblty_pmt",
                            l.rev_cntr_ptnt_rspnsblty_pmt,
                        );
                        adjudication(
                            adj,
                            Adj::Submitted,
                            "rev_cntr_pmt_amt_amt",
                            l.rev_cntr_pmt_amt_amt,
                        );
                    });
                });
            }
        });
        write_total_payment(o, c.clm_tot_chrg_amt, c.clm_pmt_amt);
        write_benefit_balance(o, |f| {
            f.money("nch_profnl_cmpnt_chrg_amt", c.nch_profnl_cmpnt_chrg_amt)
                .money("nch_bene_ptb_ddctbl_amt", c.nch_bene_ptb_ddctbl_amt)
                .money("nch_bene_ptb_coinsrnc_amt", c.nch_bene_ptb_coinsrnc_amt)
                .money("clm_op_prvdr_pmt_amt", c.clm_op_prvdr_pmt_amt)
                .money("clm_op_bene_pmt_amt", c.clm_op_bene_pmt_amt)
                .money(
                    "nch_bene_blood_ddctbl_lblty_am",
                    c.nch_bene_blood_ddctbl_lblty_am,
                )
                .money("prpayamt", c.nch_prmry_pyr_clm_pd_amt);
        });
    });
}
