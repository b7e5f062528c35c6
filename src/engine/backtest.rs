//! Rolling-origin accuracy of [`forecast`] on many units' histories, beside the naive forecast.
//!
//! From every origin year each unit is forecast with the years up to the origin only, 1 to
//! `horizon` years ahead, and its total compared with the actual. Blend weights and P10–P90
//! bands for an origin come from the errors of earlier origins alone (an origin `T'` informs
//! horizon `h` at origin `T` only when `T' + h ≤ T`, so no scored year is ever used to tune its
//! own forecast). The same machinery gives `placeplan project` its weights and bands from every
//! origin of a file. Pure: values in, values out; the order of the output does not depend on
//! the thread count.

use rayon::prelude::*;

use super::forecast::{
    self, AreaCounts, HorizonCalibration, Method, PooledRatios, Sample, SliceError,
};
use super::progression::{History, RatioError};

/// One unit: its history (missing cells NaN) and its area, if the file gives one.
#[derive(Debug, Clone, Copy)]
pub struct Unit<'a> {
    pub history: &'a History,
    pub area: Option<usize>,
}

/// A unit's forecast from one origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub unit: usize,
    pub origin: u16,
    /// `totals[h - 1]`: the cohort model's total `h` years after the origin (only totals are
    /// kept: a 20,000-unit file has hundreds of thousands of cases).
    pub totals: Vec<f64>,
    /// The origin year's total: the naive forecast for every horizon.
    pub naive: f64,
    /// `actual[h - 1]`: the unit's total over the same grades `h` years on, if every cell is known.
    pub actual: Vec<Option<f64>>,
}

impl Case {
    /// The model's total `h` years after the origin (`h` ≥ 1).
    pub fn model(&self, h: usize) -> f64 {
        self.totals[h - 1]
    }
}

/// Why a unit has no forecast from an origin.
#[derive(Debug, Clone, PartialEq)]
pub enum Skip {
    Slice(SliceError),
    Ratio(RatioError),
}

/// Forecasts every unit from `origin`, `horizon` years ahead. Units whose history cannot give a
/// forecast under `method` are returned beside, with the reason.
pub fn forecast_from(
    units: &[Unit],
    method: &Method,
    origin: u16,
    horizon: usize,
) -> (Vec<Case>, Vec<(usize, Skip)>) {
    let mut slices = Vec::with_capacity(units.len());
    let mut skipped = Vec::new();
    for (i, u) in units.iter().enumerate() {
        match forecast::slice(
            u.history,
            origin,
            method.ratios.window,
            method.entry.years(),
            method.adaptive_window,
        ) {
            Ok(s) => slices.push((i, s)),
            Err(SliceError::NoOrigin) => {}
            Err(e) => skipped.push((i, Skip::Slice(e))),
        }
    }
    let areas = area_ratios(units, &slices, method);
    let counts = area_counts(units, &slices, method);
    let mut cases = Vec::with_capacity(slices.len());
    for (i, s) in slices {
        let area = units[i].area.and_then(|a| areas.get(a));
        let entry = entry(
            &s,
            method,
            units[i].area.and_then(|a| counts.get(a)),
            horizon,
        );
        match forecast::cohort_with_entry(&s, method, area, &entry) {
            Ok(f) => {
                let grades = s.counts.last().map_or(0, Vec::len);
                cases.push(Case {
                    unit: i,
                    origin,
                    naive: s.counts.last().map_or(0.0, |r| r.iter().sum()),
                    actual: (1..=horizon)
                        .map(|h| total(units[i].history, origin, h, s.first_grade, grades))
                        .collect(),
                    totals: f.rows.iter().map(|r| r.iter().sum()).collect(),
                });
            }
            Err(e) => skipped.push((i, Skip::Ratio(e))),
        }
    }
    (cases, skipped)
}

/// Each area's pooled ratios over its units' slices, `(unit index, slice)` (empty when the
/// method does not shrink).
pub fn area_ratios(
    units: &[Unit],
    slices: &[(usize, History)],
    method: &Method,
) -> Vec<PooledRatios> {
    if method.shrink.is_none() {
        return Vec::new();
    }
    let n = units
        .iter()
        .filter_map(|u| u.area)
        .max()
        .map_or(0, |m| m + 1);
    let mut areas = vec![PooledRatios::default(); n];
    for (i, s) in slices {
        if let Some(a) = units[*i].area {
            areas[a].add(s, forecast::transitions(s, method));
        }
    }
    areas
}

