//! The code pools of one generator, built once from [`crate::codes`]: every code already
//! parsed into its model type and filtered to what the RIF layouts accept, split by the
//! claim type that draws it, so that per-claim work is an index and a clone.

use super::data;
use crate::codes::{self, Code};
use bb_claims::{Hcpcs, IcdCode, Ndc};

/// A drug the Part D generator can dispense.
pub(crate) struct Drug {
    pub ndc: Ndc,
    /// Brand (`B`) or generic (`G`), from the product name.
    pub brand_generic: char,
}

/// Parsed, filtered code pools (each non-empty: a fallback code stands in for an empty table).
pub(crate) struct Tables {
    pub icd10_dx: Vec<IcdCode>,
    pub icd9_dx: Vec<IcdCode>,
    pub icd10_external: Vec<String>,
    pub icd9_external: Vec<String>,
    pub icd10_pcs: Vec<IcdCode>,
    pub icd9_pcs: Vec<IcdCode>,
    /// Office and outpatient E/M visits (99202–99215).
    pub office_visits: Vec<Hcpcs>,
    /// Professional services other than home health, hospice and supplies.
    pub professional: Vec<Hcpcs>,
    /// Durable medical equipment and supplies (E, K, A4, A7 codes).
    pub dme: Vec<Hcpcs>,
    /// Home health visit codes (G0151–G0158, G0299, G0300).
    pub home_health: Vec<Hcpcs>,
    /// Hospice codes (Q5001, S9126 and the hospice visit G-codes).
    pub hospice: Vec<Hcpcs>,
    /// Laboratory tests (8xxxx).
    pub labs: Vec<Hcpcs>,
    /// Imaging (7xxxx).
    pub imaging: Vec<Hcpcs>,
    /// Therapy (97xxx).
    pub therapy: Vec<Hcpcs>,
    /// Drugs billed by HCPCS (Jxxxx).
    pub injections: Vec<Hcpcs>,
    /// Emergency department visits (9928x).
    pub er_visits: Vec<Hcpcs>,
    /// Surgical and other procedures (1xxxx–6xxxx).
    pub procedures: Vec<Hcpcs>,
    /// Hospital outpatient clinic visit (G0463).
    pub clinic_visits: Vec<Hcpcs>,
    pub modifiers: Vec<String>,
    pub drugs: Vec<Drug>,
    pub drg: Vec<String>,
    pub carrier_numbers: Vec<String>,
}

fn icd(codes: &[Code], keep: impl Fn(&str) -> bool, fallback: &str) -> Vec<IcdCode> {
    let mut out: Vec<IcdCode> = codes
        .iter()
        .filter(|c| keep(c.code))
        .filter_map(|c| IcdCode::parse(c.code).ok())
        .collect();
    if out.is_empty() {
        out.extend(IcdCode::parse(fallback).ok());
    }
    out
}

fn hcpcs(codes: &[Code], keep: impl Fn(&str) -> bool, fallback: &str) -> Vec<Hcpcs> {
    let mut out: Vec<Hcpcs> = codes
        .iter()
        .filter(|c| keep(c.code))
        .filter_map(|c| Hcpcs::parse(c.code).ok())
        .collect();
    if out.is_empty() {
        out.extend(Hcpcs::parse(fallback).ok());
    }
    out
}

fn texts(codes: impl Iterator<Item = &'static str>, max: usize, fallback: &str) -> Vec<String> {
    let mut out: Vec<String> = codes
        .filter(|c| !c.is_empty() && c.len() <= max && c.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_owned)
        .collect();
    if out.is_empty() {
        out.push(fallback.to_owned());
    }
    out
}

/// ICD-9-CM 630–679: complications of pregnancy, childbirth and the puerperium.
fn is_icd9_pregnancy(code: &str) -> bool {
    code.get(..3)
        .and_then(|c| c.parse::<u16>().ok())
        .is_some_and(|n| (630..=679).contains(&n))
}

