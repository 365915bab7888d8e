//===- XfOps.cpp - Operations of the xf dialect ---------------------------===//
//
// Result type inference (which is also where shape errors are reported),
// verifiers, folders and canonicalizations of the `xf` ops.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/XfOps.h"
#include "dialect/IR/XfShapes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xf;

#define GET_OP_CLASSES
#include "dialect/IR/XfOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Returns the ranked tensor type of `v`, or emits an error naming the
/// operand. Inference runs before the ODS constraints when parsing, so it may
/// see any type.
static FailureOr<RankedTensorType> rankedType(std::optional<Location> loc,
                                              Value v, StringRef what) {
  auto type = dyn_cast_or_null<RankedTensorType>(v ? v.getType() : Type());
  if (!type)
    return emitOptionalError(loc, what, " must be a ranked tensor");
  return type;
}

/// Returns `adaptor` with complete properties: the generated parsers infer
/// result types before they move the parsed attr-dict into properties and
/// before defaults are filled in, so inference that reads attributes takes
/// them from the dictionary and the defaults from ODS. On a built op this is
/// the identity.
template <typename OpTy>
static FailureOr<typename OpTy::Adaptor>
completeAdaptor(MLIRContext *ctx, typename OpTy::Adaptor adaptor,
                std::optional<Location> loc) {
  typename OpTy::Properties props = adaptor.getProperties();
  DictionaryAttr dict = adaptor.getAttributes();
  if (dict && !dict.empty()) {
    auto emitErr = [&] {
      return mlir::emitError(loc ? *loc : UnknownLoc::get(ctx));
    };
    if (failed(OpTy::setPropertiesFromAttr(props, dict, emitErr)))
      return failure();
  }
  OpTy::populateDefaultProperties(OperationName(OpTy::getOperationName(), ctx),
                                  props);
  return typename OpTy::Adaptor(adaptor.getOperands(), dict, props);
}

/// Reports a required attribute missing before inference dereferences it.
static LogicalResult requireAttr(std::optional<Location> loc, Attribute attr,
                                 StringRef name) {
  if (attr)
    return success();
  return emitOptionalError(loc, "requires attribute '", name, "'");
}

static RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type elementType) {
  return RankedTensorType::get(shape, elementType);
}

static Type f32(MLIRContext *ctx) { return Float32Type::get(ctx); }

/// Whether two possibly dynamic sizes can be equal.
static bool compatibleDims(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

/// Shared inference of the ops whose result has the type of their input.
static LogicalResult inferSameAsInput(std::optional<Location> loc, Value input,
                                      SmallVectorImpl<Type> &inferred) {
  auto type = rankedType(loc, input, "input");
  if (failed(type))
    return failure();
  inferred.push_back(*type);
  return success();
}

/// Shared inference of broadcasting binary ops.
static LogicalResult inferBroadcast(std::optional<Location> loc, Value lhs,
                                    Value rhs,
                                    SmallVectorImpl<Type> &inferred) {
  auto lt = rankedType(loc, lhs, "lhs");
  auto rt = rankedType(loc, rhs, "rhs");
  if (failed(lt) || failed(rt))
    return failure();
  SmallVector<int64_t> shape;
  std::string reason;
  if (failed(broadcastShapes(lt->getShape(), rt->getShape(), shape, reason)))
    return emitOptionalError(loc, reason);
  inferred.push_back(tensorOf(shape, lt->getElementType()));
  return success();
}

/// Checks an optional per-feature vector (norm weight or bias) against the
/// normalized (last) dim of the input.
static LogicalResult checkFeatureVector(std::optional<Location> loc,
                                        RankedTensorType input, Value vec,
                                        StringRef what) {
  if (!vec)
    return success();
  auto type = rankedType(loc, vec, what);
  if (failed(type))
    return failure();
  int64_t last = input.getShape().back();
  if (type->getRank() != 1 ||
      (!type->isDynamicDim(0) && !ShapedType::isDynamic(last) &&
       type->getDimSize(0) != last))
    return emitOptionalError(
        loc, what, " must be tensor<",
        ShapedType::isDynamic(last) ? "?" : std::to_string(last),
        "xf32> to match the last dim of the input, found ", *type);
  return success();
}

//===----------------------------------------------------------------------===//
// ParamOp
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty parameter name");
  if (!getResult().getType().getElementType().isF32() &&
      getResult().getType().getRank() != 2)
    return emitOpError("parameter '")
           << getName() << "' in reduced precision must be 2-D, found "
           << getResult().getType();
  if (getTransposed() && getResult().getType().getRank() != 2)
    return emitOpError("parameter '")
           << getName() << "' read transposed must be 2-D, found "
           << getResult().getType();
  if (!getResult().getType().hasStaticShape())
    return emitOpError("parameter '")
           << getName() << "' must have a static shape, found "
           << getResult().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp, SinusoidTableOp, ArangeOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto table = rankedType(loc, adaptor.getTable(), "table");
  auto ids = rankedType(loc, adaptor.getIds(), "ids");
  if (failed(table) || failed(ids))
    return failure();
  if (table->getRank() != 2)
    return emitOptionalError(loc, "table must have rank 2 [rows, dim], found ",
                             *table);
  SmallVector<int64_t> shape(ids->getShape());
  shape.push_back(table->getDimSize(1));
  inferred.push_back(tensorOf(shape, table->getElementType()));
  return success();
}

