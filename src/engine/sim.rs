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

/// Per-thread buffers reused across draws.
#[derive(Debug, Clone)]
pub struct Scratch {
    pupils: Vec<f32>,
    rooms: Vec<u32>,
    /// Pupils of each school after the year's flows (before rebalancing moves them).
    totals: Vec<f32>,
    births: Vec<f64>,
    feeder: Vec<f32>,
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
            feeder: vec![0.0; m.areas()],
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

/// Opening year index of a completion at fractional month index `m`: schools open 1 September,
/// so a building finished before then serves that school year; never before the year after the
/// base year (the base year is observed).
pub fn open_t(m: &Assembled, completion: f64) -> u16 {
    let year = ((completion - 8.0) / 12.0).floor() as i64 + 1;
    let t = (year - i64::from(m.base_year.0)).max(1);
    if t >= m.years as i64 {
        u16::MAX
    } else {
        t as u16
    }
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
    let value = |d: Driver, a: usize, t: usize| inputs.values[m.source(d, a, t)];

    // Entrants' births per area and year: observed, or the last observation carried forward
    // by the sampled annual change.
    for a in 0..areas {
        let last = m.births_last[a];
        for t in 1..m.years {
            let y = m.base_year.0 + t as u16 - 6;
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
        }
    }

    // Projects: completed at the base date, and planned.
    for (p, &open) in m.projects.iter().zip(&inputs.open_t) {
        let base_done = p.source.status == crate::model::ProjectStatus::Completed;
        let planned_t = open_t(m, f64::from(p.source.planned_completion.index()));
        for t in 0..m.years {
            let done = if t == 0 {
                base_done
            } else {
                usize::from(open) <= t
            };
            let planned = if t == 0 {
                p.source.planned_completion < m.base_date
            } else {
                usize::from(planned_t) <= t
            };
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
        for gi in 0..m.groups.len() {
            step(m, inputs, s, out, t, gi, detail.as_deref_mut());
        }
    }

    // City totals of the per-area sums, natural increase, and cleared classes.
    for t in 0..m.years {
        for metric in [
            Metric::DemandMigrant,
            Metric::DemandReturning,
            Metric::PupilsMoved,
        ] {
            let total: f32 = (0..areas).map(|a| out[cell(areas, t, a, metric)]).sum();
            out[cell(areas, t, areas, metric)] = total;
        }
        // Natural increase is the change in pupils that neither migrants from outside the area
        // nor returning students explain: migrants from the area's own villages only move.
        let mut city_external = 0.0f32;
        for a in 0..=areas {
            if t > 0 {
                let change = out[cell(areas, t, a, Metric::Pupils)]
                    - out[cell(areas, t - 1, a, Metric::Pupils)];
                let external = if a < areas {
                    let rural = value(Driver::MigrantFromRuralShare, a, t).clamp(0.0, 1.0) as f32;
                    let e = out[cell(areas, t, a, Metric::DemandMigrant)] * (1.0 - rural);
                    city_external += e;
                    e
                } else {
                    city_external
                };
                out[cell(areas, t, a, Metric::DemandNatural)] =
                    change - external - out[cell(areas, t, a, Metric::DemandReturning)];
            }
            out[cell(areas, t, a, Metric::Cleared)] = out
                [cell(areas, 0, a, Metric::OversizedClasses)]
                - out[cell(areas, t, a, Metric::OversizedClasses)];
        }
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

    // 2. Entry: births × entry ratio for the first stage, the previous stage's leavers
    //    × the crossing ratio for the others; shared by entry weight among open schools.
    let entrants = if g0 == 0 {
        (s.births[a * m.years + t] * value(Driver::EntryRatio)) as f32
    } else {
        s.feeder[a] * m.ratios[a * m.transitions + g0 - 1] * pf
    };
    let per_entry_weight = if s.entry_weight[gi] > 0.0 {
        entrants / s.entry_weight[gi]
    } else {
        0.0
    };
    // 3. Migrants and returners join town-centre schools by grade profile.
    let migrants = value(Driver::MigrantInflow) as f32;
    let rural = value(Driver::MigrantFromRuralShare).clamp(0.0, 1.0) as f32;
    let returning = value(Driver::ReturningInflow) as f32;
    let mut inflow = [0.0f32; G];
    let mut leave = [0.0f32; G];
    let (mut migrant_in, mut returning_in) = (0.0f32, 0.0f32);
    for k in 0..grades {
        leave[k] = migrants * rural * m.migrant_profile[g0 + k];
        if s.inflow_weight[gi] > 0.0 {
            let (mi, ri) = (
                migrants * m.migrant_profile[g0 + k],
                returning * m.returning_profile[g0 + k],
            );
            inflow[k] = (mi + ri) / s.inflow_weight[gi];
            migrant_in += mi;
            returning_in += ri;
        }
    }

    // 1–3 in one pass: progression within the stage (the top grade leaves and feeds the
    // next stage), entry, and inflows into town-centre schools.
    let mut leaving = 0.0f32;
    let mut village = [0.0f32; G];
    for i in g.start..g.end {
        if !s.open(m, i) {
            s.totals[i] = 0.0;
            continue;
        }
        let o = m.school_offset[i];
        let p = &mut s.pupils[o..o + grades];
        leaving += p[grades - 1];
        for k in (1..grades).rev() {
            p[k] = p[k - 1] * ratio[k];
        }
        p[0] = per_entry_weight * m.entry_weight[i];
        if i < g.urban_end {
            let w = m.inflow_weight[i];
            let mut total = 0.0f32;
            for (x, f) in p.iter_mut().zip(&inflow[..grades]) {
                *x += f * w;
                total += *x;
            }
            s.totals[i] = total;
        } else {
            for (v, x) in village[..grades].iter_mut().zip(p.iter()) {
                *v += x;
            }
        }
    }
    s.feeder[a] = leaving;
    // The rural share of migrants leaves the same area's village schools.
    let mut keep = [1.0f32; G];
    for k in 0..grades {
        if village[k] > 0.0 {
            keep[k] = (1.0 - leave[k] / village[k]).max(0.0);
        }
    }
    for i in g.urban_end..g.end {
        let o = m.school_offset[i];
        let mut total = 0.0f32;
        for (x, k) in s.pupils[o..o + grades].iter_mut().zip(&keep[..grades]) {
            *x *= k;
            total += *x;
        }
        s.totals[i] = total;
    }
    out[cell(areas, t, a, Metric::DemandMigrant)] += migrant_in;
    out[cell(areas, t, a, Metric::DemandReturning)] += returning_in;

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
/// share of the excess. Reads each school's pupils from `s.totals`. Returns the pupils moved.
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
    let moved = (excess * m.rebalancing).min(spare);
    if moved < 1.0 {
        return 0.0;
    }
    // Out: every school above places gives the same share of its excess, across its grades.
    let give = moved / excess;
    let mut by_grade = [0.0f32; G];
    for i in start..end {
        let places = s.rooms[i] as f32 * size;
        let p = s.totals[i];
        if p > places {
            let keep = 1.0 - give * (p - places) / p;
            let o = m.school_offset[i];
            for (x, b) in s.pupils[o..o + grades].iter_mut().zip(&mut by_grade) {
                *b += *x * (1.0 - keep);
                *x *= keep;
            }
            s.totals[i] = p * keep;
        }
    }
    // In: new schools first, up to their spare places; the rest in proportion to spare places.
    let mut left = moved;
    let mut old_spare = 0.0f32;
    for i in start..end {
        if s.rooms[i] == 0 {
            continue;
        }
        let room = (s.rooms[i] as f32 * size - s.totals[i]).max(0.0);
        if m.school_new[i] {
            let take = room.min(left);
            receive(m, s, i, &by_grade[..grades], take / moved);
            left -= take;
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
            receive(
                m,
                s,
                i,
                &by_grade[..grades],
                left * room / old_spare / moved,
            );
        }
    }
    moved
}

/// Adds `fraction` of the moved pupils `by_grade` to school `i`.
#[inline(always)]
fn receive(m: &Assembled, s: &mut Scratch, i: usize, by_grade: &[f32], fraction: f32) {
    let o = m.school_offset[i];
    let mut added = 0.0f32;
    for (x, b) in s.pupils[o..o + by_grade.len()].iter_mut().zip(by_grade) {
        *x += b * fraction;
        added += b * fraction;
    }
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
    let mut sums = [0.0f64; 6];
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
