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
  Value emitStack(const ast::Stack &s);
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
              ArrayRef<int64_t> shape, Location l);
  /// Applies layer `layer` of stack `s` to `x`: a call of the stack's layer
  /// function, built on first use.
  Value callLayer(const ast::Stack &s, int layer, Value x, Value ids);
  Value dim(Value v, int64_t i, Location l);
  Value transpose(Value v, ArrayRef<int64_t> perm, Location l);
  Value reshape(Value v, ArrayRef<int64_t> shape, ArrayRef<Value> dyn,
                Location l);
  static std::string expand(const std::string &tmpl, int layer);

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
  const ast::EntryPoint *entry = nullptr;
  func::FuncOp fn;
  std::map<std::string, Value> values, params;

  /// A function holding one layer of a stack; its parameters are arguments
  /// (x, ids, [memory, memory_ids], then one per parameter in first-use
  /// order), so N layers cost one body and N calls.
  struct LayerFn {
    func::FuncOp fn;
    unsigned numFixed = 0;
    std::vector<std::tuple<std::string, SmallVector<int64_t>, Location>> params;
    std::map<std::string, Value> args;
    Value memory, memoryIds;
  };
  std::map<std::string, LayerFn> layerFns; ///< by stack name
  LayerFn *building = nullptr;             ///< the layer function being built
};

} // namespace

std::string ModelGen::expand(const std::string &tmpl, int layer) {
  std::string s = tmpl;
  for (size_t p = s.find("{i}"); p != std::string::npos; p = s.find("{i}", p))
    s.replace(p, 3, std::to_string(layer));
  return s;
}

