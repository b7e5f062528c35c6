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

mod backtest;
mod conventions;
mod init;
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
    /// Accuracy on held-out years, beside the naive forecast: a data set (the simulator re-based
    /// earlier) or a history file (rolling origins).
    Backtest(BacktestArgs),
    /// Check a data set and report every problem with file, line and column.
    Validate(ValidateArgs),
    /// Write a new, commented data set and scenario to fill in.
    Init(InitArgs),
    /// Regenerate a synthetic data set with the project's seeded generator.
    Generate(GenerateArgs),
    /// Summarise the draws of shard runs (`run --draws-from`) into the tables, charts and
    /// report that one run of all the draws writes.
    Merge(MergeArgs),
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
    #[command(flatten)]
    pub charts: ChartArgs,
    /// Also rank which projects matter most (project_priority.csv): each project slipped one
    /// school year and brought forward to its planned date, against the same draws.
    #[arg(long)]
    pub priority: bool,
    /// Run only draws A to A + --draws − 1 (a shard of a bigger job: each draw has its own
    /// random stream) and write their raw results, for `placeplan merge`.
    #[arg(long, value_name = "A", requires = "draws", conflicts_with = "priority", value_parser = draws_from)]
    pub draws_from: Option<u64>,
    /// Print how long each phase took (load, assemble, draws, summary, tables, charts,
    /// workbook, commit) on stderr.
    #[arg(long)]
    pub timings: bool,
}

/// The charts and report of a run or a merge.
#[derive(Debug, clap::Args)]
pub struct ChartArgs {
    /// Language of charts and report: zh or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// Chart formats, comma-separated: png, svg.
    #[arg(long, default_value = "png,svg")]
    pub format: String,
    /// Skip charts and report (tables only).
    #[arg(long)]
    pub no_charts: bool,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The --out folders of shard runs (`placeplan run --draws-from`).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Worker threads, 1–256 (default: all cores). The tables do not depend on it.
    #[arg(long, value_parser = threads, allow_hyphen_values = true)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub charts: ChartArgs,
    /// Print how long each phase took on stderr.
    #[arg(long)]
    pub timings: bool,
}

/// The conventions of a cohort-survival forecast, shared by `project` and `backtest`.
///
/// With none of the entry and ratio flags (`--entry`, `--hold-entry`, `--entry-mean`,
/// `--entry-trend`, `--ratio`, `--weights`, `--window`), placeplan's defaults apply: entry the
/// mean of the last 3 years, mean ratios over the last 5 transitions (fewer where a unit has
/// fewer), and where the file has an `area` column, entry moved by the area's damped trend and
/// ratios shrunk toward the area's; blended with the naive forecast by weights chosen on the
/// file's earlier origins (README, "Defaults, and how accurate they are"). With any of them, the classic
/// conventions apply to whatever is not given: mean ratios over all transitions, no shrinkage,
/// no blend.
#[derive(Debug, Clone, clap::Args)]
pub struct ConventionArgs {
    /// Hold the entry grade at each unit's last actual count (= --entry-mean 1).
    #[arg(long)]
    pub hold_entry: bool,
    /// Entry grade: the mean of each unit's last N actual counts.
    #[arg(long, value_name = "N")]
    pub entry_mean: Option<usize>,
    /// Entry grade: a linear trend over each unit's last N actual counts, damped: N,DAMPING
    /// (e.g. 5,0.8: the slope shrinks by a factor 0.8 each projected year).
    #[arg(long, value_name = "N,DAMPING")]
    pub entry_trend: Option<String>,
    /// Averaging of yearly ratios: mean, pooled (Σ numerators / Σ denominators), geometric,
    /// median, last, weighted. Default mean.
    #[arg(long)]
    pub ratio: Option<String>,
    /// Weights for `--ratio weighted`, most recent transition first, one per transition, e.g. 2,1.
    #[arg(long)]
    pub weights: Option<String>,
    /// Use only the N most recent transitions (year pairs); default all (classic) or 5 (defaults).
    #[arg(long)]
    pub window: Option<usize>,
    /// Shrink each unit's ratios toward its area's pooled ratios with a strength of K pupils
    /// (needs an `area` column), or `none`.
    #[arg(long, value_name = "K|none")]
    pub shrink: Option<String>,
    /// Move each unit's entry by its area's own trend in that grade: a linear trend over the
    /// area's last N years, damped: N,DAMPING (needs an `area` column), or `none`.
    #[arg(long, value_name = "N,DAMPING|none")]
    pub area_trend: Option<String>,
    /// Blend with the naive forecast by horizon, weights from the file's earlier origins:
    /// auto or none.
    #[arg(long, value_name = "auto|none")]
    pub blend: Option<String>,
    /// A zero feeder count makes that year's ratio 0 (zero), leaves the year out (skip), or is an
    /// error naming the row (error).
    #[arg(long, default_value = "zero")]
    pub zero_feeder: String,
    /// Rounding: none, or each-year (every projected count rounded half away from zero and the
    /// rounded counts carried into the next year). Ratios are never rounded.
    #[arg(long, default_value = "none")]
    pub round: String,
}

