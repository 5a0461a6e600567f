//! Text extraction from the bytes of a PDF, HTML or plain-text file (the caller reads the
//! file; this module does no I/O). The result's text is what every offset of the report
//! counts characters in.
//!
//! PDF: every FlateDecode-looking stream is first inflated with a byte budget (a bomb is
//! refused before any parser inflates it), then lopdf 0.42 loads the document (page count
//! checked), then pdf-extract 0.12.1 extracts page by page — on a worker thread, under
//! `catch_unwind` (pdf-extract unwraps on some hostile inputs) and with a deadline. A worker
//! that overruns the deadline cannot be killed: it is abandoned and finishes (or not) on its
//! own while the caller gets `ExtractError::Timeout`.
//!
//! HTML: a small tokenizer (no DOM): script, style, noscript, template, svg, title and head
//! contents dropped, block elements become line breaks (headings and paragraphs a blank line,
//! list items a "• " line), character references decoded, white space collapsed.
//!
//! Text: UTF-8 (BOM dropped) or, when not valid UTF-8, Windows-1252; CRLF and CR become LF.

use std::fmt;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Duration;

/// What kind of file the text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A PDF with a text layer.
    Pdf,
    /// An HTML page.
    Html,
    /// Plain text.
    Text,
}

impl Kind {
    /// "pdf", "html" or "text".
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Html => "html",
            Kind::Text => "text",
        }
    }

    /// The kind by file name (extension), else by the first bytes.
    pub fn detect(name: &str, bytes: &[u8]) -> Kind {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "pdf" => return Kind::Pdf,
            "html" | "htm" | "xhtml" => return Kind::Html,
            "txt" | "text" | "md" => return Kind::Text,
            _ => {}
        }
        let head = &bytes[..bytes.len().min(1024)];
        if find(head, b"%PDF-").is_some() {
            return Kind::Pdf;
        }
        let lower_head = String::from_utf8_lossy(head).to_ascii_lowercase();
        let trimmed = lower_head.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with("<!doctype html")
            || trimmed.starts_with("<html")
            || lower_head.contains("<body")
        {
            Kind::Html
        } else {
            Kind::Text
        }
    }
}

/// The limits of one extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Input size in bytes.
    pub max_bytes: usize,
    /// PDF pages.
    pub max_pages: usize,
    /// Total bytes that the PDF's compressed streams may inflate to.
    pub max_decompressed: usize,
    /// Wall time for a PDF's extraction.
    pub timeout: Duration,
}

impl Default for Limits {
    /// 10 MB in, 200 pages, 50 MB inflated, 10 seconds.
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_pages: 200,
            max_decompressed: 50 * 1024 * 1024,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Text extracted from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedText {
    /// The text (LF line ends, blank line between blocks and pages).
    pub text: String,
    /// What it came from.
    pub kind: Kind,
    /// Pages, for a PDF.
    pub pages: Option<usize>,
}

/// Why no text could be extracted. Each message says what is wrong for the person who gave
/// the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// The PDF has no text layer.
    NoText,
    /// Larger than `Limits::max_bytes`.
    TooLarge {
        /// The input's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// More pages than `Limits::max_pages`.
    TooManyPages {
        /// Pages in the PDF.
        pages: usize,
        /// The limit.
        limit: usize,
    },
    /// Compressed streams inflate beyond `Limits::max_decompressed`.
    TooMuchData {
        /// The limit.
        limit: usize,
    },
    /// Extraction ran past `Limits::timeout`.
    Timeout {
        /// The limit.
        limit: Duration,
    },
    /// Not a readable PDF (bad header, broken structure, encrypted, crash in the parser).
    Corrupt(String),
    /// Nothing in the file.
    Empty,
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractError::NoText => f.write_str("no text found (is it a scan?)"),
            ExtractError::TooLarge { bytes, limit } => write!(
                f,
                "file too large: {bytes} bytes, the limit is {limit} bytes"
            ),
            ExtractError::TooManyPages { pages, limit } => {
                write!(f, "too many pages: {pages}, the limit is {limit}")
            }
            ExtractError::TooMuchData { limit } => write!(
                f,
                "the PDF's compressed streams inflate to more than {limit} bytes (refused as a possible decompression bomb)"
            ),
            ExtractError::Timeout { limit } => write!(
                f,
                "text extraction took longer than {} s (the PDF may be malformed)",
                limit.as_secs_f64()
            ),
            ExtractError::Corrupt(why) => write!(f, "not a readable PDF: {why}"),
            ExtractError::Empty => f.write_str("the file is empty"),
        }
    }
}

