//! Provider and beneficiary identifiers: NPIs with their check digit, and MBIs in the
//! synthetic format.
//!
//! NPI: ten digits, the last a Luhn check digit computed over the nine others prefixed with
//! `80840` (the card issuer prefix of the CMS NPI standard), so that `1234567893` is valid.
//!
//! MBI: eleven characters, positions `C A AN N A AN N A A N N` where `C` is 1–9, `N` is 0–9,
//! `A` is a letter other than S, L, O, I, B and Z, and `AN` is either (CMS MBI format). Synthetic
//! MBIs, such as the sandbox's and Synthea's `1S00E00AA06`, carry an `S` in position 2, which no
//! real MBI can, so a synthetic MBI is never a real beneficiary's.

/// The letters an MBI may contain.
const MBI_LETTERS: &[u8; 20] = b"ACDEFGHJKMNPQRTUVWXY";
/// The characters of an alphanumeric MBI position: digits, then letters.
const MBI_ALPHANUMERIC: &[u8; 30] = b"0123456789ACDEFGHJKMNPQRTUVWXY";
/// Position 5 starts at `E` (index 3) so that small numbers read like the reference samples.
const POSITION_5_OFFSET: usize = 3;

/// The kind of character each MBI position holds, after position 2.
#[derive(Clone, Copy)]
enum Kind {
    Digit,
    Letter,
    Alphanumeric,
}

impl Kind {
    fn alphabet(self) -> &'static [u8] {
        match self {
            Kind::Digit => &MBI_ALPHANUMERIC[..10],
            Kind::Letter => MBI_LETTERS,
            Kind::Alphanumeric => MBI_ALPHANUMERIC,
        }
    }

    fn admits(self, c: u8) -> bool {
        self.alphabet().contains(&c)
    }
}

/// Positions 3 to 11 of an MBI.
const MBI_TAIL: [Kind; 9] = [
    Kind::Alphanumeric,
    Kind::Digit,
    Kind::Letter,
    Kind::Alphanumeric,
    Kind::Digit,
    Kind::Letter,
    Kind::Letter,
    Kind::Digit,
    Kind::Digit,
];

/// The number of distinct synthetic MBIs: 9 first digits times the sizes of positions 3–11.
pub const SYNTHETIC_MBI_COUNT: u64 = 9 * 30 * 10 * 20 * 30 * 10 * 20 * 20 * 10 * 10;

/// The NPI whose first nine digits are `first9` (taken modulo 10⁹ and zero-padded), with its
/// check digit appended. Real NPIs start with 1 or 2; choosing the range is the caller's part.
pub fn npi_with_check_digit(first9: u32) -> String {
    let first9 = format!("{:09}", first9 % 1_000_000_000);
    let check = npi_check_digit(first9.as_bytes());
    format!("{first9}{check}")
}

/// Whether `npi` is ten ASCII digits whose last is the check digit of the nine others.
pub fn npi_is_valid(npi: &str) -> bool {
    let bytes = npi.as_bytes();
    bytes.len() == 10
        && bytes.iter().all(u8::is_ascii_digit)
        && npi_check_digit(&bytes[..9]) == bytes[9] - b'0'
}

/// The Luhn check digit of `80840` followed by `digits` (ASCII digits).
fn npi_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = b"80840"
        .iter()
        .chain(digits)
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            // The check digit will stand to the right, so the rightmost payload digit doubles.
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    // `sum % 10` is below 10, so the result is a single digit.
    ((10 - sum % 10) % 10) as u8
}

/// The `n`-th synthetic MBI: valid MBI format except for the `S` in position 2.
///
/// Distinct `n` below [`SYNTHETIC_MBI_COUNT`] (about 6.5 × 10¹¹) give distinct MBIs; larger
/// `n` wrap around. Small `n` read like the reference data: `synthetic_mbi(6)` is
/// `1S00E00AA06`, the MBI of the sandbox's and Synthea's beneficiary -1000006.
pub fn synthetic_mbi(n: u64) -> String {
    let mut rest = n % SYNTHETIC_MBI_COUNT;
    let mut tail = [0u8; 9];
    for (slot, (i, kind)) in tail.iter_mut().zip(MBI_TAIL.iter().enumerate()).rev() {
        let alphabet = kind.alphabet();
        let radix = alphabet.len() as u64;
        // `rest % radix` is below the alphabet's length, so the index is in range.
        let mut index = (rest % radix) as usize;
        rest /= radix;
        if i == 2 {
            index = (index + POSITION_5_OFFSET) % alphabet.len();
        }
        *slot = alphabet.get(index).copied().unwrap_or(b'0');
    }
    // What is left is below 9 (the count's first factor): the first digit is 1 to 9.
    let first = b'1' + (rest % 9) as u8;
    let mut mbi = String::with_capacity(11);
    mbi.push(char::from(first));
    mbi.push('S');
    mbi.extend(tail.iter().map(|&c| char::from(c)));
    mbi
}

/// Whether `mbi` has the synthetic MBI format: the MBI format with `S` in position 2.
pub fn mbi_is_synthetic_format(mbi: &str) -> bool {
    let bytes = mbi.as_bytes();
    bytes.len() == 11 && bytes[1] == b'S' && first_and_tail_valid(bytes)
}

/// Whether `mbi` has the format of a real MBI (no dashes; position 2 is an MBI letter, so a
/// synthetic MBI does not qualify).
pub fn mbi_is_valid_format(mbi: &str) -> bool {
    let bytes = mbi.as_bytes();
    bytes.len() == 11 && Kind::Letter.admits(bytes[1]) && first_and_tail_valid(bytes)
}

/// Position 1 and positions 3–11 of an 11-byte MBI.
fn first_and_tail_valid(bytes: &[u8]) -> bool {
    matches!(bytes[0], b'1'..=b'9')
        && bytes[2..]
            .iter()
            .zip(MBI_TAIL)
            .all(|(&c, kind)| kind.admits(c))
}
