//! The map of the areas, coloured by the shortfall as a share of the area's places in the
//! horizon year. A choropleth when the data set has its own boundaries (`areas.geojson`);
//! otherwise a schematic tile map: one tile per area, placed on a grid near its centroid
//! (optional `lon`, `lat` of `areas.csv`), with the name and the share written on the tile. The
//! tile map needs no boundary data, so it can be published without an approved base map
//! (审图号). Only draws.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::draw::{self, Frame, Key, LegendEntry};
use super::series::{self, CITY};
use super::shortfall::shortfall_pct;
use super::{ChartOptions, Lang, RunView, labels};
use crate::engine::results::Metric;

/// Shares (per cent of places) where the colour steps up.
const BINS: [f64; 4] = [1.0, 3.0, 6.0, 10.0];
/// Tile fills, light to dark (they read in the same order in greyscale).
const FILLS: [RGBColor; 5] = [
    RGBColor(254, 240, 217),
    RGBColor(253, 204, 138),
    RGBColor(252, 141, 89),
    RGBColor(227, 74, 51),
    RGBColor(179, 0, 0),
];

fn bin(pct: f64) -> usize {
    BINS.iter().take_while(|b| pct >= **b).count()
}

/// Grid cells (column, row; row 0 at the top) for centroids (lon, lat): each area takes the
/// free cell nearest its own position, the areas nearest the middle first.
pub(super) fn tile_grid(centroids: &[(f64, f64)]) -> Vec<(i32, i32)> {
    let n = centroids.len();
    if n == 0 {
        return Vec::new();
    }
    let lat0 = centroids.iter().map(|c| c.1).sum::<f64>() / n as f64;
    let k = lat0.to_radians().cos();
    // Tiles are 1.6 times wider than tall: stretch x accordingly.
    let pts: Vec<(f64, f64)> = centroids.iter().map(|c| (c.0 * k / 1.6, -c.1)).collect();
    let (x0, x1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.0), a.1.max(p.0)));
    let (y0, y1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.1), a.1.max(p.1)));
    let cells = ((n as f64).sqrt() * 1.2).ceil().max(2.0);
    let cell = ((x1 - x0).max(y1 - y0) / (cells - 1.0)).max(1e-9);
    let ideal: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| ((p.0 - x0) / cell, (p.1 - y0) / cell))
        .collect();
    let (mx, my) = (
        ideal.iter().map(|p| p.0).sum::<f64>() / n as f64,
        ideal.iter().map(|p| p.1).sum::<f64>() / n as f64,
    );
    let mut order: Vec<usize> = (0..n).collect();
    let d2 = |p: (f64, f64), q: (f64, f64)| (p.0 - q.0).powi(2) + (p.1 - q.1).powi(2);
    order.sort_by(|&a, &b| d2(ideal[a], (mx, my)).total_cmp(&d2(ideal[b], (mx, my))));
    let mut taken: Vec<(i32, i32)> = Vec::new();
    let mut out = vec![(0, 0); n];
    for i in order {
        let (ix, iy) = ideal[i];
        let mut best: Option<((i32, i32), f64)> = None;
        let r = 1 + n as i32;
        for dy in -r..=r {
            for dx in -r..=r {
                let c = (ix.round() as i32 + dx, iy.round() as i32 + dy);
                if taken.contains(&c) {
                    continue;
                }
                let d = d2((f64::from(c.0), f64::from(c.1)), (ix, iy));
                if best.is_none_or(|b| d < b.1) {
                    best = Some((c, d));
                }
            }
        }
        let c = best.map_or((0, 0), |b| b.0);
        taken.push(c);
        out[i] = c;
    }
    out
}