#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    /// History CSV: unit,year,grade,pupils and an optional area, columns in any order (grade an
    /// integer, K/KG = 0, PK/TK; year 2019 or 2019-20; several units at once).
    #[arg(long)]
    pub history: PathBuf,
    /// Future entry-grade (lowest grade) counts: unit,year,pupils, covering every projected year.
    #[arg(long, conflicts_with_all = ["hold_entry", "entry_mean", "entry_trend"])]
    pub entry: Option<PathBuf>,
    /// Years to project after each unit's last actual year, 1–100.
    #[arg(long, value_parser = years, allow_hyphen_values = true)]
    pub years: u16,
    #[command(flatten)]
    pub conventions: ConventionArgs,
    /// Projection output CSV: unit,year,grade,pupils (projected years only, full precision).
    #[arg(long, default_value = "output/projection.csv")]
    pub out: PathBuf,
    /// Ratios output CSV: unit,from_grade,to_grade,ratio (full precision).
    #[arg(long)]
    pub ratios_out: Option<PathBuf>,
    /// Totals output CSV: unit,year,pupils,p10,p90 (P10–P90 from the errors of earlier origins).
    /// Default: beside --out, `<name>_totals.csv`, when the defaults apply.
    #[arg(long)]
    pub totals_out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// A data set folder: the simulator re-based `--hold-out` years before its last year and
    /// scored on the years held out (give this or --history).
    #[arg(conflicts_with = "history", required_unless_present = "history")]
    pub data: Option<PathBuf>,
    /// History CSV (as for `project`): forecasts from every origin year, scored on later years.
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Data set mode: years held out at the end of the enrolment history.
    #[arg(long, default_value_t = 2)]
    pub hold_out: u16,
    /// Data set mode: the scenario whose drivers and conventions are used.
    #[arg(long, default_value = "scenarios/plan.toml")]
    pub scenario: PathBuf,
    /// Data set mode: Monte Carlo draws.
    #[arg(long, default_value_t = 1000)]
    pub draws: u32,
    /// Data set mode: seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Data set mode: worker threads (default: all cores). The tables do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Horizons scored: 1 to N years after each origin.
    #[arg(long, default_value_t = 5)]
    pub horizons: u16,
    /// First origin scored (default: the first from which every horizon can be calibrated on
    /// at least three earlier origins).
    #[arg(long)]
    pub first_origin: Option<u16>,
    #[command(flatten)]
    pub conventions: ConventionArgs,
    /// Output folder: accuracy.csv, forecasts.csv, accuracy.png/svg, backtest.md.
    #[arg(long, default_value = "output/backtest")]
    pub out: PathBuf,
    /// Language of the chart: zh or en.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Chart formats, comma-separated: png, svg.
    #[arg(long, default_value = "png,svg")]
    pub format: String,
    /// Skip the chart.
    #[arg(long)]
    pub no_charts: bool,
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
    let max = u64::from(crate::scenario::MAX_DRAWS);
    whole_in(s, 1, max).map(|n| n as u32)
}

fn draws_from(s: &str) -> Result<u64, String> {
    whole_in(s, 0, u64::from(u32::MAX))
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
        Command::Backtest(args) => backtest::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Init(args) => init::init(args),
        Command::Generate(args) => run::generate(args),
        Command::Merge(args) => run::merge(args),
    }
}
