//! `ecg-stenosis`: the native command-line tool, thin over the library.
//!
//! ```text
//! ecg-stenosis inspect FILE... [--json] [--beats] [--quality] [--sample-rate-hz R]
//! ecg-stenosis preprocess FILE... (--recipe ecgfounder|per_lead_zscore | --model M) --out X.npy
//!                         [--start-secs S] [--allow-padding] [--override-quality]
//!                         [--sample-rate-hz R]
//! ecg-stenosis render FILE --out TRACING.svg [--sample-rate-hz R]
//! ecg-stenosis convert CHECKPOINT.pth --out MODEL.safetensors [--metadata META.json] [--dtype f16]
//! ecg-stenosis predict --model MODEL.safetensors --tensor X.npy [--json] [--backend cpu|gpu]
//! ```

// The tool reads and writes files: it exists natively only. A wasm32 build of the package
// (the page) gets an empty program so `cargo build --target wasm32-unknown-unknown` works.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;

    use ecg_stenosis::ecg::{Ecg, Lead};
    use ecg_stenosis::formats::{
        InputFile, Limits, ReadOptions, RecordResult, read_files, read_npy_f32, write_npy_f32,
    };
    use ecg_stenosis::model::pytorch::read_checkpoint;
    use ecg_stenosis::model::runner::block_on;
    use ecg_stenosis::model::state::StoredDtype;
    use ecg_stenosis::model::{BackendPreference, ModelFile, ModelMetadata, Runner};
    use ecg_stenosis::pipeline::{Analyser, BackendSummary, Batch, ModelSummary, Options, Report};
    use ecg_stenosis::render::{Layout, Paper, SheetOptions, draw_sheet, layout};
    use ecg_stenosis::saliency::Method;
    use ecg_stenosis::signal::beats::{Beats, detect_in_recorded};
    use ecg_stenosis::signal::quality::{Quality, Verdict, assess};
    use ecg_stenosis::signal::{InputShape, Preprocessing, WindowOptions, prepare};
    use plotters::drawing::IntoDrawingArea;
    use plotters::prelude::SVGBackend;
    use serde_json::json;

    const USAGE: &str = "usage:
      ecg-stenosis inspect FILE... [--json] [--beats] [--quality] [--sample-rate-hz R]
      ecg-stenosis preprocess FILE... (--recipe ecgfounder|per_lead_zscore | --model M)
                              --out X.npy [--start-secs S] [--allow-padding]
                              [--override-quality] [--sample-rate-hz R]
      ecg-stenosis render FILE... --out SHEET.svg [--layout 3x4|12x1] [--speed 25|50]
                          [--gain 5|10|20] [--start-secs S] [--sample-rate-hz R]
      ecg-stenosis convert CHECKPOINT.pth --out MODEL.safetensors [--metadata META.json]
                           [--dtype f32|f16|bf16]
      ecg-stenosis predict FILE... [--model M] [--json | --csv OUT.csv] [--start-secs S]
                           [--allow-padding] [--override-quality] [--backend auto|cpu|gpu]
      ecg-stenosis predict [--model M] --tensor X.npy [--json] [--backend auto|cpu|gpu]
      ecg-stenosis saliency FILE --vessel RCA|LM|LAD|LCX --out S.npy [--model M] [--json]
                            [--method grad-x-input|integrated-gradients|smoothgrad] [--steps N]
                            [--start-secs S] [--allow-padding] [--override-quality]
                            [--backend auto|cpu|gpu]
      ecg-stenosis synth --seed S [--count N] --out-dir DIR [--pattern VESSEL=SEVERITY]...
                         [--confounder NAME] [--clean]
      ecg-stenosis train-demo --out MODEL.safetensors [--steps N] [--batch B] [--seed S]
                              [--validation N] [--dtype f32|f16]   (build with --features train)

    FILE is an ECG file, recognised by its content: a WFDB header (.hea; give its signal
    files too: a header and the files it names form one record) or CSV/TSV (a header of lead
    names, values in mV, and a 'time (s)' column or --sample-rate-hz). III, aVR, aVL and aVF
    are derived from I and II when absent.
    preprocess writes exactly the model input: [12, 5000] for one record, [N, 12, 5000] for
    several (500 Hz, first 10 s unless --start-secs; --allow-padding zero-pads short ones),
    with the recipe given or the one the model file --model declares. A record the quality
    gate calls unusable is refused unless --override-quality (the override is printed).
    Exit status: 0 all files read, 1 some file unreadable (one line each on stderr), 2 usage.
    convert reads a PyTorch checkpoint (flat state dict, {'state_dict': ...}, {'model': ...},
    'module.' prefixes) without Python and writes a safetensors model file.
    predict FILE gives each record's four probabilities and risk strata, with the model
    file's recipe and cut-offs; without --model it uses the built-in demonstration model
    (synthetic training data: its disclaimer is printed with every result). --json prints
    one report per record (README, 'The JSON report'); --csv writes one row per record (-
    for standard output). Records without an estimate keep their row with the error.
    saliency explains one vessel's logit: S.npy is [12, samples] float32 on the record's own
    time base (zero outside the 10 s the network saw); --json prints the lead and beat-phase
    shares. Integrated gradients take --steps (default 32), SmoothGrad --steps noisy copies
    (default 16).
    predict --tensor runs the network on an already-preprocessed float32 .npy of shape
    [12, samples] or [N, 12, samples]; no preprocessing is applied.
    synth writes N invented 12-lead ECGs (seeds S, S+1, …) as DIR/synthetic-SEED.csv (time
    in s, leads in mV, 500 Hz, 10 s) and their truth as DIR/labels.csv: severe stenosis per
    vessel, the severity of each territorial pattern drawn, the confounder. --pattern (RCA,
    LM, LAD or LCX, severity 0–1) draws only the patterns given, --confounder adds one
    (lvh_strain, lbbb, rbbb, early_repolarisation, nonspecific_st_t), --clean leaves out
    noise and artefacts. Demonstration data from a model of the ECG, not patient recordings.
    train-demo trains the demonstration model on synthetic ECGs (scripts/train-demo.sh), then
    evaluates it on held-out synthetic ECGs and writes the metrics, strata cut-offs and
    disclaimer into the file.";

    enum Command {
        Inspect,
        Preprocess,
        Render,
        Convert,
        Predict,
        Saliency,
        Synth,
        TrainDemo,
    }

    struct Args {
        command: Command,
        files: Vec<PathBuf>,
        out: Option<PathBuf>,
        sample_rate_hz: Option<f64>,
        model: Option<PathBuf>,
        tensor: Option<PathBuf>,
        metadata: Option<PathBuf>,
        dtype: StoredDtype,
        backend: BackendPreference,
        json: bool,
        csv: Option<PathBuf>,
        vessel: Option<String>,
        method: Option<String>,
        beats: bool,
        quality: bool,
        recipe: Option<Preprocessing>,
        start_secs: f64,
        allow_padding: bool,
        override_quality: bool,
        seed: Option<u64>,
        count: usize,
        out_dir: Option<PathBuf>,
        patterns: Option<[f64; 4]>,
        confounder: Option<ecg_stenosis::synth::Confounder>,
        clean: bool,
        steps: Option<usize>,
        batch: Option<usize>,
        validation: Option<usize>,
        layout: Layout,
        speed: f64,
        gain: f64,
    }

    fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let command = match args.next().ok_or("no command given")?.as_str() {
            "inspect" => Command::Inspect,
            "preprocess" => Command::Preprocess,
            "render" => Command::Render,
            "convert" => Command::Convert,
            "predict" => Command::Predict,
            "saliency" => Command::Saliency,
            "synth" => Command::Synth,
            "train-demo" => Command::TrainDemo,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown command '{other}'")),
        };
        let mut parsed = Args {
            command,
            files: Vec::new(),
            out: None,
            sample_rate_hz: None,
            model: None,
            tensor: None,
            metadata: None,
            dtype: StoredDtype::F32,
            backend: BackendPreference::Auto,
            json: false,
            csv: None,
            vessel: None,
            method: None,
            beats: false,
            quality: false,
            recipe: None,
            start_secs: 0.0,
            allow_padding: false,
            override_quality: false,
            seed: None,
            count: 1,
            out_dir: None,
            patterns: None,
            confounder: None,
            clean: false,
            steps: None,
            batch: None,
            validation: None,
            layout: Layout::Standard,
            speed: 25.0,
            gain: 10.0,
        };
        while let Some(arg) = args.next() {
            let mut value = |what: &str| args.next().ok_or(format!("{arg} needs {what}"));
            match arg.as_str() {
                "--out" => parsed.out = Some(PathBuf::from(value("a path")?)),
                "--out-dir" => parsed.out_dir = Some(PathBuf::from(value("a directory")?)),
                "--seed" => {
                    let text = value("a whole number")?;
                    parsed.seed = Some(text.parse().map_err(|_| {
                        format!("--seed: '{text}' is not a whole number from 0 to 2^64 − 1")
                    })?);
                }
                "--pattern" => {
                    let text = value("VESSEL=SEVERITY")?;
                    let bad = || {
                        format!(
                            "--pattern '{text}': expected VESSEL=SEVERITY, VESSEL one of RCA, LM, LAD, LCX and SEVERITY from 0 to 1"
                        )
                    };
                    let (vessel, severity) = text.split_once('=').ok_or_else(bad)?;
                    let index = ecg_stenosis::synth::VESSELS
                        .iter()
                        .position(|v| v.eq_ignore_ascii_case(vessel))
                        .ok_or_else(bad)?;
                    let severity = severity
                        .parse::<f64>()
                        .ok()
                        .filter(|s| (0.0..=1.0).contains(s))
                        .ok_or_else(bad)?;
                    parsed.patterns.get_or_insert([0.0; 4])[index] = severity;
                }
                "--confounder" => parsed.confounder = Some(value("a confounder name")?.parse()?),
                "--clean" => parsed.clean = true,
                "--steps" | "--batch" | "--validation" => {
                    let text = value("a positive whole number")?;
                    let n = text
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=10_000_000).contains(n))
                        .ok_or(format!("{arg}: '{text}' is not a positive whole number"))?;
                    match arg.as_str() {
                        "--steps" => parsed.steps = Some(n),
                        "--batch" => parsed.batch = Some(n),
                        _ => parsed.validation = Some(n),
                    }
                }
                "--count" => {
                    let text = value("a number of ECGs")?;
                    parsed.count = text
                        .parse()
                        .ok()
                        .filter(|n| (1..=100_000).contains(n))
                        .ok_or(format!(
                            "--count: '{text}' is not a number from 1 to 100000"
                        ))?;
                }
                "--model" => parsed.model = Some(PathBuf::from(value("a path")?)),
                "--tensor" => parsed.tensor = Some(PathBuf::from(value("a path")?)),
                "--metadata" => parsed.metadata = Some(PathBuf::from(value("a path")?)),
                "--sample-rate-hz" => {
                    let text = value("a number")?;
                    let rate = text
                        .parse::<f64>()
                        .map_err(|_| format!("--sample-rate-hz: '{text}' is not a number"))?;
                    parsed.sample_rate_hz = Some(rate);
                }
                "--dtype" => {
                    parsed.dtype = match value("f32, f16 or bf16")?.as_str() {
                        "f32" => StoredDtype::F32,
                        "f16" => StoredDtype::F16,
                        "bf16" => StoredDtype::BF16,
                        other => {
                            return Err(format!("--dtype '{other}': expected f32, f16 or bf16"));
                        }
                    }
                }
                "--backend" => parsed.backend = value("auto, cpu or gpu")?.parse()?,
                "--json" => parsed.json = true,
                "--csv" => {
                    parsed.csv = Some(PathBuf::from(value("a path (or - for standard output)")?))
                }
                "--vessel" => parsed.vessel = Some(value("RCA, LM, LAD or LCX")?),
                "--method" => {
                    parsed.method = Some(value("grad-x-input, integrated-gradients or smoothgrad")?)
                }
                "--layout" => parsed.layout = Layout::parse(&value("3x4 or 12x1")?)?,
                "--speed" | "--gain" => {
                    let text = value("a number")?;
                    let number = text
                        .parse::<f64>()
                        .map_err(|_| format!("{arg}: '{text}' is not a number"))?;
                    if arg == "--speed" {
                        parsed.speed = number;
                    } else {
                        parsed.gain = number;
                    }
                }
                "--beats" => parsed.beats = true,
                "--quality" => parsed.quality = true,
                "--allow-padding" => parsed.allow_padding = true,
                "--override-quality" => parsed.override_quality = true,
                "--recipe" => {
                    parsed.recipe = Some(value("ecgfounder or per_lead_zscore")?.parse()?)
                }
                "--start-secs" => {
                    let text = value("a number of seconds")?;
                    parsed.start_secs = text
                        .parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && *s >= 0.0)
                        .ok_or(format!(
                            "--start-secs: '{text}' is not a number of seconds ≥ 0"
                        ))?;
                }
                "-h" | "--help" => return Err(String::new()),
                flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
                path => parsed.files.push(PathBuf::from(path)),
            }
        }
        Ok(parsed)
    }

    fn read(path: &Path) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
    }

    /// Reads every FILE into records (a WFDB header and its signal files form one).
    fn records(args: &Args) -> Result<Vec<RecordResult>, String> {
        if args.files.is_empty() {
            return Err("no FILE given".into());
        }
        let mut inputs = Vec::with_capacity(args.files.len());
        for path in &args.files {
            inputs.push(InputFile {
                name: path.display().to_string(),
                bytes: read(path)?,
            });
        }
        let options = ReadOptions {
            sample_rate_hz: args.sample_rate_hz,
            ..ReadOptions::default()
        };
        Ok(read_files(&inputs, &options, &Limits::default()))
    }

    /// One line per unreadable record on stderr: the file(s), the format, the problem with its
    /// location, whose fault. True when there was any.
    fn report_failures(records: &[RecordResult]) -> bool {
        let mut failed = false;
        for record in records {
            if let Err(e) = &record.result {
                eprintln!(
                    "ecg-stenosis: {}: {}: {e} ({})",
                    record.sources.join(" + "),
                    record.format.name(),
                    e.kind().name()
                );
                failed = true;
            }
        }
        failed
    }

    fn exit_status(failed: bool) -> ExitCode {
        if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }

    /// The quality gate for a model input of `shape`.
    fn quality_of(ecg: &Ecg, beats: &Beats, shape: InputShape, args: &Args) -> Quality {
        assess(
            ecg,
            beats,
            shape.samples as f64 / shape.sample_rate_hz,
            args.allow_padding,
        )
    }

    fn run(args: Args) -> Result<ExitCode, String> {
        match args.command {
            Command::Convert => return convert(&args).map(|()| ExitCode::SUCCESS),
            Command::Predict => return predict(&args),
            Command::Saliency => return saliency(&args),
            Command::Inspect => return inspect(&args),
            Command::Preprocess => return preprocess(&args),
            Command::Synth => return synth(&args).map(|()| ExitCode::SUCCESS),
            Command::TrainDemo => return train_demo(&args).map(|()| ExitCode::SUCCESS),
            Command::Render => {}
        }
        let paper = Paper::new(args.speed, args.gain)?;
        let records = records(&args)?;
        if report_failures(&records) {
            return Ok(ExitCode::from(1));
        }
        let mut ecgs = records.into_iter().filter_map(|r| r.result.ok());
        let (Some(ecg), None) = (ecgs.next(), ecgs.next()) else {
            return Err(
                "render draws one record: give one file (or a WFDB header with its signal files)"
                    .into(),
            );
        };
        let out = args.out.as_ref().ok_or("render needs --out SHEET.svg")?;
        let options = SheetOptions {
            layout: args.layout,
            paper,
            start_secs: args.start_secs,
            cart_filters: ecg.info().cart_filters.clone(),
            ..SheetOptions::default()
        };
        let size = layout(&ecg, &options).size_px();
        let area = SVGBackend::new(out, size).into_drawing_area();
        draw_sheet(&area, &ecg, &options).map_err(|e| e.to_string())?;
        drop(area);
        println!("wrote {}", out.display());
        Ok(ExitCode::SUCCESS)
    }

    /// Writes `--count` synthetic ECGs as CSV and their truth as labels.csv.
    fn synth(args: &Args) -> Result<(), String> {
        use ecg_stenosis::synth::{SynthConfig, VESSELS, generate};
        use std::fmt::Write as _;
        let seed = args.seed.ok_or("synth needs --seed S")?;
        let dir = args.out_dir.as_ref().ok_or("synth needs --out-dir DIR")?;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text)
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))
        };
        let mut config = SynthConfig {
            nuisances: !args.clean,
            ..SynthConfig::default()
        };
        if args.patterns.is_some() || args.confounder.is_some() {
            config.forced_patterns = Some(args.patterns.unwrap_or([0.0; 4]));
            config.forced_confounder = args.confounder;
        }
        let mut labels = String::from("file,seed");
        for v in VESSELS {
            let _ = write!(labels, ",{v}");
        }
        for v in VESSELS {
            let _ = write!(labels, ",{v}_pattern");
        }
        labels.push_str(",confounder,heart_rate_bpm\n");
        for k in 0..args.count as u64 {
            let seed = seed
                .checked_add(k)
                .ok_or("--seed plus --count passes 2^64 − 1")?;
            let case = generate(seed, &config);
            let ecg = &case.ecg;
            let mut csv = String::from("time (s)");
            for lead in ecg.leads() {
                let _ = write!(csv, ",{} (mV)", lead.lead.name());
            }
            csv.push('\n');
            for i in 0..ecg.samples_per_lead() {
                let _ = write!(csv, "{:.4}", i as f64 / ecg.sample_rate_hz());
                for lead in ecg.leads() {
                    let _ = write!(csv, ",{:.4}", lead.samples_uv[i] / 1000.0);
                }
                csv.push('\n');
            }
            let name = format!("synthetic-{seed}.csv");
            write(&name, &csv)?;
            let _ = write!(labels, "{name},{seed}");
            for s in case.stenosis {
                let _ = write!(labels, ",{}", u8::from(s));
            }
            for p in case.patterns {
                let _ = write!(labels, ",{p:.3}");
            }
            let confounder = case.confounder.map_or("", |c| c.name());
            let _ = writeln!(labels, ",{confounder},{:.1}", case.heart_rate_bpm);
        }
        write("labels.csv", &labels)?;
        println!(
            "wrote {} synthetic ECG(s) and labels.csv to {} (invented data, not patients)",
            args.count,
            dir.display()
        );
        Ok(())
    }

    #[cfg(not(feature = "train"))]
    fn train_demo(_: &Args) -> Result<(), String> {
        Err("train-demo needs a build with --features train (scripts/train-demo.sh)".into())
    }

    /// Trains the demonstration model and writes it with its card (feature `train`).
    #[cfg(feature = "train")]
    fn train_demo(args: &Args) -> Result<(), String> {
        use ecg_stenosis::train::{TrainConfig, train};
        let out = args
            .out
            .as_ref()
            .ok_or("train-demo needs --out MODEL.safetensors")?;
        let defaults = TrainConfig::default();
        let config = TrainConfig {
            seed: args.seed.unwrap_or(defaults.seed),
            steps: args.steps.unwrap_or(defaults.steps),
            batch: args.batch.unwrap_or(defaults.batch),
            validation_cases: args.validation.unwrap_or(defaults.validation_cases),
            warmup: defaults
                .warmup
                .min(args.steps.unwrap_or(defaults.steps) / 4)
                .max(1),
            ..defaults
        };
        let started = std::time::Instant::now();
        let mut window = Vec::new();
        let (model, report) = train(&config, |step, loss| {
            window.push(loss);
            if (step + 1) % 25 == 0 || step + 1 == config.steps {
                let elapsed = started.elapsed().as_secs_f64();
                let eta = elapsed / (step + 1) as f64 * (config.steps - step - 1) as f64;
                eprintln!(
                    "step {:>6}/{}  loss {:.4} (mean of the last {})  {:.0} s, about {:.0} s left",
                    step + 1,
                    config.steps,
                    window.iter().sum::<f64>() / window.len() as f64,
                    window.len(),
                    elapsed,
                    eta
                );
                window.clear();
            }
        })
        .map_err(|e| e.to_string())?;
        let bytes = model
            .to_safetensors(args.dtype)
            .map_err(|e| e.to_string())?;
        ModelFile::from_bytes(&bytes).map_err(|e| format!("self-check failed: {e}"))?;
        std::fs::write(out, &bytes).map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
        let metadata = model.metadata();
        println!(
            "trained {} parameters in {:.0} s ({} steps of {}), evaluated in {:.0} s; loss {:.4} → {:.4}",
            report.parameters,
            report.train_secs,
            config.steps,
            config.batch,
            report.eval_secs,
            report.loss_first_last.0,
            report.loss_first_last.1
        );
        println!(
            "| vessel | positives / cases | AUC (95 % CI) | Brier | rule-out < p (sensitivity) | rule-in ≥ p (specificity) |"
        );
        println!("|---|---:|---|---:|---|---|");
        for vessel in &metadata.outputs {
            let m = &metadata.card.metrics["vessels"][vessel];
            let ci = &m["auc_ci95"];
            let t = metadata.thresholds.get(vessel);
            println!(
                "| {vessel} | {} / {} | {:.3} ({:.3}–{:.3}) | {:.4} | {} | {} |",
                m["positives"],
                m["cases"],
                m["auc"].as_f64().unwrap_or(f64::NAN),
                ci[0].as_f64().unwrap_or(f64::NAN),
                ci[1].as_f64().unwrap_or(f64::NAN),
                m["brier"].as_f64().unwrap_or(f64::NAN),
                t.map_or("–".into(), |t| format!(
                    "{:.4} ({:.3})",
                    t.rule_out.probability, t.rule_out.sensitivity
                )),
                t.map_or("–".into(), |t| format!(
                    "{:.4} ({:.3})",
                    t.rule_in.probability, t.rule_in.specificity
                )),
            );
        }
        println!(
            "wrote {} ({} bytes): {}",
            out.display(),
            bytes.len(),
            metadata.card.disclaimer
        );
        Ok(())
    }

    fn warnings_json(ecg: &Ecg) -> Vec<serde_json::Value> {
        ecg.warnings()
            .iter()
            .map(|w| json!({"kind": w.kind(), "message": w.to_string()}))
            .collect()
    }

    fn inspect(args: &Args) -> Result<ExitCode, String> {
        let records = records(args)?;
        let failed = report_failures(&records);
        let mut json_records = Vec::new();
        for record in &records {
            let Ok(ecg) = &record.result else { continue };
            let beats = (args.beats || args.quality).then(|| detect_in_recorded(ecg));
            let quality = match (&beats, args.quality) {
                (Some(beats), true) => Some(quality_of(ecg, beats, InputShape::default(), args)),
                _ => None,
            };
            if args.json {
                let mut entry = json!({
                    "sources": record.sources,
                    "format": record.format.name(),
                    "sample_rate_hz": ecg.sample_rate_hz(),
                    "duration_secs": ecg.duration_secs(),
                    "leads": ecg.leads().iter().map(|l| json!({
                        "name": l.lead.name(),
                        "derived": l.derived,
                        "uv": l.samples_uv,
                    })).collect::<Vec<_>>(),
                    "other_channels": ecg.other_channels().iter().map(|c| json!({
                        "name": c.name,
                        "uv": c.samples_uv,
                    })).collect::<Vec<_>>(),
                    "warnings": warnings_json(ecg),
                    "acquisition": {
                        "device": ecg.info().device,
                        "acquired": ecg.info().acquired,
                        "cart_filters": ecg.info().cart_filters,
                    },
                });
                if let (Some(beats), true) = (&beats, args.beats) {
                    let rhythm = beats.rhythm();
                    entry["beats"] = json!({
                        "r_peaks": beats.r_peaks,
                        "heart_rate_bpm": rhythm.map(|r| r.heart_rate_bpm),
                        "rr_cv": rhythm.map(|r| r.rr_cv),
                        "rmssd_secs": rhythm.map(|r| r.rmssd_secs),
                        "regular": rhythm.map(|r| r.regular),
                    });
                }
                if let Some(quality) = &quality {
                    entry["quality"] = serde_json::to_value(quality).map_err(|e| e.to_string())?;
                }
                json_records.push(entry);
                continue;
            }
            println!("record: {}", record.sources.join(" + "));
            println!("format: {}", record.format.name());
            println!("sample_rate_hz: {}", ecg.sample_rate_hz());
            println!("samples_per_lead: {}", ecg.samples_per_lead());
            println!("duration_secs: {:.3}", ecg.duration_secs());
            let info = ecg.info();
            for (name, value) in [
                ("device", &info.device),
                ("acquired", &info.acquired),
                ("cart_filters", &info.cart_filters),
            ] {
                if let Some(value) = value {
                    println!("{name}: {value}");
                }
            }
            for signal in ecg.leads() {
                let (min, max) = signal
                    .samples_uv
                    .iter()
                    .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                        (lo.min(v), hi.max(v))
                    });
                println!(
                    "lead {:<3} derived={} min_uv={min:.1} max_uv={max:.1}",
                    signal.lead.name(),
                    signal.derived
                );
            }
            for channel in ecg.other_channels() {
                println!(
                    "channel '{}' (not a standard lead, kept): {} samples",
                    channel.name,
                    channel.samples_uv.len()
                );
            }
            for warning in ecg.warnings() {
                println!("warning: {warning}");
            }
            if let (Some(beats), true) = (&beats, args.beats) {
                println!("beats: {}", beats.r_peaks.len());
                if let Some(r) = beats.rhythm() {
                    println!(
                        "heart_rate_bpm: {:.1} (RR CV {:.3}, {})",
                        r.heart_rate_bpm,
                        r.rr_cv,
                        if r.regular { "regular" } else { "irregular" }
                    );
                }
            }
            if let Some(quality) = &quality {
                println!("quality: {}", quality.verdict.name());
                for finding in &quality.findings {
                    println!("  {}: {}", finding.severity.name(), finding.message);
                }
            }
        }
        if args.json {
            println!("{}", json!({ "records": json_records }));
        }
        Ok(exit_status(failed))
    }

    fn preprocess(args: &Args) -> Result<ExitCode, String> {
        let (recipe, shape) = match (&args.recipe, &args.model) {
            (Some(recipe), None) => (*recipe, InputShape::default()),
            (None, Some(path)) => {
                let model = ModelFile::from_path(path).map_err(|e| e.to_string())?;
                let input = &model.metadata().input;
                let shape = InputShape {
                    sample_rate_hz: input.sample_rate_hz,
                    samples: input.samples,
                };
                (input.preprocessing, shape)
            }
            _ => {
                return Err(
                    "preprocess needs --recipe ecgfounder|per_lead_zscore or --model M (not both)"
                        .into(),
                );
            }
        };
        let out = args.out.as_ref().ok_or("preprocess needs --out X.npy")?;
        let records = records(args)?;
        if report_failures(&records) {
            eprintln!(
                "ecg-stenosis: nothing written: every record must be readable, so that row i of the tensor is record i"
            );
            return Ok(ExitCode::from(1));
        }
        let window = WindowOptions {
            start_secs: args.start_secs,
            allow_padding: args.allow_padding,
        };
        let mut values = Vec::new();
        let mut failed = false;
        for record in &records {
            let Ok(ecg) = &record.result else { continue };
            let sources = record.sources.join(" + ");
            match prepare(ecg, recipe, shape, window) {
                Ok(input) => {
                    let beats = detect_in_recorded(ecg);
                    let quality = quality_of(ecg, &beats, shape, args);
                    if quality.verdict == Verdict::Unusable {
                        let reasons = quality.unusable_reasons();
                        if !args.override_quality {
                            eprintln!(
                                "ecg-stenosis: {sources}: the quality gate calls this ECG unusable ({}); give --override-quality to prepare it anyway",
                                reasons
                            );
                            failed = true;
                            continue;
                        }
                        println!(
                            "{sources}: quality override: unusable ECG prepared at the user's request ({})",
                            reasons
                        );
                    }
                    println!(
                        "{sources}: window {:.3}–{:.3} s, quality {}",
                        input.start_secs,
                        input.start_secs + shape.samples as f64 / shape.sample_rate_hz,
                        quality.verdict.name()
                    );
                    for warning in &input.warnings {
                        println!("  warning: {warning}");
                    }
                    for finding in &quality.findings {
                        println!("  {}: {}", finding.severity.name(), finding.message);
                    }
                    values.extend(input.values);
                }
                Err(e) => {
                    eprintln!("ecg-stenosis: {sources}: {e}");
                    failed = true;
                }
            }
        }
        if failed {
            eprintln!("ecg-stenosis: nothing written");
            return Ok(ExitCode::from(1));
        }
        let n = records.len();
        let dims: Vec<usize> = if n == 1 {
            vec![Lead::ALL.len(), shape.samples]
        } else {
            vec![n, Lead::ALL.len(), shape.samples]
        };
        std::fs::write(out, write_npy_f32(&dims, &values))
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
        println!(
            "wrote {}: float32 {dims:?}, recipe {}",
            out.display(),
            recipe.name()
        );
        Ok(ExitCode::SUCCESS)
    }

    fn convert(args: &Args) -> Result<(), String> {
        let [checkpoint] = args.files.as_slice() else {
            return Err("convert takes one CHECKPOINT.pth".into());
        };
        let out = args
            .out
            .as_deref()
            .ok_or("convert needs --out MODEL.safetensors")?;
        let (tensors, layout) = read_checkpoint(checkpoint).map_err(|e| e.to_string())?;
        let metadata = match &args.metadata {
            Some(path) => {
                let text = String::from_utf8(read(path)?)
                    .map_err(|_| format!("{}: not UTF-8 text", path.display()))?;
                let metadata = ModelMetadata::from_json(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                Some(metadata)
            }
            None => None,
        };
        let model = ModelFile::from_state_dict(tensors, metadata)
            .map_err(|e| format!("{}: {e}", checkpoint.display()))?;
        let bytes = model
            .to_safetensors(args.dtype)
            .map_err(|e| e.to_string())?;
        // Read back what is about to be written: the file must load exactly as checked.
        let written =
            ModelFile::from_bytes(&bytes).map_err(|e| format!("self-check failed: {e}"))?;
        if written.config() != model.config() {
            return Err(
                "self-check failed: the written file reads back as another architecture".into(),
            );
        }
        std::fs::write(out, &bytes).map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
        let place = if layout.container_key.is_empty() {
            "a flat state dict".to_string()
        } else {
            format!("the state dict under '{}'", layout.container_key)
        };
        println!("read {place} from {}", checkpoint.display());
        if layout.module_prefix {
            println!("stripped the 'module.' prefix (DataParallel)");
        }
        if layout.dropped > 0 {
            println!(
                "dropped {} tensor(s) outside the state dict (optimizer state ...)",
                layout.dropped
            );
        }
        let config = written.config();
        println!(
            "wrote {}: {} bytes, {} tensors, {} parameters, dtype {}",
            out.display(),
            bytes.len(),
            written.stored_tensors().len(),
            written.parameter_count(),
            written.weight_dtypes().join("+")
        );
        println!(
            "architecture: filters {:?}, blocks {:?}, use_bn {}, {} outputs ({})",
            config.filter_list,
            config.m_blocks_list,
            config.use_bn,
            config.n_outputs,
            written.metadata().outputs.join(", ")
        );
        for warning in model.warnings() {
            println!("warning: {warning}");
        }
        if args.metadata.is_none() {
            println!(
                "note: no --metadata given, so the file carries none and loads with the \
                 defaults above; give a metadata document (README, 'Model files') to name \
                 the model, its preprocessing, thresholds and card"
            );
        }
        Ok(())
    }

    /// How many records go through the network at once.
    const BATCH: usize = 8;

    /// The demonstration model shipped with the page (`www/models/demo.safetensors`), built
    /// into the binary so that `predict FILE` works from anywhere without `--model`.
    const DEMO_MODEL: &[u8] = include_bytes!("../../www/models/demo.safetensors");

    /// `--model M`, or the demonstration model.
    fn model_file(args: &Args) -> Result<ModelFile, String> {
        match &args.model {
            Some(path) => ModelFile::from_path(path).map_err(|e| e.to_string()),
            None => ModelFile::from_bytes(DEMO_MODEL)
                .map_err(|e| format!("the built-in demonstration model: {e}")),
        }
    }

    fn predict(args: &Args) -> Result<ExitCode, String> {
        let Some(tensor_path) = args.tensor.as_deref() else {
            return predict_files(args);
        };
        if let Some(extra) = args.files.first() {
            return Err(format!(
                "unexpected argument '{}' with --tensor",
                extra.display()
            ));
        }
        let model = model_file(args)?;
        let metadata = model.metadata();
        let limits = Limits::default();
        let array = read_npy_f32(&read(tensor_path)?, &limits)
            .map_err(|e| format!("{}: {e}", tensor_path.display()))?;
        let (leads, samples) = (
            metadata.architecture.config.in_channels,
            metadata.input.samples,
        );
        let batch = match array.shape.as_slice() {
            &[l, s] if l == leads && s == samples => 1,
            &[n, l, s] if l == leads && s == samples && n > 0 => n,
            shape => {
                return Err(format!(
                    "{}: shape {shape:?}; this model takes [{leads}, {samples}] or [N, {leads}, {samples}]",
                    tensor_path.display()
                ));
            }
        };
        let runner = block_on(Runner::choose(args.backend)).map_err(|e| e.to_string())?;
        let net = model.build(runner.device()).map_err(|e| e.to_string())?;
        let per_record = leads * samples;
        let mut logits = Vec::with_capacity(batch);
        for chunk in array.values.chunks(per_record * BATCH) {
            let n = chunk.len() / per_record;
            let out = block_on(runner.forward(&net, chunk.to_vec(), [n, leads, samples]))
                .map_err(|e| format!("{}: {e}", tensor_path.display()))?;
            logits.extend(out.chunks(metadata.outputs.len()).map(<[f32]>::to_vec));
        }
        let sigmoid = |x: f32| 1.0 / (1.0 + (-f64::from(x)).exp());
        let probabilities: Vec<Vec<f64>> = logits
            .iter()
            .map(|row| row.iter().map(|&x| sigmoid(x)).collect())
            .collect();
        let info = runner.info();
        let warnings: Vec<String> = model.warnings().iter().map(ToString::to_string).collect();
        if args.json {
            let report = json!({
                "outputs": metadata.outputs,
                "logits": logits,
                "probabilities": probabilities,
                "backend": info.kind.name(),
                "backend_detail": info.adapter.as_ref().or(info.cpu_reason.as_ref()),
                "model": {
                    "name": metadata.name,
                    "version": metadata.version,
                    "demonstration": metadata.card.demonstration,
                    "disclaimer": metadata.card.disclaimer,
                },
                "warnings": warnings,
            });
            println!("{report}");
        } else {
            println!("model: {} {}", metadata.name, metadata.version);
            println!("disclaimer: {}", metadata.card.disclaimer);
            println!(
                "backend: {} ({})",
                info.kind.name(),
                info.adapter
                    .as_ref()
                    .or(info.cpu_reason.as_ref())
                    .map_or("", String::as_str)
            );
            for warning in &warnings {
                println!("warning: {warning}");
            }
            println!("record\t{}", metadata.outputs.join("\t"));
            for (i, row) in probabilities.iter().enumerate() {
                let cells: Vec<String> = row.iter().map(|p| format!("{p:.4}")).collect();
                println!("{i}\t{}", cells.join("\t"));
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    /// The backend `--backend` asks for, and the model file's network built on it.
    fn build(
        model: &ModelFile,
        args: &Args,
    ) -> Result<(Runner, ecg_stenosis::model::Net1d), String> {
        let runner = block_on(Runner::choose(args.backend)).map_err(|e| e.to_string())?;
        let net = model.build(runner.device()).map_err(|e| e.to_string())?;
        Ok((runner, net))
    }

    /// The window and quality-gate options the command line was given.
    fn analysis_options(args: &Args) -> Options {
        Options {
            window: WindowOptions {
                start_secs: args.start_secs,
                allow_padding: args.allow_padding,
            },
            override_quality: args.override_quality,
        }
    }

    /// `predict FILE...`: each record through [`Analyser::analyse`]: quality gate, the model
    /// file's recipe, the network, strata. Records without an estimate (unreadable, unusable,
    /// too short) are reported with their error, on stderr and in the JSON or CSV, and the
    /// batch goes on; the exit status is then 1.
    fn predict_files(args: &Args) -> Result<ExitCode, String> {
        let model = model_file(args)?;
        let metadata = model.metadata();
        let (runner, net) = build(&model, args)?;
        let analyser = Analyser {
            model: &model,
            runner: &runner,
            net: &net,
        };
        let options = analysis_options(args);
        if args.files.is_empty() {
            return Err("no FILE given".into());
        }
        // Files the system cannot read keep their row; the others are read together (a WFDB
        // header and its signal files form one record).
        let mut reports = Vec::new();
        let mut inputs = Vec::new();
        for path in &args.files {
            match std::fs::read(path) {
                Ok(bytes) => inputs.push(InputFile {
                    name: path.display().to_string(),
                    bytes,
                }),
                Err(e) => reports.push(analyser.failed(
                    vec![path.display().to_string()],
                    "io",
                    format!("cannot read: {e}"),
                )),
            }
        }
        let read_options = ReadOptions {
            sample_rate_hz: args.sample_rate_hz,
            ..ReadOptions::default()
        };
        let records = read_files(&inputs, &read_options, &Limits::default());
        let mut failed = false;
        for report in &reports {
            if let Some(error) = &report.error {
                eprintln!(
                    "ecg-stenosis: {}: {}",
                    report.sources.join(" + "),
                    error.message
                );
                failed = true;
            }
            if !args.json && args.csv.is_none() {
                print_report(report);
            }
        }
        for record in records {
            let report = block_on(analyser.analyse(record, options)).report;
            if let Some(error) = &report.error {
                eprintln!(
                    "ecg-stenosis: {}: {} ({})",
                    report.sources.join(" + "),
                    error.message,
                    error.kind
                );
                failed = true;
            }
            if !args.json && args.csv.is_none() {
                print_report(&report);
            }
            reports.push(report);
        }
        if let Some(out) = &args.csv {
            let table = csv_table(&reports, &metadata.outputs);
            if out.as_os_str() == "-" {
                print!("{table}");
            } else {
                std::fs::write(out, table)
                    .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
                eprintln!("wrote {} ({} rows)", out.display(), reports.len());
            }
        }
        if args.json {
            let batch = Batch {
                records: &reports,
                model: ModelSummary::of(metadata),
                backend: BackendSummary::of(&runner),
            };
            println!(
                "{}",
                serde_json::to_string(&batch).map_err(|e| e.to_string())?
            );
        } else if args.csv.is_none() {
            println!(
                "model: {} {} (backend {})",
                metadata.name,
                metadata.version,
                runner.info().kind.name()
            );
        }
        Ok(exit_status(failed))
    }

    fn print_report(report: &Report) {
        println!("record: {}", report.sources.join(" + "));
        if let Some(quality) = &report.quality {
            let overridden = if report.quality_overridden {
                " (overridden: estimate given anyway)"
            } else {
                ""
            };
            println!("quality: {}{overridden}", quality.verdict.name());
        }
        if let Some(error) = &report.error {
            println!("no estimate: {}", error.message);
        }
        for r in &report.vessels {
            println!(
                "{:<4} {:.4}  {}",
                r.vessel,
                r.probability,
                r.stratum
                    .map_or("(no strata in this model file)", |s| s.name())
            );
        }
        if !report.vessels.is_empty() && report.model.demonstration {
            println!("note: {}", report.model.disclaimer);
        }
        for w in &report.warnings {
            println!("warning: {}", w.message);
        }
    }

    /// One header row and one row per record (RFC 4180: fields with a comma, quote or line
    /// break are quoted, quotes doubled), so that it opens in a spreadsheet as a table.
    fn csv_table(reports: &[Report], outputs: &[String]) -> String {
        fn field(text: &str) -> String {
            if text.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", text.replace('"', "\"\""))
            } else {
                text.to_string()
            }
        }
        let mut header = vec!["file".to_string(), "format".into()];
        for o in outputs {
            header.push(format!("{o}_probability"));
            header.push(format!("{o}_stratum"));
        }
        header.extend(
            [
                "quality",
                "quality_overridden",
                "error",
                "warnings",
                "model",
                "model_version",
                "demonstration_model",
                "backend",
                "total_ms",
            ]
            .map(String::from),
        );
        let mut out = header.join(",") + "\r\n";
        for r in reports {
            let mut row = vec![field(&r.sources.join(" + ")), field(r.format)];
            for o in outputs {
                match r.vessels.iter().find(|v| &v.vessel == o) {
                    Some(v) => {
                        row.push(format!("{:.6}", v.probability));
                        row.push(v.stratum.map_or("", |s| s.name()).to_string());
                    }
                    None => row.extend([String::new(), String::new()]),
                }
            }
            let warnings: Vec<&str> = r.warnings.iter().map(|w| w.message.as_str()).collect();
            row.extend([
                r.quality
                    .as_ref()
                    .map_or("", |q| q.verdict.name())
                    .to_string(),
                r.quality_overridden.to_string(),
                field(r.error.as_ref().map_or("", |e| e.message.as_str())),
                field(&warnings.join("; ")),
                field(&r.model.name),
                field(&r.model.version),
                r.model.demonstration.to_string(),
                r.backend.kind.to_string(),
                format!("{:.1}", r.timing_ms.total),
            ]);
            out += &(row.join(",") + "\r\n");
        }
        out
    }

    /// `saliency FILE --vessel V`: the map of one vessel as `[12, samples]` float32 on the
    /// record's own time base, and its lead and phase shares.
    fn saliency(args: &Args) -> Result<ExitCode, String> {
        if args.files.is_empty() {
            return Err(
                "saliency takes one FILE (a WFDB record: its header and signal files)".into(),
            );
        }
        let vessel = args
            .vessel
            .as_deref()
            .ok_or("saliency needs --vessel RCA|LM|LAD|LCX")?;
        let method = Method::parse(args.method.as_deref().unwrap_or("grad-x-input"), args.steps)
            .map_err(|e| format!("--method: {e}"))?;
        let out = args.out.as_ref().ok_or("saliency needs --out S.npy")?;
        let model = model_file(args)?;
        let (runner, net) = build(&model, args)?;
        let analyser = Analyser {
            model: &model,
            runner: &runner,
            net: &net,
        };
        let options = analysis_options(args);
        let mut records = records(args)?;
        if records.len() != 1 {
            return Err(format!(
                "saliency takes one record; these files form {}",
                records.len()
            ));
        }
        let analysis = block_on(analyser.analyse(records.remove(0), options));
        let quiet = args.json;
        let mut progress = |done: usize, total: usize| {
            if !quiet && total > 1 {
                eprint!("\rgradient passes: {done}/{total}");
                if done == total {
                    eprintln!();
                }
            }
        };
        let explanation = block_on(analyser.explain(&analysis, vessel, method, &mut progress))
            .map_err(|e| format!("{}: {e}", analysis.report.sources.join(" + ")))?;
        let leads = explanation.record_map.len() / explanation.record_samples.max(1);
        std::fs::write(
            out,
            write_npy_f32(
                &[leads, explanation.record_samples],
                &explanation.record_map,
            ),
        )
        .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
        let summary = &explanation.summary;
        if args.json {
            #[derive(serde::Serialize)]
            struct Document<'a> {
                #[serde(flatten)]
                summary: &'a ecg_stenosis::saliency::Summary,
                out: String,
                shape: [usize; 2],
                elapsed_ms: f64,
                window: &'a Option<ecg_stenosis::pipeline::WindowSummary>,
                model: &'a ModelSummary,
                backend: &'a BackendSummary,
            }
            let document = Document {
                summary,
                out: out.display().to_string(),
                shape: [leads, explanation.record_samples],
                elapsed_ms: explanation.elapsed_ms,
                window: &analysis.report.window,
                model: &analysis.report.model,
                backend: &analysis.report.backend,
            };
            println!(
                "{}",
                serde_json::to_string(&document).map_err(|e| e.to_string())?
            );
        } else {
            println!(
                "wrote {} ([{leads}, {}] float32, the record's own time base)",
                out.display(),
                explanation.record_samples
            );
            let passes = if summary.steps == 1 { "pass" } else { "passes" };
            println!(
                "{} by {} ({} gradient {passes})",
                summary.vessel, summary.method, summary.steps
            );
            if let Some(shares) = &summary.lead_share {
                let cells: Vec<String> = Lead::ALL
                    .iter()
                    .zip(shares)
                    .map(|(l, s)| format!("{} {:.3}", l.name(), s))
                    .collect();
                println!("lead share: {}", cells.join(", "));
            }
            if let Some(p) = &summary.phase_share {
                println!(
                    "phase share: P {:.3}, QRS {:.3}, ST-T {:.3} ({:.0} % of the attribution lies in these windows)",
                    p.shares[0],
                    p.shares[1],
                    p.shares[2],
                    p.coverage * 100.0
                );
            }
            if analysis.report.model.demonstration {
                println!("note: {}", analysis.report.model.disclaimer);
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    pub fn main() -> ExitCode {
        match parse_args(std::env::args().skip(1)).and_then(run) {
            Ok(code) => code,
            Err(message) => {
                if !message.is_empty() {
                    eprintln!("ecg-stenosis: {message}");
                }
                eprintln!("{USAGE}");
                ExitCode::from(2)
            }
        }
    }
}
