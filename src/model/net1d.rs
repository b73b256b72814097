//! Net1D, the ECGFounder backbone, with PyTorch `eval()` semantics (model-spec §2).
//!
//! Every hyper-parameter is configuration: the published model, the smaller presets and the
//! tiny networks used in tests are all [`Net1dConfig`] values. Field names follow the PyTorch
//! state-dict keys of model-spec §3 (`first_conv.conv.weight`, `stage_list.0.block_list.1.bn2`…)
//! so that a checkpoint maps onto the module one to one.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig1d};
use burn::tensor::activation::{sigmoid, silu};
use burn::tensor::module::conv1d;
use burn::tensor::ops::{ConvOptions, PadMode};
use burn::tensor::{Device, Tensor};

/// Every hyper-parameter of Net1D (model-spec §2); serialised with these field names in a
/// model file's `architecture` (see `metadata`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Net1dConfig {
    /// Input leads (12).
    pub in_channels: usize,
    /// Channels of the stem convolution.
    pub base_filters: usize,
    /// Bottleneck width as a fraction of a block's output channels.
    pub ratio: f64,
    /// Output channels of each stage.
    pub filter_list: Vec<usize>,
    /// Blocks in each stage.
    pub m_blocks_list: Vec<usize>,
    /// Kernel of the stem and of every block's middle convolution.
    pub kernel_size: usize,
    /// Stride of the stem and of each stage's first block.
    pub stride: usize,
    /// Channels per group in the grouped convolutions.
    pub groups_width: usize,
    /// Whether BatchNorm layers are applied (with running statistics).
    pub use_bn: bool,
    /// Outputs of the dense head (4 vessels).
    pub n_outputs: usize,
}

/// A configuration that cannot build a network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Stage lists of different lengths, or none.
    #[error("filter_list has {filters} stages but m_blocks_list has {blocks}")]
    StageCount {
        /// Length of `filter_list`.
        filters: usize,
        /// Length of `m_blocks_list`.
        blocks: usize,
    },
    /// A size that must be positive is zero.
    #[error("{0} must be positive")]
    Zero(&'static str),
    /// A grouped convolution whose channels are not a multiple of `groups_width`.
    #[error(
        "stage {stage}: {channels} middle channels are not a multiple of groups_width {groups_width}"
    )]
    Groups {
        /// Stage index.
        stage: usize,
        /// Middle channels of that stage.
        channels: usize,
        /// The configured group width.
        groups_width: usize,
    },
    /// A ratio that is not positive and finite.
    #[error("ratio {0} must be positive and finite")]
    Ratio(f64),
}

impl Net1dConfig {
    /// The published ECGFounder / CCTA network with a 4-vessel head (30.7 M parameters).
    pub fn ecgfounder(n_outputs: usize) -> Self {
        Self {
            in_channels: 12,
            base_filters: 64,
            ratio: 1.0,
            filter_list: vec![64, 160, 160, 400, 400, 1024, 1024],
            m_blocks_list: vec![2, 2, 2, 3, 3, 4, 4],
            kernel_size: 16,
            stride: 2,
            groups_width: 16,
            use_bn: true,
            n_outputs,
        }
    }

    /// The smallest experimental preset of model-spec §2: filters `[16,32,32,80,80,256,256]`,
    /// two blocks per stage.
    pub fn small(n_outputs: usize) -> Self {
        Self {
            base_filters: 16,
            filter_list: vec![16, 32, 32, 80, 80, 256, 256],
            m_blocks_list: vec![2; 7],
            ..Self::ecgfounder(n_outputs)
        }
    }

    /// A tiny two-stage network for tests and the page's self-check: the same layers and
    /// semantics at a fraction of the cost (16 and 32 channels, one block per stage).
    pub fn tiny(n_outputs: usize) -> Self {
        Self {
            base_filters: 16,
            filter_list: vec![16, 32],
            m_blocks_list: vec![1, 1],
            ..Self::ecgfounder(n_outputs)
        }
    }

