//===- MLIRGen.cpp - Expands a model description into xf IR ---------------===//

#include "frontend/MLIRGen/MLIRGen.h"
#include "dialect/IR/XfOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include <cmath>
#include <map>
#include <tuple>

using namespace mlir;
namespace ast = ::xf::ast;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

class ModelGen {
public:
  ModelGen(MLIRContext &ctx, const ast::Model &model)
      : ctx(ctx), model(model), b(&ctx) {}

  OwningOpRef<ModuleOp> run();
  /// The user error that made run() return null, if that was the cause.
  const std::optional<ast::Error> &userError() const { return error; }

private:
  Location loc(const ast::SourceLoc &l) {
    return FileLineColLoc::get(&ctx, l.file, l.line, l.col);
  }
  Type f32() { return b.getF32Type(); }
  RankedTensorType tensor(ArrayRef<int64_t> shape, Type elt) {
    return RankedTensorType::get(shape, elt);
  }

  /// The type of an entry input or output named `name`.
  RankedTensorType valueType(const std::string &name);
  void emitEntry(const ast::EntryPoint &ep);
  /// The value `name` in the current entry: an argument or a stack's output.
  Value compute(const std::string &name);
  /// Stack `s`'s hidden states, then its output projection unless
  /// `withProjection` is false (the pooler reads the hidden states).
  Value emitStack(const ast::Stack &s, bool withProjection = true);
  /// The token embeddings of `ids` (scaled by √d_model if the stack says).
  Value embed(const ast::Stack &s, Value ids);
  Value emitBlock(const ast::Stack &s, const ast::Block &blk, int layer,
                  Value x, Value ids);
  Value emitAttention(const ast::Stack &s, const ast::Block &blk, int layer,
                      Value xq, Value kv, Value kvIds);
  Value emitFeedForward(const ast::Stack &s, const ast::Block &blk, int layer,
                        Value x);
  Value emitNorm(const ast::Norm &n, int layer, Value x, int64_t width);
  Value linear(Value x, const ast::Linear &l, int layer, int64_t out,
               int64_t in, bool bias);
  /// The parameter `tmpl` + `suffix` ({i} = `layer`): an xf.param in an
  /// entry, an argument of the layer function being built.
  Value param(const std::string &tmpl, const std::string &suffix, int layer,
              ArrayRef<int64_t> shape, Location l, bool transposed = false);
  /// Queries, keys and values of attention block `blk` (queries from `xq`,
  /// keys and values from `kv`), [B, L, heads·width] each: three
  /// projections, or slices of the one fused `qkv` projection.
  std::tuple<Value, Value, Value> project(const ast::Block &blk, int layer,
                                          Value xq, Value kv, int64_t d);
  /// Columns [offset, offset + size) of a [B, L, N] tensor.
  Value sliceLast(Value t, int64_t offset, int64_t size, Location l);
  /// Applies layer `layer` of stack `s` to `x`: a call of the stack's layer
  /// function, built on first use.
  Value callLayer(const ast::Stack &s, int layer, Value x, Value ids,
                  bool plain);
  /// Whether the function being built lacks stack `s`'s optional inputs
  /// (attention masks, position ids: generate_encode takes only token
  /// ids), so padding comes from `ids == pad_id` and positions from 0.
  bool plainInputs(const ast::Stack &s) const {
    for (const std::string *in :
         {&s.attentionMask, &s.positionIds, &s.memoryMask, &s.tokenTypes})
      if (!in->empty() && !values.count(*in))
        return true;
    return false;
  }
  /// The generation entries of stack `s` (docs/language.md): for a stack
  /// with memory `generate_encode`, which runs the memory's stack and fills
  /// the cross-attention caches; then `generate_step`, which runs the new
  /// tokens over the self-attention caches.
  void emitGenerateEncode(const ast::Stack &s);
  void emitGenerateStep(const ast::Stack &s);
  /// Attention of the new tokens `xq` in a generation step: self-attention
  /// writes their keys and values into the layer's caches and attends over
  /// the cache; cross-attention reads the caches `generate_encode` filled.
  Value emitCachedAttention(const ast::Stack &s, const ast::Block &blk,
                            int layer, Value xq);
  /// A cache type: [B, Hkv, d, capacity] for keys (stored transposed, as
  /// the attention kernel reads them), [B, Hkv, capacity, d] for values.
  RankedTensorType cacheType(int64_t heads, int64_t width, bool isKey);
  /// Q, K or V heads: [B, L, heads·width] → [B, heads, L, width].
  Value splitHeads(Value t, Value batch, Value len, int64_t heads,
                   int64_t width, Location l);
  /// Appends an argument of `type` named `name`, a state tensor when
  /// `state`, to the function being built.
  Value addArgument(func::FuncOp f, Type type, StringRef name, bool state,
                    Location l);
  Value dim(Value v, int64_t i, Location l);
  Value transpose(Value v, ArrayRef<int64_t> perm, Location l);
  Value reshape(Value v, ArrayRef<int64_t> shape, ArrayRef<Value> dyn,
                Location l);
  static std::string expand(const std::string &tmpl, int layer);
  /// Whether stack `s`'s layers rotate by its position_ids input.
  static bool rotaryPositions(const ast::Stack &s) {
    return s.positions == ast::Positions::Rotary && !s.positionIds.empty();
  }
  /// Stack `s`'s output projection of `x`, with its bias.
  Value outputProjection(const ast::Stack &s, Value x);

  /// Records the first user error (a weight used with two shapes); the
  /// IR built meanwhile stays valid and is dropped.
  void fail(Location l, std::string message);
  /// Checks that weight `name` is used with one shape everywhere.
  void checkShape(const std::string &name, Value known, ArrayRef<int64_t> shape,
                  Location l);

