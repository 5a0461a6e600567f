//! Scopes: BB2's list in SMART v1 (`patient/Patient.read`) and v2 (`.rs`, `.r`, `.s`)
//! syntax, plus `openid`, `profile` and `launch/patient`; and the permission bits a token
//! carries into the FHIR layer ([`Access`]).
//!
//! `.read` (v1) and `.rs` (v2) both allow read and search; `.r` read by id only; `.s`
//! search only. Demographic ("personal information") scopes are `patient/Patient.*` and
//! `profile` (BB2 `BENE_PERSONAL_INFO_SCOPES`).

use std::collections::BTreeSet;
use std::fmt;

/// A FHIR resource type the API serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// `Patient`.
    Patient,
    /// `Coverage`.
    Coverage,
    /// `ExplanationOfBenefit`.
    ExplanationOfBenefit,
}

impl Resource {
    /// All three, in BB2's order.
    pub const ALL: [Self; 3] = [Self::Patient, Self::Coverage, Self::ExplanationOfBenefit];

    /// The FHIR type name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Patient => "Patient",
            Self::Coverage => "Coverage",
            Self::ExplanationOfBenefit => "ExplanationOfBenefit",
        }
    }

    fn bits(self) -> (u8, u8) {
        match self {
            Self::Patient => (Access::PATIENT_READ, Access::PATIENT_SEARCH),
            Self::Coverage => (Access::COVERAGE_READ, Access::COVERAGE_SEARCH),
            Self::ExplanationOfBenefit => (Access::EOB_READ, Access::EOB_SEARCH),
        }
    }
}

/// The permission suffix of a resource scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// SMART v1 `.read`: read and search.
    Read,
    /// SMART v2 `.rs`: read and search.
    ReadSearch,
    /// SMART v2 `.r`: read by id.
    ReadOnly,
    /// SMART v2 `.s`: search.
    SearchOnly,
}

impl Permission {
    fn suffix(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::ReadSearch => "rs",
            Self::ReadOnly => "r",
            Self::SearchOnly => "s",
        }
    }

    fn allows(self) -> (bool, bool) {
        match self {
            Self::Read | Self::ReadSearch => (true, true),
            Self::ReadOnly => (true, false),
            Self::SearchOnly => (false, true),
        }
    }
}

/// One scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `patient/<Type>.<perm>`.
    Resource(Resource, Permission),
    /// `profile`: userinfo.
    Profile,
    /// `openid`: an ID token.
    OpenId,
    /// `launch/patient`: the patient context in the token response.
    LaunchPatient,
}

impl Scope {
    /// Parses one scope; `None` for anything BB2 does not grant through `/authorize`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "profile" => return Some(Self::Profile),
            "openid" => return Some(Self::OpenId),
            "launch/patient" => return Some(Self::LaunchPatient),
            _ => {}
        }
        let rest = raw.strip_prefix("patient/")?;
        let (ty, perm) = rest.split_once('.')?;
        let resource = Resource::ALL.into_iter().find(|r| r.name() == ty)?;
        let permission = match perm {
            "read" => Permission::Read,
            "rs" => Permission::ReadSearch,
            "r" => Permission::ReadOnly,
            "s" => Permission::SearchOnly,
            _ => return None,
        };
        Some(Self::Resource(resource, permission))
    }

    /// Whether this is a demographic scope (withheld when the enrollee unchecks the box).
    pub fn is_demographic(self) -> bool {
        matches!(self, Self::Profile | Self::Resource(Resource::Patient, _))
    }

    fn access(self) -> u8 {
        match self {
            Self::Resource(resource, permission) => {
                let (read, search) = permission.allows();
                let (read_bit, search_bit) = resource.bits();
                (if read { read_bit } else { 0 }) | (if search { search_bit } else { 0 })
            }
            Self::Profile => Access::PROFILE,
            Self::OpenId | Self::LaunchPatient => 0,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Resource(resource, permission) => {
                write!(f, "patient/{}.{}", resource.name(), permission.suffix())
            }
            Self::Profile => f.write_str("profile"),
            Self::OpenId => f.write_str("openid"),
            Self::LaunchPatient => f.write_str("launch/patient"),
        }
    }
}

/// A set of scopes, printed space-separated in a stable order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scopes(BTreeSet<Scope>);

/// A scope string names something not grantable.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownScope(pub String);

impl Scopes {
    /// Parses a space-separated list (RFC 6749 §3.3); repeated entries collapse.
    pub fn parse(raw: &str) -> Result<Self, UnknownScope> {
        raw.split([' ', '+'])
            .filter(|s| !s.is_empty())
            .map(|s| Scope::parse(s).ok_or_else(|| UnknownScope(s.chars().take(80).collect())))
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }

    /// Parses stored scopes, skipping anything unknown (stored values were parsed before).
    pub fn from_stored(raw: &str) -> Self {
        Self(raw.split(' ').filter_map(Scope::parse).collect())
    }

    /// What an application may be granted: every resource in v1 and v2 syntax, `openid`,
    /// `launch/patient`, and — when the app asks for demographics — `profile` and Patient.
    pub fn for_app(demographics: bool) -> Self {
        let mut set = BTreeSet::from([Scope::OpenId, Scope::LaunchPatient]);
        for resource in Resource::ALL {
            for permission in [
                Permission::Read,
                Permission::ReadSearch,
                Permission::ReadOnly,
                Permission::SearchOnly,
            ] {
                set.insert(Scope::Resource(resource, permission));
            }
        }
        set.insert(Scope::Profile);
        let all = Self(set);
        if demographics {
            all
        } else {
            all.without_demographics()
        }
    }

