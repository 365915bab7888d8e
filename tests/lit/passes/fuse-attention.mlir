// RUN: xf-opt %s -split-input-file --xf-fuse-attention | FileCheck %s
// RUN: xf-opt %s -split-input-file --xf-fuse-attention="explain=true" 2>&1 >/dev/null | FileCheck %s --check-prefix=EXPLAIN

// Tests the seed model's attention: head splits, Kᵀ as transpose_b, padding
// mask from token ids, -1e9 fill, head merge; everything folds into one op.
// CHECK-LABEL: func.func @seed_attention
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<?x?x8x64xf32>, %[[K:[^:]+]]: tensor<?x?x8x64xf32>, %[[V:[^:]+]]: tensor<?x?x8x64xf32>, %[[IDS:[^:]+]]: tensor<?x?xi64>
// CHECK: %[[O:.+]] = xf.attention %[[Q]], %[[K]], %[[V]] key_ids(%[[IDS]] : tensor<?x?xi64>)
// CHECK-SAME: k_layout = #xf.layout<bshd>, out_layout = #xf.layout<bshd>, q_layout = #xf.layout<bshd>, scale = 1.250000e-01 : f32, v_layout = #xf.layout<bshd>
// CHECK-NOT: xf.softmax
// CHECK: return %[[O]] : tensor<?x?x8x64xf32>
// EXPLAIN: remark: attention: fused
func.func @seed_attention(%q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>, %v: tensor<?x?x8x64xf32>,
                          %ids: tensor<?x?xi64>, %b: index, %l: index) -> tensor<?x?x8x64xf32> {
  %qh = xf.transpose %q [0, 2, 1, 3] : tensor<?x?x8x64xf32>
  %kh = xf.transpose %k [0, 2, 1, 3] : tensor<?x?x8x64xf32>
  %vh = xf.transpose %v [0, 2, 1, 3] : tensor<?x?x8x64xf32>
  %s = xf.matmul %qh, %kh {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  %ss = xf.scale %s by 0.125 : tensor<?x8x?x?xf32>
  %pad = xf.padding_mask %ids : tensor<?x?xi64>
  %m = xf.reshape %pad (%b, %l) : tensor<?x1x?xi1> -> tensor<?x1x1x?xi1>
  %f = xf.masked_fill %ss, %m {value = -1.0e9 : f32} : tensor<?x8x?x?xf32>, tensor<?x1x1x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %vh : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  %ot = xf.transpose %o [0, 2, 1, 3] : tensor<?x8x?x64xf32>
  return %ot : tensor<?x?x8x64xf32>
}

// -----

// Tests the decoder's masks: padding ∪ causal becomes key_ids + causal.
// CHECK-LABEL: func.func @causal_padding
// CHECK: xf.attention {{.*}} key_ids(%{{.+}} : tensor<?x?xi64>) {causal = true, k_layout = #xf.layout<bhds>, scale = 1.250000e-01 : f32}
func.func @causal_padding(%q: tensor<?x8x?x64xf32>, %kt: tensor<?x8x64x?xf32>, %v: tensor<?x8x?x64xf32>,
                          %ids: tensor<?x?xi64>, %b: index, %lq: index, %lk: index) -> tensor<?x8x?x64xf32> {
  %s = xf.matmul %q, %kt : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>
  %ss = xf.scale %s by 0.125 : tensor<?x8x?x?xf32>
  %pad = xf.padding_mask %ids : tensor<?x?xi64>
  %c = xf.causal_mask %lq, %lk
  %or = xf.or %pad, %c : tensor<?x1x?xi1>, tensor<?x?xi1>
  %m = xf.reshape %or (%b, %lq, %lk) : tensor<?x?x?xi1> -> tensor<?x1x?x?xi1>
  %f = xf.masked_fill %ss, %m {value = -1.0e9 : f32} : tensor<?x8x?x?xf32>, tensor<?x1x?x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Tests a scale on Q (instead of the scores) and a general boolean mask.
// CHECK-LABEL: func.func @scale_on_q
// CHECK-SAME: %[[Q:[^:]+]]: tensor<?x4x?x16xf32>
// CHECK-SAME: %[[M:[^:]+]]: tensor<?x4x?x?xi1>
// CHECK: xf.attention %[[Q]], %{{.+}}, %{{.+}} mask(%[[M]] : tensor<?x4x?x?xi1>) {mask_value = -1.000000e+04 : f32, scale = 2.500000e-01 : f32}
func.func @scale_on_q(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>,
                      %mask: tensor<?x4x?x?xi1>) -> tensor<?x4x?x16xf32> {
  %qs = xf.scale %q by 0.25 : tensor<?x4x?x16xf32>
  %s = xf.matmul %qs, %k {transpose_b = true} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
  %f = xf.masked_fill %s, %mask {value = -1.0e4 : f32} : tensor<?x4x?x?xf32>, tensor<?x4x?x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x4x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Tests that nothing fuses when the caller also uses the probabilities (the
// notes' MultiHeadAttention returns them).
// CHECK-LABEL: func.func @probabilities_used
// CHECK-NOT: xf.attention
// CHECK: xf.softmax
// EXPLAIN: remark: attention: not fused: the attention probabilities have another use
func.func @probabilities_used(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>)
    -> (tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>) {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  return %o, %p : tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>
}

// -----

// Tests that a softmax over another axis than the keys does not fuse.
// CHECK-LABEL: func.func @wrong_axis
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: the softmax axis is not the key axis
func.func @wrong_axis(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  %p = xf.softmax %s {axis = 2 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Tests that a fill with -inf (fully masked rows become NaN) does not fuse.
// CHECK-LABEL: func.func @infinite_fill
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: the fill value is not finite (fully masked rows would differ)
func.func @infinite_fill(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>,
                         %m: tensor<?x1x1x?xi1>) -> tensor<?x8x?x64xf32> {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  %f = xf.masked_fill %s, %m {value = 0xFF800000 : f32} : tensor<?x8x?x?xf32>, tensor<?x1x1x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Tests that scores used twice do not fuse.
// CHECK-LABEL: func.func @scores_used
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: the scores have another use
func.func @scores_used(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>)
    -> (tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>) {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  return %o, %s : tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>
}

// -----

// Tests grouped-query attention as the LLaMA description writes it: Q
// [B, 4, L, 16] viewed as [B, 2, 2, L, 16], K and V [B, 2, L, 16] viewed as
// [B, 2, 1, L, 16], 5-D scores with a padding ∪ causal mask, the result
// merged by [0, 3, 1, 2, 4]: one xf.attention on the 4-D tensors (K/V with 2
// heads), its bshd result viewed as [B, L, 2, 2, 16] again.
// CHECK-LABEL: func.func @grouped_heads
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<?x4x?x16xf32>, %[[K:[^:]+]]: tensor<?x2x?x16xf32>, %[[V:[^:]+]]: tensor<?x2x?x16xf32>, %[[IDS:[^:]+]]: tensor<?x?xi64>, %[[B:[^:]+]]: index, %[[L:[^:]+]]: index)
// CHECK: %[[O:.+]] = xf.attention %[[Q]], %[[K]], %[[V]] key_ids(%[[IDS]] : tensor<?x?xi64>) {causal = true, out_layout = #xf.layout<bshd>, scale = 2.500000e-01 : f32} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
// CHECK: %[[G:.+]] = xf.reshape %[[O]](%[[B]], %[[L]]) : tensor<?x?x4x16xf32> -> tensor<?x?x2x2x16xf32>
// CHECK: return %[[G]]
// EXPLAIN: remark: attention: fused
func.func @grouped_heads(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>,
                         %ids: tensor<?x?xi64>, %b: index, %l: index) -> tensor<?x?x2x2x16xf32> {
  %q5 = xf.reshape %q(%b, %l) : tensor<?x4x?x16xf32> -> tensor<?x2x2x?x16xf32>
  %k5 = xf.reshape %k(%b, %l) : tensor<?x2x?x16xf32> -> tensor<?x2x1x?x16xf32>
  %v5 = xf.reshape %v(%b, %l) : tensor<?x2x?x16xf32> -> tensor<?x2x1x?x16xf32>
  %s = xf.matmul %q5, %k5 {transpose_b = true} : tensor<?x2x2x?x16xf32>, tensor<?x2x1x?x16xf32>
  %ss = xf.scale %s by 0.25 : tensor<?x2x2x?x?xf32>
  %pad = xf.padding_mask %ids : tensor<?x?xi64>
  %c = xf.causal_mask %l, %l
  %or = xf.or %pad, %c : tensor<?x1x?xi1>, tensor<?x?xi1>
  %m = xf.reshape %or(%b, %l, %l) : tensor<?x?x?xi1> -> tensor<?x1x1x?x?xi1>
  %f = xf.masked_fill %ss, %m {value = -1.0e9 : f32} : tensor<?x2x2x?x?xf32>, tensor<?x1x1x?x?xi1>
  %p = xf.softmax %f {axis = 4 : i64} : tensor<?x2x2x?x?xf32>
  %o = xf.matmul %p, %v5 : tensor<?x2x2x?x?xf32>, tensor<?x2x1x?x16xf32>
  %t = xf.transpose %o [0, 3, 1, 2, 4] : tensor<?x2x2x?x16xf32>
  return %t : tensor<?x?x2x2x16xf32>
}

// -----

// Tests that 5-D attention whose Q, K, V are not views of 4-D heads is left
// unfused, with its reason.
// CHECK-LABEL: func.func @grouped
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: 5-D scores whose Q, K, V are not the 4-D heads viewed as [B, Hkv, G, L, d] and [B, Hkv, 1, L, d]
func.func @grouped(%q: tensor<?x2x2x?x16xf32>, %k: tensor<?x2x1x?x16xf32>, %v: tensor<?x2x1x?x16xf32>) -> tensor<?x2x2x?x16xf32> {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x2x2x?x16xf32>, tensor<?x2x1x?x16xf32>
  %p = xf.softmax %s {axis = 4 : i64} : tensor<?x2x2x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x2x2x?x?xf32>, tensor<?x2x1x?x16xf32>
  return %o : tensor<?x2x2x?x16xf32>
}

// -----

// Tests a generation step's attention over a cache: K stored transposed
// (bhds, the cache's layout) and a causal mask offset by each row's cache
// length become `query_offsets`.
// CHECK-LABEL: func.func @over_cache
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<?x2x?x8xf32>, %[[K:[^:]+]]: tensor<?x2x8x?xf32>, %[[V:[^:]+]]: tensor<?x2x?x8xf32>, %[[PAST:[^:]+]]: tensor<?xi64>
// CHECK: xf.attention %[[Q]], %[[K]], %[[V]] query_offsets(%[[PAST]] : tensor<?xi64>) {causal = true, k_layout = #xf.layout<bhds>, scale = 0.353553385 : f32}
// EXPLAIN: remark: attention: fused
func.func @over_cache(%q: tensor<?x2x?x8xf32>, %k: tensor<?x2x8x?xf32>, %v: tensor<?x2x?x8xf32>,
                      %past: tensor<?xi64>, %b: index, %lq: index, %lk: index) -> tensor<?x2x?x8xf32> {
  %s = xf.matmul %q, %k : tensor<?x2x?x8xf32>, tensor<?x2x8x?xf32>
  %ss = xf.scale %s by 0.353553385 : tensor<?x2x?x?xf32>
  %c = xf.causal_mask %lq, %lk offsets(%past : tensor<?xi64>)
  %m = xf.reshape %c(%b, %lq, %lk) : tensor<?x?x?xi1> -> tensor<?x1x?x?xi1>
  %f = xf.masked_fill %ss, %m {value = -1.0e9 : f32} : tensor<?x2x?x?xf32>, tensor<?x1x?x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x2x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

// -----

// Tests that K and V of one batch row, broadcast by the matmuls over Q's
// two rows, stay unfused: the op reads K and V at Q's batch row.
// CHECK-LABEL: func.func @batch_broadcast
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: Q, K and V broadcast along the batch (the op reads them at the same batch row)
func.func @batch_broadcast(%q: tensor<2x4x?x16xf32>, %k: tensor<1x4x?x16xf32>, %v: tensor<1x4x?x16xf32>) -> tensor<2x4x?x16xf32> {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<2x4x?x16xf32>, tensor<1x4x?x16xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<2x4x?x?xf32>
  %o = xf.matmul %p, %v : tensor<2x4x?x?xf32>, tensor<1x4x?x16xf32>
  return %o : tensor<2x4x?x16xf32>
}

// -----

// Tests that one query head broadcast against four K/V heads stays unfused
// (the op's K/V heads must divide its query heads).
// CHECK-LABEL: func.func @query_head_broadcast
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: the heads broadcast (the op takes K/V heads that divide the query heads)
func.func @query_head_broadcast(%q: tensor<?x1x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x1x?x16xf32>, tensor<?x4x?x16xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<?x4x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Tests that one row of padding ids, broadcast over the batch, stays
// unfused: the op reads the ids of each batch row.
// CHECK-LABEL: func.func @ids_broadcast
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: the padding ids broadcast over the batch or the keys (the op reads one id per batch row and key)
func.func @ids_broadcast(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>,
                         %ids: tensor<1x?xi64>, %l: index) -> tensor<?x4x?x16xf32> {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
  %pad = xf.padding_mask %ids : tensor<1x?xi64>
  %m = xf.reshape %pad(%l) : tensor<1x1x?xi1> -> tensor<1x1x1x?xi1>
  %f = xf.masked_fill %s, %m {value = -1.0e9 : f32} : tensor<?x4x?x?xf32>, tensor<1x1x1x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x4x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Tests that a fused op whose type would differ from the value it replaces
// (the matmul takes K's static batch, the op Q's dynamic one) stays unfused.
// CHECK-LABEL: func.func @result_type_differs
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: the fused result 'tensor<?x4x?x16xf32>' would replace a value of type 'tensor<2x4x?x16xf32>'
func.func @result_type_differs(%q: tensor<?x4x?x16xf32>, %k: tensor<2x4x?x16xf32>, %v: tensor<?x4x?x16xf32>) -> tensor<2x4x?x16xf32> {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x4x?x16xf32>, tensor<2x4x?x16xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<2x4x?x?xf32>
  %o = xf.matmul %p, %v : tensor<2x4x?x?xf32>, tensor<?x4x?x16xf32>
  return %o : tensor<2x4x?x16xf32>
}