  MLIRContext &ctx;
  const ast::Model &model;
  OpBuilder b;
  std::optional<ast::Error> error;
  func::FuncOp fn;
  std::map<std::string, Value> values, params;

  /// A function holding one layer of a stack; its parameters are arguments
  /// (x, ids, [memory, memory_ids], then one per parameter in first-use
  /// order), so N layers cost one body and N calls.
  struct LayerFn {
    func::FuncOp fn;
    unsigned numFixed = 0;
    /// (name, shape, location, stored transposed) per parameter argument.
    std::vector<std::tuple<std::string, SmallVector<int64_t>, Location, bool>>
        params;
    std::map<std::string, Value> args;
    Value memory, memoryIds;
    Value positions; ///< the stack's position_ids (rotary positions)
    /// Whether padding masks read the attention mask (0 blocks) instead
    /// of token ids: for self- and for cross-attention.
    bool selfMask = false, memoryMask = false;
    // Generation steps: each row's cache length before the step, the
    // layer's caches, and the self-attention caches' new values.
    Value past, selfKey, selfValue, crossKey, crossValue;
    SmallVector<Value> updated;
  };
  std::map<std::string, LayerFn> layerFns; ///< by function name
  LayerFn *building = nullptr;             ///< the layer function being built
};

} // namespace

RankedTensorType ModelGen::cacheType(int64_t heads, int64_t width,
                                    bool isKey) {
  return isKey ? tensor({kDyn, heads, width, kDyn}, f32())
               : tensor({kDyn, heads, kDyn, width}, f32());
}

Value ModelGen::splitHeads(Value t, Value batch, Value len, int64_t heads,
                           int64_t width, Location l) {
  Value r = reshape(t, {kDyn, kDyn, heads, width}, {batch, len}, l);
  return transpose(r, {0, 2, 1, 3}, l);
}

Value ModelGen::addArgument(func::FuncOp f, Type type, StringRef name,
                            bool state, Location l) {
  unsigned index = f.getNumArguments();
  (void)f.insertArgument(index, type, {}, l);
  f.setArgAttr(index, mlir::xf::XfDialect::getNameAttrName(),
               b.getStringAttr(name));
  if (state)
    f.setArgAttr(index, mlir::xf::XfDialect::getStateAttrName(),
                 b.getStringAttr(name));
  return f.getArgument(index);
}

std::string ModelGen::expand(const std::string &tmpl, int layer) {
  std::string s = tmpl;
  for (size_t p = s.find("{i}"); p != std::string::npos; p = s.find("{i}", p))
    s.replace(p, 3, std::to_string(layer));
  return s;
}

RankedTensorType ModelGen::valueType(const std::string &name) {
  for (const ast::Stack &s : model.stacks) {
    if (s.input == name || s.memoryIds == name || s.attentionMask == name ||
        s.positionIds == name || s.tokenTypes == name || s.memoryMask == name)
      return tensor({kDyn, kDyn}, b.getI64Type());
    if (s.output == name)
      return tensor({kDyn, kDyn, s.projection ? s.vocab : s.dModel}, f32());
    if (!s.pooledOutput.empty() && s.pooledOutput == name)
      return tensor({kDyn, s.dModel}, f32());
  }
  llvm_unreachable("Sema checked every entry value");
}

void ModelGen::fail(Location l, std::string message) {
  if (error)
    return;
  error.emplace();
  if (auto at = dyn_cast<FileLineColLoc>(l))
    error->loc = {at.getFilename().str(), at.getLine(), at.getColumn()};
  error->message = std::move(message);
}

void ModelGen::checkShape(const std::string &name, Value known,
                          ArrayRef<int64_t> shape, Location l) {
  ArrayRef<int64_t> had = cast<RankedTensorType>(known.getType()).getShape();
  if (had == shape)
    return;
  auto text = [](ArrayRef<int64_t> dims) {
    std::string t = "[";
    for (size_t k = 0; k < dims.size(); ++k)
      t += (k ? ", " : "") + std::to_string(dims[k]);
    return t + "]";
  };
  fail(l, "weight '" + name + "' is used here as " + text(shape) +
              " but elsewhere as " + text(had) +
              " (two parameters named alike?)");
}

Value ModelGen::param(const std::string &tmpl, const std::string &suffix,
                      int layer, ArrayRef<int64_t> shape, Location l,
                      bool transposed) {
  if (building) {
    std::string key = tmpl + suffix;
    auto it = building->args.find(key);
    if (it != building->args.end()) {
      checkShape(key, it->second, shape, l);
      for (auto &[name, had, at, wasTransposed] : building->params)
        if (name == key && wasTransposed != transposed)
          fail(l, "weight '" + key + "' is read in both layouts, [in, out] "
                  "and [out, in]");
      if (!error)
        return it->second;
      // Else a fresh argument of the asked shape keeps the IR valid until
      // the module is dropped.
    }
    unsigned index = building->fn.getNumArguments();
    (void)building->fn.insertArgument(index, tensor(shape, f32()), {}, l);
    Value arg = building->fn.getArgument(index);
    building->params.emplace_back(key, SmallVector<int64_t>(shape), l,
                                  transposed);
    building->args[key] = arg;
    return arg;
  }
  std::string name = expand(tmpl + suffix, layer);
  auto it = params.find(name);
  if (it != params.end()) {
    checkShape(name, it->second, shape, l);
    if (it->second.getDefiningOp<mlir::xf::ParamOp>().getTransposed() !=
        transposed)
      fail(l, "weight '" + name + "' is read in both layouts, [in, out] and "
              "[out, in]");
    if (!error)
      return it->second;
  }
  // Parameters live at the top of the entry so every use sees them.
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&fn.getBody().front());
  Value v = mlir::xf::ParamOp::create(b, l, tensor(shape, f32()), name,
                                      transposed);
  params[name] = v;
  return v;
}

