//! What every claim builder shares: the enrollee context, claim ids, diagnoses, money and
//! the weekly processing date; and the dispatch from a scheduled [`Stub`] to the builder of
//! its type.

use super::data::Kind;
use super::person::Person;
use super::providers::{Facility, Org, Practitioner};
use super::rng::Rand;
use super::{Shared, Stub, add_days, institutional, is_icd9, pde, professional};
use bb_claims::model::AnyClaim;
use bb_claims::{Decimal, IcdCode, Npi};
use chrono::{Datelike, NaiveDate, Weekday};

/// The enrollee a claim is built for.
pub(crate) struct Ctx<'a> {
    pub g: &'a Shared,
    pub p: &'a Person,
    /// Building the everything-set enrollee.
    pub full: bool,
    pub index: u32,
}

/// The ids of one claim: `CLM_ID` (or `PDE_ID`) and `CLM_GRP_ID`, negative and unique in
/// the sandbox (100,000 per enrollee).
#[derive(Clone, Copy)]
pub(crate) struct Ids {
    pub claim: i64,
    pub group: i64,
}

impl Ids {
    fn new(index: u32, k: u32) -> Self {
        let n = i64::from(index) * 100_000 + i64::from(k);
        Self {
            claim: -(10_000_000_000 + n),
            group: -(50_000_000_000 + n),
        }
    }

    /// The claim's control number (`CARR_CLM_CNTL_NUM`, `FI_DOC_CLM_CNTL_NUM`).
    pub(crate) fn control_number(self) -> String {
        (-self.claim).to_string()
    }
}

/// A claim's diagnoses (principal first) and their ICD version code.
pub(crate) struct Dx {
    pub codes: Vec<IcdCode>,
    /// `'9'` (ICD-9) or `'0'` (ICD-10).
    pub version: char,
}

impl Dx {
    /// The principal diagnosis.
    pub(crate) fn principal(&self) -> Option<IcdCode> {
        self.codes.first().cloned()
    }

    /// One of the claim's diagnoses.
    pub(crate) fn any(&self, rng: &mut Rand) -> Option<IcdCode> {
        rng.pick(&self.codes).cloned()
    }
}

/// Money: cents as an exact decimal of scale 2.
pub(crate) fn money(cents: i64) -> Decimal {
    Decimal {
        units: cents,
        scale: 2,
    }
}

/// A count or quantity at a column's scale: `whole` units written with `scale` decimals.
pub(crate) fn count(whole: i64, scale: u8) -> Decimal {
    Decimal {
        units: whole * 10_i64.pow(u32::from(scale)),
        scale,
    }
}

/// `amount × percent / 100`, rounded down to the cent.
pub(crate) fn percent(amount: i64, pct: i64) -> i64 {
    amount * pct / 100
}

/// The weekly processing date: the first Friday after the claim's last day.
pub(crate) fn weekly(thru: NaiveDate) -> NaiveDate {
    let from_friday = (i64::from(thru.weekday().num_days_from_monday())
        - i64::from(Weekday::Fri.num_days_from_monday()))
    .rem_euclid(7);
    add_days(thru, 7 - from_friday)
}

/// Writes diagnoses into numbered slots (the rest stay empty).
pub(crate) fn put_dx<const N: usize>(
    slots: [(&mut Option<IcdCode>, &mut Option<char>); N],
    dx: &Dx,
) {
    for ((code, version), value) in slots.into_iter().zip(&dx.codes) {
        *code = Some(value.clone());
        *version = Some(dx.version);
    }
}

