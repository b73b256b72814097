"""The race of issue 19, Python half: one seeded full-size Net1D, exported for every runtime.

Run by scripts/bench-race.sh (which creates the virtual environment with torch, onnx and
onnxruntime); not part of CI. Usage:

    python tools/race_export.py WORK_DIR TOOL

Writes into WORK_DIR:
- net.pth: the PyTorch checkpoint ({"state_dict": ...}, as ECGFounder releases are);
- net.safetensors: the same weights through `TOOL convert` (the project's own converter);
- net.onnx: the same network exported by torch.onnx (opset 17), eval mode;
- x.npy / x.f32: one ECG-shaped input [1, 12, 5000] (float32; .f32 is the raw little-endian
  bytes the browser half reads);
- reference.json: PyTorch's logits for x.

Then times, natively, PyTorch and onnxruntime at 1 and 2 threads (2 warm-up runs, median of
RUNS) and prints one `RACE|runtime|threads|median ms|min ms|runs|max |Δlogit| vs PyTorch` line
each; the shell script collects them into the table.
"""

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort
import torch

sys.path.insert(0, os.path.dirname(__file__))
from net1d_reference import ECGFOUNDER, Net1D, randomise  # noqa: E402

RUNS = int(os.environ.get("RACE_RUNS", "9"))
WARM_UP = 2


def timed(run):
    for _ in range(WARM_UP):
        run()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), min(times)


def main():
    work, tool = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    gen = torch.Generator().manual_seed(19)
    model = randomise(Net1D(ECGFOUNDER), gen, trained_bn=True)
    x = torch.randn(1, 12, 5000, generator=gen)
    np.save(os.path.join(work, "x.npy"), x.numpy().astype(np.float32))
    x.numpy().astype("<f4").tofile(os.path.join(work, "x.f32"))
    with torch.no_grad():
        reference = model(x).double().numpy()
    with open(os.path.join(work, "reference.json"), "w") as f:
        json.dump({"logits": reference.ravel().tolist(), "torch": torch.__version__,
                   "onnxruntime": ort.__version__,
                   "parameters": sum(p.numel() for p in model.parameters())}, f)

    ckpt = os.path.join(work, "net.pth")
    torch.save({"state_dict": model.state_dict()}, ckpt)
    subprocess.run([tool, "convert", ckpt, "--out", os.path.join(work, "net.safetensors")],
                   check=True, stdout=subprocess.DEVNULL)
    onnx_path = os.path.join(work, "net.onnx")
    torch.onnx.export(model, (x,), onnx_path, input_names=["x"], output_names=["logits"],
                      opset_version=17, dynamo=False)

    for threads in (1, 2):
        torch.set_num_threads(threads)
        with torch.no_grad():
            median, least = timed(lambda: model(x))
        print(f"RACE|PyTorch {torch.__version__} (native)|{threads}|{median:.1f}|{least:.1f}"
              f"|{RUNS}|0")
    for threads in (1, 2):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        feed = {"x": x.numpy()}
        out = session.run(None, feed)[0].astype(np.float64)
        diff = float(np.abs(out - reference).max())
        median, least = timed(lambda: session.run(None, feed))
        print(f"RACE|onnxruntime {ort.__version__} (native)|{threads}|{median:.1f}|{least:.1f}"
              f"|{RUNS}|{diff:.2e}")


if __name__ == "__main__":
    main()