Value ModelGen::sliceLast(Value t, int64_t offset, int64_t size, Location l) {
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                       b.getIndexAttr(offset)};
  SmallVector<OpFoldResult> sizes = {dim(t, 0, l), dim(t, 1, l),
                                     b.getIndexAttr(size)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, l, tensor({kDyn, kDyn, size}, f32()),
                                        t, offsets, sizes, strides);
}

std::tuple<Value, Value, Value> ModelGen::project(const ast::Block &blk,
                                                  int layer, Value xq,
                                                  Value kv, int64_t d) {
  const int64_t q = blk.heads * blk.dK, k = blk.kvHeads * blk.dK,
                v = blk.kvHeads * blk.dV;
  if (!blk.fusedQkv)
    return {linear(xq, blk.query, layer, q, d, blk.bias),
            linear(kv, blk.key, layer, k, d, blk.bias),
            linear(kv, blk.value, layer, v, d, blk.bias)};
  // x · [Wq; Wk; Wv]ᵀ, then its columns split: self-attention only.
  Location l = loc(blk.qkv.loc);
  Value all = linear(xq, blk.qkv, layer, q + k + v, d, blk.bias);
  return {sliceLast(all, 0, q, l), sliceLast(all, q, k, l),
          sliceLast(all, q + k, v, l)};
}

Value ModelGen::dim(Value v, int64_t i, Location l) {
  return tensor::DimOp::create(b, l, v, i);
}

Value ModelGen::transpose(Value v, ArrayRef<int64_t> perm, Location l) {
  return mlir::xf::TransposeOp::create(b, l, v, perm);
}

Value ModelGen::reshape(Value v, ArrayRef<int64_t> shape, ArrayRef<Value> dyn,
                        Location l) {
  return mlir::xf::ReshapeOp::create(b, l, tensor(shape, f32()), v, dyn);
}

Value ModelGen::linear(Value x, const ast::Linear &lin, int layer, int64_t out,
                       int64_t in, bool bias) {
  Location l = loc(lin.loc);
  // nn.Linear stores W as [out, in] and computes x · Wᵀ; a Conv1D stores
  // W as [in, out], which the param reads transposed.
  Value w = param(lin.name, ".weight", layer, {out, in}, l, lin.transposed);
  Value y = mlir::xf::MatmulOp::create(b, l, x, transpose(w, {1, 0}, l), false,
                                       false);
  if (bias)
    y = mlir::xf::AddOp::create(b, l, y,
                                param(lin.name, ".bias", layer, {out}, l));
  return y;
}

Value ModelGen::emitNorm(const ast::Norm &n, int layer, Value x,
                         int64_t width) {
  Location l = loc(n.loc);
  Value weight, bias;
  if (n.affine) {
    weight = param(n.name, ".weight", layer, {width}, l);
    if (n.kind == ast::NormKind::Layer)
      bias = param(n.name, ".bias", layer, {width}, l);
  }
  FloatAttr eps = b.getF32FloatAttr(static_cast<float>(n.eps));
  if (n.kind == ast::NormKind::Layer)
    return mlir::xf::LayerNormOp::create(b, l, x, weight, bias, eps);
  return mlir::xf::RmsNormOp::create(b, l, x, weight, eps);
}

Value ModelGen::emitAttention(const ast::Stack &s, const ast::Block &blk,
                              int layer, Value xq, Value kv, Value kvIds) {
  Location l = loc(blk.loc);
  const int64_t h = blk.heads, hkv = blk.kvHeads, g = h / hkv;
  const int64_t dk = blk.dK, dv = blk.dV, d = s.dModel;
  Value batch = dim(xq, 0, l), lq = dim(xq, 1, l), lk = dim(kv, 1, l);

  // 1. Projections, then heads split: view(B, L, H, d).transpose(1, 2).
  auto [q, k, v] = project(blk, layer, xq, kv, d);
  auto split = [&](Value t, Value len, int64_t heads, int64_t width) {
    Value r = reshape(t, {kDyn, kDyn, heads, width}, {batch, len}, l);
    return transpose(r, {0, 2, 1, 3}, l);
  };
  Value qh = split(q, lq, h, dk), kh = split(k, lk, hkv, dk),
        vh = split(v, lk, hkv, dv);
  if (s.positions == ast::Positions::Rotary) {
    FloatAttr base = b.getF32FloatAttr(static_cast<float>(s.ropeBase));
    Value positions = building ? building->positions : Value();
    qh = mlir::xf::RopeOp::create(b, l, qh, positions, base);
    kh = mlir::xf::RopeOp::create(b, l, kh, positions, base);
  }
  // Grouped queries: [B, Hkv, G, L, d] against keys/values [B, Hkv, 1, L, d];
  // matmul broadcasts the group dim (query head i uses key head i / G).
  const bool grouped = g > 1;
  if (grouped) {
    qh = reshape(qh, {kDyn, hkv, g, kDyn, dk}, {batch, lq}, l);
    kh = reshape(kh, {kDyn, hkv, 1, kDyn, dk}, {batch, lk}, l);
    vh = reshape(vh, {kDyn, hkv, 1, kDyn, dv}, {batch, lk}, l);
  }
  const int64_t rank = grouped ? 5 : 4;

  // 2. scores = Q · Kᵀ / sqrt(d_k).
  SmallVector<int64_t> swapLast = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(swapLast[rank - 1], swapLast[rank - 2]);
  Value scores = mlir::xf::MatmulOp::create(
      b, l, qh, transpose(kh, swapLast, l), false, false);
  scores = mlir::xf::ScaleOp::create(
      b, l, scores,
      b.getF32FloatAttr(static_cast<float>(1.0 / std::sqrt(double(dk)))));

  // 3. Masks: true = blocked; scores there become -1e9.
  Value mask;
  if (blk.maskPadding) {
    // kvIds: the keys' token ids, or an attention mask (0 blocks).
    bool fromMask = blk.kind == ast::BlockKind::SelfAttention
                        ? building->selfMask
                        : building->memoryMask;
    mask = mlir::xf::PaddingMaskOp::create(b, l, kvIds,
                                           fromMask ? 0 : s.padId); // [B,1,Lk]
  }
  if (blk.maskCausal) {
    Value causal = mlir::xf::CausalMaskOp::create(b, l, lq, lk); // [Lq,Lk]
    mask = mask ? Value(mlir::xf::OrOp::create(b, l, mask, causal)) : causal;
  }
  if (mask) {
    // Give the mask a head dim (and a group dim) of 1 so it broadcasts.
    auto mt = cast<RankedTensorType>(mask.getType());
    if (mt.getRank() == 3) {
      SmallVector<int64_t> shape = {kDyn, 1};
      if (grouped)
        shape.push_back(1);
      SmallVector<Value> dyn = {batch};
      if (mt.isDynamicDim(1)) {
        shape.push_back(kDyn);
        dyn.push_back(lq);
      } else {
        shape.push_back(mt.getDimSize(1));
      }
      shape.push_back(kDyn);
      dyn.push_back(lk);
      mask = mlir::xf::ReshapeOp::create(b, l, tensor(shape, b.getI1Type()),
                                         mask, dyn);
    }
    scores = mlir::xf::MaskedFillOp::create(
        b, l, scores, mask, b.getF32FloatAttr(::xf::kMaskValue));
  }

  // 4. softmax over the keys, then P · V.
  Value probs = mlir::xf::SoftmaxOp::create(b, l, scores, rank - 1);
  Value context = mlir::xf::MatmulOp::create(b, l, probs, vh, false, false);

  // 5. Merge heads: transpose(1, 2).reshape(B, L, H * d_v), then `out`.
  Value merged = grouped
                     ? transpose(context, {0, 3, 1, 2, 4}, l) // [B,Lq,Hkv,G,dv]
                     : transpose(context, {0, 2, 1, 3}, l);   // [B,Lq,H,dv]
  merged = reshape(merged, {kDyn, kDyn, h * dv}, {batch, lq}, l);
  return linear(merged, blk.out, layer, d, h * dv, blk.bias);
}

