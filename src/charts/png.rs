//! PNG charts in memory: a chart is drawn on plotters' bitmap backend over an RGB buffer, which
//! is then encoded with the PNG encoder plotters itself saves files with (`image`, default
//! settings), so the bytes are those plotters would have written. Never touches a file.

use image::ImageEncoder;
use image::codecs::png::PngEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws a chart of `size` pixels and returns it as PNG bytes.
pub fn render_png<F>(size: (u32, u32), draw_fn: F) -> anyhow::Result<Vec<u8>>
where
    F: FnOnce(&DrawingArea<BitMapBackend, Shift>) -> anyhow::Result<()>,
{
    let (w, h) = size;
    let mut rgb = vec![0u8; 3 * w as usize * h as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        draw_fn(&area)?;
        area.present()
            .map_err(|e| anyhow::anyhow!("cannot draw PNG: {e}"))?;
    }
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| anyhow::anyhow!("cannot encode PNG: {e}"))?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_png_of_its_size() {
        let png = render_png((40, 30), |area| {
            area.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))
        })
        .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: width and height, big-endian, after the 8-byte signature and the chunk header.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 40);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 30);
    }

    #[test]
    fn the_bytes_are_those_plotters_saves() {
        let draw = |area: &DrawingArea<BitMapBackend, Shift>| -> anyhow::Result<()> {
            area.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
            area.draw(&Circle::new((30, 20), 12, RED.filled()))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.png");
        {
            let area = BitMapBackend::new(&path, (60, 40)).into_drawing_area();
            draw(&area).unwrap();
            area.present().unwrap();
        }
        let saved = std::fs::read(&path).unwrap();
        assert_eq!(render_png((60, 40), draw).unwrap(), saved);
    }
}
