//! The enrolment history, rolled forward year by year from the draft's first year by the flows
//! the drivers model (progression, entry, migrants, returners, rural-to-town moves), with every
//! flow recorded. Whole pupils throughout: parts are apportioned so that they add up.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::draft::{CROSSING, Draft, SURVIVAL, normal};
use super::hengyang::{BASE_YEAR, ENTRY_AGE, FIRST_YEAR, MIGRANT_PROFILE, RETURNING_PROFILE};
use crate::model::{Flow, FlowKind, SchoolYear};

/// Migrant children from outside the city who joined a county's town-centre schools each year of
/// the history, per 1,000 pupils (assumed; the districts' rate is calibrated).
const COUNTY_MIGRANT_RATE: f64 = 2.0;
/// Students returning from outside the city each year of the history, per 1,000 pupils
/// (districts, counties; assumed).
const RETURNING_RATE: (f64, f64) = (4.0, 2.0);
/// Share of village pupils moving to the same area's town-centre schools each year of the
/// history (districts, counties; assumed, below the national village decline of the decade to
/// 2015).
const RURAL_RATE: (f64, f64) = (0.03, 0.035);

/// Splits `total` whole pupils in proportion to `weights` into whole parts that add up to it
/// (each part is the change in the rounded running total).
fn apportion(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    let mut out = vec![0u32; weights.len()];
    if sum <= 0.0 || weights.is_empty() {
        return out;
    }
    let (mut running, mut given) = (0.0f64, 0u32);
    for (o, w) in out.iter_mut().zip(weights) {
        running += f64::from(total) * w / sum;
        let upto = (running.round() as u32).min(total);
        *o = upto - given;
        given = upto;
    }
    if let Some(last) = out.last_mut() {
        *last += total - given;
    }
    out
}

/// The historical flows of one generation, per area and year of the history after the first.
pub(super) struct HistoryFlows {
    /// `hist[school][year − FIRST_YEAR][grade index]`.
    pub(super) hist: Vec<Vec<Vec<u32>>>,
    pub(super) flows: Vec<Flow>,
    /// Yearly external inflows of each area in the history (migrants, returners) and its rate of
    /// rural-to-town moves: the level the projection's flows start from.
    pub(super) migrants: Vec<f64>,
    pub(super) returning: Vec<f64>,
    pub(super) rural_rate: Vec<f64>,
}

