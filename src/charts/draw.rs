//! What every chart shares: the frame (title, subtitle, legend, source line), the time plot
//! (lines with P10–P90 bands, stacked bars, target lines, a divider between history and
//! projection) and the horizontal bar plot, all generic over the plotters `DrawingBackend`.
//!
//! Layout is written for a canvas [`BASE_WIDTH`] units wide, printed 16 cm wide in a memo, and
//! scaled to the area's width: at that size no text is smaller than 9 pt ([`TEXT`] units) and
//! the title is larger ([`TITLE`]). Series differ by line style and marker shape as well as by
//! colour, so a black-and-white print stays readable; labels sit on a white halo so that no
//! line strikes them through. These functions only draw: they never write files and never
//! compute a model figure.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::FAMILY;
use super::{Lang, labels};

/// Width of the canvas the layout constants are written for (16 cm in a memo).
pub const BASE_WIDTH: f64 = 1200.0;
/// Size of every text but the title, in base units (plotters' text size: the font's ascender
/// to descender, 1.448 em for the bundled font): an em of 9.1 pt at 16 cm wide.
pub const TEXT: f64 = 35.0;
/// Size of the title: an em of 11.7 pt at 16 cm wide.
pub const TITLE: f64 = 45.0;

pub const INK: RGBColor = RGBColor(25, 25, 25);
pub const MUTED: RGBColor = RGBColor(80, 80, 80);
const GRID: RGBColor = RGBColor(215, 215, 215);
/// Targets: a dark red that stays dark in greyscale.
pub const TARGET: RGBColor = RGBColor(170, 20, 40);

/// Okabe–Ito colours (colour-blind safe), ordered so neighbours differ in lightness too.
const COLORS: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
];

/// Bar fills of a group, light to dark: the order reads the same in greyscale.
pub const BAR_FILLS: [RGBColor; 4] = [
    RGBColor(189, 215, 238),
    RGBColor(107, 174, 214),
    RGBColor(33, 113, 181),
    RGBColor(8, 48, 107),
];

/// Dash patterns (dash, gap) in base units; `None` = solid.
const DASHES: [Option<(f64, f64)>; 8] = [
    None,
    Some((14.0, 7.0)),
    Some((5.0, 5.0)),
    Some((22.0, 6.0)),
    Some((9.0, 4.0)),
    Some((3.0, 7.0)),
    Some((18.0, 11.0)),
    Some((12.0, 3.0)),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Triangle,
    Square,
    Diamond,
    TriangleDown,
    Hexagon,
    Star,
    Cross,
}

const MARKERS: [Marker; 8] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Hexagon,
    Marker::Star,
    Marker::Cross,
];

/// The look of a series: colour, dash and marker all change with its index.
#[derive(Debug, Clone, Copy)]
pub struct SeriesStyle {
    pub color: RGBColor,
    pub dash: Option<(f64, f64)>,
    pub marker: Marker,
}

pub fn series_style(i: usize) -> SeriesStyle {
    SeriesStyle {
        color: COLORS[i % COLORS.len()],
        dash: DASHES[i % DASHES.len()],
        marker: MARKERS[i % MARKERS.len()],
    }
}

/// The style of a projection: every series dashed (the solid stroke is kept for history).
pub fn projection_style(i: usize) -> SeriesStyle {
    let mut st = series_style(i);
    if st.dash.is_none() {
        st.dash = Some((14.0, 5.0));
    }
    st
}

/// Scale of the area against the base layout.
pub fn scale<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> f64 {
    f64::from(area.dim_in_pixel().0) / BASE_WIDTH
}

pub fn text_style(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FontFamily::Name(FAMILY), size).into_font().color(&color)
}

pub fn px(v: f64) -> i32 {
    v.round() as i32
}

pub fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("cannot draw chart: {e}")
}

fn stroke(w: f64) -> u32 {
    px(w).max(1) as u32
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
        Marker::Cross => (0..12)
            .map(|k| {
                let q = k / 3;
                let (a, b) = (r * 1.2, r * 0.4);
                let (x, y) = match k % 3 {
                    0 => (b, a),
                    1 => (b, b),
                    _ => (a, b),
                };
                // Rotate the first quadrant's three points by q quarter turns.
                match q {
                    0 => (px(x), px(-y)),
                    1 => (px(y), px(x)),
                    2 => (px(-x), px(y)),
                    _ => (px(-y), px(-x)),
                }
            })
            .collect(),
    }
}