fn digits_only(code: &str) -> bool {
    code.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a code is one of the home health visit G-codes.
fn is_home_health(code: &str) -> bool {
    matches!(
        code,
        "G0151" | "G0152" | "G0153" | "G0155" | "G0156" | "G0157" | "G0158" | "G0299" | "G0300"
    )
}

fn is_dme(code: &str) -> bool {
    code.starts_with('E')
        || code.starts_with('K')
        || code.starts_with("A4")
        || code.starts_with("A7")
}

fn is_hospice_only(code: &str) -> bool {
    matches!(code, "Q5001" | "S9126" | "S9129" | "S9131" | "H2000")
}

/// Whether a drug is a brand product: its name is not the start of its ingredient.
fn brand_generic(display: &str) -> char {
    match display.split_once(" - ") {
        Some((name, ingredient))
            if ingredient
                .to_ascii_uppercase()
                .starts_with(&name.to_ascii_uppercase()) =>
        {
            'G'
        }
        _ => 'B',
    }
}

impl Tables {
    /// Builds every pool from the code tables.
    pub(crate) fn build() -> Self {
        let dx10 = codes::icd10_cm();
        let hc = codes::hcpcs();
        let mut drugs: Vec<Drug> = codes::ndc()
            .iter()
            .filter(|c| c.code.len() == 11 && digits_only(c.code))
            .filter_map(|c| {
                Ndc::parse(c.code).ok().map(|ndc| Drug {
                    ndc,
                    brand_generic: brand_generic(c.display),
                })
            })
            .collect();
        if drugs.is_empty() {
            drugs.extend(Ndc::parse("00093715610").ok().map(|ndc| Drug {
                ndc,
                brand_generic: 'G',
            }));
        }
        Self {
            // Diagnoses an old enrollee can carry: no pregnancy, perinatal or external-cause codes.
            icd10_dx: icd(
                dx10,
                |c| {
                    !matches!(
                        c.as_bytes().first(),
                        Some(b'O' | b'P' | b'V' | b'W' | b'X' | b'Y')
                    )
                },
                "E119",
            ),
            icd9_dx: icd(
                codes::icd9_cm(),
                |c| !c.starts_with('E') && !c.starts_with("V2") && !is_icd9_pregnancy(c),
                "25000",
            ),
            icd10_external: {
                let mut ext = texts(
                    dx10.iter().map(|c| c.code).filter(|c| {
                        matches!(c.as_bytes().first(), Some(b'V' | b'W' | b'X' | b'Y'))
                    }),
                    7,
                    "W19XXXA",
                );
                ext.extend(data::ICD10_EXTERNAL.iter().map(|c| (*c).to_owned()));
                ext.sort();
                ext.dedup();
                ext
            },
            icd9_external: texts(data::ICD9_EXTERNAL.iter().copied(), 7, "E8889"),
            // No obstetric procedures for a Medicare population.
            icd10_pcs: icd(
                codes::icd10_pcs(),
                |c| c.len() == 7 && !c.starts_with("10"),
                "5A1935Z",
            ),
            icd9_pcs: data::ICD9_PROCEDURES
                .iter()
                .filter_map(|c| IcdCode::parse(c).ok())
                .collect(),
            office_visits: hcpcs(
                hc,
                |c| c.starts_with("9920") || c.starts_with("9921"),
                "99213",
            ),
            professional: hcpcs(
                hc,
                |c| !is_home_health(c) && !is_dme(c) && !is_hospice_only(c) && !c.starts_with("A0"),
                "99213",
            ),
            dme: hcpcs(hc, is_dme, "E0601"),
            home_health: hcpcs(hc, is_home_health, "G0299"),
            hospice: hcpcs(
                hc,
                |c| is_hospice_only(c) || matches!(c, "G0299" | "G0156" | "G0155"),
                "Q5001",
            ),
            labs: hcpcs(hc, |c| c.starts_with('8') && digits_only(c), "80053"),
            imaging: hcpcs(hc, |c| c.starts_with('7') && digits_only(c), "71046"),
            therapy: hcpcs(hc, |c| c.starts_with("97"), "97110"),
            injections: hcpcs(hc, |c| c.starts_with('J'), "J1100"),
            er_visits: hcpcs(hc, |c| c.starts_with("9928"), "99284"),
            procedures: hcpcs(
                hc,
                |c| matches!(c.as_bytes().first(), Some(b'1'..=b'6')) && digits_only(c),
                "45378",
            ),
            clinic_visits: hcpcs(hc, |c| c == "G0463", "G0463"),
            modifiers: texts(codes::hcpcs_modifiers().iter().copied(), 2, "25"),
            drugs,
            drg: texts(codes::drg().iter().map(|c| c.code), 4, "470"),
            carrier_numbers: texts(
                codes::ccw_values("CARR_NUM")
                    .iter()
                    .map(|c| c.code)
                    .filter(|c| c.len() == 5 && !c.starts_with("1")),
                5,
                "00510",
            ),
        }
    }
}

/// The BETOS category of a HCPCS code (coarse, by code range).
pub(crate) fn betos(code: &str) -> &'static str {
    let b = code.as_bytes();
    match b.first() {
        Some(b'E') => "D1E",
        Some(b'K') => "D1D",
        Some(b'A') if code.starts_with("A0") => "O1A",
        Some(b'A') => "D1A",
        Some(b'J') => "O1E",
        Some(b'G') => "Y1",
        Some(b'0') => "P0",
        Some(b'1') => "P6A",
        Some(b'2') => "P5B",
        Some(b'3' | b'4' | b'5' | b'6') => "P5E",
        Some(b'7') => "I1F",
        Some(b'8') => "T1G",
        _ => match code.get(..4) {
            Some("9920") => "M1A",
            Some("9921") => "M1B",
            Some("9922") => "M2A",
            Some("9923") => "M2B",
            Some("9928") => "M3",
            Some("9929") => "M2C",
            Some("9930" | "9931") => "M4B",
            Some("9934" | "9935") => "M4A",
            Some("9047" | "9066" | "9067" | "9073") => "O1G",
            Some("9300") => "T2A",
            Some("9201" | "9200") => "M5C",
            Some("9079" | "9083" | "9085") => "M5B",
            _ => "M5D",
        },
    }
}

