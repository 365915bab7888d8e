#!/usr/bin/python3
"""Writes the attention microbenchmark's inputs (bench/attention.mlir):
q, k, v [1, 8, S, 64] f32, key ids [1, S] whose last S/8 are padding, and
an empty weights file (the model has no parameters). NumPy only.

  python3 bench/make_attention_inputs.py DIR S
"""
import struct
import sys

import numpy as np


def main():
    d, s = sys.argv[1], int(sys.argv[2])
    r = np.random.default_rng(0)
    for n in "qkv":
        np.save(f"{d}/{n}.npy", r.standard_normal((1, 8, s, 64)).astype("<f4"))
    ids = r.integers(1, 100, (1, s)).astype(np.int64)
    ids[:, -max(1, s // 8):] = 0
    np.save(f"{d}/ids.npy", ids)
    h = b"{}      "
    with open(f"{d}/none.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)


if __name__ == "__main__":
    main()