/// The history, generated forward from its first year by the flows the drivers model, every
/// one recorded: cohorts move up a grade ([`SURVIVAL`]) or into junior school ([`CROSSING`]),
/// births × entry ratio enter grade 1, migrant children and returners join town-centre schools
/// by grade profile, and a share of village pupils moves to the area's town-centre schools.
pub(super) fn history(d: &Draft, district_migrant_rate: f64, seed: u64) -> HistoryFlows {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let years = usize::from(BASE_YEAR - FIRST_YEAR) + 1;
    let mut hist: Vec<Vec<Vec<u32>>> = d
        .start
        .iter()
        .map(|b| {
            let mut h = vec![vec![0; b.len()]; years];
            h[0] = b.clone();
            h
        })
        .collect();
    let areas = d.areas.len();
    // Summed school by school in order, as per area (one pass over a nation's schools).
    let mut pupils0 = vec![0.0f64; areas];
    for i in 0..d.schools.len() {
        pupils0[d.area_of(i)] += f64::from(d.start[i].iter().sum::<u32>());
    }
    let pick = |a: usize, (district, county): (f64, f64)| {
        if d.district(a) { district } else { county }
    };
    let migrants: Vec<f64> = (0..areas)
        .map(|a| {
            let rate = if d.district(a) {
                district_migrant_rate
            } else {
                COUNTY_MIGRANT_RATE
            };
            (pupils0[a] / 1000.0 * rate).round()
        })
        .collect();
    let returning: Vec<f64> = (0..areas)
        .map(|a| (pupils0[a] / 1000.0 * pick(a, RETURNING_RATE)).round())
        .collect();
    let rural_rate: Vec<f64> = (0..areas).map(|a| pick(a, RURAL_RATE)).collect();
    // Per area and stage, its town and village schools in order.
    let mut groups: Vec<Vec<(Vec<usize>, Vec<usize>)>> =
        vec![vec![(Vec::new(), Vec::new()); d.stages.len()]; areas];
    for (i, school) in d.schools.iter().enumerate() {
        if let Some(st) = d.stages.iter().position(|s| s.name == school.stage) {
            let (town, village) = &mut groups[d.area_of(i)][st];
            if school.urban { town } else { village }.push(i);
        }
    }
    let mut flows = Vec::new();
    for y in 1..years {
        let year = FIRST_YEAR + y as u16;
        for a in 0..areas {
            let mut feeder = 0u32;
            let (mut migrant_total, mut returning_total, mut rural_total) = (0u32, 0u32, 0u32);
            for (st, stage) in d.stages.iter().enumerate() {
                let (town, village) = &groups[a][st];
                let grades = stage.grades();
                let mut leaving = 0u32;
                for &i in town.iter().chain(village) {
                    let prev = hist[i][y - 1].clone();
                    leaving += prev[grades - 1];
                    let cur = &mut hist[i][y];
                    for k in 1..grades {
                        cur[k] =
                            (f64::from(prev[k - 1]) * SURVIVAL * (1.0 + 0.01 * normal(&mut rng)))
                                .round()
                                .max(0.0) as u32;
                    }
                }
                let entrants = if st == 0 {
                    (d.cohort(a, year - u16::from(ENTRY_AGE))
                        * d.entry_ratio[a]
                        * (1.0 + 0.01 * normal(&mut rng)))
                    .round() as u32
                } else {
                    (f64::from(feeder) * CROSSING).round() as u32
                };
                feeder = leaving;
                let to_town = if village.is_empty() {
                    entrants
                } else if town.is_empty() {
                    0
                } else {
                    (f64::from(entrants) * d.town_share[a]).round() as u32
                };
                for (list, amount) in [(town, to_town), (village, entrants - to_town)] {
                    let w: Vec<f64> = list.iter().map(|&i| d.weight[i]).collect();
                    for (&i, n) in list.iter().zip(apportion(amount, &w)) {
                        hist[i][y][0] = n;
                    }
                }
                if town.is_empty() {
                    continue;
                }
                // Village pupils moving to town, and newcomers from outside the city.
                let mut arriving = vec![0u32; grades];
                for &i in village {
                    for (x, arr) in hist[i][y].iter_mut().zip(&mut arriving) {
                        let moving = (f64::from(*x) * rural_rate[a]).round() as u32;
                        *x -= moving;
                        *arr += moving;
                        rural_total += moving;
                    }
                }
                for (k, arr) in arriving.iter_mut().enumerate() {
                    let g = usize::from(stage.first_grade) - 1 + k;
                    let m = (migrants[a] * MIGRANT_PROFILE[g]).round() as u32;
                    let r = (returning[a] * RETURNING_PROFILE[g]).round() as u32;
                    migrant_total += m;
                    returning_total += r;
                    *arr += m + r;
                }
                let w: Vec<f64> = town.iter().map(|&i| d.weight[i]).collect();
                for (k, &amount) in arriving.iter().enumerate() {
                    for (&i, n) in town.iter().zip(apportion(amount, &w)) {
                        hist[i][y][k] += n;
                    }
                }
            }
            for (kind, pupils) in [
                (FlowKind::MigrantInflow, migrant_total),
                (FlowKind::ReturningInflow, returning_total),
                (FlowKind::RuralToTown, rural_total),
            ] {
                flows.push(Flow {
                    area_id: d.areas[a].id.clone(),
                    year: SchoolYear(year),
                    kind,
                    pupils: f64::from(pupils),
                });
            }
        }
    }
    HistoryFlows {
        hist,
        flows,
        migrants,
        returning,
        rural_rate,
    }
}

/// Pupils of the urban districts in year index `y` of a history.
pub(super) fn district_total(d: &Draft, hist: &[Vec<Vec<u32>>], y: usize) -> i64 {
    (0..d.schools.len())
        .filter(|&i| d.district(d.area_of(i)))
        .map(|i| hist[i][y].iter().map(|&x| i64::from(x)).sum::<i64>())
        .sum()
}
