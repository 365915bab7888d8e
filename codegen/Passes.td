//===- Passes.td - Code generation passes of xfc -----------*- tablegen -*-===//
//
// The passes that take fused xf IR toward machine code: the ABI step that
// turns parameters into arguments, and the conversion to linalg.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_PASSES_TD
#define XF_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def XfParamsToArgumentsPass : Pass<"xf-params-to-arguments", "ModuleOp"> {
  let summary = "turns every xf.param into a trailing function argument";
  let description = [{
    The compiled library receives its weights from the runtime, which maps
    them from the weights file. This pass gives each entry function one
    argument per distinct parameter, after its inputs, in first-use order, and
    records their names in the `xf.params` attribute of the function (the
    manifest reads it).

    Before:
    ```mlir
    func.func @f(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
      %w = xf.param "fc.weight" : tensor<8x4xf32>
      ...
    }
    ```
    After:
    ```mlir
    func.func @f(%x: tensor<?x4xf32>, %w: tensor<8x4xf32>) -> tensor<?x8xf32>
        attributes {xf.params = ["fc.weight"]} { ... }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def ConvertXfToLinalgPass : Pass<"convert-xf-to-linalg", "ModuleOp"> {
  let summary = "lowers xf ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Each op becomes `linalg.generic`s (or named linalg ops) on tensors:
    matmul transposes and broadcasting become indexing maps (no copies),
    softmax and norms become reductions plus elementwise generics, masks and
    position tables are computed from indices. `xf.attention` is first
    decomposed into the unfused ops (matmul, scale, masks, softmax, matmul).
    Dynamic dims that meet in broadcasting are assumed equal, as in other
    tensor compilers; the runtime checks batch sizes before it calls in.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::xf::XfDialect"
  ];
}

def XfApproximateMathPass : Pass<"xf-approximate-math"> {
  let summary = "replaces exp, tanh and erf by vectorizable polynomials";
  let description = [{
    libm's `expf` is scalar, sets errno and takes a slow path on underflow,
    which every masked attention score (-1e9) hits. MLIR's polynomial
    approximations (accurate to a few ulp in f32) vectorize and never call
    out. `sin`/`cos` (position tables, rotary angles) keep libm: their
    arguments reach thousands of radians.
  }];
  let dependentDialects = [
    "::mlir::math::MathDialect", "::mlir::arith::ArithDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // XF_CODEGEN_PASSES_TD
