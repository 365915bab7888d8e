//===- KernelConfig.cpp - The CPU kernels' tiling per target --------------===//

#include "codegen/CPU/KernelConfig.h"
#include "dialect/IR/XfDialect.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::xf;
using namespace mlir::xf::cpu;

KernelConfig KernelConfig::forTarget(bool avx512) {
  KernelConfig c;
  if (!avx512) {
    c.panels = 1;
    c.cols = 6;
  }
  return c;
}

KernelConfig KernelConfig::of(ModuleOp module) {
  KernelConfig c;
  auto dict =
      module->getAttrOfType<DictionaryAttr>(XfDialect::getCpuKernelConfigAttrName());
  if (!dict)
    return c;
  auto get = [&](StringRef key, int64_t &field) {
    if (auto v = dict.getAs<IntegerAttr>(key))
      field = v.getInt();
  };
  get("matmul_panels", c.panels);
  get("matmul_cols", c.cols);
  get("matmul_k_unroll", c.kUnroll);
  if (auto shapes = dict.getAs<DenseI64ArrayAttr>("matmul_dot_shapes")) {
    c.dotShapes.clear();
    for (size_t i = 0; i + 1 < shapes.size(); i += 2)
      c.dotShapes.push_back({shapes[i], shapes[i + 1]});
  }
  return c;
}

DictionaryAttr KernelConfig::toAttr(MLIRContext *ctx) const {
  Builder b(ctx);
  SmallVector<int64_t> shapes;
  for (auto [rowsX, rowsW] : dotShapes)
    shapes.append({rowsX, rowsW});
  return b.getDictionaryAttr({
      b.getNamedAttr("matmul_cols", b.getI64IntegerAttr(cols)),
      b.getNamedAttr("matmul_dot_shapes", b.getDenseI64ArrayAttr(shapes)),
      b.getNamedAttr("matmul_k_unroll", b.getI64IntegerAttr(kUnroll)),
      b.getNamedAttr("matmul_panels", b.getI64IntegerAttr(panels)),
  });
}
