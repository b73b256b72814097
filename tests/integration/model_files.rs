//! Model files against the PyTorch reference (tools/net1d_reference.py).
//!
//! The fixtures in tests/fixtures/model/ and the golden logits were written by
//! `/tmp/torchenv/bin/python tools/make_model_fixtures.py` (torch 2.15.0; the command and version
//! are also inside golden-logits.json). Tolerance: 1e-5 absolute on logits (issue 3).

use std::collections::HashMap;
use std::path::Path;

use ecg_stenosis::formats::{Limits, read_npy_f32};
use ecg_stenosis::model::runner::block_on;
use ecg_stenosis::model::state::{RawTensor, StoredDtype, read_safetensors, write_safetensors};
use ecg_stenosis::model::{ModelFile, ModelFileError, ModelWarning, Runner, TensorProblem};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/model");
const TOLERANCE: f64 = 1e-5;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(DIR).join(name)).unwrap()
}

fn golden() -> Value {
    serde_json::from_slice(&fixture("golden-logits.json")).unwrap()
}

/// The golden input [2, 12, 5000], optionally cut to its first `samples` per lead.
fn input(samples: usize) -> Vec<f32> {
    let npy = read_npy_f32(&fixture("golden-input.npy"), &Limits::default()).unwrap();
    assert_eq!(npy.shape, vec![2, 12, 5000]);
    npy.values
        .chunks(5000)
        .flat_map(|lead| lead[..samples].to_vec())
        .collect()
}

fn logits(model: &ModelFile, batch: usize, samples: usize, data: Vec<f32>) -> Vec<f32> {
    let runner = Runner::cpu("test");
    let net = model.build(runner.device()).unwrap();
    block_on(runner.forward(&net, data, [batch, 12, samples])).unwrap()
}

/// The same with BatchNorm folded into the convolutions (burn's module).
fn folded_logits(model: &ModelFile, batch: usize, samples: usize, data: Vec<f32>) -> Vec<f32> {
    let runner = Runner::cpu("test");
    let net = model.build(runner.device()).unwrap().folded();
    block_on(runner.forward(&net, data, [batch, 12, samples])).unwrap()
}

/// As `Session` runs every model file on the CPU: BatchNorm folded, weights packed
/// (`Runner::prepare`, src/model/packed.rs).
fn packed_logits(model: &ModelFile, batch: usize, samples: usize, data: Vec<f32>) -> Vec<f32> {
    let runner = Runner::cpu("test");
    let net = runner.prepare(model.build(runner.device()).unwrap().folded());
    block_on(runner.forward_prepared(&net, data, [batch, 12, samples])).unwrap()
}

fn max_abs_diff(ours: &[f32], reference: &Value) -> f64 {
    let reference: Vec<f64> = reference
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect();
    assert_eq!(ours.len(), reference.len());
    ours.iter()
        .zip(&reference)
        .map(|(&a, b)| (f64::from(a) - b).abs())
        .fold(0.0, f64::max)
}

#[test]
fn golden_logits_match_pytorch_with_and_without_bn() {
    let golden = golden();
    for (file, key, use_bn) in [
        ("golden-bn.safetensors", "bn", true),
        ("golden-nobn.safetensors", "nobn", false),
    ] {
        let model = ModelFile::from_bytes(&fixture(file)).unwrap();
        assert_eq!(model.config().use_bn, use_bn, "{file}");
        for samples in [5000, 4999] {
            let reference = &golden[key][samples.to_string()];
            let ours = logits(&model, 2, samples, input(samples));
            let diff = max_abs_diff(&ours, reference);
            println!("{file} L={samples}: max |Δlogit| = {diff:.2e}");
            assert!(diff <= TOLERANCE, "{file} L={samples}: {diff}");
            // Issue 19: folded BN changes nothing beyond rounding.
            let folded = folded_logits(&model, 2, samples, input(samples));
            let diff = max_abs_diff(&folded, reference);
            println!("{file} L={samples}, BN folded: max |Δlogit| = {diff:.2e}");
            assert!(diff <= TOLERANCE, "{file} L={samples} folded: {diff}");
            let packed = packed_logits(&model, 2, samples, input(samples));
            let diff = max_abs_diff(&packed, reference);
            println!("{file} L={samples}, packed CPU pass: max |Δlogit| = {diff:.2e}");
            assert!(diff <= TOLERANCE, "{file} L={samples} packed: {diff}");
            let unfolded_vs_folded = ours
                .iter()
                .zip(&folded)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(unfolded_vs_folded <= 1e-5, "{file}: {unfolded_vs_folded}");
        }
    }
}