/// Each area's counts by grade over its units' slices (empty without an area trend).
pub fn area_counts(
    units: &[Unit],
    slices: &[(usize, History)],
    method: &Method,
) -> Vec<AreaCounts> {
    let Some(trend) = method.area_trend else {
        return Vec::new();
    };
    let n = units
        .iter()
        .filter_map(|u| u.area)
        .max()
        .map_or(0, |m| m + 1);
    let mut areas = vec![AreaCounts::new(trend.years()); n];
    for (i, s) in slices {
        if let Some(a) = units[*i].area {
            areas[a].add(s);
        }
    }
    areas
}

/// A [`forecast::slice`]d unit's future entry counts: its entry method, moved by its area's
/// trend in its entry grade when the method says so and the area has one.
pub fn entry(
    slice: &History,
    method: &Method,
    area: Option<&AreaCounts>,
    horizon: usize,
) -> Vec<f64> {
    let recent: Vec<f64> = slice.counts.iter().map(|row| row[0]).collect();
    let mut entry = method.entry.project(&recent, horizon);
    if let (Some(trend), Some(area)) = (method.area_trend, area)
        && let Some(f) = area.factors(slice.first_grade, trend, method.entry, horizon)
    {
        entry.iter_mut().zip(f).for_each(|(e, f)| *e *= f);
    }
    entry
}

/// The total of grades `first_grade .. first_grade + grades` in year `origin + h`, if all known.
fn total(history: &History, origin: u16, h: usize, first_grade: u8, grades: usize) -> Option<f64> {
    let y = usize::from(origin.checked_sub(history.first_year)?) + h;
    let row = history.counts.get(y)?;
    let g0 = usize::from(first_grade.checked_sub(history.first_grade)?);
    let cells = row.get(g0..g0 + grades)?;
    cells
        .iter()
        .all(|c| c.is_finite())
        .then(|| cells.iter().sum())
}

/// The years from which a forecast can be made: from the year after the first unit's first
/// year to the year before the last unit's last year.
pub fn origins(units: &[Unit]) -> Vec<u16> {
    let first = units.iter().map(|u| u.history.first_year).min();
    let last = units
        .iter()
        .map(|u| last_year(u.history))
        .max()
        .and_then(|y| y.checked_sub(1));
    match (first, last) {
        (Some(f), Some(l)) => (f..=l).collect(),
        _ => Vec::new(),
    }
}

/// The last year of a history.
pub fn last_year(h: &History) -> u16 {
    let n = u16::try_from(h.counts.len()).unwrap_or(u16::MAX);
    h.first_year.saturating_add(n.saturating_sub(1))
}

/// Every case from every origin, in origin order, then unit order, forecast `horizon` years
/// ahead and at least [`forecast::BAND_FIT_HORIZONS`], the horizons the bands are fitted across
/// (a case's `h`-th year does not depend on how many follow it).
pub fn all_cases(units: &[Unit], method: &Method, horizon: usize) -> Vec<Case> {
    let horizon = horizon.max(forecast::BAND_FIT_HORIZONS);
    origins(units)
        .par_iter()
        .map(|&o| forecast_from(units, method, o, horizon).0)
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

/// Samples of horizon `h` from cases whose origin is at most `latest`.
fn samples(cases: &[Case], h: usize, latest: u16) -> Vec<Sample> {
    cases
        .iter()
        .filter(|c| c.origin <= latest)
        .filter_map(|c| {
            Some(Sample {
                origin: c.origin,
                horizon: h,
                model: *c.totals.get(h - 1)?,
                naive: c.naive,
                actual: (*c.actual.get(h - 1)?)?,
            })
        })
        .collect()
}

/// Calibrates horizons 1 to `horizon` (at least [`forecast::BAND_FIT_HORIZONS`]), each from
/// the samples `samples_of(h)` gives, fits their bands across horizons
/// ([`forecast::smooth_bands`]) and keeps the first `horizon`.
fn calibrate_horizons(
    horizon: usize,
    blend: bool,
    samples_of: impl Fn(usize) -> Option<Vec<Sample>>,
) -> Vec<Option<HorizonCalibration>> {
    let mut cal: Vec<Option<HorizonCalibration>> = (1..=horizon.max(forecast::BAND_FIT_HORIZONS))
        .map(|h| forecast::calibrate(&samples_of(h)?, blend))
        .collect();
    forecast::smooth_bands(&mut cal);
    cal.truncate(horizon);
    cal
}

/// The calibration of every horizon from every case with a known actual (for a projection
/// beyond the last year). `None` for a horizon with too few origins.
pub fn calibrate_all(
    cases: &[Case],
    horizon: usize,
    blend: bool,
) -> Vec<Option<HorizonCalibration>> {
    calibrate_horizons(horizon, blend, |h| Some(samples(cases, h, u16::MAX)))
}

/// One scored forecast: a unit's total `horizon` years after `origin`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub unit: usize,
    pub origin: u16,
    pub horizon: usize,
    pub actual: f64,
    /// Cohort-survival forecast before blending.
    pub model: f64,
    pub naive: f64,
    /// The blended forecast and its band.
    pub forecast: f64,
    pub p10: f64,
    pub p90: f64,
    /// The naive forecast's band, from its own earlier errors.
    pub naive_p10: f64,
    pub naive_p90: f64,
    /// The blend weight of the model.
    pub weight: f64,
}

