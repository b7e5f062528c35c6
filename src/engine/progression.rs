//! Grade progression (cohort-survival) ratios: estimation from a history and projection.
//!
//! The one implementation shared by `placeplan project` and the simulator's step 1 (SPEC §4):
//! [`estimate_ratios`] turns a unit's history into one ratio per grade transition under the
//! conventions of [`RatioOptions`], and [`project`] carries a unit's last actual year forward
//! with those ratios. Pure functions on values: no file, no terminal, no rounding of ratios.
//!
//! Conventions (SPEC §4 step 1), for a transition from grade `g` in year `t` to grade `g + 1` in
//! year `t + 1`: the yearly ratio is `count[t + 1][g + 1] / count[t][g]`; the *window* is the N
//! most recent such year pairs; the yearly ratios of the window are combined by [`Averaging`].
//! The conventions themselves, and their names, are the model's ([`crate::model::progression`]).

use thiserror::Error;

pub use crate::model::progression::{Averaging, RatioOptions, Rounding, ZeroFeeder};

/// A history of one unit: `counts[y][g]` = pupils of grade `first_grade + g` in year `first_year + y`.
/// Years and grades are consecutive; every year has the same grades. Grade 0 is kindergarten.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub first_year: u16,
    pub first_grade: u8,
    pub counts: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum RatioError {
    #[error("a history needs at least two years to estimate a ratio, found {found}")]
    TooShort { found: usize },
    #[error("a window of 0 transitions leaves nothing to average")]
    EmptyWindow,
    #[error("window of {window} transitions is longer than the history's {available}")]
    WindowTooLong { window: usize, available: usize },
    #[error("{given} weights given for a window of {window} transitions")]
    WeightsMismatch { given: usize, window: usize },
    #[error(
        "weights must be finite, not negative, and not all zero; found {weights:?} (most recent first)"
    )]
    BadWeights { weights: Vec<f64> },
    #[error(
        "zero feeder: grade {grade} has 0 pupils in {year}, so its ratio to the next year is undefined"
    )]
    ZeroFeeder { year: u16, grade: u8 },
    #[error("grade {from_grade}→{} has no usable year (every feeder count in the window is zero)", from_grade + 1)]
    NoUsableYear { from_grade: u8 },
    #[error("year {year} of the history has {found} grades, the first year has {expected}")]
    Ragged {
        year: u16,
        found: usize,
        expected: usize,
    },
    #[error("{ratios} ratios given for {grades} grades; a projection needs one per transition")]
    Shape { grades: usize, ratios: usize },
}

/// Estimates one ratio per grade transition: element `g` is grade `first_grade + g` → `+ 1`.
pub fn estimate_ratios(history: &History, opts: &RatioOptions) -> Result<Vec<f64>, RatioError> {
    estimate_net_ratios(history, None, opts)
}

/// [`estimate_ratios`] net of recorded inflows: `inflow[y][g]` pupils of grade `first_grade + g`
/// in year `first_year + y` joined from outside (they are not progression of last year's
/// cohort), so each yearly ratio is (count − inflow) / last year's count. The feeder count stays
/// gross: last year's newcomers progress like everyone else.
pub fn estimate_net_ratios(
    history: &History,
    inflow: Option<&[Vec<f64>]>,
    opts: &RatioOptions,
) -> Result<Vec<f64>, RatioError> {
    let years = history.counts.len();
    if years < 2 {
        return Err(RatioError::TooShort { found: years });
    }
    let grades = history.counts[0].len();
    for (y, row) in history.counts.iter().enumerate() {
        if row.len() != grades {
            return Err(RatioError::Ragged {
                year: year_at(history.first_year, y),
                found: row.len(),
                expected: grades,
            });
        }
    }
    let available = years - 1;
    let window = opts.window.unwrap_or(available);
    if window == 0 {
        return Err(RatioError::EmptyWindow);
    }
    if window > available {
        return Err(RatioError::WindowTooLong { window, available });
    }
    if let Averaging::Weighted(w) = &opts.averaging {
        if w.len() != window {
            return Err(RatioError::WeightsMismatch {
                given: w.len(),
                window,
            });
        }
        if w.iter().any(|x| !x.is_finite() || *x < 0.0) || w.iter().sum::<f64>() <= 0.0 {
            return Err(RatioError::BadWeights { weights: w.clone() });
        }
    }
    let mut ratios = Vec::with_capacity(grades.saturating_sub(1));
    // (numerator, denominator, weight), most recent first; reused across grades.
    let mut pairs: Vec<(f64, f64, f64)> = Vec::with_capacity(window);
    for g in 0..grades.saturating_sub(1) {
        pairs.clear();
        for k in 0..window {
            let t = years - 2 - k;
            let den = history.counts[t][g];
            let joined = inflow.and_then(|f| f.get(t + 1)?.get(g + 1).copied());
            let num = (history.counts[t + 1][g + 1] - joined.unwrap_or(0.0)).max(0.0);
            let weight = match &opts.averaging {
                Averaging::Weighted(w) => w[k],
                _ => 1.0,
            };
            if den == 0.0 {
                match opts.zero_feeder {
                    ZeroFeeder::Zero => pairs.push((0.0, 0.0, weight)),
                    ZeroFeeder::Skip => {}
                    ZeroFeeder::Error => {
                        return Err(RatioError::ZeroFeeder {
                            year: year_at(history.first_year, t),
                            grade: grade_at(history.first_grade, g),
                        });
                    }
                }
            } else {
                pairs.push((num, den, weight));
            }
        }
        if pairs.is_empty() {
            return Err(RatioError::NoUsableYear {
                from_grade: grade_at(history.first_grade, g),
            });
        }
        ratios.push(combine(&opts.averaging, &pairs));
    }
    Ok(ratios)
}

