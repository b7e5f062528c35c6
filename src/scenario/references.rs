//! A scenario's references checked against its data set: driver areas, cancelled batches and
//! projects, extra projects' areas, stages and schools, class sizes' stages, multiplied
//! drivers' values, and years against the enrolment history, each at its `path:line:column`.
//!
//! Reads no file: the data set comes loaded, the scenario as text.

use std::path::Path;

use toml::Spanned;

use super::diagnostics::Problems;
use super::mirror::{DriverToml, ScenarioToml};
use crate::input::InputErrors;
use crate::input::suggest::nearest;
use crate::model::limits::check_driver_value;
use crate::model::{AreaSel, DataSet, Driver, ProjectKind};

/// The references of the scenario text: all of them (`all`), or only those a run cannot do
/// without (see [`super::file::check_override`]).
pub(super) fn check_refs(
    path: &Path,
    text: &str,
    raw: &ScenarioToml,
    data: &DataSet,
    all: bool,
) -> Result<(), InputErrors> {
    let mut p = Problems {
        path,
        text,
        errs: Vec::new(),
    };
    let known =
        |p: &mut Problems<'_>, key: &str, v: &Spanned<String>, valid: &[&str], what: &str| {
            if !valid.contains(&v.get_ref().as_str()) {
                let hint = nearest(v.get_ref(), valid.iter().copied())
                    .map(|n| format!("did you mean \"{n}\"?"));
                p.value_hint(
                    key,
                    v.span(),
                    format!("{what} of the data set {}", data.dir.display()),
                    hint,
                );
            }
        };
    let areas: Vec<&str> = data.areas.iter().map(|a| a.id.as_str()).collect();
    let stages: Vec<&str> = data.stages.iter().map(|s| s.name.as_str()).collect();
    let schools: Vec<&str> = data.schools.iter().map(|s| s.id.as_str()).collect();
    let projects: Vec<&str> = data.projects.iter().map(|x| x.id.as_str()).collect();
    let mut batches: Vec<&str> = data.projects.iter().map(|x| x.batch.as_str()).collect();
    batches.sort_unstable();
    batches.dedup();

    for d in &raw.drivers {
        if let Some(a) = &d.area
            && a.get_ref() != "*"
            && all
        {
            known(&mut p, "drivers.area", a, &areas, "`*` or an area_id");
        }
        if let (Some(m), Some(driver)) = (&d.multiply, Driver::parse(d.driver.get_ref())) {
            multiplied(&mut p, data, d, driver, m);
        }
    }
    for b in raw.pipeline.cancel_batches.iter().filter(|_| all) {
        known(&mut p, "pipeline.cancel_batches", b, &batches, "a batch");
    }
    for x in &raw.pipeline.cancel_projects {
        known(
            &mut p,
            "pipeline.cancel_projects",
            x,
            &projects,
            "a project_id",
        );
    }
    let new_schools: Vec<&str> = data
        .projects
        .iter()
        .filter(|x| x.kind == ProjectKind::NewSchool)
        .map(|x| x.school_id.as_str())
        .collect();
    for e in &raw.pipeline.extra {
        if projects.contains(&e.id.get_ref().as_str()) {
            p.value(
                "pipeline.extra.id",
                e.id.span(),
                "an id not in the data set's projects.csv",
            );
        }
        known(
            &mut p,
            "pipeline.extra.area_id",
            &e.area_id,
            &areas,
            "an area_id",
        );
        known(&mut p, "pipeline.extra.stage", &e.stage, &stages, "a stage");
        let sid = e.school_id.get_ref().as_str();
        match ProjectKind::parse(e.kind.get_ref()) {
            Some(ProjectKind::Expansion) => {
                let mut valid = schools.clone();
                valid.extend(&new_schools);
                known(
                    &mut p,
                    "pipeline.extra.school_id",
                    &e.school_id,
                    &valid,
                    "an existing or planned school_id",
                );
            }
            Some(ProjectKind::NewSchool)
                if schools.contains(&sid) || new_schools.contains(&sid) =>
            {
                p.value(
                    "pipeline.extra.school_id",
                    e.school_id.span(),
                    "an id of no school and no planned new school (a new school)",
                );
            }
            Some(ProjectKind::NewSchool) | None => {}
        }
    }
    for (stage, size) in raw.classes.standard_size.iter().filter(|_| all) {
        if !stages.contains(&stage.as_str()) {
            let hint =
                nearest(stage, stages.iter().copied()).map(|n| format!("did you mean `{n}`?"));
            p.value_hint(
                &format!("classes.standard_size.{stage}"),
                size.span(),
                format!("a stage of the data set: {}", stages.join(", ")),
                hint,
            );
        }
    }
    let first = data.enrolment.iter().map(|e| e.year).min();
    let last = data.base_year();
    if let (Some(b), Some(first), Some(last)) = (&raw.base_year, first, last)
        && *b.get_ref() != i64::from(last.0)
    {
        // A run starts from the latest counts: the base year can only be that year.
        p.value(
            "base_year",
            b.span(),
            format!(
                "the data set's base year {last}, its latest enrolment year (history {first}–{last})"
            ),
        );
    }
    let base = raw
        .base_year
        .as_ref()
        .map(|b| *b.get_ref())
        .or(last.map(|l| i64::from(l.0)));
    if let Some(base) = base {
        if *raw.horizon.get_ref() < base {
            p.value(
                "horizon",
                raw.horizon.span(),
                format!("a year ≥ the base year ({base})"),
            );
        }
        for t in &raw.targets {
            if *t.year.get_ref() < base {
                p.value(
                    "targets.year",
                    t.year.span(),
                    format!("a year ≥ the base year ({base})"),
                );
            }
        }
    }
    if p.errs.is_empty() {
        Ok(())
    } else {
        p.errs.sort_by_key(|e| (e.line, e.column));
        Err(InputErrors(p.errs))
    }
}

/// Checks that `multiply` keeps every value of the data set's rows for the driver (and the
/// override's areas) within the driver's range, as `growth.csv` requires.
pub(super) fn multiplied(
    p: &mut Problems<'_>,
    data: &DataSet,
    d: &DriverToml,
    driver: Driver,
    m: &Spanned<f64>,
) {
    let area = d.area.as_ref().map(|a| a.get_ref().as_str());
    for g in data.growth.iter().filter(|g| g.driver == driver) {
        let applies = match (area, &g.area) {
            (None | Some("*"), _) | (_, AreaSel::All) => true,
            (Some(a), AreaSel::Area(b)) => a == b,
        };
        let v = g.value;
        let bad = [("low", v.low), ("central", v.central), ("high", v.high)]
            .into_iter()
            .find_map(|(col, x)| {
                check_driver_value(driver, x * m.get_ref())
                    .err()
                    .map(|what| (col, x, what))
            });
        if applies && let Some((col, x, what)) = bad {
            let area = match &g.area {
                AreaSel::All => "*".to_owned(),
                AreaSel::Area(a) => a.clone(),
            };
            p.value(
                "drivers.multiply",
                m.span(),
                format!(
                    "a factor that keeps {} {what} (growth.csv, area {area}: {col} {x} × {} = {})",
                    driver.as_str(),
                    m.get_ref(),
                    x * m.get_ref()
                ),
            );
            return;
        }
    }
}
