//! Pipeline delivery in classrooms and places: the classrooms of the projects not complete at
//! the base date, open by 1 September of each school year on the plan's dates against the
//! expected number (the mean over the draws: each project's probability of being open × its
//! classrooms, from `projects.csv`), and the places they make. Only draws.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Frame, Key, LegendEntry, Line, TimePlot, YAxis};
use super::series;
use super::{ChartOptions, Lang, RunView, labels};
use crate::model::{ProjectStatus, YearMonth};

/// A project the run simulated: classrooms, standard class size, planned completion.
struct Item<'a> {
    id: &'a str,
    classrooms: f64,
    size: f64,
    planned: YearMonth,
}

/// The school year a completion date serves: open by 1 September.
fn serves(done: YearMonth) -> u16 {
    if done.month <= 8 {
        done.year
    } else {
        done.year + 1
    }
}

/// Expected and planned classrooms and places open by each year after the base year.
pub(super) struct Delivery {
    pub years: Vec<u16>,
    pub planned_rooms: Vec<f64>,
    pub expected_rooms: Vec<f64>,
    pub planned_places: Vec<f64>,
    pub expected_places: Vec<f64>,
}

pub(super) fn delivery(run: &RunView) -> Delivery {
    let size = |stage: &str| {
        run.scenario
            .classes
            .standard_size
            .get(stage)
            .copied()
            .or_else(|| run.data.stage(stage).map(|s| s.class_size))
            .map_or(0.0, f64::from)
    };
    let simulated = |id: &str| run.result.projects.iter().any(|r| r.project_id == id);
    let mut items: Vec<Item> = run
        .data
        .projects
        .iter()
        .filter(|p| p.status != ProjectStatus::Completed && simulated(&p.id))
        .map(|p| Item {
            id: &p.id,
            classrooms: f64::from(p.classrooms),
            size: size(&p.stage),
            planned: p.planned_completion,
        })
        .collect();
    items.extend(
        run.scenario
            .extra_projects
            .iter()
            .filter(|p| simulated(&p.id))
            .map(|p| Item {
                id: &p.id,
                classrooms: f64::from(p.classrooms),
                size: size(&p.stage),
                planned: p.planned_completion,
            }),
    );
    let base = run.result.base_year.0;
    let years: Vec<u16> = (base + 1..=run.result.horizon.0).collect();
    let mut d = Delivery {
        years: years.clone(),
        planned_rooms: vec![0.0; years.len()],
        expected_rooms: vec![0.0; years.len()],
        planned_places: vec![0.0; years.len()],
        expected_places: vec![0.0; years.len()],
    };
    for item in &items {
        let planned_year = serves(item.planned).max(base + 1);
        for (i, y) in years.iter().enumerate() {
            if planned_year <= *y {
                d.planned_rooms[i] += item.classrooms;
                d.planned_places[i] += item.classrooms * item.size;
            }
            let p = run
                .result
                .projects
                .iter()
                .find(|r| r.project_id == item.id && r.year.0 == *y)
                .map_or(0.0, |r| r.p_open);
            d.expected_rooms[i] += p * item.classrooms;
            d.expected_places[i] += p * item.classrooms * item.size;
        }
    }
    d
}

pub fn draw_pipeline_delivery<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    let d = delivery(run);
    let x = |v: &[f64]| -> Vec<(f64, f64)> {
        d.years
            .iter()
            .zip(v)
            .map(|(y, v)| (f64::from(*y), *v))
            .collect()
    };
    let planned_style = draw::series_style(1);
    let expected_style = draw::series_style(0);
    let lines = vec![
        Line::new(planned_style, x(&d.planned_rooms)),
        Line::new(expected_style, x(&d.expected_rooms)),
    ];
    let pace = labels::pace(run.scenario.pace, lang);
    let total_rooms = d.planned_rooms.last().copied().unwrap_or(0.0);
    let legend = vec![
        LegendEntry {
            key: Key::Line {
                style: planned_style,
                band: false,
            },
            label: lang
                .pick("按计划完工日期", "on the planned dates")
                .to_string(),
        },
        LegendEntry {
            key: Key::Line {
                style: expected_style,
                band: false,
            },
            label: match (lang, total_rooms > 0.0) {
                (Lang::Zh, true) => format!("预计（模拟平均，{pace}）"),
                (Lang::En, true) => format!("expected (mean of draws, {pace})"),
                (Lang::Zh, false) => "预计（模拟平均）".to_string(),
                (Lang::En, false) => "expected (mean of draws)".to_string(),
            },
        },
    ];
    let name = labels::scenario_title(run, lang);
    let first_target = series::target_years(
        run.scenario.targets.iter().map(|t| t.year.0),
        run.result.base_year.0,
        run.result.horizon.0,
    )[0];
    let at = d.years.iter().position(|y| *y == first_target);
    let pick = |v: &[f64]| at.and_then(|i| v.get(i)).copied().unwrap_or(0.0);
    let title = if total_rooms == 0.0 {
        match lang {
            Lang::Zh => format!("{name}：不新增教室和学位"),
            Lang::En => format!("{name}: no classroom or place is added"),
        }
    } else {
        match lang {
            Lang::Zh => format!(
                "{name}：至{first_target}年预计投用{}间教室（{}个学位），计划为{}间",
                series::thousands(pick(&d.expected_rooms)),
                series::thousands(pick(&d.expected_places)),
                series::thousands(pick(&d.planned_rooms))
            ),
            Lang::En => format!(
                "{name}: {} classrooms ({} places) expected open by {first_target}, {} planned",
                series::thousands(pick(&d.expected_rooms)),
                series::thousands(pick(&d.expected_places)),
                series::thousands(pick(&d.planned_rooms))
            ),
        }
    };
    let subtitle = if total_rooms == 0.0 {
        lang.pick(
            "本情景取消全部在建和待建项目：各校保持基年的教室数",
            "This scenario cancels every project not complete at the base date: schools keep their base-year classrooms",
        )
        .to_string()
    } else {
        match lang {
            Lang::Zh => format!(
                "基年尚未完工项目的教室，截至各学年9月1日累计；全部完工共{}间教室、{}个学位",
                series::thousands(total_rooms),
                series::thousands(d.planned_places.last().copied().unwrap_or(0.0))
            ),
            Lang::En => format!(
                "Classrooms of the projects not complete at the base date, open by 1 September, cumulative; all of them: {} classrooms, {} places",
                series::thousands(total_rooms),
                series::thousands(d.planned_places.last().copied().unwrap_or(0.0))
            ),
        }
    };
    let frame = Frame {
        title,
        subtitle,
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
            divider: None,
            y_desc: lang
                .pick("已投用教室（间，累计）", "Classrooms open (cumulative)")
                .to_string(),
            y_axis: YAxis::Count,
        },
        lang,
        s,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_done_by_august_serves_that_school_year() {
        assert_eq!(
            serves(YearMonth {
                year: 2019,
                month: 8
            }),
            2019
        );
        assert_eq!(
            serves(YearMonth {
                year: 2019,
                month: 9
            }),
            2020
        );
    }
}
