//! The headline chart: the share of classes with 56+ pupils, per scenario, from the base year
//! to each scenario's horizon, against the 5 % target, with the probability of meeting each
//! target in a table beside the legend and the finding in the title.
//!
//! Observed years are drawn solid, projected years dashed, with a divider at the base year.
//! Medians of the draws with P10–P90 bands. Only draws; reads the results it is given.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Frame, Key, LegendTable, Line, RefLine, TimePlot, YAxis};
use super::series::{self, CITY};
use super::{ChartOptions, Lang, RunView, labels};

/// The target share lines: every distinct `max_oversized_share` of the runs' targets, in %.
fn target_shares(runs: &[RunView]) -> Vec<f64> {
    let mut shares: Vec<f64> = runs
        .iter()
        .flat_map(|r| r.scenario.targets.iter())
        .filter_map(|t| t.max_oversized_share)
        .map(|s| s * 100.0)
        .collect();
    shares.sort_by(f64::total_cmp);
    shares.dedup();
    shares
}

/// The years of the share targets, across the runs, in order.
pub(super) fn share_target_years(runs: &[RunView]) -> Vec<u16> {
    let mut years: Vec<u16> = runs
        .iter()
        .flat_map(|r| r.scenario.targets.iter())
        .filter(|t| t.max_oversized_share.is_some())
        .map(|t| t.year.0)
        .collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// P(target met) for the run's share target of `year`, if it has one.
pub(super) fn p_share_target(run: &RunView, year: u16) -> Option<f64> {
    let t = run
        .scenario
        .targets
        .iter()
        .find(|t| t.year.0 == year && t.max_oversized_share.is_some())?;
    run.result
        .targets
        .iter()
        .find(|r| r.target == t.id && r.year.0 == year)
        .map(|r| r.probability)
}

/// The title: which scenarios are likely (P ≥ 50 %) to meet the share target of its last year
/// (a target may also bound super-oversized classes: it is named, not paraphrased).
pub(super) fn finding(runs: &[RunView], lang: Lang) -> Option<String> {
    let year = *share_target_years(runs).last()?;
    let target = runs
        .iter()
        .flat_map(|r| r.scenario.targets.iter())
        .find(|t| t.year.0 == year && t.max_oversized_share.is_some())?;
    let name = lang.pick(&target.title_zh, &target.title_en);
    let likely: Vec<&str> = runs
        .iter()
        .filter(|r| p_share_target(r, year).is_some_and(|p| p >= 0.5))
        .map(|r| labels::scenario_title(r, lang))
        .collect();
    let judged = runs
        .iter()
        .filter(|r| p_share_target(r, year).is_some())
        .count();
    Some(match (lang, likely.len()) {
        (Lang::Zh, 0) => format!("没有一个情景大概率实现“{name}”"),
        (Lang::Zh, n) if n == judged => format!("各情景都大概率实现“{name}”"),
        (Lang::Zh, _) => format!("只有{}大概率实现“{name}”", likely.join("、")),
        (Lang::En, 0) => format!("No scenario is likely to meet the target \"{name}\""),
        (Lang::En, n) if n == judged => {
            format!("Every scenario is likely to meet the target \"{name}\"")
        }
        (Lang::En, _) => format!(
            "Only {} likely to meet the target \"{name}\"",
            match likely.as_slice() {
                [one] => format!("{one} is"),
                many => format!("{} are", many.join(", ")),
            }
        ),
    })
}

/// Draws the share of oversized classes for `runs` (the comparison, or a scenario beside its
/// base scenario), with `title` when given, else the finding.
pub fn draw_oversized_share<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    runs: &[RunView],
    opts: &ChartOptions,
    title: Option<String>,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    let threshold = runs.first().map_or(56, |r| r.scenario.classes.oversized);
    let base = runs.iter().map(|r| r.result.base_year.0).min().unwrap_or(0);
    let years = share_target_years(runs);
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let pts = series::oversized_share(run.result, CITY);
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
        let last = pts.last().map(|p| series::share(p.p50)).unwrap_or_default();
        let mut cells: Vec<String> = years
            .iter()
            .map(|y| p_share_target(run, *y).map_or("–".into(), series::percent))
            .collect();
        cells.push(last);
        rows.push((
            Key::Line { style, band: true },
            labels::scenario_title(run, lang).to_string(),
            cells,
        ));
    }
    let mut columns: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    columns.push(lang.pick("期末占比", "share at end").to_string());
    let refs = target_shares(runs)
        .into_iter()
        .map(|share| RefLine {
            y: share,
            label: match lang {
                Lang::Zh => format!("目标：不超过{}", series::share(share)),
                Lang::En => format!("target: at most {}", series::share(share)),
            },
        })
        .collect();
    let title = title
        .or_else(|| finding(runs, lang))
        .unwrap_or_else(|| match lang {
            Lang::Zh => format!("{threshold}人以上大班额占班级总数的比例"),
            Lang::En => format!("Share of classes with {threshold}+ pupils"),
        });
    let draws = runs.first().map_or(0, |r| r.result.draws);
    let frame = Frame {
        title,
        subtitle: match lang {
            Lang::Zh => format!(
                "全市；线为{}次模拟的中位数，阴影为P10–P90；{base}年为实际",
                series::thousands(f64::from(draws))
            ),
            Lang::En => format!(
                "City-wide; lines: median of {} draws, shading: P10–P90; {base} observed",
                series::thousands(f64::from(draws))
            ),
        },
        legend: Vec::new(),
        table: Some(LegendTable {
            caption: lang.pick("达标概率：", "P(target met) in").to_string(),
            columns,
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
            refs,
            divider: Some(f64::from(base)),
            y_desc: labels::share_axis(threshold, lang),
            y_axis: YAxis::Percent,
        },
        lang,
        s,
    )
}
