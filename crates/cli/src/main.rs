//! The `bluebutton` binary: parse the command line, load the layered configuration, start
//! logging, run the command, and turn any failure into one line on stderr with a non-zero
//! exit status.

mod args;
mod commands;
mod config;
mod error;
mod open;
mod telemetry;

use args::{Cli, Command};

/// mimalloc instead of glibc's malloc: the FHIR API builds and frees ~100 KB response buffers
/// at thousands per second, and glibc returned those pages to the kernel (`madvise`) and
/// faulted them back in on every request (measured: 3–5 % of CPU in page faults and
/// madvise under `bench fhir`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::Parser;
use error::CliError;

fn main() {
    let code = match run() {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    };
    std::process::exit(code);
}

fn run() -> Result<(), CliError> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return clap_outcome(err),
    };
    let mut config =
        config::load(cli.config.as_deref(), std::env::vars()).map_err(CliError::Failed)?;
    if let Some(url) = cli.database_url {
        config.database.url = url;
    }
    if let Some(format) = cli.log_format {
        config.log.format = format;
    }
    if let Command::Serve(serve) = &cli.command {
        if let Some(bind) = &serve.bind {
            config.server.bind.clone_from(bind);
        }
        if let Some(n) = serve.sandbox_enrollees {
            config.sandbox.enrollees = n;
        }
        if let Some(seed) = serve.seed {
            config.sandbox.seed = seed;
        }
    }
    telemetry::init(&config.log).map_err(CliError::Failed)?;
    // The policy check reads files and computes; it needs no store and no async runtime.
    let command = match cli.command {
        Command::Policy(args::PolicyCommand::Check(args)) => {
            return commands::policy::check(&args);
        }
        other => other,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        match command {
            Command::Policy(_) => Ok(()),
            Command::Serve(_) => commands::serve::run(&config).await,
            Command::Migrate => commands::migrate::run(&config).await,
            Command::Generate(args) => commands::generate::run(&config, args).await,
            Command::Import(args::ImportCommand::Rif(args)) => {
                commands::import::run(&config, args).await
            }
            Command::Admin(admin) => commands::admin::run(&config, admin).await,
            Command::Client(args) => commands::client::run(args).await,
            Command::Audit(args::AuditCommand::Verify) => commands::audit::verify(&config).await,
        }
    })
}

/// Help and version go to stdout with status 0; real parse errors become one line naming
/// the problem and pointing at `--help`.
fn clap_outcome(err: clap::Error) -> Result<(), CliError> {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{err}");
            Ok(())
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => Err(
            CliError::Usage("a command is required: run `bluebutton --help` to list them".into()),
        ),
        _ => {
            let rendered = err.render().to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments")
                .trim()
                .trim_start_matches("error: ")
                .to_owned();
            Err(CliError::Usage(format!(
                "{first} (run with --help to see the accepted arguments)"
            )))
        }
    }
}
