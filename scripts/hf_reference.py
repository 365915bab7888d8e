#!/usr/bin/python3
"""PyTorch references for Hugging Face model families, written from the
definitions in transformers' modeling_gpt2.py, modeling_bert.py and
modeling_llama.py (no transformers install needed), and the test data made
with them.

  hf_reference.py OUT_DIR

For each family writes OUT_DIR/<family>/: config.json and model.safetensors
in Hugging Face's own layout and names (random weights), and for each case
<case>.<input>.npy plus <case>.expected.npy (logits, or BERT's hidden
states). Cases: right and left padding (left with position ids counted from
each row's first real token), length 1, odd lengths; BERT also with
segments A and B. Before writing, checks that each close alternative
(erf vs tanh GELU, the norm's eps, half-split vs interleaved rotary, which
K/V head a query head uses, rope_theta) moves the outputs (max |a - b| /
max |ref| over real tokens) by more than 1e-4, the compiled libraries'
tolerance and ten times the interpreter's, so a test cannot pass with the
wrong one.
"""
import json
import math
import os
import sys

import numpy as np
import torch

from make_reference import save_safetensors

torch.manual_seed(0)
np.random.seed(0)
F = torch.nn.functional


def extended_mask(mask):
    """modeling_utils' get_extended_attention_mask: 0 keep, finfo.min drop."""
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def causal(t):
    return torch.tril(torch.ones(t, t, dtype=torch.bool))


def gelu_new(x):  # activations.NewGELUActivation
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) *
                                       (x + 0.044715 * torch.pow(x, 3.0))))


# --- GPT-2 (modeling_gpt2.GPT2LMHeadModel) ---------------------------------

