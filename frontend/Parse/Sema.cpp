//===- Sema.cpp - Checks a parsed description and builds its AST ----------===//

#include "frontend/Parse/Sema.h"
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

using namespace xf;
using namespace xf::parse;
using ast::SourceLoc;
using Kind = SyntaxValue::Kind;

namespace {

/// The stack-level options a block inherits unless it sets its own.
const std::vector<std::string> kBlockOptionKeys = {
    "norm",     "norm_order", "norm_affine", "eps",  "bias",      "heads",
    "kv_heads", "d_k",        "d_v",         "d_ff", "activation",
    "linear_layout"};

const std::vector<std::string> kStackKeys = {"input",
                                             "output",
                                             "memory",
                                             "memory_ids",
                                             "vocab",
                                             "pad_id",
                                             "layers",
                                             "d_model",
                                             "max_len",
                                             "embedding",
                                             "embedding_scale",
                                             "positions",
                                             "position_embedding",
                                             "sequence_first_positions",
                                             "rope_base",
                                             "embedding_norm",
                                             "final_norm",
                                             "projection",
                                             "projection_bias",
                                             "attention_mask",
                                             "position_ids",
                                             "token_types",
                                             "memory_mask",
                                             "pooler",
                                             "pooled_output",
                                             "token_type_embedding",
                                             "type_vocab"};

const std::vector<std::string> kAttentionKeys = {
    "mask", "query", "key", "value", "qkv", "out", "norm_params"};
const std::vector<std::string> kFeedForwardKeys = {"up", "down", "gate",
                                                   "norm_params"};

std::string joinKeys(const std::vector<std::string> &keys) {
  std::string s;
  for (size_t i = 0; i < keys.size(); ++i)
    s += (i ? ", " : "") + keys[i];
  return s;
}

std::string describe(const SyntaxValue &v) {
  switch (v.kind) {
  case Kind::Int:
    return "integer " + v.text;
  case Kind::Float:
    return "number " + v.text;
  case Kind::String:
    return "string \"" + v.text + "\"";
  case Kind::Name:
    return "name '" + v.text + "'";
  case Kind::List:
    return "a list";
  }
  return "?";
}

/// A value with the place that set it, for messages about it later.
template <typename T> struct Located {
  T value{};
  SourceLoc loc;
};

/// Resolved block options (stack defaults, then block overrides).
struct BlockOptions {
  Located<std::string> norm{"layer", {}}, normOrder{"post", {}},
      activation{"relu", {}}, linearLayout{"out_in", {}};
  Located<bool> normAffine{false, {}}, bias{false, {}};
  Located<double> eps{1e-5, {}};
  std::optional<Located<int64_t>> heads, kvHeads, dK, dV, dFF;
};

class Sema {
public:
  Sema(const SyntaxFile &file, ast::Error &error) : file(file), error(error) {}

  std::optional<ast::Model> run(const std::vector<Override> &overrides);

private:
  bool fail(const SourceLoc &loc, const std::string &message) {
    if (!failed)
      error = {loc, message};
    failed = true;
    return false;
  }

  // Section key handling.
  bool checkKeys(const SyntaxSection &section, const std::string &what,
                 const std::vector<std::string> &allowed);
  const SyntaxEntry *find(const SyntaxSection &section, const std::string &key);
  bool missing(const SyntaxSection &section, const std::string &what,
               const std::string &key);

  // Typed reads of one entry's value.
  const ast::Hyper *findHyper(const SyntaxEntry &e);
  bool readInt(const SyntaxEntry &e, Located<int64_t> &out);
  bool readFloat(const SyntaxEntry &e, Located<double> &out);
  bool readBool(const SyntaxEntry &e, Located<bool> &out);
  bool readText(const SyntaxEntry &e, Kind kind, const char *what,
                Located<std::string> &out);
  bool readString(const SyntaxEntry &e, Located<std::string> &out);
  bool readName(const SyntaxEntry &e, Located<std::string> &out);
  bool readChoice(const SyntaxEntry &e, const std::vector<std::string> &choices,
                  Located<std::string> &out);
  bool readTemplate(const SyntaxEntry &e, ast::Linear &out);

  /// Reads `key` if present into `out`, with `reader`.
  template <typename T, typename Reader>
  bool optional(const SyntaxSection &s, const std::string &key, T &out,
                Reader reader) {
    if (const SyntaxEntry *e = find(s, key))
      return (this->*reader)(*e, out);
    return true;
  }

  bool applyOverrides(const std::vector<Override> &overrides);
  bool readHypers();
  bool readVocabs(ast::Model &model);
  std::optional<Located<int64_t>> hyperInt(const std::string &name);
  bool readBlockOptions(const SyntaxSection &s, BlockOptions &opts);
  bool readStack(const SyntaxSection &s, ast::Stack &stack);
  bool readBlock(const SyntaxSection &s, const ast::Stack &stack,
                 BlockOptions opts, ast::Block &block);
  bool readGeneration(const SyntaxSection &s, const ast::Stack &stack,
                      ast::Generation &out);
  bool checkGeneration(const ast::Model &model);
  bool readEntries(ast::Model &model);
  bool checkComputable(const ast::Model &model, const ast::EntryPoint &ep);

  const SyntaxFile &file;
  ast::Error &error;
  bool failed = false;
  std::map<std::string, ast::Hyper> hypers;
  /// Token spellings per vocabulary hyper (from `vocab` lines).
  std::map<std::string, std::vector<std::string>> spellings;
  std::vector<std::string> hyperOrder;
};

} // namespace

