// RUN: xf-opt %s -split-input-file --xf-fold-transpose | FileCheck %s

// Tests that a transposed nn.Linear weight is consumed as stored.
// CHECK-LABEL: func.func @linear_weight
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x512xf32>, %[[W:.+]]: tensor<2048x512xf32>)
// CHECK-NOT: xf.transpose
// CHECK: %[[Y:.+]] = xf.matmul %[[X]], %[[W]] {transpose_b = true} : tensor<?x?x512xf32>, tensor<2048x512xf32>
// CHECK: return %[[Y]]
func.func @linear_weight(%x: tensor<?x?x512xf32>, %w: tensor<2048x512xf32>) -> tensor<?x?x2048xf32> {
  %wt = xf.transpose %w [1, 0] : tensor<2048x512xf32>
  %y = xf.matmul %x, %wt : tensor<?x?x512xf32>, tensor<512x2048xf32>
  return %y : tensor<?x?x2048xf32>
}

// -----

// Tests that Kᵀ (a transpose of the last two dims) becomes transpose_b.
// CHECK-LABEL: func.func @k_transposed
// CHECK-SAME: (%[[Q:.+]]: tensor<?x8x?x64xf32>, %[[K:.+]]: tensor<?x8x?x64xf32>)
// CHECK-NOT: xf.transpose
// CHECK: xf.matmul %[[Q]], %[[K]] {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
func.func @k_transposed(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>) -> tensor<?x8x?x?xf32> {
  %kt = xf.transpose %k [0, 1, 3, 2] : tensor<?x8x?x64xf32>
  %s = xf.matmul %q, %kt : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>
  return %s : tensor<?x8x?x?xf32>
}

// -----

// Tests that both operands fold, and that an already-set flag flips back.
// CHECK-LABEL: func.func @both_operands
// CHECK-SAME: (%[[A:.+]]: tensor<4x3xf32>, %[[B:.+]]: tensor<4x5xf32>)
// CHECK: xf.matmul %[[A]], %[[B]] {transpose_a = true} : tensor<4x3xf32>, tensor<4x5xf32>
func.func @both_operands(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %at = xf.transpose %a [1, 0] : tensor<4x3xf32>
  %bt = xf.transpose %b [1, 0] : tensor<4x5xf32>
  %c = xf.matmul %at, %bt {transpose_b = true} : tensor<3x4xf32>, tensor<5x4xf32>
  return %c : tensor<3x5xf32>
}

// -----

// Tests that a head-split transpose (not of the last two dims) stays.
// CHECK-LABEL: func.func @head_split_stays
// CHECK: xf.transpose %{{.+}} [0, 2, 1, 3]
// CHECK: xf.matmul
func.func @head_split_stays(%q: tensor<?x?x8x64xf32>, %k: tensor<?x8x64x?xf32>) -> tensor<?x8x?x?xf32> {
  %qt = xf.transpose %q [0, 2, 1, 3] : tensor<?x?x8x64xf32>
  %s = xf.matmul %qt, %k : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>
  return %s : tensor<?x8x?x?xf32>
}

// -----

// Tests that a transpose with another use still folds into the matmul but
// stays for that use.
// CHECK-LABEL: func.func @other_use
// CHECK-SAME: (%[[W:.+]]: tensor<8x4xf32>, %[[X:.+]]: tensor<2x4xf32>)
// CHECK: %[[WT:.+]] = xf.transpose %[[W]] [1, 0]
// CHECK: %[[Y:.+]] = xf.matmul %[[X]], %[[W]] {transpose_b = true}
// CHECK: return %[[Y]], %[[WT]]
func.func @other_use(%w: tensor<8x4xf32>, %x: tensor<2x4xf32>) -> (tensor<2x8xf32>, tensor<4x8xf32>) {
  %wt = xf.transpose %w [1, 0] : tensor<8x4xf32>
  %y = xf.matmul %x, %wt : tensor<2x4xf32>, tensor<4x8xf32>
  return %y, %wt : tensor<2x8xf32>, tensor<4x8xf32>
}

// -----

// Tests the seed model's sequence-first positions: the transpose pair around
// the add cancels; the table's transpose moves only a unit dim (a reshape).
// CHECK-LABEL: func.func @positions_sequence_first
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x512xf32>, %[[PE:.+]]: tensor<?x1x512xf32>)
// CHECK-NOT: xf.transpose
// CHECK: %[[R:.+]] = xf.reshape %[[PE]](%{{.+}}) : tensor<?x1x512xf32> -> tensor<1x?x512xf32>
// CHECK: %[[S:.+]] = xf.add %[[X]], %[[R]] : tensor<?x?x512xf32>, tensor<1x?x512xf32>
// CHECK: return %[[S]]
func.func @positions_sequence_first(%x: tensor<?x?x512xf32>, %pe: tensor<?x1x512xf32>) -> tensor<?x?x512xf32> {
  %xt = xf.transpose %x [1, 0, 2] : tensor<?x?x512xf32>
  %s = xf.add %xt, %pe : tensor<?x?x512xf32>, tensor<?x1x512xf32>
  %y = xf.transpose %s [1, 0, 2] : tensor<?x?x512xf32>
  return %y : tensor<?x?x512xf32>
}

// -----

// Tests that a transpose through an add without a cancelling partner stays.
// CHECK-LABEL: func.func @no_partner
// CHECK: xf.add
// CHECK: xf.transpose %{{.+}} [1, 0, 2]
func.func @no_partner(%a: tensor<4x5x6xf32>, %b: tensor<4x5x6xf32>) -> tensor<5x4x6xf32> {
  %s = xf.add %a, %b : tensor<4x5x6xf32>, tensor<4x5x6xf32>
  %t = xf.transpose %s [1, 0, 2] : tensor<4x5x6xf32>
  return %t : tensor<5x4x6xf32>
}
