#!/usr/bin/python3
"""The BERT-base-sized encoder of examples/bert_base.xf with random weights,
for the ONNX Runtime comparison (bench/ort.sh): writes DIR/weights.safetensors
(Hugging Face's names, as the description reads them), DIR/ids.npy (int64
[B, S]; rows end in padding at different lengths, the first row full),
DIR/bert.onnx exported from the reference (scripts/hf_reference.py's
bert_forward, without token types as the description) with dynamic batch
and length, and DIR/torch_hidden.npy, PyTorch's hidden states.

  /usr/bin/python3 bench/onnx_bert.py DIR [--batch 8] [--len 128]
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from hf_reference import bert_forward  # noqa: E402
from make_reference import save_safetensors  # noqa: E402

D, FF, HEADS, LAYERS, VOCAB, MAX_LEN = 768, 3072, 12, 12, 30522, 512
CFG = {"hidden_size": D, "num_attention_heads": HEADS,
       "num_hidden_layers": LAYERS, "layer_norm_eps": 1e-12}


def random_weights():
    """BERT's initialization: normal(0, 0.02) matrices, LayerNorm ones and
    zeros, here with a little noise in the norms and biases."""
    g = torch.Generator().manual_seed(0)
    normal = lambda *shape, std=0.02: torch.randn(*shape, generator=g) * std
    w = {"embeddings.word_embeddings.weight": normal(VOCAB, D),
         "embeddings.position_embeddings.weight": normal(MAX_LEN, D)}
    norms = ["embeddings.LayerNorm"]
    for i in range(LAYERS):
        q = f"encoder.layer.{i}."
        norms += [q + "attention.output.LayerNorm", q + "output.LayerNorm"]
        for n, (o, i_) in {"attention.self.query": (D, D),
                           "attention.self.key": (D, D),
                           "attention.self.value": (D, D),
                           "attention.output.dense": (D, D),
                           "intermediate.dense": (FF, D),
                           "output.dense": (D, FF)}.items():
            w[q + n + ".weight"] = normal(o, i_)
            w[q + n + ".bias"] = normal(o)
    for n in norms:
        w[n + ".weight"] = 1 + normal(D, std=0.1)
        w[n + ".bias"] = normal(D, std=0.1)
    return w


class Bert(nn.Module):
    """bert_forward over the weights as buffers (their names have dots,
    which buffer names may not), token types all 0 with a zero table."""

    def __init__(self, w):
        super().__init__()
        self.names = list(w)
        for i, n in enumerate(self.names):
            self.register_buffer(f"w{i}", w[n])
        self.register_buffer("types", torch.zeros(2, D))

    def forward(self, ids):
        w = {n: getattr(self, f"w{i}") for i, n in enumerate(self.names)}
        w["embeddings.token_type_embeddings.weight"] = self.types
        pos = torch.arange(ids.shape[1]).unsqueeze(0).expand_as(ids)
        return bert_forward(w, CFG, ids, ids != 0, torch.zeros_like(ids), pos)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--len", type=int, default=128)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    w = random_weights()
    save_safetensors(os.path.join(args.dir, "weights.safetensors"), w)
    rng = np.random.default_rng(1)
    ids = rng.integers(1, VOCAB, size=(args.batch, args.len), dtype=np.int64)
    for b in range(1, args.batch):  # lengths from S down to about S/2
        ids[b, args.len - math.ceil(b * args.len / (2 * args.batch)):] = 0
    np.save(os.path.join(args.dir, "ids.npy"), ids)
    model = Bert(w).eval()
    with torch.no_grad():
        hidden = model(torch.from_numpy(ids))
        torch.onnx.export(model, (torch.from_numpy(ids),),
                          os.path.join(args.dir, "bert.onnx"),
                          input_names=["ids"], output_names=["hidden"],
                          dynamic_axes={"ids": {0: "batch", 1: "len"},
                                        "hidden": {0: "batch", 1: "len"}},
                          opset_version=17)
    np.save(os.path.join(args.dir, "torch_hidden.npy"), hidden.numpy())


if __name__ == "__main__":
    main()
