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
//!
//! The kit in four files: this one holds the look (sizes, colours, dashes, markers) and the
//! small drawing helpers; `frame` the title, legend and source line; `time_plot` the plot of
//! years on x; `bar_plot` the horizontal grouped bars.

mod bar_plot;
mod frame;
mod time_plot;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub use bar_plot::{Bar, BarGroup, bar_fill_index, hbar_plot};
pub use frame::{Frame, Key, LegendEntry, LegendTable, draw_frame};
pub use time_plot::{Line, RefLine, Stack, TimePlot, YAxis, time_plot};

use super::Lang;
use super::font::FAMILY;

/// Width of the canvas the layout constants are written for (16 cm in a memo).
pub const BASE_WIDTH: f64 = 1200.0;
/// Size of every text but the title, in base units (plotters' text size: the font's ascender
/// to descender, 1.448 em for the bundled font): an em of 9.1 pt at 16 cm wide.
pub const TEXT: f64 = 35.0;
/// Size of the title: an em of 11.7 pt at 16 cm wide.
pub const TITLE: f64 = 45.0;

pub const INK: RGBColor = RGBColor(25, 25, 25);
pub const MUTED: RGBColor = RGBColor(80, 80, 80);
pub(super) const GRID: RGBColor = RGBColor(215, 215, 215);
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

pub(super) fn stroke(w: f64) -> u32 {
    px(w).max(1) as u32
}

/// Marker outline as pixel offsets around the point (radius r).
pub(super) fn marker_points(marker: Marker, r: f64) -> Vec<(i32, i32)> {
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

pub(super) fn draw_path<DB: DrawingBackend>(
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

pub(super) fn draw_marker<DB: DrawingBackend>(
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

pub(super) fn line_width(s: f64) -> u32 {
    stroke(3.5 * s)
}

/// Width in pixels of the widest of `texts` in `style` (0 for none).
pub(super) fn widest<DB: DrawingBackend, S: AsRef<str>>(
    area: &DrawingArea<DB, Shift>,
    texts: impl IntoIterator<Item = S>,
    style: &TextStyle,
) -> anyhow::Result<u32> {
    let mut widest = 0;
    for text in texts {
        let (w, _) = area.estimate_text_size(text.as_ref(), style).map_err(err)?;
        widest = widest.max(w);
    }
    Ok(widest)
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
    fn nine_points_at_sixteen_centimetres() {
        // The em of the bundled font is 1.24 × 1000 / 1448 of plotters' text size.
        // plotters' text size is the bundled font's ascender − descender: 1448 units per 1000 em.
        let pt = |size: f64| size * 1000.0 / 1448.0 / BASE_WIDTH * 16.0 / 2.54 * 72.0;
        assert!(pt(TEXT) >= 9.0, "{}", pt(TEXT));
        assert!(pt(TITLE) > pt(TEXT) + 2.0);
    }
}