impl std::error::Error for ExtractError {}

/// Extracts the text of a file given as bytes with its name (the name picks the kind; the
/// bytes decide when the name does not tell).
pub fn extract(name: &str, bytes: &[u8], limits: &Limits) -> Result<ExtractedText, ExtractError> {
    if bytes.len() > limits.max_bytes {
        return Err(ExtractError::TooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let kind = Kind::detect(name, bytes);
    let (text, pages) = match kind {
        Kind::Pdf => {
            let (text, pages) = pdf(bytes, limits)?;
            (text, Some(pages))
        }
        Kind::Html => (html(&decode_text(bytes)), None),
        Kind::Text => (decode_text(bytes), None),
    };
    let text = tidy(&text);
    if !text.chars().any(char::is_alphanumeric) {
        return Err(if kind == Kind::Pdf {
            ExtractError::NoText
        } else {
            ExtractError::Empty
        });
    }
    Ok(ExtractedText { text, kind, pages })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// UTF-8 (BOM dropped), else Windows-1252; CRLF/CR → LF; control characters but tab and LF
/// dropped.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let s = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    };
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.chars()
        .filter(|&c| c == '\n' || c == '\t' || c == '\u{c}' || !c.is_control())
        .collect()
}

fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Trims line ends, joins words hyphenated across a line break ("infor-\nmation"), turns
/// form feeds into blank lines, keeps at most one blank line in a row, trims the whole.
fn tidy(text: &str) -> String {
    let text = text.replace('\u{c}', "\n\n").replace('\u{a0}', " ");
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    let mut lines = text.split('\n').map(str::trim_end).peekable();
    while let Some(line) = lines.next() {
        let line = line.trim_start_matches(|c: char| c.is_whitespace() && c != '\t');
        if line.trim().is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        // a word broken across lines: "infor-" then "mation…"
        let joins_next = line.ends_with('-')
            && line[..line.len() - 1]
                .chars()
                .next_back()
                .is_some_and(char::is_lowercase)
            && lines
                .peek()
                .and_then(|n| n.trim_start().chars().next())
                .is_some_and(char::is_lowercase);
        if joins_next {
            out.push_str(&line[..line.len() - 1]);
            if let Some(next) = lines.next() {
                out.push_str(next.trim_start());
            }
        } else {
            out.push_str(line);
        }
    }
    out
}

// ---------------------------------------------------------------- PDF

fn pdf(bytes: &[u8], limits: &Limits) -> Result<(String, usize), ExtractError> {
    let header = find(&bytes[..bytes.len().min(1024)], b"%PDF-");
    if header.is_none() {
        return Err(ExtractError::Corrupt(
            "no %PDF- header in the first 1024 bytes".into(),
        ));
    }
    check_inflated_size(bytes, limits.max_decompressed)?;
    let owned = bytes.to_vec();
    let limits_copy = *limits;
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("pdf-extract".into())
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| pdf_worker(&owned, &limits_copy)))
                .unwrap_or_else(|_| {
                    Err(ExtractError::Corrupt(
                        "the PDF parser failed on this file (malformed structure)".into(),
                    ))
                });
            let _ = tx.send(result);
        });
    if spawned.is_err() {
        return Err(ExtractError::Corrupt(
            "could not start the extraction thread".into(),
        ));
    }
    match rx.recv_timeout(limits.timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(ExtractError::Timeout {
            limit: limits.timeout,
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(ExtractError::Corrupt(
            "the PDF parser stopped without an answer".into(),
        )),
    }
}

fn pdf_worker(bytes: &[u8], limits: &Limits) -> Result<(String, usize), ExtractError> {
    let mut doc = lopdf::Document::load_mem(bytes)
        .map_err(|e| ExtractError::Corrupt(format!("cannot parse its structure ({e})")))?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(ExtractError::Corrupt(
            "it is encrypted with a password; export it without one".into(),
        ));
    }
    let pages = doc.get_pages();
    if pages.len() > limits.max_pages {
        return Err(ExtractError::TooManyPages {
            pages: pages.len(),
            limit: limits.max_pages,
        });
    }
    if pages.is_empty() {
        return Err(ExtractError::Corrupt("it has no pages".into()));
    }
    let mut text = String::new();
    for &number in pages.keys() {
        let mut page = String::new();
        {
            let mut out = pdf_extract::PlainTextOutput::new(&mut page);
            pdf_extract::output_doc_page(&doc, &mut out, number).map_err(|e| {
                ExtractError::Corrupt(format!("cannot read the text of page {number} ({e})"))
            })?;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&page);
    }
    Ok((text, pages.len()))
}

