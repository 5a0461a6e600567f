//! ExplanationOfBenefit for inpatient claims, after BFD's `InpatientClaimTransformerV2`
//! (profile `C4BB-ExplanationOfBenefit-Inpatient-Institutional`; approved response
//! `eobReadInpatient.json`).

use super::common::C4BB_EOB;
use super::institutional::{
    Adj, CareTeam, Diagnoses, DxType, Header, Info, InstType, Procedure, Role, adjudication,
    ext_coding, ext_coding_char, ext_date, ext_identifier, ext_money, modifier_unit,
    quantity_value, write_benefit_balance, write_header, write_insurance, write_location,
    write_procedures, write_product, write_revenue, write_total_payment,
};
use crate::fhir::RenderContext;
use bb_claims::codes::IcdCode;
use bb_claims::model::InpatientClaim;

/// Renders one inpatient claim.
pub fn render(claim: &InpatientClaim, ctx: &RenderContext, out: &mut Vec<u8>) {
    let c = claim;
    let id = format!("inpatient-{}", c.clm_id);
    let profile = format!("{C4BB_EOB}Inpatient-Institutional");
    let h = Header {
        kind: InstType::Inpatient,
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
        DxType::Admitting,
        None,
    );
    dx.add(
        c.prncpal_dgns_cd.as_ref().map(IcdCode::as_str),
        c.prncpal_dgns_vrsn_cd,
        DxType::Principal,
        None,
    );
    dx.add(
        c.icd_dgns_cd1.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd1,
        other,
        Some(("clm_poa_ind_sw1", c.clm_poa_ind_sw1)),
    );
    dx.add(
        c.icd_dgns_cd2.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd2,
        other,
        Some(("clm_poa_ind_sw2", c.clm_poa_ind_sw2)),
    );
    dx.add(
        c.icd_dgns_cd3.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd3,
        other,
        Some(("clm_poa_ind_sw3", c.clm_poa_ind_sw3)),
    );
    dx.add(
        c.icd_dgns_cd4.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd4,
        other,
        Some(("clm_poa_ind_sw4", c.clm_poa_ind_sw4)),
    );
    dx.add(
        c.icd_dgns_cd5.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd5,
        other,
        Some(("clm_poa_ind_sw5", c.clm_poa_ind_sw5)),
    );
    dx.add(
        c.icd_dgns_cd6.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd6,
        other,
        Some(("clm_poa_ind_sw6", c.clm_poa_ind_sw6)),
    );
    dx.add(
        c.icd_dgns_cd7.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd7,
        other,
        Some(("clm_poa_ind_sw7", c.clm_poa_ind_sw7)),
    );
    dx.add(
        c.icd_dgns_cd8.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd8,
        other,
        Some(("clm_poa_ind_sw8", c.clm_poa_ind_sw8)),
    );
    dx.add(
        c.icd_dgns_cd9.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd9,
        other,
        Some(("clm_poa_ind_sw9", c.clm_poa_ind_sw9)),
    );
    dx.add(
        c.icd_dgns_cd10.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd10,
        other,
        Some(("clm_poa_ind_sw10", c.clm_poa_ind_sw10)),
    );
    dx.add(
        c.icd_dgns_cd11.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd11,
        other,
        Some(("clm_poa_ind_sw11", c.clm_poa_ind_sw11)),
    );
    dx.add(
        c.icd_dgns_cd12.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd12,
        other,
        Some(("clm_poa_ind_sw12", c.clm_poa_ind_sw12)),
    );
    dx.add(
        c.icd_dgns_cd13.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd13,
        other,
        Some(("clm_poa_ind_sw13", c.clm_poa_ind_sw13)),
    );
    dx.add(
        c.icd_dgns_cd14.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd14,
        other,
        Some(("clm_poa_ind_sw14", c.clm_poa_ind_sw14)),
    );
    dx.add(
        c.icd_dgns_cd15.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd15,
        other,
        Some(("clm_poa_ind_sw15", c.clm_poa_ind_sw15)),
    );
    dx.add(
        c.icd_dgns_cd16.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd16,
        other,
        Some(("clm_poa_ind_sw16", c.clm_poa_ind_sw16)),
    );
    dx.add(
        c.icd_dgns_cd17.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd17,
        other,
        Some(("clm_poa_ind_sw17", c.clm_poa_ind_sw17)),
    );
    dx.add(
        c.icd_dgns_cd18.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd18,
        other,
        Some(("clm_poa_ind_sw18", c.clm_poa_ind_sw18)),
    );
    dx.add(
        c.icd_dgns_cd19.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd19,
        other,
        Some(("clm_poa_ind_sw19", c.clm_poa_ind_sw19)),
    );
    dx.add(
        c.icd_dgns_cd20.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd20,
        other,
        Some(("clm_poa_ind_sw20", c.clm_poa_ind_sw20)),
    );
    dx.add(
        c.icd_dgns_cd21.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd21,
        other,
        Some(("clm_poa_ind_sw21", c.clm_poa_ind_sw21)),
    );
    dx.add(
        c.icd_dgns_cd22.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd22,
        other,
        Some(("clm_poa_ind_sw22", c.clm_poa_ind_sw22)),
    );
    dx.add(
        c.icd_dgns_cd23.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd23,
        other,
        Some(("clm_poa_ind_sw23", c.clm_poa_ind_sw23)),
    );
    dx.add(
        c.icd_dgns_cd24.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd24,
        other,
        Some(("clm_poa_ind_sw24", c.clm_poa_ind_sw24)),
    );
    dx.add(
        c.icd_dgns_cd25.as_ref().map(IcdCode::as_str),
        c.icd_dgns_vrsn_cd25,
        other,
        Some(("clm_poa_ind_sw25", c.clm_poa_ind_sw25)),
    );
    dx.add(c.fst_dgns_e_cd.as_deref(), c.fst_dgns_e_vrsn_cd, ext, None);
    dx.add(
        c.icd_dgns_e_cd1.as_deref(),
        c.icd_dgns_e_vrsn_cd1,
        ext,
        Some(("clm_e_poa_ind_sw1", c.clm_e_poa_ind_sw1)),
    );
    dx.add(
        c.icd_dgns_e_cd2.as_deref(),
        c.icd_dgns_e_vrsn_cd2,
        ext,
        Some(("clm_e_poa_ind_sw2", c.clm_e_poa_ind_sw2)),
    );
    dx.add(
        c.icd_dgns_e_cd3.as_deref(),
        c.icd_dgns_e_vrsn_cd3,
        ext,
        Some(("clm_e_poa_ind_sw3", c.clm_e_poa_ind_sw3)),
    );
    dx.add(
        c.icd_dgns_e_cd4.as_deref(),
        c.icd_dgns_e_vrsn_cd4,
        ext,
        Some(("clm_e_poa_ind_sw4", c.clm_e_poa_ind_sw4)),
    );
    dx.add(
        c.icd_dgns_e_cd5.as_deref(),
        c.icd_dgns_e_vrsn_cd5,
        ext,
        Some(("clm_e_poa_ind_sw5", c.clm_e_poa_ind_sw5)),
    );
    dx.add(
        c.icd_dgns_e_cd6.as_deref(),
        c.icd_dgns_e_vrsn_cd6,
        ext,
        Some(("clm_e_poa_ind_sw6", c.clm_e_poa_ind_sw6)),
    );
    dx.add(
        c.icd_dgns_e_cd7.as_deref(),
        c.icd_dgns_e_vrsn_cd7,
        ext,
        Some(("clm_e_poa_ind_sw7", c.clm_e_poa_ind_sw7)),
    );
    dx.add(
        c.icd_dgns_e_cd8.as_deref(),
        c.icd_dgns_e_vrsn_cd8,
        ext,
        Some(("clm_e_poa_ind_sw8", c.clm_e_poa_ind_sw8)),
    );
    dx.add(
        c.icd_dgns_e_cd9.as_deref(),
        c.icd_dgns_e_vrsn_cd9,
        ext,
        Some(("clm_e_poa_ind_sw9", c.clm_e_poa_ind_sw9)),
    );
    dx.add(
        c.icd_dgns_e_cd10.as_deref(),
        c.icd_dgns_e_vrsn_cd10,
        ext,
        Some(("clm_e_poa_ind_sw10", c.clm_e_poa_ind_sw10)),
    );
    dx.add(
        c.icd_dgns_e_cd11.as_deref(),
        c.icd_dgns_e_vrsn_cd11,
        ext,
        Some(("clm_e_poa_ind_sw11", c.clm_e_poa_ind_sw11)),
    );
    dx.add(
        c.icd_dgns_e_cd12.as_deref(),
        c.icd_dgns_e_vrsn_cd12,
        ext,
        Some(("clm_e_poa_ind_sw12", c.clm_e_poa_ind_sw12)),
    );
    let procedures: [Procedure<'_>; 25] = [
        (c.icd_prcdr_cd1.as_ref(), c.icd_prcdr_vrsn_cd1, c.prcdr_dt1),
        (c.icd_prcdr_cd2.as_ref(), c.icd_prcdr_vrsn_cd2, c.prcdr_dt2),
        (c.icd_prcdr_cd3.as_ref(), c.icd_prcdr_vrsn_cd3, c.prcdr_dt3),
        (c.icd_prcdr_cd4.as_ref(), c.icd_prcdr_vrsn_cd4, c.prcdr_dt4),
        (c.icd_prcdr_cd5.as_ref(), c.icd_prcdr_vrsn_cd5, c.prcdr_dt5),
        (c.icd_prcdr_cd6.as_ref(), c.icd_prcdr_vrsn_cd6, c.prcdr_dt6),
        (c.icd_prcdr_cd7.as_ref(), c.icd_prcdr_vrsn_cd7, c.prcdr_dt7),
        (c.icd_prcdr_cd8.as_ref(), c.icd_prcdr_vrsn_cd8, c.prcdr_dt8),
        (c.icd_prcdr_cd9.as_ref(), c.icd_prcdr_vrsn_cd9, c.prcdr_dt9),
        (
            c.icd_prcdr_cd10.as_ref(),
            c.icd_prcdr_vrsn_cd10,
            c.prcdr_dt10,
        ),
        (
            c.icd_prcdr_cd11.as_ref(),
            c.icd_prcdr_vrsn_cd11,
            c.prcdr_dt11,
        ),
        (
            c.icd_prcdr_cd12.as_ref(),
            c.icd_prcdr_vrsn_cd12,
            c.prcdr_dt12,
        ),
        (
            c.icd_prcdr_cd13.as_ref(),
            c.icd_prcdr_vrsn_cd13,
            c.prcdr_dt13,
        ),
        (
            c.icd_prcdr_cd14.as_ref(),
            c.icd_prcdr_vrsn_cd14,
            c.prcdr_dt14,
        ),
        (
            c.icd_prcdr_cd15.as_ref(),
            c.icd_prcdr_vrsn_cd15,
            c.prcdr_dt15,
        ),
        (
            c.icd_prcdr_cd16.as_ref(),
            c.icd_prcdr_vrsn_cd16,
            c.prcdr_dt16,
        ),
        (
            c.icd_prcdr_cd17.as_ref(),
            c.icd_prcdr_vrsn_cd17,
            c.prcdr_dt17,
        ),
        (
            c.icd_prcdr_cd18.as_ref(),
            c.icd_prcdr_vrsn_cd18,
            c.prcdr_dt18,
        ),
        (
            c.icd_prcdr_cd19.as_ref(),
            c.icd_prcdr_vrsn_cd19,
            c.prcdr_dt19,
        ),
        (
            c.icd_prcdr_cd20.as_ref(),
            c.icd_prcdr_vrsn_cd20,
            c.prcdr_dt20,
        ),
        (
            c.icd_prcdr_cd21.as_ref(),
            c.icd_prcdr_vrsn_cd21,
            c.prcdr_dt21,
        ),
        (
            c.icd_prcdr_cd22.as_ref(),
            c.icd_prcdr_vrsn_cd22,
            c.prcdr_dt22,
        ),
        (
            c.icd_prcdr_cd23.as_ref(),
            c.icd_prcdr_vrsn_cd23,
            c.prcdr_dt23,
        ),
        (
            c.icd_prcdr_cd24.as_ref(),
            c.icd_prcdr_vrsn_cd24,
            c.prcdr_dt24,
        ),
        (
            c.icd_prcdr_cd25.as_ref(),
            c.icd_prcdr_vrsn_cd25,
            c.prcdr_dt25,
        ),
    ];

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
            ext_money(a, "ime_op_clm_val_amt", c.ime_op_clm_val_amt);
            ext_money(a, "clm_uncompd_care_pmt_amt", c.clm_uncompd_care_pmt_amt);
            ext_money(a, "dsh_op_clm_val_amt", c.dsh_op_clm_val_amt);
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
            i.opt_char("nch_ptnt_stus_ind_cd", c.nch_ptnt_status_ind_cd);
            i.admission_period(c.clm_admsn_dt, c.nch_bene_dschrg_dt);
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
            i.blood_pints(c.nch_blood_pnts_frnshd_qty);
            i.opt_char("clm_mco_pd_sw", c.clm_mco_pd_sw);
            i.type_of_bill(c.clm_freq_cd);
            i.discharge_status(&c.ptnt_dschrg_stus_cd);
            i.opt_char("nch_prmry_pyr_cd", c.nch_prmry_pyr_cd);
            i.received_date(c.nch_wkly_proc_dt);
        });
        dx.write(o);
        write_procedures(o, &procedures);
        write_insurance(o, 'a', c.bene_id);
        o.arr("item", |a| {
            for l in &c.lines {
                a.obj(|it| {
                    it.int("sequence", l.clm_line_num);
                    team.write_line_sequences(
                        it,
                        l.rndrng_physn_upin.as_deref(),
                        l.rndrng_physn_npi.as_ref(),
                    );
                    write_revenue(it, &l.rev_cntr, l.rev_cntr_ddctbl_coinsrnc_cd, None);
                    write_product(it, l.hcpcs_cd.as_ref(), true, None);
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
            f.money("clm_pass_thru_per_diem_amt", c.clm_pass_thru_per_diem_amt)
                .money("nch_profnl_cmpnt_chrg_amt", c.nch_profnl_cmpnt_chrg_amt)
                .money("clm_tot_pps_cptl_amt", c.clm_tot_pps_cptl_amt)
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
                    "nch_drg_outlier_aprvd_pmt_amt",
                    c.nch_drg_outlier_aprvd_pmt_amt,
                )
                .money(
                    "nch_bene_blood_ddctbl_lblty_am",
                    c.nch_bene_blood_ddctbl_lblty_am,
                )
                .money("prpayamt", c.nch_prmry_pyr_clm_pd_amt)
                .count("clm_utlztn_day_cnt", c.clm_utlztn_day_cnt)
                .count("clm_pps_cptl_drg_wt_num", c.clm_pps_cptl_drg_wt_num)
                .count("bene_lrd_used_cnt", c.bene_lrd_used_cnt);
        });
    });
}
