#!/usr/bin/python3
"""PyTorch eager generation with a key/value cache, the reference for
xf-bench --generate-context: the seed model's decoder (post-norm, sinusoidal
positions, cross-attention keys and values computed once from the encoder's
output) or a GPT-2-style decoder (pre-norm, learned positions, biases,
tanh-GELU), written directly on the weights with preallocated caches, so a
step computes only the new token. Times a prefill of C tokens, then single
steps at context C (C+1, ...), like xf-bench. Prints one JSON line.

  /usr/bin/python3 bench/pytorch_generate.py seed DIR --context 128 --threads 2
  /usr/bin/python3 bench/pytorch_generate.py gpt2 DIR --context 128 --threads 2
DIR holds weights.safetensors (and src.npy for the seed model).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_seed import load_safetensors  # noqa: E402


def sinusoid(positions, d):
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    angle = positions.float()[:, :, None] * div
    pe = torch.zeros(*positions.shape, d)
    pe[..., 0::2] = torch.sin(angle)
    pe[..., 1::2] = torch.cos(angle)
    return pe


def attend(q, k, v, mask):
    """q [B,H,T,d], k/v [B,H,L,d], mask [B,1,T,L] (True = blocked)."""
    s = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    s = s.masked_fill(mask, -1e9)
    return torch.softmax(s, -1) @ v


class Cached:
    """Decoder state: per layer K/V caches [B, H, capacity, d] and the length."""

    def __init__(self, layers, batch, heads, capacity, d):
        self.k = [torch.zeros(batch, heads, capacity, d) for _ in range(layers)]
        self.v = [torch.zeros(batch, heads, capacity, d) for _ in range(layers)]
        self.length = 0

    def attend(self, layer, q, k, v):
        t, p = q.shape[2], self.length
        self.k[layer][:, :, p:p + t] = k
        self.v[layer][:, :, p:p + t] = v
        keys, values = self.k[layer][:, :, :p + t], self.v[layer][:, :, :p + t]
        causal = torch.arange(p + t)[None, :] > (p + torch.arange(t))[:, None]
        return attend(q, keys, values, causal[None, None])


def heads(x, h):
    b, t, d = x.shape
    return x.view(b, t, h, d // h).transpose(1, 2)


def merge(x):
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


def seed_decoder(w, a, src):
    """A step function of the seed model's decoder, after encoding `src`
    with the notes' encoder (scripts/make_reference.py)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
    from make_reference import build
    model = build(a).eval()
    model.load_state_dict(w, strict=False)
    with torch.no_grad():
        memory = model.encoder(src)
    L, H, d = a.layers, a.heads, a.d_model
    pad = (src == 0)[:, None, None, :]
    cross = []
    for i in range(L):
        p = f"decoder.layers.{i}.dec_enc_attn"
        cross.append((heads(memory @ w[f"{p}.W_K.weight"].T, H), heads(memory @ w[f"{p}.W_V.weight"].T, H)))
    ln = lambda x: F.layer_norm(x, (d,))

    def run(state, ids):
        t = ids.shape[1]
        pos = state.length + torch.arange(t)[None, :].expand(ids.shape[0], t)
        x = w["decoder.tgt_emb.weight"][ids] + sinusoid(pos, d)
        for i in range(L):
            p = f"decoder.layers.{i}.dec_self_attn"
            q, k, v = (heads(x @ w[f"{p}.{n}.weight"].T, H) for n in ("W_Q", "W_K", "W_V"))
            x = ln(merge(state.attend(i, q, k, v)) @ w[f"{p}.fc.weight"].T + x)
            p = f"decoder.layers.{i}.dec_enc_attn"
            q = heads(x @ w[f"{p}.W_Q.weight"].T, H)
            x = ln(merge(attend(q, *cross[i], pad)) @ w[f"{p}.fc.weight"].T + x)
            p = f"decoder.layers.{i}.pos_ffn.fc"
            x = ln(torch.relu(x @ w[f"{p}.0.weight"].T) @ w[f"{p}.2.weight"].T + x)
        state.length += t
        return x @ w["projection.weight"].T

    return run, lambda batch, capacity: Cached(L, batch, H, capacity, d // H)


def gpt2_decoder(w, a):
    L, H, d = a.layers, a.heads, a.d_model
    lin = lambda x, n: x @ w[f"{n}.weight"].T + w[f"{n}.bias"]
    norm = lambda x, n: F.layer_norm(x, (d,), w[f"{n}.weight"], w[f"{n}.bias"], 1e-5)

    def run(state, ids):
        t = ids.shape[1]
        x = w["wte.weight"][ids] + w["wpe.weight"][state.length:state.length + t]
        for i in range(L):
            h = norm(x, f"h.{i}.ln_1")
            q, k, v = (heads(lin(h, f"h.{i}.attn.{n}"), H) for n in ("q_proj", "k_proj", "v_proj"))
            x = x + lin(merge(state.attend(i, q, k, v)), f"h.{i}.attn.c_proj")
            h = norm(x, f"h.{i}.ln_2")
            x = x + lin(F.gelu(lin(h, f"h.{i}.mlp.c_fc"), approximate="tanh"), f"h.{i}.mlp.c_proj")
        state.length += t
        return norm(x, "ln_f") @ w["wte.weight"].T

    return run, lambda batch, capacity: Cached(L, batch, H, capacity, d // H)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["seed", "gpt2"])
    ap.add_argument("dir")
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=20)
    for k, v in [("d_model", 512), ("d_ff", 2048), ("heads", 8), ("d_k", 64), ("d_v", 64),
                 ("layers", 6), ("src_vocab", 6), ("tgt_vocab", 9), ("max_len", 5000)]:
        ap.add_argument("--" + k, type=int, default=v)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    w = load_safetensors(os.path.join(a.dir, "weights.safetensors"))
    if a.model == "seed":
        src = torch.from_numpy(np.load(os.path.join(a.dir, "src.npy")))
        run, fresh = seed_decoder(w, a, src)
        batch, vocab = src.shape[0], a.tgt_vocab
    else:
        run, fresh = gpt2_decoder(w, a)
        batch, vocab = 1, w["wte.weight"].shape[0]
    C = a.context
    prompt = (torch.arange(batch * C).reshape(batch, C) % (vocab - 1)) + 1
    nxt = torch.ones(batch, 1, dtype=torch.int64)
    prefill, steps = [], []
    with torch.no_grad():
        for r in range(a.reps + 1):  # one warm-up
            state = fresh(batch, C + a.reps + 1)
            t0 = time.perf_counter()
            run(state, prompt)
            if r:
                prefill.append((time.perf_counter() - t0) * 1e3)
        for r in range(a.reps + 1):
            t0 = time.perf_counter()
            run(state, nxt)
            if r:
                steps.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"engine": "pytorch-eager-kv-cache", "model": a.model, "context": C,
                      "threads": a.threads, "prefill_ms": round(statistics.median(prefill), 3),
                      "step_median_ms": round(statistics.median(steps), 3),
                      "step_min_ms": round(min(steps), 3)}))


if __name__ == "__main__":
    main()
