//===- XfShapesTest.cpp - Tests of the broadcasting and matmul rules ------===//

#include "dialect/IR/XfShapes.h"
#include "mlir/IR/BuiltinTypeInterfaces.h"
#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::xf;

namespace {
constexpr int64_t kDyn = ShapedType::kDynamic;

TEST(XfShapes, FormatShape) {
  EXPECT_EQ(formatShape({kDyn, 8, 64}), "?x8x64");
  EXPECT_EQ(formatShape({}), "scalar");
}

TEST(XfShapes, BroadcastAlignsTrailingDims) {
  SmallVector<int64_t> out;
  std::string why;
  ASSERT_TRUE(succeeded(broadcastShapes({kDyn, 1, 512}, {7, 512}, out, why)));
  EXPECT_EQ(out, (SmallVector<int64_t>{kDyn, 7, 512}));
  ASSERT_TRUE(succeeded(broadcastShapes({kDyn, kDyn}, {1}, out, why)));
  EXPECT_EQ(out, (SmallVector<int64_t>{kDyn, kDyn}));
  // A dynamic dim against a static non-1 dim takes the static size.
  ASSERT_TRUE(succeeded(broadcastShapes({kDyn}, {5}, out, why)));
  EXPECT_EQ(out, (SmallVector<int64_t>{5}));
}

TEST(XfShapes, BroadcastConflictExplains) {
  SmallVector<int64_t> out;
  std::string why;
  EXPECT_TRUE(failed(broadcastShapes({2, 3}, {4, 3}, out, why)));
  EXPECT_EQ(why, "shapes 2x3 and 4x3 do not broadcast (dim 2 vs 4)");
}

TEST(XfShapes, IsBroadcastableTo) {
  EXPECT_TRUE(isBroadcastableTo({kDyn, 1, kDyn}, {kDyn, 8, kDyn, kDyn}));
  EXPECT_FALSE(isBroadcastableTo({4, 1}, {3, 1}));
  EXPECT_FALSE(isBroadcastableTo({1, 1, 1}, {1, 1}));
}

TEST(XfShapes, MatmulWithTransposesAndBatch) {
  SmallVector<int64_t> out;
  std::string why;
  ASSERT_TRUE(succeeded(
      matmulShape({kDyn, kDyn, 512}, {2048, 512}, false, true, out, why)));
  EXPECT_EQ(out, (SmallVector<int64_t>{kDyn, kDyn, 2048}));
  ASSERT_TRUE(succeeded(
      matmulShape({2, 8, 64, 10}, {1, 8, 64, 12}, true, false, out, why)));
  EXPECT_EQ(out, (SmallVector<int64_t>{2, 8, 10, 12}));
  EXPECT_TRUE(failed(matmulShape({4, 3}, {4, 5}, false, false, out, why)));
  EXPECT_EQ(why,
            "contraction dims differ: lhs 4x3 has K = 3, rhs 4x5 has K = 4");
}
} // namespace
