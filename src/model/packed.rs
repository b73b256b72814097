//! Net1D inference on the CPU with weights packed once (issue 19): the custom CPU operation
//! behind [`Runner::forward`](super::Runner::forward) on the CPU backend.
//!
//! burn-flex runs each layer as a separate tensor operation: the grouped convolutions re-lay
//! out their weights and copy their input on every call, and BatchNorm, Swish, squeeze-excite
//! and the shortcut each make a pass over the activations and a new allocation. Here the whole
//! network is one function over plain `[channels, samples]` buffers: every convolution is one
//! matrix product per group on the `gemm` crate (the kernels burn-flex itself uses, with their
//! simd128 path in the browser and rayon natively), with its bias written in first, and the
//! per-channel work fused into one pass per layer (BN and Swish; squeeze-excite, the pooled
//! shortcut and the residual sum).
//!
//! It computes exactly what [`Net1d::forward`] computes (PyTorch `eval()` semantics, model-spec
//! §2); tests hold the two within 1e-5 on the logits, and the model-file goldens hold it to
//! PyTorch. burn remains the network for WebGPU, for gradients (saliency) and for training;
//! this is only the CPU forward pass.

use burn::module::Param;
use burn::tensor::Tensor;

use super::net1d::{BasicBlock, EvalBatchNorm, Net1d, SameConv1d, same_padding};

/// A convolution with its weights in the layout of one matrix product per group:
/// `[c_out, c_in / groups · k]`, row-major (PyTorch's own `[c_out, c_in / groups, k]`).
#[derive(Debug, Clone)]
struct Conv {
    c_in: usize,
    c_out: usize,
    kernel_size: usize,
    stride: usize,
    groups: usize,
    weight: Vec<f32>,
    bias: Vec<f32>,
}

/// A per-channel affine map `x · scale + shift` (an eval-mode BatchNorm).
#[derive(Debug, Clone)]
struct Affine {
    scale: Vec<f32>,
    shift: Vec<f32>,
}

/// A dense layer, `[out, in]` row-major.
#[derive(Debug, Clone)]
struct Dense {
    inputs: usize,
    outputs: usize,
    weight: Vec<f32>,
    bias: Vec<f32>,
}

#[derive(Debug, Clone)]
struct Block {
    bn1: Option<Affine>,
    conv1: Conv,
    bn2: Option<Affine>,
    conv2: Conv,
    bn3: Option<Affine>,
    conv3: Conv,
    se_fc1: Dense,
    se_fc2: Dense,
    is_first_block: bool,
    downsample: bool,
    pool_size: usize,
    pad_front: usize,
}

/// A [`Net1d`] packed for the CPU forward pass.
#[derive(Debug, Clone)]
pub struct PackedNet {
    in_channels: usize,
    stem: Conv,
    stem_bn: Option<Affine>,
    blocks: Vec<Block>,
    dense: Dense,
}

fn values<const D: usize>(param: &Param<Tensor<D>>) -> Vec<f32> {
    tensor_values(param.val())
}

fn tensor_values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    // The weights of a network that was built: always float data of the module's shape.
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default()
}

impl Conv {
    fn of(conv: &SameConv1d) -> Self {
        let [c_out, per_group, kernel_size] = conv.conv.weight.dims();
        let groups = conv.conv.groups;
        Self {
            c_in: per_group * groups,
            c_out,
            kernel_size,
            stride: conv.conv.stride,
            groups,
            weight: values(&conv.conv.weight),
            bias: conv
                .conv
                .bias
                .as_ref()
                .map_or_else(|| vec![0.0; c_out], values),
        }
    }

    fn out_len(&self, length: usize) -> usize {
        length.div_ceil(self.stride)
    }