Value ModelGen::emitFeedForward(const ast::Stack &s, const ast::Block &blk,
                                int layer, Value x) {
  Location l = loc(blk.loc);
  const int64_t d = s.dModel, ff = blk.dFF;
  Value up = linear(x, blk.up, layer, ff, d, blk.bias);
  Value hidden;
  switch (blk.activation) {
  case ast::Activation::Relu:
    hidden = mlir::xf::ReluOp::create(b, l, up);
    break;
  case ast::Activation::Gelu:
  case ast::Activation::GeluTanh:
    hidden = mlir::xf::GeluOp::create(
        b, l, up, blk.activation == ast::Activation::GeluTanh);
    break;
  case ast::Activation::Silu:
    hidden = mlir::xf::SiluOp::create(b, l, up);
    break;
  case ast::Activation::SwiGlu: {
    Value gate = linear(x, blk.gate, layer, ff, d, blk.bias);
    hidden =
        mlir::xf::MulOp::create(b, l, mlir::xf::SiluOp::create(b, l, gate), up);
    break;
  }
  }
  return linear(hidden, blk.down, layer, d, ff, blk.bias);
}

Value ModelGen::emitBlock(const ast::Stack &s, const ast::Block &blk, int layer,
                          Value x, Value ids) {
  Location l = loc(blk.loc);
  auto sublayer = [&](Value in) -> Value {
    // In a generation step layer, attention runs over the caches.
    if (building && building->past && blk.kind != ast::BlockKind::FeedForward)
      return emitCachedAttention(s, blk, layer, in);
    switch (blk.kind) {
    case ast::BlockKind::SelfAttention:
      return emitAttention(s, blk, layer, in, in, ids);
    case ast::BlockKind::CrossAttention:
      return emitAttention(s, blk, layer, in, building->memory,
                           building->memoryIds);
    case ast::BlockKind::FeedForward:
      return emitFeedForward(s, blk, layer, in);
    }
    llvm_unreachable("unknown block kind");
  };
  if (blk.order == ast::NormOrder::Post) {
    // LayerNorm(sublayer(x) + x).
    Value sum = mlir::xf::AddOp::create(b, l, sublayer(x), x);
    return emitNorm(blk.norm, layer, sum, s.dModel);
  }
  // x + sublayer(Norm(x)).
  Value y = sublayer(emitNorm(blk.norm, layer, x, s.dModel));
  return mlir::xf::AddOp::create(b, l, x, y);
}

Value ModelGen::outputProjection(const ast::Stack &s, Value x) {
  if (s.projectionBiasName.empty())
    return linear(x, *s.projection, 0, s.vocab, s.dModel, s.projectionBias);
  Value y = linear(x, *s.projection, 0, s.vocab, s.dModel, false);
  Location l = loc(s.projection->loc);
  return mlir::xf::AddOp::create(
      b, l, y, param(s.projectionBiasName, "", 0, {1, s.vocab}, l));
}

Value ModelGen::embed(const ast::Stack &s, Value ids) {
  Location l = loc(s.embedding.loc);
  Value table = param(s.embedding.name, ".weight", 0, {s.vocab, s.dModel}, l);
  Value x = mlir::xf::EmbeddingOp::create(b, l, table, ids);
  if (s.embeddingScale)
    x = mlir::xf::ScaleOp::create(
        b, l, x,
        b.getF32FloatAttr(static_cast<float>(std::sqrt(double(s.dModel)))));
  return x;
}

