//! Elements every ExplanationOfBenefit has, whatever the claim type, as BFD's
//! `TransformerUtilsV2` and `DiagnosisUtilV2` write them: resource header, identifiers, type
//! codings, status, patient, insurer, insurance, billable period, care team, diagnoses,
//! supporting information, adjudications, totals, benefit balances and payment.
//!
//! Functions take values, not claim structs, so every claim type can use them. Systems and
//! C4BB codings are `&'static str` constants (no allocation); `…/variables/<var>` URLs are
//! built with [`ccw_url`] only where the variable is not fixed.

use crate::fhir::RenderContext;
use crate::fhir::common::{
    CCW, ccw_display, ccw_url, date, icd_diagnosis_display, instant, money_fields, npi_info,
};
use bb_claims::Decimal;
use bb_fhir::json::{Arr, Obj};
use chrono::NaiveDate;
use std::io::Write;

/// Profile URL prefix of the C4BB ExplanationOfBenefit profiles (unversioned, as BFD).
pub const C4BB_EOB: &str =
    "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-";

/// `C4BBIdentifierType` code system.
pub const C4BB_IDENTIFIER_TYPE: &str =
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType";
/// `C4BBClaimCareTeamRole` code system.
pub const C4BB_CARE_TEAM_ROLE: &str =
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole";
/// HL7 `claimcareteamrole` code system.
pub const CLAIM_CARE_TEAM_ROLE: &str = "http://terminology.hl7.org/CodeSystem/claimcareteamrole";
/// `C4BBSupportingInfoType` code system.
pub const C4BB_SUPPORTING_INFO_TYPE: &str =
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType";
/// `C4BBAdjudication` code system.
pub const C4BB_ADJUDICATION: &str = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication";
/// `C4BBAdjudicationDiscriminator` code system.
pub const C4BB_ADJUDICATION_DISCRIMINATOR: &str =
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator";
/// `C4BBClaimDiagnosisType` code system.
pub const C4BB_DIAGNOSIS_TYPE: &str =
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimDiagnosisType";
/// `C4BBPayerAdjudicationStatus` code system.
pub const C4BB_PAYER_ADJUDICATION_STATUS: &str =
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBPayerAdjudicationStatus";
/// HL7 `adjudication` code system.
pub const HL7_ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
/// HL7 `ex-diagnosistype` code system.
pub const EX_DIAGNOSIS_TYPE: &str = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype";
/// HL7 `claiminformationcategory` code system.
pub const CLAIM_INFORMATION_CATEGORY: &str =
    "http://terminology.hl7.org/CodeSystem/claiminformationcategory";
/// HL7 `ex-benefitcategory` code system.
pub const EX_BENEFIT_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/ex-benefitcategory";
/// HL7 `claim-type` code system.
pub const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
/// HL7 v2 table 0203 (identifier types).
pub const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// NUCC provider taxonomy.
pub const NUCC: &str = "http://nucc.org/provider-taxonomy";
/// NPI identifier system.
pub const US_NPI: &str = "http://hl7.org/fhir/sid/us-npi";
/// NDC code system.
pub const NDC: &str = "http://hl7.org/fhir/sid/ndc";
/// ICD-10-CM, ICD-10 and ICD-9-CM code systems.
pub const ICD10_CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// ICD-10 (BFD repeats every ICD-10-CM diagnosis coding under this system).
pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
/// ICD-9-CM.
pub const ICD9_CM: &str = "http://hl7.org/fhir/sid/icd-9-cm";
/// `bbcs:eob-type`.
pub const BB_EOB_TYPE: &str = "https://bluebutton.cms.gov/resources/codesystem/eob-type";
/// `bbcs:adjudication` (second coding of adjudication categories).
pub const BB_ADJUDICATION: &str = "https://bluebutton.cms.gov/resources/codesystem/adjudication";
/// `bbcs:information` (second coding of supportingInfo categories).
pub const BB_INFORMATION: &str = "https://bluebutton.cms.gov/resources/codesystem/information";
/// `bbcs:benefit-balance`.
pub const BB_BENEFIT_BALANCE: &str =
    "https://bluebutton.cms.gov/resources/codesystem/benefit-balance";
/// `bbcs:hcpcs`.
pub const BB_HCPCS: &str = "https://bluebutton.cms.gov/resources/codesystem/hcpcs";
/// Claim group identifier system.
pub const BB_CLAIM_GROUP: &str = "https://bluebutton.cms.gov/resources/identifier/claim-group";

