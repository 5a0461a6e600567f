//! The header row of a RIF file: which of BFD's layouts it is, and where each of its
//! fields goes in that layout's column order.
//!
//! Columns are matched by name (RIF column names, [`bb_claims::Column::rif`]), so a file
//! may order or subset the layout's columns; an optional `DML_IND` column may stand
//! anywhere. A layout's columns missing from the file read as empty, except the key and
//! required columns, whose absence would fail every row and is refused here instead.

use bb_claims::{Layout, RecordType, layouts};

/// Why a header row is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// No column of the header is a RIF column: not a RIF file.
    #[error("not a RIF file: header matches no layout")]
    NotRif,
    /// Some columns belong to no layout that has the others.
    #[error("header has columns unknown to the {} layout: {}", .record.name(), .names.join(", "))]
    UnknownColumns {
        /// The layout with most of the header's columns.
        record: RecordType,
        /// The header names it does not have, in header order.
        names: Vec<String>,
    },
    /// Two layouts fit the header equally well.
    #[error("header matches the {} and {} layouts equally", .0.name(), .1.name())]
    Ambiguous(RecordType, RecordType),
    /// A column name appears twice.
    #[error("header names column {0} twice")]
    Duplicate(String),
    /// An empty name between two `|`.
    #[error("header field {0} has no name")]
    EmptyName(usize),
    /// Columns every row needs are missing.
    #[error("header lacks required columns of the {} layout: {}", .record.name(), .names.join(", "))]
    MissingColumns {
        /// The detected layout.
        record: RecordType,
        /// The missing columns, in layout order.
        names: Vec<&'static str>,
    },
}

/// Where a file field goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// The `DML_IND` column.
    Dml,
    /// The layout column with this index.
    Column(usize),
}

/// A recognised header row.
#[derive(Debug)]
pub(crate) struct Header {
    /// The layout the file follows.
    pub layout: &'static Layout,
    /// For each field of a row, in file order, where it goes.
    pub targets: Vec<Target>,
    /// Layout index of the column that groups rows into claims (`CLM_ID`), for claim types
    /// with lines.
    pub group_by: Option<usize>,
}

/// Tells which layout a header row is (a trailing `\r`, a UTF-8 byte order mark and a
/// trailing `|` are tolerated).
pub fn detect(header: &str) -> Result<RecordType, HeaderError> {
    Header::parse(header).map(|h| h.layout.record)
}

impl Header {
    /// Recognises a header row.
    pub(crate) fn parse(header: &str) -> Result<Self, HeaderError> {
        let header = header.strip_prefix('\u{feff}').unwrap_or(header);
        let header = header.strip_suffix('\n').unwrap_or(header);
        let header = header.strip_suffix('\r').unwrap_or(header);
        // A trailing `|` (or several) ends the row; it names no column.
        let header = header.trim_end_matches('|');
        let names: Vec<&str> = header.split('|').collect();
        if let Some(pos) = names.iter().position(|n| n.is_empty()) {
            if names.len() == 1 {
                return Err(HeaderError::NotRif);
            }
            return Err(HeaderError::EmptyName(pos + 1));
        }
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(HeaderError::Duplicate((*name).to_owned()));
            }
        }
        let columns: Vec<&str> = names.iter().copied().filter(|n| *n != "DML_IND").collect();
        if columns.is_empty() {
            return Err(HeaderError::NotRif);
        }
        let layout = choose_layout(&columns)?;
        let targets = names
            .iter()
            .map(|n| match layout.index_of(n) {
                Some(i) => Target::Column(i),
                None => Target::Dml,
            })
            .collect::<Vec<_>>();
        let present = |rif: &str| columns.contains(&rif);
        let missing: Vec<&'static str> = layout
            .columns
            .iter()
            .filter(|c| !c.nullable && c.default.is_none() && !present(c.rif))
            .map(|c| c.rif)
            .collect();
        if !missing.is_empty() {
            return Err(HeaderError::MissingColumns {
                record: layout.record,
                names: missing,
            });
        }
        let group_by = match layout.record {
            RecordType::Beneficiary | RecordType::BeneficiaryHistory | RecordType::Pde => None,
            _ => layout.index_of("CLM_ID"),
        };
        Ok(Self {
            layout,
            targets,
            group_by,
        })
    }

    /// Whether the file has a `DML_IND` column.
    pub(crate) fn has_dml(&self) -> bool {
        self.targets.contains(&Target::Dml)
    }
}

