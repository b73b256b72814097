//! PyTorch checkpoints (`.pth` / `.pt`, pickled by `torch.save`) read natively, without Python:
//! the pickle and its storages are parsed by the `pytorch-reader` crate, this module picks out
//! the network's state dict. Native only: the page takes safetensors.
//!
//! Layouts accepted (model-spec §3): a flat state dict; `{"state_dict": …}` next to optimiser
//! state (ECGFounder's release); `{"model": …}` (the CCTA training code); any of them with
//! DataParallel's `module.` prefix. Everything outside the chosen dict is dropped.

use std::path::Path;

use pytorch_reader::{DType, PytorchReader};

use super::state::{RawTensor, StateDict, StoredDtype};

/// Where in the checkpoint the state dict was found, for the user to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointLayout {
    /// `""` for a flat state dict, else the key holding it (`state_dict`, `model` …).
    pub container_key: String,
    /// Whether DataParallel's `module.` prefix was stripped.
    pub module_prefix: bool,
    /// Tensors outside the state dict that were dropped (optimiser state …).
    pub dropped: usize,
}

/// Why a checkpoint could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CheckpointError {
    /// The file.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Keys that may hold the state dict, tried in this order after the flat layout.
const CONTAINER_KEYS: [&str; 4] = ["state_dict", "model", "model_state_dict", "net"];

/// The marker of a Net1D state dict.
const MARKER: &str = "first_conv.conv.weight";

/// Reads a PyTorch checkpoint and returns the network's tensors under their plain keys.
pub fn read_checkpoint(path: &Path) -> Result<(StateDict, CheckpointLayout), CheckpointError> {
    let fail = |message: String| CheckpointError {
        path: path.display().to_string(),
        message,
    };
    let reader = PytorchReader::new(path)
        .map_err(|e| fail(format!("not a readable PyTorch checkpoint: {e}")))?;
    // The reader flattens nested dicts into dotted names: "state_dict.first_conv.conv.weight".
    let all = reader.into_tensors();
    let mut candidates = vec![String::new()];
    candidates.extend(CONTAINER_KEYS.iter().map(|k| format!("{k}.")));
    let (prefix, module_prefix) = candidates
        .iter()
        .flat_map(|p| [(p.clone(), false), (format!("{p}module."), true)])
        .find(|(p, _)| all.contains_key(&format!("{p}{MARKER}")))
        .ok_or_else(|| {
            let mut names: Vec<_> = all.keys().take(5).cloned().collect();
            names.sort();
            fail(format!(
                "no Net1D state dict found: no '{MARKER}' at the top level or under {} \
                 (with or without 'module.'); first tensor names: {names:?}",
                CONTAINER_KEYS.join(", ")
            ))
        })?;
    let mut tensors = StateDict::new();
    let mut dropped = 0;
    for (name, tensor) in all {
        let Some(key) = name.strip_prefix(&prefix) else {
            dropped += 1;
            continue;
        };
        let dtype = match tensor.dtype() {
            DType::F32 => StoredDtype::F32,
            DType::F16 => StoredDtype::F16,
            DType::BF16 => StoredDtype::BF16,
            DType::F64 => StoredDtype::F64,
            DType::I64 => StoredDtype::I64,
            other => {
                return Err(fail(format!(
                    "tensor '{key}' has dtype {other:?}, which a Net1D never stores"
                )));
            }
        };
        let bytes = tensor
            .read()
            .map_err(|e| fail(format!("tensor '{key}': {e}")))?;
        // pytorch-reader returns native-endian bytes; model files are little-endian.
        let bytes = if cfg!(target_endian = "big") {
            let size = dtype.size().unwrap_or(1);
            bytes
                .chunks_exact(size)
                .flat_map(|c| c.iter().rev().copied().collect::<Vec<_>>())
                .collect()
        } else {
            bytes
        };
        let raw = RawTensor {
            dtype,
            shape: tensor.shape().to_vec(),
            bytes,
        };
        tensors.insert(key.to_string(), raw);
    }
    let container_key = prefix
        .trim_end_matches("module.")
        .trim_end_matches('.')
        .to_string();
    Ok((
        tensors,
        CheckpointLayout {
            container_key,
            module_prefix,
            dropped,
        },
    ))
}