bool Sema::checkKeys(const SyntaxSection &section, const std::string &what,
                     const std::vector<std::string> &allowed) {
  std::set<std::string> seen;
  for (const SyntaxEntry &e : section.entries) {
    if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end())
      return fail(e.loc, "unknown key '" + e.key + "' in " + what +
                             " (expected one of: " + joinKeys(allowed) + ")");
    if (!seen.insert(e.key).second)
      return fail(e.loc, "key '" + e.key + "' is set twice in " + what);
  }
  return true;
}

const SyntaxEntry *Sema::find(const SyntaxSection &section,
                              const std::string &key) {
  for (const SyntaxEntry &e : section.entries)
    if (e.key == key)
      return &e;
  return nullptr;
}

bool Sema::missing(const SyntaxSection &section, const std::string &what,
                   const std::string &key) {
  return fail(section.loc, what + " is missing the required key '" + key + "'");
}

bool Sema::readInt(const SyntaxEntry &e, Located<int64_t> &out) {
  const SyntaxValue &v = e.value;
  out.loc = v.loc;
  if (v.kind == Kind::Int) {
    errno = 0;
    char *end = nullptr;
    long long x = std::strtoll(v.text.c_str(), &end, 10);
    if (errno == ERANGE || *end != '\0')
      return fail(v.loc, "integer " + v.text + " is out of range");
    out.value = x;
    return true;
  }
  if (v.kind == Kind::Name) {
    const ast::Hyper *h = findHyper(e);
    if (!h)
      return false;
    if (!h->isInteger)
      return fail(v.loc, "key '" + e.key +
                             "' expects an integer, but "
                             "hyperparameter '" +
                             v.text + "' is " + std::to_string(h->value));
    out.value = static_cast<int64_t>(h->value);
    return true;
  }
  return fail(v.loc, "key '" + e.key +
                         "' expects an integer or a hyperparameter name, "
                         "found " +
                         describe(v));
}

/// The hyperparameter a name value refers to, or an error naming the key.
const ast::Hyper *Sema::findHyper(const SyntaxEntry &e) {
  auto it = hypers.find(e.value.text);
  if (it != hypers.end())
    return &it->second;
  fail(e.value.loc,
       "unknown hyperparameter '" + e.value.text + "' in key '" + e.key + "'");
  return nullptr;
}

bool Sema::readFloat(const SyntaxEntry &e, Located<double> &out) {
  const SyntaxValue &v = e.value;
  out.loc = v.loc;
  if (v.kind == Kind::Int || v.kind == Kind::Float) {
    char *end = nullptr;
    out.value = std::strtod(v.text.c_str(), &end);
    if (*end != '\0' || !std::isfinite(out.value))
      return fail(v.loc, "invalid number '" + v.text + "'");
    return true;
  }
  if (v.kind == Kind::Name) {
    const ast::Hyper *h = findHyper(e);
    if (!h)
      return false;
    out.value = h->value;
    return true;
  }
  return fail(v.loc,
              "key '" + e.key + "' expects a number, found " + describe(v));
}

bool Sema::readBool(const SyntaxEntry &e, Located<bool> &out) {
  const SyntaxValue &v = e.value;
  out.loc = v.loc;
  if (v.kind == Kind::Name && (v.text == "true" || v.text == "false")) {
    out.value = v.text == "true";
    return true;
  }
  return fail(v.loc, "key '" + e.key + "' expects true or false, found " +
                         describe(v));
}

bool Sema::readText(const SyntaxEntry &e, Kind kind, const char *what,
                    Located<std::string> &out) {
  const SyntaxValue &v = e.value;
  out.loc = v.loc;
  if (v.kind != kind)
    return fail(v.loc, "key '" + e.key + "' expects " + what + ", found " +
                           describe(v));
  out.value = v.text;
  return true;
}

bool Sema::readString(const SyntaxEntry &e, Located<std::string> &out) {
  return readText(e, Kind::String, "a string", out);
}

bool Sema::readName(const SyntaxEntry &e, Located<std::string> &out) {
  return readText(e, Kind::Name, "a name", out);
}

bool Sema::readChoice(const SyntaxEntry &e,
                      const std::vector<std::string> &choices,
                      Located<std::string> &out) {
  const SyntaxValue &v = e.value;
  out.loc = v.loc;
  if (v.kind == Kind::Name &&
      std::find(choices.begin(), choices.end(), v.text) != choices.end()) {
    out.value = v.text;
    return true;
  }
  return fail(v.loc, "key '" + e.key + "' expects one of " + joinKeys(choices) +
                         ", found " + describe(v));
}

/// A parameter name template: a module prefix where `{i}` is the layer index.
bool Sema::readTemplate(const SyntaxEntry &e, ast::Linear &out) {
  Located<std::string> s;
  if (!readString(e, s))
    return false;
  if (s.value.empty())
    return fail(s.loc, "key '" + e.key + "' needs a non-empty parameter name");
  for (size_t pos = s.value.find('{'); pos != std::string::npos;
       pos = s.value.find('{', pos + 1))
    if (s.value.compare(pos, 3, "{i}") != 0)
      return fail(s.loc, "parameter name \"" + s.value +
                             "\" has a placeholder other than {i}");
  if (s.value.find('}') != std::string::npos &&
      std::count(s.value.begin(), s.value.end(), '}') !=
          std::count(s.value.begin(), s.value.end(), '{'))
    return fail(s.loc,
                "parameter name \"" + s.value + "\" has an unmatched '}'");
  out.name = s.value;
  out.loc = e.loc;
  return true;
}

