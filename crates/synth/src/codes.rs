//! The code tables the generator draws from: real codes of real code systems, and the valid
//! values of the CCW codebook variables.
//!
//! Every table is a TSV file under `crates/synth/data/`, embedded with `include_str!` and parsed
//! once on first use; nothing is read at run time. Each file's header names the source of each
//! group of entries (the reference data under `data/reference/`, the official code lists the
//! codes were checked against, or general knowledge for common codes). No code is made up:
//! codes whose product or meaning no source confirms are left out, which is why [`ndc`] is short.
//!
//! | function | system | file |
//! |---|---|---|
//! | [`icd10_cm`] | ICD-10-CM diagnoses, no dot (`E119`) | `icd10-cm.tsv` |
//! | [`icd9_cm`] | ICD-9-CM diagnoses, no dot (`4019`), before 2015-10-01 | `icd9-cm.tsv` |
//! | [`icd10_pcs`] | ICD-10-PCS procedures (7 characters) | `icd10-pcs.tsv` |
//! | [`hcpcs`], [`hcpcs_modifiers`] | HCPCS Level I (CPT) and II codes, modifiers | `hcpcs.tsv`, `hcpcs-modifiers.tsv` |
//! | [`ndc`] | 11-digit NDCs with product names | `ndc.tsv` |
//! | [`drg`] | MS-DRGs (`"470"`) | `ms-drg.tsv` |
//! | [`nucc_taxonomy`] | NUCC provider taxonomy | `nucc-taxonomy.tsv` |
//! | [`ccw_values`] | CCW codebook variable values (from `bb_claims::codebook`) | `crates/claims/data/ccw-values.tsv` (`cargo xtask codebooks`) |
//! | [`revenue_centers`], [`place_of_service`] | NUBC revenue codes, CMS place of service | derived from `ccw-values.tsv` |
//!
//! Tables keep their file order, which puts codes seen in the reference samples and the most
//! common codes first. Identifiers: [`npi_with_check_digit`], [`npi_is_valid`],
//! [`synthetic_mbi`], [`mbi_is_synthetic_format`].

mod ids;

use std::sync::LazyLock;

pub use bb_claims::codebook::{CcwValueGroup, Code, ccw_value_groups, ccw_values, ccw_variables};
pub use ids::{
    SYNTHETIC_MBI_COUNT, mbi_is_synthetic_format, mbi_is_valid_format, npi_is_valid,
    npi_with_check_digit, synthetic_mbi,
};

const ICD10_CM: &str = include_str!("../data/icd10-cm.tsv");
const ICD9_CM: &str = include_str!("../data/icd9-cm.tsv");
const ICD10_PCS: &str = include_str!("../data/icd10-pcs.tsv");
const HCPCS: &str = include_str!("../data/hcpcs.tsv");
const HCPCS_MODIFIERS: &str = include_str!("../data/hcpcs-modifiers.tsv");
const NDC: &str = include_str!("../data/ndc.tsv");
const MS_DRG: &str = include_str!("../data/ms-drg.tsv");
const NUCC_TAXONOMY: &str = include_str!("../data/nucc-taxonomy.tsv");

/// Parses a `CODE<TAB>DISPLAY` table; `#` lines and blank lines are skipped. `Err` names the
/// first line that is not two non-empty fields.
fn parse_table(text: &'static str) -> Result<Vec<Code>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(n, line)| match line.split('\t').collect::<Vec<_>>()[..] {
            [code, display] if !code.is_empty() && !display.is_empty() => {
                Ok(Code { code, display })
            }
            _ => Err(format!("line {}: {line:?} is not CODE<TAB>DISPLAY", n + 1)),
        })
        .collect()
}