    /// Checks that the configuration can build a network.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.filter_list.len() != self.m_blocks_list.len() || self.filter_list.is_empty() {
            return Err(ConfigError::StageCount {
                filters: self.filter_list.len(),
                blocks: self.m_blocks_list.len(),
            });
        }
        for (value, name) in [
            (self.in_channels, "in_channels"),
            (self.base_filters, "base_filters"),
            (self.kernel_size, "kernel_size"),
            (self.stride, "stride"),
            (self.groups_width, "groups_width"),
            (self.n_outputs, "n_outputs"),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero(name));
            }
        }
        if !(self.ratio.is_finite() && self.ratio > 0.0) {
            return Err(ConfigError::Ratio(self.ratio));
        }
        for (stage, (&filters, &blocks)) in
            self.filter_list.iter().zip(&self.m_blocks_list).enumerate()
        {
            if blocks == 0 {
                return Err(ConfigError::Zero("m_blocks_list entry"));
            }
            let channels = self.middle_channels(filters);
            if channels == 0 || !channels.is_multiple_of(self.groups_width) || filters < 2 {
                return Err(ConfigError::Groups {
                    stage,
                    channels,
                    groups_width: self.groups_width,
                });
            }
        }
        Ok(())
    }

    fn middle_channels(&self, out_channels: usize) -> usize {
        // PyTorch: int(out_channels * ratio).
        (out_channels as f64 * self.ratio) as usize
    }

    /// Builds the network with freshly initialised weights (BN at its identity statistics).
    pub fn init(&self, device: &Device) -> Result<Net1d, ConfigError> {
        self.validate()?;
        let first_conv = SameConv1d::new(
            self.in_channels,
            self.base_filters,
            self.kernel_size,
            self.stride,
            1,
            device,
        );
        let first_bn = self
            .use_bn
            .then(|| EvalBatchNorm::new(self.base_filters, device));
        let mut in_channels = self.base_filters;
        let mut stage_list = Vec::with_capacity(self.filter_list.len());
        for (stage, (&out_channels, &blocks)) in
            self.filter_list.iter().zip(&self.m_blocks_list).enumerate()
        {
            let block_list = (0..blocks)
                .map(|b| {
                    let block_in = if b == 0 { in_channels } else { out_channels };
                    BasicBlock::new(
                        self,
                        block_in,
                        out_channels,
                        b == 0,
                        stage == 0 && b == 0,
                        device,
                    )
                })
                .collect();
            stage_list.push(BasicStage { block_list });
            in_channels = out_channels;
        }
        let dense = LinearConfig::new(in_channels, self.n_outputs).init(device);
        Ok(Net1d {
            first_conv,
            first_bn,
            stage_list,
            dense,
        })
    }
}

/// Conv1d with TensorFlow-style SAME padding (`MyConv1dPadSame`): `out_len = ceil(L / s)`,
/// total padding `max(0, (out_len − 1)·s + k − L)`, the odd extra zero on the RIGHT.
#[derive(Module, Debug)]
pub struct SameConv1d {
    /// The plain convolution (no padding of its own); named `conv` as in PyTorch.
    pub conv: Conv1d,
}

impl SameConv1d {
    fn new(
        channels_in: usize,
        channels_out: usize,
        kernel_size: usize,
        stride: usize,
        groups: usize,
        device: &Device,
    ) -> Self {
        let conv = Conv1dConfig::new(channels_in, channels_out, kernel_size)
            .with_stride(stride)
            .with_groups(groups)
            .with_padding(PaddingConfig1d::Valid)
            .init(device);
        Self { conv }
    }

    /// `[batch, in, L]` → `[batch, out, ceil(L / stride)]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let length = x.dims()[2];
        let (left, right) = same_padding(length, self.conv.kernel_size, self.conv.stride);
        let options = ConvOptions::new_with_padding(
            [self.conv.stride],
            [(left, right)],
            [1],
            self.conv.groups,
        );
        conv1d(
            x,
            self.conv.weight.val(),
            self.conv.bias.as_ref().map(Param::val),
            options,
        )
    }
}

/// (left, right) zero padding of TF-style SAME for a length, kernel and stride.
pub fn same_padding(length: usize, kernel_size: usize, stride: usize) -> (usize, usize) {
    let out_len = length.div_ceil(stride);
    let total = ((out_len.saturating_sub(1)) * stride + kernel_size).saturating_sub(length);
    (total / 2, total - total / 2)
}

