//! ExplanationOfBenefit for Part D events, after BFD's `PartDEventTransformerV2`, profile
//! `C4BB-ExplanationOfBenefit-Pharmacy`: pharmacy as provider and facility, the prescriber as
//! care team, drug information as supportingInfo, one item for the NDC with Part D amounts.

use super::common::{
    C4BB_IDENTIFIER_TYPE, C4BB_PAYER_ADJUDICATION_STATUS, C4BB_SUPPORTING_INFO_TYPE, CareTeam,
    CareTeamMember, Code, Concept, InfoCategory, NDC, ProviderIdType, SupportingInfo, US_NPI,
    adjudication, adjudication_amount, billable_period, ccw_concept, claim_identifiers, claim_type,
    common_fields, concept, eob_type, ext_coding, ext_identifier, header, identifier_uc, info,
    insurance, quantity_value, sequences,
};
use crate::fhir::RenderContext;
use crate::fhir::common::{date, money_fields, ndc_display, npi_info};
use bb_claims::model::PartDEvent;
use bb_fhir::json::Obj;

const PROFILE: &str =
    "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Pharmacy";

/// `SRVC_PRVDR_ID_QLFYR_CD` / `PRSCRBR_ID_QLFYR_CD` value for an NPI.
const NPI_QUALIFIER: &str = "01";

const V3_ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

fn slice(code: &'static str, display: &'static str) -> InfoCategory<'static> {
    InfoCategory {
        first: (C4BB_SUPPORTING_INFO_TYPE, code, display),
        variable: None,
    }
}

/// Renders one Part D event.
pub fn render(claim: &PartDEvent, ctx: &RenderContext, out: &mut Vec<u8>) {
    let id = format!("pde-{}", claim.pde_id);
    let c = claim;
    let mut team = CareTeam::new();
    let prescriber =
        (c.prscrbr_id_qlfyr_cd == NPI_QUALIFIER && !c.prscrbr_id.is_empty()).then(|| {
            team.add(CareTeamMember::new(
                ProviderIdType::Npi,
                &c.prscrbr_id,
                super::common::role::PRESCRIBING,
            ))
        });
    let pharmacy_npi = (c.srvc_prvdr_id_qlfyr_cd == NPI_QUALIFIER && !c.srvc_prvdr_id.is_empty())
        .then_some(c.srvc_prvdr_id.as_str());

    bb_fhir::json::object(out, |o| {
        header(o, &id, PROFILE, ctx);
        claim_identifiers(
            o,
            "https://bluebutton.cms.gov/resources/variables/pde_id",
            c.pde_id,
            c.clm_grp_id,
            |a| {
                identifier_uc(
                    a,
                    "https://bluebutton.cms.gov/resources/variables/rx_srvc_rfrnc_num",
                    &c.rx_srvc_rfrnc_num.to_string(),
                );
            },
        );
        eob_type(o, None, "PDE", claim_type::PHARMACY);
        common_fields(o, c.final_action, c.bene_id, ctx);
        billable_period(o, Some(c.srvc_dt), Some(c.srvc_dt));
        if let Some(npi) = pharmacy_npi {
            o.obj("provider", |p| {
                p.obj("identifier", |i| {
                    i.str("system", US_NPI).str("value", npi);
                });
            });
        }
        o.obj("facility", |f| {
            f.arr("extension", |e| {
                ext_coding(e, "phrmcy_srvc_type_cd", &c.phrmcy_srvc_type_cd);
            });
            if let Some(npi) = pharmacy_npi {
                f.obj("identifier", |i| {
                    i.obj("type", |t| {
                        t.arr("coding", |cs| {
                            cs.obj(|x| {
                                x.str("system", C4BB_IDENTIFIER_TYPE).str("code", "npi");
                            });
                        });
                    });
                    i.str("value", npi);
                });
                f.opt_str("display", npi_info(npi).and_then(|n| n.name));
            }
        });
        team.render(o);
        o.arr("supportingInfo", |a| {
            let mut s = SupportingInfo::new(a);
            // CMPND_CD: 2 is a compound, 0 and 1 are not.
            let compound: Concept = if c.cmpnd_cd == 2 {
                (V3_ACT_CODE, "RXCINV", "Rx compound invoice")
            } else {
                (V3_ACT_CODE, "RXDINV", "Rx dispense invoice")
            };
            s.add(slice("compoundcode", "Compound Code"), |x| {
                concept(x, "code", compound);
            });
            s.add(slice("refillnum", "Refill Number"), |x| {
                x.obj("valueQuantity", |q| quantity_value(q, c.fill_num));
            });
            s.add(slice("dayssupply", "Days Supply"), |x| {
                x.obj("valueQuantity", |q| quantity_value(q, c.days_suply_num));
            });
            let mut coded = |cat: InfoCategory<'_>, variable: &str, code: Option<Code<'_>>| {
                if let Some(code) = code {
                    code.with(|v| {
                        s.add(cat, |x| ccw_concept(x, "code", variable, v));
                    });
                }
            };
            let ch = |v: Option<char>| v.map(Code::Char);
            coded(
                info("drug_cvrg_stus_cd", "Drug Coverage Status Code"),
                "drug_cvrg_stus_cd",
                Some(Code::Char(c.drug_cvrg_stus_cd)),
            );
            coded(
                info(
                    "daw_prod_slctn_cd",
                    "Dispense as Written (DAW) Product Selection Code",
                ),
                "daw_prod_slctn_cd",
                Some(Code::Char(c.daw_prod_slctn_cd)),
            );
            coded(
                info("dspnsng_stus_cd", "Dispensing Status Code"),
                "dspnsng_stus_cd",
                ch(c.dspnsng_stus_cd),
            );
            coded(
                info("adjstmt_dltn_cd", "Adjustment Deletion Code"),
                "adjstmt_dltn_cd",
                ch(c.adjstmt_dltn_cd),
            );
            coded(
                info("nstd_frmt_cd", "Non-Standard Format Code"),
                "nstd_frmt_cd",
                ch(c.nstd_frmt_cd),
            );
            coded(
                info("prcng_excptn_cd", "Pricing Exception Code"),
                "prcng_excptn_cd",
                ch(c.prcng_excptn_cd),
            );
            coded(
                info("ctstrphc_cvrg_cd", "Catastrophic Coverage Code"),
                "ctstrphc_cvrg_cd",
                ch(c.ctstrphc_cvrg_cd),
            );
            coded(
                slice("rxorigincode", "Rx Origin Code"),
                "rx_orgn_cd",
                ch(c.rx_orgn_cd),
            );
            coded(
                slice("brandgenericindicator", "Brand Generic Indicator"),
                "brnd_gnrc_cd",
                ch(c.brnd_gnrc_cd),
            );
            coded(
                info("ptnt_rsdnc_cd", "Patient Residence Code"),
                "ptnt_rsdnc_cd",
                Some(Code::Str(&c.ptnt_rsdnc_cd)).filter(|_| !c.ptnt_rsdnc_cd.is_empty()),
            );
            coded(
                info("submsn_clr_cd", "Submission clarification code"),
                "submsn_clr_cd",
                c.submsn_clr_cd.as_deref().map(Code::Str),
            );
        });
        insurance(o, "d", c.bene_id, |e| {
            ext_identifier(e, "plan_cntrct_rec_id", &c.plan_cntrct_rec_id);
            ext_identifier(e, "plan_pbp_rec_num", &c.plan_pbp_rec_num);
        });
        o.arr("item", |a| {
            a.obj(|item| render_item(item, c, prescriber));
        });
        o.arr("total", |a| {
            a.obj(|t| {
                concept(t, "category", adjudication::DRUG_COST);
                t.obj("amount", |m| money_fields(m, c.tot_rx_cst_amt));
            });
            a.obj(|t| {
                concept(
                    t,
                    "category",
                    (C4BB_PAYER_ADJUDICATION_STATUS, "other", "Other"),
                );
                t.obj("amount", |m| {
                    m.int("value", 0).str("currency", "USD");
                });
            });
        });
        if let Some(d) = c.pd_dt {
            o.obj("payment", |p| {
                p.str("date", &date(d));
            });
        }
    });
}

