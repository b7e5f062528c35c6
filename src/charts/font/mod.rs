//! The bundled chart font: a GB2312 subset of Noto Sans CJK SC (`assets/fonts/`, SIL OFL 1.1),
//! embedded in the binary and registered with plotters under [`FAMILY`].
//!
//! Charts never look up the host's fonts: a fresh machine draws the same glyphs. The same bytes,
//! read by `truetype`, give the SVG charts their glyph outlines (`charts::outline`) and
//! `report.html` its pruned font (`subset`). Nothing here touches a file.

mod subset;
pub(crate) mod truetype;

use std::sync::OnceLock;

use plotters::style::FontStyle;

pub(crate) use subset::pruned_font;
use truetype::Font;

/// The family name charts ask plotters for.
pub const FAMILY: &str = "Noto Sans CJK SC";

/// The font file: TrueType outlines, ASCII + GB2312 + the marks the charts use (see
/// `assets/fonts/subset.py` and the README's "The font").
pub static FONT_BYTES: &[u8] =
    include_bytes!("../../../assets/fonts/NotoSansCJKsc-Regular-GB2312.ttf");

/// Registers the font once per process; later calls return the first call's outcome.
pub fn ensure_registered() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_BYTES)
                .map_err(|_| format!("the bundled font {FAMILY} cannot be parsed"))
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// The bundled font, parsed once.
pub(crate) fn bundled() -> anyhow::Result<&'static Font<'static>> {
    static FONT: OnceLock<Result<Font<'static>, String>> = OnceLock::new();
    FONT.get_or_init(|| {
        Font::parse(FONT_BYTES)
            .ok_or_else(|| "the bundled font has no usable TrueType tables".to_string())
    })
    .as_ref()
    .map_err(|e| anyhow::anyhow!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_font_registers_and_has_chinese_glyphs() {
        ensure_registered().unwrap();
        let font = plotters::style::FontDesc::new(FAMILY.into(), 20.0, FontStyle::Normal);
        // A missing glyph would lay out with the .notdef advance; check real widths instead.
        let ((_, _), (w_zh, _)) = font.layout_box("大班额").unwrap();
        let ((_, _), (w_en, _)) = font.layout_box("abc").unwrap();
        assert!(w_zh > w_en && w_en > 0, "zh {w_zh} en {w_en}");
    }
}