/// The layout that has every column of the header and of whose columns the header has
/// the largest share (a beneficiary history header is a subset of the beneficiary
/// layout, but all of the history layout).
fn choose_layout(columns: &[&str]) -> Result<&'static Layout, HeaderError> {
    let known = |layout: &Layout| {
        columns
            .iter()
            .filter(|c| layout.index_of(c).is_some())
            .count()
    };
    let mut best: Option<(&'static Layout, usize)> = None;
    let mut tie: Option<&'static Layout> = None;
    let mut most_known: Option<(&'static Layout, usize)> = None;
    for layout in layouts::ALL {
        let k = known(layout);
        if k > 0 && most_known.is_none_or(|(_, m)| k > m) {
            most_known = Some((layout, k));
        }
        if k != columns.len() {
            continue;
        }
        // Compare shares k / len without division: fewer layout columns is a larger share.
        match best {
            Some((b, _)) if b.columns.len() < layout.columns.len() => {}
            Some((b, _)) if b.columns.len() == layout.columns.len() => tie = Some(layout),
            _ => {
                best = Some((layout, k));
                tie = None;
            }
        }
    }
    match (best, tie) {
        (Some((b, _)), Some(t)) => Err(HeaderError::Ambiguous(b.record, t.record)),
        (Some((b, _)), None) => Ok(b),
        (None, _) => match most_known {
            None => Err(HeaderError::NotRif),
            Some((layout, _)) => Err(HeaderError::UnknownColumns {
                record: layout.record,
                names: columns
                    .iter()
                    .filter(|c| layout.index_of(c).is_none())
                    .map(|c| (*c).to_owned())
                    .collect(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(layout: &Layout) -> String {
        let mut h = String::from("DML_IND");
        for c in layout.columns {
            h.push('|');
            h.push_str(c.rif);
        }
        h
    }

    #[test]
    fn every_layout_is_recognised_from_its_own_header() {
        for layout in layouts::ALL {
            let h = header_of(layout);
            assert_eq!(detect(&h), Ok(layout.record));
            assert_eq!(detect(&format!("{h}\r")), Ok(layout.record));
            assert_eq!(detect(&format!("\u{feff}{h}|\r\n")), Ok(layout.record));
            // Without DML_IND, reordered.
            let mut names: Vec<&str> = layout.columns.iter().map(|c| c.rif).collect();
            names.reverse();
            assert_eq!(detect(&names.join("|")), Ok(layout.record));
        }
    }

    #[test]
    fn header_problems_are_named() {
        assert_eq!(
            detect("BENE_ID,CARRIER_CLAIMS,DME_CLAIMS"),
            Err(HeaderError::NotRif)
        );
        assert_eq!(detect(""), Err(HeaderError::NotRif));
        assert_eq!(detect("FOO|BAR"), Err(HeaderError::NotRif));
        let h = format!("{}|NOT_A_COLUMN", header_of(&layouts::CARRIER));
        let err = detect(&h).unwrap_err();
        assert_eq!(
            err,
            HeaderError::UnknownColumns {
                record: RecordType::Carrier,
                names: vec!["NOT_A_COLUMN".into()]
            }
        );
        assert_eq!(
            err.to_string(),
            "header has columns unknown to the carrier layout: NOT_A_COLUMN"
        );
        assert_eq!(
            detect("DML_IND|BENE_ID|BENE_ID"),
            Err(HeaderError::Duplicate("BENE_ID".into()))
        );
        assert_eq!(detect("DML_IND||BENE_ID"), Err(HeaderError::EmptyName(2)));
        let err = detect("DML_IND|BENE_ID|CLM_ID|LINE_NUM|CARR_PRFRNG_PIN_NUM").unwrap_err();
        assert!(
            matches!(
                err,
                HeaderError::MissingColumns {
                    record: RecordType::Carrier,
                    ..
                }
            ),
            "{err}"
        );
    }
}
