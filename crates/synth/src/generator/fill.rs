//! The everything-set enrollee (`BBUser10000`): after its records are generated as usual,
//! every column still empty is given a valid value, by writing the record as a RIF row,
//! filling the empty cells by column (codebook values where the CCW codebooks list any,
//! codes of the right system for code columns, a date of the claim for dates) and reading
//! the row back. A row that does not read back leaves the record as generated (the tests
//! check that none is left so).

use super::claims::Ctx;
use super::is_icd9;
use super::rng::Rand;
use crate::codes;
use bb_claims::model::{AnyClaim, Beneficiary, BeneficiaryHistory};
use bb_claims::{Claim, Column, Kind, Level, Record, rif_date};
use chrono::NaiveDate;

/// What a filled value depends on.
struct Scene {
    date: NaiveDate,
    icd9: bool,
    /// Leave the monthly beneficiary columns alone (months outside enrollment stay empty).
    skip_monthly: bool,
}

/// Fills every empty column of a claim and its lines.
pub(crate) fn claim(cx: &Ctx<'_>, rng: &mut Rand, claim: &mut AnyClaim) {
    match claim {
        AnyClaim::Carrier(c) => fill_claim(cx, rng, c.as_mut()),
        AnyClaim::Dme(c) => fill_claim(cx, rng, c.as_mut()),
        AnyClaim::Hha(c) => fill_claim(cx, rng, c.as_mut()),
        AnyClaim::Hospice(c) => fill_claim(cx, rng, c.as_mut()),
        AnyClaim::Inpatient(c) => fill_claim(cx, rng, c.as_mut()),
        AnyClaim::Outpatient(c) => fill_claim(cx, rng, c.as_mut()),
        AnyClaim::Snf(c) => fill_claim(cx, rng, c.as_mut()),
        AnyClaim::Pde(c) => fill_claim(cx, rng, c.as_mut()),
    }
}

/// Fills every empty column of a beneficiary row except the monthly ones.
pub(crate) fn beneficiary(cx: &Ctx<'_>, rng: &mut Rand, b: &mut Beneficiary) {
    let date = b.covstart.unwrap_or(cx.p.window.0);
    fill_record(
        cx,
        rng,
        b,
        &Scene {
            date,
            icd9: false,
            skip_monthly: true,
        },
    );
}

/// Fills every empty column of a beneficiary history row.
pub(crate) fn history(cx: &Ctx<'_>, rng: &mut Rand, h: &mut BeneficiaryHistory) {
    let date = h.efctv_bgn_dt.unwrap_or(cx.p.window.0);
    fill_record(
        cx,
        rng,
        h,
        &Scene {
            date,
            icd9: false,
            skip_monthly: false,
        },
    );
}

fn fill_record<R: Record>(cx: &Ctx<'_>, rng: &mut Rand, record: &mut R, scene: &Scene) {
    let mut row = vec![String::new(); R::LAYOUT.columns.len()];
    record.to_row(&mut row);
    fill_cells(cx, rng, R::LAYOUT.columns, Level::Claim, &mut row, scene);
    let cells: Vec<&str> = row.iter().map(String::as_str).collect();
    if let Ok(filled) = R::from_row(&cells) {
        *record = filled;
    }
}

fn fill_claim<C: Claim>(cx: &Ctx<'_>, rng: &mut Rand, claim: &mut C) {
    let key = claim.key();
    let date = key.from.unwrap_or(cx.p.window.0);
    let thru = key.thru.unwrap_or(date);
    let scene = Scene {
        date,
        icd9: is_icd9(thru),
        skip_monthly: false,
    };
    let columns = C::LAYOUT.columns;
    let mut row = vec![String::new(); columns.len()];
    claim.to_row(&mut row);
    fill_cells(cx, rng, columns, Level::Claim, &mut row, &scene);
    let cells: Vec<&str> = row.iter().map(String::as_str).collect();
    let Ok(mut filled) = C::from_row(&cells) else {
        return;
    };
    for line in claim.lines() {
        let mut line_row = row.clone();
        line.to_row(&mut line_row);
        fill_cells(cx, rng, columns, Level::Line, &mut line_row, &scene);
        let cells: Vec<&str> = line_row.iter().map(String::as_str).collect();
        let Ok(line) = C::Line::from_row(&cells) else {
            return;
        };
        filled.push_line(line);
    }
    *claim = filled;
}

const MONTHS: [&str; 12] = [
    "_JAN_", "_FEB_", "_MAR_", "_APR_", "_MAY_", "_JUN_", "_JUL_", "_AUG_", "_SEPT_", "_OCT_",
    "_NOV_", "_DEC_",
];

