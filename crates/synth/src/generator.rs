//! The deterministic generator: `(seed, enrollees, as_of, index)` → one sandbox enrollee
//! (`BBUser<index>`) with beneficiary rows, MBI history and claims of the eight types.
//!
//! Each enrollee is a pure function of those four values: its random stream is a ChaCha8
//! generator seeded with `mix(seed, index)`, and what the sandbox shares (the code pools and
//! the provider pool) is built from the seed alone in [`Generator::new`]. Enrollees can so be
//! generated in any order and on any number of threads with the same result.
//!
//! What an enrollee looks like (fitted to `fhir-model.md` §3, see [`data`]):
//! - claims per enrollee are heavy-tailed (mean ≈ 100, median ≈ 43, p99 ≈ 950, ~10 %
//!   without any, up to ~3,000), PDE and outpatient claims dominate;
//! - claims fall between the start of coverage (at most 12 years before `as_of`) and nine days
//!   before `as_of` (or death), each "arriving" after its weekly processing date:
//!   [`Enrollee::last_updated`] rises with claim order and never passes `as_of`;
//! - codes come from [`crate::codes`] (ICD-9 before 2015-10-01), NPIs from a per-sandbox
//!   pool with valid check digits, MBIs are synthetic (`S` in position 2);
//! - money is consistent: allowed ≤ submitted, payments are the sum of their parts, line
//!   amounts add up to the claim totals where a layout has both;
//! - enrollee 10000 (`BBUser10000`, also [`Generator::full_enrollee`]) has every optional
//!   column of every record type set.

mod blank;
mod claims;
mod data;
mod fill;
mod institutional;
mod pde;
mod person;
mod professional;
mod providers;
mod rng;
mod slots;
mod tables;

use bb_claims::model::{AnyClaim, Beneficiary, BeneficiaryHistory};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use data::{KIND_MIX, KINDS, Kind};
use person::Person;
use providers::Providers;
use rng::{Rand, mix};
use std::sync::Arc;
use tables::Tables;

/// The index of the enrollee that fills (nearly) every field: `BBUser10000`.
pub const FULL_INDEX: u32 = 10_000;

/// Most claims one enrollee can have (claim ids reserve 100,000 per enrollee).
const MAX_CLAIMS: u32 = 99_999;

/// A sandbox generator: the seed, the number of enrollees and the generation date, plus the
/// code and provider pools built from them.
#[derive(Clone)]
pub struct Generator {
    shared: Arc<Shared>,
}

/// What every enrollee of a sandbox shares.
pub(crate) struct Shared {
    pub seed: u64,
    pub enrollees: u32,
    pub as_of: NaiveDate,
    pub tables: Tables,
    pub providers: Providers,
}

/// One generated enrollee: login, beneficiary records and claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrollee {
    /// Index in the sandbox (`BBUser<index>`).
    pub index: u32,
    /// `BENE_ID`: `-(19990000000001 + index)`.
    pub bene_id: i64,
    /// Sandbox login, `BBUser00000`.
    pub username: String,
    /// Sandbox password, `PW00000!`.
    pub password: String,
    /// One row per reference year of enrollment, oldest first.
    pub beneficiaries: Vec<Beneficiary>,
    /// Rows for earlier MBIs.
    pub history: Vec<BeneficiaryHistory>,
    /// Claims sorted by (first day of service, claim id).
    pub claims: Vec<AnyClaim>,
    /// When each claim arrived (same order as `claims`): after its service, never after
    /// `as_of`, strictly rising.
    pub last_updated: Vec<NaiveDateTime>,
}

/// Adds `n` days (saturating at the calendar's ends).
pub(crate) fn add_days(date: NaiveDate, n: i64) -> NaiveDate {
    date.checked_add_signed(TimeDelta::days(n)).unwrap_or(date)
}

/// One claim to build: type and service period (`seq` numbers claims of an episode).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stub {
    pub kind: Kind,
    pub from: NaiveDate,
    pub thru: NaiveDate,
    pub seq: u32,
}

impl Generator {
    /// A generator for a sandbox of `enrollees` enrollees generated on `as_of` (a fixed
    /// date: the sandbox never depends on the wall clock).
    pub fn new(seed: u64, enrollees: u32, as_of: NaiveDate) -> Self {
        let tables = Tables::build();
        Self {
            shared: Arc::new(Shared {
                seed,
                enrollees,
                as_of,
                providers: Providers::build(seed, enrollees),
                tables,
            }),
        }
    }

    /// The sandbox seed.
    pub fn seed(&self) -> u64 {
        self.shared.seed
    }

    /// The number of enrollees (`BBUser00000` to `BBUser<enrollees - 1>`).
    pub fn enrollees(&self) -> u32 {
        self.shared.enrollees
    }

    /// The generation date.
    pub fn as_of(&self) -> NaiveDate {
        self.shared.as_of
    }

