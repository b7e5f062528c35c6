//! The time plot: years on x, lines with their P10–P90 bands (solid for history, dashed for the
//! projection), stacked bars, target lines with labels placed where they cover the fewest points,
//! and a divider at the base year. It only draws.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BAND_ALPHA, GRID, INK, MUTED, SeriesStyle, TARGET, TEXT, draw_marker, draw_path, err,
    halo_text, no_data, px, stroke, text_style, widest,
};
use crate::charts::{Lang, labels, series};

/// A line of a time plot, with an optional P10–P90 band.
#[derive(Debug)]
pub struct Line {
    pub style: SeriesStyle,
    pub points: Vec<(f64, f64)>,
    pub band: Vec<(f64, f64, f64)>,
    /// Segments up to this x are drawn solid (history), later ones in the style's dash.
    pub solid_until: f64,
    /// Draw the line through the points (false: markers only).
    pub connect: bool,
}

impl Line {
    pub fn new(style: SeriesStyle, points: Vec<(f64, f64)>) -> Line {
        Line {
            style,
            points,
            band: Vec::new(),
            solid_until: f64::NEG_INFINITY,
            connect: true,
        }
    }
}

/// A series of bars stacked per year (positive parts up, negative parts down from zero).
#[derive(Debug)]
pub struct Stack {
    pub fill: RGBColor,
    pub values: Vec<(f64, f64)>,
}

/// A horizontal target line with its label at the right end.
#[derive(Debug)]
pub struct RefLine {
    pub y: f64,
    pub label: String,
}

/// How the y axis labels its ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YAxis {
    /// Whole numbers with thousands separators; ticks between integers are left blank.
    Count,
    /// Percentages (values in per cent).
    Percent,
}

/// A plot of years on x.
#[derive(Debug)]
pub struct TimePlot {
    pub lines: Vec<Line>,
    pub stacks: Vec<Stack>,
    pub refs: Vec<RefLine>,
    /// A vertical divider at this year (the base year: observed to its left).
    pub divider: Option<f64>,
    pub y_desc: String,
    pub y_axis: YAxis,
}

