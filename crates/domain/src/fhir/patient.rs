//! Patient (`C4BB-Patient`) from a beneficiary's records, as BFD's
//! `BeneficiaryTransformerV2` renders it (with `addHistoricalMbiExtensions = true`, which
//! `R4PatientResourceProvider` passes on read and on both searches).
//!
//! **Which record.** BFD keeps one `beneficiaries` row per beneficiary: each reference-year
//! RIF record (loaded in year order) overwrites it, and only the monthly columns survive per
//! year in `beneficiary_monthly`. Our store keeps one record per (beneficiary, year), so the
//! row BFD would hold is the record of the latest `rfrnc_yr` ([`current`]). Patient reads only
//! that record (its `rfrnc_yr` and its twelve `dual_NN` codes); Coverage Part D also reads the
//! monthly contract ids of every year (see `coverage.rs`).
//!
//! **Element rules** (mirroring BFD):
//! - `extension`: `us-core-sex` for sex `1`/`2` only; `bb:race` and the US Core race
//!   extension (always `UNK`, BFD maps every race to Unknown) when the race code is present;
//!   `bb:rfrnc_yr` and the present `bb:dual_NN` codes.
//! - `identifier`: the current MBI (`current`, with `period` from `efctv_bgn_dt`/`efctv_end_dt`
//!   when either is known), every distinct history MBI other than the current one
//!   (`historic`), and `bb:bene_id` (type `MB`). BFD's order is the bene_id first, then a
//!   `HashSet`'s order; its approved responses sort identifiers by system, value and currency
//!   code, and so do we (so MBIs come first, by value, and the bene_id last), which is
//!   deterministic and equal to the fixtures.
//! - `deceasedDateTime` with the death date, else `deceasedBoolean: false`.
//! - `address`: state (`state_code`) and postal code (`bene_zip_cd`); with BFD's
//!   `IncludeAddressFields: true` also the derived mailing lines (absent ones skipped) and
//!   city. BB2 always sends `False`.
//! - `IncludeIdentifiers` changes nothing in v2 (BFD stopped returning HICNs and hashes in
//!   v2); its approved `…WithIncludeIdentifiers` responses differ from the plain ones only
//!   by the address lines, because BFD's test also sends `IncludeAddressFields: true`.
//!
//! **Hashes.** Searches by `…/identifier/mbi-hash` and `…/identifier/hicn-hash` compare with
//! BFD's `IdHasher` (`bfd-pipeline-shared-utils`): PBKDF2-HMAC-SHA256 of the identifier text,
//! salted with a secret "pepper", 256-bit key, lower-case hex. [`identifier_hash`] computes
//! it with the pepper and iteration count BFD's tests configure.

use super::RenderContext;
use super::common::{ccw_url, date, ext_ccw_coding, instant};
use super::coverage::monthly;
use bb_claims::model::{Beneficiary, BeneficiaryHistory};
use bb_fhir::json::{Arr, Obj};

/// Profile URL of the C4BB Patient profile.
pub const C4BB_PATIENT: &str = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Patient";

/// `TransformerConstants.US_CORE_SEX_URL`.
const US_CORE_SEX: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex";
/// `TransformerConstants.CODING_RACE_US`.
const US_CORE_RACE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
/// `TransformerConstants.CODING_SYSTEM_HL7_IDENTIFIER_TYPE`.
const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// `TransformerConstants.CODING_BBAPI_MEDICARE_BENEFICIARY_ID_UNHASHED`.
const US_MBI: &str = "http://hl7.org/fhir/sid/us-mbi";
/// `TransformerConstants.CODING_BBAPI_IDENTIFIER_CURRENCY` (URL and system).
const IDENTIFIER_CURRENCY: &str =
    "https://bluebutton.cms.gov/resources/codesystem/identifier-currency";
/// `RaceCategory.UNKNOWN`'s system.
const NULL_FLAVOR: &str = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor";

/// The pepper BFD's tests hash HICNs and MBIs with: `CcwRifLoadTestUtils.HICN_HASH_PEPPER`
/// (`apps/bfd-pipeline/bfd-pipeline-ccw-rif/src/main/java/gov/cms/bfd/pipeline/ccw/rif/load/
/// CcwRifLoadTestUtils.java`: `"nottherealpepper".getBytes(UTF_8)`). The hicn-hash in the
/// self link of `patientByIdentifier.json` is computed with it. Production peppers are
/// secrets and never appear here.
pub const BFD_TEST_HASH_PEPPER: &[u8] = b"nottherealpepper";

