//===- MatmulKernel.cpp - Outer-product x · Wᵀ on buffers -----------------===//
//
// Replaces the linear-layer matmuls (tagged by the xf→linalg conversion)
// with an outer-product kernel. x is packed per call into panels of 16 rows
// stored column by column ([P, K, 16], rows past M zero), so one vector holds
// one column of 16 rows; W is read as stored ([N, K]; one of fewer than 12
// rows is zero-padded to 12 at the call site). A kernel tile keeps
// panels x cols accumulators (with AVX-512: 2 panels, 32 rows x 12 columns
// of C; the target's shape is the module's xf.cpu_kernel_config,
// KernelConfig.h) in vector registers across K; each step loads `panels`
// vectors of x and broadcasts `cols` weights W[n, k], for panels·cols FMAs.
// One kernel function serves every weight with the same K. See the pass
// description in codegen/Passes.td.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/KernelBuilder.h"
#include "codegen/CPU/KernelConfig.h"
#include "codegen/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "xf/abi.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFCPUMATMULKERNELPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;
using namespace mlir::xf::cpu;

namespace {

constexpr int64_t kLanes = 16;    ///< rows per panel: one 512-bit vector
constexpr int64_t kChunk = 16;    ///< panels per parallel task
constexpr int64_t kColBlock = 96; ///< columns per parallel task
constexpr int64_t kDotBlock = 32; ///< columns per parallel task (streaming)
/// Floats of W ahead of each stream's position that it prefetches into L2
/// (16 KB: rows of the next groups, W being row-major): an L1 miss
/// per stream keeps too few lines in flight to cover L3/DRAM latency on
/// one core, the L2's own queue keeps more.
constexpr int64_t kPrefetchAhead = 4096;
/// Independent accumulators a streaming kernel keeps at least: each row
/// of W against one row of x is a chain of dependent FMAs (4 cycles each),
/// which alone would cap one thread at 16 bytes a cycle minus the row's
/// reduction, below what a core streams from memory; the K steps are dealt
/// round-robin to this many chains instead.
constexpr int64_t kMinChains = 4;

/// How a kernel multiplies x by W: f32 FMAs; bf16 pairs of K per 32-bit
/// lane (AVX512-BF16's vdpbf16ps, or the same arithmetic in f32 FMAs); or
/// i8 quadruples (AVX512-VNNI's vpdpbusd: unsigned W bytes, offset by 128,
/// times signed x bytes; or the same sums in 32-bit integer ops). A vector
/// operand is 16 lanes of `group` elements: 512 bits.
struct Format {
  enum Kind { F32, BF16, I8 } kind = F32;
  bool native = false; ///< the CPU has the instruction
  KernelConfig tile;   ///< the tile's shape for the target

  int64_t group() const { return kind == F32 ? 1 : kind == BF16 ? 2 : 4; }
  int64_t bytes() const { return 4 / group(); }
  int64_t width() const { return kLanes * group(); }
  Type element(OpBuilder &b) const {
    return kind == F32    ? b.getF32Type()
           : kind == BF16 ? Type(b.getBF16Type())
                          : Type(b.getIntegerType(8));
  }
  VectorType operand(OpBuilder &b) const {
    return VectorType::get({width()}, element(b));
  }
  VectorType accumulator(OpBuilder &b) const {
    return VectorType::get({kLanes}, kind == I8 ? Type(b.getI32Type())
                                                : Type(b.getF32Type()));
  }
  Value zeroAccumulator(OpBuilder &b, Location loc) const {
    VectorType t = accumulator(b);
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(t, b.getZeroAttr(t.getElementType())));
  }
  /// acc + the lane-wise dot products of W's and x's groups.
  Value mac(OpBuilder &b, Location loc, Value acc, Value w, Value x) const {
    if (kind == F32)
      return vector::FMAOp::create(b, loc, x, w, acc);
    VectorType accType = accumulator(b);
    // The instruction as side-effect-free inline assembly: an intrinsic
    // call has unknown effects, which makes the OpenMP conversion wrap
    // every parallel body in an alloca scope that later conversions reject.
    if (native)
      return LLVM::InlineAsmOp::create(
                 b, loc, accType, ValueRange{w, x, acc},
                 b.getStringAttr(kind == BF16 ? "vdpbf16ps $2, $1, $0"
                                              : "vpdpbusd $2, $1, $0"),
                 b.getStringAttr("=v,v,v,0"), /*has_side_effects=*/nullptr,
                 /*is_align_stack=*/nullptr, LLVM::TailCallKindAttr(),
                 LLVM::AsmDialectAttr::get(b.getContext(),
                                           LLVM::AsmDialect::AD_ATT),
                 /*operand_attrs=*/nullptr)
          .getResult(0);
    auto i32s = VectorType::get({kLanes}, b.getI32Type());
    auto splat = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(i32s, b.getI32IntegerAttr(v)));
    };
    Value wi = vector::BitCastOp::create(b, loc, i32s, w);
    Value xi = vector::BitCastOp::create(b, loc, i32s, x);
    if (kind == BF16) {
      // A bf16 is the high half of its f32: the odd element (high half of
      // the lane) masked, the even one shifted up; odd first, then even,
      // as vdpbf16ps adds them.
      auto f32s = VectorType::get({kLanes}, b.getF32Type());
      auto half = [&](Value v, bool odd) -> Value {
        Value bits = odd ? arith::AndIOp::create(b, loc, v,
                                                 splat(int64_t(0xffff0000)))
                               .getResult()
                         : arith::ShLIOp::create(b, loc, v, splat(16))
                               .getResult();
        return vector::BitCastOp::create(b, loc, f32s, bits);
      };
      acc = vector::FMAOp::create(b, loc, half(wi, true), half(xi, true), acc);
      return vector::FMAOp::create(b, loc, half(wi, false), half(xi, false),
                                   acc);
    }
    // Byte j of each lane: W's unsigned, x's sign-extended.
    for (int64_t j = 0; j < 4; ++j) {
      Value wj = arith::AndIOp::create(
          b, loc, arith::ShRUIOp::create(b, loc, wi, splat(8 * j)),
          splat(255));
      Value xj = arith::ShRSIOp::create(
          b, loc, arith::ShLIOp::create(b, loc, xi, splat(24 - 8 * j)),
          splat(24));
      acc = arith::AddIOp::create(b, loc, acc,
                                  arith::MulIOp::create(b, loc, wj, xj));
    }
    return acc;
  }
  /// The kernel function's name for K.
  std::string kernelName(int64_t k) const {
    return std::string("xf_linear_") +
           (kind == F32 ? "" : kind == BF16 ? "bf16_" : "int8_") + "k" +
           std::to_string(k);
  }
};

/// Where an int8 kernel finds what turns a row's integer sums into floats:
/// the row's scale, zero point and sum of its quantized values (memrefs
/// indexed like the rows of x's buffer), and W's per-row scales and sums of
/// q ([2, N] f32, see xf.weight_scales).
struct RowScales {
  Value scale, zero, sum, weightScales;
};

