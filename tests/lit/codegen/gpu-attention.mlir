// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg="gpu-kernels=true" | FileCheck %s --check-prefix=CONVERT
// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg="gpu-kernels=true" --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --xf-gpu-define-kernels | FileCheck %s --check-prefix=KERNEL

// Tests the first step: attention with key-id padding and a causal mask
// becomes, on buffers (operands read only, a fresh output returned with
// to_tensor, so bufferization copies nothing), a call of a private
// declaration that carries what the kernel needs (head counts and widths,
// layouts, scale, mask value, pad id).
// CONVERT-LABEL: func.func @flash
// CONVERT-NOT: linalg.generic
// CONVERT-DAG: %[[Q:.+]] = bufferization.to_buffer %arg0 read_only
// CONVERT-DAG: %[[IDS:.+]] = bufferization.to_buffer %arg3 read_only
// CONVERT-DAG: %[[OUT:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {alignment = 64 : i64} : memref<?x?x8x64xf32>
// CONVERT: call @flash_attention(%[[OUT]], %[[Q]], %{{.+}}, %{{.+}}, %[[IDS]]) : (memref<?x?x8x64xf32>, memref<?x?x8x64xf32>, memref<?x?x8x64xf32>, memref<?x?x8x64xf32>, memref<?x?xi64>) -> ()
// CONVERT: %[[O:.+]] = bufferization.to_tensor %[[OUT]] restrict writable
// CONVERT: return %[[O]]
// CONVERT: func.func private @flash_attention(memref<?x?x8x64xf32>, memref<?x?x8x64xf32>, memref<?x?x8x64xf32>, memref<?x?x8x64xf32>, memref<?x?xi64>) attributes {xf.gpu_kernel = {kind = "attention", spec = {causal = true, heads = 8 : i64, k_layout = #xf.layout<bshd>, kv_heads = 8 : i64, mask_value = -1.000000e+09 : f32, offsets = false, out_layout = #xf.layout<bshd>, pad_id = 0 : i64, q_layout = #xf.layout<bshd>, scale = 1.250000e-01 : f32, v_layout = #xf.layout<bshd>, v_width = 64 : i64, width = 64 : i64}}}

