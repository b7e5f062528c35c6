//! SVG charts whose text is drawn as glyph outlines from the bundled font, so an SVG shows the
//! same Chinese on a machine without CJK fonts as the PNG does.
//!
//! The chart is drawn with plotters' `SVGBackend`, which writes each label as a `<text>`
//! element; every such element is then replaced by `<use>` references to glyph paths read from
//! the bundled TrueType font (placed as plotters places bitmap text, so the layout computed with
//! the font's metrics holds). The font is read by `font::truetype`; this module only rewrites
//! the SVG text and never touches a file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::font::bundled as font;
use super::font::truetype::Font;
use super::markup::{esc, unescape};

/// Draws a chart of `size` user units into an SVG document with outlined text.
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
    outline_text(&svg, font()?)
}

/// The value of `name="..."` in a tag's attribute text.
fn attr<'s>(tag: &'s str, name: &str) -> Option<&'s str> {
    let key = format!(" {name}=\"");
    let from = tag.find(&key)? + key.len();
    let len = tag[from..].find('"')?;
    Some(&tag[from..from + len])
}

/// Replaces every `<text>` of a plotters SVG by outlined glyphs.
fn outline_text(svg: &str, font: &Font) -> anyhow::Result<String> {
    let mut out = String::with_capacity(svg.len() * 2);
    let mut used: BTreeMap<u16, String> = BTreeMap::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text ") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let open_end = tail
            .find('>')
            .ok_or_else(|| anyhow::anyhow!("unterminated <text> in SVG"))?;
        let close = tail
            .find("</text>")
            .ok_or_else(|| anyhow::anyhow!("unterminated <text> in SVG"))?;
        let tag = &tail[..open_end];
        let content = unescape(tail[open_end + 1..close].trim_matches('\n'));
        out.push_str(&outline_run(tag, &content, font, &mut used)?);
        rest = &tail[close + "</text>".len()..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    out.push_str(rest);
    let mut defs = String::from("<defs>\n");
    for (glyph, path) in &used {
        let _ = writeln!(defs, "<path id=\"g{glyph}\" d=\"{path}\"/>");
    }
    defs.push_str("</defs>\n");
    let root_end = out
        .find("<svg")
        .and_then(|s| out[s..].find('>').map(|e| s + e + 1))
        .ok_or_else(|| anyhow::anyhow!("SVG without a root element"))?;
    out.insert_str(root_end, &format!("\n{defs}"));
    Ok(out.replacen(
        "<svg ",
        "<svg xmlns:xlink=\"http://www.w3.org/1999/xlink\" ",
        1,
    ))
}

/// One label as a group of glyph references, placed as plotters places bitmap text: the
/// text size is `font-size × 1.24` in units of (ascender − descender), the layout box is
/// `font-size` high and the baseline sits half a text size below its top.
fn outline_run(
    tag: &str,
    text: &str,
    font: &Font,
    used: &mut BTreeMap<u16, String>,
) -> anyhow::Result<String> {
    let num = |name: &str| -> anyhow::Result<f64> {
        attr(tag, name)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| anyhow::anyhow!("SVG text without a numeric {name}: {tag}"))
    };
    let (x, y, font_size) = (num("x")?, num("y")?, num("font-size")?);
    let size = font_size * 1.24;
    let k = size / font.line_units;
    let mut pen = 0.0;
    let mut uses = String::new();
    for c in text.chars() {
        let g = font.glyph(c);
        used.entry(g).or_insert_with(|| font.path(g));
        if used.get(&g).is_some_and(|p| !p.is_empty()) {
            let _ = write!(uses, "<use xlink:href=\"#g{g}\" x=\"{pen}\"/>");
        }
        pen += font.advance(g);
    }
    let width = pen * k;
    let dx = match attr(tag, "text-anchor") {
        Some("middle") => -width / 2.0,
        Some("end") => -width,
        _ => 0.0,
    };
    let top = match attr(tag, "dy") {
        Some("0.5ex") => -font_size / 2.0,
        Some("-0.5ex") => -font_size,
        _ => 0.0,
    };
    let rotate = attr(tag, "transform")
        .and_then(|t| t.strip_prefix("rotate("))
        .and_then(|t| t.split(',').next())
        .map_or(String::new(), |deg| format!(" rotate({deg})"));
    let fill = attr(tag, "fill").unwrap_or("#000000");
    let opacity = attr(tag, "opacity").unwrap_or("1");
    Ok(format!(
        "<g fill=\"{fill}\" opacity=\"{opacity}\" transform=\"translate({x} {y}){rotate} translate({:.2} {:.2}) scale({:.6} {:.6})\"><title>{}</title>{uses}</g>\n",
        dx,
        top + size / 2.0,
        k,
        -k,
        esc(text)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_text_becomes_glyph_outlines() {
        crate::charts::font::ensure_registered().unwrap();
        let svg = render_svg((400, 200), |area| {
            area.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
            area.draw(&Text::new(
                "大班额 <A&B>",
                (10, 50),
                (super::super::font::FAMILY, 20.0).into_font(),
            ))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        })
        .unwrap();
        assert!(!svg.contains("<text"), "{svg}");
        assert!(svg.contains("xmlns:xlink"));
        // Three CJK glyphs, A, &, B, < and > drawn; the space has no outline.
        assert_eq!(svg.matches("<use ").count(), 8, "{svg}");
        assert!(svg.contains("<title>大班额 &lt;A&amp;B&gt;</title>"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