/// The f32 outputs of an int8 kernel from accumulators `acc` (i32; their
/// lanes rows or partial sums): Σ (q_w + 128) · q_x less 128 · the row's
/// sum of q_x (the offset of every W byte) and less the row's zero point
/// times W's row sum of q_w, which leaves Σ q_w · (q_x - zero) exactly;
/// then scaled by the row's and W's scales (both sides compute f32(sum) ·
/// (rowScale · weightScale), as the interpreter does). The row's values
/// are vectors where `acc`'s lanes are rows, W's a splat or a scalar.
Value dequantize(OpBuilder &b, Location loc, Value acc, Value rowSum,
                 Value rowZero, Value rowScale, Value weightScale,
                 Value weightSum) {
  auto vector = dyn_cast<VectorType>(acc.getType());
  Type f32 = vector ? Type(VectorType::get({kLanes}, b.getF32Type()))
                    : Type(b.getF32Type());
  TypedAttr offsetAttr = b.getI32IntegerAttr(XF_PARAM_I8_OFFSET);
  if (vector)
    offsetAttr = DenseElementsAttr::get(vector, offsetAttr);
  Value offset = arith::ConstantOp::create(b, loc, offsetAttr);
  Value exact = arith::SubIOp::create(
      b, loc,
      arith::SubIOp::create(b, loc, acc,
                            arith::MulIOp::create(b, loc, rowSum, offset)),
      arith::MulIOp::create(
          b, loc, rowZero,
          arith::FPToSIOp::create(b, loc, acc.getType(), weightSum)));
  Value scale = arith::MulFOp::create(b, loc, rowScale, weightScale);
  return arith::MulFOp::create(
      b, loc, arith::SIToFPOp::create(b, loc, f32, exact), scale);
}

/// Converts row `row` of x ([*, K] f32) to the format's elements 16 at a
/// time, handing each chunk (zero past K) and its first column to `store`:
/// bf16 rounded to nearest even; i8 quantized asymmetrically over [lo, hi]
/// = [min(x, 0), max(x, 0)] (xf.quantized_linear's rule), with the row's
/// scale, zero point and sum of q stored at `at` in `scales`. Columns run
/// to K rounded up to 16.
void convertRow(OpBuilder &b, Location loc, const Format &fmt, Value x,
                Value row, int64_t k, const RowScales *scales, ValueRange at,
                function_ref<void(OpBuilder &, Location, Value, Value)> store) {
  Type f32 = b.getF32Type();
  auto vec = VectorType::get({kLanes}, f32);
  auto i32s = VectorType::get({kLanes}, b.getI32Type());
  Value c0 = idx(b, loc, 0);
  Value zeros = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vec, b.getF32FloatAttr(0)));
  int64_t body = k - k % kLanes;
  // Over the chunks: `step(builder, k0, value, carried, valid lanes)` →
  // carried; the valid lanes' mask is null but for the last chunk of a
  // K % 16 tail, whose lanes past K load as zeros.
  using Step = function_ref<SmallVector<Value>(OpBuilder &, Location, Value,
                                               Value, ValueRange, Value)>;
  auto chunks = [&](ValueRange init, Step step) {
    auto loop = scf::ForOp::create(
        b, loc, c0, idx(b, loc, body), idx(b, loc, kLanes), init,
        [&](OpBuilder &fb, Location fl, Value k0, ValueRange carried) {
          Value v = vector::LoadOp::create(fb, fl, vec, x, ValueRange{row, k0});
          scf::YieldOp::create(fb, fl, step(fb, fl, k0, v, carried, Value()));
        });
    SmallVector<Value> result(loop.getResults());
    if (k % kLanes) {
      Value k0 = idx(b, loc, body);
      Value valid = vector::CreateMaskOp::create(
          b, loc, VectorType::get({kLanes}, b.getI1Type()),
          ValueRange{idx(b, loc, k % kLanes)});
      Value v = vector::MaskedLoadOp::create(b, loc, vec, x,
                                             ValueRange{row, k0}, valid, zeros);
      result = step(b, loc, k0, v, result, valid);
    }
    return result;
  };
  if (fmt.kind == Format::BF16) {
    auto bf16s = VectorType::get({kLanes}, b.getBF16Type());
    chunks({}, [&](OpBuilder &sb, Location sl, Value k0, Value v, ValueRange,
                   Value) -> SmallVector<Value> {
      if (fmt.native) { // vcvtneps2bf16
        store(sb, sl, k0, arith::TruncFOp::create(sb, sl, bf16s, v));
        return {};
      }
      // Without AVX512-BF16 LLVM calls a library routine; rounding to
      // nearest even in integer ops instead: bits + 0x7fff + (bit 16),
      // the high half.
      auto splat = [&](int64_t c) -> Value {
        return arith::ConstantOp::create(
            sb, sl, DenseElementsAttr::get(i32s, sb.getI32IntegerAttr(c)));
      };
      Value bits = vector::BitCastOp::create(sb, sl, i32s, v);
      Value odd = arith::AndIOp::create(
          sb, sl, arith::ShRUIOp::create(sb, sl, bits, splat(16)), splat(1));
      Value rounded = arith::ShRUIOp::create(
          sb, sl,
          arith::AddIOp::create(
              sb, sl, arith::AddIOp::create(sb, sl, bits, splat(0x7fff)), odd),
          splat(16));
      store(sb, sl, k0,
            vector::BitCastOp::create(
                sb, sl, bf16s,
                arith::TruncIOp::create(
                    sb, sl, VectorType::get({kLanes}, sb.getI16Type()),
                    rounded)));
      return {};
    });
    return;
  }
  // [lo, hi] spans 0 (masked lanes load zeros, so they count as 0 too):
  // max and min in one pass.
  SmallVector<Value> extremes =
      chunks({zeros, zeros}, [&](OpBuilder &sb, Location sl, Value, Value v,
                                 ValueRange m, Value) -> SmallVector<Value> {
        return {arith::MaximumFOp::create(sb, sl, m[0], v),
                arith::MinimumFOp::create(sb, sl, m[1], v)};
      });
  Value hi = vector::ReductionOp::create(
      b, loc, vector::CombiningKind::MAXIMUMF, extremes[0]);
  Value lo = vector::ReductionOp::create(
      b, loc, vector::CombiningKind::MINIMUMF, extremes[1]);
  Value range = arith::SubFOp::create(b, loc, hi, lo);
  auto f32Const = [&](float c) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(c));
  };
  Value isZero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                       range, f32Const(0));
  Value inv = arith::SelectOp::create(
      b, loc, isZero, f32Const(0),
      arith::DivFOp::create(b, loc, f32Const(255), range));
  // zero = roundeven(-lo · inv) - 128, 0 for a zero row (q all 0 then).
  Value zeroPoint = arith::SelectOp::create(
      b, loc, isZero, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)),
      arith::SubIOp::create(
          b, loc,
          arith::FPToSIOp::create(
              b, loc, b.getI32Type(),
              math::RoundEvenOp::create(
                  b, loc,
                  arith::MulFOp::create(
                      b, loc, arith::NegFOp::create(b, loc, lo), inv))),
          arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(128))));
  Value invVec = vector::BroadcastOp::create(b, loc, vec, inv);
  Value zeroVec = vector::BroadcastOp::create(b, loc, i32s, zeroPoint);
  auto splat = [&](int64_t c) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i32s, b.getI32IntegerAttr(c)));
  };
  Value low = splat(-128), high = splat(127), sumZero = splat(0);
  Value sums = chunks(sumZero, [&](OpBuilder &sb, Location sl, Value k0,
                                   Value v, ValueRange acc,
                                   Value valid) -> SmallVector<Value> {
    Value q = arith::AddIOp::create(
        sb, sl,
        arith::FPToSIOp::create(
            sb, sl, i32s,
            math::RoundEvenOp::create(sb, sl,
                                      arith::MulFOp::create(sb, sl, v, invVec))),
        zeroVec);
    q = arith::MinSIOp::create(sb, sl, arith::MaxSIOp::create(sb, sl, q, low),
                               high);
    if (valid) // zeros past K: their products with W's tail bytes must vanish
      q = arith::SelectOp::create(sb, sl, valid, q, sumZero);
    store(sb, sl, k0,
          arith::TruncIOp::create(
              sb, sl, VectorType::get({kLanes}, sb.getIntegerType(8)), q));
    return {arith::AddIOp::create(sb, sl, acc[0], q)};
  })[0];
  memref::StoreOp::create(b, loc,
                          arith::DivFOp::create(b, loc, range, f32Const(255)),
                          scales->scale, at);
  memref::StoreOp::create(b, loc, zeroPoint, scales->zero, at);
  memref::StoreOp::create(
      b, loc,
      vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, sums),
      scales->sum, at);
}

