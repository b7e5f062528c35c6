//! Super-oversized classes (66+ pupils) per scenario against the target of none: medians of
//! the draws with P10–P90 bands, the median count at each target year in a table beside the
//! legend, and the finding in the title. Only draws.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Frame, Key, LegendTable, Line, RefLine, TimePlot, YAxis};
use super::series::{self, CITY};
use super::{ChartOptions, Lang, RunView, labels};
use crate::engine::results::Metric;

/// The years of the targets that allow no (or a share of) super-oversized classes.
fn super_target_years(runs: &[RunView]) -> Vec<u16> {
    let mut years: Vec<u16> = runs
        .iter()
        .flat_map(|r| r.scenario.targets.iter())
        .filter(|t| t.max_super_oversized_share.is_some())
        .map(|t| t.year.0)
        .collect();
    years.sort_unstable();
    years.dedup();
    if years.is_empty() {
        years.extend(runs.iter().map(|r| r.result.horizon.0).max());
    }
    years
}

fn median_at(run: &RunView, year: u16) -> Option<f64> {
    series::point(run.result, Metric::SuperOversizedClasses, year, CITY).map(|p| p.p50)
}

fn finding(runs: &[RunView], year: u16, threshold: u32, lang: Lang) -> String {
    let medians: Vec<(&str, f64)> = runs
        .iter()
        .filter_map(|r| median_at(r, year).map(|m| (labels::scenario_title(r, lang), m)))
        .collect();
    let none: Vec<&str> = medians
        .iter()
        .filter(|(_, m)| *m < 0.5)
        .map(|(n, _)| *n)
        .collect();
    let lo = medians.iter().map(|m| m.1).fold(f64::INFINITY, f64::min);
    let hi = medians
        .iter()
        .map(|m| m.1)
        .fold(f64::NEG_INFINITY, f64::max);
    match (lang, none.len()) {
        (Lang::Zh, 0) => format!(
            "{year}年：各情景仍有{threshold}人以上超大班额（中位数{}至{}个）",
            series::thousands(lo),
            series::thousands(hi)
        ),
        (Lang::Zh, n) if n == medians.len() => {
            format!("{year}年：各情景的{threshold}人以上超大班额中位数均为零")
        }
        (Lang::Zh, _) => format!(
            "{year}年：只有{}的{threshold}人以上超大班额中位数为零",
            none.join("、")
        ),
        (Lang::En, 0) => format!(
            "By {year}, every scenario still has {threshold}+ classes (median {} to {})",
            series::thousands(lo),
            series::thousands(hi)
        ),
        (Lang::En, n) if n == medians.len() => {
            format!("By {year}, the median of {threshold}+ classes is zero in every scenario")
        }
        (Lang::En, _) => format!(
            "By {year}, only {} reach{} a median of zero {threshold}+ classes",
            none.join(", "),
            if none.len() == 1 { "es" } else { "" }
        ),
    }
}

pub fn draw_super_oversized<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    runs: &[RunView],
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    let threshold = runs
        .first()
        .map_or(66, |r| r.scenario.classes.super_oversized);
    let base = runs.iter().map(|r| r.result.base_year.0).min().unwrap_or(0);
    let years = super_target_years(runs);
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let pts = series::series(run.result, Metric::SuperOversizedClasses, CITY);
        let style = draw::projection_style(i);
        let mut line = Line::new(
            style,
            pts.iter().map(|p| (f64::from(p.year), p.p50)).collect(),
        );
        line.band = pts
            .iter()
            .map(|p| (f64::from(p.year), p.p10, p.p90))
            .collect();
        line.solid_until = f64::from(run.result.base_year.0);
        lines.push(line);
        rows.push((
            Key::Line { style, band: true },
            labels::scenario_title(run, lang).to_string(),
            years
                .iter()
                .map(|y| median_at(run, *y).map_or("–".into(), series::thousands))
                .collect(),
        ));
    }
    let last = years.last().copied().unwrap_or(base);
    let draws = runs.first().map_or(0, |r| r.result.draws);
    let frame = Frame {
        title: finding(runs, last, threshold, lang),
        subtitle: match lang {
            Lang::Zh => format!(
                "全市{threshold}人及以上班级数，目标为零（红线）；线为{}次模拟的中位数，阴影为P10–P90",
                series::thousands(f64::from(draws))
            ),
            Lang::En => format!(
                "City-wide classes of {threshold}+ pupils, target zero (red line); lines: median of {} draws, shading: P10–P90",
                series::thousands(f64::from(draws))
            ),
        },
        legend: Vec::new(),
        table: Some(LegendTable {
            caption: lang
                .pick("中位数（目标年份）", "median in target years")
                .to_string(),
            columns: years.iter().map(|y| y.to_string()).collect(),
            rows,
        }),
        source: labels::source(runs, opts),
    };
    let plot = draw::draw_frame(root, &frame)?;
    draw::time_plot(
        &plot,
        &TimePlot {
            lines,
            stacks: Vec::new(),
            // The target is the axis itself: the red line marks it, the subtitle names it
            // (a label there would sit on the data that hugs zero).
            refs: vec![RefLine {
                y: 0.0,
                label: String::new(),
            }],
            divider: Some(f64::from(base)),
            y_desc: labels::super_oversized(threshold, lang),
            y_axis: YAxis::Count,
        },
        lang,
        s,
    )
}