/// A table parsed on first use. A malformed file gives an empty table; the tests below parse
/// every file strictly, so that cannot ship.
macro_rules! table {
    ($(#[$doc:meta])* $name:ident, $text:expr) => {
        $(#[$doc])*
        pub fn $name() -> &'static [Code] {
            static TABLE: LazyLock<Vec<Code>> =
                LazyLock::new(|| parse_table($text).unwrap_or_default());
            &TABLE
        }
    };
}

table!(
    /// ICD-10-CM diagnosis codes (billable codes of the April 2026 tabular list), without the
    /// dot as RIF stores them (`E119`, `I10`, `J449`).
    icd10_cm,
    ICD10_CM
);
table!(
    /// ICD-9-CM diagnosis codes (billable codes of the final, version 32 list), without the dot
    /// (`4019`, `V5861`), for claims before 2015-10-01.
    icd9_cm,
    ICD9_CM
);
table!(
    /// ICD-10-PCS procedure codes, 7 characters (`0SRC0J9`).
    icd10_pcs,
    ICD10_PCS
);
table!(
    /// HCPCS codes for professional, outpatient and DME lines: Level I (CPT, five digits;
    /// displays are paraphrases, not CPT text) and Level II (a letter and four digits).
    hcpcs,
    HCPCS
);
table!(
    /// HCPCS modifiers (CPT and Level II) with their displays; [`hcpcs_modifiers`] lists the
    /// codes alone.
    hcpcs_modifier_codes,
    HCPCS_MODIFIERS
);
table!(
    /// National Drug Codes, 11 digits (5-4-2 without dashes), with product names. Only NDCs
    /// whose product a reference source names: a short list.
    ndc,
    NDC
);
table!(
    /// MS-DRG codes as three-digit strings (`"470"`), titles of MS-DRG version 38.1; the DRGs
    /// most billed on Medicare claims come first.
    drg,
    MS_DRG
);
table!(
    /// NUCC health care provider taxonomy codes (`207Q00000X` Family Medicine Physician).
    nucc_taxonomy,
    NUCC_TAXONOMY
);

/// HCPCS modifier codes (`"25"`, `"59"`, `"LT"`, `"GA"`, …).
pub fn hcpcs_modifiers() -> &'static [&'static str] {
    static CODES: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| hcpcs_modifier_codes().iter().map(|c| c.code).collect());
    &CODES
}

/// NUBC revenue center codes, four digits (`"0450"` Emergency room), from the CCW codebook's
/// `REV_CNTR` list with its labels: the NUBC codes (0001–3999) less the "Reserved" ones; the
/// codebook's 9000-series CCW demonstration (RUG) codes are left out.
pub fn revenue_centers() -> &'static [Code] {
    static TABLE: LazyLock<Vec<Code>> = LazyLock::new(|| {
        ccw_values("REV_CNTR")
            .iter()
            .filter(|c| {
                c.code.len() == 4
                    && c.code.bytes().all(|b| b.is_ascii_digit())
                    && !c.code.starts_with('9')
                    && !c.display.starts_with("Reserved")
            })
            .copied()
            .collect()
    });
    &TABLE
}

