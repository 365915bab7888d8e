// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg="halide-kernels=matmul,attention,norm,embedding,positions halide-explain=true" -verify-diagnostics | FileCheck %s --check-prefix=CONVERT
// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg="halide-kernels=matmul,attention,norm,embedding,positions" --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --xf-halide-define-kernels | FileCheck %s --check-prefix=BODY

// Tests convert-xf-to-linalg{halide-kernels}: a linear layer with its
// epilogue becomes a call, on buffers, of a declaration marked
// xf.halide_kernel with its spec; x's rows are collapsed and the kernel
// writes the result through a collapsed view of it. Two equal layers
// share one Halide pipeline after xf-halide-define-kernels, whose body
// describes each memref as a halide_buffer_t (innermost dimension first)
// and calls the pipeline with the inputs, then the output.
// CONVERT-LABEL: func.func @linear
// CONVERT-NOT: linalg.generic
// CONVERT: %[[X:.+]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<?x?x512xf32> into tensor<?x512xf32>
// CONVERT: %[[OUT:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {alignment = 64 : i64} : memref<?x?x2048xf32>
// CONVERT: %[[VIEW:.+]] = memref.collapse_shape %[[OUT]] {{\[}}[0, 1], [2]] : memref<?x?x2048xf32> into memref<?x2048xf32>
// CONVERT: %[[XB:.+]] = bufferization.to_buffer %[[X]] read_only
// CONVERT: call @linear_linear(%[[VIEW]], %[[XB]], %{{.+}}, %{{.+}})
// CONVERT: bufferization.to_tensor %[[OUT]] restrict writable
// CONVERT: func.func private @linear_linear(memref<?x2048xf32>, memref<?x512xf32>, memref<2048x512xf32>, memref<2048xf32>) attributes {xf.halide_kernel = {kind = "linear", spec = {activation = "gelu", bias = true, k = 512 : i64, n = 2048 : i64, residual = false, transpose_b = true}}}
// BODY: module attributes {xf.halide_kernels = ["xf_hl_linear_0 linear activation=gelu bias=1 k=512 n=2048 residual=0 transpose_b=1"]}
// BODY-LABEL: func.func private @linear_linear(
// BODY-SAME: %[[OUT:.+]]: memref<?x2048xf32>, %[[X:.+]]: memref<?x512xf32>
// BODY: %{{.+}}, %{{.+}}, %[[SIZES:.+]]:2, %[[STRIDES:.+]]:2 = memref.extract_strided_metadata %[[X]]
// BODY: %[[DIMS:.+]] = llvm.alloca %{{.+}} x !llvm.struct<(i32, i32, i32, i32)>
// BODY: arith.index_cast %[[SIZES]]#1 : index to i32
// BODY: arith.index_cast %[[STRIDES]]#1 : index to i32
// BODY: arith.index_cast %[[SIZES]]#0 : index to i32
// BODY: %[[XBUF:.+]] = llvm.alloca %{{.+}} x !llvm.struct<(i64, ptr, ptr, i64, i8, i8, i16, i32, ptr, ptr)>
// BODY: llvm.mlir.constant(2 : i8) : i8
// BODY: llvm.mlir.constant(32 : i8) : i8
// BODY: llvm.mlir.constant(2 : i32) : i32
// BODY: memref.extract_strided_metadata %[[OUT]]
// BODY-NOT: memref.extract_strided_metadata
// BODY: %[[OBUF:.+]] = llvm.alloca {{.+}} x !llvm.struct<(i64, ptr, ptr, i64, i8, i8, i16, i32, ptr, ptr)>
// BODY: llvm.call @xf_hl_linear_0(%[[XBUF]], %{{[0-9]+}}, %{{[0-9]+}}, %[[OBUF]]) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
// BODY-LABEL: func.func private @linear_linear_0(
// BODY: llvm.call @xf_hl_linear_0(
// BODY: llvm.func @xf_hl_linear_0(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
// BODY-NOT: llvm.func @xf_hl_linear_1
func.func @linear(%x: tensor<?x?x512xf32>, %w: tensor<2048x512xf32>, %b: tensor<2048xf32>) -> (tensor<?x?x2048xf32>, tensor<?x?x2048xf32>) {
  // expected-remark @below {{xf.matmul runs as the Halide linear kernel}}
  %y = xf.matmul %x, %w bias(%b : tensor<2048xf32>) {transpose_b = true, activation = #xf.activation<gelu>} : tensor<?x?x512xf32>, tensor<2048x512xf32>
  // expected-remark @below {{xf.matmul runs as the Halide linear kernel}}
  %z = xf.matmul %x, %w bias(%b : tensor<2048xf32>) {transpose_b = true, activation = #xf.activation<gelu>} : tensor<?x?x512xf32>, tensor<2048x512xf32>
  return %y, %z : tensor<?x?x2048xf32>, tensor<?x?x2048xf32>
}

// -----

// Tests attention with key padding and a causal mask: a call whose spec has
// the layouts, head counts, width, scale and masks; the result's dynamic
// dims are the query's. With a boolean mask it keeps the MLIR lowering,
// and says why.
// CONVERT-LABEL: func.func @attention
// CONVERT: %[[OUT:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {alignment = 64 : i64} : memref<?x?x8x64xf32>
// CONVERT: call @attention_attention(%[[OUT]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x?x8x64xf32>, memref<?x?x8x64xf32>, memref<?x?x8x64xf32>, memref<?x?x8x64xf32>, memref<?x?xi64>) -> ()
// CONVERT: func.func private @attention_attention({{.+}}) attributes {xf.halide_kernel = {kind = "attention", spec = {causal = true, head_dim = 64 : i64, heads = 8 : i64, k_layout = "bshd", key_ids = true, kv_heads = 8 : i64, mask_value = -1.000000e+09 : f32, out_layout = "bshd", pad_id = 0 : i64, q_layout = "bshd", scale = 1.250000e-01 : f32, v_layout = "bshd"}}}
// BODY: xf.halide_kernels = ["xf_hl_attention_0 attention causal=1 head_dim=64 heads=8 k_layout=bshd key_ids=1 kv_heads=8 mask_value=-1.000000000e+09 out_layout=bshd pad_id=0 q_layout=bshd scale=1.250000000e-01 v_layout=bshd"]
func.func @attention(%q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>, %v: tensor<?x?x8x64xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x8x64xf32> {
  // expected-remark @below {{xf.attention runs as the Halide attention kernel}}
  %o = xf.attention %q, %k, %v key_ids(%ids : tensor<?x?xi64>) {scale = 0.125 : f32, causal = true, q_layout = #xf.layout<bshd>, k_layout = #xf.layout<bshd>, v_layout = #xf.layout<bshd>, out_layout = #xf.layout<bshd>} : tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>
  return %o : tensor<?x?x8x64xf32>
}

// -----

// CONVERT-LABEL: func.func @masked
// CONVERT-NOT: call
func.func @masked(%q: tensor<1x2x4x16xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x16xf32>, %m: tensor<1x1x4x4xi1>) -> tensor<1x2x4x16xf32> {
  // expected-remark @below {{xf.attention keeps the MLIR kernel: a boolean mask}}
  %o = xf.attention %q, %k, %v mask(%m : tensor<1x1x4x4xi1>) {scale = 0.25 : f32} : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return %o : tensor<1x2x4x16xf32>
}

// -----

// Tests the norms: LayerNorm's operands in the order (x, residual, weight,
// bias), both row-collapsed; RMSNorm with its weight.
// CONVERT-LABEL: func.func @norms
// CONVERT: call @norms_layer_norm(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>, memref<64xf32>) -> ()
// CONVERT: call @norms_rms_norm(%{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x64xf32>, memref<?x64xf32>, memref<64xf32>) -> ()
// CONVERT: attributes {xf.halide_kernel = {kind = "layer_norm", spec = {bias = false, epsilon = 9.99999974E-6 : f32, n = 64 : i64, residual = true, weight = true}}}
// CONVERT: attributes {xf.halide_kernel = {kind = "rms_norm", spec = {epsilon = 9.99999997E-7 : f32, n = 64 : i64, weight = true}}}
func.func @norms(%x: tensor<?x?x64xf32>, %r: tensor<?x?x64xf32>, %g: tensor<64xf32>) -> tensor<?x?x64xf32> {
  // expected-remark @below {{xf.layer_norm runs as the Halide layer_norm kernel}}
  %n = xf.layer_norm %x residual(%r : tensor<?x?x64xf32>) weight(%g : tensor<64xf32>) : tensor<?x?x64xf32>
  // expected-remark @below {{xf.rms_norm runs as the Halide rms_norm kernel}}
  %y = xf.rms_norm %n weight(%g : tensor<64xf32>) : tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// Tests the embedding: the ids collapse into one dim, the kernel writes the
// [B, S, width] result through a [B·S, width] view.
// CONVERT-LABEL: func.func @embedding
// CONVERT: %[[IDS:.+]] = tensor.collapse_shape %arg1 {{\[}}[0, 1]] : tensor<?x?xi64> into tensor<?xi64>
// CONVERT: %[[OUT:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {alignment = 64 : i64} : memref<?x?x48xf32>
// CONVERT: %[[VIEW:.+]] = memref.collapse_shape %[[OUT]] {{\[}}[0, 1], [2]] : memref<?x?x48xf32> into memref<?x48xf32>
// CONVERT: call @embedding_embedding(%[[VIEW]], %{{.+}}, %{{.+}}) : (memref<?x48xf32>, memref<50x48xf32>, memref<?xi64>) -> ()
// CONVERT: attributes {xf.halide_kernel = {kind = "embedding", spec = {rows = 50 : i64, width = 48 : i64}}}
// BODY: xf.halide_kernels = ["xf_hl_embedding_0 embedding rows=50 width=48"]
func.func @embedding(%table: tensor<50x48xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x48xf32> {
  // expected-remark @below {{xf.embedding runs as the Halide embedding kernel}}
  %x = xf.embedding %table, %ids : tensor<50x48xf32>, tensor<?x?xi64>
  return %x : tensor<?x?x48xf32>
}

// -----

// Tests the positions: a sinusoid table of the given length, sinusoids of
// positions (collapsed), rotary embeddings over [B, H, L, D] (leading dims
// collapsed into B·H, H the group) with per-row positions.
// CONVERT-LABEL: func.func @positions
// CONVERT: call @positions_sinusoid(%{{.+}}) : (memref<?x16xf32>) -> ()
// CONVERT: call @positions_sinusoid_0(%{{.+}}, %{{.+}}) : (memref<?x16xf32>, memref<?xi64>) -> ()
// CONVERT: %[[X:.+]] = tensor.collapse_shape %arg2 {{\[}}[0, 1], [2], [3]] : tensor<?x4x?x16xf32> into tensor<?x?x16xf32>
// CONVERT: call @positions_rope(%{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x?x16xf32>, memref<?x?x16xf32>, memref<?x?xi64>) -> ()
// CONVERT: attributes {xf.halide_kernel = {kind = "sinusoid", spec = {dim = 16 : i64, table = true}}}
// CONVERT: attributes {xf.halide_kernel = {kind = "sinusoid", spec = {dim = 16 : i64, table = false}}}
// CONVERT: attributes {xf.halide_kernel = {kind = "rope", spec = {base = 1.000000e+04 : f32, group = 4 : i64, positions = true, width = 16 : i64}}}
func.func @positions(%len: index, %p: tensor<?x?xi64>, %x: tensor<?x4x?x16xf32>) -> (tensor<?x16xf32>, tensor<?x?x16xf32>, tensor<?x4x?x16xf32>) {
  // expected-remark @below {{xf.sinusoid_table runs as the Halide sinusoid kernel}}
  %t = xf.sinusoid_table %len {dim = 16 : i64}
  // expected-remark @below {{xf.sinusoid runs as the Halide sinusoid kernel}}
  %s = xf.sinusoid %p {dim = 16 : i64} : tensor<?x?xi64>
  // expected-remark @below {{xf.rope runs as the Halide rope kernel}}
  %r = xf.rope %x positions(%p : tensor<?x?xi64>) {base = 1.0e4 : f32} : tensor<?x4x?x16xf32>
  return %t, %s, %r : tensor<?x16xf32>, tensor<?x?x16xf32>, tensor<?x4x?x16xf32>
}

// -----

// Tests the residual epilogue: an add of a linear layer's result (used by
// nothing else) and a residual of its shape becomes the linear kernel with
// residual = true, x and the residual collapsed into rows, operands (x,
// residual, w, bias). Where the product has another use, the add stays.
// CONVERT-LABEL: func.func @residual
// CONVERT: tensor.collapse_shape %arg0
// CONVERT: tensor.collapse_shape %arg3
// CONVERT: call @residual_linear(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x64xf32>, memref<?x32xf32>, memref<?x64xf32>, memref<64x32xf32>, memref<64xf32>) -> ()
// CONVERT: call @residual_linear_0(
// CONVERT: linalg.generic
// CONVERT: func.func private @residual_linear({{.+}}) attributes {xf.halide_kernel = {kind = "linear", spec = {activation = "none", bias = true, k = 32 : i64, n = 64 : i64, residual = true, transpose_b = true}}}
// CONVERT: func.func private @residual_linear_0({{.+}}) attributes {xf.halide_kernel = {kind = "linear", spec = {activation = "none", bias = false, k = 32 : i64, n = 64 : i64, residual = false, transpose_b = true}}}
// BODY: xf.halide_kernels = ["xf_hl_linear_0 linear activation=none bias=1 k=32 n=64 residual=1 transpose_b=1", "xf_hl_linear_1 linear activation=none bias=0 k=32 n=64 residual=0 transpose_b=1"]
// BODY: llvm.func @xf_hl_linear_0(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
func.func @residual(%x: tensor<?x?x32xf32>, %w: tensor<64x32xf32>, %b: tensor<64xf32>, %r: tensor<?x?x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  // expected-remark @below {{xf.matmul runs as the Halide linear kernel with the residual add as its epilogue}}
  %y = xf.matmul %x, %w bias(%b : tensor<64xf32>) {transpose_b = true} : tensor<?x?x32xf32>, tensor<64x32xf32>
  // expected-remark @below {{xf.add runs in the Halide linear kernel's epilogue}}
  %s = xf.add %r, %y : tensor<?x?x64xf32>, tensor<?x?x64xf32>
  // expected-remark @below {{xf.matmul runs as the Halide linear kernel}}
  %z = xf.matmul %x, %w {transpose_b = true} : tensor<?x?x32xf32>, tensor<64x32xf32>
  %t = xf.add %z, %z : tensor<?x?x64xf32>, tensor<?x?x64xf32>
  return %s, %t : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}
