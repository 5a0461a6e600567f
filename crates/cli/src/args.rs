//! Command-line arguments (clap). Every command and flag has `--help`; flags that have an
//! environment twin show its name but never its value (it may be a secret).

use crate::config::LogFormat;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// bluebutton: a Blue Button 2.0-compatible FHIR API over Medicare claims, with its
/// authorization server, developer portal and production-access review.
#[derive(Debug, Parser)]
#[command(name = "bluebutton", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Configuration file (TOML); see config/default.toml for every setting.
    #[arg(long, global = true, env = "BLUEBUTTON_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Database: sqlite://PATH (default sqlite://bluebutton-data/bluebutton.db) or postgres://USER@HOST:PORT/DB.
    #[arg(
        long,
        global = true,
        env = "BLUEBUTTON_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,

    /// Log format: auto (human on a terminal, JSON otherwise), human or json.
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve HTTP until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
    /// Apply pending migrations and print a JSON report.
    Migrate,
    /// Generate synthetic claims data into the store (or as RIF files with --rif-out).
    Generate(GenerateArgs),
    /// Load claims data files into the store.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Operator commands: accounts, applications, sandbox logins.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Privacy policies and terms: readability, checklist coverage, naming rule.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Test a deployment as an app would: authorize in a browser (PKCE), receive the
    /// callback on 127.0.0.1, then print the enrollee's Patient, Coverage and
    /// ExplanationOfBenefit as JSON.
    Client(ClientArgs),
    /// The tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the audit chain in order, recompute every hash and compare with the head:
    /// prints {"records","head","ok"} and exits 0, or names the first changed, inserted or
    /// deleted record and exits 1. Reads only (the store must be migrated).
    Verify,
}

/// `client` flags.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The server, e.g. http://localhost:8000 (the SDK's LOCAL environment).
    #[arg(
        long,
        env = "BLUEBUTTON_BASE_URL",
        value_name = "URL",
        default_value = "http://localhost:8000"
    )]
    pub base_url: String,
    /// The app's client id.
    #[arg(long, env = "BLUEBUTTON_CLIENT_ID", value_name = "ID")]
    pub client_id: String,
    /// The app's client secret (prefer the environment variable: flags show in `ps`).
    #[arg(
        long,
        env = "BLUEBUTTON_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub client_secret: String,
    /// Port for the callback on 127.0.0.1 (0 = any free one); the app must have
    /// http://127.0.0.1:PORT/callback as a redirect URI.
    #[arg(long, default_value_t = 0, value_name = "PORT")]
    pub port: u16,
    /// Only print the authorize URL; do not try to open a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// What to fetch, comma-separated: patient, coverage, eob.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "patient,coverage,eob",
        value_name = "LIST"
    )]
    pub resource: Vec<ClientResource>,
    /// Follow `next` links and print every page (an array of Bundles per resource).
    #[arg(long)]
    pub all_pages: bool,
    /// Seconds to wait for the callback.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub timeout: u64,
}

/// `client --resource` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientResource {
    /// `GET /v2/fhir/Patient/`.
    Patient,
    /// `GET /v2/fhir/Coverage/`.
    Coverage,
    /// `GET /v2/fhir/ExplanationOfBenefit/`.
    Eob,
}

/// `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Analyse policy files (PDF with a text layer, HTML or plain text): readability (advisory),
    /// checklist coverage with evidence, the naming rule; one report per file. Exit status 1
    /// when any file could not be read, after reporting the others.
    Check(PolicyCheckArgs),
}

/// `policy check` arguments.
#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// The files to check (PDF, HTML or text; at most 10 MB and 200 pages each).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Output: text (readable), json (the report of the contract: an object for one file, an
    /// array for several) or html (one self-contained page).
    #[arg(long, value_enum, default_value_t = PolicyFormat::Text, value_name = "FORMAT")]
    pub format: PolicyFormat,
}

/// `policy check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyFormat {
    /// Readable text.
    Text,
    /// JSON exactly as the contract.
    Json,
    /// A self-contained HTML page.
    Html,
}

/// `generate` flags.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of enrollees (BBUser00000 …).
    #[arg(long, value_name = "N")]
    pub enrollees: u32,
    /// Generator seed (default: sandbox.seed, 1). Same seed, same data.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Generation date YYYY-MM-DD: claims end on or before it (default: sandbox.as_of).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Write CCW RIF files into DIR (created if missing) instead of the store.
    #[arg(long, value_name = "DIR")]
    pub rif_out: Option<PathBuf>,
}