/// The iteration count BFD's tests use: `CcwRifLoadTestUtils.HICN_HASH_ITERATIONS`.
pub const BFD_TEST_HASH_ITERATIONS: u32 = 2;

/// The record BFD's `beneficiaries` row would hold: the one of the latest reference year
/// (the last one when years tie). `None` when there is no record.
pub fn current(years: &[Beneficiary]) -> Option<&Beneficiary> {
    years
        .iter()
        .fold(None, |best: Option<&Beneficiary>, b| match best {
            Some(x) if year_of(x) > year_of(b) => Some(x),
            _ => Some(b),
        })
}

/// The reference year of a record as an integer (`rfrnc_yr` is a CCW number).
pub(crate) fn year_of(b: &Beneficiary) -> i64 {
    let mut units = b.rfrnc_yr.units;
    for _ in 0..b.rfrnc_yr.scale {
        units /= 10;
    }
    units
}

/// Renders the Patient of `current` (the beneficiary's latest reference-year record, see
/// [`current`]); `history` gives earlier MBIs.
pub fn render(
    current: &Beneficiary,
    history: &[BeneficiaryHistory],
    ctx: &RenderContext,
    out: &mut Vec<u8>,
) {
    let bene_id = current.bene_id.to_string();
    bb_fhir::json::object(out, |o| {
        o.str("resourceType", "Patient").str("id", &bene_id);
        o.obj("meta", |m| {
            m.str("lastUpdated", &instant(ctx.last_updated));
            m.arr("profile", |a| {
                a.str(C4BB_PATIENT);
            });
        });
        o.arr("extension", |a| extensions(a, current));
        o.arr("identifier", |a| identifiers(a, current, history, &bene_id));
        o.arr("name", |a| {
            a.obj(|n| {
                n.str("use", "usual");
                if !current.bene_srnm_name.is_empty() {
                    n.str("family", &current.bene_srnm_name);
                }
                n.arr("given", |g| {
                    if !current.bene_gvn_name.is_empty() {
                        g.str(&current.bene_gvn_name);
                    }
                    if let Some(mi) = current.bene_mdl_name {
                        g.str(mi.encode_utf8(&mut [0; 4]));
                    }
                });
            });
        });
        o.str(
            "gender",
            match current.bene_sex_ident_cd {
                '1' => "male",
                '2' => "female",
                _ => "unknown",
            },
        );
        o.str("birthDate", &date(current.bene_birth_dt));
        match current.death_dt {
            Some(d) => o.str("deceasedDateTime", &date(d)),
            None => o.bool("deceasedBoolean", false),
        };
        o.arr("address", |a| {
            a.obj(|ad| address(ad, current, ctx.include_address_fields));
        });
    });
}

fn extensions(a: &mut Arr<'_>, b: &Beneficiary) {
    let sex = match b.bene_sex_ident_cd {
        '1' => Some("248153007"),
        '2' => Some("248152002"),
        // US Core sex has no "unknown".
        _ => None,
    };
    if let Some(code) = sex {
        a.obj(|e| {
            e.str("url", US_CORE_SEX).str("valueCode", code);
        });
    }
    if let Some(race) = b.bene_race_cd {
        ext_ccw_coding(a, "race", race.encode_utf8(&mut [0; 4]));
        a.obj(|e| {
            e.str("url", US_CORE_RACE);
            e.arr("extension", |x| {
                x.obj(|c| {
                    c.str("url", "ombCategory");
                    c.obj("valueCoding", |v| {
                        v.str("system", NULL_FLAVOR)
                            .str("code", "UNK")
                            .str("display", "Unknown");
                    });
                });
                x.obj(|t| {
                    t.str("url", "text").str("valueString", "Unknown");
                });
            });
        });
    }
    // BFD: only with a reference year (always present in our model).
    a.obj(|e| {
        e.str("url", &ccw_url("rfrnc_yr"))
            .str("valueDate", &format!("{:04}", year_of(b)));
    });
    for (i, code) in monthly::dual(b).iter().enumerate() {
        if let Some(code) = code {
            ext_ccw_coding(a, &format!("dual_{:02}", i + 1), code);
        }
    }
}

/// One `identifier` element before sorting.
struct Mbi<'a> {
    value: &'a str,
    current: bool,
}

