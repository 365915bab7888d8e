//===- MatmulKernel.cpp - Shared-memory tiled GEMM launches ---------------===//
//
// xf-gpu-matmul-kernel: each (batched) matmul generic on buffers becomes a
// gpu.launch of a 64x64-tile kernel staging 64x16 slices of A and B in
// workgroup memory as vectors of 4 (the next slice loaded into registers
// while the current one is used), 4x4 outputs per thread, read as one
// vector of A and one of B per k (see Passes.td for the layout).
//
//===----------------------------------------------------------------------===//

#include "codegen/Common/LoopBuilder.h"
#include "codegen/GPU/FlatBuffer.h"
#include "codegen/Passes.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFGPUMATMULKERNELPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {

constexpr int64_t kTile = 64; ///< rows and columns of C per workgroup
constexpr int64_t kStep = 16; ///< K per staged slice
constexpr int64_t kThreads = 256;
constexpr int64_t kSide = 16; ///< threads per row and column of the tile
constexpr int64_t kPerThread = kTile / kSide; ///< 4x4 outputs per thread
/// Workgroup memory: the A slice [16][64] then the B slice, as vectors of
/// kPerThread floats (element kk * 16 + q holds rows 4q .. 4q+3 of step kk);
/// the C tile [64][65] (rows padded against bank conflicts) apart.
constexpr int64_t kSlice = kStep * kTile / kPerThread;
constexpr int64_t kPitch = kTile + 1;

/// A matmul generic seen as loops: batch dims, rows m, columns n, the
/// reduction k (positions among the generic's loops).
struct MatmulDims {
  SmallVector<unsigned> batch;
  unsigned m, n, k;
};

/// Whether `g` is `out[.., m, n] += a(..) * b(..)` over f32 buffers with one
/// reduction loop, a not depending on n and b not on m.
std::optional<MatmulDims> matchMatmul(linalg::GenericOp g) {
  if (!g.hasPureBufferSemantics() || g.getNumDpsInputs() != 2 ||
      g.getNumDpsInits() != 1 || g.getNumReductionLoops() != 1)
    return std::nullopt;
  for (Value v : g->getOperands())
    if (!cast<MemRefType>(v.getType()).getElementType().isF32())
      return std::nullopt;
  // Body: yield(out + a * b), in either operand order.
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || body.getOperations().size() != 3)
    return std::nullopt;
  Value out = body.getArgument(2);
  Value prod = add.getLhs() == out ? add.getRhs() : add.getLhs();
  auto mul = prod.getDefiningOp<arith::MulFOp>();
  if (!mul || (add.getLhs() != out && add.getRhs() != out))
    return std::nullopt;
  Value a = body.getArgument(0), bArg = body.getArgument(1);
  if (!((mul.getLhs() == a && mul.getRhs() == bArg) ||
        (mul.getLhs() == bArg && mul.getRhs() == a)))
    return std::nullopt;

  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  AffineMap outMap = maps[2];
  unsigned rank = outMap.getNumResults();
  if (rank < 2 || !outMap.isProjectedPermutation() ||
      rank != g.getNumParallelLoops())
    return std::nullopt;
  MatmulDims dims;
  for (unsigned r = 0; r < rank; ++r)
    dims.batch.push_back(outMap.getDimPosition(r));
  dims.n = dims.batch.pop_back_val();
  dims.m = dims.batch.pop_back_val();
  SmallVector<unsigned> reductions;
  g.getReductionDims(reductions);
  dims.k = reductions.front();
  for (AffineMap map : {maps[0], maps[1]})
    for (AffineExpr e : map.getResults())
      if (!isa<AffineDimExpr, AffineConstantExpr>(e))
        return std::nullopt;
  if (maps[0].isFunctionOfDim(dims.n) || maps[1].isFunctionOfDim(dims.m))
    return std::nullopt;
  return dims;
}

/// The indices of an operand indexed by `map` when the loops are at `loops`.
SmallVector<Value> operandIndices(OpBuilder &b, Location loc, AffineMap map,
                                  ArrayRef<Value> loops) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e))
      indices.push_back(loops[d.getPosition()]);
    else
      indices.push_back(idx(b, loc, cast<AffineConstantExpr>(e).getValue()));
  }
  return indices;
}

