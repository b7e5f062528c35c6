//! Writing a data set's CSV files (SPEC §3), as the generator and `init` produce them.
//!
//! Plain UTF-8 without BOM, one file per table, each written atomically. Never overwrites a
//! folder's other files.

use std::path::Path;

use crate::io::atomic::write_file;
use crate::model::DataSet;

fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(&r)?;
    }
    Ok(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Writes every table of `ds` into `dir` (stages.csv included).
pub fn write_dataset(ds: &DataSet, dir: &Path) -> anyhow::Result<()> {
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "stages.csv",
            table(
                &["stage", "first_grade", "last_grade", "class_size"],
                ds.stages.iter().map(|s| {
                    vec![s.name.clone(), s.first_grade.to_string(), s.last_grade.to_string(), s.class_size.to_string()]
                }),
            )?,
        ),
        (
            "areas.csv",
            table(
                &["area_id", "name", "kind", "urban"],
                ds.areas.iter().map(|a| vec![a.id.clone(), a.name.clone(), a.kind.as_str().into(), a.urban.to_string()]),
            )?,
        ),
        (
            "schools.csv",
            table(
                &["school_id", "area_id", "name", "stage", "urban", "classrooms"],
                ds.schools.iter().map(|s| {
                    vec![s.id.clone(), s.area_id.clone(), s.name.clone(), s.stage.clone(), s.urban.to_string(), s.classrooms.to_string()]
                }),
            )?,
        ),
        (
            "enrolment.csv",
            table(
                &["school_id", "year", "grade", "pupils"],
                ds.enrolment.iter().map(|e| vec![e.school_id.clone(), e.year.to_string(), e.grade.0.to_string(), e.pupils.to_string()]),
            )?,
        ),
        (
            "births.csv",
            table(
                &["area_id", "year", "births"],
                ds.births.iter().map(|b| vec![b.area_id.clone(), b.year.to_string(), b.births.to_string()]),
            )?,
        ),
        (
            "growth.csv",
            table(
                &["area_id", "driver", "low", "central", "high", "from_year", "to_year"],
                ds.growth.iter().map(|g| {
                    vec![
                        match &g.area {
                            crate::model::AreaSel::All => "*".to_string(),
                            crate::model::AreaSel::Area(a) => a.clone(),
                        },
                        g.driver.as_str().into(),
                        g.value.low.to_string(),
                        g.value.central.to_string(),
                        g.value.high.to_string(),
                        opt(g.from_year),
                        opt(g.to_year),
                    ]
                }),
            )?,
        ),
        (
            "profiles.csv",
            table(
                &["driver", "grade", "share"],
                ds.profiles.iter().map(|p| vec![p.driver.as_str().into(), p.grade.0.to_string(), p.share.to_string()]),
            )?,
        ),
        (
            "projects.csv",
            table(
                &[
                    "project_id",
                    "name",
                    "area_id",
                    "stage",
                    "kind",
                    "school_id",
                    "classrooms",
                    "status",
                    "planned_start",
                    "planned_completion",
                    "batch",
                ],
                ds.projects.iter().map(|p| {
                    vec![
                        p.id.clone(),
                        p.name.clone(),
                        p.area_id.clone(),
                        p.stage.clone(),
                        p.kind.as_str().into(),
                        p.school_id.clone(),
                        p.classrooms.to_string(),
                        p.status.as_str().into(),
                        p.planned_start.to_string(),
                        p.planned_completion.to_string(),
                        p.batch.clone(),
                    ]
                }),
            )?,
        ),
    ];
    for (name, bytes) in files {
        write_file(&dir.join(name), &bytes)?;
    }
    Ok(())
}
