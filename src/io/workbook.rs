//! `placeplan.xlsx`: the run for Excel users. A sheet of key figures, formatted (counts with
//! thousands separators, shares and probabilities as per cents), one sheet per metric in wide
//! form (a row per scenario and area, with names beside the codes, years as columns, medians
//! of the draws) and the headline chart.
//!
//! Writes the bytes of a workbook from values it is given; it computes nothing and decides no
//! figure. The caller writes the file atomically.

use std::collections::BTreeSet;

use anyhow::Context;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Image, Workbook};

use crate::engine::results::{Metric, ScenarioResult};
use crate::figures::{KeyFigure, Unit};
use crate::model::DataSet;
use crate::scenario::Scenario;

/// One scenario's run as the workbook reads it.
#[derive(Debug)]
pub struct WorkbookRun<'a> {
    pub scenario: &'a Scenario,
    pub data: &'a DataSet,
    pub result: &'a ScenarioResult,
    pub figures: Vec<KeyFigure>,
}

/// Words of the workbook in its language.
fn word(zh: bool, zh_text: &'static str, en_text: &'static str) -> &'static str {
    if zh { zh_text } else { en_text }
}

/// Sheet name of the key figures.
pub fn key_sheet(zh: bool) -> &'static str {
    word(zh, "关键数字", "key figures")
}

/// Sheet name of the headline chart.
pub fn chart_sheet(zh: bool) -> &'static str {
    word(zh, "主图", "headline chart")
}

fn xlsx<T>(r: Result<T, rust_xlsxwriter::XlsxError>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("cannot build the workbook: {e}"))
}

