//! Charts (plotters) and the HTML report of SPEC §7, in Chinese or English.
//!
//! Each chart is one function in a file of its own, generic over the plotters `DrawingBackend`
//! (the shared frame and plots live in [`draw`]), so the PNG (2400 px for a memo's 16 cm) and
//! the SVG come from the same code. Charts show the median of the draws with P10–P90; the
//! central case stays in the tables as a reference. Text is drawn with the
//! bundled Noto Sans CJK SC subset (`assets/fonts/`), registered from embedded bytes: no chart
//! depends on the host's fonts, and SVG text is written as glyph outlines (module `outline`).
//! This module reads results, it never computes a model figure the engine did not produce, and it
//! never touches a file: charts and the report come back as [`Rendered`] bytes, which the caller
//! writes (through `io::atomic`, into a staged folder).

mod areas;
mod assumptions;
pub mod backtest;
mod cleared;
mod delays;
mod demand;
pub mod draw;
mod font;
mod headline;
mod labels;
mod map;
mod markup;
mod outline;
mod oversized;
mod pipeline;
mod png;
mod priority;
mod report;
mod series;
mod shortfall;
mod super_oversized;
mod versus_base;

use std::fmt;
use std::str::FromStr;

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use crate::engine::results::ScenarioResult;
use crate::model::DataSet;
use crate::scenario::Scenario;

pub use report::{REPORT_FILE, report};

/// Language of the charts and the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Picks the Chinese or the English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// BCP 47 tag for the report's `lang` attribute.
    pub fn tag(self) -> &'static str {
        self.pick("zh-CN", "en")
    }
}

/// A value of `--lang` or `--format` that is not one of the accepted words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {option} value `{found}`: expected {expected}")]
pub struct ParseOptionError {
    pub option: &'static str,
    pub found: String,
    pub expected: &'static str,
}

impl FromStr for Lang {
    type Err = ParseOptionError;

    fn from_str(s: &str) -> Result<Lang, ParseOptionError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            _ => Err(ParseOptionError {
                option: "--lang",
                found: s.to_string(),
                expected: "zh or en",
            }),
        }
    }
}

/// A chart file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG at print resolution ([`PNG_SIZE`]).
    Png,
    /// SVG ([`SVG_SIZE`] user units), text as outlines.
    Svg,
}

/// PNG size in pixels: 16 × 12 cm at 381 dpi (2400 px over a memo's 16 cm text width).
pub const PNG_SIZE: (u32, u32) = (2400, 1800);
/// SVG size in user units (the same layout as the PNG, half the scale).
pub const SVG_SIZE: (u32, u32) = (1200, 900);

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    /// Parses a comma-separated list such as `png,svg` (order kept, duplicates dropped).
    pub fn parse_list(s: &str) -> Result<Vec<Format>, ParseOptionError> {
        let mut formats = Vec::new();
        for word in s.split(',') {
            let format = word.parse::<Format>()?;
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        Ok(formats)
    }
}

impl FromStr for Format {
    type Err = ParseOptionError;

    fn from_str(s: &str) -> Result<Format, ParseOptionError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            _ => Err(ParseOptionError {
                option: "--format",
                found: s.to_string(),
                expected: "png or svg, comma-separated (e.g. png,svg)",
            }),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// How charts and the report are written.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartOptions {
    pub lang: Lang,
    pub formats: Vec<Format>,
    /// Generation date `YYYY-MM-DD`, printed in every chart's source line (passed in by the
    /// caller so that outputs are reproducible).
    pub generated: String,
}

/// One scenario's run: what the charts and the report read.
#[derive(Debug, Clone, Copy)]
pub struct RunView<'a> {
    pub scenario: &'a Scenario,
    pub data: &'a DataSet,
    pub result: &'a ScenarioResult,
    /// The data set's area boundaries (`areas.geojson`), if it has them: the map is then a
    /// choropleth.
    pub boundaries: Option<&'a crate::geo::Boundaries>,
    /// The pipeline the run fitted (delay prior, evidence, posterior), when known.
    pub pipeline: Option<&'a crate::engine::pipeline::Pipeline>,
    /// Which projects matter most, when the run ranked them (`--priority`).
    pub priority: Option<&'a [crate::engine::priority::PriorityRow]>,
}

