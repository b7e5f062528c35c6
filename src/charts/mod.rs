//! Charts (plotters) and the HTML report of SPEC §7, in Chinese or English.
//!
//! Each chart is one function generic over the plotters `DrawingBackend` ([`draw`]), so the PNG
//! (print resolution, 2400 px wide) and the SVG come from the same code. Text is drawn with the
//! bundled Noto Sans CJK SC subset (`assets/fonts/`), registered from embedded bytes: no chart
//! depends on the host's fonts, and SVG text is written as glyph outlines (module `outline`).
//! This module reads results, it never computes a model figure the engine did not produce, and it
//! writes only into the folder it is given (the caller stages that folder atomically).

pub mod backtest;
pub mod draw;
mod font;
mod labels;
mod outline;
mod report;
mod series;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use crate::engine::results::ScenarioResult;
use crate::model::DataSet;
use crate::scenario::Scenario;

pub use report::write_report;

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

/// PNG size in pixels: 2400 px is 8 inches at 300 dpi, an A4 text width at full resolution.
pub const PNG_SIZE: (u32, u32) = (2400, 1500);
/// SVG size in user units (the same layout as the PNG, half the scale).
pub const SVG_SIZE: (u32, u32) = (1200, 750);

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
}

/// The order in which the comparison shows scenarios: most oversized classes cleared by the
/// last target year of the headline chart first (central case), so that chart reads as a
/// ranking of which scenario gets there; ties by scenario name. Returns indices into `runs`.
pub fn ranking(runs: &[RunView]) -> Vec<usize> {
    let last = draw::cleared_years(runs).last().copied().unwrap_or(0);
    let cleared = |r: &RunView| {
        series::point(
            r.result,
            crate::engine::results::Metric::Cleared,
            last,
            series::CITY,
        )
        .map_or(f64::NEG_INFINITY, |p| p.central)
    };
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| {
        cleared(&runs[b])
            .total_cmp(&cleared(&runs[a]))
            .then_with(|| runs[a].scenario.name.cmp(&runs[b].scenario.name))
    });
    order
}

/// The charts of one scenario (file stem = chart name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioChart {
    /// Oversized and super-oversized classes over time, central case with P10–P90 bands.
    OversizedOverTime,
    /// Shortfall (places) per area in the base year and the first target year.
    ShortfallByArea,
    /// Pupils added per year by natural increase, migrants and returners.
    DemandByDriver,
    /// Projects open by year: planned against expected.
    PipelineDelivery,
}

impl ScenarioChart {
    pub const ALL: [ScenarioChart; 4] = [
        ScenarioChart::OversizedOverTime,
        ScenarioChart::ShortfallByArea,
        ScenarioChart::DemandByDriver,
        ScenarioChart::PipelineDelivery,
    ];

    pub fn file_stem(self) -> &'static str {
        match self {
            ScenarioChart::OversizedOverTime => "oversized_over_time",
            ScenarioChart::ShortfallByArea => "shortfall_by_area",
            ScenarioChart::DemandByDriver => "demand_by_driver",
            ScenarioChart::PipelineDelivery => "pipeline_delivery",
        }
    }
}

/// The cross-scenario charts of `output/compare/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareChart {
    /// The headline: oversized classes cleared per scenario by target year, P10–P90 whiskers.
    ClearedByScenario,
    /// Oversized classes over time, one line and P10–P90 band per scenario.
    OversizedOverTime,
}

impl CompareChart {
    pub const ALL: [CompareChart; 2] = [
        CompareChart::ClearedByScenario,
        CompareChart::OversizedOverTime,
    ];

    pub fn file_stem(self) -> &'static str {
        match self {
            CompareChart::ClearedByScenario => "cleared_by_scenario",
            CompareChart::OversizedOverTime => "oversized_over_time",
        }
    }
}

/// Writes the four charts of one scenario into `dir`, in every format of `opts`.
/// Returns the files written, chart by chart in [`ScenarioChart::ALL`] order.
pub fn write_scenario_charts(
    run: &RunView,
    opts: &ChartOptions,
    dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let jobs: Vec<(Job, Format)> = ScenarioChart::ALL
        .iter()
        .flat_map(|c| {
            opts.formats
                .iter()
                .map(move |f| (Job::Scenario(*c, run), *f))
        })
        .collect();
    render_all(&jobs, opts, dir)
}

/// Writes the cross-scenario charts into `dir` (`output/compare/`), in every format of `opts`.
/// Returns the files written, chart by chart in [`CompareChart::ALL`] order.
pub fn write_compare_charts(
    runs: &[RunView],
    opts: &ChartOptions,
    dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let jobs: Vec<(Job, Format)> = CompareChart::ALL
        .iter()
        .flat_map(|c| {
            opts.formats
                .iter()
                .map(move |f| (Job::Compare(*c, runs), *f))
        })
        .collect();
    render_all(&jobs, opts, dir)
}

/// One chart to draw.
#[derive(Clone, Copy)]
enum Job<'r, 'a> {
    Scenario(ScenarioChart, &'r RunView<'a>),
    Compare(CompareChart, &'r [RunView<'a>]),
}

impl Job<'_, '_> {
    fn file_stem(&self) -> &'static str {
        match self {
            Job::Scenario(c, _) => c.file_stem(),
            Job::Compare(c, _) => c.file_stem(),
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        opts: &ChartOptions,
    ) -> anyhow::Result<()> {
        match *self {
            Job::Scenario(ScenarioChart::OversizedOverTime, run) => {
                draw::draw_oversized_over_time(area, std::slice::from_ref(run), opts)
            }
            Job::Scenario(ScenarioChart::ShortfallByArea, run) => {
                draw::draw_shortfall_by_area(area, run, opts)
            }
            Job::Scenario(ScenarioChart::DemandByDriver, run) => {
                draw::draw_demand_by_driver(area, run, opts)
            }
            Job::Scenario(ScenarioChart::PipelineDelivery, run) => {
                draw::draw_pipeline_delivery(area, run, opts)
            }
            Job::Compare(CompareChart::ClearedByScenario, runs) => {
                draw::draw_cleared_by_scenario(area, runs, opts)
            }
            Job::Compare(CompareChart::OversizedOverTime, runs) => {
                draw::draw_oversized_over_time(area, runs, opts)
            }
        }
    }
}

/// Renders the jobs in parallel (charts are independent); paths in job order.
fn render_all(
    jobs: &[(Job, Format)],
    opts: &ChartOptions,
    dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    font::ensure_registered()?;
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    jobs.par_iter()
        .map(|(job, format)| {
            let path = dir.join(format!("{}.{}", job.file_stem(), format.extension()));
            render(job, *format, opts, &path)?;
            Ok(path)
        })
        .collect()
}

/// Renders one chart to `path` in `format`.
fn render(job: &Job, format: Format, opts: &ChartOptions, path: &Path) -> anyhow::Result<()> {
    match format {
        Format::Png => {
            let area = BitMapBackend::new(path, PNG_SIZE).into_drawing_area();
            job.draw(&area, opts)?;
            area.present()
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        }
        Format::Svg => {
            let svg = outline::render_svg(SVG_SIZE, |area| job.draw(area, opts))?;
            crate::io::atomic::write_file(path, svg.as_bytes())?;
        }
    }
    Ok(())
}
