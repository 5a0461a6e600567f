//! Readability: the seven formulas with the coefficients of
//! `shared/reference/governance-standards.md` §3, their grade range and the hardest
//! sentences. Advisory only: nothing in the engine gates on these numbers.
//!
//! Counting follows textstat 0.7.13, the cross-check oracle (so that a reviewer can
//! reproduce a number): syllables from CMUdict's first pronunciation (rule-based for unknown
//! words); Gunning Fog's complex words are words of 3+ syllables not on the Dale–Chall list;
//! Dale–Chall's difficult words are words not on the list (inflections not folded); ARI
//! counts every non-space character. One deliberate difference: Coleman–Liau uses the
//! reference's 0.0588 (textstat has 0.058). Sentences are our own units (`text.rs`): headings
//! and list items count as sentences.

use crate::report::{Passage, Readability};
use crate::syllables;
use crate::text::{Document, WordKind, words};

/// The raw counts behind the formulas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// W.
    pub words: usize,
    /// S.
    pub sentences: usize,
    /// Y.
    pub syllables: usize,
    /// P: words of 3+ syllables (SMOG).
    pub polysyllables: usize,
    /// Words of 3+ syllables not on the Dale–Chall list (Gunning Fog).
    pub complex: usize,
    /// Words not on the Dale–Chall list (Dale–Chall).
    pub difficult: usize,
    /// Letters and digits (Coleman–Liau).
    pub letters: usize,
    /// Non-space characters (ARI).
    pub chars: usize,
}

impl Counts {
    /// Adds one sentence's text.
    pub fn add_sentence(&mut self, sentence: &str) {
        self.sentences += 1;
        for w in words(sentence) {
            let token = &sentence[w.start..w.end];
            self.words += 1;
            self.chars += w.chars;
            self.letters += token.chars().filter(|c| c.is_alphanumeric()).count();
            let syll = match w.kind {
                WordKind::Word => syllables::count(token),
                WordKind::Number => 1,
                WordKind::Address => token
                    .split(|c: char| !c.is_alphabetic())
                    .filter(|p| !p.is_empty())
                    .map(syllables::count)
                    .sum::<usize>()
                    .max(1),
            };
            self.syllables += syll;
            let easy = w.kind == WordKind::Word && syllables::is_easy(token);
            if syll >= 3 {
                self.polysyllables += 1;
                if !easy {
                    self.complex += 1;
                }
            }
            if !easy {
                self.difficult += 1;
            }
        }
    }

    /// Counts of a whole document (every sentence unit).
    pub fn of_document(doc: &Document) -> Self {
        let mut c = Counts::default();
        for s in &doc.sentences {
            c.add_sentence(doc.slice(s.start, s.end));
        }
        c
    }
}

/// The seven scores, unrounded.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Scores {
    /// Flesch Reading Ease.
    pub flesch_reading_ease: f64,
    /// Flesch–Kincaid grade.
    pub flesch_kincaid_grade: f64,
    /// SMOG.
    pub smog: f64,
    /// Gunning Fog.
    pub gunning_fog: f64,
    /// Coleman–Liau.
    pub coleman_liau: f64,
    /// New Dale–Chall raw score.
    pub dale_chall: f64,
    /// Automated Readability Index.
    pub ari: f64,
}

impl Scores {
    /// The formulas (all zero for a text without words or sentences).
    pub fn from_counts(c: &Counts) -> Self {
        if c.words == 0 || c.sentences == 0 {
            return Scores::default();
        }
        let w = c.words as f64;
        let s = c.sentences as f64;
        let y = c.syllables as f64;
        let wps = w / s;
        let spw = y / w;
        let l = 100.0 * c.letters as f64 / w;
        let sh = 100.0 * s / w;
        let d = 100.0 * c.difficult as f64 / w;
        let mut dale_chall = 0.1579 * d + 0.0496 * wps;
        if d > 5.0 {
            dale_chall += 3.6365;
        }
        Scores {
            flesch_reading_ease: 206.835 - 1.015 * wps - 84.6 * spw,
            flesch_kincaid_grade: 0.39 * wps + 11.8 * spw - 15.59,
            smog: 1.0430 * (c.polysyllables as f64 * 30.0 / s).sqrt() + 3.1291,
            gunning_fog: 0.4 * (wps + 100.0 * c.complex as f64 / w),
            coleman_liau: 0.0588 * l - 0.296 * sh - 15.8,
            dale_chall,
            ari: 4.71 * c.chars as f64 / w + 0.5 * wps - 21.43,
        }
    }

