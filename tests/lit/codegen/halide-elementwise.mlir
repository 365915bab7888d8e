// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg="halide-kernels=elementwise halide-explain=true" -verify-diagnostics | FileCheck %s
// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg="halide-kernels=elementwise" --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --xf-halide-define-kernels | FileCheck %s --check-prefix=BODY

// Tests convert-xf-to-linalg{halide-kernels=elementwise}: a tree of
// single-use elementwise ops becomes one kernel call whose spec holds the
// tree as an expression over its leaves (a leaf read twice is one input)
// and each leaf's broadcast, a letter per result dim: `-` missing, `1`
// stretched, `d` indexed. The result's dynamic sizes come from a leaf
// that has them unstretched.
// CHECK-LABEL: func.func @gated
// CHECK-NOT: linalg.generic
// CHECK: %[[B:.+]] = tensor.dim %arg0, %c0
// CHECK: %[[S:.+]] = tensor.dim %arg0, %c1
// CHECK: %[[OUT:.+]] = memref.alloc(%[[B]], %[[S]]) {alignment = 64 : i64} : memref<?x?x64xf32>
// CHECK: call @gated_elementwise(%[[OUT]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x?x64xf32>, memref<?x?x64xf32>, memref<64xf32>, memref<?x?x64xf32>, memref<1x64xf32>) -> ()
// CHECK: func.func private @gated_elementwise({{.*}}) attributes {xf.halide_kernel = {kind = "elementwise", spec = {expr = "mul(add(mul(silu(mul(i0,i1)),i2),mul(i0,i0)),i3)", in0 = "ddd", in1 = "--d", in2 = "ddd", in3 = "-1d", inputs = 4 : i64, rank = 3 : i64}}}
// BODY: module attributes {xf.halide_kernels = ["xf_hl_elementwise_0 elementwise expr=mul(add(mul(silu(mul(i0,i1)),i2),mul(i0,i0)),i3) in0=ddd in1=--d in2=ddd in3=-1d inputs=4 rank=3"]}
func.func @gated(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>,
                 %up: tensor<?x?x64xf32>, %c: tensor<1x64xf32>)
    -> tensor<?x?x64xf32> {
  // expected-remark @below {{xf.mul runs in the Halide elementwise kernel of a chain of 6 op(s)}}
  %a = xf.mul %x, %w : tensor<?x?x64xf32>, tensor<64xf32>
  // expected-remark @below {{xf.silu runs in the Halide elementwise kernel of a chain of 6 op(s)}}
  %s = xf.silu %a : tensor<?x?x64xf32>
  // expected-remark @below {{xf.mul runs in the Halide elementwise kernel of a chain of 6 op(s)}}
  %g = xf.mul %s, %up : tensor<?x?x64xf32>, tensor<?x?x64xf32>
  // expected-remark @below {{xf.mul runs in the Halide elementwise kernel of a chain of 6 op(s)}}
  %sq = xf.mul %x, %x : tensor<?x?x64xf32>, tensor<?x?x64xf32>
  // expected-remark @below {{xf.add runs in the Halide elementwise kernel of a chain of 6 op(s)}}
  %sum = xf.add %g, %sq : tensor<?x?x64xf32>, tensor<?x?x64xf32>
  // expected-remark @below {{xf.mul runs in the Halide elementwise kernel of a chain of 6 op(s)}}
  %y = xf.mul %sum, %c : tensor<?x?x64xf32>, tensor<1x64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// A value with two uses ends a chain: it is computed once by a kernel of
// its own, then read by both users' kernels; the scale's factor is a
// number in the expression.
// CHECK-LABEL: func.func @shared
// CHECK-COUNT-2: call @shared_elementwise
// CHECK: func.func private @shared_elementwise({{.*}}) attributes {xf.halide_kernel = {kind = "elementwise", spec = {expr = "gelu_tanh(mul(i0,1.250000000e-01))", in0 = "dd", inputs = 1 : i64, rank = 2 : i64}}}
// CHECK: func.func private @shared_elementwise_0({{.*}}) attributes {xf.halide_kernel = {kind = "elementwise", spec = {expr = "sub(tanh(i0),relu(i0))", in0 = "dd", inputs = 1 : i64, rank = 2 : i64}}}
func.func @shared(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-remark @below {{xf.scale runs in the Halide elementwise kernel of a chain of 2 op(s)}}
  %s = xf.scale %x by 1.250000e-01 : tensor<?x8xf32>
  // expected-remark @below {{xf.gelu runs in the Halide elementwise kernel of a chain of 2 op(s)}}
  %g = xf.gelu %s {tanh = true} : tensor<?x8xf32>
  // expected-remark @below {{xf.tanh runs in the Halide elementwise kernel of a chain of 3 op(s)}}
  %t = xf.tanh %g : tensor<?x8xf32>
  // expected-remark @below {{xf.relu runs in the Halide elementwise kernel of a chain of 3 op(s)}}
  %r = xf.relu %g : tensor<?x8xf32>
  // expected-remark @below {{xf.sub runs in the Halide elementwise kernel of a chain of 3 op(s)}}
  %y = xf.sub %t, %r : tensor<?x8xf32>, tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