Value ModelGen::emitStack(const ast::Stack &s, bool withProjection) {
  Value ids = compute(s.input);
  Value x = embed(s, ids);
  const bool plain = plainInputs(s);
  if (!s.tokenTypes.empty() && plain) {
    fail(loc(s.loc), "stack '" + s.name + "' needs its token_types input '" +
                         s.tokenTypes + "', which generate_encode does not "
                         "take");
  } else if (!s.tokenTypes.empty()) {
    Location tl = loc(s.tokenTypeEmbedding.loc);
    Value table = param(s.tokenTypeEmbedding.name, ".weight", 0,
                        {s.typeVocab, s.dModel}, tl);
    x = mlir::xf::AddOp::create(
        b, tl, x,
        mlir::xf::EmbeddingOp::create(b, tl, table, compute(s.tokenTypes)));
  }

  Location pl = loc(s.positionsLoc);
  Value pe;
  Value len = dim(ids, 1, pl);
  // Each token's position: given per row, or 0, 1, ..., len - 1.
  Value positionIds =
      s.positionIds.empty() || plain ? Value() : compute(s.positionIds);
  if (s.positions == ast::Positions::Sinusoidal) {
    pe = positionIds ? Value(mlir::xf::SinusoidOp::create(b, pl, positionIds,
                                                           s.dModel))
                     : Value(mlir::xf::SinusoidTableOp::create(b, pl, len,
                                                               s.dModel));
  } else if (s.positions == ast::Positions::Learned) {
    Value wpe = param(s.positionEmbedding.name, ".weight", 0,
                      {s.maxLen, s.dModel}, loc(s.positionEmbedding.loc));
    pe = mlir::xf::EmbeddingOp::create(
        b, pl, wpe,
        positionIds ? positionIds
                    : Value(mlir::xf::ArangeOp::create(b, pl, len)));
  }
  if (pe && s.sequenceFirstPositions) {
    // The notes' pos_emb(x.transpose(0, 1)).transpose(0, 1): x is
    // [S, B, D] while the [S, 1, D] table rows are added.
    Value pe3 = reshape(pe, {kDyn, 1, s.dModel}, {len}, pl);
    Value xt = transpose(x, {1, 0, 2}, pl);
    x = transpose(mlir::xf::AddOp::create(b, pl, xt, pe3), {1, 0, 2}, pl);
  } else if (pe) {
    x = mlir::xf::AddOp::create(b, pl, x, pe);
  }
  if (s.embeddingNorm)
    x = emitNorm(*s.embeddingNorm, 0, x, s.dModel);

  // The padding masks read the attention mask where the stack has one.
  Value keyIds =
      s.attentionMask.empty() || plain ? ids : compute(s.attentionMask);
  for (int layer = 0; layer < s.layers; ++layer)
    x = callLayer(s, layer, x, keyIds, plain);

  if (s.finalNorm)
    x = emitNorm(*s.finalNorm, 0, x, s.dModel);
  if (s.projection && withProjection)
    x = outputProjection(s, x);
  return x;
}

Value ModelGen::callLayer(const ast::Stack &s, int layer, Value x, Value ids,
                          bool plain) {
  Location l = loc(s.loc);
  // Entries without the stack's optional inputs get a variant of the
  // layer function that masks by token ids and counts positions from 0.
  std::string name = s.name + (plain ? "_layer_by_ids" : "_layer");
  const bool positions = rotaryPositions(s) && !plain;
  auto it = layerFns.find(name);
  if (it == layerFns.end()) {
    // Build `@<stack>_layer` once, after the current entry.
    LayerFn fnInfo;
    fnInfo.selfMask = !s.attentionMask.empty() && !plain;
    fnInfo.memoryMask = !s.memoryMask.empty() && !plain;
    SmallVector<Type> inputs = {x.getType(), ids.getType()};
    if (!s.memory.empty()) {
      inputs.push_back(valueType(s.memory));
      inputs.push_back(valueType(s.memoryIds));
    }
    if (positions)
      inputs.push_back(valueType(s.positionIds));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(fn);
    fnInfo.fn = func::FuncOp::create(b, l, name,
                                     b.getFunctionType(inputs, x.getType()));
    fnInfo.fn.setPrivate();
    fnInfo.numFixed = inputs.size();
    Block *body = fnInfo.fn.addEntryBlock();
    if (!s.memory.empty()) {
      fnInfo.memory = body->getArgument(2);
      fnInfo.memoryIds = body->getArgument(3);
    }
    if (positions)
      fnInfo.positions = body->getArgument(fnInfo.numFixed - 1);
    it = layerFns.emplace(name, std::move(fnInfo)).first;
    building = &it->second;
    b.setInsertionPointToEnd(body);
    Value y = body->getArgument(0);
    for (const ast::Block &blk : s.blocks)
      y = emitBlock(s, blk, /*layer=*/0, y, body->getArgument(1));
    func::ReturnOp::create(b, l, y);
    building = nullptr;
  }
  LayerFn &info = it->second;
  SmallVector<Value> args = {x, ids};
  if (!s.memory.empty()) {
    args.push_back(compute(s.memory));
    // Cross-attention's padding mask reads the memory's attention mask,
    // or its token ids.
    args.push_back(compute(plain || s.memoryMask.empty() ? s.memoryIds
                                                         : s.memoryMask));
  }
  if (positions)
    args.push_back(compute(s.positionIds));
  for (auto &[key, shape, ploc, transposed] : info.params)
    args.push_back(param(key, "", layer, shape, ploc, transposed));
  return func::CallOp::create(b, l, info.fn, args).getResult(0);
}