// Tests the second step, on buffers: the declaration gets its body, one
// launch with a workgroup per 64
// query rows (grid x), head (y) and batch element (z, grid-stride), 64
// threads, K and V blocks of 32 keys x 64 staged in workgroup memory as
// 1024 vectors of 4 floats (each thread gathers 4 floats, zero past the
// last key, and stores one vector) between barriers; per key, 16 vector
// loads of K, a 64-term dot product as 4 partial sums added at the end,
// the masks (pad id, key > query), the online-softmax update (max, two
// exps), 16 vector loads of V and 64 accumulator FMAs; the row divided by
// its sum, stored only for rows that exist.
// KERNEL-LABEL: func.func @flash
// KERNEL-NOT: memref.copy
// KERNEL: call @flash_attention(
// KERNEL-LABEL: func.func private @flash_attention(
// KERNEL-SAME: %[[OUT:[^:]+]]: memref<?x?x8x64xf32>,
// KERNEL-NOT: xf.gpu_kernel =
// KERNEL: memref.extract_strided_metadata %[[OUT]]
// KERNEL: gpu.launch blocks({{.*}}) in ({{.*}} = %{{.+}}, {{.*}} = %c8{{.*}}, {{.*}} = %{{.+}}) threads({{.*}}) in ({{.*}} = %c64{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) {{.*}}workgroup(%[[SH:.+]] : memref<1024xvector<4xf32>, #gpu.address_space<workgroup>>)
// KERNEL: scf.if
// KERNEL: scf.for
// KERNEL-COUNT-64: memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// KERNEL: scf.for {{.*}} step %c32 iter_args(
// KERNEL-COUNT-4: memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// KERNEL: %[[KV:.+]] = vector.from_elements %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : vector<4xf32>
// KERNEL: memref.store %[[KV]], %[[SH]]
// KERNEL-COUNT-4: memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// KERNEL: %[[VV:.+]] = vector.from_elements
// KERNEL: memref.store %[[VV]], %[[SH]]
// KERNEL: gpu.barrier
// KERNEL: scf.for
// KERNEL-COUNT-16: memref.load %[[SH]][%{{.+}}] : memref<1024xvector<4xf32>, #gpu.address_space<workgroup>>
// KERNEL-COUNT-64: math.fma
// KERNEL-COUNT-3: arith.addf
// KERNEL: memref.load %{{.+}}[%{{.+}}] : memref<?xi64>
// KERNEL: arith.cmpi eq
// KERNEL: arith.cmpi sgt
// KERNEL: arith.select
// KERNEL: arith.maximumf
// KERNEL: math.exp
// KERNEL: math.exp
// KERNEL: math.fma
// KERNEL-COUNT-16: memref.load %[[SH]][%{{.+}}] : memref<1024xvector<4xf32>, #gpu.address_space<workgroup>>
// KERNEL-COUNT-64: math.fma
// KERNEL: gpu.barrier
// KERNEL: scf.if
// KERNEL-COUNT-64: arith.divf
// KERNEL: return
func.func @flash(%q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>, %v: tensor<?x?x8x64xf32>,
                 %ids: tensor<?x?xi64>) -> tensor<?x?x8x64xf32> {
  %o = xf.attention %q, %k, %v key_ids(%ids : tensor<?x?xi64>)
      {scale = 0.125 : f32, causal = true, q_layout = #xf.layout<bshd>,
       k_layout = #xf.layout<bshd>, v_layout = #xf.layout<bshd>, out_layout = #xf.layout<bshd>}
      : tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>
  return %o : tensor<?x?x8x64xf32>
}

// -----

// Tests that a general boolean mask and a head width over 64 (q and the
// output row would not fit in registers) keep the decomposition.
// CONVERT-LABEL: func.func @general_mask
// CONVERT-NOT: call
// CONVERT: linalg.generic
// CONVERT-LABEL: func.func @wide_heads
// CONVERT-NOT: call
// CONVERT: linalg.generic
func.func @general_mask(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>,
                        %m: tensor<?x1x?x?xi1>) -> tensor<?x8x?x64xf32> {
  %o = xf.attention %q, %k, %v mask(%m : tensor<?x1x?x?xi1>) {scale = 0.125 : f32}
      : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}
func.func @wide_heads(%q: tensor<?x2x?x128xf32>, %k: tensor<?x2x?x128xf32>, %v: tensor<?x2x?x128xf32>) -> tensor<?x2x?x128xf32> {
  %o = xf.attention %q, %k, %v {scale = 0.088 : f32}
      : tensor<?x2x?x128xf32>, tensor<?x2x?x128xf32>, tensor<?x2x?x128xf32>
  return %o : tensor<?x2x?x128xf32>
}

// -----

// Tests that a K stored transposed (bhds) and grouped queries (4 query
// heads share each of 2 K/V heads) take the kernel: K is indexed
// [b, h / 4, d, key].
// CONVERT-LABEL: func.func @k_transposed_grouped
// CONVERT: call @k_transposed_grouped_attention(
// CONVERT: xf.gpu_kernel = {kind = "attention", spec = {causal = false, heads = 8 : i64, k_layout = #xf.layout<bhds>, kv_heads = 2 : i64,
// KERNEL-LABEL: func.func private @k_transposed_grouped_attention(
// KERNEL: gpu.launch
// KERNEL: arith.divui %{{.+}}, %c4
func.func @k_transposed_grouped(%q: tensor<?x8x?x32xf32>, %kt: tensor<?x2x32x?xf32>, %v: tensor<?x2x?x32xf32>) -> tensor<?x8x?x32xf32> {
  %o = xf.attention %q, %kt, %v {scale = 0.17 : f32, k_layout = #xf.layout<bhds>}
      : tensor<?x8x?x32xf32>, tensor<?x2x32x?xf32>, tensor<?x2x?x32xf32>
  return %o : tensor<?x8x?x32xf32>
}

// -----

// Tests that a head width 4 does not divide stages K and V as scalars:
// 32 keys x (6 + 6) floats of workgroup memory, 6 scalar loads of K per key.
// KERNEL-LABEL: func.func private @odd_width_attention(
// KERNEL: gpu.launch {{.*}}workgroup(%[[SH:.+]] : memref<384xf32, #gpu.address_space<workgroup>>)
// KERNEL-NOT: vector.from_elements
// KERNEL: gpu.barrier
// KERNEL: scf.for
// KERNEL-COUNT-6: memref.load %[[SH]][%{{.+}}] : memref<384xf32, #gpu.address_space<workgroup>>
// KERNEL-COUNT-6: math.fma
func.func @odd_width(%q: tensor<?x2x?x6xf32>, %k: tensor<?x2x?x6xf32>, %v: tensor<?x2x?x6xf32>)
    -> tensor<?x2x?x6xf32> {
  %o = xf.attention %q, %k, %v {scale = 0.4 : f32}
      : tensor<?x2x?x6xf32>, tensor<?x2x?x6xf32>, tensor<?x2x?x6xf32>
  return %o : tensor<?x2x?x6xf32>
}

// -----

// Tests a generation step's attention over a cache (query_offsets): the
// offsets are the kernel's last operand; each batch row's offset is read
// on the device, bounds the key loop at the workgroup's last query
// (offset + min(Lq, 64 · (block + 1))), and shifts the causal test to
// key > query + offset.
// CONVERT-LABEL: func.func @over_cache
// CONVERT: call @over_cache_attention(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x8x?x64xf32>, memref<?x8x?x64xf32>, memref<?x8x64x?xf32>, memref<?x8x?x64xf32>, memref<?xi64>) -> ()
// CONVERT: xf.gpu_kernel = {kind = "attention", spec = {causal = true, {{.*}}offsets = true,
// KERNEL-LABEL: func.func private @over_cache_attention(
// KERNEL: gpu.launch blocks(%[[BX:[^,]+]],
// KERNEL: %[[AT:.+]] = memref.load %{{.+}}[%{{.+}}] : memref<?xi64>
// KERNEL: %[[OFF:.+]] = arith.index_cast %[[AT]] : i64 to index
// KERNEL: %[[NEXT:.+]] = arith.addi %[[BX]], %c1
// KERNEL: %[[ROWS:.+]] = arith.muli %[[NEXT]], %c64
// KERNEL: %[[LAST:.+]] = arith.minsi %{{.+}}, %[[ROWS]]
// KERNEL: %[[REACH:.+]] = arith.addi %[[OFF]], %[[LAST]]
// KERNEL: %[[END:.+]] = arith.minsi %{{.+}}, %[[REACH]]
// KERNEL: scf.for %{{.+}} = %c0{{.*}} to %[[END]] step %c32
// KERNEL: %[[POS:.+]] = arith.addi %{{.+}}, %[[OFF]]
// KERNEL: arith.cmpi sgt, %{{.+}}, %[[POS]]
func.func @over_cache(%q: tensor<?x8x?x64xf32>, %kt: tensor<?x8x64x?xf32>, %v: tensor<?x8x?x64xf32>, %past: tensor<?xi64>) -> tensor<?x8x?x64xf32> {
  %o = xf.attention %q, %kt, %v query_offsets(%past : tensor<?xi64>) {causal = true, scale = 0.125 : f32, k_layout = #xf.layout<bhds>}
      : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}
