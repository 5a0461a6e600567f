//! FHIR search parameters as Blue Button 2.0 v2 accepts them (`apps/fhir/bluebutton/views/
//! search.py`): parsed once into typed queries, with BB2's 400 messages for bad values.
//!
//! - Every search: `_count` (alias `count`; default 10, 0..=50), `startIndex` (≥ 0),
//!   `_lastUpdated` (repeatable; prefixes `lt`, `le`, `gt`, `ge`, `eq` or none).
//! - ExplanationOfBenefit: `type` (comma list of claim types, each optionally prefixed with
//!   `https://bluebutton.cms.gov/resources/codesystem/eob-type|`, any case) and
//!   `service-date` (repeatable, same prefixes, on the billable period).
//! - Patient `_id`/`identifier`, Coverage `beneficiary`, EOB `patient`: accepted, but the
//!   caller's own patient always wins (the handler forces it).
//! - Anything else (`_format`, `excludeSAMHSA`, `includeTaxNumbers`, …) is dropped, as BB2's
//!   `REMOVE_EXTRA` does. A parameter given twice takes its last value (Django's `QueryDict`
//!   behaviour, which the Python SDK relies on: it sends `_count` twice), except the
//!   repeatable date filters, which all apply.

use bb_claims::RecordType;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Page size when none is asked for.
pub const DEFAULT_COUNT: u32 = 10;
/// Largest page BB2 allows.
pub const MAX_COUNT: u32 = 50;

/// A search parameter with a bad value: BB2 answers 400 `{"detail": message}`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SearchError(pub String);

/// A comparison prefix of a date parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// `lt`: strictly before.
    Lt,
    /// `le`: on or before.
    Le,
    /// `gt`: strictly after.
    Gt,
    /// `ge`: on or after.
    Ge,
    /// `eq` or no prefix: within.
    Eq,
}

/// One date filter: a prefix and the interval `[start, end)` in milliseconds since 1970 that
/// the given value denotes (a day, or an instant with its precision).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateFilter {
    /// Comparison.
    pub prefix: Prefix,
    /// Start of the value's interval (inclusive), ms.
    pub start: i64,
    /// End of the value's interval (exclusive), ms.
    pub end: i64,
}

impl DateFilter {
    /// Whether the instant `t` (ms) passes.
    pub fn matches_instant(&self, t: i64) -> bool {
        self.matches_range(t, t + 1)
    }

    /// Whether a period `[from, to)` (ms) passes, FHIR's rules for a range against a value.
    pub fn matches_range(&self, from: i64, to: i64) -> bool {
        match self.prefix {
            Prefix::Eq => from >= self.start && to <= self.end,
            Prefix::Lt => from < self.start,
            Prefix::Le => from < self.end,
            Prefix::Gt => to > self.end,
            Prefix::Ge => to > self.start,
        }
    }
}

/// Paging of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    /// Entries per page (0..=50).
    pub count: u32,
    /// Index of the first entry.
    pub start_index: u64,
}

/// A parsed ExplanationOfBenefit search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EobSearch {
    /// Claim types asked for; `None` = all.
    pub types: Option<Vec<RecordType>>,
    /// `service-date` filters (all must pass).
    pub service_date: Vec<DateFilter>,
    /// `_lastUpdated` filters (all must pass).
    pub last_updated: Vec<DateFilter>,
    /// Paging.
    pub paging: Paging,
}

/// Parameters every search shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommonSearch {
    /// `_lastUpdated` filters.
    pub last_updated: Vec<DateFilter>,
    /// Paging.
    pub paging: Paging,
}

fn last<'a>(params: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| names.contains(&k.as_str()))
        .map(|(_, v)| v.as_str())
}

