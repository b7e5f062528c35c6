//! `placeplan backtest`'s outputs: the accuracy table by horizon, every scored forecast, and a
//! markdown section for a report.
//!
//! Encoding only: CSV in UTF-8 with a BOM, numbers in their shortest round-trip form, text cells
//! made inert for Excel; the markdown rounds for reading. The caller writes the bytes into a
//! staged folder (see [`crate::io::atomic`]). No error is computed here.

use crate::engine::backtest::{HorizonSummary, Scored};
use crate::io::excel_csv;
use crate::io::tables::inert;

/// `accuracy.csv`: one row per horizon; percentages in % of the actual; a coverage with no
/// band to measure is an empty cell.
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

/// A markdown section: what was tested, and the table of errors by horizon.
pub fn markdown(
    subject: &str,
    conventions: &str,
    command: &str,
    rows: &[HorizonSummary],
) -> String {
    let mut md = format!(
        "## How accurate is it? {subject}\n\n\
         Rolling origins: from each origin year every unit was forecast with the years up to the \
         origin only, and its total compared with the actual. Blend weights and P10–P90 bands \
         come from earlier origins only. MAPE = mean absolute percentage error; bias > 0 = \
         forecasts too high; coverage = share of actuals inside P10–P90 (aim: 80 %).\n\n\
         Conventions: {conventions}.\n\n\
         | years ahead | forecasts | placeplan MAPE | naive MAPE | placeplan median APE | naive median APE | placeplan bias | naive bias | P10–P90 coverage | naive coverage | blend weight |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    let share = |v: f64| {
        if v.is_nan() {
            "–".to_owned()
        } else {
            format!("{v:.0} %")
        }
    };
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
            share(r.placeplan.coverage),
            share(r.naive.coverage),
            r.weight
        ));
    }
    md.push_str(&format!("\nReproduce: `{command}`\n"));
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::backtest::Accuracy;

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
    }
}
