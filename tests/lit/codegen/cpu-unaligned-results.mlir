// RUN: xf-opt %s --xf-cpu-unaligned-results | FileCheck %s

// Buffers a public function returns, directly or through casts and
// reshapes, ask for no alignment (the runtime hands them to the caller as
// they are); temporaries, and what private functions return, keep theirs.

// CHECK-LABEL: func.func @entry
func.func @entry(%n: index) -> (memref<?x8xf32>, memref<?xf32>, memref<2x4xf32>) {
  // CHECK: %[[DIRECT:.*]] = memref.alloc(%{{.*}}) : memref<?x8xf32>
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<?x8xf32>
  // CHECK: %[[CAST:.*]] = memref.alloc() : memref<4x8xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<4x8xf32>
  %bc = memref.cast %b : memref<4x8xf32> to memref<?x8xf32>
  %bf = memref.collapse_shape %bc [[0, 1]] : memref<?x8xf32> into memref<?xf32>
  // CHECK: memref.alloc() : memref<8xf32>
  %c = memref.alloc() {alignment = 64 : i64} : memref<8xf32>
  %ce = memref.expand_shape %c [[0, 1]] output_shape [2, 4] : memref<8xf32> into memref<2x4xf32>
  // CHECK: memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  %tmp = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  memref.dealloc %tmp : memref<16xf32>
  return %a, %bf, %ce : memref<?x8xf32>, memref<?xf32>, memref<2x4xf32>
}

// CHECK-LABEL: func.func private @layer
func.func private @layer() -> memref<4xf32> {
  // CHECK: memref.alloc() {alignment = 64 : i64} : memref<4xf32>
  %a = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
  return %a : memref<4xf32>
}