    /// The default grant when `/authorize` names no scope: `.read` and `.rs` of each
    /// resource the app may see, `openid`, `launch/patient`, and `profile` if allowed.
    pub fn default_for_app(demographics: bool) -> Self {
        let allowed = Self::for_app(demographics);
        Self(
            allowed
                .0
                .into_iter()
                .filter(|s| {
                    !matches!(
                        s,
                        Scope::Resource(_, Permission::ReadOnly | Permission::SearchOnly)
                    )
                })
                .collect(),
        )
    }

    /// The scopes of both sets.
    pub fn intersect(&self, other: &Self) -> Self {
        Self(self.0.intersection(&other.0).copied().collect())
    }

    /// These scopes minus the demographic ones.
    pub fn without_demographics(&self) -> Self {
        Self(
            self.0
                .iter()
                .copied()
                .filter(|s| !s.is_demographic())
                .collect(),
        )
    }

    /// Whether any scope is demographic.
    pub fn has_demographics(&self) -> bool {
        self.0.iter().any(|s| s.is_demographic())
    }

    /// Whether any scope opens claims (Coverage or EOB).
    pub fn has_claims(&self) -> bool {
        self.0.iter().any(|s| {
            matches!(
                s,
                Scope::Resource(Resource::Coverage | Resource::ExplanationOfBenefit, _)
            )
        })
    }

    /// Whether the set holds this scope.
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// Whether every scope of `narrower` is covered by these (a refresh may narrow
    /// `.rs` to `.r`, never widen): its permissions are a subset and its other scopes are
    /// present.
    pub fn covers(&self, narrower: &Self) -> bool {
        let mine = self.access().0;
        narrower.0.iter().all(|s| match s {
            Scope::Resource(..) | Scope::Profile => {
                s.access() & mine == s.access() && (s.access() != 0)
            }
            other => self.0.contains(other),
        })
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The permission bits.
    pub fn access(&self) -> Access {
        Access(self.0.iter().fold(0, |bits, s| bits | s.access()))
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Resources first (Patient, Coverage, EOB), then profile, openid, launch/patient.
        let mut first = true;
        for scope in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{scope}")?;
        }
        Ok(())
    }
}

/// What a token lets its holder do, as bits (cheap to carry on every FHIR request).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access(u8);

impl Access {
    const PATIENT_READ: u8 = 1;
    const PATIENT_SEARCH: u8 = 2;
    const COVERAGE_READ: u8 = 4;
    const COVERAGE_SEARCH: u8 = 8;
    const EOB_READ: u8 = 16;
    const EOB_SEARCH: u8 = 32;
    const PROFILE: u8 = 64;

    /// Everything (tests and benchmarks that make tokens directly).
    pub fn all() -> Self {
        Self(127)
    }

    /// Read by id of this resource type.
    pub fn can_read(self, resource: Resource) -> bool {
        self.0 & resource.bits().0 != 0
    }

    /// Search of this resource type.
    pub fn can_search(self, resource: Resource) -> bool {
        self.0 & resource.bits().1 != 0
    }

    /// `userinfo`.
    pub fn can_profile(self) -> bool {
        self.0 & Self::PROFILE != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(raw: &str) -> Scopes {
        Scopes::parse(raw).unwrap_or_default()
    }

    #[test]
    fn parses_v1_and_v2_and_refuses_the_rest() {
        let s = scopes("patient/ExplanationOfBenefit.rs patient/Patient.read profile openid");
        assert_eq!(
            s.to_string(),
            "patient/Patient.read patient/ExplanationOfBenefit.rs profile openid"
        );
        for bad in [
            "patient/Observation.read",
            "patient/Patient.write",
            "token_management",
            "user/Patient.read",
            "patient/*.read",
        ] {
            assert!(Scopes::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn access_bits_follow_the_suffix() {
        let a = scopes("patient/Coverage.r patient/ExplanationOfBenefit.s").access();
        assert!(a.can_read(Resource::Coverage) && !a.can_search(Resource::Coverage));
        assert!(
            a.can_search(Resource::ExplanationOfBenefit)
                && !a.can_read(Resource::ExplanationOfBenefit)
        );
        assert!(!a.can_read(Resource::Patient) && !a.can_profile());
        let b = scopes("patient/Patient.read profile").access();
        assert!(b.can_read(Resource::Patient) && b.can_search(Resource::Patient));
        assert!(b.can_profile());
    }

    #[test]
    fn demographics_and_narrowing() {
        let granted = scopes("patient/Patient.rs patient/Coverage.rs profile openid");
        assert_eq!(
            granted.without_demographics().to_string(),
            "patient/Coverage.rs openid"
        );
        assert!(granted.covers(&scopes("patient/Coverage.r")));
        assert!(granted.covers(&scopes("patient/Patient.read openid")));
        assert!(!granted.covers(&scopes("patient/ExplanationOfBenefit.r")));
        assert!(!granted.covers(&scopes("launch/patient")));
        assert!(!scopes("patient/Coverage.r").covers(&scopes("patient/Coverage.rs")));
        assert!(!Scopes::for_app(false).has_demographics());
        assert!(Scopes::default_for_app(true).contains(Scope::Profile));
    }
}
