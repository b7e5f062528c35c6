//! Shortfall of places by area: the base year (observed), the last target year and the
//! horizon, medians of the draws with P10–P90 whiskers, largest areas first; beside each bar
//! the shortfall as a share of the area's places where there is room. Only draws.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Bar, BarGroup, Frame, Key, LegendEntry};
use super::series::{self, CITY};
use super::{ChartOptions, Lang, RunView, labels};
use crate::engine::results::Metric;

/// Most areas the chart shows.
const MAX_AREAS: usize = 20;

/// The years shown: the base year, the last target year and the horizon (distinct).
pub(super) fn shortfall_years(run: &RunView) -> Vec<u16> {
    let base = run.result.base_year.0;
    let horizon = run.result.horizon.0;
    let targets =
        series::target_years(run.scenario.targets.iter().map(|t| t.year.0), base, horizon);
    let mut years = vec![base];
    years.extend(targets.last().copied());
    years.push(horizon);
    years.dedup();
    years
}

/// Shortfall as a share of places (medians), in per cent.
pub(super) fn shortfall_pct(run: &RunView, year: u16, area: &str) -> Option<f64> {
    let short = series::point(run.result, Metric::Shortfall, year, area)?;
    let places = series::point(run.result, Metric::Places, year, area)?;
    (places.p50 > 0.0).then(|| 100.0 * short.p50 / places.p50)
}

pub fn draw_shortfall_by_area<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    let base = run.result.base_year.0;
    let years = shortfall_years(run);
    let mut rows: Vec<(f64, BarGroup)> = run
        .data
        .areas
        .iter()
        .map(|area| {
            let key =
                series::point(run.result, Metric::Shortfall, base, &area.id).map_or(0.0, |p| p.p50);
            let bars = years
                .iter()
                .map(|y| {
                    series::point(run.result, Metric::Shortfall, *y, &area.id).map(|p| Bar {
                        value: p.p50,
                        whisker: (*y != base).then_some((p.p10, p.p90)),
                        label: match shortfall_pct(run, *y, &area.id) {
                            Some(pct) => {
                                format!("{} ({})", series::thousands(p.p50), series::share(pct))
                            }
                            None => series::thousands(p.p50),
                        },
                    })
                })
                .collect();
            (
                key,
                BarGroup {
                    label: labels::area_name(area, lang).to_string(),
                    bars,
                },
            )
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let areas = rows.len();
    rows.truncate(MAX_AREAS);
    let groups: Vec<BarGroup> = rows.into_iter().map(|r| r.1).collect();
    let shown = if areas > MAX_AREAS {
        match lang {
            Lang::Zh => format!("；仅显示缺口最大的{MAX_AREAS}个（共{areas}个）"),
            Lang::En => format!("; the {MAX_AREAS} largest of {areas} areas shown"),
        }
    } else {
        String::new()
    };
    let city = |y: u16| series::point(run.result, Metric::Shortfall, y, CITY).map(|p| p.p50);
    let name = labels::scenario_title(run, lang);
    let horizon = run.result.horizon.0;
    let title = match (lang, city(base), city(horizon)) {
        (Lang::Zh, Some(a), Some(b)) => format!(
            "{name}：学位缺口从{base}年的{}个变为{horizon}年的{}个",
            series::thousands(a),
            series::thousands(b)
        ),
        (Lang::En, Some(a), Some(b)) => format!(
            "{name}: shortfall from {} places in {base} to {} in {horizon}",
            series::thousands(a),
            series::thousands(b)
        ),
        (Lang::Zh, ..) => format!("{name}：各区县学位缺口"),
        (Lang::En, ..) => format!("{name}: shortfall of places by area"),
    };
    let mut legend: Vec<LegendEntry> = years
        .iter()
        .enumerate()
        .map(|(i, y)| LegendEntry {
            key: Key::Bar(draw::BAR_FILLS[draw::bar_fill_index(i, years.len())]),
            label: if *y == base {
                match lang {
                    Lang::Zh => format!("{y}年（实际）"),
                    Lang::En => format!("{y} (observed)"),
                }
            } else {
                labels::year(*y, lang)
            },
        })
        .collect();
    legend.push(LegendEntry {
        key: Key::Whisker,
        label: labels::whisker(lang).to_string(),
    });
    let frame = Frame {
        title,
        subtitle: match lang {
            Lang::Zh => format!(
                "各区县超出学位的学生数（各校分别计算后相加）；柱为模拟中位数，按{base}年缺口排序{shown}"
            ),
            Lang::En => format!(
                "Pupils above places per area (summed school by school); bars: median of the draws, sorted by the {base} shortfall{shown}"
            ),
        },
        legend,
        table: None,
        source: labels::source(std::slice::from_ref(run), opts),
    };
    let plot = draw::draw_frame(root, &frame)?;
    draw::hbar_plot(&plot, &groups, labels::shortfall_axis(lang), lang, s)
}