/// CMS place of service codes, two digits (`"11"` Office, `"21"` Inpatient Hospital), from the
/// CCW codebook's `LINE_PLACE_OF_SRVC_CD` list less its unassigned codes and ranges; the
/// display is the code's name, the label up to its first period.
pub fn place_of_service() -> &'static [Code] {
    static TABLE: LazyLock<Vec<Code>> = LazyLock::new(|| {
        ccw_values("LINE_PLACE_OF_SRVC_CD")
            .iter()
            .filter(|c| {
                c.code.len() == 2
                    && c.code.bytes().all(|b| b.is_ascii_digit())
                    && !c.display.starts_with("Unassigned")
            })
            .map(|c| Code {
                code: c.code,
                display: c
                    .display
                    .split_once(". ")
                    .map_or(c.display, |(name, _)| name),
            })
            .collect()
    });
    &TABLE
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

    use super::*;
    use std::collections::HashSet;

    /// Every table, strictly parsed, with its name and the least size it must keep.
    fn tables() -> Vec<(&'static str, Vec<Code>, usize)> {
        [
            ("icd10-cm", ICD10_CM, 200),
            ("icd9-cm", ICD9_CM, 30),
            ("icd10-pcs", ICD10_PCS, 30),
            ("hcpcs", HCPCS, 150),
            ("hcpcs-modifiers", HCPCS_MODIFIERS, 30),
            ("ndc", NDC, 8),
            ("ms-drg", MS_DRG, 60),
            ("nucc-taxonomy", NUCC_TAXONOMY, 60),
        ]
        .into_iter()
        .map(|(name, text, min)| {
            let table = parse_table(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, table, min)
        })
        .collect()
    }

    fn assert_unique_and_filled(name: &str, table: &[Code], min: usize) {
        assert!(
            table.len() >= min,
            "{name}: {} < {min} entries",
            table.len()
        );
        let mut seen = HashSet::new();
        for c in table {
            assert!(seen.insert(c.code), "{name}: duplicate {}", c.code);
            assert!(
                !c.display.trim().is_empty(),
                "{name}: {} has no display",
                c.code
            );
            assert_eq!(c.code.trim(), c.code, "{name}: {:?} has spaces", c.code);
        }
    }

    fn assert_all(name: &str, table: &[Code], valid: impl Fn(&str) -> bool) {
        for c in table {
            assert!(valid(c.code), "{name}: {:?} is not a valid code", c.code);
        }
    }

    fn codes(table: &[Code]) -> HashSet<&'static str> {
        table.iter().map(|c| c.code).collect()
    }

    fn display(table: &[Code], code: &str) -> &'static str {
        table
            .iter()
            .find(|c| c.code == code)
            .unwrap_or_else(|| panic!("{code} missing"))
            .display
    }

    fn digits(s: &str) -> bool {
        s.bytes().all(|b| b.is_ascii_digit())
    }

    fn upper_alnum(s: &str) -> bool {
        s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    }

    #[test]
    fn every_table_parses_strictly_is_big_enough_and_has_no_duplicates() {
        for (name, table, min) in tables() {
            assert_unique_and_filled(name, &table, min);
        }
        // The accessors serve what the strict parse gives.
        assert_eq!(icd10_cm().len(), parse_table(ICD10_CM).unwrap().len());
        assert_eq!(hcpcs_modifiers().len(), hcpcs_modifier_codes().len());
        assert_unique_and_filled("revenue", revenue_centers(), 40);
        assert_unique_and_filled("place of service", place_of_service(), 30);
    }

    #[test]
    fn a_malformed_table_is_an_error() {
        assert!(parse_table("A01\tOk\nB02 no tab\n").is_err());
        assert!(parse_table("A01\t\n").is_err());
        assert!(parse_table("A01\tOk\textra\n").is_err());
        assert_eq!(parse_table("# c\n\nA01\tOk\n").unwrap().len(), 1);
    }

    #[test]
    fn icd10_cm_codes_have_rif_form() {
        assert_all("icd10-cm", icd10_cm(), |c| {
            (3..=7).contains(&c.len())
                && c.as_bytes()[0].is_ascii_uppercase()
                && upper_alnum(c)
                && !c.contains('.')
        });
        assert_eq!(
            display(icd10_cm(), "E119"),
            "Type 2 diabetes mellitus without complications"
        );
        assert_eq!(
            display(icd10_cm(), "I10"),
            "Essential (primary) hypertension"
        );
        let all = codes(icd10_cm());
        for code in ["J449", "M5450", "N184", "F329", "Z0000", "I4891", "E785"] {
            assert!(all.contains(code), "{code} missing");
        }
    }

    #[test]
    fn icd9_cm_codes_have_rif_form() {
        assert_all("icd9-cm", icd9_cm(), |c| {
            let b = c.as_bytes();
            match b[0] {
                b'V' => (3..=5).contains(&c.len()) && digits(&c[1..]),
                b'E' => (4..=5).contains(&c.len()) && digits(&c[1..]),
                _ => (3..=5).contains(&c.len()) && digits(c),
            }
        });
        assert_eq!(
            display(icd9_cm(), "4019"),
            "Unspecified essential hypertension"
        );
        assert!(
            codes(icd9_cm()).contains("53081"),
            "sample code 530.81 missing"
        );
    }

    #[test]
    fn icd10_pcs_codes_are_seven_characters_without_i_or_o() {
        assert_all("icd10-pcs", icd10_pcs(), |c| {
            c.len() == 7 && upper_alnum(c) && !c.contains(['I', 'O'])
        });
        assert!(codes(icd10_pcs()).contains("0SRC0J9"));
        assert!(
            codes(icd10_pcs()).contains("BQ0HZZZ"),
            "BFD sample code missing"
        );
    }

    #[test]
    fn hcpcs_codes_are_level_one_or_two() {
        assert_all("hcpcs", hcpcs(), |c| {
            let b = c.as_bytes();
            c.len() == 5
                && (digits(c)
                    || (b[0].is_ascii_uppercase() && digits(&c[1..]))
                    || (digits(&c[..4]) && matches!(b[4], b'F' | b'T' | b'U')))
        });
        let all = codes(hcpcs());
        for code in [
            "99213", "99214", "80053", "85025", "36415", "G0438", "G0439", "J3490",
        ] {
            assert!(all.contains(code), "{code} missing");
        }
        assert_all("hcpcs modifiers", hcpcs_modifier_codes(), |c| {
            c.len() == 2 && upper_alnum(c)
        });
        for m in ["25", "59", "LT", "RT", "GA", "KX"] {
            assert!(hcpcs_modifiers().contains(&m), "{m} missing");
        }
    }

    #[test]
    fn ndcs_are_eleven_digits() {
        assert_all("ndc", ndc(), |c| c.len() == 11 && digits(c));
        assert!(
            codes(ndc()).contains("67877022305"),
            "BFD sample NDC missing"
        );
    }

    #[test]
    fn drgs_are_three_digits() {
        assert_all("ms-drg", drg(), |c| c.len() == 3 && digits(c));
        let all = codes(drg());
        for code in ["470", "871", "291", "392", "190", "375", "645", "695"] {
            assert!(all.contains(code), "{code} missing");
        }
        assert_eq!(drg()[0].code, "470", "the most billed DRG comes first");
    }

    #[test]
    fn revenue_centers_are_four_digit_nubc_codes() {
        assert_all("revenue", revenue_centers(), |c| {
            c.len() == 4 && digits(c) && !c.starts_with('9')
        });
        let all = codes(revenue_centers());
        for code in [
            "0001", "0120", "0250", "0300", "0450", "0510", "0636", "0730",
        ] {
            assert!(all.contains(code), "{code} missing");
        }
        assert!(display(revenue_centers(), "0450").starts_with("Emergency room"));
    }

    #[test]
    fn place_of_service_codes_are_assigned_two_digit_codes() {
        assert_all("pos", place_of_service(), |c| c.len() == 2 && digits(c));
        assert_eq!(display(place_of_service(), "11"), "Office");
        assert_eq!(display(place_of_service(), "21"), "Inpatient Hospital");
        let all = codes(place_of_service());
        for code in ["12", "22", "23", "31", "81"] {
            assert!(all.contains(code), "{code} missing");
        }
        assert!(
            !all.contains("35-40") && !all.contains("02"),
            "unassigned codes leak"
        );
    }

    #[test]
    fn nucc_taxonomy_codes_have_the_nucc_form() {
        assert_all("nucc", nucc_taxonomy(), |c| {
            c.len() == 10 && c.ends_with('X') && upper_alnum(c)
        });
        assert_eq!(
            display(nucc_taxonomy(), "207Q00000X"),
            "Family Medicine Physician"
        );
    }

    #[test]
    fn ccw_values_come_from_the_codebooks() {
        let claim_types = codes(ccw_values("NCH_CLM_TYPE_CD"));
        for code in ["10", "20", "30", "40", "50", "60", "71", "72", "81", "82"] {
            assert!(claim_types.contains(code), "claim type {code} missing");
        }
        assert_eq!(claim_types.len(), 10);
        assert_eq!(display(ccw_values("BENE_RACE_CD"), "1"), "White");
        assert!(codes(ccw_values("CLM_FREQ_CD")).contains("1"));
        assert!(codes(ccw_values("PTNT_DSCHRG_STUS_CD")).contains("01"));
        assert_eq!(
            display(ccw_values("LINE_CMS_TYPE_SRVC_CD"), "1"),
            "Medical care"
        );
        // Both of CARR_CLM_PMT_DNL_CD's groups count: current 2-byte and pre-2011 1-byte codes.
        let denial = codes(ccw_values("CARR_CLM_PMT_DNL_CD"));
        assert!(denial.contains("1") && denial.contains("!"));
        assert!(ccw_values("NO_SUCH_VARIABLE").is_empty());
        assert!(
            ccw_values("BENE_ID").is_empty(),
            "a variable without values"
        );
    }

    #[test]
    fn ccw_values_answer_to_aliases_and_any_case() {
        // SEX is the MBSF id; RIF files call the column BENE_SEX_IDENT_CD.
        assert_eq!(ccw_values("BENE_SEX_IDENT_CD"), ccw_values("SEX"));
        assert_eq!(display(ccw_values("SEX"), "2"), "Female");
        assert_eq!(ccw_values("nch_clm_type_cd"), ccw_values("NCH_CLM_TYPE_CD"));
        assert_eq!(ccw_values("BENE_ENTLMT_RSN_ORIG"), ccw_values("OREC"));
    }

    #[test]
    fn ccw_value_groups_keep_the_codebook_structure() {
        let groups = ccw_value_groups("CLM_SRVC_CLSFCTN_TYPE_CD");
        assert_eq!(groups.len(), 3);
        assert!(
            groups[1].description().contains("clinics"),
            "{:?}",
            groups[1]
        );
        assert_eq!(
            display(groups[1].values(), "1"),
            "Rural Health Clinic (RHC)"
        );
        // The union keeps each code once, with its first group's label.
        assert_eq!(
            display(ccw_values("CLM_SRVC_CLSFCTN_TYPE_CD"), "1"),
            "Inpatient"
        );
        assert!(ccw_value_groups("NO_SUCH_VARIABLE").is_empty());
    }

    #[test]
    fn every_ccw_variable_has_unique_values() {
        assert!(
            bb_claims::codebook::parse_codebook(include_str!("../../claims/data/ccw-values.tsv"))
                .is_ok()
        );
        assert!(
            bb_claims::codebook::parse_codebook("X\t1\tA\n").is_err(),
            "three fields"
        );
        assert!(
            bb_claims::codebook::parse_codebook("X\t0\tA\tlabel\n").is_err(),
            "group 0"
        );
        assert!(
            bb_claims::codebook::parse_codebook("ALIAS\tMISSING\n").is_err(),
            "alias to nothing"
        );
        assert!(ccw_variables().len() > 300, "{}", ccw_variables().len());
        for id in ccw_variables() {
            let values = ccw_values(id);
            assert!(!values.is_empty(), "{id}");
            let mut seen = HashSet::new();
            for v in values {
                assert!(seen.insert(v.code), "{id}: {} twice", v.code);
            }
        }
    }

    #[test]
    fn npi_check_digits_follow_the_cms_standard() {
        assert_eq!(npi_with_check_digit(123_456_789), "1234567893");
        assert!(npi_is_valid("1234567893"));
        // NPIs in the reference data: BFD's sample practitioner, Synthea's providers.
        for npi in ["1023011079", "9999994798", "8886688802", "1306849450"] {
            assert!(npi_is_valid(npi), "{npi}");
        }
        for npi in [
            "1234567890",
            "1244444444",
            "0000000000",
            "123456789",
            "12345678930",
            "12345678a3",
            "",
        ] {
            assert!(!npi_is_valid(npi), "{npi}");
        }
        for first9 in (100_000_000..100_001_000).chain([0, 999_999_999]) {
            let npi = npi_with_check_digit(first9);
            assert_eq!(npi.len(), 10);
            assert!(npi_is_valid(&npi), "{npi}");
        }
        assert_eq!(
            npi_with_check_digit(7),
            "0000000071",
            "zero-padded to nine digits"
        );
        assert_eq!(
            npi_with_check_digit(1_123_456_789),
            npi_with_check_digit(123_456_789)
        );
    }

    #[test]
    fn synthetic_mbis_match_the_reference_and_are_distinct() {
        assert_eq!(synthetic_mbi(6), "1S00E00AA06");
        assert_eq!(synthetic_mbi(14), "1S00E00AA14");
        let mut seen = HashSet::new();
        let numbers = (0..100_000u64).chain((0..100_000u64).map(|i| 100_000 + i * 99));
        for n in numbers {
            let mbi = synthetic_mbi(n);
            assert!(mbi_is_synthetic_format(&mbi), "{n}: {mbi}");
            assert!(!mbi_is_valid_format(&mbi), "{n}: {mbi} passes as real");
            assert!(seen.insert(mbi), "{n} repeats an MBI");
        }
        assert!(mbi_is_synthetic_format(&synthetic_mbi(9_999_999)));
        assert!(mbi_is_synthetic_format(&synthetic_mbi(u64::MAX)));
        assert_eq!(synthetic_mbi(SYNTHETIC_MBI_COUNT + 6), synthetic_mbi(6));
    }

    #[test]
    fn mbi_formats_reject_what_the_spec_excludes() {
        // CMS's published example MBI is real-format, not synthetic.
        assert!(mbi_is_valid_format("1EG4TE5MK73"));
        assert!(!mbi_is_synthetic_format("1EG4TE5MK73"));
        for bad in [
            "",
            "1S00E00AA0",    // short
            "1S00E00AA066",  // long
            "1S00-E00-AA06", // dashes
            "0S00E00AA06",   // position 1 is 1-9
            "1s00e00aa06",   // lower case
            "1S0SE00AA06",   // position 4 numeric
            "1S00S00AA06",   // S only in position 2
            "1S00B00AA06",   // B, I, L, O, Z never
            "1S00E00IA06",
            "1S00E00AL06",
            "1S00E00AA0O",
        ] {
            assert!(!mbi_is_synthetic_format(bad), "{bad}");
            assert!(!mbi_is_valid_format(bad), "{bad}");
        }
    }
}
