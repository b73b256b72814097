//! Helpers the integration tests share.

pub mod fuzz_input;

use ecg_stenosis::model::{ModelFile, Runner};
use ecg_stenosis::pipeline::Session;

/// The demonstration model the page ships.
pub const DEMO: &[u8] = include_bytes!("../../../www/models/demo.safetensors");

/// The demonstration model on the CPU backend.
pub fn demo() -> Session {
    let file = ModelFile::from_bytes(DEMO).expect("the shipped model loads");
    Session::new(file, Runner::cpu("tests")).expect("the shipped model builds")
}
