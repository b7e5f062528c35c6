//! `placeplan backtest`'s outputs: the accuracy table by horizon, every scored forecast, and a
//! markdown section for a report.
//!
//! Encoding only: CSV in UTF-8 with a BOM, numbers in their shortest round-trip form, text cells
//! made inert for Excel; the markdown rounds for reading. The caller writes the bytes into a
//! staged folder (see [`crate::io::atomic`]). No error is computed here.

use crate::engine::backtest::{Accuracy, HorizonSummary, Scored};
use crate::engine::realised::RowCheck;
use crate::io::dataset_out;
use crate::io::excel_csv;
use crate::io::tables::inert;
use crate::model::{AreaSel, Growth};

/// `accuracy.csv`: one row per horizon; percentages in % of the actual; a coverage with no
/// band to measure is an empty cell. `coverage_se` and `naive_coverage_se` are the coverages'
/// standard errors in percentage points, over origins (empty with a single origin).
pub fn accuracy_csv(rows: &[HorizonSummary]) -> anyhow::Result<Vec<u8>> {
    let mut w = excel_csv::writer(&csv::WriterBuilder::new());
    w.write_record([
        "horizon",
        "forecasts",
        "origins",
        "mape",
        "median_ape",
        "bias",
        "coverage_p10_p90",
        "naive_mape",
        "naive_median_ape",
        "naive_bias",
        "naive_coverage_p10_p90",
        "model_mape",
        "model_median_ape",
        "model_bias",
        "blend_weight",
        "coverage_se",
        "naive_coverage_se",
    ])?;
    for r in rows {
        let n = |v: f64| {
            if v.is_nan() {
                String::new()
            } else {
                v.to_string()
            }
        };
        w.write_record([
            r.horizon.to_string(),
            r.forecasts.to_string(),
            r.origins.to_string(),
            n(r.placeplan.mape),
            n(r.placeplan.median_ape),
            n(r.placeplan.bias),
            n(r.placeplan.coverage),
            n(r.naive.mape),
            n(r.naive.median_ape),
            n(r.naive.bias),
            n(r.naive.coverage),
            n(r.model.mape),
            n(r.model.median_ape),
            n(r.model.bias),
            n(r.weight),
            n(r.placeplan.coverage_se),
            n(r.naive.coverage_se),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// `forecasts.csv`: every scored forecast of a unit's total. `names[i]` is unit `i`'s name.
pub fn forecasts_csv(scored: &[Scored], names: &[&str]) -> anyhow::Result<Vec<u8>> {
    let mut w = excel_csv::writer(&csv::WriterBuilder::new());
    w.write_record([
        "unit",
        "origin",
        "horizon",
        "year",
        "actual",
        "forecast",
        "p10",
        "p90",
        "naive",
        "model",
        "blend_weight",
    ])?;
    for s in scored {
        let name = names.get(s.unit).copied().unwrap_or("");
        w.write_record([
            inert(name),
            s.origin.to_string(),
            s.horizon.to_string(),
            (usize::from(s.origin) + s.horizon).to_string(),
            s.actual.to_string(),
            s.forecast.to_string(),
            s.p10.to_string(),
            s.p90.to_string(),
            s.naive.to_string(),
            s.model.to_string(),
            s.weight.to_string(),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// A coverage for reading: `85.4 % ± 2.9` with its standard error, `85 %` without one (a
/// single origin), `–` when no forecast had a band.
pub fn coverage(a: &Accuracy) -> String {
    if a.coverage.is_nan() {
        "–".to_owned()
    } else if a.coverage_se.is_nan() {
        format!("{:.0} %", a.coverage)
    } else {
        format!("{:.1} % ± {:.1}", a.coverage, a.coverage_se)
    }
}

/// A markdown section: what was tested, and the table of errors by horizon.
pub fn markdown(
    subject: &str,
    conventions: &str,
    command: &str,
    rows: &[HorizonSummary],
) -> String {
    let spread = if rows.iter().any(|r| r.placeplan.coverage_se.is_finite()) {
        ", ± its standard error over the origin years (jackknife: each year left out in turn; \
         the forecasts of one year share its shocks, so the years, not the forecasts, are counted)"
    } else {
        ""
    };
    let mut md = format!(
        "## How accurate is it? {subject}\n\n\
         Rolling origins: from each origin year every unit was forecast with the years up to the \
         origin only, and its total compared with the actual. Blend weights and P10–P90 bands \
         come from earlier origins only. MAPE = mean absolute percentage error; bias > 0 = \
         forecasts too high; coverage = share of actuals inside P10–P90 (aim: 80 %){spread}.\n\n\
         Conventions: {conventions}.\n\n\
         | years ahead | forecasts | placeplan MAPE | naive MAPE | placeplan median APE | naive median APE | placeplan bias | naive bias | P10–P90 coverage | naive coverage | blend weight |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for r in rows {
        md.push_str(&format!(
            "| {} | {} | {:.2} % | {:.2} % | {:.2} % | {:.2} % | {:+.2} % | {:+.2} % | {} | {} | {:.2} |\n",
            r.horizon,
            r.forecasts,
            r.placeplan.mape,
            r.naive.mape,
            r.placeplan.median_ape,
            r.naive.median_ape,
            r.placeplan.bias,
            r.naive.bias,
            coverage(&r.placeplan),
            coverage(&r.naive),
            r.weight
        ));
    }
    md.push_str(&format!("\nReproduce: `{command}`\n"));
    md
}

/// `growth_suggested.csv`: the data set's growth sheet, same columns and rows, with the ranges
/// the held-out years suggest (plain UTF-8 like `growth.csv`, so that it can replace it).
pub fn suggested_growth_csv(checks: &[RowCheck]) -> anyhow::Result<Vec<u8>> {
    let rows: Vec<Growth> = checks.iter().map(|c| c.suggested.clone()).collect();
    dataset_out::growth_csv(&rows)
}

/// A markdown section: each measured row of the sheet, what the held-out years realised, and
/// what the suggestion changed.
pub fn growth_markdown(checks: &[RowCheck], base: u16, last: u16) -> String {
    let mut md = format!(
        "## Suggested ranges for growth.csv\n\n\
         The sheet's drivers as the held-out years {first}–{last} realised them, measured per \
         area and year from `enrolment.csv`, `flows.csv`, `births.csv` and `profiles.csv`, with \
         the progression ratios of the model re-based at {base}. `growth_suggested.csv` is the \
         sheet with a row's low or high widened, where needed, until every value realised by \
         the areas and years the row governs lies within the row's P10–P90 (the 10th to 90th \
         percentile of its distribution under the scenario's sampling, as the simulator draws \
         it); where no valid range reaches that, the values are only put between low and \
         high, and the row says so. Central values are the analyst's and stay; \
         `growth.csv` itself is never written. The sheet describes the future: a range that \
         excludes the past may be deliberate (a surge the analyst expects), and whether the \
         future repeats the past is the analyst's call. A central value outside every realised \
         value biases the re-based run in that direction.\n\n\
         | area | driver | sheet: low – central – high | realised: min – max (values) | central | suggested: low – high |\n\
         |---|---|---|---|---|---|\n",
        first = base + 1,
    );
    let (mut measured, mut widened, mut far) = (0, 0, 0);
    for c in checks {
        let (Some(lo), Some(hi)) = (
            c.realised.iter().copied().reduce(f64::min),
            c.realised.iter().copied().reduce(f64::max),
        ) else {
            continue;
        };
        measured += 1;
        let (v, s) = (c.row.value, c.suggested.value);
        let changed = v != s;
        widened += usize::from(changed);
        far += usize::from(!c.reached);
        let central = if v.central > hi {
            "above every value"
        } else if v.central < lo {
            "below every value"
        } else {
            "within"
        };
        md.push_str(&format!(
            "| {} | {} | {} – {} – {} | {} – {} ({}) | {central} | {} |\n",
            match &c.row.area {
                AreaSel::All => "`*`".to_owned(),
                AreaSel::Area(a) => a.clone(),
            },
            c.row.driver.as_str(),
            v.low,
            v.central,
            v.high,
            round(lo),
            round(hi),
            c.realised.len(),
            match (changed, c.reached) {
                (false, true) => "unchanged: P10–P90 held every value".to_owned(),
                (true, true) => format!("**{} – {}**", s.low, s.high),
                (false, false) => "unchanged (low – high held every value); the central is \
                                   too far for P10–P90 to reach them"
                    .to_owned(),
                (true, false) => format!(
                    "**{} – {}**; the central is too far for P10–P90 to reach them",
                    s.low, s.high
                ),
            }
        ));
    }
    md.push_str(&format!(
        "\n{widened} of {measured} measured row(s) widened. In {far} row(s) the central is too \
         far from the realised values for any valid range to hold them within P10–P90: no \
         range fixes a central value, and a re-based run with such rows is biased toward them. Not measured: `birth_change` (it \
         applies after the last observed birth year, which a hold-out never reaches) and rows \
         that govern no held-out year.\n"
    ));
    md
}

/// Four significant decimals for reading.
fn round(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_a_bom_and_inert_units() {
        let s = Scored {
            unit: 0,
            origin: 2010,
            horizon: 2,
            actual: 100.0,
            model: 99.0,
            naive: 98.0,
            forecast: 98.5,
            p10: 90.0,
            p90: 110.0,
            naive_p10: 90.0,
            naive_p90: 110.0,
            weight: 0.5,
        };
        let csv = String::from_utf8(forecasts_csv(&[s], &["=1+1"]).unwrap()).unwrap();
        assert!(csv.starts_with("\u{feff}unit,origin,horizon,year,"));
        assert!(
            csv.contains("\n'=1+1,2010,2,2012,100,98.5,90,110,98,99,0.5\n"),
            "{csv}"
        );
        let a = Accuracy {
            mape: 1.5,
            median_ape: 1.0,
            bias: -0.25,
            coverage: 80.0,
            coverage_se: f64::NAN,
        };
        let row = HorizonSummary {
            horizon: 1,
            forecasts: 10,
            origins: 5,
            placeplan: a,
            model: a,
            naive: a,
            weight: 0.4,
        };
        let md = markdown("24 districts", "defaults", "placeplan backtest", &[row]);
        assert!(md.contains("| 1 | 10 | 1.50 % | 1.50 % | 1.00 % | 1.00 % | -0.25 % | -0.25 % | 80 % | 80 % | 0.40 |"), "{md}");
        assert!(md.contains("(aim: 80 %).\n"), "{md}");
        // Over several origins each coverage has its standard error beside it.
        let spread = HorizonSummary {
            placeplan: Accuracy {
                coverage: 85.41,
                coverage_se: 2.94,
                ..a
            },
            ..row
        };
        let md = markdown("24 districts", "defaults", "placeplan backtest", &[spread]);
        assert!(md.contains("| 85.4 % ± 2.9 | 80 % |"), "{md}");
        assert!(md.contains("(aim: 80 %), ± its standard error over the origin years"));
        let csv = String::from_utf8(accuracy_csv(&[spread]).unwrap()).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].ends_with(",blend_weight,coverage_se,naive_coverage_se"),
            "{csv}"
        );
        assert!(lines[1].ends_with(",0.4,2.94,"), "{csv}");
    }
}
