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
    A transpose of an elementwise op whose operand is the inverse transpose
    moves onto the other operand, cancelling the pair (the seed model's
    sequence-first positions); a transpose that moves only unit dims is a
    reshape. Transpose pairs compose through the transpose folder.

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

def XfFuseAttentionPass : Pass<"xf-fuse-attention", "func::FuncOp"> {
  let summary = "fuses matmul-scale-mask-softmax-matmul into xf.attention";
  let description = [{
    Recognizes scaled dot-product attention as a framework runs it:
    `Q · Kᵀ` (a matmul with `transpose_b`, or K stored transposed), a scale
    (on the scores or on Q), an optional `masked_fill` with a finite value,
    a softmax over the last axis and a matmul with V. The masks become the
    op's own: `padding_mask(ids)` → `key_ids`, `causal_mask` → `causal`
    (with its per-row `offsets`, a generation step's, → `query_offsets`),
    anything else → `mask`. Head-split transposes of Q, K, V
    (`[B, L, H, d] → [B, H, L, d]`) and the head-merge transpose of the
    result become operand layouts (`bshd`), so they are never materialized.
    Grouped-query attention as a description writes it (5-D: Q [B, H, L, d]
    viewed as [B, Hkv, G, L, d], K and V [B, Hkv, L, d] viewed as
    [B, Hkv, 1, L, d], merged by `[0, 3, 1, 2, 4]`) becomes one attention
    on the 4-D tensors with Hkv K/V heads, its result viewed as the 5-D
    tensor its users read.

    It does not fuse when an intermediate (scores, probabilities) has
    another use, when the softmax axis is not the key axis, when the fill
    value is not finite (-inf makes fully masked rows NaN), for 5-D scores
    that are not such a view, for a general mask with grouped queries, or
    when the matmuls or the padding mask broadcast a static 1 (batch, heads,
    ids) that the op would index per row. With `explain`, every candidate softmax gets one remark: fused, or why
    not.

    Before:
    ```mlir
    %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
    %t = xf.scale %s by 1.250000e-01 : tensor<?x8x?x?xf32>
    %f = xf.masked_fill %t, %m {value = -1.0e9 : f32} : tensor<?x8x?x?xf32>, tensor<?x1x1x?xi1>
    %p = xf.softmax %f {axis = 3 : i64} : tensor<?x8x?x?xf32>
    %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
    ```
    After:
    ```mlir
    %o = xf.attention %q, %k, %v mask(%m : tensor<?x1x1x?xi1>) {scale = 1.250000e-01 : f32}
        : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Emit one remark per candidate: fused, or why not">
  ];
  let dependentDialects = ["::mlir::xf::XfDialect"];
}

def XfFuseEpiloguePass : Pass<"xf-fuse-epilogue", "func::FuncOp"> {
  let summary = "fuses bias and activation into matmuls, residual adds into LayerNorm";
  let description = [{
    `add(matmul, bias)` with a bias over the last dim becomes the matmul's
    `bias`; an activation (relu, gelu, silu) of a matmul becomes its
    `activation`; `layer_norm(add(x, r))` of two same-shaped tensors becomes
    `layer_norm(x) residual(r)`, so the sum is never written to memory.
    Only single-use intermediates are absorbed. With `explain`, every
    candidate (an add, activation or LayerNorm right after a matmul or add)
    gets one remark: fused, or why not.

    Before:
    ```mlir
    %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x?x512xf32>, tensor<2048x512xf32>
    %z = xf.add %y, %b : tensor<?x?x2048xf32>, tensor<2048xf32>
    %a = xf.relu %z : tensor<?x?x2048xf32>
    ```
    After:
    ```mlir
    %a = xf.matmul %x, %w bias(%b : tensor<2048xf32>)
        {activation = #xf.activation<relu>, transpose_b = true}
        : tensor<?x?x512xf32>, tensor<2048x512xf32>
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Emit one remark per candidate: fused, or why not">
  ];
  let dependentDialects = ["::mlir::xf::XfDialect"];
}

def XfReducePrecisionPass : Pass<"xf-reduce-precision", "ModuleOp"> {
  let summary = "linear layers read their weights in bf16 or int8";
  let description = [{
    Every linear layer, `x · Wᵀ` with `W` a 2-D parameter read as stored
    (`xf.matmul` with `transpose_b`, after transpose folding and epilogue
    fusion), becomes an `xf.quantized_linear` on the same parameter read as
    `bf16` (`precision=bf16`) or as `i8` with its `xf.weight_scales`
    (`precision=int8`); its bias and activation move with it. Everything
    else (attention, norms, embeddings, softmax statistics) stays f32: the
    precision is the weights' and the linear layers' only. An f32 use of
    the same parameter (a tied embedding) keeps reading it as f32. A
    weight a layer function receives as an argument (every call passing
    an f32 `xf.param`) becomes a reduced argument: the calls pass the
    reduced parameter, and the f32 one goes if nothing else reads it.

    Before:
    ```mlir
    %w = xf.param "fc.weight" : tensor<2048x512xf32>
    %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x?x512xf32>, tensor<2048x512xf32>
    ```
    After (`precision=int8`):
    ```mlir
    %q = xf.param "fc.weight" : tensor<2048x512xi8>
    %s = xf.weight_scales "fc.weight" : tensor<2048xf32>
    %y = xf.quantized_linear %x, %q scales(%s : tensor<2048xf32>)
        : tensor<?x?x512xf32>, tensor<2048x512xi8>
    ```
  }];
  let dependentDialects = ["::mlir::xf::XfDialect", "::mlir::func::FuncDialect"];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"int8\"",
           "the weights' type: bf16 or int8">,
  ];
}

#endif // XF_PASSES_TD
