//! Coverage (`C4BB-Coverage`), one per Medicare part, as BFD's `CoverageTransformerV2`
//! renders it: ids `part-a-<bene_id>` … `part-d-<bene_id>`.

use super::RenderContext;
use super::common::instant;
use bb_claims::model::Beneficiary;

/// Profile URL of the C4BB Coverage profile.
pub const C4BB_COVERAGE: &str = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Coverage";

/// A Medicare part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// Part A (hospital).
    A,
    /// Part B (medical).
    B,
    /// Part C (Medicare Advantage).
    C,
    /// Part D (drugs).
    D,
}

impl Part {
    /// Every part, in id order.
    pub const ALL: [Part; 4] = [Part::A, Part::B, Part::C, Part::D];

    /// `a`, `b`, `c` or `d`.
    pub fn letter(self) -> char {
        match self {
            Self::A => 'a',
            Self::B => 'b',
            Self::C => 'c',
            Self::D => 'd',
        }
    }

    /// The Coverage id of this part for a beneficiary: `part-a-567834`, `part-a--1000`.
    pub fn coverage_id(self, bene_id: i64) -> String {
        format!("part-{}-{bene_id}", self.letter())
    }

    /// The part of a Coverage id, with the beneficiary id (`part-a-567834` → (A, 567834)).
    pub fn parse_id(id: &str) -> Option<(Part, i64)> {
        let rest = id.strip_prefix("part-")?;
        let (letter, bene) = rest.split_once('-')?;
        let part = match letter {
            "a" => Self::A,
            "b" => Self::B,
            "c" => Self::C,
            "d" => Self::D,
            _ => return None,
        };
        Some((part, bene.parse().ok()?))
    }
}

/// Renders the Coverage of `part` for the beneficiary record `bene`.
pub fn render(part: Part, bene: &Beneficiary, ctx: &RenderContext, out: &mut Vec<u8>) {
    bb_fhir::json::object(out, |o| {
        o.str("resourceType", "Coverage")
            .str("id", &part.coverage_id(bene.bene_id));
        o.obj("meta", |m| {
            m.str("lastUpdated", &instant(ctx.last_updated));
            m.arr("profile", |a| {
                a.str(C4BB_COVERAGE);
            });
        });
    });
}
