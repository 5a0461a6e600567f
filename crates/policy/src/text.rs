//! Text structure: headings, paragraphs and list items (`segments`), sentence units
//! (`sentences`) and words (`words`), all with CHARACTER offsets into the extracted text.
//!
//! Rules (see docs/design/policy-check.md):
//! - blocks are separated by blank lines; a line starting with a bullet (•, -, *, …) or an
//!   ordered marker ("1.", "(a)", "ii)") starts a list item; a short line without final
//!   punctuation that stands alone, or that opens a block and looks like a title, is a heading;
//! - a heading and a list item are each a sentence unit of their own, even without a full
//!   stop, and never glue to the next sentence;
//! - inside a paragraph a sentence ends at `.`, `!` or `?` (plus closing quotes/brackets)
//!   followed by white space and then a capital, a digit, a quote or a bullet — unless the
//!   word before the full stop is an abbreviation that never ends a sentence ("e.g.", "i.e.",
//!   "U.S.", "Dr.", "Inc.", an initial): URLs, e-mail addresses and decimal numbers have no
//!   white space after their inner dots, so they never split.

use crate::report::Evidence;

/// What a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    /// A title line.
    Heading,
    /// Running text (wrapped lines joined).
    Paragraph,
    /// A bulleted or numbered item (its continuation lines included).
    ListItem,
}

/// A heading, paragraph or list item, by character offsets (end exclusive, trimmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Heading, paragraph or list item.
    pub kind: SegmentKind,
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

/// A sentence unit by character offsets (end exclusive, trimmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

/// What a word token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordKind {
    /// Letters (possibly with inner apostrophes, hyphens or dots: "don't", "third-party", "e.g").
    Word,
    /// Digits ("2024", "3.5", "1-800").
    Number,
    /// A web address or an e-mail address, one word.
    Address,
}

/// A word with byte offsets into the string it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// Word, number or address.
    pub kind: WordKind,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Characters of the white-space-separated chunk it came from that are not white space,
    /// shared out so the sum over a text equals its non-space characters (ARI counts them).
    pub chars: usize,
}

/// An extracted text with its segments and sentences, and the character ↔ byte mapping that
/// evidence needs. This is what classifiers read.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    text: &'a str,
    /// Byte offset of every character, then `text.len()`.
    char_starts: Vec<usize>,
    /// Headings, paragraphs and list items in order.
    pub segments: Vec<Segment>,
    /// Sentence units in order (inside segments; none crosses a segment's end).
    pub sentences: Vec<Span>,
}

impl<'a> Document<'a> {
    /// Segments and splits `text`.
    pub fn new(text: &'a str) -> Self {
        let mut char_starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        char_starts.push(text.len());
        let mut doc = Document {
            text,
            char_starts,
            segments: Vec::new(),
            sentences: Vec::new(),
        };
        let byte_segments = segments_bytes(text);
        let mut sentences = Vec::new();
        for &(kind, start, end) in &byte_segments {
            match kind {
                SegmentKind::Heading => sentences.push((start, end)),
                SegmentKind::ListItem => {
                    // the marker ("1.", "•") belongs to the first sentence, never ends one
                    let item = &text[start..end];
                    let marker = item.find(char::is_whitespace).unwrap_or(0);
                    sentences.extend(sentences_bytes(text, start, end, marker));
                }
                SegmentKind::Paragraph => sentences.extend(sentences_bytes(text, start, end, 0)),
            }
        }
        doc.segments = byte_segments
            .into_iter()
            .map(|(kind, start, end)| Segment {
                kind,
                start: doc.char_of(start),
                end: doc.char_of(end),
            })
            .collect();
        doc.sentences = sentences
            .into_iter()
            .map(|(start, end)| Span {
                start: doc.char_of(start),
                end: doc.char_of(end),
            })
            .collect();
        doc
    }

    /// The whole text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Number of characters.
    pub fn char_len(&self) -> usize {
        self.char_starts.len().saturating_sub(1)
    }

