//! The sandbox's providers: practitioners and facilities per place, with NPIs (valid check
//! digit), CMS certification numbers, PINs and tax numbers, fixed by the seed so that the
//! same NPI recurs across an enrollee's claims and across enrollees.

use super::data::PLACES;
use super::rng::mix64;
use crate::codes;
use bb_claims::Npi;

/// A practitioner (individual NPI).
pub(crate) struct Practitioner {
    pub npi: Npi,
    /// Carrier PIN (`CARR_PRFRNG_PIN_NUM`).
    pub pin: String,
    /// Tax number of the practice (`TAX_NUM`).
    pub tax: String,
    /// CMS specialty code (`PRVDR_SPCLTY`).
    pub specialty: &'static str,
    /// Nine-digit ZIP of the practice.
    pub zip: String,
}

/// A facility or supplier (organisation NPI).
pub(crate) struct Facility {
    pub npi: Npi,
    /// CMS certification number (`PRVDR_NUM`), or supplier number for DME suppliers.
    pub number: String,
}

/// The kinds of organisation the generator bills from.
#[derive(Clone, Copy)]
pub(crate) enum Org {
    Hospital,
    Snf,
    Hha,
    Hospice,
    DmeSupplier,
    Pharmacy,
    Group,
}

const ORGS: [Org; 7] = [
    Org::Hospital,
    Org::Snf,
    Org::Hha,
    Org::Hospice,
    Org::DmeSupplier,
    Org::Pharmacy,
    Org::Group,
];

/// Primary-care specialties (general practice, family practice, internal medicine,
/// geriatrics, nurse practitioner, physician assistant).
pub(crate) const PRIMARY_CARE: &[&str] = &["01", "08", "11", "38", "50", "97"];

/// Other specialties with weights.
const SPECIALTIES: &[(&str, u32)] = &[
    ("06", 10),
    ("10", 5),
    ("13", 5),
    ("18", 8),
    ("20", 6),
    ("29", 5),
    ("34", 4),
    ("39", 4),
    ("46", 3),
    ("66", 3),
    ("90", 4),
    ("93", 6),
    ("30", 8),
    ("22", 3),
    ("65", 6),
    ("05", 4),
    ("07", 4),
    ("26", 3),
    ("48", 3),
    ("41", 3),
    ("02", 3),
];

/// The providers of one sandbox.
pub(crate) struct Providers {
    /// Practitioners per place (index of [`PLACES`]).
    practitioners: Vec<Vec<Practitioner>>,
    /// Organisations per kind, then per place.
    orgs: Vec<Vec<Vec<Facility>>>,
}

/// First nine NPI digits of provider `id`: a bijection of `0..10^8` onto `1xxxxxxxx`.
fn npi_for(id: u64, seed: u64) -> Option<Npi> {
    let offset = mix64(seed ^ 0x4E50_4931) % 100_000_000;
    let first9 = 100_000_000 + (id.wrapping_mul(48_271).wrapping_add(offset) % 100_000_000);
    Npi::parse(&codes::npi_with_check_digit(first9 as u32)).ok()
}

fn weighted_specialty(h: u64) -> &'static str {
    let total: u64 = SPECIALTIES.iter().map(|&(_, w)| u64::from(w)).sum();
    let mut r = h % total.max(1);
    for &(code, w) in SPECIALTIES {
        if r < u64::from(w) {
            return code;
        }
        r -= u64::from(w);
    }
    "11"
}

impl Providers {
    /// The providers of a sandbox of `enrollees` enrollees: about one practitioner per two
    /// enrollees and one facility of each kind per 1,500 (at least a few per place).
    pub(crate) fn build(seed: u64, enrollees: u32) -> Self {
        let total_weight: u64 = PLACES.iter().map(|p| u64::from(p.weight)).sum();
        let practitioners_total = u64::from(enrollees / 2).clamp(600, 20_000);
        let orgs_total = u64::from(enrollees / 1_500).clamp(60, 1_500);
        let mut id: u64 = 0;
        let mut practitioners = Vec::with_capacity(PLACES.len());
        for place in PLACES {
            let n = (practitioners_total * u64::from(place.weight) / total_weight).max(12);
            let mut list = Vec::with_capacity(n as usize);
            for k in 0..n {
                let h = mix64(seed ^ mix64(id + 1));
                let specialty = if k % 3 == 0 {
                    PRIMARY_CARE[(h % PRIMARY_CARE.len() as u64) as usize]
                } else {
                    weighted_specialty(h >> 8)
                };
                if let Some(npi) = npi_for(id, seed) {
                    list.push(Practitioner {
                        npi,
                        pin: format!("{}{:06}", place.ssa, id % 1_000_000),
                        tax: format!("{:09}", 100_000_000 + (h >> 20) % 899_999_999),
                        specialty,
                        zip: format!("{}{:04}", place.zip, (h >> 40) % 10_000),
                    });
                }
                id += 1;
            }
            practitioners.push(list);
        }
        let mut orgs = Vec::with_capacity(ORGS.len());
        for org in ORGS {
            let mut per_place = Vec::with_capacity(PLACES.len());
            for place in PLACES {
                let n = (orgs_total * u64::from(place.weight) / total_weight).max(3);
                let mut list = Vec::with_capacity(n as usize);
                for k in 0..n {
                    let h = mix64(seed ^ mix64(id + 1));
                    let number = match org {
                        Org::Hospital => format!("{}{:04}", place.ssa, 1 + k % 879),
                        Org::Snf => format!("{}{:04}", place.ssa, 5_000 + k % 1_500),
                        Org::Hha => format!("{}{:04}", place.ssa, 7_000 + k % 1_500),
                        Org::Hospice => format!("{}{:04}", place.ssa, 1_500 + k % 300),
                        Org::DmeSupplier | Org::Pharmacy | Org::Group => {
                            format!("{:010}", 1_000_000_000 + h % 8_999_999_999)
                        }
                    };
                    if let Some(npi) = npi_for(id, seed) {
                        list.push(Facility { npi, number });
                    }
                    id += 1;
                }
                per_place.push(list);
            }
            orgs.push(per_place);
        }
        Self {
            practitioners,
            orgs,
        }
    }

    /// The practitioners of a place.
    pub(crate) fn practitioners(&self, place: usize) -> &[Practitioner] {
        self.practitioners.get(place).map_or(&[], Vec::as_slice)
    }

    /// The organisations of a kind in a place.
    pub(crate) fn orgs(&self, org: Org, place: usize) -> &[Facility] {
        self.orgs
            .get(org as usize)
            .and_then(|p| p.get(place))
            .map_or(&[], Vec::as_slice)
    }

    /// Some practitioner of the pool (for the full enrollee's filler).
    pub(crate) fn any_practitioner(&self, h: u64) -> Option<&Practitioner> {
        let list = self.practitioners.first()?;
        list.get((h % list.len().max(1) as u64) as usize)
    }
}
