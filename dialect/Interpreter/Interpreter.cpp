//===- Interpreter.cpp - The reference semantics of the xf ops ------------===//
//
// Evaluates each op of a function in order on host tensors. Reductions
// accumulate in double, so the oracle is at least as accurate as the code it
// checks.
//
//===----------------------------------------------------------------------===//

#include "dialect/Interpreter/Interpreter.h"
#include "dialect/IR/XfOps.h"
#include "dialect/IR/XfShapes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

using namespace mlir;
using namespace mlir::xf;

namespace {

using Shape = std::vector<int64_t>;

Shape rowMajorStrides(const Shape &shape) {
  Shape s(shape.size(), 1);
  for (int64_t k = static_cast<int64_t>(shape.size()) - 2; k >= 0; --k)
    s[k] = s[k + 1] * shape[k + 1];
  return s;
}

/// Strides that read `in` broadcast to `out` (trailing dims aligned; a
/// broadcast dim has stride 0).
Shape broadcastStrides(const Shape &in, const Shape &out) {
  Shape strides(out.size(), 0);
  Shape inStrides = rowMajorStrides(in);
  size_t offset = out.size() - in.size();
  for (size_t k = 0; k < in.size(); ++k)
    strides[offset + k] = in[k] == 1 ? 0 : inStrides[k];
  return strides;
}

/// Calls `f(index)` for every multi-index of `shape`, in row-major order.
template <typename F> void forEachIndex(const Shape &shape, F f) {
  int64_t n = HostTensor::count(shape);
  Shape idx(shape.size(), 0);
  for (int64_t linear = 0; linear < n; ++linear) {
    f(idx);
    for (int64_t k = static_cast<int64_t>(shape.size()) - 1; k >= 0; --k) {
      if (++idx[k] < shape[k])
        break;
      idx[k] = 0;
    }
  }
}

int64_t dot(const Shape &idx, const Shape &strides) {
  int64_t off = 0;
  for (size_t k = 0; k < idx.size(); ++k)
    off += idx[k] * strides[k];
  return off;
}

std::string locString(Location loc) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto fl = dyn_cast<FileLineColLoc>(loc))
    os << fl.getFilename().getValue() << ":" << fl.getLine() << ":"
       << fl.getColumn();
  else
    loc.print(os);
  return s;
}

/// Element `column` of the sinusoidal vector of position `pos`, as PyTorch
/// computes it in f32: angle = p * exp(2i * (-ln(1e4) / dim)).
float sinusoid(int64_t pos, int64_t column, int64_t dim) {
  float factor = static_cast<float>(-std::log(10000.0) / dim);
  float divTerm = std::exp(static_cast<float>(column - column % 2) * factor);
  float angle = static_cast<float>(pos) * divTerm;
  return static_cast<float>(column % 2 ? std::cos(double(angle))
                                       : std::sin(double(angle)));
}

/// The activations as the unfused ops compute them.
double applyActivation(Activation act, double x) {
  switch (act) {
  case Activation::None:
    return x;
  case Activation::Relu:
    return x > 0 ? x : 0.0;
  case Activation::Silu:
    return x / (1.0 + std::exp(-x));
  case Activation::Gelu:
    return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  case Activation::GeluTanh:
    return 0.5 * x *
           (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  }
  return x;
}

/// `x` rounded to the nearest bf16 (ties to even), as an f32.
float roundToBf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  if ((bits & 0x7f800000u) == 0x7f800000u) // inf, NaN: keep (quiet NaN)
    bits &= 0xffff0000u;
  else
    bits = (bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u;
  std::memcpy(&x, &bits, 4);
  return x;
}

/// Quantizes `x[0..k)` symmetrically to integers in [-127, 127] (as floats
/// in `q`), returning the scale max|x| / 127 (0 and all-zero q for a zero
/// row): the rule of xf.param's i8 weights.
float quantizeRow(const float *x, int64_t k, float *q) {
  float amax = 0;
  for (int64_t p = 0; p < k; ++p)
    amax = std::max(amax, std::fabs(x[p]));
  if (amax == 0) {
    std::fill(q, q + k, 0.0f);
    return 0;
  }
  float inv = 127.0f / amax;
  for (int64_t p = 0; p < k; ++p)
    q[p] = std::min(127.0f, std::max(-127.0f, std::nearbyint(x[p] * inv)));
  return amax / 127.0f;
}

/// Quantizes `x[0..k)` asymmetrically as xf.quantized_linear's inputs are:
/// over [lo, hi] = [min(x, 0), max(x, 0)], q in [-128, 127] (as floats in
/// `q`) with zero point `zero`, so that x ≈ scale · (q - zero); returns the
/// scale (0, and q and zero 0, for a zero row).
float quantizeInputRow(const float *x, int64_t k, float *q, float &zero) {
  float lo = 0, hi = 0;
  for (int64_t p = 0; p < k; ++p) {
    lo = std::min(lo, x[p]);
    hi = std::max(hi, x[p]);
  }
  float range = hi - lo;
  zero = 0;
  if (range == 0) {
    std::fill(q, q + k, 0.0f);
    return 0;
  }
  float inv = 255.0f / range;
  zero = std::nearbyint(-lo * inv) - 128.0f;
  for (int64_t p = 0; p < k; ++p)
    q[p] = std::min(127.0f,
                    std::max(-128.0f, std::nearbyint(x[p] * inv) + zero));
  return range / 255.0f;
}

class Evaluator {
public:
  Evaluator(const ParamProvider &params, std::string &error)
      : params(params), error(error) {}

  bool run(func::FuncOp fn, const std::vector<HostTensor> &inputs,
           std::vector<HostTensor> &results);

private:
  bool fail(Operation *op, const std::string &message) {
    error = locString(op->getLoc()) + ": " +
            op->getName().getStringRef().str() + ": " + message;
    return false;
  }
  bool eval(Operation *op);
  const HostTensor &get(Value v) { return tensors.find(v)->second; }
  bool set(Operation *op, HostTensor t);

  bool binary(Operation *op, Value lhs, Value rhs, ElementKind kind,
              double (*f)(double, double));
  bool activation(Operation *op, Value in, Activation act);
  bool evalMatmul(MatmulOp op);
  bool evalQuantizedLinear(QuantizedLinearOp op);
  /// Parameter `name` of `shape` from the provider, or fails `op`.
  /// Parameter `name` of `shape`; when `transposed`, the file holds it as
  /// the transposed [shape[1], shape[0]] tensor.
  std::optional<HostTensor> param(Operation *op, StringRef name,
                                  ArrayRef<int64_t> shape,
                                  bool transposed = false);
  bool evalTranspose(TransposeOp op);
  bool evalReshape(ReshapeOp op);
  bool evalEmbedding(EmbeddingOp op);
  bool evalSoftmax(SoftmaxOp op);
  bool evalNorm(Operation *op, Value in, Value weight, Value bias, float eps,
                bool rms, Value residual = Value());
  bool evalRope(RopeOp op);
  bool evalMaskedFill(MaskedFillOp op);
  bool evalAttention(AttentionOp op);
  bool evalCacheWrite(CacheWriteOp op);
  bool evalExtractSlice(tensor::ExtractSliceOp op);

  const ParamProvider &params;
  std::string &error;
  llvm::DenseMap<Value, HostTensor> tensors;
  llvm::DenseMap<Value, int64_t> indices;
};

} // namespace