Value ModelGen::emitCachedAttention(const ast::Stack &s, const ast::Block &blk,
                                    int layer, Value xq) {
  Location l = loc(blk.loc);
  const bool cross = blk.kind == ast::BlockKind::CrossAttention;
  const int64_t h = blk.heads, hkv = blk.kvHeads, g = h / hkv;
  const int64_t dk = blk.dK, dv = blk.dV, d = s.dModel;
  Value batch = dim(xq, 0, l), lq = dim(xq, 1, l);
  Value past = building->past;
  Value qProj, kProj, vProj;
  if (cross)
    qProj = linear(xq, blk.query, layer, h * dk, d, blk.bias);
  else
    std::tie(qProj, kProj, vProj) = project(blk, layer, xq, xq, d);
  Value qh = splitHeads(qProj, batch, lq, h, dk, l);
  Value positions;
  FloatAttr base = b.getF32FloatAttr(static_cast<float>(s.ropeBase));
  if (s.positions == ast::Positions::Rotary) {
    positions = mlir::xf::PositionsOp::create(b, l, past, lq);
    qh = mlir::xf::RopeOp::create(b, l, qh, positions, base);
  }
  // Kᵀ [B, Hkv, dk, Lk] and V [B, Hkv, Lk, dv] over the cache.
  Value keysT, values;
  if (cross) {
    // The source's keys and values, computed once by generate_encode.
    Value srcLen = dim(building->memoryIds, 1, l);
    auto slice = [&](Value cache, int64_t width, bool isKey) -> Value {
      SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = {batch, b.getIndexAttr(hkv),
                                         b.getIndexAttr(width), srcLen};
      if (!isKey)
        std::swap(sizes[2], sizes[3]);
      SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
      return tensor::ExtractSliceOp::create(b, l, cacheType(hkv, width, isKey),
                                            cache, offsets, sizes, strides);
    };
    keysT = slice(building->crossKey, dk, true);
    values = slice(building->crossValue, dv, false);
  } else {
    // The new tokens' keys and values go into the cache at each row's
    // length; attention reads the cache.
    Value kh = splitHeads(kProj, batch, lq, hkv, dk, l);
    Value vh = splitHeads(vProj, batch, lq, hkv, dv, l);
    if (positions)
      kh = mlir::xf::RopeOp::create(b, l, kh, positions, base);
    keysT = mlir::xf::CacheWriteOp::create(b, l, transpose(kh, {0, 1, 3, 2}, l),
                                           building->selfKey, past, 3);
    values = mlir::xf::CacheWriteOp::create(b, l, vh, building->selfValue,
                                            past, 2);
    building->updated = {keysT, values};
  }
  Value lk = dim(keysT, 3, l);
  const bool grouped = g > 1;
  if (grouped) {
    qh = reshape(qh, {kDyn, hkv, g, kDyn, dk}, {batch, lq}, l);
    keysT = reshape(keysT, {kDyn, hkv, 1, dk, kDyn}, {batch, lk}, l);
    values = reshape(values, {kDyn, hkv, 1, kDyn, dv}, {batch, lk}, l);
  }
  const int64_t rank = grouped ? 5 : 4;
  Value scores = mlir::xf::MatmulOp::create(b, l, qh, keysT, false, false);
  scores = mlir::xf::ScaleOp::create(
      b, l, scores,
      b.getF32FloatAttr(static_cast<float>(1.0 / std::sqrt(double(dk)))));
  // Masks with a head dim (and a group dim) of 1: the source's padding for
  // cross-attention; for self-attention the causal mask placed after each
  // row's cache, which also blocks the cache rows past its length.
  SmallVector<int64_t> shape = {kDyn, 1};
  if (grouped)
    shape.push_back(1);
  Value mask;
  SmallVector<Value> dyn = {batch};
  if (cross) {
    if (blk.maskPadding)
      mask = mlir::xf::PaddingMaskOp::create(b, l, building->memoryIds,
                                             s.padId);
    shape.push_back(1);
  } else {
    mask = mlir::xf::CausalMaskOp::create(b, l, lq, lk, past);
    shape.push_back(kDyn);
    dyn.push_back(lq);
  }
  shape.push_back(kDyn);
  dyn.push_back(lk);
  if (mask) {
    mask = mlir::xf::ReshapeOp::create(b, l, tensor(shape, b.getI1Type()), mask,
                                       dyn);
    scores = mlir::xf::MaskedFillOp::create(
        b, l, scores, mask, b.getF32FloatAttr(::xf::kMaskValue));
  }
  Value probs = mlir::xf::SoftmaxOp::create(b, l, scores, rank - 1);
  Value context = mlir::xf::MatmulOp::create(b, l, probs, values, false, false);
  Value merged = grouped ? transpose(context, {0, 3, 1, 2, 4}, l)
                         : transpose(context, {0, 2, 1, 3}, l);
  merged = reshape(merged, {kDyn, kDyn, h * dv}, {batch, lq}, l);
  return linear(merged, blk.out, layer, d, h * dv, blk.bias);
}

