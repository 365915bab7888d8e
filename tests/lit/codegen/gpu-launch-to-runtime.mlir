// RUN: xf-opt %s --xf-gpu-launch-to-runtime | FileCheck %s

// Tests that a launch becomes a call with the kernel's table position, the
// grid and block sizes and the address of its operands as i64 words
// (a buffer's address and its extent in bytes, index values, f32 bits),
// that the table records each kernel's operand kinds, and that the kernels
// leave the module.
// CHECK: module attributes {xf.gpu_kernels = ["first:m", "second:mif"]}
// CHECK-LABEL: func.func @f
// CHECK: %[[ARGS:.+]] = memref.alloca() : memref<4xi64>
// CHECK: %[[PTR:.+]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: %[[P64:.+]] = arith.index_cast %[[PTR]] : index to i64
// CHECK: memref.store %[[P64]], %[[ARGS]][%c0
// CHECK: %[[N:.+]] = memref.dim %arg0, %c0
// CHECK: %[[BYTES:.+]] = arith.muli %[[N]], %c4
// CHECK: %[[B64:.+]] = arith.index_cast %[[BYTES]] : index to i64
// CHECK: memref.store %[[B64]], %[[ARGS]][%c1
// CHECK: arith.index_cast %arg1 : index to i64
// CHECK: %[[BITS:.+]] = arith.bitcast %arg2 : f32 to i32
// CHECK: arith.extui %[[BITS]] : i32 to i64
// CHECK: %[[ADDR:.+]] = memref.extract_aligned_pointer_as_index %[[ARGS]]
// CHECK: %[[K:.+]] = arith.constant 1 : i32
// CHECK: call @xf_gpu_launch(%[[K]], %arg1, %c1, %c1, %c256, %c1, %c1, %[[ADDR]])
// CHECK-NOT: gpu.
// CHECK: func.func private @xf_gpu_launch(i32, index, index, index, index, index, index, index)
module attributes {gpu.container_module} {
  func.func @f(%a: memref<?xf32>, %n: index, %s: f32) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    gpu.launch_func @xf_kernels::@second blocks in (%n, %c1, %c1) threads in (%c256, %c1, %c1) args(%a : memref<?xf32>, %n : index, %s : f32)
    return
  }
  gpu.module @xf_kernels {
    gpu.func @first(%a: memref<?xf32>) kernel {
      gpu.return
    }
    gpu.func @second(%a: memref<?xf32>, %n: index, %s: f32) kernel {
      gpu.return
    }
  }
}
