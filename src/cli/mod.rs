//! Command-line definitions (clap) and their translation into plain requests.
//!
//! No domain logic here: each subcommand's module turns flags into a request and calls the library.
//! Flags with limits are checked here, before anything is read or allocated; a command line that
//! is not understood is an input error (exit 1), like a bad file.

/// Writes a line to stderr; a closed pipe (`placeplan validate x 2>&1 | head -3`) ends the
/// output quietly instead of panicking.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Writes to stdout, quietly stopping at a closed pipe.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// An error in what the user asked (a flag, a folder named on the command line): said on
/// stderr, exit 1.
fn refused(message: impl std::fmt::Display) -> ExitCode {
    note!("error: {message}");
    ExitCode::from(1)
}

mod project;
mod run;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// School-place capacity planning simulator.
#[derive(Debug, Parser)]
#[command(name = "placeplan", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios (default: every scenario in `scenarios/`) and write tables, charts and a report.
    Run(RunArgs),
    /// The classic cohort-survival (grade progression) projection, on its own.
    Project(ProjectArgs),
    /// Check a data set and report every problem with file, line and column.
    Validate(ValidateArgs),
    /// Write a new, commented data set and scenario to fill in.
    Init(InitArgs),
    /// Regenerate a synthetic data set with the project's seeded generator.
    Generate(GenerateArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario files; none = every `*.toml` in `scenarios/`.
    pub scenarios: Vec<PathBuf>,
    /// Use this data set instead of the one each scenario names.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Monte Carlo draws (overrides the scenario), 1–1000000.
    #[arg(long, value_parser = draws, allow_hyphen_values = true)]
    pub draws: Option<u32>,
    /// Seed (overrides the scenario).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads, 1–256 (default: all cores). The tables do not depend on it.
    #[arg(long, value_parser = threads, allow_hyphen_values = true)]
    pub threads: Option<usize>,
    /// Language of charts and report: zh or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// Chart formats, comma-separated: png, svg.
    #[arg(long, default_value = "png,svg")]
    pub format: String,
    /// Skip charts and report (tables only).
    #[arg(long)]
    pub no_charts: bool,
    /// Also rank which projects matter most (project_priority.csv): each project slipped one
    /// school year and brought forward to its planned date, against the same draws.
    #[arg(long)]
    pub priority: bool,
}

#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    /// History CSV: unit,year,grade,pupils, columns in any order (grade an integer or K = 0;
    /// several units at once; every unit needs every grade of its range in every year).
    #[arg(long)]
    pub history: PathBuf,
    /// Future entry-grade (lowest grade) counts: unit,year,pupils, covering every projected year.
    #[arg(long, conflicts_with = "hold_entry")]
    pub entry: Option<PathBuf>,
    /// Hold the entry grade at each unit's last actual count.
    #[arg(long)]
    pub hold_entry: bool,
    /// Years to project after each unit's last actual year, 1–100.
    #[arg(long, value_parser = years, allow_hyphen_values = true)]
    pub years: u16,
    /// Averaging of yearly ratios: mean, pooled (Σ numerators / Σ denominators), geometric,
    /// median, last, weighted.
    #[arg(long, default_value = "mean")]
    pub ratio: String,
    /// Weights for `--ratio weighted`, most recent transition first, one per transition, e.g. 2,1.
    #[arg(long)]
    pub weights: Option<String>,
    /// Use only the N most recent transitions (year pairs); default all.
    #[arg(long)]
    pub window: Option<usize>,
    /// A zero feeder count makes that year's ratio 0 (zero), leaves the year out (skip), or is an
    /// error naming the row (error).
    #[arg(long, default_value = "zero")]
    pub zero_feeder: String,
    /// Rounding: none, or each-year (every projected count rounded half away from zero and the
    /// rounded counts carried into the next year). Ratios are never rounded.
    #[arg(long, default_value = "none")]
    pub round: String,
    /// Projection output CSV: unit,year,grade,pupils (projected years only, full precision).
    #[arg(long)]
    pub out: PathBuf,
    /// Ratios output CSV: unit,from_grade,to_grade,ratio (full precision).
    #[arg(long)]
    pub ratios_out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Data set folder.
    #[arg(default_value = "data/hengyang-2019")]
    pub dir: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Folder to create.
    pub dir: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// What to generate: `hengyang` (the calibrated default data set) or `province`.
    #[arg(long, default_value = "hengyang")]
    pub kind: String,
    /// Output folder.
    #[arg(long, default_value = "data/hengyang-2019")]
    pub out: PathBuf,
    /// Schools of a synthetic province (`--kind province`).
    #[arg(long, default_value_t = 20_000)]
    pub schools: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 2019)]
    pub seed: u64,
}

/// A whole number in `min..=max`, or what was expected.
fn whole_in(s: &str, min: u64, max: u64) -> Result<u64, String> {
    s.parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("expected a whole number between {min} and {max}"))
}

fn draws(s: &str) -> Result<u32, String> {
    let max = u64::from(crate::scenario::file::MAX_DRAWS);
    whole_in(s, 1, max).map(|n| n as u32)
}

fn threads(s: &str) -> Result<usize, String> {
    whole_in(s, 1, crate::run::MAX_THREADS as u64).map(|n| n as usize)
}

fn years(s: &str) -> Result<u16, String> {
    whole_in(s, 1, 100).map(|n| n as u16)
}

/// Parses the command line and runs the command; returns the process exit code.
pub fn main() -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return Ok(if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
    };
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Project(args) => project::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Init(args) => validate::init(args),
        Command::Generate(args) => run::generate(args),
    }
}
