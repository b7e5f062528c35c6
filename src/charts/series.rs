//! What the charts and the report read from a result: series of one metric over the years,
//! the years that matter (base year, target years) and number formatting.
//!
//! Pure functions on values; nothing here draws or writes.

use crate::engine::results::{Metric, ScenarioResult, SummaryRow};
use crate::model::SchoolYear;

/// The city-wide `area_id` of `summary.csv`.
pub const CITY: &str = "ALL";

/// One year of a metric: the median of the draws (the figure charts and key figures show),
/// the P10–P90 range, the mean (which adds up across parts, where medians do not) and the
/// central case (every uncertain input at its central value, kept for reference).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub year: u16,
    pub central: f64,
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

impl From<&SummaryRow> for Point {
    fn from(r: &SummaryRow) -> Point {
        Point {
            year: r.year.0,
            central: r.central,
            mean: r.mean,
            p10: r.p10,
            p50: r.p50,
            p90: r.p90,
        }
    }
}

/// The rows of `metric` for `area_id`, in year order.
pub fn series(result: &ScenarioResult, metric: Metric, area_id: &str) -> Vec<Point> {
    let mut points: Vec<Point> = result
        .summary
        .iter()
        .filter(|r| r.metric == metric && r.area_id == area_id)
        .map(Point::from)
        .collect();
    points.sort_by_key(|p| p.year);
    points
}

/// The rows of the metric named `name` (as in `summary.csv`) for `area_id`, in year order;
/// empty when the result has no such metric (metrics added by newer models are drawn when
/// they are there and left out when they are not).
pub fn series_named(result: &ScenarioResult, name: &str, area_id: &str) -> Vec<Point> {
    Metric::ALL
        .iter()
        .find(|m| m.as_str() == name)
        .map_or_else(Vec::new, |m| series(result, *m, area_id))
}

/// The value of `metric` for `area_id` in `year`, if the result has it.
pub fn point(result: &ScenarioResult, metric: Metric, year: u16, area_id: &str) -> Option<Point> {
    result
        .row(metric, SchoolYear(year), area_id)
        .map(Point::from)
}

/// The share of classes that are oversized, in per cent, for `area_id` in each year: the
/// median of the oversized classes over the median of the classes, with the P10 and P90 of
/// the oversized classes over the same median (the number of classes varies far less across
/// draws than the number of oversized ones). The mean and central columns are ratios of the
/// same columns.
pub fn oversized_share(result: &ScenarioResult, area_id: &str) -> Vec<Point> {
    share_of(result, Metric::OversizedClasses, area_id)
}

/// [`oversized_share`] for any count of classes (e.g. super-oversized).
pub fn share_of(result: &ScenarioResult, metric: Metric, area_id: &str) -> Vec<Point> {
    let classes = series(result, Metric::Classes, area_id);
    series(result, metric, area_id)
        .into_iter()
        .filter_map(|p| {
            let c = classes.iter().find(|c| c.year == p.year)?;
            let pct = |num: f64, den: f64| if den > 0.0 { 100.0 * num / den } else { 0.0 };
            Some(Point {
                year: p.year,
                central: pct(p.central, c.central),
                mean: pct(p.mean, c.mean),
                p10: pct(p.p10, c.p50),
                p50: pct(p.p50, c.p50),
                p90: pct(p.p90, c.p50),
            })
        })
        .collect()
}

/// The years a scenario is judged by: its target years within (base, horizon], in order,
/// or the horizon when it has none.
pub fn target_years(
    scenario_years: impl IntoIterator<Item = u16>,
    base: u16,
    horizon: u16,
) -> Vec<u16> {
    let mut years: Vec<u16> = scenario_years
        .into_iter()
        .filter(|y| *y > base && *y <= horizon)
        .collect();
    years.sort_unstable();
    years.dedup();
    if years.is_empty() {
        years.push(horizon);
    }
    years
}

/// An integer with thousands separators: `-12345.6` → `-12,346`.
pub fn thousands(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('−');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share in per cent with one decimal below 10 % and none above: `4.26` → `4.3%`.
pub fn share(pct: f64) -> String {
    if !pct.is_finite() {
        "–".to_string()
    } else if pct.abs() < 10.0 && (pct * 10.0).round() % 10.0 != 0.0 {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.0}%")
    }
}

/// A probability as a whole percentage: `0.923` → `92%` (`<1%` and `>99%` at the ends, so a
/// rounded 0 % or 100 % never claims certainty the draws cannot give).
pub fn percent(p: f64) -> String {
    if !p.is_finite() {
        "–".to_string()
    } else if p <= 0.0 {
        "0%".to_string()
    } else if p >= 1.0 {
        "100%".to_string()
    } else if p < 0.01 {
        "<1%".to_string()
    } else if p > 0.99 {
        ">99%".to_string()
    } else {
        format!("{:.0}%", p * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits_and_keeps_sign() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(2033.0), "2,033");
        assert_eq!(thousands(-150_000.0), "−150,000");
        assert_eq!(thousands(1_234_567.5), "1,234,568");
        assert_eq!(thousands(f64::NAN), "–");
    }

    #[test]
    fn percent_never_rounds_to_certainty() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.004), "<1%");
        assert_eq!(percent(0.5), "50%");
        assert_eq!(percent(0.996), ">99%");
        assert_eq!(percent(1.0), "100%");
    }

    #[test]
    fn target_years_fall_back_to_horizon() {
        assert_eq!(
            target_years([2020, 2021, 2020, 2030], 2019, 2025),
            vec![2020, 2021]
        );
        assert_eq!(target_years([], 2019, 2025), vec![2025]);
        assert_eq!(target_years([2019], 2019, 2025), vec![2025]);
    }
}