/// Inflates every stream that looks zlib-compressed with a shared budget, before any parser
/// does: a file whose streams inflate beyond `limit` bytes is refused. Streams that are not
/// zlib (images, other filters) fail at their first bytes and cost nothing.
fn check_inflated_size(bytes: &[u8], limit: usize) -> Result<(), ExtractError> {
    let mut total: usize = 0;
    let mut from = 0;
    while let Some(i) = find(&bytes[from..], b"stream") {
        let kw = from + i;
        from = kw + 6;
        if kw >= 3 && &bytes[kw - 3..kw] == b"end" {
            continue;
        }
        let mut data = kw + 6;
        if bytes.get(data) == Some(&b'\r') {
            data += 1;
        }
        if bytes.get(data) == Some(&b'\n') {
            data += 1;
        } else if data == kw + 6 {
            continue; // "stream" not followed by an end of line: not a stream keyword
        }
        let end = find(&bytes[data..], b"endstream").map_or(bytes.len(), |e| data + e);
        let raw = &bytes[data..end];
        if raw.len() < 2
            || raw[0] & 0x0f != 8
            || ((u16::from(raw[0]) << 8) | u16::from(raw[1])) % 31 != 0
        {
            from = end;
            continue; // no zlib header
        }
        let budget = limit.saturating_sub(total);
        let mut decoder = flate2::read::ZlibDecoder::new(raw).take(budget as u64 + 1);
        let inflated = std::io::copy(&mut decoder, &mut std::io::sink()).unwrap_or(0);
        total = total.saturating_add(inflated as usize);
        if total > limit {
            return Err(ExtractError::TooMuchData { limit });
        }
        from = end;
    }
    Ok(())
}

// ---------------------------------------------------------------- HTML

/// Elements whose content is not text of the page.
const SKIPPED: [&str; 9] = [
    "script", "style", "noscript", "template", "svg", "title", "head", "iframe", "object",
];
/// Elements that start a new paragraph (blank line).
const BLOCKS: [&str; 27] = [
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "main",
    "aside",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dl",
    "form",
    "fieldset",
    "figure",
    "address",
    "details",
    "hr",
];
/// Elements that start a new line.
const LINES: [&str; 8] = [
    "br",
    "tr",
    "dt",
    "dd",
    "summary",
    "figcaption",
    "caption",
    "li",
];

