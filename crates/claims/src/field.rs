//! How one field of a record moves between RIF text, the typed model and the store's
//! compact bytes.
//!
//! [`FieldValue`] is implemented for every type a model field can have (`i64`,
//! [`Decimal`], `NaiveDate`, `char`, `String` and the code newtypes). [`Slot`] adds
//! presence: a field of type `T` is always there, one of type `Option<T>` may be absent.
//!
//! The binary form of a record is a presence bitmap (one bit per optional field, in field
//! order) followed by the present values: integers as zigzag varints, decimals as one
//! zigzag varint of `units << 3 | scale`, dates as a varint of days since 1900-01-01,
//! characters and strings as UTF-8 with a varint length. A carrier claim with two lines
//! takes about 300 bytes; the same in RIF text is about 1,500.
//!
//! Error messages never repeat the value: it may be PHI (a name, an MBI, a birth date) and
//! import errors end up in terminals and CI logs. They give the column (in [`FieldError`]),
//! the expected form and the value's length; the file and line locate it.

use crate::layout::{Column, Kind};
use crate::value::{Decimal, parse_date, rif_date};
use chrono::NaiveDate;

/// A field that could not be read from RIF text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {reason}")]
pub struct FieldError {
    /// RIF column name.
    pub column: &'static str,
    /// What is wrong with the value.
    pub reason: String,
}

/// Bytes that are not a record of the expected type (a bug or a damaged store).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode stored record: {0}")]
pub struct DecodeError(pub &'static str);

/// A value type of a model field.
pub trait FieldValue: Sized {
    /// Parses non-empty RIF text (already trimmed of nothing: RIF values are taken as is).
    fn parse_rif(text: &str, column: &Column) -> Result<Self, String>;
    /// Appends the RIF text of the value.
    fn write_rif(&self, out: &mut String);
    /// Appends the binary form.
    fn encode(&self, out: &mut Vec<u8>);
    /// Reads the binary form.
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError>;
}

/// Writes a record's binary form: reserves the bitmap, then appends values.
pub struct Encoder<'a> {
    out: &'a mut Vec<u8>,
    bitmap_at: usize,
    bit: usize,
}

impl<'a> Encoder<'a> {
    /// Starts a record with `optional` optional fields.
    pub fn new(out: &'a mut Vec<u8>, optional: usize) -> Self {
        let bitmap_at = out.len();
        out.resize(bitmap_at + optional.div_ceil(8), 0);
        Self {
            out,
            bitmap_at,
            bit: 0,
        }
    }

    /// Appends one field.
    pub fn put<S: Slot>(&mut self, slot: &S) {
        slot.put(self);
    }

    fn presence(&mut self, present: bool) {
        if present {
            let byte = self.bitmap_at + self.bit / 8;
            if let Some(b) = self.out.get_mut(byte) {
                *b |= 1 << (self.bit % 8);
            }
        }
        self.bit += 1;
    }
}

/// Reads a record's binary form.
pub struct Decoder<'a, 'b> {
    input: &'b mut &'a [u8],
    bitmap: &'a [u8],
    bit: usize,
}

impl<'a, 'b> Decoder<'a, 'b> {
    /// Starts reading a record with `optional` optional fields.
    pub fn new(input: &'b mut &'a [u8], optional: usize) -> Result<Self, DecodeError> {
        let len = optional.div_ceil(8);
        if input.len() < len {
            return Err(DecodeError("truncated bitmap"));
        }
        let (bitmap, rest) = input.split_at(len);
        *input = rest;
        Ok(Self {
            input,
            bitmap,
            bit: 0,
        })
    }

    /// Reads one field.
    pub fn take<S: Slot>(&mut self) -> Result<S, DecodeError> {
        S::take(self)
    }

    fn presence(&mut self) -> bool {
        let present = self
            .bitmap
            .get(self.bit / 8)
            .is_some_and(|b| b & (1 << (self.bit % 8)) != 0);
        self.bit += 1;
        present
    }
}

/// A model field: a value that is always present (`T`) or may be absent (`Option<T>`).
pub trait Slot: Sized {
    /// Whether the field may be absent (it then takes a bit of the presence bitmap).
    const OPTIONAL: bool;
    /// Reads the field from its RIF text (`""` when the file has no value).
    fn from_rif(text: &str, column: &Column) -> Result<Self, FieldError>;
    /// Appends the RIF text (nothing when absent).
    fn to_rif(&self, out: &mut String);
    /// Appends the binary form.
    fn put(&self, e: &mut Encoder<'_>);
    /// Reads the binary form.
    fn take(d: &mut Decoder<'_, '_>) -> Result<Self, DecodeError>;
}

fn with_default<'t>(text: &'t str, column: &Column) -> &'t str {
    match (text.is_empty(), column.default) {
        (true, Some(default)) => default,
        _ => text,
    }
}