/// Collapses an identity-layout memref [d0, ..., dn-1, last] to [prod, last].
Value collapseRows(OpBuilder &b, Location loc, Value v) {
  auto t = cast<MemRefType>(v.getType());
  if (t.getRank() == 2)
    return v;
  SmallVector<ReassociationIndices> groups(2);
  for (int64_t d = 0; d + 1 < t.getRank(); ++d)
    groups[0].push_back(d);
  groups[1].push_back(t.getRank() - 1);
  return memref::CollapseShapeOp::create(b, loc, v, groups);
}

/// `t` (2-D) with a dynamic number of rows, and dynamic columns too unless
/// `keepColumns`: identity layout if `t` has one, else fully dynamic strides
/// and offset.
MemRefType dynamicType(Type t, bool keepColumns) {
  auto m = cast<MemRefType>(t);
  SmallVector<int64_t> shape = {ShapedType::kDynamic,
                                keepColumns ? m.getDimSize(1)
                                            : ShapedType::kDynamic};
  if (m.getLayout().isIdentity())
    return MemRefType::get(shape, m.getElementType());
  return MemRefType::get(
      shape, m.getElementType(),
      StridedLayoutAttr::get(m.getContext(), ShapedType::kDynamic,
                             {ShapedType::kDynamic, ShapedType::kDynamic}));
}

/// A copy of the static weight `w` [n, k], n < cols, in `cols` rows (and
/// `extra` more), zero past n: the kernel reads whole strips of `cols`
/// weight rows. The caller frees it.
Value padRows(OpBuilder &b, Location loc, Value w, int64_t cols,
              int64_t extra) {
  auto t = cast<MemRefType>(w.getType());
  Value padded = memref::AllocOp::create(
      b, loc,
      MemRefType::get({cols + extra, t.getDimSize(1)}, t.getElementType()),
      b.getI64IntegerAttr(64));
  // Sequential loops: a few KB, not worth waking the threads for.
  Value c0 = idx(b, loc, 0), c1 = idx(b, loc, 1),
        n = idx(b, loc, t.getDimSize(0));
  Value k = idx(b, loc, t.getDimSize(1));
  Value zero = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(b.getZeroAttr(t.getElementType())));
  auto rows = [&](Value lo, Value hi, bool copy) {
    forRange(b, loc, lo, hi, c1, [&](OpBuilder &rb, Location rl, Value r) {
      forRange(rb, rl, c0, k, c1, [&](OpBuilder &kb, Location kl, Value kk) {
        Value v = copy ? memref::LoadOp::create(kb, kl, w, ValueRange{r, kk})
                             .getResult()
                       : zero;
        memref::StoreOp::create(kb, kl, v, padded, ValueRange{r, kk});
      });
    });
  };
  rows(c0, n, /*copy=*/true);
  rows(n, idx(b, loc, cols + extra), /*copy=*/false);
  return padded;
}

/// A copy of `v` [rows, n], n < width, in [rows, width], zero past n (an
/// int8 weight's scales and sums, read per column of a strip). The caller
/// frees it.
Value padVector(OpBuilder &b, Location loc, Value v, int64_t width) {
  auto t = cast<MemRefType>(v.getType());
  int64_t rows = t.getDimSize(0), cols = t.getDimSize(1);
  Value padded = memref::AllocOp::create(
      b, loc, MemRefType::get({rows, width}, t.getElementType()),
      b.getI64IntegerAttr(64));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < width; ++i) {
      SmallVector<Value, 2> at = {idx(b, loc, r), idx(b, loc, i)};
      memref::StoreOp::create(
          b, loc,
          i < cols ? memref::LoadOp::create(b, loc, v, at).getResult() : zero,
          padded, at);
    }
  return padded;
}

/// A parallel loop over the panels of x's m rows: `body(p, its first
/// row, how many of its 16 rows exist)`.
void parallelPanels(
    OpBuilder &b, Location loc, Value m, Value panels,
    function_ref<void(OpBuilder &, Location, Value, Value, Value)> body) {
  Value c0 = idx(b, loc, 0), c1 = idx(b, loc, 1);
  Value lanes = idx(b, loc, kLanes);
  scf::ParallelOp::create(
      b, loc, ValueRange{c0}, ValueRange{panels}, ValueRange{c1},
      [&](OpBuilder &pb, Location pl, ValueRange iv) {
        Value base = arith::MulIOp::create(pb, pl, iv[0], lanes);
        Value valid = arith::MinUIOp::create(
            pb, pl, lanes, arith::SubIOp::create(pb, pl, m, base));
        body(pb, pl, iv[0], base, valid);
        scf::ReduceOp::create(pb, pl);
      });
}

