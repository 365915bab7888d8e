//===- Patterns.h - The xf→linalg patterns, by op family ---------*- C++
//-*-===//
//
// One populate function per file of the conversion; XfToLinalg.cpp adds
// them all (populateXfToLinalgConversionPatterns).
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_CONVERSION_XFTOLINALG_PATTERNS_H
#define XF_CODEGEN_CONVERSION_XFTOLINALG_PATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::xf::linalg_lowering {

/// Elementwise.cpp: add/sub/mul/div, scale, relu/silu/gelu, or, masked_fill.
void populateElementwiseLoweringPatterns(RewritePatternSet &patterns);
/// Matmul.cpp: matmul with its epilogue.
void populateMatmulLoweringPatterns(RewritePatternSet &patterns);
/// DataMovement.cpp: transpose, reshape.
void populateDataMovementLoweringPatterns(RewritePatternSet &patterns);
/// Normalization.cpp: softmax, layer_norm, rms_norm.
void populateNormalizationLoweringPatterns(RewritePatternSet &patterns);
/// Positions.cpp: embedding, sinusoid(_table), arange, positions, masks,
/// rope.
void populatePositionLoweringPatterns(RewritePatternSet &patterns);
/// Attention.cpp: attention into unfused ops.
void populateAttentionDecompositionPatterns(RewritePatternSet &patterns);
/// Cache.cpp: cache_write.
void populateCacheLoweringPatterns(RewritePatternSet &patterns);

} // namespace mlir::xf::linalg_lowering

#endif // XF_CODEGEN_CONVERSION_XFTOLINALG_PATTERNS_H