    /// The six grade-level scores (all but Flesch Reading Ease).
    pub fn grades(&self) -> [f64; 6] {
        [
            self.flesch_kincaid_grade,
            self.smog,
            self.gunning_fog,
            self.coleman_liau,
            self.dale_chall,
            self.ari,
        ]
    }

    /// The grade of one passage: mean of Flesch–Kincaid, Fog, Coleman–Liau and ARI (SMOG and
    /// Dale–Chall are meant for samples of many sentences).
    pub fn passage_grade(&self) -> f64 {
        (self.flesch_kincaid_grade + self.gunning_fog + self.coleman_liau + self.ari) / 4.0
    }
}

/// Sentences shorter than this are not candidates for the hardest passages.
const MIN_PASSAGE_WORDS: usize = 8;

fn round2(x: f64) -> f64 {
    if x.is_finite() {
        (x * 100.0).round() / 100.0
    } else {
        0.0
    }
}

/// The readability block of a document, with its word and sentence counts.
pub fn assess(doc: &Document) -> (Readability, Counts) {
    let counts = Counts::of_document(doc);
    let scores = Scores::from_counts(&counts);
    let grades = scores.grades();
    let (lo, hi) = if counts.words == 0 {
        (0.0, 0.0)
    } else {
        grades
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &g| {
                (lo.min(g), hi.max(g))
            })
    };
    let mut passages: Vec<Passage> = doc
        .sentences
        .iter()
        .filter_map(|s| {
            let text = doc.slice(s.start, s.end);
            let mut c = Counts::default();
            c.add_sentence(text);
            (c.words >= MIN_PASSAGE_WORDS).then(|| Passage {
                text: text.to_owned(),
                start: s.start,
                end: s.end,
                grade: round2(Scores::from_counts(&c).passage_grade()),
            })
        })
        .collect();
    passages.sort_by(|a, b| b.grade.total_cmp(&a.grade).then(a.start.cmp(&b.start)));
    // a policy that repeats a sentence (every part of a long document) shows it once
    let mut seen = std::collections::HashSet::new();
    passages.retain(|p| seen.insert(p.text.clone()));
    passages.truncate(3);
    let readability = Readability {
        flesch_reading_ease: round2(scores.flesch_reading_ease),
        flesch_kincaid_grade: round2(scores.flesch_kincaid_grade),
        smog: round2(scores.smog),
        gunning_fog: round2(scores.gunning_fog),
        coleman_liau: round2(scores.coleman_liau),
        dale_chall: round2(scores.dale_chall),
        ari: round2(scores.ari),
        grade_range: [round2(lo), round2(hi)],
        hardest_passages: passages,
    };
    (readability, counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Fixture {
        rows: Vec<Row>,
    }

    #[derive(Deserialize)]
    struct Row {
        text: String,
        words: usize,
        sentences: usize,
        syllables: usize,
        polysyllables: usize,
        letters: usize,
        flesch_reading_ease: f64,
        flesch_kincaid_grade: f64,
        smog: f64,
        gunning_fog: f64,
        coleman_liau_textstat: f64,
        coleman_liau: f64,
        dale_chall: f64,
        ari: f64,
    }

    /// ±3 Flesch points and ±0.5 grade of textstat 0.7.13 (values committed by
    /// `scripts/crosscheck.py`), on the reference's two texts and three policy paragraphs.
    #[test]
    fn crosscheck_against_textstat() {
        let fixture: Fixture = serde_json::from_str(include_str!(
            "../tests/fixtures/readability-crosscheck.json"
        ))
        .unwrap();
        assert!(fixture.rows.len() >= 5);
        for row in &fixture.rows {
            let doc = Document::new(&row.text);
            let (r, c) = assess(&doc);
            let ctx = &row.text[..40.min(row.text.len())];
            assert_eq!(c.words, row.words, "words of {ctx}");
            assert_eq!(c.sentences, row.sentences, "sentences of {ctx}");
            assert!(
                c.syllables.abs_diff(row.syllables) * 50 <= row.syllables.max(50),
                "syllables of {ctx}: {} vs {}",
                c.syllables,
                row.syllables
            );
            assert!(
                c.polysyllables.abs_diff(row.polysyllables) <= 1,
                "polysyllables of {ctx}"
            );
            assert_eq!(c.letters, row.letters, "letters of {ctx}");
            let near = |ours: f64, theirs: f64, tol: f64, what: &str| {
                assert!(
                    (ours - theirs).abs() <= tol,
                    "{what} of {ctx:?}: ours {ours}, textstat {theirs}"
                );
            };
            near(r.flesch_reading_ease, row.flesch_reading_ease, 3.0, "FRE");
            near(
                r.flesch_kincaid_grade,
                row.flesch_kincaid_grade,
                0.5,
                "FKGL",
            );
            near(r.smog, row.smog, 0.5, "SMOG");
            near(r.gunning_fog, row.gunning_fog, 0.5, "Fog");
            // textstat's 0.058 vs the reference's 0.0588 adds 0.0008·L on top of the tolerance
            let coefficient_gap = 0.0008 * 100.0 * row.letters as f64 / row.words as f64;
            near(
                r.coleman_liau,
                row.coleman_liau_textstat,
                0.5 + coefficient_gap,
                "CLI vs textstat's 0.058",
            );
            near(
                r.coleman_liau,
                row.coleman_liau,
                0.01,
                "CLI at the reference's 0.0588",
            );
            near(r.dale_chall, row.dale_chall, 0.5, "Dale-Chall");
            near(r.ari, row.ari, 0.5, "ARI");
        }
    }

    /// The first row of the reference table, by hand: W=5, S=1, Y=7, P=1, letters=24.
    #[test]
    fn reference_row_by_hand() {
        let doc = Document::new("Cool dogs wear da sunglasses.");
        let (r, c) = assess(&doc);
        assert_eq!(
            c,
            Counts {
                words: 5,
                sentences: 1,
                syllables: 7,
                polysyllables: 1,
                complex: 1,
                difficult: 3,
                letters: 24,
                chars: 25
            }
        );
        assert_eq!(r.flesch_reading_ease, 83.32);
        assert_eq!(r.flesch_kincaid_grade, 2.88);
        assert_eq!(r.smog, 8.84);
        assert_eq!(r.gunning_fog, 10.0);
        assert_eq!(r.coleman_liau, 6.5);
        assert_eq!(r.dale_chall, 13.36);
        assert_eq!(r.ari, 4.62);
        assert_eq!(r.grade_range, [2.88, 13.36]);
        assert!(
            r.hardest_passages.is_empty(),
            "5 words is below the passage minimum"
        );
    }

    #[test]
    fn empty_text_scores_zero_without_nan() {
        let (r, c) = assess(&Document::new(""));
        assert_eq!(c.words, 0);
        assert_eq!(r.flesch_reading_ease, 0.0);
        assert_eq!(r.grade_range, [0.0, 0.0]);
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("null"));
    }

    #[test]
    fn hardest_passages_are_the_hardest_sentences_with_offsets() {
        let text = "Privacy Notice\n\nWe keep your data safe and we tell you what we do with it. \
            Notwithstanding the foregoing, authorized organizational representatives may \
            periodically disclose deidentified information consistent with applicable \
            regulatory requirements. You can ask us to delete it at any time you want to. \
            Our contractors are contractually obligated to maintain confidentiality \
            regarding identifiable information.";
        let doc = Document::new(text);
        let (r, _) = assess(&doc);
        assert_eq!(r.hardest_passages.len(), 3);
        assert!(r.hardest_passages[0].text.starts_with("Notwithstanding"));
        assert!(r.hardest_passages[1].text.starts_with("Our contractors"));
        assert!(r.hardest_passages[0].grade >= r.hardest_passages[1].grade);
        for p in &r.hardest_passages {
            assert_eq!(doc.slice(p.start, p.end), p.text);
        }
        assert!(
            r.grade_range[0] <= r.flesch_kincaid_grade
                && r.flesch_kincaid_grade <= r.grade_range[1]
        );
    }
}
