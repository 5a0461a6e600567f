//! The streaming RIF reader: reads a file line by line, maps each row's fields from file
//! order to layout order by the header's column names, and yields one [`Item`] per
//! logical record (a beneficiary row, a Part D event row, or the consecutive rows of one
//! claim, grouped by `CLM_ID` as BFD's pipeline groups them).
//!
//! Memory stays flat: one line buffer is reused, and only the claim being assembled is
//! held. A bad record yields an error and reading continues with the next one; a claim
//! with a bad row is one error (at that row), and its remaining rows are passed over.

use crate::header::{Header, Target};
use crate::{Dml, ErrorKind, Item, RifError};
use bb_claims::model::{
    AnyClaim, Beneficiary, BeneficiaryHistory, CarrierClaim, DmeClaim, HhaClaim, HospiceClaim,
    InpatientClaim, OutpatientClaim, PartDEvent, SnfClaim,
};
use bb_claims::{Claim, FieldError, Record, RecordType};
use std::borrow::Cow;
use std::io::{BufRead, Read};

/// The longest line read (RIF lines are a few kilobytes; this stops a file without line
/// breaks from being read into memory whole).
pub const MAX_LINE: u64 = 1 << 20;

/// What to do with fields beyond the header's count.
///
/// Empty extra fields (rows ending in `|`, as several of BFD's samples do) are always
/// ignored. A non-empty one usually means a column has shifted (a stray `|`), so by
/// default the row is refused; BFD itself reads columns by position and ignores extras
/// (its `sample-u-bcarrier.txt` has one), which [`ExtraFields::Ignore`] reproduces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExtraFields {
    /// Refuse rows with non-empty fields beyond the header's count.
    #[default]
    Reject,
    /// Ignore every field beyond the header's count.
    Ignore,
}

/// A claim being assembled from consecutive rows.
struct Pending {
    line: u64,
    id: i64,
    dml: Dml,
    claim: AnyClaim,
}

/// Reads a RIF file record by record. See the [crate docs](crate).
pub struct RifReader<R: BufRead> {
    file: String,
    input: R,
    header: Header,
    has_dml: bool,
    extra: ExtraFields,
    buf: Vec<u8>,
    /// Number of the last line read.
    line: u64,
    pending: Option<Pending>,
    /// A claim id whose record already failed: its further consecutive rows are skipped.
    skip: Option<i64>,
    /// A result to give after the one being returned.
    queued: Option<Result<(u64, Item), RifError>>,
    done: bool,
    /// Allocation of the per-row field table, kept between rows.
    spare: Vec<&'static str>,
}

/// The fields of one row being laid out in layout order.
struct Fields<'r, 'a> {
    row: &'r mut [&'a str],
    dml: &'a str,
    count: usize,
    extra_value: bool,
}

impl<'a> Fields<'_, 'a> {
    /// Places the next field of the row.
    #[inline(always)]
    fn place(&mut self, targets: &[Target], field: &'a str) {
        match targets.get(self.count) {
            Some(Target::Column(i)) => {
                if let Some(slot) = self.row.get_mut(*i) {
                    *slot = field;
                }
            }
            Some(Target::Dml) => self.dml = field,
            None => self.extra_value |= !field.is_empty(),
        }
        self.count += 1;
    }
}

/// How reading one line went.
enum Line {
    /// A non-empty line is in the buffer; its number.
    Text(u64),
    /// A line longer than [`MAX_LINE`] (skipped); its number.
    TooLong(u64),
    /// End of input.
    End,
}

