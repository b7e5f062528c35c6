//! Grade progression (cohort-survival) ratios: estimation from a history and projection.
//!
//! The one implementation shared by `placeplan project` and the simulator's step 1 (SPEC §4).
//! Pure functions on values: no file, no terminal.

use thiserror::Error;

/// How the yearly ratios of one grade transition are combined into one ratio.
#[derive(Debug, Clone, PartialEq)]
pub enum Averaging {
    /// Arithmetic mean of the yearly ratios (default).
    Mean,
    /// Σ numerators / Σ denominators.
    Pooled,
    /// Geometric mean of the yearly ratios.
    Geometric,
    /// Median of the yearly ratios.
    Median,
    /// The most recent yearly ratio.
    Last,
    /// Weighted mean; weights most recent first, one per transition of the window.
    Weighted(Vec<f64>),
}

/// What a zero feeder count (grade g in year t is 0) does to the ratio of that year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZeroFeeder {
    /// The yearly ratio is 0.
    Zero,
    /// The year is left out of the average.
    Skip,
    /// An error.
    Error,
}

/// Conventions for estimating ratios.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioOptions {
    pub averaging: Averaging,
    /// Use only the N most recent transitions (year pairs); `None` = all.
    pub window: Option<usize>,
    pub zero_feeder: ZeroFeeder,
}

impl Default for RatioOptions {
    fn default() -> Self {
        RatioOptions {
            averaging: Averaging::Mean,
            window: None,
            zero_feeder: ZeroFeeder::Zero,
        }
    }
}

/// A history of one unit: `counts[y][g]` = pupils of grade `first_grade + g` in year `first_year + y`.
/// Years and grades are consecutive.
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
    #[error("window of {window} transitions is longer than the history's {available}")]
    WindowTooLong { window: usize, available: usize },
    #[error("{given} weights given for a window of {window} transitions")]
    WeightsMismatch { given: usize, window: usize },
    #[error(
        "zero feeder: grade {grade} has 0 pupils in {year}, so its ratio to the next year is undefined"
    )]
    ZeroFeeder { year: u16, grade: u8 },
    #[error("grade {from_grade}→{} has no usable year (every feeder count is zero)", from_grade + 1)]
    NoUsableYear { from_grade: u8 },
}

/// Estimates one ratio per grade transition: element `g` is grade `first_grade + g` → `+ 1`.
pub fn estimate_ratios(history: &History, opts: &RatioOptions) -> Result<Vec<f64>, RatioError> {
    let years = history.counts.len();
    if years < 2 {
        return Err(RatioError::TooShort { found: years });
    }
    let available = years - 1;
    let window = opts.window.unwrap_or(available);
    if window > available || window == 0 {
        return Err(RatioError::WindowTooLong { window, available });
    }
    if let Averaging::Weighted(w) = &opts.averaging
        && w.len() != window
    {
        return Err(RatioError::WeightsMismatch {
            given: w.len(),
            window,
        });
    }
    let grades = history.counts[0].len();
    let mut ratios = Vec::with_capacity(grades.saturating_sub(1));
    for g in 0..grades.saturating_sub(1) {
        // (numerator, denominator, weight), most recent first.
        let mut pairs: Vec<(f64, f64, f64)> = Vec::with_capacity(window);
        for k in 0..window {
            let t = years - 2 - k;
            let den = history.counts[t][g];
            let num = history.counts[t + 1][g + 1];
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
                            year: history.first_year + t as u16,
                            grade: history.first_grade + g as u8,
                        });
                    }
                }
            } else {
                pairs.push((num, den, weight));
            }
        }
        if pairs.is_empty() {
            return Err(RatioError::NoUsableYear {
                from_grade: history.first_grade + g as u8,
            });
        }
        let ratio = |&(n, d, _): &(f64, f64, f64)| if d == 0.0 { 0.0 } else { n / d };
        let n = pairs.len() as f64;
        let r = match &opts.averaging {
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
                pairs.iter().map(|p| ratio(p) * p.2).sum::<f64>() / wsum
            }
        };
        ratios.push(r);
    }
    Ok(ratios)
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

    #[test]
    fn mean_and_pooled_differ_as_defined() {
        let mean = estimate_ratios(&h(), &RatioOptions::default()).unwrap();
        // yearly ratios 95/100 = 0.95 and 121/110 = 1.1
        assert!((mean[0] - 1.025).abs() < 1e-12);
        let pooled = estimate_ratios(
            &h(),
            &RatioOptions {
                averaging: Averaging::Pooled,
                ..RatioOptions::default()
            },
        )
        .unwrap();
        assert!((pooled[0] - 216.0 / 210.0).abs() < 1e-12);
    }
}
