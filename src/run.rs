//! Running scenarios end to end: load, simulate, write tables, charts and the report.
//!
//! Every scenario is loaded and checked before anything runs, and every output folder is built
//! in a staging folder and swapped in only when all of them are written: an error leaves the
//! previous outputs as they were. This module sequences; the work lives in `io`, `engine` and
//! `charts`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::charts::{self, ChartOptions, Format, Lang, RunView};
use crate::engine::assemble::assemble;
use crate::engine::monte_carlo::{self, Progress, RunOptions};
use crate::engine::pipeline::Pipeline;
use crate::engine::results::ScenarioResult;
use crate::figures;
use crate::io::atomic::StagedDir;
use crate::io::tables::{self, Manifest};
use crate::io::workbook::{self, WorkbookRun};
use crate::io::{InputErrors, dataset};
use crate::model::DataSet;
use crate::scenario::{self, Scenario};

/// A checked request to run scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    /// Scenario files; empty = every `*.toml` in `scenarios_dir`.
    pub scenarios: Vec<PathBuf>,
    pub scenarios_dir: PathBuf,
    /// Use this data set instead of each scenario's.
    pub data: Option<PathBuf>,
    pub out: PathBuf,
    pub draws: Option<u32>,
    pub seed: Option<u64>,
    pub threads: usize,
    /// `None` = tables only.
    pub charts: Option<ChartOptions>,
    /// Also rank the projects (`project_priority.csv`): every project slipped and brought
    /// forward, against the same draws.
    pub priority: bool,
}

/// Why a run did not produce outputs.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Problems in the user's files, each with file, line and column.
    #[error("{0}")]
    Input(InputErrors),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// One scenario's run, kept for the comparison.
pub struct Done {
    pub file: PathBuf,
    pub scenario: Scenario,
    pub data: std::rc::Rc<DataSet>,
    pub result: ScenarioResult,
    /// The pipeline: its pace and delays fitted to the data set's base-date progress.
    pub pipeline: Pipeline,
    /// The scenario's projects (the data set's kept ones and its own), in the engine's order.
    pub projects: Vec<crate::model::Project>,
    /// Which projects matter most, when asked for.
    pub priority: Option<Vec<crate::engine::priority::PriorityRow>>,
}

/// The scenario files of a folder, sorted by name.
pub fn scenario_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list scenarios in {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        anyhow::bail!("no scenario (*.toml) in {}", dir.display());
    }
    Ok(files)
}

/// Runs the request; `progress` makes a progress observer for a scenario of `draws` draws.
pub fn run(
    req: &RunRequest,
    progress: &dyn Fn(&str, u64) -> Box<dyn Progress>,
) -> Result<Vec<Done>, RunError> {
    let files = if req.scenarios.is_empty() {
        scenario_files(&req.scenarios_dir)?
    } else {
        req.scenarios.clone()
    };

    // Describe: every scenario and data set checked before anything runs.
    let mut errors = Vec::new();
    let mut scenarios = Vec::new();
    for f in &files {
        match scenario::load(f) {
            Ok(mut sc) => {
                if let Some(d) = &req.data {
                    sc.data = d.clone();
                }
                if let Some(n) = req.draws {
                    sc.draws = n;
                }
                if let Some(s) = req.seed {
                    sc.seed = s;
                }
                scenarios.push((f.clone(), sc));
            }
            Err(e) => errors.extend(e.0),
        }
    }
    let mut data: BTreeMap<PathBuf, std::rc::Rc<DataSet>> = BTreeMap::new();
    for (_, sc) in &scenarios {
        if data.contains_key(&sc.data) {
            continue;
        }
        match dataset::load(&sc.data) {
            Ok(ds) => {
                data.insert(sc.data.clone(), std::rc::Rc::new(ds));
            }
            Err(e) => errors.extend(e.0),
        }
    }
    // Names the scenario uses must exist in its data set (not checked against a `--data`
    // override, which the scenario was not written for).
    if req.data.is_none() {
        for (file, sc) in &scenarios {
            if let Some(ds) = data.get(&sc.data)
                && let Err(e) = scenario::check_against(file, ds)
            {
                errors.extend(e.0);
            }
        }
    }
    if !errors.is_empty() {
        return Err(RunError::Input(InputErrors(errors)));
    }

    // Assemble and run.
    let mut done = Vec::new();
    for (file, sc) in scenarios {
        let ds = data[&sc.data].clone();
        let model = assemble(&ds, &sc).with_context(|| format!("scenario {}", file.display()))?;
        let observer = progress(&sc.name, u64::from(sc.draws));
        let opts = RunOptions {
            draws: sc.draws,
            seed: sc.seed,
            threads: req.threads,
        };
        let result = monte_carlo::run(&model, &sc.targets, &opts, observer.as_ref());
        drop(observer);
        let priority = req.priority.then(|| {
            let observer = progress(&format!("{} priority", sc.name), u64::from(sc.draws));
            crate::engine::priority::rank(&model, &sc.targets, &opts, observer.as_ref())
        });
        done.push(Done {
            file,
            scenario: sc,
            data: ds,
            result,
            projects: model.projects.iter().map(|p| p.source.clone()).collect(),
            pipeline: model.pipeline,
            priority,
        });
    }

    write_outputs(req, &done)?;
    Ok(done)
}