    /// Character offset of a byte offset (a byte inside a character maps to that character).
    pub fn char_of(&self, byte: usize) -> usize {
        match self.char_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Byte offset of a character offset (clamped to the end).
    pub fn byte_of(&self, char_index: usize) -> usize {
        self.char_starts
            .get(char_index)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The text between two character offsets (clamped; empty when reversed).
    pub fn slice(&self, start: usize, end: usize) -> &'a str {
        let (s, e) = (self.byte_of(start), self.byte_of(end));
        self.text.get(s..e.max(s)).unwrap_or("")
    }

    /// Evidence for the characters `start..end`.
    pub fn evidence(&self, start: usize, end: usize) -> Evidence {
        Evidence {
            text: self.slice(start, end).to_owned(),
            start,
            end,
        }
    }

    /// The sentence unit that contains a character offset, if any.
    pub fn sentence_at(&self, char_index: usize) -> Option<Span> {
        let i = self.sentences.partition_point(|s| s.end <= char_index);
        self.sentences
            .get(i)
            .copied()
            .filter(|s| s.start <= char_index)
    }
}

/// Headings, paragraphs and list items of `text` with character offsets.
pub fn segments(text: &str) -> Vec<Segment> {
    Document::new(text).segments
}

/// Sentence units of `text` with character offsets.
pub fn sentences(text: &str) -> Vec<Span> {
    Document::new(text).sentences
}

/// A line: byte range of its trimmed content.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

fn lines_of(text: &str) -> Vec<Option<Line>> {
    let mut out = Vec::new();
    let mut pos = 0;
    for raw in text.split('\n') {
        let lead = raw.len() - raw.trim_start().len();
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            out.push(None);
        } else {
            out.push(Some(Line {
                start: pos + lead,
                end: pos + lead + trimmed.len(),
            }));
        }
        pos += raw.len() + 1;
    }
    out
}

const BULLETS: [char; 10] = ['•', '◦', '▪', '‣', '·', '●', '○', '■', '-', '*'];

/// `•`, `-`, `*` … followed by a space.
fn bullet_marker(line: &str) -> bool {
    let mut chars = line.chars();
    match (chars.next(), chars.next()) {
        (Some(c), Some(n)) if BULLETS.contains(&c) || c == '–' => n.is_whitespace(),
        _ => false,
    }
}

/// "1.", "2)", "(a)", "b.", "iv)" followed by a space.
fn ordered_marker(line: &str) -> bool {
    let Some((head, _)) = line.split_once(char::is_whitespace) else {
        return false;
    };
    let inner = head.trim_start_matches('(');
    let Some(body) = inner.strip_suffix('.').or_else(|| inner.strip_suffix(')')) else {
        return false;
    };
    if body.is_empty() || body.len() > 4 {
        return false;
    }
    body.chars().all(|c| c.is_ascii_digit())
        || (body.len() == 1 && body.chars().all(|c| c.is_ascii_lowercase()))
        || body.chars().all(|c| matches!(c, 'i' | 'v' | 'x'))
}

fn ends_sentence(line: &str) -> bool {
    let t = line.trim_end_matches(['"', '\'', ')', ']', '’', '”']);
    t.ends_with(['.', '!', '?', ';', ',', '…'])
}

