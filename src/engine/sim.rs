//! One realisation of the model (SPEC §4 steps 1–6) for given sampled inputs.
//!
//! The hot loop of the Monte Carlo. It runs [`LANES`] draws at once, a batch: every value of
//! the state (a school's pupils in a grade, its classrooms, its share of entrants, a group's
//! leavers) is a vector with one lane per draw, so every step, including the school-by-school
//! running totals that share whole pupils among schools and the crowded schools' D'Hondt, runs
//! as vector instructions across draws, with no lane wasted on padding. Buffers are owned by
//! the caller ([`Scratch`]) and reused across batches: no allocation per draw. A year runs as
//! phases ([`Phase`]), each over every group of schools (one area and stage); the criterion
//! benches time them one by one. It writes per-area metrics for each year and draw; the central
//! case can also ask for every school's classes. It must not touch files, the terminal or
//! anything but its arguments.
//!
//! Each lane is bit-identical to the draw run alone: a lane sees the same IEEE operations in the
//! same order as a school-by-school loop over that draw (a step that one draw skips adds an exact
//! 0 in its lane), every count is a whole number, so sums of counts are exact in any order
//! (below 2^24, which [`check_range`] guarantees), and the only order-dependent arithmetic, the
//! running totals, runs school by school in the original order.

use thiserror::Error;

use super::assemble::Assembled;
use super::classes::{ClassRule, F32_EXACT, MAX_GRADES, Whole, form_classes_lanes, max_class_size};
use super::monte_carlo;
use super::results::Metric;
use super::sampling::Quantile;
use crate::model::{Driver, SchoolYear};

#[cfg(target_arch = "x86_64")]
mod avx2;

/// Metrics per (year, area or city, metric) cell, in this layout.
pub const METRICS: usize = Metric::ALL.len();

/// Index of a metric in a draw's output: `((t * (areas + 1)) + area) * METRICS + metric`,
/// area `areas` being the city total.
#[inline(always)]
pub fn cell(areas: usize, t: usize, area: usize, metric: Metric) -> usize {
    (t * (areas + 1) + area) * METRICS + metric.index()
}

/// What one draw samples: a value per driver sampler and an opening year per project.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawInputs {
    /// Value of each sampler in `Assembled::quantiles`.
    pub values: Vec<f64>,
    /// First year index (1 = the year after the base year) each project's classrooms are usable;
    /// `u16::MAX` when after the horizon.
    pub open_t: Vec<u16>,
}

/// Most pupils one school can have in one grade: 2^20 (a million), beyond any real school, and
/// small enough that a group's sums over [`MAX_GRADES`] grades stay exact in f32 (< 2^24).
pub const MAX_GRADE_PUPILS: f64 = (1u32 << 20) as f64;

/// Draws per batch: the lanes of every value of the state.
pub const LANES: usize = 8;

/// One `f32` per draw of a batch.
pub type V = [f32; LANES];

/// One `f64` per draw of a batch.
type D = [f64; LANES];

/// Whole pupils nearest to `x` ≥ 0 (half up). Every count of the simulation is whole, so that
/// every flow is a number of children and the accounts add up exactly.
#[inline(always)]
fn whole(x: f32) -> f32 {
    (x + 0.5).floor()
}

/// Calls `step::<G>(args)` with group `gi`'s grade count as the constant `G`: 3 and 6 (the
/// junior and primary stages) get their own copies, over fixed-size arrays that LLVM unrolls and
/// keeps in registers; any other count runs in the catch-all copy of up to [`MAX_GRADES`].
macro_rules! by_grades {
    ($m:expr, $gi:expr, $step:ident $(::<$($extra:tt),+>)? ($($arg:expr),*)) => {
        match $m.stages[$m.groups[$gi].stage].grades {
            3 => $step::<3 $($(, $extra)+)?>($($arg),*),
            6 => $step::<6 $($(, $extra)+)?>($($arg),*),
            _ => $step::<MAX_GRADES $($(, $extra)+)?>($($arg),*),
        }
    };
}

/// The lesser of `a` and `b`, as a select the compiler turns into one vector instruction (for
/// the counts here, never NaN and never −0, the same value as `f32::min`).
#[inline(always)]
fn lesser(a: f32, b: f32) -> f32 {
    if a < b { a } else { b }
}

/// 1 / `size` rounded toward zero in f32, for [`ceil_div`]: the nearest f32, or the one below
/// it when the nearest is above 1 / size (checked exactly in f64: a 24-bit mantissa times a
/// size below 2^24 is exact there).
fn reciprocal_below(size: u32) -> f32 {
    let nearest = 1.0 / size as f32;
    if f64::from(nearest) * f64::from(size) > 1.0 {
        f32::from_bits(nearest.to_bits() - 1)
    } else {
        nearest
    }
}

/// ⌈p / size⌉ for whole `p` < 2^22 in each lane, without a division (`per_size` =
/// [`reciprocal_below`]`(size)`): p · per_size is at most p / size, and rounding is monotone,
/// so a whole quotient n never comes out above n; it is within a relative 2^-22 below it, so a
/// quotient that is not whole (at least 1 / size above the whole number below it, more than
/// p · 2^-22 / size) never comes out at or below that whole number, and a whole one never
/// at or below n − 1. Equal to `(p / size).ceil()` (a test checks both on every p and size the
/// simulation can meet up to 2^20 pupils).
#[inline(always)]
fn ceil_div(p: V, per_size: f32) -> V {
    let mut q = [0.0f32; LANES];
    for l in 0..LANES {
        q[l] = (p[l] * per_size).ceil();
    }
    q
}

/// A data set and scenario whose counts could leave the range the simulation counts exactly.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RangeError {
    #[error(
        "area {area}, {stage} grade {grade}: up to {bound:.0} pupils in {year} under the high values of the assumptions (births, entry ratio, progression, inflows), more than the {max} pupils per school and grade the simulation counts exactly (2^20): check growth.csv and the scenario's drivers for a value far too large"
    )]
    Pupils {
        area: String,
        stage: String,
        grade: u8,
        year: SchoolYear,
        /// The upper bound reached.
        bound: f64,
        max: u32,
    },
    #[error(
        "area {area}, {stage}: {places} places with every project built, more than the 16777216 (2^24) one area and stage can have in the simulation's exact range: check the classrooms of schools.csv and projects.csv"
    )]
    Places {
        area: String,
        stage: String,
        places: f64,
    },
}

/// Checks, before any draw, that no school and grade can exceed [`MAX_GRADE_PUPILS`] pupils in
/// any draw: an upper bound of each group's pupils per grade and year, from the base year's
/// counts and the largest value every sampler can take (births, entry ratio, progression factor,
/// inflows and their trends; rounding up by one pupil per school each year). A group's grade
/// total bounds each of its schools' grades, whatever moves inside the group. Within the range
/// every count and every group sum of the simulation is exact; beyond it the run is refused
/// rather than counted wrong.
pub fn check_range(m: &Assembled) -> Result<(), RangeError> {
    let areas = m.areas();
    let high = |d: Driver, a: usize, t: usize| -> f64 {
        match &m.quantiles[m.source(d, a, t)] {
            Quantile::Fixed(v) => v.abs(),
            Quantile::Triangular(tp) => tp.low.abs().max(tp.high.abs()).max(tp.central.abs()),
            Quantile::Pert { table } => table.iter().fold(0.0f64, |x, v| x.max(v.abs())),
        }
    };
    // Bounds per group and grade for the year being built, from the previous year's.
    let mut bound: Vec<Vec<f64>> = m
        .groups
        .iter()
        .map(|g| {
            let grades = m.stages[g.stage].grades;
            let mut b = vec![0.0f64; grades];
            for i in g.start..g.end {
                let o = m.school_offset[i];
                for (k, x) in b.iter_mut().enumerate() {
                    *x += f64::from(m.base_pupils[o + k]);
                }
            }
            b
        })
        .collect();
    let below = below_groups(m);
    let check = |gi: usize, b: &[f64], t: usize| -> Result<(), RangeError> {
        let g = &m.groups[gi];
        let stage = &m.stages[g.stage];
        match b.iter().position(|x| x.is_nan() || *x > MAX_GRADE_PUPILS) {
            None => Ok(()),
            Some(k) => Err(RangeError::Pupils {
                area: m.area_ids[g.area].clone(),
                stage: stage.name.clone(),
                grade: stage.first_grade + k as u8,
                year: m.year(t),
                bound: b[k],
                max: 1 << 20,
            }),
        }
    };
    for (gi, b) in bound.iter().enumerate() {
        check(gi, b, 0)?;
    }
    // Places of each group with every project built.
    let mut rooms: Vec<f64> = m
        .groups
        .iter()
        .map(|g| (g.start..g.end).map(|i| f64::from(m.school_rooms[i])).sum())
        .collect();
    for p in &m.projects {
        rooms[p.group] += f64::from(p.classrooms);
    }
    for (g, r) in m.groups.iter().zip(rooms) {
        let stage = &m.stages[g.stage];
        let places = r * f64::from(stage.rule.size);
        if places.is_nan() || places > f64::from(1u32 << 24) {
            return Err(RangeError::Places {
                area: m.area_ids[g.area].clone(),
                stage: stage.name.clone(),
                places,
            });
        }
    }
    let mut births = vec![0.0f64; areas];
    let (mut migrant_trend, mut returning_trend) = (vec![1.0f64; areas], vec![1.0f64; areas]);
    for t in 1..m.years {
        for a in 0..areas {
            let y = m.base_year.0 + t as u16 - m.entry_age;
            let last = m.births_last[a];
            births[a] = if y <= last {
                m.births[a * m.births_years + usize::from(y - m.births_first_year)].abs()
            } else {
                let mut b =
                    m.births[a * m.births_years + usize::from(last - m.births_first_year)].abs();
                for year in last + 1..=y {
                    let ty = usize::from(year.saturating_sub(m.base_year.0)).min(m.years - 1);
                    b *= 1.0 + high(Driver::BirthChange, a, ty);
                }
                b
            };
            if t > 1 {
                migrant_trend[a] *= 1.0 + high(Driver::MigrantChange, a, t);
                returning_trend[a] *= 1.0 + high(Driver::ReturningChange, a, t);
            }
        }
        let previous = bound.clone();
        for (gi, g) in m.groups.iter().enumerate() {
            let stage = &m.stages[g.stage];
            let a = g.area;
            let g0 = usize::from(stage.first_grade - m.min_grade);
            let pf = high(Driver::ProgressionFactor, a, t);
            // Rounding: up to one pupil per school per step, and a relative 2^-22 for the
            // products in f32.
            let slack = (g.end - g.start) as f64 + 1.0;
            let up = |x: f64| x * (1.0 + 1e-6) + slack;
            let ratio = |k: usize| f64::from(m.ratios[a * m.transitions + g0 + k - 1]).abs() * pf;
            let b = &mut bound[gi];
            b[0] = if g0 == 0 {
                up(births[a] * high(Driver::EntryRatio, a, t))
            } else {
                below[gi].map_or(0.0, |lower| {
                    let top = previous[lower].last().copied().unwrap_or(0.0);
                    up(top * ratio(0))
                })
            };
            for k in 1..b.len() {
                b[k] = up(previous[gi][k - 1] * ratio(k));
            }
            let migrants = high(Driver::MigrantInflow, a, t) * migrant_trend[a];
            let returning = high(Driver::ReturningInflow, a, t) * returning_trend[a];
            for (k, x) in b.iter_mut().enumerate() {
                *x += up(migrants * f64::from(m.migrant_profile[g0 + k]).abs())
                    + up(returning * f64::from(m.returning_profile[g0 + k]).abs());
            }
            check(gi, b, t)?;
        }
    }
    Ok(())
}