pub fn draw_shortfall_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    let year = run.result.horizon.0;
    let areas: Vec<_> = run
        .data
        .areas
        .iter()
        .filter_map(|a| a.centroid.map(|c| (a, c)))
        .collect();
    let grid = tile_grid(&areas.iter().map(|a| a.1).collect::<Vec<_>>());
    let name = labels::scenario_title(run, lang);
    let city = shortfall_pct(run, year, CITY);
    let legend: Vec<LegendEntry> = (0..FILLS.len())
        .map(|i| LegendEntry {
            key: Key::Bar(FILLS[i]),
            label: match i {
                0 => format!("<{}%", BINS[0]),
                i if i == BINS.len() => format!("≥{}%", BINS[i - 1]),
                i => format!("{}–{}%", BINS[i - 1], BINS[i]),
            },
        })
        .collect();
    let frame = Frame {
        title: match (lang, city) {
            (Lang::Zh, Some(c)) => format!("{name}：{year}年全市学位缺口占学位数的{}", series::share(c)),
            (Lang::En, Some(c)) => format!("{name}: {year} shortfall is {} of places city-wide", series::share(c)),
            (Lang::Zh, None) => format!("{name}：{year}年各区县学位缺口"),
            (Lang::En, None) => format!("{name}: shortfall by area in {year}"),
        },
        subtitle: if run.boundaries.is_some() {
            lang.pick(
                "边界来自数据集的areas.geojson；颜色为学位缺口占学位数的比例（模拟中位数）",
                "Boundaries from the data set's areas.geojson; colour: shortfall as a share of places (median of the draws)",
            )
        } else {
            lang.pick(
                "示意图：每块代表一个区县，位置近似其中心，非行政区划边界；颜色为学位缺口占学位数的比例（模拟中位数）",
                "Schematic: one tile per area near its centre, not its boundary; colour: shortfall as a share of places (median of the draws)",
            )
        }
        .to_string(),
        legend,
        table: None,
        source: labels::source(std::slice::from_ref(run), opts),
    };
    let plot = draw::draw_frame(root, &frame)?;
    if let Some(shapes) = run.boundaries {
        return choropleth(&plot, run, shapes, lang, s);
    }
    if areas.is_empty() {
        return draw::no_data(&plot, lang, s);
    }
    let (pw, ph) = plot.dim_in_pixel();
    let (pw, ph) = (f64::from(pw), f64::from(ph));
    let (c0, c1) = grid
        .iter()
        .fold((i32::MAX, i32::MIN), |a, g| (a.0.min(g.0), a.1.max(g.0)));
    let (r0, r1) = grid
        .iter()
        .fold((i32::MAX, i32::MIN), |a, g| (a.0.min(g.1), a.1.max(g.1)));
    let cols = f64::from(c1 - c0 + 1);
    let rows = f64::from(r1 - r0 + 1);
    let tile_w = (pw / cols).min(draw::TEXT * 9.0 * s);
    let tile_h = (ph / rows).min(tile_w);
    let left = (pw - tile_w * cols) / 2.0;
    let top = (ph - tile_h * rows) / 2.0;
    let gap = 6.0 * s;
    let text = |color: RGBColor| draw::text_style(draw::TEXT * s, color);
    for ((area, _), g) in areas.iter().zip(&grid) {
        let x = left + f64::from(g.0 - c0) * tile_w;
        let y = top + f64::from(g.1 - r0) * tile_h;
        let pct = shortfall_pct(run, year, &area.id);
        let fill = pct.map_or(RGBColor(230, 230, 230), |p| FILLS[bin(p)]);
        let rect = [
            (draw::px(x + gap), draw::px(y + gap)),
            (draw::px(x + tile_w - gap), draw::px(y + tile_h - gap)),
        ];
        plot.draw(&Rectangle::new(rect, fill.filled()))
            .map_err(draw::err)?;
        plot.draw(&Rectangle::new(
            rect,
            draw::INK.stroke_width(draw::px(s).max(1) as u32),
        ))
        .map_err(draw::err)?;
        let ink = if pct.is_some_and(|p| bin(p) >= 3) {
            WHITE
        } else {
            draw::INK
        };
        let mut lines: Vec<String> = labels::area_name(area, lang)
            .split(' ')
            .map(str::to_string)
            .collect();
        let short = series::point(run.result, Metric::Shortfall, year, &area.id)
            .map_or("–".to_string(), |p| series::thousands(p.p50));
        lines.push(match pct {
            Some(p) => format!("{} · {short}", series::share(p)),
            None => short,
        });
        let line_h = draw::TEXT * 1.15 * s;
        let mut ly = y + tile_h / 2.0 - line_h * (lines.len() as f64 - 1.0) / 2.0;
        for line in lines {
            plot.draw(&Text::new(
                line,
                (draw::px(x + tile_w / 2.0), draw::px(ly)),
                text(ink).pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(draw::err)?;
            ly += line_h;
        }
    }
    Ok(())
}

/// The areas drawn with their own boundaries, filled by shortfall share, labelled at the
/// middle of their largest polygon.
fn choropleth<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    run: &RunView,
    shapes: &crate::geo::Boundaries,
    lang: Lang,
    s: f64,
) -> anyhow::Result<()> {
    let year = run.result.horizon.0;
    let points = shapes.iter().flat_map(|a| a.rings.iter().flatten());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    let mut lat_sum = 0.0;
    let mut count = 0.0;
    for p in points {
        x0 = x0.min(p.0);
        x1 = x1.max(p.0);
        y0 = y0.min(p.1);
        y1 = y1.max(p.1);
        lat_sum += p.1;
        count += 1.0;
    }
    if count == 0.0 {
        return draw::no_data(plot, lang, s);
    }
    let k = (lat_sum / count).to_radians().cos();
    let (pw, ph) = plot.dim_in_pixel();
    let (pw, ph) = (f64::from(pw), f64::from(ph));
    let w = ((x1 - x0) * k).max(1e-9);
    let h = (y1 - y0).max(1e-9);
    let scale = (pw * 0.96 / w).min(ph * 0.96 / h);
    let (ox, oy) = ((pw - w * scale) / 2.0, (ph - h * scale) / 2.0);
    let at = |p: &(f64, f64)| {
        (
            draw::px(ox + (p.0 - x0) * k * scale),
            draw::px(oy + (y1 - p.1) * scale),
        )
    };
    for shape in shapes {
        let pct = shortfall_pct(run, year, &shape.area_id);
        let fill = pct.map_or(RGBColor(230, 230, 230), |p| FILLS[bin(p)]);
        for ring in &shape.rings {
            let pts: Vec<(i32, i32)> = ring.iter().map(at).collect();
            plot.draw(&Polygon::new(pts.clone(), fill.filled()))
                .map_err(draw::err)?;
            plot.draw(&PathElement::new(
                pts,
                draw::INK.stroke_width(draw::px(1.5 * s).max(1) as u32),
            ))
            .map_err(draw::err)?;
        }
    }
    // Labels of the largest areas first; a label that would cover another is left out (the
    // area keeps its colour).
    let area_of = |r: &Vec<(f64, f64)>| {
        r.windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum::<f64>()
            .abs()
    };
    let mut order: Vec<&crate::geo::AreaShape> = shapes.iter().collect();
    order.sort_by(|a, b| {
        let big = |x: &crate::geo::AreaShape| x.rings.iter().map(area_of).fold(0.0, f64::max);
        big(b).total_cmp(&big(a))
    });
    let style = draw::text_style(draw::TEXT * s, draw::INK);
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    for shape in order {
        let Some(largest) = shape
            .rings
            .iter()
            .max_by(|a, b| area_of(a).total_cmp(&area_of(b)))
        else {
            continue;
        };
        let n = largest.len().max(1) as f64;
        let mid = (
            largest.iter().map(|p| p.0).sum::<f64>() / n,
            largest.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let name = run
            .data
            .areas
            .iter()
            .find(|a| a.id == shape.area_id)
            .map_or(shape.area_id.as_str(), |a| labels::area_name(a, lang));
        let label = match shortfall_pct(run, year, &shape.area_id) {
            Some(p) => format!("{name} {}", series::share(p)),
            None => name.to_string(),
        };
        let (tw, th) = plot.estimate_text_size(&label, &style).map_err(draw::err)?;
        let (cx, cy) = at(&mid);
        let rect = (
            cx - tw as i32 / 2,
            cy - th as i32 / 2,
            cx + tw as i32 / 2,
            cy + th as i32 / 2,
        );
        if placed
            .iter()
            .any(|p| rect.0 < p.2 && p.0 < rect.2 && rect.1 < p.3 && p.1 < rect.3)
        {
            continue;
        }
        placed.push(rect);
        draw::halo_text(
            plot,
            &label,
            (cx, cy),
            &style,
            Pos::new(HPos::Center, VPos::Center),
            s,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_gets_its_own_cell_near_its_place() {
        // Four areas clustered in a town and two far out east and south.
        let c = [
            (112.60, 26.90),
            (112.61, 26.91),
            (112.62, 26.90),
            (112.61, 26.89),
            (113.20, 26.90),
            (112.61, 26.30),
        ];
        let g = tile_grid(&c);
        let mut cells = g.clone();
        cells.sort_unstable();
        cells.dedup();
        assert_eq!(cells.len(), c.len(), "{g:?}");
        // East stays east of the town, south stays below it.
        assert!(g[4].0 > g[0].0 && g[4].0 > g[2].0, "{g:?}");
        assert!(g[5].1 > g[1].1 && g[5].1 > g[3].1, "{g:?}");
    }

    #[test]
    fn bins_step_up_at_their_edges() {
        assert_eq!(bin(0.0), 0);
        assert_eq!(bin(1.0), 1);
        assert_eq!(bin(9.9), 3);
        assert_eq!(bin(25.0), 4);
    }
}
