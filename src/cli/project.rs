//! `placeplan project`: flags → a checked request → the cohort-survival projection → two CSVs.
//!
//! Flags are checked first (a bad flag is a usage error, exit 1, like clap's own); then the
//! input files are read and every problem found in them is printed with file, line and column
//! (exit 1, nothing written). Estimation and projection are [`crate::engine::forecast`] and
//! [`crate::engine::progression`]; reading and writing the files is [`crate::io::history`].
//! The only arithmetic here applies the blend weights and bands the engine calibrated.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;

use super::ProjectArgs;
use super::conventions::Conventions;
use crate::engine::backtest::{self, Unit};
use crate::engine::forecast::{self, HorizonCalibration, Method};
use crate::engine::progression::{RatioError, Rounding};
use crate::input::text::read_text;
use crate::io::history::{self, HistoryFile, Problem, UnitHistory, UnitProjection};

/// The checked form of [`ProjectArgs`].
#[derive(Debug, Clone, PartialEq)]
struct ProjectRequest {
    history: PathBuf,
    entry: Option<PathBuf>,
    years: u16,
    conventions: Conventions,
    out: PathBuf,
    ratios_out: Option<PathBuf>,
    totals_out: Option<PathBuf>,
}

impl ProjectRequest {
    fn from_args(args: ProjectArgs) -> anyhow::Result<ProjectRequest> {
        let conventions = Conventions::from_args(&args.conventions, args.entry.is_some())?;
        if args.years == 0 {
            bail!("--years 0: expected at least 1 year to project");
        }
        if args.ratios_out.as_deref() == Some(args.out.as_path()) {
            bail!("--out and --ratios-out name the same file");
        }
        let totals_out = args.totals_out.or_else(|| {
            conventions.defaults.then(|| {
                let stem = args.out.file_stem().map_or_else(
                    || "projection".to_owned(),
                    |s| s.to_string_lossy().into_owned(),
                );
                args.out.with_file_name(format!("{stem}_totals.csv"))
            })
        });
        if totals_out.as_deref() == Some(args.out.as_path())
            || (totals_out.is_some() && totals_out == args.ratios_out)
        {
            bail!("--totals-out names the same file as --out or --ratios-out");
        }
        Ok(ProjectRequest {
            history: args.history,
            entry: args.entry,
            years: args.years,
            conventions,
            out: args.out,
            ratios_out: args.ratios_out,
            totals_out,
        })
    }
}