/// For each group, the group of the stage below in its area, whose leavers it takes in.
pub fn below_groups(m: &Assembled) -> Vec<Option<usize>> {
    m.groups
        .iter()
        .map(|g| {
            m.groups
                .iter()
                .position(|h| h.area == g.area && g.stage > 0 && h.stage + 1 == g.stage)
        })
        .collect()
}

/// `last_open` / `last_town` of a group without such a school.
const NONE: u32 = u32::MAX;

/// The state of a group's schools that a year changes: pupils, classrooms, and the shares and
/// weights that follow from which schools are open.
#[derive(Debug, Clone)]
struct State {
    /// Pupils per school and grade (`school_offset[i] + k`).
    pupils: Vec<V>,
    /// Classrooms per school (whole numbers).
    rooms: Vec<V>,
    /// Per school: its share of its group's entrants and of its town-centre inflows (0 for a
    /// school not open, or not town-centre).
    entry_share: Vec<V>,
    inflow_share: Vec<V>,
    /// Per group: the last open school and the last open town-centre school, which take the
    /// rounding of the shares; [`NONE`] when none.
    last_open: Vec<[u32; LANES]>,
    last_town: Vec<[u32; LANES]>,
    /// Per group: Σ entry weight and Σ inflow weight of its open schools.
    entry_weight: Vec<V>,
    inflow_weight: Vec<V>,
}

impl State {
    /// Copies `other` into `self` (same shape), without allocating.
    fn copy_from(&mut self, other: &State) {
        self.pupils.copy_from_slice(&other.pupils);
        self.rooms.copy_from_slice(&other.rooms);
        self.entry_share.copy_from_slice(&other.entry_share);
        self.inflow_share.copy_from_slice(&other.inflow_share);
        self.last_open.copy_from_slice(&other.last_open);
        self.last_town.copy_from_slice(&other.last_town);
        self.entry_weight.copy_from_slice(&other.entry_weight);
        self.inflow_weight.copy_from_slice(&other.inflow_weight);
    }
}

/// Per-thread buffers reused across batches. Schools' pupils are kept school by school
/// (`Assembled::school_offset`), each cell a vector of [`LANES`] draws.
#[derive(Debug, Clone)]
pub struct Scratch {
    /// Per group: whether its leavers enter a later stage of its area (otherwise they leave),
    /// and the group of the stage below whose leavers it takes in.
    fed: Vec<bool>,
    below: Vec<Option<usize>>,
    /// The groups by stage, so that a group comes after the group whose leavers it takes in.
    order: Vec<usize>,
    /// Per school: 1 for a village school (not town-centre), 0 otherwise.
    village: Vec<f32>,
    /// The schools of a group crowded in some draw of the batch (room for every school).
    crowded: Vec<u32>,
    /// Pupils of each school, for rebalancing.
    totals: Vec<V>,
    /// The state of the schools now, and in the observed base year (what no draw changes).
    now: State,
    base: State,
    /// Per group: whole pupils who left its top grade this year.
    leaving: Vec<V>,
    /// Per group: a school opened this year in some draw, so its shares must be recomputed.
    reweigh: Vec<bool>,
    /// The batch's inputs, lane by lane: each sampler's value, each project's opening year.
    values: Vec<D>,
    open_t: Vec<[u16; LANES]>,
    /// Entrants' births per area and year, and external inflows (pupils) after their trend.
    births: Vec<D>,
    migrants: Vec<V>,
    returning: Vec<V>,
    /// Per area × (years + 1): projects opening in each year index in each draw (the last:
    /// later).
    opening: Vec<[u32; LANES]>,
    /// The batch's metrics (see [`cell`]).
    out: Vec<V>,
    /// A draw's output before its own figures, computed once per thread: the observed base
    /// year's cells and the projects planned to be open by each year.
    base_out: Vec<f32>,
}

impl Scratch {
    pub fn new(m: &Assembled) -> Scratch {
        let below = below_groups(m);
        let mut fed = vec![false; m.groups.len()];
        for b in below.iter().flatten() {
            fed[*b] = true;
        }
        let mut order: Vec<usize> = (0..m.groups.len()).collect();
        order.sort_by_key(|&gi| m.groups[gi].stage);
        let mut village = vec![0.0f32; m.schools()];
        for g in &m.groups {
            village[g.urban_end..g.end].fill(1.0);
        }
        let (schools, groups, areas) = (m.schools(), m.groups.len(), m.areas());
        let now = State {
            pupils: m.base_pupils.iter().map(|&p| [p; LANES]).collect(),
            rooms: m.school_rooms.iter().map(|&r| [r as f32; LANES]).collect(),
            entry_share: vec![[0.0; LANES]; schools],
            inflow_share: vec![[0.0; LANES]; schools],
            last_open: vec![[NONE; LANES]; groups],
            last_town: vec![[NONE; LANES]; groups],
            entry_weight: vec![[0.0; LANES]; groups],
            inflow_weight: vec![[0.0; LANES]; groups],
        };
        let width = m.years * (areas + 1) * METRICS;
        let mut s = Scratch {
            fed,
            below,
            order,
            village,
            crowded: vec![0; m.schools()],
            base: now.clone(),
            now,
            totals: vec![[0.0; LANES]; schools],
            leaving: vec![[0.0; LANES]; groups],
            reweigh: vec![false; groups],
            values: vec![[0.0; LANES]; m.quantiles.len()],
            open_t: vec![[u16::MAX; LANES]; m.projects.len()],
            births: vec![[0.0; LANES]; areas * m.years],
            migrants: vec![[0.0; LANES]; areas * m.years],
            returning: vec![[0.0; LANES]; areas * m.years],
            opening: vec![[0; LANES]; areas * (m.years + 1)],
            out: vec![[0.0; LANES]; width],
            base_out: Vec::new(),
        };
        base_year(m, &mut s, None);
        let mut base_out: Vec<f32> = s.out.iter().map(|v| v[0]).collect();
        // Projects planned to be open by 1 September of each year (none in the base year).
        for p in &m.projects {
            let planned = usize::from(m.pipeline.planned_t(&p.schedule));
            for t in planned.max(1)..m.years {
                for area in [p.area, areas] {
                    base_out[cell(areas, t, area, Metric::ProjectsPlanned)] += 1.0;
                }
            }
        }
        s.base_out = base_out;
        s.base = s.now.clone();
        s
    }

    /// Puts back the base year's state of every group.
    fn reset(&mut self) {
        self.now.copy_from(&self.base);
    }

    /// Puts back the base year's state of group `gi` alone.
    fn reset_group(&mut self, m: &Assembled, gi: usize) {
        let g = &m.groups[gi];
        if g.start == g.end {
            return;
        }
        let cells = m.school_offset[g.start]..m.school_offset[g.end - 1] + m.grades_of(g.end - 1);
        self.now.pupils[cells.clone()].copy_from_slice(&self.base.pupils[cells]);
        self.now.rooms[g.start..g.end].copy_from_slice(&self.base.rooms[g.start..g.end]);
        self.weigh(m, gi);
    }

    /// Whether school `i` is open in each draw: existing schools always, new ones once they
    /// have rooms.
    #[inline(always)]
    fn open(&self, m: &Assembled, i: usize) -> [bool; LANES] {
        let mut open = [true; LANES];
        if m.school_new[i] {
            for (o, &r) in open.iter_mut().zip(&self.now.rooms[i]) {
                *o = r > 0.0;
            }
        }
        open
    }