/// xp[p, k, l] = x[16p + l, k], zero past the last row m. Full panels go
/// through 16x16 tiles transposed in registers for the first K - K % 16
/// columns; the rest, and the last partial panel, element by element.
void emitPack(OpBuilder &b, Location loc, Value x, Value xp, Value m,
              Value panels, Value k) {
  Value c0 = idx(b, loc, 0), c1 = idx(b, loc, 1);
  Value lanes = idx(b, loc, kLanes);
  Value kTiles = arith::SubIOp::create(
      b, loc, k, arith::RemUIOp::create(b, loc, k, lanes));
  Type f32 = b.getF32Type();
  parallelPanels(
      b, loc, m, panels,
      [&](OpBuilder &pb, Location pl, Value p, Value base, Value valid) {
        // Columns [kLo, k) of the panel, element by element.
        auto scalarCopy = [&](OpBuilder &sb, Location sl, Value kLo) {
          forRange(
              sb, sl, c0, lanes, c1, [&](OpBuilder &lb, Location ll, Value l) {
                Value row = arith::AddIOp::create(lb, ll, base, l);
                Value inside = arith::CmpIOp::create(
                    lb, ll, arith::CmpIPredicate::ult, l, valid);
                forRange(lb, ll, kLo, k, c1,
                         [&](OpBuilder &kb, Location kl, Value kk) {
                           auto value = scf::IfOp::create(
                               kb, kl, inside,
                               [&](OpBuilder &tb, Location tl) {
                                 scf::YieldOp::create(
                                     tb, tl,
                                     ValueRange{memref::LoadOp::create(
                                         tb, tl, x, ValueRange{row, kk})});
                               },
                               [&](OpBuilder &eb, Location el) {
                                 scf::YieldOp::create(
                                     eb, el,
                                     ValueRange{arith::ConstantOp::create(
                                         eb, el, eb.getF32FloatAttr(0))});
                               });
                           memref::StoreOp::create(kb, kl, value.getResult(0),
                                                   xp, ValueRange{p, kk, l});
                         });
              });
        };
        Value full = arith::CmpIOp::create(pb, pl, arith::CmpIPredicate::eq,
                                           valid, lanes);
        scf::IfOp::create(
            pb, pl, full,
            [&](OpBuilder &tb, Location tl) {
              auto vec = VectorType::get({kLanes}, f32);
              forRange(tb, tl, c0, kTiles, lanes,
                       [&](OpBuilder &kb, Location kl, Value k0) {
                         SmallVector<Value> rows;
                         for (int64_t l = 0; l < kLanes; ++l)
                           rows.push_back(vector::LoadOp::create(
                               kb, kl, vec, x,
                               ValueRange{addIdx(kb, kl, base, l), k0}));
                         for (auto [d, column] :
                              llvm::enumerate(transpose16(kb, kl, rows)))
                           vector::StoreOp::create(
                               kb, kl, column, xp,
                               ValueRange{p, addIdx(kb, kl, k0, d), c0});
                       });
              scalarCopy(tb, tl, kTiles);
              scf::YieldOp::create(tb, tl);
            },
            [&](OpBuilder &eb, Location el) {
              scalarCopy(eb, el, c0);
              scf::YieldOp::create(eb, el);
            });
      });
}

/// Group `g` of K of W's row `col` (elements g·group .. g·group+group-1)
/// in every lane: one 32-bit broadcast load.
Value broadcastGroup(OpBuilder &b, Location loc, const Format &fmt, Value w,
                     Value col, Value g) {
  if (fmt.kind == Format::F32)
    return vector::BroadcastOp::create(
        b, loc, fmt.operand(b),
        memref::LoadOp::create(b, loc, w, ValueRange{col, g}));
  Value k = arith::MulIOp::create(b, loc, g, idx(b, loc, fmt.group()));
  Value group = vector::LoadOp::create(
      b, loc, VectorType::get({fmt.group()}, fmt.element(b)), w,
      ValueRange{col, k});
  Value word = vector::ExtractOp::create(
      b, loc,
      vector::BitCastOp::create(b, loc, VectorType::get({1}, b.getI32Type()),
                                group),
      int64_t(0));
  return vector::BitCastOp::create(
      b, loc, fmt.operand(b),
      vector::BroadcastOp::create(
          b, loc, VectorType::get({kLanes}, b.getI32Type()), word));
}

/// C[16p .. 16(p+panels), n0 .. n0+cols) = x · Wᵀ for the rows that exist,
/// stored only in the columns [from, to): panels x cols accumulators across
/// K. W rows n0 .. n0+cols must exist. One tile serves every strip: the
/// last strip of C shifts left to end at column n and masks off the columns
/// before its start, which its neighbour stores (a second, narrower tile
/// made the kernel twice as long for LLVM to compile; clamping W rows per
/// column instead cost 3-4%: the 12 rows were no longer constant offsets
/// from one pointer).
void emitTile(OpBuilder &b, Location loc, const Format &fmt,
              const RowScales *scales, Value xp, Value w, Value c, Value m,
              Value p, Value n0, int64_t panels, Value k, Value from,
              Value to) {
  const int64_t cols = fmt.tile.cols;
  Value c0 = idx(b, loc, 0);
  VectorType vec = fmt.operand(b);
  Value zero = fmt.zeroAccumulator(b, loc);
  SmallVector<Value> panelIdx, colIdx;
  for (int64_t a = 0; a < panels; ++a)
    panelIdx.push_back(addIdx(b, loc, p, a));
  for (int64_t j = 0; j < cols; ++j)
    colIdx.push_back(addIdx(b, loc, n0, j));
  // `unroll` steps of K per iteration over [lo, hi).
  auto steps = [&](Value lo, Value hi, int64_t unroll, ValueRange init) {
    return scf::ForOp::create(
        b, loc, lo, hi, idx(b, loc, unroll), init,
        [&](OpBuilder &fb, Location fl, Value k0, ValueRange acc) {
          SmallVector<Value> next(acc.begin(), acc.end());
          for (int64_t u = 0; u < unroll; ++u) {
            Value kk = u ? addIdx(fb, fl, k0, u) : k0;
            SmallVector<Value> xs;
            for (int64_t a = 0; a < panels; ++a)
              xs.push_back(vector::LoadOp::create(
                  fb, fl, vec, xp, ValueRange{panelIdx[a], kk, c0}));
            for (int64_t j = 0; j < cols; ++j) {
              Value wv = broadcastGroup(fb, fl, fmt, w, colIdx[j], kk);
              for (int64_t a = 0; a < panels; ++a)
                next[a * cols + j] =
                    fmt.mac(fb, fl, next[a * cols + j], wv, xs[a]);
            }
          }
          scf::YieldOp::create(fb, fl, next);
        });
  };
  // Steps of K by kUnroll (less loop overhead per FMA), then the rest.
  int64_t unroll = fmt.tile.kUnroll;
  Value k4 = arith::SubIOp::create(
      b, loc, k, arith::RemUIOp::create(b, loc, k, idx(b, loc, unroll)));
  auto main = steps(c0, k4, unroll, SmallVector<Value>(panels * cols, zero));
  auto loop = steps(k4, k, 1, main.getResults());
  // Row l of panel a is lane l of its accumulators: a 16x16 register
  // transpose (columns past cols zero) turns lanes into rows, each stored
  // as cols contiguous floats, masked to [from, to), if the row exists.
  Value lanes = idx(b, loc, kLanes);
  SmallVector<int64_t> iota(cols);
  for (int64_t j = 0; j < cols; ++j)
    iota[j] = j;
  auto idxVec = VectorType::get({cols}, b.getIndexType());
  Value colIds = arith::AddIOp::create(
      b, loc,
      arith::ConstantOp::create(b, loc,
                                DenseElementsAttr::get(idxVec, ArrayRef(iota))),
      vector::BroadcastOp::create(b, loc, idxVec, n0));
  auto inRange = [&](arith::CmpIPredicate pred, Value bound) {
    return arith::CmpIOp::create(
        b, loc, pred, colIds, vector::BroadcastOp::create(b, loc, idxVec, bound));
  };
  Value mask =
      arith::AndIOp::create(b, loc, inRange(arith::CmpIPredicate::uge, from),
                            inRange(arith::CmpIPredicate::ult, to));
  for (int64_t a = 0; a < panels; ++a) {
    Value base = arith::MulIOp::create(b, loc, panelIdx[a], lanes);
    Value valid = arith::SubIOp::create(b, loc, m, base);
    SmallVector<Value> columns(loop.getResults().slice(a * cols, cols));
    if (fmt.kind == Format::I8) {
      auto f32s = VectorType::get({kLanes}, b.getF32Type());
      auto i32s = VectorType::get({kLanes}, b.getI32Type());
      Value sum = vector::LoadOp::create(b, loc, i32s, scales->sum,
                                         ValueRange{panelIdx[a], c0});
      Value zero = vector::LoadOp::create(b, loc, i32s, scales->zero,
                                          ValueRange{panelIdx[a], c0});
      Value scale = vector::LoadOp::create(b, loc, f32s, scales->scale,
                                           ValueRange{panelIdx[a], c0});
      auto weight = [&](int64_t row, int64_t j) -> Value {
        return vector::BroadcastOp::create(
            b, loc, f32s,
            memref::LoadOp::create(b, loc, scales->weightScales,
                                   ValueRange{idx(b, loc, row), colIdx[j]}));
      };
      for (int64_t j = 0; j < cols; ++j)
        columns[j] = dequantize(b, loc, columns[j], sum, zero, scale,
                                weight(0, j), weight(1, j));
    }
    SmallVector<Value> rows = transpose16(b, loc, columns);
    for (int64_t l = 0; l < kLanes; ++l) {
      Value exists = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                           idx(b, loc, l), valid);
      scf::IfOp::create(b, loc, exists, [&](OpBuilder &tb, Location tl) {
        Value row = vector::ExtractStridedSliceOp::create(
            tb, tl, rows[l], ArrayRef<int64_t>{0}, ArrayRef<int64_t>{cols},
            ArrayRef<int64_t>{1});
        vector::MaskedStoreOp::create(
            tb, tl, c, ValueRange{addIdx(tb, tl, base, l), n0}, mask, row);
        scf::YieldOp::create(tb, tl);
      });
    }
  }
}

