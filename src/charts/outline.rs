//! SVG charts whose text is drawn as glyph outlines from the bundled font, so an SVG shows the
//! same Chinese on a machine without CJK fonts as the PNG does.
//!
//! The chart is drawn with plotters' `SVGBackend`, which writes each label as a `<text>`
//! element; every such element is then replaced by `<use>` references to glyph paths read from
//! the bundled TrueType font (placed as plotters places bitmap text, so the layout computed with
//! the font's metrics holds). The same reader prunes the font to the glyphs `report.html` shows.
//! It covers what the bundled font contains (`cmap` formats 4 and 12, simple and composite
//! `glyf` outlines); it is not a general font parser and never touches a file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::font::FONT_BYTES;

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

fn font() -> anyhow::Result<&'static Font<'static>> {
    static FONT: OnceLock<Result<Font<'static>, String>> = OnceLock::new();
    FONT.get_or_init(|| {
        Font::parse(FONT_BYTES)
            .ok_or_else(|| "the bundled font has no usable TrueType tables".to_string())
    })
    .as_ref()
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// A TrueType font's tables, as offsets into its bytes.
struct Font<'a> {
    data: &'a [u8],
    /// hhea ascender − descender, the unit plotters' text size is measured in.
    line_units: f64,
    loca: usize,
    loca_long: bool,
    glyf: usize,
    hmtx: usize,
    num_hmetrics: u16,
    num_glyphs: u16,
    /// Offset and format of the Unicode cmap subtable.
    cmap: (usize, u16),
}

fn u16_at(d: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(i)?, *d.get(i + 1)?]))
}

fn i16_at(d: &[u8], i: usize) -> Option<i16> {
    u16_at(d, i).map(|v| v as i16)
}

fn u32_at(d: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *d.get(i)?,
        *d.get(i + 1)?,
        *d.get(i + 2)?,
        *d.get(i + 3)?,
    ]))
}