    /// Recomputes the weight sums of group `gi` from the schools open now, and each school's
    /// share of the group's entrants and inflows.
    #[inline(always)]
    fn weigh(&mut self, m: &Assembled, gi: usize) {
        let g = &m.groups[gi];
        let (mut e, mut w) = ([0.0f32; LANES], [0.0f32; LANES]);
        let (mut last_open, mut last_town) = ([NONE; LANES], [NONE; LANES]);
        // Selects in every lane (a school not open adds an exact 0), so that the loops run as
        // vector instructions; existing schools are open in every draw.
        for i in g.start..g.end {
            let (ew, iw, idx) = (m.entry_weight[i], m.inflow_weight[i], i as u32);
            let town = i < g.urban_end;
            if m.school_new[i] {
                let rooms = self.now.rooms[i];
                for l in 0..LANES {
                    e[l] += if rooms[l] > 0.0 { ew } else { 0.0 };
                    last_open[l] = if rooms[l] > 0.0 { idx } else { last_open[l] };
                }
                if town {
                    for l in 0..LANES {
                        w[l] += if rooms[l] > 0.0 { iw } else { 0.0 };
                        last_town[l] = if rooms[l] > 0.0 { idx } else { last_town[l] };
                    }
                }
            } else {
                add_to(&mut e, &[ew; LANES]);
                last_open = [idx; LANES];
                if town {
                    add_to(&mut w, &[iw; LANES]);
                    last_town = [idx; LANES];
                }
            }
        }
        let (mut per_entry, mut per_town) = ([0.0f32; LANES], [0.0f32; LANES]);
        for l in 0..LANES {
            per_entry[l] = if e[l] > 0.0 { 1.0 / e[l] } else { 0.0 };
            per_town[l] = if w[l] > 0.0 { 1.0 / w[l] } else { 0.0 };
        }
        for i in g.start..g.end {
            let (ew, iw) = (m.entry_weight[i], m.inflow_weight[i]);
            let (mut entry, mut inflow) = ([0.0f32; LANES], [0.0f32; LANES]);
            for l in 0..LANES {
                entry[l] = ew * per_entry[l];
            }
            if i < g.urban_end {
                for l in 0..LANES {
                    inflow[l] = iw * per_town[l];
                }
            }
            if m.school_new[i] {
                let rooms = self.now.rooms[i];
                for l in 0..LANES {
                    entry[l] = if rooms[l] > 0.0 { entry[l] } else { 0.0 };
                    inflow[l] = if rooms[l] > 0.0 { inflow[l] } else { 0.0 };
                }
            }
            self.now.entry_share[i] = entry;
            self.now.inflow_share[i] = inflow;
        }
        self.now.entry_weight[gi] = e;
        self.now.inflow_weight[gi] = w;
        self.now.last_open[gi] = last_open;
        self.now.last_town[gi] = last_town;
    }

    /// The leavers that group `gi` takes in this year: those of the stage below, or none.
    #[inline(always)]
    fn feeder(&self, gi: usize) -> V {
        self.below[gi].map_or([0.0; LANES], |b| self.leaving[b])
    }

    /// The value of metric cell `c` (see [`cell`]) in each draw of the batch.
    pub fn metric(&self, c: usize) -> [f32; LANES] {
        self.out[c]
    }

    /// Each draw's opening year index of project `k`.
    pub fn open_t(&self, k: usize) -> [u16; LANES] {
        self.open_t[k]
    }

    /// Sets each draw's opening year index of project `k` (for a variant of the batch).
    pub fn set_open_t(&mut self, k: usize, open: [u16; LANES]) {
        self.open_t[k] = open;
    }
}

/// One school, grade and year of the central case (for `schools.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchoolCell {
    /// Index into `Assembled::school_ids`.
    pub school: u32,
    pub t: u16,
    pub grade: u8,
    pub pupils: u32,
    pub classes: u32,
    pub max_class_size: u32,
    pub oversized: u32,
    pub super_oversized: u32,
}

/// The phases of a projected year, in order; each runs over every group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Step 4: the projects completed in time for the year add their classrooms.
    Supply,
    /// Step 1: cohorts move up a grade; the top grade leaves.
    Progression,
    /// Step 2: entrants (births × entry ratio, or the stage below's leavers) join the entry
    /// grade, shared among open schools.
    Entry,
    /// Step 3: rural-to-town moves, migrants and returners.
    Flows,
    /// Step 5: pupils above places move to schools with spare places (when the scenario allows).
    Rebalancing,
    /// Step 6: classes, oversized classes and the per-area metrics.
    Classes,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Supply,
        Phase::Progression,
        Phase::Entry,
        Phase::Flows,
        Phase::Rebalancing,
        Phase::Classes,
    ];
}

/// Runs a batch of draws, one per element of `inputs` (1 to [`LANES`]); writes `out`
/// (`inputs.len()` × `years * (areas + 1) * METRICS` values) cell by cell, the batch's draws
/// side by side (for one draw, its row; see [`write_out`]) and, when `detail` is given, every
/// school's classes in the first draw.
///
/// On an x86-64 CPU with AVX2 (every one since 2013–2015) the batch runs in a copy of the
/// simulation compiled for that instruction set, chosen at run time, so the binary still runs
/// on any x86-64. The arithmetic is the same IEEE operations in the same order (Rust never
/// fuses a multiply and an add on its own), so both copies give bit-identical results.
pub fn simulate(
    m: &Assembled,
    inputs: &[DrawInputs],
    s: &mut Scratch,
    out: &mut [f32],
    detail: Option<&mut Vec<SchoolCell>>,
) {
    #[cfg(target_arch = "x86_64")]
    if has_v3() {
        // SAFETY: the CPU has the features `simulate_x86_64_v3` is compiled for (checked above).
        return unsafe { simulate_x86_64_v3(m, inputs, s, out, detail) };
    }
    simulate_with::<false>(m, inputs, s, detail);
    write_out(s, inputs.len(), out);
}

/// Where a batch's metrics go as differences (see [`encode`]): `out`, the batch's cells one
/// after the other, from each cell's `reference`; the values a difference does not give back
/// go to `escapes`, with their index in `out`.
#[derive(Debug)]
pub struct Deltas<'a> {
    pub reference: &'a [f32],
    pub out: &'a mut [i16],
    pub escapes: &'a mut Vec<(u32, f32)>,
}

/// Runs a batch of draws as [`simulate`] does (without the central case's rows) and holds its
/// metrics as differences (`inputs.len()` × `years * (areas + 1) * METRICS` values, see
/// [`encode`]).
pub fn simulate_deltas(m: &Assembled, inputs: &[DrawInputs], s: &mut Scratch, to: Deltas) {
    #[cfg(target_arch = "x86_64")]
    if has_v3() {
        // SAFETY: the CPU has the features `simulate_deltas_x86_64_v3` is compiled for.
        return unsafe { simulate_deltas_x86_64_v3(m, inputs, s, to) };
    }
    simulate_with::<false>(m, inputs, s, None);
    encode(&s.out, inputs.len(), to);
}

/// [`simulate_deltas`] compiled for AVX2 as [`simulate_x86_64_v3`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
fn simulate_deltas_x86_64_v3(m: &Assembled, inputs: &[DrawInputs], s: &mut Scratch, to: Deltas) {
    simulate_with::<true>(m, inputs, s, None);
    encode(&s.out, inputs.len(), to);
}

/// Holds the first `n` lanes of each cell's values (`values`, cell by cell) as their
/// differences from the cell's reference in 16 bits, into `to.out` (cell by cell, `n` values
/// each), where the difference gives the value back bit for bit (`reference + difference`,
/// in `f32`); each value it does not (a move of 32,768 or more, a fraction, a NaN) goes whole
/// to `to.escapes`, with its index in `to.out`. The metrics are whole
/// numbers that draws move by far less than that from the central case in nearly every cell,
/// so the differences take half the memory of the values and the escapes stay few.
#[inline(always)]
pub fn encode(values: &[V], n: usize, to: Deltas) {
    let Deltas {
        reference,
        out,
        escapes,
    } = to;
    assert_eq!(out.len(), n * values.len(), "n values per cell");
    assert!(
        u32::try_from(out.len()).is_ok(),
        "a batch's index fits 32 bits"
    );
    if n == 0 {
        return;
    }
    let (low, high) = (i32::from(i16::MIN), i32::from(i16::MAX));
    for (c, ((v, &r), run)) in values
        .iter()
        .zip(reference)
        .zip(out.chunks_exact_mut(n))
        .enumerate()
    {
        let mut q = [0i16; LANES];
        let mut exact = true;
        for (q, &x) in q.iter_mut().zip(v) {
            // `as` saturates (a NaN gives 0): the check below catches whatever is not exact.
            let d = ((x - r) as i32).clamp(low, high);
            *q = d as i16;
            exact &= (r + d as f32).to_bits() == x.to_bits();
        }
        run.copy_from_slice(&q[..n]);
        if !exact {
            for (l, (&q, &x)) in q.iter().zip(v).take(n).enumerate() {
                if (r + f32::from(q)).to_bits() != x.to_bits() {
                    escapes.push(((c * n + l) as u32, x));
                }
            }
        }
    }
}

/// Samples the inputs of draws `first..first + batch.len()` (see
/// [`crate::engine::monte_carlo::sample_inputs`]) with one work buffer, in a copy compiled for
/// AVX2 on CPUs that have it, like [`simulate`]: the same bits either way.
pub fn sample_batch(m: &Assembled, seed: u64, first: u64, batch: &mut [DrawInputs]) {
    #[cfg(target_arch = "x86_64")]
    if has_v3() {
        // SAFETY: the CPU has the features `sample_x86_64_v3` is compiled for (checked above).
        return unsafe { sample_x86_64_v3(m, seed, first, batch) };
    }
    sample_with(m, seed, first, batch);
}

/// [`sample_batch`] compiled for AVX2 as [`simulate_x86_64_v3`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
fn sample_x86_64_v3(m: &Assembled, seed: u64, first: u64, batch: &mut [DrawInputs]) {
    sample_with(m, seed, first, batch);
}

#[inline(always)]
fn sample_with(m: &Assembled, seed: u64, first: u64, batch: &mut [DrawInputs]) {
    let mut work = Vec::new();
    for (l, d) in batch.iter_mut().enumerate() {
        monte_carlo::sample_draw(m, seed, first + l as u64, d, &mut work);
    }
}

/// Whether the CPU has the features of the `_x86_64_v3` copies.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn has_v3() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("bmi2")
        && std::arch::is_x86_feature_detected!("lzcnt")
}

/// [`simulate_with`] compiled for AVX2, BMI2 and LZCNT (the x86-64-v3 level, less FMA).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
fn simulate_x86_64_v3(
    m: &Assembled,
    inputs: &[DrawInputs],
    s: &mut Scratch,
    out: &mut [f32],
    detail: Option<&mut Vec<SchoolCell>>,
) {
    simulate_with::<true>(m, inputs, s, detail);
    write_out(s, inputs.len(), out);
}