fn word_count(line: &str) -> usize {
    line.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Looks like a title: numbered ("3. Sharing", "Section 2"), all capitals, or capitalised
/// words; or a short lead-in ending with a colon.
fn title_like(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some(first) = words.first() else {
        return false;
    };
    if line.ends_with(':') && words.len() <= 8 {
        return true;
    }
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 3 && letters.iter().all(|c| c.is_uppercase()) {
        return true;
    }
    let numbered = first
        .trim_end_matches(['.', ')'])
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.')
        && first.chars().any(|c| c.is_ascii_digit());
    let content: Vec<&&str> = words
        .iter()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    let capitalised = content
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    let first_cap = words
        .iter()
        .find(|w| w.chars().any(char::is_alphabetic))
        .and_then(|w| w.chars().find(|c| c.is_alphabetic()))
        .is_some_and(char::is_uppercase);
    first_cap && (numbered || (!content.is_empty() && capitalised * 10 >= content.len() * 6))
}

fn heading_candidate(line: &str) -> bool {
    let words = word_count(line);
    (1..=12).contains(&words)
        && line.chars().count() <= 100
        && line.chars().any(char::is_alphabetic)
        && !ends_sentence(line)
}

/// Segments with byte offsets.
fn segments_bytes(text: &str) -> Vec<(SegmentKind, usize, usize)> {
    let lines = lines_of(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(_) = lines[i] else {
            i += 1;
            continue;
        };
        let block_start = i;
        while i < lines.len() && lines[i].is_some() {
            i += 1;
        }
        let block: Vec<Line> = lines[block_start..i].iter().flatten().copied().collect();
        let mut current: Option<(SegmentKind, usize, usize)> = None;
        for (j, line) in block.iter().enumerate() {
            let content = &text[line.start..line.end];
            let prev_ended = j == 0 || ends_sentence(&text[block[j - 1].start..block[j - 1].end]);
            let heading = heading_candidate(content)
                && !bullet_marker(content)
                && (block.len() == 1
                    || (j + 1 < block.len() && prev_ended && title_like(content))
                    || (j + 1 == block.len() && prev_ended && title_like(content) && j > 0));
            if bullet_marker(content) || (!heading && ordered_marker(content)) {
                out.extend(current.take());
                current = Some((SegmentKind::ListItem, line.start, line.end));
            } else if heading {
                out.extend(current.take());
                out.push((SegmentKind::Heading, line.start, line.end));
            } else {
                match current.as_mut() {
                    Some(seg) => seg.2 = line.end,
                    None => current = Some((SegmentKind::Paragraph, line.start, line.end)),
                }
            }
        }
        out.extend(current.take());
    }
    out
}

/// Abbreviations after which a full stop never ends a sentence (lower case, no final dot).
const NEVER_FINAL: [&str; 23] = [
    "e.g", "i.e", "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "cf", "u.s", "u.s.a",
    "u.k", "inc", "corp", "ltd", "co", "approx", "dept", "p.o", "al",
];
/// Abbreviations that never end a sentence when a number follows ("No. 5", "Sec. 318").
const BEFORE_NUMBER: [&str; 7] = ["no", "nos", "sec", "art", "para", "fig", "pp"];

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | ')' | ']' | '’' | '”' | '»')
}

/// Sentence units of `text[start..end]` with byte offsets.
fn sentences_bytes(text: &str, start: usize, end: usize, skip: usize) -> Vec<(usize, usize)> {
    let seg = &text[start..end];
    let chars: Vec<(usize, char)> = seg.char_indices().collect();
    let mut out = Vec::new();
    let mut sent_start = 0usize;
    let mut k = chars.partition_point(|&(i, _)| i < skip);
    while k < chars.len() {
        let (pos, c) = chars[k];
        if matches!(c, '.' | '!' | '?' | '…') {
            // extend over repeated punctuation and closers
            let mut m = k + 1;
            while m < chars.len()
                && (matches!(chars[m].1, '.' | '!' | '?') || is_closer(chars[m].1))
            {
                m += 1;
            }
            let after = chars.get(m).map(|&(_, ch)| ch);
            let boundary_end = chars.get(m).map_or(seg.len(), |&(p, _)| p);
            let split = match after {
                None => true,
                Some(ch) if ch.is_whitespace() => {
                    let next = chars[m..]
                        .iter()
                        .map(|&(_, ch)| ch)
                        .find(|ch| !ch.is_whitespace());
                    let starts_new = next.is_some_and(|n| {
                        n.is_uppercase()
                            || n.is_ascii_digit()
                            || matches!(n, '"' | '“' | '‘' | '(' | '\'')
                            || BULLETS.contains(&n)
                    });
                    let digit_next = next.is_some_and(|n| n.is_ascii_digit());
                    starts_new && (c != '.' || !abbreviation_before(seg, pos, digit_next))
                }
                Some(_) => false,
            };
            if split {
                push_trimmed(&mut out, seg, start, sent_start, boundary_end);
                sent_start = boundary_end;
            }
            k = m;
            continue;
        }
        k += 1;
    }
    push_trimmed(&mut out, seg, start, sent_start, seg.len());
    out
}

/// True when the token that ends at the full stop at `dot` is an abbreviation or an initial.
fn abbreviation_before(seg: &str, dot: usize, digit_next: bool) -> bool {
    let before = &seg[..dot];
    let token_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || c == '(' || c == '"' || c == '“')
        .map_or(0, |(i, c)| i + c.len_utf8());
    let token = &before[token_start..];
    if token.is_empty() {
        return false;
    }
    let mut letters = token.chars();
    if let (Some(c), None) = (letters.next(), letters.next())
        && c.is_uppercase()
    {
        return true; // an initial: "J. Smith"
    }
    let lower = token.to_lowercase();
    NEVER_FINAL.contains(&lower.as_str()) || (digit_next && BEFORE_NUMBER.contains(&lower.as_str()))
}