impl<'a> Font<'a> {
    fn parse(data: &'a [u8]) -> Option<Font<'a>> {
        let tables = usize::from(u16_at(data, 4)?);
        let table = |tag: &[u8; 4]| -> Option<usize> {
            (0..tables)
                .map(|i| 12 + 16 * i)
                .find(|r| data.get(*r..*r + 4) == Some(&tag[..]))
                .and_then(|r| u32_at(data, r + 8))
                .map(|o| o as usize)
        };
        let head = table(b"head")?;
        let hhea = table(b"hhea")?;
        let maxp = table(b"maxp")?;
        let cmap = table(b"cmap")?;
        let mut best: Option<(u8, usize, u16)> = None;
        for i in 0..usize::from(u16_at(data, cmap + 2)?) {
            let rec = cmap + 4 + 8 * i;
            let (platform, encoding) = (u16_at(data, rec)?, u16_at(data, rec + 2)?);
            let offset = cmap + u32_at(data, rec + 4)? as usize;
            let format = u16_at(data, offset)?;
            let rank = match (platform, encoding, format) {
                (3, 10, 12) | (0, 4, 12) => 2,
                (3, 1, 4) | (0, 3, 4) => 1,
                _ => continue,
            };
            if best.is_none_or(|b| rank > b.0) {
                best = Some((rank, offset, format));
            }
        }
        let (_, cmap_offset, cmap_format) = best?;
        Some(Font {
            data,
            line_units: f64::from(i16_at(data, hhea + 4)?) - f64::from(i16_at(data, hhea + 6)?),
            loca: table(b"loca")?,
            loca_long: i16_at(data, head + 50)? == 1,
            glyf: table(b"glyf")?,
            hmtx: table(b"hmtx")?,
            num_hmetrics: u16_at(data, hhea + 34)?,
            num_glyphs: u16_at(data, maxp + 4)?,
            cmap: (cmap_offset, cmap_format),
        })
    }

    /// Glyph id of a character (0 = .notdef).
    fn glyph(&self, c: char) -> u16 {
        let c = c as u32;
        let d = self.data;
        let (o, format) = self.cmap;
        let found = match format {
            4 => (|| {
                if c > 0xFFFF {
                    return None;
                }
                let segs = usize::from(u16_at(d, o + 6)? / 2);
                let ends = o + 14;
                let starts = ends + 2 * segs + 2;
                let deltas = starts + 2 * segs;
                let ranges = deltas + 2 * segs;
                let seg = (0..segs)
                    .find(|&s| u16_at(d, ends + 2 * s).is_some_and(|e| u32::from(e) >= c))?;
                let start = u32::from(u16_at(d, starts + 2 * seg)?);
                if start > c {
                    return None;
                }
                let delta = u16_at(d, deltas + 2 * seg)?;
                let range = usize::from(u16_at(d, ranges + 2 * seg)?);
                if range == 0 {
                    return Some((c as u16).wrapping_add(delta));
                }
                let at = ranges + 2 * seg + range + 2 * (c - start) as usize;
                let g = u16_at(d, at)?;
                (g != 0).then(|| g.wrapping_add(delta))
            })(),
            12 => (|| {
                let groups = u32_at(d, o + 12)? as usize;
                (0..groups).find_map(|i| {
                    let g = o + 16 + 12 * i;
                    let (first, last, id) = (u32_at(d, g)?, u32_at(d, g + 4)?, u32_at(d, g + 8)?);
                    (first..=last).contains(&c).then(|| (id + c - first) as u16)
                })
            })(),
            _ => None,
        };
        found.filter(|g| *g < self.num_glyphs).unwrap_or(0)
    }

    /// Advance width in font units.
    fn advance(&self, glyph: u16) -> f64 {
        let i = glyph.min(self.num_hmetrics.saturating_sub(1));
        f64::from(u16_at(self.data, self.hmtx + 4 * usize::from(i)).unwrap_or(0))
    }

    fn glyph_range(&self, glyph: u16) -> Option<(usize, usize)> {
        let g = usize::from(glyph);
        let (a, b) = if self.loca_long {
            (
                u32_at(self.data, self.loca + 4 * g)? as usize,
                u32_at(self.data, self.loca + 4 * g + 4)? as usize,
            )
        } else {
            (
                2 * usize::from(u16_at(self.data, self.loca + 2 * g)?),
                2 * usize::from(u16_at(self.data, self.loca + 2 * g + 2)?),
            )
        };
        (b > a).then_some((self.glyf + a, self.glyf + b))
    }

    /// Contours of a glyph in font units: (x, y, on-curve) points.
    fn contours(&self, glyph: u16, depth: u8) -> Vec<Vec<(f64, f64, bool)>> {
        self.try_contours(glyph, depth).unwrap_or_default()
    }

    fn try_contours(&self, glyph: u16, depth: u8) -> Option<Vec<Vec<(f64, f64, bool)>>> {
        let d = self.data;
        let Some((start, _)) = self.glyph_range(glyph) else {
            return Some(Vec::new());
        };
        let n = i16_at(d, start)?;
        if n < 0 {
            // Composite: components with an offset and an optional scale.
            if depth > 4 {
                return None;
            }
            let mut out = Vec::new();
            let mut p = start + 10;
            loop {
                let flags = u16_at(d, p)?;
                let component = u16_at(d, p + 2)?;
                p += 4;
                let (dx, dy) = if flags & 1 != 0 {
                    let v = (f64::from(i16_at(d, p)?), f64::from(i16_at(d, p + 2)?));
                    p += 4;
                    v
                } else {
                    let v = (f64::from(*d.get(p)? as i8), f64::from(*d.get(p + 1)? as i8));
                    p += 2;
                    v
                };
                let f2 = |i: usize| i16_at(d, i).map(|v| f64::from(v) / 16384.0);
                let (a, b, c, e) = if flags & 0x08 != 0 {
                    let s = f2(p)?;
                    p += 2;
                    (s, 0.0, 0.0, s)
                } else if flags & 0x40 != 0 {
                    let v = (f2(p)?, 0.0, 0.0, f2(p + 2)?);
                    p += 4;
                    v
                } else if flags & 0x80 != 0 {
                    let v = (f2(p)?, f2(p + 2)?, f2(p + 4)?, f2(p + 6)?);
                    p += 8;
                    v
                } else {
                    (1.0, 0.0, 0.0, 1.0)
                };
                for contour in self.contours(component, depth + 1) {
                    out.push(
                        contour
                            .into_iter()
                            .map(|(x, y, on)| (a * x + c * y + dx, b * x + e * y + dy, on))
                            .collect(),
                    );
                }
                if flags & 0x20 == 0 {
                    return Some(out);
                }
            }
        }
        let n = n as usize;
        let ends: Vec<usize> = (0..n)
            .map(|i| u16_at(d, start + 10 + 2 * i).map(usize::from))
            .collect::<Option<_>>()?;
        let points = ends.last().map_or(0, |e| e + 1);
        let mut p = start + 10 + 2 * n;
        p += 2 + usize::from(u16_at(d, p)?);
        let mut flags = Vec::with_capacity(points);
        while flags.len() < points {
            let f = *d.get(p)?;
            p += 1;
            flags.push(f);
            if f & 8 != 0 {
                let repeat = *d.get(p)?;
                p += 1;
                flags.extend(std::iter::repeat_n(f, usize::from(repeat)));
            }
        }
        flags.truncate(points);
        let mut read = |short: u8, same: u8| -> Option<Vec<f64>> {
            let mut v = 0i32;
            flags
                .iter()
                .map(|f| {
                    if f & short != 0 {
                        let b = i32::from(*d.get(p)?);
                        p += 1;
                        v += if f & same != 0 { b } else { -b };
                    } else if f & same == 0 {
                        v += i32::from(i16_at(d, p)?);
                        p += 2;
                    }
                    Some(f64::from(v))
                })
                .collect()
        };
        let xs = read(0x02, 0x10)?;
        let ys = read(0x04, 0x20)?;
        let mut out = Vec::with_capacity(n);
        let mut first = 0;
        for end in ends {
            out.push(
                (first..=end)
                    .map(|i| (xs[i], ys[i], flags[i] & 1 != 0))
                    .collect(),
            );
            first = end + 1;
        }
        Some(out)
    }

    /// SVG path data of a glyph in font units (y up); empty for a glyph without ink.
    fn path(&self, glyph: u16) -> String {
        let mut d = String::new();
        for c in self.contours(glyph, 0).iter().filter(|c| c.len() > 2) {
            let n = c.len();
            let mid = |a: (f64, f64, bool), b: (f64, f64, bool)| {
                ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0, true)
            };
            let (start, first) = match c.iter().position(|p| p.2) {
                Some(i) => (c[i], i + 1),
                None => (mid(c[n - 1], c[0]), 0),
            };
            let _ = write!(d, "M{} {}", start.0, start.1);
            let mut ctrl: Option<(f64, f64, bool)> = None;
            for k in 0..n {
                let p = c[(first + k) % n];
                match (p.2, ctrl) {
                    (true, Some(q)) => {
                        let _ = write!(d, "Q{} {} {} {}", q.0, q.1, p.0, p.1);
                        ctrl = None;
                    }
                    (true, None) => {
                        let _ = write!(d, "L{} {}", p.0, p.1);
                    }
                    (false, Some(q)) => {
                        let m = mid(q, p);
                        let _ = write!(d, "Q{} {} {} {}", q.0, q.1, m.0, m.1);
                        ctrl = Some(p);
                    }
                    (false, None) => ctrl = Some(p),
                }
            }
            if let Some(q) = ctrl {
                let _ = write!(d, "Q{} {} {} {}", q.0, q.1, start.0, start.1);
            }
            d.push('Z');
        }
        d
    }
}