LogicalResult
SinusoidTableOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                  Adaptor parsed,
                                  SmallVectorImpl<Type> &inferred) {
  auto adaptor = completeAdaptor<SinusoidTableOp>(ctx, parsed, loc);
  if (failed(adaptor) ||
      failed(requireAttr(loc, adaptor->getProperties().dim, "dim")))
    return failure();
  int64_t dim = adaptor->getDimAttr().getInt();
  if (dim <= 0 || dim % 2 != 0)
    return emitOptionalError(loc, "dim must be positive and even, found ", dim);
  inferred.push_back(tensorOf({ShapedType::kDynamic, dim}, f32(ctx)));
  return success();
}

/// Checks a per-row vector (`offsets`: [batch]) against a batch dim.
static LogicalResult checkRowVector(std::optional<Location> loc, Value vec,
                                    int64_t batch, StringRef what) {
  auto type = rankedType(loc, vec, what);
  if (failed(type))
    return failure();
  if (type->getRank() != 1 ||
      (!type->isDynamicDim(0) && !ShapedType::isDynamic(batch) &&
       type->getDimSize(0) != batch))
    return emitOptionalError(loc, what, " must be a vector of batch size ",
                             formatShape({batch}), ", found shape ",
                             formatShape(type->getShape()));
  return success();
}

