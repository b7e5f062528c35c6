//! The charts of SPEC §7, each one function generic over the plotters `DrawingBackend`, so the
//! PNG and the SVG come from the same code.
//!
//! Every chart has a title, axis labels with units, a legend above the plot (never over the
//! data) and a source line; series differ by line style and marker shape as well as by colour,
//! so a black-and-white print stays readable. Layout is defined for a 1200-unit-wide canvas and
//! scaled to the area's width. These functions only draw: they never write files.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{self, FAMILY};
use super::labels;
use super::series::{self, CITY, Point};
use super::{ChartOptions, Lang, RunView};
use crate::engine::results::Metric;

/// Width of the canvas the layout constants are written for.
const BASE_WIDTH: f64 = 1200.0;

const TEXT: RGBColor = RGBColor(25, 25, 25);
const MUTED: RGBColor = RGBColor(90, 90, 90);
const GRID: RGBColor = RGBColor(215, 215, 215);
/// Target ceilings: a dark red that stays dark in greyscale.
const TARGET: RGBColor = RGBColor(170, 20, 40);

/// Okabe–Ito colours (colour-blind safe), ordered so neighbours differ in lightness too.
const COLORS: [RGBColor; 7] = [
    RGBColor(0, 0, 0),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

/// Bar fills of a group, light to dark: the order reads the same in greyscale.
const BAR_FILLS: [RGBColor; 4] = [
    RGBColor(189, 215, 238),
    RGBColor(107, 174, 214),
    RGBColor(33, 113, 181),
    RGBColor(8, 48, 107),
];

/// Dash patterns (dash, gap) in base units; `None` = solid.
const DASHES: [Option<(f64, f64)>; 7] = [
    None,
    Some((12.0, 6.0)),
    Some((4.0, 4.0)),
    Some((20.0, 5.0)),
    Some((8.0, 3.0)),
    Some((2.0, 6.0)),
    Some((16.0, 10.0)),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Circle,
    Triangle,
    Square,
    Diamond,
    TriangleDown,
    Hexagon,
    Star,
}

const MARKERS: [Marker; 7] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Hexagon,
    Marker::Star,
];

/// The look of the i-th series: colour, dash and marker all change with i.
#[derive(Debug, Clone, Copy)]
struct SeriesStyle {
    color: RGBColor,
    dash: Option<(f64, f64)>,
    marker: Marker,
}

fn series_style(i: usize) -> SeriesStyle {
    SeriesStyle {
        color: COLORS[i % COLORS.len()],
        dash: DASHES[i % DASHES.len()],
        marker: MARKERS[i % MARKERS.len()],
    }
}

/// Scale of the area against the 1200-unit layout.
fn scale<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> f64 {
    f64::from(area.dim_in_pixel().0) / BASE_WIDTH
}

fn text_style(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FontFamily::Name(FAMILY), size).into_font().color(&color)
}

fn px(v: f64) -> i32 {
    v.round() as i32
}

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("cannot draw chart: {e}")
}

/// Marker outline as pixel offsets around the point (radius r).
fn marker_points(marker: Marker, r: f64) -> Vec<(i32, i32)> {
    let poly = |n: usize, start_deg: f64, radius: f64| -> Vec<(i32, i32)> {
        (0..n)
            .map(|k| {
                let a = (start_deg + 360.0 * k as f64 / n as f64).to_radians();
                (px(radius * a.cos()), px(radius * a.sin()))
            })
            .collect()
    };
    match marker {
        Marker::Circle => poly(16, 0.0, r),
        Marker::Triangle => poly(3, -90.0, r * 1.25),
        Marker::Square => poly(4, 45.0, r * 1.2),
        Marker::Diamond => poly(4, 0.0, r * 1.3),
        Marker::TriangleDown => poly(3, 90.0, r * 1.25),
        Marker::Hexagon => poly(6, 0.0, r * 1.1),
        Marker::Star => (0..10)
            .map(|k| {
                let a = (-90.0 + 36.0 * k as f64).to_radians();
                let rr = if k % 2 == 0 { r * 1.45 } else { r * 0.6 };
                (px(rr * a.cos()), px(rr * a.sin()))
            })
            .collect(),
    }
}

/// What a legend entry shows before its label.
#[derive(Debug, Clone, Copy)]
enum Key {
    Line(SeriesStyle),
    Marker(SeriesStyle),
    Band(RGBColor),
    Bar(RGBColor),
    Whisker,
    RefLine,
}