bool Evaluator::set(Operation *op, HostTensor t) {
  // Every result must fit its static type.
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  bool ok = type.getRank() == static_cast<int64_t>(t.shape.size());
  for (int64_t k = 0; ok && k < type.getRank(); ++k)
    ok = type.isDynamicDim(k) || type.getDimSize(k) == t.shape[k];
  if (!ok)
    return fail(op, "computed shape " + shapeString(t.shape) +
                        " does not match the result type " +
                        formatShape(type.getShape()));
  tensors[op->getResult(0)] = std::move(t);
  return true;
}

bool Evaluator::binary(Operation *op, Value lhs, Value rhs, ElementKind kind,
                       double (*f)(double, double)) {
  const HostTensor &a = get(lhs), &b = get(rhs);
  SmallVector<int64_t> outShape;
  std::string reason;
  if (failed(broadcastShapes(a.shape, b.shape, outShape, reason)))
    return fail(op, reason);
  Shape out(outShape.begin(), outShape.end());
  Shape sa = broadcastStrides(a.shape, out),
        sb = broadcastStrides(b.shape, out);
  HostTensor r = HostTensor::zeros(kind, out);
  int64_t n = 0;
  forEachIndex(out, [&](const Shape &idx) {
    int64_t oa = dot(idx, sa), ob = dot(idx, sb);
    if (kind == ElementKind::F32)
      r.f[n++] = static_cast<float>(f(a.f[oa], b.f[ob]));
    else
      r.i[n++] = f(double(a.i[oa]), double(b.i[ob])) != 0;
  });
  return set(op, std::move(r));
}

bool Evaluator::activation(Operation *op, Value in, Activation act) {
  HostTensor r = get(in);
  for (float &x : r.f)
    x = static_cast<float>(applyActivation(act, x));
  return set(op, std::move(r));
}

bool Evaluator::evalMatmul(MatmulOp op) {
  const HostTensor &a = get(op.getLhs()), &b = get(op.getRhs());
  SmallVector<int64_t> outShape;
  std::string reason;
  if (failed(matmulShape(a.shape, b.shape, op.getTransposeA(),
                         op.getTransposeB(), outShape, reason)))
    return fail(op, reason);
  Shape out(outShape.begin(), outShape.end());
  size_t ra = a.shape.size(), rb = b.shape.size();
  const bool ta = op.getTransposeA(), tb = op.getTransposeB();
  int64_t m = out[out.size() - 2], n = out.back();
  int64_t k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  Shape batch(out.begin(), out.end() - 2);
  Shape aBatch(a.shape.begin(), a.shape.end() - 2);
  Shape bBatch(b.shape.begin(), b.shape.end() - 2);
  Shape sa = broadcastStrides(aBatch, batch),
        sb = broadcastStrides(bBatch, batch);
  HostTensor r = HostTensor::zeros(ElementKind::F32, out);
  int64_t outOff = 0;
  forEachIndex(batch, [&](const Shape &idx) {
    const float *pa = a.f.data() + dot(idx, sa) * m * k;
    const float *pb = b.f.data() + dot(idx, sb) * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p)
          acc += double(ta ? pa[p * m + i] : pa[i * k + p]) *
                 double(tb ? pb[j * k + p] : pb[p * n + j]);
        r.f[outOff + i * n + j] = static_cast<float>(acc);
      }
    outOff += m * n;
  });
  // The fused epilogue: bias over the last dim, then the activation.
  const HostTensor *bias = op.getBias() ? &get(op.getBias()) : nullptr;
  if (bias && bias->numElements() != n)
    return fail(op, "bias of " + std::to_string(bias->numElements()) +
                        " elements for " + std::to_string(n) + " columns");
  Activation act = op.getActivation();
  for (size_t e = 0; e < r.f.size(); ++e) {
    double x = r.f[e];
    if (bias)
      x = static_cast<float>(x + bias->f[e % n]);
    r.f[e] = static_cast<float>(applyActivation(act, x));
  }
  return set(op, std::move(r));
}