/// All n columns of C for every panel, in one parallel loop over chunks of
/// kChunk panels x blocks of kColBlock columns. A block runs row bands
/// (groups of the tile's panels, then single panels), each across its
/// strips of the tile's columns (the last strip of C narrower when they do
/// not divide n). W has at least that many rows (see padRows).
void emitColumns(OpBuilder &b, Location loc, const Format &fmt,
                 const RowScales *scales, Value xp, Value w, Value c,
                 Value m, Value panels, Value n, Value k) {
  const int64_t cols = fmt.tile.cols, bandPanels = fmt.tile.panels;
  Value c0 = idx(b, loc, 0);
  Value lastStart = arith::SubIOp::create(
      b, loc, memref::DimOp::create(b, loc, w, 0), idx(b, loc, cols));
  Value chunk = idx(b, loc, kChunk), pairStep = idx(b, loc, bandPanels);
  Value colsV = idx(b, loc, cols);
  // Whole strips per block: none crosses into the next block's columns.
  Value blockV = idx(b, loc, (kColBlock + cols - 1) / cols * cols);
  scf::ParallelOp::create(
      b, loc, ValueRange{c0, c0}, ValueRange{panels, n},
      ValueRange{chunk, blockV},
      [&](OpBuilder &pb, Location pl, ValueRange iv) {
        Value pEnd = arith::MinUIOp::create(
            pb, pl, panels, arith::AddIOp::create(pb, pl, iv[0], chunk));
        Value blockEnd = arith::MinUIOp::create(
            pb, pl, n, arith::AddIOp::create(pb, pl, iv[1], blockV));
        Value count = arith::SubIOp::create(pb, pl, pEnd, iv[0]);
        Value pairsEnd = arith::AddIOp::create(
            pb, pl, iv[0],
            arith::SubIOp::create(
                pb, pl, count,
                arith::RemUIOp::create(pb, pl, count, pairStep)));
        // The block's strips for `count` panels from p. The tiles of one
        // row band go left to right, so each C row is written in adjacent
        // pieces that complete its cache lines while they are in L1 (strip
        // by strip, C rows 8 KB apart each took a line of their own per
        // tile: 12% of the time).
        auto band = [&](OpBuilder &nb, Location nl, Value p, int64_t count) {
          forRange(nb, nl, iv[1], blockEnd, colsV,
                   [&](OpBuilder &tb, Location tl, Value s) {
                     Value n0 = arith::MinUIOp::create(tb, tl, s, lastStart);
                     Value to = arith::MinUIOp::create(
                         tb, tl, n, arith::AddIOp::create(tb, tl, s, colsV));
                     emitTile(tb, tl, fmt, scales, xp, w, c, m, p, n0, count, k, s,
                              to);
                   });
        };
        forRange(pb, pl, iv[0], pairsEnd, pairStep,
                 [&](OpBuilder &nb, Location nl, Value p) {
                   band(nb, nl, p, bandPanels);
                 });
        forRange(
            pb, pl, pairsEnd, pEnd, idx(pb, pl, 1),
            [&](OpBuilder &nb, Location nl, Value p) { band(nb, nl, p, 1); });
        scf::ReduceOp::create(pb, pl);
      });
}

