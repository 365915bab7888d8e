// RUN: xf-opt %s --split-input-file --xf-cpu-matmul-kernel | FileCheck %s

// Tests that the linear kernel takes its tile's shape from the module's
// xf.cpu_kernel_config (here the tile xfc picks for a CPU without
// AVX-512: 1 panel x 6 columns, and K unrolled by 2; streaming shapes
// 1 x 8 and 3 x 2): up to 1 row streams, then up to 3, then the tiles:
// strips of 6 columns, the last starting at min(s, N - 6), 6 accumulators,
// column blocks of whole strips (96 columns), and a weight of fewer than 6
// rows copied into 6.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @linear
// CHECK: call @xf_linear_k64
// CHECK: %[[PAD:.+]] = memref.alloc() {alignment = 64 : i64} : memref<6x64xf32>
// CHECK: call @xf_linear_k64({{.*}}, %{{.+}}, %{{.+}})
// CHECK: memref.dealloc %[[PAD]]
// CHECK: func.func private @xf_linear_k64
// CHECK: arith.cmpi ule, %{{.+}}, %c1
// CHECK: arith.cmpi ule, %{{.+}}, %c3
// CHECK-NOT: arith.cmpi ule
// CHECK: arith.subi %{{.+}}, %c6
// CHECK: scf.parallel {{.*}} step (%c16{{.*}}, %c96{{.*}})
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c6
// CHECK: scf.for {{.*}} step %c2{{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-2: vector.load
// CHECK: vector<6xindex>
module attributes {xf.cpu_kernel_config = {matmul_panels = 1, matmul_cols = 6, matmul_k_unroll = 2, matmul_dot_shapes = array<i64: 1, 8, 3, 2>}} {
  func.func @linear(%x: memref<?x64xf32>, %w: memref<40x64xf32>, %y: memref<?x40xf32>,
                    %w4: memref<4x64xf32>, %y4: memref<?x4xf32>) {
    linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x, %w : memref<?x64xf32>, memref<40x64xf32>) outs(%y : memref<?x40xf32>)
        attrs = {xf.weight_matmul} {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %c, %p : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x, %w4 : memref<?x64xf32>, memref<4x64xf32>) outs(%y4 : memref<?x4xf32>)
        attrs = {xf.weight_matmul} {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %c, %p : f32
      linalg.yield %s : f32
    }
    return
  }
}
