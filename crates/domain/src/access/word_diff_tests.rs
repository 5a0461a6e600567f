//! Tests of the word diff: insertions, deletions, replacements, unchanged and empty texts,
//! punctuation and whitespace; a seeded property test (no extra crate: a fixed linear
//! congruential generator) that the diff rebuilds both texts and keeps as many tokens as
//! a longest common subsequence computed by dynamic programming; a 20-page policy against
//! an edited copy.

use super::*;

fn ops(d: &WordDiff) -> Vec<(DiffOp, &str)> {
    d.segments.iter().map(|s| (s.op, s.text.as_str())).collect()
}

#[test]
fn an_insertion() {
    let d = word_diff("We never sell data.", "We never sell your data.");
    assert_eq!(
        ops(&d),
        [
            (DiffOp::Equal, "We never sell"),
            (DiffOp::Insert, " your"),
            (DiffOp::Equal, " data."),
        ]
    );
    assert_eq!((d.inserted, d.deleted, d.unchanged), (1, 0, 5));
}

#[test]
fn a_deletion() {
    let d = word_diff("We keep data for ten years.", "We keep data.");
    assert_eq!(
        ops(&d),
        [
            (DiffOp::Equal, "We keep data"),
            (DiffOp::Delete, " for ten years"),
            (DiffOp::Equal, "."),
        ]
    );
    assert_eq!((d.inserted, d.deleted), (0, 3));
}

#[test]
fn a_replacement_shows_the_deletion_then_the_insertion() {
    let d = word_diff(
        "We may sell your data to partners.",
        "We never sell your data to anyone.",
    );
    assert_eq!(
        ops(&d),
        [
            (DiffOp::Equal, "We"),
            (DiffOp::Delete, " may"),
            (DiffOp::Insert, " never"),
            (DiffOp::Equal, " sell your data to"),
            (DiffOp::Delete, " partners"),
            (DiffOp::Insert, " anyone"),
            (DiffOp::Equal, "."),
        ]
    );
}

#[test]
fn unchanged_text_and_reflowed_lines_are_one_equal_segment() {
    let text = "Privacy Policy\n\nWe collect your name.";
    let d = word_diff(text, text);
    assert!(d.is_unchanged());
    assert_eq!(ops(&d), [(DiffOp::Equal, text)]);
    // A PDF that wraps lines differently is not a change.
    let d = word_diff(
        "We collect your\nname and e-mail.",
        "We collect your name   and\te-mail.",
    );
    assert!(d.is_unchanged(), "{d:?}");
}

#[test]
fn empty_texts() {
    let d = word_diff("", "");
    assert!(d.segments.is_empty());
    assert!(d.is_unchanged());
    let d = word_diff("", "New policy.");
    assert_eq!(ops(&d), [(DiffOp::Insert, "New policy.")]);
    let d = word_diff("Old policy.", "  \n ");
    assert_eq!(ops(&d), [(DiffOp::Delete, "Old policy.")]);
    assert_eq!(d.deleted, 3);
}

#[test]
fn punctuation_is_its_own_token_and_words_keep_inner_joiners() {
    let d = word_diff("Don't opt-in; we share.", "Don't opt-in, we share!");
    assert_eq!(
        ops(&d),
        [
            (DiffOp::Equal, "Don't opt-in"),
            (DiffOp::Delete, ";"),
            (DiffOp::Insert, ","),
            (DiffOp::Equal, " we share"),
            (DiffOp::Delete, "."),
            (DiffOp::Insert, "!"),
        ]
    );
    let tokens: Vec<&str> = tokenize("Version 3.5 costs $1,000 (e.g. fees).")
        .iter()
        .map(|t| t.text)
        .collect();
    assert_eq!(
        tokens,
        [
            "Version", "3.5", "costs", "$", "1,000", "(", "e.g", ".", "fees", ")", "."
        ]
    );
}

#[test]
fn paragraph_breaks_survive_in_the_segments() {
    let d = word_diff("A.\n\nB.", "A.\n\nC.");
    assert_eq!(d.old_text(), "A.\n\nB.");
    assert_eq!(d.new_text(), "A.\n\nC.");
}

/// A fixed generator: the same sequence on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> usize {
        usize::try_from(self.next() % n).unwrap()
    }
}

const WORDS: [&str; 8] = ["we", "share", "data", "never", "sell", ".", ",", "you"];

fn random_text(rng: &mut Lcg, len: usize) -> String {
    let mut s = String::new();
    for i in 0..len {
        if i > 0 {
            s.push_str([" ", "\n", " ", "\n\n"][rng.below(4)]);
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64)]);
    }
    s
}

fn lcs(a: &[&str], b: &[&str]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diag = 0;
        for (j, y) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if x == y { diag + 1 } else { up.max(row[j]) };
            diag = up;
        }
    }
    row[b.len()]
}