/// C = x · Wᵀ for m <= `rowsX` rows (a generation step's tokens): a
/// padded panel would multiply 32 rows for each real one, so instead each
/// output is a dot product of a row of x with a row of W, read as stored,
/// once. A parallel loop over blocks of kDotBlock columns; a step takes
/// `rowsW` rows of W against `rowsX` rows of x (rows past m repeat the
/// last, never stored), 16 lanes of K at a time with vector accumulators
/// (K's steps dealt round-robin to enough of them for kMinChains chains),
/// prefetching kPrefetchAhead floats ahead of each W stream, the K % 16 tail
/// masked, then one reduction (a tree) per output. Bound by streaming W
/// from memory, not by FMAs.
void emitFewRows(OpBuilder &b, Location loc, const Format &fmt,
                 const RowScales *scales, Value x, Value w, Value c, Value m,
                 Value n, Value k, int64_t rowsX, int64_t rowsW) {
  Value c0 = idx(b, loc, 0), c1 = idx(b, loc, 1);
  VectorType vec = fmt.operand(b);
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vec, b.getZeroAttr(fmt.element(b))));
  Value accZero = fmt.zeroAccumulator(b, loc);
  Value lanes = idx(b, loc, fmt.width());
  Value kBody = arith::SubIOp::create(b, loc, k,
                                      arith::RemUIOp::create(b, loc, k, lanes));
  Value lastRow = arith::SubIOp::create(b, loc, m, c1);
  Value lastCol = arith::SubIOp::create(b, loc, n, c1);
  Value lastK = arith::SubIOp::create(b, loc, k, c1);
  scf::ParallelOp::create(
      b, loc, ValueRange{c0}, ValueRange{n}, ValueRange{idx(b, loc, kDotBlock)},
      [&](OpBuilder &pb, Location pl, ValueRange iv) {
        Value end = arith::MinUIOp::create(
            pb, pl, n, addIdx(pb, pl, iv[0], kDotBlock));
        // One group of rowsW columns from n0. Unless `partial`, all exist:
        // their rows of W are then constant offsets from one pointer (K is
        // static), which keeps the streams in registers.
        auto group = [&](OpBuilder &cb, Location cl, Value n0, bool partial) {
          SmallVector<Value> rows, cols;
          for (int64_t r = 0; r < rowsX; ++r)
            rows.push_back(arith::MinUIOp::create(cb, cl, idx(cb, cl, r),
                                                  lastRow));
          for (int64_t j = 0; j < rowsW; ++j) {
            Value col = addIdx(cb, cl, n0, j);
            cols.push_back(
                partial ? arith::MinUIOp::create(cb, cl, col, lastCol) : col);
          }
          // One step of 16 lanes of K at k0; `mask` for the tail.
          auto step = [&](OpBuilder &sb, Location sl, Value k0,
                          ValueRange acc, Value mask) {
            auto load = [&](Value mem, Value row) -> Value {
              if (!mask)
                return vector::LoadOp::create(sb, sl, vec, mem,
                                              ValueRange{row, k0});
              return vector::MaskedLoadOp::create(sb, sl, vec, mem,
                                                  ValueRange{row, k0}, mask,
                                                  zero);
            };
            SmallVector<Value> xs, next(acc.begin(), acc.end());
            if (!mask) {
              // kPrefetchAhead floats past (col, k0) in row-major order:
              // rows `down` further, at column `across` (the last row's
              // end at most).
              Value ahead =
                  addIdx(sb, sl, k0, kPrefetchAhead * 4 / fmt.bytes());
              Value down = arith::DivUIOp::create(sb, sl, ahead, k);
              Value across = arith::RemUIOp::create(sb, sl, ahead, k);
              for (int64_t j = 0; j < rowsW; ++j) {
                Value row = arith::AddIOp::create(sb, sl, cols[j], down);
                Value past = arith::CmpIOp::create(
                    sb, sl, arith::CmpIPredicate::ugt, row, lastCol);
                memref::PrefetchOp::create(
                    sb, sl, w,
                    ValueRange{
                        arith::SelectOp::create(sb, sl, past, lastCol, row),
                        arith::SelectOp::create(sb, sl, past, lastK, across)},
                    /*isWrite=*/false, /*localityHint=*/1,
                    /*isDataCache=*/true);
              }
            }
            for (int64_t r = 0; r < rowsX; ++r)
              xs.push_back(load(x, rows[r]));
            for (int64_t j = 0; j < rowsW; ++j) {
              Value wv = load(w, cols[j]);
              for (int64_t r = 0; r < rowsX; ++r)
                next[r * rowsW + j] =
                    fmt.mac(sb, sl, next[r * rowsW + j], wv, xs[r]);
            }
            return next;
          };
          // `chains` sets of accumulators over steps of chains·16 lanes,
          // added pairwise; the steps left before the tail go to one set.
          int64_t outs = rowsX * rowsW;
          int64_t chains =
              std::max<int64_t>(1, (kMinChains + outs - 1) / outs);
          Value stride = idx(cb, cl, fmt.width() * chains);
          Value kMain = arith::SubIOp::create(
              cb, cl, k, arith::RemUIOp::create(cb, cl, k, stride));
          auto main = scf::ForOp::create(
              cb, cl, c0, kMain, stride,
              SmallVector<Value>(outs * chains, accZero),
              [&](OpBuilder &fb, Location fl, Value k0, ValueRange acc) {
                SmallVector<Value> next;
                for (int64_t s = 0; s < chains; ++s)
                  llvm::append_range(
                      next, step(fb, fl, addIdx(fb, fl, k0, s * fmt.width()),
                                 acc.slice(s * outs, outs), Value()));
                scf::YieldOp::create(fb, fl, next);
              });
          SmallVector<Value> sets(main.getResults());
          for (int64_t live = chains; live > 1; live = (live + 1) / 2)
            for (int64_t s = 0; s < live / 2; ++s)
              for (int64_t o = 0; o < outs; ++o) {
                Value &into = sets[s * outs + o];
                Value from = sets[(s + (live + 1) / 2) * outs + o];
                if (fmt.kind == Format::I8)
                  into = arith::AddIOp::create(cb, cl, into, from);
                else
                  into = arith::AddFOp::create(cb, cl, into, from);
              }
          sets.resize(outs);
          auto body = scf::ForOp::create(
              cb, cl, kMain, kBody, lanes, sets,
              [&](OpBuilder &fb, Location fl, Value k0, ValueRange acc) {
                scf::YieldOp::create(fb, fl, step(fb, fl, k0, acc, Value()));
              });
          SmallVector<Value> acc(body.getResults());
          Value tail = arith::SubIOp::create(cb, cl, k, kBody);
          Value hasTail = arith::CmpIOp::create(cb, cl, arith::CmpIPredicate::ne,
                                                tail, c0);
          auto tailIf = scf::IfOp::create(
              cb, cl, hasTail,
              [&](OpBuilder &tb, Location tl) {
                Value mask = vector::CreateMaskOp::create(
                    tb, tl, VectorType::get({fmt.width()}, tb.getI1Type()),
                    ValueRange{tail});
                scf::YieldOp::create(tb, tl, step(tb, tl, kBody, acc, mask));
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, acc);
              });
          for (int64_t r = 0; r < rowsX; ++r) {
            Value exists = arith::CmpIOp::create(
                cb, cl, arith::CmpIPredicate::ult, idx(cb, cl, r), m);
            scf::IfOp::create(cb, cl, exists, [&](OpBuilder &tb, Location tl) {
              for (int64_t j = 0; j < rowsW; ++j) {
                Value col = addIdx(tb, tl, n0, j);
                Value sum = vector::ReductionOp::create(
                    tb, tl, vector::CombiningKind::ADD,
                    tailIf.getResult(r * rowsW + j),
                    arith::FastMathFlags::reassoc);
                if (fmt.kind == Format::I8) {
                  Value row = idx(tb, tl, r);
                  auto weight = [&](int64_t at) -> Value {
                    return memref::LoadOp::create(
                        tb, tl, scales->weightScales,
                        ValueRange{idx(tb, tl, at), cols[j]});
                  };
                  sum = dequantize(
                      tb, tl, sum,
                      memref::LoadOp::create(tb, tl, scales->sum, row),
                      memref::LoadOp::create(tb, tl, scales->zero, row),
                      memref::LoadOp::create(tb, tl, scales->scale, row),
                      weight(0), weight(1));
                }
                auto store = [&](OpBuilder &sb, Location sl) {
                  memref::StoreOp::create(sb, sl, sum, c,
                                          ValueRange{idx(sb, sl, r), col});
                };
                if (!partial) {
                  store(tb, tl);
                  continue;
                }
                Value inside = arith::CmpIOp::create(
                    tb, tl, arith::CmpIPredicate::ult, col, n);
                scf::IfOp::create(tb, tl, inside,
                                  [&](OpBuilder &sb, Location sl) {
                                    store(sb, sl);
                                    scf::YieldOp::create(sb, sl);
                                  });
              }
              scf::YieldOp::create(tb, tl);
            });
          }
        };
        Value rowsWV = idx(pb, pl, rowsW);
        Value full = arith::AddIOp::create(
            pb, pl, iv[0],
            arith::MulIOp::create(
                pb, pl,
                arith::DivUIOp::create(
                    pb, pl, arith::SubIOp::create(pb, pl, end, iv[0]), rowsWV),
                rowsWV));
        forRange(pb, pl, iv[0], full, rowsWV,
                 [&](OpBuilder &cb, Location cl, Value n0) {
                   group(cb, cl, n0, /*partial=*/false);
                 });
        Value rest = arith::CmpIOp::create(pb, pl, arith::CmpIPredicate::ult,
                                           full, end);
        scf::IfOp::create(pb, pl, rest, [&](OpBuilder &cb, Location cl) {
          group(cb, cl, full, /*partial=*/true);
          scf::YieldOp::create(cb, cl);
        });
        scf::ReduceOp::create(pb, pl);
      });
}