fn render_item(item: &mut Obj<'_>, c: &PartDEvent, prescriber: Option<i64>) {
    item.int("sequence", 1);
    if let Some(p) = prescriber {
        sequences(item, "careTeamSequence", &[p]);
    }
    item.obj("productOrService", |p| {
        p.arr("coding", |cs| {
            cs.obj(|x| {
                x.str("system", NDC)
                    .str("code", c.prod_srvc_id.as_str())
                    .opt_str("display", ndc_display(c.prod_srvc_id.as_str()));
            });
        });
    });
    item.str("servicedDate", &date(c.srvc_dt));
    item.obj("quantity", |q| quantity_value(q, c.qty_dspnsd_num));
    item.arr("adjudication", |a| {
        let amounts = [
            (
                adjudication::BENEFIT,
                "cvrd_d_plan_pd_amt",
                "Amount paid by Part D plan for the PDE (drug is covered by Part D)",
                c.cvrd_d_plan_pd_amt,
            ),
            (
                adjudication::COINSURANCE,
                "gdc_blw_oopt_amt",
                "Gross Drug Cost Below Part D Out-of-Pocket Threshold (GDCB)",
                c.gdc_blw_oopt_amt,
            ),
            (
                adjudication::COINSURANCE,
                "gdc_abv_oopt_amt",
                "Gross Drug Cost Above Part D Out-of-Pocket Threshold (GDCA)",
                c.gdc_abv_oopt_amt,
            ),
            (
                adjudication::PAID_BY_PATIENT,
                "ptnt_pay_amt",
                "Amount Paid by Patient",
                c.ptnt_pay_amt,
            ),
            (
                adjudication::PRIOR_PAYER_PAID,
                "othr_troop_amt",
                "Other True Out-of-Pocket (TrOOP) Amount",
                c.othr_troop_amt,
            ),
            (
                adjudication::DISCOUNT,
                "lics_amt",
                "Amount paid for the PDE by Part D low income subsidy",
                c.lics_amt,
            ),
            (
                adjudication::PRIOR_PAYER_PAID,
                "plro_amt",
                "Reduction in patient liability due to payments by other payers (PLRO)",
                c.plro_amt,
            ),
            (
                adjudication::DRUG_COST,
                "tot_rx_cst_amt",
                "Total drug cost (Part D)",
                c.tot_rx_cst_amt,
            ),
            (
                adjudication::DISCOUNT,
                "rptd_gap_dscnt_num",
                "Gap Discount Amount",
                c.rptd_gap_dscnt_num,
            ),
        ];
        for (cat, variable, label, amount) in amounts {
            adjudication_amount(a, cat, variable, label, amount, |_| {});
        }
    });
}
