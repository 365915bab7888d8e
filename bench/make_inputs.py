#!/usr/bin/python3
"""Writes what the benchmarks need, at any size, without PyTorch: random
weights for examples/seed_transformer.xf (F32 safetensors, PyTorch names) and
token-id inputs. Standard library + NumPy only.

  python3 bench/make_inputs.py OUT_DIR --d_model 512 ... --batch 1 --src_len 128 --tgt_len 128
"""
import argparse
import json
import os
import struct

import numpy as np


def seed_params(a):
    d, h = a.d_model, a.heads
    p = {"encoder.src_emb.weight": (a.src_vocab, d), "decoder.tgt_emb.weight": (a.tgt_vocab, d),
         "projection.weight": (a.tgt_vocab, d)}
    attn = lambda pre: {f"{pre}.W_Q.weight": (h * a.d_k, d), f"{pre}.W_K.weight": (h * a.d_k, d),
                        f"{pre}.W_V.weight": (h * a.d_v, d), f"{pre}.fc.weight": (d, h * a.d_v)}
    ffn = lambda pre: {f"{pre}.fc.0.weight": (a.d_ff, d), f"{pre}.fc.2.weight": (d, a.d_ff)}
    for i in range(a.layers):
        p.update(attn(f"encoder.layers.{i}.enc_self_attn"))
        p.update(ffn(f"encoder.layers.{i}.pos_ffn"))
        p.update(attn(f"decoder.layers.{i}.dec_self_attn"))
        p.update(attn(f"decoder.layers.{i}.dec_enc_attn"))
        p.update(ffn(f"decoder.layers.{i}.pos_ffn"))
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    for k, v in [("d_model", 512), ("d_ff", 2048), ("heads", 8), ("d_k", 64), ("d_v", 64),
                 ("layers", 6), ("src_vocab", 6), ("tgt_vocab", 9), ("batch", 1),
                 ("src_len", 128), ("tgt_len", 128), ("seed", 0)]:
        ap.add_argument("--" + k, type=int, default=v)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    header, blobs, off = {}, [], 0
    for name, shape in seed_params(a).items():
        w = (rng.standard_normal(shape) / np.sqrt(shape[-1])).astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [off, off + len(w)]}
        blobs.append(w)
        off += len(w)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(os.path.join(a.out, "weights.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)
    src = rng.integers(1, a.src_vocab, (a.batch, a.src_len)).astype(np.int64)
    tgt = rng.integers(1, a.tgt_vocab, (a.batch, a.tgt_len)).astype(np.int64)
    src[:, -a.src_len // 8:] = 0  # some padding
    np.save(os.path.join(a.out, "src.npy"), src)
    np.save(os.path.join(a.out, "tgt.npy"), tgt)


if __name__ == "__main__":
    main()