/// A text as the diff lays it out (one space, one line break or one paragraph break).
fn laid_out(text: &str) -> String {
    tokenize(text)
        .iter()
        .map(|t| format!("{}{}", t.lead, t.text))
        .collect()
}

/// The tokens of a text (whitespace is presentation: equal tokens carry the new text's).
fn normalised(text: &str) -> Vec<&str> {
    tokenize(text).iter().map(|t| t.text).collect()
}

#[test]
fn property_the_diff_rebuilds_both_texts_and_is_minimal() {
    let mut rng = Lcg(0x5eed);
    for case in 0..400 {
        let len = rng.below(40);
        let old = random_text(&mut rng, len);
        // The new text: the old one edited, or unrelated.
        let new = if case % 5 == 0 {
            let len = rng.below(40);
            random_text(&mut rng, len)
        } else {
            let mut words: Vec<String> = old.split_whitespace().map(str::to_owned).collect();
            for _ in 0..rng.below(6) {
                let at = rng.below(words.len() as u64 + 1);
                match rng.below(3) {
                    0 => words.insert(at, WORDS[rng.below(8)].to_owned()),
                    1 if at < words.len() => {
                        words.remove(at);
                    }
                    _ if at < words.len() => words[at] = WORDS[rng.below(8)].to_owned(),
                    _ => {}
                }
            }
            words.join(" ")
        };
        let d = word_diff(&old, &new);
        assert_eq!(
            normalised(&d.old_text()),
            normalised(&old),
            "case {case}: {old:?} → {new:?}"
        );
        assert_eq!(
            d.new_text(),
            laid_out(&new),
            "case {case}: the new side exactly"
        );
        let a: Vec<&str> = tokenize(&old).iter().map(|t| t.text).collect();
        let b: Vec<&str> = tokenize(&new).iter().map(|t| t.text).collect();
        assert_eq!(d.unchanged, lcs(&a, &b), "case {case}: {old:?} → {new:?}");
        assert_eq!(d.unchanged + d.deleted, a.len());
        assert_eq!(d.unchanged + d.inserted, b.len());
        for pair in d.segments.windows(2) {
            assert_ne!(pair[0].op, pair[1].op, "segments are merged");
        }
    }
}

/// The 20-page policy of the policy crate's benchmarks: the sample repeated 11 times
/// (~10,200 words).
fn twenty_pages() -> String {
    let sample = include_str!("../../../policy/tests/fixtures/sample-policy.txt");
    let mut text = String::new();
    for i in 0..11 {
        text.push_str(&format!("Section {i}\n\n"));
        text.push_str(sample);
        text.push_str("\n\n");
    }
    text
}

/// The same policy with a word changed in every 40th line and a paragraph added.
fn edited(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i % 40 == 7 {
            out.push_str(&line.replacen(' ', " revised ", 1));
        } else {
            out.push_str(line);
        }
        out.push('\n');
        if i == 300 {
            out.push_str("\nWe will tell you by e-mail 30 days before any change.\n");
        }
    }
    out
}

#[test]
fn twenty_pages_against_an_edited_copy() {
    let old = twenty_pages();
    let new = edited(&old);
    let d = word_diff(&old, &new);
    assert_eq!(normalised(&d.old_text()), normalised(&old));
    assert_eq!(d.new_text(), laid_out(&new));
    assert!(d.unchanged > 10_000, "{}", d.unchanged);
    assert!(d.deleted == 0, "only insertions were made: {}", d.deleted);
    assert!(d.inserted > 10 && d.inserted < 200, "{}", d.inserted);
    // A complete rewrite stays bounded and correct.
    let rewrite: String = old.split_whitespace().rev().collect::<Vec<_>>().join(" ");
    let d = word_diff(&old, &rewrite);
    assert_eq!(normalised(&d.old_text()), normalised(&old));
    assert_eq!(d.new_text(), laid_out(&rewrite));
}

/// The figure in the design notes: `cargo test -p bb-domain --release word_diff_timing --
/// --ignored --nocapture`.
#[test]
#[ignore = "timing, run by hand"]
fn word_diff_timing() {
    let old = twenty_pages();
    let new = edited(&old);
    let rewrite: String = old.split_whitespace().rev().collect::<Vec<_>>().join(" ");
    for (name, other) in [("edited", &new), ("rewritten", &rewrite)] {
        let mut times = Vec::new();
        for _ in 0..9 {
            let start = std::time::Instant::now();
            let d = word_diff(&old, other);
            times.push(start.elapsed());
            std::hint::black_box(&d);
        }
        times.sort();
        println!("20 pages vs 20 pages, {name}: median {:?}", times[4]);
    }
}
