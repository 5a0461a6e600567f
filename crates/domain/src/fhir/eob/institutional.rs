//! Elements shared by the institutional claim types (inpatient, outpatient, SNF, hospice,
//! HHA): the contained provider Organization, facility, admission and discharge
//! supportingInfo, care team, diagnoses and procedures, revenue-center items, totals and
//! benefit balances. Follows BFD's `TransformerUtilsV2` (`mapEobCommonClaimHeaderData`,
//! `mapEobType`, `addProviderSlice`, `mapCareTeam`, `addInformation*`,
//! `mapEobCommonGroupInpOutHHAHospiceSNF`, `mapEobCommonItemRevenue*`,
//! `addBenefitBalanceFinancial*`) and `DiagnosisUtilV2`, as the approved responses show them.
//!
//! Each claim-type module writes the resource in BFD's element order and calls these pieces;
//! array order (supportingInfo, extensions, benefit balances) is the type's own.

use crate::fhir::RenderContext;
use crate::fhir::common::{
    ccw_label, ccw_url, date, icd_diagnosis_display, icd_procedure_display, instant, money_fields,
    ndc_display, npi_info,
};
use bb_claims::Decimal;
use bb_claims::codes::{Hcpcs, IcdCode, Npi};
use bb_fhir::json::{Arr, Obj};
use chrono::NaiveDate;

const BBCS_INFORMATION: &str = "https://bluebutton.cms.gov/resources/codesystem/information";
const BBCS_ADJUDICATION: &str = "https://bluebutton.cms.gov/resources/codesystem/adjudication";
const BBCS_BENEFIT_BALANCE: &str =
    "https://bluebutton.cms.gov/resources/codesystem/benefit-balance";
const BBCS_HCPCS: &str = "https://bluebutton.cms.gov/resources/codesystem/hcpcs";
const UCUM: &str = "http://unitsofmeasure.org";
const HL7_ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
const C4BB_ADJUDICATION: &str = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication";
const C4BB_SUPPORTING_INFO: &str =
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType";

/// The claim type as BFD names it in `eob-type` and the id prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstType {
    /// `INPATIENT`.
    Inpatient,
    /// `OUTPATIENT`.
    Outpatient,
    /// `SNF`.
    Snf,
    /// `HOSPICE`.
    Hospice,
    /// `HHA`.
    Hha,
}

impl InstType {
    fn eob_type(self) -> &'static str {
        match self {
            Self::Inpatient => "INPATIENT",
            Self::Outpatient => "OUTPATIENT",
            Self::Snf => "SNF",
            Self::Hospice => "HOSPICE",
            Self::Hha => "HHA",
        }
    }
}

/// The claim-level values every institutional header has.
pub struct Header<'a> {
    /// Claim type.
    pub kind: InstType,
    /// `<type>-<clm_id>`.
    pub id: &'a str,
    /// Full profile URL.
    pub profile: &'a str,
    /// CLM_ID.
    pub clm_id: i64,
    /// CLM_GRP_ID.
    pub clm_grp_id: i64,
    /// BENE_ID.
    pub bene_id: i64,
    /// FINAL_ACTION (`F` active, otherwise cancelled).
    pub final_action: char,
    /// NCH_CLM_TYPE_CD.
    pub nch_clm_type_cd: &'a str,
    /// CLAIM_QUERY_CODE.
    pub claim_query_code: Option<char>,
    /// CLM_FROM_DT.
    pub from: NaiveDate,
    /// CLM_THRU_DT.
    pub thru: NaiveDate,
    /// PRVDR_NUM.
    pub prvdr_num: &'a str,
    /// ORG_NPI_NUM.
    pub org_npi: Option<&'a Npi>,
    /// CLM_FAC_TYPE_CD.
    pub clm_fac_type_cd: char,
}

/// A `char` as a one-character `&str` inside a small buffer.
pub fn ch(c: char, buf: &mut [u8; 4]) -> &str {
    c.encode_utf8(buf)
}

/// The codebook display of `code` of CCW `variable` as BFD picks it: only when exactly one
/// codebook value matches (BFD drops the display when value groups repeat the code, e.g.
/// `clm_srvc_clsfctn_type_cd`, `clm_src_ip_admsn_cd`).
pub fn display(variable: &str, code: &str) -> Option<&'static str> {
    crate::fhir::common::ccw_display(variable, code)
}

/// Writes a coding of CCW variable `variable` with the codebook display (one value per call).
fn ccw_coding(a: &mut Arr<'_>, variable: &str, code: &str) {
    a.obj(|c| {
        c.str("system", &ccw_url(variable))
            .str("code", code)
            .opt_str("display", display(variable, code));
    });
}

/// `{url: bb:var, valueCoding: {bb:var|code}}` into an extension array.
pub fn ext_coding(a: &mut Arr<'_>, variable: &str, code: &str) {
    a.obj(|e| {
        e.str("url", &ccw_url(variable));
        e.obj("valueCoding", |c| {
            c.str("system", &ccw_url(variable))
                .str("code", code)
                .opt_str("display", display(variable, code));
        });
    });
}

