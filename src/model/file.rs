//! Model files: a safetensors state dict with PyTorch key names (model-spec §3) and, normally,
//! the `ecg_stenosis` metadata document. A plain state-dict export without the document loads
//! too: the architecture is read off the tensor shapes and the rest takes stated defaults.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor, TensorData};

use super::metadata::{
    Architecture, Card, InputSpec, METADATA_KEY, MetadataError, ModelMetadata, Preprocessing,
};
use super::net1d::{ConfigError, Net1d, Net1dConfig};
use super::state::{ContainerError, RawTensor, StateDict, StoredDtype, read_safetensors};

/// What is wrong with one tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorProblem {
    /// The architecture needs it and the file lacks it.
    Missing {
        /// State-dict key.
        name: String,
        /// PyTorch shape expected.
        expected: Vec<usize>,
    },
    /// Present with the wrong shape.
    Shape {
        /// State-dict key.
        name: String,
        /// PyTorch shape expected.
        expected: Vec<usize>,
        /// Shape found.
        found: Vec<usize>,
    },
    /// Present with a type that is not a float.
    Dtype {
        /// State-dict key.
        name: String,
        /// Type found.
        found: &'static str,
    },
    /// A tensor that is no part of this architecture.
    Unexpected {
        /// State-dict key.
        name: String,
        /// Shape found.
        found: Vec<usize>,
    },
}

impl fmt::Display for TensorProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TensorProblem::Missing { name, expected } => {
                write!(f, "{name}: missing (expected shape {expected:?})")
            }
            TensorProblem::Shape {
                name,
                expected,
                found,
            } => write!(f, "{name}: shape {found:?}, expected {expected:?}"),
            TensorProblem::Dtype { name, found } => {
                write!(f, "{name}: dtype {found}, expected F32, F16 or BF16")
            }
            TensorProblem::Unexpected { name, found } => {
                write!(f, "{name}: shape {found:?}, not part of this architecture")
            }
        }
    }
}

/// Why a model file cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelFileError {
    /// The bytes are not a safetensors file.
    #[error(transparent)]
    Container(#[from] ContainerError),
    /// The metadata document is unusable.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// No metadata, and the tensors do not describe a Net1D.
    #[error("no ecg_stenosis metadata, and the tensors are not a Net1D state dict: {0}")]
    NotNet1d(String),
    /// The architecture cannot be built.
    #[error("architecture: {0}")]
    Config(#[from] ConfigError),
    /// Tensors that do not fit the architecture, every one listed.
    #[error("{} tensor(s) do not fit the {} architecture:\n  {}", .problems.len(),
            .architecture, list(.problems))]
    Tensors {
        /// A short description of the architecture checked against.
        architecture: String,
        /// Every offending tensor.
        problems: Vec<TensorProblem>,
    },
    /// The file could not be read (native only).
    #[error("{path}: cannot read: {message}")]
    Io {
        /// The path given.
        path: String,
        /// The system's words.
        message: String,
    },
}

fn list(problems: &[TensorProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// Something the loader assumed or ignored, for the user to see.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelWarning {
    /// The file has no metadata document; these defaults were taken.
    NoMetadata {
        /// `field = value (why)` for every default taken.
        defaults: Vec<String>,
    },
    /// `use_bn` was decided from the BN tensors.
    UseBnInferred {
        /// The decision.
        use_bn: bool,
        /// The evidence.
        reason: String,
    },
    /// BN tensors present but not applied, because `use_bn` is false.
    UnusedBn {
        /// How many tensors.
        count: usize,
    },
}

impl fmt::Display for ModelWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelWarning::NoMetadata { defaults } => write!(
                f,
                "the file has no ecg_stenosis metadata; assumed {}",
                defaults.join("; ")
            ),
            ModelWarning::UseBnInferred { use_bn, reason } => {
                write!(f, "use_bn = {use_bn} inferred: {reason}")
            }
            ModelWarning::UnusedBn { count } => write!(
                f,
                "{count} BatchNorm tensor(s) in the file are not applied, because use_bn is false"
            ),
        }
    }
}