/// What a legend entry shows before its label.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    /// A line with its marker over its own P10–P90 band (when `band`).
    Line {
        style: SeriesStyle,
        band: bool,
    },
    Marker(SeriesStyle),
    Bar(RGBColor),
    Whisker,
    /// A target line.
    Target,
    /// The base-year divider.
    Divider,
}

pub struct LegendEntry {
    pub key: Key,
    pub label: String,
}

/// A legend laid out as a table: a key and a label, then one cell per column (e.g. the
/// probability of meeting the target in each target year).
pub struct LegendTable {
    /// Headers of the value columns.
    pub columns: Vec<String>,
    /// Header above the value columns (e.g. "P(target met)").
    pub caption: String,
    pub rows: Vec<(Key, String, Vec<String>)>,
}

/// The frame every chart shares.
pub struct Frame {
    pub title: String,
    pub subtitle: String,
    pub legend: Vec<LegendEntry>,
    pub table: Option<LegendTable>,
    pub source: String,
}

/// Breaks `text` into lines no wider than `max_w` pixels: at spaces in Latin text, between any
/// two characters in Chinese.
fn wrap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_w: f64,
) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in text.chars() {
        line.push(c);
        let (w, _) = root.estimate_text_size(&line, style).map_err(err)?;
        if f64::from(w) > max_w && line.chars().count() > 1 {
            let last = line.pop().unwrap_or(' ');
            // Latin: go back to the last space, or to where the word meets Chinese text;
            // Chinese: break before this character.
            let cut = if last.is_ascii_alphanumeric() || last.is_ascii_punctuation() {
                let word = line
                    .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || ",.-:%/".contains(c))
                    .len();
                let after_space = line.rfind(' ').map(|i| i + 1);
                let after_chinese = line[..word]
                    .ends_with(|c: char| u32::from(c) >= 0x2E80)
                    .then_some(word);
                after_space.max(after_chinese)
            } else {
                None
            };
            match cut {
                Some(i) if i > 0 => {
                    let rest = format!("{}{last}", &line[i..]);
                    line.truncate(i);
                    let kept = line.trim_end().len();
                    line.truncate(kept);
                    lines.push(std::mem::take(&mut line));
                    line = rest;
                }
                _ => {
                    // A line never starts with a closing mark: the character before it goes
                    // along (a whole number or word, if that is what precedes it).
                    let mut carry = String::new();
                    if "，。；：、）》”！？,.;:)".contains(last) {
                        while let Some(c) = line.pop() {
                            carry.insert(0, c);
                            if !c.is_ascii_alphanumeric()
                                || !line.ends_with(|p: char| p.is_ascii_alphanumeric())
                            {
                                break;
                            }
                        }
                    }
                    lines.push(std::mem::take(&mut line));
                    line.push_str(&carry);
                    if last != ' ' {
                        line.push(last);
                    }
                }
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    // No orphan: a Chinese last line of one to three characters takes four from the line above.
    if let [.., prev, last] = lines.as_mut_slice()
        && last.chars().count() < 4
        && !last.is_ascii()
        && !last.contains(' ')
        && prev.chars().count() > 8
    {
        let cut = prev.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
        let moved = prev.split_off(cut);
        last.insert_str(0, &moved);
    }
    Ok(lines)
}

/// Draws wrapped text from `(x, y)` down; returns the y below it.
fn draw_wrapped<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (f64, f64),
    style: TextStyle<'static>,
    max_w: f64,
    line_h: f64,
) -> anyhow::Result<f64> {
    let style = style.pos(Pos::new(HPos::Left, VPos::Top));
    let mut y = y;
    for line in wrap(root, text, &style, max_w)? {
        root.draw(&Text::new(line, (px(x), px(y)), style.clone()))
            .map_err(err)?;
        y += line_h;
    }
    Ok(y)
}

