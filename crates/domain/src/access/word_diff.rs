//! A word-level diff of two texts (the old and new extracted text of a policy change), for
//! the reviewer's page: pure, no I/O.
//!
//! Tokens are words (letters and digits, with inner apostrophes, hyphens and periods as in
//! "don't", "opt-in", "3.5") and single punctuation marks; whitespace only separates them
//! and is carried with the token that follows it (a paragraph break stays a paragraph
//! break, any other run becomes one space or one line break), so reflowed PDF lines do
//! not show as changes. Tokens are interned to integers and compared with Myers' O(ND)
//! algorithm in its linear-space form (the "middle snake", divide and conquer), after
//! trimming the common prefix and suffix of every part. Work is bounded: a part whose
//! edit distance would exceed [`WORK_LIMIT`] / (its length) is shown as deleted and
//! inserted whole rather than searched further, so a complete rewrite of a 20-page policy
//! stays fast (see `docs/design/production-access.md` for the figures).

use std::collections::HashMap;

/// The most diagonal steps one middle-snake search may take, summed over its `d` rounds:
/// `d × (n + m)`.
pub const WORK_LIMIT: usize = 60_000_000;

/// What a segment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffOp {
    /// In both texts.
    Equal,
    /// Only in the new text.
    Insert,
    /// Only in the old text.
    Delete,
}

impl DiffOp {
    /// `equal`, `insert`, `delete` (the JSON API's names).
    pub fn as_str(self) -> &'static str {
        match self {
            DiffOp::Equal => "equal",
            DiffOp::Insert => "insert",
            DiffOp::Delete => "delete",
        }
    }
}

/// A run of tokens with one op, as text (with the whitespace before each token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Equal, inserted or deleted.
    pub op: DiffOp,
    /// The text.
    pub text: String,
}

/// The diff of two texts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WordDiff {
    /// Segments in reading order (a deletion before the insertion that replaces it).
    pub segments: Vec<Segment>,
    /// Tokens only in the new text.
    pub inserted: usize,
    /// Tokens only in the old text.
    pub deleted: usize,
    /// Tokens in both.
    pub unchanged: usize,
}

impl WordDiff {
    /// No token differs.
    pub fn is_unchanged(&self) -> bool {
        self.inserted == 0 && self.deleted == 0
    }

    /// The old text as laid out here (the equal and deleted segments).
    pub fn old_text(&self) -> String {
        self.side(DiffOp::Delete)
    }

    /// The new text as laid out here (the equal and inserted segments).
    pub fn new_text(&self) -> String {
        self.side(DiffOp::Insert)
    }

    fn side(&self, own: DiffOp) -> String {
        self.segments
            .iter()
            .filter(|s| s.op == DiffOp::Equal || s.op == own)
            .map(|s| s.text.as_str())
            .collect::<String>()
            .trim_start()
            .to_owned()
    }
}

/// A token: its text and the (normalised) whitespace before it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Token<'a> {
    lead: &'static str,
    text: &'a str,
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-' | '.' | ',' | '_')
}

/// Splits a text into tokens.
fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut newlines = 0usize;
    let mut spaced = false;
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            if c == '\n' {
                newlines += 1;
            }
            spaced = true;
            chars.next();
            continue;
        }
        let lead = match (out.is_empty(), newlines, spaced) {
            (true, _, _) => "",
            (_, 0, false) => "",
            (_, 0, true) => " ",
            (_, 1, _) => "\n",
            _ => "\n\n",
        };
        newlines = 0;
        spaced = false;
        let mut end = start + c.len_utf8();
        chars.next();
        if word_char(c) {
            // A word: letters and digits, with a joiner only between two word characters.
            while let Some(&(i, next)) = chars.peek() {
                if word_char(next) {
                    end = i + next.len_utf8();
                    chars.next();
                    continue;
                }
                if joiner(next) {
                    let after = text[i + next.len_utf8()..].chars().next();
                    if after.is_some_and(word_char) {
                        end = i + next.len_utf8();
                        chars.next();
                        continue;
                    }
                }
                break;
            }
        }
        out.push(Token {
            lead,
            text: &text[start..end],
        });
    }
    out
}

