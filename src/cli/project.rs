//! `placeplan project`: flags → a checked request → the cohort-survival projection → two CSVs.
//!
//! Flags are checked first (a bad flag is a usage error, exit 2, like clap's own); then the
//! input files are read and every problem found in them is printed with file, line and column
//! (exit 1, nothing written). Estimation and projection are [`crate::engine::progression`];
//! reading and writing the files is [`crate::io::history`]. No arithmetic on counts here.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::ProjectArgs;
use crate::engine::progression::{self, Averaging, RatioError, RatioOptions, Rounding, ZeroFeeder};
use crate::io::history::{self, HistoryFile, Problem, UnitHistory, UnitProjection};
use crate::io::text::read_text;

/// Where future entry-grade counts come from.
#[derive(Debug, Clone, PartialEq)]
enum EntrySource {
    File(PathBuf),
    /// Held at the unit's last actual entry-grade count.
    Hold,
}

/// The checked form of [`ProjectArgs`].
#[derive(Debug, Clone, PartialEq)]
struct ProjectRequest {
    history: PathBuf,
    entry: EntrySource,
    years: u16,
    ratios: RatioOptions,
    rounding: Rounding,
    out: PathBuf,
    ratios_out: Option<PathBuf>,
}

const AVERAGINGS: [&str; 6] = ["mean", "pooled", "geometric", "median", "last", "weighted"];

impl ProjectRequest {
    fn from_args(args: ProjectArgs) -> anyhow::Result<ProjectRequest> {
        let entry = match (args.entry, args.hold_entry) {
            (Some(path), false) => EntrySource::File(path),
            (None, true) => EntrySource::Hold,
            (Some(_), true) => bail!("give either --entry E.csv or --hold-entry, not both"),
            (None, false) => bail!(
                "say where future entry-grade counts come from: --entry E.csv (unit,year,pupils) \
                 or --hold-entry (held at the last actual count)"
            ),
        };
        if args.years == 0 {
            bail!("--years 0: expected at least 1 year to project");
        }
        let weights = args.weights.as_deref().map(parse_weights).transpose()?;
        let averaging = match (args.ratio.as_str(), weights) {
            ("weighted", Some(w)) => Averaging::Weighted(w),
            ("weighted", None) => {
                bail!("--ratio weighted needs --weights, most recent first, e.g. --weights 3,2,1")
            }
            (other, Some(_)) => {
                bail!("--weights is only used with --ratio weighted (found --ratio {other})")
            }
            ("mean", None) => Averaging::Mean,
            ("pooled", None) => Averaging::Pooled,
            ("geometric", None) => Averaging::Geometric,
            ("median", None) => Averaging::Median,
            ("last", None) => Averaging::Last,
            (other, None) => bail!(
                "--ratio {other}: expected one of {}{}",
                AVERAGINGS.join(", "),
                suggest(other, &AVERAGINGS)
            ),
        };
        if args.window == Some(0) {
            bail!("--window 0: expected at least 1 transition");
        }
        if let (Averaging::Weighted(w), Some(window)) = (&averaging, args.window)
            && w.len() != window
        {
            bail!(
                "--weights gives {} weights but --window is {window}: give one weight per \
                 transition of the window, most recent first",
                w.len()
            );
        }
        let zero_feeder = match args.zero_feeder.as_str() {
            "zero" => ZeroFeeder::Zero,
            "skip" => ZeroFeeder::Skip,
            "error" => ZeroFeeder::Error,
            other => {
                let valid = ["zero", "skip", "error"];
                bail!(
                    "--zero-feeder {other}: expected one of {}{}",
                    valid.join(", "),
                    suggest(other, &valid)
                )
            }
        };
        let rounding = match args.round.as_str() {
            "none" => Rounding::None,
            "each-year" => Rounding::EachYear,
            other => {
                let valid = ["none", "each-year"];
                bail!(
                    "--round {other}: expected one of {}{}",
                    valid.join(", "),
                    suggest(other, &valid)
                )
            }
        };
        if args.ratios_out.as_deref() == Some(args.out.as_path()) {
            bail!("--out and --ratios-out name the same file");
        }
        Ok(ProjectRequest {
            history: args.history,
            entry,
            years: args.years,
            ratios: RatioOptions {
                averaging,
                window: args.window,
                zero_feeder,
            },
            rounding,
            out: args.out,
            ratios_out: args.ratios_out,
        })
    }

    /// The conventions in use, in words, for the planner's record.
    fn describe(&self) -> String {
        let averaging = match &self.ratios.averaging {
            Averaging::Weighted(w) => {
                let w: Vec<String> = w.iter().map(ToString::to_string).collect();
                format!("weighted ({}, most recent first)", w.join(","))
            }
            a => a.name().to_owned(),
        };
        let window = self
            .ratios
            .window
            .map_or("all transitions".to_owned(), |n| {
                format!("the {n} most recent transitions")
            });
        let zero = match self.ratios.zero_feeder {
            ZeroFeeder::Zero => "zero",
            ZeroFeeder::Skip => "skip",
            ZeroFeeder::Error => "error",
        };
        let round = match self.rounding {
            Rounding::None => "none",
            Rounding::EachYear => "each-year",
        };
        let entry = match &self.entry {
            EntrySource::File(p) => format!("from {}", p.display()),
            EntrySource::Hold => "held at the last actual".to_owned(),
        };
        format!(
            "ratio {averaging} over {window}; zero feeder: {zero}; rounding: {round}; entry {entry}"
        )
    }
}

