//! Accountability by area (县市区), for the half-yearly inspection: projects planned to be open
//! by the last target year against the number expected (Σ each project's P(open) over the
//! draws), with the area's P(target met) beside it. Only draws what the run produced.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Bar, BarGroup, Frame, Key, LegendEntry};
use super::series;
use super::{ChartOptions, Lang, RunView, labels};
use crate::model::{ProjectStatus, SchoolYear};

pub fn draw_areas<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    let base = run.result.base_year.0;
    let horizon = run.result.horizon.0;
    let years = series::target_years(run.scenario.targets.iter().map(|t| t.year.0), base, horizon);
    let year = SchoolYear(years.last().copied().unwrap_or(horizon));
    let target = run.scenario.targets.iter().rfind(|t| t.year == year);
    let simulated = |id: &str| run.result.projects.iter().any(|r| r.project_id == id);
    let mut rows: Vec<(f64, BarGroup)> = run
        .data
        .areas
        .iter()
        .map(|area| {
            let mine = run
                .data
                .projects
                .iter()
                .filter(|p| p.area_id == area.id && simulated(&p.id));
            let planned = mine
                .clone()
                .filter(|p| {
                    p.status == ProjectStatus::Completed
                        || p.planned_completion.first_school_year() <= year
                })
                .count() as f64;
            let expected: f64 = mine
                .map(|p| {
                    run.result
                        .projects
                        .iter()
                        .find(|r| r.project_id == p.id && r.year == year)
                        .map_or(0.0, |r| r.p_open)
                })
                .sum();
            let p_met = target.and_then(|t| {
                run.result
                    .area_targets
                    .iter()
                    .find(|(id, _)| *id == area.id)
                    .and_then(|(_, rows)| rows.iter().find(|r| r.target == t.id))
                    .map(|r| r.probability)
            });
            let label = match p_met {
                Some(p) => match lang {
                    Lang::Zh => format!("{:.1}（达标概率{}）", expected, series::percent(p)),
                    Lang::En => format!("{:.1} (P(target) {})", expected, series::percent(p)),
                },
                None => format!("{expected:.1}"),
            };
            (
                planned - expected,
                BarGroup {
                    label: labels::area_name(area, lang).to_string(),
                    bars: vec![
                        Some(Bar {
                            value: planned,
                            whisker: None,
                            label: format!("{planned:.0}"),
                        }),
                        Some(Bar {
                            value: expected,
                            whisker: None,
                            label,
                        }),
                    ],
                },
            )
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let behind: f64 = rows.iter().map(|r| r.0).sum();
    let groups: Vec<BarGroup> = rows.into_iter().map(|r| r.1).collect();
    let name = labels::scenario_title(run, lang);
    let y = year.0;
    let title = match lang {
        Lang::Zh => format!("{name}：到{y}年预计比计划少开放{behind:.0}个项目，各区县差距如下"),
        Lang::En => {
            format!("{name}: {behind:.0} fewer projects open by {y} than planned, area by area")
        }
    };
    let subtitle = match lang {
        Lang::Zh => {
            format!("{y}年9月1日前计划开放与预计开放（各项目开放概率之和）的项目数，按差距排序")
        }
        Lang::En => format!(
            "Projects planned to be open by 1 September {y} and expected open (sum of each project's probability), largest gap first"
        ),
    };
    let legend = vec![
        LegendEntry {
            key: Key::Bar(draw::BAR_FILLS[draw::bar_fill_index(0, 2)]),
            label: lang.pick("计划开放", "planned open").to_string(),
        },
        LegendEntry {
            key: Key::Bar(draw::BAR_FILLS[draw::bar_fill_index(1, 2)]),
            label: lang.pick("预计开放", "expected open").to_string(),
        },
    ];
    let frame = Frame {
        title,
        subtitle,
        legend,
        table: None,
        source: labels::source(std::slice::from_ref(run), opts),
    };
    let plot = draw::draw_frame(root, &frame)?;
    draw::hbar_plot(&plot, &groups, lang.pick("项目数", "projects"), lang, s)
}
