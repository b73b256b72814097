//! The native integration tests, linked once: each module is a chapter of the specification
//! (ARCHITECTURE.md, "Tests"), the helpers they share are in `common`.
#![cfg(not(target_arch = "wasm32"))]

mod architecture;
mod campaign;
mod cli;
mod clinical;
mod common;
mod demo_model;
mod hostile;
mod model_files;
mod ptbxl;
mod robustness;
mod saliency;
mod signal;
mod synth;
mod validation;
