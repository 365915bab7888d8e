// RUN: xf-opt %s -split-input-file --xf-gpu-matmul-kernel | FileCheck %s

// Tests that x · Wᵀ (the linear-layer matmul) becomes one tiled launch: a
// 64x64 tile of C per workgroup (grid x over columns, y over rows), 256
// threads, two workgroup buffers (the A and B slices of 16 x 64 as 512
// vectors of 4 floats; the padded C tile). Each thread fetches its vector
// of A and of B (4 guarded loads each, zero past the edges) for step 0
// before the K loop; each step of 16 stores the carried vectors, waits,
// fetches the next step's, then runs one vector of A, one of B and 16
// FMAs per k; the fill of C is folded into the accumulators' start.
// CHECK-LABEL: func.func @linear
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %{{.+}}, {{.*}} = %{{.+}}, {{.*}} = %{{.+}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) {{.*}}workgroup(%[[SH:.+]] : memref<512xvector<4xf32>, #gpu.address_space<workgroup>>, %[[CT:.+]] : memref<4160xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK-COUNT-4: memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK: %[[A0:.+]] = vector.from_elements
// CHECK-COUNT-4: memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK: %[[B0:.+]] = vector.from_elements
// CHECK: %[[ACC:.+]]:18 = scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c16{{.*}} iter_args({{.*}} = %[[ZERO:[^,]+]], {{.*}} = %[[A0]], %[[BV:.+]] = %[[B0]])
// CHECK: memref.store %{{.+}}, %[[SH]]
// CHECK: memref.store %[[BV]], %[[SH]]
// CHECK: gpu.barrier
// CHECK-COUNT-4: memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK: %[[A1:.+]] = vector.from_elements
// CHECK-COUNT-4: memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK: %[[B1:.+]] = vector.from_elements
// CHECK: scf.for
// CHECK-COUNT-2: memref.load %[[SH]][%{{.+}}] : memref<512xvector<4xf32>, #gpu.address_space<workgroup>>
// CHECK-NOT: memref.load
// CHECK-COUNT-16: math.fma
// CHECK: gpu.barrier
// CHECK: scf.yield %{{.+}}, %[[A1]], %[[B1]]
// CHECK: memref.store %[[ACC]]#0, %[[CT]]
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK-NOT: arith.addf
// CHECK: memref.load %[[CT]]
// CHECK: memref.store %{{.+}}, %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK-NOT: linalg.generic
func.func @linear(%x: memref<?x20xf32>, %w: memref<30x20xf32>, %y: memref<?x30xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<?x30xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x20xf32>, memref<30x20xf32>) outs(%y : memref<?x30xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests a batched matmul with a batch broadcast and no fill: batch
// elements are delinearized from the grid-stride loop over z, and C's old
// value is added to the sum before the store.
// CHECK-LABEL: func.func @batched
// CHECK: gpu.launch
// CHECK: scf.for %[[Z:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK: arith.remui %[[Z]]
// CHECK: arith.divui %[[Z]]
// CHECK-COUNT-16: math.fma
// CHECK: scf.if
// CHECK: %[[OLD:.+]] = memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK: arith.addf %[[OLD]]
// CHECK-NOT: linalg.generic
func.func @batched(%q: memref<?x4x?x8xf32>, %k: memref<4x?x8xf32>, %s: memref<?x4x?x?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(b, h, i, j, d) -> (b, h, i, d)>,
                                   affine_map<(b, h, i, j, d) -> (h, j, d)>,
                                   affine_map<(b, h, i, j, d) -> (b, h, i, j)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<?x4x?x8xf32>, memref<4x?x8xf32>) outs(%s : memref<?x4x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %p, %c : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests what is not a matmul: a max reduction and a matrix-vector product
// (one output dim) stay generics for the loop mapping.
// CHECK-LABEL: func.func @not_matmuls
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @not_matmuls(%a: memref<8x16xf32>, %b: memref<8x16xf32>, %c: memref<8x8xf32>, %v: memref<16xf32>, %o: memref<8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<8x16xf32>, memref<8x16xf32>) outs(%c : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.maximumf %z, %p : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>,
                                   affine_map<(m, k) -> (k)>,
                                   affine_map<(m, k) -> (m)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%a, %v : memref<8x16xf32>, memref<16xf32>) outs(%o : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %z, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests epilogue fusion: the elementwise generic right after the matmul
// (bias add and ReLU into another buffer; C is only freed afterwards) runs
// in the store loop, which stores its result instead of C.
// CHECK-LABEL: func.func @bias_relu
// CHECK: gpu.launch
// CHECK-COUNT-16: math.fma
// CHECK: scf.if
// CHECK: %[[SUM:.+]] = memref.load %{{.+}}[%{{.+}}] : memref<4160xf32, #gpu.address_space<workgroup>>
// CHECK: %[[BIAS:.+]] = memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK: %[[ADD:.+]] = arith.addf %[[SUM]], %[[BIAS]]
// CHECK: %[[RELU:.+]] = arith.maximumf %[[ADD]]
// CHECK: memref.store %[[RELU]], %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK-NOT: linalg.generic
// CHECK: memref.dealloc
func.func @bias_relu(%x: memref<?x20xf32>, %w: memref<30x20xf32>, %bias: memref<30xf32>, %y: memref<?x30xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %x, %c0 : memref<?x20xf32>
  %c = memref.alloc(%m) : memref<?x30xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<?x30xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x20xf32>, memref<30x20xf32>) outs(%c : memref<?x30xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>,
                                   affine_map<(m, n) -> (n)>,
                                   affine_map<(m, n) -> (m, n)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<?x30xf32>, memref<30xf32>) outs(%y : memref<?x30xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<?x30xf32>
  return
}

// -----

// Tests that an epilogue in place (ReLU over C itself) fuses even though C
// is read later: C then holds the ReLU's result, as unfused.
// CHECK-LABEL: func.func @relu_in_place
// CHECK: gpu.launch
// CHECK-COUNT-16: math.fma
// CHECK: scf.if
// CHECK: %[[SUM:.+]] = memref.load %{{.+}}[%{{.+}}] : memref<4160xf32, #gpu.address_space<workgroup>>
// CHECK: %[[RELU:.+]] = arith.maximumf %[[SUM]]
// CHECK: memref.store %[[RELU]]
// CHECK-NOT: linalg.generic
// CHECK: memref.load %{{.+}}[%{{.+}}, %{{.+}}] : memref<?x30xf32>
func.func @relu_in_place(%x: memref<?x20xf32>, %w: memref<30x20xf32>, %c: memref<?x30xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<?x30xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x20xf32>, memref<30x20xf32>) outs(%c : memref<?x30xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>,
                                   affine_map<(m, n) -> (m, n)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<?x30xf32>) outs(%c : memref<?x30xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  }
  %v = memref.load %c[%c0, %c0] : memref<?x30xf32>
  return %v : f32
}

// -----

// Tests the epilogue's refusals: C is read after an epilogue that writes
// elsewhere (C must then be stored), and an epilogue whose output is the
// matmul's own input x (other workgroups still read it).
// CHECK-LABEL: func.func @no_epilogue
// CHECK: gpu.launch
// CHECK: linalg.generic
// CHECK: gpu.launch
// CHECK: linalg.generic
func.func @no_epilogue(%x: memref<?x30xf32>, %w: memref<30x30xf32>, %c: memref<?x30xf32>, %y: memref<?x30xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<?x30xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x30xf32>, memref<30x30xf32>) outs(%c : memref<?x30xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>,
                                   affine_map<(m, n) -> (m, n)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<?x30xf32>) outs(%y : memref<?x30xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  }
  linalg.fill ins(%zero : f32) outs(%c : memref<?x30xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x30xf32>, memref<30x30xf32>) outs(%c : memref<?x30xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>,
                                   affine_map<(m, n) -> (m, n)>,
                                   affine_map<(m, n) -> (m, n)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %x : memref<?x30xf32>, memref<?x30xf32>) outs(%x : memref<?x30xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  %v = memref.load %c[%c0, %c0] : memref<?x30xf32>
  return %v : f32
}