#[test]
fn metadata_is_read_and_a_plain_state_dict_gets_stated_defaults() {
    let with = ModelFile::from_bytes(&fixture("golden-bn.safetensors")).unwrap();
    assert!(!with.metadata_inferred());
    assert_eq!(with.metadata().name, "golden-bn");
    assert_eq!(with.metadata().thresholds["LAD"].rule_in.probability, 0.6);
    assert!(with.metadata().card.demonstration);
    assert!(with.metadata().extra.contains_key("generated_by"));

    let plain = ModelFile::from_bytes(&fixture("golden-nobn.safetensors")).unwrap();
    assert!(plain.metadata_inferred());
    let config = plain.config();
    assert_eq!(config.filter_list, vec![16, 16, 32, 32, 48, 48, 64]);
    assert_eq!(config.m_blocks_list, vec![2, 1, 2, 1, 2, 1, 2]);
    assert_eq!((config.groups_width, config.kernel_size), (8, 16));
    assert_eq!(plain.metadata().outputs, ["RCA", "LM", "LAD", "LCX"]);
    let warnings: Vec<String> = plain.warnings().iter().map(ToString::to_string).collect();
    assert!(
        matches!(&plain.warnings()[0], ModelWarning::NoMetadata { defaults } if defaults.iter().any(|d| d.contains("stride = 2"))),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("use_bn = false inferred")),
        "{warnings:?}"
    );
    // Same tensors with BN statistics trained: use_bn must come out true.
    let (mut tensors, _) = read_safetensors(&fixture("golden-nobn.safetensors")).unwrap();
    tensors.insert(
        "stage_list.3.block_list.0.bn2.num_batches_tracked".into(),
        RawTensor {
            dtype: StoredDtype::I64,
            shape: vec![],
            bytes: 7i64.to_le_bytes().to_vec(),
        },
    );
    let trained = ModelFile::from_state_dict(tensors, None).unwrap();
    assert!(trained.config().use_bn);
}

/// Rewrites golden-bn.safetensors with `edit` applied to its tensors.
fn edited(edit: impl FnOnce(&mut ecg_stenosis::model::state::StateDict)) -> Vec<u8> {
    let (mut tensors, metadata) = read_safetensors(&fixture("golden-bn.safetensors")).unwrap();
    edit(&mut tensors);
    write_safetensors(&tensors, metadata).unwrap()
}

