//! Where the change in pupils comes from, year by year: natural change (entrants minus leavers
//! and progression), migrant children and returning students as stacked bars, and the change
//! in pupils as a line through them. Means of the draws: unlike medians, means add up, so the
//! parts reconcile to the net line. The base year has no flows (no bar, not a zero).
//! Only draws.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Frame, Key, LegendEntry, Line, SeriesStyle, Stack, TimePlot, YAxis};
use super::series::{self, CITY};
use super::{ChartOptions, Lang, RunView, labels};
use crate::engine::results::Metric;

/// Fills of the three parts, light to dark so they read apart in grey.
const FILLS: [RGBColor; 3] = [
    RGBColor(166, 206, 227),
    RGBColor(230, 159, 0),
    RGBColor(86, 86, 160),
];

/// The change in pupils from the year before (means of the draws), for years after the base.
pub(super) fn net_change(run: &RunView) -> Vec<(u16, f64)> {
    let pupils = series::series(run.result, Metric::Pupils, CITY);
    pupils
        .windows(2)
        .filter(|w| w[1].year > run.result.base_year.0 && w[1].year == w[0].year + 1)
        .map(|w| (w[1].year, w[1].mean - w[0].mean))
        .collect()
}

pub fn draw_demand_by_driver<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    let base = run.result.base_year.0;
    let parts = [
        (
            Metric::DemandNatural,
            lang.pick("自然变化（入学−毕业等）", "natural (entrants − leavers)"),
        ),
        (
            Metric::DemandMigrant,
            lang.pick("随迁子女", "migrant children"),
        ),
        (
            Metric::DemandReturning,
            lang.pick("回流学生", "returning students"),
        ),
    ];
    let mut stacks = Vec::new();
    let mut legend = Vec::new();
    let mut totals = Vec::new();
    for ((metric, label), fill) in parts.iter().zip(FILLS) {
        let values: Vec<(f64, f64)> = series::series(run.result, *metric, CITY)
            .iter()
            .filter(|p| p.year > base)
            .map(|p| (f64::from(p.year), p.mean))
            .collect();
        totals.push(values.iter().map(|v| v.1).sum::<f64>());
        legend.push(LegendEntry {
            key: Key::Bar(fill),
            label: label.to_string(),
        });
        stacks.push(Stack { fill, values });
    }
    let net = net_change(run);
    let net_style = SeriesStyle {
        color: draw::INK,
        dash: None,
        marker: draw::Marker::Circle,
    };
    legend.push(LegendEntry {
        key: Key::Line {
            style: net_style,
            band: false,
        },
        label: lang
            .pick("在校生变化（合计）", "change in pupils (total)")
            .to_string(),
    });
    let lines = vec![Line::new(
        net_style,
        net.iter().map(|(y, v)| (f64::from(*y), *v)).collect(),
    )];
    let moves: f64 = series::series_named(run.result, "town_arrivals", CITY)
        .iter()
        .filter(|p| p.year > base)
        .map(|p| p.mean)
        .sum();
    let total: f64 = net.iter().map(|n| n.1).sum();
    let last = net.last().map_or(base, |n| n.0);
    let name = labels::scenario_title(run, lang);
    let title = match lang {
        Lang::Zh => format!(
            "{name}：{base}–{last}年在校生{}{}人，其中随迁子女{}人",
            if total >= 0.0 { "增加" } else { "减少" },
            series::thousands(total.abs()),
            series::thousands(totals[1])
        ),
        Lang::En => format!(
            "{name}: pupils {} by {} in {base}–{last}, migrant children {}",
            if total >= 0.0 { "grow" } else { "fall" },
            series::thousands(total.abs()),
            series::thousands(totals[1])
        ),
    };
    let moves_note = if moves > 0.0 {
        match lang {
            Lang::Zh => format!(
                "；区县内农村转入城镇的{}人不改变合计",
                series::thousands(moves)
            ),
            Lang::En => format!(
                "; {} rural-to-town moves within areas leave the total unchanged",
                series::thousands(moves)
            ),
        }
    } else {
        String::new()
    };
    let frame = Frame {
        title,
        subtitle: match lang {
            Lang::Zh => format!(
                "全市每年在校生的变化及其来源；模拟平均值（各部分之和等于合计）{moves_note}"
            ),
            Lang::En => format!(
                "City-wide change in pupils each year and its sources; means of the draws (the parts add up to the total){moves_note}"
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
            stacks,
            refs: Vec::new(),
            divider: None,
            y_desc: labels::demand_axis(lang).to_string(),
            y_axis: YAxis::Count,
        },
        lang,
        s,
    )
}