bool Sema::applyOverrides(const std::vector<Override> &overrides) {
  for (const Override &o : overrides) {
    std::string what = "--set " + o.key + "=" + o.value;
    auto it = hypers.find(o.key);
    if (it == hypers.end())
      return fail(file.modelLoc, what + ": unknown hyperparameter '" + o.key +
                                     "' (declared: " + joinKeys(hyperOrder) +
                                     ")");
    ast::Hyper &h = it->second;
    const char *text = o.value.c_str();
    char *end = nullptr;
    errno = 0;
    if (h.isInteger) {
      long long x = std::strtoll(text, &end, 10);
      if (o.value.empty() || *end != '\0' || errno == ERANGE)
        return fail(h.loc, what + ": expected an integer value for '" + o.key +
                               "', found '" + o.value + "'");
      h.value = static_cast<double>(x);
    } else {
      double x = std::strtod(text, &end);
      if (o.value.empty() || *end != '\0' || !std::isfinite(x))
        return fail(h.loc, what + ": expected a number for '" + o.key +
                               "', found '" + o.value + "'");
      h.value = x;
    }
  }
  return true;
}

bool Sema::readHypers() {
  for (const SyntaxEntry &e : file.hypers) {
    if (hypers.count(e.key))
      return fail(e.loc, "hyperparameter '" + e.key + "' is declared twice");
    ast::Hyper h;
    h.name = e.key;
    h.loc = e.loc;
    if (e.value.kind == Kind::Int) {
      Located<int64_t> v;
      if (!readInt(e, v))
        return false;
      h.value = static_cast<double>(v.value);
    } else if (e.value.kind == Kind::Float) {
      Located<double> v;
      if (!readFloat(e, v))
        return false;
      h.value = v.value;
      h.isInteger = false;
    } else {
      return fail(e.value.loc, "hyperparameter '" + e.key +
                                   "' expects a number, found " +
                                   describe(e.value));
    }
    hypers[e.key] = h;
    hyperOrder.push_back(e.key);
  }
  return true;
}

bool Sema::readVocabs(ast::Model &model) {
  for (const SyntaxEntry &e : file.vocabs) {
    auto it = hypers.find(e.key);
    if (it == hypers.end() || !it->second.isInteger)
      return fail(e.loc, "vocab '" + e.key +
                             "' must name an integer hyperparameter (the "
                             "vocabulary size)");
    Located<std::string> text;
    if (!readString(e, text))
      return false;
    std::vector<std::string> tokens;
    std::istringstream in(text.value);
    for (std::string t; in >> t;)
      tokens.push_back(t);
    if (static_cast<double>(tokens.size()) > it->second.value)
      return fail(e.value.loc, "vocab '" + e.key + "' spells " +
                                   std::to_string(tokens.size()) +
                                   " tokens but " + e.key + " is " +
                                   std::to_string(int64_t(it->second.value)));
    model.vocabs.push_back({e.key, tokens});
    spellings[e.key] = tokens;
  }
  return true;
}

std::optional<Located<int64_t>> Sema::hyperInt(const std::string &name) {
  auto it = hypers.find(name);
  if (it == hypers.end() || !it->second.isInteger)
    return std::nullopt;
  return Located<int64_t>{static_cast<int64_t>(it->second.value),
                          it->second.loc};
}

bool Sema::readBlockOptions(const SyntaxSection &s, BlockOptions &o) {
  Located<int64_t> v;
  auto readOptInt = [&](const char *key, std::optional<Located<int64_t>> &out) {
    if (const SyntaxEntry *e = find(s, key)) {
      if (!readInt(*e, v))
        return false;
      if (v.value <= 0)
        return fail(v.loc, std::string("key '") + key +
                               "' must be positive, found " +
                               std::to_string(v.value));
      out = v;
    }
    return true;
  };
  if (const SyntaxEntry *e = find(s, "norm"))
    if (!readChoice(*e, {"layer", "rms"}, o.norm))
      return false;
  if (const SyntaxEntry *e = find(s, "norm_order"))
    if (!readChoice(*e, {"pre", "post"}, o.normOrder))
      return false;
  if (const SyntaxEntry *e = find(s, "activation"))
    if (!readChoice(*e, {"relu", "gelu", "gelu_tanh", "silu", "swiglu"},
                    o.activation))
      return false;
  if (const SyntaxEntry *e = find(s, "linear_layout"))
    if (!readChoice(*e, {"out_in", "in_out"}, o.linearLayout))
      return false;
  return optional(s, "norm_affine", o.normAffine, &Sema::readBool) &&
         optional(s, "bias", o.bias, &Sema::readBool) &&
         optional(s, "eps", o.eps, &Sema::readFloat) &&
         readOptInt("heads", o.heads) && readOptInt("kv_heads", o.kvHeads) &&
         readOptInt("d_k", o.dK) && readOptInt("d_v", o.dV) &&
         readOptInt("d_ff", o.dFF);
}