/// A coding known at compile time: `(system, code, display)`.
pub type Concept = (&'static str, &'static str, &'static str);

/// C4BB adjudication categories (`C4BBAdjudication` and HL7 `adjudication`), as BFD's
/// `C4BBAdjudication` enum writes them.
pub mod adjudication {
    use super::{C4BB_ADJUDICATION, Concept, HL7_ADJUDICATION};
    /// `adjudication|benefit`.
    pub const BENEFIT: Concept = (HL7_ADJUDICATION, "benefit", "Benefit Amount");
    /// `adjudication|submitted`.
    pub const SUBMITTED: Concept = (HL7_ADJUDICATION, "submitted", "Submitted Amount");
    /// `adjudication|eligible`.
    pub const ELIGIBLE: Concept = (HL7_ADJUDICATION, "eligible", "Eligible Amount");
    /// `adjudication|deductible`.
    pub const DEDUCTIBLE: Concept = (HL7_ADJUDICATION, "deductible", "Deductible");
    /// `C4BBAdjudication|paidtopatient`.
    pub const PAID_TO_PATIENT: Concept = (C4BB_ADJUDICATION, "paidtopatient", "Paid to patient");
    /// `C4BBAdjudication|paidtoprovider`.
    pub const PAID_TO_PROVIDER: Concept = (C4BB_ADJUDICATION, "paidtoprovider", "Paid to provider");
    /// `C4BBAdjudication|paidbypatient`.
    pub const PAID_BY_PATIENT: Concept = (C4BB_ADJUDICATION, "paidbypatient", "Paid by patient");
    /// `C4BBAdjudication|priorpayerpaid`.
    pub const PRIOR_PAYER_PAID: Concept = (C4BB_ADJUDICATION, "priorpayerpaid", "Prior payer paid");
    /// `C4BBAdjudication|coinsurance`.
    pub const COINSURANCE: Concept = (C4BB_ADJUDICATION, "coinsurance", "Co-insurance");
    /// `C4BBAdjudication|discount`.
    pub const DISCOUNT: Concept = (C4BB_ADJUDICATION, "discount", "Discount");
    /// `C4BBAdjudication|drugcost`.
    pub const DRUG_COST: Concept = (C4BB_ADJUDICATION, "drugcost", "Drug Cost");
    /// `C4BBAdjudication|noncovered`.
    pub const NONCOVERED: Concept = (C4BB_ADJUDICATION, "noncovered", "Noncovered");
}

/// Care team roles (`C4BBClaimCareTeamRole`, HL7 `claimcareteamrole`).
pub mod role {
    use super::{C4BB_CARE_TEAM_ROLE, CLAIM_CARE_TEAM_ROLE, Concept};
    /// Referring.
    pub const REFERRING: Concept = (C4BB_CARE_TEAM_ROLE, "referring", "Referring");
    /// Performing.
    pub const PERFORMING: Concept = (C4BB_CARE_TEAM_ROLE, "performing", "Performing provider");
    /// Prescribing.
    pub const PRESCRIBING: Concept = (C4BB_CARE_TEAM_ROLE, "prescribing", "Prescribing provider");
    /// Attending.
    pub const ATTENDING: Concept = (C4BB_CARE_TEAM_ROLE, "attending", "Attending");
    /// Operating.
    pub const OPERATING: Concept = (C4BB_CARE_TEAM_ROLE, "operating", "Operating");
    /// Other operating.
    pub const OTHER_OPERATING: Concept = (C4BB_CARE_TEAM_ROLE, "otheroperating", "Other Operating");
    /// Primary (HL7 `claimcareteamrole`).
    pub const PRIMARY: Concept = (CLAIM_CARE_TEAM_ROLE, "primary", "Primary provider");
}

/// Writes `"key": "https://bluebutton.cms.gov/resources/variables/<variable>"` without
/// allocating (variable names need no JSON escaping).
pub fn ccw_url_field(o: &mut Obj<'_>, key: &str, variable: &str) {
    let mut buf = [0u8; 128];
    let len = CCW.len() + variable.len() + 2;
    if len <= buf.len()
        && variable
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        buf[0] = b'"';
        buf[1..=CCW.len()].copy_from_slice(CCW.as_bytes());
        buf[CCW.len() + 1..len - 1].copy_from_slice(variable.as_bytes());
        buf[len - 1] = b'"';
        o.raw(key, &buf[..len]);
    } else {
        o.str(key, &ccw_url(variable));
    }
}