/// BatchNorm1d in inference mode only: running statistics, whatever the backend (also under
/// autodiff, where burn's own BatchNorm would switch to batch statistics).
#[derive(Module, Debug)]
pub struct EvalBatchNorm {
    /// γ.
    pub weight: Param<Tensor<1>>,
    /// β.
    pub bias: Param<Tensor<1>>,
    /// Running mean.
    pub running_mean: Param<Tensor<1>>,
    /// Running variance.
    pub running_var: Param<Tensor<1>>,
}

/// PyTorch's BatchNorm1d default epsilon.
const BN_EPS: f64 = 1e-5;

impl EvalBatchNorm {
    fn new(channels: usize, device: &Device) -> Self {
        Self {
            weight: Param::from_tensor(Tensor::ones([channels], device)),
            bias: Param::from_tensor(Tensor::zeros([channels], device)),
            running_mean: Param::from_tensor(Tensor::zeros([channels], device)),
            running_var: Param::from_tensor(Tensor::ones([channels], device)),
        }
    }

    /// `(x − mean) / sqrt(var + eps) · γ + β`, per channel of `[batch, C, L]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let channels = self.weight.dims()[0];
        let (scale, shift) = self.scale_shift();
        x * scale.reshape([1, channels, 1]) + shift.reshape([1, channels, 1])
    }

    /// The affine map this layer applies per channel: `x · scale + shift` (also what folding
    /// and the packed CPU pass use).
    pub(crate) fn scale_shift(&self) -> (Tensor<1>, Tensor<1>) {
        let scale = self.weight.val() / (self.running_var.val() + BN_EPS).sqrt();
        let shift = self.bias.val() - self.running_mean.val() * scale.clone();
        (scale, shift)
    }
}

impl SameConv1d {
    /// This convolution followed by `bn`, as one convolution: each output channel's kernel
    /// times the BN scale, its bias times the scale plus the shift. Exact up to rounding.
    fn fold(self, bn: Option<EvalBatchNorm>) -> Self {
        let Some(bn) = bn else { return self };
        let (scale, shift) = bn.scale_shift();
        let mut conv = self.conv;
        let out = conv.weight.dims()[0];
        let weight = conv.weight.val() * scale.clone().reshape([out, 1, 1]);
        let bias = match &conv.bias {
            Some(bias) => bias.val() * scale + shift,
            None => shift,
        };
        conv.weight = Param::from_tensor(weight);
        conv.bias = Some(Param::from_tensor(bias));
        Self { conv }
    }
}

/// A pre-activation bottleneck block with squeeze-excitation (`BasicBlock`).
#[derive(Module, Debug)]
pub struct BasicBlock {
    /// BN before conv1 (absent in the network's first block or when `use_bn` is off).
    pub bn1: Option<EvalBatchNorm>,
    /// 1×1, in → middle.
    pub conv1: SameConv1d,
    /// BN before conv2.
    pub bn2: Option<EvalBatchNorm>,
    /// k × grouped, middle → middle, strided in a stage's first block.
    pub conv2: SameConv1d,
    /// BN before conv3.
    pub bn3: Option<EvalBatchNorm>,
    /// 1×1, middle → out.
    pub conv3: SameConv1d,
    /// SE squeeze, out → out / 2.
    pub se_fc1: Linear,
    /// SE excite, out / 2 → out.
    pub se_fc2: Linear,
    /// Whether this is the network's very first block (no pre-activation).
    pub is_first_block: bool,
    /// Whether this is a stage's first block (strided conv2, pooled shortcut).
    pub downsample: bool,
    /// Shortcut pooling kernel (= stride).
    pub pool_size: usize,
    /// Zero channels added in front of the shortcut.
    pub pad_front: usize,
    /// Zero channels added behind the shortcut.
    pub pad_back: usize,
}

impl BasicBlock {
    fn new(
        config: &Net1dConfig,
        in_channels: usize,
        out_channels: usize,
        downsample: bool,
        is_first_block: bool,
        device: &Device,
    ) -> Self {
        let middle = config.middle_channels(out_channels);
        let stride = if downsample { config.stride } else { 1 };
        let bn = |channels: usize| config.use_bn.then(|| EvalBatchNorm::new(channels, device));
        let extra = out_channels.saturating_sub(in_channels);
        Self {
            bn1: if is_first_block {
                None
            } else {
                bn(in_channels)
            },
            conv1: SameConv1d::new(in_channels, middle, 1, 1, 1, device),
            bn2: bn(middle),
            conv2: SameConv1d::new(
                middle,
                middle,
                config.kernel_size,
                stride,
                middle / config.groups_width,
                device,
            ),
            bn3: bn(middle),
            conv3: SameConv1d::new(middle, out_channels, 1, 1, 1, device),
            se_fc1: LinearConfig::new(out_channels, out_channels / 2).init(device),
            se_fc2: LinearConfig::new(out_channels / 2, out_channels).init(device),
            is_first_block,
            downsample,
            pool_size: config.stride,
            pad_front: extra / 2,
            pad_back: extra - extra / 2,
        }
    }

