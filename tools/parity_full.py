"""Full-size parity: the published Net1D configuration (30,669,364 parameters) with random
weights, PyTorch reference against `ecg-stenosis predict --tensor`, use_bn true and false.

Run through tools/parity_full.sh, which builds the tool and names the Python that has torch:

    TORCH_PYTHON=/tmp/torchenv/bin/python tools/parity_full.sh

Steps per use_bn setting: the reference (tools/net1d_reference.py) gets seeded random weights
(trained-looking BN statistics when use_bn is true, untrained 0/1 ones otherwise) and is saved
as an ECGFounder-style checkpoint {"state_dict": ..., "optimizer": ...}; `ecg-stenosis convert`
turns it into safetensors without metadata (so use_bn is inferred from the BN tensors, as for a
real release); `ecg-stenosis predict --tensor --json` runs it on 3 random ECG-shaped inputs.
Prints max |Δlogit| per setting and fails above 1e-4.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from net1d_reference import ECGFOUNDER, Net1D, randomise  # noqa: E402

TOLERANCE = 1e-4


def main():
    tool = sys.argv[1]
    backend = sys.argv[2] if len(sys.argv) > 2 else "cpu"
    work = tempfile.mkdtemp(prefix="ecg-parity-")
    gen = torch.Generator().manual_seed(5136)
    x = torch.randn(3, 12, 5000, generator=gen)
    np.save(os.path.join(work, "x.npy"), x.numpy().astype(np.float32))
    worst = 0.0
    print(f"torch {torch.__version__}; work dir {work}")
    for use_bn in (True, False):
        model = randomise(Net1D(dict(ECGFOUNDER, use_bn=use_bn)), gen, trained_bn=use_bn)
        params = sum(p.numel() for p in model.parameters())
        with torch.no_grad():
            reference = model(x).double().numpy()
        ckpt = os.path.join(work, f"bn-{use_bn}.pth")
        torch.save({"state_dict": model.state_dict(), "epoch": 1,
                    "optimizer": torch.optim.SGD(model.parameters(), lr=0.1).state_dict()}, ckpt)
        out = os.path.join(work, f"bn-{use_bn}.safetensors")
        subprocess.run([tool, "convert", ckpt, "--out", out], check=True, stdout=subprocess.DEVNULL)
        report = json.loads(subprocess.run(
            [tool, "predict", "--model", out, "--tensor", os.path.join(work, "x.npy"), "--json",
             "--backend", backend], check=True, capture_output=True, text=True).stdout)
        ours = np.array(report["logits"], dtype=np.float64)
        diff = float(np.abs(ours - reference).max())
        worst = max(worst, diff)
        print(f"use_bn={str(use_bn).lower():5} params={params:,} file={os.path.getsize(out):,} B "
              f"backend={report['backend']} max|Δlogit|={diff:.3e} "
              f"(logit range {reference.min():.3f} .. {reference.max():.3f})")
    print(f"full-size parity: max |Δlogit| = {worst:.3e} (tolerance {TOLERANCE:g})")
    sys.exit(0 if worst <= TOLERANCE else 1)


if __name__ == "__main__":
    main()
