// RUN: xf-opt %s --xf-cpu-matmul-kernel | FileCheck %s
// RUN: xf-opt %s --xf-cpu-matmul-kernel="rows=2" | FileCheck %s --check-prefix=ROWS2

// Tests that a tagged x · Wᵀ on buffers becomes the register-blocked kernel
// reading W as stored ([N, K], no repacked copy): tiles of 6 rows x 4 weight
// rows, 16-wide partial sums carried across K, reduced at the end; then the
// leftover rows one at a time.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.+]]: memref<?x512xf32>, %[[W:.+]]: memref<64x512xf32>, %[[Y:.+]]: memref<?x64xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.transpose
// CHECK: scf.parallel
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>
// CHECK-COUNT-6: vector.load %[[X]]
// CHECK-COUNT-4: vector.load %[[W]]
// CHECK-COUNT-24: vector.fma
// CHECK-COUNT-24: vector.reduction <add>
// CHECK: scf.parallel
// CHECK-COUNT-4: vector.fma
// CHECK-NOT: linalg.generic
// ROWS2: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
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