/// Writes `system` (`…/variables/<variable>`), `code` and `display` of a CCW coding, the
/// display as BFD computes it ([`ccw_display`]: only when the code is unique in the
/// codebook).
pub fn ccw_coding(o: &mut Obj<'_>, variable: &str, code: &str) {
    ccw_url_field(o, "system", variable);
    o.str("code", code)
        .opt_str("display", ccw_display(variable, code));
}

/// Adds `{url: …/variable, valueCoding: {system, code, display?}}` (BFD's
/// `createExtensionCoding`).
pub fn ext_coding(a: &mut Arr<'_>, variable: &str, code: &str) {
    a.obj(|e| {
        ccw_url_field(e, "url", variable);
        e.obj("valueCoding", |c| ccw_coding(c, variable, code));
    });
}

/// Adds `{url: …/variable, valueIdentifier: {system: …/variable, value}}` (BFD's
/// `createExtensionIdentifier`).
pub fn ext_identifier(a: &mut Arr<'_>, variable: &str, value: &str) {
    a.obj(|e| {
        ccw_url_field(e, "url", variable);
        e.obj("valueIdentifier", |i| {
            ccw_url_field(i, "system", variable);
            i.str("value", value);
        });
    });
}

/// Writes one coding `{system, code, display}` into an array.
pub fn coding(a: &mut Arr<'_>, c: Concept) {
    a.obj(|o| {
        o.str("system", c.0).str("code", c.1).str("display", c.2);
    });
}

/// Writes `"key": {coding: [c]}`.
pub fn concept(o: &mut Obj<'_>, key: &str, c: Concept) {
    o.obj(key, |cc| {
        cc.arr("coding", |a| coding(a, c));
    });
}

/// Writes `"key": {coding: [{system: …/variable, code, display?}]}` for a CCW variable.
pub fn ccw_concept(o: &mut Obj<'_>, key: &str, variable: &str, code: &str) {
    o.obj(key, |cc| {
        cc.arr("coding", |a| {
            a.obj(|c| ccw_coding(c, variable, code));
        });
    });
}

/// A short code held either as text or as a single character (CCW one-character codes are
/// `char` in the model); written without allocating.
#[derive(Clone, Copy, Debug)]
pub enum Code<'a> {
    /// Text code.
    Str(&'a str),
    /// One-character code.
    Char(char),
}

impl Code<'_> {
    /// Calls `f` with the code as `&str`.
    pub fn with<R>(self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            Code::Str(s) => f(s),
            Code::Char(c) => {
                let mut buf = [0u8; 4];
                f(c.encode_utf8(&mut buf))
            }
        }
    }
}

/// Adds a CCW coded extension for a one-character code.
pub fn ext_ccw_char(a: &mut Arr<'_>, variable: &str, code: char) {
    Code::Char(code).with(|c| ext_coding(a, variable, c));
}

/// Adds `{url: …/variable, valueQuantity: {value}}` with BFD's number form: an integer when
/// the column has no fraction digits, else a decimal (`42.0`).
pub fn ext_ccw_quantity_exact(a: &mut Arr<'_>, variable: &str, value: Decimal) {
    a.obj(|e| {
        ccw_url_field(e, "url", variable);
        e.obj("valueQuantity", |q| quantity_value(q, value));
    });
}

/// Writes `"value"` of a Quantity: an integer when `value` has no fraction digits, else a
/// decimal (BFD keeps the column's scale: `LINE_SRVC_CNT` of DME `60`, of carrier `1.0`).
pub fn quantity_value(q: &mut Obj<'_>, value: Decimal) {
    if value.scale == 0 {
        q.int("value", value.units);
    } else {
        q.decimal("value", value.units, value.scale);
    }
}

/// Writes `resourceType`, `id` and `meta` (lastUpdated, profile).
pub fn header(o: &mut Obj<'_>, id: &str, profile: &str, ctx: &RenderContext) {
    o.str("resourceType", "ExplanationOfBenefit").str("id", id);
    o.obj("meta", |m| {
        m.str("lastUpdated", &instant(ctx.last_updated));
        m.arr("profile", |a| {
            a.str(profile);
        });
    });
}

/// Adds an identifier of type `C4BBIdentifierType|uc` (BFD uses it for the claim id, the
/// claim group and the PDE's Rx service reference number).
pub fn identifier_uc(a: &mut Arr<'_>, system: &str, value: &str) {
    a.obj(|i| {
        concept(i, "type", (C4BB_IDENTIFIER_TYPE, "uc", "Unique Claim ID"));
        i.str("system", system).str("value", value);
    });
}