/// The buffer `v` is a view of (through view-like ops), or `v` itself.
Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// The elementwise generic right after the matmul `g` that reads its result
/// C and that the kernel can apply while storing instead (in place, or C's
/// only other users free it): C is read at the generic's own (identity)
/// indexing, the body is pure and does not ask for indices, and the generic's
/// output is no view of the matmul's operands (other workgroups still read
/// those).
linalg::GenericOp findEpilogue(linalg::GenericOp g) {
  Value c = g.getDpsInits()[0];
  auto e = dyn_cast_or_null<linalg::GenericOp>(g->getNextNode());
  if (!e || !e.hasPureBufferSemantics() || e.getNumDpsInits() != 1 ||
      e.getNumReductionLoops() ||
      e.getNumLoops() != cast<MemRefType>(c.getType()).getRank())
    return {};
  AffineMap identity =
      AffineMap::getMultiDimIdentityMap(e.getNumLoops(), e.getContext());
  if (e.getIndexingMapsArray().back() != identity)
    return {};
  bool readsC = false;
  for (OpOperand *in : e.getDpsInputOperands()) {
    if (in->get() != c)
      continue;
    if (e.getMatchingIndexingMap(in) != identity)
      return {};
    readsC = true;
  }
  if (!readsC)
    return {};
  for (Operation &op : e.getRegion().front().without_terminator())
    if (isa<linalg::IndexOp>(op) || !isMemoryEffectFree(&op))
      return {};
  // Unless the epilogue works in place (C then holds its result, as
  // unfused), nothing may read C afterwards: it is never written.
  if (e.getDpsInits()[0] != c)
    for (Operation *user : c.getUsers())
      if (user != g && user != e &&
          !isa<memref::DeallocOp, bufferization::DeallocOp>(user))
        return {};
  Value out = rootBuffer(e.getDpsInits()[0]);
  for (Value in : g.getDpsInputs())
    if (rootBuffer(in) == out)
      return {};
  // An operand of the epilogue in its output buffer is read only where the
  // same thread writes (other workgroups write the rest).
  for (OpOperand *in : e.getDpsInputOperands())
    if (rootBuffer(in->get()) == out &&
        (in->get() != e.getDpsInits()[0] ||
         e.getMatchingIndexingMap(in) != identity))
      return {};
  return e;
}

class GpuMatmulKernelPass final
    : public xf::impl::XfGpuMatmulKernelPassBase<GpuMatmulKernelPass> {
public:
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, MatmulDims>> targets;
    getOperation().walk([&](linalg::GenericOp g) {
      if (g->getParentOfType<gpu::LaunchOp>())
        return;
      if (std::optional<MatmulDims> dims = matchMatmul(g))
        targets.push_back({g, *dims});
    });
    for (auto &[g, dims] : targets)
      emitLaunch(g, dims);
  }

private:
  void emitLaunch(linalg::GenericOp g, const MatmulDims &dims);
};