/// How a tensor of the architecture is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Needed by the forward pass.
    Used,
    /// A BN tensor the configuration does not apply, or BN's batch counter: allowed, ignored.
    Ignored,
}

/// Every state-dict key a Net1D of this configuration may hold, PyTorch shapes.
fn expected_tensors(config: &Net1dConfig) -> Vec<(String, Vec<usize>, Role)> {
    let mut out = Vec::new();
    let bn_role = if config.use_bn {
        Role::Used
    } else {
        Role::Ignored
    };
    let bn = |out: &mut Vec<_>, prefix: &str, channels: usize, role: Role| {
        for leaf in ["weight", "bias", "running_mean", "running_var"] {
            out.push((format!("{prefix}.{leaf}"), vec![channels], role));
        }
        out.push((
            format!("{prefix}.num_batches_tracked"),
            vec![],
            Role::Ignored,
        ));
    };
    let conv = |out: &mut Vec<_>, prefix: &str, shape: [usize; 3]| {
        out.push((format!("{prefix}.conv.weight"), shape.to_vec(), Role::Used));
        out.push((format!("{prefix}.conv.bias"), vec![shape[0]], Role::Used));
    };
    let linear = |out: &mut Vec<_>, prefix: &str, inputs: usize, outputs: usize| {
        out.push((
            format!("{prefix}.weight"),
            vec![outputs, inputs],
            Role::Used,
        ));
        out.push((format!("{prefix}.bias"), vec![outputs], Role::Used));
    };
    let k = config.kernel_size;
    conv(
        &mut out,
        "first_conv",
        [config.base_filters, config.in_channels, k],
    );
    bn(&mut out, "first_bn", config.base_filters, bn_role);
    let mut in_channels = config.base_filters;
    for (s, (&filters, &blocks)) in config
        .filter_list
        .iter()
        .zip(&config.m_blocks_list)
        .enumerate()
    {
        let middle = (filters as f64 * config.ratio) as usize;
        for b in 0..blocks {
            let p = format!("stage_list.{s}.block_list.{b}");
            let block_in = if b == 0 { in_channels } else { filters };
            // The network's first block never applies bn1, but PyTorch still stores it.
            let bn1_role = if s == 0 && b == 0 {
                Role::Ignored
            } else {
                bn_role
            };
            bn(&mut out, &format!("{p}.bn1"), block_in, bn1_role);
            conv(&mut out, &format!("{p}.conv1"), [middle, block_in, 1]);
            bn(&mut out, &format!("{p}.bn2"), middle, bn_role);
            conv(
                &mut out,
                &format!("{p}.conv2"),
                [middle, config.groups_width, k],
            );
            bn(&mut out, &format!("{p}.bn3"), middle, bn_role);
            conv(&mut out, &format!("{p}.conv3"), [filters, middle, 1]);
            linear(&mut out, &format!("{p}.se_fc1"), filters, filters / 2);
            linear(&mut out, &format!("{p}.se_fc2"), filters / 2, filters);
        }
        in_channels = filters;
    }
    linear(&mut out, "dense", in_channels, config.n_outputs);
    out
}

/// A model file, checked against its architecture and ready to build.
#[derive(Debug, Clone)]
pub struct ModelFile {
    metadata: ModelMetadata,
    metadata_inferred: bool,
    warnings: Vec<ModelWarning>,
    /// Every tensor of the architecture found in the file, as stored: checked for shape and,
    /// where the forward pass uses it, for a float dtype. Decoded to f32 only by `build`.
    stored: StateDict,
    parameter_count: usize,
}