struct LegendEntry {
    key: Key,
    label: String,
}

/// The frame every chart shares: title, subtitle, legend rows, source line.
struct Frame {
    title: String,
    subtitle: String,
    legend: Vec<LegendEntry>,
    source: String,
}

/// Draws the frame and returns the area left for the plot.
fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
) -> anyhow::Result<DrawingArea<DB, Shift>> {
    let s = scale(root);
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    root.fill(&WHITE).map_err(err)?;
    let left = 28.0 * s;
    let top = |st: TextStyle<'static>| st.pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(
        frame.title.clone(),
        (px(left), px(30.0 * s)),
        top(text_style(30.0 * s, TEXT)),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        frame.subtitle.clone(),
        (px(left), px(66.0 * s)),
        top(text_style(18.0 * s, MUTED)),
    ))
    .map_err(err)?;

    // Legend: entries left to right, wrapping to a new row when the width runs out.
    let label_style = top(text_style(17.0 * s, TEXT));
    let key_w = 46.0 * s;
    let row_h = 26.0 * s;
    let mut x = left;
    let mut y = 100.0 * s;
    for entry in &frame.legend {
        let (tw, _) = root
            .estimate_text_size(&entry.label, &label_style)
            .map_err(err)?;
        let entry_w = key_w + 8.0 * s + f64::from(tw) + 26.0 * s;
        if x + entry_w > w - left && x > left {
            x = left;
            y += row_h;
        }
        draw_key(root, entry.key, (x, y + 2.0 * s), key_w, s)?;
        root.draw(&Text::new(
            entry.label.clone(),
            (px(x + key_w + 8.0 * s), px(y - 4.0 * s)),
            label_style.clone(),
        ))
        .map_err(err)?;
        x += entry_w;
    }
    let plot_top = if frame.legend.is_empty() {
        96.0 * s
    } else {
        y + row_h + 6.0 * s
    };

    root.draw(&Text::new(
        frame.source.clone(),
        (px(left), px(h - 22.0 * s)),
        top(text_style(14.0 * s, MUTED)),
    ))
    .map_err(err)?;
    Ok(root.margin(px(plot_top), px(40.0 * s), px(8.0 * s), px(24.0 * s)))
}

/// Draws a legend key whose vertical middle is at `y`, from `x` over `key_w` pixels.
fn draw_key<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    key: Key,
    (x, y): (f64, f64),
    key_w: f64,
    s: f64,
) -> anyhow::Result<()> {
    let (x0, x1, ym) = (px(x), px(x + key_w), px(y));
    match key {
        Key::Line(st) => {
            let style = st.color.stroke_width(line_width(s));
            match st.dash {
                None => root
                    .draw(&PathElement::new(vec![(x0, ym), (x1, ym)], style))
                    .map_err(err)?,
                Some((d, g)) => root
                    .draw(&DashedPathElement::new(
                        vec![(x0, ym), (x1, ym)],
                        px(d * s),
                        px(g * s),
                        style,
                    ))
                    .map_err(err)?,
            }
            let pts: Vec<(i32, i32)> = marker_points(st.marker, 5.0 * s)
                .into_iter()
                .map(|(dx, dy)| ((x0 + x1) / 2 + dx, ym + dy))
                .collect();
            root.draw(&Polygon::new(pts, st.color.filled()))
                .map_err(err)?;
        }
        Key::Marker(st) => {
            let pts: Vec<(i32, i32)> = marker_points(st.marker, 6.0 * s)
                .into_iter()
                .map(|(dx, dy)| ((x0 + x1) / 2 + dx, ym + dy))
                .collect();
            root.draw(&Polygon::new(pts, st.color.filled()))
                .map_err(err)?;
        }
        Key::Band(color) => root
            .draw(&Rectangle::new(
                [(x0, ym - px(8.0 * s)), (x1, ym + px(8.0 * s))],
                color.mix(BAND_ALPHA).filled(),
            ))
            .map_err(err)?,
        Key::Bar(color) => {
            root.draw(&Rectangle::new(
                [(x0, ym - px(8.0 * s)), (x1, ym + px(8.0 * s))],
                color.filled(),
            ))
            .map_err(err)?;
            root.draw(&Rectangle::new(
                [(x0, ym - px(8.0 * s)), (x1, ym + px(8.0 * s))],
                TEXT.stroke_width(px(s).max(1) as u32),
            ))
            .map_err(err)?;
        }
        Key::Whisker => {
            let style = TEXT.stroke_width(px(1.5 * s).max(1) as u32);
            root.draw(&PathElement::new(vec![(x0, ym), (x1, ym)], style))
                .map_err(err)?;
            for xe in [x0, x1] {
                root.draw(&PathElement::new(
                    vec![(xe, ym - px(7.0 * s)), (xe, ym + px(7.0 * s))],
                    style,
                ))
                .map_err(err)?;
            }
        }
        Key::RefLine => root
            .draw(&DashedPathElement::new(
                vec![(x0, ym), (x1, ym)],
                px(6.0 * s),
                px(4.0 * s),
                MUTED.stroke_width(px(2.0 * s).max(1) as u32),
            ))
            .map_err(err)?,
    }
    Ok(())
}