/// xp[p, g, l·group + e] = x[16p + l, g·group + e] in the format's
/// elements (converted by convertRow, each row's scale and sum at [p, l]),
/// zero past the last row m and past K. A parallel loop over panels.
void emitConvertPack(OpBuilder &b, Location loc, const Format &fmt,
                     const RowScales &scales, Value x, Value xp, Value m,
                     Value panels, int64_t k) {
  Value c0 = idx(b, loc, 0), c1 = idx(b, loc, 1);
  Value lanes = idx(b, loc, kLanes);
  int64_t group = fmt.group();
  int64_t padded = (k + kLanes - 1) / kLanes * kLanes;
  parallelPanels(
      b, loc, m, panels,
      [&](OpBuilder &pb, Location pl, Value p, Value base, Value valid) {
        forRange(pb, pl, c0, lanes, c1, [&](OpBuilder &lb, Location ll,
                                            Value l) {
          // 16 elements from column k0 go to 16 / group groups of row l.
          auto store = [&](OpBuilder &sb, Location sl, Value k0, Value v) {
            Value g0 = arith::DivUIOp::create(sb, sl, k0, idx(sb, sl, group));
            Value at = arith::MulIOp::create(sb, sl, l, idx(sb, sl, group));
            for (int64_t i = 0; i < kLanes / group; ++i)
              vector::StoreOp::create(
                  sb, sl,
                  vector::ExtractStridedSliceOp::create(
                      sb, sl, v, ArrayRef<int64_t>{i * group},
                      ArrayRef<int64_t>{group}, ArrayRef<int64_t>{1}),
                  xp, ValueRange{p, addIdx(sb, sl, g0, i), at});
          };
          Value exists =
              arith::CmpIOp::create(lb, ll, arith::CmpIPredicate::ult, l, valid);
          scf::IfOp::create(
              lb, ll, exists,
              [&](OpBuilder &tb, Location tl) {
                convertRow(tb, tl, fmt, x, arith::AddIOp::create(tb, tl, base, l),
                           k, &scales, ValueRange{p, l}, store);
                scf::YieldOp::create(tb, tl);
              },
              [&](OpBuilder &eb, Location el) {
                Value zeros = arith::ConstantOp::create(
                    eb, el,
                    DenseElementsAttr::get(
                        VectorType::get({kLanes}, fmt.element(eb)),
                        eb.getZeroAttr(fmt.element(eb))));
                forRange(eb, el, c0, idx(eb, el, padded), lanes,
                         [&](OpBuilder &zb, Location zl, Value k0) {
                           store(zb, zl, k0, zeros);
                         });
                if (fmt.kind == Format::I8) {
                  memref::StoreOp::create(
                      eb, el,
                      arith::ConstantOp::create(eb, el, eb.getF32FloatAttr(0)),
                      scales.scale, ValueRange{p, l});
                  for (Value zeroed : {scales.zero, scales.sum})
                    memref::StoreOp::create(
                        eb, el,
                        arith::ConstantOp::create(eb, el,
                                                  eb.getI32IntegerAttr(0)),
                        zeroed, ValueRange{p, l});
                }
                scf::YieldOp::create(eb, el);
              });
        });
      });
}