    /// `[batch, in, L]` → `[batch, out, L']`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let mut h = x.clone();
        if !self.is_first_block {
            h = silu(apply_bn(&self.bn1, h));
        }
        h = self.conv1.forward(h);
        h = self.conv2.forward(silu(apply_bn(&self.bn2, h)));
        h = self.conv3.forward(silu(apply_bn(&self.bn3, h)));

        let [batch, channels, _] = h.dims();
        let squeezed = h.clone().mean_dim(2).reshape([batch, channels]);
        let excited = sigmoid(self.se_fc2.forward(silu(self.se_fc1.forward(squeezed))));
        h = h * excited.reshape([batch, channels, 1]);

        let mut shortcut = x;
        if self.downsample {
            shortcut = max_pool_same(shortcut, self.pool_size);
        }
        if self.pad_front + self.pad_back > 0 {
            shortcut = shortcut.pad(
                [(self.pad_front, self.pad_back), (0, 0)],
                PadMode::Constant(0.0),
            );
        }
        h + shortcut
    }
}

impl BasicBlock {
    /// bn2 folded into conv1 and bn3 into conv2 (each follows its convolution directly); bn1
    /// stays, because it acts on the block's input, which the shortcut also carries.
    fn folded(mut self) -> Self {
        self.conv1 = self.conv1.fold(self.bn2.take());
        self.conv2 = self.conv2.fold(self.bn3.take());
        self
    }
}

fn apply_bn(bn: &Option<EvalBatchNorm>, x: Tensor<3>) -> Tensor<3> {
    match bn {
        Some(bn) => bn.forward(x),
        None => x,
    }
}

/// `MyMaxPool1dPadSame`: pad `k − 1` with the constant 0 (not −∞; left `(k−1)/2`, right the
/// rest), then max-pool with kernel and stride `k`. With k = 2 and odd L the last output is
/// `max(x[L−1], 0)`.
pub fn max_pool_same(x: Tensor<3>, kernel_size: usize) -> Tensor<3> {
    let [batch, channels, length] = x.dims();
    let total = kernel_size - 1;
    let (left, right) = (total / 2, total - total / 2);
    let padded_len = length + total;
    let out_len = padded_len / kernel_size;
    // Windows that start beyond the padded end are dropped by PyTorch's floor division; keep
    // exactly out_len · k samples and take the max over each window.
    let x = x.pad([(left, right)], PadMode::Constant(0.0));
    x.narrow(2, 0, out_len * kernel_size)
        .reshape([batch, channels, out_len, kernel_size])
        .max_dim(3)
        .reshape([batch, channels, out_len])
}

/// One stage: its blocks in order.
#[derive(Module, Debug)]
pub struct BasicStage {
    /// The blocks (`stage_list.{s}.block_list.{b}`).
    pub block_list: Vec<BasicBlock>,
}

/// The Net1D network: stem, stages, global mean, dense head producing logits.
#[derive(Module, Debug)]
pub struct Net1d {
    /// Stem convolution, stride 2.
    pub first_conv: SameConv1d,
    /// Stem BN when `use_bn`.
    pub first_bn: Option<EvalBatchNorm>,
    /// The stages.
    pub stage_list: Vec<BasicStage>,
    /// Linear head (`dense`).
    pub dense: Linear,
}

impl Net1d {
    /// The same function with fewer operations, for inference and saliency: every BatchNorm
    /// that directly follows a convolution (the stem's, and bn2 and bn3 of each block) is
    /// folded into that convolution's weights and bias, so 2 of the 3 per-channel passes of
    /// each block disappear. Logits agree with the unfolded network to rounding (a test holds
    /// them within 1e-5). The result still has BN layers where folding is impossible (bn1), and
    /// is not a network to train or to write back to a file: its tensors no longer follow the
    /// checkpoint's names one to one.
    pub fn folded(mut self) -> Self {
        self.first_conv = self.first_conv.fold(self.first_bn.take());
        for stage in &mut self.stage_list {
            stage.block_list = std::mem::take(&mut stage.block_list)
                .into_iter()
                .map(BasicBlock::folded)
                .collect();
        }
        self
    }

