//! SVG rendering of a chart.
//!
//! Draws with plotters' `SVGBackend` into a string.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws a chart of `size` user units into an SVG document.
pub fn render_svg<F>(size: (u32, u32), draw_fn: F) -> anyhow::Result<String>
where
    F: FnOnce(&DrawingArea<SVGBackend, Shift>) -> anyhow::Result<()>,
{
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw_fn(&area)?;
        area.present()
            .map_err(|e| anyhow::anyhow!("cannot draw SVG: {e}"))?;
    }
    Ok(svg)
}