std::optional<HostTensor> Evaluator::param(Operation *op, StringRef name,
                                           ArrayRef<int64_t> type,
                                           bool transposed) {
  Shape shape(type.begin(), type.end());
  if (transposed)
    std::swap(shape[0], shape[1]);
  std::string why;
  std::optional<HostTensor> t = params(name.str(), shape, why);
  if (!t) {
    fail(op, why);
    return std::nullopt;
  }
  if (t->shape != shape || !t->isFloat()) {
    fail(op, "parameter '" + name.str() + "' has shape " +
                 shapeString(t->shape) + ", expected " + shapeString(shape));
    return std::nullopt;
  }
  if (!transposed)
    return t;
  HostTensor r = HostTensor::zeros(ElementKind::F32, {shape[1], shape[0]});
  for (int64_t i = 0; i < shape[0]; ++i)
    for (int64_t j = 0; j < shape[1]; ++j)
      r.f[j * shape[0] + i] = t->f[i * shape[1] + j];
  return r;
}

bool Evaluator::evalQuantizedLinear(QuantizedLinearOp op) {
  const HostTensor &x = get(op.getInput()), &w = get(op.getWeight());
  bool isInt8 = op.getWeight().getType().getElementType().isInteger(8);
  const HostTensor *scales = isInt8 ? &get(op.getScales()) : nullptr;
  const HostTensor *bias = op.getBias() ? &get(op.getBias()) : nullptr;
  int64_t n = w.shape[0], k = w.shape[1];
  if (x.shape.empty() || x.shape.back() != k)
    return fail(op, "input of shape " + shapeString(x.shape) + " for a " +
                        shapeString(w.shape) + " weight");
  Shape out = x.shape;
  out.back() = n;
  HostTensor r = HostTensor::zeros(ElementKind::F32, out);
  std::vector<float> row(k);
  Activation act = op.getActivation();
  for (int64_t i = 0, rows = x.numElements() / std::max<int64_t>(k, 1);
       i < rows; ++i) {
    const float *xi = x.f.data() + i * k;
    float rowScale = 0, zero = 0;
    if (isInt8)
      rowScale = quantizeInputRow(xi, k, row.data(), zero);
    else
      for (int64_t p = 0; p < k; ++p)
        row[p] = roundToBf16(xi[p]);
    for (int64_t j = 0; j < n; ++j) {
      const float *wj = w.f.data() + j * k;
      float y;
      if (isInt8) {
        int64_t acc = 0; // exact: |q - zero| <= 255, |w| <= 127
        for (int64_t p = 0; p < k; ++p)
          acc += static_cast<int64_t>(row[p] - zero) *
                 static_cast<int64_t>(wj[p]);
        y = static_cast<float>(acc) * (rowScale * scales->f[j]);
      } else {
        double acc = 0; // bf16 products are exact in f32
        for (int64_t p = 0; p < k; ++p)
          acc += double(row[p]) * double(wj[p]);
        y = static_cast<float>(acc);
      }
      if (bias)
        y += bias->f[j];
      r.f[i * n + j] = static_cast<float>(applyActivation(act, y));
    }
  }
  return set(op, std::move(r));
}

bool Evaluator::evalTranspose(TransposeOp op) {
  const HostTensor &in = get(op.getInput());
  ArrayRef<int64_t> perm = op.getPermutation();
  Shape out(perm.size()), inStrides = rowMajorStrides(in.shape);
  Shape strides(perm.size());
  for (size_t k = 0; k < perm.size(); ++k) {
    out[k] = in.shape[perm[k]];
    strides[k] = inStrides[perm[k]];
  }
  HostTensor r = HostTensor::zeros(in.kind, out);
  int64_t n = 0;
  forEachIndex(out, [&](const Shape &idx) {
    int64_t off = dot(idx, strides);
    if (in.isFloat())
      r.f[n++] = in.f[off];
    else
      r.i[n++] = in.i[off];
  });
  return set(op, std::move(r));
}

bool Evaluator::evalReshape(ReshapeOp op) {
  HostTensor r = get(op.getInput());
  auto type = op.getResult().getType();
  Shape out;
  unsigned next = 0;
  for (int64_t k = 0; k < type.getRank(); ++k) {
    int64_t d = type.isDynamicDim(k) ? indices[op.getDynamicDims()[next++]]
                                     : type.getDimSize(k);
    if (d < 0)
      return fail(op, "negative size " + std::to_string(d));
    out.push_back(d);
  }
  if (HostTensor::count(out) != r.numElements())
    return fail(op, "cannot reshape " + shapeString(r.shape) + " (" +
                        std::to_string(r.numElements()) + " elements) into " +
                        shapeString(out));
  r.shape = out;
  return set(op, std::move(r));
}

