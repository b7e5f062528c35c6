//! Running scenarios end to end: load, simulate, write tables, charts and the report.
//!
//! Every scenario is loaded and checked before anything runs (names, references, and the memory
//! a run would take, before any of it is allocated), and every output folder is written into one
//! new generation committed at once (see [`crate::io::atomic::Generation`]): an error or a kill
//! leaves the previous outputs as they were. This module sequences; the work lives in `io`,
//! `engine` and `charts`.
//!
//! A bigger job splits its draws across processes: `run --draws-from A --draws N` runs draws
//! `A..A+N` (each from its own RNG stream) and writes their raw results (`io::shard`); `merge`
//! summarises the shards' draws together into the tables one run of all of them writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::charts::{self, ChartOptions, Format, Lang, RunView};
use crate::engine::assemble::assemble;
use crate::engine::monte_carlo::{self, Progress, RunOptions};
use crate::engine::pipeline::Pipeline;
use crate::engine::results::ScenarioResult;
use crate::figures;
use crate::input::{InputError, InputErrors};
use crate::io::atomic::{GENERATIONS, Generation};
use crate::io::dataset;
use crate::io::shard::{self, ShardInfo};
use crate::io::tables::{self, Manifest};
use crate::io::workbook::{self, WorkbookRun};
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
    /// The run's date (YYYY-MM-DD), the workbook's creation date: without it the workbook would
    /// carry the current second, and two runs of the same inputs would differ.
    pub date: String,
    /// Also rank the projects (`project_priority.csv`): every project slipped and brought
    /// forward, against the same draws.
    pub priority: bool,
    /// Where the draws come from.
    pub source: Source,
}

/// Where a run's draws come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Run them all: draws `0..draws`.
    Run,
    /// Run draws `first..first + draws` only, and write their raw results (a shard of a bigger
    /// job) instead of tables.
    Shard { first: u64 },
    /// Draws run before, by shards: per scenario name, the scenario folders of its shards.
    Merge(BTreeMap<String, Vec<PathBuf>>),
}

/// Most bytes of draw results a run may hold (draws × years × (areas + 1) × metrics × 2 bytes,
/// plus 2 bytes per draw and project): 4 GiB.
pub const MAX_RESULT_BYTES: u64 = 4 << 30;
/// Most worker threads.
pub const MAX_THREADS: usize = 256;

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
#[derive(Debug)]
pub struct Done {
    pub file: PathBuf,
    pub scenario: Scenario,
    pub data: std::sync::Arc<DataSet>,
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

/// Wall time of each phase of a run, summed over its scenarios, in the order first met:
/// `load` (scenarios and data sets read and checked), `assemble`, `draws`, `summary`,
/// `priority`, `tables`, `charts`, `workbook`, `commit`.
#[derive(Debug, Clone, Default)]
pub struct Phases(pub Vec<(&'static str, std::time::Duration)>);

/// Times phases one after another.
struct Clock {
    last: std::time::Instant,
    phases: Phases,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            last: std::time::Instant::now(),
            phases: Phases::default(),
        }
    }

    /// Ends phase `name` (the time since the last lap).
    fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        let spent = now - self.last;
        self.last = now;
        match self.phases.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += spent,
            None => self.phases.0.push((name, spent)),
        }
    }
}

