//! One realisation of the model (SPEC §4 steps 1–6) for given sampled inputs.
//!
//! The hot loop of the Monte Carlo: flat arrays, contiguous groups of schools, buffers owned by
//! the caller and reused across draws, no allocation per draw. It writes per-area metrics for
//! each year; the central case can also ask for every school's classes.

use super::assemble::{Assembled, Group};
use super::classes::{MAX_GRADES, form_classes_whole, max_class_size};
use super::results::Metric;
use crate::model::Driver;

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

/// Pupils of one grade of one school are counted up to 2^20 (a million): beyond any real
/// school, and small enough that the sums over [`MAX_GRADES`] grades stay exact in f32.
const MAX_GRADE_PUPILS: f32 = (1 << 20) as f32;

/// `Scratch::feeder_stage` of an area whose leavers have all been placed.
const NO_FEEDER: usize = usize::MAX;

/// Whole pupils nearest to `x` ≥ 0 (half up). Every count of the simulation is whole, so that
/// every flow is a number of children and the accounts add up exactly.
#[inline(always)]
fn whole(x: f32) -> f32 {
    (x + 0.5).floor()
}

/// Shares whole amounts among recipients in order so that the parts are whole and add up to
/// the amount exactly: each recipient gets the change in the rounded running total.
#[derive(Clone, Copy)]
struct Apportion<const G: usize> {
    running: [f32; G],
    given: [f32; G],
}

impl<const G: usize> Apportion<G> {
    fn new() -> Self {
        Apportion {
            running: [0.0; G],
            given: [0.0; G],
        }
    }

    /// Adds the `fraction` of `amount` (per grade) due to one recipient to `to`; returns the
    /// pupils added.
    #[inline(always)]
    fn give(&mut self, amount: &[f32], fraction: f32, to: &mut [f32]) -> f32 {
        let mut added = 0.0f32;
        for k in 0..to.len() {
            self.running[k] += amount[k] * fraction;
            let upto = whole(self.running[k]).min(amount[k]);
            let part = upto - self.given[k];
            self.given[k] = upto;
            to[k] += part;
            added += part;
        }
        added
    }

    /// Adds what is left of `amount` (the running total's rounding) to `to`; returns it.
    #[inline(always)]
    fn rest(&mut self, amount: &[f32], to: &mut [f32]) -> f32 {
        let mut added = 0.0f32;
        for k in 0..to.len() {
            let part = amount[k] - self.given[k];
            self.given[k] = amount[k];
            to[k] += part;
            added += part;
        }
        added
    }
}

/// Per-thread buffers reused across draws.
#[derive(Debug, Clone)]
pub struct Scratch {
    pupils: Vec<f32>,
    rooms: Vec<u32>,
    /// Pupils of each school after the year's flows (before rebalancing moves them).
    totals: Vec<f32>,
    births: Vec<f64>,
    /// External inflows per area and year (pupils), after their yearly trend.
    migrants: Vec<f32>,
    returning: Vec<f32>,
    /// Whole pupils who left the top grade of stage `feeder_stage[area]` this year and have not
    /// yet entered the next stage's schools.
    feeder: Vec<f32>,
    feeder_stage: Vec<usize>,
    /// Per group: Σ entry weight and Σ inflow weight of its open schools.
    entry_weight: Vec<f32>,
    inflow_weight: Vec<f32>,
    /// The base year is observed, so the same in every draw: its cells of a draw's output
    /// (zero for the project metrics) and its group weights, computed once per thread.
    base_out: Vec<f32>,
    base_entry_weight: Vec<f32>,
    base_inflow_weight: Vec<f32>,
}

impl Scratch {
    pub fn new(m: &Assembled) -> Scratch {
        let mut s = Scratch {
            pupils: vec![0.0; m.cells],
            rooms: vec![0; m.schools()],
            totals: vec![0.0; m.schools()],
            births: vec![0.0; m.areas() * m.years],
            migrants: vec![0.0; m.areas() * m.years],
            returning: vec![0.0; m.areas() * m.years],
            feeder: vec![0.0; m.areas()],
            feeder_stage: vec![NO_FEEDER; m.areas()],
            entry_weight: vec![0.0; m.groups.len()],
            inflow_weight: vec![0.0; m.groups.len()],
            base_out: Vec::new(),
            base_entry_weight: Vec::new(),
            base_inflow_weight: Vec::new(),
        };
        let mut base_out = vec![0.0; (m.areas() + 1) * METRICS];
        base_year(m, &mut s, &mut base_out, None);
        s.base_out = base_out;
        s.base_entry_weight = s.entry_weight.clone();
        s.base_inflow_weight = s.inflow_weight.clone();
        s
    }

