#!/usr/bin/python3
"""PyTorch eager attention as the seed notes write it (matmul, scale,
masked_fill with -1e9, softmax, matmul) on the .npy inputs of
bench/attention.mlir; with --causal the mask also blocks later keys, as
the decoder's (bench/attention_causal.mlir). Prints one JSON line (median
ms, peak RSS).

  /usr/bin/python3 bench/pytorch_attention.py DIR --threads 2 --reps 3 [--causal]
"""
import argparse
import json
import os
import resource
import time

import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine")
    ap.add_argument("--causal", action="store_true", help="also block keys after the query")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    q, k, v = (torch.from_numpy(np.load(os.path.join(a.dir, f"{n}.npy"))).to(a.device)
               for n in "qkv")
    ids = torch.from_numpy(np.load(os.path.join(a.dir, "ids.npy"))).to(a.device)
    sync = torch.cuda.synchronize if a.device.startswith("cuda") else (lambda: None)
    mask = ids.eq(0).unsqueeze(1).unsqueeze(1)
    if a.causal:
        s = q.size(-2)
        mask = mask | torch.triu(torch.ones(s, s, dtype=torch.bool, device=a.device), 1)

    def attention():
        scores = torch.matmul(q, k.transpose(-1, -2)) / np.sqrt(q.size(-1))
        scores.masked_fill_(mask, -1e9)
        return torch.matmul(torch.softmax(scores, dim=-1), v)

    times = []
    with torch.no_grad():
        attention()
        sync()
        for _ in range(a.reps):
            t = time.perf_counter()
            attention()
            sync()
            times.append((time.perf_counter() - t) * 1e3)
    print(json.dumps({"impl": "pytorch-eager", "threads": a.threads,
                      "median_ms": round(float(np.median(times)), 3),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


if __name__ == "__main__":
    main()
