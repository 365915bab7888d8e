// RUN: xf-opt %s -split-input-file --xf-fuse-epilogue | FileCheck %s

// Tests that bias and ReLU after a linear layer become the matmul's epilogue.
// CHECK-LABEL: func.func @bias_relu
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x512xf32>, %[[W:.+]]: tensor<2048x512xf32>, %[[B:.+]]: tensor<2048xf32>)
// CHECK: %[[Y:.+]] = xf.matmul %[[X]], %[[W]] bias(%[[B]] : tensor<2048xf32>) {activation = #xf.activation<relu>, transpose_b = true}
// CHECK-NOT: xf.add
// CHECK-NOT: xf.relu
// CHECK: return %[[Y]]
func.func @bias_relu(%x: tensor<?x?x512xf32>, %w: tensor<2048x512xf32>, %b: tensor<2048xf32>) -> tensor<?x?x2048xf32> {
  %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x?x512xf32>, tensor<2048x512xf32>
  %z = xf.add %b, %y : tensor<2048xf32>, tensor<?x?x2048xf32>
  %a = xf.relu %z : tensor<?x?x2048xf32>
  return %a : tensor<?x?x2048xf32>
}

// -----

// Tests GELU (tanh form) without a bias.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: xf.matmul %{{.+}}, %{{.+}} {activation = #xf.activation<gelu_tanh>}
// CHECK-NOT: xf.gelu
func.func @gelu_tanh(%x: tensor<?x8xf32>, %w: tensor<8x16xf32>) -> tensor<?x16xf32> {
  %y = xf.matmul %x, %w : tensor<?x8xf32>, tensor<8x16xf32>
  %a = xf.gelu %y {tanh = true} : tensor<?x16xf32>
  return %a : tensor<?x16xf32>
}

// -----

// Tests that a matmul with another use keeps its epilogue ops.
// CHECK-LABEL: func.func @shared_matmul
// CHECK: %[[Y:.+]] = xf.matmul %{{.+}}, %{{.+}} : tensor<?x8xf32>, tensor<8x16xf32>
// CHECK: xf.silu %[[Y]]
// CHECK: return
func.func @shared_matmul(%x: tensor<?x8xf32>, %w: tensor<8x16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  %y = xf.matmul %x, %w : tensor<?x8xf32>, tensor<8x16xf32>
  %a = xf.silu %y : tensor<?x16xf32>
  return %a, %y : tensor<?x16xf32>, tensor<?x16xf32>
}

// -----

// Tests that an add that is not a bias vector (a residual) is not absorbed.
// CHECK-LABEL: func.func @residual_not_bias
// CHECK: xf.matmul %{{.+}}, %{{.+}} : tensor<?x8xf32>, tensor<8x8xf32>
// CHECK: xf.add
func.func @residual_not_bias(%x: tensor<?x8xf32>, %w: tensor<8x8xf32>) -> tensor<?x8xf32> {
  %y = xf.matmul %x, %w : tensor<?x8xf32>, tensor<8x8xf32>
  %z = xf.add %y, %x : tensor<?x8xf32>, tensor<?x8xf32>
  return %z : tensor<?x8xf32>
}

// -----

// Tests the post-norm residual: LayerNorm(sublayer + x) reads both, stores
// no sum.
// CHECK-LABEL: func.func @residual_layer_norm
// CHECK-SAME: (%[[S:.+]]: tensor<?x?x512xf32>, %[[X:.+]]: tensor<?x?x512xf32>)
// CHECK: %[[N:.+]] = xf.layer_norm %[[S]] residual(%[[X]] : tensor<?x?x512xf32>) : tensor<?x?x512xf32>
// CHECK-NOT: xf.add
// CHECK: return %[[N]]
func.func @residual_layer_norm(%s: tensor<?x?x512xf32>, %x: tensor<?x?x512xf32>) -> tensor<?x?x512xf32> {
  %sum = xf.add %s, %x : tensor<?x?x512xf32>, tensor<?x?x512xf32>
  %n = xf.layer_norm %sum : tensor<?x?x512xf32>
  return %n : tensor<?x?x512xf32>
}

// -----

// Tests that a pre-norm residual sum that is also used later stays.
// CHECK-LABEL: func.func @sum_used_twice
// CHECK: %[[SUM:.+]] = xf.add
// CHECK: xf.layer_norm %[[SUM]] :
func.func @sum_used_twice(%s: tensor<?x8xf32>, %x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %sum = xf.add %s, %x : tensor<?x8xf32>, tensor<?x8xf32>
  %n = xf.layer_norm %sum : tensor<?x8xf32>
  return %n, %sum : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// Tests that a broadcasting add (positions) is not taken for a residual.
// CHECK-LABEL: func.func @broadcast_add
// CHECK: xf.add
// CHECK: xf.layer_norm %{{.+}} :
func.func @broadcast_add(%x: tensor<?x?x8xf32>, %p: tensor<?x8xf32>) -> tensor<?x?x8xf32> {
  %sum = xf.add %x, %p : tensor<?x?x8xf32>, tensor<?x8xf32>
  %n = xf.layer_norm %sum : tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}