/// Writes every scenario's folder and the comparison, all staged and committed together.
fn write_outputs(req: &RunRequest, done: &[Done]) -> anyhow::Result<()> {
    let mut staged = Vec::new();
    let mut scenario_charts = Vec::new();
    let mut boundaries = Vec::new();
    for d in done {
        boundaries.push(crate::io::geojson::read(&d.data.dir)?);
    }
    let views: Vec<RunView> = done
        .iter()
        .zip(&boundaries)
        .map(|(d, b)| RunView {
            scenario: &d.scenario,
            data: &d.data,
            result: &d.result,
            boundaries: b.as_ref(),
        })
        .collect();
    for (d, view) in done.iter().zip(&views) {
        let dir = StagedDir::begin(&req.out.join(&d.scenario.name))?;
        let manifest = Manifest {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: d.scenario.name.clone(),
            scenario_file: d.file.display().to_string(),
            data_set: d.data.name.clone(),
            seed: d.scenario.seed,
            draws: d.scenario.draws,
            threads: req.threads,
            base_year: d.result.base_year.0,
            horizon: d.result.horizon.0,
            inputs: Manifest::hash_inputs(&d.file, &d.scenario.data)?,
        };
        tables::write_scenario_tables(dir.path(), &d.result, &manifest)?;
        tables::write_key_figures(dir.path(), &figures::key_figures(&d.scenario, &d.result))?;
        crate::io::areas::write_area_tables(dir.path(), &d.data, &d.projects, &d.result)?;
        if let Some(rows) = &d.priority {
            crate::io::priority::write_priority(dir.path(), rows, &d.projects, &d.data)?;
        }
        if let Some(opts) = &req.charts {
            let base = d
                .scenario
                .meta
                .base
                .as_ref()
                .and_then(|b| views.iter().find(|v| &v.scenario.name == b));
            let files = charts::write_scenario_charts(view, base, opts, dir.path())?;
            charts::write_report(
                std::slice::from_ref(view),
                opts,
                dir.path(),
                std::slice::from_ref(&files),
                &[],
            )?;
            scenario_charts.push(files);
        }
        staged.push(dir);
    }
    let compare = StagedDir::begin(&req.out.join("compare"))?;
    let rows: Vec<(String, &ScenarioResult)> = done
        .iter()
        .map(|d| (d.scenario.name.clone(), &d.result))
        .collect();
    tables::write_compare_summary(compare.path(), &rows)?;
    let books: Vec<WorkbookRun> = done
        .iter()
        .map(|d| WorkbookRun {
            scenario: &d.scenario,
            data: &d.data,
            result: &d.result,
            figures: figures::key_figures(&d.scenario, &d.result),
        })
        .collect();
    let all: Vec<figures::KeyFigure> = books.iter().flat_map(|b| b.figures.clone()).collect();
    tables::write_key_figures(compare.path(), &all)?;
    if let Some(opts) = &req.charts {
        let order = charts::ranking(&views);
        let views: Vec<RunView> = order.iter().map(|&i| views[i]).collect();
        let scenario_charts: Vec<Vec<PathBuf>> =
            order.iter().map(|&i| scenario_charts[i].clone()).collect();
        let files = charts::write_compare_charts(&views, opts, compare.path())?;
        charts::write_report(&views, opts, compare.path(), &scenario_charts, &files)?;
    }
    // The workbook, built before anything is committed; the headline chart goes in when the
    // run drew PNG charts.
    let headline = req
        .charts
        .as_ref()
        .filter(|o| o.formats.contains(&Format::Png))
        .map(|_| compare.path().join(format!("{}.png", charts::HEADLINE)))
        .map(|p| std::fs::read(&p).with_context(|| format!("cannot read {}", p.display())))
        .transpose()?;
    let zh = req.charts.as_ref().is_none_or(|o| o.lang == Lang::Zh);
    let created = req.charts.as_ref().and_then(|o| parse_date(&o.generated));
    let book = workbook::workbook_bytes(&books, zh, headline.as_deref(), created)?;
    staged.push(compare);
    for dir in staged {
        dir.commit()?;
    }
    crate::io::atomic::write_file(&req.out.join(WORKBOOK), &book)
}

/// File name of the workbook in the output folder.
pub const WORKBOOK: &str = "placeplan.xlsx";

/// `YYYY-MM-DD` as (year, month, day).
fn parse_date(s: &str) -> Option<(u16, u8, u8)> {
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    Some((y, m, d))
}

/// Chart options from the command line's strings.
pub fn chart_options(lang: &str, formats: &str, generated: String) -> anyhow::Result<ChartOptions> {
    let lang: Lang = lang.parse()?;
    let formats = Format::parse_list(formats)?;
    Ok(ChartOptions {
        lang,
        formats,
        generated,
    })
}