#[test]
fn bad_files_list_every_offending_tensor_and_never_panic() {
    let bytes = edited(|t| {
        t.remove("stage_list.2.block_list.1.conv2.conv.weight");
        t.remove("dense.bias");
        t.insert(
            "stage_list.0.block_list.0.se_fc1.weight".into(),
            RawTensor::from_f32(vec![4, 16], &[0.0; 64]),
        );
        t.insert(
            "extra.head.weight".into(),
            RawTensor::from_f32(vec![2], &[0.0; 2]),
        );
    });
    let error = ModelFile::from_bytes(&bytes).unwrap_err();
    let ModelFileError::Tensors { problems, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(problems.len(), 4, "{error}");
    assert!(problems.contains(&TensorProblem::Missing {
        name: "stage_list.2.block_list.1.conv2.conv.weight".into(),
        expected: vec![32, 8, 16],
    }));
    assert!(problems.contains(&TensorProblem::Shape {
        name: "stage_list.0.block_list.0.se_fc1.weight".into(),
        expected: vec![8, 16],
        found: vec![4, 16],
    }));
    let text = error.to_string();
    for needle in [
        "dense.bias: missing (expected shape [4])",
        "extra.head.weight",
        "4 tensor(s)",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }

    let good = fixture("golden-bn.safetensors");
    for cut in [0, 7, 100, good.len() / 2, good.len() - 1] {
        let error = ModelFile::from_bytes(&good[..cut]).unwrap_err();
        assert!(
            matches!(error, ModelFileError::Container(_)),
            "cut {cut}: {error}"
        );
    }

    let (tensors, mut metadata) = read_safetensors(&good).unwrap();
    for (json, needle) in [
        ("{\"format_version\": 1, \"name\": ", "not valid JSON"),
        ("{\"format_version\": 9}", "format_version 9"),
        ("{\"format_version\": 1}", "missing field"),
    ] {
        metadata.insert("ecg_stenosis".into(), json.into());
        let bytes = write_safetensors(&tensors, metadata.clone()).unwrap();
        let error = ModelFile::from_bytes(&bytes).unwrap_err();
        assert!(
            matches!(&error, ModelFileError::Metadata(m) if m.to_string().contains(needle)),
            "{json}: {error}"
        );
    }
    // Metadata that disagrees with the tensors: listed like any other mismatch.
    let (_, original) = read_safetensors(&good).unwrap();
    let doc = original["ecg_stenosis"].replace(
        "\"filter_list\": [16, 16, 32",
        "\"filter_list\": [16, 24, 32",
    );
    assert_ne!(doc, original["ecg_stenosis"]);
    let bytes = write_safetensors(&tensors, HashMap::from([("ecg_stenosis".into(), doc)])).unwrap();
    assert!(matches!(
        ModelFile::from_bytes(&bytes),
        Err(ModelFileError::Metadata(_) | ModelFileError::Tensors { .. })
    ));
}

#[test]
fn half_precision_files_compute_in_f32_close_to_the_original() {
    let model = ModelFile::from_bytes(&fixture("golden-bn.safetensors")).unwrap();
    let reference = logits(&model, 2, 5000, input(5000));
    for dtype in [StoredDtype::F16, StoredDtype::BF16] {
        let bytes = model.to_safetensors(dtype).unwrap();
        let half = ModelFile::from_bytes(&bytes).unwrap();
        assert_eq!(half.weight_dtypes(), vec![dtype.name()]);
        assert_eq!(half.metadata(), model.metadata());
        let ours = logits(&half, 2, 5000, input(5000));
        let diff = ours
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        println!("{}: max |Δlogit| vs f32 = {diff:.2e}", dtype.name());
        assert!(diff < 1e-2, "{dtype:?}: {diff}");
    }
}

#[test]
fn a_network_built_here_saves_and_loads_back_to_the_same_logits() {
    let runner = Runner::cpu("test");
    let golden = ModelFile::from_bytes(&fixture("golden-bn.safetensors")).unwrap();
    let config = golden.config();
    let net = runner.init_net(&config, 99).unwrap();
    let saved = ModelFile::from_net(&net, golden.metadata().clone()).unwrap();
    let bytes = saved.to_safetensors(StoredDtype::F32).unwrap();
    let loaded = ModelFile::from_bytes(&bytes).unwrap();
    assert_eq!(loaded.metadata(), golden.metadata());
    // A complete PyTorch state dict: the same tensor names and parameter count as the file
    // PyTorch wrote, the first block's bn1 and the batch counters included.
    assert_eq!(loaded.parameter_count(), golden.parameter_count());
    assert!(
        loaded
            .stored_tensors()
            .keys()
            .eq(golden.stored_tensors().keys())
    );
    let reloaded = loaded.build(runner.device()).unwrap();
    let x = input(5000);
    let a = block_on(runner.forward(&net, x.clone(), [2, 12, 5000])).unwrap();
    let b = block_on(runner.forward(&reloaded, x, [2, 12, 5000])).unwrap();
    assert_eq!(a, b);
}
