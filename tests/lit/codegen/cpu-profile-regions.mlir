// RUN: xf-opt %s -split-input-file --xf-name-op-locations --mlir-print-local-scope --mlir-print-debuginfo | FileCheck %s --check-prefix=NAME
// RUN: xf-opt %s -split-input-file --xf-cpu-profile-regions | FileCheck %s

// Tests xf-name-op-locations: each xf op's location names the op, and the
// functions defined so far are marked as timed inside.
// NAME-LABEL: func.func @named
// NAME-SAME: attributes {xf_profile_scope}
// NAME: xf.scale {{.+}} loc("xf.scale"("m.xf":4:2))
func.func @named(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %s = xf.scale %x by 2.0 : tensor<?x8xf32> loc("m.xf":4:2)
  return %s : tensor<?x8xf32>
}

// -----

// Tests xf-cpu-profile-regions: in the marked functions, a parallel
// region, a call of an unmarked function (a linear layer's kernel, whose
// flops are 2·M·K·N from its x and output) and a loop nest each get a
// timer (slots 0, 1, 2 in order); a call of a marked function (timed inside)
// and a conditional without a loop (a free) do not. The slots and their
// descriptions (class, xf ops, description line) are public globals.
// CHECK-LABEL: func.func @layer
// CHECK: %[[T0:.+]] = call @xf_profile_begin() : () -> i64
// CHECK-NEXT: omp.parallel
// CHECK: %[[F0:.+]] = arith.constant 0 : i64
// CHECK-NEXT: %[[ID0:.+]] = arith.constant 0 : i32
// CHECK-NEXT: call @xf_profile_end(%[[T0]], %[[ID0]], %[[F0]]) : (i64, i32, i64) -> ()
// CHECK-LABEL: func.func @forward
// CHECK: %[[T1:.+]] = call @xf_profile_begin()
// CHECK-NEXT: call @xf_linear_k32(%[[X:.+]], %{{.+}}, %[[OUT:.+]]) :
// CHECK: %[[M:.+]] = memref.dim %[[X]], %c0
// CHECK: %[[K:.+]] = memref.dim %[[X]], %c1
// CHECK: %[[MK:.+]] = arith.muli %[[M]], %[[K]]
// CHECK: %[[N:.+]] = memref.dim %[[OUT]], %{{.+}}
// CHECK: %[[MKN:.+]] = arith.muli %[[MK]], %[[N]]
// CHECK: %[[TWICE:.+]] = arith.muli %[[MKN]], %c2
// CHECK: %[[F1:.+]] = arith.index_cast %[[TWICE]] : index to i64
// CHECK-NEXT: %[[ID1:.+]] = arith.constant 1 : i32
// CHECK-NEXT: call @xf_profile_end(%[[T1]], %[[ID1]], %[[F1]])
// CHECK-NEXT: call @layer(
// CHECK: %[[T2:.+]] = call @xf_profile_begin()
// CHECK-NEXT: scf.for
// CHECK: %[[ID2:.+]] = arith.constant 2 : i32
// CHECK-NEXT: call @xf_profile_end(%[[T2]], %[[ID2]], %{{.+}})
// CHECK-NEXT: scf.if
// CHECK-NOT: xf_profile_begin
// CHECK: return
// CHECK-NOT: xf_profile_scope
// CHECK: memref.global "public" @xf_profile_slots : memref<3x3xi64> = dense<0>
// CHECK: memref.global "public" constant @xf_profile_names : memref<87xi8>
func.func private @xf_linear_k32(memref<?x32xf32>, memref<64x32xf32>, memref<?x64xf32>)
func.func @layer(%m: memref<4xf32>) attributes {xf_profile_scope} {
  omp.parallel {
    omp.terminator
  } loc("xf.attention"("m.xf":3:1))
  return
}
func.func @forward(%m: memref<4xf32>, %free: i1, %x: memref<?x32xf32>, %w: memref<64x32xf32>, %y: memref<?x64xf32>) attributes {xf_profile_scope} {
  call @xf_linear_k32(%x, %w, %y) : (memref<?x32xf32>, memref<64x32xf32>, memref<?x64xf32>) -> () loc("xf.matmul"("m.xf":1:1))
  call @layer(%m) : (memref<4xf32>) -> ()
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %one, %m[%i] : memref<4xf32> loc("xf.add"("m.xf":2:1))
  }
  scf.if %free {
    memref.dealloc %m : memref<4xf32>
  }
  return
}
