//! Model records ↔ store rows: which columns a record contributes to searches, and its
//! binary form.

use bb_claims::model::{AnyClaim, Beneficiary, BeneficiaryHistory};
use bb_claims::{DecodeError, Record, RecordType};
use bb_store::{BeneficiaryHistoryRow, BeneficiaryRow, ClaimRow};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The store's number for a claim type: alphabetical by name, so ordering by number is
/// ordering by name as BFD's result order requires.
pub fn claim_type_number(record: RecordType) -> i16 {
    match record {
        RecordType::Carrier => 1,
        RecordType::Dme => 2,
        RecordType::Hha => 3,
        RecordType::Hospice => 4,
        RecordType::Inpatient => 5,
        RecordType::Outpatient => 6,
        RecordType::Pde => 7,
        RecordType::Snf => 8,
        RecordType::Beneficiary | RecordType::BeneficiaryHistory => 0,
    }
}

/// The claim type of a store number.
pub fn claim_type_of(number: i16) -> Option<RecordType> {
    Some(match number {
        1 => RecordType::Carrier,
        2 => RecordType::Dme,
        3 => RecordType::Hha,
        4 => RecordType::Hospice,
        5 => RecordType::Inpatient,
        6 => RecordType::Outpatient,
        7 => RecordType::Pde,
        8 => RecordType::Snf,
        _ => return None,
    })
}

/// A claim as a store row.
pub fn claim_row(claim: &AnyClaim, last_updated: DateTime<Utc>) -> ClaimRow {
    let key = claim.key();
    let mut data = Vec::with_capacity(384);
    claim.encode(&mut data);
    ClaimRow {
        bene_id: key.bene_id,
        claim_type: claim_type_number(key.record),
        claim_id: key.claim_id,
        service_from: key.from,
        service_thru: key.thru,
        last_updated,
        data,
    }
}

/// A store row back as a claim.
pub fn claim_of(row: &ClaimRow) -> Result<AnyClaim, DecodeError> {
    let record = claim_type_of(row.claim_type).ok_or(DecodeError("unknown claim type"))?;
    AnyClaim::decode(record, &row.data)
}

/// The reference year of a beneficiary record (0 when the file had none, BFD's default).
pub fn reference_year(bene: &Beneficiary) -> i32 {
    i32::try_from(bene.rfrnc_yr.units).unwrap_or(0)
}

/// A beneficiary reference-year record as a store row.
pub fn beneficiary_row(bene: &Beneficiary, last_updated: DateTime<Utc>) -> BeneficiaryRow {
    BeneficiaryRow {
        bene_id: bene.bene_id,
        rfrnc_yr: reference_year(bene),
        mbi: bene.mbi_num.as_ref().map(|m| m.as_str().to_owned()),
        last_updated,
        data: bene.to_bytes(),
    }
}

/// A store row back as a beneficiary record.
pub fn beneficiary_of(row: &BeneficiaryRow) -> Result<Beneficiary, DecodeError> {
    Beneficiary::decode(&mut row.data.as_slice())
}

/// A beneficiary history record as a store row; its key is a digest of its content, as the
/// RIF file has no id for it.
pub fn history_row(
    history: &BeneficiaryHistory,
    last_updated: DateTime<Utc>,
) -> BeneficiaryHistoryRow {
    let data = history.to_bytes();
    BeneficiaryHistoryRow {
        bene_id: history.bene_id,
        digest: digest(&data),
        mbi: history.mbi_num.as_ref().map(|m| m.as_str().to_owned()),
        last_updated,
        data,
    }
}

/// A store row back as a beneficiary history record.
pub fn history_of(row: &BeneficiaryHistoryRow) -> Result<BeneficiaryHistory, DecodeError> {
    BeneficiaryHistory::decode(&mut row.data.as_slice())
}

/// The first 8 bytes of the SHA-256 of `data`, as a signed integer.
pub fn digest(data: &[u8]) -> i64 {
    let hash = Sha256::digest(data);
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    i64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_numbers_order_like_names() {
        let types = [
            RecordType::Carrier,
            RecordType::Dme,
            RecordType::Hha,
            RecordType::Hospice,
            RecordType::Inpatient,
            RecordType::Outpatient,
            RecordType::Pde,
            RecordType::Snf,
        ];
        let mut by_name = types.to_vec();
        by_name.sort_by_key(|t| t.name());
        assert_eq!(by_name, types);
        for (i, t) in types.iter().enumerate() {
            assert_eq!(usize::try_from(claim_type_number(*t)).ok(), Some(i + 1));
            assert_eq!(claim_type_of(claim_type_number(*t)), Some(*t));
        }
        assert_eq!(claim_type_of(0), None);
    }
}