/// The simulation of one batch; inlined, with everything it calls, into each [`simulate`] copy.
#[inline(always)]
fn simulate_with<const AVX2: bool>(
    m: &Assembled,
    inputs: &[DrawInputs],
    s: &mut Scratch,
    mut detail: Option<&mut Vec<SchoolCell>>,
) {
    start(m, inputs, s);
    if detail.is_some() {
        // The central case also lists the base year's classes.
        s.out[..(m.areas() + 1) * METRICS].fill([0.0; LANES]);
        base_year(m, s, detail.as_deref_mut());
    }
    prepare(m, s);
    // Group by group, every phase of the year while the group's schools are in the nearest
    // cache; a stage after the first after the stage below, whose leavers it takes in. Groups
    // meet only through those leavers and add whole numbers to the output, so this is the order
    // of [`Phase`] phase by phase, bit for bit.
    let order = std::mem::take(&mut s.order);
    for t in 1..m.years {
        supply(m, s, t, None);
        for &gi in &order {
            group_year::<AVX2>(m, s, t, gi, s.feeder(gi), detail.as_deref_mut());
        }
    }
    s.order = order;
    accounts(m, s);
}

/// Year `t` of group `gi` after the year's supply: progression, entry (with `feeder`, the
/// leavers of the stage below), flows, rebalancing, classes.
#[inline(always)]
fn group_year<const AVX2: bool>(
    m: &Assembled,
    s: &mut Scratch,
    t: usize,
    gi: usize,
    feeder: V,
    detail: Option<&mut Vec<SchoolCell>>,
) {
    progression(m, s, t, gi);
    entry(m, s, t, gi, feeder);
    flows(m, s, t, gi);
    rebalancing(m, s, t, gi);
    classes::<AVX2>(m, s, t, gi, detail);
}

/// Copies the batch's metrics into `out` for its first `draws` lanes, cell by cell, the draws
/// side by side (`out[c × draws + l]`, the layout of
/// [`crate::engine::monte_carlo::Draws::metrics`]; for one draw, its row).
#[inline(always)]
fn write_out(s: &Scratch, draws: usize, out: &mut [f32]) {
    let width = s.out.len();
    assert_eq!(out.len(), draws * width, "one value per cell and draw");
    if draws == 0 {
        return;
    }
    for (run, v) in out.chunks_exact_mut(draws).zip(&s.out) {
        run.copy_from_slice(&v[..draws]);
    }
}

/// Starts a batch from the base year: the draws' inputs lane by lane (lanes beyond
/// `inputs.len()` repeat the last draw), every group's state, the output's constant cells, and
/// the projects completed by each year.
#[inline(always)]
fn start(m: &Assembled, inputs: &[DrawInputs], s: &mut Scratch) {
    assert!(
        (1..=LANES).contains(&inputs.len()),
        "a batch has 1 to {LANES} draws"
    );
    let input = |l: usize| &inputs[l.min(inputs.len() - 1)];
    for l in 0..LANES {
        let d = input(l);
        for (v, &x) in s.values.iter_mut().zip(&d.values) {
            v[l] = x;
        }
        for (o, &x) in s.open_t.iter_mut().zip(&d.open_t) {
            o[l] = x;
        }
    }
    s.reset();
    for (v, &b) in s.out.iter_mut().zip(&s.base_out) {
        *v = [b; LANES];
    }
    // Projects open by 1 September of each year: counted by opening year, then cumulated.
    let areas = m.areas();
    let buckets = m.years + 1;
    let opening = &mut s.opening;
    opening.fill([0; LANES]);
    for (p, open) in m.projects.iter().zip(&s.open_t) {
        for l in 0..LANES {
            opening[p.area * buckets + usize::from(open[l]).min(m.years)][l] += 1;
        }
    }
    for a in 0..areas {
        let mut done = [0u32; LANES];
        for t in 0..m.years {
            for l in 0..LANES {
                done[l] += opening[a * buckets + t][l];
                if t > 0 {
                    let n = done[l] as f32;
                    s.out[cell(areas, t, a, Metric::ProjectsCompleted)][l] += n;
                    s.out[cell(areas, t, areas, Metric::ProjectsCompleted)][l] += n;
                }
            }
        }
    }
}

/// The accounts of each area and year, city totals of the flows, and cleared classes.
#[inline(always)]
fn accounts(m: &Assembled, s: &mut Scratch) {
    let areas = m.areas();
    let out = &mut s.out;
    for t in 0..m.years {
        for a in 0..areas {
            if t > 0 {
                let v = |metric| out[cell(areas, t, a, metric)];
                let (e, l, p) = (
                    v(Metric::Entrants),
                    v(Metric::Leavers),
                    v(Metric::ProgressionChange),
                );
                let mut natural = [0.0f32; LANES];
                for i in 0..LANES {
                    natural[i] = e[i] - l[i] + p[i];
                }
                out[cell(areas, t, a, Metric::DemandNatural)] = natural;
            }
        }
        for metric in Metric::ALL.into_iter().filter(|m| m.is_flow()) {
            let mut total = [0.0f32; LANES];
            for a in 0..areas {
                add_to(&mut total, &out[cell(areas, t, a, metric)]);
            }
            out[cell(areas, t, areas, metric)] = total;
        }
        for a in 0..=areas {
            let (base, now) = (
                out[cell(areas, 0, a, Metric::OversizedClasses)],
                out[cell(areas, t, a, Metric::OversizedClasses)],
            );
            let mut cleared = [0.0f32; LANES];
            for l in 0..LANES {
                cleared[l] = base[l] - now[l];
            }
            out[cell(areas, t, a, Metric::Cleared)] = cleared;
        }
    }
}

/// Runs one phase of year `t` ≥ 1 over every group (the steps of [`simulate`], one at a time,
/// for the benches: the state must be the one the previous phases of the batch left).
pub fn phase(m: &Assembled, s: &mut Scratch, t: usize, phase: Phase) {
    #[cfg(target_arch = "x86_64")]
    if has_v3() {
        // SAFETY: the CPU has the features `phase_x86_64_v3` is compiled for (checked above).
        return unsafe { phase_x86_64_v3(m, s, t, phase) };
    }
    run_phase::<false>(m, s, t, phase);
}

/// [`phase`] compiled for AVX2 as [`simulate_x86_64_v3`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
fn phase_x86_64_v3(m: &Assembled, s: &mut Scratch, t: usize, phase: Phase) {
    run_phase::<true>(m, s, t, phase);
}

/// Begins a batch: the draws' inputs, the base year's state, the output's constant cells, the
/// projects completed by each year, births and inflows. Then [`phase`] for each year and phase,
/// then [`finish`], is [`simulate`] without the central case's rows (for the benches, and for
/// [`simulate_group`]'s callers).
pub fn begin(m: &Assembled, inputs: &[DrawInputs], s: &mut Scratch) {
    start(m, inputs, s);
    prepare(m, s);
}

/// Ends a batch: the accounts of each area and year (natural change), city totals of the
/// flows, cleared classes; writes the first `draws` draws' metrics into `out` (see
/// [`write_out`]).
pub fn finish(m: &Assembled, s: &mut Scratch, draws: usize, out: &mut [f32]) {
    accounts(m, s);
    write_out(s, draws, out);
}

#[inline(always)]
fn run_phase<const AVX2: bool>(m: &Assembled, s: &mut Scratch, t: usize, phase: Phase) {
    let groups = m.groups.len();
    // Plain loops: a closure here would be compiled without the caller's target features.
    match phase {
        Phase::Supply => supply(m, s, t, None),
        Phase::Progression => {
            for gi in 0..groups {
                progression(m, s, t, gi);
            }
        }
        Phase::Entry => {
            for gi in 0..groups {
                entry(m, s, t, gi, s.feeder(gi));
            }
        }
        Phase::Flows => {
            for gi in 0..groups {
                flows(m, s, t, gi);
            }
        }
        Phase::Rebalancing => {
            for gi in 0..groups {
                rebalancing(m, s, t, gi);
            }
        }
        Phase::Classes => {
            for gi in 0..groups {
                classes::<AVX2>(m, s, t, gi, None);
            }
        }
    }
}

/// The batch's entrants' births and external inflows per area and year: they depend on the
/// sampled values only, once per batch.
fn prepare(m: &Assembled, s: &mut Scratch) {
    let areas = m.areas();
    // Entrants' births per area and year: observed, or the last observation carried forward
    // by the sampled annual change. External inflows per area and year: the first projected
    // year's value, then its sampled yearly trend.
    for l in 0..LANES {
        let value = |d: Driver, a: usize, t: usize| s.values[m.source(d, a, t)][l];
        for a in 0..areas {
            let last = m.births_last[a];
            let (mut migrant_trend, mut returning_trend) = (1.0f64, 1.0f64);
            for t in 1..m.years {
                let y = m.base_year.0 + t as u16 - m.entry_age;
                let births = if y <= last {
                    m.births[a * m.births_years + usize::from(y - m.births_first_year)]
                } else {
                    let mut b =
                        m.births[a * m.births_years + usize::from(last - m.births_first_year)];
                    for year in last + 1..=y {
                        let ty = usize::from(year.saturating_sub(m.base_year.0)).min(m.years - 1);
                        b *= 1.0 + value(Driver::BirthChange, a, ty);
                    }
                    b
                };
                if t > 1 {
                    migrant_trend *= 1.0 + value(Driver::MigrantChange, a, t);
                    returning_trend *= 1.0 + value(Driver::ReturningChange, a, t);
                }
                let migrants = (value(Driver::MigrantInflow, a, t) * migrant_trend).max(0.0);
                let returning = (value(Driver::ReturningInflow, a, t) * returning_trend).max(0.0);
                s.births[a * m.years + t][l] = births;
                s.migrants[a * m.years + t][l] = migrants as f32;
                s.returning[a * m.years + t][l] = returning as f32;
            }
        }
    }
}

