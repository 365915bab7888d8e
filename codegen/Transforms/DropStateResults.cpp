//===- DropStateResults.cpp - Caches updated in place leave the results ---===//
//
// A generation entry returns the caches it updates (`xf.state` results);
// after bufferization each must be the entry's own argument buffer, written
// in place, and the result goes (see the pass description in
// codegen/Passes.td). A cache that bufferization copied is an error, not a
// silent slowdown.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "dialect/IR/XfDialect.h"
#include "llvm/ADT/BitVector.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFDROPSTATERESULTSPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {

struct XfDropStateResultsPass final
    : xf::impl::XfDropStateResultsPassBase<XfDropStateResultsPass> {
  using Base::Base;
  void runOnOperation() override {
    StringRef state = xf::XfDialect::getStateAttrName();
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isExternal())
        continue;
      llvm::BitVector drop(fn.getNumResults());
      for (unsigned r = 0; r < fn.getNumResults(); ++r)
        drop[r] = bool(fn.getResultAttr(r, state));
      if (drop.none())
        continue;
      WalkResult checked = fn.walk([&](func::ReturnOp ret) {
        for (unsigned r : drop.set_bits()) {
          Value v = ret.getOperand(r);
          while (auto cast = v.getDefiningOp<memref::CastOp>())
            v = cast.getSource();
          auto arg = dyn_cast<BlockArgument>(v);
          if (!arg || arg.getOwner() != &fn.getBody().front()) {
            ret.emitError() << "the cache returned as result " << r
                            << " of @" << fn.getName()
                            << " is not its argument updated in place";
            return WalkResult::interrupt();
          }
        }
        ret->eraseOperands(drop);
        return WalkResult::advance();
      });
      if (checked.wasInterrupted())
        return signalPassFailure();
      if (failed(fn.eraseResults(drop)))
        return signalPassFailure();
    }
  }
};

} // namespace