/// The workbook's bytes. `headline_png` is the headline chart to insert (if any), `created`
/// the generation date (year, month, day) written as its creation date, so that the same run
/// gives the same document properties.
pub fn workbook_bytes(
    runs: &[WorkbookRun],
    zh: bool,
    headline_png: Option<&[u8]>,
    created: Option<(u16, u8, u8)>,
) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    if let Some((y, m, d)) = created {
        let date = xlsx(ExcelDateTime::from_ymd(y, m, d))?;
        wb.set_properties(&DocProperties::new().set_creation_datetime(&date));
    }
    let bold = Format::new().set_bold().set_background_color("#EEEEEE");
    let count = Format::new().set_num_format("#,##0");
    let pct = Format::new().set_num_format("0.0\"%\"");
    let prob = Format::new().set_num_format("0%");
    let note = Format::new().set_italic().set_font_color("#5A5A5A");
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);

    // Key figures.
    let ks = wb.add_worksheet();
    xlsx(ks.set_name(key_sheet(zh)))?;
    let headers = if zh {
        [
            "情景代码",
            "情景",
            "年份",
            "指标代码",
            "指标",
            "数值",
            "P10",
            "P90",
            "单位",
        ]
    } else {
        [
            "scenario",
            "scenario name",
            "year",
            "figure",
            "figure name",
            "value",
            "P10",
            "P90",
            "unit",
        ]
    };
    for (c, h) in headers.iter().enumerate() {
        xlsx(ks.write_string_with_format(0, c as u16, *h, &bold))?;
    }
    let mut row = 1u32;
    for run in runs {
        for f in &run.figures {
            let format = match f.unit {
                Unit::Classes | Unit::Pupils | Unit::Places => &count,
                Unit::Percent => &pct,
                Unit::Probability => &prob,
            };
            xlsx(ks.write_string(row, 0, &f.scenario))?;
            xlsx(ks.write_string(row, 1, if zh { &f.scenario_zh } else { &f.scenario_en }))?;
            xlsx(ks.write_number(row, 2, f64::from(f.year)))?;
            xlsx(ks.write_string(row, 3, &f.figure))?;
            xlsx(ks.write_string_with_format(
                row,
                4,
                if zh { &f.name_zh } else { &f.name_en },
                &wrap,
            ))?;
            xlsx(ks.write_number_with_format(row, 5, f.value, format))?;
            if let Some(v) = f.p10 {
                xlsx(ks.write_number_with_format(row, 6, v, format))?;
            }
            if let Some(v) = f.p90 {
                xlsx(ks.write_number_with_format(row, 7, v, format))?;
            }
            xlsx(ks.write_string(row, 8, f.unit.as_str()))?;
            row += 1;
        }
    }
    for (c, w) in [14.0, 22.0, 7.0, 24.0, 44.0, 11.0, 11.0, 11.0, 11.0]
        .iter()
        .enumerate()
    {
        xlsx(ks.set_column_width(c as u16, *w))?;
    }
    xlsx(ks.set_freeze_panes(1, 0))?;
    xlsx(ks.autofilter(0, 0, row.saturating_sub(1).max(1), 8))?;

    // One sheet per metric, years as columns.
    let years: BTreeSet<u16> = runs
        .iter()
        .flat_map(|r| r.result.summary.iter().map(|s| s.year.0))
        .collect();
    for metric in Metric::ALL {
        if !runs
            .iter()
            .any(|r| r.result.summary.iter().any(|s| s.metric == metric))
        {
            continue;
        }
        let ws = wb.add_worksheet();
        xlsx(ws.set_name(metric.as_str()))?;
        xlsx(ws.write_string_with_format(
            0,
            0,
            word(
                zh,
                "各次模拟的中位数（P50）；完整分布见 summary.csv",
                "Median of the draws (P50); the full distribution is in summary.csv",
            ),
            &note,
        ))?;
        let head = if zh {
            ["情景代码", "情景", "区县代码", "区县"]
        } else {
            ["scenario", "scenario name", "area_id", "area"]
        };
        for (c, h) in head.iter().enumerate() {
            xlsx(ws.write_string_with_format(1, c as u16, *h, &bold))?;
        }
        for (i, y) in years.iter().enumerate() {
            xlsx(ws.write_number_with_format(1, 4 + i as u16, f64::from(*y), &bold))?;
        }
        let mut row = 2u32;
        for run in runs {
            let city = word(zh, "全市", "city");
            let areas = run
                .data
                .areas
                .iter()
                .map(|a| {
                    let name = match (&a.name_en, zh) {
                        (Some(en), false) => en.as_str(),
                        _ => a.name.as_str(),
                    };
                    (a.id.as_str(), name)
                })
                .chain([("ALL", city)]);
            for (id, name) in areas {
                let cells: Vec<(usize, f64)> = years
                    .iter()
                    .enumerate()
                    .filter_map(|(i, y)| {
                        run.result
                            .row(metric, crate::model::SchoolYear(*y), id)
                            .map(|r| (i, r.p50))
                    })
                    .collect();
                if cells.is_empty() {
                    continue;
                }
                let title = if zh {
                    &run.scenario.title_zh
                } else {
                    &run.scenario.title_en
                };
                xlsx(ws.write_string(row, 0, &run.scenario.name))?;
                xlsx(ws.write_string(row, 1, title))?;
                xlsx(ws.write_string(row, 2, id))?;
                xlsx(ws.write_string(row, 3, name))?;
                for (i, v) in cells {
                    xlsx(ws.write_number_with_format(row, 4 + i as u16, v.round(), &count))?;
                }
                row += 1;
            }
        }
        for (c, w) in [14.0, 22.0, 16.0, 16.0].iter().enumerate() {
            xlsx(ws.set_column_width(c as u16, *w))?;
        }
        xlsx(ws.set_freeze_panes(2, 4))?;
    }

    if let Some(png) = headline_png {
        let cs = wb.add_worksheet();
        xlsx(cs.set_name(chart_sheet(zh)))?;
        let image = xlsx(Image::new_from_buffer(png))?
            .set_scale_width(0.4)
            .set_scale_height(0.4);
        xlsx(cs.insert_image(1, 1, &image))?;
    }
    xlsx(wb.save_to_buffer()).context("cannot write the workbook")
}