impl<T: FieldValue> Slot for T {
    const OPTIONAL: bool = false;
    fn from_rif(text: &str, column: &Column) -> Result<Self, FieldError> {
        let text = with_default(text, column);
        // BFD reads an empty required *text* column as an empty string (its Synthea samples
        // have a beneficiary without a ZIP code); empty numbers and dates are errors.
        if text.is_empty() && !matches!(column.kind, Kind::Text { .. }) {
            return Err(FieldError {
                column: column.rif,
                reason: "is required but empty".into(),
            });
        }
        T::parse_rif(text, column).map_err(|reason| FieldError {
            column: column.rif,
            reason,
        })
    }
    fn to_rif(&self, out: &mut String) {
        self.write_rif(out);
    }
    fn put(&self, e: &mut Encoder<'_>) {
        self.encode(e.out);
    }
    fn take(d: &mut Decoder<'_, '_>) -> Result<Self, DecodeError> {
        T::decode(d.input)
    }
}

impl<T: FieldValue> Slot for Option<T> {
    const OPTIONAL: bool = true;
    fn from_rif(text: &str, column: &Column) -> Result<Self, FieldError> {
        let text = with_default(text, column);
        if text.is_empty() {
            return Ok(None);
        }
        T::parse_rif(text, column)
            .map(Some)
            .map_err(|reason| FieldError {
                column: column.rif,
                reason,
            })
    }
    fn to_rif(&self, out: &mut String) {
        if let Some(v) = self {
            v.write_rif(out);
        }
    }
    fn put(&self, e: &mut Encoder<'_>) {
        e.presence(self.is_some());
        if let Some(v) = self {
            v.encode(e.out);
        }
    }
    fn take(d: &mut Decoder<'_, '_>) -> Result<Self, DecodeError> {
        if d.presence() {
            T::decode(d.input).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Appends `v` as a LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a LEB128 varint.
pub fn take_varint(input: &mut &[u8]) -> Result<u64, DecodeError> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = input.split_first().ok_or(DecodeError("truncated varint"))?;
        *input = rest;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(DecodeError("varint too long"))
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn take_bytes<'a>(input: &mut &'a [u8]) -> Result<&'a [u8], DecodeError> {
    let len = usize::try_from(take_varint(input)?).map_err(|_| DecodeError("length"))?;
    if input.len() < len {
        return Err(DecodeError("truncated string"));
    }
    let (bytes, rest) = input.split_at(len);
    *input = rest;
    Ok(bytes)
}

impl FieldValue for i64 {
    fn parse_rif(text: &str, _: &Column) -> Result<Self, String> {
        text.trim().parse().map_err(|_| {
            format!(
                "is not a whole number ({} characters)",
                text.chars().count()
            )
        })
    }
    fn write_rif(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, zigzag(*self));
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        take_varint(input).map(unzigzag)
    }
}

impl FieldValue for Decimal {
    fn parse_rif(text: &str, column: &Column) -> Result<Self, String> {
        let scale = match column.kind {
            Kind::Decimal { scale } => scale,
            _ => 0,
        };
        Decimal::parse(text.trim(), scale)
    }
    fn write_rif(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, (zigzag(self.units) << 3) | u64::from(self.scale & 7));
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let v = take_varint(input)?;
        Ok(Decimal {
            units: unzigzag(v >> 3),
            scale: (v & 7) as u8,
        })
    }
}

/// Day zero of the binary date form.
const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

impl FieldValue for NaiveDate {
    fn parse_rif(text: &str, _: &Column) -> Result<Self, String> {
        parse_date(text.trim())
    }
    fn write_rif(&self, out: &mut String) {
        out.push_str(&rif_date(*self));
    }
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, zigzag((*self - EPOCH).num_days()));
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let days = unzigzag(take_varint(input)?);
        EPOCH
            .checked_add_signed(chrono::TimeDelta::days(days))
            .ok_or(DecodeError("date out of range"))
    }
}

