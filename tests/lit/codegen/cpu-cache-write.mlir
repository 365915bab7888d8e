// RUN: xf-opt %s --split-input-file --convert-xf-to-linalg --canonicalize | FileCheck %s

// Tests that on CPUs xf.cache_write becomes a loop over the batch rows
// carrying the cache, each copying its row's new rows into the cache's
// slice at the row's offset with a generic whose outermost loop is the
// cache axis (here the last dim, the keys cached transposed), and that new
// rows made by a transpose (batch first) are read from the transpose's
// input through the permuted map, leaving no transpose.
// CHECK-DAG: #[[DEST:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3, d0)>
// CHECK-DAG: #[[SRC:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, d2, d3)>
// CHECK-LABEL: func.func @step_keys
// CHECK-SAME: (%[[K:.+]]: tensor<?x?x2x8xf32>, %[[KC:.+]]: tensor<?x2x8x?xf32>, %[[PAST:.+]]: tensor<?xi64>)
// CHECK-NOT: linalg.transpose
// CHECK: scf.for %[[B:.+]] = %c0 to %{{.+}} step %c1 iter_args(%[[C:.+]] = %[[KC]])
// CHECK: %[[ROW:.+]] = tensor.extract_slice %[[K]][%[[B]], 0, 0, 0] [1, %{{.+}}, 2, 8] [1, 1, 1, 1] : tensor<?x?x2x8xf32> to tensor<1x?x2x8xf32>
// CHECK: %[[AT:.+]] = tensor.extract %[[PAST]][%[[B]]]
// CHECK: %[[OFF:.+]] = arith.index_cast %[[AT]] : i64 to index
// CHECK: %[[DST:.+]] = tensor.extract_slice %[[C]][%[[B]], 0, 0, %[[OFF]]] [1, 2, 8, %{{.+}}] [1, 1, 1, 1]
// CHECK: %[[COPY:.+]] = linalg.generic {indexing_maps = [#[[SRC]], #[[DEST]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[ROW]] : tensor<1x?x2x8xf32>) outs(%[[DST]] : tensor<1x2x8x?xf32>)
// CHECK: tensor.insert_slice %[[COPY]] into %[[C]][%[[B]], 0, 0, %[[OFF]]]
func.func @step_keys(%k: tensor<?x?x2x8xf32>, %kc: tensor<?x2x8x?xf32>, %past: tensor<?xi64>) -> tensor<?x2x8x?xf32> {
  %kt = xf.transpose %k [0, 2, 3, 1] : tensor<?x?x2x8xf32>
  %0 = xf.cache_write %kt into %kc offsets(%past : tensor<?xi64>) {axis = 3 : i64} : tensor<?x2x8x?xf32>, tensor<?x2x8x?xf32>
  return %0 : tensor<?x2x8x?xf32>
}

// -----

// Values cached as they come (axis 2): the rows read as they are, so both
// maps are the same permutation and canonicalization leaves the slice
// insert alone (bufferized, a copy into the cache's subview).
// CHECK-LABEL: func.func @step_values
// CHECK-SAME: (%[[V:.+]]: tensor<?x2x?x8xf32>, %[[VC:.+]]: tensor<?x2x?x8xf32>, %[[PAST:.+]]: tensor<?xi64>)
// CHECK: scf.for %[[B:.+]] = %c0 to %{{.+}} step %c1 iter_args(%[[C:.+]] = %[[VC]])
// CHECK: %[[ROW:.+]] = tensor.extract_slice %[[V]][%[[B]], 0, 0, 0]
// CHECK: %[[OFF:.+]] = arith.index_cast
// CHECK-NOT: linalg.generic
// CHECK: tensor.insert_slice %[[ROW]] into %[[C]][%[[B]], 0, %[[OFF]], 0]
func.func @step_values(%v: tensor<?x2x?x8xf32>, %vc: tensor<?x2x?x8xf32>, %past: tensor<?xi64>) -> tensor<?x2x?x8xf32> {
  %0 = xf.cache_write %v into %vc offsets(%past : tensor<?xi64>) {axis = 2 : i64} : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
  return %0 : tensor<?x2x?x8xf32>
}