    /// `x` `[c_in, length]` → `[c_out, ceil(length / stride)]`, TF-style SAME padding.
    fn forward(&self, x: &[f32], length: usize) -> Vec<f32> {
        let out_len = self.out_len(length);
        let mut out = Vec::with_capacity(self.c_out * out_len);
        for &b in &self.bias {
            out.extend(std::iter::repeat_n(b, out_len));
        }
        if self.kernel_size == 1 && self.stride == 1 && self.groups == 1 {
            matmul(
                &mut out,
                &self.weight,
                x,
                [self.c_out, self.c_in, out_len],
                true,
            );
            return out;
        }
        let (left, _) = same_padding(length, self.kernel_size, self.stride);
        let per_group = self.c_in / self.groups;
        let out_per_group = self.c_out / self.groups;
        let rows = per_group * self.kernel_size;
        let group = |g: usize, out: &mut [f32]| {
            // im2col of this group: row (c, k) holds x[c][t·stride + k − left], zero outside.
            let mut columns = vec![0.0f32; rows * out_len];
            for c in 0..per_group {
                let lead = &x[(g * per_group + c) * length..][..length];
                for k in 0..self.kernel_size {
                    let row = &mut columns[(c * self.kernel_size + k) * out_len..][..out_len];
                    // Outputs t whose input index t·stride + k − left lies inside the lead.
                    let first = left.saturating_sub(k).div_ceil(self.stride);
                    let end = (length + left)
                        .checked_sub(k)
                        .map_or(0, |limit| limit.div_ceil(self.stride))
                        .min(out_len);
                    if first >= end {
                        continue;
                    }
                    let start = first * self.stride + k - left;
                    if self.stride == 1 {
                        row[first..end].copy_from_slice(&lead[start..start + end - first]);
                    } else {
                        for (value, &v) in row[first..end]
                            .iter_mut()
                            .zip(lead[start..].iter().step_by(self.stride))
                        {
                            *value = v;
                        }
                    }
                }
            }
            let weight = &self.weight[g * out_per_group * rows..][..out_per_group * rows];
            // Groups run in parallel natively; one group alone may split its product.
            let parallel = self.groups == 1;
            matmul(
                out,
                weight,
                &columns,
                [out_per_group, rows, out_len],
                parallel,
            );
        };
        for_each_chunk(&mut out, out_per_group * out_len, group);
        out
    }
}

impl Affine {
    fn of(bn: &EvalBatchNorm) -> Self {
        let (scale, shift) = bn.scale_shift();
        Self {
            scale: tensor_values(scale),
            shift: tensor_values(shift),
        }
    }
}

impl Dense {
    fn of(linear: &burn::nn::Linear) -> Self {
        // burn stores [in, out]; the product below wants [out, in].
        let [inputs, outputs] = linear.weight.dims();
        let stored = values(&linear.weight);
        let mut weight = vec![0.0; inputs * outputs];
        for i in 0..inputs {
            for o in 0..outputs {
                weight[o * inputs + i] = stored[i * outputs + o];
            }
        }
        Self {
            inputs,
            outputs,
            weight,
            bias: linear
                .bias
                .as_ref()
                .map_or_else(|| vec![0.0; outputs], values),
        }
    }

    fn forward(&self, x: &[f32]) -> Vec<f32> {
        self.weight
            .chunks_exact(self.inputs)
            .zip(&self.bias)
            .map(|(row, b)| b + dot(row, x))
            .collect()
    }
}

impl Block {
    fn of(block: &BasicBlock) -> Self {
        Self {
            bn1: block.bn1.as_ref().map(Affine::of),
            conv1: Conv::of(&block.conv1),
            bn2: block.bn2.as_ref().map(Affine::of),
            conv2: Conv::of(&block.conv2),
            bn3: block.bn3.as_ref().map(Affine::of),
            conv3: Conv::of(&block.conv3),
            se_fc1: Dense::of(&block.se_fc1),
            se_fc2: Dense::of(&block.se_fc2),
            is_first_block: block.is_first_block,
            downsample: block.downsample,
            pool_size: block.pool_size,
            pad_front: block.pad_front,
        }
    }

    /// `x` `[c_in, length]` → `[c_out, length']` and `length'`.
    fn forward(&self, x: &[f32], length: usize) -> (Vec<f32>, usize) {
        let h = if self.is_first_block {
            self.conv1.forward(x, length)
        } else {
            let mut a = x.to_vec();
            bn_swish(&mut a, self.bn1.as_ref(), length);
            self.conv1.forward(&a, length)
        };
        let mut h = h;
        bn_swish(&mut h, self.bn2.as_ref(), length);
        let mut h = self.conv2.forward(&h, length);
        let out_len = self.conv2.out_len(length);
        bn_swish(&mut h, self.bn3.as_ref(), out_len);
        let mut h = self.conv3.forward(&h, out_len);

        // Squeeze-excite: channel means → fc1 → Swish → fc2 → sigmoid, one gate per channel.
        let means: Vec<f32> = h
            .chunks_exact(out_len)
            .map(|row| row.iter().sum::<f32>() / out_len as f32)
            .collect();
        let squeezed: Vec<f32> = self.se_fc1.forward(&means).into_iter().map(swish).collect();
        let gates: Vec<f32> = self
            .se_fc2
            .forward(&squeezed)
            .into_iter()
            .map(sigmoid)
            .collect();

        // Gate, then add the shortcut: x max-pooled (zero padding) when downsampling, with
        // zero channels around it where the block widens.
        let c_in = x.len() / length.max(1);
        for (o, (row, gate)) in h.chunks_exact_mut(out_len).zip(&gates).enumerate() {
            for value in row.iter_mut() {
                *value *= gate;
            }
            let Some(c) = o.checked_sub(self.pad_front).filter(|&c| c < c_in) else {
                continue;
            };
            let lead = &x[c * length..][..length];
            if self.downsample {
                let k = self.pool_size;
                let left = (k - 1) / 2;
                for (t, value) in row.iter_mut().enumerate() {
                    let mut best = f32::NEG_INFINITY;
                    for j in 0..k {
                        let i = (t * k + j).wrapping_sub(left);
                        best = best.max(if i < length { lead[i] } else { 0.0 });
                    }
                    *value += best;
                }
            } else {
                for (value, s) in row.iter_mut().zip(lead) {
                    *value += s;
                }
            }
        }
        (h, out_len)
    }
}

