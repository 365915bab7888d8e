//===- ParamsToArguments.cpp - xf.param ops become function arguments -----===//
//
// The ABI step of code generation: weights arrive as arguments, so the
// compiled code never looks names up.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include "mlir/IR/Builders.h"
#include "xf/abi.h"
#include <map>

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
      // One argument per distinct name and type; repeated ones share it.
      // The scales of an i8 weight `w` are parameter `w.scale` (the name
      // a weights file stores them under, xf/abi.h).
      std::map<std::pair<std::string, const void *>, BlockArgument> args;
      SmallVector<Attribute> names, transposed;
      Block &body = fn.getBody().front();
      SmallVector<Operation *> params;
      for (Operation &op : body)
        if (isa<ParamOp, WeightScalesOp>(op))
          params.push_back(&op);
      for (Operation *p : params) {
        std::string name = isa<ParamOp>(p)
                               ? cast<ParamOp>(p).getName().str()
                               : cast<WeightScalesOp>(p).getName().str() +
                                     XF_PARAM_SCALE_SUFFIX;
        Type type = p->getResult(0).getType();
        std::pair<std::string, const void *> key{name,
                                                type.getAsOpaquePointer()};
        auto it = args.find(key);
        if (it == args.end()) {
          unsigned index = fn.getNumArguments();
          if (failed(fn.insertArgument(index, type, {}, p->getLoc())))
            return signalPassFailure();
          it = args.insert({key, body.getArgument(index)}).first;
          names.push_back(StringAttr::get(fn.getContext(), name));
          if (auto param = dyn_cast<ParamOp>(p); param && param.getTransposed())
            transposed.push_back(names.back());
        }
        p->getResult(0).replaceAllUsesWith(it->second);
        p->erase();
      }
      // Running twice must not forget the names found the first time.
      if (!names.empty() || !fn->hasAttr(XfDialect::getParamsAttrName()))
        fn->setAttr(XfDialect::getParamsAttrName(), ArrayAttr::get(fn.getContext(), names));
      if (!transposed.empty())
        fn->setAttr(XfDialect::getTransposedParamsAttrName(),
                    ArrayAttr::get(fn.getContext(), transposed));
    }
  }
};
} // namespace
