//! This part's own segmentation (to be reconciled with `text.rs`): the text cut into
//! headings, paragraphs and list items, and those into sentences, all as BYTE ranges of the
//! original text; `Doc::evidence` turns a range into an `Evidence` with CHARACTER offsets.
//!
//! A heading is a short line (at most 12 words) that does not end like a sentence (`.`, `,`,
//! `;`) and does not continue a paragraph, or a question line of at most 15 words (FAQ
//! style), or a markdown `#` line. Inside a paragraph, a sentence written in capitals of at
//! most six words (`ARTICLE IV. DISCLOSURE.`) is an inline heading for the sentences after it.
//! Each sentence knows the heading it sits under.

use crate::types::Evidence;

/// What a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Heading,
    Paragraph,
    ListItem,
}

/// A heading, paragraph or list item.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// A sentence: byte range, its segment, and the byte range of the heading it sits under.
#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    pub start: usize,
    pub end: usize,
    pub segment: usize,
    pub heading: Option<(usize, usize)>,
}

/// A segmented text.
#[derive(Debug)]
pub(crate) struct Doc<'a> {
    pub text: &'a str,
    pub segments: Vec<Segment>,
    pub sentences: Vec<Sentence>,
}

const BULLETS: &[&str] = &["- ", "* ", "• ", "– ", "— ", "· ", "o "];

fn is_bullet(line: &str) -> bool {
    if BULLETS.iter().any(|b| line.starts_with(b)) {
        return true;
    }
    // "1) text" or "a) text"; "1. Title" is left to the heading rule.
    line.split_once(") ").is_some_and(|(head, _)| {
        !head.is_empty() && head.len() <= 2 && head.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

fn is_heading_line(line: &str, previous_ends_paragraph: bool, next_continues: bool) -> bool {
    if line.starts_with('#') {
        return true;
    }
    let n = words(line);
    if n == 0 {
        return false;
    }
    if line.ends_with('?') && n <= 15 && !line.contains(". ") {
        return true;
    }
    previous_ends_paragraph
        && n <= 12
        && !line.ends_with(['.', ',', ';', '!', '"', ')'])
        && !line
            .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
            .contains(". ")
        && !next_continues
}

impl<'a> Doc<'a> {
    /// Segments `text`.
    pub(crate) fn new(text: &'a str) -> Doc<'a> {
        let mut segments = Vec::new();
        let mut para: Option<(usize, usize)> = None;
        let mut previous_ends = true;
        let mut offset = 0;
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for (n, raw) in lines.iter().enumerate() {
            // The next line starts in lower case: this one is part of a wrapped paragraph.
            let next_continues = lines
                .get(n + 1)
                .and_then(|l| l.trim_start().chars().next())
                .is_some_and(char::is_lowercase);
            let line_start = offset;
            offset += raw.len();
            let content = raw.trim_end_matches(['\n', '\r']);
            let trimmed = content.trim();
            if trimmed.is_empty() {
                if let Some((s, e)) = para.take() {
                    segments.push(Segment {
                        kind: Kind::Paragraph,
                        start: s,
                        end: e,
                    });
                }
                previous_ends = true;
                continue;
            }
            let lead = content.len() - content.trim_start().len();
            let start = line_start + lead;
            let end = start + trimmed.len();
            if is_bullet(trimmed)
                || is_heading_line(trimmed, previous_ends || para.is_none(), next_continues)
            {
                if let Some((s, e)) = para.take() {
                    segments.push(Segment {
                        kind: Kind::Paragraph,
                        start: s,
                        end: e,
                    });
                }
                let kind = if is_bullet(trimmed) {
                    Kind::ListItem
                } else {
                    Kind::Heading
                };
                segments.push(Segment { kind, start, end });
                previous_ends = true;
                continue;
            }
            para = Some(match para {
                Some((s, _)) => (s, end),
                None => (start, end),
            });
            previous_ends = trimmed.ends_with(['.', ':', '?', '!']);
        }
        if let Some((s, e)) = para.take() {
            segments.push(Segment {
                kind: Kind::Paragraph,
                start: s,
                end: e,
            });
        }
        let mut sentences = Vec::new();
        let mut heading: Option<(usize, usize)> = None;
        for (i, seg) in segments.iter().enumerate() {
            if seg.kind == Kind::Heading {
                heading = Some((seg.start, seg.end));
                continue;
            }
            let mut inline = heading;
            for (s, e) in split_sentences(text, seg.start, seg.end) {
                let piece = &text[s..e];
                if is_caps_heading(piece) {
                    inline = Some((s, e));
                    continue;
                }
                sentences.push(Sentence {
                    start: s,
                    end: e,
                    segment: i,
                    heading: inline,
                });
            }
        }
        Doc {
            text,
            segments,
            sentences,
        }
    }

    /// The index of the sentence holding byte `at`, if any.
    pub(crate) fn sentence_at(&self, at: usize) -> Option<usize> {
        let i = self.sentences.partition_point(|s| s.end <= at);
        self.sentences.get(i).filter(|s| s.start <= at).map(|_| i)
    }

    /// The text of sentence `i`.
    #[cfg(test)]
    pub(crate) fn sentence_text(&self, i: usize) -> &'a str {
        self.sentences
            .get(i)
            .map_or("", |s| &self.text[s.start..s.end])
    }

    /// An `Evidence` for the byte range `start..end` (character offsets).
    pub(crate) fn evidence(&self, start: usize, end: usize) -> Evidence {
        evidence(self.text, start, end)
    }
}

/// An `Evidence` for the byte range `start..end` of `text`, with character offsets.
pub(crate) fn evidence(text: &str, start: usize, end: usize) -> Evidence {
    let passage = text.get(start..end).unwrap_or("");
    let char_start = text.get(..start).map_or(0, |p| p.chars().count());
    Evidence {
        text: passage.to_owned(),
        start: char_start,
        end: char_start + passage.chars().count(),
    }
}

fn is_caps_heading(piece: &str) -> bool {
    let letters = piece.chars().filter(|c| c.is_alphabetic());
    let mut any = false;
    for c in letters {
        if c.is_lowercase() {
            return false;
        }
        any = true;
    }
    any && words(piece) <= 6
}

const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "inc", "u.s", "mr", "mrs", "ms", "dr", "st", "vs", "c.f.r", "ltd", "co", "corp",
    "llc", "etc", "art", "sec", "p.m", "a.m", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec",
];

/// Sentences of `text[start..end]` as trimmed byte ranges; a list item's bullet, and a "Q:" or
/// "A:" of FAQ style, are left out of the first sentence.
pub(crate) fn split_sentences(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut s = start;
    let mut i = start;
    while i < end {
        let b = bytes[i];
        let boundary = match b {
            b'.' | b'!' | b'?' => {
                let next_ws = i + 1 >= end || bytes[i + 1].is_ascii_whitespace();
                let after = text[i + 1..end].trim_start();
                let starts_new = after.is_empty()
                    || after.starts_with(|c: char| {
                        c.is_uppercase() || c.is_ascii_digit() || "\"'(“‘".contains(c)
                    });
                let word = text[s..i]
                    .rsplit(|c: char| c.is_whitespace() || c == '(')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let abbreviation = b == b'.'
                    && (ABBREVIATIONS.contains(&word.as_str())
                        || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic))
                        || word.contains('.'));
                next_ws && starts_new && !abbreviation
            }
            b'\n' if is_break_line(text, i, end) => true,
            _ => false,
        };
        if boundary {
            push_trimmed(text, s, i + 1, &mut out);
            s = i + 1;
        }
        i += 1;
    }
    push_trimmed(text, s, end, &mut out);
    out
}