/// Same as [`ext_coding`] for a one-character code.
pub fn ext_coding_char(a: &mut Arr<'_>, variable: &str, code: char) {
    let mut buf = [0u8; 4];
    ext_coding(a, variable, ch(code, &mut buf));
}

/// `{url: bb:var, valueMoney}`.
pub fn ext_money(a: &mut Arr<'_>, variable: &str, value: Decimal) {
    a.obj(|e| {
        e.str("url", &ccw_url(variable));
        e.obj("valueMoney", |m| money_fields(m, value));
    });
}

/// `{url: bb:var, valueIdentifier: {system: bb:var, value}}`.
pub fn ext_identifier(a: &mut Arr<'_>, variable: &str, value: &str) {
    a.obj(|e| {
        e.str("url", &ccw_url(variable));
        e.obj("valueIdentifier", |i| {
            i.str("system", &ccw_url(variable)).str("value", value);
        });
    });
}

/// `{url: bb:var, valueDate}`.
pub fn ext_date(a: &mut Arr<'_>, variable: &str, value: NaiveDate) {
    a.obj(|e| {
        e.str("url", &ccw_url(variable))
            .str("valueDate", &date(value));
    });
}

/// `{url: bb:var, valueQuantity: {value}}` with the value as BFD prints a plain numeric.
pub fn ext_quantity(a: &mut Arr<'_>, variable: &str, value: Decimal) {
    a.obj(|e| {
        e.str("url", &ccw_url(variable));
        e.obj("valueQuantity", |q| quantity_value(q, value));
    });
}

/// Writes `"value"` of a Quantity as BFD does for unscaled numeric columns: `77`, `234.567`.
pub fn quantity_value(q: &mut Obj<'_>, value: Decimal) {
    let pow = 10i64.checked_pow(u32::from(value.scale)).unwrap_or(1);
    if value.units % pow == 0 {
        q.int("value", value.units / pow);
    } else {
        q.decimal("value", value.units, value.scale);
    }
}

/// The whole-number part of a decimal (BFD's `BigDecimal.intValue()`).
fn int_part(value: Decimal) -> i64 {
    let pow = 10i64.checked_pow(u32::from(value.scale)).unwrap_or(1);
    value.units / pow
}

/// Writes the start of the resource up to `billablePeriod`: header, contained Organization,
/// (`extension` is written by the caller through `extensions`), identifiers, status, type,
/// subType, use, patient, billablePeriod, created, insurer, provider, facility, outcome.
pub fn write_header(
    o: &mut Obj<'_>,
    h: &Header<'_>,
    ctx: &RenderContext,
    extensions: impl FnOnce(&mut Arr<'_>),
) {
    super::common::header(o, h.id, h.profile, ctx);
    o.arr("contained", |a| {
        a.obj(|org| {
            org.str("resourceType", "Organization")
                .str("id", "provider-org");
            org.obj("meta", |m| {
                m.arr("profile", |p| {
                    p.str(
                        "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Organization",
                    );
                });
            });
            org.arr("identifier", |ids| {
                ids.obj(|i| {
                    i.obj("type", |t| {
                        t.arr("coding", |c| {
                            c.obj(|c| {
                                c.str("system", "http://terminology.hl7.org/CodeSystem/v2-0203")
                                    .str("code", "PRN");
                            });
                        });
                    });
                    i.str("value", h.prvdr_num);
                });
                if let Some(npi) = h.org_npi {
                    ids.obj(|i| {
                        i.obj("type", |t| {
                            t.arr("coding", |c| {
                                c.obj(|c| {
                                    c.str("system", "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType")
                                        .str("code", "npi");
                                });
                            });
                        });
                        i.str("system", "http://hl7.org/fhir/sid/us-npi")
                            .str("value", npi.as_str());
                    });
                }
            });
            org.bool("active", true);
            org.opt_str(
                "name",
                h.org_npi
                    .and_then(|n| npi_info(n.as_str()))
                    .and_then(|i| i.name),
            );
        });
    });
    o.arr("extension", extensions);
    let uc = |i: &mut Obj<'_>| {
        i.obj("type", |t| {
            t.arr("coding", |c| {
                c.obj(|c| {
                    c.str(
                        "system",
                        "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType",
                    )
                    .str("code", "uc")
                    .str("display", "Unique Claim ID");
                });
            });
        });
    };
    o.arr("identifier", |a| {
        a.obj(|i| {
            uc(i);
            i.str("system", &ccw_url("clm_id"))
                .str("value", &h.clm_id.to_string());
        });
        a.obj(|i| {
            uc(i);
            i.str(
                "system",
                "https://bluebutton.cms.gov/resources/identifier/claim-group",
            )
            .str("value", &h.clm_grp_id.to_string());
        });
    });
    o.str(
        "status",
        if h.final_action == 'F' {
            "active"
        } else {
            "cancelled"
        },
    );
    let professional = h.kind == InstType::Hha;
    o.obj("type", |t| {
        t.arr("coding", |a| {
            ccw_coding(a, "nch_clm_type_cd", h.nch_clm_type_cd);
            a.obj(|c| {
                c.str(
                    "system",
                    "https://bluebutton.cms.gov/resources/codesystem/eob-type",
                )
                .str("code", h.kind.eob_type());
            });
            a.obj(|c| {
                c.str("system", "http://terminology.hl7.org/CodeSystem/claim-type");
                if professional {
                    c.str("code", "professional").str("display", "Professional");
                } else {
                    c.str("code", "institutional")
                        .str("display", "Institutional");
                }
            });
        });
    });
    let outpatient = h.kind == InstType::Outpatient;
    o.obj("subType", |s| {
        s.arr("coding", |a| {
            a.obj(|c| {
                c.str(
                    "system",
                    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBInstitutionalClaimSubType",
                )
                .str(
                    "code",
                    if outpatient {
                        "outpatient"
                    } else {
                        "inpatient"
                    },
                );
            });
        });
        s.str(
            "text",
            if outpatient {
                "Outpatient"
            } else {
                "Inpatient"
            },
        );
    });
    o.str("use", "claim");
    o.obj("patient", |p| {
        p.str("reference", &format!("Patient/{}", h.bene_id));
    });
    o.obj("billablePeriod", |b| {
        b.arr("extension", |a| {
            if let Some(q) = h.claim_query_code {
                ext_coding_char(a, "claim_query_cd", q);
            }
        });
        b.str("start", &date(h.from)).str("end", &date(h.thru));
    });
    o.str("created", &instant(ctx.last_updated));
    o.obj("insurer", |i| {
        i.obj("identifier", |id| {
            id.str("value", "CMS");
        });
    });
    o.obj("provider", |p| {
        p.str("reference", "#provider-org");
    });
    o.obj("facility", |f| {
        f.arr("extension", |a| {
            ext_coding_char(a, "clm_fac_type_cd", h.clm_fac_type_cd);
        });
    });
    o.str("outcome", "complete");
}