impl Ctx<'_> {
    /// Builds the claim of `stub`, the `k`-th of the enrollee; returns it with the date it
    /// was processed (the weekly processing date, or the paid date of a Part D event).
    /// `None` only when a code table the claim needs is empty.
    pub(crate) fn build(
        &self,
        rng: &mut Rand,
        stub: &Stub,
        k: u32,
    ) -> Option<(AnyClaim, NaiveDate)> {
        let ids = Ids::new(self.index, k);
        match stub.kind {
            Kind::Carrier => professional::carrier(self, rng, stub, ids),
            Kind::Dme => professional::dme(self, rng, stub, ids),
            Kind::Pde => pde::event(self, rng, stub, ids),
            Kind::Outpatient => institutional::outpatient(self, rng, stub, ids),
            Kind::Inpatient => institutional::inpatient(self, rng, stub, ids),
            Kind::Snf => institutional::snf(self, rng, stub, ids),
            Kind::Hha => institutional::hha(self, rng, stub, ids),
            Kind::Hospice => institutional::hospice(self, rng, stub, ids),
        }
    }

    /// `n` diagnoses for a claim ending on `thru`: mostly the enrollee's own conditions,
    /// principal first, in the code system of the date.
    pub(crate) fn dx(&self, rng: &mut Rand, n: usize, thru: NaiveDate) -> Dx {
        let icd9 = is_icd9(thru);
        let (own, pool) = if icd9 {
            (&self.p.conditions9, &self.g.tables.icd9_dx)
        } else {
            (&self.p.conditions10, &self.g.tables.icd10_dx)
        };
        let mut codes: Vec<IcdCode> = Vec::with_capacity(n);
        // A quarter of claims are for something acute, not a known condition.
        if rng.chance(250) {
            codes.extend(rng.pick(pool).cloned());
        }
        let start = rng.index(own.len().max(1));
        for i in 0..own.len() {
            if codes.len() >= n {
                break;
            }
            if let Some(code) = own.get((start + i) % own.len())
                && !codes.contains(code)
            {
                codes.push(code.clone());
            }
        }
        while codes.len() < n {
            match rng.pick(pool) {
                Some(code) if !codes.contains(code) => codes.push(code.clone()),
                Some(_) => {}
                None => break,
            }
        }
        Dx {
            codes,
            version: if icd9 { '9' } else { '0' },
        }
    }

    /// An external-cause code in the claim's code system.
    pub(crate) fn external_cause(&self, rng: &mut Rand, thru: NaiveDate) -> Option<String> {
        let pool = if is_icd9(thru) {
            &self.g.tables.icd9_external
        } else {
            &self.g.tables.icd10_external
        };
        rng.pick(pool).cloned()
    }

    /// A procedure code (ICD-10-PCS, or ICD-9-CM volume 3 before 2015-10-01) with its
    /// version code.
    pub(crate) fn procedure(&self, rng: &mut Rand, thru: NaiveDate) -> Option<(IcdCode, char)> {
        if is_icd9(thru) {
            rng.pick(&self.g.tables.icd9_pcs).map(|c| (c.clone(), '9'))
        } else {
            rng.pick(&self.g.tables.icd10_pcs).map(|c| (c.clone(), '0'))
        }
    }

    /// The enrollee's primary care practitioner.
    pub(crate) fn pcp(&self) -> Option<&Practitioner> {
        self.g
            .providers
            .practitioners(self.p.place)
            .get(self.p.care.pcp)
    }

    /// One of the enrollee's specialists (or the PCP).
    pub(crate) fn specialist(&self, rng: &mut Rand) -> Option<&Practitioner> {
        let list = self.g.providers.practitioners(self.p.place);
        rng.pick(&self.p.care.specialists)
            .and_then(|&i| list.get(i))
            .or_else(|| self.pcp())
    }

    /// A practitioner for a claim: the PCP about half the time, else a specialist.
    pub(crate) fn practitioner(&self, rng: &mut Rand) -> Option<&Practitioner> {
        if rng.chance(500) {
            self.pcp()
        } else {
            self.specialist(rng)
        }
    }

    /// The enrollee's organisation of a kind.
    pub(crate) fn org(&self, org: Org) -> Option<&Facility> {
        let care = &self.p.care;
        let i = match org {
            Org::Hospital => care.hospital,
            Org::Snf => care.snf,
            Org::Hha => care.hha,
            Org::Hospice => care.hospice,
            Org::DmeSupplier => care.dme,
            Org::Pharmacy => care.pharmacy,
            Org::Group => care.group,
        };
        self.g.providers.orgs(org, self.p.place).get(i)
    }

    /// The NPI of a practitioner, if any.
    pub(crate) fn npi(p: Option<&Practitioner>) -> Option<Npi> {
        p.map(|p| p.npi.clone())
    }

    /// The enrollee's SSA state code.
    pub(crate) fn state(&self) -> &'static str {
        self.p.home().ssa
    }

    /// A charge variation: `base` times 70–160 %.
    pub(crate) fn vary(rng: &mut Rand, base: i64) -> i64 {
        percent(base, rng.range(70, 160))
    }
}