/// Writes `identifier` with the claim id (`system` = `…/variables/clm_id` or `pde_id`) and the
/// claim group, both `uc`; `more` adds further identifiers after them.
pub fn claim_identifiers(
    o: &mut Obj<'_>,
    id_system: &str,
    claim_id: i64,
    claim_group: i64,
    more: impl FnOnce(&mut Arr<'_>),
) {
    o.arr("identifier", |a| {
        identifier_uc(a, id_system, &claim_id.to_string());
        identifier_uc(a, BB_CLAIM_GROUP, &claim_group.to_string());
        more(a);
    });
}

/// `ExplanationOfBenefit.type`: `bb:nch_clm_type_cd` (when the claim has one), `bbcs:eob-type`
/// and the HL7 claim type (`professional`/`institutional`/`pharmacy`).
pub fn eob_type(
    o: &mut Obj<'_>,
    nch_clm_type_cd: Option<&str>,
    eob_type: &str,
    claim_type: Concept,
) {
    o.obj("type", |t| {
        t.arr("coding", |a| {
            if let Some(code) = nch_clm_type_cd {
                a.obj(|c| ccw_coding(c, "nch_clm_type_cd", code));
            }
            a.obj(|c| {
                c.str("system", BB_EOB_TYPE).str("code", eob_type);
            });
            coding(a, claim_type);
        });
    });
}

/// HL7 claim types.
pub mod claim_type {
    use super::{CLAIM_TYPE, Concept};
    /// `claim-type|professional`.
    pub const PROFESSIONAL: Concept = (CLAIM_TYPE, "professional", "Professional");
    /// `claim-type|institutional`.
    pub const INSTITUTIONAL: Concept = (CLAIM_TYPE, "institutional", "Institutional");
    /// `claim-type|pharmacy`.
    pub const PHARMACY: Concept = (CLAIM_TYPE, "pharmacy", "Pharmacy");
}

/// `status` (`active` for final action `F`, else `cancelled`), `use: claim`, `outcome:
/// complete`, `patient`, `created` and `insurer` (`mapEobCommonClaimHeaderData`). `created` is
/// the time of the response in BFD (not compared by the golden tests); here the record's
/// lastUpdated, so responses are reproducible.
pub fn common_fields(o: &mut Obj<'_>, final_action: char, bene_id: i64, ctx: &RenderContext) {
    o.str(
        "status",
        if final_action == 'F' {
            "active"
        } else {
            "cancelled"
        },
    );
    o.str("use", "claim").str("outcome", "complete");
    o.obj("patient", |p| {
        p.str("reference", &format!("Patient/{bene_id}"));
    });
    o.str("created", &instant(ctx.last_updated));
    o.obj("insurer", |i| {
        i.obj("identifier", |id| {
            id.str("value", "CMS");
        });
    });
}

/// `billablePeriod` {start, end}.
pub fn billable_period(o: &mut Obj<'_>, from: Option<NaiveDate>, thru: Option<NaiveDate>) {
    o.obj("billablePeriod", |p| period_fields(p, from, thru));
}

/// Writes `start` and `end` of a Period.
pub fn period_fields(p: &mut Obj<'_>, from: Option<NaiveDate>, thru: Option<NaiveDate>) {
    if let Some(d) = from {
        p.str("start", &date(d));
    }
    if let Some(d) = thru {
        p.str("end", &date(d));
    }
}

/// `insurance: [{focal: true, coverage: {extension?, reference: Coverage/part-<x>-<bene>}}]`;
/// `part` is `a`, `b`, `c` or `d`; `ext` adds coverage extensions (PDE's contract and PBP).
pub fn insurance(o: &mut Obj<'_>, part: &str, bene_id: i64, ext: impl FnOnce(&mut Arr<'_>)) {
    o.arr("insurance", |a| {
        a.obj(|i| {
            i.bool("focal", true);
            i.obj("coverage", |c| {
                c.arr("extension", ext);
                c.str("reference", &format!("Coverage/part-{part}-{bene_id}"));
            });
        });
    });
}

/// `payment: {amount}` (`payment.date` where a claim type has one is written by its renderer).
pub fn payment_amount(o: &mut Obj<'_>, amount: Decimal) {
    o.obj("payment", |p| {
        p.obj("amount", |m| money_fields(m, amount));
    });
}

/// Writes `{system: bbcs:<kind>, code: …/variables/<variable>, display}`, the second coding of
/// adjudication, supportingInfo and benefit balance categories.
fn bb_variable_coding(a: &mut Arr<'_>, system: &str, variable: &str, label: &str) {
    a.obj(|c| {
        c.str("system", system);
        ccw_url_field(c, "code", variable);
        c.str("display", label);
    });
}

