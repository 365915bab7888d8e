// RUN: xf-opt %s --split-input-file --xf-cpu-loop-schedule | FileCheck %s

// Tests that a worksharing loop nest whose body has a loop of its own becomes
// 16 ranges of its collapsed iteration space (2-D here, an inclusive upper
// bound and a step of 2 in the inner dimension), each claimed once through
// an atomic counter: the counters are an alloca of the function, zeroed
// before the parallel region; thread t of p visits the ranges from t*16/p
// on (its own first), and runs range r, [r*total/16, (r+1)*total/16), when
// it is not empty and its counter was 0. A range recovers its first indices
// (innermost fastest) once, then steps them with carries. The loop was the
// region's last op, so no barrier is added; omp_get_num_threads and
// __kmpc_global_thread_num (the thread's index in xf's pool, asked with a
// null source location) are declared once. The trip counts come from values
// defined before the region, so they are computed there, and the region
// forks only for two iterations or more.
// CHECK-LABEL: func.func @nest
// CHECK-SAME: (%[[N:.+]]: index, %[[M:.+]]: index, %[[BUF:.+]]: memref<?x?xf32>)
// CHECK: %[[CLAIMS:.+]] = memref.alloca() : memref<16xi64>
// CHECK: scf.for %[[Z:.+]] = %{{.+}} to %c16 step
// CHECK-NEXT: memref.store %c0_i64, %[[CLAIMS]][%[[Z]]] : memref<16xi64>
// CHECK: %[[T0:.+]] = arith.ceildivsi
// CHECK: arith.maxsi %{{.+}}, %[[T0]]
// CHECK: arith.addi %{{.+}}, %c1_i64
// CHECK: %[[D1:.+]] = arith.ceildivsi
// CHECK: %[[T1:.+]] = arith.maxsi %{{.+}}, %[[D1]]
// CHECK: %[[TOTAL:.+]] = arith.muli
// CHECK: %[[TWO:.+]] = arith.constant 2 : i64
// CHECK: %[[FORK:.+]] = arith.cmpi sge, %[[TOTAL]], %[[TWO]]
// CHECK-NEXT: omp.parallel if(%[[FORK]]) {
// CHECK-NOT: omp.wsloop
// CHECK: %[[P32:.+]] = func.call @omp_get_num_threads() : () -> i32
// CHECK: %[[P:.+]] = arith.extsi %[[P32]]
// CHECK: %[[LOC:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[T32:.+]] = func.call @__kmpc_global_thread_num(%[[LOC]]) : (!llvm.ptr) -> i32
// CHECK: %[[T:.+]] = arith.extsi %[[T32]]
// CHECK: %[[T16:.+]] = arith.muli %[[T]], %c16_i64
// CHECK: %[[OWN:.+]] = arith.divsi %[[T16]], %[[P]]
// CHECK: scf.for %[[K:.+]] = %{{.+}} to %c16_i64 step
// CHECK: %[[OK:.+]] = arith.addi %[[OWN]], %[[K]]
// CHECK: %[[R:.+]] = arith.remsi %[[OK]], %c16_i64
// CHECK: %[[LO16:.+]] = arith.muli %[[R]], %[[TOTAL]]
// CHECK: %[[FROM:.+]] = arith.divsi %[[LO16]], %c16_i64
// CHECK: %[[R1:.+]] = arith.addi %[[R]], %c1
// CHECK: %[[HI16:.+]] = arith.muli %[[R1]], %[[TOTAL]]
// CHECK: %[[TO:.+]] = arith.divsi %[[HI16]], %c16_i64
// CHECK: %[[NONEMPTY:.+]] = arith.cmpi slt, %[[FROM]], %[[TO]]
// CHECK: scf.if %[[NONEMPTY]] {
// CHECK: %[[RI:.+]] = arith.index_cast %[[R]] : i64 to index
// CHECK: %[[BEFORE:.+]] = memref.atomic_rmw addi %{{.+}}, %[[CLAIMS]][%[[RI]]]
// CHECK: %[[MINE:.+]] = arith.cmpi eq, %[[BEFORE]], %c0
// CHECK: scf.if %[[MINE]] {
// CHECK: %[[IN0:.+]] = arith.remsi %[[FROM]], %[[T1]]
// CHECK: %[[OUT0:.+]] = arith.divsi %[[FROM]], %[[T1]]
// CHECK: scf.for %{{.+}} = %[[FROM]] to %{{.+}} step %{{.+}} iter_args(%[[OUT:.+]] = %[[OUT0]], %[[IN:.+]] = %[[IN0]]) -> (i64, i64) : i64 {
// CHECK: arith.muli %[[OUT]], %{{.+}}
// CHECK: %[[I:.+]] = arith.index_cast %{{.+}} : i64 to index
// CHECK: arith.muli %[[IN]], %{{.+}}
// CHECK: %[[J:.+]] = arith.index_cast %{{.+}} : i64 to index
// CHECK: scf.for
// CHECK: memref.store %{{.+}}, %[[BUF]][%[[I]], %[[J]]]
// The next indices: the inner one plus one, wrapping to 0 with a carry.
// CHECK: %[[BUMP:.+]] = arith.addi %[[IN]]
// CHECK: %[[WRAP:.+]] = arith.cmpi eq, %[[BUMP]], %[[T1]]
// CHECK: %[[NIN:.+]] = arith.select %[[WRAP]], %{{.+}}, %[[BUMP]]
// CHECK: %[[CARRY:.+]] = arith.extui %[[WRAP]]
// CHECK: %[[NOUT:.+]] = arith.addi %[[OUT]], %[[CARRY]]
// CHECK: scf.yield %[[NOUT]], %[[NIN]]
// CHECK-NOT: omp.barrier
// CHECK: omp.terminator
// CHECK-DAG: func.func private @omp_get_num_threads() -> i32
// CHECK-DAG: func.func private @__kmpc_global_thread_num(!llvm.ptr) -> i32
func.func @nest(%n: index, %m: index, %buf: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i, %j) : index = (%c0, %c0) to (%n, %m) inclusive step (%c1, %c2) {
        scf.for %k = %c0 to %c2 step %c1 {
          memref.store %f, %buf[%i, %j] : memref<?x?xf32>
        }
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// Tests that a loop followed by other work in its region gets the barrier
// its worksharing loop had (and does not decide whether the region forks),
// that a loop with a schedule keeps the OpenMP dispatcher, and that a loop
// in a nested parallel region (whose counter several teams would share) is
// left alone.
// CHECK-LABEL: func.func @kept
// CHECK: omp.parallel {
// CHECK: memref.atomic_rmw
// CHECK: omp.barrier
// CHECK: omp.wsloop schedule(static) {
// CHECK: omp.parallel {
// CHECK: omp.wsloop {
func.func @kept(%n: index, %buf: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %f, %buf[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.wsloop schedule(static) {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %f, %buf[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.parallel {
      omp.wsloop {
        omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
          memref.store %f, %buf[%i] : memref<?xf32>
          omp.yield
        }
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}

// -----

// Tests that a nest whose body has no loop (elementwise work) runs its
// innermost dimension in blocks of 1024 iterations, each a whole inner loop
// (for LLVM to vectorize) within the nest's own bounds (an inclusive upper
// bound plus one); the ranges split the outer dimension and the blocks.
// The region forks for 16384 elements or more.
// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: (%[[N:.+]]: index, %[[M:.+]]: index, %[[BUF:.+]]: memref<?x?xf32>)
// CHECK: %[[TRIP:.+]] = arith.maxsi
// CHECK-NEXT: arith.muli
// CHECK: %[[INNER:.+]] = arith.maxsi
// CHECK-NEXT: %[[ELEMENTS:.+]] = arith.muli %{{.+}}, %[[INNER]]
// CHECK-NEXT: %c1024_i64 = arith.constant 1024 : i64
// CHECK-NEXT: %[[BLOCKS:.+]] = arith.ceildivsi %[[INNER]], %c1024_i64
// CHECK: %[[TOTAL:.+]] = arith.muli %{{.+}}, %[[BLOCKS]]
// CHECK: %[[FORK:.+]] = arith.cmpi sge, %[[ELEMENTS]], %c16384_i64
// CHECK-NEXT: omp.parallel if(%[[FORK]]) {
// CHECK: memref.atomic_rmw
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[ROW:.+]] = %{{.+}}, %[[BLOCK:.+]] = %{{.+}}) -> (i64, i64) : i64 {
// CHECK: %[[I:.+]] = arith.index_cast %{{.+}} : i64 to index
// CHECK: %[[WIDTH:.+]] = arith.muli %c4, %c1024
// CHECK: %[[B:.+]] = arith.index_cast %[[BLOCK]] : i64 to index
// CHECK: %[[OFF:.+]] = arith.muli %[[B]], %[[WIDTH]]
// CHECK: %[[LO:.+]] = arith.addi %c0, %[[OFF]]
// CHECK: %[[UB:.+]] = arith.addi %[[M]], %c1
// CHECK: %[[END:.+]] = arith.addi %[[LO]], %[[WIDTH]]
// CHECK: %[[HI:.+]] = arith.minsi %[[UB]], %[[END]]
// CHECK: scf.for %[[J:.+]] = %[[LO]] to %[[HI]] step %c4 {
// CHECK: memref.store %{{.+}}, %[[BUF]][%[[I]], %[[J]]]
// CHECK: }
// CHECK: arith.cmpi eq, %{{.+}}, %[[BLOCKS]]
// CHECK: scf.yield
func.func @elementwise(%n: index, %m: index, %buf: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i, %j) : index = (%c0, %c0) to (%n, %m) inclusive step (%c1, %c4) {
        memref.store %f, %buf[%i, %j] : memref<?x?xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// Tests that trip counts computed from values defined inside the region
// stay inside it, and the region then always forks.
// CHECK-LABEL: func.func @inner_bounds
// CHECK: omp.parallel {
// CHECK: memref.load
// CHECK: arith.ceildivsi
// CHECK: memref.atomic_rmw
func.func @inner_bounds(%sizes: memref<1xindex>, %buf: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    %n = memref.load %sizes[%c0] : memref<1xindex>
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %f, %buf[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