void GpuMatmulKernelPass::emitLaunch(linalg::GenericOp g,
                                     const MatmulDims &dims) {
  Location loc = g.getLoc();
  OpBuilder b(g);
  Value c = g.getDpsInits()[0];
  // A fill of C just before is the accumulators' start; else C is read.
  Value init;
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(g->getPrevNode()))
    if (fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == c) {
      init = fill.getInputs()[0];
      fill.erase();
    }
  // An elementwise consumer of C (bias, activation, residual add) runs in
  // the store loop: only its result is stored (in C, if it works in place).
  linalg::GenericOp epilogue = findEpilogue(g);

  // Host: loop sizes, flat buffers, the grid.
  SmallVector<Value> sizes;
  for (Range r :
       cast<linalg::LinalgOp>(g.getOperation()).createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  Value batch = idx(b, loc, 1);
  for (unsigned d : dims.batch)
    batch = arith::MulIOp::create(b, loc, batch, sizes[d]);
  Value m = sizes[dims.m], n = sizes[dims.n], k = sizes[dims.k];
  FlatBuffer fa = flatten(b, loc, g.getDpsInputs()[0]);
  FlatBuffer fb = flatten(b, loc, g.getDpsInputs()[1]);
  FlatBuffer fc = flatten(b, loc, c);
  SmallVector<FlatBuffer> epilogueBuffers; // its operands, C's slot unused
  if (epilogue)
    for (Value operand : epilogue->getOperands())
      epilogueBuffers.push_back(operand == c ? fc : flatten(b, loc, operand));
  Value one = idx(b, loc, 1), tile = idx(b, loc, kTile);
  auto tiles = [&](Value extent) {
    return arith::MaxSIOp::create(
        b, loc, arith::CeilDivSIOp::create(b, loc, extent, tile), one);
  };
  Value gridZ = arith::MaxSIOp::create(
      b, loc, arith::MinSIOp::create(b, loc, batch, idx(b, loc, 65535)), one);
  auto func = g->getParentOfType<func::FuncOp>();
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto groupType = VectorType::get({kPerThread}, b.getF32Type());
  auto slices = MemRefType::get({2 * kSlice}, groupType,
                                MemRefLayoutAttrInterface{}, workgroup);
  auto cTile = MemRefType::get({kTile * kPitch}, b.getF32Type(),
                               MemRefLayoutAttrInterface{}, workgroup);
  auto launch = gpu::LaunchOp::create(
      b, loc, tiles(n), tiles(m), gridZ, idx(b, loc, kThreads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, TypeRange{slices, cTile},
      /*privateAttributions=*/{}, nullptr, nullptr, nullptr,
      /*module=*/nullptr,
      FlatSymbolRefAttr::get(b.getContext(), (func.getName() + "_gemm").str()));
  Value shared = launch.getWorkgroupAttributions()[0];
  Value cShared = launch.getWorkgroupAttributions()[1];

  // Device.
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  Value c0 = idx(b, loc, 0), side = idx(b, loc, kSide);
  Value step = idx(b, loc, kStep);
  Value tid = launch.getThreadIds().x;
  Value tx = arith::RemUIOp::create(b, loc, tid, side);
  Value ty = arith::DivUIOp::create(b, loc, tid, side);
  Value col0 = arith::MulIOp::create(b, loc, launch.getBlockIds().x, tile);
  Value row0 = arith::MulIOp::create(b, loc, launch.getBlockIds().y, tile);
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  unsigned numLoops = g.getNumLoops();
  auto lt = [&](OpBuilder &ob, Value x, Value bound) -> Value {
    return arith::CmpIOp::create(ob, loc, arith::CmpIPredicate::slt, x, bound);
  };

  forRange(
      b, loc, launch.getBlockIds().z, batch, launch.getGridSize().z,
      [&](OpBuilder &zb, Location, Value z) {
        // The batch loops' values, delinearized (last fastest).
        SmallVector<Value> loops(numLoops, c0);
        Value rest = z;
        for (int i = static_cast<int>(dims.batch.size()) - 1; i >= 0; --i) {
          Value size = sizes[dims.batch[i]];
          loops[dims.batch[i]] =
              i ? arith::RemUIOp::create(zb, loc, rest, size).getResult()
                : rest;
          if (i)
            rest = arith::DivUIOp::create(zb, loc, rest, size);
        }
        Value start =
            init ? init
                 : arith::ConstantOp::create(zb, loc, zb.getF32FloatAttr(0))
                       .getResult();
        SmallVector<Value> acc0(kPerThread * kPerThread, start);

        // Each thread stages one vector of each operand per step: rows 4q ..
        // 4q+3 of column kk of the 64 x 16 slice (`outer` = m or n) at k0,
        // stored at `shared`[base + kk * 16 + q]. The threads of a warp take
        // consecutive elements along the operand's contiguous dim.
        static_assert(kSlice == kThreads, "one vector per thread and operand");
        Value groups = idx(zb, loc, kTile / kPerThread);
        // The thread's (q, kk) in an operand's slice, once per operand.
        auto slot = [&](AffineMap map) {
          bool kFastest = map.getNumResults() &&
                          map.getResult(map.getNumResults() - 1) ==
                              getAffineDimExpr(dims.k, map.getContext());
          if (kFastest)
            return std::pair<Value, Value>{
                arith::DivUIOp::create(zb, loc, tid, step),
                arith::RemUIOp::create(zb, loc, tid, step)};
          return std::pair<Value, Value>{
              arith::RemUIOp::create(zb, loc, tid, groups),
              arith::DivUIOp::create(zb, loc, tid, groups)};
        };
        std::pair<Value, Value> slotA = slot(maps[0]), slotB = slot(maps[1]);
        // The thread's vector of the slice at k0 (zero past the edges).
        auto fetch = [&](OpBuilder &sb, Value k0, const FlatBuffer &f,
                         AffineMap map, std::pair<Value, Value> at0,
                         unsigned outer, Value outer0, Value bound) -> Value {
          auto [q, kk] = at0;
          Value gk = arith::AddIOp::create(sb, loc, k0, kk);
          Value r0 = arith::AddIOp::create(
              sb, loc, outer0,
              arith::MulIOp::create(sb, loc, q, idx(sb, loc, kPerThread)));
          SmallVector<Value> values;
          for (int64_t g = 0; g < kPerThread; ++g) {
            Value gr = addIdx(sb, loc, r0, g);
            Value inside = arith::AndIOp::create(sb, loc, lt(sb, gr, bound),
                                                 lt(sb, gk, k));
            values.push_back(loadOrZero(sb, loc, inside, f, [&](OpBuilder &ib) {
              SmallVector<Value> at(loops);
              at[outer] = gr;
              at[dims.k] = gk;
              return linearIndex(ib, loc, f, operandIndices(ib, loc, map, at));
            }));
          }
          return vector::FromElementsOp::create(sb, loc, groupType, values);
        };
        auto place = [&](OpBuilder &sb, Value v, std::pair<Value, Value> at0,
                         int64_t base) {
          auto [q, kk] = at0;
          Value pos = arith::AddIOp::create(
              sb, loc, arith::MulIOp::create(sb, loc, kk, groups), q);
          memref::StoreOp::create(sb, loc, v, shared,
                                  addIdx(sb, loc, pos, base));
        };
        auto fetchA = [&](OpBuilder &sb, Value k0) {
          return fetch(sb, k0, fa, maps[0], slotA, dims.m, row0, m);
        };
        auto fetchB = [&](OpBuilder &sb, Value k0) {
          return fetch(sb, k0, fb, maps[1], slotB, dims.n, col0, n);
        };

        // The loop carries the accumulators and the next step's vectors:
        // those loads are issued before the step's FMAs, which hide their
        // latency (past K they are zeros and load nothing).
        SmallVector<Value> carriedInit(acc0);
        carriedInit.push_back(fetchA(zb, c0));
        carriedInit.push_back(fetchB(zb, c0));
        const int64_t numAcc = kPerThread * kPerThread;
        auto kLoop = scf::ForOp::create(
            zb, loc, c0, k, step, carriedInit,
            [&](OpBuilder &kb, Location, Value k0, ValueRange carried) {
              ValueRange acc = carried.take_front(numAcc);
              place(kb, carried[numAcc], slotA, 0);
              place(kb, carried[numAcc + 1], slotB, kSlice);
              gpu::BarrierOp::create(kb, loc);
              Value next = arith::AddIOp::create(kb, loc, k0, step);
              Value nextA = fetchA(kb, next), nextB = fetchB(kb, next);
              auto inner = scf::ForOp::create(
                  kb, loc, c0, step, one, acc,
                  [&](OpBuilder &ib, Location, Value kk, ValueRange a) {
                    Value base = arith::MulIOp::create(
                        ib, loc, kk, idx(ib, loc, kTile / kPerThread));
                    Value aGroup = memref::LoadOp::create(
                        ib, loc, shared,
                        ValueRange{arith::AddIOp::create(ib, loc, base, ty)});
                    Value bGroup = memref::LoadOp::create(
                        ib, loc, shared,
                        addIdx(ib, loc,
                               arith::AddIOp::create(ib, loc, base, tx),
                               kSlice));
                    SmallVector<Value> av, bv;
                    for (int64_t i = 0; i < kPerThread; ++i) {
                      av.push_back(vector::ExtractOp::create(
                          ib, loc, aGroup, ArrayRef<int64_t>{i}));
                      bv.push_back(vector::ExtractOp::create(
                          ib, loc, bGroup, ArrayRef<int64_t>{i}));
                    }
                    SmallVector<Value> next;
                    for (int64_t i = 0; i < kPerThread; ++i)
                      for (int64_t j = 0; j < kPerThread; ++j)
                        next.push_back(math::FmaOp::create(
                            ib, loc, av[i], bv[j], a[i * kPerThread + j]));
                    scf::YieldOp::create(ib, loc, next);
                  });
              gpu::BarrierOp::create(kb, loc);
              SmallVector<Value> yielded(inner.getResults());
              yielded.push_back(nextA);
              yielded.push_back(nextB);
              scf::YieldOp::create(kb, loc, yielded);
            });

        // The accumulators go through the C tile in workgroup memory, so
        // that the stores to C run along its rows (coalesced) in a loop
        // whose edge tests are per element, not 16 live predicates.
        Value perThread = idx(zb, loc, kPerThread);
        Value row = arith::MulIOp::create(zb, loc, ty, perThread);
        Value col = arith::MulIOp::create(zb, loc, tx, perThread);
        for (int64_t i = 0; i < kPerThread; ++i)
          for (int64_t j = 0; j < kPerThread; ++j) {
            Value pos = arith::AddIOp::create(
                zb, loc,
                arith::MulIOp::create(zb, loc, addIdx(zb, loc, row, i),
                                      idx(zb, loc, kPitch)),
                addIdx(zb, loc, col, j));
            memref::StoreOp::create(
                zb, loc, kLoop.getResult(i * kPerThread + j), cShared, pos);
          }
        gpu::BarrierOp::create(zb, loc);
        forRange(
            zb, loc, tid, idx(zb, loc, kTile * kTile), idx(zb, loc, kThreads),
            [&](OpBuilder &lb, Location, Value e) {
              Value r = arith::DivUIOp::create(lb, loc, e, tile);
              Value cc = arith::RemUIOp::create(lb, loc, e, tile);
              Value gr = arith::AddIOp::create(lb, loc, row0, r);
              Value gc = arith::AddIOp::create(lb, loc, col0, cc);
              Value inside =
                  arith::AndIOp::create(lb, loc, lt(lb, gr, m), lt(lb, gc, n));
              scf::IfOp::create(lb, loc, inside, [&](OpBuilder &tb, Location) {
                SmallVector<Value> at(loops);
                at[dims.m] = gr;
                at[dims.n] = gc;
                Value index = linearIndex(tb, loc, fc,
                                          operandIndices(tb, loc, maps[2], at));
                Value pos = arith::AddIOp::create(
                    tb, loc,
                    arith::MulIOp::create(tb, loc, r, idx(tb, loc, kPitch)),
                    cc);
                Value v = memref::LoadOp::create(tb, loc, cShared, pos);
                if (!init)
                  v = arith::AddFOp::create(
                      tb, loc, memref::LoadOp::create(tb, loc, fc.flat, index),
                      v);
                if (!epilogue) {
                  memref::StoreOp::create(tb, loc, v, fc.flat, index);
                } else {
                  // The epilogue's body at C's indices, C's element being v.
                  SmallVector<Value> cIndices =
                      operandIndices(tb, loc, maps[2], at);
                  Block &eBody = epilogue.getRegion().front();
                  IRMapping map;
                  for (OpOperand &operand : epilogue->getOpOperands()) {
                    BlockArgument arg =
                        eBody.getArgument(operand.getOperandNumber());
                    if (operand.get() == c) {
                      map.map(arg, v);
                      continue;
                    }
                    if (arg.use_empty())
                      continue;
                    const FlatBuffer &f =
                        epilogueBuffers[operand.getOperandNumber()];
                    map.map(arg,
                            memref::LoadOp::create(
                                tb, loc, f.flat,
                                linearIndex(tb, loc, f,
                                            operandIndices(
                                                tb, loc,
                                                epilogue.getMatchingIndexingMap(
                                                    &operand),
                                                cIndices))));
                  }
                  for (Operation &op : eBody.without_terminator())
                    tb.clone(op, map);
                  Value result =
                      map.lookup(eBody.getTerminator()->getOperand(0));
                  const FlatBuffer &fe = epilogueBuffers.back();
                  memref::StoreOp::create(tb, loc, result, fe.flat,
                                          linearIndex(tb, loc, fe, cIndices));
                }
                scf::YieldOp::create(tb, loc);
              });
            });
        // The next batch element writes the C tile again.
        gpu::BarrierOp::create(zb, loc);
      });
  if (epilogue)
    epilogue.erase();
  g.erase();
}

} // namespace
