//! A monotonic clock in milliseconds for the stage timings of a report, the same call natively
//! (`std::time::Instant`) and in the browser (`performance.now()`, in a window or a worker).

/// Milliseconds since an arbitrary, fixed origin; only differences are meaningful.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// Milliseconds since an arbitrary, fixed origin; only differences are meaningful. `0.0` where
/// the global scope has no `performance` (never in a browser).
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    use wasm_bindgen::{JsCast, JsValue};
    let performance = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok());
    performance.map_or(0.0, |p| p.now())
}

/// Milliseconds from `start` (a [`now_ms`] reading) to now.
pub fn since_ms(start: f64) -> f64 {
    now_ms() - start
}
