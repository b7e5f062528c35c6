//! The backtest chart: mean absolute percentage error by horizon, placeplan beside the naive
//! "same as last year" forecast (and the unblended cohort model when it differs).
//!
//! One drawing function generic over the plotters `DrawingBackend`, so the PNG and the SVG come
//! from the same code; text in the bundled font. Reads a summary, never computes an error.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::font::{self, FAMILY};
use super::{Format, Lang, PNG_SIZE, Rendered, SVG_SIZE, outline, png};
use crate::engine::backtest::HorizonSummary;

const TEXT: RGBColor = RGBColor(25, 25, 25);
/// Okabe–Ito black, vermillion and blue: distinct in colour and in greyscale.
const PLACEPLAN: RGBColor = RGBColor(0, 0, 0);
const NAIVE: RGBColor = RGBColor(213, 94, 0);
const MODEL: RGBColor = RGBColor(0, 114, 178);

/// Draws MAPE by horizon. `subject` names what was forecast (e.g. "817 schools, 2003–2025").
pub fn draw_accuracy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[HorizonSummary],
    subject: &str,
    lang: Lang,
) -> anyhow::Result<()> {
    font::ensure_registered()?;
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow::anyhow!("cannot draw: {e}");
    let s = f64::from(root.dim_in_pixel().0) / 1200.0;
    let size = |x: f64| (x * s).round() as u32;
    root.fill(&WHITE).map_err(err)?;
    let max_h = rows.iter().map(|r| r.horizon).max().unwrap_or(1);
    let top = rows
        .iter()
        .flat_map(|r| [r.placeplan.mape, r.naive.mape, r.model.mape])
        .fold(0.0f64, f64::max)
        .max(0.1)
        * 1.15;
    let title = match lang {
        Lang::Zh => format!("预测误差随预测年限的变化：{subject}"),
        Lang::En => format!("Forecast error by horizon: {subject}"),
    };
    let font = |px: f64| (FontFamily::Name(FAMILY), px * s).into_font().color(&TEXT);
    let mut chart = ChartBuilder::on(root)
        .caption(title, font(30.0))
        .margin(size(24.0))
        .x_label_area_size(size(60.0))
        .y_label_area_size(size(80.0))
        .build_cartesian_2d(0.5f64..max_h as f64 + 0.5, 0.0f64..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(lang.pick("预测年限（年）", "Years ahead of the last actual year"))
        .y_desc(lang.pick(
            "平均绝对百分比误差（%）",
            "Mean absolute percentage error (%)",
        ))
        .x_labels(max_h)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.1}"))
        .label_style(font(20.0))
        .axis_desc_style(font(22.0))
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    let stroke = size(3.0);
    let marker = size(7.0);
    let mut series = vec![
        (
            lang.pick("placeplan（默认设置）", "placeplan"),
            PLACEPLAN,
            rows.iter()
                .map(|r| (r.horizon as f64, r.placeplan.mape))
                .collect::<Vec<_>>(),
            0,
        ),
        (
            lang.pick("朴素预测（与上年相同）", "naive (same as last year)"),
            NAIVE,
            rows.iter()
                .map(|r| (r.horizon as f64, r.naive.mape))
                .collect(),
            1,
        ),
    ];
    if rows
        .iter()
        .any(|r| (r.model.mape - r.placeplan.mape).abs() > 1e-9)
    {
        series.push((
            lang.pick("队列模型（未混合）", "cohort model before the blend"),
            MODEL,
            rows.iter()
                .map(|r| (r.horizon as f64, r.model.mape))
                .collect(),
            2,
        ));
    }
    for (label, color, points, shape) in series {
        let style = ShapeStyle::from(color).stroke_width(stroke);
        chart
            .draw_series(LineSeries::new(points.clone(), style))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + size(30.0) as i32, y)], style)
            });
        let filled = ShapeStyle::from(color).filled();
        match shape {
            0 => chart
                .draw_series(points.iter().map(|&p| Circle::new(p, marker, filled)))
                .map_err(err)?,
            1 => chart
                .draw_series(
                    points
                        .iter()
                        .map(|&p| TriangleMarker::new(p, marker + 2, filled)),
                )
                .map_err(err)?,
            _ => chart
                .draw_series(points.iter().map(|&p| Cross::new(p, marker, style)))
                .map_err(err)?,
        };
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .legend_area_size(size(50.0))
        .margin(size(12.0))
        .label_font(font(20.0))
        .background_style(WHITE.mix(0.9))
        .border_style(TEXT)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// The accuracy chart in each of `formats` (`accuracy.png`, `accuracy.svg`).
pub fn accuracy_chart(
    rows: &[HorizonSummary],
    subject: &str,
    lang: Lang,
    formats: &[Format],
) -> anyhow::Result<Vec<Rendered>> {
    let mut drawn = Vec::new();
    for format in formats {
        let bytes = match format {
            Format::Png => {
                png::render_png(PNG_SIZE, |area| draw_accuracy(area, rows, subject, lang))?
            }
            Format::Svg => {
                outline::render_svg(SVG_SIZE, |area| draw_accuracy(area, rows, subject, lang))?
                    .into_bytes()
            }
        };
        drawn.push(Rendered {
            name: format!("accuracy.{}", format.extension()),
            bytes,
        });
    }
    Ok(drawn)
}
