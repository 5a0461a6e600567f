//! CCW RIF files in BFD's layouts: a streaming reader that recognises a file's record type
//! from its header row and groups claim lines into claims, and a writer of the same format.
//!
//! The format is the one BFD's pipeline loads (`bfd-pipeline-ccw-rif`, layouts in
//! `data/reference/rif/mappings/`, generated into [`bb_claims::layouts`]): text lines,
//! fields separated by `|` with no quoting or escaping (a backslash is an ordinary
//! character), a header row of RIF column names, usually a leading `DML_IND` column
//! (`INSERT`/`UPDATE`/`DELETE`), one row per beneficiary, per Part D event or per claim
//! line (a claim's header fields repeated on each of its line rows).
//!
//! - [`detect`] tells which layout a header row belongs to.
//! - [`RifReader`] yields one [`Item`] per logical record, with the line it starts on; a
//!   bad record yields a [`RifError`] and reading goes on with the next record.
//! - [`RifWriter`] writes items back; what it writes reads back to equal items.

mod header;
mod reader;
mod writer;

pub use header::{HeaderError, detect};
pub use reader::{ExtraFields, MAX_LINE, RifReader};
pub use writer::RifWriter;

pub use bb_claims::RecordType;
use bb_claims::model::{AnyClaim, Beneficiary, BeneficiaryHistory};

/// What a row asks the loader to do (RIF's `DML_IND` column). Files without the column
/// are all [`Dml::Insert`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dml {
    /// `INSERT`: a new record.
    Insert,
    /// `UPDATE`: a new version of an existing record.
    Update,
    /// `DELETE`: the record is withdrawn.
    Delete,
}

impl Dml {
    /// The RIF spelling (`INSERT`, `UPDATE`, `DELETE`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Insert => "INSERT",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
        }
    }

    /// Reads the RIF spelling (exactly, as BFD's `RecordAction` does).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "INSERT" => Some(Self::Insert),
            "UPDATE" => Some(Self::Update),
            "DELETE" => Some(Self::Delete),
            _ => None,
        }
    }
}

/// One logical record of a RIF file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A beneficiary row (one per beneficiary and reference year).
    Beneficiary(Dml, Box<Beneficiary>),
    /// A beneficiary history row.
    BeneficiaryHistory(Dml, Box<BeneficiaryHistory>),
    /// A claim with all its lines (the consecutive rows sharing a `CLM_ID`), or one Part D
    /// event (one row). The `Dml` is the first row's.
    Claim(Dml, AnyClaim),
}

impl Item {
    /// The record's `DML_IND`.
    pub fn dml(&self) -> Dml {
        match self {
            Self::Beneficiary(dml, _) | Self::BeneficiaryHistory(dml, _) | Self::Claim(dml, _) => {
                *dml
            }
        }
    }

    /// The record type (the layout of the file it comes from).
    pub fn record_type(&self) -> RecordType {
        match self {
            Self::Beneficiary(..) => RecordType::Beneficiary,
            Self::BeneficiaryHistory(..) => RecordType::BeneficiaryHistory,
            Self::Claim(_, claim) => claim.key().record,
        }
    }

    /// The record's `BENE_ID`.
    pub fn bene_id(&self) -> i64 {
        match self {
            Self::Beneficiary(_, b) => b.bene_id,
            Self::BeneficiaryHistory(_, h) => h.bene_id,
            Self::Claim(_, claim) => claim.key().bene_id,
        }
    }
}

/// What kind of problem a [`RifError`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input could not be read; reading stops.
    Io,
    /// The file has no header row.
    Empty,
    /// The header row matches no RIF layout: the file is not a RIF file (an importer
    /// walking a directory skips such files, e.g. Synthea's `export_summary.csv`).
    NotRif,
    /// The header row looks like RIF but is unusable (unknown, repeated or missing
    /// columns); no record is read.
    Header,
    /// A row has more or fewer fields than the header (e.g. a shifted column).
    FieldCount,
    /// A line is not RIF text: not valid UTF-8, or longer than [`MAX_LINE`] bytes.
    Text,
    /// A field's value is invalid ([`RifError::column`] names it; `DML_IND` included).
    Field,
}

/// A problem in a RIF file, placed at a file line. Displays as
/// `FILE:LINE: column NAME: reason`, or `FILE:LINE: reason` when no column is concerned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {}{reason}", column_prefix(.column.as_deref()))]
pub struct RifError {
    /// The file name given to the reader.
    pub file: String,
    /// 1-based line (the header is line 1; for a claim, the row where the problem is).
    pub line: u64,
    /// The RIF column concerned, if one is.
    pub column: Option<String>,
    /// What is wrong.
    pub reason: String,
    /// What kind of problem it is.
    pub kind: ErrorKind,
}

impl RifError {
    /// Whether this is the "not a RIF file" error of a file to skip.
    pub fn is_not_rif(&self) -> bool {
        self.kind == ErrorKind::NotRif
    }
}

fn column_prefix(column: Option<&str>) -> String {
    column.map(|c| format!("column {c}: ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_display_file_line_and_column() {
        let mut e = RifError {
            file: "a.txt".into(),
            line: 7,
            column: Some("CLM_FROM_DT".into()),
            reason: "'x' is not a date".into(),
            kind: ErrorKind::Field,
        };
        assert_eq!(
            e.to_string(),
            "a.txt:7: column CLM_FROM_DT: 'x' is not a date"
        );
        e.column = None;
        assert_eq!(e.to_string(), "a.txt:7: 'x' is not a date");
    }

    #[test]
    fn dml_spellings_round_trip() {
        for d in [Dml::Insert, Dml::Update, Dml::Delete] {
            assert_eq!(Dml::parse(d.as_str()), Some(d));
        }
        assert_eq!(Dml::parse("insert"), None);
        assert_eq!(Dml::parse(""), None);
    }
}