/// Draws the frame and returns the area left for the plot.
pub fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
) -> anyhow::Result<DrawingArea<DB, Shift>> {
    let s = scale(root);
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    root.fill(&WHITE).map_err(err)?;
    let left = 24.0 * s;
    let width = w - 2.0 * left;
    let mut y = 18.0 * s;
    y = draw_wrapped(
        root,
        &frame.title,
        (left, y),
        text_style(TITLE * s, INK),
        width,
        TITLE * 1.2 * s,
    )?;
    y += 4.0 * s;
    if !frame.subtitle.is_empty() {
        y = draw_wrapped(
            root,
            &frame.subtitle,
            (left, y),
            text_style(TEXT * s, MUTED),
            width,
            TEXT * 1.2 * s,
        )?;
    }
    y += 8.0 * s;

    // Legend: entries left to right, wrapping to a new row when the width runs out.
    let label_style = text_style(TEXT * s, INK).pos(Pos::new(HPos::Left, VPos::Center));
    let key_w = 50.0 * s;
    let row_h = TEXT * 1.25 * s;
    let mut x = left;
    let mut rows = 0;
    for entry in &frame.legend {
        let (tw, _) = root
            .estimate_text_size(&entry.label, &label_style)
            .map_err(err)?;
        let entry_w = key_w + 10.0 * s + f64::from(tw) + 28.0 * s;
        if x + entry_w > w - left && x > left {
            x = left;
            rows += 1;
        }
        let ym = y + row_h * (f64::from(rows) + 0.5);
        draw_key(root, entry.key, (x, ym), key_w, s)?;
        root.draw(&Text::new(
            entry.label.clone(),
            (px(x + key_w + 10.0 * s), px(ym)),
            label_style.clone(),
        ))
        .map_err(err)?;
        x += entry_w;
    }
    if !frame.legend.is_empty() {
        y += row_h * f64::from(rows + 1) + 4.0 * s;
    }
    if let Some(table) = &frame.table {
        y = draw_legend_table(root, table, (left, y), width, s)?;
    }

    // Source line(s) at the bottom.
    let source_style = text_style(TEXT * s, MUTED).pos(Pos::new(HPos::Left, VPos::Top));
    let source = wrap(root, &frame.source, &source_style, width)?;
    let line_h = TEXT * 1.15 * s;
    let mut sy = h - 12.0 * s - line_h * source.len() as f64;
    let plot_bottom = sy - 6.0 * s;
    for line in source {
        root.draw(&Text::new(line, (px(left), px(sy)), source_style.clone()))
            .map_err(err)?;
        sy += line_h;
    }
    Ok(root.margin(
        px(y + 4.0 * s),
        px(h - plot_bottom),
        px(8.0 * s),
        px(30.0 * s),
    ))
}