impl<R: BufRead> RifReader<R> {
    /// Reads and recognises the header row (blank lines before it are skipped). Fails on
    /// an empty file or a header that matches no layout ([`ErrorKind::NotRif`]) or is
    /// unusable ([`ErrorKind::Header`]).
    pub fn new(file_name: &str, mut input: R) -> Result<Self, RifError> {
        let mut buf = Vec::with_capacity(8 * 1024);
        let mut line = 0;
        let err = |line, kind, reason: String| RifError {
            file: file_name.to_owned(),
            line,
            column: None,
            reason,
            kind,
        };
        let header = match read_line(&mut input, &mut buf, &mut line) {
            Err(e) => return Err(err(line + 1, ErrorKind::Io, format!("cannot read: {e}"))),
            Ok(Line::End) => {
                return Err(err(1, ErrorKind::Empty, "empty file: no header row".into()));
            }
            Ok(Line::TooLong(n)) => {
                return Err(err(
                    n,
                    ErrorKind::NotRif,
                    format!("not a RIF file: first line is longer than {MAX_LINE} bytes"),
                ));
            }
            Ok(Line::Text(n)) => {
                let text = std::str::from_utf8(&buf).map_err(|_| {
                    err(
                        n,
                        ErrorKind::NotRif,
                        "not a RIF file: header is not UTF-8 text".into(),
                    )
                })?;
                Header::parse(text).map_err(|e| {
                    let kind = match e {
                        crate::HeaderError::NotRif => ErrorKind::NotRif,
                        _ => ErrorKind::Header,
                    };
                    err(n, kind, e.to_string())
                })?
            }
        };
        Ok(Self {
            file: file_name.to_owned(),
            input,
            has_dml: header.has_dml(),
            header,
            extra: ExtraFields::default(),
            buf,
            line,
            pending: None,
            skip: None,
            queued: None,
            done: false,
            spare: Vec::new(),
        })
    }

    /// Sets what to do with fields beyond the header's count (default: refuse non-empty
    /// ones).
    pub fn extra_fields(mut self, extra: ExtraFields) -> Self {
        self.extra = extra;
        self
    }

    /// The file's record type, from its header.
    pub fn record_type(&self) -> RecordType {
        self.header.layout.record
    }

    /// The file name errors carry.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    fn error(
        &self,
        line: u64,
        kind: ErrorKind,
        column: Option<String>,
        reason: String,
    ) -> RifError {
        err(&self.file, line, kind, column, reason)
    }
}

fn err(file: &str, line: u64, kind: ErrorKind, column: Option<String>, reason: String) -> RifError {
    RifError {
        file: file.to_owned(),
        line,
        column,
        reason,
        kind,
    }
}

fn field_err(file: &str, line: u64, e: FieldError) -> RifError {
    err(
        file,
        line,
        ErrorKind::Field,
        Some(e.column.to_owned()),
        e.reason,
    )
}

impl Pending {
    fn into_item(self) -> (u64, Item) {
        (self.line, Item::Claim(self.dml, self.claim))
    }
}

impl<R: BufRead> Iterator for RifReader<R> {
    /// The first line of the record and the record, or what is wrong with it.
    type Item = Result<(u64, Item), RifError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(queued) = self.queued.take() {
                return Some(queued);
            }
            if self.done {
                return self.pending.take().map(|p| Ok(p.into_item()));
            }
            let line = match read_line(&mut self.input, &mut self.buf, &mut self.line) {
                Ok(Line::Text(n)) => n,
                Ok(Line::End) => {
                    self.done = true;
                    continue;
                }
                Ok(Line::TooLong(n)) => {
                    let e = self.error(
                        n,
                        ErrorKind::Text,
                        None,
                        format!("line is longer than {MAX_LINE} bytes"),
                    );
                    self.skip = None;
                    return match self.pending.take() {
                        Some(p) => {
                            self.queued = Some(Err(e));
                            Some(Ok(p.into_item()))
                        }
                        None => Some(Err(e)),
                    };
                }
                Err(e) => {
                    // The claim being assembled may lack rows past the failure: drop it.
                    self.done = true;
                    self.pending = None;
                    let line = self.line + 1;
                    return Some(Err(self.error(
                        line,
                        ErrorKind::Io,
                        None,
                        format!("cannot read: {e}"),
                    )));
                }
            };
            // A line that is not UTF-8 is still split (lossily) so that the claim it belongs
            // to is known, but it is an error.
            let (text, not_text) = match std::str::from_utf8(&self.buf) {
                Ok(text) => (Cow::Borrowed(text), false),
                Err(_) => (String::from_utf8_lossy(&self.buf), true),
            };
            let file = self.file.as_str();

