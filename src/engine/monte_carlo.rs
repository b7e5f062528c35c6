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
///
/// A value is held as its difference from its cell's reference (the central case's value, for
/// a run) in 16 bits, where that difference gives back the value exactly, bit for bit: the
/// metrics are counts of pupils, classes and projects, which a draw moves by less than 32,768
/// from the central case in nearly every cell. The others (a larger move, a fraction) are kept
/// whole beside them ([`sim::encode`]). Half the memory of the values themselves, which the
/// first touch of a page makes costly on some machines (see the README's speed section), with
/// nothing rounded: every figure is computed from the same `f32` values as before.
#[derive(Debug, Clone, PartialEq)]
pub struct Draws {
    /// The first draw's index: its RNG stream.
    pub first: u64,
    pub count: usize,
    pub width: usize,
    pub stride: usize,
    /// Per cell, the value its draws are held as differences from.
    reference: Vec<f32>,
    /// `count × width` differences from the cell's reference, in batches of [`sim::LANES`]
    /// draws from the first (the last batch the draws left), and within a batch cell by cell,
    /// the batch's draws side by side: a batch's cell is one run, as the simulation writes it,
    /// and the summary reads a block of cells' draws a batch at a time, in order; stored draw
    /// by draw, each of a cell's values would lie a whole row from the last. Shard files hold
    /// the values row by row ([`Draws::rows`], [`Draws::from_rows`]).
    deltas: Vec<i16>,
    /// The values that their difference does not give back exactly, batch by batch, each with
    /// its index in its batch's differences, ascending: 8 bytes each, a few per thousand values
    /// at most in the data sets measured (see the README's speed section).
    escapes: Vec<(u32, f32)>,
    /// Where each batch's escapes start in `escapes`, and (last) their number.
    escape_start: Vec<usize>,
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
            reference: vec![0.0; width],
            deltas: Vec::new(),
            escapes: Vec::new(),
            escape_start: vec![0],
            opens: Vec::new(),
        }
    }

    /// Values per draw of the metrics and of the opening years, for `m`.
    pub fn shape(m: &Assembled) -> (usize, usize) {
        (m.years * (m.areas() + 1) * METRICS, m.projects.len().max(1))
    }

    /// Draws `first..first + count` from their metrics row by row (`count × width` values, draw
    /// by draw) and their opening years; held as differences from the first draw's values.
    /// Reads the rows as they come: no copy of them all is made.
    pub fn from_rows(
        first: u64,
        count: usize,
        width: usize,
        stride: usize,
        rows: impl IntoIterator<Item = f32>,
        opens: Vec<u16>,
    ) -> Draws {
        let mut rows = rows.into_iter();
        let mut d = Draws {
            first,
            count,
            width,
            stride,
            reference: vec![0.0; width],
            deltas: vec![0; count * width],
            escapes: Vec::new(),
            escape_start: vec![0],
            opens,
        };
        let mut batch = vec![[0.0f32; sim::LANES]; width];
        for b in 0..d.batches() {
            let (at, n) = d.batch(b);
            // The batch's rows, cell by cell.
            for l in 0..n {
                for cell in &mut batch {
                    cell[l] = rows.next().expect("one row per draw");
                }
            }
            if b == 0 {
                d.reference = batch.iter().map(|cell| cell[0]).collect();
            }
            let to = sim::Deltas {
                reference: &d.reference,
                out: &mut d.deltas[at..at + n * width],
                escapes: &mut d.escapes,
            };
            sim::encode(&batch, n, to);
            d.escape_start.push(d.escapes.len());
        }
        assert!(rows.next().is_none(), "one row per draw");
        d
    }

    /// The draws of batch `b` (from the first draw): where its values start in `deltas`, and
    /// how many draws it holds.
    fn batch(&self, b: usize) -> (usize, usize) {
        let d0 = b * sim::LANES;
        (d0 * self.width, sim::LANES.min(self.count - d0))
    }

    /// Batch `b`'s escapes: (index in the batch's differences, value).
    fn escapes_of(&self, b: usize) -> &[(u32, f32)] {
        &self.escapes[self.escape_start[b]..self.escape_start[b + 1]]
    }

    /// The values of batch `b`'s cells `cells` into `out`: cell by cell, the batch's draws side
    /// by side. Returns the batch's number of draws.
    pub fn batch_values(
        &self,
        b: usize,
        cells: std::ops::Range<usize>,
        out: &mut Vec<f32>,
    ) -> usize {
        let (start, n) = self.batch(b);
        // The cells' run, within the batch's differences.
        let (from, to) = (cells.start * n, cells.end * n);
        out.clear();
        for (run, &r) in self.deltas[start + from..start + to]
            .chunks_exact(n)
            .zip(&self.reference[cells])
        {
            out.extend(run.iter().map(|&q| r + f32::from(q)));
        }
        let (from, to) = (from as u32, to as u32);
        let escapes = self.escapes_of(b);
        let first = escapes.partition_point(|&(i, _)| i < from);
        for &(i, x) in escapes[first..].iter().take_while(|&&(i, _)| i < to) {
            out[(i - from) as usize] = x;
        }
        n
    }

    /// Batches of draws (each [`sim::LANES`] but the last).
    pub fn batches(&self) -> usize {
        self.count.div_ceil(sim::LANES)
    }

    /// Per cell, whether its reference is a whole number below 2^24 − 2^15 in size and every
    /// draw's value is held as a difference: its values are then whole numbers below 2^24,
    /// each exactly reference + difference.
    fn whole_cells(&self) -> Vec<bool> {
        const LIMIT: f32 = (1 << 24) as f32 - 32_768.0;
        let mut whole: Vec<bool> = self
            .reference
            .iter()
            .map(|r| r.fract() == 0.0 && r.abs() <= LIMIT)
            .collect();
        for b in 0..self.batches() {
            let n = self.batch(b).1;
            for &(i, _) in self.escapes_of(b) {
                whole[i as usize / n] = false;
            }
        }
        whole
    }

    /// Draw `d`'s value of cell `c` (`d` counted from `first`).
    #[cfg(test)]
    fn value(&self, d: usize, c: usize) -> f32 {
        let mut v = Vec::with_capacity(sim::LANES);
        self.batch_values(d / sim::LANES, c..c + 1, &mut v);
        v[d % sim::LANES]
    }

    /// The metrics row by row: draw by draw, each draw's cells in order.
    pub fn rows(&self) -> impl Iterator<Item = f32> + '_ {
        let (mut values, w) = (Vec::new(), self.width);
        (0..self.batches()).flat_map(move |b| {
            let n = self.batch_values(b, 0..w, &mut values);
            (0..n * w)
                .map(|i| values[i % w * n + i / w])
                .collect::<Vec<_>>()
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
        let mut opens = std::mem::take(&mut self.opens);
        opens.extend_from_slice(&next.opens);
        let count = self.count + next.count;
        let rows = self.rows().chain(next.rows());
        *self = Draws::from_rows(self.first, count, self.width, self.stride, rows, opens);
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
    // The central case's values: the draws lie near them.
    sim::simulate(
        m,
        std::slice::from_ref(&central_inputs(m)),
        &mut Scratch::new(m),
        &mut d.reference,
        None,
    );
    d.deltas = vec![0; d.count * width];
    hint::huge_pages(&mut d.deltas);
    d.opens = vec![0u16; d.count * stride];
    let (reference, deltas, opens) = (&d.reference, &mut d.deltas, &mut d.opens);
    // Draws run in batches of `sim::LANES`, one draw per vector lane; a draw's figures do not
    // depend on its batch (see `sim`), so neither do the tables on the thread count.
    let mut work = || {
        deltas
            .par_chunks_mut(width * sim::LANES)
            .zip(opens.par_chunks_mut(stride * sim::LANES))
            .enumerate()
            .map_init(
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
                    let mut escapes = Vec::new();
                    let to = sim::Deltas {
                        reference,
                        out,
                        escapes: &mut escapes,
                    };
                    sim::simulate_deltas(m, batch, scratch, to);
                    for (d, open) in batch.iter().zip(open.chunks_mut(stride)) {
                        open[..d.open_t.len()].copy_from_slice(&d.open_t);
                    }
                    progress.advance(n as u64);
                    escapes
                },
            )
            .collect::<Vec<Vec<_>>>()
    };
    let by_batch = match rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    };
    for escapes in by_batch {
        d.escapes.extend_from_slice(&escapes);
        d.escape_start.push(d.escapes.len());
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
                || summary_cells(m.areas(), draws),
                || {
                    rayon::join(
                        || project_rows(m, &draws.opens, count),
                        || target_rows(m, targets, draws),
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
/// order, of the values whose keys are `keys` (smallest `lo`, largest `hi`); `value` gives a
/// key's value, and keys ascend with the values ([`order_key`] and its inverse, or the
/// differences of [`Draws`] in whole numbers). Finds only the order statistics needed, by
/// radix selection ([`select_keys`]).
fn quantiles<const N: usize>(
    keys: &[u32],
    lo: u32,
    hi: u32,
    qs: [f64; N],
    value: impl Fn(u32) -> f32,
) -> [f64; N] {
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
    let at = |rank: usize| f64::from(value(found[ranks.partition_point(|&r| r < rank)]));
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

/// The key of a difference from a cell's reference in [`Draws`]: its order, from 0.
#[inline(always)]
fn delta_key(q: i16) -> u32 {
    (i32::from(q) - i32::from(i16::MIN)) as u32
}

/// The difference of a [`delta_key`].
#[inline(always)]
fn key_delta(k: u32) -> i16 {
    (k as i32 + i32::from(i16::MIN)) as i16
}

/// The running figures of a block of cells over the draws, for [`summary_cells`]: per cell its
/// column of keys (all its draws), sum (in `f64`, or in integers for a whole cell, see
/// [`Draws::whole_cells`]), smallest and largest key.
#[derive(Debug, Default)]
struct Block {
    columns: Vec<u32>,
    sum: Vec<f64>,
    whole_sum: Vec<i64>,
    lo: Vec<u32>,
    hi: Vec<u32>,
    /// A batch's values of one cell (for the cells not whole).
    values: Vec<f32>,
}

impl Block {
    /// Starts the figures of `w` cells over `count` draws.
    fn start(&mut self, w: usize, count: usize) {
        self.columns.resize(w * count, 0);
        for (v, x) in [(&mut self.lo, u32::MAX), (&mut self.hi, 0)] {
            v.clear();
            v.resize(w, x);
        }
        self.sum.clear();
        self.sum.resize(w, 0.0);
        self.whole_sum.clear();
        self.whole_sum.resize(w, 0);
    }
}

/// Gathers the draws of `cells` into `block`, batch by batch (in a batch the cells lie in one
/// run, each cell's draws side by side: see [`Draws`]); in a copy compiled for AVX2 on CPUs
/// that have it (the same figures: integer sums and keys, and the `f64` sums in draw order).
fn gather(draws: &Draws, cells: std::ops::Range<usize>, whole: &[bool], block: &mut Block) {
    #[cfg(target_arch = "x86_64")]
    if sim::has_v3() {
        // SAFETY: the CPU has the features `gather_x86_64_v3` is compiled for (checked above).
        return unsafe { gather_x86_64_v3(draws, cells, whole, block) };
    }
    gather_with(draws, cells, whole, block);
}

/// [`gather`] compiled for AVX2, as [`sim::simulate`]'s copy.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
fn gather_x86_64_v3(
    draws: &Draws,
    cells: std::ops::Range<usize>,
    whole: &[bool],
    block: &mut Block,
) {
    gather_with(draws, cells, whole, block);
}

#[inline(always)]
fn gather_with(draws: &Draws, cells: std::ops::Range<usize>, whole: &[bool], block: &mut Block) {
    // Differences per 64-byte cache line.
    const LINE: usize = 32;
    let (count, width, w) = (draws.count, draws.width, cells.len());
    let Block {
        columns,
        sum,
        whole_sum,
        lo,
        hi,
        values,
    } = block;
    for i in 0..draws.batches() {
        let (start, n) = draws.batch(i);
        let d0 = i * sim::LANES;
        let run = &draws.deltas[start + cells.start * n..start + cells.end * n];
        // The block's run of the next batch, a line at a time: runs lie far apart, and this
        // batch's work hides the wait.
        let next = start + n * width + cells.start * sim::LANES;
        if let Some(ahead) = draws.deltas.get(next..next + w * sim::LANES) {
            for line in ahead.iter().step_by(LINE) {
                hint::prefetch(line);
            }
        }
        // Cell by cell, its run of the batch's draws. The running figures are locals through
        // the run: updated in place, each step of a chain would wait for the last one's store
        // to reach its load.
        for (j, (column, run)) in columns
            .chunks_exact_mut(count)
            .zip(run.chunks_exact(n))
            .enumerate()
        {
            let column = &mut column[d0..d0 + n];
            let (mut least, mut most) = (lo[j], hi[j]);
            if whole[cells.start + j] {
                let mut total = whole_sum[j];
                for (k, &q) in column.iter_mut().zip(run) {
                    let key = delta_key(q);
                    *k = key;
                    total += i64::from(q);
                    least = least.min(key);
                    most = most.max(key);
                }
                whole_sum[j] = total;
            } else {
                // In draw order, so that the mean does not depend on the batches.
                let c = cells.start + j;
                draws.batch_values(i, c..c + 1, values);
                let mut total = sum[j];
                for (k, &x) in column.iter_mut().zip(values.iter()) {
                    total += f64::from(x);
                    let key = order_key(x);
                    *k = key;
                    least = least.min(key);
                    most = most.max(key);
                }
                sum[j] = total;
            }
            (lo[j], hi[j]) = (least, most);
        }
    }
}

/// The draws' figures of every cell with a row (of `areas` areas' layout), in cell order, with
/// the cell's index.
///
/// A cell whose reference is a whole number below 2^24 − 2^15 and whose values are all held as
/// differences is summarised from the differences: its values are then the whole numbers
/// reference + difference, exactly (in `f32`, and their sum in `f64`, in any order: the sum of
/// whole numbers below 2^53), so the sum runs in integers and the differences, which ascend
/// with the values, are the keys of the selection. The figures are those of the values, bit for
/// bit. Any other cell (a value held whole) is summarised from its values.
fn summary_cells(areas: usize, draws: &Draws) -> Vec<(usize, CellFigures)> {
    let (count, width) = (draws.count, draws.width);
    let whole = draws.whole_cells();
    // Each task gathers a block of adjacent cells over all draws into columns.
    const BLOCK: usize = 128;
    (0..width.div_ceil(BLOCK))
        .into_par_iter()
        .map_init(Block::default, |block, b| {
            let cells = b * BLOCK..((b + 1) * BLOCK).min(width);
            block.start(cells.len(), count);
            gather(draws, cells.clone(), &whole, block);
            let block_start = cells.start;
            cells
                .filter(|&c| has_row(areas, c))
                .map(|c| {
                    let j = c - block_start;
                    let keys = &block.columns[j * count..(j + 1) * count];
                    let (lo, hi, r) = (block.lo[j], block.hi[j], draws.reference[c]);
                    let figures = if count == 0 {
                        CellFigures {
                            mean: f64::NAN,
                            quantiles: [f64::NAN; 5],
                        }
                    } else if whole[c] {
                        let total = count as i64 * r as i64 + block.whole_sum[j];
                        CellFigures {
                            mean: total as f64 / count as f64,
                            quantiles: quantiles(keys, lo, hi, QUANTILES, |k| {
                                r + f32::from(key_delta(k))
                            }),
                        }
                    } else {
                        CellFigures {
                            mean: block.sum[j] / count as f64,
                            quantiles: quantiles(keys, lo, hi, QUANTILES, from_order_key),
                        }
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
    all: &Draws,
) -> (Vec<TargetRow>, Vec<(String, Vec<TargetRow>)>) {
    let (areas, draws) = (m.areas(), all.count);
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
    // The three metrics a target reads lie side by side: one run per check and batch.
    let span = Metric::SuperOversizedClasses.index() - Metric::Classes.index() + 1;
    const CHUNK: usize = 32;
    let met = (0..all.batches().div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let mut met = vec![0usize; checks.len()];
            let mut values = Vec::with_capacity(span * sim::LANES);
            for b in chunk * CHUNK..((chunk + 1) * CHUNK).min(all.batches()) {
                for ((met, &(k, _, _)), &o) in met.iter_mut().zip(&checks).zip(&offsets) {
                    let n = all.batch_values(b, o..o + span, &mut values);
                    for l in 0..n {
                        let v = |metric: Metric| {
                            values[(metric.index() - Metric::Classes.index()) * n + l]
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

    /// The default data set assembled for `scenario`.
    fn hengyang(scenario: &crate::scenario::Scenario) -> Assembled {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/hengyang-2019");
        let ds = crate::io::dataset::load(&dir).expect("the default data set loads");
        super::super::assemble::assemble(&ds, scenario).expect("it assembles")
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
        let all = Draws::from_rows(0, count, width, stride, rows(0, count), vec![0; count]);
        assert_eq!(all.rows().collect::<Vec<_>>(), rows(0, count));
        assert_eq!(all.batches(), 3);
        // Draw l + 1 (second batch, lane 1) in cell 2.
        assert_eq!(all.value(l + 1, 2), ((l + 1) * width + 2) as f32);
        // The last batch holds 5 draws: its cells' runs are 5 long.
        let mut run = Vec::new();
        assert_eq!(all.batch_values(2, 1..3, &mut run), 5);
        let expected: Vec<f32> = (1..3)
            .flat_map(|c| (2 * l..2 * l + 5).map(move |d| (d * width + c) as f32))
            .collect();
        assert_eq!(run, expected);
        let mut parts = Draws::from_rows(0, 5, width, stride, rows(0, 5), vec![0; 5]);
        let n = count - 5;
        let rest = Draws::from_rows(5, n, width, stride, rows(5, n), vec![0; n]);
        parts.append(rest).expect("draws 5.. follow draws ..5");
        assert_eq!(parts, all);
    }

    proptest! {
        /// Values held as differences come back bit for bit, whatever they are: whole numbers
        /// near the reference, far from it, fractions, huge, negative zero, infinities, NaNs.
        #[test]
        fn draws_give_back_every_value_bit_for_bit(
            bits in proptest::collection::vec(any::<u32>(), 0..40),
            near in proptest::collection::vec(-40_000i32..40_000, 0..200),
            width in 1usize..7,
        ) {
            let mut values: Vec<f32> = near.iter().map(|&x| 500_000.0 + x as f32).collect();
            values.extend(bits.iter().map(|&b| f32::from_bits(b)));
            values.extend([-0.0, 0.0, 0.5, f32::INFINITY, f32::NAN, 1e30, -1e-30]);
            let count = values.len() / width;
            let rows = &values[..count * width];
            let draws = Draws::from_rows(4, count, width, 2, rows.iter().copied(), vec![1; count * 2]);
            let back: Vec<u32> = draws.rows().map(f32::to_bits).collect();
            let want: Vec<u32> = rows.iter().map(|x| x.to_bits()).collect();
            prop_assert_eq!(back, want);
            for d in 0..count {
                for c in 0..width {
                    prop_assert_eq!(draws.value(d, c).to_bits(), rows[d * width + c].to_bits());
                }
            }
        }
    }

    /// The draws of the default data set lie within 16 bits of the central case in nearly
    /// every cell: the memory the draws take is the differences', not the values'.
    #[test]
    fn draws_of_the_default_data_set_are_held_in_16_bits() {
        let mut scenario = crate::synth::no_build_scenario(2025);
        scenario.pace = crate::scenario::Pace::CurrentPace;
        let m = hengyang(&scenario);
        let opts = RunOptions {
            draws: 100,
            seed: 5,
            threads: 2,
        };
        let draws = simulate(&m, &opts, 0, &Silent);
        assert_eq!(draws.deltas.len(), 100 * draws.width);
        assert!(
            draws.escapes.len() * 1000 < draws.deltas.len(),
            "{} of {} values held whole",
            draws.escapes.len(),
            draws.deltas.len()
        );
        // Held as differences or whole, every value is the one a batch gives.
        let mut s = Scratch::new(&m);
        let mut inputs = vec![central_inputs(&m); 3];
        sim::sample_batch(&m, 5, 40, &mut inputs);
        let mut out = vec![0.0f32; 3 * draws.width];
        sim::simulate(&m, &inputs, &mut s, &mut out, None);
        for (l, d) in (40..43).enumerate() {
            for c in 0..draws.width {
                assert_eq!(draws.value(d, c).to_bits(), out[c * 3 + l].to_bits());
            }
        }
    }

    /// The one-pass counts give what counting each (project, year) over the draws gives.
    #[test]
    fn project_rows_count_the_draws_open_by_each_year() {
        let mut scenario = crate::synth::no_build_scenario(2025);
        scenario.cancel = Default::default();
        scenario.pace = crate::scenario::Pace::CurrentPace;
        let m = hengyang(&scenario);
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
        let m = hengyang(&scenario);
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
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Every cell's mean and quantiles are those of its values computed the textbook way
        /// (a sum in draw order, a full sort), bit for bit, whether the cell is summarised from
        /// its differences (whole numbers near its reference) or from its values (a move of
        /// 32,768 or more, a fraction, a large or negative reference).
        #[test]
        fn summaries_are_the_textbook_figures_of_the_values(
            seed in any::<u64>(),
            count in 1usize..40,
        ) {
            let (areas, years) = (1, 2);
            let width = years * (areas + 1) * METRICS;
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let kinds: Vec<u32> = (0..width).map(|_| rng.random_range(0..5)).collect();
            let bases: Vec<f32> = (0..width)
                .map(|_| rng.random_range(-20_000_000i32..20_000_000) as f32)
                .collect();
            let rows: Vec<f32> = (0..count * width)
                .map(|i| {
                    let c = i % width;
                    let near = rng.random_range(-30_000i32..30_000) as f32;
                    match kinds[c] {
                        0 => 1000.0 + near,
                        1 => bases[c] + near,
                        2 => bases[c] + 50.0 * near,
                        3 => 1000.0 + near / 8.0,
                        _ => 7.0,
                    }
                })
                .collect();
            let draws = Draws::from_rows(0, count, width, 1, rows.iter().copied(), vec![0; count]);
            let figures = summary_cells(areas, &draws);
            prop_assert_eq!(figures.len(), (0..width).filter(|&c| has_row(areas, c)).count());
            for (c, f) in figures {
                let mut column: Vec<f32> = (0..count).map(|d| rows[d * width + c]).collect();
                let sum = column.iter().fold(0.0f64, |s, &x| s + f64::from(x));
                prop_assert_eq!(f.mean.to_bits(), (sum / count as f64).to_bits(), "cell {}", c);
                column.sort_by(f32::total_cmp);
                for (g, q) in f.quantiles.iter().zip(QUANTILES) {
                    prop_assert_eq!(g.to_bits(), sorted_quantile(&column, q).to_bits(), "cell {} q {}", c, q);
                }
            }
        }

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
                let got = quantiles(&keys, lo, hi, QUANTILES, from_order_key);
                for (g, q) in got.iter().zip(QUANTILES) {
                    prop_assert_eq!(g.to_bits(), sorted_quantile(&sorted, q).to_bits(), "q = {}", q);
                }
            }
        }
    }
}
