// RUN: xf-opt %s -split-input-file --xf-reduce-precision=precision=int8 | FileCheck %s --check-prefix=INT8
// RUN: xf-opt %s -split-input-file --xf-reduce-precision=precision=bf16 | FileCheck %s --check-prefix=BF16
// RUN: not xf-opt %s -split-input-file --xf-reduce-precision=precision=fp8 2>&1 | FileCheck %s --check-prefix=BAD

// Tests that a linear layer reads its weight as i8 with per-row scales (or
// as bf16), keeping its bias and activation.
// INT8-LABEL: func.func @linear
// INT8: %[[Q:.+]] = xf.param "fc.weight" : tensor<2048x512xi8>
// INT8: %[[S:.+]] = xf.weight_scales "fc.weight" : tensor<2x2048xf32>
// INT8: %[[Y:.+]] = xf.quantized_linear %{{.+}}, %[[Q]] scales(%[[S]] : tensor<2x2048xf32>) bias(%{{.+}} : tensor<2048xf32>) {activation = #xf.activation<relu>} : tensor<?x?x512xf32>, tensor<2048x512xi8>
// INT8-NOT: xf.matmul
// INT8: return %[[Y]]
// BF16-LABEL: func.func @linear
// BF16: %[[W:.+]] = xf.param "fc.weight" : tensor<2048x512xbf16>
// BF16-NOT: xf.weight_scales
// BF16: xf.quantized_linear %{{.+}}, %[[W]] bias(%{{.+}} : tensor<2048xf32>) {activation = #xf.activation<relu>} : tensor<?x?x512xf32>, tensor<2048x512xbf16>
// BAD: xf-reduce-precision: unknown precision 'fp8' (expected bf16 or int8)
func.func @linear(%x: tensor<?x?x512xf32>, %b: tensor<2048xf32>) -> tensor<?x?x2048xf32> {
  %w = xf.param "fc.weight" : tensor<2048x512xf32>
  %y = xf.matmul %x, %w bias(%b : tensor<2048xf32>) {transpose_b = true, activation = #xf.activation<relu>} : tensor<?x?x512xf32>, tensor<2048x512xf32>
  return %y : tensor<?x?x2048xf32>
}

// -----

// Tests that what is not x · Wᵀ of a parameter stays f32: attention's
// Q · Kᵀ, a weight read without transpose_b, and the embedding use of a
// tied weight (its head reads the same name as i8).
// INT8-LABEL: func.func @not_linear
// INT8: xf.matmul %{{.+}}, %{{.+}} {transpose_b = true} : tensor<?x?x8xf32>, tensor<?x?x8xf32>
// INT8: xf.matmul %{{.+}}, %{{.+}} : tensor<?x?x8xf32>, tensor<8x16xf32>
// INT8-LABEL: func.func @tied
// INT8: %[[T:.+]] = xf.param "wte" : tensor<50x8xf32>
// INT8: xf.param "wte" : tensor<50x8xi8>
// INT8: xf.embedding %[[T]]
// INT8: xf.quantized_linear
func.func @not_linear(%q: tensor<?x?x8xf32>, %k: tensor<?x?x8xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x16xf32>) {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x?x8xf32>, tensor<?x?x8xf32>
  %w = xf.param "w" : tensor<8x16xf32>
  %y = xf.matmul %q, %w : tensor<?x?x8xf32>, tensor<8x16xf32>
  return %s, %y : tensor<?x?x?xf32>, tensor<?x?x16xf32>
}
func.func @tied(%ids: tensor<?x?xi64>) -> tensor<?x?x50xf32> {
  %t = xf.param "wte" : tensor<50x8xf32>
  %x = xf.embedding %t, %ids : tensor<50x8xf32>, tensor<?x?xi64>
  %y = xf.matmul %x, %t {transpose_b = true} : tensor<?x?x8xf32>, tensor<50x8xf32>
  return %y : tensor<?x?x50xf32>
}

// -----

// Tests that a weight a layer function receives as an argument travels as
// the reduced parameter: the function takes the i8 weight and its scales
// in place of the f32 one (read by nothing else), every call passes them.
// INT8-LABEL: func.func @entry
// INT8: %[[Q:.+]] = xf.param "l0.fc" : tensor<16x8xi8>
// INT8: %[[S:.+]] = xf.weight_scales "l0.fc" : tensor<2x16xf32>
// INT8: call @layer(%{{.+}}, %[[Q]], %[[S]]) : (tensor<?x?x8xf32>, tensor<16x8xi8>, tensor<2x16xf32>) -> tensor<?x?x16xf32>
// INT8-LABEL: func.func private @layer
// INT8-SAME: (%[[X:.+]]: tensor<?x?x8xf32>, %[[WQ:.+]]: tensor<16x8xi8>, %[[WS:.+]]: tensor<2x16xf32>)
// INT8: xf.quantized_linear %[[X]], %[[WQ]] scales(%[[WS]] : tensor<2x16xf32>)
func.func @entry(%x: tensor<?x?x8xf32>) -> tensor<?x?x16xf32> {
  %w = xf.param "l0.fc" : tensor<16x8xf32>
  %y = call @layer(%x, %w) : (tensor<?x?x8xf32>, tensor<16x8xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}
func.func private @layer(%x: tensor<?x?x8xf32>, %w: tensor<16x8xf32>) -> tensor<?x?x16xf32> {
  %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x?x8xf32>, tensor<16x8xf32>
  return %y : tensor<?x?x16xf32>
}
