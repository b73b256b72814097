//! The paper every drawing shares: colours, the 1 mm / 5 mm grid, text, and the samples a
//! trace shows. Geometry is in millimetres; `k` is device pixels per millimetre.

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::element::PathElement;
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::{IntoFont, RGBAColor, RGBColor, ShapeStyle, TextStyle};

use super::RenderError;
use super::layout::BASELINE_HZ;
use crate::ecg::{Ecg, Lead};
use crate::signal::Iir;

pub(crate) const PAPER: RGBColor = RGBColor(255, 255, 255);
pub(crate) const GRID_MINOR: RGBColor = RGBColor(246, 205, 205);
pub(crate) const GRID_MAJOR: RGBColor = RGBColor(226, 140, 140);
pub(crate) const TRACE: RGBColor = RGBColor(0, 0, 0);
pub(crate) const TEXT: RGBColor = RGBColor(30, 30, 30);
/// Outline of a lead the quality check flags; the flag is also written in words.
pub(crate) const FLAG: RGBColor = RGBColor(176, 64, 0);
/// Saliency shading: this colour, more opaque where the attribution is larger.
pub const SALIENCY: RGBColor = RGBColor(0, 110, 220);
/// Opacity of the shading at the largest attribution.
pub const SALIENCY_MAX_ALPHA: f64 = 0.55;

/// A drawing backend's refusal as our error.
pub(crate) fn fail<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> RenderError {
    RenderError {
        message: e.to_string(),
    }
}

/// Millimetres of paper as device pixels.
pub(crate) fn px(mm: f64, k: f64) -> i32 {
    (mm * k).round() as i32
}

/// A line `mm` millimetres wide, at least `min_px` pixels.
pub(crate) fn stroke(colour: &RGBColor, mm: f64, k: f64, min_px: f64) -> ShapeStyle {
    ShapeStyle::from(colour).stroke_width((mm * k).round().max(min_px) as u32)
}

/// The saliency shading at weight `w` (0–1; more is drawn as 1).
pub(crate) fn shade(w: f64) -> ShapeStyle {
    ShapeStyle::from(&RGBAColor(
        SALIENCY.0,
        SALIENCY.1,
        SALIENCY.2,
        SALIENCY_MAX_ALPHA * w.min(1.0),
    ))
    .filled()
}

/// Text at `px` pixels, at least 6.
pub(crate) fn font(px: f64) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", px.round().max(6.0)).into_font()).color(&TEXT)
}

/// The grid over a rectangle of paper (`left`, `top`, `right`, `bottom` in mm): a 5 mm line
/// every fifth millimetre counted from the rectangle's left and top edges, so margins are
/// whole squares, and a 1 mm line at the others where there are at least 2 pixels per
/// millimetre (below that they would merge into a tint). Minor lines first, so the major
/// ones lie on top.
pub(crate) fn draw_grid<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    k: f64,
    [left, top, right, bottom]: [f64; 4],
) -> Result<(), RenderError> {
    let minor = k >= 2.0;
    let thin = ShapeStyle::from(&GRID_MINOR).stroke_width(1);
    let thick = ShapeStyle::from(&GRID_MAJOR).stroke_width((k / 4.0).round().max(1.0) as u32);
    for major in [false, true] {
        if !major && !minor {
            continue;
        }
        let style = if major { thick } else { thin };
        let lines = |from: f64, to: f64| {
            (0..)
                .map(move |i| (i, from + f64::from(i)))
                .take_while(move |&(_, mm)| mm <= to + 1e-9)
                .filter(move |&(i, _)| (i % 5 == 0) == major)
                .map(|(_, mm)| mm)
        };
        for mm in lines(left, right) {
            let points = vec![(px(mm, k), px(top, k)), (px(mm, k), px(bottom, k))];
            area.draw(&PathElement::new(points, style)).map_err(fail)?;
        }
        for mm in lines(top, bottom) {
            let points = vec![(px(left, k), px(mm, k)), (px(right, k), px(mm, k))];
            area.draw(&PathElement::new(points, style)).map_err(fail)?;
        }
    }
    Ok(())
}

/// The samples drawn for `lead`: the record's own, high-passed for display when asked.
pub(crate) fn display_samples(ecg: &Ecg, lead: Lead, baseline_filter: bool) -> Option<Vec<f64>> {
    let signal = ecg.lead(lead)?;
    let raw: Vec<f64> = signal.samples_uv.iter().map(|&v| f64::from(v)).collect();
    if !baseline_filter {
        return Some(raw);
    }
    let filtered = Iir::butter_highpass(2, BASELINE_HZ, ecg.sample_rate_hz())
        .ok()
        .and_then(|filter| filter.filtfilt(&raw).ok());
    // Too short a record for the filter's padding: drawn as recorded (the sheet says
    // the display filter is on; the difference on a record under a second is the offset).
    Some(filtered.unwrap_or(raw))
}
