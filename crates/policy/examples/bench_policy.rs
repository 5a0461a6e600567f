//! The policy engine's benchmark, run by `cargo xtask bench policy` (release build): reads
//! one file, then extracts and analyses it (readability, naming, the rule classifier's 15
//! checklist items, contradictions: `Standard`, as the CLI and the portal run it) N times in process and prints one JSON line — the
//! first (cold) run, which also inflates the compiled-in word lists, and the warm runs' min,
//! median, p90 and max in milliseconds, with the pages and words analysed.
//!
//!     cargo run --release -p bb-policy --example bench_policy -- FILE [--runs N]

use bb_policy::{Limits, Standard, analyse, extract};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    match run() {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, runs) = match args.as_slice() {
        [path] => (path.clone(), 20usize),
        [path, flag, n] if flag == "--runs" => (
            path.clone(),
            n.parse().map_err(|_| "--runs takes a number".to_owned())?,
        ),
        _ => return Err("usage: bench_policy FILE [--runs N]".into()),
    };
    let bytes = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
    let limits = Limits::default();
    let standard = Standard::new().map_err(|e| e.to_string())?;
    let mut samples = Vec::with_capacity(runs);
    let mut words = 0;
    let mut pages = 0;
    for _ in 0..runs.max(2) {
        let started = Instant::now();
        let text = extract(&path, &bytes, &limits).map_err(|e| format!("{path}: {e}"))?;
        let report = analyse(&path, &text, standard.analysers());
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        words = report.words;
        pages = text.pages.unwrap_or(0);
    }
    let cold = samples[0];
    let mut warm = samples[1..].to_vec();
    warm.sort_by(f64::total_cmp);
    let pick = |q: f64| warm[((warm.len() - 1) as f64 * q).round() as usize];
    Ok(format!(
        "{{\"bench\":\"policy\",\"file\":{:?},\"pages\":{pages},\"words\":{words},\"runs\":{},\"cold_ms\":{cold:.1},\"min_ms\":{:.1},\"median_ms\":{:.1},\"p90_ms\":{:.1},\"max_ms\":{:.1}}}",
        path,
        samples.len(),
        pick(0.0),
        pick(0.5),
        pick(0.9),
        pick(1.0)
    ))
}