impl ModelFile {
    /// Reads a safetensors model file from memory (the browser's path).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelFileError> {
        let (tensors, strings) = read_safetensors(bytes)?;
        let metadata = match strings.get(METADATA_KEY) {
            Some(text) => Some(ModelMetadata::from_json(text)?),
            None => None,
        };
        Self::from_state_dict(tensors, metadata)
    }

    /// The model file of a network built here (e.g. trained with burn's autodiff): its weights
    /// under PyTorch key names, with `metadata` (whose architecture must be the network's).
    /// Reads the weights back synchronously, so the network must live on a CPU device.
    pub fn from_net(net: &Net1d, metadata: ModelMetadata) -> Result<Self, ModelFileError> {
        let mut collector = WeightCollector {
            tensors: StateDict::new(),
            path: Vec::new(),
        };
        net.visit(&mut collector);
        let mut tensors = collector.tensors;
        // A complete PyTorch state dict: the BN tensors the network does not hold (the first
        // block's bn1; all of them when use_bn is false) at PyTorch's initial values, and the
        // batch counters, so `load_state_dict(strict=True)` takes the file.
        for (name, shape, role) in expected_tensors(&metadata.architecture.config()) {
            if role != Role::Ignored || tensors.contains_key(&name) {
                continue;
            }
            let count = shape.iter().product::<usize>();
            let tensor = if name.ends_with("num_batches_tracked") {
                RawTensor {
                    dtype: StoredDtype::I64,
                    shape,
                    bytes: 0i64.to_le_bytes().to_vec(),
                }
            } else if name.ends_with(".weight") || name.ends_with("running_var") {
                RawTensor::from_f32(shape, &vec![1.0; count])
            } else {
                RawTensor::from_f32(shape, &vec![0.0; count])
            };
            tensors.insert(name, tensor);
        }
        Self::from_state_dict(tensors, Some(metadata))
    }

    /// Reads a model file from disk.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_path(path: &std::path::Path) -> Result<Self, ModelFileError> {
        let bytes = std::fs::read(path).map_err(|e| ModelFileError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_bytes(&bytes)
    }

    /// Checks a state dict against `metadata`'s architecture, or infers the architecture
    /// from the shapes when there is no metadata.
    pub fn from_state_dict(
        mut tensors: StateDict,
        metadata: Option<ModelMetadata>,
    ) -> Result<Self, ModelFileError> {
        let mut warnings = Vec::new();
        let metadata_inferred = metadata.is_none();
        let metadata = match metadata {
            Some(metadata) => metadata,
            None => infer_metadata(&tensors, &mut warnings)?,
        };
        let config = metadata.architecture.config();
        config.validate()?;
        let mut problems = Vec::new();
        let mut stored = StateDict::new();
        let mut ignored_bn = 0;
        // Each tensor the architecture has moves from `tensors` to `stored`; what is left over
        // is no part of the architecture.
        for (name, shape, role) in expected_tensors(&config) {
            let Some(tensor) = tensors.remove(&name) else {
                if role == Role::Used {
                    problems.push(TensorProblem::Missing {
                        name,
                        expected: shape,
                    });
                }
                continue;
            };
            if role == Role::Ignored {
                // Batch counters and the first block's bn1 are in every PyTorch state dict
                // and never used: not worth a warning. BN tensors skipped because use_bn is
                // false are.
                let counter = name.ends_with("num_batches_tracked");
                if !counter && !name.starts_with("stage_list.0.block_list.0.bn1.") {
                    ignored_bn += 1;
                }
                stored.insert(name, tensor);
                continue;
            }
            if tensor.shape != shape {
                problems.push(TensorProblem::Shape {
                    name,
                    expected: shape,
                    found: tensor.shape,
                });
                continue;
            }
            if !tensor.dtype.is_float() {
                problems.push(TensorProblem::Dtype {
                    name,
                    found: tensor.dtype.name(),
                });
                continue;
            }
            stored.insert(name, tensor);
        }
        for (name, tensor) in tensors {
            problems.push(TensorProblem::Unexpected {
                name,
                found: tensor.shape,
            });
        }
        if !problems.is_empty() {
            return Err(ModelFileError::Tensors {
                architecture: describe(&config),
                problems,
            });
        }
        if ignored_bn > 0 {
            warnings.push(ModelWarning::UnusedBn { count: ignored_bn });
        }
        // PyTorch's parameter count: every weight and bias, BN's γ/β included, running
        // statistics and counters not.
        let parameter_count = stored
            .iter()
            .filter(|(name, _)| {
                !(name.ends_with("running_mean")
                    || name.ends_with("running_var")
                    || name.ends_with("num_batches_tracked"))
            })
            .map(|(_, t)| t.len())
            .sum();
        Ok(Self {
            metadata,
            metadata_inferred,
            warnings,
            stored,
            parameter_count,
        })
    }

    /// The metadata document, as stored or as inferred.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    /// Whether the metadata was inferred (the file had none).
    pub fn metadata_inferred(&self) -> bool {
        self.metadata_inferred
    }

    /// What the loader assumed or ignored.
    pub fn warnings(&self) -> &[ModelWarning] {
        &self.warnings
    }

    /// The network configuration.
    pub fn config(&self) -> Net1dConfig {
        self.metadata.architecture.config()
    }

    /// Weights and biases as PyTorch counts them (BN γ/β included even when unused).
    pub fn parameter_count(&self) -> usize {
        self.parameter_count
    }

    /// The architecture's tensors as stored in the file (for writing a new file).
    pub fn stored_tensors(&self) -> &StateDict {
        &self.stored
    }

    /// The dtypes the file stores its weights in (e.g. `["F16"]`).
    pub fn weight_dtypes(&self) -> Vec<&'static str> {
        let set: BTreeSet<_> = self
            .stored
            .values()
            .filter(|t| t.dtype.is_float())
            .map(|t| t.dtype.name())
            .collect();
        set.into_iter().collect()
    }

    /// Builds the network on `device` with this file's weights.
    pub fn build(&self, device: &Device) -> Result<Net1d, ConfigError> {
        let net = self.config().init(device)?;
        let mut loader = WeightLoader {
            tensors: &self.stored,
            device: device.clone(),
            path: Vec::new(),
        };
        Ok(net.map(&mut loader))
    }

    /// The same weights under another metadata document (checked against them).
    pub fn with_metadata(&self, metadata: ModelMetadata) -> Result<Self, ModelFileError> {
        metadata.check()?;
        Self::from_state_dict(self.stored.clone(), Some(metadata))
    }

    /// A safetensors file of this model with every tensor exactly as stored (no cast), and the
    /// metadata document unless it was only inferred.
    pub fn to_safetensors_as_stored(&self) -> Result<Vec<u8>, ContainerError> {
        let mut metadata = HashMap::new();
        if !self.metadata_inferred {
            metadata.insert(METADATA_KEY.to_string(), self.metadata.to_json());
        }
        super::state::write_safetensors(&self.stored, metadata)
    }

    /// A safetensors file of this model: the same tensors cast to `dtype` (a float type),
    /// and the metadata document unless it was only inferred (a guess is not written down as
    /// if someone had declared it; loading the new file infers it again, with the warnings).
    pub fn to_safetensors(&self, dtype: StoredDtype) -> Result<Vec<u8>, ContainerError> {
        self.to_safetensors_keeping(dtype, &[])
    }

    /// [`ModelFile::to_safetensors`], except that the float tensors whose names begin with one
    /// of `keep_f32` are stored as F32 (mixed precision: f16 for the bulk of the weights, f32
    /// for the layers where rounding moves the logits most).
    pub fn to_safetensors_keeping(
        &self,
        dtype: StoredDtype,
        keep_f32: &[String],
    ) -> Result<Vec<u8>, ContainerError> {
        let kept = |name: &str| {
            keep_f32
                .iter()
                .any(|prefix| name.starts_with(prefix.as_str()))
        };
        let tensors: StateDict = self
            .stored
            .iter()
            .map(|(name, tensor)| {
                let to = if kept(name) { StoredDtype::F32 } else { dtype };
                (name.clone(), tensor.cast_float(to))
            })
            .collect();
        let mut metadata = HashMap::new();
        if !self.metadata_inferred {
            metadata.insert(METADATA_KEY.to_string(), self.metadata.to_json());
        }
        super::state::write_safetensors(&tensors, metadata)
    }
}

