//! Drawing an [`Ecg`](crate::ecg::Ecg) onto any plotters drawing area: an HTML canvas in the
//! page (through the backend in `web`), SVG in native tests and on the command line.
//!
//! One drawing, the ECG sheet ([`sheet`]): millimetre paper at a chosen speed and gain, a
//! calibration pulse per row, the standard 3 × 4 layout with a rhythm strip or 12 × 1, lead
//! labels, derived leads marked, the filters stated, and optionally a saliency overlay and
//! quality flags; plus the median beat of every lead on the same paper.

pub mod sheet;

pub use sheet::{
    BeatPanel, Layout, LeadFlag, Overlay, Paper, SheetLayout, SheetOptions, SheetPanel,
    draw_median_beats, draw_sheet, layout,
};

/// The drawing backend refused an operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("drawing failed: {message}")]
pub struct RenderError {
    /// The backend's own words.
    pub message: String,
}