    /// Enrollee `index`: a pure function of the seed, the enrollee count, `as_of` and
    /// `index`. Index [`FULL_INDEX`] is the enrollee with every field set.
    pub fn enrollee(&self, index: u32) -> Enrollee {
        generate(&self.shared, index, index == FULL_INDEX)
    }

    /// `BBUser10000`, the enrollee with (nearly) every field of every record type set,
    /// whatever the sandbox size.
    pub fn full_enrollee(&self) -> Enrollee {
        self.enrollee(FULL_INDEX)
    }
}

/// Shares `total` claims out over the claim types.
fn allocate(rng: &mut Rand, total: u32) -> [u32; 8] {
    let mut counts = [0u32; 8];
    if total == 0 {
        return counts;
    }
    let mut present: Vec<usize> = (0..8).filter(|&t| rng.chance(KIND_MIX[t].0)).collect();
    if present.is_empty() {
        present.push(1);
    }
    // Fewer claims than types: keep a random subset.
    while present.len() > total as usize {
        let drop = rng.index(present.len());
        present.remove(drop);
    }
    let weights: Vec<u32> = present.iter().map(|&t| KIND_MIX[t].1).collect();
    for &t in &present {
        counts[t] = 1;
    }
    for _ in present.len() as u32..total {
        let t = present[rng.weighted(&weights)];
        counts[t] += 1;
    }
    counts
}

/// Per-type counts of the full enrollee: a bit of everything.
const FULL_COUNTS: [u32; 8] = [30, 25, 4, 30, 4, 3, 3, 3];

fn generate(g: &Shared, index: u32, full: bool) -> Enrollee {
    let mut rng = Rand::new(mix(g.seed, u64::from(index)));
    let counts = if full {
        FULL_COUNTS
    } else {
        let total = if rng.chance(data::NO_CLAIMS_PER_MILLE) {
            0
        } else {
            rng.inverse_cdf(data::CLAIM_COUNT_TABLE).min(MAX_CLAIMS)
        };
        allocate(&mut rng, total)
    };
    let has_pde = counts[Kind::Pde as usize] > 0;
    let person = Person::draw(g, &mut rng, index, full, has_pde);
    let stubs = schedule(&mut rng, &person, &counts);

    let ctx = claims::Ctx {
        g,
        p: &person,
        full,
        index,
    };
    let mut built: Vec<(AnyClaim, NaiveDate)> = stubs
        .iter()
        .enumerate()
        .filter_map(|(k, stub)| ctx.build(&mut rng, stub, k as u32 + 1))
        .collect();
    if full {
        let mut filler = Rand::new(mix(g.seed ^ 0x4655_4C4C, u64::from(index)));
        for (claim, _) in &mut built {
            fill::claim(&ctx, &mut filler, claim);
        }
    }
    built.sort_by_key(|(c, _)| {
        let key = c.key();
        (key.from, key.claim_id)
    });
    let last_updated = arrivals(&mut rng, &built, g.as_of);
    let claims = built.into_iter().map(|(c, _)| c).collect();

    let mut beneficiaries = person::beneficiaries(&person, g.as_of, full);
    let mut history = person::history(&person);
    if full {
        let mut filler = Rand::new(mix(g.seed ^ 0x4245_4E45, u64::from(index)));
        for b in &mut beneficiaries {
            fill::beneficiary(&ctx, &mut filler, b);
        }
        for h in &mut history {
            fill::history(&ctx, &mut filler, h);
        }
    }
    Enrollee {
        index,
        bene_id: person.bene_id,
        username: format!("BBUser{index:05}"),
        password: format!("PW{index:05}!"),
        beneficiaries,
        history,
        claims,
        last_updated,
    }
}

/// Length of stay of an inpatient admission, days (Medicare mean ≈ 5).
const INPATIENT_LOS: &[(i64, u32)] = &[
    (1, 120),
    (2, 180),
    (3, 180),
    (4, 140),
    (5, 100),
    (6, 70),
    (7, 60),
    (8, 40),
    (10, 40),
    (12, 30),
    (14, 20),
    (20, 15),
    (30, 5),
];

/// Service periods for each claim, sorted by (from, type, thru).
fn schedule(rng: &mut Rand, p: &Person, counts: &[u32; 8]) -> Vec<Stub> {
    let (start, end) = p.window;
    let span = (end - start).num_days().max(0);
    let mut stubs = Vec::with_capacity(counts.iter().sum::<u32>() as usize);
    let day = |rng: &mut Rand, len: i64| add_days(start, rng.range(0, (span - len).max(0)));
    for (&kind, &n) in KINDS.iter().zip(counts) {
        match kind {
            Kind::Hha | Kind::Hospice => {
                // Consecutive 30-day periods; hospice ends near the end of the window.
                let needed = 30 * i64::from(n);
                let first = if kind == Kind::Hospice {
                    add_days(end, -needed + 1).max(start)
                } else {
                    day(rng, needed)
                };
                for i in 0..n {
                    let from = add_days(first, 30 * i64::from(i)).min(end);
                    let thru = add_days(from, 29).min(end);
                    stubs.push(Stub {
                        kind,
                        from,
                        thru,
                        seq: i,
                    });
                }
            }
            _ => {
                for _ in 0..n {
                    let len = match kind {
                        Kind::Inpatient => rng.pick_weighted(INPATIENT_LOS, 3),
                        Kind::Snf => rng.range(5, 45),
                        Kind::Outpatient if rng.chance(80) => rng.range(1, 3),
                        Kind::Dme if rng.chance(200) => 29,
                        _ => 0,
                    };
                    let from = day(rng, len);
                    let thru = add_days(from, len).min(end);
                    stubs.push(Stub {
                        kind,
                        from,
                        thru,
                        seq: 0,
                    });
                }
            }
        }
    }
    stubs.sort_by_key(|s| (s.from, s.kind, s.thru));
    stubs
}

