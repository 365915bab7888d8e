// RUN: xf-opt %s --xf-cpu-loop-schedule | FileCheck %s

// Worksharing loops without a schedule take theirs at run time; a loop that
// names one keeps it.

// CHECK-LABEL: func.func @loops
func.func @loops(%n: index, %buf: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    // CHECK: omp.wsloop schedule(runtime) {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %f, %buf[%i] : memref<?xf32>
        omp.yield
      }
    }
    // CHECK: omp.wsloop schedule(static) {
    omp.wsloop schedule(static) {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %f, %buf[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
