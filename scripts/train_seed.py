#!/usr/bin/python3
"""Trains a small seed-architecture Transformer on the seed notes' toy task
(two German sentences and their English translations) and saves its weights
for the main job: examples/weights/seed_toy.safetensors.

Run with Debian's python3-torch: /usr/bin/python3 scripts/train_seed.py
The --set flags that make examples/seed_transformer.xf match are in
examples/weights/seed_toy.json.
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import build, save_safetensors  # noqa: E402

SRC_VOCAB = "P ich mochte ein bier cola".split()
TGT_VOCAB = "P i want a beer coke S E .".split()
SENTENCES = [  # encoder input, decoder input, decoder target (as in the notes)
    ("ich mochte ein bier P", "S i want a beer .", "i want a beer . E"),
    ("ich mochte ein cola P", "S i want a coke .", "i want a coke . E"),
]
CONFIG = dict(d_model=64, d_ff=128, heads=4, d_k=16, d_v=16, layers=2,
              src_vocab=len(SRC_VOCAB), tgt_vocab=len(TGT_VOCAB), max_len=16)


def ids(text, vocab):
    return [vocab.index(w) for w in text.split()]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "examples/weights"
    torch.manual_seed(1)
    cfg = type("Config", (), CONFIG)
    model = build(cfg)
    enc = torch.tensor([ids(s, SRC_VOCAB) for s, _, _ in SENTENCES])
    dec = torch.tensor([ids(d, TGT_VOCAB) for _, d, _ in SENTENCES])
    tgt = torch.tensor([ids(t, TGT_VOCAB) for _, _, t in SENTENCES])
    loss_fn = nn.CrossEntropyLoss(ignore_index=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for step in range(300):
        logits = model(enc, dec)
        loss = loss_fn(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"final loss {loss.item():.5f}")
    os.makedirs(out, exist_ok=True)
    save_safetensors(os.path.join(out, "seed_toy.safetensors"), model.state_dict())
    with open(os.path.join(out, "seed_toy.json"), "w") as f:
        json.dump({"set": [f"{k}={v}" for k, v in CONFIG.items()]}, f, indent=1)


if __name__ == "__main__":
    main()
