//! One scenario's oversized (56+) and super-oversized (66+) classes over time, medians of the
//! draws with P10–P90 bands, and the targets as ceilings (the target share × the median number
//! of classes in the target year). Only draws.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Frame, Key, LegendEntry, Line, Marker, SeriesStyle, TimePlot, YAxis};
use super::series::{self, CITY};
use super::{ChartOptions, Lang, RunView, labels};
use crate::engine::results::Metric;

/// The targets' ceilings on the oversized count, as star markers.
fn ceilings(run: &RunView) -> Option<Line> {
    let points: Vec<(f64, f64)> = run
        .scenario
        .targets
        .iter()
        .filter_map(|t| {
            let share = t.max_oversized_share?;
            let classes = series::point(run.result, Metric::Classes, t.year.0, CITY)?;
            Some((f64::from(t.year.0), share * classes.p50))
        })
        .collect();
    (!points.is_empty()).then(|| {
        let mut line = Line::new(
            SeriesStyle {
                color: draw::TARGET,
                dash: None,
                marker: Marker::Star,
            },
            points,
        );
        line.connect = false;
        line
    })
}

pub fn draw_oversized_over_time<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    let threshold = run.scenario.classes.oversized;
    let super_threshold = run.scenario.classes.super_oversized;
    let base = run.result.base_year.0;
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    for (i, (metric, label)) in [
        (Metric::OversizedClasses, labels::oversized(threshold, lang)),
        (
            Metric::SuperOversizedClasses,
            labels::super_oversized(super_threshold, lang),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let pts = series::series(run.result, metric, CITY);
        let style = draw::projection_style(i);
        let mut line = Line::new(
            style,
            pts.iter().map(|p| (f64::from(p.year), p.p50)).collect(),
        );
        line.band = pts
            .iter()
            .map(|p| (f64::from(p.year), p.p10, p.p90))
            .collect();
        line.solid_until = f64::from(base);
        lines.push(line);
        legend.push(LegendEntry {
            key: Key::Line { style, band: true },
            label,
        });
    }
    if let Some(c) = ceilings(run) {
        legend.push(LegendEntry {
            key: Key::Marker(c.style),
            label: lang
                .pick(
                    "目标上限（目标比例×班级数）",
                    "target ceiling (share × classes)",
                )
                .to_string(),
        });
        lines.push(c);
    }
    let horizon = run.result.horizon.0;
    let last = series::point(run.result, Metric::OversizedClasses, horizon, CITY);
    let first = series::point(run.result, Metric::OversizedClasses, base, CITY);
    let name = labels::scenario_title(run, lang);
    let title = match (lang, first, last) {
        (Lang::Zh, Some(a), Some(b)) => format!(
            "{name}：大班额从{base}年的{}个变为{horizon}年的{}个",
            series::thousands(a.p50),
            series::thousands(b.p50)
        ),
        (Lang::En, Some(a), Some(b)) => format!(
            "{name}: oversized classes from {} in {base} to {} in {horizon}",
            series::thousands(a.p50),
            series::thousands(b.p50)
        ),
        (Lang::Zh, ..) => format!("{name}：大班额变化"),
        (Lang::En, ..) => format!("{name}: oversized classes"),
    };
    let frame = Frame {
        title,
        subtitle: match lang {
            Lang::Zh => format!(
                "全市；线为{}次模拟的中位数，阴影为P10–P90；{base}年为实际",
                series::thousands(f64::from(run.result.draws))
            ),
            Lang::En => format!(
                "City-wide; lines: median of {} draws, shading: P10–P90; {base} observed",
                series::thousands(f64::from(run.result.draws))
            ),
        },
        legend,
        table: None,
        source: labels::source(std::slice::from_ref(run), opts),
    };
    let plot = draw::draw_frame(root, &frame)?;
    draw::time_plot(
        &plot,
        &TimePlot {
            lines,
            stacks: Vec::new(),
            refs: Vec::new(),
            divider: Some(f64::from(base)),
            y_desc: labels::classes_axis(lang).to_string(),
            y_axis: YAxis::Count,
        },
        lang,
        s,
    )
}