/// `insurance: [{focal: true, coverage: Coverage/part-x-<bene>}]`.
pub fn write_insurance(o: &mut Obj<'_>, part: char, bene_id: i64) {
    o.arr("insurance", |a| {
        a.obj(|i| {
            i.bool("focal", true);
            i.obj("coverage", |c| {
                c.str("reference", &format!("Coverage/part-{part}-{bene_id}"));
            });
        });
    });
}

/// `total: [submitted ← clm_tot_chrg_amt]` and `payment.amount ← clm_pmt_amt`.
pub fn write_total_payment(o: &mut Obj<'_>, total: Decimal, payment: Decimal) {
    o.arr("total", |a| {
        a.obj(|t| {
            adjudication_category(t, Adj::Submitted, "clm_tot_chrg_amt");
            t.obj("amount", |m| money_fields(m, total));
        });
    });
    o.obj("payment", |p| {
        p.obj("amount", |m| money_fields(m, payment));
    });
}

// ---------------------------------------------------------------------------------------
// Care team

/// A care team role (C4BBClaimCareTeamRole).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// attending.
    Attending,
    /// operating.
    Operating,
    /// otheroperating.
    OtherOperating,
    /// performing.
    Performing,
}

impl Role {
    fn code_display(self) -> (&'static str, &'static str) {
        match self {
            Self::Attending => ("attending", "Attending"),
            Self::Operating => ("operating", "Operating"),
            Self::OtherOperating => ("otheroperating", "Other Operating"),
            Self::Performing => ("performing", "Performing provider"),
        }
    }
}

/// One care team member: an NPI or a UPIN in a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member<'a> {
    /// True for an NPI, false for a UPIN.
    pub npi: bool,
    /// The identifier.
    pub value: &'a str,
    /// The role.
    pub role: Role,
}

/// The care team as BFD builds it: claim-level members first, then each line's rendering
/// physician (UPIN, then NPI), a member already present (same identifier and role) reused.
#[derive(Default)]
pub struct CareTeam<'a> {
    members: Vec<Member<'a>>,
}

impl<'a> CareTeam<'a> {
    /// An empty team.
    pub fn new() -> Self {
        Self {
            members: Vec::with_capacity(6),
        }
    }

    /// Adds a member (unless present) and returns its sequence.
    pub fn add(&mut self, m: Member<'a>) -> usize {
        match self.members.iter().position(|x| *x == m) {
            Some(i) => i + 1,
            None => {
                self.members.push(m);
                self.members.len()
            }
        }
    }

    /// Adds the claim-level physician of `role`: its NPI, else its UPIN.
    pub fn add_physician(&mut self, npi: Option<&'a Npi>, upin: Option<&'a str>, role: Role) {
        if let Some(n) = npi {
            self.add(Member {
                npi: true,
                value: n.as_str(),
                role,
            });
        } else if let Some(u) = upin {
            self.add(Member {
                npi: false,
                value: u,
                role,
            });
        }
    }

    /// Adds a line's rendering physician (performing): UPIN then NPI.
    pub fn add_line(&mut self, upin: Option<&'a str>, npi: Option<&'a Npi>) {
        if let Some(u) = upin {
            self.add(Member {
                npi: false,
                value: u,
                role: Role::Performing,
            });
        }
        if let Some(n) = npi {
            self.add(Member {
                npi: true,
                value: n.as_str(),
                role: Role::Performing,
            });
        }
    }

