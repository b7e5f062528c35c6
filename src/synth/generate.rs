//! One generation, in order: draft, history (its districts' migrant rate fitted to their growth),
//! base-year classrooms and surge fitted together by a secant loop, projects, build. The order of
//! the RNG draws is the data set's identity: the generator test compares its bytes.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::build::{Outlook, build};
use super::calibrate::{Knobs, MAX_SURGE, bisect, calibrate_base};
use super::central::{central_city, no_build_scenario};
use super::classrooms::{Bands, base_figures, set_classrooms};
use super::draft::{Draft, draft};
use super::hengyang::{BASE_YEAR, FIRST_YEAR, HENGYANG, Targets, hengyang_specs};
use super::history::{HistoryFlows, district_total, history};
use super::projects::projects;
use super::spec::AreaSpecOwned;
use crate::engine::results::Metric;
use crate::model::DataSet;

/// What a generation found: the calibration's knobs and the base year's class-size bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generated {
    pub knobs: Knobs,
    pub bands: Bands,
}

/// Generates the calibrated Hengyang data set (base year 2018/19), and what calibration found.
pub fn hengyang(seed: u64) -> (DataSet, Generated) {
    generate(&hengyang_specs(), "hengyang-2019", &HENGYANG, seed, true)
}

pub(super) fn generate(
    specs: &[AreaSpecOwned],
    name: &str,
    t: &Targets,
    seed: u64,
    calibrate: bool,
) -> (DataSet, Generated) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let d = draft(specs, &mut rng);
    let hist_seed: u64 = rng.random();
    let project_seed: u64 = rng.random();
    let last = usize::from(BASE_YEAR - FIRST_YEAR);
    // The districts' historical migrant inflow, for their gain over the history.
    let district_migrant_rate = if calibrate {
        bisect(0.0, 60.0, f64::from(t.district_growth), |rate| {
            let h = history(&d, rate, hist_seed);
            (district_total(&d, &h.hist, last) - district_total(&d, &h.hist, 0)) as f64
        })
    } else {
        4.0
    };
    let district_migrant_rate = (district_migrant_rate * 100.0).round() / 100.0;
    let mut h = history(&d, district_migrant_rate, hist_seed);
    let base: Vec<Vec<u32>> = h.hist.iter().map(|s| s[last].clone()).collect();
    let next = BASE_YEAR + 1;
    let horizon = BASE_YEAR + 3;
    let no_build = no_build_scenario(horizon);
    let with_base = |d: &Draft, h: &mut HistoryFlows| {
        for (s, b) in h.hist.iter_mut().zip(&d.base) {
            s[last] = b.clone();
        }
    };
    // The base year's classrooms and the surge of flows from the first projected year, fitted
    // together: the surge makes the 150,000 of 2021/22 (at most [`MAX_SURGE`] times the
    // history's flows: beyond that the rates are not plausible, and the gap is reported), and
    // the base shortfall is what leaves 70,000 places short in 2019/20 once the surge has come.
    let (mut d, knobs) = if calibrate {
        let mut shortfall = t.shortfall_next * 0.6;
        // (base shortfall, 2019/20 shortfall) of the previous round, for a secant step.
        let mut previous: Option<(f64, f64)> = None;
        let mut fitted = None;
        for _ in 0..8 {
            let mut dd = d.clone();
            dd.base = base.clone();
            let (town, spread) = calibrate_base(&mut dd, t, shortfall);
            with_base(&dd, &mut h);
            let at = |surge: f64, year: u16| {
                let ds = build(&dd, &h, name, Outlook { surge }, Vec::new());
                central_city(&ds, &no_build, Metric::Shortfall, year).unwrap_or(f64::NAN)
            };
            let surge = if at(MAX_SURGE, horizon) <= t.shortfall_no_build {
                MAX_SURGE
            } else {
                let s = bisect(1.0, MAX_SURGE, t.shortfall_no_build, |s| at(s, horizon));
                (s * 1000.0).round() / 1000.0
            };
            let reached = at(surge, next);
            fitted = Some((
                dd,
                Knobs {
                    crowding_town: town,
                    crowding_spread: spread,
                    district_migrant_rate,
                    surge,
                    base_shortfall: shortfall,
                },
            ));
            let gap = t.shortfall_next - reached;
            if gap.abs() < 0.002 * t.shortfall_next {
                break;
            }
            // The next year's shortfall grows with the base's, less than one for one (schools
            // with spare places absorb part): a secant step once two rounds are known.
            let slope = match previous {
                Some((s0, r0)) if (shortfall - s0).abs() > 1.0 => {
                    ((reached - r0) / (shortfall - s0)).clamp(0.2, 2.0)
                }
                _ => 0.8,
            };
            previous = Some((shortfall, reached));
            shortfall = (shortfall + gap / slope).max(0.0);
        }
        fitted.expect("at least one round of calibration")
    } else {
        let mut dd = d.clone();
        dd.base = base;
        set_classrooms(&mut dd, 0.12, 0.08);
        let shortfall = base_figures(&dd).1;
        (
            dd,
            Knobs {
                crowding_town: 0.12,
                crowding_spread: 0.08,
                district_migrant_rate,
                surge: 1.5,
                base_shortfall: shortfall,
            },
        )
    };
    with_base(&d, &mut h);
    if calibrate {
        // Exact growth: the top grade of the first year leaves before any later count, so it
        // feeds no progression ratio; set it straight.
        let gap = (district_total(&d, &h.hist, last) - district_total(&d, &h.hist, 0))
            - i64::from(t.district_growth);
        let tops: Vec<usize> = (0..d.schools.len())
            .filter(|&i| d.schools[i].stage == "junior" && d.district(d.area_of(i)))
            .collect();
        for (k, &i) in tops.iter().enumerate() {
            let share = gap.div_euclid(tops.len() as i64)
                + i64::from((k as i64) < gap.rem_euclid(tops.len() as i64));
            let top = h.hist[i][0].len() - 1;
            h.hist[i][0][top] = (i64::from(h.hist[i][0][top]) + share).max(0) as u32;
        }
    }
    let bands = base_figures(&d).2;
    let projects = projects(&d, t, &mut ChaCha8Rng::seed_from_u64(project_seed));
    d.start.clear();
    let ds = build(&d, &h, name, Outlook { surge: knobs.surge }, projects);
    (ds, Generated { knobs, bands })
}
