//===- ModelAST.h - The typed description of a model ------------*- C++ -*-===//
//
// What a `.xf` file describes, after checking: hyperparameters, stacks of
// blocks with every option resolved (stack defaults overlaid by block
// choices, hyperparameter references replaced by numbers) and entry points.
// No MLIR dependency; MLIRGen reads this, `xfc --emit=ast` prints it.
//
//===----------------------------------------------------------------------===//

#ifndef XF_FRONTEND_AST_MODELAST_H
#define XF_FRONTEND_AST_MODELAST_H

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace xf::ast {

/// A position in a description file (1-based line and column).
struct SourceLoc {
  std::string file;
  unsigned line = 0, col = 0;
};

/// One user-facing error: `file:line:col: error: message`.
struct Error {
  SourceLoc loc;
  std::string message;
  std::string format() const;
};

struct Hyper {
  std::string name;
  double value = 0;
  bool isInteger = true;
  SourceLoc loc;
};

enum class NormKind { Layer, Rms };
enum class NormOrder { Pre, Post };
enum class Positions { Sinusoidal, Learned, Rotary, None };
enum class Activation { Relu, Gelu, GeluTanh, Silu, SwiGlu };
enum class BlockKind { SelfAttention, CrossAttention, FeedForward };

/// A normalization: its kind, epsilon, and (when affine) the module prefix of
/// its `.weight` / `.bias` parameters.
struct Norm {
  NormKind kind = NormKind::Layer;
  double eps = 1e-5;
  bool affine = false;
  std::string name; ///< parameter prefix, empty when not affine
  SourceLoc loc;
};

/// A linear layer `x · Wᵀ (+ b)`: the module prefix of `.weight` / `.bias`.
/// `transposed`: the weight is stored `[in, out]` (GPT-2's Conv1D), not
/// `nn.Linear`'s `[out, in]`.
struct Linear {
  std::string name;
  SourceLoc loc;
  bool transposed = false;
};

/// One block of a layer, with every option resolved.
struct Block {
  BlockKind kind = BlockKind::SelfAttention;
  SourceLoc loc;
  NormOrder order = NormOrder::Post;
  Norm norm;
  bool bias = false;
  // Attention.
  int64_t heads = 0, kvHeads = 0, dK = 0, dV = 0;
  bool maskPadding = false, maskCausal = false;
  Linear query, key, value, out;
  /// One projection to queries, keys and values side by side (GPT-2's
  /// `c_attn`), used instead of query/key/value when `fusedQkv`.
  bool fusedQkv = false;
  Linear qkv;
  // Feed-forward.
  Activation activation = Activation::Relu;
  int64_t dFF = 0;
  Linear up, down, gate; ///< gate only for swiglu
};

/// How a stack generates (its `generate { }` section): token by token over
/// a key/value cache, starting from `startId` (-1: none, the caller's
/// prompt starts) until `endId` (-1: none, a fixed number of tokens).
struct Generation {
  int64_t startId = -1, endId = -1;
  SourceLoc loc;
};

/// An encoder or decoder stack: embedding, positions, `layers` repetitions
/// of its blocks, optional final norm and output projection.
struct Stack {
  std::string name;
  SourceLoc loc;
  std::string input, output; ///< token-id input and the value it produces
  std::string memory;        ///< cross-attention source (a stack output)
  std::string memoryIds;     ///< token ids of the memory (padding mask)
  /// Optional inputs beside the token ids ([batch, length] int64 each):
  /// the attention mask (1 = a real token; replaces `ids == pad_id` for
  /// padding masks), each token's position, each token's segment.
  std::string attentionMask, positionIds, tokenTypes;
  /// The memory's attention mask (1 = a real token), for cross-attention's
  /// padding mask instead of `memory_ids == pad_id`.
  std::string memoryMask;
  int64_t vocab = 0, padId = 0, layers = 0, dModel = 0, maxLen = 0;
  Linear embedding;
  bool embeddingScale = false; ///< multiply embeddings by sqrt(d_model)
  Positions positions = Positions::None;
  SourceLoc positionsLoc;
  Linear positionEmbedding; ///< learned positions only
  Linear tokenTypeEmbedding; ///< [typeVocab, d_model], with tokenTypes
  int64_t typeVocab = 0;
  bool sequenceFirstPositions = false;
  double ropeBase = 10000.0;
  std::optional<Norm> embeddingNorm, finalNorm;
  std::optional<Linear> projection; ///< [vocab, d_model] output projection
  /// BERT's pooler: `pooledOutput` = tanh(x[:, 0] · Wᵀ + b), [batch, d_model]
  /// from the stack's first token (before any projection).
  std::optional<Linear> pooler;
  std::string pooledOutput;
  bool projectionBias = false;
  /// The projection's bias as a tensor of its own name, stored [1, vocab]
  /// (Marian's `final_logits_bias`); empty: `<projection>.bias`.
  std::string projectionBiasName;
  std::vector<Block> blocks;
  std::string vocabName;               ///< the vocabulary hyper, if named
  std::optional<Generation> generation; ///< a `generate` section
};

/// `entry NAME(inputs...) -> output`.
struct EntryPoint {
  std::string name;
  std::vector<std::string> inputs;
  std::string output;
  SourceLoc loc;
};

/// A whole, checked model description.
struct Model {
  std::string name;
  SourceLoc loc;
  std::vector<Hyper> hypers;
  /// Optional spellings of token ids, per vocabulary hyperparameter.
  std::vector<std::pair<std::string, std::vector<std::string>>> vocabs;
  std::vector<Stack> stacks;
  std::vector<EntryPoint> entries;

  const Stack *findStackProducing(const std::string &value) const;
  /// The stack whose pooler produces `value`, or null.
  const Stack *findStackPooling(const std::string &value) const;
  /// The stack with a `generate` section, or null.
  const Stack *generatingStack() const;
  const EntryPoint *findEntry(const std::string &name) const;
  /// The token spellings of the vocabulary `name`, or null.
  const std::vector<std::string> *findVocab(const std::string &name) const;
};

/// Prints the model as an indented tree (`xfc --emit=ast`).
void dump(const Model &model, std::ostream &os);

const char *toString(NormKind);
const char *toString(NormOrder);
const char *toString(Positions);
const char *toString(Activation);
const char *toString(BlockKind);

} // namespace xf::ast

#endif // XF_FRONTEND_AST_MODELAST_H
