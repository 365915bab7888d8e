// RUN: xf-opt %s -split-input-file --canonicalize | FileCheck %s

// Tests that a transpose pair that cancels (the seed model's sequence-first
// positional encoding) disappears.
// CHECK-LABEL: func.func @transpose_pair_cancels
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x512xf32>)
// CHECK-NOT: xf.transpose
// CHECK: return %[[X]]
func.func @transpose_pair_cancels(%x: tensor<?x?x512xf32>) -> tensor<?x?x512xf32> {
  %0 = xf.transpose %x [1, 0, 2] : tensor<?x?x512xf32>
  %1 = xf.transpose %0 [1, 0, 2] : tensor<?x?x512xf32>
  return %1 : tensor<?x?x512xf32>
}

// -----

// Tests that two transposes that do not cancel compose into one.
// CHECK-LABEL: func.func @transpose_pair_composes
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK: %[[T:.+]] = xf.transpose %[[X]] [2, 0, 1] : tensor<2x3x4xf32>
// CHECK-NOT: xf.transpose
// CHECK: return %[[T]] : tensor<4x2x3xf32>
func.func @transpose_pair_composes(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = xf.transpose %x [1, 0, 2] : tensor<2x3x4xf32>
  %1 = xf.transpose %0 [2, 1, 0] : tensor<3x2x4xf32>
  return %1 : tensor<4x2x3xf32>
}

// -----

// Tests that an identity permutation folds away.
// CHECK-LABEL: func.func @transpose_identity
// CHECK-NOT: xf.transpose
func.func @transpose_identity(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = xf.transpose %x [0, 1] : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Tests that a lone non-identity transpose stays.
// CHECK-LABEL: func.func @transpose_kept
// CHECK: xf.transpose %{{.+}} [1, 0]
func.func @transpose_kept(%x: tensor<?x8xf32>) -> tensor<8x?xf32> {
  %0 = xf.transpose %x [1, 0] : tensor<?x8xf32>
  return %0 : tensor<8x?xf32>
}

// -----

// Tests that a static reshape to the same type folds away.
// CHECK-LABEL: func.func @reshape_identity_static
// CHECK-NOT: xf.reshape
func.func @reshape_identity_static(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %0 = xf.reshape %x : tensor<4x6xf32> -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// Tests that a dynamic reshape whose sizes are the input's own dims folds away.
// CHECK-LABEL: func.func @reshape_identity_dynamic
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x512xf32>)
// CHECK-NOT: xf.reshape
// CHECK: return %[[X]]
func.func @reshape_identity_dynamic(%x: tensor<?x?x512xf32>) -> tensor<?x?x512xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x512xf32>
  %s = tensor.dim %x, %c1 : tensor<?x?x512xf32>
  %0 = xf.reshape %x (%b, %s) : tensor<?x?x512xf32> -> tensor<?x?x512xf32>
  return %0 : tensor<?x?x512xf32>
}

// -----

// Tests that a dynamic reshape with other sizes (dims swapped) stays.
// CHECK-LABEL: func.func @reshape_dynamic_kept
// CHECK: xf.reshape
func.func @reshape_dynamic_kept(%x: tensor<?x?x512xf32>) -> tensor<?x?x512xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x512xf32>
  %s = tensor.dim %x, %c1 : tensor<?x?x512xf32>
  %0 = xf.reshape %x (%s, %b) : tensor<?x?x512xf32> -> tensor<?x?x512xf32>
  return %0 : tensor<?x?x512xf32>
}

// -----

// Tests that a split-then-merge reshape chain becomes one reshape of the
// original input (here the identity, so none).
// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x512xf32>
// CHECK-NOT: xf.reshape
// CHECK: return %[[X]]
func.func @reshape_chain(%x: tensor<?x?x512xf32>) -> tensor<?x?x512xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x512xf32>
  %s = tensor.dim %x, %c1 : tensor<?x?x512xf32>
  %0 = xf.reshape %x (%b, %s) : tensor<?x?x512xf32> -> tensor<?x?x8x64xf32>
  %1 = xf.reshape %0 (%b, %s) : tensor<?x?x8x64xf32> -> tensor<?x?x512xf32>
  return %1 : tensor<?x?x512xf32>
}

// -----

// Tests that a reshape chain to a new shape becomes a single reshape.
// CHECK-LABEL: func.func @reshape_chain_new_shape
// CHECK-SAME: (%[[X:.+]]: tensor<4x6xf32>)
// CHECK: %[[R:.+]] = xf.reshape %[[X]] : tensor<4x6xf32> -> tensor<2x12xf32>
// CHECK-NOT: xf.reshape
// CHECK: return %[[R]]
func.func @reshape_chain_new_shape(%x: tensor<4x6xf32>) -> tensor<2x12xf32> {
  %0 = xf.reshape %x : tensor<4x6xf32> -> tensor<24xf32>
  %1 = xf.reshape %0 : tensor<24xf32> -> tensor<2x12xf32>
  return %1 : tensor<2x12xf32>
}

// -----

// Tests that scale by 1 folds away.
// CHECK-LABEL: func.func @scale_by_one
// CHECK-NOT: xf.scale
func.func @scale_by_one(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = xf.scale %x by 1.0 : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Tests that a scale of a scale becomes one scale by the product.
// CHECK-LABEL: func.func @scale_of_scale
// CHECK-SAME: (%[[X:.+]]: tensor<?x8xf32>)
// CHECK: %[[S:.+]] = xf.scale %[[X]] by 2.500000e-01 : tensor<?x8xf32>
// CHECK-NOT: xf.scale
// CHECK: return %[[S]]
func.func @scale_of_scale(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = xf.scale %x by 0.5 : tensor<?x8xf32>
  %1 = xf.scale %0 by 0.5 : tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}

// -----

// Tests that scales whose product is 1 disappear entirely.
// CHECK-LABEL: func.func @scale_inverse_pair
// CHECK-NOT: xf.scale
func.func @scale_inverse_pair(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = xf.scale %x by 4.0 : tensor<?x8xf32>
  %1 = xf.scale %0 by 0.25 : tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}