/// The body of the kernel function (x, w[, weight scales], c) → (): a few
/// rows stream W (emitFewRows); more pack x into panels, run the tiles,
/// free the panels. bf16 and int8 convert x's rows first (into rows for
/// the streaming shapes, into panels for the tiles).
void emitKernelBody(OpBuilder &b, Location loc, const Format &fmt, Value x,
                    Value w, Value weightScales, Value c) {
  Value m = memref::DimOp::create(b, loc, x, 0);
  Value n = memref::DimOp::create(b, loc, c, 1);
  int64_t kStatic = cast<MemRefType>(w.getType()).getDimSize(1);
  Value k = idx(b, loc, kStatic);
  int64_t padded = (kStatic + kLanes - 1) / kLanes * kLanes;
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto alloc = [&](OpBuilder &ab, ArrayRef<int64_t> shape, Type t,
                   ValueRange sizes) -> Value {
    return memref::AllocOp::create(ab, loc, MemRefType::get(shape, t), sizes,
                                   ab.getI64IntegerAttr(64));
  };
  // One branch per streaming shape, the panel kernel in the last else.
  OpBuilder::InsertPoint after;
  for (auto [rowsX, rowsW] : fmt.tile.dotShapes) {
    Value few = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, m,
                                      idx(b, loc, rowsX));
    auto choice = scf::IfOp::create(b, loc, few, /*withElseRegion=*/true);
    if (!after.isSet())
      after = OpBuilder::InsertPoint(b.getInsertionBlock(),
                                     std::next(Block::iterator(choice)));
    OpBuilder tb = choice.getThenBodyBuilder();
    if (fmt.kind == Format::F32) {
      emitFewRows(tb, loc, fmt, nullptr, x, w, c, m, n, k, rowsX, rowsW);
    } else {
      // The rows converted one after the other: K values each, too few to
      // wake the threads for.
      // On the calling thread's stack (at most rowsX rows of K): this is a
      // generation step's path, run for every linear layer of every token.
      auto stack = [&](ArrayRef<int64_t> shape, Type t) -> Value {
        return memref::AllocaOp::create(tb, loc, MemRefType::get(shape, t),
                                        tb.getI64IntegerAttr(64));
      };
      Value xq = stack({rowsX, padded}, fmt.element(tb));
      RowScales scales{stack({rowsX}, f32), stack({rowsX}, i32),
                       stack({rowsX}, i32), weightScales};
      forRange(tb, loc, idx(tb, loc, 0), m, idx(tb, loc, 1),
               [&](OpBuilder &rb, Location rl, Value row) {
                 convertRow(rb, rl, fmt, x, row, kStatic, &scales,
                            ValueRange{row},
                            [&](OpBuilder &sb, Location sl, Value k0, Value v) {
                              vector::StoreOp::create(sb, sl, v, xq,
                                                      ValueRange{row, k0});
                            });
               });
      emitFewRows(tb, loc, fmt, &scales, xq, w, c, m, n, k, rowsX, rowsW);
    }
    b.setInsertionPointToStart(&choice.getElseRegion().front());
  }
  Value panels = arith::DivUIOp::create(b, loc, addIdx(b, loc, m, kLanes - 1),
                                        idx(b, loc, kLanes));
  if (fmt.kind == Format::F32) {
    Value xp = alloc(b, {ShapedType::kDynamic, ShapedType::kDynamic, kLanes},
                     f32, ValueRange{panels, k});
    emitPack(b, loc, x, xp, m, panels, k);
    emitColumns(b, loc, fmt, nullptr, xp, w, c, m, panels, n, k);
    memref::DeallocOp::create(b, loc, xp);
  } else {
    Value xp = alloc(b, {ShapedType::kDynamic, padded / fmt.group(), fmt.width()},
                     fmt.element(b), ValueRange{panels});
    RowScales scales{
        alloc(b, {ShapedType::kDynamic, kLanes}, f32, ValueRange{panels}),
        alloc(b, {ShapedType::kDynamic, kLanes}, i32, ValueRange{panels}),
        alloc(b, {ShapedType::kDynamic, kLanes}, i32, ValueRange{panels}),
        weightScales};
    emitConvertPack(b, loc, fmt, scales, x, xp, m, panels, kStatic);
    // Steps of one group of K; the last may end past K (W's tail bytes,
    // x's zeros).
    Value groups = idx(b, loc, (kStatic + fmt.group() - 1) / fmt.group());
    emitColumns(b, loc, fmt, &scales, xp, w, c, m, panels, n, groups);
    for (Value buffer : {xp, scales.scale, scales.zero, scales.sum})
      memref::DeallocOp::create(b, loc, buffer);
  }
  b.restoreInsertionPoint(after);
}

struct XfCpuMatmulKernelPass final
    : mlir::xf::impl::XfCpuMatmulKernelPassBase<XfCpuMatmulKernelPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::GenericOp> targets;
    module.walk([&](linalg::GenericOp g) {
      if (g->hasAttr(XfDialect::getWeightMatmulAttrName()) && g.hasPureBufferSemantics())
        targets.push_back(g);
    });
    // One kernel function per K, shared by every call site: operands are
    // cast to dynamic M and N (the seed model's ~100 linear layers share
    // two). K stays static: the 12 weight rows of a tile are then constant
    // offsets from one pointer.
    SymbolTable symbols(module);
    DenseMap<FunctionType, func::FuncOp> kernels;
    KernelConfig tile = KernelConfig::of(module);
    for (linalg::GenericOp g : targets) {
      Format fmt;
      fmt.tile = tile;
      if (auto precision = g->getAttrOfType<StringAttr>(
              XfDialect::getWeightMatmulAttrName())) {
        fmt.kind = precision.getValue() == "bf16" ? Format::BF16 : Format::I8;
        fmt.native = fmt.kind == Format::BF16 ? avx512bf16 : vnni;
      }
      // The kernel writes every element of C without reading it: a fill of
      // C just before (the zero init of the reduction) is dead.
      if (auto fill = dyn_cast_or_null<linalg::FillOp>(g->getPrevNode()))
        if (fill.hasPureBufferSemantics() &&
            fill.getDpsInits()[0] == g.getDpsInits()[0])
          fill.erase();
      OpBuilder b(g);
      Location loc = g.getLoc();
      Value w = g.getDpsInputs()[1];
      auto wType = cast<MemRefType>(w.getType());
      bool narrow = wType.getDimSize(0) < fmt.tile.cols;
      // A narrow copy keeps the tail bytes past its last row that xf/abi.h
      // promises past every bf16 or int8 weight.
      int64_t rowBytes = wType.getDimSize(1) * fmt.bytes();
      SmallVector<Value> copies;
      if (narrow) {
        w = padRows(b, loc, w, fmt.tile.cols,
                    fmt.kind == Format::F32
                        ? 0
                        : (XF_PARAM_TAIL_BYTES + rowBytes - 1) / rowBytes);
        copies.push_back(w);
      }
      SmallVector<std::pair<Value, bool>> operands = {
          {collapseRows(b, loc, g.getDpsInputs()[0]), true}, {w, true}};
      if (fmt.kind == Format::I8) {
        Value scales = g.getDpsInputs()[2];
        if (narrow) {
          scales = padVector(b, loc, scales, fmt.tile.cols);
          copies.push_back(scales);
        }
        operands.push_back({scales, false});
      }
      operands.push_back({collapseRows(b, loc, g.getDpsInits()[0]), false});
      SmallVector<Value> args;
      for (auto [v, keepK] : operands) {
        auto t = cast<MemRefType>(v.getType());
        MemRefType type =
            t.getRank() == 1
                ? MemRefType::get({ShapedType::kDynamic}, t.getElementType())
                : dynamicType(t, keepK);
        args.push_back(
            type == v.getType() ? v : memref::CastOp::create(b, loc, type, v));
      }
      auto type = b.getFunctionType(ValueRange(args).getTypes(), {});
      func::FuncOp &kernel = kernels[type];
      if (!kernel) {
        OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
        kernel = func::FuncOp::create(
            mb, module.getLoc(), fmt.kernelName(wType.getDimSize(1)), type);
        markOutOfLine(kernel);
        symbols.insert(kernel); // renames on a clash (other layouts)
        OpBuilder kb = OpBuilder::atBlockBegin(kernel.addEntryBlock());
        bool int8 = fmt.kind == Format::I8;
        emitKernelBody(kb, kernel.getLoc(), fmt, kernel.getArgument(0),
                       kernel.getArgument(1),
                       int8 ? kernel.getArgument(2) : Value(),
                       kernel.getArgument(int8 ? 3 : 2));
        func::ReturnOp::create(kb, kernel.getLoc());
      }
      func::CallOp::create(b, loc, kernel, args);
      for (Value copy : copies)
        memref::DeallocOp::create(b, loc, copy);
      g.erase();
    }
  }
};

} // namespace