/// Draws a legend table in as many side-by-side groups as fit; returns the y below it.
fn draw_legend_table<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    table: &LegendTable,
    (left, top): (f64, f64),
    width: f64,
    s: f64,
) -> anyhow::Result<f64> {
    let style = text_style(TEXT * s, INK);
    let muted = text_style(TEXT * s, MUTED);
    let measure = |t: &str| -> anyhow::Result<f64> {
        Ok(f64::from(
            root.estimate_text_size(t, &style).map_err(err)?.0,
        ))
    };
    let key_w = 50.0 * s;
    let gap = 18.0 * s;
    let mut label_w = measure(&table.caption)? - key_w - 10.0 * s;
    for (_, label, _) in &table.rows {
        label_w = label_w.max(measure(label)?);
    }
    let mut col_w = Vec::new();
    for (i, header) in table.columns.iter().enumerate() {
        let mut cw = measure(header)?;
        for (_, _, cells) in &table.rows {
            if let Some(c) = cells.get(i) {
                cw = cw.max(measure(c)?);
            }
        }
        col_w.push(cw);
    }
    let group_w = key_w + 10.0 * s + label_w + col_w.iter().map(|c| c + gap).sum::<f64>();
    let groups = ((width + 40.0 * s) / (group_w + 40.0 * s)).floor().max(1.0) as usize;
    // Side by side only when the rows would otherwise take much height.
    let groups = if table.rows.len() <= 4 {
        1
    } else {
        groups.min(table.rows.len())
    };
    let per_group = table.rows.len().div_ceil(groups);
    let row_h = TEXT * 1.25 * s;
    let right = Pos::new(HPos::Right, VPos::Center);
    let left_pos = Pos::new(HPos::Left, VPos::Center);
    for g in 0..groups {
        let gx = left + g as f64 * (group_w + 40.0 * s);
        // One header row: the caption over the labels, then the columns' headers.
        let header_y = top + row_h * 0.5;
        root.draw(&Text::new(
            table.caption.clone(),
            (px(gx), px(header_y)),
            muted.pos(left_pos),
        ))
        .map_err(err)?;
        let cols_x = gx + key_w + 10.0 * s + label_w + gap;
        let mut cx = cols_x;
        for (header, cw) in table.columns.iter().zip(&col_w) {
            root.draw(&Text::new(
                header.clone(),
                (px(cx + cw), px(header_y)),
                muted.pos(right),
            ))
            .map_err(err)?;
            cx += cw + gap;
        }
        for (r, (key, label, cells)) in table
            .rows
            .iter()
            .skip(g * per_group)
            .take(per_group)
            .enumerate()
        {
            let ym = top + row_h * (r as f64 + 1.5);
            draw_key(root, *key, (gx, ym), key_w, s)?;
            root.draw(&Text::new(
                label.clone(),
                (px(gx + key_w + 10.0 * s), px(ym)),
                style.pos(left_pos),
            ))
            .map_err(err)?;
            let mut cx = cols_x;
            for (cell, cw) in cells.iter().zip(&col_w) {
                root.draw(&Text::new(
                    cell.clone(),
                    (px(cx + cw), px(ym)),
                    style.pos(right),
                ))
                .map_err(err)?;
                cx += cw + gap;
            }
        }
    }
    Ok(top + row_h * (per_group as f64 + 1.0) + 6.0 * s)
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
    let half = px(10.0 * s);
    match key {
        Key::Line { style: st, band } => {
            if band {
                root.draw(&Rectangle::new(
                    [(x0, ym - half), (x1, ym + half)],
                    st.color.mix(BAND_ALPHA).filled(),
                ))
                .map_err(err)?;
            }
            draw_path(root, vec![(x0, ym), (x1, ym)], st, s)?;
            draw_marker(root, ((x0 + x1) / 2, ym), st, s)?;
        }
        Key::Marker(st) => draw_marker(root, ((x0 + x1) / 2, ym), st, s)?,
        Key::Bar(color) => {
            root.draw(&Rectangle::new(
                [(x0, ym - half), (x1, ym + half)],
                color.filled(),
            ))
            .map_err(err)?;
            root.draw(&Rectangle::new(
                [(x0, ym - half), (x1, ym + half)],
                INK.stroke_width(stroke(s)),
            ))
            .map_err(err)?;
        }
        Key::Whisker => {
            let style = INK.stroke_width(stroke(2.0 * s));
            root.draw(&PathElement::new(vec![(x0, ym), (x1, ym)], style))
                .map_err(err)?;
            for xe in [x0, x1] {
                root.draw(&PathElement::new(
                    vec![(xe, ym - px(8.0 * s)), (xe, ym + px(8.0 * s))],
                    style,
                ))
                .map_err(err)?;
            }
        }
        Key::Target => root
            .draw(&PathElement::new(
                vec![(x0, ym), (x1, ym)],
                TARGET.stroke_width(stroke(3.0 * s)),
            ))
            .map_err(err)?,
        Key::Divider => root
            .draw(&DashedPathElement::new(
                vec![((x0 + x1) / 2, ym - half), ((x0 + x1) / 2, ym + half)],
                px(4.0 * s),
                px(3.0 * s),
                MUTED.stroke_width(stroke(2.0 * s)),
            ))
            .map_err(err)?,
    }
    Ok(())
}

fn draw_path<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pts: Vec<(i32, i32)>,
    st: SeriesStyle,
    s: f64,
) -> anyhow::Result<()> {
    let style = st.color.stroke_width(line_width(s));
    match st.dash {
        None => root.draw(&PathElement::new(pts, style)).map_err(err),
        Some((d, g)) => root
            .draw(&DashedPathElement::new(pts, px(d * s), px(g * s), style))
            .map_err(err),
    }
}

fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    st: SeriesStyle,
    s: f64,
) -> anyhow::Result<()> {
    let pts: Vec<(i32, i32)> = marker_points(st.marker, 7.0 * s)
        .into_iter()
        .map(|(dx, dy)| (x + dx, y + dy))
        .collect();
    root.draw(&Polygon::new(pts.clone(), WHITE.filled()))
        .map_err(err)?;
    root.draw(&Polygon::new(pts, st.color.filled()))
        .map_err(err)
}

pub const BAND_ALPHA: f64 = 0.18;

fn line_width(s: f64) -> u32 {
    stroke(3.5 * s)
}

