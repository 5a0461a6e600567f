//! The RIF writer: a header row (`DML_IND` then the layout's columns in BFD's order), then
//! one row per beneficiary, per Part D event, or per claim line (a claim's header fields
//! repeated on each of its rows), fields separated by `|`, lines ended by `\n`. What it
//! writes, [`crate::RifReader`] reads back to equal items.

use crate::{Item, RecordType};
use bb_claims::model::AnyClaim;
use bb_claims::{Claim, Layout, Record};
use std::io::{self, Write};

/// Writes RIF rows of one record type. Wrap a file in a [`std::io::BufWriter`]: each row
/// is one `write_all`.
pub struct RifWriter<W: Write> {
    out: W,
    layout: &'static Layout,
    cells: Vec<String>,
    line: String,
}

impl<W: Write> RifWriter<W> {
    /// Starts a file of `record` rows: writes the header row.
    pub fn new(record: RecordType, mut out: W) -> io::Result<Self> {
        let layout = Layout::of(record);
        let mut line = String::from("DML_IND");
        for column in layout.columns {
            line.push('|');
            line.push_str(column.rif);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        Ok(Self {
            out,
            layout,
            cells: vec![String::new(); layout.columns.len()],
            line,
        })
    }

    /// The record type this writer writes.
    pub fn record_type(&self) -> RecordType {
        self.layout.record
    }

    /// Writes one record: one row, or one row per line of a claim. Refuses (with
    /// [`io::ErrorKind::InvalidInput`]) an item of another record type, a claim without
    /// lines (RIF has no row for it) and a value containing `|` or a line break.
    pub fn write(&mut self, item: &Item) -> io::Result<()> {
        if item.record_type() != self.layout.record {
            return Err(invalid(format!(
                "cannot write a {} record to a {} file",
                item.record_type().name(),
                self.layout.record.name()
            )));
        }
        for cell in &mut self.cells {
            cell.clear();
        }
        let dml = item.dml().as_str();
        match item {
            Item::Beneficiary(_, b) => {
                b.to_row(&mut self.cells);
                self.row(dml)
            }
            Item::BeneficiaryHistory(_, h) => {
                h.to_row(&mut self.cells);
                self.row(dml)
            }
            Item::Claim(_, claim) => match claim {
                AnyClaim::Carrier(c) => self.claim(dml, c.as_ref()),
                AnyClaim::Dme(c) => self.claim(dml, c.as_ref()),
                AnyClaim::Hha(c) => self.claim(dml, c.as_ref()),
                AnyClaim::Hospice(c) => self.claim(dml, c.as_ref()),
                AnyClaim::Inpatient(c) => self.claim(dml, c.as_ref()),
                AnyClaim::Outpatient(c) => self.claim(dml, c.as_ref()),
                AnyClaim::Snf(c) => self.claim(dml, c.as_ref()),
                AnyClaim::Pde(c) => {
                    c.to_row(&mut self.cells);
                    self.row(dml)
                }
            },
        }
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    fn claim<C: Claim>(&mut self, dml: &str, claim: &C) -> io::Result<()> {
        let lines = claim.lines();
        if lines.is_empty() {
            return Err(invalid(format!(
                "claim {} has no lines: RIF has no row for it",
                claim.key().claim_id
            )));
        }
        claim.to_row(&mut self.cells);
        for line in lines {
            line.to_row(&mut self.cells);
            self.row(dml)?;
        }
        Ok(())
    }

    /// Writes the cells as one row.
    fn row(&mut self, dml: &str) -> io::Result<()> {
        self.line.clear();
        self.line.push_str(dml);
        for (cell, column) in self.cells.iter().zip(self.layout.columns) {
            if cell.bytes().any(|b| matches!(b, b'|' | b'\n' | b'\r')) {
                return Err(invalid(format!(
                    "column {}: value {cell:?} contains a field or line separator",
                    column.rif
                )));
            }
            self.line.push('|');
            self.line.push_str(cell);
        }
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}