bool Evaluator::evalEmbedding(EmbeddingOp op) {
  const HostTensor &table = get(op.getTable()), &ids = get(op.getIds());
  int64_t rows = table.shape[0], width = table.shape[1];
  Shape out = ids.shape;
  out.push_back(width);
  HostTensor r = HostTensor::zeros(ElementKind::F32, out);
  for (int64_t t = 0; t < ids.numElements(); ++t) {
    int64_t id = ids.i[t];
    if (id < 0 || id >= rows) {
      std::string name;
      if (auto p = op.getTable().getDefiningOp<ParamOp>())
        name = " of '" + p.getName().str() + "'";
      return fail(op, "id " + std::to_string(id) + " at flat position " +
                          std::to_string(t) + " is outside the " +
                          std::to_string(rows) + " rows of the table" + name);
    }
    std::copy_n(table.f.begin() + id * width, width, r.f.begin() + t * width);
  }
  return set(op, std::move(r));
}

bool Evaluator::evalSoftmax(SoftmaxOp op) {
  HostTensor r = get(op.getInput());
  int64_t axis = op.getAxis();
  int64_t n = r.shape[axis], inner = 1;
  for (size_t k = axis + 1; k < r.shape.size(); ++k)
    inner *= r.shape[k];
  int64_t outer = n ? r.numElements() / (n * inner) : 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      float *base = r.f.data() + o * n * inner + in;
      double mx = -INFINITY, sum = 0;
      for (int64_t j = 0; j < n; ++j)
        mx = std::max(mx, double(base[j * inner]));
      for (int64_t j = 0; j < n; ++j)
        sum += std::exp(double(base[j * inner]) - mx);
      for (int64_t j = 0; j < n; ++j)
        base[j * inner] =
            static_cast<float>(std::exp(double(base[j * inner]) - mx) / sum);
    }
  return set(op, std::move(r));
}

bool Evaluator::evalNorm(Operation *op, Value in, Value weight, Value bias,
                         float eps, bool rms, Value residual) {
  HostTensor r = get(in);
  if (residual) {
    const HostTensor &res = get(residual);
    if (res.shape != r.shape)
      return fail(op, "residual of shape " + shapeString(res.shape) +
                          " for an input of shape " + shapeString(r.shape));
    for (size_t e = 0; e < r.f.size(); ++e)
      r.f[e] += res.f[e];
  }
  int64_t d = r.shape.back();
  const HostTensor *w = weight ? &get(weight) : nullptr;
  const HostTensor *b = bias ? &get(bias) : nullptr;
  for (const HostTensor *p : {w, b})
    if (p && p->numElements() != d)
      return fail(op, "parameter of " + std::to_string(p->numElements()) +
                          " elements for a last dim of " + std::to_string(d));
  int64_t rows = d ? r.numElements() / d : 0;
  for (int64_t row = 0; row < rows; ++row) {
    float *x = r.f.data() + row * d;
    double mean = 0, var = 0;
    if (!rms) {
      for (int64_t j = 0; j < d; ++j)
        mean += x[j];
      mean /= d;
    }
    for (int64_t j = 0; j < d; ++j)
      var += (x[j] - mean) * (x[j] - mean);
    var /= d;
    double inv = 1.0 / std::sqrt(var + double(eps));
    for (int64_t j = 0; j < d; ++j) {
      double y = (x[j] - mean) * inv;
      if (w)
        y *= w->f[j];
      if (b)
        y += b->f[j];
      x[j] = static_cast<float>(y);
    }
  }
  return set(op, std::move(r));
}

bool Evaluator::evalRope(RopeOp op) {
  HostTensor r = get(op.getInput());
  size_t rank = r.shape.size();
  int64_t len = r.shape[rank - 2], d = r.shape[rank - 1], half = d / 2;
  if (d % 2)
    return fail(op, "the rotated dim must be even, found " + std::to_string(d));
  double base = op.getBase().convertToFloat();
  const HostTensor *positions =
      op.getPositions() ? &get(op.getPositions()) : nullptr;
  if (positions && (positions->shape.size() != 2 ||
                    positions->shape[0] != r.shape[0] ||
                    positions->shape[1] != len))
    return fail(op, "positions of shape " + shapeString(positions->shape) +
                        " for an input of shape " + shapeString(r.shape));
  int64_t rows = d ? r.numElements() / d : 0;
  int64_t perBatch = r.shape[0] ? rows / r.shape[0] : 0;
  for (int64_t row = 0; row < rows; ++row) {
    int64_t pos = positions
                      ? positions->i[(row / perBatch) * len + row % len]
                      : row % len;
    float *x = r.f.data() + row * d;
    for (int64_t i = 0; i < half; ++i) {
      double angle = pos * std::pow(base, -2.0 * i / d);
      double c = std::cos(angle), s = std::sin(angle);
      double x1 = x[i], x2 = x[i + half];
      x[i] = static_cast<float>(x1 * c - x2 * s);
      x[i + half] = static_cast<float>(x2 * c + x1 * s);
    }
  }
  return set(op, std::move(r));
}