    fn sequence(&self, m: &Member<'_>) -> Option<usize> {
        self.members
            .iter()
            .position(|x| x.npi == m.npi && x.value == m.value && x.role == m.role)
            .map(|i| i + 1)
    }

    /// Writes `careTeamSequence` of a line.
    pub fn write_line_sequences(&self, o: &mut Obj<'_>, upin: Option<&str>, npi: Option<&Npi>) {
        o.arr("careTeamSequence", |a| {
            for (is_npi, value) in [(false, upin), (true, npi.map(Npi::as_str))] {
                let Some(value) = value else { continue };
                let m = Member {
                    npi: is_npi,
                    value,
                    role: Role::Performing,
                };
                if let Some(seq) = self.sequence(&m) {
                    a.raw(seq.to_string().as_bytes());
                }
            }
        });
    }

    /// Writes `careTeam`.
    pub fn write(&self, o: &mut Obj<'_>) {
        o.arr("careTeam", |a| {
            for (i, m) in self.members.iter().enumerate() {
                a.obj(|c| {
                    c.int("sequence", (i + 1) as i64);
                    c.obj("provider", |p| {
                        p.obj("identifier", |id| {
                            id.obj("type", |t| {
                                t.arr("coding", |cs| {
                                    cs.obj(|cd| {
                                        if m.npi {
                                            cd.str("system", "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType")
                                                .str("code", "npi")
                                                .str("display", "National Provider Identifier");
                                        } else {
                                            cd.str("system", "http://terminology.hl7.org/CodeSystem/v2-0203")
                                                .str("code", "UPIN")
                                                .str("display", "Medicare/CMS (formerly HCFA)'s Universal Physician Identification numbers");
                                        }
                                    });
                                });
                            });
                            id.str("value", m.value);
                        });
                    });
                    let (code, display) = m.role.code_display();
                    c.obj("role", |r| {
                        r.arr("coding", |cs| {
                            cs.obj(|cd| {
                                cd.str("system", "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole")
                                    .str("code", code)
                                    .str("display", display);
                            });
                        });
                    });
                    if m.npi
                        && let Some((code, display)) =
                            npi_info(m.value).and_then(|i| i.taxonomy)
                    {
                        c.obj("qualification", |q| {
                            q.arr("coding", |cs| {
                                cs.obj(|cd| {
                                    cd.str("system", "http://nucc.org/provider-taxonomy")
                                        .str("code", code)
                                        .str("display", display);
                                });
                            });
                        });
                    }
                });
            }
        });
    }
}

// ---------------------------------------------------------------------------------------
// supportingInfo

/// Writes supportingInfo entries with a running sequence.
pub struct Info<'x, 'a> {
    a: &'x mut Arr<'a>,
    seq: i64,
}

impl<'x, 'a> Info<'x, 'a> {
    /// Starts at sequence 1.
    pub fn new(a: &'x mut Arr<'a>) -> Self {
        Self { a, seq: 0 }
    }

