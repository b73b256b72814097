//! Native GPU parity (issue 3): the PyTorch goldens of tests/fixtures/model/ (small
//! configuration, use_bn true and false, L = 5000 and 4999) on the wgpu backend, and the
//! full-size configuration with seeded weights, GPU against this crate's CPU backend (which
//! `tools/parity_full.sh` ties to PyTorch). Needs `--features webgpu` and a GPU adapter; without
//! one it prints the reason and exits 2. Tolerance 1e-3 (issue 3's WebGPU bound).
//!
//! `cargo run --release --features webgpu --example wgpu_parity` (from the repository root)

// Native only (files, clocks, blocking waits); `cargo clippy --all-targets` also builds the
// examples for wasm32, where this is an empty program.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use ecg_stenosis::formats::{Limits, read_npy_f32};
    use ecg_stenosis::model::runner::block_on;
    use ecg_stenosis::model::{BackendKind, BackendPreference, ModelFile, Net1dConfig, Runner};

    const TOLERANCE: f64 = 1e-3;
    /// Run from the repository root (the binary may have been built elsewhere).
    const DIR: &str = "tests/fixtures/model";

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(format!("{DIR}/{name}"))
            .unwrap_or_else(|e| panic!("{DIR}/{name}: {e} (run from the repository root)"))
    }

    pub fn main() -> std::process::ExitCode {
        // Any adapter, software ones included (Runner::probe would pass those over).
        let gpu = block_on(Runner::choose(BackendPreference::Gpu))
            .unwrap_or_else(|e| Runner::cpu(e.to_string()));
        if gpu.info().kind != BackendKind::WebGpu {
            println!(
                "skipped: no GPU adapter ({})",
                gpu.info().cpu_reason.as_deref().unwrap_or("?")
            );
            return std::process::ExitCode::from(2);
        }
        println!("adapter: {}", gpu.info().adapter.as_deref().unwrap_or("?"));
        let golden: serde_json::Value =
            serde_json::from_slice(&read("golden-logits.json")).expect("JSON");
        let npy = read_npy_f32(&read("golden-input.npy"), &Limits::default()).expect("npy");
        let mut worst = 0.0f64;
        for (key, file) in [
            ("bn", "golden-bn.safetensors"),
            ("nobn", "golden-nobn.safetensors"),
        ] {
            let model = ModelFile::from_bytes(&read(file)).expect("model");
            let net = model.build(gpu.device()).expect("build");
            for samples in [5000usize, 4999] {
                let x: Vec<f32> = npy
                    .values
                    .chunks(5000)
                    .flat_map(|lead| lead[..samples].to_vec())
                    .collect();
                let ours = block_on(gpu.forward(&net, x, [2, 12, samples])).expect("forward");
                let diff = ours
                    .iter()
                    .zip(
                        golden[key][samples.to_string()]
                            .as_array()
                            .unwrap()
                            .iter()
                            .flat_map(|r| r.as_array().unwrap().iter()),
                    )
                    .map(|(a, b)| (f64::from(*a) - b.as_f64().unwrap()).abs())
                    .fold(0.0, f64::max);
                println!("golden {key} L={samples} on GPU vs PyTorch: max |Δlogit| = {diff:.3e}");
                worst = worst.max(diff);
            }
        }
        let cpu = Runner::cpu("reference");
        let config = Net1dConfig::ecgfounder(4);
        let x: Vec<f32> = (0..2 * 12 * 5000)
            .map(|i| ((i % 5000) as f32 * 0.011 + (i / 5000) as f32 * 0.7).sin())
            .collect();
        for use_bn in [true, false] {
            let config = Net1dConfig {
                use_bn,
                ..config.clone()
            };
            let on_gpu = gpu.init_net(&config, 3).expect("net");
            let on_cpu = cpu.init_net(&config, 3).expect("net");
            let a = block_on(gpu.forward(&on_gpu, x.clone(), [2, 12, 5000])).expect("forward");
            let b = block_on(cpu.forward(&on_cpu, x.clone(), [2, 12, 5000])).expect("forward");
            let diff = a
                .iter()
                .zip(&b)
                .map(|(p, q)| f64::from((p - q).abs()))
                .fold(0.0, f64::max);
            println!("full size use_bn={use_bn} GPU vs CPU: max |Δlogit| = {diff:.3e}");
            worst = worst.max(diff);
        }
        println!("worst: {worst:.3e} (tolerance {TOLERANCE:e})");
        if worst <= TOLERANCE {
            std::process::ExitCode::SUCCESS
        } else {
            std::process::ExitCode::FAILURE
        }
    }
}
