//! Writing a data set's CSV files (SPEC §3), as the generator and `init` produce them.
//!
//! Plain UTF-8 without BOM, one file per table, each written atomically. Never overwrites a
//! folder's other files.

use std::path::Path;

use crate::input::csvsheet::Columns;
use crate::io::atomic::write_file;
use crate::io::dataset::{
    AREAS, BIRTHS, ENROLMENT, FLOWS, GROWTH, PROFILES, PROJECTS, SCHOOLS, SETTINGS, STAGES,
};
use crate::model::{DataSet, Growth};

/// A CSV table with the loader's columns (required, then optional) as header, so the writer and
/// the reader cannot disagree on a file's columns.
fn table(columns: Columns, rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(columns.all())?;
    for r in rows {
        w.write_record(&r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// `areas.csv`, with the optional columns (`name_en`, `lon`, `lat`) only when an area has them.
fn areas(ds: &DataSet) -> anyhow::Result<Vec<u8>> {
    let names = ds.areas.iter().any(|a| a.name_en.is_some());
    let centroids = ds.areas.iter().any(|a| a.centroid.is_some());
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = AREAS.required.iter().copied().chain(
        AREAS
            .optional
            .iter()
            .copied()
            .filter(|c| if *c == "name_en" { names } else { centroids }),
    );
    w.write_record(header)?;
    for a in &ds.areas {
        let mut row = vec![
            a.id.clone(),
            a.name.clone(),
            a.kind.as_str().into(),
            a.urban.to_string(),
        ];
        if names {
            row.push(opt(a.name_en.clone()));
        }
        if centroids {
            row.push(opt(a.centroid.map(|c| c.0)));
            row.push(opt(a.centroid.map(|c| c.1)));
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// `growth.csv`: the analysts' assumption sheet, rows in the given order (also the backtest's
/// suggested sheet, so that it reads back as the loader expects).
pub fn growth_csv(growth: &[Growth]) -> anyhow::Result<Vec<u8>> {
    table(
        GROWTH,
        growth.iter().map(|g| {
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
    )
}

/// Writes every table of `ds` into `dir` (settings.csv and stages.csv included; flows.csv when
/// the data set records flows).
pub fn write_dataset(ds: &DataSet, dir: &Path) -> anyhow::Result<()> {
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        (
            "settings.csv",
            table(
                SETTINGS,
                [
                    vec!["base_date".into(), ds.settings.base_date.to_string()],
                    vec!["entry_age".into(), ds.settings.entry_age.to_string()],
                ]
                .into_iter(),
            )?,
        ),
        (
            "stages.csv",
            table(
                STAGES,
                ds.stages.iter().map(|s| {
                    vec![
                        s.name.clone(),
                        s.first_grade.to_string(),
                        s.last_grade.to_string(),
                        s.class_size.to_string(),
                        opt(s.cost_per_place),
                    ]
                }),
            )?,
        ),
        ("areas.csv", areas(ds)?),
        (
            "schools.csv",
            table(
                SCHOOLS,
                ds.schools.iter().map(|s| {
                    vec![
                        s.id.clone(),
                        s.area_id.clone(),
                        s.name.clone(),
                        s.stage.clone(),
                        s.urban.to_string(),
                        s.classrooms.to_string(),
                    ]
                }),
            )?,
        ),
        (
            "enrolment.csv",
            table(
                ENROLMENT,
                ds.enrolment.iter().map(|e| {
                    vec![
                        e.school_id.to_string(),
                        e.year.to_string(),
                        e.grade.0.to_string(),
                        e.pupils.to_string(),
                    ]
                }),
            )?,
        ),
        (
            "births.csv",
            table(
                BIRTHS,
                ds.births
                    .iter()
                    .map(|b| vec![b.area_id.clone(), b.year.to_string(), b.births.to_string()]),
            )?,
        ),
        ("growth.csv", growth_csv(&ds.growth)?),
        (
            "profiles.csv",
            table(
                PROFILES,
                ds.profiles.iter().map(|p| {
                    vec![
                        p.driver.as_str().into(),
                        p.grade.0.to_string(),
                        p.share.to_string(),
                    ]
                }),
            )?,
        ),
        (
            "projects.csv",
            table(
                PROJECTS,
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
                        opt(p.cost),
                    ]
                }),
            )?,
        ),
    ];
    if !ds.flows.is_empty() {
        files.push((
            "flows.csv",
            table(
                FLOWS,
                ds.flows.iter().map(|f| {
                    vec![
                        f.area_id.clone(),
                        f.year.to_string(),
                        f.kind.as_str().into(),
                        f.pupils.to_string(),
                    ]
                }),
            )?,
        ));
    }
    for (name, bytes) in files {
        write_file(&dir.join(name), &bytes)?;
    }
    Ok(())
}