/// The order in which the comparison shows scenarios: lowest share of oversized classes at the
/// last share-target year first (median of the draws; the horizon when no target sets a
/// share), so the headline reads as a ranking of which scenario gets there; ties by scenario
/// name. Returns indices into `runs`.
pub fn ranking(runs: &[RunView]) -> Vec<usize> {
    let horizon = runs.iter().map(|r| r.result.horizon.0).max().unwrap_or(0);
    let year = headline::share_target_years(runs)
        .last()
        .copied()
        .unwrap_or(horizon);
    let share = |r: &RunView| {
        series::oversized_share(r.result, series::CITY)
            .iter()
            .find(|p| p.year == year)
            .map_or(f64::INFINITY, |p| p.p50)
    };
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| {
        share(&runs[a])
            .total_cmp(&share(&runs[b]))
            .then_with(|| runs[a].scenario.name.cmp(&runs[b].scenario.name))
    });
    order
}

/// The charts of one scenario (file stem = chart name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioChart {
    /// Share of classes 56+ against the target, beside the base scenario when it has one.
    VersusBase,
    /// Oversized and super-oversized classes over time, medians with P10–P90 bands.
    OversizedOverTime,
    /// Shortfall (places, % of places) per area: base year, last target year, horizon.
    ShortfallByArea,
    /// A schematic tile map of the areas coloured by shortfall (when areas have centroids).
    ShortfallMap,
    /// The change in pupils by source, reconciled to the net change.
    DemandByDriver,
    /// Classrooms and places open by year: planned against expected.
    PipelineDelivery,
    /// The pipeline's delay: prior and posterior (not under `plan`).
    Delays,
    /// Projects planned and expected open by the last target year, per area.
    Areas,
    /// The projects that matter most (with `--priority`).
    Priority,
}

impl ScenarioChart {
    pub const ALL: [ScenarioChart; 9] = [
        ScenarioChart::VersusBase,
        ScenarioChart::OversizedOverTime,
        ScenarioChart::ShortfallByArea,
        ScenarioChart::ShortfallMap,
        ScenarioChart::DemandByDriver,
        ScenarioChart::PipelineDelivery,
        ScenarioChart::Delays,
        ScenarioChart::Areas,
        ScenarioChart::Priority,
    ];

    pub fn file_stem(self) -> &'static str {
        match self {
            ScenarioChart::VersusBase => "versus_base",
            ScenarioChart::OversizedOverTime => "oversized_over_time",
            ScenarioChart::ShortfallByArea => "shortfall_by_area",
            ScenarioChart::ShortfallMap => "shortfall_map",
            ScenarioChart::DemandByDriver => "demand_by_driver",
            ScenarioChart::PipelineDelivery => "pipeline_delivery",
            ScenarioChart::Delays => "pipeline_delays",
            ScenarioChart::Areas => "areas",
            ScenarioChart::Priority => "project_priority",
        }
    }
}

/// The cross-scenario charts of `output/compare/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareChart {
    /// The headline: share of classes 56+ per scenario against the 5 % target, P(target met).
    OversizedShare,
    /// Super-oversized classes per scenario against zero.
    SuperOversized,
    /// Oversized classes cleared by target year, with the pupils moved beside them.
    ClearedByScenario,
}

impl CompareChart {
    pub const ALL: [CompareChart; 3] = [
        CompareChart::OversizedShare,
        CompareChart::SuperOversized,
        CompareChart::ClearedByScenario,
    ];

    pub fn file_stem(self) -> &'static str {
        match self {
            CompareChart::OversizedShare => "oversized_share",
            CompareChart::SuperOversized => "super_oversized",
            CompareChart::ClearedByScenario => "cleared_by_scenario",
        }
    }
}

/// The headline chart's file stem in `output/compare/`.
pub const HEADLINE: &str = "oversized_share";

/// A chart or the report, drawn: its file name in the output folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// File name, `stem.extension` (e.g. `oversized_share.svg`).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Draws the charts of one scenario in every format of `opts`; `base` is the run of its base
/// scenario, when the run has it. Returns them chart by chart in [`ScenarioChart::ALL`] order
/// (the map only when the data set gives area centroids).
pub fn scenario_charts(
    run: &RunView,
    base: Option<&RunView>,
    opts: &ChartOptions,
) -> anyhow::Result<Vec<Rendered>> {
    // The map needs the areas' boundaries or centroids.
    let mapped = run.boundaries.is_some() || run.data.areas.iter().any(|a| a.centroid.is_some());
    // The delay chart when projects are late by a fitted model, the ranking when it was asked.
    let delays = run
        .pipeline
        .is_some_and(|p| p.pace != crate::scenario::Pace::Plan)
        && !run.data.projects.is_empty();
    let jobs: Vec<(Job, Format)> = ScenarioChart::ALL
        .iter()
        .filter(|c| mapped || **c != ScenarioChart::ShortfallMap)
        .filter(|c| delays || **c != ScenarioChart::Delays)
        .filter(|c| run.priority.is_some() || **c != ScenarioChart::Priority)
        .flat_map(|c| {
            opts.formats
                .iter()
                .map(move |f| (Job::Scenario(*c, run, base), *f))
        })
        .collect();
    render_all(&jobs, opts)
}