// Inside a paragraph, a line break followed by an empty line never happens (that ends the
// paragraph), so only a line break after a colon ends a sentence.
fn is_break_line(text: &str, i: usize, start_limit: usize) -> bool {
    i < start_limit && text[..i].trim_end().ends_with(':')
}

fn push_trimmed(text: &str, s: usize, e: usize, out: &mut Vec<(usize, usize)>) {
    let piece = &text[s..e];
    let mut a = s + (piece.len() - piece.trim_start().len());
    let b = s + piece.trim_end().len();
    if a >= b {
        return;
    }
    for prefix in [
        "- ", "* ", "• ", "– ", "— ", "· ", "Q: ", "A: ", "Q. ", "A. ",
    ] {
        if text[a..b].starts_with(prefix) {
            a += prefix.len();
            break;
        }
    }
    if a < b && text[a..b].chars().any(char::is_alphanumeric) {
        out.push((a, b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_paragraphs_and_list_items() {
        let text = "Privacy Policy\n\n1. What we collect\nWe collect your claims. We also keep\nyour email.\n\n- Your name\n- Your e-mail, e.g. a@b.c.\n\nQ: Do you sell my data?\nA: No. Never.\n";
        let doc = Doc::new(text);
        let kinds: Vec<Kind> = doc.segments.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Heading,
                Kind::Heading,
                Kind::Paragraph,
                Kind::ListItem,
                Kind::ListItem,
                Kind::Heading,
                Kind::Paragraph
            ]
        );
        let sentences: Vec<&str> = (0..doc.sentences.len())
            .map(|i| doc.sentence_text(i))
            .collect();
        assert_eq!(
            sentences,
            [
                "We collect your claims.",
                "We also keep\nyour email.",
                "Your name",
                "Your e-mail, e.g. a@b.c.",
                "No.",
                "Never."
            ]
        );
        let heading = doc.sentences[0].heading.map(|(s, e)| &text[s..e]);
        assert_eq!(heading, Some("1. What we collect"));
        let faq = doc.sentences[4].heading.map(|(s, e)| &text[s..e]);
        assert_eq!(faq, Some("Q: Do you sell my data?"));
    }

    #[test]
    fn capital_inline_headings_and_abbreviations() {
        let text = "ARTICLE IV. DISCLOSURE. The Company shall not disclose data to the U.S. Government. It may, e.g. when required.";
        let doc = Doc::new(text);
        let s: Vec<&str> = (0..doc.sentences.len())
            .map(|i| doc.sentence_text(i))
            .collect();
        assert_eq!(
            s,
            [
                "The Company shall not disclose data to the U.S. Government.",
                "It may, e.g. when required."
            ]
        );
        assert_eq!(
            doc.sentences[0].heading.map(|(a, b)| &text[a..b]),
            Some("DISCLOSURE.")
        );
    }

    #[test]
    fn evidence_uses_character_offsets() {
        let text = "Café — naïve. We encrypt your data.";
        let doc = Doc::new(text);
        let i = doc.sentences.len() - 1;
        let s = &doc.sentences[i];
        let ev = doc.evidence(s.start, s.end);
        let chars: String = text
            .chars()
            .skip(ev.start)
            .take(ev.end - ev.start)
            .collect();
        assert_eq!(chars, ev.text);
        assert_eq!(ev.text, "We encrypt your data.");
        assert_eq!(ev.start, 14);
    }
}