fn nice_step(span: f64, ticks: f64) -> f64 {
    let raw = (span / ticks).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Draws a time plot in `plot`.
pub fn time_plot<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    tp: &TimePlot,
    lang: Lang,
    s: f64,
) -> anyhow::Result<()> {
    let xs = tp
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .chain(
            tp.stacks
                .iter()
                .flat_map(|st| st.values.iter().map(|v| v.0)),
        );
    let Some((x0, x1)) = xs.fold(None, |acc: Option<(f64, f64)>, y| match acc {
        None => Some((y, y)),
        Some((a, b)) => Some((a.min(y), b.max(y))),
    }) else {
        return no_data(plot, lang, s);
    };
    // Stack totals per year, up and down.
    let mut stack_ends: Vec<(f64, f64, f64)> = Vec::new();
    for st in &tp.stacks {
        for &(x, v) in &st.values {
            match stack_ends.iter_mut().find(|e| e.0 == x) {
                Some(e) if v >= 0.0 => e.2 += v,
                Some(e) => e.1 += v,
                None if v >= 0.0 => stack_ends.push((x, 0.0, v)),
                None => stack_ends.push((x, v, 0.0)),
            }
        }
    }
    let values = tp
        .lines
        .iter()
        .flat_map(|l| {
            l.points
                .iter()
                .map(|p| p.1)
                .chain(l.band.iter().flat_map(|b| [b.1, b.2]))
        })
        .chain(stack_ends.iter().flat_map(|e| [e.1, e.2]))
        .chain(tp.refs.iter().map(|r| r.y));
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let min_span = match tp.y_axis {
        YAxis::Count => 4.0,
        YAxis::Percent => 2.0,
    };
    let hi = hi.max(lo + min_span);
    let step = nice_step(hi - lo, 6.0);
    let y_lo = if lo < 0.0 {
        (lo / step).floor() * step
    } else {
        0.0
    };
    let y_hi = (hi / step).ceil() * step + step * 0.15;
    let n_years = (x1 - x0).round() as usize + 1;
    let year_every = if n_years > 9 { 2 } else { 1 };
    let year_fmt = move |v: &f64| {
        let r = v.round();
        if (v - r).abs() < 1e-6 && (r as i64 - x0 as i64) % year_every == 0 {
            format!("{r}")
        } else {
            String::new()
        }
    };
    let y_axis = tp.y_axis;
    let y_fmt = move |v: &f64| {
        let k = (v / step).round();
        if (v - k * step).abs() > step * 1e-6 {
            return String::new();
        }
        match y_axis {
            YAxis::Count if (v - v.round()).abs() > 1e-9 => String::new(),
            YAxis::Count => series::thousands(*v),
            YAxis::Percent if step < 1.0 => format!("{v:.1}%"),
            YAxis::Percent => format!("{v:.0}%"),
        }
    };
    let y_ticks = (((y_hi - y_lo) / step).floor() as usize + 1).max(2);
    let tick_w = widest(
        plot,
        (0..y_ticks).map(|k| y_fmt(&(y_lo + step * k as f64))),
        &text_style(TEXT * s, INK),
    )?;
    let mut chart = ChartBuilder::on(plot)
        .x_label_area_size(px(TEXT * 2.6 * s))
        .y_label_area_size(tick_w as i32 + px(TEXT * 1.7 * s))
        .margin_top(px(10.0 * s))
        .margin_right(px(16.0 * s))
        .build_cartesian_2d(x0 - 0.4..x1 + 0.4, y_lo..y_hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(stroke(s)))
        .axis_style(INK.stroke_width(stroke(1.5 * s)))
        .x_labels(n_years.max(2))
        .x_label_formatter(&year_fmt)
        .y_labels(y_ticks)
        .y_label_formatter(&y_fmt)
        .label_style(text_style(TEXT * s, INK))
        .axis_desc_style(text_style(TEXT * s, INK))
        .x_desc(labels::school_year_axis(lang))
        .y_desc(tp.y_desc.as_str())
        .set_all_tick_mark_size(px(6.0 * s))
        .draw()
        .map_err(err)?;
    let base = plot.get_base_pixel();
    let to_area = |p: (i32, i32)| (p.0 - base.0, p.1 - base.1);

    // Stacked bars.
    let mut up: Vec<(f64, f64)> = Vec::new();
    let mut down: Vec<(f64, f64)> = Vec::new();
    for st in &tp.stacks {
        for &(x, v) in &st.values {
            let acc = if v >= 0.0 { &mut up } else { &mut down };
            let start = match acc.iter_mut().find(|e| e.0 == x) {
                Some(e) => {
                    let s0 = e.1;
                    e.1 += v;
                    s0
                }
                None => {
                    acc.push((x, v));
                    0.0
                }
            };
            let rect = [(x - 0.32, start), (x + 0.32, start + v)];
            chart
                .draw_series([
                    Rectangle::new(rect, st.fill.filled()),
                    Rectangle::new(rect, INK.stroke_width(stroke(s))),
                ])
                .map_err(err)?;
        }
    }
    if lo < 0.0 || !tp.stacks.is_empty() {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0 - 0.4, 0.0), (x1 + 0.4, 0.0)],
                INK.stroke_width(stroke(1.5 * s)),
            )))
            .map_err(err)?;
    }
    if let Some(d) = tp.divider {
        chart
            .draw_series(std::iter::once(DashedPathElement::new(
                vec![(d, y_lo), (d, y_hi)],
                px(6.0 * s),
                px(5.0 * s),
                MUTED.stroke_width(stroke(2.0 * s)),
            )))
            .map_err(err)?;
        let (dx, dy) = to_area(chart.backend_coord(&(d, y_hi)));
        let st = text_style(TEXT * s, MUTED);
        halo_text(
            plot,
            lang.pick("预测 →", "projected →"),
            (dx + px(10.0 * s), dy + px(4.0 * s)),
            &st,
            Pos::new(HPos::Left, VPos::Top),
            s,
        )?;
    }
    for line in lines_with_band(&tp.lines) {
        let mut poly: Vec<(f64, f64)> = line.band.iter().map(|b| (b.0, b.2)).collect();
        poly.extend(line.band.iter().rev().map(|b| (b.0, b.1)));
        chart
            .draw_series(std::iter::once(Polygon::new(
                poly,
                line.style.color.mix(BAND_ALPHA).filled(),
            )))
            .map_err(err)?;
    }
    for r in &tp.refs {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0 - 0.4, r.y), (x1 + 0.4, r.y)],
                TARGET.stroke_width(stroke(3.0 * s)),
            )))
            .map_err(err)?;
    }
    for line in &tp.lines {
        if line.connect {
            for w in line.points.windows(2) {
                let mut st = line.style;
                if w[1].0 <= line.solid_until {
                    st.dash = None;
                }
                let a = to_area(chart.backend_coord(&w[0]));
                let b = to_area(chart.backend_coord(&w[1]));
                draw_path(plot, vec![a, b], st, s)?;
            }
        }
        for p in &line.points {
            draw_marker(plot, to_area(chart.backend_coord(p)), line.style, s)?;
        }
    }
    // Target labels last, on a halo, so no line strikes them through; at whichever end of the
    // line, above or below it, covers no point of the data.
    let points: Vec<(i32, i32)> = tp
        .lines
        .iter()
        .flat_map(|l| l.points.iter())
        .map(|p| to_area(chart.backend_coord(p)))
        .collect();
    let style = text_style(TEXT * s, TARGET);
    for r in tp.refs.iter().filter(|r| !r.label.is_empty()) {
        let (tw, th) = plot.estimate_text_size(&r.label, &style).map_err(err)?;
        let (tw, th) = (tw as i32, th as i32);
        let (rx, ry) = to_area(chart.backend_coord(&(x1 + 0.4, r.y)));
        let (lx, _) = to_area(chart.backend_coord(&(x0 - 0.4, r.y)));
        let m = px(6.0 * s);
        let slack = px(10.0 * s);
        // Candidates: (anchor x, anchor y, position): the right end, the left end, then along
        // the line, each above and below it.
        let mut candidates = vec![
            (rx - m, ry - m, Pos::new(HPos::Right, VPos::Bottom)),
            (rx - m, ry + m, Pos::new(HPos::Right, VPos::Top)),
            (lx + m, ry - m, Pos::new(HPos::Left, VPos::Bottom)),
            (lx + m, ry + m, Pos::new(HPos::Left, VPos::Top)),
        ];
        for k in 1..8 {
            let cx = lx + (rx - lx) * k / 8;
            candidates.push((cx, ry - m, Pos::new(HPos::Center, VPos::Bottom)));
            candidates.push((cx, ry + m, Pos::new(HPos::Center, VPos::Top)));
        }
        let (_, top) = to_area(chart.backend_coord(&(x0, y_hi)));
        let (_, bottom) = to_area(chart.backend_coord(&(x0, y_lo)));
        // How many data points a label there would cover; outside the plot (where the axis
        // labels are) counts as covering everything.
        let covered = |&(x, y, pos): &(i32, i32, Pos)| {
            let x0 = match pos.h_pos {
                HPos::Right => x - tw,
                HPos::Center => x - tw / 2,
                HPos::Left => x,
            };
            let y0 = if matches!(pos.v_pos, VPos::Bottom) {
                y - th
            } else {
                y
            };
            if y0 < top || y0 + th > bottom {
                return usize::MAX;
            }
            points
                .iter()
                .filter(|p| {
                    p.0 >= x0 - slack
                        && p.0 <= x0 + tw + slack
                        && p.1 >= y0 - slack
                        && p.1 <= y0 + th + slack
                })
                .count()
        };
        // The first candidate covering the fewest points.
        let (x, y, pos) = candidates
            .iter()
            .min_by_key(|c| covered(c))
            .copied()
            .unwrap_or(candidates[0]);
        halo_text(plot, &r.label, (x, y), &style, pos, s)?;
    }
    Ok(())
}

fn lines_with_band(lines: &[Line]) -> impl Iterator<Item = &Line> {
    lines.iter().filter(|l| !l.band.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_1_2_5_times_a_power_of_ten() {
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(2033.0, 6.0), 500.0);
        assert_eq!(nice_step(4.0, 6.0), 1.0);
        assert_eq!(nice_step(12.0, 6.0), 2.0);
        assert_eq!(nice_step(0.9, 6.0), 0.2);
    }
}
