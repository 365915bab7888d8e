//===- UnalignedResults.cpp - Returned buffers without extra alignment ----===//
//
// Drops `alignment` from the allocations public functions return, so that
// a result is a whole block of the runtime's allocator (see the pass
// description in codegen/Passes.td).
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFCPUUNALIGNEDRESULTSPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {

/// The allocation `v` is, or is a cast or reshape of; null otherwise.
memref::AllocOp sourceAlloc(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto alloc = dyn_cast<memref::AllocOp>(def))
      return alloc;
    if (auto cast = dyn_cast<memref::CastOp>(def))
      v = cast.getSource();
    else if (auto collapse = dyn_cast<memref::CollapseShapeOp>(def))
      v = collapse.getSrc();
    else if (auto expand = dyn_cast<memref::ExpandShapeOp>(def))
      v = expand.getSrc();
    else
      return nullptr;
  }
  return nullptr;
}

struct XfCpuUnalignedResultsPass final
    : xf::impl::XfCpuUnalignedResultsPassBase<XfCpuUnalignedResultsPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (!fn.isPublic() || fn.isExternal())
        continue;
      fn.walk([](func::ReturnOp ret) {
        for (Value v : ret.getOperands())
          if (memref::AllocOp alloc = sourceAlloc(v))
            alloc.removeAlignmentAttr();
      });
    }
  }
};

} // namespace