    /// `[batch, leads, samples]` → logits `[batch, n_outputs]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let mut h = silu(apply_bn(&self.first_bn, self.first_conv.forward(x)));
        for stage in &self.stage_list {
            for block in &stage.block_list {
                h = block.forward(h);
            }
        }
        let [batch, channels, _] = h.dims();
        self.dense.forward(h.mean_dim(2).reshape([batch, channels]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn same_padding_matches_the_spec() {
        // model-spec §2: (7, 7) for stride-2 k16 on even lengths, (7, 8) on odd lengths and
        // for stride-1 k16.
        assert_eq!(same_padding(5000, 16, 2), (7, 7));
        assert_eq!(same_padding(625, 16, 2), (7, 8));
        assert_eq!(same_padding(1250, 16, 1), (7, 8));
        assert_eq!(same_padding(100, 1, 1), (0, 0));
    }

    #[test]
    fn max_pool_pads_with_zero_not_minus_infinity() {
        let device = Device::flex();
        let x = Tensor::<3>::from_data(
            TensorData::new(vec![-3.0f32, -1.0, -2.0], [1, 1, 3]),
            &device,
        );
        let y = max_pool_same(x, 2).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(y, vec![-1.0, 0.0]);
    }

    #[test]
    fn stage_lengths_follow_the_spec() {
        let device = Device::flex();
        let config = Net1dConfig {
            filter_list: vec![16, 16, 32, 32, 32, 32, 32],
            m_blocks_list: vec![1; 7],
            base_filters: 16,
            ..Net1dConfig::ecgfounder(4)
        };
        let net = config.init(&device).unwrap();
        let mut h = net
            .first_conv
            .forward(Tensor::zeros([1, 12, 5000], &device));
        assert_eq!(h.dims(), [1, 16, 2500]);
        let mut lengths = vec![];
        for stage in &net.stage_list {
            for block in &stage.block_list {
                h = block.forward(h);
            }
            lengths.push(h.dims()[2]);
        }
        assert_eq!(lengths, vec![1250, 625, 313, 157, 79, 40, 20]);
        assert_eq!(
            net.forward(Tensor::zeros([2, 12, 5000], &device)).dims(),
            [2, 4]
        );
    }

    #[test]
    fn folding_batch_norm_keeps_the_logits() {
        // Seeded weights draw every BN statistic at random (running variances 0.5–1.5, means
        // ±0.1, γ 0.5–1.5), so each folded layer changes its convolution's numbers.
        let device = Device::flex();
        let config = Net1dConfig::small(4);
        let net =
            crate::model::seeded::SeededInit::apply(config.init(&device).unwrap(), 3, &device);
        let input = || {
            let values: Vec<f32> = (0..2 * 12 * 1000)
                .map(|i| ((i % 1000) as f32 * 0.02 + (i / 1000) as f32).sin())
                .collect();
            Tensor::<3>::from_data(TensorData::new(values, [2, 12, 1000]), &device)
        };
        let plain = net
            .forward(input())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let folded = net.folded();
        assert!(folded.first_bn.is_none());
        let block = &folded.stage_list[1].block_list[0];
        assert!(block.bn1.is_some() && block.bn2.is_none() && block.bn3.is_none());
        let fast = folded
            .forward(input())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let diff = plain
            .iter()
            .zip(&fast)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff <= 1e-5, "max |Δlogit| = {diff}");
        assert!(plain.iter().any(|v| v.abs() > 1e-3), "{plain:?}");
    }

    #[test]
    fn bad_configurations_are_refused() {
        let mut config = Net1dConfig::small(4);
        config.m_blocks_list.pop();
        assert!(matches!(
            config.validate(),
            Err(ConfigError::StageCount { .. })
        ));
        let config = Net1dConfig {
            filter_list: vec![24; 7],
            ..Net1dConfig::small(4)
        };
        assert!(matches!(config.validate(), Err(ConfigError::Groups { .. })));
    }
}