/// The visible text of an HTML page.
pub fn html(src: &str) -> String {
    let mut out = String::with_capacity(src.len() / 2);
    let mut pending_space = false;
    let mut in_pre = 0usize;
    let mut rest = src;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_text(&mut out, rest, &mut pending_space, in_pre > 0);
            break;
        };
        push_text(&mut out, &rest[..lt], &mut pending_space, in_pre > 0);
        rest = &rest[lt..];
        if let Some(body) = rest.strip_prefix("<!--") {
            rest = body.find("-->").map_or("", |e| &body[e + 3..]);
            continue;
        }
        let after = &rest[1..];
        let closing = after.starts_with('/');
        let name_part = if closing { &after[1..] } else { after };
        let name_len = name_part
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':'))
            .unwrap_or(name_part.len());
        if name_len == 0 || !name_part.starts_with(|c: char| c.is_ascii_alphabetic()) {
            if after.starts_with('!') || after.starts_with('?') {
                rest = rest.find('>').map_or("", |e| &rest[e + 1..]);
            } else {
                // a lone "<" in text
                push_text(&mut out, "<", &mut pending_space, in_pre > 0);
                rest = &rest[1..];
            }
            continue;
        }
        let name = name_part[..name_len].to_ascii_lowercase();
        let tag_end = tag_end(rest).unwrap_or(rest.len());
        let self_closing = rest[..tag_end].ends_with("/>");
        rest = rest.get(tag_end..).unwrap_or("");
        if !closing && SKIPPED.contains(&name.as_str()) && !self_closing {
            rest = skip_element(rest, &name);
            continue;
        }
        if name == "pre" {
            in_pre = if closing {
                in_pre.saturating_sub(1)
            } else {
                in_pre + 1
            };
        }
        if BLOCKS.contains(&name.as_str()) {
            break_line(&mut out, true);
            pending_space = false;
        } else if LINES.contains(&name.as_str()) {
            break_line(&mut out, false);
            pending_space = false;
            if name == "li" && !closing {
                out.push_str("• ");
            }
        } else if matches!(name.as_str(), "td" | "th") && !closing {
            pending_space = true;
        }
    }
    out
}

/// Index one past the '>' that closes the tag at the start of `s` (quotes respected).
fn tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The rest after `</name>` (case-insensitive), or nothing when it never closes.
fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let lower = rest.to_ascii_lowercase();
    let close = format!("</{name}");
    match lower.find(&close) {
        Some(i) => {
            let after = &rest[i..];
            after.find('>').map_or("", |e| &after[e + 1..])
        }
        None => "",
    }
}

fn break_line(out: &mut String, blank: bool) {
    while out.ends_with(' ') {
        out.pop();
    }
    if out.is_empty() {
        return;
    }
    let want = if blank { "\n\n" } else { "\n" };
    if blank {
        if out.ends_with("\n\n") {
            return;
        }
        if out.ends_with('\n') {
            out.push('\n');
            return;
        }
    } else if out.ends_with('\n') {
        return;
    }
    out.push_str(want);
}

fn push_text(out: &mut String, raw: &str, pending_space: &mut bool, pre: bool) {
    if raw.is_empty() {
        return;
    }
    let decoded = decode_entities(raw);
    if pre {
        out.push_str(&decoded);
        return;
    }
    for c in decoded.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            *pending_space = true;
        } else {
            if *pending_space && !out.is_empty() && !out.ends_with('\n') && !out.ends_with(' ') {
                out.push(' ');
            }
            *pending_space = false;
            out.push(if c == '\u{a0}' { ' ' } else { c });
        }
    }
}