def gpt2_forward(w, cfg, ids, mask, pos, act=gelu_new, eps=None):
    eps = cfg["layer_norm_epsilon"] if eps is None else eps
    d, h = cfg["n_embd"], cfg["n_head"]
    p = "transformer."
    B, T = ids.shape
    x = w[p + "wte.weight"][ids] + w[p + "wpe.weight"][pos]
    ext = extended_mask(mask)
    for i in range(cfg["n_layer"]):
        q = f"{p}h.{i}."
        a = F.layer_norm(x, (d,), w[q + "ln_1.weight"], w[q + "ln_1.bias"], eps)
        # Conv1D: x @ W + b with W [in, out]
        qkv = a @ w[q + "attn.c_attn.weight"] + w[q + "attn.c_attn.bias"]
        qq, kk, vv = qkv.split(d, dim=2)
        heads = lambda t: t.view(B, T, h, d // h).permute(0, 2, 1, 3)
        qq, kk, vv = heads(qq), heads(kk), heads(vv)
        s = qq @ kk.transpose(-1, -2) / math.sqrt(d // h)
        s = torch.where(causal(T), s, torch.tensor(torch.finfo(s.dtype).min))
        s = s + ext
        ctx = (s.softmax(-1) @ vv).permute(0, 2, 1, 3).reshape(B, T, d)
        x = x + ctx @ w[q + "attn.c_proj.weight"] + w[q + "attn.c_proj.bias"]
        m = F.layer_norm(x, (d,), w[q + "ln_2.weight"], w[q + "ln_2.bias"], eps)
        m = act(m @ w[q + "mlp.c_fc.weight"] + w[q + "mlp.c_fc.bias"])
        x = x + m @ w[q + "mlp.c_proj.weight"] + w[q + "mlp.c_proj.bias"]
    x = F.layer_norm(x, (d,), w[p + "ln_f.weight"], w[p + "ln_f.bias"], eps)
    return x @ w[p + "wte.weight"].T  # lm_head tied to wte


def gpt2_model():
    cfg = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
           "activation_function": "gelu_new", "attn_pdrop": 0.1,
           "bos_token_id": 96, "embd_pdrop": 0.1, "eos_token_id": 96,
           "initializer_range": 0.02, "layer_norm_epsilon": 1e-05,
           "n_ctx": 64, "n_embd": 32, "n_head": 4, "n_inner": None,
           "n_layer": 2, "n_positions": 64, "reorder_and_upcast_attn": False,
           "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False,
           "scale_attn_weights": True, "summary_activation": None,
           "summary_first_dropout": 0.1, "summary_proj_to_labels": True,
           "summary_type": "cls_index", "summary_use_proj": True,
           "torch_dtype": "float32", "transformers_version": "4.46.0",
           "use_cache": True, "vocab_size": 97}
    d, ff, p = 32, 128, "transformer."
    w = {p + "wte.weight": torch.randn(97, d) * 0.5,
         p + "wpe.weight": torch.randn(64, d) * 0.3}
    for i in range(2):
        q = f"{p}h.{i}."
        for n in ("ln_1", "ln_2"):
            w[q + n + ".weight"] = 1 + 0.2 * torch.randn(d)
            w[q + n + ".bias"] = 0.2 * torch.randn(d)
        for n, (i_, o) in {"attn.c_attn": (d, 3 * d), "attn.c_proj": (d, d),
                           "mlp.c_fc": (d, ff), "mlp.c_proj": (ff, d)}.items():
            # The MLP's large enough that GELU's inputs reach the range
            # where the erf and tanh forms differ most (|x| about 1 to 3).
            gain = 2.0 if n.startswith("mlp") else 1.5
            w[q + n + ".weight"] = torch.randn(i_, o) * (gain / math.sqrt(i_))
            w[q + n + ".bias"] = 0.2 * torch.randn(o)
    w[p + "ln_f.weight"] = 1 + 0.2 * torch.randn(d)
    w[p + "ln_f.bias"] = 0.2 * torch.randn(d)
    run = lambda case, **kw: gpt2_forward(w, cfg, case["input_ids"],
                                          case["attention_mask"],
                                          case["position_ids"], **kw)
    alternatives = {"erf GELU": dict(act=F.gelu)}
    return cfg, w, run, alternatives, 97


# --- LLaMA (modeling_llama.LlamaForCausalLM) -------------------------------

def rms_norm(x, weight, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rotate_interleaved(x):  # the alternative convention (GPT-J)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


def llama_forward(w, cfg, ids, mask, pos, eps=None, interleaved=False,
                  theta=None, kv_map="repeat_kv"):
    eps = cfg["rms_norm_eps"] if eps is None else eps
    theta = cfg["rope_theta"] if theta is None else theta
    d, h, hkv = cfg["hidden_size"], cfg["num_attention_heads"], \
        cfg["num_key_value_heads"]
    hd = cfg["head_dim"]
    B, T = ids.shape
    x = w["model.embed_tokens.weight"][ids]
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2).float() / hd))
    freqs = pos[..., None].float() * inv  # [B, T, hd/2]
    if interleaved:
        emb = freqs.repeat_interleave(2, dim=-1)
        rot = rotate_interleaved
    else:
        emb = torch.cat((freqs, freqs), dim=-1)
        rot = rotate_half
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]
    ext = extended_mask(mask)
    for i in range(cfg["num_hidden_layers"]):
        q = f"model.layers.{i}."
        a = rms_norm(x, w[q + "input_layernorm.weight"], eps)
        qq = (a @ w[q + "self_attn.q_proj.weight"].T).view(B, T, h, hd).transpose(1, 2)
        kk = (a @ w[q + "self_attn.k_proj.weight"].T).view(B, T, hkv, hd).transpose(1, 2)
        vv = (a @ w[q + "self_attn.v_proj.weight"].T).view(B, T, hkv, hd).transpose(1, 2)
        qq, kk = qq * cos + rot(qq) * sin, kk * cos + rot(kk) * sin
        g = h // hkv
        if kv_map == "repeat_kv":  # query head j uses K/V head j // g
            kk, vv = kk.repeat_interleave(g, 1), vv.repeat_interleave(g, 1)
        else:  # the alternative: query head j uses K/V head j % hkv
            kk, vv = kk.repeat(1, g, 1, 1), vv.repeat(1, g, 1, 1)
        s = qq @ kk.transpose(2, 3) / math.sqrt(hd)
        s = torch.where(causal(T), s, torch.tensor(torch.finfo(s.dtype).min))
        s = s + ext
        ctx = (s.softmax(-1) @ vv).transpose(1, 2).reshape(B, T, h * hd)
        x = x + ctx @ w[q + "self_attn.o_proj.weight"].T
        m = rms_norm(x, w[q + "post_attention_layernorm.weight"], eps)
        m = F.silu(m @ w[q + "mlp.gate_proj.weight"].T) * \
            (m @ w[q + "mlp.up_proj.weight"].T)
        x = x + m @ w[q + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    return x @ w["lm_head.weight"].T


def llama_model():
    d, h, hkv, hd, ff, V = 48, 6, 2, 8, 80, 101
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
           "attention_bias": False, "attention_dropout": 0.0,
           "bos_token_id": 1, "eos_token_id": 2, "head_dim": hd,
           "hidden_act": "silu", "hidden_size": d, "initializer_range": 0.02,
           "intermediate_size": ff, "max_position_embeddings": 128,
           "mlp_bias": False, "num_attention_heads": h,
           "num_hidden_layers": 2, "num_key_value_heads": hkv,
           "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": None,
           "rope_theta": 1000.0, "tie_word_embeddings": False,
           "torch_dtype": "float32", "transformers_version": "4.46.0",
           "use_cache": True, "vocab_size": V}
    # Embeddings small enough that the norms' eps matters.
    w = {"model.embed_tokens.weight": torch.randn(V, d) * 3e-3}
    for i in range(2):
        q = f"model.layers.{i}."
        w[q + "input_layernorm.weight"] = 1 + 0.2 * torch.randn(d)
        w[q + "post_attention_layernorm.weight"] = 1 + 0.2 * torch.randn(d)
        for n, (o, i_) in {"self_attn.q_proj": (h * hd, d),
                           "self_attn.k_proj": (hkv * hd, d),
                           "self_attn.v_proj": (hkv * hd, d),
                           "self_attn.o_proj": (d, h * hd),
                           "mlp.gate_proj": (ff, d), "mlp.up_proj": (ff, d),
                           "mlp.down_proj": (d, ff)}.items():
            w[q + n + ".weight"] = torch.randn(o, i_) * (1.5 / math.sqrt(i_))
    w["model.norm.weight"] = 1 + 0.2 * torch.randn(d)
    w["lm_head.weight"] = torch.randn(V, d) * 0.3
    run = lambda case, **kw: llama_forward(w, cfg, case["input_ids"],
                                           case["attention_mask"],
                                           case["position_ids"], **kw)
    alternatives = {"eps 1e-6": dict(eps=1e-6),
                    "interleaved rotary": dict(interleaved=True),
                    "rope_theta 10000": dict(theta=10000.0),
                    "K/V head j % kv_heads": dict(kv_map="repeat")}
    return cfg, w, run, alternatives, V