    fn entry(&mut self, f: impl FnOnce(&mut Obj<'_>)) {
        self.seq += 1;
        let seq = self.seq;
        self.a.obj(|o| {
            o.int("sequence", seq);
            f(o);
        });
    }

    fn info_category(o: &mut Obj<'_>, first: (&str, &str, &str), variable: &str) {
        o.obj("category", |c| {
            c.arr("coding", |a| {
                a.obj(|cd| {
                    cd.str("system", first.0)
                        .str("code", first.1)
                        .str("display", first.2);
                });
                if !variable.is_empty() {
                    a.obj(|cd| {
                        cd.str("system", BBCS_INFORMATION)
                            .str("code", &ccw_url(variable))
                            .opt_str("display", ccw_label(variable));
                    });
                }
            });
        });
    }

    const INFO: (&'static str, &'static str, &'static str) = (
        "http://terminology.hl7.org/CodeSystem/claiminformationcategory",
        "info",
        "Information",
    );

    /// `info` + bb:var category, `code` bb:var|code.
    pub fn code(&mut self, variable: &str, code: &str) {
        self.entry(|o| {
            Self::info_category(o, Self::INFO, variable);
            o.obj("code", |c| {
                c.arr("coding", |a| ccw_coding(a, variable, code));
            });
        });
    }

    /// [`Self::code`] when present.
    pub fn opt_char(&mut self, variable: &str, code: Option<char>) {
        if let Some(c) = code {
            let mut buf = [0u8; 4];
            self.code(variable, ch(c, &mut buf));
        }
    }

    /// `info` + bb:var category, `timingDate`.
    pub fn date(&mut self, variable: &str, value: Option<NaiveDate>) {
        if let Some(d) = value {
            self.entry(|o| {
                Self::info_category(o, Self::INFO, variable);
                o.str("timingDate", &date(d));
            });
        }
    }

    /// `info` + bb:var category, `timingPeriod` (when either end is present).
    pub fn period(&mut self, variable: &str, from: Option<NaiveDate>, thru: Option<NaiveDate>) {
        if from.is_some() || thru.is_some() {
            self.entry(|o| {
                Self::info_category(o, Self::INFO, variable);
                period(o, from, thru);
            });
        }
    }

    /// `info` + bb:var category, `valueQuantity {value}`.
    pub fn quantity(&mut self, variable: &str, value: Decimal) {
        self.entry(|o| {
            Self::info_category(o, Self::INFO, variable);
            o.obj("valueQuantity", |q| quantity_value(q, value));
        });
    }

    /// NCH_BLOOD_PNTS_FRNSHD_QTY: `valueQuantity` in US pints.
    pub fn blood_pints(&mut self, value: Decimal) {
        self.entry(|o| {
            Self::info_category(o, Self::INFO, "nch_blood_pnts_frnshd_qty");
            o.obj("valueQuantity", |q| {
                quantity_value(q, value);
                q.str("unit", "pint")
                    .str("system", UCUM)
                    .str("code", "[pt_us]");
            });
        });
    }

    /// C4BB `admissionperiod` (when either end is present).
    pub fn admission_period(&mut self, from: Option<NaiveDate>, thru: Option<NaiveDate>) {
        if from.is_some() || thru.is_some() {
            self.entry(|o| {
                Self::info_category(
                    o,
                    (C4BB_SUPPORTING_INFO, "admissionperiod", "Admission Period"),
                    "",
                );
                period(o, from, thru);
            });
        }
    }

    /// C4BB `admtype` ← CLM_IP_ADMSN_TYPE_CD, coded in NUBC PriorityTypeOfAdmitOrVisit.
    pub fn admission_type(&mut self, code: char) {
        let mut buf = [0u8; 4];
        let code = ch(code, &mut buf);
        self.entry(|o| {
            Self::info_category(
                o,
                (C4BB_SUPPORTING_INFO, "admtype", "Information"),
                "clm_ip_admsn_type_cd",
            );
            o.obj("code", |c| {
                c.arr("coding", |a| {
                    a.obj(|cd| {
                        cd.str(
                            "system",
                            "https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit",
                        )
                        .str("code", code)
                        .opt_str("display", display("clm_ip_admsn_type_cd", code));
                    });
                });
            });
        });
    }

    /// C4BB `typeofbill` ← CLM_FREQ_CD.
    pub fn type_of_bill(&mut self, code: char) {
        let mut buf = [0u8; 4];
        let code = ch(code, &mut buf);
        self.entry(|o| {
            Self::info_category(o, (C4BB_SUPPORTING_INFO, "typeofbill", "Type of Bill"), "");
            o.obj("code", |c| {
                c.arr("coding", |a| ccw_coding(a, "clm_freq_cd", code));
            });
        });
    }

    /// C4BB `discharge-status` ← PTNT_DSCHRG_STUS_CD (when not empty).
    pub fn discharge_status(&mut self, code: &str) {
        if code.is_empty() {
            return;
        }
        self.entry(|o| {
            Self::info_category(
                o,
                (C4BB_SUPPORTING_INFO, "discharge-status", "Discharge Status"),
                "",
            );
            o.obj("code", |c| {
                c.arr("coding", |a| ccw_coding(a, "ptnt_dschrg_stus_cd", code));
            });
        });
    }

    /// C4BB `clmrecvddate` ← NCH_WKLY_PROC_DT.
    pub fn received_date(&mut self, d: NaiveDate) {
        self.entry(|o| {
            Self::info_category(
                o,
                (C4BB_SUPPORTING_INFO, "clmrecvddate", "Claim Received Date"),
                "nch_wkly_proc_dt",
            );
            o.str("timingDate", &date(d));
        });
    }
}

fn period(o: &mut Obj<'_>, from: Option<NaiveDate>, thru: Option<NaiveDate>) {
    o.obj("timingPeriod", |p| {
        if let Some(f) = from {
            p.str("start", &date(f));
        }
        if let Some(t) = thru {
            p.str("end", &date(t));
        }
    });
}

// ---------------------------------------------------------------------------------------
// Diagnoses and procedures

/// The type of a diagnosis entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DxType {
    /// ex-diagnosistype admitting.
    Admitting,
    /// ex-diagnosistype principal ("Principal Diagnosis").
    Principal,
    /// ex-diagnosistype principal with BFD's HHA display "principal".
    PrincipalLower,
    /// C4BB other.
    Other,
    /// C4BB secondary.
    Secondary,
    /// C4BB externalcauseofinjury.
    External,
    /// C4BB patientreasonforvisit.
    ReasonForVisit,
}

impl DxType {
    fn coding(self) -> (&'static str, &'static str, &'static str) {
        const EX: &str = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype";
        const C4: &str = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimDiagnosisType";
        match self {
            Self::Admitting => (EX, "admitting", "Admitting Diagnosis"),
            Self::Principal => (EX, "principal", "Principal Diagnosis"),
            Self::PrincipalLower => (EX, "principal", "principal"),
            Self::Other => (C4, "other", "Other"),
            Self::Secondary => (C4, "secondary", "Secondary"),
            Self::External => (C4, "externalcauseofinjury", "External Cause of Injury"),
            Self::ReasonForVisit => (C4, "patientreasonforvisit", "Patient Reason for Visit"),
        }
    }
}

