//! One realisation of the model (SPEC §4 steps 1–6) for given sampled inputs.
//!
//! The hot loop of the Monte Carlo. Each group of schools (one area and stage) lives in the
//! per-thread [`Scratch`] grade-major: grade `k` of the group's schools is one contiguous row,
//! padded to a multiple of [`LANES`] schools, so progression, moves and class counts run as
//! vector operations across schools. Buffers are owned by the caller and reused across draws:
//! no allocation per draw. A year runs as phases ([`Phase`]), each over every group; the
//! criterion benches time them one by one. It writes per-area metrics for each year; the
//! central case can also ask for every school's classes. It must not touch files, the terminal
//! or anything but its arguments.
//!
//! Results are bit-identical to a school-by-school loop: every count is a whole number, so sums
//! of counts are exact in any order (below 2^24, which [`check_range`] guarantees), and the
//! only order-dependent arithmetic, the running totals that share whole pupils among schools,
//! runs school by school in the original order.

use thiserror::Error;

use super::assemble::Assembled;
use super::classes::{MAX_GRADES, form_classes_whole, max_class_size};
use super::results::Metric;
use super::sampling::Quantile;
use crate::model::{Driver, SchoolYear};

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

/// Schools per vector step: a group's rows are padded to a multiple of this many schools.
pub const LANES: usize = 8;