LogicalResult PositionsOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  if (failed(checkRowVector(loc, adaptor.getOffsets(), ShapedType::kDynamic,
                            "offsets")))
    return failure();
  auto offsets = cast<RankedTensorType>(adaptor.getOffsets().getType());
  inferred.push_back(tensorOf({offsets.getDimSize(0), ShapedType::kDynamic},
                              IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult SinusoidOp::inferReturnTypes(MLIRContext *ctx,
                                           std::optional<Location> loc,
                                           Adaptor parsed,
                                           SmallVectorImpl<Type> &inferred) {
  auto adaptor = completeAdaptor<SinusoidOp>(ctx, parsed, loc);
  if (failed(adaptor) ||
      failed(requireAttr(loc, adaptor->getProperties().dim, "dim")))
    return failure();
  auto positions = rankedType(loc, adaptor->getPositions(), "positions");
  if (failed(positions))
    return failure();
  int64_t dim = adaptor->getDimAttr().getInt();
  if (dim <= 0 || dim % 2 != 0)
    return emitOptionalError(loc, "dim must be positive and even, found ", dim);
  SmallVector<int64_t> shape(positions->getShape());
  shape.push_back(dim);
  inferred.push_back(tensorOf(shape, f32(ctx)));
  return success();
}

LogicalResult ArangeOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  inferred.push_back(
      tensorOf({ShapedType::kDynamic}, IntegerType::get(ctx, 64)));
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor parsed,
                                         SmallVectorImpl<Type> &inferred) {
  auto adaptor = completeAdaptor<MatmulOp>(ctx, parsed, loc);
  if (failed(adaptor))
    return failure();
  auto lhs = rankedType(loc, adaptor->getLhs(), "lhs");
  auto rhs = rankedType(loc, adaptor->getRhs(), "rhs");
  if (failed(lhs) || failed(rhs))
    return failure();
  SmallVector<int64_t> shape;
  std::string reason;
  if (failed(matmulShape(lhs->getShape(), rhs->getShape(),
                         adaptor->getTransposeA(), adaptor->getTransposeB(),
                         shape, reason)))
    return emitOptionalError(loc, reason);
  RankedTensorType result = tensorOf(shape, lhs->getElementType());
  if (failed(checkFeatureVector(loc, result, adaptor->getBias(), "bias")))
    return failure();
  inferred.push_back(result);
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizedLinearOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizedLinearOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor parsed,
    SmallVectorImpl<Type> &inferred) {
  auto adaptor = completeAdaptor<QuantizedLinearOp>(ctx, parsed, loc);
  if (failed(adaptor))
    return failure();
  auto input = rankedType(loc, adaptor->getInput(), "input");
  auto weight = rankedType(loc, adaptor->getWeight(), "weight");
  if (failed(input) || failed(weight))
    return failure();
  if (weight->getRank() != 2 || !weight->hasStaticShape())
    return emitOptionalError(loc, "weight must be a static [N, K] tensor, found ",
                             *weight);
  if (input->getRank() < 2)
    return emitOptionalError(loc, "input must have rank >= 2, found ", *input);
  int64_t k = input->getDimSize(input->getRank() - 1);
  if (k != weight->getDimSize(1))
    return emitOptionalError(loc, "input has ", k,
                             " features but the weight's rows have ",
                             weight->getDimSize(1));
  SmallVector<int64_t> shape(input->getShape());
  shape.back() = weight->getDimSize(0);
  RankedTensorType result = tensorOf(shape, input->getElementType());
  bool isInt8 = weight->getElementType().isInteger(8);
  Value scales = adaptor->getScales();
  if (isInt8 != static_cast<bool>(scales))
    return emitOptionalError(loc, isInt8 ? "an i8 weight needs scales"
                                         : "a bf16 weight takes no scales");
  if (scales) {
    auto type = rankedType(loc, scales, "scales");
    if (failed(type))
      return failure();
    int64_t n = weight->getDimSize(0);
    if (type->getRank() != 2 || type->getDimSize(0) != 2 ||
        type->getDimSize(1) != n)
      return emitOptionalError(loc, "scales must be tensor<2x", n,
                               "xf32> (the weight's row scales and sums of "
                               "q), found ",
                               *type);
  }
  if (failed(checkFeatureVector(loc, result, adaptor->getBias(), "bias")))
    return failure();
  inferred.push_back(result);
  return success();
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor parsed,
                                            SmallVectorImpl<Type> &inferred) {
  auto adaptor = completeAdaptor<TransposeOp>(ctx, parsed, loc);
  if (failed(adaptor) ||
      failed(requireAttr(loc, adaptor->getProperties().permutation,
                         "permutation")))
    return failure();
  auto input = rankedType(loc, adaptor->getInput(), "input");
  if (failed(input))
    return failure();
  ArrayRef<int64_t> perm = adaptor->getPermutation();
  int64_t rank = input->getRank();
  if (static_cast<int64_t>(perm.size()) != rank)
    return emitOptionalError(loc, "permutation has ", perm.size(),
                             " entries but the input has rank ", rank);
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return emitOptionalError(
          loc, "permutation [",
          llvm::join(llvm::map_range(
                         perm, [](int64_t x) { return std::to_string(x); }),
                     ", "),
          "] is not a permutation of 0..", rank - 1);
    seen[p] = true;
    shape.push_back(input->getDimSize(p));
  }
  inferred.push_back(tensorOf(shape, input->getElementType()));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  // transpose(x, identity) -> x.
  if (llvm::equal(getPermutation(),
                  llvm::seq<int64_t>(0, getPermutation().size())))
    return getInput();
  // transpose(transpose(x, inner), outer) -> transpose(x, inner ∘ outer):
  // result dim i is x's dim inner[outer[i]].
  auto producer = getInput().getDefiningOp<TransposeOp>();
  if (!producer)
    return {};
  ArrayRef<int64_t> inner = producer.getPermutation();
  SmallVector<int64_t> composed;
  for (int64_t p : getPermutation())
    composed.push_back(inner[p]);
  if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())))
    return producer.getInput();
  setPermutation(composed);
  getInputMutable().assign(producer.getInput());
  return getResult();
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  if (static_cast<int64_t>(getDynamicDims().size()) != out.getNumDynamicDims())
    return emitOpError("result type ")
           << out << " has " << out.getNumDynamicDims() << " dynamic dims but "
           << getDynamicDims().size() << " sizes are given";
  if (in.getElementType() != out.getElementType())
    return emitOpError("changes the element type from ")
           << in.getElementType() << " to " << out.getElementType();
  if (in.hasStaticShape() && out.hasStaticShape() &&
      in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << in.getNumElements() << " elements (" << in << ") into "
           << out.getNumElements() << " (" << out << ")";
  return success();
}

