//! The engine's central case, as calibration measures it and the tests check it: the no-build
//! scenario and the city-wide value of a metric in one central-case simulation. It calls the
//! engine; it does not change what the engine computes.

use crate::engine::assemble::assemble;
use crate::engine::monte_carlo;
use crate::engine::progression::RatioOptions;
use crate::engine::results::Metric;
use crate::engine::sim::{self, METRICS, Scratch};
use crate::model::{DataSet, SchoolYear};
use crate::scenario::{Cancellations, ClassRules, DelayModel, Pace, Sampling, Scenario};

/// The scenario the calibration runs: no construction, central case, no redistricting.
pub fn no_build_scenario(horizon: u16) -> Scenario {
    Scenario {
        name: "no-build".into(),
        title_zh: "不建设".into(),
        title_en: "No construction".into(),
        description: String::new(),
        meta: Default::default(),
        data: std::path::PathBuf::new(),
        base_year: None,
        horizon: SchoolYear(horizon),
        draws: 0,
        seed: 0,
        sampling: Sampling::Pert,
        correlation: 0.5,
        drivers: Vec::new(),
        pace: Pace::Plan,
        delay_model: DelayModel::ReferenceClass,
        cancel: Cancellations {
            all: true,
            ..Cancellations::default()
        },
        extra_projects: Vec::new(),
        classes: ClassRules::default(),
        rebalancing: 0.0,
        progression: RatioOptions::default(),
        targets: Vec::new(),
    }
}

/// City-wide value of a metric in the central case of a scenario.
pub fn central_city(ds: &DataSet, sc: &Scenario, metric: Metric, year: u16) -> Option<f64> {
    let m = assemble(ds, sc).ok()?;
    let t = usize::from(year.checked_sub(m.base_year.0)?);
    let mut out = vec![0.0f32; m.years * (m.areas() + 1) * METRICS];
    sim::simulate(
        &m,
        std::slice::from_ref(&monte_carlo::central_inputs(&m)),
        &mut Scratch::new(&m),
        &mut out,
        None,
    );
    Some(f64::from(out[sim::cell(m.areas(), t, m.areas(), metric)]))
}
