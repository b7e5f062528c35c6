//! Step 7: the central case and the Monte Carlo draws, and their summary into result rows.
//!
//! Draw `i` samples from its own stream `ChaCha8Rng::seed_from_u64(seed)` + `set_stream(i)` and
//! writes its own slot of the output, so the tables are identical for any thread count. Memory
//! holds per-draw metrics per area and year (not per school): bounded by draws × areas × years.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use super::assemble::Assembled;
use super::results::{Metric, ProjectRow, ScenarioResult, SchoolRow, SummaryRow, TargetRow};
use super::sampling::copula;
use super::sim::{self, DrawInputs, METRICS, SchoolCell, Scratch, cell};
use crate::model::{Driver, SchoolYear};
use crate::scenario::Target;

/// Receives progress of a run (draws done); the engine never prints.
pub trait Progress: Sync {
    fn advance(&self, draws: u64);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug)]
pub struct Silent;

impl Progress for Silent {
    fn advance(&self, _draws: u64) {}
}

/// Options of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    pub draws: u32,
    pub seed: u64,
    /// Worker threads; the results do not depend on it.
    pub threads: usize,
}

/// The central case's inputs: every driver at its central value; for the pipeline, the expected
/// number of projects open by each year (see [`super::pipeline::Pipeline::central`]).
pub fn central_inputs(m: &Assembled) -> DrawInputs {
    DrawInputs {
        values: m.central.clone(),
        open_t: m.pipeline.central(&m.schedules),
    }
}

/// Samples draw `draw`'s inputs into `inputs` from the draw's own RNG stream.
pub fn sample_inputs(m: &Assembled, seed: u64, draw: u64, inputs: &mut DrawInputs) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(draw);
    let mut city = [0.0f64; Driver::ALL.len()];
    for z in &mut city {
        *z = rng.sample(StandardNormal);
    }
    for (k, q) in m.quantiles.iter().enumerate() {
        let z: f64 = rng.sample(StandardNormal);
        let u = copula(m.correlation, city[m.quantile_driver[k]], z);
        inputs.values[k] = q.at(u);
    }
    m.pipeline
        .sample(&m.schedules, &mut rng, &mut inputs.open_t);
}

/// The per-draw results of a run of consecutive draws, `first..first + count`: per draw its
/// metrics per area and year (`width` = years × (areas + 1) × [`METRICS`] values, see
/// [`cell`]) and the year index at which each project opens (`stride` values). Everything the
/// summary needs, so draws run apart (shards of a bigger job) are summarised exactly as one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Draws {
    /// The first draw's index: its RNG stream.
    pub first: u64,
    pub count: usize,
    pub width: usize,
    pub stride: usize,
    /// `count × width`, draw by draw.
    pub metrics: Vec<f32>,
    /// `count × stride`, draw by draw.
    pub opens: Vec<u16>,
}

impl Draws {
    /// No draws yet, starting at draw `first`, shaped for `m`.
    pub fn empty(m: &Assembled, first: u64) -> Draws {
        let (width, stride) = Draws::shape(m);
        Draws {
            first,
            count: 0,
            width,
            stride,
            metrics: Vec::new(),
            opens: Vec::new(),
        }
    }

    /// Values per draw of the metrics and of the opening years, for `m`.
    pub fn shape(m: &Assembled) -> (usize, usize) {
        (m.years * (m.areas() + 1) * METRICS, m.projects.len().max(1))
    }

    /// Appends the draws that follow these; refuses a gap, an overlap or another shape.
    pub fn append(&mut self, next: Draws) -> Result<(), String> {
        let end = self.first + self.count as u64;
        if (next.width, next.stride) != (self.width, self.stride) {
            return Err(format!(
                "draws of another shape ({} metric values and {} projects per draw, expected {} and {})",
                next.width, next.stride, self.width, self.stride
            ));
        }
        if next.first != end {
            return Err(format!(
                "draws {}..{} do not follow draws {}..{end}: expected draws from {end}",
                next.first,
                next.first + next.count as u64,
                self.first
            ));
        }
        self.count += next.count;
        self.metrics.extend_from_slice(&next.metrics);
        self.opens.extend_from_slice(&next.opens);
        Ok(())
    }
}