bool Sema::readStack(const SyntaxSection &s, ast::Stack &stack) {
  std::string what = "stack '" + s.name + "'";
  std::vector<std::string> allowed = kStackKeys;
  allowed.insert(allowed.end(), kBlockOptionKeys.begin(),
                 kBlockOptionKeys.end());
  if (!checkKeys(s, what, allowed))
    return false;
  stack.name = s.name;
  stack.loc = s.loc;

  auto requireName = [&](const char *key, std::string &out) {
    const SyntaxEntry *e = find(s, key);
    if (!e)
      return missing(s, what, key);
    Located<std::string> v;
    if (!readName(*e, v))
      return false;
    out = v.value;
    return true;
  };
  auto intKey = [&](const char *key, int64_t &out, bool required,
                    std::optional<int64_t> dflt, int64_t minimum) {
    Located<int64_t> v;
    if (const SyntaxEntry *e = find(s, key)) {
      if (!readInt(*e, v))
        return false;
    } else if (auto h = hyperInt(key)) {
      v = *h;
    } else if (dflt) {
      v.value = *dflt;
    } else if (required) {
      return fail(s.loc, what + " is missing the required key '" + key +
                             "' (set it here or declare `hyper " + key + "`)");
    } else {
      return true;
    }
    if (v.value < minimum)
      return fail(v.loc.line ? v.loc : s.loc,
                  std::string("'") + key + "' must be at least " +
                      std::to_string(minimum) + ", found " +
                      std::to_string(v.value));
    out = v.value;
    return true;
  };

  if (!requireName("input", stack.input) ||
      !requireName("output", stack.output))
    return false;
  if (const SyntaxEntry *e = find(s, "memory")) {
    Located<std::string> v;
    if (!readName(*e, v))
      return false;
    stack.memory = v.value;
    if (!requireName("memory_ids", stack.memoryIds))
      return false;
    if (const SyntaxEntry *e = find(s, "memory_mask")) {
      Located<std::string> mask;
      if (!readName(*e, mask))
        return false;
      stack.memoryMask = mask.value;
    }
  } else if (const SyntaxEntry *e = find(s, "memory_ids")) {
    return fail(e->loc, "'memory_ids' needs 'memory' in " + what);
  } else if (const SyntaxEntry *e = find(s, "memory_mask")) {
    return fail(e->loc, "'memory_mask' needs 'memory' in " + what);
  }

  // Optional inputs beside the token ids.
  for (auto [key, field] : {std::pair<const char *, std::string *>{
                                "attention_mask", &stack.attentionMask},
                            {"position_ids", &stack.positionIds},
                            {"token_types", &stack.tokenTypes}}) {
    const SyntaxEntry *e = find(s, key);
    if (!e)
      continue;
    Located<std::string> v;
    if (!readName(*e, v))
      return false;
    if (v.value == stack.input || v.value == stack.output ||
        v.value == stack.memory || v.value == stack.memoryIds ||
        v.value == stack.attentionMask || v.value == stack.positionIds)
      return fail(v.loc, std::string("'") + key + "' names '" + v.value +
                             "', which is already another value of " + what);
    *field = v.value;
  }

  const SyntaxEntry *vocabEntry = find(s, "vocab");
  if (!vocabEntry)
    return missing(s, what, "vocab");
  Located<int64_t> vocab;
  if (!readInt(*vocabEntry, vocab))
    return false;
  if (vocab.value < 1)
    return fail(vocab.loc, "'vocab' must be at least 1, found " +
                               std::to_string(vocab.value));
  stack.vocab = vocab.value;
  if (vocabEntry->value.kind == Kind::Name)
    stack.vocabName = vocabEntry->value.text;
  if (!intKey("pad_id", stack.padId, false, 0, 0))
    return false;
  if (stack.padId >= stack.vocab)
    return fail(s.loc, "pad_id " + std::to_string(stack.padId) +
                           " is not below the vocabulary size " +
                           std::to_string(stack.vocab));
  if (!intKey("layers", stack.layers, true, std::nullopt, 1) ||
      !intKey("d_model", stack.dModel, true, std::nullopt, 1))
    return false;

  const SyntaxEntry *emb = find(s, "embedding");
  if (!emb)
    return missing(s, what, "embedding");
  if (!readTemplate(*emb, stack.embedding))
    return false;
  Located<bool> flag;
  if (const SyntaxEntry *e = find(s, "embedding_scale")) {
    if (!readBool(*e, flag))
      return false;
    stack.embeddingScale = flag.value;
  }

  const SyntaxEntry *pos = find(s, "positions");
  if (!pos)
    return missing(s, what, "positions");
  Located<std::string> positions;
  if (!readChoice(*pos, {"sinusoidal", "learned", "rotary", "none"}, positions))
    return false;
  stack.positionsLoc = pos->loc;
  stack.positions = positions.value == "sinusoidal" ? ast::Positions::Sinusoidal
                    : positions.value == "learned"  ? ast::Positions::Learned
                    : positions.value == "rotary"   ? ast::Positions::Rotary
                                                    : ast::Positions::None;
  if (stack.positions == ast::Positions::Sinusoidal ||
      stack.positions == ast::Positions::Learned)
    if (!intKey("max_len", stack.maxLen, true, std::nullopt, 1))
      return false;
  if (stack.positions != ast::Positions::Sinusoidal &&
      stack.positions != ast::Positions::Learned)
    intKey("max_len", stack.maxLen, false, std::nullopt, 1);
  if (failed)
    return false;
  if (stack.positions == ast::Positions::Sinusoidal && stack.dModel % 2)
    return fail(pos->loc, "sinusoidal positions need an even d_model, found " +
                              std::to_string(stack.dModel));
  if (const SyntaxEntry *e = find(s, "position_embedding")) {
    if (stack.positions != ast::Positions::Learned)
      return fail(e->loc, "'position_embedding' needs positions = learned");
    if (!readTemplate(*e, stack.positionEmbedding))
      return false;
  } else if (stack.positions == ast::Positions::Learned) {
    return missing(s, what + " (positions = learned)", "position_embedding");
  }
  if (const SyntaxEntry *e = find(s, "sequence_first_positions")) {
    if (!readBool(*e, flag))
      return false;
    if (flag.value && stack.positions != ast::Positions::Sinusoidal &&
        stack.positions != ast::Positions::Learned)
      return fail(e->loc, "'sequence_first_positions' needs sinusoidal or "
                          "learned positions");
    stack.sequenceFirstPositions = flag.value;
  }
  if (const SyntaxEntry *e = find(s, "rope_base")) {
    Located<double> base;
    if (!readFloat(*e, base))
      return false;
    if (stack.positions != ast::Positions::Rotary)
      return fail(e->loc, "'rope_base' needs positions = rotary");
    if (base.value <= 1)
      return fail(base.loc, "'rope_base' must be greater than 1");
    stack.ropeBase = base.value;
  }

  if (!stack.positionIds.empty()) {
    const SyntaxEntry *e = find(s, "position_ids");
    if (stack.positions == ast::Positions::None)
      return fail(e->loc, "'position_ids' needs positions (sinusoidal, "
                          "learned or rotary)");
    if (stack.sequenceFirstPositions)
      return fail(e->loc, "'position_ids' and sequence_first_positions "
                          "exclude each other");
  }
  const SyntaxEntry *ttEmb = find(s, "token_type_embedding");
  if (!stack.tokenTypes.empty() && !ttEmb)
    return missing(s, what + " (token_types)", "token_type_embedding");
  if (ttEmb) {
    if (stack.tokenTypes.empty())
      return fail(ttEmb->loc, "'token_type_embedding' needs 'token_types' "
                              "(the input of each token's segment)");
    if (!readTemplate(*ttEmb, stack.tokenTypeEmbedding) ||
        !intKey("type_vocab", stack.typeVocab, false, 2, 1))
      return false;
  } else if (const SyntaxEntry *e = find(s, "type_vocab")) {
    return fail(e->loc, "'type_vocab' needs 'token_type_embedding'");
  }

  BlockOptions defaults;
  if (!readBlockOptions(s, defaults))
    return false;
  // Widths and head counts the stack does not set come from the
  // hyperparameters of the same name.
  for (auto [key, field] :
       {std::pair<const char *, std::optional<Located<int64_t>> *>{
            "heads", &defaults.heads},
        {"kv_heads", &defaults.kvHeads},
        {"d_k", &defaults.dK},
        {"d_v", &defaults.dV},
        {"d_ff", &defaults.dFF}}) {
    if (*field)
      continue;
    if (auto h = hyperInt(key)) {
      if (h->value <= 0)
        return fail(h->loc, std::string("hyperparameter '") + key +
                                "' must be positive, found " +
                                std::to_string(h->value));
      *field = h;
    }
  }
  auto stackNorm = [&](const char *key, std::optional<ast::Norm> &out) {
    if (const SyntaxEntry *e = find(s, key)) {
      ast::Linear params;
      if (!readTemplate(*e, params))
        return false;
      ast::Norm n;
      n.kind = defaults.norm.value == "rms" ? ast::NormKind::Rms
                                            : ast::NormKind::Layer;
      n.eps = defaults.eps.value;
      n.affine = true;
      n.name = params.name;
      n.loc = e->loc;
      out = n;
    }
    return true;
  };
  if (!stackNorm("embedding_norm", stack.embeddingNorm) ||
      !stackNorm("final_norm", stack.finalNorm))
    return false;
  if (const SyntaxEntry *e = find(s, "projection")) {
    ast::Linear proj;
    if (!readTemplate(*e, proj))
      return false;
    stack.projection = proj;
  }
  if (const SyntaxEntry *e = find(s, "projection_bias")) {
    if (!stack.projection)
      return fail(e->loc, "'projection_bias' needs 'projection'");
    if (e->value.kind == Kind::String) {
      // A tensor of its own name: Marian's final_logits_bias [1, vocab].
      ast::Linear bias;
      if (!readTemplate(*e, bias))
        return false;
      if (bias.name.find("{i}") != std::string::npos)
        return fail(e->loc, "'projection_bias' names one tensor; {i} has no "
                            "layer here");
      stack.projectionBiasName = bias.name;
      stack.projectionBias = true;
    } else {
      if (!readBool(*e, flag))
        return false;
      stack.projectionBias = flag.value;
    }
  }

  const SyntaxEntry *pooler = find(s, "pooler");
  const SyntaxEntry *pooled = find(s, "pooled_output");
  if (pooler || pooled) {
    if (!pooler)
      return fail(pooled->loc, "'pooled_output' needs 'pooler'");
    if (!pooled)
      return missing(s, what + " (pooler)", "pooled_output");
    ast::Linear dense;
    Located<std::string> name;
    if (!readTemplate(*pooler, dense) || !readName(*pooled, name))
      return false;
    if (name.value == stack.output || name.value == stack.input)
      return fail(name.loc, "'pooled_output' names '" + name.value +
                                "', which is already another value of " +
                                what);
    stack.pooler = dense;
    stack.pooledOutput = name.value;
  }

  for (const SyntaxSection &child : s.sections) {
    if (child.kind == "generate") {
      if (stack.generation)
        return fail(child.loc, what + " has two generate sections");
      stack.generation.emplace();
      if (!readGeneration(child, stack, *stack.generation))
        return false;
      continue;
    }
    ast::Block block;
    if (!readBlock(child, stack, defaults, block))
      return false;
    stack.blocks.push_back(std::move(block));
  }
  if (stack.blocks.empty())
    return fail(s.loc, what + " has no blocks (expected self_attention, "
                              "cross_attention or feed_forward)");
  return true;
}

