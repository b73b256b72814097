//! `convert`: a PyTorch checkpoint as a model file, without Python.

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
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The checkpoint (.pth, .pt).
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
}

/// Runs `convert`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let checkpoint = &args.checkpoint;
    let (tensors, layout) = read_checkpoint(checkpoint).map_err(|e| e.to_string())?;
    let metadata = match &args.metadata {
        Some(path) => {
            let text = String::from_utf8(read(path)?)
                .map_err(|_| format!("{}: not UTF-8 text", path.display()))?;
            let metadata =
                ModelMetadata::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
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