/// Draws `text` on a white halo at `(x, y)` (area coordinates) with the given anchor.
pub fn halo_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (i32, i32),
    style: &TextStyle,
    pos: Pos,
    s: f64,
) -> anyhow::Result<()> {
    let (tw, th) = area.estimate_text_size(text, style).map_err(err)?;
    let (tw, th) = (tw as i32, th as i32);
    let x0 = match pos.h_pos {
        HPos::Left => x,
        HPos::Center => x - tw / 2,
        HPos::Right => x - tw,
    };
    let y0 = match pos.v_pos {
        VPos::Top => y,
        VPos::Center => y - th / 2,
        VPos::Bottom => y - th,
    };
    let pad = px(4.0 * s);
    area.draw(&Rectangle::new(
        [(x0 - pad, y0 - pad / 2), (x0 + tw + pad, y0 + th + pad / 2)],
        WHITE.mix(0.92).filled(),
    ))
    .map_err(err)?;
    area.draw(&Text::new(text.to_string(), (x, y), style.pos(pos)))
        .map_err(err)
}

/// A line of a time plot, with an optional P10–P90 band.
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
pub struct Stack {
    pub fill: RGBColor,
    pub values: Vec<(f64, f64)>,
}

/// A horizontal target line with its label at the right end.
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
            YAxis::Count => super::series::thousands(*v),
            YAxis::Percent if step < 1.0 => format!("{v:.1}%"),
            YAxis::Percent => format!("{v:.0}%"),
        }
    };
    let y_ticks = (((y_hi - y_lo) / step).floor() as usize + 1).max(2);
    let mut tick_w = 0u32;
    for k in 0..y_ticks {
        let label = y_fmt(&(y_lo + step * k as f64));
        let (w, _) = plot
            .estimate_text_size(&label, &text_style(TEXT * s, INK))
            .map_err(err)?;
        tick_w = tick_w.max(w);
    }
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

/// A group of horizontal bars (one category), one bar per series.
pub struct BarGroup {
    pub label: String,
    pub bars: Vec<Option<Bar>>,
}

#[derive(Debug, Clone)]
pub struct Bar {
    pub value: f64,
    pub whisker: Option<(f64, f64)>,
    /// The text beside the bar.
    pub label: String,
}

