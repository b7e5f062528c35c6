//! Command-line definitions (clap) and their translation into plain requests.
//!
//! No domain logic here: each subcommand's module turns flags into a request and calls the library.

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
    /// Monte Carlo draws (overrides the scenario).
    #[arg(long)]
    pub draws: Option<u32>,
    /// Seed (overrides the scenario).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). The tables do not depend on it.
    #[arg(long)]
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
    /// Years to project after each unit's last actual year.
    #[arg(long)]
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

/// Parses the command line and runs the command; returns the process exit code.
pub fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Project(args) => project::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Init(args) => validate::init(args),
        Command::Generate(args) => run::generate(args),
    }
}