/// Runs the request; `progress` makes a progress observer for a scenario of `draws` draws.
/// Returns the scenarios' runs (none for a shard) and how long each phase took.
pub fn run(
    req: &RunRequest,
    progress: &dyn Fn(&str, u64) -> Box<dyn Progress>,
) -> Result<(Vec<Done>, Phases), RunError> {
    let mut clock = Clock::start();
    let files = if req.scenarios.is_empty() {
        // No scenario folder, or none in it, is a matter of what was asked.
        scenario_files(&req.scenarios_dir).map_err(|e| {
            RunError::Input(InputErrors(vec![InputError::message(
                &req.scenarios_dir,
                0,
                0,
                format!("{e:#}"),
            )]))
        })?
    } else {
        req.scenarios.clone()
    };

    // Describe: every scenario and data set checked before anything runs.
    let mut errors = Vec::new();
    let mut scenarios = Vec::new();
    let mut names: BTreeMap<String, &Path> = BTreeMap::new();
    for f in &files {
        // The file's stem names its output folder: it must be one a folder can have, and be
        // the only one of its name in the run.
        let Some(stem) = f.file_stem().and_then(|s| s.to_str()) else {
            errors.push(InputError::message(
                f,
                0,
                0,
                "the file name is not valid UTF-8: expected a UTF-8 name (it names the output folder)",
            ));
            continue;
        };
        if stem == "compare" || stem == WORKBOOK || stem.starts_with('.') || stem.is_empty() {
            errors.push(InputError::value(
                f,
                0,
                0,
                "scenario name",
                stem,
                format!(
                    "a name other than `compare` and not starting with `.` (it names the output folder beside compare/ and {GENERATIONS}/)"
                ),
            ));
            continue;
        }
        if let Some(first) = names.insert(stem.to_owned(), f) {
            errors.push(InputError::value(
                f,
                0,
                0,
                "scenario name",
                stem,
                format!(
                    "one scenario per name in a run (also the name of {}; each names its output folder)",
                    first.display()
                ),
            ));
            continue;
        }
        match scenario::load_with_references(f) {
            Ok((mut sc, refs)) => {
                if let Some(d) = &req.data {
                    sc.data = d.clone();
                }
                if let Some(s) = req.seed {
                    sc.seed = s;
                }
                scenarios.push((f.clone(), sc, refs));
            }
            Err(e) => errors.extend(e.0),
        }
    }
    let mut data: BTreeMap<PathBuf, std::sync::Arc<DataSet>> = BTreeMap::new();
    for (_, sc, _) in &scenarios {
        if data.contains_key(&sc.data) {
            continue;
        }
        match dataset::load(&sc.data) {
            Ok(ds) => {
                data.insert(sc.data.clone(), std::sync::Arc::new(ds));
            }
            Err(e) => errors.extend(e.0),
        }
    }
    // Names the scenario uses must exist in its data set (against a `--data` override, which
    // the scenario was not written for, only those a run cannot do without).
    for (file, sc, refs) in &scenarios {
        if let Some(ds) = data.get(&sc.data) {
            let checked = if req.data.is_none() {
                refs.check_against(ds)
            } else {
                refs.check_override(ds)
            };
            match checked {
                Err(e) => errors.extend(e.0),
                Ok(()) => errors.extend(check_memory(req, file, sc, ds, draws_of(req, sc))),
            }
        }
    }
    if !errors.is_empty() {
        return Err(RunError::Input(InputErrors(errors)));
    }

    clock.lap("load");

    // The run's threads, for what runs beside the draws (the draws start their own pool).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(req.threads.max(1))
        .build()
        .context("cannot start the worker threads")?;

    // Assemble and run.
    let mut done = Vec::new();
    let mut shards = Vec::new();
    for (position, (file, sc, _)) in scenarios.into_iter().enumerate() {
        let ds = data[&sc.data].clone();
        // What assemble refuses is a mismatch of the scenario and its data set.
        let model = pool.install(|| assemble(&ds, &sc)).map_err(|e| {
            RunError::Input(InputErrors(vec![InputError::message(
                &file,
                0,
                0,
                format!("cannot run with the data set {}: {e}", ds.dir.display()),
            )]))
        })?;
        clock.lap("assemble");
        let opts = RunOptions {
            draws: draws_of(req, &sc),
            seed: sc.seed,
            threads: req.threads,
        };
        let draws = match &req.source {
            Source::Run | Source::Shard { .. } => {
                let first = match req.source {
                    Source::Shard { first } => first,
                    _ => 0,
                };
                let observer = progress(&sc.name, u64::from(opts.draws));
                monte_carlo::simulate(&model, &opts, first, observer.as_ref())
            }
            Source::Merge(shards) => {
                let dirs = shards.get(&sc.name).map_or(&[][..], Vec::as_slice);
                merged_draws(&model, &file, &sc, dirs)?
            }
        };
        clock.lap("draws");
        if let Source::Shard { .. } = req.source {
            let info = ShardInfo {
                tool_version: env!("CARGO_PKG_VERSION").to_string(),
                scenario: sc.name.clone(),
                scenario_file: file.display().to_string(),
                position,
                data: req.data.as_ref().map(|d| d.display().to_string()),
                seed_override: req.seed,
                seed: sc.seed,
                first: draws.first,
                draws: draws.count as u64,
                inputs: Manifest::hash_inputs(&file, &sc.data)?,
            };
            shards.push((info, draws));
            continue;
        }
        let result = pool.install(|| monte_carlo::summarise(&model, &sc.targets, &draws));
        drop(draws);
        clock.lap("summary");
        let priority = req.priority.then(|| {
            let observer = progress(&format!("{} priority", sc.name), u64::from(opts.draws));
            crate::engine::priority::rank(&model, &sc.targets, &opts, observer.as_ref())
        });
        if priority.is_some() {
            clock.lap("priority");
        }
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

    if shards.is_empty() {
        write_outputs(req, &pool, &done, &mut clock)?;
    } else {
        let mut generation = Generation::begin(&req.out)?;
        for (info, draws) in &shards {
            shard::write_shard(&generation.folder(&info.scenario)?, info, draws)?;
        }
        clock.lap("tables");
        generation.commit()?;
        clock.lap("commit");
    }
    Ok((done, clock.phases))
}

/// A merge of shards: the request that summarises their draws as one run would.
///
/// Every scenario folder with a `shard.json` under the folders given is a shard; the shards of
/// a scenario must come from runs of the same command but for `--draws-from` and `--draws`
/// (same scenario file, `--data`, `--seed` and version), and cover draws `0..N` exactly
/// (checked when their draws are read).
pub fn merge_request(
    dirs: &[PathBuf],
    out: PathBuf,
    threads: usize,
    charts: Option<ChartOptions>,
    date: String,
) -> Result<RunRequest, RunError> {
    let refuse = |path: &Path, why: String| {
        RunError::Input(InputErrors(vec![InputError::message(path, 0, 0, why)]))
    };
    let mut found: Vec<(PathBuf, ShardInfo)> = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            refuse(
                dir,
                format!("cannot list it ({e}): expected the --out folder of a shard run"),
            )
        })?;
        let mut folders: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join(shard::SHARD_FILE).is_file())
            .collect();
        folders.sort();
        if folders.is_empty() {
            return Err(refuse(
                dir,
                format!(
                    "no shard in it: expected the --out folder of `placeplan run --draws-from`, with a {} per scenario",
                    shard::SHARD_FILE
                ),
            ));
        }
        for f in folders {
            let info = shard::read_info(&f).map_err(|e| refuse(&f, format!("{e:#}")))?;
            found.push((f, info));
        }
    }
    let first = found[0].1.clone();
    let mut scenarios: BTreeMap<usize, PathBuf> = BTreeMap::new();
    let mut shards: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for (dir, info) in found {
        let same_run = info.tool_version == env!("CARGO_PKG_VERSION")
            && info.data == first.data
            && info.seed_override == first.seed_override;
        if !same_run {
            return Err(refuse(
                &dir.join(shard::SHARD_FILE),
                format!(
                    "version {}, --data {:?}, --seed {:?}: expected what every shard of the merge was run with (version {}, --data {:?}, --seed {:?})",
                    info.tool_version,
                    info.data,
                    info.seed_override,
                    env!("CARGO_PKG_VERSION"),
                    first.data,
                    first.seed_override
                ),
            ));
        }
        let file = PathBuf::from(&info.scenario_file);
        if let Some(other) = scenarios.insert(info.position, file.clone())
            && other != file
        {
            return Err(refuse(
                &dir.join(shard::SHARD_FILE),
                format!(
                    "scenario {} in place {}, where another shard has {}: expected shards of one command",
                    file.display(),
                    info.position,
                    other.display()
                ),
            ));
        }
        shards.entry(info.scenario).or_default().push(dir);
    }
    Ok(RunRequest {
        scenarios: scenarios.into_values().collect(),
        scenarios_dir: PathBuf::from("scenarios"),
        data: first.data.map(PathBuf::from),
        out,
        draws: None,
        seed: first.seed_override,
        threads,
        charts,
        date,
        priority: false,
        source: Source::Merge(shards),
    })
}