/// Runs the schools of group `gi` alone, over every projected year, from the base year's state,
/// for the batch [`begin`] started: writes the group's metrics into its area's cells (zeroed
/// first, with the city's), so that they hold this group's share alone, and the group's
/// top-grade leavers of each year into `leavers`. A stage after the first takes `feeder[t]`,
/// the leavers of the stage below in year `t` (from that group's own run). Groups only meet
/// through those leavers, so the groups run one by one give the full run's figures, and a
/// change to one project needs its group run again, not the city.
pub fn simulate_group(
    m: &Assembled,
    s: &mut Scratch,
    gi: usize,
    feeder: &[[f32; LANES]],
    leavers: &mut [[f32; LANES]],
) {
    #[cfg(target_arch = "x86_64")]
    if has_v3() {
        // SAFETY: the CPU has the features `group_x86_64_v3` is compiled for (checked above).
        return unsafe { group_x86_64_v3(m, s, gi, feeder, leavers) };
    }
    group_with::<false>(m, s, gi, feeder, leavers);
}

/// [`group_with`] compiled for AVX2 as [`simulate_x86_64_v3`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
fn group_x86_64_v3(
    m: &Assembled,
    s: &mut Scratch,
    gi: usize,
    feeder: &[[f32; LANES]],
    leavers: &mut [[f32; LANES]],
) {
    group_with::<true>(m, s, gi, feeder, leavers);
}

#[inline(always)]
fn group_with<const AVX2: bool>(
    m: &Assembled,
    s: &mut Scratch,
    gi: usize,
    feeder: &[[f32; LANES]],
    leavers: &mut [[f32; LANES]],
) {
    let areas = m.areas();
    for t in 0..m.years {
        for a in [m.groups[gi].area, areas] {
            let first = (t * (areas + 1) + a) * METRICS;
            s.out[first..first + METRICS].fill([0.0; LANES]);
        }
    }
    s.reset_group(m, gi);
    let fed_from_below = m.groups[gi].stage > 0;
    for t in 1..m.years {
        supply(m, s, t, Some(gi));
        let feeder_in = if fed_from_below {
            feeder[t]
        } else {
            [0.0; LANES]
        };
        group_year::<AVX2>(m, s, t, gi, feeder_in, None);
        leavers[t] = s.leaving[gi];
    }
}

/// The base year, observed: classes from the base counts and classrooms, and the groups'
/// weights. Adds the year's cells to the batch's output (and leaves the project metrics alone).
fn base_year(m: &Assembled, s: &mut Scratch, mut detail: Option<&mut Vec<SchoolCell>>) {
    s.now.pupils.copy_from_slice(&s.base.pupils);
    s.now.rooms.copy_from_slice(&s.base.rooms);
    for gi in 0..m.groups.len() {
        classes::<false>(m, s, 0, gi, detail.as_deref_mut());
        s.weigh(m, gi);
    }
}

/// Step 4 for year `t`: the projects completed in time add their classrooms (to every group,
/// or to group `only`); a school opening changes its group's shares.
#[inline(always)]
fn supply(m: &Assembled, s: &mut Scratch, t: usize, only: Option<usize>) {
    // Weighing depends only on which schools are open: once per group that has a school
    // opening, after all the year's projects.
    let mut opened = false;
    for (k, p) in m.projects.iter().enumerate() {
        if only.is_some_and(|gi| gi != p.group) {
            continue;
        }
        let open_t = s.open_t[k];
        let was_open = s.open(m, p.school);
        let rooms = &mut s.now.rooms[p.school];
        for l in 0..LANES {
            if usize::from(open_t[l]) == t {
                if !was_open[l] {
                    s.reweigh[p.group] = true;
                    opened = true;
                }
                rooms[l] += p.classrooms as f32;
            }
        }
    }
    if opened {
        for gi in 0..m.groups.len() {
            if s.reweigh[gi] {
                s.reweigh[gi] = false;
                s.weigh(m, gi);
            }
        }
    }
}

/// Whether some lane of `x` is above 0: a tree of pairwise maxima (each level a vector step,
/// halving the lanes), for any power-of-two [`LANES`].
#[inline(always)]
fn any_above_zero(x: &V) -> bool {
    const { assert!(LANES.is_power_of_two()) };
    let mut m = *x;
    let mut n = LANES;
    while n > 1 {
        n /= 2;
        for l in 0..n {
            m[l] = if m[l] > m[l + n] { m[l] } else { m[l + n] };
        }
    }
    m[0] > 0.0
}

/// `acc += x`, lane by lane.
#[inline(always)]
fn add_to(acc: &mut V, x: &V) {
    for l in 0..LANES {
        acc[l] += x[l];
    }
}

/// Lane `l` of each sampled value of driver `d` for area `a` and year `t`, as `f32`.
#[inline(always)]
fn value32(m: &Assembled, s: &Scratch, d: Driver, a: usize, t: usize) -> V {
    let v = &s.values[m.source(d, a, t)];
    let mut x = [0.0f32; LANES];
    for l in 0..LANES {
        x[l] = v[l] as f32;
    }
    x
}

/// Step 1 for group `gi` in year `t`: each school's cohorts advance by the area's ratios ×
/// the progression factor, in whole pupils; the top grade leaves (`Scratch::leaving`) and the
/// entry grade is emptied for [`entry`]. A school not open has no pupils, so it needs no mask.
#[inline(always)]
fn progression(m: &Assembled, s: &mut Scratch, t: usize, gi: usize) {
    by_grades!(m, gi, progression_fixed(m, s, t, gi))
}

/// [`progression`] for a stage of `G` grades, or of at most [`MAX_GRADES`] when `G` is that
/// (fixed-size arrays, as [`classes_fixed`]).
#[inline(always)]
fn progression_fixed<const G: usize>(m: &Assembled, s: &mut Scratch, t: usize, gi: usize) {
    let g = &m.groups[gi];
    let stage = &m.stages[g.stage];
    let a = g.area;
    // A compile-time constant except in the catch-all instance.
    let grades = if G == MAX_GRADES { stage.grades } else { G };
    let g0 = usize::from(stage.first_grade - m.min_grade);
    let pf = value32(m, s, Driver::ProgressionFactor, a, t);
    let mut ratio = [[0.0f32; LANES]; G];
    for (k, r) in ratio.iter_mut().enumerate().take(grades).skip(1) {
        let area_ratio = m.ratios[a * m.transitions + g0 + k - 1];
        for l in 0..LANES {
            r[l] = area_ratio * pf[l];
        }
    }
    let (mut leaving, mut change) = ([0.0f32; LANES], [0.0f32; LANES]);
    for i in g.start..g.end {
        let o = m.school_offset[i];
        let p = &mut s.now.pupils[o..o + grades];
        add_to(&mut leaving, &p[grades - 1]);
        for k in (1..grades).rev() {
            let from = p[k - 1];
            let mut up = [0.0f32; LANES];
            for l in 0..LANES {
                up[l] = whole(from[l] * ratio[k][l]);
                change[l] += up[l] - from[l];
            }
            p[k] = up;
        }
        p[0] = [0.0; LANES];
    }
    s.leaving[gi] = leaving;
    add_to(
        &mut s.out[cell(m.areas(), t, a, Metric::ProgressionChange)],
        &change,
    );
}

/// Step 2 for group `gi` in year `t`: births × entry ratio for the first stage, the stage
/// below's leavers `feeder_in` × the crossing ratio for the others; shared among the open
/// schools by entry weight, in whole pupils (each school gets the change in the rounded running
/// total, the last open school the rest), into the entry grade that [`progression`] emptied.
/// The leavers of a stage that no later stage of the area takes in leave the city's schools.
#[inline(always)]
fn entry(m: &Assembled, s: &mut Scratch, t: usize, gi: usize, feeder_in: V) {
    let g = &m.groups[gi];
    let stage = &m.stages[g.stage];
    let (areas, a) = (m.areas(), g.area);
    let g0 = usize::from(stage.first_grade - m.min_grade);
    let mut entrants = [0.0f32; LANES];
    let weight = s.now.entry_weight[gi];
    if g0 == 0 {
        let (births, ratio) = (
            &s.births[a * m.years + t],
            &s.values[m.source(Driver::EntryRatio, a, t)],
        );
        for l in 0..LANES {
            let e = whole((births[l] * ratio[l]) as f32);
            entrants[l] = if weight[l] > 0.0 { e } else { 0.0 };
        }
        add_to(&mut s.out[cell(areas, t, a, Metric::Entrants)], &entrants);
    } else {
        let pf = value32(m, s, Driver::ProgressionFactor, a, t);
        let crossing = m.ratios[a * m.transitions + g0 - 1];
        let mut change = [0.0f32; LANES];
        for l in 0..LANES {
            let e = whole(feeder_in[l] * crossing * pf[l]);
            entrants[l] = if weight[l] > 0.0 { e } else { 0.0 };
            change[l] = entrants[l] - feeder_in[l];
        }
        // Crossing into this stage is progression within the area.
        add_to(
            &mut s.out[cell(areas, t, a, Metric::ProgressionChange)],
            &change,
        );
    }
    let (mut running, mut given) = ([0.0f32; LANES], [0.0f32; LANES]);
    for i in g.start..g.end {
        // A share of 0 (a school not open) leaves the running total as it is: no pupil.
        let share = s.now.entry_share[i];
        let mut x = [0.0f32; LANES];
        for l in 0..LANES {
            running[l] += entrants[l] * share[l];
            let upto = lesser(whole(running[l]), entrants[l]);
            x[l] = upto - given[l];
            given[l] = upto;
        }
        s.now.pupils[m.school_offset[i]] = x;
    }
    let last = s.now.last_open[gi];
    for l in 0..LANES {
        if last[l] != NONE {
            s.now.pupils[m.school_offset[last[l] as usize]][l] += entrants[l] - given[l];
        }
    }
    if !s.fed[gi] {
        // Leavers of a stage that no later stage of the area takes in leave.
        let leaving = s.leaving[gi];
        add_to(&mut s.out[cell(areas, t, a, Metric::Leavers)], &leaving);
    }
}

