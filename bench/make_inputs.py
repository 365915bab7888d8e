#!/usr/bin/python3
"""Writes what the benchmarks need, at any size, without PyTorch: random
weights for examples/seed_transformer.xf or, with --model gpt2,
examples/gpt2_small.xf (F32 safetensors, PyTorch names) and token-id inputs.
Standard library + NumPy only.

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


def gpt2_params(a):
    """examples/gpt2_small.xf's names at d_model, d_ff, layers, vocab."""
    d, f = a.d_model, a.d_ff
    p = {"wte.weight": (a.vocab, d), "wpe.weight": (a.max_len, d),
         "ln_f.weight": (d,), "ln_f.bias": (d,)}
    for i in range(a.layers):
        for n in ("ln_1", "ln_2"):
            p.update({f"h.{i}.{n}.weight": (d,), f"h.{i}.{n}.bias": (d,)})
        for n, (o, k) in {"attn.q_proj": (d, d), "attn.k_proj": (d, d), "attn.v_proj": (d, d),
                          "attn.c_proj": (d, d), "mlp.c_fc": (f, d), "mlp.c_proj": (d, f)}.items():
            p.update({f"h.{i}.{n}.weight": (o, k), f"h.{i}.{n}.bias": (o,)})
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    for k, v in [("d_model", 512), ("d_ff", 2048), ("heads", 8), ("d_k", 64), ("d_v", 64),
                 ("layers", 6), ("src_vocab", 6), ("tgt_vocab", 9), ("batch", 1),
                 ("src_len", 128), ("tgt_len", 128), ("seed", 0), ("vocab", 50257),
                 ("max_len", 1024)]:
        ap.add_argument("--" + k, type=int, default=v)
    ap.add_argument("--model", choices=["seed", "gpt2"], default="seed",
                    help="gpt2: examples/gpt2_small.xf's weights (--d_model 768 --d_ff 3072 "
                         "--heads 12 --layers 12 for GPT-2 small's sizes)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    header, blobs, off = {}, [], 0
    params = gpt2_params(a) if a.model == "gpt2" else seed_params(a)
    for name, shape in params.items():
        if len(shape) == 1:  # norm weights near 1, biases near 0
            w = ((1.0 if name.endswith("weight") else 0.0) +
                 0.02 * rng.standard_normal(shape)).astype("<f4").tobytes()
        else:
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