/// Draws the cross-scenario charts (`output/compare/`) in every format of `opts`. Returns them
/// chart by chart in [`CompareChart::ALL`] order.
pub fn compare_charts(runs: &[RunView], opts: &ChartOptions) -> anyhow::Result<Vec<Rendered>> {
    let jobs: Vec<(Job, Format)> = CompareChart::ALL
        .iter()
        .flat_map(|c| {
            opts.formats
                .iter()
                .map(move |f| (Job::Compare(*c, runs), *f))
        })
        .collect();
    render_all(&jobs, opts)
}

/// One chart to draw.
#[derive(Clone, Copy)]
enum Job<'r, 'a> {
    Scenario(ScenarioChart, &'r RunView<'a>, Option<&'r RunView<'a>>),
    Compare(CompareChart, &'r [RunView<'a>]),
}

impl Job<'_, '_> {
    fn file_stem(&self) -> &'static str {
        match self {
            Job::Scenario(c, ..) => c.file_stem(),
            Job::Compare(c, _) => c.file_stem(),
        }
    }

    /// The canvas for a chart of this job: the comparison's line charts carry a table of every
    /// scenario above the plot, so they are 14 cm tall at 16 cm wide instead of 12 cm.
    fn size(&self, (w, h): (u32, u32)) -> (u32, u32) {
        match self {
            Job::Compare(CompareChart::OversizedShare | CompareChart::SuperOversized, _) => {
                (w, h * 7 / 6)
            }
            _ => (w, h),
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        opts: &ChartOptions,
    ) -> anyhow::Result<()> {
        match *self {
            Job::Scenario(ScenarioChart::VersusBase, run, base) => {
                versus_base::draw_versus_base(area, run, base, opts)
            }
            Job::Scenario(ScenarioChart::OversizedOverTime, run, _) => {
                oversized::draw_oversized_over_time(area, run, opts)
            }
            Job::Scenario(ScenarioChart::ShortfallByArea, run, _) => {
                shortfall::draw_shortfall_by_area(area, run, opts)
            }
            Job::Scenario(ScenarioChart::ShortfallMap, run, _) => {
                map::draw_shortfall_map(area, run, opts)
            }
            Job::Scenario(ScenarioChart::DemandByDriver, run, _) => {
                demand::draw_demand_by_driver(area, run, opts)
            }
            Job::Scenario(ScenarioChart::PipelineDelivery, run, _) => {
                pipeline::draw_pipeline_delivery(area, run, opts)
            }
            Job::Scenario(ScenarioChart::Delays, run, _) => match run.pipeline {
                Some(p) => delays::draw_delays(area, run, p, opts),
                None => Ok(()),
            },
            Job::Scenario(ScenarioChart::Areas, run, _) => areas::draw_areas(area, run, opts),
            Job::Scenario(ScenarioChart::Priority, run, _) => match run.priority {
                Some(rows) => priority::draw_priority(area, run, rows, opts),
                None => Ok(()),
            },
            Job::Compare(CompareChart::OversizedShare, runs) => {
                headline::draw_oversized_share(area, runs, opts, None)
            }
            Job::Compare(CompareChart::SuperOversized, runs) => {
                super_oversized::draw_super_oversized(area, runs, opts)
            }
            Job::Compare(CompareChart::ClearedByScenario, runs) => {
                cleared::draw_cleared(area, runs, opts)
            }
        }
    }
}

/// Renders the jobs in parallel (charts are independent); results in job order.
fn render_all(jobs: &[(Job, Format)], opts: &ChartOptions) -> anyhow::Result<Vec<Rendered>> {
    font::ensure_registered()?;
    jobs.par_iter()
        .map(|(job, format)| {
            Ok(Rendered {
                name: format!("{}.{}", job.file_stem(), format.extension()),
                bytes: render(job, *format, opts)?,
            })
        })
        .collect()
}

/// Renders one chart in `format`.
fn render(job: &Job, format: Format, opts: &ChartOptions) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::Png => png::render_png(job.size(PNG_SIZE), |area| job.draw(area, opts)),
        Format::Svg => {
            Ok(outline::render_svg(job.size(SVG_SIZE), |area| job.draw(area, opts))?.into_bytes())
        }
    }
}
