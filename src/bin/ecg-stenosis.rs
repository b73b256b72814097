//! `ecg-stenosis`: the native command-line tool, thin over the library.
//!
//! ```text
//! ecg-stenosis inspect FILE [--sample-rate-hz R]
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

    use ecg_stenosis::ecg::Ecg;
    use ecg_stenosis::formats::{CsvOptions, Limits, read_csv, read_npy_f32};
    use ecg_stenosis::model::pytorch::read_checkpoint;
    use ecg_stenosis::model::runner::block_on;
    use ecg_stenosis::model::state::StoredDtype;
    use ecg_stenosis::model::{BackendPreference, ModelFile, ModelMetadata, Runner};
    use ecg_stenosis::render::{DrawOptions, draw_leads};
    use plotters::drawing::IntoDrawingArea;
    use plotters::prelude::SVGBackend;
    use serde_json::json;

    const USAGE: &str = "usage:
      ecg-stenosis inspect FILE [--sample-rate-hz R]
      ecg-stenosis render FILE --out TRACING.svg [--sample-rate-hz R]
      ecg-stenosis convert CHECKPOINT.pth --out MODEL.safetensors [--metadata META.json]
                           [--dtype f32|f16|bf16]
      ecg-stenosis predict --model MODEL.safetensors --tensor X.npy [--json] [--backend auto|cpu|gpu]

    FILE is a CSV/TSV ECG: a header of lead names (I, II, ..., V6), values in mV, and a
    'time (s)' column or --sample-rate-hz.
    convert reads a PyTorch checkpoint (flat state dict, {'state_dict': ...}, {'model': ...},
    'module.' prefixes) without Python and writes a safetensors model file.
    predict --tensor runs the network on an already-preprocessed float32 .npy of shape
    [12, samples] or [N, 12, samples]; no preprocessing is applied.";

    enum Command {
        Inspect,
        Render,
        Convert,
        Predict,
    }

    struct Args {
        command: Command,
        file: Option<PathBuf>,
        out: Option<PathBuf>,
        sample_rate_hz: Option<f64>,
        model: Option<PathBuf>,
        tensor: Option<PathBuf>,
        metadata: Option<PathBuf>,
        dtype: StoredDtype,
        backend: BackendPreference,
        json: bool,
    }

    fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let command = match args.next().ok_or("no command given")?.as_str() {
            "inspect" => Command::Inspect,
            "render" => Command::Render,
            "convert" => Command::Convert,
            "predict" => Command::Predict,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown command '{other}'")),
        };
        let mut parsed = Args {
            command,
            file: None,
            out: None,
            sample_rate_hz: None,
            model: None,
            tensor: None,
            metadata: None,
            dtype: StoredDtype::F32,
            backend: BackendPreference::Auto,
            json: false,
        };
        while let Some(arg) = args.next() {
            let mut value = |what: &str| args.next().ok_or(format!("{arg} needs {what}"));
            match arg.as_str() {
                "--out" => parsed.out = Some(PathBuf::from(value("a path")?)),
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
                "-h" | "--help" => return Err(String::new()),
                flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
                path if parsed.file.is_none() => parsed.file = Some(PathBuf::from(path)),
                extra => return Err(format!("unexpected argument '{extra}'")),
            }
        }
        Ok(parsed)
    }

    fn read(path: &Path) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
    }

    fn load(file: &Path, args: &Args) -> Result<Ecg, String> {
        let bytes = read(file)?;
        let options = CsvOptions {
            sample_rate_hz: args.sample_rate_hz,
        };
        read_csv(&bytes, &options, &Limits::default())
            .map_err(|e| format!("{}: {} ({})", file.display(), e, e.kind().name()))
    }

    fn run(args: Args) -> Result<(), String> {
        match args.command {
            Command::Convert => return convert(&args),
            Command::Predict => return predict(&args),
            Command::Inspect | Command::Render => {}
        }
        let file = args.file.as_deref().ok_or("no FILE given")?;
        let ecg = load(file, &args)?;
        match args.command {
            Command::Convert | Command::Predict => unreachable!("handled above"),
            Command::Inspect => {
                println!("file: {}", file.display());
                println!("sample_rate_hz: {}", ecg.sample_rate_hz());
                println!("samples_per_lead: {}", ecg.samples_per_lead());
                println!("duration_secs: {:.3}", ecg.duration_secs());
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
                for warning in ecg.warnings() {
                    println!("warning: {warning}");
                }
                Ok(())
            }
            Command::Render => {
                let out = args.out.as_ref().ok_or("render needs --out TRACING.svg")?;
                let area = SVGBackend::new(out, (1600, 1200)).into_drawing_area();
                draw_leads(&area, &ecg, &DrawOptions::default()).map_err(|e| e.to_string())?;
                drop(area);
                println!("wrote {}", out.display());
                Ok(())
            }
        }
    }

    fn convert(args: &Args) -> Result<(), String> {
        let checkpoint = args.file.as_deref().ok_or("convert needs CHECKPOINT.pth")?;
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

    fn predict(args: &Args) -> Result<(), String> {
        let model_path = args
            .model
            .as_deref()
            .ok_or("predict needs --model MODEL.safetensors")?;
        let tensor_path = args
            .tensor
            .as_deref()
            .ok_or("predict needs --tensor X.npy (ECG files come with the pipeline)")?;
        if let Some(extra) = &args.file {
            return Err(format!("unexpected argument '{}'", extra.display()));
        }
        let model = ModelFile::from_path(model_path).map_err(|e| e.to_string())?;
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
        Ok(())
    }

    pub fn main() -> ExitCode {
        match parse_args(std::env::args().skip(1)).and_then(run) {
            Ok(()) => ExitCode::SUCCESS,
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
