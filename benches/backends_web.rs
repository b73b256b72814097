//! Benchmark, not a test: burn-flex vs burn-ndarray (and WebGPU when there is an adapter) on the
//! same small Net1D in headless Chromium. Run by `scripts/bench-backends.sh`, which builds with
//! `--features webgpu,bench-ndarray` and prints the table; CI does not run it.
#![cfg(all(target_arch = "wasm32", feature = "bench-ndarray"))]

use ecg_stenosis::model::{BackendKind, Net1dConfig, Runner};
use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const WARMUP: usize = 2;
const RUNS: usize = 15;

fn now_ms() -> f64 {
    let performance = Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).unwrap();
    let now = Reflect::get(&performance, &JsValue::from_str("now")).unwrap();
    js_sys::Function::from(now)
        .call0(&performance)
        .unwrap()
        .as_f64()
        .unwrap()
}

async fn median_forward_ms(runner: &Runner, config: &Net1dConfig) -> (f64, f64, f64) {
    let net = runner.init_net(config, 5).unwrap();
    let input: Vec<f32> = (0..12 * 5000).map(|i| (i as f32 * 0.003).sin()).collect();
    for _ in 0..WARMUP {
        runner
            .forward(&net, input.clone(), [1, 12, 5000])
            .await
            .unwrap();
    }
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = now_ms();
        runner
            .forward(&net, input.clone(), [1, 12, 5000])
            .await
            .unwrap();
        times.push(now_ms() - start);
    }
    times.sort_by(f64::total_cmp);
    (times[RUNS / 2], times[0], times[RUNS - 1])
}

#[wasm_bindgen_test]
async fn bench_cpu_backends_on_small_net1d() {
    // The wgpu runtime initialises once per instance: probe once, reuse for both networks.
    let gpu = Runner::probe().await;
    for (label, config) in [
        ("Net1D small (16..256 ch, 14 blocks)", Net1dConfig::small(4)),
        ("Net1D tiny (16/32 ch, 2 blocks)", Net1dConfig::tiny(4)),
    ] {
        let mut runners = vec![
            ("flex", Runner::cpu("bench")),
            ("ndarray", Runner::ndarray_for_benchmark()),
        ];
        if gpu.info().kind == BackendKind::WebGpu {
            runners.push(("webgpu", gpu.clone()));
        }
        for (name, runner) in &runners {
            let (median, min, max) = median_forward_ms(runner, &config).await;
            console_log!("BENCH | {label} | {name} | {median:.1} | {min:.1} | {max:.1} | {RUNS} |");
        }
    }
}
