//! `cargo xtask`: `tidy` (architecture invariants), `codegen` (RIF layouts from BFD's
//! mappings) and `bench startup` (start to first answered `/health` with an existing store).

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
        ["bench"] => xtask::bench::all(&root, &[]),
        ["bench", first, rest @ ..] if first.starts_with("--") => {
            xtask::bench::all(&root, &[&[*first], rest].concat())
        }
        ["bench", "startup", rest @ ..] => xtask::bench::startup(&root, rest),
        ["bench", "generate", rest @ ..] => xtask::bench::generate(&root, rest),
        ["bench", "import", rest @ ..] => xtask::bench::import(&root, rest),
        ["bench", "fhir", rest @ ..] => xtask::bench::fhir(&root, rest),
        ["bench", "token", rest @ ..] => xtask::bench::token(&root, rest),
        ["bench", "bearer", rest @ ..] => xtask::bench::bearer(&root, rest),
        ["bench", "policy", rest @ ..] => xtask::bench::policy(&root, rest),
        ["codegen"] => codegen(&root),
        ["codebooks"] => {
            xtask::codebooks::render(&root.join("data/reference/ccw")).and_then(|text| {
                let target = root.join("crates/claims/data/ccw-values.tsv");
                std::fs::write(&target, text)?;
                println!("wrote {}", target.display());
                Ok(())
            })
        }
        ["docs"] => write_docs(&root),
        _ => Err(anyhow::anyhow!(
            "usage: cargo xtask tidy | cargo xtask codegen | cargo xtask codebooks | cargo xtask docs | cargo xtask bench [--backend sqlite|postgres|both] | cargo xtask bench startup|generate|import|fhir|token|bearer|policy [--runs N|--enrollees N|…]"
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

/// `cargo xtask docs`: the data dictionary and the FHIR examples under `crates/web/data/`.
fn write_docs(root: &std::path::Path) -> anyhow::Result<()> {
    let out = root.join(xtask::docs::OUT_DIR);
    std::fs::create_dir_all(out.join("examples"))?;
    let dictionary = xtask::docs::render_dictionary(&root.join("data/reference/ccw"))?;
    std::fs::write(out.join("data-dictionary.tsv"), dictionary)?;
    for (name, text) in xtask::docs::render_examples()? {
        std::fs::write(out.join("examples").join(name), text)?;
    }
    println!("wrote {}", out.display());
    Ok(())
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Regenerates the RIF layouts and the claims model from BFD's mappings.
fn codegen(root: &std::path::Path) -> anyhow::Result<()> {
    let mappings = root.join("data/reference/rif/mappings");
    let dir = root.join("crates/claims/src");
    for (file, text) in [
        ("layouts.rs", xtask::codegen::render(&mappings)?),
        ("model.rs", xtask::codegen::render_model(&mappings)?),
    ] {
        std::fs::write(dir.join(file), text)?;
        println!("wrote crates/claims/src/{file}");
    }
    Ok(())
}
