//! `cargo xtask`: `tidy` (architecture invariants) and `bench startup` (start to first
//! answered `/health` with an existing store).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["tidy"] => {
            let violations = xtask::tidy::check(&root);
            for v in &violations {
                eprintln!("{v}");
            }
            if violations.is_empty() {
                println!("tidy: all invariants hold");
                Ok(())
            } else {
                Err(anyhow::anyhow!("tidy: {} violation(s)", violations.len()))
            }
        }
        ["bench", "startup", rest @ ..] => xtask::bench::startup(&root, rest),
        _ => Err(anyhow::anyhow!(
            "usage: cargo xtask tidy | cargo xtask bench startup [--runs N]"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}
