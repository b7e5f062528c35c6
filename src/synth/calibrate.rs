//! Calibration: the knobs of a generation, and the bisections that fit the base year's crowding
//! and spread to the target shortfall and oversized classes (then nudge single grades until the
//! oversized count is exact). The outer loop over the surge lives in `generate`.

use super::classrooms::{base_figures, set_classrooms};
use super::draft::Draft;
use super::hengyang::{SUPER_SHARE, Targets};

/// Knobs of one generation, found by calibration for Hengyang.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Knobs {
    /// Crowding of town-centre primary schools in the base year: pupils / places − 1 (junior:
    /// `classrooms::JUNIOR_SCALE` of it).
    pub crowding_town: f64,
    /// Spread (standard deviation) of that crowding across town-centre schools and grades.
    pub crowding_spread: f64,
    /// Migrant children from outside the city who joined the urban districts' town-centre
    /// schools each year of the history, per 1,000 pupils of the district.
    pub district_migrant_rate: f64,
    /// The flows from the first projected year (2019/20) as a multiple of the history's: the
    /// surge of migrant children, returners and rural-to-town moves the bureau expects.
    pub surge: f64,
    /// The base year's shortfall (places) the calibration settled on.
    pub base_shortfall: f64,
}

/// The largest surge the calibration may fit: flows from 2019/20 at most twice the history's
/// (rural-to-town moves of 6–7 % of village pupils a year, about the national pace of village
/// school decline in the decade to 2015).
pub const MAX_SURGE: f64 = 2.0;

/// Bisection for an increasing function: the x in [lo, hi] where f(x) = target (to 2^-24 of
/// the bracket).
pub(super) fn bisect(mut lo: f64, mut hi: f64, target: f64, mut f: impl FnMut(f64) -> f64) -> f64 {
    for _ in 0..24 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Finds the town crowding and its spread that give the base year `shortfall` and the target
/// oversized classes (at a given shortfall, a wider spread puts more classes over 56), then
/// nudges single grades until the oversized count is exact. The super-oversized classes are
/// fitted first, to [`SUPER_SHARE`] of the classes, by the share of the most crowded grades that
/// have not yet split their 66+ classes.
pub(super) fn calibrate_base(d: &mut Draft, t: &Targets, shortfall: f64) -> (f64, f64) {
    d.comply_below = f64::INFINITY;
    let (town, hot) = fit_crowding(d, t, shortfall);
    let super_at = |d: &mut Draft, z: f64| {
        d.comply_below = z;
        set_classrooms(d, town, hot);
        let bands = base_figures(d).2;
        f64::from(bands.classes[9]) - SUPER_SHARE * f64::from(bands.total())
    };
    // Fewer grades comply as the threshold falls: more 66+ classes.
    let z = -bisect(-4.0, 4.0, 0.0, |x| super_at(d, -x));
    d.comply_below = z;
    let (town, hot) = fit_crowding(d, t, shortfall);
    nudge_oversized(d, t);
    (town, hot)
}

/// The town crowding and spread that give the base `shortfall` and about the target oversized
/// classes, with the draft's current compliance threshold.
fn fit_crowding(d: &mut Draft, t: &Targets, shortfall: f64) -> (f64, f64) {
    let fit_town = |d: &mut Draft, hot: f64| {
        bisect(-0.3, 0.8, shortfall, |town| {
            set_classrooms(d, town, hot);
            base_figures(d).1
        })
    };
    let over_at = |d: &mut Draft, hot: f64| {
        let town = fit_town(d, hot);
        set_classrooms(d, town, hot);
        f64::from(base_figures(d).0)
    };
    let target = f64::from(t.oversized_base);
    // Scan for the first step that crosses the target, then bisect within it.
    let (from, step, steps) = (0.0, 0.025, 20);
    let (mut hot, mut best) = (from, f64::INFINITY);
    let mut prev = (from, over_at(d, from));
    for k in 1..=steps {
        let h = from + step * f64::from(k);
        let o = over_at(d, h);
        if (prev.1 - target) * (o - target) <= 0.0 {
            let sign = if o >= prev.1 { 1.0 } else { -1.0 };
            hot = bisect(prev.0, h, sign * target, |x| sign * over_at(d, x));
            break;
        }
        if (o - target).abs() < best {
            (hot, best) = (h, (o - target).abs());
        }
        prev = (h, o);
    }
    let town = fit_town(d, hot);
    set_classrooms(d, town, hot);
    (town, hot)
}

/// Exact count: moves single town-school grades across the 56 boundary, one pupil at a time.
fn nudge_oversized(d: &mut Draft, t: &Targets) {
    let mut i = 0;
    let mut guard = 0;
    while guard < 100_000 {
        let (over, _, _) = base_figures(d);
        if over == t.oversized_base {
            break;
        }
        guard += 1;
        let s = i % d.schools.len();
        i += 7919;
        if !d.schools[s].urban {
            continue;
        }
        let g = i % d.base[s].len();
        let delta: i64 = if over < t.oversized_base { 1 } else { -1 };
        let old = d.base[s][g];
        d.base[s][g] = (i64::from(old) + delta).max(0) as u32;
        let (after, _, _) = base_figures(d);
        let better = (i64::from(after) - i64::from(t.oversized_base)).abs()
            < (i64::from(over) - i64::from(t.oversized_base)).abs();
        if !better {
            d.base[s][g] = old;
        }
    }
}