/// Scores every case from `first_origin` on whose actual is known, each with the weights and
/// bands of its horizon calibrated on origins at least `h` years earlier (the bands then
/// fitted across horizons, each still from its own earlier origins). Cases whose horizon
/// cannot be calibrated yet are left out.
pub fn score(cases: &[Case], horizon: usize, blend: bool, first_origin: u16) -> Vec<Scored> {
    let mut scored_origins: Vec<u16> = cases
        .iter()
        .map(|c| c.origin)
        .filter(|&o| o >= first_origin)
        .collect();
    scored_origins.dedup();
    let calibrations: Vec<(u16, Vec<Option<HorizonCalibration>>)> = scored_origins
        .par_iter()
        .map(|&o| {
            let cal = calibrate_horizons(horizon, blend, |h| {
                let latest = o.checked_sub(u16::try_from(h).ok()?)?;
                Some(samples(cases, h, latest))
            });
            (o, cal)
        })
        .collect();
    let mut out = Vec::new();
    for c in cases.iter().filter(|c| c.origin >= first_origin) {
        let Some((_, cal)) = calibrations.iter().find(|(o, _)| *o == c.origin) else {
            continue;
        };
        for h in 1..=horizon {
            let (Some(actual), Some(k)) = (c.actual[h - 1], cal[h - 1]) else {
                continue;
            };
            let model = c.model(h);
            let forecast = forecast::blended(k.weight, model, c.naive);
            out.push(Scored {
                unit: c.unit,
                origin: c.origin,
                horizon: h,
                actual,
                model,
                naive: c.naive,
                forecast,
                p10: forecast * k.low,
                p90: forecast * k.high,
                naive_p10: c.naive * k.naive_low,
                naive_p90: c.naive * k.naive_high,
                weight: k.weight,
            });
        }
    }
    out
}

/// The first origin from which every horizon `1..=horizon` can be calibrated on earlier ones.
pub fn first_scorable_origin(cases: &[Case], horizon: usize) -> Option<u16> {
    if horizon == 0 {
        return None;
    }
    let mut origins: Vec<u16> = cases.iter().map(|c| c.origin).collect();
    origins.dedup();
    let h = u16::try_from(horizon).ok()?;
    origins.iter().copied().find(|&o| {
        let Some(latest) = o.checked_sub(h) else {
            return false;
        };
        let mut earlier: Vec<u16> = cases
            .iter()
            .filter(|c| c.origin <= latest && c.actual[horizon - 1].is_some())
            .map(|c| c.origin)
            .collect();
        earlier.dedup();
        earlier.len() >= forecast::MIN_CALIBRATION_ORIGINS
    })
}

/// Accuracy of one forecast at one horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accuracy {
    /// Mean absolute percentage error, in % of the actual.
    pub mape: f64,
    /// Median absolute percentage error, %.
    pub median_ape: f64,
    /// Mean signed percentage error (forecast − actual) ÷ actual, %: above 0 = too high.
    pub bias: f64,
    /// Share of actuals inside P10–P90, % of the forecasts that have a band (NaN if none has).
    pub coverage: f64,
    /// Standard error of `coverage`, in percentage points: the jackknife over origins
    /// ([`jackknife_share`]). The forecasts of one origin share its year's shocks, so the origin,
    /// not the forecast, is the unit left out. It takes origins as independent; neighbouring
    /// origins' multi-year forecasts share years of shocks, so at longer horizons it is a lower
    /// bound. NaN with fewer than two origins that have bands.
    pub coverage_se: f64,
}

/// One horizon's accuracy for placeplan, its unblended model and the naive forecast.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HorizonSummary {
    pub horizon: usize,
    /// Forecasts scored (unit × origin).
    pub forecasts: usize,
    pub origins: usize,
    pub placeplan: Accuracy,
    pub model: Accuracy,
    pub naive: Accuracy,
    /// Mean blend weight of the model.
    pub weight: f64,
}