fn describe(config: &Net1dConfig) -> String {
    format!(
        "Net1D (filters {:?}, blocks {:?}, base {}, kernel {}, groups_width {}, use_bn {}, {} outputs)",
        config.filter_list,
        config.m_blocks_list,
        config.base_filters,
        config.kernel_size,
        config.groups_width,
        config.use_bn,
        config.n_outputs
    )
}

/// Each stage's filters, the bottleneck ratio and the group width.
struct StageWidths {
    filter_list: Vec<usize>,
    ratio: Option<f64>,
    groups_width: Option<usize>,
}

/// [`StageWidths`] read off the first block of every stage: one ratio and one group width
/// must explain them all.
fn stage_widths(
    tensors: &StateDict,
    blocks: &BTreeMap<usize, usize>,
) -> Result<StageWidths, ModelFileError> {
    let shape = |name: &str| tensors.get(name).map(|t| t.shape.as_slice());
    let not_net1d = |message: String| ModelFileError::NotNet1d(message);
    let mut filter_list = Vec::new();
    let mut ratio = None;
    let mut groups_width = None;
    for &s in blocks.keys() {
        let p = format!("stage_list.{s}.block_list.0");
        let conv = |which: &str| {
            shape(&format!("{p}.{which}.conv.weight"))
                .filter(|s| s.len() == 3)
                .ok_or_else(|| not_net1d(format!("no 3-d tensor '{p}.{which}.conv.weight'")))
        };
        let (conv1, conv2, conv3) = (conv("conv1")?, conv("conv2")?, conv("conv3")?);
        let filters = conv3[0];
        let middle = conv1[0];
        filter_list.push(filters);
        let r = middle as f64 / filters as f64;
        // PyTorch computes middle = int(filters · ratio); the first stage's ratio must
        // reproduce every stage's width.
        let r = *ratio.get_or_insert(r);
        if (filters as f64 * r) as usize != middle {
            return Err(not_net1d(format!(
                "stage {s} has {middle} middle channels for {filters} filters, which no \
                 single ratio explains"
            )));
        }
        let gw = *groups_width.get_or_insert(conv2[1]);
        if gw != conv2[1] {
            return Err(not_net1d(format!(
                "stage {s} has groups of {} channels, stage 0 of {gw}",
                conv2[1]
            )));
        }
    }
    Ok(StageWidths {
        filter_list,
        ratio,
        groups_width,
    })
}

