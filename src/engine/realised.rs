//! The drivers of `growth.csv` as the years held out by a backtest realised them, and the
//! analyst's sheet with its ranges widened to hold them.
//!
//! Each driver is measured per area and year from the full data set (enrolment, recorded
//! flows, births, inflow profiles) as the simulator uses it, with the progression ratios of
//! the model re-based before those years. A suggestion only widens a row's low or high to the
//! values the years it governs realised; it never moves a central value and never writes a
//! file (the caller writes the suggestion beside its tables, never over the analyst's sheet).

use std::collections::BTreeMap;

use super::assemble::{Assembled, governing_row};
use super::sampling::Quantile;
use crate::model::{DataSet, Driver, FlowKind, Growth, SchoolYear, ThreePoint};
use crate::scenario::Sampling;

/// What the held-out years say about one row of `growth.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct RowCheck {
    /// The row as the analyst wrote it.
    pub row: Growth,
    /// The row suggested: its range widened, where needed, so that every value realised in the
    /// held-out years by the areas and years the row governs lies within its P10–P90; central
    /// unchanged.
    pub suggested: Growth,
    /// The values realised by the areas and years this row governs (empty: none measured).
    pub realised: Vec<f64>,
    /// Every realised value lies within the suggestion's P10–P90. `false`: the central value
    /// is so far from them that no valid range reaches, and the suggestion only puts them
    /// between its low and high.
    pub reached: bool,
}

/// A driver's value realised by an area in a held-out year, measured from the full data set.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Realised {
    driver: Driver,
    /// Index in the model's areas.
    area: usize,
    year: SchoolYear,
    value: f64,
}

/// Every row of the data set's growth sheet, checked against the held-out years. Drivers are
/// measured as the simulator uses them (SPEC §4), per area and held-out year:
/// A measured row's suggestion widens its range until every value it governs lies between
/// the 10th and 90th percentiles of the row's distribution under the scenario's sampling
/// (PERT or triangular), the simulator's P10–P90, where the driver's valid values allow.
///
/// - `migrant_inflow`, `returning_inflow`: the year's recorded flow; `migrant_change`,
///   `returning_change`: its change on the year before (both need `flows.csv`);
/// - `rural_to_town_rate`: the year's recorded moves ÷ the village pupils before them;
/// - `entry_ratio`: the entry grade's pupils, less the inflows that joined it, ÷ the births
///   `entry_age` years earlier;
/// - `progression_factor`: the pupils of every grade above the entry grade, less the inflows
///   that joined them, ÷ the previous year's pupils moved up by the model's ratios.
///
/// `birth_change` applies after the last observed birth year, which a hold-out never reaches:
/// it is not measured.
pub fn check_growth(
    full: &DataSet,
    model: &Assembled,
    base: SchoolYear,
    sampling: Sampling,
) -> Vec<RowCheck> {
    let realised = realised_drivers(full, model, base);
    let mut checks: Vec<RowCheck> = full
        .growth
        .iter()
        .map(|g| RowCheck {
            row: g.clone(),
            suggested: g.clone(),
            realised: Vec::new(),
            reached: true,
        })
        .collect();
    for r in &realised {
        if let Some(i) = governing_row(&full.growth, r.driver, &model.area_ids[r.area], r.year) {
            checks[i].realised.push(r.value);
        }
    }
    for c in &mut checks {
        let (Some(lo), Some(hi)) = (
            c.realised.iter().copied().reduce(f64::min),
            c.realised.iter().copied().reduce(f64::max),
        ) else {
            continue;
        };
        (c.suggested.value, c.reached) = widen(c.row.value, lo, hi, c.row.driver, sampling);
    }
    checks
}

/// The quantiles a driver's realised values should fall between: the simulator's P10–P90.
const BAND: (f64, f64) = (0.1, 0.9);

/// `tp` with its low lowered until `lo` is at or above the range's 10th percentile under
/// `sampling`, and its high raised until `hi` is at or below its 90th, within the driver's
/// valid values; and whether that was reached. Where no valid low (high) reaches, the central
/// is too far from the values: the low (high) then only goes down (up) to `lo` (`hi`), not to
/// the driver's bound (a range of 0 – 2,137 pupils would tell the analyst nothing). Central
/// unchanged; bounds rounded outward.
fn widen(
    tp: ThreePoint,
    lo: f64,
    hi: f64,
    driver: Driver,
    sampling: Sampling,
) -> (ThreePoint, bool) {
    let (decimals, min, max) = driver_bounds(driver);
    let at = |t: ThreePoint, u: f64| match sampling {
        Sampling::Pert => Quantile::pert(t).at(u),
        Sampling::Triangular => Quantile::triangular(t).at(u),
    };
    let scale = 10f64.powi(decimals);
    let mut out = tp;
    let mut reached = true;
    if lo < at(tp, BAND.0) {
        // The 10th percentile rises with the low end: bisect between the bound and the
        // nearest low that holds `lo` at all.
        let near = tp.low.min(lo);
        let p10 = |low: f64| at(ThreePoint { low, ..tp }, BAND.0);
        let low = reach(near, min.min(lo), |low| p10(low) <= lo).unwrap_or_else(|| {
            reached = false;
            near
        });
        out.low = ((low * scale).floor() / scale).max(min);
    }
    if hi > at(tp, BAND.1) {
        let bound = if max.is_finite() {
            max
        } else {
            hi + 10.0 * (hi - tp.low).abs().max(1.0)
        };
        let near = tp.high.max(hi);
        let p90 = |high: f64| at(ThreePoint { high, ..tp }, BAND.1);
        let high = reach(near, bound.max(hi), |high| p90(high) >= hi).unwrap_or_else(|| {
            reached = false;
            near
        });
        out.high = ((high * scale).ceil() / scale).min(max);
    }
    (out, reached)
}