fn parse_weights(raw: &str) -> anyhow::Result<Vec<f64>> {
    let weights = raw
        .split(',')
        .map(|w| {
            w.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .with_context(|| {
                    format!(
                        "--weights {raw}: found `{}`, expected a number ≥ 0",
                        w.trim()
                    )
                })
        })
        .collect::<anyhow::Result<Vec<f64>>>()?;
    if weights.iter().sum::<f64>() <= 0.0 {
        bail!("--weights {raw}: expected at least one weight above 0");
    }
    Ok(weights)
}

fn suggest(found: &str, valid: &[&str]) -> String {
    valid
        .iter()
        .min_by_key(|v| strsim::levenshtein(v, found))
        .filter(|v| strsim::levenshtein(v, found) <= 3)
        .map_or(String::new(), |v| format!(" (did you mean `{v}`?)"))
}

pub fn run(args: ProjectArgs) -> anyhow::Result<ExitCode> {
    let request = ProjectRequest::from_args(args)?;
    match compute(&request) {
        Ok((file, units)) => {
            history::write_outputs(&file, &units, &request.out, request.ratios_out.as_deref())?;
            let mut written = request.out.display().to_string();
            if let Some(r) = &request.ratios_out {
                written.push_str(&format!(" and {}", r.display()));
            }
            println!(
                "projected {} unit(s) {} year(s) ahead: {}; wrote {written}",
                units.len(),
                request.years,
                request.describe()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("error: {p}");
            }
            eprintln!(
                "{} problem(s) in the input; nothing was written",
                problems.len()
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// Reads the inputs and projects every unit, or returns every problem found.
fn compute(req: &ProjectRequest) -> Result<(HistoryFile, Vec<UnitProjection>), Vec<Problem>> {
    let file = history::parse_history(&req.history, &read(&req.history)?)?;
    let entry = match &req.entry {
        EntrySource::File(path) => {
            let units: Vec<&str> = file.units.iter().map(|u| u.unit.as_str()).collect();
            Some(history::parse_entry(path, &read(path)?, &units)?)
        }
        EntrySource::Hold => None,
    };
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(file.units.len());
    for unit in &file.units {
        let ratios = match progression::estimate_ratios(&unit.history, &req.ratios) {
            Ok(r) => r,
            Err(e) => {
                problems.push(ratio_problem(&file, unit, &e, req));
                continue;
            }
        };
        let last = unit.last_year();
        let Some(first_year) = last
            .checked_add(1)
            .filter(|y| y.checked_add(req.years - 1).is_some())
        else {
            problems.push(Problem::file(
                &file.path,
                format!("unit `{}`: years after {last} are out of range", unit.unit),
            ));
            continue;
        };
        let base = unit.history.counts.last().map_or(&[][..], Vec::as_slice);
        let entry_counts = match &entry {
            Some(e) => match e.series(&unit.unit, first_year, req.years) {
                Ok(s) => s,
                Err(mut p) => {
                    problems.append(&mut p);
                    continue;
                }
            },
            None => vec![base.first().copied().unwrap_or(0.0); usize::from(req.years)],
        };
        match progression::project(base, &ratios, &entry_counts, req.rounding) {
            Ok(rows) => out.push(UnitProjection {
                unit: unit.unit.clone(),
                first_year,
                first_grade: unit.history.first_grade,
                rows,
                ratios,
            }),
            Err(e) => problems.push(ratio_problem(&file, unit, &e, req)),
        }
    }
    if problems.is_empty() {
        Ok((file, out))
    } else {
        Err(problems)
    }
}

fn read(path: &Path) -> Result<String, Vec<Problem>> {
    read_text(path).map_err(|e| {
        // The messages of read_text name the path, which the problem names already.
        let message = if e.chain().count() > 1 {
            format!("cannot read the file: {}", e.root_cause())
        } else {
            let full = e.to_string();
            let prefix = format!("{}: ", path.display());
            full.strip_prefix(&prefix).unwrap_or(&full).to_owned()
        };
        vec![Problem::file(path, message)]
    })
}

/// Explains an estimation error in the terms of the history file and the flags.
fn ratio_problem(
    file: &HistoryFile,
    unit: &UnitHistory,
    err: &RatioError,
    req: &ProjectRequest,
) -> Problem {
    let name = &unit.unit;
    let h = &unit.history;
    let years = h.counts.len();
    let message = match err {
        RatioError::TooShort { .. } => format!(
            "unit `{name}` has only {years} year(s) of history ({}); expected at least two to \
             estimate ratios",
            h.first_year
        ),
        RatioError::WindowTooLong { window, available } => format!(
            "unit `{name}`: --window {window} is longer than its history: years {}–{} give only \
             {available} transition(s)",
            h.first_year,
            unit.last_year()
        ),
        RatioError::WeightsMismatch { given, window } => format!(
            "unit `{name}`: --weights gives {given} weight(s) but the window has {window} \
             transition(s); give one weight per transition, most recent first, or set --window {given}"
        ),
        RatioError::ZeroFeeder { year, grade } => {
            return Problem {
                file: file.path.clone(),
                line: unit.line_of(*year, *grade),
                column: Some((file.pupils_column, "pupils".to_owned())),
                value: Some("0".to_owned()),
                message: format!(
                    "unit `{name}`, grade {} has 0 pupils in {year}, so its ratio to {} is \
                     undefined; --zero-feeder error forbids this (use zero or skip)",
                    file.label(*grade),
                    u32::from(*year) + 1
                ),
            };
        }
        RatioError::NoUsableYear { from_grade } => format!(
            "unit `{name}`: grade {} has 0 pupils in every year of the window, so --zero-feeder \
             skip leaves no year to estimate its ratio to grade {}",
            file.label(*from_grade),
            file.label(from_grade.saturating_add(1))
        ),
        other => format!("unit `{name}`: {other} ({})", req.describe()),
    };
    Problem::file(&file.path, message)
}