impl PackedNet {
    /// Packs `net`'s weights (folded or not: BN layers still present are applied).
    pub fn new(net: &Net1d) -> Self {
        Self {
            in_channels: net.first_conv.conv.weight.dims()[1],
            stem: Conv::of(&net.first_conv),
            stem_bn: net.first_bn.as_ref().map(Affine::of),
            blocks: net
                .stage_list
                .iter()
                .flat_map(|stage| stage.block_list.iter().map(Block::of))
                .collect(),
            dense: Dense::of(&net.dense),
        }
    }

    /// Logits `[batch, outputs]` of a flat `[batch, leads, samples]` input, which the caller
    /// has checked (shape, finite values: `Runner::forward`).
    pub fn forward(&self, input: &[f32], shape: [usize; 3]) -> Vec<f32> {
        let [batch, leads, samples] = shape;
        let mut logits = Vec::with_capacity(batch * self.dense.outputs);
        if leads != self.in_channels || samples == 0 {
            return logits;
        }
        for record in input.chunks_exact(leads * samples).take(batch) {
            let mut h = self.stem.forward(record, samples);
            let mut length = self.stem.out_len(samples);
            bn_swish(&mut h, self.stem_bn.as_ref(), length);
            for block in &self.blocks {
                (h, length) = block.forward(&h, length);
            }
            let means: Vec<f32> = h
                .chunks_exact(length)
                .map(|row| row.iter().sum::<f32>() / length as f32)
                .collect();
            logits.extend(self.dense.forward(&means));
        }
        logits
    }
}

