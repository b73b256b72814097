"""Regenerates tests/fixtures/model/ from the PyTorch reference (tools/net1d_reference.py).

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.15.0 numpy safetensors
    /tmp/torchenv/bin/python tools/make_model_fixtures.py

Seeded: the same torch version writes the same files. What it writes:
- golden-bn.safetensors: the golden configuration with trained BN statistics and full
  `ecg_stenosis` metadata (use_bn true);
- golden-nobn.safetensors: other weights, BN tensors at their untrained 0/1 and no metadata at all
  (a plain state-dict export, like ECGFounder's release: the loader must infer use_bn = false);
- golden-input.npy: float32 [2, 12, 5000] standard-normal input;
- golden-logits.json: the reference logits for that input and for its first 4999 samples;
- tiny-flat.pth, tiny-state_dict.pth, tiny-model.pth: one tiny network saved the three ways
  checkpoints come (flat state dict; {"state_dict", "optimizer", "epoch"} like ECGFounder's
  release; {"model"} with DataParallel's "module." prefix like the CCTA training code), and
  tiny-logits.json for the first sample of the golden input.
"""

import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from net1d_reference import Net1D, randomise  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "model")
COMMAND = "/tmp/torchenv/bin/python tools/make_model_fixtures.py"

GOLDEN = dict(in_channels=12, base_filters=16, ratio=1.0,
              filter_list=[16, 16, 32, 32, 48, 48, 64], m_blocks_list=[2, 1, 2, 1, 2, 1, 2],
              kernel_size=16, stride=2, groups_width=8, use_bn=True, n_outputs=4)
TINY = dict(GOLDEN, filter_list=[16, 32], m_blocks_list=[1, 1], groups_width=16)
OUTPUTS = ["RCA", "LM", "LAD", "LCX"]
LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def metadata(cfg, name):
    return {
        "format_version": 1,
        "name": name,
        "version": "0.0.1",
        "architecture": dict(cfg, kind="net1d"),
        "outputs": OUTPUTS,
        "input": {"sample_rate_hz": 500, "samples": 5000, "leads": LEADS,
                  "preprocessing": "per_lead_zscore"},
        "thresholds": {v: {"rule_out": {"probability": 0.2, "sensitivity": 0.9},
                           "rule_in": {"probability": 0.6, "specificity": 0.9}}
                       for v in OUTPUTS},
        "card": {"intended_use": "Test fixture: random weights, no meaning.",
                 "training_data": "none (random weights)",
                 "metrics": {},
                 "demonstration": True,
                 "disclaimer": "Random weights for testing; the outputs mean nothing."},
        "generated_by": COMMAND,
    }


def logits(model, x):
    with torch.no_grad():
        return model(x).double().tolist()


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20261126)
    x = torch.randn(2, 12, 5000, generator=gen)
    np.save(os.path.join(OUT, "golden-input.npy"), x.numpy().astype(np.float32))

    bn = randomise(Net1D(GOLDEN), gen, trained_bn=True)
    nobn_cfg = dict(GOLDEN, use_bn=False)
    nobn = randomise(Net1D(nobn_cfg), gen, trained_bn=False)
    save_file({k: v.contiguous() for k, v in bn.state_dict().items()},
              os.path.join(OUT, "golden-bn.safetensors"),
              metadata={"ecg_stenosis": json.dumps(metadata(GOLDEN, "golden-bn"))})
    save_file({k: v.contiguous() for k, v in nobn.state_dict().items()},
              os.path.join(OUT, "golden-nobn.safetensors"))
    golden = {
        "command": COMMAND,
        "torch": torch.__version__,
        "input": "golden-input.npy",
        "bn": {"5000": logits(bn, x), "4999": logits(bn, x[..., :4999])},
        "nobn": {"5000": logits(nobn, x), "4999": logits(nobn, x[..., :4999])},
    }
    with open(os.path.join(OUT, "golden-logits.json"), "w") as f:
        json.dump(golden, f, indent=1)

    tiny = randomise(Net1D(TINY), gen, trained_bn=True)
    state = tiny.state_dict()
    optimizer = torch.optim.Adam(tiny.parameters(), lr=1e-3)
    torch.save(state, os.path.join(OUT, "tiny-flat.pth"))
    # One optimiser step on a copy so the checkpoint carries real optimiser state, as a
    # training run's does; the saved weights are the ones before the step.
    saved = {k: v.clone() for k, v in state.items()}
    tiny.train()
    tiny(x[:1]).sum().backward()
    optimizer.step()
    torch.save({"state_dict": saved, "optimizer": optimizer.state_dict(), "epoch": 3},
               os.path.join(OUT, "tiny-state_dict.pth"))
    torch.save({"model": {"module." + k: v for k, v in saved.items()}, "auc": 0.5},
               os.path.join(OUT, "tiny-model.pth"))
    tiny.load_state_dict(saved)
    tiny.eval()
    with open(os.path.join(OUT, "tiny-logits.json"), "w") as f:
        json.dump({"command": COMMAND, "torch": torch.__version__,
                   "config": TINY, "input": "golden-input.npy [0:1]",
                   "logits": logits(tiny, x[:1])}, f, indent=1)
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, name)):>9}  {name}")


if __name__ == "__main__":
    main()