RankedTensorType ModelGen::valueType(const std::string &name) {
  for (const ast::Stack &s : model.stacks) {
    if (s.input == name || s.memoryIds == name)
      return tensor({kDyn, kDyn}, b.getI64Type());
    if (s.output == name)
      return tensor({kDyn, kDyn, s.projection ? s.vocab : s.dModel}, f32());
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
                      int layer, ArrayRef<int64_t> shape, Location l) {
  if (building) {
    std::string key = tmpl + suffix;
    auto it = building->args.find(key);
    if (it != building->args.end()) {
      checkShape(key, it->second, shape, l);
      if (!error)
        return it->second;
      // Else a fresh argument of the asked shape keeps the IR valid until
      // the module is dropped.
    }
    unsigned index = building->fn.getNumArguments();
    (void)building->fn.insertArgument(index, tensor(shape, f32()), {}, l);
    Value arg = building->fn.getArgument(index);
    building->params.emplace_back(key, SmallVector<int64_t>(shape), l);
    building->args[key] = arg;
    return arg;
  }
  std::string name = expand(tmpl + suffix, layer);
  auto it = params.find(name);
  if (it != params.end()) {
    checkShape(name, it->second, shape, l);
    if (!error)
      return it->second;
  }
  // Parameters live at the top of the entry so every use sees them.
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&fn.getBody().front());
  Value v = mlir::xf::ParamOp::create(b, l, tensor(shape, f32()), name);
  params[name] = v;
  return v;
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
  // nn.Linear stores W as [out, in] and computes x · Wᵀ.
  Value w = param(lin.name, ".weight", layer, {out, in}, l);
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
  Value q = linear(xq, blk.query, layer, h * dk, d, blk.bias);
  Value k = linear(kv, blk.key, layer, hkv * dk, d, blk.bias);
  Value v = linear(kv, blk.value, layer, hkv * dv, d, blk.bias);
  auto split = [&](Value t, Value len, int64_t heads, int64_t width) {
    Value r = reshape(t, {kDyn, kDyn, heads, width}, {batch, len}, l);
    return transpose(r, {0, 2, 1, 3}, l);
  };
  Value qh = split(q, lq, h, dk), kh = split(k, lk, hkv, dk),
        vh = split(v, lk, hkv, dv);
  if (s.positions == ast::Positions::Rotary) {
    FloatAttr base = b.getF32FloatAttr(static_cast<float>(s.ropeBase));
    qh = mlir::xf::RopeOp::create(b, l, qh, base);
    kh = mlir::xf::RopeOp::create(b, l, kh, base);
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
  if (blk.maskPadding)
    mask = mlir::xf::PaddingMaskOp::create(b, l, kvIds, s.padId); // [B,1,Lk]
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
    switch (blk.kind) {
    case ast::BlockKind::SelfAttention:
      return emitAttention(s, blk, layer, in, in, ids);
    case ast::BlockKind::CrossAttention:
      return building ? emitAttention(s, blk, layer, in, building->memory,
                                      building->memoryIds)
                      : emitAttention(s, blk, layer, in, compute(s.memory),
                                      compute(s.memoryIds));
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

Value ModelGen::emitStack(const ast::Stack &s) {
  Location l = loc(s.embedding.loc);
  Value ids = compute(s.input);
  Value table = param(s.embedding.name, ".weight", 0, {s.vocab, s.dModel}, l);
  Value x = mlir::xf::EmbeddingOp::create(b, l, table, ids);
  if (s.embeddingScale)
    x = mlir::xf::ScaleOp::create(
        b, l, x,
        b.getF32FloatAttr(static_cast<float>(std::sqrt(double(s.dModel)))));

  Location pl = loc(s.positionsLoc);
  Value pe;
  Value len = dim(ids, 1, pl);
  if (s.positions == ast::Positions::Sinusoidal) {
    pe = mlir::xf::SinusoidTableOp::create(b, pl, len, s.dModel);
  } else if (s.positions == ast::Positions::Learned) {
    Value wpe = param(s.positionEmbedding.name, ".weight", 0,
                      {s.maxLen, s.dModel}, loc(s.positionEmbedding.loc));
    pe = mlir::xf::EmbeddingOp::create(b, pl, wpe,
                                       mlir::xf::ArangeOp::create(b, pl, len));
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

  for (int layer = 0; layer < s.layers; ++layer)
    x = callLayer(s, layer, x, ids);

  if (s.finalNorm)
    x = emitNorm(*s.finalNorm, 0, x, s.dModel);
  if (s.projection)
    x = linear(x, *s.projection, 0, s.vocab, s.dModel, s.projectionBias);
  return x;
}

Value ModelGen::callLayer(const ast::Stack &s, int layer, Value x, Value ids) {
  Location l = loc(s.loc);
  auto it = layerFns.find(s.name);
  if (it == layerFns.end()) {
    // Build `@<stack>_layer` once, after the current entry.
    LayerFn fnInfo;
    SmallVector<Type> inputs = {x.getType(), ids.getType()};
    if (!s.memory.empty()) {
      inputs.push_back(valueType(s.memory));
      inputs.push_back(valueType(s.memoryIds));
    }
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(fn);
    fnInfo.fn = func::FuncOp::create(b, l, s.name + "_layer",
                                     b.getFunctionType(inputs, x.getType()));
    fnInfo.fn.setPrivate();
    fnInfo.numFixed = inputs.size();
    Block *body = fnInfo.fn.addEntryBlock();
    if (!s.memory.empty()) {
      fnInfo.memory = body->getArgument(2);
      fnInfo.memoryIds = body->getArgument(3);
    }
    it = layerFns.emplace(s.name, std::move(fnInfo)).first;
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
    args.push_back(compute(s.memoryIds));
  }
  for (auto &[key, shape, ploc] : info.params)
    args.push_back(param(key, "", layer, shape, ploc));
  return func::CallOp::create(b, l, info.fn, args).getResult(0);
}

Value ModelGen::compute(const std::string &name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  const ast::Stack *s = model.findStackProducing(name);
  assert(s && "Sema checked that every value is computable");
  Value v = emitStack(*s);
  values[name] = v;
  return v;
}

void ModelGen::emitEntry(const ast::EntryPoint &ep) {
  entry = &ep;
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
