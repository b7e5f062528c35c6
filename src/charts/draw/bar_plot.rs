//! The horizontal bar plot: categories top to bottom, one bar per series within a group (light
//! to dark fills), optional P10–P90 whiskers and value labels where a bar can carry one. It only
//! draws.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{BAR_FILLS, GRID, INK, TEXT, err, halo_text, no_data, px, stroke, text_style, widest};
use crate::charts::{Lang, series};

/// A group of horizontal bars (one category), one bar per series.
#[derive(Debug)]
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
    let label_w = widest(plot, groups.iter().map(|g| &g.label), &label_style)?;
    // Value labels only where bars are few enough to carry one each.
    let max_bars = groups
        .iter()
        .map(|g| g.bars.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let labelled = groups.len() * max_bars <= 16;
    let value_w = widest(
        plot,
        groups
            .iter()
            .flat_map(|g| g.bars.iter().flatten())
            .filter(|_| labelled)
            .map(|b| &b.label),
        &label_style,
    )?;
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
    let x_fmt = |v: &f64| series::thousands(*v);
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
