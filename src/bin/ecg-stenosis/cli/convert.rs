//! `convert`: a PyTorch checkpoint as a model file, without Python; or a model file's weights
//! stored in another dtype.

use std::path::PathBuf;
use std::process::ExitCode;

use ecg_stenosis::model::pytorch::read_checkpoint;
use ecg_stenosis::model::state::StoredDtype;
use ecg_stenosis::model::{ModelFile, ModelMetadata};

use super::common::{Failure, dtype, read, write};

/// Converts a PyTorch checkpoint into a model file, without Python.
///
/// Reads a PyTorch checkpoint (a flat state dict, {'state_dict': ...}, {'model': ...},
/// 'module.' prefixes) and writes a safetensors model file, checked by reading it back. The
/// metadata document names the model, its preprocessing, cut-offs and card (README, "Model
/// files"); without it the architecture is inferred from the tensors' shapes.
///
/// Given a model file instead (safetensors, recognised by content), writes the same model with
/// its weights stored as --dtype (f16 halves the download) and prints how far that moves the
/// logits on generated ECGs.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The checkpoint (.pth, .pt), or a model file (.safetensors) to store in another dtype.
    #[arg(value_name = "CHECKPOINT.pth")]
    checkpoint: PathBuf,
    /// Where to write the model file.
    #[arg(long, value_name = "MODEL.safetensors")]
    out: PathBuf,
    /// The model's metadata document (JSON).
    #[arg(long, value_name = "META.json")]
    metadata: Option<PathBuf>,
    /// How the weights are stored.
    #[arg(long, value_name = "f32|f16|bf16", default_value = "f32", value_parser = dtype)]
    dtype: StoredDtype,
    /// Keeps the tensors whose names begin with PREFIX in f32 whatever --dtype says (mixed
    /// precision; repeatable), e.g. `--keep-f32 first_conv. --keep-f32 dense.`: the input and
    /// output layers, where rounding moves the logits most.
    #[arg(long, value_name = "PREFIX")]
    keep_f32: Vec<String>,
    /// A clinical context rule (JSON: the `clinical_context` entry of the README's "Clinical
    /// context") to put into the written file, replacing any it had: how the guideline
    /// likelihood and the ECG's stratum combine, as this model's validation established.
    #[arg(long, value_name = "RULE.json")]
    clinical_context: Option<PathBuf>,
}

/// `metadata` with the rule of `--clinical-context`, when given (checked with the rest).
fn with_rule(metadata: ModelMetadata, args: &Args) -> Result<ModelMetadata, Failure> {
    let Some(path) = &args.clinical_context else {
        return Ok(metadata);
    };
    let text = read(path)?;
    let rule = serde_json::from_slice(&text)
        .map_err(|e| format!("{}: not a clinical context rule: {e}", path.display()))?;
    let metadata = ModelMetadata {
        clinical_context: Some(rule),
        ..metadata
    };
    metadata
        .check()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(metadata)
}

/// The model's weights as `args` asks them stored; refuses a `--keep-f32` prefix that names
/// no tensor (a typo would otherwise keep nothing, silently).
fn stored_as_asked(model: &ModelFile, args: &Args) -> Result<Vec<u8>, Failure> {
    for prefix in &args.keep_f32 {
        if !model
            .stored_tensors()
            .keys()
            .any(|name| name.starts_with(prefix.as_str()))
        {
            return Err(Failure::Usage(format!(
                "--keep-f32 '{prefix}' is the beginning of no tensor name of the model"
            )));
        }
    }
    model
        .to_safetensors_keeping(args.dtype, &args.keep_f32)
        .map_err(|e| e.to_string().into())
}

/// Generated ECGs the logits of a re-stored model file are compared on.
const PROBE_CASES: u64 = 16;

/// Whether the file at `path` is a safetensors file (an 8-byte header length, then JSON)
/// rather than a PyTorch checkpoint (a zip archive or a pickle).
fn is_safetensors(path: &std::path::Path) -> Result<bool, Failure> {
    use std::io::Read;
    let mut head = [0u8; 9];
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("{}: cannot open: {e}", path.display()))?;
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(format!("{}: cannot read: {e}", path.display()).into()),
        }
    }
    Ok(got == head.len() && head[8] == b'{')
}