void ModelGen::emitGenerateEncode(const ast::Stack &s) {
  const ast::Stack *source = model.findStackProducing(s.memory);
  Location l = loc(s.generation->loc);
  values.clear();
  params.clear();
  fn = func::FuncOp::create(b, l, "generate_encode",
                            b.getFunctionType({valueType(source->input)}, {}));
  Block *body = fn.addEntryBlock();
  fn.setArgAttr(0, mlir::xf::XfDialect::getNameAttrName(),
                b.getStringAttr(source->input));
  values[source->input] = body->getArgument(0);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(body);
  Value memory = compute(s.memory);
  SmallVector<Value> results = {memory};
  SmallVector<std::string> names = {s.memory};
  Value batch = dim(memory, 0, l), len = dim(memory, 1, l);
  for (int layer = 0; layer < s.layers; ++layer)
    for (const ast::Block &blk : s.blocks) {
      if (blk.kind != ast::BlockKind::CrossAttention)
        continue;
      Location bl = loc(blk.loc);
      const int64_t hkv = blk.kvHeads, dk = blk.dK, dv = blk.dV;
      std::string suffix = "." + std::to_string(layer);
      Value keyCache = addArgument(fn, cacheType(hkv, dk, true),
                                   "cross_key" + suffix, true, bl);
      Value valueCache = addArgument(fn, cacheType(hkv, dv, false),
                                     "cross_value" + suffix, true, bl);
      Value kh = splitHeads(
          linear(memory, blk.key, layer, hkv * dk, s.dModel, blk.bias), batch,
          len, hkv, dk, bl);
      Value vh = splitHeads(
          linear(memory, blk.value, layer, hkv * dv, s.dModel, blk.bias),
          batch, len, hkv, dv, bl);
      if (s.positions == ast::Positions::Rotary)
        kh = mlir::xf::RopeOp::create(
            b, bl, kh, b.getF32FloatAttr(static_cast<float>(s.ropeBase)));
      results.push_back(mlir::xf::CacheWriteOp::create(
          b, bl, transpose(kh, {0, 1, 3, 2}, bl), keyCache, Value(), 3));
      results.push_back(
          mlir::xf::CacheWriteOp::create(b, bl, vh, valueCache, Value(), 2));
      names.push_back("cross_key" + suffix);
      names.push_back("cross_value" + suffix);
    }
  func::ReturnOp::create(b, l, results);
  fn.setFunctionType(
      b.getFunctionType(body->getArgumentTypes(), ValueRange(results).getTypes()));
  fn.setResultAttr(0, mlir::xf::XfDialect::getNameAttrName(),
                   b.getStringAttr(s.memory));
  for (size_t r = 1; r < results.size(); ++r)
    fn.setResultAttr(r, mlir::xf::XfDialect::getStateAttrName(),
                     b.getStringAttr(names[r]));
}

void ModelGen::emitGenerateStep(const ast::Stack &s) {
  Location l = loc(s.generation->loc);
  values.clear();
  params.clear();
  auto ids = tensor({kDyn, kDyn}, b.getI64Type());
  fn = func::FuncOp::create(b, l, "generate_step", b.getFunctionType({}, {}));
  fn.addEntryBlock();
  Value tokens = addArgument(fn, ids, s.input, false, l);
  Value past = addArgument(fn, tensor({kDyn}, b.getI64Type()), "past", false, l);
  Value memoryIds;
  if (!s.memory.empty())
    memoryIds = addArgument(fn, ids, s.memoryIds, false, l);
  // One cache pair per layer for each kind of attention it has.
  bool hasCross = false;
  const ast::Block *self = nullptr, *cross = nullptr;
  for (const ast::Block &blk : s.blocks) {
    if (blk.kind == ast::BlockKind::SelfAttention)
      self = &blk;
    if (blk.kind == ast::BlockKind::CrossAttention)
      cross = &blk;
  }
  hasCross = cross != nullptr;
  struct Caches {
    Value selfKey, selfValue, crossKey, crossValue;
  };
  std::vector<Caches> caches(s.layers);
  for (int layer = 0; layer < s.layers; ++layer) {
    std::string suffix = "." + std::to_string(layer);
    if (self) {
      caches[layer].selfKey = addArgument(
          fn, cacheType(self->kvHeads, self->dK, true), "self_key" + suffix,
          true, l);
      caches[layer].selfValue = addArgument(
          fn, cacheType(self->kvHeads, self->dV, false), "self_value" + suffix,
          true, l);
    }
    if (hasCross) {
      caches[layer].crossKey = addArgument(
          fn, cacheType(cross->kvHeads, cross->dK, true), "cross_key" + suffix,
          true, l);
      caches[layer].crossValue = addArgument(
          fn, cacheType(cross->kvHeads, cross->dV, false),
          "cross_value" + suffix, true, l);
    }
  }
  Block *body = &fn.getBody().front();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(body);

  // Embeddings of the new tokens at their positions past[b] + t.
  Value x = embed(s, tokens);
  Location pl = loc(s.positionsLoc);
  if (s.positions == ast::Positions::Sinusoidal ||
      s.positions == ast::Positions::Learned) {
    Value positions =
        mlir::xf::PositionsOp::create(b, pl, past, dim(tokens, 1, pl));
    Value pe =
        s.positions == ast::Positions::Sinusoidal
            ? Value(mlir::xf::SinusoidOp::create(b, pl, positions, s.dModel))
            : Value(mlir::xf::EmbeddingOp::create(
                  b, pl,
                  param(s.positionEmbedding.name, ".weight", 0,
                        {s.maxLen, s.dModel}, loc(s.positionEmbedding.loc)),
                  positions));
    x = mlir::xf::AddOp::create(b, pl, x, pe);
  }
  if (s.embeddingNorm)
    x = emitNorm(*s.embeddingNorm, 0, x, s.dModel);

  // The layers: one function `<stack>_step_layer` called per layer with
  // that layer's caches; it returns the new self-attention caches.
  SmallVector<Value> updated;
  SmallVector<std::string> updatedNames;
  LayerFn info;
  SmallVector<Type> inputs = {x.getType(), past.getType()};
  if (memoryIds)
    inputs.push_back(memoryIds.getType());
  SmallVector<Type> cacheTypes;
  if (self) {
    cacheTypes.push_back(caches[0].selfKey.getType());
    cacheTypes.push_back(caches[0].selfValue.getType());
  }
  if (hasCross) {
    cacheTypes.push_back(caches[0].crossKey.getType());
    cacheTypes.push_back(caches[0].crossValue.getType());
  }
  inputs.append(cacheTypes);
  SmallVector<Type> outputs = {x.getType()};
  if (self) {
    outputs.push_back(cacheTypes[0]);
    outputs.push_back(cacheTypes[1]);
  }
  {
    OpBuilder::InsertionGuard layerGuard(b);
    b.setInsertionPointAfter(fn);
    info.fn = func::FuncOp::create(b, l, s.name + "_step_layer",
                                   b.getFunctionType(inputs, outputs));
    info.fn.setPrivate();
    info.numFixed = inputs.size();
    Block *lb = info.fn.addEntryBlock();
    unsigned a = 0;
    Value y = lb->getArgument(a++);
    info.past = lb->getArgument(a++);
    if (memoryIds)
      info.memoryIds = lb->getArgument(a++);
    if (self) {
      info.selfKey = lb->getArgument(a++);
      info.selfValue = lb->getArgument(a++);
    }
    if (hasCross) {
      info.crossKey = lb->getArgument(a++);
      info.crossValue = lb->getArgument(a++);
    }
    building = &info;
    b.setInsertionPointToEnd(lb);
    for (const ast::Block &blk : s.blocks)
      y = emitBlock(s, blk, /*layer=*/0, y, /*ids=*/Value());
    SmallVector<Value> rets = {y};
    rets.append(info.updated.begin(), info.updated.end());
    func::ReturnOp::create(b, l, rets);
    building = nullptr;
  }
  for (int layer = 0; layer < s.layers; ++layer) {
    SmallVector<Value> args = {x, past};
    if (memoryIds)
      args.push_back(memoryIds);
    Caches &c = caches[layer];
    for (Value v : {c.selfKey, c.selfValue, c.crossKey, c.crossValue})
      if (v)
        args.push_back(v);
    for (auto &[key, shape, ploc, transposed] : info.params)
      args.push_back(param(key, "", layer, shape, ploc, transposed));
    auto call = func::CallOp::create(b, l, info.fn, args);
    x = call.getResult(0);
    if (self) {
      std::string suffix = "." + std::to_string(layer);
      updated.push_back(call.getResult(1));
      updated.push_back(call.getResult(2));
      updatedNames.push_back("self_key" + suffix);
      updatedNames.push_back("self_value" + suffix);
    }
  }
  if (s.finalNorm)
    x = emitNorm(*s.finalNorm, 0, x, s.dModel);
  if (s.projection)
    x = outputProjection(s, x);
  SmallVector<Value> results = {x};
  results.append(updated.begin(), updated.end());
  func::ReturnOp::create(b, l, results);
  fn.setFunctionType(b.getFunctionType(body->getArgumentTypes(),
                                       ValueRange(results).getTypes()));
  fn.setResultAttr(0, mlir::xf::XfDialect::getNameAttrName(),
                   b.getStringAttr(s.output));
  for (size_t r = 1; r < results.size(); ++r)
    fn.setResultAttr(r, mlir::xf::XfDialect::getStateAttrName(),
                     b.getStringAttr(updatedNames[r - 1]));
}

