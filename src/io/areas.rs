//! The accountability tables of each area (县市区), the figures an inspection meeting asks for:
//! `area_pipeline.csv` (the plan's projects by batch and their status at the base date) and
//! `area_targets.csv` (projects planned and expected open by each target year, the area's
//! oversized classes and its P(target met)). Writing only.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::tables::{Table, Values};
use crate::engine::results::{Metric, ScenarioResult};
use crate::model::{DataSet, Project, ProjectStatus, SchoolYear};

/// One row of `area_targets.csv`.
struct AreaTarget {
    area_id: String,
    target: String,
    year: SchoolYear,
    /// Projects planned to be open by the year, and expected (Σ P(open)).
    planned: u32,
    expected: f64,
    /// Oversized classes P10, P50, P90.
    oversized: [f64; 3],
    classes: f64,
    p_met: f64,
}

/// Writes both tables into `dir` for a scenario's `projects` (in the engine's order) and result.
pub fn write_area_tables(
    dir: &Path,
    ds: &DataSet,
    projects: &[Project],
    result: &ScenarioResult,
) -> anyhow::Result<()> {
    let name = |id: &str| {
        ds.areas
            .iter()
            .find(|a| a.id == id)
            .map_or_else(String::new, |a| a.name.clone())
    };
    // Statuses at the base date, per area (in the data set's order) and batch.
    let mut by_batch: BTreeMap<(usize, String), [u32; 4]> = BTreeMap::new();
    for p in projects {
        let a = ds.areas.iter().position(|x| x.id == p.area_id).unwrap_or(0);
        let row = by_batch.entry((a, p.batch.clone())).or_default();
        row[0] += p.classrooms;
        row[1 + p.status as usize] += 1;
    }
    let keys: Vec<&(usize, String)> = by_batch.keys().collect();
    let area_ids: Vec<String> = keys.iter().map(|k| ds.areas[k.0].id.clone()).collect();
    let count = |i: usize| Values::Count(by_batch.values().map(|r| r[i]).collect());
    Table {
        height: keys.len(),
        columns: vec![
            ("area_id", Values::Text(area_ids.clone())),
            (
                "area",
                Values::Text(area_ids.iter().map(|id| name(id)).collect()),
            ),
            (
                "batch",
                Values::Text(keys.iter().map(|k| k.1.clone()).collect()),
            ),
            (
                "projects",
                Values::Count(by_batch.values().map(|r| r[1] + r[2] + r[3]).collect()),
            ),
            ("classrooms", count(0)),
            ("completed", count(1)),
            ("under_construction", count(2)),
            ("not_started", count(3)),
        ],
    }
    .write(dir, "area_pipeline")?;

    // Per area and target: projects planned and expected open by its year, classes, P(met).
    let p_open: BTreeMap<(&str, SchoolYear), f64> = result
        .projects
        .iter()
        .map(|r| ((r.project_id.as_str(), r.year), r.p_open))
        .collect();
    let planned_by = |p: &Project, year: SchoolYear| match p.status {
        ProjectStatus::Completed => true,
        _ => p.planned_completion.first_school_year() <= year,
    };
    // Each area's projects, grouped once (a nation has thousands of areas).
    let mut by_area: HashMap<&str, Vec<&Project>> = HashMap::new();
    for p in projects {
        by_area.entry(p.area_id.as_str()).or_default().push(p);
    }
    let mut rows: Vec<AreaTarget> = Vec::new();
    for (area_id, targets) in &result.area_targets {
        for t in targets {
            let mine = by_area.get(area_id.as_str()).into_iter().flatten().copied();
            let planned = mine.clone().filter(|p| planned_by(p, t.year)).count() as u32;
            let expected: f64 = mine
                .map(|p| p_open.get(&(p.id.as_str(), t.year)).copied().unwrap_or(0.0))
                .sum();
            let row = |metric| result.row(metric, t.year, area_id);
            let over =
                row(Metric::OversizedClasses).map_or([f64::NAN; 3], |r| [r.p10, r.p50, r.p90]);
            let classes = row(Metric::Classes).map_or(f64::NAN, |r| r.p50);
            rows.push(AreaTarget {
                area_id: area_id.clone(),
                target: t.target.clone(),
                year: t.year,
                planned,
                expected: (expected * 100.0).round() / 100.0,
                oversized: over,
                classes,
                p_met: t.probability,
            });
        }
    }
    let text = |f: &dyn Fn(&AreaTarget) -> String| Values::Text(rows.iter().map(f).collect());
    let num = |f: &dyn Fn(&AreaTarget) -> f64| Values::Number(rows.iter().map(f).collect());
    Table {
        height: rows.len(),
        columns: vec![
            ("area_id", text(&|r| r.area_id.clone())),
            ("area", text(&|r| name(&r.area_id))),
            ("target", text(&|r| r.target.clone())),
            (
                "year",
                Values::Int(rows.iter().map(|r| i32::from(r.year.0)).collect()),
            ),
            (
                "projects_planned_open",
                Values::Count(rows.iter().map(|r| r.planned).collect()),
            ),
            ("projects_expected_open", num(&|r| r.expected)),
            ("oversized_classes_p10", num(&|r| r.oversized[0])),
            ("oversized_classes_p50", num(&|r| r.oversized[1])),
            ("oversized_classes_p90", num(&|r| r.oversized[2])),
            ("classes_p50", num(&|r| r.classes)),
            (
                "oversized_share_p50",
                num(&|r| (r.oversized[1] / r.classes * 10_000.0).round() / 10_000.0),
            ),
            ("p_target_met", num(&|r| r.p_met)),
        ],
    }
    .write(dir, "area_targets")
}