fn push_trimmed(out: &mut Vec<(usize, usize)>, seg: &str, base: usize, s: usize, e: usize) {
    let piece = &seg[s..e];
    let lead = piece.len() - piece.trim_start().len();
    let trimmed = piece.trim();
    if trimmed.chars().any(char::is_alphanumeric) {
        out.push((base + s + lead, base + s + lead + trimmed.len()));
    }
}

/// Words of `s` (byte offsets into `s`).
pub fn words(s: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut chunks = Vec::new();
    let mut open: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if let Some(a) = open.take() {
                chunks.push((a, i));
            }
        } else if open.is_none() {
            open = Some(i);
        }
    }
    if let Some(a) = open {
        chunks.push((a, s.len()));
    }
    for (chunk_start, chunk_end) in chunks {
        let chunk = &s[chunk_start..chunk_end];
        let non_space = chunk.chars().count();
        let first_word = out.len();
        let trimmed_start = chunk
            .char_indices()
            .find(|&(_, c)| c.is_alphanumeric())
            .map(|(i, _)| i);
        let Some(ts) = trimmed_start else { continue };
        let te = chunk
            .char_indices()
            .rev()
            .find(|&(_, c)| c.is_alphanumeric() || c == '/')
            .map_or(chunk.len(), |(i, c)| i + c.len_utf8());
        let core = &chunk[ts..te.max(ts)];
        let lower_core = core.to_ascii_lowercase();
        if lower_core.contains("://")
            || lower_core.starts_with("www.")
            || (core.contains('@') && core.contains('.'))
        {
            out.push(Word {
                kind: WordKind::Address,
                start: chunk_start + ts,
                end: chunk_start + te,
                chars: non_space,
            });
            continue;
        }
        let core = core.trim_end_matches('/');
        let mut sub_start: Option<usize> = None;
        let cs: Vec<(usize, char)> = core.char_indices().collect();
        for (idx, &(i, c)) in cs.iter().enumerate() {
            let joins = c.is_alphanumeric()
                || (matches!(c, '\'' | '’' | '-' | '.' | ',')
                    && idx > 0
                    && cs[idx - 1].1.is_alphanumeric()
                    && cs.get(idx + 1).is_some_and(|&(_, n)| n.is_alphanumeric())
                    && (c != ','
                        || (cs[idx - 1].1.is_ascii_digit() && cs[idx + 1].1.is_ascii_digit())));
            match (joins, sub_start) {
                (true, None) => sub_start = Some(i),
                (false, Some(st)) => {
                    push_word(&mut out, core, chunk_start + ts, st, i);
                    sub_start = None;
                }
                _ => {}
            }
        }
        if let Some(st) = sub_start {
            push_word(&mut out, core, chunk_start + ts, st, core.len());
        }
        // share the chunk's characters among its words (the first takes the remainder)
        let n = out.len() - first_word;
        if let Some(each) = non_space.checked_div(n) {
            for (k, w) in out[first_word..].iter_mut().enumerate() {
                w.chars = if k == 0 {
                    non_space - each * (n - 1)
                } else {
                    each
                };
            }
        }
    }
    out
}

