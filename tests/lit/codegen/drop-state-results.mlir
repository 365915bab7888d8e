// RUN: xf-opt %s -split-input-file --xf-drop-state-results -verify-diagnostics | FileCheck %s

// A generation entry's `xf.state` results (the caches it updated) leave
// the signature when they are its own argument buffers; the output stays.
// A state result with a buffer of its own (bufferization copied the cache)
// is an error.

// CHECK-LABEL: func.func @generate_step
// CHECK-SAME: -> (memref<?x4xf32> {xf.name = "logits"})
// CHECK: return %{{.*}} : memref<?x4xf32>
func.func @generate_step(%ids: memref<?xi64>, %k: memref<?x2x8x?xf32> {xf.state = "self_key.0"})
    -> (memref<?x4xf32> {xf.name = "logits"}, memref<?x2x8x?xf32> {xf.state = "self_key.0"}) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %ids, %c0 : memref<?xi64>
  %out = memref.alloc(%n) : memref<?x4xf32>
  return %out, %k : memref<?x4xf32>, memref<?x2x8x?xf32>
}

// -----

func.func @copied(%k: memref<?x2x8x?xf32> {xf.state = "self_key.0"})
    -> (memref<?x2x8x?xf32> {xf.state = "self_key.0"}) {
  %c0 = arith.constant 0 : index
  %c3 = arith.constant 3 : index
  %b = memref.dim %k, %c0 : memref<?x2x8x?xf32>
  %n = memref.dim %k, %c3 : memref<?x2x8x?xf32>
  %copy = memref.alloc(%b, %n) : memref<?x2x8x?xf32>
  memref.copy %k, %copy : memref<?x2x8x?xf32> to memref<?x2x8x?xf32>
  // expected-error @+1 {{the cache returned as result 0 of @copied is not its argument updated in place}}
  return %copy : memref<?x2x8x?xf32>
}