bool Sema::readGeneration(const SyntaxSection &s, const ast::Stack &stack,
                          ast::Generation &out) {
  std::string what = "the generate section of stack '" + stack.name + "'";
  if (!checkKeys(s, what, {"start", "end"}))
    return false;
  if (!s.sections.empty())
    return fail(s.sections.front().loc, what + " takes no sections");
  out.loc = s.loc;
  // A token: an id below the vocabulary, a spelling of it, or `none`.
  auto token = [&](const char *key, int64_t &id) {
    const SyntaxEntry *e = find(s, key);
    if (!e)
      return true;
    const SyntaxValue &v = e->value;
    if (v.kind == Kind::Name && v.text == "none") {
      id = -1;
      return true;
    }
    if (v.kind == Kind::String) {
      auto it = spellings.find(stack.vocabName);
      if (it == spellings.end())
        return fail(v.loc, "'" + std::string(key) + "' spells a token, but the "
                           "vocabulary of stack '" + stack.name +
                           "' has no `vocab` line");
      auto pos = std::find(it->second.begin(), it->second.end(), v.text);
      if (pos == it->second.end())
        return fail(v.loc, "'" + std::string(key) + "': \"" + v.text +
                               "\" is not a token of " + stack.vocabName);
      id = pos - it->second.begin();
      return true;
    }
    Located<int64_t> n;
    if (!readInt(*e, n))
      return false;
    if (n.value < 0 || n.value >= stack.vocab)
      return fail(n.loc, "'" + std::string(key) + "' must be a token id in 0.." +
                             std::to_string(stack.vocab - 1) + ", found " +
                             std::to_string(n.value));
    id = n.value;
    return true;
  };
  return token("start", out.startId) && token("end", out.endId);
}

