//! The naming rule (product.md C7; governance-standards.md §5 "Naming/branding rules":
//! BB2 accepts "Medicare" only): the data source must be called "Medicare". "Blue Button",
//! "CMS Blue Button" and "Medicare.gov" used as the name of the data source or of the app are
//! flagged with the sentence they are in.
//!
//! What is NOT flagged, because it does not name the data source:
//! - "Blue Button 2.0 API" / "Blue Button API" / "Blue Button application programming
//!   interface": the name of the interface, as in BB2's required attribution notice ("This
//!   application uses the Blue Button 2.0 API …") or a technical description of how the data
//!   travels; the data itself is still called Medicare data;
//! - Medicare.gov as a web address or a place for another purpose ("visit www.medicare.gov to
//!   learn about your benefits", "manage connected apps on Medicare.gov", "log in with your
//!   Medicare.gov account") — unless the same mention calls it the data's origin ("claims
//!   from Medicare.gov", "powered by Medicare.gov data", "Medicare.gov records").

use crate::report::NamingHit;
use crate::text::Document;

/// Nouns that make "Medicare.gov …" a data-source name when they follow it.
const DATA_NOUNS: [&str; 9] = [
    "data",
    "claims",
    "records",
    "record",
    "information",
    "health",
    "files",
    "feed",
    "database",
];

/// Words before "Medicare.gov" that make it the data's origin.
const SOURCE_LEADS: [&str; 10] = [
    "powered by",
    "provided by",
    "supplied by",
    "sourced from",
    "imported from",
    "pulled from",
    "downloaded from",
    "retrieved from",
    "comes from",
    "come from",
];

/// Words after "Blue Button [2.0]" that make it the interface's name.
const API_NAMES: [&str; 3] = ["api", "apis", "application programming interface"];

/// One match of a term in the text (byte offsets).
struct Mention {
    term: &'static str,
    start: usize,
    end: usize,
}

fn find_mentions(text: &str) -> Vec<Mention> {
    // ASCII case folding keeps every byte offset (the terms are ASCII).
    let hay = text.to_ascii_lowercase();
    let mut out: Vec<Mention> = Vec::new();
    let patterns: [(&str, &'static str); 5] = [
        ("cms blue button", "CMS Blue Button"),
        ("blue button", "Blue Button"),
        ("bluebutton", "Blue Button"),
        ("blue-button", "Blue Button"),
        ("medicare.gov", "Medicare.gov"),
    ];
    for (pat, term) in patterns {
        let mut from = 0;
        while let Some(i) = hay[from..].find(pat) {
            let start = from + i;
            let end = start + pat.len();
            from = end;
            let word_before = hay[..start]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            let word_after = hay[end..].chars().next().is_some_and(char::is_alphanumeric);
            if word_before || word_after {
                continue;
            }
            if out.iter().any(|m| m.start < end && start < m.end) {
                continue; // "Blue Button" inside an already found "CMS Blue Button"
            }
            out.push(Mention { term, start, end });
        }
    }
    out.sort_by_key(|m| m.start);
    out
}

/// The words after a byte offset, lower case, punctuation dropped (up to `n`).
fn words_after(lower: &str, from: usize, n: usize) -> Vec<String> {
    lower[from..]
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '"' | '“' | '”')
        })
        .filter(|w| !w.is_empty())
        .take(n)
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

fn is_api_name(lower: &str, end: usize) -> bool {
    let after = words_after(lower, end, 5);
    let rest: Vec<&str> = after
        .iter()
        .map(String::as_str)
        .skip_while(|w| matches!(*w, "2.0" | "2" | "v2" | "version"))
        .collect();
    let joined = rest.join(" ");
    API_NAMES
        .iter()
        .any(|api| joined == *api || joined.starts_with(&format!("{api} ")))
}

