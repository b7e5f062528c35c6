//! `placeplan backtest --history H.csv`: flags → rolling-origin backtest → tables, chart, report.
//!
//! Flags are checked first (usage error, exit 2); problems of the history file are printed with
//! file, line and column (exit 1, nothing written). The forecasting and scoring are
//! [`crate::engine::backtest`]; the tables and markdown [`crate::io::backtest_out`]; the chart
//! [`crate::charts::backtest`]. The output folder appears whole or not at all.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::BacktestArgs;
use super::conventions::Conventions;
use crate::charts::{self, Format, Lang};
use crate::engine::backtest::{self, Unit};
use crate::io::atomic::StagedDir;
use crate::io::backtest_out;
use crate::io::history::{self, Problem};
use crate::io::text::read_text;

pub fn run(args: BacktestArgs) -> anyhow::Result<ExitCode> {
    let conventions = Conventions::from_args(&args.conventions, false)?;
    if args.horizons == 0 {
        bail!("--horizons 0: expected at least 1 year ahead");
    }
    let lang: Lang = args.lang.parse()?;
    let formats = if args.no_charts {
        Vec::new()
    } else {
        Format::parse_list(&args.format)?
    };
    let text = match read_text(&args.history) {
        Ok(t) => t,
        Err(e) => return problems(&[Problem::file(&args.history, format!("{e:#}"))]),
    };
    let file = match history::parse_history(&args.history, &text) {
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
                args.history.display()
            )
        })?,
    };
    let scored = backtest::score(&cases, horizon, method.blend, first);
    let summary = backtest::summarise(&scored, horizon);
    if summary.is_empty() {
        bail!(
            "{}: no forecast from {first} on could be scored (no later actual, or too few \
             earlier origins)",
            args.history.display()
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
        args.history
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    );
    let described = conventions.describe(&method, None);
    let command = std::env::args()
        .map(|a| if a.contains(' ') { format!("'{a}'") } else { a })
        .collect::<Vec<_>>()
        .join(" ");
    let names: Vec<&str> = file.units.iter().map(|u| u.unit.as_str()).collect();
    let accuracy = backtest_out::accuracy_csv(&summary)?;
    let forecasts = backtest_out::forecasts_csv(&scored, &names)?;
    let md = backtest_out::markdown(&subject, &described, &command, &summary);
    let staged = StagedDir::begin(&args.out)?;
    write(staged.path(), "accuracy.csv", &accuracy)?;
    write(staged.path(), "forecasts.csv", &forecasts)?;
    write(staged.path(), "backtest.md", md.as_bytes())?;
    if !formats.is_empty() {
        charts::backtest::write_accuracy_chart(&summary, &subject, lang, &formats, staged.path())?;
    }
    staged.commit()?;
    println!("backtest of {subject}: {described}");
    println!(
        "years ahead | forecasts | placeplan MAPE | naive MAPE | P10–P90 coverage | naive coverage"
    );
    for r in &summary {
        println!(
            "{:>11} | {:>9} | {:>12.2} % | {:>8.2} % | {:>14.0} % | {:>12.0} %",
            r.horizon,
            r.forecasts,
            r.placeplan.mape,
            r.naive.mape,
            r.placeplan.coverage,
            r.naive.coverage
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
