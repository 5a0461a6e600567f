//! Pieces every renderer shares: FHIR instants and dates as BFD writes them, the
//! `https://bluebutton.cms.gov/resources/variables/…` URLs, codings whose display comes from
//! the CCW codebooks, and the common extension shapes.

use bb_claims::Decimal;
use bb_fhir::json::{Arr, Obj};
use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Timelike, Utc};
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
///
/// Written by hand for years 0–9999 (chrono's formatter, parsing its pattern on every call,
/// was 1.7 % of the server's CPU under EOB search: docs/benchmarks.md, issue 11); chrono
/// writes the rest, and a test keeps the two equal.
pub fn instant(t: DateTime<Utc>) -> String {
    let d = t.date_naive();
    if !(0..=9999).contains(&d.year()) {
        return t.to_rfc3339_opts(SecondsFormat::Millis, false);
    }
    let time = t.time();
    let millis = (time.nanosecond() / 1_000_000).min(999);
    let mut out = String::with_capacity(29);
    push_date(&mut out, d);
    out.push('T');
    push_digits(&mut out, time.hour(), 2);
    out.push(':');
    push_digits(&mut out, time.minute(), 2);
    out.push(':');
    push_digits(&mut out, time.second(), 2);
    out.push('.');
    push_digits(&mut out, millis, 3);
    out.push_str("+00:00");
    out
}

/// A FHIR date, `YYYY-MM-DD` (by hand for years 0–9999, like [`instant`]).
pub fn date(d: NaiveDate) -> String {
    if !(0..=9999).contains(&d.year()) {
        return d.format("%Y-%m-%d").to_string();
    }
    let mut out = String::with_capacity(10);
    push_date(&mut out, d);
    out
}

/// `YYYY-MM-DD` of a date whose year is 0–9999.
fn push_date(out: &mut String, d: NaiveDate) {
    push_digits(out, d.year().unsigned_abs(), 4);
    out.push('-');
    push_digits(out, d.month(), 2);
    out.push('-');
    push_digits(out, d.day(), 2);
}

/// `value` in exactly `width` decimal digits (zero-padded; `value` must fit).
fn push_digits(out: &mut String, value: u32, width: u32) {
    let mut div = 10u32.pow(width.saturating_sub(1));
    while div > 0 {
        out.push(char::from(b'0' + ((value / div) % 10) as u8));
        div /= 10;
    }
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
    fn hand_written_dates_and_instants_equal_chronos() {
        // Every day of years 0–9999 sampled densely, the edges, and times with every
        // millisecond shape (0, 1, 2 and 3 digits; leap seconds' 1000+ ms clamp to 999).
        let mut day = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        let mut n = 0u64;
        while day <= last {
            assert_eq!(date(day), day.format("%Y-%m-%d").to_string());
            let ms = [0u32, 7, 45, 999][(n % 4) as usize];
            let t = day
                .and_hms_milli_opt((n % 24) as u32, (n % 60) as u32, ((n / 7) % 60) as u32, ms)
                .unwrap()
                .and_utc();
            assert_eq!(instant(t), t.to_rfc3339_opts(SecondsFormat::Millis, false));
            n += 1;
            day = day + chrono::Days::new(1 + n % 13);
        }
        assert!(n > 250_000);
        for far in [
            NaiveDate::from_ymd_opt(-1, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap(),
        ] {
            assert_eq!(date(far), far.format("%Y-%m-%d").to_string());
            let t = far.and_hms_opt(1, 2, 3).unwrap().and_utc();
            assert_eq!(instant(t), t.to_rfc3339_opts(SecondsFormat::Millis, false));
        }
    }

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