            // Lay the fields out in layout order, reusing the table's allocation.
            let mut row: Vec<&str> = std::mem::take(&mut self.spare)
                .into_iter()
                .map(|_| "")
                .collect();
            row.resize(self.header.layout.columns.len(), "");
            let targets = &self.header.targets;
            let mut fields = Fields {
                row: &mut row,
                dml: "",
                count: 0,
                extra_value: false,
            };
            // Fields are short: a plain byte scan beats `str::split` here. `|` is ASCII, so
            // every cut is on a character boundary.
            let mut from = 0;
            for (i, b) in text.bytes().enumerate() {
                if b == b'|' {
                    fields.place(targets, text.get(from..i).unwrap_or(""));
                    from = i + 1;
                }
            }
            fields.place(targets, text.get(from..).unwrap_or(""));
            let Fields {
                dml: dml_text,
                count,
                extra_value,
                ..
            } = fields;
            let expected = targets.len();
            let group_id = self
                .header
                .group_by
                .and_then(|i| row.get(i))
                .and_then(|t| t.trim().parse::<i64>().ok());

            let checked = if not_text {
                Err(err(
                    file,
                    line,
                    ErrorKind::Text,
                    None,
                    "line is not valid UTF-8".into(),
                ))
            } else if count < expected {
                Err(err(
                    file,
                    line,
                    ErrorKind::FieldCount,
                    None,
                    format!("row has {count} fields, header has {expected}"),
                ))
            } else if extra_value && self.extra == ExtraFields::Reject {
                Err(err(
                    file,
                    line,
                    ErrorKind::FieldCount,
                    None,
                    format!("row has {count} fields, header has {expected} (a shifted column?)"),
                ))
            } else if !self.has_dml {
                Ok(Dml::Insert)
            } else {
                Dml::parse(dml_text).ok_or_else(|| {
                    err(
                        file,
                        line,
                        ErrorKind::Field,
                        Some("DML_IND".into()),
                        format!("'{dml_text}' is not INSERT, UPDATE or DELETE"),
                    )
                })
            };

            let record = self.header.layout.record;
            let result = if self.header.group_by.is_none() {
                // One row, one record.
                let item = checked.and_then(|dml| {
                    single(record, &row, dml).map_err(|e| field_err(file, line, e))
                });
                Some(item.map(|item| (line, item)))
            } else if group_id.is_some() && group_id == self.skip {
                None // the rest of a claim that already failed
            } else if let Some(p) = self.pending.as_mut().filter(|p| Some(p.id) == group_id) {
                // Next line of the claim being assembled.
                match checked.and_then(|_| {
                    add_line(&mut p.claim, &row).map_err(|e| field_err(file, line, e))
                }) {
                    Ok(()) => None,
                    Err(e) => {
                        self.pending = None;
                        self.skip = group_id;
                        Some(Err(e))
                    }
                }
            } else {
                // First row of a new claim: the claim being assembled is complete.
                self.skip = None;
                let previous = self.pending.take();
                let started = checked.and_then(|dml| {
                    start(record, &row)
                        .map(|claim| (dml, claim))
                        .map_err(|e| field_err(file, line, e))
                });
                let this = match (started, group_id) {
                    (Ok((dml, claim)), Some(id)) => {
                        self.pending = Some(Pending {
                            line,
                            id,
                            dml,
                            claim,
                        });
                        None
                    }
                    (Ok(_), None) => Some(Err(err(
                        file,
                        line,
                        ErrorKind::Field,
                        Some("CLM_ID".into()),
                        "is not a whole number".into(),
                    ))),
                    (Err(e), id) => {
                        self.skip = id;
                        Some(Err(e))
                    }
                };
                match (previous, this) {
                    (Some(p), Some(this)) => {
                        self.queued = Some(this);
                        Some(Ok(p.into_item()))
                    }
                    (Some(p), None) => Some(Ok(p.into_item())),
                    (None, this) => this,
                }
            };
            self.spare = row.into_iter().map(|_| "").collect();
            drop(text);
            if result.is_some() {
                return result;
            }
        }
    }
}

