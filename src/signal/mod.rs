//! Signal processing on parsed ECGs: filters, resampling, lead derivation, the model input,
//! beats and quality.
//!
//! Everything numeric runs in f64 and follows a public reference whose semantics it copies
//! (scipy's `filtfilt`, `medfilt`, `resample_poly`, `butter`, `iirnotch`); the tests compare
//! against values those produced.

pub mod beats;
pub mod iir;
pub mod median;
pub mod placement;
pub mod preprocess;
pub mod quality;
pub mod resample;

pub use iir::{FilterError, Iir};
pub use preprocess::{InputShape, ModelInput, PrepareError, Preprocessing, WindowOptions, prepare};
pub use resample::{Ratio, ResampleError, Resampler};

/// A deterministic white noise in [-1, 1) for the tests (a linear congruential generator: the
/// same numbers on every platform).
#[cfg(test)]
pub(crate) fn test_noise(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}