/// `import` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Load every CCW RIF file in DIR (BFD layouts, pipe-delimited, header row); one
    /// transaction per file; prints a JSON summary.
    Rif(ImportRifArgs),
}

/// `import rif` arguments.
#[derive(Debug, Args)]
pub struct ImportRifArgs {
    /// Folder of RIF files (a single file also works).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// `serve` flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8000).
    #[arg(long, env = "BLUEBUTTON_BIND", value_name = "HOST:PORT")]
    pub bind: Option<String>,
    /// Enrollees to generate when the store has no claims yet (default 40000; 0 = none).
    #[arg(long, env = "BLUEBUTTON_SANDBOX_ENROLLEES", value_name = "N")]
    pub sandbox_enrollees: Option<u32>,
    /// Seed of that sandbox (default 1).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
}

/// `admin` subcommands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a developer account (e-mail counted as verified) in an organization; prints JSON.
    CreateDeveloper(CreateDeveloperArgs),
    /// Create a staff account (reviewer or admin); prints JSON.
    CreateStaff(CreateStaffArgs),
    /// Register an application; prints {"client_id","client_secret"} (the secret is shown only now).
    CreateApp(CreateAppArgs),
    /// Add a sandbox Medicare login for a beneficiary; prints JSON.
    AddLogin(AddLoginArgs),
    /// Suspend an application (kill switch): its tokens stop working at once; prints JSON.
    SuspendApp(AppSwitchArgs),
    /// Re-activate a suspended application; prints JSON.
    ActivateApp(AppSwitchArgs),
}

/// `admin suspend-app` / `admin activate-app`
#[derive(Debug, Args)]
pub struct AppSwitchArgs {
    /// The application's client id.
    #[arg(long, value_name = "ID")]
    pub client_id: String,
}

/// `admin create-developer`
#[derive(Debug, Args)]
pub struct CreateDeveloperArgs {
    /// The developer's e-mail.
    #[arg(long, value_name = "E")]
    pub email: String,
    /// Organization to join (created when new).
    #[arg(long, value_name = "O")]
    pub organization: String,
    /// Read the password from standard input (first line). Required: passwords are never flags.
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

/// `admin create-staff`
#[derive(Debug, Args)]
pub struct CreateStaffArgs {
    /// The staff member's e-mail.
    #[arg(long, value_name = "E")]
    pub email: String,
    /// reviewer or admin.
    #[arg(long, value_name = "ROLE")]
    pub role: String,
    /// Read the password from standard input (first line). Required.
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

/// `admin create-app`
#[derive(Debug, Args)]
pub struct CreateAppArgs {
    /// E-mail of the owning developer.
    #[arg(long, value_name = "E")]
    pub owner: String,
    /// Application name (unique per environment, any case).
    #[arg(long, value_name = "N")]
    pub name: String,
    /// Redirect URI; repeat for several.
    #[arg(long = "redirect-uri", value_name = "U", required = true)]
    pub redirect_uris: Vec<String>,
    /// ONE_TIME, THIRTEEN_MONTH (default) or RESEARCH_STUDY.
    #[arg(long, value_name = "TYPE", default_value = "THIRTEEN_MONTH")]
    pub data_access_type: String,
    /// The app does not ask for demographics (Patient and profile scopes).
    #[arg(long)]
    pub no_demographics: bool,
    /// sandbox (default) or production.
    #[arg(long, value_name = "ENV", default_value = "sandbox")]
    pub environment: String,
    /// Logo shown on the consent page (https URL).
    #[arg(long, value_name = "URL")]
    pub logo_uri: Option<String>,
    /// The app's website (https URL).
    #[arg(long, value_name = "URL")]
    pub website_uri: Option<String>,
    /// The app's privacy policy (https URL), linked from the consent page.
    #[arg(long, value_name = "URL")]
    pub policy_uri: Option<String>,
    /// The app's terms of service (https URL), linked from the consent page.
    #[arg(long, value_name = "URL")]
    pub tos_uri: Option<String>,
}

/// `admin add-login`
#[derive(Debug, Args)]
pub struct AddLoginArgs {
    /// Beneficiary id (e.g. 567834, or negative for synthetic data).
    #[arg(long, value_name = "ID", allow_hyphen_values = true)]
    pub bene_id: String,
    /// User name for the sandbox Medicare login.
    #[arg(long, value_name = "U")]
    pub username: String,
    /// Read the password from standard input (first line). Required.
    #[arg(long, required = true)]
    pub password_stdin: bool,
}
