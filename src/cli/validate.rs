//! `placeplan validate`: list every problem of a data set, or summarise it.
//!
//! The checking itself lives in `io::dataset`; this module only prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use super::ValidateArgs;
use crate::io::dataset;
use crate::model::DataSet;

pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    if !args.dir.is_dir() {
        return Ok(super::refused(format_args!(
            "{} is not a folder: expected a data set folder",
            args.dir.display()
        )));
    }
    match dataset::load(&args.dir) {
        Ok(ds) => {
            // The optional boundaries for the map: a broken file is a problem of the data set.
            if let Err(e) = crate::io::geojson::read(&args.dir) {
                note!("{e:#}");
                note!("1 problem found in {}", args.dir.display());
                return Ok(ExitCode::from(1));
            }
            say!("{}", summary(&ds));
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            for e in &errors {
                note!("{e}");
            }
            let n = errors.len();
            note!(
                "{n} problem{} found in {}",
                if n == 1 { "" } else { "s" },
                args.dir.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// Counts of items by a key, in key order, as `3 primary, 2 junior`.
fn counts<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for k in keys {
        *by.entry(k).or_default() += 1;
    }
    by.iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A short description of a valid data set.
pub fn summary(ds: &DataSet) -> String {
    let mut s = String::new();
    let years: Vec<u16> = ds.enrolment.iter().map(|e| e.year.0).collect();
    let (first, last) = (
        years.iter().min().copied().unwrap_or(0),
        years.iter().max().copied().unwrap_or(0),
    );
    let _ = writeln!(s, "{}: no problems found", ds.dir.display());
    let _ = writeln!(
        s,
        "  areas:     {} ({})",
        ds.areas.len(),
        counts(ds.areas.iter().map(|a| a.kind.as_str()))
    );
    let _ = writeln!(
        s,
        "  schools:   {} ({}); {} classrooms",
        ds.schools.len(),
        counts(ds.schools.iter().map(|x| x.stage.as_str())),
        ds.schools
            .iter()
            .map(|x| u64::from(x.classrooms))
            .sum::<u64>()
    );
    let _ = writeln!(
        s,
        "  enrolment: {} rows, years {first}–{last} (base year {last}), {} pupils in {last}",
        ds.enrolment.len(),
        ds.enrolment
            .iter()
            .filter(|e| e.year.0 == last)
            .map(|e| u64::from(e.pupils))
            .sum::<u64>()
    );
    let _ = writeln!(
        s,
        "  births:    {} rows; growth: {} rows; profiles: {} rows; stages: {}",
        ds.births.len(),
        ds.growth.len(),
        ds.profiles.len(),
        ds.stages
            .iter()
            .map(|st| format!(
                "{} {}–{} ({})",
                st.name, st.first_grade, st.last_grade, st.class_size
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(s, "  projects:  {}", ds.projects.len());
    let mut batches: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in &ds.projects {
        let batch = if p.batch.is_empty() {
            "(no batch)"
        } else {
            p.batch.as_str()
        };
        batches.entry(batch).or_default().push(p.status.as_str());
    }
    for (batch, statuses) in batches {
        let _ = writeln!(
            s,
            "    {batch}: {} ({})",
            statuses.len(),
            counts(statuses.into_iter())
        );
    }
    s
}