fn identifiers(a: &mut Arr<'_>, b: &Beneficiary, history: &[BeneficiaryHistory], bene_id: &str) {
    let current_mbi = b.mbi_num.as_ref().map(|m| m.as_str());
    let mut mbis: Vec<Mbi<'_>> = Vec::with_capacity(history.len() + 1);
    if let Some(value) = current_mbi {
        mbis.push(Mbi {
            value,
            current: true,
        });
    }
    for h in history {
        if let Some(m) = &h.mbi_num {
            let value = m.as_str();
            if Some(value) != current_mbi && !mbis.iter().any(|x| x.value == value) {
                mbis.push(Mbi {
                    value,
                    current: false,
                });
            }
        }
    }
    // Sorted as BFD's approved responses are: by value, then currency code ("current" <
    // "historic"); all share the us-mbi system, which sorts before the bene_id's.
    mbis.sort_by(|x, y| x.value.cmp(y.value).then(y.current.cmp(&x.current)));
    for m in &mbis {
        a.obj(|i| {
            i.obj("type", |t| {
                t.arr("coding", |c| {
                    c.obj(|c| {
                        c.arr("extension", |x| {
                            x.obj(|e| {
                                e.str("url", IDENTIFIER_CURRENCY);
                                e.obj("valueCoding", |v| {
                                    v.str("system", IDENTIFIER_CURRENCY);
                                    if m.current {
                                        v.str("code", "current").str("display", "Current");
                                    } else {
                                        v.str("code", "historic").str("display", "Historic");
                                    }
                                });
                            });
                        });
                        c.str("system", V2_0203)
                            .str("code", "MC")
                            .str("display", "Patient's Medicare number");
                    });
                });
            });
            i.str("system", US_MBI).str("value", m.value);
            if m.current {
                i.obj("period", |p| {
                    if let Some(start) = b.efctv_bgn_dt {
                        p.str("start", &date(start));
                    }
                    if let Some(end) = b.efctv_end_dt {
                        p.str("end", &date(end));
                    }
                });
            }
        });
    }
    a.obj(|i| {
        i.obj("type", |t| {
            t.arr("coding", |c| {
                c.obj(|c| {
                    c.str("system", V2_0203)
                        .str("code", "MB")
                        .str("display", "Member Number");
                });
            });
        });
        i.str("system", &ccw_url("bene_id")).str("value", bene_id);
    });
}

fn address(ad: &mut Obj<'_>, b: &Beneficiary, include_address_fields: bool) {
    if include_address_fields {
        ad.arr("line", |l| {
            for line in [
                &b.drvd_line_1_adr,
                &b.drvd_line_2_adr,
                &b.drvd_line_3_adr,
                &b.drvd_line_4_adr,
                &b.drvd_line_5_adr,
                &b.drvd_line_6_adr,
            ]
            .into_iter()
            .flatten()
            {
                if !line.is_empty() {
                    l.str(line);
                }
            }
        });
        if let Some(city) = b.city_name.as_deref().filter(|c| !c.is_empty()) {
            ad.str("city", city);
        }
    }
    if !b.state_code.is_empty() {
        ad.str("state", &b.state_code);
    }
    if !b.bene_zip_cd.is_empty() {
        ad.str("postalCode", &b.bene_zip_cd);
    }
}

/// BFD's `IdHasher.computeIdentifierHash` with the test pepper and iterations: the value of
/// an `…/identifier/hicn-hash` (of `bene_crnt_hic_num`) or `…/identifier/mbi-hash` (of the
/// MBI) search parameter.
pub fn identifier_hash(identifier: &str) -> String {
    pbkdf2_hmac_sha256(
        identifier.as_bytes(),
        BFD_TEST_HASH_PEPPER,
        BFD_TEST_HASH_ITERATIONS,
    )
}

/// PBKDF2 (RFC 8018) with HMAC-SHA256 and a 32-byte key, as lower-case hex (RustCrypto's
/// `pbkdf2`; no home-made cryptography).
fn pbkdf2_hmac_sha256(password: &[u8], salt: &[u8], iterations: u32) -> String {
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations.max(1), &mut key);
    hex::encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_like_bfds_id_hasher() {
        // From the hicn-hash in the self link of BFD's approved patientByIdentifier.json.
        assert_eq!(
            identifier_hash("543217066U"),
            "99f6cc85e95c4b2cec5382600478482cceadb7534d4c3f0a4f2e55d33428c169"
        );
        // RFC 7914 §11 PBKDF2-HMAC-SHA256 vector (first 32 bytes).
        assert_eq!(
            pbkdf2_hmac_sha256(b"passwd", b"salt", 1),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
    }
}