/// Combines the (numerator, denominator, weight) pairs of one transition, most recent first.
/// `pairs` is never empty; a pair with denominator 0 stands for a yearly ratio of 0.
fn combine(averaging: &Averaging, pairs: &[(f64, f64, f64)]) -> f64 {
    let ratio = |&(n, d, _): &(f64, f64, f64)| if d == 0.0 { 0.0 } else { n / d };
    let n = pairs.len() as f64;
    match averaging {
        Averaging::Mean => pairs.iter().map(ratio).sum::<f64>() / n,
        Averaging::Pooled => {
            let den: f64 = pairs.iter().map(|p| p.1).sum();
            if den == 0.0 {
                0.0
            } else {
                pairs.iter().map(|p| p.0).sum::<f64>() / den
            }
        }
        Averaging::Geometric => {
            // ln(0) = -inf, so a zero yearly ratio gives exp(-inf) = 0: no NaN.
            let logs: f64 = pairs.iter().map(|p| ratio(p).ln()).sum();
            (logs / n).exp()
        }
        Averaging::Median => {
            let mut v: Vec<f64> = pairs.iter().map(ratio).collect();
            v.sort_by(f64::total_cmp);
            let m = v.len() / 2;
            if v.len() % 2 == 1 {
                v[m]
            } else {
                (v[m - 1] + v[m]) / 2.0
            }
        }
        Averaging::Last => ratio(&pairs[0]),
        Averaging::Weighted(_) => {
            let wsum: f64 = pairs.iter().map(|p| p.2).sum();
            if wsum == 0.0 {
                // Only possible when Skip dropped every weighted year; the rest weigh 0.
                0.0
            } else {
                pairs.iter().map(|p| ratio(p) * p.2).sum::<f64>() / wsum
            }
        }
    }
}

/// Projects one unit forward from its last actual year.
///
/// `base` holds the last actual year's counts, entry grade first; `ratios[g]` is the ratio of
/// grade `g` → `g + 1` (as from [`estimate_ratios`]); `entry[k]` is the entry-grade count of the
/// `k + 1`-th year after the base year. Returns one row per projected year (`entry.len()` rows):
/// `row[0] = entry[k]` and `row[g + 1] = previous[g] × ratios[g]`, where `previous` is the base
/// year for the first row and the previous projected row after that. With
/// [`Rounding::EachYear`] every count of a row, entry included, is rounded half away from zero
/// before the next row is computed from it.
pub fn project(
    base: &[f64],
    ratios: &[f64],
    entry: &[f64],
    rounding: Rounding,
) -> Result<Vec<Vec<f64>>, RatioError> {
    if ratios.len() + 1 != base.len() {
        return Err(RatioError::Shape {
            grades: base.len(),
            ratios: ratios.len(),
        });
    }
    let mut rows: Vec<Vec<f64>> = Vec::with_capacity(entry.len());
    for &e in entry {
        let previous = rows.last().map_or(base, Vec::as_slice);
        let mut row = Vec::with_capacity(base.len());
        row.push(e);
        row.extend(previous.iter().zip(ratios).map(|(p, r)| p * r));
        if rounding == Rounding::EachYear {
            // f64::round rounds half away from zero.
            row.iter_mut().for_each(|x| *x = x.round());
        }
        rows.push(row);
    }
    Ok(rows)
}

fn year_at(first_year: u16, offset: usize) -> u16 {
    u16::try_from(usize::from(first_year) + offset).unwrap_or(u16::MAX)
}