impl FieldValue for char {
    fn parse_rif(text: &str, _: &Column) -> Result<Self, String> {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(format!(
                "is not a single character ({} characters)",
                text.chars().count()
            )),
        }
    }
    fn write_rif(&self, out: &mut String) {
        out.push(*self);
    }
    fn encode(&self, out: &mut Vec<u8>) {
        let mut buf = [0u8; 4];
        let s = self.encode_utf8(&mut buf);
        if s.len() == 1 {
            out.push(buf[0]);
        } else {
            // Multi-byte characters are rare in RIF; mark them with 0xFF (never a UTF-8 lead).
            out.push(0xFF);
            out.push(s.len() as u8);
            out.extend_from_slice(s.as_bytes());
        }
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let (&b, rest) = input.split_first().ok_or(DecodeError("truncated char"))?;
        *input = rest;
        if b != 0xFF {
            return Ok(char::from(b));
        }
        let (&len, rest) = input.split_first().ok_or(DecodeError("truncated char"))?;
        let len = usize::from(len);
        if rest.len() < len {
            return Err(DecodeError("truncated char"));
        }
        let (bytes, rest) = rest.split_at(len);
        *input = rest;
        std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.chars().next())
            .ok_or(DecodeError("bad char"))
    }
}

impl FieldValue for String {
    fn parse_rif(text: &str, column: &Column) -> Result<Self, String> {
        check_length(text, column)?;
        Ok(text.to_owned())
    }
    fn write_rif(&self, out: &mut String) {
        out.push_str(self);
    }
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u64);
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let bytes = take_bytes(input)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError("bad UTF-8"))
    }
}

/// Refuses text longer than the column allows.
pub fn check_length(text: &str, column: &Column) -> Result<(), String> {
    if let Kind::Text { max } = column.kind
        && text.chars().count() > usize::from(max)
    {
        return Err(format!(
            "is longer than {max} characters ({})",
            text.chars().count()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Level;

    fn col(kind: Kind, nullable: bool, default: Option<&'static str>) -> Column {
        Column {
            rif: "X",
            field: "x",
            db: "x",
            kind,
            nullable,
            default,
            level: Level::Claim,
        }
    }

    fn round<S: Slot + PartialEq + std::fmt::Debug>(v: S) {
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out, usize::from(S::OPTIONAL));
        e.put(&v);
        let mut input = out.as_slice();
        let mut d = Decoder::new(&mut input, usize::from(S::OPTIONAL)).unwrap();
        assert_eq!(d.take::<S>().unwrap(), v);
        assert!(input.is_empty());
    }

    #[test]
    fn values_round_trip_through_bytes() {
        for n in [0i64, 1, -1, 63, -64, 1 << 40, i64::MIN, i64::MAX] {
            round(n);
        }
        round(Decimal {
            units: -12345,
            scale: 2,
        });
        round(Decimal { units: 7, scale: 0 });
        round(NaiveDate::from_ymd_opt(2021, 2, 28).unwrap());
        round(NaiveDate::from_ymd_opt(1850, 1, 1).unwrap());
        round('A');
        round('é');
        round(String::from("Jöhn|x"));
        round(Some(5i64));
        round(None::<String>);
    }

    #[test]
    fn varints_refuse_truncation() {
        let mut input: &[u8] = &[0x80];
        assert!(take_varint(&mut input).is_err());
        let mut input: &[u8] = &[3, b'a'];
        assert!(String::decode(&mut input).is_err());
    }

    #[test]
    fn rif_text_applies_defaults_and_presence() {
        let c = col(Kind::Decimal { scale: 2 }, true, Some("0"));
        assert_eq!(
            Decimal::from_rif("", &c),
            Ok(Decimal { units: 0, scale: 2 })
        );
        let c = col(Kind::Integer, true, None);
        assert_eq!(Option::<i64>::from_rif("", &c), Ok(None));
        assert!(i64::from_rif("", &c).is_err());
        let c = col(Kind::Text { max: 3 }, false, None);
        assert_eq!(String::from_rif("", &c), Ok(String::new()));
        assert!(crate::codes::Npi::from_rif("", &c).is_err());
        let c = col(Kind::Text { max: 3 }, true, None);
        let err = Option::<String>::from_rif("ABCD", &c).unwrap_err();
        assert_eq!(err.to_string(), "column X: is longer than 3 characters (4)");
        let c = col(Kind::Char, true, None);
        assert!(char::from_rif("AB", &c).is_err());
    }
}
