"""Reference saliency for the golden-report test, from PyTorch autograd on the PyTorch Net1D
(tools/net1d_reference.py), independent of burn.

    /tmp/torchenv/bin/python tools/make_saliency_fixtures.py

Input: tests/fixtures/golden/A0002.ecgfounder.npy (the model input of CPSC A0002 as scipy
computes the ecgfounder recipe, written by tools/make_signal_fixtures.py). Network: the shipped
demonstration model www/models/demo.safetensors. Writes tests/fixtures/golden/:
- A0002.reference.json: the four probabilities, and per explained case the method, vessel,
  steps, the sum of the map per lead (signed) and its lead shares of absolute attribution;
- A0002.LCX.grad-x-input.npy: float32 [12, 5000], input x gradient of the LCX logit;
- A0002.RCA.integrated-gradients-32.npy: float32 [12, 5000], integrated gradients of the RCA
  logit from the zero baseline, 32 midpoint steps ((k + 0.5) / 32), the same rule as
  src/saliency.rs.
"""

import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(__file__))
from net1d_reference import Net1D  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
GOLDEN = os.path.join(ROOT, "tests", "fixtures", "golden")
MODEL = os.path.join(ROOT, "www", "models", "demo.safetensors")
COMMAND = "/tmp/torchenv/bin/python tools/make_saliency_fixtures.py"


def load_demo():
    with open(MODEL, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    meta = json.loads(header["__metadata__"]["ecg_stenosis"])
    cfg = {k: v for k, v in meta["architecture"].items() if k != "kind"}
    net = Net1D(cfg)
    net.load_state_dict(load_file(MODEL))
    return net.double().eval(), meta["outputs"]


def main():
    torch.set_grad_enabled(True)
    net, outputs = load_demo()
    x = torch.from_numpy(np.load(os.path.join(GOLDEN, "A0002.ecgfounder.npy")).astype(np.float64))
    x = x.reshape(1, 12, -1)
    with torch.no_grad():
        logits = net(x)[0]
    cases = []
    for vessel, method, steps, name in [
        ("LCX", "grad-x-input", 1, "A0002.LCX.grad-x-input.npy"),
        ("RCA", "integrated-gradients", 32, "A0002.RCA.integrated-gradients-32.npy"),
    ]:
        k = outputs.index(vessel)
        if method == "grad-x-input":
            alphas = [1.0]
        else:
            alphas = [(i + 0.5) / steps for i in range(steps)]
        total = torch.zeros_like(x)
        for a in alphas:
            point = (x * a).clone().requires_grad_(True)
            net(point)[0, k].backward()
            total += point.grad
        attribution = (x * total / len(alphas))[0]
        np.save(os.path.join(GOLDEN, name), attribution.numpy().astype(np.float32))
        per_lead_abs = attribution.abs().sum(dim=1)
        cases.append({
            "vessel": vessel,
            "method": method,
            "steps": steps,
            "file": name,
            "lead_sum": attribution.sum(dim=1).tolist(),
            "lead_share": (per_lead_abs / per_lead_abs.sum()).tolist(),
        })
    out = {
        "command": COMMAND,
        "torch": torch.__version__,
        "note": "PyTorch autograd in float64 on the demonstration model's weights as stored (float16; the input and output layers float32)",
        "probabilities": dict(zip(outputs, torch.sigmoid(logits).tolist())),
        "logits": dict(zip(outputs, logits.tolist())),
        "saliency": cases,
    }
    with open(os.path.join(GOLDEN, "A0002.reference.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
