#!/usr/bin/python3
"""Builds the seed encoder-decoder Transformer in PyTorch, exactly as the seed
notes write it (module names = weight names), with random weights, and saves
reference data for xfc's tests: weights (safetensors, F32), inputs and the
outputs of forward / encode (.npy).

Run with Debian's python3-torch:
  /usr/bin/python3 scripts/make_reference.py OUT_DIR [--d_model 32 ...]
OUT_DIR gets weights.safetensors, config.json (the --set flags that make
examples/seed_transformer.xf match) and, per case, CASE_{src,tgt,logits,memory}.npy.
"""
import argparse
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn


def build(cfg):
    d_model, d_ff, n_heads = cfg.d_model, cfg.d_ff, cfg.heads
    d_k, d_v = cfg.d_k, cfg.d_v

    class PositionalEncoding(nn.Module):
        def __init__(self):
            super().__init__()
            pe = torch.zeros(cfg.max_len, d_model)
            position = torch.arange(0, cfg.max_len, dtype=torch.float).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2).float()
                                 * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = torch.sin(position * div_term)
            pe[:, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

        def forward(self, x):  # [seq_len, batch, d_model]
            return x + self.pe[:x.size(0), :]

    def get_attn_pad_mask(seq_q, seq_k):
        b, len_q = seq_q.size()
        _, len_k = seq_k.size()
        return seq_k.data.eq(0).unsqueeze(1).expand(b, len_q, len_k)

    def get_attn_subsequence_mask(seq):
        shape = [seq.size(0), seq.size(1), seq.size(1)]
        # .to(seq.device): the notes build it on the CPU; GPU benchmarks need it there.
        return torch.from_numpy(np.triu(np.ones(shape), k=1)).byte().to(seq.device)

    class ScaledDotProductAttention(nn.Module):
        def forward(self, Q, K, V, attn_mask):
            scores = torch.matmul(Q, K.transpose(-1, -2)) / np.sqrt(d_k)
            scores.masked_fill_(attn_mask, -1e9)
            attn = nn.Softmax(dim=-1)(scores)
            return torch.matmul(attn, V), attn

    class MultiHeadAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.W_Q = nn.Linear(d_model, d_k * n_heads, bias=False)
            self.W_K = nn.Linear(d_model, d_k * n_heads, bias=False)
            self.W_V = nn.Linear(d_model, d_v * n_heads, bias=False)
            self.fc = nn.Linear(n_heads * d_v, d_model, bias=False)

        def forward(self, input_Q, input_K, input_V, attn_mask):
            residual, b = input_Q, input_Q.size(0)
            Q = self.W_Q(input_Q).view(b, -1, n_heads, d_k).transpose(1, 2)
            K = self.W_K(input_K).view(b, -1, n_heads, d_k).transpose(1, 2)
            V = self.W_V(input_V).view(b, -1, n_heads, d_v).transpose(1, 2)
            attn_mask = attn_mask.unsqueeze(1).repeat(1, n_heads, 1, 1)
            context, attn = ScaledDotProductAttention()(Q, K, V, attn_mask)
            context = context.transpose(1, 2).reshape(b, -1, n_heads * d_v)
            output = self.fc(context)
            return nn.LayerNorm(d_model)(output + residual), attn

    class PoswiseFeedForwardNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Sequential(nn.Linear(d_model, d_ff, bias=False), nn.ReLU(),
                                    nn.Linear(d_ff, d_model, bias=False))

        def forward(self, inputs):
            return nn.LayerNorm(d_model)(self.fc(inputs) + inputs)

    class EncoderLayer(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc_self_attn = MultiHeadAttention()
            self.pos_ffn = PoswiseFeedForwardNet()

        def forward(self, x, mask):
            x, _ = self.enc_self_attn(x, x, x, mask)
            return self.pos_ffn(x)

    class DecoderLayer(nn.Module):
        def __init__(self):
            super().__init__()
            self.dec_self_attn = MultiHeadAttention()
            self.dec_enc_attn = MultiHeadAttention()
            self.pos_ffn = PoswiseFeedForwardNet()

        def forward(self, x, enc_out, self_mask, enc_mask):
            x, _ = self.dec_self_attn(x, x, x, self_mask)
            x, _ = self.dec_enc_attn(x, enc_out, enc_out, enc_mask)
            return self.pos_ffn(x)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.src_emb = nn.Embedding(cfg.src_vocab, d_model)
            self.pos_emb = PositionalEncoding()
            self.layers = nn.ModuleList([EncoderLayer() for _ in range(cfg.layers)])

        def forward(self, enc_inputs):
            x = self.src_emb(enc_inputs)
            x = self.pos_emb(x.transpose(0, 1)).transpose(0, 1)
            mask = get_attn_pad_mask(enc_inputs, enc_inputs)
            for layer in self.layers:
                x = layer(x, mask)
            return x

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.tgt_emb = nn.Embedding(cfg.tgt_vocab, d_model)
            self.pos_emb = PositionalEncoding()
            self.layers = nn.ModuleList([DecoderLayer() for _ in range(cfg.layers)])

        def forward(self, dec_inputs, enc_inputs, enc_outputs):
            x = self.tgt_emb(dec_inputs)
            x = self.pos_emb(x.transpose(0, 1)).transpose(0, 1)
            pad = get_attn_pad_mask(dec_inputs, dec_inputs)
            sub = get_attn_subsequence_mask(dec_inputs)
            self_mask = torch.gt((pad + sub), 0)
            enc_mask = get_attn_pad_mask(dec_inputs, enc_inputs)
            for layer in self.layers:
                x = layer(x, enc_outputs, self_mask, enc_mask)
            return x

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Encoder()
            self.decoder = Decoder()
            self.projection = nn.Linear(d_model, cfg.tgt_vocab, bias=False)

        def forward(self, enc_inputs, dec_inputs):
            enc_outputs = self.encoder(enc_inputs)
            return self.projection(self.decoder(dec_inputs, enc_inputs, enc_outputs))

    return Transformer()


def save_safetensors(path, tensors, metadata=None):
    """Writes F32 tensors in the safetensors format (header JSON + raw data),
    with the header's `__metadata__` when given."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# (name, src rows, tgt rows): padding in both, length 1, a fully padded source.
CASES = [
    ("padded", [[1, 2, 3, 4, 0], [1, 2, 0, 0, 0]],
               [[6, 1, 2, 3, 4, 8], [6, 1, 2, 0, 0, 0]]),
    ("length1", [[3]], [[6]]),
    ("allpad", [[1, 2, 3, 5, 4, 1, 2], [0, 0, 0, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0, 0]],
               [[6, 1, 2], [6, 0, 0], [6, 4, 0]]),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    for name, default in [("d_model", 32), ("d_ff", 64), ("heads", 4), ("d_k", 8),
                          ("d_v", 8), ("layers", 2), ("src_vocab", 6),
                          ("tgt_vocab", 9), ("max_len", 64), ("seed", 0)]:
        p.add_argument("--" + name, type=int, default=default)
    cfg = p.parse_args()
    torch.manual_seed(cfg.seed)
    model = build(cfg).eval()
    os.makedirs(cfg.out, exist_ok=True)
    save_safetensors(os.path.join(cfg.out, "weights.safetensors"), model.state_dict())
    sets = [f"{k}={getattr(cfg, k)}" for k in
            ("d_model", "d_ff", "heads", "d_k", "d_v", "layers", "src_vocab",
             "tgt_vocab", "max_len")]
    with open(os.path.join(cfg.out, "config.json"), "w") as f:
        json.dump({"set": sets, "cases": [c[0] for c in CASES]}, f, indent=1)
    with torch.no_grad():
        for name, src, tgt in CASES:
            src_t, tgt_t = torch.tensor(src), torch.tensor(tgt)
            logits = model(src_t, tgt_t)
            memory = model.encoder(src_t)
            for suffix, arr in [("src", src_t.numpy().astype(np.int64)),
                                ("tgt", tgt_t.numpy().astype(np.int64)),
                                ("logits", logits.numpy().astype(np.float32)),
                                ("memory", memory.numpy().astype(np.float32))]:
                np.save(os.path.join(cfg.out, f"{name}_{suffix}.npy"), arr)


if __name__ == "__main__":
    main()