fn push_word(out: &mut Vec<Word>, core: &str, base: usize, s: usize, e: usize) {
    let piece = &core[s..e];
    if !piece.chars().any(char::is_alphanumeric) {
        return;
    }
    let kind = if piece.chars().any(char::is_alphabetic) {
        WordKind::Word
    } else {
        WordKind::Number
    };
    out.push(Word {
        kind,
        start: base + s,
        end: base + e,
        chars: 0,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence_texts(text: &str) -> Vec<String> {
        let doc = Document::new(text);
        doc.sentences
            .iter()
            .map(|s| doc.slice(s.start, s.end).to_owned())
            .collect()
    }

    #[test]
    fn heading_before_blank_line_is_its_own_unit() {
        let s = sentence_texts("Information We Collect\n\nWe collect your name. We use it.");
        assert_eq!(
            s,
            [
                "Information We Collect",
                "We collect your name.",
                "We use it."
            ]
        );
    }

    #[test]
    fn heading_directly_above_text_does_not_glue() {
        let s = sentence_texts(
            "3. How We Share Data\nWe share data with vendors. They sign contracts.",
        );
        assert_eq!(
            s,
            [
                "3. How We Share Data",
                "We share data with vendors.",
                "They sign contracts."
            ]
        );
        let doc = Document::new("3. How We Share Data\nWe share data with vendors.");
        assert_eq!(doc.segments[0].kind, SegmentKind::Heading);
        assert_eq!(doc.segments[1].kind, SegmentKind::Paragraph);
    }

    #[test]
    fn wrapped_paragraph_lines_are_one_paragraph() {
        let text = "We collect the information that you give us when you\ncreate an account and when you\nconnect the app to Medicare.";
        let doc = Document::new(text);
        assert_eq!(doc.segments.len(), 1);
        assert_eq!(doc.segments[0].kind, SegmentKind::Paragraph);
        assert_eq!(doc.sentences.len(), 1);
    }

    #[test]
    fn bullets_are_list_items_and_units() {
        let text = "We collect:\n• your name\n• your e-mail address\n- your claims data\n1. Dates of service\n(b) Providers";
        let doc = Document::new(text);
        let kinds: Vec<SegmentKind> = doc.segments.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SegmentKind::Heading,
                SegmentKind::ListItem,
                SegmentKind::ListItem,
                SegmentKind::ListItem,
                SegmentKind::ListItem,
                SegmentKind::ListItem
            ]
        );
        assert_eq!(doc.sentences.len(), 6);
        assert_eq!(
            doc.slice(doc.sentences[2].start, doc.sentences[2].end),
            "• your e-mail address"
        );
    }

    #[test]
    fn abbreviations_urls_emails_and_decimals_do_not_split() {
        let s = sentence_texts(
            "We follow U.S. law, e.g. HIPAA and i.e. the FTC rule. Dr. Smith of Acme Health, Inc. reviews it. \
             Visit https://www.example.com/privacy.html for details. Write to privacy@acme.example.com today. \
             Fees rose 3.5 percent. J. Doe signed it.",
        );
        assert_eq!(
            s,
            [
                "We follow U.S. law, e.g. HIPAA and i.e. the FTC rule.",
                "Dr. Smith of Acme Health, Inc. reviews it.",
                "Visit https://www.example.com/privacy.html for details.",
                "Write to privacy@acme.example.com today.",
                "Fees rose 3.5 percent.",
                "J. Doe signed it."
            ]
        );
    }

    #[test]
    fn question_and_quote_endings() {
        let s = sentence_texts("Do we sell data? No. We said \"never.\" That holds!");
        assert_eq!(
            s,
            [
                "Do we sell data?",
                "No.",
                "We said \"never.\"",
                "That holds!"
            ]
        );
    }

    #[test]
    fn etc_before_lowercase_continues() {
        let s = sentence_texts("Names, dates, etc. are kept. Then etc. More.");
        assert_eq!(s, ["Names, dates, etc. are kept.", "Then etc.", "More."]);
    }

    #[test]
    fn offsets_are_characters_not_bytes() {
        let text = "Café policy — naïve résumé\n\nWe collect data. We don’t sell it.";
        let doc = Document::new(text);
        let last = doc.sentences[2];
        assert_eq!(doc.slice(last.start, last.end), "We don’t sell it.");
        let chars: Vec<char> = text.chars().collect();
        let by_chars: String = chars[last.start..last.end].iter().collect();
        assert_eq!(by_chars, "We don’t sell it.");
        assert_eq!(doc.char_len(), chars.len());
        assert_eq!(doc.sentence_at(last.start + 3), Some(last));
    }

    #[test]
    fn words_handle_contractions_hyphens_urls_and_numbers() {
        let s = "We don’t share third-party data (see www.example.com/x, or mail a@b.org). It costs $3.50, 1,000 times.";
        let ws: Vec<(&str, WordKind)> = words(s)
            .iter()
            .map(|w| (&s[w.start..w.end], w.kind))
            .collect();
        assert_eq!(
            ws,
            [
                ("We", WordKind::Word),
                ("don’t", WordKind::Word),
                ("share", WordKind::Word),
                ("third-party", WordKind::Word),
                ("data", WordKind::Word),
                ("see", WordKind::Word),
                ("www.example.com/x", WordKind::Address),
                ("or", WordKind::Word),
                ("mail", WordKind::Word),
                ("a@b.org", WordKind::Address),
                ("It", WordKind::Word),
                ("costs", WordKind::Word),
                ("3.50", WordKind::Number),
                ("1,000", WordKind::Number),
                ("times", WordKind::Word),
            ]
        );
        let total: usize = words(s).iter().map(|w| w.chars).sum();
        assert_eq!(total, s.chars().filter(|c| !c.is_whitespace()).count());
    }
}
