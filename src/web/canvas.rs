//! A plotters drawing backend for an `OffscreenCanvas` 2D context.
//!
//! The page hands its canvas to the Web Worker (`transferControlToOffscreen`), so drawing
//! happens where the wasm instance lives, off the main thread. plotters-canvas only knows
//! `HtmlCanvasElement`, and plotters' own text measurement on wasm needs a `document`, which a
//! worker does not have: this backend draws and measures text with the canvas itself.

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use wasm_bindgen::JsCast;
use web_sys::{OffscreenCanvas, OffscreenCanvasRenderingContext2d};

/// The canvas refused an operation; the message is the browser's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("canvas: {0}")]
pub struct CanvasError(pub String);

/// Draws onto an `OffscreenCanvas` through its 2D context.
pub struct OffscreenBackend {
    context: OffscreenCanvasRenderingContext2d,
    size: (u32, u32),
}

impl OffscreenBackend {
    /// Takes the canvas's 2D context; the canvas keeps its current size.
    pub fn new(canvas: &OffscreenCanvas) -> Result<Self, CanvasError> {
        let context = canvas
            .get_context("2d")
            .map_err(|e| CanvasError(format!("{e:?}")))?
            .ok_or_else(|| CanvasError("no 2D context (is it already used for WebGL?)".into()))?
            .dyn_into::<OffscreenCanvasRenderingContext2d>()
            .map_err(|_| CanvasError("the context is not a 2D context".into()))?;
        context.set_line_join("round");
        context.set_line_cap("round");
        Ok(Self {
            context,
            size: (canvas.width(), canvas.height()),
        })
    }

    fn stroke_with<S: BackendStyle>(&self, style: &S) {
        self.context.set_stroke_style_str(&css_color(style.color()));
        self.context.set_line_width(f64::from(style.stroke_width()));
    }
}

fn css_color(color: BackendColor) -> String {
    let (r, g, b) = color.rgb;
    format!("rgba({r},{g},{b},{})", color.alpha)
}

/// Odd line widths look sharp only on half-pixel centres.
fn centre(coord: BackendCoord, width: u32) -> (f64, f64) {
    let offset = if width % 2 == 1 { 0.5 } else { 0.0 };
    (f64::from(coord.0) + offset, f64::from(coord.1) + offset)
}

type Failure = DrawingErrorKind<CanvasError>;

impl DrawingBackend for OffscreenBackend {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), Failure> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), Failure> {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Failure> {
        if color.alpha > 0.0 {
            self.context.set_fill_style_str(&css_color(color));
            self.context
                .fill_rect(f64::from(point.0), f64::from(point.1), 1.0, 1.0);
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Failure> {
        self.draw_path([from, to], style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let (x0, y0) = (f64::from(upper_left.0), f64::from(upper_left.1));
        let (w, h) = (
            f64::from(bottom_right.0 - upper_left.0),
            f64::from(bottom_right.1 - upper_left.1),
        );
        if fill {
            self.context.set_fill_style_str(&css_color(style.color()));
            self.context.fill_rect(x0, y0, w, h);
        } else {
            self.stroke_with(style);
            let (x, y) = centre(upper_left, style.stroke_width());
            self.context.stroke_rect(x, y, w, h);
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Failure> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let width = style.stroke_width();
        let mut points = path.into_iter();
        let Some(first) = points.next() else {
            return Ok(());
        };
        self.context.begin_path();
        let (x, y) = centre(first, width);
        self.context.move_to(x, y);
        for point in points {
            let (x, y) = centre(point, width);
            self.context.line_to(x, y);
        }
        self.stroke_with(style);
        self.context.stroke();
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Result<(), Failure> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let mut points = vertices.into_iter();
        let Some(first) = points.next() else {
            return Ok(());
        };
        self.context.begin_path();
        self.context.move_to(f64::from(first.0), f64::from(first.1));
        for point in points {
            self.context.line_to(f64::from(point.0), f64::from(point.1));
        }
        self.context.close_path();
        self.context.set_fill_style_str(&css_color(style.color()));
        self.context.fill();
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        centre_point: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        self.context.begin_path();
        self.context
            .arc(
                f64::from(centre_point.0),
                f64::from(centre_point.1),
                f64::from(radius),
                0.0,
                std::f64::consts::TAU,
            )
            .map_err(|e| DrawingErrorKind::DrawingError(CanvasError(format!("{e:?}"))))?;
        if fill {
            self.context.set_fill_style_str(&css_color(style.color()));
            self.context.fill();
        } else {
            self.stroke_with(style);
            self.context.stroke();
        }
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Failure> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.context.set_font(&css_font(style));
        self.context.set_text_align(match style.anchor().h_pos {
            HPos::Left => "left",
            HPos::Center => "center",
            HPos::Right => "right",
        });
        self.context.set_text_baseline(match style.anchor().v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        });
        self.context.set_fill_style_str(&css_color(color));
        self.context
            .fill_text(text, f64::from(pos.0), f64::from(pos.1))
            .map_err(|e| DrawingErrorKind::DrawingError(CanvasError(format!("{e:?}"))))
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Failure> {
        self.context.set_font(&css_font(style));
        let metrics = self
            .context
            .measure_text(text)
            .map_err(|e| DrawingErrorKind::DrawingError(CanvasError(format!("{e:?}"))))?;
        Ok((metrics.width().ceil() as u32, style.size().ceil() as u32))
    }
}

fn css_font<T: BackendTextStyle>(style: &T) -> String {
    format!(
        "{} {}px {}",
        style.style().as_str(),
        style.size(),
        style.family().as_str()
    )
}
