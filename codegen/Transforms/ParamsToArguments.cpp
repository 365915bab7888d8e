//===- ParamsToArguments.cpp - xf.param ops become function arguments -----===//
//
// The ABI step of code generation: weights arrive as arguments, so the
// compiled code never looks names up.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFPARAMSTOARGUMENTSPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {
struct XfParamsToArgumentsPass final
    : mlir::xf::impl::XfParamsToArgumentsPassBase<XfParamsToArgumentsPass> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isExternal())
        continue;
      // One argument per distinct name; repeated names share it.
      llvm::StringMap<BlockArgument> args;
      SmallVector<Attribute> names;
      Block &body = fn.getBody().front();
      SmallVector<ParamOp> params(fn.getOps<ParamOp>());
      for (ParamOp p : params) {
        auto it = args.find(p.getName());
        if (it == args.end()) {
          unsigned index = fn.getNumArguments();
          if (failed(fn.insertArgument(index, p.getType(), {}, p.getLoc())))
            return signalPassFailure();
          it = args.insert({p.getName(), body.getArgument(index)}).first;
          names.push_back(p.getNameAttr());
        }
        p.getResult().replaceAllUsesWith(it->second);
        p.erase();
      }
      // Running twice must not forget the names found the first time.
      if (!names.empty() || !fn->hasAttr(XfDialect::getParamsAttrName()))
        fn->setAttr(XfDialect::getParamsAttrName(), ArrayAttr::get(fn.getContext(), names));
    }
  }
};
} // namespace