bool Evaluator::evalMaskedFill(MaskedFillOp op) {
  HostTensor r = get(op.getInput());
  const HostTensor &mask = get(op.getMask());
  if (!isBroadcastableTo(mask.shape, r.shape))
    return fail(op, "mask of shape " + shapeString(mask.shape) +
                        " does not broadcast to " + shapeString(r.shape));
  Shape sm = broadcastStrides(mask.shape, r.shape);
  float value = op.getValue().convertToFloat();
  int64_t n = 0;
  forEachIndex(r.shape, [&](const Shape &idx) {
    if (mask.i[dot(idx, sm)])
      r.f[n] = value;
    ++n;
  });
  return set(op, std::move(r));
}

namespace {
/// Reads a 4-D attention operand through its layout as [b, h, s, d].
struct LayoutView {
  const HostTensor &t;
  Layout layout;
  Shape strides;
  LayoutView(const HostTensor &t, Layout layout)
      : t(t), layout(layout), strides(rowMajorStrides(t.shape)) {}
  int64_t dimB() const { return t.shape[0]; }
  int64_t dimH() const { return t.shape[headsAxis(layout)]; }
  int64_t dimS() const { return t.shape[seqAxis(layout)]; }
  int64_t dimD() const { return t.shape[widthAxis(layout)]; }
  int64_t offset(int64_t b, int64_t h, int64_t s, int64_t d) const {
    switch (layout) {
    case Layout::BHSD:
      return b * strides[0] + h * strides[1] + s * strides[2] + d * strides[3];
    case Layout::BSHD:
      return b * strides[0] + s * strides[1] + h * strides[2] + d * strides[3];
    case Layout::BHDS:
      return b * strides[0] + h * strides[1] + d * strides[2] + s * strides[3];
    }
    return 0;
  }
  float at(int64_t b, int64_t h, int64_t s, int64_t d) const {
    return t.f[offset(b, h, s, d)];
  }
};
} // namespace

bool Evaluator::evalAttention(AttentionOp op) {
  LayoutView q(get(op.getQuery()), op.getQLayout());
  LayoutView k(get(op.getKey()), op.getKLayout());
  LayoutView v(get(op.getValue()), op.getVLayout());
  int64_t batch = q.dimB(), heads = q.dimH(), lq = q.dimS(), width = q.dimD();
  int64_t kvHeads = k.dimH(), lk = k.dimS(), dv = v.dimD();
  if (k.dimB() != batch || v.dimB() != batch || k.dimD() != width ||
      v.dimS() != lk || v.dimH() != kvHeads || kvHeads == 0 ||
      heads % kvHeads != 0)
    return fail(op, "inconsistent operand shapes: query " +
                        shapeString(q.t.shape) + ", key " +
                        shapeString(k.t.shape) + ", value " +
                        shapeString(v.t.shape));
  const HostTensor *ids = op.getKeyIds() ? &get(op.getKeyIds()) : nullptr;
  if (ids &&
      (ids->shape.size() != 2 || ids->shape[0] != batch || ids->shape[1] != lk))
    return fail(op, "key_ids of shape " + shapeString(ids->shape) +
                        " for batch " + std::to_string(batch) +
                        " and key length " + std::to_string(lk));
  const HostTensor *mask = op.getMask() ? &get(op.getMask()) : nullptr;
  Shape scoresShape = {batch, heads, lq, lk}, maskStrides;
  if (mask) {
    if (!isBroadcastableTo(mask->shape, scoresShape))
      return fail(op, "mask of shape " + shapeString(mask->shape) +
                          " does not broadcast to the scores " +
                          shapeString(scoresShape));
    maskStrides = broadcastStrides(mask->shape, scoresShape);
  }
  const double scale = op.getScale().convertToFloat();
  const float maskValue = op.getMaskValue().convertToFloat();
  const int64_t padId = op.getPadId();
  const bool causal = op.getCausal();
  const HostTensor *offsets =
      op.getQueryOffsets() ? &get(op.getQueryOffsets()) : nullptr;
  if (offsets && offsets->shape != Shape{batch})
    return fail(op, "query_offsets of shape " + shapeString(offsets->shape) +
                        " for batch " + std::to_string(batch));
  const bool outBshd = op.getOutLayout() == Layout::BSHD;
  Shape out =
      outBshd ? Shape{batch, lq, heads, dv} : Shape{batch, heads, lq, dv};
  Shape os = rowMajorStrides(out);
  HostTensor r = HostTensor::zeros(ElementKind::F32, out);
  std::vector<double> scores(lk);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      int64_t kh = h / (heads / kvHeads);
      for (int64_t i = 0; i < lq; ++i) {
        double mx = -INFINITY;
        for (int64_t j = 0; j < lk; ++j) {
          double acc = 0;
          for (int64_t d = 0; d < width; ++d)
            acc += double(q.at(b, h, i, d)) * double(k.at(b, kh, j, d));
          // Round like the unfused scale + masked_fill in f32.
          float s = static_cast<float>(static_cast<float>(acc) * scale);
          bool blocked = (ids && ids->i[b * lk + j] == padId) ||
                         (causal && j > i + (offsets ? offsets->i[b] : 0)) ||
                         (mask && mask->i[dot({b, h, i, j}, maskStrides)]);
          scores[j] = blocked ? maskValue : s;
          mx = std::max(mx, scores[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j < lk; ++j)
          sum += (scores[j] = std::exp(scores[j] - mx));
        for (int64_t d = 0; d < dv; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < lk; ++j)
            acc += scores[j] / sum * double(v.at(b, kh, j, d));
          int64_t off = outBshd ? b * os[0] + i * os[1] + h * os[2] + d
                                : b * os[0] + h * os[1] + i * os[2] + d;
          r.f[off] = static_cast<float>(acc);
        }
      }
    }
  return set(op, std::move(r));
}

