//! The PNG backend: plotters' bitmap backend with text drawn by our own glyph placement.
//!
//! plotters 0.3.7 draws ab_glyph text without each glyph's left side bearing, so letters
//! crowd and gap unevenly ("Shi jiazhuang"). This wrapper passes every shape to the
//! bitmap backend unchanged and places glyphs at their outline bounds, keeping plotters'
//! text box (advance widths, height size / 1.24) so that layout, anchors and rotation
//! agree with what plotters measured.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, ScaleFont, point};
use plotters::prelude::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use super::charts::FONT_BYTES;

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).expect("the bundled font parses"))
}

/// The coverage of every pixel of `text` at `size` from the top left of its box, each
/// glyph at its own bounds (bearings included), and the advance width of the whole.
fn glyph_pixels(text: &str, size: f32) -> (Vec<(i32, i32, f32)>, f32) {
    let scaled = font().as_scaled(size);
    let mut pixels = Vec::new();
    let mut x = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            x += scaled.kern(p, id);
        }
        // Baseline at the ascent: the text box's top is the top of the tallest glyphs.
        let glyph = id.with_scale_and_position(size, point(x, scaled.ascent()));
        if let Some(outline) = font().outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, cover| {
                pixels.push((
                    b.min.x as i32 + gx as i32,
                    b.min.y as i32 + gy as i32,
                    cover,
                ));
            });
        }
        x += scaled.h_advance(id);
        prev = Some(id);
    }
    (pixels, x)
}

/// A bitmap backend whose text has correctly spaced glyphs.
pub struct Bitmap<'a>(pub BitMapBackend<'a>);

type Drawn<'a> = Result<(), DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>>;

impl<'a> DrawingBackend for Bitmap<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> Drawn<'a> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Drawn<'a> {
        self.0.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn<'a> {
        self.0.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Drawn<'a> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn<'a> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn<'a> {
        self.0.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn<'a> {
        self.0.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn<'a> {
        self.0.fill_polygon(vert, style)
    }
    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Drawn<'a> {
        self.0.blit_bitmap(pos, size, src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Drawn<'a> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let size = style.size() as f32;
        let (pixels, x) = glyph_pixels(text, size);
        // The box plotters measured the text with (see ab_glyph's estimate_layout).
        let (width, height) = (x as i32, (f64::from(size) / 1.24) as i32);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        for (px, py, cover) in pixels {
            let (tx, ty) = trans.transform(px + dx, py + dy);
            let (x, y) = (pos.0 + tx, pos.1 + ty);
            if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                let shade = BackendColor {
                    alpha: color.alpha * f64::from(cover.min(1.0)),
                    rgb: color.rgb,
                };
                self.0.draw_pixel((x, y), shade)?;
            }
        }
        Ok(())
    }
}
