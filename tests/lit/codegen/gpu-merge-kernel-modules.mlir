// RUN: xf-opt %s --xf-gpu-merge-kernel-modules | FileCheck %s

// Tests that the outliner's one-module-per-kernel output becomes one
// module whose kernels take their old module's (unique) name, that kernels
// equal but for their names are kept once (f_kernel_1 is f_kernel), and
// that the launches follow.
// CHECK: gpu.launch_func @xf_kernels::@f_kernel blocks
// CHECK: gpu.launch_func @xf_kernels::@f_kernel_0 blocks
// CHECK: gpu.launch_func @xf_kernels::@f_kernel blocks
// CHECK: gpu.module @xf_kernels
// CHECK-DAG: gpu.func @f_kernel(
// CHECK-DAG: gpu.func @f_kernel_0(
// CHECK-NOT: gpu.func @f_kernel_1
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @f(%a: memref<?xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @f_kernel_1::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    return
  }
  gpu.module @f_kernel {
    gpu.func @f_kernel(%a: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %a[%c0] : memref<?xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %a[%c0] : memref<?xf32>
      gpu.return
    }
  }
  gpu.module @f_kernel_0 {
    gpu.func @f_kernel(%a: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %a[%c0] : memref<?xf32>
      %w = arith.mulf %v, %v : f32
      memref.store %w, %a[%c0] : memref<?xf32>
      gpu.return
    }
  }
  gpu.module @f_kernel_1 {
    gpu.func @f_kernel(%a: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %a[%c0] : memref<?xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %a[%c0] : memref<?xf32>
      gpu.return
    }
  }
}
