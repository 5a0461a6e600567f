//! Code newtypes: MBI, NPI, HCPCS, ICD (diagnosis and procedure) and NDC.
//!
//! Parsing is as strict as real CCW data allows and no stricter: a value must have the
//! shape every real value has (ASCII letters and digits, the system's length range), so
//! RIF files that BFD accepts are accepted here too. The system's deeper rules are
//! separate checks — [`Npi::has_valid_check_digit`], [`Mbi::is_valid_format`],
//! [`Mbi::is_synthetic`] — which the generator's output must pass and which reports can
//! use, but which never refuse an import (CMS's own samples carry NPIs like `8765676`).

use crate::field::{DecodeError, FieldValue, check_length};
use crate::layout::Column;
use std::fmt;

macro_rules! code {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $what:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses a code: ASCII letters and digits, of the system's length.
            pub fn parse(text: &str) -> Result<Self, String> {
                let len = text.len();
                if !($min..=$max).contains(&len) || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(format!(
                        "is not {} ({}–{} letters or digits; {} characters)",
                        $what, $min, $max, text.chars().count()
                    ));
                }
                Ok(Self(text.to_owned()))
            }

            /// The code as written in RIF.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FieldValue for $name {
            fn parse_rif(text: &str, column: &Column) -> Result<Self, String> {
                check_length(text, column)?;
                Self::parse(text)
            }
            fn write_rif(&self, out: &mut String) {
                out.push_str(&self.0);
            }
            fn encode(&self, out: &mut Vec<u8>) {
                self.0.encode(out);
            }
            fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
                String::decode(input).map(Self)
            }
        }
    };
}

code!(
    /// Medicare Beneficiary Identifier (11 characters in CMS's format; older test data has
    /// shorter values).
    Mbi, 1, 11, "an MBI"
);
code!(
    /// National Provider Identifier (10 digits with a Luhn check digit in real data).
    Npi, 1, 12, "an NPI"
);
code!(
    /// HCPCS level I (CPT) or level II code, five characters.
    Hcpcs, 1, 5, "a HCPCS code"
);
code!(
    /// ICD-9 or ICD-10 diagnosis or procedure code, without the dot (`E119`, `0TCB8ZZ`).
    IcdCode, 1, 7, "an ICD code"
);
code!(
    /// National Drug Code in its 11-digit (5-4-2) form without dashes.
    Ndc, 1, 11, "an NDC"
);

/// Letters allowed in MBI letter positions (CMS excludes S, L, O, I, B, Z).
const MBI_LETTERS: &[u8] = b"ACDEFGHJKMNPQRTUVWXY";

impl Mbi {
    /// Whether the MBI follows CMS's format: `C A AN N A AN N A A N N` (C = 1–9, N = 0–9,
    /// A = a letter other than S, L, O, I, B, Z, AN = either). Synthetic MBIs put an `S` in
    /// position 2 precisely so that they fail this check; see [`Mbi::is_synthetic`].
    pub fn is_valid_format(&self) -> bool {
        mbi_shape(self.0.as_bytes(), false)
    }

    /// Whether the MBI has the synthetic form: CMS's format with `S` in position 2.
    pub fn is_synthetic(&self) -> bool {
        mbi_shape(self.0.as_bytes(), true)
    }
}

fn mbi_shape(b: &[u8], synthetic: bool) -> bool {
    let letter = |c: u8| MBI_LETTERS.contains(&c);
    let digit = |c: u8| c.is_ascii_digit();
    let either = |c: u8| letter(c) || digit(c);
    b.len() == 11
        && (b'1'..=b'9').contains(&b[0])
        && if synthetic {
            b[1] == b'S'
        } else {
            letter(b[1])
        }
        && either(b[2])
        && digit(b[3])
        && letter(b[4])
        && either(b[5])
        && digit(b[6])
        && letter(b[7])
        && letter(b[8])
        && digit(b[9])
        && digit(b[10])
}

impl Npi {
    /// Whether this is a 10-digit NPI whose last digit is the Luhn check digit computed
    /// over the 80840 prefix and the first nine digits (CMS's NPI standard).
    pub fn has_valid_check_digit(&self) -> bool {
        let b = self.0.as_bytes();
        if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
            return false;
        }
        let first9: u32 = b[..9].iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'));
        npi_check_digit(first9) == u32::from(b[9] - b'0')
    }
}

/// The Luhn check digit of an NPI's first nine digits (with CMS's 80840 prefix).
pub fn npi_check_digit(first9: u32) -> u32 {
    // Luhn over "80840" + 9 digits: double every second digit from the right, starting with
    // the rightmost of the nine. The prefix contributes a constant 24.
    let mut sum = 24;
    let mut n = first9;
    for i in 0..9 {
        let mut d = n % 10;
        n /= 10;
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_checked_not_deeper_rules() {
        assert!(Npi::parse("8765676").is_ok());
        assert!(Npi::parse("").is_err() && Npi::parse("12 4").is_err());
        assert!(IcdCode::parse("E11.9").is_err());
        assert!(IcdCode::parse("E119").is_ok());
        assert!(Hcpcs::parse("992130").is_err());
        assert!(Ndc::parse("000000000000").is_err());
    }

    #[test]
    fn npi_check_digits() {
        assert!(Npi::parse("1234567893").unwrap().has_valid_check_digit());
        assert!(!Npi::parse("1234567890").unwrap().has_valid_check_digit());
        assert!(!Npi::parse("8765676").unwrap().has_valid_check_digit());
        assert_eq!(npi_check_digit(123_456_789), 3);
    }

    #[test]
    fn mbi_formats() {
        let synthetic = Mbi::parse("1S00E00AA02").unwrap();
        assert!(synthetic.is_synthetic() && !synthetic.is_valid_format());
        let real_shape = Mbi::parse("1EG4TE5MK73").unwrap();
        assert!(real_shape.is_valid_format() && !real_shape.is_synthetic());
        assert!(!Mbi::parse("3456789").unwrap().is_valid_format());
    }
}
