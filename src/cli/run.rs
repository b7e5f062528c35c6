//! `placeplan run` and `placeplan generate`: flags → requests, a progress bar on a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use super::{ChartArgs, GenerateArgs, MergeArgs, RunArgs};
use crate::charts::ChartOptions;
use crate::engine::monte_carlo::{Progress, Silent};
use crate::run::{self, RunError, RunRequest, Source};

/// A progress bar on stderr for one scenario's draws.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn advance(&self, draws: u64) {
        self.0.inc(draws);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn progress(name: &str, draws: u64) -> Box<dyn Progress> {
    // Only on a terminal, and only for runs long enough to notice.
    if !std::io::stderr().is_terminal() || draws < 500 {
        return Box::new(Silent);
    }
    let bar = ProgressBar::new(draws);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>14} [{bar:40}] {pos}/{len} draws {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(name.to_string());
    Box::new(Bar(bar))
}

/// Today's date (UTC) as YYYY-MM-DD, for the charts' source line and the workbook's creation date.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    civil(days)
}

/// Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `--threads`, or every core.
fn threads(given: Option<usize>) -> usize {
    given.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(run::MAX_THREADS))
    })
}

/// The chart options of `--lang`, `--format` and `--no-charts` (`None`: tables only), or the
/// exit of a refused flag.
fn chart_options(args: &ChartArgs, date: &str) -> Result<Option<ChartOptions>, ExitCode> {
    if args.no_charts {
        return Ok(None);
    }
    run::chart_options(&args.lang, &args.format, date.to_string())
        .map(Some)
        .map_err(|e| super::refused(format_args!("{e:#}")))
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    // `--threads` and `--draws` are checked by their parsers (1–256, 1–1000000).
    let threads = threads(args.threads);
    let date = today();
    // A shard writes raw draws only: charts come with the merge.
    let charts = match args.draws_from {
        Some(_) => None,
        None => match chart_options(&args.charts, &date) {
            Ok(charts) => charts,
            Err(refused) => return Ok(refused),
        },
    };
    let source = match args.draws_from {
        Some(first) => Source::Shard { first },
        None => Source::Run,
    };
    let req = RunRequest {
        scenarios: args.scenarios,
        scenarios_dir: PathBuf::from("scenarios"),
        data: args.data,
        out: args.out,
        draws: args.draws,
        seed: args.seed,
        threads,
        charts,
        date,
        priority: args.priority,
        source,
    };
    finish(&req, run::run(&req, &progress), args.timings)
}

/// `placeplan merge`: the shards' draws summarised as one run.
pub fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let date = today();
    let charts = match chart_options(&args.charts, &date) {
        Ok(charts) => charts,
        Err(refused) => return Ok(refused),
    };
    match run::merge_request(&args.shards, args.out, threads(args.threads), charts, date) {
        Ok(req) => finish(&req, run::run(&req, &progress), args.timings),
        Err(e) => finish_error(e),
    }
}

