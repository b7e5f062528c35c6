//! `placeplan backtest DATA_DIR`: the simulator re-based at an earlier year and scored on the
//! years held out.
//!
//! The last `hold_out` years of the enrolment history (and of the recorded flows) are removed,
//! the scenario is run from the earlier base year to the last actual year, and the projected
//! pupils are compared with the held-out counts: per area and for the city (central case, with
//! the P10–P90 of the draws), and per area and stage (central case). The naive forecast holds
//! each count at its base-year value. This module sequences: loading is `io`, simulating
//! `engine`, scoring `engine::backtest`; it writes nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;

use crate::engine::assemble::assemble;
use crate::engine::backtest::Scored;
use crate::engine::monte_carlo::{self, RunOptions, Silent};
use crate::engine::realised::{self, RowCheck};
use crate::engine::results::Metric;
use crate::io::dataset;
use crate::model::SchoolYear;
use crate::run::RunError;
use crate::scenario;

/// The city's row in the summary.
const CITY: &str = "ALL";

/// A checked request.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutRequest {
    pub data: PathBuf,
    pub scenario: PathBuf,
    /// Years held out at the end of the history.
    pub hold_out: u16,
    pub draws: u32,
    pub seed: Option<u64>,
    pub threads: usize,
}

/// The held-out comparison: every scored count, and the names of what was counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Holdout {
    pub data_set: String,
    pub base: SchoolYear,
    pub last: SchoolYear,
    /// `names[s.unit]`: `ALL` (the city), an area id, or `area/stage`.
    pub names: Vec<String>,
    pub scored: Vec<Scored>,
    /// The data set's growth sheet checked against the held-out years, row by row.
    pub growth: Vec<RowCheck>,
}

pub fn run(req: &HoldoutRequest) -> Result<Holdout, RunError> {
    let mut sc = scenario::load(&req.scenario).map_err(RunError::Input)?;
    let full = dataset::load(&req.data).map_err(RunError::Input)?;
    let last = full
        .base_year()
        .context("the data set has no enrolment history")?;
    let first = full.enrolment.iter().map(|e| e.year).min().unwrap_or(last);
    let Some(base) = last.0.checked_sub(req.hold_out).map(SchoolYear) else {
        return Err(RunError::Other(anyhow::anyhow!(
            "--hold-out {} is longer than the history",
            req.hold_out
        )));
    };
    if base.0 <= first.0 {
        return Err(RunError::Other(anyhow::anyhow!(
            "{}: enrolment covers {}–{}: holding out {} year(s) leaves fewer than two years to \
             estimate ratios from",
            req.data.display(),
            first.0,
            last.0,
            req.hold_out
        )));
    }
    let mut ds = full.clone();
    ds.enrolment.retain(|e| e.year <= base);
    ds.flows.retain(|f| f.year <= base);
    sc.data = req.data.clone();
    sc.base_year = None;
    sc.horizon = last;
    sc.draws = req.draws;
    if let Some(s) = req.seed {
        sc.seed = s;
    }
    // Targets are about classes in future years, not what is scored here.
    sc.targets.clear();
    let model = assemble(&ds, &sc).with_context(|| {
        format!(
            "re-basing scenario {} at {}",
            req.scenario.display(),
            base.0
        )
    })?;
    let opts = RunOptions {
        draws: sc.draws,
        seed: sc.seed,
        threads: req.threads,
    };
    let result = monte_carlo::run(&model, &sc.targets, &opts, &Silent);

    // Actual pupils by (name, year), from the full history.
    let school: BTreeMap<&str, (&str, &str)> = full
        .schools
        .iter()
        .map(|s| (s.id.as_str(), (s.area_id.as_str(), s.stage.as_str())))
        .collect();
    let mut actual: BTreeMap<(String, u16), f64> = BTreeMap::new();
    for e in &full.enrolment {
        let Some(&(area, stage)) = school.get(&*e.school_id) else {
            continue;
        };
        for name in [CITY.to_owned(), area.to_owned(), format!("{area}/{stage}")] {
            *actual.entry((name, e.year.0)).or_default() += f64::from(e.pupils);
        }
    }
    // Projected pupils by area and stage (central case), from the per-school rows.
    let mut central: BTreeMap<(String, u16), f64> = BTreeMap::new();
    for r in &result.schools {
        if let Some(&(area, stage)) = school.get(result.school_id(r)) {
            *central
                .entry((format!("{area}/{stage}"), r.year.0))
                .or_default() += f64::from(r.pupils);
        }
    }
    let mut names: Vec<String> = vec![CITY.to_owned()];
    names.extend(full.areas.iter().map(|a| a.id.clone()));
    for a in &full.areas {
        for s in &full.stages {
            if actual.contains_key(&(format!("{}/{}", a.id, s.name), base.0)) {
                names.push(format!("{}/{}", a.id, s.name));
            }
        }
    }
    let mut scored = Vec::new();
    for (unit, name) in names.iter().enumerate() {
        let Some(&naive) = actual.get(&(name.clone(), base.0)) else {
            continue;
        };
        for year in base.0 + 1..=last.0 {
            let Some(&act) = actual.get(&(name.clone(), year)) else {
                continue;
            };
            let (forecast, p10, p90) = if name.contains('/') {
                let Some(&c) = central.get(&(name.clone(), year)) else {
                    continue;
                };
                (c, f64::NAN, f64::NAN)
            } else {
                let Some(r) = result.row(Metric::Pupils, SchoolYear(year), name) else {
                    continue;
                };
                (r.central, r.p10, r.p90)
            };
            scored.push(Scored {
                unit,
                origin: base.0,
                horizon: usize::from(year - base.0),
                actual: act,
                model: forecast,
                naive,
                forecast,
                p10,
                p90,
                naive_p10: f64::NAN,
                naive_p90: f64::NAN,
                weight: 1.0,
            });
        }
    }
    let growth = realised::check_growth(&full, &model, base, sc.sampling);
    Ok(Holdout {
        growth,
        data_set: full.name.clone(),
        base,
        last,
        names,
        scored,
    })
}