/// The bundled font with the outlines of every glyph outside `chars` (and ASCII) removed, for
/// embedding in a page that shows only those characters: glyph ids, metrics and `cmap` stay as
/// they are, so the result is still a valid font. `None` if the font has composite glyphs
/// (which this reader does not follow for subsetting) or is not as expected.
pub fn pruned_font(chars: impl IntoIterator<Item = char>) -> Option<Vec<u8>> {
    let font = font().ok()?;
    let d = font.data;
    let mut keep = std::collections::BTreeSet::from([0u16]);
    keep.extend((' '..='~').chain(chars).map(|c| font.glyph(c)));
    let mut glyf = Vec::new();
    let mut loca = Vec::with_capacity(4 * (usize::from(font.num_glyphs) + 1));
    for g in 0..font.num_glyphs {
        loca.extend_from_slice(&u32::try_from(glyf.len()).ok()?.to_be_bytes());
        if let (true, Some((a, b))) = (keep.contains(&g), font.glyph_range(g)) {
            if i16_at(d, a)? < 0 {
                return None;
            }
            glyf.extend_from_slice(d.get(a..b)?);
            glyf.resize(glyf.len().next_multiple_of(4), 0);
        }
    }
    loca.extend_from_slice(&u32::try_from(glyf.len()).ok()?.to_be_bytes());

    let tables = usize::from(u16_at(d, 4)?);
    let mut out = d.get(..12 + 16 * tables)?.to_vec();
    let mut head_at = None;
    for i in 0..tables {
        let rec = 12 + 16 * i;
        let tag = d.get(rec..rec + 4)?;
        let (offset, length) = (u32_at(d, rec + 8)? as usize, u32_at(d, rec + 12)? as usize);
        let mut data = match tag {
            b"glyf" => glyf.clone(),
            b"loca" => loca.clone(),
            _ => d.get(offset..offset + length)?.to_vec(),
        };
        if tag == b"head" {
            data.get_mut(8..12)?.copy_from_slice(&[0; 4]); // checkSumAdjustment, set below
            data.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes()); // long loca
            head_at = Some(out.len());
        }
        let start = out.len();
        let len = data.len();
        data.resize(len.next_multiple_of(4), 0);
        out[rec + 4..rec + 8].copy_from_slice(&checksum(&data).to_be_bytes());
        out[rec + 8..rec + 12].copy_from_slice(&u32::try_from(start).ok()?.to_be_bytes());
        out[rec + 12..rec + 16].copy_from_slice(&u32::try_from(len).ok()?.to_be_bytes());
        out.extend_from_slice(&data);
    }
    let head_at = head_at?;
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    out[head_at + 8..head_at + 12].copy_from_slice(&adjust.to_be_bytes());
    Some(out)
}