/// The largest difference between two models' logits over the same generated ECGs.
fn largest_logit_change(before: &ModelFile, after: &ModelFile) -> Result<f32, Failure> {
    use ecg_stenosis::model::Runner;
    use ecg_stenosis::model::runner::block_on;
    use ecg_stenosis::pipeline::{Session, model_input};
    use ecg_stenosis::signal::WindowOptions;
    use ecg_stenosis::synth::{SynthConfig, generate};
    let session = |model: &ModelFile| {
        Session::new(model.clone(), Runner::cpu("convert's check"))
            .map_err(|e| Failure::from(e.to_string()))
    };
    let (before, after) = (session(before)?, session(after)?);
    let mut inputs = Vec::new();
    for seed in 0..PROBE_CASES {
        let case = generate(seed, &SynthConfig::default());
        let input = model_input(&case.ecg, before.metadata(), WindowOptions::default())
            .map_err(|e| e.to_string())?;
        inputs.extend(input.values);
    }
    let a = block_on(before.forward_inputs(&inputs)).map_err(|e| e.to_string())?;
    let b = block_on(after.forward_inputs(&inputs)).map_err(|e| e.to_string())?;
    Ok(a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max))
}

/// Writes `model`'s weights as `dtype`, checked by reading the file back.
fn restore(args: &Args) -> Result<ExitCode, Failure> {
    if args.metadata.is_some() {
        return Err(Failure::Usage(format!(
            "{} is a model file, which carries its own metadata: --metadata is for checkpoints",
            args.checkpoint.display()
        )));
    }
    let model = ModelFile::from_path(&args.checkpoint)
        .map_err(|e| format!("{}: {e}", args.checkpoint.display()))?;
    let model = match &args.clinical_context {
        None => model,
        Some(_) => model
            .with_metadata(with_rule(model.metadata().clone(), args)?)
            .map_err(|e| e.to_string())?,
    };
    let bytes = stored_as_asked(&model, args)?;
    let written = ModelFile::from_bytes(&bytes).map_err(|e| format!("self-check failed: {e}"))?;
    if written.config() != model.config() || written.metadata() != model.metadata() {
        return Err("self-check failed: the written file reads back as another model".into());
    }
    let change = largest_logit_change(&model, &written)?;
    write(&args.out, &bytes)?;
    say!(
        "wrote {}: {} bytes (from {}), weights {} (were {})",
        args.out.display(),
        bytes.len(),
        std::fs::metadata(&args.checkpoint).map_or(0, |m| m.len()),
        written.weight_dtypes().join("+"),
        model.weight_dtypes().join("+")
    );
    say!(
        "largest logit change over {PROBE_CASES} generated ECGs: {change:.3e} (the file's \
         cut-offs are probabilities and were not moved)"
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `convert`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    if is_safetensors(&args.checkpoint)? {
        return restore(&args);
    }
    let checkpoint = &args.checkpoint;
    let (tensors, layout) = read_checkpoint(checkpoint).map_err(|e| e.to_string())?;
    let metadata = match &args.metadata {
        Some(path) => {
            let text = String::from_utf8(read(path)?)
                .map_err(|_| format!("{}: not UTF-8 text", path.display()))?;
            let metadata =
                ModelMetadata::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(with_rule(metadata, &args)?)
        }
        None if args.clinical_context.is_some() => {
            return Err(Failure::Usage(
                "--clinical-context needs --metadata for a checkpoint (a file without metadata has no model to validate a rule for)".into(),
            ));
        }
        None => None,
    };
    let model = ModelFile::from_state_dict(tensors, metadata)
        .map_err(|e| format!("{}: {e}", checkpoint.display()))?;
    let bytes = stored_as_asked(&model, &args)?;
    // Read back what is about to be written: the file must load exactly as checked.
    let written = ModelFile::from_bytes(&bytes).map_err(|e| format!("self-check failed: {e}"))?;
    if written.config() != model.config() {
        return Err(
            "self-check failed: the written file reads back as another architecture".into(),
        );
    }
    write(&args.out, &bytes)?;
    let place = if layout.container_key.is_empty() {
        "a flat state dict".to_string()
    } else {
        format!("the state dict under '{}'", layout.container_key)
    };
    say!("read {place} from {}", checkpoint.display());
    if layout.module_prefix {
        say!("stripped the 'module.' prefix (DataParallel)");
    }
    if layout.dropped > 0 {
        say!(
            "dropped {} tensor(s) outside the state dict (optimizer state ...)",
            layout.dropped
        );
    }
    let config = written.config();
    say!(
        "wrote {}: {} bytes, {} tensors, {} parameters, dtype {}",
        args.out.display(),
        bytes.len(),
        written.stored_tensors().len(),
        written.parameter_count(),
        written.weight_dtypes().join("+")
    );
    say!(
        "architecture: filters {:?}, blocks {:?}, use_bn {}, {} outputs ({})",
        config.filter_list,
        config.m_blocks_list,
        config.use_bn,
        config.n_outputs,
        written.metadata().outputs.join(", ")
    );
    for warning in model.warnings() {
        say!("warning: {warning}");
    }
    if args.metadata.is_none() {
        say!(
            "note: no --metadata given, so the file carries none and loads with the \
             defaults above; give a metadata document (README, 'Model files') to name \
             the model, its preprocessing, thresholds and card"
        );
    }
    Ok(ExitCode::SUCCESS)
}