/// Generation runs one stack over a cache of its self-attention keys and
/// values: its self-attention must be causal (a new token never changes
/// the cached ones) and only one stack may generate.
bool Sema::checkGeneration(const ast::Model &model) {
  const ast::Stack *gen = nullptr;
  for (const ast::Stack &s : model.stacks) {
    if (!s.generation)
      continue;
    if (gen)
      return fail(s.generation->loc, "stacks '" + gen->name + "' and '" +
                                         s.name + "' both generate");
    gen = &s;
    if (!s.tokenTypes.empty())
      return fail(s.generation->loc, "stack '" + s.name + "' generates, so it "
                                     "cannot take token_types (a step's new "
                                     "tokens have none)");
    int selfBlocks = 0, crossBlocks = 0;
    for (const ast::Block &b : s.blocks) {
      if (b.kind == ast::BlockKind::SelfAttention && !b.maskCausal)
        return fail(b.loc, "stack '" + s.name +
                               "' generates, so its self-attention must be "
                               "causal (mask = causal or [padding, causal])");
      selfBlocks += b.kind == ast::BlockKind::SelfAttention;
      crossBlocks += b.kind == ast::BlockKind::CrossAttention;
      if (selfBlocks > 1 || crossBlocks > 1)
        return fail(b.loc, "stack '" + s.name +
                               "' generates, so a layer may have one "
                               "self_attention and one cross_attention block "
                               "(one cache each)");
    }
    if (s.memory.empty())
      continue;
    const ast::Stack *source = model.findStackProducing(s.memory);
    if (!source || !source->memory.empty() || source->input != s.memoryIds)
      return fail(s.generation->loc,
                  "stack '" + s.name + "' generates, so its memory '" +
                      s.memory + "' must be the output of a stack without "
                      "memory whose input is '" + s.memoryIds +
                      "' (generate_encode computes it from that input)");
  }
  return true;
}

