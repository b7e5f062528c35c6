//! `placeplan backtest`: flags → a backtest → tables, chart, report. Two modes: `--history
//! H.csv` (rolling origins on a history file) and `DATA_DIR` (the simulator re-based before
//! held-out years, [`crate::holdout`]).
//!
//! Flags are checked first (usage error, exit 2); problems of the history file are printed with
//! file, line and column (exit 1, nothing written). The forecasting and scoring are
//! [`crate::engine::backtest`]; the tables and markdown [`crate::io::backtest_out`]; the chart
//! [`crate::charts::backtest`]. The output folder appears whole or not at all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::BacktestArgs;
use super::conventions::Conventions;
use crate::charts::{self, Format, Lang};
use crate::engine::backtest::{self, Scored, Unit};
use crate::holdout::{self, HoldoutRequest};
use crate::input::text::read_text;
use crate::io::atomic::StagedDir;
use crate::io::backtest_out;
use crate::io::history::{self, Problem};
use crate::run::RunError;

pub fn run(args: BacktestArgs) -> anyhow::Result<ExitCode> {
    let lang: Lang = args.lang.parse()?;
    let formats = if args.no_charts {
        Vec::new()
    } else {
        Format::parse_list(&args.format)?
    };
    match (&args.data, &args.history) {
        (Some(dir), None) => run_data(&args, dir.clone(), lang, &formats),
        (None, Some(h)) => run_history(&args, h.clone(), lang, &formats),
        _ => bail!("give a data set folder or --history H.csv"),
    }
}

/// The data-set mode: the simulator re-based before the held-out years.
fn run_data(
    args: &BacktestArgs,
    dir: PathBuf,
    lang: Lang,
    formats: &[Format],
) -> anyhow::Result<ExitCode> {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 || args.draws == 0 || args.hold_out == 0 {
        bail!("--threads, --draws and --hold-out: expected at least 1");
    }
    let req = HoldoutRequest {
        data: dir,
        scenario: args.scenario.clone(),
        hold_out: args.hold_out,
        draws: args.draws,
        seed: args.seed,
        threads,
    };
    let done = match holdout::run(&req) {
        Ok(d) => d,
        Err(RunError::Input(errors)) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{} problem(s) found; nothing was written", errors.len());
            return Ok(ExitCode::from(1));
        }
        Err(RunError::Other(e)) => return Err(e),
    };
    let horizon = usize::from(args.hold_out);
    let names: Vec<&str> = done.names.iter().map(String::as_str).collect();
    let group = |f: &dyn Fn(&str) -> bool| -> Vec<Scored> {
        done.scored
            .iter()
            .filter(|s| f(names[s.unit]))
            .copied()
            .collect()
    };
    let levels = [
        ("city", group(&|n| n == "ALL")),
        ("areas", group(&|n| n != "ALL" && !n.contains('/'))),
        ("area_stage", group(&|n| n.contains('/'))),
    ];
    let command = command_line();
    let described = format!(
        "the simulator (scenario {}, {} draws) re-based at {}, the years {}–{} held out; placeplan = central case, P10–P90 over the draws (city and areas); naive = the base year's count",
        args.scenario.display(),
        args.draws,
        done.base.0,
        done.base.0 + 1,
        done.last.0
    );
    let staged = StagedDir::begin(&args.out)?;
    let mut md = String::new();
    let mut printed = Vec::new();
    for (level, scored) in &levels {
        let summary = backtest::summarise(scored, horizon);
        let subject = format!("{} {level} ({} held-out year(s))", done.data_set, horizon);
        write(
            staged.path(),
            &format!("accuracy_{level}.csv"),
            &backtest_out::accuracy_csv(&summary)?,
        )?;
        md.push_str(&backtest_out::markdown(
            &subject, &described, &command, &summary,
        ));
        md.push('\n');
        if *level == "areas" && !formats.is_empty() {
            for chart in charts::backtest::accuracy_chart(&summary, &subject, lang, formats)? {
                write(staged.path(), &chart.name, &chart.bytes)?;
            }
        }
        printed.push((level, summary));
    }
    write(
        staged.path(),
        "forecasts.csv",
        &backtest_out::forecasts_csv(&done.scored, &names)?,
    )?;
    write(
        staged.path(),
        "growth_suggested.csv",
        &backtest_out::suggested_growth_csv(&done.growth)?,
    )?;
    md.push_str(&backtest_out::growth_markdown(
        &done.growth,
        done.base.0,
        done.last.0,
    ));
    write(staged.path(), "backtest.md", md.as_bytes())?;
    staged.commit()?;
    println!("backtest of {}: {described}", done.data_set);
    for (level, summary) in printed {
        for r in summary {
            println!(
                "{level:>10} {} yr: {} forecasts, MAPE {:.2} % (naive {:.2} %), bias {:+.2} %, \
                 P10–P90 coverage {}",
                r.horizon,
                r.forecasts,
                r.placeplan.mape,
                r.naive.mape,
                r.placeplan.bias,
                if r.placeplan.coverage.is_nan() {
                    "– (central case only)".to_owned()
                } else {
                    backtest_out::coverage(&r.placeplan)
                }
            );
        }
    }
    let widened = done
        .growth
        .iter()
        .filter(|c| c.row.value != c.suggested.value)
        .count();
    println!(
        "growth.csv: {widened} row(s) whose range missed values the held-out years realised \
         are widened in growth_suggested.csv (the sheet itself is not written; see backtest.md)"
    );
    println!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// The command line as typed, for the report's "reproduce" line: the program as `placeplan`