/// Whether `size` is `tensor.dim %source, index`.
static bool isDimOf(Value size, Value source, int64_t index) {
  auto dim = size.getDefiningOp<tensor::DimOp>();
  if (!dim || dim.getSource() != source)
    return false;
  std::optional<int64_t> i = dim.getConstantIndex();
  return i && *i == index;
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  // An identity reshape: same type, and every dynamic size is the input's own.
  if (in == out) {
    bool identity = true;
    unsigned next = 0;
    for (int64_t i = 0; i < out.getRank() && identity; ++i)
      if (out.isDynamicDim(i))
        identity = isDimOf(getDynamicDims()[next++], getInput(), i);
    if (identity)
      return getInput();
  }
  // reshape(reshape(x)) -> reshape(x): only the final shape matters.
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

#define XF_BROADCAST_INFERENCE(OP)                                             \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,          \
      SmallVectorImpl<Type> &inferred) {                                       \
    return inferBroadcast(loc, adaptor.getLhs(), adaptor.getRhs(), inferred);  \
  }
XF_BROADCAST_INFERENCE(AddOp)
XF_BROADCAST_INFERENCE(SubOp)
XF_BROADCAST_INFERENCE(MulOp)
XF_BROADCAST_INFERENCE(DivOp)
XF_BROADCAST_INFERENCE(OrOp)
#undef XF_BROADCAST_INFERENCE

#define XF_SAME_AS_INPUT_INFERENCE(OP)                                         \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,          \
      SmallVectorImpl<Type> &inferred) {                                       \
    return inferSameAsInput(loc, adaptor.getInput(), inferred);                \
  }
XF_SAME_AS_INPUT_INFERENCE(ScaleOp)
XF_SAME_AS_INPUT_INFERENCE(ReluOp)
XF_SAME_AS_INPUT_INFERENCE(SiluOp)
XF_SAME_AS_INPUT_INFERENCE(TanhOp)
XF_SAME_AS_INPUT_INFERENCE(GeluOp)
#undef XF_SAME_AS_INPUT_INFERENCE

OpFoldResult ScaleOp::fold(FoldAdaptor) {
  if (getFactor().isExactlyValue(1.0))
    return getInput();
  return {};
}