/// Step 3 for group `gi` in year `t`: rural-to-town moves, a rate of each village school's
/// pupils (never more than it has), when the area has a town-centre school of the stage open to
/// take them; migrants and returners from outside the city by grade profile; all shared among
/// the open town-centre schools by inflow weight, in whole pupils.
#[inline(always)]
fn flows(m: &Assembled, s: &mut Scratch, t: usize, gi: usize) {
    by_grades!(m, gi, flows_fixed(m, s, t, gi))
}

/// [`flows`] for a stage of `G` grades, or of at most [`MAX_GRADES`] when `G` is that (fixed-size
/// arrays, as [`classes_fixed`]).
#[inline(always)]
fn flows_fixed<const G: usize>(m: &Assembled, s: &mut Scratch, t: usize, gi: usize) {
    let g = &m.groups[gi];
    let stage = &m.stages[g.stage];
    let (areas, a) = (m.areas(), g.area);
    // A compile-time constant except in the catch-all instance.
    let grades = if G == MAX_GRADES { stage.grades } else { G };
    let g0 = usize::from(stage.first_grade - m.min_grade);
    let town_weight = s.now.inflow_weight[gi];
    // 1 in a draw where the group has a town-centre school open to take pupils in, else 0.
    let mut town = [0.0f32; LANES];
    let mut rate = [0.0f32; LANES];
    let sampled = &s.values[m.source(Driver::RuralToTownRate, a, t)];
    for l in 0..LANES {
        let has_town = town_weight[l] > 0.0;
        town[l] = if has_town { 1.0 } else { 0.0 };
        rate[l] = if has_town {
            sampled[l].clamp(0.0, 1.0) as f32
        } else {
            0.0
        };
    }
    let any_town = any_above_zero(&town);
    let mut arriving = [[0.0f32; LANES]; G];
    if g.urban_end < g.end && rate.iter().any(|&r| r > 0.0) {
        // A lane at rate 0 moves nobody: each of its leaves is an exact 0.
        for i in g.urban_end..g.end {
            let o = m.school_offset[i];
            for (cell, arrive) in s.now.pupils[o..o + grades].iter_mut().zip(&mut arriving) {
                let (mut x, mut a) = (*cell, *arrive);
                for l in 0..LANES {
                    let leave = lesser(whole(x[l] * rate[l]), x[l]);
                    x[l] -= leave;
                    a[l] += leave;
                }
                (*cell, *arrive) = (x, a);
            }
        }
    }
    let mut moves = [0.0f32; LANES];
    for arrive in &arriving[..grades] {
        add_to(&mut moves, arrive);
    }
    let (mut migrant_in, mut returning_in) = ([0.0f32; LANES], [0.0f32; LANES]);
    if any_town {
        let (migrants, returning) = (s.migrants[a * m.years + t], s.returning[a * m.years + t]);
        for (k, x) in arriving[..grades].iter_mut().enumerate() {
            let (mp, rp) = (m.migrant_profile[g0 + k], m.returning_profile[g0 + k]);
            for l in 0..LANES {
                // × 0 in a draw without a town-centre school: nobody arrives (an exact 0).
                let mi = whole(migrants[l] * mp) * town[l];
                let ri = whole(returning[l] * rp) * town[l];
                migrant_in[l] += mi;
                returning_in[l] += ri;
                x[l] += mi + ri;
            }
        }
        let last = s.now.last_town[gi];
        share_rows::<G>(m, s, g.start..g.urban_end, grades, &arriving, last);
    }
    let out = &mut s.out;
    add_to(
        &mut out[cell(areas, t, a, Metric::DemandMigrant)],
        &migrant_in,
    );
    add_to(
        &mut out[cell(areas, t, a, Metric::DemandReturning)],
        &returning_in,
    );
    add_to(&mut out[cell(areas, t, a, Metric::TownArrivals)], &moves);
    add_to(
        &mut out[cell(areas, t, a, Metric::VillageDepartures)],
        &moves,
    );
}

/// Shares whole `amount`s (one per grade) among schools `range` by their inflow shares: school
/// by school, each gets the change in the rounded running total of its share, and school
/// `last` the rest, so the parts are whole and add up to the amounts exactly.
#[inline(always)]
fn share_rows<const G: usize>(
    m: &Assembled,
    s: &mut Scratch,
    range: std::ops::Range<usize>,
    grades: usize,
    amount: &[V; G],
    last: [u32; LANES],
) {
    let mut running = [[0.0f32; LANES]; G];
    let mut given = [[0.0f32; LANES]; G];
    for i in range {
        let share = s.now.inflow_share[i];
        if share.iter().all(|&x| x == 0.0) {
            // Adds nothing in any draw: the running totals stay as they are.
            continue;
        }
        // In a draw where the share is 0, the running total stays, the rounded total equals
        // what was given, and the school gets an exact 0.
        let o = m.school_offset[i];
        for k in 0..grades {
            let (mut x, mut run, mut gave) = (s.now.pupils[o + k], running[k], given[k]);
            for l in 0..LANES {
                run[l] += amount[k][l] * share[l];
                let upto = lesser(whole(run[l]), amount[k][l]);
                x[l] += upto - gave[l];
                gave[l] = upto;
            }
            (s.now.pupils[o + k], running[k], given[k]) = (x, run, gave);
        }
    }
    for l in 0..LANES {
        if last[l] != NONE {
            let o = m.school_offset[last[l] as usize];
            for k in 0..grades {
                s.now.pupils[o + k][l] += amount[k][l] - given[k][l];
            }
        }
    }
}

/// Step 5 for group `gi` in year `t`: rebalancing among its town-centre schools, then among its
/// village schools, draw by draw.
#[inline(always)]
fn rebalancing(m: &Assembled, s: &mut Scratch, t: usize, gi: usize) {
    if m.rebalancing <= 0.0 {
        return;
    }
    let g = &m.groups[gi];
    let grades = m.stages[g.stage].grades;
    // Each school's pupils now.
    for i in g.start..g.end {
        let o = m.school_offset[i];
        let mut total = [0.0f32; LANES];
        for p in &s.now.pupils[o..o + grades] {
            add_to(&mut total, p);
        }
        s.totals[i] = total;
    }
    let c = cell(m.areas(), t, g.area, Metric::PupilsMoved);
    for l in 0..LANES {
        let moved = rebalance(m, s, gi, g.start..g.urban_end, l)
            + rebalance(m, s, gi, g.urban_end..g.end, l);
        s.out[c][l] += moved;
    }
}

/// In draw `l`: moves pupils above places from schools `range` of group `gi` to schools of the
/// same range with spare places (new schools first, then in proportion to spare places), at
/// most the scenario's share of the excess, in whole pupils. Reads each school's pupils from
/// `s.totals`. Returns the pupils moved: every one leaves one school and joins another.
fn rebalance(
    m: &Assembled,
    s: &mut Scratch,
    gi: usize,
    range: std::ops::Range<usize>,
    l: usize,
) -> f32 {
    if range.is_empty() {
        return 0.0;
    }
    let g = &m.groups[gi];
    let grades = m.stages[g.stage].grades;
    let size = m.stages[g.stage].rule.size as f32;
    let (mut excess, mut spare) = (0.0f32, 0.0f32);
    for i in range.clone() {
        let rooms = s.now.rooms[i][l];
        let places = rooms * size;
        let p = s.totals[i][l];
        if p > places {
            excess += p - places;
        } else if rooms > 0.0 {
            spare += places - p;
        }
    }
    let target = (excess * m.rebalancing).min(spare).floor();
    if target < 1.0 {
        return 0.0;
    }
    // Out: every school above places gives the same share of its excess, across its grades.
    let give = target / excess;
    let mut by_grade = [0.0f32; MAX_GRADES];
    for i in range.clone() {
        let places = s.now.rooms[i][l] * size;
        let p = s.totals[i][l];
        if p > places {
            let fraction = give * (p - places) / p;
            let mut taken = 0.0f32;
            let o = m.school_offset[i];
            for (k, b) in by_grade[..grades].iter_mut().enumerate() {
                let x = &mut s.now.pupils[o + k][l];
                let d = whole(*x * fraction).min(*x);
                *x -= d;
                *b += d;
                taken += d;
            }
            s.totals[i][l] = p - taken;
        }
    }
    let by_grade = &by_grade[..grades];
    let mut moved = 0.0f32;
    for &b in by_grade {
        moved += b;
    }
    if moved <= 0.0 {
        return 0.0;
    }
    // In: new schools first, up to their spare places; the rest in proportion to spare places.
    let mut share = Receiving::default();
    let mut last = None;
    let mut left = moved;
    let mut old_spare = 0.0f32;
    for i in range.clone() {
        let rooms = s.now.rooms[i][l];
        if rooms == 0.0 {
            continue;
        }
        let room = (rooms * size - s.totals[i][l]).max(0.0);
        if m.school_new[i] {
            if room > 0.0 && left > 0.0 {
                let take = room.min(left);
                share.give(m, s, i, l, by_grade, take / moved);
                left -= take;
                last = Some(i);
            }
        } else {
            old_spare += room;
        }
    }
    if left > 0.0 && old_spare > 0.0 {
        for i in range {
            let rooms = s.now.rooms[i][l];
            if m.school_new[i] || rooms == 0.0 {
                continue;
            }
            let room = (rooms * size - s.totals[i][l]).max(0.0);
            if room > 0.0 {
                let fraction = left * room / old_spare / moved;
                share.give(m, s, i, l, by_grade, fraction);
                last = Some(i);
            }
        }
    }
    // The running total's rounding goes to the last school that took pupils: none is lost.
    if let Some(i) = last {
        let o = m.school_offset[i];
        let mut added = 0.0f32;
        for (k, &b) in by_grade.iter().enumerate() {
            let part = b - share.given[k];
            share.given[k] = b;
            s.now.pupils[o + k][l] += part;
            added += part;
        }
        s.totals[i][l] += added;
    }
    moved
}

