//! The network and where it runs: Net1D built from configuration ([`net1d`]) and the single
//! backend decision ([`runner`]).

pub mod net1d;
pub mod runner;
pub mod seeded;

pub use net1d::{ConfigError, Net1d, Net1dConfig};
pub use runner::{BackendInfo, BackendKind, RunError, Runner};
