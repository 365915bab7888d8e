//===- ImportHF.cpp - Hugging Face config.json to a description -----------===//

#include "frontend/HF/ImportHF.h"
#include "runtime/io/Safetensors.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include <array>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

using namespace xf::hf;
namespace json = llvm::json;

namespace {

/// Fields that never change what the model computes at inference: dropout,
/// initialization, training and tokenizer metadata, task heads xfc does not
/// build. Any other field the family does not read is an error.
bool isMetadata(const std::string &key) {
  static const std::set<std::string> names = {
      "_name_or_path", "architectures", "model_type", "torch_dtype",
      "transformers_version", "bos_token_id", "eos_token_id", "pad_token_id",
      "sep_token_id", "decoder_start_token_id", "initializer_range",
      "use_cache", "id2label", "label2id", "problem_type",
      "task_specific_params", "return_dict", "output_attentions",
      "output_hidden_states", "torchscript", "gradient_checkpointing",
      "classifier_dropout", "summary_type", "summary_use_proj",
      "summary_activation", "summary_proj_to_labels", "summary_first_dropout",
      "pretraining_tp", "reorder_and_upcast_attn", "tokenizer_class", "prefix",
      "finetuning_task", "chunk_size_feed_forward", "num_labels", "dtype",
      // Generation defaults: how to search, not what the model computes.
      "num_beams", "max_length", "min_length", "bad_words_ids",
      "forced_eos_token_id", "forced_bos_token_id", "early_stopping",
      "no_repeat_ngram_size", "length_penalty", "do_sample",
      "encoder_layerdrop", "decoder_layerdrop", "init_std"};
  if (names.count(key))
    return true;
  // resid_pdrop, embd_pdrop, attn_pdrop, hidden_dropout_prob,
  // attention_probs_dropout_prob, attention_dropout, ...
  return key.find("dropout") != std::string::npos ||
         key.find("pdrop") != std::string::npos;
}

/// Reads one family's config: typed getters that record which fields were
/// read, then `rest()` names the first field nobody read.
class Config {
public:
  Config(const json::Object &o, std::string path)
      : o(o), path(std::move(path)) {}

  bool fail(const std::string &message) {
    if (error.empty())
      error = path + ": " + message;
    return false;
  }
  /// Field `key` (marked read), or null when absent or null.
  const json::Value *field(const std::string &key) {
    read.insert(key);
    const json::Value *v = o.get(key);
    return v && v->kind() != json::Value::Null ? v : nullptr;
  }
  bool has(const std::string &key) { return field(key) != nullptr; }
  int64_t integer(const std::string &key, std::optional<int64_t> dflt = {}) {
    return positive<int64_t>(key, dflt, &json::Value::getAsInteger, "integer");
  }
  double number(const std::string &key, std::optional<double> dflt = {}) {
    return positive<double>(key, dflt, &json::Value::getAsNumber, "number");
  }
  bool flag(const std::string &key, bool dflt) {
    if (const json::Value *v = field(key)) {
      if (std::optional<bool> b = v->getAsBoolean())
        return *b;
      fail("field '" + key + "' must be true or false");
    }
    return dflt;
  }
  std::string text(const std::string &key, const std::string &dflt) {
    if (const json::Value *v = field(key)) {
      if (std::optional<llvm::StringRef> s = v->getAsString())
        return s->str();
      fail("field '" + key + "' must be a string");
    }
    return dflt;
  }
  /// The field must be absent, null or `expected` (a value xfc computes).
  void require(const std::string &key, const json::Value &expected) {
    read.insert(key);
    const json::Value *v = o.get(key);
    if (v && v->kind() != json::Value::Null && *v != expected) {
      std::string shown;
      llvm::raw_string_ostream os(shown);
      os << *v;
      fail("unsupported config field '" + key + "' = " + shown);
    }
  }
  /// The token id in field `key`, or -1 (absent, null or a list).
  int64_t tokenId(const std::string &key) {
    read.insert(key);
    if (const json::Value *v = o.get(key))
      if (std::optional<int64_t> i = v->getAsInteger(); i && *i >= 0)
        return *i;
    return -1;
  }
  /// Fails on the first field neither read nor metadata.
  bool rest() {
    for (const auto &[key, value] : o)
      if (!read.count(key.str()) && !isMetadata(key.str()))
        return fail("unsupported config field '" + key.str() + "'");
    return error.empty();
  }

