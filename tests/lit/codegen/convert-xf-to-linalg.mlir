// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg | FileCheck %s

// Tests that x · Wᵀ reads W as stored through its indexing map (no copy),
// loops n outside m for a shared weight, and is tagged for the CPU kernel.
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1)>
// CHECK-LABEL: func.func @linear
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: xf.weight_matmul
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract>
func.func @linear(%x: tensor<?x?x512xf32>, %w: tensor<2048x512xf32>) -> tensor<?x?x2048xf32> {
  %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x?x512xf32>, tensor<2048x512xf32>
  return %y : tensor<?x?x2048xf32>
}

// -----

// Tests that any static weight is tagged (9 rows: the kernel's narrow
// strip), and one of dynamic shape is not.
// CHECK-LABEL: func.func @projection
// CHECK: linalg.generic
// CHECK-SAME: xf.weight_matmul
// CHECK-LABEL: func.func @dynamic_weight
// CHECK: linalg.generic
// CHECK-NOT: xf.weight_matmul
func.func @projection(%x: tensor<?x512xf32>, %w: tensor<9x512xf32>) -> tensor<?x9xf32> {
  %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x512xf32>, tensor<9x512xf32>
  return %y : tensor<?x9xf32>
}
func.func @dynamic_weight(%x: tensor<?x512xf32>, %w: tensor<?x512xf32>) -> tensor<?x?xf32> {
  %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x512xf32>, tensor<?x512xf32>
  return %y : tensor<?x?xf32>
}

// -----

// Tests that broadcasting maps a stretched dim of 1 to index 0.
// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-LABEL: func.func @broadcast_add
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[A]]]
// CHECK: arith.addf
func.func @broadcast_add(%a: tensor<?x?x8xf32>, %b: tensor<?x1x8xf32>) -> tensor<?x?x8xf32> {
  %c = xf.add %a, %b : tensor<?x?x8xf32>, tensor<?x1x8xf32>
  return %c : tensor<?x?x8xf32>
}

// -----

// Tests that tanh (BERT's pooler) is one elementwise math.tanh.
// CHECK-LABEL: func.func @tanh
// CHECK: linalg.generic
// CHECK: math.tanh
func.func @tanh(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %t = xf.tanh %a : tensor<?x8xf32>
  return %t : tensor<?x8xf32>
}

// -----

// Tests that softmax is a max reduction, a sum of exponentials, a division.
// CHECK-LABEL: func.func @softmax
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: arith.divf
func.func @softmax(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %p = xf.softmax %x {axis = 1 : i64} : tensor<?x?xf32>
  return %p : tensor<?x?xf32>
}

// -----

// Tests that fused attention is decomposed (then lowered): no xf op remains.
// CHECK-LABEL: func.func @attention
// CHECK-NOT: xf.
// CHECK: math.exp
// CHECK: return
func.func @attention(%q: tensor<?x2x?x4xf32>, %k: tensor<?x2x?x4xf32>, %v: tensor<?x2x?x4xf32>, %ids: tensor<?x?xi64>) -> tensor<?x2x?x4xf32> {
  %o = xf.attention %q, %k, %v key_ids(%ids : tensor<?x?xi64>) {scale = 0.5 : f32, causal = true}
      : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
  return %o : tensor<?x2x?x4xf32>
}

// -----

// Tests that an int8 linear layer becomes a generic over (rows, n, k) with
// x, the i8 weight and its scales (row 0 of [2, N]: the kernel reads the
// sums in row 1), tagged "int8" for the CPU kernel, then the bias +
// activation epilogue.
// CHECK-DAG: #[[XM:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[WM:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[SM:.+]] = affine_map<(d0, d1, d2, d3) -> (0, d2)>
// CHECK-LABEL: func.func @quantized_linear
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[XM]], #[[WM]], #[[SM]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<?x?x512xf32>, tensor<64x512xi8>, tensor<2x64xf32>) {{.*}} attrs = {xf.weight_matmul = "int8"}
// CHECK: linalg.generic {{.*}} ins(%[[Y]], %{{.+}} : tensor<?x?x64xf32>, tensor<64xf32>)
// CHECK: arith.maximumf
func.func @quantized_linear(%x: tensor<?x?x512xf32>, %q: tensor<64x512xi8>, %s: tensor<2x64xf32>, %b: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %y = xf.quantized_linear %x, %q scales(%s : tensor<2x64xf32>) bias(%b : tensor<64xf32>) {activation = #xf.activation<relu>} : tensor<?x?x512xf32>, tensor<64x512xi8>
  return %y : tensor<?x?x64xf32>
}