/// Runs the central case (with every school's classes) and `opts.draws` draws, and summarises.
pub fn run(
    m: &Assembled,
    targets: &[Target],
    opts: &RunOptions,
    progress: &dyn Progress,
) -> ScenarioResult {
    summarise(m, targets, &simulate(m, opts, 0, progress))
}

/// Runs draws `first..first + opts.draws` (draw `i` from RNG stream `i` of `opts.seed`).
pub fn simulate(m: &Assembled, opts: &RunOptions, first: u64, progress: &dyn Progress) -> Draws {
    let mut d = Draws::empty(m, first);
    let (width, stride) = (d.width, d.stride);
    d.count = opts.draws as usize;
    d.metrics = vec![0.0f32; d.count * width];
    d.opens = vec![0u16; d.count * stride];
    let (metrics, opens) = (&mut d.metrics, &mut d.opens);
    // Draws run in batches of `sim::LANES`, one draw per vector lane; a draw's figures do not
    // depend on its batch (see `sim`), so neither do the tables on the thread count.
    let mut work = || {
        metrics
            .par_chunks_mut(width * sim::LANES)
            .zip(opens.par_chunks_mut(stride * sim::LANES))
            .enumerate()
            .for_each_init(
                || {
                    let inputs = DrawInputs {
                        values: m.central.clone(),
                        open_t: vec![0; m.projects.len()],
                    };
                    (Scratch::new(m), vec![inputs; sim::LANES])
                },
                |(scratch, inputs), (b, (out, open))| {
                    let n = out.len() / width;
                    let batch = &mut inputs[..n];
                    for (l, d) in batch.iter_mut().enumerate() {
                        sample_inputs(m, opts.seed, first + (b * sim::LANES + l) as u64, d);
                    }
                    sim::simulate(m, batch, scratch, out, None);
                    for (d, open) in batch.iter().zip(open.chunks_mut(stride)) {
                        open[..d.open_t.len()].copy_from_slice(&d.open_t);
                    }
                    progress.advance(n as u64);
                },
            )
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
    d
}

/// The central case (with every school's classes) and the summary of `draws`: what one run of
/// those draws gives, byte for byte, however they were run.
pub fn summarise(m: &Assembled, targets: &[Target], draws: &Draws) -> ScenarioResult {
    let areas = m.areas();
    let (width, count) = (draws.width, draws.count);
    let metrics = &draws.metrics[..];

    let mut central = vec![0.0f32; width];
    let mut detail: Vec<SchoolCell> = Vec::new();
    let mut scratch = Scratch::new(m);
    sim::simulate(
        m,
        std::slice::from_ref(&central_inputs(m)),
        &mut scratch,
        &mut central,
        Some(&mut detail),
    );

    let summary = summary_rows(m, &central, metrics, count, width);
    let projects = project_rows(m, &draws.opens, count);
    let all_years = |_: &Target| (0..m.years).collect::<Vec<_>>();
    let city_targets = target_rows(m, targets, metrics, count, width, areas, all_years);
    // Each area against the targets, in the targets' own years.
    let own_year = |t: &Target| {
        (t.year >= m.base_year && t.year <= m.year(m.years - 1))
            .then(|| usize::from(t.year.0 - m.base_year.0))
            .into_iter()
            .collect::<Vec<_>>()
    };
    let area_targets = (0..areas)
        .map(|a| {
            let rows = target_rows(m, targets, metrics, count, width, a, own_year);
            (m.area_ids[a].clone(), rows)
        })
        .collect();
    ScenarioResult {
        base_year: m.base_year,
        horizon: m.year(m.years - 1),
        draws: count as u32,
        summary,
        schools: school_rows(m, &detail),
        school_ids: m.school_ids.clone(),
        projects,
        targets: city_targets,
        area_targets,
    }
}

/// The central case's classes per school, year and grade, sorted by school id, year and grade.
/// Schools are bucketed by the rank of their id (ranked once, so no string is compared per
/// row); within a school the simulation's order (year, then grade) is kept, or restored.
fn school_rows(m: &Assembled, detail: &[SchoolCell]) -> Vec<SchoolRow> {
    let mut by_id: Vec<usize> = (0..m.schools()).collect();
    by_id.sort_by(|&a, &b| m.school_ids[a].cmp(&m.school_ids[b]));
    let mut start = vec![0usize; m.schools() + 1];
    for c in detail {
        start[c.school as usize + 1] += 1;
    }
    // Each school's first row in the output: its rows come after those of every lower rank.
    let mut at = vec![0usize; m.schools()];
    let mut next = 0;
    for &i in &by_id {
        at[i] = next;
        next += start[i + 1];
    }
    for (i, &a) in at.iter().enumerate() {
        start[i] = a;
    }
    // Where each row of `detail` goes.
    let mut order = vec![0u32; detail.len()];
    for (j, c) in detail.iter().enumerate() {
        let i = c.school as usize;
        order[at[i]] = j as u32;
        at[i] += 1;
    }
    let mut rows: Vec<SchoolRow> = order
        .iter()
        .map(|&j| {
            let c = &detail[j as usize];
            SchoolRow {
                school: c.school,
                year: m.year(usize::from(c.t)),
                grade: c.grade,
                pupils: c.pupils,
                classes: c.classes,
                max_class_size: c.max_class_size,
                oversized_classes: c.oversized,
                super_oversized_classes: c.super_oversized,
            }
        })
        .collect();
    // `at[i]` is now the end of school i's rows.
    for i in 0..m.schools() {
        let own = &mut rows[start[i]..at[i]];
        if !own.is_sorted_by_key(|r| (r.year, r.grade)) {
            own.sort_by_key(|r| (r.year, r.grade));
        }
    }
    rows
}

/// The probabilities of the summary's quantile columns, in order.
const QUANTILES: [f64; 5] = [0.05, 0.10, 0.50, 0.90, 0.95];

/// Quantiles by linear interpolation between order statistics (Hyndman–Fan type 7, as R's
/// default and numpy's `linear`), for ascending probabilities `qs`. Finds only the order
/// statistics needed, by successive selections on the part of `values` not yet partitioned
/// (linear time, where a full sort would be n log n); reorders `values`.
fn quantiles<const N: usize>(values: &mut [f32], qs: [f64; N]) -> [f64; N] {
    let n = values.len();
    if n == 0 {
        return [f64::NAN; N];
    }
    let positions = qs.map(|q| {
        let pos = q * (n - 1) as f64;
        let lo = pos.floor() as usize;
        (lo, (lo + 1).min(n - 1), pos - lo as f64)
    });
    // Invariant: `values[..from]` holds the `from` smallest values, and every index below `from`
    // that is asked for holds its order statistic. Selections only reorder `values[from..]`, and
    // as the positions ascend, an index below `from` was selected before, or the cell is
    // constant: the same value in every draw (the observed base year, planned projects), where
    // every index holds its order statistic without any selection.
    let constant = values.iter().all(|x| x.to_bits() == values[0].to_bits());
    let mut from = if constant { n } else { 0 };
    let mut order_statistic = |k: usize| {
        if k >= from {
            values[from..].select_nth_unstable_by(k - from, f32::total_cmp);
            from = k + 1;
        }
        values[k]
    };
    positions.map(|(lo, hi, frac)| {
        let (x, y) = (
            f64::from(order_statistic(lo)),
            f64::from(order_statistic(hi)),
        );
        x + (y - x) * frac
    })
}

fn summary_rows(
    m: &Assembled,
    central: &[f32],
    metrics: &[f32],
    draws: usize,
    width: usize,
) -> Vec<SummaryRow> {
    let areas = m.areas();
    // Each task gathers a block of adjacent cells over all draws: one cache line of each draw's
    // row serves the whole block, where gathering cell by cell would fetch it once per cell.
    const BLOCK: usize = 16;
    (0..width.div_ceil(BLOCK))
        .into_par_iter()
        .flat_map_iter(|b| {
            let cells = b * BLOCK..((b + 1) * BLOCK).min(width);
            let mut columns = vec![0.0f32; cells.len() * draws];
            for (d, row) in metrics.chunks_exact(width).enumerate() {
                for (j, &x) in row[cells.clone()].iter().enumerate() {
                    columns[j * draws + d] = x;
                }
            }
            let block_start = cells.start;
            // Flows have no value in the observed base year: no row rather than a false zero.
            cells
                .filter(|&c| !(c < (areas + 1) * METRICS && Metric::ALL[c % METRICS].is_flow()))
                .map(move |c| {
                    let v = &mut columns[(c - block_start) * draws..(c - block_start + 1) * draws];
                    let (t, a, metric) = (
                        c / ((areas + 1) * METRICS),
                        c / METRICS % (areas + 1),
                        Metric::ALL[c % METRICS],
                    );
                    debug_assert_eq!(cell(areas, t, a, metric), c);
                    // Summed in draw order, so the mean does not depend on the thread count.
                    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / draws.max(1) as f64;
                    let [p5, p10, p50, p90, p95] = quantiles(v, QUANTILES);
                    SummaryRow {
                        year: m.year(t),
                        area_id: if a == areas {
                            "ALL".to_string()
                        } else {
                            m.area_ids[a].clone()
                        },
                        metric,
                        central: f64::from(central[c]),
                        mean: if draws == 0 { f64::NAN } else { mean },
                        p5,
                        p10,
                        p50,
                        p90,
                        p95,
                    }
                })
        })
        .collect()
}

fn project_rows(m: &Assembled, opens: &[u16], draws: usize) -> Vec<ProjectRow> {
    let stride = m.projects.len().max(1);
    // Draws per project and opening year (the horizon's bucket for later), in one pass over the
    // draws' rows: counting each (project, year) over all draws would fetch every row once per
    // cell, from beyond the core's own caches.
    let buckets = m.years + 1;
    let mut by_year = vec![0usize; m.projects.len() * buckets];
    for row in opens.chunks_exact(stride).take(draws) {
        for (k, &o) in row[..m.projects.len()].iter().enumerate() {
            by_year[k * buckets + usize::from(o).min(m.years)] += 1;
        }
    }
    let mut rows = Vec::with_capacity(m.projects.len() * m.years);
    for (k, p) in m.projects.iter().enumerate() {
        let mut open = by_year[k * buckets];
        for t in 1..m.years {
            open += by_year[k * buckets + t];
            rows.push(ProjectRow {
                project_id: p.id.clone(),
                year: m.year(t),
                p_open: if draws == 0 {
                    f64::NAN
                } else {
                    open as f64 / draws as f64
                },
            });
        }
    }
    rows
}

/// Whether the city-wide classes of one draw meet a target in year index `t`.
pub fn meets(target: &Target, classes: f32, oversized: f32, super_oversized: f32) -> bool {
    let share = |x: f32| {
        if classes > 0.0 {
            f64::from(x) / f64::from(classes)
        } else {
            0.0
        }
    };
    target
        .max_super_oversized_share
        .is_none_or(|max| share(super_oversized) <= max)
        && target
            .max_oversized_share
            .is_none_or(|max| share(oversized) <= max)
}

/// P(target met) per target and year, for the city (`area` = the number of areas) or one area
/// (the target's shares applied to the area's own classes: what an inspection of the area asks).
fn target_rows(
    m: &Assembled,
    targets: &[Target],
    metrics: &[f32],
    draws: usize,
    width: usize,
    area: usize,
    years: impl Fn(&Target) -> Vec<usize>,
) -> Vec<TargetRow> {
    let areas = m.areas();
    let mut rows = Vec::new();
    for target in targets {
        for t in years(target) {
            let year: SchoolYear = m.year(t);
            let met = (0..draws)
                .filter(|&d| {
                    let v = |metric| metrics[d * width + cell(areas, t, area, metric)];
                    meets(
                        target,
                        v(Metric::Classes),
                        v(Metric::OversizedClasses),
                        v(Metric::SuperOversizedClasses),
                    )
                })
                .count();
            rows.push(TargetRow {
                target: target.id.clone(),
                year,
                probability: if draws == 0 {
                    f64::NAN
                } else {
                    met as f64 / draws as f64
                },
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Type-7 quantile of sorted values, the textbook way.
    fn sorted_quantile(sorted: &[f32], q: f64) -> f64 {
        if sorted.is_empty() {
            return f64::NAN;
        }
        let pos = q * (sorted.len() - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = (lo + 1).min(sorted.len() - 1);
        let frac = pos - lo as f64;
        f64::from(sorted[lo]) + (f64::from(sorted[hi]) - f64::from(sorted[lo])) * frac
    }

    /// The one-pass counts give what counting each (project, year) over the draws gives.
    #[test]
    fn project_rows_count_the_draws_open_by_each_year() {
        let mut scenario = crate::synth::no_build_scenario(2025);
        scenario.cancel = Default::default();
        scenario.pace = crate::scenario::Pace::CurrentPace;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/hengyang-2019");
        let ds = crate::io::dataset::load(&dir).expect("the default data set loads");
        let m = super::super::assemble::assemble(&ds, &scenario).expect("it assembles");
        let mut inputs = central_inputs(&m);
        let draws = 50;
        let mut opens = Vec::new();
        for d in 0..draws {
            sample_inputs(&m, 3, d as u64, &mut inputs);
            opens.extend_from_slice(&inputs.open_t);
        }
        let rows = project_rows(&m, &opens, draws);
        assert_eq!(rows.len(), m.projects.len() * (m.years - 1));
        let mut some_open_late = false;
        for (row, (k, t)) in rows
            .iter()
            .zip((0..m.projects.len()).flat_map(|k| (1..m.years).map(move |t| (k, t))))
        {
            let open = (0..draws)
                .filter(|&d| usize::from(opens[d * m.projects.len() + k]) <= t)
                .count();
            assert_eq!(
                row.p_open,
                open as f64 / draws as f64,
                "{} {t}",
                row.project_id
            );
            some_open_late |= open > 0 && open < draws;
        }
        assert!(some_open_late, "the draws differ in opening years");
    }

    /// Rows are found where a run puts them, every one of them, and the base year's flows
    /// (which have no row) are not found.
    #[test]
    fn every_summary_row_is_found_by_its_keys() {
        let scenario = crate::synth::no_build_scenario(2021);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/hengyang-2019");
        let ds = crate::io::dataset::load(&dir).expect("the default data set loads");
        let m = super::super::assemble::assemble(&ds, &scenario).expect("it assembles");
        let opts = RunOptions {
            draws: 3,
            seed: 1,
            threads: 1,
        };
        let r = run(&m, &[], &opts, &Silent);
        for row in &r.summary {
            let found = r.row(row.metric, row.year, &row.area_id);
            assert!(std::ptr::eq(found.unwrap(), row), "{row:?}");
        }
        assert!(r.row(Metric::Entrants, r.base_year, "ALL").is_none());
        assert!(r.row(Metric::Pupils, r.base_year, "nowhere").is_none());
        // Rows in another order are searched.
        let mut shuffled = r.clone();
        shuffled.summary.reverse();
        let row = &r.summary[r.summary.len() / 2];
        assert_eq!(shuffled.row(row.metric, row.year, &row.area_id), Some(row));
    }

    proptest! {
        /// Selection finds the same order statistics as a full sort, ties, constant cells and
        /// tiny samples (where several quantiles share an order statistic) included.
        #[test]
        fn selected_quantiles_are_the_sorted_ones(
            small in proptest::collection::vec(0u8..6, 0..40),
            wide in proptest::collection::vec(-1e6f32..1e6, 0..300),
        ) {
            let constant = vec![-0.0f32; small.len()];
            for mut v in [small.iter().map(|&x| f32::from(x)).collect::<Vec<_>>(), wide, constant] {
                let mut sorted = v.clone();
                sorted.sort_by(f32::total_cmp);
                let got = quantiles(&mut v, QUANTILES);
                for (g, q) in got.iter().zip(QUANTILES) {
                    prop_assert_eq!(g.to_bits(), sorted_quantile(&sorted, q).to_bits(), "q = {}", q);
                }
            }
        }
    }
}