/// Adds an adjudication `{extension?, category: {coding: [cat, bbcs:adjudication|<variable>]},
/// amount}`; `label` is the CCW variable's label (the second coding's display).
pub fn adjudication_amount(
    a: &mut Arr<'_>,
    cat: Concept,
    variable: &str,
    label: &str,
    amount: Decimal,
    ext: impl FnOnce(&mut Arr<'_>),
) {
    a.obj(|adj| {
        adj.arr("extension", ext);
        adj.obj("category", |c| {
            c.arr("coding", |cs| {
                coding(cs, cat);
                bb_variable_coding(cs, BB_ADJUDICATION, variable, label);
            });
        });
        adj.obj("amount", |m| money_fields(m, amount));
    });
}

/// Adds a `C4BBAdjudicationDiscriminator|denialreason` adjudication with `reason` coded by a
/// CCW variable.
pub fn adjudication_denial_reason(a: &mut Arr<'_>, variable: &str, code: &str) {
    a.obj(|adj| {
        concept(
            adj,
            "category",
            (
                C4BB_ADJUDICATION_DISCRIMINATOR,
                "denialreason",
                "Denial Reason",
            ),
        );
        ccw_concept(adj, "reason", variable, code);
    });
}

/// Adds a `total` entry: like [`adjudication_amount`] without extensions.
pub fn total_amount(a: &mut Arr<'_>, cat: Concept, variable: &str, label: &str, amount: Decimal) {
    adjudication_amount(a, cat, variable, label, amount, |_| {});
}

/// Writes `benefitBalance: [{category: ex-benefitcategory|1, financial: […]}]`; `f` adds the
/// financial entries with [`benefit_money`] and [`benefit_unsigned_int`].
pub fn benefit_balance(o: &mut Obj<'_>, f: impl FnOnce(&mut Arr<'_>)) {
    o.arr("benefitBalance", |a| {
        a.obj(|b| {
            concept(b, "category", (EX_BENEFIT_CATEGORY, "1", "Medical Care"));
            b.arr("financial", f);
        });
    });
}

/// Adds a financial entry `{type: bbcs:benefit-balance|<variable>, usedMoney}`.
pub fn benefit_money(a: &mut Arr<'_>, variable: &str, label: &str, amount: Decimal) {
    a.obj(|f| {
        f.obj("type", |t| {
            t.arr("coding", |c| {
                bb_variable_coding(c, BB_BENEFIT_BALANCE, variable, label)
            });
        });
        f.obj("usedMoney", |m| money_fields(m, amount));
    });
}

/// Adds a financial entry `{type: bbcs:benefit-balance|<variable>, usedUnsignedInt}`.
pub fn benefit_unsigned_int(a: &mut Arr<'_>, variable: &str, label: &str, value: i64) {
    a.obj(|f| {
        f.obj("type", |t| {
            t.arr("coding", |c| {
                bb_variable_coding(c, BB_BENEFIT_BALANCE, variable, label)
            });
        });
        f.int("usedUnsignedInt", value);
    });
}

/// The category of a supportingInfo entry: a C4BB/HL7 coding, then (for CCW variables)
/// `bbcs:information|<variable URL>` with the variable's label.
#[derive(Clone, Copy, Debug)]
pub struct InfoCategory<'a> {
    /// First coding (`C4BBSupportingInfoType|…` or `claiminformationcategory|info`).
    pub first: Concept,
    /// CCW variable and its label for the second coding, if any.
    pub variable: Option<(&'a str, &'a str)>,
}

/// `claiminformationcategory|info` with a CCW variable.
pub fn info<'a>(variable: &'a str, label: &'a str) -> InfoCategory<'a> {
    InfoCategory {
        first: (CLAIM_INFORMATION_CATEGORY, "info", "Information"),
        variable: Some((variable, label)),
    }
}

/// Numbers supportingInfo entries: each [`SupportingInfo::add`] writes one and returns its
/// sequence (items refer to it in `informationSequence`).
pub struct SupportingInfo<'w, 'a> {
    arr: &'w mut Arr<'a>,
    next: i64,
}

impl<'w, 'a> SupportingInfo<'w, 'a> {
    /// Starts numbering at 1 in `arr` (the `supportingInfo` array).
    pub fn new(arr: &'w mut Arr<'a>) -> Self {
        Self { arr, next: 1 }
    }

