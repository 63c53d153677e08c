//! Labelled charts (feature `charts`): the drawing surface every chart of the crate shares.
//!
//! A chart is one drawing function, generic over plotters' backends, that is rendered twice:
//! into an RGB image for PNG files ([`png`]) and into an SVG string for the HTML reports
//! ([`svg`]). Text is rasterised by ab_glyph from egui's Ubuntu-Light font bytes
//! (`epaint_default_fonts`), registered once as plotters' `sans-serif` family, so no font
//! file ships and a headless machine without fonts draws the same labels. Each drawing
//! function returns [`Hover`] regions; the SVG gets a transparent rectangle with an SVG
//! `<title>` over each, which a browser shows as a tooltip (no script).

mod raster;
pub mod timeseries;

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

/// The colours of series, bars and lanes, in order (a colour-blind-safe set first).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour at `index`, cycling through [`PALETTE`].
pub fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// The budget line's colour (red) and the governor's steering line's (orange).
pub const BUDGET_RED: RGBColor = RGBColor(214, 39, 40);
/// See [`BUDGET_RED`].
pub const STEERING_ORANGE: RGBColor = RGBColor(255, 127, 14);

/// A region of a chart, in pixels, and the text a pointer over it should show.
#[derive(Clone, Debug, PartialEq)]
pub struct Hover {
    /// Top-left corner.
    pub from: (i32, i32),
    /// Bottom-right corner.
    pub to: (i32, i32),
    /// What it shows (a name and its value with units).
    pub text: String,
}

/// Why a chart could not be drawn (a backend or font error, in words).
#[derive(Clone, Debug, PartialEq)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError(e.to_string())
    }
}

/// The labels' font: egui's Ubuntu-Light.
const FONT: &[u8] = epaint_default_fonts::UBUNTU_LIGHT;

/// Register the font before anything measures or draws text.
fn register_font() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The bytes are a valid TrueType font shipped by egui; a failure would only leave
            // text undrawn, which the charts' tests catch.
            let _ = plotters::style::register_font("sans-serif", style, FONT);
        }
    });
}

/// A chart drawn into a `width` × `height` RGB image (white background).
pub fn png<F>(width: u32, height: u32, draw: F) -> Result<image::RgbImage, ChartError>
where
    F: FnOnce(DrawingArea<raster::Raster<'_>, Shift>) -> Result<Vec<Hover>, ChartError>,
{
    register_font();
    let font = ab_glyph::FontRef::try_from_slice(FONT).map_err(|e| ChartError(e.to_string()))?;
    let mut buffer = vec![255u8; width as usize * height as usize * 3];
    {
        let bitmap = BitMapBackend::with_buffer(&mut buffer, (width, height));
        let root = raster::Raster { bitmap, font }.into_drawing_area();
        root.fill(&WHITE)?;
        draw(root.clone())?;
        root.present()?;
    }
    image::RgbImage::from_raw(width, height, buffer)
        .ok_or_else(|| ChartError("chart buffer has the wrong size".into()))
}

/// A chart drawn as an SVG document of `width` × `height` user units, with a tooltip over each
/// [`Hover`] region.
pub fn svg<F>(width: u32, height: u32, draw: F) -> Result<String, ChartError>
where
    F: FnOnce(DrawingArea<SVGBackend<'_>, Shift>) -> Result<Vec<Hover>, ChartError>,
{
    register_font();
    let mut out = String::new();
    let hovers;
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        hovers = draw(root.clone())?;
        root.present()?;
    }
    let mut overlay = String::from("<g class=\"hover\">");
    for h in &hovers {
        overlay.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"transparent\"><title>{}</title></rect>",
            h.from.0,
            h.from.1,
            (h.to.0 - h.from.0).max(1),
            (h.to.1 - h.from.1).max(1),
            escape(&h.text)
        ));
    }
    overlay.push_str("</g></svg>");
    match out.rfind("</svg>") {
        Some(end) => out.replace_range(end.., &overlay),
        None => return Err(ChartError("the SVG backend wrote no document".into())),
    }
    Ok(out)
}

/// `text` with `&`, `<`, `>` and `"` escaped for HTML and SVG.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Milliseconds with as many digits as a reader needs (3 below 1 ms, 2 below 100, else 1).
pub fn ms(value: f64) -> String {
    if value.abs() < 1.0 {
        format!("{value:.3} ms")
    } else if value.abs() < 100.0 {
        format!("{value:.2} ms")
    } else {
        format!("{value:.1} ms")
    }
}

/// Text style at `size` pixels in `colour`.
pub fn text(size: u32, colour: RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&colour)
}

/// The width a label of `text` takes at `size` pixels (an estimate good enough for margins).
pub fn text_width(text: &str, size: u32) -> u32 {
    register_font();
    ("sans-serif", size).into_font().box_size(text).map_or(text.len() as u32 * size / 2, |b| b.0)
}

/// A tick label for `value` on an axis running to `top`: enough decimals to tell ten ticks
/// apart, no more.
pub fn tick(value: f64, top: f64) -> String {
    let step = (top / 10.0).max(1e-9);
    let digits = (-step.log10().floor()).clamp(0.0, 6.0) as usize;
    format!("{value:.digits$}")
}

/// The text of every `<text>` element of an SVG document, trimmed (for tests).
#[cfg(test)]
pub(crate) fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_with_the_shipped_font() {
        let img = png(200, 40, |root| {
            root.draw(&Text::new("frame 12.5 ms", (10, 10), text(16, BLACK)))?;
            Ok(Vec::new())
        })
        .expect("draws");
        let dark = img.pixels().filter(|p| p.0[0] < 128).count();
        assert!(dark > 50, "{dark} dark pixels: the label was not rasterised");
        assert!(text_width("frame 12.5 ms", 16) > 60);
    }

    #[test]
    fn svg_carries_a_tooltip_per_hover_region() {
        let doc = svg(100, 50, |_| {
            Ok(vec![Hover { from: (1, 2), to: (30, 12), text: "ssao <p90> 1.5 ms".into() }])
        })
        .expect("draws");
        assert!(doc.ends_with("</g></svg>"), "{doc}");
        assert!(doc.contains("<title>ssao &lt;p90&gt; 1.5 ms</title>"), "{doc}");
        assert!(doc.contains("x=\"1\" y=\"2\" width=\"29\" height=\"10\""), "{doc}");
        assert_eq!(ms(0.1234), "0.123 ms");
        assert_eq!(ms(12.345), "12.35 ms");
        assert_eq!(
            (tick(0.6000000000000001, 1.3), tick(5.0, 40.0), tick(0.05, 0.2)),
            ("0.6".into(), "5".into(), "0.05".into())
        );
    }
}
