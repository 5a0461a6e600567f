//! Text extraction (`bb_policy::extract`) over arbitrary bytes: PDF above all (lopdf and
//! pdf-extract on a worker thread with a deadline, after the bounded inflation check),
//! and the HTML and plain-text paths.
//!
//! The first input byte picks the file name the upload would have (`policy.pdf`,
//! `policy.html`, `policy.txt`, or `policy` so that the bytes decide). Properties:
//! extraction never panics outside the worker thread, whose panics `extract` turns into
//! `Corrupt` by design (a panic there is not a crash; anywhere else it aborts as usual);
//! it answers within its deadline (libFuzzer's `-timeout` catches a hang) and its memory
//! (`-rss_limit_mb`); a success has text with a letter or digit and, for a PDF, a page
//! count within the limit.

#![no_main]

use bb_policy::extract::{ExtractError, Kind, Limits, extract};
use libfuzzer_sys::fuzz_target;
use std::sync::Once;
use std::time::{Duration, Instant};

const NAMES: [&str; 4] = ["policy.pdf", "policy.html", "policy.txt", "policy"];

/// libfuzzer-sys aborts on every panic, even one that is caught; the worker thread's are
/// caught by `extract` and are answers, not crashes.
fn quiet_worker_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some("pdf-extract") {
                fuzzer_hook(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    quiet_worker_panics();
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(choice) % NAMES.len()];
    let limits = Limits {
        max_bytes: 1024 * 1024,
        max_pages: 50,
        max_decompressed: 8 * 1024 * 1024,
        timeout: Duration::from_secs(5),
    };
    let started = Instant::now();
    let result = extract(name, bytes, &limits);
    // The deadline holds (with slack for a loaded machine).
    assert!(
        started.elapsed() < limits.timeout + Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    match result {
        Ok(text) => {
            assert!(text.text.chars().any(char::is_alphanumeric));
            assert_eq!(text.text.trim(), text.text);
            if text.kind == Kind::Pdf {
                assert!(
                    text.pages
                        .is_some_and(|p| (1..=limits.max_pages).contains(&p))
                );
            } else {
                assert!(text.pages.is_none());
            }
        }
        Err(ExtractError::TooLarge { .. }) => assert!(bytes.len() > limits.max_bytes),
        Err(ExtractError::Empty) => {}
        Err(ExtractError::TooManyPages { pages, limit }) => assert!(pages > limit),
        Err(_) => {}
    }
});
