//===- Passes.td - Optimization passes on the xf dialect ---*- tablegen -*-===//
//
// Passes that rewrite framework-granular xf IR into fewer, cheaper ops.
//
//===----------------------------------------------------------------------===//

#ifndef XF_PASSES_TD
#define XF_PASSES_TD

include "mlir/Pass/PassBase.td"

def XfFoldTransposePass : Pass<"xf-fold-transpose", "func::FuncOp"> {
  let summary = "folds transposes into the matmuls that consume them";
  let description = [{
    A transpose that swaps the last two dims of a matmul operand becomes the
    matmul's `transpose_a` / `transpose_b` flag, so `x · Wᵀ` reads the
    `nn.Linear` weight `[out, in]` as stored and `Q · Kᵀ` reads K as is.
    Transpose pairs compose (and cancel) through the transpose folder.

    Before:
    ```mlir
    %wt = xf.transpose %w [1, 0] : tensor<2048x512xf32>
    %y = xf.matmul %x, %wt : tensor<?x?x512xf32>, tensor<512x2048xf32>
    ```
    After:
    ```mlir
    %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x?x512xf32>, tensor<2048x512xf32>
    ```
  }];
  let dependentDialects = ["::mlir::xf::XfDialect"];
}

#endif // XF_PASSES_TD
