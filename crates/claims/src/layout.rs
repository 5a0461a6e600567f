//! The shape of a RIF layout: columns with their type, nullability, default and level.
//! The layouts themselves are generated into `layouts.rs`.

/// Which RIF file type a layout describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    /// Beneficiary (one row per beneficiary and reference year).
    Beneficiary,
    /// Beneficiary history (earlier HICN/MBI values).
    BeneficiaryHistory,
    /// Part B carrier claims.
    Carrier,
    /// Durable medical equipment claims.
    Dme,
    /// Home health agency claims.
    Hha,
    /// Hospice claims.
    Hospice,
    /// Inpatient claims.
    Inpatient,
    /// Outpatient claims.
    Outpatient,
    /// Skilled nursing facility claims.
    Snf,
    /// Part D events.
    Pde,
}

impl RecordType {
    /// Lowercase name, as used in summaries and FHIR ids (`carrier`, `pde`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Beneficiary => "beneficiary",
            Self::BeneficiaryHistory => "beneficiary_history",
            Self::Carrier => "carrier",
            Self::Dme => "dme",
            Self::Hha => "hha",
            Self::Hospice => "hospice",
            Self::Inpatient => "inpatient",
            Self::Outpatient => "outpatient",
            Self::Snf => "snf",
            Self::Pde => "pde",
        }
    }

    /// Whether rows of this type are claims (grouped by `CLM_ID`, or `PDE_ID` for Part D).
    pub fn is_claim(self) -> bool {
        !matches!(self, Self::Beneficiary | Self::BeneficiaryHistory)
    }
}

/// A column's value type, from BFD's `sqlType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `bigint`, `integer`, `smallint`.
    Integer,
    /// `numeric(p, s)`: an exact decimal with `scale` fraction digits.
    Decimal {
        /// Fraction digits.
        scale: u8,
    },
    /// `date`: `dd-MMM-yyyy` (any case) or `yyyyMMdd`.
    Date,
    /// `char(1)`.
    Char,
    /// `varchar(n)` or `char(n)`, at most `max` characters.
    Text {
        /// Maximum length in characters.
        max: u16,
    },
}

/// Whether a column belongs to the claim (repeated on every line row) or to the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Claim header (or the whole record for non-claim files).
    Claim,
    /// Claim line.
    Line,
}

/// One RIF column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Name in the RIF header row, e.g. `CLM_PMT_AMT`.
    pub rif: &'static str,
    /// BFD's field name, e.g. `paymentAmount`.
    pub field: &'static str,
    /// BFD's database column, e.g. `clm_pmt_amt`.
    pub db: &'static str,
    /// Value type.
    pub kind: Kind,
    /// Whether an empty value is allowed.
    pub nullable: bool,
    /// Value BFD substitutes for an empty field.
    pub default: Option<&'static str>,
    /// Claim or line.
    pub level: Level,
}

/// One RIF file type: its columns in file order.
#[derive(Debug)]
pub struct Layout {
    /// Record type.
    pub record: RecordType,
    /// BFD mapping id, e.g. `CarrierClaim`.
    pub mapping: &'static str,
    /// BFD table name, e.g. `carrier_claims`.
    pub table: &'static str,
    /// Columns in file order (without `DML_IND`).
    pub columns: &'static [Column],
}

impl Layout {
    /// Index of the column named `rif`.
    pub fn index_of(&self, rif: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.rif == rif)
    }

    /// The layout of a record type.
    pub fn of(record: RecordType) -> &'static Layout {
        crate::layouts::ALL
            .iter()
            .find(|l| l.record == record)
            .copied()
            .unwrap_or(&crate::layouts::BENEFICIARY)
    }
}