/// Summarises scored forecasts by horizon (cases with an actual of 0 are left out of the
/// percentages).
pub fn summarise(scored: &[Scored], horizon: usize) -> Vec<HorizonSummary> {
    (1..=horizon)
        .filter_map(|h| {
            let s: Vec<&Scored> = scored
                .iter()
                .filter(|s| s.horizon == h && s.actual > 0.0)
                .collect();
            if s.is_empty() {
                return None;
            }
            let mut origins: Vec<u16> = s.iter().map(|x| x.origin).collect();
            origins.sort_unstable();
            origins.dedup();
            let acc = |f: &dyn Fn(&Scored) -> (f64, f64, f64)| {
                let mut ape = Vec::with_capacity(s.len());
                let (mut sum, mut signed, mut inside, mut banded) = (0.0, 0.0, 0usize, 0usize);
                // (inside, banded) of each origin, in `origins`' order.
                let mut by_origin = vec![(0usize, 0usize); origins.len()];
                for x in &s {
                    let (fc, lo, hi) = f(x);
                    let e = (fc - x.actual) / x.actual * 100.0;
                    ape.push(e.abs());
                    sum += e.abs();
                    signed += e;
                    if lo.is_finite() && hi.is_finite() {
                        let held = x.actual >= lo && x.actual <= hi;
                        banded += 1;
                        inside += usize::from(held);
                        if let Ok(i) = origins.binary_search(&x.origin) {
                            by_origin[i].0 += usize::from(held);
                            by_origin[i].1 += 1;
                        }
                    }
                }
                ape.sort_by(f64::total_cmp);
                let n = s.len() as f64;
                Accuracy {
                    mape: sum / n,
                    median_ape: forecast::quantile(&ape, 0.5),
                    bias: signed / n,
                    coverage: if banded == 0 {
                        f64::NAN
                    } else {
                        inside as f64 / banded as f64 * 100.0
                    },
                    coverage_se: jackknife_share(&by_origin),
                }
            };
            Some(HorizonSummary {
                horizon: h,
                forecasts: s.len(),
                origins: origins.len(),
                placeplan: acc(&|x| (x.forecast, x.p10, x.p90)),
                model: acc(&|x| (x.model, f64::NAN, f64::NAN)),
                naive: acc(&|x| (x.naive, x.naive_p10, x.naive_p90)),
                weight: s.iter().map(|x| x.weight).sum::<f64>() / s.len() as f64,
            })
        })
        .collect()
}