pub fn run(args: ProjectArgs) -> anyhow::Result<ExitCode> {
    // A bad flag is the user's input: said in words, exit 1 (like clap's own usage errors).
    let request = match ProjectRequest::from_args(args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(ExitCode::from(1));
        }
    };
    match compute(&request) {
        Ok(Ok(done)) => {
            for w in &done.warnings {
                eprintln!("warning: {w}");
            }
            history::write_outputs(
                &done.file,
                &done.units,
                &request.out,
                request.ratios_out.as_deref(),
                request.totals_out.as_deref(),
            )?;
            let mut written = request.out.display().to_string();
            for p in request.ratios_out.iter().chain(&request.totals_out) {
                written.push_str(&format!(" and {}", p.display()));
            }
            println!(
                "projected {} unit(s) {} year(s) ahead: {}; wrote {written}",
                done.units.len(),
                request.years,
                done.described
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(Err(e)) => Err(e),
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

/// A finished projection, ready to write.
struct Projected {
    file: HistoryFile,
    units: Vec<UnitProjection>,
    /// Units left out and other notes, for the terminal.
    warnings: Vec<String>,
    described: String,
}

/// Reads the inputs and projects every unit, or returns every problem found. A unit whose
/// history is too short for the conventions is left out with a warning; the run fails only if
/// no unit is left. A usage error found on reading (such as `--shrink` without areas) is the
/// inner `Err`.
fn compute(req: &ProjectRequest) -> Result<anyhow::Result<Projected>, Vec<Problem>> {
    let (file, mut problems) = history::parse_history_partial(&req.history, &read(&req.history)?)?;
    let method = match req.conventions.method(!file.areas.is_empty()) {
        Ok(m) => m,
        Err(e) => return Ok(Err(e)),
    };
    let entry = match &req.entry {
        Some(path) => {
            let units: Vec<(&str, u16)> = file
                .units
                .iter()
                .map(|u| (u.unit.as_str(), u.last_year()))
                .collect();
            match read(path).and_then(|text| history::parse_entry(path, &text, &units)) {
                Ok(e) => Some(e),
                Err(mut p) => {
                    problems.append(&mut p);
                    return Err(problems);
                }
            }
        }
        None => None,
    };
    let mut warnings: Vec<String> = entry
        .iter()
        .flat_map(|e| e.observed.iter().map(ToString::to_string))
        .collect();
    let mut skipped = Vec::new();
    let horizon = usize::from(req.years);
    let mut slices = Vec::with_capacity(file.units.len());
    for (i, unit) in file.units.iter().enumerate() {
        let last = unit.last_year();
        if last.checked_add(req.years).is_none() {
            problems.push(Problem::file(
                &file.path,
                format!("unit `{}`: years after {last} are out of range", unit.unit),
            ));
            continue;
        }
        match unit.slice(
            &file,
            last,
            method.ratios.window,
            method.entry.years(),
            method.adaptive_window,
        ) {
            Ok(Ok(s)) => slices.push((i, s)),
            Ok(Err(available)) => skipped.push(too_short(unit, &method, available)),
            Err(p) => problems.push(p),
        }
    }
    // An entry flag that asks for more years than a unit has: said once for all such units
    // (the defaults' "fewer where a unit has fewer" is documented, so not said).
    let asked = method.entry.years();
    let short: Vec<(&str, usize)> = slices
        .iter()
        .filter(|(_, s)| s.counts.len() < asked)
        .map(|(i, s)| (file.units[*i].unit.as_str(), s.counts.len()))
        .collect();
    if let (false, Some((unit, years))) = (req.conventions.defaults, short.first()) {
        warnings.push(format!(
            "{} unit(s) have fewer than the {asked} years of history the entry method asks for: \
             their entry uses the years they have (first: `{unit}`, {years} year(s))",
            short.len()
        ));
    }
    let units: Vec<Unit> = file
        .units
        .iter()
        .map(|u| Unit {
            history: &u.history,
            area: u.area,
        })
        .collect();
    let areas = backtest::area_ratios(&units, &slices, &method);
    let counts = backtest::area_counts(&units, &slices, &method);
    let calibration = if method.blend || req.totals_out.is_some() {
        let cases = backtest::all_cases(&units, &method, horizon);
        backtest::calibrate_all(&cases, horizon, method.blend)
    } else {
        vec![None; horizon]
    };
    let uncalibrated: Vec<String> = (1..=horizon)
        .filter(|h| calibration[h - 1].is_none())
        .map(|h| h.to_string())
        .collect();
    if (method.blend || req.totals_out.is_some()) && !uncalibrated.is_empty() {
        warnings.push(format!(
            "horizon(s) {} year(s): fewer than {} earlier origins to learn from, so no blend and no P10–P90 there",
            uncalibrated.join(", "),
            forecast::MIN_CALIBRATION_ORIGINS
        ));
    }
    let mut out = Vec::with_capacity(slices.len());
    for (i, slice) in &slices {
        let unit = &file.units[*i];
        let first_year = unit.last_year() + 1;
        let area = unit.area.and_then(|a| areas.get(a));
        let result = match &entry {
            Some(e) => match e.series(&unit.unit, first_year, req.years) {
                Ok(series) => forecast::cohort_with_entry(slice, &method, area, &series),
                Err(mut p) => {
                    problems.append(&mut p);
                    continue;
                }
            },
            None => {
                let counts = unit.area.and_then(|a| counts.get(a));
                let series = backtest::entry(slice, &method, counts, horizon);
                forecast::cohort_with_entry(slice, &method, area, &series)
            }
        };
        match result {
            Ok(f) => {
                let base = slice.counts.last().map_or(&[][..], Vec::as_slice);
                let (rows, band) = finish(f.rows, base, &calibration, &method);
                out.push(UnitProjection {
                    unit: unit.unit.clone(),
                    first_year,
                    first_grade: slice.first_grade,
                    rows,
                    ratios: f.ratios,
                    band,
                    spellings: unit.spellings.clone(),
                });
            }
            Err(RatioError::TooShort { .. }) => skipped.push(format!(
                "unit `{}` has only 1 year of history ({}); expected at least two to estimate ratios{}",
                unit.unit,
                unit.last_year(),
                if unit.area.is_some() {
                    " (its area has no ratios for its grades to fall back on)"
                } else {
                    ""
                }
            )),
            Err(e) => problems.push(ratio_problem(&file, unit, &e, req, &method)),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if out.is_empty() {
        return Err(skipped
            .into_iter()
            .map(|s| Problem::file(&file.path, s))
            .collect());
    }
    warnings.extend(
        skipped
            .into_iter()
            .map(|s| format!("{}: {s}; the unit is left out", file.path.display())),
    );
    let entry_name = req.entry.as_ref().map(|p| p.display().to_string());
    let described = req.conventions.describe(&method, entry_name.as_deref());
    Ok(Ok(Projected {
        file,
        units: out,
        warnings,
        described,
    }))
}

/// P10 and P90 of a projected total, when earlier origins could size them.
type Band = Option<(f64, f64)>;

/// Blends each projected year with the naive forecast (the base year's counts) by its
/// horizon's weight, and sizes its P10–P90 from the same horizon's earlier errors.
fn finish(
    rows: Vec<Vec<f64>>,
    base: &[f64],
    calibration: &[Option<HorizonCalibration>],
    method: &Method,
) -> (Vec<Vec<f64>>, Vec<Band>) {
    let mut band = Vec::with_capacity(rows.len());
    let mut out = Vec::with_capacity(rows.len());
    for (k, mut row) in rows.into_iter().enumerate() {
        let cal = calibration.get(k).copied().flatten();
        if let (Some(c), true) = (cal, method.blend) {
            for (x, b) in row.iter_mut().zip(base) {
                *x = forecast::blended(c.weight, *x, *b);
                if method.rounding == Rounding::EachYear {
                    *x = x.round();
                }
            }
        }
        let total: f64 = row.iter().sum();
        band.push(cal.map(|c| (total * c.low, total * c.high)));
        out.push(row);
    }
    (out, band)
}

/// Why a unit is too short for the window, in the terms of the flags.
fn too_short(unit: &UnitHistory, method: &Method, available: usize) -> String {
    let window = method.ratios.window.unwrap_or(available);
    format!(
        "unit `{}`: --window {window} is longer than its history: years {}–{} give only {available} transition(s)",
        unit.unit,
        unit.history.first_year,
        unit.last_year()
    )
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
    method: &Method,
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
                    file.label(&unit.spellings, *grade),
                    u32::from(*year) + 1
                ),
            };
        }
        RatioError::NoUsableYear { from_grade } => format!(
            "unit `{name}`: grade {} has 0 pupils in every year of the window, so --zero-feeder \
             skip leaves no year to estimate its ratio to grade {}",
            file.label(&unit.spellings, *from_grade),
            file.label(&unit.spellings, from_grade.saturating_add(1))
        ),
        other => format!(
            "unit `{name}`: {other} ({})",
            req.conventions.describe(method, None)
        ),
    };
    Problem::file(&file.path, message)
}