    /// Adds `{sequence, category, …}` with `f` writing the value (`timingDate`, `code`,
    /// `valueQuantity`, `valueReference`…); returns the sequence.
    pub fn add(&mut self, cat: InfoCategory<'_>, f: impl FnOnce(&mut Obj<'_>)) -> i64 {
        let seq = self.next;
        self.next += 1;
        self.arr.obj(|s| {
            s.int("sequence", seq);
            s.obj("category", |c| {
                c.arr("coding", |cs| {
                    coding(cs, cat.first);
                    if let Some((variable, label)) = cat.variable {
                        bb_variable_coding(cs, BB_INFORMATION, variable, label);
                    }
                });
            });
            f(s);
        });
        seq
    }
}

/// The received-date slice: `C4BBSupportingInfoType|clmrecvddate` + `bb:<variable>`, with
/// `timingDate` (`createInformationRecievedDateSlice`).
pub fn info_received_date(
    info: &mut SupportingInfo<'_, '_>,
    variable: &str,
    label: &str,
    value: NaiveDate,
) -> i64 {
    info.add(
        InfoCategory {
            first: (
                C4BB_SUPPORTING_INFO_TYPE,
                "clmrecvddate",
                "Claim Received Date",
            ),
            variable: Some((variable, label)),
        },
        |s| {
            s.str("timingDate", &date(value));
        },
    )
}

/// `contained` Observation for a line's hematocrit/hemoglobin result
/// (`line-observation-<line>`, code `bb:line_hct_hgb_type_cd`, valueQuantity).
pub fn hct_hgb_observation(a: &mut Arr<'_>, line: i64, type_cd: &str, result: Decimal) {
    a.obj(|o| {
        o.str("resourceType", "Observation")
            .str("id", &format!("line-observation-{line}"))
            .str("status", "unknown");
        ccw_concept(o, "code", "line_hct_hgb_type_cd", type_cd);
        o.obj("valueQuantity", |q| quantity_value(q, result));
    });
}

/// The supportingInfo entry pointing at [`hct_hgb_observation`].
pub fn info_hct_hgb(info: &mut SupportingInfo<'_, '_>, line: i64) -> i64 {
    info.add(
        info_category_ccw(
            "line_hct_hgb_rslt_num",
            "Hematocrit / Hemoglobin Test Results",
        ),
        |s| {
            s.obj("valueReference", |r| {
                r.str("reference", &format!("#line-observation-{line}"));
            });
        },
    )
}

fn info_category_ccw<'a>(variable: &'a str, label: &'a str) -> InfoCategory<'a> {
    info(variable, label)
}

/// How a care team member is identified (`C4BBPractitionerIdentifierType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderIdType {
    /// `C4BBIdentifierType|npi`; display and taxonomy come from the NPI lookup.
    Npi,
    /// `v2-0203|UPIN`.
    Upin,
}

impl ProviderIdType {
    fn concept(self) -> Concept {
        match self {
            ProviderIdType::Npi => (C4BB_IDENTIFIER_TYPE, "npi", "National Provider Identifier"),
            ProviderIdType::Upin => (
                V2_0203,
                "UPIN",
                "Medicare/CMS (formerly HCFA)'s Universal Physician Identification numbers",
            ),
        }
    }
}

/// Writes a practitioner reference: `{identifier: {type, value}, display?}`, the display
/// from the NPI lookup (`createPractitionerIdentifierReference`).
pub fn practitioner_reference(o: &mut Obj<'_>, key: &str, id_type: ProviderIdType, value: &str) {
    o.obj(key, |r| {
        r.obj("identifier", |i| {
            concept(i, "type", id_type.concept());
            i.str("value", value);
        });
        if id_type == ProviderIdType::Npi {
            r.opt_str("display", npi_info(value).and_then(|n| n.name));
        }
    });
}

/// A careTeam member.
#[derive(Clone, Debug)]
pub struct CareTeamMember<'a> {
    /// Identifier type.
    pub id_type: ProviderIdType,
    /// Identifier value.
    pub value: &'a str,
    /// Role.
    pub role: Concept,
    /// `responsible: true`.
    pub responsible: bool,
    /// Writes the NUCC taxonomy of the NPI lookup as the first qualification coding.
    pub taxonomy: bool,
    /// `bb:prvdr_spclty` qualification coding.
    pub specialty: Option<&'a str>,
    /// CCW coded extensions (`carr_line_prvdr_type_cd`, `prtcptng_ind_cd`, `tax_num`…).
    pub extensions: Vec<(&'static str, Code<'a>)>,
}

impl<'a> CareTeamMember<'a> {
    /// A member with the NPI lookup's taxonomy and nothing else.
    pub fn new(id_type: ProviderIdType, value: &'a str, role: Concept) -> Self {
        Self {
            id_type,
            value,
            role,
            responsible: false,
            taxonomy: true,
            specialty: None,
            extensions: Vec::new(),
        }
    }
}