/// Tells what a run wrote, or why it wrote nothing.
fn finish(
    req: &RunRequest,
    outcome: Result<(Vec<run::Done>, run::Phases), RunError>,
    timings: bool,
) -> anyhow::Result<ExitCode> {
    match outcome {
        Ok((done, phases)) => {
            if timings {
                let total: f64 = phases.0.iter().map(|(_, d)| d.as_secs_f64()).sum();
                for (name, d) in &phases.0 {
                    let s = d.as_secs_f64();
                    note!("{name:>9} {s:8.3} s {:5.1} %", 100.0 * s / total.max(1e-9));
                }
                note!("{:>9} {total:8.3} s", "total");
            }
            // Whether the inflow drivers are total flows or flows beyond the trend, per data set.
            let mut told = std::collections::BTreeSet::new();
            for d in &done {
                if told.insert(d.data.dir.clone()) {
                    note!(
                        "{}: {}",
                        d.data.dir.display(),
                        if d.data.flows.is_empty() {
                            "no flows.csv: progression ratios hold the history's flows, so the \
                             inflow drivers of growth.csv are flows beyond that trend"
                        } else {
                            "flows.csv records the history's flows: progression ratios are net \
                             of them, and the inflow drivers of growth.csv are total flows"
                        }
                    );
                }
            }
            for d in &done {
                if d.scenario.pace != crate::scenario::Pace::Plan {
                    note!("{}: {}", d.scenario.name, pipeline_line(&d.pipeline));
                }
                note!(
                    "{}: {} draws → {}",
                    d.scenario.name,
                    d.result.draws,
                    req.out.join(&d.scenario.name).display()
                );
            }
            if let Source::Shard { first } = req.source {
                note!(
                    "raw results of draws from {first} → {}/*/{} (summarise the shards with `placeplan merge`)",
                    req.out.display(),
                    crate::io::shard::DRAWS_FILE
                );
            } else {
                note!("comparison → {}", req.out.join("compare").display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => finish_error(e),
    }
}

fn finish_error(e: RunError) -> anyhow::Result<ExitCode> {
    match e {
        RunError::Input(errors) => {
            for e in &errors {
                note!("{e}");
            }
            note!("{} problem(s) found; nothing was written", errors.len());
            Ok(ExitCode::from(1))
        }
        RunError::Other(e) => Err(e),
    }
}

/// What the base date said about the pipeline's pace, in a line.
fn pipeline_line(p: &crate::engine::pipeline::Pipeline) -> String {
    let e = p.evidence;
    let scaled = match p.pace {
        crate::scenario::Pace::Accelerated(k) => {
            format!("; accelerated: delays still to come × {k}")
        }
        _ => String::new(),
    };
    match p.model {
        crate::scenario::DelayModel::Exponential => format!(
            "exponential delays fitted to the base-date progress ({} of {} projects due by then \
             completed, {} of {} due to start started): mean completion delay {:.1} months, mean \
             start delay {:.1} months{scaled}",
            e.completed,
            e.due,
            e.started,
            e.start_due,
            p.exponential.completion_mean,
            p.exponential.start_mean,
        ),
        crate::scenario::DelayModel::ReferenceClass => format!(
            "delay as a share of planned duration: prior median {:.0} % (90 % interval {:.0}–{:.0} %), \
             after the base date's evidence ({} of {} projects due by then completed, {} of {} due \
             to start started) {:.0} % ({:.0}–{:.0} %), i.e. {:.1} months for a {:.0}-month project{scaled}",
            100.0 * p.prior.p50,
            100.0 * p.prior.p05,
            100.0 * p.prior.p95,
            e.completed,
            e.due,
            e.started,
            e.start_due,
            100.0 * p.posterior.p50,
            100.0 * p.posterior.p05,
            100.0 * p.posterior.p95,
            p.posterior.p50 * p.typical_duration,
            p.typical_duration,
        ),
    }
}

pub fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let ds = match args.kind.as_str() {
        "hengyang" => {
            let (ds, generated) = crate::synth::hengyang(args.seed);
            note!("calibrated: {:?}", generated.knobs);
            let bands = &generated.bands;
            note!(
                "base-year classes by size: {} (of {})",
                crate::synth::Bands::LABELS
                    .iter()
                    .zip(bands.classes)
                    .map(|(l, n)| format!("{l}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                bands.total()
            );
            ds
        }
        "province" => crate::synth::province(args.schools, args.seed),
        other => {
            return Ok(super::refused(format_args!(
                "--kind {other:?}: expected `hengyang` or `province`"
            )));
        }
    };
    crate::io::dataset_out::write_dataset(&ds, &args.out)?;
    note!(
        "wrote {} schools, {} projects to {}",
        ds.schools.len(),
        ds.projects.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_date_of_known_days() {
        assert_eq!(super::civil(0), "1970-01-01");
        // 2024-01-01 is day 19723; + 59 days is the leap day.
        assert_eq!(super::civil(19_782), "2024-02-29");
        assert_eq!(super::civil(19_783), "2024-03-01");
    }
}