bool Evaluator::evalCacheWrite(CacheWriteOp op) {
  HostTensor r = get(op.getCache());
  const HostTensor &rows = get(op.getRows());
  const int64_t axis = op.getAxis(), rank = r.shape.size();
  const HostTensor *offsets = op.getOffsets() ? &get(op.getOffsets()) : nullptr;
  bool ok = static_cast<int64_t>(rows.shape.size()) == rank;
  for (int64_t k = 0; ok && k < rank; ++k)
    ok = k == axis || rows.shape[k] == r.shape[k];
  if (!ok || (offsets && offsets->shape != Shape{r.shape[0]}))
    return fail(op, "rows " + shapeString(rows.shape) + " do not fit the cache " +
                        shapeString(r.shape));
  for (int64_t b = 0; b < r.shape[0]; ++b) {
    int64_t at = offsets ? offsets->i[b] : 0;
    if (at < 0 || at + rows.shape[axis] > r.shape[axis])
      return fail(op, "row " + std::to_string(b) + " writes positions " +
                          std::to_string(at) + ".." +
                          std::to_string(at + rows.shape[axis] - 1) +
                          " of a cache of " + std::to_string(r.shape[axis]));
  }
  Shape cs = rowMajorStrides(r.shape);
  int64_t n = 0;
  forEachIndex(rows.shape, [&](const Shape &idx) {
    Shape to = idx;
    to[axis] += offsets ? offsets->i[idx[0]] : 0;
    r.f[dot(to, cs)] = rows.f[n++];
  });
  return set(op, std::move(r));
}

bool Evaluator::evalExtractSlice(tensor::ExtractSliceOp op) {
  const HostTensor &in = get(op.getSource());
  auto value = [&](OpFoldResult f) -> int64_t {
    if (auto a = dyn_cast<Attribute>(f))
      return cast<IntegerAttr>(a).getInt();
    return indices[cast<Value>(f)];
  };
  Shape offsets, sizes;
  for (auto [o, sz, st] : llvm::zip(op.getMixedOffsets(), op.getMixedSizes(),
                                    op.getMixedStrides())) {
    if (value(st) != 1)
      return fail(op, "only unit strides are supported");
    offsets.push_back(value(o));
    sizes.push_back(value(sz));
  }
  if (sizes.size() != in.shape.size() ||
      op.getType().getRank() != static_cast<int64_t>(sizes.size()))
    return fail(op, "only rank-preserving slices are supported");
  for (size_t k = 0; k < sizes.size(); ++k)
    if (offsets[k] < 0 || sizes[k] < 0 || offsets[k] + sizes[k] > in.shape[k])
      return fail(op, "slice out of bounds of " + shapeString(in.shape));
  HostTensor r = HostTensor::zeros(in.kind, sizes);
  Shape is = rowMajorStrides(in.shape);
  int64_t n = 0;
  forEachIndex(sizes, [&](const Shape &idx) {
    Shape from = idx;
    for (size_t k = 0; k < from.size(); ++k)
      from[k] += offsets[k];
    if (in.isFloat())
      r.f[n++] = in.f[dot(from, is)];
    else
      r.i[n++] = in.i[dot(from, is)];
  });
  return set(op, std::move(r));
}

