//! The race of issue 19, native burn half: the full-size network of `tools/race_export.py`
//! (its `net.safetensors`, converted by `ecg-stenosis convert`) on the CPU backend as a
//! `Session` runs it (BatchNorm folded, weights packed: `Runner::prepare`), on the input
//! `x.npy`. Prints one
//! `RACE|runtime|threads|median ms|min ms|runs|max |Δlogit| vs PyTorch` line;
//! `scripts/bench-race.sh` runs it with `RAYON_NUM_THREADS=1` and `2`. A benchmark, not a test.
//!
//! Usage: `cargo run --release --example race_native -- WORK_DIR`

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::time::Instant;

    use ecg_stenosis::formats::{Limits, read_npy_f32};
    use ecg_stenosis::model::runner::block_on;
    use ecg_stenosis::model::{ModelFile, Runner};

    let work = std::path::PathBuf::from(std::env::args().nth(1).ok_or("usage: WORK_DIR")?);
    let model = ModelFile::from_path(&work.join("net.safetensors"))?;
    let npy = read_npy_f32(&std::fs::read(work.join("x.npy"))?, &Limits::default())?;
    let shape: [usize; 3] = npy.shape.as_slice().try_into()?;
    let reference: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("reference.json"))?)?;
    let reference: Vec<f64> = reference["logits"]
        .as_array()
        .ok_or("reference.json has no logits")?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    let runs: usize = std::env::var("RACE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(9);

    let runner = Runner::cpu("race");
    let net = runner.prepare(model.build(runner.device())?.folded());
    let forward = || block_on(runner.forward_prepared(&net, npy.values.clone(), shape));
    let logits = forward()?;
    let diff = logits
        .iter()
        .zip(&reference)
        .map(|(&a, b)| (f64::from(a) - b).abs())
        .fold(0.0, f64::max);
    forward()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        forward()?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all".into());
    println!(
        "RACE|ecg-stenosis, packed CPU pass (native)|{threads}|{:.1}|{:.1}|{runs}|{diff:.2e}",
        times[times.len() / 2],
        times[0]
    );
    Ok(())
}