    /// Whether school `i` is open: existing schools always, new ones once they have rooms.
    #[inline(always)]
    fn open(&self, m: &Assembled, i: usize) -> bool {
        !m.school_new[i] || self.rooms[i] > 0
    }

    /// Recomputes the weight sums of group `gi` from the schools open now.
    #[inline(always)]
    fn weigh(&mut self, m: &Assembled, gi: usize) {
        let g = &m.groups[gi];
        let (mut e, mut w) = (0.0f32, 0.0f32);
        for i in g.start..g.end {
            if self.open(m, i) {
                e += m.entry_weight[i];
                if i < g.urban_end {
                    w += m.inflow_weight[i];
                }
            }
        }
        self.entry_weight[gi] = e;
        self.inflow_weight[gi] = w;
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
    if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("bmi2")
        && std::arch::is_x86_feature_detected!("lzcnt")
    {
        // SAFETY: the CPU has the features `simulate_x86_64_v3` is compiled for (checked above).
        return unsafe { simulate_x86_64_v3(m, inputs, s, out, detail) };
    }
    simulate_with(m, inputs, s, out, detail);
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
    let areas = m.areas();
    out.fill(0.0);
    if detail.is_some() {
        base_year(m, s, out, detail.as_deref_mut());
    } else {
        s.pupils.copy_from_slice(&m.base_pupils);
        s.rooms.copy_from_slice(&m.school_rooms);
        out[..s.base_out.len()].copy_from_slice(&s.base_out);
        s.entry_weight.copy_from_slice(&s.base_entry_weight);
        s.inflow_weight.copy_from_slice(&s.base_inflow_weight);
    }
    prepare(m, inputs, s);

    // Projects open by 1 September of each year (none in the observed base year), and planned to.
    for (p, &open) in m.projects.iter().zip(&inputs.open_t) {
        let planned_t = m.pipeline.planned_t(&p.schedule);
        for t in 1..m.years {
            let done = usize::from(open) <= t;
            let planned = usize::from(planned_t) <= t;
            for area in [p.area, areas] {
                out[cell(areas, t, area, Metric::ProjectsCompleted)] += f32::from(u8::from(done));
                out[cell(areas, t, area, Metric::ProjectsPlanned)] += f32::from(u8::from(planned));
            }
        }
    }

    for t in 1..m.years {
        for (p, &o) in m.projects.iter().zip(&inputs.open_t) {
            if usize::from(o) == t {
                // Only a school opening changes its group's weights.
                let opens = !s.open(m, p.school);
                s.rooms[p.school] += p.classrooms;
                if opens {
                    s.weigh(m, p.group);
                }
            }
        }
        s.feeder_stage.fill(NO_FEEDER);
        for gi in 0..m.groups.len() {
            step(m, inputs, s, out, t, gi, detail.as_deref_mut());
        }
        // Leavers of a stage that no later stage of the area takes in leave the system.
        for a in 0..areas {
            if s.feeder_stage[a] != NO_FEEDER {
                out[cell(areas, t, a, Metric::Leavers)] += s.feeder[a];
                s.feeder_stage[a] = NO_FEEDER;
            }
        }
    }

    // The accounts of each area and year, city totals, and cleared classes.
    for t in 0..m.years {
        for a in 0..areas {
            if t > 0 {
                let v = |metric| out[cell(areas, t, a, metric)];
                out[cell(areas, t, a, Metric::DemandNatural)] =
                    v(Metric::Entrants) - v(Metric::Leavers) + v(Metric::ProgressionChange);
            }
        }
        for metric in Metric::ALL.into_iter().filter(|m| m.is_flow()) {
            let total: f32 = (0..areas).map(|a| out[cell(areas, t, a, metric)]).sum();
            out[cell(areas, t, areas, metric)] = total;
        }
        for a in 0..=areas {
            out[cell(areas, t, a, Metric::Cleared)] = out
                [cell(areas, 0, a, Metric::OversizedClasses)]
                - out[cell(areas, t, a, Metric::OversizedClasses)];
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
    out.fill(0.0);
    let g = &m.groups[gi];
    let cells = m.school_offset[g.start]..m.school_offset.get(g.end).copied().unwrap_or(m.cells);
    s.pupils[cells.clone()].copy_from_slice(&m.base_pupils[cells]);
    s.rooms[g.start..g.end].copy_from_slice(&m.school_rooms[g.start..g.end]);
    s.weigh(m, gi);
    let a = g.area;
    for t in 1..m.years {
        for (p, &o) in m.projects.iter().zip(&inputs.open_t) {
            if p.group == gi && usize::from(o) == t {
                let opens = !s.open(m, p.school);
                s.rooms[p.school] += p.classrooms;
                if opens {
                    s.weigh(m, gi);
                }
            }
        }
        if g.stage > 0 {
            s.feeder[a] = feeder[t];
            s.feeder_stage[a] = g.stage - 1;
        } else {
            s.feeder_stage[a] = NO_FEEDER;
        }
        step(m, inputs, s, out, t, gi, None);
        leavers[t] = s.feeder[a];
    }
}

/// The base year, observed: classes from the base counts and classrooms, and the groups'
/// weights. Writes the year's cells of `out` (and leaves the project metrics alone).
fn base_year(
    m: &Assembled,
    s: &mut Scratch,
    out: &mut [f32],
    mut detail: Option<&mut Vec<SchoolCell>>,
) {
    s.pupils.copy_from_slice(&m.base_pupils);
    s.rooms.copy_from_slice(&m.school_rooms);
    for gi in 0..m.groups.len() {
        let g = &m.groups[gi];
        let d = detail.as_deref_mut();
        match m.stages[g.stage].grades {
            3 => classes_and_totals::<3>(m, s, out, 0, g, 3, d),
            6 => classes_and_totals::<6>(m, s, out, 0, g, 6, d),
            grades => classes_and_totals::<MAX_GRADES>(m, s, out, 0, g, grades, d),
        }
        s.weigh(m, gi);
    }
}

/// One group's school year `t` ≥ 1: steps 1–3 and 5, then step 6. Dispatches on the stage's grade count so the per-school loops run over
/// fixed-size arrays, which LLVM unrolls and keeps in registers.
#[inline(always)]
fn step(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    gi: usize,
    detail: Option<&mut Vec<SchoolCell>>,
) {
    match m.stages[m.groups[gi].stage].grades {
        3 => step_fixed::<3>(m, inputs, s, out, t, gi, detail),
        6 => step_fixed::<6>(m, inputs, s, out, t, gi, detail),
        _ => step_fixed::<MAX_GRADES>(m, inputs, s, out, t, gi, detail),
    }
}

/// [`step`] for a stage of `G` grades, or of at most [`MAX_GRADES`] when `G` is that.
///
/// Every count stays a whole number of pupils, and every flow is counted where it happens, so
/// that the area's accounts close exactly: the change in pupils = entrants − leavers +
/// progression change + migrants + returners (village departures = town arrivals).
#[inline(always)]
fn step_fixed<const G: usize>(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    gi: usize,
    detail: Option<&mut Vec<SchoolCell>>,
) {
    let g = &m.groups[gi];
    let stage = &m.stages[g.stage];
    // A compile-time constant except in the catch-all instance.
    let grades = if G == MAX_GRADES { stage.grades } else { G };
    let areas = m.areas();
    let a = g.area;
    let value = |d: Driver| inputs.values[m.source(d, a, t)];
    let g0 = usize::from(stage.first_grade - m.min_grade);
    let pf = value(Driver::ProgressionFactor) as f32;
    let mut ratio = [0.0f32; G];
    let area_ratios = &m.ratios[a * m.transitions + g0..];
    for (r, &x) in ratio[1..grades].iter_mut().zip(area_ratios) {
        *r = x * pf;
    }

    // Leavers of the stage below enter this one; leavers of a stage the area has no next stage
    // for leave the system.
    let fed = g.stage > 0 && s.feeder_stage[a] == g.stage - 1;
    let feeder_in = if fed { s.feeder[a] } else { 0.0 };
    if s.feeder_stage[a] != NO_FEEDER && !fed {
        out[cell(areas, t, a, Metric::Leavers)] += s.feeder[a];
    }

    // 2. Entry: births × entry ratio for the first stage, the stage below's leavers × the
    //    crossing ratio for the others; shared by entry weight among open schools.
    let open_entry = s.entry_weight[gi] > 0.0;
    let entrants = if !open_entry {
        0.0
    } else if g0 == 0 {
        whole((s.births[a * m.years + t] * value(Driver::EntryRatio)) as f32)
    } else {
        whole(feeder_in * m.ratios[a * m.transitions + g0 - 1] * pf)
    };
    if g0 == 0 {
        out[cell(areas, t, a, Metric::Entrants)] += entrants;
    } else {
        // Crossing into this stage is progression within the area.
        out[cell(areas, t, a, Metric::ProgressionChange)] += entrants - feeder_in;
    }
    let per_entry_weight = if open_entry {
        1.0 / s.entry_weight[gi]
    } else {
        0.0
    };

    // 1–2 in one pass: progression within the stage (the top grade leaves and feeds the next
    // stage), then entry.
    let mut leaving = 0.0f32;
    let mut progression = 0.0f32;
    let entry_amount = [entrants];
    let mut entry = Apportion::<1>::new();
    let mut last_open = None;
    for i in g.start..g.end {
        if !s.open(m, i) {
            s.totals[i] = 0.0;
            continue;
        }
        last_open = Some(i);
        let o = m.school_offset[i];
        let p = &mut s.pupils[o..o + grades];
        leaving += p[grades - 1];
        for k in (1..grades).rev() {
            let up = whole(p[k - 1] * ratio[k]);
            progression += up - p[k - 1];
            p[k] = up;
        }
        p[0] = 0.0;
        entry.give(
            &entry_amount,
            m.entry_weight[i] * per_entry_weight,
            &mut p[..1],
        );
        s.totals[i] = p.iter().sum();
    }
    if let Some(i) = last_open {
        let o = m.school_offset[i];
        s.totals[i] += entry.rest(&entry_amount, &mut s.pupils[o..o + 1]);
    }
    s.feeder[a] = leaving;
    s.feeder_stage[a] = g.stage;
    out[cell(areas, t, a, Metric::ProgressionChange)] += progression;

    // 3. Rural-to-town moves: a rate of each village school's pupils (never more than it has),
    //    when the area has a town-centre school of the stage open to take them.
    let town_weight = s.inflow_weight[gi];
    let has_town = town_weight > 0.0;
    let rate = if has_town {
        value(Driver::RuralToTownRate).clamp(0.0, 1.0) as f32
    } else {
        0.0
    };
    let mut arriving = [0.0f32; G];
    for i in g.urban_end..g.end {
        let o = m.school_offset[i];
        let mut total = 0.0f32;
        for (x, d) in s.pupils[o..o + grades].iter_mut().zip(&mut arriving) {
            let leave = whole(*x * rate).min(*x);
            *x -= leave;
            *d += leave;
            total += *x;
        }
        s.totals[i] = total;
    }
    let moves: f32 = arriving[..grades].iter().sum();
    // Migrants and returners from outside the city join town-centre schools by grade profile.
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
    }
    let per_town_weight = if has_town { 1.0 / town_weight } else { 0.0 };
    let mut share = Apportion::<G>::new();
    let mut last_town = None;
    for i in g.start..g.urban_end {
        if s.open(m, i) {
            let o = m.school_offset[i];
            s.totals[i] += share.give(
                &arriving[..grades],
                m.inflow_weight[i] * per_town_weight,
                &mut s.pupils[o..o + grades],
            );
            last_town = Some(i);
        }
    }
    if let Some(i) = last_town {
        let o = m.school_offset[i];
        s.totals[i] += share.rest(&arriving[..grades], &mut s.pupils[o..o + grades]);
    }
    out[cell(areas, t, a, Metric::DemandMigrant)] += migrant_in;
    out[cell(areas, t, a, Metric::DemandReturning)] += returning_in;
    out[cell(areas, t, a, Metric::TownArrivals)] += moves;
    out[cell(areas, t, a, Metric::VillageDepartures)] += moves;

    // 5. Rebalancing among town-centre schools, and among village schools.
    let moved = rebalance::<G>(m, s, g.start, g.urban_end, grades)
        + rebalance::<G>(m, s, g.urban_end, g.end, grades);
    out[cell(areas, t, a, Metric::PupilsMoved)] += moved;
    // 6. Classes.
    classes_and_totals::<G>(m, s, out, t, g, grades, detail);
}

/// The sum of whole numbers (exact in f32 below 2^24, in any order), added pairwise: a tree
/// ⌈log2 G⌉ additions deep instead of a chain of G − 1.
#[inline(always)]
fn whole_sum<const G: usize>(mut x: [f32; G]) -> f32 {
    let mut len = G;
    while len > 1 {
        let half = len / 2;
        for k in 0..half {
            x[k] += x[len - 1 - k];
        }
        len -= half;
    }
    x.first().copied().unwrap_or(0.0)
}

/// Moves pupils above places from schools in `start..end` to schools of the same range with
/// spare places (new schools first, then in proportion to spare places), at most the scenario's
/// share of the excess, in whole pupils. Reads each school's pupils from `s.totals`. Returns the
/// pupils moved: every one leaves one school and joins another.
#[inline(always)]
fn rebalance<const G: usize>(
    m: &Assembled,
    s: &mut Scratch,
    start: usize,
    end: usize,
    grades: usize,
) -> f32 {
    if m.rebalancing <= 0.0 || end <= start {
        return 0.0;
    }
    let size = m.stages[m.school_stage[start]].rule.size as f32;
    let (mut excess, mut spare) = (0.0f32, 0.0f32);
    for i in start..end {
        let places = s.rooms[i] as f32 * size;
        let p = s.totals[i];
        if p > places {
            excess += p - places;
        } else if s.rooms[i] > 0 {
            spare += places - p;
        }
    }
    let target = (excess * m.rebalancing).min(spare).floor();
    if target < 1.0 {
        return 0.0;
    }
    // Out: every school above places gives the same share of its excess, across its grades.
    let give = target / excess;
    let mut by_grade = [0.0f32; G];
    for i in start..end {
        let places = s.rooms[i] as f32 * size;
        let p = s.totals[i];
        if p > places {
            let fraction = give * (p - places) / p;
            let o = m.school_offset[i];
            let mut taken = 0.0f32;
            for (x, b) in s.pupils[o..o + grades].iter_mut().zip(&mut by_grade) {
                let d = whole(*x * fraction).min(*x);
                *x -= d;
                *b += d;
                taken += d;
            }
            s.totals[i] = p - taken;
        }
    }
    let moved: f32 = by_grade[..grades].iter().sum();
    if moved <= 0.0 {
        return 0.0;
    }
    // In: new schools first, up to their spare places; the rest in proportion to spare places.
    let mut share = Apportion::<G>::new();
    let mut last = None;
    let mut left = moved;
    let mut old_spare = 0.0f32;
    for i in start..end {
        if s.rooms[i] == 0 {
            continue;
        }
        let room = (s.rooms[i] as f32 * size - s.totals[i]).max(0.0);
        if m.school_new[i] {
            if room > 0.0 && left > 0.0 {
                let take = room.min(left);
                receive(s, m, i, &mut share, &by_grade[..grades], take / moved);
                left -= take;
                last = Some(i);
            }
        } else {
            old_spare += room;
        }
    }
    if left > 0.0 && old_spare > 0.0 {
        for i in start..end {
            if m.school_new[i] || s.rooms[i] == 0 {
                continue;
            }
            let room = (s.rooms[i] as f32 * size - s.totals[i]).max(0.0);
            if room > 0.0 {
                receive(
                    s,
                    m,
                    i,
                    &mut share,
                    &by_grade[..grades],
                    left * room / old_spare / moved,
                );
                last = Some(i);
            }
        }
    }
    // The running total's rounding goes to the last school that took pupils: none is lost.
    if let Some(i) = last {
        let o = m.school_offset[i];
        let added = share.rest(&by_grade[..grades], &mut s.pupils[o..o + grades]);
        s.totals[i] += added;
    }
    moved
}

/// Adds `fraction` of the moved pupils `by_grade` to school `i`, in whole pupils.
#[inline(always)]
fn receive<const G: usize>(
    s: &mut Scratch,
    m: &Assembled,
    i: usize,
    share: &mut Apportion<G>,
    by_grade: &[f32],
    fraction: f32,
) {
    let o = m.school_offset[i];
    let added = share.give(by_grade, fraction, &mut s.pupils[o..o + by_grade.len()]);
    s.totals[i] += added;
}

/// Step 6 for the schools of group `g` (stage of `grades` ≤ `G` grades) in year `t`, adding up
/// per area and city.
#[inline(always)]
fn classes_and_totals<const G: usize>(
    m: &Assembled,
    s: &mut Scratch,
    out: &mut [f32],
    t: usize,
    g: &Group,
    grades: usize,
    mut detail: Option<&mut Vec<SchoolCell>>,
) {
    let areas = m.areas();
    let stage = &m.stages[g.stage];
    let rule = stage.rule;
    let size = rule.size as f32;
    // Whole numbers, exact in f64.
    let mut sums = [0.0f64; 7];
    for i in g.start..g.end {
        if !s.open(m, i) {
            continue;
        }
        let o = m.school_offset[i];
        // Whole pupils and classes needed per grade, in f32: every value is a whole number below
        // 2^24, so the sums are exact, and so is ⌈c / size⌉ (a quotient just above a whole
        // number is never rounded down onto it in this range; a test checks it). Vector
        // instructions do what integers needed saturating conversions and 64-bit products for.
        let (mut counts, mut need) = ([0.0f32; G], [0.0f32; G]);
        for ((c, n), &x) in counts[..grades]
            .iter_mut()
            .zip(&mut need[..grades])
            .zip(&s.pupils[o..o + grades])
        {
            // Pupils are whole children: round half up.
            *c = (x + 0.5).clamp(0.0, MAX_GRADE_PUPILS).floor();
            *n = (*c / size).ceil();
        }
        let (total, total_need) = (f64::from(whole_sum(counts)), f64::from(whole_sum(need)));
        if i >= g.urban_end {
            sums[6] += total;
        }
        let rooms = f64::from(s.rooms[i]);
        let places = rooms * f64::from(rule.size);
        sums[0] += total;
        sums[1] += places;
        sums[2] += (total - places).max(0.0);
        if total_need <= rooms && rule.size < rule.oversized && detail.is_none() {
            // The common case of `form_classes_whole`, without its per-grade rows: every grade
            // has the classes it needs, none above the standard size, so none oversized.
            sums[3] += total_need;
            continue;
        }
        let counts: [f64; G] = counts.map(f64::from);
        let mut classes: [f64; G] = need.map(f64::from);
        let (mut oversized, mut super_oversized) = ([0.0f64; G], [0.0f64; G]);
        form_classes_whole(
            &counts[..grades],
            &mut classes[..grades],
            total_need,
            rooms,
            rule,
            &mut oversized[..grades],
            &mut super_oversized[..grades],
        );
        for k in 0..grades {
            sums[3] += classes[k];
            sums[4] += oversized[k];
            sums[5] += super_oversized[k];
        }
        if let Some(d) = detail.as_deref_mut() {
            for k in 0..grades {
                let (pupils, classes) = (counts[k] as u32, classes[k] as u32);
                d.push(SchoolCell {
                    school: i as u32,
                    t: t as u16,
                    grade: stage.first_grade + k as u8,
                    pupils,
                    classes,
                    max_class_size: max_class_size(pupils, classes),
                    oversized: oversized[k] as u32,
                    super_oversized: super_oversized[k] as u32,
                });
            }
        }
    }
    let metrics = [
        Metric::Pupils,
        Metric::Places,
        Metric::Shortfall,
        Metric::Classes,
        Metric::OversizedClasses,
        Metric::SuperOversizedClasses,
        Metric::VillagePupils,
    ];
    for a in [g.area, areas] {
        for (metric, &v) in metrics.iter().zip(&sums) {
            out[cell(areas, t, a, *metric)] += v as f32;
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
