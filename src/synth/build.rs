//! Assembles the `DataSet` value from a calibrated draft, its history and the outlook: enrolment
//! rows, growth drivers (entry ratios observed from the history, flows scaled by the surge),
//! grade profiles and settings. No randomness and no files.

use std::sync::Arc;

use super::draft::Draft;
use super::hengyang::{
    BASE_DATE, BASE_YEAR, ENTRY_AGE, FIRST_YEAR, MIGRANT_PROFILE, RETURNING_PROFILE,
};
use super::history::HistoryFlows;
use crate::model::{
    AreaSel, DataSet, Driver, Enrolment, Flow, FlowKind, Grade, Growth, Profile, Project,
    SchoolYear, Settings, ThreePoint,
};

/// The flows of the projection and their trend, relative to the history's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Outlook {
    /// Flows from the first projected year as a multiple of the history's.
    pub(super) surge: f64,
}

/// Builds the data set from a calibrated draft, its history and the outlook.
pub(super) fn build(
    d: &Draft,
    h: &HistoryFlows,
    name: &str,
    outlook: Outlook,
    projects: Vec<Project>,
) -> DataSet {
    let mut enrolment = Vec::new();
    for (i, s) in d.schools.iter().enumerate() {
        let first = d
            .stages
            .iter()
            .find(|st| st.name == s.stage)
            .map_or(1, |st| st.first_grade);
        let id: Arc<str> = s.id.as_str().into();
        for (y, row) in h.hist[i].iter().enumerate() {
            for (g, &p) in row.iter().enumerate() {
                enrolment.push(Enrolment {
                    school_id: Arc::clone(&id),
                    year: SchoolYear(FIRST_YEAR + y as u16),
                    grade: Grade(first + g as u8),
                    pupils: p,
                });
            }
        }
    }
    let tp = |low: f64, central: f64, high: f64| ThreePoint { low, central, high };
    let round = |x: f64, digits: i32| {
        let k = 10f64.powi(digits);
        (x * k).round() / k
    };
    let all = |driver, value| Growth {
        area: AreaSel::All,
        driver,
        value,
        from_year: None,
        to_year: None,
    };
    let mut growth = vec![
        all(Driver::BirthChange, tp(-0.12, -0.07, -0.02)),
        all(Driver::ProgressionFactor, tp(0.99, 1.0, 1.01)),
        all(Driver::MigrantChange, tp(-0.10, -0.03, 0.03)),
        all(Driver::ReturningChange, tp(-0.10, -0.03, 0.03)),
    ];
    let grade_one = |driver: Driver| match driver {
        Driver::MigrantInflow => MIGRANT_PROFILE[0],
        _ => RETURNING_PROFILE[0],
    };
    // Each area's primary schools and flows, in order (no scan of a nation's schools per area).
    let mut primary: Vec<Vec<usize>> = vec![Vec::new(); d.areas.len()];
    for (i, s) in d.schools.iter().enumerate() {
        if s.stage == "primary" && d.areas[d.area_of(i)].id == s.area_id {
            primary[d.area_of(i)].push(i);
        }
    }
    let area_index: std::collections::HashMap<&str, usize> = d
        .areas
        .iter()
        .enumerate()
        .rev()
        .map(|(k, a)| (a.id.as_str(), k))
        .collect();
    let mut area_flows: Vec<Vec<&Flow>> = vec![Vec::new(); d.areas.len()];
    for f in &h.flows {
        if let Some(&a) = area_index.get(f.area_id.as_str()) {
            area_flows[a].push(f);
        }
    }
    for (a, area) in d.areas.iter().enumerate() {
        // Observed entrants per birth, net of the newcomers who joined grade 1.
        let entrants = |y: u16| -> f64 {
            primary[a]
                .iter()
                .map(|&i| f64::from(h.hist[i][usize::from(y - FIRST_YEAR)][0]))
                .sum()
        };
        let joined = |y: u16| -> f64 {
            area_flows[a]
                .iter()
                .filter(|f| f.year.0 == y)
                .map(|f| match f.kind {
                    FlowKind::MigrantInflow => f.pupils * grade_one(Driver::MigrantInflow),
                    FlowKind::ReturningInflow => f.pupils * grade_one(Driver::ReturningInflow),
                    FlowKind::RuralToTown => 0.0,
                })
                .sum()
        };
        let years = FIRST_YEAR + 1..=BASE_YEAR;
        let n = f64::from(BASE_YEAR - FIRST_YEAR);
        let er = years
            .map(|y| (entrants(y) - joined(y)) / d.cohort(a, y - u16::from(ENTRY_AGE)))
            .sum::<f64>()
            / n;
        let er = round(er, 3);
        let own = |driver, value| Growth {
            area: AreaSel::Area(area.id.clone()),
            driver,
            value,
            from_year: None,
            to_year: None,
        };
        growth.push(own(
            Driver::EntryRatio,
            tp(round(er - 0.04, 3), er, round(er + 0.03, 3)),
        ));
        let migrants = (h.migrants[a] * outlook.surge).round();
        growth.push(own(
            Driver::MigrantInflow,
            tp((migrants * 0.7).round(), migrants, (migrants * 1.3).round()),
        ));
        let returning = (h.returning[a] * outlook.surge).round();
        growth.push(own(
            Driver::ReturningInflow,
            tp(
                (returning * 0.5).round(),
                returning,
                (returning * 1.5).round(),
            ),
        ));
        let rate = round(h.rural_rate[a] * outlook.surge, 4);
        growth.push(own(
            Driver::RuralToTownRate,
            tp(round(rate * 0.7, 4), rate, round((rate * 1.3).min(1.0), 4)),
        ));
    }
    let mut profiles = Vec::new();
    for (driver, shares) in [
        (Driver::MigrantInflow, MIGRANT_PROFILE),
        (Driver::ReturningInflow, RETURNING_PROFILE),
    ] {
        for (g, &share) in shares.iter().enumerate() {
            profiles.push(Profile {
                driver,
                grade: Grade(g as u8 + 1),
                share,
            });
        }
    }
    DataSet {
        name: name.into(),
        dir: std::path::PathBuf::from("data").join(name),
        settings: Settings {
            base_date: BASE_DATE,
            entry_age: ENTRY_AGE,
        },
        stages: d.stages.clone(),
        areas: d.areas.clone(),
        schools: d.schools.clone(),
        enrolment,
        births: d.births.clone(),
        growth,
        profiles,
        projects,
        flows: h.flows.clone(),
    }
}
