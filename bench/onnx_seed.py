#!/usr/bin/python3
"""Exports the seed model to ONNX for the ONNX Runtime comparison
(bench/ort.sh), with dynamic batch and lengths, from the weights and inputs
xf-bench uses, and writes PyTorch's logits for those inputs so the ONNX
Runtime run can be checked before it is timed.

  /usr/bin/python3 bench/onnx_seed.py DIR [--d_model 512 ...]
DIR holds weights.safetensors, src.npy, tgt.npy (bench/make_inputs.py); it
gets seed.onnx and torch_logits.npy.

The module is the notes' (scripts/make_reference.py) with the same weight
names, rewritten where torch.onnx.export (PyTorch 1.13, opset 17) or ONNX
Runtime need it, and where a deployment export would: the causal mask from
two aranges (the notes' np.triu is a constant of the traced length, and ONNX
Runtime has no uint8 Trilu); LayerNorm with explicit ones/zeros (without
them the exporter writes an empty scale input); the head mask broadcast
instead of repeated. It is checked against the notes' module here.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from make_reference import build  # noqa: E402
from pytorch_seed import load_safetensors  # noqa: E402


def build_exportable(cfg):
    d_model, n_heads, d_k, d_v = cfg.d_model, cfg.heads, cfg.d_k, cfg.d_v

    class Norm(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("one", torch.ones(d_model), persistent=False)
            self.register_buffer("zero", torch.zeros(d_model), persistent=False)

        def forward(self, x):
            return F.layer_norm(x, (d_model,), self.one, self.zero, 1e-5)

    class MultiHeadAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.W_Q = nn.Linear(d_model, d_k * n_heads, bias=False)
            self.W_K = nn.Linear(d_model, d_k * n_heads, bias=False)
            self.W_V = nn.Linear(d_model, d_v * n_heads, bias=False)
            self.fc = nn.Linear(n_heads * d_v, d_model, bias=False)
            self.norm = Norm()

        def forward(self, q_in, kv_in, mask):  # mask [b, 1 or Lq, Lk], True = blocked
            b = q_in.size(0)
            q = self.W_Q(q_in).view(b, -1, n_heads, d_k).transpose(1, 2)
            k = self.W_K(kv_in).view(b, -1, n_heads, d_k).transpose(1, 2)
            v = self.W_V(kv_in).view(b, -1, n_heads, d_v).transpose(1, 2)
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d_k)
            scores = scores.masked_fill(mask.unsqueeze(1), -1e9)
            context = torch.matmul(torch.softmax(scores, dim=-1), v)
            context = context.transpose(1, 2).reshape(b, -1, n_heads * d_v)
            return self.norm(self.fc(context) + q_in)

    class FeedForward(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Sequential(nn.Linear(d_model, cfg.d_ff, bias=False), nn.ReLU(),
                                    nn.Linear(cfg.d_ff, d_model, bias=False))
            self.norm = Norm()

        def forward(self, x):
            return self.norm(self.fc(x) + x)

    class EncoderLayer(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc_self_attn = MultiHeadAttention()
            self.pos_ffn = FeedForward()

        def forward(self, x, mask):
            return self.pos_ffn(self.enc_self_attn(x, x, mask))

    class DecoderLayer(nn.Module):
        def __init__(self):
            super().__init__()
            self.dec_self_attn = MultiHeadAttention()
            self.dec_enc_attn = MultiHeadAttention()
            self.pos_ffn = FeedForward()

        def forward(self, x, memory, self_mask, cross_mask):
            x = self.dec_self_attn(x, x, self_mask)
            return self.pos_ffn(self.dec_enc_attn(x, memory, cross_mask))

    def positions(length):
        pos = torch.arange(length, dtype=torch.float32).unsqueeze(1)
        div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32)
                        * (-math.log(10000.0) / d_model))
        angles = pos * div
        # Interleaved sin (even dims) and cos (odd dims), as the notes' table.
        return torch.stack([torch.sin(angles), torch.cos(angles)], dim=-1).reshape(length, d_model)

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Module()
            self.encoder.src_emb = nn.Embedding(cfg.src_vocab, d_model)
            self.encoder.layers = nn.ModuleList([EncoderLayer() for _ in range(cfg.layers)])
            self.decoder = nn.Module()
            self.decoder.tgt_emb = nn.Embedding(cfg.tgt_vocab, d_model)
            self.decoder.layers = nn.ModuleList([DecoderLayer() for _ in range(cfg.layers)])
            self.projection = nn.Linear(d_model, cfg.tgt_vocab, bias=False)

        def forward(self, src, tgt):
            src_pad = src.eq(0).unsqueeze(1)  # [b, 1, S]
            x = self.encoder.src_emb(src) + positions(src.size(1))
            for layer in self.encoder.layers:
                x = layer(x, src_pad)
            t = tgt.size(1)
            ar = torch.arange(t)
            causal = ar.unsqueeze(0) > ar.unsqueeze(1)  # [T, T]
            self_mask = tgt.eq(0).unsqueeze(1) | causal.unsqueeze(0)
            y = self.decoder.tgt_emb(tgt) + positions(t)
            for layer in self.decoder.layers:
                y = layer(y, x, self_mask, src_pad)
            return self.projection(y)

    return Transformer()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    for k, v in [("d_model", 512), ("d_ff", 2048), ("heads", 8), ("d_k", 64), ("d_v", 64),
                 ("layers", 6), ("src_vocab", 6), ("tgt_vocab", 9), ("max_len", 5000)]:
        ap.add_argument("--" + k, type=int, default=v)
    a = ap.parse_args()
    state = load_safetensors(os.path.join(a.dir, "weights.safetensors"))
    notes = build(a).eval()
    notes.load_state_dict(state, strict=False)
    model = build_exportable(a).eval()
    model.load_state_dict(state)
    src = torch.from_numpy(np.load(os.path.join(a.dir, "src.npy")))
    tgt = torch.from_numpy(np.load(os.path.join(a.dir, "tgt.npy")))
    with torch.no_grad():
        expected = notes(src, tgt)
        got = model(src, tgt)
    err = float((got - expected).abs().max() / expected.abs().max())
    if err > 1e-5:
        sys.exit(f"onnx_seed.py: the exportable module differs from the notes' by {err:.3g}")
    np.save(os.path.join(a.dir, "torch_logits.npy"), expected.numpy().astype(np.float32))
    dynamic = {"src": {0: "batch", 1: "src_len"}, "tgt": {0: "batch", 1: "tgt_len"},
               "logits": {0: "batch", 1: "tgt_len"}}
    torch.onnx.export(model, (src, tgt), os.path.join(a.dir, "seed.onnx"),
                      input_names=["src", "tgt"], output_names=["logits"],
                      dynamic_axes=dynamic, opset_version=17, do_constant_folding=True)


if __name__ == "__main__":
    main()
