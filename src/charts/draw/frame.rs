//! The frame every chart shares: the title and subtitle (wrapped, Chinese or Latin), the legend
//! (a row of keys, or a table with a value column per target year) and the source line at the
//! bottom; it returns the area left for the plot. It only draws.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BAND_ALPHA, INK, MUTED, SeriesStyle, TARGET, TEXT, TITLE, draw_marker, draw_path, err, px,
    scale, stroke, text_style,
};

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

#[derive(Debug)]
pub struct LegendEntry {
    pub key: Key,
    pub label: String,
}

/// A legend laid out as a table: a key and a label, then one cell per column (e.g. the
/// probability of meeting the target in each target year).
#[derive(Debug)]
pub struct LegendTable {
    /// Headers of the value columns.
    pub columns: Vec<String>,
    /// Header above the value columns (e.g. "P(target met)").
    pub caption: String,
    pub rows: Vec<(Key, String, Vec<String>)>,
}

/// The frame every chart shares.
#[derive(Debug)]
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