/// The running totals of pupils moved in by rebalancing, per grade, in one draw.
#[derive(Default)]
struct Receiving {
    running: [f32; MAX_GRADES],
    given: [f32; MAX_GRADES],
}

impl Receiving {
    /// Adds `fraction` of the moved pupils `by_grade` to school `i` in draw `l`, in whole
    /// pupils.
    #[inline(always)]
    fn give(
        &mut self,
        m: &Assembled,
        s: &mut Scratch,
        i: usize,
        l: usize,
        by_grade: &[f32],
        fraction: f32,
    ) {
        let o = m.school_offset[i];
        let mut added = 0.0f32;
        for (k, &b) in by_grade.iter().enumerate() {
            self.running[k] += b * fraction;
            let upto = whole(self.running[k]).min(b);
            let part = upto - self.given[k];
            self.given[k] = upto;
            s.now.pupils[o + k][l] += part;
            added += part;
        }
        s.totals[i][l] += added;
    }
}

/// A school's pupils and classes needed (Σ ⌈pupils / size⌉ over its grades) in each draw.
#[inline(always)]
fn needs<const G: usize>(pupils: &[V], per_size: f32) -> (V, V) {
    let (mut total, mut need) = ([0.0f32; LANES], [0.0f32; LANES]);
    let grades = if G == MAX_GRADES { pupils.len() } else { G };
    for p in &pupils[..grades] {
        add_to(&mut total, p);
        add_to(&mut need, &ceil_div(*p, per_size));
    }
    (total, need)
}

/// Forms the classes of a crowded school (`pupils`, its cells) in every draw of the batch, in the
/// float type `T` (exact for these counts: see [`Whole`]); `class` holds each grade's classes
/// needed, `need` their sum. Adds the school's classes, oversized and super-oversized classes to
/// `sums`, and writes those of the first draw per grade into `first` when given. In the AVX2
/// copy, in `f32` without the first draw's rows, [`avx2::crowded`].
#[allow(
    clippy::too_many_arguments,
    reason = "the hot loop passes the arrays it works on; a struct would copy them"
)]
#[inline(always)]
fn crowded_school<T: Whole + From<f32>, const G: usize>(
    grades: usize,
    pupils: &[V],
    class: &[V; G],
    need: V,
    rooms: V,
    rule: ClassRule,
    sums: &mut [V; 3],
    first: Option<&mut [[u32; 3]; G]>,
) {
    let (mut counts, mut formed) = ([[T::ZERO; LANES]; G], [[T::ZERO; LANES]; G]);
    for k in 0..grades {
        for l in 0..LANES {
            counts[k][l] = T::from(pupils[k][l]);
            formed[k][l] = T::from(class[k][l]);
        }
    }
    let (mut total_need, mut classrooms) = ([T::ZERO; LANES], [T::ZERO; LANES]);
    for l in 0..LANES {
        total_need[l] = T::from(need[l]);
        classrooms[l] = T::from(rooms[l]);
    }
    let (mut over, mut super_over) = ([[T::ZERO; LANES]; G], [[T::ZERO; LANES]; G]);
    form_classes_lanes(
        grades,
        &counts,
        &mut formed,
        total_need,
        classrooms,
        rule,
        &mut over,
        &mut super_over,
    );
    for k in 0..grades {
        for l in 0..LANES {
            sums[0][l] += formed[k][l].to_f32();
            sums[1][l] += over[k][l].to_f32();
            sums[2][l] += super_over[k][l].to_f32();
        }
    }
    if let Some(first) = first {
        for k in 0..grades {
            first[k] = [formed[k][0], over[k][0], super_over[k][0]].map(Whole::to_u32);
        }
    }
}

/// Step 6 for the schools of group `gi` in year `t`, adding up per area and city. Dispatches on
/// the stage's grade count so that the crowded schools' class formation runs over fixed-size
/// arrays, which LLVM unrolls and keeps in registers.
#[inline(always)]
fn classes<const AVX2: bool>(
    m: &Assembled,
    s: &mut Scratch,
    t: usize,
    gi: usize,
    detail: Option<&mut Vec<SchoolCell>>,
) {
    by_grades!(m, gi, classes_fixed::<AVX2>(m, s, t, gi, detail))
}

/// A group's schools as the first pass of class formation ([`survey`]) reads them.
#[derive(Debug, Clone, Copy)]
struct Schools<'a> {
    grades: usize,
    /// Each school's first cell in `pupils`.
    offsets: &'a [usize],
    /// The first school's index (the crowded list holds indices from it).
    first: usize,
    pupils: &'a [V],
    /// Per school: classrooms, and 1 for a village school (else 0).
    rooms: &'a [V],
    village: &'a [f32],
    /// The standard class size and [`reciprocal_below`] of it.
    size: f32,
    per_size: f32,
    /// Whether every school is to be formed (then every school is listed).
    every: bool,
}

/// The first pass of class formation over a group's schools, without a branch: adds each
/// school's pupils, places, pupils above places, classes needed (when it has the rooms for them
/// in every draw: the common case, where no class is above the standard size) and village
/// pupils to `acc`, and lists it in `crowded` when some draw is short of rooms or every school
/// is to be formed. Returns how many it listed. In the AVX2 copy, [`avx2::survey`].
#[inline(always)]
fn survey<const G: usize, const AVX2: bool>(
    g: &Schools,
    acc: &mut [V; 5],
    crowded: &mut [u32],
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if AVX2 {
        // SAFETY: `AVX2` is true only in the copies compiled for AVX2 (`_x86_64_v3`), which
        // run only on a CPU that has it (`has_v3`).
        return unsafe { avx2::survey::<G>(g, acc, crowded) };
    }
    let Schools {
        grades,
        offsets,
        first,
        pupils,
        rooms,
        village,
        size,
        per_size,
        every,
    } = *g;
    let mut listed = 0;
    for (j, ((&o, rooms), &village)) in offsets.iter().zip(rooms).zip(village).enumerate() {
        let (total, need) = needs::<G>(&pupils[o..o + grades], per_size);
        let mut short = [0.0f32; LANES];
        for l in 0..LANES {
            let places = rooms[l] * size;
            acc[0][l] += total[l];
            acc[1][l] += places;
            let over = total[l] - places;
            acc[2][l] += if over > 0.0 { over } else { 0.0 };
            short[l] = if need[l] > rooms[l] { 1.0 } else { 0.0 };
            acc[4][l] += total[l] * village;
        }
        let alone = every || any_above_zero(&short);
        let common = if alone { 0.0 } else { 1.0 };
        for l in 0..LANES {
            acc[3][l] += need[l] * common;
        }
        crowded[listed] = (first + j) as u32;
        listed += usize::from(alone);
    }
    listed
}

