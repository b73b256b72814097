//! Full-size Net1D forward pass (model-spec §2: 30.7 M parameters, one 12 × 5000 ECG), native:
//! the CPU backend and, built with `--features webgpu`, the GPU through wgpu. Prints one
//! `BENCH|...` line per backend and the model-file sizes; `scripts/bench-model.sh` runs it with
//! the browser half and prints the table. A benchmark, not a test: nothing here can fail on
//! timing.

// Native only (files, clocks, blocking waits); `cargo clippy --all-targets` also builds the
// examples for wasm32, where this is an empty program.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::time::Instant;

    use ecg_stenosis::model::metadata::{
        Architecture, Card, InputSpec, ModelMetadata, Preprocessing,
    };
    use ecg_stenosis::model::runner::block_on;
    use ecg_stenosis::model::state::StoredDtype;
    use ecg_stenosis::model::{BackendKind, BackendPreference, ModelFile, Net1dConfig, Runner};

    const WARM_UP: usize = 2;

    fn runs() -> usize {
        std::env::var("BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(7)
    }

    fn input() -> Vec<f32> {
        (0..12 * 5000)
            .map(|i| ((i % 5000) as f32 * 0.013 + (i / 5000) as f32).sin())
            .collect()
    }

    fn median(mut times: Vec<f64>) -> f64 {
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    }

    fn bench(label: &str, runner: &Runner, config: &Net1dConfig) {
        // As a Session runs it: BatchNorm folded, and on the CPU the packed pass.
        let net = runner.prepare(
            runner
                .init_net(config, 1)
                .expect("valid configuration")
                .folded(),
        );
        for _ in 0..WARM_UP {
            block_on(runner.forward_prepared(&net, input(), [1, 12, 5000])).expect("forward");
        }
        let times: Vec<f64> = (0..runs())
            .map(|_| {
                let start = Instant::now();
                block_on(runner.forward_prepared(&net, input(), [1, 12, 5000])).expect("forward");
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        let detail = runner
            .info()
            .adapter
            .clone()
            .unwrap_or_else(|| "flex".into());
        println!(
            "BENCH|{label}|{detail}|{:.1}|{min:.1}|{}",
            median(times.clone()),
            times.len()
        );
    }

    pub fn main() {
        let config = Net1dConfig::ecgfounder(4);
        bench("native cpu", &Runner::cpu("benchmark"), &config);
        // Any adapter, software ones included (Runner::probe would pass those over).
        let gpu = block_on(Runner::choose(BackendPreference::Gpu))
            .unwrap_or_else(|e| Runner::cpu(e.to_string()));
        if gpu.info().kind == BackendKind::WebGpu {
            bench("native gpu (wgpu)", &gpu, &config);
        } else {
            println!(
                "BENCH-SKIPPED|native gpu (wgpu)|{}",
                gpu.info().cpu_reason.as_deref().unwrap_or("no adapter")
            );
        }

        // Parameter count and file sizes of this configuration, as `convert` would write them.
        let cpu = Runner::cpu("sizes");
        let net = cpu.init_net(&config, 1).expect("valid configuration");
        let metadata = ModelMetadata {
            format_version: 1,
            name: "benchmark".into(),
            version: "0".into(),
            architecture: Architecture::from(&config),
            outputs: ["RCA", "LM", "LAD", "LCX"].map(String::from).to_vec(),
            input: InputSpec {
                sample_rate_hz: 500.0,
                samples: 5000,
                leads: ecg_stenosis::ecg::Lead::ALL
                    .iter()
                    .map(|l| l.name().to_string())
                    .collect(),
                preprocessing: Preprocessing::PerLeadZscore,
                extra: Default::default(),
            },
            thresholds: Default::default(),
            recalibration: Default::default(),
            card: Card {
                intended_use: "benchmark".into(),
                training_data: "none".into(),
                metrics: serde_json::Value::Null,
                demonstration: true,
                disclaimer: "random weights".into(),
                extra: Default::default(),
            },
            clinical_context: None,
            extra: Default::default(),
        };
        let file = ModelFile::from_net(&net, metadata).expect("the network's own weights fit");
        for dtype in [StoredDtype::F32, StoredDtype::F16] {
            let bytes = file.to_safetensors(dtype).expect("writable");
            println!(
                "SIZE|{}|{}|{}",
                dtype.name(),
                file.parameter_count(),
                bytes.len()
            );
        }
    }
}