/// The draws a run of `sc` takes: `--draws`, or the scenario's `draws`; for a merge, those
/// of its shards.
fn draws_of(req: &RunRequest, sc: &Scenario) -> u32 {
    match &req.source {
        Source::Merge(shards) => shards
            .get(&sc.name)
            .into_iter()
            .flatten()
            .filter_map(|dir| shard::read_info(dir).ok())
            .map(|i| i.draws)
            .sum::<u64>()
            .try_into()
            .unwrap_or(u32::MAX),
        _ => req.draws.unwrap_or(sc.draws),
    }
}

/// The draws of a scenario's shards, in order, checked to be draws `0..N` of the same inputs.
fn merged_draws(
    m: &crate::engine::assemble::Assembled,
    file: &Path,
    sc: &Scenario,
    dirs: &[PathBuf],
) -> Result<monte_carlo::Draws, RunError> {
    let refuse = |dir: &Path, why: String| {
        RunError::Input(InputErrors(vec![InputError::message(
            &dir.join(shard::SHARD_FILE),
            0,
            0,
            why,
        )]))
    };
    let inputs = Manifest::hash_inputs(file, &sc.data)?;
    let mut parts = Vec::new();
    for dir in dirs {
        let info = shard::read_info(dir)?;
        if info.inputs != inputs {
            return Err(refuse(
                dir,
                format!(
                    "the scenario or its data set changed since this shard ran: expected the files it ran on ({} files hashed)",
                    info.inputs.len()
                ),
            ));
        }
        if info.seed != sc.seed {
            return Err(refuse(
                dir,
                format!(
                    "seed {}: expected the seed of the other shards, {}",
                    info.seed, sc.seed
                ),
            ));
        }
        parts.push((info.first, dir));
    }
    parts.sort();
    let mut all = monte_carlo::Draws::empty(m, 0);
    for (_, dir) in parts {
        let draws = shard::read_draws(dir)?;
        all.append(draws).map_err(|why| refuse(dir, why))?;
    }
    Ok(all)
}

