//===- ModelAST.cpp - Printing and lookups on the model description -------===//

#include "frontend/AST/ModelAST.h"

using namespace xf::ast;

std::string Error::format() const {
  if (loc.line == 0)
    return loc.file + ": error: " + message;
  return loc.file + ":" + std::to_string(loc.line) + ":" +
         std::to_string(loc.col) + ": error: " + message;
}

const Stack *Model::generatingStack() const {
  for (const Stack &s : stacks)
    if (s.generation)
      return &s;
  return nullptr;
}

const Stack *Model::findStackProducing(const std::string &value) const {
  for (const Stack &s : stacks)
    if (s.output == value)
      return &s;
  return nullptr;
}

const Stack *Model::findStackPooling(const std::string &value) const {
  for (const Stack &s : stacks)
    if (!s.pooledOutput.empty() && s.pooledOutput == value)
      return &s;
  return nullptr;
}

const EntryPoint *Model::findEntry(const std::string &entryName) const {
  for (const EntryPoint &e : entries)
    if (e.name == entryName)
      return &e;
  return nullptr;
}

const std::vector<std::string> *
Model::findVocab(const std::string &vocabName) const {
  for (const auto &[n, tokens] : vocabs)
    if (n == vocabName)
      return &tokens;
  return nullptr;
}

const char *xf::ast::toString(NormKind k) {
  return k == NormKind::Layer ? "layer" : "rms";
}
const char *xf::ast::toString(NormOrder o) {
  return o == NormOrder::Pre ? "pre" : "post";
}
const char *xf::ast::toString(Positions p) {
  switch (p) {
  case Positions::Sinusoidal:
    return "sinusoidal";
  case Positions::Learned:
    return "learned";
  case Positions::Rotary:
    return "rotary";
  case Positions::None:
    return "none";
  }
  return "?";
}
const char *xf::ast::toString(Activation a) {
  switch (a) {
  case Activation::Relu:
    return "relu";
  case Activation::Gelu:
    return "gelu";
  case Activation::GeluTanh:
    return "gelu_tanh";
  case Activation::Silu:
    return "silu";
  case Activation::SwiGlu:
    return "swiglu";
  }
  return "?";
}
const char *xf::ast::toString(BlockKind k) {
  switch (k) {
  case BlockKind::SelfAttention:
    return "self_attention";
  case BlockKind::CrossAttention:
    return "cross_attention";
  case BlockKind::FeedForward:
    return "feed_forward";
  }
  return "?";
}

static std::string at(const SourceLoc &loc) {
  return " @" + std::to_string(loc.line) + ":" + std::to_string(loc.col);
}

static void dumpNorm(const Norm &n, std::ostream &os) {
  os << toString(n.kind) << " eps=" << n.eps;
  if (n.affine)
    os << " params=\"" << n.name << "\"";
}

void xf::ast::dump(const Model &m, std::ostream &os) {
  os << "model " << m.name << at(m.loc) << "\n";
  for (const Hyper &h : m.hypers) {
    os << "  hyper " << h.name << " = ";
    if (h.isInteger)
      os << static_cast<int64_t>(h.value);
    else
      os << h.value;
    os << at(h.loc) << "\n";
  }
  for (const auto &[name, tokens] : m.vocabs) {
    os << "  vocab " << name << " =";
    for (const std::string &t : tokens)
      os << " " << t;
    os << "\n";
  }
  for (const Stack &s : m.stacks) {
    os << "  stack " << s.name << at(s.loc) << "\n";
    os << "    input=" << s.input << " output=" << s.output;
    if (!s.memory.empty())
      os << " memory=" << s.memory << " memory_ids=" << s.memoryIds;
    if (!s.attentionMask.empty())
      os << " attention_mask=" << s.attentionMask;
    if (!s.positionIds.empty())
      os << " position_ids=" << s.positionIds;
    if (!s.tokenTypes.empty())
      os << " token_types=" << s.tokenTypes;
    if (!s.memoryMask.empty())
      os << " memory_mask=" << s.memoryMask;
    os << "\n    vocab=" << s.vocab << " pad_id=" << s.padId
       << " layers=" << s.layers << " d_model=" << s.dModel
       << " max_len=" << s.maxLen << "\n";
    os << "    embedding \"" << s.embedding.name << "\""
       << (s.embeddingScale ? " scaled" : "") << "\n";
    os << "    positions " << toString(s.positions);
    if (s.positions == Positions::Learned)
      os << " \"" << s.positionEmbedding.name << "\"";
    if (s.sequenceFirstPositions)
      os << " sequence_first";
    if (s.positions == Positions::Rotary)
      os << " base=" << s.ropeBase;
    os << "\n";
    if (!s.tokenTypes.empty())
      os << "    token_type_embedding \"" << s.tokenTypeEmbedding.name
         << "\" type_vocab=" << s.typeVocab << "\n";
    if (s.embeddingNorm) {
      os << "    embedding_norm ";
      dumpNorm(*s.embeddingNorm, os);
      os << "\n";
    }
    for (const Block &b : s.blocks) {
      os << "    " << toString(b.kind) << at(b.loc)
         << " norm=" << toString(b.order) << ":";
      dumpNorm(b.norm, os);
      os << " bias=" << (b.bias ? "true" : "false");
      const Linear &first = b.kind == BlockKind::FeedForward ? b.up : b.out;
      if (first.transposed)
        os << " linear_layout=in_out";
      os << "\n      ";
      if (b.kind == BlockKind::FeedForward) {
        os << "activation=" << toString(b.activation) << " d_ff=" << b.dFF
           << " up=\"" << b.up.name << "\" down=\"" << b.down.name << "\"";
        if (!b.gate.name.empty())
          os << " gate=\"" << b.gate.name << "\"";
      } else {
        os << "heads=" << b.heads << " kv_heads=" << b.kvHeads
           << " d_k=" << b.dK << " d_v=" << b.dV << " mask=";
        if (!b.maskPadding && !b.maskCausal)
          os << "none";
        os << (b.maskPadding ? "padding" : "")
           << (b.maskPadding && b.maskCausal ? "+" : "")
           << (b.maskCausal ? "causal" : "");
        if (b.fusedQkv)
          os << "\n      qkv=\"" << b.qkv.name << "\"";
        else
          os << "\n      query=\"" << b.query.name << "\" key=\""
             << b.key.name << "\" value=\"" << b.value.name << "\"";
        os << " out=\"" << b.out.name << "\"";
      }
      os << "\n";
    }
    if (s.finalNorm) {
      os << "    final_norm ";
      dumpNorm(*s.finalNorm, os);
      os << "\n";
    }
    if (s.pooler)
      os << "    pooler \"" << s.pooler->name << "\" -> " << s.pooledOutput
         << "\n";
    if (s.projection)
      os << "    projection \"" << s.projection->name << "\""
         << (s.projectionBias ? " bias" : "")
         << (s.projectionBiasName.empty()
                 ? ""
                 : " \"" + s.projectionBiasName + "\"")
         << "\n";
    if (s.generation) {
      auto id = [](int64_t v) { return v < 0 ? std::string("none")
                                             : std::to_string(v); };
      os << "    generate start " << id(s.generation->startId) << " end "
         << id(s.generation->endId) << at(s.generation->loc) << "\n";
    }
  }
  for (const EntryPoint &e : m.entries) {
    os << "  entry " << e.name << "(";
    for (size_t i = 0; i < e.inputs.size(); ++i)
      os << (i ? ", " : "") << e.inputs[i];
    os << ") -> " << e.output << at(e.loc) << "\n";
  }
}