/// Horizontal grouped bars: categories top to bottom, series light to dark within a group.
/// Value labels are drawn where a bar is tall enough to carry one.
pub fn hbar_plot<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    groups: &[BarGroup],
    x_desc: &str,
    lang: Lang,
    s: f64,
) -> anyhow::Result<()> {
    if groups.is_empty() {
        return no_data(plot, lang, s);
    }
    let label_style = text_style(TEXT * s, INK);
    let mut label_w = 0u32;
    for g in groups {
        let (w, _) = plot
            .estimate_text_size(&g.label, &label_style)
            .map_err(err)?;
        label_w = label_w.max(w);
    }
    // Value labels only where bars are few enough to carry one each.
    let max_bars = groups
        .iter()
        .map(|g| g.bars.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let labelled = groups.len() * max_bars <= 16;
    let mut value_w = 0u32;
    for b in groups
        .iter()
        .flat_map(|g| g.bars.iter().flatten())
        .filter(|_| labelled)
    {
        let (w, _) = plot
            .estimate_text_size(&b.label, &label_style)
            .map_err(err)?;
        value_w = value_w.max(w);
    }
    let values = groups
        .iter()
        .flat_map(|g| g.bars.iter().flatten())
        .flat_map(|b| {
            let (l, h) = b.whisker.unwrap_or((b.value, b.value));
            [b.value, l, h]
        });
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1.0);
    let (pw, _) = plot.dim_in_pixel();
    let plot_w = f64::from(pw) - f64::from(label_w) - 40.0 * s;
    // Room on the right for the value labels.
    let room = if labelled {
        (f64::from(value_w) + 16.0 * s) / plot_w.max(1.0)
    } else {
        0.02
    };
    let x_hi = hi + span * room / (1.0 - room).max(0.3);
    let x_range = (if lo < 0.0 { lo - span * 0.05 } else { 0.0 })..x_hi;
    let n = groups.len() as f64;
    let x_fmt = |v: &f64| super::series::thousands(*v);
    let mut chart = ChartBuilder::on(plot)
        .x_label_area_size(px(TEXT * 2.6 * s))
        .y_label_area_size(label_w as i32 + px(24.0 * s))
        .margin_top(px(8.0 * s))
        .margin_right(px(16.0 * s))
        .build_cartesian_2d(x_range.clone(), 0.0..n)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(stroke(s)))
        .axis_style(INK.stroke_width(stroke(1.5 * s)))
        .y_labels(0)
        .x_labels(5)
        .x_label_formatter(&x_fmt)
        .label_style(text_style(TEXT * s, INK))
        .axis_desc_style(text_style(TEXT * s, INK))
        .x_desc(x_desc)
        .set_all_tick_mark_size(px(6.0 * s))
        .draw()
        .map_err(err)?;

    let base = plot.get_base_pixel();
    let whisker_style = INK.stroke_width(stroke(2.2 * s));
    let value_style = text_style(TEXT * s, INK);
    for (gi, group) in groups.iter().enumerate() {
        let top = n - gi as f64;
        let k = group.bars.len().max(1) as f64;
        let inner = 0.8;
        let bar_h = inner / k;
        let (lx, ly) = chart.backend_coord(&(x_range.start, top - 0.5));
        plot.draw(&Text::new(
            group.label.clone(),
            (lx - base.0 - px(12.0 * s), ly - base.1),
            label_style.pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(err)?;
        for (bi, bar) in group.bars.iter().enumerate() {
            let Some(bar) = bar else { continue };
            let y_hi = top - (1.0 - inner) / 2.0 - bi as f64 * bar_h;
            let y_lo = y_hi - bar_h * 0.86;
            let y_mid = (y_hi + y_lo) / 2.0;
            let fill = BAR_FILLS[bar_fill_index(bi, group.bars.len())];
            chart
                .draw_series([
                    Rectangle::new([(0.0, y_lo), (bar.value, y_hi)], fill.filled()),
                    Rectangle::new(
                        [(0.0, y_lo), (bar.value, y_hi)],
                        INK.stroke_width(stroke(s)),
                    ),
                ])
                .map_err(err)?;
            let mut label_x = bar.value.max(0.0);
            if let Some((l, h)) = bar.whisker {
                let cap = bar_h * 0.3;
                chart
                    .draw_series([
                        PathElement::new(vec![(l, y_mid), (h, y_mid)], whisker_style),
                        PathElement::new(vec![(l, y_mid - cap), (l, y_mid + cap)], whisker_style),
                        PathElement::new(vec![(h, y_mid - cap), (h, y_mid + cap)], whisker_style),
                    ])
                    .map_err(err)?;
                label_x = label_x.max(h);
            }
            if labelled {
                let (vx, vy) = chart.backend_coord(&(label_x, y_mid));
                halo_text(
                    plot,
                    &bar.label,
                    (vx - base.0 + px(10.0 * s), vy - base.1),
                    &value_style,
                    Pos::new(HPos::Left, VPos::Center),
                    s,
                )?;
            }
        }
    }
    Ok(())
}

/// Bars of a group take the darkest fills when there are few, so two bars are far apart in grey.
pub fn bar_fill_index(bar: usize, bars: usize) -> usize {
    match bars {
        0 | 1 => 2,
        2 => [0, 3][bar.min(1)],
        3 => [0, 2, 3][bar.min(2)],
        _ => bar.min(BAR_FILLS.len() - 1),
    }
}

pub fn no_data<DB: DrawingBackend>(
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
        text_style(TEXT * s, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(err)
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

    #[test]
    fn wrapped_lines_never_start_with_a_closing_mark_nor_split_a_number() {
        crate::charts::font::ensure_registered().unwrap();
        let text = "来源：placeplan 0.1.0，数据集hengyang-2019，按当前进度建设、按当前进度建设并调剂学位，种子2019，模拟1,000次，2026-12-02";
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (1200, 900)).into_drawing_area();
        let style = text_style(TEXT, INK);
        for width in (500..1200).step_by(7) {
            let lines = wrap(&area, text, &style, f64::from(width)).unwrap();
            assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
            for pair in lines.windows(2) {
                let next = pair[1].chars().next().unwrap();
                assert!(!"，。；：、）".contains(next), "{lines:?}");
                let prev = pair[0].chars().last().unwrap();
                assert!(
                    !(prev.is_ascii_digit() && next.is_ascii_digit()),
                    "{lines:?}"
                );
            }
        }
    }

    #[test]
    fn nine_points_at_sixteen_centimetres() {
        // The em of the bundled font is 1.24 × 1000 / 1448 of plotters' text size.
        // plotters' text size is the bundled font's ascender − descender: 1448 units per 1000 em.
        let pt = |size: f64| size * 1000.0 / 1448.0 / BASE_WIDTH * 16.0 / 2.54 * 72.0;
        assert!(pt(TEXT) >= 9.0, "{}", pt(TEXT));
        assert!(pt(TITLE) > pt(TEXT) + 2.0);
    }
}