/// Whole pupils nearest to `x` ≥ 0 (half up). Every count of the simulation is whole, so that
/// every flow is a number of children and the accounts add up exactly.
#[inline(always)]
fn whole(x: f32) -> f32 {
    (x + 0.5).floor()
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

/// Where each group lives in a [`Scratch`]: its first padded school slot, its row width (its
/// schools rounded up to [`LANES`]) and the first cell of its grade-major block.
#[derive(Debug, Clone)]
struct Layout {
    slot: Vec<usize>,
    width: Vec<usize>,
    cell: Vec<usize>,
    /// Whether a group's leavers enter a later stage of its area (otherwise they leave).
    fed: Vec<bool>,
    below: Vec<Option<usize>>,
    /// Per slot: 1 for a village school, 0 otherwise (town-centre school or padding).
    village: Vec<f32>,
    slots: usize,
    cells: usize,
}

impl Layout {
    fn new(m: &Assembled) -> Layout {
        let below = below_groups(m);
        let mut fed = vec![false; m.groups.len()];
        for b in below.iter().flatten() {
            fed[*b] = true;
        }
        let (mut slot, mut width, mut cell) = (Vec::new(), Vec::new(), Vec::new());
        let (mut slots, mut cells) = (0, 0);
        let mut village = Vec::new();
        for g in &m.groups {
            let n = g.end - g.start;
            let w = n.div_ceil(LANES).max(1) * LANES;
            slot.push(slots);
            width.push(w);
            cell.push(cells);
            for j in 0..w {
                village.push(if j < n && g.start + j >= g.urban_end {
                    1.0
                } else {
                    0.0
                });
            }
            slots += w;
            cells += w * m.stages[g.stage].grades;
        }
        Layout {
            slot,
            width,
            cell,
            fed,
            below,
            village,
            slots,
            cells,
        }
    }
}

/// Per-thread buffers reused across draws.
#[derive(Debug, Clone)]
pub struct Scratch {
    layout: Layout,
    /// Pupils per group, grade-major (see [`Layout`]); padding slots stay 0.
    pupils: Vec<f32>,
    /// Classrooms per slot (whole numbers).
    rooms: Vec<f32>,
    /// Pupils of each slot, for rebalancing.
    totals: Vec<f32>,
    /// Per slot: the school's share of its group's entrants and of its town-centre inflows
    /// (0 for a school not open, or not town-centre, or padding).
    entry_share: Vec<f32>,
    inflow_share: Vec<f32>,
    /// Per group: the last open school and the last open town-centre school (slot within the
    /// group), which take the rounding of the shares; `usize::MAX` when none.
    last_open: Vec<usize>,
    last_town: Vec<usize>,
    /// Per group: Σ entry weight and Σ inflow weight of its open schools.
    entry_weight: Vec<f32>,
    inflow_weight: Vec<f32>,
    /// Per group: whole pupils who left its top grade this year.
    leaving: Vec<f32>,
    /// Per group: a school opened this year, so its shares must be recomputed.
    reweigh: Vec<bool>,
    births: Vec<f64>,
    /// External inflows per area and year (pupils), after their yearly trend.
    migrants: Vec<f32>,
    returning: Vec<f32>,
    /// Per area × (years + 1): projects opening in each year index (the last: later).
    opening: Vec<u32>,
    /// What no draw changes, computed once per thread: the base year's state (pupils, rooms,
    /// shares, weights) and a draw's output before its own figures (the observed base year's
    /// cells and the projects planned to be open by each year).
    base_pupils: Vec<f32>,
    base_rooms: Vec<f32>,
    base_entry_share: Vec<f32>,
    base_inflow_share: Vec<f32>,
    base_last_open: Vec<usize>,
    base_last_town: Vec<usize>,
    base_entry_weight: Vec<f32>,
    base_inflow_weight: Vec<f32>,
    base_out: Vec<f32>,
}

/// `last_open` / `last_town` of a group without such a school.
const NONE: usize = usize::MAX;

impl Scratch {
    pub fn new(m: &Assembled) -> Scratch {
        let layout = Layout::new(m);
        let (slots, cells, groups) = (layout.slots, layout.cells, m.groups.len());
        let mut pupils = vec![0.0f32; cells];
        let mut rooms = vec![0.0f32; slots];
        for (gi, g) in m.groups.iter().enumerate() {
            let (grades, w) = (m.stages[g.stage].grades, layout.width[gi]);
            for i in g.start..g.end {
                let j = i - g.start;
                rooms[layout.slot[gi] + j] = m.school_rooms[i] as f32;
                for k in 0..grades {
                    pupils[layout.cell[gi] + k * w + j] = m.base_pupils[m.school_offset[i] + k];
                }
            }
        }
        let mut s = Scratch {
            pupils: pupils.clone(),
            rooms: rooms.clone(),
            totals: vec![0.0; slots],
            entry_share: vec![0.0; slots],
            inflow_share: vec![0.0; slots],
            last_open: vec![NONE; groups],
            last_town: vec![NONE; groups],
            entry_weight: vec![0.0; groups],
            inflow_weight: vec![0.0; groups],
            leaving: vec![0.0; groups],
            reweigh: vec![false; groups],
            births: vec![0.0; m.areas() * m.years],
            migrants: vec![0.0; m.areas() * m.years],
            returning: vec![0.0; m.areas() * m.years],
            opening: vec![0; m.areas() * (m.years + 1)],
            base_pupils: pupils,
            base_rooms: rooms,
            base_entry_share: Vec::new(),
            base_inflow_share: Vec::new(),
            base_last_open: Vec::new(),
            base_last_town: Vec::new(),
            base_entry_weight: Vec::new(),
            base_inflow_weight: Vec::new(),
            base_out: Vec::new(),
            layout,
        };
        let areas = m.areas();
        let mut base_out = vec![0.0; m.years * (areas + 1) * METRICS];
        base_year(m, &mut s, &mut base_out, None);
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
        s.base_entry_share = s.entry_share.clone();
        s.base_inflow_share = s.inflow_share.clone();
        s.base_last_open = s.last_open.clone();
        s.base_last_town = s.last_town.clone();
        s.base_entry_weight = s.entry_weight.clone();
        s.base_inflow_weight = s.inflow_weight.clone();
        s
    }

    /// Puts back the base year's state of every group.
    fn reset(&mut self) {
        self.pupils.copy_from_slice(&self.base_pupils);
        self.rooms.copy_from_slice(&self.base_rooms);
        self.entry_share.copy_from_slice(&self.base_entry_share);
        self.inflow_share.copy_from_slice(&self.base_inflow_share);
        self.last_open.copy_from_slice(&self.base_last_open);
        self.last_town.copy_from_slice(&self.base_last_town);
        self.entry_weight.copy_from_slice(&self.base_entry_weight);
        self.inflow_weight.copy_from_slice(&self.base_inflow_weight);
    }

    /// Puts back the base year's state of group `gi` alone.
    fn reset_group(&mut self, m: &Assembled, gi: usize) {
        let l = &self.layout;
        let grades = m.stages[m.groups[gi].stage].grades;
        let cells = l.cell[gi]..l.cell[gi] + grades * l.width[gi];
        let slots = l.slot[gi]..l.slot[gi] + l.width[gi];
        self.pupils[cells.clone()].copy_from_slice(&self.base_pupils[cells]);
        self.rooms[slots.clone()].copy_from_slice(&self.base_rooms[slots]);
        self.weigh(m, gi);
    }

    /// Whether school `i` (slot `slot`) is open: existing schools always, new ones once they
    /// have rooms.
    #[inline(always)]
    fn open(&self, m: &Assembled, i: usize, slot: usize) -> bool {
        !m.school_new[i] || self.rooms[slot] > 0.0
    }

    /// Recomputes the weight sums of group `gi` from the schools open now, and each school's
    /// share of the group's entrants and inflows.
    fn weigh(&mut self, m: &Assembled, gi: usize) {
        let g = &m.groups[gi];
        let slot = self.layout.slot[gi];
        let (mut e, mut w) = (0.0f32, 0.0f32);
        let (mut last_open, mut last_town) = (NONE, NONE);
        for i in g.start..g.end {
            let j = i - g.start;
            if self.open(m, i, slot + j) {
                e += m.entry_weight[i];
                last_open = j;
                if i < g.urban_end {
                    w += m.inflow_weight[i];
                    last_town = j;
                }
            }
        }
        let per_entry = if e > 0.0 { 1.0 / e } else { 0.0 };
        let per_town = if w > 0.0 { 1.0 / w } else { 0.0 };
        for i in g.start..g.end {
            let j = i - g.start;
            let open = self.open(m, i, slot + j);
            self.entry_share[slot + j] = if open {
                m.entry_weight[i] * per_entry
            } else {
                0.0
            };
            self.inflow_share[slot + j] = if open && i < g.urban_end {
                m.inflow_weight[i] * per_town
            } else {
                0.0
            };
        }
        self.entry_weight[gi] = e;
        self.inflow_weight[gi] = w;
        self.last_open[gi] = last_open;
        self.last_town[gi] = last_town;
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

/// Runs one draw; writes `out` (length `years * (areas + 1) * METRICS`) and, when `detail` is
/// given, every school's classes.
///
/// On an x86-64 CPU with AVX2 (every one since 2013–2015) the draw runs in a copy of the
/// simulation compiled for that instruction set, chosen at run time, so the binary still runs
/// on any x86-64. The arithmetic is the same IEEE operations in the same order (Rust never
/// fuses a multiply and an add on its own), so both copies give bit-identical results.
pub fn simulate(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    detail: Option<&mut Vec<SchoolCell>>,
) {
    #[cfg(target_arch = "x86_64")]
    if has_v3() {
        // SAFETY: the CPU has the features `simulate_x86_64_v3` is compiled for (checked above).
        return unsafe { simulate_x86_64_v3(m, inputs, s, out, detail) };
    }
    simulate_with(m, inputs, s, out, detail);
}

/// Whether the CPU has the features of the `_x86_64_v3` copies.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn has_v3() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("bmi2")
        && std::arch::is_x86_feature_detected!("lzcnt")
}

/// [`simulate_with`] compiled for AVX2, BMI2 and LZCNT (the x86-64-v3 level, less FMA).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
fn simulate_x86_64_v3(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    detail: Option<&mut Vec<SchoolCell>>,
) {
    simulate_with(m, inputs, s, out, detail);
}

/// The simulation of one draw; inlined, with everything it calls, into each [`simulate`] copy.
#[inline(always)]
fn simulate_with(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    mut detail: Option<&mut Vec<SchoolCell>>,
) {
    start(m, inputs, s, out);
    if detail.is_some() {
        // The central case also lists the base year's classes.
        out[..(m.areas() + 1) * METRICS].fill(0.0);
        base_year(m, s, out, detail.as_deref_mut());
    }
    prepare(m, inputs, s);
    for t in 1..m.years {
        for phase in Phase::ALL {
            run_phase(m, inputs, s, out, t, phase, detail.as_deref_mut());
        }
    }
    accounts(m, out);
}

/// Starts a draw from the base year: every group's state, the output's constant cells, and the
/// projects completed by each year.
#[inline(always)]
fn start(m: &Assembled, inputs: &DrawInputs, s: &mut Scratch, out: &mut [f32]) {
    let areas = m.areas();
    s.reset();
    out.copy_from_slice(&s.base_out);
    // Projects open by 1 September of each year: counted by opening year, then cumulated.
    s.opening.fill(0);
    let buckets = m.years + 1;
    for (p, &open) in m.projects.iter().zip(&inputs.open_t) {
        s.opening[p.area * buckets + usize::from(open).min(m.years)] += 1;
    }
    for a in 0..areas {
        let mut done = 0u32;
        for t in 0..m.years {
            done += s.opening[a * buckets + t];
            if t > 0 {
                let n = done as f32;
                out[cell(areas, t, a, Metric::ProjectsCompleted)] += n;
                out[cell(areas, t, areas, Metric::ProjectsCompleted)] += n;
            }
        }
    }
}

/// The accounts of each area and year, city totals of the flows, and cleared classes.
#[inline(always)]
fn accounts(m: &Assembled, out: &mut [f32]) {
    let areas = m.areas();
    for t in 0..m.years {
        for a in 0..areas {
            if t > 0 {
                let v = |metric| out[cell(areas, t, a, metric)];
                out[cell(areas, t, a, Metric::DemandNatural)] =
                    v(Metric::Entrants) - v(Metric::Leavers) + v(Metric::ProgressionChange);
            }
        }
        for metric in Metric::ALL.into_iter().filter(|m| m.is_flow()) {
            let mut total = 0.0f32;
            for a in 0..areas {
                total += out[cell(areas, t, a, metric)];
            }
            out[cell(areas, t, areas, metric)] = total;
        }
        for a in 0..=areas {
            out[cell(areas, t, a, Metric::Cleared)] = out
                [cell(areas, 0, a, Metric::OversizedClasses)]
                - out[cell(areas, t, a, Metric::OversizedClasses)];
        }
    }
}

/// Runs one phase of year `t` ≥ 1 over every group (the steps of [`simulate`], one at a time,
/// for the benches: the state must be the one the previous phases of the draw left).
pub fn phase(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    phase: Phase,
) {
    #[cfg(target_arch = "x86_64")]
    if has_v3() {
        // SAFETY: the CPU has the features `phase_x86_64_v3` is compiled for (checked above).
        return unsafe { phase_x86_64_v3(m, inputs, s, out, t, phase) };
    }
    run_phase(m, inputs, s, out, t, phase, None);
}

/// [`phase`] compiled for AVX2 as [`simulate_x86_64_v3`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
fn phase_x86_64_v3(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    phase: Phase,
) {
    run_phase(m, inputs, s, out, t, phase, None);
}

/// Begins a draw: the base year's state, the output's constant cells, the projects completed by
/// each year, births and inflows ([`prepare`]). Then [`phase`] for each year and phase, then
/// [`finish`], is [`simulate`] without the central case's rows (for the benches).
pub fn begin(m: &Assembled, inputs: &DrawInputs, s: &mut Scratch, out: &mut [f32]) {
    start(m, inputs, s, out);
    prepare(m, inputs, s);
}

/// Ends a draw: the accounts of each area and year (natural change), city totals of the flows,
/// cleared classes.
pub fn finish(m: &Assembled, out: &mut [f32]) {
    accounts(m, out);
}

#[inline(always)]
fn run_phase(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    phase: Phase,
    mut detail: Option<&mut Vec<SchoolCell>>,
) {
    let groups = m.groups.len();
    // Plain loops: a closure here would be compiled without the caller's target features.
    match phase {
        Phase::Supply => supply(m, inputs, s, t, None),
        Phase::Progression => {
            for gi in 0..groups {
                progression(m, inputs, s, out, t, gi);
            }
        }
        Phase::Entry => {
            for gi in 0..groups {
                let feeder = match s.layout.below[gi] {
                    Some(b) => s.leaving[b],
                    None => 0.0,
                };
                entry(m, inputs, s, out, t, gi, feeder);
                if !s.layout.fed[gi] {
                    // Leavers of a stage that no later stage of the area takes in leave.
                    let c = cell(m.areas(), t, m.groups[gi].area, Metric::Leavers);
                    out[c] += s.leaving[gi];
                }
            }
        }
        Phase::Flows => {
            for gi in 0..groups {
                flows(m, inputs, s, out, t, gi);
            }
        }
        Phase::Rebalancing => {
            for gi in 0..groups {
                rebalancing(m, s, out, t, gi);
            }
        }
        Phase::Classes => {
            for gi in 0..groups {
                classes(m, s, out, t, gi, detail.as_deref_mut());
            }
        }
    }
}

/// A draw's entrants' births and external inflows per area and year: they depend on the draw's
/// sampled values only, so [`simulate_group`]'s callers prepare them once per draw.
pub fn prepare(m: &Assembled, inputs: &DrawInputs, s: &mut Scratch) {
    let areas = m.areas();
    let value = |d: Driver, a: usize, t: usize| inputs.values[m.source(d, a, t)];

    // Entrants' births per area and year: observed, or the last observation carried forward
    // by the sampled annual change. External inflows per area and year: the first projected
    // year's value, then its sampled yearly trend.
    for a in 0..areas {
        let last = m.births_last[a];
        let (mut migrant_trend, mut returning_trend) = (1.0f64, 1.0f64);
        for t in 1..m.years {
            let y = m.base_year.0 + t as u16 - m.entry_age;
            s.births[a * m.years + t] = if y <= last {
                m.births[a * m.births_years + usize::from(y - m.births_first_year)]
            } else {
                let mut b = m.births[a * m.births_years + usize::from(last - m.births_first_year)];
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
            s.migrants[a * m.years + t] =
                (value(Driver::MigrantInflow, a, t) * migrant_trend).max(0.0) as f32;
            s.returning[a * m.years + t] =
                (value(Driver::ReturningInflow, a, t) * returning_trend).max(0.0) as f32;
        }
    }
}

/// Runs the schools of group `gi` alone, over every projected year, from the base year's state:
/// writes the group's metrics into `out` (zeroed first), so that its area's cells hold this
/// group's share alone, and the group's top-grade leavers of each year into `leavers`. A stage
/// after the first takes `feeder[t]`, the leavers of the stage below in year `t` (from that
/// group's own run). Groups only meet through those leavers, so the groups run one by one give
/// the full run's figures, and a change to one project needs its group run again, not the city.
/// The draw's births and inflows must be prepared first ([`prepare`]).
pub fn simulate_group(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    gi: usize,
    feeder: &[f32],
    leavers: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if has_v3() {
        // SAFETY: the CPU has the features `group_x86_64_v3` is compiled for (checked above).
        return unsafe { group_x86_64_v3(m, inputs, s, out, gi, feeder, leavers) };
    }
    group_with(m, inputs, s, out, gi, feeder, leavers);
}

/// [`group_with`] compiled for AVX2 as [`simulate_x86_64_v3`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
fn group_x86_64_v3(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    gi: usize,
    feeder: &[f32],
    leavers: &mut [f32],
) {
    group_with(m, inputs, s, out, gi, feeder, leavers);
}

#[inline(always)]
fn group_with(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    gi: usize,
    feeder: &[f32],
    leavers: &mut [f32],
) {
    out.fill(0.0);
    s.reset_group(m, gi);
    let fed_from_below = m.groups[gi].stage > 0;
    for t in 1..m.years {
        supply(m, inputs, s, t, Some(gi));
        progression(m, inputs, s, out, t, gi);
        let feeder_in = if fed_from_below { feeder[t] } else { 0.0 };
        entry(m, inputs, s, out, t, gi, feeder_in);
        flows(m, inputs, s, out, t, gi);
        rebalancing(m, s, out, t, gi);
        classes(m, s, out, t, gi, None);
        leavers[t] = s.leaving[gi];
    }
}

/// The base year, observed: classes from the base counts and classrooms, and the groups'
/// weights. Adds the year's cells to `out` (and leaves the project metrics alone).
fn base_year(
    m: &Assembled,
    s: &mut Scratch,
    out: &mut [f32],
    mut detail: Option<&mut Vec<SchoolCell>>,
) {
    s.pupils.copy_from_slice(&s.base_pupils);
    s.rooms.copy_from_slice(&s.base_rooms);
    for gi in 0..m.groups.len() {
        classes(m, s, out, 0, gi, detail.as_deref_mut());
        s.weigh(m, gi);
    }
}

/// Step 4 for year `t`: the projects completed in time add their classrooms (to every group,
/// or to group `only`); a school opening changes its group's shares.
#[inline(always)]
fn supply(m: &Assembled, inputs: &DrawInputs, s: &mut Scratch, t: usize, only: Option<usize>) {
    // Weighing depends only on which schools are open: once per group that has a school
    // opening, after all the year's projects.
    let mut opened = false;
    for (p, &o) in m.projects.iter().zip(&inputs.open_t) {
        if usize::from(o) == t && only.is_none_or(|gi| gi == p.group) {
            let slot = s.layout.slot[p.group] + p.school - m.groups[p.group].start;
            if !s.open(m, p.school, slot) {
                s.reweigh[p.group] = true;
                opened = true;
            }
            s.rooms[slot] += p.classrooms as f32;
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

/// The [`LANES`] values of `x` from `at`, as a local array (the compiler vectorises operations
/// on local arrays; on slices of the same buffer it cannot prove they do not overlap).
#[inline(always)]
fn lanes(x: &[f32], at: usize) -> [f32; LANES] {
    let mut v = [0.0f32; LANES];
    v.copy_from_slice(&x[at..at + LANES]);
    v
}

/// The rows of group `gi`: its grade-major block of pupils, its row width, first slot, grades.
#[inline(always)]
fn rows(m: &Assembled, s: &Scratch, gi: usize) -> (usize, usize, usize, usize) {
    let l = &s.layout;
    let grades = m.stages[m.groups[gi].stage].grades;
    (l.cell[gi], l.width[gi], l.slot[gi], grades)
}

/// The sum of whole numbers in lanes (exact in any order below 2^24).
#[inline(always)]
fn lane_sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    for j in (0..x.len()).step_by(LANES) {
        let c = lanes(x, j);
        for l in 0..LANES {
            acc[l] += c[l];
        }
    }
    add(&acc)
}

/// `x[0] + x[1] + …` in a plain loop (iterator sums are not always inlined into the copies
/// compiled for AVX2).
#[inline(always)]
fn add(x: &[f32]) -> f32 {
    let mut sum = 0.0f32;
    for &v in x {
        sum += v;
    }
    sum
}

/// Step 1 for group `gi` in year `t`: each school's cohorts advance by the area's ratios ×
/// the progression factor, in whole pupils; the top grade leaves (`Scratch::leaving`) and the
/// entry grade is emptied for [`entry`]. A school not open has no pupils, so it needs no mask.
#[inline(always)]
fn progression(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    gi: usize,
) {
    let g = &m.groups[gi];
    let stage = &m.stages[g.stage];
    let a = g.area;
    let g0 = usize::from(stage.first_grade - m.min_grade);
    let pf = inputs.values[m.source(Driver::ProgressionFactor, a, t)] as f32;
    let (base, w, _, grades) = rows(m, s, gi);
    let p = &mut s.pupils[base..base + grades * w];
    let leaving = lane_sum(&p[(grades - 1) * w..]);
    let mut acc = [0.0f32; LANES];
    for k in (1..grades).rev() {
        let ratio = m.ratios[a * m.transitions + g0 + k - 1] * pf;
        for j in (0..w).step_by(LANES) {
            let from = lanes(p, (k - 1) * w + j);
            let mut up = [0.0f32; LANES];
            for l in 0..LANES {
                up[l] = whole(from[l] * ratio);
                acc[l] += up[l] - from[l];
            }
            p[k * w + j..k * w + j + LANES].copy_from_slice(&up);
        }
    }
    p[..w].fill(0.0);
    s.leaving[gi] = leaving;
    out[cell(m.areas(), t, a, Metric::ProgressionChange)] += add(&acc);
}

/// Step 2 for group `gi` in year `t`: births × entry ratio for the first stage, the stage
/// below's leavers `feeder_in` × the crossing ratio for the others; shared among the open
/// schools by entry weight, in whole pupils (each school gets the change in the rounded running
/// total, the last open school the rest), into the entry grade that [`progression`] emptied.
#[inline(always)]
fn entry(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    gi: usize,
    feeder_in: f32,
) {
    let g = &m.groups[gi];
    let stage = &m.stages[g.stage];
    let (areas, a) = (m.areas(), g.area);
    let value = |d: Driver| inputs.values[m.source(d, a, t)];
    let g0 = usize::from(stage.first_grade - m.min_grade);
    let open_entry = s.entry_weight[gi] > 0.0;
    let entrants = if !open_entry {
        0.0
    } else if g0 == 0 {
        whole((s.births[a * m.years + t] * value(Driver::EntryRatio)) as f32)
    } else {
        let pf = value(Driver::ProgressionFactor) as f32;
        whole(feeder_in * m.ratios[a * m.transitions + g0 - 1] * pf)
    };
    if g0 == 0 {
        out[cell(areas, t, a, Metric::Entrants)] += entrants;
    } else {
        // Crossing into this stage is progression within the area.
        out[cell(areas, t, a, Metric::ProgressionChange)] += entrants - feeder_in;
    }
    let (base, _, slot, _) = rows(m, s, gi);
    let n = g.end - g.start;
    let (running, given) = (&mut 0.0f32, &mut 0.0f32);
    let entry_row = &mut s.pupils[base..base + n];
    for (x, &share) in entry_row.iter_mut().zip(&s.entry_share[slot..slot + n]) {
        // A share of 0 (a school not open) leaves the running total as it is: no pupil.
        *running += entrants * share;
        let upto = whole(*running).min(entrants);
        *x = upto - *given;
        *given = upto;
    }
    if let Some(x) = entry_row.get_mut(s.last_open[gi]) {
        *x += entrants - *given;
    }
}

/// Step 3 for group `gi` in year `t`: rural-to-town moves, a rate of each village school's
/// pupils (never more than it has), when the area has a town-centre school of the stage open to
/// take them; migrants and returners from outside the city by grade profile; all shared among
/// the open town-centre schools by inflow weight, in whole pupils.
#[inline(always)]
fn flows(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    gi: usize,
) {
    let g = &m.groups[gi];
    let stage = &m.stages[g.stage];
    let (areas, a) = (m.areas(), g.area);
    let g0 = usize::from(stage.first_grade - m.min_grade);
    let has_town = s.inflow_weight[gi] > 0.0;
    let rate = if has_town {
        inputs.values[m.source(Driver::RuralToTownRate, a, t)].clamp(0.0, 1.0) as f32
    } else {
        0.0
    };
    let (base, w, slot, grades) = rows(m, s, gi);
    let mut arriving = [0.0f32; MAX_GRADES];
    if g.urban_end < g.end && rate > 0.0 {
        // Every slot at `rate` × 1 (village) or × 0 (town-centre, padding: nobody leaves).
        for (k, arrive) in arriving[..grades].iter_mut().enumerate() {
            let row = base + k * w;
            let mut acc = [0.0f32; LANES];
            for j in (0..w).step_by(LANES) {
                let (mut x, v) = (
                    lanes(&s.pupils, row + j),
                    lanes(&s.layout.village, slot + j),
                );
                for l in 0..LANES {
                    let leave = whole(x[l] * (rate * v[l])).min(x[l]);
                    x[l] -= leave;
                    acc[l] += leave;
                }
                s.pupils[row + j..row + j + LANES].copy_from_slice(&x);
            }
            *arrive = add(&acc);
        }
    }
    let moves = add(&arriving[..grades]);
    let (mut migrant_in, mut returning_in) = (0.0f32, 0.0f32);
    if has_town {
        let (migrants, returning) = (s.migrants[a * m.years + t], s.returning[a * m.years + t]);
        for (k, x) in arriving[..grades].iter_mut().enumerate() {
            let (mi, ri) = (
                whole(migrants * m.migrant_profile[g0 + k]),
                whole(returning * m.returning_profile[g0 + k]),
            );
            migrant_in += mi;
            returning_in += ri;
            *x += mi + ri;
        }
        share_rows(
            &mut s.pupils[base..base + grades * w],
            w,
            &arriving[..grades],
            &s.inflow_share[slot..slot + g.urban_end - g.start],
            s.last_town[gi],
        );
    }
    out[cell(areas, t, a, Metric::DemandMigrant)] += migrant_in;
    out[cell(areas, t, a, Metric::DemandReturning)] += returning_in;
    out[cell(areas, t, a, Metric::TownArrivals)] += moves;
    out[cell(areas, t, a, Metric::VillageDepartures)] += moves;
}

/// Shares whole `amount`s (one per grade) among the first `shares.len()` slots of the rows of
/// width `w`: slot by slot, each gets the change in the rounded running total of its share, and
/// slot `last` the rest, so the parts are whole and add up to the amounts exactly.
#[inline(always)]
fn share_rows(p: &mut [f32], w: usize, amount: &[f32], shares: &[f32], last: usize) {
    let grades = amount.len();
    let mut running = [0.0f32; MAX_GRADES];
    let mut given = [0.0f32; MAX_GRADES];
    for (j, &share) in shares.iter().enumerate() {
        if share == 0.0 {
            // Adds nothing: the running totals stay as they are.
            continue;
        }
        for k in 0..grades {
            running[k] += amount[k] * share;
            let upto = whole(running[k]).min(amount[k]);
            p[k * w + j] += upto - given[k];
            given[k] = upto;
        }
    }
    if last < shares.len() {
        for k in 0..grades {
            p[k * w + last] += amount[k] - given[k];
        }
    }
}

/// Step 5 for group `gi` in year `t`: rebalancing among its town-centre schools, then among its
/// village schools.
#[inline(always)]
fn rebalancing(m: &Assembled, s: &mut Scratch, out: &mut [f32], t: usize, gi: usize) {
    if m.rebalancing <= 0.0 {
        return;
    }
    let g = &m.groups[gi];
    let (base, w, slot, grades) = rows(m, s, gi);
    // Each school's pupils now.
    for j in 0..w {
        let mut total = 0.0f32;
        for k in 0..grades {
            total += s.pupils[base + k * w + j];
        }
        s.totals[slot + j] = total;
    }
    let (n, u) = (g.end - g.start, g.urban_end - g.start);
    let moved = rebalance(m, s, gi, 0..u) + rebalance(m, s, gi, u..n);
    out[cell(m.areas(), t, g.area, Metric::PupilsMoved)] += moved;
}

/// Moves pupils above places from the schools in slots `range` of group `gi` to schools of the
/// same range with spare places (new schools first, then in proportion to spare places), at
/// most the scenario's share of the excess, in whole pupils. Reads each school's pupils from
/// `s.totals`. Returns the pupils moved: every one leaves one school and joins another.
fn rebalance(m: &Assembled, s: &mut Scratch, gi: usize, range: std::ops::Range<usize>) -> f32 {
    if range.is_empty() {
        return 0.0;
    }
    let g = &m.groups[gi];
    let (base, w, slot, grades) = rows(m, s, gi);
    let size = m.stages[g.stage].rule.size as f32;
    let (mut excess, mut spare) = (0.0f32, 0.0f32);
    for j in range.clone() {
        let rooms = s.rooms[slot + j];
        let places = rooms * size;
        let p = s.totals[slot + j];
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
    for j in range.clone() {
        let places = s.rooms[slot + j] * size;
        let p = s.totals[slot + j];
        if p > places {
            let fraction = give * (p - places) / p;
            let mut taken = 0.0f32;
            for (k, b) in by_grade[..grades].iter_mut().enumerate() {
                let x = &mut s.pupils[base + k * w + j];
                let d = whole(*x * fraction).min(*x);
                *x -= d;
                *b += d;
                taken += d;
            }
            s.totals[slot + j] = p - taken;
        }
    }
    let by_grade = &by_grade[..grades];
    let moved = add(by_grade);
    if moved <= 0.0 {
        return 0.0;
    }
    // In: new schools first, up to their spare places; the rest in proportion to spare places.
    let mut share = Receiving::default();
    let mut last = None;
    let mut left = moved;
    let mut old_spare = 0.0f32;
    for j in range.clone() {
        let rooms = s.rooms[slot + j];
        if rooms == 0.0 {
            continue;
        }
        let room = (rooms * size - s.totals[slot + j]).max(0.0);
        if m.school_new[g.start + j] {
            if room > 0.0 && left > 0.0 {
                let take = room.min(left);
                share.give(s, base, w, slot, j, by_grade, take / moved);
                left -= take;
                last = Some(j);
            }
        } else {
            old_spare += room;
        }
    }
    if left > 0.0 && old_spare > 0.0 {
        for j in range {
            let rooms = s.rooms[slot + j];
            if m.school_new[g.start + j] || rooms == 0.0 {
                continue;
            }
            let room = (rooms * size - s.totals[slot + j]).max(0.0);
            if room > 0.0 {
                let fraction = left * room / old_spare / moved;
                share.give(s, base, w, slot, j, by_grade, fraction);
                last = Some(j);
            }
        }
    }
    // The running total's rounding goes to the last school that took pupils: none is lost.
    if let Some(j) = last {
        let mut added = 0.0f32;
        for (k, &b) in by_grade.iter().enumerate() {
            let part = b - share.given[k];
            share.given[k] = b;
            s.pupils[base + k * w + j] += part;
            added += part;
        }
        s.totals[slot + j] += added;
    }
    moved
}

/// The running totals of pupils moved in by rebalancing, per grade.
#[derive(Default)]
struct Receiving {
    running: [f32; MAX_GRADES],
    given: [f32; MAX_GRADES],
}

impl Receiving {
    /// Adds `fraction` of the moved pupils `by_grade` to slot `j`, in whole pupils.
    #[allow(
        clippy::too_many_arguments,
        reason = "the hot loop passes the slices it works on; a struct would borrow them all"
    )]
    #[inline(always)]
    fn give(
        &mut self,
        s: &mut Scratch,
        base: usize,
        w: usize,
        slot: usize,
        j: usize,
        by_grade: &[f32],
        fraction: f32,
    ) {
        let mut added = 0.0f32;
        for (k, &b) in by_grade.iter().enumerate() {
            self.running[k] += b * fraction;
            let upto = whole(self.running[k]).min(b);
            let part = upto - self.given[k];
            self.given[k] = upto;
            s.pupils[base + k * w + j] += part;
            added += part;
        }
        s.totals[slot + j] += added;
    }
}

/// Step 6 for the schools of group `gi` in year `t`, adding up per area and city. Dispatches on
/// the stage's grade count so that the crowded schools' class formation runs over fixed-size
/// arrays, which LLVM unrolls and keeps in registers.
#[inline(always)]
fn classes(
    m: &Assembled,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    gi: usize,
    detail: Option<&mut Vec<SchoolCell>>,
) {
    match m.stages[m.groups[gi].stage].grades {
        3 => classes_fixed::<3>(m, s, out, t, gi, detail),
        6 => classes_fixed::<6>(m, s, out, t, gi, detail),
        _ => classes_fixed::<MAX_GRADES>(m, s, out, t, gi, detail),
    }
}

/// [`classes`] for a stage of `G` grades, or of at most [`MAX_GRADES`] when `G` is that.
///
/// Pupils and classes needed per grade are whole numbers in f32, below 2^24 in every sum, so
/// the sums are exact, and so is ⌈c / size⌉ (a quotient just above a whole number is never
/// rounded down onto it in this range; a test checks it). Every school's pupils, places,
/// shortfall and classes needed are computed for eight schools at once; a school with fewer
/// classrooms than classes needed (or every school, when the standard size is oversized or the
/// central case asks for every class) then forms its classes alone.
#[inline(always)]
fn classes_fixed<const G: usize>(
    m: &Assembled,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    gi: usize,
    mut detail: Option<&mut Vec<SchoolCell>>,
) {
    let areas = m.areas();
    let g = &m.groups[gi];
    let stage = &m.stages[g.stage];
    let rule = stage.rule;
    let size = rule.size as f32;
    let (base, w, slot, _) = rows(m, s, gi);
    // A compile-time constant except in the catch-all instance.
    let grades = if G == MAX_GRADES { stage.grades } else { G };
    let every = rule.size >= rule.oversized || detail.is_some();
    let n = g.end - g.start;
    // Whole numbers per lane, exact in f32 (a group's pupils and places stay below 2^24, see
    // [`check_range`]): pupils, places, shortfall, classes, village pupils.
    let mut acc = [[0.0f32; LANES]; 5];
    let (mut classes, mut oversized, mut super_oversized) = (0.0f64, 0.0f64, 0.0f64);
    for j0 in (0..w).step_by(LANES) {
        let (mut total, mut need) = ([0.0f32; LANES], [0.0f32; LANES]);
        for k in 0..grades {
            let row = lanes(&s.pupils, base + k * w + j0);
            for l in 0..LANES {
                total[l] += row[l];
                need[l] += (row[l] / size).ceil();
            }
        }
        let rooms = lanes(&s.rooms, slot + j0);
        let village = lanes(&s.layout.village, slot + j0);
        let mut crowded = 0u32;
        for l in 0..LANES {
            let places = rooms[l] * size;
            acc[0][l] += total[l];
            acc[1][l] += places;
            acc[2][l] += (total[l] - places).max(0.0);
            acc[4][l] += total[l] * village[l];
            // The common case: every grade has the classes it needs, none above the standard
            // size, so none oversized.
            let alone = every || need[l] > rooms[l];
            acc[3][l] += if alone { 0.0 } else { need[l] };
            crowded |= u32::from(alone) << l;
        }
        while crowded != 0 {
            let l = crowded.trailing_zeros() as usize;
            crowded &= crowded - 1;
            let j = j0 + l;
            if j >= n || !s.open(m, g.start + j, slot + j) {
                continue;
            }
            let (mut counts, mut class) = ([0.0f64; G], [0.0f64; G]);
            for k in 0..grades {
                let c = s.pupils[base + k * w + j];
                counts[k] = f64::from(c);
                class[k] = f64::from((c / size).ceil());
            }
            let (mut over, mut super_over) = ([0.0f64; G], [0.0f64; G]);
            form_classes_whole(
                &counts[..grades],
                &mut class[..grades],
                f64::from(need[l]),
                f64::from(rooms[l]),
                rule,
                &mut over[..grades],
                &mut super_over[..grades],
            );
            for k in 0..grades {
                classes += class[k];
                oversized += over[k];
                super_oversized += super_over[k];
            }
            if let Some(d) = detail.as_deref_mut() {
                for k in 0..grades {
                    let (pupils, classes) = (counts[k] as u32, class[k] as u32);
                    d.push(SchoolCell {
                        school: (g.start + j) as u32,
                        t: t as u16,
                        grade: stage.first_grade + k as u8,
                        pupils,
                        classes,
                        max_class_size: max_class_size(pupils, classes),
                        oversized: over[k] as u32,
                        super_oversized: super_over[k] as u32,
                    });
                }
            }
        }
    }
    let sum = |x: &[f32; LANES]| f64::from(add(x));
    let sums = [
        (Metric::Pupils, sum(&acc[0])),
        (Metric::Places, sum(&acc[1])),
        (Metric::Shortfall, sum(&acc[2])),
        (Metric::Classes, sum(&acc[3]) + classes),
        (Metric::OversizedClasses, oversized),
        (Metric::SuperOversizedClasses, super_oversized),
        (Metric::VillagePupils, sum(&acc[4])),
    ];
    for a in [g.area, areas] {
        for (metric, v) in sums {
            out[cell(areas, t, a, metric)] += v as f32;
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

    /// The copy compiled for AVX2 gives the same bits as the portable one, draw by draw.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_copy_gives_the_same_bits() {
        if !std::arch::is_x86_feature_detected!("avx2")
            || !std::arch::is_x86_feature_detected!("bmi2")
            || !std::arch::is_x86_feature_detected!("lzcnt")
        {
            eprintln!("no AVX2 on this CPU: only the portable copy runs here");
            return;
        }
        let mut scenario = synth::no_build_scenario(2025);
        scenario.cancel = Default::default();
        scenario.pace = Pace::CurrentPace;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/hengyang-2019");
        let ds = crate::io::dataset::load(&dir).expect("the default data set loads");
        let m = assemble(&ds, &scenario).expect("the default data set assembles");
        let width = m.years * (m.areas() + 1) * METRICS;
        let (mut portable, mut v3) = (vec![0.0f32; width], vec![0.0f32; width]);
        let mut inputs = central_inputs(&m);
        let mut scratch = Scratch::new(&m);
        let mut opened = 0;
        for draw in 0..10 {
            sample_inputs(&m, 7, draw, &mut inputs);
            opened += inputs.open_t.iter().filter(|&&t| t != u16::MAX).count();
            simulate_with(&m, &inputs, &mut scratch, &mut portable, None);
            // SAFETY: the CPU has the features (checked above).
            unsafe { simulate_x86_64_v3(&m, &inputs, &mut scratch, &mut v3, None) };
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&portable), bits(&v3), "draw {draw}");
            // Crowded schools share rooms (D'Hondt) and form oversized classes.
            let last = cell(m.areas(), m.years - 1, m.areas(), Metric::OversizedClasses);
            assert!(portable[last] > 0.0, "draw {draw}");
        }
        assert!(
            opened > 0,
            "the draws open projects, so rebalancing into new schools runs"
        );
    }
}
