// RUN: xf-opt %s -split-input-file -verify-diagnostics --xf-gpu-map-loops | FileCheck %s

// Tests that an outermost parallel loop becomes one launch: buffers
// flattened on the host (base, offset, strides), the iteration space
// linearized over blocks of 256 threads with a grid-stride loop, and the
// body's accesses indexed linearly.
// CHECK-LABEL: func.func @add
// CHECK-DAG: %[[AB:.+]], %[[AOFF:.+]], %[[ASZ:.+]]:2, %[[AST:.+]]:2 = memref.extract_strided_metadata %arg0
// CHECK-DAG: %[[AFLAT:.+]] = memref.reinterpret_cast %[[AB]] to offset: [0], sizes: [%{{.+}}], strides: [1] : memref<f32> to memref<?xf32>
// CHECK: gpu.launch blocks(%[[BX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %{{.+}}, %{{.+}} = %c1{{.*}}, %{{.+}} = %c1{{.*}}) threads(%[[TX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %c256
// CHECK: scf.for %[[LIN:.+]] = %{{.+}} to %{{.+}} step %{{.+}}
// CHECK: arith.remsi %[[LIN]]
// CHECK: memref.load %[[AFLAT]][%{{.+}}] : memref<?xf32>
// CHECK: memref.store %{{.+}}, %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK-NOT: scf.parallel
func.func @add(%a: memref<?x?xf32>, %out: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf32>
  %n = memref.dim %a, %c1 : memref<?x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<?x?xf32>
    %y = arith.addf %x, %x : f32
    memref.store %y, %out[%i, %j] : memref<?x?xf32>
  }
  return
}

// -----

// Tests that strided views keep their offset and strides: a column slice
// is read at offset + i * stride.
// CHECK-LABEL: func.func @strided
// CHECK: %[[B:.+]], %[[OFF:.+]], %{{.+}}, %[[ST:.+]] = memref.extract_strided_metadata %arg0
// CHECK: gpu.launch
// CHECK: %[[MUL:.+]] = arith.muli %{{.+}}, %[[ST]]
// CHECK: %[[IDX:.+]] = arith.addi %[[OFF]], %[[MUL]]
// CHECK: memref.load %{{.+}}[%[[IDX]]]
func.func @strided(%a: memref<?xf32, strided<[?], offset: ?>>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %out, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %x = memref.load %a[%i] : memref<?xf32, strided<[?], offset: ?>>
    memref.store %x, %out[%i] : memref<?xf32>
  }
  return
}

// -----

// Tests that a copy between buffers runs on the device too.
// CHECK-LABEL: func.func @copy
// CHECK-NOT: memref.copy
// CHECK: gpu.launch
func.func @copy(%a: memref<4x8xf32>, %b: memref<4x8xf32>) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  return
}

// -----

// Tests the refusals: reductions across threads, and buffers used other
// than by loads and stores.
func.func @reduction(%a: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %a, %c0 : memref<?xf32>
  // expected-error @+1 {{a parallel loop with reductions is not mapped to GPU threads}}
  %r = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    %x = memref.load %a[%i] : memref<?xf32>
    scf.reduce(%x : f32) {
    ^bb0(%l: f32, %r: f32):
      %s = arith.addf %l, %r : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}

// -----

func.func @view_inside(%a: memref<?x?xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %out, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    // expected-error @+1 {{a buffer used by 'memref.dim' cannot be passed to a GPU kernel}}
    %d = memref.dim %a, %c1 : memref<?x?xf32>
    %x = memref.load %a[%i, %d] : memref<?x?xf32>
    memref.store %x, %out[%i] : memref<?xf32>
  }
  return
}

// -----

func.func @host_reads_kernel_buffer(%a: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %x = memref.load %a[%i] : memref<?xf32>
    %y = arith.addf %x, %x : f32
    memref.store %y, %a[%i] : memref<?xf32>
  }
  // expected-error @+1 {{host code would access a buffer that GPU kernels use}}
  %r = memref.load %a[%c0] : memref<?xf32>
  return %r : f32
}
