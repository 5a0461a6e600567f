//! Extraction of real files: hand-written PDF fixtures (scripts/make_pdf_fixtures.py), bad
//! and hostile PDFs (truncated, garbage, a decompression bomb, too many pages, the deadline),
//! HTML and text. None may panic; each failure has its message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bb_policy::{Analysers, ExtractError, Kind, Limits, analyse, extract};
use std::io::Write;
use std::time::Duration;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn a_pdf_with_a_text_layer() {
    let t = extract("text.pdf", &fixture("text.pdf"), &Limits::default()).unwrap();
    assert_eq!(t.kind, Kind::Pdf);
    assert_eq!(t.pages, Some(1));
    assert!(t.text.contains("Privacy Policy"), "{:?}", t.text);
    assert!(
        t.text.contains("We do not sell your\ndata."),
        "{:?}",
        t.text
    );
    assert!(t.text.contains("Settings page."), "{:?}", t.text);
}

#[test]
fn an_image_only_pdf_is_a_scan() {
    let err = extract("scan.pdf", &fixture("image-only.pdf"), &Limits::default()).unwrap_err();
    assert_eq!(err, ExtractError::NoText);
    assert_eq!(err.to_string(), "no text found (is it a scan?)");
}

#[test]
fn truncated_pdfs_fail_cleanly() {
    let bytes = fixture("policy-20-pages.pdf");
    for cut in [9, 100, bytes.len() / 3, bytes.len() / 2, bytes.len() - 40] {
        match extract("cut.pdf", &bytes[..cut], &Limits::default()) {
            Err(ExtractError::Corrupt(why)) => assert!(!why.is_empty()),
            Err(ExtractError::NoText) => {}
            // lopdf may rebuild a damaged cross-reference table: then the pages before the
            // cut are read, which is fine as long as it is text from the file
            Ok(t) => assert!(
                t.text.contains("Acme"),
                "cut at {cut}: {:?}",
                &t.text[..80.min(t.text.len())]
            ),
            Err(other) => panic!("cut at {cut}: unexpected {other}"),
        }
    }
}

#[test]
fn garbage_is_not_a_pdf() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let err = extract("policy.pdf", &garbage, &Limits::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a readable PDF: no %PDF- header in the first 1024 bytes"
    );
    let mut with_header = b"%PDF-1.7\n".to_vec();
    with_header.extend_from_slice(&garbage);
    let err = extract("policy.pdf", &with_header, &Limits::default()).unwrap_err();
    assert!(matches!(err, ExtractError::Corrupt(_)), "{err}");
    assert!(err.to_string().starts_with("not a readable PDF"), "{err}");
}

/// A content stream of 4 MiB of spaces compressed to a few KiB, against a 1 MiB budget.
#[test]
fn a_decompression_bomb_is_refused_before_parsing() {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![b' '; 4 << 20]).unwrap();
    let packed = z.finish().unwrap();
    assert!(packed.len() < 16 << 10);
    let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n".to_vec();
    pdf.extend_from_slice(b"4 0 obj\n<< /Length ");
    pdf.extend_from_slice(packed.len().to_string().as_bytes());
    pdf.extend_from_slice(b" /Filter /FlateDecode >>\nstream\n");
    pdf.extend_from_slice(&packed);
    pdf.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let err = extract("bomb.pdf", &pdf, &limits).unwrap_err();
    assert_eq!(err, ExtractError::TooMuchData { limit: 1 << 20 });
    assert!(err.to_string().contains("decompression bomb"));
    // the real 20-page policy inflates to far less than the default 50 MB
    assert!(extract("p.pdf", &fixture("policy-20-pages.pdf"), &Limits::default()).is_ok());
}

#[test]
fn page_and_size_limits() {
    let bytes = fixture("policy-20-pages.pdf");
    let limits = Limits {
        max_pages: 5,
        ..Limits::default()
    };
    assert_eq!(
        extract("p.pdf", &bytes, &limits).unwrap_err(),
        ExtractError::TooManyPages {
            pages: 20,
            limit: 5
        }
    );
    let limits = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        extract("p.pdf", &bytes, &limits).unwrap_err(),
        ExtractError::TooLarge { limit: 1000, .. }
    ));
}

#[test]
fn the_deadline_returns_an_error_in_time() {
    let limits = Limits {
        timeout: Duration::from_nanos(1),
        ..Limits::default()
    };
    let err = extract("p.pdf", &fixture("policy-20-pages.pdf"), &limits).unwrap_err();
    assert!(matches!(err, ExtractError::Timeout { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("text extraction took longer than")
    );
}

#[test]
fn the_twenty_page_policy_end_to_end() {
    let t = extract(
        "policy.pdf",
        &fixture("policy-20-pages.pdf"),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(t.pages, Some(20));
    let report = analyse("policy.pdf", &t, Analysers::default());
    assert!(
        (9_500..=10_800).contains(&report.words),
        "{} words",
        report.words
    );
    assert!(report.sentences > 500);
    let r = &report.readability;
    assert!(
        r.grade_range[0] > 5.0 && r.grade_range[1] < 20.0,
        "{:?}",
        r.grade_range
    );
    assert_eq!(r.hardest_passages.len(), 3);
    // the policy repeats its text 11 times: the passages are still three different sentences
    assert_ne!(r.hardest_passages[0].text, r.hardest_passages[1].text);
    assert_ne!(r.hardest_passages[1].text, r.hardest_passages[2].text);
    // "visit https://www.medicare.gov" in every part is an address, not a source name
    assert!(report.naming.is_empty(), "{:?}", report.naming.first());
    let chars: Vec<char> = t.text.chars().collect();
    for p in &r.hardest_passages {
        assert_eq!(chars[p.start..p.end].iter().collect::<String>(), p.text);
    }
}

#[test]
fn html_and_text_files() {
    let page = b"<html><body><h2>Sharing</h2><p>Our <b>Blue Button</b> app shares nothing.</p>\
        <script>alert('x')</script></body></html>";
    let t = extract("p.html", page, &Limits::default()).unwrap();
    assert_eq!(t.kind, Kind::Html);
    assert_eq!(t.text, "Sharing\n\nOur Blue Button app shares nothing.");
    let report = analyse("p.html", &t, Analysers::default());
    assert_eq!(report.naming.len(), 1);
    assert_eq!(report.naming[0].start, 9);
    let t = extract("p.txt", &fixture("sample-policy.txt"), &Limits::default()).unwrap();
    assert_eq!(t.kind, Kind::Text);
    assert!(
        t.text
            .starts_with("Acme Health Records Privacy Policy\n\nLast updated")
    );
}
