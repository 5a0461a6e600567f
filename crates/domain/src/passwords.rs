//! The rules a new password must meet (developer and staff accounts), after NIST SP
//! 800-63B §5.1.1.2 and Django's validators that BB2 runs: length rather than composition,
//! no password from a list of commonly used ones, nothing close to the account's own
//! e-mail or name.
//!
//! - 12 to 128 characters, at least 4 different ones;
//! - not one of the 10,000 most common passwords (`data/common-passwords.txt`, from
//!   Django's list; see `data/common-passwords.LICENSE`), compared case-insensitively, also
//!   after stripping digits and symbols added at either end (`Password2024!`);
//! - not containing the e-mail address, its local part or a part of the name of 4 or more
//!   characters, and not similar (normalised edit distance ≥ 0.7 alike) to the local part
//!   or the name.
//!
//! Each refusal is a [`DomainError::Invalid`] on field `password` with a reason a person
//! can act on; the password itself never appears in it.

use crate::DomainError;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Minimum length in characters.
pub const MIN_CHARS: usize = 12;
/// Maximum length in characters (bounds hashing work).
pub const MAX_CHARS: usize = 128;
/// Similarity (0 to 1) at or above which a password is "too close" to a personal value.
const MAX_SIMILARITY: f64 = 0.7;

fn common() -> &'static HashSet<String> {
    static LIST: OnceLock<HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .map(|line| line.trim().to_lowercase())
            .filter(|line| !line.is_empty())
            .collect()
    })
}

/// Whether `password` is on the common list, as typed or with digits and symbols at
/// either end removed (when what is left has at least 4 characters).
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    if common().contains(&lower) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    core.chars().count() >= 4 && common().contains(core)
}

/// Checks a new password. `email` and `name` are the account's (either may be empty).
pub fn check(raw: &str, email: &str, name: &str) -> Result<(), DomainError> {
    let invalid = |reason: String| Err(DomainError::invalid("password", reason));
    let chars = raw.chars().count();
    if chars < MIN_CHARS {
        return invalid(format!("must be at least {MIN_CHARS} characters"));
    }
    if chars > MAX_CHARS {
        return invalid(format!("must be at most {MAX_CHARS} characters"));
    }
    let mut distinct: Vec<char> = raw.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return invalid("must use at least 4 different characters".into());
    }
    if is_common(raw) {
        return invalid(
            "is too common: it is on a list of passwords that attackers try first".into(),
        );
    }
    let lower = raw.to_lowercase();
    let email = email.trim().to_lowercase();
    if !email.is_empty() && lower.contains(&email) {
        return invalid("must not contain the e-mail address".into());
    }
    let local = email.split('@').next().unwrap_or("");
    for (what, value) in [("e-mail address", local), ("name", &name.to_lowercase())] {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let parts = std::iter::once(value).chain(value.split(|c: char| !c.is_alphanumeric()));
        for part in parts {
            if part.chars().count() >= 4 && lower.contains(part) {
                return invalid(format!("must not contain your {what}"));
            }
        }
        if similarity(&lower, value) >= MAX_SIMILARITY {
            return invalid(format!("is too similar to your {what}"));
        }
    }
    Ok(())
}

/// 1 − (edit distance / longer length): 1 for equal strings, 0 for nothing in common.
fn similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    // Lengths are at most a few hundred: exact in f64.
    #[allow(clippy::cast_precision_loss)]
    let ratio = previous[b.len()] as f64 / longest as f64;
    1.0 - ratio
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(raw: &str, email: &str, name: &str) -> String {
        match check(raw, email, name) {
            Err(DomainError::Invalid { field, reason }) => {
                assert_eq!(field, "password");
                assert!(!reason.contains(raw), "the reason repeats the password");
                reason
            }
            other => panic!("{raw:?} should be refused, got {other:?}"),
        }
    }

    #[test]
    fn length_bounds_and_variety() {
        assert!(refused("Sh0rt-pass!", "", "").contains("at least 12"));
        assert!(check("correct horse battery", "", "").is_ok());
        assert!(refused(&"ab1!".repeat(33), "", "").contains("at most 128"));
        assert!(refused("aaaaaaaaaaaaaaaa", "", "").contains("4 different"));
        assert!(refused("abababababab", "", "").contains("4 different"));
    }

    #[test]
    fn common_passwords_are_refused_in_any_case_and_with_padding() {
        // Entries of the shipped list that are 12 characters or longer.
        assert!(refused("q1w2e3r4t5y6", "", "").contains("too common"));
        assert!(refused("1QAZ2WSX3EDC", "", "").contains("too common"));
        // A short common word padded to length.
        assert!(refused("Password2024!!", "", "").contains("too common"));
        assert!(refused("!!!Sunshine12345", "", "").contains("too common"));
        assert!(is_common("dragon"));
        assert!(!is_common("correct horse battery"));
        assert_eq!(common().len(), 10_000);
    }

    #[test]
    fn personal_values_are_refused() {
        let email = "jane.doe@example.org";
        assert!(refused("xx-jane.doe@example.org-xx", email, "").contains("e-mail address"));
        assert!(refused("my-jane.doe-secret", email, "").contains("e-mail address"));
        assert!(refused("bluejanes-garden9", "x@example.org", "Jane Marple").contains("name"));
        assert!(refused("marplejane77!", "", "Jane Marple").contains("name"));
        assert!(refused("Chr1stopher-Lee", "christopher.lee@example.org", "").contains("similar"));
        // Short name parts do not block unrelated passwords.
        assert!(check("violet tea kettle", "al@example.org", "Al Li").is_ok());
    }

    #[test]
    fn similarity_is_normalised_edit_distance() {
        assert!((similarity("abcd", "abcd") - 1.0).abs() < 1e-9);
        assert!((similarity("abcd", "abce") - 0.75).abs() < 1e-9);
        assert!(similarity("kitten", "sitting") < 0.6);
        assert!((similarity("", "") - 1.0).abs() < 1e-9);
    }
}
