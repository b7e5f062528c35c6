//! The projects that matter most (`--priority`): the 20 whose one-year slip costs the most
//! oversized classes over the target years, with the cost per ¥10 million beside each.
//! Only draws the engine's ranking.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Bar, BarGroup, Frame, Key, LegendEntry};
use super::series;
use super::{ChartOptions, Lang, RunView, labels};
use crate::engine::priority::PriorityRow;

/// Projects shown.
const TOP: usize = 20;

pub fn draw_priority<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    rows: &[PriorityRow],
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    // Rows come ranked: sum each project's slip over the target years, keep the first TOP.
    let mut projects: Vec<(String, f64, usize)> = Vec::new();
    for r in rows {
        match projects.last_mut() {
            Some(last) if last.0 == r.project_id => last.1 += r.slip_oversized,
            _ => projects.push((r.project_id.clone(), r.slip_oversized, r.rank)),
        }
    }
    projects.truncate(TOP);
    let name_of = |id: &str| -> String {
        let project = run.data.projects.iter().find(|p| p.id == id);
        match project {
            Some(p) => {
                let area = run.data.areas.iter().find(|a| a.id == p.area_id);
                let area = area.map_or(p.area_id.as_str(), |a| labels::area_name(a, lang));
                let kind = match (p.kind, lang) {
                    (crate::model::ProjectKind::NewSchool, Lang::Zh) => "新建",
                    (crate::model::ProjectKind::NewSchool, Lang::En) => "new school",
                    (crate::model::ProjectKind::Expansion, Lang::Zh) => "扩建",
                    (crate::model::ProjectKind::Expansion, Lang::En) => "expansion",
                };
                match lang {
                    Lang::Zh => format!("{id} {area}{kind}（{}间）", p.classrooms),
                    Lang::En => format!("{id} {area}, {kind} ({} rooms)", p.classrooms),
                }
            }
            None => id.to_string(),
        }
    };
    let per_10m = |id: &str, slip: f64| -> Option<f64> {
        let p = run.data.projects.iter().find(|p| p.id == id)?;
        let cost = p.cost_yuan(run.data.stage(&p.stage))?;
        Some(slip / cost * 1e7)
    };
    let groups: Vec<BarGroup> = projects
        .iter()
        .map(|(id, slip, _)| BarGroup {
            label: name_of(id),
            bars: vec![Some(Bar {
                value: *slip,
                whisker: None,
                label: match per_10m(id, *slip) {
                    Some(x) => match lang {
                        Lang::Zh => format!("{}（每千万元{x:.1}）", series::thousands(*slip)),
                        Lang::En => format!("{} ({x:.1} per ¥10 m)", series::thousands(*slip)),
                    },
                    None => series::thousands(*slip),
                },
            })],
        })
        .collect();
    let years: Vec<String> = {
        let mut y: Vec<u16> = rows.iter().map(|r| r.year.0).collect();
        y.sort_unstable();
        y.dedup();
        y.iter().map(|y| y.to_string()).collect()
    };
    let name = labels::scenario_title(run, lang);
    let title = match (lang, projects.first()) {
        (Lang::Zh, Some((id, slip, _))) => format!(
            "{name}：{id}推迟一年，目标年份共多{}个大班额",
            series::thousands(*slip)
        ),
        (Lang::En, Some((id, slip, _))) => format!(
            "{name}: a one-year slip of {id} costs {} more oversized classes over the target years",
            series::thousands(*slip)
        ),
        (Lang::Zh, None) => format!("{name}：最关键的项目"),
        (Lang::En, None) => format!("{name}: the projects that matter most"),
    };
    let subtitle = match lang {
        Lang::Zh => format!(
            "每个项目比各次模拟晚一学年开放时，{}年大班额增加数之和（模拟均值，共同随机数）；前{TOP}个",
            years.join("、")
        ),
        Lang::En => format!(
            "Extra oversized classes in {} if the project opens one school year later than in each draw (mean over the draws, common random numbers); top {TOP}",
            years.join(", ")
        ),
    };
    let frame = Frame {
        title,
        subtitle,
        legend: vec![LegendEntry {
            key: Key::Bar(draw::BAR_FILLS[draw::bar_fill_index(0, 1)]),
            label: lang
                .pick(
                    "推迟一学年增加的大班额",
                    "oversized classes added by a one-year slip",
                )
                .to_string(),
        }],
        table: None,
        source: labels::source(std::slice::from_ref(run), opts),
    };
    let plot = draw::draw_frame(root, &frame)?;
    draw::hbar_plot(
        &plot,
        &groups,
        lang.pick(
            "大班额增加数（目标年份合计）",
            "oversized classes added (target years summed)",
        ),
        lang,
        s,
    )
}