/// One diagnosis: code, ICD version, type and the present-on-admission indicator.
#[derive(Clone, Copy, Debug)]
pub struct Dx<'a> {
    code: &'a str,
    version: Option<char>,
    kind: DxType,
    poa: Option<(&'static str, char)>,
}

/// The claim's diagnoses in BFD's order; a code seen before is not repeated (its first entry
/// keeps its type and takes the later entry's POA indicator when it has none).
pub struct Diagnoses<'a> {
    list: Vec<Dx<'a>>,
}

impl<'a> Diagnoses<'a> {
    /// No diagnoses yet.
    pub fn new() -> Self {
        Self {
            list: Vec::with_capacity(16),
        }
    }
    /// Adds numbered diagnosis slots (e.g. `icd_dgns_cd1..25` with their version codes)
    /// of one kind, in slot order; empty slots are skipped by [`Self::add`].
    pub fn add_slots<C: CodeText, const N: usize>(
        &mut self,
        codes: [&'a Option<C>; N],
        versions: [&Option<char>; N],
        kind: DxType,
    ) {
        for (code, version) in codes.into_iter().zip(versions) {
            self.add(code.as_ref().map(CodeText::code_text), *version, kind, None);
        }
    }

    /// Adds a diagnosis when the code is present.
    pub fn add(
        &mut self,
        code: Option<&'a str>,
        version: Option<char>,
        kind: DxType,
        poa: Option<(&'static str, Option<char>)>,
    ) {
        let Some(code) = code.filter(|c| !c.is_empty()) else {
            return;
        };
        let poa = poa.and_then(|(var, v)| v.map(|v| (var, v)));
        if let Some(existing) = self.list.iter_mut().find(|d| d.code == code) {
            if existing.poa.is_none() {
                existing.poa = poa;
            }
            return;
        }
        self.list.push(Dx {
            code,
            version,
            kind,
            poa,
        });
    }

    /// Writes `diagnosis`.
    pub fn write(&self, o: &mut Obj<'_>) {
        o.arr("diagnosis", |a| {
            for (i, d) in self.list.iter().enumerate() {
                a.obj(|e| {
                    e.int("sequence", (i + 1) as i64);
                    e.obj("diagnosisCodeableConcept", |cc| {
                        cc.arr("coding", |cs| {
                            let display = icd_diagnosis_display(d.code);
                            if d.version == Some('0') {
                                for system in [
                                    "http://hl7.org/fhir/sid/icd-10-cm",
                                    "http://hl7.org/fhir/sid/icd-10",
                                ] {
                                    icd_coding(cs, system, d.code, display);
                                }
                            } else {
                                icd_coding(cs, "http://hl7.org/fhir/sid/icd-9-cm", d.code, display);
                            }
                        });
                    });
                    let (system, code, display) = d.kind.coding();
                    e.arr("type", |t| {
                        t.obj(|t| {
                            t.arr("coding", |cs| {
                                cs.obj(|c| {
                                    c.str("system", system)
                                        .str("code", code)
                                        .str("display", display);
                                });
                            });
                        });
                    });
                    if let Some((var, v)) = d.poa {
                        e.arr("extension", |x| ext_coding_char(x, var, v));
                    }
                });
            }
        });
    }
}

impl Default for Diagnoses<'_> {
    fn default() -> Self {
        Self::new()
    }
}

fn icd_coding(a: &mut Arr<'_>, system: &str, code: &str, display: Option<&str>) {
    a.obj(|c| {
        c.str("system", system)
            .str("code", code)
            .opt_str("display", display);
    });
}

/// One ICD procedure slot.
pub type Procedure<'a> = (Option<&'a IcdCode>, Option<char>, Option<NaiveDate>);

/// A diagnosis field that reads as a code: ICD codes, and the external-cause fields that
/// real data fills with blanks and so stay text.
pub trait CodeText {
    /// The code.
    fn code_text(&self) -> &str;
}

impl CodeText for IcdCode {
    fn code_text(&self) -> &str {
        self.as_str()
    }
}

impl CodeText for String {
    fn code_text(&self) -> &str {
        self
    }
}

/// The 25 procedure slots of a claim (`icd_prcdr_cdN`, `icd_prcdr_vrsn_cdN`, `prcdr_dtN`).
pub fn procedure_slots<'a>(
    codes: [&'a Option<IcdCode>; 25],
    versions: [&Option<char>; 25],
    dates: [&Option<NaiveDate>; 25],
) -> [Procedure<'a>; 25] {
    std::array::from_fn(|i| (codes[i].as_ref(), *versions[i], *dates[i]))
}

