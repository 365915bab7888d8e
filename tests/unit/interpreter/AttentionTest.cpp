//===- AttentionTest.cpp - xf.attention against the unfused ops -----------===//
//
// The fused op's meaning must equal the unfused matmul-scale-mask-softmax-
// matmul it replaces, for every layout, grouped queries and each mask kind,
// including fully masked rows (uniform, not NaN).
//
//===----------------------------------------------------------------------===//

#include "compiler/RegisterXf.h"
#include "dialect/Interpreter/Interpreter.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include <cmath>
#include <gtest/gtest.h>
#include <random>

using namespace mlir;
using namespace mlir::xf;

namespace {

HostTensor randomTensor(std::vector<int64_t> shape, std::mt19937 &rng) {
  HostTensor t = HostTensor::zeros(ElementKind::F32, shape);
  std::normal_distribution<float> dist(0, 1);
  for (float &x : t.f)
    x = dist(rng);
  return t;
}

class AttentionTest : public ::testing::Test {
protected:
  AttentionTest() {
    DialectRegistry registry;
    registerXfDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  std::vector<HostTensor> run(const std::string &ir,
                              const std::vector<HostTensor> &inputs) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(ir, &ctx);
    EXPECT_TRUE(module);
    if (!module)
      return {};
    auto fn = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        *module, StringAttr::get(&ctx, "f"));
    std::vector<HostTensor> results;
    std::string error;
    ParamProvider none = [](const std::string &, const std::vector<int64_t> &,
                            std::string &) { return std::nullopt; };
    EXPECT_TRUE(interpret(fn, inputs, none, results, error)) << error;
    return results;
  }

  MLIRContext ctx;
};

void expectClose(const HostTensor &a, const HostTensor &b) {
  ASSERT_EQ(a.shape, b.shape);
  for (size_t k = 0; k < a.f.size(); ++k) {
    ASSERT_FALSE(std::isnan(a.f[k]));
    ASSERT_NEAR(a.f[k], b.f[k], 1e-5) << "at " << k;
  }
}

