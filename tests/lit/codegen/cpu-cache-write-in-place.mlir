// RUN: xf-opt %s --xf-cpu-lowering | FileCheck %s

// Tests that the CPU pipeline writes a step's new keys straight into the
// cache argument's buffer: no temporary and no copy. Elementwise fusion
// gives the cache write's copy a tensor.empty destination (its payload
// never reads it); empty-tensor elimination turns that back into the
// cache's slice before bufferization, which then writes in place.
// CHECK-LABEL: llvm.func @generate_step
// CHECK-NOT: llvm.call @memrefCopy
// CHECK-NOT: @_mlir_memref_to_llvm_alloc
// CHECK: llvm.return
func.func @generate_step(%k: tensor<?x?x2x8xf32>, %kc: tensor<?x2x8x?xf32> {xf.state = "self_key.0"}, %past: tensor<?xi64>) -> (tensor<?x2x8x?xf32> {xf.state = "self_key.0"}) {
  %kt = xf.transpose %k [0, 2, 3, 1] : tensor<?x?x2x8xf32>
  %0 = xf.cache_write %kt into %kc offsets(%past : tensor<?xi64>) {axis = 3 : i64} : tensor<?x2x8x?xf32>, tensor<?x2x8x?xf32>
  return %0 : tensor<?x2x8x?xf32>
}