/// The jackknife standard error, in percentage points, of the share Σ inside ÷ Σ counted over
/// `(inside, counted)` groups: the share recomputed with each group left out in turn, and
/// √((k − 1)/k · Σ (θ₋ᵢ − θ̄)²) over the k groups that count anything. With groups of equal
/// size it is the standard error of the mean of the groups' shares. NaN with fewer than two
/// such groups.
pub fn jackknife_share(groups: &[(usize, usize)]) -> f64 {
    let groups: Vec<(f64, f64)> = groups
        .iter()
        .filter(|g| g.1 > 0)
        .map(|&(inside, counted)| (inside as f64, counted as f64))
        .collect();
    let k = groups.len();
    if k < 2 {
        return f64::NAN;
    }
    let inside: f64 = groups.iter().map(|g| g.0).sum();
    let counted: f64 = groups.iter().map(|g| g.1).sum();
    let left_out: Vec<f64> = groups
        .iter()
        .map(|g| (inside - g.0) / (counted - g.1) * 100.0)
        .collect();
    let mean = left_out.iter().sum::<f64>() / k as f64;
    let squares: f64 = left_out.iter().map(|v| (v - mean).powi(2)).sum();
    ((k - 1) as f64 / k as f64 * squares).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::forecast::EntryMethod;
    use crate::engine::progression::{RatioOptions, Rounding};

    fn method(blend: bool) -> Method {
        Method {
            ratios: RatioOptions {
                window: Some(2),
                ..RatioOptions::default()
            },
            entry: EntryMethod::Mean { years: 1 },
            shrink: None,
            blend,
            rounding: Rounding::None,
            adaptive_window: true,
            area_trend: None,
        }
    }

    /// A unit growing 10 % a year in every grade, with ratios of exactly 1.1.
    fn growing(years: usize) -> History {
        History {
            first_year: 2000,
            first_grade: 0,
            counts: (0..years)
                .map(|y| {
                    (0..3)
                        .map(|g| 100.0 * 1.1f64.powi(i32::try_from(y + g).unwrap()))
                        .collect()
                })
                .collect(),
        }
    }

    #[test]
    fn scored_forecasts_use_only_earlier_origins() {
        let h = growing(14);
        let units = [Unit {
            history: &h,
            area: None,
        }];
        let cases = all_cases(&units, &method(true), 2);
        // The first origin, 2000, has one year; adaptive windows let it forecast from 2001 on
        // (one transition).
        assert_eq!(cases.first().map(|c| c.origin), Some(2001));
        let first = first_scorable_origin(&cases, 2).unwrap();
        // Horizon 2 needs three origins whose 2-year actual is known by then: 2001–2003 → 2005.
        assert_eq!(first, 2005);
        let scored = score(&cases, 2, true, first);
        assert!(scored.iter().all(|s| s.origin >= 2005));
        let last = scored.iter().map(|s| s.origin + s.horizon as u16).max();
        assert_eq!(last, Some(2013));
        let summary = summarise(&scored, 2);
        assert_eq!(summary.len(), 2);
        // Ratios are exact but the entry is held flat, so the model beats naive, and the blend
        // learns to follow it.
        for s in &summary {
            assert!(s.placeplan.mape < s.naive.mape, "{s:?}");
            assert!(s.naive.bias < 0.0);
        }
    }

    #[test]
    fn bands_do_not_depend_on_how_many_years_are_asked() {
        // Bands are fitted across horizons 1–5 whatever is asked: asking for 2 years gives the
        // 1- and 2-year bands of asking for 5, and those differ from each horizon's own band.
        let h = growing(16);
        let units = [Unit {
            history: &h,
            area: None,
        }];
        let m = method(true);
        let five = calibrate_all(&all_cases(&units, &m, 5), 5, true);
        let two = calibrate_all(&all_cases(&units, &m, 2), 2, true);
        assert_eq!(two, five[..2]);
        let cases = all_cases(&units, &m, 2);
        let own = forecast::calibrate(&samples(&cases, 2, u16::MAX), true).unwrap();
        let fitted = two[1].unwrap();
        assert_eq!(own.weight, fitted.weight);
        assert!(
            (own.half_width - fitted.half_width).abs() > 1e-6,
            "{own:?} {fitted:?}"
        );
    }

    #[test]
    fn jackknife_share_is_the_standard_error_of_equal_groups_shares() {
        let groups = [(8, 10), (9, 10), (6, 10), (0, 0)];
        let shares = [80.0, 90.0, 60.0];
        let mean = shares.iter().sum::<f64>() / 3.0;
        let sd = (shares.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
        let se = jackknife_share(&groups);
        assert!((se - sd / 3f64.sqrt()).abs() < 1e-9, "{se}");
        assert_eq!(jackknife_share(&[(7, 10), (14, 20), (70, 100)]), 0.0);
        assert!(jackknife_share(&[(7, 10), (0, 0)]).is_nan());
    }

    #[test]
    fn coverage_se_counts_origins_not_forecasts() {
        // Two origins, one whose bands held every actual and one whose bands held none: the
        // coverage is 50 % ± 50 points however many units each has (a binomial standard
        // error over 2 × n independent forecasts would shrink as 1/√n).
        for units in [10, 1000] {
            let scored: Vec<Scored> = [(2010, 100.0), (2011, 200.0)]
                .iter()
                .flat_map(|&(origin, actual)| {
                    (0..units).map(move |unit| Scored {
                        unit,
                        origin,
                        horizon: 1,
                        actual,
                        model: 100.0,
                        naive: 100.0,
                        forecast: 100.0,
                        p10: 90.0,
                        p90: 110.0,
                        naive_p10: 90.0,
                        naive_p90: 110.0,
                        weight: 1.0,
                    })
                })
                .collect();
            let s = summarise(&scored, 1);
            assert_eq!(s[0].placeplan.coverage, 50.0);
            assert!((s[0].placeplan.coverage_se - 50.0).abs() < 1e-9, "{s:?}");
            assert!(s[0].model.coverage_se.is_nan());
        }
    }

    #[test]
    fn areas_pool_ratios_only_when_shrinking() {
        let (a, b) = (growing(4), growing(4));
        let units = [
            Unit {
                history: &a,
                area: Some(0),
            },
            Unit {
                history: &b,
                area: Some(0),
            },
        ];
        let mut m = method(false);
        let plain = forecast_from(&units, &m, 2003, 1).0;
        m.shrink = Some(50.0);
        let shrunk = forecast_from(&units, &m, 2003, 1).0;
        // Both units share the same ratios, so shrinking toward the area changes nothing.
        for (p, s) in plain.iter().zip(&shrunk) {
            assert!((p.model(1) - s.model(1)).abs() < 1e-9);
        }
        assert_eq!(plain[0].actual, vec![None]);
    }
}
