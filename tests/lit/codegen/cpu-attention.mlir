// RUN: xf-opt %s -split-input-file --convert-xf-to-linalg="cpu-attention=true" | FileCheck %s

// Tests that attention with key-id padding and a causal mask becomes the
// flash-style kernel. First Kᵀ in blocks of 64 keys ([B, H, block, d, 64]),
// made once by 16x16 register transposes of K (key index clamped to the
// last key). Then a parallel loop over (batch, head, 32 queries), each with
// its online-softmax state (max, normalizer, accumulator) and a 4x64
// probability buffer in per-iteration buffers. Per block of 64 keys (the
// last one partial, its missing keys masked off), groups of 4 queries
// score 64 keys per vector FMA, mask them as vectors, reduce max and sum
// by lane-swap butterflies, and accumulate P·V over the keys that exist
// (runs of 16, then single keys); under a causal mask, blocks that no
// query of the super-block sees are skipped; no score tensor. The kernel
// is a private, internal, noinline function that writes the output the
// caller allocates.
// CHECK-LABEL: func.func @flash
// CHECK-SAME: (%[[Q:.+]]: tensor<?x?x8x64xf32>, %[[K:.+]]: tensor<?x?x8x64xf32>, %[[V:.+]]: tensor<?x?x8x64xf32>, %[[IDS:.+]]: tensor<?x?xi64>)
// CHECK-NOT: linalg.generic
// CHECK: %[[QB:.+]] = bufferization.to_buffer %[[Q]] read_only
// CHECK: %[[KB:.+]] = bufferization.to_buffer %[[K]] read_only
// CHECK: %[[VB:.+]] = bufferization.to_buffer %[[V]] read_only
// CHECK: %[[IB:.+]] = bufferization.to_buffer %[[IDS]] read_only
// CHECK: %[[RES:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {alignment = 64 : i64} : memref<?x?x8x64xf32>
// CHECK: call @xf_attention(%[[QB]], %[[KB]], %[[VB]], %[[IB]], %[[RES]])
// CHECK: %[[T:.+]] = bufferization.to_tensor %[[RES]] restrict writable
// CHECK: return %[[T]]
// CHECK: func.func private @xf_attention(%{{.+}}: memref<?x?x8x64xf32>, %{{.+}}: memref<?x?x8x64xf32>, %{{.+}}: memref<?x?x8x64xf32>, %{{.+}}: memref<?x?xi64>, %[[OUT:.+]]: memref<?x?x8x64xf32>)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: %[[KT:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {alignment = 64 : i64} : memref<?x8x?x64x64xf32>
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to ({{.*}}) step (%c1{{.*}}, %c1{{.*}}, %c16)
// CHECK: scf.for
// CHECK: arith.minui
// CHECK-COUNT-16: vector.load %{{.+}} : memref<?x?x8x64xf32>, vector<16xf32>
// CHECK: vector.transpose %{{.+}}, [1, 0] : vector<16x16xf32> to vector<16x16xf32>
// CHECK-COUNT-16: vector.store %{{.+}}, %[[KT]]
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to ({{.*}}) step (%c1, %c1, %c32)
// CHECK: %[[M:.+]] = memref.alloc() : memref<32xf32>
// CHECK: %[[L:.+]] = memref.alloc() : memref<32xf32>
// CHECK: %[[ACC:.+]] = memref.alloc() {alignment = 64 : i64} : memref<32x64xf32>
// CHECK: %[[P:.+]] = memref.alloc() {alignment = 64 : i64} : memref<4x64xf32>
// Key blocks of 64, the keys that exist as a lane mask.
// CHECK: scf.for {{.*}} step %c64
// CHECK: %[[VALID:.+]] = arith.minui
// CHECK: %[[LANES:.+]] = vector.create_mask %[[VALID]] : vector<64xi1>
// Causal: a block past the super-block's last query is skipped once every
// row's max is a real score (above mask_value + 200).
// CHECK: %[[LATE:.+]] = arith.cmpi uge, %{{.+}}, %{{.+}} : index
// CHECK: %[[NEEDED:.+]] = scf.if %[[LATE]] -> (i1)
// CHECK: scf.for {{.*}} -> (i1)
// CHECK: memref.load %[[M]]
// CHECK: arith.cmpf ule, {{.*}} : f32
// CHECK: scf.if %[[NEEDED]]
// Then groups of 4 query rows: 4 score vectors of 64 keys, one FMA per
// head dim each.
// CHECK: scf.for {{.*}} step %c4
// CHECK: scf.for {{.*}} -> (vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>)
// CHECK: vector.load %[[KT]]{{.*}} : memref<?x8x?x64x64xf32>, vector<64xf32>
// CHECK-COUNT-4: vector.fma
// CHECK: vector.maskedload {{.*}}, %[[LANES]], {{.*}} : memref<?x?xi64>, vector<64xi1>, vector<64xi64>
// CHECK: arith.cmpi eq, {{.*}} : vector<64xi64>
// CHECK: memref.load %[[M]]
// CHECK: arith.cmpi ugt, {{.*}} : vector<64xi64>
// CHECK: arith.select {{.*}} : vector<64xi1>, vector<64xf32>
// CHECK: arith.select %[[LANES]], {{.*}} : vector<64xi1>, vector<64xf32>
// The max: the four 16-key pieces combined, a butterfly, the result
// repeated to 64 lanes.
// CHECK: vector.extract_strided_slice {{.*}} {offsets = [48], sizes = [16], strides = [1]}
// CHECK: arith.maxnumf {{.*}} : vector<16xf32>
// CHECK: vector.shuffle {{.*}} [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]
// CHECK: arith.maxnumf {{.*}} : vector<16xf32>
// CHECK: vector.shuffle {{.*}} [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14]
// CHECK: arith.maxnumf {{.*}} : vector<16xf32>
// CHECK: vector.shuffle {{.*}} [0, 1, 2, {{.*}}, 15, 0, 1, {{.*}} : vector<16xf32>, vector<16xf32>
// CHECK: arith.maxnumf {{.*}} : vector<64xf32>
// CHECK: math.exp {{.*}} : vector<64xf32>
// CHECK: vector.extract_strided_slice {{.*}} {offsets = [48], sizes = [16], strides = [1]}
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK: memref.store {{.*}}, %[[M]]
// P·V: the probabilities through the buffer, runs of 16 keys, then single
// keys, up to the keys that exist.
// CHECK: vector.store {{.*}}, %[[P]]
// CHECK: %[[RUNS:.+]] = arith.subi %[[VALID]]
// CHECK: scf.for {{.*}} to %[[RUNS]] step %c16{{.*}} -> (vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>)
// CHECK: memref.load %[[P]]
// CHECK: vector.fma
// CHECK: scf.for {{.*}} = %[[RUNS]] to %[[VALID]] step %c1{{.*}} -> (vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>)
// CHECK: vector.store {{.*}}, %[[ACC]]
// The result: acc / l.
// CHECK: scf.for
// CHECK: arith.divf {{.*}} : vector<64xf32>
// CHECK: vector.store {{.*}}, %[[OUT]]
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