  std::string error;

private:
  /// A positive number of type T in field `key`, read by `get`; `dflt`
  /// when absent (a missing required field fails).
  template <typename T>
  T positive(const std::string &key, std::optional<T> dflt,
             std::optional<T> (json::Value::*get)() const, const char *what) {
    if (const json::Value *v = field(key)) {
      if (std::optional<T> x = (v->*get)(); x && *x > 0)
        return *x;
      fail("field '" + key + "' must be a positive " + what);
      return 1;
    }
    if (!dflt)
      fail("missing the field '" + key + "'");
    return dflt.value_or(1);
  }

  const json::Object &o;
  std::string path;
  std::set<std::string> read;
};

/// Whether any tensor name starts with `prefix`.
bool anyPrefixed(const std::set<std::string> &tensors,
                 const std::string &prefix) {
  auto it = tensors.lower_bound(prefix);
  return it != tensors.end() && it->compare(0, prefix.size(), prefix) == 0;
}

/// The prefix the checkpoint's names carry: `withHead` when its tensors (or,
/// with none known, its architectures) are a model with a task head.
std::string namePrefix(const std::set<std::string> &tensors,
                       const json::Object &config, const std::string &base,
                       const std::string &withHead) {
  if (!tensors.empty())
    return anyPrefixed(tensors, withHead) ? withHead : "";
  if (const json::Array *archs = config.getArray("architectures"))
    for (const json::Value &a : *archs)
      if (std::optional<llvm::StringRef> s = a.getAsString(); s && *s != base)
        return withHead;
  return "";
}

std::string activation(Config &c, const std::string &key,
                       const std::string &dflt) {
  std::string act = c.text(key, dflt);
  if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast")
    return "gelu_tanh";
  if (act == "gelu" || act == "relu")
    return act;
  if (act == "silu" || act == "swish")
    return "silu";
  c.fail("unsupported config field '" + key + "' = \"" + act + "\"");
  return "relu";
}

/// Writes description text: statements, and sections of `key = value`
/// lines indented by depth.
class Writer {
public:
  void line(const std::string &text) { pad() << text << "\n"; }
  /// `model NAME` and its hyperparameters.
  void model(const std::string &name,
             std::initializer_list<std::pair<const char *, int64_t>> hypers) {
    line("model " + name);
    for (const auto &[h, v] : hypers)
      line("hyper " + std::string(h) + " = " + std::to_string(v));
  }
  void key(const std::string &k, const std::string &v) { line(k + " = " + v); }
  void key(const std::string &k, int64_t v) { key(k, std::to_string(v)); }
  void flag(const std::string &k, bool v) { key(k, v ? "true" : "false"); }
  /// Keys whose values are parameter names (quoted).
  void
  params(std::initializer_list<std::pair<const char *, std::string>> keys) {
    for (const auto &[k, name] : keys)
      key(k, "\"" + name + "\"");
  }
  void open(const std::string &header) {
    line(header + " {");
    ++depth;
  }
  void close() {
    --depth;
    line("}");
  }
  /// A `generate` section with the tokens that are ids below `vocab`.
  void generate(int64_t start, int64_t end, int64_t vocab) {
    bool hasStart = start >= 0 && start < vocab,
         hasEnd = end >= 0 && end < vocab;
    if (!hasStart && !hasEnd)
      return;
    open("generate");
    if (hasStart)
      key("start", start);
    if (hasEnd)
      key("end", end);
    close();
  }
  void entry(const std::string &name, const std::string &inputs,
             const std::string &output) {
    line("entry " + name + "(" + inputs + ") -> " + output);
  }
  std::string text() const { return os.str(); }

private:
  std::ostream &pad() { return os << std::string(2 * depth, ' '); }
  std::ostringstream os;
  int depth = 0;
};

std::string num(double v) {
  std::ostringstream os;
  os.precision(9);
  os << v;
  std::string s = os.str();
  if (s.find_first_of(".eE") == std::string::npos)
    s += ".0";
  return s;
}

/// The keys every imported stack starts with: its inputs (`extra`: the
/// optional ones, "key = name" each) and token embedding.
void stackInputs(
    Writer &w, const std::string &ids, const std::string &output,
    std::initializer_list<std::pair<const char *, const char *>> extra) {
  w.key("input", ids);
  for (const auto &[k, name] : extra)
    w.key(k, name);
  w.key("output", output);
  w.key("vocab", "vocab");
}

/// Norm options every block of a stack shares.
void norms(Writer &w, const char *kind, const char *order, double eps) {
  w.key("norm", kind);
  w.key("norm_order", order);
  w.flag("norm_affine", true);
  w.key("eps", num(eps));
}

/// An attention block with separate q/k/v/out projections under `module`.
void attention(Writer &w, const std::string &kind, const char *mask,
               const std::string &norm, const std::string &module,
               const std::array<const char *, 4> &names) {
  w.open(kind);
  w.key("mask", mask);
  w.params({{"norm_params", norm},
            {"query", module + names[0]},
            {"key", module + names[1]},
            {"value", module + names[2]},
            {"out", module + names[3]}});
  w.close();
}

/// A feed-forward block: up, activation, down (and SwiGLU's gate).
void feedForward(Writer &w, const std::string &act, const std::string &norm,
                 const std::string &up, const std::string &down,
                 const std::string &gate = "") {
  w.open("feed_forward");
  w.key("activation", act);
  w.params({{"norm_params", norm}, {"up", up}, {"down", down}});
  if (!gate.empty())
    w.params({{"gate", gate}});
  w.close();
}

bool gpt2(Config &c, const json::Object &config,
          const std::set<std::string> &tensors, Writer &w) {
  const int64_t d = c.integer("n_embd"), layers = c.integer("n_layer"),
                heads = c.integer("n_head"), maxLen = c.integer("n_positions"),
                vocab = c.integer("vocab_size");
  c.integer("n_ctx", maxLen);
  const int64_t ff = c.has("n_inner") ? c.integer("n_inner") : 4 * d;
  const double eps = c.number("layer_norm_epsilon", 1e-5);
  std::string act = activation(c, "activation_function", "gelu_new");
  c.require("scale_attn_weights", true);
  c.require("scale_attn_by_inverse_layer_idx", false);
  c.require("add_cross_attention", false);
  c.require("tie_word_embeddings", true);
  const int64_t eos = c.tokenId("eos_token_id");
  if (!c.rest())
    return false;
  std::string p = namePrefix(tensors, config, "GPT2Model", "transformer.");
  std::string layer = p + "h.{i}.";
  w.model("gpt2", {{"d_model", d},
                   {"d_ff", ff},
                   {"heads", heads},
                   {"layers", layers},
                   {"vocab", vocab},
                   {"max_len", maxLen}});
  w.open("stack decoder");
  stackInputs(
      w, "input_ids", "logits",
      {{"attention_mask", "attention_mask"}, {"position_ids", "position_ids"}});
  w.params({{"embedding", p + "wte"}});
  w.key("positions", "learned");
  w.params({{"position_embedding", p + "wpe"}});
  norms(w, "layer", "pre", eps);
  w.flag("bias", true);
  w.key("linear_layout", "in_out    # Conv1D weights are [in, out]");
  w.params({{"final_norm", p + "ln_f"},
            {"projection", p + "wte"}}); // the tied language-model head
  w.open("self_attention");
  w.key("mask", "[padding, causal]");
  w.params({{"norm_params", layer + "ln_1"},
            {"qkv", layer + "attn.c_attn"},
            {"out", layer + "attn.c_proj"}});
  w.close();
  feedForward(w, act, layer + "ln_2", layer + "mlp.c_fc", layer + "mlp.c_proj");
  w.generate(-1, eos, vocab);
  w.close();
  w.entry("forward", "input_ids, attention_mask, position_ids", "logits");
  return true;
}

bool llama(Config &c, const json::Object &,
           const std::set<std::string> &tensors, Writer &w) {
  const int64_t d = c.integer("hidden_size"),
                layers = c.integer("num_hidden_layers"),
                heads = c.integer("num_attention_heads"),
                ff = c.integer("intermediate_size"),
                vocab = c.integer("vocab_size");
  const int64_t kvHeads = c.integer("num_key_value_heads", heads);
  const int64_t headDim = c.integer("head_dim", d / heads);
  c.integer("max_position_embeddings", 2048);
  const double eps = c.number("rms_norm_eps", 1e-6);
  const double theta = c.number("rope_theta", 10000.0);
  std::string act = activation(c, "hidden_act", "silu");
  if (act != "silu")
    c.fail("unsupported config field 'hidden_act' (LLaMA's MLP is SwiGLU: "
           "silu)");
  c.require("rope_scaling", nullptr);
  const bool attentionBias = c.flag("attention_bias", false);
  const bool mlpBias = c.flag("mlp_bias", false);
  const bool tied = c.flag("tie_word_embeddings", false);
  const int64_t eos = c.tokenId("eos_token_id");
  if (!c.rest())
    return false;
  if (!tensors.empty() && !tied && !tensors.count("lm_head.weight"))
    return c.fail("tie_word_embeddings is false but the checkpoint has no "
                  "tensor 'lm_head.weight'");
  const std::string layer = "model.layers.{i}.";
  w.model("llama", {{"d_model", d},
                    {"d_ff", ff},
                    {"heads", heads},
                    {"kv_heads", kvHeads},
                    {"d_k", headDim},
                    {"layers", layers},
                    {"vocab", vocab}});
  w.open("stack decoder");
  stackInputs(
      w, "input_ids", "logits",
      {{"attention_mask", "attention_mask"}, {"position_ids", "position_ids"}});
  w.params({{"embedding", "model.embed_tokens"}});
  w.key("positions", "rotary");
  w.key("rope_base", num(theta));
  norms(w, "rms", "pre", eps);
  w.params({{"final_norm", "model.norm"},
            {"projection", tied ? "model.embed_tokens" : "lm_head"}});
  w.open("self_attention");
  w.key("mask", "[padding, causal]");
  w.flag("bias", attentionBias);
  w.params({{"norm_params", layer + "input_layernorm"},
            {"query", layer + "self_attn.q_proj"},
            {"key", layer + "self_attn.k_proj"},
            {"value", layer + "self_attn.v_proj"},
            {"out", layer + "self_attn.o_proj"}});
  w.close();
  w.open("feed_forward");
  w.key("activation", "swiglu");
  w.flag("bias", mlpBias);
  w.params({{"norm_params", layer + "post_attention_layernorm"},
            {"gate", layer + "mlp.gate_proj"},
            {"up", layer + "mlp.up_proj"},
            {"down", layer + "mlp.down_proj"}});
  w.close();
  w.generate(-1, eos, vocab);
  w.close();
  w.entry("forward", "input_ids, attention_mask, position_ids", "logits");
  return true;
}

bool bert(Config &c, const json::Object &config,
          const std::set<std::string> &tensors, Writer &w) {
  const int64_t d = c.integer("hidden_size"),
                layers = c.integer("num_hidden_layers"),
                heads = c.integer("num_attention_heads"),
                ff = c.integer("intermediate_size"),
                vocab = c.integer("vocab_size"),
                maxLen = c.integer("max_position_embeddings");
  const int64_t typeVocab = c.integer("type_vocab_size", 2);
  const double eps = c.number("layer_norm_eps", 1e-12);
  std::string act = activation(c, "hidden_act", "gelu");
  c.require("position_embedding_type", "absolute");
  c.require("is_decoder", false);
  c.require("add_cross_attention", false);
  if (!c.rest())
    return false;
  std::string p = namePrefix(tensors, config, "BertModel", "bert.");
  std::string layer = p + "encoder.layer.{i}.";
  // BertModel's pooler (add_pooling_layer), where the checkpoint has it.
  const bool pooler =
      tensors.empty() || tensors.count(p + "pooler.dense.weight");
  w.model("bert", {{"d_model", d},
                   {"d_ff", ff},
                   {"heads", heads},
                   {"layers", layers},
                   {"vocab", vocab},
                   {"max_len", maxLen}});
  w.open("stack encoder");
  stackInputs(w, "input_ids", "hidden",
              {{"attention_mask", "attention_mask"},
               {"token_types", "token_type_ids"},
               {"position_ids", "position_ids"}});
  w.params({{"embedding", p + "embeddings.word_embeddings"}});
  w.key("positions", "learned");
  w.params({{"position_embedding", p + "embeddings.position_embeddings"},
            {"token_type_embedding", p + "embeddings.token_type_embeddings"}});
  w.key("type_vocab", typeVocab);
  norms(w, "layer", "post", eps);
  w.flag("bias", true);
  w.params({{"embedding_norm", p + "embeddings.LayerNorm"}});
  if (pooler) {
    w.params({{"pooler", p + "pooler.dense"}});
    w.key("pooled_output", "pooler_output");
  }
  attention(w, "self_attention", "padding",
            layer + "attention.output.LayerNorm", layer + "attention.",
            {"self.query", "self.key", "self.value", "output.dense"});
  feedForward(w, act, layer + "output.LayerNorm", layer + "intermediate.dense",
              layer + "output.dense");
  w.close();
  const char *inputs = "input_ids, attention_mask, token_type_ids, "
                       "position_ids";
  w.entry("forward", inputs, "hidden");
  if (pooler)
    w.entry("pool", inputs, "pooler_output");
  return true;
}

/// Marian (MarianMTModel): post-norm encoder and decoder sharing one
/// embedding (`model.shared`, scaled by √d_model), sinusoidal position
/// tables stored as parameters, biases everywhere, the tied head plus
/// `final_logits_bias`.
bool marian(Config &c, const json::Object &,
            const std::set<std::string> &tensors, Writer &w) {
  const int64_t d = c.integer("d_model"), vocab = c.integer("vocab_size"),
                maxLen = c.integer("max_position_embeddings");
  const int64_t encLayers = c.integer("encoder_layers"),
                decLayers = c.integer("decoder_layers"),
                encHeads = c.integer("encoder_attention_heads"),
                decHeads = c.integer("decoder_attention_heads"),
                encFF = c.integer("encoder_ffn_dim"),
                decFF = c.integer("decoder_ffn_dim");
  c.integer("num_hidden_layers", encLayers);
  c.require("decoder_vocab_size", vocab);
  std::string act = activation(c, "activation_function", "gelu");
  const bool scale = c.flag("scale_embedding", false);
  c.require("share_encoder_decoder_embeddings", true);
  c.require("tie_word_embeddings", true);
  c.require("is_encoder_decoder", true);
  c.require("normalize_before", false);
  c.require("normalize_embedding", false);
  c.require("add_final_layer_norm", false);
  c.require("static_position_embeddings", true);
  c.require("add_bias_logits", false);
  c.has("extra_pos_embeddings"); // BART's position offset; Marian reads none
  const int64_t pad = c.tokenId("pad_token_id");
  const int64_t start = c.tokenId("decoder_start_token_id");
  const int64_t eos = c.tokenId("eos_token_id");
  if (!c.rest())
    return false;
  if (pad < 0 || pad >= vocab)
    return c.fail("field 'pad_token_id' must be a token id below vocab_size");
  if (!tensors.empty() && !tensors.count("final_logits_bias"))
    return c.fail("the checkpoint has no tensor 'final_logits_bias' "
                  "(MarianMTModel stores it)");
  w.model("marian", {{"d_model", d}, {"vocab", vocab}, {"max_len", maxLen}});
  // What both stacks share; returns the prefix of their layers' names.
  auto common = [&](const std::string &side, int64_t layers, int64_t heads,
                    int64_t ff) {
    w.key("pad_id", pad);
    w.key("layers", layers);
    w.key("heads", heads);
    w.key("d_ff", ff);
    w.params({{"embedding", "model.shared"}});
    w.flag("embedding_scale", scale);
    w.key("positions", "learned    # the sinusoid tables, stored");
    w.params({{"position_embedding", "model." + side + ".embed_positions"}});
    norms(w, "layer", "post", 1e-5);
    w.flag("bias", true);
    return "model." + side + ".layers.{i}.";
  };
  const std::array<const char *, 4> projections = {"q_proj", "k_proj", "v_proj",
                                                   "out_proj"};
  w.open("stack encoder");
  stackInputs(w, "input_ids", "memory", {{"attention_mask", "attention_mask"}});
  std::string l = common("encoder", encLayers, encHeads, encFF);
  attention(w, "self_attention", "padding", l + "self_attn_layer_norm",
            l + "self_attn.", projections);
  feedForward(w, act, l + "final_layer_norm", l + "fc1", l + "fc2");
  w.close();
  w.open("stack decoder");
  stackInputs(w, "decoder_input_ids", "logits",
              {{"attention_mask", "decoder_attention_mask"},
               {"memory", "memory"},
               {"memory_ids", "input_ids"},
               {"memory_mask", "attention_mask"}});
  l = common("decoder", decLayers, decHeads, decFF);
  w.params({{"projection", "model.shared"}, // tied
            {"projection_bias", "final_logits_bias"}});
  attention(w, "self_attention", "[padding, causal]",
            l + "self_attn_layer_norm", l + "self_attn.", projections);
  attention(w, "cross_attention", "padding", l + "encoder_attn_layer_norm",
            l + "encoder_attn.", projections);
  feedForward(w, act, l + "final_layer_norm", l + "fc1", l + "fc2");
  w.generate(start, eos, vocab);
  w.close();
  w.entry("forward",
          "input_ids, attention_mask, decoder_input_ids, "
          "decoder_attention_mask",
          "logits");
  return true;
}

} // namespace