/// Writes `procedure` from the 25 procedure slots (present codes only, in slot order).
pub fn write_procedures(o: &mut Obj<'_>, slots: &[Procedure<'_>]) {
    o.arr("procedure", |a| {
        let mut seq = 0;
        for (code, version, day) in slots {
            let Some(code) = code else { continue };
            let code = code.as_str();
            seq += 1;
            a.obj(|p| {
                p.int("sequence", seq);
                if let Some(d) = day {
                    p.str("date", &format!("{}T00:00:00+00:00", date(*d)));
                }
                p.obj("procedureCodeableConcept", |cc| {
                    cc.arr("coding", |cs| {
                        let display = icd_procedure_display(code);
                        if *version == Some('0') {
                            icd_coding(
                                cs,
                                "http://www.cms.gov/Medicare/Coding/ICD10",
                                code,
                                display,
                            );
                            icd_coding(cs, "http://hl7.org/fhir/sid/icd-10", code, display);
                        } else {
                            icd_coding(cs, "http://hl7.org/fhir/sid/icd-9-cm", code, display);
                        }
                    });
                });
            });
        }
    });
}

// ---------------------------------------------------------------------------------------
// Items

/// An adjudication category (first coding; the second is `bbcs:adjudication|<variable>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adj {
    /// adjudication|submitted.
    Submitted,
    /// C4BBAdjudication|noncovered.
    Noncovered,
    /// adjudication|deductible.
    Deductible,
    /// C4BBAdjudication|coinsurance.
    Coinsurance,
    /// C4BBAdjudication|priorpayerpaid.
    PriorPayerPaid,
    /// C4BBAdjudication|paidtoprovider.
    PaidToProvider,
    /// C4BBAdjudication|paidtopatient.
    PaidToPatient,
    /// C4BBAdjudication|paidbypatient.
    PaidByPatient,
}

impl Adj {
    fn coding(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Submitted => (HL7_ADJUDICATION, "submitted", "Submitted Amount"),
            Self::Noncovered => (C4BB_ADJUDICATION, "noncovered", "Noncovered"),
            Self::Deductible => (HL7_ADJUDICATION, "deductible", "Deductible"),
            Self::Coinsurance => (C4BB_ADJUDICATION, "coinsurance", "Co-insurance"),
            Self::PriorPayerPaid => (C4BB_ADJUDICATION, "priorpayerpaid", "Prior payer paid"),
            Self::PaidToProvider => (C4BB_ADJUDICATION, "paidtoprovider", "Paid to provider"),
            Self::PaidToPatient => (C4BB_ADJUDICATION, "paidtopatient", "Paid to patient"),
            Self::PaidByPatient => (C4BB_ADJUDICATION, "paidbypatient", "Paid by patient"),
        }
    }
}

fn adjudication_category(o: &mut Obj<'_>, kind: Adj, variable: &str) {
    let (system, code, display) = kind.coding();
    o.obj("category", |c| {
        c.arr("coding", |a| {
            a.obj(|cd| {
                cd.str("system", system)
                    .str("code", code)
                    .str("display", display);
            });
            a.obj(|cd| {
                cd.str("system", BBCS_ADJUDICATION)
                    .str("code", &ccw_url(variable))
                    .opt_str("display", ccw_label(variable));
            });
        });
    });
}

/// Adds an amount adjudication.
pub fn adjudication(a: &mut Arr<'_>, kind: Adj, variable: &str, amount: Decimal) {
    a.obj(|o| {
        adjudication_category(o, kind, variable);
        o.obj("amount", |m| money_fields(m, amount));
    });
}

/// Adds a `denialreason` adjudication with reason bb:var|code (when present).
pub fn denial_reason(a: &mut Arr<'_>, variable: &str, code: Option<&str>) {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return;
    };
    a.obj(|o| {
        o.obj("category", |c| {
            c.arr("coding", |cs| {
                cs.obj(|cd| {
                    cd.str(
                        "system",
                        "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator",
                    )
                    .str("code", "denialreason")
                    .str("display", "Denial Reason");
                });
            });
        });
        o.obj("reason", |r| {
            r.arr("coding", |cs| ccw_coding(cs, variable, code));
        });
    });
}

/// Writes `revenue`: optional status-indicator extension, the bb:rev_cntr coding and, with a
/// deductible/coinsurance code, BFD's NUBC coding (carrying that code) and the bb: coding.
pub fn write_revenue(
    o: &mut Obj<'_>,
    rev_cntr: &str,
    ddctbl_coinsrnc_cd: Option<char>,
    stus_ind_cd: Option<&str>,
) {
    o.obj("revenue", |r| {
        r.arr("extension", |a| {
            if let Some(s) = stus_ind_cd.map(str::trim).filter(|s| !s.is_empty()) {
                ext_coding(a, "rev_cntr_stus_ind_cd", s);
            }
        });
        r.arr("coding", |a| {
            ccw_coding(a, "rev_cntr", rev_cntr);
            if let Some(d) = ddctbl_coinsrnc_cd {
                let mut buf = [0u8; 4];
                let d = ch(d, &mut buf);
                a.obj(|c| {
                    c.str("system", "https://www.nubc.org/CodeSystem/RevenueCodes")
                        .str("code", d);
                });
                ccw_coding(a, "rev_cntr_ddctbl_coinsrnc_cd", d);
            }
        });
    });
}

