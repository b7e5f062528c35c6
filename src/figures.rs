//! The key figures of a run: the few city-wide numbers a briefing quotes, per scenario, for the
//! base year, each target year and the horizon, rounded as a reader wants them (counts whole,
//! shares to 0.1 %, probabilities to 0.1 %), with names in Chinese and English beside codes.
//!
//! Pure: selects and rounds figures the engine produced (and ratios of them); written by `io`
//! (`key_figures.csv`, the workbook) and shown by `charts` (the report). No file, no drawing.

use crate::engine::results::{Metric, ScenarioResult};
use crate::model::SchoolYear;
use crate::scenario::Scenario;

/// The city-wide `area_id`.
const CITY: &str = "ALL";

/// One key figure.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyFigure {
    /// Scenario name (the file stem) and its titles.
    pub scenario: String,
    pub scenario_zh: String,
    pub scenario_en: String,
    pub year: u16,
    /// Code, e.g. `oversized_classes`, `p_target_met`.
    pub figure: String,
    pub name_zh: String,
    pub name_en: String,
    pub unit: Unit,
    /// The median of the draws (for `pupils_moved` the mean, which adds up over years; for
    /// `p_target_met` the share of draws meeting the target).
    pub value: f64,
    pub p10: Option<f64>,
    pub p90: Option<f64>,
}

/// What a key figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Classes,
    Pupils,
    Places,
    /// Per cent (0–100).
    Percent,
    /// A probability (0–1).
    Probability,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Classes => "classes",
            Unit::Pupils => "pupils",
            Unit::Places => "places",
            Unit::Percent => "percent",
            Unit::Probability => "probability",
        }
    }

    /// Rounds a value of this unit as it is shown: counts whole, per cents to 0.1, probabilities
    /// to 0.001.
    pub fn round(self, v: f64) -> f64 {
        let r = match self {
            Unit::Classes | Unit::Pupils | Unit::Places => v.round(),
            Unit::Percent => (v * 10.0).round() / 10.0,
            Unit::Probability => (v * 1000.0).round() / 1000.0,
        };
        // No "-0" in a table.
        if r == 0.0 { 0.0 } else { r }
    }
}

/// The years a scenario's key figures are given for: base year, target years, horizon.
pub fn key_years(scenario: &Scenario, result: &ScenarioResult) -> Vec<u16> {
    let base = result.base_year.0;
    let horizon = result.horizon.0;
    let mut years: Vec<u16> = scenario
        .targets
        .iter()
        .map(|t| t.year.0)
        .filter(|y| *y > base && *y <= horizon)
        .collect();
    years.push(base);
    years.push(horizon);
    years.sort_unstable();
    years.dedup();
    years
}

/// Oversized (or any) classes as a per cent of classes: medians over the median of classes.
pub fn share_pct(part: f64, classes: f64) -> f64 {
    if classes > 0.0 {
        100.0 * part / classes
    } else {
        0.0
    }
}

/// Pupils moved by rebalancing after the base year up to `year`: the sum of the yearly means.
pub fn pupils_moved_to(result: &ScenarioResult, year: u16) -> f64 {
    result
        .summary
        .iter()
        .filter(|r| {
            r.metric == Metric::PupilsMoved
                && r.area_id == CITY
                && r.year.0 > result.base_year.0
                && r.year.0 <= year
        })
        .map(|r| r.mean)
        .sum()
}

/// The key figures of one scenario, in year order, then figure order.
pub fn key_figures(scenario: &Scenario, result: &ScenarioResult) -> Vec<KeyFigure> {
    let mut out = Vec::new();
    let base = result.base_year.0;
    for year in key_years(scenario, result) {
        let mut push =
            |figure: &str, zh: &str, en: &str, unit: Unit, v: f64, band: Option<(f64, f64)>| {
                out.push(KeyFigure {
                    scenario: scenario.name.clone(),
                    scenario_zh: scenario.title_zh.clone(),
                    scenario_en: scenario.title_en.clone(),
                    year,
                    figure: figure.to_string(),
                    name_zh: zh.to_string(),
                    name_en: en.to_string(),
                    unit,
                    value: unit.round(v),
                    p10: band.map(|b| unit.round(b.0)),
                    p90: band.map(|b| unit.round(b.1)),
                });
            };
        let row = |m: Metric| result.row(m, SchoolYear(year), CITY);
        let over = row(Metric::OversizedClasses);
        let sup = row(Metric::SuperOversizedClasses);
        let classes = row(Metric::Classes).map(|r| r.p50);
        let o = scenario.classes.oversized;
        let so = scenario.classes.super_oversized;
        if let Some(r) = over {
            push(
                "oversized_classes",
                &format!("大班额（{o}人及以上，个）"),
                &format!("Oversized classes ({o}+)"),
                Unit::Classes,
                r.p50,
                Some((r.p10, r.p90)),
            );
            if let Some(c) = classes {
                push(
                    "oversized_share",
                    &format!("大班额占比（{o}人及以上）"),
                    &format!("Share of classes {o}+"),
                    Unit::Percent,
                    share_pct(r.p50, c),
                    Some((share_pct(r.p10, c), share_pct(r.p90, c))),
                );
            }
        }
        if let Some(r) = sup {
            push(
                "super_oversized_classes",
                &format!("超大班额（{so}人及以上，个）"),
                &format!("Super-oversized classes ({so}+)"),
                Unit::Classes,
                r.p50,
                Some((r.p10, r.p90)),
            );
        }
        if year > base {
            if let Some(r) = row(Metric::Cleared) {
                push(
                    "cleared",
                    "比基年减少的大班额（个）",
                    "Oversized classes cleared since the base year",
                    Unit::Classes,
                    r.p50,
                    Some((r.p10, r.p90)),
                );
            }
            push(
                "pupils_moved",
                "为此分流的学生（人，累计，模拟平均）",
                "Pupils moved by rebalancing (cumulative, mean)",
                Unit::Pupils,
                pupils_moved_to(result, year),
                None,
            );
        }
        if let Some(r) = row(Metric::Shortfall) {
            push(
                "shortfall",
                "学位缺口（个学位）",
                "Shortfall (places)",
                Unit::Places,
                r.p50,
                Some((r.p10, r.p90)),
            );
            if let Some(p) = row(Metric::Places).filter(|p| p.p50 > 0.0) {
                push(
                    "shortfall_share",
                    "学位缺口占学位数的比例",
                    "Shortfall as a share of places",
                    Unit::Percent,
                    100.0 * r.p50 / p.p50,
                    None,
                );
            }
        }
        for t in scenario.targets.iter().filter(|t| t.year.0 == year) {
            if let Some(r) = result
                .targets
                .iter()
                .find(|r| r.target == t.id && r.year.0 == year)
            {
                push(
                    &format!("p_target_met:{}", t.id),
                    &format!("达标概率：{}", t.title_zh),
                    &format!("P(target met): {}", t.title_en),
                    Unit::Probability,
                    r.probability,
                    None,
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_fits_the_unit_and_never_writes_minus_zero() {
        assert_eq!(Unit::Pupils.round(37921.671875), 37922.0);
        assert_eq!(Unit::Percent.round(4.2649), 4.3);
        assert_eq!(Unit::Probability.round(0.12345), 0.123);
        assert_eq!(Unit::Classes.round(-0.2).to_string(), "0");
    }

    #[test]
    fn share_of_no_classes_is_zero() {
        assert_eq!(share_pct(3.0, 0.0), 0.0);
        assert_eq!(share_pct(5.0, 100.0), 5.0);
    }
}
