// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg="gpu-kernels=true" | FileCheck %s --check-prefix=CONVERT
// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg="gpu-kernels=true" --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --xf-gpu-define-kernels | FileCheck %s --check-prefix=KERNEL

// Tests that LayerNorm with a fused residual add, weight and bias becomes a
// kernel call with (out, input, residual, weight, bias) on buffers, and the
// kernel: a workgroup of 128 threads per row (grid-stride over rows), two
// strided sums over the row (x, then (x - mean)²) each reduced as a tree in
// workgroup memory (64, 32, ..., 1 between barriers), x recomputed as
// input + residual, then (x - mean) · rstd · weight + bias stored.
// CONVERT-LABEL: func.func @layer_norm
// CONVERT-NOT: linalg.generic
// CONVERT: call @layer_norm_norm(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x?x16xf32>, memref<?x?x16xf32>, memref<?x?x16xf32>, memref<16xf32>, memref<16xf32>) -> ()
// CONVERT: func.func private @layer_norm_norm({{.*}}) attributes {xf.gpu_kernel = {kind = "norm", spec = {bias = true, epsilon = 9.99999974E-6 : f32, residual = true, rms = false, weight = true}}}
// KERNEL-LABEL: func.func private @layer_norm_norm(
// KERNEL: gpu.launch blocks({{.*}}) in ({{.*}} = %{{.+}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) workgroup(%[[SH:.+]] : memref<128xf32, #gpu.address_space<workgroup>>)
// KERNEL: scf.for %[[ROW:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// First sum: x = input + residual.
// KERNEL: scf.for {{.*}} step %c128{{.*}} iter_args(
// KERNEL: memref.load
// KERNEL: memref.load
// KERNEL: arith.addf
// KERNEL: memref.store %{{.+}}, %[[SH]]
// KERNEL: gpu.barrier
// KERNEL: arith.cmpi ult, %{{.+}}, %c64
// KERNEL: gpu.barrier
// KERNEL: arith.cmpi ult, %{{.+}}, %c1
// KERNEL: gpu.barrier
// KERNEL: memref.load %[[SH]][%c0
// KERNEL: gpu.barrier
// KERNEL: %[[MEAN:.+]] = arith.divf
// Second sum: (x - mean)².
// KERNEL: scf.for {{.*}} step %c128{{.*}} iter_args(
// KERNEL: arith.subf %{{.+}}, %[[MEAN]]
// KERNEL: math.sqrt
// KERNEL: scf.for {{.*}} step %c128
// KERNEL: arith.mulf
// KERNEL: arith.addf
// KERNEL: memref.store
func.func @layer_norm(%x: tensor<?x?x16xf32>, %r: tensor<?x?x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<?x?x16xf32> {
  %n = xf.layer_norm %x residual(%r : tensor<?x?x16xf32>) weight(%g : tensor<16xf32>) bias(%b : tensor<16xf32>) {epsilon = 1.0e-05 : f32} : tensor<?x?x16xf32>
  return %n : tensor<?x?x16xf32>
}

// -----

// Tests RMSNorm: one sum (of x²), no mean subtracted.
// CONVERT-LABEL: func.func @rms_norm
// CONVERT: call @rms_norm_norm(
// CONVERT: xf.gpu_kernel = {kind = "norm", spec = {bias = false, epsilon = 9.99999997E-7 : f32, residual = false, rms = true, weight = true}}
// KERNEL-LABEL: func.func private @rms_norm_norm(
// KERNEL: gpu.launch
// KERNEL: scf.for {{.*}} iter_args(
// KERNEL: arith.mulf
// KERNEL: math.sqrt
// KERNEL-NOT: iter_args
// KERNEL-NOT: arith.subf %{{.+}}, %{{.+}} : f32
// KERNEL: return
func.func @rms_norm(%x: tensor<?x32xf32>, %g: tensor<32xf32>) -> tensor<?x32xf32> {
  %n = xf.rms_norm %x weight(%g : tensor<32xf32>) {epsilon = 1.0e-06 : f32} : tensor<?x32xf32>
  return %n : tensor<?x32xf32>
}