/// TrueType table checksum: the sum of big-endian u32 words (data padded to 4 bytes).
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, w| {
        let mut b = [0u8; 4];
        b[..w.len()].copy_from_slice(w);
        sum.wrapping_add(u32::from_be_bytes(b))
    })
}

/// The value of `name="..."` in a tag's attribute text.
fn attr<'s>(tag: &'s str, name: &str) -> Option<&'s str> {
    let key = format!(" {name}=\"");
    let from = tag.find(&key)? + key.len();
    let len = tag[from..].find('"')?;
    Some(&tag[from..from + len])
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
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
        super::report::esc(text)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_font_maps_chinese_latin_and_punctuation() {
        let font = font().unwrap();
        for c in "大班额超学位缺口雁峰区衡阳耒阳ABCxyz0123（）：；、，–—≥×".chars()
        {
            let g = font.glyph(c);
            assert_ne!(g, 0, "no glyph for {c}");
            if !c.is_whitespace() {
                assert!(!font.path(g).is_empty(), "empty outline for {c}");
            }
        }
        assert_eq!(font.glyph('\u{10FFFF}'), 0);
        assert!(font.advance(font.glyph('大')) > font.advance(font.glyph('i')));
    }

    #[test]
    fn pruned_font_keeps_only_the_glyphs_asked_for() {
        let pruned = pruned_font("大班额（）".chars()).unwrap();
        assert!(
            pruned.len() < FONT_BYTES.len() / 10,
            "{} bytes",
            pruned.len()
        );
        let font = Font::parse(&pruned).unwrap();
        for c in "大班额（）Az09".chars() {
            assert!(!font.path(font.glyph(c)).is_empty(), "{c} lost");
        }
        // Still mapped (cmap untouched) but without outline.
        assert_ne!(font.glyph('衡'), 0);
        assert!(font.path(font.glyph('衡')).is_empty());
        assert_eq!(checksum(&pruned), 0xB1B0_AFBA, "whole-font checksum");
    }

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
