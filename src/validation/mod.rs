//! Local validation and site calibration: a site's labels file against the model's
//! predictions (a run of the model, or a campaign's table), the report of
//! [`report::validation_report`] with its plots and `report.html`, and new cut-offs (optionally
//! a recalibration) written into a model file's metadata by [`calibrate::calibrate`]. The same
//! code at the command line (`evaluate`, `calibrate`) and in the page's campaign view; nothing
//! here reads a file or the network.

pub mod calibrate;
pub mod context;
pub mod evidence;
pub mod html;
pub mod plots;
pub mod report;
pub mod table;

pub use calibrate::{Targets, calibrate};
pub use context::{ContextValidation, Reclassified, context_validation};
pub use evidence::Evidence;
pub use html::report_html;
pub use plots::{Plot, plot_svg};
pub use report::{ReportOptions, ValidationReport, cases, validation_report};
pub use table::{
    ContextRow, ContextTable, Labels, Matched, Prediction, PredictionTable, TableError,
    match_labels, parse_context, parse_labels, parse_predictions,
};
