"""Make assets/fonts/NotoSansCJKsc-Regular-GB2312.ttf from Debian's fonts-noto-cjk.

Keeps ASCII, every GB2312 character (6,763 hanzi and 682 symbols) and a few typographic
marks the charts use, drops hinting and layout features, and converts the CFF outlines
to TrueType quadratic outlines (glyf), so that any TrueType reader can draw them.

    apt-get install -y fonts-noto-cjk && pip install fonttools
    python3 assets/fonts/subset.py
"""
import sys
from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont, newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

SRC = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SC_INDEX = 2  # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
OUT = sys.argv[1] if len(sys.argv) > 1 else "assets/fonts/NotoSansCJKsc-Regular-GB2312.ttf"

def gb2312_chars():
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars

chars = gb2312_chars()
chars |= {chr(c) for c in range(0x20, 0x7F)}
chars |= set("–—‘’“”…‰′″※≤≥≈±×÷·•→←↑↓°℃€£¥©®™ §¶‐−　、。，：；！？（）《》【】「」〔〕")

font = TTCollection(SRC).fonts[SC_INDEX]
opts = subset.Options()
opts.layout_features = []
opts.hinting = False
opts.desubroutinize = True
opts.name_IDs = ["*"]
opts.name_languages = ["*"]
opts.notdef_outline = True
sub = subset.Subsetter(opts)
sub.populate(unicodes=[ord(c) for c in chars])
sub.subset(font)

# CFF -> glyf (quadratic), the conversion of fontTools' otf2ttf snippet.
glyph_order = font.getGlyphOrder()
glyph_set = font.getGlyphSet()
glyf = newTable("glyf")
glyf.glyphOrder = glyph_order
glyf.glyphs = {}
for name in glyph_order:
    pen = TTGlyphPen(glyph_set)
    glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    glyf.glyphs[name] = pen.glyph()
# plotters' ab_glyph renderer places each glyph's ink box at the pen position, dropping the
# left side bearing, so a full-width （ or ： would be drawn at the left of its cell. A one-point
# contour at the origin (no ink) makes every ink box start at x = 0, which restores the bearing.
for name in glyph_order:
    g = glyf.glyphs[name]
    if g.numberOfContours > 0:
        g.coordinates.append((0, 0))
        g.flags.append(1)
        g.endPtsOfContours.append(len(g.coordinates) - 1)
        g.numberOfContours += 1
        g.recalcBounds(glyf)
        advance, _ = font["hmtx"][name]
        font["hmtx"][name] = (advance, g.xMin)  # keep lsb == xMin, as TrueType requires
font["loca"] = newTable("loca")
font["glyf"] = glyf
font["maxp"] = newTable("maxp")
maxp = font["maxp"]
maxp.tableVersion = 0x00010000
for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
             "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
    setattr(maxp, attr, 0)
maxp.maxZones = 1
maxp.numGlyphs = len(glyph_order)
del font["CFF "]
if "VORG" in font:
    del font["VORG"]
font["head"].glyphDataFormat = 0
font["post"].formatType = 2.0
font["post"].extraNames = []
font["post"].mapping = {}
font["post"].glyphOrder = glyph_order
font.sfntVersion = "\x00\x01\x00\x00"
font.save(OUT)
print(OUT, len(glyph_order), "glyphs")