LogicalResult ScaleOp::canonicalize(ScaleOp op, PatternRewriter &rewriter) {
  // scale(scale(x, a), b) -> scale(x, a*b).
  auto producer = op.getInput().getDefiningOp<ScaleOp>();
  if (!producer || producer == op) // (a graph region may hold a cycle)
    return rewriter.notifyMatchFailure(op, "input is not another scale");
  float factor =
      producer.getFactor().convertToFloat() * op.getFactor().convertToFloat();
  rewriter.replaceOpWithNewOp<ScaleOp>(op, producer.getInput(),
                                       rewriter.getF32FloatAttr(factor));
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor parsed,
                                          SmallVectorImpl<Type> &inferred) {
  auto adaptor = completeAdaptor<SoftmaxOp>(ctx, parsed, loc);
  if (failed(adaptor) ||
      failed(requireAttr(loc, adaptor->getProperties().axis, "axis")))
    return failure();
  auto input = rankedType(loc, adaptor->getInput(), "input");
  if (failed(input))
    return failure();
  int64_t axis = adaptor->getAxisAttr().getInt();
  if (axis < 0 || axis >= input->getRank())
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                             input->getRank(), " (expected 0..",
                             input->getRank() - 1, ")");
  inferred.push_back(*input);
  return success();
}

/// Shared by the norms: the input's type, once the per-feature vectors and
/// the residual agree with it.
static LogicalResult inferNorm(std::optional<Location> loc, Value input,
                               Value weight, Value bias, Value residual,
                               SmallVectorImpl<Type> &inferred) {
  auto type = rankedType(loc, input, "input");
  if (failed(type))
    return failure();
  if (type->getRank() < 1)
    return emitOptionalError(loc, "input must have rank >= 1");
  if (failed(checkFeatureVector(loc, *type, weight, "weight")) ||
      failed(checkFeatureVector(loc, *type, bias, "bias")))
    return failure();
  if (residual) {
    auto res = rankedType(loc, residual, "residual");
    if (failed(res))
      return failure();
    if (failed(verifyCompatibleShape(*res, *type)))
      return emitOptionalError(loc, "residual ", *res,
                               " must have the shape of the input ", *type);
  }
  inferred.push_back(*type);
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  return inferNorm(loc, adaptor.getInput(), adaptor.getWeight(),
                   adaptor.getBias(), adaptor.getResidual(), inferred);
}

LogicalResult RmsNormOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  return inferNorm(loc, adaptor.getInput(), adaptor.getWeight(), Value(),
                   Value(), inferred);
}

LogicalResult RopeOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  auto input = rankedType(loc, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  if (input->getRank() < 2)
    return emitOptionalError(loc,
                             "input must have rank >= 2 [..., L, D], "
                             "found ",
                             *input);
  int64_t d = input->getShape().back();
  if (!ShapedType::isDynamic(d) && d % 2 != 0)
    return emitOptionalError(loc, "the rotated dim must be even, found ", d);
  if (Value positions = adaptor.getPositions()) {
    auto type = rankedType(loc, positions, "positions");
    if (failed(type))
      return failure();
    int64_t rank = input->getRank();
    if (rank < 3 || type->getRank() != 2 ||
        !compatibleDims(type->getDimSize(0), input->getDimSize(0)) ||
        !compatibleDims(type->getDimSize(1), input->getDimSize(rank - 2)))
      return emitOptionalError(
          loc, "positions must be [batch, length] of an input [batch, ..., "
               "length, dim] of rank >= 3, found positions ",
          formatShape(type->getShape()), " for an input ",
          formatShape(input->getShape()));
  }
  inferred.push_back(*input);
  return success();
}

//===----------------------------------------------------------------------===//
// CacheWriteOp
//===----------------------------------------------------------------------===//

