// The body of the pipeline benchmark, shared by the native driver (examples/bench_pipeline.rs)
// and the browser driver (benches/pipeline_web.rs) through `#[path]`: the same steps timed
// with the same clock (`ecg_stenosis::clock`), so native and browser rows compare.
//
// Per ECG (CPSC A0001, WFDB, 500 Hz, 15 s) with the demonstration model: the whole pipeline
// from the file's bytes to the report (read, beats and quality, preprocessing, forward pass);
// the forward pass alone; input × gradient; their ratio; integrated gradients with 32 steps.
// Each row is the median of `runs` after two warm-up runs. Prints `BENCH|...` lines.

use super::println_bench;
use ecg_stenosis::clock::now_ms;
use ecg_stenosis::formats::{InputFile, Limits, ReadOptions, read_files};
use ecg_stenosis::model::{ModelFile, Runner};
use ecg_stenosis::pipeline::{Options, Session};
use ecg_stenosis::saliency::Method;

pub const DEMO: &[u8] = include_bytes!("../../www/models/demo.safetensors");
const HEA: &[u8] = include_bytes!("../../tests/fixtures/wfdb/A0001.hea");
const MAT: &[u8] = include_bytes!("../../tests/fixtures/wfdb/A0001.mat");
const WARM_UP: usize = 2;

fn files() -> Vec<InputFile> {
    vec![
        InputFile {
            name: "A0001.hea".into(),
            bytes: HEA.to_vec(),
        },
        InputFile {
            name: "A0001.mat".into(),
            bytes: MAT.to_vec(),
        },
    ]
}

/// Median and minimum of `runs` timed calls of `f` after the warm-up, milliseconds.
async fn time<F, Fut>(runs: usize, mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..WARM_UP {
        f().await;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = now_ms();
        f().await;
        times.push(now_ms() - start);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[0])
}

/// Runs every row on `runner` and prints them, labelled `label`; `ig_runs` 0 skips integrated
/// gradients (for software WebGPU adapters, where 32 passes take minutes).
pub async fn bench(label: &str, runner: &Runner, runs: usize, ig_runs: usize) {
    let model = ModelFile::from_bytes(DEMO).expect("the demonstration model loads");
    let analyser = Session::new(model, runner.clone()).expect("it builds");
    let net = analyser.net();
    let inputs = files();
    let read_options = ReadOptions::default();
    let first = read_files(&inputs, &read_options, &Limits::default()).remove(0);
    let analysis = analyser.analyse(first, Options::default()).await;
    assert!(
        analysis.report.error.is_none(),
        "{:?}",
        analysis.report.error
    );
    let model_input = analysis.input.clone().expect("analysed").values;

    let detail = runner
        .info()
        .adapter
        .clone()
        .unwrap_or_else(|| "flex".into());
    let print = |row: &str, (median, min): (f64, f64), n: usize| {
        println_bench(&format!(
            "BENCH|{label}|{detail}|{row}|{median:.1}|{min:.1}|{n}"
        ));
    };

    let pipeline = time(runs, || async {
        let record = read_files(&inputs, &read_options, &Limits::default()).remove(0);
        let analysis = analyser.analyse(record, Options::default()).await;
        assert!(analysis.report.error.is_none());
    })
    .await;
    print("full pipeline (bytes → report)", pipeline, runs);
    let forward = time(runs, || async {
        runner
            .forward(net, model_input.clone(), [1, 12, 5000])
            .await
            .expect("forward");
    })
    .await;
    print("forward pass", forward, runs);
    let explain = |method: Method| {
        let analyser = &analyser;
        let analysis = &analysis;
        move || async move {
            analyser
                .explain(analysis, "LAD", method, &mut |_, _| {})
                .await
                .expect("explain");
        }
    };
    let gradient = time(runs, explain(Method::GradXInput)).await;
    print("input × gradient", gradient, runs);
    println_bench(&format!(
        "RATIO|{label}|{detail}|{:.2}",
        gradient.0 / forward.0
    ));
    if ig_runs == 0 {
        println_bench(&format!(
            "BENCH-SKIPPED|{label}|integrated gradients, 32 steps: not run on this device (about 32 input × gradient passes, see above)"
        ));
        return;
    }
    let ig = time(ig_runs, explain(Method::IntegratedGradients { steps: 32 })).await;
    print("integrated gradients, 32 steps", ig, ig_runs);
}