/// The memory a run of `sc` on `ds` would take for its draws, refused above
/// [`MAX_RESULT_BYTES`], blaming `--draws` or the scenario's `draws` line.
fn check_memory(
    req: &RunRequest,
    file: &Path,
    sc: &Scenario,
    ds: &DataSet,
    draws: u32,
) -> Option<InputError> {
    let base = ds.base_year()?;
    let years = u64::from(sc.horizon.0.saturating_sub(base.0)) + 1;
    let areas = ds.areas.len() as u64 + 1;
    let metrics = crate::engine::sim::METRICS as u64;
    let projects = (ds.projects.len() + sc.extra_projects.len()).max(1) as u64;
    // A batch of draws indexes its values in 32 bits (`engine::sim::encode`): beyond any real
    // data set (half a billion values per draw), but refused rather than run.
    let lanes = crate::engine::sim::LANES as u64;
    let values = years * areas * metrics;
    if values * lanes > u64::from(u32::MAX) {
        return Some(InputError::message(
            &ds.dir.join("areas.csv"),
            0,
            0,
            format!(
                "{areas} areas (with the city) × {years} years × {metrics} metrics = {values} values per draw: expected at most {}",
                u64::from(u32::MAX) / lanes
            ),
        ));
    }
    let draws = u64::from(draws);
    // A value takes 2 bytes (`Draws` holds differences from the central case), an opening year 2.
    let bytes = draws * (values * 2 + projects * 2);
    if bytes <= MAX_RESULT_BYTES {
        return None;
    }
    let per_draw = bytes / draws;
    let most = MAX_RESULT_BYTES / per_draw;
    let why = format!(
        "{draws} draws × {years} years × {areas} areas (with the city) × {metrics} metrics × 2 bytes = {:.1} GiB of results, above the limit of {} GiB: expected at most {most} draws for this horizon and data set",
        bytes as f64 / f64::from(1u32 << 30),
        MAX_RESULT_BYTES >> 30
    );
    if req.draws.is_some() {
        return Some(InputError::message(Path::new("--draws"), 0, 0, why));
    }
    if let Source::Merge(_) = req.source {
        return Some(InputError::message(Path::new("merge"), 0, 0, why));
    }
    // The scenario's own `draws` line, when it has one.
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("draws") && l.contains('='))
        .map_or(0, |i| i + 1);
    Some(InputError::value(
        file,
        line,
        usize::from(line > 0),
        "draws",
        &draws.to_string(),
        why,
    ))
}