bool xf::hf::importConfig(const std::string &text, const std::string &path,
                          const std::set<std::string> &tensors,
                          std::string &description, std::string &error) {
  llvm::Expected<json::Value> parsed = json::parse(text);
  if (!parsed) {
    error = path + ": not valid JSON: " + llvm::toString(parsed.takeError());
    return false;
  }
  const json::Object *config = parsed->getAsObject();
  if (!config) {
    error = path + ": not a JSON object";
    return false;
  }
  std::optional<llvm::StringRef> type = config->getString("model_type");
  if (!type) {
    error = path + ": missing the field 'model_type'";
    return false;
  }
  using Family = std::function<bool(Config &, const json::Object &,
                                    const std::set<std::string> &, Writer &)>;
  static const std::map<std::string, Family> families = {
      {"gpt2", gpt2}, {"llama", llama}, {"bert", bert}, {"marian", marian}};
  auto family = families.find(type->str());
  if (family == families.end()) {
    error = path + ": unsupported model_type \"" + type->str() +
            "\" (xfc imports gpt2, bert, llama and marian)";
    return false;
  }
  Config c(*config, path);
  Writer w;
  w.line("# Imported from " + path +
         " by xfc; parameter names are the "
         "checkpoint's.");
  if (!family->second(c, *config, tensors, w)) {
    error = c.error;
    return false;
  }
  description = w.text();
  return true;
}

bool xf::hf::importDirectory(const std::string &dir, std::string &description,
                             std::string &error) {
  std::string path = dir + "/config.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open (a Hugging Face model directory holds "
                   "config.json and model.safetensors)";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  // The names the checkpoint stores; without one, those of the config's
  // architectures.
  std::set<std::string> tensors;
  std::string weights = dir + "/model.safetensors";
  if (llvm::sys::fs::exists(weights)) {
    auto file = xf::rt::SafetensorsFile::open(weights, error);
    if (!file)
      return false;
    for (const xf::rt::TensorEntry &t : file->tensors())
      tensors.insert(t.name);
  }
  return importConfig(text.str(), path, tensors, description, error);
}
