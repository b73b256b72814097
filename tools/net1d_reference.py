"""Net1D in PyTorch, written from ../shared/docs/model-spec.md (sections 2 and 3).

This is the reference the Rust model is checked against. It is an independent implementation of
the written specification, not a copy of the upstream code. It is only needed to regenerate
fixtures (tools/make_model_fixtures.py) and for the full-size parity script
(tools/parity_full.sh); nothing in the product or in CI imports it.
"""

import math

import torch
from torch import nn
import torch.nn.functional as F


def same_pad(length, kernel_size, stride):
    """TF-style SAME: out = ceil(L / s); the odd extra zero goes on the right."""
    out_len = (length + stride - 1) // stride
    total = max(0, (out_len - 1) * stride + kernel_size - length)
    return total // 2, total - total // 2


class SameConv(nn.Module):
    """Holds a plain Conv1d named `conv` so the state-dict keys are `<name>.conv.weight`."""

    def __init__(self, c_in, c_out, kernel_size, stride, groups=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride
        self.conv = nn.Conv1d(c_in, c_out, kernel_size, stride=stride, groups=groups)

    def forward(self, x):
        left, right = same_pad(x.shape[-1], self.kernel_size, self.stride)
        return self.conv(F.pad(x, (left, right), mode="constant", value=0.0))


def max_pool_same(x, k):
    """Pad k-1 zeros (not -inf), left (k-1)//2, then max-pool with kernel = stride = k."""
    total = k - 1
    x = F.pad(x, (total // 2, total - total // 2), mode="constant", value=0.0)
    return F.max_pool1d(x, kernel_size=k, stride=k)


class Block(nn.Module):
    def __init__(self, c_in, c_out, cfg, downsample, first_block):
        super().__init__()
        middle = int(c_out * cfg["ratio"])
        self.use_bn = cfg["use_bn"]
        self.first_block = first_block
        self.downsample = downsample
        self.stride = cfg["stride"] if downsample else 1
        self.pool = cfg["stride"]
        self.c_in, self.c_out = c_in, c_out
        # BN modules always exist (their tensors are in every checkpoint); applied only when
        # use_bn, and bn1 never in the network's first block.
        self.bn1 = nn.BatchNorm1d(c_in)
        self.conv1 = SameConv(c_in, middle, 1, 1)
        self.bn2 = nn.BatchNorm1d(middle)
        self.conv2 = SameConv(middle, middle, cfg["kernel_size"], self.stride,
                              groups=middle // cfg["groups_width"])
        self.bn3 = nn.BatchNorm1d(middle)
        self.conv3 = SameConv(middle, c_out, 1, 1)
        self.se_fc1 = nn.Linear(c_out, c_out // 2)
        self.se_fc2 = nn.Linear(c_out // 2, c_out)

    def forward(self, x):
        h = x
        if not self.first_block:
            if self.use_bn:
                h = self.bn1(h)
            h = F.silu(h)
        h = self.conv1(h)
        if self.use_bn:
            h = self.bn2(h)
        h = self.conv2(F.silu(h))
        if self.use_bn:
            h = self.bn3(h)
        h = self.conv3(F.silu(h))
        s = h.mean(dim=-1)
        s = torch.sigmoid(self.se_fc2(F.silu(self.se_fc1(s))))
        h = h * s.unsqueeze(-1)
        identity = x
        if self.downsample:
            identity = max_pool_same(identity, self.pool)
        if self.c_out != self.c_in:
            extra = self.c_out - self.c_in
            front = extra // 2
            identity = F.pad(identity.transpose(-1, -2), (front, extra - front)).transpose(-1, -2)
        return h + identity


class Stage(nn.Module):
    def __init__(self, c_in, c_out, blocks, cfg, first_stage):
        super().__init__()
        self.block_list = nn.ModuleList(
            Block(c_in if b == 0 else c_out, c_out, cfg, b == 0, first_stage and b == 0)
            for b in range(blocks)
        )

    def forward(self, x):
        for block in self.block_list:
            x = block(x)
        return x


class Net1D(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = dict(cfg)
        self.use_bn = cfg["use_bn"]
        self.first_conv = SameConv(cfg["in_channels"], cfg["base_filters"], cfg["kernel_size"],
                                   cfg["stride"])
        self.first_bn = nn.BatchNorm1d(cfg["base_filters"])
        c_in = cfg["base_filters"]
        stages = []
        for i, (c_out, blocks) in enumerate(zip(cfg["filter_list"], cfg["m_blocks_list"])):
            stages.append(Stage(c_in, c_out, blocks, cfg, i == 0))
            c_in = c_out
        self.stage_list = nn.ModuleList(stages)
        self.dense = nn.Linear(c_in, cfg["n_outputs"])

    def forward(self, x):
        h = self.first_conv(x)
        if self.use_bn:
            h = self.first_bn(h)
        h = F.silu(h)
        for stage in self.stage_list:
            h = stage(h)
        return self.dense(h.mean(dim=-1))


ECGFOUNDER = dict(in_channels=12, base_filters=64, ratio=1.0,
                  filter_list=[64, 160, 160, 400, 400, 1024, 1024],
                  m_blocks_list=[2, 2, 2, 3, 3, 4, 4], kernel_size=16, stride=2,
                  groups_width=16, use_bn=True, n_outputs=4)


def randomise(model, generator, trained_bn):
    """Random weights (uniform ±1/sqrt(fan_in)); BN statistics non-trivial when trained_bn,
    else left at PyTorch's initial 0/1 with num_batches_tracked 0 (like ECGFounder's release)."""
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                tensor.fill_(100 if trained_bn else 0)
            elif ".bn" in name or name.startswith("first_bn"):
                if not trained_bn:
                    continue
                leaf = name.rsplit(".", 1)[1]
                if leaf == "running_var" or leaf == "weight":
                    tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
                else:
                    tensor.copy_((torch.rand(tensor.shape, generator=generator) - 0.5) * 0.2)
            else:
                fan_in = tensor[0].numel() if tensor.dim() > 1 else tensor.numel()
                bound = 1.0 / math.sqrt(fan_in)
                tensor.copy_((torch.rand(tensor.shape, generator=generator) * 2 - 1) * bound)
    return model.eval()