/// Output and lead names for a file without metadata, and the defaults assumed, in words.
fn default_names(n_outputs: usize, in_channels: usize) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut defaults = vec![
        "stride = 2 (a state dict does not record it; every published Net1D uses 2)".to_string(),
    ];
    let outputs: Vec<String> = if n_outputs == 4 {
        defaults.push("outputs = RCA, LM, LAD, LCX (model-spec order for 4 outputs)".into());
        ["RCA", "LM", "LAD", "LCX"].map(String::from).to_vec()
    } else {
        defaults.push(format!(
            "outputs = output_0 … output_{} (no names stored)",
            n_outputs.saturating_sub(1)
        ));
        (0..n_outputs).map(|i| format!("output_{i}")).collect()
    };
    let leads: Vec<String> = if in_channels == 12 {
        crate::ecg::Lead::ALL
            .iter()
            .map(|l| l.name().to_string())
            .collect()
    } else {
        (0..in_channels).map(|i| format!("lead_{i}")).collect()
    };
    defaults.push(
        "input = 500 Hz, 5000 samples, leads I … V6, preprocessing 'ecgfounder' \
         (ECGFounder's own recipe)"
            .into(),
    );
    defaults.push("no risk thresholds (no strata can be given)".into());
    defaults.push("no model card (provenance and validation unknown)".into());
    (outputs, leads, defaults)
}

