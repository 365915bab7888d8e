// RUN: xf-opt %s -split-input-file --xf-params-to-arguments | FileCheck %s

// Tests that each distinct parameter becomes one trailing argument, in first-
// use order, with its name recorded for the manifest.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf32>, %[[W:.+]]: tensor<8x4xf32>, %[[B:.+]]: tensor<8xf32>)
// CHECK-SAME: attributes {xf.params = ["fc.weight", "fc.bias"]}
// CHECK-NOT: xf.param
// CHECK: xf.matmul %[[X]], %[[W]] {transpose_b = true}
// CHECK: xf.add %{{.+}}, %[[B]]
func.func @linear(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
  %w = xf.param "fc.weight" : tensor<8x4xf32>
  %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x4xf32>, tensor<8x4xf32>
  %b = xf.param "fc.bias" : tensor<8xf32>
  %z = xf.add %y, %b : tensor<?x8xf32>, tensor<8xf32>
  return %z : tensor<?x8xf32>
}

// -----

// Tests that two uses of one name (tied weights) share one argument.
// CHECK-LABEL: func.func @tied
// CHECK-SAME: (%{{.+}}: tensor<?xi64>, %[[E:.+]]: tensor<10x4xf32>)
// CHECK-SAME: attributes {xf.params = ["wte.weight"]}
// CHECK: xf.embedding %[[E]]
// CHECK: xf.matmul %{{.+}}, %[[E]] {transpose_b = true}
func.func @tied(%ids: tensor<?xi64>) -> tensor<?x10xf32> {
  %e = xf.param "wte.weight" : tensor<10x4xf32>
  %x = xf.embedding %e, %ids : tensor<10x4xf32>, tensor<?xi64>
  %e2 = xf.param "wte.weight" : tensor<10x4xf32>
  %y = xf.matmul %x, %e2 {transpose_b = true} : tensor<?x4xf32>, tensor<10x4xf32>
  return %y : tensor<?x10xf32>
}

// -----

// Tests that an i8 weight and its scales become two arguments, the scales
// named `<weight>.scale` (a weights file's name for them), and that the same
// name read as f32 (a tied embedding) is a third.
// CHECK-LABEL: func.func @quantized
// CHECK-SAME: (%[[X:.+]]: tensor<?x?xi64>, %[[T:.+]]: tensor<50x8xf32>, %[[Q:.+]]: tensor<50x8xi8>, %[[S:.+]]: tensor<2x50xf32>)
// CHECK-SAME: attributes {xf.params = ["wte", "wte", "wte.scale"]}
// CHECK: xf.quantized_linear %{{.+}}, %[[Q]] scales(%[[S]] : tensor<2x50xf32>)
func.func @quantized(%ids: tensor<?x?xi64>) -> tensor<?x?x50xf32> {
  %t = xf.param "wte" : tensor<50x8xf32>
  %x = xf.embedding %t, %ids : tensor<50x8xf32>, tensor<?x?xi64>
  %q = xf.param "wte" : tensor<50x8xi8>
  %s = xf.weight_scales "wte" : tensor<2x50xf32>
  %y = xf.quantized_linear %x, %q scales(%s : tensor<2x50xf32>) : tensor<?x?x8xf32>, tensor<50x8xi8>
  return %y : tensor<?x?x50xf32>
}

// -----

// Tests that a parameter the file stores transposed (GPT-2's Conv1D) is
// listed in xf.transposed_params, which the manifest turns into its layout.
// CHECK-LABEL: func.func @transposed
// CHECK-SAME: attributes {xf.params = ["c_fc.weight", "c_fc.bias"], xf.transposed_params = ["c_fc.weight"]}
func.func @transposed(%x: tensor<?x?x4xf32>) -> tensor<?x?x8xf32> {
  %w = xf.param "c_fc.weight" transposed : tensor<8x4xf32>
  %wt = xf.transpose %w [1, 0] : tensor<8x4xf32>
  %y = xf.matmul %x, %wt : tensor<?x?x4xf32>, tensor<4x8xf32>
  %b = xf.param "c_fc.bias" : tensor<8xf32>
  %z = xf.add %y, %b : tensor<?x?x8xf32>, tensor<8xf32>
  return %z : tensor<?x?x8xf32>
}
