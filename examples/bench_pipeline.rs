//! The native half of `scripts/bench-pipeline.sh`: the pipeline and saliency per ECG with the
//! demonstration model on the CPU backend (benches/common/pipeline_bench.rs). A benchmark, not a
//! test: nothing here can fail on timing.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[path = "../benches/common/pipeline_bench.rs"]
mod common;

#[cfg(not(target_arch = "wasm32"))]
fn println_bench(line: &str) {
    println!("{line}");
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use ecg_stenosis::model::Runner;
    use ecg_stenosis::model::runner::block_on;
    let runs = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(9);
    let runner = Runner::cpu("benchmark");
    block_on(common::bench("native cpu", &runner, runs, 3));
    full_size_ratio(&runner);
}

/// Input × gradient ÷ forward on the full-size network (model-spec §2, 30.7 M parameters,
/// seeded weights), native CPU: median of 3 after one warm-up each.
#[cfg(not(target_arch = "wasm32"))]
fn full_size_ratio(runner: &ecg_stenosis::model::Runner) {
    use ecg_stenosis::model::Net1dConfig;
    use ecg_stenosis::model::runner::block_on;
    use std::time::Instant;
    let net = runner
        .init_net(&Net1dConfig::ecgfounder(4), 1)
        .expect("valid configuration")
        .folded();
    let x: Vec<f32> = (0..12 * 5000)
        .map(|i| ((i % 5000) as f32 * 0.013 + (i / 5000) as f32).sin())
        .collect();
    let median = |f: &dyn Fn()| {
        f();
        let mut times: Vec<f64> = (0..3)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[1]
    };
    // The forward pass as a Session runs it (weights packed on the CPU: Runner::prepare).
    let prepared = runner.prepare(net.clone());
    let forward = median(&|| {
        block_on(runner.forward_prepared(&prepared, x.clone(), [1, 12, 5000])).expect("forward");
    });
    let gradient = median(&|| {
        block_on(runner.input_gradient(&net, x.clone(), [1, 12, 5000], 0)).expect("gradient");
    });
    println!("BENCH|native cpu|flex, full-size Net1D (30.7 M)|forward pass|{forward:.1}|–|3");
    println!("BENCH|native cpu|flex, full-size Net1D (30.7 M)|input gradient|{gradient:.1}|–|3");
    println!(
        "RATIO|native cpu|flex, full-size Net1D (30.7 M)|{:.2}",
        gradient / forward
    );
    // Integrated gradients, 32 steps, batched by saliency::GRADIENT_BATCH: one run (it takes
    // seconds), after the warm-ups above.
    let start = Instant::now();
    block_on(ecg_stenosis::saliency::attribute(
        runner,
        &net,
        &x,
        12,
        0,
        ecg_stenosis::saliency::Method::IntegratedGradients { steps: 32 },
        &mut |_, _| {},
    ))
    .expect("integrated gradients");
    let integrated = start.elapsed().as_secs_f64() * 1000.0;
    println!(
        "BENCH|native cpu|flex, full-size Net1D (30.7 M)|integrated gradients, 32 steps|{integrated:.1}|–|1"
    );
    println!(
        "IG-RATIO|native cpu|flex, full-size Net1D (30.7 M)|{:.2}",
        integrated / forward
    );
}
