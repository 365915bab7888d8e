// RUN: xf-opt %s --convert-xf-to-linalg="gpu-kernels=true" | FileCheck %s --check-prefix=CONVERT
// RUN: xf-opt %s --convert-xf-to-linalg="gpu-kernels=true" --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse --convert-linalg-to-parallel-loops --scf-forall-to-parallel --fold-memref-alias-ops --canonicalize --lower-affine --xf-gpu-map-loops --scf-parallel-for-to-nested-fors --canonicalize --cse | FileCheck %s --check-prefix=KERNEL

// Tests that on GPUs xf.cache_write becomes an scf.forall over the new
// rows' dims but the cache axis and the innermost (here batch, head and
// head dim: the keys are cached transposed, the axis is innermost), each
// iteration reading its row's offset and copying one strip into the
// cache's slice at the offset, inserted back in parallel. Bufferized, the
// cache argument is written in place: no allocation, no copy; the GPU
// passes make it one launch whose threads each read past[b] from the
// device buffer (the host never reads it) and store the strip into the
// cache's flat buffer at offset + t.

// CONVERT-LABEL: func.func @step_keys
// CONVERT: %[[B:.+]] = tensor.dim %arg0, %c0
// CONVERT: %[[T:.+]] = tensor.dim %arg0, %c3
// CONVERT: scf.forall (%[[b:.+]], %[[h:.+]], %[[d:.+]]) in (%[[B]], 2, 8) shared_outs(%[[C:.+]] = %arg1)
// CONVERT: %[[AT:.+]] = tensor.extract %arg2[%[[b]]]
// CONVERT: %[[OFF:.+]] = arith.index_cast %[[AT]] : i64 to index
// CONVERT: %[[STRIP:.+]] = tensor.extract_slice %arg0[%[[b]], %[[h]], %[[d]], 0] [1, 1, 1, %[[T]]]
// CONVERT: %[[DEST:.+]] = tensor.extract_slice %[[C]][%[[b]], %[[h]], %[[d]], %[[OFF]]] [1, 1, 1, %[[T]]]
// CONVERT: %[[COPY:.+]] = linalg.copy ins(%[[STRIP]] : tensor<1x1x1x?xf32>) outs(%[[DEST]] : tensor<1x1x1x?xf32>)
// CONVERT: scf.forall.in_parallel
// CONVERT-NEXT: tensor.parallel_insert_slice %[[COPY]] into %[[C]][%[[b]], %[[h]], %[[d]], %[[OFF]]] [1, 1, 1, %[[T]]]

// KERNEL-LABEL: func.func @step_keys
// KERNEL-NOT: memref.alloc
// KERNEL-NOT: memref.copy
// KERNEL: %[[PAST:.+]] = memref.reinterpret_cast %arg2 to offset: [0], sizes: [%{{.+}}], strides: [1] : memref<?xi64> to memref<?xi64>
// KERNEL: %[[CACHE:.+]] = memref.reinterpret_cast %arg1 to offset: [0], sizes: [%{{.+}}], strides: [1] : memref<?x2x8x?xf32> to memref<?xf32>
// KERNEL: gpu.launch
// KERNEL: %[[AT:.+]] = memref.load %[[PAST]][%{{.+}}] : memref<?xi64>
// KERNEL: %[[OFF:.+]] = arith.index_cast %[[AT]] : i64 to index
// KERNEL: scf.for %[[t:.+]] = %c0 to %{{.+}} step %c1
// KERNEL: %[[ROW:.+]] = memref.load
// KERNEL: %[[POS:.+]] = arith.addi %[[OFF]], %[[t]]
// KERNEL: %[[AT2:.+]] = arith.addi %{{.+}}, %[[POS]]
// KERNEL: memref.store %[[ROW]], %[[CACHE]][%[[AT2]]] : memref<?xf32>
// KERNEL-NOT: memref.copy
func.func @step_keys(%k: tensor<?x2x8x?xf32>, %kc: tensor<?x2x8x?xf32>, %past: tensor<?xi64>) -> tensor<?x2x8x?xf32> {
  %0 = xf.cache_write %k into %kc offsets(%past : tensor<?xi64>) {axis = 3 : i64} : tensor<?x2x8x?xf32>, tensor<?x2x8x?xf32>
  return %0 : tensor<?x2x8x?xf32>
}
