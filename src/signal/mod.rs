//! Signal processing on parsed ECGs: filters, resampling, lead derivation, the model input,
//! beats and quality.
//!
//! Everything numeric runs in f64 and follows a public reference whose semantics it copies
//! (scipy's `filtfilt`, `medfilt`, `resample_poly`, `butter`, `iirnotch`); the tests compare
//! against values those produced.

pub mod beats;
pub mod iir;
pub mod median;
pub mod preprocess;
pub mod quality;
pub mod resample;

pub use iir::{FilterError, Iir};
pub use preprocess::{InputShape, ModelInput, PrepareError, Preprocessing, WindowOptions, prepare};
pub use resample::{Ratio, ResampleError, Resampler};