fn all<'a>(params: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    params
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Parses `_count`/`count`, `startIndex` and `_lastUpdated`.
pub fn common(params: &[(String, String)]) -> Result<CommonSearch, SearchError> {
    let count = match last(params, &["_count", "count"]) {
        None => DEFAULT_COUNT,
        Some(text) => match text.trim().parse::<u32>() {
            Ok(n) if n <= MAX_COUNT => n,
            _ => {
                return Err(SearchError(format!(
                    "_count: '{text}' is not a whole number from 0 to {MAX_COUNT}"
                )));
            }
        },
    };
    let start_index = match last(params, &["startIndex"]) {
        None => 0,
        Some(text) => text.trim().parse::<u64>().map_err(|_| {
            SearchError(format!(
                "startIndex: '{text}' is not a whole number of 0 or more"
            ))
        })?,
    };
    let last_updated = all(params, "_lastUpdated")
        .map(|v| date_filter("_lastUpdated", v))
        .collect::<Result<_, _>>()?;
    Ok(CommonSearch {
        last_updated,
        paging: Paging { count, start_index },
    })
}

/// Parses an ExplanationOfBenefit search.
pub fn eob(params: &[(String, String)]) -> Result<EobSearch, SearchError> {
    let CommonSearch {
        last_updated,
        paging,
    } = common(params)?;
    let types = match last(params, &["type"]) {
        None => None,
        Some(text) => Some(eob_types(text)?),
    };
    let service_date = all(params, "service-date")
        .map(|v| date_filter("service-date", v))
        .collect::<Result<_, _>>()?;
    Ok(EobSearch {
        types,
        service_date,
        last_updated,
        paging,
    })
}

/// The system prefix BB2 accepts before an EOB type code.
const EOB_TYPE_SYSTEM: &str = "https://bluebutton.cms.gov/resources/codesystem/eob-type|";

fn eob_types(text: &str) -> Result<Vec<RecordType>, SearchError> {
    let bad = || SearchError("the type parameter value is not valid".into());
    let mut types = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        // `get`, not indexing: the value is the client's text, and byte 57 may fall inside
        // a multi-byte character (found by the `fhir_search` fuzz target).
        let code = match part.get(..EOB_TYPE_SYSTEM.len()) {
            Some(head)
                if part.len() > EOB_TYPE_SYSTEM.len()
                    && head.eq_ignore_ascii_case(EOB_TYPE_SYSTEM) =>
            {
                &part[EOB_TYPE_SYSTEM.len()..]
            }
            _ => part,
        };
        let record = match code.to_ascii_lowercase().as_str() {
            "carrier" => RecordType::Carrier,
            "dme" => RecordType::Dme,
            "hha" => RecordType::Hha,
            "hospice" => RecordType::Hospice,
            "inpatient" => RecordType::Inpatient,
            "outpatient" => RecordType::Outpatient,
            "pde" => RecordType::Pde,
            "snf" => RecordType::Snf,
            _ => return Err(bad()),
        };
        if !types.contains(&record) {
            types.push(record);
        }
    }
    Ok(types)
}

fn date_filter(name: &str, text: &str) -> Result<DateFilter, SearchError> {
    let bad = || {
        SearchError(format!(
            "{name}: '{text}' is not a date; use an optional lt, le, gt, ge or eq prefix and YYYY-MM-DD or an instant like 2020-02-12T08:00:00Z"
        ))
    };
    let text = text.trim();
    let (prefix, value) = match text.get(..2) {
        Some("lt") => (Prefix::Lt, &text[2..]),
        Some("le") => (Prefix::Le, &text[2..]),
        Some("gt") => (Prefix::Gt, &text[2..]),
        Some("ge") => (Prefix::Ge, &text[2..]),
        Some("eq") => (Prefix::Eq, &text[2..]),
        _ => (Prefix::Eq, text),
    };
    let (start, end) = if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = day_millis(day);
        (start, start + 86_400_000)
    } else if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        let ms = t.with_timezone(&Utc).timestamp_millis();
        (ms, ms + 1)
    } else if let Ok(t) = DateTime::parse_from_str(value, "%Y-%m-%dT%H:%M%:z") {
        // Minutes precision with an offset, as in BFD's documentation examples.
        let ms = t.with_timezone(&Utc).timestamp_millis();
        (ms, ms + 60_000)
    } else if let Ok(t) = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S") {
        let ms = t.and_utc().timestamp_millis();
        (ms, ms + 1000)
    } else {
        return Err(bad());
    };
    Ok(DateFilter { prefix, start, end })
}