bool Evaluator::eval(Operation *op) {
  using K = ElementKind;
  return llvm::TypeSwitch<Operation *, bool>(op)
      .Case<arith::ConstantOp>([&](arith::ConstantOp c) {
        auto attr = dyn_cast<IntegerAttr>(c.getValue());
        if (!attr || !c.getType().isIndex())
          return fail(op, "only index constants are supported");
        indices[c.getResult()] = attr.getInt();
        return true;
      })
      .Case<tensor::DimOp>([&](tensor::DimOp d) {
        const HostTensor &t = get(d.getSource());
        int64_t i = indices[d.getIndex()];
        if (i < 0 || i >= static_cast<int64_t>(t.shape.size()))
          return fail(op, "dim " + std::to_string(i) + " of a rank-" +
                              std::to_string(t.shape.size()) + " tensor");
        indices[d.getResult()] = t.shape[i];
        return true;
      })
      .Case<ParamOp>([&](ParamOp p) {
        auto type = p.getResult().getType();
        std::optional<HostTensor> t =
            param(op, p.getName(), type.getShape(), p.getTransposed());
        if (!t)
          return false;
        Type element = type.getElementType();
        if (element.isBF16()) {
          for (float &x : t->f)
            x = roundToBf16(x);
        } else if (element.isInteger(8)) {
          int64_t k = t->shape[1];
          for (int64_t row = 0; row < t->shape[0]; ++row)
            quantizeRow(t->f.data() + row * k, k, t->f.data() + row * k);
        }
        tensors[p.getResult()] = std::move(*t);
        return true;
      })
      .Case<WeightScalesOp>([&](WeightScalesOp s) {
        // The weight's shape is its i8 parameter's, in the same function.
        ArrayRef<int64_t> shape;
        bool transposed = false;
        s->getParentOp()->walk([&](ParamOp p) {
          if (p.getName() == s.getName() &&
              p.getResult().getType().getElementType().isInteger(8)) {
            shape = p.getResult().getType().getShape();
            transposed = p.getTransposed();
          }
        });
        if (shape.empty())
          return fail(op, "no i8 xf.param \"" + s.getName().str() +
                              "\" in the function to take the scales of");
        std::optional<HostTensor> w =
            param(op, s.getName(), shape, transposed);
        if (!w)
          return false;
        // Row 0 the scales, row 1 the sums of q.
        HostTensor r = HostTensor::zeros(ElementKind::F32, {2, shape[0]});
        std::vector<float> q(shape[1]);
        for (int64_t row = 0; row < shape[0]; ++row) {
          r.f[row] = quantizeRow(w->f.data() + row * shape[1], shape[1],
                                 q.data());
          r.f[shape[0] + row] = std::accumulate(q.begin(), q.end(), 0.0f);
        }
        return set(op, std::move(r));
      })
      .Case<QuantizedLinearOp>(
          [&](QuantizedLinearOp l) { return evalQuantizedLinear(l); })
      .Case<func::CallOp>([&](func::CallOp call) {
        auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
            call, call.getCalleeAttr());
        if (!callee || callee.isExternal())
          return fail(op, "cannot call @" + call.getCallee().str());
        std::vector<HostTensor> args, results;
        for (Value v : call.getOperands())
          args.push_back(get(v));
        if (!Evaluator(params, error).run(callee, args, results))
          return false;
        for (auto [r, t] : llvm::zip(call.getResults(), results))
          tensors[r] = std::move(t);
        return true;
      })
      .Case<EmbeddingOp>([&](EmbeddingOp e) { return evalEmbedding(e); })
      .Case<SinusoidTableOp>([&](SinusoidTableOp s) {
        int64_t len = indices[s.getLength()], dim = s.getDim();
        HostTensor r = HostTensor::zeros(K::F32, {len, dim});
        for (int64_t p = 0; p < len; ++p)
          for (int64_t c = 0; c < dim; ++c)
            r.f[p * dim + c] = sinusoid(p, c, dim);
        return set(op, std::move(r));
      })
      .Case<ArangeOp>([&](ArangeOp a) {
        int64_t len = indices[a.getLength()];
        HostTensor r = HostTensor::zeros(K::I64, {len});
        for (int64_t p = 0; p < len; ++p)
          r.i[p] = p;
        return set(op, std::move(r));
      })
      .Case<PositionsOp>([&](PositionsOp p) {
        const HostTensor &offsets = get(p.getOffsets());
        int64_t batch = offsets.shape[0], len = indices[p.getLength()];
        HostTensor r = HostTensor::zeros(K::I64, {batch, len});
        for (int64_t b = 0; b < batch; ++b)
          for (int64_t t = 0; t < len; ++t)
            r.i[b * len + t] = offsets.i[b] + t;
        return set(op, std::move(r));
      })
      .Case<SinusoidOp>([&](SinusoidOp s) {
        const HostTensor &pos = get(s.getPositions());
        int64_t dim = s.getDim();
        Shape shape = pos.shape;
        shape.push_back(dim);
        HostTensor r = HostTensor::zeros(K::F32, shape);
        for (int64_t t = 0; t < pos.numElements(); ++t)
          for (int64_t c = 0; c < dim; ++c)
            r.f[t * dim + c] = sinusoid(pos.i[t], c, dim);
        return set(op, std::move(r));
      })
      .Case<CacheWriteOp>([&](CacheWriteOp c) { return evalCacheWrite(c); })
      .Case<tensor::ExtractSliceOp>([&](tensor::ExtractSliceOp e) {
        return evalExtractSlice(e);
      })
      .Case<MatmulOp>([&](MatmulOp m) { return evalMatmul(m); })
      .Case<TransposeOp>([&](TransposeOp t) { return evalTranspose(t); })
      .Case<ReshapeOp>([&](ReshapeOp r) { return evalReshape(r); })
      .Case<AddOp>([&](AddOp a) {
        return binary(
            op, a.getLhs(), a.getRhs(), K::F32,
            [](double x, double y) { return double(float(x) + float(y)); });
      })
      .Case<SubOp>([&](SubOp s) {
        return binary(
            op, s.getLhs(), s.getRhs(), K::F32,
            [](double x, double y) { return double(float(x) - float(y)); });
      })
      .Case<MulOp>([&](MulOp m) {
        return binary(
            op, m.getLhs(), m.getRhs(), K::F32,
            [](double x, double y) { return double(float(x) * float(y)); });
      })
      .Case<DivOp>([&](DivOp d) {
        return binary(
            op, d.getLhs(), d.getRhs(), K::F32,
            [](double x, double y) { return double(float(x) / float(y)); });
      })
      .Case<OrOp>([&](OrOp o) {
        return binary(
            op, o.getLhs(), o.getRhs(), K::I1,
            [](double x, double y) { return double(x != 0 || y != 0); });
      })
      .Case<ScaleOp>([&](ScaleOp s) {
        HostTensor r = get(s.getInput());
        float factor = s.getFactor().convertToFloat();
        for (float &x : r.f)
          x *= factor;
        return set(op, std::move(r));
      })
      .Case<ReluOp>([&](ReluOp r) {
        return activation(op, r.getInput(), Activation::Relu);
      })
      .Case<SiluOp>([&](SiluOp s) {
        return activation(op, s.getInput(), Activation::Silu);
      })
      .Case<TanhOp>([&](TanhOp t) {
        HostTensor r = get(t.getInput());
        for (float &x : r.f)
          x = static_cast<float>(std::tanh(double(x)));
        return set(op, std::move(r));
      })
      .Case<GeluOp>([&](GeluOp g) {
        return activation(op, g.getInput(),
                          g.getTanh() ? Activation::GeluTanh
                                      : Activation::Gelu);
      })
      .Case<RopeOp>([&](RopeOp r) { return evalRope(r); })
      .Case<SoftmaxOp>([&](SoftmaxOp s) { return evalSoftmax(s); })
      .Case<LayerNormOp>([&](LayerNormOp n) {
        return evalNorm(op, n.getInput(), n.getWeight(), n.getBias(),
                        n.getEpsilon().convertToFloat(), /*rms=*/false,
                        n.getResidual());
      })
      .Case<RmsNormOp>([&](RmsNormOp n) {
        return evalNorm(op, n.getInput(), n.getWeight(), Value(),
                        n.getEpsilon().convertToFloat(), /*rms=*/true);
      })
      .Case<PaddingMaskOp>([&](PaddingMaskOp p) {
        const HostTensor &ids = get(p.getIds());
        HostTensor r =
            HostTensor::zeros(K::I1, {ids.shape[0], 1, ids.shape[1]});
        for (int64_t t = 0; t < ids.numElements(); ++t)
          r.i[t] = ids.i[t] == p.getPadId();
        return set(op, std::move(r));
      })
      .Case<CausalMaskOp>([&](CausalMaskOp c) {
        int64_t lq = indices[c.getQueryLength()],
                lk = indices[c.getKeyLength()];
        if (!c.getOffsets()) {
          HostTensor r = HostTensor::zeros(K::I1, {lq, lk});
          for (int64_t i = 0; i < lq; ++i)
            for (int64_t j = 0; j < lk; ++j)
              r.i[i * lk + j] = j > i;
          return set(op, std::move(r));
        }
        const HostTensor &offsets = get(c.getOffsets());
        int64_t batch = offsets.shape[0];
        HostTensor r = HostTensor::zeros(K::I1, {batch, lq, lk});
        for (int64_t b = 0; b < batch; ++b)
          for (int64_t i = 0; i < lq; ++i)
            for (int64_t j = 0; j < lk; ++j)
              r.i[(b * lq + i) * lk + j] = j > offsets.i[b] + i;
        return set(op, std::move(r));
      })
      .Case<MaskedFillOp>([&](MaskedFillOp m) { return evalMaskedFill(m); })
      .Case<AttentionOp>([&](AttentionOp a) { return evalAttention(a); })
      .Default([&](Operation *) {
        return fail(op, "the interpreter does not support this op");
      });
}