bool Sema::readBlock(const SyntaxSection &s, const ast::Stack &stack,
                     BlockOptions opts, ast::Block &block) {
  bool isAttention = s.kind == "self_attention" || s.kind == "cross_attention";
  if (!isAttention && s.kind != "feed_forward")
    return fail(s.loc, "unknown block kind '" + s.kind +
                           "' (expected self_attention, cross_attention, "
                           "feed_forward or generate)");
  std::string what = s.kind + " block of stack '" + stack.name + "'";
  std::vector<std::string> allowed =
      isAttention ? kAttentionKeys : kFeedForwardKeys;
  allowed.insert(allowed.end(), kBlockOptionKeys.begin(),
                 kBlockOptionKeys.end());
  if (!checkKeys(s, what, allowed) || !readBlockOptions(s, opts))
    return false;

  block.kind = s.kind == "self_attention"    ? ast::BlockKind::SelfAttention
               : s.kind == "cross_attention" ? ast::BlockKind::CrossAttention
                                             : ast::BlockKind::FeedForward;
  block.loc = s.loc;
  block.order = opts.normOrder.value == "pre" ? ast::NormOrder::Pre
                                              : ast::NormOrder::Post;
  block.norm.kind =
      opts.norm.value == "rms" ? ast::NormKind::Rms : ast::NormKind::Layer;
  block.norm.eps = opts.eps.value;
  block.norm.affine = opts.normAffine.value;
  block.norm.loc = s.loc;
  block.bias = opts.bias.value;
  if (block.norm.eps <= 0)
    return fail(opts.eps.loc.line ? opts.eps.loc : s.loc,
                "'eps' must be positive");

  if (const SyntaxEntry *e = find(s, "norm_params")) {
    if (!block.norm.affine)
      return fail(e->loc, "'norm_params' needs norm_affine = true");
    ast::Linear params;
    if (!readTemplate(*e, params))
      return false;
    block.norm.name = params.name;
    block.norm.loc = e->loc;
  } else if (block.norm.affine) {
    return missing(s, what + " (norm_affine = true)", "norm_params");
  }

  auto linear = [&](const char *key, ast::Linear &out) {
    const SyntaxEntry *e = find(s, key);
    if (!e)
      return missing(s, what, key);
    out.transposed = opts.linearLayout.value == "in_out";
    return readTemplate(*e, out);
  };

  if (block.kind == ast::BlockKind::FeedForward) {
    if (!opts.dFF)
      return fail(s.loc, what + " needs 'd_ff' (set it in the block or stack, "
                                "or declare `hyper d_ff`)");
    block.dFF = opts.dFF->value;
    const std::string &act = opts.activation.value;
    block.activation = act == "relu"        ? ast::Activation::Relu
                       : act == "gelu"      ? ast::Activation::Gelu
                       : act == "gelu_tanh" ? ast::Activation::GeluTanh
                       : act == "silu"      ? ast::Activation::Silu
                                            : ast::Activation::SwiGlu;
    if (!linear("up", block.up) || !linear("down", block.down))
      return false;
    if (block.activation == ast::Activation::SwiGlu) {
      if (!linear("gate", block.gate))
        return false;
    } else if (const SyntaxEntry *e = find(s, "gate")) {
      return fail(e->loc, "'gate' needs activation = swiglu");
    }
    return true;
  }

  // Attention: heads, widths, masks, projections.
  if (!opts.heads)
    return fail(s.loc, what + " needs 'heads' (set it in the block or stack, "
                              "or declare `hyper heads`)");
  block.heads = opts.heads->value;
  block.kvHeads = opts.kvHeads ? opts.kvHeads->value : block.heads;
  // Without d_k a head is d_model / heads wide; with it (the seed notes'
  // W_Q: d_model -> heads·d_k) d_model need not divide.
  if (!opts.dK && stack.dModel % block.heads != 0)
    return fail(opts.heads->loc.line ? opts.heads->loc : s.loc,
                "d_model (" + std::to_string(stack.dModel) +
                    ") is not divisible by heads (" +
                    std::to_string(block.heads) +
                    "); set d_k for the head width");
  if (block.heads % block.kvHeads != 0)
    return fail(opts.kvHeads->loc.line ? opts.kvHeads->loc : s.loc,
                "heads (" + std::to_string(block.heads) +
                    ") is not divisible by kv_heads (" +
                    std::to_string(block.kvHeads) + ")");
  block.dK = opts.dK ? opts.dK->value : stack.dModel / block.heads;
  block.dV = opts.dV ? opts.dV->value : block.dK;
  if (stack.positions == ast::Positions::Rotary && block.dK % 2)
    return fail(s.loc, "rotary positions need an even d_k, found " +
                           std::to_string(block.dK));

  if (const SyntaxEntry *e = find(s, "mask")) {
    std::vector<const SyntaxValue *> items;
    if (e->value.kind == Kind::List)
      for (const SyntaxValue &v : e->value.items)
        items.push_back(&v);
    else
      items.push_back(&e->value);
    for (const SyntaxValue *v : items) {
      if (v->kind == Kind::Name && v->text == "padding")
        block.maskPadding = true;
      else if (v->kind == Kind::Name && v->text == "causal")
        block.maskCausal = true;
      else if (!(v->kind == Kind::Name && v->text == "none"))
        return fail(v->loc, "key 'mask' expects padding, causal, none or a "
                            "list of them, found " +
                                describe(*v));
    }
    if (block.maskCausal && block.kind == ast::BlockKind::CrossAttention)
      return fail(e->loc, "a causal mask needs self-attention; cross-attention "
                          "keys are not positions of the queries");
  }
  if (block.kind == ast::BlockKind::CrossAttention && stack.memory.empty())
    return fail(s.loc, "cross_attention needs 'memory' and 'memory_ids' in "
                       "stack '" +
                           stack.name + "'");
  if (const SyntaxEntry *e = find(s, "qkv")) {
    // One fused projection: queries, then keys, then values.
    for (const char *key : {"query", "key", "value"})
      if (const SyntaxEntry *other = find(s, key))
        return fail(other->loc, std::string("'") + key +
                                    "' and 'qkv' are alternatives; 'qkv' "
                                    "projects to all three");
    if (block.kind != ast::BlockKind::SelfAttention)
      return fail(e->loc, "'qkv' needs self-attention (cross-attention "
                          "projects queries and keys from different inputs)");
    block.fusedQkv = true;
    return linear("qkv", block.qkv) && linear("out", block.out);
  }
  return linear("query", block.query) && linear("key", block.key) &&
         linear("value", block.value) && linear("out", block.out);
}

bool Sema::readEntries(ast::Model &model) {
  // The functions MLIRGen adds beside the entries: each stack's layer
  // function, and the generating stack's step layer and entries.
  std::map<std::string, std::string> taken; // name -> what takes it
  auto take = [&](const std::string &name, const std::string &what,
                  const SourceLoc &loc) {
    auto [it, fresh] = taken.insert({name, what});
    return fresh || fail(loc, "the function '" + name + "' xfc makes for " +
                                  what + " is also the one it makes for " +
                                  it->second + "; rename a stack");
  };
  for (const ast::Stack &st : model.stacks) {
    std::string what = "the layers of stack '" + st.name + "'";
    if (!take(st.name + "_layer", what, st.loc))
      return false;
    // Its variant for entries without the optional inputs.
    if ((!st.attentionMask.empty() || !st.positionIds.empty() ||
         !st.memoryMask.empty() || !st.tokenTypes.empty()) &&
        !take(st.name + "_layer_by_ids", what, st.loc))
      return false;
    if (!st.generation)
      continue;
    if (!take(st.name + "_step_layer", what, st.loc) ||
        !take("generate_step", "generation", st.generation->loc) ||
        (!st.memory.empty() &&
         !take("generate_encode", "generation", st.generation->loc)))
      return false;
  }
  for (const SyntaxEntryPoint &s : file.entries) {
    if (model.findEntry(s.name))
      return fail(s.loc, "entry point '" + s.name + "' is declared twice");
    if (auto it = taken.find(s.name); it != taken.end())
      return fail(s.loc, "entry point '" + s.name + "' has the name xfc "
                         "gives a function for " + it->second +
                         "; rename the entry");
    ast::EntryPoint ep;
    ep.name = s.name;
    ep.loc = s.loc;
    ep.output = s.output;
    if (!model.findStackProducing(s.output) &&
        !model.findStackPooling(s.output))
      return fail(s.outputLoc, "entry '" + s.name + "' returns '" + s.output +
                                   "', which no stack outputs");
    for (const auto &[input, loc] : s.inputs) {
      if (std::find(ep.inputs.begin(), ep.inputs.end(), input) !=
          ep.inputs.end())
        return fail(loc, "input '" + input + "' is listed twice");
      ep.inputs.push_back(input);
    }
    if (!checkComputable(model, ep))
      return false;
    model.entries.push_back(std::move(ep));
  }
  if (model.entries.empty())
    return fail(file.endLoc, "the model declares no entry point (expected "
                             "`entry NAME(inputs) -> output`)");
  return true;
}