/// The care team, numbered as BFD's `addCareTeamMember`: a member with the same identifier
/// value and role is added once and its sequence reused.
#[derive(Default)]
pub struct CareTeam<'a> {
    members: Vec<CareTeamMember<'a>>,
}

impl<'a> CareTeam<'a> {
    /// An empty care team.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `member` unless one with the same value and role exists; returns its sequence.
    pub fn add(&mut self, member: CareTeamMember<'a>) -> i64 {
        if let Some(i) = self
            .members
            .iter()
            .position(|m| m.value == member.value && m.role.1 == member.role.1)
        {
            return i as i64 + 1;
        }
        self.members.push(member);
        self.members.len() as i64
    }

    /// Writes `careTeam`.
    pub fn render(&self, o: &mut Obj<'_>) {
        o.arr("careTeam", |a| {
            for (i, m) in self.members.iter().enumerate() {
                a.obj(|c| {
                    c.arr("extension", |e| {
                        for (variable, code) in &m.extensions {
                            code.with(|v| ext_coding(e, variable, v));
                        }
                    });
                    c.int("sequence", i as i64 + 1);
                    practitioner_reference(c, "provider", m.id_type, m.value);
                    if m.responsible {
                        c.bool("responsible", true);
                    }
                    concept(c, "role", m.role);
                    c.obj("qualification", |q| {
                        q.arr("coding", |cs| {
                            if m.taxonomy
                                && m.id_type == ProviderIdType::Npi
                                && let Some((code, display)) =
                                    npi_info(m.value).and_then(|n| n.taxonomy)
                            {
                                cs.obj(|t| {
                                    t.str("system", NUCC)
                                        .str("code", code)
                                        .str("display", display);
                                });
                            }
                            if let Some(s) = m.specialty {
                                cs.obj(|t| ccw_coding(t, "prvdr_spclty", s));
                            }
                        });
                    });
                });
            }
        });
    }
}

/// Why a diagnosis is on the claim (BFD's `DiagnosisLabel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagnosisLabel {
    /// Principal diagnosis.
    Principal,
    /// Admitting diagnosis.
    Admitting,
    /// Other diagnosis.
    Other,
    /// External cause of injury (first or further).
    External,
    /// Patient's reason for visit.
    ReasonForVisit,
}

/// Which mapping of labels to codings applies (`DiagnosisUtilV2.translateLabelCode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagnosisStyle {
    /// Carrier, HHA and the lines of carrier and DME claims: principal / secondary.
    Professional,
    /// Inpatient: principal, admitting, external cause, other.
    Inpatient,
    /// Outpatient, hospice, SNF, DME claim level: principal, external cause, reason for
    /// visit, other.
    Outpatient,
}

impl DiagnosisStyle {
    fn coding(self, label: DiagnosisLabel) -> Concept {
        const PRINCIPAL: Concept = (EX_DIAGNOSIS_TYPE, "principal", "Principal Diagnosis");
        const EXTERNAL: Concept = (
            C4BB_DIAGNOSIS_TYPE,
            "externalcauseofinjury",
            "External Cause of Injury",
        );
        const OTHER: Concept = (C4BB_DIAGNOSIS_TYPE, "other", "Other");
        match (self, label) {
            (DiagnosisStyle::Professional, DiagnosisLabel::Principal) => {
                (EX_DIAGNOSIS_TYPE, "principal", "principal")
            }
            (DiagnosisStyle::Professional, _) => (C4BB_DIAGNOSIS_TYPE, "secondary", "Secondary"),
            (_, DiagnosisLabel::Principal) => PRINCIPAL,
            (DiagnosisStyle::Inpatient, DiagnosisLabel::Admitting) => {
                (EX_DIAGNOSIS_TYPE, "admitting", "Admitting Diagnosis")
            }
            (_, DiagnosisLabel::External) => EXTERNAL,
            (DiagnosisStyle::Outpatient, DiagnosisLabel::ReasonForVisit) => (
                C4BB_DIAGNOSIS_TYPE,
                "patientreasonforvisit",
                "Patient Reason for Visit",
            ),
            _ => OTHER,
        }
    }
}

/// One diagnosis of [`Diagnoses`].
#[derive(Clone, Copy, Debug)]
pub struct Diagnosis<'a> {
    code: &'a str,
    icd9: bool,
    label: DiagnosisLabel,
    style: DiagnosisStyle,
    poa: Option<(&'static str, char)>,
}

