//! Drawing an [`Ecg`](crate::ecg::Ecg) onto any plotters drawing area: an HTML canvas in the
//! page (through the backend in `web`), SVG in native tests and on the command line.
//!
//! One drawing, the ECG sheet ([`draw_sheet`], placed by [`layout`]): millimetre paper at a chosen speed and gain, a
//! calibration pulse per row, the standard 3 × 4 layout with a rhythm strip or 12 × 1, lead
//! labels, derived leads marked, the filters stated, and optionally a saliency overlay and
//! quality flags; plus the median beat of every lead on the same paper.

mod beats;
mod cohort;
mod histogram;
mod layout;
mod overlay;
mod paper;
mod sheet;

pub use beats::{BeatPanel, beats_size_mm, draw_median_beats};
pub use cohort::{BeatGrid, CohortPanel, MeanBeat, cohort_size_mm, draw_cohort};
pub use histogram::{HISTOGRAM_BINS, HistogramPanel, draw_histograms, histogram_counts};
pub use layout::{
    BASELINE_HZ, BOTTOM_MM, HEADER_MM, LEFT_MM, Layout, PULSE_SECS, Paper, RIGHT_MM, SHEET_SECS,
    SheetLayout, SheetOptions, SheetPanel, layout, sheet_width_mm,
};
pub use overlay::{LeadFlag, Overlay, quality_marks};
pub use paper::{SALIENCY, SALIENCY_MAX_ALPHA};
pub use sheet::draw_sheet;

/// The drawing backend refused an operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("drawing failed: {message}")]
pub struct RenderError {
    /// The backend's own words.
    pub message: String,
}
