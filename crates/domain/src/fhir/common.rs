//! Pieces every renderer shares: FHIR instants and dates as BFD writes them, the
//! `https://bluebutton.cms.gov/resources/variables/…` URLs, codings whose display comes from
//! the CCW codebooks, and the common extension shapes.

use bb_claims::Decimal;
use bb_claims::codebook::ccw_values;
use bb_fhir::json::{Arr, Obj};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

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

/// The display of a code of a CCW variable (`None` when the codebook has no label for it).
/// `variable` is the lower-case CCW name used in the URL; the codebook is looked up in
/// upper case, its aliases included.
pub fn ccw_display(variable: &str, code: &str) -> Option<&'static str> {
    let upper = variable.to_ascii_uppercase();
    ccw_values(&upper)
        .iter()
        .find(|c| c.code == code)
        .map(|c| c.display)
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
