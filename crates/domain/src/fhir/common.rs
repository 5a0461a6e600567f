//! Pieces every renderer shares: FHIR instants and dates as BFD writes them, the
//! `https://bluebutton.cms.gov/resources/variables/…` URLs, codings whose display comes from
//! the CCW codebooks, and the common extension shapes.

use bb_claims::Decimal;
use bb_fhir::json::{Arr, Obj};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Base of the CCW variable URLs (`TransformerConstants.BASE_URL_CCW_VARIABLES`).
pub const CCW: &str = "https://bluebutton.cms.gov/resources/variables/";

/// The URL of a CCW variable, e.g. `…/variables/clm_pmt_amt`.
pub fn ccw_url(variable: &str) -> String {
    let mut url = String::with_capacity(CCW.len() + variable.len());
    url.push_str(CCW);
    url.push_str(variable);
    url
}

/// `meta.lastUpdated` as HAPI writes it: milliseconds and a `+00:00` offset.
pub fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// A FHIR date, `YYYY-MM-DD`.
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The display of a code of a CCW variable as BFD gives it: the codebook label when
/// exactly one codebook value has the code, else `None` (see
/// [`bb_claims::codebook::unique_display`]). `variable` is the lower-case CCW name used in
/// the URL.
pub fn ccw_display(variable: &str, code: &str) -> Option<&'static str> {
    bb_claims::codebook::unique_display(variable, code)
}

/// Writes `system`, `code` and (when known) `display` of a coding of CCW variable
/// `variable` into `o`.
pub fn ccw_coding_fields(o: &mut Obj<'_>, variable: &str, code: &str) {
    o.str("system", &ccw_url(variable))
        .str("code", code)
        .opt_str("display", ccw_display(variable, code));
}

/// Adds `{url: …/variable, valueCoding: {system: …/variable, code, display}}` to an
/// `extension` array.
pub fn ext_ccw_coding(a: &mut Arr<'_>, variable: &str, code: &str) {
    a.obj(|e| {
        e.str("url", &ccw_url(variable));
        e.obj("valueCoding", |c| ccw_coding_fields(c, variable, code));
    });
}

/// Adds `{url: …/variable, valueIdentifier: {system: …/variable, value}}`.
pub fn ext_ccw_identifier(a: &mut Arr<'_>, variable: &str, value: &str) {
    a.obj(|e| {
        e.str("url", &ccw_url(variable));
        e.obj("valueIdentifier", |i| {
            i.str("system", &ccw_url(variable)).str("value", value);
        });
    });
}

/// Adds `{url: …/variable, valueDate: date}`.
pub fn ext_ccw_date(a: &mut Arr<'_>, variable: &str, value: NaiveDate) {
    a.obj(|e| {
        e.str("url", &ccw_url(variable))
            .str("valueDate", &date(value));
    });
}

/// Adds `{url: …/variable, valueMoney: {value, currency: USD}}`.
pub fn ext_ccw_money(a: &mut Arr<'_>, variable: &str, value: Decimal) {
    a.obj(|e| {
        e.str("url", &ccw_url(variable));
        e.obj("valueMoney", |m| money_fields(m, value));
    });
}

/// Adds `{url: …/variable, valueQuantity: {value}}`.
pub fn ext_ccw_quantity(a: &mut Arr<'_>, variable: &str, value: Decimal) {
    a.obj(|e| {
        e.str("url", &ccw_url(variable));
        e.obj("valueQuantity", |q| {
            q.decimal("value", value.units, value.scale);
        });
    });
}

/// Writes `value` and `currency: "USD"` into a Money object.
pub fn money_fields(m: &mut Obj<'_>, value: Decimal) {
    m.decimal("value", value.units, value.scale)
        .str("currency", "USD");
}

/// What BFD knows of an NPI (its NPPES lookup): the display name and the NUCC taxonomy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NpiInfo {
    /// Organization or practitioner display name, if the record has one.
    pub name: Option<&'static str>,
    /// NUCC provider taxonomy code and display, if the record has one.
    pub taxonomy: Option<(&'static str, &'static str)>,
}

fn non_empty(s: &'static str) -> Option<&'static str> {
    (!s.is_empty()).then_some(s)
}

/// Looks an NPI up in `crates/domain/data/npi.tsv` (BFD's fake NPPES test data, see the
/// file's header).
pub fn npi_info(npi: &str) -> Option<NpiInfo> {
    static TABLE: LazyLock<HashMap<&'static str, NpiInfo>> = LazyLock::new(|| {
        include_str!("../../data/npi.tsv")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.split('\t');
                let npi = f.next()?;
                let name = non_empty(f.next().unwrap_or_default());
                let code = non_empty(f.next().unwrap_or_default());
                let display = f.next().unwrap_or_default();
                Some((
                    npi,
                    NpiInfo {
                        name,
                        taxonomy: code.map(|c| (c, display)),
                    },
                ))
            })
            .collect()
    });
    TABLE.get(npi).copied()
}

/// The FDA product display BFD shows for an NDC (`PROPRIETARY - SUBSTANCE`), looked up by the
/// first 9 digits in `crates/domain/data/ndc.tsv`.
pub fn ndc_display(ndc: &str) -> Option<&'static str> {
    static TABLE: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
        include_str!("../../data/ndc.tsv")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    });
    TABLE.get(ndc.get(..9)?).copied()
}

fn icd_table() -> &'static HashMap<(u8, &'static str), &'static str> {
    static TABLE: LazyLock<HashMap<(u8, &'static str), &'static str>> = LazyLock::new(|| {
        include_str!("../../data/icd.tsv")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.splitn(3, '\t');
                let kind = f.next()?.bytes().next()?;
                Some(((kind, f.next()?), f.next()?))
            })
            .collect()
    });
    &TABLE
}

/// The display BFD gives an ICD diagnosis code (its `DGNS_CD.txt` lookup; `crates/domain/data/
/// icd.tsv`), whatever the ICD version.
pub fn icd_diagnosis_display(code: &str) -> Option<&'static str> {
    icd_table().get(&(b'D', code)).copied()
}

/// The display BFD gives an ICD procedure code (its `PRCDR_CD.txt` lookup).
pub fn icd_procedure_display(code: &str) -> Option<&'static str> {
    icd_table().get(&(b'P', code)).copied()
}

/// The label of a CCW variable (the codebook's `label`, e.g. "Claim Total Charge Amount"), the
/// display BFD gives supportingInfo, adjudication and benefitBalance category codings whose code
/// is the variable's URL. `variable` is lower case, as in the URL; `crates/domain/data/
/// ccw-labels.tsv` (rendered from the CCW codebooks, see its header).
pub fn ccw_label(variable: &str) -> Option<&'static str> {
    static TABLE: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
        include_str!("../../data/ccw-labels.tsv")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    });
    TABLE.get(variable).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_and_displays() {
        let t = DateTime::from_timestamp_millis(1_600_000_000_123).unwrap_or_default();
        assert_eq!(instant(t), "2020-09-13T12:26:40.123+00:00");
        assert_eq!(
            ccw_display("nch_clm_type_cd", "71"),
            Some(
                "Local carrier non-durable medical equipment, prosthetics, orthotics, and supplies (DMEPOS) claim"
            )
        );
        assert_eq!(ccw_display("nch_clm_type_cd", "no such code"), None);
    }
}