/// When each claim arrived: one to three days after its processing date at a random time,
/// strictly rising in claim order and before `as_of`.
fn arrivals(
    rng: &mut Rand,
    built: &[(AnyClaim, NaiveDate)],
    as_of: NaiveDate,
) -> Vec<NaiveDateTime> {
    let cap = add_days(as_of, -1).and_time(NaiveTime::MIN) + TimeDelta::seconds(86_399);
    let mut out: Vec<NaiveDateTime> = Vec::with_capacity(built.len());
    let mut last: Option<NaiveDateTime> = None;
    for (_, processed) in built {
        let day = add_days(*processed, rng.range(1, 3));
        let mut at = day.and_time(NaiveTime::MIN) + TimeDelta::seconds(rng.range(3_600, 6 * 3_600));
        if let Some(prev) = last
            && at <= prev
        {
            at = prev + TimeDelta::seconds(1);
        }
        out.push(at);
        last = Some(at);
    }
    // Pull the tail back under the cap, keeping the order strict.
    let mut ceiling = cap;
    for at in out.iter_mut().rev() {
        if *at > ceiling {
            *at = ceiling;
        }
        ceiling = *at - TimeDelta::seconds(1);
    }
    out
}

/// The year's Part A inpatient deductible, in cents.
pub(crate) fn part_a_deductible(year: i32) -> i64 {
    match year {
        ..=2013 => 118_400,
        2014 => 121_600,
        2015 => 126_000,
        2016 => 128_800,
        2017 => 131_600,
        2018 => 134_000,
        2019 => 136_400,
        2020 => 140_800,
        2021 => 148_400,
        2022 => 155_600,
        2023 => 160_000,
        2024 => 163_200,
        _ => 167_600,
    }
}

/// The Part B annual deductible, in cents.
pub(crate) fn part_b_deductible(year: i32) -> i64 {
    match year {
        ..=2015 => 14_700,
        2016 => 16_600,
        2017 | 2018 => 18_300,
        2019 => 18_500,
        2020 => 19_800,
        2021 => 20_300,
        2022 => 23_300,
        2023 => 22_600,
        2024 => 24_000,
        _ => 25_700,
    }
}

/// The year's SNF coinsurance per day (days 21–100), in cents: one eighth of the deductible.
pub(crate) fn snf_daily_coinsurance(year: i32) -> i64 {
    part_a_deductible(year) / 8
}

/// Whether a claim of this period is coded in ICD-9 (service ended before 2015-10-01).
pub(crate) fn is_icd9(thru: NaiveDate) -> bool {
    (thru.year(), thru.month()) < (2015, 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn allocation_shares_out_every_claim() {
        let mut rng = Rand::new(1);
        for total in [0, 1, 2, 3, 7, 50, 3_000] {
            let counts = allocate(&mut rng, total);
            assert_eq!(counts.iter().sum::<u32>(), total);
        }
    }

    #[test]
    fn processing_is_the_next_friday() {
        for day in 1..=14 {
            let thru = ymd(2024, 3, day);
            let friday = claims::weekly(thru);
            assert_eq!(friday.weekday(), Weekday::Fri);
            assert!(friday > thru && (friday - thru).num_days() <= 7);
        }
    }

    #[test]
    fn arrivals_rise_and_stay_before_as_of() {
        let as_of = ymd(2025, 6, 30);
        let claim = || AnyClaim::from(blank::carrier_claim());
        // Many claims processed the day before `as_of` must still fit, rising, under the cap.
        let built: Vec<(AnyClaim, NaiveDate)> = (0..50)
            .map(|i| {
                (
                    claim(),
                    if i < 10 {
                        ymd(2025, 1, 3)
                    } else {
                        ymd(2025, 6, 28)
                    },
                )
            })
            .collect();
        let times = arrivals(&mut Rand::new(3), &built, as_of);
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        assert!(times.iter().all(|t| t.date() < as_of));
    }

    #[test]
    fn icd9_ends_with_september_2015() {
        assert!(is_icd9(ymd(2015, 9, 30)));
        assert!(!is_icd9(ymd(2015, 10, 1)));
    }
}
