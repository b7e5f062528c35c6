//! One realisation of the model (SPEC §4 steps 1–6) for given sampled inputs.
//!
//! The hot loop of the Monte Carlo: flat arrays, contiguous groups of schools, buffers owned by
//! the caller and reused across draws, no allocation per draw. It writes per-area metrics for
//! each year; the central case can also ask for every school's classes.

use super::assemble::Assembled;
use super::classes::{GradeClasses, form_classes, max_class_size};
use super::results::Metric;
use crate::model::Driver;

/// Metrics per (year, area or city, metric) cell, in this layout.
pub const METRICS: usize = Metric::ALL.len();

/// Index of a metric in a draw's output: `((t * (areas + 1)) + area) * METRICS + metric`,
/// area `areas` being the city total.
#[inline]
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

/// Per-thread buffers reused across draws.
#[derive(Debug, Clone)]
pub struct Scratch {
    pupils: Vec<f32>,
    rooms: Vec<u32>,
    births: Vec<f64>,
    feeder: Vec<f32>,
    moved_by_grade: Vec<f32>,
    counts: Vec<u32>,
    need: Vec<u32>,
    classes: Vec<GradeClasses>,
}

impl Scratch {
    pub fn new(m: &Assembled) -> Scratch {
        let grades = m.transitions + 1;
        Scratch {
            pupils: vec![0.0; m.cells],
            rooms: vec![0; m.schools()],
            births: vec![0.0; m.areas() * m.years],
            feeder: vec![0.0; m.areas()],
            moved_by_grade: vec![0.0; grades],
            counts: vec![0; grades],
            need: vec![0; grades],
            classes: vec![GradeClasses::default(); grades],
        }
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
    if t >= m.years as i64 { u16::MAX } else { t as u16 }
}

/// Runs one draw; writes `out` (length `years * (areas + 1) * METRICS`) and, when `detail` is
/// given, every school's classes.
pub fn simulate(
    m: &Assembled,
    inputs: &DrawInputs,
    s: &mut Scratch,
    out: &mut [f32],
    mut detail: Option<&mut Vec<SchoolCell>>,
) {
    let areas = m.areas();
    out.fill(0.0);
    s.pupils.copy_from_slice(&m.base_pupils);
    s.rooms.copy_from_slice(&m.school_rooms);
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
            let done = if t == 0 { base_done } else { usize::from(open) <= t };
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

    classes_and_totals(m, s, out, 0, detail.as_deref_mut());
    for t in 1..m.years {
        for (p, &o) in m.projects.iter().zip(&inputs.open_t) {
            if usize::from(o) == t {
                s.rooms[p.school] += p.classrooms;
            }
        }
        for g in &m.groups {
            let a = g.area;
            let stage = &m.stages[g.stage];
            let grades = stage.grades;
            let g0 = usize::from(stage.first_grade - m.min_grade);
            let pf = value(Driver::ProgressionFactor, a, t) as f32;
            let ratio = |grade: usize| m.ratios[a * m.transitions + grade] * pf;
            let open = |i: usize| !m.school_new[i] || s.rooms[i] > 0;

            // 1. Progression within the stage; the top grade leaves (and feeds the next stage).
            let mut leaving = 0.0f32;
            for i in g.start..g.end {
                let p = &mut s.pupils[m.school_offset[i]..m.school_offset[i] + grades];
                leaving += p[grades - 1];
                for k in (1..grades).rev() {
                    p[k] = p[k - 1] * ratio(g0 + k - 1);
                }
                p[0] = 0.0;
            }
            // 2. Entry: births × entry ratio for the first stage, the previous stage's leavers
            //    × the crossing ratio for the others; shared by entry weight among open schools.
            let entrants = if g0 == 0 {
                (s.births[a * m.years + t] * value(Driver::EntryRatio, a, t)) as f32
            } else {
                s.feeder[a] * ratio(g0 - 1)
            };
            s.feeder[a] = leaving;
            let weight: f32 = (g.start..g.end).filter(|&i| open(i)).map(|i| m.entry_weight[i]).sum();
            if weight > 0.0 {
                for i in (g.start..g.end).filter(|&i| open(i)) {
                    s.pupils[m.school_offset[i]] = entrants * m.entry_weight[i] / weight;
                }
            }

            // 3. Migrants and returners join town-centre schools by grade profile; the rural
            //    share of migrants leaves the same area's village schools.
            let migrants = value(Driver::MigrantInflow, a, t) as f32;
            let rural = value(Driver::MigrantFromRuralShare, a, t).clamp(0.0, 1.0) as f32;
            let returning = value(Driver::ReturningInflow, a, t) as f32;
            let urban_weight: f32 =
                (g.start..g.urban_end).filter(|&i| open(i)).map(|i| m.inflow_weight[i]).sum();
            let mut migrant_in = 0.0f32;
            let mut returning_in = 0.0f32;
            if urban_weight > 0.0 {
                for i in (g.start..g.urban_end).filter(|&i| open(i)) {
                    let share = m.inflow_weight[i] / urban_weight;
                    let p = &mut s.pupils[m.school_offset[i]..m.school_offset[i] + grades];
                    for (k, x) in p.iter_mut().enumerate() {
                        let mi = migrants * m.migrant_profile[g0 + k] * share;
                        let ri = returning * m.returning_profile[g0 + k] * share;
                        *x += mi + ri;
                        migrant_in += mi;
                        returning_in += ri;
                    }
                }
            }
            let migrant_total = migrant_in;
            for k in 0..grades {
                let leave = migrants * rural * m.migrant_profile[g0 + k];
                if leave <= 0.0 {
                    continue;
                }
                let village: f32 = (g.urban_end..g.end).map(|i| s.pupils[m.school_offset[i] + k]).sum();
                if village > 0.0 {
                    let keep = (1.0 - leave / village).max(0.0);
                    for i in g.urban_end..g.end {
                        s.pupils[m.school_offset[i] + k] *= keep;
                    }
                }
            }
            out[cell(areas, t, a, Metric::DemandMigrant)] += migrant_total;
            out[cell(areas, t, a, Metric::DemandReturning)] += returning_in;

            // 5. Rebalancing among town-centre schools, and among village schools.
            let moved = rebalance(m, s, g.start, g.urban_end, grades) + rebalance(m, s, g.urban_end, g.end, grades);
            out[cell(areas, t, a, Metric::PupilsMoved)] += moved;
        }
        classes_and_totals(m, s, out, t, detail.as_deref_mut());
    }

    // City totals of the per-area sums, natural increase, and cleared classes.
    for t in 0..m.years {
        for metric in [Metric::DemandMigrant, Metric::DemandReturning, Metric::PupilsMoved] {
            let total: f32 = (0..areas).map(|a| out[cell(areas, t, a, metric)]).sum();
            out[cell(areas, t, areas, metric)] = total;
        }
        for a in 0..=areas {
            if t > 0 {
                let change = out[cell(areas, t, a, Metric::Pupils)] - out[cell(areas, t - 1, a, Metric::Pupils)];
                out[cell(areas, t, a, Metric::DemandNatural)] = change
                    - out[cell(areas, t, a, Metric::DemandMigrant)]
                    - out[cell(areas, t, a, Metric::DemandReturning)];
            }
            out[cell(areas, t, a, Metric::Cleared)] =
                out[cell(areas, 0, a, Metric::OversizedClasses)] - out[cell(areas, t, a, Metric::OversizedClasses)];
        }
    }
}

/// Moves pupils above places from schools in `start..end` to schools of the same range with
/// spare places (new schools first, then in proportion to spare places), at most the scenario's
/// share of the excess. Returns the pupils moved.
fn rebalance(m: &Assembled, s: &mut Scratch, start: usize, end: usize, grades: usize) -> f32 {
    if m.rebalancing <= 0.0 || end <= start {
        return 0.0;
    }
    let size = m.stages[m.school_stage[start]].rule.size.get() as f32;
    let total = |s: &Scratch, i: usize| -> f32 { s.pupils[m.school_offset[i]..m.school_offset[i] + grades].iter().sum() };
    let (mut excess, mut spare) = (0.0f32, 0.0f32);
    for i in start..end {
        let places = s.rooms[i] as f32 * size;
        let p = total(s, i);
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
    s.moved_by_grade[..grades].fill(0.0);
    for i in start..end {
        let places = s.rooms[i] as f32 * size;
        let p = total(s, i);
        if p > places {
            let keep = 1.0 - give * (p - places) / p;
            for (k, x) in s.pupils[m.school_offset[i]..m.school_offset[i] + grades].iter_mut().enumerate() {
                s.moved_by_grade[k] += *x * (1.0 - keep);
                *x *= keep;
            }
        }
    }
    // In: new schools first, up to their spare places; the rest in proportion to spare places.
    let mut left = moved;
    let mut old_spare = 0.0f32;
    for i in start..end {
        let places = s.rooms[i] as f32 * size;
        let room = (places - total(s, i)).max(0.0);
        if m.school_new[i] && s.rooms[i] > 0 {
            let take = room.min(left);
            receive(m, s, i, grades, take / moved);
            left -= take;
        } else if s.rooms[i] > 0 {
            old_spare += room;
        }
    }
    if left > 0.0 && old_spare > 0.0 {
        for i in start..end {
            if m.school_new[i] || s.rooms[i] == 0 {
                continue;
            }
            let places = s.rooms[i] as f32 * size;
            let room = (places - total(s, i)).max(0.0);
            receive(m, s, i, grades, left * room / old_spare / moved);
        }
    }
    moved
}

/// Adds `fraction` of the moved pupils, grade by grade, to school `i`.
fn receive(m: &Assembled, s: &mut Scratch, i: usize, grades: usize, fraction: f32) {
    let o = m.school_offset[i];
    for k in 0..grades {
        s.pupils[o + k] += s.moved_by_grade[k] * fraction;
    }
}

/// Step 6 for every school in year `t`, adding up per area and city.
fn classes_and_totals(m: &Assembled, s: &mut Scratch, out: &mut [f32], t: usize, mut detail: Option<&mut Vec<SchoolCell>>) {
    let areas = m.areas();
    for i in 0..m.schools() {
        if m.school_new[i] && s.rooms[i] == 0 {
            continue;
        }
        let stage = &m.stages[m.school_stage[i]];
        let grades = stage.grades;
        let o = m.school_offset[i];
        let mut total = 0u32;
        for k in 0..grades {
            // Pupils are whole children: round half up (values are never negative).
            let n = (s.pupils[o + k] + 0.5) as u32;
            s.counts[k] = n;
            total += n;
        }
        form_classes(&s.counts[..grades], s.rooms[i], stage.rule, &mut s.need[..grades], &mut s.classes[..grades]);
        let (mut classes, mut over, mut sup) = (0u32, 0u32, 0u32);
        for c in &s.classes[..grades] {
            classes += c.classes;
            over += c.oversized;
            sup += c.super_oversized;
        }
        let places = s.rooms[i] * stage.rule.size.get();
        let a = m.school_area[i];
        for area in [a, areas] {
            out[cell(areas, t, area, Metric::Pupils)] += total as f32;
            out[cell(areas, t, area, Metric::Places)] += places as f32;
            out[cell(areas, t, area, Metric::Shortfall)] += total.saturating_sub(places) as f32;
            out[cell(areas, t, area, Metric::Classes)] += classes as f32;
            out[cell(areas, t, area, Metric::OversizedClasses)] += over as f32;
            out[cell(areas, t, area, Metric::SuperOversizedClasses)] += sup as f32;
        }
        if let Some(d) = detail.as_deref_mut() {
            for k in 0..grades {
                let c = s.classes[k];
                d.push(SchoolCell {
                    school: i as u32,
                    t: t as u16,
                    grade: stage.first_grade + k as u8,
                    pupils: s.counts[k],
                    classes: c.classes,
                    max_class_size: max_class_size(s.counts[k], c.classes),
                    oversized: c.oversized,
                    super_oversized: c.super_oversized,
                });
            }
        }
    }
}