/// [`classes`] for a stage of `G` grades, or of at most [`MAX_GRADES`] when `G` is that.
///
/// Pupils and classes needed per grade are whole numbers in f32, below 2^24 in every sum, so
/// the sums are exact, and so is ⌈c / size⌉ (a quotient just above a whole number is never
/// rounded down onto it in this range; a test checks it). A school with fewer classrooms than
/// classes needed in some draw (or every school, when the standard size is oversized or the
/// central case asks for every class) forms its classes in every draw of the batch at once.
#[inline(always)]
fn classes_fixed<const G: usize, const AVX2: bool>(
    m: &Assembled,
    s: &mut Scratch,
    t: usize,
    gi: usize,
    mut detail: Option<&mut Vec<SchoolCell>>,
) {
    let areas = m.areas();
    let g = &m.groups[gi];
    let stage = &m.stages[g.stage];
    let rule = stage.rule;
    let size = rule.size as f32;
    let per_size = reciprocal_below(rule.size.max(1));
    // A compile-time constant except in the catch-all instance.
    let grades = if G == MAX_GRADES { stage.grades } else { G };
    let every = rule.size >= rule.oversized || detail.is_some();
    // Whole numbers per draw, exact in f32 (a group's pupils and places stay below 2^24, see
    // [`check_range`]): pupils, places, shortfall, classes, village pupils.
    let mut acc = [[0.0f32; LANES]; 5];
    // Classes, oversized and super-oversized classes of the crowded schools, per draw.
    let mut sums = [[0.0f32; LANES]; 3];
    let small_rule = rule.oversized as f32 <= F32_EXACT && rule.super_oversized as f32 <= F32_EXACT;
    // First every school without a branch: its totals, and whether it is crowded in some
    // draw (then it goes on the list, and its classes are formed below). Then the list.
    let mut crowded = std::mem::take(&mut s.crowded);
    let schools = Schools {
        grades,
        offsets: &m.school_offset[g.start..g.end],
        first: g.start,
        pupils: &s.now.pupils,
        rooms: &s.now.rooms[g.start..g.end],
        village: &s.village[g.start..g.end],
        size,
        per_size,
        every,
    };
    let listed = survey::<G, AVX2>(&schools, &mut acc, &mut crowded);
    for &i in &crowded[..listed] {
        let (i, o) = (i as usize, m.school_offset[i as usize]);
        let mut class = [[0.0f32; LANES]; G];
        let mut need = [0.0f32; LANES];
        for (c, p) in class.iter_mut().zip(&s.now.pupils[o..o + grades]) {
            *c = ceil_div(*p, per_size);
            add_to(&mut need, c);
        }
        let rooms = s.now.rooms[i];
        // In a draw with the rooms it needs, D'Hondt leaves the needs as they are and no class
        // is oversized: what the common case counts. In f32, twice the lanes per instruction,
        // when every count is small enough to stay exact; otherwise in f64.
        let small = small_rule
            && need.iter().all(|&n| n <= F32_EXACT)
            && rooms.iter().all(|&r| r <= F32_EXACT);
        let mut formed = [[0u32; 3]; G];
        let first = detail.is_some().then_some(&mut formed);
        let pupils = &s.now.pupils[o..o + grades];
        #[cfg(target_arch = "x86_64")]
        if AVX2 && small && first.is_none() {
            // SAFETY: `AVX2` is true only in the copies compiled for AVX2 (`_x86_64_v3`), which
            // run only on a CPU that has it (`has_v3`).
            unsafe { avx2::crowded::<G>(grades, pupils, &class, need, rooms, rule, &mut sums) };
            continue;
        }
        if small {
            crowded_school::<f32, G>(grades, pupils, &class, need, rooms, rule, &mut sums, first);
        } else {
            crowded_school::<f64, G>(grades, pupils, &class, need, rooms, rule, &mut sums, first);
        }
        if let Some(d) = detail.as_deref_mut() {
            if !s.open(m, i)[0] {
                continue;
            }
            for (k, f) in formed.iter().enumerate().take(grades) {
                let pupils = s.now.pupils[o + k][0] as u32;
                d.push(SchoolCell {
                    school: i as u32,
                    t: t as u16,
                    grade: stage.first_grade + k as u8,
                    pupils,
                    classes: f[0],
                    max_class_size: max_class_size(pupils, f[0]),
                    oversized: f[1],
                    super_oversized: f[2],
                });
            }
        }
    }
    s.crowded = crowded;
    let [classes, oversized, super_oversized] = sums;
    let mut sums = [[0.0f32; LANES]; 7];
    for l in 0..LANES {
        sums[0][l] = acc[0][l];
        sums[1][l] = acc[1][l];
        sums[2][l] = acc[2][l];
        sums[3][l] = acc[3][l] + classes[l];
        sums[4][l] = oversized[l];
        sums[5][l] = super_oversized[l];
        sums[6][l] = acc[4][l];
    }
    // Pupils, places, shortfall, classes, oversized and super-oversized classes (the first six
    // metrics), then village pupils.
    let metrics = Metric::ALL[..6].iter().chain([&Metric::VillagePupils]);
    for a in [g.area, areas] {
        for (metric, v) in metrics.clone().zip(&sums) {
            add_to(&mut s.out[cell(areas, t, a, *metric)], v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::assemble::assemble;
    use crate::engine::monte_carlo::{central_inputs, sample_inputs};
    use crate::scenario::Pace;
    use crate::synth;

    /// Issue 12: a projection that could pass 2^20 pupils in one school and grade was capped
    /// silently (5,000,000 became 1,048,576 in `schools.csv`). It is refused before any draw,
    /// naming the area, grade and year; the data set as shipped is within range.
    #[test]
    fn pupils_beyond_the_exact_range_are_an_error_not_a_cap() {
        use crate::engine::assemble::AssembleError;
        use crate::model::ThreePoint;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/hengyang-2019");
        let mut ds = crate::io::dataset::load(&dir).expect("the default data set loads");
        let scenario = synth::no_build_scenario(2025);
        let m = assemble(&ds, &scenario).expect("the data set as shipped is within range");
        assert_eq!(check_range(&m), Ok(()));
        for g in &mut ds.growth {
            if g.driver == Driver::MigrantInflow {
                g.value = ThreePoint {
                    low: 5e6,
                    central: 6e6,
                    high: 8e6,
                };
            }
        }
        match assemble(&ds, &scenario) {
            Err(AssembleError::Range(RangeError::Pupils { bound, year, .. })) => {
                assert!(bound > MAX_GRADE_PUPILS, "{bound}");
                assert!(year > m.base_year, "{year}");
            }
            other => panic!("expected a range error, got {other:?}"),
        }
    }

    /// ⌈p / size⌉ by a multiplication and a check is the division's ceiling, on every count a
    /// grade can hold (to 2^20) for the class sizes a stage can have.
    #[test]
    fn ceiling_without_division_is_exact() {
        for size in (1..=200u32).chain([255, 1000, 4096, 65_535]) {
            let (f, per) = (size as f32, reciprocal_below(size));
            let step = 1 + size as usize / 7;
            for p in (0..20_000u32).chain((20_000..=1 << 20).step_by(step)) {
                let x = p as f32;
                let q = ceil_div([x; LANES], per)[0];
                assert_eq!(q, (x / f).ceil(), "⌈{p}/{size}⌉");
                assert_eq!(q as u32, p.div_ceil(size), "⌈{p}/{size}⌉");
            }
        }
    }

    /// The default data set under `current-pace` (projects open at random) and ten sampled draws.
    fn ten_draws() -> (Assembled, Vec<DrawInputs>) {
        let mut scenario = synth::no_build_scenario(2025);
        scenario.cancel = Default::default();
        scenario.pace = Pace::CurrentPace;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/hengyang-2019");
        let ds = crate::io::dataset::load(&dir).expect("the default data set loads");
        let m = assemble(&ds, &scenario).expect("the default data set assembles");
        let inputs = (0..10)
            .map(|draw| {
                let mut inputs = central_inputs(&m);
                sample_inputs(&m, 7, draw, &mut inputs);
                inputs
            })
            .collect();
        (m, inputs)
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// A draw gives the same bits in any lane of any batch as alone: lanes never mix, and a
    /// step one draw skips (a school opening in another draw, a crowded school in another draw)
    /// leaves it exactly as it was.
    #[test]
    fn a_draw_in_a_batch_gives_the_bits_it_gives_alone() {
        let (m, inputs) = ten_draws();
        let width = m.years * (m.areas() + 1) * METRICS;
        let mut s = Scratch::new(&m);
        let alone: Vec<Vec<u32>> = inputs
            .iter()
            .map(|d| {
                let mut out = vec![0.0f32; width];
                simulate(&m, std::slice::from_ref(d), &mut s, &mut out, None);
                bits(&out)
            })
            .collect();
        // Draws 0–7 in one batch, then 5–9 (a partial batch) in another order.
        let mut out = vec![0.0f32; LANES * width];
        simulate(&m, &inputs[..LANES], &mut s, &mut out, None);
        // Lane `l`'s row: every cell's value of draw `l` (cells in runs of the batch's draws).
        let row = |out: &[f32], l: usize, n: usize| -> Vec<f32> {
            out.chunks(n).map(|run| run[l]).collect()
        };
        for (l, alone) in alone.iter().enumerate().take(LANES) {
            assert_eq!(bits(&row(&out, l, LANES)), *alone, "draw {l} in lane {l}");
        }
        let mixed: Vec<DrawInputs> = [9, 5, 8, 6, 7].map(|d| inputs[d].clone()).to_vec();
        let mut out = vec![0.0f32; mixed.len() * width];
        simulate(&m, &mixed, &mut s, &mut out, None);
        for (l, d) in [9, 5, 8, 6, 7].into_iter().enumerate() {
            assert_eq!(bits(&row(&out, l, mixed.len())), alone[d], "draw {d}");
        }
        // The draws differ, so the check above compares different lanes.
        assert_ne!(alone[0], alone[1]);
    }

    /// The copy compiled for AVX2 gives the same bits as the portable one.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_copy_gives_the_same_bits() {
        if !has_v3() {
            eprintln!("no AVX2 on this CPU: only the portable copy runs here");
            return;
        }
        let (m, inputs) = ten_draws();
        let width = m.years * (m.areas() + 1) * METRICS;
        let (mut portable, mut v3) = (vec![0.0f32; LANES * width], vec![0.0f32; LANES * width]);
        let mut scratch = Scratch::new(&m);
        simulate_with::<false>(&m, &inputs[..LANES], &mut scratch, None);
        write_out(&scratch, LANES, &mut portable);
        // SAFETY: the CPU has the features (checked above).
        unsafe { simulate_x86_64_v3(&m, &inputs[..LANES], &mut scratch, &mut v3, None) };
        assert_eq!(bits(&portable), bits(&v3));
        // So do the differences the draws are held as (from the first draw's values, so that
        // some lie far from their reference), and they give the values back.
        let reference: Vec<f32> = portable.iter().step_by(LANES).copied().collect();
        let (mut held, mut held_v3) = (vec![0i16; LANES * width], vec![0i16; LANES * width]);
        let (mut escapes, mut escapes_v3) = (Vec::new(), Vec::new());
        let to = Deltas {
            reference: &reference,
            out: &mut held,
            escapes: &mut escapes,
        };
        encode(&scratch.out, LANES, to);
        let to = Deltas {
            reference: &reference,
            out: &mut held_v3,
            escapes: &mut escapes_v3,
        };
        // SAFETY: as above.
        unsafe { simulate_deltas_x86_64_v3(&m, &inputs[..LANES], &mut scratch, to) };
        assert_eq!((&held, &escapes), (&held_v3, &escapes_v3));
        let mut back: Vec<f32> = held
            .iter()
            .enumerate()
            .map(|(i, &q)| reference[i / LANES] + f32::from(q))
            .collect();
        for &(i, x) in &escapes {
            back[i as usize] = x;
        }
        assert_eq!(bits(&back), bits(&portable));
        let opened: usize = inputs[..LANES]
            .iter()
            .map(|d| d.open_t.iter().filter(|&&t| t != u16::MAX).count())
            .sum();
        assert!(opened > 0, "the draws open projects");
        // Crowded schools share rooms (D'Hondt) and form oversized classes, in every draw (a
        // cell holds the batch's draws side by side).
        let last = cell(m.areas(), m.years - 1, m.areas(), Metric::OversizedClasses);
        for l in 0..LANES {
            assert!(portable[last * LANES + l] > 0.0, "draw {l}");
        }
        // The sampling's copy too: every sampled value and opening year, over many draws
        // (each project's tail quantiles and the padding of the last four included).
        for first in (0..800).step_by(LANES) {
            let mut portable = vec![central_inputs(&m); LANES];
            let mut v3 = portable.clone();
            sample_with(&m, 2019, first, &mut portable);
            // SAFETY: the CPU has the features (checked above).
            unsafe { sample_x86_64_v3(&m, 2019, first, &mut v3) };
            for (a, b) in portable.iter().zip(&v3) {
                assert_eq!(a.open_t, b.open_t);
                let bits =
                    |d: &DrawInputs| d.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(a), bits(b), "draws {first}..");
            }
        }
    }
}