/// Milliseconds at the start of a day (UTC).
pub fn day_millis(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn counts_and_start_index() {
        assert_eq!(
            common(&p(&[])).unwrap().paging,
            Paging {
                count: 10,
                start_index: 0
            }
        );
        let s = common(&p(&[
            ("_count", "5"),
            ("startIndex", "10"),
            ("_count", "7"),
        ]))
        .unwrap();
        assert_eq!(
            s.paging,
            Paging {
                count: 7,
                start_index: 10
            }
        );
        assert_eq!(common(&p(&[("count", "50")])).unwrap().paging.count, 50);
        assert_eq!(common(&p(&[("_count", "0")])).unwrap().paging.count, 0);
        for bad in [
            ("_count", "51"),
            ("_count", "-1"),
            ("count", "x"),
            ("startIndex", "-3"),
        ] {
            assert!(common(&p(&[bad])).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn eob_types_in_any_case_with_or_without_system() {
        let s = eob(&p(&[(
            "type",
            "CARRIER,https://bluebutton.cms.gov/resources/codesystem/eob-type|pde, Snf",
        )]))
        .unwrap();
        assert_eq!(
            s.types,
            Some(vec![RecordType::Carrier, RecordType::Pde, RecordType::Snf])
        );
        let err = eob(&p(&[("type", "carrier,bogus")])).unwrap_err();
        assert_eq!(err.0, "the type parameter value is not valid");
        assert_eq!(
            eob(&p(&[("excludeSAMHSA", "true"), ("_format", "json")]))
                .unwrap()
                .types,
            None
        );
    }

    #[test]
    fn a_type_with_a_multibyte_character_where_the_system_would_end_is_refused() {
        // fuzz/regressions/fhir_search/crash-250ffa…: slicing the value at byte 57 fell
        // inside a character and panicked (a 500 for any client).
        let value = format!(
            "https://sourcescoms.gov/resources/codesystem{}\u{fffd}ype|carr",
            "x".repeat(12)
        );
        assert!(value.get(..EOB_TYPE_SYSTEM.len()).is_none());
        let err = eob(&p(&[("type", &value)])).unwrap_err();
        assert_eq!(err.0, "the type parameter value is not valid");
        for value in ["é".repeat(40), format!("{}é,pde", &EOB_TYPE_SYSTEM[..56])] {
            assert!(eob(&p(&[("type", &value)])).is_err(), "{value}");
        }
        let upper = format!("{}PDE", EOB_TYPE_SYSTEM.to_uppercase());
        assert_eq!(
            eob(&p(&[("type", &upper)])).unwrap().types,
            Some(vec![RecordType::Pde])
        );
    }

    #[test]
    fn date_prefixes_and_ranges() {
        let day = |s| day_millis(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
        let f = |v: &str| eob(&p(&[("service-date", v)])).unwrap().service_date[0];
        // A claim served 2020-01-05 .. 2020-01-10 (to the end of the 10th).
        let (from, to) = (day("2020-01-05"), day("2020-01-11"));
        assert!(f("ge2020-01-10").matches_range(from, to));
        assert!(!f("gt2020-01-10").matches_range(from, to));
        assert!(f("le2020-01-05").matches_range(from, to));
        assert!(!f("lt2020-01-05").matches_range(from, to));
        assert!(!f("2020-01-05").matches_range(from, to));
        assert!(f("2020-01-05").matches_range(from, day("2020-01-06")));
        let u = common(&p(&[
            ("_lastUpdated", "gt2020-02-12T08:00:00Z"),
            ("_lastUpdated", "lt2021-01-01"),
        ]))
        .unwrap();
        assert_eq!(u.last_updated.len(), 2);
        assert!(u.last_updated[0].matches_instant(day("2020-02-13")));
        assert!(!u.last_updated[1].matches_instant(day("2021-01-01")));
        assert!(eob(&p(&[("service-date", "ge2020-13-01")])).is_err());
        let m = common(&p(&[("_lastUpdated", "gt2023-01-02T00:00+00:00")])).unwrap();
        assert!(m.last_updated[0].matches_instant(day("2023-01-02") + 60_000));
        assert!(common(&p(&[("_lastUpdated", "yesterday")])).is_err());
    }
}