/// Reads the architecture off the shapes of a state dict without metadata.
fn infer_metadata(
    tensors: &StateDict,
    warnings: &mut Vec<ModelWarning>,
) -> Result<ModelMetadata, ModelFileError> {
    let shape = |name: &str| tensors.get(name).map(|t| t.shape.as_slice());
    let not_net1d = |message: String| ModelFileError::NotNet1d(message);
    let first = shape("first_conv.conv.weight")
        .filter(|s| s.len() == 3)
        .ok_or_else(|| not_net1d("no 3-d tensor 'first_conv.conv.weight'".into()))?;
    let (base_filters, in_channels, kernel_size) = (first[0], first[1], first[2]);
    let mut blocks: BTreeMap<usize, usize> = BTreeMap::new();
    for name in tensors.keys() {
        let mut parts = name.split('.');
        if let (Some("stage_list"), Some(s), Some("block_list"), Some(b)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
            && let (Ok(s), Ok(b)) = (s.parse::<usize>(), b.parse::<usize>())
        {
            let count = blocks.entry(s).or_default();
            *count = (*count).max(b + 1);
        }
    }
    if blocks.is_empty() || blocks.keys().copied().ne(0..blocks.len()) {
        return Err(not_net1d(format!(
            "stage_list indices {:?} are not 0, 1, 2 …",
            blocks.keys().collect::<Vec<_>>()
        )));
    }
    let StageWidths {
        filter_list,
        ratio,
        groups_width,
    } = stage_widths(tensors, &blocks)?;
    let n_outputs = shape("dense.weight")
        .filter(|s| s.len() == 2)
        .ok_or_else(|| not_net1d("no 2-d tensor 'dense.weight'".into()))?[0];

    let (use_bn, reason) = infer_use_bn(tensors);
    warnings.push(ModelWarning::UseBnInferred { use_bn, reason });

    let (outputs, leads, defaults) = default_names(n_outputs, in_channels);
    warnings.insert(0, ModelWarning::NoMetadata { defaults });

    Ok(ModelMetadata {
        format_version: 1,
        name: "unnamed model (no metadata)".into(),
        version: "unknown".into(),
        architecture: Architecture::from(&Net1dConfig {
            in_channels,
            base_filters,
            ratio: ratio.unwrap_or(1.0),
            filter_list,
            m_blocks_list: blocks.values().copied().collect(),
            kernel_size,
            stride: 2,
            groups_width: groups_width.unwrap_or(16),
            use_bn,
            n_outputs,
        }),
        outputs,
        input: InputSpec {
            sample_rate_hz: 500.0,
            samples: 5000,
            leads,
            preprocessing: Preprocessing::Ecgfounder,
            extra: Default::default(),
        },
        thresholds: BTreeMap::new(),
        recalibration: BTreeMap::new(),
        card: Card {
            intended_use: "unknown (the file carries no model card)".into(),
            training_data: "unknown".into(),
            metrics: serde_json::Value::Null,
            demonstration: false,
            disclaimer: "This model file carries no model card: its training data, validation \
                         and intended use are unknown. Its outputs are not a clinical finding."
                .into(),
            extra: Default::default(),
        },
        clinical_context: None,
        extra: Default::default(),
    })
}

/// `use_bn` is true exactly when the BN tensors were trained: a batch counter above zero, or
/// running statistics away from PyTorch's initial 0 (mean) and 1 (variance).
fn infer_use_bn(tensors: &StateDict) -> (bool, String) {
    let is_bn = |name: &str| {
        name.starts_with("first_bn.")
            || [".bn1.", ".bn2.", ".bn3."].iter().any(|p| name.contains(p))
    };
    let mut any_bn = false;
    for (name, tensor) in tensors.iter().filter(|(n, _)| is_bn(n)) {
        any_bn = true;
        if name.ends_with("num_batches_tracked")
            && let Some(counts) = tensor.to_i64()
            && counts.iter().any(|&c| c > 0)
        {
            return (true, format!("{name} = {} (BN was trained)", counts[0]));
        }
        let initial = if name.ends_with("running_mean") {
            0.0
        } else if name.ends_with("running_var") {
            1.0
        } else {
            continue;
        };
        if let Some(values) = tensor.to_f32()
            && values.iter().any(|&v| v != initial)
        {
            return (
                true,
                format!("{name} differs from its initial value {initial} (BN was trained)"),
            );
        }
    }
    if any_bn {
        (
            false,
            "every BN tensor is at its untrained initial value (as in ECGFounder's release, \
             which runs without BN)"
                .into(),
        )
    } else {
        (false, "the file has no BN tensors".into())
    }
}

/// Puts a file's weights into a freshly built network, by PyTorch key.
struct WeightLoader<'a> {
    tensors: &'a StateDict,
    device: Device,
    path: Vec<String>,
}