fn is_address_use(lower: &str, start: usize, end: usize) -> bool {
    let after = words_after(lower, end, 2);
    // "Medicare.gov's data", "Medicare.gov data", "Medicare.gov health records"
    let first = after
        .first()
        .map(|w| w.trim_end_matches("'s").trim_end_matches("’s"));
    let names_data = lower[end..].starts_with("'s")
        || lower[end..].starts_with("’s")
        || first.is_some_and(|w| DATA_NOUNS.contains(&w));
    let lead_from = start.saturating_sub(40);
    let lead_from = (lead_from..=start)
        .find(|&i| lower.is_char_boundary(i))
        .unwrap_or(start);
    let before = lower[lead_from..start]
        .trim_end_matches("https://www.")
        .trim_end_matches("http://www.")
        .trim_end_matches("https://")
        .trim_end_matches("http://")
        .trim_end_matches("www.")
        .trim_end();
    let sourced = SOURCE_LEADS.iter().any(|l| before.ends_with(l))
        || [
            "data from",
            "claims from",
            "records from",
            "information from",
            "data via",
            "claims via",
            "records via",
            "data through",
            "claims through",
        ]
        .iter()
        .any(|l| before.ends_with(l));
    !(names_data || sourced)
}

/// Flags the naming-rule violations of a document, one hit per offending mention, each with
/// the sentence unit around it (or the mention itself if it is outside every sentence).
pub fn check(doc: &Document) -> Vec<NamingHit> {
    let text = doc.text();
    let lower = text.to_ascii_lowercase();
    let mut hits = Vec::new();
    for m in find_mentions(text) {
        let allowed = match m.term {
            "Medicare.gov" => is_address_use(&lower, m.start, m.end),
            _ => is_api_name(&lower, m.end),
        };
        if allowed {
            continue;
        }
        let (cs, ce) = (doc.char_of(m.start), doc.char_of(m.end));
        let (start, end) = doc
            .sentence_at(cs)
            .map_or((cs, ce), |s| (s.start, s.end.max(ce)));
        hits.push(NamingHit {
            term: m.term.to_owned(),
            text: doc.slice(start, end).to_owned(),
            start,
            end,
        });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flagged(text: &str) -> Vec<(String, String)> {
        let doc = Document::new(text);
        check(&doc)
            .into_iter()
            .map(|h| {
                assert_eq!(doc.slice(h.start, h.end), h.text);
                (h.term, h.text)
            })
            .collect()
    }

    #[test]
    fn data_source_names_are_flagged() {
        for (text, term) in [
            (
                "Download your records with our Blue Button app.",
                "Blue Button",
            ),
            (
                "Blue Button gives you your claims in one place.",
                "Blue Button",
            ),
            ("This app is powered by Medicare.gov data.", "Medicare.gov"),
            (
                "We import your claims from Medicare.gov every night.",
                "Medicare.gov",
            ),
            (
                "Your Medicare.gov records appear on the dashboard.",
                "Medicare.gov",
            ),
            (
                "We receive your data from CMS Blue Button.",
                "CMS Blue Button",
            ),
            ("Your BlueButton data stays on your phone.", "Blue Button"),
            (
                "Connect to Blue Button 2.0 to see your claims.",
                "Blue Button",
            ),
            (
                "It is powered by https://www.medicare.gov data feeds.",
                "Medicare.gov",
            ),
        ] {
            let hits = flagged(text);
            assert_eq!(hits.len(), 1, "{text}: {hits:?}");
            assert_eq!(hits[0].0, term, "{text}");
            assert_eq!(hits[0].1, text);
        }
    }

    #[test]
    fn other_uses_are_not_flagged() {
        for text in [
            "Visit https://www.medicare.gov to learn about your benefits.",
            "You can see the apps you connected on Medicare.gov and disconnect them there.",
            "Log in with your Medicare.gov account; we never see your password.",
            "This application uses the Blue Button 2.0 API but is not endorsed by CMS.",
            "We retrieve your Medicare claims through the CMS Blue Button API.",
            "The Blue Button application programming interface sends us your Medicare data.",
            "Call 1-800-MEDICARE or go to www.medicare.gov/contacts for help.",
            "Your Medicare claims data comes from the Centers for Medicare & Medicaid Services.",
            "We mention bluebuttonx and medicare.govt only as unrelated words.",
        ] {
            assert_eq!(flagged(text), Vec::<(String, String)>::new(), "{text}");
        }
    }

    #[test]
    fn the_hit_cites_its_whole_sentence_in_a_longer_text() {
        let text = "Privacy Policy\n\nWe respect your privacy. Our Blue Button app shows \
            your claims. Visit medicare.gov for more.";
        let doc = Document::new(text);
        let hits = check(&doc);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].text, "Our Blue Button app shows your claims.");
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(
            chars[hits[0].start..hits[0].end].iter().collect::<String>(),
            hits[0].text
        );
    }
}