const BAND_ALPHA: f64 = 0.16;

fn line_width(s: f64) -> u32 {
    px(3.0 * s).max(1) as u32
}

/// A line of a time chart, with an optional P10–P90 band.
struct Line {
    label: String,
    style: SeriesStyle,
    points: Vec<(f64, f64)>,
    band: Vec<(f64, f64, f64)>,
    /// Draw the line through the points (false: markers only, e.g. target ceilings).
    connect: bool,
    /// A note beside each point (empty: none).
    notes: Vec<String>,
}

/// Legend entries of a time chart's lines (markers only for unconnected ones), then its band.
fn legend_of(lines: &[Line], lang: Lang) -> Vec<LegendEntry> {
    let mut legend: Vec<LegendEntry> = lines
        .iter()
        .map(|line| LegendEntry {
            key: if line.connect {
                Key::Line(line.style)
            } else {
                Key::Marker(line.style)
            },
            label: line.label.clone(),
        })
        .collect();
    legend.push(LegendEntry {
        key: Key::Band(COLORS[0]),
        label: labels::band(lang).to_string(),
    });
    legend
}

impl Line {
    fn from_points(
        label: String,
        style: SeriesStyle,
        pts: &[Point],
        value: fn(&Point) -> f64,
        band: bool,
    ) -> Line {
        Line {
            label,
            style,
            points: pts.iter().map(|p| (f64::from(p.year), value(p))).collect(),
            band: if band {
                pts.iter()
                    .map(|p| (f64::from(p.year), p.p10, p.p90))
                    .collect()
            } else {
                Vec::new()
            },
            connect: true,
            notes: Vec::new(),
        }
    }
}

/// A time chart: years on x, lines with bands, legend keys already in the frame.
fn time_chart<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    lines: &[Line],
    lang: Lang,
    y_desc: &str,
    s: f64,
) -> anyhow::Result<()> {
    let years = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .fold(None, |acc: Option<(f64, f64)>, y| match acc {
            None => Some((y, y)),
            Some((a, b)) => Some((a.min(y), b.max(y))),
        });
    let Some((x0, x1)) = years else {
        return no_data(plot, lang, s);
    };
    let values = lines.iter().flat_map(|l| {
        l.points
            .iter()
            .map(|p| p.1)
            .chain(l.band.iter().flat_map(|b| [b.1, b.2]))
    });
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let pad = ((hi - lo) * 0.08).max(1.0);
    let y_range = if lo < 0.0 {
        lo - pad..hi + pad
    } else {
        0.0..hi + pad
    };
    let n_years = (x1 - x0).round() as usize + 1;
    let year_fmt = |v: &f64| {
        if (v - v.round()).abs() < 1e-6 {
            format!("{}", v.round())
        } else {
            String::new()
        }
    };
    let y_fmt = |v: &f64| series::thousands(*v);
    let mut chart = ChartBuilder::on(plot)
        .x_label_area_size(px(62.0 * s))
        .y_label_area_size(px(96.0 * s))
        .margin_top(px(8.0 * s))
        .build_cartesian_2d(x0 - 0.25..x1 + 0.25, y_range)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(px(s).max(1) as u32))
        .axis_style(TEXT.stroke_width(px(1.5 * s).max(1) as u32))
        .x_labels(n_years.max(2))
        .x_label_formatter(&year_fmt)
        .y_labels(8)
        .y_label_formatter(&y_fmt)
        .label_style(text_style(16.0 * s, TEXT))
        .axis_desc_style(text_style(17.0 * s, TEXT))
        .x_desc(labels::school_year_axis(lang))
        .y_desc(y_desc)
        .set_all_tick_mark_size(px(6.0 * s))
        .draw()
        .map_err(err)?;
    if lo < 0.0 {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0 - 0.25, 0.0), (x1 + 0.25, 0.0)],
                TEXT.stroke_width(px(s).max(1) as u32),
            )))
            .map_err(err)?;
    }
    for line in lines.iter().filter(|l| !l.band.is_empty()) {
        let mut poly: Vec<(f64, f64)> = line.band.iter().map(|b| (b.0, b.2)).collect();
        poly.extend(line.band.iter().rev().map(|b| (b.0, b.1)));
        chart
            .draw_series(std::iter::once(Polygon::new(
                poly,
                line.style.color.mix(BAND_ALPHA).filled(),
            )))
            .map_err(err)?;
    }
    for line in lines {
        let style = line.style.color.stroke_width(line_width(s));
        match line.style.dash {
            _ if !line.connect => {}
            None => {
                chart
                    .draw_series(LineSeries::new(line.points.clone(), style))
                    .map_err(err)?;
            }
            Some((d, g)) => {
                chart
                    .draw_series(DashedLineSeries::new(
                        line.points.clone(),
                        px(d * s),
                        px(g * s),
                        style,
                    ))
                    .map_err(err)?;
            }
        }
        let offsets = marker_points(line.style.marker, 6.0 * s);
        let fill = line.style.color.filled();
        chart
            .draw_series(
                line.points
                    .iter()
                    .map(|p| EmptyElement::at(*p) + Polygon::new(offsets.clone(), fill)),
            )
            .map_err(err)?;
        let note_style =
            text_style(15.0 * s, line.style.color).pos(Pos::new(HPos::Left, VPos::Bottom));
        chart
            .draw_series(line.points.iter().zip(&line.notes).map(|(p, note)| {
                EmptyElement::at(*p)
                    + Text::new(
                        note.clone(),
                        (px(10.0 * s), px(-4.0 * s)),
                        note_style.clone(),
                    )
            }))
            .map_err(err)?;
    }
    Ok(())
}

