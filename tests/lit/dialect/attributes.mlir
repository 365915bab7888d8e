// RUN: xf-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// Tests that the discardable attributes the xf passes hand each other are
// declared by the dialect: well-formed ones verify and round-trip, and each
// malformed or unknown one is rejected with its message.

// CHECK-LABEL: func.func @entry
// CHECK-SAME: {xf.name = "x\22q\\"}
// CHECK-SAME: attributes {xf.params = ["w"]}
func.func @entry(%x: tensor<4xf32> {xf.name = "x\"q\\"}, %w: tensor<4xf32>) -> (tensor<4xf32> {xf.name = "y"}) attributes {xf.params = ["w"]} {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%x : tensor<4xf32>) attrs = {xf.weight_matmul} {
  ^bb0(%o: f32):
    linalg.yield %o : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{'xf.params' must be an array of strings}}
func.func @params_not_strings() attributes {xf.params = [1]} {
  return
}

// -----

// expected-error @+1 {{'xf.name' must be a string}}
func.func @name_not_string(%x: tensor<4xf32> {xf.name = 3 : i64}) {
  return
}

// -----

// expected-error @+1 {{unknown xf result attribute 'xf.nmae'}}
func.func @misspelled() -> (tensor<4xf32> {xf.nmae = "y"}) {
  %0 = tensor.empty() : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{'xf.gpu_kernel' must be a dictionary {kind = string, spec = dictionary}}}
func.func private @kernel() attributes {xf.gpu_kernel = {kind = "norm"}}

// -----

// expected-error @+1 {{'xf.weight_matmul' must be a unit attribute}}
func.func @tagged() attributes {xf.weight_matmul = 1 : i64} {
  return
}

// -----

// expected-error @+1 {{unknown xf attribute 'xf.fused'}}
func.func @unknown() attributes {xf.fused} {
  return
}

// -----

// expected-error @+1 {{'xf.gpu_kernels' must be an array of strings}}
module attributes {xf.gpu_kernels = "k:m"} {
}

// -----

// CHECK: module attributes {xf.cpu_kernel_config = {matmul_cols = 6 : i64, matmul_dot_shapes = array<i64: 1, 8, 4, 1>, matmul_panels = 1 : i64}}
module attributes {xf.cpu_kernel_config = {matmul_panels = 1, matmul_cols = 6, matmul_dot_shapes = array<i64: 1, 8, 4, 1>}} {
}

// -----

// expected-error @+1 {{'xf.cpu_kernel_config': matmul_cols must be an integer in [1, 16]}}
module attributes {xf.cpu_kernel_config = {matmul_cols = 17}} {
}

// -----

// expected-error @+1 {{'xf.cpu_kernel_config' has an unknown key 'matmul_rows'}}
module attributes {xf.cpu_kernel_config = {matmul_rows = 32}} {
}

// -----

// expected-error @+1 {{'xf.cpu_kernel_config': matmul_dot_shapes must be an array<i64> of (rows of x in [1, 8], increasing; rows of W in [1, 16]) pairs}}
module attributes {xf.cpu_kernel_config = {matmul_dot_shapes = array<i64: 2, 8, 1, 8>}} {
}