/// One step of the edit script: indices into the old and new token lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edit {
    Equal(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// The word diff of `old` and `new`.
pub fn word_diff(old: &str, new: &str) -> WordDiff {
    let a = tokenize(old);
    let b = tokenize(new);
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let ai = intern(&mut ids, &a);
    let bi = intern(&mut ids, &b);
    let mut edits = Vec::with_capacity(a.len().max(b.len()));
    let mut v = Vec::new();
    conquer(&ai, 0, &bi, 0, &mut edits, &mut v);

    let mut diff = WordDiff::default();
    for edit in edits {
        let (op, token, first) = match edit {
            Edit::Equal(_, j) => {
                diff.unchanged += 1;
                (DiffOp::Equal, &b[j], j == 0)
            }
            Edit::Delete(i) => {
                diff.deleted += 1;
                (DiffOp::Delete, &a[i], i == 0)
            }
            Edit::Insert(j) => {
                diff.inserted += 1;
                (DiffOp::Insert, &b[j], j == 0)
            }
        };
        // The first token of its text has no whitespace before it; after the other text's
        // tokens it needs a space, or "we" deleted before "share" would read "weshare".
        let lead = if first && !diff.segments.is_empty() {
            " "
        } else {
            token.lead
        };
        match diff.segments.last_mut() {
            Some(last) if last.op == op => {
                last.text.push_str(lead);
                last.text.push_str(token.text);
            }
            _ => {
                let mut text = String::with_capacity(lead.len() + token.text.len());
                text.push_str(lead);
                text.push_str(token.text);
                diff.segments.push(Segment { op, text });
            }
        }
    }
    diff
}

/// Each token's number: equal texts, equal numbers.
fn intern<'t>(ids: &mut HashMap<&'t str, u32>, tokens: &[Token<'t>]) -> Vec<u32> {
    tokens
        .iter()
        .map(|t| {
            let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
            *ids.entry(t.text).or_insert(next)
        })
        .collect()
}

/// Diffs `a` (starting at old index `a0`) against `b` (new index `b0`), appending to `out`.
fn conquer(a: &[u32], a0: usize, b: &[u32], b0: usize, out: &mut Vec<Edit>, v: &mut Vec<usize>) {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    for k in 0..prefix {
        out.push(Edit::Equal(a0 + k, b0 + k));
    }
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let (a0, b0) = (a0 + prefix, b0 + prefix);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    if a.is_empty() {
        out.extend((0..b.len()).map(|j| Edit::Insert(b0 + j)));
    } else if b.is_empty() {
        out.extend((0..a.len()).map(|i| Edit::Delete(a0 + i)));
    } else {
        match middle_snake(a, b, v) {
            Some((x, y)) if (x, y) != (0, 0) && (x, y) != (a.len(), b.len()) => {
                conquer(&a[..x], a0, &b[..y], b0, out, v);
                conquer(&a[x..], a0 + x, &b[y..], b0 + y, out, v);
            }
            _ => {
                out.extend((0..a.len()).map(|i| Edit::Delete(a0 + i)));
                out.extend((0..b.len()).map(|j| Edit::Insert(b0 + j)));
            }
        }
    }
    let (a_end, b_end) = (a0 + a.len(), b0 + b.len());
    for k in 0..suffix {
        out.push(Edit::Equal(a_end + k, b_end + k));
    }
}

/// The point where a shortest edit script of `a` → `b` crosses its middle (Myers 1986,
/// section 4b), or `None` when the search would exceed [`WORK_LIMIT`]. `a` and `b` are
/// non-empty and differ in their first and last tokens.
fn middle_snake(a: &[u32], b: &[u32], v: &mut Vec<usize>) -> Option<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    let (ni, mi) = (n as isize, m as isize);
    let max_d = (n + m).div_ceil(2) + 1;
    let d_limit = max_d.min((WORK_LIMIT / (n + m)).max(64));
    let width = 2 * max_d + 2;
    v.clear();
    v.resize(2 * width, 0);
    let (vf, vb) = v.split_at_mut(width);
    let off = max_d as isize + 1;
    let at = |k: isize| (k + off) as usize;
    let delta = ni - mi;
    let odd = delta & 1 == 1;
    for d in 0..d_limit as isize {
        // Forward: furthest x on each diagonal k = x - y after d edits.
        let mut k = -d;
        while k <= d {
            let mut x = if k == -d || (k != d && vf[at(k - 1)] < vf[at(k + 1)]) {
                vf[at(k + 1)]
            } else {
                vf[at(k - 1)] + 1
            };
            let y = (x as isize - k) as usize;
            let (x0, y0) = (x, y);
            if x < n && y < m {
                x += a[x..]
                    .iter()
                    .zip(&b[y..])
                    .take_while(|(p, q)| p == q)
                    .count();
            }
            vf[at(k)] = x;
            if odd && (k - delta).abs() < d && vf[at(k)] + vb[at(-(k - delta))] >= n {
                return Some((x0, y0));
            }
            k += 2;
        }
        // Backward: the same from the ends.
        let mut k = -d;
        while k <= d {
            let mut x = if k == -d || (k != d && vb[at(k - 1)] < vb[at(k + 1)]) {
                vb[at(k + 1)]
            } else {
                vb[at(k - 1)] + 1
            };
            let mut y = (x as isize - k) as usize;
            if x < n && y < m {
                let run = a[..n - x]
                    .iter()
                    .rev()
                    .zip(b[..m - y].iter().rev())
                    .take_while(|(p, q)| p == q)
                    .count();
                x += run;
                y += run;
            }
            vb[at(k)] = x;
            if !odd && (k - delta).abs() <= d && vb[at(k)] + vf[at(-(k - delta))] >= n {
                return Some((n - x, m - y));
            }
            k += 2;
        }
    }
    None
}

#[cfg(test)]
#[path = "word_diff_tests.rs"]
mod tests;
