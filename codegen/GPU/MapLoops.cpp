//===- MapLoops.cpp - Outermost parallel loops become GPU launches --------===//
//
// xf-gpu-map-loops: one gpu.launch per outermost scf.parallel, over flat
// buffers, with a grid-stride loop (see Passes.td for the why).
//
//===----------------------------------------------------------------------===//

#include "codegen/GPU/FlatBuffer.h"
#include "codegen/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFGPUMAPLOOPSPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using mlir::xf::FlatBuffer;
using mlir::xf::flatten;
using mlir::xf::linearIndex;

namespace {

class MapLoopsPass : public xf::impl::XfGpuMapLoopsPassBase<MapLoopsPass> {
public:
  using XfGpuMapLoopsPassBase::XfGpuMapLoopsPassBase;

  void runOnOperation() override {
    kernelBuffers.clear();
    // Copies (bufferization's, between buffers) run on the device too.
    IRRewriter rewriter(&getContext());
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      auto linalgCopy = linalg::CopyOp::create(
          rewriter, copy.getLoc(), copy.getSource(), copy.getTarget());
      if (failed(linalg::linalgOpToParallelLoops(rewriter, linalgCopy)))
        return signalPassFailure();
      rewriter.eraseOp(linalgCopy);
      rewriter.eraseOp(copy);
    }

    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk<WalkOrder::PreOrder>([&](scf::ParallelOp par) {
      outermost.push_back(par);
      return WalkResult::skip(); // nested ones stay inside the kernel
    });
    for (scf::ParallelOp par : outermost)
      if (failed(mapLoop(par)))
        return signalPassFailure();

    // The host may still read and write its own small buffers (shapes for
    // reshapes, deallocation bookkeeping), never one a kernel uses: kernels
    // run asynchronously.
    WalkResult hostAccess = getOperation().walk([&](Operation *op) {
      Value memref;
      if (auto load = dyn_cast<memref::LoadOp>(op))
        memref = load.getMemRef();
      else if (auto store = dyn_cast<memref::StoreOp>(op))
        memref = store.getMemRef();
      if (!memref || !kernelBuffers.contains(memref) ||
          op->getParentOfType<gpu::LaunchOp>())
        return WalkResult::advance();
      op->emitError("host code would access a buffer that GPU kernels use");
      return WalkResult::interrupt();
    });
    if (hostAccess.wasInterrupted())
      signalPassFailure();
  }

private:
  LogicalResult mapLoop(scf::ParallelOp par);
  DenseSet<Value> kernelBuffers; ///< memrefs some launch reads or writes
};

LogicalResult MapLoopsPass::mapLoop(scf::ParallelOp par) {
  if (par.getNumResults())
    return par.emitError("a parallel loop with reductions is not mapped to "
                         "GPU threads");
  Location loc = par.getLoc();
  OpBuilder b(par);

  // 1. The buffers the body touches, flattened on the host. Only loads and
  //    stores may use them: anything else would need a descriptor.
  SetVector<Value> above;
  getUsedValuesDefinedAbove(par.getRegion(), above);
  DenseMap<Value, FlatBuffer> flat;
  for (Value v : above) {
    if (!isa<MemRefType>(v.getType()))
      continue;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (!par->isAncestor(user))
        continue;
      bool ok = (isa<memref::LoadOp>(user) && use.getOperandNumber() == 0) ||
                (isa<memref::StoreOp>(user) && use.getOperandNumber() == 1);
      if (!ok)
        return user->emitError("a buffer used by '")
               << user->getName() << "' cannot be passed to a GPU kernel";
    }
    flat[v] = flatten(b, loc, v);
    kernelBuffers.insert(v);
  }

  // 2. The iteration space, linearized.
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> trips;
  Value total = one;
  for (auto [lb, ub, step] :
       llvm::zip(par.getLowerBound(), par.getUpperBound(), par.getStep())) {
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    Value trip = arith::CeilDivSIOp::create(b, loc, span, step);
    trip = arith::MaxSIOp::create(b, loc, trip, zero);
    trips.push_back(trip);
    total = arith::MulIOp::create(b, loc, total, trip);
  }
  Value block = arith::ConstantIndexOp::create(b, loc, blockSize);
  Value blocks = arith::CeilDivSIOp::create(b, loc, total, block);
  blocks = arith::MinSIOp::create(
      b, loc, blocks, arith::ConstantIndexOp::create(b, loc, maxBlocks));
  blocks = arith::MaxSIOp::create(b, loc, blocks, one);

  // 3. The launch: a grid-stride loop over the linear index.
  auto launch =
      gpu::LaunchOp::create(b, loc, blocks, one, one, block, one, one);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  Value first = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, block),
      launch.getThreadIds().x);
  Value stride = arith::MulIOp::create(b, loc, launch.getGridSize().x, block);
  auto loop = scf::ForOp::create(b, loc, first, total, stride);
  b.setInsertionPointToStart(loop.getBody());
  IRMapping mapping;
  Value rest = loop.getInductionVar();
  for (int k = static_cast<int>(trips.size()) - 1; k >= 0; --k) {
    Value pos = k ? arith::RemSIOp::create(b, loc, rest, trips[k]) : rest;
    if (k)
      rest = arith::DivSIOp::create(b, loc, rest, trips[k]);
    Value iv = arith::AddIOp::create(
        b, loc, par.getLowerBound()[k],
        arith::MulIOp::create(b, loc, pos, par.getStep()[k]));
    mapping.map(par.getInductionVars()[k], iv);
  }
  for (Operation &op : par.getBody()->without_terminator())
    b.clone(op, mapping);

  // 4. Loads and stores index the flat buffers.
  WalkResult walk = loop.walk([&](Operation *op) {
    OpBuilder at(op);
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      auto it = flat.find(load.getMemRef());
      if (it == flat.end())
        return WalkResult::advance();
      Value index =
          linearIndex(at, op->getLoc(), it->second, load.getIndices());
      load.replaceAllUsesWith(
          memref::LoadOp::create(at, op->getLoc(), it->second.flat, index)
              .getResult());
      load.erase();
    } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
      auto it = flat.find(store.getMemRef());
      if (it == flat.end())
        return WalkResult::advance();
      Value index =
          linearIndex(at, op->getLoc(), it->second, store.getIndices());
      memref::StoreOp::create(at, op->getLoc(), store.getValueToStore(),
                              it->second.flat, index);
      store.erase();
    }
    return WalkResult::advance();
  });
  (void)walk;
  par.erase();
  return success();
}

} // namespace
