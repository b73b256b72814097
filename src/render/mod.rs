//! Drawing an [`Ecg`] onto any plotters drawing area: an HTML canvas in the page (through the
//! backend in `web`), SVG in native tests and on the command line.
//!
//! Today one layout: the leads stacked one per row in canonical order, a shared time axis with
//! a light grid every 0.2 s and a darker line every second, and one fixed gain for every lead so
//! that amplitudes compare across leads. The calibrated ECG-paper sheet is a later layout.

use plotters::coord::Shift;
use plotters::element::{PathElement, Rectangle, Text};
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{IntoFont, RGBColor, ShapeStyle, TextStyle};

use crate::ecg::{Ecg, Lead};

/// Paper colour behind the traces.
pub const BACKGROUND: RGBColor = RGBColor(255, 255, 255);
/// Trace colour: black on white, as on ECG paper.
pub const TRACE: RGBColor = RGBColor(0, 0, 0);
const GRID_MINOR: RGBColor = RGBColor(248, 215, 215);
const GRID_MAJOR: RGBColor = RGBColor(235, 160, 160);
const LABEL: RGBColor = RGBColor(40, 40, 40);

/// How to draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawOptions {
    /// Seconds of signal shown from the start (the record's own length if shorter).
    pub duration_secs: f64,
    /// Millivolts from a row's centre to its edge; larger deflections are clipped at the edge.
    pub half_range_mv: f64,
    /// Device pixels per CSS pixel, so lines and labels keep their size on high-DPI screens.
    pub pixel_ratio: f64,
}

impl Default for DrawOptions {
    fn default() -> Self {
        Self {
            duration_secs: 10.0,
            half_range_mv: 1.5,
            pixel_ratio: 1.0,
        }
    }
}

/// Where one lead's trace was drawn, in backend pixels (for tests and for overlays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panel {
    /// The lead drawn there.
    pub lead: Lead,
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// The drawing backend refused an operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("drawing failed: {message}")]
pub struct RenderError {
    /// The backend's own words.
    pub message: String,
}

/// Draws the record's leads stacked in canonical order; returns each trace's panel.
pub fn draw_leads<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    ecg: &Ecg,
    options: &DrawOptions,
) -> Result<Vec<Panel>, RenderError> {
    let fail = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| RenderError {
        message: e.to_string(),
    };
    area.fill(&BACKGROUND).map_err(fail)?;

    let mut leads: Vec<_> = ecg.leads().iter().collect();
    leads.sort_by_key(|signal| signal.lead);
    let (width, height) = area.dim_in_pixel();
    let ratio = options.pixel_ratio.max(0.5);
    let label_width = (56.0 * ratio) as i32;
    let margin = (8.0 * ratio) as i32;
    let rows = leads.len().max(1) as i32;
    let row_height = (height as i32 - 2 * margin) / rows;
    let trace_width = width as i32 - label_width - margin;
    if row_height < 4 || trace_width < 16 {
        return Err(RenderError {
            message: format!("a {width}×{height} canvas is too small for {rows} leads"),
        });
    }

    let rate = ecg.sample_rate_hz();
    let shown = ((options.duration_secs * rate).round() as usize).min(ecg.samples_per_lead());
    let duration_secs = shown as f64 / rate;
    let px_per_sec = trace_width as f64 / options.duration_secs.max(duration_secs);
    let px_per_uv = (row_height as f64 / 2.0) / (options.half_range_mv * 1000.0);

    let line =
        |color: &RGBColor, w: f64| ShapeStyle::from(color).stroke_width(w.round().max(1.0) as u32);
    let font_px = (13.0 * ratio).round();
    let label_style = TextStyle::from(("sans-serif", font_px).into_font())
        .color(&LABEL)
        .pos(Pos::new(HPos::Left, VPos::Center));

    let mut panels = Vec::with_capacity(leads.len());
    for (row, signal) in leads.iter().enumerate() {
        let top = margin + row as i32 * row_height;
        let centre = top + row_height / 2;
        let x0 = label_width;

        // Grid: minor every 0.2 s, major every 1 s, and the row's zero line.
        let steps = (duration_secs.max(options.duration_secs) / 0.2).floor() as i32;
        for step in 0..=steps {
            let x = x0 + (step as f64 * 0.2 * px_per_sec).round() as i32;
            let style = if step % 5 == 0 {
                line(&GRID_MAJOR, ratio)
            } else {
                line(&GRID_MINOR, ratio)
            };
            area.draw(&PathElement::new(
                vec![(x, top), (x, top + row_height)],
                style,
            ))
            .map_err(fail)?;
        }
        area.draw(&PathElement::new(
            vec![(x0, centre), (x0 + trace_width, centre)],
            line(&GRID_MINOR, ratio),
        ))
        .map_err(fail)?;
        area.draw(&Rectangle::new(
            [(x0, top), (x0 + trace_width, top + row_height)],
            line(&GRID_MAJOR, ratio),
        ))
        .map_err(fail)?;

        let mut label = signal.lead.name().to_string();
        if signal.derived {
            label.push('*');
        }
        area.draw(&Text::new(label, (margin, centre), label_style.clone()))
            .map_err(fail)?;

        let (low, high) = (top + 1, top + row_height - 1);
        let points: Vec<(i32, i32)> = signal.samples_uv[..shown]
            .iter()
            .enumerate()
            .map(|(i, &uv)| {
                let x = x0 + (i as f64 / rate * px_per_sec).round() as i32;
                let y = centre - (uv as f64 * px_per_uv).round() as i32;
                (x, y.clamp(low, high))
            })
            .collect();
        area.draw(&PathElement::new(points, line(&TRACE, 1.2 * ratio)))
            .map_err(fail)?;

        panels.push(Panel {
            lead: signal.lead,
            x: x0,
            y: top,
            width: trace_width as u32,
            height: row_height as u32,
        });
    }
    area.present().map_err(fail)?;
    Ok(panels)
}