fn is_monthly(name: &str) -> bool {
    MONTHS.iter().any(|m| name.contains(m))
        || name.starts_with("MDCR_ENTLMT_BUYIN_")
        || (name.starts_with("HMO_") && name.ends_with("_IND"))
}

fn fill_cells(
    cx: &Ctx<'_>,
    rng: &mut Rand,
    columns: &[Column],
    level: Level,
    row: &mut [String],
    scene: &Scene,
) {
    for (column, cell) in columns.iter().zip(row.iter_mut()) {
        if column.level != level
            || !cell.is_empty()
            || (scene.skip_monthly && is_monthly(column.rif))
        {
            continue;
        }
        if let Some(value) = value_for(cx, rng, column, scene).filter(|v| fits(v, column)) {
            *cell = value;
        }
    }
}

/// Whether a value has the shape the column takes.
fn fits(value: &str, column: &Column) -> bool {
    match column.kind {
        Kind::Char => value.chars().count() == 1,
        Kind::Text { max } => !value.is_empty() && value.chars().count() <= usize::from(max),
        _ => !value.is_empty(),
    }
}

/// The codebook values of a column that fit it (real codes, not `Blank` or ranges).
fn codebook_value(rng: &mut Rand, column: &Column) -> Option<String> {
    let values: Vec<&str> = codes::ccw_values(column.rif)
        .iter()
        .map(|c| c.code)
        .filter(|c| {
            c.bytes().all(|b| b.is_ascii_alphanumeric())
                && !matches!(*c, "Blank" | "Null" | "Space")
        })
        .filter(|c| fits(c, column))
        .collect();
    rng.pick(&values).map(|v| (*v).to_owned())
}

fn digits(rng: &mut Rand, n: usize) -> String {
    (0..n)
        .map(|i| {
            char::from(
                b'0' + if i == 0 {
                    1 + rng.below(9)
                } else {
                    rng.below(10)
                } as u8,
            )
        })
        .collect()
}

fn value_for(cx: &Ctx<'_>, rng: &mut Rand, column: &Column, scene: &Scene) -> Option<String> {
    let t = &cx.g.tables;
    let name = column.rif;
    let icd_version = if scene.icd9 { "9" } else { "0" };
    let value = if name.contains("NPI") {
        let h = rng.bits();
        cx.g.providers
            .any_practitioner(h)
            .map(|p| p.npi.as_str().to_owned())
    } else if name.contains("UPIN") {
        Some(format!("U{}", digits(rng, 5)))
    } else if name.contains("VRSN_CD") {
        Some(icd_version.to_owned())
    } else if name.contains("DGNS_E_CD") {
        let pool = if scene.icd9 {
            &t.icd9_external
        } else {
            &t.icd10_external
        };
        rng.pick(pool).cloned()
    } else if name.contains("DGNS_CD") || name.starts_with("RSN_VISIT_CD") {
        let pool = if scene.icd9 { &t.icd9_dx } else { &t.icd10_dx };
        rng.pick(pool).map(|c| c.as_str().to_owned())
    } else if name.contains("PRCDR_CD") {
        let pool = if scene.icd9 {
            &t.icd9_pcs
        } else {
            &t.icd10_pcs
        };
        rng.pick(pool).map(|c| c.as_str().to_owned())
    } else if name.contains("POA_IND_SW") {
        Some("Y".to_owned())
    } else if name == "HCPCS_CD" {
        rng.pick(&t.professional).map(|c| c.as_str().to_owned())
    } else if name.contains("MDFR_CD") {
        rng.pick(&t.modifiers).cloned()
    } else if name.contains("NDC_CD") || name == "REV_CNTR_IDE_NDC_UPC_NUM" {
        rng.pick(&t.drugs).map(|d| d.ndc.as_str().to_owned())
    } else if name == "CLM_DRG_CD" {
        rng.pick(&t.drg).cloned()
    } else if name == "CITY_NAME" {
        Some(cx.p.home().city.to_owned())
    } else if name.starts_with("DRVD_LINE_") {
        Some(format!("UNIT {}", rng.range(1, 99)))
    } else if name.contains("ZIP") {
        Some(cx.p.zip9.clone())
    } else if name == "PRVDR_NUM" {
        Some(format!("{}{:04}", cx.state(), rng.range(1, 879)))
    } else {
        None
    };
    if value.is_some() {
        return value;
    }
    if let Some(v) = codebook_value(rng, column) {
        return Some(v);
    }
    match column.kind {
        Kind::Date => Some(rif_date(scene.date)),
        Kind::Char => Some("1".to_owned()),
        Kind::Integer | Kind::Decimal { .. } => Some("1".to_owned()),
        Kind::Text { max } => Some(digits(rng, usize::from(max).min(8))),
    }
}