// -----

// Tests that a K stored transposed (bhds) is read as stored: keys are
// contiguous, so there is no tile and no transpose; loads of a key block
// are masked to the keys that exist. Each head dim's step also prefetches
// its row of the next block's keys, 16 at a time, clamped to the last key.
// CHECK-LABEL: func.func @k_transposed
// CHECK-NOT: vector.transpose
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: %[[LANES:.+]] = vector.create_mask %{{.+}} : vector<64xi1>
// CHECK: %[[LAST:.+]] = arith.subi %{{.+}}, %c1
// CHECK: %[[AHEAD:.+]] = arith.addi %[[J0:[^,]+]], %c64
// CHECK: %[[NEXT:.+]] = arith.minui %[[AHEAD]], %[[LAST]]
// CHECK: scf.for %[[D:.+]] = %c0 to %c64 step %c1 {{.*}} -> (vector<64xf32>) {
// CHECK-NEXT: memref.prefetch %{{.+}}[%{{.+}}, %{{.+}}, %[[D]], %[[NEXT]]], read, locality<3>, data
// CHECK-COUNT-3: memref.prefetch
// CHECK-NEXT: vector.maskedload %{{.+}}[%{{.+}}, %{{.+}}, %[[D]], %[[J0]]], %[[LANES]], %{{.+}} : memref<?x8x64x?xf32>, vector<64xi1>, vector<64xf32>
// CHECK: scf.for {{.*}} -> (vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>)
// CHECK-COUNT-4: memref.prefetch
// CHECK-NEXT: vector.maskedload %{{.+}}, %[[LANES]], %{{.+}} : memref<?x8x64x?xf32>, vector<64xi1>, vector<64xf32>
// CHECK-NOT: vector.transpose
func.func @k_transposed(%q: tensor<?x8x?x64xf32>, %kt: tensor<?x8x64x?xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %o = xf.attention %q, %kt, %v {scale = 0.125 : f32, k_layout = #xf.layout<bhds>}
      : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Tests that attentions with equal operand types and attributes share one
// kernel function and that a different attribute (causal) gets its own.
// CHECK-LABEL: func.func @shared
// CHECK: call @xf_attention(
// CHECK: call @xf_attention(
// CHECK: call @xf_attention_1(
// CHECK: func.func private @xf_attention(
// CHECK: func.func private @xf_attention_1(
// CHECK-NOT: func.func
func.func @shared(%q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>, %v: tensor<?x?x8x64xf32>)
    -> (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>) {
  %a = xf.attention %q, %k, %v {scale = 0.125 : f32, q_layout = #xf.layout<bshd>,
       k_layout = #xf.layout<bshd>, v_layout = #xf.layout<bshd>, out_layout = #xf.layout<bshd>}
      : tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>
  %b = xf.attention %a, %k, %v {scale = 0.125 : f32, q_layout = #xf.layout<bshd>,
       k_layout = #xf.layout<bshd>, v_layout = #xf.layout<bshd>, out_layout = #xf.layout<bshd>}
      : tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>
  %c = xf.attention %b, %k, %v {scale = 0.125 : f32, causal = true, q_layout = #xf.layout<bshd>,
       k_layout = #xf.layout<bshd>, v_layout = #xf.layout<bshd>, out_layout = #xf.layout<bshd>}
      : tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>
  return %a, %b, %c : tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>
}

// -----

// Tests grouped queries: 8 query heads on 2 K/V heads. Kᵀ is made for the 2
// K/V heads; query head h reads K/V head h / 4.
// CHECK-LABEL: func.func @grouped
// CHECK: func.func private @xf_attention(%{{.+}}: memref<?x8x?x64xf32>, %{{.+}}: memref<?x2x?x64xf32>, %{{.+}}: memref<?x2x?x64xf32>, %{{.+}}: memref<?x8x?x64xf32>)
// CHECK: %[[KT:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {alignment = 64 : i64} : memref<?x2x?x64x64xf32>
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%{{.+}}, %c2{{.*}}, %{{.+}}) step
// CHECK: scf.parallel (%{{.+}}, %[[H:.+]], %{{.+}}) = ({{.*}}) to (%{{.+}}, %c8{{.*}}, %{{.+}}) step
// CHECK: %[[KH:.+]] = arith.divui %[[H]], %c4
// CHECK: vector.load %[[KT]][%{{.+}}, %[[KH]], %{{.+}}, %{{.+}}, %{{.+}}] : memref<?x2x?x64x64xf32>, vector<64xf32>
// CHECK: vector.load %{{.+}}[%{{.+}}, %[[KH]], %{{.+}}, %{{.+}}] : memref<?x2x?x64xf32>, vector<64xf32>
func.func @grouped(%q: tensor<?x8x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %o = xf.attention %q, %k, %v {scale = 0.125 : f32}
      : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Tests a generation step's attention over a cache (query_offsets): the
// keys split into chunks of 256 (ceil(Lk / 256) of them) as a fourth
// parallel dim, each iteration's block loop bounded by its chunk and by
// the row's last query (offset + queries); the chunk's unnormalized state
// (m, l, acc) goes to partial buffers [B, H, Lq, chunks(, 64)], and a second
// parallel loop over (batch, head, query) merges a query's chunks: the
// max over chunks, then l and acc weighted by e^(m - max), acc / l stored.
// A step of one query per row runs groups of one row (groups of 4 would
// compute 3 copies of it); longer steps (a prefill) groups of 4.
// CHECK-LABEL: func.func @over_cache
// CHECK: func.func private @xf_attention
// CHECK: %[[CHUNKS:.+]] = arith.ceildivui %{{.+}}, %c256
// CHECK: %[[PM:.+]] = memref.alloc(%{{.+}}, %{{.+}}, %[[CHUNKS]]) : memref<?x8x?x?xf32>
// CHECK: %[[PL:.+]] = memref.alloc(%{{.+}}, %{{.+}}, %[[CHUNKS]]) : memref<?x8x?x?xf32>
// CHECK: %[[PA:.+]] = memref.alloc(%{{.+}}, %{{.+}}, %[[CHUNKS]]) {alignment = 64 : i64} : memref<?x8x?x?x64xf32>
// CHECK: %[[ONE:.+]] = arith.cmpi eq, %{{.+}}, %c1
// CHECK: scf.if %[[ONE]] {
// CHECK: scf.parallel ({{.*}}) to (%{{.+}}, %{{.+}}, %{{.+}}, %[[CHUNKS]]) step (%c1{{.*}}, %c1{{.*}}, %c8{{.*}}, %c1{{.*}})
// CHECK: vector.broadcast %{{.+}} : f32 to vector<64xf32>
// CHECK-NEXT: vector.fma
// CHECK-NEXT: scf.yield %{{[^,]+}} : vector<64xf32>
// CHECK: } else {
// CHECK: scf.parallel (%[[B:.+]], %[[H:.+]], %[[S0:.+]], %[[C:.+]]) = ({{.*}}) to (%{{.+}}, %{{.+}}, %{{.+}}, %[[CHUNKS]]) step (%c1{{.*}}, %c1{{.*}}, %c32{{.*}}, %c1{{.*}})
// CHECK: %[[BEGIN:.+]] = arith.muli %[[C]], %c256
// CHECK: %[[CEND:.+]] = arith.addi %[[BEGIN]], %c256
// CHECK: %[[END:.+]] = arith.minui %{{.+}}, %[[CEND]]
// CHECK: scf.for %{{.+}} = %[[BEGIN]] to %[[END]] step %c64
// CHECK: memref.store %{{.+}}, %[[PM]][%[[B]], %[[H]], %{{.+}}, %[[C]]]
// CHECK: memref.store %{{.+}}, %[[PL]][%[[B]], %[[H]], %{{.+}}, %[[C]]]
// CHECK: vector.store %{{.+}}, %[[PA]][%[[B]], %[[H]], %{{.+}}, %[[C]], %c0{{.*}}]
// CHECK: scf.parallel ({{.*}}) to ({{.*}}) step (%c1{{.*}}, %c1{{.*}}, %c1{{.*}})
// CHECK: %[[TOP:.+]] = scf.for {{.*}} to %[[CHUNKS]] {{.*}} -> (f32)
// CHECK: arith.maxnumf
// CHECK: scf.for {{.*}} to %[[CHUNKS]] {{.*}} -> (f32, vector<64xf32>)
// CHECK: arith.subf %{{.+}}, %[[TOP]]
// CHECK: math.exp
// CHECK: vector.fma
// CHECK: arith.divf
// CHECK: vector.store
func.func @over_cache(%q: tensor<?x8x?x64xf32>, %kt: tensor<?x8x64x?xf32>, %v: tensor<?x8x?x64xf32>, %past: tensor<?xi64>) -> tensor<?x8x?x64xf32> {
  %o = xf.attention %q, %kt, %v query_offsets(%past : tensor<?xi64>) {causal = true, scale = 0.125 : f32, k_layout = #xf.layout<bhds>}
      : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}
