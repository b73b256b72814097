//! The browser half of `scripts/bench-model.sh`: the full-size Net1D forward pass (one
//! 12 × 5000 ECG) on wasm CPU and on WebGPU in headless Chromium. Prints `BENCH|...` lines; a
//! benchmark, not a test: it never fails on timing. Not run by scripts/check.sh.
#![cfg(target_arch = "wasm32")]

use ecg_stenosis::model::{BackendKind, Net1dConfig, Runner};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const WARM_UP: usize = 2;
const RUNS: usize = 5;

fn input() -> Vec<f32> {
    (0..12 * 5000)
        .map(|i| ((i % 5000) as f32 * 0.013 + (i / 5000) as f32).sin())
        .collect()
}

async fn bench(label: &str, runner: &Runner) {
    // As a Session runs it: BatchNorm folded, and on the CPU the packed pass.
    let net = runner.prepare(
        runner
            .init_net(&Net1dConfig::ecgfounder(4), 1)
            .expect("valid configuration")
            .folded(),
    );
    for _ in 0..WARM_UP {
        runner
            .forward_prepared(&net, input(), [1, 12, 5000])
            .await
            .unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = js_sys::Date::now();
        runner
            .forward_prepared(&net, input(), [1, 12, 5000])
            .await
            .unwrap();
        times.push(js_sys::Date::now() - start);
    }
    times.sort_by(f64::total_cmp);
    let detail = runner
        .info()
        .adapter
        .clone()
        .unwrap_or_else(|| "flex".into());
    console_log!(
        "BENCH|{label}|{detail}|{:.1}|{:.1}|{}",
        times[times.len() / 2],
        times[0],
        times.len()
    );
}

#[wasm_bindgen_test]
async fn full_size_forward_wasm_cpu_and_webgpu() {
    bench("wasm cpu (Chromium)", &Runner::cpu("benchmark")).await;
    let gpu = Runner::probe().await;
    if gpu.info().kind == BackendKind::WebGpu {
        bench("WebGPU (Chromium)", &gpu).await;
    } else {
        console_log!(
            "BENCH-SKIPPED|WebGPU (Chromium)|{}",
            gpu.info().cpu_reason.as_deref().unwrap_or("no adapter")
        );
    }
}

#[path = "common/signal_bench.rs"]
mod signal_bench;

/// The signal stages in the browser (wasm, one thread).
#[wasm_bindgen_test]
fn signal_stages_wasm() {
    use wasm_bindgen::JsCast;
    let performance: web_sys::Performance =
        js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .expect("performance.now()")
            .unchecked_into();
    signal_bench::run(&|| performance.now(), &|line| console_log!("{line}"));
    signal_bench::formats(&|| performance.now(), &|line| console_log!("{line}"));
}