LogicalResult CacheWriteOp::inferReturnTypes(MLIRContext *ctx,
                                             std::optional<Location> loc,
                                             Adaptor parsed,
                                             SmallVectorImpl<Type> &inferred) {
  auto adaptor = completeAdaptor<CacheWriteOp>(ctx, parsed, loc);
  if (failed(adaptor) ||
      failed(requireAttr(loc, adaptor->getProperties().axis, "axis")))
    return failure();
  auto rows = rankedType(loc, adaptor->getRows(), "rows");
  auto cache = rankedType(loc, adaptor->getCache(), "cache");
  if (failed(rows) || failed(cache))
    return failure();
  int64_t rank = cache->getRank(), axis = adaptor->getAxisAttr().getInt();
  if (rank < 2 || axis < 1 || axis >= rank)
    return emitOptionalError(loc, "axis must be a non-batch dim of the cache "
                                  "(1 <= axis < ",
                             rank, "), found ", axis);
  bool same = rows->getRank() == rank;
  for (int64_t k = 0; same && k < rank; ++k)
    same = k == axis || compatibleDims(rows->getDimSize(k), cache->getDimSize(k));
  if (!same)
    return emitOptionalError(loc, "rows ", formatShape(rows->getShape()),
                             " must match the cache ",
                             formatShape(cache->getShape()),
                             " in every dim but the axis ", axis);
  if (Value offsets = adaptor->getOffsets())
    if (failed(checkRowVector(loc, offsets, cache->getDimSize(0), "offsets")))
      return failure();
  inferred.push_back(*cache);
  return success();
}

//===----------------------------------------------------------------------===//
// Masks
//===----------------------------------------------------------------------===//