/// The claim's diagnoses, numbered and deduplicated as BFD's `addDiagnosisCode` (same code
/// and system → same entry, the first label wins).
#[derive(Default)]
pub struct Diagnoses<'a> {
    list: Vec<Diagnosis<'a>>,
}

impl<'a> Diagnoses<'a> {
    /// No diagnoses yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a diagnosis (nothing when `code` is `None`); `version` is the ICD version code
    /// (`9` ICD-9, else ICD-10); `poa` is the present-on-admission variable and code. Returns
    /// the sequence.
    pub fn add(
        &mut self,
        code: Option<&'a str>,
        version: Option<char>,
        label: DiagnosisLabel,
        style: DiagnosisStyle,
        poa: Option<(&'static str, char)>,
    ) -> Option<i64> {
        let code = code.filter(|c| !c.is_empty())?;
        let icd9 = version == Some('9');
        if let Some(i) = self
            .list
            .iter()
            .position(|d| d.code == code && d.icd9 == icd9)
        {
            return Some(i as i64 + 1);
        }
        self.list.push(Diagnosis {
            code,
            icd9,
            label,
            style,
            poa,
        });
        Some(self.list.len() as i64)
    }

    /// Writes `diagnosis`.
    pub fn render(&self, o: &mut Obj<'_>) {
        o.arr("diagnosis", |a| {
            for (i, d) in self.list.iter().enumerate() {
                a.obj(|x| {
                    x.arr("extension", |e| {
                        if let Some((variable, code)) = d.poa {
                            ext_ccw_char(e, variable, code);
                        }
                    });
                    x.int("sequence", i as i64 + 1);
                    x.obj("diagnosisCodeableConcept", |cc| {
                        let display = icd_diagnosis_display(d.code);
                        cc.arr("coding", |cs| {
                            let systems: &[&str] = if d.icd9 {
                                &[ICD9_CM]
                            } else {
                                &[ICD10_CM, ICD10]
                            };
                            for system in systems {
                                cs.obj(|c| {
                                    c.str("system", system)
                                        .str("code", d.code)
                                        .opt_str("display", display);
                                });
                            }
                        });
                    });
                    x.arr("type", |t| {
                        t.obj(|tc| {
                            tc.arr("coding", |cs| coding(cs, d.style.coding(d.label)));
                        });
                    });
                });
            }
        });
    }
}

/// Calls `f` with the decimal digits of `v`, formatted on the stack.
pub fn with_int<R>(v: i64, f: impl FnOnce(&[u8]) -> R) -> R {
    let mut buf = [0u8; 24];
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    let _ = write!(cursor, "{v}");
    let len = usize::try_from(cursor.position()).unwrap_or(0);
    f(&buf[..len])
}

/// Writes an array of sequence numbers (`careTeamSequence`, `diagnosisSequence`, …).
pub fn sequences(o: &mut Obj<'_>, key: &str, seqs: &[i64]) {
    o.arr(key, |a| {
        for s in seqs {
            with_int(*s, |digits| {
                a.raw(digits);
            });
        }
    });
}

/// `item.productOrService` and `item.modifier` for a HCPCS line (`mapHcpcs`): the HCPCS code
/// (`bbcs:hcpcs`), an optional NDC extension with its FDA display, and one modifier per
/// present modifier code with the claim's HCPCS year as `version`.
pub fn hcpcs_product_and_modifiers(
    o: &mut Obj<'_>,
    hcpcs: Option<&str>,
    ndc: Option<&str>,
    year: Option<char>,
    modifiers: &[Option<&str>],
) {
    o.obj("productOrService", |p| {
        p.arr("extension", |e| {
            if let Some(code) = ndc {
                e.obj(|x| {
                    x.str("url", NDC);
                    x.obj("valueCoding", |c| {
                        c.str("system", NDC)
                            .str("code", code)
                            .opt_str("display", crate::fhir::common::ndc_display(code));
                    });
                });
            }
        });
        p.arr("coding", |cs| {
            if let Some(code) = hcpcs {
                cs.obj(|c| {
                    c.str("system", BB_HCPCS).str("code", code);
                });
            } else {
                super::institutional::data_absent(cs);
            }
        });
    });
    o.arr("modifier", |a| {
        for m in modifiers.iter().flatten() {
            a.obj(|cc| {
                cc.arr("coding", |cs| {
                    cs.obj(|c| {
                        c.str("system", BB_HCPCS);
                        if let Some(y) = year {
                            Code::Char(y).with(|v| {
                                c.str("version", v);
                            });
                        }
                        c.str("code", m);
                    });
                });
            });
        }
    });
}
