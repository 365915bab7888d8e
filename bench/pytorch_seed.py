#!/usr/bin/python3
"""Times the seed model in PyTorch eager (Debian's python3-torch), the notes'
exact module structure (scripts/make_reference.py), on the same weights and
inputs as xf-bench. Prints one JSON line like xf-bench.

  /usr/bin/python3 bench/pytorch_seed.py DIR --threads 2 --reps 10
DIR holds weights.safetensors, src.npy, tgt.npy (bench/make_inputs.py).
With --entry decode, one greedy-decoding step as xfc's `decode` entry
computes it: the decoder and projection on tgt, given memory.npy (the
encoder's output) and src.
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from make_reference import build  # noqa: E402


def load_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(blob, dtype="<f4", count=(e - b) // 4,
                                                   offset=8 + n + b).reshape(info["shape"]).copy())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine")
    ap.add_argument("--entry", default="forward", choices=["forward", "decode"])
    for k, v in [("d_model", 512), ("d_ff", 2048), ("heads", 8), ("d_k", 64), ("d_v", 64),
                 ("layers", 6), ("src_vocab", 6), ("tgt_vocab", 9), ("max_len", 5000)]:
        ap.add_argument("--" + k, type=int, default=v)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = build(a).eval()
    state = load_safetensors(os.path.join(a.dir, "weights.safetensors"))
    missing, _ = model.load_state_dict(state, strict=False)
    assert all(m.endswith("pos_emb.pe") for m in missing), missing
    # The notes' modules create their LayerNorms inside forward: new tensors
    # must land on the device too (set_default_device is PyTorch >= 2.0;
    # Debian's 1.13 only runs on the CPU, the default).
    if a.device != "cpu":
        torch.set_default_device(a.device)
    model = model.to(a.device)
    src = torch.from_numpy(np.load(os.path.join(a.dir, "src.npy"))).to(a.device)
    tgt = torch.from_numpy(np.load(os.path.join(a.dir, "tgt.npy"))).to(a.device)
    if a.entry == "decode":
        memory = torch.from_numpy(np.load(os.path.join(a.dir, "memory.npy"))).to(a.device)
        step = lambda: model.projection(model.decoder(tgt, src, memory))
    else:
        step = lambda: model(src, tgt)
    sync = torch.cuda.synchronize if a.device.startswith("cuda") else (lambda: None)
    times = []
    with torch.no_grad():
        step()  # warm-up
        sync()
        for _ in range(a.reps):
            t = time.perf_counter()
            step()
            sync()
            times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    print(json.dumps({"entry": a.entry, "impl": "pytorch-eager", "device": a.device, "reps": a.reps,
                      "threads": a.threads, "median_ms": round(float(np.median(times)), 3),
                      "min_ms": round(times[0], 3)}))


if __name__ == "__main__":
    main()
