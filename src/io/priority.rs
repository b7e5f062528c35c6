//! `project_priority.csv` (and `.parquet`): which projects matter most, one row per project and
//! target, with the project's names beside its codes and its effects per classroom and per yuan.
//! Writing only; the ranking is the engine's (`engine::priority`).

use std::path::Path;

use super::tables::{Table, Values};
use crate::engine::priority::PriorityRow;
use crate::model::{DataSet, Project};

/// Rounds to `digits` decimals (means over draws carry no more).
fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (x * k).round() / k
}

/// Writes `dir/project_priority.{csv,parquet}` for `rows` of `projects` (the scenario's
/// projects, in the engine's order) of data set `ds`.
pub fn write_priority(
    dir: &Path,
    rows: &[PriorityRow],
    projects: &[Project],
    ds: &DataSet,
) -> anyhow::Result<()> {
    let project = |r: &PriorityRow| &projects[r.project];
    let area_name = |id: &str| {
        ds.areas
            .iter()
            .find(|a| a.id == id)
            .map_or_else(String::new, |a| a.name.clone())
    };
    let cost = |p: &Project| p.cost_yuan(ds.stage(&p.stage));
    let text = |f: &dyn Fn(&PriorityRow) -> String| Values::Text(rows.iter().map(f).collect());
    let num = |f: &dyn Fn(&PriorityRow) -> f64| Values::Number(rows.iter().map(f).collect());
    let table = Table {
        height: rows.len(),
        columns: vec![
            (
                "rank",
                Values::Count(rows.iter().map(|r| r.rank as u32).collect()),
            ),
            ("project_id", text(&|r| r.project_id.clone())),
            ("name", text(&|r| project(r).name.clone())),
            ("area_id", text(&|r| project(r).area_id.clone())),
            ("area", text(&|r| area_name(&project(r).area_id))),
            ("stage", text(&|r| project(r).stage.clone())),
            ("kind", text(&|r| project(r).kind.as_str().to_owned())),
            ("status", text(&|r| project(r).status.as_str().to_owned())),
            (
                "classrooms",
                Values::Count(rows.iter().map(|r| project(r).classrooms).collect()),
            ),
            (
                "cost_wan_yuan",
                num(&|r| cost(project(r)).map_or(f64::NAN, |c| round(c / 10_000.0, 0))),
            ),
            ("target", text(&|r| r.target.clone())),
            (
                "year",
                Values::Int(rows.iter().map(|r| i32::from(r.year.0)).collect()),
            ),
            ("slip_oversized", num(&|r| round(r.slip_oversized, 2))),
            (
                "slip_super_oversized",
                num(&|r| round(r.slip_super_oversized, 2)),
            ),
            ("slip_p_target", num(&|r| round(r.slip_p_target, 4))),
            ("forward_oversized", num(&|r| round(r.forward_oversized, 2))),
            (
                "forward_super_oversized",
                num(&|r| round(r.forward_super_oversized, 2)),
            ),
            ("forward_p_target", num(&|r| round(r.forward_p_target, 4))),
            (
                "slip_oversized_per_classroom",
                num(&|r| {
                    round(
                        r.slip_oversized / f64::from(project(r).classrooms.max(1)),
                        3,
                    )
                }),
            ),
            (
                "slip_oversized_per_10m_yuan",
                num(&|r| {
                    cost(project(r)).map_or(f64::NAN, |c| round(r.slip_oversized / c * 1e7, 3))
                }),
            ),
        ],
    };
    table.write(dir, "project_priority")
}