// Unfused reference: [B,H,Lq,D] x [B,H,Lk,D], padding from ids, causal.
const char *kUnfused = R"mlir(
func.func @f(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>,
             %v: tensor<?x?x?x?xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x?x?xf32> {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %b = tensor.dim %q, %c0 : tensor<?x?x?x?xf32>
  %lq = tensor.dim %q, %c2 : tensor<?x?x?x?xf32>
  %lk = tensor.dim %k, %c2 : tensor<?x?x?x?xf32>
  %kt = xf.transpose %k [0, 1, 3, 2] : tensor<?x?x?x?xf32>
  %s = xf.matmul %q, %kt : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
  %ss = xf.scale %s by 0.35 : tensor<?x?x?x?xf32>
  %pad = xf.padding_mask %ids : tensor<?x?xi64>
  %causal = xf.causal_mask %lq, %lk
  %m = xf.or %pad, %causal : tensor<?x1x?xi1>, tensor<?x?xi1>
  %m4 = xf.reshape %m (%b, %lq, %lk) : tensor<?x?x?xi1> -> tensor<?x1x?x?xi1>
  %f = xf.masked_fill %ss, %m4 {value = -1.0e9 : f32} : tensor<?x?x?x?xf32>, tensor<?x1x?x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x?x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
)mlir";

const char *kFused = R"mlir(
func.func @f(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>,
             %v: tensor<?x?x?x?xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x?x?xf32> {
  %o = xf.attention %q, %k, %v key_ids(%ids : tensor<?x?xi64>)
      {scale = 0.35 : f32, causal = true}
      : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
)mlir";

TEST_F(AttentionTest, FusedEqualsUnfusedWithPaddingAndCausal) {
  std::mt19937 rng(7);
  // Lq != Lk, a fully padded key row for batch 1 (uniform attention).
  HostTensor q = randomTensor({2, 3, 5, 4}, rng),
             k = randomTensor({2, 3, 7, 4}, rng),
             v = randomTensor({2, 3, 7, 6}, rng);
  HostTensor ids = HostTensor::zeros(ElementKind::I64, {2, 7});
  ids.i = {1, 2, 3, 0, 0, 4, 0, /*batch 1 all padding:*/ 0, 0, 0, 0, 0, 0, 0};
  auto unfused = run(kUnfused, {q, k, v, ids});
  auto fused = run(kFused, {q, k, v, ids});
  ASSERT_EQ(unfused.size(), 1u);
  ASSERT_EQ(fused.size(), 1u);
  expectClose(fused[0], unfused[0]);
}

TEST_F(AttentionTest, LayoutsReadTheSameData) {
  std::mt19937 rng(11);
  HostTensor q = randomTensor({2, 2, 3, 4}, rng),
             k = randomTensor({2, 2, 5, 4}, rng),
             v = randomTensor({2, 2, 5, 4}, rng);
  HostTensor ids = HostTensor::zeros(ElementKind::I64, {2, 5});
  ids.i = {1, 1, 1, 1, 0, 1, 1, 0, 0, 0};
  auto reference = run(kFused, {q, k, v, ids});
  // The same operands stored as q: bshd, k: bhds, v: bshd; output bshd.
  auto permute = [](const HostTensor &t, std::vector<int64_t> perm) {
    std::vector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(t.shape[p]);
    HostTensor r = HostTensor::zeros(ElementKind::F32, shape);
    std::vector<int64_t> idx(4);
    for (idx[0] = 0; idx[0] < shape[0]; ++idx[0])
      for (idx[1] = 0; idx[1] < shape[1]; ++idx[1])
        for (idx[2] = 0; idx[2] < shape[2]; ++idx[2])
          for (idx[3] = 0; idx[3] < shape[3]; ++idx[3]) {
            std::vector<int64_t> src(4);
            for (int d = 0; d < 4; ++d)
              src[perm[d]] = idx[d];
            int64_t off =
                ((src[0] * t.shape[1] + src[1]) * t.shape[2] + src[2]) *
                    t.shape[3] +
                src[3];
            int64_t dst =
                ((idx[0] * shape[1] + idx[1]) * shape[2] + idx[2]) * shape[3] +
                idx[3];
            r.f[dst] = t.f[off];
          }
    return r;
  };
  const char *layouts = R"mlir(
func.func @f(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>,
             %v: tensor<?x?x?x?xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x?x?xf32> {
  %o = xf.attention %q, %k, %v key_ids(%ids : tensor<?x?xi64>)
      {scale = 0.35 : f32, causal = true, q_layout = #xf.layout<bshd>,
       k_layout = #xf.layout<bhds>, v_layout = #xf.layout<bshd>,
       out_layout = #xf.layout<bshd>}
      : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
)mlir";
  auto got = run(layouts, {permute(q, {0, 2, 1, 3}), permute(k, {0, 1, 3, 2}),
                           permute(v, {0, 2, 1, 3}), ids});
  ASSERT_EQ(got.size(), 1u);
  expectClose(got[0], permute(reference[0], {0, 2, 1, 3}));
}

TEST_F(AttentionTest, GroupedQueriesShareKeyHeads) {
  std::mt19937 rng(3);
  // 4 query heads, 2 key/value heads: query head h uses key head h / 2.
  HostTensor q = randomTensor({1, 4, 3, 4}, rng),
             k = randomTensor({1, 2, 3, 4}, rng),
             v = randomTensor({1, 2, 3, 4}, rng);
  HostTensor ids = HostTensor::zeros(ElementKind::I64, {1, 3});
  ids.i = {1, 1, 1};
  auto grouped = run(kFused, {q, k, v, ids});
  // Repeat each key/value head twice and compare with plain attention.
  auto repeat = [](const HostTensor &t) {
    HostTensor r = HostTensor::zeros(ElementKind::F32, {1, 4, 3, 4});
    for (int h = 0; h < 4; ++h)
      std::copy_n(t.f.begin() + (h / 2) * 12, 12, r.f.begin() + h * 12);
    return r;
  };
  auto plain = run(kFused, {q, repeat(k), repeat(v), ids});
  expectClose(grouped[0], plain[0]);
}

TEST_F(AttentionTest, FullyMaskedRowIsUniform) {
  // One query, three keys, all padding: the output is the mean of V.
  HostTensor q = HostTensor::zeros(ElementKind::F32, {1, 1, 1, 2});
  q.f = {1, 2};
  HostTensor k = q;
  k.shape = {1, 1, 1, 2};
  HostTensor kk = HostTensor::zeros(ElementKind::F32, {1, 1, 3, 2});
  kk.f = {1, 0, 0, 1, 5, 5};
  HostTensor v = HostTensor::zeros(ElementKind::F32, {1, 1, 3, 2});
  v.f = {3, 0, 6, 3, 0, 6};
  HostTensor ids = HostTensor::zeros(ElementKind::I64, {1, 3});
  auto out = run(kUnfused, {q, kk, v, ids});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(out[0].f[0], 3.0f, 1e-6);
  EXPECT_NEAR(out[0].f[1], 3.0f, 1e-6);
}

} // namespace
