// RUN: xf-opt %s --xf-gpu-merge-kernel-modules | FileCheck %s

// Tests that the outliner's one-module-per-kernel output becomes one
// module whose kernels take their old module's (unique) name, and that the
// launches follow.
// CHECK: gpu.launch_func @xf_kernels::@f_kernel blocks
// CHECK: gpu.launch_func @xf_kernels::@f_kernel_0 blocks
// CHECK: gpu.module @xf_kernels
// CHECK-DAG: gpu.func @f_kernel(
// CHECK-DAG: gpu.func @f_kernel_0(
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @f(%a: memref<?xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    return
  }
  gpu.module @f_kernel {
    gpu.func @f_kernel(%a: memref<?xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @f_kernel_0 {
    gpu.func @f_kernel(%a: memref<?xf32>) kernel {
      gpu.return
    }
  }
}