// Natively only: the SVG backend is a native dependency (the browser test draws on a canvas).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::ecg::LeadSignal;
    use plotters::prelude::SVGBackend;

    fn record(leads: &[Lead]) -> Ecg {
        let signals = leads
            .iter()
            .map(|&lead| LeadSignal {
                lead,
                samples_uv: (0..5000)
                    .map(|i| ((i as f32) * 0.05).sin() * 800.0)
                    .collect(),
                derived: lead == Lead::III,
            })
            .collect();
        Ecg::new(signals, 500.0, vec![]).unwrap()
    }

    #[test]
    fn panels_are_stacked_in_canonical_order_inside_the_area() {
        let ecg = record(&[Lead::V1, Lead::I, Lead::III]);
        let mut svg = String::new();
        let panels = {
            let area = plotters::drawing::IntoDrawingArea::into_drawing_area(
                SVGBackend::with_string(&mut svg, (800, 600)),
            );
            draw_leads(&area, &ecg, &DrawOptions::default()).unwrap()
        };
        let order: Vec<Lead> = panels.iter().map(|p| p.lead).collect();
        assert_eq!(order, vec![Lead::I, Lead::III, Lead::V1]);
        for pair in panels.windows(2) {
            assert!(pair[0].y + pair[0].height as i32 <= pair[1].y);
        }
        let last = panels.last().unwrap();
        assert!(last.x + last.width as i32 <= 800 && last.y + last.height as i32 <= 600);
        assert!(svg.contains("III*"), "derived lead is marked");
        assert_eq!(
            svg.matches("<polyline").count(),
            3 + 3 * 52,
            "3 traces, 52 grid lines each"
        );
    }

    #[test]
    fn too_small_a_canvas_is_an_error() {
        let ecg = record(&Lead::ALL);
        let mut svg = String::new();
        let area = plotters::drawing::IntoDrawingArea::into_drawing_area(SVGBackend::with_string(
            &mut svg,
            (60, 30),
        ));
        assert!(draw_leads(&area, &ecg, &DrawOptions::default()).is_err());
    }
}