/// (not the path it was run from, so that the report is the same from any checkout).
fn command_line() -> String {
    std::iter::once("placeplan".to_owned())
        .chain(std::env::args().skip(1))
        .map(|a| if a.contains(' ') { format!("'{a}'") } else { a })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The history-file mode: rolling origins.
fn run_history(
    args: &BacktestArgs,
    history_path: PathBuf,
    lang: Lang,
    formats: &[Format],
) -> anyhow::Result<ExitCode> {
    let conventions = Conventions::from_args(&args.conventions, false)?;
    if args.horizons == 0 {
        bail!("--horizons 0: expected at least 1 year ahead");
    }
    let text = match read_text(&history_path) {
        Ok(t) => t,
        Err(e) => return problems(&[Problem::file(&history_path, format!("{e:#}"))]),
    };
    let file = match history::parse_history(&history_path, &text) {
        Ok(f) => f,
        Err(p) => return problems(&p),
    };
    drop(text);
    let method = conventions.method(!file.areas.is_empty())?;
    let horizon = usize::from(args.horizons);
    let units: Vec<Unit> = file
        .units
        .iter()
        .map(|u| Unit {
            history: &u.history,
            area: u.area,
        })
        .collect();
    let cases = backtest::all_cases(&units, &method, horizon);
    let first = match args.first_origin {
        Some(y) => y,
        None => backtest::first_scorable_origin(&cases, horizon).with_context(|| {
            format!(
                "{}: too few years to backtest {horizon} year(s) ahead: every horizon needs \
                 forecasts from at least 3 earlier origins to size its blend and band, then \
                 later years to score",
                history_path.display()
            )
        })?,
    };
    let scored = backtest::score(&cases, horizon, method.blend, first);
    let summary = backtest::summarise(&scored, horizon);
    if summary.is_empty() {
        bail!(
            "{}: no forecast from {first} on could be scored (no later actual, or too few \
             earlier origins)",
            history_path.display()
        );
    }
    let forecast_units = {
        let mut u: Vec<usize> = scored.iter().map(|s| s.unit).collect();
        u.sort_unstable();
        u.dedup();
        u.len()
    };
    let last_origin = scored.iter().map(|s| s.origin).max().unwrap_or(first);
    let subject = format!(
        "{} ({forecast_units} units, origins {first}–{last_origin})",
        history_path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    );
    let described = conventions.describe(&method, None);
    let command = command_line();
    let names: Vec<&str> = file.units.iter().map(|u| u.unit.as_str()).collect();
    let accuracy = backtest_out::accuracy_csv(&summary)?;
    let forecasts = backtest_out::forecasts_csv(&scored, &names)?;
    let md = backtest_out::markdown(&subject, &described, &command, &summary);
    let staged = StagedDir::begin(&args.out)?;
    write(staged.path(), "accuracy.csv", &accuracy)?;
    write(staged.path(), "forecasts.csv", &forecasts)?;
    write(staged.path(), "backtest.md", md.as_bytes())?;
    if !formats.is_empty() {
        for chart in charts::backtest::accuracy_chart(&summary, &subject, lang, formats)? {
            write(staged.path(), &chart.name, &chart.bytes)?;
        }
    }
    staged.commit()?;
    println!("backtest of {subject}: {described}");
    println!(
        "years ahead | forecasts | placeplan MAPE | naive MAPE | P10–P90 coverage ± s.e. | naive coverage ± s.e."
    );
    for r in &summary {
        println!(
            "{:>11} | {:>9} | {:>12.2} % | {:>8.2} % | {:>23} | {:>21}",
            r.horizon,
            r.forecasts,
            r.placeplan.mape,
            r.naive.mape,
            backtest_out::coverage(&r.placeplan),
            backtest_out::coverage(&r.naive)
        );
    }
    println!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn problems(list: &[Problem]) -> anyhow::Result<ExitCode> {
    for p in list {
        eprintln!("error: {p}");
    }
    eprintln!(
        "{} problem(s) in the input; nothing was written",
        list.len()
    );
    Ok(ExitCode::from(1))
}