/// The bound nearest `near` (towards `far`) at which `holds` is true, by bisection, given that
/// `holds` turns true once along the way: `near` itself if it holds, `None` if even `far` fails.
fn reach(mut near: f64, mut far: f64, holds: impl Fn(f64) -> bool) -> Option<f64> {
    if holds(near) {
        return Some(near);
    }
    if !holds(far) {
        return None;
    }
    for _ in 0..60 {
        let mid = 0.5 * (far + near);
        if holds(mid) {
            far = mid;
        } else {
            near = mid;
        }
    }
    Some(far)
}

/// Decimals a suggested bound is rounded outward to, and the driver's valid range.
fn driver_bounds(driver: Driver) -> (i32, f64, f64) {
    match driver {
        Driver::MigrantInflow | Driver::ReturningInflow => (0, 0.0, f64::INFINITY),
        Driver::RuralToTownRate => (4, 0.0, 1.0),
        Driver::BirthChange | Driver::MigrantChange | Driver::ReturningChange => {
            (3, -0.999, f64::INFINITY)
        }
        Driver::EntryRatio | Driver::ProgressionFactor => (3, 0.0, f64::INFINITY),
    }
}

/// The drivers' values realised in the years after `base` (see [`check_growth`]).
fn realised_drivers(full: &DataSet, model: &Assembled, base: SchoolYear) -> Vec<Realised> {
    let area_of: BTreeMap<&str, usize> = model
        .area_ids
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i))
        .collect();
    let school: BTreeMap<&str, (usize, bool)> = full
        .schools
        .iter()
        .filter_map(|s| Some((s.id.as_str(), (*area_of.get(s.area_id.as_str())?, s.urban))))
        .collect();
    // Pupils by (area, year, grade), and village pupils by (area, year).
    let mut pupils: BTreeMap<(usize, u16, u8), f64> = BTreeMap::new();
    let mut village: BTreeMap<(usize, u16), f64> = BTreeMap::new();
    for e in &full.enrolment {
        let Some(&(a, urban)) = school.get(&*e.school_id) else {
            continue;
        };
        *pupils.entry((a, e.year.0, e.grade.0)).or_default() += f64::from(e.pupils);
        if !urban {
            *village.entry((a, e.year.0)).or_default() += f64::from(e.pupils);
        }
    }
    let flow = |a: usize, y: u16, kind: FlowKind| {
        full.flows
            .iter()
            .find(|f| {
                f.kind == kind && f.year.0 == y && area_of.get(f.area_id.as_str()) == Some(&a)
            })
            .map(|f| f.pupils)
    };
    let share = |driver: Driver, g: u8| -> f64 {
        full.profiles
            .iter()
            .filter(|p| p.driver == driver && p.grade.0 == g)
            .map(|p| p.share)
            .sum()
    };
    let births = |a: usize, y: u16| {
        full.births
            .iter()
            .find(|b| b.year == y && area_of.get(b.area_id.as_str()) == Some(&a))
            .map(|b| b.births)
    };
    let min_grade = model.min_grade;
    let max_grade = full
        .stages
        .iter()
        .map(|s| s.last_grade)
        .max()
        .unwrap_or(min_grade);
    let last = full.base_year().map_or(base.0, |y| y.0);
    let recorded = !full.flows.is_empty();
    let mut out = Vec::new();
    for a in 0..model.areas() {
        for y in base.0 + 1..=last {
            let year = SchoolYear(y);
            let mut push = |driver: Driver, value: f64| {
                if value.is_finite() {
                    out.push(Realised {
                        driver,
                        area: a,
                        year,
                        value,
                    });
                }
            };
            let (mut migrants, mut returning) = (0.0, 0.0);
            if recorded {
                for (kind, level, change) in [
                    (
                        FlowKind::MigrantInflow,
                        Driver::MigrantInflow,
                        Driver::MigrantChange,
                    ),
                    (
                        FlowKind::ReturningInflow,
                        Driver::ReturningInflow,
                        Driver::ReturningChange,
                    ),
                ] {
                    let Some(now) = flow(a, y, kind) else {
                        continue;
                    };
                    push(level, now);
                    if let Some(before) = flow(a, y - 1, kind).filter(|b| *b > 0.0) {
                        push(change, now / before - 1.0);
                    }
                    if kind == FlowKind::MigrantInflow {
                        migrants = now;
                    } else {
                        returning = now;
                    }
                }
                if let (Some(moves), Some(&left)) =
                    (flow(a, y, FlowKind::RuralToTown), village.get(&(a, y)))
                    && moves + left > 0.0
                {
                    push(Driver::RuralToTownRate, moves / (moves + left));
                }
            }
            let inflow = |g: u8| {
                migrants * share(Driver::MigrantInflow, g)
                    + returning * share(Driver::ReturningInflow, g)
            };
            let count = |g: u8, y: u16| pupils.get(&(a, y, g)).copied().unwrap_or(0.0);
            let born = y.checked_sub(u16::from(full.settings.entry_age));
            if let Some(b) = born.and_then(|b| births(a, b)).filter(|b| *b > 0.0) {
                push(
                    Driver::EntryRatio,
                    (count(min_grade, y) - inflow(min_grade)) / b,
                );
            }
            let expected: f64 = (min_grade..max_grade)
                .map(|g| {
                    let r = model.ratios[a * model.transitions + usize::from(g - min_grade)];
                    f64::from(r) * count(g, y - 1)
                })
                .sum();
            let progressed: f64 = (min_grade + 1..=max_grade)
                .map(|g| count(g, y) - inflow(g))
                .sum();
            if expected > 0.0 {
                push(Driver::ProgressionFactor, progressed / expected);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AreaSel;

    fn tp(low: f64, central: f64, high: f64) -> ThreePoint {
        ThreePoint { low, central, high }
    }

    fn p10_p90(t: ThreePoint) -> (f64, f64) {
        let q = Quantile::pert(t);
        (q.at(0.1), q.at(0.9))
    }

    #[test]
    fn a_range_widens_until_its_p10_to_p90_holds_the_realised_values() {
        let sheet = tp(0.99, 1.0, 1.01);
        // 0.995 is inside [low, high] but below PERT's 10th percentile: the low goes down.
        let (w, reached) = widen(sheet, 0.985, 1.0, Driver::ProgressionFactor, Sampling::Pert);
        assert!(reached);
        assert!(w.low < 0.99 && w.central == 1.0 && w.high == 1.01, "{w:?}");
        let (p10, _) = p10_p90(w);
        assert!(p10 <= 0.985, "{w:?}: P10 {p10}");
        // Rounded outward to 3 decimals, and no further than needed (one step back misses).
        let (p10_tighter, _) = p10_p90(tp(w.low + 0.001, 1.0, 1.01));
        assert!(p10_tighter > 0.985, "{w:?}");
        // Values already within P10–P90: unchanged.
        assert_eq!(
            widen(
                sheet,
                0.999,
                1.001,
                Driver::ProgressionFactor,
                Sampling::Pert
            ),
            (sheet, true)
        );
        // A high above P90 raises the high.
        let (w, reached) = widen(
            sheet,
            1.0,
            1.02,
            Driver::ProgressionFactor,
            Sampling::Triangular,
        );
        assert!(reached && w.high >= 1.02 && w.low == 0.99, "{w:?}");
    }

    #[test]
    fn a_central_too_far_is_said_and_the_range_only_holds_the_values() {
        // Inflows at 822 against a central of 1,644: even a low of 0 keeps PERT's 10th
        // percentile above 822. The low goes to 822, not to 0, and the row says so.
        let (w, reached) = widen(
            tp(1151.0, 1644.0, 2137.0),
            822.0,
            822.0,
            Driver::MigrantInflow,
            Sampling::Pert,
        );
        assert!(!reached);
        assert_eq!(w, tp(822.0, 1644.0, 2137.0));
    }

    #[test]
    fn the_governing_row_is_the_areas_own_then_the_last() {
        let row = |area: AreaSel, from: Option<u16>| Growth {
            area,
            driver: Driver::EntryRatio,
            value: tp(0.9, 1.0, 1.1),
            from_year: from.map(SchoolYear),
            to_year: None,
        };
        let a = AreaSel::Area("A".to_owned());
        let sheet = [
            row(AreaSel::All, None),
            row(a.clone(), Some(2018)),
            row(AreaSel::All, None),
        ];
        let governs =
            |area: &str, y: u16| governing_row(&sheet, Driver::EntryRatio, area, SchoolYear(y));
        assert_eq!(
            governs("A", 2017),
            Some(2),
            "before its from_year the area row does not apply"
        );
        assert_eq!(governs("A", 2018), Some(1));
        assert_eq!(governs("B", 2018), Some(2));
        assert_eq!(
            governing_row(&sheet, Driver::MigrantInflow, "A", SchoolYear(2018)),
            None
        );
    }
}
