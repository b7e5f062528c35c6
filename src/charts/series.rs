//! What the charts and the report read from a result: series of one metric over the years,
//! the years that matter (base year, target years) and number formatting.
//!
//! Pure functions on values; nothing here draws or writes.

use crate::engine::results::{Metric, ScenarioResult, SummaryRow};
use crate::model::SchoolYear;

/// The city-wide `area_id` of `summary.csv`.
pub const CITY: &str = "ALL";

/// One year of a metric: central case and the P10–P90 range over the draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub year: u16,
    pub central: f64,
    pub mean: f64,
    pub p10: f64,
    pub p90: f64,
}

impl From<&SummaryRow> for Point {
    fn from(r: &SummaryRow) -> Point {
        Point {
            year: r.year.0,
            central: r.central,
            mean: r.mean,
            p10: r.p10,
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

/// The value of `metric` for `area_id` in `year`, if the result has it.
pub fn point(result: &ScenarioResult, metric: Metric, year: u16, area_id: &str) -> Option<Point> {
    result
        .row(metric, SchoolYear(year), area_id)
        .map(Point::from)
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
