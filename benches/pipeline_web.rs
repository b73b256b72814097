//! The browser half of `scripts/bench-pipeline.sh`: the pipeline and saliency per ECG with the
//! demonstration model on wasm CPU and WebGPU in headless Chromium
//! (benches/common/pipeline_bench.rs). A benchmark, not a test: it never fails on timing. Not run
//! by scripts/check.sh.
#![cfg(target_arch = "wasm32")]

use ecg_stenosis::model::{BackendKind, Runner};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

// In a dedicated worker, as the page runs it: long synchronous passes there do not block the
// test runner's page (whose driver gives up after 5 s without an answer).
wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn println_bench(line: &str) {
    console_log!("{line}");
}

#[path = "common/pipeline_bench.rs"]
mod common;

#[wasm_bindgen_test]
async fn pipeline_and_saliency_wasm_cpu_and_webgpu() {
    common::bench("wasm cpu (Chromium)", &Runner::cpu("benchmark"), 5, 2).await;
    let gpu = Runner::probe().await;
    if gpu.info().kind == BackendKind::WebGpu {
        // Headless Chromium's WebGPU is usually SwiftShader, a CPU emulation of a GPU: a few
        // runs, and no integrated gradients.
        common::bench("WebGPU (Chromium)", &gpu, 3, 0).await;
    } else {
        console_log!(
            "BENCH-SKIPPED|WebGPU (Chromium)|{}",
            gpu.info().cpu_reason.as_deref().unwrap_or("no adapter")
        );
    }
}