LogicalResult PaddingMaskOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  auto ids = rankedType(loc, adaptor.getIds(), "ids");
  if (failed(ids))
    return failure();
  if (ids->getRank() != 2)
    return emitOptionalError(
        loc, "ids must have rank 2 [batch, length], found ", *ids);
  inferred.push_back(tensorOf({ids->getDimSize(0), 1, ids->getDimSize(1)},
                              IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult CausalMaskOp::inferReturnTypes(MLIRContext *ctx,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  SmallVector<int64_t> shape = {ShapedType::kDynamic, ShapedType::kDynamic};
  if (Value offsets = adaptor.getOffsets()) {
    if (failed(checkRowVector(loc, offsets, ShapedType::kDynamic, "offsets")))
      return failure();
    shape.insert(shape.begin(),
                 cast<RankedTensorType>(offsets.getType()).getDimSize(0));
  }
  inferred.push_back(tensorOf(shape, IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult MaskedFillOp::inferReturnTypes(MLIRContext *ctx,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  auto input = rankedType(loc, adaptor.getInput(), "input");
  auto mask = rankedType(loc, adaptor.getMask(), "mask");
  if (failed(input) || failed(mask))
    return failure();
  if (!isBroadcastableTo(mask->getShape(), input->getShape()))
    return emitOptionalError(loc, "mask of shape ",
                             formatShape(mask->getShape()),
                             " does not broadcast to the input shape ",
                             formatShape(input->getShape()));
  inferred.push_back(*input);
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

namespace {
/// The logical dims of a 4-D attention operand, read through its layout.
struct AttentionDims {
  int64_t batch, heads, length, width;
};
} // namespace

static AttentionDims readDims(RankedTensorType t, Layout layout) {
  ArrayRef<int64_t> s = t.getShape();
  switch (layout) {
  case Layout::BHSD:
    return {s[0], s[1], s[2], s[3]};
  case Layout::BSHD:
    return {s[0], s[2], s[1], s[3]};
  case Layout::BHDS:
    return {s[0], s[1], s[3], s[2]};
  }
  llvm_unreachable("unknown layout");
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor parsed,
                                            SmallVectorImpl<Type> &inferred) {
  auto parsedOr = completeAdaptor<AttentionOp>(ctx, parsed, loc);
  if (failed(parsedOr))
    return failure();
  Adaptor adaptor = *parsedOr;
  auto q = rankedType(loc, adaptor.getQuery(), "query");
  auto k = rankedType(loc, adaptor.getKey(), "key");
  auto v = rankedType(loc, adaptor.getValue(), "value");
  if (failed(q) || failed(k) || failed(v))
    return failure();
  for (auto [name, type] : {std::pair<StringRef, RankedTensorType>{"query", *q},
                            {"key", *k},
                            {"value", *v}})
    if (type.getRank() != 4)
      return emitOptionalError(loc, name, " must have rank 4, found ", type);
  for (auto [name, layout] :
       {std::pair<StringRef, Layout>{"q_layout", adaptor.getQLayout()},
        {"v_layout", adaptor.getVLayout()},
        {"out_layout", adaptor.getOutLayout()}})
    if (layout == Layout::BHDS)
      return emitOptionalError(loc, name,
                               " must be bhsd or bshd; only the key may be "
                               "stored transposed (bhds)");

  AttentionDims qd = readDims(*q, adaptor.getQLayout());
  AttentionDims kd = readDims(*k, adaptor.getKLayout());
  AttentionDims vd = readDims(*v, adaptor.getVLayout());
  if (!compatibleDims(qd.batch, kd.batch) || !compatibleDims(qd.batch, vd.batch))
    return emitOptionalError(loc, "batch sizes differ: query ", *q, ", key ",
                             *k, ", value ", *v);
  if (!compatibleDims(qd.width, kd.width))
    return emitOptionalError(loc, "query and key head widths differ (",
                             formatShape({qd.width}), " vs ",
                             formatShape({kd.width}), ")");
  if (!compatibleDims(kd.length, vd.length))
    return emitOptionalError(loc, "key and value lengths differ (",
                             formatShape({kd.length}), " vs ",
                             formatShape({vd.length}), ")");
  if (!compatibleDims(kd.heads, vd.heads))
    return emitOptionalError(loc, "key and value head counts differ (",
                             formatShape({kd.heads}), " vs ",
                             formatShape({vd.heads}), ")");
  if (!ShapedType::isDynamic(qd.heads) && !ShapedType::isDynamic(kd.heads) &&
      (kd.heads <= 0 || qd.heads % kd.heads != 0))
    return emitOptionalError(loc, "key heads (", kd.heads,
                             ") must divide query heads (", qd.heads, ")");

  if (Value ids = adaptor.getKeyIds()) {
    auto idsType = rankedType(loc, ids, "key_ids");
    if (failed(idsType))
      return failure();
    if (idsType->getRank() != 2 ||
        !compatibleDims(idsType->getDimSize(0), qd.batch) ||
        !compatibleDims(idsType->getDimSize(1), kd.length))
      return emitOptionalError(loc, "key_ids must be [batch, key length] = ",
                               formatShape({qd.batch, kd.length}), ", found ",
                               formatShape(idsType->getShape()));
  }
  if (Value mask = adaptor.getMask()) {
    auto maskType = rankedType(loc, mask, "mask");
    if (failed(maskType))
      return failure();
    SmallVector<int64_t> scores = {qd.batch, qd.heads, qd.length, kd.length};
    if (!isBroadcastableTo(maskType->getShape(), scores))
      return emitOptionalError(
          loc, "mask of shape ", formatShape(maskType->getShape()),
          " does not broadcast to the scores ", formatShape(scores));
  }

  if (Value offsets = adaptor.getQueryOffsets()) {
    if (!adaptor.getCausal())
      return emitOptionalError(loc, "query_offsets needs causal (they place "
                                    "each row's queries after its cache)");
    if (failed(checkRowVector(loc, offsets, qd.batch, "query_offsets")))
      return failure();
  }

  SmallVector<int64_t> shape =
      adaptor.getOutLayout() == Layout::BHSD
          ? SmallVector<int64_t>{qd.batch, qd.heads, qd.length, vd.width}
          : SmallVector<int64_t>{qd.batch, qd.length, qd.heads, vd.width};
  inferred.push_back(tensorOf(shape, q->getElementType()));
  return success();
}
