//===- XfToLinalg.cpp - Lowering of xf ops to linalg on tensors -----------===//
//
// The convert-xf-to-linalg pass: dialect conversion patterns, one per xf
// op, each building `linalg.generic`s (or linalg.transpose /
// tensor.reshape), in one file per op family (Patterns.h). Broadcasting and
// matmul transposes are expressed in indexing maps, so no operand is copied
// to change its layout. `xf.attention` is decomposed into unfused xf ops
// where no target kernel takes it, which the same conversion then lowers.
//
//===----------------------------------------------------------------------===//

#include "codegen/Conversion/XfToLinalg/Patterns.h"
#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::xf {
#define GEN_PASS_DEF_CONVERTXFTOLINALGPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {

struct ConvertXfToLinalgPass final
    : mlir::xf::impl::ConvertXfToLinalgPassBase<ConvertXfToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addLegalDialect<
        linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect,
        math::MathDialect, func::FuncDialect,
        bufferization::BufferizationDialect, vector::VectorDialect,
        scf::SCFDialect, memref::MemRefDialect>();
    target.addIllegalDialect<XfDialect>();
    // Ops that Halide kernels take in groups, before the patterns that
    // see one op at a time.
    if (llvm::is_contained(halideKernels, "matmul"))
      fuseXfLinearResidualsForHalide(getOperation(), halideExplain);
    if (llvm::is_contained(halideKernels, "elementwise"))
      groupXfElementwiseChainsForHalide(getOperation(), halideExplain);
    RewritePatternSet patterns(&getContext());
    populateXfToLinalgConversionPatterns(patterns);
    if (cpuAttention)
      populateXfCpuAttentionPatterns(patterns);
    populateXfHalidePatterns(patterns, halideKernels, halideExplain);
    if (gpuKernels) {
      populateXfGpuAttentionPatterns(patterns);
      populateXfGpuNormPatterns(patterns);
      populateXfGpuCachePatterns(patterns);
    }
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      return signalPassFailure();
    // Kernel keys only let patterns share kernels during this conversion.
    for (auto fn : getOperation().getOps<func::FuncOp>())
      fn->removeAttr(XfDialect::getKernelKeyAttrName());
  }
};

} // namespace

void mlir::xf::populateXfToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  using namespace linalg_lowering;
  populateElementwiseLoweringPatterns(patterns);
  populateMatmulLoweringPatterns(patterns);
  populateDataMovementLoweringPatterns(patterns);
  populateNormalizationLoweringPatterns(patterns);
  populatePositionLoweringPatterns(patterns);
  populateAttentionDecompositionPatterns(patterns);
  populateCacheLoweringPatterns(patterns);
}