/// Reads the next non-blank line into `buf` without its line ending.
fn read_line<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    line: &mut u64,
) -> std::io::Result<Line> {
    loop {
        buf.clear();
        let n = input.by_ref().take(MAX_LINE + 1).read_until(b'\n', buf)?;
        if n == 0 {
            return Ok(Line::End);
        }
        *line += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else if n as u64 > MAX_LINE {
            // Pass over the rest of the overlong line.
            loop {
                buf.clear();
                let m = input.by_ref().take(MAX_LINE).read_until(b'\n', buf)?;
                if m == 0 || buf.last() == Some(&b'\n') {
                    break;
                }
            }
            buf.clear();
            return Ok(Line::TooLong(*line));
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        if !buf.is_empty() {
            return Ok(Line::Text(*line));
        }
    }
}

/// A record of a file whose rows are records (beneficiaries, histories, Part D events).
fn single(record: RecordType, row: &[&str], dml: Dml) -> Result<Item, FieldError> {
    Ok(match record {
        RecordType::Beneficiary => Item::Beneficiary(dml, Box::new(Beneficiary::from_row(row)?)),
        RecordType::BeneficiaryHistory => {
            Item::BeneficiaryHistory(dml, Box::new(BeneficiaryHistory::from_row(row)?))
        }
        _ => Item::Claim(dml, start(record, row)?),
    })
}

/// A claim from its first row: header fields and first line.
fn first<C: Claim + Into<AnyClaim>>(row: &[&str]) -> Result<AnyClaim, FieldError> {
    let mut claim = C::from_row(row)?;
    claim.push_line(C::Line::from_row(row)?);
    Ok(claim.into())
}

/// A claim of any type from its first row.
fn start(record: RecordType, row: &[&str]) -> Result<AnyClaim, FieldError> {
    match record {
        RecordType::Carrier => first::<CarrierClaim>(row),
        RecordType::Dme => first::<DmeClaim>(row),
        RecordType::Hha => first::<HhaClaim>(row),
        RecordType::Hospice => first::<HospiceClaim>(row),
        RecordType::Inpatient => first::<InpatientClaim>(row),
        RecordType::Outpatient => first::<OutpatientClaim>(row),
        RecordType::Snf => first::<SnfClaim>(row),
        RecordType::Pde => first::<PartDEvent>(row),
        RecordType::Beneficiary | RecordType::BeneficiaryHistory => Err(FieldError {
            column: "BENE_ID",
            reason: "a beneficiary row is not a claim".into(),
        }),
    }
}

/// Adds a further row of a claim as a line.
fn add_line(claim: &mut AnyClaim, row: &[&str]) -> Result<(), FieldError> {
    fn push<C: Claim>(claim: &mut C, row: &[&str]) -> Result<(), FieldError> {
        claim.push_line(C::Line::from_row(row)?);
        Ok(())
    }
    match claim {
        AnyClaim::Carrier(c) => push(c.as_mut(), row),
        AnyClaim::Dme(c) => push(c.as_mut(), row),
        AnyClaim::Hha(c) => push(c.as_mut(), row),
        AnyClaim::Hospice(c) => push(c.as_mut(), row),
        AnyClaim::Inpatient(c) => push(c.as_mut(), row),
        AnyClaim::Outpatient(c) => push(c.as_mut(), row),
        AnyClaim::Snf(c) => push(c.as_mut(), row),
        AnyClaim::Pde(c) => push(c.as_mut(), row),
    }
}
