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