bool Evaluator::run(func::FuncOp fn, const std::vector<HostTensor> &inputs,
                    std::vector<HostTensor> &results) {
  if (fn.getBody().getBlocks().size() != 1) {
    error = "function @" + fn.getName().str() + " must have one block";
    return false;
  }
  Block &body = fn.getBody().front();
  if (inputs.size() != body.getNumArguments()) {
    error = "@" + fn.getName().str() + " takes " +
            std::to_string(body.getNumArguments()) + " inputs, " +
            std::to_string(inputs.size()) + " given";
    return false;
  }
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    const HostTensor &t = inputs[i];
    // bf16 and i8 weights are held as the f32 values they stand for.
    Type element = type ? type.getElementType() : Type();
    ElementKind want = !type || element.isF32() || element.isBF16() ||
                               element.isInteger(8)
                           ? ElementKind::F32
                       : element.isInteger(1) ? ElementKind::I1
                                              : ElementKind::I64;
    bool ok = type && t.kind == want &&
              type.getRank() == static_cast<int64_t>(t.shape.size());
    for (int64_t k = 0; ok && k < type.getRank(); ++k)
      ok = type.isDynamicDim(k) || type.getDimSize(k) == t.shape[k];
    if (!ok) {
      std::string s;
      llvm::raw_string_ostream os(s);
      os << "input #" << i << " of @" << fn.getName() << " must be " << type
         << ", found " << (t.kind == ElementKind::F32 ? "f32" : "i64")
         << " of shape " << shapeString(t.shape);
      error = s;
      return false;
    }
    tensors[arg] = t;
  }
  for (Operation &op : body) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands())
        results.push_back(get(v));
      return true;
    }
    if (!eval(&op))
      return false;
  }
  error = "@" + fn.getName().str() + " has no return";
  return false;
}

bool mlir::xf::interpret(func::FuncOp fn, const std::vector<HostTensor> &inputs,
                         const ParamProvider &params,
                         std::vector<HostTensor> &results, std::string &error) {
  return Evaluator(params, error).run(fn, inputs, results);
}
