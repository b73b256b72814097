//! The network and where it runs: Net1D built from configuration ([`net1d`]), model files
//! ([`mod@file`], [`metadata`], [`state`]), the single backend decision ([`runner`]) and the
//! CPU forward pass with packed weights ([`packed`]).

pub mod file;
pub mod metadata;
pub mod net1d;
pub mod packed;
#[cfg(not(target_arch = "wasm32"))]
pub mod pytorch;
pub mod runner;
pub mod seeded;
pub mod state;

pub use file::{ModelFile, ModelFileError, ModelWarning, TensorProblem};
pub use metadata::{ModelMetadata, Preprocessing, Recalibration, Stratum, Thresholds};
pub use net1d::{ConfigError, Net1d, Net1dConfig};
pub use runner::{BackendInfo, BackendKind, BackendPreference, PreparedNet, RunError, Runner};