/// Writes `productOrService` from HCPCS_CD (inpatient adds the bb:hcpcs_cd coding first) and
/// the NDC extension (outpatient REV_CNTR_IDE_NDC_UPC_NUM).
pub fn write_product(o: &mut Obj<'_>, hcpcs: Option<&Hcpcs>, with_ccw: bool, ndc: Option<&str>) {
    o.obj("productOrService", |p| {
        p.arr("extension", |a| {
            if let Some(ndc) = ndc.map(str::trim).filter(|n| !n.is_empty()) {
                a.obj(|e| {
                    e.str("url", "http://hl7.org/fhir/sid/ndc");
                    e.obj("valueCoding", |c| {
                        c.str("system", "http://hl7.org/fhir/sid/ndc")
                            .str("code", ndc)
                            .opt_str("display", ndc_display(ndc));
                    });
                });
            }
        });
        p.arr("coding", |a| {
            if let Some(h) = hcpcs {
                if with_ccw {
                    a.obj(|c| {
                        c.str("system", &ccw_url("hcpcs_cd"))
                            .str("code", h.as_str());
                    });
                }
                a.obj(|c| {
                    c.str("system", BBCS_HCPCS).str("code", h.as_str());
                });
            } else {
                // productOrService is required (1..1) in R4: BFD writes its data-absent
                // coding when the line has no HCPCS code.
                data_absent(a);
            }
        });
    });
}

/// BFD's data-absent coding (`TransformerConstants.CODING_DATA_ABSENT`,
/// `DATA_ABSENT_REASON_NULL_CODE`, `DATA_ABSENT_REASON_DISPLAY`).
pub fn data_absent(a: &mut Arr<'_>) {
    a.obj(|c| {
        c.str(
            "system",
            "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
        )
        .str("code", "NULL")
        .str("display", "Data Absent Reason");
    });
}

/// Adds a HCPCS modifier (when present).
pub fn modifier_hcpcs(a: &mut Arr<'_>, code: Option<&str>) {
    if let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) {
        a.obj(|m| {
            m.arr("coding", |cs| {
                cs.obj(|c| {
                    c.str("system", BBCS_HCPCS).str("code", code);
                });
            });
        });
    }
}

/// Adds the NDC quantity qualifier as a UCUM modifier (when present).
pub fn modifier_unit(a: &mut Arr<'_>, code: Option<&str>) {
    if let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) {
        a.obj(|m| {
            m.arr("coding", |cs| {
                cs.obj(|c| {
                    c.str("system", UCUM)
                        .str("code", code)
                        .opt_str("display", display("rev_cntr_ndc_qty_qlfr_cd", code));
                });
            });
        });
    }
}

/// `locationAddress.state` ← PRVDR_STATE_CD.
pub fn write_location(o: &mut Obj<'_>, state: &str) {
    o.obj("locationAddress", |l| {
        l.str("state", state);
    });
}

/// The `rev_cntr_unit_cnt` item extension (when not zero).
pub fn unit_count_ext(a: &mut Arr<'_>, count: Decimal) {
    if count.units != 0 {
        ext_quantity(a, "rev_cntr_unit_cnt", count);
    }
}

// ---------------------------------------------------------------------------------------
// Benefit balance

/// Writes benefit balance financial entries.
pub struct Financial<'x, 'a> {
    a: &'x mut Arr<'a>,
}

impl<'x, 'a> Financial<'x, 'a> {
    fn kind(o: &mut Obj<'_>, variable: &str) {
        o.obj("type", |t| {
            t.arr("coding", |a| {
                a.obj(|c| {
                    c.str("system", BBCS_BENEFIT_BALANCE)
                        .str("code", &ccw_url(variable))
                        .opt_str("display", ccw_label(variable));
                });
            });
        });
    }

    /// `usedMoney`.
    pub fn money(&mut self, variable: &str, value: Decimal) -> &mut Self {
        self.a.obj(|o| {
            Self::kind(o, variable);
            o.obj("usedMoney", |m| money_fields(m, value));
        });
        self
    }

    /// `usedUnsignedInt` (whole part).
    pub fn count(&mut self, variable: &str, value: Decimal) -> &mut Self {
        self.a.obj(|o| {
            Self::kind(o, variable);
            o.int("usedUnsignedInt", int_part(value));
        });
        self
    }
}

/// Writes `benefitBalance: [{category: Medical Care, financial: [...]}]`.
pub fn write_benefit_balance(o: &mut Obj<'_>, f: impl FnOnce(&mut Financial<'_, '_>)) {
    o.arr("benefitBalance", |a| {
        a.obj(|b| {
            b.obj("category", |c| {
                c.arr("coding", |cs| {
                    cs.obj(|cd| {
                        cd.str(
                            "system",
                            "http://terminology.hl7.org/CodeSystem/ex-benefitcategory",
                        )
                        .str("code", "1")
                        .str("display", "Medical Care");
                    });
                });
            });
            b.arr("financial", |fa| {
                let mut fin = Financial { a: fa };
                f(&mut fin);
            });
        });
    });
}