fn grade_at(first_grade: u8, offset: usize) -> u8 {
    u8::try_from(usize::from(first_grade) + offset).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h() -> History {
        History {
            first_year: 2015,
            first_grade: 1,
            counts: vec![vec![100.0, 90.0], vec![110.0, 95.0], vec![120.0, 121.0]],
        }
    }

    fn opts(averaging: Averaging) -> RatioOptions {
        RatioOptions {
            averaging,
            ..RatioOptions::default()
        }
    }

    #[test]
    fn mean_and_pooled_differ_as_defined() {
        let mean = estimate_ratios(&h(), &RatioOptions::default()).unwrap();
        // yearly ratios 95/100 = 0.95 and 121/110 = 1.1
        assert!((mean[0] - 1.025).abs() < 1e-12);
        let pooled = estimate_ratios(&h(), &opts(Averaging::Pooled)).unwrap();
        assert!((pooled[0] - 216.0 / 210.0).abs() < 1e-12);
    }

    #[test]
    fn every_averaging_on_two_yearly_ratios() {
        let one = |a| estimate_ratios(&h(), &opts(a)).unwrap()[0];
        assert!((one(Averaging::Geometric) - (0.95f64 * 1.1).sqrt()).abs() < 1e-12);
        assert!((one(Averaging::Median) - 1.025).abs() < 1e-12);
        assert!((one(Averaging::Last) - 1.1).abs() < 1e-12);
        let w = one(Averaging::Weighted(vec![3.0, 1.0]));
        assert!((w - (1.1 * 3.0 + 0.95) / 4.0).abs() < 1e-12);
    }

    #[test]
    fn window_keeps_the_most_recent_transitions() {
        let o = RatioOptions {
            window: Some(1),
            ..RatioOptions::default()
        };
        assert_eq!(estimate_ratios(&h(), &o).unwrap(), vec![1.1]);
        let too_long = RatioOptions {
            window: Some(3),
            ..RatioOptions::default()
        };
        assert_eq!(
            estimate_ratios(&h(), &too_long),
            Err(RatioError::WindowTooLong {
                window: 3,
                available: 2
            })
        );
        let zero = RatioOptions {
            window: Some(0),
            ..RatioOptions::default()
        };
        assert_eq!(estimate_ratios(&h(), &zero), Err(RatioError::EmptyWindow));
    }

    #[test]
    fn weights_must_match_the_window_and_be_usable() {
        assert_eq!(
            estimate_ratios(&h(), &opts(Averaging::Weighted(vec![1.0]))),
            Err(RatioError::WeightsMismatch {
                given: 1,
                window: 2
            })
        );
        assert!(matches!(
            estimate_ratios(&h(), &opts(Averaging::Weighted(vec![1.0, -1.0]))),
            Err(RatioError::BadWeights { .. })
        ));
        assert!(matches!(
            estimate_ratios(&h(), &opts(Averaging::Weighted(vec![0.0, 0.0]))),
            Err(RatioError::BadWeights { .. })
        ));
    }

    fn zero_history() -> History {
        // Grade 1 has no pupils in 2016: the 2016→2017 transition has a zero feeder.
        History {
            first_year: 2015,
            first_grade: 1,
            counts: vec![vec![100.0, 90.0], vec![0.0, 95.0], vec![120.0, 10.0]],
        }
    }

    #[test]
    fn zero_feeder_conventions() {
        let with = |zero_feeder, averaging| {
            estimate_ratios(
                &zero_history(),
                &RatioOptions {
                    averaging,
                    window: None,
                    zero_feeder,
                },
            )
        };
        // zero: yearly ratios 0.95 and 0 → mean 0.475
        assert_eq!(with(ZeroFeeder::Zero, Averaging::Mean), Ok(vec![0.475]));
        assert_eq!(with(ZeroFeeder::Zero, Averaging::Last), Ok(vec![0.0]));
        // skip: only 0.95 is left
        assert_eq!(with(ZeroFeeder::Skip, Averaging::Mean), Ok(vec![0.95]));
        assert_eq!(with(ZeroFeeder::Skip, Averaging::Last), Ok(vec![0.95]));
        // pooled: the zero-feeder year adds nothing under either convention
        assert_eq!(with(ZeroFeeder::Zero, Averaging::Pooled), Ok(vec![0.95]));
        assert_eq!(
            with(ZeroFeeder::Error, Averaging::Mean),
            Err(RatioError::ZeroFeeder {
                year: 2016,
                grade: 1
            })
        );
        assert_eq!(
            with(ZeroFeeder::Zero, Averaging::Geometric),
            Ok(vec![0.0]),
            "a zero yearly ratio makes the geometric mean 0, not NaN"
        );
    }

    #[test]
    fn skip_with_no_usable_year_is_an_error() {
        let h = History {
            first_year: 2015,
            first_grade: 0,
            counts: vec![vec![0.0, 5.0], vec![0.0, 0.0]],
        };
        let o = RatioOptions {
            zero_feeder: ZeroFeeder::Skip,
            ..RatioOptions::default()
        };
        assert_eq!(
            estimate_ratios(&h, &o),
            Err(RatioError::NoUsableYear { from_grade: 0 })
        );
    }

    #[test]
    fn ragged_and_short_histories_are_errors_not_panics() {
        let ragged = History {
            first_year: 2015,
            first_grade: 1,
            counts: vec![vec![1.0, 2.0], vec![1.0]],
        };
        assert_eq!(
            estimate_ratios(&ragged, &RatioOptions::default()),
            Err(RatioError::Ragged {
                year: 2016,
                found: 1,
                expected: 2
            })
        );
        let short = History {
            first_year: 2015,
            first_grade: 1,
            counts: vec![vec![1.0, 2.0]],
        };
        assert_eq!(
            estimate_ratios(&short, &RatioOptions::default()),
            Err(RatioError::TooShort { found: 1 })
        );
    }

    #[test]
    fn projection_rounds_each_year_and_carries_the_rounded_counts() {
        // 10 × 1.25 = 12.5 → 13 and 7.5 → 8 (half away from zero); the rounded 13 is carried:
        // 13 × 1.25 = 16.25 → 16. The published Langford table in tests/cli/project.rs is a case
        // where carrying the rounded counts changes the result.
        let rows = project(
            &[10.0, 10.0, 10.0],
            &[1.25, 1.25],
            &[7.5, 9.0],
            Rounding::EachYear,
        )
        .unwrap();
        assert_eq!(rows, vec![vec![8.0, 13.0, 13.0], vec![9.0, 10.0, 16.0]]);
        let exact = project(
            &[10.0, 10.0, 10.0],
            &[1.25, 1.25],
            &[7.5, 9.0],
            Rounding::None,
        )
        .unwrap();
        assert_eq!(exact, vec![vec![7.5, 12.5, 12.5], vec![9.0, 9.375, 15.625]]);
        assert_eq!(
            project(&[1.0, 2.0], &[], &[1.0], Rounding::None),
            Err(RatioError::Shape {
                grades: 2,
                ratios: 0
            })
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn histories() -> impl Strategy<Value = History> {
            (2usize..7, 2usize..5).prop_flat_map(|(years, grades)| {
                proptest::collection::vec(proptest::collection::vec(1.0f64..1000.0, grades), years)
                    .prop_map(|counts| History {
                        first_year: 2010,
                        first_grade: 1,
                        counts,
                    })
            })
        }

        proptest! {
            /// Every averaging is an average: it lies between the smallest and largest yearly
            /// ratio of the window, and the geometric mean never exceeds the arithmetic one.
            #[test]
            fn every_averaging_lies_within_the_yearly_ratios(h in histories(), w in 1usize..6) {
                let window = w.min(h.counts.len() - 1);
                let weights: Vec<f64> = (0..window).map(|k| (window - k) as f64).collect();
                let all = [
                    Averaging::Mean,
                    Averaging::Pooled,
                    Averaging::Geometric,
                    Averaging::Median,
                    Averaging::Last,
                    Averaging::Weighted(weights),
                ];
                let years = h.counts.len();
                let mut by_averaging = Vec::new();
                for averaging in all {
                    let o = RatioOptions { averaging, window: Some(window), zero_feeder: ZeroFeeder::Error };
                    let r = estimate_ratios(&h, &o).unwrap();
                    for (g, ratio) in r.iter().enumerate() {
                        let yearly = (years - 1 - window..years - 1).map(|t| h.counts[t + 1][g + 1] / h.counts[t][g]);
                        let lo = yearly.clone().fold(f64::INFINITY, f64::min);
                        let hi = yearly.fold(f64::NEG_INFINITY, f64::max);
                        prop_assert!(*ratio >= lo * (1.0 - 1e-12) && *ratio <= hi * (1.0 + 1e-12));
                    }
                    by_averaging.push(r);
                }
                for (geo, mean) in by_averaging[2].iter().zip(&by_averaging[0]) {
                    prop_assert!(*geo <= mean * (1.0 + 1e-12));
                }
            }

            /// Each-year rounding yields whole counts that never stray more than half a pupil
            /// from the product of the previous year's rounded counts.
            #[test]
            fn each_year_rounding_gives_whole_carried_counts(h in histories(), years in 1usize..6) {
                let r = estimate_ratios(&h, &RatioOptions::default()).unwrap();
                let base = h.counts.last().unwrap();
                let entry = vec![base[0]; years];
                let rows = project(base, &r, &entry, Rounding::EachYear).unwrap();
                let mut previous = base.clone();
                for row in &rows {
                    for (g, x) in row.iter().enumerate() {
                        prop_assert_eq!(x.fract(), 0.0);
                        let exact = if g == 0 { entry[0] } else { previous[g - 1] * r[g - 1] };
                        prop_assert!((x - exact).abs() <= 0.5);
                    }
                    previous = row.clone();
                }
            }
        }
    }
}