# --- BERT (modeling_bert.BertModel) ----------------------------------------

def bert_forward(w, cfg, ids, mask, types, pos, act=F.gelu, eps=None):
    eps = cfg["layer_norm_eps"] if eps is None else eps
    d, h = cfg["hidden_size"], cfg["num_attention_heads"]
    B, T = ids.shape
    ln = lambda x, n: F.layer_norm(x, (d,), w[n + ".weight"], w[n + ".bias"], eps)
    lin = lambda x, n: x @ w[n + ".weight"].T + w[n + ".bias"]
    x = (w["embeddings.word_embeddings.weight"][ids] +
         w["embeddings.token_type_embeddings.weight"][types] +
         w["embeddings.position_embeddings.weight"][pos])
    x = ln(x, "embeddings.LayerNorm")
    ext = extended_mask(mask)
    for i in range(cfg["num_hidden_layers"]):
        q = f"encoder.layer.{i}."
        heads = lambda t: t.view(B, T, h, d // h).permute(0, 2, 1, 3)
        qq = heads(lin(x, q + "attention.self.query"))
        kk = heads(lin(x, q + "attention.self.key"))
        vv = heads(lin(x, q + "attention.self.value"))
        s = qq @ kk.transpose(-1, -2) / math.sqrt(d // h) + ext
        ctx = (s.softmax(-1) @ vv).permute(0, 2, 1, 3).reshape(B, T, d)
        x = ln(lin(ctx, q + "attention.output.dense") + x,
               q + "attention.output.LayerNorm")
        m = act(lin(x, q + "intermediate.dense"))
        x = ln(lin(m, q + "output.dense") + x, q + "output.LayerNorm")
    return x


def bert_pooled(w, hidden):  # BertPooler: tanh(dense(first token))
    return torch.tanh(hidden[:, 0] @ w["pooler.dense.weight"].T +
                      w["pooler.dense.bias"])


def bert_model():
    d, ff, V = 32, 64, 89
    cfg = {"architectures": ["BertModel"], "model_type": "bert",
           "attention_probs_dropout_prob": 0.1, "classifier_dropout": None,
           "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
           "hidden_size": d, "initializer_range": 0.02,
           "intermediate_size": ff, "layer_norm_eps": 1e-06,
           "max_position_embeddings": 64, "num_attention_heads": 4,
           "num_hidden_layers": 2, "pad_token_id": 0,
           "position_embedding_type": "absolute", "torch_dtype": "float32",
           "transformers_version": "4.46.0", "type_vocab_size": 2,
           "use_cache": True, "vocab_size": V}
    # Embeddings small enough that the embedding norm's eps matters.
    w = {"embeddings.word_embeddings.weight": torch.randn(V, d) * 1e-3,
         "embeddings.position_embeddings.weight": torch.randn(64, d) * 1e-3,
         "embeddings.token_type_embeddings.weight": torch.randn(2, d) * 1e-3}
    norms = ["embeddings.LayerNorm"]
    for i in range(2):
        q = f"encoder.layer.{i}."
        norms += [q + "attention.output.LayerNorm", q + "output.LayerNorm"]
        for n, (o, i_) in {"attention.self.query": (d, d),
                           "attention.self.key": (d, d),
                           "attention.self.value": (d, d),
                           "attention.output.dense": (d, d),
                           "intermediate.dense": (ff, d),
                           "output.dense": (d, ff)}.items():
            gain = 2.0 if n in ("intermediate.dense", "output.dense") else 2.0
            w[q + n + ".weight"] = torch.randn(o, i_) * (gain / math.sqrt(i_))
            w[q + n + ".bias"] = 0.2 * torch.randn(o)
    for n in norms:
        w[n + ".weight"] = 1 + 0.2 * torch.randn(d)
        w[n + ".bias"] = 0.2 * torch.randn(d)
    # BertModel's pooler.
    w["pooler.dense.weight"] = torch.randn(d, d) * (1.5 / math.sqrt(d))
    w["pooler.dense.bias"] = 0.2 * torch.randn(d)
    run = lambda case, **kw: bert_forward(w, cfg, case["input_ids"],
                                          case["attention_mask"],
                                          case["token_type_ids"],
                                          case["position_ids"], **kw)
    alternatives = {"tanh GELU": dict(act=gelu_new), "eps 1e-12": dict(eps=1e-12)}
    return cfg, w, run, alternatives, V


# --- Marian (modeling_marian.MarianMTModel) --------------------------------

def marian_positions(n_pos, dim):
    """MarianSinusoidalPositionalEmbedding._init_weight: sin in the first
    half of each row, cos in the second (not interleaved)."""
    enc = np.array([[pos / np.power(10000, 2 * (j // 2) / dim)
                     for j in range(dim)] for pos in range(n_pos)])
    out = torch.empty(n_pos, dim)
    out[:, : dim // 2] = torch.FloatTensor(np.sin(enc[:, 0::2]))
    out[:, dim // 2:] = torch.FloatTensor(np.cos(enc[:, 1::2]))
    return out


def marian_forward(w, cfg, ids, mask, dec_ids, dec_mask, act=F.silu,
                   scale=None):
    d = cfg["d_model"]
    scale = math.sqrt(d) if scale is None else scale
    ln = lambda x, n: F.layer_norm(x, (d,), w[n + ".weight"], w[n + ".bias"])
    lin = lambda x, n: x @ w[n + ".weight"].T + w[n + ".bias"]

    def attention(x, kv, n, heads, ext, causal_t=None):
        B, Tq, Tk, hd = x.shape[0], x.shape[1], kv.shape[1], d // heads
        split = lambda t, T: t.view(B, T, heads, hd).transpose(1, 2)
        q = split(lin(x, n + ".q_proj"), Tq)
        k, v = split(lin(kv, n + ".k_proj"), Tk), split(lin(kv, n + ".v_proj"), Tk)
        s = q @ k.transpose(2, 3) * hd ** -0.5 + ext
        if causal_t:
            s = s + torch.where(causal(causal_t), 0.0,
                                torch.finfo(torch.float32).min)
        ctx = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, Tq, d)
        return lin(ctx, n + ".out_proj")

    def embed(side, t):
        T = t.shape[1]
        return (w["model.shared.weight"][t] * scale +
                w[f"model.{side}.embed_positions.weight"][:T])

    x = embed("encoder", ids)
    ext = extended_mask(mask)
    for i in range(cfg["encoder_layers"]):
        q = f"model.encoder.layers.{i}."
        x = ln(x + attention(x, x, q + "self_attn",
                             cfg["encoder_attention_heads"], ext),
               q + "self_attn_layer_norm")
        x = ln(x + lin(act(lin(x, q + "fc1")), q + "fc2"),
               q + "final_layer_norm")
    memory = x
    y = embed("decoder", dec_ids)
    dec_ext = extended_mask(dec_mask)
    for i in range(cfg["decoder_layers"]):
        q = f"model.decoder.layers.{i}."
        h = cfg["decoder_attention_heads"]
        y = ln(y + attention(y, y, q + "self_attn", h, dec_ext,
                             causal_t=y.shape[1]), q + "self_attn_layer_norm")
        y = ln(y + attention(y, memory, q + "encoder_attn", h, ext),
               q + "encoder_attn_layer_norm")
        y = ln(y + lin(act(lin(y, q + "fc1")), q + "fc2"),
               q + "final_layer_norm")
    return y @ w["model.shared.weight"].T + w["final_logits_bias"]


def marian_model():
    d, V, P, pad = 32, 83, 64, 82
    cfg = {"_name_or_path": "marian-tiny", "activation_dropout": 0.0,
           "activation_function": "swish", "add_bias_logits": False,
           "add_final_layer_norm": False, "architectures": ["MarianMTModel"],
           "attention_dropout": 0.0, "bad_words_ids": [[pad]],
           "bos_token_id": 0, "classif_dropout": 0.0, "d_model": d,
           "decoder_attention_heads": 4, "decoder_ffn_dim": 64,
           "decoder_layerdrop": 0.0, "decoder_layers": 2,
           "decoder_start_token_id": pad, "decoder_vocab_size": V,
           "dropout": 0.1, "encoder_attention_heads": 2,
           "encoder_ffn_dim": 48, "encoder_layerdrop": 0.0,
           "encoder_layers": 2, "eos_token_id": 0, "forced_eos_token_id": 0,
           "init_std": 0.02, "is_encoder_decoder": True, "max_length": 64,
           "max_position_embeddings": P, "model_type": "marian",
           "normalize_before": False, "normalize_embedding": False,
           "num_beams": 4, "num_hidden_layers": 2, "pad_token_id": pad,
           "scale_embedding": True, "share_encoder_decoder_embeddings": True,
           "static_position_embeddings": True, "torch_dtype": "float32",
           "transformers_version": "4.46.0", "use_cache": True,
           "vocab_size": V}
    w = {"model.shared.weight": torch.randn(V, d) * 0.1,
         "model.encoder.embed_positions.weight": marian_positions(P, d),
         "model.decoder.embed_positions.weight": marian_positions(P, d),
         "final_logits_bias": 0.3 * torch.randn(1, V)}
    w["model.shared.weight"][pad] = 0  # padding_idx's row
    for side, ff, kinds in (("encoder", 48, ["self_attn"]),
                            ("decoder", 64, ["self_attn", "encoder_attn"])):
        for i in range(2):
            q = f"model.{side}.layers.{i}."
            norms = ["final_layer_norm"] + [k + "_layer_norm" for k in kinds]
            for n in norms:
                w[q + n + ".weight"] = 1 + 0.2 * torch.randn(d)
                w[q + n + ".bias"] = 0.2 * torch.randn(d)
            shapes = {"fc1": (ff, d), "fc2": (d, ff)}
            for k in kinds:
                for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                    shapes[f"{k}.{proj}"] = (d, d)
            for n, (o, i_) in shapes.items():
                w[q + n + ".weight"] = torch.randn(o, i_) * (1.5 / math.sqrt(i_))
                w[q + n + ".bias"] = 0.2 * torch.randn(o)
    run = lambda case, **kw: marian_forward(
        w, cfg, case["input_ids"], case["attention_mask"],
        case["decoder_input_ids"], case["decoder_attention_mask"], **kw)
    alternatives = {"GELU for swish": dict(act=F.gelu),
                    "no embedding scale": dict(scale=1.0)}
    return cfg, w, run, alternatives, V


def cases(vocab, family):
    """name -> inputs; lengths per row, right- or left-padded."""
    out = {}
    for name, T, lengths, left in (("right", 7, [7, 4, 1], False),
                                   ("left", 9, [9, 5, 1], True),
                                   ("one", 1, [1, 1], False),
                                   ("odd", 13, [13, 11], False)):
        B = len(lengths)
        ids = torch.randint(1, vocab, (B, T))
        mask = torch.zeros(B, T, dtype=torch.long)
        for b, n in enumerate(lengths):
            if left:
                mask[b, T - n:] = 1
            else:
                mask[b, :n] = 1
        ids = ids * mask  # padding token 0
        # Position ids as Hugging Face's generate derives them from the mask.
        pos = (mask.cumsum(-1) - 1).clamp(min=0) if left else \
            torch.arange(T).expand(B, T).clone()
        case = {"input_ids": ids, "attention_mask": mask, "position_ids": pos}
        if family == "marian":
            # The source as above (no position ids: Marian counts from 0);
            # a right-padded target starting with decoder_start (the pad).
            del case["position_ids"]
            Td = max(T - 2, 1)
            dec_mask = torch.zeros(B, Td, dtype=torch.long)
            for b, n in enumerate(lengths):
                dec_mask[b, :max(min(n, Td) - 1, 1)] = 1
            dec = torch.randint(1, vocab - 1, (B, Td)) * dec_mask
            dec[dec_mask == 0] = vocab - 1
            dec[:, 0] = vocab - 1
            case["decoder_input_ids"] = dec
            case["decoder_attention_mask"] = dec_mask
        if family == "bert":
            # Segment A, then segment B for the second half of each row.
            types = torch.zeros(B, T, dtype=torch.long)
            types[:, T // 2:] = 1
            case["token_type_ids"] = types * mask
        out[name] = case
    return out


def relative(a, b, mask):
    keep = mask.bool()
    return ((a - b)[keep].abs().max() / b[keep].abs().max()).item()


def main():
    root = sys.argv[1]
    for family, make in (("gpt2", gpt2_model), ("llama", llama_model),
                         ("bert", bert_model), ("marian", marian_model)):
        cfg, w, run, alternatives, vocab = make()
        out = os.path.join(root, family)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2, sort_keys=True)
            f.write("\n")
        # As save_pretrained stores them: a tied head is not stored twice.
        save_safetensors(os.path.join(out, "model.safetensors"), w,
                         metadata={"format": "pt"})
        moved = {what: 0.0 for what in alternatives}
        for name, case in cases(vocab, family).items():
            with torch.no_grad():
                ref = run(case)
                for what, kw in alternatives.items():
                    moved[what] = max(moved[what], relative(
                        run(case, **kw), ref, case.get(
                            "decoder_attention_mask", case["attention_mask"])))
            for k, v in case.items():
                np.save(os.path.join(out, f"{name}.{k}.npy"), v.numpy())
            np.save(os.path.join(out, f"{name}.expected.npy"),
                    ref.numpy().astype(np.float32))
            if family == "bert":
                np.save(os.path.join(out, f"{name}.pooled.npy"),
                        bert_pooled(w, ref).numpy().astype(np.float32))
        for what, by in moved.items():
            print(f"{family}: {what} moves the outputs by {by:.1e}")
            assert by > 1e-4, (family, what, by)


if __name__ == "__main__":
    main()
