// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg="cpu-attention=true" | FileCheck %s

// Tests that attention with key-id padding and a causal mask becomes the
// flash-style kernel: a parallel loop over (batch, head, query), key blocks
// of 16 carrying (max, normalizer, accumulator), a tail loop, no score tensor.
// CHECK-LABEL: func.func @flash
// CHECK-NOT: linalg.generic
// CHECK: %[[OUT:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {alignment = 64 : i64} : memref<?x?x8x64xf32>
// Kᵀ, keys contiguous, filled by a parallel copy.
// CHECK: %[[KT:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {alignment = 64 : i64} : memref<?x8x64x?xf32>
// CHECK: scf.parallel
// CHECK: memref.store %{{.+}}, %[[KT]]
// CHECK: scf.parallel
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, vector<64xf32>)
// Scores of 16 keys: one vector FMA per step of the head width.
// CHECK: scf.for {{.*}} -> (vector<16xf32>)
// CHECK: vector.load %[[KT]]{{.*}} : memref<?x8x64x?xf32>, vector<16xf32>
// CHECK: vector.fma
// CHECK: vector.reduction <maxnumf>
// CHECK: math.exp {{.*}} : vector<16xf32>
// CHECK: scf.for {{.*}} -> (f32, f32, vector<64xf32>)
// CHECK: arith.divf {{.*}} : vector<64xf32>
// CHECK: vector.store {{.*}}, %[[OUT]]
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
func.func @flash(%q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>, %v: tensor<?x?x8x64xf32>,
                 %ids: tensor<?x?xi64>) -> tensor<?x?x8x64xf32> {
  %o = xf.attention %q, %k, %v key_ids(%ids : tensor<?x?xi64>)
      {scale = 0.125 : f32, causal = true, q_layout = #xf.layout<bshd>,
       k_layout = #xf.layout<bshd>, v_layout = #xf.layout<bshd>, out_layout = #xf.layout<bshd>}
      : tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>
  return %o : tensor<?x?x8x64xf32>
}

// -----

// Tests that a general boolean mask keeps the decomposition (linalg).
// CHECK-LABEL: func.func @general_mask
// CHECK-NOT: scf.parallel
// CHECK: linalg.generic
// CHECK: arith.select
func.func @general_mask(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>,
                        %m: tensor<?x1x?x?xi1>) -> tensor<?x8x?x64xf32> {
  %o = xf.attention %q, %k, %v mask(%m : tensor<?x1x?x?xi1>) {scale = 0.125 : f32}
      : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Tests that a head width that is not a multiple of 16 keeps the
// decomposition.
// CHECK-LABEL: func.func @narrow_heads
// CHECK-NOT: scf.parallel
// CHECK: linalg.generic
func.func @narrow_heads(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %o = xf.attention %q, %k, %v {scale = 0.35 : f32}
      : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}
