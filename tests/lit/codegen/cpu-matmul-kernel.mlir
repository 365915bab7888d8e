// RUN: xf-opt %s --xf-cpu-matmul-kernel | FileCheck %s

// Tests that a tagged x · Wᵀ on buffers becomes the repack of W plus the
// blocked loop (8 rows of 32-wide accumulators) and the one-row tail loop.
// CHECK-LABEL: func.func @linear
// CHECK: %[[WT:.+]] = memref.alloc() {alignment = 64 : i64} : memref<512x64xf32>
// CHECK: linalg.transpose ins(%{{.+}} : memref<64x512xf32>) outs(%[[WT]] : memref<512x64xf32>) permutation = [1, 0]
// CHECK: scf.parallel
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// CHECK: vector.load %[[WT]]
// CHECK-COUNT-8: vector.fma
// CHECK-COUNT-8: vector.store
// CHECK: scf.parallel
// CHECK: scf.for {{.*}} -> (vector<32xf32>)
// CHECK: memref.dealloc %[[WT]]
// CHECK-NOT: linalg.generic
#x = affine_map<(d0, d1, d2) -> (d1, d2)>
#w = affine_map<(d0, d1, d2) -> (d0, d2)>
#y = affine_map<(d0, d1, d2) -> (d1, d0)>
func.func @linear(%x: memref<?x512xf32>, %w: memref<64x512xf32>, %y: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x512xf32>, memref<64x512xf32>) outs(%y : memref<?x64xf32>)
      attrs = {xf.weight_matmul} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}
