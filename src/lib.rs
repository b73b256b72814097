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
//! ## Modules (data flows top to bottom)
//!
//! | module | does | may use |
//! |---|---|---|
//! | [`ecg`] | domain types: [`ecg::Ecg`], [`ecg::Lead`], [`ecg::Warning`] | – |
//! | [`formats`] | bytes → `Ecg` | `ecg` |
//! | [`signal`] | filters, resampling, lead derivation, the model input, beats, quality | `ecg` |
//! | [`model`] | Net1D, model files and the backend [`model::Runner`] | `ecg` |
//! | [`pipeline`] | record → quality gate → model input by the file's recipe → probabilities, strata, report; saliency on request | `formats`, `signal`, `model`, `saliency` |
//! | [`saliency`] | per-vessel attribution maps (input × gradient, integrated gradients, SmoothGrad), lead and phase shares | `model`, `synth` (its seeded RNG) |
//! | [`clock`] | milliseconds for stage timings, natively and in the browser | – |
//! | [`render`] | draws an `Ecg` onto any plotters drawing area | `ecg` |
//! | [`synth`] | seeded synthetic ECGs with territorial patterns (demonstration data, tests) | `ecg` |
//! | `train` (feature `train`) | trains and evaluates the demonstration model | `synth`, `signal`, `model`, `evaluation` |
//! | [`evaluation`] | AUC with bootstrap CI, Brier score, reliability, strata cut-offs | `synth` (its seeded RNG) |
//! | `web` (wasm32 only) | the JavaScript API of the page | everything above |

#![warn(missing_docs)]

pub mod clock;
pub mod ecg;
pub mod evaluation;
pub mod formats;
pub mod model;
pub mod pipeline;
pub mod render;
pub mod saliency;
pub mod signal;
pub mod synth;
#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod web;
