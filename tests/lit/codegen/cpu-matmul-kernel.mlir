// RUN: xf-opt %s --split-input-file --xf-cpu-matmul-kernel | FileCheck %s

// Tests that a tagged x · Wᵀ on buffers becomes the outer-product kernel: x
// packed into panels of 16 rows stored column by column (full panels by
// 16x16 register transposes, the last partial panel element by element,
// zero past the last row), W read as stored; tiles of 2 panels x 12 columns
// (24 accumulators, 2 vector loads and 12 broadcasts of W per step), a last
// odd panel with 12; results transposed back into rows and stored only for
// rows that exist; 64 = 5·12 + 4 leaves a 4-column strip. The kernel is a
// private out-of-line function per operand types, shared by both calls.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X0:.+]]: memref<?x512xf32>, %[[W0:.+]]: memref<64x512xf32>, %[[Y0:.+]]: memref<?x64xf32>, %[[Y1:.+]]: memref<?x64xf32>)
// CHECK-NOT: linalg
// CHECK: call @xf_linear_64x512(%[[X0]], %[[W0]], %[[Y0]])
// CHECK: call @xf_linear_64x512(%[[X0]], %[[W0]], %[[Y1]])
// CHECK: func.func private @xf_linear_64x512
// CHECK-SAME: (%[[X:.+]]: memref<?x512xf32>, %[[W:.+]]: memref<64x512xf32>, %[[Y:.+]]: memref<?x64xf32>)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: %[[XP:.+]] = memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<?x512x16xf32>
// The pack.
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK-COUNT-16: vector.load %[[X]]
// CHECK: vector.transpose
// CHECK-COUNT-16: vector.store %{{.+}}, %[[XP]]
// CHECK: } else {
// CHECK: scf.if
// CHECK: memref.load %[[X]]
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: memref.store %{{.+}}, %[[XP]]
// Full strips of 12 columns: pairs of panels, then a last single panel.
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-2: vector.load %[[XP]]
// CHECK: memref.load %[[W]]
// CHECK: vector.broadcast
// CHECK-COUNT-2: vector.fma
// CHECK: vector.transpose
// CHECK: scf.if
// CHECK: vector.store %{{.+}}, %[[Y]]{{.*}} : memref<?x64xf32>, vector<12xf32>
// CHECK: scf.for
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// The 4-column strip, in the same parallel loop, by the block that holds it.
// CHECK-NOT: scf.parallel
// CHECK: scf.if
// CHECK: vector.store %{{.+}}, %[[Y]]{{.*}} : memref<?x64xf32>, vector<4xf32>
// CHECK: memref.dealloc %[[XP]]
#x = affine_map<(d0, d1, d2) -> (d1, d2)>
#w = affine_map<(d0, d1, d2) -> (d0, d2)>
#y = affine_map<(d0, d1, d2) -> (d1, d0)>
func.func @linear(%x: memref<?x512xf32>, %w: memref<64x512xf32>, %y: memref<?x64xf32>, %y1: memref<?x64xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%y : memref<?x64xf32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x512xf32>, memref<64x512xf32>) outs(%y : memref<?x64xf32>)
      attrs = {xf.weight_matmul} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x512xf32>, memref<64x512xf32>) outs(%y1 : memref<?x64xf32>)
      attrs = {xf.weight_matmul} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that K not a multiple of 16 packs element by element only, and that
// N = 12 leaves no narrow strip; x and C of rank 3 are collapsed to rows.
// CHECK-LABEL: func.func @odd_k
// CHECK: memref.collapse_shape {{.*}} into memref<?x20xf32>
// CHECK: memref.collapse_shape {{.*}} into memref<?x12xf32>
// CHECK: call @xf_linear_12x20
// CHECK: func.func private @xf_linear_12x20
// CHECK-NOT: vector.transpose {{.*}} memref<?x20xf32>
// CHECK: memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<?x20x16xf32>
// CHECK: scf.parallel
// CHECK-NOT: vector.load
// CHECK: memref.load
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: memref.dealloc
#x3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#w3 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#y3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @odd_k(%x: memref<?x?x20xf32>, %w: memref<12x20xf32>, %y: memref<?x?x12xf32>) {
  linalg.generic {indexing_maps = [#x3, #w3, #y3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x20xf32>, memref<12x20xf32>) outs(%y : memref<?x?x12xf32>)
      attrs = {xf.weight_matmul} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}
