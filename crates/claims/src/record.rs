//! The traits every generated model struct implements: [`Record`] (one RIF row's worth of
//! fields ↔ struct ↔ bytes) and [`Claim`] (a record with an id, a beneficiary, a service
//! period and lines).

use crate::field::{DecodeError, FieldError, Slot, put_varint, take_varint};
use crate::layout::{Column, Layout, RecordType};
use chrono::NaiveDate;

/// A typed record of one RIF layout (or the line part of one).
pub trait Record: Sized {
    /// The RIF layout this record's fields come from.
    const LAYOUT: &'static Layout;

    /// Reads this record's fields from one RIF row (`row[i]` is the text of
    /// `LAYOUT.columns[i]`; missing trailing fields count as empty). A claim's lines are not
    /// read here: see [`Claim::push_line`].
    fn from_row(row: &[&str]) -> Result<Self, FieldError>;

    /// Writes this record's fields into their places in a RIF row (other places untouched).
    fn to_row(&self, row: &mut [String]);

    /// Appends the compact binary form (a claim's lines included).
    fn encode(&self, out: &mut Vec<u8>);

    /// Reads the compact binary form.
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError>;

    /// The binary form as a new buffer.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.encode(&mut out);
        out
    }
}

/// What identifies a claim and places it in searches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClaimKey {
    /// Claim type.
    pub record: RecordType,
    /// `CLM_ID` (`PDE_ID` for Part D events).
    pub claim_id: i64,
    /// `BENE_ID`.
    pub bene_id: i64,
    /// First day of service (`CLM_FROM_DT`; `SRVC_DT` for Part D).
    pub from: Option<NaiveDate>,
    /// Last day of service (`CLM_THRU_DT`; `SRVC_DT` for Part D).
    pub thru: Option<NaiveDate>,
}

/// A claim record: header fields plus lines.
pub trait Claim: Record {
    /// The line type (`NoLine` for Part D events, which have none).
    type Line: Record;

    /// Type, ids and service period.
    fn key(&self) -> ClaimKey;

    /// The lines in file order.
    fn lines(&self) -> &[Self::Line];

    /// Adds a line read from the next row of the same claim.
    fn push_line(&mut self, line: Self::Line);
}

/// The line type of claims without lines (Part D events): reads and writes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoLine;

impl Record for NoLine {
    const LAYOUT: &'static Layout = &crate::layouts::PDE;
    fn from_row(_: &[&str]) -> Result<Self, FieldError> {
        Ok(Self)
    }
    fn to_row(&self, _: &mut [String]) {}
    fn encode(&self, _: &mut Vec<u8>) {}
    fn decode(_: &mut &[u8]) -> Result<Self, DecodeError> {
        Ok(Self)
    }
}

/// Reads field `index` of a row (generated code calls this for every field).
pub(crate) fn field<S: Slot>(row: &[&str], cols: &[Column], index: usize) -> Result<S, FieldError> {
    let column = cols.get(index).ok_or_else(|| FieldError {
        column: "?",
        reason: format!("layout has no column {index}"),
    })?;
    S::from_rif(row.get(index).copied().unwrap_or(""), column)
}

/// Writes field `index` of a row.
pub(crate) fn put_field<S: Slot>(row: &mut [String], index: usize, value: &S) {
    if let Some(cell) = row.get_mut(index) {
        cell.clear();
        value.to_rif(cell);
    }
}

pub(crate) fn encode_lines<L: Record>(lines: &[L], out: &mut Vec<u8>) {
    put_varint(out, lines.len() as u64);
    for line in lines {
        line.encode(out);
    }
}

pub(crate) fn decode_lines<L: Record>(input: &mut &[u8]) -> Result<Vec<L>, DecodeError> {
    let count = take_varint(input)?;
    // A count larger than the bytes left is damage, not a reason to allocate.
    if count > input.len() as u64 {
        return Err(DecodeError("line count exceeds data"));
    }
    let mut lines = Vec::with_capacity(count as usize);
    for _ in 0..count {
        lines.push(L::decode(input)?);
    }
    Ok(lines)
}