/// Decodes character references: numeric (`&#8217;`, `&#x2019;`) and the named ones that
/// policies use; an unknown name is kept as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map_or(rest.len(), |e| e + 1);
        let name = &rest[1..end];
        let decoded = if let Some(num) = name.strip_prefix('#') {
            let value = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse::<u32>().ok(),
            };
            value.map(|v| match v {
                0x80..=0x9f => windows_1252(v as u8),
                _ => char::from_u32(v)
                    .filter(|c| *c != '\0')
                    .unwrap_or('\u{fffd}'),
            })
        } else {
            named_entity(name)
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end..];
                if rest.starts_with(';') {
                    rest = &rest[1..];
                }
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "rsquo" => '’',
        "lsquo" => '‘',
        "rdquo" => '”',
        "ldquo" => '“',
        "sbquo" => '‚',
        "bdquo" => '„',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "bull" => '•',
        "middot" => '·',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "sect" => '§',
        "para" => '¶',
        "deg" => '°',
        "plusmn" => '±',
        "times" => '×',
        "divide" => '÷',
        "frac12" => '½',
        "frac14" => '¼',
        "frac34" => '¾',
        "laquo" => '«',
        "raquo" => '»',
        "lsaquo" => '‹',
        "rsaquo" => '›',
        "dagger" => '†',
        "Dagger" => '‡',
        "euro" => '€',
        "pound" => '£',
        "cent" => '¢',
        "yen" => '¥',
        "shy" => '\u{ad}',
        "zwj" => '\u{200d}',
        "zwnj" => '\u{200c}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "eacute" => 'é',
        "Eacute" => 'É',
        "egrave" => 'è',
        "aacute" => 'á',
        "agrave" => 'à',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "ntilde" => 'ñ',
        "Ntilde" => 'Ñ',
        "ccedil" => 'ç',
        "uuml" => 'ü',
        "ouml" => 'ö',
        "auml" => 'ä',
        "iuml" => 'ï',
        "szlig" => 'ß',
        "iexcl" => '¡',
        "iquest" => '¿',
        "check" => '✓',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_drops_scripts_styles_and_keeps_blocks() {
        let page = "<!DOCTYPE html><html><head><title>Ignored</title><style>p{color:red}</style>\
            <script>var s = '<p>not text</p>';</script></head><body>\
            <h1>Privacy&nbsp;Policy</h1><p>We don&rsquo;t sell your data &amp; we say so.\n   Really.</p>\
            <!-- a comment <p>hidden</p> --><ul><li>Name</li><li>E-mail &lt;address&gt;</li></ul>\
            <p>Caf&#233; &#x2014; done<br>next line</p><noscript>Enable JS</noscript></body></html>";
        let text = tidy(&html(page));
        assert_eq!(
            text,
            "Privacy Policy\n\nWe don’t sell your data & we say so. Really.\n\n• Name\n• E-mail <address>\n\nCafé — done\nnext line"
        );
    }

    #[test]
    fn entities_numeric_named_and_unknown() {
        assert_eq!(
            decode_entities("a &amp b &#39;x&#39; &#x27; &bogus; &#150;"),
            "a & b 'x' ' &bogus; –"
        );
    }

    #[test]
    fn plain_text_bom_crlf_and_windows_1252() {
        let t = extract(
            "p.txt",
            b"\xEF\xBB\xBFLine one\r\nLine two\rEnd",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(t.text, "Line one\nLine two\nEnd");
        assert_eq!(t.kind, Kind::Text);
        let t = extract(
            "p.txt",
            b"We don\x92t sell \x93data\x94.",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(t.text, "We don’t sell “data”.");
    }

    #[test]
    fn tidy_joins_hyphenated_breaks_and_collapses_blank_lines() {
        assert_eq!(
            tidy("  The infor-\nmation we keep   \n\n\n\nNext\u{c}Page"),
            "The information we keep\n\nNext\n\nPage"
        );
        assert_eq!(tidy("Third-\nParty"), "Third-\nParty");
    }

    #[test]
    fn limits_and_empty_input() {
        let small = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert_eq!(
            extract("a.txt", b"01234567890", &small),
            Err(ExtractError::TooLarge {
                bytes: 11,
                limit: 10
            })
        );
        assert_eq!(
            extract("a.txt", b"", &Limits::default()),
            Err(ExtractError::Empty)
        );
        assert_eq!(
            extract("a.html", b"<p> </p>", &Limits::default()),
            Err(ExtractError::Empty)
        );
    }

    #[test]
    fn kind_detection() {
        assert_eq!(Kind::detect("x.PDF", b""), Kind::Pdf);
        assert_eq!(Kind::detect("upload", b"%PDF-1.4\n"), Kind::Pdf);
        assert_eq!(Kind::detect("upload", b"<!doctype html><p>x"), Kind::Html);
        assert_eq!(Kind::detect("upload", b"Plain words"), Kind::Text);
    }

    #[test]
    fn the_no_text_message() {
        assert_eq!(
            ExtractError::NoText.to_string(),
            "no text found (is it a scan?)"
        );
    }
}