/// `Σ a·b` with eight running sums, so that the compiler may use vector registers (a single
/// running sum must be added in order, one element at a time).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for lane in 0..8 {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// `e^x` in f32 without a library call, so that loops over it vectorise: `x = n·ln 2 + r`
/// with `|r| ≤ ln 2 / 2`, `e^r` by its degree-7 Taylor polynomial (truncation error below
/// 3e-9 relative on that interval, under f32's own rounding of 6e-8), `2^n` written into the
/// exponent bits. Inputs are clamped to `[−87, 88]`, where `e^x` is a normal f32; beyond that
/// the sigmoid and Swish built on it are exactly 0 or 1 (or x) in f32 anyway.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in a part exact in f32 with few bits, and the rest (Cody–Waite).
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // 1.5 · 2^23: adding it rounds to the nearest integer, which then sits in the low bits of
    // the sum's mantissa (no rounding instruction, no float-to-int conversion).
    const ROUND: f32 = 12_582_912.0;
    const ROUND_BITS: u32 = 0x4B40_0000;
    // Comparisons rather than f32::max/min, whose NaN rules keep loops from vectorising (the
    // inputs are finite: Runner::forward checks them).
    let x = if x < -87.0 { -87.0 } else { x };
    let x = if x > 88.0 { 88.0 } else { x };
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (1.0 / 2.0
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    // 2^n: the biased exponent n + 127 in bits 23..31 (n is within −126..127 here).
    let bits = shifted.to_bits().wrapping_sub(ROUND_BITS).wrapping_add(127) << 23;
    p * f32::from_bits(bits)
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[inline(always)]
fn swish(x: f32) -> f32 {
    x * sigmoid(x)
}

/// In place over `[channels, length]`: the affine map of `bn` (if any), then Swish.
fn bn_swish(x: &mut [f32], bn: Option<&Affine>, length: usize) {
    for (c, row) in x.chunks_exact_mut(length.max(1)).enumerate() {
        let (scale, shift) = bn.map_or((1.0, 0.0), |bn| (bn.scale[c], bn.shift[c]));
        // Eight at a time, so that the compiler fills vector registers.
        let mut chunks = row.chunks_exact_mut(8);
        for chunk in &mut chunks {
            let mut lanes = [0.0f32; 8];
            for (lane, value) in lanes.iter_mut().zip(chunk.iter()) {
                *lane = swish(*value * scale + shift);
            }
            chunk.copy_from_slice(&lanes);
        }
        for value in chunks.into_remainder() {
            *value = swish(*value * scale + shift);
        }
    }
}

/// `dst[m, n] += lhs[m, k] · rhs[k, n]`, all row-major and contiguous; on rayon's pool
/// natively when `parallel` and the product is large.
fn matmul(dst: &mut [f32], lhs: &[f32], rhs: &[f32], [m, k, n]: [usize; 3], parallel: bool) {
    assert!(
        dst.len() >= m * n && lhs.len() >= m * k && rhs.len() >= k * n,
        "matmul: buffers smaller than their shapes"
    );
    #[cfg(not(target_arch = "wasm32"))]
    let parallelism = if parallel && m * n * k >= 1 << 21 {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    #[cfg(target_arch = "wasm32")]
    let parallelism = {
        let _ = parallel;
        gemm::Parallelism::None
    };
    // SAFETY: the assertion above keeps every access of the m × k, k × n and m × n row-major
    // matrices (row stride k, n, n; column stride 1) inside its slice, and `dst` is borrowed
    // mutably, so it overlaps neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            true,
            lhs.as_ptr(),
            1,
            k as isize,
            rhs.as_ptr(),
            1,
            n as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// Calls `f(index, chunk)` for each `size`-long chunk of `out`: on rayon's pool natively, in
/// order in the browser.
fn for_each_chunk(out: &mut [f32], size: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    if size == 0 {
        return;
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(size)
            .enumerate()
            .for_each(|(i, chunk)| f(i, chunk));
    }
    #[cfg(target_arch = "wasm32")]
    for (i, chunk) in out.chunks_mut(size).enumerate() {
        f(i, chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Net1dConfig;
    use crate::model::seeded::SeededInit;
    use burn::tensor::{Device, TensorData};

    fn max_diff(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn exp_is_as_close_as_f32_allows() {
        let mut worst = 0.0f64;
        for i in -90_000..=90_000 {
            let x = i as f32 * 1e-3;
            let ours = f64::from(exp(x));
            let exact = f64::from(x.clamp(-87.0, 88.0)).exp();
            worst = worst.max((ours - exact).abs() / exact);
        }
        // f32 rounds to 6e-8 relative; allow a few ulps for the reduction and the polynomial.
        assert!(worst < 3e-7, "worst relative error {worst:e}");
        assert_eq!(sigmoid(-200.0), 1.0 / (1.0 + 88f32.exp()));
        assert_eq!(sigmoid(200.0), 1.0);
        assert_eq!(swish(-200.0), -200.0 * sigmoid(-200.0));
    }

    #[test]
    fn dot_adds_every_product() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..19).map(|i| (i % 3) as f32).collect();
        let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), exact);
    }

    #[test]
    fn packed_forward_equals_burn_folded_or_not() {
        let device = Device::flex();
        // Widening stages (channel padding), odd lengths, stride-2 pooling, every layer type;
        // seeded weights draw every BN statistic at random.
        let config = Net1dConfig {
            filter_list: vec![16, 32, 48],
            m_blocks_list: vec![2, 1, 2],
            ..Net1dConfig::small(4)
        };
        let net = SeededInit::apply(config.init(&device).unwrap(), 9, &device);
        for samples in [1000, 999] {
            let values: Vec<f32> = (0..2 * 12 * samples)
                .map(|i| ((i % samples) as f32 * 0.031 + (i / samples) as f32 * 0.7).sin())
                .collect();
            let shape = [2, 12, samples];
            let reference = net
                .forward(Tensor::<3>::from_data(
                    TensorData::new(values.clone(), shape),
                    &device,
                ))
                .into_data()
                .try_into_vec::<f32>()
                .unwrap();
            let packed = PackedNet::new(&net).forward(&values, shape);
            assert!(
                max_diff(&reference, &packed) <= 1e-5,
                "{reference:?} {packed:?}"
            );
            let folded = PackedNet::new(&net.clone().folded()).forward(&values, shape);
            assert!(
                max_diff(&reference, &folded) <= 1e-5,
                "{reference:?} {folded:?}"
            );
            assert!(reference.iter().any(|v| v.abs() > 1e-3));
        }
    }
}
