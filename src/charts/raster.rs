//! The PNG backend of the charts: plotters' RGB bitmap with text laid out by ab_glyph from the
//! glyphs' own metrics. plotters 0.3.7's ab_glyph text drawing puts each glyph's ink box at the
//! pen position, dropping its side bearing, which jumbles the spacing of `.`, `(`, `/` and
//! spaces; here each outline is placed at the pen position plus its bearing (ab_glyph's
//! `px_bounds`), kerned, on a baseline 0.76 em below the top of the text box, as the SVG's
//! `dy="0.76em"` does, so PNG and SVG labels sit alike. Everything else is the bitmap's.

use ab_glyph::{Font, FontRef, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// A bitmap whose text is drawn with `font`.
pub struct Raster<'a> {
    /// The pixels.
    pub bitmap: BitMapBackend<'a>,
    /// The labels' font.
    pub font: FontRef<'static>,
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for Raster<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.bitmap.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.bitmap.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.bitmap.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.bitmap.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.bitmap.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.bitmap.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.bitmap.draw_path(path, style)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.bitmap.fill_polygon(vert, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.bitmap.draw_circle(center, radius, style, fill)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let size = style.size() as f32;
        let font = self.font.as_scaled(size);
        let em = size / 1.24;
        let width: f32 = {
            let mut previous = None;
            text.chars()
                .map(|c| {
                    let id = font.glyph_id(c);
                    let kern = previous.map_or(0.0, |p| font.kern(p, id));
                    previous = Some(id);
                    kern + font.h_advance(id)
                })
                .sum()
        };
        let left = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let top = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -em / 2.0,
            VPos::Bottom => -em,
        };
        let baseline = top + 0.76 * em;
        let transform = style.transform();
        let (w, h) = self.get_size();
        let mut caret = left;
        let mut previous = None;
        let mut pixels = Vec::new();
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = previous {
                caret += font.kern(p, id);
            }
            previous = Some(id);
            let glyph = id.with_scale_and_position(size, point(caret, baseline));
            caret += font.h_advance(id);
            let Some(outline) = self.font.outline_glyph(glyph) else { continue };
            let bounds = outline.px_bounds();
            outline.draw(|x, y, coverage| {
                let (dx, dy) = (bounds.min.x as i32 + x as i32, bounds.min.y as i32 + y as i32);
                pixels.push((dx, dy, coverage));
            });
        }
        for (dx, dy, coverage) in pixels {
            let (x, y) = transform.transform(dx, dy);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h && coverage > 0.0 {
                let alpha = colour.alpha * f64::from(coverage.min(1.0));
                self.draw_pixel((x, y), BackendColor { alpha, rgb: colour.rgb })?;
            }
        }
        Ok(())
    }
}
