//! # ecg-stenosis
//!
//! Screens a resting 12-lead ECG for severe coronary stenosis, vessel by vessel (RCA, LM, LAD,
//! LCX), with the Net1D network of ECGFounder (Xiao et al., arXiv 2512.05136), entirely on the
//! user's device: in the browser (WebAssembly, WebGPU or CPU) or from the native command line.
//! It is a screening aid for research, not a diagnosis.
//!
//! ## Conventions
//!
//! - Amplitudes are microvolts (`_uv`) once a file is read; digital ADC values never leave
//!   [`formats`]. Times are seconds (`_secs`), rates hertz (`_hz`), positions `sample_index`.
//! - Lead order is [`ecg::Lead::ALL`]: I, II, III, aVR, aVL, aVF, V1–V6 (model-spec §1).
//! - Errors are typed per module, say whose fault they are (`kind()`) and where (line, byte
//!   offset, lead). Patient identifiers never appear in errors or logs.
//!
//! ## Modules
//!
//! Data flows from [`formats`] (bytes → [`ecg::Ecg`]) through [`signal`] (the model input,
//! beats, quality) and [`model`] (Net1D on the backend [`model::Runner`] chose) to
//! [`pipeline`] (one [`pipeline::Session`] gives a [`pipeline::Report`] per record and
//! saliency maps from [`saliency`]); [`render`] draws a record. Which module may use which is
//! written once, in ARCHITECTURE.md's module table, and a test holds the code to it.

#![warn(missing_docs)]

// The browser build needs WebAssembly SIMD: .cargo/config.toml passes `+simd128`; a RUSTFLAGS
// that replaces it would ship a module about three times slower (issue 19), so say so here.
#[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
compile_error!(
    "build for wasm32 with `-C target-feature=+simd128` (.cargo/config.toml sets it; a RUSTFLAGS \
     variable replaces that setting: add the flag to it)"
);

pub mod clinical;
pub mod clock;
pub mod ecg;
pub mod evaluation;
pub mod formats;
pub mod model;
pub mod pipeline;
pub mod render;
pub mod rng;
pub mod saliency;
pub mod signal;
pub mod synth;
#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
pub mod train;
pub mod validation;

#[cfg(target_arch = "wasm32")]
pub mod web;
