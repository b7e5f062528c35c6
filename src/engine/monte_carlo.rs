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
use super::hint;
use super::results::{Metric, ProjectRow, ScenarioResult, SchoolRow, SummaryRow, TargetRow};
use super::sampling::{Copula, by_fours, normal_cdf_lanes};
use super::sim::{self, DrawInputs, METRICS, SchoolCell, Scratch, cell};
use crate::model::Driver;
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

/// Samples draw `draw`'s inputs into `inputs` from the draw's own RNG stream (a batch of one:
/// [`sim::sample_batch`] samples several with one work buffer).
pub fn sample_inputs(m: &Assembled, seed: u64, draw: u64, inputs: &mut DrawInputs) {
    sim::sample_batch(m, seed, draw, std::slice::from_mut(inputs));
}

/// [`sample_inputs`] with `work`, room for the pipeline's passes (whatever it holds).
#[inline(always)]
pub(crate) fn sample_draw(
    m: &Assembled,
    seed: u64,
    draw: u64,
    inputs: &mut DrawInputs,
    work: &mut Vec<f64>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(draw);
    let mut city = [0.0f64; Driver::ALL.len()];
    for z in &mut city {
        *z = rng.sample(StandardNormal);
    }
    let copula = Copula::new(m.correlation);
    // Each sampler's normal first (the stream's order), then every quantile as vector
    // instructions, then the values: the tables' lookups, which may miss the cache, are then
    // independent loads the core overlaps, not each one behind the next normal's arithmetic.
    for (&driver, value) in m.quantile_driver.iter().zip(&mut inputs.values) {
        let z: f64 = rng.sample(StandardNormal);
        *value = copula.mix(city[driver], z);
    }
    let sampled = m.quantile_driver.len().min(inputs.values.len());
    by_fours!(&mut inputs.values[..sampled], normal_cdf_lanes);
    for (q, value) in m.quantiles.iter().zip(&mut inputs.values) {
        *value = q.at(*value);
    }
    m.pipeline.sample(
        &m.schedules,
        &m.known_delays,
        &mut rng,
        &mut inputs.open_t,
        work,
    );
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
    /// `count × width`, in batches of [`sim::LANES`] draws from the first (the last batch the
    /// draws left), and within a batch cell by cell, the batch's draws side by side: draw `d`'s
    /// value of cell `c` is at [`Draws::index`]. The simulation writes each cell of a batch as
    /// one run, and the summary reads a block of cells' draws a batch at a time, in order; stored
    /// draw by draw, each of a cell's values would lie a whole row from the last.
    /// Shard files hold rows draw by draw ([`Draws::rows`], [`Draws::from_rows`]).
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

    /// Draws `first..first + count` from their metrics row by row (`count × width` values, draw
    /// by draw) and their opening years.
    pub fn from_rows(
        first: u64,
        count: usize,
        width: usize,
        stride: usize,
        rows: &[f32],
        opens: Vec<u16>,
    ) -> Draws {
        assert_eq!(rows.len(), count * width, "one row per draw");
        let mut d = Draws {
            first,
            count,
            width,
            stride,
            metrics: vec![0.0; count * width],
            opens,
        };
        for (i, row) in rows.chunks_exact(width.max(1)).enumerate() {
            let (at, n) = d.draw_at(i);
            for (c, &v) in row.iter().enumerate() {
                d.metrics[at + c * n] = v;
            }
        }
        d
    }

    /// Where draw `d` (counted from `first`) lies in `metrics`: the index of its value of cell
    /// 0, and the distance from one cell's value to the next (its batch's draws).
    fn draw_at(&self, d: usize) -> (usize, usize) {
        let start = d - d % sim::LANES;
        (
            start * self.width + (d - start),
            sim::LANES.min(self.count - start),
        )
    }

    /// Where draw `d`'s value of cell `c` lies in `metrics` (`d` counted from `first`).
    pub fn index(&self, d: usize, c: usize) -> usize {
        let (at, n) = self.draw_at(d);
        at + c * n
    }

    /// The metrics row by row: draw by draw, each draw's cells in order.
    pub fn rows(&self) -> impl Iterator<Item = f32> + '_ {
        (0..self.count).flat_map(move |d| {
            let (at, n) = self.draw_at(d);
            (0..self.width).map(move |c| self.metrics[at + c * n])
        })
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
        // The batches start again from the first draw: laid out anew, row by row.
        let rows: Vec<f32> = self.rows().chain(next.rows()).collect();
        let mut opens = std::mem::take(&mut self.opens);
        opens.extend_from_slice(&next.opens);
        let count = self.count + next.count;
        *self = Draws::from_rows(self.first, count, self.width, self.stride, &rows, opens);
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
    hint::huge_pages(&mut d.metrics);
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
                    sim::sample_batch(m, opts.seed, first + (b * sim::LANES) as u64, batch);
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
///
/// Runs on the rayon pool it is called in (the run's threads): the central case beside the
/// summary of the draws, the summary's cells in parallel; every figure is computed the same way
/// whatever the thread count.
pub fn summarise(m: &Assembled, targets: &[Target], draws: &Draws) -> ScenarioResult {
    let (width, count) = (draws.width, draws.count);
    let metrics = &draws.metrics[..];

    let ((central, detail), (summary, (projects, (city_targets, area_targets)))) = rayon::join(
        || {
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
            (central, detail)
        },
        || {
            rayon::join(
                || summary_cells(m, metrics, count, width),
                || {
                    rayon::join(
                        || project_rows(m, &draws.opens, count),
                        || target_rows(m, targets, metrics, count, width),
                    )
                },
            )
        },
    );
    let summary = summary
        .into_iter()
        .map(|(c, figures)| summary_row(m, c, f64::from(central[c]), figures))
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

/// `f32::total_cmp`'s order as unsigned integers: `order_key(a) < order_key(b)` exactly when
/// `a.total_cmp(&b)` is `Less` (negative values have every bit but the sign flipped, the others
/// their sign bit set).
#[inline(always)]
fn order_key(x: f32) -> u32 {
    let b = x.to_bits();
    b ^ (((b as i32 >> 31) as u32) | 1 << 31)
}

/// The value of an [`order_key`].
#[inline(always)]
fn from_order_key(k: u32) -> f32 {
    f32::from_bits(k ^ (!((k as i32 >> 31) as u32) | 1 << 31))
}

/// Most bits of the keys that one pass of [`select_keys`] tells apart.
const RADIX_BITS: u32 = 11;

/// The keys at ascending ranks `ranks` (each below `keys.len()`) into `out`, by radix
/// selection; `lo` and `hi` are the smallest and the largest key. A histogram of the keys'
/// leading varying bits (after `lo`) finds the bucket that holds each rank; the keys of those
/// buckets alone are gathered, and the search goes on among them. Each pass reads the keys
/// twice, without a comparison that a branch predictor could miss, where a selection by
/// partitioning reads them several times per rank; and the answer is the same, an order
/// statistic being one value whatever finds it.
fn select_keys(keys: &[u32], lo: u32, hi: u32, ranks: &[usize], out: &mut [u32]) {
    let span = hi - lo;
    if span == 0 {
        out.fill(lo);
        return;
    }
    // About a quarter as many buckets as keys (up to 2^RADIX_BITS): a histogram much larger
    // than the keys would cost more to clear and scan than the keys themselves.
    let bits = (usize::BITS - keys.len().leading_zeros())
        .saturating_sub(2)
        .clamp(4, RADIX_BITS);
    let shift = (u32::BITS - span.leading_zeros()).saturating_sub(bits);
    // Four histograms, each of every fourth key, then added: a run of keys in one bucket (a
    // value most draws share) then makes four chains of increments, not one.
    let n = (span >> shift) as usize + 1;
    let mut counts = vec![0u32; 4 * n];
    let (quads, rest) = keys.as_chunks::<4>();
    for q in quads {
        for (h, &k) in q.iter().enumerate() {
            counts[h * n + ((k - lo) >> shift) as usize] += 1;
        }
    }
    for &k in rest {
        counts[((k - lo) >> shift) as usize] += 1;
    }
    let (first, others) = counts.split_at_mut(n);
    for h in others.chunks_exact(n) {
        for (c, &x) in first.iter_mut().zip(h) {
            *c += x;
        }
    }
    counts.truncate(n);
    // The bucket of each rank, and its rank among the bucket's keys.
    let mut found = Vec::with_capacity(ranks.len());
    let (mut bucket, mut below) = (0usize, 0usize);
    for &r in ranks {
        while below + counts[bucket] as usize <= r {
            below += counts[bucket] as usize;
            bucket += 1;
        }
        found.push((bucket, r - below));
    }
    if shift == 0 {
        // A bucket per key: the bucket is the key.
        for (o, &(b, _)) in out.iter_mut().zip(&found) {
            *o = lo + b as u32;
        }
        return;
    }
    // The keys of the buckets that hold a rank, in one pass (buckets ascend with the ranks).
    const NONE: u8 = u8::MAX;
    let mut slot = vec![NONE; counts.len()];
    let mut parts: Vec<(Vec<u32>, u32, u32)> = Vec::new();
    for &(b, _) in &found {
        if slot[b] == NONE {
            slot[b] = parts.len() as u8;
            parts.push((Vec::with_capacity(counts[b] as usize), u32::MAX, 0));
        }
    }
    for &k in keys {
        let s = slot[((k - lo) >> shift) as usize];
        if s != NONE {
            let (part, lo, hi) = &mut parts[usize::from(s)];
            part.push(k);
            *lo = (*lo).min(k);
            *hi = (*hi).max(k);
        }
    }
    let mut i = 0;
    while i < found.len() {
        let b = found[i].0;
        let n = found[i..].iter().take_while(|f| f.0 == b).count();
        let within: Vec<usize> = found[i..i + n].iter().map(|f| f.1).collect();
        let (part, lo, hi) = &parts[usize::from(slot[b])];
        select_keys(part, *lo, *hi, &within, &mut out[i..i + n]);
        i += n;
    }
}

/// The order statistics that type-7 quantiles `qs` of `n` values interpolate between: for each
/// probability the lower and upper rank and the fraction between them.
fn quantile_positions<const N: usize>(n: usize, qs: [f64; N]) -> [(usize, usize, f64); N] {
    qs.map(|q| {
        let pos = q * (n.max(1) - 1) as f64;
        let lo = pos.floor() as usize;
        (lo, (lo + 1).min(n.max(1) - 1), pos - lo as f64)
    })
}

/// Quantiles by linear interpolation between order statistics (Hyndman–Fan type 7, as R's
/// default and numpy's `linear`), for ascending probabilities `qs`, in `f32::total_cmp`'s
/// order, of the values whose [`order_key`]s are `keys` (smallest `lo`, largest `hi`). Finds
/// only the order statistics needed, by radix selection ([`select_keys`]).
fn quantiles<const N: usize>(keys: &[u32], lo: u32, hi: u32, qs: [f64; N]) -> [f64; N] {
    if keys.is_empty() {
        return [f64::NAN; N];
    }
    let positions = quantile_positions(keys.len(), qs);
    // The ranks asked for, ascending and once each (in a tiny sample, one probability's upper
    // rank can be the next one's lower rank).
    let mut ranks: Vec<usize> = positions.iter().flat_map(|&(lo, hi, _)| [lo, hi]).collect();
    ranks.sort_unstable();
    ranks.dedup();
    let mut found = vec![0u32; ranks.len()];
    select_keys(keys, lo, hi, &ranks, &mut found);
    let at = |rank: usize| f64::from(from_order_key(found[ranks.partition_point(|&r| r < rank)]));
    positions.map(|(lo, hi, frac)| {
        let (x, y) = (at(lo), at(hi));
        x + (y - x) * frac
    })
}

/// The draws' figures of one summary cell: mean and the [`QUANTILES`].
#[derive(Debug, Clone, Copy)]
struct CellFigures {
    mean: f64,
    quantiles: [f64; 5],
}

/// Cells of the summary that have a row: flows have no value in the observed base year (no row
/// rather than a false zero).
fn has_row(areas: usize, c: usize) -> bool {
    !(c < (areas + 1) * METRICS && Metric::ALL[c % METRICS].is_flow())
}

/// The draws' figures of every cell with a row, in cell order, with the cell's index.
fn summary_cells(
    m: &Assembled,
    metrics: &[f32],
    draws: usize,
    width: usize,
) -> Vec<(usize, CellFigures)> {
    let areas = m.areas();
    // Each task gathers a block of adjacent cells over all draws into columns, a batch at a
    // time: in a batch the block's cells lie in one run, each cell's draws side by side (see
    // [`Draws::metrics`]). The keys go to the columns, and each cell's sum (in draw order, so
    // the mean does not depend on the thread count), smallest and largest key are updated.
    const BLOCK: usize = 128;
    // Values per 64-byte cache line.
    const LINE: usize = 16;
    let batch_len = width * sim::LANES;
    (0..width.div_ceil(BLOCK))
        .into_par_iter()
        .map_init(Vec::new, |columns, b| {
            let cells = b * BLOCK..((b + 1) * BLOCK).min(width);
            let w = cells.len();
            columns.resize(w * draws, 0u32);
            let mut sum = vec![0.0f64; w];
            let mut lo = vec![u32::MAX; w];
            let mut hi = vec![0u32; w];
            for (i, batch) in metrics[..draws * width].chunks(batch_len).enumerate() {
                let (d0, n) = (i * sim::LANES, batch.len() / width);
                let run = &batch[cells.start * n..cells.end * n];
                // The block's run of the next batch, a line at a time: runs lie far apart,
                // and this batch's work hides the wait.
                if let Some(ahead) = metrics.get((i + 1) * batch_len + cells.start * n..) {
                    for line in ahead[..(w * n).min(ahead.len())].iter().step_by(LINE) {
                        hint::prefetch(line);
                    }
                }
                // Cell by cell, its run of the batch's draws; the cells' sums are independent
                // chains (the core overlaps them), each in draw order. The running figures are
                // locals through the run: updated in place, each step of a chain would wait
                // for the last one's store to reach its load.
                for ((((column, values), s), lo), hi) in columns
                    .chunks_exact_mut(draws)
                    .zip(run.chunks_exact(n))
                    .zip(&mut sum)
                    .zip(&mut lo)
                    .zip(&mut hi)
                {
                    let (mut total, mut least, mut most) = (*s, *lo, *hi);
                    for (k, &x) in column[d0..d0 + n].iter_mut().zip(values) {
                        total += f64::from(x);
                        let key = order_key(x);
                        *k = key;
                        least = least.min(key);
                        most = most.max(key);
                    }
                    (*s, *lo, *hi) = (total, least, most);
                }
            }
            let block_start = cells.start;
            cells
                .filter(|&c| has_row(areas, c))
                .map(|c| {
                    let j = c - block_start;
                    let keys = &columns[j * draws..(j + 1) * draws];
                    let figures = CellFigures {
                        mean: if draws == 0 {
                            f64::NAN
                        } else {
                            sum[j] / draws as f64
                        },
                        quantiles: quantiles(keys, lo[j], hi[j], QUANTILES),
                    };
                    (c, figures)
                })
                .collect::<Vec<_>>()
        })
        .flatten_iter()
        .collect()
}

/// The summary row of cell `c`.
fn summary_row(m: &Assembled, c: usize, central: f64, figures: CellFigures) -> SummaryRow {
    let areas = m.areas();
    let (t, a, metric) = (
        c / ((areas + 1) * METRICS),
        c / METRICS % (areas + 1),
        Metric::ALL[c % METRICS],
    );
    debug_assert_eq!(cell(areas, t, a, metric), c);
    let [p5, p10, p50, p90, p95] = figures.quantiles;
    SummaryRow {
        year: m.year(t),
        area_id: if a == areas {
            "ALL".to_string()
        } else {
            m.area_ids[a].clone()
        },
        metric,
        central,
        mean: figures.mean,
        p5,
        p10,
        p50,
        p90,
        p95,
    }
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

/// P(target met) per target and year: for the city in every year, and for each area (the
/// target's shares applied to the area's own classes: what an inspection of the area asks) in
/// the target's own year.
///
/// One pass over the draws counts every (target, year, area) at once: a draw's row is read
/// once, where a pass per count would fetch one line of it from each row per count. Counts are
/// integers, so the draws' chunks add up to the same whatever the thread count.
fn target_rows(
    m: &Assembled,
    targets: &[Target],
    metrics: &[f32],
    draws: usize,
    width: usize,
) -> (Vec<TargetRow>, Vec<(String, Vec<TargetRow>)>) {
    let areas = m.areas();
    // What to count: (target, year index, area), the city's first.
    let mut checks: Vec<(usize, usize, usize)> = Vec::new();
    for (k, _) in targets.iter().enumerate() {
        for t in 0..m.years {
            checks.push((k, t, areas));
        }
    }
    let city = checks.len();
    for a in 0..areas {
        for (k, target) in targets.iter().enumerate() {
            if target.year >= m.base_year && target.year <= m.year(m.years - 1) {
                checks.push((k, usize::from(target.year.0 - m.base_year.0), a));
            }
        }
    }
    let offsets: Vec<usize> = checks
        .iter()
        .map(|&(_, t, a)| cell(areas, t, a, Metric::Classes))
        .collect();
    // Whole batches of draws per chunk (see [`Draws::metrics`]).
    const CHUNK: usize = 32 * sim::LANES;
    let met = metrics[..draws * width]
        .par_chunks(CHUNK * width.max(1))
        .map(|chunk| {
            let mut met = vec![0usize; checks.len()];
            for batch in chunk.chunks(sim::LANES * width) {
                let n = batch.len() / width;
                for l in 0..n {
                    for ((met, &(k, _, _)), &o) in met.iter_mut().zip(&checks).zip(&offsets) {
                        let v = |metric: Metric| {
                            batch[(o + metric.index() - Metric::Classes.index()) * n + l]
                        };
                        *met += usize::from(meets(
                            &targets[k],
                            v(Metric::Classes),
                            v(Metric::OversizedClasses),
                            v(Metric::SuperOversizedClasses),
                        ));
                    }
                }
            }
            met
        })
        .reduce(
            || vec![0usize; checks.len()],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    let row = |i: usize| {
        let (k, t, _) = checks[i];
        TargetRow {
            target: targets[k].id.clone(),
            year: m.year(t),
            probability: if draws == 0 {
                f64::NAN
            } else {
                met[i] as f64 / draws as f64
            },
        }
    };
    let city_rows = (0..city).map(row).collect();
    let mut area_rows: Vec<(String, Vec<TargetRow>)> = m
        .area_ids
        .iter()
        .map(|id| (id.clone(), Vec::new()))
        .collect();
    for i in city..checks.len() {
        area_rows[checks[i].2].1.push(row(i));
    }
    (city_rows, area_rows)
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

    /// Draws laid out batch by batch read back as the rows they were made from, and draws
    /// appended (the batches of neither aligned with the whole's) are laid out as if made at
    /// once.
    #[test]
    fn draws_are_laid_out_by_batch_and_append_as_one() {
        let (width, stride) = (3, 1);
        let rows = |first: usize, count: usize| -> Vec<f32> {
            (first * width..(first + count) * width)
                .map(|v| v as f32)
                .collect()
        };
        let l = sim::LANES;
        let count = 2 * l + 5;
        let all = Draws::from_rows(0, count, width, stride, &rows(0, count), vec![0; count]);
        assert_eq!(all.rows().collect::<Vec<_>>(), rows(0, count));
        // Draw l + 1 (second batch, lane 1) in cell 2: the batch starts at l × width, cell 2's
        // run at 2 × l within it.
        assert_eq!(all.index(l + 1, 2), l * width + 2 * l + 1);
        assert_eq!(
            all.metrics[all.index(l + 1, 2)],
            ((l + 1) * width + 2) as f32
        );
        // The last batch holds 5 draws: its cells' runs are 5 long.
        assert_eq!(all.index(2 * l + 1, 1), 2 * l * width + 5 + 1);
        let mut parts = Draws::from_rows(0, 5, width, stride, &rows(0, 5), vec![0; 5]);
        let n = count - 5;
        let rest = Draws::from_rows(5, n, width, stride, &rows(5, n), vec![0; n]);
        parts.append(rest).expect("draws 5.. follow draws ..5");
        assert_eq!(parts, all);
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
        /// Order keys sort as `f32::total_cmp` does and give back the value, bit for bit.
        #[test]
        fn order_keys_follow_total_cmp(a in any::<u32>(), b in any::<u32>()) {
            let (x, y) = (f32::from_bits(a), f32::from_bits(b));
            prop_assert_eq!(order_key(x).cmp(&order_key(y)), x.total_cmp(&y));
            prop_assert_eq!(from_order_key(order_key(x)).to_bits(), a);
        }

        /// Selection finds the same order statistics as a full sort, ties, constant cells and
        /// tiny samples (where several quantiles share an order statistic) included.
        #[test]
        fn selected_quantiles_are_the_sorted_ones(
            small in proptest::collection::vec(0u8..6, 0..40),
            wide in proptest::collection::vec(-1e6f32..1e6, 0..300),
        ) {
            let constant = vec![-0.0f32; small.len()];
            for v in [small.iter().map(|&x| f32::from(x)).collect::<Vec<_>>(), wide, constant] {
                let mut sorted = v.clone();
                sorted.sort_by(f32::total_cmp);
                let keys: Vec<u32> = v.iter().map(|&x| order_key(x)).collect();
                let (lo, hi) = (keys.iter().copied().min().unwrap_or(0), keys.iter().copied().max().unwrap_or(0));
                let got = quantiles(&keys, lo, hi, QUANTILES);
                for (g, q) in got.iter().zip(QUANTILES) {
                    prop_assert_eq!(g.to_bits(), sorted_quantile(&sorted, q).to_bits(), "q = {}", q);
                }
            }
        }
    }
}