/// Checks that `ep.output` can be computed from `ep.inputs` alone, and that
/// every input is used.
bool Sema::checkComputable(const ast::Model &model, const ast::EntryPoint &ep) {
  std::set<std::string> used;
  std::set<std::string> visiting;
  auto isInput = [&](const std::string &n) {
    return std::find(ep.inputs.begin(), ep.inputs.end(), n) != ep.inputs.end();
  };
  std::function<bool(const std::string &)> need = [&](const std::string &v) {
    if (isInput(v)) {
      used.insert(v);
      return true;
    }
    const ast::Stack *s = model.findStackProducing(v);
    if (!s)
      s = model.findStackPooling(v);
    if (!s)
      return fail(ep.loc, "entry '" + ep.name + "' needs '" + v +
                              "' as an input (no stack computes it)");
    if (!visiting.insert(v).second)
      return fail(s->loc, "stack '" + s->name + "' depends on its own output");
    bool ok = need(s->input) &&
              (s->memory.empty() || (need(s->memory) && need(s->memoryIds)));
    for (const std::string *extra : {&s->attentionMask, &s->positionIds,
                                     &s->tokenTypes, &s->memoryMask})
      ok = ok && (extra->empty() || need(*extra));
    visiting.erase(v);
    return ok;
  };
  if (!need(ep.output))
    return false;
  for (const std::string &in : ep.inputs)
    if (!used.count(in))
      return fail(ep.loc, "input '" + in + "' of entry '" + ep.name +
                              "' is not used to compute '" + ep.output + "'");
  return true;
}

std::optional<ast::Model> Sema::run(const std::vector<Override> &overrides) {
  if (!file.hasModel) {
    fail({file.endLoc.file, 1, 1},
         "the description does not name its model (expected `model NAME`)");
    return std::nullopt;
  }
  ast::Model model;
  model.name = file.modelName;
  model.loc = file.modelLoc;
  if (!readHypers() || !applyOverrides(overrides) || !readVocabs(model))
    return std::nullopt;
  for (const std::string &name : hyperOrder)
    model.hypers.push_back(hypers[name]);
  std::set<std::string> names;
  for (const SyntaxSection &s : file.stacks) {
    if (!names.insert(s.name).second) {
      fail(s.loc, "stack '" + s.name + "' is declared twice");
      return std::nullopt;
    }
    ast::Stack stack;
    if (!readStack(s, stack))
      return std::nullopt;
    if (const ast::Stack *other =
            model.findStackPooling(stack.output)
                ? model.findStackPooling(stack.output)
                : model.findStackPooling(stack.pooledOutput)) {
      fail(s.loc, "stacks '" + other->name + "' and '" + stack.name +
                      "' both produce '" + other->pooledOutput + "'");
      return std::nullopt;
    }
    if (const ast::Stack *other =
            model.findStackProducing(stack.pooledOutput)) {
      fail(s.loc, "stacks '" + other->name + "' and '" + stack.name +
                      "' both produce '" + other->output + "'");
      return std::nullopt;
    }
    if (const ast::Stack *other = model.findStackProducing(stack.output)) {
      fail(s.loc, "stacks '" + other->name + "' and '" + stack.name +
                      "' both output '" + stack.output + "'");
      return std::nullopt;
    }
    model.stacks.push_back(std::move(stack));
  }
  if (model.stacks.empty()) {
    fail(file.endLoc, "the model declares no stack");
    return std::nullopt;
  }
  // Cross-attention projects the memory from d_model wide vectors.
  for (const ast::Stack &st : model.stacks) {
    const ast::Stack *source =
        st.memory.empty() ? nullptr : model.findStackProducing(st.memory);
    if (!source)
      continue;
    int64_t width = source->projection ? source->vocab : source->dModel;
    if (width != st.dModel) {
      fail(st.loc, "stack '" + st.name + "' attends to '" + st.memory +
                       "', whose vectors are " + std::to_string(width) +
                       " wide (stack '" + source->name + "'" +
                       (source->projection ? " projects to its vocabulary" : "") +
                       "), but its d_model is " + std::to_string(st.dModel));
      return std::nullopt;
    }
  }
  if (!checkGeneration(model) || !readEntries(model))
    return std::nullopt;
  return model;
}

std::optional<ast::Model>
parse::buildModel(const SyntaxFile &file,
                  const std::vector<Override> &overrides, ast::Error &error) {
  return Sema(file, error).run(overrides);
}

std::optional<ast::Model>
parse::loadModel(const std::string &path,
                 const std::vector<Override> &overrides, ast::Error &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = {{path, 0, 0}, "cannot open the description file"};
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.find('\0') != std::string::npos) {
    error = {{path, 1, 1}, "the description is not a text file"};
    return std::nullopt;
  }
  std::optional<SyntaxFile> syntax = parseSyntax(text, path, error);
  if (!syntax)
    return std::nullopt;
  return buildModel(*syntax, overrides, error);
}

bool parse::parseOverride(const std::string &text, Override &out) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    return false;
  out.key = text.substr(0, eq);
  out.value = text.substr(eq + 1);
  return true;
}
