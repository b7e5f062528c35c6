//! Oversized classes cleared per scenario by each target year (median of the draws, P10–P90
//! whiskers), each with the pupils moved by rebalancing up to that year beside it: clearing
//! classes by moving children is a policy, not a place built. Only draws.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Bar, BarGroup, Frame, Key, LegendEntry};
use super::series::{self, CITY};
use super::{ChartOptions, Lang, RunView, labels};
use crate::engine::results::Metric;

/// Pupils moved by rebalancing from the year after the base year to `year`: the sum of the
/// yearly means (the mean of the sum; medians do not add).
pub(super) fn pupils_moved_by(run: &RunView, year: u16) -> Option<f64> {
    let pts = series::series(run.result, Metric::PupilsMoved, CITY);
    if pts.is_empty() {
        return None;
    }
    Some(
        pts.iter()
            .filter(|p| p.year > run.result.base_year.0 && p.year <= year)
            .map(|p| p.mean)
            .sum(),
    )
}

/// The years the chart shows bars for: the first and the last target year (few enough bars
/// for each to carry its number and the pupils moved).
pub(super) fn cleared_years(runs: &[RunView]) -> Vec<u16> {
    let base = runs.iter().map(|r| r.result.base_year.0).min().unwrap_or(0);
    let horizon = runs.iter().map(|r| r.result.horizon.0).max().unwrap_or(0);
    let years = series::target_years(
        runs.iter()
            .flat_map(|r| r.scenario.targets.iter().map(|t| t.year.0)),
        base,
        horizon,
    );
    let mut ends: Vec<u16> = years
        .first()
        .into_iter()
        .chain(years.last())
        .copied()
        .collect();
    ends.dedup();
    ends
}

pub fn draw_cleared<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    runs: &[RunView],
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    let base = runs.iter().map(|r| r.result.base_year.0).min().unwrap_or(0);
    let years = cleared_years(runs);
    let groups: Vec<BarGroup> = runs
        .iter()
        .map(|run| BarGroup {
            label: labels::scenario_title(run, lang).to_string(),
            bars: years
                .iter()
                .map(|y| {
                    let moved = pupils_moved_by(run, *y).unwrap_or(0.0);
                    series::point(run.result, Metric::Cleared, *y, CITY).map(|p| Bar {
                        value: p.p50,
                        whisker: Some((p.p10, p.p90)),
                        label: match lang {
                            Lang::Zh => format!(
                                "{}（分流{}人）",
                                series::thousands(p.p50),
                                series::thousands(moved)
                            ),
                            Lang::En => format!(
                                "{} ({} moved)",
                                series::thousands(p.p50),
                                series::thousands(moved)
                            ),
                        },
                    })
                })
                .collect(),
        })
        .collect();
    let base_oversized = runs
        .first()
        .and_then(|r| series::point(r.result, Metric::OversizedClasses, base, CITY))
        .map_or("–".to_string(), |p| series::thousands(p.p50));
    let threshold = runs.first().map_or(56, |r| r.scenario.classes.oversized);
    let mut legend: Vec<LegendEntry> = years
        .iter()
        .enumerate()
        .map(|(i, y)| LegendEntry {
            key: Key::Bar(draw::BAR_FILLS[draw::bar_fill_index(i, years.len())]),
            label: labels::by_year(*y, lang),
        })
        .collect();
    legend.push(LegendEntry {
        key: Key::Whisker,
        label: labels::whisker(lang).to_string(),
    });
    let frame = Frame {
        title: match lang {
            Lang::Zh => format!("各情景比{base}年减少的{threshold}人以上大班额，及为此分流的学生"),
            Lang::En => {
                format!("{threshold}+ classes cleared since {base}, and the pupils moved for it")
            }
        },
        subtitle: match lang {
            Lang::Zh => format!(
                "{base}年全市大班额{base_oversized}个；柱为模拟中位数，负数表示比{base}年更多；括号内为至该年累计分流学生（模拟平均）"
            ),
            Lang::En => format!(
                "{base_oversized} oversized classes in {base}; bars: median of the draws, negative = more than in {base}; in brackets: pupils moved by rebalancing up to that year (mean of the draws)"
            ),
        },
        legend,
        table: None,
        source: labels::source(runs, opts),
    };
    let plot = draw::draw_frame(root, &frame)?;
    draw::hbar_plot(&plot, &groups, labels::cleared_axis(lang), lang, s)
}