/// A group of horizontal bars (one category), one bar per series.
struct BarGroup {
    label: String,
    bars: Vec<Option<Bar>>,
}

#[derive(Debug, Clone, Copy)]
struct Bar {
    value: f64,
    whisker: Option<(f64, f64)>,
}

/// Horizontal grouped bars: categories top to bottom, series light to dark within a group.
fn hbar_chart<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    groups: &[BarGroup],
    x_desc: &str,
    reference: Option<f64>,
    lang: Lang,
    s: f64,
) -> anyhow::Result<()> {
    if groups.is_empty() {
        return no_data(plot, lang, s);
    }
    let label_style = text_style(17.0 * s, TEXT);
    let mut label_w = 0u32;
    for g in groups {
        let (w, _) = plot
            .estimate_text_size(&g.label, &label_style)
            .map_err(err)?;
        label_w = label_w.max(w);
    }
    let values = groups
        .iter()
        .flat_map(|g| g.bars.iter().flatten())
        .flat_map(|b| {
            let (l, h) = b.whisker.unwrap_or((b.value, b.value));
            [b.value, l, h]
        });
    let (lo, hi) = values
        .chain(reference)
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1.0);
    // Room on the right for the value labels.
    let x_range = (if lo < 0.0 { lo - span * 0.05 } else { 0.0 })..hi + span * 0.16;
    let n = groups.len() as f64;
    let x_fmt = |v: &f64| series::thousands(*v);
    let mut chart = ChartBuilder::on(plot)
        .x_label_area_size(px(62.0 * s))
        .y_label_area_size(label_w as i32 + px(22.0 * s))
        .margin_top(px(8.0 * s))
        .build_cartesian_2d(x_range.clone(), 0.0..n)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(px(s).max(1) as u32))
        .axis_style(TEXT.stroke_width(px(1.5 * s).max(1) as u32))
        .y_labels(0)
        .x_labels(8)
        .x_label_formatter(&x_fmt)
        .label_style(text_style(16.0 * s, TEXT))
        .axis_desc_style(text_style(17.0 * s, TEXT))
        .x_desc(x_desc)
        .set_all_tick_mark_size(px(6.0 * s))
        .draw()
        .map_err(err)?;

    let base = plot.get_base_pixel();
    let value_style = text_style(15.0 * s, TEXT).pos(Pos::new(HPos::Left, VPos::Center));
    let whisker_style = TEXT.stroke_width(px(1.8 * s).max(1) as u32);
    for (gi, group) in groups.iter().enumerate() {
        let top = n - gi as f64;
        let k = group.bars.len().max(1) as f64;
        let inner = 0.76;
        let bar_h = inner / k;
        let centre_y = top - 0.5;
        let (lx, ly) = chart.backend_coord(&(x_range.start, centre_y));
        plot.draw(&Text::new(
            group.label.clone(),
            (lx - base.0 - px(10.0 * s), ly - base.1),
            label_style.pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(err)?;
        for (bi, bar) in group.bars.iter().enumerate() {
            let Some(bar) = bar else { continue };
            let y_hi = top - (1.0 - inner) / 2.0 - bi as f64 * bar_h;
            let y_lo = y_hi - bar_h * 0.88;
            let y_mid = (y_hi + y_lo) / 2.0;
            let fill = BAR_FILLS[bar_fill_index(bi, group.bars.len())];
            chart
                .draw_series([
                    Rectangle::new([(0.0, y_lo), (bar.value, y_hi)], fill.filled()),
                    Rectangle::new(
                        [(0.0, y_lo), (bar.value, y_hi)],
                        TEXT.stroke_width(px(s).max(1) as u32),
                    ),
                ])
                .map_err(err)?;
            let mut label_x = bar.value.max(0.0);
            if let Some((l, h)) = bar.whisker {
                let cap = bar_h * 0.25;
                chart
                    .draw_series([
                        PathElement::new(vec![(l, y_mid), (h, y_mid)], whisker_style),
                        PathElement::new(vec![(l, y_mid - cap), (l, y_mid + cap)], whisker_style),
                        PathElement::new(vec![(h, y_mid - cap), (h, y_mid + cap)], whisker_style),
                    ])
                    .map_err(err)?;
                label_x = label_x.max(h);
            }
            chart
                .draw_series(std::iter::once(Text::new(
                    series::thousands(bar.value),
                    (label_x + span * 0.012, y_mid),
                    value_style.clone(),
                )))
                .map_err(err)?;
        }
    }
    if let Some(r) = reference {
        chart
            .draw_series(std::iter::once(DashedPathElement::new(
                vec![(r, 0.0), (r, n)],
                px(6.0 * s),
                px(4.0 * s),
                MUTED.stroke_width(px(2.0 * s).max(1) as u32),
            )))
            .map_err(err)?;
    }
    Ok(())
}

/// Bars of a group take the darkest fills when there are few, so two bars are far apart in grey.
fn bar_fill_index(bar: usize, bars: usize) -> usize {
    match bars {
        0 | 1 => 2,
        2 => [0, 3][bar.min(1)],
        3 => [0, 2, 3][bar.min(2)],
        _ => bar.min(BAR_FILLS.len() - 1),
    }
}

fn no_data<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    lang: Lang,
    s: f64,
) -> anyhow::Result<()> {
    let (w, h) = plot.dim_in_pixel();
    plot.draw(&Text::new(
        lang.pick(
            "（结果中没有此图的数据）",
            "(no data for this chart in the results)",
        )
        .to_string(),
        (w as i32 / 2, h as i32 / 2),
        text_style(22.0 * s, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(err)
}

/// Oversized classes over time, central case with a P10–P90 band. One scenario: oversized and
/// super-oversized classes; several: one line per scenario (the comparison chart).
pub fn draw_oversized_over_time<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    runs: &[RunView],
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    font::ensure_registered()?;
    let lang = opts.lang;
    let s = scale(root);
    let threshold = runs.first().map_or(56, |r| r.scenario.classes.oversized);
    let mut lines = Vec::new();
    let (title, subtitle) = if let [run] = runs {
        let super_threshold = run.scenario.classes.super_oversized;
        let metrics = [
            (Metric::OversizedClasses, labels::oversized(threshold, lang)),
            (
                Metric::SuperOversizedClasses,
                labels::super_oversized(super_threshold, lang),
            ),
        ];
        for (i, (metric, label)) in metrics.into_iter().enumerate() {
            let pts = series::series(run.result, metric, CITY);
            lines.push(Line::from_points(
                label,
                series_style(i),
                &pts,
                |p| p.central,
                true,
            ));
        }
        if let Some(ceilings) = target_ceilings(run, lang) {
            lines.push(ceilings);
        }
        let title = match lang {
            Lang::Zh => format!("大班额变化：{}", labels::scenario_title(run, lang)),
            Lang::En => format!("Oversized classes: {}", labels::scenario_title(run, lang)),
        };
        let subtitle = match lang {
            Lang::Zh => format!(
                "全市；线为中心情形，阴影为{}次模拟的P10–P90区间；建设进度{}",
                series::thousands(f64::from(run.result.draws)),
                labels::pace(run.scenario.pace, lang)
            ),
            Lang::En => format!(
                "City-wide; lines: central case, shading: P10–P90 over {} draws; construction {}",
                series::thousands(f64::from(run.result.draws)),
                labels::pace(run.scenario.pace, lang)
            ),
        };
        (title, subtitle)
    } else {
        for (i, run) in runs.iter().enumerate() {
            let pts = series::series(run.result, Metric::OversizedClasses, CITY);
            let label = labels::scenario_title(run, lang).to_string();
            lines.push(Line::from_points(
                label,
                series_style(i),
                &pts,
                |p| p.central,
                true,
            ));
        }
        let title = match lang {
            Lang::Zh => format!("各情景大班额（{threshold}人及以上）变化"),
            Lang::En => format!("Oversized classes ({threshold}+ pupils) by scenario"),
        };
        let subtitle = lang
            .pick(
                "全市；线为中心情形，阴影为P10–P90区间",
                "City-wide; lines: central case, shading: P10–P90 range over the draws",
            )
            .to_string();
        (title, subtitle)
    };
    let legend = legend_of(&lines, lang);
    let frame = Frame {
        title,
        subtitle,
        legend,
        source: labels::source(runs, opts),
    };
    let plot = draw_frame(root, &frame)?;
    time_chart(&plot, &lines, lang, labels::classes_axis(lang), s)
}

/// The scenario's targets as ceilings on the oversized and super-oversized counts: the target
/// share × the central case's classes in the target year. `None` when no target sets a share.
fn target_ceilings(run: &RunView, lang: Lang) -> Option<Line> {
    let mut points = Vec::new();
    let mut notes = Vec::new();
    for t in &run.scenario.targets {
        let Some(classes) = series::point(run.result, Metric::Classes, t.year.0, CITY) else {
            continue;
        };
        for (share, threshold) in [
            (t.max_oversized_share, run.scenario.classes.oversized),
            (
                t.max_super_oversized_share,
                run.scenario.classes.super_oversized,
            ),
        ] {
            let Some(share) = share else { continue };
            let ceiling = share * classes.central;
            points.push((f64::from(t.year.0), ceiling));
            notes.push(match lang {
                Lang::Zh => format!("{threshold}人及以上≤{}", series::thousands(ceiling)),
                Lang::En => format!("{threshold}+ ≤ {}", series::thousands(ceiling)),
            });
        }
    }
    (!points.is_empty()).then(|| Line {
        label: lang
            .pick(
                "目标上限（目标比例×当年班级数）",
                "target ceiling (target share × classes)",
            )
            .to_string(),
        style: SeriesStyle {
            color: TARGET,
            dash: None,
            marker: Marker::Star,
        },
        points,
        band: Vec::new(),
        connect: false,
        notes,
    })
}

/// The years the headline chart shows bars for: the scenarios' target years within (earliest
/// base year, latest horizon], or that horizon, at most one per bar shade.
pub(super) fn cleared_years(runs: &[RunView]) -> Vec<u16> {
    let base = runs.iter().map(|r| r.result.base_year.0).min().unwrap_or(0);
    let horizon = runs.iter().map(|r| r.result.horizon.0).max().unwrap_or(0);
    let mut years = series::target_years(
        runs.iter()
            .flat_map(|r| r.scenario.targets.iter().map(|t| t.year.0)),
        base,
        horizon,
    );
    years.truncate(BAR_FILLS.len());
    years
}

/// The headline chart: oversized classes cleared per scenario by each target year, with
/// P10–P90 whiskers and the base year's oversized classes as the ceiling.
pub fn draw_cleared_by_scenario<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    runs: &[RunView],
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    font::ensure_registered()?;
    let lang = opts.lang;
    let s = scale(root);
    let base = runs.iter().map(|r| r.result.base_year.0).min().unwrap_or(0);
    let years = cleared_years(runs);
    let groups: Vec<BarGroup> = runs
        .iter()
        .map(|run| BarGroup {
            label: labels::scenario_title(run, lang).to_string(),
            bars: years
                .iter()
                .map(|y| {
                    series::point(run.result, Metric::Cleared, *y, CITY).map(|p| Bar {
                        value: p.central,
                        whisker: Some((p.p10, p.p90)),
                    })
                })
                .collect(),
        })
        .collect();
    let base_oversized = runs
        .first()
        .and_then(|r| series::point(r.result, Metric::OversizedClasses, base, CITY))
        .map(|p| p.central);
    let threshold = runs.first().map_or(56, |r| r.scenario.classes.oversized);
    let mut legend: Vec<LegendEntry> = years
        .iter()
        .enumerate()
        .map(|(i, y)| LegendEntry {
            key: Key::Bar(BAR_FILLS[bar_fill_index(i, years.len())]),
            label: format!(
                "{}{}",
                labels::by_year(*y, lang),
                lang.pick("（中心情形）", " (central case)")
            ),
        })
        .collect();
    legend.push(LegendEntry {
        key: Key::Whisker,
        label: labels::whisker(lang).to_string(),
    });
    if let Some(b) = base_oversized {
        legend.push(LegendEntry {
            key: Key::RefLine,
            label: match lang {
                Lang::Zh => format!("{base}年大班额 {}（可消除的上限）", series::thousands(b)),
                Lang::En => format!(
                    "{base} oversized classes: {} (all cleared)",
                    series::thousands(b)
                ),
            },
        });
    }
    let frame = Frame {
        title: match lang {
            Lang::Zh => format!("各情景消除的大班额（{threshold}人及以上，全市）"),
            Lang::En => format!("Oversized classes ({threshold}+ pupils) cleared, by scenario"),
        },
        subtitle: match lang {
            Lang::Zh => {
                format!("比{base}学年减少的大班额数；柱为中心情形，误差线为各次模拟的P10–P90")
            }
            Lang::En => format!(
                "City-wide reduction since the {base} school year; bars: central case, whiskers: P10–P90 over the draws"
            ),
        },
        legend,
        source: labels::source(runs, opts),
    };
    let plot = draw_frame(root, &frame)?;
    hbar_chart(
        &plot,
        &groups,
        labels::cleared_axis(lang),
        base_oversized,
        lang,
        s,
    )
}

/// Most areas the shortfall chart shows.
const MAX_AREAS: usize = 20;

/// Shortfall per area in the base year and the scenario's first target year (P10–P90 whiskers).
pub fn draw_shortfall_by_area<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    font::ensure_registered()?;
    let lang = opts.lang;
    let s = scale(root);
    let base = run.result.base_year.0;
    let target = series::target_years(
        run.scenario.targets.iter().map(|t| t.year.0),
        base,
        run.result.horizon.0,
    )[0];
    let mut rows: Vec<(f64, BarGroup)> = run
        .data
        .areas
        .iter()
        .map(|area| {
            let b = series::point(run.result, Metric::Shortfall, base, &area.id);
            let t = series::point(run.result, Metric::Shortfall, target, &area.id);
            let key = b.map_or(0.0, |p| p.central);
            let group = BarGroup {
                label: area.name.clone(),
                bars: vec![
                    b.map(|p| Bar {
                        value: p.central,
                        whisker: None,
                    }),
                    t.map(|p| Bar {
                        value: p.central,
                        whisker: Some((p.p10, p.p90)),
                    }),
                ],
            };
            (key, group)
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let areas = rows.len();
    // Beyond this many bars the labels no longer fit a printed page: show the largest.
    rows.truncate(MAX_AREAS);
    let groups: Vec<BarGroup> = rows.into_iter().map(|r| r.1).collect();
    let shown = if areas > MAX_AREAS {
        match lang {
            Lang::Zh => format!("，仅显示缺口最大的{MAX_AREAS}个（共{areas}个）"),
            Lang::En => format!("; the {MAX_AREAS} largest of {areas} areas shown"),
        }
    } else {
        String::new()
    };
    let city = |y| {
        series::point(run.result, Metric::Shortfall, y, CITY).map(|p| series::thousands(p.central))
    };
    let total = |y: u16| city(y).map(|v| format!("{} {v}", labels::year(y, lang)));
    let totals: Vec<String> = [total(base), total(target)].into_iter().flatten().collect();
    let frame = Frame {
        title: match lang {
            Lang::Zh => format!("各区县学位缺口：{}", labels::scenario_title(run, lang)),
            Lang::En => format!(
                "Shortfall of places by area: {}",
                labels::scenario_title(run, lang)
            ),
        },
        subtitle: match lang {
            Lang::Zh => format!(
                "全市合计（中心情形）：{}；按{base}年缺口排序{shown}",
                totals.join("，")
            ),
            Lang::En => format!(
                "City total (central case): {}; sorted by the {base} shortfall{shown}",
                totals.join(", ")
            ),
        },
        legend: vec![
            LegendEntry {
                key: Key::Bar(BAR_FILLS[bar_fill_index(0, 2)]),
                label: match lang {
                    Lang::Zh => format!("{base}年（基年，实际）"),
                    Lang::En => format!("{base} (base year, observed)"),
                },
            },
            LegendEntry {
                key: Key::Bar(BAR_FILLS[bar_fill_index(1, 2)]),
                label: format!(
                    "{}{}",
                    labels::year(target, lang),
                    lang.pick("（中心情形）", " (central case)")
                ),
            },
            LegendEntry {
                key: Key::Whisker,
                label: labels::whisker(lang).to_string(),
            },
        ],
        source: labels::source(std::slice::from_ref(run), opts),
    };
    let plot = draw_frame(root, &frame)?;
    hbar_chart(&plot, &groups, labels::shortfall_axis(lang), None, lang, s)
}

/// Pupils added each year by natural increase, migrant children and returning students.
pub fn draw_demand_by_driver<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    font::ensure_registered()?;
    let lang = opts.lang;
    let s = scale(root);
    let drivers = [
        (
            Metric::DemandNatural,
            lang.pick(
                "自然增长（入学减毕业等）",
                "natural increase (entrants minus leavers)",
            ),
        ),
        (
            Metric::DemandMigrant,
            lang.pick("农民工随迁子女进城就学", "migrant workers' children"),
        ),
        (
            Metric::DemandReturning,
            lang.pick("外地学生回流", "students returning from elsewhere"),
        ),
    ];
    let lines: Vec<Line> = drivers
        .iter()
        .enumerate()
        .map(|(i, (metric, label))| {
            let pts = series::series(run.result, *metric, CITY);
            Line::from_points(
                label.to_string(),
                series_style(i),
                &pts,
                |p| p.central,
                true,
            )
        })
        .collect();
    let legend = legend_of(&lines, lang);
    let frame = Frame {
        title: match lang {
            Lang::Zh => format!("新增学生来自哪里：{}", labels::scenario_title(run, lang)),
            Lang::En => format!("Where new demand comes from: {}", labels::scenario_title(run, lang)),
        },
        subtitle: lang
            .pick(
                "全市，各驱动因素当年带来的学生数；线为中心情形，阴影为P10–P90区间",
                "City-wide pupils added in each year by driver; lines: central case, shading: P10–P90",
            )
            .to_string(),
        legend,
        source: labels::source(std::slice::from_ref(run), opts),
    };
    let plot = draw_frame(root, &frame)?;
    time_chart(&plot, &lines, lang, labels::demand_axis(lang), s)
}

/// Projects open by year: the plan's dates against the simulated completions.
pub fn draw_pipeline_delivery<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    font::ensure_registered()?;
    let lang = opts.lang;
    let s = scale(root);
    let planned = series::series(run.result, Metric::ProjectsPlanned, CITY);
    let expected = series::series(run.result, Metric::ProjectsCompleted, CITY);
    // Expected first, so the dashed plan line stays visible where the two coincide.
    let lines = vec![
        Line::from_points(
            match lang {
                Lang::Zh => format!(
                    "预计（模拟平均值，{}）",
                    labels::pace(run.scenario.pace, lang)
                ),
                Lang::En => format!(
                    "expected (mean of draws, {})",
                    labels::pace(run.scenario.pace, lang)
                ),
            },
            series_style(0),
            &expected,
            |p| p.mean,
            true,
        ),
        Line::from_points(
            lang.pick("按计划完工日期", "planned completion dates")
                .to_string(),
            series_style(1),
            &planned,
            |p| p.central,
            false,
        ),
    ];
    let legend = legend_of(&lines, lang);
    let projects = run.data.projects.len() + run.scenario.extra_projects.len();
    let frame = Frame {
        title: match lang {
            Lang::Zh => format!("建设项目投用进度：{}", labels::scenario_title(run, lang)),
            Lang::En => format!(
                "Construction pipeline delivery: {}",
                labels::scenario_title(run, lang)
            ),
        },
        subtitle: match lang {
            Lang::Zh => format!("截至各学年9月1日已投用的项目数（累计）；项目库共{projects}个"),
            Lang::En => format!(
                "Projects open by 1 September of each school year (cumulative); {projects} projects in the pipeline"
            ),
        },
        legend,
        source: labels::source(std::slice::from_ref(run), opts),
    };
    let plot = draw_frame(root, &frame)?;
    time_chart(&plot, &lines, lang, labels::projects_axis(lang), s)
}
