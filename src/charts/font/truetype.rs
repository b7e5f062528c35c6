//! A TrueType reader for the bundled font: table offsets, the Unicode `cmap` (formats 4 and 12),
//! advance widths and glyph outlines (simple and composite `glyf`) as SVG path data. It covers
//! what the bundled font contains; it is not a general font parser and never touches a file.

use std::fmt::Write as _;

/// A TrueType font's tables, as offsets into its bytes.
pub(crate) struct Font<'a> {
    pub(crate) data: &'a [u8],
    /// hhea ascender − descender, the unit plotters' text size is measured in.
    pub(crate) line_units: f64,
    loca: usize,
    loca_long: bool,
    glyf: usize,
    hmtx: usize,
    num_hmetrics: u16,
    pub(crate) num_glyphs: u16,
    /// Offset and format of the Unicode cmap subtable.
    cmap: (usize, u16),
}

pub(crate) fn u16_at(d: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(i)?, *d.get(i + 1)?]))
}

pub(crate) fn i16_at(d: &[u8], i: usize) -> Option<i16> {
    u16_at(d, i).map(|v| v as i16)
}

pub(crate) fn u32_at(d: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *d.get(i)?,
        *d.get(i + 1)?,
        *d.get(i + 2)?,
        *d.get(i + 3)?,
    ]))
}

impl<'a> Font<'a> {
    pub(crate) fn parse(data: &'a [u8]) -> Option<Font<'a>> {
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
    pub(crate) fn glyph(&self, c: char) -> u16 {
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
    pub(crate) fn advance(&self, glyph: u16) -> f64 {
        let i = glyph.min(self.num_hmetrics.saturating_sub(1));
        f64::from(u16_at(self.data, self.hmtx + 4 * usize::from(i)).unwrap_or(0))
    }

    pub(crate) fn glyph_range(&self, glyph: u16) -> Option<(usize, usize)> {
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
    pub(crate) fn path(&self, glyph: u16) -> String {
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

#[cfg(test)]
mod tests {
    use crate::charts::font::bundled as font;

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
}