impl ModuleMapper for WeightLoader<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let name = self.path.join(".");
        let dims = param.lazy_shape().to_vec();
        let tensor = self
            .tensors
            .get(&name)
            .unwrap_or_else(|| panic!("checked file lacks '{name}': expected_tensors is wrong"));
        let values = tensor
            .to_f32()
            .unwrap_or_else(|| panic!("'{name}' was checked to be a float tensor"));
        let data = if D == 2 {
            // PyTorch Linear is [out, in]; burn's is [in, out].
            transpose(&values, tensor.shape[0], tensor.shape[1])
        } else {
            values
        };
        assert_eq!(
            dims.iter().product::<usize>(),
            data.len(),
            "{name}: module and file disagree on size"
        );
        Param::from_tensor(Tensor::from_data(TensorData::new(data, dims), &self.device))
    }
}

/// A row-major `rows × cols` matrix transposed to `cols × rows`.
fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; values.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = values[r * cols + c];
        }
    }
    out
}

/// Reads a network's weights out under PyTorch key names (the inverse of [`WeightLoader`]).
struct WeightCollector {
    tensors: StateDict,
    path: Vec<String>,
}

impl ModuleVisitor for WeightCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let name = self.path.join(".");
        let tensor = param.val();
        let dims = tensor.dims().to_vec();
        let values = tensor
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .expect("converted to f32 just above");
        let (shape, values) = if D == 2 {
            // burn's Linear is [in, out]; PyTorch's is [out, in].
            (vec![dims[1], dims[0]], transpose(&values, dims[0], dims[1]))
        } else {
            (dims, values)
        };
        self.tensors
            .insert(name, RawTensor::from_f32(shape, &values));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32_tensor(shape: &[usize]) -> RawTensor {
        RawTensor::from_f32(shape.to_vec(), &vec![0.0; shape.iter().product()])
    }

    /// Degenerate shapes in a metadata-less file are errors, never panics.
    #[test]
    fn degenerate_state_dicts_are_refused() {
        let base = |dense: &[usize], conv2: &[usize], conv3: &[usize]| {
            let mut dict = StateDict::new();
            dict.insert("first_conv.conv.weight".into(), f32_tensor(&[16, 12, 16]));
            let p = "stage_list.0.block_list.0";
            dict.insert(format!("{p}.conv1.conv.weight"), f32_tensor(&[16, 16, 1]));
            dict.insert(format!("{p}.conv2.conv.weight"), f32_tensor(conv2));
            dict.insert(format!("{p}.conv3.conv.weight"), f32_tensor(conv3));
            dict.insert("dense.weight".into(), f32_tensor(dense));
            dict
        };
        let cases = [
            base(&[0, 16], &[16, 16, 16], &[16, 16, 1]),
            base(&[4, 16], &[16, 0, 16], &[16, 16, 1]),
            base(&[4, 16], &[16, 16, 16], &[0, 16, 1]),
            base(&[4], &[16, 16, 16], &[16, 16, 1]),
            StateDict::new(),
        ];
        for (i, dict) in cases.into_iter().enumerate() {
            assert!(ModelFile::from_state_dict(dict, None).is_err(), "case {i}");
        }
    }
}
