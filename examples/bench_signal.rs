//! Native half of `scripts/bench-signal.sh`: times the signal stages of
//! benches/common/signal_bench.rs. Prints `SIGNAL|…` lines.

#[cfg(not(target_arch = "wasm32"))]
#[path = "../benches/common/signal_bench.rs"]
mod signal_bench;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let start = std::time::Instant::now();
    let now = move || start.elapsed().as_secs_f64() * 1000.0;
    signal_bench::run(&now, &|line| println!("{line}"));
    signal_bench::formats(&now, &|line| println!("{line}"));
}

#[cfg(target_arch = "wasm32")]
fn main() {}
