//! Writes the full-size Net1D (model-spec §2, 30.7 M parameters) with seeded random weights as
//! a model file, with the demonstration model's recipe and cut-offs: for the campaign
//! throughput benchmark (`scripts/bench-campaign.sh`). Its numbers mean nothing; its card says
//! so. A benchmark tool, not a model.
//!
//! Usage: `cargo run --release --example seeded_model -- OUT.safetensors`

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use ecg_stenosis::model::metadata::Architecture;
    use ecg_stenosis::model::state::StoredDtype;
    use ecg_stenosis::model::{ModelFile, Net1dConfig, Runner};

    let out = std::env::args().nth(1).ok_or("usage: OUT.safetensors")?;
    let demo = ModelFile::from_path(std::path::Path::new("www/models/demo.safetensors"))?;
    let config = Net1dConfig::ecgfounder(4);
    let runner = Runner::cpu("seeded model");
    let net = runner.init_net(&config, 1)?;
    let mut metadata = demo.metadata().clone();
    metadata.name = "seeded full-size Net1D (random weights, benchmark only)".into();
    metadata.version = "seed-1".into();
    metadata.architecture = Architecture::from(&config);
    metadata.card.demonstration = true;
    metadata.card.training_data = "none: seeded random weights".into();
    metadata.card.intended_use = "speed and memory benchmarks only".into();
    metadata.card.disclaimer =
        "Random weights for benchmarks: these numbers mean nothing about any patient.".into();
    metadata.card.metrics = serde_json::Value::Null;
    let file = ModelFile::from_net(&net, metadata)?;
    std::fs::write(&out, file.to_safetensors(StoredDtype::F32)?)?;
    eprintln!("wrote {out} ({} parameters)", file.parameter_count());
    Ok(())
}
