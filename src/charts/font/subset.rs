//! The font subsetter: the bundled font with every glyph outline the page does not show removed
//! (ids, metrics and `cmap` kept, so the result is still a valid font), for embedding in
//! `report.html`. Bytes in, bytes out.

use super::bundled as font;
use super::truetype::{i16_at, u16_at, u32_at};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::font::FONT_BYTES;
    use crate::charts::font::truetype::Font;

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
}
