//! Exact decimals for money and dates in both RIF spellings.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// An exact decimal: `units / 10^scale` (money never goes through floating point).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The value times 10^scale.
    pub units: i64,
    /// Fraction digits.
    pub scale: u8,
}

impl Decimal {
    /// Parses `-123.45`, `7`, `.5` to exactly `scale` fraction digits. More digits are
    /// refused unless they are zeros.
    pub fn parse(text: &str, scale: u8) -> Result<Self, String> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if (whole.is_empty() && fraction.is_empty())
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!(
                "is not a decimal number ({} characters)",
                text.chars().count()
            ));
        }
        let scale_digits = usize::from(scale);
        let (kept, dropped) = fraction.split_at(fraction.len().min(scale_digits));
        if dropped.bytes().any(|b| b != b'0') {
            return Err(format!("has more than {scale} decimal places"));
        }
        let mut units: i64 = 0;
        for b in whole
            .bytes()
            .chain(kept.bytes())
            .chain(std::iter::repeat_n(b'0', scale_digits - kept.len()))
        {
            units = units
                .checked_mul(10)
                .and_then(|u| u.checked_add(i64::from(b - b'0')))
                .ok_or_else(|| "is too large".to_owned())?;
        }
        Ok(Self {
            units: if negative { -units } else { units },
            scale,
        })
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.units < 0 { "-" } else { "" };
        let abs = self.units.unsigned_abs();
        if self.scale == 0 {
            return write!(f, "{sign}{abs}");
        }
        let pow = 10u64.pow(u32::from(self.scale));
        write!(
            f,
            "{sign}{}.{:0width$}",
            abs / pow,
            abs % pow,
            width = usize::from(self.scale)
        )
    }
}

/// A date as RIF writes it: `dd-MMM-yyyy` with an upper-case month.
pub fn rif_date(date: NaiveDate) -> String {
    format!(
        "{:02}-{}-{:04}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// Parses a RIF date: `dd-MMM-yyyy` (month in any case) or `yyyyMMdd`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let bad = || {
        format!(
            "is not a date (dd-MMM-yyyy or yyyyMMdd; {} characters)",
            text.chars().count()
        )
    };
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(text, "%Y%m%d").map_err(|_| bad());
    }
    let mut parts = text.split('-');
    let (Some(day), Some(month), Some(year), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .ok_or_else(bad)?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (Ok(day), Ok(year)) = (day.parse::<u32>(), year.parse::<i32>()) else {
        return Err(bad());
    };
    NaiveDate::from_ymd_opt(year, u32::try_from(month + 1).unwrap_or(1), day).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        let d = |t: &str| Decimal::parse(t, 2);
        assert_eq!(
            d("199.99"),
            Ok(Decimal {
                units: 19999,
                scale: 2
            })
        );
        assert_eq!(
            d("7"),
            Ok(Decimal {
                units: 700,
                scale: 2
            })
        );
        assert_eq!(
            d("-0.5"),
            Ok(Decimal {
                units: -50,
                scale: 2
            })
        );
        assert_eq!(
            d("1.230"),
            Ok(Decimal {
                units: 123,
                scale: 2
            })
        );
        assert!(d("1.234").is_err());
        assert!(d("abc").is_err() && d("").is_err() && d(".").is_err() && d("1.2.3").is_err());
        assert_eq!(
            Decimal {
                units: -5,
                scale: 2
            }
            .to_string(),
            "-0.05"
        );
        assert_eq!(
            Decimal {
                units: 88800,
                scale: 2
            }
            .to_string(),
            "888.00"
        );
    }

    #[test]
    fn dates_in_both_spellings() {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(parse_date("27-OCT-1999"), Ok(ymd(1999, 10, 27)));
        assert_eq!(parse_date("30-May-2015"), Ok(ymd(2015, 5, 30)));
        assert_eq!(parse_date("19631003"), Ok(ymd(1963, 10, 3)));
        for bad in [
            "31-FEB-2020",
            "2020-01-01",
            "1-JAN-20",
            "27-OCTO-1999",
            "20201301",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(rif_date(ymd(1999, 10, 27)), "27-OCT-1999");
    }
}