/// The CMS type of service (`LINE_CMS_TYPE_SRVC_CD`) of a HCPCS code (coarse).
pub(crate) fn type_of_service(code: &str) -> char {
    match code.as_bytes().first() {
        Some(b'0') => '7',
        Some(b'1' | b'2' | b'3' | b'4' | b'5' | b'6') => '2',
        Some(b'7') => '4',
        Some(b'8') => '5',
        Some(b'E' | b'K' | b'A') => '9',
        _ if matches!(code.get(..4), Some("9047" | "9066" | "9067" | "9073")) => 'V',
        _ => '1',
    }
}

/// The place of service a professional HCPCS code is usually billed from.
pub(crate) fn place_of_service(code: &str) -> &'static str {
    match code.get(..4) {
        Some("9922" | "9923") => "21",
        Some("9928" | "9929") => "23",
        Some("9930" | "9931") => "31",
        Some("9934" | "9935") => "12",
        _ if code.starts_with('8') => "81",
        _ if code.starts_with('7') || code.starts_with('4') || code.starts_with('6') => "22",
        _ => "11",
    }
}

/// A plausible submitted charge for one unit of a HCPCS code, in cents (before variation).
pub(crate) fn base_charge(code: &str) -> i64 {
    match code.as_bytes().first() {
        Some(b'8') => 3_500,
        Some(b'7') => 42_000,
        Some(b'0') => 95_000,
        Some(b'1' | b'2' | b'3' | b'4' | b'5' | b'6') => 180_000,
        Some(b'E' | b'K') => 65_000,
        Some(b'A') => 9_000,
        Some(b'J') => 30_000,
        Some(b'G' | b'Q' | b'S' | b'H') => 16_000,
        _ if code.starts_with("9928") || code.starts_with("9929") => 62_000,
        _ if code.starts_with("992") => 21_000,
        _ => 16_000,
    }
}
