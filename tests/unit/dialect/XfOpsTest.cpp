//===- XfOpsTest.cpp - Tests of building and folding xf ops from C++ ------===//
//
// Builders infer result types; folders run through OpBuilder::createOrFold.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/XfOps.h"
#include "compiler/RegisterXf.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::xf;

namespace {
class XfOpsTest : public ::testing::Test {
protected:
  XfOpsTest() {
    DialectRegistry registry;
    registerXfDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  /// A function with the given argument types, with the builder in its body.
  func::FuncOp makeFunc(OpBuilder &b, TypeRange args) {
    auto fn = func::FuncOp::create(b, b.getUnknownLoc(), "f",
                                   b.getFunctionType(args, {}));
    b.setInsertionPointToStart(fn.addEntryBlock());
    return fn;
  }

  MLIRContext ctx;
  Location loc = UnknownLoc::get(&ctx);
};

constexpr int64_t kDyn = ShapedType::kDynamic;

TEST_F(XfOpsTest, BuildersInferResultTypes) {
  OpBuilder b(&ctx);
  auto module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module.getBody());
  auto x = RankedTensorType::get({kDyn, kDyn, 512}, b.getF32Type());
  auto fn = makeFunc(b, {x});
  Value arg = fn.getArgument(0);
  auto w = ParamOp::create(
      b, loc, RankedTensorType::get({2048, 512}, b.getF32Type()), "ffn.w1");
  auto mm = MatmulOp::create(b, loc, arg, w, /*transpose_a=*/false,
                             /*transpose_b=*/true);
  EXPECT_EQ(mm.getType(),
            RankedTensorType::get({kDyn, kDyn, 2048}, b.getF32Type()));
  auto sm = SoftmaxOp::create(b, loc, mm, /*axis=*/2);
  EXPECT_EQ(sm.getType(), mm.getType());
  func::ReturnOp::create(b, loc);
  EXPECT_TRUE(succeeded(verify(module)));
  module->erase();
}

TEST_F(XfOpsTest, TransposePairFoldsOnCreate) {
  OpBuilder b(&ctx);
  auto module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module.getBody());
  auto fn = makeFunc(b, {RankedTensorType::get({2, 3}, b.getF32Type())});
  Value arg = fn.getArgument(0);
  Value t = b.createOrFold<TransposeOp>(loc, arg, ArrayRef<int64_t>{1, 0});
  Value tt = b.createOrFold<TransposeOp>(loc, t, ArrayRef<int64_t>{1, 0});
  EXPECT_EQ(tt, arg);
  Value s = b.createOrFold<ScaleOp>(loc, arg, b.getF32FloatAttr(1.0f));
  EXPECT_EQ(s, arg);
  module->erase();
}
} // namespace