Value ModelGen::compute(const std::string &name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  Value v;
  if (const ast::Stack *s = model.findStackPooling(name)) {
    // BERT's pooler: tanh(dense(x[:, 0])) over the stack's hidden states.
    Value x = s->projection ? emitStack(*s, /*withProjection=*/false)
                            : compute(s->output);
    Location l = loc(s->pooler->loc);
    SmallVector<OpFoldResult> offsets(3, b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = {dim(x, 0, l), b.getIndexAttr(1),
                                       b.getIndexAttr(s->dModel)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    Value first = tensor::ExtractSliceOp::create(
        b, l, tensor({kDyn, 1, s->dModel}, f32()), x, offsets, sizes, strides);
    first = reshape(first, {kDyn, s->dModel}, {dim(x, 0, l)}, l);
    v = mlir::xf::TanhOp::create(
        b, l, linear(first, *s->pooler, 0, s->dModel, s->dModel, true));
  } else {
    const ast::Stack *producer = model.findStackProducing(name);
    assert(producer && "Sema checked that every value is computable");
    v = emitStack(*producer);
  }
  values[name] = v;
  return v;
}

void ModelGen::emitEntry(const ast::EntryPoint &ep) {
  values.clear();
  params.clear();
  SmallVector<Type> inputs;
  for (const std::string &in : ep.inputs)
    inputs.push_back(valueType(in));
  RankedTensorType result = valueType(ep.output);
  fn = func::FuncOp::create(b, loc(ep.loc), ep.name,
                            b.getFunctionType(inputs, result));
  // Names of inputs and the output, for tools and the manifest.
  for (auto [i, in] : llvm::enumerate(ep.inputs))
    fn.setArgAttr(i, mlir::xf::XfDialect::getNameAttrName(),
                  b.getStringAttr(in));
  fn.setResultAttr(0, mlir::xf::XfDialect::getNameAttrName(),
                   b.getStringAttr(ep.output));
  Block *body = fn.addEntryBlock();
  for (auto [i, in] : llvm::enumerate(ep.inputs))
    values[in] = body->getArgument(i);

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(body);
  Value out = compute(ep.output);
  func::ReturnOp::create(b, loc(ep.loc), out);
}

OwningOpRef<ModuleOp> ModelGen::run() {
  OwningOpRef<ModuleOp> module =
      ModuleOp::create(loc(model.loc), StringRef(model.name));
  b.setInsertionPointToEnd(module->getBody());
  for (const ast::EntryPoint &ep : model.entries)
    emitEntry(ep);
  if (const ast::Stack *s = model.generatingStack()) {
    if (!s->memory.empty())
      emitGenerateEncode(*s);
    emitGenerateStep(*s);
  }
  if (error || failed(verify(*module)))
    return nullptr;
  return module;
}

namespace xf {
OwningOpRef<ModuleOp> mlirGen(MLIRContext &context, const ast::Model &model,
                              ast::Error *error) {
  context.loadDialect<mlir::xf::XfDialect, func::FuncDialect,
                      arith::ArithDialect, tensor::TensorDialect>();
  ModelGen gen(context, model);
  OwningOpRef<ModuleOp> module = gen.run();
  if (gen.userError() && error)
    *error = *gen.userError();
  return module;
}
} // namespace xf