/// Writes every scenario's folder, the comparison and the workbook into one generation,
/// committed together.
fn write_outputs(
    req: &RunRequest,
    pool: &rayon::ThreadPool,
    done: &[Done],
    clock: &mut Clock,
) -> anyhow::Result<()> {
    let mut generation = Generation::begin(&req.out)?;
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
            pipeline: Some(&d.pipeline),
            priority: d.priority.as_deref(),
        })
        .collect();
    for (d, view) in done.iter().zip(&views) {
        let dir = generation.folder(&d.scenario.name)?;
        let manifest = Manifest {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: d.scenario.name.clone(),
            scenario_file: d.file.display().to_string(),
            data_set: d.data.name.clone(),
            seed: d.scenario.seed,
            draws: d.result.draws,
            threads: req.threads,
            base_year: d.result.base_year.0,
            horizon: d.result.horizon.0,
            inputs: Manifest::hash_inputs(&d.file, &d.scenario.data)?,
        };
        // The tables side by side on the run's threads: each is its own file.
        let (tables, more) = pool.install(|| {
            rayon::join(
                || tables::write_scenario_tables(&dir, &d.result, &manifest),
                || -> anyhow::Result<()> {
                    tables::write_key_figures(&dir, &figures::key_figures(&d.scenario, &d.result))?;
                    crate::io::areas::write_area_tables(&dir, &d.data, &d.projects, &d.result)?;
                    if let Some(rows) = &d.priority {
                        crate::io::priority::write_priority(&dir, rows, &d.projects, &d.data)?;
                    }
                    Ok(())
                },
            )
        });
        tables.and(more)?;
        clock.lap("tables");
        if let Some(opts) = &req.charts {
            let base = d
                .scenario
                .meta
                .base
                .as_ref()
                .and_then(|b| views.iter().find(|v| &v.scenario.name == b));
            let files = charts::scenario_charts(view, base, opts)?;
            let report = charts::report(
                std::slice::from_ref(view),
                opts,
                std::slice::from_ref(&files),
                &[],
            )?;
            write_rendered(&dir, files.iter().chain([&report]))?;
            scenario_charts.push(files);
            clock.lap("charts");
        }
    }
    let compare = generation.folder("compare")?;
    let rows: Vec<(String, &ScenarioResult)> = done
        .iter()
        .map(|d| (d.scenario.name.clone(), &d.result))
        .collect();
    pool.install(|| tables::write_compare_summary(&compare, &rows))?;
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
    tables::write_key_figures(&compare, &all)?;
    clock.lap("tables");
    if let Some(opts) = &req.charts {
        let order = charts::ranking(&views);
        let views: Vec<RunView> = order.iter().map(|&i| views[i]).collect();
        let scenario_charts: Vec<Vec<charts::Rendered>> = order
            .iter()
            .map(|&i| std::mem::take(&mut scenario_charts[i]))
            .collect();
        let files = charts::compare_charts(&views, opts)?;
        let report = charts::report(&views, opts, &scenario_charts, &files)?;
        write_rendered(&compare, files.iter().chain([&report]))?;
        clock.lap("charts");
    }
    // The workbook, built before anything is committed; the headline chart goes in when the
    // run drew PNG charts.
    let headline = req
        .charts
        .as_ref()
        .filter(|o| o.formats.contains(&Format::Png))
        .map(|_| compare.join(format!("{}.png", charts::HEADLINE)))
        .map(|p| std::fs::read(&p).with_context(|| format!("cannot read {}", p.display())))
        .transpose()?;
    let zh = req.charts.as_ref().is_none_or(|o| o.lang == Lang::Zh);
    let created = parse_date(&req.date);
    let book = workbook::workbook_bytes(&books, zh, headline.as_deref(), created)?;
    crate::io::atomic::write_file(&generation.file(WORKBOOK), &book)?;
    clock.lap("workbook");
    generation.commit()?;
    clock.lap("commit");
    Ok(())
}

/// Writes drawn charts and reports into `dir`, each file atomically.
fn write_rendered<'a>(
    dir: &Path,
    files: impl IntoIterator<Item = &'a charts::Rendered>,
) -> anyhow::Result<()> {
    for f in files {
        crate::io::atomic::write_file(&dir.join(&f.name), &f.bytes)?;
    }
    Ok(())
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
